"""Hostile input: check_answer never raises, always returns a verdict, and rejects attacks quickly (rules §9).

The 250 ms in-process budget is measured in benchmarks/bench_check_answer.py; the bound here is a
generous 1 s so that a slow CI machine does not make the suite flaky.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problemgen.grading import VERDICTS, check_answer

NUMERIC: dict[str, Any] = {"kind": "numeric", "value": -64.0877, "unit": "mV", "rtol": 0.01,
                           "misconceptions": {"log10_without_factor": -27.83}}
FIGURES: dict[str, Any] = {"kind": "numeric", "value": 4.9526, "unit": "ms", "sigfigs": 3, "sigfig_rule": "at_least",
                           "unit_required": False}
RATIO: dict[str, Any] = {"kind": "numeric", "value": 0.25, "unit": "", "rtol": 0.01}
SYMBOLIC: dict[str, Any] = {
    "kind": "symbolic", "expression": "R*T/(z*F)*ln(co/ci)",
    "variables": {"T": [250, 350], "z": {"values": [1, -1, 2, -2]}, "co": "positive", "ci": "positive"},
    "constants": {"R": 8.314462618, "F": 96485.33212}, "rtol": 1e-3,
}
CHOICE: dict[str, Any] = {"kind": "choice", "answer": "influx", "options": ["influx", "efflux"]}
NUMERIC_CHOICE: dict[str, Any] = {"kind": "choice", "answer": "−64.1 mV", "options": ["−64.1 mV", "64.1 mV", "−27.8 mV"],
                                  "values": {"−64.1 mV": -64.0877, "64.1 mV": 64.0877, "−27.8 mV": -27.83},
                                  "unit": "mV", "rtol": 0.01, "figures": 3,
                                  "misconceptions": {"log10_without_factor": "−27.8 mV"}}
ALL = {"numeric": NUMERIC, "figures": FIGURES, "ratio": RATIO, "symbolic": SYMBOLIC, "choice": CHOICE,
       "numeric-choice": NUMERIC_CHOICE}
KEYS = {"verdict", "score", "feedback", "misconception", "value"}


def assert_well_formed(result: dict[str, Any]) -> None:
    assert set(result) == KEYS
    assert result["verdict"] in VERDICTS
    assert 0.0 <= result["score"] <= 1.0
    assert isinstance(result["feedback"], str) and result["feedback"]
    if result["verdict"] == "invalid":
        assert result["score"] == 0.0 and result["value"] is None and result["misconception"] is None
    assert "<" not in result["feedback"] and ">" not in result["feedback"]  # echoed text is escaped


# Text near the grammars, so hypothesis also reaches the deep branches, plus any Unicode.
NEAR = st.text(alphabet=list("0123456789.,eE+-−–×x*·^⁻⁺²³ /()mVμµuAΩΩMsSFLcmnpk\u00a0\u2009_RTzFlnogexpci°%"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=600), NEAR), st.sampled_from(sorted(ALL)))
def test_check_answer_never_raises(text: str, kind: str) -> None:
    assert_well_formed(check_answer(text, ALL[kind]))


@pytest.mark.parametrize("submitted", [None, 42, b"-64.1 mV", ["-64.1 mV"]], ids=["none", "int", "bytes", "list"])
@pytest.mark.parametrize("kind", sorted(ALL))
def test_non_strings_are_invalid(submitted: Any, kind: str) -> None:
    result = check_answer(submitted, ALL[kind])
    assert_well_formed(result)
    assert result["verdict"] == "invalid"


MALICIOUS = [
    # code
    "__import__('os').system('ls')", "lambda: 1", "getattr(co, 'x')", "[x for x in ()]", "f'{co}'",
    "co if co else ci", "exec('1')", "eval(co)", "open('/etc/passwd')", "co.__class__",
    # power towers and huge numbers
    "9**9**9", "10^10^10", "2**(2**64)", "co^co^co", "2^1000", "1e123456789", "9" * 5000,
    # whitelist probes
    "factorial(co)", "N(co)", "Symbol('x')", "sympify('1')", "gamma(co)",
    # nesting and chains
    "(" * 300 + "co" + ")" * 300, "(" * 25 + "co" + ")" * 25, "-" * 400 + "co", "co*" * 250 + "co",
    "exp(" * 30 + "co" + ")" * 30, "mV*" * 60 + "mV", "1 " + "(" * 3 + "mV" + ")" * 3,
    # invisible and bidi characters, combining marks
    "\u202e1.46-", "-6\u200b4.1 mV", "\ufeff-64.1 mV", "-64.1 mV\u2066", "e\u0301\u0302\u0303", "\x00", "\x1b[31m",
    # markup, templates, SQL
    "<script>alert(1)</script>", "{{7*7}}", "${7*7}", "'; DROP TABLE grades; --", "-64.1 mV; DROP TABLE x",
    # long inputs
    " " * 100_000 + "-64.1 mV", "a" * 1_000_000,
]


@pytest.mark.parametrize("kind", sorted(ALL))
@pytest.mark.parametrize("text", MALICIOUS, ids=[repr(t)[:30] for t in MALICIOUS])
def test_malicious_input_is_invalid_quickly(text: str, kind: str) -> None:
    start = time.perf_counter()
    result = check_answer(text, ALL[kind])
    elapsed = time.perf_counter() - start
    assert_well_formed(result)
    assert result["verdict"] == "invalid"
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("1" + "0" * 199, "figures", id="long-number"),
        pytest.param("co*" * 165 + "co", "symbolic", id="long-product-within-cap"),
        pytest.param("(" * 20 + "co" + ")" * 20, "symbolic", id="depth-20-is-allowed"),
        pytest.param("exp(exp(exp(co)))", "symbolic", id="overflow-to-inf"),
    ],
)
def test_long_but_well_formed_input_is_graded_quickly(text: str, kind: str) -> None:
    start = time.perf_counter()
    result = check_answer(text, ALL[kind])
    assert_well_formed(result)
    assert result["verdict"] == "incorrect"
    assert time.perf_counter() - start < 1.0
