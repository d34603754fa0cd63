"""Untrusted text → validated SymPy expression → :class:`Objective`.

The function box is a web form, so its text is hostile until proven otherwise. SymPy's own
parsers (``sympify``, ``parse_expr``) call ``eval`` and can hang on ``9**9**9``; this module
never hands them user text. Instead it

1. bounds the length and checks every character against a whitelist,
2. tokenizes the text itself (numbers, names, operators, brackets), inserting the
   multiplications people leave out (``2x``, ``3x y^2``, ``100(y-x^2)``, ``sin(x)cos(y)``),
3. parses the tokens with a small precedence-climbing parser into a tree whose node kinds,
   names and functions come from fixed whitelists, with bounded nesting depth, size, number
   of min/max arguments and number size,
4. evaluates every constant part of the tree in float64 first, refusing constants that
   overflow or are undefined and constant exponents over 100 (SymPy would compute them
   exactly, for as long as it takes),
5. builds the SymPy expression node by node from that tree, and
6. refuses derivatives too large to compile quickly.

Nothing the user types is ever executed. Every refusal raises :class:`ExpressionError` (a
``ValueError``) with a message a student understands and, where it helps, the column.

This is the only module that turns text into SymPy.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from gdviz.memo import shared_cache

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "ExpressionError",
    "Objective",
    "parse_expression",
    "parse_function",
]

MAX_LENGTH = 400
"""Longest text accepted, in characters (the classic surfaces need under 150)."""

MAX_DEPTH = 40
"""Deepest nesting of brackets, function calls and powers accepted."""

MAX_LITERAL_DIGITS = 17
"""Most significant digits in one number (a float64 round-trips through 17)."""

MAX_LITERAL = 1e15
"""Largest number literal accepted."""

MAX_EXPONENT = 100
"""Largest |constant exponent| accepted: ``x^100`` is fine, ``9^9^9`` is refused."""

MAX_NODES = 300
"""Most operations and operands in one expression."""

MAX_MIN_MAX_ARGUMENTS = 4
"""Most arguments of min and max, all calls together: SymPy compares them pairwise while
differentiating, and ``max`` of seven powers of x took it seconds."""

MAX_GRADIENT_SIZE = 800
"""Most nodes in the two gradient expressions together (Goldstein–Price has 328).

Each derivative of a long product is longer by about the number of its factors: the
gradient of a product of ten sines has about 1 200 nodes and its Hessian 12 000, which SymPy
needs half a second to compute and compile."""

MAX_HESSIAN_SIZE = 8000
"""Most nodes in the four Hessian expressions together (Goldstein–Price has 1 278)."""

X, Y = sp.symbols("x y", real=True)


class _RealKink(sp.Function):
    """Base of |u| and sign(u) for a u SymPy cannot tell is real, such as log(x), sqrt(x) or
    asin(y) (real u gives SymPy's own Abs and sign).

    For such u SymPy differentiates |u| as a complex modulus, into re, im and atan2 parts that
    are 0/0 at the kink, and leaves the derivative of sign(u) unevaluated, which NumPy cannot
    print: abs(log(x)) had no Hessian. The formula is only evaluated where it is real, so here
    |u|' = sign(u) u' and sign(u)' = 0 (the DiracDelta, dropped as everywhere else).
    """

    nargs = 1
    _sympy: Callable[[sp.Expr], sp.Expr]
    _numpy = ""
    _name = ""

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_extended_real is not None or arg.is_number:
            return cls._sympy(arg)
        return None

    def _eval_is_extended_real(self) -> bool:
        return True

    def _numpycode(self, printer: Any, **kwargs: Any) -> str:
        return f"{printer._module_format(self._numpy)}({printer._print(self.args[0])})"

    def _sympystr(self, printer: Any, **kwargs: Any) -> str:
        return f"{self._name}({printer._print(self.args[0])})"

    def _latex(self, printer: Any, exp: Any = None, **kwargs: Any) -> str:
        inner = self._latex_body(printer._print(self.args[0]))
        return inner if exp is None else f"{inner}^{{{exp}}}"

    def _latex_body(self, arg: str) -> str:
        raise NotImplementedError


class _RealSign(_RealKink):
    _sympy = staticmethod(sp.sign)
    _numpy = "numpy.sign"
    _name = "sign"

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)

    def _latex_body(self, arg: str) -> str:
        return rf"\operatorname{{sign}}{{\left({arg} \right)}}"


class _RealAbs(_RealKink):
    _sympy = staticmethod(sp.Abs)
    _numpy = "numpy.absolute"
    _name = "Abs"

    def _eval_is_nonnegative(self) -> bool:
        return True

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return _RealSign(self.args[0])

    def _latex_body(self, arg: str) -> str:
        return rf"\left|{{{arg}}}\right|"


FUNCTIONS: dict[str, tuple[Callable[..., sp.Expr], int | None]] = {
    # name: (SymPy constructor, number of arguments or None for "two or more")
    "exp": (sp.exp, 1),
    "log": (sp.log, 1),
    "ln": (sp.log, 1),
    "sqrt": (sp.sqrt, 1),
    "abs": (_RealAbs, 1),
    "sin": (sp.sin, 1),
    "cos": (sp.cos, 1),
    "tan": (sp.tan, 1),
    "asin": (sp.asin, 1),
    "acos": (sp.acos, 1),
    "atan": (sp.atan, 1),
    "sinh": (sp.sinh, 1),
    "cosh": (sp.cosh, 1),
    "tanh": (sp.tanh, 1),
    "min": (sp.Min, None),
    "max": (sp.Max, None),
}
"""The functions a typed formula may call."""

CONSTANTS: dict[str, sp.Expr] = {"x": X, "y": Y, "pi": sp.pi, "e": sp.E}
"""The names a typed formula may use that are not functions."""

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
    if kind != "name" or text in CONSTANTS or text in FUNCTIONS:
        return [_Token(kind, text, column)]
    # A run of variables (and digits after them), as in "xy", "xy2" or "x2y": split it.
    if re.fullmatch(r"(?:[xy]\d*)+", text):
        return [
            _Token("number" if part[0].isdigit() else "name", part, column + m.start())
            for m in re.finditer(r"[xy]|\d+", text)
            for part in [m.group()]
        ]
    # A function name glued to its argument, as in "sinx": refuse with a hint.
    for name in FUNCTIONS:
        if text.startswith(name) and len(text) > len(name):
            raise ExpressionError(
                f"unknown name {text!r} at column {column} — did you mean {name}({text[len(name) :]})?",
                column,
            )
    raise ExpressionError(f"unknown name {text!r} at column {column} — use x and y", column)


def _is_operand_end(token: _Token) -> bool:
    return (
        token.kind == "number"
        or (token.kind == "name" and token.text in CONSTANTS)
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
            if token.text in FUNCTIONS:
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
        arity = FUNCTIONS[name.text][1]
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


# --- tree → SymPy, with every constant part bounded before SymPy evaluates anything ---------
#
# SymPy evaluates numbers exactly or to whatever precision a comparison needs, so a constant
# such as exp(exp(exp(100))) or ((10^300)^99)^99 can take it minutes or all memory. Every
# constant part of the tree is therefore first evaluated in float64 here: one that overflows
# or is undefined is refused before SymPy sees it.

_FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "ln": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "min": min,
    "max": max,
}

_CONSTANT_VALUES = {"pi": math.pi, "e": math.e}


def _too_large() -> ExpressionError:
    return ExpressionError(
        "a number in the formula is too large to compute (over 10^300); "
        "gradient descent pictures need modest numbers"
    )


def _constant_value(node: Node) -> float | None:
    """The float value of ``node`` if it is made only of numbers, else ``None``.

    Walks the whole tree, so that constant parts inside a formula of x and y are checked too,
    and raises :class:`ExpressionError` for a constant exponent over :data:`MAX_EXPONENT`, a
    constant over 10^300 and a constant that is undefined (1/0, log(0), sqrt(-1), (-8)^(1/3)).
    """
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "sym":
        return _CONSTANT_VALUES.get(node[1])
    if kind == "neg":
        inner = _constant_value(node[1])
        return None if inner is None else -inner
    if kind == "call":
        args = [_constant_value(arg) for arg in node[2]]
        if any(arg is None for arg in args):
            return None
        try:
            value = _FLOAT_FUNCTIONS[node[1]](*args)
        except OverflowError:
            raise _too_large() from None
        except ValueError:
            shown = ", ".join(f"{arg:g}" for arg in args)
            raise ExpressionError(
                f"the formula is undefined: {node[1]}({shown}) has no real value"
            ) from None
        return _bounded(value)
    operator, left, right = node[1], _constant_value(node[2]), _constant_value(node[3])
    if operator == "^" and right is not None and not abs(right) <= MAX_EXPONENT:
        raise ExpressionError(
            f"an exponent is too large (its value is over {MAX_EXPONENT}); "
            "gradient descent pictures need modest powers"
        )
    if left is None or right is None:
        return None
    if operator == "+":
        return _bounded(left + right)
    if operator == "-":
        return _bounded(left - right)
    if operator == "*":
        return _bounded(left * right)
    if operator == "/":
        if right == 0:
            raise ExpressionError("the formula is undefined: it divides by zero")
        return _bounded(left / right)
    try:
        value = left**right
    except OverflowError:
        raise _too_large() from None
    except ZeroDivisionError:
        raise ExpressionError("the formula is undefined: 0 to a negative power") from None
    if isinstance(value, complex):
        raise ExpressionError(
            f"the formula is not real: ({left:g})^({right:g}) is a root of a negative number"
        )
    return _bounded(value)


def _bounded(value: float) -> float:
    if not abs(value) <= 1e300:
        raise _too_large()
    return float(value)


def _to_sympy(node: Node) -> sp.Expr:
    """Build the (already checked) tree in SymPy."""
    kind = node[0]
    if kind == "num":
        value = node[1]
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    if kind == "sym":
        return CONSTANTS[node[1]]
    if kind == "neg":
        return -_to_sympy(node[1])
    if kind == "call":
        constructor = FUNCTIONS[node[1]][0]
        return constructor(*(_to_sympy(arg) for arg in node[2]))
    operator, a, b = node[1], _to_sympy(node[2]), _to_sympy(node[3])
    if operator == "^":
        return sp.Pow(a, b)
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    return a / b


_UNDEFINED = (sp.zoo, sp.oo, -sp.oo, sp.nan)


def parse_expression(text: str) -> sp.Expr:
    """Validate ``text`` and return it as a SymPy expression in the real symbols x and y.

    >>> parse_expression("x^2 + 10y^2")
    x**2 + 10*y**2

    Raises :class:`ExpressionError` for anything that is not a finite, real formula of x and y
    written with the whitelisted names and functions.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the formula as text, got {type(text).__name__}")
    return _build(text, MAX_LENGTH)


def _build(text: str, max_length: int) -> sp.Expr:
    tree = _Parser(_tokenize(text, max_length)).parse()
    _constant_value(tree)  # refuses constant parts too large or undefined, before SymPy
    try:
        expression = _to_sympy(tree)
        _check_defined(expression)
        _check_exponents(expression)
    except ExpressionError:
        raise
    except (ValueError, TypeError, ArithmeticError) as error:
        # SymPy refuses some undefined parts itself, e.g. max(x, 1/(y-y)): "zoo is not comparable"
        raise ExpressionError(
            "the formula is undefined: part of it divides by zero or takes the log of zero"
        ) from error
    return expression


def _check_exponents(expression: sp.Expr) -> None:
    """SymPy combines powers, (x^100)^100 into x^10000 and x^60 x^60 into x^120: bound those too."""
    for power in expression.atoms(sp.Pow):
        if power.exp.is_Number and not abs(power.exp) <= MAX_EXPONENT:
            raise ExpressionError(
                f"an exponent is too large (the powers combine to {power.exp}, over "
                f"{MAX_EXPONENT}); gradient descent pictures need modest powers"
            )


def _check_defined(expression: sp.Expr) -> None:
    if expression.has(*_UNDEFINED):
        raise ExpressionError(
            "the formula is undefined: it divides by zero or takes the log of zero "
            "(SymPy simplified part of it to ∞ or 'undefined')"
        )
    not_real = ExpressionError(
        "the formula is not real: it takes a root or log of a negative number"
    )
    if expression.has(sp.I):
        raise not_real
    # Constant parts such as (-8)^(1/3) are complex in SymPy even without a visible I.
    for part in sp.preorder_traversal(expression):
        if part.is_number and part.is_extended_real is False:
            raise not_real


# --- the compiled objective ------------------------------------------------------------------


def _vectorize(groups: list[list[sp.Expr]]) -> Callable[[Any, Any], tuple[np.ndarray, ...]]:
    """Compile groups of expressions of (x, y) into one NumPy function, sharing subexpressions.

    The function returns one contiguous float64 array per group: shape (*broadcast,) for a
    group of one expression, (*broadcast, k) for a group of k. Constant entries (∂(3y)/∂y = 3)
    come back from ``lambdify`` as scalars and are broadcast to the inputs' shape. Points
    outside the function's domain give NaN, without warnings.
    """
    flat = [_heaviside_as_sign(expression) for group in groups for expression in group]
    # No docstring (rendering the expression in it was a third of the compile time) and no
    # implemented-function namespace (the whitelist has none): same code, faster to make.
    compiled = sp.lambdify(
        (X, Y), flat, modules="numpy", cse=True, docstring_limit=0, use_imps=False
    )
    sizes = [len(group) for group in groups]

    def evaluate(x: Any, y: Any) -> tuple[np.ndarray, ...]:
        x_array = np.asarray(x, dtype=np.float64)
        y_array = np.asarray(y, dtype=np.float64)
        # The engine's case, equal shapes, skips the general broadcast (a hot path: once a step).
        shape = (
            x_array.shape
            if x_array.shape == y_array.shape
            else np.broadcast_shapes(x_array.shape, y_array.shape)
        )
        with np.errstate(all="ignore"):
            parts = iter(compiled(x_array, y_array))
            outputs = []
            for size in sizes:
                out = np.empty((*shape, size) if size > 1 else shape, dtype=np.float64)
                for k in range(size):
                    part = next(parts)
                    kind = getattr(getattr(part, "dtype", None), "kind", "")
                    if kind == "c" or isinstance(part, complex):
                        part = part.real
                    if size > 1:
                        out[..., k] = part
                    else:
                        out[...] = part
                outputs.append(out)
        return tuple(outputs)

    return evaluate


def _heaviside_as_sign(expression: sp.Expr) -> sp.Expr:
    """Write Heaviside(z) (from differentiating min and max) as (1 + sign(z))/2.

    Equal everywhere, 1/2 at z = 0 included; but the NumPy printer turns Heaviside into a
    Piecewise whose conditions it simplifies (hundreds of milliseconds for max(x, y, 1)) and
    whose ``logical_and.reduce`` fails on inputs that broadcast, such as (3, 1) with (1, 4).
    """
    if not expression.has(sp.Heaviside):
        return expression

    def as_sign(z: sp.Expr, h0: sp.Expr = sp.S.Half) -> sp.Expr:
        return (1 + sp.sign(z)) / 2 + (h0 - sp.S.Half) * (1 - sp.sign(z) ** 2)

    return expression.replace(sp.Heaviside, as_sign)


def _drop_distributions(expression: sp.Expr) -> sp.Expr:
    """Replace DiracDelta (the derivative of a kink) by 0: true everywhere but on the kink."""
    if not expression.has(sp.DiracDelta):
        return expression
    return expression.replace(sp.DiracDelta, lambda *args: sp.Integer(0))


@dataclass(frozen=True)
class Objective:
    """A function of two variables with its exact gradient and Hessian, ready for NumPy.

    ``value(x, y)`` returns f with the broadcast shape of x and y; ``gradient(x, y)`` returns
    ∇f = (∂f/∂x, ∂f/∂y) with shape (..., 2); ``hessian(x, y)`` returns H with shape
    (..., 2, 2). All work on scalars or arrays of any shape, in float64, and give NaN (never a
    warning) where f is undefined.
    """

    text: str
    normalized: str
    expression: sp.Expr
    gradient_expressions: tuple[sp.Expr, sp.Expr]
    hessian_expressions: tuple[tuple[sp.Expr, sp.Expr], tuple[sp.Expr, sp.Expr]]
    _value: Callable[[Any, Any], tuple[np.ndarray, ...]] = field(repr=False, compare=False)
    _value_and_gradient: Callable[[Any, Any], tuple[np.ndarray, ...]] = field(
        repr=False, compare=False
    )
    _hessian: Callable[[Any, Any], tuple[np.ndarray, ...]] = field(repr=False, compare=False)

    def value(self, x: Any, y: Any) -> np.ndarray:
        """f(x, y), broadcast over the shapes of x and y."""
        return self._value(x, y)[0]

    def gradient(self, x: Any, y: Any) -> np.ndarray:
        """∇f(x, y) with shape (..., 2)."""
        return self._value_and_gradient(x, y)[1]

    def value_and_gradient(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """(f, ∇f) in one pass, sharing common subexpressions (what an optimizer step needs)."""
        value, gradient = self._value_and_gradient(x, y)
        return value, gradient

    def hessian(self, x: Any, y: Any) -> np.ndarray:
        """H(x, y) = [[f_xx, f_xy], [f_yx, f_yy]] with shape (..., 2, 2)."""
        flat = self._hessian(x, y)[0]
        return flat.reshape((*flat.shape[:-1], 2, 2))

    @property
    def latex(self) -> str:
        """f as LaTeX."""
        return _latex(self.expression)

    @property
    def latex_terms(self) -> tuple[str, ...]:
        """The LaTeX of each term of f as a sum, in the printed order, each with its sign
        ('x^{2}', '- 3 x y'): for breaking a long formula over lines."""
        terms = self.expression.as_ordered_terms()
        return tuple(_signed_term(term, first=i == 0) for i, term in enumerate(terms))

    @property
    def gradient_latex(self) -> str:
        """∇f as a LaTeX column vector."""
        return _latex(sp.ImmutableMatrix(self.gradient_expressions))

    @property
    def hessian_latex(self) -> str:
        """H as a LaTeX matrix."""
        return _latex(sp.ImmutableMatrix(self.hessian_expressions))


def _signed_term(term: sp.Expr, *, first: bool) -> str:
    if term.could_extract_minus_sign():
        return "- " + _latex(-term)
    return _latex(term) if first else "+ " + _latex(term)


@functools.lru_cache(maxsize=256)
def _latex(expression: sp.Basic) -> str:
    """LaTeX of an expression, cached: the sidebar shows a typed function's f, ∇f and H on every
    rerun, and printing them takes milliseconds (6 ms for a sum of three products)."""
    return sp.latex(expression)


def parse_function(text: str) -> Objective:
    """Validate a typed formula and compile f, ∇f and H for NumPy.

    >>> f = parse_function("x^2 + 10y^2")
    >>> f.value(1.0, 2.0), f.gradient(1.0, 2.0).tolist()
    (array(41.), [2.0, 40.0])

    Compilation is cached by the normalized text, so ``"x^2+10y^2"`` and ``"x^2 + 10 y^2"``
    share one compiled objective.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the formula as text, got {type(text).__name__}")
    tokens = _tokenize(text)
    _Parser(tokens).parse()  # refuse here, so that error columns refer to what the user typed
    objective = _compile_normalized("".join(token.text for token in tokens))
    text = text.strip()
    # Same compiled functions, but remember how the user wrote it.
    return objective if objective.text == text else dataclasses.replace(objective, text=text)


def _check_size(expressions: list[sp.Expr], limit: int, what: str) -> None:
    """Refuse derivatives too large to compile quickly (counting stops at the limit)."""
    nodes = itertools.chain.from_iterable(sp.preorder_traversal(e) for e in expressions)
    if sum(1 for _ in itertools.islice(nodes, limit + 1)) > limit:
        raise ExpressionError(
            f"the formula is too complicated: its {what} would have more than {limit} parts "
            "— try a shorter formula, with fewer factors multiplied together"
        )


_PROBE_GRID = np.meshgrid(np.linspace(-5, 5, 21), np.linspace(-5, 5, 21))


@shared_cache(maxsize=256)
def _compile_normalized(normalized: str) -> Objective:
    # The normalized text can be longer than what was typed ("xy" → "x*y", "x²" → "x^2"),
    # at most twice as long; the typed text was checked against MAX_LENGTH already.
    expression = _build(normalized, 2 * MAX_LENGTH)
    value = _vectorize([[expression]])
    if not np.isfinite(value(*_PROBE_GRID)[0]).any():
        raise ExpressionError(
            "the formula is undefined at every point of the square -5 ≤ x, y ≤ 5 "
            "(a root or log of a negative number, or a division by zero)"
        )
    gradient = [_drop_distributions(sp.diff(expression, s)) for s in (X, Y)]
    _check_size(gradient, MAX_GRADIENT_SIZE, "gradient")
    hessian = [[_drop_distributions(sp.diff(g, s)) for s in (X, Y)] for g in gradient]
    _check_size([h for row in hessian for h in row], MAX_HESSIAN_SIZE, "Hessian")
    return Objective(
        text=normalized,
        normalized=normalized,
        expression=expression,
        gradient_expressions=(gradient[0], gradient[1]),
        hessian_expressions=((hessian[0][0], hessian[0][1]), (hessian[1][0], hessian[1][1])),
        _value=value,
        _value_and_gradient=_vectorize([[expression], gradient]),
        _hessian=_vectorize([[hessian[0][0], hessian[0][1], hessian[1][0], hessian[1][1]]]),
    )
