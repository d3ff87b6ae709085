"""Units: our own closed table and a strict grammar, shared by banks, rendering and grading.

Grammar (grading rules §4): SI symbols with an optional prefix (a f p n µ/μ/u m c d k M G T),
case-sensitive; ``M`` is mol/L; ohm is ``Ω``/``Ω``/``ohm``/``Ohm``, also plural (``kOhms``); a
few long names and aliases (``millivolts``, ``volts``, ``msec``, ``kilohms``). ``*``, ``·`` or a space multiply; ``/`` divides
left to right (``F/cm/cm`` = ``F/cm^2``); parentheses nest at most 2 deep; powers are ``^n``,
``**n``, superscripts or UCUM trailing integers (``cm2``, ``L-1``) with 1 <= |n| <= 4; ``1/s`` is
allowed; ``""`` is dimensionless. Input is capped at 200 characters before any regex runs.

:func:`parse_unit` raises :class:`~problemgen.errors.UnitError` (for bank authors);
:func:`try_parse_unit` returns a :class:`Unit` or a :class:`UnitFormatError` value and never
raises (for grading); given the dimension the answer box expects (``prefer``), its "did you
mean" suggestion for a misspelt symbol prefers a unit of that dimension (``pa`` in a current box:
``pA``, not ``Pa``). Both share one cache keyed by the input string (and ``prefer``). Factors are exact
:class:`~decimal.Decimal` values to SI; dimensions are exponents of (m, kg, s, A, K, mol).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Any, Union

from problemgen.errors import DimensionError, UnitError
from problemgen.units_table import (
    COMMON_UNITS,
    ELIDED_NAMES,
    LONG_NAMES,
    LONG_PREFIXES,
    PREFIXES,
    SYMBOLS,
    Dims,
    dimension_has_name,
    dimension_name,
)

__all__ = [
    "MAX_LENGTH", "MAX_DEPTH", "MAX_POWER", "Unit", "UnitFormatError", "parse_unit", "try_parse_unit",
    "convert", "to_si", "from_si", "dimension_name", "unit_display", "DIMENSIONLESS",
]

MAX_LENGTH = 200
MAX_DEPTH = 2
MAX_POWER = 4

# --- the atom table: every spelling -> (canonical prefix, canonical symbol) ----------------------
_ATOMS: dict[str, tuple[str, str]] = {}
for _symbol, (_canonical, _, _, _prefixable) in SYMBOLS.items():
    for _spelling, _prefix in (PREFIXES.items() if _prefixable else ()):
        _ATOMS.setdefault(_spelling + _symbol, (_prefix, _canonical))
for _name, _canonical in LONG_NAMES.items():
    for _spelling, _prefix in LONG_PREFIXES.items():
        _ATOMS.setdefault(_spelling + _name, (_prefix, _canonical))
# An unprefixed symbol always wins over a prefix reading ("Pa" is pascal, "mol" is mole).
for _symbol, (_canonical, _, _, _) in SYMBOLS.items():
    _ATOMS[_symbol] = ("", _canonical)
for _name, _canonical in LONG_NAMES.items():
    _ATOMS[_name] = ("", _canonical)
for _name, _atom in ELIDED_NAMES.items():
    _ATOMS.setdefault(_name, _atom)

_CANONICAL_SYMBOLS = {canonical: (factor, dims) for canonical, factor, dims, _ in SYMBOLS.values()}
_PREFIXABLE = {canonical for canonical, _, _, prefixable in SYMBOLS.values() if prefixable}
_PREFIX_FACTORS = {prefix: Decimal(f"1e{power}") for prefix, power in (
    ("", 0), ("a", -18), ("f", -15), ("p", -12), ("n", -9), ("u", -6), ("m", -3), ("c", -2),
    ("d", -1), ("k", 3), ("M", 6), ("G", 9), ("T", 12))}
_BARE_PREFIXES = {spelling for spelling in PREFIXES if spelling and spelling not in _ATOMS}
_ZERO_DIMS: Dims = (0, 0, 0, 0, 0, 0)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_TO_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


# --- AST ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Atom:
    prefix: str  # canonical: "", "u", "m", ...
    symbol: str  # canonical: "V", "Ohm", "L", ...


@dataclass(frozen=True)
class _One:
    """The ``1`` of ``1/s``."""


@dataclass(frozen=True)
class _Factor:
    base: Union[_Atom, _One, "_Product"]
    power: int = 1


@dataclass(frozen=True)
class _Product:
    first: _Factor
    rest: tuple[tuple[str, _Factor], ...]  # ("*" | "/", factor), applied left to right


# --- public values ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """A parsed unit: canonical spelling, exact factor to SI and SI base dimensions."""

    canonical: str
    """Normalised ASCII spelling (``uF/cm^2``, ``Ohm``, ``mmol*L^-1``); ``""`` is dimensionless."""
    factor: Decimal
    """Exact factor to SI: a value in this unit times ``factor`` is the value in SI base units."""
    dims: Dims
    """Exponents of (m, kg, s, A, K, mol)."""
    _tree: _Product | None = field(default=None, repr=False, compare=False)

    @property
    def dimension(self) -> str:
        """Human name of the dimension (``voltage``, ``concentration``...)."""
        return dimension_name(self.dims)

    @property
    def dimension_named(self) -> bool:
        """Whether the dimension has a reader's name (``voltage``), not only its SI base form."""
        return dimension_has_name(self.dims)

    @property
    def dimensionless(self) -> bool:
        """True for ``""``, ``1`` and ratios such as ``mV/V``."""
        return self.dims == _ZERO_DIMS

    def display(self, style: str = "plain") -> str:
        """This unit written in ``style``: ``plain``, ``unicode``, ``latex`` or ``html``."""
        if style not in _STYLES:
            raise ValueError(f"unknown unit style {style!r}; use one of: {', '.join(_STYLES)}")
        return "" if self._tree is None else _render(self._tree, style)


@dataclass(frozen=True)
class UnitFormatError:
    """Why a unit string does not parse (a value, not an exception; see :func:`try_parse_unit`)."""

    text: str
    problem: str
    """Self-contained sentence, safe to show after HTML escaping (``'mv' is not a unit; ...``)."""
    column: int | None = None

    def exception(self) -> UnitError:
        """The matching :class:`UnitError`, for callers that raise."""
        return UnitError(self.text, self.problem, self.column)


DIMENSIONLESS = Unit("", Decimal(1), _ZERO_DIMS)

# --- tokenizer ----------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""(?P<space>[ ]+)
      |(?P<power>(?:\^|\*\*)[ ]*(?P<exponent>[-+]?[0-9]+))
      |(?P<superscript>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
      |(?P<word>[A-Za-zµμΩΩ]+)(?P<trailing>[-+]?[0-9]+)?
      |(?P<number>[0-9]+)
      |(?P<op>[*·/()])""",
    re.VERBOSE,
)
_BINARY_OPS = {"*", "·", "/"}


@dataclass(frozen=True)
class _Token:
    kind: str  # word, number, op, mul (an implicit multiplication by a space), end
    text: str
    column: int
    power: int = 1


class _Fail(Exception):
    """Internal: carries a format problem out of the recursive descent."""

    def __init__(self, problem: str, column: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.column = problem, column


def _power(text: str, column: int) -> int:
    digits = text.lstrip("+-")
    value = int(text) if len(digits) <= 2 else MAX_POWER + 1  # never build a huge int
    if value == 0:
        raise _Fail("a power of 0 is not allowed", column)
    if abs(value) > MAX_POWER:
        raise _Fail(f"power {text} is out of range; use a power from -{MAX_POWER} to {MAX_POWER}", column)
    return value


def _tokenize(text: str) -> list[_Token]:
    raw: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        column = position + 1
        if match is None:
            char = text[position]
            if char == "°":
                raise _Fail("offset temperatures such as °C are not supported; give the temperature in K", column)
            raise _Fail(f"{char!r} is not allowed in a unit", column)
        kind = match.lastgroup or ""
        if kind == "power":
            raw.append(_Token("power", match.group(), column, _power(match.group("exponent"), column)))
        elif kind == "superscript":
            raw.append(_Token("power", match.group(), column, _power(match.group().translate(_SUPERSCRIPTS), column)))
        elif kind in ("word", "trailing"):
            trailing = match.group("trailing")
            raw.append(_Token("word", match.group("word"), column))
            if trailing:
                at = column + len(match.group("word"))
                raw.append(_Token("power", trailing, at, _power(trailing, at)))
        else:
            raw.append(_Token(kind, match.group(), column))
        position = match.end()
    # A space multiplies only between two operands; next to an operator or a parenthesis it is
    # layout ("J / (mol K)").
    tokens: list[_Token] = []
    for index, token in enumerate(raw):
        if token.kind != "space":
            tokens.append(token)
            continue
        before = raw[index - 1] if index else None
        after = raw[index + 1] if index + 1 < len(raw) else None
        if (before is not None and after is not None and before.text not in _BINARY_OPS | {"("}
                and after.kind != "power" and after.text not in _BINARY_OPS | {")"}):
            tokens.append(_Token("mul", " ", token.column))
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# --- parser -------------------------------------------------------------------------------------
class _Parser:
    """Recursive descent: product := factor (('*'|'·'|' '|'/') factor)*; factor := atom power?."""

    def __init__(self, text: str, prefer: Dims | None = None) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.prefer = prefer

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def parse(self) -> _Product:
        product = self.product(0)
        if self.token.kind != "end":
            raise _Fail("unbalanced parentheses" if self.token.text == ")" else f"unexpected {self.token.text!r}",
                        self.token.column)
        return product

    def product(self, depth: int) -> _Product:
        first = self.factor(depth, leading=True)
        rest: list[tuple[str, _Factor]] = []
        while self.token.kind == "mul" or self.token.text in _BINARY_OPS:
            op = "/" if self.token.text == "/" else "*"
            self.index += 1
            rest.append((op, self.factor(depth, leading=False)))
        if isinstance(first.base, _One) and (not rest or rest[0][0] != "/"):
            raise _Fail("a number cannot be part of a unit (only the 1 of '1/s')", 1)
        return _Product(first, tuple(rest))

    def factor(self, depth: int, *, leading: bool) -> _Factor:
        token = self.token
        base: _Atom | _One | _Product
        if token.kind == "word":
            base = _resolve(token.text, token.column, self.prefer)
        elif token.kind == "number" and token.text == "1" and leading:
            base = _One()
        elif token.kind == "number":
            raise _Fail(f"the number {token.text!r} cannot be part of a unit", token.column)
        elif token.text == "(":
            if depth >= MAX_DEPTH:
                raise _Fail(f"parentheses are nested more than {MAX_DEPTH} deep", token.column)
            self.index += 1
            base = self.product(depth + 1)
            if self.token.text != ")":
                raise _Fail("unbalanced parentheses", self.token.column)
        elif token.kind == "end":
            raise _Fail("a unit symbol is missing at the end", token.column)
        elif token.kind == "power":
            raise _Fail(f"the power {token.text!r} has nothing to raise", token.column)
        else:
            raise _Fail(f"a unit symbol is expected before {token.text!r}", token.column)
        self.index += 1
        power = 1
        if self.token.kind == "power":
            if isinstance(base, _One):
                raise _Fail("the 1 of '1/s' cannot be raised to a power", self.token.column)
            power = self.token.power
            self.index += 1
            if self.token.kind == "power":
                raise _Fail("only one power per factor; use parentheses", self.token.column)
        return _Factor(base, power)


def _atom_dims(spelling: str) -> Dims:
    return _CANONICAL_SYMBOLS[_ATOMS[spelling][1]][1]


def _suggest(word: str, prefer: Dims | None = None) -> str | None:
    """A known spelling close to ``word``; of several, one with the dimension ``prefer`` first.

    The preference uses only the unit the box expects (shown with the box), never the answer's
    value, so a suggestion says nothing about whether the number is right."""
    folded = [key for key in sorted(_ATOMS) if key.casefold() == word.casefold()]
    if folded:
        common = [key for key in folded if key in COMMON_UNITS]
        ranked = common + [key for key in folded if key not in common]
        preferred = [key for key in ranked if prefer is not None and _atom_dims(key) == prefer]
        return (preferred or ranked)[0]
    # A prefix symbol before a spelled-out unit ("mVolt", "pAmps"): the symbols together.
    for spelling, prefix in PREFIXES.items():
        rest = word[len(spelling):].casefold()
        if spelling and word.startswith(spelling) and rest:
            named = _ATOMS.get(rest) or _ATOMS.get(rest.removesuffix("s"))
            if named is not None and named[0] == "" and named[1] in _PREFIXABLE:
                return prefix + named[1]
    if prefer is not None:
        same = [unit for unit in COMMON_UNITS if _atom_dims(unit) == prefer]
        close = difflib.get_close_matches(word, same, n=1, cutoff=0.75)
        if close:
            return close[0]
    close = difflib.get_close_matches(word, COMMON_UNITS, n=1, cutoff=0.75)
    return close[0] if close else None


def _resolve(word: str, column: int, prefer: Dims | None = None) -> _Atom:
    if word in _ATOMS:
        prefix, symbol = _ATOMS[word]
        return _Atom(prefix, symbol)
    if word in _BARE_PREFIXES:
        raise _Fail(f"{word!r} is a prefix, not a unit; attach it to a unit symbol, e.g. '{word}V'", column)
    if word in ("degC", "degF", "celsius", "Celsius"):
        raise _Fail("offset temperatures such as °C are not supported; give the temperature in K", column)
    suggestion = _suggest(word, prefer)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    raise _Fail(f"{word!r} is not a unit{hint}", column)


# --- evaluation and rendering -------------------------------------------------------------------
def _evaluate(node: _Product | _Factor | _Atom | _One) -> tuple[Decimal, Dims]:
    if isinstance(node, _One):
        return Decimal(1), _ZERO_DIMS
    if isinstance(node, _Atom):
        factor, dims = _CANONICAL_SYMBOLS[node.symbol]
        return _PREFIX_FACTORS[node.prefix] * factor, dims
    if isinstance(node, _Factor):
        factor, dims = _evaluate(node.base)
        return factor ** node.power, tuple(d * node.power for d in dims)  # type: ignore[return-value]
    factor, dims = _evaluate(node.first)
    for op, operand in node.rest:
        f, d = _evaluate(operand)
        sign = 1 if op == "*" else -1
        factor = factor * f if sign == 1 else factor / f
        dims = tuple(a + sign * b for a, b in zip(dims, d))  # type: ignore[assignment]
    return factor, dims


_STYLES = ("plain", "unicode", "latex", "html")
_MULTIPLY = {"plain": "*", "unicode": "·", "latex": r"\cdot ", "html": "·"}
_MICRO = {"plain": "u", "unicode": "µ", "latex": r"\mu", "html": "µ"}
_OHM = {"plain": "Ohm", "unicode": "Ω", "latex": r"\Omega", "html": "Ω"}


def _render_power(power: int, style: str) -> str:
    if power == 1:
        return ""
    if style == "unicode":
        return str(power).translate(_TO_SUPERSCRIPT)
    if style == "latex":
        return f"^{{{power}}}"
    if style == "html":
        return f"<sup>{str(power).replace('-', '−')}</sup>"
    return f"^{power}"


def _render_atom(atom: _Atom, style: str) -> str:
    prefix = _MICRO[style] if atom.prefix == "u" else atom.prefix
    symbol = _OHM[style] if atom.symbol == "Ohm" else atom.symbol
    if style != "latex":
        return prefix + symbol
    # Upright letters in one \mathrm group; \mu and \Omega are math symbols and stay outside it.
    parts: list[str] = []
    for piece in (prefix, symbol):
        if piece.startswith("\\") or not parts or parts[-1].startswith("\\"):
            parts.append(piece)
        else:
            parts[-1] += piece
    return "".join(part if part.startswith("\\") else rf"\mathrm{{{part}}}" for part in parts if part)


def _render(node: _Product | _Factor | _Atom | _One, style: str) -> str:
    if isinstance(node, _One):
        return "1"
    if isinstance(node, _Atom):
        return _render_atom(node, style)
    if isinstance(node, _Factor):
        inner = _render(node.base, style)
        if isinstance(node.base, _Product):
            inner = f"({inner})" if style != "latex" else rf"\left({inner}\right)"
        return inner + _render_power(node.power, style)
    text = _render(node.first, style)
    for op, operand in node.rest:
        text += ("/" if op == "/" else _MULTIPLY[style]) + _render(operand, style)
    return text


@lru_cache(maxsize=4096)
def try_parse_unit(text: str, prefer: Dims | None = None) -> Unit | UnitFormatError:
    """Parse ``text`` into a :class:`Unit`, or return a :class:`UnitFormatError`; never raises.

    ``prefer`` (the dimension the answer box expects) only steers the "did you mean" suggestion
    for an unknown symbol; it never changes how a valid unit is read."""
    if not isinstance(text, str):
        return UnitFormatError(repr(text), "a unit must be a string")
    if len(text) > MAX_LENGTH:
        return UnitFormatError(text[:40] + "…", f"a unit is at most {MAX_LENGTH} characters long")
    if not text.strip(" "):
        return DIMENSIONLESS
    try:
        # Only spaces are trimmed: a newline or tab after the unit is junk, not layout.
        tree = _Parser(text.strip(" "), prefer).parse()
    except _Fail as fail:
        return UnitFormatError(text, fail.problem, fail.column)
    with localcontext() as ctx:
        ctx.prec = 50  # plenty for 1e-18 ** 4 products; every factor stays exact
        factor, dims = _evaluate(tree)
    return Unit(_render(tree, "plain"), factor.normalize(), dims, tree)


def parse_unit(text: str) -> Unit:
    """Parse ``text`` into a :class:`Unit`; raises :class:`UnitError` saying what is wrong."""
    result = try_parse_unit(text)
    if isinstance(result, UnitFormatError):
        raise result.exception()
    return result


def _as_unit(unit: str | Unit) -> Unit:
    return unit if isinstance(unit, Unit) else parse_unit(unit)


def _scale(value: Any, factor: Decimal) -> Any:
    """``value * factor``: exact for Decimals; Python floats through their shortest repr.

    A scalar float goes ``repr`` -> Decimal -> float so that ``-64.1 mV`` becomes ``-0.0641 V``
    (a bare float multiply gives ``-0.06409999999999999``); arrays get one float multiply.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        if isinstance(value, Decimal):
            return value * factor
        if isinstance(value, (float, int)) and not isinstance(value, bool) and math.isfinite(value):
            return float(Decimal(repr(float(value))) * factor)
    return value * float(factor)


def convert(value: Any, from_unit: str | Unit, to_unit: str | Unit) -> Any:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (floats, numpy arrays or Decimals).

    Raises :class:`~problemgen.errors.DimensionError` naming both dimensions when they differ.
    """
    source, target = _as_unit(from_unit), _as_unit(to_unit)
    if source.dims != target.dims:
        raise DimensionError(source.canonical, target.canonical, source.dimension, target.dimension)
    with localcontext() as ctx:
        ctx.prec = 50
        ratio = source.factor / target.factor
    return _scale(value, ratio)


def to_si(value: Any, unit: str | Unit) -> Any:
    """``value`` in ``unit`` expressed in SI base units."""
    return _scale(value, _as_unit(unit).factor)


def from_si(value: Any, unit: str | Unit) -> Any:
    """A value in SI base units expressed in ``unit``."""
    with localcontext() as ctx:
        ctx.prec = 50
        inverse = 1 / _as_unit(unit).factor
    return _scale(value, inverse)


@lru_cache(maxsize=1024)
def unit_display(text: str, style: str = "plain") -> str:
    """The unit ``text`` written for display: ``unit_display("uF/cm^2", "unicode")`` -> ``µF/cm²``.

    Styles: ``plain`` (ASCII, ``uF/cm^2``), ``unicode``, ``latex`` (``\\mu\\mathrm{F}/\\mathrm{cm}^{2}``,
    for math mode) and ``html`` (``µF/cm<sup>2</sup>``). Raises UnitError for a bad unit.
    """
    return parse_unit(text).display(style)
