"""Load and check banks of problem templates (TOML, ``schema_version = 1``).

Every problem is reported as ``In <file>, key <path>: <what is wrong>; <how to fix>``. The
format is documented for authors in ``banks/README.md``.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import math
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from problemgen import expr
from problemgen.errors import BankError, ProblemgenError, SchemaVersionError
from problemgen.functions import CONSTANTS, FUNCTIONS
from problemgen.model import Bank, FigureSpec, Param, Part, SolveFor, Template

SCHEMA_VERSION = 1
#: Most values a range or preset may take (numpy builds the whole grid: a range of 1 to 1e15 in
#: steps of 1 would need petabytes).
MAX_GRID_VALUES = 1_000_000
#: Most significant figures or decimals a value may be shown with (as in exam configs).
MAX_SIGFIGS = 15
PARAM_KINDS = ("choice", "ion", "range", "preset", "derived")
PART_KINDS = ("numeric", "choice", "symbolic")
DIFFICULTIES = (1, 2, 3)
_TEMPLATE_KEYS = {"schema_version", "id", "title", "topic", "section", "difficulty", "surface_model", "tags",
                  "params", "constraints", "parts", "statement", "solution", "figure"}
_PARAM_KEYS = {"choice", "ion", "range", "preset", "derived", "step", "unit", "cell", "side", "sigfigs",
               "decimals", "hidden"}
_PART_KEYS = {"name", "kind", "label", "prompt", "value", "solve", "unit", "sigfigs", "tolerance",
              "misconceptions", "options", "option_labels", "aliases", "distractors", "variables", "constants",
              "points"}


def builtin_banks_dir() -> Path:
    """The folder holding the banks shipped with problemgen (inside the installed package)."""
    return Path(str(importlib.resources.files("problemgen.banks")))


def unit_factor(unit: str) -> float:
    """SI factor of a display unit; ``degC`` is kept as a plain number (use ``kelvin()``)."""
    if unit in ("", "degC"):
        return 1.0
    from problemgen.units import parse_unit

    return float(parse_unit(unit).factor)


def _unit_symbol_value(symbol: str) -> float | None:
    try:
        return unit_factor(symbol)
    except (ProblemgenError, ValueError):
        return None


class _Reader:
    """Typed access to one TOML table with located errors."""

    def __init__(self, path: str, prefix: str, table: dict[str, Any], allowed: set[str]) -> None:
        self.path, self.prefix, self.table = path, prefix, table
        unknown = sorted(set(table) - allowed)
        if unknown and prefix and unknown[0] in _TEMPLATE_KEYS:
            # TOML puts every key written after a [table] header into that table.
            raise BankError(path, self.key(unknown[0]), f"{unknown[0]!r} belongs to the template, not to "
                            f"{prefix}; move it above the first [table] or [[table]] header")
        if unknown:
            raise BankError(path, self.key(unknown[0]), f"unknown key; allowed keys here: {', '.join(sorted(allowed))}")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str) -> BankError:
        return BankError(self.path, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., describe: str = "") -> Any:
        if name not in self.table:
            if default is ...:
                raise self.fail(name, f"missing; add {describe or name}")
            return default
        value = self.table[name]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(name, f"must be {describe or _kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(name, f"must be {describe or _kind_name(kind)}, got {value!r}")
        return value

    def expression(self, name: str, source: str, variables: set[str]) -> expr.Node:
        try:
            node = expr.parse(source, _unit_symbol_value)
            expr.check_names(node, source, variables, FUNCTIONS, CONSTANTS)
        except expr.ExpressionError as error:
            raise error.located(f"In {self.path}, key {self.key(name)}") from None
        return node


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table", bool: "true or false"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _check_unit(reader: _Reader, name: str, unit: str) -> None:
    from problemgen.units import UnitFormatError, try_parse_unit

    if unit in ("", "degC"):
        return
    parsed = try_parse_unit(unit)
    if isinstance(parsed, UnitFormatError):
        raise reader.fail(name, f"{parsed.problem} (units are case-sensitive SI symbols such as mV, mM, nS, pA, um)")


def _step(r: _Reader) -> float:
    step = r.get("step", (int, float), describe="a positive step in the display unit, e.g. step = 0.5")
    if not (math.isfinite(step) and step > 0):
        raise r.fail("step", f"must be a finite number > 0, got {step!r}")
    return float(step)


def _check_grid_size(r: _Reader, low: float, high: float, step: float) -> None:
    """Refuse a grid of more than :data:`MAX_GRID_VALUES` values before numpy tries to build it."""
    count = (high - low) / step + 1
    if count > MAX_GRID_VALUES:
        smallest = (high - low) / (MAX_GRID_VALUES - 1)
        raise r.fail("step", f"gives more than {MAX_GRID_VALUES:,} values from {low:g} to {high:g} in steps of "
                             f"{step:g}; raise the step to at least {smallest:.3g}, or narrow the range")


def _param(path: str, name: str, table: Any, known: set[str], ion_params: dict[str, tuple[str, ...]]) -> Param:
    if name in _TEMPLATE_KEYS and not isinstance(table, dict):
        raise BankError(path, f"params.{name}", f"{name!r} belongs to the template, not to params; move it above "
                        "the first [table] or [[table]] header")
    if not isinstance(table, dict):
        raise BankError(path, f"params.{name}", "must be a table such as { range = [1, 10], step = 1, unit = \"mM\" }")
    r = _Reader(path, f"params.{name}", table, _PARAM_KEYS)
    kinds = [k for k in PARAM_KINDS if k in table and not (k == "ion" and "preset" in table)]
    if len(kinds) != 1:
        raise r.fail("", f"give exactly one of {', '.join(PARAM_KINDS)}") if not kinds else \
            r.fail(kinds[1], f"give exactly one of {', '.join(PARAM_KINDS)}, not both {kinds[0]} and {kinds[1]}")
    kind = kinds[0]
    unit = r.get("unit", str, "")
    _check_unit(r, "unit", unit)
    common = dict(name=name, kind=kind, unit=unit, sigfigs=r.get("sigfigs", int, None),
                  decimals=r.get("decimals", int, None), hidden=r.get("hidden", bool, False))
    _check_sigfigs(r, common["sigfigs"])
    if common["decimals"] is not None and not 0 <= common["decimals"] <= MAX_SIGFIGS:
        raise r.fail("decimals", f"must be a whole number from 0 to {MAX_SIGFIGS}, got {common['decimals']}")
    if kind == "choice":
        choices = r.get("choice", list, describe="a non-empty list")
        if not choices:
            raise r.fail("choice", "must list at least one value")
        if any(isinstance(c, float) and not math.isfinite(c) for c in choices):
            raise r.fail("choice", f"must list finite numbers, got {choices!r}")
        return Param(choices=tuple(choices), **common)
    if kind == "ion":
        from problemgen.physics import ion as lookup

        symbols = r.get("ion", (list, str), describe="an ion symbol or a list of them")
        symbols = [symbols] if isinstance(symbols, str) else symbols
        try:
            return Param(choices=tuple(lookup(s).symbol for s in symbols), **common)
        except ProblemgenError as error:
            raise r.fail("ion", str(error)) from None
    if kind == "range":
        bounds = r.get("range", list, describe="[low, high]")
        if len(bounds) != 2 or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds) \
                or not all(math.isfinite(b) for b in bounds) or bounds[0] > bounds[1]:
            raise r.fail("range", f"must be [low, high] of finite numbers with low <= high, got {bounds!r}")
        step = _step(r)
        _check_grid_size(r, float(bounds[0]), float(bounds[1]), step)
        return Param(low=float(bounds[0]), high=float(bounds[1]), step=step, **common)
    if kind == "preset":
        from problemgen.physics import cell_type

        cell = r.get("preset", str, describe="a cell type such as \"neuron\"")
        try:
            cell_type(cell)
        except ProblemgenError as error:
            raise r.fail("preset", str(error)) from None
        ion_name = r.get("ion", str, describe="an ion symbol or the name of an ion parameter")
        if ion_name not in ion_params:
            try:
                cell_type(cell).typical(ion_name)
            except ProblemgenError as error:
                raise r.fail("ion", str(error)) from None
        side = r.get("side", str, describe="\"inside\" or \"outside\"")
        if side not in ("inside", "outside"):
            raise r.fail("side", f"must be \"inside\" or \"outside\", got {side!r}")
        step = _step(r)
        for symbol in ion_params.get(ion_name, (ion_name,)):
            try:
                typical = getattr(cell_type(cell).typical(symbol), side)
            except ProblemgenError as error:
                raise r.fail("ion", str(error)) from None
            to_display = 1.0 / unit_factor(unit or "mM")  # cell-type tables are in mM
            _check_grid_size(r, typical[0] * to_display, typical[1] * to_display, step)
        return Param(cell=cell, ion=ion_name, side=side, step=step, **common)
    source = r.get("derived", str, describe="an expression")
    return Param(expression=source, node=r.expression("derived", source, known), **common)


def _part(path: str, index: int, table: Any, variables: set[str]) -> Part:
    if not isinstance(table, dict):
        raise BankError(path, f"parts[{index}]", "must be a table ([[parts]])")
    name = table.get("name", f"#{index + 1}")
    r = _Reader(path, f"parts.{name}", table, _PART_KEYS)
    name = r.get("name", str, describe="a short identifier such as \"E\"")
    kind = r.get("kind", str, "numeric")
    if kind not in PART_KINDS:
        raise r.fail("kind", f"must be one of {', '.join(PART_KINDS)}, got {kind!r}")
    unit = r.get("unit", str, "")
    _check_unit(r, "unit", unit)
    if "tolerance" in table and not isinstance(table["tolerance"], dict):
        from problemgen.exam import tolerance_example

        example = tolerance_example(table["tolerance"], "the part's unit")
        raise r.fail("tolerance", f"must be a table, such as {example}; got {table['tolerance']!r}")
    tolerance = r.get("tolerance", dict, {})
    t = _Reader(path, r.key("tolerance"), tolerance, {"rtol", "atol"})
    fields: dict[str, Any] = dict(
        name=name, kind=kind, label=r.get("label", str, name), prompt=r.get("prompt", str, ""), unit=unit,
        sigfigs=r.get("sigfigs", int, None), rtol=float(t.get("rtol", (int, float), 0.01)),
        atol=float(t.get("atol", (int, float), 0.0)), points=float(r.get("points", (int, float), 1.0)),
        misconceptions=tuple(r.get("misconceptions", list, [])),
        distractors=r.get("distractors", int, 0), options=tuple(r.get("options", list, [])),
        option_labels=dict(r.get("option_labels", dict, {})),
        aliases=_aliases(r, r.get("options", list, [])),
        variables=dict(r.get("variables", dict, {})), constants=dict(r.get("constants", dict, {})),
    )
    if not 0 <= fields["distractors"] <= 4:
        raise r.fail("distractors", f"must be between 0 and 4, got {fields['distractors']}")
    _check_sigfigs(r, fields["sigfigs"])
    for name_, bound in (("rtol", fields["rtol"]), ("atol", fields["atol"])):
        if not (math.isfinite(bound) and bound >= 0):
            raise t.fail(name_, f"must be a finite number >= 0, got {bound:g}")
    if fields["rtol"] >= 1:
        raise t.fail("rtol", f"must be below 1 (a fraction: 0.02 for 2 %), got {fields['rtol']:g}; "
                     "rtol = 1 would accept anything from 0 to twice the key")
    if not 0 <= fields["points"] <= 1000:  # a weight among the problem's parts
        raise r.fail("points", f"must be a number from 0 to 1000 (the part's share of the problem), "
                               f"got {fields['points']:g}")
    _check_plain(r, "label", fields["label"])
    for option in fields["options"]:
        _check_plain(r, "options", option)
    if fields["options"]:
        strays = sorted(set(fields["option_labels"].values()) - set(fields["options"]))
        if strays:
            raise r.fail("option_labels", f"maps to {', '.join(map(repr, strays))}, which is not among the options "
                                          f"({', '.join(map(repr, fields['options']))}); use the options' own words")
    if kind == "symbolic":
        fields["expression"] = r.get("value", str, describe="the expected expression")
        if not fields["variables"]:
            raise r.fail("variables", "missing; declare each symbol with its domain, e.g. { c_out = \"positive\" }")
        for key in ("unit", "sigfigs", "misconceptions"):
            if key in table:
                raise r.fail(key, "a symbolic part is graded as an expression, which has no "
                                  f"{'unit' if key == 'unit' else key}; remove it")
        _check_symbolic(r, fields)
        return Part(**fields)
    if "solve" in table:
        fields["solve"] = _solve_for(r, r.get("solve", dict), variables)
    else:
        source = r.get("value", str, describe="an expression of the givens, or a solve table")
        fields["expression"] = source
        fields["node"] = r.expression("value", source, variables)
    if kind == "choice" and not fields["options"] and not fields["distractors"]:
        raise r.fail("options", "missing; list the words to choose from, or set distractors = 1..4 for numeric options")
    return Part(**fields)


def _solve_for(r: _Reader, table: dict[str, Any], variables: set[str]) -> SolveFor:
    from problemgen.physics import RELATIONS

    s = _Reader(r.path, r.key("solve"), table, {"relation", "unknown", "known"})
    name = s.get("relation", str, describe="a relation name such as \"nernst\"")
    if name not in RELATIONS:
        raise s.fail("relation", f"unknown relation {name!r}; use one of: {', '.join(sorted(RELATIONS))}")
    relation = RELATIONS[name]
    names = [v.name for v in (relation.output, *relation.inputs)]
    unknown = s.get("unknown", str, describe="the variable to solve for")
    if unknown not in names:
        raise s.fail("unknown", f"{unknown!r} is not a variable of {name}; use one of: {', '.join(names)}")
    known = s.get("known", dict, describe="a table giving every other variable as an expression")
    missing = [n for n in names if n != unknown and n not in known]
    if missing:
        raise s.fail("known", f"missing {', '.join(missing)}; give every variable of {name} except {unknown}")
    k = _Reader(r.path, s.key("known"), known, set(names) - {unknown})
    nodes = {n: k.expression(n, k.get(n, str, describe="an expression"), variables) for n in known}
    return SolveFor(name, unknown, dict(known), nodes)


def _figure(path: str, table: dict[str, Any], variables: set[str]) -> FigureSpec:
    """Check a ``[figure]`` table: its kind, caption, input expressions and options."""
    from problemgen.figures import KINDS, OPTIONS

    kind = table.get("kind")
    if kind not in KINDS:
        raise BankError(path, "figure.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    r = _Reader(path, "figure", table, {"kind", "caption", *KINDS[kind], *OPTIONS[kind]})
    inputs: dict[str, Any] = {}
    nodes: dict[str, Any] = {}
    for name in KINDS[kind]:
        if name == "ions":
            from problemgen.physics import ion

            symbols = r.get(name, list, describe="a list of ion symbols")
            try:
                inputs[name] = [ion(s).symbol for s in symbols]
            except ProblemgenError as error:
                raise r.fail(name, str(error)) from None
            continue
        source = r.get(name, (str, list), describe=f"an expression for the {KINDS[kind][name]}")
        inputs[name] = source
        if isinstance(source, list):
            nodes[name] = [r.expression(f"{name}[{i}]", str(item), variables) for i, item in enumerate(source)]
        else:
            nodes[name] = r.expression(name, source, variables)
    options = {name: r.get(name, (int, float, str), default) for name, default in OPTIONS[kind].items()}
    for name, value in options.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise r.fail(name, f"must be a finite number, got {value!r}")
    if kind == "iv_curve" and isinstance(options["v_min"], (int, float)) and isinstance(options["v_max"], (int, float)) \
            and not options["v_min"] < options["v_max"]:
        raise r.fail("v_max", f"must be above v_min ({options['v_min']:g}), got {options['v_max']:g}")
    return FigureSpec(kind, r.get("caption", str, ""), inputs, options, nodes)


def load_template(path: str | Path, label: str | None = None) -> Template:
    """Read and check one template file; ``label`` is the path shown in messages."""
    path = Path(path)
    shown = label or str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BankError(shown, "", f"not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BankError(shown, "", f"cannot be read: {error}") from None
    return template_from_dict(data, shown)


def _check_schema(data: dict[str, Any], shown: str) -> None:
    version = data.get("schema_version")
    if version is None:
        raise SchemaVersionError(shown, "schema_version", f"missing; add schema_version = {SCHEMA_VERSION}")
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        fix = "upgrade problemgen (pip install -U problemgen)" if newer else f"update the file to schema_version = {SCHEMA_VERSION}"
        raise SchemaVersionError(shown, "schema_version", f"is {version!r} but this problemgen reads {SCHEMA_VERSION}; {fix}")


def template_from_dict(data: dict[str, Any], shown: str) -> Template:
    """Check a parsed template table and build the :class:`Template`."""
    _check_schema(data, shown)
    r = _Reader(shown, "", data, _TEMPLATE_KEYS)
    params_table = r.get("params", dict, describe="a [params] table")
    params: list[Param] = []
    known: set[str] = set()
    ion_params: dict[str, tuple[str, ...]] = {}  # name -> the ions it can take
    for name, spec in params_table.items():
        param = _param(shown, name, spec, known, ion_params)
        params.append(param)
        known.add(name)
        if param.kind == "ion":
            ion_params[name] = param.choices
    parts_list = r.get("parts", list, describe="at least one [[parts]] table")
    if not parts_list:
        raise r.fail("parts", "must contain at least one part")
    # A part may use the answers of the parts before it (e.g. DF = Vm - E).
    parts: list[Part] = []
    seen: set[str] = set()
    for i, table in enumerate(parts_list):
        part = _part(shown, i, table, known | seen)
        if part.name in seen or part.name in known:
            raise BankError(shown, f"parts.{part.name}", "name used twice; give each part and parameter its own name")
        parts.append(part)
        seen.add(part.name)
    if not any(part.points > 0 for part in parts):  # a problem's points are split by these weights
        raise r.fail("parts", "every part has points = 0, so a problem's points would go to none of them; give at "
                              "least one part a weight above 0 (1 if left out)")
    constraints = tuple(
        (source, r.expression(f"constraints[{i}]", source, known | seen))
        for i, source in enumerate(r.get("constraints", list, []))
    )
    figure = _figure(shown, r.get("figure", dict, {}), known | seen) if "figure" in data else None
    difficulty = r.get("difficulty", int, describe="1, 2 or 3")
    if difficulty not in DIFFICULTIES:
        raise r.fail("difficulty", f"must be 1, 2 or 3, got {difficulty}")
    template_id = r.get("id", str, describe="a unique id such as \"nernst-cation\"")
    if not _TEMPLATE_ID.fullmatch(template_id):
        raise r.fail("id", f"{template_id!r} is not a usable id; use lower-case letters, digits and hyphens, such as "
                           "\"nernst-cation\" (it names the template in exam configs, seeds and file names)")
    statement, solution = r.get("statement", str), r.get("solution", str)
    texts = [("statement", statement), ("solution", solution), *((f"parts.{p.name}.prompt", p.prompt) for p in parts)]
    if figure is not None:
        texts.append(("figure.caption", figure.caption))
    for key, text in texts:
        _check_tex(r, key, text)
    _check_plain(r, "title", r.get("title", str))
    return Template(
        id=template_id, title=r.get("title", str),
        topic=r.get("topic", str), section=r.get("section", str, describe="the seed section it teaches"),
        difficulty=difficulty, params=tuple(params), constraints=constraints, parts=tuple(parts),
        statement=statement, solution=solution, path=shown,
        surface_model=r.get("surface_model", str, ""), tags=tuple(r.get("tags", list, [])),
        figure=figure,
    )


def load_bank(folder: str | Path, label: Callable[[Path], str] | None = None) -> Bank:
    """Load ``bank.toml`` and every template ``*.toml`` beside it (sorted by file name)."""
    folder = Path(folder)
    shown = label or (lambda p: str(p))
    r, sections = _bank_meta(folder, shown)
    templates: dict[str, Template] = {}
    for path in template_files(folder):
        template = load_template(path, shown(path))
        problems = bank_membership_problems(template, sections, templates)
        if problems:
            raise BankError(shown(path), *problems[0])
        templates[template.id] = template
    return Bank(r.get("id", str), r.get("title", str), shown(folder), sections, templates)


def _check_symbolic(r: _Reader, fields: dict[str, Any]) -> None:
    """A symbolic part's expected expression must parse and its domains be known, as grading reads them."""
    from problemgen.errors import GradingSpecError
    from problemgen.grading import check_answer

    expected = {"kind": "symbolic", "expression": fields["expression"], "variables": fields["variables"],
                "constants": fields["constants"], "functions": [], "rtol": fields["rtol"], "atol": fields["atol"]}
    try:
        check_answer(fields["expression"], expected)
    except GradingSpecError as error:
        key = {"expression": "value"}.get(error.key.split(".")[0], error.key)
        raise r.fail(key, error.problem) from None


#: A template id: it appears in exam configs, seeds and the manifest.
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _aliases(r: _Reader, options: list[Any]) -> dict[str, tuple[str, ...]]:
    """A word choice's ``aliases = { option = ["other spelling", ...] }``, checked."""
    table = r.get("aliases", dict, {})
    if table and not options:
        raise r.fail("aliases", "needs word options; a numeric choice is answered by its value")
    found: dict[str, tuple[str, ...]] = {}
    for option, spellings in table.items():
        if option not in options:
            raise r.fail(f"aliases.{option}", f"is not among the options ({', '.join(map(repr, options))}); "
                                              "name an option as written")
        if not isinstance(spellings, list) or not all(isinstance(s, str) and s.strip() for s in spellings):
            raise r.fail(f"aliases.{option}", f"must be a list of words, got {spellings!r}")
        for spelling in spellings:
            _check_plain(r, f"aliases.{option}", spelling)
        found[option] = tuple(spellings)
    from problemgen.grading.choice import fold

    named: dict[str, str] = {fold(str(option)): str(option) for option in options}
    for option, spellings in found.items():
        for spelling in spellings:
            other = named.setdefault(fold(spelling), option)
            if other != option:
                raise r.fail(f"aliases.{option}", f"{spelling!r} also names the option {other!r}; an alias must name "
                                                  "one option only")
    return found


_MATH_MARKUP = re.compile(r"\$|\\[A-Za-z]")


def _check_plain(r: _Reader, key: str, text: object) -> None:
    """Titles, labels and options are plain text: forms, CSV headers and LMS pools show them as typed."""
    if isinstance(text, str) and (found := _MATH_MARKUP.search(text)):
        raise r.fail(key, f"'{text}' is plain text (answer forms, spreadsheets and LMS exports show it as typed), "
                          f"so {'$...$' if found.group() == '$' else 'LaTeX'} would print raw; write it in words or "
                          "Unicode (E_K, Δψ, µA/cm²), and keep math for the statement and prompts")


def _check_tex(r: _Reader, key: str, text: str) -> None:
    """Refuse LaTeX that a compiled sheet must not run (``\\directlua``, ``\\input``, ``\\href``, ...).

    The text's own characters and the strings in its jinja code are checked: a formula is written
    into sheet.tex as it is. (A command built while rendering is refused by the LaTeX writer.)
    """
    from jinja2 import nodes

    from problemgen.latex import unsafe_tex_at, without_code
    from problemgen.render import environment

    try:
        tree = environment().parse(text)
    except Exception:  # noqa: BLE001 - a syntax error is reported by validate with its line
        pieces = [(1, text)]
    else:
        pieces = [(node.lineno, node.data) for node in tree.find_all(nodes.TemplateData)]
        pieces += [(node.lineno, node.value) for node in tree.find_all(nodes.Const) if isinstance(node.value, str)]
    for line, piece in sorted(pieces, key=lambda found: found[0]):
        found = unsafe_tex_at(without_code(piece))
        if found is not None:
            problem, offset = found
            raise r.fail(key, f"line {line + piece.count(chr(10), 0, offset)}: {problem}")


def _check_sigfigs(r: _Reader, sigfigs: int | None) -> None:
    if sigfigs is not None and not 1 <= sigfigs <= MAX_SIGFIGS:
        raise r.fail("sigfigs", f"must be a whole number from 1 to {MAX_SIGFIGS}, got {sigfigs}")


def template_files(folder: Path) -> list[Path]:
    """The template files of a bank folder, sorted by name: every ``*.toml`` but ``bank.toml`` and
    exam configs kept beside the templates (a file with a ``[[problems]]`` table)."""
    return sorted(path for path in folder.glob("*.toml") if path.name != "bank.toml" and not _is_exam_config(path))


_EXAM_PROBLEMS = re.compile(r"^\s*(?:\[\[\s*problems\s*\]\]|problems\s*=)", re.M)


def _is_exam_config(path: Path) -> bool:
    """Whether a TOML file is an exam config (its ``problems``), not a template."""
    try:
        return _EXAM_PROBLEMS.search(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False  # reported when it is loaded as a template


def bank_sections(folder: str | Path) -> dict[str, str]:
    """The sections ``bank.toml`` declares (id -> title); errors name bank.toml and the fix."""
    return _bank_meta(Path(folder), str)[1]


def bank_membership_problems(template: Template, sections: dict[str, str],
                             earlier: dict[str, Template]) -> list[tuple[str, str]]:
    """(key, problem) for each reason ``template`` cannot join a bank with these sections and earlier templates."""
    problems = []
    if template.id in earlier:
        problems.append(("id", f"{template.id!r} is already used by {earlier[template.id].path}"))
    if sections and template.section not in sections:
        problems.append(("section", f"{template.section!r} is not a section of this bank; use one of: "
                                    f"{', '.join(sections)}"))
    return problems


def _bank_meta(folder: Path, shown: Callable[[Path], str]) -> tuple[_Reader, dict[str, str]]:
    meta_path = folder / "bank.toml"
    if not meta_path.is_file():
        raise BankError(shown(folder), "", "has no bank.toml; a bank is a folder with bank.toml and one TOML file per template")
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BankError(shown(meta_path), "", f"not valid TOML: {error}") from None
    _check_schema(meta, shown(meta_path))
    r = _Reader(shown(meta_path), "", meta, {"schema_version", "id", "title", "description", "sections"})
    r.get("id", str), r.get("title", str)  # required: checked here, so validate reports them too
    sections = {}
    for index, section in enumerate(r.get("sections", list, [])):
        if not isinstance(section, dict) or not isinstance(section.get("id"), str):
            raise BankError(shown(meta_path), f"sections[{index}]",
                            'must be a table with an id, e.g. { id = "equilibrium-potential", title = "..." }')
        sections[section["id"]] = section.get("title", section["id"])
    return r, sections


@functools.cache
def builtin_banks() -> dict[str, Bank]:
    """Every bank shipped with problemgen, by id (loaded once per process)."""
    root = builtin_banks_dir()
    banks = [load_bank(p, lambda x: f"banks/{x.relative_to(root)}") for p in sorted(root.iterdir()) if (p / "bank.toml").is_file()]
    return {bank.id: bank for bank in banks}


def find_template(name: str, extra_banks: Iterable[str | Path] = ()) -> Template:
    """A template by id from ``extra_banks`` (folders) and the built-in banks, or from a TOML file path.

    An id in an extra bank overrides the built-in template of that id.
    """
    if name.endswith(".toml") and Path(name).is_file():
        return load_template(name)
    # Extra banks first: an id of one's own bank overrides a built-in one, as in an exam build.
    banks = {**{str(path): load_bank(Path(path)) for path in extra_banks}, **builtin_banks()}
    for bank in banks.values():
        if name in bank.templates:
            return bank.templates[name]
    known = sorted(t for bank in banks.values() for t in bank.templates)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else "see `problemgen banks` for the ids"
    if not extra_banks:
        hint += " (a template of your own bank: give its .toml file, or --bank FOLDER)"
    raise BankError("banks", "", f"no template {name!r}; {hint}")
