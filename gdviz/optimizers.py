"""Optimizers as pure ``init``/``update`` pairs over float64 arrays shaped (runs, 2).

Each rule follows the algorithm box of PyTorch's ``torch.optim`` class of the same name — the
definition users mean when they say "Adam" or "RMSprop" — with torch's argument names and
defaults. As in optax, an optimizer is two pure functions held in a small record:

* ``init(params) -> state``: the state is a NamedTuple of per-run arrays (runs on the first
  axis, so the engine can drop finished runs by indexing them) and plain numbers shared by
  all runs, such as the step count (runs always step together);
* ``update(grads, state, params, lr, hessian=None) -> (delta, state)``: the engine adds
  ``delta`` to the parameters. ``lr`` holds each run's rate for this step, shape (runs,),
  so slow, good and diverging rates (and a schedule) step together.

Nothing is mutated: every update returns new arrays. Hyperparameters are fixed when the
optimizer is built and bound in closures, keeping the per-step cost low.

Where others differ from torch: optax and Keras put RMSprop's ε inside the square root
(torch adds it outside); Keras' RMSprop starts its accumulator at 0 like torch but optax's
Adagrad starts at 0.1; TensorFlow's Adam applies ε to the un-corrected denominator ("ε hat").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "OPTIMIZERS",
    "Optimizer",
    "adagrad",
    "adam",
    "adamw",
    "gd",
    "make_optimizer",
    "momentum",
    "nesterov",
    "newton",
    "rmsprop",
]


@dataclass(frozen=True)
class Optimizer:
    """An update rule: ``init(params) -> state`` and ``update(grads, state, params, lr, hessian)``.

    ``rule`` is the bare update; ``update`` calls it with floating-point errors silenced, so a
    diverging run overflows to inf quietly (divergence is a verdict, not a warning). The engine,
    which silences them once for the whole loop, calls ``rule`` directly.
    """

    name: str
    init: Callable[[np.ndarray], Any]
    rule: Callable[..., tuple[np.ndarray, Any]]
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    needs_hessian: bool = False

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


def _check_range(
    name: str, value: float, low: float, high: float, *, high_open: bool = True
) -> None:
    inside = low <= value < high if high_open else low <= value <= high
    if not (np.isfinite(value) and inside):
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low:g}, {high:g}{bracket}, got {value!r}")


def _check_non_negative(name: str, value: float) -> None:
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")


# --- SGD family -------------------------------------------------------------------------------


class NoState(NamedTuple):
    """Plain gradient descent keeps nothing between steps."""


class MomentumState(NamedTuple):
    buffer: np.ndarray  # b_t, (R, 2)
    started: np.ndarray  # (R,) bool: b_1 = g_1 has been set


def gd(*, weight_decay: float = 0.0) -> Optimizer:
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
    _check_non_negative("weight_decay", weight_decay)

    def init(params: np.ndarray) -> NoState:
        return NoState()

    def update(
        grads: np.ndarray, state: NoState, params: np.ndarray, lr: np.ndarray, hessian: Any = None
    ) -> tuple[np.ndarray, NoState]:
        if weight_decay:
            grads = grads + weight_decay * params
        return -lr[:, None] * grads, state

    return Optimizer("gd", init, update, {"weight_decay": weight_decay})


def _sgd_with_momentum(
    name: str, momentum_: float, dampening: float, weight_decay: float, nesterov_: bool
) -> Optimizer:
    def init(params: np.ndarray) -> MomentumState:
        return MomentumState(np.zeros_like(params), np.zeros(len(params), dtype=bool))

    def update(
        grads: np.ndarray,
        state: MomentumState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: Any = None,
    ) -> tuple[np.ndarray, MomentumState]:
        if weight_decay:
            grads = grads + weight_decay * params
        if momentum_ == 0:  # torch keeps no buffer then, so dampening does not apply
            return -lr[:, None] * grads, state
        # torch starts the buffer at the first gradient, undamped: b_1 = g_1.
        buffer = np.where(
            state.started[:, None], momentum_ * state.buffer + (1 - dampening) * grads, grads
        )
        direction = grads + momentum_ * buffer if nesterov_ else buffer
        return -lr[:, None] * direction, MomentumState(buffer, np.ones_like(state.started))

    hyperparameters: dict[str, Any] = {"momentum": momentum_, "weight_decay": weight_decay}
    if not nesterov_:
        hyperparameters["dampening"] = dampening
    return Optimizer(name, init, update, hyperparameters)


def momentum(
    *, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0
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
    _check_range("momentum", momentum, 0.0, 1.0)
    _check_range("dampening", dampening, 0.0, 1.0, high_open=False)
    _check_non_negative("weight_decay", weight_decay)
    return _sgd_with_momentum("momentum", momentum, dampening, weight_decay, nesterov_=False)


def nesterov(*, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
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
    if not (np.isfinite(momentum) and 0 < momentum < 1):
        raise ValueError(f"momentum must be in (0, 1) for Nesterov, got {momentum!r}")
    _check_non_negative("weight_decay", weight_decay)
    return _sgd_with_momentum("nesterov", momentum, 0.0, weight_decay, nesterov_=True)


# --- adaptive methods -------------------------------------------------------------------------


class AdagradState(NamedTuple):
    step: int  # t − 1, shared by all runs (they step together)
    sum_of_squares: np.ndarray  # (R, 2)


def adagrad(
    *,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
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
    _check_non_negative("lr_decay", lr_decay)
    _check_non_negative("weight_decay", weight_decay)
    _check_non_negative("initial_accumulator_value", initial_accumulator_value)
    _check_non_negative("eps", eps)

    def init(params: np.ndarray) -> AdagradState:
        return AdagradState(0, np.full_like(params, initial_accumulator_value))

    def update(
        grads: np.ndarray,
        state: AdagradState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: Any = None,
    ) -> tuple[np.ndarray, AdagradState]:
        if weight_decay:
            grads = grads + weight_decay * params
        clr = lr / (1 + state.step * lr_decay)
        sum_of_squares = state.sum_of_squares + grads * grads
        delta = -clr[:, None] * grads / (np.sqrt(sum_of_squares) + eps)
        return delta, AdagradState(state.step + 1, sum_of_squares)

    return Optimizer(
        "adagrad",
        init,
        update,
        {
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        },
    )


class RMSpropState(NamedTuple):
    square_average: np.ndarray  # v_t, (R, 2)
    grad_average: np.ndarray  # g^ave_t, (R, 2) (used when centered)
    buffer: np.ndarray  # b_t, (R, 2) (used when momentum > 0)


def rmsprop(
    *,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
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
    _check_range("alpha", alpha, 0.0, 1.0, high_open=False)
    _check_non_negative("eps", eps)
    _check_non_negative("weight_decay", weight_decay)
    _check_range("momentum", momentum, 0.0, 1.0)

    def init(params: np.ndarray) -> RMSpropState:
        return RMSpropState(np.zeros_like(params), np.zeros_like(params), np.zeros_like(params))

    def update(
        grads: np.ndarray,
        state: RMSpropState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: Any = None,
    ) -> tuple[np.ndarray, RMSpropState]:
        if weight_decay:
            grads = grads + weight_decay * params
        square_average = alpha * state.square_average + (1 - alpha) * grads * grads
        grad_average = state.grad_average
        if centered:
            grad_average = alpha * grad_average + (1 - alpha) * grads
            denominator = np.sqrt(square_average - grad_average * grad_average) + eps
        else:
            denominator = np.sqrt(square_average) + eps
        buffer = state.buffer
        if momentum > 0:
            buffer = momentum * buffer + grads / denominator
            delta = -lr[:, None] * buffer
        else:
            delta = -lr[:, None] * grads / denominator
        return delta, RMSpropState(square_average, grad_average, buffer)

    return Optimizer(
        "rmsprop",
        init,
        update,
        {
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        },
    )


class AdamState(NamedTuple):
    step: int  # t − 1, shared by all runs (they step together)
    first_moment: np.ndarray  # m_t, (R, 2)
    second_moment: np.ndarray  # v_t, (R, 2)
    max_second_moment: np.ndarray  # v_t^max, (R, 2) (used with amsgrad)


def _adam_family(
    name: str,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled: bool,
) -> Optimizer:
    beta1, beta2 = (float(b) for b in betas)
    _check_range("betas[0]", beta1, 0.0, 1.0)
    _check_range("betas[1]", beta2, 0.0, 1.0)
    _check_non_negative("eps", eps)
    _check_non_negative("weight_decay", weight_decay)

    def init(params: np.ndarray) -> AdamState:
        zeros = np.zeros_like(params)
        return AdamState(0, zeros, zeros, zeros)

    def update(
        grads: np.ndarray, state: AdamState, params: np.ndarray, lr: np.ndarray, hessian: Any = None
    ) -> tuple[np.ndarray, AdamState]:
        step = state.step + 1
        decay = None
        if weight_decay:
            if decoupled:
                decay = -(lr * weight_decay)[:, None] * params  # θ ← θ − γλθ, before the Adam step
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
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        denominator = np.sqrt(max_second if amsgrad else second)
        denominator *= 1 / bias_correction2_sqrt
        denominator += eps
        delta = (lr * (-1 / bias_correction1))[:, None] * first
        delta /= denominator
        if decay is not None:
            # torch applies the decay in place first, then the Adam step from the decayed θ;
            # the Adam step does not depend on θ, so the sum is the same.
            delta = decay + delta
        return delta, AdamState(step, first, second, max_second)

    return Optimizer(
        name,
        init,
        update,
        {"betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad},
    )


def adam(
    *,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
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
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
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


# --- second order -----------------------------------------------------------------------------


def newton(*, definiteness_tolerance: float = 1e-8) -> Optimizer:
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
    _check_non_negative("definiteness_tolerance", definiteness_tolerance)

    def init(params: np.ndarray) -> NoState:
        return NoState()

    def update(
        grads: np.ndarray,
        state: NoState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, NoState]:
        if hessian is None:
            raise ValueError("newton needs the Hessian: pass hessian=(runs, 2, 2)")
        a, c = hessian[:, 0, 0], hessian[:, 1, 1]
        b = 0.5 * (hessian[:, 0, 1] + hessian[:, 1, 0])
        with np.errstate(all="ignore"):
            half_trace = 0.5 * (a + c)
            radius = np.sqrt(0.25 * (a - c) ** 2 + b * b)
            smaller, larger = half_trace - radius, half_trace + radius
            definite = np.isfinite(smaller) & (
                smaller > definiteness_tolerance * np.maximum(np.abs(larger), 1.0)
            )
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
        {"definiteness_tolerance": definiteness_tolerance},
        needs_hessian=True,
    )


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
    "newton": newton,
}
"""Every optimizer by its short name, in the order the app lists them."""


def make_optimizer(name: str, **hyperparameters: Any) -> Optimizer:
    """Build an optimizer by name; unknown names and hyperparameters get a clear ValueError."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} — use one of: {', '.join(OPTIMIZERS)}")
    factory = OPTIMIZERS[name]
    accepted = tuple(factory.__kwdefaults__ or {})
    unknown = [key for key in hyperparameters if key not in accepted]
    if unknown:
        raise ValueError(
            f"{name} has no hyperparameter {unknown[0]!r} — it takes: {', '.join(accepted) or 'none'}"
        )
    return factory(**hyperparameters)
