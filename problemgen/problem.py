"""Turn a solved variant into a rendered problem: statement, parts, worked solution.

The statement sees only the givens; answers exist only in the solution's context, so a
statement that mentions an answer fails to render instead of leaking it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from problemgen import expr
from problemgen.model import Answer, Param, Part, Template, Variant
from problemgen.render import Quantity, RenderError, markdown_to_html, render_text, render_texts, unit_tex


@dataclass(frozen=True)
class RenderedPart:
    """One answer box as a student sees it (and its key)."""

    name: str
    label: str
    prompt: str
    unit: str
    """Display unit of the expected answer (``""``: none, or a choice)."""
    options: tuple[str, ...]
    answer: str
    """The key as displayed (never shown to students)."""
    points: float


@dataclass(frozen=True)
class RenderedProblem:
    """A variant rendered to Markdown with LaTeX math (convert with :meth:`html`)."""

    template: str
    title: str
    statement: str
    parts: tuple[RenderedPart, ...]
    solution: str
    figure_svg: str = ""
    """Inline SVG of the problem's figure (empty when it has none)."""
    figure_caption: str = ""

    def html(self, text: str) -> str:
        """HTML with MathML for one of this problem's Markdown texts."""
        return markdown_to_html(text)


@functools.lru_cache(maxsize=4096)
def _literal_decimals(value: float) -> int:
    return max(0, -Decimal(repr(float(value))).normalize().as_tuple().exponent)


def given_quantity(param: Param, value: Any) -> Any:
    """The displayed form of one given: a :class:`Quantity`, or the string itself."""
    if isinstance(value, str):
        return value
    if param.kind == "range" or param.kind == "preset":
        assert param.step is not None
        return Quantity(float(value), param.unit, decimals=_literal_decimals(param.step) if param.low is None
                        else max(_literal_decimals(param.step), _literal_decimals(param.low)))
    if param.kind == "choice":
        return Quantity(float(value), param.unit, decimals=_literal_decimals(value))
    if param.decimals is not None:
        return Quantity(float(value), param.unit, decimals=param.decimals)
    return Quantity(float(value), param.unit, sigfigs=param.sigfigs or 3)


def answer_quantity(part: Part, answer: Answer) -> Any:
    """The displayed form of one answer: a :class:`Quantity` for a number (a numeric multiple
    choice too, so ``{{ dV }}`` and ``{{ dV.tex }}`` work as for any numeric part), else the text."""
    if answer.kind == "numeric":
        return Quantity(float(answer.display), part.unit, sigfigs=part.sigfigs or 3)
    if answer.number is not None:
        return Quantity(answer.number, part.unit, sigfigs=part.sigfigs or 3)
    return answer.display


def givens_context(template: Template, variant: Variant) -> dict[str, Any]:
    """Jinja context of the statement: the givens the sheet shows (hidden helpers are solution-only)."""
    return {p.name: given_quantity(p, variant.givens[p.name]) for p in template.params if p.name in variant.givens}


def statement_texts(template: Template, context: dict[str, Any]) -> tuple[str, list[str]]:
    """The rendered statement and each part's prompt (``""`` for a part without one)."""
    prompted = [part for part in template.parts if part.prompt]
    texts = render_texts((template.statement, *(p.prompt for p in prompted)), context,
                         (f"{template.path}, statement", *(f"{template.path}, parts.{p.name}.prompt" for p in prompted)))
    rendered = dict(zip((p.name for p in prompted), texts[1:]))
    return texts[0], [rendered.get(part.name, "") for part in template.parts]


def render_problem(template: Template, variant: Variant) -> RenderedProblem:
    """Render statement, part prompts and worked solution of one variant."""
    context = givens_context(template, variant)
    where = f"{template.path}"
    statement, prompts = statement_texts(template, context)
    answers = {a.part: a for a in variant.answers}
    parts = []
    for part, prompt in zip(template.parts, prompts):
        answer = answers[part.name]
        parts.append(RenderedPart(part.name, part.label, prompt, part.unit if part.kind == "numeric" else "",
                                  # a choice's key is its option as printed (1.11 × 10⁻⁴, not 0.000111)
                                  answer.options, str(answer.display if answer.kind == "choice" else
                                                      answer_quantity(part, answer)), part.points))
    solution_context = dict(context)
    solution_context.update({p.name: given_quantity(p, variant.hidden[p.name]) for p in template.params
                             if p.name in variant.hidden})
    solution_context["answers"] = {p.name: answer_quantity(p, answers[p.name]) for p in template.parts}
    solution_context.update(solution_context["answers"])
    solution_context["work"] = WorkedSteps(template, variant)
    solution = render_text(template.solution, solution_context, f"{where}, solution")
    svg = caption = ""
    if template.figure is not None:
        from problemgen.figures import draw

        caption = render_text(template.figure.caption, context, f"{where}, figure.caption")
        svg = draw(template.figure.kind, variant.figure, template.figure.options, f"fig-{variant.seed_hex[:12]}")
    return RenderedProblem(template.id, template.title, statement, tuple(parts), solution, svg, caption)


# --- worked steps from the physics core --------------------------------------------------------
class WorkedSteps(Mapping[str, str]):
    """``work`` in a solution: each part's :func:`worked_steps`, computed when the text asks for it."""

    __slots__ = ("_template", "_variant", "_parts", "_done")

    def __init__(self, template: Template, variant: Variant) -> None:
        self._template, self._variant = template, variant
        self._parts = {part.name: part for part in template.parts}
        self._done: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._done:
            part = self._parts[name]  # KeyError: jinja reports an unknown part as undefined
            try:
                self._done[name] = worked_steps(self._template, part, self._variant)
            except (LookupError, TypeError, ValueError) as error:
                # NB: raised as is, jinja would take a LookupError for "no such part".
                raise RenderError(f"{self._template.path}, solution", f"the worked steps of part {name!r} "
                                  f"cannot be written ({type(error).__name__}: {error})") from error
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

@functools.lru_cache(maxsize=512)
def _relation_pattern(relation_name: str) -> tuple[str, str, tuple[str, ...]]:
    """LaTeX of a relation, and of its right-hand side with numbered placeholders per input."""
    import sympy

    from problemgen.physics import relation

    rel = relation(relation_name)
    symbols = rel.symbols()
    names = rel.latex_names()
    placeholders = {symbols[v.name]: f"PGSLOT{i}X" for i, v in enumerate(rel.inputs)}
    from problemgen.physics.relations import sympy_backend

    m = sympy_backend()
    constants = {m.R: r"8.3145\,\mathrm{J\,mol^{-1}\,K^{-1}}", m.F: r"96\,485\,\mathrm{C\,mol^{-1}}",
                 m.e: r"1.602\times10^{-19}\,\mathrm{C}", m.k_B: r"1.381\times10^{-23}\,\mathrm{J\,K^{-1}}",
                 m.N_A: r"6.022\times10^{23}\,\mathrm{mol^{-1}}", m.eps0: r"8.854\times10^{-12}\,\mathrm{F\,m^{-1}}"}
    substituted = sympy.latex(rel.expression(), symbol_names={**names, **placeholders, **constants},
                              ln_notation=True, mul_symbol="dot", order="none")
    return rel.latex(), substituted, tuple(v.unit for v in rel.inputs)


_SI_DISPLAY = {"V": "mV", "mol/m^3": "mM", "K": "K", "m/s": "cm/s", "S": "nS", "A": "pA", "m": "um",
               "F/m^2": "uF/cm^2", "C/m^2": "C/m^2", "A/m^2": "uA/cm^2"}


def worked_steps(template: Template, part: Part, variant: Variant) -> str:
    """Markdown: the relation, the substitution with this variant's numbers, the result.

    Available when the answer is one physics call (``nernst(...)``) or a solve table; other
    answers get an empty string and their template writes the steps itself.
    """
    from problemgen.physics import RELATIONS

    answer = next(a for a in variant.answers if a.part == part.name)
    if answer.kind != "numeric":
        return ""
    node = part.node
    if part.solve is not None:
        result = Quantity(float(answer.display), part.unit, sigfigs=part.sigfigs or 3)
        from problemgen.physics import relation

        equation, _, _ = _relation_pattern(part.solve.relation)
        return f"$${equation}$$\n\nSolving for ${relation(part.solve.relation).symbols()[part.solve.unknown]}$ gives " \
               f"${result.tex}$."
    if not isinstance(node, expr.Call) or node.function not in RELATIONS or not answer.arguments:
        return ""
    from problemgen.solve import argument_units

    equation, pattern, units = _relation_pattern(node.function)
    display = argument_units(template, node)
    for i, (value, unit, shown_unit) in enumerate(zip(answer.arguments, units, display)):
        shown = _si_tex(value, unit, shown_unit)
        # Negative values, and any value raised to a power, go in parentheses: (16 µm)^2.
        bracket = value < 0 or f"PGSLOT{i}X^" in pattern or f"PGSLOT{i}X}}^" in pattern
        pattern = pattern.replace(f"PGSLOT{i}X", rf"\left({shown}\right)" if bracket else shown)
    result = Quantity(float(answer.display), part.unit, sigfigs=part.sigfigs or 3)
    # One aligned equation: the relation, then "= the numbers = the result" under its right side.
    left, right = equation.split(" = ", 1)
    return f"$$\\begin{{aligned}} {left} &= {right} \\\\ &= {pattern} = {result.tex} \\end{{aligned}}$$"


@functools.lru_cache(maxsize=65536)
def _si_tex(value: float, si_unit: str, display_unit: str | None = None) -> str:
    """An argument as substituted into a formula: its value (at most 6 figures) in its display unit.

    A given or an earlier answer keeps the unit the sheet shows; anything else is shown in the
    usual physiological unit of the relation's SI unit.
    """
    from problemgen.bank import unit_factor

    shown = display_unit if display_unit is not None and display_unit != "degC" else _SI_DISPLAY.get(si_unit, si_unit)
    number = value / unit_factor(shown) if shown else value
    exact = Decimal(f"{number:.6g}").normalize()
    figures = min(6, max(1, len(exact.as_tuple().digits)))
    text = Quantity(float(exact), "", sigfigs=figures).number(style="latex", minus="-")
    if "times" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    unit = unit_tex(shown)
    return rf"{text}\,{unit}" if unit else text
