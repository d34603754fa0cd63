"""A run's path as drawn: thinned to keep its shape, cut where a diverged run leaves the view,
with the hover data of every kept point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.engine import Run, RunResult, View
from gdviz.figures.style import _to_float32

MAX_PATH_POINTS = 400
"""Most points drawn per path (see :func:`thin_path`)."""


def thin_path(points: np.ndarray, max_points: int = MAX_PATH_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` points of a polyline that keep its shape.

    ``points[thin_path(points)]`` is the thinned path. Keeps the start and the end; spends half
    of the budget on the sharpest turns, weighted by their size (turn (1 − cos θ)/2 times the
    shorter of the two steps, so a full reversal counts even on a straight line while the
    jitter of tiny steps does not), and the other half on points evenly spaced along the arc
    length (so the long early jumps are kept and the crawl into a minimum is not oversampled).
    """
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    if n <= max_points:
        return np.arange(n)
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    moves = np.diff(points, axis=0)
    lengths = np.hypot(moves[:, 0], moves[:, 1])
    before, after = lengths[:-1], lengths[1:]
    with np.errstate(all="ignore"):
        cosines = np.einsum("ij,ij->i", moves[:-1], moves[1:]) / (before * after)
    turn = np.nan_to_num((1.0 - cosines) / 2.0, nan=0.0) * np.minimum(before, after)
    budget = max_points - 2
    n_turns = min(budget // 2, int(np.count_nonzero(turn)))
    turns = (
        1 + np.argpartition(turn, len(turn) - n_turns)[len(turn) - n_turns :]
        if n_turns
        else np.empty(0, dtype=np.intp)
    )
    n_even = budget - n_turns
    arc = np.concatenate([[0.0], np.cumsum(lengths)])
    if arc[-1] > 0:
        even = np.searchsorted(arc, np.linspace(0.0, arc[-1], n_even + 2)[1:-1])
    else:
        even = np.linspace(0, n - 1, n_even + 2)[1:-1].round().astype(np.intp)
    return np.unique(np.concatenate([[0, n - 1], turns, np.minimum(even, n - 1)]))


def _inside(points: np.ndarray, view: View) -> np.ndarray:
    (x_low, x_high), (y_low, y_high) = view
    x, y = points[:, 0], points[:, 1]
    return (x >= x_low) & (x <= x_high) & (y >= y_low) & (y <= y_high)


def _visible_end(run: Run, view: View) -> int:
    """Index of a run's last drawn point: a diverged path is cut where it first leaves the view.

    Other runs are drawn whole (a momentum run may swing outside and come back); the axes
    clip them and never stretch.
    """
    if run.status != "diverged":
        return len(run.path) - 1
    outside = np.flatnonzero(~_inside(run.path, view))
    return len(run.path) - 1 if len(outside) == 0 else max(int(outside[0]) - 1, 0)


def _runs(result: RunResult | Sequence[RunResult]) -> list[tuple[Run, np.ndarray]]:
    """Every run with the schedule factors of its RunResult, in order (run i → colour i)."""
    results = [result] if isinstance(result, RunResult) else list(result)
    if not results or not all(isinstance(r, RunResult) for r in results):
        raise TypeError("expected a RunResult or a non-empty list of RunResults")
    return [(run, res.factors(i)) for res in results for i, run in enumerate(res)]


def _rates_in_force(run: Run, lr_factors: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The rate that produced point k (lr · schedule factor of update k; the first for k = 0)."""
    if len(lr_factors) == 0:
        return np.full(len(indices), run.lr)
    factors = np.concatenate([lr_factors[:1], lr_factors])
    return run.lr * factors[np.minimum(indices, len(factors) - 1)]


@dataclass(frozen=True)
class _DrawnPath:
    """A run's path as drawn: thinned, cut at the view for diverged runs."""

    end: int  # index of the last drawn point in run.path
    indices: np.ndarray  # the kept steps
    points: np.ndarray  # float32 (len(indices), 2)
    customdata: np.ndarray  # float32 (len(indices), 4): step, f, |∇f|, rate


def _drawn_path(run: Run, lr_factors: np.ndarray, view: View, whole: int = 0) -> _DrawnPath:
    """The run's path as drawn: thinned, but every one of its first ``whole`` steps kept (step
    mode: a path cut at step k then ends at θ_k itself, not at the last kept point before it)."""
    end = _visible_end(run, view)
    head = min(whole, end + 1)  # the steps kept whole, 0 … head − 1
    indices = np.concatenate([np.arange(head), head + thin_path(run.path[head : end + 1])])
    customdata = np.stack(
        [
            indices.astype(np.float64),
            run.loss[indices],
            run.grad_norm[indices],
            _rates_in_force(run, lr_factors, indices),
        ],
        axis=1,
    )
    return _DrawnPath(
        end,
        indices,
        _to_float32(run.path[indices]),
        _to_float32(customdata),
    )


def _path_hover(axes: tuple[str, str]) -> str:
    """The path hover, naming the two coordinates as the landscape does (x, y or w, b)."""
    return (
        f"<b>%{{meta}}</b><br>step %{{customdata[0]:.0f}}<br>{axes[0]} = %{{x:.4g}}, "
        f"{axes[1]} = %{{y:.4g}}<br>f = %{{customdata[1]:.4g}}<br>|∇f| = %{{customdata[2]:.3g}}"
        "<br>rate in force = %{customdata[3]:.3g}<extra></extra>"
    )
