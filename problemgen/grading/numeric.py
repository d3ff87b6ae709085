"""Numeric answers: the number grammar (grading rules §3) and the comparison (§4-§6).

:func:`parse_number` turns normalised text into a :class:`ParsedNumber` (exact ``Decimal``
value, the mantissa as typed for figure counting, the unit text) or a :class:`Rejected`;
:func:`grade_numeric` judges it against an ``expected`` dict. Nothing here imports sympy.

Decisions where the rules leave a choice:

- a space-grouped integer (``2 750``) takes at most one decimal separator after it, which is
  then never ambiguous (``2 750,500`` is 2750.5); mixing spaces with ``,``/``.`` grouping is
  invalid;
- ``1,`` is a decimal comma with no decimals (like ``1.``);
- powers of ten: ``x`` may be capital (``9.72X10^1``), the exponent may be in parentheses
  (``10^(-5)``) and ``**`` may stand for the caret (``6.2*10**-2``, as in units), with the same
  4-digit cap;
- one final period that ends a sentence is dropped when it cannot change the meaning: directly
  after a unit (``-97.2 mV.``), or after a number that already has a decimal separator or an
  exponent (``25.9.``, ``1.49e-05.``). ``120.`` keeps its point (it makes 3 significant figures);
  a final period that is not dropped (``120..``, ``-97.2 mV .``) is named in the feedback;
- *misrounded* means the figure count is right and the value misses the half-unit window but
  lies within one unit in the last place; farther away it is a wrong value, diagnosed below;
- a wrong value is diagnosed in this order: named misconception, sign error, factor of 10^k,
  near miss (within three tolerance windows; graded by tolerance only, as figure grading has its
  own categories); a misconception comes first because some (an inverted ratio) are exactly a
  sign flip;
- ``value`` in the result is ``None`` when the unit has the wrong dimension (it cannot be
  expressed in the expected unit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from collections.abc import Mapping
from typing import Any

from problemgen.grading import feedback as fb
from problemgen.grading.normalize import Rejected, normalize
from problemgen.grading.spec import NumericSpec, numeric_spec
from problemgen.numbers import count_sigfigs, sigfig_window
from problemgen.units import UnitFormatError, try_parse_unit, unit_display

MAX_LENGTH = 200
MAX_EXPONENT_DIGITS = 4
_LARGEST_DOUBLE = Decimal("1.7976931348623157e308")

_NUMBER = re.compile(
    r"""(?P<sign>[+-])?[ ]?
        (?P<mantissa>[0-9]{1,3}(?:[ ][0-9]{3})+(?:[.,][0-9]*)?(?![0-9])   # ISO space grouping
                    |[0-9.,]+)
        (?:[eE](?P<e>[+-]?[0-9]+)
          |[ ]?[*xX][ ]?10(?:\^|\*\*)(?:(?P<ten>[+-]?[0-9]+)|\((?P<parenthesised>[+-]?[0-9]+)\)))?
        (?P<rest>.*)""",
    re.VERBOSE | re.DOTALL,
)
# Text after the number that tries to be a power of ten (6.4e -2, 3.2x10-4, 0x40, 10^5, e(-5)).
_EXPONENT_ATTEMPT = re.compile(r"[eE][ ]*[+-]?[ ]*[0-9]|[eE][ ]*\(|[*xX][ ]*10|[xX][0-9]|\^")
_ARITHMETIC = frozenset("+-*/%±=<>")


@dataclass(frozen=True)
class ParsedNumber:
    """A well-formed numeric answer, before any comparison."""

    value: Decimal
    """The number as typed, exactly (in the typed unit)."""
    mantissa: str
    """Sign, digits and decimal point as typed, separators normalised (``-0.0641``, ``4200.``)."""
    unit: str
    """The unit text after the number (``""`` when none was typed)."""


def _mantissa(blob: str) -> str | Rejected:
    """Digits with one ``.`` as decimal point, from a run of digits, ``.``, ``,`` and spaces."""
    grouping = fb.INVALID_GROUPING.format(text=fb.echo(blob))
    spaced = " " in blob
    blob = blob.replace(" ", "")
    dots, commas = blob.count("."), blob.count(",")
    if not any(char.isdigit() for char in blob):
        return Rejected(fb.INVALID_NOT_A_NUMBER.format(text=fb.echo(blob)))
    if spaced and dots + commas > 1:
        return Rejected(grouping)
    if dots and commas:
        separator = "." if blob.rfind(".") > blob.rfind(",") else ","
        group = "," if separator == "." else "."
        integer, _, fraction = blob.rpartition(separator)
        groups = integer.split(group)
        if separator in integer or not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            return Rejected(grouping)
        return "".join(groups) + "." + fraction
    if dots > 1 or commas > 1:
        return Rejected(grouping)  # 1,234,567: the rules leave it open; we ask for no grouping
    if commas:
        integer, _, fraction = blob.partition(",")
        if len(fraction) == 3 and integer.strip("0") and not spaced:
            return Rejected(grouping)  # 2,750: thousands or decimals? Ask.
        return integer + "." + fraction
    return blob


def _rest_problem(rest: str, text: str) -> Rejected | None:
    """Why ``rest`` (after the number in ``text``) is not a unit, if it plainly is not one."""
    if _EXPONENT_ATTEMPT.match(rest):
        return Rejected(fb.INVALID_EXPONENT_FORM)
    first = rest[0]
    if rest.startswith("1/"):
        return None  # the unit 1/s
    if rest.strip() == "%":
        return Rejected(fb.INVALID_PERCENT)
    if first in _ARITHMETIC or first.isdigit():
        return Rejected(fb.INVALID_ONE_NUMBER)
    if not (first.isalpha() or first in "(°"):  # ° reaches the unit grammar, which explains °C
        return Rejected(fb.INVALID_NOT_A_NUMBER.format(text=fb.echo(text)))
    return None


def parse_number(text: str) -> ParsedNumber | Rejected:
    """Parse normalised text (see :func:`~problemgen.grading.normalize.normalize`) as number + unit.

    One final period ending a sentence is dropped where it cannot change the meaning (see the
    module docstring); ``120.`` keeps its trailing decimal point."""
    parsed = _parse(text)
    if not isinstance(parsed, Rejected) or not text.endswith(".") or len(text) < 2:
        return parsed[0] if isinstance(parsed, tuple) else parsed
    # The text as typed does not parse; a period that ends a sentence may be why.
    before = text[:-1]
    if before.endswith((" ", ".")):  # a detached or doubled period ("25.9 .", "120..", "mV.."): only one
        return Rejected(fb.INVALID_FINAL_PERIOD) if not isinstance(_parse(before.rstrip(" .")), Rejected) else parsed
    without = _parse(before)
    if isinstance(without, Rejected):
        return without  # the problem that remains once the period is gone ("-97.2 mv.": 'mv')
    number, has_exponent = without
    if number.unit or has_exponent or "." in number.mantissa[:-1]:
        return number
    return Rejected(fb.INVALID_FINAL_PERIOD)  # "120..": the period after "120." would be a second point


def _parse(text: str) -> tuple[ParsedNumber, bool] | Rejected:
    """The number and unit in ``text``, and whether the number has an exponent."""
    match = _NUMBER.match(text)
    if match is None:
        return Rejected(fb.INVALID_NOT_A_NUMBER.format(text=fb.echo(text)))
    mantissa = _mantissa(match.group("mantissa"))
    if isinstance(mantissa, Rejected):
        return mantissa
    exponent = match.group("e") or match.group("ten") or match.group("parenthesised") or ""
    if len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
        return Rejected(fb.INVALID_EXPONENT_RANGE)  # before Decimal: e123456789 never allocates
    rest = match.group("rest").lstrip(" ")
    if rest:
        problem = _rest_problem(rest, text)
        if problem is not None:
            return problem
        if rest.endswith("."):  # a unit never ends with a point: "-97.2 mV." ends a sentence
            rest = rest[:-1]
            if rest.endswith((" ", ".")):  # "mV ." or "mV..": say what to remove
                return Rejected(fb.INVALID_FINAL_PERIOD)
    signed = (match.group("sign") or "") + mantissa
    try:
        value = Decimal(signed + ("e" + exponent if exponent else ""))
    except InvalidOperation:
        return Rejected(fb.INVALID_NOT_A_NUMBER.format(text=fb.echo(text)))
    if abs(value) > _LARGEST_DOUBLE:
        return Rejected(fb.INVALID_NOT_FINITE)
    return ParsedNumber(value, signed, rest), bool(exponent)


# --- comparison ---------------------------------------------------------------------------------
def _read(parsed: ParsedNumber, spec: NumericSpec) -> Decimal | dict[str, Any]:
    """The student's value in the expected unit, or the invalid/incorrect result that stops here."""
    if not parsed.unit:
        if spec.unit_required:
            return fb.invalid(fb.INVALID_UNIT_REQUIRED)
        return parsed.value
    if spec.dimensionless:
        return fb.invalid(fb.INVALID_NO_UNIT_EXPECTED)
    unit = try_parse_unit(parsed.unit, spec.unit.dims)  # a misspelt symbol: suggest one of this dimension
    if isinstance(unit, UnitFormatError):
        return fb.invalid(fb.INVALID_UNIT.format(problem=fb.echo(unit.problem, 120)))
    if unit.dims != spec.unit.dims:
        # Dimension first (rules §5.1): wrong even when the magnitude is 0. A dimension without a
        # name (m V is metre-volt) is not spelt out in SI base units, which no student reads.
        if unit.dimensionless:  # V/V: its units cancel; "measures dimensionless" is not English
            text = fb.INCORRECT_DIMENSIONLESS_UNIT.format(unit=fb.echo(parsed.unit), expected=spec.unit.dimension)
        elif unit.dimension_named:
            text = fb.INCORRECT_DIMENSION.format(unit=fb.echo(parsed.unit), found=unit.dimension,
                                                 expected=spec.unit.dimension)
        elif " " in parsed.unit.strip():
            text = fb.INCORRECT_DIMENSION_SPACED.format(
                unit=fb.echo(parsed.unit), expected=spec.unit.dimension,
                product=fb.echo(" × ".join(parsed.unit.split())), example=fb.echo(spec.unit.display("unicode")))
        else:
            text = fb.INCORRECT_DIMENSION_UNNAMED.format(unit=fb.echo(parsed.unit), expected=spec.unit.dimension)
        return fb.incorrect(text)
    return parsed.value * unit.factor / spec.unit.factor


def _figures_verdict(parsed: ParsedNumber, s: Decimal, spec: NumericSpec) -> dict[str, Any] | None:
    """Correct, a figure-count or rounding mistake, or None (a wrong value, diagnosed later)."""
    n, t = spec.sigfigs, spec.value
    assert n is not None
    count_ok, given = _figure_count(parsed, spec)
    window = sigfig_window(t, n) + spec.allowance
    if spec.sigfig_rule == "at_least":
        rounded = [_round(s, n, mode) for mode in (ROUND_HALF_UP, ROUND_HALF_DOWN)]
        accurate = any(abs(r - t) <= window for r in rounded)
    else:
        accurate = abs(s - t) <= window
    if count_ok and accurate:
        return fb.correct(float(s))
    if count_ok:
        if abs(s - t) <= 2 * sigfig_window(t, n):
            return fb.incorrect(fb.INCORRECT_MISROUNDED, value=float(s))
        return None
    # Wrong count: is the value right at the coarser of the two precisions?
    if abs(s - t) <= sigfig_window(t, min(given, n)) + spec.allowance:
        return fb.incorrect(_count_text(given, n), value=float(s))
    return None


def _count_text(given: int, needed: int) -> str:
    """Too many or too few significant figures, as feedback says it."""
    template = fb.INCORRECT_TOO_MANY_FIGURES if given > needed else fb.INCORRECT_TOO_FEW_FIGURES
    return template.format(given=given, needed=needed)


def _figure_count(parsed: ParsedNumber, spec: NumericSpec) -> tuple[bool, int]:
    """Whether the typed figures meet the exam's rule, and the count to name in feedback."""
    n = spec.sigfigs
    assert n is not None
    low, high = count_sigfigs(parsed.mantissa)
    if spec.sigfig_rule == "at_least":
        return high >= n, high
    count_ok = low <= n <= high if spec.sigfig_rule == "exact" else low == n
    return count_ok, low if (spec.sigfig_rule == "strict" or n < low) else high


def _round(value: Decimal, n: int, mode: str) -> Decimal:
    if value.is_zero():
        return value
    return value.quantize(Decimal(1).scaleb(value.adjusted() - n + 1), rounding=mode)


def _close(a: Decimal, target: Decimal, spec: NumericSpec) -> bool:
    """``a`` matches ``target`` under the answer's accuracy rule (tolerance or figure window)."""
    if spec.sigfigs is not None:
        return abs(a - target) <= sigfig_window(target, spec.sigfigs)
    return abs(a - target) <= spec.atol + (spec.rtol + FLOAT_NOISE) * abs(target)


def _diagnose(s: Decimal, spec: NumericSpec, parsed: ParsedNumber | None = None) -> dict[str, Any]:
    """Feedback for a wrong value: misconception, sign error, factor of 10^k, or plain wrong.

    Where significant figures are graded, a named mistake earns its partial credit only with the
    figures the rule asks for, as the right value would (``parsed``: the number as typed)."""
    value, t = float(s), spec.value
    for name, wrong in spec.misconceptions:
        if _close(s, wrong, spec):
            feedback = fb.INCORRECT_MISCONCEPTION.format(text=spec.misconception_text(name))
            score = spec.credit(name)
            if spec.sigfigs is not None and parsed is not None and score:
                count_ok, given = _figure_count(parsed, spec)
                if not count_ok:
                    feedback += " " + _count_text(given, spec.sigfigs)
                    score = 0.0
            return fb.incorrect(feedback, value=value, misconception=name, score=score)
    if t and _close(-s, t, spec):
        return fb.incorrect(fb.INCORRECT_SIGN, value=value)
    if t and s and (s > 0) == (t > 0):
        k = int((s / t).log10().to_integral_value())
        if k and _close(s.scaleb(-k), t, spec):
            return fb.incorrect(fb.INCORRECT_FACTOR_OF_TEN.format(k=k), value=value)
    window = spec.atol + spec.allowance + spec.rtol * abs(t)
    if spec.sigfigs is None and window and abs(s - t) <= NEAR_MISS * window:
        return fb.incorrect(fb.INCORRECT_NEAR_MISS.format(tolerance=_tolerance_text(spec)), value=value)
    if spec.sigfigs is not None and abs(s - t) <= NEAR_MISS * max(window, sigfig_window(t, spec.sigfigs)):
        # The figure rule's window is half a unit of the last figure; "close" is judged on the
        # part's tolerance (or that window, if wider), as for tolerance-graded parts.
        feedback = fb.INCORRECT_NEAR_MISS_FIGURES.format(needed=spec.sigfigs)
        if parsed is not None:
            count_ok, given = _figure_count(parsed, spec)
            if not count_ok:
                feedback += " " + _count_text(given, spec.sigfigs)
        return fb.incorrect(feedback, value=value)
    return fb.incorrect(fb.INCORRECT, value=value)


#: Keys are binary floats computed in steps (a key of −28.8 pA stored as −28.80000000000001): an
#: answer exactly at the tolerance's edge (−28.3 for ±0.5) is judged as if the key had no such noise.
FLOAT_NOISE = Decimal("1e-12")

#: A wrong value within this many tolerance windows of the answer is called a near miss, a
#: category of our own beside those grading rules §1 lists (rounding too early, a slightly
#: wrong constant or temperature); a named misconception is tried first.
NEAR_MISS = 3


def _tolerance_text(spec: NumericSpec) -> str:
    """The tolerance as a student reads it: ``1 %``, ``4 mV`` or ``1 % + 0.5 mV``."""
    pieces = []
    if spec.rtol:
        pieces.append(f"{float(spec.rtol) * 100:g} %")
    if spec.atol:
        unit = unit_display(spec.unit.canonical, "unicode") if spec.unit.canonical else ""
        pieces.append(f"{float(spec.atol):g} {unit}".strip())
    return " + ".join(pieces)


def grade_numeric(submitted: str, expected: Mapping[str, Any]) -> dict[str, Any]:
    """Grade one numeric answer (issue 5 §1); never raises on ``submitted``."""
    spec = numeric_spec(expected)
    text = normalize(submitted, limit=MAX_LENGTH, what="number and unit")
    if isinstance(text, Rejected):
        return fb.invalid(text.feedback)
    parsed = parse_number(text)
    if isinstance(parsed, Rejected):
        return fb.invalid(parsed.feedback)
    s = _read(parsed, spec)
    if isinstance(s, dict):
        return s
    if spec.sigfigs is not None:
        verdict = _figures_verdict(parsed, s, spec)
        if verdict is not None:
            return verdict
    elif abs(s - spec.value) <= spec.atol + spec.allowance + (spec.rtol + FLOAT_NOISE) * abs(spec.value):
        return fb.correct(float(s))
    return _diagnose(s, spec, parsed)
