"""The symbolic-answer language: our own tokenizer, recursive-descent parser and numpy evaluator.

Student text is data. It is tokenized against an allowlist, parsed into a small AST of frozen
dataclasses and evaluated with numpy; nothing is ever given to ``eval``, ``exec``, ``sympify``,
``parse_expr`` or ``lambdify``, and no sympy ``Symbol`` is built from a student's name
(grading rules §7).

Grammar, low to high precedence::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary | <implicit> power)*
    unary := ("-" | "+") unary | power
    power := atom (("^" | "**") unary)?          right-associative
    atom  := NUMBER | NAME | FUNCTION "(" expr ")" | "(" expr ")"

- Implicit multiplication has the precedence of ``*`` (``1/2x`` is x/2) and applies between an
  operand (number, variable, ``)``) and a following name, function or ``(``: ``R T``, ``2x``,
  ``)(``, ``x(y+1)``. A number never follows an operand implicitly (``x 2`` is invalid), and a
  concatenated name is never split (``RT`` is unknown; the feedback suggests ``R*T``).
- **Scientific notation (the open decision of §7):** ``<digits>e<sign><digits>`` written without
  spaces is a number literal, so ``2e-3`` is 0.002 and ``6.02e23`` Avogadro's number, as in
  every calculator and in our numeric boxes. Euler's number is still ``e`` anywhere else:
  ``2e`` and ``2 e - 3``/``2*e-3`` are 2·e and 2·e − 3. Literal exponents have at most 4 digits.
- Names are the problem's variables and constants, ``e`` (unless declared) and ``pi``; Greek
  letters typed in Unicode become their names (``τ`` -> ``tau``, ``Δ`` -> ``Delta``).
- Functions take exactly one argument; ``log`` is the natural log (``ln`` an alias).
- Caps: nesting depth 20; power towers (a power inside an exponent) are rejected; a constant
  exponent must satisfy |p| <= 100; both before anything is evaluated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Union

import numpy as np
import numpy.typing as npt

MAX_DEPTH = 20
MAX_CONSTANT_POWER = 100
MAX_EXPONENT_DIGITS = 4

Array = npt.NDArray[np.float64]
FUNCTIONS: dict[str, Callable[[Array], Array]] = {
    "log": np.log, "ln": np.log, "log10": np.log10, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
    # available when a problem lists them in expected["functions"]:
    "log2": np.log2, "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin,
    "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
}
DEFAULT_FUNCTIONS = ("log", "ln", "log10", "exp", "sqrt", "abs")
BUILTIN_CONSTANTS = {"e": float(np.e), "pi": float(np.pi)}


def _greek_name(char: str) -> str:
    name = unicodedata.name(char).split()[-1].lower().replace("lamda", "lambda")
    return name.capitalize() if "CAPITAL" in unicodedata.name(char) else name


_GREEK = {chr(c): _greek_name(chr(c)) for c in [*range(0x391, 0x3A2), *range(0x3A3, 0x3AA), *range(0x3B1, 0x3CA)]}

_TOKEN = re.compile(
    r"""(?P<space>[ ]+)
      |(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
      |(?P<name>[A-Za-z_\u0391-\u03a9\u03b1-\u03c9][A-Za-z0-9_\u0391-\u03a9\u03b1-\u03c9]*)
      |(?P<op>\*\*|[-+*/^()])""",
    re.VERBOSE,
)
_CHARACTER_HINTS = {
    ",": "every function takes one argument, and decimals use '.'",
    "=": "enter only the expression, without '=' or a comparison",
    "<": "enter only the expression, without '=' or a comparison",
    ">": "enter only the expression, without '=' or a comparison",
}


# --- AST ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    argument: Node


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Bin:
    op: str  # + - * / ^
    left: Node
    right: Node


Node = Union[Num, Var, Call, Neg, Bin]


class ExpressionProblem(Exception):
    """Why student text is not an expression; ``str()`` is a sentence fit for feedback (unescaped)."""


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, end
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            hint = _CHARACTER_HINTS.get(char, "use only names, numbers, + - * / ^ and parentheses")
            raise ExpressionProblem(f"{char!r} is not allowed; {hint}")
        kind = match.lastgroup or ""
        if kind == "name":
            tokens.append(_Token("name", "".join(_GREEK.get(c, c) for c in match.group())))
        elif kind != "space":
            tokens.append(_Token(kind, match.group()))
        position = match.end()
    tokens.append(_Token("end", ""))
    return tokens


def _number(text: str) -> Num:
    mantissa, _, exponent = text.lower().partition("e")
    if len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
        raise ExpressionProblem(f"the power of ten in {text!r} is out of range")
    value = float(text)
    if not np.isfinite(value):
        raise ExpressionProblem(f"the number {text!r} is too large")
    return Num(value)


def split_suggestion(name: str, names: Collection[str]) -> str | None:
    """``R*T`` for ``RT`` when R and T are declared: the shortest split into declared names."""
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(name) + 1):
        for start in range(end):
            if start in best and name[start:end] in names:
                candidate = best[start] + [name[start:end]]
                if end not in best or len(candidate) < len(best[end]):
                    best[end] = candidate
    parts = best.get(len(name))
    return "*".join(parts) if parts and len(parts) > 1 else None


class _Parser:
    def __init__(self, text: str, names: Collection[str], functions: Collection[str]) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.names = names
        self.functions = functions

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.expr()
        if self.token.kind != "end":
            raise ExpressionProblem("unbalanced parentheses" if self.token.text == ")"
                                    else f"unexpected {self.token.text!r}")
        return node

    def nested(self, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionProblem(f"the expression is nested more than {MAX_DEPTH} levels deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def expr(self) -> Node:
        node = self.term()
        while self.token.text in ("+", "-"):
            op = self.take().text
            node = Bin(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            token = self.token
            after_operand = self.tokens[self.index - 1].kind in ("number", "name") or self.tokens[self.index - 1].text == ")"
            if token.text in ("*", "/"):
                op = self.take().text
                node = Bin(op, node, self.unary())
            elif after_operand and (token.kind == "name" or token.text == "("):
                node = Bin("*", node, self.power())  # implicit multiplication
            elif after_operand and token.kind == "number":
                raise ExpressionProblem(f"write '*' before the number {token.text!r}")
            else:
                return node

    def unary(self) -> Node:
        if self.token.text in ("-", "+"):
            op = self.take().text
            operand = self.nested(self.unary)
            return Neg(operand) if op == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.token.text not in ("^", "**"):
            return base
        self.take()
        exponent = self.nested(self.unary)
        if any(isinstance(n, Bin) and n.op == "^" for n in walk(exponent)):
            raise ExpressionProblem("a power inside an exponent (a power tower) is not allowed")
        if not any(isinstance(n, Var) for n in walk(exponent)):
            with np.errstate(all="ignore"):
                value = float(evaluate(exponent, {}))
            if not abs(value) <= MAX_CONSTANT_POWER:  # also catches nan
                raise ExpressionProblem(f"a constant power must lie between -{MAX_CONSTANT_POWER} and {MAX_CONSTANT_POWER}")
        return Bin("^", base, exponent)

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "name":
            return self.name(token.text)
        if token.text == "(":
            node = self.nested(self.expr)
            if self.take().text != ")":
                raise ExpressionProblem("unbalanced parentheses")
            return node
        if token.kind == "end":
            raise ExpressionProblem("the expression ends too early")
        raise ExpressionProblem(f"unexpected {token.text!r}")

    def name(self, name: str) -> Node:
        called = self.token.text == "("
        if name in self.functions and name not in self.names:
            if not called:
                raise ExpressionProblem(f"{name!r} is a function; write its argument in parentheses: {name}(...)")
            self.take()
            argument = self.nested(self.expr)
            if self.take().text != ")":
                raise ExpressionProblem(f"{name}(...) takes exactly one argument; close it with ')'")
            return Call(name, argument)
        if name in self.names:
            return Var(name)
        if called and name not in self.names:
            raise ExpressionProblem(f"{name!r} is not an allowed function")
        suggestion = split_suggestion(name, [n for n in self.names if n not in BUILTIN_CONSTANTS])
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        raise ExpressionProblem(f"{name!r} is not a symbol of this problem{hint}")


def parse_expression(text: str, names: Collection[str], functions: Collection[str]) -> Node:
    """Parse normalised text into an AST; raises :class:`ExpressionProblem` with the reason.

    ``names`` are the allowed variable and constant names (include ``e`` and ``pi`` when they
    are meant to be available); ``functions`` the allowed one-argument functions.
    """
    return _Parser(text, names, functions).parse()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents first (iterative: no recursion limit to reach)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, Bin):
            stack.extend((current.right, current.left))
        elif isinstance(current, (Neg, Call)):
            stack.append(current.operand if isinstance(current, Neg) else current.argument)
    return out


_BINARY: dict[str, Callable[[Array, Array], Array]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "^": np.power,
}


def evaluate(node: Node, env: Mapping[str, Array | float]) -> Array:
    """Evaluate on numpy arrays (every sample point at once); call under ``np.errstate``."""
    if isinstance(node, Num):
        return np.float64(node.value)  # type: ignore[return-value]
    if isinstance(node, Var):
        return np.asarray(env[node.name], dtype=float)
    if isinstance(node, Neg):
        return np.negative(evaluate(node.operand, env))
    if isinstance(node, Call):
        return FUNCTIONS[node.function](evaluate(node.argument, env))
    return _BINARY[node.op](evaluate(node.left, env), evaluate(node.right, env))
