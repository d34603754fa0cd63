"""The stepping engine: many gradient-descent runs at once, each with its own verdict.

``run(objective, optimizer, starts, lrs)`` steps every start × learning-rate pair together as
one float64 array shaped (runs, 2). Each run stops on its own (as in SciPy's elementwise
solvers) and reports why, in the spirit of ``scipy.optimize.OptimizeResult``:

====================  ===========  ===============================================================
status                rule         when, checked after every update in this order
====================  ===========  ===============================================================
``diverged``          ``nonfinite``    x, f or ∇f became infinite or NaN
``diverged``          ``loss_growth``  |f(x_k)| > LOSS_GROWTH_FACTOR · max(|f(x_0)|, 1)
``diverged``          ``left_view``    x_k is more than VIEW_ESCAPE_FACTOR half-widths from the view's centre
``converged``         ``gtol``         ‖∇f(x_k)‖ < gtol
``converged``         ``xtol``         ‖x_k − x_{k−1}‖ < xtol
``converged``         ``ftol``         |f(x_k) − f(x_{k−1})| ≤ ftol · max(|f(x_k)|, |f(x_{k−1})|, 1)
``max_steps``         ``max_steps``    the step budget is spent
====================  ===========  ===============================================================

A tolerance of 0 turns its rule off. Divergence is a verdict, never a warning, an exception
or a NaN in the output: recorded paths hold finite values only, and a diverged run's path
ends at its last finite point. For runs that did not converge, ``diagnosis`` tells a teacher
whether the run was still descending (too slow), oscillating, or stalled.

A vanishing gradient (or a tiny step) marks a stationary point, not a minimum: every converged
run's end point is classified by :func:`gdviz.stationary.classify` (``stop``: global / local
minimum, minimum, saddle, maximum, flat or slope), and only a minimum counts as ``success``.

The package, one idea a module (callers import every name from ``gdviz.engine`` itself):
:mod:`~gdviz.engine.inputs` what a call takes (the protocols of the function and its
mini-batches, the view, the largest sizes); :mod:`~gdviz.engine.results` what it gives back
(the rules' names, statuses and messages, :class:`Trace`, :class:`Run`, :class:`RunResult`,
:class:`FinalStates`, their JSON); :mod:`~gdviz.engine.loop` how the runs are stepped (the
loop :func:`run` and :func:`final_states` share, and its bookkeeping);
:mod:`~gdviz.engine.judging` which runs ended, and their verdicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gdviz.engine.inputs import (
    MAX_HISTORY,
    MAX_RUNS,
    MAX_STEPS,
    MAX_TRACE,
    BatchGradients,
    Differentiable,
    View,
    run_epochs,
)
from gdviz.engine.loop import (
    _factors_by_run,
    _hold_last,
    _schedule_factors,
    _step,
    _where_stopped,
)
from gdviz.engine.results import (
    _PER_RUN,
    _RECORDS,
    LOSS_GROWTH_FACTOR,
    MAX_TRACE_ENTRIES,
    VIEW_ESCAPE_FACTOR,
    FinalStates,
    Run,
    RunResult,
    Trace,
    check_trace_entries,
)
from gdviz.optimizers import Optimizer
from gdviz.stationary import KnownPoint

__all__ = [
    "LOSS_GROWTH_FACTOR",
    "MAX_HISTORY",
    "MAX_RUNS",
    "MAX_STEPS",
    "MAX_TRACE",
    "MAX_TRACE_ENTRIES",
    "VIEW_ESCAPE_FACTOR",
    "BatchGradients",
    "Differentiable",
    "FinalStates",
    "Run",
    "RunResult",
    "Trace",
    "check_trace_entries",
    "final_states",
    "join_runs",
    "run",
]


def run(
    objective: Differentiable,
    optimizer: Optimizer,
    starts: Sequence[Sequence[float]] | np.ndarray,
    lrs: Sequence[float] | np.ndarray | float,
    *,
    steps: int = 500,
    gtol: float = 1e-6,
    xtol: float = 1e-12,
    ftol: float = 0.0,
    schedule: Callable[[int], float] | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    noise: float = 0.0,
    seed: int = 0,
    view: View | None = None,
    batches: BatchGradients | None = None,
    minima: Sequence[KnownPoint] = (),
    trace: bool = False,
) -> RunResult:
    """Run ``optimizer`` from every start at every learning rate, all at once.

    One run per (start, lr) pair, starts outer. Each update uses the gradient g = ∇f(x_k),
    plus Gaussian noise of standard deviation ``noise`` per coordinate (seeded, to imitate
    stochastic gradients), then clipped by value and/or by norm; the optimizer turns it into a
    step with the rate lr·schedule(k). Same inputs and seed → the same trajectories, always.

    With ``batches`` (a data-backed objective's mini-batches), g is the mini-batch gradient
    of update k instead of ∇f; the recorded loss and gradient norm, and so the stopping
    rules, stay those of the full objective; xtol and ftol are not applied (a tiny step on one
    batch says nothing about the next), only gtol on the full gradient. Runs whose batches are
    the whole data set (``batches.full_runs``) are batch descent, rules and all, in the same
    call as runs on mini-batches (a data lesson's three panels). Runs that spend the
    budget while the path only jitters are diagnosed "noisy" rather than "oscillating" (and
    "noise" with gradient ``noise``: the jitter is the noise's, not the rate's alone).

    Every converged run's end is classified (``stop``) against the view's scale and the
    listed ``minima`` (objects with x, y, f and kind "global"/"local", such as a surface's).

    With ``trace`` the result's :class:`Trace` holds every update's gradient, optimizer state
    and step (steps × runs at most MAX_TRACE); without it nothing of it is computed.
    """
    stepped = _step(
        objective, optimizer, starts, lrs, steps=steps, gtol=gtol, xtol=xtol, ftol=ftol,
        schedule=schedule, clip_norm=clip_norm, clip_value=clip_value, noise=noise, seed=seed,
        view=view, batches=batches, record=True, trace=trace,
    )  # fmt: skip
    status, nit, n_runs = stepped.status, stepped.nit, len(stepped.rates)
    assert stepped.history is not None
    paths, losses, squared_norms = stepped.history
    taken = int(nit.max()) if n_runs else 0
    paths_by_run = paths[: taken + 1].transpose(1, 0, 2)
    losses_by_run = losses[: taken + 1].T
    norms_by_run = squared_norms[: taken + 1].T.copy()
    # Entries after a run's end are not its path: hold its last point there.
    _hold_last(paths_by_run, losses_by_run, norms_by_run, nit)
    np.sqrt(norms_by_run, out=norms_by_run)
    stop, where, _ = _where_stopped(
        objective, stepped.x, status == "converged", view, stepped.starts, minima
    )
    return RunResult(
        optimizer=optimizer.name,
        hyperparameters=dict(optimizer.hyperparameters),
        starts=stepped.starts,
        lrs=stepped.rates,
        status=status,
        rule=stepped.rule,
        diagnosis=stepped.diagnosis,
        nit=nit,
        diverged_at=stepped.diverged_at,
        x=stepped.x,
        fun=stepped.fun,
        paths=paths_by_run,
        losses=losses_by_run,
        grad_norms=norms_by_run,
        lr_factors=stepped.lr_factors,
        settings={"gtol": gtol, "xtol": xtol, "ftol": ftol, "steps": steps},
        epochs=None if batches is None else run_epochs(batches, nit),
        stop=stop,
        where=where,
        trace=None if stepped.tracer is None else stepped.tracer.result(taken, nit),
        run_factors=None
        if stepped.in_force is None
        else _factors_by_run(stepped.in_force, stepped.rates, nit),
    )


def final_states(
    objective: Differentiable,
    optimizer: Optimizer,
    starts: Sequence[Sequence[float]] | np.ndarray,
    lrs: Sequence[float] | np.ndarray | float,
    *,
    steps: int = 500,
    gtol: float = 1e-6,
    xtol: float = 1e-12,
    ftol: float = 0.0,
    schedule: Callable[[int], float] | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    noise: float = 0.0,
    seed: int = 0,
    view: View | None = None,
    batches: BatchGradients | None = None,
    minima: Sequence[KnownPoint] = (),
) -> FinalStates:
    """:func:`run` without the paths: the same steps, stopping rules and verdicts, keeping only
    each run's end and the counts its diagnosis reads (memory O(runs), not O(runs × steps):
    about 0.5 kB a run).

    For maps of many runs (rate sweeps, basins of attraction), where only how each run ended
    matters. The final states, statuses, step counts and classifications equal those of
    :func:`run` with the same arguments.
    """
    stepped = _step(
        objective, optimizer, starts, lrs, steps=steps, gtol=gtol, xtol=xtol, ftol=ftol,
        schedule=schedule, clip_norm=clip_norm, clip_value=clip_value, noise=noise, seed=seed,
        view=view, batches=batches, record=False, trace=False,
    )  # fmt: skip
    status = stepped.status
    stop, _, known = _where_stopped(
        objective, stepped.x, status == "converged", view, stepped.starts, minima, phrase=False
    )
    return FinalStates(
        optimizer=optimizer.name,
        starts=stepped.starts,
        lrs=stepped.rates,
        status=status,
        rule=stepped.rule,
        diagnosis=stepped.diagnosis,
        stop=stop,
        minimum=known,
        nit=stepped.nit,
        x=stepped.x,
        fun=stepped.fun,
        grad_norm=np.sqrt(stepped.squared_norm),
        steps=int(steps),
    )


def join_runs(
    parts: Sequence[RunResult],
    *,
    steps: int,
    schedule: Callable[[int], float] | None = None,
) -> RunResult:
    """The runs of ``parts``, in order, as one :func:`run` call with budget ``steps`` gives them.

    Each part is a :func:`run` result of the same objective, optimizer, start, view, known
    minima, tolerances and ``schedule``, without noise (a run's draws depend on how many runs
    share its call) or mini-batches: then every run is stepped on its own, and one that ended
    within its call's budget ends the same with a longer one (see
    :meth:`RunResult.holds_for`, which every part must satisfy). So a rate sweep's runs
    need not be run again to be shown. Each record is padded with its last point, as
    :func:`run` holds a run that ended before the call's longest.
    """
    if not parts:
        raise ValueError("join_runs needs at least one part")
    lr_factors = _schedule_factors(schedule, steps)
    tolerances = {name: parts[0].settings[name] for name in ("gtol", "xtol", "ftol")}
    for part in parts:
        if part.trace is not None or part.run_factors is not None or part.epochs is not None:
            raise ValueError(
                "runs with a trace, a schedule of the run or mini-batches are not joined"
            )
        if not part.holds_for(steps):
            raise ValueError(f"a run that spent a budget of {part.settings['steps']:,} steps is "
                             f"not the run of a {steps:,}-step budget")  # fmt: skip
        if any(part.settings[name] != value for name, value in tolerances.items()):
            raise ValueError("runs with different tolerances are not joined")
        if part.optimizer != parts[0].optimizer:
            raise ValueError("runs of different optimizers are not joined")
        if not np.array_equal(part.lr_factors, lr_factors[: len(part.lr_factors)]):
            raise ValueError("runs of another schedule are not joined")
    taken = max(int(part.nit.max()) for part in parts)
    arrays: dict[str, Any] = {
        name: np.concatenate([getattr(part, name) for part in parts]) for name in _PER_RUN
    }
    for name in _RECORDS:
        arrays[name] = np.concatenate([_held_to(getattr(part, name), taken + 1) for part in parts])
    return dataclasses.replace(
        parts[0],
        **arrays,
        hyperparameters=dict(parts[0].hyperparameters),
        lr_factors=lr_factors,
        settings={**parts[0].settings, "steps": steps},
        stop=np.concatenate([_stops(part) for part in parts]),
        where=tuple(phrase for part in parts for phrase in part.where),
    )


def _held_to(record: np.ndarray, length: int) -> np.ndarray:
    """A record (runs, T + 1, …) lengthened to ``length`` entries by repeating its last one."""
    missing = length - record.shape[1]
    if missing == 0:
        return record
    return np.concatenate([record, np.repeat(record[:, -1:], missing, axis=1)], axis=1)


def _stops(part: RunResult) -> np.ndarray:
    if part.stop is None:  # (every run() result has them)
        raise ValueError("runs without their stops are not joined")
    return part.stop
