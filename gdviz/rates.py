"""Learning rates that really behave as slow, good and diverging — found by running them.

For plain gradient descent near a minimum x*, the error along the Hessian's eigenvector with
eigenvalue λ is multiplied by (1 − lr·λ) each step, so the run is stable only while
|1 − lr·λ_max| < 1, that is lr < 2/λ_max: the **stability bound**. Momentum and adaptive
methods have other bounds, and far from a minimum the local curvature differs, so
:func:`propose_rates` does not trust a formula: it sweeps a log-spaced grid of rates in one
engine call and reads the verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.engine import Differentiable, RunResult, View, run
from gdviz.optimizers import Optimizer

__all__ = ["ProposedRates", "propose_rates", "stability_bound"]

SWEEP_DECADES = (-7.0, 3.0)
"""The sweep spans lr = 10^-7 … 10^3."""

SWEEP_POINTS = 61
"""Rates in the sweep: 6 per decade, neighbours a factor 1.47 apart."""


def stability_bound(hessian: np.ndarray) -> float | None:
    """2/λ_max for a 2×2 Hessian, or ``None`` where λ_max ≤ 0 (no curvature to be unstable in)."""
    eigenvalues = np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64))
    largest = float(eigenvalues.max())
    if not np.isfinite(largest) or largest <= 0:
        return None
    return 2.0 / largest


@dataclass(frozen=True)
class ProposedRates:
    """Three rates and the verdicts the sweep saw for them (``None`` where no rate qualified)."""

    slow: float | None
    good: float | None
    diverging: float | None
    sweep: RunResult

    def as_list(self) -> list[float]:
        """The rates found, in the order slow, good, diverging."""
        return [rate for rate in (self.slow, self.good, self.diverging) if rate is not None]


def propose_rates(
    objective: Differentiable,
    optimizer: Optimizer,
    start: tuple[float, float],
    *,
    steps: int = 500,
    view: View | None = None,
    **run_options: Any,
) -> ProposedRates:
    """Sweep rates from ``start`` and pick a slow, a good and a diverging one.

    * good: among converged runs, the one that converged in the fewest steps (ties: the smaller
      rate); if none converged, the non-diverged run with the lowest final loss;
    * diverging: the smallest diverging rate above good;
    * slow: the largest rate at most good/3 that did not finish within ``steps`` while still
      descending (if every smaller rate converged, the smallest swept rate that did not).
    """
    rates = np.logspace(*SWEEP_DECADES, SWEEP_POINTS)
    sweep = run(objective, optimizer, [start], rates, steps=steps, view=view, **run_options)
    converged = sweep.status == "converged"
    diverged = sweep.status == "diverged"

    good_index: int | None = None
    if converged.any():
        candidates = np.flatnonzero(converged)
        good_index = int(candidates[np.argmin(sweep.nit[candidates])])
    elif (~diverged).any():
        candidates = np.flatnonzero(~diverged)
        good_index = int(candidates[np.argmin(sweep.fun[candidates])])

    good = float(rates[good_index]) if good_index is not None else None
    above = np.flatnonzero(
        diverged & (np.arange(len(rates)) > (good_index if good_index is not None else -1))
    )
    diverging = float(rates[above[0]]) if len(above) else None

    slow = None
    if good is not None:
        too_slow = (
            (sweep.status == "max_steps") & (sweep.diagnosis == "descending") & (rates <= good / 3)
        )
        if too_slow.any():
            slow = float(rates[np.flatnonzero(too_slow)[-1]])
    return ProposedRates(slow=slow, good=good, diverging=diverging, sweep=sweep)
