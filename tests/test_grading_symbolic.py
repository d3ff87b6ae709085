"""Symbolic answers: our own parser, the name and function whitelist, and sampling equivalence (rules §7)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from problemgen.errors import GradingSpecError
from problemgen.grading import check_answer
from problemgen.grading import feedback as fb
from problemgen.grading.expression import Bin, Num, Var, parse_expression, split_suggestion

CHARGE: dict[str, Any] = {
    "kind": "symbolic", "expression": "3*Cm*dV/(z*F*r*c)",
    "variables": {"Cm": "positive", "dV": "real", "z": {"values": [1, -1, 2, -2]}, "r": "positive", "c": "positive"},
    "constants": {"F": 96485.33212}, "rtol": 1e-6,
}
NERNST: dict[str, Any] = {
    "kind": "symbolic", "expression": "R*T/(z*F)*ln(co/ci)",
    "variables": {"T": [250, 350], "z": {"values": [1, -1, 2, -2]}, "co": "positive", "ci": "positive"},
    "constants": {"R": 8.314462618, "F": 96485.33212}, "rtol": 1e-3,
}


def grade(text: str, expected: dict[str, Any] = NERNST, **changes: Any) -> dict[str, Any]:
    return check_answer(text, {**expected, **changes})


def unread(problem: str) -> str:
    return fb.INVALID_EXPRESSION.format(problem=problem)


SYMBOLIC = [
    # §11 examples
    ("3 Cm dV/(z F r c)", CHARGE, {}, "correct", fb.CORRECT),
    ("3*CmdV/(z*F*r*c)", CHARGE, {}, "invalid", unread("'CmdV' is not a symbol of this problem; did you mean Cm*dV?")),
    # equivalence by sampling
    ("R*T/(z*F)*(ln(co) - ln(ci))", NERNST, {}, "correct", fb.CORRECT),
    ("R T/(z F) ln(co/ci)", NERNST, {}, "correct", fb.CORRECT),
    ("R*T/(z*F)*log(co/ci)", NERNST, {}, "correct", fb.CORRECT),
    ("-R*T/(z*F)*ln(ci/co)", NERNST, {}, "correct", fb.CORRECT),
    ("2.303*R*T/(z*F)*log10(co/ci)", NERNST, {}, "correct", fb.CORRECT),
    ("2.303*R*T/(z*F)*log10(co/ci)", NERNST, {"rtol": 1e-6}, "incorrect",
     "Your expression is off by a constant factor (about 1.0002)."),
    ("8.314462618*T/(z*96485.33212)*ln(co/ci)", NERNST, {"rtol": 1e-9}, "correct", fb.CORRECT),
    ("8.314*T/(z*96485)*ln(co/ci)", NERNST, {}, "correct", fb.CORRECT),
    ("8.314*T/(z*96485)*ln(co/ci)", NERNST, {"rtol": 1e-6}, "incorrect", "Your expression is off by a constant factor (about 0.999948)."),
    ("R*T/(z*F)*log10(co/ci)", NERNST, {}, "incorrect", "Your expression is off by a constant factor (about 0.434)."),
    ("R*T/(z*F)*ln(ci/co)", NERNST, {}, "incorrect", fb.INCORRECT_SIGN),
    ("R*T/F*ln(co/ci)", NERNST, {}, "incorrect", fb.INCORRECT_NOT_EQUIVALENT),
    ("R*T/(z*F)*ln(co/ci)/(co-co)", NERNST, {}, "incorrect", fb.INCORRECT_NOT_FINITE),
    # implicit multiplication and precedence
    ("R T ln(co/ci)/(z F)", NERNST, {}, "correct", fb.CORRECT),
    ("(R T)(ln(co/ci))/(z F)", NERNST, {}, "correct", fb.CORRECT),
    ("1/(z F) R T ln(co/ci)", NERNST, {}, "correct", fb.CORRECT),
    ("R*T/(z*F)*ln(co/ci)^1", NERNST, {}, "correct", fb.CORRECT),
    ("R*T/(z*F)*ln((co/ci)^2)/2", NERNST, {}, "correct", fb.CORRECT),
    ("R*T/(z*F)*ln((co/ci)**2)/2", NERNST, {}, "correct", fb.CORRECT),
    ("R·T/(z×F)·ln(co/ci)", NERNST, {}, "correct", fb.CORRECT),
    ("R*T/(z*F)*ln(co/ci) \u2212 0", NERNST, {}, "correct", fb.CORRECT),
    # names
    ("RT/(zF)*ln(co/ci)", NERNST, {}, "invalid", unread("'RT' is not a symbol of this problem; did you mean R*T?")),
    ("k*T/q*ln(co/ci)", NERNST, {}, "invalid", unread("'k' is not a symbol of this problem")),
    ("R*T/(z*F)*ln(co/ci) + 0*x", NERNST, {}, "invalid", unread("'x' is not a symbol of this problem")),
    ("__import__", NERNST, {}, "invalid", unread("'__import__' is not a symbol of this problem")),
    ("lambda", NERNST, {}, "invalid", unread("'lambda' is not a symbol of this problem")),
    ("ln co", NERNST, {}, "invalid", unread("'ln' is a function; write its argument in parentheses: ln(...)")),
    ("log(co, 10)", NERNST, {}, "invalid", unread("',' is not allowed; every function takes one argument, and decimals use '.'")),
    ("factorial(co)", NERNST, {}, "invalid", unread("'factorial' is not an allowed function")),
    ("sin(co)", NERNST, {}, "invalid", unread("'sin' is not an allowed function")),
    ("E = R*T", NERNST, {}, "invalid", unread("'=' is not allowed; enter only the expression, without '=' or a comparison")),
    ("co.real", NERNST, {}, "invalid", unread("'.' is not allowed; use only names, numbers, + - * / ^ and parentheses")),
    ("co 2", NERNST, {}, "invalid", unread("write '*' before the number '2'")),
    ("(co", NERNST, {}, "invalid", unread("unbalanced parentheses")),
    ("co)", NERNST, {}, "invalid", unread("unbalanced parentheses")),
    ("co*", NERNST, {}, "invalid", unread("the expression ends too early")),
    ("", NERNST, {}, "invalid", fb.INVALID_EMPTY),
]


@pytest.mark.parametrize(("text", "expected", "changes", "verdict", "feedback"), SYMBOLIC,
                         ids=[f"{row[0][:40]}-{row[2]}" for row in SYMBOLIC])
def test_symbolic_table(text: str, expected: dict[str, Any], changes: dict[str, Any], verdict: str, feedback: str) -> None:
    result = grade(text, expected, **changes)
    assert (result["verdict"], result["feedback"]) == (verdict, feedback)
    assert result["value"] is None


# --- scientific notation: the open decision of §7 is "a literal" --------------------------------
@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        pytest.param("2e-3*x", "correct", id="literal-with-sign"),
        pytest.param("0.2E-2 x", "correct", id="capital-E-and-implicit"),
        pytest.param("2*e-3", "incorrect", id="explicit-euler"),
        pytest.param("2 e - 3", "incorrect", id="spaced-euler"),
        pytest.param("2e -3", "incorrect", id="space-breaks-the-literal"),
        pytest.param("2e12345*x", "invalid", id="exponent-digits-capped"),
    ],
)
def test_scientific_notation_is_a_literal(text: str, verdict: str) -> None:
    expected = {"kind": "symbolic", "expression": "0.002*x", "variables": {"x": "positive"}, "rtol": 1e-9}
    assert check_answer(text, expected)["verdict"] == verdict


def test_euler_e_and_pi() -> None:
    expected = {"kind": "symbolic", "expression": "exp(1)*pi*x", "variables": {"x": "positive"}}
    assert check_answer("e pi x", expected)["verdict"] == "correct"
    assert check_answer("2.718281828459045*3.141592653589793*x", expected)["verdict"] == "correct"


def test_declared_e_shadows_euler() -> None:
    expected = {"kind": "symbolic", "expression": "z*e*V", "variables": {"z": "nonzero", "e": "positive", "V": "real"}}
    assert check_answer("z e V", expected)["verdict"] == "correct"
    assert check_answer("z*2.718281828459045*V", expected)["verdict"] == "incorrect"


def test_greek_letters_map_to_names() -> None:
    expected = {"kind": "symbolic", "expression": "tau*Delta", "variables": {"tau": "positive", "Delta": "positive"}}
    assert check_answer("τ Δ", expected)["verdict"] == "correct"
    assert check_answer("τ*Δ", expected)["verdict"] == "correct"


def test_extra_functions_are_per_problem() -> None:
    expected = {"kind": "symbolic", "expression": "sin(x)^2 + cos(x)^2", "variables": {"x": "real"}, "functions": ["sin", "cos"]}
    assert check_answer("1", expected)["verdict"] == "correct"


def test_domains_interval_values_and_nonnegative() -> None:
    expected = {"kind": "symbolic", "expression": "sqrt(x^2)", "variables": {"x": "nonnegative"}}
    assert check_answer("x", expected)["verdict"] == "correct"
    on_reals = {**expected, "variables": {"x": "real"}}
    assert check_answer("x", on_reals)["verdict"] == "incorrect"
    assert check_answer("abs(x)", on_reals)["verdict"] == "correct"
    interval = {**expected, "variables": {"x": [-3, -1]}}
    assert check_answer("-x", interval)["verdict"] == "correct"


def test_misconception_expressions() -> None:
    expected = {**NERNST, "misconceptions": {"log10_without_factor": "R*T/(z*F)*log10(co/ci)"},
                "misconception_credit": 0.5}
    result = grade("R*T/(z*F)*log10(co/ci)", expected)
    assert result == {"verdict": "incorrect", "score": 0.5, "misconception": "log10_without_factor", "value": None,
                      "feedback": "Your answer matches a known mistake: you used log10 without the factor 2.303 (ln 10)."}


def test_sampling_is_deterministic() -> None:
    assert [grade("R*T/(z*F)*log10(co/ci)")["feedback"] for _ in range(3)] == [
        "Your expression is off by a constant factor (about 0.434)."] * 3


def test_no_sympy_on_any_grading_path() -> None:
    # GIVEN a fresh interpreter WHEN every kind of answer is graded THEN sympy was never imported
    code = (
        "import sys\n"
        "from problemgen.grading import check_answer\n"
        f"check_answer('R*T', {NERNST!r})\n"
        "check_answer('-64.1 mV', {'kind': 'numeric', 'value': -64.0877, 'unit': 'mV', 'misconceptions': {'x': 1.0}})\n"
        "check_answer('1 mV', {'kind': 'numeric', 'value': -64.0877, 'unit': 'mV', 'misconceptions': {'x': 1.0}})\n"
        "check_answer('influx', {'kind': 'choice', 'answer': 'influx', 'options': ['influx', 'efflux']})\n"
        "assert 'sympy' not in sys.modules, 'sympy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_numeric_and_choice_grading_never_import_numpy() -> None:
    # GIVEN a fresh interpreter WHEN the batch grader is loaded and numeric and choice answers are
    # graded (with the manifest's feedback texts, as batch grading has them) THEN numpy was never
    # imported (a run of numeric parts starts without it)
    code = (
        "import sys\n"
        "import problemgen.results\n"
        "from problemgen.grading import check_answer\n"
        "check_answer('-64.1 mV', {'kind': 'numeric', 'value': -64.0877, 'unit': 'mV', 'sigfigs': 3})\n"
        "check_answer('1 mV', {'kind': 'numeric', 'value': -64.0877, 'unit': 'mV', 'misconceptions': {'x': 1.0},\n"
        "                      'misconception_feedback': {'x': 'You used x.'}})\n"
        "check_answer('influx', {'kind': 'choice', 'answer': 'influx', 'options': ['influx', 'efflux']})\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"expression": "R*T/(z*F"}, "expected['expression']: unbalanced parentheses (in 'R*T/(z*F')", id="bad-reference"),
        pytest.param({"expression": "k*T"}, "expected['expression']: 'k' is not a symbol of this problem (in 'k*T')", id="undeclared"),
        pytest.param({"variables": {"x": "complex"}}, "expected['variables.x']: must be 'real', 'positive', 'nonnegative', 'nonzero', "
                     "[lo, hi] with lo < hi, or {'values': [...]}, got 'complex'", id="domain"),
        pytest.param({"functions": ["eval"]}, "expected['functions']: 'eval' is not available; use some of: log, ln, log10, exp, "
                     "sqrt, abs, log2, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh", id="function"),
        pytest.param({"expression": "sqrt(-T)"}, "expected['expression']: is finite at only 0 of 64 sample points; check the variable domains",
                     id="nowhere-finite"),
    ],
)
def test_bad_symbolic_spec(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(GradingSpecError) as info:
        grade("R*T", NERNST, **changes)
    assert str(info.value) == message


# --- the parser on its own ----------------------------------------------------------------------
def test_parser_builds_ast_with_implicit_multiplication_at_product_precedence() -> None:
    assert parse_expression("1/2x", {"x"}, ()) == Bin("*", Bin("/", Num(1.0), Num(2.0)), Var("x"))
    assert parse_expression("-x^2", {"x"}, ()) == parse_expression("-(x^2)", {"x"}, ())


@pytest.mark.parametrize(
    ("name", "names", "suggestion"),
    [
        pytest.param("RT", ["R", "T"], "R*T", id="two"),
        pytest.param("CmdV", ["Cm", "dV", "C", "m", "d", "V"], "Cm*dV", id="fewest-parts"),
        pytest.param("co", ["co", "c", "o"], None, id="a-declared-name-is-not-split"),
        pytest.param("xyz", ["x", "y"], None, id="no-split"),
    ],
)
def test_split_suggestion(name: str, names: list[str], suggestion: str | None) -> None:
    assert split_suggestion(name, names) == suggestion
