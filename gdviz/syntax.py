"""Untrusted text → syntax tree: a typed formula read and checked without SymPy.

Steps 1 to 3 of :mod:`gdviz.expression`, which builds SymPy from what this module returns:

1. bound the length and check every character against a whitelist,
2. tokenize the text here (numbers, names, operators, brackets), inserting the
   multiplications people leave out (``2x``, ``3x y^2``, ``100(y-x^2)``, ``sin(x)cos(y)``),
3. parse the tokens with a small precedence-climbing parser into a tree of plain tuples
   (:data:`Node`) whose node kinds, names and functions come from fixed whitelists, with
   bounded nesting depth, size, number of min/max arguments and number size.

This module imports no SymPy (nor NumPy): the tree is its only output, so user text reaches
SymPy only as a tree built from the whitelists. Every refusal raises :class:`ExpressionError`
(a ``ValueError``) with a message a student understands and, where it helps, the column.
Split from :mod:`gdviz.expression` when that passed 600 lines.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FUNCTION_ARITIES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_LITERAL",
    "MAX_LITERAL_DIGITS",
    "MAX_MIN_MAX_ARGUMENTS",
    "MAX_NODES",
    "NAMES",
    "ExpressionError",
    "Node",
]

MAX_LENGTH = 400
"""Longest text accepted, in characters (the classic surfaces need under 150)."""

MAX_DEPTH = 40
"""Deepest nesting of brackets, function calls and powers accepted."""

MAX_LITERAL_DIGITS = 17
"""Most significant digits in one number (a float64 round-trips through 17)."""

MAX_LITERAL = 1e15
"""Largest number literal accepted."""

MAX_NODES = 300
"""Most operations and operands in one expression."""

MAX_MIN_MAX_ARGUMENTS = 4
"""Most arguments of min and max, all calls together: SymPy compares them pairwise while
differentiating, and ``max`` of seven powers of x took it seconds."""

FUNCTION_ARITIES: dict[str, int | None] = {
    # name: number of arguments, or None for "two or more"
    "exp": 1,
    "log": 1,
    "ln": 1,
    "sqrt": 1,
    "abs": 1,
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "asin": 1,
    "acos": 1,
    "atan": 1,
    "sinh": 1,
    "cosh": 1,
    "tanh": 1,
    "min": None,
    "max": None,
}
"""The functions a typed formula may call, with their number of arguments
(:data:`gdviz.expression.FUNCTIONS` adds each one's SymPy constructor)."""

NAMES = ("x", "y", "pi", "e")
"""The names a typed formula may use that are not functions
(:data:`gdviz.expression.CONSTANTS` gives each one's SymPy value)."""

_ALLOWED_CHARACTERS = re.compile(r"[0-9A-Za-z_.+\-*/^(),\s²]*")
_TOKEN = re.compile(
    r"""
    (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[+\-*/^(),²])
  | (?P<space>\s+)
    """,
    re.VERBOSE,
)


class ExpressionError(ValueError):
    """A typed function was refused; the message says what is wrong and where.

    ``column`` is the 1-based column the problem was found at, or ``None`` when the problem
    is not at one place (too long, undefined result, …).
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    column: int  # 1-based


def _tokenize(text: str, max_length: int = MAX_LENGTH) -> list[_Token]:
    """Split text into tokens; insert the implicit ``*`` between juxtaposed operands."""
    if len(text) > max_length:
        raise ExpressionError(
            f"the formula is too long ({len(text)} characters; at most {max_length})"
        )
    if not _ALLOWED_CHARACTERS.fullmatch(text):
        column, bad = next(
            (i, c) for i, c in enumerate(text, 1) if not _ALLOWED_CHARACTERS.fullmatch(c)
        )
        hint = _CHARACTER_HINTS.get(bad, "")
        raise ExpressionError(f"unexpected character {bad!r} at column {column}{hint}", column)

    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            column = position + 1
            raise ExpressionError(f"unexpected {text[position]!r} at column {column}", column)
        kind = match.lastgroup or ""
        if kind != "space":
            for token in _split_name(kind, match.group(), position + 1):
                _append_with_implicit_product(tokens, token)
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


_CHARACTER_HINTS = {
    "[": " — use round brackets ( )",
    "]": " — use round brackets ( )",
    "{": " — use round brackets ( )",
    "}": " — use round brackets ( )",
    "=": " — type only the right-hand side, e.g. x^2 + y^2",
    "'": " — text in quotes is not part of a formula",
    '"': " — text in quotes is not part of a formula",
    "|": " — write abs(x) for |x|",
    ";": " — one formula only",
}


def _split_name(kind: str, text: str, column: int) -> list[_Token]:
    """Read ``xy`` as ``x*y`` and ``x2`` as ``x*2``; keep whitelisted names whole."""
    if kind == "op" and text == "²":
        return [_Token("op", "^", column), _Token("number", "2", column)]
    if kind == "op" and text == "**":
        return [_Token("op", "^", column)]
    if kind != "name" or text in NAMES or text in FUNCTION_ARITIES:
        return [_Token(kind, text, column)]
    # A run of variables (and digits after them), as in "xy", "xy2" or "x2y": split it.
    if re.fullmatch(r"(?:[xy]\d*)+", text):
        return [
            _Token("number" if part[0].isdigit() else "name", part, column + m.start())
            for m in re.finditer(r"[xy]|\d+", text)
            for part in [m.group()]
        ]
    # A function name glued to its argument, as in "sinx": refuse with a hint, naming the
    # longest function it starts with ("sinhx" is sinh(x), not sin(hx)).
    glued = [name for name in FUNCTION_ARITIES if text.startswith(name) and len(text) > len(name)]
    if glued:
        name = max(glued, key=len)
        raise ExpressionError(
            f"unknown name {text!r} at column {column} — did you mean {name}({text[len(name) :]})?",
            column,
        )
    raise ExpressionError(f"unknown name {text!r} at column {column} — use x and y", column)


def _is_operand_end(token: _Token) -> bool:
    return (
        token.kind == "number"
        or (token.kind == "name" and token.text in NAMES)
        or (token.kind == "op" and token.text == ")")
    )


def _is_operand_start(token: _Token) -> bool:
    return token.kind in ("number", "name") or (token.kind == "op" and token.text == "(")


def _append_with_implicit_product(tokens: list[_Token], token: _Token) -> None:
    if tokens and _is_operand_end(tokens[-1]) and _is_operand_start(token):
        if tokens[-1].kind == "number" and token.kind == "number":
            raise ExpressionError(
                f"two numbers in a row at column {token.column} — add an operator between them",
                token.column,
            )
        tokens.append(_Token("op", "*", token.column))
    tokens.append(token)


# --- the syntax tree: plain tuples, built only from whitelisted node kinds ------------------
# ("num", float|int) | ("sym", name) | ("neg", node) | ("bin", op, left, right) | ("call", name, args)
Node = tuple[Any, ...]

_BINARY_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


class _Parser:
    """Precedence climbing over the token list; every recursion is depth-bounded."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.nodes = 0
        self.open_brackets: list[int] = []
        self.min_max_arguments = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def count_node(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"the formula is too large (more than {MAX_NODES} operations)")

    def enter(self, column: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"the formula is nested too deeply at column {column} (at most {MAX_DEPTH} levels)",
                column,
            )

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise ExpressionError(
                "the formula is empty — type a function of x and y, e.g. x^2 + y^2"
            )
        node = self.expression(0)
        token = self.current
        if token.kind != "end":
            if token.text == ")":
                raise ExpressionError(f"unmatched ')' at column {token.column}", token.column)
            raise ExpressionError(
                f"unexpected {token.text!r} at column {token.column}", token.column
            )
        return node

    def expression(self, min_precedence: int) -> Node:
        left = self.unary()
        while self.current.kind == "op" and self.current.text in _BINARY_PRECEDENCE:
            precedence = _BINARY_PRECEDENCE[self.current.text]
            if precedence < min_precedence:
                break
            operator = self.advance()
            self.enter(operator.column)
            right = self.expression(precedence + 1)
            self.depth -= 1
            self.count_node()
            left = ("bin", operator.text, left, right)
        return left

    def unary(self) -> Node:
        token = self.current
        if token.kind == "op" and token.text in "+-":
            self.advance()
            self.enter(token.column)
            operand = self.unary()
            self.depth -= 1
            self.count_node()
            return ("neg", operand) if token.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.current.kind == "op" and self.current.text == "^":
            caret = self.advance()
            self.enter(caret.column)
            exponent = self.unary()  # right-associative: x^-2, 2^3^2 = 2^(3^2)
            self.depth -= 1
            self.count_node()
            return ("bin", "^", base, exponent)
        return base

    def atom(self) -> Node:
        token = self.advance()
        self.count_node()
        if token.kind == "number":
            return ("num", _read_number(token))
        if token.kind == "name":
            if token.text in FUNCTION_ARITIES:
                return self.call(token)
            return ("sym", token.text)
        if token.kind == "op" and token.text == "(":
            self.enter(token.column)
            self.open_brackets.append(token.column)
            inner = self.expression(0)
            self.expect_closing(token)
            self.open_brackets.pop()
            self.depth -= 1
            return inner
        raise self.missing_operand(token)

    def call(self, name: _Token) -> Node:
        arity = FUNCTION_ARITIES[name.text]
        opening = self.current
        if not (opening.kind == "op" and opening.text == "("):
            raise ExpressionError(
                f"{name.text} needs brackets at column {name.column}: write {name.text}(...)",
                name.column,
            )
        self.advance()
        self.enter(opening.column)
        self.open_brackets.append(opening.column)
        args = [self.expression(0)]
        while self.current.kind == "op" and self.current.text == ",":
            self.advance()
            args.append(self.expression(0))
        self.expect_closing(opening)
        self.open_brackets.pop()
        self.depth -= 1
        if arity is None:
            self.min_max_arguments += len(args)
            if self.min_max_arguments > MAX_MIN_MAX_ARGUMENTS:
                raise ExpressionError(
                    f"too many min and max arguments at column {name.column} (at most "
                    f"{MAX_MIN_MAX_ARGUMENTS} in one formula, all calls together)",
                    name.column,
                )
        if arity is None and len(args) < 2:
            raise ExpressionError(
                f"{name.text} at column {name.column} needs at least two arguments, "
                f"e.g. {name.text}(x, y)",
                name.column,
            )
        if arity is not None and len(args) != arity:
            raise ExpressionError(
                f"{name.text} at column {name.column} takes one argument, got {len(args)}",
                name.column,
            )
        return ("call", name.text, tuple(args))

    def expect_closing(self, opening: _Token) -> None:
        token = self.current
        if token.kind == "op" and token.text == ")":
            self.advance()
            return
        if token.kind == "end":
            raise ExpressionError(
                f"missing ')' at column {token.column} to close the '(' at column {opening.column}",
                token.column,
            )
        if token.text == ",":
            raise ExpressionError(
                f"unexpected ',' at column {token.column} — only min and max take several arguments",
                token.column,
            )
        raise ExpressionError(
            f"unexpected {token.text!r} at column {token.column}: expected ')'", token.column
        )

    def missing_operand(self, token: _Token) -> ExpressionError:
        if token.kind == "end":
            return ExpressionError(
                f"the formula ends too soon at column {token.column} — something is missing after the last operator",
                token.column,
            )
        if token.text == ")":
            if not self.open_brackets:
                return ExpressionError(f"unmatched ')' at column {token.column}", token.column)
            return ExpressionError(
                f"empty brackets or missing value before ')' at column {token.column}", token.column
            )
        return ExpressionError(
            f"unexpected {token.text!r} at column {token.column} — a number, x, y or a bracket should come here",
            token.column,
        )


def _read_number(token: _Token) -> int | float:
    mantissa = re.split(r"[eE]", token.text)[0]
    significant = mantissa.replace(".", "").lstrip("0")
    if len(significant) > MAX_LITERAL_DIGITS:
        raise ExpressionError(
            f"the number at column {token.column} has too many digits (at most {MAX_LITERAL_DIGITS})",
            token.column,
        )
    value = float(token.text)
    if not math.isfinite(value) or abs(value) > MAX_LITERAL:
        raise ExpressionError(
            f"the number at column {token.column} is too large (at most {MAX_LITERAL:g})",
            token.column,
        )
    is_integer = re.fullmatch(r"\d+", token.text) is not None
    return int(token.text) if is_integer else value
