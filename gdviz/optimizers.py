"""Optimizers as pure ``init``/``update`` pairs over float64 arrays shaped (runs, 2).

Each rule follows the algorithm box of the PyTorch ``torch.optim`` class of the same name —
the definition people mean when they say "Adam" or "RMSprop" — with torch's argument names
and defaults, and the arithmetic of torch's ``_single_tensor_*`` functions. As in optax, an
optimizer is two pure functions held in a small frozen record:

* ``init(params) -> state``: the state is a NamedTuple of arrays, each with the runs on its
  first axis (the step count too, shape (runs,)), so the engine can drop finished runs by
  indexing every field with the same mask;
* ``update(grads, state, params, lr, hessian=None) -> (delta, new_state)``: the engine adds
  ``delta`` to the parameters. ``lr`` holds each run's rate for this update, shape (runs,),
  so slow, good and diverging rates (and a schedule's factor) step together.

Nothing is mutated: every update returns fresh arrays. Hyperparameters are checked and bound
in closures when the optimizer is built, so an update is a handful of array operations. A
diverging run overflows to inf or NaN quietly (divergence is a verdict the engine reports,
not a warning), so every update runs under ``np.errstate(all="ignore")``.

>>> import numpy as np
>>> opt = make_optimizer("momentum", momentum=0.5)
>>> params, grads = np.array([[1.0, 2.0]]), np.array([[2.0, -4.0]])
>>> state = opt.init(params)
>>> delta, state = opt.update(grads, state, params, np.array([0.1]))
>>> delta.tolist()  # b₁ = g₁: the first step is a plain gradient step
[[-0.2, 0.4]]
>>> delta, state = opt.update(grads, state, params + delta, np.array([0.1]))
>>> delta.tolist()  # b₂ = 0.5 b₁ + g₂
[[-0.30000000000000004, 0.6000000000000001]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "OPTIMIZERS",
    "AdagradState",
    "AdamState",
    "GradientDescentState",
    "MomentumState",
    "NewtonState",
    "Optimizer",
    "RMSpropState",
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
    """An update rule: ``init(params) -> state``, ``update(grads, state, params, lr, hessian)``.

    ``params`` and ``grads`` are float64 arrays shaped (R, 2), ``lr`` is shaped (R,), and
    ``hessian`` (only for ``needs_hessian`` optimizers) is shaped (R, 2, 2). ``update`` returns
    ``(delta, new_state)`` and the caller computes ``params + delta``.
    """

    name: str
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    hyperparameters: Mapping[str, Any]
    needs_hessian: bool = False

    @property
    def rule(self) -> Callable[..., tuple[np.ndarray, Any]]:
        """The same function as :attr:`update` (an older name, kept for existing callers)."""
        return self.update


# --- checking hyperparameters -----------------------------------------------------------------


def _number(name: str, value: Any) -> float:
    """``value`` as a float, refusing bools, strings and other non-numbers."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


def _in_interval(
    name: str, value: Any, low: float, high: float, *, low_open: bool = False, high_open: bool
) -> float:
    number = _number(name, value)
    above = number > low if low_open else number >= low
    below = number < high if high_open else number <= high
    if not (above and below):  # NaN fails both comparisons
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {number!r}")
    return number


def _non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a finite number ≥ 0, got {number!r}")
    return number


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# --- SGD family -------------------------------------------------------------------------------


class GradientDescentState(NamedTuple):
    """Plain gradient descent keeps nothing between updates."""


class MomentumState(NamedTuple):
    """SGD with momentum: the update count and the momentum buffer."""

    step: np.ndarray  # (R,) int64: updates taken so far; 0 means b is not started yet
    momentum_buffer: np.ndarray  # (R, 2): b_t


def gd(*, weight_decay: float = 0.0) -> Optimizer:
    r"""Plain gradient descent: torch ``SGD(params, lr, momentum=0, weight_decay=λ)``.

    .. code-block:: text

        input: γ (lr), θ₀ (params), f (objective), λ (weight_decay)
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            θ_t ← θ_{t−1} − γ g_t

    optax ``sgd`` and Keras ``SGD`` agree; optax has no weight decay in ``sgd`` (chain it
    with ``add_decayed_weights``).

    >>> import numpy as np
    >>> opt = gd()
    >>> params = np.zeros((1, 2))
    >>> opt.update(np.array([[2.0, 40.0]]), opt.init(params), params, np.array([0.1]))[0]
    array([[-0.2, -4. ]])
    """
    weight_decay = _non_negative("weight_decay", weight_decay)

    def init(params: np.ndarray) -> GradientDescentState:
        return GradientDescentState()

    def update(
        grads: np.ndarray,
        state: GradientDescentState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, GradientDescentState]:
        with np.errstate(all="ignore"):
            if weight_decay:
                grads = grads + weight_decay * params
            return -lr[:, None] * grads, state

    return Optimizer("gd", init, update, MappingProxyType({"weight_decay": weight_decay}))


def _sgd_with_momentum(
    name: str,
    momentum_factor: float,
    dampening: float,
    weight_decay: float,
    *,
    nesterov: bool,
    hyperparameters: dict[str, Any],
) -> Optimizer:
    """torch's SGD with momentum ≠ 0, shared by :func:`momentum` and :func:`nesterov`."""
    undamped = 1.0 - dampening

    def init(params: np.ndarray) -> MomentumState:
        return MomentumState(np.zeros(len(params), dtype=np.int64), np.zeros_like(params))

    def update(
        grads: np.ndarray,
        state: MomentumState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, MomentumState]:
        with np.errstate(all="ignore"):
            if weight_decay:
                grads = grads + weight_decay * params
            buffer = momentum_factor * state.momentum_buffer
            if dampening:
                # torch starts the buffer at the first gradient, undamped (b₁ = g₁): weight 1
                # on a run's first update, 1 − τ afterwards. μ·b₀ = 0 adds nothing.
                buffer += np.where(state.step == 0, 1.0, undamped)[:, None] * grads
            else:
                buffer += grads  # b₀ = 0, so b₁ = μ·0 + g₁ = g₁ exactly, as in torch
            direction = grads + momentum_factor * buffer if nesterov else buffer
            return -lr[:, None] * direction, MomentumState(state.step + 1, buffer)

    return Optimizer(name, init, update, MappingProxyType(hyperparameters))


def momentum(
    *, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0
) -> Optimizer:
    r"""Heavy-ball momentum: torch ``SGD(params, lr, momentum=μ, dampening=τ, weight_decay=λ)``.

    .. code-block:: text

        input: γ (lr), θ₀ (params), f (objective), λ (weight_decay), μ (momentum),
               τ (dampening)
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            if t > 1:  b_t ← μ b_{t−1} + (1 − τ) g_t
            else:      b_t ← g_t                      (the first gradient, not damped)
            θ_t ← θ_{t−1} − γ b_t

    The default μ = 0.9 is this app's (torch's SGD default μ = 0 is :func:`gd`).
    The rate multiplies the buffer on the way out, so a schedule that changes γ rescales the
    whole velocity at once. Keras' SGD (and Sutskever et al.) put γ inside the velocity
    instead, v ← μ v − γ g, θ ← θ + v; the two agree only while γ is constant. optax's
    ``sgd(momentum=μ)`` has torch's form, without dampening.
    """
    momentum = _in_interval("momentum", momentum, 0.0, 1.0, high_open=True)
    dampening = _in_interval("dampening", dampening, 0.0, 1.0, high_open=False)
    weight_decay = _non_negative("weight_decay", weight_decay)
    return _sgd_with_momentum(
        "momentum",
        momentum,
        dampening,
        weight_decay,
        nesterov=False,
        hyperparameters={
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
        },
    )


def nesterov(*, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    r"""Nesterov momentum: torch ``SGD(params, lr, momentum=μ, nesterov=True, weight_decay=λ)``.

    .. code-block:: text

        input: γ (lr), θ₀ (params), f (objective), λ (weight_decay), μ (momentum)
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            if t > 1:  b_t ← μ b_{t−1} + g_t
            else:      b_t ← g_t
            g_t ← g_t + μ b_t                (the look-ahead, without a second gradient)
            θ_t ← θ_{t−1} − γ g_t

    As torch does, Nesterov requires μ > 0 and no dampening (so there is no ``dampening``
    argument). The gradient is taken at θ_{t−1}, not at a look-ahead point: this is the
    reformulation of Sutskever et al. that torch, optax (``sgd(nesterov=True)``) and Keras use.
    """
    momentum = _in_interval("momentum", momentum, 0.0, 1.0, low_open=True, high_open=True)
    weight_decay = _non_negative("weight_decay", weight_decay)
    return _sgd_with_momentum(
        "nesterov",
        momentum,
        0.0,
        weight_decay,
        nesterov=True,
        hyperparameters={"momentum": momentum, "weight_decay": weight_decay},
    )


# --- adaptive methods -------------------------------------------------------------------------


class AdagradState(NamedTuple):
    """Adagrad: the update count (for lr_decay) and the running sum of squared gradients."""

    step: np.ndarray  # (R,) int64: updates taken so far, t − 1 during update t
    state_sum: np.ndarray  # (R, 2)


def adagrad(
    *,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> Optimizer:
    r"""Adagrad: torch ``Adagrad(params, lr, lr_decay=η, weight_decay=λ,
    initial_accumulator_value=τ, eps=ε)``.

    .. code-block:: text

        input: γ (lr), θ₀ (params), f (objective), λ (weight_decay), τ
               (initial_accumulator_value), η (lr_decay), ε (eps)
        initialize: state_sum₀ ← τ
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            γ̃ ← γ / (1 + (t − 1) η)
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            state_sum_t ← state_sum_{t−1} + g_t²
            θ_t ← θ_{t−1} − γ̃ g_t / (√state_sum_t + ε)

    optax's ``adagrad`` starts the sum at 0.1 with ε = 1e-7 *inside* the square root
    (g / √(sum + ε)) and has no lr_decay; Keras also starts at 0.1 with ε = 1e-7.
    """
    lr_decay = _non_negative("lr_decay", lr_decay)
    weight_decay = _non_negative("weight_decay", weight_decay)
    initial_accumulator_value = _non_negative(
        "initial_accumulator_value", initial_accumulator_value
    )
    eps = _non_negative("eps", eps)

    def init(params: np.ndarray) -> AdagradState:
        return AdagradState(
            np.zeros(len(params), dtype=np.int64), np.full_like(params, initial_accumulator_value)
        )

    def update(
        grads: np.ndarray,
        state: AdagradState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, AdagradState]:
        with np.errstate(all="ignore"):
            if weight_decay:
                grads = grads + weight_decay * params
            # state.step is t − 1 here; with η = 0 the division is by 1 exactly, so skip it.
            clr = lr / (1.0 + state.step * lr_decay) if lr_decay else lr
            state_sum = grads * grads
            state_sum += state.state_sum
            std = np.sqrt(state_sum)
            std += eps
            # torch: param.addcdiv_(grad, std, value=−clr), i.e. −clr · (g / std).
            delta = grads / std
            delta *= -clr[:, None]
            return delta, AdagradState(state.step + 1, state_sum)

    return Optimizer(
        "adagrad",
        init,
        update,
        MappingProxyType(
            {
                "lr_decay": lr_decay,
                "weight_decay": weight_decay,
                "initial_accumulator_value": initial_accumulator_value,
                "eps": eps,
            }
        ),
    )


class RMSpropState(NamedTuple):
    """RMSprop: the averages and buffer of torch's box (unused ones stay zero)."""

    square_avg: np.ndarray  # (R, 2): v_t
    grad_avg: np.ndarray  # (R, 2): g^ave_t, used when centered
    momentum_buffer: np.ndarray  # (R, 2): b_t, used when momentum > 0


def rmsprop(
    *,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Optimizer:
    r"""RMSprop: torch ``RMSprop(params, lr, alpha=α, eps=ε, weight_decay=λ, momentum=μ,
    centered)``.

    .. code-block:: text

        input: α (alpha), γ (lr), θ₀ (params), f (objective), λ (weight_decay),
               μ (momentum), centered
        initialize: v₀ ← 0, b₀ ← 0, g^ave₀ ← 0
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            v_t ← α v_{t−1} + (1 − α) g_t²
            ṽ_t ← v_t
            if centered:
                g^ave_t ← α g^ave_{t−1} + (1 − α) g_t
                ṽ_t ← ṽ_t − (g^ave_t)²
            if μ > 0:
                b_t ← μ b_{t−1} + g_t / (√ṽ_t + ε)
                θ_t ← θ_{t−1} − γ b_t
            else:
                θ_t ← θ_{t−1} − γ g_t / (√ṽ_t + ε)

    ε is added *outside* the square root, as torch does; TensorFlow/Keras and optax's
    ``rmsprop`` put it inside (g / √(v + ε)), and optax's default decay is 0.9, not 0.99.
    (torch computes g^ave with ``lerp``, the same average up to the last bit.)
    """
    alpha = _in_interval("alpha", alpha, 0.0, 1.0, high_open=False)
    eps = _non_negative("eps", eps)
    weight_decay = _non_negative("weight_decay", weight_decay)
    momentum = _in_interval("momentum", momentum, 0.0, 1.0, high_open=True)
    centered = _flag("centered", centered)
    one_minus_alpha = 1.0 - alpha

    def init(params: np.ndarray) -> RMSpropState:
        return RMSpropState(np.zeros_like(params), np.zeros_like(params), np.zeros_like(params))

    def update(
        grads: np.ndarray,
        state: RMSpropState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, RMSpropState]:
        with np.errstate(all="ignore"):
            if weight_decay:
                grads = grads + weight_decay * params
            square_avg = alpha * state.square_avg
            square_avg += one_minus_alpha * (grads * grads)
            grad_avg = state.grad_avg
            if centered:
                grad_avg = alpha * grad_avg
                grad_avg += one_minus_alpha * grads
                avg = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            buffer = state.momentum_buffer
            if momentum > 0:
                buffer = momentum * buffer
                buffer += grads / avg
                delta = -lr[:, None] * buffer
            else:
                delta = grads / avg
                delta *= -lr[:, None]
            return delta, RMSpropState(square_avg, grad_avg, buffer)

    return Optimizer(
        "rmsprop",
        init,
        update,
        MappingProxyType(
            {
                "alpha": alpha,
                "eps": eps,
                "weight_decay": weight_decay,
                "momentum": momentum,
                "centered": centered,
            }
        ),
    )


class AdamState(NamedTuple):
    """Adam and AdamW: the update count (for bias correction) and torch's moment estimates."""

    step: np.ndarray  # (R,) int64: updates taken so far (t after update t)
    exp_avg: np.ndarray  # (R, 2): m_t
    exp_avg_sq: np.ndarray  # (R, 2): v_t
    max_exp_avg_sq: np.ndarray  # (R, 2): v_t^max, used with amsgrad (raw, not bias-corrected)


def _adam_family(
    name: str, betas: Any, eps: float, weight_decay: float, amsgrad: bool, *, decoupled: bool
) -> Optimizer:
    """torch's Adam (L2 decay in the gradient) or AdamW (decoupled decay of the weights)."""
    if isinstance(betas, str) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"betas must be a pair (β₁, β₂), got {betas!r}")
    beta1 = _in_interval("betas[0]", betas[0], 0.0, 1.0, high_open=True)
    beta2 = _in_interval("betas[1]", betas[1], 0.0, 1.0, high_open=True)
    eps = _non_negative("eps", eps)
    weight_decay = _non_negative("weight_decay", weight_decay)
    amsgrad = _flag("amsgrad", amsgrad)
    one_minus_beta1, one_minus_beta2 = 1.0 - beta1, 1.0 - beta2
    l2_penalty = weight_decay if not decoupled else 0.0
    decoupled_decay = weight_decay if decoupled else 0.0

    def init(params: np.ndarray) -> AdamState:
        zeros = np.zeros_like(params)  # never written in place, so one array serves all three
        return AdamState(np.zeros(len(params), dtype=np.int64), zeros, zeros, zeros)

    def update(
        grads: np.ndarray,
        state: AdamState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, AdamState]:
        with np.errstate(all="ignore"):
            step = state.step + 1  # t, from 1: the bias corrections below are never 1 − 1
            if l2_penalty:
                grads = grads + l2_penalty * params
            exp_avg = beta1 * state.exp_avg
            exp_avg += one_minus_beta1 * grads
            exp_avg_sq = beta2 * state.exp_avg_sq
            exp_avg_sq += one_minus_beta2 * (grads * grads)
            if amsgrad:
                # torch keeps the max of the raw v and bias-corrects the max afterwards.
                max_exp_avg_sq = np.maximum(state.max_exp_avg_sq, exp_avg_sq)
                second_moment = max_exp_avg_sq
            else:
                max_exp_avg_sq = state.max_exp_avg_sq
                second_moment = exp_avg_sq
            # torch's arithmetic: θ −= (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
            bias_correction1 = 1.0 - beta1**step
            bias_correction2_sqrt = np.sqrt(1.0 - beta2**step)
            denom = np.sqrt(second_moment)
            denom /= bias_correction2_sqrt[:, None]
            denom += eps
            delta = exp_avg / denom
            delta *= (-lr / bias_correction1)[:, None]
            if decoupled_decay:
                # AdamW: θ ← θ − γλθ before the Adam step; that step does not depend on θ,
                # so the two add up to one delta.
                delta -= (lr * decoupled_decay)[:, None] * params
            return delta, AdamState(step, exp_avg, exp_avg_sq, max_exp_avg_sq)

    return Optimizer(
        name,
        init,
        update,
        MappingProxyType(
            {
                "betas": (beta1, beta2),
                "eps": eps,
                "weight_decay": weight_decay,
                "amsgrad": amsgrad,
            }
        ),
    )


def adam(
    *,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    r"""Adam: torch ``Adam(params, lr, betas=(β₁, β₂), eps=ε, weight_decay=λ, amsgrad)``.

    .. code-block:: text

        input: γ (lr), β₁, β₂ (betas), θ₀ (params), f (objective), λ (weight_decay), amsgrad
        initialize: m₀ ← 0, v₀ ← 0, v₀^max ← 0
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
            m_t ← β₁ m_{t−1} + (1 − β₁) g_t
            v_t ← β₂ v_{t−1} + (1 − β₂) g_t²
            m̂_t ← m_t / (1 − β₁ᵗ)
            if amsgrad:
                v_t^max ← max(v_{t−1}^max, v_t)
                v̂_t ← v_t^max / (1 − β₂ᵗ)
            else:
                v̂_t ← v_t / (1 − β₂ᵗ)
            θ_t ← θ_{t−1} − γ m̂_t / (√v̂_t + ε)

    Computed as torch computes it: (γ / (1 − β₁ᵗ)) · m_t / (√v_t / √(1 − β₂ᵗ) + ε).
    With amsgrad, torch keeps the maximum of the *raw* v and bias-corrects it afterwards (the
    box above, as in torch ≥ 2.1; older torch docs wrote max(v̂^max, v̂_t), which is what
    optax's ``amsgrad`` computes). TensorFlow/Keras fold the corrections into the rate,
    γ √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε), so their ε is the un-corrected "ε hat"
    (and Keras' default ε is 1e-7).
    """
    return _adam_family("adam", betas, eps, weight_decay, amsgrad, decoupled=False)


def adamw(
    *,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    amsgrad: bool = False,
) -> Optimizer:
    r"""AdamW: torch ``AdamW(params, lr, betas, eps, weight_decay=λ (0.01), amsgrad)``.

    .. code-block:: text

        input: γ (lr), β₁, β₂ (betas), θ₀ (params), f (objective), λ (weight_decay), amsgrad
        initialize: m₀ ← 0, v₀ ← 0, v₀^max ← 0
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1})
            θ_t ← θ_{t−1} − γ λ θ_{t−1}            (decay the weights, not the gradient)
            m_t, v_t, m̂_t, v̂_t as in Adam (no λθ term in g_t)
            θ_t ← θ_t − γ m̂_t / (√v̂_t + ε)

    torch multiplies θ by (1 − γλ) in place; here the decay is part of the returned delta,
    −γλθ + (Adam step), equal up to rounding. The decay scales with γ (and so with a schedule),
    as in torch and optax; Loshchilov & Hutter's paper decays by the schedule factor times λ
    alone. optax's ``adamw`` default λ is 1e-4, Keras' 0.004; torch's (and this) is 0.01.
    """
    return _adam_family("adamw", betas, eps, weight_decay, amsgrad, decoupled=True)


# --- second order -----------------------------------------------------------------------------


class NewtonState(NamedTuple):
    """Newton's method keeps nothing between updates: the Hessian is evaluated fresh."""


def newton(*, definiteness_tolerance: float = 1e-8) -> Optimizer:
    r"""Damped Newton steps with the exact Hessian, falling back to gradient steps.

    .. code-block:: text

        input: γ (lr, the damping), θ₀ (params), f (objective), δ (definiteness_tolerance)
        for t = 1, 2, …
            g_t ← ∇f(θ_{t−1}),  H_t ← ∇²f(θ_{t−1})
            λ_min ≤ λ_max ← eigenvalues of H_t
            if λ_min > δ · |λ_max|:  θ_t ← θ_{t−1} − γ H_t⁻¹ g_t      (H positive definite)
            else:                    θ_t ← θ_{t−1} − γ g_t            (a gradient step)

    Where H is singular (a flat direction), indefinite (a saddle), negative definite (a
    maximum), too ill-conditioned (λ_min ≤ δ·|λ_max|) or not finite, the pure Newton step
    would head for whatever stationary point is near, or be undefined, so that run takes a
    plain gradient step −γg instead, run by run. With γ = 1 a quadratic bowl is solved in one
    step. This is not a torch optimizer (torch's second-order method is L-BFGS, which builds
    its curvature from gradients); it shows what exact curvature buys.

    The 2×2 systems are solved in closed form: H = [[a, b], [b, c]] (the off-diagonal is
    averaged, so a slightly asymmetric Hessian is symmetrized), H⁻¹g = [c g₁ − b g₂,
    a g₂ − b g₁] / (ac − b²), and the test λ_min > δ λ_max reads det H > δ λ_max² with
    λ_max = (a + c)/2 + √(((a − c)/2)² + b²) > 0, which avoids the cancellation in λ_min.
    The engine must pass ``hessian`` shaped (R, 2, 2); ``needs_hessian`` tells it to.
    """
    definiteness_tolerance = _in_interval(
        "definiteness_tolerance", definiteness_tolerance, 0.0, 1.0, high_open=True
    )

    def init(params: np.ndarray) -> NewtonState:
        return NewtonState()

    def update(
        grads: np.ndarray,
        state: NewtonState,
        params: np.ndarray,
        lr: np.ndarray,
        hessian: np.ndarray | None = None,
    ) -> tuple[np.ndarray, NewtonState]:
        if hessian is None:
            raise ValueError("newton needs the Hessian: pass hessian= an array shaped (R, 2, 2)")
        with np.errstate(all="ignore"):
            a, c = hessian[:, 0, 0], hessian[:, 1, 1]
            b = 0.5 * (hessian[:, 0, 1] + hessian[:, 1, 0])
            determinant = a * c - b * b
            largest = 0.5 * (a + c) + np.hypot(0.5 * (a - c), b)
            # NaN or inf anywhere makes these comparisons False: a gradient step.
            definite = (largest > 0) & (determinant > definiteness_tolerance * largest * largest)
            g1, g2 = grads[:, 0], grads[:, 1]
            direction = np.empty_like(grads)
            direction[:, 0] = (c * g1 - b * g2) / determinant
            direction[:, 1] = (a * g2 - b * g1) / determinant
            direction = np.where(definite[:, None], direction, grads)
            return -lr[:, None] * direction, state

    return Optimizer(
        "newton",
        init,
        update,
        MappingProxyType({"definiteness_tolerance": definiteness_tolerance}),
        needs_hessian=True,
    )


# --- the registry -----------------------------------------------------------------------------

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
"""Every optimizer factory by its short name, in the order the app lists them."""


def make_optimizer(name: str, **hyperparameters: Any) -> Optimizer:
    """Build the optimizer called ``name`` with torch-named ``hyperparameters``.

    Unknown names and hyperparameters raise a ValueError that lists the valid ones.

    >>> make_optimizer("adam", betas=(0.8, 0.99)).hyperparameters["betas"]
    (0.8, 0.99)
    """
    factory = OPTIMIZERS.get(name) if isinstance(name, str) else None
    if factory is None:
        raise ValueError(f"unknown optimizer {name!r} — use one of: {', '.join(OPTIMIZERS)}")
    accepted = tuple(factory.__kwdefaults__ or ())
    for key in hyperparameters:
        if key not in accepted:
            hint = " (the learning rate is given per run to update())" if key == "lr" else ""
            raise ValueError(
                f"{name} has no hyperparameter {key!r}{hint} — it takes: {', '.join(accepted)}"
            )
    return factory(**hyperparameters)
