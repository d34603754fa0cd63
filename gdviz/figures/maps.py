"""The Maps tab's figures: the learning-rate sweep as one curve, the phase map (rate × a
hyperparameter) and the basins of attraction.

Both colour each run by its outcome (:data:`gdviz.maps.OUTCOMES`) with :data:`OUTCOME_COLORS`;
the basin map gives each listed minimum its own colour instead, so four basins read as four.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gdviz.figures.grid import Landscape, landscape_grid
from gdviz.figures.labels import rate_text
from gdviz.figures.panels import _click_grid
from gdviz.figures.style import Style, WebFigure, _to_float32, run_color, web_figure
from gdviz.maps import OUTCOMES, BasinMap, PhaseMap, RateSweep

__all__ = ["BASIN_COLORS", "OUTCOME_COLORS", "basin_figure", "phase_figure", "sweep_figure"]

OUTCOME_COLORS = {
    "global minimum": "#1b9e77",
    "local minimum": "#66a61e",
    "minimum": "#4daf4a",
    "too slow": "#e6ab02",
    "oscillating": "#d95f02",
    "hovering": "#a6761d",
    "stalled": "#8c8c8c",
    "saddle": "#7570b3",
    "flat": "#c7b56a",
    "maximum": "#e7298a",
    "slope": "#8c564b",
    "diverged": "#d62728",
}
"""One colour per outcome: minima green, spent budgets amber to brown, stationary points that
are not minima purple to pink, divergence red."""

BASIN_COLORS = (
    "#1b9e77",
    "#377eb8",
    "#984ea3",
    "#b8d24a",
    "#66c2a5",
    "#8da0cb",
    "#a6d854",
    "#2c7fb8",
)
"""The basins of listed minima 1, 2, …: greens and blues, apart from the outcomes' warm colours."""

_SYMBOLS = {"converged": "circle", "max_steps": "triangle-up", "diverged": "x"}
_MINIMA = ("global minimum", "local minimum", "minimum")  # the outcomes that reached a minimum


def _gaps(values: np.ndarray) -> list[list[float | None]]:
    """A heatmap's cells with NaN as None: a gap plotly.js leaves empty, never a NaN on the wire."""
    return [[None if np.isnan(v) else float(v) for v in row] for row in values]


def _axis_fonts(layout: dict, style: Style) -> dict:
    """``layout``, in place, with the tick labels and titles of its x and y axes at the style's
    size (plotly.js would draw the titles 1.2 × larger); each axis's ``title`` is its text."""
    font = {"size": style.font}
    for name in ("xaxis", "yaxis"):
        axis = layout[name]
        axis["tickfont"] = font
        axis["title"] = {"text": axis["title"], "font": font}
    return layout


def _legend_under_axis(style: Style, height: int, top: int) -> tuple[dict, int]:
    """A horizontal legend under the x axis's tick labels and title, never on them, and the
    bottom margin that holds all three: placed in pixels (a legend at a fixed fraction of the
    plot's height sat on the axis title at a projector's larger type)."""
    axis = round(3.4 * style.font) + 24  # tick labels (powers of ten are taller) and the title
    bottom = axis + round(1.8 * style.font) + 10  # and one row of legend
    plot_height = max(height - top - bottom, 1)
    legend = {"orientation": "h", "y": -axis / plot_height, "yanchor": "top",
              "font": {"size": style.font}}  # fmt: skip
    return legend, bottom


def _legend_square(name: str, color: str) -> dict:
    """A legend entry that draws nothing on the plot: a square of ``color`` named ``name``."""
    return {"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": name,
            "marker": {"color": color, "size": 14, "symbol": "square"}}  # fmt: skip


def sweep_figure(
    sweep: RateSweep,
    *,
    panel_rates: Sequence[float] = (),
    y: str = "steps",
    f_min: float | None = None,
    style: Style | None = None,
    height: int = 520,
) -> WebFigure:
    """Rate (log x) against steps to converge (``y="steps"``) or the final f − f*
    (``y="gap"``), a point per rate coloured by outcome: ● converged at its step count, ▲ the
    budget spent (drawn at the budget), ✗ diverged (drawn at the top). Plain GD's stability
    bound and the panels' rates are vertical lines; a click on a point picks that rate. The
    left margin holds tick labels like "10,000" at the style's size."""
    style = style or Style()
    values, top, title = _sweep_heights(sweep, y, f_min, style)
    data = [_outcome_points(sweep, outcome, values, style)
            for outcome in OUTCOMES if (sweep.outcome == outcome).any()]  # fmt: skip
    bottom = float(np.nanmin(values)) / 2 if y == "gap" else 1.0
    lines = [(rate, run_color(i), "dot", f"panel {i + 1}: lr = {rate_text(rate)}")
             for i, rate in enumerate(panel_rates)]  # fmt: skip
    if sweep.bound is not None:
        lines.append((sweep.bound, "#333333", "dash", f"2/λ_max = {sweep.bound:.3g}"))
    for x, color, dash, label in lines:
        data.append({"type": "scatter", "x": [x, x], "y": [bottom, top * 1.5], "mode": "lines",
                     "name": label, "line": {"color": color, "width": 2, "dash": dash},
                     "hoverinfo": "name"})  # fmt: skip
    legend, bottom = _legend_under_axis(style, height, top=30)
    layout = {
        "height": height, "margin": {"l": 8 + 5 * style.font, "r": 20, "t": 30, "b": bottom},
        "font": style.layout_font, "plot_bgcolor": "white", "clickmode": "event+select",
        "dragmode": "pan", "hovermode": "closest", "legend": legend,
        "xaxis": {"type": "log", "title": "learning rate", "range": np.log10([sweep.low, sweep.high]).tolist(),
                  "gridcolor": "#eeeeee", "exponentformat": "power", "dtick": 1},
        "yaxis": {"type": "log", "title": title, "gridcolor": "#eeeeee", "dtick": 1,
                  "exponentformat": "power" if y == "gap" else "none"},
    }  # fmt: skip
    return web_figure(data, _axis_fonts(layout, style))


def _sweep_heights(
    sweep: RateSweep, y: str, f_min: float | None, style: Style
) -> tuple[np.ndarray, float, str]:
    """Each rate's height on the sweep's y axis (see :func:`sweep_figure`), the axis's top and
    its title."""
    states = sweep.states
    top = float(states.steps)
    if y == "gap":
        floor = (
            f_min
            if f_min is not None
            else float(np.nanmin(np.where(np.isfinite(states.fun), states.fun, np.nan)))
        )
        gap = np.where(np.isfinite(states.fun), states.fun - floor, np.inf)
        finite = gap[np.isfinite(gap)]
        top = float(finite.max() * 10) if len(finite) and finite.max() > 0 else 1.0
        values = np.clip(gap, 1e-16, top)
        title = "final f − f*"
    else:
        values = np.where(states.status == "converged", np.maximum(states.nit, 1), top)
        # On a projector the long title ran past the plot's height: the legend names ▲ and ✗.
        title = "steps to converge" + ("" if style.projector else " (▲ budget spent, ✗ diverged)")
    return np.where(states.status == "diverged", top, values), top, title


def _outcome_points(sweep: RateSweep, outcome: str, values: np.ndarray, style: Style) -> dict:
    """The sweep's rates that ended in ``outcome``, at their ``values``, in its colour; the
    symbol tells the run's status, the hover its steps and final f."""
    states = sweep.states
    chosen = sweep.outcome == outcome
    return {
        "type": "scatter", "x": _to_float32(states.lrs[chosen]), "y": _to_float32(values[chosen]),
        "mode": "markers", "name": f"{outcome} ({int(chosen.sum())})",
        "marker": {"color": OUTCOME_COLORS[outcome], "size": style.marker,
                   "symbol": [_SYMBOLS[s] for s in states.status[chosen]],
                   "line": {"width": 1, "color": "white"}},
        "customdata": np.stack([states.nit[chosen], states.fun[chosen]], axis=1),
        "hovertemplate": "lr = %{x:.3g}<br>" + outcome + " after %{customdata[0]} steps"
        "<br>f = %{customdata[1]:.4g}<extra></extra>",
    }  # fmt: skip


def basin_figure(
    basins: BasinMap,
    landscape: Landscape,
    *,
    start: tuple[float, float] | None = None,
    style: Style | None = None,
    height: int = 620,
    click_grid: int = 0,
) -> WebFigure:
    """The grid of starts coloured by where each run ended — the listed minimum it reached
    (BASIN_COLORS, its share of starts in the legend) or its outcome — with the landscape's
    contour lines, ★ at the minima and ● at the panels' start; equal axis scaling."""
    style = style or Style()
    categories = _basin_categories(basins)
    z = np.zeros(basins.outcome.shape, dtype=np.float32)
    for value, (_, _, where) in enumerate(categories):
        z[where] = value + 0.5  # the middle of its band of the colour scale
    n = max(len(categories), 1)
    scale = [pair for value, (_, color, _) in enumerate(categories)
             for pair in ([value / n, color], [(value + 1) / n, color])]  # fmt: skip
    grid = landscape_grid(landscape, 120)
    data = [
        {"type": "heatmap", "x": _to_float32(basins.xs), "y": _to_float32(basins.ys), "z": z,
         "zmin": 0, "zmax": n, "colorscale": scale or [[0, "#ffffff"], [1, "#ffffff"]],
         "showscale": False, "hoverinfo": "skip"},
        {"type": "contour", "x": _to_float32(grid.x), "y": _to_float32(grid.y),
         "z": _to_float32(grid.colour), "contours": {"coloring": "lines"}, "ncontours": 18,
         "showscale": False, "line": {"color": "rgba(0,0,0,0.35)", "width": 1},
         "hoverinfo": "skip", "colorscale": [[0, "black"], [1, "black"]]},
        *(_legend_square(name, color) for name, color, _ in categories),
    ]  # fmt: skip
    data += _basin_marks(basins, start, style)
    if click_grid:
        data.append(_click_grid(landscape.view, click_grid))
    (x_low, x_high), (y_low, y_high) = landscape.view
    layout = {
        "height": height, "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "font": style.layout_font, "clickmode": "event+select", "dragmode": "pan",
        "hovermode": "closest",
        "legend": {"font": {"size": style.font}, "itemclick": False, "itemdoubleclick": False},
        "xaxis": {"range": [x_low, x_high], "title": landscape.axes[0], "constrain": "domain"},
        "yaxis": {"range": [y_low, y_high], "title": landscape.axes[1], "scaleanchor": "x",
                  "scaleratio": 1, "constrain": "domain"},
    }  # fmt: skip
    return web_figure(data, _axis_fonts(layout, style))


def _basin_categories(basins: BasinMap) -> list[tuple[str, str, np.ndarray]]:
    """The basin map's colours: (legend name, colour, the starts it covers) for each listed
    minimum some start reached, then each outcome of the other starts."""
    categories: list[tuple[str, str, np.ndarray]] = []
    for index, point in enumerate(basins.minima):
        where = basins.minimum == index
        if where.any():
            name = f"minimum {index + 1} ({point.x:.3g}, {point.y:.3g}): {basins.share(index):.0%}"
            categories.append((name, BASIN_COLORS[index % len(BASIN_COLORS)], where))
    unnamed = basins.minimum < 0
    for outcome in OUTCOMES:
        where = unnamed & (basins.outcome == outcome)
        if where.any():
            label = "another minimum" if outcome in _MINIMA else outcome
            categories.append((f"{label}: {where.mean():.0%}", OUTCOME_COLORS[outcome], where))
    return categories


def _basin_marks(basins: BasinMap, start: tuple[float, float] | None, style: Style) -> list[dict]:
    """★ at the listed minima, numbered (if any), and ● at the panels' ``start`` (if given)."""
    marks = []
    if basins.minima:
        marks.append({
            "type": "scatter", "x": [p.x for p in basins.minima], "y": [p.y for p in basins.minima],
            "mode": "markers+text", "text": [str(i + 1) for i in range(len(basins.minima))],
            "textposition": "top center", "textfont": {"size": style.font, "color": "black"},
            "marker": {"symbol": "star", "size": style.marker + 8, "color": "white",
                       "line": {"color": "black", "width": 1.5}},
            "name": "listed minima", "showlegend": False, "hoverinfo": "skip",
        })  # fmt: skip
    if start is not None:
        marks.append({
            "type": "scatter", "x": [start[0]], "y": [start[1]], "mode": "markers",
            "name": "the panels' start", "hoverinfo": "skip",
            "marker": {"symbol": "circle", "size": style.marker + 6, "color": "white",
                       "line": {"color": "black", "width": 3}},
        })  # fmt: skip
    return marks


STEPS_SCALE = [[0.0, "#0b3d5c"], [0.5, "#3b8bc2"], [1.0, "#d6e9f5"]]
"""Steps to converge at a minimum in the phase map: dark is fast, pale is slow."""


def phase_figure(
    phase: PhaseMap,
    *,
    panel_rates: Sequence[float] = (),
    current: float | None = None,
    largest_eigenvalue: float | None = None,
    style: Style | None = None,
    height: int = 560,
) -> WebFigure:
    """Cells (log₁₀ lr, value): blue by steps to converge where the run reached a minimum (dark
    = fast), the outcome's colour elsewhere (red diverged, amber too slow, …); with
    ``largest_eigenvalue``, heavy-ball momentum's boundary lr = 2(1 + μ)/λ_max as a line; the
    panels' rates at the current value as ●. Invisible points over the cells take clicks."""
    style = style or Style()
    x = np.log10(phase.lrs)
    data = _phase_cells(phase, x)
    if largest_eigenvalue is not None:
        mu = np.linspace(phase.values.min(), phase.values.max(), 100)
        edge = np.log10(2 * (1 + mu) / largest_eigenvalue)
        data.append({"type": "scatter", "x": edge, "y": mu, "mode": "lines",
                     "name": "theory: lr = 2(1 + μ)/λ_max",
                     "line": {"color": "black", "width": 3, "dash": "dash"}})  # fmt: skip
    if current is not None and panel_rates:
        data.append({"type": "scatter", "x": np.log10(panel_rates), "y": [current] * len(panel_rates),
                     "mode": "markers", "name": "the panels",
                     "marker": {"size": style.marker + 6, "color": [run_color(i) for i in range(len(panel_rates))],
                                "line": {"color": "white", "width": 2}}})  # fmt: skip
    data.append(_phase_click_grid(phase, x))
    low, high = int(np.floor(x.min())), int(np.ceil(x.max()))
    legend, bottom = _legend_under_axis(style, height, top=20)
    layout = {
        "height": height, "margin": {"l": 70, "r": 20, "t": 20, "b": bottom},
        "font": style.layout_font, "clickmode": "event+select", "dragmode": "pan",
        "hovermode": "closest", "plot_bgcolor": "white", "legend": legend,
        "xaxis": {"title": "learning rate", "range": [float(x.min()), float(x.max())],
                  "tickvals": list(range(low, high + 1)),
                  "ticktext": [rate_text(10.0**k) for k in range(low, high + 1)]},
        "yaxis": {"title": phase.param,
                  "range": [float(phase.values.min()), float(phase.values.max())]},
    }  # fmt: skip
    return web_figure(data, _axis_fonts(layout, style))


def _phase_cells(phase: PhaseMap, x: np.ndarray) -> list[dict]:
    """The phase map's cells at ``x`` (log₁₀ of its rates): a heatmap of the outcomes that are
    not minima, each with its legend square, then one of the steps to a minimum."""
    data = []
    present = [o for o in OUTCOMES if o not in _MINIMA and (phase.outcome == o).any()]
    if present:
        codes = np.full(phase.outcome.shape, np.nan)
        for value, outcome in enumerate(present):
            codes[phase.outcome == outcome] = value + 0.5
        n = len(present)
        scale = [pair for v, o in enumerate(present)
                 for pair in ([v / n, OUTCOME_COLORS[o]], [(v + 1) / n, OUTCOME_COLORS[o]])]  # fmt: skip
        data.append({"type": "heatmap", "x": x, "y": phase.values, "z": _gaps(codes), "zmin": 0,
                     "zmax": n, "colorscale": scale, "showscale": False, "hoverinfo": "skip"})  # fmt: skip
        data += [_legend_square(outcome, OUTCOME_COLORS[outcome]) for outcome in present]
    reached = np.isin(phase.outcome, _MINIMA)
    if reached.any():
        steps = np.where(reached, np.log10(np.maximum(phase.nit, 1)), np.nan)
        data.append({
            "type": "heatmap", "x": x, "y": phase.values, "z": _gaps(steps),
            "colorscale": STEPS_SCALE, "hoverinfo": "skip",
            "colorbar": {"title": {"text": "steps to a minimum"}, "tickvals": [0, 1, 2, 3, 4, 5],
                         "ticktext": ["1", "10", "100", "1000", "10⁴", "10⁵"], "len": 0.6,
                         "y": 0.3, "thickness": 14},
        })  # fmt: skip
    return data


def _phase_click_grid(phase: PhaseMap, x: np.ndarray) -> dict:
    """Invisible points at the cells' centres: their hover names the cell's outcome, a click
    loads it into the panels."""
    grid_x, grid_y = np.meshgrid(x, phase.values)
    return {
        "type": "scatter", "x": _to_float32(grid_x.ravel()), "y": _to_float32(grid_y.ravel()),
        "mode": "text", "name": "click grid", "showlegend": False,
        "customdata": np.stack([phase.outcome.ravel(), phase.nit.ravel(),
                                [rate_text(float(r)) for r in 10 ** grid_x.ravel()]], axis=1),
        "hovertemplate": "lr = %{customdata[2]}<br>" + phase.param + " = %{y:.3g}<br>"
        "%{customdata[0]} after %{customdata[1]} steps<extra>click: load into the panels</extra>",
    }  # fmt: skip
