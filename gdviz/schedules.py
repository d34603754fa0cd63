"""Learning-rate schedules: plain functions of the step (and one of the run).

A schedule gives the factor by which the base rate is multiplied at update t (t = 0 for the
first update), following torch's ``lr_scheduler`` conventions (``last_epoch`` = t: the
scheduler steps once after every update):

=================  ======================================================================
``constant``       1
``step``           γ^⌊t / step_size⌋                                  (``StepLR``)
``multistep``      γ^(number of milestones ≤ t)                        (``MultiStepLR``)
``exponential``    γ^t                                                (``ExponentialLR``)
``inverse_time``   1 / (1 + decay · t)                                ("1/t" decay)
``cosine``         m + (1 − m)(1 + cos(π · min(t, T_max) / T_max)) / 2   (``CosineAnnealingLR``, m = eta_min_factor)
``polynomial``     (1 − min(t, total_iters) / total_iters)^power       (``PolynomialLR``)
``onecycle``       up from 1/div_factor to 1 over pct_start · total_steps − 1 updates, then down
                   to 1/(div_factor · final_div_factor) at total_steps − 1, both by half-cosines
                   (``OneCycleLR``, max_lr = the base rate, anneal_strategy='cos')
``plateau``        × factor once f has not improved for more than ``patience`` updates
                   (``ReduceLROnPlateau``, mode 'min' on the run's f after each update)
=================  ======================================================================

Any of them but ``plateau`` may start with a linear warm-up of ``warmup`` updates, during
which the factor rises as (t + 1) / warmup times the schedule's own: torch's
``LinearLR(start_factor=1/warmup, total_iters=warmup − 1)``, full rate from update ``warmup − 1``.
Schedules are frozen records, so they print, compare and serialize: ``cosine(t_max=500)``;
a list is written with ``|``: ``multistep(milestones=100|200, gamma=0.1)``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["SCHEDULES", "Plateau", "Schedule", "parse_schedule"]


_FACTORS: dict[str, Callable[..., float]] = {
    "constant": lambda t: 1.0,
    "step": lambda t, step_size, gamma=0.5: gamma ** (t // step_size),
    "exponential": lambda t, gamma: gamma**t,
    "inverse_time": lambda t, decay: 1.0 / (1.0 + decay * t),
    "cosine": lambda t, t_max, eta_min_factor=0.0: (
        eta_min_factor + (1 - eta_min_factor) * (1 + math.cos(math.pi * min(t, t_max) / t_max)) / 2
    ),
    "multistep": lambda t, milestones, gamma=0.1: gamma ** bisect_right(milestones, t),
    "polynomial": lambda t, total_iters=5, power=1.0: (
        (1.0 - min(total_iters, t) / total_iters) ** power
    ),
    "onecycle": lambda t, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4: (
        _one_cycle(t, total_steps, pct_start, div_factor, final_div_factor)
    ),
    "plateau": lambda t, **params: _depends_on_the_run(),
}


def _one_cycle(
    t: int, total_steps: int, pct_start: float, div_factor: float, final_div_factor: float
) -> float:
    """torch's OneCycleLR.get_lr (two phases, cos annealing) with max_lr = 1; past the cycle
    (t ≥ total_steps − 1, where torch refuses to step further) the factor stays at its end."""
    initial = 1.0 / div_factor
    phases = (
        (float(pct_start * total_steps) - 1, initial, 1.0),
        (float(total_steps - 1), 1.0, initial / final_div_factor),
    )
    step = min(t, total_steps - 1)
    start_step = 0.0
    for i, (end_step, start, end) in enumerate(phases):
        if step <= end_step or i == len(phases) - 1:
            pct = (step - start_step) / (end_step - start_step)
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        start_step = end_step
    raise AssertionError("unreachable: the last phase always answers")


def _depends_on_the_run() -> float:
    raise ValueError(
        "plateau depends on the run (its f after each update): the engine steps it per run"
    )


# name → {parameter: (kind, check, message)}; "warmup" is accepted by every schedule.
_PARAMETERS: dict[str, dict[str, tuple[type, Callable[[float], bool], str]]] = {
    "constant": {},
    "step": {
        "step_size": (int, lambda v: v >= 1, "a whole number ≥ 1"),
        "gamma": (float, lambda v: 0 < v <= 1, "in (0, 1]"),
    },
    "exponential": {"gamma": (float, lambda v: 0 < v <= 1, "in (0, 1]")},
    "inverse_time": {"decay": (float, lambda v: v >= 0, "≥ 0")},
    "cosine": {
        "t_max": (int, lambda v: v >= 1, "a whole number ≥ 1"),
        "eta_min_factor": (float, lambda v: 0 <= v <= 1, "in [0, 1]"),
    },
    "multistep": {
        "milestones": (tuple, lambda v: v >= 0, "whole numbers ≥ 0, increasing, written 100|200"),
        "gamma": (float, lambda v: 0 < v <= 1, "in (0, 1]"),
    },
    "polynomial": {
        "total_iters": (int, lambda v: v >= 1, "a whole number ≥ 1"),
        "power": (float, lambda v: v > 0, "> 0"),
    },
    "onecycle": {
        "total_steps": (int, lambda v: v >= 2, "a whole number ≥ 2"),
        "pct_start": (float, lambda v: 0 < v < 1, "in (0, 1)"),
        "div_factor": (float, lambda v: v > 0, "> 0"),
        "final_div_factor": (float, lambda v: v > 0, "> 0"),
    },
    "plateau": {
        "factor": (float, lambda v: 0 < v < 1, "in (0, 1)"),
        "patience": (int, lambda v: v >= 0, "a whole number ≥ 0"),
        "threshold": (float, lambda v: v >= 0, "≥ 0"),
        "threshold_mode": (str, lambda v: v in ("rel", "abs"), "rel or abs"),
        "cooldown": (int, lambda v: v >= 0, "a whole number ≥ 0"),
        "min_lr_factor": (float, lambda v: 0 <= v <= 1, "in [0, 1]"),
        "eps": (float, lambda v: v >= 0, "≥ 0"),
    },
}
_REQUIRED = {
    "step": ("step_size",),
    "exponential": ("gamma",),
    "inverse_time": ("decay",),
    "cosine": ("t_max",),
    "multistep": ("milestones",),
    "onecycle": ("total_steps",),
}
_ALIASES = {
    "exp": "exponential",
    "inv": "inverse_time",
    "1/t": "inverse_time",
    "step_decay": "step",
    "const": "constant",
    # torch's class names
    "steplr": "step",
    "multisteplr": "multistep",
    "exponentiallr": "exponential",
    "cosineannealinglr": "cosine",
    "polynomiallr": "polynomial",
    "onecyclelr": "onecycle",
    "reducelronplateau": "plateau",
}
_WARMUP = (int, lambda v: v >= 0, "a whole number ≥ 0")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: ``schedule(t)`` is the factor of the base rate at update t.

    ``plateau`` depends on the run, not on t alone: :meth:`plateau` gives its per-run stepper.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    warmup: int = 0

    def __post_init__(self) -> None:
        if self.name not in _FACTORS:
            raise ValueError(f"unknown schedule {self.name!r} — use one of: {', '.join(_FACTORS)}")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def per_run(self) -> bool:
        """Whether the factor depends on the run (``plateau``: on its f), not on t alone."""
        return self.name == "plateau"

    def __call__(self, t: int) -> float:
        factor = _FACTORS[self.name](t, **self.params)
        if t < self.warmup:
            factor *= (t + 1) / self.warmup
        return float(factor)

    def factors(self, n: int) -> np.ndarray:
        """The factors of the first n updates, float64."""
        return np.array([self(t) for t in range(n)], dtype=np.float64)

    def plateau(self, rates: np.ndarray) -> Plateau:
        """The ``plateau`` schedule's state for runs at base ``rates`` (each its own rate)."""
        if not self.per_run:
            raise ValueError(f"{self.name} does not depend on the run: call it with t")
        return Plateau(rates, **{**_PLATEAU_DEFAULTS, **self.params})

    def describe(self) -> str:
        """The schedule as :func:`parse_schedule` reads it, e.g. ``cosine(t_max=500, warmup=20)``."""
        parts = [f"{key}={_text(value)}" for key, value in self.params.items()]
        if self.warmup:
            parts.append(f"warmup={self.warmup}")
        return f"{self.name}({', '.join(parts)})" if parts else self.name

    def __str__(self) -> str:
        return self.describe()


def _text(value: Any) -> str:
    """A parameter as written: ``0.5``, ``rel``, a list as ``100|200``."""
    if isinstance(value, tuple):
        return "|".join(str(item) for item in value)
    return value if isinstance(value, str) else f"{value:g}"


_PLATEAU_DEFAULTS: dict[str, Any] = {
    "factor": 0.1,
    "patience": 10,
    "threshold": 1e-4,
    "threshold_mode": "rel",
    "cooldown": 0,
    "min_lr_factor": 0.0,
    "eps": 1e-8,
}
"""torch's ReduceLROnPlateau defaults (min_lr as a factor of each run's base rate)."""


class Plateau:
    """torch's ``ReduceLROnPlateau(mode='min')`` for many runs at once, each with its own rate.

    After every update, with f the run's loss (``step``), as torch's ``scheduler.step(f)``:

    .. code-block:: text

        better ← f < best · (1 − threshold)   (threshold_mode 'rel')  or  f < best − threshold ('abs')
        if better:  best ← f, bad ← 0   else:  bad ← bad + 1
        if cooldown_counter > 0:  cooldown_counter ← cooldown_counter − 1, bad ← 0
        if bad > patience:
            new ← max(lr · factor, min_lr);  if lr − new > eps:  lr ← new
            cooldown_counter ← cooldown, bad ← 0

    with best = +∞ at the start and min_lr = min_lr_factor × the run's base rate. ``lr`` holds
    every run's rate in force (absolute, as torch keeps it), indexed by run number.
    """

    def __init__(
        self,
        rates: np.ndarray,
        *,
        factor: float,
        patience: int,
        threshold: float,
        threshold_mode: str,
        cooldown: int,
        min_lr_factor: float,
        eps: float,
    ) -> None:
        self.lr = np.array(rates, dtype=np.float64)
        self.min_lr = min_lr_factor * self.lr
        self.best = np.full(len(self.lr), np.inf)
        self.bad = np.zeros(len(self.lr), dtype=np.int64)
        self.cooldown_counter = np.zeros(len(self.lr), dtype=np.int64)
        self.factor, self.patience, self.cooldown, self.eps = factor, patience, cooldown, eps
        self.relative, self.threshold = threshold_mode == "rel", threshold

    def step(self, runs: np.ndarray, loss: np.ndarray) -> None:
        """torch's ``step(metrics=f)`` for the runs numbered ``runs``, whose f is ``loss``."""
        best, bad, counter = self.best[runs], self.bad[runs] + 1, self.cooldown_counter[runs]
        with np.errstate(invalid="ignore"):
            limit = best * (1 - self.threshold) if self.relative else best - self.threshold
            better = loss < limit
        best = np.where(better, loss, best)
        bad[better] = 0
        cooling = counter > 0
        counter[cooling] -= 1
        bad[cooling] = 0
        reduce = bad > self.patience
        if reduce.any():
            old = self.lr[runs]
            new = np.maximum(old * self.factor, self.min_lr[runs])
            self.lr[runs] = np.where(reduce & (old - new > self.eps), new, old)
            counter[reduce] = self.cooldown
            bad[reduce] = 0
        self.best[runs], self.bad[runs], self.cooldown_counter[runs] = best, bad, counter


def _value(key: str, text: str, spec: tuple[type, Callable[[Any], bool], str]) -> Any:
    """One parameter's text as its kind (a whole number, a number, a word, a ``|`` list)."""
    kind, check, rule = spec
    if kind is tuple:
        items = [_value(key, item.strip(), (int, check, rule)) for item in text.split("|")]
        if any(b <= a for a, b in pairwise(items)):
            raise ValueError(f"{key} must be {rule}, got {text}")
        return tuple(items)
    if kind is str:
        if not check(text):
            raise ValueError(f"{key} must be {rule}, got {text!r}")
        return text
    try:
        value: float = int(text) if kind is int else float(text)
    except ValueError:
        raise ValueError(f"{key} must be {rule}, got {text!r}") from None
    if not (math.isfinite(value) and check(value)):
        raise ValueError(f"{key} must be {rule}, got {text}")
    return value


def _build(name: str, raw: Mapping[str, str]) -> Schedule:
    known = _PARAMETERS[name]
    values: dict[str, Any] = {}
    warmup = 0
    for key, text in raw.items():
        if key == "warmup":
            if name == "plateau":
                raise ValueError("plateau takes no warmup (torch cannot chain ReduceLROnPlateau)")
            warmup = int(_value(key, text, _WARMUP))
        elif key in known:
            values[key] = _value(key, text, known[key])
        else:
            accepted = ", ".join([*known, "warmup"] if name != "plateau" else known)
            raise ValueError(f"schedule {name} has no parameter {key!r} — it takes: {accepted}")
    missing = [key for key in _REQUIRED.get(name, ()) if key not in values]
    if missing:
        raise ValueError(f"schedule {name} needs {missing[0]}=…, e.g. {_EXAMPLES[name]}")
    if name == "onecycle" and values.get("pct_start", 0.3) * values["total_steps"] <= 1:
        raise ValueError(
            "onecycle needs pct_start · total_steps > 1: its warm-up phase must last an update"
        )
    return Schedule(name, values, warmup)


_EXAMPLES = {
    "step": "step(step_size=100, gamma=0.5)",
    "exponential": "exponential(gamma=0.99)",
    "inverse_time": "inverse_time(decay=0.01)",
    "cosine": "cosine(t_max=500)",
    "multistep": "multistep(milestones=100|200, gamma=0.1)",
    "onecycle": "onecycle(total_steps=500)",
}
_SPEC = re.compile(r"\s*([A-Za-z_/0-9]+)\s*(?:\((.*)\))?\s*")


def parse_schedule(text: str) -> Schedule:
    """Read ``constant``, ``step(step_size=100, gamma=0.5)``, ``exp(gamma=0.99)``,
    ``inverse_time(decay=0.01)``, ``cosine(t_max=500, warmup=20)``,
    ``multistep(milestones=100|200)``, ``polynomial(total_iters=300, power=2)``,
    ``onecycle(total_steps=500)``, ``plateau(patience=20)``. Never evaluates the text."""
    if len(text) > 200:
        raise ValueError("the schedule text is too long")
    match = _SPEC.fullmatch(text)
    if match is None:
        raise ValueError(f"cannot read the schedule {text!r} — write it like {_EXAMPLES['cosine']}")
    name = _ALIASES.get(match.group(1).lower(), match.group(1).lower())
    if name not in _FACTORS:
        raise ValueError(f"unknown schedule {match.group(1)!r} — use one of: {', '.join(_FACTORS)}")
    raw: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (match.group(2) or "").split(","))):
        key, equals, value = item.partition("=")
        if not equals:
            raise ValueError(f"schedule parameters are written key=value, got {item!r}")
        if key.strip() in raw:
            raise ValueError(f"schedule parameter {key.strip()!r} is given twice")
        raw[key.strip()] = value.strip()
    return _build(name, raw)


def _from_keywords(name: str, **values: object) -> Schedule:
    """A schedule from Python values: numbers (a string is not read as one here), a word
    where the parameter is one (``threshold_mode``), a list of whole numbers for milestones."""
    raw = {}
    for key, value in values.items():
        kind = _PARAMETERS[name].get(key, _WARMUP)[0]
        if kind is tuple and isinstance(value, list | tuple):
            if not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
                raise ValueError(f"{key} must be whole numbers, got {value!r}")
            raw[key] = "|".join(str(item) for item in value)
        elif kind is str and isinstance(value, str):
            raw[key] = value
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key} must be a number, got {value!r}")
        else:
            raw[key] = repr(value)
    return _build(name, raw)


SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": lambda *, warmup=0: _from_keywords("constant", warmup=warmup),
    "step": lambda *, step_size, gamma=0.5, warmup=0: _from_keywords(
        "step", step_size=step_size, gamma=gamma, warmup=warmup
    ),
    "exponential": lambda *, gamma, warmup=0: _from_keywords(
        "exponential", gamma=gamma, warmup=warmup
    ),
    "inverse_time": lambda *, decay, warmup=0: _from_keywords(
        "inverse_time", decay=decay, warmup=warmup
    ),
    "cosine": lambda *, t_max, eta_min_factor=0.0, warmup=0: _from_keywords(
        "cosine", t_max=t_max, eta_min_factor=eta_min_factor, warmup=warmup
    ),
    "multistep": lambda *, milestones, gamma=0.1, warmup=0: _from_keywords(
        "multistep", milestones=milestones, gamma=gamma, warmup=warmup
    ),
    "polynomial": lambda *, total_iters=5, power=1.0, warmup=0: _from_keywords(
        "polynomial", total_iters=total_iters, power=power, warmup=warmup
    ),
    "onecycle": lambda *, total_steps, **values: _from_keywords(
        "onecycle", total_steps=total_steps, **values
    ),
    "plateau": lambda **values: _from_keywords("plateau", **values),
}
"""Schedules by name, built from keyword arguments: ``SCHEDULES["cosine"](t_max=500)``,
``SCHEDULES["plateau"](patience=20)`` (torch's keywords and defaults)."""
