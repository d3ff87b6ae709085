"""What an exported grader runs: ``grade.py`` and Gradescope's ``run_autograder``.

``grade.py SUBMISSIONS [--out DIR]`` grades a CSV, a JSON file or a folder of answer forms with
the batch grader and writes ``grades.csv`` and the gradebook CSVs as ``problemgen grade`` does; the autograder grades
one Gradescope submission against its student's own variant and always writes
``results/results.json``, even when the student is unknown, the answer file is missing or
grading crashes (Gradescope reports a missing or malformed file as "The autograder failed to
execute correctly").

This module is copied, unchanged, into every build's ``grader/`` folder and Gradescope zip
(:mod:`problemgen.export.grader`) beside :mod:`problemgen.batch`, its grading core and the CSV
writers of :mod:`problemgen.results`. It imports only the standard library at the top and those
modules inside the functions, so an environment without numpy still gets a ``results.json``
that says what went wrong.
"""

from __future__ import annotations

import argparse
import codecs
import html
import json
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from problemgen.batch import Notice, PartResult, StudentResult

DEFAULT_ROOT = Path("/autograder")
#: The ``submission_metadata.json`` user fields that may name the student, in the order tried
#: (``sid`` is the SIS id). Gradescope's own user ``id`` is never one: it is Gradescope's number,
#: and a roster of numeric ids (Canvas's) could hold it for another student.
USER_KEYS = ("sid", "email", "student_id")
#: Answer files by preference: the answer form first (``answers.txt``, then ``answers (1).txt`` as
#: a browser renames a second download), then any text form, a CSV, a JSON file.
SUBMISSION_RANKS = {"answers.txt": 0, ".txt": 1, ".csv": 2, ".json": 3}
ANSWERS_COPY_RANK = 0.5
#: A file without an ending that holds a ``student:`` line is an answer form, ranked after the others.
FORM_WITHOUT_ENDING_RANK = 4
SHOWN_ANSWER_LIMIT = 200

NO_METADATA = ("The autograder could not read submission_metadata.json, so it cannot tell whose exam this is. "
               "Please tell your instructor.")
UNKNOWN_STUDENT = ("Your Gradescope account ({who}) is not on this exam's roster, so your own version of the exam "
                   "cannot be found. Ask your instructor to add your email or student id to the roster.")
AMBIGUOUS_STUDENT = ("Your Gradescope account matches more than one student on this exam's roster, so your own "
                     "version of the exam cannot be told. Please tell your instructor.")
NO_FILE = ("No answer file was found in your submission. Upload your filled answers.txt form "
           "(or a CSV or JSON file of your answers) and submit again.")
NO_ANSWERS = "No answers for you could be read from {name}."
BLANK = ("Every answer in {name} is blank, so nothing was graded. If you meant to hand in your filled answers.txt "
         "form, upload it and submit again.")
CRASHED = ("The autograder failed while grading this submission; your instructor can see the details. "
           "Your submission is kept and can be regraded.")
NOT_GRADED = "This answer could not be read, so it earned no points."
OTHER_HEADER = ("the form's 'student:' line is missing or names someone else; it was graded as your own "
                "({student}), the account you submitted from")


# --- grade.py ---------------------------------------------------------------------------------------

def grade_main(argv: Sequence[str] | None, grader_dir: Path) -> int:
    """``python grade.py SUBMISSIONS [--out DIR] [--force]``; returns the exit status.

    Grades with the batch grader and writes ``grades.csv``, the Canvas and Moodle gradebook CSVs
    and ``summary.txt`` with the writers of ``problemgen grade`` (:mod:`problemgen.results`), into
    a folder moved into place when complete.
    """
    parser = argparse.ArgumentParser(
        prog="grade.py", description="Grade submissions for this exam (the same grades as `problemgen grade`).")
    parser.add_argument("submissions", type=Path, help="a CSV, a JSON file, or a folder of filled answers.txt forms")
    parser.add_argument("--out", type=Path, help="results folder (default: grades/ beside grade.py)")
    parser.add_argument("--force", action="store_true", help="replace the results of an earlier run in --out")
    args = parser.parse_args(argv)

    try:
        from problemgen.atomic import check_replaceable, writing_folder
        from problemgen.batch import grade_all, load_manifest, read_submissions, require_submissions
        from problemgen.errors import ProblemgenError
        from problemgen.results import summary_text, write_canvas_csv, write_grades_csv, write_moodle_csv
    except ImportError as error:
        return _fail(f"{error}; install the requirements first: pip install -r {grader_dir / 'requirements.txt'}")

    out = (args.out or grader_dir / "grades").resolve()
    try:
        check_replaceable(out, args.force, "grades.csv", "grading run")
        manifest = load_manifest(grader_dir)
    except ProblemgenError as error:
        return _fail(str(error))
    try:
        submissions = read_submissions(args.submissions, manifest)
    except Exception as error:  # noqa: BLE001 - a file the batch reader cannot parse at all
        return _fail(f"{args.submissions} cannot be read ({error}); nothing was graded")
    try:
        require_submissions(submissions, args.submissions)
    except ProblemgenError as error:
        return _fail(str(error))
    results, notices = grade_all(manifest, submissions)
    summary = summary_text(results, notices)
    with writing_folder(out) as folder:
        write_grades_csv(folder / "grades.csv", results)
        write_canvas_csv(folder / "canvas-gradebook.csv", manifest, results)
        write_moodle_csv(folder / "moodle-grades.csv", manifest, results)
        (folder / "summary.txt").write_text(summary, encoding="utf-8")
    print(summary + f"\nwrote {out / 'grades.csv'}, canvas-gradebook.csv, moodle-grades.csv and summary.txt")
    return 0


def _fail(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return 1


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then move it into place."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- Gradescope run_autograder -----------------------------------------------------------------------

def autograde_main(root: Path | None, grader_dir: Path) -> int:
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``, whatever happens.

    ``root`` defaults to ``$AUTOGRADER_ROOT`` or ``/autograder``. Details of a failure go to
    standard output, which Gradescope shows to instructors only.
    """
    started = time.perf_counter()
    root = root or Path(os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT)
    try:
        results = autograde(root, grader_dir)
        results["execution_time"] = round(time.perf_counter() - started, 3)
        text = json.dumps(results, indent=1, ensure_ascii=False, allow_nan=False)
    except Exception:  # noqa: BLE001 - the last line of defence: Gradescope needs a results.json
        traceback.print_exc(file=sys.stdout)
        text = json.dumps(failure(CRASHED, "crashed"), indent=1)
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, text + "\n")
    return 0


def autograde(root: Path, grader_dir: Path) -> dict[str, Any]:
    """The ``results.json`` content for the submission under ``root`` (may raise on a broken bundle)."""
    from problemgen.batch import grade_student, load_manifest

    manifest = load_manifest(grader_dir)
    user = _first_user(root / "submission_metadata.json")
    if user is None:
        return failure(NO_METADATA, "no_metadata")
    student, note = find_student(manifest, user)
    if note:
        print(f"{json.dumps(user, ensure_ascii=False)}: {note}")
    if student is None and note:
        return failure(AMBIGUOUS_STUDENT, "ambiguous_student")
    if student is None:
        who = ", ".join(str(user[key]) for key in ("email", "sid") if user.get(key)) or "no email or student id"
        print(f"no roster student matches {json.dumps(user, ensure_ascii=False)}")
        return failure(UNKNOWN_STUDENT.format(who=who), "unknown_student")
    folder = root / "submission"
    path = pick_submission(folder)
    if path is None:
        print(f"{student['id']}: no answer file in {folder}")
        return failure(NO_FILE, "no_submission", student["id"])
    answers, notices, others = read_own_answers(path, manifest, student["id"])
    shown = [str(notice).replace(f"{folder}{os.sep}", "") for notice in notices]
    # Notes about the file's other entries go to the instructor alone: a student must not learn
    # from them who is on the roster.
    hidden = [str(notice).replace(f"{folder}{os.sep}", "") for notice in others]
    if answers is None:
        print(f"{student['id']}: no answers read from {path}", *shown, *hidden, sep="\n")
        return failure("\n".join([NO_ANSWERS.format(name=path.name), *map(_shown_to_student, shown)]), "no_answers",
                       student["id"])
    if not any(answer.strip() for answer in answers.values()):
        # A blank form, or a text file that is no form: say so now, whatever the exam's
        # visibility, so the student can hand in the right file (a hidden 0 would say nothing).
        print(f"{student['id']}: every answer in {path} is blank", *shown, *hidden, sep="\n")
        return failure("\n".join([BLANK.format(name=path.name), *(f"Note: {_shown_to_student(note)}" for note in shown)]),
                       "blank", student["id"])
    if any(": its version code " in note for note in shown):
        # Graded against problems the student never saw, the scores would mislead: refused now,
        # whatever the exam's visibility, so the student hands in the current sheet's form.
        print(f"{student['id']}: {path} is a form from a sheet of an earlier build", *shown, *hidden, sep="\n")
        return failure(f"{STALE_FORM[0].upper()}{STALE_FORM[1:]}. Nothing was graded.", "earlier_sheet", student["id"])
    result = grade_student(student, answers, str(path.relative_to(folder)))
    print(f"{result.student_id}: {_shown_points(result.points)} of {_shown_points(result.max_points)} points from "
          f"{result.source}", *shown, *hidden, sep="\n")
    return _results(result, shown, manifest)


def failure(message: str, reason: str, student_id: str = "") -> dict[str, Any]:
    """A ``results.json`` for a submission that could not be graded: score 0 and why."""
    return {"score": 0, "output": message, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": [], "extra_data": {"error": reason, "student_id": student_id}}


def _first_user(path: Path) -> dict[str, Any] | None:
    try:
        users = json.loads(path.read_text(encoding="utf-8")).get("users")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(users, list) or not users or not isinstance(users[0], dict):
        return None
    if len(users) > 1:
        print(f"group submission of {len(users)} users; graded against the first one's variant")
    return users[0]


#: The ``submission_metadata.json`` user fields that say which identifier they hold.
USER_KEY_KINDS = {"sid": "SIS id", "email": "email"}


def find_student(manifest: Mapping[str, Any], user: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str]:
    """The roster student a Gradescope user is (by SIS id, email, then id) and a note for the
    instructor; ``(None, why)`` when the first identifier that names anyone names several
    students alike: never a guessed student."""
    # The batch grader's matching, shared on purpose.
    from problemgen.batch import StudentIndex, student_identities

    index = StudentIndex(student_identities(manifest))
    for key in USER_KEYS:
        value = user.get(key)
        if value in (None, ""):
            continue
        roster_id, note = index.find(value, USER_KEY_KINDS.get(key))
        if roster_id is not None:
            return next(student for student in manifest["students"] if student["id"] == roster_id), note
        if note:
            return None, note
    return None, ""


def pick_submission(folder: Path) -> Path | None:
    """The answer file in a Gradescope submission folder (hidden files and folders ignored)."""
    from problemgen.batch import _is_form

    if not folder.is_dir():
        return None
    ranked = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "__MACOSX")) for part in parts) or not path.is_file():
            continue
        rank = SUBMISSION_RANKS.get(path.name.casefold(), SUBMISSION_RANKS.get(path.suffix.casefold()))
        if rank == SUBMISSION_RANKS[".txt"] and path.name.casefold().startswith("answers"):
            rank = ANSWERS_COPY_RANK
        if rank is None and not path.suffix and _is_form(path):
            rank = FORM_WITHOUT_ENDING_RANK
        if rank is not None:
            ranked.append((rank, len(parts), str(path), path))
    return min(ranked)[3] if ranked else None


def read_own_answers(path: Path, manifest: Mapping[str, Any], roster_id: str
                     ) -> tuple[dict[str, str] | None, list[Notice], list[Notice]]:
    """The answers of ``roster_id`` in one file, notes about it and their own entry, and notes
    about other entries (for the instructor alone).

    Gradescope knows who submitted, so an answer form whose ``student:`` line is missing or
    names someone else is still graded, as the submitter's (with a note); a CSV or JSON file
    must name the student as it would for ``problemgen grade``. Notes on how an identifier
    matched roster students (``student '…' …``) are never the submitter's to see.
    """
    from problemgen.batch import Notice, _is_form, read_submissions

    if path.suffix.casefold() != ".txt" and not (not path.suffix and _is_form(path)):
        submissions = read_submissions(path, manifest)
        source = submissions.sources.get(roster_id)
        own = [notice for notice in submissions.notices
               if notice.where in (str(path), f"{path}, row 1", source) and not _about_identity(notice)]
        others = [notice for notice in submissions.notices if notice not in own]
        if roster_id in submissions.answers:
            return submissions.answers[roster_id], own, others
        return None, [*own, Notice(str(path), f"has no answers for {roster_id}")], others
    from problemgen.batch import MAX_FILE_BYTES

    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)  # one byte past the limit: the reader names it too large
    with tempfile.TemporaryDirectory() as folder:
        # The batch reader reads forms from a folder; this one holds only the submitted form.
        copy = Path(folder) / "answers.txt"
        copy.write_bytes(data)
        submissions = read_submissions(Path(folder), manifest)
        note: list[Notice] = []
        if roster_id not in submissions.answers:
            # The form reader keeps the last 'student:' line; one appended names the submitter.
            line = f"\nstudent: {roster_id}\n"
            encoding = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}.get(data[:2], "utf-8")
            copy.write_bytes(data + line.encode(encoding))
            submissions = read_submissions(Path(folder), manifest)
            note = [Notice(str(path), OTHER_HEADER.format(student=roster_id))]
    notices = [Notice(str(path), notice.message) for notice in submissions.notices]
    others = [notice for notice in notices if _about_identity(notice)]
    own = [notice for notice in notices if notice not in others]
    answers = submissions.answers.get(roster_id)
    return answers, [*note, *own] if answers is not None else own, others


def _about_identity(notice: Notice) -> bool:
    """A note on which roster students an identifier names (it may name others)."""
    return notice.message.startswith("student ")


#: What a student sees of a notice that names another student's form (the instructor reads the
#: notice itself in the autograder's output, which students do not see).
OTHER_FORM = ("the form's check code is not the one on your own answer form (it is another student's form, or "
              "an edited one); hand in the answers.txt of your own sheet folder")


#: What a student sees of a notice that their form has no check code.
NO_CHECK_FORM = ("the form has no 'check:' line, so it cannot be told to be your own answer form; hand in the "
                 "answers.txt of your own sheet folder with its header lines as they were")


#: What a student sees of a notice that their form comes from a sheet of an earlier build.
STALE_FORM = ("your answer form comes from an earlier version of your sheet: the exam was rebuilt since, and your "
              "problems have changed; ask your instructor for your current sheet, and hand in the answers to its "
              "problems on its own answers.txt")


def _shown_to_student(note: str) -> str:
    if ": its check code " in note:
        return OTHER_FORM
    if ": its version code " in note:
        return STALE_FORM
    return NO_CHECK_FORM if ": it has no check code " in note else note


def _results(result: StudentResult, notes: list[str], manifest: Mapping[str, Any]) -> dict[str, Any]:
    notes = [_shown_to_student(note) for note in notes]
    summary = (f"Graded against your own version of the exam: {_shown_points(result.points)} of "
               f"{_shown_points(result.max_points)} points.")
    # The exam's choice (grading.gradescope_visibility): "after_published" keeps an exam's results
    # from guiding resubmissions. Failures (see _failure) are always visible: the student must act.
    visibility = str((manifest.get("grading") or {}).get("gradescope_visibility", "visible"))
    return {
        "score": round(result.points, 6),
        "output": "\n".join([summary, *(f"Note: {note}" for note in notes)]),
        "output_format": "text",
        "test_output_format": "simple_format",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": [_test(part, visibility) for part in result.parts],
        "extra_data": {"student_id": result.student_id, "source": result.source,
                       "generator": str(manifest.get("generator", ""))},
    }


def _shown_points(value: float) -> str:
    """Points as the gradebook CSVs write them: to two decimals, half-up, no trailing zeros."""
    from problemgen.numbers import format_decimals

    return f"{float(format_decimals(value, 2)):g}"


def _test(part: PartResult, visibility: str = "visible") -> dict[str, Any]:
    """One Gradescope test per answer box; its output is HTML-safe (simple_format)."""
    submitted = part.submitted.strip()
    if len(submitted) > SHOWN_ANSWER_LIMIT:
        submitted = submitted[:SHOWN_ANSWER_LIMIT] + "…"
    lines = [f"Your answer: {html.escape(submitted, quote=False) if submitted else '(blank)'}", part.feedback]
    if part.verdict == "invalid" and submitted:
        lines.append(NOT_GRADED)
    value = part.value if part.value is not None and math.isfinite(part.value) else None
    return {"name": f"Part {part.label}", "score": round(part.points, 6), "max_score": round(part.max_points, 6),
            "output": "\n".join(lines), "visibility": visibility,
            "extra_data": {"verdict": part.verdict, "misconception": part.misconception, "value": value}}
