"""Loss gap and gradient norm against the step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gdviz.engine import RunResult
from gdviz.figures.grid import _short
from gdviz.figures.labels import rate_text, verdict_label
from gdviz.figures.paths import _runs, thin_path
from gdviz.figures.style import Style, WebFigure, run_color, web_figure

MAX_CURVE_POINTS = 800
"""Most points drawn per loss or gradient-norm curve."""


def curves_figure(
    result: RunResult | Sequence[RunResult],
    *,
    f_min: float | None = None,
    labels: Sequence[str] | None = None,
    style: Style | None = None,
) -> WebFigure:
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
    untitled = {key: value for key, value in axis.items() if key != "title"}
    log_axis = {**untitled, "type": "log", "exponentformat": "power"}
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
        "font": style.layout_font,
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
    return web_figure(data, layout)
