"""What a sheet, a key and the manifest say about one student's variants.

The student-facing objects (:class:`SheetProblem`, :class:`SheetPart`) are built from the
givens only; answers, mistakes and solutions fill the key-only fields, which the sheet
templates never read. The manifest entry of a part carries the ``expected`` dict of the
grading contract (``problemgen.grading.check_answer``), so grading needs nothing else but the
feedback texts of misconceptions, which the manifest keeps once per template and part.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from problemgen import choice_words
from problemgen.exam import ExamConfig, Problem
from problemgen.model import Answer, Part, Template, Variant
from problemgen.physics import misconceptions_for
from problemgen.problem import render_problem
from problemgen.render import Quantity, unit_text


class _Subscriptable:
    """Fields readable as ``obj["name"]`` too: jinja's attribute filters (``selectattr("unit")``,
    ``map(attribute="feedback")``) try a subscript first, and a failed one costs an exception
    (~800 a student in the documents)."""

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True)
class Mistake(_Subscriptable):
    """A recognised wrong answer as the key shows it."""

    value: str
    """The wrong value with its unit, at the part's precision."""
    feedback: str
    """What the student did (the misconception's feedback text)."""


@dataclass(frozen=True)
class SheetPart(_Subscriptable):
    """One answer box: the student sees letter, prompt, unit and options; the key the rest."""

    letter: str
    form_label: str
    """Label on the answer form, e.g. ``3b`` (problem 3, part b)."""
    prompt: str
    unit: str
    """Display unit (``µA/cm²``); empty for choices."""
    unit_plain: str
    """Unit as a student types it (``uA/cm^2``)."""
    options: tuple[str, ...]
    points: float
    answer: str
    mistakes: tuple[Mistake, ...]
    figures: str = ""
    """How many significant figures the answer is graded to, for the student (``3 significant
    figures``); empty when the exam grades by tolerance."""
    unit_typed: bool = True
    """The student writes the unit (the exam requires one); otherwise the unit is printed beside
    the answer space and a bare number is read in it (grading rules §4)."""



@dataclass(frozen=True)
class SheetProblem(_Subscriptable):
    """One problem on a student's sheet (and key)."""

    number: str
    title: str
    points: float
    statement: str
    parts: tuple[SheetPart, ...]
    solution: str
    figure_svg: str = ""
    figure_caption: str = ""
    trailing_points: tuple[bool, bool, bool] = (False, False, False)
    """Whether the sheet's text (statement, prompts, options), the answers and the solution print a
    whole number with a trailing point (``−150.``), which the documents then explain."""

    @property
    def figure_file(self) -> str:
        """File name of the figure beside a Markdown sheet (``figure-3.svg``)."""
        return f"figure-{self.number}.svg" if self.figure_svg else ""


def part_points(template: Template, total: float) -> list[float]:
    """Split a problem's points over its parts in proportion to each part's ``points`` weight."""
    weights = [part.points for part in template.parts]
    return [total * w / sum(weights) for w in weights]


def sheet_problem(template: Template, variant: Variant, number: str, points: float,
                  policy: GradingPolicy | None = None) -> SheetProblem:
    """Render one variant for a sheet and its key; the exam's grading ``policy`` says what the
    numeric answer spaces tell students (significant figures, whether they write the unit)."""
    policy = policy or GradingPolicy()
    figures = policy.figures_note
    rendered = render_problem(template, variant)
    answers = {a.part: a for a in variant.answers}
    parts = []
    for i, (part, shown, share) in enumerate(zip(template.parts, rendered.parts, part_points(template, points))):
        letter = string.ascii_lowercase[i]
        answer = answers[part.name]
        mistakes = tuple(Mistake(str(Quantity(value, part.unit, part.sigfigs or 3)), _feedback(template, part, name))
                         for name, value in answer.misconceptions.items())
        unit = shown.unit
        parts.append(SheetPart(letter, f"{number}{letter}", shown.prompt, unit_text(unit), unit, shown.options, share,
                               shown.answer, mistakes, figures if answer.kind == "numeric" else "", policy.unit_required))
    from problemgen.documents import has_trailing_point

    flags = (has_trailing_point(rendered.statement, *(p.prompt for p in parts), *(o for p in parts for o in p.options)),
             has_trailing_point(*(p.answer for p in parts), *(m.value for p in parts for m in p.mistakes)),
             has_trailing_point(rendered.solution))
    return SheetProblem(number, template.title, points, rendered.statement, tuple(parts), rendered.solution,
                        rendered.figure_svg, rendered.figure_caption, flags)


def _feedback(template: Template, part: Part, name: str) -> str:
    return _feedback_text(template, part.name, name)


@functools.lru_cache(maxsize=4096)
def _feedback_text(template: Template, part_name: str, name: str) -> str:
    """The registry's feedback for misconception ``name`` of one part (cached per template)."""
    from problemgen.engine import prepared

    solver, _ = prepared(template)
    # As the wrong value is computed: from the part's own calls first, else the earlier parts'.
    for functions in (solver.own.get(part_name, ()), solver.uses.get(part_name, ())):
        for function in sorted(functions):
            model = misconceptions_for(function).get(name)
            if model is not None:
                return model.feedback
    return name.replace("_", " ")


@dataclass(frozen=True)
class GradingPolicy:
    """How an exam grades one problem (from the exam config and the problem's overrides)."""

    misconception_credit: float = 0.0
    unit_required: bool = True
    sigfigs: int | None = None
    """Graded significant figures (``None``: the template's sigfigs only set how keys print)."""
    sigfig_rule: str = "exact"

    @classmethod
    def of(cls, exam: ExamConfig, problem: Problem) -> GradingPolicy:
        """The policy of one problem of an exam."""
        credit = exam.misconception_credit if problem.misconception_credit is None else problem.misconception_credit
        return cls(credit, exam.unit_required, problem.sigfigs, exam.sigfig_rule)

    @property
    def figures_note(self) -> str:
        """What sheets tell students about significant-figure grading (``""`` when graded by tolerance)."""
        if self.sigfigs is None:
            return ""
        figures = f"{self.sigfigs} significant figure" + ("" if self.sigfigs == 1 else "s")
        return f"at least {figures}" if self.sigfig_rule == "at_least" else figures


def expected(template: Template, part: Part, answer: Answer, policy: GradingPolicy = GradingPolicy(),
             texts: bool = True) -> dict[str, Any]:
    """The ``expected`` dict of the grading contract for one part of one variant.

    ``texts=False`` leaves out ``misconception_feedback``, as the manifest stores it (the texts
    live in its shared table and are attached again on loading).
    """
    if answer.kind == "numeric":
        numeric = {
            "kind": "numeric", "value": float(answer.display), "unit": part.unit, "unit_required": policy.unit_required,
            "rtol": part.rtol, "atol": part.atol + answer.allowance, "atol_unit": None,
            "sigfigs": policy.sigfigs, "sigfig_rule": policy.sigfig_rule,
            "misconceptions": dict(answer.misconceptions),
            "misconception_credit": policy.misconception_credit,
        }
        if policy.sigfigs is not None and answer.allowance:
            # The figure rule ignores atol, which holds the allowance for carried rounded parts.
            numeric["allowance"] = answer.allowance
        if texts:
            numeric["misconception_feedback"] = {n: _feedback(template, part, n) for n in answer.misconceptions}
        return numeric
    if answer.kind == "choice":
        words = {} if answer.option_values else choice_words.part_aliases(tuple(answer.options), part)
        choice = {"kind": "choice", "answer": str(answer.display), "options": list(answer.options), "aliases": words}
        if answer.option_values:  # numeric options: typed values choose them too (-5.020, -0.00502 V)
            choice.update(values=dict(zip(answer.options, answer.option_values)), unit=part.unit, rtol=part.rtol,
                          atol=part.atol, figures=part.sigfigs or 3)
        if answer.option_mistakes:
            choice["misconceptions"] = dict(answer.option_mistakes)
            choice["misconception_credit"] = policy.misconception_credit
            if texts:
                choice["misconception_feedback"] = {n: _feedback(template, part, n) for n, _ in answer.option_mistakes}
        return choice
    return {"kind": "symbolic", "expression": part.expression, "variables": dict(part.variables),
            "constants": dict(part.constants), "functions": [], "rtol": part.rtol, "atol": part.atol}


def misconception_texts(templates: Iterable[Template]) -> dict[str, dict[str, dict[str, str]]]:
    """The manifest's shared feedback table: template id -> part name -> misconception -> text."""
    return {template.id: {part.name: {name: _feedback(template, part, name) for name in part.misconceptions}
                          for part in template.parts if part.misconceptions}
            for template in sorted(templates, key=lambda t: t.id)}


def manifest_problem(template: Template, variant: Variant, problem: Problem, sheet: SheetProblem,
                     exam: ExamConfig) -> dict[str, Any]:
    """The manifest entry of one problem of one student.

    Givens; for each part its label, points, the displayed key and the ``expected`` dict of the
    grading contract; the worked solution (Markdown) for feedback; and, for a problem with a
    figure, the name of its SVG file beside the key and its caption.
    """
    answers = {a.part: a for a in variant.answers}
    parts = []
    for part, shown in zip(template.parts, sheet.parts):
        answer = answers[part.name]
        if answer.kind == "choice" and answer.display not in answer.options:
            from problemgen.errors import BuildError

            raise BuildError(f"not built: problem {problem.number} ({template.id}, {template.path}), part {part.name}: "
                             f"the answer {answer.display!r} is not one of the options {list(answer.options)}; add it, "
                             f"or map it with option_labels, then check with: problemgen validate {template.path}")
        parts.append({"label": shown.form_label, "name": part.name, "points": shown.points, "answer": shown.answer,
                      "prompt": shown.prompt,
                      "expected": expected(template, part, answer, GradingPolicy.of(exam, problem), texts=False)})
    entry = {"slot": sheet.number, "template": template.id, "title": template.title, "points": problem.points,
             "seed": variant.seed_hex, "givens": variant.givens, "statement": sheet.statement,
             "solution": sheet.solution, "parts": parts}
    if sheet.figure_svg:  # the SVG itself is a file beside the key (keys/<id>/figure-3.svg)
        entry.update(figure=sheet.figure_file, figure_caption=sheet.figure_caption)
    return entry
