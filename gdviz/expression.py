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

Steps 1 to 3, text → syntax tree, are :mod:`gdviz.syntax`, which imports no SymPy; steps 4
and 5, tree → SymPy, are :mod:`gdviz.symbolic`; this module holds step 6 and the compiled
:class:`Objective`, and is where callers import all of it from.

Nothing the user types is ever executed. Every refusal raises :class:`ExpressionError` (a
``ValueError``) with a message a student understands and, where it helps, the column.

These three are the only modules that turn text into SymPy.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from gdviz.memo import shared_cache

# `NAME as NAME`: not used here, but importable from here as before gdviz.syntax and
# gdviz.symbolic were split off.
from gdviz.symbolic import CONSTANTS as CONSTANTS
from gdviz.symbolic import FUNCTIONS, MAX_EXPONENT, X, Y, _build, parse_expression
from gdviz.syntax import MAX_DEPTH, MAX_LENGTH, ExpressionError, _Parser, _tokenize
from gdviz.syntax import MAX_LITERAL as MAX_LITERAL
from gdviz.syntax import MAX_LITERAL_DIGITS as MAX_LITERAL_DIGITS
from gdviz.syntax import MAX_MIN_MAX_ARGUMENTS as MAX_MIN_MAX_ARGUMENTS
from gdviz.syntax import MAX_NODES as MAX_NODES
from gdviz.syntax import Node as Node

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

MAX_GRADIENT_SIZE = 800
"""Most nodes in the two gradient expressions together (Goldstein–Price has 328).

Each derivative of a long product is longer by about the number of its factors: the
gradient of a product of ten sines has about 1 200 nodes and its Hessian 12 000, which SymPy
needs half a second to compute and compile."""

MAX_HESSIAN_SIZE = 8000
"""Most nodes in the four Hessian expressions together (Goldstein–Price has 1 278)."""


# --- the compiled objective ------------------------------------------------------------------


def _vectorize(groups: list[list[sp.Expr]]) -> _Vectorized:
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
    return _Vectorized(compiled, tuple(len(group) for group in groups), _gives_complex(compiled))


def _gives_complex(compiled: Callable[..., Any]) -> bool:
    """Whether the compiled code gives a complex part. Its result types follow the types of
    its inputs (float64) and of its constants, not their values (outside their domain the
    whitelist's functions give NaN, never a complex number), so one probe point tells; a
    complex constant comes from the imaginary unit, or from Python raising a negative constant
    to a fraction."""
    probe = np.array([0.5])
    try:
        with np.errstate(all="ignore"):
            return any(_is_complex(part) for part in compiled(probe, probe))
    except Exception:  # a probe that fails proves nothing: check every call
        return True


@dataclass(frozen=True)
class _Vectorized:
    """Groups of expressions compiled into one NumPy function (see :func:`_vectorize`):
    ``sizes`` holds how many expressions each group has; ``imaginary``, whether any has the
    imaginary unit (then each part is checked for a complex result, whose real part is kept)."""

    compiled: Callable[..., Any]
    sizes: tuple[int, ...]
    imaginary: bool

    def __call__(self, x: Any, y: Any) -> tuple[np.ndarray, ...]:
        x_array = np.asarray(x, dtype=np.float64)
        y_array = np.asarray(y, dtype=np.float64)
        # Equal shapes (the usual case) skip the general broadcast.
        shape = (
            x_array.shape
            if x_array.shape == y_array.shape
            else np.broadcast_shapes(x_array.shape, y_array.shape)
        )
        with np.errstate(all="ignore"):
            parts = iter(self.compiled(x_array, y_array))
            outputs = []
            for size in self.sizes:
                out = np.empty((*shape, size) if size > 1 else shape, dtype=np.float64)
                for k in range(size):
                    part = next(parts)
                    if self.imaginary and _is_complex(part):
                        part = part.real
                    if size > 1:
                        out[..., k] = part
                    else:
                        out[...] = part
                outputs.append(out)
        return tuple(outputs)

    def rows(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A group of one expression and a group of two (f and ∇f) at the rows of θ, an (R, 2)
        float64 array: what calling it with θ's two columns gives, bit for bit, without the
        wrapping the engine's once-a-step call does not need (typed Rosenbrock's f and ∇f at
        three rows: 12.1 → 9.5 µs, 7.4 of them its arithmetic). NumPy's floating-point error
        state is the caller's: the stepping loop's turns every warning off."""
        x, y = theta[:, 0], theta[:, 1]
        if self.imaginary:
            value, gradient = self(x, y)
            return value, gradient
        value_part, x_part, y_part = self.compiled(x, y)
        value = np.empty(len(theta))
        value[...] = value_part
        gradient = np.empty((len(theta), 2))
        gradient[:, 0], gradient[:, 1] = x_part, y_part
        return value, gradient


def _is_complex(part: Any) -> bool:
    """Whether a compiled expression gave a complex number or array (its real part is kept)."""
    return isinstance(part, complex) or getattr(getattr(part, "dtype", None), "kind", "") == "c"


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
    _value: _Vectorized = field(repr=False, compare=False)
    _value_and_gradient: _Vectorized = field(repr=False, compare=False)
    _hessian: _Vectorized = field(repr=False, compare=False)

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

    def value_and_gradient_rows(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`value_and_gradient` at each row of θ, an (R, 2) float64 array (the engine's
        points, once a step): the same numbers, with NumPy's error state left to the caller."""
        return self._value_and_gradient.rows(theta)

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
