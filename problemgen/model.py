"""Frozen dataclasses passed between the pipeline stages (load -> sample -> solve -> render)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from problemgen.expr import Node


@dataclass(frozen=True)
class Param:
    """One given of a template, as declared under ``[params]``."""

    name: str
    kind: str
    """``choice``, ``ion``, ``range``, ``preset`` or ``derived``."""
    unit: str = ""
    """Display unit (``mM``, ``mV``, ``degC``); expressions see the value in SI."""
    choices: tuple[Any, ...] = ()
    """Values of a ``choice`` or ``ion`` parameter."""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    """Grid of a ``range`` or ``preset`` parameter, in the display unit."""
    cell: str = ""
    ion: str = ""
    """For ``preset``: cell type and ion (an ion symbol or the name of an ``ion`` parameter)."""
    side: str = ""
    """For ``preset``: ``inside`` or ``outside``."""
    expression: str = ""
    node: Node | None = None
    """For ``derived``: the expression and its parsed tree."""
    sigfigs: int | None = None
    decimals: int | None = None
    """Rounding of the displayed value (derived values are rounded to this before use)."""
    hidden: bool = False
    """Derived helper that need not appear in the statement."""


@dataclass(frozen=True)
class Part:
    """One answer box of a problem."""

    name: str
    kind: str
    """``numeric``, ``choice`` or ``symbolic``."""
    label: str
    prompt: str = ""
    expression: str = ""
    node: Node | None = None
    """The answer: an expression of the givens (numeric value, or a word for fixed choices)."""
    solve: SolveFor | None = None
    unit: str = ""
    sigfigs: int | None = None
    rtol: float = 0.01
    atol: float = 0.0
    misconceptions: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    """Fixed options of a word choice (``influx``, ``efflux``, ...)."""
    option_labels: dict[str, str] = field(default_factory=dict)
    """Map from a value the expression returns (``none``) to the option shown."""
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Other spellings that choose an option (``{ "depolarizes it" = ["depolarizes"] }``)."""
    distractors: int = 0
    """For a numeric multiple choice: how many misconception distractors to offer (≤ 4)."""
    variables: dict[str, Any] = field(default_factory=dict)
    constants: dict[str, float] = field(default_factory=dict)
    """For a symbolic part: declared variables with domains, and named constants."""
    points: float = 1.0


@dataclass(frozen=True)
class SolveFor:
    """``solve relation R for unknown X``, with the other variables given as expressions."""

    relation: str
    unknown: str
    known: dict[str, str]
    nodes: dict[str, Node]


@dataclass(frozen=True)
class FigureSpec:
    """A template's figure (see :mod:`problemgen.figures`)."""

    kind: str
    caption: str
    """Jinja text under the figure."""
    inputs: dict[str, Any]
    """Input name -> expression source (a list of sources for list inputs; ion symbols for ``ions``)."""
    options: dict[str, Any]
    """Literal options of the kind (axis range, current unit)."""
    nodes: dict[str, Any] = field(default_factory=dict)
    """Parsed expressions of the inputs."""


@dataclass(frozen=True, eq=False)
class Template:
    """A problem template loaded from a bank TOML file (compared and hashed by identity)."""

    id: str
    title: str
    topic: str
    section: str
    difficulty: int
    params: tuple[Param, ...]
    constraints: tuple[tuple[str, Node], ...]
    parts: tuple[Part, ...]
    statement: str
    solution: str
    path: str
    surface_model: str = ""
    tags: tuple[str, ...] = ()
    figure: FigureSpec | None = None

    def param(self, name: str) -> Param:
        """The parameter called ``name``."""
        return next(p for p in self.params if p.name == name)


@dataclass(frozen=True)
class Bank:
    """A folder of templates with its ``bank.toml``."""

    id: str
    title: str
    path: str
    sections: dict[str, str]
    templates: dict[str, Template]


@dataclass(frozen=True)
class VariantKey:
    """What a variant's seed is derived from (DESIGN.md contract)."""

    exam_id: str
    student_id: str
    slot: str


@dataclass(frozen=True)
class Answer:
    """The solved answer of one part for one variant."""

    part: str
    kind: str
    value: Any
    """SI value for numeric, option text for choice, expression for symbolic."""
    display: float | str
    """Value in the display unit (numeric) or the option (choice)."""
    unit: str
    misconceptions: dict[str, float]
    """Misconception name -> wrong value in the display unit (only those distinct from the answer)."""
    options: tuple[str, ...] = ()
    arguments: tuple[float, ...] = ()
    """SI values of the relation's inputs when the answer is one physics call (for worked steps)."""
    option_mistakes: tuple[tuple[str, str], ...] = ()
    """Numeric multiple choice: (misconception name, the option that shows its value) per distractor."""
    number: float | None = None
    """Numeric multiple choice: the right value in the display unit (``display`` is its option)."""
    option_values: tuple[float, ...] = ()
    """Numeric multiple choice: each option's value in the display unit, in option order."""
    allowance: float = 0.0
    """Numeric: absolute tolerance (display unit) added to the part's, so the answer computed from
    the earlier parts as shown, rounded, is accepted (0 where it already is)."""


@dataclass(frozen=True)
class Variant:
    """One student's version of a template: givens and solved answers."""

    template: str
    key: VariantKey | None
    seed_hex: str
    givens: dict[str, Any]
    """Parameter -> displayed value (number in the display unit, or a string)."""
    answers: tuple[Answer, ...]
    hidden: dict[str, Any] = field(default_factory=dict)
    """Hidden helper parameters (display unit): for worked solutions only, never for the sheet."""
    figure: dict[str, Any] = field(default_factory=dict)
    """Evaluated figure inputs (SI), when the template has a figure."""
