"""Rosters: who gets a sheet. Reads a simple ``id,name[,email]`` CSV or an LMS gradebook export.

Recognised layouts (by their header row):

- simple: columns ``id`` and ``name`` (any case), optional ``email``;
- Canvas gradebook export: ``Student, ID, SIS User ID, SIS Login ID, Section, ...``; the
  ``Points Possible`` row and Canvas's test student (``Test Student`` or ``Student, Test``) are
  skipped; the Canvas ``ID`` is the id;
- Moodle grades export: ``First name, Last name (or Surname), ID number, ..., Email address``;
  the id is the ``ID number``, or the email address where that is blank.

Every problem names the file and the row: blank or duplicate ids, missing columns, bytes that
are not UTF-8.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import re
from dataclasses import dataclass
from pathlib import Path

from problemgen.batch import csv_dialect
from problemgen.errors import ConfigError


@dataclass(frozen=True)
class Student:
    """One student of a roster."""

    id: str
    name: str
    email: str = ""
    sis_id: str = ""
    """Other ids an LMS may know the student by (Canvas SIS User ID, Moodle ID number)."""


def demo_roster_path() -> Path:
    """The built-in demo roster (30 students)."""
    return Path(str(importlib.resources.files("problemgen.templates"))) / "demo" / "roster.csv"


def _decode(raw: bytes, shown: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = raw[: error.start].count(b"\n") + 1
        raise ConfigError(shown, f"row {row}", f"is not UTF-8 (byte 0x{raw[error.start]:02x}); save the roster as "
                          "\"CSV UTF-8\" and try again") from None


def load_roster(path: str | Path) -> list[Student]:
    """Read a roster file in any recognised layout; rows are numbered as a spreadsheet shows them."""
    path = Path(path)
    shown = str(path)
    try:
        text = _decode(path.read_bytes(), shown)
    except OSError as error:
        raise ConfigError(shown, "", f"cannot be read: {error}") from None
    rows = list(csv.reader(io.StringIO(text), dialect=csv_dialect(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ConfigError(shown, "row 1", "has no header; start with a header row such as id,name,email")
    header = [cell.strip() for cell in rows[0]]
    lower = [cell.lower() for cell in header]
    if "student" in lower and "id" in lower and "section" in lower:
        students = _canvas(rows, lower, shown)
    elif "id number" in lower or ("first name" in lower and "email address" in lower):
        students = _moodle(rows, lower, shown)
    elif "id" in lower and "name" in lower:
        students = _simple(rows, lower, shown)
    else:
        raise ConfigError(shown, "row 1", f"has columns {', '.join(header)}; a roster needs columns id and name "
                          "(optionally email), or a Canvas or Moodle gradebook export")
    if not students:
        raise ConfigError(shown, "", "lists no students")
    return students


#: A Canvas gradebook column of an assignment: its title and Canvas id, ``Midterm (12345)``.
_CANVAS_ASSIGNMENT = re.compile(r"^(?P<title>.+?)\s*\((?P<id>\d+)\)$")


def canvas_assignment_column(path: str | Path, title: str) -> tuple[str, tuple[str, ...]]:
    """The column of a Canvas gradebook export whose assignment is titled ``title`` (whatever the
    case and spacing; ``""`` if none), and every assignment column of the export (none for other
    rosters). Uploading grades under that column fills the existing assignment; under a bare title
    Canvas would match by title or create a new one."""
    text = _decode(Path(path).read_bytes(), str(path))
    header = next(csv.reader(io.StringIO(text), dialect=csv_dialect(text)), [])
    lower = [cell.strip().lower() for cell in header]
    if not ("student" in lower and "id" in lower and "section" in lower):
        return "", ()
    columns = tuple(cell.strip() for cell in header if _CANVAS_ASSIGNMENT.match(cell.strip()))
    wanted = " ".join(title.split()).casefold()
    found = next((column for column in columns
                  if " ".join(_CANVAS_ASSIGNMENT.match(column)["title"].split()).casefold() == wanted), "")
    return found, columns


def _cell(row: list[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


def _column(lower: list[str], *names: str) -> int | None:
    for name in names:
        if name in lower:
            return lower.index(name)
    return None


def _collect(rows: list[list[str]], shown: str, make: object) -> list[Student]:
    students: list[Student] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        student = make(row)  # type: ignore[operator]
        if student is None:
            continue
        if not student.id:
            raise ConfigError(shown, f"row {number}", "has a blank id; every student needs an id")
        if student.id in first_row:
            raise ConfigError(shown, f"row {number}", f"repeats the id {student.id!r} of row {first_row[student.id]}; "
                              "ids must be unique")
        first_row[student.id] = number
        students.append(student)
    return students


def _simple(rows: list[list[str]], lower: list[str], shown: str) -> list[Student]:
    id_, name, email = _column(lower, "id"), _column(lower, "name"), _column(lower, "email")
    return _collect(rows, shown, lambda row: Student(_cell(row, id_), _cell(row, name), _cell(row, email)))


def _canvas(rows: list[list[str]], lower: list[str], shown: str) -> list[Student]:
    student, id_ = _column(lower, "student"), _column(lower, "id")
    sis, login = _column(lower, "sis user id"), _column(lower, "sis login id")

    def make(row: list[str]) -> Student | None:
        name = _cell(row, student)
        # Canvas's test student is "Test Student", or "Student, Test" in exports sorted by last name.
        if name.lower() in ("points possible", "test student", "student, test") or \
                name.lower().startswith("points possible"):
            return None
        login_id = _cell(row, login)
        return Student(_cell(row, id_), name, login_id if "@" in login_id else "", _cell(row, sis))

    return _collect(rows, shown, make)


def _moodle(rows: list[list[str]], lower: list[str], shown: str) -> list[Student]:
    first, last = _column(lower, "first name"), _column(lower, "last name", "surname")
    number, email = _column(lower, "id number"), _column(lower, "email address")
    if email is None and number is None:
        raise ConfigError(shown, "row 1", "is a Moodle export without ID number or Email address; include one of them")

    def make(row: list[str]) -> Student:
        id_number, mail = _cell(row, number), _cell(row, email)
        name = " ".join(part for part in (_cell(row, first), _cell(row, last)) if part)
        return Student(id_number or mail, name, mail, id_number)

    return _collect(rows, shown, make)
