"""The ``expected`` dictionaries of issue 5 §1, checked once and turned into frozen specs.

A malformed *key* is a bank or manifest bug, not a student's: it raises
:class:`~problemgen.errors.GradingSpecError` naming the key. Every default lives here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from problemgen.errors import GradingSpecError
from problemgen.grading import feedback as fb
from problemgen.units import Unit, UnitFormatError, convert, try_parse_unit

DEFAULT_RTOL = 0.01
"""Numeric boxes without an ``rtol``: 1 % (banks should state theirs; the peers disagree)."""
DEFAULT_SYMBOLIC_RTOL = 1e-6
"""Symbolic boxes without an ``rtol``: tight, so 2.303·log10 is not ln (rules §7)."""
SIGFIG_RULES = ("exact", "strict", "at_least")


def require_number(expected: Mapping[str, Any], key: str, default: float | None = None, *,
                   minimum: float | None = None) -> float:
    """``expected[key]`` as a finite float (``default`` when absent), else GradingSpecError."""
    value = expected.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GradingSpecError(key, f"must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise GradingSpecError(key, f"must be >= {minimum}, got {value!r}")
    return float(value)


def require_unit(expected: Mapping[str, Any], key: str, default: str = "") -> Unit:
    """``expected[key]`` parsed with the student grammar, else GradingSpecError."""
    text = expected.get(key, default)
    unit = try_parse_unit(text) if isinstance(text, str) else UnitFormatError(repr(text), "must be a string")
    if isinstance(unit, UnitFormatError):
        raise GradingSpecError(key, f"{unit.problem} (got {text!r})")
    return unit


@functools.lru_cache(maxsize=8192)
def decimal(value: float) -> Decimal:
    """The decimal a bank author wrote: floats through their shortest repr (0.1 -> 0.1; cached:
    tolerances repeat in every student's parts)."""
    return Decimal(repr(float(value)))


@dataclass(frozen=True)
class Misconceptions:
    """Named wrong answers with their partial credit and feedback text."""

    credit_table: Mapping[str, float] | float
    texts: Mapping[str, str]

    def credit(self, name: str) -> float:
        """Partial score for matching ``name`` (``misconception_credit``; default 0)."""
        if isinstance(self.credit_table, float):
            return self.credit_table
        return float(self.credit_table.get(name, 0.0))

    def text(self, name: str) -> str:
        """What the student did, HTML-escaped: the exam's text, the physics core's, or the name."""
        text = self.texts.get(name) or _physics_feedback(name) or fb.readable(name)
        return fb.echo(text, 300)


def _physics_feedback(name: str) -> str | None:
    try:  # lazily: the physics registry is only needed when a named mistake is found
        from problemgen.physics.misconceptions import all_misconceptions
    except ImportError:  # a stripped-down grader bundle may not ship the physics core
        return None
    # Some names belong to several functions with different texts (inverted_ratio: Nernst or
    # GHK); without knowing the function we only trust a name whose text is unique.
    texts = {m.feedback for m in all_misconceptions() if m.name == name}
    return texts.pop() if len(texts) == 1 else None


def misconception_options(expected: Mapping[str, Any]) -> Misconceptions:
    """``misconception_credit`` (float or name -> float in [0, 1]) and ``misconception_feedback``."""
    credit = expected.get("misconception_credit", 0.0)
    if not isinstance(credit, (int, float)) and isinstance(credit, Mapping):
        for name, score in credit.items():
            _check_score(f"misconception_credit.{name}", score)
        table: Mapping[str, float] | float = dict(credit)
    else:
        table = _check_score("misconception_credit", credit)
    texts = expected.get("misconception_feedback") or {}
    if not isinstance(texts, Mapping) or not all(isinstance(v, str) for v in texts.values()):
        raise GradingSpecError("misconception_feedback", "must map misconception names to feedback text")
    return Misconceptions(table, dict(texts))


def _check_score(key: str, score: Any) -> float:
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise GradingSpecError(key, f"must be a score from 0 to 1, got {score!r}")
    return float(score)


@dataclass(frozen=True)
class NumericSpec:
    """A checked numeric ``expected``: values are exact Decimals in the expected unit."""

    value: Decimal
    unit: Unit
    unit_required: bool
    rtol: Decimal
    atol: Decimal
    """Absolute tolerance already converted from ``atol_unit`` into ``unit``."""
    allowance: Decimal
    """Extra absolute window (in ``unit``) added to either accuracy rule: for an answer carried from
    earlier parts' rounded keys. The figure rule ignores ``atol``, so figure-graded parts need it."""
    sigfigs: int | None
    sigfig_rule: str
    wrong_values: tuple[tuple[str, float], ...]
    """Each misconception's (finite) value; see :attr:`misconceptions`."""
    named: Misconceptions

    @functools.cached_property
    def misconceptions(self) -> tuple[tuple[str, Decimal], ...]:
        """Each misconception's value as an exact Decimal (made only when a wrong answer needs them)."""
        return tuple((name, decimal(value)) for name, value in self.wrong_values)

    @property
    def dimensionless(self) -> bool:
        """A box for a pure number (``unit == ""``): any typed unit is invalid."""
        return self.unit.canonical == ""

    def credit(self, name: str) -> float:
        return self.named.credit(name)

    def misconception_text(self, name: str) -> str:
        return self.named.text(name)


def numeric_spec(expected: Mapping[str, Any]) -> NumericSpec:
    """Check a numeric ``expected`` dict (issue 5 §1) and convert it to a :class:`NumericSpec`."""
    value = require_number(expected, "value")
    unit = require_unit(expected, "unit")
    atol = require_number(expected, "atol", 0.0, minimum=0.0)
    atol_unit = expected.get("atol_unit") or unit.canonical
    if atol:
        atol_unit_parsed = require_unit({"atol_unit": atol_unit}, "atol_unit")
        if atol_unit_parsed.dims != unit.dims:
            raise GradingSpecError("atol_unit", f"{atol_unit!r} has another dimension than unit {unit.canonical!r}")
        atol_decimal = convert(decimal(atol), atol_unit_parsed, unit)
    else:
        atol_decimal = Decimal(0)
    sigfigs = expected.get("sigfigs")
    if sigfigs is not None and (isinstance(sigfigs, bool) or not isinstance(sigfigs, int) or sigfigs < 1):
        raise GradingSpecError("sigfigs", f"must be None or an integer >= 1, got {sigfigs!r}")
    rule = expected.get("sigfig_rule") or "exact"
    if rule not in SIGFIG_RULES:
        raise GradingSpecError("sigfig_rule", f"must be one of {', '.join(SIGFIG_RULES)}, got {rule!r}")
    wrong = expected.get("misconceptions") or {}
    if not isinstance(wrong, Mapping):
        raise GradingSpecError("misconceptions", "must map misconception names to values in the expected unit")
    misconceptions = tuple(
        (str(name), float(v)) for name, v in wrong.items()
        # The physics core returns nan (or the generator None) where a model coincides with the
        # right answer or does not apply; such entries cannot be matched.
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    )
    return NumericSpec(
        # A unit is required iff the answer has one and the box does not print it (rules §4).
        value=decimal(value), unit=unit, unit_required=bool(expected.get("unit_required", True)) and bool(unit.canonical),
        rtol=decimal(require_number(expected, "rtol", DEFAULT_RTOL, minimum=0.0)), atol=atol_decimal,
        allowance=decimal(require_number(expected, "allowance", 0.0, minimum=0.0)), sigfigs=sigfigs, sigfig_rule=rule, wrong_values=misconceptions,
        named=misconception_options(expected),
    )
