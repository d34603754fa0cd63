"""The landscape in 3-D with every run's path draped on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gdviz.engine import Run, RunResult, View
from gdviz.figures.camera import scene_camera, valley_direction
from gdviz.figures.grid import SURFACE_GRID, Grid, Landscape, _contour_levels, landscape_grid
from gdviz.figures.labels import end_kind, panel_title, verdict_label
from gdviz.figures.panels import _escape_direction
from gdviz.figures.paths import _drawn_path, _path_hover, _runs
from gdviz.figures.stepping import MAX_STEPPED, _numbers
from gdviz.figures.style import (
    _ENDS,
    _MARKS,
    LANDSCAPE_SCALE,
    Style,
    WebFigure,
    _to_float32,
    run_color,
    web_figure,
)


def surface_figure(
    landscape: Landscape,
    result: RunResult | Sequence[RunResult],
    *,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
    height: int | None = None,
    width: int | None = None,
    stepping: bool = False,
) -> WebFigure:
    """The landscape in 3-D with every run's path draped on it (one figure for all runs).

    With ``stepping`` (step mode) each run also has a point θ_k, and the figure carries what
    the browser steps through (``layout.meta.gdviz_steps3d``): the step of every point of each
    run's line and iterates, θ_0 … θ_n on the surface, and which traces are its line, iterates,
    end marks and point; the step control cuts the paths at step k (:mod:`gdviz.ui.step_control`).

    ``height`` and ``width`` (pixels: the space the page gives the figure) let the scene fill
    it. The camera looks along the valley at the lowest point (:mod:`gdviz.figures.camera`),
    38° up, as close as fits: a zig-zag across a valley reads as a zig-zag, not as bars seen
    end-on. The camera is kept when the figure is rebuilt (``uirevision``), so a changed rate
    does not reset the view.

    Height is f, or log₁₀(f − f_min + ε) for steep surfaces, with ticks in real f values; the
    z range is f over the view, so a diverged run (cut at the view) cannot flatten it. Paths
    follow the surface between iterates, lifted 3 % of the z range above the surface as drawn
    so it never hides them (:class:`_Heights`); their markers are the iterates, with hover.
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
    lift = 0.03 * span
    surface_z = np.clip(grid.colour, floor, ceiling)
    data: list[dict] = [
        {
            "type": "surface",
            "x": _to_float32(grid.x),
            "y": _to_float32(grid.y),
            "z": _to_float32(surface_z),
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
            # See-through enough for a path on the far side of a wall to show.
            "opacity": 0.8,
            "lighting": {"ambient": 0.75, "diffuse": 0.5, "specular": 0.05, "roughness": 0.9},
            "name": "f",
        }
    ]
    heights = _Heights(landscape, grid, surface_z, floor, ceiling, lift)
    stepped: list[dict[str, Any]] = []
    for i, (run, lr_factors) in enumerate(runs):
        name = panel_title(run, labels[i] if labels else None).replace("<br>", " — ")
        name = name.replace("<b>", "").replace("</b>", "")
        traces, steps = _run_traces(
            run, lr_factors, landscape, heights, run_color(i), name, style, stepping, len(data)
        )
        if steps is not None:
            stepped.append(steps)
        data.extend(traces)
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
                "z": _to_float32(heights.of_points([p.x for p in marked], [p.y for p in marked])),
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
    z_range = (floor, ceiling + 2 * lift)
    plot_height = height or (680 if style.projector else 580)
    scene = scene_camera(
        _unit_box(grid, surface_z, z_range),
        valley_direction(landscape, grid),
        (width or 1200) / plot_height,
    )
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
                "range": list(z_range),
                "title": {"text": "f (log)" if grid.log else "f", "font": axis_font},
                "tickvals": tick_values,
                "ticktext": tick_text,
            },
            "domain": {"x": [0, 1], "y": [0, 1]},
            **scene.layout(),
        },
        "font": style.layout_font,
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "height": plot_height,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": style.font},
        },
        "hoverlabel": {"font": {"size": style.font}},
        # Keep the user's camera when the figure is rebuilt for the same landscape and space.
        "uirevision": f"surface {landscape.title} {landscape.view} {plot_height}×{width}",
    }
    if stepping:
        layout["meta"] = {"gdviz_steps3d": {"runs": stepped}}
    return web_figure(data, layout)


def _unit_box(grid: Grid, z: np.ndarray, z_range: tuple[float, float]) -> np.ndarray:
    """Every 4th grid point (and the far edges) of the drawn surface, each coordinate scaled to
    [−½, ½] over the scene's ranges: what the camera is fitted to."""
    rows = np.unique(np.r_[np.arange(0, len(grid.y), 4), len(grid.y) - 1])
    columns = np.unique(np.r_[np.arange(0, len(grid.x), 4), len(grid.x) - 1])
    x, y = np.meshgrid(grid.x[columns], grid.y[rows])
    heights = z[np.ix_(rows, columns)]

    def unit(values: np.ndarray, low: float, high: float) -> np.ndarray:
        return (values - low) / max(high - low, 1e-300) - 0.5

    return np.column_stack(
        [
            unit(x.ravel(), grid.x[0], grid.x[-1]),
            unit(y.ravel(), grid.y[0], grid.y[-1]),
            unit(heights.ravel(), *z_range),
        ]
    )


def _run_traces(
    run: Run,
    lr_factors: np.ndarray,
    landscape: Landscape,
    heights: _Heights,
    color: str,
    name: str,
    style: Style,
    stepping: bool = False,
    first: int = 0,
) -> tuple[list[dict], dict[str, Any] | None]:
    """One run on the surface: its line (draped, thick), its iterates (hover), its start (○)
    and end (its verdict's symbol and glyph ✓ ⚠ … ✗), all in the run's colour; a diverged
    run is cut where it leaves the view, as on the contours, with a dotted flight to the
    border the way it flew. With ``stepping``, also its point θ_k (placed by the browser) and
    what the browser steps through (the traces' indices in the figure, whose ``first`` this
    run's first trace will be)."""
    view = landscape.view
    # In step mode every step the control covers is drawn: the line cut at k ends at θ_k.
    drawn = _drawn_path(run, lr_factors, view, MAX_STEPPED + 1 if stepping else 0)
    line_x, line_y, owner = _drape(drawn.points.astype(np.float64), heights.cell)
    traces: list[dict] = [
        {
            "type": "scatter3d",
            "x": _to_float32(line_x),
            "y": _to_float32(line_y),
            "z": _to_float32(heights.of_points(line_x, line_y)),
            "mode": "lines",
            "line": {"color": color, "width": style.line * 3.5},
            "hoverinfo": "skip",
            "name": name,
            "legendgroup": name,
        }
    ]
    points = drawn.points.astype(np.float64)
    traces.append(
        {
            "type": "scatter3d",
            "x": drawn.points[:, 0],
            "y": drawn.points[:, 1],
            "z": _to_float32(heights.of_points(points[:, 0], points[:, 1])),
            "mode": "markers",
            "marker": {"size": style.marker * 0.35, "color": color},
            "customdata": drawn.customdata,
            "meta": name,
            "hovertemplate": _path_hover(landscape.axes),
            "name": name,
            "legendgroup": name,
            "showlegend": False,
        }
    )
    flight = _flight(run, drawn.end, view)
    if flight is not None:
        flight_x, flight_y, _ = _drape(flight, heights.cell)
        traces.append(
            {
                "type": "scatter3d",
                "x": _to_float32(flight_x),
                "y": _to_float32(flight_y),
                "z": _to_float32(heights.of_points(flight_x, flight_y)),
                "mode": "lines",
                "line": {"color": color, "width": style.line * 2, "dash": "dot"},
                "hovertemplate": f"flew off this way: {verdict_label(run)}<extra></extra>",
                "name": name,
                "legendgroup": name,
                "showlegend": False,
            }
        )
    _, end_symbol, glyph = _ENDS.get(end_kind(run), _ENDS["max_steps"])
    ends = np.clip(run.path[[0, drawn.end]], *np.transpose(view))
    traces.append(
        {
            "type": "scatter3d",
            "x": _to_float32(ends[:, 0]),
            "y": _to_float32(ends[:, 1]),
            "z": _to_float32(heights.of_points(ends[:, 0], ends[:, 1])),
            "mode": "markers+text",
            "marker": {
                "size": style.marker * 0.8,
                "color": ["white", color],
                "symbol": ["circle", end_symbol],
                "line": {"color": color, "width": 4},
            },
            "text": ["", glyph],
            "textposition": "top right",
            "textfont": {"color": color, "size": round(style.font * 1.6)},
            "hovertemplate": ["start<extra></extra>", f"{verdict_label(run)}<extra></extra>"],
            "name": name,
            "legendgroup": name,
            "showlegend": False,
        }
    )
    if not stepping:
        return traces, None
    traces.append(
        {
            "type": "scatter3d",
            "x": [],
            "y": [],
            "z": [],
            "mode": "markers",
            "marker": {
                "size": style.marker * 0.9,
                "color": "#111111",
                "line": {"color": "white", "width": 2},
            },
            "hoverinfo": "skip",
            "name": "point",
            "showlegend": False,
        }
    )
    n = min(run.nit, MAX_STEPPED)
    low, high = np.transpose(view)
    positions = run.path[: n + 1].astype(np.float64)
    inside = np.all((positions >= low) & (positions <= high), axis=1)  # (not NaN: False)
    on_surface = np.column_stack([positions, heights.of_points(*np.clip(positions, low, high).T)])
    on_surface[~inside] = np.nan
    steps = {
        "nit": run.nit,
        "line": [int(s) for s in drawn.indices[owner]],
        "iterates": [int(s) for s in drawn.indices],
        "pos": _numbers(on_surface),
        # The line, the iterates, a diverged run's flight, the start and end marks, and θ_k.
        "traces": {
            "line": first,
            "iterates": first + 1,
            "flights": [first + 2] if flight is not None else [],
            "marks": first + len(traces) - 2,
            "point": first + len(traces) - 1,
        },
    }
    return traces, steps


def _flight(run: Run, end: int, view: View) -> np.ndarray | None:
    """For a diverged run: from its last drawn point to the border of the view, the way its
    next step went ((2, 2) points), as the contours' dotted flight; else None."""
    if run.status != "diverged":
        return None
    unit = _escape_direction(run, end)
    if unit is None:
        return None
    low, high = np.transpose(view)
    cross = np.clip(run.path[end], low, high)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(
            unit > 0, (high - cross) / unit, np.where(unit < 0, (low - cross) / unit, np.inf)
        )
    return np.array([cross, cross + unit * 0.985 * float(np.min(reach))])


def _drape(
    points: np.ndarray, cell: np.ndarray, most: int = 3000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along the polyline, at most one grid cell (``cell`` = its width and height)
    apart where the budget of ``most`` points allows: between them the drawn line is straight,
    so it must not span a bump of the surface. Kept in the view by the caller's cut. Also,
    for each point, the polyline's point it belongs to: its own where it is one, else the end
    of its segment (step mode shows a segment once its end is reached)."""
    if len(points) < 2:
        return points[:, 0].copy(), points[:, 1].copy(), np.zeros(len(points), dtype=np.intp)
    moves = np.diff(points, axis=0)
    cells = np.max(np.abs(moves) / cell, axis=1)
    cells = np.nan_to_num(cells, nan=1.0, posinf=1.0)
    total = max(float(cells.sum()), 1.0)
    counts = np.maximum(1, np.ceil(cells * min(1.0, most / total))).astype(np.intp)
    pieces = [
        start + np.linspace(0.0, 1.0, n, endpoint=False)[:, None] * move
        for start, move, n in zip(points[:-1], moves, counts, strict=True)
    ]
    line = np.concatenate([*pieces, points[-1:]])
    owner = np.repeat(np.arange(1, len(points)), counts)
    owner[np.cumsum(counts) - counts] = np.arange(len(points) - 1)  # each piece's first: its start
    return line[:, 0], line[:, 1], np.append(owner, len(points) - 1)


class _Heights:
    """Heights on the 3-D scale, always above the drawn surface.

    Plotly draws the surface as flat triangles between grid points, above the true f where f
    is convex; a point is put at the higher of its true height and the drawn surface's
    (bilinear between the four grid points around it), plus ``lift``, and within the z range.
    """

    def __init__(
        self,
        landscape: Landscape,
        grid: Grid,
        surface_z: np.ndarray,
        floor: float,
        ceiling: float,
        lift: float,
    ) -> None:
        self.objective = landscape.objective
        self.grid, self.surface_z = grid, surface_z
        self.floor, self.ceiling, self.lift = floor, ceiling, lift
        self.cell = np.array([grid.x[1] - grid.x[0], grid.y[1] - grid.y[0]])

    def of_points(self, x: Any, y: Any) -> np.ndarray:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        with np.errstate(all="ignore"):
            f = np.broadcast_to(self.objective.value(x, y), x.shape).astype(np.float64)
        grid = self.grid
        f = np.where(np.isfinite(f), f, grid.f_min if grid.log else np.inf)
        true = np.clip(
            grid.colour_of(np.minimum(f, np.finfo(np.float64).max)), self.floor, self.ceiling
        )
        drawn = self._drawn(x, y)
        return np.minimum(np.maximum(true, drawn) + self.lift, self.ceiling + 2 * self.lift)

    def _drawn(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The drawn surface's height at (x, y): bilinear in the grid cell around it."""
        grid = self.grid
        column = np.clip((x - grid.x[0]) / self.cell[0], 0, len(grid.x) - 1)
        row = np.clip((y - grid.y[0]) / self.cell[1], 0, len(grid.y) - 1)
        i = np.minimum(row.astype(np.intp), len(grid.y) - 2)
        j = np.minimum(column.astype(np.intp), len(grid.x) - 2)
        s, t = row - i, column - j
        z = self.surface_z
        return (1 - s) * ((1 - t) * z[i, j] + t * z[i, j + 1]) + s * (
            (1 - t) * z[i + 1, j] + t * z[i + 1, j + 1]
        )
