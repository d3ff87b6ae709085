"""Exam configs (TOML, ``schema_version = 1``): which problems, for whom, in which formats.

An exam names its problems either as a template id with points, or as "draw k templates from
a pool" per student. Per-problem overrides change tolerance, significant figures and the
partial credit a recognised misconception earns. ``problemgen init-exam`` writes a commented
example (``templates/exam.example.toml``).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib.resources
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from problemgen.errors import ConfigError
from problemgen.model import Template

SCHEMA_VERSION = 1
FORMATS = ("html", "md", "pdf", "tex")
DEFAULT_FORMATS = ("html", "md", "pdf")
_EXAM_KEYS = {"schema_version", "id", "title", "course", "date", "instructions", "secret_file", "formats", "banks",
              "grading", "problems", "lms", "key_pdfs", "duplex"}
LMS = ("moodle", "canvas")
#: Points of one problem: gradebooks add them up, so a total must stay an ordinary number.
MAX_POINTS = 10_000

_PROBLEM_KEYS = {"template", "draw", "pool", "topic", "section", "points", "tolerance", "sigfigs",
                 "misconception_credit", "title"}
_GRADING_KEYS = {"misconception_credit", "show_solutions", "sigfig_rule", "unit_required", "gradescope_visibility"}
#: When Gradescope shows a student the autograder's per-part results (its own names).
GRADESCOPE_VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


@dataclass(frozen=True)
class Problem:
    """One numbered problem of an exam: a fixed template or a per-student draw from a pool."""

    number: int
    """1-based position on the sheet."""
    candidates: tuple[str, ...]
    """Template ids: one for a fixed problem, the pool for a draw."""
    draw: int
    """How many templates each student gets from the pool (1 for a fixed problem)."""
    points: float
    """Points of the problem (1 when the config gives none), per drawn template; split over its
    parts in proportion to the parts' ``points`` weights (equally by default)."""
    rtol: float | None = None
    atol: float | None = None
    sigfigs: int | None = None
    misconception_credit: float | None = None

    def slots(self) -> list[str]:
        """Slot ids (part of every seed): ``"3"``, or ``"3.1"``, ``"3.2"`` when two are drawn."""
        return list(_slot_ids(self.number, self.draw))


@functools.lru_cache(maxsize=256)
def _slot_ids(number: int, draw: int) -> tuple[str, ...]:
    # Cached: every student's assignment then shares the same strings.
    return (str(number),) if draw == 1 else tuple(f"{number}.{i + 1}" for i in range(draw))


@dataclass(frozen=True)
class ExamConfig:
    """A parsed exam config."""

    id: str
    title: str
    course: str
    date: str
    instructions: str
    problems: tuple[Problem, ...]
    formats: tuple[str, ...]
    secret_file: Path
    path: str
    """Where the config came from (shown in messages)."""
    misconception_credit: float = 0.0
    show_solutions: bool = True
    sigfig_rule: str = "exact"
    unit_required: bool = True
    banks: tuple[Path, ...] = field(default_factory=tuple)
    lms: tuple[str, ...] = ()
    """LMS pools the build also writes: ``moodle`` (``lms/moodle.xml``), ``canvas`` (``lms/canvas-qti.zip``)."""
    key_pdfs: bool = True
    """With the ``pdf`` format, also print each key (about three quarters of the printing time)."""
    duplex: bool = True
    """The combined print file pads each sheet to an even page count, so that printed on both sides
    every student's sheet starts on a sheet of paper of its own."""
    gradescope_visibility: str = "visible"
    """When the Gradescope autograder's results show to students (one of :data:`GRADESCOPE_VISIBILITIES`)."""


def demo_dir() -> Path:
    """The built-in demo exam and roster (shipped in the package)."""
    return Path(str(importlib.resources.files("problemgen.templates"))) / "demo"


def example_config() -> str:
    """The commented example exam config written by ``problemgen init-exam``."""
    return (Path(str(importlib.resources.files("problemgen.templates"))) / "exam.example.toml").read_text(encoding="utf-8")


def write_example(path: Path) -> bool:
    """Write the example config to ``path``, creating its folder if it does not exist (True
    then); an existing file is never overwritten."""
    from problemgen.errors import BuildError

    if path.exists():
        raise BuildError(f"{path} already exists; choose another file name")
    folder = next(f for f in (path.parent, *path.parent.parents) if f.exists() or f == f.parent)
    if not folder.is_dir():
        raise BuildError(f"cannot write {path}: {folder} is a file, not a folder; choose another place")
    created = not path.parent.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(example_config())
    except OSError as error:
        raise BuildError(f"cannot write {path}: {error.strerror or error}; choose another place") from None
    return created


def _fail(path: str, key: str, problem: str) -> ConfigError:
    return ConfigError(path, key, problem)


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any, path: str, prefix: str = "") -> Any:
    full = f"{prefix}{key}"
    if key not in table:
        if default is ...:
            raise _fail(path, full, "missing")
        return default
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in kinds):
        shown = [k for k in kinds if k is not object and not (k is int and float in kinds)]  # 2 is a number too
        wanted = " or ".join(_TOML_NAMES.get(k, k.__name__) for k in shown)
        raise _fail(path, full, f"must be {wanted}, got {value!r}")
    return value


#: How a config's value types read to someone writing TOML.
_TOML_NAMES: dict[type, str] = {bool: "true or false", str: "a string", int: "a whole number", float: "a number",
                                list: "a list [...]", dict: "a table"}


def load_exam(path: str | Path, templates: dict[str, Template]) -> ExamConfig:
    """Read and check an exam config against the available templates (id -> template)."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        if re.search(r"^\s*\[problems\]", text, re.M):  # a table where a list of tables belongs
            raise _fail(shown, "problems", "each problem is a [[problems]] table (two brackets), not [problems]; "
                        f"write [[problems]] above every problem (TOML says: {error})") from None
        raise _fail(shown, "", f"not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(shown, "", f"cannot be read: {error}") from None
    headers = [text.count("\n", 0, match.start()) + 1 for match in _PROBLEM_HEADER.finditer(text)]
    return exam_from_dict(data, shown, path.parent, templates, headers)


#: A ``[[problems]]`` table header, to give errors in a problem the line where it starts.
_PROBLEM_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*problems[ \t]*\]\]", re.M)


def exam_from_dict(data: dict[str, Any], shown: str, base: Path, templates: dict[str, Template],
                   problem_lines: list[int] | None = None) -> ExamConfig:
    """Check a parsed exam table; relative paths are resolved against ``base``.

    ``problem_lines``: the lines of the source's ``[[problems]]`` headers (see :func:`load_exam`);
    when there is one per problem, an error in a problem also names its line.
    """
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        problem = f"missing; add schema_version = {SCHEMA_VERSION}" if version is None else \
            f"is {version!r} but this problemgen reads {SCHEMA_VERSION}"
        raise _fail(shown, "schema_version", problem)
    unknown = sorted(set(data) - _EXAM_KEYS)
    if unknown:
        raise _fail(shown, unknown[0], f"unknown key; allowed keys: {', '.join(sorted(_EXAM_KEYS))}")
    exam_id = _get(data, "id", str, ..., shown)
    if not exam_id.strip():
        raise _fail(shown, "id", "must not be blank; it is part of every student's seed")
    formats = tuple(_get(data, "formats", list, list(DEFAULT_FORMATS), shown))
    for i, name in enumerate(formats):
        if name not in FORMATS:
            raise _fail(shown, f"formats[{i}]", f"unknown format {name!r}; use some of: {', '.join(FORMATS)}")
    lms = tuple(_get(data, "lms", list, [], shown))
    for i, name in enumerate(lms):
        if name not in LMS:
            raise _fail(shown, f"lms[{i}]", f"unknown LMS {name!r}; use some of: {', '.join(LMS)}")
    grading = _get(data, "grading", dict, {}, shown)
    bad = sorted(set(grading) - _GRADING_KEYS)
    if bad:
        raise _fail(shown, f"grading.{bad[0]}", f"unknown key; allowed keys: {', '.join(sorted(_GRADING_KEYS))}")
    credit = float(_get(grading, "misconception_credit", (int, float), 0.0, shown, "grading."))
    _check_credit(credit, shown, "grading.misconception_credit")
    rule = _get(grading, "sigfig_rule", str, "exact", shown, "grading.")
    if rule not in ("exact", "strict", "at_least"):
        raise _fail(shown, "grading.sigfig_rule", f"must be exact, strict or at_least, got {rule!r}")
    visibility = _get(grading, "gradescope_visibility", str, "visible", shown, "grading.")
    if visibility not in GRADESCOPE_VISIBILITIES:
        raise _fail(shown, "grading.gradescope_visibility", f"must be one of {', '.join(GRADESCOPE_VISIBILITIES)} "
                    f"(after_published for an exam, so results cannot be used to resubmit), got {visibility!r}")
    if isinstance(data.get("problems"), dict):
        raise _fail(shown, "problems", "each problem is a [[problems]] table (two brackets), not [problems]; write "
                    "[[problems]] above every problem")
    problems_table = _get(data, "problems", list, ..., shown)
    if not problems_table:
        raise _fail(shown, "problems", "must list at least one problem ([[problems]] with template = \"...\")")
    if problem_lines is not None and len(problem_lines) != len(problems_table):
        problem_lines = None  # problems written another way (an inline array): numbers only
    problems = tuple(_located_problem(shown, i, table, templates, problem_lines)
                     for i, table in enumerate(problems_table))
    secret = Path(_get(data, "secret_file", str, Path(shown).stem + ".secret", shown))
    banks = tuple(base / b for b in _get(data, "banks", list, [], shown))
    return ExamConfig(
        id=exam_id, title=_get(data, "title", str, ..., shown), course=_get(data, "course", str, "", shown),
        date=str(_get(data, "date", (str, object), "", shown)), instructions=_get(data, "instructions", str, "", shown),
        problems=problems, formats=formats, secret_file=secret if secret.is_absolute() else base / secret, path=shown,
        misconception_credit=credit, show_solutions=_get(grading, "show_solutions", bool, True, shown, "grading."),
        sigfig_rule=rule, unit_required=_get(grading, "unit_required", bool, True, shown, "grading."), banks=banks,
        lms=tuple(dict.fromkeys(lms)), key_pdfs=_get(data, "key_pdfs", bool, True, shown),
        duplex=_get(data, "duplex", bool, True, shown),
        gradescope_visibility=visibility,
    )


def tolerance_example(value: object, unit: str = "each part's own unit") -> str:
    """A tolerance table for a bare number meant as one: ``0.02`` -> ``tolerance = { rtol = 0.02 }
    (±2 %)``; a number of 1 or more (a fraction no longer) -> an ``atol``, in ``unit``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return f"tolerance = {{ rtol = {value!r} }} (±{value * 100:g} %)"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < float("inf"):
        return f"tolerance = {{ atol = {value!r} }} (±{value:g} in {unit})"
    return "tolerance = { rtol = 0.02 } (±2 %)"


def _check_credit(value: float, shown: str, key: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise _fail(shown, key, f"must be between 0 and 1 (a share of the part's points), got {value}")


def _located_problem(shown: str, index: int, table: Any, templates: dict[str, Template],
                     lines: list[int] | None) -> Problem:
    """:func:`_problem`, with its errors saying which problem (counted from 1) and on what line it starts."""
    try:
        return _problem(shown, index, table, templates)
    except ConfigError as error:
        where = f"problem {index + 1}"
        if lines is not None:
            where += f", line {lines[index]}"
        raise _fail(error.path, f"{error.key} ({where})", error.problem) from None


def _problem(shown: str, index: int, table: Any, templates: dict[str, Template]) -> Problem:
    prefix = f"problems[{index}]."
    if not isinstance(table, dict):
        raise _fail(shown, f"problems[{index}]", "must be a table ([[problems]])")
    unknown = sorted(set(table) - _PROBLEM_KEYS)
    if unknown:
        raise _fail(shown, prefix + unknown[0], f"unknown key; allowed keys: {', '.join(sorted(_PROBLEM_KEYS))}")
    points = float(_get(table, "points", (int, float), 1.0, shown, prefix))
    if not 0 < points <= MAX_POINTS:
        raise _fail(shown, prefix + "points", f"must be a number > 0 and at most {MAX_POINTS:g}, got {points:g}")
    if "tolerance" in table and not isinstance(table["tolerance"], dict):
        raise _fail(shown, prefix + "tolerance", f"must be a table, such as {tolerance_example(table['tolerance'])}; "
                    f"got {table['tolerance']!r}")
    tolerance = _get(table, "tolerance", dict, {}, shown, prefix)
    unknown = sorted(set(tolerance) - {"rtol", "atol"})
    if unknown:
        raise _fail(shown, f"{prefix}tolerance.{unknown[0]}", "unknown key; use rtol (relative, 0.02 for 2 %) "
                    "and/or atol (absolute, in the part's unit)")
    rtol, atol = (_get(tolerance, key, (int, float), None, shown, f"{prefix}tolerance.") for key in ("rtol", "atol"))
    for key, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not 0 <= value < (1 if key == "rtol" else float("inf")):
            wanted = "from 0 to below 1 (0.02 for 2 %)" if key == "rtol" else ">= 0"
            raise _fail(shown, f"{prefix}tolerance.{key}", f"must be {wanted}, got {value}")
    credit = _get(table, "misconception_credit", (int, float), None, shown, prefix)
    if credit is not None:
        _check_credit(float(credit), shown, prefix + "misconception_credit")
    sigfigs = _get(table, "sigfigs", int, None, shown, prefix)
    if sigfigs is not None and not 1 <= sigfigs <= 15:
        raise _fail(shown, prefix + "sigfigs", f"must be a whole number from 1 to 15, got {sigfigs}")
    if sigfigs is not None and tolerance:
        # Grading rules: with significant figures set, accuracy is judged by the figure window.
        raise _fail(shown, prefix + "tolerance", "has no effect together with sigfigs: answers graded by "
                    "significant figures must lie within half a unit of their last figure; keep one of the two")
    common = dict(number=index + 1, points=points, rtol=rtol, atol=atol, sigfigs=sigfigs,
                  misconception_credit=None if credit is None else float(credit))
    chosen = [key for key in ("template", "pool", "topic", "section") if key in table]
    if len(chosen) > 1 or (chosen == ["template"] and "draw" in table):
        given = " and ".join(chosen + (["draw"] if "draw" in table and chosen == ["template"] else []))
        raise _fail(shown, prefix.rstrip("."), f"has {given}; give template = \"id\" alone, or draw = k with one "
                    "of pool, topic or section")
    if "template" in table:
        name = _get(table, "template", str, ..., shown, prefix)
        if name not in templates:
            raise _fail(shown, prefix + "template", f"no template {name!r}{_did_you_mean(name, templates)}; "
                        "see `problemgen banks` for the ids")
        return Problem(candidates=(name,), draw=1, **common)
    if not chosen:
        raise _fail(shown, prefix.rstrip("."), "names no template; give template = \"id\", or draw = k with one of "
                    "pool, topic or section")
    count = _get(table, "draw", int, ..., shown, prefix)
    pool = _pool(table, shown, prefix, templates)
    if not 1 <= count <= len(pool):
        raise _fail(shown, prefix + "draw", f"must be between 1 and the pool size {len(pool)}, got {count}")
    return Problem(candidates=tuple(pool), draw=count, **common)


def _pool(table: dict[str, Any], shown: str, prefix: str, templates: dict[str, Template]) -> list[str]:
    if "pool" in table:
        pool = _get(table, "pool", list, ..., shown, prefix)
        for i, name in enumerate(pool):
            if name not in templates:
                raise _fail(shown, f"{prefix}pool[{i}]", f"no template {name!r}{_did_you_mean(name, templates)}; "
                            "see `problemgen banks` for the ids")
        return list(dict.fromkeys(pool))
    for key in ("topic", "section"):
        if key in table:
            wanted = _get(table, key, str, ..., shown, prefix)
            pool = sorted(t.id for t in templates.values() if getattr(t, key) == wanted)
            if not pool:
                known = {getattr(t, key) for t in templates.values()}
                raise _fail(shown, prefix + key, f"no template has {key} {wanted!r}{_did_you_mean(wanted, known)}; "
                            f"see `problemgen banks{' --coverage' if key == 'section' else ''}`")
            return pool
    raise _fail(shown, prefix.rstrip("."), "give template = \"id\", or draw = k with pool = [...], topic = \"...\" "
                "or section = \"...\"")


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'nernst-cation'?)`` for a near miss among ``known``, else nothing."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def slot_order(slot: str) -> tuple[int, ...]:
    """Sort key of a slot id: ``"2"`` < ``"8.1"`` < ``"10"``."""
    return tuple(int(piece) for piece in re.findall(r"\d+", slot)) or (0,)


def apply_overrides(template: Template, problem: Problem) -> Template:
    """The template with the problem's tolerance and significant-figure overrides applied."""
    if problem.rtol is None and problem.atol is None and problem.sigfigs is None:
        return template
    # A tolerance table replaces the template's tolerance whole: { atol = 0.5 } means ±0.5 alone.
    replaced = problem.rtol is not None or problem.atol is not None
    parts = tuple(
        dataclasses.replace(
            part,
            rtol=float(problem.rtol or 0.0) if replaced else part.rtol,
            atol=float(problem.atol or 0.0) if replaced else part.atol,
            sigfigs=part.sigfigs if problem.sigfigs is None or part.kind == "symbolic" else problem.sigfigs,
        ) for part in template.parts)
    return dataclasses.replace(template, parts=parts)

