"""Batch grading: read the exam manifest and a pile of submissions, grade everyone.

Submissions come as a CSV (a student column plus one column per answer label; other LMS or form
columns are ignored), a folder of filled ``answers.txt`` forms, or JSON. Nothing in a bad file
or row stops the batch: each problem becomes a :class:`Notice`, and every other student is
graded. This module imports only the standard library and :mod:`problemgen.grading`, so the
exported grader bundle can ship it unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from problemgen.errors import ProblemgenError
from problemgen.grading import check_answer

MANIFEST_SCHEMA_VERSION = 2
#: Manifests this version reads: 1 kept each part's misconception texts inline (builds of 0.1).
READABLE_SCHEMA_VERSIONS = (1, 2)
MAX_FILE_BYTES = 5_000_000
#: Header names (case-insensitive) that identify the student column of a submissions CSV.
ID_COLUMNS = ("student_id", "student id", "id", "student", "sis user id", "sis_id", "id number", "username",
              "email", "email address", "sis login id")


class ManifestError(ProblemgenError):
    """An exam folder without a readable manifest of a version this problemgen understands."""


@dataclass(frozen=True)
class Notice:
    """Something in the submissions that was skipped or questionable (never fatal)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class PartResult:
    """One graded answer box."""

    label: str
    submitted: str
    verdict: str
    score: float
    """Share of the part's points earned (0..1)."""
    points: float
    """Points earned."""
    max_points: float
    value: float | None
    misconception: str | None
    feedback: str


@dataclass(frozen=True)
class StudentResult:
    """Everything graded for one student."""

    student_id: str
    name: str
    status: str
    """``graded``, or ``missing`` when no submission was found (scored 0)."""
    parts: tuple[PartResult, ...]
    source: str = ""

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.parts)


@dataclass(frozen=True)
class Submissions:
    """Answers by roster id and label, with what was skipped on the way."""

    answers: dict[str, dict[str, str]]
    sources: dict[str, str]
    notices: tuple[Notice, ...] = field(default_factory=tuple)


def load_manifest(exam_dir: Path) -> dict[str, Any]:
    """Read ``manifest.json`` of a build (or the path of the manifest itself)."""
    path = exam_dir / "manifest.json" if exam_dir.is_dir() else exam_dir
    try:
        manifest = _read_by_lines(path)
        if manifest is None:  # not laid out as a build writes it (e.g. re-saved by an editor)
            manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} not found; grade the folder that `problemgen generate` wrote") from None
    except (OSError, ValueError) as error:
        raise ManifestError(f"{path} cannot be read: {error}") from None
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    if version not in READABLE_SCHEMA_VERSIONS:
        newer = isinstance(version, int) and version > MANIFEST_SCHEMA_VERSION
        fix = "upgrade problemgen (pip install -U problemgen)" if newer else "rebuild the exam with this problemgen"
        readable = " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
        raise ManifestError(f"{path} has schema_version {version!r}; this problemgen reads {readable}; {fix}")
    _attach_feedback_texts(manifest)
    return manifest


#: The end of a streamed manifest's first line: its header, then the opening of the students.
_STUDENTS_OPEN = re.compile(r'"students"\s*:\s*\[\s*$')


def _read_by_lines(path: Path) -> dict[str, Any] | None:
    """A manifest as builds stream it (header line, one student per line, ``]}``), parsed a line
    at a time: a third less memory and time than the whole text at once. None for other layouts.
    """
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
        opening = _STUDENTS_OPEN.search(first)
        if opening is None:
            return None
        head = first[:opening.start()].rstrip().rstrip(",")
        try:
            manifest = json.loads(head + "}")
            students = []
            for line in handle:
                text = line.strip()
                if text == "]}":
                    break
                if text:
                    students.append(json.loads(text[:-1] if text.endswith(",") else text))
            else:
                return None  # never closed: let the whole-file parse report where
        except ValueError:
            return None
        if handle.read().strip() or not isinstance(manifest, dict):
            return None
    manifest["students"] = students
    return manifest


def _attach_feedback_texts(manifest: dict[str, Any]) -> None:
    """Give every numeric ``expected`` its ``misconception_feedback`` from the manifest's shared table.

    The texts depend only on the template and part, so the manifest stores them once
    (``misconception_feedback``: template -> part name -> misconception -> text) instead of in
    every student's copy; after loading, each ``expected`` is the full dict of the grading contract.
    """
    texts = manifest.get("misconception_feedback") or {}
    for student in manifest.get("students") or []:
        for problem in student.get("problems") or []:
            table = texts.get(problem.get("template", ""), {})
            for part in problem.get("parts") or []:
                expected = part.get("expected")
                if isinstance(expected, dict) and expected.get("kind") == "numeric":
                    expected.setdefault("misconception_feedback", table.get(part.get("name", ""), {}))


def _identity_map(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every id a student may be known by (roster id, SIS id, email, case-folded) -> roster id."""
    known: dict[str, str] = {}
    for student in manifest["students"]:
        for key in (student.get("email", ""), student.get("sis_id", ""), student["id"]):
            if key:
                known[str(key).strip().casefold()] = student["id"]
    return known


def _labels(manifest: Mapping[str, Any]) -> set[str]:
    return {part["label"] for s in manifest["students"] for problem in s["problems"] for part in problem["parts"]}


def read_submissions(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    """Read a CSV file, a JSON file or a folder of answer forms."""
    if path.is_dir():
        return _merge(manifest, [(str(p), _read_form(p)) for p in sorted(path.rglob("*.txt"))])
    if not path.exists():
        return Submissions({}, {}, (Notice(str(path), "not found"),))
    if path.suffix.lower() == ".json":
        return _read_json(path, manifest)
    return _read_csv(path, manifest)


def _read_text(path: Path) -> str | Notice:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Notice(str(path), f"cannot be read ({error.strerror}); skipped")
    if len(raw) > MAX_FILE_BYTES:
        return Notice(str(path), f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; skipped")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Notice(str(path), "is not UTF-8 text; skipped (save it as UTF-8)")


_FORM_LINE = re.compile(r"^(?P<label>[0-9][0-9.]*[a-z])(?:\s*\[[^\]]*\])?(?:\s*\([^)]*\))?\s*:(?P<answer>.*)$")


def _read_form(path: Path) -> tuple[str | None, dict[str, str]] | Notice:
    """An answers.txt form: ``student: id`` and one ``label [unit] (options): answer`` per line."""
    text = _read_text(path)
    if isinstance(text, Notice):
        return text
    student: str | None = None
    answers: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.lower().startswith("student:"):
            student = line.split(":", 1)[1].strip()
            continue
        match = _FORM_LINE.match(line.strip())
        if match:
            answers[match.group("label")] = match.group("answer").strip()
    if student is None:
        return Notice(str(path), "has no 'student:' line; skipped (was the form's header deleted?)")
    return student, answers


def _merge(manifest: Mapping[str, Any], entries: Iterable[tuple[str, Any]]) -> Submissions:
    known = _identity_map(manifest)
    labels = _labels(manifest)
    answers: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    notices: list[Notice] = []
    for where, entry in entries:
        if isinstance(entry, Notice):
            notices.append(entry)
            continue
        student, given = entry
        roster_id = known.get(str(student).strip().casefold())
        if roster_id is None:
            notices.append(Notice(where, f"student {student!r} is not on the exam's roster; skipped"))
            continue
        if roster_id in answers:
            notices.append(Notice(where, f"a second submission for {roster_id} (first from {sources[roster_id]}); "
                                         "the later one is graded"))
        unknown = sorted(set(given) - labels)
        if unknown:
            notices.append(Notice(where, f"unknown answer labels {', '.join(unknown)} ignored"))
        answers[roster_id] = {k: v for k, v in given.items() if k in labels}
        sources[roster_id] = where
    return Submissions(answers, sources, tuple(notices))


def _read_json(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    text = _read_text(path)
    if isinstance(text, Notice):
        return Submissions({}, {}, (text,))
    try:
        data = json.loads(text)
    except ValueError as error:
        return Submissions({}, {}, (Notice(str(path), f"is not valid JSON ({error}); nothing graded from it"),))
    entries: list[tuple[str, Any]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data if isinstance(data, list) else [])
    for key, value in items:
        where = f"{path} [{key!r}]"
        if isinstance(data, dict) and isinstance(value, dict):
            entries.append((where, (str(key), {str(k): str(v) for k, v in value.items()})))
        elif isinstance(value, dict) and isinstance(value.get("answers"), dict) and "student" in value:
            entries.append((where, (str(value["student"]), {str(k): str(v) for k, v in value["answers"].items()})))
        else:
            entries.append((where, Notice(where, "expected {student: {label: answer}} or {\"student\": id, "
                                                 "\"answers\": {...}}; skipped")))
    return _merge(manifest, entries)


def _read_csv(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    text = _read_text(path)
    if isinstance(text, Notice):
        return Submissions({}, {}, (text,))
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:  # e.g. a field longer than the csv module's limit, or a NUL byte
        return Submissions({}, {}, (Notice(str(path), f"is not a readable CSV ({error}); nothing graded from it"),))
    if not rows:
        return Submissions({}, {}, (Notice(str(path), "is empty"),))
    header = [cell.strip() for cell in rows[0]]
    lower = [cell.casefold() for cell in header]
    id_column = next((lower.index(name) for name in ID_COLUMNS if name in lower), None)
    if id_column is None:
        return Submissions({}, {}, (Notice(f"{path}, row 1", "has no student column (one of: "
                                           + ", ".join(ID_COLUMNS) + "); nothing graded from it"),))
    labels = _labels(manifest)
    # A label column may carry its unit or options as on the form ("1a [mV]").
    columns = {i: match.group("label") for i, cell in enumerate(header)
               if (match := _FORM_LINE.match(cell + ":")) and match.group("label") in labels}
    entries: list[tuple[str, Any]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}, row {number}"
        student = row[id_column].strip() if id_column < len(row) else ""
        if not student:
            entries.append((where, Notice(where, "has no student id; skipped")))
            continue
        entries.append((where, (student, {label: row[i] if i < len(row) else "" for i, label in columns.items()})))
    return _merge(manifest, entries)


def grade_student(student: Mapping[str, Any], answers: Mapping[str, str] | None, source: str = "") -> StudentResult:
    """Grade one student's answers against their own variant (``answers`` None: no submission)."""
    parts = []
    for problem in student["problems"]:
        for part in problem["parts"]:
            submitted = "" if answers is None else answers.get(part["label"], "")
            result = check_answer(submitted, part["expected"])
            parts.append(PartResult(part["label"], submitted, result["verdict"], float(result["score"]),
                                    float(result["score"]) * part["points"], part["points"], result["value"],
                                    result["misconception"], result["feedback"]))
    return StudentResult(student["id"], student["name"], "graded" if answers is not None else "missing", tuple(parts),
                         source)


def grade_roster_student(manifest: Mapping[str, Any], submissions: Submissions, index: int) -> StudentResult:
    """Grade the roster's ``index``-th student (no submission: every part blank, scored 0)."""
    student = manifest["students"][index]
    return grade_student(student, submissions.answers.get(student["id"]), submissions.sources.get(student["id"], ""))


def run_notices(submissions: Submissions, results: Iterable[StudentResult]) -> list[Notice]:
    """The submissions' own notices, then one per roster student without a submission."""
    return [*submissions.notices, *(Notice(r.student_id, "no submission found; scored 0")
                                    for r in results if r.status == "missing")]


def grade_all(manifest: Mapping[str, Any], submissions: Submissions) -> tuple[list[StudentResult], list[Notice]]:
    """Grade every roster student, in roster order; students without a submission score 0."""
    results = [grade_roster_student(manifest, submissions, index) for index in range(len(manifest["students"]))]
    return results, run_notices(submissions, results)
