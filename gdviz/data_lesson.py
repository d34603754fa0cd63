"""A data lesson: batch, mini-batch and stochastic descent side by side on a model's loss over
a data set (:func:`build_data_lesson`, which :func:`gdviz.lesson.build_lesson` calls for
settings with a data set).

The three panels step in one engine call (:func:`_panels_together`; with an epoch budget each
panel has its own number of updates, so a call each, :func:`_variant_run`). What every panel
shares (:func:`_data_setup`) and the scaling contrast (:func:`_scaling_contrast`) are cached
apart from the batch size, which only the middle panel depends on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gdviz.batches import BatchesPerRun, MiniBatches
from gdviz.datasets import BUILTIN_DATASETS, Dataset, standardize
from gdviz.engine import RunResult, View, run
from gdviz.figures import Landscape
from gdviz.lesson_records import (
    DEFAULT_BATCH_SIZE,
    DataNote,
    Lesson,
    Settings,
    data_budget,
    engine_options,
    stability_note,
    view_holding_runs,
)
from gdviz.links import MAX_STEPS
from gdviz.memo import shared_cache
from gdviz.optimizers import Optimizer, make_optimizer
from gdviz.regression import make_model, suggested_rate, suggested_view
from gdviz.surfaces import Point

__all__ = ["build_data_lesson"]


@dataclass(frozen=True)
class _DataSetup:
    """What every panel of a data lesson shares: the model (on the features as chosen) and the
    other version of it (for the scaling contrast), the optimizer, the start, the rate and where
    it came from, the step budget, the window, the minimum and the engine's options."""

    model: Any
    other: Any
    optimizer: Optimizer
    start: tuple[float, float]
    rate: float
    source: str
    steps: int
    view: View
    minima: tuple[Point, ...]
    options: dict[str, Any] = field(hash=False)


def _without_batch_size(settings: Settings) -> Settings:
    """The settings a data lesson's batch and stochastic panels and its scaling contrast depend
    on: all but the batch size, the middle panel's alone."""
    return replace(settings, batch_size=DEFAULT_BATCH_SIZE)


@shared_cache(maxsize=16)
def _data_setup(base: Settings) -> _DataSetup:
    """A data lesson's shared parts (``base``: settings without a batch size of their own)."""
    assert base.dataset is not None
    model, other = _models(base.dataset, base.scale, base.l1, base.l2)
    start = base.start or (0.0, 0.0)
    if base.rates:
        rate, source = base.rates[0], "yours"
    else:
        rate, source = suggested_rate(model), "suggested: stable for batch and for single examples"
    steps = base.steps or data_budget(model, rate, start, base.gtol)
    view = suggested_view(model, start)
    minima = _global_minimum(model)
    options = {**engine_options(base, steps, view), "minima": minima}
    optimizer = make_optimizer(base.optimizer, **dict(base.hyperparameters))
    return _DataSetup(model, other, optimizer, start, rate, source, steps, view, minima, options)


@shared_cache(maxsize=16)
def _models(raw: Dataset, scale: bool, l1: float, l2: float) -> tuple[Any, Any]:
    """The model on the features as chosen and on the other version of them (the scaling
    contrast's), shared by every setting with the same data, scaling and penalties. A model
    compares by identity, so what is cached by it (the landscape's grid and picture, its
    minimum) then holds across a change of rate, start or batch size, where a model made
    anew each time had them computed again: the load test's data lessons spent 2.65–2.79 s
    of server CPU on their 20 rate changes, 2.55–2.56 s so."""
    dataset = standardize(raw) if scale else raw
    model = make_model(dataset.model, dataset, l1=l1, l2=l2)
    other = make_model(dataset.model, raw if scale else standardize(raw), l1=l1, l2=l2)
    return model, other


def _global_minimum(model: Any) -> tuple[Point, ...]:
    """The model's minimum as the engine and the figures take it (none: separable classes)."""
    minimum = model.minimum
    if minimum is None:
        return ()
    return (Point(minimum[0], minimum[1], float(model.value(*minimum)), "global"),)


def _panel_budget(base: Settings, sampler: MiniBatches, steps: int) -> int:
    """A panel's step budget: the lesson's, or with ``epochs`` equal passes over the data (one
    update of batch descent costs m of SGD's)."""
    if not base.epochs:
        return steps
    return min(math.ceil(base.epochs * sampler.steps_per_epoch), MAX_STEPS)


def _panel_runs(base: Settings, sizes: tuple[int, ...]) -> tuple[RunResult, ...]:
    """Descent on the data with batches of each of ``sizes`` examples (m: batch descent) under
    ``base``: a data lesson's panels. One engine call steps them together; with an epoch budget
    each panel has a budget of its own, so each is a call of its own."""
    if base.epochs:
        return tuple(_variant_run(base, size) for size in sizes)
    return _panels_together(base, sizes)


@shared_cache(maxsize=32)
def _panels_together(base: Settings, sizes: tuple[int, ...]) -> tuple[RunResult, ...]:
    """The panels of ``sizes`` in one engine call (:class:`~gdviz.batches.BatchesPerRun`),
    each then a result of its own. The engine's work per update and the full-data loss it
    records are shared: a rate change on two_classes took 0.20 s with three calls, 0.13 s
    with one (the scaling contrast, 0.04 s, in both). Each run draws the batches a call of its
    own would."""
    setup = _data_setup(base)
    together = run(
        setup.model,
        setup.optimizer,
        [setup.start],
        [setup.rate] * len(sizes),
        batches=BatchesPerRun(tuple(MiniBatches(setup.model, size, base.seed) for size in sizes)),
        **setup.options,
        trace=base.trace,
    )
    return tuple(together.part(i) for i in range(len(sizes)))


@shared_cache(maxsize=32)
def _variant_run(base: Settings, size: int) -> RunResult:
    """Descent on the data with batches of ``size`` examples under ``base`` and its own epoch
    budget: one panel of a data lesson with ``epochs`` set."""
    setup = _data_setup(base)
    sampler = MiniBatches(setup.model, size, base.seed)
    return run(
        setup.model,
        setup.optimizer,
        [setup.start],
        [setup.rate],
        batches=sampler,
        **{**setup.options, "steps": _panel_budget(base, sampler, setup.steps)},
        trace=base.trace,
    )


@shared_cache(maxsize=16)
def _scaling_contrast(base: Settings) -> RunResult:
    """The scaling lesson: the same rate, batch descent, on the other version of the features."""
    setup = _data_setup(base)
    other, start = setup.other, setup.start
    return run(
        other,
        setup.optimizer,
        [start],
        [setup.rate],
        **{
            **setup.options,
            "view": suggested_view(other, start),
            "minima": _global_minimum(other),
        },
    )


def build_data_lesson(settings: Settings) -> Lesson:
    """Batch, mini-batch and stochastic descent side by side on a model's loss over the data."""
    raw = settings.dataset
    assert raw is not None
    base = _without_batch_size(settings)
    setup = _data_setup(base)
    model, other, start, rate = setup.model, setup.other, setup.start, setup.rate
    kind, minima = raw.model, setup.minima
    notes: list[str] = []
    if settings.rates and len(settings.rates) > 1:
        notes.append(
            "A data lesson runs its three variants at one rate: using the first of your rates."
        )
    m = raw.size
    sizes = (m, min(settings.batch_size, m), 1)
    if settings.batch_size >= m:
        notes.append(
            f"The mini-batch size {settings.batch_size} is at least m = {m}: the middle panel is batch descent too."
        )
    steps = setup.steps
    if settings.epochs:
        steps = max(
            _panel_budget(base, MiniBatches(model, size, settings.seed), steps) for size in sizes
        )
    results = _panel_runs(base, sizes)
    labels = (f"batch (all {m})", f"mini-batch (b = {sizes[1]})", "stochastic (b = 1)")
    if model.minimum is None:
        notes.append(
            "The classes are split cleanly by a line through the origin, so the loss keeps "
            "falling as the weights grow: there is no minimum. An L2 penalty gives one."
        )
    contrast = _scaling_contrast(base)
    version = "raw" if settings.scale else "standardized"
    notes.append(
        f"Feature scaling: the condition number κ = λ_max/λ_min of the Hessian is "
        f"{model.condition_number():.3g} here and {other.condition_number():.3g} with {version} features. "
        f"Batch descent at the same rate {rate:g} on {version} features: {contrast.message(0)}."
    )
    name = (
        raw.name.replace("_", " ") if raw.name in BUILTIN_DATASETS else raw.name
    )  # an upload's as is
    what = (
        "y ≈ w·x + b by mean squared error"
        if kind == "linear"
        else "P(class 1) = σ(w₁x₁ + w₂x₂) by cross-entropy"
    )
    title = f"{name}: fitting {what}" + (" (features standardized)" if settings.scale else "")
    view = view_holding_runs(setup.view, results)  # SGD's scatter can leave the suggested window
    stability = stability_note(model, minima, np.asarray(results[0].x[0]), start)
    return Lesson(
        settings=settings,
        title=title,
        teaches=raw.description,
        objective=model,
        landscape=Landscape(model, view, minima, (), title, axes=model.parameter_names),
        start=start,
        rates=(rate,),
        rates_source=setup.source,
        steps=steps,
        results=results,
        labels=labels,
        stability=stability,
        f_min=minima[0].f if minima else None,
        notes=tuple(notes),
        data=DataNote(model, other, sizes),
    )
