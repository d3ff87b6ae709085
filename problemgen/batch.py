"""Batch grading: read the exam manifest and a pile of submissions, grade everyone.

Submissions come as a CSV (a student column plus one column per answer label; other LMS or form
columns are ignored), a folder of filled ``answers.txt`` forms, or JSON. Nothing in a bad file
or row stops the batch: each problem becomes a :class:`Notice`, and every other student is
graded. This module imports only the standard library and :mod:`problemgen.grading`, so the
exported grader bundle can ship it unchanged.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import json
import math
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
        return _total(p.points for p in self.parts)

    @functools.cached_property
    def max_points(self) -> float:
        return _total(p.max_points for p in self.parts)


def _total(points: Iterable[float]) -> float:
    """A sum of part points without float noise: seven parts of 3/7 make 3, not 2.9999999999999996,
    and 9.325 is not 9.324999999999998 (which a gradebook would round down to 9.32)."""
    return round(math.fsum(points), 9)


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
    form_version: str = ""
    """The version code on the student's answer form (``""`` from builds that printed none)."""

    @classmethod
    def of(cls, student: Mapping[str, Any]) -> StudentIdentity:
        return cls(student["id"], student.get("name") or "", student.get("email") or "", student.get("sis_id") or "",
                   student.get("folder") or "",
                   tuple(part["label"] for problem in student["problems"] for part in problem["parts"]),
                   str(student.get("form_version") or ""))


_JSON_STRING = rb'"(?:[^"\\]|\\.)*"'
#: A streamed student line as builds write it (sorted keys; ``labels`` since 0.2): the identity
#: is read from its two ends without parsing the problems between them.
_IDENTITY = re.compile(
    rb'\{"email": (%(s)s), "folder": (%(s)s), (?:"form_version": (%(s)s), )?"id": (%(s)s), '
    rb'"labels": (\[(?:%(s)s(?:, %(s)s)*)?\]), "name": (%(s)s), "problems": .*, "sis_id": (%(s)s)\}'
    % {b"s": _JSON_STRING}, re.S)


def _quick_identity(line: bytes) -> StudentIdentity | None:
    match = _IDENTITY.fullmatch(line)
    if match is None:
        return None
    email, folder, version, student_id, labels, name, sis_id = json.loads(
        b"[" + b",".join(group or b'""' for group in match.groups()) + b"]")
    return StudentIdentity(student_id, name, email, sis_id, folder, tuple(labels), version)


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


#: The fields a roster student may be named by in a submission, as notices name them.
_ID, _EMAIL, _SIS = "id", "email", "SIS id"


class StudentIndex:
    """Finds the roster student a submission names by id, email or SIS id.

    An exact match on the kind of identifier the submission gives (its column, say ``SIS User
    ID``) comes first, then an exact match on a roster id, then a match on any of the three
    whatever the case. An identifier that still names two students is never given to either
    (:meth:`find` says why); one given to a student although it also names others, whatever the
    case, comes with a note.
    """

    def __init__(self, identities: Iterable[StudentIdentity]) -> None:
        self._exact: dict[tuple[str, str], list[str]] = {}
        self._folded: dict[str, dict[str, list[str]]] = {}
        """Case-folded identifier -> roster id -> the fields of that student it is."""
        for student in identities:
            for kind, value in ((_ID, student.id), (_EMAIL, student.email), (_SIS, student.sis_id)):
                value = str(value or "").strip()
                if not value:
                    continue
                owners = self._exact.setdefault((kind, value), [])
                if student.id not in owners:
                    owners.append(student.id)
                fields = self._folded.setdefault(value.casefold(), {}).setdefault(student.id, [])
                if kind not in fields:
                    fields.append(kind)

    def find(self, name: object, kind: str | None = None) -> tuple[str | None, str]:
        """The roster id that ``name`` (an ``id``, ``email`` or ``SIS id`` when ``kind`` says which)
        names, and a note: ``(None, "")`` for nobody, ``(None, why)`` when it names several
        students alike, ``(roster_id, note)`` when it also names others less closely."""
        key = str(name).strip()
        named = self._folded.get(key.casefold(), {})
        if not named:
            return None, ""
        for tier in dict.fromkeys((kind, _ID) if kind else (_ID,)):
            owners = self._exact.get((tier, key), [])
            if len(owners) == 1:
                others = {owner: fields for owner, fields in named.items() if owner != owners[0]}
                if not others:
                    return owners[0], ""
                return owners[0], (f"student {key!r} is graded as {owners[0]} (it is their {tier}), but it is also "
                                   f"{self._described(key, others)}: check that this submission is {owners[0]}'s, "
                                   f"not {' or '.join(others)}'s")
            if owners:
                named = {owner: [tier] for owner in owners}
                break
        else:
            if len(named) == 1:
                return next(iter(named)), ""
        return None, (f"student {key!r} names {len(named)} roster students ({self._described(key, named)}); not "
                      "graded, as it cannot be told whose it is: give the student's roster id exactly as the roster "
                      "has it")

    def _described(self, key: str, named: Mapping[str, Sequence[str]]) -> str:
        """``the id of 'ab' and the id and email of 'AB', whatever the case``."""
        text = " and ".join(f"the {' and '.join(fields)} of {owner!r}" for owner, fields in named.items())
        exact = all(owner in self._exact.get((field, key), ()) for owner, fields in named.items() for field in fields)
        return text if exact else f"{text}, whatever the case"


def _labels(manifest: Mapping[str, Any]) -> set[str]:
    return {label for labels in {s.labels for s in student_identities(manifest)} for label in labels}


def read_submissions(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    """Read a CSV file, a JSON file or a folder of answer forms.

    A student with two submissions is graded on the later: the later row of a CSV or JSON file,
    the form saved last in a folder (each with a notice). A form with the student's own check
    code is never replaced by one without it.
    """
    exam_id = str((manifest.get("exam") or {}).get("id", ""))
    if path.is_dir():
        forms, skipped = _forms_in(path)
        # Oldest first, so of two forms of one student the one saved last is graded.
        forms.sort(key=lambda form: (_saved_at(form), form))
        labels = frozenset(_labels(manifest))
        return _merge(manifest, [*skipped, *(entry for form in forms for entry in _read_form(form, exam_id, labels))])
    if not path.exists():
        return Submissions({}, {}, (Notice(str(path), "not found"),))
    if path.suffix.lower() == ".json":
        return _read_json(path, manifest)
    if path.suffix.lower() in (".txt", "") and _is_form(path):  # one student's answers.txt
        return _merge(manifest, _read_form(path, exam_id, frozenset(_labels(manifest))))
    return _read_csv(path, manifest)


#: What a file handed in where answer forms are expected is, by its ending, for the notice.
_NOT_FORMS = {".rtf": "an RTF document", ".doc": "a Word document", ".docx": "a Word document",
              ".odt": "an OpenDocument text", ".pages": "a Pages document", ".pdf": "a PDF", ".csv": "a CSV file",
              ".json": "a JSON file", ".html": "a web page", ".htm": "a web page", ".md": "a Markdown file",
              ".png": "an image", ".jpg": "an image", ".jpeg": "an image", ".heic": "an image"}


def _forms_in(folder: Path) -> tuple[list[Path], list[tuple[str, Notice]]]:
    """The answer forms in a folder and its subfolders: files ending in ``.txt`` (whatever the
    case), and files without an ending that hold a ``student:`` line. Every other file is skipped
    with a notice; hidden files and folders (``.DS_Store``, ``__MACOSX``) are skipped silently."""
    forms: list[Path] = []
    skipped: list[tuple[str, Notice]] = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith((".", "__MACOSX")) for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix == ".txt" or (not suffix and _is_form(path)):
            forms.append(path)
            continue
        if suffix in _NOT_FORMS:
            what = f"is {_NOT_FORMS[suffix]}, not a .txt answer form"
        elif suffix:
            what = "is not a .txt answer form"
        else:
            what = "has no file ending and no 'student:' line, so it is not an answer form"
        skipped.append((str(path), Notice(str(path), f"{what}; skipped: ask the student for their filled answers.txt, "
                                                     "saved as plain text")))
    return forms, skipped


_FORM_STUDENT_LINE = re.compile(rb"^\s*student\s*:", re.M | re.I)


def _is_form(path: Path) -> bool:
    """Whether a text file is an answer form (it has a ``student:`` line), not a CSV."""
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_FILE_BYTES)
    except OSError:
        return False  # reported when it is read
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="replace").encode()
    return _FORM_STUDENT_LINE.search(head) is not None


def _saved_at(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0  # reported when it is read


def _read_text(path: Path) -> tuple[str, list[Notice]] | Notice:
    """The text of a submissions file, with a notice when it was not UTF-8, or the notice why not.

    UTF-8 (with or without a BOM) is read as it is. UTF-16 with a BOM (Excel's "Unicode text",
    Notepad's "Unicode") and text that is not UTF-8 (read as Windows-1252, as older Windows
    programs save it) are read with a notice: a submission is not lost for that.
    """
    where = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # a huge file is never read whole
    except OSError as error:
        return Notice(where, f"cannot be read ({error.strerror}); skipped")
    if len(raw) > MAX_FILE_BYTES:
        return Notice(where, f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; skipped")
    if raw.startswith(b"PK\x03\x04"):
        return Notice(where, "is a zip file (an Excel workbook or a Word document?), not text; skipped (save it as "
                             "\"CSV UTF-8\" or as plain text)")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), [Notice(where, "is UTF-16 text (as Excel saves \"Unicode text\"); read as "
                                                        "UTF-16")]
        except UnicodeDecodeError:
            return Notice(where, "starts as UTF-16 text but is not; skipped (save it as UTF-8)")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw:
        return Notice(where, "is not UTF-8 text and holds NUL bytes (UTF-16 without a byte-order mark, or not text at "
                             "all); skipped (save it as UTF-8)")
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return Notice(where, "is not UTF-8 text; skipped (save it as UTF-8)")
    return text, [Notice(where, "is not UTF-8 text; read as Windows-1252 (check its answers with µ or other accents)")]


_FORM_LINE = re.compile(r"^(?P<label>[0-9][0-9.]*[A-Za-z])(?:\s*\[[^\]]*\])?(?:\s*\([^)]*\))?(?:\s*\{[^}]*\})?\s*:"
                        r"(?P<answer>.*)$")
_LABEL_START = re.compile(r"[0-9][0-9.]*[A-Za-z]\b")
#: How students edit a form line and still mean it: ``3e) answer``, ``4b. [mV]: answer``,
#: ``4a [mV] = answer`` (read with a notice; the form's own ``label: answer`` comes first).
_LOOSE_FORM_LINE = re.compile(r"^(?P<label>[0-9][0-9.]*[A-Za-z])(?:[).](?=\s)|(?=\s*[\[(={]))"
                              r"(?:\s*\[[^\]]*\])?(?:\s*\([^)]*\))?(?:\s*\{[^}]*\})?\s*[=:]?(?P<answer>.*)$")


#: A label as students rewrite it: ``1 a``, ``4.1(b)``, ``2.1 a``, ``Problem 5a``, ``Q3 c``, then
#: what the form line had after it. Read only where it names one of the exam's labels (``80 V``
#: below a label line is an answer, not label 80v).
#: Like the form's own lines, it needs a ``:``, ``=``, ``)`` or ``.`` before the answer.
_EDITED_LABEL = re.compile(r"^\(?(?:(?:problem|question|part|q)\s*\.?\s*)?(?P<number>[0-9]+(?:\.[0-9]+)*)\s*[(.\-]?\s*"
                           r"(?P<letter>[A-Za-z])(?![A-Za-z0-9])\s*(?P<close>\)(?:\.(?=\s))?|\.(?=\s))?(?:\s*\[[^\]]*\])?"
                           r"(?:\s*\([^)]*\))?(?:\s*\{[^}]*\})?\s*(?P<mark>[=:]?)(?P<answer>.*)$", re.IGNORECASE)


def _edited_label(line: str, labels: frozenset[str]) -> re.Match[str] | None:
    """``line`` as an edited label line (see :data:`_EDITED_LABEL`) of one of ``labels``."""
    match = _EDITED_LABEL.match(line)
    if match is None or not (match["mark"] or match["close"]):
        return None
    return match if f"{match['number']}{match['letter']}".lower() in labels else None


#: A note after an answer on a form line ("-95.1 mV  # rounded"): a ``#`` after a blank starts it.
_FORM_COMMENT = re.compile(r"(?:^|\s)#.*$")


@dataclass(frozen=True)
class _Entry:
    """One submission as read, before it is matched to a roster student."""

    student: str
    answers: dict[str, str]
    """Answers by label, lower case."""
    form: bool = False
    """An answer form (which carries a check code), not a CSV row or JSON entry."""
    check: str = ""
    """The form's check code (``""`` when its ``check:`` line is missing or blank)."""
    version: str = ""
    """The form's version code (``""`` when its ``version:`` line is missing or blank)."""
    kind: str | None = None
    """What the student identifier is (``email``, ``SIS id``), when the file says so."""


def _read_form(path: Path, exam_id: str = "", labels: frozenset[str] = frozenset()
               ) -> list[tuple[str, Notice | _Entry]]:
    """An answers.txt form: ``student: id`` and one ``label [unit] (options) {figures}: answer`` per line.

    Returns its submission and a notice for each line that is not one (a label the student
    edited, say), and for a form of another exam; labels are read whatever their case. A line
    whose label was rewritten (``1 a:``, ``Problem 5a:``) is read where it names one of the
    exam's ``labels``.
    """
    text = _read_text(path)
    if isinstance(text, Notice):
        return [(str(path), text)]
    text, read_as = text
    notices: list[tuple[str, Notice | _Entry]] = [(str(path), notice) for notice in read_as]
    student: str | None = None
    check = version = ""
    given: list[tuple[str, str, str]] = []
    last = 0  # the number of the line read last (blank and comment lines are skipped)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#") or not line.strip():
            continue
        previous, last = last, number
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() == "student":
            student = value.strip()
            continue
        if colon and key.strip().lower() == "check":
            check = value.strip().lower()
            continue
        if colon and key.strip().lower() == "version":
            version = value.strip().lower()
            continue
        if colon and key.strip().lower() == "exam":
            if exam_id and value.strip() != exam_id:
                notices.append((str(path), Notice(str(path), f"is a form of exam {value.strip()!r}, not {exam_id!r}; "
                                                             "graded against this exam all the same")))
            continue
        where = f"{path}, line {number}"
        match = _FORM_LINE.match(line.strip())
        loose = None if match else _LOOSE_FORM_LINE.match(line.strip())
        edited = _edited_label(line.strip(), labels)
        if labels and edited and (match or loose) and (match or loose)["label"].lower() not in labels:
            match = loose = None  # `1.a:` names no label as written, but label 1a as edited
        elif match or loose:
            edited = None
        if match or loose or edited:
            label = f"{edited['number']}{edited['letter']}".lower() if edited else (match or loose)["label"].lower()
            answer = _FORM_COMMENT.sub("", (match or loose or edited)["answer"]).strip()
            given.append((f"line {number}", label, answer))
            if not match:
                notices.append((where, Notice(where, f"is read as answer {label} ({_shown(line.strip())}), though it is "
                                                     "not a 'label: answer' line")))
        elif given and not given[-1][2] and given[-1][0] == f"line {previous}" and not _starts_labelled(line.strip(),
                                                                                                       labels):
            # An answer written on the line below its empty label line.
            place, label, _ = given.pop()
            given.append((place, label, _FORM_COMMENT.sub("", line).strip()))
            notices.append((where, Notice(where, f"is read as answer {label}, written below its label line")))
        else:
            notices.append((where, Notice(where, f"is not a 'label: answer' line ({_shown(line.strip())}); ignored")))
    if student is None:
        return [*notices[:len(read_as)], (str(path), Notice(str(path), "has no 'student:' line; skipped (was the form's "
                                                                       "header deleted?)"))]
    answers, twice = _one_answer_per_label(str(path), given, last=True)
    return [*notices, *((n.where, n) for n in twice), (str(path), _Entry(student, answers, form=True, check=check,
                                                                           version=version))]


def _starts_labelled(line: str, labels: frozenset[str]) -> bool:
    """A line that starts with a label, so it is never an answer to the empty label line above it:
    one of the exam's ``labels`` as the form writes it, or what reads as a label (a problem number
    from 1 and a part letter) followed by ``:`` or ``=`` (``2.1 a: -80 mV``, a label of no part of
    this exam). ``3.27e-5`` and ``0 V: no current`` are answers."""
    start = _LABEL_START.match(line)
    if start and (start.group().lower() in labels if labels else True):
        return True
    match = _EDITED_LABEL.match(line)
    return bool(match and match["mark"] in (":", "=") and not match["number"].startswith("0"))


def _one_answer_per_label(where: str, given: Iterable[tuple[str, str, str]], last: bool = False
                          ) -> tuple[dict[str, str], list[Notice]]:
    """Answers by label from ``(place, label, answer)``: of a label given twice (``1a`` and ``1A``
    columns, say), the first answer that is not blank (with ``last``, the last one: a line a student
    added below on a form is a correction), with a notice when another one differs."""
    places: dict[str, list[tuple[str, str]]] = {}
    for place, label, answer in given:
        # A cell's surrounding line breaks and tabs come from the export (a form's paragraph answer,
        # a pasted cell), not the student: trimmed, as on the answer form. Characters inside stay.
        places.setdefault(label, []).append((place, answer.strip()))
    answers: dict[str, str] = {}
    notices: list[Notice] = []
    for label, found in places.items():
        filled = [(place, answer) for place, answer in found if answer.strip()] or found[:1]
        answers[label] = filled[-1 if last else 0][1]
        if len({answer.strip() for _, answer in filled}) > 1:
            shown = ", ".join(f"{_shown(answer.strip())} ({place})" for place, answer in filled)
            notices.append(Notice(where, f"answer {label} is given {len(filled)} times, differently: {shown}; the "
                                         f"{'last' if last else 'first'} is graded: keep one answer {label}"))
    return answers, notices


def _shown(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _merge(manifest: Mapping[str, Any], entries: Iterable[tuple[str, Notice | _Entry]]) -> Submissions:
    """Match submissions to roster students; of two for one student the later is graded, except
    that a form without the student's own check code (another student's, an edited one, or none)
    never replaces one with it, or a CSV row or JSON entry, and a form from a sheet of an earlier
    build never replaces one for the current sheet."""
    identities = student_identities(manifest)
    index = StudentIndex(identities)
    versions = {identity.id: identity.form_version for identity in identities}
    labels = _labels(manifest)
    checks: Mapping[str, str] = manifest.get("form_checks") or {}
    owners: dict[str, str] = {}
    answers: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    foreign: set[str] = set()
    """Students whose graded submission is a form without their own check code."""
    stale: set[str] = set()
    """Students whose graded submission is a form from a sheet of an earlier build."""
    notices: list[Notice] = []
    for where, entry in entries:
        if isinstance(entry, Notice):
            notices.append(entry)
            continue
        roster_id, note = index.find(entry.student, entry.kind)
        if note:
            notices.append(Notice(where, note))
        if roster_id is None:
            if not note:
                notices.append(Notice(where, f"student {entry.student!r} is not on the exam's roster; skipped"))
            continue
        if entry.form and roster_id in checks and entry.check != checks[roster_id]:
            if entry.check:
                owners = owners or {code: owner for owner, code in checks.items()}
                owner = owners.get(entry.check)
                whose = f"is the one on {owner}'s form" if owner else "matches no student's form (was it edited?)"
                problem = f"its check code {entry.check!r} {whose}, not {roster_id}'s"
            else:
                problem = f"it has no check code (its 'check:' line is missing or blank), so it is not known to be " \
                          f"{roster_id}'s own form"
            if not _doubtful_form(notices, where, roster_id, problem, foreign, roster_id in answers,
                                  f"{roster_id}'s own submission ({sources.get(roster_id)}) is. Was a form handed in "
                                  "under another student's id?",
                                  f"graded as {roster_id} all the same: was a form handed in under another student's id?"):
                continue
        else:
            foreign.discard(roster_id)
        current = versions.get(roster_id, "")
        # A form with another student's check code has their version: said once, by its check code.
        if entry.form and entry.version and current and entry.version != current and roster_id not in foreign:
            problem = (f"its version code {entry.version!r} is not the one on {roster_id}'s current sheet "
                       f"({current!r}): the form was written on a sheet of an earlier build, whose problems have "
                       "changed since")
            if not _doubtful_form(notices, where, roster_id, problem, stale, roster_id in answers,
                                  f"{roster_id}'s submission for the current sheet ({sources.get(roster_id)}) is",
                                  f"graded against the current key all the same: hand {roster_id} the current sheet, "
                                  "or grade this form by hand"):
                continue
        else:
            stale.discard(roster_id)
        given = entry.answers
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


def _doubtful_form(notices: list[Notice], where: str, roster_id: str, problem: str, flagged: set[str],
                   answered: bool, kept: str, graded: str) -> bool:
    """Say why a form is doubtful (another student's check code, an earlier build's version) and
    whether it is graded: not where the student has a submission already that is not doubtful in
    this way (``flagged`` holds the students whose graded submission is)."""
    if answered and roster_id not in flagged:
        notices.append(Notice(where, f"{problem}; not graded: {kept}"))
        return False
    notices.append(Notice(where, f"{problem}; {graded}"))
    flagged.add(roster_id)
    return True


def label_order(label: str) -> tuple[Any, ...]:
    """Labels in exam order: 2a before 10a, 3.1b after 3.1a."""
    return tuple(int(piece) if piece.isdigit() else piece for piece in re.findall(r"\d+|\D+", label))


#: Digits an integer in a JSON file may have before it is kept as its text (Python refuses to
#: convert longer ones, and no answer box reads more than 200 characters anyway).
_JSON_INT_DIGITS = 4000


class _JSONLiteral(str):
    """A JSON number too long to convert, kept as written."""


def _json_int(text: str) -> int | str:
    return int(text) if len(text) <= _JSON_INT_DIGITS else _JSONLiteral(text)


_JSON_DECODER = json.JSONDecoder(parse_int=_json_int)
#: One piece of JSON when skipping a value: a string, a bracket, or a run of anything else.
_JSON_PIECE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|[^"\[\]{}]+', re.DOTALL)
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class _TooDeep:
    """A JSON value nested too deeply to read (in place of the value)."""


def _json_load(text: str) -> Any:
    """A JSON text; where it is nested too deeply to read at once, its top two levels are read
    member by member, and each value too deep to read becomes :class:`_TooDeep`."""
    try:
        return _JSON_DECODER.decode(text)
    except RecursionError:
        pass
    value, end = _json_members(text, _JSON_SPACE.match(text).end(), 2)
    if text[end:].strip():
        raise ValueError(f"Extra data: char {end}")
    return value


def _json_members(text: str, start: int, levels: int) -> tuple[Any, int]:
    """The JSON object or array at ``start`` and where it ends, each member parsed on its own
    (``levels`` deep) so that a member too deep to parse spoils only itself."""
    if text[start:start + 1] not in ("{", "["):
        return _json_value(text, start, 0)
    close = "}" if text[start] == "{" else "]"
    members: list[tuple[Any, Any]] = []
    at = _JSON_SPACE.match(text, start + 1).end()
    while not text.startswith(close, at):
        if members:
            if not text.startswith(",", at):
                raise ValueError(f"Expecting ',' delimiter: char {at}")
            at = _JSON_SPACE.match(text, at + 1).end()
        key: Any = len(members)
        if close == "}":
            if not text.startswith('"', at):
                raise ValueError(f"Expecting property name enclosed in double quotes: char {at}")
            key, at = json.decoder.scanstring(text, at + 1)
            at = _JSON_SPACE.match(text, at).end()
            if not text.startswith(":", at):
                raise ValueError(f"Expecting ':' delimiter: char {at}")
            at = _JSON_SPACE.match(text, at + 1).end()
        value, at = _json_value(text, at, levels - 1)
        members.append((key, value))
        at = _JSON_SPACE.match(text, at).end()
    return (dict(members) if close == "}" else [value for _, value in members]), at + 1


def _json_value(text: str, start: int, levels: int) -> tuple[Any, int]:
    try:
        return _JSON_DECODER.raw_decode(text, start)
    except RecursionError:
        if levels > 0:
            return _json_members(text, start, levels)
    depth, at = 0, start
    for piece in _JSON_PIECE.finditer(text, start):  # skip to the end of the value
        at = piece.end()
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(piece.group(), 0)
        if depth == 0:
            return _TooDeep(), at
    raise ValueError(f"Unterminated value: char {start}")


def _read_json(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    text = _read_text(path)
    if isinstance(text, Notice):
        return Submissions({}, {}, (text,))
    text, read_as = text
    try:
        data = _json_load(text)
    except ValueError as error:
        return Submissions({}, {}, (*read_as, Notice(str(path), f"is not valid JSON ({error}); nothing graded from "
                                                                "it")))
    entries: list[tuple[str, Notice | _Entry]] = [(str(path), notice) for notice in read_as]
    items = data.items() if isinstance(data, dict) else enumerate(data if isinstance(data, list) else [])
    for key, value in items:
        where = f"{path} [{key!r}]"
        if isinstance(data, dict) and isinstance(value, dict):
            student, given = str(key), value
        elif isinstance(value, dict) and isinstance(value.get("answers"), dict) and "student" in value:
            student, given = str(value["student"]), value["answers"]
        else:
            deep = isinstance(value, _TooDeep) or any(isinstance(member, _TooDeep) for member in
                                                      (value.values() if isinstance(value, dict) else
                                                       value if isinstance(value, list) else ()))
            why = ("is nested too deeply to read" if deep else
                   "is not {student: {label: answer}} or {\"student\": id, \"answers\": {...}}")
            entries.append((where, Notice(where, f"{why}; skipped")))
            continue
        read: list[tuple[str, str, str]] = []
        for label, answer in given.items():
            text_given = _json_answer(answer)
            if text_given is None:
                entries.append((where, Notice(where, f"answer {str(label)!r} is nested too deeply to read; it "
                                                     "counts as blank")))
                text_given = ""
            read.append((f"key {str(label)!r}", str(label).lower(), text_given))
        answers, twice = _one_answer_per_label(where, read)
        entries += [(where, notice) for notice in twice]
        entries.append((where, _Entry(student, answers)))
    return _merge(manifest, entries)


def _json_answer(value: Any) -> str | None:
    """A JSON answer as the text graded: a string as it is, null as blank, anything else as the JSON
    that was written (``65.2``, ``true``, ``["Na+"]``); None for one nested too deeply to write."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, _TooDeep):
        return None
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, TypeError):  # TypeError: a _TooDeep inside
        return None


#: Header names (case-insensitive) of the student column that say which identifier it holds;
#: the others hold roster ids (or any identifier).
_ID_COLUMN_KINDS = {"sis user id": _SIS, "sis_id": _SIS, "email": _EMAIL, "email address": _EMAIL}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _read_csv(path: Path, manifest: Mapping[str, Any]) -> Submissions:
    text = _read_text(path)
    if isinstance(text, Notice):
        return Submissions({}, {}, (text,))
    text, read_as = text
    dialect = csv_dialect(text)
    records = csv_records(text, dialect)
    if not records:
        return Submissions({}, {}, (*read_as, Notice(str(path), "is empty")))
    head = records[0][1]
    if isinstance(head, csv.Error):
        return Submissions({}, {}, (*read_as, Notice(f"{path}, row 1", f"cannot be read ({head}); nothing graded "
                                                                       "from the file")))
    header = [cell.strip() for cell in head]
    lower = [cell.casefold() for cell in header]
    id_column = next((lower.index(name) for name in ID_COLUMNS if name in lower), None)
    if id_column is None:
        return Submissions({}, {}, (*read_as, Notice(f"{path}, row 1", "has no student column (one of: "
                                                     + ", ".join(ID_COLUMNS) + "); nothing graded from it")))
    kind = _ID_COLUMN_KINDS.get(lower[id_column])
    labels = _labels(manifest)
    # A label column may carry its unit or options as on the form ("1a [mV]").
    columns = {i: match.group("label").lower() for i, cell in enumerate(header)
               if (match := _FORM_LINE.match(cell + ":")) and match.group("label").lower() in labels}
    entries: list[tuple[str, Notice | _Entry]] = [(str(path), notice) for notice in read_as]
    first_row = f"{path}, row 1"
    missing = sorted(labels - set(columns.values()), key=label_order)
    if missing:
        unread = [cell for i, cell in enumerate(header) if i not in columns and i != id_column and cell]
        entries.append((first_row, Notice(first_row, (
            f"has no column for the answer labels {', '.join(missing)}; those answers count as blank"
            + (f" (columns not read: {', '.join(unread[:12])}{' …' if len(unread) > 12 else ''})" if unread else "")
            + "; name the columns as on the answer form (1a, 2b, …)"))))
    for label in sorted(set(columns.values()), key=label_order):
        same = [i for i, each in columns.items() if each == label]
        if len(same) > 1:
            named = " and ".join(f"column {i + 1} ({header[i]!r})" for i in same)
            entries.append((first_row, Notice(first_row, f"{named} are both answer {label}; each row's first answer "
                                                          f"there that is not blank is graded: keep one column "
                                                          f"{label}")))
    delimiter = _DELIMITER_NAMES.get(dialect.delimiter, repr(dialect.delimiter))
    for number, row in records[1:]:
        where = f"{path}, row {number}"
        if isinstance(row, csv.Error):
            entries.append((where, Notice(where, f"cannot be read ({row}); skipped")))
            continue
        if not any(cell.strip() for cell in row):
            continue
        student = row[id_column].strip() if id_column < len(row) else ""
        if not student:
            entries.append((where, Notice(where, "has no student id; skipped")))
            continue
        if any(cell.strip() for cell in row[len(header):]):
            entries.append((where, Notice(where, f"has {len(row)} cells but the header {len(header)}; the cells past "
                                                 "the header are not read: check the row (a cell with a "
                                                 f"{delimiter} must be in double quotes)")))
        given = [(f"column {header[i]!r}", label, row[i] if i < len(row) else "") for i, label in columns.items()]
        answers, twice = _one_answer_per_label(where, given)
        entries += [(where, notice) for notice in twice]
        entries.append((where, _Entry(student, answers, kind=kind)))
    return _merge(manifest, entries)


#: The delimiters a CSV may use: commas, or the semicolons or tabs that European spreadsheets,
#: LMS exports and Excel's "Unicode text" write; on a tie, the earlier.
CSV_DELIMITERS = (",", ";", "\t")
_DIALECTS = {delimiter: type(f"excel_{_DELIMITER_NAMES[delimiter]}", (csv.excel,),
                             {"delimiter": delimiter, "skipinitialspace": True})
             for delimiter in CSV_DELIMITERS}


@contextlib.contextmanager
def _field_limit(size: int) -> Iterator[None]:
    """Let the csv module read cells of up to ``size`` characters (a file may hold one that long)."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, size))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def csv_dialect(text: str) -> type[csv.Dialect]:
    """The dialect of a CSV: standard (RFC 4180) quoting, and the delimiter that splits its
    header row into the most cells (a comma on a tie). The header is read as the csv module
    reads it, so delimiters inside quoted cells do not count; the time is linear in its length."""
    counts = {}
    with _field_limit(len(text) + 1):
        for delimiter in CSV_DELIMITERS:
            try:
                counts[delimiter] = len(next(csv.reader(io.StringIO(text, newline=""), _DIALECTS[delimiter]), []))
            except csv.Error:
                counts[delimiter] = 0
    return _DIALECTS[max(CSV_DELIMITERS, key=lambda delimiter: counts[delimiter])]


def csv_records(text: str, dialect: type[csv.Dialect] | None = None) -> list[tuple[int, list[str] | csv.Error]]:
    """Every record of a CSV text with its row number as a spreadsheet shows it (1: the header).

    Rows may end in CRLF, LF or CR alone (Excel for Mac's "CSV (Macintosh)"), mixed; a cell may be
    as long as the text. A record the csv module cannot read is its error, and reading goes on
    at the next line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), dialect or csv_dialect(text))
    records: list[tuple[int, list[str] | csv.Error]] = []
    with _field_limit(len(text) + 1):
        while True:
            try:
                row: list[str] | csv.Error = next(reader)
            except StopIteration:
                return records
            except csv.Error as error:
                row = error
            records.append((len(records) + 1, row))


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
