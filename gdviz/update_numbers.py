"""One update written out with its numbers: the optimizer's torch box at update t of a run.

:func:`update_lines` reads a traced run (``engine.run(..., trace=True)``): θ_{t−1} and θ_t from
its path, g_t, the rate γ_t and the state after the update (torch's names: ``momentum_buffer``,
``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ``sum``, ``square_avg``, ``grad_avg``) from its
trace, and Newton's step as the engine applied it. What the trace does not keep — weight decay's λθ term, Adam's bias-corrected m̂_t and v̂_t, the per-coordinate
rates — is worked out from those numbers by the same formula the box states. The last line is
the engine's own θ_t, so a reader can check the arithmetic; ``tests/test_update_numbers.py``
does, for every optimizer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.engine import Run, Trace

__all__ = ["Line", "update_lines"]


@dataclass(frozen=True)
class Line:
    """``name = formula = value``: one assignment of the box, its value a pair (one number per
    coordinate) or a number."""

    name: str
    formula: str
    value: Any

    def latex(self) -> str:
        right = f" = {self.formula}" if self.formula else ""
        # The points to 7 figures: a step of 3e-4 from −1.5 must show.
        digits = 7 if self.name.startswith(r"\theta") else 4
        return f"{self.name}{right} = {_number(self.value, digits)}"


def _number(value: Any, digits: int = 4) -> str:
    """A number or a pair to ``digits`` significant figures, powers of ten written out."""
    values = np.atleast_1d(np.asarray(value, dtype=float))
    parts = [_scalar(float(v), digits) for v in values]
    return parts[0] if len(parts) == 1 else r"\left(" + r",\ ".join(parts) + r"\right)"


def _scalar(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def update_lines(
    optimizer: str, hyperparameters: Mapping[str, Any], run: Run, t: int
) -> tuple[Line, ...]:
    """The box of ``optimizer`` (with ``hyperparameters`` as the run used them) at update
    ``t`` (1 ≤ t ≤ run.nit) of a traced ``run``."""
    trace = run.trace
    if trace is None:
        raise ValueError("the run has no trace: run it with trace=True")
    if not 1 <= t <= run.nit:
        raise ValueError(f"the update must be between 1 and {run.nit}, got {t}")
    before, after = run.path[t - 1], run.path[t]
    g, lr = trace.grad[t - 1], float(trace.lr[t - 1])

    lines = [
        Line(r"\theta_{t-1}", "", before),
        Line("g_t", r"\nabla f(\theta_{t-1})", g),
        Line(r"\gamma_t", "", lr),
    ]
    decay = float(hyperparameters.get("weight_decay", 0.0))
    if decay and optimizer != "adamw":
        g = g + decay * before
        lines.append(Line("g_t", rf"g_t + {decay:g}\,\theta_{{t-1}}", g))
    lines += _BOXES[optimizer](_Update(hyperparameters, g, lr, before, t, trace))
    lines.append(Line(r"\theta_t", "", after))
    return tuple(lines)


@dataclass(frozen=True)
class _Update:
    """What a box's lines are written from: the hyperparameters, g_t (with any weight decay),
    γ_t, θ_{t−1}, t, and the run's trace for the state after the update."""

    h: Mapping[str, Any]
    g: np.ndarray
    lr: float
    before: np.ndarray
    t: int
    trace: Trace

    def state(self, name: str) -> np.ndarray:
        """The optimizer's state ``name`` (torch's name) after update t."""
        return self.trace.state[name][self.t - 1]


def _gd(u: _Update) -> list[Line]:
    return [Line(r"\Delta\theta_t", r"-\gamma_t\, g_t", -u.lr * u.g)]


def _momentum(u: _Update, nesterov: bool = False) -> list[Line]:
    h, g, lr = u.h, u.g, u.lr
    mu = float(h["momentum"])
    if mu == 0:
        return _gd(u)
    buffer = u.state("momentum_buffer")
    tau = float(h.get("dampening", 0.0))
    if u.t == 1:
        lines = [Line("b_1", "g_1", buffer)]
    else:
        damp = rf"(1 - {tau:g})\," if tau else ""
        lines = [Line("b_t", rf"{mu:g}\, b_{{t-1}} + {damp}g_t", buffer)]
    if nesterov:
        direction = g + mu * buffer
        lines.append(Line("g_t", rf"g_t + {mu:g}\, b_t", direction))
        return [*lines, Line(r"\Delta\theta_t", r"-\gamma_t\, g_t", -lr * direction)]
    return [*lines, Line(r"\Delta\theta_t", r"-\gamma_t\, b_t", -lr * buffer)]


def _nesterov(u: _Update) -> list[Line]:
    return _momentum(u, nesterov=True)


def _adagrad(u: _Update) -> list[Line]:
    eta, eps = float(u.h["lr_decay"]), float(u.h["eps"])
    total = u.state("sum")
    rate = u.lr / (1 + (u.t - 1) * eta)
    per_coordinate = rate / (np.sqrt(total) + eps)
    return [
        Line(r"\tilde\gamma_t", rf"\gamma_t / (1 + (t - 1)\,{eta:g})", rate),
        Line(r"\mathrm{sum}_t", r"\mathrm{sum}_{t-1} + g_t^2", total),
        Line(r"\tilde\gamma_t / (\sqrt{\mathrm{sum}_t} + \epsilon)", "", per_coordinate),
        Line(r"\Delta\theta_t", r"-\tilde\gamma_t\, g_t / (\sqrt{\mathrm{sum}_t} + \epsilon)",
             -per_coordinate * u.g),
    ]  # fmt: skip


def _rmsprop(u: _Update) -> list[Line]:
    h, g, lr = u.h, u.g, u.lr
    alpha, eps, mu = float(h["alpha"]), float(h["eps"]), float(h["momentum"])
    square = u.state("square_avg")
    lines = [Line("v_t", rf"{alpha:g}\, v_{{t-1}} + {1 - alpha:g}\, g_t^2", square)]
    adjusted = square
    if h.get("centered"):
        average = u.state("grad_avg")
        adjusted = square - average**2
        lines += [
            Line(r"\bar g_t", rf"{alpha:g}\, \bar g_{{t-1}} + {1 - alpha:g}\, g_t", average),
            Line(r"\tilde v_t", r"v_t - \bar g_t^2", adjusted),
        ]
    scaled = g / (np.sqrt(adjusted) + eps)
    lines.append(
        Line(r"\gamma_t / (\sqrt{\tilde v_t} + \epsilon)", "", lr / (np.sqrt(adjusted) + eps))
    )
    if mu > 0:
        buffer = u.state("momentum_buffer")
        return [
            *lines,
            Line("b_t", rf"{mu:g}\, b_{{t-1}} + g_t / (\sqrt{{\tilde v_t}} + \epsilon)", buffer),
            Line(r"\Delta\theta_t", r"-\gamma_t\, b_t", -lr * buffer),
        ]
    return [*lines, Line(r"\Delta\theta_t", r"-\gamma_t\, g_t / (\sqrt{\tilde v_t} + \epsilon)",
                         -lr * scaled)]  # fmt: skip


def _adam(u: _Update) -> list[Line]:
    h, t = u.h, u.t
    beta1, beta2 = (float(b) for b in h["betas"])
    eps = float(h["eps"])
    m, v = u.state("exp_avg"), u.state("exp_avg_sq")
    lines = [
        Line("m_t", rf"{beta1:g}\, m_{{t-1}} + {1 - beta1:.3g}\, g_t", m),
        Line("v_t", rf"{beta2:g}\, v_{{t-1}} + {1 - beta2:.3g}\, g_t^2", v),
        Line(r"\hat m_t", rf"m_t / (1 - {beta1:g}^{{{t}}})", m / (1 - beta1**t)),
    ]
    kept = v
    if h.get("amsgrad"):
        kept = u.state("max_exp_avg_sq")
        lines.append(Line(r"v_t^{\max}", r"\max(v_{t-1}^{\max}, v_t)", kept))
    v_hat = kept / (1 - beta2**t)
    kept_name = r"v_t^{\max}" if h.get("amsgrad") else "v_t"
    lines.append(Line(r"\hat v_t", rf"{kept_name} / (1 - {beta2:g}^{{{t}}})", v_hat))
    rate = u.lr / (np.sqrt(v_hat) + eps)
    lines += [
        Line(r"\gamma_t / (\sqrt{\hat v_t} + \epsilon)", "", rate),
        Line(r"\Delta\theta_t", r"-\gamma_t\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)",
             -rate * (m / (1 - beta1**t))),
    ]  # fmt: skip
    return lines


def _adamw(u: _Update) -> list[Line]:
    decay = float(u.h["weight_decay"])
    shrunk = u.before - u.lr * decay * u.before
    lines = [
        Line(r"\theta_{t-1}'", rf"\theta_{{t-1}} - \gamma_t\, {decay:g}\, \theta_{{t-1}}", shrunk)
    ]
    adam = _adam(u)
    step = shrunk - u.before + adam[-1].value
    formula = (
        r"-\gamma_t\,\lambda\,\theta_{t-1} - \gamma_t\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)"
    )
    return [*lines, *adam[:-1], Line(r"\Delta\theta_t", formula, step)]


def _newton(u: _Update) -> list[Line]:
    # H_t is not traced: the step is the engine's, as applied (a gradient step where H_t is
    # not positive definite).
    return [Line(r"\Delta\theta_t", r"-\gamma_t\, H_t^{-1} g_t", u.trace.step[u.t - 1])]


_BOXES = {
    "gd": _gd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
    "adamw": _adamw,
    "newton": _newton,
}
