"""The landscape in 3-D with every run's path draped on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from gdviz.engine import RunResult, View
from gdviz.figures.camera import scene_camera, valley_direction
from gdviz.figures.grid import SURFACE_GRID, Grid, Landscape, _contour_levels, landscape_grid
from gdviz.figures.labels import end_kind, panel_title, verdict_label
from gdviz.figures.paths import _drawn_path, _path_hover, _runs
from gdviz.figures.style import _ENDS, _MARKS, LANDSCAPE_SCALE, Style, _to_float32, run_color


def surface_figure(
    landscape: Landscape,
    result: RunResult | Sequence[RunResult],
    *,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """The landscape in 3-D with every run's path draped on it (one figure for all runs).

    ``height`` and ``width`` (pixels: the space the page gives the figure) let the scene fill
    it. The camera looks along the valley at the lowest point (:mod:`gdviz.figures.camera`),
    38° up, as close as fits: a zig-zag across a valley reads as a zig-zag, not as bars seen
    end-on. The camera is kept when the figure is rebuilt (``uirevision``), so a changed rate
    does not reset the view.

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
    lift = 0.03 * span
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
            # See-through enough for a path on the far side of a wall to show.
            "opacity": 0.8,
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
                "line": {"color": color, "width": style.line * 3.5},
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
                "marker": {"size": style.marker * 0.35, "color": color},
                "customdata": drawn.customdata,
                "meta": name,
                "hovertemplate": _path_hover(landscape.axes),
                "name": name,
                "legendgroup": name,
                "showlegend": False,
            }
        )
        _, end_symbol, _ = _ENDS.get(end_kind(run), _ENDS["max_steps"])
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
    z_range = (floor, ceiling + 2 * lift)
    plot_height = height or (680 if style.projector else 580)
    scene = scene_camera(
        _unit_box(grid, np.clip(grid.colour, floor, ceiling), z_range),
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
        "font": {"size": style.font},
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


def _height(grid: Grid, f: Any, floor: float, ceiling: float) -> np.ndarray:
    """Height on the 3-D scale of loss values, finite and within the drawn z range."""
    values = np.asarray(f, dtype=np.float64)
    values = np.where(np.isfinite(values), values, grid.f_min if grid.log else ceiling)
    return np.clip(grid.colour_of(values), floor, ceiling)
