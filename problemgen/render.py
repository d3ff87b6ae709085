"""Rendering: one sandboxed jinja2 environment for bank text, and Markdown/LaTeX -> HTML/MathML.

Bank statements and solutions are Markdown with LaTeX math (``$...$``, ``$$...$$``), written as
jinja2 templates. They render in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
``StrictUndefined``, so a typo is an error, never a blank. Givens and answers arrive as
:class:`Quantity` objects: ``{{ c_out }}`` prints ``150 mM`` and ``{{ c_out.tex }}`` prints
``150\\,\\mathrm{mM}`` for use inside math. Markdown and TeX keep the LaTeX; HTML gets MathML.
"""

from __future__ import annotations

import functools
import html
import math
import operator
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from problemgen.errors import ProblemgenError

MINUS = "\u2212"


@dataclass(frozen=True)
class Quantity:
    """A number with its display unit and precision, as shown on a sheet."""

    value: float
    unit: str = ""
    sigfigs: int | None = None
    decimals: int | None = None

    def number(self, style: str = "unicode", minus: str = MINUS) -> str:
        """The number as displayed: fixed decimals for givens on a grid, else significant figures.

        ``style`` is ``unicode`` (``6.90 × 10⁻⁵``, U+2212 minus) or ``latex`` (``6.90 \\times 10^{-5}``).
        """
        return _format_number(self.value, self.decimals, self.sigfigs or 3, style, minus)

    def __str__(self) -> str:
        unit = unit_text(self.unit)
        return f"{self.number()} {unit}" if unit else self.number()

    @property
    def tex(self) -> str:
        """LaTeX for use inside math: ``-65\\,\\mathrm{mV}``."""
        number = self.number(style="latex", minus="-")
        unit = unit_tex(self.unit)
        return rf"{number}\,{unit}" if unit else number

    def to(self, unit: str, sigfigs: int | None = None) -> Quantity:
        """The same quantity in another unit (shown with significant figures)."""
        from problemgen.bank import unit_factor

        _check_sigfigs(sigfigs)
        value = self.value * unit_factor(self.unit) / unit_factor(unit)
        return Quantity(value, unit, sigfigs or self.sigfigs or 3)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@functools.lru_cache(maxsize=65536)
def _format_number(value: float, decimals: int | None, sigfigs: int, style: str, minus: str) -> str:
    # Givens repeat across students (they come from grids), so formatting is cached.
    from problemgen.numbers import format_decimals, format_sig

    if decimals is not None:
        return format_decimals(value, decimals, minus=minus)
    return _plain_sig(value, sigfigs, minus) or format_sig(value, sigfigs, minus=minus, style=style)


def _plain_sig(value: float, sigfigs: int, minus: str) -> str | None:
    """:func:`~problemgen.numbers.format_sig` of a float that it writes as a plain decimal with
    ``sigfigs`` figures (``-61.5``, ``0.0234``, ``150.``), else None (zero, scientific, 1500 to 2).

    The same half-up rounding of the float's shortest repr, done on its digits: about a third
    of the time of the Decimal arithmetic, and a build formats ~200 new numbers per student.
    """
    whole, point, fraction = repr(value).partition(".")
    if not point or "e" in fraction:  # repr of 1e16, 1e-05, inf, nan
        return None
    negative = whole[0] == "-"
    whole = whole.lstrip("-")
    digits = whole + fraction
    significant = digits.lstrip("0")
    if not significant:
        return None
    exponent = len(whole) - 1 - (len(digits) - len(significant))  # of the first significant digit
    kept = significant[:sigfigs].ljust(sigfigs, "0")
    if significant[sigfigs:sigfigs + 1] >= "5":
        kept = str(int(kept) + 1)
        if len(kept) > sigfigs:  # 9.96 -> 10.0: a decade up, still sigfigs digits
            kept, exponent = kept[:sigfigs], exponent + 1
    if not -4 <= exponent <= min(5, sigfigs - 1):
        return None
    if exponent < 0:
        text = "0." + "0" * (-exponent - 1) + kept
    elif exponent == sigfigs - 1:  # a whole number: a trailing point makes its last zero count
        text = kept + "." if kept[-1] == "0" else kept
    else:
        text = f"{kept[:exponent + 1]}.{kept[exponent + 1:]}"
    return minus + text if negative else text


@functools.lru_cache(maxsize=1024)
def unit_text(unit: str) -> str:
    """Display form of a unit for text (``uF/cm^2`` -> ``µF/cm²``)."""
    if unit == "degC":
        return "°C"
    if not unit:
        return ""
    from problemgen.units import unit_display

    return unit_display(unit, "unicode")


@functools.lru_cache(maxsize=1024)
def unit_tex(unit: str) -> str:
    """LaTeX form of a unit (``\\mathrm{mV}``)."""
    if unit == "degC":
        return r"{}^\circ\mathrm{C}"
    if not unit:
        return ""
    from problemgen.units import unit_display

    return unit_display(unit, "latex")


def _ion(symbol: str, style: str = "unicode") -> str:
    from problemgen.physics import ion

    found = ion(symbol)
    return {"unicode": found.unicode, "latex": found.latex, "plain": found.plain, "name": found.name}[style]


def _relation_latex(name: str) -> str:
    from problemgen.physics import relation

    return relation(name).latex()


def _q(value: Any, unit: str | None = None, sigfigs: int | None = None) -> str:
    _check_sigfigs(sigfigs)
    if not isinstance(value, Quantity):
        value = Quantity(float(value), unit or "", sigfigs)
    elif unit:
        value = value.to(unit, sigfigs)
    elif sigfigs:
        value = Quantity(value.value, value.unit, sigfigs)
    return str(value)


def _tex(value: Any, unit: str | None = None, sigfigs: int | None = None) -> str:
    _check_sigfigs(sigfigs)
    if not isinstance(value, Quantity):
        value = Quantity(float(value), unit or "", sigfigs)
    elif unit:
        value = value.to(unit, sigfigs)
    return value.tex


# --- Limits of bank text ---------------------------------------------------------------------------
# Bank templates may come from a shared folder, so their jinja code is untrusted: the sandbox stops
# it reading Python internals, and these limits stop it hanging or exhausting memory. Each is far
# above what a statement or a worked solution needs.

#: Most significant figures a quantity may be shown with (as for a template's ``sigfigs``).
MAX_SIGFIGS = 15
#: Largest integer bank text may compute, in bits (about 3,000 decimal digits).
MAX_INT_BITS = 10_000
#: Longest text or list bank text may build (by ``*``, ``+``, ``~``, a set block or a filter).
MAX_SIZE = 100_000
#: Widest field or precision of a ``%`` or ``format`` conversion (``%8.3f``).
MAX_FORMAT_WIDTH = 100
#: Loop iterations plus calls (macros, methods, functions) that one text may take to render.
MAX_STEPS = 100_000

#: jinja's filters that bank text may use (ours are added to them). Left out: those that build
#: text from a number alone (``center``, ``indent``, ``wordwrap``, ``batch``, ``slice``), ``lipsum``-like
#: generators, ``random`` (a sheet must be reproducible) and the HTML and JSON helpers.
_FILTERS = ("abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "format",
            "groupby", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
            "rejectattr", "replace", "reverse", "round", "select", "selectattr", "sort", "string", "sum", "title",
            "trim", "truncate", "unique", "upper", "wordcount")
#: Methods of texts that build a text from a number or another text (``'a'.zfill(10**9)``).
_GROWING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join", "translate"})
_FORMAT_METHODS = frozenset({"format", "format_map"})
#: ``%`` conversions (``%-8.3f``, ``%(name)s``) and ``str.format`` fields with their spec.
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d*)(?:\.(\*|\d*))?")
_FORMAT_NUMBER = re.compile(r"\d+")


def _check_sigfigs(sigfigs: Any) -> None:
    if sigfigs is not None and not (isinstance(sigfigs, int) and 1 <= sigfigs <= MAX_SIGFIGS):
        raise SecurityError(f"significant figures must be a whole number from 1 to {MAX_SIGFIGS}, got {_short(sigfigs)}")


def _short(value: Any) -> str:
    """A value for a message: an integer too long to print is described by its size."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, (str, list, tuple)) and len(value) > 40:
        return f"a {type(value).__name__} of length {len(value):,}"
    return repr(value)


def _too_large(what: str, size: int) -> SecurityError:
    return SecurityError(f"{what} makes {size:,} characters or items, more than the {MAX_SIZE:,} bank text may build; "
                         "build smaller texts and lists")


def _checked_size(value: Any, what: str) -> Any:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_SIZE:
        raise _too_large(what, len(value))
    return value


@functools.lru_cache(maxsize=1024)
def _check_printf(text: str) -> None:
    """Refuse ``%`` conversions wider than :data:`MAX_FORMAT_WIDTH` (``'%999999999d' % 1``)."""
    for width, precision in _PRINTF_SPEC.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_FORMAT_WIDTH):
                raise SecurityError(f"the conversion in {_short(text)} asks for a width or precision of {number}; "
                                    f"use at most {MAX_FORMAT_WIDTH}")


@functools.lru_cache(maxsize=1024)
def _check_format_fields(text: str) -> None:
    """Refuse ``str.format`` fields wider than :data:`MAX_FORMAT_WIDTH` or sized by an argument."""
    import string

    for _, _, spec, _ in string.Formatter().parse(text):
        if spec and ("{" in spec or any(int(n) > MAX_FORMAT_WIDTH for n in _FORMAT_NUMBER.findall(spec))):
            raise SecurityError(f"the field {{:{spec}}} of {_short(text)} is too wide; use a width and precision of at "
                                f"most {MAX_FORMAT_WIDTH}")


def _pow(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
            and (abs(left).bit_length() - 1) * right > MAX_INT_BITS:
        raise SecurityError(f"{_short(left)} ** {_short(right)} is too large to compute; bank text may compute "
                            f"integers of up to about {int(MAX_INT_BITS * 0.30103):,} digits")
    return left ** right


def _mul(left: Any, right: Any) -> Any:
    if type(left) is float or type(right) is float:  # the usual case: quantities' values
        return left * right
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise SecurityError(f"{_short(left)} * {_short(right)} is too large to compute; bank text may compute "
                                f"integers of up to about {int(MAX_INT_BITS * 0.30103):,} digits")
        return left * right
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple, bytes)) and hasattr(times, "__index__"):
            size = len(sequence) * max(0, operator.index(times))
            if size > MAX_SIZE:
                raise _too_large(f"repeating {_short(sequence)} {_short(times)} times", size)
    return left * right


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, (str, list, tuple, bytes)) and isinstance(right, (str, list, tuple, bytes)) \
            and len(left) + len(right) > MAX_SIZE:
        raise _too_large("joining two texts or lists", len(left) + len(right))
    return left + right


def _mod(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_printf(left)
        return _checked_size(left % right, "a % conversion")
    return left % right


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    """jinja's ``format`` filter (``"%.2f" | format(x)``), with the width of each conversion checked."""
    if args and kwargs:
        raise jinja2.FilterArgumentError("can't handle positional and keyword arguments at the same time")
    text = str(value)
    _check_printf(text)
    return _checked_size(text % (kwargs or args), "the format filter")


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    """jinja's ``replace`` filter, refusing a result longer than :data:`MAX_SIZE` before building it."""
    text, old, new = str(value), str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if count is not None:
        times = min(times, max(0, count))
    size = len(text) + times * (len(new) - len(old))
    if size > MAX_SIZE:
        raise _too_large("the replace filter", size)
    return text.replace(old, new, -1 if count is None else count)


@jinja2.pass_eval_context
def _join(eval_ctx: nodes.EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    """jinja's ``join`` filter, refusing a result longer than :data:`MAX_SIZE` before building it."""
    from jinja2.filters import do_join

    items = list(value)
    size = sum(len(item) for item in items if isinstance(item, str)) + len(str(d)) * max(0, len(items) - 1)
    if size > MAX_SIZE:
        raise _too_large("the join filter", size)
    return _checked_size(do_join(eval_ctx, items, d, attribute), "the join filter")


_BINOPS = {"*": _mul, "**": _pow, "+": _add, "%": _mod}
#: The environment's attribute for each checked operator, called by the compiled template.
_BINOP_NAMES = {"*": "binop_mul", "**": "binop_pow", "+": "binop_add", "%": "binop_mod"}


class _RenderContext(Context):
    """A template context that counts the loop iterations and calls its rendering may still take."""

    steps_left = MAX_STEPS  # set on the instance by its first step


def _step(context: Context) -> None:
    steps = getattr(context, "steps_left", MAX_STEPS) - 1
    if steps < 0:
        raise SecurityError(f"rendering takes more than {MAX_STEPS:,} loop iterations and calls; make the loops "
                            "shorter (a macro that calls itself without end?)")
    context.steps_left = steps  # type: ignore[attr-defined]


def _loop_items(context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    """The items of a ``{% for %}`` loop, each counted as a step."""
    for item in iterable:
        _step(context)
        yield item


class _BankCodeGenerator(CodeGenerator):
    """jinja's code generator, with bank text's loops counted and the texts it joins checked in size."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # NB: rewritten before the template is generated, which first collects the filters it uses.
        for loop in node.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("loop_items"), [loop.iter], [], None, None,
                                   lineno=loop.lineno)
        for block in node.find_all(nodes.AssignBlock):
            # {% set x %}...{% endset %} captures text; doubling it in a loop must stop at the limit.
            block.filter = nodes.Filter(block.filter, "_set_block_size", [], [], None, None, lineno=block.lineno)
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_size(")
        super().visit_Concat(node, frame)
        self.write(", 'joining texts with ~')")

    def _checked_binop(self, node: nodes.BinExpr, frame: Frame) -> None:
        """``a * b`` as ``environment.binop_mul(a, b)``: the checked operator, one call (jinja's
        ``call_binop`` adds a second), folded now when both sides are numbers known here."""
        check = _BINOPS[node.operator]
        try:
            value = check(node.left.as_const(frame.eval_ctx), node.right.as_const(frame.eval_ctx))
        except Exception:  # noqa: BLE001 - not constant, or refused: checked again when it renders
            pass
        else:
            if (type(value) is int and abs(value) < 2 ** 63) or (type(value) is float and math.isfinite(value)):
                self.write(repr(value))
                return
        self.write(f"environment.{_BINOP_NAMES[node.operator]}(")
        self.visit(node.left, frame)
        self.write(", ")
        self.visit(node.right, frame)
        self.write(")")

    visit_Mul = visit_Add = visit_Pow = visit_Mod = _checked_binop


class _BankSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, limited in what bank text may compute, and with the attributes of our own
    :class:`Quantity` known to be safe up front.

    Bank text reads ``x.tex`` and ``x.value`` on every given; the general check (is it internal,
    a function, a frame, ...) cost a quarter of rendering a problem.
    """

    code_generator_class = _BankCodeGenerator
    context_class = _RenderContext
    # NB: intercepted operators are also never folded into constants when a text compiles, so
    # {{ (9**9)**(9**9) }} fails when it renders (a located error) instead of hanging the compiler.
    intercepted_binops = frozenset(_BINOPS)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Quantity and attribute in _QUANTITY_ATTRIBUTES:
            return getattr(obj, attribute)
        if attribute in _FORMAT_METHODS and isinstance(obj, str):
            _check_format_fields(obj)  # str.format: sandboxed by jinja, its field widths checked here
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) is Quantity and attr in _QUANTITY_ATTRIBUTES:
            return True
        if attr in _GROWING_METHODS and isinstance(obj, (str, bytes)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return _BINOPS[operator](left, right)

    def make_globals(self, d: Any) -> dict[str, Any]:  # type: ignore[override]
        """A compiled text's globals as one dict: jinja's ChainMap over the environment's costs
        3 µs of every render to copy (the environment's globals are final when texts compile)."""
        return {**self.globals, **(d or {})}

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _step(__context)
        if __obj is _loop_items:
            return _loop_items(__context, *args)
        return _checked_size(super().call(__context, __obj, *args, **kwargs), "a call")

    loop_items = staticmethod(_loop_items)
    binop_mul, binop_pow, binop_add, binop_mod = map(staticmethod, (_mul, _pow, _add, _mod))
    checked_size = staticmethod(_checked_size)


#: What bank text may read of a Quantity (its fields, ``tex``, ``number`` and ``to``).
_QUANTITY_ATTRIBUTES = frozenset({"value", "unit", "sigfigs", "decimals", "tex", "number", "to"})


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one jinja2 environment for bank text (sandboxed, strict, no autoescape: output is Markdown)."""
    env = _BankSandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False,
                       trim_blocks=True, lstrip_blocks=True)
    env.filters = {name: env.filters[name] for name in _FILTERS}
    env.filters.update(q=_q, tex=_tex, ion=_ion, format=_format, replace=_replace,
                       join=_join,
                       _set_block_size=lambda text: _checked_size(text, "a {% set %} block"))
    del env.globals["lipsum"]
    env.globals.update(relation=_relation_latex)
    return env


class RenderError(ProblemgenError):
    """A statement or solution that does not render (undefined name, syntax error).

    ``where`` is ``"<template file>, <text>"`` (``banks/x.toml, statement``); the message follows.
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(where, problem)

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")
_NO_ATTRIBUTE = re.compile(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']+)'")


def _undefined_problem(message: str, context: dict[str, Any]) -> str:
    """jinja's undefined-name message, saying what the text may use instead (no internal class names)."""
    import difflib

    def suggestion(name: str, known: list[str]) -> str:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""

    undefined = _UNDEFINED_NAME.fullmatch(message)
    if undefined:
        name = undefined.group(1)
        return f"{message}{suggestion(name, sorted(context))}; define it under [params] or fix the name"
    missing = _NO_ATTRIBUTE.fullmatch(message)
    if missing:
        kind, name = missing.groups()
        if kind == "Quantity":
            known = sorted(_QUANTITY_ATTRIBUTES)
            return f"a quantity has no {name!r}{suggestion(name, known)}; use one of: {', '.join(known)}"
        if kind == "WorkedSteps":
            known = list(context.get("work", ()))
            return f"work has no part {name!r}{suggestion(name, known)}; the parts are: {', '.join(known)}"
        return f"nothing called {name!r} here; check the name after the dot"
    return message


@functools.lru_cache(maxsize=1024)
def compile_text(source: str, where: str) -> jinja2.Template:
    """Compile bank text once; syntax errors name the template and line."""
    try:
        return environment().from_string(source)
    except jinja2.TemplateSyntaxError as error:
        problem = str(error.message)
        if problem.startswith("No filter named"):
            problem += f" Bank text may use: {', '.join(sorted(f for f in environment().filters if f[0] != '_'))}."
        raise RenderError(f"{where}, line {error.lineno}", problem) from None
    except Exception as error:  # noqa: BLE001 - nesting too deep to parse, say: located, never a traceback
        raise _render_error(error, {}, where) from None


def render_text(source: str, context: dict[str, Any], where: str) -> str:
    """Render bank text with a context; undefined names and whatever else goes wrong are located errors."""
    template = compile_text(source, where)
    try:
        return template.render(context).strip()
    except Exception as error:  # noqa: BLE001 - bank text is untrusted: any failure is the text's
        raise _render_error(error, context, where) from None


#: jinja's sandbox refusing a method: "access to attribute 'replace' of 'str' object is unsafe."
_UNSAFE_METHOD = re.compile(r"access to attribute '(\w+)' of '(\w+)' object is unsafe\.?")
#: What bank text uses instead of a refused method.
_METHOD_INSTEAD = {
    "replace": "use the replace filter: {{ text | replace('a', 'b') }}",
    "join": "use the join filter: {{ items | join(', ') }}",
    "append": "build the list whole ([a, b] + [c]), or keep a value across a loop with namespace()",
    "extend": "build the list whole ([a, b] + [c, d])",
    "format": "use the format filter: {{ '%.2f' | format(x) }}",
    "zfill": "use the format filter: {{ '%03d' | format(n) }}",
}


def _render_error(error: Exception, context: dict[str, Any], where: str) -> ProblemgenError:
    """The located error for an exception raised while bank text renders (never a traceback)."""
    if isinstance(error, ProblemgenError):
        return error  # already located (the worked steps of a part, say)
    if isinstance(error, jinja2.UndefinedError):
        return RenderError(where, _undefined_problem(str(error.message), context))
    if isinstance(error, jinja2.TemplateError):
        unsafe = _UNSAFE_METHOD.fullmatch(str(error))
        if unsafe and unsafe.group(1) in _METHOD_INSTEAD:
            return RenderError(where, f"{unsafe.group(2)}.{unsafe.group(1)}() is not available in bank text; "
                                      f"{_METHOD_INSTEAD[unsafe.group(1)]}")
        return RenderError(where, str(error))
    if isinstance(error, RecursionError):
        return RenderError(where, "macros or loops call themselves too deeply to render; remove the recursion")
    if isinstance(error, OverflowError) and not str(error).startswith("Range too big"):
        return RenderError(where, "a number is too large to compute (OverflowError); check the expressions of this text")
    if isinstance(error, MemoryError):
        return RenderError(where, "rendering ran out of memory; build smaller texts, lists and numbers")
    return RenderError(where, f"{str(error).rstrip('.')} ({type(error).__name__}); check the expressions of this text")


#: Between the texts of one :func:`render_texts` call: a private-use character, not whitespace
#: (jinja's whitespace control and str.strip leave it alone) and never in bank text.
_PIECE = "\ue000"


#: Tags whose names would outlive their own text in a joined template (``{% set %}`` in a
#: statement must not define a name for the prompts); texts using them render one by one.
_SCOPED_TAGS = (nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.Block, nodes.Import, nodes.FromImport,
                nodes.Include, nodes.Extends, nodes.CallBlock)


@functools.lru_cache(maxsize=1024)
def _compile_texts(sources: tuple[str, ...], wheres: tuple[str, ...]) -> jinja2.Template | None:
    """One template of several texts (each compiled alone first, so syntax errors stay located),
    or None when they cannot share one scope."""
    for source, where in zip(sources, wheres):
        compile_text(source, where)
    if any(_PIECE in source or any(environment().parse(source).find_all(_SCOPED_TAGS)) for source in sources):
        return None
    return environment().from_string(_PIECE.join(sources))


def render_texts(sources: tuple[str, ...], context: dict[str, Any], wheres: tuple[str, ...]) -> list[str]:
    """:func:`render_text` of several texts with one context, in one jinja render (a call costs ~5 µs).

    Any error is reported as :func:`render_text` of the text that causes it would report it.
    """
    template = _compile_texts(sources, wheres)
    if template is not None:
        try:
            pieces = template.render(context).split(_PIECE)
        except Exception:  # noqa: BLE001, S110 - rendered one by one below, which names the text at fault
            pass
        else:
            if len(pieces) == len(sources):
                return [piece.strip() for piece in pieces]
    return [render_text(source, context, where) for source, where in zip(sources, wheres)]


# --- Markdown + LaTeX -> HTML + MathML -----------------------------------------------------------
def _math_renderer(display: bool) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return latex_to_mathml(tokens[idx].content, display)
    return render


def _tex_renderer(display: bool) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        from problemgen.latex import unsafe_tex

        content = tokens[idx].content.strip()
        if unsafe_tex(content) is not None:  # MathJax would follow \href{javascript:...} too
            return f'<code class="math-error">{html.escape(content)}</code>'
        open_, close = (r"\[", r"\]") if display else (r"\(", r"\)")
        return f"{open_}{html.escape(content, quote=False)}{close}"
    return render


#: The URL schemes bank Markdown may link to; a link with another (javascript:, data:, file:) stays text.
_LINK_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def _web_link(url: str) -> bool:
    """Whether a link or image target may become an ``href``/``src``: a web or a relative address."""
    scheme = _SCHEME.match(url.strip().lower())
    return scheme is None or scheme.group(1) in _LINK_SCHEMES


@functools.cache
def markdown_parser(math: str = "mathml") -> Any:
    """The ``markdown_it`` parser of bank text: CommonMark, tables, ``$``/``$$`` math, raw HTML escaped.

    ``math`` picks how its HTML renderer writes formulas (``mathml`` or ``tex``); parsing is the
    same, so other writers (LaTeX) walk the tokens of either.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    # html=False: raw HTML in bank text is escaped, never passed through.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, double_inline=True)
    md.validateLink = _web_link  # type: ignore[method-assign]
    renderer = _math_renderer if math == "mathml" else _tex_renderer
    md.add_render_rule("math_inline", renderer(False))
    md.add_render_rule("math_inline_double", renderer(True))
    md.add_render_rule("math_block", renderer(True))
    return md


# Numbers in a formula are swapped for placeholders before conversion, so one conversion
# serves every variant of a template ("V_m = -65 mV" and "V_m = -72 mV" share a shape).
# Digits right after a letter, ^ or _ are single-token arguments (\frac12, x_2, 10^3) and are
# left alone.
# A trailing point is not part of the number, as latex2mathml reads "7." (<mn>7</mn><mo>.</mo>)
# and as Markdown's emphasis rules need it ("7.**2" does not close **: the point is punctuation,
# a slot's last character a digit).
#: A number not glued to a name or another number (``E_2``, ``x1``, ``1.2.3``). It opens with its first
#: digit, so the regex engine skips ahead to digits; the look-behind then checks the character before.
_NUMBER = re.compile(r"\d(?<![A-Za-z\\\d.^_]\d)\d*(?:\.\d+)?")
_SLOT = "8086{:04d}6808"
_SLOT_PATTERN = re.compile(r"8086(\d{4})6808")
# Digits right after an operator that takes no argument (\cdot445, \times3.5) are ordinary
# numbers: a space (which TeX ignores after a control word) lets them become slots too.
_OPERATOR_BEFORE_DIGIT = re.compile(r"(\\(?:cdot|times|pm|mp|div|approx|sim|simeq|leq?|geq?|neq?|to|quad|qquad))(?=\d)")


def _space_after(operator: re.Match[str]) -> str:
    """``\\cdot`` before a digit, with a space (a function: half the time of the ``r"\\1 "`` template)."""
    return operator.group(1) + " "


#: Formulas in Markdown text: $$...$$ or $...$.
_MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
# latex2mathml draws a single letter in \mathrm{} in italics; \text{} keeps it upright.
_UPRIGHT_LETTER = re.compile(r"\\mathrm\{([A-Za-z])\}")


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for one formula; an unconvertible formula is shown as escaped text, never a crash."""
    numbers: list[str] = []

    def slot(match: re.Match[str]) -> str:
        numbers.append(match.group())
        return _SLOT.format(len(numbers) - 1)

    latex = _OPERATOR_BEFORE_DIGIT.sub(_space_after, latex)
    if "\\begin{" in latex:
        latex = _ALIGNMENT.sub(_as_array, latex)
    from problemgen.latex import upright_subscripts

    shape = _NUMBER.sub(slot, _UPRIGHT_LETTER.sub(r"\\text{\1}", upright_subscripts(latex)))
    pieces = _convert_shape(shape, display)
    if pieces is None:
        return f'<code class="math-error">{html.escape(latex)}</code>'
    return _fill(pieces, numbers)


#: amsmath alignments, which latex2mathml runs onto one line with raw "&": drawn as arrays of
#: right- and left-aligned columns instead (the PDF's LaTeX keeps them as written).
_ALIGNMENT = re.compile(r"\\(begin|end)\{(aligned|split|gathered|alignedat)\}(\{\d+\})?")


def _as_array(match: re.Match[str]) -> str:
    if match.group(1) == "end":
        return r"\end{array}"
    columns = "c" if match.group(2) == "gathered" else "rl" * 8
    return rf"\begin{{array}}{{{columns}}}"


@functools.lru_cache(maxsize=8192)
def _convert_shape(shape: str, display: bool) -> _Pieces | None:
    from latex2mathml.converter import convert

    from problemgen.latex import unsafe_tex

    if unsafe_tex(shape) is not None:  # \href{javascript:...} would become a MathML link
        return None
    try:
        mathml = convert(shape, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml raises assorted errors on bad input
        return None
    mathml = _TRAILING_POINT.sub(r"<mn>\1.</mn>", _UNARY_MINUS.sub(_prefix_minus, mathml))
    return _pieces(mathml, _SLOT_PATTERN)


#: A number shown to its significant figures with a trailing point ("−150." for 3 figures):
#: latex2mathml writes the point as an operator, which browsers space ("150 . mV").
_TRAILING_POINT = re.compile(r"<mn>([^<]*)</mn><mo>&#x0002E;</mo>")


#: A minus right after another operator (``= −62``, ``× −2``, ``(−5``): latex2mathml writes it as a
#: sibling <mo>, which browsers space as a binary minus ("= − 62").
_UNARY_MINUS = re.compile(r"(<mo(?: [^>]*)?>([^<]*)</mo>)<mo>&#x02212;</mo>")
#: Operators after which a minus is still binary: closing fences and bars ("(a) − b").
_CLOSING = {"&#x00029;", "&#x0005D;", "&#x0007D;", "&#x0007C;", "&#x02016;", "&#x027E9;", ")", "]", "}", "|"}


def _prefix_minus(match: re.Match[str]) -> str:
    if match.group(2) in _CLOSING:
        return match.group()
    return match.group(1) + '<mo form="prefix">&#x02212;</mo>'


_Pieces = tuple[tuple[str, ...], tuple[int, ...]]


def _pieces(rendered: str, slot: re.Pattern[str]) -> _Pieces:
    """A rendered shape cut at its number slots: the texts between them and each slot's index."""
    parts = slot.split(rendered)
    return tuple(parts[0::2]), tuple(int(index) for index in parts[1::2])


def _fill(pieces: _Pieces, numbers: list[str]) -> str:
    """Put a variant's numbers back into the slots of a rendered shape."""
    texts, indices = pieces
    out = [texts[0]]
    for index, text in zip(indices, texts[1:]):
        out.append(numbers[index])
        out.append(text)
    return "".join(out)


_TEXT_SLOT = "7097{:04d}7907"
_NUMBER_SPLIT = re.compile(f"({_NUMBER.pattern})")
_TEXT_SLOT_PATTERN = re.compile(r"7097(\d{4})7907")
_TEXT_SLOTS = tuple(_TEXT_SLOT.format(index) for index in range(1000))
#: Digits that may open an ordered-list item ("1." or "3)" first on a line, or after other block
#: markers: "> 3)", "- 1."): texts with one take the slow path.
_LIST_MARKER = re.compile(r"^(?:[^\S\n]|>|[*+\-](?=[^\S\n]))*\d{1,9}[.)](?:[^\S\n]|$)", re.M)
#: What may stand before a list marker on its line: blanks, quote markers, bullets and outer list
#: markers (each of the last two followed by a blank, as CommonMark wants; "**3." is no list).
_BLOCK_PREFIX = re.compile(r"(?:[^\S\n]|>|[*+\-](?=[^\S\n])|\d{1,9}[.)](?=[^\S\n]))*")


@functools.lru_cache(maxsize=2048)
def markdown_to_html(text: str, math: str = "mathml") -> str:
    """HTML (with MathML for math) from bank Markdown (cached: a sheet and its key share texts).

    ``math="tex"`` keeps the formulas as escaped TeX between ``\\(...\\)`` and ``\\[...\\]``
    for a MathJax filter (Moodle) instead of converting them.

    Like formulas, texts are converted once per shape: numbers become placeholders, the shape is
    rendered (and cached), and the numbers are put back. Students' statements differ mostly in
    their numbers, so a build renders each template's text only a few times.
    """
    if _OPERATOR_BEFORE_DIGIT.search(text):  # only inside math: code spans and prose keep their text
        text = _MATH_SPAN.sub(lambda math: _OPERATOR_BEFORE_DIGIT.sub(_space_after, math.group()), text)
    parts = _NUMBER_SPLIT.split(text)  # text, number, text, number, ..., text
    numbers = parts[1::2]
    if len(numbers) <= len(_TEXT_SLOTS):
        parts[1::2] = _TEXT_SLOTS[:len(numbers)]  # the usual text: every number is a slot
        shape = "".join(parts)
        if not _slot_may_mark_list(shape) or not _LIST_MARKER.search(text):
            return _fill(_markdown_shape(shape, math), numbers)
        parts[1::2] = numbers
    numbers = []
    for index in range(1, len(parts), 2):
        number = parts[index]
        if parts[index + 1][:1] in ".)" and _starts_line(parts, index):
            continue  # an ordered-list marker ("1." or "3)") must keep its digits
        parts[index] = _TEXT_SLOT.format(len(numbers))
        numbers.append(number)
    return _fill(_markdown_shape("".join(parts), math), numbers)


#: A slot where :data:`_LIST_MARKER` would find a list marker: a list marker's digits are a number,
#: so only a text whose shape has a slot there can have one (the shape's answer is cached).
_SLOT_LIST_MARKER = re.compile(_LIST_MARKER.pattern.replace(r"\d{1,9}", _TEXT_SLOT_PATTERN.pattern), re.M)


@functools.lru_cache(maxsize=8192)
def _slot_may_mark_list(shape: str) -> bool:
    """Whether a text of this shape may hold a list marker (else the text need not be searched)."""
    return _SLOT_LIST_MARKER.search(shape) is not None


def _starts_line(parts: list[str], index: int) -> bool:
    """Whether only blanks and block markers precede the number ``parts[index]`` on its line.

    The line may hold earlier numbers (an outer list's "1. 2."), so its start is looked for back
    through the parts.
    """
    prefix = []
    for before in reversed(parts[:index]):
        _, newline, line = before.rpartition("\n")
        prefix.append(line)
        if newline:
            break
    return _BLOCK_PREFIX.fullmatch("".join(reversed(prefix))) is not None


@functools.lru_cache(maxsize=8192)
def _markdown_shape(shape: str, math: str = "mathml") -> _Pieces:
    return _pieces(markdown_parser(math).render(shape), _TEXT_SLOT_PATTERN)
