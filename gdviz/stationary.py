"""Where a run stopped: a minimum (which one), a saddle, a flat region, a maximum — or a slope.

A vanishing gradient marks a *stationary* point, not a minimum. :func:`classify` decides, for
many end points at once, what kind of place each one is, in one vocabulary shared by the app,
the command line and the lessons:

=================  ===========================================================================
kind               how it is decided (tolerances relative to the problem's :class:`Scale`)
=================  ===========================================================================
global minimum     a minimum (below) at a listed global minimum, or as low as the lowest one
local minimum      a minimum above the lowest known one (or at a listed local one)
minimum            H positive definite (λ₁ > τ_H), or, where H is degenerate, f rises (or
                   stays level at the lowest f in view) all around a small ring: no minima known
saddle             eigenvalues of both signs (λ₁ < −τ_H < τ_H < λ₂), or, H degenerate, f both
                   rises and falls around the ring (the monkey saddle, where H = 0)
maximum            H negative definite, or f falls all around the ring
flat               the gradient vanished, H ≈ 0 and f is level around the ring, well above the
                   lowest f in view (the plateau: the vanishing gradient, far from any minimum)
slope              the gradient is not small and f falls somewhere around the ring: the run
                   stopped because its steps became tiny, not at a stationary point
=================  ===========================================================================

Scale: with ``L`` the view's half-width and ``F`` the spread of f over the view (the range
between its 5th and 95th percentiles on a grid), the gradient counts as small below
``GRADIENT_TOL · F/L``, an eigenvalue as ≈ 0 within ``CURVATURE_TOL · F/L²``, the ring has
radius ``PROBE_RADIUS · L`` and f counts as level around it within ``LEVEL_TOL · F``. On the
ring the *second-order remainder* f(p + ρu) − f(p) − ρ ∇f(p)·u is compared where the gradient
is small (so a gradient just under gtol does not fake a slope), the plain difference where it
is not (a kink, such as |x| + |y| at 0, is a minimum with a large gradient).

:func:`find_minima` finds a typed function's minima on its view numerically (damped Newton
from a grid of starts, then :func:`classify`), so typed functions get ★ and ◆ too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gdviz.memo import shared_cache

__all__ = [
    "CURVATURE_TOL",
    "GRADIENT_TOL",
    "KINDS",
    "LEVEL_TOL",
    "MINIMUM_KINDS",
    "PROBE_RADIUS",
    "KnownPoint",
    "Scale",
    "Stops",
    "classify",
    "find_minima",
    "stop_phrase",
]

KINDS = ("global minimum", "local minimum", "minimum", "saddle", "maximum", "flat", "slope")
"""The vocabulary, in one place."""

MINIMUM_KINDS = frozenset({"global minimum", "local minimum", "minimum"})
"""The kinds that count as success (the green tick)."""

KIND_DTYPE = f"<U{max(map(len, KINDS))}"
"""A fixed-width string type every kind fits in (arrays of kinds: fast where object arrays of
tens of thousands of strings are slow)."""

GRADIENT_TOL = 1e-5
"""|∇f| below GRADIENT_TOL · F/L counts as a vanished gradient."""

CURVATURE_TOL = 1e-3
"""An eigenvalue of H within ±CURVATURE_TOL · F/L² counts as zero."""

PROBE_RADIUS = 0.05
"""The ring around a degenerate point has radius PROBE_RADIUS · L."""

LEVEL_TOL = 1e-6
"""Around the ring, f counts as level within LEVEL_TOL · F."""

FLAT_HEIGHT = 1e-2
"""A level, curvature-free point counts as flat (not a minimum) once f is this fraction of F
above the lowest f known in view."""

MATCH_RADIUS = 0.02
"""A minimum within MATCH_RADIUS · L of a listed one is that one."""

SAME_LEVEL = 1e-6
"""A minimum whose f is within SAME_LEVEL · F of the global one's is global too."""

_RING = 16
_GRID = 41

View = tuple[tuple[float, float], tuple[float, float]]


class Function(Protocol):
    """f, ∇f and H, vectorised (a typed Objective or a data model)."""

    def value(self, x: Any, y: Any) -> np.ndarray: ...

    def value_and_gradient(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]: ...

    def hessian(self, x: Any, y: Any) -> np.ndarray: ...


class KnownPoint(Protocol):
    """A listed minimum: its place, its f and its kind ("global" or "local")."""

    @property
    def x(self) -> float: ...

    @property
    def y(self) -> float: ...

    @property
    def f(self) -> float: ...

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class Scale:
    """How big things are on this problem: the view's half-width L, the spread F of f over the
    view, and the lowest f seen there."""

    length: float
    level: float
    low: float

    @classmethod
    def of(cls, objective: Function, view: View) -> Scale:
        """Sample f on a grid over the view (non-finite values ignored)."""
        (x_min, x_max), (y_min, y_max) = view
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, _GRID), np.linspace(y_min, y_max, _GRID))
        with np.errstate(all="ignore"):
            values = np.asarray(objective.value(xs, ys), dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        length = max((x_max - x_min) / 2, (y_max - y_min) / 2)
        if len(values) == 0:
            return cls(length, 1.0, 0.0)
        low, high = np.percentile(values, [5, 95])
        spread = float(high - low) or float(values.max() - values.min()) or 1.0
        return cls(float(length), spread, float(values.min()))


@dataclass(frozen=True)
class Stops:
    """The classification of N points: ``kind[i]`` from :data:`KINDS`, ``f``, ``grad_norm``
    and the eigenvalues of H there, ``known[i]`` the index of the listed minimum it is (-1)."""

    kind: np.ndarray  # (N,) str
    f: np.ndarray  # (N,)
    grad_norm: np.ndarray  # (N,)
    eigenvalues: np.ndarray  # (N, 2), ascending
    known: np.ndarray  # (N,) int


def classify(
    objective: Function,
    points: np.ndarray | Sequence[Sequence[float]],
    scale: Scale,
    minima: Sequence[KnownPoint] = (),
) -> Stops:
    """Classify every point of ``points`` (N, 2) — see the module's table. Pure and vectorised."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x, y = points[:, 0], points[:, 1]
    n = len(points)
    f_scale, length = scale.level, scale.length
    with np.errstate(all="ignore"):
        f, gradient = objective.value_and_gradient(x, y)
        f = np.broadcast_to(np.asarray(f, dtype=np.float64), (n,)).copy()
        gradient = np.broadcast_to(np.asarray(gradient, dtype=np.float64), (n, 2))
        hessian = np.broadcast_to(np.asarray(objective.hessian(x, y), np.float64), (n, 2, 2))
        finite_h = np.isfinite(hessian).all(axis=(1, 2))
        eigenvalues = np.zeros((n, 2))
        if finite_h.any():
            eigenvalues[finite_h] = np.linalg.eigvalsh(hessian[finite_h])
        grad_norm = np.hypot(gradient[:, 0], gradient[:, 1])
        small_gradient = grad_norm <= GRADIENT_TOL * f_scale / length
        curvature = CURVATURE_TOL * f_scale / length**2
        low_eig, high_eig = eigenvalues[:, 0], eigenvalues[:, 1]

        kind = np.full(n, "", dtype=KIND_DTYPE)
        clear = small_gradient & finite_h
        kind[clear & (low_eig > curvature)] = "minimum"
        kind[clear & (high_eig < -curvature)] = "maximum"
        kind[clear & (low_eig < -curvature) & (high_eig > curvature)] = "saddle"

        # Degenerate H, a kink, or a gradient that did not vanish: look around a ring.
        undecided = np.flatnonzero(kind == "")
        if len(undecided):
            kind[undecided] = _probe(
                objective, points[undecided], f[undecided], gradient[undecided],
                small_gradient[undecided], scale,
            )  # fmt: skip
    kind[~np.isfinite(f)] = "slope"
    known = np.full(n, -1)
    if minima:
        kind, known = _name_minima(kind, points, f, scale, minima)
    return Stops(kind, f, grad_norm, eigenvalues, known)


def _probe(
    objective: Function,
    points: np.ndarray,
    f: np.ndarray,
    gradient: np.ndarray,
    stationary: np.ndarray,
    scale: Scale,
) -> np.ndarray:
    """Decide by f around a ring of radius PROBE_RADIUS · L (see the module docstring)."""
    radius = PROBE_RADIUS * scale.length
    angles = np.linspace(0, 2 * np.pi, _RING, endpoint=False)
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (K, 2)
    ring = points[:, None, :] + radius * directions[None, :, :]  # (N, K, 2)
    around = np.asarray(objective.value(ring[..., 0], ring[..., 1]), dtype=np.float64)
    difference = around - f[:, None]
    linear = radius * gradient @ directions.T  # (N, K)
    difference = np.where(stationary[:, None], difference - linear, difference)
    tolerance = LEVEL_TOL * scale.level
    rises = (difference > tolerance).any(axis=1)
    falls = (difference < -tolerance).any(axis=1) | ~np.isfinite(difference).all(axis=1)
    level = ~rises & ~falls
    high_up = f - scale.low > FLAT_HEIGHT * scale.level
    return np.select(
        [
            stationary & rises & falls,
            stationary & level & high_up,
            ~falls,
            stationary & ~rises,
        ],
        ["saddle", "flat", "minimum", "maximum"],
        default="slope",
    )


def _name_minima(
    kind: np.ndarray,
    points: np.ndarray,
    f: np.ndarray,
    scale: Scale,
    minima: Sequence[KnownPoint],
) -> tuple[np.ndarray, np.ndarray]:
    """Minima become "global minimum" / "local minimum" against the listed ones."""
    listed = np.array([[m.x, m.y] for m in minima], dtype=np.float64)
    distance = np.hypot(
        points[:, None, 0] - listed[None, :, 0], points[:, None, 1] - listed[None, :, 1]
    )
    nearest = distance.argmin(axis=1)
    close = distance[np.arange(len(points)), nearest] <= MATCH_RADIUS * scale.length
    is_minimum = kind == "minimum"
    known = np.where(is_minimum & close, nearest, -1)
    f_global = min(m.f for m in minima)
    has_global = any(m.kind == "global" for m in minima)
    as_low = f <= f_global + SAME_LEVEL * scale.level
    kinds = np.array([m.kind for m in minima])
    named = np.where(
        known >= 0,
        np.where(kinds[np.maximum(known, 0)] == "global", "global minimum", "local minimum"),
        np.where(as_low & has_global, "global minimum", "local minimum"),
    )
    return np.where(is_minimum, named, kind).astype(KIND_DTYPE), known


def stop_phrase(
    kind: str,
    f: float,
    grad_norm: float,
    eigenvalues: tuple[float, float] = (0.0, 0.0),
    global_minimum: KnownPoint | None = None,
) -> str:
    """What a student reads about where a converged run stopped."""
    if kind == "global minimum":
        return f"reached the global minimum (f = {f:.4g})"
    if kind == "local minimum":
        where = ""
        if global_minimum is not None:
            where = (
                f"; the global one is at ({global_minimum.x:.3g}, {global_minimum.y:.3g}) "
                f"with f = {global_minimum.f:.4g}"
            )
        return f"reached a local minimum (f = {f:.4g}){where}"
    if kind == "minimum":
        return f"reached a minimum (f = {f:.4g})"
    if kind == "saddle":
        return (
            f"stopped at a saddle point (f = {f:.4g}): the gradient vanished, but f still falls "
            "away along another direction — not a minimum"
        )
    if kind == "maximum":
        return f"stopped at a maximum (f = {f:.4g}): every direction goes down — not a minimum"
    if kind == "flat":
        return (
            f"stalled on a flat region: the gradient vanished (|∇f| = {grad_norm:.2g}) far from "
            "any minimum — the vanishing-gradient problem"
        )
    return (
        f"stopped on a slope: the steps became tiny while |∇f| = {grad_norm:.3g} is not small "
        "— not a minimum"
    )


@dataclass(frozen=True)
class FoundMinimum:
    """A minimum found numerically (shaped like a surface's listed one)."""

    x: float
    y: float
    f: float
    kind: str  # "global" or "local"


_STARTS = 10
_NEWTON_STEPS = 80
POLISHED = 1e-8
"""find_minima keeps minima whose |∇f| fell below POLISHED · F/L: smooth ones (Newton cannot
polish a kink such as |x| + |y| at 0, so a typed function's kinks get no marker)."""
GRID_LEVEL = 1e-3
"""The lowest minimum found is global if its f is within GRID_LEVEL · F of the grid's lowest."""


@shared_cache(maxsize=64)
def find_minima(objective: Function, view: View) -> tuple[FoundMinimum, ...]:
    """The minima of ``objective`` inside ``view``, lowest first, found numerically.

    From a 10 × 10 grid of starts, 40 damped Newton steps, x ← x − (H + μI)⁻¹∇f with
    μ = max(0, τ − λ₁) so the step always goes downhill (τ the scale's curvature tolerance),
    at most a fifth of the view long, halved while f would rise. The end points that
    :func:`classify` calls minima, inside the view, are merged within MATCH_RADIUS · L.
    The lowest is "global" only if nothing on the view's grid is lower (else every minimum
    found is "local": f falls further towards the view's edge). Cached by objective and view
    (a typed function's objective is cached by its text).
    """
    scale = Scale.of(objective, view)
    (x_min, x_max), (y_min, y_max) = view
    xs, ys = np.meshgrid(
        np.linspace(x_min, x_max, _STARTS + 2)[1:-1], np.linspace(y_min, y_max, _STARTS + 2)[1:-1]
    )
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    damping = CURVATURE_TOL * scale.level / scale.length**2
    longest = 0.2 * scale.length
    with np.errstate(all="ignore"):
        active = np.arange(len(points))
        for _ in range(_NEWTON_STEPS):
            moved = _newton_step(objective, points[active], damping, longest)
            still = np.hypot(*(moved - points[active]).T) > 1e-12 * scale.length
            points[active] = moved
            active = active[still]
            if len(active) == 0:
                break
        inside = (
            np.isfinite(points).all(axis=1)
            & (points[:, 0] >= x_min)
            & (points[:, 0] <= x_max)
            & (points[:, 1] >= y_min)
            & (points[:, 1] <= y_max)
        )
        points = points[inside]
        if len(points) == 0:
            return ()
        stops = classify(objective, points, scale)
    converged = stops.grad_norm <= POLISHED * scale.level / scale.length
    keep = (stops.kind == "minimum") & converged
    points, values = points[keep], stops.f[keep]
    order = np.argsort(values, kind="stable")
    found: list[tuple[float, float, float]] = []
    for i in order:
        px, py = points[i]
        if all(np.hypot(px - qx, py - qy) > MATCH_RADIUS * scale.length for qx, qy, _ in found):
            found.append((float(px), float(py), float(values[i])))
    lowest_is_global = bool(found) and found[0][2] <= scale.low + GRID_LEVEL * scale.level
    return tuple(
        FoundMinimum(
            px,
            py,
            fv,
            "global"
            if lowest_is_global and fv <= found[0][2] + SAME_LEVEL * scale.level
            else "local",
        )
        for px, py, fv in found
    )


def _newton_step(
    objective: Function, points: np.ndarray, damping: float, longest: float
) -> np.ndarray:
    """One damped, downhill Newton step for every point (2 × 2 solves in closed form)."""
    f, gradient = objective.value_and_gradient(points[:, 0], points[:, 1])
    hessian = objective.hessian(points[:, 0], points[:, 1])
    a, b, d = hessian[:, 0, 0], hessian[:, 0, 1], hessian[:, 1, 1]
    smallest = (a + d) / 2 - np.sqrt(((a - d) / 2) ** 2 + b * b)
    shift = np.maximum(0.0, damping - smallest)
    a, d = a + shift, d + shift
    determinant = a * d - b * b
    step = (
        -np.stack(
            [d * gradient[:, 0] - b * gradient[:, 1], a * gradient[:, 1] - b * gradient[:, 0]],
            axis=1,
        )
        / determinant[:, None]
    )
    length = np.hypot(step[:, 0], step[:, 1])
    step = step * np.minimum(1.0, longest / np.maximum(length, 1e-300))[:, None]
    step = np.where(np.isfinite(step), step, 0.0)
    for _ in range(8):
        trial = points + step
        higher = ~(objective.value(trial[:, 0], trial[:, 1]) <= f)
        if not higher.any():
            break
        step[higher] /= 2
    trial = points + step
    worse = ~(objective.value(trial[:, 0], trial[:, 1]) <= f)
    return np.where(worse[:, None], points, trial)
