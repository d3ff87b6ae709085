"""``problemgen validate``: check every template of a bank before students see it.

For each template: it loads (schema, expressions, units), its grid is non-empty, its
constraints accept a reasonable share of draws, its answers are finite, answer dimensions match
the declared units, every listed misconception applies and lies outside the tolerance, the
statement and solution render for many samples with no undefined name and no LaTeX left in
the HTML, every given appears in the statement (with a unit where it is a physical quantity,
and written into math with ``.tex``: :mod:`problemgen.given_checks`), and choice answers are
among the options. A
worked step whose printed numbers do not give its printed result is a warning
(:mod:`problemgen.arithmetic`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import html as html_module
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from problemgen import expr
from problemgen.errors import BankError, GradingSpecError, ProblemgenError
from problemgen.functions import RESULT_UNITS
from problemgen.model import Template

if TYPE_CHECKING:
    from problemgen.solve import TemplateSolver

MIN_ACCEPTANCE = 0.02
Dims = tuple[Fraction, ...]
_ZERO: Dims = (Fraction(0),) * 6


@dataclass(frozen=True)
class Finding:
    """One problem found in a template."""

    path: str
    key: str
    message: str
    severity: str = "error"
    """``error`` fails validation; ``warning`` is reported only."""

    def __str__(self) -> str:
        where = f"In {self.path}" + (f", key {self.key}" if self.key else "")
        return f"{self.severity}: {where}: {self.message}"


@dataclass(frozen=True)
class TemplateReport:
    """Validation result of one template."""

    template: str
    path: str
    findings: tuple[Finding, ...]
    samples: int
    """Variants drawn (0: the template did not load, nothing was drawn)."""
    acceptance: float
    capacity: int | None
    kind: str = "template"
    """``template``, or ``bank`` for a finding about a bank folder itself (its bank.toml)."""
    not_drawn: str = ""
    """Why nothing was drawn (``does not load``, ``does not render``); empty when it was."""

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(f.severity == "error" for f in self.findings)


def _dims(unit: str) -> Dims:
    from problemgen.units import parse_unit

    if unit in ("", "degC"):
        return _ZERO
    return tuple(Fraction(d) for d in parse_unit(unit).dims)


def infer_dims(node: expr.Node, names: dict[str, Dims | None]) -> Dims | None:
    """SI dimensions of an expression, or ``None`` where they cannot be known."""
    if isinstance(node, expr.Num):
        return _dims_of_unit_symbol(node.unit)
    if isinstance(node, expr.Name):
        return names.get(node.id)
    if isinstance(node, expr.Unary):
        return infer_dims(node.operand, names) if node.op != "not" else None
    if isinstance(node, expr.Binary):
        left, right = infer_dims(node.left, names), infer_dims(node.right, names)
        if node.op in ("+", "-"):
            return left if left is not None and (right is None or left == right) else (None if left is None else _mismatch(node, left, right))
        if left is None or right is None:
            return None
        if node.op == "*":
            return tuple(a + b for a, b in zip(left, right))
        if node.op == "/":
            return tuple(a - b for a, b in zip(left, right))
        if node.op == "^" and isinstance(node.right, expr.Num):
            return tuple(a * Fraction(node.right.value).limit_denominator(12) for a in left)
        return None
    if isinstance(node, expr.Call):
        args = [infer_dims(a, names) for a in node.args]
        if node.function in ("abs", "min", "max", "sign"):
            return args[0] if node.function != "sign" else _ZERO
        if node.function == "select" and len(node.args) == 3 and isinstance(node.args[2], expr.ListExpr):
            found = {infer_dims(item, names) for item in node.args[2].items}
            return found.pop() if len(found) == 1 else None
        if node.function == "sqrt" and args and args[0] is not None:
            return tuple(a / 2 for a in args[0])
        if node.function in ("exp", "ln", "log", "log10", "sinh", "asinh", "percent"):
            return _ZERO
        if node.function == "ionic_current" and args and args[0] is not None:
            return tuple(a + b for a, b in zip(args[0], _dims("V")))
        if node.function == "capacitive_charge" and args and args[0] is not None:
            return tuple(a + b for a, b in zip(args[0], _dims("V")))
        unit = RESULT_UNITS.get(node.function)
        return _dims(unit) if unit is not None else None
    return None


class _DimensionMismatch(Exception):
    def __init__(self, node: expr.Binary, left: Dims, right: Dims | None) -> None:
        self.node, self.left, self.right = node, left, right


def _mismatch(node: expr.Binary, left: Dims, right: Dims | None) -> Dims:
    raise _DimensionMismatch(node, left, right)


#: A display unit to suggest for an answer of each kind.
_EXAMPLE_UNITS = {"voltage": "mV", "current": "pA", "conductance": "nS", "concentration": "mM", "capacitance": "pF",
                  "charge": "pC", "time": "ms", "resistance": "MOhm", "current density": "uA/cm^2",
                  "specific capacitance": "uF/cm^2", "temperature": "K", "length": "um", "area": "um^2"}


def _dims_of_unit_symbol(unit: str) -> Dims:
    return _dims(unit) if unit else _ZERO


def _dimension_name(dims: Dims) -> str:
    from problemgen.units_table import dimension_name

    if any(d.denominator != 1 for d in dims):
        return "*".join(f"{n}^{d}" for n, d in zip(("m", "kg", "s", "A", "K", "mol"), dims) if d)
    return dimension_name(tuple(int(d) for d in dims))


def _a(name: str) -> str:
    """``name`` with its indefinite article: "an electric field", "a voltage"."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _check_dimensions(template: Template) -> list[Finding]:
    findings: list[Finding] = []
    names: dict[str, Dims | None] = {}
    for param in template.params:
        if param.kind in ("ion",) or (param.kind == "choice" and any(isinstance(c, str) for c in param.choices)):
            names[param.name] = None
        elif param.kind == "derived" and param.node is not None:
            try:
                found = infer_dims(param.node, names)
            except _DimensionMismatch as error:
                findings.append(_mismatch_finding(template, f"params.{param.name}.derived", param.expression, error))
                found = None
            declared = _dims(param.unit)
            if found is not None and param.unit and found != declared and param.unit != "degC":
                findings.append(Finding(template.path, f"params.{param.name}.unit",
                                        f"the expression gives {_a(_dimension_name(found))} but the unit {param.unit!r} is "
                                        f"{_a(_dimension_name(declared))}; fix the unit or the expression"))
            names[param.name] = declared if param.unit else found
        else:
            names[param.name] = _dims(param.unit)
    for part in template.parts:
        declared = _dims(part.unit)
        if part.kind == "numeric" or (part.kind == "choice" and not part.options):
            node = part.node
            found: Dims | None = None
            if node is not None:
                try:
                    found = infer_dims(node, names)
                except _DimensionMismatch as error:
                    findings.append(_mismatch_finding(template, f"parts.{part.name}.value", part.expression, error))
            elif part.solve is not None:
                from problemgen.physics import relation

                variable = next(v for v in (relation(part.solve.relation).output, *relation(part.solve.relation).inputs)
                                if v.name == part.solve.unknown)
                found = _dims(variable.unit)
            if found is not None and found != declared and not part.unit:
                example = _EXAMPLE_UNITS.get(_dimension_name(found))
                findings.append(Finding(template.path, f"parts.{part.name}.unit",
                                        f"missing: the answer is {_a(_dimension_name(found))}; add its display unit"
                                        + (f" (unit = \"{example}\", say)" if example else "")))
            elif found is not None and found != declared:
                findings.append(Finding(template.path, f"parts.{part.name}.unit",
                                        f"the answer is {_a(_dimension_name(found))} but the unit {part.unit!r} is "
                                        f"{_a(_dimension_name(declared))}; use a unit of {_dimension_name(found)}"))
            names[part.name] = declared
        else:
            names[part.name] = None
    return findings


def _mismatch_finding(template: Template, key: str, source: str, error: _DimensionMismatch) -> Finding:
    right = "unknown" if error.right is None else _dimension_name(error.right)
    return Finding(template.path, key, f"column {error.node.column}: cannot {'add' if error.node.op == '+' else 'subtract'} "
                   f"{_a(right)} and {_a(_dimension_name(error.left))} in {source!r}; convert one side")


_LATEX_LEFT = re.compile(r"\\[A-Za-z]+|\$")
# A value opening a line of text ("{{ DF }}. The K⁺ current ...") prints as "120. mV" for some
# variants, which Markdown reads as a numbered list. Words and ions ({{ "in" if ... }},
# {{ ion | ion }}) are safe; a value alone on its line (a worked step) is a block of its own.
_VALUE_OPENS_LINE = re.compile(r"^[ \t]*(\{\{(?![ \t]*[\"'])(?![ \t]*work\.)(?![^}]*\|[ \t]*ion\b)[^}]*\}\})[ \t]*\S", re.M)


def _statement_names(template: Template) -> set[str]:
    from jinja2 import meta

    from problemgen.render import environment

    env = environment()
    names: set[str] = set()
    for text in [template.statement, *(p.prompt for p in template.parts)]:
        names |= meta.find_undeclared_variables(env.parse(text))
    return names


def _check_syntax(template: Template) -> list[Finding]:
    """jinja syntax errors of the template's texts, each located by text and line."""
    from problemgen.render import RenderError, compile_text

    findings = []
    for key, text in _texts(template):
        try:
            compile_text(text or "", f"{template.path}, {key}")
        except RenderError as error:
            findings.append(_render_finding(template, error))
    return findings


def _texts(template: Template) -> list[tuple[str, str]]:
    """Every jinja text of a template with its key: statement, solution, each prompt, the caption."""
    texts = [("statement", template.statement), ("solution", template.solution),
             *((f"parts.{p.name}.prompt", p.prompt) for p in template.parts)]
    if template.figure is not None:
        texts.append(("figure.caption", template.figure.caption))
    return texts


#: A formula that latex2mathml could not convert, as the HTML shows it.
_MATH_ERROR = re.compile(r'<code class="math-error">(.*?)</code>', re.S)
#: Display math ($$ ... $$), where Markdown reads no lists.
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)


def _check_line_starts(template: Template) -> list[Finding]:
    findings = []
    for key, text in _texts(template):
        display = [m.span() for m in _DISPLAY_MATH.finditer(text or "")]
        for match in _VALUE_OPENS_LINE.finditer(text or ""):
            if any(start < match.start() < end for start, end in display):
                continue  # inside $$ ... $$ a line start is math, not a list marker
            line = text.count("\n", 0, match.start()) + 1
            findings.append(Finding(template.path, key, f"line {line} of this text starts with {match.group(1)}; "
                                    "where a value prints with a trailing point (120 to three significant figures is "
                                    "'120. mV'), Markdown reads the line as a numbered list, so start the line with a "
                                    "word"))
    return findings


def validate_template(template: Template, samples: int = 200) -> TemplateReport:
    """Check one template over ``samples`` seeded variants."""
    from problemgen.engine import capacity, generate_from_seeds, prepared
    from problemgen.problem import render_problem
    from problemgen.sampling import draw, random_params, random_words

    syntax = _check_syntax(template)
    if syntax:  # nothing renders, so no variant is drawn; the static checks still run
        return TemplateReport(template.id, template.path, (*syntax, *static_findings(template)), 0, 0.0, None,
                              not_drawn="does not render")
    from problemgen.given_checks import check_given_units, check_math_quantities

    findings = [*static_findings(template), *_check_line_starts(template), *_check_plausible_ranges(template),
                *_check_constraint_numbers(template), *check_given_units(template)]
    shown = _statement_names(template)
    if template.figure is not None:
        # A given drawn in the figure is shown to the student, too.
        for node in template.figure.nodes.values():
            for item in node if isinstance(node, list) else [node]:
                shown |= expr.names_used(item)
    for param in template.params:
        if not param.hidden and param.name not in shown:
            findings.append(Finding(template.path, f"params.{param.name}",
                                    "is never shown in the statement or a prompt; use it, or mark it hidden = true if it is a helper"))
    solver, grids = prepared(template)
    for name, grid in grids.items():
        if any(len(values) == 0 for values in grid.values.values()) or not grid.values:
            findings.append(Finding(template.path, f"params.{name}", "has no values to draw from; check its range and step"))
    seeds = [hashlib.sha256(f"validate/{template.id}/{i}".encode()).digest() for i in range(samples)]
    words = random_words(seeds, 0, len(random_params(template)))
    drawn = draw(template, grids, words).values
    try:
        solved = solver.solve(drawn, samples)
    except BankError as error:  # draws a physics function refused
        findings.append(Finding(template.path, error.key, error.problem))
        return TemplateReport(template.id, template.path, tuple(findings), samples, 0.0, None,
                              not_drawn="draws are unphysical")
    acceptance = float(np.mean(solved.accepted)) if samples else 1.0
    if acceptance < MIN_ACCEPTANCE:
        worst = max(solved.failures, key=lambda k: int(np.count_nonzero(solved.failures[k])))
        findings.append(Finding(template.path, "constraints", f"only {acceptance:.1%} of draws are accepted; "
                                f"{worst!r} fails most often; widen the ranges or relax the constraint"))
    findings += _non_finite_derived(template, solver, drawn)
    for source, failed in solved.failures.items():
        if source.startswith("answer ") and np.any(failed):
            findings.append(Finding(template.path, f"parts.{source[7:]}", f"is not finite for {np.count_nonzero(failed)} of "
                                    f"{samples} draws; add a constraint that excludes them", "warning"))
    supply = capacity(template)
    try:
        variants = generate_from_seeds(template, seeds, [None] * samples, unique=False)
    except ProblemgenError as error:
        findings.append(Finding(template.path, "", str(error)))
        return TemplateReport(template.id, template.path, tuple(findings), samples, acceptance, supply.accepted)
    findings += _check_misconceptions(template, variants)
    findings += _check_figure(template, variants)
    findings += _check_magnitudes(template, variants)
    findings += _check_rounding_allowance(template, variants)
    findings += _check_recomputed_parts(template)
    findings += _check_math_delimiters(template)
    findings += _check_shown_key(template, variants)
    findings += _check_option_leaks(template, variants)
    findings += _check_given_answers(template, variants)
    findings += _self_test(template, variants[: min(len(variants), 20)])
    findings += _check_rendering(template, variants[: min(len(variants), 25)], render_problem)
    findings += check_math_quantities(template, variants[: min(len(variants), 25)])
    for part in template.parts:
        if part.kind == "choice" and part.options:
            for variant in variants:
                answer = next(a for a in variant.answers if a.part == part.name)
                if answer.display not in part.options:
                    findings.append(Finding(template.path, f"parts.{part.name}.options",
                                            f"the answer {answer.display!r} is not an option; add it, or map it with option_labels"))
                    break
    return TemplateReport(template.id, template.path, tuple(findings), samples, acceptance, supply.accepted)


def probes(expected: dict) -> list[tuple[str, str]]:
    """(answer, verdict it must get): the right answer, a wrong one and a malformed one."""
    if expected["kind"] == "numeric":
        value, unit = expected["value"], expected["unit"]
        width = expected["atol"] + expected.get("allowance", 0.0) + expected["rtol"] * abs(value)
        wrong = value + max(3 * width, 0.5 * abs(value), 1e-9)  # well outside the tolerance
        return [(f"{value!r} {unit}".strip(), "correct"), (f"{wrong!r} {unit}".strip(), "incorrect"),
                ("1..2", "invalid")]
    if expected["kind"] == "choice":
        others = [o for o in expected["options"] if o != expected["answer"]]
        probes = [(expected["answer"], "correct"), ("not one of the options", "invalid")]
        return probes + [(others[0], "incorrect")] if others else probes
    return [(expected["expression"], "correct"), ("(", "invalid")]


def _self_test(template: Template, variants: list) -> list[Finding]:
    """Every part grades its own key correct, a wrong answer incorrect and junk invalid."""
    from problemgen.grading import check_answer
    from problemgen.sheets import expected

    for variant in variants:
        answers = {a.part: a for a in variant.answers}
        for part in template.parts:
            spec = expected(template, part, answers[part.name])
            for submitted, verdict in probes(spec):
                try:
                    result = check_answer(submitted, spec)
                except GradingSpecError as error:
                    return [Finding(template.path, f"parts.{part.name}", f"cannot be graded: {error}")]
                if result["verdict"] != verdict:
                    return [Finding(template.path, f"parts.{part.name}",
                                    f"self-test: {submitted!r} grades as {result['verdict']}, not {verdict} "
                                    f"({result['feedback']}); check the unit, options and tolerance")]
    return []


def static_findings(template: Template) -> list[Finding]:
    """Errors that make a template's keys wrong whatever is drawn: answer and parameter dimensions
    against their units, and misconceptions that are unknown or do not apply to their answer.

    Cheap (no sampling): ``generate`` refuses an exam using a template with such an error, and
    ``preview`` shows them beside the variant.
    """
    return [*_check_dimensions(template), *_check_misconception_names(template)]


def _check_misconception_names(template: Template) -> list[Finding]:
    import difflib

    from problemgen.engine import prepared
    from problemgen.physics import all_misconceptions, misconceptions_for
    from problemgen.solve import applicable_functions

    solver, _ = prepared(template)
    known_anywhere = sorted({m.name for m in all_misconceptions()})
    findings = []
    for part in template.parts:
        used = solver.uses.get(part.name, set())
        applicable = sorted({m for f in used for m in misconceptions_for(f)})
        for name in part.misconceptions:
            if applicable_functions(name, used):
                continue
            key = f"parts.{part.name}.misconceptions"
            if name not in known_anywhere:
                close = difflib.get_close_matches(name, applicable or known_anywhere, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                message = (f"unknown misconception {name!r}{hint}; the functions this answer uses know: "
                           f"{', '.join(applicable) or 'none'}")
            else:
                message = (f"{name!r} does not apply to this answer; misconceptions of the functions it uses: "
                           f"{', '.join(applicable) or 'none'}; {_owner_hint(name, part.node)}")
            findings.append(Finding(template.path, key, message))
    return findings


def _owner_hint(name: str, node: expr.Node | None) -> str:
    """Which functions a misconception belongs to, and how to call one: a value written out as
    ``Vm - E_K`` makes no mistake a student's driving force can be matched against."""
    from problemgen.physics import all_misconceptions

    owners = sorted({m.function for m in all_misconceptions() if m.name == name})
    hint = f"it is a mistake in {_either(f'{f}()' for f in owners)}, which this value does not call"
    call = _owner_call(node, owners)
    return f"{hint}: write it as {call}" if call else f"{hint}: compute the value with it, or remove {name!r}"


def _owner_call(node: expr.Node | None, owners: list[str]) -> str | None:
    """``driving_force(Vm, E_K)`` for a value ``Vm - E_K``, ``ionic_current(g, Vm, E)`` for
    ``g * (Vm - E)``, where the misconception is one of that function's; else None."""
    def text(item: expr.Node) -> str:
        from problemgen.bank import unit_factor

        if isinstance(item, expr.Num):
            return f"{item.value / unit_factor(item.unit):g} {item.unit}".strip()
        return item.id if isinstance(item, expr.Name) else "..."

    if isinstance(node, expr.Binary) and node.op == "-" and "driving_force" in owners:
        return f"driving_force({text(node.left)}, {text(node.right)})"
    if isinstance(node, expr.Binary) and node.op == "*" and "ionic_current" in owners:
        for g, difference in ((node.left, node.right), (node.right, node.left)):
            if isinstance(difference, expr.Binary) and difference.op == "-":
                return f"ionic_current({text(g)}, {text(difference.left)}, {text(difference.right)})"
    return None


def _either(items: Iterable[str]) -> str:
    """``a()``, ``a() or b()``, ``a(), b() or c()``."""
    found = list(items)
    return found[0] if len(found) == 1 else f"{', '.join(found[:-1])} or {found[-1]}"


def _check_misconceptions(template: Template, variants: list) -> list[Finding]:
    from problemgen.engine import prepared
    from problemgen.solve import applicable_functions

    solver, _ = prepared(template)
    findings = []
    for part in template.parts:
        used = solver.uses.get(part.name, set())
        for name in part.misconceptions:
            if not applicable_functions(name, used):
                continue  # reported by static_findings
            answers = [next(a for a in v.answers if a.part == part.name) for v in variants]
            distinct = sum(name in a.misconceptions for a in answers)
            if distinct == 0:
                findings.append(Finding(template.path, f"parts.{part.name}.misconceptions",
                                        f"{name!r} never gives a value of its own (it is always within two tolerances "
                                        "of the right answer or of a misconception listed before it); if it is the "
                                        "right answer, the key itself makes this mistake: check the part's value; "
                                        "otherwise remove it"))
        if part.kind == "choice" and not part.options:
            short = sum(len(next(a for a in v.answers if a.part == part.name).options) < 2 for v in variants)
            if short:
                findings.append(Finding(template.path, f"parts.{part.name}.distractors",
                                        f"{short} variants have no distractor; list misconceptions that apply"))
    return findings


#: How far inside the plotted voltage range an I–V line must cross zero to be read off (mV).
IV_MARGIN_MV = 5.0


def _check_figure(template: Template, variants: list) -> list[Finding]:
    """An I–V figure must show where its line crosses zero: E inside the voltage axis, with a margin."""
    from problemgen.figures import OPTIONS

    figure = template.figure
    if figure is None or figure.kind != "iv_curve" or not variants:
        return []
    options = {**OPTIONS["iv_curve"], **figure.options}
    low, high = float(options["v_min"]) + IV_MARGIN_MV, float(options["v_max"]) - IV_MARGIN_MV
    outside = [v.figure["E"] * 1e3 for v in variants if not low <= v.figure["E"] * 1e3 <= high]
    if not outside:
        return []
    worst = max(outside, key=lambda e: max(low - e, e - high))
    return [Finding(template.path, "figure", f"the line crosses I = 0 outside the plotted range (v_min {options['v_min']:g} "
                    f"to v_max {options['v_max']:g} mV, less {IV_MARGIN_MV:g} mV at each end) in {len(outside)} of "
                    f"{len(variants)} samples (E = {worst:.1f} mV); widen the range or constrain E")]


_MAGNITUDE = re.compile(r"\bmagnitudes?\b", re.I)


#: Physiological bounds of a given, by dimension (SI): what lies beyond is most likely a unit slip
#: (``unit = "V"`` on a membrane potential of -90).
_PLAUSIBLE = {"voltage": (1.0, "V", "membrane and reversal potentials lie within ±0.2 V; is the unit mV?"),
              "concentration": (10_000.0, "mol/m^3", "ion concentrations lie below 1 M; is the unit mM?"),
              "temperature": (400.0, "K", "body and room temperatures lie near 300 K; is the unit K or degC?")}


def _check_plausible_ranges(template: Template) -> list[Finding]:
    """A warning per range of givens far beyond physiology (a unit slip, most likely)."""
    from problemgen.bank import unit_factor

    findings = []
    for param in template.params:
        if param.low is None or param.high is None or not param.unit or param.unit == "degC":
            continue
        name = _dimension_name(_dims(param.unit))
        if name not in _PLAUSIBLE:
            continue
        limit, si, hint = _PLAUSIBLE[name]
        largest = max(abs(param.low), abs(param.high)) * unit_factor(param.unit)
        if largest > limit:
            findings.append(Finding(template.path, f"params.{param.name}",
                                    f"its range reaches {largest:g} {si}, far beyond physiology: {hint}", "warning"))
    return findings


_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


def _check_constraint_numbers(template: Template) -> list[Finding]:
    """A warning per constraint comparing a quantity with a bare number, which is read in SI units
    (``abs(DF) > 3`` asks for more than 3 V)."""
    names: dict[str, Dims | None] = {p.name: (_dims(p.unit) if p.unit and p.unit != "degC" else None)
                                     for p in template.params}
    names.update({p.name: (_dims(p.unit) if p.unit else None) for p in template.parts if p.kind == "numeric"})
    findings = []

    def walk(node: expr.Node, source: str) -> None:
        if isinstance(node, expr.Binary):
            if node.op in _COMPARISONS:
                for number, other in ((node.right, node.left), (node.left, node.right)):
                    if isinstance(number, expr.Num) and not number.unit and number.value != 0:
                        try:
                            dims = infer_dims(other, names)
                        except _DimensionMismatch:
                            dims = None
                        kind = _dimension_name(dims) if dims is not None else ""
                        if kind in _SI_UNITS:  # a quantity written with a prefixed unit (mV, pA, ...)
                            findings.append(Finding(template.path, "constraints", (
                                f"{source!r} compares a {kind} with the bare number {number.value:g}, which is read "
                                f"in {_SI_UNITS[kind]}; write the number with its unit "
                                f"({number.value:g} {_EXAMPLE_UNITS[kind]}, say)"), "warning"))
            walk(node.left, source)
            walk(node.right, source)
        elif isinstance(node, expr.Unary):
            walk(node.operand, source)
        elif isinstance(node, expr.Call):
            for argument in node.args:
                walk(argument, source)

    for source, node in template.constraints:
        walk(node, source)
    return findings


#: The SI unit a bare number in an expression is read in, for quantities usually written with a
#: prefixed unit (a bare 3 beside mV is a slip; a bare 20 for a slope in V/s is how SI is written).
_SI_UNITS = {"voltage": "volts", "current": "amperes", "conductance": "siemens", "capacitance": "farads",
             "charge": "coulombs", "time": "seconds", "length": "metres"}


def _check_given_answers(template: Template, variants: list) -> list[Finding]:
    """A given printed in the statement or a prompt that equals a numeric answer (within its
    tolerance) in most samples gives the answer away (a derived parameter computing E, say)."""
    from problemgen.bank import unit_factor

    findings = []
    printed = _statement_names(template)  # a figure's data is read off, not printed: not a leak
    shown = [param for param in template.params if param.name in printed and not param.hidden and param.unit != "degC"]
    for part in template.parts:
        if part.kind != "numeric":
            continue
        for param in shown:
            if not param.unit or _dims(param.unit) != _dims_of_unit_symbol(part.unit):
                continue
            same = 0
            for variant in variants:
                given = variant.givens.get(param.name)
                answer = next(a for a in variant.answers if a.part == part.name)
                if not isinstance(given, (int, float)) or answer.value is None:
                    continue
                value = float(given) * unit_factor(param.unit)
                key = float(answer.value)
                width = part.atol * unit_factor(part.unit) + part.rtol * abs(key)
                same += abs(value - key) <= width
            if variants and same > len(variants) / 2:
                findings.append(Finding(template.path, f"params.{param.name}",
                                        f"equals the answer {part.name} in {same} of {len(variants)} samples, and the "
                                        "statement shows it: mark it hidden = true, or ask for something else"))
    return findings


def _check_option_leaks(template: Template, variants: list) -> list[Finding]:
    """A numeric choice whose distractors show another part's answer gives that answer away: the
    sheet shows every part at once (a "pump ratio ignored" option equal to the next part's
    "electroneutral pump" answer; a "local concentration" option equal to the part before)."""
    from problemgen.bank import unit_factor
    from problemgen.render import Quantity
    from problemgen.units import parse_unit

    findings = []
    for part in template.parts:
        if part.kind != "choice" or part.options:
            continue  # numeric choices only: fixed word options are the same for everyone
        for other in (each for each in template.parts if each.kind == "numeric"):
            if (other.unit != part.unit and other.unit not in ("", "degC") and part.unit not in ("", "degC")
                    and parse_unit(other.unit).dims != parse_unit(part.unit).dims) or (other.unit == "") != (part.unit == ""):
                continue  # another kind of quantity: it cannot be an option
            scale = unit_factor(other.unit) / unit_factor(part.unit)
            leaks, mistakes = 0, Counter()
            for variant in variants:
                answers = {a.part: a for a in variant.answers}
                choice, answer = answers[part.name], answers[other.name]
                shown = str(Quantity(float(answer.display) * scale, part.unit, part.sigfigs or 3))
                if shown != choice.display and shown in choice.options:
                    leaks += 1
                    mistakes.update(name for name, option in choice.option_mistakes if option == shown)
            if leaks > len(variants) / 10:  # not a coincidence of two numbers
                named = f"the misconception {mistakes.most_common(1)[0][0]!r}" if mistakes else "the distractor"
                findings.append(Finding(template.path, f"parts.{part.name}.misconceptions", (
                    f"in {leaks} of {len(variants)} samples an option shows the answer of part {other.name}, which the "
                    f"sheet asks for too; drop {named} that gives it")))
    return findings


def _non_finite_derived(template: Template, solver: TemplateSolver, drawn: dict[str, np.ndarray]) -> list[Finding]:
    """A derived parameter that overflows or is undefined (``10^10^10``, ``log(0)``) in some draws."""
    from problemgen.solve import non_finite_text

    return [Finding(template.path, f"params.{found[0].name}", non_finite_text(*found))
            for found in solver.non_finite_derived(drawn)]


def shown_key_failures(template: Template, variants: list) -> dict[str, list[tuple[str, float]]]:
    """Numeric part -> (key as shown, exact key) for each variant whose key, as the sheet shows it
    (rounded to the part's figures), its own tolerance grades wrong."""
    from problemgen.grading import check_answer
    from problemgen.render import Quantity
    from problemgen.sheets import expected

    failures: dict[str, list[tuple[str, float]]] = {}
    for part in template.parts:
        if part.kind != "numeric":
            continue
        for variant in variants:
            answer = next(a for a in variant.answers if a.part == part.name)
            shown = str(Quantity(float(answer.display), part.unit, part.sigfigs or 3))
            if check_answer(shown, expected(template, part, answer))["verdict"] != "correct":
                failures.setdefault(part.name, []).append((shown, float(answer.display)))
    return failures


def _check_shown_key(template: Template, variants: list) -> list[Finding]:
    """The key as the sheet shows it must grade correct: a key printed to fewer figures than the
    tolerance needs marks students who copy it wrong."""
    findings = []
    for name, failed in shown_key_failures(template, variants).items():
        shown, exact = failed[0]
        figures = next(p for p in template.parts if p.name == name).sigfigs or 3
        findings.append(Finding(template.path, f"parts.{name}.sigfigs", (
            f"the key as shown is graded wrong in {len(failed)} of {len(variants)} samples (e.g. {shown!r} for "
            f"{exact:.6g}, {figures} figures); show more figures or widen the tolerance")))
    return findings


#: Allowances wider than this many tolerances make a variant too lenient to keep quiet about.
ALLOWANCE_WARNING = 2.0


def _check_rounding_allowance(template: Template, variants: list) -> list[Finding]:
    """A part whose answer, from the earlier parts as shown, can lie far beyond its tolerance (a
    small difference of large parts): grading accepts it, by a much wider window for those variants."""
    from problemgen.render import unit_text

    findings = []
    for part in template.parts:
        wide = []
        for variant in variants:
            answer = next(a for a in variant.answers if a.part == part.name)
            if answer.allowance:
                tolerance = part.atol + part.rtol * abs(float(answer.display))
                if answer.allowance > ALLOWANCE_WARNING * tolerance:
                    wide.append((answer.allowance / tolerance, float(answer.display)))
        if wide:
            widest, key = max(wide)
            findings.append(Finding(template.path, f"parts.{part.name}", (
                f"in {len(wide)} of {len(variants)} samples the answer computed from the earlier parts as shown "
                f"(rounded to their figures) lies far outside the tolerance (up to {widest:.1f} tolerances, e.g. "
                f"around a key of {key:.3g}{' ' + unit_text(part.unit) if part.unit else ''}); grading widens those variants' tolerance to accept it; "
                "add a constraint that keeps this result away from a small difference of large numbers"), "warning"))
    return findings


def _without_columns(node: object) -> object:
    """An expression tree as nested tuples, without source positions: equal trees, equal shapes."""
    if isinstance(node, tuple):
        return tuple(_without_columns(item) for item in node)
    if dataclasses.is_dataclass(node):
        return (type(node).__name__, *(_without_columns(getattr(node, f.name))
                                       for f in dataclasses.fields(node) if f.name != "column"))
    return node


def _subtrees(node: object) -> Iterable[object]:
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _subtrees(item)
    elif dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            yield from _subtrees(getattr(node, field.name))


#: LaTeX's own math delimiters, which Markdown reads as escaped brackets: "\(x\)" prints "(x)".
_LATEX_DELIMITER = re.compile(r"\\\((?s:.)*?\\\)|\\\[(?s:.)*?\\\]")


def _check_math_delimiters(template: Template) -> list[Finding]:
    """Math written between \\( \\) or \\[ \\], which the sheets print as plain brackets."""
    from problemgen.latex import without_code

    texts = [("statement", template.statement), ("solution", template.solution),
             *((f"parts.{p.name}.prompt", p.prompt) for p in template.parts)]
    findings = []
    for key, text in texts:
        found = _LATEX_DELIMITER.search(without_code(text))
        if found:
            pair, write = ("\\( \\)", "$...$") if found.group().startswith("\\(") else ("\\[ \\]", "$$...$$")
            findings.append(Finding(template.path, key, f"'{found.group()[:60]}' is not math here: Markdown prints "
                                                        f"{pair} as plain brackets; write {write} instead"))
    return findings


def _check_recomputed_parts(template: Template) -> list[Finding]:
    """A part that writes out an earlier part's expression instead of naming it: the rounding
    allowance for students who carry the earlier part's shown value applies only to named parts."""
    findings = []
    earlier: dict[object, str] = {}
    for part in template.parts:
        if part.node is None:
            continue
        if part.kind == "numeric":
            shapes = {_without_columns(sub) for sub in _subtrees(part.node)
                      if isinstance(sub, (expr.Call, expr.Binary, expr.Unary))}
            for shape, name in earlier.items():
                if shape in shapes:
                    findings.append(Finding(template.path, f"parts.{part.name}.value", (
                        f"computes part {name}'s answer again ({next(p.expression for p in template.parts if p.name == name)!r}); "
                        f"write {name} instead, so a student who uses {name} as the key shows it is graded "
                        "with the allowance for its rounding"), "warning"))
                    break
        if isinstance(part.node, (expr.Call, expr.Binary, expr.Unary)):
            earlier[_without_columns(part.node)] = part.name
    return findings


def _check_magnitudes(template: Template, variants: list) -> list[Finding]:
    """A prompt asking for a magnitude must have an answer that is never negative."""
    findings = []
    for part in template.parts:
        if part.kind != "numeric" or not _MAGNITUDE.search(part.prompt or ""):
            continue
        values = [float(next(a for a in v.answers if a.part == part.name).display) for v in variants]
        negative = [value for value in values if value < 0]
        if negative:
            findings.append(Finding(template.path, f"parts.{part.name}.value",
                                    f"the prompt asks for a magnitude, but the answer is negative in {len(negative)} of "
                                    f"{len(values)} samples (e.g. {min(negative):.3g} {part.unit}); take abs() of the "
                                    "value, or ask for the signed quantity"))
    return findings


def _check_rendering(template: Template, variants: list, render_problem: object) -> list[Finding]:
    from problemgen.latex import unsafe_tex, without_code

    findings = []
    solutions = []
    for variant in variants:
        try:
            problem = render_problem(template, variant)  # type: ignore[operator]
        except ProblemgenError as error:
            return [_render_finding(template, error)]
        solutions.append(problem.solution)
        for label, text in [("statement", problem.statement), ("solution", problem.solution),
                            *((f"parts.{p.name}.prompt", p.prompt) for p in problem.parts)]:
            unsafe = unsafe_tex(without_code(text))  # a command built as it renders (its source is checked on loading)
            if unsafe is not None:
                return [*findings, Finding(template.path, label, f"as rendered: {unsafe}")]
            html = problem.html(text)
            failed = _MATH_ERROR.search(html)
            if failed:
                findings.append(Finding(template.path, label, (
                    f"the formula {html_module.unescape(failed.group(1))[:80]!r} cannot be drawn as MathML (the HTML "
                    "sheet would show it as code); simplify it, and brace a cell or row that starts with a bracket "
                    "({[X]_o}: a leading [ reads as an optional argument)")))
                return findings
            html = re.sub(r"<math.*?</math>|<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)  # code is as typed
            left = _LATEX_LEFT.search(html)
            if left:
                findings.append(Finding(template.path, label, f"LaTeX {left.group()!r} survives in the HTML; "
                                        "put math between $...$"))
                return findings
            raw = _E_NOTATION.search(text)
            if raw:
                findings.append(Finding(template.path, label, f"prints {raw.group()!r}, a number in Python's e-notation; "
                                        "write it with the tex or q filter ({{ x | tex('', 2) }} gives "
                                        "8.5 \\times 10^{-5})"))
                return findings
    return findings + _check_arithmetic(template, solutions)


def _check_arithmetic(template: Template, solutions: list[str]) -> list[Finding]:
    """Worked steps whose printed numbers do not give their printed result (one warning per step)."""
    from problemgen.arithmetic import TOLERATED_UNITS, misses

    steps: dict[str, list] = {}
    for solution in solutions:
        for miss in misses(solution):
            steps.setdefault(_NUMBERS.sub("#", miss.expression), []).append(miss)
    findings = []
    for found in steps.values():
        worst = max(found, key=lambda miss: (miss.kind != "rounding", miss.units_off))
        step = (f"a worked step does not check by hand in {len(found)} of {len(solutions)} samples: "
                f"`{_shorter(worst.expression)} = {_shorter(worst.printed)}`, but the printed numbers give "
                f"{worst.computed:.6g}")
        if worst.kind == "sign":
            step += ": the printed result has the other sign; check the order of the subtraction and the signs"
        elif worst.kind == "formula":
            step += ": not the printed result, even up to a power of ten; check the step's operations and signs"
        else:
            step += (f" (off by {worst.units_off:.1f} in the last printed figure; up to {TOLERATED_UNITS:g} is "
                     "taken as rounding); print the intermediate values to the result's precision")
        findings.append(Finding(template.path, "solution", step, "warning"))
    return findings


_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def _shorter(latex: str, limit: int = 90) -> str:
    latex = " ".join(latex.split())
    return latex if len(latex) <= limit else "…" + latex[-limit:]


def _render_finding(template: Template, error: ProblemgenError) -> Finding:
    """A rendering error located by the text at fault (``statement``, ``parts.E.prompt, line 2``)."""
    from problemgen.render import RenderError

    prefix = f"{template.path}, "
    if isinstance(error, RenderError) and error.where.startswith(prefix):
        key = error.where[len(prefix):]
        return Finding(template.path, key, _kept_from_students(template, key, error.problem) or error.problem)
    return Finding(template.path, "", str(error))


_UNDEFINED = re.compile(r"'(\w+)' is undefined")


def _kept_from_students(template: Template, key: str, problem: str) -> str | None:
    """Why an answer or a hidden parameter is undefined in a statement or prompt (it is defined,
    but not for what students see), or None for another problem."""
    undefined = _UNDEFINED.match(problem)
    if undefined is None:
        return None
    name = undefined.group(1)
    text = "the statement" if key.startswith("statement") else "a prompt"
    if any(part.name == name for part in template.parts):
        return f"{name!r} is an answer, which {text} cannot show (answers are in the solution and the key only)"
    if any(param.name == name and param.hidden for param in template.params):
        return (f"{name!r} is a hidden parameter, which {text} cannot show; remove hidden = true to show it to "
                "students, or leave it out of the text")
    return None


#: A float as Python prints it with %g or str(): 8.5e-05, 1e+06 (never how a sheet writes numbers).
_E_NOTATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?e[-+]\d+\b")


def _load_finding(error: ProblemgenError, path: Path) -> Finding:
    from problemgen.errors import BankError

    if isinstance(error, BankError):
        return Finding(error.path, error.key, error.problem)
    text, prefix = str(error), f"In {path}"
    if text.startswith(prefix + ", key "):  # already located (an expression's error): not "In x: In x, ..."
        key, _, message = text[len(prefix) + len(", key "):].partition(": ")
        return Finding(str(path), key, message)
    return Finding(str(path), "", text.removeprefix(prefix + ": "))


def validate_paths(paths: Iterable[str | Path], samples: int = 200) -> list[TemplateReport]:
    """Validate banks (folders) and template files; a file that does not load is one failed report.

    Each file of a bank is loaded on its own, so one broken template does not hide the others; a
    template whose id repeats an earlier one, or whose section its bank does not declare, fails
    with that finding. A template file in a bank folder is checked against the bank's sections,
    and a ``bank.toml`` given as a path stands for its folder.
    """
    from problemgen.bank import bank_membership_problems, bank_sections, load_template, template_files

    reports: list[TemplateReport] = []
    for path in map(Path, paths):
        if path.name == "bank.toml" and path.is_file():
            path = path.parent
        folder = path if path.is_dir() else path.parent
        try:
            sections = bank_sections(folder)
        except ProblemgenError as error:
            sections = {}
            if path.is_dir():  # a lone template file needs no bank
                reports.append(TemplateReport(str(path), str(path), (_load_finding(error, path),), 0, 0.0, None,
                                              kind="bank"))
        earlier: dict[str, Template] = {}
        for file in template_files(path) if path.is_dir() else [path]:
            try:
                template = load_template(file)
            except ProblemgenError as error:
                reports.append(TemplateReport(file.stem, str(file), (_load_finding(error, file),), 0, 0.0, None,
                                              not_drawn="does not load"))
                continue
            membership = [Finding(str(file), *problem) for problem in bank_membership_problems(template, sections, earlier)]
            membership += _replaced_builtin(template, file)
            earlier.setdefault(template.id, template)
            report = validate_template(template, samples)
            if membership:
                report = dataclasses.replace(report, findings=(*membership, *report.findings))
            reports.append(report)
    return reports


def _replaced_builtin(template: Template, file: Path) -> list[Finding]:
    """A warning when a template outside the built-in banks takes a built-in template's id: an
    exam listing its bank silently gets it wherever the built-in one was meant."""
    from problemgen.bank import builtin_banks, builtin_banks_dir

    if file.resolve().is_relative_to(builtin_banks_dir().resolve()):
        return []
    builtin = next((bank.templates[template.id] for bank in builtin_banks().values() if template.id in bank.templates),
                   None)
    if builtin is None:
        return []
    return [Finding(str(file), "id", (
        f"{template.id!r} is also the id of the built-in template {builtin.path} ({builtin.title!r}); an exam that "
        f"lists this bank uses this template in its place (template = \"{template.id}\", and pools, topics and "
        "sections that hold it); give this one an id of its own unless you mean to replace the built-in"), "warning")]
