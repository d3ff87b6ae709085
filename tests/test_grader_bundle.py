"""The exported graders grade exactly as the batch grader does, with nothing but the bundle.

``grader/grade.py`` runs in a subprocess with ``python -I`` from a copy of the folder; the
Gradescope zip is unpacked into a temporary ``AUTOGRADER_ROOT`` as Gradescope does it, and every
``results.json`` it writes, graded or failed, is validated against a schema transcribed from
``formats.md`` §4.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from problemgen.batch import StudentResult, grade_all, grade_student, load_manifest, read_submissions
from problemgen.build import build_exam
from problemgen.export.grader import VENDORED, WRITERS, write_grader_bundle
from problemgen.results import grade_exam, spreadsheet_text

DATA = Path(__file__).parent / "data"
SCHEMA = json.loads((DATA / "gradescope-results.schema.json").read_text(encoding="utf-8"))
NERNST_EXPRESSION: dict[str, Any] = {
    "kind": "symbolic", "expression": "R*T/(z*F)*ln(co/ci)",
    "variables": {"T": [250, 350], "z": {"values": [1, -1, 2, -2]}, "co": "positive", "ci": "positive"},
    "constants": {"R": 8.314462618, "F": 96485.33212}, "rtol": 1e-3,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small test exam, built once for this module (as tests/test_build.py builds it)."""
    folder = tmp_path_factory.mktemp("exam")
    shutil.copytree(DATA / "small-exam", folder, dirs_exist_ok=True)
    return build_exam(folder / "exam.toml", folder / "roster.csv", folder / "out", ("html", "md")).out


def _parts(manifest: dict[str, Any], student_id: str) -> list[dict[str, Any]]:
    student = next(s for s in manifest["students"] if s["id"] == student_id)
    return [part for problem in student["problems"] for part in problem["parts"]]


def _correct(expected: dict[str, Any]) -> str:
    if expected["kind"] == "numeric":
        return f"{expected['value']:.6g} {expected['unit']}".strip()
    return expected["answer"] if expected["kind"] == "choice" else expected["expression"]


def answer_table(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    """a1: every answer correct; b2: wrong, a misconception, invalid and blank; c3 hands in nothing."""
    a1 = {part["label"]: _correct(part["expected"]) for part in _parts(manifest, "a1")}
    b2 = {part["label"]: part["expected"] for part in _parts(manifest, "b2")}
    assert b2["2a"]["misconceptions"], "the test exam's variant of b2 lost its misconception"
    b2_answers = {"1a": f"{b2['1a']['value'] * 1.5:.6g} mV",
                  "2a": f"{next(iter(b2['2a']['misconceptions'].values())):.6g} mV",
                  "2b": "12 mV + 3 mV", "2c": ""}
    return {"a1": a1, "b2": b2_answers}


def _form(student: str, answers: dict[str, str], header: bool = True) -> str:
    lines = ["# filled answer form", "exam: small-exam"] + ([f"student: {student}"] if header else [])
    return "\n".join(lines + [f"{label}: {text}" for label, text in answers.items()]) + "\n"


def write_submissions(folder: Path, kind: str, table: dict[str, dict[str, str]]) -> Path:
    """The same answers as a folder of forms, a CSV (with LMS extras, b2 by email) or JSON."""
    folder.mkdir(parents=True)
    if kind == "forms":
        for student, answers in table.items():
            (folder / f"{student}.txt").write_text(_form(student, answers), encoding="utf-8")
        (folder / "stranger.txt").write_text(_form("zz9", table["a1"]), encoding="utf-8")
        return folder
    if kind == "csv":
        path = folder / "answers.csv"
        labels = list(table["a1"])
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["Email Address", "Timestamp", *(f"{label} [mV]" for label in labels)])
            for student, answers in table.items():
                who = "kim@example.edu" if student == "b2" else student
                writer.writerow([who, "2026-12-01 10:00", *(answers[label] for label in labels)])
        return path
    path = folder / "answers.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    return {**env, **extra}


def read_grades(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def assert_same_grades(rows: list[dict[str, str]], results: list[StudentResult]) -> None:
    """grades.csv rows equal the batch grader's results, part by part (numbers as written, 10 digits)."""
    expected = [(s, p) for s in results for p in s.parts]
    assert len(rows) == len(expected)
    for row, (student, part) in zip(rows, expected):
        assert (row["student_id"], row["name"], row["label"]) == (student.student_id, student.name, part.label)
        verdict = part.verdict if student.status == "graded" else "missing"
        assert (row["verdict"], row["misconception"], row["submitted"]) == \
            (verdict, part.misconception or "", spreadsheet_text(part.submitted)), row
        numbers = [float(row[key]) for key in ("score", "points", "max_points")]
        assert numbers == pytest.approx([part.score, part.points, part.max_points], rel=1e-9, abs=1e-6), row
        if part.value is None:
            assert row["value"] == "", row
        else:
            assert float(row["value"]) == pytest.approx(part.value, rel=1e-9), row


# --- grader/grade.py -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["forms", "csv", "json"])
def test_grade_py_gives_the_batch_graders_grades(built: Path, tmp_path: Path, kind: str) -> None:
    # GIVEN a copy of the grader folder alone and submissions with every kind of answer
    grader = shutil.copytree(built / "grader", tmp_path / "elsewhere" / "grader")
    manifest = load_manifest(built)
    submissions = write_submissions(tmp_path / "submissions", kind, answer_table(manifest))
    # WHEN grade.py runs isolated (-I: no PYTHONPATH, no user site, not the cwd) from a temp dir
    run = subprocess.run([sys.executable, "-I", str(grader / "grade.py"), str(submissions)],
                         cwd=tmp_path / "elsewhere", env=clean_env(), capture_output=True, text=True, timeout=60)
    # THEN it grades exactly as the batch grader, and reports what it skipped without crashing
    assert run.returncode == 0, run.stderr
    results, notices = grade_all(manifest, read_submissions(submissions, manifest))
    assert_same_grades(read_grades(grader / "grades" / "grades.csv"), results)
    verdicts = {(r.student_id, p.label): (p.verdict, p.misconception) for r in results for p in r.parts}
    assert {v for (s, _), v in verdicts.items() if s == "a1"} == {("correct", None)}
    assert [verdicts[("b2", label)][0] for label in ("1a", "2a", "2b", "2c")] == \
        ["incorrect", "incorrect", "invalid", "invalid"]
    assert verdicts[("b2", "2a")][1] is not None
    assert "- c3: no submission found; 0 in grades.csv, no score in the LMS gradebooks" in run.stdout
    # AND its grades, gradebook CSVs and summary are byte for byte those of `problemgen grade`
    grade_exam(built, submissions, tmp_path / "problemgen-grade")
    for name in ("grades.csv", "canvas-gradebook.csv", "moodle-grades.csv", "summary.txt"):
        assert (grader / "grades" / name).read_bytes() == (tmp_path / "problemgen-grade" / name).read_bytes(), name


def test_grade_py_never_replaces_earlier_results_silently(built: Path, tmp_path: Path) -> None:
    grader = shutil.copytree(built / "grader", tmp_path / "grader") / "grade.py"
    submissions = write_submissions(tmp_path / "in", "forms", answer_table(load_manifest(built)))
    out = tmp_path / "out"

    def grade(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", str(grader), str(submissions), "--out", str(out), *options],
                              cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60)

    assert grade().returncode == 0
    (out / "grades.csv").write_text("earlier", encoding="utf-8")
    run = grade()
    assert run.returncode == 1
    assert run.stderr == (f"Error: {out} already exists; use --force to replace it (the previous grading run stays "
                          "until the new one is complete), or choose another --out\n")
    assert (out / "grades.csv").read_text(encoding="utf-8") == "earlier"
    assert grade("--force").returncode == 0
    assert (out / "grades.csv").read_bytes().startswith(
        b"student_id,name,label,verdict,score,points,max_points,value,misconception,submitted\r\n")


def test_the_bundle_needs_only_numpy_and_itself(built: Path, tmp_path: Path) -> None:
    # GIVEN a bundle whose manifest also has a symbolic part, and a site folder holding only numpy
    # (-S drops site-packages, so neither an installed problemgen nor sympy can be reached)
    manifest = load_manifest(built)
    for student in manifest["students"]:
        student["problems"][0]["parts"].append({"label": "1b", "name": "expr", "points": 1.0,
                                                "expected": NERNST_EXPRESSION})
    write_grader_bundle(tmp_path / "build", manifest)
    site = tmp_path / "site"
    site.mkdir()
    import numpy

    numpy_dir = Path(numpy.__file__).parent
    for sibling in numpy_dir.parent.glob("numpy*"):
        if sibling.is_dir() and not sibling.name.endswith(".dist-info"):
            (site / sibling.name).symlink_to(sibling)
    table = answer_table(manifest)
    table["a1"]["1b"], table["b2"]["1b"] = "R T/(z F) ln(co/ci)", "R T/(z F) log10(co/ci)"
    submissions = write_submissions(tmp_path / "in", "json", table)
    runner = ("import json, runpy, sys\n"
              f"sys.path.insert(0, {str(site)!r})\n"
              f"sys.argv = ['grade.py', {str(submissions)!r}, '--out', {str(tmp_path / 'out')!r}]\n"
              "try:\n"
              f"    runpy.run_path({str(tmp_path / 'build' / 'grader' / 'grade.py')!r}, run_name='__main__')\n"
              "finally:\n"
              # Modules without a file (cython_runtime, made by numpy's extensions) are not imports.
              "    names = {m.partition('.')[0] for m, module in sys.modules.items()\n"
              "             if getattr(module, '__file__', None)} - set(sys.stdlib_module_names)\n"
              "    files = {m: sys.modules[m].__file__ for m in sys.modules if m.startswith('problemgen')}\n"
              f"    open({str(tmp_path / 'modules.json')!r}, 'w').write(json.dumps([sorted(names), files]))\n")
    # WHEN grade.py runs with only that
    run = subprocess.run([sys.executable, "-I", "-S", "-c", runner], cwd=tmp_path, env=clean_env(),
                         capture_output=True, text=True, timeout=60)
    # THEN it imports nothing but numpy and its own copy, and still grades exactly as the batch grader
    assert run.returncode == 0, run.stderr
    names, files = json.loads((tmp_path / "modules.json").read_text())
    assert set(names) <= {"__main__", "numpy", "problemgen"}
    assert all(Path(f).is_relative_to(tmp_path / "build" / "grader") for f in files.values()), files
    results, _ = grade_all(manifest, read_submissions(submissions, manifest))
    assert_same_grades(read_grades(tmp_path / "out" / "grades.csv"), results)
    assert [p.verdict for r in results for p in r.parts if p.label == "1b"] == ["correct", "incorrect", "invalid"]
    requirements = (tmp_path / "build" / "grader" / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if not line.startswith("#")] == [f"numpy=={numpy.__version__}"]


def _imports(tree: ast.AST) -> set[str]:
    """Modules a file imports, except inside ``try: ... except ImportError`` (optional ones)."""
    optional = {id(node) for t in ast.walk(tree) if isinstance(t, ast.Try)
                and any(ast.unparse(h.type or ast.Name("")) in ("ImportError", "ModuleNotFoundError")
                        for h in t.handlers) for s in t.body for node in ast.walk(s)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            names.add(node.module or "")
    return names


def test_the_vendored_modules_import_only_each_other_the_stdlib_and_numpy(built: Path) -> None:
    # The CSV writers' modules are held to this only at import time: their feedback and report
    # writers import jinja2 and matplotlib inside functions the exported grader never calls.
    root = built / "grader" / "problemgen"
    shipped = {".".join(("problemgen", *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
               for p in root.rglob("*.py")}
    assert len(shipped) >= len(VENDORED) + len(WRITERS)
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name in WRITERS:
            tree = ast.Module([node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))], [])
        for name in _imports(tree):
            top = name.partition(".")[0]
            if top == "problemgen":
                assert name in shipped, f"{path.name} imports {name}, which the bundle lacks"
            else:
                assert top in sys.stdlib_module_names or top == "numpy", f"{path.name} imports {name}"


def test_a_bundle_from_a_loaded_manifest_equals_the_one_streamed_by_the_build(built: Path, tmp_path: Path) -> None:
    count = write_grader_bundle(tmp_path, load_manifest(built))
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert count == len(files)
    assert files == sorted(p.relative_to(built) for p in (built / "grader").rglob("*") if p.is_file()
                           and "__pycache__" not in p.parts) + [Path("gradescope-autograder.zip")]
    for relative in files:
        assert (tmp_path / relative).read_bytes() == (built / relative).read_bytes(), relative


def test_the_bundle_files_are_copies_of_the_installed_modules(built: Path) -> None:
    import problemgen

    package = Path(problemgen.__file__).parent
    for path in (built / "grader" / "problemgen").rglob("*.py"):
        relative = path.relative_to(built / "grader" / "problemgen")
        assert path.read_bytes() == (package / relative).read_bytes(), relative
    trimmed = json.loads((built / "grader" / "manifest.json").read_text(encoding="utf-8"))
    student = trimmed["students"][0]
    assert set(student) == {"id", "name", "email", "sis_id", "form_version", "problems"}
    assert set(student["problems"][0]["parts"][0]) == {"label", "name", "points", "expected"}
    assert "misconception_feedback" not in student["problems"][0]["parts"][0]["expected"]  # kept once, in the header
    assert load_manifest(built / "grader")["students"] == [
        {key: student[key] for key in ("id", "name", "email", "sis_id", "form_version")} | {"problems": [
            {"slot": problem["slot"], "template": problem["template"],
             "parts": [{key: part[key] for key in ("label", "name", "points", "expected")} for part in problem["parts"]]}
            for problem in student["problems"]]}
        for student in load_manifest(built)["students"]]


# --- gradescope-autograder.zip ---------------------------------------------------------------------

def test_the_zip_has_setup_and_run_autograder_at_its_root_executable(built: Path) -> None:
    with zipfile.ZipFile(built / "gradescope-autograder.zip") as archive:
        infos = {info.filename: info for info in archive.infolist()}
        scripts = {name: archive.read(name) for name in ("setup.sh", "run_autograder")}
    assert {name for name in infos if "/" not in name} == {"setup.sh", "run_autograder"}
    assert all(name.startswith("grader/") for name in infos if "/" in name)
    assert {"grader/grade.py", "grader/autograde.py", "grader/manifest.json", "grader/requirements.txt",
            "grader/problemgen/batch.py"} <= set(infos)
    for name, text in scripts.items():
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755, name
        assert text.startswith(b"#!/usr/bin/env bash\n"), name
        assert subprocess.run(["bash", "-n"], input=text, capture_output=True).returncode == 0, name


def autograder_root(built: Path, root: Path) -> Path:
    """Gradescope's layout: the zip unpacked in source/ (with its modes), run_autograder copied up."""
    with zipfile.ZipFile(built / "gradescope-autograder.zip") as archive:
        for info in archive.infolist():
            target = Path(archive.extract(info, root / "source"))
            target.chmod(stat.S_IMODE(info.external_attr >> 16))
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "venv" / "bin").mkdir(parents=True)
    (root / "venv" / "bin" / "python").symlink_to(sys.executable)  # what setup.sh would install
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, user: dict[str, Any] | None = None) -> dict[str, Any]:
    if user is not None:
        metadata = {"id": 1, "created_at": "2026-12-01T10:00:00Z", "assignment": {"total_points": 5.0},
                    "users": [user], "previous_submissions": []}
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    run = subprocess.run([str(root / "run_autograder")], cwd=root, env=clean_env(AUTOGRADER_ROOT=str(root)),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    return results


@pytest.mark.parametrize(("user", "student", "header"), [
    ({"email": "JANE@example.edu", "id": 5, "name": "Jane"}, "a1", True),
    ({"email": "other@example.org", "sid": " b2 ", "id": 6, "name": "Kim"}, "b2", True),
    ({"email": "kim@example.edu", "id": 7, "name": "Kim"}, "b2", False),
], ids=["email-any-case", "sis-id", "form-without-student-line"])
def test_run_autograder_grades_the_students_own_variant(built: Path, tmp_path: Path, user: dict[str, Any],
                                                        student: str, header: bool) -> None:
    # GIVEN the student's filled form as their Gradescope submission
    manifest = load_manifest(built)
    answers = answer_table(manifest)[student]
    root = autograder_root(built, tmp_path / "autograder")
    (root / "submission" / "answers.txt").write_text(_form(student, answers, header), encoding="utf-8")
    # WHEN run_autograder runs, THEN results.json has one test per part with the batch grader's scores
    results = run_autograder(root, user)
    expected = grade_student(next(s for s in manifest["students"] if s["id"] == student), answers)
    assert results["score"] == expected.points
    assert [(t["name"], t["score"], t["max_score"], t["extra_data"]["verdict"]) for t in results["tests"]] == \
        [(f"Part {p.label}", p.points, p.max_points, p.verdict) for p in expected.parts]
    for test, part in zip(results["tests"], expected.parts):
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert part.feedback in test["output"]
    assert ("'student:' line is missing" in results["output"]) is not header


def test_a_form_of_another_student_is_named_to_the_instructor_not_to_the_submitter(built: Path,
                                                                                  tmp_path: Path) -> None:
    # GIVEN a1's own answer form (with its check code), handed in from b2's account
    from problemgen.export.runtime import OTHER_FORM

    form = (built / "students" / "a1" / "answers.txt").read_text(encoding="utf-8")
    root = autograder_root(built, tmp_path / "autograder")
    (root / "submission" / "answers.txt").write_text(form, encoding="utf-8")
    results = run_autograder(root, {"email": "kim@example.edu", "id": 7, "name": "Kim"})
    # THEN it is graded as b2's, and what b2 sees says it is not their form without naming whose
    assert results["extra_data"]["student_id"] == "b2"
    assert f"Note: {OTHER_FORM}" in results["output"] and "a1" not in results["output"]


def test_a_form_from_a_sheet_of_an_earlier_build_is_refused_visibly(built: Path, tmp_path: Path) -> None:
    # GIVEN a1's form with the version code of a sheet the exam was rebuilt over, handed in by a1
    from problemgen.export.runtime import STALE_FORM

    form = (built / "students" / "a1" / "answers.txt").read_text(encoding="utf-8")
    stale = "\n".join("version: 0badc0de" if line.startswith("version:") else line for line in form.splitlines())
    root = autograder_root(built, tmp_path / "autograder")
    (root / "submission" / "answers.txt").write_text(stale + "\n1a: -64 mV\n", encoding="utf-8")
    results = run_autograder(root, {"email": "jane@example.edu", "id": 5, "name": "Jane"})
    # THEN nothing is graded, and a1 sees now (failures are shown whatever the exam's visibility)
    # that the form is out of date (not the codes)
    assert results["extra_data"] == {"error": "earlier_sheet", "student_id": "a1"}
    assert results["visibility"] == "visible" and results["score"] == 0 and results["tests"] == []
    assert results["output"] == f"{STALE_FORM[0].upper()}{STALE_FORM[1:]}. Nothing was graded."


@pytest.mark.parametrize("content", [None, "# my notes\nremember the units\n"], ids=["blank-form", "not-a-form"])
def test_a_submission_with_no_answer_is_refused_visibly(built: Path, tmp_path: Path, content: str | None) -> None:
    # GIVEN a1's blank answer form, or a text file that is no form, handed in from a1's account
    from problemgen.export.runtime import BLANK

    root = autograder_root(built, tmp_path / "autograder")
    text = (built / "students" / "a1" / "answers.txt").read_text(encoding="utf-8") if content is None else content
    (root / "submission" / "answers.txt").write_text(text, encoding="utf-8")
    results = run_autograder(root, {"email": "jane@example.edu", "id": 5, "name": "Jane"})
    # THEN the student sees now (whatever the exam's visibility) that nothing was graded
    assert results["visibility"] == "visible" and results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith(BLANK.format(name="answers.txt"))


def test_an_answer_shown_back_is_html_escaped(built: Path, tmp_path: Path) -> None:
    root = autograder_root(built, tmp_path / "autograder")
    (root / "submission" / "answers.txt").write_text(_form("a1", {"1a": "<script>alert(1)</script>"}),
                                                     encoding="utf-8")
    results = run_autograder(root, {"email": "jane@example.edu"})
    assert results["test_output_format"] == "simple_format"
    assert "<script>" not in json.dumps(results)
    assert results["tests"][0]["output"].startswith("Your answer: &lt;script&gt;alert(1)&lt;/script&gt;\n")


def _break_bundle(root: Path) -> None:
    (root / "source" / "grader" / "manifest.json").write_text("{", encoding="utf-8")


def _no_python_grader(root: Path) -> None:
    (root / "source" / "grader" / "autograde.py").unlink()


@pytest.mark.parametrize(("user", "submission", "damage", "message"), [
    ({"email": "nobody@example.org", "id": 9}, "answers.txt", None,
     "Your Gradescope account (nobody@example.org) is not on this exam's roster"),
    ({"email": "jane@example.edu"}, None, None, "No answer file was found in your submission."),
    ({"email": "jane@example.edu"}, "notes.pdf", None, "No answer file was found in your submission."),
    ({"email": "jane@example.edu"}, "answers.csv", None, "No answers for you could be read from answers.csv."),
    (None, "answers.txt", None, "The autograder could not read submission_metadata.json"),
    ({"email": "jane@example.edu"}, "answers.txt", _break_bundle, "The autograder failed while grading"),
    ({"email": "jane@example.edu"}, "answers.txt", _no_python_grader, "The autograder could not start"),
], ids=["unknown-student", "no-submission", "not-an-answer-file", "csv-without-the-student", "no-metadata",
        "broken-bundle", "grader-cannot-start"])
def test_every_failure_still_writes_a_valid_results_json(built: Path, tmp_path: Path, user: dict[str, Any] | None,
                                                         submission: str | None, damage: Any, message: str) -> None:
    root = autograder_root(built, tmp_path / "autograder")
    if submission:
        (root / "submission" / submission).write_text("1a,2a\n60 mV,1 mV\n", encoding="utf-8") \
            if submission.endswith(".csv") else (root / "submission" / submission).write_text(
                _form("a1", {"1a": "60 mV"}), encoding="utf-8")
    if damage:
        damage(root)
    results = run_autograder(root, user)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith(message), results["output"]


@pytest.mark.parametrize("visibility", ["after_published", "hidden"])
def test_the_exam_chooses_when_gradescope_shows_the_results(tmp_path: Path, visibility: str) -> None:
    # GIVEN an exam that asks Gradescope to hold its results back
    folder = tmp_path / "exam"
    shutil.copytree(DATA / "small-exam", folder)
    config = folder / "exam.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[grading]\n", f'[grading]\ngradescope_visibility = "{visibility}"\n', 1), encoding="utf-8")
    out = build_exam(config, folder / "roster.csv", folder / "out", ("md",)).out
    manifest = load_manifest(out)
    root = autograder_root(out, tmp_path / "autograder")
    (root / "submission" / "answers.txt").write_text(_form("a1", answer_table(manifest)["a1"], True), encoding="utf-8")
    # WHEN the autograder grades a submission, THEN the total and every part follow that choice
    results = run_autograder(root, {"email": "jane@example.edu", "id": 5, "name": "Jane"})
    assert results["visibility"] == visibility
    assert {test["visibility"] for test in results["tests"]} == {visibility}


@pytest.mark.parametrize(("points", "shown", "hundredths"), [
    (0.125, "0.13", "0.13"),
    (2.958933, "2.96", "2.96"),
    (23.00000000000001, "23", "23.00"),
    (1 / 3, "0.33", "0.33"),
    (0.0, "0", "0.00"),
])
def test_points_are_shown_to_the_cent_rounded_half_up_like_the_gradebooks(points: float, shown: str,
                                                                          hundredths: str) -> None:
    from problemgen.documents import _hundredths
    from problemgen.export.runtime import _shown_points

    assert _shown_points(points) == shown
    assert _hundredths(points) == hundredths


def test_gradescope_scores_carry_no_float_noise() -> None:
    from problemgen.batch import PartResult
    from problemgen.export.runtime import _results

    parts = tuple(PartResult(f"{i}a", "1 mV", "correct", 1.0, 23 / 7, 23 / 7, 1.0, None, "Correct.") for i in range(7))
    result = StudentResult("s1", "Ada", "graded", parts, "answers.txt")
    assert result.points == 23  # summed without float noise
    results = _results(result, [], {})
    assert results["score"] == 23.0 and results["tests"][0]["score"] == round(23 / 7, 6)
    assert results["output"].startswith("Graded against your own version of the exam: 23 of 23 points.")
