"""Rosters: who gets a sheet. Reads a simple ``id,name[,email][,sis_id]`` CSV or an LMS gradebook export.

Recognised layouts (by their header row):

- simple: columns ``id`` and ``name`` (any case), optional ``email`` and ``sis_id``;
- Canvas gradebook export: ``Student, ID, SIS User ID, SIS Login ID, Section, ...``; the
  ``Points Possible`` row and Canvas's test student (``Test Student`` or ``Student, Test``) are
  skipped; the Canvas ``ID`` is the id, the SIS User ID is kept as ``sis_id`` and the SIS Login
  ID (an email address or a user name) as ``email``, the login Canvas and graders match;
- Moodle grades export: ``First name, Last name (or Surname), ID number, ..., Email address``;
  the id is the ``ID number``, or the email address where that is blank (with a notice); German
  (``Vorname, Nachname, ID-Nummer, E-Mail-Adresse``) and French headers are read too.

The file is read as standard CSV (RFC 4180 quoting, ``""`` inside a quoted cell), with commas,
semicolons or tabs, any line endings (CR-only from old Excel for Mac too), in UTF-8, UTF-16 with a
BOM (Excel's "Unicode Text") or Windows-1252 (Excel's "CSV" on Windows; both with a notice).

Every problem names the file and the row and says how to fix it: a row with more cells than the
header (an unquoted comma), blank ids, ids that cannot name a folder on every system (over 100
characters, Windows device names such as ``CON``, a start that spreadsheets take for a formula),
and ids, emails or SIS ids that two students share (ids also when they differ only in case):
grading matches submissions by any of them, ignoring case, and so do macOS and Windows folders.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from problemgen.errors import ConfigError


@dataclass(frozen=True)
class Student:
    """One student of a roster."""

    id: str
    name: str
    email: str = ""
    """The email address; from a Canvas export the SIS Login ID (an email address or a user name)."""
    sis_id: str = ""
    """Other ids an LMS may know the student by (Canvas SIS User ID, Moodle ID number)."""


@dataclass(frozen=True)
class Roster:
    """A roster file's students, and what the instructor should know about how it was read."""

    students: list[Student]
    notices: tuple[str, ...] = ()
    """Each names the file (and rows): an encoding guessed, blank names, Moodle ids taken from emails."""


def demo_roster_path() -> Path:
    """The built-in demo roster (30 students)."""
    return Path(str(importlib.resources.files("problemgen.templates"))) / "demo" / "roster.csv"


#: The longest id: it names the student's folders (file names stop at 255 bytes, paths sooner).
MAX_ID_LENGTH = 100

#: Names Windows keeps for devices, with or without an extension (``CON``, ``nul.txt``).
_WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                              *(f"LPT{i}" for i in range(10))})

#: The first characters that make a spreadsheet read a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@")

_DELIMITER_NAMES = {",": "a comma", ";": "a semicolon", "\t": "a tab"}


def _decode(raw: bytes, shown: str) -> tuple[str, tuple[str, ...]]:
    """The text of a roster file, and a notice when it was not UTF-8."""
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):  # zip (.xlsx, .ods), OLE (.xls)
        raise ConfigError(shown, "", "is a spreadsheet workbook (.xlsx, .xls or .ods), not a CSV file; save it as "
                          "\"CSV UTF-8 (Comma delimited)\" (Excel: File > Save As) and give that file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), (f"{shown}: is UTF-16 (Excel's \"Unicode Text\"); read as such",)
        except UnicodeDecodeError:
            raise ConfigError(shown, "", "starts like UTF-16 but is not; save the roster as \"CSV UTF-8\" and try "
                              "again") from None
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError as error:
        row = len(re.split(rb"\r\n?|\n", raw[: error.start]))  # CR-only line ends count too
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ConfigError(shown, f"row {row}", f"is not UTF-8 (byte 0x{raw[error.start]:02x}); save the roster "
                              "as \"CSV UTF-8\" and try again") from None
    return text, ((f"{shown}: is not UTF-8 (from row {row}); read as Windows-1252, as Excel saves \"CSV\" on "
                   "Windows: check names with accents, or save the roster as \"CSV UTF-8\""),)


def _delimiter(text: str) -> str:
    """The delimiter that splits the header into the most cells (commas when none splits it).

    Only the header is looked at, read with standard quoting, so a quoted header cell holding a
    comma is not split and the time stays linear in the header's length."""
    header = next(iter(io.StringIO(text, newline="")), "")
    counts = {d: len(next(csv.reader([header.rstrip("\r\n")], delimiter=d), [])) for d in _DELIMITER_NAMES}
    return max(counts, key=lambda d: counts[d])  # max keeps the first of equals: the comma


def _read_rows(path: Path, shown: str) -> tuple[list[list[str]], str, tuple[str, ...]]:
    """Every row of a roster file, its delimiter, and the notices of decoding it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(shown, "", f"cannot be read: {error}") from None
    text, notices = _decode(raw, shown)
    delimiter = _delimiter(text)
    # newline="" keeps line endings for the csv module, which takes \r\n, \n and a lone \r (old
    # Excel for Mac) as row ends and keeps line breaks inside quoted cells.
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter))
    except csv.Error as error:
        raise ConfigError(shown, f"row {len(rows) + 1}", f"is not readable as CSV ({error}); save the roster from "
                          "a spreadsheet as \"CSV UTF-8\" and try again") from None
    return rows, delimiter, notices


def read_roster(path: str | Path) -> Roster:
    """Read a roster file in any recognised layout; rows are numbered as a spreadsheet shows them."""
    path = Path(path)
    shown = str(path)
    rows, delimiter, notices = _read_rows(path, shown)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ConfigError(shown, "row 1", "has no header; start with a header row such as id,name,email")
    header = [cell.strip() for cell in rows[0]]
    lower = [cell.lower() for cell in header]
    translated = [_MOODLE_HEADERS.get(cell, cell) for cell in lower]
    if "first name" in translated and "last name" in translated:  # a Moodle export in German or French
        lower = translated
    if _is_canvas(lower):
        layout = _canvas(lower)
    elif "id number" in lower or ("first name" in lower and "email address" in lower):
        layout = _moodle(lower, shown)
    elif "id" in lower and "name" in lower:
        layout = _simple(lower)
    else:
        raise ConfigError(shown, "row 1", f"has columns {', '.join(header)}; a roster needs columns id and name "
                          "(optionally email), or a Canvas or Moodle gradebook export")
    students, found = _collect(rows, shown, delimiter, layout)
    if not students:
        raise ConfigError(shown, "", "lists no students")
    return Roster(students, notices + found)


def load_roster(path: str | Path) -> list[Student]:
    """The students of a roster file (:func:`read_roster` without its notices)."""
    return read_roster(path).students


def _is_canvas(lower: list[str]) -> bool:
    return "student" in lower and "id" in lower and "section" in lower


#: A Canvas gradebook column of an assignment: its title and Canvas id, ``Midterm (12345)``.
_CANVAS_ASSIGNMENT = re.compile(r"^(?P<title>.+?)\s*\((?P<id>\d+)\)$")


def canvas_assignment_column(path: str | Path, title: str) -> tuple[str, tuple[str, ...]]:
    """The column of a Canvas gradebook export whose assignment is titled ``title`` (whatever the
    case and spacing; ``""`` if none), and every assignment column of the export (none for other
    rosters). Uploading grades under that column fills the existing assignment; under a bare title
    Canvas would match by title or create a new one."""
    rows = _read_rows(Path(path), str(path))[0]
    header = [cell.strip() for cell in rows[0]] if rows else []
    if not _is_canvas([cell.lower() for cell in header]):
        return "", ()
    columns = tuple(cell for cell in header if _CANVAS_ASSIGNMENT.match(cell))
    wanted = " ".join(title.split()).casefold()
    found = next((column for column in columns
                  if " ".join(_CANVAS_ASSIGNMENT.match(column)["title"].split()).casefold() == wanted), "")
    return found, columns


def canvas_points_possible(path: str | Path, column: str) -> float | None:
    """The points possible of an assignment column of a Canvas gradebook export (from its
    ``Points Possible`` row), or None when the export does not say."""
    rows = _read_rows(Path(path), str(path))[0]
    header = [cell.strip() for cell in rows[0]] if rows else []
    if column not in header:
        return None
    index = header.index(column)
    for row in rows[1:]:
        if row and row[0].strip().lower().startswith("points possible"):
            try:
                return float(_cell(row, index).replace(",", "."))
            except ValueError:
                return None
    return None


def _cell(row: list[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


# Moodle names its export's columns in the site's language; these are Moodle's own German and French strings.
_MOODLE_HEADERS = {
    "vorname": "first name", "nachname": "last name", "id-nummer": "id number", "e-mail-adresse": "email address",
    "prénom": "first name", "nom": "last name", "numéro d'identification": "id number",
    "adresse de courriel": "email address",
}


def _column(lower: list[str], *names: str) -> int | None:
    for name in names:
        if name in lower:
            return lower.index(name)
    return None


@dataclass(frozen=True)
class _Layout:
    """How to read the students of one roster layout."""

    make: Callable[[list[str]], Student | None]
    """A row's student, or None for a row that is no student (Canvas's Points Possible row)."""
    labels: dict[str, str]
    """The column each Student field comes from, for messages."""
    blank_id: Callable[[list[str]], str]
    """What to say about a row without an id."""
    fallback: Callable[[Student], bool] = lambda student: False
    """Whether the student's id was taken from another column (a Moodle email)."""


def _rows(numbers: list[int]) -> str:
    """``row 3``, ``rows 3 and 7``, ``rows 3, 7, 9, 12, 15 and 4 more``."""
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    shown = [str(n) for n in numbers[:5]]
    rest = f"{len(numbers) - 5} more" if len(numbers) > 5 else shown.pop()
    return f"rows {', '.join(shown)} and {rest}"


def _collect(rows: list[list[str]], shown: str, delimiter: str, layout: _Layout) -> tuple[list[Student], tuple[str, ...]]:
    width = len(rows[0])
    students: list[Student] = []
    checks = _Checks(shown, layout.labels)
    nameless: list[int] = []
    fallbacks: list[int] = []
    not_addresses: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if any(cell.strip() for cell in row[width:]):
            example = ', e.g. "Wei Smith, Jr."' if delimiter == "," else ""
            raise ConfigError(shown, f"row {number}", f"has {len(row)} cells but the header has {width}; put a cell "
                              f"that contains {_DELIMITER_NAMES[delimiter]} in double quotes{example}")
        student = layout.make(row)
        if student is None:
            continue
        if not student.id:
            raise ConfigError(shown, f"row {number}", layout.blank_id(row))
        checks.add(number, student)
        if not student.name:
            nameless.append(number)
        if layout.fallback(student):
            fallbacks.append(number)
        if student.email and "@" not in student.email and layout.labels["email"] != "SIS Login ID":
            not_addresses.append(number)  # a Canvas login may be a user name; an email column holds addresses
        students.append(student)
    notices = []
    if nameless:
        notices.append(f"{shown}, {_rows(nameless)}: no name; the sheets show the id alone")
    if not_addresses:
        notices.append(f"{shown}, {_rows(not_addresses)}: the {layout.labels['email']} is not an email address (no "
                       f"'@'); graders match submissions by it, so check that column")
    if fallbacks:
        where = (f"{shown}: no student has an ID number, so the email addresses are the ids" if len(fallbacks) ==
                 len(students) else f"{shown}, {_rows(fallbacks)}: no ID number, so the email address is the id")
        notices.append(f"{where} (an id names the folder and picks the variant: a student given an ID number later "
                       "gets another variant, so fill in ID numbers before handing out sheets)")
    return students, tuple(notices)


class _Checks:
    """The checks of each student's id, email and SIS id against the rows before."""

    def __init__(self, shown: str, labels: dict[str, str]) -> None:
        self.shown = shown
        self.labels = labels
        self.ids: dict[str, int] = {}
        self.keys: dict[str, tuple[int, str, str]] = {}
        """Every case-folded id, email and SIS id -> the first row, field and value holding it."""

    def add(self, number: int, student: Student) -> None:
        def fail(problem: str) -> ConfigError:
            return ConfigError(self.shown, f"row {number}", problem)

        sid = student.id
        if sid.startswith(_FORMULA_START):
            raise fail(f"has the id {sid!r}, which spreadsheets take for a formula in the grade files; give the "
                       "student an id that starts with a letter or digit")
        if len(sid) > MAX_ID_LENGTH:
            raise fail(f"has an id of {len(sid)} characters; an id names the student's folders, so it may have at "
                       f"most {MAX_ID_LENGTH} (is the {self.labels['id']} column the right one?)")
        if sid.split(".")[0].upper() in _WINDOWS_DEVICES:
            raise fail(f"has the id {sid!r}, a device name on Windows, where the student's folder could not be "
                       "opened; give the student another id")
        if sid in self.ids:
            raise fail(f"repeats the id {sid!r} of row {self.ids[sid]}; ids must be unique")
        self.ids[sid] = number
        fields = {}
        for field in ("id", "email", "sis_id"):
            value = getattr(student, field)
            if value:
                fields.setdefault(value.casefold(), (field, value))
        if student.email.casefold() == sid.casefold():  # a Moodle id taken from the email
            fields[sid.casefold()] = ("email", student.email)
        for key, (field, value) in fields.items():
            if key not in self.keys:
                self.keys[key] = (number, field, value)
                continue
            row, other, first = self.keys[key]
            label, first_label = self.labels[field], self.labels[other]
            if field == other == "id":
                raise fail(f"has the id {value!r}, which differs from the id {first!r} of row {row} only in case; "
                           "ids must differ in more than case (grading ignores case, and so do folders on macOS "
                           "and Windows)")
            if field == other:
                raise fail(f"repeats the {label} {value!r} of row {row}"
                           + (" (ignoring case)" if value != first else "")
                           + f"; grading matches submissions by {label}, so give each student their own "
                           "(or leave the cell blank)")
            raise fail(f"has the {label} {value!r}, which is the {first_label} of row {row}"
                       + (" (ignoring case)" if value != first else "")
                       + "; grading matches submissions by either, so it could not tell the two students apart: "
                       + (f"correct one of them (or leave the {first_label} of row {row} blank)" if field == "id"
                          else f"correct one of them (or leave the {label} blank)"))


def _simple(lower: list[str]) -> _Layout:
    id_, name, email = _column(lower, "id"), _column(lower, "name"), _column(lower, "email")
    sis = _column(lower, "sis_id", "sis id", "sis user id")

    def blank_id(row: list[str]) -> str:
        if _cell(row, sis):
            # The id names the folder and seeds the variant; it is never guessed from another column.
            return (f"has a blank id but the sis_id {_cell(row, sis)!r}; every student needs an id: fill it in "
                    "(with the SIS id, if that is the id you use)")
        return "has a blank id; every student needs an id"

    return _Layout(lambda row: Student(_cell(row, id_), _cell(row, name), _cell(row, email), _cell(row, sis)),
                   {"id": "id", "email": "email", "sis_id": "sis_id"}, blank_id)


def _canvas(lower: list[str]) -> _Layout:
    student, id_ = _column(lower, "student"), _column(lower, "id")
    sis, login = _column(lower, "sis user id"), _column(lower, "sis login id")

    def make(row: list[str]) -> Student | None:
        name = _cell(row, student)
        # Canvas's test student is "Test Student", or "Student, Test" in exports sorted by last name.
        if name.lower() in ("test student", "student, test") or name.lower().startswith("points possible"):
            return None
        return Student(_cell(row, id_), name, _cell(row, login), _cell(row, sis))

    return _Layout(make, {"id": "ID", "email": "SIS Login ID", "sis_id": "SIS User ID"},
                   lambda row: "has a blank ID; every student needs an id (export the gradebook from Canvas again)")


def _moodle(lower: list[str], shown: str) -> _Layout:
    first, last = _column(lower, "first name"), _column(lower, "last name", "surname")
    number, email = _column(lower, "id number"), _column(lower, "email address")
    if email is None and number is None:
        raise ConfigError(shown, "row 1", "is a Moodle export without ID number or Email address; include one of them")

    def make(row: list[str]) -> Student:
        id_number, mail = _cell(row, number), _cell(row, email)
        name = " ".join(part for part in (_cell(row, first), _cell(row, last)) if part)
        return Student(id_number or mail, name, mail, id_number)

    return _Layout(make, {"id": "ID number", "email": "Email address", "sis_id": "ID number"},
                   lambda row: "has neither an ID number nor an Email address; every student needs one of them",
                   # Without an ID number column every id is an email: one scheme, nothing to say.
                   lambda student: number is not None and not student.sis_id)
