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
optimizer is built and carried in the state (as optax's ``inject_hyperparams`` does). Each
number is either one float for every run or a per-run array of shape (runs,), kept as a
column (runs, 1) that broadcasts against the (runs, 2) parameters and is dropped with a
finished run like any other per-run state; so one engine call can step a whole rate ×
hyperparameter grid (the phase map). A float takes exactly the arithmetic it always did; a
run given value v in an array takes the same steps, bit for bit, as the float v.

Where others differ from torch: optax and Keras put RMSprop's ε inside the square root
(torch adds it outside); Keras' RMSprop starts its accumulator at 0 like torch but optax's
Adagrad starts at 0.1; TensorFlow's Adam applies ε to the un-corrected denominator ("ε hat").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
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


# --- SGD family -------------------------------------------------------------------------------


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


# --- adaptive methods -------------------------------------------------------------------------


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


# --- second order -----------------------------------------------------------------------------


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
