"""A lesson: everything the app shows for one set of settings, computed without Streamlit.

``Settings`` is the frozen record the sidebar returns; :func:`build_lesson` turns it into the
objective, the runs and what the page says about them. Keeping this apart from the UI means
the app's behaviour is testable (and usable) without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gdviz.engine import RunResult, View, run
from gdviz.expression import Objective, parse_function
from gdviz.figures import Landscape
from gdviz.optimizers import make_optimizer
from gdviz.rates import propose_rates, stability_bound
from gdviz.schedules import parse_schedule
from gdviz.surfaces import Point, get_surface

__all__ = ["DEFAULT_SURFACE", "DEFAULT_VIEW", "Lesson", "Settings", "StabilityNote", "build_lesson"]

DEFAULT_SURFACE = "ravine"
"""The lesson that opens with no input: a ravine shows slow, good and diverging at a glance."""

DEFAULT_VIEW: View = ((-3.0, 3.0), (-3.0, 3.0))
"""The window for a typed function (its start is kept inside it)."""

DEFAULT_STEPS = 500


@dataclass(frozen=True)
class Settings:
    """What the sidebar decided. ``function`` (typed text) wins over ``surface`` when set."""

    surface: str = DEFAULT_SURFACE
    function: str | None = None
    start: tuple[float, float] | None = None  # None: the surface's suggested start
    optimizer: str = "gd"
    hyperparameters: tuple[tuple[str, Any], ...] = ()
    rates: tuple[float, ...] = ()  # empty: the surface's or the proposed slow/good/diverging
    steps: int | None = None  # None: the surface's budget
    mode: str = "rates"  # "rates": one panel per rate; "race": one panel per optimizer
    race: tuple[str, ...] = ("gd", "momentum", "rmsprop", "adam")
    schedule: str | None = None
    clip_norm: float | None = None
    clip_value: float | None = None
    noise: float = 0.0
    seed: int = 0
    gtol: float = 1e-6
    xtol: float = 1e-12
    ftol: float = 0.0


@dataclass(frozen=True)
class StabilityNote:
    """The stability bound 2/λ_max of plain GD near the minimum the lesson heads for."""

    bound: float | None
    largest_eigenvalue: float
    smallest_eigenvalue: float
    point: tuple[float, float]
    where: str  # "the minimum (1, 1)", "the start", …


@dataclass(frozen=True)
class Lesson:
    """What the page shows: a landscape, the runs, their labels and the notes beside them."""

    settings: Settings
    title: str
    teaches: str
    objective: Objective
    landscape: Landscape
    start: tuple[float, float]
    rates: tuple[float, ...]
    rates_source: str  # "yours", "the surface's suggestion", "proposed by a sweep"
    steps: int
    results: tuple[RunResult, ...]
    labels: tuple[str, ...]
    stability: StabilityNote | None
    f_min: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _typed_view(start: tuple[float, float] | None) -> View:
    if start is None:
        return DEFAULT_VIEW
    half = max(3.0, 1.25 * max(abs(start[0]), abs(start[1])))
    return ((-half, half), (-half, half))


def _stability(
    objective: Objective,
    minima: tuple[Point, ...],
    heading_for: np.ndarray,
    start: tuple[float, float],
) -> StabilityNote | None:
    """Curvature at the listed minimum nearest to where the good run ended (else that end point)."""
    if minima:
        nearest = min(minima, key=lambda m: np.hypot(m.x - heading_for[0], m.y - heading_for[1]))
        point, where = (
            (nearest.x, nearest.y),
            f"the {nearest.kind} minimum ({nearest.x:.4g}, {nearest.y:.4g})",
        )
    else:
        point, where = (
            (float(heading_for[0]), float(heading_for[1])),
            f"({heading_for[0]:.4g}, {heading_for[1]:.4g})",
        )
        if np.allclose(point, start):
            where = "the start"
    hessian = objective.hessian(*point)
    if not np.isfinite(hessian).all():
        return None
    eigenvalues = np.linalg.eigvalsh(hessian)
    return StabilityNote(
        stability_bound(hessian), float(eigenvalues[-1]), float(eigenvalues[0]), point, where
    )


def build_lesson(settings: Settings) -> Lesson:
    """Compute everything for the page. Raises ValueError (with a readable message) on bad settings."""
    notes: list[str] = []
    if settings.function:
        objective = parse_function(settings.function)
        view = _typed_view(settings.start)
        minima: tuple[Point, ...] = ()
        saddles: tuple[Point, ...] = ()
        title, teaches = f"f(x, y) = {settings.function}", ""
        suggested_start, suggested_rates, budget = (1.5, 1.5), (), DEFAULT_STEPS
    else:
        surface = get_surface(settings.surface)
        objective, view = surface.objective, surface.view
        minima, saddles = surface.minima, surface.saddles
        title, teaches = surface.name, surface.teaches
        suggested_start, budget = surface.starts[0], surface.steps
        suggested_rates = surface.rates.as_tuple() if settings.optimizer == "gd" else ()
    start = settings.start or suggested_start
    steps = settings.steps or budget
    hyperparameters = dict(settings.hyperparameters)
    optimizer = make_optimizer(settings.optimizer, **hyperparameters)
    options: dict[str, Any] = {
        "steps": steps,
        "gtol": settings.gtol,
        "xtol": settings.xtol,
        "ftol": settings.ftol,
        "schedule": parse_schedule(settings.schedule) if settings.schedule else None,
        "clip_norm": settings.clip_norm,
        "clip_value": settings.clip_value,
        "noise": settings.noise,
        "seed": settings.seed,
        "view": view,
    }
    if settings.rates:
        rates, source = settings.rates, "yours"
    elif suggested_rates and settings.start is None and settings.steps is None:
        rates, source = suggested_rates, "the surface's suggestion"
    else:
        proposal = propose_rates(objective, optimizer, start, **options)
        rates, source = tuple(proposal.as_list()), "proposed by a sweep"
        if len(rates) < 3:
            notes.append(
                "No rate in the sweep behaved as too slow, good and diverging all three; showing those found."
            )
        if not rates:
            rates = (1e-3,)

    if settings.mode == "race":
        racers = settings.race or ("gd",)
        rate = rates[len(rates) // 2] if len(rates) > 1 else rates[0]
        rates = (rate,)  # every racer runs at this one rate
        results = tuple(
            run(
                objective,
                make_optimizer(name, **(hyperparameters if name == settings.optimizer else {})),
                [start],
                [rate],
                **options,
            )
            for name in racers
        )
        labels = tuple(racers)  # the shared rate is in the caption; panels stay narrow
    else:
        results = (run(objective, optimizer, [start], list(rates), **options),)
        labels = ()

    good = results[0].run(len(results[0]) // 2 if settings.mode != "race" else 0)
    stability = _stability(objective, minima, np.asarray(good.x), start)
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
