"""``problemgen grade``: grade a pile of submissions and write every result file at once.

Writes, into one folder moved into place only when complete: ``grades.csv`` (student × part),
``feedback/<id>/feedback.html`` and ``.md``, ``canvas-gradebook.csv`` and ``moodle-grades.csv``
(formats in ``reference/formats.md`` §6), ``report.html`` (histogram, item analysis,
misconceptions) and ``summary.txt`` (every notice). Earlier results are replaced only with
``--force``. Re-grading the same inputs gives the same files.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from problemgen.atomic import check_replaceable, writing_folder
from problemgen.batch import (ManifestError, Notice, StudentIdentity, StudentResult, Submissions, grade_student,
                              load_manifest, read_submissions, require_submissions, run_notices, student_identities)
from problemgen.numbers import format_decimals

GRADES_COLUMNS = ["student_id", "name", "label", "verdict", "score", "points", "max_points", "value", "misconception",
                  "submitted"]


@dataclass(frozen=True)
class GradeSummary:
    """What a grading run did, for the CLI to print."""

    out: Path
    graded: int
    missing: int
    notices: tuple[Notice, ...]
    mean_points: float
    max_points: float
    verdicts: dict[str, int]
    """Answers of graded students per verdict, blank answers counted apart (``blank``) from the
    other invalid ones."""
    seconds: float


def grade_exam(exam_dir: Path, submissions: Path, out: Path | None = None, force: bool = False,
               processes: int | None = None, progress: Callable[[int, int], None] | None = None) -> GradeSummary:
    """Grade ``submissions`` against the build in ``exam_dir``; results go to ``out`` (default exam_dir/grades).

    ``processes``: workers grading and writing feedback (default: every core for 200 students or more).
    ``progress(done, total)`` is called as students are graded.
    """
    started = time.perf_counter()
    if (exam_dir / "grade.py").is_file() and not (exam_dir / "students").is_dir():
        raise ManifestError(f"{exam_dir} is an exported grader, which holds no sheets or solutions for feedback: "
                            f"give `problemgen grade` the build folder ({exam_dir.resolve().parent}), or run "
                            f"`python {exam_dir / 'grade.py'} SUBMISSIONS` for grade files alone")
    manifest = load_manifest(exam_dir, lazy=True)
    submitted = read_submissions(submissions, manifest)
    require_submissions(submitted, submissions)
    out = (out or exam_dir / "grades").resolve()
    check_replaceable(out, force, "grades.csv", "grading run")
    with writing_folder(out) as folder:
        outcomes = _grade_with_feedback(folder / "feedback", manifest, submitted, processes, exam_dir / "keys",
                                        progress)
        results = [result for result, _ in outcomes]
        with _results_kept_out_of_gc():
            notices = [*_grader_notice(exam_dir, manifest), *run_notices(submitted, results)]
            _write_grades_rows(folder / "grades.csv", (rows for _, rows in outcomes))
            write_canvas_csv(folder / "canvas-gradebook.csv", manifest, results)
            write_moodle_csv(folder / "moodle-grades.csv", manifest, results)
            _write_report(folder / "report.html", manifest, results, notices)
            (folder / "summary.txt").write_text(summary_text(results, notices), encoding="utf-8")
    graded = [r for r in results if r.status == "graded"]
    # A blank answer is invalid (rules §1), but the summary counts blanks apart.
    verdicts = Counter("blank" if p.verdict == "invalid" and not p.submitted.strip() else p.verdict
                       for r in graded for p in r.parts)
    mean = sum(r.points for r in graded) / len(graded) if graded else 0.0
    return GradeSummary(out, len(graded), len(results) - len(graded), tuple(notices), mean,
                        results[0].max_points if results else 0.0, dict(sorted(verdicts.items())),
                        time.perf_counter() - started)


@contextlib.contextmanager
def _results_kept_out_of_gc() -> Iterator[None]:
    """Leave the objects that exist now (every student's results) out of garbage collection while
    the reports are written: they hold no cycles, and each collection would walk all of them
    (a fifth of the report's time at 10,000 students)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


def write_grades_csv(path: Path, results: list[StudentResult]) -> None:
    """One row per student and part (the shared format of every grader)."""
    _write_grades_rows(path, map(grades_rows, results))


def grades_rows(result: StudentResult) -> str:
    """One student's rows of grades.csv as CSV text (formatted where the student is graded, so
    the process writing the file only joins them)."""
    buffer = io.StringIO()
    name = spreadsheet_text(result.name)
    csv.writer(buffer).writerows([result.student_id, name, part.label,
                                  part.verdict if result.status == "graded" else "missing", _number(part.score),
                                  _number(round(part.points, 6)), _number(round(part.max_points, 6)),
                                  _number(part.value), part.misconception or "", spreadsheet_text(part.submitted)]
                                 for part in result.parts)
    return buffer.getvalue()


#: What a spreadsheet opening a CSV reads as a formula: a cell starting with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_text(text: str) -> str:
    """Student text (answers, names) for a CSV cell: text a spreadsheet would run as a formula
    (``=HYPERLINK(…)``, ``-2+3``, ``-64.1 mV``) gets a leading apostrophe; plain numbers
    (``-64.1``) stay as they are."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _write_grades_rows(path: Path, rows: Iterable[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(GRADES_COLUMNS)
        handle.writelines(rows)


def _students(manifest: dict[str, Any]) -> dict[str, StudentIdentity]:
    return {s.id: s for s in student_identities(manifest)}


def _grade_with_feedback(folder: Path, manifest: dict[str, Any], submitted: Submissions,
                         processes: int | None = None, keys: Path | None = None,
                         progress: Callable[[int, int], None] | None = None) -> list[tuple[StudentResult, str]]:
    """Grade every roster student and write their feedback in HTML and Markdown, in roster order;
    each student comes back with their rows of grades.csv.

    Each student is graded and their feedback written by the same task, on every core for large
    runs; the results come back in roster order, so the files do not depend on the workers.
    A problem's figure is taken from the build's ``keys/<id>/`` folder: inline in the HTML, a file
    beside the Markdown (left out, with a pointer to the sheet, if the build no longer has it).
    """
    from problemgen.parallel import ordered_map
    from problemgen.report import prepare_report

    show_solutions = bool(manifest["grading"].get("show_solutions", True))

    def grade_and_explain(index: int) -> tuple[StudentResult, str]:
        from problemgen.documents import render_document

        entry = manifest["students"][index]  # parsed here, in the worker
        result = grade_student(entry, submitted.answers.get(entry["id"]), submitted.sources.get(entry["id"], ""))
        by_label = {p.label: p for p in result.parts}
        # Namespaces, not dicts: jinja reads ``part.prompt`` as an attribute first, and a dict
        # answers that with an exception each time (a third of the rendering time).
        problems = [SimpleNamespace(**{**problem, "parts": [SimpleNamespace(**part, result=by_label[part["label"]])
                                                            for part in problem["parts"]],
                                       "figure": problem.get("figure", ""), "figure_svg": ""})
                    for problem in entry["problems"]]
        # Without a submission the key stays out: late or excused work may still come in.
        shown = show_solutions and result.status == "graded"
        context = dict(exam=SimpleNamespace(**manifest["exam"]), result=result, problems=problems,
                       show_solutions=shown, show_answers=shown)
        target = folder / entry["folder"]
        target.mkdir(parents=True)
        for problem in problems:
            if problem.figure:
                problem.figure_svg = _figure(keys, entry["folder"], problem.figure)
                if problem.figure_svg:
                    (target / problem.figure).write_text(problem.figure_svg, encoding="utf-8")
        (target / "feedback.html").write_text(render_document("feedback.html.j2", **context), encoding="utf-8")
        (target / "feedback.md").write_text(render_document("feedback.md.j2", **context), encoding="utf-8")
        return result, grades_rows(result)

    total = len(manifest["students"])
    outcomes = ordered_map(grade_and_explain, total, processes, chunksize=32, meanwhile=prepare_report)
    if progress is None:
        return list(outcomes)
    graded = []
    for outcome in outcomes:
        graded.append(outcome)
        if len(graded) % 50 == 0 or len(graded) == total:
            progress(len(graded), total)
    return graded


_FIGURE_NAME = re.compile(r"figure-[0-9.]+\.svg")


def _figure(keys: Path | None, folder: str, name: str) -> str:
    """The SVG of a student's figure from the build's keys folder ("" when it is gone)."""
    if keys is None or not _FIGURE_NAME.fullmatch(name):
        return ""  # only the names a build writes (figure-3.svg, figure-3.1.svg), never a path
    try:
        svg = (keys / folder / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    return svg if svg.lstrip().startswith("<svg") else ""


def _column_title(manifest: dict[str, Any], lms: str = "moodle") -> str:
    """The gradebook column of the exam: for Canvas the assignment column of its roster export
    (``Midterm (12345)``, which Canvas matches by id) when the build found one, else the title."""
    exam = manifest["exam"]
    if lms == "canvas" and exam.get("canvas_column"):
        return str(exam["canvas_column"])
    title = str(exam["title"])
    if lms == "canvas" and _CANVAS_ID.search(title):
        # Canvas reads a closing "(12345)" as an assignment id: "Midterm (2026)" would go to assignment 2026.
        return _CANVAS_ID.sub(r"[\1]", title)
    return title


#: A column title's closing "(digits)", which Canvas takes for the id of an assignment.
_CANVAS_ID = re.compile(r"\((\d+)\)\s*$")


def write_canvas_csv(path: Path, manifest: dict[str, Any], results: list[StudentResult]) -> None:
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the exam column
    (blank for a student without a submission)."""
    students = _students(manifest)
    title = _column_title(manifest, "canvas")
    columns = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerow({"Student": "Points Possible", title: _number(results[0].max_points if results else 0)})
        for result in results:
            entry = students[result.student_id]
            writer.writerow({"Student": spreadsheet_text(result.name), "ID": result.student_id, "SIS User ID": entry.sis_id,
                             "SIS Login ID": entry.email, "Section": "",
                             title: _lms_score(result)})


def _lms_score(result: StudentResult) -> str:
    """A student's score for an LMS gradebook; blank without a submission, which both Canvas and
    Moodle read as "no score" (the instructor decides: late, excused or zero)."""
    return "" if result.status == "missing" else _number(float(format_decimals(result.points, 2)))


def write_moodle_csv(path: Path, manifest: dict[str, Any], results: list[StudentResult]) -> None:
    """Moodle grade import: an identifier column (email and ID number) and one grade column."""
    students = _students(manifest)
    title = _column_title(manifest)
    columns = ["Email address", "ID number", "Full name", title]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for result in results:
            entry = students[result.student_id]
            # A Canvas roster's SIS Login ID may be a user name: only an address goes under "Email address".
            email = entry.email if "@" in entry.email else ""
            # A student known by email alone (a Moodle row without an ID number) has no ID number:
            # their email would match nobody's there, so Moodle must map them by "Email address".
            number = entry.sis_id or ("" if result.student_id == entry.email and email else result.student_id)
            writer.writerow({"Email address": email, "ID number": number,
                             "Full name": spreadsheet_text(result.name), title: _lms_score(result)})


def _grader_notice(exam_dir: Path, manifest: Mapping[str, Any]) -> list[Notice]:
    """A notice when the build's own graders (grader/, the Gradescope zip) run other grading code
    than this problemgen, so their grades may differ from these."""
    from problemgen.export.grader import grading_code

    built_with = manifest.get("grading_code")
    if not built_with or built_with == grading_code():
        return []
    return [Notice(str(exam_dir), "was built by a problemgen whose grading code differs from this one's: its grader/ "
                                  "and gradescope-autograder.zip may grade some answers otherwise than these results; "
                                  "rebuild it (--force; the build names any student whose key changes) to update them")]


def _write_report(path: Path, manifest: dict[str, Any], results: list[StudentResult], notices: list[Notice]) -> None:
    try:
        from problemgen.report import render_report
    except ImportError:  # the report module is optional until it lands
        return
    path.write_text(render_report(results, manifest, notices), encoding="utf-8")


def summary_text(results: list[StudentResult], notices: list[Notice]) -> str:
    """Plain-text summary: counts, blank answers and every notice."""
    graded = [r for r in results if r.status == "graded"]
    blanks = sum(1 for r in graded for p in r.parts if not p.submitted.strip())
    lines = [f"students: {len(results)} ({len(graded)} graded, {len(results) - len(graded)} without a submission)",
             f"blank answers among graded students: {blanks}", "", "notices:"]
    lines += [f"- {notice}" for notice in notices] or ["- none"]
    return "\n".join(lines) + "\n"
