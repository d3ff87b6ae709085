"""Significant figures: rounding, formatting and counting, shared by rendering and grading.

Displayed values are rounded with :mod:`decimal` from the float's shortest repr (``repr(2.675)``
is ``'2.675'``), **half-up, away from zero**: ``2.675`` to 3 figures is ``2.68`` and ``-0.125`` to 2
is ``-0.13``. That is the rule students learn; binary rounding would print ``2.67`` because the
double nearest 2.675 lies just below it. Nothing here ever prints ``-0``.

Layout of :func:`format_sig`: plain decimals for 1e-4 <= |x| < 1e6, scientific otherwise (and for
integers whose significant trailing zeros a plain decimal cannot show, e.g. 100 to 2 figures).
Scientific notation comes in four styles: ``plain`` (``6.02e23``), ``unicode``
(``6.02 × 10²³``), ``latex`` (``6.02 \\times 10^{23}``) and ``html`` (``6.02 × 10<sup>23</sup>``).
"""

from __future__ import annotations

import functools
import math
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from numbers import Integral
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import numpy.typing as npt

# numpy is imported only for arrays (round_sig): grading imports this module and never needs it.

STYLES = ("plain", "unicode", "latex", "html")
"""Output styles understood by :func:`format_sig` and :func:`format_sci`."""

PLAIN_MIN = Decimal("1e-4")
PLAIN_MAX = Decimal("1e6")
"""Magnitudes in [PLAIN_MIN, PLAIN_MAX) are written as plain decimals."""

_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def _check_figures(n: int) -> None:
    if type(n) is not int and (isinstance(n, bool) or not isinstance(n, Integral)) or n < 1:
        raise ValueError(f"number of significant figures must be an integer >= 1, got {n!r}")


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown number style {style!r}; use one of: {', '.join(STYLES)}")


def to_decimal(x: float | int | Decimal | str) -> Decimal:
    """The decimal a reader sees for ``x``: floats via their shortest repr, so 0.1 is 0.1."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, str):
        return Decimal(x)
    if type(x) is float:
        return Decimal(repr(x))
    if isinstance(x, Integral) and not isinstance(x, bool):
        return Decimal(int(x))
    return Decimal(repr(float(x)))


#: Context of the exact roundings below, passed explicitly (no thread-local context switch).
_ROUNDING = Context(prec=60)


def round_decimal_sig(x: float | int | Decimal | str, n: int) -> Decimal:
    """``x`` rounded half-up to ``n`` significant figures, as a Decimal with exactly ``n`` digits.

    Zero stays zero (``Decimal('0')`` with no sign). Raises ValueError for nan/inf and n < 1.
    """
    _check_figures(n)
    d = to_decimal(x)
    if not d.is_finite():
        raise ValueError(f"cannot round a non-finite value: {x!r}")
    if d.is_zero():
        return Decimal(0)
    context = _ROUNDING if n <= _ROUNDING.prec - 10 else Context(prec=n + 10)
    rounded = d.quantize(Decimal(1).scaleb(d.adjusted() - n + 1, context=context), rounding=ROUND_HALF_UP,
                         context=context)
    # 9.96 -> 10.0 gained a digit: re-quantize on the new decade so exactly n digits remain.
    if rounded.adjusted() != d.adjusted():
        rounded = rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - n + 1, context=context),
                                   rounding=ROUND_HALF_UP, context=context)
    return rounded


def _round_scalar(x: float, n: int) -> float:
    if not math.isfinite(x):
        return x
    return float(round_decimal_sig(x, n)) + 0.0  # + 0.0 turns -0.0 into 0.0


@functools.cache
def _round_ufunc() -> Any:
    import numpy as np

    return np.frompyfunc(_round_scalar, 2, 1)


@overload
def round_sig(x: float, n: int) -> float: ...
@overload
def round_sig(x: npt.ArrayLike, n: int) -> Any: ...
def round_sig(x: Any, n: int) -> Any:
    """``x`` rounded half-up to ``n`` significant figures; arrays elementwise (float64 out).

    nan and inf pass through unchanged; zero (and negative zero) comes back as 0.0.
    """
    _check_figures(n)
    if isinstance(x, (float, Integral, Decimal)):  # numpy scalars too
        return _round_scalar(float(x), int(n))
    import numpy as np

    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return _round_scalar(float(x), int(n))
    array = np.asarray(x, dtype=float)
    return np.asarray(_round_ufunc()(array, int(n)), dtype=float)



def sigfig_window(t: float | Decimal, n: int) -> Decimal:
    """Half a unit in the n-th figure of ``t``: ½·10^(floor(log10|t|) − n + 1), exactly.

    The decade is that of ``t`` itself (unrounded), so for t = 9.96 and n = 2 the window is 0.05
    and 10 is accepted. For t = 0 the decade is taken as 0 (window ½·10^(1−n)).
    """
    _check_figures(n)
    d = to_decimal(t)
    if not d.is_finite():
        raise ValueError(f"no significant-figure window for a non-finite value: {t!r}")
    decade = 0 if d.is_zero() else d.adjusted()
    return Decimal(5).scaleb(decade - n)


def count_sigfigs(mantissa: str) -> tuple[int, int]:
    """The [min, max] number of significant figures of a mantissa as typed (grading rules §6).

    ``mantissa`` is an optional sign, ASCII digits and at most one ``.`` (the caller has already
    normalised the decimal separator and removed grouping and the exponent). Leading zeros never
    count; zeros after a decimal point always do; an integer's trailing zeros give a range
    (``4200`` -> (2, 4)) unless a trailing point is typed (``4200.`` -> (4, 4)); an all-zero value
    counts its decimals (``0.000`` -> 3) and ``0`` counts 1. Raises ValueError on anything else.
    """
    body = mantissa[1:] if mantissa[:1] in ("+", "-") else mantissa
    integer, point, fraction = body.partition(".")
    digits = integer + fraction
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not a decimal mantissa: {mantissa!r}")
    significant = digits.lstrip("0")
    if not significant:
        return (max(1, len(fraction)),) * 2
    if point:
        return (len(significant),) * 2
    return len(significant.rstrip("0")), len(significant)


def _sci_parts(d: Decimal) -> tuple[str, int]:
    """Mantissa string (one digit before the point, all of ``d``'s digits) and decade of ``d``."""
    sign, digits, _ = d.as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return ("-" if sign else "") + mantissa, d.adjusted()


def scientific(mantissa: str, exponent: int, *, style: str = "plain", minus: str = "-") -> str:
    """Join a mantissa string and a power of ten in one of :data:`STYLES`.

    ``scientific("6.02", 23, style="unicode")`` -> ``'6.02 × 10²³'``; ``minus`` replaces the
    mantissa's ``-`` and the html exponent's (unicode uses ``⁻``, LaTeX its own math minus).
    """
    _check_style(style)
    mantissa = mantissa.replace("-", minus)
    if style == "plain":
        return f"{mantissa}e{exponent}"
    power = str(exponent)
    if style == "unicode":
        return f"{mantissa} × 10{power.translate(_SUPERSCRIPT)}"
    if style == "latex":
        return f"{mantissa} \\times 10^{{{power}}}"
    return f"{mantissa} × 10<sup>{power.replace('-', minus)}</sup>"


def format_sci(x: float | Decimal, n: int, *, style: str = "plain", minus: str = "-") -> str:
    """``x`` to ``n`` significant figures in scientific notation (see :func:`scientific`)."""
    _check_style(style)
    d = round_decimal_sig(x, n)
    if d.is_zero():
        return scientific("0" + ("." + "0" * (n - 1) if n > 1 else ""), 0, style=style, minus=minus)
    mantissa, exponent = _sci_parts(d)
    return scientific(mantissa, exponent, style=style, minus=minus)


def format_sig(x: float | Decimal, n: int, *, minus: str = "-", style: str = "plain") -> str:
    """``x`` to ``n`` significant figures, with the trailing zeros that make the count readable.

    Plain decimals for 1e-4 <= |x| < 1e6 (after rounding): ``format_sig(0.5, 3)`` -> ``'0.500'``,
    ``format_sig(1500, 4)`` -> ``'1500.'`` (the trailing point makes the zeros count, grading rules
    §6), ``format_sig(1500, 2)`` -> ``'1500'``. When a plain integer cannot show ``n`` figures
    (1500 to 3) or |x| is outside that range, scientific notation in ``style``. Zero has ``n``
    figures as ``0.00…`` with n decimals (``0`` for n = 1), never ``-0``. ``minus`` is the
    character written for a negative sign (e.g. U+2212 in typeset output).
    """
    _check_style(style)
    d = round_decimal_sig(x, n)
    if d.is_zero():
        return "0" + ("." + "0" * n if n > 1 else "")
    if not PLAIN_MIN <= abs(d) < PLAIN_MAX:
        return format_sci(d, n, style=style, minus=minus)
    text = format(d, "f")
    if d.as_tuple().exponent > 0:  # type: ignore[operator]
        # An integer whose last significant digit sits left of the units place (1.5E+3 for 1500
        # to 2 figures): plain "1500" reads as 2 to 4 figures, so it is fine only when n is its
        # minimum; otherwise scientific shows the figures.
        text = format(d.quantize(Decimal(1)), "f")
        low, _ = count_sigfigs(text)
        if low != n:
            return format_sci(d, n, style=style, minus=minus)
    elif d.as_tuple().exponent == 0 and text.endswith("0"):
        text += "."  # 1500 to 4 figures: the point makes every trailing zero count
    return text.replace("-", minus)


def format_decimals(x: float | Decimal, d: int, *, minus: str = "-") -> str:
    """``x`` with exactly ``d`` decimals (half-up, away from zero); never ``-0.00``."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 0:
        raise ValueError(f"number of decimals must be an integer >= 0, got {d!r}")
    value = to_decimal(x)
    if not value.is_finite():
        raise ValueError(f"cannot format a non-finite value: {x!r}")
    with localcontext() as ctx:
        ctx.prec = max(60, value.adjusted() + d + 10)
        rounded = value.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    return format(rounded, "f").replace("-", minus)
