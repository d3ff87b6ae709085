"""Rendering: one sandboxed jinja2 environment for bank text, and Markdown/LaTeX -> HTML/MathML.

Bank statements and solutions are Markdown with LaTeX math (``$...$``, ``$$...$$``), written as
jinja2 templates. They render in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
``StrictUndefined``, so a typo is an error, never a blank. Givens and answers arrive as
:class:`Quantity` objects: ``{{ c_out }}`` prints ``150 mM`` and ``{{ c_out.tex }}`` prints
``150\\,\\mathrm{mM}`` for use inside math. Markdown and TeX keep the LaTeX; HTML gets MathML.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from problemgen.errors import ProblemgenError

MINUS = "\u2212"


@dataclass(frozen=True)
class Quantity:
    """A number with its display unit and precision, as shown on a sheet."""

    value: float
    unit: str = ""
    sigfigs: int | None = None
    decimals: int | None = None

    def number(self, style: str = "unicode", minus: str = MINUS) -> str:
        """The number as displayed: fixed decimals for givens on a grid, else significant figures.

        ``style`` is ``unicode`` (``6.90 × 10⁻⁵``, U+2212 minus) or ``latex`` (``6.90 \\times 10^{-5}``).
        """
        return _format_number(self.value, self.decimals, self.sigfigs or 3, style, minus)

    def __str__(self) -> str:
        unit = unit_text(self.unit)
        return f"{self.number()} {unit}" if unit else self.number()

    @property
    def tex(self) -> str:
        """LaTeX for use inside math: ``-65\\,\\mathrm{mV}``."""
        number = self.number(style="latex", minus="-")
        unit = unit_tex(self.unit)
        return rf"{number}\,{unit}" if unit else number

    def to(self, unit: str, sigfigs: int | None = None) -> Quantity:
        """The same quantity in another unit (shown with significant figures)."""
        from problemgen.bank import unit_factor

        value = self.value * unit_factor(self.unit) / unit_factor(unit)
        return Quantity(value, unit, sigfigs or self.sigfigs or 3)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@functools.lru_cache(maxsize=65536)
def _format_number(value: float, decimals: int | None, sigfigs: int, style: str, minus: str) -> str:
    # Givens repeat across students (they come from grids), so formatting is cached.
    from problemgen.numbers import format_decimals, format_sig

    if decimals is not None:
        return format_decimals(value, decimals, minus=minus)
    return format_sig(value, sigfigs, minus=minus, style=style)


@functools.lru_cache(maxsize=1024)
def unit_text(unit: str) -> str:
    """Display form of a unit for text (``uF/cm^2`` -> ``µF/cm²``)."""
    if unit == "degC":
        return "°C"
    if not unit:
        return ""
    from problemgen.units import unit_display

    return unit_display(unit, "unicode")


@functools.lru_cache(maxsize=1024)
def unit_tex(unit: str) -> str:
    """LaTeX form of a unit (``\\mathrm{mV}``)."""
    if unit == "degC":
        return r"{}^\circ\mathrm{C}"
    if not unit:
        return ""
    from problemgen.units import unit_display

    return unit_display(unit, "latex")


def _ion(symbol: str, style: str = "unicode") -> str:
    from problemgen.physics import ion

    found = ion(symbol)
    return {"unicode": found.unicode, "latex": found.latex, "plain": found.plain, "name": found.name}[style]


def _relation_latex(name: str) -> str:
    from problemgen.physics import relation

    return relation(name).latex()


def _q(value: Any, unit: str | None = None, sigfigs: int | None = None) -> str:
    if not isinstance(value, Quantity):
        value = Quantity(float(value), unit or "", sigfigs)
    elif unit:
        value = value.to(unit, sigfigs)
    elif sigfigs:
        value = Quantity(value.value, value.unit, sigfigs)
    return str(value)


def _tex(value: Any, unit: str | None = None, sigfigs: int | None = None) -> str:
    if not isinstance(value, Quantity):
        value = Quantity(float(value), unit or "", sigfigs)
    elif unit:
        value = value.to(unit, sigfigs)
    return value.tex


class _BankSandbox(SandboxedEnvironment):
    """The sandbox, with the attributes of our own :class:`Quantity` known to be safe up front.

    Bank text reads ``x.tex`` and ``x.value`` on every given; the general check (is it internal,
    a function, a frame, ...) cost a quarter of rendering a problem.
    """

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) is Quantity and attr in _QUANTITY_ATTRIBUTES:
            return True
        return super().is_safe_attribute(obj, attr, value)


#: What bank text may read of a Quantity (its fields, ``tex``, ``number`` and ``to``).
_QUANTITY_ATTRIBUTES = frozenset({"value", "unit", "sigfigs", "decimals", "tex", "number", "to"})


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one jinja2 environment for bank text (sandboxed, strict, no autoescape: output is Markdown)."""
    env = _BankSandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False,
                       trim_blocks=True, lstrip_blocks=True)
    env.filters.update(q=_q, tex=_tex, ion=_ion)
    env.globals.update(relation=_relation_latex)
    return env


class RenderError(ProblemgenError):
    """A statement or solution that does not render (undefined name, syntax error).

    ``where`` is ``"<template file>, <text>"`` (``banks/x.toml, statement``); the message follows.
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(where, problem)

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")
_NO_ATTRIBUTE = re.compile(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']+)'")


def _undefined_problem(message: str, context: dict[str, Any]) -> str:
    """jinja's undefined-name message, saying what the text may use instead (no internal class names)."""
    import difflib

    def suggestion(name: str, known: list[str]) -> str:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""

    undefined = _UNDEFINED_NAME.fullmatch(message)
    if undefined:
        name = undefined.group(1)
        return f"{message}{suggestion(name, sorted(context))}; define it under [params] or fix the name"
    missing = _NO_ATTRIBUTE.fullmatch(message)
    if missing:
        kind, name = missing.groups()
        if kind == "Quantity":
            known = sorted(_QUANTITY_ATTRIBUTES)
            return f"a quantity has no {name!r}{suggestion(name, known)}; use one of: {', '.join(known)}"
        if kind == "WorkedSteps":
            known = list(context.get("work", ()))
            return f"work has no part {name!r}{suggestion(name, known)}; the parts are: {', '.join(known)}"
        return f"nothing called {name!r} here; check the name after the dot"
    return message


@functools.lru_cache(maxsize=1024)
def compile_text(source: str, where: str) -> jinja2.Template:
    """Compile bank text once; syntax errors name the template and line."""
    try:
        return environment().from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"{where}, line {error.lineno}", str(error.message)) from None


def render_text(source: str, context: dict[str, Any], where: str) -> str:
    """Render bank text with a context; undefined names are located errors."""
    try:
        return compile_text(source, where).render(context).strip()
    except jinja2.UndefinedError as error:
        raise RenderError(where, _undefined_problem(str(error.message), context)) from None
    except jinja2.TemplateError as error:
        raise RenderError(where, str(error)) from None


#: Between the texts of one :func:`render_texts` call: a private-use character, not whitespace
#: (jinja's whitespace control and str.strip leave it alone) and never in bank text.
_PIECE = "\ue000"


#: Tags whose names would outlive their own text in a joined template (``{% set %}`` in a
#: statement must not define a name for the prompts); texts using them render one by one.
_SCOPED_TAGS = (nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.Block, nodes.Import, nodes.FromImport,
                nodes.Include, nodes.Extends, nodes.CallBlock)


@functools.lru_cache(maxsize=1024)
def _compile_texts(sources: tuple[str, ...], wheres: tuple[str, ...]) -> jinja2.Template | None:
    """One template of several texts (each compiled alone first, so syntax errors stay located),
    or None when they cannot share one scope."""
    for source, where in zip(sources, wheres):
        compile_text(source, where)
    if any(_PIECE in source or any(environment().parse(source).find_all(_SCOPED_TAGS)) for source in sources):
        return None
    return environment().from_string(_PIECE.join(sources))


def render_texts(sources: tuple[str, ...], context: dict[str, Any], wheres: tuple[str, ...]) -> list[str]:
    """:func:`render_text` of several texts with one context, in one jinja render (a call costs ~5 µs).

    Any error is reported as :func:`render_text` of the text that causes it would report it.
    """
    template = _compile_texts(sources, wheres)
    if template is not None:
        try:
            pieces = template.render(context).split(_PIECE)
        except jinja2.TemplateError:
            pass  # rendered one by one below, which names the text at fault
        else:
            if len(pieces) == len(sources):
                return [piece.strip() for piece in pieces]
    return [render_text(source, context, where) for source, where in zip(sources, wheres)]


# --- Markdown + LaTeX -> HTML + MathML -----------------------------------------------------------
def _math_renderer(display: bool) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return latex_to_mathml(tokens[idx].content, display)
    return render


def _tex_renderer(display: bool) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        open_, close = (r"\[", r"\]") if display else (r"\(", r"\)")
        return f"{open_}{html.escape(tokens[idx].content.strip(), quote=False)}{close}"
    return render


@functools.cache
def markdown_parser(math: str = "mathml") -> Any:
    """The ``markdown_it`` parser of bank text: CommonMark, tables, ``$``/``$$`` math, raw HTML escaped.

    ``math`` picks how its HTML renderer writes formulas (``mathml`` or ``tex``); parsing is the
    same, so other writers (LaTeX) walk the tokens of either.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    # html=False: raw HTML in bank text is escaped, never passed through.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, double_inline=True)
    renderer = _math_renderer if math == "mathml" else _tex_renderer
    md.add_render_rule("math_inline", renderer(False))
    md.add_render_rule("math_inline_double", renderer(True))
    md.add_render_rule("math_block", renderer(True))
    return md


# Numbers in a formula are swapped for placeholders before conversion, so one conversion
# serves every variant of a template ("V_m = -65 mV" and "V_m = -72 mV" share a shape).
# Digits right after a letter, ^ or _ are single-token arguments (\frac12, x_2, 10^3) and are
# left alone.
# A trailing point is not part of the number, as latex2mathml reads "7." (<mn>7</mn><mo>.</mo>)
# and as Markdown's emphasis rules need it ("7.**2" does not close **: the point is punctuation,
# a slot's last character a digit).
#: A number not glued to a name or another number (``E_2``, ``x1``, ``1.2.3``). It opens with its first
#: digit, so the regex engine skips ahead to digits; the look-behind then checks the character before.
_NUMBER = re.compile(r"\d(?<![A-Za-z\\\d.^_]\d)\d*(?:\.\d+)?")
_SLOT = "8086{:04d}6808"
_SLOT_PATTERN = re.compile(r"8086(\d{4})6808")
# Digits right after an operator that takes no argument (\cdot445, \times3.5) are ordinary
# numbers: a space (which TeX ignores after a control word) lets them become slots too.
_OPERATOR_BEFORE_DIGIT = re.compile(r"(\\(?:cdot|times|pm|mp|div|approx|sim|simeq|leq?|geq?|neq?|to|quad|qquad))(?=\d)")
#: Formulas in Markdown text: $$...$$ or $...$.
_MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
# latex2mathml draws a single letter in \mathrm{} in italics; \text{} keeps it upright.
_UPRIGHT_LETTER = re.compile(r"\\mathrm\{([A-Za-z])\}")


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for one formula; an unconvertible formula is shown as escaped text, never a crash."""
    numbers: list[str] = []

    def slot(match: re.Match[str]) -> str:
        numbers.append(match.group())
        return _SLOT.format(len(numbers) - 1)

    latex = _OPERATOR_BEFORE_DIGIT.sub(r"\1 ", latex)
    shape = _NUMBER.sub(slot, _UPRIGHT_LETTER.sub(r"\\text{\1}", latex))
    pieces = _convert_shape(shape, display)
    if pieces is None:
        return f'<code class="math-error">{html.escape(latex)}</code>'
    return _fill(pieces, numbers)


@functools.lru_cache(maxsize=8192)
def _convert_shape(shape: str, display: bool) -> _Pieces | None:
    from latex2mathml.converter import convert

    try:
        return _pieces(convert(shape, display="block" if display else "inline"), _SLOT_PATTERN)
    except Exception:  # noqa: BLE001 - latex2mathml raises assorted errors on bad input
        return None


_Pieces = tuple[tuple[str, ...], tuple[int, ...]]


def _pieces(rendered: str, slot: re.Pattern[str]) -> _Pieces:
    """A rendered shape cut at its number slots: the texts between them and each slot's index."""
    parts = slot.split(rendered)
    return tuple(parts[0::2]), tuple(int(index) for index in parts[1::2])


def _fill(pieces: _Pieces, numbers: list[str]) -> str:
    """Put a variant's numbers back into the slots of a rendered shape."""
    texts, indices = pieces
    out = [texts[0]]
    for index, text in zip(indices, texts[1:]):
        out.append(numbers[index])
        out.append(text)
    return "".join(out)


_TEXT_SLOT = "7097{:04d}7907"
_NUMBER_SPLIT = re.compile(f"({_NUMBER.pattern})")
_TEXT_SLOT_PATTERN = re.compile(r"7097(\d{4})7907")
_TEXT_SLOTS = tuple(_TEXT_SLOT.format(index) for index in range(1000))
#: Digits that may open an ordered-list item ("1." or "3)" first on a line, or after other block
#: markers: "> 3)", "- 1."): texts with one take the slow path.
_LIST_MARKER = re.compile(r"^(?:[^\S\n]|>|[*+\-](?=[^\S\n]))*\d{1,9}[.)](?:[^\S\n]|$)", re.M)
#: What may stand before a list marker on its line: blanks, quote markers, bullets and outer list
#: markers (each of the last two followed by a blank, as CommonMark wants; "**3." is no list).
_BLOCK_PREFIX = re.compile(r"(?:[^\S\n]|>|[*+\-](?=[^\S\n])|\d{1,9}[.)](?=[^\S\n]))*")


@functools.lru_cache(maxsize=2048)
def markdown_to_html(text: str, math: str = "mathml") -> str:
    """HTML (with MathML for math) from bank Markdown (cached: a sheet and its key share texts).

    ``math="tex"`` keeps the formulas as escaped TeX between ``\\(...\\)`` and ``\\[...\\]``
    for a MathJax filter (Moodle) instead of converting them.

    Like formulas, texts are converted once per shape: numbers become placeholders, the shape is
    rendered (and cached), and the numbers are put back. Students' statements differ mostly in
    their numbers, so a build renders each template's text only a few times.
    """
    if _OPERATOR_BEFORE_DIGIT.search(text):  # only inside math: code spans and prose keep their text
        text = _MATH_SPAN.sub(lambda math: _OPERATOR_BEFORE_DIGIT.sub(r"\1 ", math.group()), text)
    parts = _NUMBER_SPLIT.split(text)  # text, number, text, number, ..., text
    numbers = parts[1::2]
    if len(numbers) <= len(_TEXT_SLOTS) and not _LIST_MARKER.search(text):
        parts[1::2] = _TEXT_SLOTS[:len(numbers)]  # the usual text: every number is a slot
        return _fill(_markdown_shape("".join(parts), math), numbers)
    numbers = []
    for index in range(1, len(parts), 2):
        number = parts[index]
        if parts[index + 1][:1] in ".)" and _starts_line(parts, index):
            continue  # an ordered-list marker ("1." or "3)") must keep its digits
        parts[index] = _TEXT_SLOT.format(len(numbers))
        numbers.append(number)
    return _fill(_markdown_shape("".join(parts), math), numbers)


def _starts_line(parts: list[str], index: int) -> bool:
    """Whether only blanks and block markers precede the number ``parts[index]`` on its line.

    The line may hold earlier numbers (an outer list's "1. 2."), so its start is looked for back
    through the parts.
    """
    prefix = []
    for before in reversed(parts[:index]):
        _, newline, line = before.rpartition("\n")
        prefix.append(line)
        if newline:
            break
    return _BLOCK_PREFIX.fullmatch("".join(reversed(prefix))) is not None


@functools.lru_cache(maxsize=8192)
def _markdown_shape(shape: str, math: str = "mathml") -> _Pieces:
    return _pieces(markdown_parser(math).render(shape), _TEXT_SLOT_PATTERN)
