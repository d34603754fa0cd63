"""Maps of many runs: the learning-rate sweep, the rate × hyperparameter phase map, and the
basins of attraction — each one engine call (a narrowed sweep, two) of
:func:`gdviz.engine.final_states`, which keeps how each run ended and not its path; the phase
map gives its hyperparameter one value per run.

Every run gets an **outcome**, one word of :data:`OUTCOMES` read from the engine's verdict:
where a converged run stopped (``global minimum`` … ``slope``, see :mod:`gdviz.stationary`),
what a run that spent its budget was doing (``too slow``, ``oscillating``, ``hovering``,
``stalled``), or ``diverged``. The figures colour by it; the command line prints it as
``stopped_at`` and ``status``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gdviz.engine import Differentiable, FinalStates, Run, View, final_states
from gdviz.optimizers import make_optimizer
from gdviz.rates import stability_bound
from gdviz.stationary import KnownPoint

__all__ = [
    "MAX_GRID",
    "MAX_RATES",
    "OUTCOMES",
    "PHASE_AXIS",
    "PHASE_PARAMS",
    "PHASE_VALUES",
    "BasinMap",
    "PhaseMap",
    "RateSweep",
    "basin_map",
    "momentum_converges",
    "outcome",
    "outcomes",
    "phase_map",
    "phase_values",
    "quadratic_largest_eigenvalue",
    "rate_sweep",
]

OUTCOMES = (
    "global minimum",
    "local minimum",
    "minimum",
    "too slow",
    "oscillating",
    "hovering",
    "stalled",
    "saddle",
    "flat",
    "maximum",
    "slope",
    "diverged",
)
"""How a run ended, in the order legends list them: minima first, divergence last."""

_BUDGET_SPENT = {
    "descending": "too slow",
    "oscillating": "oscillating",
    "noisy": "hovering",
    "noise": "hovering",
    "stalled": "stalled",
}
"""The outcome of a run that spent its budget, from the engine's diagnosis."""

MAX_RATES = 400
"""The most rates a sweep (or a phase map's rate axis) takes."""

MAX_GRID = 400
"""The most starts per axis of a basin map (and values of a phase map's second axis)."""

SWEEP_RANGE = (1e-6, 1e3)
SWEEP_COUNT = 120
NARROW_MARGIN = 10.0
"""A narrowed sweep keeps one decade either side of where the outcomes change."""


def outcomes(states: FinalStates) -> np.ndarray:
    """The outcome (a word of :data:`OUTCOMES`) of every run."""
    width = f"<U{max(map(len, OUTCOMES))}"
    result = np.where(states.status == "converged", states.stop, "diverged").astype(width)
    spent = np.flatnonzero(states.status == "max_steps")
    if len(spent):
        words = np.full(len(spent), "too slow", dtype=width)
        diagnosis = states.diagnosis[spent]
        for said, outcome in _BUDGET_SPENT.items():
            words[diagnosis == said] = outcome
        result[spent] = words
    return result


def outcome(run: Run) -> str:
    """The outcome (a word of :data:`OUTCOMES`) of one run of :func:`gdviz.engine.run`, read as
    :func:`outcomes` reads many: where a converged run stopped, what a run that spent its budget
    was doing, or ``diverged``."""
    if run.status == "converged":
        return run.stop
    if run.status == "diverged":
        return "diverged"
    return _BUDGET_SPENT.get(run.diagnosis, "too slow")


def _log_rates(low: float, high: float, count: int) -> np.ndarray:
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high):
        raise ValueError(
            f"the rates must run from a positive low to a higher high, got {low:g} to {high:g}"
        )
    if not (2 <= count <= MAX_RATES):
        raise ValueError(f"the number of rates must be between 2 and {MAX_RATES}, got {count}")
    return np.logspace(np.log10(low), np.log10(high), int(count))


# --- the learning-rate sweep ------------------------------------------------------------------


@dataclass(frozen=True)
class RateSweep:
    """One start, many rates: how each ended (``states``, ``outcome``), the range swept and
    whether it was narrowed from a wider one, and plain GD's stability bound 2/λ_max at the
    minimum most converging rates reached (``None`` for other optimizers or no such minimum)."""

    states: FinalStates
    outcome: np.ndarray
    low: float
    high: float
    narrowed: bool
    bound: float | None

    @property
    def lrs(self) -> np.ndarray:
        return self.states.lrs

    def fastest(self) -> int | None:
        """The index of the rate that reached a minimum in the fewest steps (ties: smaller)."""
        reached = np.flatnonzero(self.states.success)
        if len(reached) == 0:
            return None
        return int(reached[np.argmin(self.states.nit[reached])])  # the first: the smaller rate


def rate_sweep(
    objective: Differentiable,
    optimizer: Any,
    start: tuple[float, float],
    *,
    low: float = SWEEP_RANGE[0],
    high: float = SWEEP_RANGE[1],
    count: int = SWEEP_COUNT,
    narrow: bool = True,
    **run_options: Any,
) -> RateSweep:
    """Run ``count`` log-spaced rates from ``low`` to ``high`` from ``start``.

    With ``narrow``, the range then shrinks to where something happens — from a decade below
    the smallest rate that converged anywhere to a decade above the rate from which every larger
    one diverged — and the sweep runs again there with ``count`` rates (unless that is the same
    range). ``run_options`` are :func:`final_states`'s (steps, view, minima, schedule, …).
    """
    rates = _log_rates(low, high, count)
    states = final_states(objective, optimizer, [start], rates, **run_options)
    narrowed = False
    if narrow:
        new_low, new_high = _where_something_happens(states, low, high)
        if (new_low, new_high) != (low, high):
            rates = _log_rates(new_low, new_high, count)
            states = final_states(objective, optimizer, [start], rates, **run_options)
            low, high, narrowed = new_low, new_high, True
    bound = None
    if optimizer.name == "gd":
        bound = _bound_at_common_minimum(objective, states)
    return RateSweep(states, outcomes(states), low, high, narrowed, bound)


def _where_something_happens(states: FinalStates, low: float, high: float) -> tuple[float, float]:
    lrs = states.lrs
    converged = np.flatnonzero(states.status == "converged")
    kept = np.flatnonzero(states.status != "diverged")
    new_low = lrs[converged[0]] / NARROW_MARGIN if len(converged) else low
    new_high = lrs[kept[-1] + 1] * NARROW_MARGIN if len(kept) and kept[-1] + 1 < len(lrs) else high
    if not len(kept):  # every rate diverged: the interesting part is below the range
        return low, high
    return max(low, float(new_low)), min(high, float(new_high))


def _bound_at_common_minimum(objective: Differentiable, states: FinalStates) -> float | None:
    """2/λ_max at the end point of the minimum most rates reached."""
    reached = states.success
    if not reached.any():
        return None
    ends = np.round(states.x[reached], 6)
    places, counts = np.unique(ends, axis=0, return_counts=True)
    x, y = places[np.argmax(counts)]
    return stability_bound(objective.hessian(np.array([x]), np.array([y]))[0])


# --- the phase map ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseMap:
    """Rates × values of one hyperparameter: ``outcome[i, j]`` and ``nit[i, j]`` for value i
    and rate j; ``theory[i, j]`` where theory says the run converges (heavy-ball momentum on a
    quadratic), else ``None``."""

    param: str
    values: np.ndarray
    lrs: np.ndarray
    outcome: np.ndarray
    nit: np.ndarray
    fun: np.ndarray
    theory: np.ndarray | None
    states: tuple[FinalStates, ...]


PHASE_PARAMS = {
    "momentum": ("momentum", "nesterov", "rmsprop"),
    "dampening": ("momentum",),
    "alpha": ("rmsprop",),
    "beta1": ("adam", "adamw"),
    "beta2": ("adam", "adamw"),
    "weight_decay": ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"),
    "lr_decay": ("adagrad",),
}
"""The hyperparameters a phase map can put on its second axis, and the optimizers that take
them (``beta1`` and ``beta2`` are the two entries of torch's ``betas``)."""


PHASE_VALUES = {
    "momentum": (0.0, 0.99, 40),
    "dampening": (0.0, 0.99, 40),
    "alpha": (0.5, 0.999, 40),
    "beta1": (0.0, 0.99, 40),
    "beta2": (0.9, 0.9999, 40),
    "weight_decay": (0.0, 1.0, 40),
    "lr_decay": (0.0, 1.0, 40),
}
"""A phase map's default values of each hyperparameter (low, high, count); see
:func:`phase_values` for the one optimizer that needs other ones."""

PHASE_AXIS = {
    "gd": ("momentum", "momentum"),
    "momentum": ("momentum", "momentum"),
    "nesterov": ("nesterov", "momentum"),
    "rmsprop": ("rmsprop", "alpha"),
    "adam": ("adam", "beta1"),
    "adamw": ("adamw", "beta1"),
    "adagrad": ("adagrad", "lr_decay"),
}
"""The phase map the app draws for each optimizer: (the optimizer mapped, its hyperparameter).
Plain GD is heavy-ball momentum at μ = 0, so its map is momentum's over μ."""


def phase_values(optimizer: str, param: str) -> tuple[float, float, int]:
    """The default values of ``param`` on ``optimizer``'s phase map: :data:`PHASE_VALUES`, but
    Nesterov's momentum from 0.01 (torch refuses μ = 0 with ``nesterov=True``, and so does
    :func:`gdviz.optimizers.nesterov`)."""
    low, high, count = PHASE_VALUES[param]
    if optimizer == "nesterov" and param == "momentum":
        low = max(low, 0.01)
    return low, high, count


def _with_param(
    optimizer: str, hyperparameters: dict[str, Any], param: str, value: float | np.ndarray
) -> Any:
    """``optimizer`` built with ``hyperparameters`` and ``param`` set to ``value`` (one number,
    or one per run)."""
    if optimizer not in PHASE_PARAMS.get(param, ()):
        takers = ", ".join(PHASE_PARAMS.get(param, ())) or "no optimizer"
        raise ValueError(f"{param} is not a hyperparameter of {optimizer} (it is of {takers})")
    if param in ("beta1", "beta2"):
        betas = list(
            hyperparameters.get("betas", make_optimizer(optimizer).hyperparameters["betas"])
        )
        betas[param == "beta2"] = value
        return make_optimizer(optimizer, **{**hyperparameters, "betas": tuple(betas)})
    return make_optimizer(optimizer, **{**hyperparameters, param: value})


def phase_map(
    objective: Differentiable,
    optimizer: str,
    start: tuple[float, float],
    *,
    param: str,
    values: tuple[float, float, int],
    low: float = 1e-4,
    high: float = 1.0,
    count: int = 60,
    hyperparameters: dict[str, Any] | None = None,
    **run_options: Any,
) -> PhaseMap:
    """Run every rate (``count`` log-spaced from ``low`` to ``high``) at every value of the
    hyperparameter ``param`` (``values`` = (low, high, n), evenly spaced), from ``start``.

    One engine call steps all n × count runs: ``n`` copies of the start (value i's row) times
    the rates, with ``param`` given per run (value i for the runs of row i). Each run ends
    exactly as it would in a call of its own value alone (with gradient ``noise`` or
    mini-batches the draws are those of the whole grid, so they differ from such a call's).
    """
    value_low, value_high, n = values
    if not (2 <= n <= MAX_GRID):
        raise ValueError(f"the number of values must be between 2 and {MAX_GRID}, got {n}")
    grid = np.linspace(value_low, value_high, int(n))
    rates = _log_rates(low, high, count)
    for end in (grid[0], grid[-1]):  # a refused value is named as the user gave it, not per run
        _with_param(optimizer, hyperparameters or {}, param, float(end))
    chosen = _with_param(optimizer, hyperparameters or {}, param, np.repeat(grid, len(rates)))
    states = final_states(objective, chosen, [start] * len(grid), rates, **run_options)
    rows = tuple(states.part(slice(i * len(rates), (i + 1) * len(rates))) for i in range(len(grid)))
    theory = None
    if (
        optimizer == "momentum"
        and param == "momentum"
        and not (hyperparameters or {}).get("dampening")
    ):
        largest = quadratic_largest_eigenvalue(objective)
        if largest is not None:
            theory = momentum_converges(rates[None, :], grid[:, None], largest)
    shape = (len(grid), len(rates))
    return PhaseMap(
        param, grid, rates, outcomes(states).reshape(shape), states.nit.reshape(shape),
        states.fun.reshape(shape), theory, rows,
    )  # fmt: skip


def momentum_converges(lr: Any, momentum: Any, largest_eigenvalue: float) -> np.ndarray:
    """Where heavy-ball momentum converges on a quadratic with λ_max = ``largest_eigenvalue``.

    On an eigen-direction with curvature λ, b_t = μ b_{t−1} + λ w_{t−1} and
    w_t = w_{t−1} − lr·b_t is a linear map of (b, w) with matrix [[μ, λ], [−lr·μ, 1 − lr·λ]];
    its spectral radius is below 1 exactly when 0 < lr·λ < 2(1 + μ) for 0 ≤ μ < 1 (Goh,
    "Why Momentum Really Works", Distill 2017). The largest λ decides: lr < 2(1 + μ)/λ_max.
    """
    return np.asarray(lr) * largest_eigenvalue < 2 * (1 + np.asarray(momentum))


def quadratic_largest_eigenvalue(objective: Any) -> float | None:
    """λ_max of a typed quadratic's constant Hessian; ``None`` if f is not a quadratic."""
    expressions = getattr(objective, "hessian_expressions", None)
    if expressions is None:
        return None
    entries = [entry for row in expressions for entry in row]
    if any(entry.free_symbols for entry in entries):
        return None
    hessian = np.array([[float(sp.N(entry)) for entry in row] for row in expressions])
    largest = float(np.linalg.eigvalsh(hessian).max())
    return largest if largest > 0 else None


# --- basins of attraction ---------------------------------------------------------------------


@dataclass(frozen=True)
class BasinMap:
    """A grid of starts over the view: ``outcome[i, j]`` and ``minimum[i, j]`` (the index in
    ``minima`` of the minimum reached, -1 for none) for the start (xs[j], ys[i])."""

    xs: np.ndarray
    ys: np.ndarray
    lr: float
    outcome: np.ndarray
    minimum: np.ndarray
    minima: tuple[KnownPoint, ...]
    states: FinalStates

    def share(self, index: int) -> float:
        """The fraction of starts whose run reached minimum ``index``."""
        return float((self.minimum == index).mean())


def basin_map(
    objective: Differentiable,
    optimizer: Any,
    lr: float,
    *,
    view: View,
    grid: int = 200,
    minima: Sequence[KnownPoint] = (),
    **run_options: Any,
) -> BasinMap:
    """Run from every point of a ``grid`` × ``grid`` lattice over ``view`` at rate ``lr``."""
    if not (2 <= grid <= MAX_GRID):
        raise ValueError(f"the grid must have between 2 and {MAX_GRID} points a side, got {grid}")
    (x_low, x_high), (y_low, y_high) = view
    xs, ys = np.linspace(x_low, x_high, int(grid)), np.linspace(y_low, y_high, int(grid))
    grid_x, grid_y = np.meshgrid(xs, ys)
    starts = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    states = final_states(
        objective, optimizer, starts, [lr], view=view, minima=minima, **run_options
    )
    shape = (len(ys), len(xs))
    return BasinMap(
        xs, ys, float(lr), outcomes(states).reshape(shape), states.minimum.reshape(shape),
        tuple(minima), states,
    )  # fmt: skip
