"""Numeric answers: grammar, units, tolerance, significant figures and feedback (grading rules §2-§6, §11)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from problemgen.errors import GradingSpecError
from problemgen.grading import check_answer
from problemgen.grading import feedback as fb
from problemgen.grading.normalize import Rejected, normalize
from problemgen.grading.numeric import ParsedNumber, parse_number

# Expected E_Cl = −64.0877 mV, rtol 1 %, unit required (the rules' running example).
E_CL: dict[str, Any] = {"kind": "numeric", "value": -64.0877, "unit": "mV", "unit_required": True, "rtol": 0.01}
CURRENT: dict[str, Any] = {"kind": "numeric", "value": 2.75, "unit": "nA", "rtol": 0.01}
CHARGE: dict[str, Any] = {"kind": "numeric", "value": 3.2e-4, "unit": "C/m^2", "rtol": 0.01}
TIME: dict[str, Any] = {"kind": "numeric", "value": 4.9526, "unit": "ms", "sigfigs": 3, "sigfig_rule": "exact"}
RATIO: dict[str, Any] = {"kind": "numeric", "value": 0.25, "unit": "", "rtol": 0.01}


def grade(text: str, expected: dict[str, Any] = E_CL, **changes: Any) -> dict[str, Any]:
    return check_answer(text, {**expected, **changes})


# --- §11: the rules' examples -------------------------------------------------------------------
RULES_EXAMPLES = [
    ("−64.1 mV", E_CL, {}, "correct", fb.CORRECT),
    ("-0,0641 V", E_CL, {}, "correct", fb.CORRECT),
    ("-64.1", E_CL, {}, "invalid", fb.INVALID_UNIT_REQUIRED),
    ("-64.1 mv", E_CL, {}, "invalid", "The unit could not be read ('mv' is not a unit; did you mean 'mV'?)."),
    ("-64.1 MV", E_CL, {}, "incorrect", "Your value is off by a factor of 10^9; check the unit prefixes and conversions."),
    ("-64.1 mM", E_CL, {}, "incorrect", "Your unit, mM, measures concentration, but this answer is voltage."),
    ("-64.1 m V", E_CL, {}, "incorrect", "Your unit, m V, is not a unit of voltage, which this answer is: a space between "
     "units multiplies them (m × V); write one unit with its prefix attached, such as mV."),
    ("-64.1 mV mV", E_CL, {}, "incorrect", "Your unit, mV mV, is not a unit of voltage, which this answer is: a space "
     "between units multiplies them (mV × mV); write one unit with its prefix attached, such as mV."),
    ("-64.1 mV*s", E_CL, {}, "incorrect", "Your unit, mV*s, is not a unit of voltage, which this answer is."),
    ("+64.1 mV", E_CL, {}, "incorrect", fb.INCORRECT_SIGN),
    ("2,750 pA", CURRENT, {}, "invalid",
     "'2,750' is ambiguous; write the number without thousands separators (for example 2750 or 2.75)."),
    ("2 750 pA", CURRENT, {}, "correct", fb.CORRECT),
    ("3.2x10-4 C/m^2", CHARGE, {}, "invalid", fb.INVALID_EXPONENT_FORM),
    ("4.95 ms", TIME, {}, "correct", fb.CORRECT),
    ("4.96 ms", TIME, {}, "incorrect", fb.INCORRECT_MISROUNDED),
    ("4950 µs", TIME, {"sigfig_rule": "strict"}, "correct", fb.CORRECT),
]


@pytest.mark.parametrize(("text", "expected", "changes", "verdict", "feedback"), RULES_EXAMPLES,
                         ids=[row[0] for row in RULES_EXAMPLES])
def test_rules_examples(text: str, expected: dict[str, Any], changes: dict[str, Any], verdict: str,
                        feedback: str) -> None:
    result = grade(text, expected, **changes)
    assert (result["verdict"], result["feedback"]) == (verdict, feedback)


# --- a student-perspective review: answers a real student types, each with its exact feedback ------
CURRENT_PA: dict[str, Any] = {"kind": "numeric", "value": -310.0, "unit": "pA", "rtol": 0.01}
SLOPE: dict[str, Any] = {"kind": "numeric", "value": -97.2, "unit": "mV", "rtol": 0.01}
FIGURES_3: dict[str, Any] = {"kind": "numeric", "value": 25.9, "unit": "", "sigfigs": 3, "sigfig_rule": "exact"}
SMALL: dict[str, Any] = {"kind": "numeric", "value": 1.49e-5, "unit": "", "rtol": 0.01}
RESISTANCE: dict[str, Any] = {"kind": "numeric", "value": 250.0, "unit": "kOhm", "rtol": 0.01}
FINAL_PERIOD = ("Remove the period at the end of your answer: a period is read only as a decimal point (write 120. "
                "only to show that its zero is significant).")
STUDENT_REVIEW = [
    # 1. a period that ends the sentence: dropped after a unit, or after a point or an exponent
    ("-97.2 mV.", SLOPE, {}, "correct", fb.CORRECT),
    ("60.3 uM.", {**SLOPE, "value": 60.3, "unit": "uM"}, {}, "correct", fb.CORRECT),
    ("25.9.", FIGURES_3, {}, "correct", fb.CORRECT),
    ("25,9.", FIGURES_3, {}, "correct", fb.CORRECT),
    ("1.49e-05.", SMALL, {}, "correct", fb.CORRECT),
    ("1.49×10^-5.", SMALL, {}, "correct", fb.CORRECT),
    ("120.", FIGURES_3, {"value": 120.0}, "correct", fb.CORRECT),           # the point makes 3 figures
    ("120", FIGURES_3, {"value": 120.0, "sigfig_rule": "strict"}, "incorrect",
     "Too few significant figures: you gave 2; this answer needs 3."),
    ("120.", FIGURES_3, {"value": 120.0, "sigfig_rule": "strict"}, "correct", fb.CORRECT),
    ("120..", FIGURES_3, {"value": 120.0}, "invalid", FINAL_PERIOD),
    ("25.9 .", FIGURES_3, {}, "invalid", FINAL_PERIOD),
    ("-97.2 mV .", SLOPE, {}, "invalid", FINAL_PERIOD),
    ("-97.2 mV..", SLOPE, {}, "invalid", FINAL_PERIOD),
    ("-97.2.", SLOPE, {}, "invalid", fb.INVALID_UNIT_REQUIRED),              # the period is gone; the unit is missing
    ("-97.2 mv.", SLOPE, {}, "invalid", "The unit could not be read ('mv' is not a unit; did you mean 'mV'?)."),
    ("1.2.3.", SMALL, {}, "invalid",
     "'1.2.3' is ambiguous; write the number without thousands separators (for example 2750 or 2.75)."),
    # 2. a misspelt symbol: the suggestion has the box's dimension (pA, not Pa, for a current)
    ("-310 pa", CURRENT_PA, {}, "invalid", "The unit could not be read ('pa' is not a unit; did you mean 'pA'?)."),
    ("-310 PA", CURRENT_PA, {}, "invalid", "The unit could not be read ('PA' is not a unit; did you mean 'pA'?)."),
    ("-310 pa", CURRENT_PA, {"unit": "kPa"}, "invalid",
     "The unit could not be read ('pa' is not a unit; did you mean 'Pa'?)."),
    ("-310 pa", CURRENT_PA, {"unit": "pA/pF"}, "invalid",
     "The unit could not be read ('pa' is not a unit; did you mean 'Pa'?)."),  # no unit of that dimension
    # 3. a capital X as the times sign
    ("-9.72X10^1 mV", SLOPE, {}, "correct", fb.CORRECT),
    ("-9.72 X 10^1 mV", SLOPE, {}, "correct", fb.CORRECT),
    ("-9.72X10-1 mV", SLOPE, {}, "invalid", fb.INVALID_EXPONENT_FORM),
    # 4. a parenthesised exponent
    ("1.49·10^(-5)", SMALL, {}, "correct", fb.CORRECT),
    ("1.49*10^(+5)", SMALL, {"value": 1.49e5}, "correct", fb.CORRECT),
    ("1.49×10^(5)", SMALL, {"value": 1.49e5}, "correct", fb.CORRECT),
    ("1.49·10^(-5", SMALL, {}, "invalid", fb.INVALID_EXPONENT_FORM),
    ("1.49·10^( -5)", SMALL, {}, "invalid", fb.INVALID_EXPONENT_FORM),
    ("1.49·10^(-12345)", SMALL, {}, "invalid", fb.INVALID_EXPONENT_RANGE),
    ("1.49e(-5)", SMALL, {}, "invalid", fb.INVALID_EXPONENT_FORM),
    # 5. a unit whose units cancel, for a voltage
    ("63.3 V/V", SLOPE, {}, "incorrect", "Your unit, V/V, is dimensionless (its units cancel), but this answer is voltage."),
    ("63.3 mV", {**SMALL, "unit": "mV/V"}, {}, "incorrect",
     "Your unit, mV, measures voltage, but this answer is dimensionless."),
    # 6. plural and elided ohms
    ("250 kilohms", RESISTANCE, {}, "correct", fb.CORRECT),
    ("250 kOhms", RESISTANCE, {}, "correct", fb.CORRECT),
    ("0.25 MOhms", RESISTANCE, {}, "correct", fb.CORRECT),
    ("0.25 megohms", RESISTANCE, {}, "correct", fb.CORRECT),
    ("250000 ohms", RESISTANCE, {}, "correct", fb.CORRECT),
    # 7. ** as the caret of a power of ten, as in units
    ("6.2*10**-2", SMALL, {"value": 0.062}, "correct", fb.CORRECT),
    ("6.2x10**2", SMALL, {"value": 620.0}, "correct", fb.CORRECT),
    ("6.2*10** -2", SMALL, {"value": 0.062}, "invalid", fb.INVALID_EXPONENT_FORM),
    ("6.2*10**12345", SMALL, {"value": 0.062}, "invalid", fb.INVALID_EXPONENT_RANGE),
]


@pytest.mark.parametrize(("text", "expected", "changes", "verdict", "feedback"), STUDENT_REVIEW,
                         ids=[f"{row[0]}-{'-'.join(row[2]) or 'plain'}" for row in STUDENT_REVIEW])
def test_student_review(text: str, expected: dict[str, Any], changes: dict[str, Any], verdict: str,
                        feedback: str) -> None:
    result = grade(text, expected, **changes)
    assert (result["verdict"], result["feedback"]) == (verdict, feedback)


def test_exponent_form_message_names_every_accepted_form() -> None:
    assert fb.INVALID_EXPONENT_FORM == ("Write powers of ten as 3.2e-4, 3.2×10^-4 or 3.2×10^(-4) (with a caret, and "
                                        "no spaces inside the exponent).")


NEAR = ("Close, but outside the tolerance ({}); check your rounding of intermediate steps and the constants and "
        "temperature you used.")

NEAR_FIGURES = ("Close, but not the right value to {} significant figures; keep more figures in intermediate steps "
                "and round only the final answer.")


@pytest.mark.parametrize(("text", "changes", "feedback"), [
    ("-64.6 mV", {}, fb.CORRECT),                               # 0.8 % off: within 1 %
    ("-65.0 mV", {}, NEAR.format("1 %")),                       # 1.4 windows off
    ("-65.9 mV", {}, NEAR.format("1 %")),                       # 2.8 windows off
    ("-66.1 mV", {}, fb.INCORRECT),                             # 3.1 windows off: plainly wrong
    ("-70 mV", {"rtol": 0.0, "atol": 4.0}, NEAR.format("4 mV")),
    ("-65.5 mV", {"rtol": 0.01, "atol": 0.5}, NEAR.format("1 % + 0.5 mV")),
    ("-65.5 uA/cm^2", {"unit": "uA/cm^2", "rtol": 0.0, "atol": 0.5}, NEAR.format("0.5 µA/cm²")),
    ("-65.0 mV", {"sigfigs": 3}, NEAR_FIGURES.format(3)),       # figures graded: "close" on the same scale
    ("-66.1 mV", {"sigfigs": 3}, fb.INCORRECT),
    ("-65.5 mV", {"misconceptions": {"room_temperature_slope": -65.5}},
     "Your answer matches a known mistake: you used the room-temperature 58 mV per decade at a different "
     "temperature."),                                           # a named mistake comes first
], ids=["within", "near", "near-edge", "beyond", "absolute", "both", "display-unit", "figures", "figures-beyond",
        "misconception-first"])
def test_a_near_miss_is_its_own_category(text: str, changes: dict[str, Any], feedback: str) -> None:
    result = grade(text, **changes)
    assert result["feedback"] == feedback
    assert result["verdict"] == ("correct" if feedback == fb.CORRECT else "incorrect")


def test_result_has_exactly_the_contract_keys() -> None:
    result = grade("-64.1 mV")
    assert result == {"verdict": "correct", "score": 1.0, "feedback": "Correct.", "misconception": None, "value": -64.1}


# --- §3: number grammar -------------------------------------------------------------------------
# (typed, value read in mV or None when invalid)
GRAMMAR = [
    # signs
    ("-64.1 mV", -64.1), ("+64.1 mV", 64.1), ("- 64.1 mV", -64.1), ("\u221264.1 mV", -64.1),
    ("\u201364.1 mV", -64.1), ("--64.1 mV", None), ("64.1- mV", None), ("6-4.1 mV", None),
    # digits
    (".5 mV", 0.5), ("25. mV", 25.0), ("1_000 mV", None), ("0x40 mV", None), ("nan mV", None),
    ("inf mV", None), ("1.2.3 mV", None), ("1..2 mV", None), ("١٢ mV", None), ("６４.１ mV", 64.1),
    ("", None), ("   ", None), ("mV", None),
    # decimal separator and grouping
    ("-0,0641 V", -64.1), ("-0,064 V", -64.0), ("9,65e4 mV", 96500.0), ("12,3456 mV", 12.3456),
    ("2,750 mV", None), ("12,345.6 mV", 12345.6), ("12.345,6 mV", 12345.6), ("1,23.4 mV", None),
    ("1.234.567 mV", None), ("1,234,567 mV", None), ("96 485 mV", 96485.0), ("96\u2009485 mV", 96485.0),
    ("96\u00a0485 mV", 96485.0), ("96 4850 mV", None), ("2 750,5 mV", 2750.5), ("1 234,567.8 mV", None),
    # exponents
    ("6.4e-2 mV", 0.064), ("6.4E+01 mV", 64.0), ("6.4×10^-2 mV", 0.064), ("6.4x10^-2 mV", 0.064),
    ("6.4*10^-2 mV", 0.064), ("6.4·10^-2 mV", 0.064), ("6.4 × 10^-2 mV", 0.064), ("6.4·10⁻² mV", 0.064),
    ("6.4×10^\u22122 mV", 0.064), ("6.4x10-2 mV", None), ("6.4e -2 mV", None), ("6.4 e-2 mV", None),
    ("6.4e12345 mV", None), ("6.4e123456789 mV", None), ("1e999 mV", None), ("10^5 mV", None),
    ("6.4X10^-2 mV", 0.064), ("6.4*10^(-2) mV", 0.064), ("6.4*10^(+1) mV", 64.0), ("6.4·10^(1) mV", 64.0),
    ("6.4*10**-2 mV", 0.064), ("6.4x10**2 mV", 640.0), ("6.4*10^(-2 mV", None), ("6.4*10^(12345) mV", None),
    ("6.4*10^((2)) mV", None), ("6.4e(-2) mV", None), ("6.4X10-2 mV", None),
    # one final period ending a sentence
    ("-64.1 mV.", -64.1), ("-6.41e1 mV.", -64.1), ("64. mV.", 64.0), ("-64.1 mV..", None), ("-64.1 mV .", None),
    ("-64.1 m.V", None), ("-64.1 mV.!", None),
    # single literal only
    ("-128/2 mV", None), ("5 - 3 mV", None), ("61.5 ± 0.5 mV", None), ("12%", None), ("5 3 mV", None),
]


@pytest.mark.parametrize(("text", "value"), GRAMMAR, ids=[repr(row[0]) for row in GRAMMAR])
def test_number_grammar(text: str, value: float | None) -> None:
    result = grade(text, E_CL, rtol=1e9, atol=1e9)  # accept any well-formed value
    if value is None:
        assert result["verdict"] == "invalid"
        assert result["value"] is None
    else:
        assert result["verdict"] == "correct"
        assert result["value"] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        pytest.param("-0,0641 V", ParsedNumber(Decimal("-0.0641"), "-0.0641", "V"), id="decimal-comma"),
        pytest.param("4200. mV", ParsedNumber(Decimal("4200"), "4200.", "mV"), id="trailing-point-kept"),
        pytest.param("4.20e-3", ParsedNumber(Decimal("0.00420"), "4.20", ""), id="exponent-not-in-mantissa"),
        pytest.param("96 485 C/mol", ParsedNumber(Decimal("96485"), "96485", "C/mol"), id="grouping-removed"),
        pytest.param("1 1/s", ParsedNumber(Decimal("1"), "1", "1/s"), id="unit-one-over-s"),
        pytest.param("25.9.", ParsedNumber(Decimal("25.9"), "25.9", ""), id="final-period-after-point"),
        pytest.param("1.49e-05.", ParsedNumber(Decimal("1.49e-05"), "1.49", ""), id="final-period-after-exponent"),
        pytest.param("120.", ParsedNumber(Decimal(120), "120.", ""), id="trailing-point-not-a-final-period"),
        pytest.param("-97.2 mV.", ParsedNumber(Decimal("-97.2"), "-97.2", "mV"), id="final-period-after-unit"),
        pytest.param("1.49·10^(-5)", ParsedNumber(Decimal("1.49e-5"), "1.49", ""), id="parenthesised-exponent"),
    ],
)
def test_parse_number_keeps_typed_mantissa(text: str, parsed: ParsedNumber) -> None:
    normalized = normalize(text, limit=200, what="number")
    assert isinstance(normalized, str)
    assert parse_number(normalized) == parsed


@pytest.mark.parametrize(
    ("text", "feedback"),
    [
        pytest.param("", fb.INVALID_EMPTY, id="empty"),
        pytest.param("abc", "'abc' is not a number we can read; write one number: digits with a decimal point, a minus sign if it is negative, and e-2 or ×10^-2 for a power of ten.", id="letters"),
        pytest.param("<b>1</b>", "'&lt;b&gt;1&lt;/b&gt;' is not a number we can read; write one number: digits with a decimal point, a minus sign if it is negative, and e-2 or ×10^-2 for a power of ten.", id="html-escaped"),
        pytest.param("1.234.567 mV", "'1.234.567' is ambiguous; write the number without thousands separators (for example 2750 or 2.75).", id="repeated-separator"),
        pytest.param("1e12345 mV", fb.INVALID_EXPONENT_RANGE, id="exponent-digits"),
        pytest.param("1e999 mV", fb.INVALID_NOT_FINITE, id="not-finite"),
        pytest.param("5 - 3", fb.INVALID_ONE_NUMBER, id="arithmetic"),
        pytest.param("1" * 201, "Your answer is longer than 200 characters; enter a single number and unit.", id="too-long"),
        pytest.param("-64.1 mV" + " " * 5000, "Your answer is longer than 200 characters; enter a single number and unit.", id="padded"),
        pytest.param("-6\u200b4.1 mV", "Your answer contains an invisible or control character (U+200B); retype it instead of pasting it.", id="zero-width"),
        pytest.param("-64.1 mV\n", "Your answer contains an invisible or control character (U+000A); retype it instead of pasting it.", id="newline"),
        pytest.param("\u202e1.46-", "Your answer contains an invisible or control character (U+202E); retype it instead of pasting it.", id="bidi"),
        pytest.param("-64.1 mV!", "The unit could not be read ('!' is not allowed in a unit).", id="junk-after-unit"),
        pytest.param("-64.1 µ V", "The unit could not be read ('μ' is a prefix, not a unit; attach it to a unit symbol, e.g. 'μV').", id="detached-prefix"),
        pytest.param("37 °C", "The unit could not be read (offset temperatures such as °C are not supported; give the temperature in K).", id="celsius"),
    ],
)
def test_invalid_feedback_text(text: str, feedback: str) -> None:
    assert grade(text) == {"verdict": "invalid", "score": 0.0, "feedback": feedback, "misconception": None, "value": None}


def test_invalid_feedback_does_not_depend_on_the_value() -> None:
    # GIVEN a right and a wrong number without their unit WHEN graded THEN the feedback is identical
    assert grade("-64.1")["feedback"] == grade("12345")["feedback"] == fb.INVALID_UNIT_REQUIRED
    assert grade("-64.1 mv")["feedback"].replace("-64.1", "") == grade("999 mv")["feedback"]
    # a suggestion follows the box's unit, never the value typed
    assert grade("-310 pa", CURRENT_PA)["feedback"] == grade("12345 pa", CURRENT_PA)["feedback"]
    assert grade("-97.2 mV .", SLOPE)["feedback"] == grade("12345 mV .", SLOPE)["feedback"] == FINAL_PERIOD


# --- §3/§4: units in a numeric box --------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "changes", "verdict", "value"),
    [
        pytest.param("-64.1", {"unit_required": False}, "correct", -64.1, id="bare-number-read-in-unit"),
        pytest.param("-0.0641 V", {"unit_required": False}, "correct", -64.1, id="typed-unit-converted"),
        pytest.param("-64.1 mM", {"unit_required": False}, "incorrect", None, id="typed-wrong-dimension"),
        pytest.param("0", {"value": 0.0, "atol": 0.1}, "invalid", None, id="zero-still-needs-unit"),
        pytest.param("0 mV", {"value": 0.0, "atol": 0.1}, "correct", 0.0, id="zero-with-unit"),
        pytest.param("0 mM", {"value": 0.0, "atol": 0.1}, "incorrect", None, id="zero-wrong-dimension"),
        pytest.param("-64.1 mV mV", {}, "incorrect", None, id="repeated-unit-is-a-product"),
        pytest.param("-64.1 m V", {}, "incorrect", None, id="metre-volt"),
        pytest.param("-64.1millivolts", {}, "correct", -64.1, id="long-name"),
        pytest.param("-64100 uV", {}, "correct", -64.1, id="micro-u"),
        pytest.param("-64100 μV", {}, "correct", -64.1, id="micro-greek"),
        pytest.param("-64100 µV", {}, "correct", -64.1, id="micro-sign"),
        pytest.param("-6.41e-2 V", {}, "correct", -64.1, id="exponent-and-unit"),
        pytest.param("1e308 TV", {}, "incorrect", None, id="beyond-a-float-in-mV"),
    ],
)
def test_units_in_numeric_box(text: str, changes: dict[str, Any], verdict: str, value: float | None) -> None:
    result = grade(text, E_CL, **changes)
    assert result["verdict"] == verdict
    assert result["value"] == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    ("text", "verdict", "feedback"),
    [
        pytest.param("0.25", "correct", fb.CORRECT, id="number"),
        pytest.param("0.25 mV", "invalid", fb.INVALID_NO_UNIT_EXPECTED, id="any-unit-invalid"),
        pytest.param("25%", "invalid", fb.INVALID_PERCENT, id="percent"),
        pytest.param("25 %", "invalid", fb.INVALID_PERCENT, id="percent-spaced"),
        pytest.param("25 % 3", "invalid", fb.INVALID_ONE_NUMBER, id="percent-then-more"),
        pytest.param("0,25", "correct", fb.CORRECT, id="decimal-comma"),
    ],
)
def test_dimensionless_box(text: str, verdict: str, feedback: str) -> None:
    result = grade(text, RATIO)
    assert (result["verdict"], result["feedback"]) == (verdict, feedback)


# --- §5: tolerance ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected", "verdict"),
    [
        pytest.param("1.1 nA", {"value": 1.0, "unit": "nA", "rtol": 0.1}, "correct", id="inclusive-upper-boundary"),
        pytest.param("0.9 nA", {"value": 1.0, "unit": "nA", "rtol": 0.1}, "correct", id="inclusive-lower-boundary"),
        pytest.param("1.1000001 nA", {"value": 1.0, "unit": "nA", "rtol": 0.1}, "incorrect", id="just-outside"),
        pytest.param("1100 pA", {"value": 1.0, "unit": "nA", "rtol": 0.1}, "correct", id="boundary-after-conversion"),
        pytest.param("0 mV", {"value": 0.0, "unit": "mV", "rtol": 0.01}, "correct", id="exact-zero-rtol-only"),
        pytest.param("0.001 mV", {"value": 0.0, "unit": "mV", "rtol": 0.01}, "incorrect", id="zero-needs-atol"),
        pytest.param("0.5 mV", {"value": 0.0, "unit": "mV", "rtol": 0.01, "atol": 0.5}, "correct", id="atol-in-unit"),
        pytest.param("0.5 mV", {"value": 0.0, "unit": "mV", "atol": 0.0005, "atol_unit": "V"}, "correct", id="atol-unit"),
        pytest.param("0.6 mV", {"value": 0.0, "unit": "mV", "atol": 0.0005, "atol_unit": "V"}, "incorrect", id="atol-unit-outside"),
        pytest.param("-64.7 mV", {"value": -64.0877, "unit": "mV"}, "correct", id="default-rtol-1-percent"),
    ],
)
def test_tolerance(text: str, expected: dict[str, Any], verdict: str) -> None:
    assert check_answer(text, {"kind": "numeric", **expected})["verdict"] == verdict


# --- §6: significant figures --------------------------------------------------------------------
# t = 4.9526 ms, n = 3; verdict and feedback per rule
FIGURES = [
    ("4.95 ms", "exact", "correct", fb.CORRECT),
    ("4.95 ms", "strict", "correct", fb.CORRECT),
    ("4.95 ms", "at_least", "correct", fb.CORRECT),
    ("4.96 ms", "exact", "incorrect", fb.INCORRECT_MISROUNDED),
    ("4.96 ms", "at_least", "incorrect", fb.INCORRECT_MISROUNDED),
    ("4950 µs", "exact", "correct", fb.CORRECT),
    ("4950 µs", "strict", "correct", fb.CORRECT),
    ("4950. µs", "strict", "incorrect", "Too many significant figures: you gave 4; this answer needs 3."),
    ("4.9526 ms", "exact", "incorrect", "Too many significant figures: you gave 5; this answer needs 3."),
    ("4.9526 ms", "at_least", "correct", fb.CORRECT),
    ("4.953 ms", "at_least", "correct", fb.CORRECT),
    ("4.955 ms", "at_least", "correct", fb.CORRECT),  # an exact half: either rounding is accepted
    ("4.958 ms", "at_least", "incorrect", fb.INCORRECT_MISROUNDED),
    ("5.0 ms", "exact", "incorrect", "Too few significant figures: you gave 2; this answer needs 3."),
    ("5.0 ms", "at_least", "incorrect", "Too few significant figures: you gave 2; this answer needs 3."),
    ("5 ms", "strict", "incorrect", "Too few significant figures: you gave 1; this answer needs 3."),
    ("4.9 ms", "exact", "incorrect", "Close, but not the right value to 3 significant figures; keep more figures in "
     "intermediate steps and round only the final answer. Too few significant figures: you gave 2; this answer "
     "needs 3."),
    ("4.7 ms", "exact", "incorrect", fb.INCORRECT),
    ("4.950e0 ms", "exact", "incorrect", "Too many significant figures: you gave 4; this answer needs 3."),
    ("4.95e-3 s", "strict", "correct", fb.CORRECT),
    ("0.00495 s", "strict", "correct", fb.CORRECT),
    ("-4.95 ms", "exact", "incorrect", fb.INCORRECT_SIGN),
    ("49.5 ms", "exact", "incorrect", "Your value is off by a factor of 10^1; check the unit prefixes and conversions."),
    ("4.95", "exact", "invalid", fb.INVALID_UNIT_REQUIRED),
]


@pytest.mark.parametrize(("text", "rule", "verdict", "feedback"), FIGURES, ids=[f"{r[0]}-{r[1]}" for r in FIGURES])
def test_significant_figures(text: str, rule: str, verdict: str, feedback: str) -> None:
    result = grade(text, TIME, sigfig_rule=rule)
    assert (result["verdict"], result["feedback"]) == (verdict, feedback)


@pytest.mark.parametrize(
    ("text", "value", "n", "rule", "verdict"),
    [
        pytest.param("10 mV", 9.96, 2, "exact", "correct", id="window-follows-t-across-decade"),
        pytest.param("4200 mV", 4213.0, 2, "strict", "correct", id="strict-integer-zeros-are-2"),
        pytest.param("4200 mV", 4213.0, 3, "strict", "incorrect", id="strict-4200-not-3"),
        pytest.param("4200 mV", 4213.0, 3, "exact", "incorrect", id="exact-range-but-misrounded"),
        pytest.param("4210 mV", 4213.0, 3, "exact", "correct", id="exact-range-3"),
        pytest.param("0.000 mV", 0.0, 3, "exact", "correct", id="all-zero-counts-decimals"),
        pytest.param("4.955 mV", 4.955, 3, "exact", "incorrect", id="t-exact-half-needs-3-figures"),
        pytest.param("4.95 mV", 4.955, 3, "exact", "correct", id="t-exact-half-round-down"),
        pytest.param("4.96 mV", 4.955, 3, "exact", "correct", id="t-exact-half-round-up"),
    ],
)
def test_significant_figure_edges(text: str, value: float, n: int, rule: str, verdict: str) -> None:
    expected = {"kind": "numeric", "value": value, "unit": "mV", "sigfigs": n, "sigfig_rule": rule}
    assert check_answer(text, expected)["verdict"] == verdict


def test_sigfigs_ignore_rtol() -> None:
    assert grade("4.95 ms", TIME, rtol=0.0)["verdict"] == "correct"
    assert grade("4.90 ms", TIME, rtol=0.5)["verdict"] == "incorrect"


# --- misconceptions -----------------------------------------------------------------------------
NERNST = {**E_CL, "misconceptions": {"log10_without_factor": -27.83, "celsius_as_kelvin": -7.43, "gone": float("nan")}}


@pytest.mark.parametrize(
    ("text", "changes", "score", "feedback"),
    [
        pytest.param("-27.8 mV", {}, 0.0, "Your answer matches a known mistake: you used log10 without the factor 2.303 (ln 10).",
                     id="physics-registry-text"),
        pytest.param("-27.8 mV", {"misconception_credit": 0.25}, 0.25,
                     "Your answer matches a known mistake: you used log10 without the factor 2.303 (ln 10).", id="float-credit"),
        pytest.param("-7.43 mV", {"misconception_credit": {"celsius_as_kelvin": 0.5}}, 0.5,
                     "Your answer matches a known mistake: you used the Celsius temperature where the absolute temperature (K) belongs.",
                     id="per-name-credit"),
        pytest.param("-7.43 mV", {"misconception_feedback": {"celsius_as_kelvin": "you used °C, not K <sic>"}}, 0.0,
                     "Your answer matches a known mistake: you used °C, not K &lt;sic&gt;.", id="exam-text-escaped"),
        # Graded significant figures: a named mistake earns credit only with the figures the right
        # value would need (E_Cl to 3 figures), but is named either way.
        pytest.param("-27.8 mV", {"misconception_credit": 0.25, "sigfigs": 3}, 0.25,
                     "Your answer matches a known mistake: you used log10 without the factor 2.303 (ln 10).",
                     id="figures-right"),
        pytest.param("-27.83 mV", {"misconception_credit": 0.25, "sigfigs": 3}, 0.0,
                     "Your answer matches a known mistake: you used log10 without the factor 2.303 (ln 10). "
                     "Too many significant figures: you gave 4; this answer needs 3.", id="figures-too-many"),
        pytest.param("-27.83 mV", {"misconception_credit": 0.25, "sigfigs": 3, "sigfig_rule": "at_least"}, 0.25,
                     "Your answer matches a known mistake: you used log10 without the factor 2.303 (ln 10).",
                     id="figures-at-least"),
    ],
)
def test_misconceptions(text: str, changes: dict[str, Any], score: float, feedback: str) -> None:
    result = grade(text, NERNST, **changes)
    assert result["verdict"] == "incorrect"
    assert (result["score"], result["feedback"]) == (score, feedback)
    assert result["misconception"] in NERNST["misconceptions"]


def test_misconception_without_any_text_uses_readable_name() -> None:
    result = grade("1 mV", E_CL, misconceptions={"my_own_slip": 1.0})
    assert result["feedback"] == "Your answer matches a known mistake: my own slip."


def test_ambiguous_registry_name_falls_back_to_readable_name() -> None:
    # inverted_ratio exists for nernst and ghk_voltage with different texts
    result = grade("64.1 mV", E_CL, misconceptions={"inverted_ratio": 64.0877})
    assert (result["misconception"], result["feedback"]) == ("inverted_ratio", "Your answer matches a known mistake: inverted ratio.")


def test_misconception_comes_before_sign_error() -> None:
    assert grade("64.1 mV", E_CL, misconceptions={"inverted_ratio": 64.0877})["misconception"] == "inverted_ratio"
    assert grade("64.1 mV", E_CL)["feedback"] == fb.INCORRECT_SIGN


# A part computed from an earlier part's rounded key: DF = Vm − E_Cl = −71 − (−62.73) = −8.27 mV, and a
# student who writes E_Cl as −63 (2 figures, as asked) gets −8.0. ``allowance`` widens either rule.
DF: dict[str, Any] = {"kind": "numeric", "value": -8.27, "unit": "mV", "rtol": 0.01, "atol": 0.0}
ALLOWANCE = [
    ("-8.0 mV", {"sigfigs": 2, "allowance": 0.27}, "correct", fb.CORRECT),
    ("-8.3 mV", {"sigfigs": 2, "allowance": 0.27}, "correct", fb.CORRECT),
    ("-8.0 mV", {"sigfigs": 2}, "incorrect", fb.INCORRECT),  # 0.27 off: beyond 3 tolerances (0.25)
    ("-7.9 mV", {"sigfigs": 2, "allowance": 0.27}, "incorrect", NEAR_FIGURES.format(2)),  # 0.37 > 0.05 + 0.27
    ("-8.00 mV", {"sigfigs": 2, "allowance": 0.27}, "incorrect",
     "Too many significant figures: you gave 3; this answer needs 2."),
    ("-8.0 mV", {"allowance": 0.27}, "correct", fb.CORRECT),                     # tolerance: 0.083 + 0.27
    ("-8.0 mV", {}, "incorrect", fb.INCORRECT),
]


@pytest.mark.parametrize(("text", "changes", "verdict", "feedback"), ALLOWANCE,
                         ids=[f"{row[0]}-{'-'.join(row[1]) or 'plain'}" for row in ALLOWANCE])
def test_an_allowance_widens_either_rule(text: str, changes: dict[str, Any], verdict: str, feedback: str) -> None:
    result = grade(text, DF, **changes)
    assert (result["verdict"], result["feedback"]) == (verdict, feedback)


EDGE: dict[str, Any] = {"kind": "numeric", "value": -28.80000000000001, "unit": "pA", "rtol": 0.0, "atol": 0.5}


@pytest.mark.parametrize(("text", "verdict"), [("-28.3 pA", "correct"), ("-29.3 pA", "correct"),
                                               ("-28.29 pA", "incorrect"), ("-29.31 pA", "incorrect")])
def test_float_noise_in_a_key_does_not_move_the_tolerance_edge(text: str, verdict: str) -> None:
    assert grade(text, EDGE)["verdict"] == verdict


# --- spec errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"value": "x"}, "expected['value']: must be a finite number, got 'x'", id="value"),
        pytest.param({"rtol": -1}, "expected['rtol']: must be >= 0.0, got -1", id="rtol"),
        pytest.param({"unit": "mv"}, "expected['unit']: 'mv' is not a unit; did you mean 'mV'? (got 'mv')", id="unit"),
        pytest.param({"atol": 1, "atol_unit": "mM"}, "expected['atol_unit']: 'mM' has another dimension than unit 'mV'", id="atol-unit"),
        pytest.param({"sigfigs": 0}, "expected['sigfigs']: must be None or an integer >= 1, got 0", id="sigfigs"),
        pytest.param({"sigfig_rule": "loose"}, "expected['sigfig_rule']: must be one of exact, strict, at_least, got 'loose'", id="rule"),
        pytest.param({"misconception_credit": 2}, "expected['misconception_credit']: must be a score from 0 to 1, got 2", id="credit"),
        pytest.param({"allowance": -0.1}, "expected['allowance']: must be >= 0.0, got -0.1", id="allowance"),
        pytest.param({"kind": "essay"}, "expected['kind']: must be one of numeric, symbolic, choice, got 'essay'", id="kind"),
    ],
)
def test_bad_expected_raises_spec_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(GradingSpecError) as info:
        grade("-64.1 mV", E_CL, **changes)
    assert str(info.value) == message


def test_normalize_rejects_are_values() -> None:
    assert normalize("\x00", limit=200, what="number") == Rejected(fb.INVALID_CONTROL.format(code=0))
    assert normalize("10⁻¹", limit=200, what="number") == "10^-1"
    assert normalize("ｍＶ", limit=200, what="unit") == "mV"


def test_feedback_texts_changed_in_place_are_read_again() -> None:
    texts = {"inverted_ratio": "first text"}
    expected = {"kind": "numeric", "value": 61.5, "unit": "mV", "misconceptions": {"inverted_ratio": -61.5},
                "misconception_feedback": texts, "misconception_credit": 0.5}
    assert "first text" in check_answer("-61.5 mV", expected)["feedback"]
    texts["inverted_ratio"] = "second text"
    second = check_answer("-61.5 mV", expected)
    assert "second text" in second["feedback"] and second["score"] == 0.5
    expected["misconception_credit"] = 0.25
    assert check_answer("-61.5 mV", expected)["score"] == 0.25
