"""Adaptive methods: per-coordinate rates from running averages or sums of squared gradients.

torch's ``Adagrad``, ``RMSprop``, ``Adam`` and ``AdamW``; :func:`adam` and :func:`adamw` share
one rule, ``_adam_family`` (AdamW decays the weights, not the gradient).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from gdviz.optimizers.base import (
    Hyperparameter,
    Optimizer,
    PerRun,
    _as_given,
    _check_runs,
    _in_range,
    _non_negative,
    _nonzero,
    _power,
)


class AdagradState(NamedTuple):
    step: int  # t − 1, shared by all runs (they step together)
    sum_of_squares: np.ndarray  # (R, 2)
    lr_decay: Hyperparameter
    weight_decay: Hyperparameter
    eps: Hyperparameter


def adagrad(
    *,
    lr_decay: PerRun = 0.0,
    weight_decay: PerRun = 0.0,
    initial_accumulator_value: PerRun = 0.0,
    eps: PerRun = 1e-10,
) -> Optimizer:
    r"""Adagrad: torch ``Adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps)``.

    .. code-block:: text

        state_sum_0 ← initial_accumulator_value
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            γ̃ ← γ / (1 + (t − 1) η)                     (lr_decay η)
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            state_sum_t ← state_sum_{t−1} + g_t²
            θ_t ← θ_{t−1} − γ̃ g_t / (√state_sum_t + ε)
    """
    eta = _non_negative("lr_decay", lr_decay)
    decay = _non_negative("weight_decay", weight_decay)
    initial = _non_negative("initial_accumulator_value", initial_accumulator_value)
    epsilon = _non_negative("eps", eps)

    def init(params: np.ndarray) -> AdagradState:
        _check_runs(
            params, lr_decay=eta, weight_decay=decay, initial_accumulator_value=initial, eps=epsilon
        )
        return AdagradState(0, np.full_like(params, initial), eta, decay, epsilon)

    def update(
        grads: np.ndarray,
        state: AdagradState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: Any = None,
    ) -> tuple[np.ndarray, AdagradState]:
        if _nonzero(state.weight_decay):
            grads = grads + state.weight_decay * params
        clr = lr[:, None] / (1 + state.step * state.lr_decay)
        sum_of_squares = state.sum_of_squares + grads * grads
        delta = -clr * grads / (np.sqrt(sum_of_squares) + state.eps)
        return delta, state._replace(step=state.step + 1, sum_of_squares=sum_of_squares)

    return Optimizer(
        "adagrad",
        init,
        update,
        {
            "lr_decay": _as_given(lr_decay, eta),
            "weight_decay": _as_given(weight_decay, decay),
            "initial_accumulator_value": _as_given(initial_accumulator_value, initial),
            "eps": _as_given(eps, epsilon),
        },
        torch_state=lambda state: {"sum": state.sum_of_squares},
    )


class RMSpropState(NamedTuple):
    square_average: np.ndarray  # v_t, (R, 2)
    grad_average: np.ndarray  # g^ave_t, (R, 2) (used when centered)
    buffer: np.ndarray  # b_t, (R, 2) (used when momentum > 0)
    alpha: Hyperparameter
    eps: Hyperparameter
    weight_decay: Hyperparameter
    momentum: Hyperparameter


def rmsprop(
    *,
    alpha: PerRun = 0.99,
    eps: PerRun = 1e-8,
    weight_decay: PerRun = 0.0,
    momentum: PerRun = 0.0,
    centered: bool = False,
) -> Optimizer:
    r"""RMSprop: torch ``RMSprop(lr, alpha, eps, weight_decay, momentum, centered)``.

    .. code-block:: text

        v_0 ← 0, g^ave_0 ← 0, b_0 ← 0
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            v_t ← α v_{t−1} + (1 − α) g_t²               (alpha α)
            ṽ_t ← v_t
            if centered:
                g^ave_t ← α g^ave_{t−1} + (1 − α) g_t
                ṽ_t ← ṽ_t − (g^ave_t)²
            if μ > 0:
                b_t ← μ b_{t−1} + g_t / (√ṽ_t + ε)
                θ_t ← θ_{t−1} − γ b_t
            else:
                θ_t ← θ_{t−1} − γ g_t / (√ṽ_t + ε)

    ε is added outside the square root, as in torch (optax and Keras put it inside).
    """
    alpha_ = _in_range("alpha", alpha, 0.0, 1.0, high_open=False)
    epsilon = _non_negative("eps", eps)
    decay = _non_negative("weight_decay", weight_decay)
    mu_ = _in_range("momentum", momentum, 0.0, 1.0)

    def init(params: np.ndarray) -> RMSpropState:
        _check_runs(params, alpha=alpha_, eps=epsilon, weight_decay=decay, momentum=mu_)
        zeros = np.zeros_like(params)
        return RMSpropState(zeros, zeros, zeros, alpha_, epsilon, decay, mu_)

    def update(
        grads: np.ndarray,
        state: RMSpropState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: Any = None,
    ) -> tuple[np.ndarray, RMSpropState]:
        a, mu = state.alpha, state.momentum
        if _nonzero(state.weight_decay):
            grads = grads + state.weight_decay * params
        square_average = a * state.square_average + (1 - a) * grads * grads
        grad_average = state.grad_average
        if centered:
            grad_average = a * grad_average + (1 - a) * grads
            denominator = np.sqrt(square_average - grad_average * grad_average) + state.eps
        else:
            denominator = np.sqrt(square_average) + state.eps
        buffer = state.buffer
        if not isinstance(mu, float):  # per run: μ > 0 keeps a buffer, μ = 0 steps as a float 0
            stepped = mu * buffer + grads / denominator
            buffer = np.where(mu > 0, stepped, buffer)
            delta = np.where(mu > 0, -lr[:, None] * stepped, -lr[:, None] * grads / denominator)
        elif mu > 0:
            buffer = mu * buffer + grads / denominator
            delta = -lr[:, None] * buffer
        else:
            delta = -lr[:, None] * grads / denominator
        return delta, state._replace(
            square_average=square_average, grad_average=grad_average, buffer=buffer
        )

    def torch_state(state: RMSpropState) -> dict[str, np.ndarray]:
        names = {"square_avg": state.square_average}
        if _nonzero(state.momentum):
            names["momentum_buffer"] = state.buffer
        if centered:
            names["grad_avg"] = state.grad_average
        return names

    return Optimizer(
        "rmsprop",
        init,
        update,
        {
            "alpha": _as_given(alpha, alpha_),
            "eps": _as_given(eps, epsilon),
            "weight_decay": _as_given(weight_decay, decay),
            "momentum": _as_given(momentum, mu_),
            "centered": centered,
        },
        torch_state=torch_state,
    )


class AdamState(NamedTuple):
    step: int  # t − 1, shared by all runs (they step together)
    first_moment: np.ndarray  # m_t, (R, 2)
    second_moment: np.ndarray  # v_t, (R, 2)
    max_second_moment: np.ndarray  # v_t^max, (R, 2) (used with amsgrad)
    beta1: Hyperparameter
    beta2: Hyperparameter
    eps: Hyperparameter
    weight_decay: Hyperparameter


def _adam_family(
    name: str,
    betas: tuple[Any, Any],
    eps: Any,
    weight_decay: Any,
    amsgrad: bool,
    decoupled: bool,
) -> Optimizer:
    beta1_, beta2_ = (_in_range(f"betas[{i}]", b, 0.0, 1.0) for i, b in enumerate(betas))
    epsilon = _non_negative("eps", eps)
    decay_ = _non_negative("weight_decay", weight_decay)

    def init(params: np.ndarray) -> AdamState:
        _check_runs(params, beta1=beta1_, beta2=beta2_, eps=epsilon, weight_decay=decay_)
        zeros = np.zeros_like(params)
        return AdamState(0, zeros, zeros, zeros, beta1_, beta2_, epsilon, decay_)

    def update(
        grads: np.ndarray, state: AdamState, params: np.ndarray, lr: np.ndarray, hessian: Any = None
    ) -> tuple[np.ndarray, AdamState]:
        step = state.step + 1
        beta1, beta2, weight_decay = state.beta1, state.beta2, state.weight_decay
        decay = None
        if _nonzero(weight_decay):
            if decoupled:  # θ ← θ − γλθ, before the Adam step
                decay = -(lr[:, None] * weight_decay) * params
            else:
                grads = grads + weight_decay * params
        # In-place arithmetic on fresh arrays: fewer temporaries per step, inputs untouched.
        first = beta1 * state.first_moment
        first += (1 - beta1) * grads
        second = grads * grads
        second *= 1 - beta2
        second += beta2 * state.second_moment
        max_second = (
            np.maximum(state.max_second_moment, second) if amsgrad else state.max_second_moment
        )
        # The arithmetic of torch's implementation: (lr / bc1) · m / (√v / √bc2 + ε).
        bias_correction1 = 1 - _power(beta1, step)
        bias_correction2 = 1 - _power(beta2, step)
        bias_correction2_sqrt = (
            math.sqrt(bias_correction2)
            if isinstance(bias_correction2, float)
            else np.sqrt(bias_correction2)
        )
        denominator = np.sqrt(max_second if amsgrad else second)
        denominator *= 1 / bias_correction2_sqrt
        denominator += state.eps
        delta = (lr[:, None] * (-1 / bias_correction1)) * first
        delta /= denominator
        if decay is not None:
            # torch applies the decay in place first, then the Adam step from the decayed θ;
            # the Adam step does not depend on θ, so the sum is the same.
            delta = decay + delta
        return delta, state._replace(
            step=step, first_moment=first, second_moment=second, max_second_moment=max_second
        )

    def torch_state(state: AdamState) -> dict[str, np.ndarray]:
        # m̂ and v̂ (bias-corrected) are not state: torch computes them inside each step.
        names = {"exp_avg": state.first_moment, "exp_avg_sq": state.second_moment}
        if amsgrad:
            names["max_exp_avg_sq"] = state.max_second_moment
        return names

    shown_betas = tuple(
        b if isinstance(b, float) else _as_given(given, b)
        for given, b in zip(betas, (beta1_, beta2_), strict=True)
    )
    return Optimizer(
        name,
        init,
        update,
        {
            "betas": shown_betas,
            "eps": _as_given(eps, epsilon),
            "weight_decay": _as_given(weight_decay, decay_),
            "amsgrad": amsgrad,
        },
        torch_state=torch_state,
    )


def adam(
    *,
    betas: tuple[PerRun, PerRun] = (0.9, 0.999),
    eps: PerRun = 1e-8,
    weight_decay: PerRun = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    r"""Adam: torch ``Adam(lr, betas=(β₁, β₂), eps, weight_decay, amsgrad)``.

    .. code-block:: text

        m_0 ← 0, v_0 ← 0, v_0^max ← 0
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            m_t ← β₁ m_{t−1} + (1 − β₁) g_t
            v_t ← β₂ v_{t−1} + (1 − β₂) g_t²
            m̂_t ← m_t / (1 − β₁^t)
            if amsgrad:
                v_t^max ← max(v_{t−1}^max, v_t)
                v̂_t ← v_t^max / (1 − β₂^t)
            else:
                v̂_t ← v_t / (1 − β₂^t)
            θ_t ← θ_{t−1} − γ m̂_t / (√v̂_t + ε)

    Computed as torch does, (γ / (1 − β₁^t)) · m_t / (√v_t / √(1 − β₂^t) + ε).
    """
    return _adam_family("adam", betas, eps, weight_decay, amsgrad, decoupled=False)


def adamw(
    *,
    betas: tuple[PerRun, PerRun] = (0.9, 0.999),
    eps: PerRun = 1e-8,
    weight_decay: PerRun = 0.01,
    amsgrad: bool = False,
) -> Optimizer:
    r"""AdamW: torch ``AdamW(lr, betas, eps, weight_decay=0.01, amsgrad)`` — decoupled decay.

    .. code-block:: text

        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            θ_t ← θ_{t−1} − γ λ θ_{t−1}                 (decay the weights, not the gradient)
            m_t, v_t, m̂_t, v̂_t as in Adam, without the λθ term in g_t
            θ_t ← θ_t − γ m̂_t / (√v̂_t + ε)
    """
    return _adam_family("adamw", betas, eps, weight_decay, amsgrad, decoupled=True)
