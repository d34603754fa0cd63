"""The timing helpers the benchmark scripts share."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timings(repeats: int, function: Callable[[], object]) -> list[float]:
    """``repeats`` wall-clock timings of ``function()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def best_of(repeats: int, function: Callable[[], object]) -> float:
    """The fastest of ``repeats`` wall-clock timings of ``function()``, in seconds."""
    return min(timings(repeats, function))


def median_of(repeats: int, function: Callable[[], object]) -> float:
    """The median of ``repeats`` wall-clock timings of ``function()``, in seconds: where a slow
    spell is what is measured, not noise to be left out."""
    return statistics.median(timings(repeats, function))
