"""LMS exports: files that import cleanly (DTD, cloze grammar) and grade like check_answer.

The conformance tests read each exported file back the way the LMS does (``lms_sim``) and check,
for every template of the built-in bank, that the correct value, values at and just beyond the
tolerance and every misconception value get the same verdict (and, in Moodle, the same partial
credit) as :func:`problemgen.grading.check_answer`.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest

import lms_sim as sim
from problemgen.batch import ManifestError
from problemgen.build import all_templates, build_exam
from problemgen.errors import BuildError, ConfigError
from problemgen.export.lms import content_id, export_lms, read_pools
from problemgen.grading import check_answer
from problemgen.units import parse_unit

DTD = Path(__file__).resolve().parents[2] / "shared" / "formats" / "qti" / "ims_qtiasiv1p2p1.dtd"
TEMPLATES = sorted(all_templates())
CLOZE_FRACTIONS = sorted((f for f in sim.MOODLE_FRACTIONS if "." not in f), key=float)
SMALL_EXAM = Path(__file__).parent / "data" / "small-exam"


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bank_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exam whose problems are every template of the built-in bank, for three students."""
    folder = tmp_path_factory.mktemp("bank-exam")
    lines = ['schema_version = 1', 'id = "every-template"', 'title = "Every template / LMS"',
             'secret_file = "every.secret"', 'formats = ["md"]', "", "[grading]", "misconception_credit = 0.25", ""]
    for template in TEMPLATES:
        lines += ["[[problems]]", f'template = "{template}"', "points = 2", ""]
    lines[-1:] = ["misconception_credit = 0.15", ""]  # the last problem's credit is not a Moodle fraction
    (folder / "exam.toml").write_text("\n".join(lines), encoding="utf-8")
    (folder / "roster.csv").write_text("id,name\na1,Ann\nb2,Bo\nc3,Cy\n", encoding="utf-8")
    (folder / "every.secret").write_text("0123456789abcdef" * 4, encoding="ascii")
    return build_exam(folder / "exam.toml", folder / "roster.csv", folder / "out", ("md",)).out


@pytest.fixture(scope="module")
def bank(bank_build: Path) -> dict[str, Any]:
    """The bank build's manifest, exports and what the simulators read back."""
    manifest = json.loads((bank_build / "manifest.json").read_text(encoding="utf-8"))
    moodle, canvas = export_lms(bank_build, "moodle"), export_lms(bank_build, "canvas")
    files, groups = sim.read_canvas(canvas.path)
    return {"manifest": manifest, "pools": read_pools(manifest), "moodle": moodle, "canvas": canvas,
            "questions": {q.idnumber: q for q in sim.read_moodle(moodle.path)}, "canvas_files": files,
            "items": {item.ident: item for group in groups for item in group.items}, "groups": groups}


def small_exam(tmp_path: Path, edit: Callable[[str], str] = lambda text: text, students: int = 0) -> Path:
    """The small test exam built for its roster (or for ``students`` made-up ones), with its
    config changed by ``edit``; returns the build folder."""
    folder = tmp_path / "exam"
    shutil.copytree(SMALL_EXAM, folder)
    config = folder / "exam.toml"
    config.write_text(edit(config.read_text(encoding="utf-8")), encoding="utf-8")
    roster = folder / "roster.csv"
    if students:
        roster = folder / "many.csv"
        roster.write_text("id,name\n" + "".join(f"s{i},S {i}\n" for i in range(students)), encoding="utf-8")
    return build_exam(config, roster, folder / "out", ("md",)).out


def _variants(bank: dict[str, Any], template: str) -> list[Any]:
    found = [v for pool in bank["pools"] for v in pool.variants if v.template == template]
    assert found, template
    return found


# --- test values --------------------------------------------------------------------------------
def _tolerance(expected: dict[str, Any], value: Decimal) -> Decimal:
    return Decimal(repr(float(expected.get("atol") or 0))) + Decimal(repr(float(expected["rtol"]))) * abs(value)


def numeric_cases(expected: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """The correct value, both ends of the tolerance, just beyond them, every misconception value."""
    t = Decimal(repr(expected["value"]))
    tol = _tolerance(expected, t)
    step = tol * Decimal("1e-6") or Decimal("1e-9") * max(1, abs(t))
    cases = [("correct", t), ("at upper", t + tol), ("at lower", t - tol), ("beyond upper", t + tol + step),
             ("beyond lower", t - tol - step)]
    return cases + [(f"misconception {n}", Decimal(repr(v))) for n, v in (expected.get("misconceptions") or {}).items()
                    if isinstance(v, float) and v == v and abs(v) != float("inf")]


def _typed(value: Decimal) -> str:
    return format(value, "f")


def _snap(score: float, allowed: list[str]) -> float:
    return float(min(allowed, key=lambda p: (abs(float(p) - 100 * score), float(p)))) / 100


def _gradable(variant: Any) -> list[Any]:
    return [p for p in variant.parts if p.expected["kind"] in ("numeric", "choice")]


# --- validity -----------------------------------------------------------------------------------
@pytest.mark.skipif(not DTD.is_file(), reason=f"the QTI 1.2.1 DTD is not at {DTD} (shared/formats/qti)")
def test_the_qti_file_is_valid_against_the_qti_121_dtd(bank: dict[str, Any]) -> None:
    from lxml import etree

    dtd = etree.DTD(str(DTD))
    name = next(n for n in bank["canvas_files"] if n.endswith(".xml") and "/" in n and "meta" not in n)
    root = etree.fromstring(bank["canvas_files"][name])
    for element in root.iter():
        element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    # GIVEN an item without its ident and a stray element in a condition, THEN the DTD says so.
    item = root.find(".//item")
    del item.attrib["ident"]
    etree.SubElement(item.find(".//conditionvar"), "setvar")
    assert not dtd.validate(root)


def test_the_canvas_package_has_the_layout_canvas_imports(bank: dict[str, Any]) -> None:
    files = bank["canvas_files"]
    quiz_id = next(n.split("/")[0] for n in files if n.endswith("/assessment_meta.xml"))
    figures = sorted(n for n in files if n.startswith("problemgen-figures/"))
    assert sorted(files) == sorted(["imsmanifest.xml", "non_cc_assessments/", f"{quiz_id}/assessment_meta.xml",
                                    f"{quiz_id}/{quiz_id}.xml", *figures])
    meta = sim.strip_namespaces(sim.ET.fromstring(files[f"{quiz_id}/assessment_meta.xml"]))
    assert meta.get("identifier") == quiz_id  # else Canvas ignores title and settings (text2qti#18)
    assert meta.findtext("assignment/quiz_identifierref") == quiz_id
    assessment = sim.strip_namespaces(sim.ET.fromstring(files[f"{quiz_id}/{quiz_id}.xml"])).find("assessment")
    assert assessment.get("ident") == quiz_id
    idents = [g.ident for g in bank["groups"]] + [i.ident for g in bank["groups"] for i in g.items]
    assert len(idents) == len(set(idents))
    for group in bank["groups"]:
        assert group.pick == 1 and len({item.points for item in group.items}) == 1, group.title
    assert sum(bank["canvas"].items.values()) == len(bank["items"])


def _figure_templates() -> list[str]:
    templates = all_templates()
    return [t for t in TEMPLATES if templates[t].figure is not None]


def test_every_question_with_a_figure_shows_the_students_svg_in_both_exports(bank: dict[str, Any],
                                                                            bank_build: Path) -> None:
    # GIVEN the variants of the figure templates, each with its SVG among its students' keys
    import base64
    import re

    svgs = {}
    for student in bank["manifest"]["students"]:
        for problem in student["problems"]:
            if problem.get("figure"):
                svg = (bank_build / "keys" / student["folder"] / problem["figure"]).read_bytes()
                svgs.setdefault(problem["template"], set()).add(svg)
    assert sorted(svgs) == _figure_templates() and len(svgs) >= 4
    # THEN each Moodle question of such a template carries one of them as a file its text shows
    root = sim.ET.parse(bank["moodle"].path).getroot()
    shown = {}
    for question in root.iter("question"):
        name = question.findtext("name/text") or ""
        template = name.split(" ")[1] if " " in name else ""
        text = question.find("questiontext")
        files = text.findall("file") if text is not None else []
        if template in svgs:
            (file,) = files
            assert f'src="@@PLUGINFILE@@/{file.get("name")}"' in text.findtext("text")
            assert base64.b64decode(file.text) in svgs[template]
            shown[template] = shown.get(template, 0) + 1
        else:
            assert files == [], name
    assert sorted(shown) == sorted(svgs)
    # AND each Canvas item of such a template shows a file of the zip, listed as webcontent
    files = bank["canvas_files"]
    manifest = files["imsmanifest.xml"].decode("utf-8")
    for item in bank["items"].values():
        template = item.title.split(" ")[1]
        sources = re.findall(r'src="\$IMS-CC-FILEBASE\$/([^"]+)"', item.text)
        if template in svgs:
            (path,) = sources
            assert files[path] in svgs[template]
            assert f'type="webcontent" href="{path}"' in manifest
        else:
            assert sources == [], item.title


@pytest.mark.parametrize("show", [True, False])
def test_an_exam_that_keeps_solutions_from_students_exports_none(tmp_path: Path, show: bool) -> None:
    import zipfile

    from lxml import etree

    built = small_exam(tmp_path, lambda text: text.replace("[grading]\n",
                                                         f"[grading]\nshow_solutions = {str(show).lower()}\n"))
    moodle = export_lms(built, "moodle").path.read_text(encoding="utf-8")
    assert ("<generalfeedback" in moodle) is show
    with zipfile.ZipFile(export_lms(built, "canvas").path) as archive:
        names = archive.namelist()
        assessment = archive.read(next(n for n in names if n.endswith(".xml") and "/" in n and "meta" not in n))
        meta = archive.read(next(n for n in names if n.endswith("assessment_meta.xml"))).decode("utf-8")
    assert (b'ident="general_fb"' in assessment) is show and (b'linkrefid="general_fb"' in assessment) is show
    assert f"<show_correct_answers>{str(show).lower()}</show_correct_answers>" in meta
    root = etree.fromstring(assessment)
    for element in root.iter():
        element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)
    dtd = etree.DTD(str(DTD))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()


def test_an_export_whose_figure_is_gone_says_so(bank_build: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(bank_build, build)
    out = tmp_path / "moodle.xml"
    out.write_bytes(b"an earlier export")
    figure = next(build.glob("keys/*/figure-*.svg"))
    figure.unlink()
    with pytest.raises(BuildError) as caught:
        export_lms(build, "moodle", out=out, force=True)
    assert str(caught.value).startswith(f"{figure} is missing: the question of slot ")
    assert str(caught.value).endswith("shows that figure; export from a complete build (rebuild it with --force)")
    assert out.read_bytes() == b"an earlier export"  # nothing lost


def test_re_exporting_an_unchanged_build_gives_identical_files(bank_build: Path, tmp_path: Path) -> None:
    for to in ("moodle", "canvas"):
        first = export_lms(bank_build, to, out=tmp_path / f"one-{to}").path.read_bytes()
        assert export_lms(bank_build, to, out=tmp_path / f"two-{to}").path.read_bytes() == first


def test_the_moodle_file_follows_the_structural_rules(bank: dict[str, Any]) -> None:
    path = bank["moodle"].path
    assert path.read_text(encoding="utf-8").startswith("<?xml version='1.0' encoding='UTF-8'?>\n<quiz>")
    questions = list(bank["questions"].values())
    assert len(questions) == sum(len(p.variants) for p in bank["pools"])
    widths = set()
    for question in questions:
        variant_slot = question.name.split()[0]
        assert question.category == f"$course$/top/Every template // LMS/Problem {variant_slot}"
        assert question.name and question.text and question.general_feedback and question.idnumber
        assert "<math" not in question.text + question.general_feedback  # TeX for MathJax, not MathML
        if question.qtype != "cloze":
            assert all(a.raw_fraction in sim.MOODLE_FRACTIONS for a in question.answers)
            continue
        gaps = sim.parse_gaps(question.text)
        assert gaps, question.name
        for gap in gaps:
            assert sim.cloze_problems(gap) == [], question.name
            assert all(a.raw_fraction in CLOZE_FRACTIONS for a in gap.answers)
            if gap.qtype == "NUMERICAL":
                assert not any(a.text.startswith("+") or "\u2212" in a.text for a in gap.answers)
                widths.add(max(len(a.text) for a in gap.answers))
            else:
                assert gap.qtype == "MULTICHOICE_V"  # math renders in radio buttons, not in a drop-down
    assert len(widths) == 1  # one box width in the whole file: the width gives nothing away
    assert "\\(" in path.read_text(encoding="utf-8")


# --- conformance --------------------------------------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES)
def test_moodle_grades_every_template_like_check_answer(bank: dict[str, Any], template: str) -> None:
    checked = 0
    for variant in _variants(bank, template):
        question = bank["questions"][variant.id]
        assert question.qtype == "cloze"
        gaps = sim.parse_gaps(question.text)
        assert len(gaps) == len(_gradable(variant))
        for part, gap in zip(_gradable(variant), gaps):
            expected = part.expected
            if expected["kind"] == "numeric":
                box = {**expected, "unit_required": False}  # the unit is printed after the box
                for case, value in numeric_cases(expected):
                    reference = check_answer(_typed(value), box)
                    fraction = sim.moodle_cloze_numeric_score(gap, _typed(value))
                    assert (fraction == 1.0) == (reference["verdict"] == "correct"), (part.name, case)
                    assert fraction == pytest.approx(_snap(reference["score"], CLOZE_FRACTIONS)), (part.name, case)
                    checked += 1
            else:
                for option in expected["options"]:
                    reference = check_answer(option, expected)
                    assert sim.moodle_choice_score(gap.answers, option) == reference["score"], (part.name, option)
                    checked += 1
    assert checked


def _canvas_unit(item: sim.CanvasItem) -> str:
    text = item.text.rsplit("<em>", 1)[-1]
    return text.split("Enter a number in ", 1)[1].split(".</em>", 1)[0] if "Enter a number in " in text else ""


def _canvas_scale(item: sim.CanvasItem) -> Decimal:
    """The power of ten a pure number is asked multiplied by (1 when it is asked as it is)."""
    found = re.search(r"Enter your number multiplied by 10<sup>(\d+)</sup>", item.text)
    return Decimal(10) ** int(found[1]) if found else Decimal(1)


@pytest.mark.parametrize("template", TEMPLATES)
def test_canvas_grades_every_template_like_check_answer(bank: dict[str, Any], template: str) -> None:
    checked = 0
    reported = {(n.slot, n.part) for n in bank["canvas"].limitations if "left out" in n.reason}
    for variant in _variants(bank, template):
        for part in _gradable(variant):
            item = bank["items"].get(content_id("item", variant.id, part.name))
            if item is None:
                assert (variant.slot, part.name) in reported, part.name  # never silently dropped
                continue
            expected = part.expected
            if expected["kind"] == "choice":
                for ident, option in item.choices:
                    assert (ident == item.correct) == (check_answer(option, expected)["verdict"] == "correct")
                    checked += 1
                continue
            unit = _canvas_unit(item)
            ratio = parse_unit(expected["unit"]).factor / parse_unit(unit).factor if unit else _canvas_scale(item)
            box = {**expected, "unit_required": False}
            upper, lower, tick = Decimal(item.upper), Decimal(item.lower), Decimal("0.0001")
            grid = [("at upper", upper.quantize(tick, ROUND_FLOOR)), ("at lower", lower.quantize(tick, ROUND_CEILING))]
            grid += [("beyond upper", grid[0][1] + tick), ("beyond lower", grid[1][1] - tick)]
            cases = [(c, v * ratio) for c, v in numeric_cases(expected) if not c.startswith(("at", "beyond"))]
            for case, value in cases + grid:
                typed = _typed(value)
                # The student types the scaled number; check_answer reads the number it stands for.
                meant = typed if unit or ratio == 1 else _typed(Decimal(typed) / ratio)
                reference = check_answer(f"{meant} {unit}".strip(), box)
                assert sim.canvas_numeric_correct(item, typed) == (reference["verdict"] == "correct"), (part.name, case)
                checked += 1
    assert checked


# --- round trip ---------------------------------------------------------------------------------
def test_every_variant_answer_is_recovered_from_both_files(bank: dict[str, Any]) -> None:
    for pool in bank["pools"]:
        assert bank["moodle"].items[pool.slot] == len(pool.variants)
        for variant in pool.variants:
            gaps = sim.parse_gaps(bank["questions"][variant.id].text)
            for part, gap in zip(_gradable(variant), gaps):
                right = next(a for a in gap.answers if a.fraction == 1.0)
                item = bank["items"].get(content_id("item", variant.id, part.name))
                if part.expected["kind"] == "choice":
                    assert sim.html.unescape(right.text) == part.expected["answer"]
                    assert dict(item.choices)[item.correct] == part.expected["answer"]
                    continue
                assert float(right.text) == part.expected["value"]
                assert right.tolerance == pytest.approx(float(_tolerance(part.expected, Decimal(right.text))))
                if item is not None:
                    unit = _canvas_unit(item)
                    factor = (parse_unit(unit).factor / parse_unit(part.expected["unit"]).factor if unit
                              else 1 / _canvas_scale(item))
                    assert float(Decimal(item.exact) * factor) == pytest.approx(part.expected["value"], rel=1e-12)


def test_what_canvas_cannot_express_is_reported_by_name(bank: dict[str, Any]) -> None:
    notes = [str(n) for n in bank["canvas"].limitations]
    assert "slot 1 (ap-driving-forces-rest-peak): Canvas cannot keep the parts of one variant together: each part " \
           "is its own item (with the whole statement), drawn from its own group" in notes
    assert any(n.startswith("slot 1 (ap-driving-forces-rest-peak), part E_Na: every Canvas numerical answer is "
                            "fully correct") for n in notes)
    moodle = [str(n) for n in bank["moodle"].limitations]
    last = f"slot {len(TEMPLATES)} ({TEMPLATES[-1]})"
    assert any(n.startswith(last) and "partial credit 0.15 is given as 10 %" in n for n in moodle), moodle


@pytest.mark.parametrize("to", ["moodle", "canvas"])
def test_every_limitation_is_listed_in_a_notes_file_beside_the_export(bank: dict[str, Any], to: str) -> None:
    summary = bank[to]
    assert summary.notes == summary.path.with_name(summary.path.name + ".notes.txt")
    lines = summary.notes.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (f"What {'Moodle XML' if to == 'moodle' else 'Canvas QTI'} cannot express as problemgen grades "
                        f"it, in {summary.path.name} ({len(summary.grouped)}):")
    assert lines[2:] == [f"- {n}" for n in summary.grouped]
    # each reason once, and every place it applies named on its line
    assert len(summary.grouped) == len({n.reason for n in summary.limitations})
    for note in summary.limitations:
        (line,) = [line for line in summary.grouped if line.endswith(f": {note.reason}")]
        assert f"slot {note.slot} (" in line or f" {note.slot} (" in line or f" {note.slot} and" in line
        assert note.template in line and note.part in line


# GIVEN notes an export made per template, slot and part, WHEN they are listed, THEN each reason is
# said once, with the places it applies (slots with the same templates together) and how many.
GROUPED = [
    ("one-place", [("1", "nernst-cation", "E", "no sigfigs")], ["slot 1 (nernst-cation), part E: no sigfigs"]),
    ("a-pool-in-two-slots", [("4.1", "a", "", "may repeat"), ("4.1", "b", "", "may repeat"),
                             ("4.2", "a", "", "may repeat"), ("4.2", "b", "", "may repeat")],
     ["slots 4.1 and 4.2 (templates a and b), 4 in all: may repeat"]),
    ("parts-of-templates", [("1", "a", "E", "no partial credit"), ("1", "a", "F", "no partial credit"),
                            ("3", "b", "G", "no partial credit")],
     ["slot 1 (a, parts E and F); slot 3 (b, part G), 3 in all: no partial credit"]),
    ("reasons-apart", [("1", "a", "", "split"), ("2", "b", "", "split"), ("2", "b", "E", "no sigfigs")],
     ["slot 1 (template a); slot 2 (template b), 2 in all: split", "slot 2 (b), part E: no sigfigs"]),
]


@pytest.mark.parametrize(("notes", "lines"), [case[1:] for case in GROUPED], ids=[case[0] for case in GROUPED])
def test_a_note_is_said_once_with_where_it_applies(notes: list[tuple[str, str, str, str]], lines: list[str]) -> None:
    from problemgen.export.lms import Limitation, grouped

    assert list(grouped(tuple(Limitation(*note) for note in notes))) == lines


# --- single-part problems, symbolic parts, escaping ---------------------------------------------
def _special_manifest(bank: dict[str, Any]) -> dict[str, Any]:
    manifest = copy.deepcopy(bank["manifest"])
    problems = manifest["students"][0]["problems"]
    numeric = next(p for p in problems if p["template"] == "nernst-cation")
    choice = next(p for p in problems if p["template"] == "decade-rule")
    single_numeric = {**copy.deepcopy(numeric), "slot": "1", "parts": [numeric["parts"][0]]}
    single_choice = {**copy.deepcopy(choice), "slot": "2", "parts": [choice["parts"][2]]}
    symbolic = {"label": "3b", "name": "formula", "points": 1.0, "answer": "RT/(zF) ln(co/ci)", "prompt": "Give E.",
                "expected": {"kind": "symbolic", "expression": "R*T/(z*F)*log(co/ci)", "rtol": 1e-6,
                             "variables": {"co": "positive", "ci": "positive", "T": "positive", "z": [1, 2]},
                             "constants": {"R": 8.314, "F": 96485.0}, "functions": []}}
    tricky = {"kind": "choice", "answer": "a } b # c", "options": ["a } b # c", "x ~ y / \"z\" \\ w & <v>"],
              "misconceptions": {"tilde": "x ~ y / \"z\" \\ w & <v>"}, "misconception_credit": 0.15,
              "misconception_feedback": {"tilde": "you chose ~ {braces} #hash"}, "aliases": {}}
    mixed = {**copy.deepcopy(numeric), "slot": "3", "parts": [
        {**numeric["parts"][0], "expected": {**numeric["parts"][0]["expected"], "sigfigs": 3}}, symbolic,
        {**numeric["parts"][1], "expected": tricky}]}
    only_symbolic = {**copy.deepcopy(numeric), "slot": "4", "parts": [symbolic]}
    manifest["students"] = [{**manifest["students"][0], "problems": [single_numeric, single_choice, mixed,
                                                                      only_symbolic]}]
    return manifest


@pytest.fixture(scope="module")
def special(bank: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("special")
    manifest = _special_manifest(bank)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    moodle, canvas = export_lms(folder, "moodle"), export_lms(folder, "canvas")
    return {"manifest": manifest, "moodle": moodle, "canvas": canvas, "questions": sim.read_moodle(moodle.path),
            "groups": sim.read_canvas(canvas.path)[1]}


def test_a_single_numeric_part_is_a_numerical_question_with_units(special: dict[str, Any]) -> None:
    question = next(q for q in special["questions"] if q.category.endswith("/Problem 1"))
    expected = special["manifest"]["students"][0]["problems"][0]["parts"][0]["expected"]
    assert question.qtype == "numerical" and question.units["mV"] == 1 and question.units["V"] == 0.001
    assert (question.unit_grading, question.unit_penalty, question.show_units) == (1, 1.0, 0)
    for case, value in numeric_cases(expected):
        for typed in (f"{_typed(value)} mV", f"{_typed(value / 1000)} V", f"{_typed(value * 1000)} μV",  # Greek mu
                      f"{_typed(value * 1000)} µV", f"{_typed(value * 1_000_000_000)} pV"):  # 10^9 from mV
            reference = check_answer(typed, expected)
            score = sim.moodle_numeric_score(question.answers, typed, question.units, question.unit_grading,
                                             question.unit_penalty, question.show_units)
            assert score == pytest.approx(_snap(reference["score"], sorted(sim.MOODLE_FRACTIONS))), (case, typed)
    # A missing unit: check_answer does not grade it; Moodle takes the whole mark (unit penalty 1).
    assert check_answer(_typed(Decimal(repr(expected["value"]))), expected)["verdict"] == "invalid"
    assert sim.moodle_numeric_score(question.answers, _typed(Decimal(repr(expected["value"]))), question.units,
                                    question.unit_grading, question.unit_penalty, question.show_units) == 0.0


def test_a_single_choice_part_is_a_multichoice_question(special: dict[str, Any]) -> None:
    question = next(q for q in special["questions"] if q.category.endswith("/Problem 2"))
    expected = special["manifest"]["students"][0]["problems"][1]["parts"][0]["expected"]
    assert question.qtype == "multichoice"
    for option in expected["options"]:
        assert sim.moodle_choice_score(question.answers, option) == check_answer(option, expected)["score"]


def test_gap_text_escapes_the_cloze_syntax_characters(special: dict[str, Any]) -> None:
    question = next(q for q in special["questions"] if q.category.endswith("/Problem 3"))
    gaps = sim.parse_gaps(question.text)
    assert [g.qtype for g in gaps] == ["NUMERICAL", "MULTICHOICE_V"]  # the symbolic part has no gap
    options = gaps[1].answers
    assert [sim.html.unescape(a.text) for a in options] == ["a } b # c", "x ~ y / \"z\" \\ w & <v>"]
    assert [a.raw_fraction for a in options] == ["100", "10"]
    assert "you chose ~ {braces} #hash" in sim.html.unescape(options[1].feedback)
    assert "(not graded in Moodle)" in question.text


def test_inexpressible_parts_are_reported_never_dropped_silently(special: dict[str, Any]) -> None:
    moodle = [str(n) for n in special["moodle"].limitations]
    canvas = [str(n) for n in special["canvas"].limitations]
    assert "slot 3 (nernst-cation), part formula: symbolic answers cannot be graded by Moodle; the part is shown " \
           "without an answer box" in moodle
    assert "slot 4 (nernst-cation): no part Moodle can grade; the problem is left out" in moodle
    assert "slot 3 (nernst-cation), part formula: symbolic answers cannot be graded by Canvas; the part is left " \
           "out" in canvas
    for notes in (moodle, canvas):
        assert any(n.startswith("slot 3 (nernst-cation), part E: significant figures are not checked") for n in notes)
    assert "slot 3 (nernst-cation), part direction: Canvas gives no partial credit for a misconception option; it " \
           "scores 0" in canvas
    assert special["moodle"].items == {"1": 1, "2": 1, "3": 1, "4": 0}
    assert special["canvas"].items == {"1": 1, "2": 1, "3": 2, "4": 0}


# --- pools, errors, the build -------------------------------------------------------------------
def test_the_demo_exam_exports_to_both_lms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo's secret is created in the working directory
    out = build_exam(out=tmp_path / "demo", formats=("md",)).out
    for to, name in (("moodle", "moodle.xml"), ("canvas", "canvas-qti.zip")):
        summary = export_lms(out, to)
        assert summary.path == out / "lms" / name and summary.path.is_file()
        assert len(summary.items) == 8 and summary.variants == 8 * 30  # a pool of 30 variants per slot


def test_pool_takes_the_same_n_variants_per_slot_every_time(bank_build: Path, tmp_path: Path) -> None:
    first = export_lms(bank_build, "moodle", pool=2, out=tmp_path / "a.xml")
    again = export_lms(bank_build, "moodle", pool=2, out=tmp_path / "b.xml")
    assert set(first.items.values()) == {2} and first.variants == 2 * len(TEMPLATES)
    assert first.path.read_bytes() == again.path.read_bytes()


def test_pool_keeps_every_template_of_a_slot_that_draws_from_several(tmp_path: Path) -> None:
    built = small_exam(tmp_path, lambda text: text + '\n[[problems]]\ndraw = 1\npool = ["test-nernst", "test-driving"]\n'
                                               'points = 1\n', students=12)
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    drawn = {p["template"] for s in manifest["students"] for p in s["problems"] if p["slot"] == "3"}
    assert drawn == {"test-nernst", "test-driving"}
    for pool in (2, 3):
        (slot,) = [p for p in read_pools(manifest, pool) if p.slot == "3"]
        assert len(slot.variants) == pool and {v.template for v in slot.variants} == drawn


@pytest.mark.parametrize(("to", "pool", "message"), [
    ("blackboard", None, "unknown LMS 'blackboard'; use one of: moodle, canvas"),
    ("moodle", 0, "--pool must be at least 1 (variants per slot), got 0"),
])
def test_bad_export_requests_say_what_to_do(bank_build: Path, to: str, pool: int | None, message: str) -> None:
    with pytest.raises(BuildError) as caught:
        export_lms(bank_build, to, pool=pool)
    assert str(caught.value) == message


@pytest.mark.parametrize(("where", "message"), [
    ("elsewhere", "{out} already exists; use --force to replace it, or choose another --out"),
    ("in-build", "{out} is inside the build {build}, whose files grading reads; write the export elsewhere, or leave "
                 "out --out for {build}/lms/moodle.xml"),
])
def test_an_export_never_overwrites_a_file_silently(bank_build: Path, tmp_path: Path, where: str, message: str) -> None:
    # GIVEN an existing file at --out: the instructor's own, or the build's manifest
    out = tmp_path / "precious.xml" if where == "elsewhere" else bank_build / "manifest.json"
    if where == "elsewhere":
        out.write_text("precious", encoding="utf-8")
    before = out.read_bytes()
    # WHEN the export is asked to write there, THEN it is refused and the file is kept
    with pytest.raises(BuildError) as caught:
        export_lms(bank_build, "moodle", out=out)
    assert str(caught.value) == message.format(out=out, build=bank_build)
    assert out.read_bytes() == before
    if where == "elsewhere":  # ... unless replacing it is asked for
        assert export_lms(bank_build, "moodle", out=out, force=True).path.read_bytes() != before


@pytest.mark.parametrize(("to", "name"), [("moodle", "moodle.xml"), ("canvas", "canvas-qti.zip")])
def test_an_export_never_overwrites_the_default_file_silently(tmp_path: Path, to: str, name: str) -> None:
    # GIVEN a build whose config wrote both LMS files (lms = [...]), edited by hand since
    built = small_exam(tmp_path, lambda text: text.replace("title =", 'lms = ["moodle", "canvas"]\ntitle =', 1))
    default = built / "lms" / name
    default.write_bytes(b"edited")
    # WHEN it is exported again without --force, THEN it is refused and the file is kept
    with pytest.raises(BuildError) as caught:
        export_lms(built, to)
    assert str(caught.value) == f"{default} already exists; use --force to replace it, or choose another --out"
    assert default.read_bytes() == b"edited"
    # ... and --force replaces it
    assert export_lms(built, to, force=True).path.read_bytes() != b"edited"


def test_exporting_a_folder_without_a_build_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        export_lms(tmp_path, "canvas")
    assert str(caught.value) == f"{tmp_path / 'manifest.json'} not found; give the folder that `problemgen " \
                                "generate` wrote"


def test_the_exam_config_lms_key_makes_the_build_write_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "exam"
    shutil.copytree(SMALL_EXAM, folder)
    config = folder / "exam.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('title =', 'lms = ["moodle", "canvas"]\ntitle =', 1),
                      encoding="utf-8")
    summary = build_exam(config, folder / "roster.csv", folder / "out", ("md",))
    out = summary.out
    assert (out / "lms" / "moodle.xml").is_file() and (out / "lms" / "canvas-qti.zip").is_file()
    # the build's summary names each file, and its notes where the format falls short
    for line, name in zip(summary.lms, ("moodle.xml", "canvas-qti.zip")):
        assert line.startswith(f"lms/{name}")
        notes = out / "lms" / f"{name}.notes.txt"
        assert (f"see lms/{name}.notes.txt)" in line) is notes.is_file()
    config.write_text(config.read_text(encoding="utf-8").replace('"canvas"]', '"sakai"]'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_exam(config, folder / "roster.csv", folder / "out2", ("md",))
    assert str(caught.value) == f"In {config}, key lms[1]: unknown LMS 'sakai'; use some of: moodle, canvas"


@pytest.mark.parametrize(("points", "parts"), [(3, 7), (2, 3), (23, 9), (1, 1)])
def test_canvas_part_points_add_up_to_the_problems(points: int, parts: int) -> None:
    from problemgen.export.qti import _points

    written = _points(points / parts)
    assert abs(parts * float(written) - points) < 1e-8, written


def test_moodle_notes_that_a_problem_drawing_two_templates_may_repeat_one(tmp_path: Path) -> None:
    from problemgen.export.moodle import DRAWN_NOTE

    built = small_exam(tmp_path, lambda text: text + '\n[[problems]]\ndraw = 2\n'
                                               'pool = ["test-nernst", "test-driving", "test-iv"]\npoints = 1\n')
    summary = export_lms(built, "moodle")
    drawn = {(note.slot, note.reason) for note in summary.limitations if note.reason == DRAWN_NOTE}
    assert {slot for slot, _ in drawn} == {"3.1", "3.2"}
    assert all(note.slot.startswith("3.") for note in summary.limitations if note.reason == DRAWN_NOTE)
    # said once, not once per template and slot (the three students drew these)
    assert [line for line in summary.grouped if DRAWN_NOTE in line] == [
        f"slot 3.1 (template test-iv); slot 3.2 (templates test-driving and test-nernst), 3 in all: {DRAWN_NOTE}"]


@pytest.mark.parametrize("unit_required", [True, False])
def test_moodle_notes_that_it_does_not_grade_units_a_sheet_prints(tmp_path: Path, unit_required: bool) -> None:
    # GIVEN an exam whose numeric boxes print their unit (unit_required = false), or require it
    built = small_exam(tmp_path, lambda text: text.replace("misconception_credit = 0.5",
                                                           f"misconception_credit = 0.5\nunit_required = "
                                                           f"{str(unit_required).lower()}"))
    # WHEN it is exported for Moodle, THEN the notes say Moodle reads any unit as the printed one
    notes = [note.reason for note in export_lms(built, "moodle").limitations]
    noted = [n for n in notes if n.startswith("units are not graded (unit_required = false)")]
    assert bool(noted) is not unit_required
