"""What every optimizer shares: the :class:`Optimizer` record and its hyperparameters.

A hyperparameter is given as one number for every run or one per run (:data:`PerRun`) and held
as a float or a per-run column (:data:`Hyperparameter`). The helpers check it when an optimizer
is built, with a ValueError naming the wrong value and its run (``_accept``, ``_in_range``,
``_non_negative``), check its length against the runs at ``init`` (``_check_runs``), show it as
given (``_as_given``), and compute with it so that a run given v in an array steps bit for bit
as the float v (``_nonzero``, ``_power``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Optimizer:
    """An update rule: ``init(params) -> state`` and ``update(grads, state, params, lr, hessian)``.

    ``rule`` is the bare update; ``torch_state(state)`` names what it keeps as torch does;
    ``update`` calls it with floating-point errors silenced, so a
    diverging run overflows to inf quietly (divergence is a verdict, not a warning). The engine,
    which silences them once for the whole loop, calls ``rule`` directly.
    """

    name: str
    init: Callable[[np.ndarray], Any]
    rule: Callable[..., tuple[np.ndarray, Any]]
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    needs_hessian: bool = False
    torch_state: Callable[[Any], dict[str, np.ndarray]] = field(default=lambda state: {})
    """The state's per-run arrays under the names torch keeps them by in ``optimizer.state``
    (``momentum_buffer``, ``exp_avg``, …), in torch's order; what the engine's trace records."""

    def update(
        self,
        grads: np.ndarray,
        state: Any,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, Any]:
        """(delta, new state) for one step; the caller adds delta to params."""
        with np.errstate(all="ignore"):
            return self.rule(grads, state, params, lr, hessian)


PerRun = float | Sequence[float] | np.ndarray
"""A hyperparameter as given: one number for every run, or one number per run."""

Hyperparameter = float | np.ndarray
"""A hyperparameter as the state holds it: a float, or a per-run column of shape (runs, 1)."""


def _accept(
    name: str, value: Any, allowed: Callable[[np.ndarray], np.ndarray], what: str
) -> Hyperparameter:
    """``value`` as a float, or a per-run sequence as a (runs, 1) column of float64, once every
    element is finite and ``allowed``; otherwise a ValueError naming the value (and its run)."""
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        values = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or one number per run, got {value!r}") from None
    if values.ndim > 1 or values.size == 0:
        raise ValueError(
            f"{name} must be a number or a list of one number per run, got shape {values.shape}"
        )
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(~(np.isfinite(values) & allowed(values)))
    if len(bad):
        shown = repr(value) if values.ndim == 0 else f"{float(values[bad[0]])!r} (run {bad[0]})"
        raise ValueError(f"{name} must be {what}, got {shown}")
    return float(values) if values.ndim == 0 else values[:, None].copy()


def _in_range(
    name: str, value: Any, low: float, high: float, *, high_open: bool = True
) -> Hyperparameter:
    """``value`` (a number or one per run) checked to lie in [low, high) (or [low, high])."""
    bracket = ")" if high_open else "]"
    return _accept(
        name,
        value,
        lambda v: (low <= v) & ((v < high) if high_open else (v <= high)),
        f"in [{low:g}, {high:g}{bracket}",
    )


def _non_negative(name: str, value: Any) -> Hyperparameter:
    """``value`` (a number or one per run) checked to be ≥ 0."""
    return _accept(name, value, lambda v: v >= 0, "a number ≥ 0")


def _as_given(value: Any, accepted: Hyperparameter) -> Any:
    """What ``hyperparameters`` shows: the number as given, or the per-run values (runs,)."""
    return value if isinstance(accepted, float) else accepted[:, 0].copy()


def _check_runs(params: np.ndarray, **hyperparameters: Hyperparameter) -> None:
    """Refuse per-run hyperparameters whose length is not the number of runs in ``params``."""
    for name, value in hyperparameters.items():
        if isinstance(value, np.ndarray) and len(value) != len(params):
            raise ValueError(
                f"{name} has {len(value)} values, one per run, but there are {len(params)} runs"
            )


def _nonzero(value: Hyperparameter) -> bool:
    """Whether some run has this hyperparameter ≠ 0 (a term that is 0 for all is skipped)."""
    return bool(value) if isinstance(value, float) else bool(value.any())


def _power(base: Hyperparameter, exponent: int) -> Hyperparameter:
    """base ** exponent with Python's float power for every run, so that a per-run value gets
    the float path's bit-for-bit (NumPy's vectorised power may differ in the last bit, as with
    SVML on AVX-512); one power per distinct value, which a phase map's grid has few of."""
    if isinstance(base, float):
        return base**exponent
    distinct, index = np.unique(base.ravel(), return_inverse=True)
    powers = np.array([value**exponent for value in distinct.tolist()])
    return powers[index].reshape(base.shape)
