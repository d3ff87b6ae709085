"""Batch grading: read the exam manifest and a pile of submissions, grade everyone.

Submissions come as a CSV (a student column plus one column per answer label; other LMS or form
columns are ignored), a folder of filled ``answers.txt`` forms, or JSON. Nothing in a bad file
or row stops the batch: each problem becomes a :class:`Notice`, and every other student is
graded. This module imports only the standard library and :mod:`problemgen.grading`, so the
exported grader bundle can ship it unchanged.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, overload

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


class SubmissionsError(ProblemgenError):
    """Submissions of which not one could be matched to a roster student: nothing is graded."""


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
    slot: str = ""
    """The exam slot the part belongs to (``""`` where unknown)."""
    template: str = ""
    """The template of the student's variant in that slot."""
    name: str = ""
    """The part's answer name in the template (``E_Na``)."""


@dataclass(frozen=True)
class StudentResult:
    """Everything graded for one student."""

    student_id: str
    name: str
    status: str
    """``graded``, or ``missing`` when no submission was found (scored 0)."""
    parts: tuple[PartResult, ...]
    source: str = ""

    @functools.cached_property
    def points(self) -> float:
        """Points earned (summed once: reports and gradebooks read it per student)."""
        return sum(p.points for p in self.parts)

    @functools.cached_property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.parts)


@dataclass(frozen=True)
class Submissions:
    """Answers by roster id and label, with what was skipped on the way."""

    answers: dict[str, dict[str, str]]
    sources: dict[str, str]
    notices: tuple[Notice, ...] = field(default_factory=tuple)


def load_manifest(exam_dir: Path, *, lazy: bool = False) -> dict[str, Any]:
    """Read ``manifest.json`` of a build (or the path of the manifest itself).

    ``lazy``: a manifest laid out as builds stream it keeps its students on disk
    (:class:`StreamedStudents`, each parsed when asked for); only their identities are read now.
    Grading uses it, so forked workers parse their own students and the parent holds none.
    """
    path = exam_dir / "manifest.json" if exam_dir.is_dir() else exam_dir
    try:
        manifest = _read_by_lines(path, lazy)
        if manifest is None:  # not laid out as a build writes it (e.g. re-saved by an editor)
            manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} not found; give the folder that `problemgen generate` wrote") from None
    except (OSError, ValueError) as error:
        raise ManifestError(f"{path} cannot be read: {error}") from None
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    if version not in READABLE_SCHEMA_VERSIONS:
        newer = isinstance(version, int) and version > MANIFEST_SCHEMA_VERSION
        fix = "upgrade problemgen (pip install -U problemgen)" if newer else "rebuild the exam with this problemgen"
        readable = " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
        raise ManifestError(f"{path} has schema_version {version!r}; this problemgen reads {readable}; {fix}")
    students = manifest.get("students")
    if isinstance(students, StreamedStudents):
        students.texts = manifest.get("misconception_feedback") or {}
    elif isinstance(students, list):
        for student in students:
            _attach_feedback_texts(student, manifest.get("misconception_feedback") or {})
    return manifest


#: The end of a streamed manifest's first line: its header, then the opening of the students.
_STUDENTS_OPEN = re.compile(r'"students"\s*:\s*\[\s*$')


def _read_by_lines(path: Path, lazy: bool = False) -> dict[str, Any] | None:
    """A manifest as builds stream it (header line, one student per line, ``]}``), parsed a line
    at a time: a third less memory and time than the whole text at once. None for other layouts.

    ``lazy``: the students stay in the file, which is kept open (:class:`StreamedStudents`).
    """
    handle = path.open("rb")
    try:
        manifest = _scan_lines(handle, lazy)
    except BaseException:
        handle.close()
        raise
    if manifest is None or not lazy:
        handle.close()
    return manifest


def _head(first: str) -> str | None:
    """The header object's text from a streamed manifest's first line (None for other layouts)."""
    opening = _STUDENTS_OPEN.search(first)
    return None if opening is None else first[:opening.start()].rstrip().rstrip(",") + "}"


def read_manifest_header(path: Path) -> dict[str, Any] | None:
    """A build's manifest header (exam, grading, fingerprints) without reading its students; None
    when the file is missing or not laid out as builds write it."""
    try:
        with path.open("rb") as handle:
            head = _head(handle.readline().decode("utf-8"))
        header = None if head is None else json.loads(head)
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) else None


def _scan_lines(handle: BinaryIO, lazy: bool) -> dict[str, Any] | None:
    head = _head(handle.readline().decode("utf-8"))
    if head is None:
        return None
    offset = handle.tell()
    spans: list[tuple[int, int, int]] = []
    identities: list[StudentIdentity] = []
    students: list[dict[str, Any]] = []
    labels: dict[tuple[str, ...], tuple[str, ...]] = {}  # students with the same labels share one tuple
    try:
        manifest = json.loads(head)
        for number, line in enumerate(handle, start=2):
            start, offset = offset, offset + len(line)
            text = line.strip()
            if text == b"]}":
                break
            if not text:
                continue
            text = text[:-1] if text.endswith(b",") else text
            if lazy:
                spans.append((start + len(line) - len(line.lstrip()), len(text), number))
                identity = _quick_identity(text) or StudentIdentity.of(json.loads(text))
                identities.append(replace(identity, labels=labels.setdefault(identity.labels, identity.labels)))
            else:
                students.append(json.loads(text))
        else:
            return None  # never closed: let the whole-file parse report where
    except ValueError:
        return None
    if handle.read().strip() or not isinstance(manifest, dict):
        return None
    manifest["students"] = StreamedStudents(handle, spans, identities) if lazy else students
    return manifest


@dataclass(frozen=True)
class StudentIdentity:
    """Who a manifest student is, without their problems: enough to match submissions and gradebooks."""

    id: str
    name: str
    email: str
    sis_id: str
    folder: str
    labels: tuple[str, ...]
    """The student's answer labels, in exam order."""

    @classmethod
    def of(cls, student: Mapping[str, Any]) -> StudentIdentity:
        return cls(student["id"], student.get("name") or "", student.get("email") or "", student.get("sis_id") or "",
                   student.get("folder") or "",
                   tuple(part["label"] for problem in student["problems"] for part in problem["parts"]))


_JSON_STRING = rb'"(?:[^"\\]|\\.)*"'
#: A streamed student line as builds write it (sorted keys; ``labels`` since 0.2): the identity
#: is read from its two ends without parsing the problems between them.
_IDENTITY = re.compile(
    rb'\{"email": (%(s)s), "folder": (%(s)s), "id": (%(s)s), "labels": (\[(?:%(s)s(?:, %(s)s)*)?\]), '
    rb'"name": (%(s)s), "problems": .*, "sis_id": (%(s)s)\}' % {b"s": _JSON_STRING}, re.S)


def _quick_identity(line: bytes) -> StudentIdentity | None:
    match = _IDENTITY.fullmatch(line)
    if match is None:
        return None
    email, folder, student_id, labels, name, sis_id = json.loads(b"[" + b",".join(match.groups()) + b"]")
    return StudentIdentity(student_id, name, email, sis_id, folder, tuple(labels))


class StreamedStudents(Sequence[dict[str, Any]]):
    """A streamed manifest's students, each read and parsed from its line when asked for.

    Nothing parsed is kept, so a 10,000-student manifest costs its identities in memory; each
    access returns a fresh dict (with its misconception texts attached), as ``load_manifest``
    would have given. The file stays open from loading on and is read by offset (``pread``), so
    forked workers share it safely and a build that replaces it meanwhile is not seen: every
    student comes from the manifest that was loaded.
    """

    def __init__(self, handle: BinaryIO, spans: list[tuple[int, int, int]], identities: list[StudentIdentity]) -> None:
        self.path, self.identities = Path(handle.name), identities
        self._handle, self._spans = handle, spans
        weakref.finalize(self, handle.close)
        self.texts: Mapping[str, Any] = {}
        """The manifest's shared misconception texts (template -> part name -> name -> text)."""

    def __len__(self) -> int:
        return len(self._spans)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        offset, length, number = self._spans[index]
        try:
            if hasattr(os, "pread"):
                text = os.pread(self._handle.fileno(), length, offset)
            else:  # no pread (Windows): no fork either, so this process alone moves the position
                self._handle.seek(offset)
                text = self._handle.read(length)
        except OSError as error:
            raise ManifestError(f"{self.path} cannot be read: {error}") from None
        return self._student(index, text, number)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[index] for index in range(len(self)))

    def _student(self, index: int, text: bytes, number: int) -> dict[str, Any]:
        try:
            student = json.loads(text)
        except ValueError as error:
            raise ManifestError(f"{self.path} cannot be read: line {number}: {error}") from None
        identity = self.identities[index]
        if not isinstance(student, dict) or student.get("id") != identity.id:
            raise ManifestError(f"{self.path} cannot be read: line {number} is not the student {identity.id!r} "
                                "it held when loaded; grade again")
        try:
            labels = StudentIdentity.of(student).labels
        except (KeyError, TypeError) as error:
            raise ManifestError(f"{self.path} cannot be read: line {number}: student {identity.id!r} has no "
                                f"problems with labelled parts ({error})") from None
        if labels != identity.labels:
            raise ManifestError(f"{self.path} cannot be read: line {number}: the labels of student {identity.id!r} "
                                f"({', '.join(identity.labels)}) are not those of its parts ({', '.join(labels)}); "
                                "rebuild the exam")
        _attach_feedback_texts(student, self.texts)
        return student


def student_identities(manifest: Mapping[str, Any]) -> Sequence[StudentIdentity]:
    """Every roster student's identity, in roster order, without parsing a lazy manifest's problems."""
    students = manifest["students"]
    if isinstance(students, StreamedStudents):
        return students.identities
    return [StudentIdentity.of(student) for student in students]


def _attach_feedback_texts(student: dict[str, Any], texts: Mapping[str, Any]) -> None:
    """Give every numeric ``expected`` (and every choice with misconception options) its
    ``misconception_feedback`` from the manifest's shared table.

    The texts depend only on the template and part, so the manifest stores them once
    (``misconception_feedback``: template -> part name -> misconception -> text) instead of in
    every student's copy; after loading, each ``expected`` is the full dict of the grading contract.
    """
    for problem in student.get("problems") or []:
        table = texts.get(problem.get("template", ""), {})
        for part in problem.get("parts") or []:
            expected = part.get("expected")
            if isinstance(expected, dict) and (expected.get("kind") == "numeric" or "misconceptions" in expected):
                expected.setdefault("misconception_feedback", table.get(part.get("name", ""), {}))


def _identity_map(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every id a student may be known by (roster id, SIS id, email, case-folded) -> roster id."""
    known: dict[str, str] = {}
    for student in student_identities(manifest):
        for key in (student.email, student.sis_id, student.id):
            if key:
                known[str(key).strip().casefold()] = student.id
    return known


def _labels(manifest: Mapping[str, Any]) -> set[str]:
    return {label for labels in {s.labels for s in student_identities(manifest)} for label in labels}


def read_submissions(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    """Read a CSV file, a JSON file or a folder of answer forms.

    A student with two submissions is graded on the later: the later row of a CSV or JSON file,
    the form saved last in a folder (each with a notice).
    """
    if path.is_dir():
        exam_id = str((manifest.get("exam") or {}).get("id", ""))
        # Oldest first, so of two forms of one student the one saved last is graded.
        forms = sorted(path.rglob("*.txt"), key=lambda form: (_saved_at(form), form))
        return _merge(manifest, [entry for form in forms for entry in _read_form(form, exam_id)])
    if not path.exists():
        return Submissions({}, {}, (Notice(str(path), "not found"),))
    if path.suffix.lower() == ".json":
        return _read_json(path, manifest)
    if path.suffix.lower() == ".txt" and _is_form(path):  # one student's answers.txt
        return _merge(manifest, _read_form(path, str((manifest.get("exam") or {}).get("id", ""))))
    return _read_csv(path, manifest)


_FORM_STUDENT_LINE = re.compile(rb"^\s*student\s*:", re.M | re.I)


def _is_form(path: Path) -> bool:
    """Whether a text file is an answer form (it has a ``student:`` line), not a CSV."""
    try:
        return _FORM_STUDENT_LINE.search(path.read_bytes()[:MAX_FILE_BYTES]) is not None
    except OSError:
        return False  # reported when it is read


def _saved_at(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0  # reported when it is read


def _read_text(path: Path, legacy: list[tuple[str, Any]] | None = None) -> str | Notice:
    """The text of a submissions file (UTF-8, with or without a BOM), or the notice why not.

    With ``legacy`` (an answer form), a file that is not UTF-8 is read as Windows-1252, as older
    Windows editors save text, with a notice appended to ``legacy``: a form is not lost for that.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Notice(str(path), f"cannot be read ({error.strerror}); skipped")
    if len(raw) > MAX_FILE_BYTES:
        return Notice(str(path), f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; skipped")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if legacy is not None:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
            else:
                legacy.append((str(path), Notice(str(path), "is not UTF-8 text; read as Windows-1252 (check its "
                                                            "answers with µ or other accents)")))
                return text
        return Notice(str(path), "is not UTF-8 text; skipped (save it as UTF-8)")


_FORM_LINE = re.compile(r"^(?P<label>[0-9][0-9.]*[A-Za-z])(?:\s*\[[^\]]*\])?(?:\s*\([^)]*\))?(?:\s*\{[^}]*\})?\s*:"
                        r"(?P<answer>.*)$")


#: A note after an answer on a form line ("-95.1 mV  # rounded"): a ``#`` after a blank starts it.
_FORM_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _read_form(path: Path, exam_id: str = "") -> list[tuple[str, Any]]:
    """An answers.txt form: ``student: id`` and one ``label [unit] (options) {figures}: answer`` per line.

    Returns its submission and a notice for each line that is not one (a label the student
    edited, say), and for a form of another exam; labels are read whatever their case.
    """
    legacy: list[tuple[str, Any]] = []
    text = _read_text(path, legacy=legacy)
    if isinstance(text, Notice):
        return [(str(path), text)]
    notices = list(legacy)
    student: str | None = None
    check: str | None = None
    answers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#") or not line.strip():
            continue
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() == "student":
            student = value.strip()
            continue
        if colon and key.strip().lower() == "check":
            check = value.strip().lower()
            continue
        if colon and key.strip().lower() == "exam":
            if exam_id and value.strip() != exam_id:
                notices.append((str(path), Notice(str(path), f"is a form of exam {value.strip()!r}, not {exam_id!r}; "
                                                             "graded against this exam all the same")))
            continue
        match = _FORM_LINE.match(line.strip())
        if match:
            answers[match.group("label").lower()] = _FORM_COMMENT.sub("", match.group("answer")).strip()
        else:
            where = f"{path}, line {number}"
            notices.append((where, Notice(where, f"is not a 'label: answer' line ({_shown(line.strip())}); ignored")))
    if student is None:
        return [*legacy, (str(path), Notice(str(path), "has no 'student:' line; skipped (was the form's header "
                                                       "deleted?)"))]
    return [*notices, (str(path), (student, answers, check))]


def _shown(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _merge(manifest: Mapping[str, Any], entries: Iterable[tuple[str, Any]]) -> Submissions:
    """Match submissions to roster students; of two for one student the later is graded, except
    that a form carrying another student's check code never replaces one that does not."""
    known = _identity_map(manifest)
    labels = _labels(manifest)
    checks: Mapping[str, str] = manifest.get("form_checks") or {}
    owners: dict[str, str] = {}
    answers: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    foreign: set[str] = set()
    """Students whose graded submission is a form with someone else's (or an edited) check code."""
    notices: list[Notice] = []
    for where, entry in entries:
        if isinstance(entry, Notice):
            notices.append(entry)
            continue
        student, given, *rest = entry
        roster_id = known.get(str(student).strip().casefold())
        if roster_id is None:
            notices.append(Notice(where, f"student {student!r} is not on the exam's roster; skipped"))
            continue
        check = rest[0] if rest else None
        if check is not None and roster_id in checks and check != checks[roster_id]:
            owners = owners or {code: owner for owner, code in checks.items()}
            owner = owners.get(check)
            whose = (f"is the one on {owner}'s form" if owner else "matches no student's form (was it edited?)")
            if roster_id in answers and roster_id not in foreign:
                notices.append(Notice(where, f"its check code {check!r} {whose}, not {roster_id}'s; not graded: "
                                             f"{roster_id}'s own submission ({sources[roster_id]}) is. Was a form "
                                             "handed in under another student's id?"))
                continue
            notices.append(Notice(where, f"its check code {check!r} {whose}, not {roster_id}'s; graded as {roster_id} "
                                         "all the same: was a form handed in under another student's id?"))
            foreign.add(roster_id)
        else:
            foreign.discard(roster_id)
        if roster_id in answers:
            before = sum(1 for v in answers[roster_id].values() if v.strip())
            now = sum(1 for label, v in given.items() if v.strip() and label in labels)
            notices.append(Notice(where, f"a second submission for {roster_id} (first from {sources[roster_id]}, "
                                         f"{before} answered); this one ({now} answered) is graded"))
        unknown = sorted(set(given) - labels)
        if unknown:
            notices.append(Notice(where, f"unknown answer labels {', '.join(unknown)} ignored"))
        answers[roster_id] = {k: v for k, v in given.items() if k in labels}
        sources[roster_id] = where
    return Submissions(answers, sources, tuple(notices))


def label_order(label: str) -> tuple[Any, ...]:
    """Labels in exam order: 2a before 10a, 3.1b after 3.1a."""
    return tuple(int(piece) if piece.isdigit() else piece for piece in re.findall(r"\d+|\D+", label))


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
            entries.append((where, (str(key), {str(k).lower(): _json_answer(v) for k, v in value.items()})))
        elif isinstance(value, dict) and isinstance(value.get("answers"), dict) and "student" in value:
            entries.append((where, (str(value["student"]),
                                    {str(k).lower(): _json_answer(v) for k, v in value["answers"].items()})))
        else:
            entries.append((where, Notice(where, "expected {student: {label: answer}} or {\"student\": id, "
                                                 "\"answers\": {...}}; skipped")))
    return _merge(manifest, entries)


def _json_answer(value: Any) -> str:
    """A JSON answer as the text graded: a string as it is, null as blank, anything else as the JSON
    that was written (``65.2``, ``true``, ``["Na+"]``)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _read_csv(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    text = _read_text(path)
    if isinstance(text, Notice):
        return Submissions({}, {}, (text,))
    try:
        rows = list(csv.reader(io.StringIO(text), csv_dialect(text)))
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
    columns = {i: match.group("label").lower() for i, cell in enumerate(header)
               if (match := _FORM_LINE.match(cell + ":")) and match.group("label").lower() in labels}
    entries: list[tuple[str, Any]] = []
    missing = sorted(labels - set(columns.values()), key=label_order)
    if missing:
        unread = [cell for i, cell in enumerate(header) if i not in columns and i != id_column and cell]
        entries.append((f"{path}, row 1", Notice(f"{path}, row 1", (
            f"has no column for the answer labels {', '.join(missing)}; those answers count as blank"
            + (f" (columns not read: {', '.join(unread[:12])}{' …' if len(unread) > 12 else ''})" if unread else "")
            + "; name the columns as on the answer form (1a, 2b, …)"))))
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


def csv_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The dialect of a CSV from its header line: commas, or the semicolons or tabs that European
    spreadsheets and LMS exports write."""
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        return csv.excel


def require_submissions(submissions: Submissions, path: Path) -> None:
    """Refuse to grade when not one submission was matched to a student, or when every matched
    submission is blank (blank answer forms, a master key, a grades file): the gradebooks would
    give everyone 0. The error lists what was read instead (the notices)."""
    if not submissions.answers:
        problem = f"no submission in {path} could be matched to a student on the roster"
    elif not any(answer.strip() for answers in submissions.answers.values() for answer in answers.values()):
        count = len(submissions.answers)
        problem = (f"the {count} submission{'s' if count != 1 else ''} in {path} matched to roster students "
                   f"{'hold' if count != 1 else 'holds'} no answer at all (is it the right file? the build's "
                   "blank forms, its master key and a grades.csv hold none)")
    else:
        return
    found = "; ".join(str(notice) for notice in submissions.notices[:5])
    more = f" (and {len(submissions.notices) - 5} more)" if len(submissions.notices) > 5 else ""
    raise SubmissionsError(f"{problem}, so nothing was graded and no grade file was written"
                           + (f": {found}{more}" if found else ""))


def grade_student(student: Mapping[str, Any], answers: Mapping[str, str] | None, source: str = "") -> StudentResult:
    """Grade one student's answers against their own variant (``answers`` None: no submission)."""
    parts = []
    for problem in student["problems"]:
        for part in problem["parts"]:
            submitted = "" if answers is None else answers.get(part["label"], "")
            result = check_answer(submitted, part["expected"])
            parts.append(PartResult(part["label"], submitted, result["verdict"], float(result["score"]),
                                    float(result["score"]) * part["points"], part["points"], result["value"],
                                    result["misconception"], result["feedback"], str(problem.get("slot", "")),
                                    str(problem.get("template", "")), str(part.get("name", ""))))
    return StudentResult(student["id"], student["name"], "graded" if answers is not None else "missing", tuple(parts),
                         source)


def grade_roster_student(manifest: Mapping[str, Any], submissions: Submissions, index: int) -> StudentResult:
    """Grade the roster's ``index``-th student (no submission: every part blank, scored 0)."""
    student = manifest["students"][index]
    return grade_student(student, submissions.answers.get(student["id"]), submissions.sources.get(student["id"], ""))


def run_notices(submissions: Submissions, results: Iterable[StudentResult]) -> list[Notice]:
    """The submissions' own notices, then one per roster student without a submission."""
    return [*submissions.notices, *(Notice(r.student_id, "no submission found; 0 in grades.csv, no score in the LMS "
                                                         "gradebooks")
                                    for r in results if r.status == "missing")]


def grade_all(manifest: Mapping[str, Any], submissions: Submissions) -> tuple[list[StudentResult], list[Notice]]:
    """Grade every roster student, in roster order; students without a submission score 0."""
    results = [grade_roster_student(manifest, submissions, index) for index in range(len(manifest["students"]))]
    return results, run_notices(submissions, results)
