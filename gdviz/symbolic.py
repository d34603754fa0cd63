"""Checked syntax tree → SymPy expression in the real symbols x and y.

Steps 4 and 5 of :mod:`gdviz.expression`, on the tree that :mod:`gdviz.syntax` reads from the
text:

4. evaluate every constant part of the tree in float64 first, refusing constants that
   overflow or are undefined and constant exponents over 100 (SymPy would compute them
   exactly, for as long as it takes),
5. build the SymPy expression node by node from that tree, each name and function from a
   fixed table (:data:`CONSTANTS`, :data:`FUNCTIONS`), and refuse what SymPy makes of it
   that is undefined, not real, or a combined power over 100.

:func:`parse_expression` runs steps 1 to 5: the text itself goes only to :mod:`gdviz.syntax`,
and SymPy is given only what is built here from the tree. Every refusal raises
:class:`~gdviz.syntax.ExpressionError`. Split from :mod:`gdviz.expression` when that passed 600
lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy as sp

from gdviz.syntax import (
    FUNCTION_ARITIES,
    MAX_LENGTH,
    ExpressionError,
    Node,
    _Parser,
    _tokenize,
)

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_EXPONENT", "X", "Y", "parse_expression"]

MAX_EXPONENT = 100
"""Largest |constant exponent| accepted: ``x^100`` is fine, ``9^9^9`` is refused."""

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


_SYMPY_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": _RealAbs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "min": sp.Min,
    "max": sp.Max,
}

FUNCTIONS: dict[str, tuple[Callable[..., sp.Expr], int | None]] = {
    # name: (SymPy constructor, number of arguments or None for "two or more")
    name: (_SYMPY_FUNCTIONS[name], arity)
    for name, arity in FUNCTION_ARITIES.items()
}
"""The functions a typed formula may call (the parser's whitelist,
:data:`gdviz.syntax.FUNCTION_ARITIES`, with each one's SymPy constructor)."""

CONSTANTS: dict[str, sp.Expr] = {"x": X, "y": Y, "pi": sp.pi, "e": sp.E}
"""The names a typed formula may use that are not functions."""


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
