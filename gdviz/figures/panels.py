"""2-D contour panels: one per run side by side (:func:`comparison_figure`) or every run on one
(:func:`landscape_figure`), with paths, start and end markers, escape arrows and playback."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from gdviz.engine import Run, RunResult, View
from gdviz.figures.arrangement import Arrangement, Chrome, arrange, cell_domains, padded_view
from gdviz.figures.grid import Landscape, contour_grid_points, landscape_grid
from gdviz.figures.labels import _two_line_verdict, end_kind, panel_title, verdict_label
from gdviz.figures.paths import _drawn_path, _DrawnPath, _path_hover, _runs
from gdviz.figures.playback import _playback
from gdviz.figures.raster import landscape_picture, picture_layout
from gdviz.figures.stepping import MAX_STEPPED, UpdateArrows, step_panel
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

PANEL_STRETCH = 2.0
"""Given the page's size, a panel may be up to twice as tall (or wide) as the view's shape: the
view is then padded in y (or x) to fill it, showing more of the landscape around the runs."""


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
    symbol, _, glyph = _ENDS.get(end_kind(run), _ENDS["max_steps"])
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
    stepping: Sequence[UpdateArrows] | None = None,
) -> WebFigure:
    """One contour panel per run, side by side, sharing axes and one colour scale.

    ``result`` is one RunResult (one panel per run: slow | good | diverging) or several (one
    per optimizer, their runs in order). ``labels`` replaces "lr = …" in the panel titles.
    Panel i uses axes ``x{i+1}``/``y{i+1}`` (``x``/``y`` for the first), matched to the first.
    ``height`` defaults to one that equal-aspect panels fill on a page about 1000 px wide;
    give ``width`` too (an exported file) and the colour bar is sized to the panels exactly.
    ``click_grid`` > 0 lays an invisible n × n grid of points over every panel: Plotly sends
    no click events for a bare contour, but a click on a grid point selects it.
    ``stepping`` (one :class:`~gdviz.figures.stepping.UpdateArrows` per run) draws for step
    mode instead of playback: each panel gets its update arrows' traces, empty, and
    ``layout.meta.gdviz_steps`` what the browser fills them with at each step.
    """
    runs = _runs(result)
    titles = [panel_title(run, labels[i] if labels else None) for i, (run, _) in enumerate(runs)]
    style = style or Style()
    if width is not None:  # about the panels' width in one row: is there room for a verdict?
        room = (width - 8 * style.font) / len(runs) * 0.95
        longest = max(len(title.partition("<br>")[2]) for title in titles)
        narrow = longest * 0.55 * style.title_font > room
    else:
        narrow = (style.projector and len(runs) >= 3) or len(runs) >= 4
    if narrow:
        # Narrow panels and large type: a verdict on one line runs into its neighbour's title.
        titles = [_two_line_verdict(title) for title in titles]
    return _contour_figure(
        landscape, runs, [[i] for i in range(len(runs))], titles, style,
        playback and stepping is None, height, width, click_grid, stepping,
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
) -> WebFigure:
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


def click_grid_traces(figure: WebFigure) -> frozenset[int]:
    """The indices of a figure's click-grid traces (:func:`_click_grid`), read from its dicts
    (plotly.py's objects of it are not made): what the page reads a click against."""
    traces = figure.spec()["data"]
    return frozenset(i for i, trace in enumerate(traces) if trace.get("name") == "click grid")


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
    stepping: Sequence[UpdateArrows] | None = None,
) -> WebFigure:
    """Contour panels side by side; panel j draws the runs ``panels[j]``."""
    n = len(panels)
    grid = landscape_grid(landscape, contour_grid_points(n))
    (x_low, x_high), (y_low, y_high) = landscape.view
    aspect = (y_high - y_low) / (x_high - x_low)
    equal_aspect = 1 / 3 <= aspect <= 3
    bar_title = "f (log scale)" if grid.log else "f"
    bar = max(1.1 * style.font + 24 + 0.62 * style.font * max(map(len, grid.colour_bar_ticks()[1])),
              0.6 * style.font * len(bar_title)) + 10  # fmt: skip
    title_lines = max(title.count("<br>") + 1 for title in titles) if any(titles) else 0
    chrome = Chrome.of(style, title_lines, playback, bar)
    if width is not None and height is not None:
        arrangement = arrange(
            n, aspect if equal_aspect else None, width, height, chrome, PANEL_STRETCH
        )
        shape = arrangement.panel_height / max(arrangement.panel_width, 1e-9)
        if equal_aspect and abs(shape / aspect - 1) > 0.01:  # pad the view to the panel
            landscape = replace(landscape, view=padded_view(landscape.view, shape))
            grid = landscape_grid(landscape, contour_grid_points(n))
            (x_low, x_high), (y_low, y_high) = landscape.view
            aspect = shape
    else:
        fixed = height or _panel_height(
            aspect if equal_aspect else 1.0, n, style, playback, chrome.top
        )
        arrangement = Arrangement(n, 1, fixed, 0.0, 0.0)
    height = arrangement.height
    view = landscape.view
    tick_values, tick_text = grid.colour_bar_ticks()
    bar_title = "f (log scale)" if grid.log else "f"
    picture = landscape_picture(landscape, contour_grid_points(n))
    # The colour bar needs a trace on its colour axis: one invisible point carries it (the
    # landscape itself is a layout image, see gdviz.figures.raster).
    scale = {
        "type": "scatter",
        "x": _to_float32([x_low]),
        "y": _to_float32([y_low]),
        "mode": "markers",
        "marker": {
            "color": _to_float32([grid.colour_range[0]]),
            "coloraxis": "coloraxis",
            "opacity": 0,
            "size": 1,
        },
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "colour scale",
    }
    # In step mode every step the control covers is drawn: the path cut at k ends at θ_k.
    whole = MAX_STEPPED + 1 if stepping is not None else 0
    drawn = [_drawn_path(run, factors, view, whole) for run, factors in runs]
    legend = False  # titles name the runs; hover names the marked points
    marked = _marked_points(landscape, style, legend)
    if click_grid:
        marked.append(_click_grid(view, click_grid))
    data: list[dict] = [scale]
    animated: list[list[int]] = []  # per run: its path, end marker and flight trace indices
    annotations: list[dict] = []
    layout: dict = {"images": []}
    stepped: list[dict] = []  # step mode: per run, what the browser draws at each step
    far = (x_low - 100 * (x_high - x_low), y_low - 100 * (y_high - y_low))  # parked marks
    for j, members in enumerate(panels):
        suffix = "" if j == 0 else str(j + 1)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        layout["images"].append(picture_layout(picture, view, suffix))
        data.extend({**trace, **axes} for trace in marked)
        for i in members:
            run = runs[i][0]
            name = panel_title(run) if len(members) > 1 else titles[j]
            path, start, finish = _path_traces(
                run, drawn[i], run_color(i), style, name, legend, landscape.axes
            )
            data.extend([{**path, **axes}, {**start, **axes}, {**finish, **axes}])
            animated.append([len(data) - 3, len(data) - 1])
            escape = _escape(run, drawn[i].end, view, run_color(i), style, suffix)
            if escape is not None:
                data.append({**escape[0], **axes})
                animated[-1].append(len(data) - 1)
                annotations.append(escape[1])
            if stepping is not None:
                traces, steps = step_panel(
                    run, stepping[i], drawn[i].indices, view, axes, style.line, style.marker,
                    far,
                )  # fmt: skip
                # Where the browser finds them: the path, its end marks, then the new traces.
                steps["traces"] = {"path": animated[-1][0], "ends": animated[-1][1:]} | {
                    trace["name"]: len(data) + n for n, trace in enumerate(traces)
                }
                data.extend(traces)
                stepped.append(steps)
        x_domain, y_domain = cell_domains(j, arrangement, chrome)
        first_column = j % arrangement.columns == 0
        # Shared axes: x tick labels only where no panel below shows them (small multiples).
        bottom = not arrangement.has_panel_below(j, n)
        layout[f"xaxis{suffix}"] = {
            "domain": x_domain,
            "range": [x_low, x_high],
            "title": {
                "text": landscape.axes[0] if bottom else "",
                "standoff": 4,
                "font": {"size": style.font},
            },
            "tickfont": {"size": style.font},
            "showticklabels": bottom,
            "constrain": "domain",
            "anchor": f"y{suffix}",
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside" if bottom else "",
            **({"matches": "x"} if j else {}),
        }
        layout[f"yaxis{suffix}"] = {
            "domain": y_domain,
            "range": [y_low, y_high],
            "constrain": "domain",
            "constraintoward": "top" if arrangement.rows > 1 else "bottom",
            "anchor": f"x{suffix}",
            "title": {
                "text": landscape.axes[1] if first_column else "",
                "standoff": 4,
                "font": {"size": style.font},
            },
            "tickfont": {"size": style.font},
            "showticklabels": first_column,
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside" if first_column else "",
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
                        "size": style.title_font
                        if n <= 3 or style.projector
                        else round(style.title_font * 0.85)
                    },
                }
            )
    margin = {"l": chrome.left, "r": 10, "t": chrome.top, "b": chrome.bottom}
    bar_length, bar_x, base, bar_y = 1.0, None, 0.0, 0.0
    if width is not None and arrangement.has_empty_cell(n):
        # A short last row: the colour bar stands in its first empty cell, as tall as a panel.
        cell_x, cell_y = cell_domains(n, arrangement, chrome)
        plot_height = max(height - chrome.top - chrome.bottom, 1)
        bar_length = min(cell_y[1] - cell_y[0], arrangement.panel_height / plot_height)
        bar_x, bar_y = cell_x[0] + 0.02, cell_y[1] - bar_length
    elif width is not None and equal_aspect:
        plot_width = width - margin["l"] - margin["r"] - bar
        plot_height = max(height - chrome.top - chrome.bottom, 1)
        top_row = cell_domains(min(arrangement.columns, n) - 1, arrangement, chrome)
        row_height = top_row[1][1] - top_row[1][0]
        cell_width = top_row[0][1] - top_row[0][0]
        bar_length = float(np.clip(plot_width * cell_width * aspect / plot_height, 0.2, row_height))
        if arrangement.rows > 1:
            bar_y = 1.0 - bar_length  # beside the first row
        else:
            base = bar_y = (1.0 - bar_length) / 2
        if bar_length == row_height:  # the height binds: panels narrower than their columns
            paper = width - margin["l"] - margin["r"]  # a colour bar inside adds no margin
            half = plot_height * row_height / aspect / 2 / paper
            bar_x = sum(top_row[0]) / 2 + half + 0.015
            bar_x = bar_x if bar_x < 0.97 else None
    # Equal-aspect panels narrower than the page leave height over: centre the block (titles,
    # panels, colour bar, slider) vertically instead of leaving a gap at the top.
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
                "title": {"text": bar_title, "side": "top", "font": {"size": style.font}},
                "tickfont": {"size": style.font},
                "tickvals": tick_values,
                "ticktext": tick_text,
                "ticks": "outside",
                "thickness": round(style.font * 1.1),
                "len": bar_length,
                "y": bar_y,
                "yanchor": "bottom",
                # Right of the plot area, 8 px off (plotly's default x = 1.02 is 2 % of
                # the width away), unless placed beside the panels or in an empty cell.
                "x": 1.0 if bar_x is None else bar_x,
                "xanchor": "left",
                "xpad": 8,
                "outlinewidth": 0,
            },
        },
        font=style.layout_font,
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
        frames = _playback(layout, data, drawn, animated, style, base, far)
    if stepping is not None:
        layout["meta"] = {"gdviz_steps": {"runs": stepped, "parked": list(far)}}
    return web_figure(data, layout, frames)


def _panel_height(aspect: float, panels: int, style: Style, playback: bool, top: int) -> int:
    """A height that lets equal-aspect panels fill a wide page (about 1000 px for all panels)."""
    plot = 1000 / panels * aspect * (1.1 if style.projector else 1.0)
    chrome = top + 50 + (2.2 * style.font + 40 if playback else 0)
    return int(np.clip(plot + chrome, 380, 800))
