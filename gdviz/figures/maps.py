"""The Maps tab's figures: the learning-rate sweep as one curve, the phase map (rate × a
hyperparameter) and the basins of attraction.

Both colour each run by its outcome (:data:`gdviz.maps.OUTCOMES`) with :data:`OUTCOME_COLORS`;
the basin map gives each listed minimum its own colour instead, so four basins read as four.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gdviz.figures.grid import Landscape, landscape_grid
from gdviz.figures.labels import rate_text
from gdviz.figures.panels import _click_grid
from gdviz.figures.style import Style, _to_float32, run_color
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


def _gaps(values: np.ndarray) -> list[list[float | None]]:
    """A heatmap's cells with NaN as None: a gap plotly.js leaves empty, never a NaN on the wire."""
    return [[None if np.isnan(v) else float(v) for v in row] for row in values]


def _axis_fonts(figure: go.Figure, style: Style) -> None:
    """Tick labels and axis titles at the style's size (Streamlit's theme sets them smaller)."""
    font = {"size": style.font}
    figure.update_xaxes(tickfont=font, title_font=font)
    figure.update_yaxes(tickfont=font, title_font=font)


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


def sweep_figure(
    sweep: RateSweep,
    *,
    panel_rates: Sequence[float] = (),
    y: str = "steps",
    f_min: float | None = None,
    style: Style | None = None,
    height: int = 520,
) -> go.Figure:
    """Rate (log x) against steps to converge (``y="steps"``) or the final f − f*
    (``y="gap"``), a point per rate coloured by outcome: ● converged at its step count, ▲ the
    budget spent (drawn at the budget), ✗ diverged (drawn at the top). Plain GD's stability
    bound and the panels' rates are vertical lines; a click on a point picks that rate. The
    left margin holds tick labels like "10,000" at the style's size."""
    style = style or Style()
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
    values = np.where(states.status == "diverged", top, values)
    figure = go.Figure()
    for outcome in OUTCOMES:
        chosen = sweep.outcome == outcome
        if not chosen.any():
            continue
        figure.add_trace(
            go.Scatter(
                x=_to_float32(states.lrs[chosen]), y=_to_float32(values[chosen]),
                mode="markers", name=f"{outcome} ({int(chosen.sum())})",
                marker={"color": OUTCOME_COLORS[outcome], "size": style.marker,
                        "symbol": [_SYMBOLS[s] for s in states.status[chosen]],
                        "line": {"width": 1, "color": "white"}},
                customdata=np.stack([states.nit[chosen], states.fun[chosen]], axis=1),
                hovertemplate="lr = %{x:.3g}<br>" + outcome + " after %{customdata[0]} steps"
                "<br>f = %{customdata[1]:.4g}<extra></extra>",
            )
        )  # fmt: skip
    bottom = float(np.nanmin(values)) / 2 if y == "gap" else 1.0
    lines = [(rate, run_color(i), "dot", f"panel {i + 1}: lr = {rate_text(rate)}")
             for i, rate in enumerate(panel_rates)]  # fmt: skip
    if sweep.bound is not None:
        lines.append((sweep.bound, "#333333", "dash", f"2/λ_max = {sweep.bound:.3g}"))
    for x, color, dash, label in lines:
        figure.add_trace(
            go.Scatter(x=[x, x], y=[bottom, top * 1.5], mode="lines", name=label,
                       line={"color": color, "width": 2, "dash": dash}, hoverinfo="name")
        )  # fmt: skip
    legend, bottom = _legend_under_axis(style, height, top=30)
    figure.update_layout(
        height=height, margin={"l": 8 + 5 * style.font, "r": 20, "t": 30, "b": bottom},
        font=style.layout_font, plot_bgcolor="white", clickmode="event+select",
        dragmode="pan", hovermode="closest", legend=legend,
        xaxis={"type": "log", "title": "learning rate", "range": np.log10([sweep.low, sweep.high]).tolist(),
               "gridcolor": "#eeeeee", "exponentformat": "power", "dtick": 1},
        yaxis={"type": "log", "title": title, "gridcolor": "#eeeeee", "dtick": 1,
               "exponentformat": "power" if y == "gap" else "none"},
    )  # fmt: skip
    _axis_fonts(figure, style)
    return figure


def basin_figure(
    basins: BasinMap,
    landscape: Landscape,
    *,
    start: tuple[float, float] | None = None,
    style: Style | None = None,
    height: int = 620,
    click_grid: int = 0,
) -> go.Figure:
    """The grid of starts coloured by where each run ended — the listed minimum it reached
    (BASIN_COLORS, its share of starts in the legend) or its outcome — with the landscape's
    contour lines, ★ at the minima and ● at the panels' start; equal axis scaling."""
    style = style or Style()
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
            label = (
                "another minimum"
                if outcome in ("global minimum", "local minimum", "minimum")
                else outcome
            )
            categories.append((f"{label}: {where.mean():.0%}", OUTCOME_COLORS[outcome], where))
    z = np.zeros(basins.outcome.shape, dtype=np.float32)
    for value, (_, _, where) in enumerate(categories):
        z[where] = value + 0.5  # the middle of its band of the colour scale
    n = max(len(categories), 1)
    scale = []
    for value, (_, color, _) in enumerate(categories):
        scale += [[value / n, color], [(value + 1) / n, color]]
    figure = go.Figure(
        go.Heatmap(
            x=_to_float32(basins.xs), y=_to_float32(basins.ys), z=z, zmin=0, zmax=n, colorscale=scale or [[0, "#ffffff"], [1, "#ffffff"]], showscale=False,
            hoverinfo="skip",
        )
    )  # fmt: skip
    grid = landscape_grid(landscape, 120)
    figure.add_trace(
        go.Contour(
            x=_to_float32(grid.x), y=_to_float32(grid.y), z=_to_float32(grid.colour),
            contours={"coloring": "lines"}, ncontours=18, showscale=False,
            line={"color": "rgba(0,0,0,0.35)", "width": 1}, hoverinfo="skip",
            colorscale=[[0, "black"], [1, "black"]],
        )
    )  # fmt: skip
    for name, color, _ in categories:
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                    marker={"color": color, "size": 14, "symbol": "square"}))  # fmt: skip
    if basins.minima:
        figure.add_trace(
            go.Scatter(
                x=[p.x for p in basins.minima], y=[p.y for p in basins.minima],
                mode="markers+text", text=[str(i + 1) for i in range(len(basins.minima))],
                textposition="top center", textfont={"size": style.font, "color": "black"},
                marker={"symbol": "star", "size": style.marker + 8, "color": "white",
                        "line": {"color": "black", "width": 1.5}},
                name="listed minima", showlegend=False, hoverinfo="skip",
            )
        )  # fmt: skip
    if start is not None:
        figure.add_trace(
            go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="the panels' start",
                       marker={"symbol": "circle", "size": style.marker + 6, "color": "white",
                               "line": {"color": "black", "width": 3}}, hoverinfo="skip")
        )  # fmt: skip
    if click_grid:
        figure.add_trace(_click_grid(landscape.view, click_grid))
    (x_low, x_high), (y_low, y_high) = landscape.view
    figure.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 20, "b": 50}, font=style.layout_font,
        clickmode="event+select", dragmode="pan", hovermode="closest",
        legend={"font": {"size": style.font}, "itemclick": False, "itemdoubleclick": False},
        xaxis={"range": [x_low, x_high], "title": landscape.axes[0], "constrain": "domain"},
        yaxis={"range": [y_low, y_high], "title": landscape.axes[1], "scaleanchor": "x",
               "scaleratio": 1, "constrain": "domain"},
    )  # fmt: skip
    _axis_fonts(figure, style)
    return figure


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
) -> go.Figure:
    """Cells (log₁₀ lr, value): blue by steps to converge where the run reached a minimum (dark
    = fast), the outcome's colour elsewhere (red diverged, amber too slow, …); with
    ``largest_eigenvalue``, heavy-ball momentum's boundary lr = 2(1 + μ)/λ_max as a line; the
    panels' rates at the current value as ●. Invisible points over the cells take clicks."""
    style = style or Style()
    x = np.log10(phase.lrs)
    reached = np.isin(phase.outcome, ["global minimum", "local minimum", "minimum"])
    steps = np.where(reached, np.log10(np.maximum(phase.nit, 1)), np.nan)
    figure = go.Figure()
    others = [o for o in OUTCOMES if o not in ("global minimum", "local minimum", "minimum")]
    present = [o for o in others if (phase.outcome == o).any()]
    if present:
        codes = np.full(phase.outcome.shape, np.nan)
        for value, outcome in enumerate(present):
            codes[phase.outcome == outcome] = value + 0.5
        n = len(present)
        scale = [pair for v, o in enumerate(present)
                 for pair in ([v / n, OUTCOME_COLORS[o]], [(v + 1) / n, OUTCOME_COLORS[o]])]  # fmt: skip
        figure.add_trace(go.Heatmap(x=x, y=phase.values, z=_gaps(codes), zmin=0, zmax=n, colorscale=scale,
                                    showscale=False, hoverinfo="skip"))  # fmt: skip
        for outcome in present:
            figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=outcome,
                                        marker={"color": OUTCOME_COLORS[outcome], "size": 14,
                                                "symbol": "square"}))  # fmt: skip
    if reached.any():
        figure.add_trace(
            go.Heatmap(
                x=x, y=phase.values, z=_gaps(steps), colorscale=STEPS_SCALE, hoverinfo="skip",
                colorbar={"title": {"text": "steps to a minimum"}, "tickvals": [0, 1, 2, 3, 4, 5],
                          "ticktext": ["1", "10", "100", "1000", "10⁴", "10⁵"], "len": 0.6,
                          "y": 0.3, "thickness": 14},
            )
        )  # fmt: skip
    if largest_eigenvalue is not None:
        mu = np.linspace(phase.values.min(), phase.values.max(), 100)
        edge = np.log10(2 * (1 + mu) / largest_eigenvalue)
        figure.add_trace(go.Scatter(x=edge, y=mu, mode="lines", name="theory: lr = 2(1 + μ)/λ_max",
                                    line={"color": "black", "width": 3, "dash": "dash"}))  # fmt: skip
    if current is not None and panel_rates:
        figure.add_trace(
            go.Scatter(x=np.log10(panel_rates), y=[current] * len(panel_rates), mode="markers",
                       name="the panels", marker={"size": style.marker + 6, "color": [run_color(i)
                       for i in range(len(panel_rates))], "line": {"color": "white", "width": 2}})
        )  # fmt: skip
    grid_x, grid_y = np.meshgrid(x, phase.values)
    figure.add_trace(
        go.Scatter(
            x=_to_float32(grid_x.ravel()), y=_to_float32(grid_y.ravel()), mode="text",
            name="click grid", showlegend=False,
            customdata=np.stack([phase.outcome.ravel(), phase.nit.ravel(),
                                 [rate_text(float(r)) for r in 10 ** grid_x.ravel()]], axis=1),
            hovertemplate="lr = %{customdata[2]}<br>" + phase.param + " = %{y:.3g}<br>"
            "%{customdata[0]} after %{customdata[1]} steps<extra>click: load into the panels</extra>",
        )
    )  # fmt: skip
    low, high = int(np.floor(x.min())), int(np.ceil(x.max()))
    legend, bottom = _legend_under_axis(style, height, top=20)
    figure.update_layout(
        height=height, margin={"l": 70, "r": 20, "t": 20, "b": bottom}, font=style.layout_font,
        clickmode="event+select", dragmode="pan", hovermode="closest", plot_bgcolor="white",
        legend=legend,
        xaxis={"title": "learning rate", "range": [x.min(), x.max()],
               "tickvals": list(range(low, high + 1)),
               "ticktext": [rate_text(10.0**k) for k in range(low, high + 1)]},
        yaxis={"title": phase.param, "range": [phase.values.min(), phase.values.max()]},
    )  # fmt: skip
    _axis_fonts(figure, style)
    return figure
