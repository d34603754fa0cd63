"""Learning rates that really behave as slow, good and diverging — found by running them.

For plain gradient descent near a minimum x*, the error along the Hessian's eigenvector with
eigenvalue λ is multiplied by (1 − lr·λ) each step, so the run is stable only while
|1 − lr·λ_max| < 1, that is lr < 2/λ_max: the **stability bound**. Momentum and adaptive
methods have other bounds, and far from a minimum the local curvature differs, so
:func:`propose_rates` does not trust a formula: it sweeps a log-spaced grid of rates in one
engine call and reads the verdicts — including *where* each converged run stopped, so a rate
that parks the run on a saddle or a plateau is never called good.

:func:`plan_rates` is the one door every caller uses (the app's rates and race panels, the
command line without ``--lr``): the user's rates, else a surface's suggestion, else a sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gdviz.engine import Differentiable, FinalStates, RunResult, View, final_states, join_runs, run
from gdviz.optimizers import Optimizer
from gdviz.stationary import MINIMUM_KINDS, KnownPoint

__all__ = ["ProposedRates", "RatePlan", "Sweep", "plan_rates", "propose_rates", "stability_bound"]

SWEEP_DECADES = (-7.0, 3.0)
"""The sweep spans lr = 10^-7 … 10^3."""

SWEEP_POINTS = 61
"""Rates in the sweep: 6 per decade, neighbours a factor 1.47 apart."""

LONGEST_SWEEP = 20_000
"""When no rate reaches a minimum within the lesson's budget (not set by the user), the sweep
goes on with four times the steps, up to this many (the app's largest budget)."""

RACE_FIRST_STEPS = 500
"""A race's sweeps start with this budget and grow while no rate reaches a minimum."""

KEPT_ENTRIES = 1_600_000
"""(steps + 1) × runs a sweep records at most, over all its passes, to keep its runs: 32 bytes
an entry, about 51 MB (Rosenbrock's Adagrad lesson records 1.5 million). Passes beyond it run
without paths, and a page whose rates they chose runs them again. The app's pages take turns
(:mod:`gdviz.ui.turns`), so a server holds one such record at a time."""


def stability_bound(hessian: np.ndarray) -> float | None:
    """2/λ_max for a 2×2 Hessian, or ``None`` where λ_max ≤ 0 (no curvature to be unstable in)."""
    eigenvalues = np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64))
    largest = float(eigenvalues.max())
    if not np.isfinite(largest) or largest <= 0:
        return None
    return 2.0 / largest


@dataclass(frozen=True)
class Sweep:
    """The verdict of every swept rate (sorted); ``budgets[i]`` is the budget rate i last ran
    with, ``steps`` the largest (a run that diverged or converged ends the same with more)."""

    lrs: np.ndarray
    status: np.ndarray
    diagnosis: np.ndarray
    stop: np.ndarray
    nit: np.ndarray
    fun: np.ndarray
    budgets: np.ndarray
    steps: int

    @classmethod
    def of(cls, result: FinalStates | RunResult, steps: int) -> Sweep:
        stop = result.stop if result.stop is not None else np.full(len(result), "")
        return cls(
            result.lrs.copy(), result.status.copy(), result.diagnosis.copy(), stop.copy(),
            result.nit.copy(), result.fun.copy(), np.full(len(result), steps), steps,
        )  # fmt: skip

    def update(self, result: FinalStates | RunResult, steps: int) -> Sweep:
        """These verdicts with ``result``'s rates (re)run within ``steps`` merged in."""
        new = Sweep.of(result, steps)
        kept = ~np.isin(self.lrs, new.lrs)
        order = np.argsort(np.concatenate([self.lrs[kept], new.lrs]), kind="stable")

        def merge(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
            return np.concatenate([mine[kept], theirs])[order]

        return Sweep(
            merge(self.lrs, new.lrs), merge(self.status, new.status),
            merge(self.diagnosis, new.diagnosis), merge(self.stop, new.stop),
            merge(self.nit, new.nit), merge(self.fun, new.fun), merge(self.budgets, new.budgets),
            max(self.steps, steps),
        )  # fmt: skip

    @property
    def at_minimum(self) -> np.ndarray:
        return (self.status == "converged") & np.isin(self.stop, list(MINIMUM_KINDS))


@dataclass(frozen=True)
class ProposedRates:
    """Three rates and the verdicts the sweep saw for them (``None`` where no rate qualified).

    ``closest`` is the non-diverged rate that ended lowest, shown instead of a good rate when
    no rate reached a minimum (the page then says so); ``steps`` is the budget the verdicts
    hold for (it grows past the one asked for when ``longest`` allows, see :func:`propose_rates`).
    ``runs``, where asked for and the sweep made them, is the run of :meth:`as_list`'s rates
    within ``steps``, as :func:`~gdviz.engine.run` gives it.
    """

    slow: float | None
    good: float | None
    diverging: float | None
    sweep: Sweep
    closest: float | None = None
    runs: RunResult | None = None

    @property
    def steps(self) -> int:
        return self.sweep.steps

    def as_list(self) -> list[float]:
        """The rates found, in the order slow, good (else the closest), diverging."""
        middle = self.good if self.good is not None else self.closest
        return [rate for rate in (self.slow, middle, self.diverging) if rate is not None]


def propose_rates(
    objective: Differentiable,
    optimizer: Optimizer,
    start: tuple[float, float],
    *,
    steps: int = 500,
    longest: int | None = None,
    view: View | None = None,
    minima: Sequence[KnownPoint] = (),
    keep_runs: bool = False,
    find_slow: bool = True,
    **run_options: Any,
) -> ProposedRates:
    """Sweep rates from ``start`` and pick a slow, a good and a diverging one.

    * good: among runs that converged *at a minimum* — at the global one if any rate got
      there (``minima`` as the engine takes them) — the one in the fewest steps (ties: the
      smaller rate). A run that stopped on a saddle, a flat region, a maximum or a slope is
      never good; if no run qualifies, ``good`` is ``None`` and ``closest`` is the
      non-diverged rate that ended with the lowest f;
    * diverging: the smallest diverging rate above good (or closest);
    * slow: the largest rate at most good/3 that did not finish within the budget while still
      descending.

    With ``longest`` and known ``minima``, while no rate reaches a minimum the budget grows
    fourfold (up to ``longest``), re-running only the few rates still going that got lowest (a
    diverged or converged run ends the same way with any longer budget) and, once, 10 rates
    between the neighbours of the lowest one (the good rate of a curved valley sits just under
    the stability edge, between two grid points) — as long as each longer budget at least
    quarters how far the best of them ends above the lowest known minimum (a run bouncing on a
    kink, or AdamW held off the minimum by its weight decay, gets no closer). Where no minimum is known
    (a saddle, or a typed function without one in view) the budget stays.

    With ``keep_runs`` the sweep records its runs' paths (a pass costs 15–30 % more) and the result's
    ``runs`` holds the chosen rates' runs where each is the run the final budget makes (see
    :func:`~gdviz.engine.join_runs`): a page need not run its three rates again (a third of
    Rosenbrock's Adagrad lesson). Not with noise, mini-batches or a schedule of the run.
    Without ``find_slow`` (a race needs the good rate only) the slow rate is not looked for
    again at a longer budget: ``slow`` is then the largest found at it, if any.
    """
    sweep_of = _Passes(
        objective, optimizer, start, view, minima, keep_runs and _stepped_alone(run_options),
        run_options,
    )  # fmt: skip
    grid = np.logspace(*SWEEP_DECADES, SWEEP_POINTS)
    sweep = Sweep.of(sweep_of(grid, steps), steps)
    budget = steps
    refined = False
    lowest = min((m.f for m in minima), default=0.0)
    while longest is not None and minima and budget < longest and not sweep.at_minimum.any():
        going = np.union1d(_worth_more_steps(sweep), _slow_candidates(sweep))
        if not refined:
            going = np.union1d(going, _between(sweep))
            refined = True
        if len(going) == 0:
            break
        gap = _gap(sweep, lowest)
        budget = min(4 * budget, longest)
        sweep = sweep.update(sweep_of(going, budget), budget)
        if _gap(sweep, lowest) > 0.25 * gap:
            break  # four times the steps did not quarter the distance to the minimum's f
    if budget > steps and find_slow:
        # The slow rate must still be going after the longer budget too: re-run the candidates,
        # those above a slow rate already found at that budget (the largest is chosen, so a
        # smaller one cannot be: a typed Rosenbrock's second 20,000-step pass, 1.3 s of 4).
        proposal = _pick(sweep)
        if proposal.good is not None:
            stale = (sweep.status == "max_steps") & (sweep.budgets < budget)
            stale &= sweep.lrs <= proposal.good / 3
            if proposal.slow is not None:
                stale &= sweep.lrs > proposal.slow
            candidates = sweep.lrs[stale][-3:]
            if len(candidates):
                sweep = sweep.update(sweep_of(candidates, budget), budget)
    proposal = _pick(sweep)
    return replace(proposal, runs=sweep_of.runs_of(proposal.as_list(), sweep.steps))


@dataclass
class _Passes:
    """The engine calls of one sweep. With ``keep`` each pass records its runs (within
    KEPT_ENTRIES in all), so that :meth:`runs_of` can give the chosen rates' runs."""

    objective: Differentiable
    optimizer: Optimizer
    start: tuple[float, float]
    view: View | None
    minima: Sequence[KnownPoint]
    keep: bool
    run_options: dict[str, Any]
    # Each rate's last pass and its row there (a row is made a result of its own only if chosen).
    kept: dict[float, tuple[RunResult, int]] = field(default_factory=dict)
    recorded: int = 0  # entries recorded so far

    def __call__(self, rates: np.ndarray, budget: int) -> FinalStates | RunResult:
        """``rates`` from the start within ``budget``: their verdicts (and runs, if kept)."""
        call = (self.objective, self.optimizer, [self.start], rates)
        options = {"steps": budget, "view": self.view, "minima": self.minima, **self.run_options}
        entries = (budget + 1) * len(rates)
        if not self.keep or self.recorded + entries > KEPT_ENTRIES:
            for rate in rates:
                self.kept.pop(float(rate), None)  # an earlier pass's run of it is not this one
            return final_states(*call, **options)
        made = run(*call, **options)
        self.recorded += entries
        self.kept.update((float(rate), (made, i)) for i, rate in enumerate(made.lrs))
        return made

    def runs_of(self, rates: list[float], steps: int) -> RunResult | None:
        """The run of ``rates`` within ``steps`` from the kept runs, where each is that run."""
        parts = [made.part(i) for made, i in (self.kept[r] for r in rates if r in self.kept)]
        if not rates or len(parts) < len(rates) or not all(p.holds_for(steps) for p in parts):
            return None
        return join_runs(parts, steps=steps, schedule=self.run_options.get("schedule"))


def _stepped_alone(run_options: dict[str, Any]) -> bool:
    """Whether each run of a call with these options is stepped as it would be alone: not with
    noise (a run's draws depend on how many runs share the call), mini-batches or a schedule of
    the run (its factors are per run)."""
    per_run_schedule = getattr(run_options.get("schedule"), "per_run", False)
    return (
        not run_options.get("noise") and run_options.get("batches") is None and not per_run_schedule
    )


ESCALATED_RATES = 6
"""How many still-going rates (those that got lowest) a longer sweep re-runs."""


def _worth_more_steps(sweep: Sweep) -> np.ndarray:
    """The ESCALATED_RATES rates still going when the budget ran out that got lowest."""
    going = np.flatnonzero(sweep.status == "max_steps")
    lowest = going[np.argsort(sweep.fun[going], kind="stable")][:ESCALATED_RATES]
    return sweep.lrs[np.sort(lowest)]


def _slow_candidates(sweep: Sweep) -> np.ndarray:
    """The 3 largest rates still going at most a third of the one that got lowest: re-run with
    each longer budget so the slow rate's verdict holds for the final one (the good rate is
    usually the one that got lowest, or a neighbour)."""
    going = np.flatnonzero(sweep.status == "max_steps")
    if len(going) == 0:
        return np.array([])
    best = sweep.lrs[going[np.argmin(sweep.fun[going])]]
    return sweep.lrs[going][sweep.lrs[going] <= best / 3][-3:]


def _gap(sweep: Sweep, lowest: float) -> float:
    """How far above the lowest known minimum the best run still going ended."""
    going = sweep.status == "max_steps"
    return float(sweep.fun[going].min() - lowest) if going.any() else 0.0


def _between(sweep: Sweep) -> np.ndarray:
    """10 rates between the neighbours of the still-going rate that got lowest: the good rate of
    a curved valley sits just under the stability edge, between two grid points."""
    going = np.flatnonzero(sweep.status == "max_steps")
    if len(going) == 0:
        return np.array([])
    best = int(going[np.argmin(sweep.fun[going])])
    low, high = sweep.lrs[max(best - 1, 0)], sweep.lrs[min(best + 1, len(sweep.lrs) - 1)]
    between = np.geomspace(low, high, 12)[1:-1]
    return between[~np.isin(between, sweep.lrs)]


def _pick(sweep: Sweep) -> ProposedRates:
    """Slow, good and diverging from a sweep's verdicts (see :func:`propose_rates`)."""
    rates = sweep.lrs
    at_minimum = sweep.at_minimum
    at_global = at_minimum & (sweep.stop == "global minimum")
    diverged = sweep.status == "diverged"

    good_index: int | None = None
    candidates = np.flatnonzero(at_global if at_global.any() else at_minimum)
    if len(candidates):
        good_index = int(candidates[np.argmin(sweep.nit[candidates])])
    closest_index: int | None = None
    if good_index is None and (~diverged).any():
        survivors = np.flatnonzero(~diverged)
        closest_index = int(survivors[np.argmin(sweep.fun[survivors])])

    middle = good_index if good_index is not None else closest_index
    above = np.flatnonzero(diverged & (np.arange(len(rates)) > (-1 if middle is None else middle)))
    diverging = float(rates[above[0]]) if len(above) else None

    good = float(rates[good_index]) if good_index is not None else None
    slow = None
    if good is not None:
        too_slow = (
            (sweep.status == "max_steps")
            & (sweep.diagnosis == "descending")
            & (rates <= good / 3)
            & (sweep.budgets == sweep.steps)
        )
        if too_slow.any():
            slow = float(rates[np.flatnonzero(too_slow)[-1]])
    return ProposedRates(
        slow=slow,
        good=good,
        diverging=diverging,
        sweep=sweep,
        closest=None if closest_index is None else float(rates[closest_index]),
    )


@dataclass(frozen=True)
class RatePlan:
    """The rates a run uses, where they came from, its step budget, and a note for the page."""

    rates: tuple[float, ...]
    source: str  # "yours", "the surface's suggestion", "proposed by a sweep"
    steps: int
    note: str = ""
    proposal: ProposedRates | None = None
    runs: RunResult | None = None  # the run of ``rates`` within ``steps``, where the sweep made it

    @property
    def good_rate(self) -> float:
        """The one rate to show when only one is shown (a race panel, a basin map): the sweep's
        good rate (else the one that ended lowest), or the middle of the user's or surface's."""
        if self.proposal is not None:
            proposal = self.proposal
            good = proposal.good if proposal.good is not None else proposal.closest
            if good is not None:
                return good
        return self.rates[len(self.rates) // 2]


def plan_rates(
    objective: Differentiable,
    optimizer: Optimizer,
    start: tuple[float, float],
    *,
    given: Sequence[float] = (),
    suggested: Sequence[float] = (),
    steps: int,
    steps_fixed: bool = False,
    good_only: bool = False,
    keep_runs: bool = False,
    minima: Sequence[KnownPoint] = (),
    **run_options: Any,
) -> RatePlan:
    """The user's rates (``given``), else ``suggested`` (a surface's own, for plain GD from its
    start), else :func:`propose_rates`, whose budget may grow while no rate reaches a minimum:
    up to ``steps`` when the budget is the user's (``steps_fixed``), else up to LONGEST_SWEEP.
    The plan's ``steps`` is the budget its verdicts hold for. ``good_only`` (a race panel needs
    its good rate only) starts the sweep at RACE_FIRST_STEPS and grows it from there: the
    first budget within which a rate reaches a minimum already holds the fastest one.
    ``keep_runs``: the plan's ``runs`` holds the run of its rates where the sweep made it
    (see :func:`propose_rates`), else ``None``."""
    if given:
        return RatePlan(tuple(given), "yours", steps)
    if suggested:
        return RatePlan(tuple(suggested), "the surface's suggestion", steps)
    proposal = propose_rates(
        objective,
        optimizer,
        start,
        steps=min(steps, RACE_FIRST_STEPS) if good_only else steps,
        longest=steps if steps_fixed else max(steps, LONGEST_SWEEP),
        minima=minima,
        keep_runs=keep_runs,
        find_slow=not good_only,
        **run_options,
    )
    rates = tuple(proposal.as_list())
    note = ""
    if proposal.good is None:
        note = (
            f"No rate of the sweep (1e-7 to 1e3, {proposal.steps:,} steps) reached a minimum from "
            "this start, so none is called good: showing instead the rate that ended lowest."
        )
    elif len(rates) < 3 and not good_only:
        note = "No rate in the sweep behaved as too slow, good and diverging all three; showing those found."
    if not rates:
        rates = (1e-3,)
        note = "Every rate of the sweep diverged from this start; showing lr = 0.001."
    budget = max(steps, proposal.steps)
    runs = proposal.runs if budget == proposal.steps else None
    return RatePlan(rates, "proposed by a sweep", budget, note, proposal, runs)
