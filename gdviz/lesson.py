"""A lesson: everything the app shows for one set of settings, computed without Streamlit.

``Settings`` is the frozen record the sidebar returns; :func:`build_lesson` turns it into the
objective, the runs and what the page says about them. Keeping this apart from the UI means
the app's behaviour is testable (and usable) without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from gdviz.budget import PAGE_CPU_SECONDS
from gdviz.data_lesson import build_data_lesson
from gdviz.engine import Differentiable, RunResult, View, run
from gdviz.expression import Objective, parse_function
from gdviz.figures import Landscape
from gdviz.lesson_records import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_DATASET,
    DEFAULT_STEPS,
    DEFAULT_SURFACE,
    DEFAULT_VIEW,
    MAX_DATA_BUDGET,
    TYPED_START,
    DataNote,
    Lesson,
    Settings,
    StabilityNote,
    data_budget,
    engine_options,
    stability_note,
    view_holding_runs,
)
from gdviz.optimizers import make_optimizer
from gdviz.rates import RatePlan, plan_rates
from gdviz.stationary import find_minima
from gdviz.surfaces import Point, get_surface

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_DATASET",
    "DEFAULT_SURFACE",
    "DEFAULT_VIEW",
    "TYPED_START",
    "DataNote",
    "Lesson",
    "Settings",
    "StabilityNote",
    "build_lesson",
    "data_budget",
    "engine_options",
    "typed_minima",
    "typed_view",
]


def typed_view(start: tuple[float, float] | None) -> View:
    """A typed function's window: ±3, widened to keep the start inside."""
    if start is None:
        return DEFAULT_VIEW
    half = max(3.0, 1.25 * max(abs(start[0]), abs(start[1])))
    return ((-half, half), (-half, half))


def typed_minima(objective: Objective, view: View) -> tuple[Point, ...]:
    """A typed function's minima in its view, found numerically (★ global, ◆ local)."""
    return tuple(Point(m.x, m.y, m.f, m.kind) for m in find_minima(objective, view))


def build_lesson(settings: Settings) -> Lesson:
    """Compute everything for the page. Raises ValueError (with a readable message) on bad settings."""
    if settings.dataset is not None:
        return build_data_lesson(settings)
    notes: list[str] = []
    if settings.function:
        objective = parse_function(settings.function)
        view = typed_view(settings.start)
        minima: tuple[Point, ...] = ()  # found below, on the view in force
        saddles: tuple[Point, ...] = ()
        title, teaches = f"f(x, y) = {settings.function}", ""
        suggested_rates: tuple[float, ...] = ()
        suggested_start, budget = TYPED_START, DEFAULT_STEPS
    else:
        surface = get_surface(settings.surface)
        objective, view = surface.objective, surface.view
        minima, saddles = surface.minima, surface.saddles
        title, teaches = surface.name, surface.teaches
        suggested_start, budget = surface.starts[0], surface.steps
        suggested_rates = surface.rates.as_tuple() if settings.optimizer == "gd" else ()
    view = (settings.xlim or view[0], settings.ylim or view[1])
    if settings.function:
        minima = typed_minima(objective, view)
    start = settings.start or suggested_start
    steps = settings.steps or budget
    hyperparameters = dict(settings.hyperparameters)
    optimizer = make_optimizer(settings.optimizer, **hyperparameters)
    options = {**engine_options(settings, steps, view), "minima": minima}
    plan_options = {
        **options,
        "steps_fixed": settings.steps is not None,
        # A surface's own rates are plain GD's from its first start, within its budget.
        "suggested": suggested_rates if settings.start is None and settings.steps is None else (),
    }

    good_index = 0  # the run whose end the stability note is about: the good one
    if settings.mode == "race" and not settings.shared_rate and len(settings.rates) != 1:
        racers, results, steps = _race(settings, objective, start, plan_options)
        rates = tuple(racer.plan.good_rate for racer in racers)
        source = _race_source([racer.plan for racer in racers])
        labels = tuple(racer.label for racer in racers)
        notes.extend(f"{racer.label}: {racer.plan.note}" for racer in racers if racer.plan.note)
    else:
        # A page of three rates shows the sweep's own runs of them (not traced: a trace is
        # its run's own); a race at one shared rate runs each racer at it.
        keep_runs = settings.mode != "race" and not settings.trace
        plan = plan_rates(
            objective, optimizer, start, given=settings.rates, keep_runs=keep_runs, **plan_options
        )
        rates, source, steps = plan.rates, plan.source, plan.steps
        options["steps"] = steps
        if plan.note:
            notes.append(plan.note)
        if settings.mode == "race":
            names = settings.race or ("gd",)
            rate = plan.good_rate
            rates = (rate,)  # every racer runs at this one rate
            results = tuple(
                run(
                    objective,
                    make_optimizer(name, **(hyperparameters if name == settings.optimizer else {})),
                    [start],
                    [rate],
                    **options,
                    trace=settings.trace,
                )
                for name in names
            )
            labels = tuple(names)  # the shared rate is in the caption; panels stay narrow
        else:
            made = plan.runs
            if made is None:
                made = run(
                    objective, optimizer, [start], list(rates), **options, trace=settings.trace
                )
            results = (made,)
            labels = ()
            good_index = rates.index(plan.good_rate) if plan.good_rate in rates else good_index

    if settings.function and not (settings.xlim or settings.ylim):
        view = view_holding_runs(view, results)
    good = results[0].run(good_index)
    stability = stability_note(objective, minima, np.asarray(good.x), start)
    global_minimum = min(minima, key=lambda m: m.f, default=None)
    return Lesson(
        settings=settings,
        title=title,
        teaches=teaches,
        objective=objective,
        landscape=Landscape(objective, view, minima, saddles, title),
        start=start,
        rates=tuple(rates),
        rates_source=source,
        steps=steps,
        results=results,
        labels=labels,
        stability=stability,
        f_min=global_minimum.f if global_minimum else None,
        notes=tuple(notes),
    )


MOMENTUM_CHOICES = (0.9, 0.7, 0.5)
"""A racer with momentum whose β the teacher did not set races with the one of these that
reaches a minimum in the fewest steps at its own good rate: on the ravine (κ = 25) torch's
β = 0.9 cannot beat plain descent (its error shrinks by at most √β ≈ 0.95 a step), β = 0.5 can."""


@dataclass(frozen=True)
class _Racer:
    """One racer of a race: its optimizer's name, hyperparameters, label and rate plan."""

    name: str
    hyperparameters: dict[str, Any]
    label: str
    plan: RatePlan


def _race(
    settings: Settings,
    objective: Differentiable,
    start: tuple[float, float],
    plan_options: dict[str, Any],
) -> tuple[tuple[_Racer, ...], tuple[RunResult, ...], int]:
    """Each racer at its own rate: the ``i``-th of the user's rates, else the surface's good
    rate for plain GD, else a sweep's good rate; racers with momentum the teacher did not set
    get the β of MOMENTUM_CHOICES that is fastest. One common budget (the longest plan's)."""
    run_kwargs = {
        key: value for key, value in plan_options.items() if key not in ("steps_fixed", "suggested")
    }
    runs: dict[tuple[Any, ...], RunResult] = {}

    def race_run(
        name: str, hyper: dict[str, Any], rate: float, steps: int, trace: bool = False
    ) -> RunResult:
        """One racer's run, made once: a rate that a run timed races with that same run when
        the budget is the race's (plain GD at the Rosenbrock's own rate ran 16,112 updates
        twice)."""
        key = (name, tuple(sorted(hyper.items())), rate, steps, trace)
        if key not in runs:
            runs[key] = run(
                objective, make_optimizer(name, **hyper), [start], [rate],
                **{**run_kwargs, "steps": steps}, trace=trace,
            )  # fmt: skip
        return runs[key]

    racers = []
    for i, name in enumerate(settings.race or ("gd",)):
        options = {
            **plan_options,
            "given": settings.rates[i : i + 1],
            "good_only": True,
            "suggested": plan_options["suggested"][1:2] if name == "gd" else (),
        }
        choices: list[dict[str, Any]] = [{}]
        if name == settings.optimizer:
            choices = [dict(settings.hyperparameters)]
        elif name in ("momentum", "nesterov"):
            choices = [{"momentum": beta} for beta in MOMENTUM_CHOICES]
        best: tuple[float, dict[str, Any], RatePlan] | None = None
        for hyper in choices:
            optimizer = make_optimizer(name, **hyper)
            if best is not None and best[0] < math.inf:
                # Only a faster β matters: no longer budget than the fastest so far.
                options = {**options, "steps": int(best[0]), "steps_fixed": True}
            plan = plan_rates(objective, optimizer, start, **options)
            timed = partial(race_run, name, hyper, plan.good_rate, plan.steps)
            fastest = _steps_to_minimum(plan, timed)
            if best is None or fastest < best[0]:
                best = (fastest, hyper, plan)
        assert best is not None
        _, hyper, plan = best
        label = f"{name} (β = {hyper['momentum']:g})" if len(choices) > 1 else name
        racers.append(_Racer(name, hyper, label, plan))
    steps = max(racer.plan.steps for racer in racers)
    results = tuple(
        race_run(racer.name, racer.hyperparameters, racer.plan.good_rate, steps, settings.trace)
        for racer in racers
    )
    return tuple(racers), results, steps


def _steps_to_minimum(plan: RatePlan, timed: Callable[[], RunResult]) -> float:
    """Steps the plan's good rate takes to a minimum (inf if it does not get there): the
    sweep's count, or where the rate is not a sweep's, that of the run ``timed`` gives."""
    proposal = plan.proposal
    if proposal is not None and proposal.good is not None:
        i = int(np.flatnonzero(proposal.sweep.lrs == proposal.good)[0])
        return float(proposal.sweep.nit[i])
    if proposal is not None:
        return math.inf
    trial = timed()
    return float(trial.nit[0]) if trial.success[0] else math.inf


def _race_source(plans: list[RatePlan]) -> str:
    """Where the racers' rates came from, in a few words for the caption."""
    sources = sorted({plan.source for plan in plans})
    if sources == ["proposed by a sweep"]:
        return "each racer's good rate, proposed by a sweep"
    return "each racer's own: " + ", ".join(sources)


def cpu_seconds_allowed(settings: Settings) -> float | None:
    """The server CPU time the app lets these settings take (:mod:`gdviz.budget`):
    :data:`~gdviz.budget.PAGE_CPU_SECONDS` when the user asked for more updates than the
    lesson's own budget (``steps`` above :func:`own_steps`, or an ``epochs`` budget); no limit
    for a lesson at its own sizes.

    Those are the library's lessons, a known set that ``benchmarks/bench_budget.py`` measures
    (the longest, Rosenbrock's 18,000 steps with an adaptive optimizer, take seconds) and the
    app computes once per server for everyone, and typed functions at the 500 steps they start
    with. A tighter limit for them would refuse a lesson on a busy server that a quiet one
    draws: a thread's CPU time grows when the other core is busy."""
    return PAGE_CPU_SECONDS if raised_sizes(settings) else None


def own_steps(settings: Settings) -> int:
    """The lesson's own step budget: its surface's, a typed function's first 500, or the
    largest a data lesson's default grows to."""
    if settings.dataset is not None:
        return MAX_DATA_BUDGET
    if settings.function:
        return DEFAULT_STEPS
    return get_surface(settings.surface).steps


def raised_sizes(settings: Settings) -> str:
    """What the user asked for beyond the lesson's own sizes, in a sentence said beside a
    refusal; empty if nothing (then :func:`cpu_seconds_allowed` sets no limit)."""
    if settings.epochs is not None:
        return f"Asked for: {settings.epochs:g} epochs for each variant."
    own = own_steps(settings)
    if settings.steps is not None and settings.steps > own:
        return (
            f"Asked for: {settings.steps:,} steps; this lesson's own budget, {own:,} steps, "
            "always runs."
        )
    return ""
