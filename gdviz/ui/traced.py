"""The lesson's runs traced (``trace=True``): what each update did, for step mode (its panels
and arrows), the math tab's update in numbers and the Data tab's JSON download. The page never
pays for the trace: it is computed when one of them asks for it, and cached per setting."""

from __future__ import annotations

import dataclasses

from gdviz.engine import Run
from gdviz.figures.stepping import UpdateArrows, update_arrows
from gdviz.lesson import Lesson, Settings, build_lesson
from gdviz.ui.cache import per_process

__all__ = ["stepped_arrows", "traced_lesson", "traced_runs"]


def traced_lesson(lesson: Lesson) -> Lesson:
    """The same lesson with its runs traced (``trace=True``): the page never pays for the
    trace; it is computed when a download or the math tab's update asks for it."""
    if lesson.settings.trace:
        return lesson
    return _traced(dataclasses.replace(lesson.settings, trace=True))


@per_process(max_entries=8)
def _traced(settings: Settings) -> Lesson:
    """Cached: stepping through the math tab's updates reruns the page at every click."""
    return build_lesson(settings)


@per_process(max_entries=8)
def stepped_arrows(settings: Settings) -> list[UpdateArrows]:
    """Every run's update arrows (step mode), in the panels' order; cached per setting."""
    lesson = _traced(settings)
    clipped = settings.clip_norm is not None or settings.clip_value is not None
    return [
        update_arrows(result.optimizer, result.hyperparameters, r, clipped=clipped)
        for result in lesson.results
        for r in result
    ]


def traced_runs(lesson: Lesson) -> list[Run]:
    """The lesson's runs with their traces."""
    return [r for result in traced_lesson(lesson).results for r in result]
