"""The exam manifest and the files that grow with it, one student at a time.

``manifest.json`` (``schema_version`` in :data:`problemgen.batch.MANIFEST_SCHEMA_VERSION`) is the
hand-off between generating and grading: every student's variants with their expected answers.
It is streamed with the master key CSV and the exported graders' trimmed copy, so a build never
holds every student in memory.

Layout: the header on the first line, then one student per line (keys sorted, so ``email``,
``folder``, ``id``, ``labels``, ``name`` open the line and ``sis_id`` ends it), then ``]}``.
Grading reads each student's identity and answer labels from the two ends of its line and leaves
the problems to the worker that grades the student (:class:`problemgen.batch.StreamedStudents`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from problemgen import __version__
from problemgen.batch import MANIFEST_SCHEMA_VERSION

if TYPE_CHECKING:
    from collections.abc import Iterable

    from problemgen.exam import ExamConfig
    from problemgen.model import Template
    from problemgen.roster import Student


@dataclass(frozen=True)
class StudentLines:
    """One student's share of the streamed files, serialised by whoever rendered the student.

    Builds serialise in their workers, so the process writing the streams only appends text.
    """

    manifest: str
    """The manifest entry as JSON."""
    grading: str
    """The trimmed entry of ``grader/manifest.json``."""
    key: str
    """The student's rows of the master key CSV."""


def student_lines(student: Student, entry: dict[str, Any]) -> StudentLines:
    """Serialise one student's manifest ``entry`` for :meth:`ManifestStreams.student`."""
    from problemgen.export.grader import grading_line

    from problemgen.results import spreadsheet_text

    name = spreadsheet_text(student.name)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        key_row(student, problem, part, name) for problem in entry["problems"] for part in problem["parts"])
    return StudentLines(json.dumps(entry, sort_keys=True, ensure_ascii=False), grading_line(entry), buffer.getvalue())


class ManifestStreams:
    """The files that grow one student at a time: manifest, grading data, master key."""

    def __init__(self, root: Path, header: dict[str, Any]) -> None:
        self.root, self.header = root, header
        self.files = 2
        self._first = True

    def __enter__(self) -> ManifestStreams:
        from problemgen.export.grader import GraderData

        self._manifest = (self.root / "manifest.json").open("w", encoding="utf-8")
        header = self.header
        # NB: the grading data of grader/ streams beside the manifest, so no stage reloads it all.
        self._grader = GraderData(self.root, header)
        # "students" sorts last among the top-level keys, so the header can be written first.
        self._manifest.write(json.dumps(header, sort_keys=True, ensure_ascii=False)[:-1] + ', "students": [\n')
        self._key_file = (self.root / "keys" / "master-key.csv").open("w", newline="", encoding="utf-8")
        csv.writer(self._key_file).writerow(KEY_COLUMNS)
        return self

    def student(self, lines: StudentLines) -> None:
        """Append one student's manifest entry, grading data and master-key rows."""
        self._manifest.write(("" if self._first else ",\n") + lines.manifest)
        self._first = False
        self._key_file.write(lines.key)
        self._grader.line(lines.grading)

    def __exit__(self, *exc: object) -> None:
        self._manifest.write("\n]}\n")
        self._manifest.close()
        self._grader.close()
        self._key_file.close()


KEY_COLUMNS = ["student_id", "student_name", "label", "slot", "template", "part", "kind", "answer", "unit", "rtol",
               "atol", "sigfigs", "points"]


def key_row(student: Student, entry: dict[str, Any], part: dict[str, Any], name: str) -> list[Any]:
    """One master-key row, in :data:`KEY_COLUMNS` order (a list: a DictWriter checks every row's
    keys); ``name`` is the student's name as written to a CSV (formula-safe)."""
    e = part["expected"]
    answer = e.get("value", e.get("answer", e.get("expression")))
    return [student.id, name, part["label"], entry["slot"], entry["template"], part["name"], e["kind"], answer,
            e.get("unit", ""), e.get("rtol", ""), e.get("atol", ""), e.get("sigfigs") or "", round(part["points"], 6)]


def manifest_header(exam: ExamConfig, templates: Iterable[Template], secret_fingerprint: str = "",
                    form_checks: dict[str, str] | None = None, canvas_column: str = "") -> dict[str, Any]:
    """Everything of the manifest but its students: versions, exam, grading policy, feedback texts,
    the fingerprint of the secret (so a rebuild can refuse another secret), each student's
    answer-form check code (so grading can tell whose form was handed in) and, for a Canvas
    roster, the gradebook column of the exam's assignment (``Midterm (12345)``)."""
    from problemgen.export.grader import grading_code
    from problemgen.sheets import misconception_texts

    return {
        "schema_version": MANIFEST_SCHEMA_VERSION, "generator": f"problemgen {__version__}",
        "grading_code": grading_code(),
        **({"secret_fingerprint": secret_fingerprint} if secret_fingerprint else {}),
        **({"form_checks": form_checks} if form_checks else {}),
        "exam": {"id": exam.id, "title": exam.title, "course": exam.course, "date": exam.date,
                 **({"canvas_column": canvas_column} if canvas_column else {})},
        "grading": {"gradescope_visibility": exam.gradescope_visibility,
                    "misconception_credit": exam.misconception_credit, "show_solutions": exam.show_solutions,
                    "sigfig_rule": exam.sigfig_rule, "unit_required": exam.unit_required},
        "misconception_feedback": misconception_texts(templates),
    }
