"""How the engine steps its runs: the loop :func:`gdviz.engine.run` and
:func:`gdviz.engine.final_states` share (``_step``), and its bookkeeping — the grid of runs
and the escape box it judges them in, clipping, the diagnosis counted over the last steps
(``_Window``), the trace (``_Tracer``), what it leaves (``_Stepped``), and what the public
functions make of it (``_where_stopped``, ``_hold_last``, ``_factors_by_run``). Which runs
ended, and their verdicts, are :mod:`gdviz.engine.judging`'s.

A hot path, tuned against ``benchmarks/bench_engine.py``: which runs ended is judged over
spans of JUDGE_EVERY updates at once (one pass for the common case that no run ended), ended
runs dropped in batches (COMPACT_SHARE), the CPU budget (:mod:`gdviz.budget`) looked at every
BUDGET_CHECK_EVERY updates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz import budget
from gdviz.engine.inputs import (
    MAX_HISTORY,
    MAX_RUNS,
    MAX_STEPS,
    MAX_TRACE,
    BatchGradients,
    Differentiable,
    View,
    full_runs,
    start_passes,
)
from gdviz.engine.judging import _dot, _Ends, _Rules, _Seen, _settle
from gdviz.engine.results import (
    _GTOL,
    _MAX_STEPS,
    _RULE_NAMES,
    _STATUS_OF_RULE,
    _UNDEFINED,
    LOSS_GROWTH_FACTOR,
    VIEW_ESCAPE_FACTOR,
    Trace,
)
from gdviz.optimizers import Optimizer
from gdviz.schedules import Schedule
from gdviz.stationary import KIND_DTYPE, KnownPoint, Scale, classify, stop_phrase

BUDGET_CHECK_EVERY = 32
"""Updates between two looks at the CPU budget (:mod:`gdviz.budget`): a few milliseconds of
the heaviest update, a microsecond's look."""

DIAGNOSIS_WINDOW = 50
"""How many of the last steps the diagnosis of an unfinished run looks at."""

JUDGE_EVERY = 16
"""Updates taken between two judgements of which runs ended, when a call has few runs: the
tests (finite, loss growth, escape box, gtol, xtol, ftol) are a dozen NumPy calls, the same
for 3 rows as for 3 × 16, and were a quarter of a small call's stepping time. A run that ended
is stepped along until it is judged, like any ended run (nothing it computes after its end is
kept), so the verdicts, ends and paths are the same; only the work is less."""

JUDGED_ROWS = 1 << 16
"""Rows × updates judged at once at most: a call of many runs (a map) is judged every update,
as its tests are already shared by all its rows."""

COMPACT_SHARE = 0.15
"""The loop drops ended runs from its arrays once they are this share of the rows (copying
every array for each few runs that end would cost more than stepping them along)."""


def _grid_of_runs(starts: Any, lrs: Any) -> tuple[np.ndarray, np.ndarray]:
    """One run per start × rate, starts outer."""
    start_array = np.atleast_2d(np.asarray(starts, dtype=np.float64))
    lr_array = np.atleast_1d(np.asarray(lrs, dtype=np.float64))
    if start_array.ndim != 2 or start_array.shape[1] != 2 or len(start_array) == 0:
        raise ValueError(f"starts must be a list of (x, y) points, got shape {start_array.shape}")
    if lr_array.ndim != 1 or len(lr_array) == 0:
        raise ValueError("lrs must be a non-empty list of learning rates")
    if not np.isfinite(start_array).all():
        raise ValueError("every start point must be finite")
    if not (np.isfinite(lr_array).all() and (lr_array > 0).all()):
        raise ValueError(f"learning rates must be positive numbers, got {lr_array.tolist()}")
    return np.repeat(start_array, len(lr_array), axis=0), np.tile(lr_array, len(start_array))


def _escape_box(view: View | None, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and half-widths beyond which a run counts as flown off.

    Without a view, the box is centred at 0 with half-width max(5, 2·max |start coordinate|).
    """
    if view is None:
        half = max(5.0, 2.0 * float(np.abs(starts).max()))
        centre, half_widths = np.zeros(2), np.full(2, half)
    else:
        (x_min, x_max), (y_min, y_max) = view
        centre = np.array([(x_min + x_max) / 2, (y_min + y_max) / 2])
        half_widths = np.array([(x_max - x_min) / 2, (y_max - y_min) / 2])
    return centre, VIEW_ESCAPE_FACTOR * half_widths


def _schedule_factors(schedule: Callable[[int], float] | None, steps: int) -> np.ndarray:
    """The schedule's factor for each of ``steps`` updates, computed once (1s without one);
    factor k depends on k alone, so a longer budget only adds factors."""
    if schedule is None:
        return np.ones(steps)
    return np.array([schedule(k) for k in range(steps)], dtype=np.float64)


def _clip(gradient: np.ndarray, clip_norm: float | None, clip_value: float | None) -> np.ndarray:
    """torch.nn.utils.clip_grad_value_ then clip_grad_norm_ (per run: g ← g·min(1, c/(‖g‖+1e-6)))."""
    if clip_value is not None:
        gradient = np.clip(gradient, -clip_value, clip_value)
    if clip_norm is not None:
        norm = np.sqrt(np.einsum("ij,ij->i", gradient, gradient))
        gradient = gradient * np.minimum(1.0, clip_norm / (norm + 1e-6))[:, None]
    return gradient


@dataclass(frozen=True)
class _Stepped:
    """What the loop leaves: each run's rule (a code of :data:`~gdviz.engine.results._RULES`),
    step count, the update at which it diverged (-1 if none), final point, f and squared
    gradient norm, the diagnosis of the runs that spent the budget ('' for the others) and, when
    recording, the step-major history of every step (rows after a run's end hold whatever it
    computed on; fill them)."""

    starts: np.ndarray
    rates: np.ndarray
    rule_code: np.ndarray  # (R,) small ints, named by _RULES
    nit: np.ndarray
    diverged_at: np.ndarray
    x: np.ndarray  # (R, 2)
    fun: np.ndarray  # (R,)
    squared_norm: np.ndarray  # (R,)
    diagnosis: np.ndarray  # (R,) str
    lr_factors: np.ndarray
    steps: int
    history: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # paths, losses, squared norms
    tracer: _Tracer | None = None
    in_force: np.ndarray | None = None  # (steps, R): each run's rate, for a schedule of the run

    @property
    def status(self) -> np.ndarray:
        return _STATUS_OF_RULE[self.rule_code]

    @property
    def rule(self) -> np.ndarray:
        return _RULE_NAMES[self.rule_code]


class _Tracer:
    """The trace as the loop writes it: step-major (update k − 1 is row k − 1), transposed
    to run-major once at the end."""

    def __init__(
        self, steps: int, n_runs: int, state: dict[str, np.ndarray], clipped: bool = False
    ) -> None:
        self.raw_grad = np.zeros((steps, n_runs, 2)) if clipped else None
        self.grad = np.zeros((steps, n_runs, 2))
        self.step = np.zeros((steps, n_runs, 2))
        self.lr = np.zeros((steps, n_runs))
        self.state = {name: np.zeros((steps, n_runs, 2)) for name in state}

    def add(
        self,
        k: int,
        runs: np.ndarray,
        grad: np.ndarray,
        step: np.ndarray,
        lr: np.ndarray,
        state: dict[str, np.ndarray],
        raw_grad: np.ndarray,
    ) -> None:
        """Update k of the runs numbered ``runs`` (the loop's rows); ``raw_grad`` is the
        gradient before clipping, kept only when clipping."""
        self.grad[k - 1, runs], self.step[k - 1, runs], self.lr[k - 1, runs] = grad, step, lr
        if self.raw_grad is not None:
            self.raw_grad[k - 1, runs] = raw_grad
        for name, value in state.items():
            self.state[name][k - 1, runs] = value

    def result(self, taken: int, nit: np.ndarray) -> Trace:
        """The first ``taken`` updates by run, 0 after each run's ``nit`` (what a run computed
        after its end, or on the step that left the finite numbers, is not its trace)."""
        after = np.arange(taken)[None, :] >= nit[:, None]

        def by_run(part: np.ndarray) -> np.ndarray:
            array = np.ascontiguousarray(np.swapaxes(part[:taken], 0, 1))
            array[after] = 0.0
            return array

        return Trace(
            grad=by_run(self.grad),
            step=by_run(self.step),
            state={name: by_run(value) for name, value in self.state.items()},
            lr=by_run(self.lr),
            raw_grad=None if self.raw_grad is None else by_run(self.raw_grad),
        )


class _Window:
    """The diagnosis of the runs that spend the budget, accumulated while the last
    DIAGNOSIS_WINDOW steps are taken (steps ``first`` … ``steps``), so no history is needed.

    Over the window, with m_k = x_k − x_{k−1}: a run is oscillating when m_k · m_{k−1} < 0
    (the step turns back) in more than half of the pairs, or f_k − f_{k−1} > 0 in more than
    30 % of the steps; else descending when f fell by more than rounding,
    f_first − f_steps > 1e-12 · max(|f_first|, 1); else stalled.
    """

    def __init__(self, steps: int) -> None:
        self.size = min(DIAGNOSIS_WINDOW, steps)
        self.first = steps - self.size
        self.start_loss: np.ndarray | None = None  # set at step ``first``
        self.rises = self.reversals = np.zeros(0, dtype=np.int64)
        self.move: np.ndarray | None = None

    def open(self, loss: np.ndarray) -> None:
        """Start counting at step ``first``, where f is ``loss``."""
        self.start_loss = loss.copy()
        self.rises = np.zeros(len(loss), dtype=np.int64)
        self.reversals = np.zeros(len(loss), dtype=np.int64)

    def add(
        self, k: int, point: np.ndarray, loss: np.ndarray, new_point: np.ndarray, new_loss: Any
    ) -> None:
        """Count step k (x and f before it: ``point``, ``loss``; after it: ``new_*``)."""
        if k > self.first:
            move = new_point - point
            self.rises += new_loss - loss > 0
            if self.move is not None:
                self.reversals += _dot(move, self.move) < 0
            self.move = move
        elif k == self.first:
            self.open(new_loss)

    def take(self, keep: np.ndarray) -> None:
        """Drop the runs not in ``keep``, as the loop compacts its arrays."""
        if self.start_loss is not None:
            self.start_loss, self.rises, self.reversals = (
                self.start_loss[keep],
                self.rises[keep],
                self.reversals[keep],
            )
            if self.move is not None:
                self.move = self.move[keep]

    def diagnose(
        self, runs: np.ndarray, final_loss: np.ndarray, relabel: str | np.ndarray
    ) -> np.ndarray:
        """'descending', 'oscillating' (or ``relabel``, one for all or one per row; "" keeps
        'oscillating') or 'stalled' for the rows ``runs``."""
        assert self.start_loss is not None
        start = self.start_loss[runs]
        reversals = (
            self.reversals[runs] / (self.size - 1) if self.size >= 2 else np.zeros(len(runs))
        )
        rises = self.rises[runs] / self.size if self.size else np.zeros(len(runs))
        fell = start - final_loss > 1e-12 * np.maximum(np.abs(start), 1.0)
        oscillating = (reversals > 0.5) | (rises > 0.3)
        relabel = np.where(np.asarray(relabel) == "", "oscillating", relabel)
        return np.where(oscillating, relabel, np.where(fell, "descending", "stalled"))


def _step(
    objective: Differentiable,
    optimizer: Optimizer,
    starts: Sequence[Sequence[float]] | np.ndarray,
    lrs: Sequence[float] | np.ndarray | float,
    *,
    steps: int,
    gtol: float,
    xtol: float,
    ftol: float,
    schedule: Callable[[int], float] | None,
    clip_norm: float | None,
    clip_value: float | None,
    noise: float,
    seed: int,
    view: View | None,
    batches: BatchGradients | None,
    record: bool,
    trace: bool = False,
) -> _Stepped:
    """The stepping loop shared by :func:`~gdviz.engine.run` and
    :func:`~gdviz.engine.final_states` (see ``run``).

    With ``record`` every step is kept; without it nothing but each run's end and the window
    counts of :class:`_Window` (memory O(runs), whatever the budget). With ``trace`` the
    :class:`_Tracer` keeps what each update received, kept and did.
    """
    if steps < 0 or int(steps) != steps:
        raise ValueError(f"steps must be a whole number ≥ 0, got {steps}")
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be at most {MAX_STEPS:,}, got {steps:,}")
    for name, value in (("gtol", gtol), ("xtol", xtol), ("ftol", ftol), ("noise", noise)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be ≥ 0 (0 turns it off), got {value}")
    for name, limit in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if limit is not None and not (np.isfinite(limit) and limit > 0):
            raise ValueError(f"{name} must be a positive number, got {limit}")
    steps = int(steps)
    start_points, rates = _grid_of_runs(starts, lrs)
    n_runs = len(rates)
    if record and (steps + 1) * n_runs > MAX_HISTORY:
        raise ValueError(
            f"{n_runs:,} runs × {steps:,} steps is too much to record: (steps + 1) × runs must "
            f"stay within {MAX_HISTORY:,}"
        )
    if n_runs > MAX_RUNS:
        raise ValueError(f"{n_runs:,} runs at once is too many: at most {MAX_RUNS:,}")
    if trace and steps * n_runs > MAX_TRACE:
        raise ValueError(
            f"{n_runs:,} runs × {steps:,} steps is too much to trace: steps × runs must stay "
            f"within {MAX_TRACE:,}"
        )
    # A schedule of the run (ReduceLROnPlateau) keeps each run's rate; the others, one factor
    # per update for every run, computed once.
    plateau = (
        schedule.plateau(rates) if isinstance(schedule, Schedule) and schedule.per_run else None
    )
    lr_factors = np.ones(steps) if plateau is not None else _schedule_factors(schedule, steps)
    in_force = np.empty((steps, n_runs)) if plateau is not None and record else None
    centre, escape = _escape_box(view, start_points)
    rng = np.random.default_rng(seed)
    # Runs on mini-batches take their gradient from ``step_gradient``; the others (every run
    # without batches; runs whose batches are the whole data set) take ∇f and every rule.
    exact_runs = np.ones(n_runs, dtype=bool) if batches is None else full_runs(batches, n_runs)
    # f and ∇f at every row of the points, once an update; the mini-batch runs' gradients.
    evaluate, step_gradient = start_passes(objective, batches, n_runs, exact_runs)
    any_exact = bool(exact_runs.any())  # xtol and ftol apply to some run
    mixed = step_gradient is not None and any_exact
    run_numbers = np.arange(n_runs)
    rule = np.full(n_runs, _MAX_STEPS, dtype=np.int8)
    nit = np.full(n_runs, steps)
    diverged_at = np.full(n_runs, -1)
    gtol_squared, xtol_squared = gtol * gtol, xtol * xtol
    low, high = centre - escape, centre + escape
    window = _Window(steps)

    with np.errstate(all="ignore"):
        point = start_points.copy()
        loss, gradient = evaluate(point)
        squared_norm = _dot(gradient, gradient)
        # Each run's end, written when it ends (and at the start, for runs that cannot start).
        ends = _Ends(point.copy(), np.array(loss, dtype=np.float64), squared_norm.copy())
        history = None
        if record:
            # Step-major (contiguous rows), transposed once at the end; norms kept squared.
            history = (
                np.empty((steps + 1, n_runs, 2)),
                np.empty((steps + 1, n_runs)),
                np.empty((steps + 1, n_runs)),
            )
            history[0][0], history[1][0], history[2][0] = point, loss, squared_norm
        growth_limit = LOSS_GROWTH_FACTOR * np.maximum(np.abs(loss), 1.0)

        # Runs that cannot start: outside the domain, or already at a stationary point.
        undefined = ~np.isfinite(loss + squared_norm)
        at_rest = ~undefined & (squared_norm < gtol_squared)
        rule[undefined], nit[undefined], diverged_at[undefined] = _UNDEFINED, 0, 0
        rule[at_rest], nit[at_rest] = _GTOL, 0
        keep = ~(undefined | at_rest)
        # Initialised over every run: per-run hyperparameters are one per run, started or not.
        state = optimizer.init(point)
        clipped = clip_norm is not None or clip_value is not None
        tracer = _Tracer(steps, n_runs, optimizer.torch_state(state), clipped) if trace else None
        if not keep.all():
            point, loss, gradient = point[keep], loss[keep], gradient[keep]
            squared_norm, growth_limit = squared_norm[keep], growth_limit[keep]
            state = type(state)(*(_take(part, keep) for part in state))
        active = run_numbers[keep]  # the run number of every row of the loop's arrays
        lr = rates[active]
        if window.first == 0:
            window.open(loss)
        # Runs that ended stay in the arrays (stepped along, never judged again) until enough
        # have ended to be worth the copying: ``live`` marks the rows still running.
        live = np.ones(len(point), dtype=bool)
        ended_rows = 0
        every = max(1, min(JUDGE_EVERY, JUDGED_ROWS // max(n_runs, 1)))
        # What ends a run, for the rows as they are (compacted with them).
        rules = _Rules(
            growth_limit, low, high, gtol_squared, xtol_squared, ftol, exact_runs[active], mixed
        )
        k = 0
        while k < steps and ended_rows < len(point):
            seen = _Seen(min(every, steps - k), point, loss, squared_norm)
            for j in range(1, seen.span + 1):
                k += 1
                if k % BUDGET_CHECK_EVERY == 0:
                    budget.check()  # a page's CPU budget, where one is in force (the app's)
                if step_gradient is not None:
                    sampled = step_gradient(point, k, active)
                    gradient = (
                        np.where(rules.exact[:, None], gradient, sampled) if mixed else sampled
                    )
                if noise > 0:
                    # Drawn for every run, so a run's noise does not depend on which others stopped.
                    gradient = gradient + noise * rng.standard_normal((n_runs, 2))[active]
                raw_gradient = gradient
                if clip_norm is not None or clip_value is not None:
                    gradient = _clip(gradient, clip_norm, clip_value)
                hessian = (
                    objective.hessian(point[:, 0], point[:, 1]) if optimizer.needs_hessian else None
                )
                if plateau is not None:
                    rate = plateau.lr[active]
                else:  # (× 1.0 without a schedule: the same numbers, a multiplication less)
                    rate = lr if schedule is None else lr * lr_factors[k - 1]
                if in_force is not None:
                    in_force[k - 1, active] = rate
                delta, state = optimizer.rule(gradient, state, point, rate, hessian=hessian)
                if tracer is not None:
                    tracer.add(
                        k, active, gradient, delta, rate, optimizer.torch_state(state), raw_gradient
                    )
                new_point = point + delta
                new_loss, gradient = evaluate(new_point)
                new_squared_norm = _dot(gradient, gradient)
                if history is not None:
                    # Every run's row while none has been dropped: a plain row write, not a scatter.
                    rows = slice(None) if len(active) == n_runs else active
                    history[0][k, rows], history[1][k, rows], history[2][k, rows] = (
                        new_point,
                        new_loss,
                        new_squared_norm,
                    )
                window.add(k, point, loss, new_point, new_loss)
                if plateau is not None:
                    plateau.step(active, new_loss)
                seen.add(j, new_point, new_loss, new_squared_norm, delta)
                point, loss, squared_norm = new_point, new_loss, new_squared_norm

            # The updates just taken, judged at once; details only for the runs that ended.
            first_step = k - seen.span + 1
            finished = rules.ended(seen, lr_factors[first_step - 1 : k])
            if ended_rows:
                finished &= live
            if np.count_nonzero(finished):  # (ndarray.any goes through Python: 4x slower)
                ended = np.flatnonzero(finished.any(axis=0))
                at = finished[:, ended].argmax(axis=0)  # each one's first ending update
                _settle(
                    active[ended], first_step + at, *seen.around(at, ended),
                    rules.growth_limit[ended], (low, high),
                    (gtol_squared, rules.step_rule(lr_factors[first_step - 1 + at], ended)),
                    ends, history, rule, nit, diverged_at,
                )  # fmt: skip
                live[ended] = False
                ended_rows += len(ended)
            if ended_rows > COMPACT_SHARE * len(point) and ended_rows < len(point):
                rows = (point, loss, squared_norm, gradient, lr, active)
                point, loss, squared_norm, gradient, lr, active = (part[live] for part in rows)
                state = type(state)(*(_take(part, live) for part in state))
                window.take(live)
                rules = rules.take(live)
                live, ended_rows = np.ones(len(point), dtype=bool), 0

        # The runs still going spent the budget: their ends are where they are.
        running = np.flatnonzero(live) if ended_rows else np.arange(len(point))
        ends.x[active[running]] = point[running]
        ends.fun[active[running]] = loss[running]
        ends.squared_norm[active[running]] = squared_norm[running]

    diagnosis = np.full(n_runs, "", dtype=f"<U{len('oscillating')}")
    if len(running):
        exact_relabel = "noise" if noise > 0 else ""
        relabel = (
            np.where(rules.exact[running], exact_relabel, "noisy")
            if mixed
            else ("noisy" if step_gradient is not None else exact_relabel)
        )
        diagnosis[active[running]] = window.diagnose(running, loss[running], relabel)
    return _Stepped(
        start_points, rates, rule, nit, diverged_at, ends.x, ends.fun, ends.squared_norm,
        diagnosis, lr_factors, steps, history, tracer, in_force,
    )  # fmt: skip


def _where_stopped(
    objective: Differentiable,
    ends: np.ndarray,
    converged: np.ndarray,
    view: View | None,
    starts: np.ndarray,
    minima: Sequence[KnownPoint],
    *,
    phrase: bool = True,
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Classify the end of every converged run (``stop``), say it in words with ``phrase``
    (``where``; empty strings without, for maps of thousands of runs), and give the index of
    the listed minimum each run reached (``known``, -1 for none)."""
    stop = np.full(len(ends), "", dtype=KIND_DTYPE)
    where = [""] * len(ends)
    known = np.full(len(ends), -1)
    if converged.any():
        centre, escape = _escape_box(view, starts)
        half = escape / VIEW_ESCAPE_FACTOR
        box = (
            (centre[0] - half[0], centre[0] + half[0]),
            (centre[1] - half[1], centre[1] + half[1]),
        )
        stops = classify(objective, ends[converged], Scale.of(objective, box), minima)
        stop[converged], known[converged] = stops.kind, stops.known
        if phrase:
            best = min(minima, key=lambda m: m.f, default=None)
            for j, i in enumerate(np.flatnonzero(converged)):
                where[i] = stop_phrase(
                    str(stops.kind[j]),
                    float(stops.f[j]),
                    float(stops.grad_norm[j]),
                    global_minimum=best,
                )
    return stop, tuple(where), known


def _take(part: Any, keep: np.ndarray) -> Any:
    """Drop finished runs from one field of an optimizer state (per-run arrays only)."""
    return part[keep] if isinstance(part, np.ndarray) and part.ndim else part


def _factors_by_run(in_force: np.ndarray, rates: np.ndarray, nit: np.ndarray) -> np.ndarray:
    """Each run's rate in force (step-major, (T, R)) as factors of its base rate, (R, T); after
    a run's end its last factor is held (the rows there were never written)."""
    factors = in_force.T / rates[:, None]
    steps = np.arange(factors.shape[1])
    last = np.where(nit > 0, factors[np.arange(len(nit)), np.maximum(nit - 1, 0)], 1.0)
    return np.where(steps[None, :] < nit[:, None], factors, last[:, None])


def _hold_last(paths: np.ndarray, losses: np.ndarray, norms: np.ndarray, nit: np.ndarray) -> None:
    """Fill every run's record after its last step with that step, so all arrays are finite."""
    steps = np.arange(paths.shape[1])
    after = steps[None, :] > nit[:, None]
    if after.any():
        rows = np.arange(len(nit))
        paths[after] = np.repeat(paths[rows, nit], (after).sum(axis=1), axis=0)
        losses[after] = np.repeat(losses[rows, nit], after.sum(axis=1))
        norms[after] = np.repeat(norms[rows, nit], after.sum(axis=1))
