"""Solve templates: derive once per template, evaluate every variant at once with numpy.

Explicit answers are already closed forms: their parsed expression compiles once into a numpy
closure. "Solve relation R for unknown X" parts are solved symbolically by sympy once per
(relation, unknown) and lambdified. Misconception values re-evaluate the same expressions
with one physics function swapped for its wrong twin from
:mod:`problemgen.physics.misconceptions`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from problemgen import expr
from problemgen.bank import unit_factor
from problemgen.errors import BankError, PhysicsInputError, ProblemgenError, SamplingError
from problemgen.functions import CONSTANTS, FUNCTIONS
from problemgen.model import Param, Part, Template
from problemgen.physics import misconceptions_for

Functions = Mapping[str, Callable[..., Any]]


@functools.cache
def solved_relation(relation: str, unknown: str) -> tuple[tuple[str, ...], tuple[Callable[..., Any], ...]]:
    """Solve a relation for ``unknown`` with sympy (once) and lambdify every solution.

    Returns the argument names (the relation's other variables, in order) and one numpy
    function per symbolic solution.
    """
    import sympy

    from problemgen.physics import relation as lookup
    from problemgen.physics.relations import constant_values

    rel = lookup(relation)
    symbols = rel.symbols()
    names = tuple(v.name for v in (rel.output, *rel.inputs) if v.name != unknown)
    solutions = rel.solve_for(unknown)
    if not solutions:
        raise SamplingError(f"sympy found no solution of {relation} for {unknown}")
    args = [symbols[n] for n in names]
    # lambdify sees only sympy objects built from our own relation definitions, never text.
    return names, tuple(sympy.lambdify(args, s.subs(constant_values()), modules="numpy") for s in solutions)


def misconception_table(name: str, used: set[str]) -> dict[str, Callable[..., Any]]:
    """The function table with every used function that has misconception ``name`` swapped."""
    swapped = {f: misconceptions_for(f)[name].wrong for f in used if name in misconceptions_for(f)}
    return {**FUNCTIONS, **swapped}


def applicable_functions(name: str, used: set[str]) -> list[str]:
    """Functions among ``used`` that define misconception ``name``."""
    return sorted(f for f in used if name in misconceptions_for(f))


@dataclass(frozen=True)
class Solved:
    """Everything computed for a batch of variants (arrays over variants)."""

    env: dict[str, Any]
    """Name -> SI value: parameters, derived parameters and numeric answers (words for choices)."""
    accepted: np.ndarray
    """Boolean per variant: every constraint holds and every answer is finite."""
    failures: dict[str, np.ndarray]
    """Constraint source (or ``answer <part>``) -> boolean per variant where it failed."""


class TemplateSolver:
    """A template compiled once: expressions parsed, closures built, dependencies known."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.factors = {p.name: unit_factor(p.unit) for p in template.params}
        self.part_factors = {p.name: unit_factor(p.unit) for p in template.parts}
        self._compiled: dict[str, dict[str, expr.Evaluator]] = {}
        self.uses = self._dependencies()
        self.own = self._dependencies(through_parts=False)

    def _dependencies(self, through_parts: bool = True) -> dict[str, set[str]]:
        """Part or derived name -> every function it calls, through derived params and (unless
        ``through_parts`` is false) the earlier parts it uses."""
        uses: dict[str, set[str]] = {}
        for param in self.template.params:
            if param.node is not None:
                uses[param.name] = expr.functions_used(param.node) | set().union(
                    *(uses.get(n, set()) for n in expr.names_used(param.node)))
        parts: dict[str, set[str]] = {}
        for part in self.template.parts:
            nodes = [part.node] if part.node is not None else list(part.solve.nodes.values()) if part.solve else []
            known = {**uses, **parts} if through_parts else uses
            called: set[str] = set()
            for node in nodes:
                called |= expr.functions_used(node) | set().union(*(known.get(n, set()) for n in expr.names_used(node)))
            if part.solve:
                called.add(part.solve.relation)
            parts[part.name] = called
        return {**uses, **parts}

    def closures(self, table_key: str, table: Functions) -> dict[str, expr.Evaluator]:
        """Compiled closures of every expression for one function table (cached by key)."""
        if table_key not in self._compiled:
            compiled: dict[str, expr.Evaluator] = {}
            for param in self.template.params:
                if param.node is not None:
                    compiled[param.name] = expr.compile_expression(param.node, table)
            for part in self.template.parts:
                if part.node is not None:
                    compiled[part.name] = expr.compile_expression(part.node, table)
                elif part.solve is not None:
                    for name, node in part.solve.nodes.items():
                        compiled[f"{part.name}.{name}"] = expr.compile_expression(node, table)
            for i, (_, node) in enumerate(self.template.constraints):
                compiled[f"constraint {i}"] = expr.compile_expression(node, table)
            self._compiled[table_key] = compiled
        return self._compiled[table_key]

    def evaluate(self, values: Mapping[str, np.ndarray], table_key: str = "", table: Functions = FUNCTIONS,
                 stop_after: str | None = None, earlier_parts_right: bool = False,
                 derived_only: bool = False) -> dict[str, Any]:
        """Evaluate derived parameters and answers for displayed random values (arrays).

        With ``earlier_parts_right``, the parts before ``stop_after`` keep their right values (from
        the standard functions): only ``stop_after`` itself is computed with ``table``.
        """
        from problemgen.numbers import round_sig

        right = self.evaluate(values, stop_after=stop_after) if earlier_parts_right else None
        closures = self.closures(table_key, table)
        env: dict[str, Any] = dict(CONSTANTS)
        for param in self.template.params:
            if param.kind != "derived":
                raw = values[param.name]
                env[param.name] = raw * self.factors[param.name] if raw.dtype.kind in "fiu" else raw
                continue
            value = np.asarray(closures[param.name](env), dtype=float)
            if param.sigfigs or param.decimals is not None:
                # What the sheet shows is what the answers use.
                display = value / self.factors[param.name]
                display = round_sig(display, param.sigfigs) if param.sigfigs else np.round(display, param.decimals)
                value = display * self.factors[param.name]
            env[param.name] = value
        if derived_only:
            return env
        for part in self.template.parts:
            if right is not None and part.name != stop_after:
                env[part.name] = right[part.name]
            else:
                env[part.name] = self._answer(part, env, closures)
            if part.name == stop_after:
                break
        return env

    def _answer(self, part: Part, env: dict[str, Any], closures: dict[str, expr.Evaluator]) -> Any:
        if part.kind == "symbolic":
            return part.expression
        if part.solve is None:
            return closures[part.name](env)
        names, functions = solved_relation(part.solve.relation, part.solve.unknown)
        args = [closures[f"{part.name}.{n}"](env) for n in names]
        candidates = []
        for function in functions:
            with np.errstate(all="ignore"):
                candidates.append(np.asarray(function(*args), dtype=complex))
        for candidate in candidates:
            if np.all(np.isfinite(candidate)) and np.all(np.abs(candidate.imag) <= 1e-12 * np.abs(candidate.real)):
                return candidate.real
        return candidates[0].real if candidates else np.nan

    def solve(self, values: Mapping[str, np.ndarray], rows: int | None = None) -> Solved:
        """Evaluate a batch of ``rows`` draws (default: the length of the value arrays; a template
        without parameters has none) and check constraints and finiteness."""
        with np.errstate(all="ignore"):
            try:
                env = self.evaluate(values)
            except PhysicsInputError as error:
                raise self.unphysical(values, error) from None
            closures = self.closures("", FUNCTIONS)
            n = rows if rows is not None else len(next(iter(values.values()))) if values else 1
            failures: dict[str, np.ndarray] = {}
            for param in self.template.params:
                if param.kind == "derived":
                    failures[f"derived {param.name}"] = ~np.isfinite(np.broadcast_to(env[param.name], (n,)))
            for i, (source, _) in enumerate(self.template.constraints):
                holds = np.broadcast_to(np.asarray(closures[f"constraint {i}"](env), dtype=bool), (n,))
                failures[source] = ~holds
            for part in self.template.parts:
                value = env[part.name]
                if part.kind != "symbolic" and np.asarray(value).dtype.kind in "fc":
                    failures[f"answer {part.name}"] = ~np.isfinite(np.broadcast_to(value, (n,)))
        accepted = np.ones(n, dtype=bool)
        for failed in failures.values():
            accepted &= ~failed
        return Solved(env, accepted, failures)

    def non_finite_derived(self, values: Mapping[str, np.ndarray]) -> list[tuple[Param, float, int, int]]:
        """Derived parameters that overflow or are undefined for some draws: (parameter, an example
        value, how many draws, of how many)."""
        try:
            with np.errstate(all="ignore"):
                env = self.evaluate(values, derived_only=True)
        except (PhysicsInputError, ArithmeticError, ValueError):
            return []
        rows = len(next(iter(values.values()))) if values else 1
        found = []
        for param in self.template.params:
            if param.kind == "derived":
                value = np.broadcast_to(np.asarray(env[param.name], dtype=float), (rows,))
                bad = ~np.isfinite(value)
                if np.any(bad):
                    found.append((param, float(value[bad][0]), int(np.count_nonzero(bad)), rows))
        return found

    def unphysical(self, values: Mapping[str, np.ndarray], error: PhysicsInputError) -> BankError:
        """The located error for draws a physics function refused (``error``): the derived
        parameter that overflowed into it, or the ranges."""
        path = self.template.path
        for found in self.non_finite_derived(values):
            return BankError(path, f"params.{found[0].name}", non_finite_text(*found, f", so that {error}"))
        return BankError(path, "params", f"some draws are outside what the physics allows ({error}); narrow the "
                                         "ranges of the parameters it is given")

    def rounding_allowance(self, env: Mapping[str, Any], rows: int, figures_graded: bool = False
                           ) -> dict[str, np.ndarray]:
        """Extra absolute tolerance (SI, per variant) for each numeric part that uses earlier parts,
        so a student who carries those parts as numbers shown to their figures is not marked wrong.

        Two such answers are tried: from the earlier parts' keys as shown (rounded), and from a
        chain in which every part is computed from the rounded parts before it, as students do.
        Where either lies outside the part's tolerance window (a small difference of large parts,
        ``J_Na + J_K = −1020 + 1050``), the allowance is its distance from the key, so it gets the
        part's own tolerance around it; elsewhere 0. ``env`` is :meth:`evaluate`'s (the batch's).
        With ``figures_graded`` (the exam grades significant figures, so the window is half a unit
        of the last figure, not the tolerance) the allowance is given beyond that window.
        """
        closures = self.closures("", FUNCTIONS)
        shown, carried = dict(env), dict(env)
        numbers: set[str] = set()
        allowance: dict[str, np.ndarray] = {}
        for part in self.template.parts:
            value = np.asarray(env[part.name])
            if part.kind == "symbolic" or value.dtype.kind not in "fiu":
                continue
            carried_value = value
            if part.kind == "numeric" and _inputs(part) & numbers:
                with np.errstate(all="ignore"):
                    from_shown = np.asarray(self._answer(part, shown, closures), dtype=float)
                    carried_value = np.asarray(self._answer(part, carried, closures), dtype=float)
                    width = part.atol * self.part_factors[part.name] + part.rtol * np.abs(value)
                    if figures_graded and part.sigfigs:
                        width = _half_last_figure(value / self.part_factors[part.name], part.sigfigs) \
                            * self.part_factors[part.name]
                    off = np.fmax(np.abs(from_shown - value), np.abs(carried_value - value))
                    beyond = np.isfinite(off) & (off > width)
                allowance[part.name] = np.broadcast_to(np.where(beyond, off, 0.0), (rows,))
            factor, figures = self.part_factors[part.name], part.sigfigs or 3
            shown[part.name] = round_figures(value / factor, figures) * factor
            carried[part.name] = round_figures(carried_value / factor, figures) * factor
            numbers.add(part.name)
        return allowance

    def misconception_values(self, part: Part, values: Mapping[str, np.ndarray], name: str,
                             rows: int | None = None) -> np.ndarray:
        """Wrong answers (SI) of one part under one misconception for ``rows`` draws (default: the
        length of the value arrays); NaN where it cannot be computed."""
        # The mistake is made where the part itself calls a function that has it (E_Na inverted
        # inside this part's driving force); only if it calls none is it carried from the earlier
        # parts it uses (DF = Vm - E, with E inverted in the part before).
        own = applicable_functions(name, self.own[part.name])
        swapped = set(own or applicable_functions(name, self.uses[part.name]))
        earlier = self.template.parts[:[p.name for p in self.template.parts].index(part.name)]
        # Earlier parts that call a swapped function keep their right values (an extra evaluation).
        keep_earlier = bool(own) and any(swapped & self.uses[p.name] for p in earlier)
        table = misconception_table(name, swapped)
        # Closures are cached per function table: the key names every function swapped.
        key = f"{name}:{','.join(sorted(swapped))}"
        n = rows if rows is not None else len(next(iter(values.values())))
        try:
            with np.errstate(all="ignore"):
                wrong = self.evaluate(values, key, table, stop_after=part.name,
                                      earlier_parts_right=keep_earlier)[part.name]
            return np.broadcast_to(np.asarray(wrong, dtype=float), (n,)).copy()
        except (ProblemgenError, ValueError, TypeError, ZeroDivisionError):
            pass
        # A wrong formula can be undefined for some variants (°C as K at 0 °C): go one by one.
        out = np.full(n, np.nan)
        for i in range(n):
            row = {k: v[i:i + 1] for k, v in values.items()}
            try:
                with np.errstate(all="ignore"):
                    out[i] = float(np.asarray(self.evaluate(row, key, table, stop_after=part.name,
                                                            earlier_parts_right=keep_earlier)[part.name]).ravel()[0])
            except (ProblemgenError, ValueError, TypeError, ZeroDivisionError):
                continue
        return out


def non_finite_text(param: Param, example: float, count: int, rows: int, consequence: str = "") -> str:
    """What to say of a derived parameter that is not a finite number in some draws."""
    return (f"is {example:g} (not a finite number) for {count} of {rows} draws of {param.expression!r}{consequence}; "
            "change the formula or narrow the ranges it reads")


def _half_last_figure(values: np.ndarray, figures: int) -> np.ndarray:
    """Half a unit in the last of ``figures`` significant figures of each value (grading's figure window)."""
    with np.errstate(divide="ignore"):
        decade = np.floor(np.log10(np.abs(values)))
    return 0.5 * 10.0 ** (np.where(np.isfinite(decade), decade, 0.0) - figures + 1)


def _inputs(part: Part) -> set[str]:
    """Names a part's answer reads (givens, derived parameters, earlier parts)."""
    nodes = [part.node] if part.node is not None else list(part.solve.nodes.values()) if part.solve else []
    return set().union(*(expr.names_used(node) for node in nodes))


def round_figures(x: np.ndarray, figures: int) -> np.ndarray:
    """``x`` rounded half-up (away from zero) to ``figures`` significant figures, in floats: the
    number a reader copies from a sheet (ties may differ from the exact decimal rounding in the
    last bit, which an allowance does not feel)."""
    with np.errstate(all="ignore"):
        x = np.asarray(x, dtype=float)
        scale = 10.0 ** (figures - 1 - np.floor(np.log10(np.abs(x))))
        rounded = np.sign(x) * np.floor(np.abs(x) * scale + 0.5) / scale
    return np.where(np.isfinite(rounded), rounded, x)


def worked_call(part: Part) -> expr.Call | None:
    """The physics call a part's answer consists of, if it is exactly one relation call."""
    from problemgen.physics import RELATIONS

    node = part.node
    if (isinstance(node, expr.Call) and node.function in RELATIONS and not node.kwargs
            and not any(isinstance(a, (expr.ListExpr, expr.Str)) for a in node.args)
            and len(node.args) == len(RELATIONS[node.function].inputs)):
        return node
    return None


def argument_units(template: Template, call: expr.Call) -> tuple[str | None, ...]:
    """Display unit of each argument of a worked call that is a given or an earlier answer."""
    units = {p.name: p.unit for p in template.params} | {p.name: p.unit for p in template.parts}
    return tuple(units.get(a.id) if isinstance(a, expr.Name) else None for a in call.args)


def distinct_from(correct: np.ndarray, wrong: np.ndarray, part: Part, allowance: Any = 0.0) -> np.ndarray:
    """True where a wrong value can be told from the correct one: the wrong value's tolerance
    window begins at least one more tolerance beyond the correct one's, so an answer just outside
    the tolerance (a near miss, on either side) is never taken for the mistake. ``allowance``
    (SI) widens the correct value's window (see :meth:`TemplateSolver.rounding_allowance`)."""
    atol = part.atol * unit_factor(part.unit)
    width = atol + part.rtol * np.abs(correct)
    wrong_width = atol + part.rtol * np.abs(wrong)
    return np.isfinite(wrong) & (np.abs(wrong - correct) > (2 * width + allowance + wrong_width) * (1 + 1e-9))
