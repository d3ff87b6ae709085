"""``problemgen generate``: build an exam — sheets, answer forms, keys, manifest, PDFs.

Stage order (NB: declared once here):

1. load templates, the exam config, the roster and the secret;
2. assign templates to each student's slots (a draw from a pool is seeded like a variant);
3. generate every (slot, template) group at once, unique within the group;
4. write each student's files into a temporary folder (one student at a time: nothing is held
   but the variants), then the master key, the manifest and the graders' trimmed copy of it;
5. finish the exported graders (``grader/`` and the Gradescope zip) and write the
   LMS pools the config asks for (``lms/moodle.xml``, ``lms/canvas-qti.zip``);
6. print PDFs with one Chromium process, if one is installed and PDF is asked for;
7. move the finished folder into place. A failure anywhere removes the temporary folder and
   leaves any previous build untouched.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import hmac
import math
import re
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from problemgen.atomic import check_replaceable, writing_folder
from problemgen.errors import BuildError
from problemgen.manifest import ManifestStreams, StudentLines, manifest_header, student_lines
from problemgen.exam import ExamConfig, Problem, apply_overrides, demo_dir, load_exam, slot_order
from problemgen.model import Template, Variant, VariantKey
from problemgen.roster import Student, demo_roster_path, read_roster

DEMO_OUT = "problemgen-demo"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildSummary:
    """What a build did, for the CLI to print."""

    out: Path
    students: int
    problems: int
    """Problems on each sheet (a problem drawing k templates counts k)."""
    files: int
    seconds: float
    secret_file: Path
    secret_created: bool
    pdf_note: str
    """Empty when PDFs were written or not asked for; else why they were not."""
    capacity: tuple[str, ...]
    """One line per slot: distinct variants used of how many available."""
    lms: tuple[str, ...] = ()
    """One line per LMS export the config asks for: its file (under ``out``) and its notes."""
    notes: tuple[str, ...] = ()
    """Things the instructor should know, e.g. an own template that replaces a built-in one."""


def all_templates(extra_banks: tuple[Path, ...] = ()) -> dict[str, Template]:
    """Templates of the built-in banks plus extra bank folders, by id."""
    from problemgen.bank import builtin_banks, load_bank

    templates: dict[str, Template] = {}
    for bank in [*builtin_banks().values(), *(load_bank(path) for path in extra_banks)]:
        templates.update(bank.templates)
    return templates


def replaced_builtins(exam: ExamConfig, templates: dict[str, Template]) -> tuple[str, ...]:
    """A note per template the exam uses from its own banks under the id of a built-in template."""
    from problemgen.bank import builtin_banks

    builtin = {t.id: t.path for bank in builtin_banks().values() for t in bank.templates.values()}
    used = sorted({template for problem in exam.problems for template in problem.candidates})
    return tuple(f"template {template!r} is your bank's ({templates[template].path}), not the built-in one of that id"
                 for template in used if template in builtin and templates[template].path != builtin[template])


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
               progress: Progress | None = None, processes: int | None = None,
               key_pdfs: bool | None = None) -> BuildSummary:
    """Build the exam (default: the built-in demo) for the roster (default: the demo roster).

    ``processes``: worker processes writing students (default: every core for 200 students or
    more, else 1); the files are the same either way. ``key_pdfs``: print the keys too when
    writing PDFs (default: the config's ``key_pdfs``).
    """
    from problemgen.secret import (check_rebuild_secret, fingerprint, form_check, form_version_key, load_or_create_secret,
                                   save_secret)

    started = time.perf_counter()
    exam, templates = _exam_and_templates(exam_path)
    refuse_wrong_keys(exam, templates)
    if key_pdfs is not None:
        exam = dataclasses.replace(exam, key_pdfs=key_pdfs)
    roster = read_roster(roster_path or demo_roster_path())
    students = roster.students
    out = (out or Path(DEMO_OUT if exam_path is None else Path(exam.path).stem)).resolve()
    if exam.secret_file.resolve().is_relative_to(out):
        raise BuildError(f"the secret file {exam.secret_file} lies inside the output folder {out}, which every build "
                         f"replaces whole (the secret would be lost); keep it outside, e.g. secret_file = "
                         f"\"{out.name}.secret\" beside the build")
    check_replaceable(out, force, "manifest.json", "build")
    _refuse_to_drop_grades(out)
    check_rebuild_secret(out, exam.secret_file)
    canvas_column, notes = _canvas_column(roster_path, exam)
    notes = (*roster.notices, *notes, *_repeated_templates(exam), *_pool_overlap_notes(exam))
    if "pdf" in (formats or exam.formats):
        notes = (*notes, *_missing_glyphs(students))
    if roster_path is None and exam_path is not None:
        notes = (f"no --roster given: built for the {len(students)} made-up students of the demo roster; give your "
                 "class list with --roster ROSTER.csv (and --force to replace this build)", *notes)
    # A new secret is saved only with the build it made: a refused build leaves no secret behind.
    secret, created = load_or_create_secret(exam.secret_file, save=False)
    chosen = tuple(formats or exam.formats)
    assignment = assign_slots(exam, students, secret)
    notes = (*notes, *_repeats_on_sheets(assignment))
    slotted, capacity, tolerance_notes = generate_all(exam, templates, students, assignment, secret)
    notes = (*notes, *tolerance_notes)
    with writing_folder(out) as partial:
        files, pdf_note, lms = _write(partial, exam, templates, students, assignment, slotted, chosen, progress,
                                      processes, fingerprint(secret),
                                      {s.id: form_check(secret, exam.id, s.id) for s in students}, canvas_column,
                                      form_version_key(secret))
        files += _write_readme(partial, exam, printed="pdf" in chosen and not pdf_note)
        notes = (*notes, *changed_variants(out / "keys" / "master-key.csv", partial / "keys" / "master-key.csv"))
        if created:
            save_secret(exam.secret_file, secret)
    return BuildSummary(out, len(students), sum(problem.draw for problem in exam.problems), files, time.perf_counter() - started,
                        exam.secret_file, created, pdf_note, capacity, lms, (*replaced_builtins(exam, templates), *notes))


def _missing_glyphs(students: Sequence[Student]) -> tuple[str, ...]:
    """A note when roster names use characters that no installed font has (CJK names without a
    CJK font print as empty boxes in the PDFs, while the HTML looks right in a browser that has one)."""
    import shutil
    import subprocess

    unusual = {char for student in students for char in student.name if ord(char) >= 0x2E80}
    fc_list = shutil.which("fc-list")
    if not unusual or fc_list is None:
        return ()
    missing = []
    for char in sorted(unusual)[:200]:
        try:
            found = subprocess.run([fc_list, f":charset={ord(char):x}", "family"], capture_output=True, text=True,
                                   timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ()
        if not found:
            missing.append(char)
    if not missing:
        return ()
    names = [student.id for student in students if any(char in student.name for char in missing)]
    listed = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    return (f"no installed font has {''.join(missing[:10])}{'…' if len(missing) > 10 else ''}, used in the names of "
            f"{listed}: their PDFs show empty boxes; install a font that has them (Debian: apt-get install "
            "fonts-noto-cjk) and build again",)


def _repeated_templates(exam: ExamConfig) -> tuple[str, ...]:
    """A note per template that two fixed problems name (likely a copy-paste slip)."""
    numbers: dict[str, list[int]] = {}
    for problem in exam.problems:
        if len(problem.candidates) == 1:
            numbers.setdefault(problem.candidates[0], []).append(problem.number)
    return tuple(f"template {template!r} is problem {' and '.join(map(str, listed))}: each student gets it that "
                 "often, with other numbers; if that is a slip, change one of them"
                 for template, listed in numbers.items() if len(listed) > 1)


def changed_variants(previous: Path, new: Path) -> tuple[str, ...]:
    """Notes on how a rebuild changed the keys of students the previous build had, from the two
    master keys: which students must get their new sheets (a sheet handed out before is graded
    against the new key)."""

    def keys(path: Path) -> dict[str, dict[str, int]]:
        """Student id -> slot -> a hash of its rows' label, slot, template, part, kind, answer and
        unit (a chain of row hashes, in file order): what the form's version code covers. Tolerances
        and points change no answer, so a student whose only change is one keeps their sheet."""
        digests: dict[str, dict[str, int]] = {}
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for row in reader:  # student_id, student_name, label, slot, template, part, kind, answer, unit, …
                slots = digests.setdefault(row[0], {})
                slots[row[3]] = hash((slots.get(row[3]), *row[2:9]))
        return digests

    try:
        before = keys(previous)
    except (OSError, UnicodeDecodeError, csv.Error, IndexError):
        return ()  # no previous build, or not one this problemgen wrote: nothing to compare with
    after = keys(new)
    both = [student for student in after if student in before]
    changed = [student for student in both if before[student] != after[student]]
    if not changed:
        return (f"the previous build's {len(both)} student{'s' if len(both) != 1 else ''} kept their keys",) if both else ()
    listed = ", ".join(changed[:8]) + (" …" if len(changed) > 8 else "")
    slots = {slot for student in changed for slot in {*before[student], *after[student]}
             if before[student].get(slot) != after[student].get(slot)}
    which = ", ".join(sorted(slots, key=slot_order))
    listed += f" (problem{'s' if len(slots) != 1 else ''} {which})"
    return (f"{len(changed)} of the {len(both)} students of the previous build have a different key now: {listed}; hand "
            "them their new sheets (a form from the previous build's sheet is graded against the new key, with a notice "
            "naming it)",)


def _canvas_column(roster_path: Path | None, exam: ExamConfig) -> tuple[str, tuple[str, ...]]:
    """The Canvas assignment column for the exam's grades, from a Canvas gradebook export used as
    the roster, and a note saying which (or that the export has no assignment of that title)."""
    from problemgen.roster import canvas_assignment_column, canvas_points_possible

    if roster_path is None:
        return "", ()
    column, columns = canvas_assignment_column(roster_path, exam.title)
    if column:
        notes = (f"grades will go to the Canvas assignment column {column!r} of the roster",)
        possible, total = canvas_points_possible(roster_path, column), sum(p.points * p.draw for p in exam.problems)
        if possible is not None and abs(possible - total) > 0.005:
            notes += (f"the Canvas assignment {column!r} is worth {possible:g} points but the exam {total:g}; Canvas "
                      f"takes uploaded scores as points, so set the assignment's points to {total:g} in Canvas "
                      "before uploading the grades (or the exam's points to match)",)
        return column, notes
    if columns:
        listed = ", ".join(repr(c) for c in columns[:5]) + (" …" if len(columns) > 5 else "")
        return "", (f"the Canvas roster has no assignment titled {exam.title!r} (it has {listed}); the gradebook "
                    "CSV will create one of that title, unless the exam's title matches an existing assignment",)
    return "", ()


def _refuse_to_drop_grades(out: Path) -> None:
    """A build replaces its whole folder: refuse while grading results live inside it (``grades/``)."""
    if not out.is_dir():
        return
    runs = sorted(path.parent for path in out.glob("*/grades.csv"))
    if runs:
        first = runs[0]
        raise BuildError(f"{first} holds grading results (grades.csv), and a new build of {out} would delete them; "
                         f"move them out of the build first (e.g. mv {first} {out.parent / (out.name + '-' + first.name)})"
                         ", then build again")


def refuse_wrong_keys(exam: ExamConfig, templates: dict[str, Template]) -> None:
    """Raise :class:`BuildError` if a template the exam uses has an error that makes its keys wrong
    (:func:`problemgen.validate.static_findings`), listing each with where to fix it."""
    from problemgen.validate import static_findings

    used = sorted({template for problem in exam.problems for template in problem.candidates})
    findings = [finding for template in used for finding in static_findings(templates[template])]
    if findings:
        listed = "\n".join(f"  {finding}" for finding in findings)
        files = " ".join(sorted({finding.path for finding in findings}))
        raise BuildError(f"not built: templates the exam uses have errors (their keys or feedback would be wrong):\n{listed}\n"
                         f"Fix them, then check with: problemgen validate {files}")


@dataclass
class _WideAtol:
    """How an exam's ``atol`` compares with one part's keys, summed over the slots of a problem."""

    problem: Problem
    unit: str
    students: int = 0
    wide: int = 0
    """Students whose key the atol exceeds a tenth of."""
    signs: int = 0
    """Students whose window reaches zero (a wrong sign is credited)."""
    smallest: float = math.inf
    """The smallest such key."""

    def note(self, template: str, part: str) -> str:
        atol = f"{self.problem.atol:g}" + (f" {self.unit}" if self.unit else "")
        key = f"{self.smallest:.3g}" + (f" {self.unit}" if self.unit else "")
        note = (f"problem {self.problem.number} ({template}), part {part}: the exam's atol {atol} is more than "
                f"{WIDE_ATOL * 100:g} % of the key for {self.wide} of {self.students} students (e.g. ±{atol} on {key})")
        if self.signs:
            note += f"; for {self.signs} it reaches zero, so an answer of the wrong sign is graded correct"
        fix = "a smaller atol" if self.problem.rtol else "an rtol (tolerance = { rtol = 0.02 }) or a smaller atol"
        return f"{note}; give this problem {fix}"


#: A share of the key above which an exam's ``atol`` is worth a note.
WIDE_ATOL = 0.1


def _check_exam_tolerance(problem: Problem, template: Template, batch: Any,
                          wide: dict[tuple[int, str, str], _WideAtol]) -> None:
    """Check a tolerance the exam sets (the template's own is checked by validate): raise
    :class:`BuildError` where it refuses a key as its sheet shows it, and count in ``wide`` (by
    problem number, template and part) the students whose keys its ``atol`` dwarfs: one ``atol``
    serves every template of a pool, each in its own unit (±0.5 is ±22 % of 2.22 mV, and ±0.5 pA
    too), and a window that reaches zero gives credit for a wrong sign."""
    if problem.rtol is None and problem.atol is None:
        return
    variants = [batch.variant(i) for i in range(len(batch))]
    _require_shown_keys_right(problem, template, variants)
    if not problem.atol:
        return
    for part in template.parts:
        if part.kind != "numeric":
            continue
        keys = [abs(float(next(a for a in v.answers if a.part == part.name).display)) for v in variants]
        tally = wide.setdefault((problem.number, template.id, part.name), _WideAtol(problem, part.unit))
        tally.students += len(keys)
        for key in keys:
            if problem.atol > WIDE_ATOL * key:
                tally.wide += 1
                tally.signs += problem.atol >= key
                tally.smallest = min(tally.smallest, key)


def _require_shown_keys_right(problem: Problem, template: Template, variants: list[Variant]) -> None:
    """Raise :class:`BuildError` when the exam's own tolerance refuses a key as its sheet shows it
    (``rtol = 0.0005`` on a key shown to 3 figures): students copying the printed key would be wrong."""
    from problemgen.validate import shown_key_failures

    failures = shown_key_failures(template, variants)
    if failures:
        name, failed = next(iter(failures.items()))
        shown, exact = failed[0]
        raise BuildError(f"problem {problem.number} ({template.id}): its tolerance (rtol {problem.rtol or 0:g}, atol "
                         f"{problem.atol or 0:g}) grades part {name}'s key as the key shows it wrong for {len(failed)} "
                         f"of {len(variants)} students (e.g. {shown} for {exact:.6g}); widen the tolerance, or grade "
                         "significant figures (sigfigs) instead")


def require_gradable(exam: ExamConfig, problem: Problem, template: Template, variant: Variant) -> None:
    """Raise :class:`BuildError` when a part's grading data (as the exam grades it) is malformed:
    a symbolic key that does not parse, a negative tolerance, a choice answer that is no option.
    ``problemgen grade`` would otherwise fail for the whole class after the exam was handed out."""
    from problemgen.errors import GradingSpecError
    from problemgen.grading import check_answer
    from problemgen.sheets import GradingPolicy, expected
    from problemgen.validate import probes

    policy = GradingPolicy.of(exam, problem)
    answers = {answer.part: answer for answer in variant.answers}
    for part in template.parts:
        spec = expected(template, part, answers[part.name], policy)
        try:
            check_answer(probes(spec)[0][0], spec)
        except GradingSpecError as error:
            raise BuildError(f"not built: problem {problem.number} ({template.id}, {template.path}), part "
                             f"{part.name} cannot be graded: {error}; fix the template, then check it with: problemgen "
                             f"validate {template.path}") from None


def _pool_order(secret: bytes, exam: ExamConfig, student: Student, problem: Problem) -> list[str]:
    def rank(template: str) -> bytes:
        message = "\x1f".join(["problemgen/v1/pool", exam.id, student.id, str(problem.number), template]).encode()
        return hmac.new(secret, message, hashlib.sha256).digest()
    return sorted(problem.candidates, key=rank)


def _fixed_templates(exam: ExamConfig) -> dict[str, int]:
    """Template id -> number of the first problem that names it alone (every student gets it)."""
    fixed: dict[str, int] = {}
    for problem in exam.problems:
        if len(problem.candidates) == 1 and problem.draw == 1:
            fixed.setdefault(problem.candidates[0], problem.number)
    return fixed


def assign_slots(exam: ExamConfig, students: list[Student], secret: bytes) -> dict[str, list[tuple[Problem, str, str]]]:
    """Per student: (problem, slot id, template id) for every slot, in sheet order.

    A pool never draws a template the student's sheet already has (a fixed problem's, or one an
    earlier pool drew), unless it has too few others (see :func:`_pool_overlap_notes`).
    """
    assignment: dict[str, list[tuple[Problem, str, str]]] = {}
    # Students with the same draws share one list (with fixed problems: every student).
    shared: dict[tuple[str, ...], list[tuple[Problem, str, str]]] = {}
    fixed = set(_fixed_templates(exam))
    for student in students:
        rows = []
        used = set(fixed)
        for problem in exam.problems:
            if problem.draw > 1 or len(problem.candidates) > 1:
                order = _pool_order(secret, exam, student, problem)
                templates = [template for template in order if template not in used][: problem.draw]
                templates += [template for template in order if template not in templates][: problem.draw - len(templates)]
            else:
                templates = list(problem.candidates)
            used.update(templates)
            rows.extend((problem, slot, template) for slot, template in zip(problem.slots(), templates))
        assignment[student.id] = shared.setdefault(tuple(template for _, _, template in rows), rows)
    return assignment


def _repeats_on_sheets(assignment: dict[str, list[tuple[Problem, str, str]]]) -> tuple[str, ...]:
    """A note when some sheets hold a template twice (pools that share templates and have too few
    others between them), naming the problems."""
    students, problems = 0, set()
    for rows in assignment.values():
        seen: dict[str, int] = {}
        repeated = False
        for problem, _, template in rows:
            if template in seen:
                repeated = True
                problems.update((seen[template], problem.number))
            seen.setdefault(template, problem.number)
        students += repeated
    if not students:
        return ()
    listed = " and ".join(str(number) for number in sorted(problems))
    return (f"{students} of {len(assignment)} sheets hold a template twice, in problems {listed}: their templates "
            "overlap, with too few others for every draw; widen a pool or draw fewer",)


def _pool_overlap_notes(exam: ExamConfig) -> tuple[str, ...]:
    """Notes on pools that hold templates of the exam's fixed problems, which they leave out."""
    fixed = _fixed_templates(exam)
    notes = []
    for problem in exam.problems:
        if not (problem.draw > 1 or len(problem.candidates) > 1):
            continue
        shared = [template for template in problem.candidates if template in fixed]
        if not shared:
            continue
        named = ", ".join(f"{template!r} (problem {fixed[template]})" for template in shared)
        others = len(problem.candidates) - len(shared)
        if others >= problem.draw:  # else the sheets hold it twice, as _repeats_on_sheets says
            notes.append(f"problem {problem.number} draws from a pool that holds {named}: it draws from its {others} "
                         f"other template{'s' if others != 1 else ''}")
    return tuple(notes)


@dataclass(frozen=True)
class Slotted:
    """Where a student's variant of a slot lives: a batch and the student's row in it."""

    template: Template
    batch: Any
    row: int

    def variant(self) -> Variant:
        """Build the student's variant from the batch."""
        return self.batch.variant(self.row)


class SlotTable:
    """Where every student's variant of every slot lives: ``table[(student_id, slot)]`` -> :class:`Slotted`.

    Kept as one group and row number per student and slot, not an object each, so that
    100,000 students × 20 slots stay small.
    """

    def __init__(self, students: list[Student]) -> None:
        self._position = {student.id: i for i, student in enumerate(students)}
        self._size = len(students)
        self._groups: list[tuple[Template, Any]] = []
        self._where: dict[str, tuple[array, array]] = {}

    def add(self, slot: str, template: Template, batch: Any, members: list[int]) -> None:
        """The variants of ``batch`` belong, row by row, to the students at positions ``members``."""
        group = len(self._groups)
        self._groups.append((template, batch))
        groups, rows = self._where.setdefault(slot, (array("i", [-1]) * self._size, array("i", [0]) * self._size))
        for row, position in enumerate(members):
            groups[position], rows[position] = group, row

    def __getitem__(self, key: tuple[str, str]) -> Slotted:
        student_id, slot = key
        position = self._position[student_id]
        groups, rows = self._where[slot]
        if groups[position] < 0:
            raise KeyError(key)
        template, batch = self._groups[groups[position]]
        return Slotted(template, batch, rows[position])


class _GroupKeys(Sequence[VariantKey]):
    """The variant keys of one group of students, made when asked for (not one object per student)."""

    def __init__(self, exam_id: str, slot: str, student_ids: list[str]) -> None:
        self._exam_id, self._slot, self._ids = exam_id, slot, student_ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: int) -> VariantKey:  # type: ignore[override]
        return VariantKey(self._exam_id, self._ids[index], self._slot)


class _Seeds(Sequence[bytes]):
    """32-byte seeds stored back to back in one bytes object."""

    def __init__(self, seeds: Iterable[bytes]) -> None:
        self._blob = b"".join(seeds)

    def __len__(self) -> int:
        return len(self._blob) // 32

    def __getitem__(self, index: int) -> bytes:  # type: ignore[override]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        start = (index % len(self)) * 32
        return self._blob[start:start + 32]


def generate_all(exam: ExamConfig, templates: dict[str, Template], students: list[Student],
                 assignment: dict[str, list[tuple[Problem, str, str]]], secret: bytes
                 ) -> tuple[SlotTable, tuple[str, ...], tuple[str, ...]]:
    """Generate every variant, grouped by (slot, template) so each group is solved at once; returns
    where each student's variants are, a capacity line per group and notes on the exam's tolerances."""
    from problemgen.engine import capacity, generate_batch, shown_keys
    from problemgen.sampling import variant_seed

    groups: dict[tuple[str, str], list[int]] = {}
    problems: dict[tuple[str, str], Problem] = {}
    for position, student in enumerate(students):
        for problem, slot, template_id in assignment[student.id]:
            groups.setdefault((slot, template_id), []).append(position)
            problems[(slot, template_id)] = problem
    slotted = SlotTable(students)
    lines: list[str] = []
    wide: dict[tuple[int, str, str], _WideAtol] = {}
    for (slot, template_id), members in sorted(groups.items(), key=lambda item: (slot_order(item[0][0]), item[0][1])):
        template = apply_overrides(templates[template_id], problems[(slot, template_id)])
        keys = _GroupKeys(exam.id, slot, [students[position].id for position in members])
        batch = generate_batch(template, _Seeds(variant_seed(secret, key) for key in keys), keys,
                               figures_graded=problems[(slot, template_id)].sigfigs is not None)
        require_gradable(exam, problems[(slot, template_id)], template, batch.variant(0))
        _check_exam_tolerance(problems[(slot, template_id)], template, batch, wide)
        slotted.add(slot, template, batch, members)
        supply = capacity(template).accepted
        line = (f"slot {slot} {template_id}: {len(members):,} distinct variant{'s' if len(members) != 1 else ''} "
                f"of {'more than 200,000' if supply is None else f'{supply:,}'} available")
        keys_shown = len({row.tobytes() for row in shown_keys(template, batch.solver, batch.env, len(members))})
        if keys_shown < len(members):
            line += (f", but only {keys_shown:,} distinct keys: students who share a key share no givens, yet copying "
                     "answers would pay; draw this slot from a pool of templates, or give it fewer students")
        lines.append(line)
    notes = tuple(tally.note(template, part) for (_, template, part), tally in sorted(wide.items()) if tally.wide)
    return slotted, tuple(lines), notes


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def student_folders(students: list[Student]) -> dict[str, str]:
    """A safe, unique folder name per student id.

    An id that is already a safe name is its own folder, whatever the roster's order; any other
    id is made safe and given a suffix from its hash (``s/1`` -> ``s_1-3f9a2c``), so it can never
    take the folder of a student whose id is that name.
    """
    ids = [student.id for student in students]
    folders = {i: i for i in ids if not _UNSAFE.search(i) and i.strip(".") == i and i}
    used = set(folders.values())
    for student_id in ids:
        if student_id in folders:
            continue
        digest = hashlib.sha256(student_id.encode()).hexdigest()
        base = _UNSAFE.sub("_", student_id).strip(".") or "student"
        length = 6
        while (name := f"{base}-{digest[:length]}") in used:
            length += 2
        used.add(name)
        folders[student_id] = name
    return folders


@dataclass(frozen=True)
class _Job:
    """Everything the per-student stage reads (shared with forked workers by copy-on-write)."""

    root: Path
    exam: ExamConfig
    exam_info: dict[str, str]
    students: list[Student]
    folders: dict[str, str]
    assignment: dict[str, list[tuple[Problem, str, str]]]
    slotted: SlotTable
    formats: tuple[str, ...]
    printing: bool
    """Sheets are printed to PDF (so their HTML is needed)."""
    key_html: bool
    """Write key.html (to keep, or to print the key from)."""
    form_checks: dict[str, str]
    """Each student's answer-form check code (:func:`problemgen.secret.form_check`)."""
    version_key: bytes
    """The key of each answer form's version code (:func:`problemgen.secret.form_version`)."""


@dataclass(frozen=True)
class _StudentOutput:
    """What one student's files add to the shared streams."""

    lines: StudentLines
    files: int


def _student_files(job: _Job, index: int) -> _StudentOutput:
    """Render and write one student's sheet, answer form and key; return their stream entries."""
    from problemgen.documents import render_document
    from problemgen.secret import form_version
    from problemgen.sheets import GradingPolicy, manifest_problem, sheet_problem

    student = job.students[index]
    problems, entries, sources = [], [], []
    for problem, slot, _ in job.assignment[student.id]:
        where = job.slotted[(student.id, slot)]
        variant = where.variant()
        sheet = sheet_problem(where.template, variant, slot, problem.points, GradingPolicy.of(job.exam, problem))
        problems.append(sheet)
        sources.append((where.template, variant))
        entries.append(manifest_problem(where.template, variant, problem, sheet, job.exam))
    version = form_version(job.version_key, student.id, _versioned_parts(entries))
    # NB: jinja reads attributes of objects fastest.
    who = SimpleNamespace(id=student.id, name=student.name, check=job.form_checks.get(student.id, ""), version=version)
    folder = job.folders[student.id]
    sheet_dir, key_dir = job.root / "students" / folder, job.root / "keys" / folder
    sheet_dir.mkdir()
    key_dir.mkdir()
    context = dict(exam=SimpleNamespace(**job.exam_info), student=who, problems=problems)
    written: dict[Path, str | bytes] = {sheet_dir / "answers.txt": render_document("answers.txt.j2", **context)}
    # A key keeps its figures as SVG files beside it (for key.md, and for the feedback of grading).
    for sheet in problems:
        if sheet.figure_svg:
            written[key_dir / sheet.figure_file] = sheet.figure_svg
    if "md" in job.formats:
        written[sheet_dir / "sheet.md"] = render_document("sheet.md.j2", key=False, **context)
        written[key_dir / "key.md"] = render_document("sheet.md.j2", key=True, **context)
        # A Markdown sheet shows its figures as SVG files beside it.
        for sheet in problems:
            if sheet.figure_svg:
                written[sheet_dir / sheet.figure_file] = sheet.figure_svg
    if "html" in job.formats or job.printing:
        written[sheet_dir / "sheet.html"] = render_document("sheet.html.j2", **context)
    if job.key_html:
        written[key_dir / "key.html"] = render_document("key.html.j2", **context)
    if "tex" in job.formats:
        from problemgen.latex import tex_files

        for into, files in zip((sheet_dir, key_dir), tex_files(context, sources)):
            written.update((into / name, content) for name, content in files.items())
    for path, text in written.items():
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    entry = {"id": student.id, "name": student.name, "email": student.email, "sis_id": student.sis_id,
             "folder": folder, "form_version": version, "labels": [part["label"] for problem in entries for part in problem["parts"]],
             "problems": entries}
    return _StudentOutput(student_lines(student, entry), len(written))


def _versioned_parts(entries: list[dict[str, Any]]) -> Iterator[tuple[object, ...]]:
    """What a form's version code covers, part by part: what a rebuild compares (see
    :func:`changed_variants`): label, slot, template, part, kind, key and unit; not points or
    tolerances, nor the order of a choice's options, which change no answer."""
    for problem in entries:
        for part in problem["parts"]:
            expected = part["expected"]
            key = expected.get("value", expected.get("answer", expected.get("expression")))
            yield (part["label"], problem["slot"], problem["template"], part["name"], expected["kind"], key,
                   expected.get("unit", ""))


def _student_outputs(job: _Job, processes: int | None) -> Iterator[_StudentOutput]:
    """Every student's output in roster order (from forked workers for large builds)."""
    from problemgen.parallel import default_processes, ordered_map

    count = len(job.students)
    if (default_processes(count) if processes is None else processes) < 2:
        # One process: draw each chunk's figures on every core first.
        for number in range(count):
            if number % FIGURE_CHUNK == 0:
                _predraw_figures(job.students[number:number + FIGURE_CHUNK], job.assignment, job.slotted)
            yield _student_files(job, number)
        return
    yield from ordered_map(lambda index: _student_files(job, index), count, processes)


def _write(root: Path, exam: ExamConfig, templates: dict[str, Template], students: list[Student],
           assignment: dict[str, list[tuple[Problem, str, str]]], slotted: SlotTable,
           formats: tuple[str, ...], progress: Progress | None, processes: int | None = None,
           secret_fingerprint: str = "", form_checks: dict[str, str] | None = None, canvas_column: str = "",
           version_key: bytes = b"") -> tuple[int, str, tuple[str, ...]]:
    """Write every file, one student at a time (streaming manifest, master key and print file)."""
    from problemgen.export.grader import finish_grader_bundle
    from problemgen.export.lms import export_lms
    from problemgen.pdf import INSTALL_HINT, find_chromium

    exam_info = {"id": exam.id, "title": exam.title, "course": exam.course, "date": exam.date,
                 "instructions": exam.instructions}
    want_pdf = "pdf" in formats
    browser = find_chromium() if want_pdf else None
    pdf_note = INSTALL_HINT if want_pdf and browser is None else ""
    if pdf_note and "html" not in formats:
        formats = (*formats, "html")  # the PDFs' place is taken by the HTML they would be printed from
    keys = bool(browser) and exam.key_pdfs
    total = len(students) * (1 + (1 if browser else 0) + (1 if keys else 0)) + (1 if browser else 0)
    done = files = 0
    (root / "students").mkdir()
    (root / "keys").mkdir()
    if browser:
        (root / "print").mkdir()
    # Every student has a key in some format: without key PDFs (or Markdown/LaTeX keys) it is HTML.
    key_html = "html" in formats or keys or not {"md", "tex"} & set(formats)
    job = _Job(root, exam, exam_info, students, student_folders(students), assignment, slotted, formats,
               bool(browser), key_html, form_checks or {}, version_key)
    used = {template for rows in assignment.values() for _, _, template in rows}
    header = manifest_header(exam, [templates[template] for template in sorted(used)], secret_fingerprint,
                             form_checks or {}, canvas_column)
    with ManifestStreams(root, header) as streams:
        for output in _student_outputs(job, processes):
            files += output.files
            streams.student(output.lines)
            done += 1
            if progress:
                progress(done, total)
    from problemgen import figures

    figures.forget()
    files += streams.files
    files += finish_grader_bundle(root, header)
    lms_lines = []
    for lms in exam.lms:
        exported = export_lms(root, lms)
        lms_lines.append(exported.line(root))
        files += 1 + (exported.notes is not None)
    if browser:
        printed, htmls = _print_pdfs(browser, root, [job.folders[s.id] for s in students], exam.title, keys, done,
                                     total, progress, exam.duplex)
        files += printed
        if "html" not in formats:
            for html in htmls:
                html.unlink()
            files -= len(htmls)
    return files, pdf_note, tuple(lms_lines)


def _write_readme(root: Path, exam: ExamConfig, printed: bool) -> int:
    """``README.txt`` of a build: what to hand out (each student's folder) and what holds answers;
    returns the number of files written (1). Like every file of a build, it does not depend on
    where the build is written."""
    from problemgen import __version__
    from problemgen.documents import render_document

    text = render_document("build-README.txt.j2", exam=exam, version=__version__, printed=printed,
                           lms=bool(exam.lms), secret_name=Path(exam.secret_file).name)
    (root / "README.txt").write_text(text, encoding="utf-8")
    return 1


FIGURE_CHUNK = 250
"""Students whose figures are drawn ahead together (bounds the SVGs held in memory)."""


def _predraw_figures(students: list[Student], assignment: dict[str, list[tuple[Problem, str, str]]],
                     slotted: SlotTable) -> None:
    """Draw the figures of a chunk of students on every core before their files are written."""
    from problemgen import figures

    figures.forget()
    jobs = []
    for student in students:
        for _, slot, _ in assignment[student.id]:
            where = slotted[(student.id, slot)]
            spec = where.template.figure
            if spec is not None:
                variant = where.variant()
                jobs.append(figures.job(spec.kind, variant.figure, spec.options, f"fig-{variant.seed_hex[:12]}"))
    figures.predraw(jobs)


def _print_pdfs(browser: str, root: Path, folders: list[str], title: str, with_keys: bool, done: int, total: int,
                progress: Progress | None, duplex: bool = True) -> tuple[int, list[Path]]:
    """Print every sheet (and, ``with_keys``, every key), and the combined sheets, with one Chromium.

    Returns the number of PDFs written and the HTML files they were printed from.
    """
    from problemgen.pdf import Batch, ChromiumPrinter, Printable, print_batches

    sheets = [Printable(root / "students" / f / "sheet.html", root / "students" / f / "sheet.pdf") for f in folders]
    keys = [Printable(root / "keys" / f / "key.html", root / "keys" / f / "key.pdf") for f in folders] if with_keys else []
    # NB: keys first: they are the longest print jobs, so no core idles at the end.
    batches = [Batch(keys), Batch(sheets, root / "print" / "all-sheets.pdf", f"{title} — all sheets", duplex)]

    def report(finished: int) -> None:
        if progress:
            progress(min(done + finished, total), total)

    with ChromiumPrinter(browser) as printer:
        print_batches(printer, batches, done=report)
    return len(sheets) + len(keys) + 1, [d.html for d in sheets + keys]
