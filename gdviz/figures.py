"""Pure Plotly figure builders: data in, ``go.Figure`` out — no Streamlit.

The same figures serve the app, a notebook and an exported file. What to draw under the paths
is a :class:`Landscape` (objective, view window, marked points); the runs are a
:class:`~gdviz.engine.RunResult` (or several, one per optimizer):

* :func:`comparison_figure` — one 2-D contour panel per run (slow | good | diverging, or one
  per optimizer), shared axes and one colour scale, each titled with its rate and verdict,
  with play/pause and a step slider that move every panel together;
* :func:`landscape_figure` — the same picture with every run in one panel;
* :func:`surface_figure` — the landscape in 3-D with every path draped onto it;
* :func:`curves_figure` — loss gap f − f* and gradient norm |∇f| against the step.

Conventions, the same in every figure:

* Run i has colour :func:`run_color` ``(i)`` (Okabe–Ito, safe for colour-blind viewers).
* Steep landscapes (Rosenbrock, Beale, Goldstein–Price) are coloured by log₁₀(f − f_min + ε),
  chosen automatically from the spread of f over the view (see :data:`LOG_COLOUR_RATIO`);
  colour-bar and 3-D axis ticks are labelled with real f values either way.
* Axis ranges always equal the view. A diverged run's path is cut where it first leaves the
  view; a ✗ marks its last point inside and an arrow shows the direction it flew off.
* Nothing non-finite reaches a figure; paths of thousands of steps are thinned by
  :func:`thin_path`, keeping their turns; grids are sized for a browser (contours 200²,
  surface 120²) and sent as float32.
* The loss curves plot f − f* on a log axis, f* being the known global minimum (or the lowest
  loss any run reached), floored at a tiny positive gap: this works for losses that are ≤ 0
  too, and shows the linear convergence of gradient descent as a straight line.
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from gdviz.engine import Differentiable, Run, RunResult, View
from gdviz.surfaces import Point, Surface

__all__ = [
    "LOG_COLOUR_RATIO",
    "MAX_FRAMES",
    "RUN_COLORS",
    "Grid",
    "Landscape",
    "Style",
    "comparison_figure",
    "curves_figure",
    "data_figure",
    "landscape_figure",
    "landscape_grid",
    "panel_title",
    "rate_text",
    "run_color",
    "run_colors",
    "surface_figure",
    "thin_path",
    "verdict_label",
]

RUN_COLORS = (
    "#0072B2",  # blue
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
"""Okabe–Ito colours, in the order runs get them (slow blue, good green, diverging vermillion)."""

CONTOUR_GRID = 200
"""Grid points per side for one contour panel; side-by-side panels get fewer (see
:func:`contour_grid_points`)."""
SURFACE_GRID = 120
"""Grid points per side for the 3-D surface."""
CONTOUR_LEVELS = 24
"""Contour levels, equally spaced on the colour scale (so per decade when log-coloured)."""
MAX_PATH_POINTS = 400
"""Most points drawn per path (see :func:`thin_path`)."""
MAX_CURVE_POINTS = 800
"""Most points drawn per loss or gradient-norm curve."""
MAX_FRAMES = 60
"""Most playback frames; the steps shown are sampled, densely at the start."""
LOG_COLOUR_RATIO = 12.0
"""Colour by log(f − f_min + ε) when (f_max − f_min) / (f_median − f_min) over the view exceeds
this: then over half of the view would sit in the lowest twelfth of a linear colour scale.
Rosenbrock (17), three-hump camel (15), Goldstein–Price (150), Beale (470) get log colours;
the bowls, Booth and Matyas (≤ 11) stay linear."""

LANDSCAPE_SCALE = [
    [0.0, "#fcfcfa"],
    [0.12, "#e4e7eb"],
    [0.4, "#c3c9d2"],
    [0.75, "#8d97a6"],
    [1.0, "#4a5261"],
]
"""A light grey-blue ramp, low = light: the coloured paths stay the most visible thing."""

_MARKS = {
    # kind: (label, 2-D symbol, 3-D symbol, fill)
    "global": ("global minimum", "star", "diamond", "#F0E442"),
    "local": ("local minimum", "diamond", "diamond", "#E69F00"),
    "saddle": ("saddle point", "x-thin", "cross", "#000000"),
}
_ENDS = {
    # status: (2-D symbol, 3-D symbol, glyph written next to the end point)
    "converged": ("circle", "circle", "✓"),
    "max_steps": ("square", "square", "…"),
    "diverged": ("x", "x", "✗"),
}


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _to_float32(values: Any) -> np.ndarray:
    """float64 → float32 for the browser, clipped into float32's range: a loss of 1e46 (a
    steep landscape far from its minimum) must arrive as a large finite number, not inf."""
    return np.clip(np.asarray(values, dtype=np.float64), -_FLOAT32_MAX, _FLOAT32_MAX).astype(
        np.float32
    )


def _typed_array(values: Any) -> dict[str, str]:
    """A 1-D array as plotly.js's typed-array spec {"dtype": "f4", "bdata": base64}, clipped
    like ``_to_float32``.

    Playback frames hold hundreds of small arrays; Plotly checks and encodes each ndarray it is
    given one by one (about 0.1 ms each, most of a rerun's figure time), but passes this spec,
    its own wire format, straight through.
    """
    return {"dtype": "f4", "bdata": base64.b64encode(_to_float32(values).tobytes()).decode("ascii")}


def run_color(i: int) -> str:
    """The colour of run i, the same in every figure."""
    return RUN_COLORS[i % len(RUN_COLORS)]


def run_colors(n: int) -> list[str]:
    """The colours of runs 0 … n − 1."""
    return [run_color(i) for i in range(n)]


@dataclass(frozen=True)
class Style:
    """Sizes for a laptop or, with ``projector=True``, for the back row of a classroom."""

    projector: bool = False

    @property
    def font(self) -> int:
        return 20 if self.projector else 13

    @property
    def title_font(self) -> int:
        return 22 if self.projector else 15

    @property
    def line(self) -> float:
        return 4.0 if self.projector else 2.5

    @property
    def marker(self) -> int:
        return 16 if self.projector else 11


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


@functools.lru_cache(maxsize=64)
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


def thin_path(points: np.ndarray, max_points: int = MAX_PATH_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` points of a polyline that keep its shape.

    ``points[thin_path(points)]`` is the thinned path. Keeps the start and the end; spends half
    of the budget on the sharpest turns, weighted by their size (turn (1 − cos θ)/2 times the
    shorter of the two steps, so a full reversal counts even on a straight line while the
    jitter of tiny steps does not), and the other half on points evenly spaced along the arc
    length (so the long early jumps are kept and the crawl into a minimum is not oversampled).
    """
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    if n <= max_points:
        return np.arange(n)
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    moves = np.diff(points, axis=0)
    lengths = np.hypot(moves[:, 0], moves[:, 1])
    before, after = lengths[:-1], lengths[1:]
    with np.errstate(all="ignore"):
        cosines = np.einsum("ij,ij->i", moves[:-1], moves[1:]) / (before * after)
    turn = np.nan_to_num((1.0 - cosines) / 2.0, nan=0.0) * np.minimum(before, after)
    budget = max_points - 2
    n_turns = min(budget // 2, int(np.count_nonzero(turn)))
    turns = (
        1 + np.argpartition(turn, len(turn) - n_turns)[len(turn) - n_turns :]
        if n_turns
        else np.empty(0, dtype=np.intp)
    )
    n_even = budget - n_turns
    arc = np.concatenate([[0.0], np.cumsum(lengths)])
    if arc[-1] > 0:
        even = np.searchsorted(arc, np.linspace(0.0, arc[-1], n_even + 2)[1:-1])
    else:
        even = np.linspace(0, n - 1, n_even + 2)[1:-1].round().astype(np.intp)
    return np.unique(np.concatenate([[0, n - 1], turns, np.minimum(even, n - 1)]))


def _inside(points: np.ndarray, view: View) -> np.ndarray:
    (x_low, x_high), (y_low, y_high) = view
    x, y = points[:, 0], points[:, 1]
    return (x >= x_low) & (x <= x_high) & (y >= y_low) & (y <= y_high)


def _visible_end(run: Run, view: View) -> int:
    """Index of a run's last drawn point: a diverged path is cut where it first leaves the view.

    Other runs are drawn whole (a momentum run may swing outside and come back); the axes
    clip them and never stretch.
    """
    if run.status != "diverged":
        return len(run.path) - 1
    outside = np.flatnonzero(~_inside(run.path, view))
    return len(run.path) - 1 if len(outside) == 0 else max(int(outside[0]) - 1, 0)


def verdict_label(run: Run) -> str:
    """A few words for a panel title: 'converged in 42 steps ✓', 'diverged at step 9 ✗', …
    (a data lesson's runs count updates, as their messages do)."""
    unit = "step" if run.epochs is None else "update"
    count = f"{run.nit} {unit}{'' if run.nit == 1 else 's'}"
    if run.status == "converged":
        return f"converged in {count} ✓"
    if run.status == "diverged":
        if run.rule == "undefined" and run.nit == 0:
            return "start outside the domain ✗"  # f or ∇f undefined there: no step was taken
        at = run.nit + (1 if run.rule in ("nonfinite", "undefined") else 0)
        return f"diverged at step {at} ✗"
    what = {
        "descending": "too slow: still descending",
        "oscillating": "oscillating, not settling",
        "stalled": "stalled",
        "noisy": "hovering: noisy batches",
    }
    return what.get(run.diagnosis, f"stopped after {count}")


def rate_text(lr: float) -> str:
    """'0.0019', '1e-6', '30000': a learning rate as a teacher would write it."""
    text = f"{lr:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}" if not 1 <= lr < 1e5 else f"{lr:.0f}"
    return text


def panel_title(run: Run, label: str | None = None) -> str:
    """'lr = 0.001<br>converged in 42 steps ✓' (or the optimizer's name as the label)."""
    return f"<b>{label or f'lr = {rate_text(run.lr)}'}</b><br>{verdict_label(run)}"


def _two_line_verdict(title: str) -> str:
    """A panel title with its verdict (the part after the first <br>) on two lines: after its
    colon or comma ("too slow:<br>still descending"), else at the space nearest its middle
    ("converged in<br>213 steps ✓"). Verdicts of a word or two stay on one line."""
    label, _, verdict = title.partition("<br>")
    if len(verdict) <= 12:
        return title
    for mark in (": ", ", "):
        if mark in verdict:
            verdict = verdict.replace(mark, mark.strip() + "<br>", 1)
            return f"{label}<br>{verdict}"
    spaces = [i for i, character in enumerate(verdict) if character == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(2 * i - len(verdict)))
        verdict = f"{verdict[:cut]}<br>{verdict[cut + 1 :]}"
    return f"{label}<br>{verdict}"


def _runs(result: RunResult | Sequence[RunResult]) -> list[tuple[Run, np.ndarray]]:
    """Every run with the schedule factors of its RunResult, in order (run i → colour i)."""
    results = [result] if isinstance(result, RunResult) else list(result)
    if not results or not all(isinstance(r, RunResult) for r in results):
        raise TypeError("expected a RunResult or a non-empty list of RunResults")
    return [(run, res.lr_factors) for res in results for run in res]


def _rates_in_force(run: Run, lr_factors: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The rate that produced point k (lr · schedule factor of update k; the first for k = 0)."""
    if len(lr_factors) == 0:
        return np.full(len(indices), run.lr)
    factors = np.concatenate([lr_factors[:1], lr_factors])
    return run.lr * factors[np.minimum(indices, len(factors) - 1)]


@dataclass(frozen=True)
class _DrawnPath:
    """A run's path as drawn: thinned, cut at the view for diverged runs."""

    end: int  # index of the last drawn point in run.path
    indices: np.ndarray  # the kept steps
    points: np.ndarray  # float32 (len(indices), 2)
    customdata: np.ndarray  # float32 (len(indices), 4): step, f, |∇f|, rate


def _drawn_path(run: Run, lr_factors: np.ndarray, view: View) -> _DrawnPath:
    end = _visible_end(run, view)
    indices = thin_path(run.path[: end + 1])
    customdata = np.stack(
        [
            indices.astype(np.float64),
            run.loss[indices],
            run.grad_norm[indices],
            _rates_in_force(run, lr_factors, indices),
        ],
        axis=1,
    )
    return _DrawnPath(
        end,
        indices,
        _to_float32(run.path[indices]),
        _to_float32(customdata),
    )


def _path_hover(axes: tuple[str, str]) -> str:
    """The path hover, naming the two coordinates as the landscape does (x, y or w, b)."""
    return (
        f"<b>%{{meta}}</b><br>step %{{customdata[0]:.0f}}<br>{axes[0]} = %{{x:.4g}}, "
        f"{axes[1]} = %{{y:.4g}}<br>f = %{{customdata[1]:.4g}}<br>|∇f| = %{{customdata[2]:.3g}}"
        "<br>rate in force = %{customdata[3]:.3g}<extra></extra>"
    )


def _path_traces(
    run: Run,
    drawn: _DrawnPath,
    color: str,
    style: Style,
    name: str,
    legend: bool,
    axes: tuple[str, str] = ("x", "y"),
) -> list[dict]:
    """The path (index 0 of the list), its start ○ and its end with the verdict glyph."""
    path = {
        "type": "scatter",
        "x": drawn.points[:, 0],
        "y": drawn.points[:, 1],
        "mode": "lines+markers",
        "line": {"color": color, "width": style.line},
        "marker": {"size": style.marker * 0.45, "color": color},
        "customdata": drawn.customdata,
        "meta": name.replace("<br>", " — ").replace("<b>", "").replace("</b>", ""),
        "hovertemplate": _path_hover(axes),
        "name": name,
        "legendgroup": name,
        "showlegend": legend,
    }
    first = run.path[0]
    start = {
        "type": "scatter",
        "x": _to_float32([first[0]]),
        "y": _to_float32([first[1]]),
        "mode": "markers",
        "marker": {
            "symbol": "circle-open",
            "size": style.marker * 1.4,
            "color": color,
            "line": {"width": style.line},
        },
        "hovertemplate": "start (%{x:.4g}, %{y:.4g})<extra></extra>",
        "legendgroup": name,
        "showlegend": False,
    }
    symbol, _, glyph = _ENDS.get(run.status, _ENDS["max_steps"])
    last = run.path[drawn.end]
    finish = {
        "type": "scatter",
        "x": _to_float32([last[0]]),
        "y": _to_float32([last[1]]),
        "mode": "markers+text",
        "marker": {
            "symbol": symbol,
            "size": style.marker * (1.5 if run.status == "diverged" else 0.9),
            "color": color,
            "line": {"width": 1.5, "color": "#222222" if run.status == "diverged" else "white"},
        },
        "text": [glyph if run.status != "diverged" else ""],
        "textposition": "top right",
        "textfont": {"color": color, "size": round(style.font * 1.6), "weight": "bold"},
        "hovertemplate": f"{verdict_label(run)}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        "legendgroup": name,
        "showlegend": False,
    }
    return [path, start, finish]


def _escape_direction(run: Run, end: int) -> np.ndarray | None:
    """Unit vector of a diverged run's flight from its last drawn point, if it has one."""
    path = run.path
    if end + 1 < len(path):
        direction = path[end + 1] - path[end]
    elif end >= 1:
        direction = path[end] - path[end - 1]
    else:
        return None
    length = float(np.hypot(*direction))
    return direction / length if length > 0 and math.isfinite(length) else None


def _escape(
    run: Run, end: int, view: View, color: str, style: Style, suffix: str
) -> tuple[dict, dict] | None:
    """For a diverged run: its flight from the ✗ to the border (a dotted line, the start of
    the step it left on) and an arrow at the border pointing the way it flew off."""
    if run.status != "diverged":
        return None
    unit = _escape_direction(run, end)
    if unit is None:
        return None
    (x_low, x_high), (y_low, y_high) = view
    size = max(x_high - x_low, y_high - y_low)
    cross = np.clip(run.path[end], [x_low, y_low], [x_high, y_high])
    # Distance along the ray to the border of the view.
    with np.errstate(divide="ignore", invalid="ignore"):
        to_high = (np.array([x_high, y_high]) - cross) / unit
        to_low = (np.array([x_low, y_low]) - cross) / unit
    reach = 0.985 * float(np.min(np.where(unit > 0, to_high, np.where(unit < 0, to_low, np.inf))))
    head = cross + unit * reach  # where the step leaves the view
    tail = head - unit * (
        0.09 * size
    )  # a short arrow; from inside the view if the ✗ is at the border
    flight = {
        "type": "scatter",
        "x": _to_float32([cross[0], head[0]]),
        "y": _to_float32([cross[1], head[1]]),
        "mode": "lines",
        "line": {"color": color, "width": max(1.5, style.line * 0.7), "dash": "dot"},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    arrow = {
        "x": float(head[0]),
        "y": float(head[1]),
        "ax": float(tail[0]),
        "ay": float(tail[1]),
        "xref": f"x{suffix}",
        "yref": f"y{suffix}",
        "axref": f"x{suffix}",
        "ayref": f"y{suffix}",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": style.line,
        "arrowcolor": color,
        "text": "",
        "hovertext": f"flew off this way: {verdict_label(run)}",
    }
    return flight, arrow


def _marked_points(landscape: Landscape, style: Style, legend: bool) -> list[dict]:
    """Known minima (global ★, local ◆) and saddle points (✕)."""
    traces = []
    groups = {
        "global": [p for p in landscape.minima if p.kind == "global"],
        "local": [p for p in landscape.minima if p.kind != "global"],
        "saddle": list(landscape.saddles),
    }
    for kind, points in groups.items():
        if not points:
            continue
        label, symbol, _, fill = _MARKS[kind]
        traces.append(
            {
                "type": "scatter",
                "x": _to_float32([p.x for p in points]),
                "y": _to_float32([p.y for p in points]),
                "mode": "markers",
                "marker": {
                    "symbol": symbol,
                    "size": style.marker * (1.6 if kind == "global" else 1.3),
                    "color": fill,
                    "line": {"width": 3 if kind == "saddle" else 1.5, "color": "#000000"},
                },
                "customdata": np.array([p.f for p in points], dtype=np.float64),
                "hovertemplate": f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<br>f = %{{customdata:.6g}}"
                "<extra></extra>",
                "name": label,
                "legendgroup": label,
                "showlegend": legend,
            }
        )
    return traces


def comparison_figure(
    landscape: Landscape,
    result: RunResult | Sequence[RunResult],
    *,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
    playback: bool = True,
    height: int | None = None,
    width: int | None = None,
    click_grid: int = 0,
) -> go.Figure:
    """One contour panel per run, side by side, sharing axes and one colour scale.

    ``result`` is one RunResult (one panel per run: slow | good | diverging) or several (one
    per optimizer, their runs in order). ``labels`` replaces "lr = …" in the panel titles.
    Panel i uses axes ``x{i+1}``/``y{i+1}`` (``x``/``y`` for the first), matched to the first.
    ``height`` defaults to one that equal-aspect panels fill on a page about 1000 px wide;
    give ``width`` too (an exported file) and the colour bar is sized to the panels exactly.
    ``click_grid`` > 0 lays an invisible n × n grid of points over every panel: Plotly sends
    no click events for a bare contour, but a click on a grid point selects it.
    """
    runs = _runs(result)
    titles = [panel_title(run, labels[i] if labels else None) for i, (run, _) in enumerate(runs)]
    if ((style or Style()).projector and len(runs) >= 3) or len(runs) >= 4:
        # Narrow panels and large type: a verdict on one line runs into its neighbour's title.
        titles = [_two_line_verdict(title) for title in titles]
    return _contour_figure(
        landscape, runs, [[i] for i in range(len(runs))], titles, style or Style(), playback,
        height, width, click_grid,
    )  # fmt: skip


def landscape_figure(
    landscape: Landscape,
    result: RunResult | Sequence[RunResult],
    *,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
    playback: bool = True,
    height: int | None = None,
    width: int | None = None,
    click_grid: int = 0,
) -> go.Figure:
    """Every run on one contour panel, titled with one line per run in its colour:
    '● lr = 0.0019 — converged in 16112 steps ✓'."""
    runs = _runs(result)
    lines = [f"<b>{landscape.title}</b>"] if landscape.title else []
    for i, (run, _) in enumerate(runs):
        label = panel_title(run, labels[i] if labels else None).replace("<br>", " — ")
        lines.append(f"<span style='color:{run_color(i)}'>● {label}</span>")
    return _contour_figure(
        landscape, runs, [list(range(len(runs)))], ["<br>".join(lines)], style or Style(),
        playback, height, width, click_grid,
    )  # fmt: skip


def _click_grid(view: View, n: int) -> dict:
    """Invisible points to click on (the app moves the start to the clicked one).

    Text mode with no text draws nothing, while Plotly still finds the nearest point for hover,
    click and selection from the data: n² invisible markers per panel were SVG nodes the
    browser styled on every redraw (about 80 ms of a 3-panel redraw at n = 24).
    """
    (x_low, x_high), (y_low, y_high) = view
    grid_x, grid_y = np.meshgrid(
        _to_float32(np.linspace(x_low, x_high, n)),
        _to_float32(np.linspace(y_low, y_high, n)),
    )
    return {
        "type": "scatter",
        "x": grid_x.ravel(),
        "y": grid_y.ravel(),
        "mode": "text",
        "hovertemplate": "(%{x:.3g}, %{y:.3g}) — click to start here<extra></extra>",
        "showlegend": False,
        "name": "click grid",
    }


def _contour_levels(grid: Grid) -> dict:
    low, high = grid.colour_range
    if not high > low:
        return {"start": low - 0.5, "end": high + 0.5, "size": 1.0}
    size = (high - low) / CONTOUR_LEVELS
    return {"start": low + size / 2, "end": high, "size": size}


def _contour_figure(
    landscape: Landscape,
    runs: list[tuple[Run, np.ndarray]],
    panels: list[list[int]],
    titles: list[str],
    style: Style,
    playback: bool,
    height: int | None,
    width: int | None,
    click_grid: int = 0,
) -> go.Figure:
    """Contour panels side by side; panel j draws the runs ``panels[j]``."""
    n = len(panels)
    grid = landscape_grid(landscape, contour_grid_points(n))
    view = landscape.view
    (x_low, x_high), (y_low, y_high) = view
    aspect = (y_high - y_low) / (x_high - x_low)
    equal_aspect = 1 / 3 <= aspect <= 3
    gap = 0.035 if n > 1 else 0.0
    panel_width = (1 - gap * (n - 1)) / n  # fraction of the plot area
    tick_values, tick_text = grid.colour_bar_ticks()
    contour = {
        "type": "contour",
        "x": _to_float32(grid.x),
        "y": _to_float32(grid.y),
        "z": _to_float32(grid.colour),
        "coloraxis": "coloraxis",
        "autocontour": False,
        "contours": {"coloring": "fill", "showlines": True, **_contour_levels(grid)},
        "line": {"width": 0.5, "color": "rgba(255,255,255,0.8)"},
        "hoverinfo": "skip",  # hover belongs to the paths and the marked points
    }
    drawn = [_drawn_path(run, factors, view) for run, factors in runs]
    legend = False  # titles name the runs; hover names the marked points
    marked = _marked_points(landscape, style, legend)
    if click_grid:
        marked.append(_click_grid(view, click_grid))
    data: list[dict] = []
    path_indices: list[int] = []
    annotations: list[dict] = []
    layout: dict = {}
    for j, members in enumerate(panels):
        suffix = "" if j == 0 else str(j + 1)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        data.append({**contour, **axes})
        data.extend({**trace, **axes} for trace in marked)
        for i in members:
            run = runs[i][0]
            name = panel_title(run) if len(members) > 1 else titles[j]
            for k, trace in enumerate(
                _path_traces(run, drawn[i], run_color(i), style, name, legend, landscape.axes)
            ):
                data.append({**trace, **axes})
                if k == 0:
                    path_indices.append(len(data) - 1)
            escape = _escape(run, drawn[i].end, view, run_color(i), style, suffix)
            if escape is not None:
                data.append({**escape[0], **axes})
                annotations.append(escape[1])
        left = j * (panel_width + gap)
        layout[f"xaxis{suffix}"] = {
            "domain": [left, left + panel_width],
            "range": [x_low, x_high],
            "title": {"text": landscape.axes[0], "standoff": 4},
            "constrain": "domain",
            "anchor": f"y{suffix}",
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside",
            **({"matches": "x"} if j else {}),
        }
        layout[f"yaxis{suffix}"] = {
            "range": [y_low, y_high],
            "constrain": "domain",
            "constraintoward": "bottom",
            "anchor": f"x{suffix}",
            "title": {"text": landscape.axes[1] if j == 0 else "", "standoff": 4},
            "showticklabels": j == 0,
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside" if j == 0 else "",
            # Panel 1 keeps x and y to scale; the others match its axes (plotly ignores a
            # scaleanchor on a matched axis), so they share its range and its shape.
            **({"scaleanchor": "x", "scaleratio": 1} if equal_aspect and j == 0 else {}),
            **({"matches": "y"} if j else {}),
        }
        if titles[j]:
            # Anchored to the panel's own (constrained) domain, so it sits on the panel.
            annotations.append(
                {
                    "text": titles[j],
                    "x": 0.5,
                    "y": 1.0,
                    "xref": f"x{suffix} domain",
                    "yref": f"y{suffix} domain",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "yshift": 4,
                    "showarrow": False,
                    "font": {
                        "size": style.title_font if n <= 3 else round(style.title_font * 0.85)
                    },
                }
            )
    title_lines = max(title.count("<br>") + 1 for title in titles) if any(titles) else 0
    top = round(1.3 * style.title_font * title_lines) + 16
    bottom = 50 + (round(2.2 * style.font) + 40 if playback else 0)
    margin = {"l": 8 + round(4.2 * style.font), "r": 10, "t": top, "b": bottom}
    height = height or _panel_height(aspect if equal_aspect else 1.0, n, style, playback, top)
    bar_title = "f (log scale)" if grid.log else "f"
    bar_length, bar_x = 1.0, None
    if width is not None and equal_aspect:
        bar = max(1.1 * style.font + 24 + 0.62 * style.font * max(map(len, tick_text)),
                  0.6 * style.font * len(bar_title)) + 10  # fmt: skip
        plot_width = width - margin["l"] - margin["r"] - bar
        plot_height = max(height - top - bottom, 1)
        bar_length = float(np.clip(plot_width * panel_width * aspect / plot_height, 0.2, 1.0))
        if bar_length == 1.0:  # the height binds: panels narrower than their columns
            paper = width - margin["l"] - margin["r"]  # a colour bar inside adds no margin
            half = plot_height / aspect / 2 / paper
            bar_x = (n - 1) * (panel_width + gap) + panel_width / 2 + half + 0.015
            bar_x = bar_x if bar_x < 0.97 else None
    # Equal-aspect panels narrower than the page leave height over: centre the block (titles,
    # panels, colour bar, slider) vertically instead of leaving a gap at the top.
    base = (1.0 - bar_length) / 2
    if base > 0:
        for j in range(n):
            layout[f"yaxis{'' if j == 0 else j + 1}"]["domain"] = [base, 1.0 - base]
    layout.update(
        annotations=annotations,
        coloraxis={
            "colorscale": LANDSCAPE_SCALE,
            "cmin": grid.colour_range[0],
            "cmax": grid.colour_range[1],
            "colorbar": {
                "title": {"text": bar_title, "side": "top"},
                "tickvals": tick_values,
                "ticktext": tick_text,
                "ticks": "outside",
                "thickness": round(style.font * 1.1),
                "len": bar_length,
                "y": base,
                "yanchor": "bottom",
                **({"x": bar_x, "xanchor": "left"} if bar_x is not None else {}),
                "outlinewidth": 0,
            },
        },
        font={"size": style.font},
        margin=margin,
        height=height,
        **({"width": width} if width else {}),
        plot_bgcolor="white",
        hovermode="closest",
        hoverlabel={"font": {"size": style.font}},
        showlegend=legend,
        legend={
            "orientation": "v",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.0,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": style.font},
        },
        dragmode="pan",
    )
    for trace in data:  # a click on the grid selects a point: nothing else may dim
        if trace["type"] == "scatter" and trace.get("name") != "click grid":
            trace["unselected"] = {"marker": {"opacity": 1}, "textfont": {"color": "#444444"}}
    frames: list[dict] = []
    if playback:
        frames = _playback(layout, [run for run, _ in runs], drawn, path_indices, style, base)
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)


def _panel_height(aspect: float, panels: int, style: Style, playback: bool, top: int) -> int:
    """A height that lets equal-aspect panels fill a wide page (about 1000 px for all panels)."""
    plot = 1000 / panels * aspect * (1.1 if style.projector else 1.0)
    chrome = top + 50 + (2.2 * style.font + 40 if playback else 0)
    return int(np.clip(plot + chrome, 380, 800))


def _frame_steps(longest: int) -> np.ndarray:
    """At most MAX_FRAMES steps from 1 to ``longest``: half even, half geometric (the first
    steps, where a rate shows what it does, are seen one by one)."""
    half = MAX_FRAMES // 2
    even = np.linspace(1, longest, half)
    early = np.geomspace(1, longest, MAX_FRAMES - half)
    return np.unique(np.concatenate([even, early]).round().astype(np.intp))


def _playback(
    layout: dict,
    runs: list[Run],
    drawn: list[_DrawnPath],
    path_indices: list[int],
    style: Style,
    base: float = 0.0,
) -> list[dict]:
    """Frames carrying only the path traces, with play/pause buttons and a step slider.

    A frame shows a prefix of each drawn (thinned) path, so the hover data of the full trace
    still matches every point shown.
    """
    longest = max(int(d.indices[-1]) for d in drawn)
    if longest < 2:
        return []
    steps = _frame_steps(longest)
    frames = []
    for step in steps:
        data = []
        for d in drawn:
            shown = int(np.searchsorted(d.indices, step, side="right"))
            data.append(
                {
                    "type": "scatter",
                    "x": _typed_array(d.points[:shown, 0]),
                    "y": _typed_array(d.points[:shown, 1]),
                }
            )
        frames.append({"data": data, "traces": path_indices, "name": str(int(step))})
    _playback_controls(layout, steps, style, base)
    return frames


def _playback_controls(layout: dict, steps: np.ndarray, style: Style, base: float = 0.0) -> None:
    """Play/pause buttons and a step slider under the plot, animating the frames named by step."""
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    play = {
        "frame": {"duration": 90, "redraw": False},
        "transition": {"duration": 0},
        "fromcurrent": True,
        "mode": "immediate",
    }
    button_font = {"size": style.font}
    layout["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "x": 0.0,
            "y": base,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": round(2.2 * style.font) + 34, "r": 10},
            "showactive": False,
            "font": button_font,
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play]},
                {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
            ],
        }
    ]
    layout["sliders"] = [
        {
            "active": len(steps) - 1,
            "x": 0.0,
            "y": base,
            "len": 1.0,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": round(2.2 * style.font) + 18, "l": round(9.5 * style.font) + 20},
            "currentvalue": {
                "prefix": "step ",
                "font": {"size": style.font, "color": "#2a3f5f"},
                "xanchor": "right",
                "offset": 6,
            },
            "ticklen": 0,
            "minorticklen": 0,
            "font": {"color": "rgba(0,0,0,0)"},  # the current value names the step
            "steps": [
                {"label": str(int(step)), "method": "animate", "args": [[str(int(step))], still]}
                for step in steps
            ],
        }
    ]


def surface_figure(
    landscape: Landscape,
    result: RunResult | Sequence[RunResult],
    *,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
) -> go.Figure:
    """The landscape in 3-D with every run's path draped on it (one figure for all runs).

    Height is f, or log₁₀(f − f_min + ε) for steep surfaces, with ticks in real f values; the
    z range is f over the view, so a diverged run (cut at the view) cannot flatten it. Paths
    follow the surface between iterates, lifted 2 % of the z range so it never hides them;
    their markers are the iterates, with hover.
    """
    style = style or Style()
    runs = _runs(result)
    view = landscape.view
    grid = landscape_grid(landscape, SURFACE_GRID)
    floor, ceiling = grid.colour_range
    if grid.log:
        # The needle-thin log valley of a steep surface looks like a comb at 120²: flatten its
        # lowest 2 % (paths there sit on the flat floor).
        floor = float(np.percentile(grid.colour, 2))
    span = max(ceiling - floor, 1e-12)
    lift = 0.02 * span
    data: list[dict] = [
        {
            "type": "surface",
            "x": _to_float32(grid.x),
            "y": _to_float32(grid.y),
            "z": _to_float32(np.clip(grid.colour, floor, ceiling)),
            "customdata": _to_float32(grid.f),
            "colorscale": LANDSCAPE_SCALE,
            "showscale": False,
            "hovertemplate": "x = %{x:.3g}, y = %{y:.3g}<br>f = %{customdata:.4g}<extra></extra>",
            "contours": {
                "z": {
                    "show": True,
                    "color": "rgba(255,255,255,0.6)",
                    "width": 1,
                    **_contour_levels(grid),
                }
            },
            "lighting": {"ambient": 0.75, "diffuse": 0.5, "specular": 0.05, "roughness": 0.9},
            "name": "f",
        }
    ]
    objective = landscape.objective
    for i, (run, lr_factors) in enumerate(runs):
        color = run_color(i)
        drawn = _drawn_path(run, lr_factors, view)
        name = panel_title(run, labels[i] if labels else None).replace("<br>", " — ")
        name = name.replace("<b>", "").replace("</b>", "")
        line_x, line_y = _drape(drawn.points.astype(np.float64), view)
        with np.errstate(all="ignore"):
            line_f = np.broadcast_to(objective.value(line_x, line_y), line_x.shape)
        line_z = _height(grid, line_f, floor, ceiling) + lift
        data.append(
            {
                "type": "scatter3d",
                "x": _to_float32(line_x),
                "y": _to_float32(line_y),
                "z": _to_float32(line_z),
                "mode": "lines",
                "line": {"color": color, "width": style.line * 2.5},
                "hoverinfo": "skip",
                "name": name,
                "legendgroup": name,
            }
        )
        points = drawn.points
        marker_z = _height(grid, run.loss[drawn.indices], floor, ceiling) + lift
        data.append(
            {
                "type": "scatter3d",
                "x": points[:, 0],
                "y": points[:, 1],
                "z": _to_float32(marker_z),
                "mode": "markers",
                "marker": {"size": style.marker * 0.25, "color": color},
                "customdata": drawn.customdata,
                "meta": name,
                "hovertemplate": _path_hover(landscape.axes),
                "name": name,
                "legendgroup": name,
                "showlegend": False,
            }
        )
        _, end_symbol, _ = _ENDS.get(run.status, _ENDS["max_steps"])
        ends = run.path[[0, drawn.end]]
        data.append(
            {
                "type": "scatter3d",
                "x": _to_float32(ends[:, 0]),
                "y": _to_float32(ends[:, 1]),
                "z": _to_float32(_height(grid, run.loss[[0, drawn.end]], floor, ceiling) + lift),
                "mode": "markers",
                "marker": {
                    "size": style.marker * 0.7,
                    "color": ["white", color],
                    "symbol": ["circle", end_symbol],
                    "line": {"color": color, "width": 3},
                },
                "hovertemplate": ["start<extra></extra>", f"{verdict_label(run)}<extra></extra>"],
                "name": name,
                "legendgroup": name,
                "showlegend": False,
            }
        )
    for kind, marked in (
        ("global", [p for p in landscape.minima if p.kind == "global"]),
        ("local", [p for p in landscape.minima if p.kind != "global"]),
        ("saddle", list(landscape.saddles)),
    ):
        if not marked:
            continue
        label, _, symbol, fill = _MARKS[kind]
        data.append(
            {
                "type": "scatter3d",
                "x": _to_float32([p.x for p in marked]),
                "y": _to_float32([p.y for p in marked]),
                "z": _to_float32(_height(grid, [p.f for p in marked], floor, ceiling) + lift),
                "mode": "markers",
                "marker": {
                    "size": style.marker * 0.7,
                    "color": fill,
                    "symbol": symbol,
                    "line": {"color": "#000000", "width": 2},
                },
                "hovertemplate": f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
                "name": label,
                "showlegend": False,
            }
        )
    (x_low, x_high), (y_low, y_high) = view
    aspect = (y_high - y_low) / (x_high - x_low)
    tick_values, tick_text = grid.colour_bar_ticks(count=5)
    shown = [k for k, value in enumerate(tick_values) if value >= floor - 1e-9]
    tick_values, tick_text = [tick_values[k] for k in shown], [tick_text[k] for k in shown]
    axis_font = {"size": style.font}
    tick_font = {"size": round(style.font * 0.85)}
    axis = {"tickfont": tick_font, "nticks": 6, "backgroundcolor": "#f4f5f7"}
    layout = {
        "scene": {
            "xaxis": {
                **axis,
                "range": [x_low, x_high],
                "title": {"text": landscape.axes[0], "font": axis_font},
            },
            "yaxis": {
                **axis,
                "range": [y_low, y_high],
                "title": {"text": landscape.axes[1], "font": axis_font},
            },
            "zaxis": {
                **axis,
                "range": [floor, ceiling + 2 * lift],
                "title": {"text": "f (log)" if grid.log else "f", "font": axis_font},
                "tickvals": tick_values,
                "ticktext": tick_text,
            },
            "aspectmode": "manual",
            "aspectratio": {
                "x": 1 / max(1.0, aspect) if 1 / 3 <= aspect <= 3 else 1,
                "y": min(1.0, aspect) if 1 / 3 <= aspect <= 3 else 1,
                "z": 0.55,
            },
            # From the south, 50° up: valleys stay in sight behind their walls.
            "camera": {
                "eye": {"x": -0.27, "y": -1.2, "z": 1.3},
                "center": {"x": 0, "y": 0, "z": -0.12},
            },
        },
        "font": {"size": style.font},
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "height": 680 if style.projector else 580,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": style.font},
        },
        "hoverlabel": {"font": {"size": style.font}},
        "uirevision": "surface",  # keep the user's camera when the figure is rebuilt
    }
    return go.Figure(data=data, layout=layout, _validate=False)


def _drape(points: np.ndarray, view: View, per_step: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Points along the polyline (``per_step`` per segment, fewer for a long path), kept in the
    view, for a line that follows the surface between iterates."""
    if len(points) < 2:
        return points[:, 0].copy(), points[:, 1].copy()
    per_step = max(1, min(per_step, 2400 // len(points)))
    t = np.linspace(0.0, 1.0, per_step, endpoint=False)
    segments = points[:-1, None, :] + t[None, :, None] * np.diff(points, axis=0)[:, None, :]
    line = np.concatenate([segments.reshape(-1, 2), points[-1:]])
    (x_low, x_high), (y_low, y_high) = view
    line = np.clip(line, [x_low, y_low], [x_high, y_high])
    return line[:, 0], line[:, 1]


def _height(grid: Grid, f: Any, floor: float, ceiling: float) -> np.ndarray:
    """Height on the 3-D scale of loss values, finite and within the drawn z range."""
    values = np.asarray(f, dtype=np.float64)
    values = np.where(np.isfinite(values), values, grid.f_min if grid.log else ceiling)
    return np.clip(grid.colour_of(values), floor, ceiling)


def curves_figure(
    result: RunResult | Sequence[RunResult],
    *,
    f_min: float | None = None,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
) -> go.Figure:
    """Loss gap f − f* and gradient norm |∇f| against the step, log y, one colour per run.

    f* is ``f_min`` (the known global minimum) if given, else the lowest loss any run reached.
    Plotting the gap on a log axis works whatever the sign of f, and makes the linear
    convergence of gradient descent a straight line. Gaps (and norms) are floored at
    1e-16 · max(|f*|, 1) so that a run landing exactly on f* stays on the axis. A diverged run
    ends with a ✗ at its last finite value.
    """
    style = style or Style()
    runs = [run for run, _ in _runs(result)]
    reference = f_min if f_min is not None else min(float(run.loss.min()) for run in runs)
    floor = 1e-16 * max(abs(reference), 1.0)
    longest = max(len(run.loss) for run in runs)
    data: list[dict] = []
    for i, run in enumerate(runs):
        color = run_color(i)
        label = labels[i] if labels else f"lr = {rate_text(run.lr)}"
        name = f"{label} — {verdict_label(run)}"
        gap = np.maximum(run.loss - reference, floor)
        norm = np.maximum(run.grad_norm, floor)
        steps = np.arange(len(run.loss))
        for panel, values, what in ((1, gap, "f − f*"), (2, norm, "|∇f|")):
            logs = np.log10(values)
            spread = max(float(logs.max() - logs.min()), 1e-12)
            indices = thin_path(
                np.stack([steps / max(longest - 1, 1), (logs - logs.min()) / spread], axis=1),
                MAX_CURVE_POINTS,
            )
            suffix = "" if panel == 1 else "2"
            data.append(
                {
                    "type": "scatter",
                    "x": steps[indices].astype(np.int32),
                    "y": values[indices],
                    "mode": "lines",
                    "line": {"color": color, "width": style.line},
                    "name": name,
                    "legendgroup": name,
                    "showlegend": panel == 1,
                    "hovertemplate": f"{label}<br>step %{{x}}<br>{what} = %{{y:.4g}}<extra></extra>",
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                }
            )
            if run.status == "diverged":
                data.append(
                    {
                        "type": "scatter",
                        "x": np.array([steps[-1]], dtype=np.int32),
                        "y": values[-1:],
                        "mode": "markers+text",
                        "text": [f" {verdict_label(run)}"],
                        "textposition": "middle right",
                        "textfont": {"color": color, "size": style.font},
                        "cliponaxis": False,
                        "marker": {
                            "symbol": "x",
                            "size": style.marker * 1.5,
                            "color": color,
                            "line": {"width": 1.5, "color": "#222222"},
                        },
                        "name": name,
                        "legendgroup": name,
                        "showlegend": False,
                        "hovertemplate": f"{label}: {verdict_label(run)}<br>{what} = %{{y:.3g}}"
                        "<extra></extra>",
                        "xaxis": f"x{suffix}",
                        "yaxis": f"y{suffix}",
                    }
                )
    title_font = {"size": style.title_font}
    axis: dict[str, Any] = {
        "showgrid": True,
        "gridcolor": "#e5e5e5",
        "zeroline": False,
        "ticks": "outside",
        "title": {"text": "step", "standoff": 6},
    }
    log_axis = {**axis, "type": "log", "exponentformat": "power", "title": None}
    reference_text = f"f* = {_short(reference)}" + ("" if f_min is not None else ", lowest reached")
    layout = {
        "xaxis": {**axis, "domain": [0.0, 0.46]},
        "xaxis2": {**axis, "domain": [0.54, 1.0], "anchor": "y2"},
        "yaxis": {**log_axis, "anchor": "x"},
        "yaxis2": {**log_axis, "anchor": "x2"},
        "annotations": [
            {
                "text": f"<b>loss gap f − f*</b> ({reference_text})",
                "x": 0.5,
                "y": 1.0,
                "xref": "x domain",
                "yref": "y domain",
                "yanchor": "bottom",
                "yshift": 6,
                "showarrow": False,
                "font": title_font,
            },
            {
                "text": "<b>gradient norm |∇f|</b>",
                "x": 0.5,
                "y": 1.0,
                "xref": "x2 domain",
                "yref": "y2 domain",
                "yanchor": "bottom",
                "yshift": 6,
                "showarrow": False,
                "font": title_font,
            },
        ],
        "font": {"size": style.font},
        "height": 480 if style.projector else 400,
        "margin": {
            "l": 10 + round(4 * style.font),
            "r": 20,
            "t": round(1.6 * style.title_font) + 14,
            "b": 20,
        },
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": -0.16,
            "yanchor": "top",
            "font": {"size": style.font},
        },
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "hoverlabel": {"font": {"size": style.font}},
    }
    return go.Figure(data=data, layout=layout, _validate=False)


def _fitted_line(model: Any, theta: np.ndarray, bounds: np.ndarray) -> tuple[list, list]:
    """The fitted line y = w x + b (regression) or the boundary w₁x₁ + w₂x₂ = 0 (classification)
    across the data's bounding box ``[[x_low, y_low], [x_high, y_high]]``."""
    (x_low, y_low), (x_high, y_high) = bounds
    if model.kind == "linear":
        xs = np.array([x_low, x_high])
        return xs.tolist(), (theta[0] * xs + theta[1]).tolist()
    w1, w2 = float(theta[0]), float(theta[1])
    if abs(w1) < 1e-12 and abs(w2) < 1e-12:
        return [], []  # no boundary: every point gets probability ½
    if abs(w2) >= abs(w1):
        xs = np.array([x_low, x_high])
        return xs.tolist(), (-w1 * xs / w2).tolist()
    ys = np.array([y_low, y_high])
    return (-w2 * ys / w1).tolist(), ys.tolist()


def data_figure(
    model: Any,
    result: RunResult | Sequence[RunResult],
    *,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
    playback: bool = True,
    height: int | None = None,
) -> go.Figure:
    """The examples with each run's current model: its fitted line, or for logistic regression
    its decision boundary w₁x₁ + w₂x₂ = 0 (where P(class 1) = ½).

    ``model`` is a data-backed objective (:mod:`gdviz.regression`). The playback's step slider
    moves every line to that step, on the same steps as :func:`comparison_figure`'s playback.
    """
    style = style or Style()
    runs = _runs(result)
    dataset = model.dataset
    features, targets = dataset.features, dataset.targets
    if model.kind == "linear":
        points = np.column_stack([features[:, 0], targets])
        axis_names = (dataset.feature_names[0], dataset.target_name)
    else:
        points = features
        axis_names = dataset.feature_names[:2]
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.06 * np.maximum(high - low, 1e-9)
    bounds = np.array([low - pad, high + pad])
    shown = np.random.default_rng(0).permutation(len(points))[:2000]  # enough to see the cloud
    marker_size = max(4, style.marker - 4)
    data: list[dict] = []
    if model.kind == "linear":
        data.append(
            {
                "type": "scatter", "x": points[shown, 0], "y": points[shown, 1], "mode": "markers",
                "marker": {"size": marker_size, "color": "rgba(90,90,90,0.55)"},
                "name": "examples", "hovertemplate": "(%{x:.3g}, %{y:.3g})<extra></extra>",
            }
        )  # fmt: skip
    else:
        for label, symbol, colour in ((0.0, "circle", "#7f7f7f"), (1.0, "x", "#222222")):
            chosen = shown[targets[shown] == label]
            data.append(
                {
                    "type": "scatter", "x": points[chosen, 0], "y": points[chosen, 1],
                    "mode": "markers", "name": f"class {label:g}",
                    "marker": {"size": marker_size, "symbol": symbol, "color": colour, "opacity": 0.6},
                    "hovertemplate": f"class {label:g}: (%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
                }
            )  # fmt: skip
    line_indices = []
    for i, (run, _) in enumerate(runs):
        xs, ys = _fitted_line(model, run.path[-1], bounds)
        name = labels[i] if labels else f"lr = {rate_text(run.lr)}"
        data.append(
            {
                "type": "scatter", "x": xs, "y": ys, "mode": "lines", "name": name,
                # Dashes keep a line visible where it lies on another (batch and mini-batch agree).
                "line": {"color": run_color(i), "width": style.line + 2 - i,
                         "dash": ("solid", "dash", "dot", "dashdot")[i % 4]},
                "hovertemplate": f"{name}<extra></extra>",
            }
        )  # fmt: skip
        line_indices.append(len(data) - 1)
    top = round(1.3 * style.title_font) + 16
    bottom = 50 + (round(2.2 * style.font) + 40 if playback else 0)
    title = "the fitted line" if model.kind == "linear" else "the decision boundary (P = ½)"
    layout: dict = {
        "xaxis": {"range": bounds[:, 0].tolist(), "title": {"text": axis_names[0], "standoff": 4},
                  "zeroline": False, "showgrid": False, "ticks": "outside"},
        "yaxis": {"range": bounds[:, 1].tolist(), "title": {"text": axis_names[1], "standoff": 4},
                  "zeroline": False, "showgrid": False, "ticks": "outside"},
        "title": {"text": f"The data and {title}", "font": {"size": style.title_font}, "x": 0.5,
                  "xanchor": "center", "y": 1.0, "yanchor": "top", "pad": {"t": 8}},
        "font": {"size": style.font}, "margin": {"l": 8 + round(4.2 * style.font), "r": 10,
                                                 "t": top, "b": bottom},
        "height": height or (560 if style.projector else 480), "plot_bgcolor": "white",
        "showlegend": True, "hovermode": "closest",
        "legend": {"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top",
                   "bgcolor": "rgba(255,255,255,0.8)", "font": {"size": round(style.font * 0.85)}},
    }  # fmt: skip
    frames: list[dict] = []
    longest = max(run.nit for run, _ in runs)
    if playback and longest >= 2:
        steps = _frame_steps(longest)
        for step in steps:
            frame_data = []
            for run, _ in runs:
                xs, ys = _fitted_line(model, run.path[min(int(step), run.nit)], bounds)
                frame_data.append({"type": "scatter", "x": xs, "y": ys})
            frames.append({"data": frame_data, "traces": line_indices, "name": str(int(step))})
        _playback_controls(layout, steps, style)
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)
