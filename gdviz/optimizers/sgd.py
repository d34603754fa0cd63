"""The SGD family: plain gradient descent, heavy-ball and Nesterov momentum (torch ``SGD``).

:func:`momentum` and :func:`nesterov` share one rule, ``_sgd_with_momentum``, which keeps
torch's momentum buffer; :func:`gd` keeps nothing between steps.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from gdviz.optimizers.base import (
    Hyperparameter,
    Optimizer,
    PerRun,
    _accept,
    _as_given,
    _check_runs,
    _in_range,
    _non_negative,
    _nonzero,
)


class GDState(NamedTuple):
    """Plain gradient descent keeps nothing between steps but its hyperparameter."""

    weight_decay: Hyperparameter


class MomentumState(NamedTuple):
    buffer: np.ndarray  # b_t, (R, 2)
    started: np.ndarray  # (R,) bool: b_1 = g_1 has been set
    momentum: Hyperparameter
    dampening: Hyperparameter
    weight_decay: Hyperparameter


def gd(*, weight_decay: PerRun = 0.0) -> Optimizer:
    r"""Plain gradient descent: torch ``SGD(lr, momentum=0, weight_decay)``.

    .. code-block:: text

        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}          (weight_decay λ)
            θ_t ← θ_{t−1} − γ g_t                     (lr γ)

    >>> import numpy as np
    >>> opt = gd()
    >>> delta, _ = opt.update(np.array([[2.0, 40.0]]), opt.init(np.zeros((1, 2))), np.zeros((1, 2)), np.array([0.1]))
    >>> delta.tolist()
    [[-0.2, -4.0]]
    """
    decay = _non_negative("weight_decay", weight_decay)

    def init(params: np.ndarray) -> GDState:
        _check_runs(params, weight_decay=decay)
        return GDState(decay)

    def update(
        grads: np.ndarray, state: GDState, params: np.ndarray, lr: np.ndarray, hessian: Any = None
    ) -> tuple[np.ndarray, GDState]:
        if _nonzero(state.weight_decay):
            grads = grads + state.weight_decay * params
        return -lr[:, None] * grads, state

    return Optimizer("gd", init, update, {"weight_decay": _as_given(weight_decay, decay)})


def _sgd_with_momentum(
    name: str,
    momentum_: Hyperparameter,
    dampening: Hyperparameter,
    weight_decay: Hyperparameter,
    nesterov_: bool,
    hyperparameters: dict[str, Any],
) -> Optimizer:
    def init(params: np.ndarray) -> MomentumState:
        _check_runs(params, momentum=momentum_, dampening=dampening, weight_decay=weight_decay)
        return MomentumState(
            np.zeros_like(params),
            np.zeros(len(params), dtype=bool),
            momentum_,
            dampening,
            weight_decay,
        )

    def update(
        grads: np.ndarray,
        state: MomentumState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: Any = None,
    ) -> tuple[np.ndarray, MomentumState]:
        mu, decay = state.momentum, state.weight_decay
        if _nonzero(decay):
            grads = grads + decay * params
        if isinstance(mu, float) and mu == 0:  # torch keeps no buffer, dampening does not apply
            return -lr[:, None] * grads, state
        # torch starts the buffer at the first gradient, undamped: b_1 = g_1.
        buffer = np.where(
            state.started[:, None], mu * state.buffer + (1 - state.dampening) * grads, grads
        )
        direction = grads + mu * buffer if nesterov_ else buffer
        if not isinstance(mu, float):  # the runs at μ = 0 take plain steps, as a float 0 does
            direction = np.where(mu == 0, grads, direction)
        started = np.ones_like(state.started)
        return -lr[:, None] * direction, state._replace(buffer=buffer, started=started)

    def torch_state(state: MomentumState) -> dict[str, np.ndarray]:
        # torch keeps no buffer at μ = 0 (plain SGD)
        mu = state.momentum
        return {} if isinstance(mu, float) and mu == 0 else {"momentum_buffer": state.buffer}

    return Optimizer(name, init, update, hyperparameters, torch_state=torch_state)


def momentum(
    *, momentum: PerRun = 0.9, dampening: PerRun = 0.0, weight_decay: PerRun = 0.0
) -> Optimizer:
    r"""Heavy-ball momentum: torch ``SGD(lr, momentum, dampening, weight_decay)``.

    .. code-block:: text

        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            if μ ≠ 0:
                if t > 1:  b_t ← μ b_{t−1} + (1 − τ) g_t   (momentum μ, dampening τ)
                else:      b_t ← g_t
                g_t ← b_t
            θ_t ← θ_{t−1} − γ g_t

    The default μ = 0.9 is this app's (torch's SGD default is 0, which is :func:`gd`).
    """
    mu = _in_range("momentum", momentum, 0.0, 1.0)
    tau = _in_range("dampening", dampening, 0.0, 1.0, high_open=False)
    decay = _non_negative("weight_decay", weight_decay)
    given = {
        "momentum": _as_given(momentum, mu),
        "weight_decay": _as_given(weight_decay, decay),
        "dampening": _as_given(dampening, tau),
    }
    return _sgd_with_momentum("momentum", mu, tau, decay, False, given)


def nesterov(*, momentum: PerRun = 0.9, weight_decay: PerRun = 0.0) -> Optimizer:
    r"""Nesterov momentum: torch ``SGD(lr, momentum, nesterov=True, weight_decay)``.

    .. code-block:: text

        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            if t > 1:  b_t ← μ b_{t−1} + g_t
            else:      b_t ← g_t
            g_t ← g_t + μ b_t                          (the look-ahead, without a second gradient)
            θ_t ← θ_{t−1} − γ g_t

    torch requires μ > 0 and dampening 0 for Nesterov, and so does this.
    """
    mu = _accept("momentum", momentum, lambda v: (v > 0) & (v < 1), "in (0, 1) for Nesterov")
    decay = _non_negative("weight_decay", weight_decay)
    given = {"momentum": _as_given(momentum, mu), "weight_decay": _as_given(weight_decay, decay)}
    return _sgd_with_momentum("nesterov", mu, 0.0, decay, True, given)
