"""The bank expression language: parsing, located errors, vectorized evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from problemgen import expr
from problemgen.bank import unit_factor
from problemgen.functions import CONSTANTS, FUNCTIONS


def unit_value(symbol: str) -> float | None:
    try:
        return unit_factor(symbol)
    except ValueError:
        return None


def evaluate(source: str, **env: object) -> object:
    node = expr.parse(source, unit_value)
    return expr.compile_expression(node, FUNCTIONS)({**CONSTANTS, **env})


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("1 + 2 * 3", {}, 7.0),
        ("-2^2", {}, -4.0),
        ("2^-1", {}, 0.5),
        ("2 ** 3 ** 2", {}, 512.0),
        ("(1 + 2) * 3", {}, 9.0),
        ("5 mV", {}, 0.005),
        ("abs(Vm - E) > 5 mV", {"Vm": -0.07, "E": -0.064}, True),
        ("x > 1 and not x > 2", {"x": 1.5}, True),
        ("x < 1 or x > 2", {"x": 1.5}, False),
        ("nernst(150, 15, 1, kelvin(37))", {}, 0.0615404068580756),
        ("z(ion)", {"ion": "Ca2+"}, 2),
        ("fractional_concentration_change(1 um, 0.1, 15, 1, geometry=\"cylinder\")", {}, 2 * 0.01 * 0.1 / (96485.33212331001 * 15) / 1e-6),
        ("chord_potential([1, 1], [-0.09, 0.05])", {}, -0.02),
        ("max(1, 3, 2) + min(4, 5)", {}, 7.0),
        ("1e-3 * 2.5E2", {}, 0.25),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_expressions_evaluate(source: str, env: dict, expected: object) -> None:
    result = evaluate(source, **env)
    if isinstance(expected, bool):
        assert bool(result) is expected
    else:
        assert float(result) == pytest.approx(expected, rel=1e-12, abs=0)


def test_evaluation_is_vectorized_over_variants() -> None:
    result = evaluate("nernst(c_out, c_in, 1, 310.15)", c_out=np.array([150.0, 145.0]), c_in=np.array([15.0, 12.0]))
    assert result.shape == (2,)
    assert result[1] == pytest.approx(evaluate("nernst(145, 12, 1, 310.15)"), rel=1e-15)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1 +", "expression, column 4: expected a number, name, '(' or '[', found the end of the expression\n    1 +\n       ^"),
        ("a $ b", "expression, column 3: unexpected character '$'\n    a $ b\n      ^"),
        ("5 mv", "expression, column 3: 'mv' after a number is not a unit symbol\n    5 mv\n      ^"),
        ("f(a=1, 2)", "expression, column 8: positional argument after a keyword argument\n    f(a=1, 2)\n           ^"),
        ("1 < x < 3", "expression, column 7: chained comparisons are not allowed; join them with 'and'\n    1 < x < 3\n          ^"),
        ("(1 + 2", "expression, column 7: expected ')', found the end\n    (1 + 2\n          ^"),
        ("x.real", "expression, column 2: unexpected character '.'\n    x.real\n     ^"),
        ("[" * 50 + "1" + "]" * 50, "expression, column 42: expression nested deeper than 40 levels"),
    ],
    ids=["incomplete", "bad-character", "bad-unit", "keyword-order", "chained", "unclosed", "attribute", "deep"],
)
def test_parse_errors_are_located(source: str, message: str) -> None:
    with pytest.raises(expr.ExpressionError) as caught:
        expr.parse(source, unit_value)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("nernst(c_o, 1, 1, 1)", "expression, column 8: unknown name 'c_o'; defined here: c_in, c_out"),
        ("eval(c_in)", "expression, column 1: unknown function 'eval'; see the function list in banks/README.md"),
        ("__import__(c_in)", "expression, column 1: unknown function '__import__'; see the function list in banks/README.md"),
    ],
    ids=["unknown-name", "eval", "dunder-call"],
)
def test_unknown_names_and_functions_are_rejected(source: str, message: str) -> None:
    node = expr.parse(source, unit_value)
    with pytest.raises(expr.ExpressionError) as caught:
        expr.check_names(node, source, {"c_in", "c_out"}, FUNCTIONS)
    assert str(caught.value).splitlines()[0] == message
