"""LMS exports: a pool of variants per problem slot, as Moodle XML or a Canvas QTI 1.2 zip.

An LMS cannot map our per-student variants to its students, so (like R/exams) every problem slot
becomes a pool: a Moodle category or a Canvas question group, from which the LMS draws one
question per attempt. A pool holds every distinct variant of the slot in the build (deduplicated
by template and givens) or ``pool`` of them, chosen by content hash so the choice is
deterministic and independent of roster order.

Stage order (NB: declared once here): read the manifest -> pools -> the format writer
(:mod:`~problemgen.export.moodle` or :mod:`~problemgen.export.qti`), which builds the document
and notes what the format cannot express -> write the file atomically. The answer keys come from
the grading contract's ``expected`` dicts through :func:`~problemgen.grading.spec.numeric_spec`,
so an exported item accepts exactly the values :func:`~problemgen.grading.check_answer` accepts.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from itertools import zip_longest
from decimal import Decimal
from pathlib import Path
from typing import Any

from problemgen.errors import BuildError, ProblemgenError
from problemgen.exam import LMS, slot_order
from problemgen.grading import feedback as fb
from problemgen.grading.spec import misconception_options, numeric_spec
from problemgen.grading.numeric import FLOAT_NOISE
from problemgen.numbers import sigfig_window
from problemgen.render import markdown_to_html
from problemgen.units import parse_unit, try_parse_unit

TARGETS = dict(zip(LMS, ("moodle.xml", "canvas-qti.zip")))
"""LMS name -> file written under ``<exam_dir>/lms/``."""
_PREFIXES = ("a", "f", "p", "n", "u", "m", "", "k", "M")
_MAX_PREFIX_RATIO = Decimal("1e6")


@dataclass(frozen=True)
class Limitation:
    """Something of a problem the target format cannot express, and what the export did instead."""

    slot: str
    template: str
    part: str
    """Part name, or ``""`` when it concerns the whole problem."""
    reason: str

    def __str__(self) -> str:
        where = f"slot {self.slot} ({self.template})" + (f", part {self.part}" if self.part else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class LmsSummary:
    """What an LMS export wrote, for the CLI to print."""

    path: Path
    """The file written (``lms/moodle.xml`` or ``lms/canvas-qti.zip``)."""
    target: str
    items: dict[str, int]
    """Slot -> questions (Moodle) or items (Canvas, one per part) written for it."""
    variants: int
    """Distinct variants exported, over all slots."""
    limitations: tuple[Limitation, ...]
    """Every problem or part the format cannot express as problemgen grades it, by name."""
    notes: Path | None = None
    """The file listing every limitation beside the export (``lms/moodle.xml.notes.txt``); None without any."""

    @property
    def grouped(self) -> tuple[str, ...]:
        """The limitations as printed: one line per reason, naming every place it applies."""
        return grouped(self.limitations)

    def line(self, root: Path) -> str:
        """One line for a summary: the file, and where the limitations are listed (paths under ``root``)."""
        text = str(self.path.relative_to(root)) if self.path.is_relative_to(root) else str(self.path)
        if self.notes is None:
            return text
        notes = self.notes.relative_to(root) if self.notes.is_relative_to(root) else self.notes
        return f"{text} ({len(self.grouped)} things {FORMAT_NAMES[self.target]} cannot express; see {notes})"


@dataclass(frozen=True)
class PoolPart:
    """One answer box of a variant."""

    letter: str
    name: str
    points: float
    prompt: str
    """Markdown with LaTeX math."""
    expected: Mapping[str, Any]
    """The grading contract's ``expected`` dict."""


@dataclass(frozen=True)
class PoolVariant:
    """One distinct variant of a slot: what an LMS shows and how it grades it."""

    id: str
    """Content hash of exam, slot, template and givens: stable across re-exports."""
    slot: str
    template: str
    title: str
    points: float
    statement: str
    solution: str
    parts: tuple[PoolPart, ...]
    figure: Figure | None = None
    """The variant's figure (read from the build's keys), which the question shows after the statement."""

    def statement_html(self, html_of: Callable[[str], str], source: Callable[[Figure], str]) -> str:
        """The statement as HTML (``html_of`` converts Markdown), then the figure as an ``<img>``
        whose ``src`` is ``source(figure)``."""
        text = html_of(self.statement)
        if self.figure is None:
            return text
        caption = html.escape(self.figure.caption)
        return (f'{text}\n<figure><img src="{html.escape(source(self.figure))}" alt="{caption}"/>'
                f"<figcaption>{caption}</figcaption></figure>")


@dataclass(frozen=True)
class Figure:
    """A variant's figure as an LMS file: a name unique to the variant, the SVG, its caption."""

    name: str
    svg: bytes
    caption: str


@dataclass(frozen=True)
class Pool:
    """The variants an LMS draws slot ``slot`` from."""

    slot: str
    variants: tuple[PoolVariant, ...]


@dataclass(frozen=True)
class Alternative:
    """One numeric answer interval with its score and feedback (HTML-safe), in display units."""

    value: Decimal
    tolerance: Decimal
    """Absolute half-width of the interval."""
    score: float
    feedback: str


@dataclass(frozen=True)
class NumericKey:
    """A numeric part as intervals, in check_answer's order: correct first, then the mistakes."""

    unit: str
    """Display unit (canonical ASCII spelling; ``""`` for a pure number)."""
    unit_required: bool
    correct: Alternative
    wrong: tuple[Alternative, ...]
    """Misconceptions in manifest order, then the sign error (feedback only)."""
    sigfigs: int | None


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a choice part with the score and feedback check_answer gives it."""

    text: str
    score: float
    feedback: str
    misconception: str | None = None


class Notes:
    """Collects :class:`Limitation` entries, once each."""

    def __init__(self) -> None:
        self._seen: dict[Limitation, None] = {}

    def add(self, variant: PoolVariant, part: str, reason: str) -> None:
        """Note that ``part`` (or the whole problem, ``""``) of ``variant``'s template is not expressible."""
        self._seen.setdefault(Limitation(variant.slot, variant.template, part, reason), None)

    def sorted(self) -> tuple[Limitation, ...]:
        return tuple(sorted(self._seen, key=lambda n: (slot_order(n.slot), n.template, n.part, n.reason)))


Writer = Callable[[Mapping[str, Any], tuple[Pool, ...], Notes], tuple[bytes, dict[str, int]]]


def export_lms(exam_dir: Path, to: str, pool: int | None = None, out: Path | None = None,
               force: bool = False) -> LmsSummary:
    """Export the build in ``exam_dir`` for an LMS: ``to`` is ``moodle`` or ``canvas``.

    ``pool`` caps the variants per slot (default: every distinct variant). The file goes to
    ``out`` (default ``<exam_dir>/lms/moodle.xml`` or ``<exam_dir>/lms/canvas-qti.zip``); a file
    that exists there, the default one included, is replaced only with ``force``, and only once
    the new one is complete; a file of the build itself never is.
    """
    from problemgen.batch import load_manifest
    from problemgen.export.moodle import moodle_xml
    from problemgen.export.qti import canvas_zip

    writers: dict[str, Writer] = {"moodle": moodle_xml, "canvas": canvas_zip}
    if to not in TARGETS:
        raise BuildError(f"unknown LMS {to!r}; use one of: {', '.join(TARGETS)}")
    if pool is not None and pool < 1:
        raise BuildError(f"--pool must be at least 1 (variants per slot), got {pool}")
    default = exam_dir / "lms" / TARGETS[to]
    if out is not None and out.resolve() != default.resolve():
        inside = out.resolve().is_relative_to(exam_dir.resolve())
        if inside and not out.resolve().is_relative_to(default.parent.resolve()):
            raise BuildError(f"{out} is inside the build {exam_dir}, whose files grading reads; write the export elsewhere, "
                             f"or leave out --out for {default}")
    if (out or default).exists() and not force:  # NB: the default file too (a build's lms = [...] writes it)
        raise BuildError(f"{out or default} already exists; use --force to replace it, or choose another --out")
    manifest = load_manifest(exam_dir)
    pools = read_pools(manifest, pool, exam_dir / "keys")
    show_solutions = bool((manifest.get("grading") or {}).get("show_solutions", True))
    if not show_solutions:  # an exam's questions carry no worked solution, and Canvas shows no key
        pools = tuple(replace(p, variants=tuple(replace(v, solution="") for v in p.variants))
                      for p in pools)
    notes = Notes()
    try:
        data, items = writers[to]({**manifest["exam"], "show_solutions": show_solutions}, pools, notes)
    except ProblemgenError as error:
        raise BuildError(f"In {exam_dir / 'manifest.json'}: {error}") from None
    path = out or default
    write_atomic(path, data)
    limitations = notes.sorted()
    notes_path = path.with_name(path.name + ".notes.txt")  # beside its own file only: moodle.xml.notes.txt
    if limitations:
        write_atomic(notes_path, notes_text(to, path, limitations).encode("utf-8"))
    else:
        notes_path.unlink(missing_ok=True)  # an earlier export's list no longer applies
    return LmsSummary(path, to, items, sum(len(p.variants) for p in pools), limitations,
                      notes_path if limitations else None)


#: Display names of the export targets.
FORMAT_NAMES = {"moodle": "Moodle XML", "canvas": "Canvas QTI"}


def notes_text(to: str, path: Path, limitations: tuple[Limitation, ...]) -> str:
    """The notes file of an export: every problem or part the format cannot express, and what was done."""
    lines = grouped(limitations)
    head = [f"What {FORMAT_NAMES[to]} cannot express as problemgen grades it, in {path.name} ({len(lines)}):", ""]
    return "\n".join([*head, *(f"- {line}" for line in lines)]) + "\n"


def grouped(limitations: tuple[Limitation, ...]) -> tuple[str, ...]:
    """One line per reason, in the order first met, naming every place it applies: a note made
    for each template of a pool and each slot it fills is said once (``slots 4.1 and 4.2
    (templates a, b and c), 6 in all: ...``)."""
    by_reason: dict[str, list[Limitation]] = {}
    for limitation in limitations:
        by_reason.setdefault(limitation.reason, []).append(limitation)
    return tuple(str(items[0]) if len(items) == 1 else f"{_places(items)}: {reason}"
                 for reason, items in by_reason.items())


def _places(items: list[Limitation]) -> str:
    """Where one reason applies: slots with the same templates (and parts) are named together."""
    by_slot: dict[str, dict[str, list[str]]] = {}
    for item in items:
        parts = by_slot.setdefault(item.slot, {}).setdefault(item.template, [])
        if item.part:
            parts.append(item.part)
    slots_of: dict[str, list[str]] = {}
    for slot, templates in by_slot.items():
        whole = [t for t, parts in templates.items() if not parts]
        described = [*([f"template{'s' if len(whole) > 1 else ''} {_and(whole)}"] if whole else []),
                     *(f"{t}, part{'s' if len(parts) > 1 else ''} {_and(parts)}" for t, parts in templates.items() if parts)]
        slots_of.setdefault("; ".join(described), []).append(slot)
    places = "; ".join(f"slot{'s' if len(slots) > 1 else ''} {_and(slots)} ({described})"
                       for described, slots in slots_of.items())
    return f"{places}, {len(items)} in all"


def _and(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling, then move it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def content_id(*parts: str) -> str:
    """A stable identifier: ``pg`` + a 20-hex-digit BLAKE2b digest of ``parts``."""
    return "pg" + hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()


def read_pools(manifest: Mapping[str, Any], pool: int | None = None, keys: Path | None = None) -> tuple[Pool, ...]:
    """Every distinct variant per slot, or ``pool`` of them, slots in sheet order.

    Variants are taken by content hash, in turns from each template of the slot, so a slot that
    draws from several templates keeps every template while ``pool`` allows.

    A variant with a figure carries it, read from the build's ``keys`` folder (where every
    student's figures are kept); a figure that is no longer there is a :class:`BuildError`.
    """
    exam_id = str(manifest["exam"]["id"])
    slots: dict[str, dict[str, tuple[Mapping[str, Any], str]]] = {}
    for student in manifest["students"]:
        for problem in student["problems"]:
            givens = json.dumps(problem["givens"], sort_keys=True, ensure_ascii=False)
            key = content_id("variant", exam_id, problem["slot"], problem["template"], givens)
            slots.setdefault(problem["slot"], {}).setdefault(key, (problem, str(student.get("folder", ""))))
    return tuple(Pool(slot, tuple(_variant(key, *found[key], keys) for key in _in_turns(found)[:pool]))
                 for slot, found in sorted(slots.items(), key=lambda item: slot_order(item[0])))


def _in_turns(found: Mapping[str, tuple[Mapping[str, Any], str]]) -> list[str]:
    """Variant keys in turns by template (each template's first by content hash, then each one's
    second, ...), templates in id order."""
    by_template: dict[str, list[str]] = {}
    for key in sorted(found):
        by_template.setdefault(str(found[key][0]["template"]), []).append(key)
    turns = zip_longest(*(by_template[template] for template in sorted(by_template)))
    return [key for turn in turns for key in turn if key is not None]


def _variant(key: str, problem: Mapping[str, Any], folder: str, keys: Path | None) -> PoolVariant:
    letters = "abcdefghijklmnopqrstuvwxyz"
    parts = tuple(PoolPart(letters[i], part["name"], float(part["points"]), part["prompt"], part["expected"])
                  for i, part in enumerate(problem["parts"]))
    figure = None
    if problem.get("figure") and keys is not None:
        path = keys / folder / str(problem["figure"])
        try:
            svg = path.read_bytes()
        except OSError:
            raise BuildError(f"{path} is missing: the question of slot {problem['slot']} ({problem['template']}) "
                             "shows that figure; export from a complete build (rebuild it with --force)") from None
        figure = Figure(f"{key}.svg", svg, str(problem.get("figure_caption", "")))
    return PoolVariant(key, problem["slot"], problem["template"], problem["title"], float(problem["points"]),
                       problem["statement"], problem["solution"], parts, figure)


# --- answer keys --------------------------------------------------------------------------------
def numeric_key(expected: Mapping[str, Any]) -> NumericKey:
    """The intervals check_answer accepts for a numeric part (tolerance at each value)."""
    spec = numeric_spec(expected)

    def tolerance(value: Decimal) -> Decimal:
        if spec.sigfigs is not None:
            return sigfig_window(value, spec.sigfigs)
        return spec.atol + (spec.rtol + FLOAT_NOISE) * abs(value)

    # The allowance for carried rounded parts widens the right answer's window only, as in check_answer.
    correct = Alternative(spec.value, tolerance(spec.value) + spec.allowance, 1.0, fb.CORRECT)
    seen = {spec.value}
    wrong = []
    for name, value in spec.misconceptions:
        if value not in seen:  # a repeated value can never be reached: the first match wins
            seen.add(value)
            text = fb.INCORRECT_MISCONCEPTION.format(text=spec.misconception_text(name))
            wrong.append(Alternative(value, tolerance(value), spec.credit(name), text))
    if spec.value and -spec.value not in seen:
        wrong.append(Alternative(-spec.value, tolerance(spec.value), 0.0, fb.INCORRECT_SIGN))
    return NumericKey(spec.unit.canonical, spec.unit_required, correct, tuple(wrong), spec.sigfigs)


def choice_options(expected: Mapping[str, Any]) -> tuple[ChoiceOption, ...]:
    """Every option of a choice part with check_answer's score and feedback for it."""
    named = misconception_options(expected)
    mistakes = {option: name for name, option in (expected.get("misconceptions") or {}).items()}
    options = []
    for option in expected["options"]:
        if option == expected["answer"]:
            options.append(ChoiceOption(option, 1.0, fb.CORRECT))
        elif option in mistakes:
            text = fb.INCORRECT_MISCONCEPTION.format(text=named.text(mistakes[option]))
            options.append(ChoiceOption(option, named.credit(mistakes[option]), text, mistakes[option]))
        else:
            options.append(ChoiceOption(option, 0.0, fb.INCORRECT_CHOICE))
    return tuple(options)


def plain_number(value: Decimal) -> str:
    """ASCII number with a decimal point and no ``+`` sign: ``-64.1``, ``77.0``, ``0.00012``.

    Exponent notation (``3.09e-17``) only outside 1e-6 <= |x| < 1e15, where plain digits would
    run long. Both LMS importers read either form.
    """
    if value.is_zero():
        return "0.0"
    if Decimal("1e-6") <= abs(value) < Decimal("1e15"):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    mantissa, _, exponent = format(value, "e").partition("e")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{int(exponent)}"


def snap_percent(score: float, allowed: tuple[str, ...]) -> str:
    """The allowed percentage nearest to ``score`` (0..1), as written in the file."""
    return min(allowed, key=lambda p: (abs(float(p) - 100 * score), float(p)))


def unit_alternatives(unit: str, max_ratio: Decimal = _MAX_PREFIX_RATIO) -> tuple[tuple[str, Decimal], ...]:
    """Spellings of ``unit`` with other SI prefixes, each with (value in it) / (value in ``unit``).

    ``mV`` -> ``(("mV", 1), ("fV", 1e12), ..., ("V", 0.001), ...)``; the display unit first, then
    by decreasing size, within a factor of ``max_ratio`` (10^6). Empty for a pure number.
    """
    if not unit:
        return ()
    base = parse_unit(unit)
    stems = [unit] + ([unit[1:]] if unit[:1] in _PREFIXES else [])
    found: dict[str, Decimal] = {unit: Decimal(1)}
    for stem in stems:
        for prefix in _PREFIXES:
            other = try_parse_unit(prefix + stem)
            if getattr(other, "dims", None) != base.dims:
                continue
            ratio = base.factor / other.factor  # type: ignore[union-attr]
            if 1 / max_ratio <= ratio <= max_ratio:
                found.setdefault(other.canonical, ratio)  # type: ignore[union-attr]
    rest = sorted((u for u in found if u != unit), key=lambda u: found[u])
    return ((unit, Decimal(1)), *((u, found[u]) for u in rest))


# --- text ---------------------------------------------------------------------------------------
def text_html(markdown: str, math: str) -> str:
    """Bank Markdown as HTML: ``math="tex"`` keeps TeX for MathJax, ``"mathml"`` converts it."""
    return markdown_to_html(markdown, math).strip()


def inline_html(markdown: str, math: str) -> str:
    """Like :func:`text_html` for a one-paragraph text, without the surrounding ``<p>``."""
    html = text_html(markdown, math)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html

