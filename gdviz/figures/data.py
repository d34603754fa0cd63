"""A data lesson's examples with each run's fitted line or decision boundary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gdviz.engine import RunResult
from gdviz.figures.labels import rate_text
from gdviz.figures.paths import _runs
from gdviz.figures.playback import _frame_steps, _playback_controls
from gdviz.figures.style import Style, WebFigure, run_color, web_figure


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
) -> WebFigure:
    """The examples with each run's current model: its fitted line, or for logistic regression
    its decision boundary w₁x₁ + w₂x₂ = 0 (where P(class 1) = ½).

    ``model`` is a data-backed objective (:mod:`gdviz.regression`). The playback's step slider
    moves every line to that step, on the same steps as :func:`comparison_figure`'s playback.
    ``layout.meta.gdviz_lines`` (the model's kind, the box the lines span and the lines' trace
    indices) lets step mode draw each line at the step shown, with :func:`_fitted_line`'s
    formulas.
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
        # automargin: without playback (step mode) the bottom margin is the title's alone.
        "xaxis": {"range": bounds[:, 0].tolist(), "title": {"text": axis_names[0], "standoff": 4},
                  "automargin": True,
                  "zeroline": False, "showgrid": False, "ticks": "outside"},
        "yaxis": {"range": bounds[:, 1].tolist(), "title": {"text": axis_names[1], "standoff": 4},
                  "zeroline": False, "showgrid": False, "ticks": "outside"},
        "title": {"text": f"The data and {title}", "font": {"size": style.title_font}, "x": 0.5,
                  "xanchor": "center", "y": 1.0, "yanchor": "top", "pad": {"t": 8}},
        "font": style.layout_font, "margin": {"l": 8 + round(4.2 * style.font), "r": 10,
                                                 "t": top, "b": bottom},
        "height": height or (560 if style.projector else 480), "plot_bgcolor": "white",
        "showlegend": True, "hovermode": "closest",
        "legend": {"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top",
                   "bgcolor": "rgba(255,255,255,0.8)", "font": {"size": round(style.font * 0.85)}},
        # For step mode (gdviz/ui/step_control.py), which draws each run's line at θ_k.
        "meta": {"gdviz_lines": {"kind": model.kind, "bounds": bounds.tolist(),
                                 "traces": line_indices}},
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
    return web_figure(data, layout, frames)
