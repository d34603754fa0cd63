"""Pure Plotly figure builders: data in, ``go.Figure`` out — no Streamlit.

The same figures serve the app, a notebook and an exported file:

* :func:`comparison_figure` — one 2-D contour panel per run (slow | good | diverging, or one per
  optimizer), shared axes and one colour scale, each titled with its rate and verdict, with
  play/pause and a step slider that move every panel together;
* :func:`surface_figure` — the landscape in 3-D with every path lifted onto it;
* :func:`curves_figure` — loss and gradient norm against the step, on log axes.

Runs keep one colour everywhere (Okabe–Ito, safe for colour-blind viewers). Nothing that is
not finite reaches a figure; long paths are thinned without losing their turns; grids are
sized for a browser and sent as float32.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gdviz.engine import Run, RunResult, View
from gdviz.expression import Objective
from gdviz.surfaces import Point, Surface

__all__ = [
    "RUN_COLORS",
    "Landscape",
    "Style",
    "comparison_figure",
    "curves_figure",
    "landscape_grid",
    "panel_title",
    "run_color",
    "surface_figure",
    "thin_path",
]

RUN_COLORS = (
    "#0072B2",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
"""Okabe–Ito colours, in the order runs get them (slow blue, good green, diverging vermillion)."""

CONTOUR_GRID = 200
SURFACE_GRID = 120
MAX_PATH_POINTS = 400
MAX_FRAMES = 40
FRAME_PATH_POINTS = 120
LOG_COLOUR_RATIO = 50.0
"""Colour by log(f − f_min + ε) when f's range over the view is this many times the height of
its lowest quarter (f_25% − f_min): Rosenbrock, Beale and Goldstein–Price, not the bowls."""

LANDSCAPE_SCALE = [[0.0, "#fbfbf8"], [0.35, "#d9dde3"], [0.7, "#9aa3b0"], [1.0, "#4a5261"]]
"""A light grey-blue ramp: the coloured paths stay the most visible thing on the page."""


def run_color(i: int) -> str:
    """The colour of run i, the same in every figure."""
    return RUN_COLORS[i % len(RUN_COLORS)]


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

    objective: Objective
    view: View
    minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    title: str = ""

    @classmethod
    def from_surface(cls, surface: Surface) -> Landscape:
        return cls(surface.objective, surface.view, surface.minima, surface.saddles, surface.name)


@dataclass(frozen=True)
class Grid:
    """f sampled over the view, and the colour values drawn (log-scaled for steep surfaces)."""

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray  # finite everywhere: undefined points get the largest defined value
    colour: np.ndarray
    log: bool
    f_min: float
    epsilon: float

    def colour_of(self, f: np.ndarray) -> np.ndarray:
        """Map loss values onto the colour (and 3-D height) scale."""
        if not self.log:
            return np.asarray(f, dtype=np.float64)
        return np.log10(
            np.maximum(np.asarray(f, dtype=np.float64) - self.f_min, 0.0) + self.epsilon
        )

    def colour_bar_ticks(self, count: int = 6) -> tuple[list[float], list[str]]:
        """Tick positions on the colour scale and their labels in real f values."""
        low, high = float(self.colour.min()), float(self.colour.max())
        if not self.log:
            values = np.linspace(low, high, count)
            return values.tolist(), [_short(v) for v in values]
        gaps = np.logspace(
            math.log10(self.epsilon) + 0.5, math.log10(10**high - self.epsilon), count
        )
        values = self.f_min + gaps
        positions = self.colour_of(values)
        keep = (positions >= low) & (positions <= high)
        return positions[keep].tolist(), [_short(v) for v in values[keep]]


def _short(value: float) -> str:
    return f"{value:.3g}"


@functools.lru_cache(maxsize=64)
def _cached_grid(objective: Objective, view: View, n: int) -> Grid:
    (x_low, x_high), (y_low, y_high) = view
    x = np.linspace(x_low, x_high, n)
    y = np.linspace(y_low, y_high, n)
    f = objective.value(x[None, :], y[:, None])
    finite = np.isfinite(f)
    if not finite.any():
        f = np.zeros_like(f)
    elif not finite.all():
        f = np.where(finite, f, f[finite].max())
    f_min, f_max = float(f.min()), float(f.max())
    lowest_quarter = float(np.percentile(f, 25)) - f_min
    log = (f_max - f_min) > LOG_COLOUR_RATIO * max(lowest_quarter, 1e-300)
    epsilon = max(lowest_quarter * 1e-3, 1e-12 * max(abs(f_min), 1.0))
    grid = Grid(x, y, f, f, log, f_min, epsilon)
    if log:
        grid = Grid(x, y, f, grid.colour_of(f), True, f_min, epsilon)
    return grid


def landscape_grid(landscape: Landscape, n: int = CONTOUR_GRID) -> Grid:
    """f on an n × n grid over the view (cached), with the colouring chosen for it."""
    return _cached_grid(landscape.objective, landscape.view, n)


def thin_path(points: np.ndarray, max_points: int = MAX_PATH_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` path points that keep its shape.

    Keeps the start, the end and the sharpest turns (largest change of direction), then fills
    the rest evenly along the path.
    """
    n = len(points)
    if n <= max_points:
        return np.arange(n)
    moves = np.diff(points, axis=0)
    lengths = np.hypot(moves[:, 0], moves[:, 1])
    with np.errstate(all="ignore"):
        cosines = np.einsum("ij,ij->i", moves[1:], moves[:-1]) / (lengths[1:] * lengths[:-1])
    turning = np.nan_to_num(1 - cosines, nan=0.0)  # 0 straight on, 2 a full reversal
    budget = max_points - 2
    sharpest = 1 + np.argsort(turning)[::-1][: budget // 2]
    even = np.linspace(0, n - 1, budget - len(sharpest) + 2).round().astype(int)
    return np.unique(np.concatenate([[0, n - 1], sharpest, even]))[:max_points]


def _inside(points: np.ndarray, view: View) -> np.ndarray:
    (x_low, x_high), (y_low, y_high) = view
    return (
        (points[:, 0] >= x_low)
        & (points[:, 0] <= x_high)
        & (points[:, 1] >= y_low)
        & (points[:, 1] <= y_high)
    )


def _visible_end(run: Run, view: View) -> int:
    """Index of the last point drawn: a path is cut where it first leaves the view for good."""
    inside = _inside(run.path, view)
    if inside.all():
        return len(run.path) - 1
    outside_after = np.flatnonzero(~inside)
    first_out = int(outside_after[0])
    return max(first_out - 1, 0) if run.status == "diverged" else len(run.path) - 1


def verdict_label(run: Run) -> str:
    """A few words for a panel title: 'converged in 42 steps ✓', 'diverged at step 9 ✗', …"""
    if run.status == "converged":
        return f"converged in {run.nit} steps ✓"
    if run.status == "diverged":
        at = run.nit + (1 if run.rule in ("nonfinite", "undefined") else 0)
        return f"diverged at step {at} ✗"
    what = {
        "descending": "too slow: still descending",
        "oscillating": "oscillating, not settling",
        "stalled": "stalled",
    }
    return what.get(run.diagnosis, f"stopped after {run.nit} steps")


def panel_title(run: Run, label: str | None = None) -> str:
    """'lr = 0.001<br>converged in 42 steps ✓' (or the optimizer's name as the label)."""
    return f"<b>{label or f'lr = {run.lr:.3g}'}</b><br>{verdict_label(run)}"


def _hover(run: Run, lr_factors: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, str]:
    steps = indices.astype(np.float64)
    factors = np.concatenate([[lr_factors[0] if len(lr_factors) else 1.0], lr_factors])
    rates = run.lr * factors[np.minimum(indices, len(factors) - 1)]
    customdata = np.stack([steps, run.loss[indices], run.grad_norm[indices], rates], axis=1)
    template = (
        "step %{customdata[0]:.0f}<br>x = %{x:.4g}, y = %{y:.4g}<br>f = %{customdata[1]:.4g}"
        "<br>|∇f| = %{customdata[2]:.3g}<br>lr = %{customdata[3]:.3g}<extra></extra>"
    )
    return customdata, template


def _path_traces(
    run: Run, i: int, view: View, lr_factors: np.ndarray, style: Style, name: str
) -> list[dict]:
    end = _visible_end(run, view)
    indices = thin_path(run.path[: end + 1])
    points = run.path[indices]
    customdata, template = _hover(run, lr_factors, indices)
    color = run_color(i)
    path = {
        "type": "scatter",
        "x": points[:, 0],
        "y": points[:, 1],
        "mode": "lines+markers",
        "line": {"color": color, "width": style.line},
        "marker": {"size": style.marker * 0.4, "color": color},
        "customdata": customdata,
        "hovertemplate": template,
        "name": name,
        "showlegend": False,
        "unselected": {"marker": {"opacity": 1}},  # a click on the grid must not dim the paths
    }
    start = {
        "type": "scatter",
        "x": [run.path[0, 0]],
        "y": [run.path[0, 1]],
        "mode": "markers",
        "marker": {
            "symbol": "circle-open",
            "size": style.marker * 1.3,
            "color": color,
            "line": {"width": 3},
        },
        "hovertemplate": "start (%{x:.3g}, %{y:.3g})<extra></extra>",
        "showlegend": False,
    }
    symbol = {"converged": "circle", "diverged": "x", "max_steps": "square"}[run.status]
    last = run.path[end]
    finish = {
        "type": "scatter",
        "x": [last[0]],
        "y": [last[1]],
        "mode": "markers",
        "marker": {
            "symbol": symbol,
            "size": style.marker * 1.3,
            "color": color,
            "line": {"width": 2, "color": "white"},
        },
        "hovertemplate": f"{verdict_label(run)}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        "showlegend": False,
    }
    return [path, start, finish]


def _escape_arrow(run: Run, view: View, style: Style, axis_suffix: str) -> dict | None:
    """An arrow from the last point inside the view towards where a diverged run flew off."""
    end = _visible_end(run, view)
    if run.status != "diverged" or end >= len(run.path) - 1:
        return None
    start, beyond = run.path[end], run.path[end + 1]
    direction = beyond - start
    length = float(np.hypot(*direction))
    if length == 0:
        return None
    (x_low, x_high), (y_low, y_high) = view
    reach = 0.12 * max(x_high - x_low, y_high - y_low)
    tip = start + direction / length * reach
    tip = np.clip(tip, [x_low, y_low], [x_high, y_high])
    return {
        "x": float(tip[0]),
        "y": float(tip[1]),
        "ax": float(start[0]),
        "ay": float(start[1]),
        "xref": f"x{axis_suffix}",
        "yref": f"y{axis_suffix}",
        "axref": f"x{axis_suffix}",
        "ayref": f"y{axis_suffix}",
        "showarrow": True,
        "arrowhead": 3,
        "arrowsize": 1.5,
        "arrowwidth": style.line,
        "arrowcolor": run_color(0),
        "text": "",
    }


def _marked_points(landscape: Landscape, style: Style) -> list[dict]:
    traces = []
    groups = [
        ("global minimum", [p for p in landscape.minima if p.kind == "global"], "star", "#F0E442"),
        ("local minimum", [p for p in landscape.minima if p.kind == "local"], "diamond", "#E69F00"),
        ("saddle point", list(landscape.saddles), "x-thin", "#000000"),
    ]
    for label, points, symbol, fill in groups:
        if points:
            traces.append(
                {
                    "type": "scatter",
                    "x": [p.x for p in points],
                    "y": [p.y for p in points],
                    "mode": "markers",
                    "marker": {
                        "symbol": symbol,
                        "size": style.marker * 1.4,
                        "color": fill,
                        "line": {"width": 3 if symbol == "x-thin" else 2, "color": "#000000"},
                    },
                    "customdata": [p.f for p in points],
                    "hovertemplate": f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<br>f = %{{customdata:.4g}}<extra></extra>",
                    "showlegend": False,
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
    click_grid: int = 0,
) -> go.Figure:
    """One contour panel per run, side by side, sharing axes and one colour scale.

    ``click_grid`` > 0 lays an invisible n × n grid of points over every panel: Plotly sends
    no click events for a bare contour, but a click on a grid point selects it.

    ``result`` is one RunResult (one panel per run: slow | good | diverging) or several (one per
    optimizer, their runs in order). ``labels`` replaces "lr = …" in the panel titles. Traces
    are assembled as plain dicts and validated once by ``go.Figure``, which keeps the build fast.
    """
    style = style or Style()
    results = [result] if isinstance(result, RunResult) else list(result)
    runs = [(r, res.lr_factors) for res in results for r in res]
    n = len(runs)
    grid = landscape_grid(landscape)
    (x_low, x_high), (y_low, y_high) = landscape.view
    aspect = (y_high - y_low) / (x_high - x_low)
    equal_aspect = 1 / 3 <= aspect <= 3
    gap = 0.03 if n > 1 else 0.0
    width = (1 - gap * (n - 1)) / n
    tick_values, tick_text = grid.colour_bar_ticks()
    contour = {
        "type": "contour",
        "x": grid.x.astype(np.float32),
        "y": grid.y.astype(np.float32),
        "z": grid.colour.astype(np.float32),
        "coloraxis": "coloraxis",
        "contours": {"coloring": "fill", "showlines": True},
        "line": {"width": 0.6, "color": "rgba(255,255,255,0.7)"},
        "ncontours": 22,
        "hoverinfo": "skip",  # hover belongs to the paths and the marked points
    }
    data: list[dict] = []
    path_indices: list[int] = []
    annotations: list[dict] = []
    layout: dict = {}
    marked = _marked_points(landscape, style)
    if click_grid:
        grid_x, grid_y = np.meshgrid(
            np.linspace(x_low, x_high, click_grid, dtype=np.float32),
            np.linspace(y_low, y_high, click_grid, dtype=np.float32),
        )
        invisible = {"opacity": 0}
        marked.append(
            {
                "type": "scatter",
                "x": grid_x.ravel(),
                "y": grid_y.ravel(),
                "mode": "markers",
                "marker": {"size": 14, "opacity": 0},
                "selected": {"marker": invisible},
                "unselected": {"marker": invisible},
                "hovertemplate": "(%{x:.3g}, %{y:.3g}) — click to start here<extra></extra>",
                "showlegend": False,
                "name": "click grid",
            }
        )
    for i, (run, lr_factors) in enumerate(runs):
        suffix = "" if i == 0 else str(i + 1)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        data.append({**contour, **axes})
        data.extend({**trace, **axes} for trace in marked)
        title = panel_title(run, labels[i] if labels else None)
        for k, trace in enumerate(_path_traces(run, i, landscape.view, lr_factors, style, title)):
            data.append({**trace, **axes})
            if k == 0:
                path_indices.append(len(data) - 1)
        left = i * (width + gap)
        layout[f"xaxis{suffix}"] = {
            "domain": [left, left + width],
            "range": [x_low, x_high],
            "title": {"text": "x"},
            "constrain": "domain",
            "anchor": f"y{suffix}",
        }
        layout[f"yaxis{suffix}"] = {
            "range": [y_low, y_high],
            "constrain": "domain",
            "anchor": f"x{suffix}",
            "title": {"text": "y" if i == 0 else ""},
            "showticklabels": i == 0,
            **({"scaleanchor": f"x{suffix}", "scaleratio": 1} if equal_aspect else {}),
        }
        annotations.append(
            {
                "text": title,
                "x": left + width / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": style.title_font if n <= 3 else round(style.title_font * 0.85)},
            }
        )
        arrow = _escape_arrow(run, landscape.view, style, suffix)
        if arrow is not None:
            arrow["arrowcolor"] = run_color(i)
            annotations.append(arrow)
    layout.update(
        annotations=annotations,
        coloraxis={
            "colorscale": LANDSCAPE_SCALE,
            "colorbar": {
                "title": {"text": "f (log scale)" if grid.log else "f"},
                "tickvals": tick_values,
                "ticktext": tick_text,
                "thickness": 14,
                "len": 0.9,
            },
        },
        font={"size": style.font},
        margin={"l": 60, "r": 20, "t": 60, "b": 110 if playback else 40},
        height=height or _panel_height(aspect if equal_aspect else 1.0, n, style, playback),
        plot_bgcolor="white",
        hovermode="closest",
        showlegend=False,
    )
    frames: list[dict] = []
    if playback:
        frames = _playback(layout, [run for run, _ in runs], landscape.view, path_indices, style)
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)


def _panel_height(aspect: float, panels: int, style: Style, playback: bool) -> int:
    """A height that lets equal-aspect panels fill a wide page (about 1000 px for all panels)."""
    plot = 1000 / panels * aspect * (1.1 if style.projector else 1.0)
    chrome = 170 + (70 if playback else 0)
    return int(np.clip(plot + chrome, 380, 760))


def _playback(
    layout: dict, runs: list[Run], view: View, path_indices: list[int], style: Style
) -> list[dict]:
    """Frames carrying only the path traces, with play/pause buttons and a step slider."""
    ends = [_visible_end(run, view) for run in runs]
    longest = max(ends) if ends else 0
    if longest < 2:
        return []
    # Thin each path once; a frame shows the kept points up to its step, plus that step's point.
    kept = [
        thin_path(run.path[: end + 1], FRAME_PATH_POINTS)
        for run, end in zip(runs, ends, strict=True)
    ]
    steps = np.unique(np.linspace(1, longest, min(MAX_FRAMES, longest)).round().astype(int))
    frames = []
    for step in steps:
        data = []
        for run, end, indices in zip(runs, ends, kept, strict=True):
            upto = min(int(step), end)
            points = run.path[np.append(indices[indices < upto], upto)]
            points = points.astype(np.float32)
            data.append({"type": "scatter", "x": points[:, 0], "y": points[:, 1]})
        frames.append({"data": data, "traces": path_indices, "name": str(int(step))})
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    play = {
        "frame": {"duration": 80, "redraw": False},
        "transition": {"duration": 0},
        "fromcurrent": True,
    }
    layout["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "x": 0.0,
            "y": -0.12,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": 0, "r": 10},
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play]},
                {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
            ],
        }
    ]
    layout["sliders"] = [
        {
            "active": len(steps) - 1,
            "x": 0.16,
            "y": -0.08,
            "len": 0.84,
            "xanchor": "left",
            "yanchor": "top",
            "currentvalue": {"prefix": "step ", "font": {"size": style.font}},
            "ticklen": 0,
            "font": {
                "color": "rgba(0,0,0,0)"
            },  # the current value names the step; 40 labels would not fit
            "steps": [
                {"label": str(int(step)), "method": "animate", "args": [[str(int(step))], still]}
                for step in steps
            ],
        }
    ]
    return frames


def surface_figure(
    landscape: Landscape, result: RunResult | Sequence[RunResult], *, style: Style | None = None
) -> go.Figure:
    """The landscape in 3-D with every run's path lifted onto it (one figure for all runs)."""
    style = style or Style()
    results = [result] if isinstance(result, RunResult) else list(result)
    runs = [run for res in results for run in res]
    grid = landscape_grid(landscape, SURFACE_GRID)
    height = grid.colour
    # Clip the top so that a few towering values do not flatten the interesting part.
    # and the bottom, so that the needle-thin log valley of a steep surface does not look like a comb.
    ceiling = float(np.percentile(height, 98))
    floor = float(np.percentile(height, 2)) if grid.log else float(height.min())
    clipped = np.clip(height, floor, ceiling)
    lift = 0.02 * max(ceiling - floor, 1e-12)
    figure = go.Figure(
        go.Surface(
            x=grid.x.astype(np.float32),
            y=grid.y.astype(np.float32),
            z=clipped.astype(np.float32),
            customdata=grid.f.astype(np.float32),
            colorscale=LANDSCAPE_SCALE,
            showscale=False,
            opacity=0.95,
            hovertemplate="x = %{x:.3g}, y = %{y:.3g}<br>f = %{customdata:.4g}<extra></extra>",
            contours={
                "z": {"show": True, "usecolormap": True, "project": {"z": False}, "width": 1}
            },
        )
    )
    for i, run in enumerate(runs):
        end = _visible_end(run, landscape.view)
        indices = thin_path(run.path[: end + 1], 300)
        points = run.path[indices]
        z = np.clip(grid.colour_of(run.loss[indices]), floor, ceiling) + lift
        figure.add_trace(
            go.Scatter3d(
                x=points[:, 0],
                y=points[:, 1],
                z=z,
                mode="lines+markers",
                line={"color": run_color(i), "width": style.line * 2.5},
                marker={"size": style.marker * 0.3, "color": run_color(i)},
                name=f"lr = {run.lr:.3g}",
                customdata=np.stack([indices, run.loss[indices]], axis=1),
                hovertemplate="step %{customdata[0]:.0f}<br>x = %{x:.4g}, y = %{y:.4g}<br>f = %{customdata[1]:.4g}<extra></extra>",
            )
        )
    (x_low, x_high), (y_low, y_high) = landscape.view
    figure.update_layout(
        scene={
            "xaxis": {"range": [x_low, x_high], "title": {"text": "x"}},
            "yaxis": {"range": [y_low, y_high], "title": {"text": "y"}},
            "zaxis": {
                "range": [floor, ceiling + 2 * lift],
                "title": {"text": "log₁₀(f − f_min + ε)" if grid.log else "f"},
            },
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": (y_high - y_low) / (x_high - x_low), "z": 0.6},
            "camera": {"eye": {"x": 0.95, "y": -1.05, "z": 0.75}},
        },
        font={"size": style.font},
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        height=640 if style.projector else 560,
        legend={"orientation": "h", "y": 1.02, "x": 0.0},
        uirevision="surface",  # keep the user's camera when the figure is rebuilt
    )
    return figure


def curves_figure(
    result: RunResult | Sequence[RunResult],
    *,
    f_min: float | None = None,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
) -> go.Figure:
    """Loss gap f − f* and gradient norm |∇f| against the step, log y, one colour per run.

    f* is the known global minimum if given, else the lowest loss any run reached; the gap is
    floored at 1e-16 · max(|f*|, 1) so that a run landing exactly on f* stays on the axis.
    """
    style = style or Style()
    results = [result] if isinstance(result, RunResult) else list(result)
    runs = [run for res in results for run in res]
    reference = f_min if f_min is not None else min(float(run.loss.min()) for run in runs)
    floor = 1e-16 * max(abs(reference), 1.0)
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["loss gap f − f*", "gradient norm |∇f|"],
        horizontal_spacing=0.08,
    )
    for i, run in enumerate(runs):
        indices = thin_path(
            np.stack(
                [np.arange(len(run.loss)), np.log10(np.maximum(run.loss - reference, floor))], 1
            ),
            1000,
        )
        steps = indices
        label = labels[i] if labels else f"lr = {run.lr:.3g}"
        for column, values in (
            (1, np.maximum(run.loss[indices] - reference, floor)),
            (2, np.maximum(run.grad_norm[indices], 1e-300)),
        ):
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=values,
                    mode="lines",
                    line={"color": run_color(i), "width": style.line},
                    name=f"{label} — {verdict_label(run)}",
                    legendgroup=str(i),
                    showlegend=column == 1,
                    hovertemplate="step %{x}<br>%{y:.4g}<extra></extra>",
                ),
                row=1,
                col=column,
            )
            if run.status == "diverged":
                figure.add_trace(
                    go.Scatter(
                        x=[steps[-1]],
                        y=[values[-1]],
                        mode="markers",
                        marker={"symbol": "x", "size": style.marker * 1.4, "color": run_color(i)},
                        legendgroup=str(i),
                        showlegend=False,
                        hovertemplate=f"{verdict_label(run)}<extra></extra>",
                    ),
                    row=1,
                    col=column,
                )
    figure.update_yaxes(type="log", exponentformat="power")
    figure.update_xaxes(title_text="step")
    for annotation in figure.layout.annotations:
        annotation.font = {"size": style.title_font}
    figure.update_layout(
        font={"size": style.font},
        height=460 if style.projector else 400,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2, "x": 0.0},
        plot_bgcolor="white",
    )
    figure.update_xaxes(gridcolor="#e5e5e5")
    figure.update_yaxes(gridcolor="#e5e5e5")
    return figure
