"""Worked steps read back and recomputed, so ``validate`` can say when one does not check by hand.

A step such as ``$I = g\\,(V - E) = 4.0\\,\\mathrm{nS}\\times(95.6\\,\\mathrm{mV}) = 382\\,\\mathrm{pA}$``
must check: the numbers printed on the left of an ``=`` give the number printed on its right, to
the figures printed there. This module reads the LaTeX that such steps use (numbers, ``96\\,485``,
``+ - − \\times \\cdot /``, ``\\frac``, parentheses, powers, ``\\ln \\log_{10} \\exp \\sqrt`` and
``e^{…}``) with every unit dropped. A side holding anything else (a symbol, a Greek letter, a
subscript) is not arithmetic, and its step is skipped. As units are dropped, a result is compared
up to a power of ten (nS × mV = pA).

Bank text is trusted, yet it is never handed to Python's ``eval``: a small reader parses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_LENGTH = 2000
MAX_DEPTH = 30
#: A step misses when its result is off by more than this many units in its last printed figure.
#: One unit is ordinary rounding (two 3-figure factors); two or more is a step a student cannot
#: reproduce.
TOLERATED_UNITS = 1.5


@dataclass(frozen=True)
class StepMiss:
    """A printed step whose arithmetic does not give its printed result."""

    expression: str
    """The left side as printed (LaTeX, units included)."""
    printed: str
    """The result as printed."""
    computed: float
    """What the left side gives, scaled by the power of ten the units account for."""
    units_off: float
    """How far the printed result is from ``computed``, in units of its last figure."""
    kind: str = "rounding"
    """``rounding`` (a few units of the last figure off), ``sign`` (the printed result has the other
    sign) or ``formula`` (the printed numbers give another value altogether)."""


_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
#: Where one formula holds several statements: ``a = 1,\qquad b = 2``, or the rows of an
#: alignment (``\\``), each read as its own statement.
_STATEMENTS = re.compile(r",?\s*\\q?quad|;|\\\\")
#: An alignment's frame and column marks, which are no arithmetic.
_ALIGNMENT = re.compile(r"\\(?:begin|end)\{(?:aligned|split|gathered|alignedat)\}(?:\{\d+\})?|&")
_BRACED = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"
_POWER = rf"(?:\s*\^\s*(?:{_BRACED}|-?\d))?"
_UNIT = rf"(?:\\mu\s*|\\Omega\s*)?\\(?:mathrm|text|mathit){_BRACED}{_POWER}"
_UNITS = re.compile(rf"(?:\\[,;!]|\s|~)*{_UNIT}(?:\s*(?:/|\\cdot)\s*{_UNIT})*")
_DIGIT_GROUP = re.compile(r"(\d)(?:\\,|\\ |\s|,)(\d{3})(?!\d)")
_LOG10 = re.compile(r"\\log_\{?10\}?")
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad|~|\\left|\\right|\\displaystyle|\\%|%")
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<command>\\[A-Za-z]+)|(?P<symbol>[-+*/^(){}§])"
                    r"|(?P<e>e(?=\s*\^)))")
_PRODUCTS = {r"\times": "*", r"\cdot": "*"}
#: Where a unit was dropped: harmless after a factor, fatal inside exp, ln or an exponent, where
#: its scale (mV in V) changes the value by more than a power of ten.
_UNIT_MARK = "§"
_FUNCTIONS = {r"\ln": math.log, r"\exp": math.exp, r"\sqrt": math.sqrt, r"\logten": math.log10,
              r"\sinh": math.sinh, r"\asinh": math.asinh}
_PRINTED = re.compile(r"^\s*\(?\s*(?P<number>[-+]?\d+(?:\.\d*)?)\s*"
                      r"(?:(?:\\times|\\cdot)\s*10\s*\^\s*\{?\s*(?P<exponent>[-+]?\d+)\s*\}?)?\s*\)?\s*\.?\s*$")


def misses(markdown: str) -> list[StepMiss]:
    """Every step of the formulas in ``markdown`` whose printed result its printed numbers do not give."""
    found = []
    for match in _MATH.finditer(markdown):
        formula = _ALIGNMENT.sub(" ", match.group(1) or match.group(2))
        for statement in _STATEMENTS.split(formula.replace("\n", " ")):
            sides = _top_level_split(statement)
            for left, right in zip(sides, sides[1:]):
                miss = check_step(left, right)
                if miss is not None:
                    found.append(miss)
    return found


def check_step(left: str, right: str) -> StepMiss | None:
    """The miss of ``left = right``, or None when it checks or is not plain arithmetic."""
    printed = printed_number(right)
    if printed is None or printed_number(left) is not None:
        return None  # the result is no number, or the step only converts units (2710 fC = 2.71 pC)
    computed = evaluate(left)
    if computed is None:
        return None
    value, unit = printed
    if value == 0 or computed == 0 or not math.isfinite(computed):
        return None
    # Units are dropped: the power of ten that brings the computed value nearest the printed one.
    scale = 10.0 ** round(math.log10(abs(value / computed)))
    scaled = computed * scale
    if abs(scaled + value) / unit <= TOLERATED_UNITS:
        return StepMiss(left.strip(), right.strip(), scaled, abs(scaled - value) / unit, "sign")
    if abs(scaled - value) > 0.2 * abs(value):
        if _time_factor(value / scaled):
            return None  # minutes and hours: 2 × 30 s = 1 min
        return StepMiss(left.strip(), right.strip(), scaled, abs(scaled - value) / unit, "formula")
    off = abs(scaled - value) / unit
    return StepMiss(left.strip(), right.strip(), scaled, off) if off > TOLERATED_UNITS else None


def _time_factor(ratio: float) -> bool:
    """Whether ``ratio`` is, up to a power of ten, a factor of 60 or 3600 (or its inverse), which a
    step converting seconds, minutes or hours hides once units are dropped."""
    for factor in (60.0, 3600.0, 1 / 60, 1 / 3600):
        if ratio:
            reduced = abs(ratio) / factor
            if abs(reduced / 10.0 ** round(math.log10(reduced)) - 1) < 0.02:
                return True
    return False


def _top_level_split(statement: str) -> list[str]:
    """The sides of ``a = b = c`` (``\\approx`` counts as ``=``), not splitting inside braces."""
    statement = statement.replace(r"\approx", "=")
    sides, depth, start = [], 0, 0
    for index, char in enumerate(statement):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "=" and depth == 0:
            sides.append(statement[start:index])
            start = index + 1
    sides.append(statement[start:])
    return sides


def _plain(latex: str) -> str:
    """The LaTeX with units, spacing and digit-group spaces removed; minus signs made ASCII."""
    text = latex.replace("−", "-").replace("–", "-")
    text = _UNITS.sub(f" {_UNIT_MARK} ", text)
    text = _DIGIT_GROUP.sub(r"\1\2", text)
    text = _DIGIT_GROUP.sub(r"\1\2", text)  # 1 234 567: groups overlap, a second pass joins the rest
    text = _LOG10.sub(r"\\logten ", text)
    text = text.replace(r"\operatorname{asinh}", r"\asinh ")
    return _SPACING.sub(" ", text)


def printed_number(latex: str) -> tuple[float, float] | None:
    """A side that is one printed number: its value and one unit of its last figure, else None.

    An integer's trailing zeros are taken as not significant (``2710`` is good to 10).
    """
    match = _PRINTED.match(_plain(latex).replace(_UNIT_MARK, " "))
    if match is None:
        return None
    number, exponent = match.group("number"), int(match.group("exponent") or 0)
    digits = number.lstrip("+-")
    if "." in digits:
        last = 10.0 ** -len(digits.partition(".")[2])
    else:
        zeros = len(digits) - len(digits.rstrip("0"))
        last = 10.0 ** zeros if digits.rstrip("0") else 1.0
    return float(number) * 10.0 ** exponent, last * 10.0 ** exponent


def evaluate(latex: str) -> float | None:
    """The value of an arithmetic LaTeX expression (units dropped), or None if it is not one."""
    if len(latex) > MAX_LENGTH:
        return None
    tokens = _tokens(_plain(latex))
    if tokens is None or not tokens:
        return None
    reader = _Reader(tokens)
    try:
        value = reader.expression(0)
    except (_NotArithmetic, ArithmeticError, ValueError):
        return None
    return value if reader.done() else None


class _NotArithmetic(Exception):
    pass


def _tokens(text: str) -> list[str] | None:
    """Numbers, operators, groups, ``\\frac``, ``e`` before a power and functions; None for anything else."""
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None  # a letter, a subscript or a command that arithmetic does not use
        kind = match.lastgroup or ""
        token = match.group(kind)
        if kind == "command":
            token = _PRODUCTS.get(token, token)
            if token not in ("*", r"\frac") and token not in _FUNCTIONS:
                return None
        tokens.append(token)
        position = match.end()
    return tokens


class _Reader:
    """Recursive descent over the tokens: sums of products of powers, with implicit products."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.index = tokens, 0
        self.nonlinear = 0
        """How many function arguments and exponents enclose the current token."""

    def done(self) -> bool:
        return self.index == len(self.tokens)

    def _peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if token is None or (expected is not None and token != expected):
            raise _NotArithmetic
        self.index += 1
        return token

    def expression(self, depth: int) -> float:
        if depth > MAX_DEPTH:
            raise _NotArithmetic
        value = self._term(depth)
        while self._peek() in ("+", "-"):
            sign = self._take()
            right = self._term(depth)
            value = value + right if sign == "+" else value - right
        return value

    def _term(self, depth: int) -> float:
        value = self._signed(depth)
        while True:
            token = self._peek()
            if token in ("*", "/"):
                self._take()
                right = self._signed(depth)
                value = value * right if token == "*" else value / right
            elif token is not None and self._starts_atom(token):
                value *= self._power(depth)  # implicit product: 2\,(3 + 4), 61.5\log_{10}(2)
            else:
                return value

    def _signed(self, depth: int) -> float:
        if self._peek() in ("-", "+"):
            sign = self._take()
            value = self._signed(depth)
            return -value if sign == "-" else value
        return self._power(depth)

    def _power(self, depth: int) -> float:
        base = self._atom(depth)
        self._units()
        if self._peek() == "^":
            self._take()
            exponent = self._nonlinear(self._exponent, depth)
            self._units()
            if abs(exponent) > 400:
                raise _NotArithmetic
            return math.pow(base, exponent)
        return base

    def _units(self) -> None:
        """Skip dropped units after a factor; inside a function or an exponent they make the step unreadable."""
        while self._peek() == _UNIT_MARK:
            if self.nonlinear:
                raise _NotArithmetic
            self._take()

    def _nonlinear(self, read: Callable[[int], float], depth: int) -> float:
        self.nonlinear += 1
        try:
            return read(depth)
        finally:
            self.nonlinear -= 1

    def _exponent(self, depth: int) -> float:
        token = self._peek()
        if token == "{":
            return self._group(depth)
        if token is not None and token[0].isdigit():
            # LaTeX takes one character as a bare exponent: 10^23 is 10² · 3. Banks brace theirs.
            self._take()
            if len(token) > 1:
                raise _NotArithmetic
            return float(token)
        if token in ("-", "+"):
            return self._signed(depth + 1)
        raise _NotArithmetic

    @staticmethod
    def _starts_atom(token: str) -> bool:
        return token[0].isdigit() or token[0] == "." or token in ("(", "{", r"\frac", "e") or token in _FUNCTIONS

    def _group(self, depth: int) -> float:
        closing = {"{": "}", "(": ")"}[self._take()]
        value = self.expression(depth + 1)
        self._take(closing)
        return value

    def _atom(self, depth: int) -> float:
        token = self._peek()
        if token is None:
            raise _NotArithmetic
        if token[0].isdigit() or token[0] == ".":
            self._take()
            return float(token)
        if token in ("(", "{"):
            return self._group(depth)
        if token == r"\frac":
            self._take()
            numerator = self._group_only(depth)
            return numerator / self._group_only(depth)
        if token == "e":
            self._take()
            if self._peek() != "^":
                raise _NotArithmetic
            self._take()
            return math.exp(self._nonlinear(self._exponent, depth))
        if token in _FUNCTIONS:
            self._take()
            return _FUNCTIONS[token](self._nonlinear(self._argument, depth))
        raise _NotArithmetic

    def _group_only(self, depth: int) -> float:
        if self._peek() != "{":
            raise _NotArithmetic
        return self._group(depth)

    def _argument(self, depth: int) -> float:
        """A function's argument: a group, or a power (``\\ln 10``, ``\\sqrt{2}``)."""
        if self._peek() in ("(", "{"):
            value = self._group(depth)
            if self._peek() == "^":  # \exp(x)^2 is not written; keep the reading simple
                raise _NotArithmetic
            return value
        return self._power(depth)
