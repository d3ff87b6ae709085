"""Batch grading end to end: submissions in every format, notices, result files, determinism."""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import problemgen.templates

from problemgen.batch import ManifestError, SubmissionsError, load_manifest, read_submissions
from problemgen.build import build_exam
from problemgen.errors import BuildError
from problemgen.results import grade_exam

DATA = Path(__file__).parent / "data" / "small-exam"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("grade") / "exam"
    shutil.copytree(DATA, folder)
    build_exam(folder / "exam.toml", folder / "roster.csv", folder / "out", ("md",))
    return folder / "out"


def expected_parts(built: Path, student: str) -> dict[str, dict]:
    manifest = load_manifest(built)
    entry = next(s for s in manifest["students"] if s["id"] == student)
    return {p["label"]: p["expected"] for problem in entry["problems"] for p in problem["parts"]}


def right(expected: dict) -> str:
    return f"{expected['value']:.6g} {expected['unit']}" if expected["kind"] == "numeric" else expected["answer"]


def scripted_answers(built: Path) -> dict[str, dict[str, str]]:
    """a1 all right; b2 a misconception, a sign error, an invalid unit and a wrong option; c3 blank."""
    a1 = {label: right(e) for label, e in expected_parts(built, "a1").items()}
    b2_expected = expected_parts(built, "b2")
    misconception, wrong_value = next(iter(b2_expected["1a"]["misconceptions"].items()))
    options = b2_expected["2c"]["options"]
    b2 = {"1a": f"{wrong_value:.6g} mV", "2a": f"{-b2_expected['2a']['value']:.6g} mV",
          "2b": f"{b2_expected['2b']['value']:.4g} mv",
          "2c": next(o for o in options if o != b2_expected["2c"]["answer"])}
    return {"a1": a1, "b2": b2, "c3": {}}, misconception


EXPECTED_VERDICTS = {
    "a1": ["correct", "correct", "correct", "correct"],
    "b2": ["incorrect", "incorrect", "invalid", "incorrect"],
    "c3": ["invalid", "invalid", "invalid", "invalid"],
}


def read_csv(path: Path, dicts: bool = True) -> list:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle)) if dicts else list(csv.reader(handle))


def write_csv(path: Path, answers: dict[str, dict[str, str]], extra_rows: list[list[str]] = (),
              delimiter: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8-sig" if delimiter == ";" else "utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["Timestamp", "Student ID", "1a [mV]", "2a", "2b", "2c", "Comments"])
        for student, given in answers.items():
            writer.writerow(["2026-12-01", student, *(given.get(k, "") for k in ("1a", "2a", "2b", "2c")), "-"])
        for row in extra_rows:
            writer.writerow(row)


def write_forms(folder: Path, built: Path, answers: dict[str, dict[str, str]]) -> None:
    folder.mkdir()
    for student, given in answers.items():
        form = (built / "students" / student / "answers.txt").read_text(encoding="utf-8").splitlines()
        filled = [line + given.get(line.split(" ")[0].rstrip(":"), "") if line[:1].isdigit() else line for line in form]
        (folder / f"{student}.txt").write_text("\n".join(filled) + "\n", encoding="utf-8")


@pytest.mark.parametrize("kind", ["csv", "semicolon-csv", "forms", "json"])
def test_every_submission_format_grades_the_same(built: Path, tmp_path: Path, kind: str) -> None:
    answers, misconception = scripted_answers(built)
    if kind.endswith("csv"):  # a semicolon CSV with a BOM, as European spreadsheets save it
        source = tmp_path / "subs.csv"
        write_csv(source, answers, delimiter=";" if kind == "semicolon-csv" else ",")
    elif kind == "forms":
        source = tmp_path / "forms"
        write_forms(source, built, answers)
    else:
        source = tmp_path / "subs.json"
        source.write_text(json.dumps(answers), encoding="utf-8")
    summary = grade_exam(built, source, tmp_path / f"grades-{kind}")
    rows = read_csv(summary.out / "grades.csv")
    verdicts = {s: [r["verdict"] for r in rows if r["student_id"] == s] for s in ("a1", "b2", "c3")}
    assert verdicts == EXPECTED_VERDICTS
    b2_first = next(r for r in rows if r["student_id"] == "b2" and r["label"] == "1a")
    assert b2_first["misconception"] == misconception
    assert float(b2_first["points"]) == pytest.approx(0.5 * 2)  # misconception_credit 0.5 of 2 points
    assert summary.graded == 3 and summary.missing == 0


def test_the_summary_counts_blank_answers_apart_from_other_invalid_ones(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)  # a1 all right; b2 one invalid; c3 all blank
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(answers), encoding="utf-8")
    summary = grade_exam(built, source, tmp_path / "grades")
    assert summary.verdicts == {"blank": 4, "correct": 4, "incorrect": 3, "invalid": 1}


def test_bad_rows_and_strangers_are_reported_not_fatal(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.csv"
    write_csv(source, {"a1": answers["a1"]}, [["x", "zz9", "1", "2", "3", "influx", ""], ["x", "", "", "", "", "", ""],
                                               ["x", "JANE@EXAMPLE.EDU", "0 mV", "", "", "", ""]])
    summary = grade_exam(built, source, tmp_path / "grades")
    messages = [str(n) for n in summary.notices]
    assert f"{source}, row 3: student 'zz9' is not on the exam's roster; skipped" in messages
    assert f"{source}, row 4: has no student id; skipped" in messages
    answered = sum(1 for v in answers["a1"].values() if v.strip())
    assert (f"{source}, row 5: a second submission for a1 (first from {source}, row 2, {answered} answered); "
            "this one (1 answered) is graded") in messages
    assert "b2: no submission found; 0 in grades.csv, no score in the LMS gradebooks" in messages
    assert (summary.graded, summary.missing) == (1, 2)


def test_submissions_that_match_no_student_are_refused_before_any_grade_is_written(built: Path,
                                                                                     tmp_path: Path) -> None:
    source = tmp_path / "noid.csv"
    source.write_text("who,1a\na1,3 mV\n", encoding="utf-8")
    with pytest.raises(SubmissionsError) as caught:
        grade_exam(built, source, tmp_path / "grades")
    assert str(caught.value) == (
        f"no submission in {source} could be matched to a student on the roster, so nothing was graded and no grade "
        f"file was written: {source}, row 1: has no student column (one of: student_id, student id, id, student, "
        "sis user id, sis_id, id number, username, email, email address, sis login id); nothing graded from it")
    assert not (tmp_path / "grades").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", "{not json", "is not valid JSON"),
        ("binary.csv", b"Student ID,1a\na1,\x81\x8d", "is not UTF-8 text; skipped (save it as UTF-8)"),
        ("noid.csv", "who,1a\na1,3 mV\n", "has no student column"),
        ("book.csv", b"PK\x03\x04\x14\x00\x06\x00", "is a zip file (an Excel workbook or a Word document?), not text; "
                                                      "skipped (save it as \"CSV UTF-8\" or as plain text)"),
    ],
    ids=["bad-json", "not-text", "no-id-column", "workbook"],
)
def test_unreadable_submission_files_are_notices(built: Path, tmp_path: Path, name: str, content: object,
                                                 message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else str(content).encode())
    submissions = read_submissions(path, load_manifest(built))
    assert submissions.answers == {}
    assert any(message in str(n) for n in submissions.notices), submissions.notices


def test_regrading_is_deterministic_and_never_silently_overwrites(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.csv"
    write_csv(source, answers)
    first = grade_exam(built, source, tmp_path / "one").out
    second = grade_exam(built, source, tmp_path / "two").out
    for path in sorted(p for p in first.rglob("*") if p.is_file()):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path
    with pytest.raises(BuildError):
        grade_exam(built, source, tmp_path / "one")
    grade_exam(built, source, tmp_path / "one", force=True)


@pytest.mark.parametrize(("submitted", "cell"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("+64.1 mV", "'+64.1 mV"),
    ("-64.1 mV", "'-64.1 mV"),
    ("\t-1", "'\t-1"),
    ("-64.1", "-64.1"),
    ("+6.4e-2", "+6.4e-2"),
    ("-.5", "-.5"),
    ("64.1 mV", "64.1 mV"),
    ("", ""),
])
def test_student_text_that_a_spreadsheet_would_run_is_written_as_text(submitted: str, cell: str) -> None:
    from problemgen.results import spreadsheet_text

    assert spreadsheet_text(submitted) == cell


def test_lms_gradebooks_follow_their_import_formats(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.csv"
    write_csv(source, answers)
    out = grade_exam(built, source, tmp_path / "g").out
    canvas = read_csv(out / "canvas-gradebook.csv", dicts=False)
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Small exam"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "5"
    assert canvas[2][:2] == ["Doe, Jane", "a1"] and canvas[2][5] == "5"
    moodle = read_csv(out / "moodle-grades.csv")
    assert moodle[0]["Email address"] == "jane@example.edu" and moodle[0]["Small exam"] == "5"


def test_a_student_known_by_email_alone_has_no_moodle_id_number(tmp_path: Path) -> None:
    # GIVEN a roster whose row for Kim has no id but the email (a Moodle row without an ID number)
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    (folder / "roster.csv").write_text("id,name,email\na1,Jane,jane@example.edu\nkim@example.edu,Kim,kim@example.edu\n",
                                       encoding="utf-8")
    build_exam(folder / "exam.toml", folder / "roster.csv", folder / "out", ("md",))
    write_csv(tmp_path / "subs.csv", {"a1": {"1a": "1 mV"}, "kim@example.edu": {"1a": "1 mV"}})
    out = grade_exam(folder / "out", tmp_path / "subs.csv", tmp_path / "g").out
    # THEN Moodle gets her email alone (an ID number of an email matches nobody), and Jane's id
    assert [(row["Email address"], row["ID number"]) for row in read_csv(out / "moodle-grades.csv")] == [
        ("jane@example.edu", "a1"), ("kim@example.edu", "")]


def test_a_student_without_a_submission_has_no_score_in_the_lms_gradebooks(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.csv"
    write_csv(source, {"a1": answers["a1"]})
    out = grade_exam(built, source, tmp_path / "g").out
    canvas = {row[1]: row[5] for row in read_csv(out / "canvas-gradebook.csv", dicts=False)[2:]}
    moodle = {row["ID number"]: row["Small exam"] for row in read_csv(out / "moodle-grades.csv")}
    assert (canvas["a1"], canvas["b2"], canvas["c3"]) == ("5", "", "")
    assert moodle["a1"] == "5" and moodle["b2"] == moodle["c3"] == ""
    missing = {row["student_id"]: row["points"] for row in read_csv(out / "grades.csv") if row["verdict"] == "missing"}
    assert set(missing) == {"b2", "c3"} and set(missing.values()) == {"0"}
    # Their feedback keeps the key out (late or excused work may still come in); a1's shows it.
    for student, keyed in (("a1", True), ("b2", False), ("c3", False)):
        for kind in ("html", "md"):
            feedback = (out / "feedback" / student / f"feedback.{kind}").read_text(encoding="utf-8")
            assert ("Worked solution" in feedback) is keyed, (student, kind)
    assert "Correct answer" not in (out / "feedback" / "b2" / "feedback.md").read_text(encoding="utf-8")


def test_feedback_names_the_mistake_and_escapes_student_text(built: Path, tmp_path: Path) -> None:
    answers, misconception = scripted_answers(built)
    answers["b2"]["2c"] = "<script>alert(1)</script>"
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(answers), encoding="utf-8")
    out = grade_exam(built, source, tmp_path / "g").out
    html = (out / "feedback" / "b2" / "feedback.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "inverted the concentration ratio" in html or "log10" in html
    assert "Worked solution" in html
    # 2b is malformed ("6.07 mv"): the verdict's text says nothing of the number (rules §1), and
    # the key follows it, as feedback comes after the exam.
    part_2b = html[html.index('<span class="label">(2b)</span>'):]
    part_2b = part_2b[:part_2b.index("</li>")]
    assert "verdict-invalid" in part_2b and "6.07 mV" not in part_2b.split("Correct answer")[0]
    assert "Correct answer" in part_2b


@pytest.mark.parametrize("name", [f"{student}/feedback.{kind}" for student in ("a1", "b2", "c3") for kind in ("html", "md")])
def test_feedback_goldens(built: Path, tmp_path_factory: pytest.TempPathFactory, golden, name: str) -> None:
    """Every verdict, a named mistake, escaped student text and a student without a submission."""
    out = tmp_path_factory.getbasetemp() / "feedback-goldens"
    if not out.exists():
        answers, _ = scripted_answers(built)
        answers["b2"]["2c"] = "<b>*x*</b> & `tick` $1$"
        del answers["c3"]
        source = tmp_path_factory.mktemp("feedback-sources") / "subs.json"
        source.write_text(json.dumps(answers), encoding="utf-8")
        grade_exam(built, source, out)
    text = (out / "feedback" / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        # The page carries the sheets' stylesheet, whole; the golden keeps only the feedback.
        css = (Path(problemgen.templates.__file__).parent / "sheet.css").read_text(encoding="utf-8")
        assert text.count(f"<style>\n{css}") == 1
        text = text.replace(css, "/* templates/sheet.css */\n")
    golden(f"feedback/{name.replace('/', '__')}", text)


@pytest.mark.parametrize("keys_kept", [True, False], ids=["figure-from-the-build", "keys-deleted"])
def test_feedback_shows_the_students_own_figure(tmp_path: Path, keys_kept: bool) -> None:
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    with (folder / "exam.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[problems]]\ntemplate = "test-iv"\npoints = 1\n')
    built = build_exam(folder / "exam.toml", folder / "roster.csv", folder / "out", ("html",)).out
    key_figure = built / "keys" / "a1" / "figure-3.svg"
    svg = key_figure.read_text(encoding="utf-8")
    if not keys_kept:
        key_figure.unlink()
    source = tmp_path / "subs.json"
    source.write_text(json.dumps({"a1": {"1a": "1 mV"}}), encoding="utf-8")
    feedback = grade_exam(built, source, tmp_path / "g").out / "feedback" / "a1"
    html = (feedback / "feedback.html").read_text(encoding="utf-8")
    markdown = (feedback / "feedback.md").read_text(encoding="utf-8")
    if keys_kept:
        assert html.count(svg) == 1 and (feedback / "figure-3.svg").read_text(encoding="utf-8") == svg
        assert "![Current (outward positive) against membrane potential.](figure-3.svg)" in markdown
    else:
        assert "<svg" not in html and not (feedback / "figure-3.svg").exists()
        assert "(The figure is on your sheet.)" in html and "(The figure is on your sheet.)" in markdown


@pytest.mark.parametrize("name", ["../../secret.svg", "/etc/x.svg", "figure-3.svg/../x.svg", "key.md"])
def test_feedback_reads_only_figure_files_a_build_writes(tmp_path: Path, name: str) -> None:
    from problemgen.results import _figure

    keys = tmp_path / "keys"
    (keys / "a1").mkdir(parents=True)
    (tmp_path / "secret.svg").write_text("<svg>secret</svg>", encoding="utf-8")
    (keys / "a1" / "figure-3.svg").write_text("<svg>mine</svg>", encoding="utf-8")
    assert _figure(keys, "a1", "figure-3.svg") == "<svg>mine</svg>"
    assert _figure(keys, "a1", name) == ""


def test_parallel_feedback_writing_gives_the_same_files(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(answers), encoding="utf-8")
    serial = grade_exam(built, source, tmp_path / "serial", processes=1).out
    parallel = grade_exam(built, source, tmp_path / "parallel", processes=2).out
    files = sorted(p.relative_to(serial) for p in serial.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(parallel) for p in parallel.rglob("*") if p.is_file())
    for relative in files:
        assert (serial / relative).read_bytes() == (parallel / relative).read_bytes(), relative


@pytest.mark.parametrize("processes", [1, 2])
def test_grading_reports_its_progress_up_to_every_student(built: Path, tmp_path: Path, processes: int) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(answers), encoding="utf-8")
    calls: list[tuple[int, int]] = []
    grade_exam(built, source, tmp_path / "grades", processes=processes, progress=lambda *call: calls.append(call))
    students = len(load_manifest(built)["students"])
    assert calls[-1] == (students, students)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})


def _as_schema_1(manifest: dict) -> dict:
    """A manifest as builds of problemgen 0.1 wrote it: each part's feedback texts inline."""
    old = {key: value for key, value in manifest.items() if key != "misconception_feedback"}
    old["schema_version"] = 1
    for student in old["students"]:
        for problem in student["problems"]:
            for part in problem["parts"]:
                expected = part["expected"]
                if expected["kind"] == "numeric":
                    table = manifest["misconception_feedback"][problem["template"]].get(part["name"], {})
                    expected["misconception_feedback"] = {name: table[name] for name in expected["misconceptions"]}
    return old


def test_a_schema_1_manifest_grades_like_its_schema_2_build(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(answers), encoding="utf-8")
    old_build = tmp_path / "old-build"
    shutil.copytree(built, old_build)
    stored = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    (old_build / "manifest.json").write_text(json.dumps(_as_schema_1(stored)), encoding="utf-8")
    new = grade_exam(built, source, tmp_path / "new").out
    old = grade_exam(old_build, source, tmp_path / "old").out
    for name in ("grades.csv", "feedback/b2/feedback.html", "report.html"):
        assert (old / name).read_bytes() == (new / name).read_bytes(), name


def test_grading_an_exported_grader_folder_says_which_folder_to_give(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(answers), encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        grade_exam(built / "grader", source, tmp_path / "grades")
    assert str(caught.value) == (
        f"{built / 'grader'} is an exported grader, which holds no sheets or solutions for feedback: give `problemgen "
        f"grade` the build folder ({built.resolve()}), or run `python {built / 'grader' / 'grade.py'} SUBMISSIONS` for "
        "grade files alone")
    assert not (tmp_path / "grades").exists()


@pytest.mark.parametrize(("version", "fix"), [(3, "upgrade problemgen (pip install -U problemgen)"),
                                              (0, "rebuild the exam with this problemgen"),
                                              ("2", "rebuild the exam with this problemgen")])
def test_an_unreadable_manifest_version_says_what_to_do(built: Path, tmp_path: Path, version: object, fix: str) -> None:
    from problemgen.batch import ManifestError, load_manifest

    stored = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**stored, "schema_version": version}), encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert str(caught.value) == f"{path} has schema_version {version!r}; this problemgen reads 1 and 2; {fix}"


@pytest.mark.parametrize("layout", ["as-built", "indented", "one-line"])
def test_a_manifest_loads_the_same_whatever_its_layout(built: Path, tmp_path: Path, layout: str) -> None:
    from problemgen.batch import load_manifest

    streamed = (built / "manifest.json").read_text(encoding="utf-8")
    data = json.loads(streamed)
    path = tmp_path / "manifest.json"
    path.write_text({"as-built": streamed, "indented": json.dumps(data, indent=2), "one-line": json.dumps(data)}[layout],
                    encoding="utf-8")
    assert load_manifest(path) == load_manifest(built)


def test_a_streamed_manifest_without_students_loads(built: Path, tmp_path: Path) -> None:
    from problemgen.batch import load_manifest

    streamed = (built / "manifest.json").read_text(encoding="utf-8")
    path = tmp_path / "manifest.json"
    path.write_text(streamed[:streamed.index('"students": [') + len('"students": [')] + "\n\n]}\n", encoding="utf-8")
    loaded = load_manifest(path)
    assert loaded["students"] == [] and loaded["exam"] == json.loads(streamed)["exam"]


@pytest.mark.parametrize("cut", ["\n]}\n", "]}\n"], ids=["unclosed-array", "last-student-cut"])
def test_a_cut_off_manifest_is_an_error_naming_the_file(built: Path, tmp_path: Path, cut: str) -> None:
    from problemgen.batch import ManifestError, load_manifest

    streamed = (built / "manifest.json").read_text(encoding="utf-8")
    path = tmp_path / "manifest.json"
    path.write_text(streamed[: -len(cut)] if cut == "\n]}\n" else streamed[: -len(cut) - 40], encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert str(caught.value).startswith(f"{path} cannot be read: ")


def _without_labels(streamed: str) -> str:
    """A manifest as 0.1 builds streamed it: student lines without their ``labels``."""
    return re.sub(r', "labels": \[[^\]]*\]', "", streamed)


def _indent_students(streamed: str) -> str:
    first, *rest = streamed.split("\n")
    return "\n".join([first, *("  \t" + line for line in rest)])


@pytest.mark.parametrize(("layout", "streamed"), [("as-built", True), ("without-labels", True),
                                                  ("indented-students", True), ("crlf", True), ("indented", False)])
def test_a_lazy_manifest_gives_the_students_an_eager_one_does(built: Path, tmp_path: Path, layout: str,
                                                             streamed: bool) -> None:
    from problemgen.batch import StreamedStudents, load_manifest, student_identities

    as_built = (built / "manifest.json").read_text(encoding="utf-8")
    text = {"as-built": as_built, "without-labels": _without_labels(as_built),
            "indented-students": _indent_students(as_built), "crlf": as_built.replace("\n", "\r\n"),
            "indented": json.dumps(json.loads(as_built), indent=2)}[layout]
    path = tmp_path / "manifest.json"
    path.write_bytes(text.encode("utf-8"))
    eager, lazy = load_manifest(path), load_manifest(path, lazy=True)
    # a streamed layout stays on disk; any other is parsed whole, lazy or not
    assert isinstance(lazy["students"], StreamedStudents) is streamed
    assert {k: v for k, v in lazy.items() if k != "students"} == {k: v for k, v in eager.items() if k != "students"}
    assert list(lazy["students"]) == [lazy["students"][i] for i in range(len(eager["students"]))] == eager["students"]
    assert student_identities(lazy) == student_identities(eager)
    assert lazy["students"][1:3] == eager["students"][1:3]


def test_a_builds_student_lines_give_their_identities_at_once(built: Path) -> None:
    from problemgen.batch import _quick_identity

    lines = (built / "manifest.json").read_text(encoding="utf-8").splitlines()[1:-1]
    assert lines and all(_quick_identity(line.rstrip(",").encode()) for line in lines)


@pytest.mark.parametrize("name", ["Zoë Ånström", 'Ann "Nan" O\'Neil', "back\\slash, comma", "tab\tand\nnewline", "",
                                  '", "problems": [], "sis_id": "x"}'])
def test_a_student_line_gives_its_identity_without_parsing_the_problems(name: str) -> None:
    from problemgen.batch import StudentIdentity, _quick_identity

    entry = {"id": "s1", "name": name, "email": "a@b.c", "sis_id": "S\\1", "folder": "s1", "labels": ["1a", "1b"],
             "problems": [{"parts": [{"label": "1a"}, {"label": "1b"}], "title": '"sis_id": "no"}'}]}
    line = json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()
    assert _quick_identity(line) == StudentIdentity.of(entry)


def test_a_manifest_replaced_after_loading_is_not_read(built: Path, tmp_path: Path) -> None:
    from problemgen.batch import load_manifest

    streamed = (built / "manifest.json").read_text(encoding="utf-8")
    path = tmp_path / "manifest.json"
    path.write_text(streamed, encoding="utf-8")
    lazy = load_manifest(path, lazy=True)
    expected = load_manifest(path)["students"]
    # a rebuild replaces the file (a new one moved into place): the loaded manifest is still read
    replacement = tmp_path / "new.json"
    replacement.write_text(streamed.replace('"points": ', '"points":  '), encoding="utf-8")
    replacement.replace(path)
    assert list(lazy["students"]) == expected


def _damage(streamed: str, how: str) -> tuple[str, str]:
    """``streamed`` with its first student's line changed in place, and the error that names it."""
    lines = streamed.split("\n")
    first = json.loads(lines[1].rstrip(","))
    if how == "another-student":  # same length, so only the id check can tell
        lines[1] = lines[1].replace(f'"id": "{first["id"]}"', f'"id": "{first["id"][::-1]}"', 1)
        return "\n".join(lines), f"line 2 is not the student {first['id']!r} it held when loaded; grade again"
    if how == "broken-middle":  # its two ends still read as an identity
        lines[1] = lines[1].replace('"points": ', '"points" ', 1)
        return "\n".join(lines), "line 2: Expecting ':' delimiter"
    # labels that are not those of the parts
    wrong = first["labels"][::-1]
    lines[1] = lines[1].replace(json.dumps(first["labels"]), json.dumps(wrong), 1)
    return "\n".join(lines), (f"line 2: the labels of student {first['id']!r} ({', '.join(wrong)}) are not those "
                              f"of its parts ({', '.join(first['labels'])}); rebuild the exam")


@pytest.mark.parametrize(("how", "after_loading"), [("another-student", True), ("broken-middle", False),
                                                  ("labels-disagree", False)])
def test_a_damaged_student_line_is_an_error_naming_the_line(built: Path, tmp_path: Path, how: str,
                                                           after_loading: bool) -> None:
    from problemgen.batch import ManifestError, load_manifest

    streamed = (built / "manifest.json").read_text(encoding="utf-8")
    damaged, message = _damage(streamed, how)
    path = tmp_path / "manifest.json"
    path.write_text(streamed if after_loading else damaged, encoding="utf-8")
    lazy = load_manifest(path, lazy=True)
    if after_loading:  # overwritten in place (the same file), not replaced
        with path.open("r+", encoding="utf-8") as handle:
            handle.write(damaged)
    with pytest.raises(ManifestError) as caught:
        lazy["students"][0]
    assert str(caught.value).startswith(f"{path} cannot be read: {message}")


FORM_EDITS = [
    # (what the student changed in a1's filled form, the notice, the labels still answered right)
    ("edited-label", lambda line: line.replace("1a", "1 a", 1) if line.startswith("1a") else line,
     "{form}, line {line}: is read as answer 1a ('1 a [with unit, e.g. mV]: "),
    ("unreadable-label", lambda line: line.replace("1a", "one a", 1) if line.startswith("1a") else line,
     "{form}, line {line}: is not a 'label: answer' line ('one a"),
    ("capital-label", lambda line: line.replace("2a", "2A", 1) if line.startswith("2a") else line, None),
    ("note-after-the-answer", lambda line: line + "   # rounded at the end" if line.startswith("2a") else line, None),
    ("other-exam", lambda line: "exam: last-year" if line.startswith("exam:") else line,
     "{form}: is a form of exam 'last-year', not 'small-exam'; graded against this exam all the same"),
]


@pytest.mark.parametrize(("edit", "notice"), [c[1:] for c in FORM_EDITS], ids=[c[0] for c in FORM_EDITS])
def test_a_changed_answer_form_is_graded_and_what_was_not_read_is_said(built: Path, tmp_path: Path, edit: Any,
                                                                         notice: str | None) -> None:
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"]})
    form = tmp_path / "forms" / "a1.txt"
    original = form.read_text(encoding="utf-8").splitlines()
    lines = [edit(line) for line in original]
    form.write_text("\n".join(lines) + "\n", encoding="utf-8")
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    messages = [str(n) for n in submitted.notices]
    if notice is None:
        assert messages == []
        assert submitted.answers["a1"] == answers["a1"]
    else:
        line = next((i for i, (text, was) in enumerate(zip(lines, original), start=1) if text != was), 0)
        assert [m for m in messages if m.startswith(notice.format(form=form, line=line))], messages
        # every other answer is still read
        assert {k: v for k, v in submitted.answers["a1"].items() if k != "1a"} == \
            {k: v for k, v in answers["a1"].items() if k != "1a"}


@pytest.mark.parametrize(("header", "notice"), [
    (["Student ID", "1A", "2a", "2B", "2c"], None),
    (["Student ID", "Q1a", "2a", "Q2b", "2c"],
     "{csv}, row 1: has no column for the answer labels 1a, 2b; those answers count as blank (columns not read: "
     "Q1a, Q2b); name the columns as on the answer form (1a, 2b, …)"),
], ids=["labels-in-capitals", "labels-not-found"])
def test_csv_columns_are_matched_to_labels_whatever_their_case_and_missing_ones_are_named(
        built: Path, tmp_path: Path, header: list[str], notice: str | None) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, ["a1", *(answers["a1"][k] for k in ("1a", "2a", "2b", "2c"))]])
    submitted = read_submissions(source, load_manifest(built))
    assert [str(n) for n in submitted.notices] == ([] if notice is None else [notice.format(csv=source)])
    read = {k for k, v in submitted.answers["a1"].items() if v}
    assert read == ({"1a", "2a", "2b", "2c"} if notice is None else {"2a", "2c"})


def test_json_answers_are_matched_to_labels_whatever_their_case(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    source = tmp_path / "subs.json"
    source.write_text(json.dumps({"a1": {label.upper(): value for label, value in answers["a1"].items()}}),
                      encoding="utf-8")
    submitted = read_submissions(source, load_manifest(built))
    assert submitted.notices == () and submitted.answers["a1"] == answers["a1"]


def test_a_single_answer_form_is_read_as_a_form(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"]})
    submitted = read_submissions(tmp_path / "forms" / "a1.txt", load_manifest(built))
    assert submitted.answers == {"a1": answers["a1"]} and submitted.notices == ()


def test_a_form_saved_as_windows_1252_is_read_with_a_notice(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": {**answers["a1"], "1a": "78.3 mV  # µ-sure"}})
    form = tmp_path / "forms" / "a1.txt"
    form.write_bytes(form.read_text(encoding="utf-8").encode("cp1252"))
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert submitted.answers["a1"]["1a"] == "78.3 mV"
    assert [str(n) for n in submitted.notices] == [
        f"{form}: is not UTF-8 text; read as Windows-1252 (check its answers with µ or other accents)"]


@pytest.mark.parametrize(("value", "submitted"), [
    (None, ""), ("-64.1 mV", "-64.1 mV"), (-64.1, "-64.1"), (1e-05, "1e-05"), (True, "true"), (["Na+"], '["Na+"]'),
    ({"v": 1}, '{"v": 1}'), ("µ", "µ"),
], ids=["null", "text", "number", "small-number", "bool", "list", "object", "unicode"])
def test_json_answers_that_are_not_text_are_graded_as_the_json_written(built: Path, tmp_path: Path, value: Any,
                                                                       submitted: str) -> None:
    source = tmp_path / "subs.json"
    source.write_text(json.dumps({"a1": {"1a": value, "2a": "1 mV"}}), encoding="utf-8")
    assert read_submissions(source, load_manifest(built)).answers == {"a1": {"1a": submitted, "2a": "1 mV"}}


@pytest.mark.parametrize("later", ["a1.txt", "z-a1-again.txt"])
def test_of_two_forms_of_one_student_the_one_saved_last_is_graded(built: Path, tmp_path: Path, later: str) -> None:

    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"]})
    full, partial = tmp_path / "forms" / "a1.txt", tmp_path / "forms" / "z-a1-again.txt"
    # a second, nearly empty form of the same student, under a name that sorts after the first
    partial.write_text(full.read_text(encoding="utf-8").replace(answers["a1"]["2a"], ""), encoding="utf-8")
    earlier = partial if later == "a1.txt" else full
    os.utime(earlier, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    os.utime(tmp_path / "forms" / later, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert submitted.sources["a1"] == str(tmp_path / "forms" / later)
    assert (submitted.answers["a1"]["2a"] == answers["a1"]["2a"]) is (later == "a1.txt")
    (notice,) = submitted.notices
    assert str(notice).startswith(f"{tmp_path / 'forms' / later}: a second submission for a1")


@pytest.mark.parametrize(("edit", "whose"), [
    (lambda line: "student: b2" if line.startswith("student:") else line, "is the one on a1's form"),
    (lambda line: "check: 0badc0de" if line.startswith("check:") else line, "matches no student's form (was it edited?)"),
], ids=["another-students-form", "edited-check"])
def test_a_form_handed_in_under_another_id_is_noticed_by_its_check_code(built: Path, tmp_path: Path, edit: Any,
                                                                        whose: str) -> None:
    # GIVEN a1's filled form, handed in with its student line (or its check code) changed
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"]})
    form = tmp_path / "forms" / "a1.txt"
    lines = [edit(line) for line in form.read_text(encoding="utf-8").splitlines()]
    form.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check = next(line.split(":")[1].strip() for line in lines if line.startswith("check:"))
    student = next(line.split(":")[1].strip() for line in lines if line.startswith("student:"))
    # WHEN the forms are read, THEN the form is graded as the id it names, with a notice saying whose it is
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert list(submitted.answers) == [student]
    assert [str(n) for n in submitted.notices] == [
        f"{form}: its check code {check!r} {whose}, not {student}'s; graded as {student} all the same: was a form "
        "handed in under another student's id?"]


@pytest.mark.parametrize(("edit", "noticed"), [
    (lambda line: "version: 0badc0de" if line.startswith("version:") else line, True),
    (lambda line: f"VERSION:  {line.split(':')[1].strip().upper()} " if line.startswith("version:") else line,
     False),
    (lambda line: "# removed" if line.startswith("version:") else line, False),
], ids=["earlier-build", "same-code-other-case", "no-version-line"])
def test_a_form_from_a_sheet_of_an_earlier_build_is_graded_with_a_notice(built: Path, tmp_path: Path, edit: Any,
                                                                         noticed: bool) -> None:
    # GIVEN a1's filled form whose version code is not (or, in other case, is) that of a1's sheet now
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"]})
    form = tmp_path / "forms" / "a1.txt"
    current = next(line.split(":")[1].strip() for line in form.read_text(encoding="utf-8").splitlines()
                   if line.startswith("version:"))
    form.write_text("\n".join(edit(line) for line in form.read_text(encoding="utf-8").splitlines()) + "\n",
                    encoding="utf-8")
    # WHEN the forms are read, THEN it is graded all the same, with a notice where the codes differ
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert submitted.answers == {"a1": answers["a1"]}
    assert [str(n) for n in submitted.notices] == ([
        f"{form}: its version code '0badc0de' is not the one on a1's current sheet ({current!r}): the form was written "
        "on a sheet of an earlier build, whose problems have changed since; graded against the current key all the "
        "same: hand a1 the current sheet, or grade this form by hand"] if noticed else [])


@pytest.mark.parametrize("saved_last", ["current", "earlier"])
def test_a_form_from_an_earlier_builds_sheet_never_replaces_one_for_the_current_sheet(built: Path, tmp_path: Path,
                                                                                       saved_last: str) -> None:
    # GIVEN a1's form for the current sheet, and one with an earlier build's version code
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"]})
    current, earlier = tmp_path / "forms" / "a1.txt", tmp_path / "forms" / "a1-old.txt"
    lines = current.read_text(encoding="utf-8").splitlines()
    version = next(line.split(":")[1].strip() for line in lines if line.startswith("version:"))
    earlier.write_text("\n".join("version: 0badc0de" if line.startswith("version:") else
                                 line.split(":")[0] + ": 1 mV" if line[:1].isdigit() else line for line in lines) + "\n",
                       encoding="utf-8")
    first, last = (earlier, current) if saved_last == "current" else (current, earlier)
    os.utime(first, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    os.utime(last, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    # WHEN the forms are read, THEN the current sheet's form is graded, whichever was saved last
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert submitted.answers == {"a1": answers["a1"]} and submitted.sources == {"a1": str(current)}
    stale = (f"{earlier}: its version code '0badc0de' is not the one on a1's current sheet ({version!r}): the form "
             "was written on a sheet of an earlier build, whose problems have changed since; ")
    if saved_last == "current":
        assert [str(n) for n in submitted.notices] == [
            stale + "graded against the current key all the same: hand a1 the current sheet, or grade this form by hand",
            f"{current}: a second submission for a1 (first from {earlier}, 4 answered); this one (4 answered) is graded"]
    else:
        assert [str(n) for n in submitted.notices] == [
            stale + f"not graded: a1's submission for the current sheet ({current}) is"]


@pytest.mark.parametrize("saved_last", ["own", "foreign"])
def test_a_form_with_another_students_check_code_never_replaces_a_students_own_form(built: Path, tmp_path: Path,
                                                                                     saved_last: str) -> None:
    # GIVEN b2's own form, and a1's form with its student line changed to b2, saved before or after it
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, {"a1": answers["a1"], "b2": answers["b2"]})
    foreign, own = tmp_path / "forms" / "a1.txt", tmp_path / "forms" / "b2.txt"
    lines = foreign.read_text(encoding="utf-8").splitlines()
    foreign.write_text("\n".join("student: b2" if line.startswith("student:") else line for line in lines) + "\n",
                       encoding="utf-8")
    check = next(line.split(":")[1].strip() for line in lines if line.startswith("check:"))
    first, last = (foreign, own) if saved_last == "own" else (own, foreign)
    os.utime(first, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    os.utime(last, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    # WHEN the forms are read, THEN b2 is graded on their own form, whichever was saved last
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert submitted.answers == {"b2": answers["b2"]} and submitted.sources == {"b2": str(own)}
    if saved_last == "own":
        assert [str(n) for n in submitted.notices] == [
            f"{foreign}: its check code {check!r} is the one on a1's form, not b2's; graded as b2 all the same: was a "
            "form handed in under another student's id?",
            f"{own}: a second submission for b2 (first from {foreign}, 4 answered); this one (4 answered) is graded"]
    else:
        assert [str(n) for n in submitted.notices] == [
            f"{foreign}: its check code {check!r} is the one on a1's form, not b2's; not graded: b2's own submission "
            f"({own}) is. Was a form handed in under another student's id?"]


@pytest.mark.parametrize("source", ["blank-forms", "master-key", "no-answer-columns"])
def test_submissions_without_a_single_answer_are_refused_before_any_grade_is_written(built: Path, tmp_path: Path,
                                                                                     source: str) -> None:
    # GIVEN the wrong file: the build's blank answer forms, its master key, or a CSV of ids alone
    path = {"blank-forms": built / "students", "master-key": built / "keys" / "master-key.csv",
            "no-answer-columns": tmp_path / "ids.csv"}[source]
    if source == "no-answer-columns":
        path.write_text("Student ID,Comments\na1,late\nb2,\n", encoding="utf-8")
    # WHEN it is graded, THEN nothing is written and the error says why
    with pytest.raises(SubmissionsError) as caught:
        grade_exam(built, path, tmp_path / "grades")
    count = {"blank-forms": 3, "master-key": 3, "no-answer-columns": 2}[source]
    assert str(caught.value).startswith(
        f"the {count} submissions in {path} matched to roster students hold no answer at all (is it the right file? "
        "the build's blank forms, its master key and a grades.csv hold none), so nothing was graded and no grade file "
        "was written")
    assert not (tmp_path / "grades").exists()


def test_every_form_carries_its_own_students_check_code(built: Path, tmp_path: Path) -> None:
    answers, _ = scripted_answers(built)
    write_forms(tmp_path / "forms", built, answers)
    submitted = read_submissions(tmp_path / "forms", load_manifest(built))
    assert sorted(submitted.answers) == ["a1", "b2", "c3"] and submitted.notices == ()
    codes = {line for student in answers
             for line in (built / "students" / student / "answers.txt").read_text(encoding="utf-8").splitlines()
             if line.startswith("check: ")}
    assert len(codes) == 3


def test_a_roster_name_that_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path) -> None:
    # GIVEN a student whose roster name is a spreadsheet formula
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    roster = folder / "roster.csv"
    roster.write_text(roster.read_text(encoding="utf-8").replace("Kim Lee", '"=HYPERLINK(""http://x"",""y"")"'),
                      encoding="utf-8")
    out = build_exam(folder / "exam.toml", roster, folder / "out", ("md",)).out
    source = tmp_path / "subs.csv"
    write_csv(source, {"b2": {"1a": "1"}})
    grades = grade_exam(out, source, tmp_path / "grades").out
    # THEN every CSV we write shows it as text (a leading apostrophe), never as a formula
    name = "'=HYPERLINK(\"http://x\",\"y\")"
    assert {row["name"] for row in read_csv(grades / "grades.csv") if row["student_id"] == "b2"} == {name}
    assert [row["Student"] for row in read_csv(grades / "canvas-gradebook.csv") if row["ID"] == "b2"] == [name]
    assert [row["Full name"] for row in read_csv(grades / "moodle-grades.csv") if row["ID number"] == "b2"] == [name]
    assert {row["student_name"] for row in read_csv(out / "keys" / "master-key.csv") if row["student_id"] == "b2"} == {name}


@pytest.mark.parametrize("submitted", ["[click](http://evil.example) mV", "*-18.6* mV", "_-18.6_ mV", "`x` mV",
                                       "-18.6 [mV](http://x)"])
def test_markdown_feedback_shows_student_text_as_typed(built: Path, tmp_path: Path, submitted: str) -> None:
    # GIVEN an answer that is Markdown (a link, emphasis, code), echoed in its feedback
    from markdown_it import MarkdownIt

    source = tmp_path / "subs.json"
    source.write_text(json.dumps({"a1": {"1a": submitted}}), encoding="utf-8")
    markdown = (grade_exam(built, source, tmp_path / "g").out / "feedback" / "a1" / "feedback.md").read_text(
        encoding="utf-8").splitlines()
    # WHEN the feedback line is rendered, THEN it quotes the answer as typed: no link, emphasis or code
    line = markdown[next(i for i, text in enumerate(markdown) if text.startswith("- Your answer:")) + 1]
    rendered = MarkdownIt("commonmark").renderInline(line[2:])
    assert f"'{html.escape(submitted, quote=False)}' is not a number we can read" in rendered
    assert not re.search(r"<(a|em|strong|code)\b", rendered), rendered


@pytest.mark.parametrize(("shares", "total", "gradebook"), [
    ([3 / 7] * 7, 3.0, "3"),                       # seven parts of 3/7: not 2.9999999999999996
    ([0.325] + [1.0] * 9, 9.325, "9.33"),          # not 9.324999999999998, rounded down to 9.32
    ([0.1] * 3, 0.3, "0.3"),
], ids=["sevenths", "half-cent", "tenths"])
def test_a_students_total_is_the_sum_a_spreadsheet_gives(shares: list[float], total: float, gradebook: str) -> None:
    from problemgen.batch import PartResult, StudentResult
    from problemgen.results import _lms_score

    parts = tuple(PartResult(f"{i}a", "x", "correct", 1.0, share, share, None, None, "") for i, share in
                  enumerate(shares))
    result = StudentResult("a1", "A", "graded", parts)
    assert (result.points, result.max_points) == (total, total)
    assert _lms_score(result) == gradebook


@pytest.mark.parametrize("same_code", [True, False])
def test_grading_says_when_the_builds_own_graders_run_other_code(built: Path, tmp_path: Path, same_code: bool) -> None:
    # GIVEN a build, as this problemgen made it or as another one did (another grading-code digest)
    from problemgen.export.grader import grading_code

    build = tmp_path / "out"
    shutil.copytree(built, build)
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["grading_code"] == grading_code()
    if not same_code:
        manifest["grading_code"] = "0123456789abcdef"
        (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    source = tmp_path / "subs.json"
    source.write_text(json.dumps({"a1": {"1a": "1 mV"}}), encoding="utf-8")
    # WHEN it is graded, THEN a notice says whether grader/ and the Gradescope zip may grade otherwise
    notices = [str(n) for n in grade_exam(build, source, tmp_path / "g").notices]
    said = [n for n in notices if "grading code differs" in n]
    assert said == ([] if same_code else [
        f"{build}: was built by a problemgen whose grading code differs from this one's: its grader/ and "
        "gradescope-autograder.zip may grade some answers otherwise than these results; rebuild it (--force; the "
        "build names any student whose key changes) to update them"])


@pytest.mark.parametrize(("title", "column"), [("Midterm (2026)", "Midterm [2026]"), ("Quiz 3", "Quiz 3"),
                                               ("Exam (part 2)", "Exam (part 2)")])
def test_a_canvas_column_never_reads_as_an_assignment_id(title: str, column: str) -> None:
    # Canvas takes a closing "(digits)" for an assignment id: an exam title must not end like one
    from problemgen.results import _column_title

    manifest = {"exam": {"title": title}}
    assert (_column_title(manifest, "canvas"), _column_title(manifest, "moodle")) == (column, title)
