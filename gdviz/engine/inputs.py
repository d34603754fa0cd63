"""What the engine takes: the protocols a function (:class:`Differentiable`) and its
mini-batches (:class:`BatchGradients`) meet, the view window, and the largest sizes one call
of :func:`gdviz.engine.run` or :func:`gdviz.engine.final_states` accepts (checked by the loop,
:mod:`gdviz.engine.loop`). Import these names from :mod:`gdviz.engine`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

MAX_STEPS = 100_000
"""The largest step budget :func:`~gdviz.engine.run` accepts (the command line's too; the app
stops at 20,000)."""

MAX_HISTORY = 20_000_000
"""The largest (steps + 1) × runs recorded at once: about 640 MB of paths, losses and norms."""

MAX_TRACE = 1_000_000
"""The largest steps × runs traced at once (``run(..., trace=True)``): gradient, step, rate and
up to three state vectors per update, about 90 MB; the app's 4 runs × 20,000 steps are 80,000."""

MAX_RUNS = 250_000
"""The most runs one call steps at once (a 500 × 500 map of starts)."""

View = tuple[tuple[float, float], tuple[float, float]]


class Differentiable(Protocol):
    """What the engine needs of a function: f and ∇f together, and H for Newton's method (and
    f alone, for the figures' grids). A typed :class:`~gdviz.expression.Objective` and a data
    model of :mod:`gdviz.regression` both are one."""

    def value(self, x: Any, y: Any) -> np.ndarray: ...

    def value_and_gradient(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]: ...

    def hessian(self, x: Any, y: Any) -> np.ndarray: ...


def value_and_gradient_at(objective: Any) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """f and ∇f at the rows of an (R, 2) array of points, as the stepping loop holds them: the
    objective's own ``value_and_gradient_rows`` where it has one (the data models, whose pass
    starts from the rows: splitting them into x and y to stack them back was a sixth of a
    logistic model's pass; a typed function, whose rows skip the wrapping of its public call),
    else its ``value_and_gradient`` of the two columns. Called under the loop's
    ``np.errstate(all="ignore")``, which a rows method may leave to it."""
    rows = getattr(objective, "value_and_gradient_rows", None)
    if rows is not None:
        return rows  # type: ignore[no-any-return]
    return lambda points: objective.value_and_gradient(points[:, 0], points[:, 1])


def start_passes(
    objective: Any, batches: Any, n_runs: int, exact_runs: np.ndarray
) -> tuple[Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], Any]:
    """What the stepping loop calls at each update: the full pass, f and ∇f at its points
    (:func:`value_and_gradient_at`), and the mini-batch runs' sampler, ``gradient(theta, k,
    runs)`` (None when every run takes ∇f). Batches that take their gradients from the full
    pass's per-example work (``start_with_pass(objective, n_runs)``, see
    :class:`BatchGradients`) supply both, for one call."""
    if batches is None or exact_runs.all():
        return value_and_gradient_at(objective), None
    with_pass = getattr(batches, "start_with_pass", None)
    if with_pass is not None:
        return with_pass(objective, n_runs)  # type: ignore[no-any-return]
    return value_and_gradient_at(objective), batches.start(n_runs)


class BatchGradients(Protocol):
    """Where the gradient of each update comes from when it is not the full ∇f: mini-batches.

    ``start(n_runs)`` returns ``gradient(theta, k, runs)``: the gradient of update k ≥ 1 for
    the runs numbered ``runs`` (rows of ``theta``). ``full_runs(n_runs)`` says which runs see
    all the data at every update: for those the engine uses ∇f itself (batch descent is plain
    descent on the full loss) and ignores what ``gradient`` gives in their rows.
    ``run_epochs(nit)``: each run's passes over the data after ``nit[r]`` updates.
    Optionally ``start_with_pass(objective, n_runs)``: the full pass and the sampler together,
    for batches whose gradients reuse the pass's work at the same points
    (:class:`~gdviz.batches.FullPass`); the engine then calls that pass.

    The protocol before per-run batches, ``full`` (one flag for every run) and
    ``epochs(updates)`` in their place, is still taken (:func:`full_runs`, :func:`run_epochs`).
    """

    def full_runs(self, n_runs: int) -> np.ndarray: ...

    def start(self, n_runs: int) -> Callable[[np.ndarray, int, np.ndarray], np.ndarray]: ...

    def run_epochs(self, nit: np.ndarray) -> np.ndarray: ...


def full_runs(batches: Any, n_runs: int) -> np.ndarray:
    """``batches.full_runs(n_runs)``, or for batches of the earlier protocol its one ``full``
    flag for every run."""
    if hasattr(batches, "full_runs"):
        return np.asarray(batches.full_runs(n_runs), dtype=bool)
    return np.full(n_runs, bool(batches.full))


def run_epochs(batches: Any, nit: np.ndarray) -> np.ndarray:
    """``batches.run_epochs(nit)``, or for batches of the earlier protocol ``epochs`` of each
    run's updates."""
    if hasattr(batches, "run_epochs"):
        return np.asarray(batches.run_epochs(nit), dtype=np.float64)
    return np.array([batches.epochs(int(n)) for n in nit], dtype=np.float64)
