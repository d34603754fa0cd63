"""What a lesson is: the :class:`Settings` the sidebar returns, the :class:`Lesson` built from
them, and the parts both builders share — :func:`gdviz.lesson.build_lesson` for a function,
:func:`gdviz.data_lesson.build_data_lesson` for a model's loss over data. Apart from both so that
each imports them without the other (``gdviz.lesson`` re-exports them, its public names as before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gdviz.datasets import Dataset
from gdviz.engine import Differentiable, RunResult, View
from gdviz.figures import Landscape
from gdviz.rates import stability_bound
from gdviz.schedules import parse_schedule
from gdviz.surfaces import Point

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_DATASET",
    "DEFAULT_DATA_STEPS",
    "DEFAULT_STEPS",
    "DEFAULT_SURFACE",
    "DEFAULT_VIEW",
    "MAX_DATA_BUDGET",
    "TYPED_START",
    "DataNote",
    "Lesson",
    "Settings",
    "StabilityNote",
    "data_budget",
    "engine_options",
    "stability_note",
    "view_holding_runs",
]

DEFAULT_SURFACE = "ravine"
"""The lesson that opens with no input: a ravine shows slow, good and diverging at a glance."""

DEFAULT_VIEW: View = ((-3.0, 3.0), (-3.0, 3.0))
"""The window for a typed function (its start is kept inside it)."""

DEFAULT_STEPS = 500

TYPED_START = (1.5, 1.5)
"""Where a typed function's runs start unless told (the app's and the command line's)."""

DEFAULT_DATASET = "noisy_line"
"""The data set a data lesson opens with: noisy, so SGD visibly bounces while batch settles."""

DEFAULT_DATA_STEPS = 1000
"""A data lesson's budget: five epochs of SGD over the 200 examples of a built-in data set."""

MAX_DATA_BUDGET = 5000
"""Most updates a data lesson's default budget grows to, so batch descent can converge."""

DEFAULT_BATCH_SIZE = 32
"""The mini-batch size of the middle panel of a data lesson (the seed documents' "typically 32")."""


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
    shared_rate: bool = False  # race: every racer at one rate (else each at its own good rate)
    schedule: str | None = None
    clip_norm: float | None = None
    clip_value: float | None = None
    noise: float = 0.0
    seed: int = 0
    gtol: float = 1e-6
    xtol: float = 1e-12
    ftol: float = 0.0
    # A data lesson (``dataset`` set): batch | mini-batch | stochastic at one rate.
    dataset: Dataset | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    scale: bool = False
    l1: float = 0.0
    l2: float = 0.0
    epochs: float | None = None  # a budget in passes over the data, the same for each variant
    # The view of a function lesson, axis by axis (None: the surface's, or one holding the runs).
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    # Trace the runs on the panels (engine.Trace): the Data tab's JSON with the trace asks for it.
    trace: bool = False


@dataclass(frozen=True)
class DataNote:
    """What a data lesson adds: the model, the same model on the other version of the features
    (raw ↔ standardized), and the batch size of each panel."""

    model: Any  # gdviz.regression's LinearRegression or LogisticRegression
    other: Any  # the same model with the features scaled the other way
    batch_sizes: tuple[int, ...]

    @property
    def minimum(self) -> tuple[float, float] | None:
        return self.model.minimum

    @property
    def condition_raw(self) -> float:
        """κ of the Hessian with the raw features."""
        raw = self.other if self.model.dataset.scaled else self.model
        return raw.condition_number()

    @property
    def condition_scaled(self) -> float:
        """κ of the Hessian with standardized features."""
        scaled = self.model if self.model.dataset.scaled else self.other
        return scaled.condition_number()


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
    objective: Differentiable  # an Objective for a function lesson, a model for a data lesson
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
    data: DataNote | None = None


def view_holding_runs(view: View, results: tuple[RunResult, ...]) -> View:
    """A default view (a typed function's, a data lesson's) widened by 10% of the span on each
    side, the same on both axes so circles stay round, until it holds every run that did not
    diverge."""
    finite = [
        r.path for result in results for r in result if r.status != "diverged" and r.path.size
    ]
    if not finite:
        return view
    points = np.concatenate(finite)
    points = points[np.isfinite(points).all(axis=1)]
    low = np.minimum(points.min(axis=0), [view[0][0], view[1][0]])
    high = np.maximum(points.max(axis=0), [view[0][1], view[1][1]])
    if (low >= [view[0][0], view[1][0]]).all() and (high <= [view[0][1], view[1][1]]).all():
        return view
    margin = 0.1 * float((high - low).max())
    return (
        (float(low[0] - margin), float(high[0] + margin)),
        (float(low[1] - margin), float(high[1] + margin)),
    )


def stability_note(
    objective: Differentiable,
    minima: tuple[Point, ...],
    heading_for: np.ndarray,
    start: tuple[float, float],
) -> StabilityNote | None:
    """Curvature at the listed minimum nearest to where the good run ended (else that end point)."""
    # A converged run stops within about gtol of the minimum, and a minimum found numerically
    # is as close: (4.9e-07, 1.7e-45) is (0, 0). (+ 0.0 turns -0 into 0.)
    if minima:
        nearest = min(minima, key=lambda m: np.hypot(m.x - heading_for[0], m.y - heading_for[1]))
        point = (nearest.x, nearest.y)
        shown = np.round(point, 6) + 0.0
        where = f"the {nearest.kind} minimum ({shown[0]:.4g}, {shown[1]:.4g})"
    else:
        point = (float(heading_for[0]), float(heading_for[1]))
        shown = np.round(point, 6) + 0.0
        where = f"({shown[0]:.4g}, {shown[1]:.4g})"
        if np.allclose(point, start):
            where = "the start"
    hessian = objective.hessian(*point)
    if not np.isfinite(hessian).all():
        return None
    eigenvalues = np.linalg.eigvalsh(hessian)
    return StabilityNote(
        stability_bound(hessian), float(eigenvalues[-1]), float(eigenvalues[0]), point, where
    )


def engine_options(settings: Settings, steps: int, view: View) -> dict[str, Any]:
    """The engine's keyword arguments that come straight from the settings."""
    return {
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


def data_budget(model: Any, rate: float, start: tuple[float, float], gtol: float) -> int:
    """The default budget of a data lesson: DEFAULT_DATA_STEPS, or more when batch descent at
    ``rate`` needs more to converge and can within MAX_DATA_BUDGET updates.

    Near the minimum the error along the Hessian's flattest direction shrinks by (1 − lr·λ_min)
    an update, so the gradient falls from ‖∇L(start)‖ to gtol in about
    ln(‖∇L(start)‖ / gtol) / (lr·λ_min) updates (an eight-row upload with κ ≈ 130 needs ~4200:
    at 1000 its fitted line sat on the data, still 'too slow'). Beyond MAX_DATA_BUDGET (an
    unscaled feature, κ ≈ 3.6e4) the default stays: the lesson there is that it crawls.
    """
    if model.minimum is None:
        return DEFAULT_DATA_STEPS
    smallest = float(np.linalg.eigvalsh(model.hessian(*model.minimum))[0])
    gradient = float(np.linalg.norm(model.gradient(*start)))
    if smallest <= 0 or rate * smallest >= 1 or gradient <= gtol or gtol <= 0:
        return DEFAULT_DATA_STEPS
    needed = math.log(gradient / gtol) / (rate * smallest)
    if needed <= DEFAULT_DATA_STEPS or needed > MAX_DATA_BUDGET:
        return DEFAULT_DATA_STEPS
    return int(math.ceil(needed / 500) * 500)
