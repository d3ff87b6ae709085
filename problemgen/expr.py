"""The bank expression language: a whitelist parser and a vectorized evaluator.

Bank authors write answers, derived parameters and constraints as small expressions::

    nernst(c_out, c_in, z(ion), kelvin(temp_C))
    abs(Vm - E) > 5 mV
    ghk_voltage([1, P_Na, P_Cl], [K_o, Na_o, Cl_o], [K_i, Na_i, Cl_i], [1, 1, -1], T)

The grammar is arithmetic (``+ - * / ^ **``, unary minus), comparisons, ``and``/``or``/``not``,
number literals optionally followed by one unit symbol (``5 mV`` is 0.005 in SI), string
literals (model names), list literals (per-ion sequences), declared names and calls to
whitelisted functions with positional and keyword arguments. Nothing is ever handed to Python's
``eval``: the parser builds an AST of frozen dataclasses and :func:`compile_expression` turns it
into a closure over numpy arrays, so one call evaluates every variant at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from problemgen.errors import ProblemgenError

MAX_LENGTH = 2000
MAX_DEPTH = 40


class ExpressionError(ProblemgenError, ValueError):
    """A bank expression that does not parse or names something unknown.

    The message reads ``<where>, column N: <problem>`` followed by the expression and a caret.
    """

    def __init__(self, source: str, column: int, problem: str, where: str = "expression") -> None:
        self.source = source
        self.column = column
        self.problem = problem
        self.where = where
        super().__init__(source, column, problem, where)

    def located(self, where: str) -> ExpressionError:
        """The same error with a new location prefix (file and key)."""
        return ExpressionError(self.source, self.column, self.problem, where)

    def __str__(self) -> str:
        caret = " " * (self.column - 1) + "^"
        return f"{self.where}, column {self.column}: {self.problem}\n    {self.source}\n    {caret}"


# --- AST ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float
    column: int
    unit: str = ""
    """Unit symbol written after the literal (``5 mV``); ``value`` is already in SI."""


@dataclass(frozen=True)
class Str:
    value: str
    column: int


@dataclass(frozen=True)
class Name:
    id: str
    column: int


@dataclass(frozen=True)
class ListExpr:
    items: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+" or "not"
    operand: Node
    column: int


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / ^ and or < <= > >= == !=
    left: Node
    right: Node
    column: int


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...]
    column: int


Node = Union[Num, Str, Name, ListExpr, Unary, Binary, Call]

# --- tokenizer ----------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""(?P<space>\s+)
      |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
      |(?P<string>"[^"\\]*"|'[^'\\]*')
      |(?P<op>\*\*|<=|>=|==|!=|[-+*/^(),\[\]=<>])""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    column: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise ExpressionError(source, position + 1, f"unexpected character {source[position]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(source) + 1))
    return tokens


# --- parser -------------------------------------------------------------------------------------
class _Parser:
    """Recursive descent with a depth cap; precedence low to high:
    or, and, not, comparison, + -, * /, unary -, ^ (right-associative), call/primary."""

    def __init__(self, source: str, unit_value: Callable[[str], float | None]) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0
        self.unit_value = unit_value

    def error(self, token: _Token, problem: str) -> ExpressionError:
        return ExpressionError(self.source, token.column, problem)

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self, text: str | None = None) -> _Token:
        token = self.token
        if text is not None and token.text != text:
            found = "the end" if token.kind == "end" else repr(token.text)
            raise self.error(token, f"expected {text!r}, found {found}")
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.token.kind != "end":
            raise self.error(self.token, f"unexpected {self.token.text!r}")
        return node

    def nested(self, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(self.token, f"expression nested deeper than {MAX_DEPTH} levels")
        try:
            return parse()
        finally:
            self.depth -= 1

    def binary_level(self, operators: set[str], operand: Callable[[], Node]) -> Node:
        node = operand()
        while self.token.text in operators and self.token.kind in ("op", "name"):
            token = self.take()
            node = Binary(token.text, node, operand(), token.column)
        return node

    def disjunction(self) -> Node:
        return self.binary_level({"or"}, self.conjunction)

    def conjunction(self) -> Node:
        return self.binary_level({"and"}, self.negation)

    def negation(self) -> Node:
        if self.token.text == "not" and self.token.kind == "name":
            token = self.take()
            return Unary("not", self.nested(self.negation), token.column)
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.token.text in {"<", "<=", ">", ">=", "==", "!="}:
            token = self.take()
            node = Binary(token.text, node, self.additive(), token.column)
            if self.token.text in {"<", "<=", ">", ">=", "==", "!="}:
                raise self.error(self.token, "chained comparisons are not allowed; join them with 'and'")
        return node

    def additive(self) -> Node:
        return self.binary_level({"+", "-"}, self.multiplicative)

    def multiplicative(self) -> Node:
        return self.binary_level({"*", "/"}, self.unary)

    def unary(self) -> Node:
        if self.token.text in {"-", "+"} and self.token.kind == "op":
            token = self.take()
            return Unary(token.text, self.nested(self.unary), token.column)
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.token.text in {"^", "**"}:
            token = self.take()
            return Binary("^", base, self.nested(self.unary), token.column)
        return base

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.take()
            value = float(token.text)
            following = self.token
            if following.kind == "name" and following.text not in _KEYWORDS:
                factor = self.unit_value(following.text)
                if factor is None:
                    raise self.error(following, f"{following.text!r} after a number is not a unit symbol")
                self.take()
                return Num(value * factor, token.column, following.text)
            return Num(value, token.column)
        if token.kind == "string":
            self.take()
            return Str(token.text[1:-1], token.column)
        if token.kind == "name" and token.text not in _KEYWORDS:
            self.take()
            if self.token.text == "(":
                return self.call(token)
            return Name(token.text, token.column)
        if token.text == "(":
            self.take()
            node = self.nested(self.disjunction)
            self.take(")")
            return node
        if token.text == "[":
            self.take()
            items = self.items("]")
            return ListExpr(tuple(items), token.column)
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        raise self.error(token, f"expected a number, name, '(' or '[', found {found}")

    def items(self, closing: str) -> list[Node]:
        items: list[Node] = []
        while self.token.text != closing:
            items.append(self.nested(self.disjunction))
            if self.token.text != closing:
                self.take(",")
        self.take(closing)
        return items

    def call(self, name: _Token) -> Call:
        self.take("(")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while self.token.text != ")":
            if self.token.kind == "name" and self.tokens[self.index + 1].text == "=":
                keyword = self.take().text
                self.take("=")
                kwargs.append((keyword, self.nested(self.disjunction)))
            elif kwargs:
                raise self.error(self.token, "positional argument after a keyword argument")
            else:
                args.append(self.nested(self.disjunction))
            if self.token.text != ")":
                self.take(",")
        self.take(")")
        return Call(name.text, tuple(args), tuple(kwargs), name.column)


def parse(source: str, unit_value: Callable[[str], float | None] = lambda _: None) -> Node:
    """Parse an expression into an AST; ``unit_value`` maps a unit symbol to its SI factor."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(source[:60] + "…", 1, f"expression longer than {MAX_LENGTH} characters")
    return _Parser(source, unit_value).parse()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    out: list[Node] = [node]
    if isinstance(node, ListExpr):
        children: tuple[Node, ...] = node.items
    elif isinstance(node, Unary):
        children = (node.operand,)
    elif isinstance(node, Binary):
        children = (node.left, node.right)
    elif isinstance(node, Call):
        children = node.args + tuple(value for _, value in node.kwargs)
    else:
        children = ()
    for child in children:
        out.extend(walk(child))
    return out


def names_used(node: Node) -> set[str]:
    """Variable names the expression reads."""
    return {n.id for n in walk(node) if isinstance(n, Name)}


def functions_used(node: Node) -> set[str]:
    """Function names the expression calls."""
    return {n.function for n in walk(node) if isinstance(n, Call)}


def check_names(node: Node, source: str, variables: set[str], functions: Mapping[str, Any],
                constants: Iterable[str] = ()) -> None:
    """Raise :class:`ExpressionError` at the first unknown name or function.

    The message lists the template's own ``variables``; ``constants`` are allowed too.
    """
    allowed = set(variables) | set(constants)
    for n in walk(node):
        if isinstance(n, Name) and n.id not in allowed:
            known = ", ".join(sorted(variables)) or "none"
            raise ExpressionError(source, n.column, f"unknown name {n.id!r}; defined here: {known}")
        if isinstance(n, Call) and n.function not in functions:
            raise ExpressionError(source, n.column, f"unknown function {n.function!r}; see the function list in banks/README.md")


# --- evaluation ---------------------------------------------------------------------------------
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "^": np.power,
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal, "and": np.logical_and, "or": np.logical_or,
}

Evaluator = Callable[[Mapping[str, Any]], Any]


def compile_expression(node: Node, functions: Mapping[str, Callable[..., Any]]) -> Evaluator:
    """Turn an AST into ``f(env) -> value`` that evaluates on numpy arrays (all variants at once).

    ``functions`` is the whitelist; swapping one entry (``sphere_area`` for ``circle_area``)
    is how misconception values are computed from the same expression.
    """
    if isinstance(node, Num):
        value = node.value
        return lambda env: value
    if isinstance(node, Str):
        text = node.value
        return lambda env: text
    if isinstance(node, Name):
        key = node.id
        return lambda env: env[key]
    if isinstance(node, ListExpr):
        items = [compile_expression(item, functions) for item in node.items]
        return lambda env: [item(env) for item in items]
    if isinstance(node, Unary):
        operand = compile_expression(node.operand, functions)
        if node.op == "-":
            return lambda env: np.negative(operand(env))
        if node.op == "not":
            return lambda env: np.logical_not(operand(env))
        return operand
    if isinstance(node, Binary):
        left, right = compile_expression(node.left, functions), compile_expression(node.right, functions)
        operation = _BINARY[node.op]
        return lambda env: operation(left(env), right(env))
    function = functions[node.function]
    args = [compile_expression(a, functions) for a in node.args]
    kwargs = [(k, compile_expression(v, functions)) for k, v in node.kwargs]
    return lambda env: function(*(a(env) for a in args), **{k: v(env) for k, v in kwargs})
