"""Worked steps read back: the LaTeX arithmetic reader, and the steps it flags (tables)."""

from __future__ import annotations

import math

import pytest

from problemgen.arithmetic import check_step, evaluate, misses, printed_number

# GIVEN the left side of a printed step, WHEN it is read, THEN it gives this value (None: not arithmetic).
EXPRESSIONS = [
    ("product-with-units", r"4.0\,\mathrm{nS}\times(95.6\,\mathrm{mV})", 382.4),
    ("difference-of-negatives", r"-56 - (-64.6)", 8.6),
    ("unicode-minus", "−56 − (−64.6)", 8.6),
    ("fraction-and-digit-groups", r"\frac{8.3145\cdot 310.15}{96\,485}", 8.3145 * 310.15 / 96485),
    ("log10", r"61.54\,\mathrm{mV}\cdot\log_{10}(2.5714)", 61.54 * math.log10(2.5714)),
    ("exp-of-a-fraction", r"151\,\mathrm{mM}\times\exp\!\left(\frac{ -88.5 }{26.73}\right)", 151 * math.exp(-88.5 / 26.73)),
    ("ln-without-parentheses", r"\ln 10", math.log(10)),
    ("power-of-ten", r"1.602\times10^{-19}", 1.602e-19),
    ("e-to-a-power", r"e^{-2}", math.exp(-2)),
    ("square-root", r"\sqrt{2}", math.sqrt(2)),
    ("implicit-product", r"2\,(3+4)", 14.0),
    ("squared-length", r"(16\,\mathrm{\mu m})^{2}", 256.0),
    ("compound-unit", r"58.4\,\mu\mathrm{A}/\mathrm{cm}^{2}", 58.4),
    ("symbols", r"g_{Na}(V - E)", None),
    ("a-name-in-mathrm", r"\mathrm{DF}", None),
    ("unbraced-two-digit-exponent", "10^23", None),
    ("a-letter", "x + 1", None),
    ("unit-inside-exp", r"50\,\mathrm{mM}\cdot e^{-\frac{(-8.88\,\mathrm{mV})\cdot 96\,485}{8.3145\cdot 279.45}}", None),
    ("unbalanced", r"(1 + 2", None),
    ("huge-power", r"10^{999}", None),
    ("division-by-zero", r"\frac{1}{0}", None),
]


@pytest.mark.parametrize(("latex", "value"), [case[1:] for case in EXPRESSIONS], ids=[case[0] for case in EXPRESSIONS])
def test_arithmetic_is_read_from_latex(latex: str, value: float | None) -> None:
    assert evaluate(latex) == (None if value is None else pytest.approx(value, rel=1e-12))


PRINTED = [
    ("with-unit", r"382\,\mathrm{pA}", (382.0, 1.0)),
    ("decimals", r"-2.05\,\mathrm{mV}", (-2.05, 0.01)),
    ("trailing-zeros", "2710", (2710.0, 10.0)),
    ("scientific", r"6.90\times10^{-5}", (6.90e-5, 1e-7)),
    ("not-a-number", r"\mathrm{DF}", None),
    ("an-expression", "2 + 2", None),
]


@pytest.mark.parametrize(("latex", "expected"), [case[1:] for case in PRINTED], ids=[case[0] for case in PRINTED])
def test_a_printed_result_has_a_value_and_a_last_figure(latex: str, expected: tuple[float, float] | None) -> None:
    assert printed_number(latex) == (None if expected is None else pytest.approx(expected, rel=1e-12))


# GIVEN a solution's Markdown, WHEN its steps are checked, THEN these (printed result, units off) miss.
STEPS = [
    ("checks", r"$$I = 4.0\,\mathrm{nS}\times(95.6\,\mathrm{mV}) = 382\,\mathrm{pA}$$", []),
    ("one-unit-is-rounding", r"$$I = 4.0\times 95.6 = 383$$", []),
    ("off-by-three", r"$$I = g(V - E) = 4.0\,\mathrm{nS}\times(95.6\,\mathrm{mV}) = 385\,\mathrm{pA}$$", [("385\\,\\mathrm{pA}", 2.6)]),
    ("rounded-intermediate", r"$\mathrm{DF} = -56 - (-64.6) = 8.57\,\mathrm{mV}$", [("8.57\\,\\mathrm{mV}", 3.0)]),
    ("units-scale-by-powers-of-ten", r"$24.6\,\mathrm{pF}\times 110\,\mathrm{mV} = 2.71\,\mathrm{pC}$", []),
    ("unit-conversion-only", r"$Q = 2710\,\mathrm{fC} = 2.71\,\mathrm{pC}$", []),
    ("another-quantity", r"$t = 2\times 30 = 1\,\mathrm{min}$", []),
    ("statements-split-at-qquad", r"$a = 6,\qquad 2.0\times 4.1 = 8.5$", [("8.5", 3.0)]),
    ("second-statement-off", r"$a = 2\times 3 = 6;\ b = 2.0\times 4.1 = 8.5$", [("8.5", 3.0)]),
    ("approx-counts-as-equals", r"$x = 3.2\times 3.2 \approx 10.5$", [("10.5", 2.6)]),
    ("prose-is-not-checked", "2 × 3 = 7 in words", []),
    # an aligned worked step: each row is read on its own, its frame and & marks dropped
    ("aligned-rows", r"$$\begin{aligned} E &= \frac{RT}{F} \\ &= 2 \times 3 = 9 \end{aligned}$$", [("9", 3.0)]),
    ("aligned-rows-right", r"$$\begin{aligned} E &= \frac{RT}{F} \\ &= 2 \times 3 = 6 \end{aligned}$$", []),
]


@pytest.mark.parametrize(("markdown", "expected"), [case[1:] for case in STEPS], ids=[case[0] for case in STEPS])
def test_steps_that_do_not_check_are_found(markdown: str, expected: list[tuple[str, float]]) -> None:
    assert [(miss.printed, round(miss.units_off, 1)) for miss in misses(markdown)] == expected


@pytest.mark.parametrize(("left", "right", "kind"), [
    (r"7\,\mathrm{nS}\times(-68 - (-84))\,\mathrm{mV}", r"-112\,\mathrm{pA}", "sign"),
    (r"7\,\mathrm{nS}\times(-68 + (-84))\,\mathrm{mV}", r"112\,\mathrm{pA}", "formula"),
    (r"4.0\times 95.6", "385", "rounding"),
    (r"2\times 30\,\mathrm{s}", r"1\,\mathrm{min}", None),
    (r"1.5\,\mathrm{h}\times 60", r"5400\,\mathrm{s}", None),
    (r"7\times 16", "112", None),
], ids=["wrong-sign", "wrong-formula", "rounding", "minutes", "hours", "checks"])
def test_a_miss_is_told_apart_by_kind(left: str, right: str, kind: str | None) -> None:
    miss = check_step(left, right)
    assert (miss.kind if miss else None) == kind


def test_a_miss_says_what_the_printed_numbers_give() -> None:
    miss = check_step(r"4.0\,\mathrm{nS}\times(95.6\,\mathrm{mV})", r"0.385\,\mathrm{nA}")
    assert miss is not None
    assert (miss.computed, round(miss.units_off, 1)) == (pytest.approx(0.3824), 2.6)
