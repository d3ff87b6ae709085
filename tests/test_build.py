"""Exams end to end: config + roster -> files; determinism, goldens, leaks, atomicity, bad input."""

from __future__ import annotations

import json
import os
import csv
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from problemgen.build import build_exam
from problemgen.errors import BuildError, ConfigError, SamplingError
from conftest import answer_strings, leaked_answers, numbers_in

DATA = Path(__file__).parent / "data" / "small-exam"
TEXT_FORMATS = ("html", "md")


@pytest.fixture
def exam_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    return folder


def build(exam_dir: Path, out: str = "out", **kwargs: object) -> Path:
    summary = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / out,
                         kwargs.pop("formats", TEXT_FORMATS), **kwargs)  # type: ignore[arg-type]
    return summary.out


def test_a_build_writes_every_file_of_the_layout(exam_dir: Path) -> None:
    out = build(exam_dir)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 2
    assert [s["id"] for s in manifest["students"]] == ["a1", "b2", "c3"]
    for student in manifest["students"]:
        for name in ("sheet.html", "sheet.md", "answers.txt"):
            assert (out / "students" / student["folder"] / name).is_file()
        for name in ("key.html", "key.md"):
            assert (out / "keys" / student["folder"] / name).is_file()
        labels = [p["label"] for problem in student["problems"] for p in problem["parts"]]
        assert labels == ["1a", "2a", "2b", "2c"]
    rows = (out / "keys" / "master-key.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "student_id,student_name,label,slot,template,part,kind,answer,unit,rtol,atol,sigfigs,points"
    assert len(rows) == 1 + 3 * 4
    assert rows[1].startswith('a1,"Doe, Jane",1a,1,test-nernst,E,numeric,')
    assert not list(exam_dir.glob(".out.partial-*"))


def test_the_manifest_carries_the_grading_contract(exam_dir: Path) -> None:
    out = build(exam_dir)
    student = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["students"][0]
    nernst, driving = student["problems"]
    expected = nernst["parts"][0]["expected"]
    assert expected["kind"] == "numeric" and expected["unit"] == "mV" and expected["rtol"] == 0.01
    assert expected["misconception_credit"] == 0.5
    assert set(expected["misconceptions"]) <= {"inverted_ratio", "log10_without_factor"}
    # The problem's override tolerance reaches every part of that problem.
    assert [p["expected"].get("rtol") for p in driving["parts"]] == [0.02, 0.02, None]
    assert driving["parts"][2]["expected"] == {"kind": "choice", "answer": driving["parts"][2]["expected"]["answer"],
                                               "options": ["influx", "efflux", "no net movement"],
                                               "aliases": {"influx": ["inward flux", "into the cell"],
                                                           "efflux": ["outward flux", "out of the cell"],
                                                           "no net movement": ["none", "no movement", "no net flux",
                                                                               "no flux"]}}
    assert sum(p["points"] for p in driving["parts"]) == pytest.approx(3.0)


def test_misconception_texts_are_stored_once_and_attached_on_loading(exam_dir: Path) -> None:
    from problemgen.batch import load_manifest

    out = build(exam_dir)
    stored = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert all("misconception_feedback" not in part["expected"]
               for student in stored["students"] for problem in student["problems"] for part in problem["parts"])
    assert set(stored["misconception_feedback"]) <= {"test-nernst", "test-driving", "test-iv"}  # the exam's only
    nernst = stored["misconception_feedback"]["test-nernst"]["E"]
    assert set(nernst) == {"inverted_ratio", "log10_without_factor"}
    assert nernst["log10_without_factor"] == "you used log10 without the factor 2.303 (ln 10)"
    for student in load_manifest(out)["students"]:
        for problem in student["problems"]:
            for part in problem["parts"]:
                if part["expected"]["kind"] == "numeric":
                    texts = part["expected"]["misconception_feedback"]
                    assert texts == stored["misconception_feedback"][problem["template"]].get(part["name"], {})
                    assert set(part["expected"]["misconceptions"]) <= set(texts)


def test_the_same_config_roster_and_secret_rebuild_identical_files(exam_dir: Path) -> None:
    first, second = build(exam_dir, "one"), build(exam_dir, "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


@pytest.mark.parametrize("name", ["students/a1/sheet.md", "students/a1/answers.txt", "keys/a1/key.md"])
def test_small_exam_goldens(exam_dir: Path, golden, name: str) -> None:
    out = build(exam_dir)
    golden(f"small-exam/{name.replace('/', '__')}", (out / name).read_text(encoding="utf-8"))


def test_no_student_file_contains_an_answer_or_the_secret(exam_dir: Path) -> None:
    # GIVEN a built exam, WHEN every student file is scanned, THEN none shows an answer of its
    # own student (numeric answers, at the key's precision, either minus sign) or the secret.
    out = build(exam_dir, formats=(*TEXT_FORMATS, "tex"))
    secret = (exam_dir / "small.secret").read_text().strip()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    checked = 0
    for student in manifest["students"]:
        files = list((out / "students" / student["folder"]).iterdir())
        assert {"sheet.html", "sheet.md", "sheet.tex"} <= {path.name for path in files}
        for path in files:
            text = path.read_text(encoding="utf-8")
            assert secret not in text
            leaks, count = leaked_answers(student, text)
            assert not leaks, f"{path} shows the answers {leaks}"
            checked += count
    assert checked > 50


def test_an_existing_build_is_never_silently_overwritten(exam_dir: Path) -> None:
    out = build(exam_dir)
    with pytest.raises(BuildError) as caught:
        build(exam_dir)
    assert str(caught.value) == (f"{out} already exists; use --force to replace it (the previous build stays until "
                                 "the new one is complete), or choose another --out")
    (exam_dir / "notes").mkdir()
    with pytest.raises(BuildError) as caught:
        build(exam_dir, "notes", force=True)
    assert "is not a problemgen build (no manifest.json); it is never replaced" in str(caught.value)


def test_a_failed_build_leaves_the_previous_build_untouched(exam_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = build(exam_dir)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    import problemgen.documents as documents

    calls = {"n": 0}
    real = documents.render_document

    def failing(name: str, **context: object) -> str:
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt  # an interrupted build
        return real(name, **context)

    monkeypatch.setattr(documents, "render_document", failing)
    (exam_dir / "roster.csv").write_text("id,name\nz9,Someone Else\nz8,Another\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build(exam_dir, force=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in exam_dir.iterdir() if p.name.startswith(".out")] == []


def test_the_secret_is_created_private_and_reused(exam_dir: Path) -> None:
    (exam_dir / "small.secret").unlink()
    build(exam_dir, "one")
    mode = stat.S_IMODE((exam_dir / "small.secret").stat().st_mode)
    assert mode == 0o600
    secret = (exam_dir / "small.secret").read_text()
    build(exam_dir, "two")
    assert (exam_dir / "small.secret").read_text() == secret
    assert (exam_dir / "one" / "manifest.json").read_bytes() == (exam_dir / "two" / "manifest.json").read_bytes()


def test_a_refused_build_leaves_no_new_secret(exam_dir: Path) -> None:
    # GIVEN no secret yet and a roster larger than a template can serve
    (exam_dir / "small.secret").unlink()
    (exam_dir / "roster.csv").write_text("id,name\n" + "".join(f"s{i},S {i}\n" for i in range(5000)),
                                         encoding="utf-8")
    # WHEN the build is refused, THEN no secret was written (the next build will make one)
    with pytest.raises(SamplingError):
        build(exam_dir)
    assert not (exam_dir / "small.secret").exists() and not (exam_dir / "out").exists()


def _edit(exam_dir: Path, name: str, old: str, new: str) -> None:
    path = exam_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CONFIG_ERRORS = [
    ("problems-single-brackets", ("[[problems]]", "[problems]"),
     "key problems: each problem is a [[problems]] table (two brackets), not [problems]; write [[problems]] above "
     "every problem (TOML says: Cannot overwrite a value (at line 18, column 11))"),
    ("topic-typo", ('template = "test-nernst"', 'draw = 1\ntopic = "nernstt"'),
     "key problems[0].topic (problem 1, line 14): no template has topic 'nernstt' (did you mean 'nernst'?); see "
     "`problemgen banks`"),
    ("infinite-points", ("points = 2", "points = inf"),
     "key problems[0].points (problem 1, line 14): must be a number > 0 and at most 10000, got inf"),
    ("huge-points", ("points = 2", "points = 1e308"),
     "key problems[0].points (problem 1, line 14): must be a number > 0 and at most 10000, got 1e+308"),
    ("unknown-template", ('template = "test-nernst"', 'template = "test-nernstt"'),
     "key problems[0].template (problem 1, line 14): no template 'test-nernstt' (did you mean 'test-nernst'?); see `problemgen banks` "
     "for the ids"),
    ("unknown-template-far-off", ('template = "test-nernst"', 'template = "goldman"'),
     "key problems[0].template (problem 1, line 14): no template 'goldman'; see `problemgen banks` for the ids"),
    ("bad-format", ('formats = ["html", "md"]', 'formats = ["html", "docx"]'),
     "key formats[1]: unknown format 'docx'; use some of: html, md, pdf, tex"),
    ("draw-too-many", ('template = "test-nernst"', 'draw = 3\npool = ["test-nernst", "test-driving"]'),
     "key problems[0].draw (problem 1, line 14): must be between 1 and the pool size 2, got 3"),
    ("bad-credit", ("misconception_credit = 0.5", "misconception_credit = 2"),
     "key grading.misconception_credit: must be between 0 and 1 (a share of the part's points), got 2.0"),
    ("schema", ("schema_version = 1", "schema_version = 7"),
     "key schema_version: is 7 but this problemgen reads 1"),
    ("unknown-key", ("course =", "cours ="),
     "key cours: unknown key; allowed keys: banks, course, date, duplex, formats, grading, id, instructions, key_pdfs, "
     "lms, problems, schema_version, secret_file, title"),
    ("duplex-not-a-boolean", ("course =", 'duplex = "yes"\ncourse ='), "key duplex: must be true or false, got 'yes'"),
    ("key-pdfs-not-a-boolean", ("course =", 'key_pdfs = "no"\ncourse ='),
     "key key_pdfs: must be true or false, got 'no'"),
    ("title-not-a-string", ('title = "Small exam"', "title = 3"), "key title: must be a string, got 3"),
    ("points-not-a-number", ("points = 2", 'points = "2"'), "key problems[0].points (problem 1, line 14): must be a number, got '2'"),
    ("gradescope-visibility", ("misconception_credit = 0.5", 'misconception_credit = 0.5\ngradescope_visibility = "later"'),
     "key grading.gradescope_visibility: must be one of visible, after_due_date, after_published, hidden (after_published "
     "for an exam, so results cannot be used to resubmit), got 'later'"),
    ("tolerance-with-sigfigs", ("points = 3", "points = 3\nsigfigs = 3"),
     "key problems[1].tolerance (problem 2, line 18): has no effect together with sigfigs: answers graded by "
     "significant figures must lie within half a unit of their last figure; keep one of the two"),
    ("sigfigs-not-whole", ("points = 3", "points = 3\nsigfigs = 2.5"), "key problems[1].sigfigs (problem 2, line 18): must be a whole number, got 2.5"),
    ("blank-id", ('id = "small-exam"', 'id = " "'),
     "key id: must not be blank; it is part of every student's seed"),
    ("tolerance-unknown-key", ("rtol = 0.02", "rel = 0.02"),
     "key problems[1].tolerance.rel (problem 2, line 18): unknown key; use rtol (relative, 0.02 for 2 %) and/or atol (absolute, in "
     "the part's unit)"),
    ("tolerance-as-text", ("rtol = 0.02", 'rtol = "2%"'), "key problems[1].tolerance.rtol (problem 2, line 18): must be a number, got '2%'"),
    ("tolerance-as-percent", ("rtol = 0.02", "rtol = 2"),
     "key problems[1].tolerance.rtol (problem 2, line 18): must be from 0 to below 1 (0.02 for 2 %), got 2"),
    ("negative-atol", ("rtol = 0.02", "atol = -1"), "key problems[1].tolerance.atol (problem 2, line 18): must be >= 0, got -1"),
    ("tolerance-a-fraction", ("tolerance = { rtol = 0.02 }", "tolerance = 0.02"),
     "key problems[1].tolerance (problem 2, line 18): must be a table, such as tolerance = { rtol = 0.02 } (±2 %); "
     "got 0.02"),
    ("tolerance-a-number", ("tolerance = { rtol = 0.02 }", "tolerance = 5"),
     "key problems[1].tolerance (problem 2, line 18): must be a table, such as tolerance = { atol = 5 } (±5 in each "
     "part's own unit); got 5"),
    ("tolerance-a-text", ("tolerance = { rtol = 0.02 }", 'tolerance = "2 %"'),
     "key problems[1].tolerance (problem 2, line 18): must be a table, such as tolerance = { rtol = 0.02 } (±2 %); "
     "got '2 %'"),
    ("zero-sigfigs", ("points = 3", "points = 3\nsigfigs = 0"),
     "key problems[1].sigfigs (problem 2, line 18): must be a whole number from 1 to 15, got 0"),
    ("template-and-draw", ('template = "test-nernst"', 'template = "test-nernst"\ndraw = 1'),
     'key problems[0] (problem 1, line 14): has template and draw; give template = "id" alone, or draw = k with one of pool, topic or '
     "section"),
    ("no-template", ('template = "test-nernst"\n', ""),
     'key problems[0] (problem 1, line 14): names no template; give template = "id", or draw = k with one of pool, '
     "topic or section"),
    ("pool-and-topic", ('template = "test-nernst"', 'draw = 1\npool = ["test-nernst"]\ntopic = "x"'),
     'key problems[0] (problem 1, line 14): has pool and topic; give template = "id" alone, or draw = k with one of pool, topic or '
     "section"),
]


@pytest.mark.parametrize(("edit", "message"), [c[1:] for c in CONFIG_ERRORS], ids=[c[0] for c in CONFIG_ERRORS])
def test_bad_exam_configs_are_located(exam_dir: Path, edit: tuple[str, str], message: str) -> None:
    _edit(exam_dir, "exam.toml", *edit)
    with pytest.raises(ConfigError) as caught:
        build(exam_dir)
    assert str(caught.value) == f"In {exam_dir / 'exam.toml'}, {message}"


def test_problems_in_an_inline_array_are_located_by_number(exam_dir: Path) -> None:
    path = exam_dir / "exam.toml"
    text = path.read_text(encoding="utf-8")
    tables = text[text.index("[[problems]]"):]
    inline = 'problems = [{ template = "test-nernst", points = 2 }, { template = "test-driving", points = -3 }]\n\n'
    path.write_text(inline + text.replace(tables, ""), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build(exam_dir)
    assert str(caught.value) == f"In {path}, key problems[1].points (problem 2): must be a number > 0 and at most 10000, got -3"


def test_a_template_whose_keys_would_be_wrong_stops_the_build(exam_dir: Path) -> None:
    bank = exam_dir / "bank" / "test-driving.toml"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace('unit = "mV"\nmisconceptions = ["anion_sign"]',
                                 'unit = "mM"\nmisconceptions = ["anion_sing"]', 1), encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(exam_dir)
    assert str(caught.value) == (
        "not built: templates the exam uses have errors (their keys or feedback would be wrong):\n"
        f"  error: In {bank}, key parts.E.unit: the answer is a voltage but the unit 'mM' is a concentration; "
        "use a unit of voltage\n"
        f"  error: In {bank}, key parts.DF.value: column 4: cannot subtract a concentration and a voltage in "
        "'Vm - E'; convert one side\n"
        f"  error: In {bank}, key parts.E.misconceptions: unknown misconception 'anion_sing' (did you mean "
        "'anion_sign'?); the functions this answer uses know: anion_sign, celsius_as_kelvin, decade_slope_with_ln, "
        "inverted_ratio, log10_without_factor, room_temperature_slope, thermal_voltage_25mV, valence_dropped, "
        "wrong_absolute_zero\n"
        f"Fix them, then check with: problemgen validate {bank}")
    assert not (exam_dir / "out").exists()


@pytest.mark.parametrize(("template", "edit", "problem"), [
    ("test-driving", ('options = ["influx", "efflux", "no net movement"]', 'options = ["in", "out", "no net movement"]'),
     "2 (test-driving, {bank}), part flux cannot be graded: expected['answer']: must be one of the options "
     "['in', 'out', 'no net movement'], got '{answer}'"),
], ids=["answer-not-an-option"])
def test_a_template_whose_answers_could_not_be_graded_stops_the_build(exam_dir: Path, template: str,
                                                                     edit: tuple[str, str], problem: str) -> None:
    # GIVEN a template the exam uses, edited so that grading its parts would fail for everyone
    bank = exam_dir / "bank" / f"{template}.toml"
    text = bank.read_text(encoding="utf-8")
    assert edit[0] in text
    bank.write_text(text.replace(*edit, 1), encoding="utf-8")
    # WHEN the exam is built, THEN nothing is written and the error names the problem, part and file
    with pytest.raises(BuildError) as caught:
        build(exam_dir)
    message = str(caught.value)
    answer = re.search(r"got '(\w+)'$", message.split("; fix the template")[0])
    assert message == (f"not built: problem {problem.format(bank=bank, answer=answer and answer[1])}; "
                       f"fix the template, then check it with: problemgen validate {bank}")
    assert not (exam_dir / "out").exists()


def test_an_exam_built_without_a_roster_notes_the_demo_roster(exam_dir: Path) -> None:
    summary = build_exam(exam_dir / "exam.toml", None, exam_dir / "out", TEXT_FORMATS)
    assert summary.students == 30
    assert summary.notes == ("no --roster given: built for the 30 made-up students of the demo roster; give your "
                             "class list with --roster ROSTER.csv (and --force to replace this build)",)


def test_a_build_notes_an_own_template_that_replaces_a_built_in_one(exam_dir: Path) -> None:
    from problemgen.bank import builtin_banks_dir

    own = exam_dir / "bank" / "nernst-cation.toml"
    own.write_text((builtin_banks_dir() / "driving-force" / "nernst-cation.toml").read_text(encoding="utf-8"),
                   encoding="utf-8")
    config = exam_dir / "exam.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[[problems]]\ntemplate = "nernst-cation"\npoints = 1\n',
                      encoding="utf-8")
    summary = build_exam(config, exam_dir / "roster.csv", exam_dir / "out", TEXT_FORMATS)
    assert summary.notes == (f"template 'nernst-cation' is your bank's ({own}), not the built-in one of that id",)


ROSTER_ERRORS = [
    ("duplicate-id", "id,name\na1,A\nb2,B\na1,C\n", "row 4: repeats the id 'a1' of row 2; ids must be unique"),
    ("blank-id", "id,name\na1,A\n,B\n", "row 3: has a blank id; every student needs an id"),
    ("missing-columns", "student_number,full_name\n1,A\n",
     "row 1: has columns student_number, full_name; a roster needs columns id and name (optionally email), "
     "or a Canvas or Moodle gradebook export"),
    ("empty", "id,name\n", "lists no students"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in ROSTER_ERRORS], ids=[c[0] for c in ROSTER_ERRORS])
def test_bad_rosters_are_located(exam_dir: Path, text: str, message: str) -> None:
    (exam_dir / "roster.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build(exam_dir)
    where = exam_dir / "roster.csv"
    assert str(caught.value) == (f"In {where}, {message}" if message.startswith("row") else f"In {where}: {message}")


def test_a_roster_that_is_not_utf8_names_the_row(exam_dir: Path) -> None:
    # Windows-1252 is read (with a notice); a byte it leaves undefined is not
    (exam_dir / "roster.csv").write_bytes(b"id,name\na1,Ann\nb2,Jos\x81\n")
    with pytest.raises(ConfigError) as caught:
        build(exam_dir)
    assert str(caught.value) == (f"In {exam_dir / 'roster.csv'}, row 3: is not UTF-8 (byte 0x81); save the roster as "
                                 "\"CSV UTF-8\" and try again")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Student,ID,SIS User ID,SIS Login ID,Section,Midterm (123)\n"
         "    Points Possible,,,,,10\n\"Doe, Jane\",1001,S1,jane@u.edu,Sec 1,\nTest Student,999,,,Sec 1,\n"
         "Kim Lee,1002,S2,kim,Sec 1,\n",
         [("1001", "Doe, Jane", "jane@u.edu", "S1"), ("1002", "Kim Lee", "kim", "S2")]),
        ("First name,Last name,ID number,Institution,Department,Email address\n"
         "Jane,Doe,20231,U,Bio,jane@u.edu\nKim,Lee,,U,Bio,kim@u.edu\n",
         [("20231", "Jane Doe", "jane@u.edu", "20231"), ("kim@u.edu", "Kim Lee", "kim@u.edu", "")]),
        ("id;name;email\nx1;Ann;ann@u.edu\n", [("x1", "Ann", "ann@u.edu", "")]),
        ("Student,ID,SIS User ID,SIS Login ID,Section,Midterm\n\"Student, Test\",999,,,Sec 1,\n"
         "\"Doe, Jane\",1001,S1,jane@u.edu,Sec 1,\n",
         [("1001", "Doe, Jane", "jane@u.edu", "S1")]),
    ],
    ids=["canvas-export", "moodle-export", "semicolons", "canvas-test-student-by-last-name"],
)
def test_lms_exports_are_read(tmp_path: Path, text: str, expected: list[tuple[str, ...]]) -> None:
    from problemgen.roster import load_roster

    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    assert [(s.id, s.name, s.email, s.sis_id) for s in load_roster(path)] == expected


CANVAS_ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section,{columns}\n"
                 "Points Possible,,,,,{points}\n"
                 "\"Lovelace, Ada\",a1,S1,ada@example.edu,A,{cells}\n"
                 "\"Bolt, Bea\",b2,S2,bbolt,A,{cells}\n"
                 "\"Curie, Cy\",c3,S3,cy@example.edu,A,{cells}\n")


@pytest.mark.parametrize(("columns", "column", "note"), [
    (["Quiz 1 (111)", "small  EXAM (4321)"], "small  EXAM (4321)",
     "grades will go to the Canvas assignment column 'small  EXAM (4321)' of the roster"),
    (["Quiz 1 (111)", "Final (222)"], "Small exam",
     "the Canvas roster has no assignment titled 'Small exam' (it has 'Quiz 1 (111)', 'Final (222)'); the gradebook "
     "CSV will create one of that title, unless the exam's title matches an existing assignment"),
], ids=["assignment-found", "no-such-assignment"])
def test_grades_go_to_the_canvas_assignment_of_a_canvas_roster(exam_dir: Path, tmp_path: Path, columns: list[str],
                                                              column: str, note: str) -> None:
    from problemgen.results import grade_exam

    roster = exam_dir / "canvas.csv"
    roster.write_text(CANVAS_ROSTER.format(columns=",".join(columns), points=",".join("5" for _ in columns),
                                           cells=",".join("" for _ in columns)), encoding="utf-8")
    summary = build_exam(exam_dir / "exam.toml", roster, exam_dir / "out", TEXT_FORMATS)
    assert summary.notes == (note,)
    source = tmp_path / "subs.csv"
    source.write_text("Student ID,1a\na1,78.3 mV\n", encoding="utf-8")
    out = grade_exam(summary.out, source, tmp_path / "grades").out
    with (out / "canvas-gradebook.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
    with (out / "moodle-grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Email address", "ID number", "Full name", "Small exam"]
    # A login that is a user name, not an address, stays out of Moodle's email column.
    assert [row[:2] for row in rows[1:]] == [["ada@example.edu", "S1"], ["", "S2"], ["cy@example.edu", "S3"]]


def test_student_ids_become_safe_unique_folders() -> None:
    from problemgen.build import student_folders
    from problemgen.roster import Student

    students = [Student("a/b", "x"), Student("a_b", "y"), Student("..", "z"), Student("s 1", "w")]
    for order in (students, students[::-1]):
        folders = student_folders(order)
        # a safe id keeps its own name whatever comes before it; an unsafe one gets a hashed suffix
        assert folders["a_b"] == "a_b"
        assert folders["a/b"].startswith("a_b-") and folders["s 1"].startswith("s_1-")
        assert folders[".."].startswith("student-") and len(set(folders.values())) == 4
        assert all("/" not in f and " " not in f and f not in (".", "..") for f in folders.values())


needs_browser = pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("google-chrome")) or not shutil.which("pdftotext"),
    reason="needs Chromium and poppler-utils (pdftotext); .ci/run installs both")


@needs_browser
def test_pdfs_show_each_students_own_numbers(exam_dir: Path) -> None:
    out = build(exam_dir, formats=("html", "md", "pdf"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for student in manifest["students"]:
        folder = out / "students" / student["folder"]
        text = subprocess.run(["pdftotext", "-layout", str(folder / "sheet.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert student["name"] in text
        for problem in student["problems"]:
            for name, value in problem["givens"].items():
                if name in ("c_out", "c_in"):
                    assert f"{value:.1f} mM" in text if problem["template"] == "test-nernst" else f"{value:g}" in text
        key = subprocess.run(["pdftotext", str(out / "keys" / student["folder"] / "key.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
        assert "Worked solution" in key
    pages = subprocess.run(["pdfinfo", str(out / "print" / "all-sheets.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 3


@needs_browser
def test_the_html_sheet_renders_in_a_real_browser(exam_dir: Path, tmp_path: Path) -> None:
    out = build(exam_dir)
    browser = shutil.which("chromium") or shutil.which("google-chrome")
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", (out / "students" / "a1" / "sheet.html").as_uri()],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)}).stdout
    assert "Doe, Jane (a1)" in dom
    assert "<math" in dom and "\\frac" not in dom


def test_figures_appear_inline_in_html_and_as_files_beside_markdown(exam_dir: Path) -> None:
    # GIVEN an exam with a figure problem, WHEN it is built twice, THEN the SVG is inline in the
    # HTML sheet, a file beside the Markdown sheet, identical across builds, and leaks no answer.
    with (exam_dir / "exam.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[problems]]\ntemplate = "test-iv"\npoints = 1\n')
    first, second = build(exam_dir, "one"), build(exam_dir, "two")
    sheet = first / "students" / "a1"
    assert (sheet / "sheet.html").read_text(encoding="utf-8").count("<svg") == 1
    assert "![Current (outward positive) against membrane potential.](figure-3.svg)" in \
        (sheet / "sheet.md").read_text(encoding="utf-8")
    assert (sheet / "figure-3.svg").read_text(encoding="utf-8").startswith("<svg")
    for path in sorted(p for p in first.rglob("*") if p.is_file()):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    for student in manifest["students"]:
        (figure_problem,) = [p for p in student["problems"] if p["template"] == "test-iv"]
        svg = (first / "students" / student["folder"] / "figure-3.svg").read_text(encoding="utf-8")
        for shown in answer_strings(figure_problem["parts"][0]["expected"]):
            assert shown not in numbers_in(svg)


def test_parallel_workers_write_the_same_files_as_one_process(exam_dir: Path) -> None:
    with (exam_dir / "exam.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[problems]]\ntemplate = "test-iv"\npoints = 1\n')
    serial = build(exam_dir, "serial", processes=1)
    parallel = build(exam_dir, "parallel", processes=2)
    files = sorted(p.relative_to(serial) for p in serial.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(parallel) for p in parallel.rglob("*") if p.is_file())
    for relative in files:
        assert (serial / relative).read_bytes() == (parallel / relative).read_bytes(), relative


@pytest.mark.parametrize(("unit_required", "sheet_md", "sheet_html", "form_line", "bare_number"), [
    (True, "[with unit, e.g. mV]", '<span class="unit">(with unit, e.g. mV)</span>', "[with unit, e.g. mV]:", "invalid"),
    (False, "[in mV]", '<span class="unit">mV</span>', "[in mV]:", "correct"),
], ids=["unit-required", "unit-printed"])
def test_sheets_print_the_unit_beside_the_answer_only_when_it_need_not_be_typed(
        exam_dir: Path, unit_required: bool, sheet_md: str, sheet_html: str, form_line: str, bare_number: str) -> None:
    """Grading rules §4: a unit is required iff the box does not show it (issue 5 §1, unit_required)."""
    from problemgen.batch import load_manifest
    from problemgen.grading import check_answer

    _edit(exam_dir, "exam.toml", "misconception_credit = 0.5",
          f"misconception_credit = 0.5\nunit_required = {str(unit_required).lower()}")
    out = build(exam_dir)
    student = load_manifest(out)["students"][0]
    folder = out / "students" / student["folder"]
    assert sheet_md in (folder / "sheet.md").read_text(encoding="utf-8")
    assert sheet_html in (folder / "sheet.html").read_text(encoding="utf-8")
    form = (folder / "answers.txt").read_text(encoding="utf-8")
    part = student["problems"][0]["parts"][0]
    assert next(line for line in form.splitlines() if line.startswith(part["label"])).rstrip().endswith(form_line)
    assert ("# Where [in mV] is shown" in form) is not unit_required
    assert ("# Where [with unit, e.g. mV] is shown, give your number with a unit" in form) is unit_required
    assert check_answer(f"{part['expected']['value']:.6g}", part["expected"])["verdict"] == bare_number


@pytest.mark.parametrize(("rule", "note"), [("exact", "3 significant figures"),
                                            ("at_least", "at least 3 significant figures")])
def test_graded_significant_figures_are_announced_beside_each_numeric_box(exam_dir: Path, rule: str, note: str) -> None:
    from problemgen.batch import load_manifest, read_submissions

    # GIVEN problem 2 graded to 3 significant figures
    _edit(exam_dir, "exam.toml", "tolerance = { rtol = 0.02 }", "sigfigs = 3")
    _edit(exam_dir, "exam.toml", "misconception_credit = 0.5", f'misconception_credit = 0.5\nsigfig_rule = "{rule}"')
    out = build(exam_dir)
    manifest = load_manifest(out)
    student = manifest["students"][0]
    folder = out / "students" / student["folder"]
    form = (folder / "answers.txt").read_text(encoding="utf-8")
    # THEN the form, the sheets and the key name it for problem 2's numeric parts only
    for problem in student["problems"]:
        for part in problem["parts"]:
            line = next(line for line in form.splitlines() if line.startswith(part["label"]))
            announced = problem["slot"] == "2" and part["expected"]["kind"] == "numeric"
            assert (f"{{{note}}}:" in line) is announced, line
    assert f"({note})" in (folder / "sheet.md").read_text(encoding="utf-8")
    assert f'<span class="figures">({note})</span>' in (folder / "sheet.html").read_text(encoding="utf-8")
    assert f'<span class="figures">({note})</span>' in (out / "keys" / student["folder"] / "key.html").read_text(
        encoding="utf-8")
    # AND the filled form is read as any other
    filled = "\n".join(line + " 1 mV" if line[:1].isdigit() else line for line in form.splitlines())
    (exam_dir / "forms").mkdir()
    (exam_dir / "forms" / "answers.txt").write_text(filled, encoding="utf-8")
    submitted = read_submissions(exam_dir / "forms", manifest)
    assert submitted.notices == () and set(submitted.answers[student["id"]]) == {
        part["label"] for problem in student["problems"] for part in problem["parts"]}


def _lose_secret(exam_dir: Path, out: Path) -> None:
    (exam_dir / "small.secret").unlink()


def _swap_secret(exam_dir: Path, out: Path) -> None:
    (exam_dir / "small.secret").write_text("ab" * 32 + "\n", encoding="ascii")


def _grade_inside(exam_dir: Path, out: Path) -> None:
    (out / "grades").mkdir()
    (out / "grades" / "grades.csv").write_text("student_id\n", encoding="utf-8")


# GIVEN a build, WHEN it is rebuilt with --force after this happened, THEN the rebuild is refused
# with this message, and the build is left as it was.
REBUILD_REFUSALS = [
    ("secret-lost", _lose_secret, ConfigError,
     "In {exam}/small.secret: is missing, but {out} was built with a secret; restore the secret the build was made "
     "with to {exam}/small.secret, or remove {out} to start a new exam (every student's variant will change)"),
    ("secret-swapped", _swap_secret, ConfigError,
     "In {exam}/small.secret: is not the secret {out} was built with; restore the secret the build was made with to "
     "{exam}/small.secret, or remove {out} to start a new exam (every student's variant will change)"),
    ("grades-inside", _grade_inside, BuildError,
     "{out}/grades holds grading results (grades.csv), and a new build of {out} would delete them; move them out of "
     "the build first (e.g. mv {out}/grades {out}-grades), then build again"),
]


@pytest.mark.parametrize(("happen", "error", "message"), [case[1:] for case in REBUILD_REFUSALS],
                         ids=[case[0] for case in REBUILD_REFUSALS])
def test_a_rebuild_that_would_lose_work_is_refused(exam_dir: Path, happen: object, error: type[Exception],
                                                   message: str) -> None:
    out = build(exam_dir)
    happen(exam_dir, out)  # type: ignore[operator]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(error) as caught:
        build(exam_dir, force=True)
    assert str(caught.value) == message.format(exam=exam_dir, out=out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_rebuild_with_its_own_secret_is_allowed(exam_dir: Path) -> None:
    out = build(exam_dir)
    before = (out / "manifest.json").read_bytes()
    build(exam_dir, force=True)
    assert (out / "manifest.json").read_bytes() == before


@pytest.mark.parametrize(("formats", "printed"), [(("md",), False), (("html", "pdf"), True)], ids=["text", "pdf"])
def test_a_build_says_what_to_hand_out_and_what_holds_answers(exam_dir: Path, formats: tuple[str, ...],
                                                               printed: bool) -> None:
    from problemgen.pdf import find_chromium

    if printed and find_chromium() is None:
        pytest.skip("no Chromium here: the PDF line is not written")
    out = build(exam_dir, formats=formats)
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert "Hand out to each student ONLY their own folder, students/<id>/" in readme
    for private in ("keys/", "manifest.json", "grader/", "gradescope-autograder.zip"):
        assert f"\n  {private}" in readme
    assert ("print/all-sheets.pdf" in readme) is printed
    assert "small.secret" in readme and (exam_dir / "small.secret").read_text().strip() not in readme


REBUILDS = [
    ("same-roster", lambda d: None, "the previous build's 3 students kept their keys", set()),
    ("student-removed", lambda d: _edit(d, "roster.csv", 'a1,"Doe, Jane",jane@example.edu\n', ""),
     "the previous build's 2 students kept their keys", set()),
    ("exam-id-changed", lambda d: _edit(d, "exam.toml", 'id = "small-exam"', 'id = "small-exam-2"'),
     "3 of the 3 students of the previous build have a different key now: a1, b2, c3 (problems 1, 2); hand them their "
     "new sheets (a form from the previous build's sheet is graded against the new key, with a notice naming it)",
     {"a1", "b2", "c3"}),
    ("problem-2-range-changed", lambda d: _edit(d, "bank/test-driving.toml", "range = [100, 125]", "range = [101, 126]"),
     "3 of the 3 students of the previous build have a different key now: a1, b2, c3 (problem 2); hand them their "
     "new sheets (a form from the previous build's sheet is graded against the new key, with a notice naming it)",
     {"a1", "b2", "c3"}),
    ("tolerance-changed", lambda d: _edit(d, "exam.toml", "tolerance = { rtol = 0.02 }", "tolerance = { rtol = 0.05 }"),
     "the previous build's 3 students kept their keys", set()),
]


def _form_versions(out: Path) -> dict[str, str]:
    return {form.parent.name: line.removeprefix("version: ")
            for form in (out / "students").glob("*/answers.txt")
            for line in form.read_text(encoding="utf-8").splitlines() if line.startswith("version: ")}


@pytest.mark.parametrize(("change", "note", "new_versions"), [row[1:] for row in REBUILDS],
                         ids=[row[0] for row in REBUILDS])
def test_a_rebuild_says_whose_key_changed(exam_dir: Path, change, note: str, new_versions: set[str]) -> None:
    # GIVEN a build, WHEN the exam is rebuilt over it after a change
    before = _form_versions(build(exam_dir))
    change(exam_dir)
    summary = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / "out", TEXT_FORMATS, force=True)
    # THEN the summary says which students must get their new sheets (or that none must), and
    # exactly their answer forms carry a new version code (a tolerance changes no answer)
    assert note in summary.notes
    after = _form_versions(exam_dir / "out")
    assert len(set(after.values())) == len(after) and all(len(code) == 8 for code in after.values())
    assert {student for student in after if after[student] != before[student]} == new_versions


def test_a_secret_inside_the_output_folder_is_refused(exam_dir: Path) -> None:
    # GIVEN a config whose secret would live inside the build (which every build replaces whole)
    _edit(exam_dir, "exam.toml", 'secret_file = "small.secret"', 'secret_file = "out/small.secret"')
    # WHEN it is built, THEN it is refused before anything is written, saying where to keep it
    with pytest.raises(BuildError) as caught:
        build(exam_dir)
    out = exam_dir / "out"
    assert str(caught.value) == (f"the secret file {out / 'small.secret'} lies inside the output folder {out}, which "
                                 "every build replaces whole (the secret would be lost); keep it outside, e.g. "
                                 'secret_file = "out.secret" beside the build')
    assert not out.exists()


@pytest.mark.parametrize("kind", ["partial", "previous"])
def test_a_killed_runs_leftovers_are_tidied_by_the_next_run(exam_dir: Path, kind: str) -> None:
    # GIVEN a build, and what a run killed mid-way left beside it (a process id no longer running)
    out = build(exam_dir)
    dead = _finished_pid()
    leftover = out.parent / f".out.{kind}-{dead}"
    if kind == "previous":  # killed between moving the old build aside and the new one in
        out.rename(leftover)
    else:
        (leftover / "keys").mkdir(parents=True)
    # WHEN the exam is built again
    build(exam_dir, force=True)
    # THEN the leftover is gone (a build moved aside was put back, then replaced as asked)
    assert not leftover.exists() and (out / "manifest.json").is_file()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".out.")] == []


def _finished_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_build_a_killed_run_moved_aside_is_back_and_not_replaced_without_force(exam_dir: Path) -> None:
    out = build(exam_dir)
    aside = out.parent / f".out.previous-{_finished_pid()}"
    out.rename(aside)
    with pytest.raises(BuildError, match="already exists; use --force"):
        build(exam_dir)
    assert (out / "manifest.json").is_file() and not aside.exists()


@pytest.mark.parametrize(("tolerance", "rtol", "atol"), [
    ("{ atol = 0.5 }", 0.0, 0.5),
    ("{ rtol = 0.05 }", 0.05, 0.0),
    ("{ rtol = 0.05, atol = 0.5 }", 0.05, 0.5),
])
def test_a_problems_tolerance_replaces_the_templates_whole(exam_dir: Path, tolerance: str, rtol: float,
                                                             atol: float) -> None:
    # GIVEN a problem whose tolerance names one bound (the template has its own rtol)
    _edit(exam_dir, "exam.toml", "tolerance = { rtol = 0.02 }", f"tolerance = {tolerance}")
    manifest = json.loads((build(exam_dir) / "manifest.json").read_text(encoding="utf-8"))
    # THEN the other bound is 0, not the template's: ±0.5 means ±0.5
    expected = [part["expected"] for student in manifest["students"] for problem in student["problems"]
                if problem["slot"] == "2" for part in problem["parts"] if part["expected"]["kind"] == "numeric"]
    assert expected and {(e["rtol"], e["atol"]) for e in expected} == {(rtol, atol)}


@pytest.mark.parametrize(("atol", "noted"), [(0.001, False), (1000.0, True)], ids=["narrow", "reaches-zero"])
def test_an_exam_atol_wide_for_the_keys_is_noted(exam_dir: Path, atol: float, noted: bool) -> None:
    # GIVEN problem 2 graded ± atol in each part's own unit
    _edit(exam_dir, "exam.toml", "tolerance = { rtol = 0.02 }", f"tolerance = {{ rtol = 0.02, atol = {atol} }}")
    summary = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / "out", TEXT_FORMATS)
    manifest = json.loads((exam_dir / "out" / "manifest.json").read_text(encoding="utf-8"))
    # THEN each numeric part whose keys it dwarfs is noted, with how many students' windows reach zero
    parts: dict[tuple[str, str], list[float]] = {}
    for student in manifest["students"]:
        for problem in student["problems"]:
            for part in problem["parts"]:
                if problem["slot"] == "2" and part["expected"]["kind"] == "numeric":
                    parts.setdefault((part["name"], part["expected"]["unit"]), []).append(abs(part["expected"]["value"]))
    expected = [f"problem 2 (test-driving), part {name}: the exam's atol {atol:g} {unit} is more than 10 % of the key "
                f"for {len(keys)} of {len(keys)} students (e.g. ±{atol:g} {unit} on {min(keys):.3g} {unit}); for {len(keys)} it "
                "reaches zero, so an answer of the wrong sign is graded correct; give this problem a smaller atol"
                for (name, unit), keys in sorted(parts.items())] if noted else []
    assert parts and [note for note in summary.notes if "the exam's atol" in note] == expected


def test_a_slot_with_fewer_keys_than_students_says_so(exam_dir: Path) -> None:
    # GIVEN a template of 4 givens but 3 keys (2/100 and 4/200 mM are one ratio), for 4 students
    (exam_dir / "bank" / "few-keys.toml").write_text('''schema_version = 1
id = "few-keys"
title = "Few keys"
topic = "nernst"
section = "equilibrium-potential"
difficulty = 1
statement = "K+ is {{ c_out }} outside and {{ c_in }} inside at 37 °C."
solution = "{{ work.E }}"

[params]
c_out = { choice = [2, 4], unit = "mM" }
c_in = { choice = [100, 200], unit = "mM" }

[[parts]]
name = "E"
value = "nernst(c_out, c_in, 1, kelvin(37))"
unit = "mV"
sigfigs = 3
''', encoding="utf-8")
    _edit(exam_dir, "exam.toml", 'template = "test-nernst"', 'template = "few-keys"')
    (exam_dir / "roster.csv").write_text("id,name\na,A\nb,B\nc,C\nd,D\n", encoding="utf-8")
    # WHEN it is built, THEN the slot's line says that some students share a key
    summary = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / "out", TEXT_FORMATS)
    assert summary.capacity[0] == (
        "slot 1 few-keys: 4 distinct variants of 4 available, but only 3 distinct keys: students who share a key "
        "share no givens, yet copying answers would pay; draw this slot from a pool of templates, or give it fewer "
        "students")


def test_a_template_named_by_two_problems_is_noted(exam_dir: Path) -> None:
    _edit(exam_dir, "exam.toml", 'template = "test-driving"', 'template = "test-nernst"')
    summary = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / "out", TEXT_FORMATS)
    assert ("template 'test-nernst' is problem 1 and 2: each student gets it that often, with other numbers; if that "
            "is a slip, change one of them") in summary.notes


POOL_OVERLAPS = [
    # (problem 2 as edited, the templates every student's problem 2 has, the note)
    ('draw = 1\npool = ["test-nernst", "test-driving"]', ["test-driving"],
     "problem 2 draws from a pool that holds 'test-nernst' (problem 1): it draws from its 1 other template"),
    ('draw = 2\npool = ["test-nernst", "test-driving"]', ["test-driving", "test-nernst"],
     "3 of 3 sheets hold a template twice, in problems 1 and 2: their templates overlap, with too few others for "
     "every draw; widen a pool or draw fewer"),
]


@pytest.mark.parametrize(("problem", "drawn", "note"), POOL_OVERLAPS, ids=["drawn-from-the-others", "too-few-others"])
def test_a_pool_never_draws_a_fixed_problems_template_while_it_has_others(exam_dir: Path, problem: str,
                                                                         drawn: list[str], note: str) -> None:
    # GIVEN problem 1 fixed to test-nernst and problem 2 drawn from a pool that also holds it
    _edit(exam_dir, "exam.toml", 'template = "test-driving"', problem)
    # WHEN it is built, THEN problem 2 takes the pool's other templates while there are enough, with a note
    summary = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / "out", TEXT_FORMATS)
    manifest = json.loads((exam_dir / "out" / "manifest.json").read_text(encoding="utf-8"))
    for student in manifest["students"]:
        assert sorted(p["template"] for p in student["problems"] if p["slot"].startswith("2")) == drawn
    assert note in summary.notes


@pytest.mark.parametrize(("has_cjk", "expected"), [
    (False, ("no installed font has 山田, used in the names of s1: their PDFs show empty boxes; install a font that "
             "has them (Debian: apt-get install fonts-noto-cjk) and build again",)),
    (True, ()),
])
def test_names_no_font_can_print_are_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, has_cjk: bool,
                                           expected: tuple[str, ...]) -> None:
    # GIVEN fontconfig that has (or lacks) a font with CJK characters
    from problemgen.build import _missing_glyphs
    from problemgen.roster import Student

    fake = tmp_path / "fc-list"
    fake.write_text("#!/bin/sh\n" + ("echo 'Noto Sans CJK JP'\n" if has_cjk else 'case "$1" in :charset=5c71|:charset=7530) ;; '
                                     "*) echo DejaVu ;; esac\n"), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    # WHEN a roster with a Japanese and a Vietnamese name is checked for PDFs
    students = [Student("s1", "山田 Taro", ""), Student("s2", "Nguyễn", "")]
    # THEN a name no font can print is noted, with how to fix it
    assert _missing_glyphs(students) == expected


def test_a_tolerance_that_refuses_the_printed_key_stops_the_build(exam_dir: Path) -> None:
    # GIVEN an exam tolerance far tighter than the figures the key is shown with
    _edit(exam_dir, "exam.toml", "tolerance = { rtol = 0.02 }", "tolerance = { rtol = 0.00001 }")
    # WHEN it is built, THEN it is refused: students copying the printed key would be marked wrong
    with pytest.raises(BuildError) as caught:
        build(exam_dir)
    assert str(caught.value).startswith("problem 2 (test-driving): its tolerance (rtol 1e-05, atol 0) grades part ")
    assert str(caught.value).endswith("widen the tolerance, or grade significant figures (sigfigs) instead")


@pytest.mark.parametrize("command", ["grade", "export"])
def test_grading_or_exporting_puts_back_a_build_a_killed_run_moved_aside(exam_dir: Path, tmp_path: Path,
                                                                        command: str) -> None:
    # GIVEN a build that a run killed between its two renames left aside (.out.previous-<pid>)
    from click.testing import CliRunner

    from problemgen.cli import main

    out = build(exam_dir)
    aside = out.parent / f".out.previous-{_finished_pid()}"
    out.rename(aside)
    subs = tmp_path / "subs.csv"
    subs.write_text("id,1a\na1,78.3 mV\n", encoding="utf-8")
    args = ["grade", str(out), str(subs), "--out", str(tmp_path / "g")] if command == "grade" else \
        ["export", str(out), "--to", "moodle", "--out", str(tmp_path / "m.xml")]
    # WHEN it is graded or exported, THEN the build is put back (with a note) and used
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"note: {out} was put back from where an interrupted build had moved it" in result.stderr
    assert (out / "manifest.json").is_file() and not aside.exists()


def test_grading_a_missing_build_says_so(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from problemgen.cli import main

    subs = tmp_path / "subs.csv"
    subs.write_text("id,1a\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "nowhere"), str(subs)])
    assert result.exit_code == 2 and f"Directory '{tmp_path / 'nowhere'}' does not exist." in result.stderr


@pytest.mark.parametrize(("problem", "answers", "solutions", "shown"), [
    ({"statement": "V_m = −150. mV", "parts": []}, False, False, True),
    ({"statement": "$V = -150.\\,\\mathrm{mV}$", "parts": []}, False, False, True),
    ({"statement": "V_m = −150 mV and 15.5 mM.", "parts": []}, False, False, False),
    ({"statement": "x", "parts": [{"prompt": "p", "options": ["10. mV", "12.5 mV"], "answer": "1"}]}, False, False, True),
    ({"statement": "x", "parts": [{"prompt": "p", "options": [], "answer": "−160. mV"}]}, False, False, False),
    ({"statement": "x", "parts": [{"prompt": "p", "options": [], "answer": "−160. mV"}]}, True, False, True),
    ({"statement": "x", "solution": "so 120. mV", "parts": []}, False, True, True),
], ids=["text", "math", "ordinary-decimals", "option", "answer-not-shown", "answer-shown", "solution"])
def test_a_whole_number_with_a_trailing_point_is_explained(problem: dict, answers: bool, solutions: bool,
                                                           shown: bool) -> None:
    from problemgen.documents import shows_trailing_point

    assert shows_trailing_point([problem], answers=answers, solutions=solutions) is shown


@pytest.mark.parametrize("template_id", ["sodium-paradox", "fractional-change-soma", "iv-plot-reversal"])
def test_a_sheet_problem_knows_its_trailing_points_as_a_search_of_its_text_finds_them(template_id: str) -> None:
    import dataclasses
    import hashlib

    from problemgen.bank import builtin_banks
    from problemgen.documents import shows_trailing_point
    from problemgen.engine import generate_from_seeds
    from problemgen.sheets import sheet_problem

    template = next(t for b in builtin_banks().values() for t in b.templates.values() if t.id == template_id)
    seeds = [hashlib.sha256(f"tp/{i}".encode()).digest() for i in range(40)]
    for variant in generate_from_seeds(template, seeds, [None] * 40, unique=False):
        problem = sheet_problem(template, variant, "1", 3.0)
        plain = {"statement": problem.statement, "solution": problem.solution,
                 "parts": [{**dataclasses.asdict(p), "options": p.options + tuple(m.value for m in p.mistakes)}
                           for p in problem.parts]}
        for answers, solutions in ((False, False), (True, True)):
            if not answers:
                plain_sheet = {**plain, "parts": [{**p, "options": problem.parts[i].options}
                                                  for i, p in enumerate(plain["parts"])]}
                assert shows_trailing_point([problem]) == shows_trailing_point([plain_sheet])
            else:
                assert shows_trailing_point([problem], True, True) == shows_trailing_point([plain], True, True)
