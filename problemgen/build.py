"""``problemgen generate``: build an exam — sheets, answer forms, keys, manifest, PDFs.

Stage order (NB: declared once here):

1. load templates, the exam config, the roster and the secret;
2. assign templates to each student's slots (a draw from a pool is seeded like a variant);
3. generate every (slot, template) group at once, unique within the group;
4. write each student's files into a temporary folder (one student at a time: nothing is held
   but the variants), then the master key and the manifest;
5. print PDFs with one Chromium process, if one is installed and PDF is asked for;
6. move the finished folder into place. A failure anywhere removes the temporary folder and
   leaves any previous build untouched.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from problemgen import __version__
from problemgen.errors import BuildError
from problemgen.exam import ExamConfig, Problem, apply_overrides, demo_dir, load_exam
from problemgen.model import Template, Variant, VariantKey
from problemgen.roster import Student, demo_roster_path, load_roster

MANIFEST_SCHEMA_VERSION = 1
DEMO_OUT = "problemgen-demo"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildSummary:
    """What a build did, for the CLI to print."""

    out: Path
    students: int
    problems: int
    files: int
    seconds: float
    secret_file: Path
    secret_created: bool
    pdf_note: str
    """Empty when PDFs were written or not asked for; else why they were not."""
    capacity: tuple[str, ...]
    """One line per slot: distinct variants used of how many available."""


def all_templates(extra_banks: tuple[Path, ...] = ()) -> dict[str, Template]:
    """Templates of the built-in banks plus extra bank folders, by id."""
    from problemgen.bank import builtin_banks, load_bank

    templates: dict[str, Template] = {}
    for bank in [*builtin_banks().values(), *(load_bank(path) for path in extra_banks)]:
        templates.update(bank.templates)
    return templates


def _exam_and_templates(exam_path: Path | None) -> tuple[ExamConfig, dict[str, Template]]:
    import tomllib

    path = exam_path or demo_dir() / "exam.toml"
    try:
        extra = tuple(path.parent / b for b in tomllib.loads(path.read_text(encoding="utf-8")).get("banks", []))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, TypeError):
        extra = ()  # load_exam reports the problem with its location
    templates = all_templates(extra)
    exam = load_exam(path, templates)
    if exam_path is None:
        # The demo's secret lives beside the demo output in the working directory, not in the package.
        from dataclasses import replace

        exam = replace(exam, secret_file=Path(f"{DEMO_OUT}.secret").resolve())
    return exam, templates


def build_exam(exam_path: Path | None = None, roster_path: Path | None = None, out: Path | None = None,
               formats: tuple[str, ...] | None = None, force: bool = False,
               progress: Progress | None = None) -> BuildSummary:
    """Build the exam (default: the built-in demo) for the roster (default: the demo roster)."""
    from problemgen.secret import load_or_create_secret

    started = time.perf_counter()
    exam, templates = _exam_and_templates(exam_path)
    students = load_roster(roster_path or demo_roster_path())
    out = (out or Path(DEMO_OUT if exam_path is None else Path(exam.path).stem)).resolve()
    _check_out(out, force)
    secret, created = load_or_create_secret(exam.secret_file)
    chosen = tuple(formats or exam.formats)
    assignment = assign_slots(exam, students, secret)
    variants, capacity = generate_all(exam, templates, students, assignment, secret)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        files, pdf_note = _write(partial, exam, templates, students, assignment, variants, chosen, progress)
        _swap(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BuildSummary(out, len(students), len(exam.problems), files, time.perf_counter() - started,
                        exam.secret_file, created, pdf_note, capacity)


def _check_out(out: Path, force: bool) -> None:
    if not out.exists():
        return
    if not force:
        raise BuildError(f"{out} already exists; use --force to replace it (the previous build stays until the "
                         "new one is complete), or choose another --out")
    if not (out / "manifest.json").is_file():
        raise BuildError(f"{out} exists and is not a problemgen build (no manifest.json); it is never replaced, "
                         "choose another --out")


def _swap(partial: Path, out: Path) -> None:
    backup = out.parent / f".{out.name}.previous-{os.getpid()}"
    if out.exists():
        out.rename(backup)
    try:
        partial.rename(out)
    except OSError:
        if backup.exists():
            backup.rename(out)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _pool_order(secret: bytes, exam: ExamConfig, student: Student, problem: Problem) -> list[str]:
    def rank(template: str) -> bytes:
        message = "\x1f".join(["problemgen/v1/pool", exam.id, student.id, str(problem.number), template]).encode()
        return hmac.new(secret, message, hashlib.sha256).digest()
    return sorted(problem.candidates, key=rank)


def assign_slots(exam: ExamConfig, students: list[Student], secret: bytes) -> dict[str, list[tuple[Problem, str, str]]]:
    """Per student: (problem, slot id, template id) for every slot, in sheet order."""
    assignment: dict[str, list[tuple[Problem, str, str]]] = {}
    for student in students:
        rows = []
        for problem in exam.problems:
            templates = _pool_order(secret, exam, student, problem)[: problem.draw] if problem.draw > 1 or \
                len(problem.candidates) > 1 else list(problem.candidates)
            rows.extend((problem, slot, template) for slot, template in zip(problem.slots(), templates))
        assignment[student.id] = rows
    return assignment


def generate_all(exam: ExamConfig, templates: dict[str, Template], students: list[Student],
                 assignment: dict[str, list[tuple[Problem, str, str]]], secret: bytes
                 ) -> tuple[dict[tuple[str, str], tuple[Template, Variant]], tuple[str, ...]]:
    """Generate every variant, grouped by (slot, template) so each group is solved at once."""
    from problemgen.engine import capacity, generate

    groups: dict[tuple[str, str], list[Student]] = {}
    problems: dict[tuple[str, str], Problem] = {}
    for student in students:
        for problem, slot, template_id in assignment[student.id]:
            groups.setdefault((slot, template_id), []).append(student)
            problems[(slot, template_id)] = problem
    variants: dict[tuple[str, str], tuple[Template, Variant]] = {}
    lines = []
    for (slot, template_id), members in groups.items():
        template = apply_overrides(templates[template_id], problems[(slot, template_id)])
        keys = [VariantKey(exam.id, s.id, slot) for s in members]
        for student, variant in zip(members, generate(template, keys, secret)):
            variants[(student.id, slot)] = (template, variant)
        supply = capacity(template).accepted
        lines.append(f"slot {slot} {template_id}: {len(members)} distinct variants of "
                     f"{'more than 200,000' if supply is None else supply} available")
    return variants, tuple(lines)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def student_folders(students: list[Student]) -> dict[str, str]:
    """A safe, unique folder name per student id."""
    folders: dict[str, str] = {}
    used: set[str] = set()
    for student in students:
        name = _UNSAFE.sub("_", student.id).strip(".") or "student"
        if name in used or name != student.id:
            name = f"{name}-{hashlib.sha256(student.id.encode()).hexdigest()[:6]}" if name in used else name
        used.add(name)
        folders[student.id] = name
    return folders


def _write(root: Path, exam: ExamConfig, templates: dict[str, Template], students: list[Student],
           assignment: dict[str, list[tuple[Problem, str, str]]], variants: dict, formats: tuple[str, ...],
           progress: Progress | None) -> tuple[int, str]:
    from problemgen.documents import render_document
    from problemgen.pdf import INSTALL_HINT, ChromiumPrinter, find_chromium
    from problemgen.sheets import manifest_problem, sheet_problem

    folders = student_folders(students)
    exam_info = {"id": exam.id, "title": exam.title, "course": exam.course, "date": exam.date,
                 "instructions": exam.instructions}
    want_pdf = "pdf" in formats
    browser = find_chromium() if want_pdf else None
    pdf_note = INSTALL_HINT if want_pdf and browser is None else ""
    total = len(students) * (2 + (2 if browser else 0)) + (1 if browser else 0)
    done = 0
    files = 0
    manifest_students = []
    key_rows = []
    print_sheets = []
    (root / "students").mkdir(parents=True)
    (root / "keys").mkdir()
    to_print: list[tuple[Path, Path]] = []
    for student in students:
        problems, entries = [], []
        for problem, slot, _ in assignment[student.id]:
            template, variant = variants[(student.id, slot)]
            problems.append(sheet_problem(template, variant, slot, problem.points))
            entries.append(manifest_problem(template, variant, problem, slot, exam))
        who = {"id": student.id, "name": student.name}
        sheet_dir, key_dir = root / "students" / folders[student.id], root / "keys" / folders[student.id]
        sheet_dir.mkdir()
        key_dir.mkdir()
        context = dict(exam=exam_info, student=who, problems=problems)
        written = {
            sheet_dir / "answers.txt": render_document("answers.txt.j2", **context),
        }
        if "md" in formats:
            written[sheet_dir / "sheet.md"] = render_document("sheet.md.j2", key=False, **context)
            written[key_dir / "key.md"] = render_document("sheet.md.j2", key=True, **context)
        if "html" in formats or browser:
            written[sheet_dir / "sheet.html"] = render_document("sheet.html.j2", **context)
            written[key_dir / "key.html"] = render_document("key.html.j2", **context)
            if browser:
                to_print += [(sheet_dir / "sheet.html", sheet_dir / "sheet.pdf"), (key_dir / "key.html", key_dir / "key.pdf")]
        for path, text in written.items():
            path.write_text(text, encoding="utf-8")
        files += len(written)
        print_sheets.append({"student": who, "problems": problems})
        manifest_students.append({"id": student.id, "name": student.name, "email": student.email,
                                  "sis_id": student.sis_id, "folder": folders[student.id], "problems": entries})
        key_rows += [_key_row(student, entry, part) for entry in entries for part in entry["parts"]]
        done += 2
        if progress:
            progress(done, total)
    files += _write_master_key(root / "keys" / "master-key.csv", key_rows)
    files += _write_manifest(root / "manifest.json", exam, manifest_students)
    if browser:
        (root / "print").mkdir()
        combined = root / "print" / "all-sheets.html"
        combined.write_text(render_document("print.html.j2", exam=exam_info, sheets=print_sheets), encoding="utf-8")
        to_print.append((combined, root / "print" / "all-sheets.pdf"))
        with ChromiumPrinter(browser) as printer:
            for html, pdf in to_print:
                printer.print_pdf(html, pdf)
                done += 1
                if progress:
                    progress(min(done, total), total)
        files += len(to_print) + 1
        if "html" not in formats:
            for html, _ in to_print:
                html.unlink()
                files -= 1
    return files, pdf_note


KEY_COLUMNS = ["student_id", "student_name", "label", "slot", "template", "part", "kind", "answer", "unit", "rtol",
               "atol", "sigfigs", "points"]


def _key_row(student: Student, entry: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    e = part["expected"]
    answer = e.get("value", e.get("answer", e.get("expression")))
    return {"student_id": student.id, "student_name": student.name, "label": part["label"], "slot": entry["slot"],
            "template": entry["template"], "part": part["name"], "kind": e["kind"], "answer": answer,
            "unit": e.get("unit", ""), "rtol": e.get("rtol", ""), "atol": e.get("atol", ""),
            "sigfigs": e.get("sigfigs") or "", "points": round(part["points"], 6)}


def _write_master_key(path: Path, rows: list[dict[str, Any]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=KEY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return 1


def _write_manifest(path: Path, exam: ExamConfig, students: list[dict[str, Any]]) -> int:
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION, "generator": f"problemgen {__version__}",
        "exam": {"id": exam.id, "title": exam.title, "course": exam.course, "date": exam.date},
        "grading": {"misconception_credit": exam.misconception_credit, "show_solutions": exam.show_solutions,
                    "sigfig_rule": exam.sigfig_rule, "unit_required": exam.unit_required},
        "students": students,
    }
    with path.open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
    return 1
