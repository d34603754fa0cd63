"""What is drawn under the paths: the landscape, f sampled on a grid over its view, the colour
scale (linear or log) and its ticks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.engine import Differentiable, View
from gdviz.memo import shared_cache
from gdviz.surfaces import Point, Surface

CONTOUR_GRID = 200
"""Grid points per side for one contour panel; side-by-side panels get fewer (see
:func:`contour_grid_points`)."""
SURFACE_GRID = 120
"""Grid points per side for the 3-D surface."""
CONTOUR_LEVELS = 24
"""Contour levels, equally spaced on the colour scale (so per decade when log-coloured)."""


LOG_COLOUR_RATIO = 12.0
"""Colour by log(f − f_min + ε) when (f_max − f_min) / (f_median − f_min) over the view exceeds
this: then over half of the view would sit in the lowest twelfth of a linear colour scale.
Rosenbrock (17), three-hump camel (15), Goldstein–Price (150), Beale (470) get log colours;
the bowls, Booth and Matyas (≤ 11) stay linear."""


@dataclass(frozen=True)
class Landscape:
    """What to draw under the paths: the function, its window and its marked points."""

    objective: Differentiable  # a typed function or a model's loss over data
    view: View
    minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    title: str = ""
    axes: tuple[str, str] = ("x", "y")  # the two parameters' names, e.g. ("w", "b")

    @classmethod
    def from_surface(cls, surface: Surface) -> Landscape:
        """The landscape of a library surface (its view, minima and saddles)."""
        return cls(surface.objective, surface.view, surface.minima, surface.saddles, surface.name)


@dataclass(frozen=True)
class Grid:
    """f sampled over the view, and the colour values drawn (log-scaled for steep surfaces)."""

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray  # (len(y), len(x)), finite: undefined points get the largest defined value
    colour: np.ndarray
    log: bool
    f_min: float
    epsilon: float

    def colour_of(self, f: Any) -> np.ndarray:
        """Map loss values onto the colour (and 3-D height) scale."""
        f = np.asarray(f, dtype=np.float64)
        if not self.log:
            return f
        return np.log10(np.maximum(f - self.f_min, 0.0) + self.epsilon)

    @property
    def colour_range(self) -> tuple[float, float]:
        """The colour (and 3-D height) scale's ends: from f_min (a known minimum counts) to
        the top of f over the view."""
        low = float(min(self.colour.min(), self.colour_of(self.f_min)))
        return low, float(self.colour.max())

    def colour_bar_ticks(self, count: int = 7) -> tuple[list[float], list[str]]:
        """Tick positions on the colour scale and their labels in real f values.

        Log colouring: f_min, then f about f_min + 10ᵏ for whole k (every other decade if too
        many), rounded to one or two significant digits where that moves a tick little (f_min
        = 3 gives 3, 4, 10, 100, …); linear: round numbers 1, 2, 2.5 or 5 × 10ᵏ apart.
        """
        low, high = self.colour_range
        if high <= low:
            return [low], [_short(self.f_min)]
        if not self.log:
            values = _nice_ticks(low, high, count)
            return values.tolist(), [_short(v) for v in values]
        first, last = math.ceil(low), math.floor(high)
        stride = max(1, math.ceil((last - first + 1) / count))
        gaps = 10.0 ** np.arange(last, first - 1, -stride)[::-1].astype(np.float64)
        values = np.array([_round_tick(self.f_min, gap) for gap in gaps])
        positions = self.colour_of(values)
        if len(positions) == 0 or positions[0] - low > 0.4 * stride:
            positions = np.concatenate([[low], positions])
            values = np.concatenate([[self.f_min], values])
        return positions.tolist(), _distinct_labels(values)


def _distinct_labels(values: np.ndarray) -> list[str]:
    """Short labels, with more digits where short ones would read the same (3 vs 3.001)."""
    labels = [_short(v) for v in values]
    for digits in range(4, 10):
        if len(set(labels)) == len(labels):
            break
        labels = [f"{v:.{digits}g}" for v in values]
    return labels


def _round_tick(f_min: float, gap: float) -> float:
    """f_min + gap, rounded to 1 or 2 significant digits if that moves it by ≤ 35 % of gap."""
    value = f_min + gap
    for digits in (1, 2):
        rounded = float(f"{value:.{digits - 1}e}")
        if rounded > f_min and abs(rounded - value) <= 0.35 * gap:
            return rounded
    return value


def _nice_ticks(low: float, high: float, count: int) -> np.ndarray:
    """Round numbers between low and high, about ``count`` of them."""
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step - 1e-9) * step
    return np.arange(start, high + step * 1e-9, step)


def _short(value: float) -> str:
    """A tick label: '0', '0.01', '2.5', '1000', '1e5', '2.5e-5'."""
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1e5 or size < 1e-3:
        text = f"{value:.2g}"
        if "e" not in text:  # rounding reached 0.001 or 1e+05's neighbour: no exponent to trim
            return text
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    if size >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


@shared_cache(maxsize=64)
def _cached_grid(objective: Any, view: View, n: int, f_star: float | None) -> Grid:
    # ``objective`` is a Differentiable; typed Any because the cache needs it hashable too
    # (typed functions hash by their text, data models by identity).
    (x_low, x_high), (y_low, y_high) = view
    x = np.linspace(x_low, x_high, n)
    y = np.linspace(y_low, y_high, n)
    with np.errstate(all="ignore"):
        f = np.broadcast_to(objective.value(x[None, :], y[:, None]), (n, n)).astype(np.float64)
    finite = np.isfinite(f)
    if not finite.any():
        f = np.zeros_like(f)
    elif not finite.all():
        f = np.where(finite, f, f[finite].max())
    f_min, f_max = float(f.min()), float(f.max())
    if f_star is not None and math.isfinite(f_star):
        f_min = min(f_min, f_star)  # the bottom of the colour scale is the true minimum
    median_height = float(np.median(f)) - f_min
    log = (f_max - f_min) > LOG_COLOUR_RATIO * max(median_height, 1e-300)
    # ε: the colour scale reaches four decades below the median height, then stops.
    epsilon = max(median_height * 1e-4, 1e-12 * max(abs(f_min), 1.0), 1e-300)
    grid = Grid(x, y, f, f, log, f_min, epsilon)
    if log:
        grid = Grid(x, y, f, grid.colour_of(f), True, f_min, epsilon)
    for array in (x, y, f, grid.colour):
        array.flags.writeable = False  # shared by every figure built from the cache
    return grid


def landscape_grid(landscape: Landscape, n: int = CONTOUR_GRID) -> Grid:
    """f on an n × n grid over the view (cached), with the colouring chosen for it.

    f_min is the lowest f on the grid, or the lowest known minimum if that is lower.
    """
    known = [p.f for p in landscape.minima]
    objective: Any = landscape.objective  # hashable: the grid cache is keyed by it
    return _cached_grid(objective, landscape.view, n, min(known) if known else None)


def contour_grid_points(panels: int) -> int:
    """Grid points per side when ``panels`` contour panels share a row: about one per 2.5 px
    of a 1000-px row (400 / panels), between 120 and CONTOUR_GRID.

    Every panel carries its own copy of the grid, most of the figure's bytes, and the browser
    contours each copy on every redraw; finer than the pixels buys nothing (three panels at 133
    instead of 200 look the same and redraw about 15% faster).
    """
    return int(np.clip(round(400 / max(panels, 1)), 120, CONTOUR_GRID))


def _contour_levels(grid: Grid) -> dict:
    low, high = grid.colour_range
    if not high > low:
        return {"start": low - 0.5, "end": high + 0.5, "size": 1.0}
    size = (high - low) / CONTOUR_LEVELS
    return {"start": low + size / 2, "end": high, "size": size}
