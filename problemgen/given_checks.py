"""Validation of how a template declares and prints its givens (part of ``problemgen validate``).

Two author mistakes that load, solve and render without an error, yet print a wrong sheet:

- a physical given without a ``unit``: the sheet prints a bare number ("bathed in 6.5 K⁺").
  Only givens that are clearly physical are flagged: an argument of a physics function that
  takes a quantity with a unit (a concentration, a voltage, a temperature), a ``preset`` (a
  concentration), a name like a concentration (``K_out``, ``Na_i``), or a derived value whose
  expression has a dimension. Hidden helpers are not printed, so they are left alone;
- a quantity written into math as ``{{ Vm }}`` instead of ``{{ Vm.tex }}``: math then sets the
  text form's minus sign as a variable and its unit in italics. Only a quantity whose text and
  TeX forms differ in some sample is flagged (a ratio such as 0.04 prints the same in both).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from problemgen import expr
from problemgen.model import Param, Template

if TYPE_CHECKING:
    from problemgen.validate import Finding

#: Arguments with a unit that the relations do not name (functions without a relation, or whose
#: Python arguments are named otherwise): function -> argument -> SI unit.
_MORE_ARGUMENT_UNITS = {
    "water_permittivity": {"T": "K"},
    "ghk_voltage": {"c_out": "mol/m^3", "c_in": "mol/m^3", "T": "K"},
    "flux_direction": {"Vm": "V", "E": "V"},
    "current_direction": {"Vm": "V", "E": "V"},
    "chord_potential": {"E": "V"},
    "effective_driving_force": {"Vm": "V", "E": "V", "psi_in": "V", "psi_out": "V"},
    "grahame_surface_charge": {"psi0": "V"},
}
#: Argument units a bare number may stand for: pure numbers, and permeabilities, which templates
#: often give as ratios (P_Na/P_K = 0.04).
_UNITLESS_OK = ("", "m/s")
#: A name like a concentration: an ion (or c) and a side, ``K_out``, ``Na_i``, ``c_bulk``, ``K_o_active``.
_CONCENTRATION_NAME = re.compile(r"(?:K|Na|Cl|Ca|Mg|H|HCO3|Li|Rb|Cs|c|conc)_(?:in|out|i|o|e|ext|int|bulk|inside|"
                                 r"outside)(?:_\w+)?")


@functools.cache
def argument_units(function: str) -> tuple[tuple[str, str], ...]:
    """(argument name, SI unit) of each positional argument of a physics function (``""``: none)."""
    from problemgen.functions import PHYSICS
    from problemgen.physics import RELATIONS

    if function not in PHYSICS:
        return ()
    try:
        names = list(inspect.signature(PHYSICS[function]).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to say
        return ()
    known = {v.name: v.unit for v in RELATIONS[function].inputs} if function in RELATIONS else {}
    known.update(_MORE_ARGUMENT_UNITS.get(function, {}))
    return tuple((name, known.get(name, "")) for name in names)


def _sources(template: Template) -> Iterator[tuple[str, expr.Node]]:
    """Every expression of a template with its key: derived givens, answers, constraints."""
    for param in template.params:
        if param.node is not None:
            yield f"params.{param.name}.derived", param.node
    for part in template.parts:
        if part.node is not None:
            yield f"parts.{part.name}.value", part.node
        if part.solve is not None:
            for name, node in part.solve.nodes.items():
                yield f"parts.{part.name}.solve.known.{name}", node
    for index, (_, node) in enumerate(template.constraints):
        yield f"constraints[{index}]", node


def _physics_uses(template: Template) -> dict[str, tuple[str, str, str, str]]:
    """Given -> (function, argument, SI unit, key) of its first use as a physics argument with a unit."""
    from problemgen.physics import relation

    uses: dict[str, tuple[str, str, str, str]] = {}
    for key, root in _sources(template):
        for node in expr.walk(root):
            if not isinstance(node, expr.Call):
                continue
            for (argument, unit), value in zip(argument_units(node.function), node.args):
                for item in value.items if isinstance(value, expr.ListExpr) else (value,):
                    if isinstance(item, expr.Name) and unit not in _UNITLESS_OK:
                        uses.setdefault(item.id, (node.function, argument, unit, key))
    for part in template.parts:
        if part.solve is None:
            continue
        found = relation(part.solve.relation)
        units = {v.name: v.unit for v in (found.output, *found.inputs)}
        for name, node in part.solve.nodes.items():
            if isinstance(node, expr.Name) and units.get(name, "") not in _UNITLESS_OK:
                uses.setdefault(node.id, (part.solve.relation, name, units[name], f"parts.{part.name}.solve.known"))
    return uses


def _numeric(param: Param) -> bool:
    return param.kind in ("range", "preset", "derived") or (
        param.kind == "choice" and not any(isinstance(choice, str) for choice in param.choices))


def check_given_units(template: Template) -> list[Finding]:
    """A finding per shown given without a unit that is clearly a physical quantity."""
    from problemgen.validate import _EXAMPLE_UNITS, Finding, _a, _dimension_name, _dims

    uses = _physics_uses(template)
    derived_dims = _derived_dimensions(template)
    findings = []
    for param in template.params:
        if param.unit or param.hidden or not _numeric(param):
            continue
        key = f"params.{param.name}.unit"
        if param.name in uses:
            function, argument, unit, where = uses[param.name]
            kind = "a Celsius temperature" if unit == "degC" else _a(_dimension_name(_dims(unit)))
            example = "degC" if unit == "degC" else _EXAMPLE_UNITS.get(_dimension_name(_dims(unit)), unit)
            message = (f"missing: {param.name} is the {argument} argument of {function}() in {where}, {kind}; "
                       f"without a unit the sheet prints a bare number and expressions read it in {unit}; add its "
                       f"display unit (unit = \"{example}\", say)")
        elif param.kind == "preset":
            message = ("missing: a preset is a concentration (the cell-type tables are in mM); without a unit the "
                       "sheet prints a bare number; add its display unit (unit = \"mM\", say)")
        elif param.kind == "derived" and derived_dims.get(param.name):
            name = derived_dims[param.name]
            message = (f"missing: the expression gives {_a(name)}; without a unit the sheet prints a bare number in "
                       f"SI; add its display unit (unit = \"{_EXAMPLE_UNITS.get(name, 'SI')}\", say)")
        elif _CONCENTRATION_NAME.fullmatch(param.name):
            message = (f"missing: {param.name} is named like a concentration; without a unit the sheet prints a bare "
                       "number; add its display unit (unit = \"mM\", say), or rename it if it is a pure number")
        else:
            continue
        findings.append(Finding(template.path, key, message))
    return findings


def _derived_dimensions(template: Template) -> dict[str, str]:
    """Derived given without a unit -> the dimension its expression has (only where it has one)."""
    from problemgen.validate import (
        _ZERO,
        _dimension_name,
        _DimensionMismatch,
        _dims,
        infer_dims,
    )

    names: dict[str, Any] = {}
    found: dict[str, str] = {}
    for param in template.params:
        if param.kind == "ion" or (param.kind == "choice" and any(isinstance(c, str) for c in param.choices)):
            names[param.name] = None
        elif param.kind == "derived" and param.node is not None and not param.unit:
            try:
                dims = infer_dims(param.node, names)
            except _DimensionMismatch:
                dims = None
            names[param.name] = dims
            if dims is not None and dims != _ZERO:
                found[param.name] = _dimension_name(dims)
        else:
            names[param.name] = _dims(param.unit)
    return found


# --- quantities written into math ---------------------------------------------------------------
def math_interpolations(text: str) -> list[tuple[int, str]]:
    """(line, name) of each ``{{ name }}`` (a bare name: no ``.tex``, filter or call) inside ``$...$``
    or ``$$...$$`` of a jinja text."""
    from problemgen.render import environment

    found = []
    inline = display = False
    block: list[tuple[int, str, str]] | None = None
    for line, kind, value in environment().lex(text):
        if kind == "data":
            index = 0
            while index < len(value):
                if value[index] == "\\":
                    index += 2
                    continue
                if value.startswith("$$", index) and not inline:
                    display, index = not display, index + 2
                    continue
                if value[index] == "$" and not display:
                    inline = not inline
                index += 1
        elif kind == "variable_begin":
            block = []
        elif kind == "variable_end" and block is not None:
            if (inline or display) and len(block) == 1 and block[0][1] == "name":
                found.append((block[0][0], block[0][2]))
            block = None
        elif block is not None and kind != "whitespace":
            block.append((line, kind, value))
    return found


def _reasons(quantity: Any) -> list[str]:
    """What math makes of a quantity's text form."""
    text = quantity.number()
    return [reason for reason, found in (("the minus sign as a variable", "\u2212" in text),
                                         ("the power of ten as text", "×" in text),
                                         ("the unit in italics", bool(quantity.unit))) if found]


def check_math_quantities(template: Template, variants: list[Any]) -> list[Finding]:
    """A finding per ``{{ x }}`` inside math whose text form differs from ``x.tex`` in some sample
    (a unit, a minus sign or a power of ten, which math sets wrongly)."""
    from problemgen.problem import answer_quantity, given_quantity, givens_context
    from problemgen.render import Quantity
    from problemgen.validate import Finding, _texts

    places = [(key, line, name) for key, text in _texts(template) for line, name in math_interpolations(text or "")]
    if not places or not variants:
        return []
    parts = {part.name: part for part in template.parts}
    shown: list[dict[str, Any]] = []
    for variant in variants:
        context = givens_context(template, variant)
        context.update({p.name: given_quantity(p, variant.hidden[p.name]) for p in template.params
                        if p.name in variant.hidden})
        context.update({a.part: answer_quantity(parts[a.part], a) for a in variant.answers})
        shown.append(context)
    findings = []
    for key, line, name in places:
        worst: tuple[int, str, str, list[str]] | None = None
        for context in shown:
            quantity = context.get(name)
            if isinstance(quantity, Quantity) and str(quantity) != quantity.tex:
                reasons = _reasons(quantity)
                if worst is None or len(reasons) > worst[0]:
                    worst = (len(reasons), str(quantity), quantity.tex, reasons)
        if worst is None:
            continue  # a plain number that prints the same in text and math
        _, text, tex, reasons = worst
        how = f", which math sets with {' and '.join(reasons)}" if reasons else ""
        findings.append(Finding(template.path, key, f"line {line}: {{{{ {name} }}}} inside $...$ prints '{text}'{how}; "
                                                    f"write {{{{ {name}.tex }}}} ({tex})"))
    return findings
