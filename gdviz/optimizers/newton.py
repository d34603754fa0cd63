"""Newton's method, the second-order reference: damped steps with the exact Hessian, and a
plain gradient step wherever the Hessian is not positive definite."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.optimizers.base import (
    Hyperparameter,
    Optimizer,
    PerRun,
    _as_given,
    _check_runs,
    _non_negative,
)


class NewtonState(NamedTuple):
    """Newton's method keeps nothing between steps but its hyperparameter."""

    definiteness_tolerance: Hyperparameter


def newton(*, definiteness_tolerance: PerRun = 1e-8) -> Optimizer:
    r"""Damped Newton steps with the exact Hessian — the second-order reference.

    .. code-block:: text

        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1}),  H_t ← ∇²f(θ_{t−1})
            if H_t is positive definite:  θ_t ← θ_{t−1} − γ H_t⁻¹ g_t     (γ = lr, the damping)
            else:                         θ_t ← θ_{t−1} − γ g_t            (a plain gradient step)

    H is positive definite here when its smaller eigenvalue exceeds ``definiteness_tolerance``
    × max(|larger eigenvalue|, 1). Where H is singular, indefinite (a saddle), negative
    definite (a maximum) or not finite, the pure Newton step would head for the stationary
    point whatever it is, or be undefined, so the run takes a gradient step instead. With
    lr = 1 a quadratic bowl is solved in one step. The 2×2 systems are solved in closed form.
    """
    tolerance = _non_negative("definiteness_tolerance", definiteness_tolerance)

    def init(params: np.ndarray) -> NewtonState:
        _check_runs(params, definiteness_tolerance=tolerance)
        return NewtonState(tolerance)

    def update(
        grads: np.ndarray,
        state: NewtonState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, NewtonState]:
        if hessian is None:
            raise ValueError("newton needs the Hessian: pass hessian=(runs, 2, 2)")
        a, c = hessian[:, 0, 0], hessian[:, 1, 1]
        b = 0.5 * (hessian[:, 0, 1] + hessian[:, 1, 0])
        with np.errstate(all="ignore"):
            half_trace = 0.5 * (a + c)
            radius = np.sqrt(0.25 * (a - c) ** 2 + b * b)
            smaller, larger = half_trace - radius, half_trace + radius
            # (R, 1) whether the tolerance is one number or one per run
            threshold = state.definiteness_tolerance * np.maximum(np.abs(larger), 1.0)[:, None]
            definite = np.isfinite(smaller) & (smaller > threshold[:, 0])
            determinant = a * c - b * b
            newton_step = np.stack(
                [
                    (c * grads[:, 0] - b * grads[:, 1]) / determinant,
                    (a * grads[:, 1] - b * grads[:, 0]) / determinant,
                ],
                axis=1,
            )
        direction = np.where(definite[:, None], newton_step, grads)
        return -lr[:, None] * direction, state

    return Optimizer(
        "newton",
        init,
        update,
        {"definiteness_tolerance": _as_given(definiteness_tolerance, tolerance)},
        needs_hessian=True,
    )
