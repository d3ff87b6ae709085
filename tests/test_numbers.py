"""Tests of problemgen.numbers: rounding, formatting and counting significant figures."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from problemgen.numbers import (
    count_sigfigs,
    format_decimals,
    format_sci,
    format_sig,
    round_decimal_sig,
    round_sig,
    scientific,
    sigfig_window,
)

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("x", "n", "expected"),
    [
        pytest.param(2.675, 3, 2.68, id="half-up-on-the-shown-decimal"),
        pytest.param(-0.125, 2, -0.13, id="half-away-from-zero"),
        pytest.param(0.125, 2, 0.13, id="half-up-positive"),
        pytest.param(9.96, 2, 10.0, id="crosses-a-decade"),
        pytest.param(-64.0877, 3, -64.1, id="nernst-chloride"),
        pytest.param(123456.0, 2, 120000.0, id="large"),
        pytest.param(6.02214076e23, 3, 6.02e23, id="avogadro"),
        pytest.param(1.602176634e-19, 2, 1.6e-19, id="tiny"),
        pytest.param(0.0, 3, 0.0, id="zero"),
    ],
)
def test_round_sig_table(x: float, n: int, expected: float) -> None:
    assert round_sig(x, n) == expected


def test_round_sig_never_returns_negative_zero() -> None:
    assert math.copysign(1.0, round_sig(-0.0, 2)) == 1.0


def test_round_sig_vectorizes_over_arrays_and_passes_nan_and_inf() -> None:
    out = round_sig(np.array([[2.675, -0.125], [np.nan, np.inf]]), 2)
    assert out.shape == (2, 2) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [[2.7, -0.13], [np.nan, np.inf]])


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_round_sig_rejects_bad_figure_counts(n: object) -> None:
    with pytest.raises(ValueError, match=r"^number of significant figures must be an integer >= 1, got "):
        round_sig(1.0, n)  # type: ignore[arg-type]


def test_round_decimal_sig_has_exactly_n_digits() -> None:
    assert round_decimal_sig(9.96, 2).as_tuple().digits == (1, 0)
    assert str(round_decimal_sig(0.000123456, 3)) == "0.000123"


def test_round_decimal_sig_rejects_non_finite() -> None:
    with pytest.raises(ValueError, match=r"^cannot round a non-finite value: nan$"):
        round_decimal_sig(float("nan"), 2)


@pytest.mark.parametrize(
    ("x", "n", "expected"),
    [
        pytest.param(-64.0877, 3, "-64.1", id="negative"),
        pytest.param(0.5, 3, "0.500", id="trailing-zeros-after-point"),
        pytest.param(4.9526e-3, 3, "0.00495", id="small-plain"),
        pytest.param(1e-4, 2, "0.00010", id="lower-plain-bound"),
        pytest.param(9.9e-5, 2, "9.9e-5", id="below-plain-range"),
        pytest.param(999999.0, 6, "999999", id="upper-plain-bound"),
        pytest.param(999999.6, 6, "1.00000e6", id="rounds-out-of-plain-range"),
        pytest.param(1500, 2, "1500", id="integer-zeros-ambiguous-but-min"),
        pytest.param(1500, 4, "1500.", id="trailing-point-makes-zeros-count"),
        pytest.param(1500, 3, "1.50e3", id="integer-cannot-show-3"),
        pytest.param(100, 2, "1.0e2", id="hundred-to-two"),
        pytest.param(1230, 3, "1230", id="integer-exact-min"),
        pytest.param(9.96, 2, "10.", id="decade-crossing"),
        pytest.param(0.0, 1, "0", id="zero-one-figure"),
        pytest.param(0.0, 3, "0.000", id="zero-three-figures"),
        pytest.param(-0.0, 2, "0.00", id="no-negative-zero"),
        pytest.param(-0.0004, 1, "-0.0004", id="small-negative"),
        pytest.param(6.02214076e23, 3, "6.02e23", id="avogadro"),
        pytest.param(Decimal("2.675"), 3, "2.68", id="decimal-input"),
    ],
)
def test_format_sig_plain(x: float, n: int, expected: str) -> None:
    assert format_sig(x, n) == expected


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        pytest.param("plain", "-1.6e-19", id="plain"),
        pytest.param("unicode", "-1.6 × 10⁻¹⁹", id="unicode"),
        pytest.param("latex", r"-1.6 \times 10^{-19}", id="latex"),
        pytest.param("html", "-1.6 × 10<sup>-19</sup>", id="html"),
    ],
)
def test_format_sig_scientific_styles(style: str, expected: str) -> None:
    assert format_sig(-1.602176634e-19, 2, style=style) == expected


def test_format_sig_minus_character() -> None:
    assert format_sig(-64.0877, 3, minus=MINUS) == f"{MINUS}64.1"
    assert format_sig(-1.6e-19, 2, style="html", minus=MINUS) == f"{MINUS}1.6 × 10<sup>{MINUS}19</sup>"


def test_scientific_positive_exponent_unicode() -> None:
    assert scientific("6.02", 23, style="unicode") == "6.02 × 10²³"


def test_format_sci_always_scientific() -> None:
    assert format_sci(64.0877, 3) == "6.41e1"
    assert format_sci(0.0, 2) == "0.0e0"


def test_unknown_style_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"^unknown number style 'tex'; use one of: plain, unicode, latex, html$"):
        format_sig(1.0, 2, style="tex")


@pytest.mark.parametrize(
    ("x", "d", "expected"),
    [
        pytest.param(2.675, 2, "2.68", id="half-up"),
        pytest.param(-0.001, 2, "0.00", id="no-negative-zero"),
        pytest.param(-1.005, 2, "-1.01", id="away-from-zero"),
        pytest.param(12.0, 0, "12", id="no-decimals"),
        pytest.param(1e20, 1, "100000000000000000000.0", id="large"),
    ],
)
def test_format_decimals(x: float, d: int, expected: str) -> None:
    assert format_decimals(x, d) == expected


def test_format_decimals_rejects_negative_count() -> None:
    with pytest.raises(ValueError, match=r"^number of decimals must be an integer >= 0, got -1$"):
        format_decimals(1.0, -1)


@pytest.mark.parametrize(
    ("mantissa", "expected"),
    [
        pytest.param("0.0042", (2, 2), id="leading-zeros-never-count"),
        pytest.param("4.05", (3, 3), id="captive-zero"),
        pytest.param("0.0420", (3, 3), id="trailing-zero-after-point"),
        pytest.param("4.20", (3, 3), id="trailing-zero-mantissa"),
        pytest.param("4200", (2, 4), id="integer-trailing-zeros-range"),
        pytest.param("4200.", (4, 4), id="trailing-point"),
        pytest.param("40.", (2, 2), id="trailing-point-two"),
        pytest.param("0.000", (3, 3), id="all-zero-counts-decimals"),
        pytest.param("0", (1, 1), id="zero"),
        pytest.param("-0.5", (1, 1), id="sign-ignored"),
        pytest.param("+12", (2, 2), id="plus-sign"),
        pytest.param(".25", (2, 2), id="leading-point"),
        pytest.param("25.", (2, 2), id="trailing-point-nonzero"),
        pytest.param("4950", (3, 4), id="strict-example"),
        pytest.param("007", (1, 1), id="leading-zeros-integer"),
    ],
)
def test_count_sigfigs(mantissa: str, expected: tuple[int, int]) -> None:
    assert count_sigfigs(mantissa) == expected


@pytest.mark.parametrize("mantissa", ["", "-", ".", "1.2.3", "1e5", "١٢", "1 000", "--1"])
def test_count_sigfigs_rejects_non_mantissas(mantissa: str) -> None:
    with pytest.raises(ValueError, match=r"^not a decimal mantissa: "):
        count_sigfigs(mantissa)


@pytest.mark.parametrize(
    ("t", "n", "expected"),
    [
        pytest.param(4.9526, 3, Decimal("0.005"), id="rules-example"),
        pytest.param(9.96, 2, Decimal("0.05"), id="window-follows-unrounded-t"),
        pytest.param(-64.0877, 3, Decimal("0.05"), id="negative"),
        pytest.param(0.00123, 2, Decimal("0.00005"), id="small"),
        pytest.param(0.0, 2, Decimal("0.05"), id="zero-decade-0"),
    ],
)
def test_sigfig_window(t: float, n: int, expected: Decimal) -> None:
    assert sigfig_window(t, n) == expected


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
       st.integers(min_value=1, max_value=8))
def test_format_sig_shows_n_figures_and_round_trips(x: float, n: int) -> None:
    text = format_sig(x, n)
    assert not text.startswith("-0") or any(c in "123456789" for c in text)
    mantissa, _, _ = text.partition("e")
    low, high = count_sigfigs(mantissa)
    assert low <= n <= high
    assert float(text) == pytest.approx(round_sig(x, n), rel=1e-12, abs=0.0)
