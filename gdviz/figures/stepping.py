"""Step mode: what each update did, as arrows at the point it started from.

At step k (0 ≤ k ≤ nit) a panel shows its path θ_0 … θ_k and, for k ≥ 1, update k drawn from
θ_{k−1}, to scale, in the plane of the parameters:

* ``gradient`` — the plain gradient step −γ_k g_k, with g_k the gradient the optimizer received
  (after noise and clipping); for Newton, what gradient descent would have done instead;
* ``raw`` — with clipping, −γ_k times the gradient before it was clipped;
* ``step`` — Δθ_k, the step the engine took, ending at θ_k;
* ``momentum`` — the momentum buffer as a step, −γ_k b_k (momentum, Nesterov);
* ``mean`` — Adam's bias-corrected first moment as a step, −γ_k m̂_k;
* ``lookahead`` — Nesterov's look-ahead point θ_{k−1} − γ_k μ b_k;
* ``box`` — the per-coordinate rates η_k,i (Adagrad's γ̃/(√sum + ε), RMSprop's γ/(√ṽ + ε),
  Adam's γ/(√v̂ + ε)) times |g_k,i|: the box of half-widths η_k,i |g_k,i| around θ_{k−1}, whose
  corner against the gradient is where the per-coordinate rates alone would step (RMSprop and
  Adagrad without momentum step exactly there; for Adam a box near γ × γ says "each coordinate
  moves about γ, whatever its gradient").

Every value is read from the lines of :func:`gdviz.update_numbers.update_lines`, the box the
math tab prints with its numbers: the picture and the numbers cannot disagree. A segment longer
than the view is cut at the view's border (its head then sits on the border, pointing the way
the step goes), as diverging paths are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.engine import Run, View
from gdviz.update_numbers import update_lines

__all__ = ["ARROWS", "MAX_STEPPED", "UpdateArrows", "clip_segments", "step_panel", "update_arrows"]

MAX_STEPPED = 2000
"""Step mode covers a run's first 2000 updates: the browser holds every step's arrows."""

ARROWS: dict[str, tuple[str, str]] = {
    "gradient": ("gradient step −γ·g", "#b71c1c"),
    "raw": ("before clipping −γ·∇f", "#e57373"),
    "step": ("actual step Δθ", "#111111"),
    "momentum": ("momentum −γ·b", "#5e35b1"),
    "mean": ("Adam's mean −γ·m̂", "#5e35b1"),
    "lookahead": ("look-ahead θ − γμb", "#5e35b1"),
    "box": ("per-coordinate rate × |g|", "#546e7a"),
}
"""Each drawn kind: its legend text and colour, apart from the runs' colours (dark red, black,
purple, slate)."""

_DRAWN_ORDER = ("raw", "gradient", "momentum", "mean", "step", "lookahead")
"""Drawing order: the step taken lies on top."""

# Lines of the torch box (update_numbers) each kind is read from.
_RATE_LINES = (
    r"\tilde\gamma_t / (\sqrt{\mathrm{sum}_t} + \epsilon)",
    r"\gamma_t / (\sqrt{\tilde v_t} + \epsilon)",
    r"\gamma_t / (\sqrt{\hat v_t} + \epsilon)",
)


@dataclass(frozen=True)
class UpdateArrows:
    """Run's updates 1 … n (n = min(nit, MAX_STEPPED)) as vectors from θ_{k−1} (row k − 1).

    ``vectors[kind]`` is (n, 2) for the arrow kinds; ``box`` the (n, 2) half-widths; ``starts``
    θ_0 … θ_{n−1}."""

    starts: np.ndarray
    vectors: dict[str, np.ndarray]
    box: np.ndarray | None


def update_arrows(
    optimizer: str, hyperparameters: Mapping[str, Any], run: Run, *, clipped: bool = False
) -> UpdateArrows:
    """The arrows of every update of a traced ``run`` (see the module's list); ``clipped``:
    the gradient was clipped, so the trace's ``raw_grad`` is drawn too."""
    trace = run.trace
    if trace is None:
        raise ValueError("the run has no trace: run it with trace=True")
    n = min(run.nit, MAX_STEPPED)
    lr = trace.lr[:n, None]
    vectors = {"gradient": -lr * trace.grad[:n], "step": trace.step[:n].copy()}
    if clipped and trace.raw_grad is not None:
        vectors["raw"] = -lr * trace.raw_grad[:n]
    mu = float(hyperparameters.get("momentum", 0.0) or 0.0)
    if optimizer in ("momentum", "nesterov") and mu > 0:
        vectors["momentum"] = -lr * trace.state["momentum_buffer"][:n]
        if optimizer == "nesterov":
            vectors["lookahead"] = mu * vectors["momentum"]
    box = None
    if optimizer in ("adam", "adamw", "rmsprop", "adagrad"):
        mean, rates = np.zeros((n, 2)), np.zeros((n, 2))
        for t in range(1, n + 1):
            values = {
                line.name: line.value for line in update_lines(optimizer, hyperparameters, run, t)
            }
            rates[t - 1] = next(values[name] for name in _RATE_LINES if name in values)
            if optimizer in ("adam", "adamw"):
                mean[t - 1] = values[r"\hat m_t"]
        box = rates * np.abs(trace.grad[:n])
        if optimizer in ("adam", "adamw"):
            vectors["mean"] = -lr * mean
    return UpdateArrows(starts=run.path[:n], vectors=vectors, box=box)


def clip_segments(starts: np.ndarray, ends: np.ndarray, view: View) -> np.ndarray:
    """Each segment's end (rows of ``starts`` and ``ends``, (n, 2)), or where the segment from
    its start (inside the view) leaves the view."""
    (x_low, x_high), (y_low, y_high) = view
    low, high = np.array([x_low, y_low]), np.array([x_high, y_high])
    direction = ends - starts
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(direction > 0, (high - starts) / direction,
                         np.where(direction < 0, (low - starts) / direction, np.inf))  # fmt: skip
    fraction = np.clip(np.min(reach, axis=1), 0.0, 1.0)[:, None]
    outside = np.any((ends < low) | (ends > high), axis=1)[:, None]
    return np.where(outside, starts + fraction * direction, ends)


def _numbers(values: np.ndarray) -> list[float | None]:
    """Flat, to 7 significant figures (what a panel can show), None where not finite."""
    flat = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(flat)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (6 - np.floor(np.log10(np.abs(np.where(finite & (flat != 0), flat, 1.0)))))
        rounded = np.round(flat * scale) / scale
    return [v if ok else None for v, ok in zip(rounded.tolist(), finite.tolist(), strict=True)]


def _arrow_ends(arrows: UpdateArrows, kind: str, view: View) -> np.ndarray:
    """Each update's arrow end, cut at the view's border; NaN where the arrow starts outside
    the view (a run already flying off) or is not finite."""
    (x_low, x_high), (y_low, y_high) = view
    starts, vectors = arrows.starts, arrows.vectors[kind]
    inside = (
        (starts[:, 0] >= x_low) & (starts[:, 0] <= x_high)
        & (starts[:, 1] >= y_low) & (starts[:, 1] <= y_high)
        & np.all(np.isfinite(vectors), axis=1)
    )  # fmt: skip
    ends = np.full_like(starts, np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        ends[inside] = clip_segments(starts[inside], starts[inside] + vectors[inside], view)
    return ends


def step_panel(
    run: Run, arrows: UpdateArrows, drawn_steps: np.ndarray, view: View,
    axes: dict[str, str], line: float, marker: float, parked: tuple[float, float],
) -> tuple[list[dict], dict]:  # fmt: skip
    """A run's step-mode traces (named ``point``, a kind of :data:`ARROWS` or ``box``; parked
    outside the axes, as playback parks its end marks, until the browser moves them for a
    step) and what the
    browser steps through: ``pos`` θ_0 … θ_n, ``steps`` the step of each drawn path point,
    ``ends[kind]`` each update's arrow end (cut at the view), ``box`` its corners, ``n`` the
    updates covered (at most :data:`MAX_STEPPED`)."""
    empty = {"type": "scatter", "x": [parked[0]] * 2, "y": [parked[1]] * 2,
             "hoverinfo": "skip", "showlegend": False}  # fmt: skip
    traces = [
        {**empty, **axes, "name": "point", "mode": "markers",
         "marker": {"size": marker * 1.1, "color": "#111111", "symbol": "circle"}},
    ]  # fmt: skip
    data: dict[str, Any] = {
        "nit": run.nit,
        "n": len(arrows.starts),
        # θ_0 … θ_n: beyond update n the browser marks the path's last drawn point.
        "pos": _numbers(run.path[: len(arrows.starts) + 1]),
        "steps": [int(s) for s in drawn_steps],
        "ends": {},
    }
    if arrows.box is not None:
        color = ARROWS["box"][1]
        traces.append(
            {**empty, **axes, "name": "box", "mode": "lines", "fill": "toself",
             "fillcolor": "rgba(84,110,122,0.10)", "line": {"color": color, "width": line * 0.6,
                                                            "dash": "dot"}}
        )  # fmt: skip
        low, high = arrows.starts - arrows.box, arrows.starts + arrows.box
        data["box"] = _numbers(np.hstack([low, high]))
    for kind in sorted(arrows.vectors, key=_DRAWN_ORDER.index):
        color = ARROWS[kind][1]
        data["ends"][kind] = _numbers(_arrow_ends(arrows, kind, view))
        style: dict[str, Any]
        if kind == "lookahead":
            style = {"mode": "markers", "marker": {"symbol": "diamond-open", "size": marker,
                                                   "color": color, "line": {"width": line * 0.6}}}  # fmt: skip
        else:
            # The optimizer's state is drawn wide and pale: plain momentum's step is its buffer,
            # and the black step then lies visibly on it.
            state = kind in ("momentum", "mean")
            width = line * (1.8 if state else 0.9 if kind == "step" else 0.7)
            style = {
                "mode": "lines+markers",
                "opacity": 0.55 if state else 1.0,
                "line": {"color": color, "width": width, "dash": "dash" if kind == "raw" else "solid"},
                "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, marker * 1.2],
                           "color": color},
            }  # fmt: skip
        traces.append({**empty, **axes, "name": kind, **style})
    return traces, data
