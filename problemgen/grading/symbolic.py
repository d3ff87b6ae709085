"""Symbolic answers: equivalence by numeric sampling on the declared domains (grading rules §7).

``expected``: ``{"kind": "symbolic", "expression": str, "variables": {name: domain},
"constants": {name: float}, "functions": [names], "rtol": float, "atol": float}``, with domain
``"real"``, ``"positive"``, ``"nonnegative"``, ``"nonzero"``, ``[lo, hi]`` or
``{"values": [...]}``; optionally ``"misconceptions": {name: expression}`` (plus
``misconception_credit`` / ``misconception_feedback`` as for numeric answers).

The reference and the student's expression are evaluated at the same points, drawn from a fixed
seed (re-grading is deterministic): positive quantities log-uniformly over four decades
(1e-2..1e2) so that ratios fall on both sides of 1, real and nonzero ones as ±10^(-1..1),
intervals uniformly (log-uniformly when positive and spanning a decade or more), value sets by
choice. Points where the reference is not finite are dropped (we draw 64 candidates and keep the
first 12; fewer than 8 is a bank error). A point passes when |s − t| <= atol + rtol·|t| plus a
float slack of 1e-9·(|s| + |t|) + 1e-12·max|t| (cancellation in equivalent forms such as
``ln(co) - ln(ci)``); all points must pass, and a student value that is not finite where the
reference is finite is incorrect. No sympy: the optional CAS confirmation in a subprocess is not
implemented, so the sampling verdict stands.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from problemgen.errors import GradingSpecError
from problemgen.grading import feedback as fb
from problemgen.grading.expression import (
    BUILTIN_CONSTANTS,
    DEFAULT_FUNCTIONS,
    FUNCTIONS,
    Array,
    ExpressionProblem,
    Node,
    evaluate,
    parse_expression,
)
from problemgen.grading.normalize import Rejected, normalize
from problemgen.grading.spec import DEFAULT_SYMBOLIC_RTOL, misconception_options, require_number
from problemgen.numbers import format_sig

MAX_LENGTH = 500
SEED = 20_240_917
CANDIDATES = 64
POINTS = 12
MIN_POINTS = 8
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Domain = tuple[Any, ...]  # hashable: ("positive",), ("interval", lo, hi), ("values", v1, v2, ...)


def _domain(name: str, raw: Any) -> Domain:
    key = f"variables.{name}"
    if raw in ("real", "positive", "nonnegative", "nonzero"):
        return (raw,)
    if isinstance(raw, (list, tuple)) and len(raw) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in raw) and raw[0] < raw[1]:
        return ("interval", float(raw[0]), float(raw[1]))
    if isinstance(raw, Mapping) and isinstance(raw.get("values"), (list, tuple)) and raw["values"] and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in raw["values"]):
        return ("values", *map(float, raw["values"]))
    raise GradingSpecError(key, "must be 'real', 'positive', 'nonnegative', 'nonzero', [lo, hi] with lo < hi, "
                                f"or {{'values': [...]}}, got {raw!r}")


def _draw(domain: Domain, rng: np.random.Generator) -> Array:
    kind = domain[0]
    if kind in ("positive", "nonnegative"):
        return 10.0 ** rng.uniform(-2.0, 2.0, CANDIDATES)
    if kind in ("real", "nonzero"):
        return rng.choice([-1.0, 1.0], CANDIDATES) * 10.0 ** rng.uniform(-1.0, 1.0, CANDIDATES)
    if kind == "values":
        return rng.choice(np.array(domain[1:]), CANDIDATES)
    lo, hi = domain[1], domain[2]
    if lo > 0 and hi / lo >= 10:
        return 10.0 ** rng.uniform(math.log10(lo), math.log10(hi), CANDIDATES)
    return rng.uniform(lo, hi, CANDIDATES)


@dataclass(frozen=True)
class _Problem:
    """The hashable part of a symbolic ``expected``: what the reference evaluation depends on."""

    expression: str
    variables: tuple[tuple[str, Domain], ...]
    constants: tuple[tuple[str, float], ...]
    functions: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(BUILTIN_CONSTANTS) | {n for n, _ in self.variables} | {n for n, _ in self.constants}

    def parse(self, text: str) -> Node:
        return parse_expression(text, self.names, self.functions)


def _problem(expected: Mapping[str, Any]) -> _Problem:
    expression = expected.get("expression")
    if not isinstance(expression, str) or not expression.strip():
        raise GradingSpecError("expression", f"must be a non-empty string, got {expression!r}")
    variables, constants = expected.get("variables") or {}, expected.get("constants") or {}
    if not isinstance(variables, Mapping) or not isinstance(constants, Mapping):
        raise GradingSpecError("variables", "variables and constants must be dicts keyed by name")
    for name in [*variables, *constants]:
        if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
            raise GradingSpecError("variables", f"{name!r} is not a valid name")
    functions = expected.get("functions") or []
    unknown = [f for f in functions if f not in FUNCTIONS]
    if unknown:
        raise GradingSpecError("functions", f"{unknown[0]!r} is not available; use some of: {', '.join(FUNCTIONS)}")
    return _Problem(
        expression=expression,
        variables=tuple(sorted((n, _domain(n, d)) for n, d in variables.items())),
        constants=tuple(sorted((n, require_number(constants, n)) for n in constants)),
        functions=tuple(dict.fromkeys([*DEFAULT_FUNCTIONS, *functions])),
    )


def _parse_trusted(problem: _Problem, expression: str, key: str) -> Node:
    """A bank's expression, through the student normalisation and grammar; errors name the key."""
    text = normalize(expression, limit=10 * MAX_LENGTH, what="expression") if isinstance(expression, str) \
        else Rejected(f"must be a string, got {expression!r}")
    if isinstance(text, Rejected):
        raise GradingSpecError(key, text.feedback)
    try:
        return problem.parse(text)
    except ExpressionProblem as error:
        raise GradingSpecError(key, f"{error} (in {expression!r})") from error


@lru_cache(maxsize=256)
def _reference(problem: _Problem) -> tuple[dict[str, Array | float], Array]:
    """Sample points (variables and constants) and the reference values there, cached per problem."""
    node = _parse_trusted(problem, problem.expression, "expression")
    rng = np.random.default_rng(SEED)
    env: dict[str, Array | float] = {**BUILTIN_CONSTANTS, **dict(problem.constants)}
    env.update({name: _draw(domain, rng) for name, domain in problem.variables})
    with np.errstate(all="ignore"):
        values = np.broadcast_to(evaluate(node, env), (CANDIDATES,))
    keep = np.flatnonzero(np.isfinite(values))[:POINTS]
    if len(keep) < MIN_POINTS:
        raise GradingSpecError("expression", f"is finite at only {len(keep)} of {CANDIDATES} sample points; "
                                             "check the variable domains")
    points = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in env.items()}
    return points, values[keep]


def _matches(student: Array, reference: Array, rtol: float, atol: float) -> bool:
    slack = 1e-9 * (np.abs(student) + np.abs(reference)) + 1e-12 * float(np.max(np.abs(reference)))
    return bool(np.all(np.abs(student - reference) <= atol + rtol * np.abs(reference) + slack))


def _constant_factor(student: Array, reference: Array) -> float | None:
    """The factor k with student = k·reference at every point, if there is one (k != 1)."""
    nonzero = reference != 0
    if not np.any(nonzero):
        return None
    ratio = student[nonzero] / reference[nonzero]
    k = float(ratio[0])
    if not math.isfinite(k) or k == 0 or not np.allclose(ratio, k, rtol=1e-9, atol=0.0) or math.isclose(abs(k), 1.0):
        return None
    return k


def grade_symbolic(submitted: str, expected: Mapping[str, Any]) -> dict[str, Any]:
    """Grade one symbolic answer (issue 5 §1); never raises on ``submitted``."""
    problem = _problem(expected)
    rtol = require_number(expected, "rtol", DEFAULT_SYMBOLIC_RTOL, minimum=0.0)
    atol = require_number(expected, "atol", 0.0, minimum=0.0)
    named = misconception_options(expected)
    points, reference = _reference(problem)
    text = normalize(submitted, limit=MAX_LENGTH, what="expression")
    if isinstance(text, Rejected):
        return fb.invalid(text.feedback)
    try:
        node = problem.parse(text)
    except ExpressionProblem as problem_found:
        return fb.invalid(fb.INVALID_EXPRESSION.format(problem=fb.echo(str(problem_found), 160)))
    with np.errstate(all="ignore"):
        student = np.broadcast_to(evaluate(node, points), reference.shape).astype(float)
    if not np.all(np.isfinite(student)):
        return fb.incorrect(fb.INCORRECT_NOT_FINITE)
    if _matches(student, reference, rtol, atol):
        return fb.correct()
    wrong = expected.get("misconceptions") or {}
    for name, expression in wrong.items():
        with np.errstate(all="ignore"):
            values = evaluate(_parse_trusted(problem, expression, f"misconceptions.{name}"), points)
        if _matches(student, np.broadcast_to(values, reference.shape), rtol, atol):
            return fb.incorrect(fb.INCORRECT_MISCONCEPTION.format(text=named.text(name)),
                                misconception=name, score=named.credit(name))
    if _matches(-student, reference, rtol, atol):
        return fb.incorrect(fb.INCORRECT_SIGN)
    factor = _constant_factor(student, reference)
    if factor is not None:
        # Enough figures to tell the factor from 1 (2.303 for ln 10 shows as 1.0002, not 1.00).
        figures = min(8, max(3, math.ceil(-math.log10(abs(abs(factor) - 1))) + 1))
        return fb.incorrect(fb.INCORRECT_CONSTANT_FACTOR.format(factor=format_sig(factor, figures)))
    return fb.incorrect(fb.INCORRECT_NOT_EQUIVALENT)
