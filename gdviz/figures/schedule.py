"""A schedule's rate against the step: the small curve beside the sidebar's schedule box."""

from __future__ import annotations

import numpy as np

from gdviz.figures.style import Style, WebFigure, run_color, web_figure

__all__ = ["MAX_SCHEDULE_POINTS", "schedule_figure"]

MAX_SCHEDULE_POINTS = 400
"""About how many points the curve keeps (every change of a stepped schedule among them)."""

LOG_SPAN = 10.0
"""The y axis turns logarithmic when the factors span more than this ratio (all above 0)."""


def schedule_figure(factors: np.ndarray, *, style: Style | None = None) -> WebFigure:
    """The factor of the base rate at updates 1 … len(factors): the rate in force is lr × it.

    Drawn as steps (each update's rate holds until the next), thinned to about
    MAX_SCHEDULE_POINTS points keeping every update where the factor changes, so a MultiStepLR
    cut or a ReduceLROnPlateau cut is drawn where it happened. The y axis is logarithmic when
    the factors span more than LOG_SPAN (OneCycleLR: 1/25 up to 1, down to 4·10⁻⁶).
    """
    style = style or Style()
    values = np.asarray(factors, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0 or not np.isfinite(values).all():
        raise ValueError("schedule_figure needs a non-empty list of finite factors")
    keep = _kept_updates(values)
    positive = values.min() > 0
    log = bool(positive and values.max() / values.min() > LOG_SPAN)
    line = {
        "type": "scatter",
        "x": keep + 1,
        "y": values[keep],
        "mode": "lines",
        "line": {"shape": "hv", "color": run_color(0), "width": 2},
        "hovertemplate": "update %{x}: rate = %{y:.3g} × lr<extra></extra>",
    }
    axis = {"showgrid": False, "zeroline": False, "ticks": "outside", "ticklen": 3}
    layout = {
        "height": 130,
        "margin": {"l": 46, "r": 8, "t": 6, "b": 30},
        "font": {**style.layout_font, "size": style.font - 2},
        "showlegend": False,
        "xaxis": {**axis, "title": {"text": "update", "standoff": 2}},
        "yaxis": {
            **axis,
            "title": {"text": "× lr", "standoff": 2},
            "type": "log" if log else "linear",
            "exponentformat": "power",
        },
        "plot_bgcolor": "white",
        "paper_bgcolor": "rgba(0,0,0,0)",
    }
    return web_figure([line], layout)


def _kept_updates(values: np.ndarray) -> np.ndarray:
    """Evenly spaced indices, the last one, and both sides of every change of the factor."""
    n = len(values)
    stride = max(1, n // MAX_SCHEDULE_POINTS)
    changes = np.flatnonzero(np.diff(values) != 0)
    # A smooth schedule changes at every update: its even spacing is enough.
    if len(changes) > MAX_SCHEDULE_POINTS:
        changes = changes[:0]
    kept = np.concatenate([np.arange(0, n, stride), changes, changes + 1, [n - 1]])
    return np.unique(kept)
