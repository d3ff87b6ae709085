"""Feedback text (module constants) and the result dictionary every grader returns.

Feedback is HTML-safe text: our constants contain no markup, and every piece of student text
inserted into them goes through :func:`echo` (HTML-escaped, shortened). ``invalid`` feedback
talks only about the *form* of the answer, never about whether the number or expression is
right (grading rules §1): nothing in the INVALID_* texts depends on the expected value. (A "did
you mean" unit suggestion prefers the box's dimension, which the box shows anyway.)
"""

from __future__ import annotations

import html
import math
from typing import Any

CORRECT = "Correct."

# --- invalid: the answer is not well-formed; not graded, the attempt is not used ---------------
INVALID_EMPTY = "Your answer is empty."
INVALID_TOO_LONG = "Your answer is longer than {limit} characters; enter a single {what}."
INVALID_CONTROL = ("Your answer contains an invisible or control character (U+{code:04X}); "
                   "retype it instead of pasting it.")
INVALID_COMBINING = "Your answer contains a run of combining accents; retype it instead of pasting it."
INVALID_NOT_A_NUMBER = ("'{text}' is not a number we can read; write one number: digits with a decimal point, a minus "
                        "sign if it is negative, and e-2 or ×10^-2 for a power of ten.")
INVALID_ONE_NUMBER = ("Enter one number followed by its unit: no arithmetic, ranges, percentages, "
                      "± errors or spaces inside the number.")
INVALID_PERCENT = ("Leave out the % sign and give the number the question asks for: a number of percent if it asks "
                   "for a percentage, a fraction (a half is 0.5) if it asks for a fraction.")
INVALID_GROUPING = ("'{text}' is ambiguous; write the number without thousands separators "
                    "(for example 2750 or 2.75).")
INVALID_EXPONENT_FORM = ("Write powers of ten as 3.2e-4, 3.2×10^-4 or 3.2×10^(-4) (with a caret, and no spaces "
                         "inside the exponent).")
INVALID_FINAL_PERIOD = ("Remove the period at the end of your answer: a period is read only as a decimal point "
                        "(write 120. only to show that its zero is significant).")
INVALID_EXPONENT_RANGE = "The power of ten in your answer is out of range (at most 4 digits)."
INVALID_NOT_FINITE = "Your number is too large to read."
INVALID_UNIT_REQUIRED = "Your answer needs a unit after the number."
INVALID_NO_UNIT_EXPECTED = "This answer has no unit; enter the number alone."
INVALID_UNIT = "The unit could not be read ({problem})."
INVALID_CHOICE = "'{text}' is not one of the options; answer with exactly one of: {options}."
INVALID_EXPRESSION = "Your expression could not be read ({problem})."

# --- incorrect: well-formed but wrong; each names a category -------------------------------------
INCORRECT = "Incorrect."
INCORRECT_DIMENSION = "Your unit, {unit}, measures {found}, but this answer is {expected}."
INCORRECT_DIMENSIONLESS_UNIT = ("Your unit, {unit}, is dimensionless (its units cancel), but this answer is "
                                "{expected}.")
INCORRECT_DIMENSION_UNNAMED = "Your unit, {unit}, is not a unit of {expected}, which this answer is."
INCORRECT_DIMENSION_SPACED = ("Your unit, {unit}, is not a unit of {expected}, which this answer is: a space between "
                              "units multiplies them ({product}); write one unit with its prefix attached, such as "
                              "{example}.")
INCORRECT_SIGN = "The sign is wrong; check the direction and the sign convention."
INCORRECT_NEAR_MISS = ("Close, but outside the tolerance ({tolerance}); check your rounding of intermediate "
                       "steps and the constants and temperature you used.")
INCORRECT_NEAR_MISS_FIGURES = ("Close, but not the right value to {needed} significant figures; keep more figures in "
                               "intermediate steps and round only the final answer.")
INCORRECT_FACTOR_OF_TEN = "Your value is off by a factor of 10^{k}; check the unit prefixes and conversions."
INCORRECT_TOO_MANY_FIGURES = "Too many significant figures: you gave {given}; this answer needs {needed}."
INCORRECT_TOO_FEW_FIGURES = "Too few significant figures: you gave {given}; this answer needs {needed}."
INCORRECT_MISROUNDED = "The number of significant figures is right, but the last digit is wrongly rounded."
INCORRECT_MISCONCEPTION = "Your answer matches a known mistake: {text}."
INCORRECT_NOT_EQUIVALENT = "Your expression is not equivalent to the correct one."
INCORRECT_NOT_FINITE = "Your expression is undefined (or infinite) for some allowed values of its variables."
INCORRECT_CONSTANT_FACTOR = "Your expression is off by a constant factor (about {factor})."
INCORRECT_CHOICE = "Incorrect."

_ECHO_LIMIT = 40


def echo(text: str, limit: int = _ECHO_LIMIT) -> str:
    """Student text made safe to show: shortened to ``limit`` characters and HTML-escaped.

    ``&``, ``<`` and ``>`` are escaped, quotes are not: feedback is element content (in HTML
    reports, and verbatim in Markdown and CSV), where quotes are harmless and ``&#x27;mV&#x27;``
    would be unreadable. A template putting feedback into an attribute must escape it there.
    """
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False)


def readable(name: str) -> str:
    """A misconception identifier as words: ``log10_without_factor`` -> ``log10 without factor``."""
    return name.replace("_", " ").strip()


def result(verdict: str, feedback: str, *, score: float = 0.0, misconception: str | None = None,
           value: float | None = None) -> dict[str, Any]:
    """The contract dictionary: verdict, score, feedback, misconception, value (issue 5 §1)."""
    if value is not None:
        value = float(value) + 0.0  # never report -0.0
        if not math.isfinite(value):
            value = None  # beyond a float in the expected unit (1e308 TV in mV): no value, and JSON stays valid
    return {"verdict": verdict, "score": score, "feedback": feedback, "misconception": misconception,
            "value": value}


def invalid(feedback: str) -> dict[str, Any]:
    """Not a well-formed answer: no score, no value, nothing about correctness."""
    return result("invalid", feedback)


def correct(value: float | None = None) -> dict[str, Any]:
    """Full credit."""
    return result("correct", CORRECT, score=1.0, value=value)


def incorrect(feedback: str, *, value: float | None = None, misconception: str | None = None,
              score: float = 0.0) -> dict[str, Any]:
    """Well-formed but wrong; ``score`` is the partial credit of a named misconception, if any."""
    return result("incorrect", feedback, score=score, misconception=misconception, value=value)
