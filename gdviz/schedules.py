"""Learning-rate schedules: plain functions of the step.

A schedule gives the factor by which the base rate is multiplied at update t (t = 0 for the
first update), following torch's ``lr_scheduler`` conventions:

=================  =====================================================================
``constant``       1
``step``           γ^⌊t / step_size⌋                                  (``StepLR``)
``exponential``    γ^t                                                (``ExponentialLR``)
``inverse_time``   1 / (1 + decay · t)                                ("1/t" decay)
``cosine``         m + (1 − m)(1 + cos(π · min(t, T_max) / T_max)) / 2   (``CosineAnnealingLR``, m = eta_min_factor)
=================  =====================================================================

Any of them may start with a linear warm-up of ``warmup`` updates, during which the factor
rises as (t + 1) / warmup times the schedule's own: torch's
``LinearLR(start_factor=1/warmup, total_iters=warmup − 1)``, full rate from update ``warmup − 1``.
Schedules are frozen records, so they print, compare and serialize: ``cosine(t_max=500)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

__all__ = ["SCHEDULES", "Schedule", "parse_schedule"]


_FACTORS: dict[str, Callable[..., float]] = {
    "constant": lambda t: 1.0,
    "step": lambda t, step_size, gamma=0.5: gamma ** (t // step_size),
    "exponential": lambda t, gamma: gamma**t,
    "inverse_time": lambda t, decay: 1.0 / (1.0 + decay * t),
    "cosine": lambda t, t_max, eta_min_factor=0.0: (
        eta_min_factor + (1 - eta_min_factor) * (1 + math.cos(math.pi * min(t, t_max) / t_max)) / 2
    ),
}

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
}
_REQUIRED = {
    "step": ("step_size",),
    "exponential": ("gamma",),
    "inverse_time": ("decay",),
    "cosine": ("t_max",),
}
_ALIASES = {
    "exp": "exponential",
    "inv": "inverse_time",
    "1/t": "inverse_time",
    "step_decay": "step",
    "const": "constant",
}
_WARMUP = (int, lambda v: v >= 0, "a whole number ≥ 0")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: ``schedule(t)`` is the factor of the base rate at update t."""

    name: str
    params: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    warmup: int = 0

    def __post_init__(self) -> None:
        if self.name not in _FACTORS:
            raise ValueError(f"unknown schedule {self.name!r} — use one of: {', '.join(_FACTORS)}")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __call__(self, t: int) -> float:
        factor = _FACTORS[self.name](t, **self.params)
        if t < self.warmup:
            factor *= (t + 1) / self.warmup
        return float(factor)

    def factors(self, n: int) -> np.ndarray:
        """The factors of the first n updates, float64."""
        return np.array([self(t) for t in range(n)], dtype=np.float64)

    def describe(self) -> str:
        """The schedule as :func:`parse_schedule` reads it, e.g. ``cosine(t_max=500, warmup=20)``."""
        parts = [f"{key}={value:g}" for key, value in self.params.items()]
        if self.warmup:
            parts.append(f"warmup={self.warmup}")
        return f"{self.name}({', '.join(parts)})" if parts else self.name

    def __str__(self) -> str:
        return self.describe()


def _build(name: str, raw: Mapping[str, str]) -> Schedule:
    known = _PARAMETERS[name]
    values: dict[str, float] = {}
    warmup = 0
    spec: tuple[type, Callable[[float], bool], str]
    for key, text in raw.items():
        if key == "warmup":
            spec = _WARMUP
        elif key in known:
            spec = known[key]
        else:
            accepted = ", ".join([*known, "warmup"])
            raise ValueError(f"schedule {name} has no parameter {key!r} — it takes: {accepted}")
        kind, check, rule = spec
        try:
            value: float = int(text) if kind is int else float(text)
        except ValueError:
            raise ValueError(f"{key} must be {rule}, got {text!r}") from None
        if not (math.isfinite(value) and check(value)):
            raise ValueError(f"{key} must be {rule}, got {text}")
        if key == "warmup":
            warmup = int(value)
        else:
            values[key] = value
    missing = [key for key in _REQUIRED.get(name, ()) if key not in values]
    if missing:
        raise ValueError(f"schedule {name} needs {missing[0]}=…, e.g. {_EXAMPLES[name]}")
    return Schedule(name, values, warmup)


_EXAMPLES = {
    "step": "step(step_size=100, gamma=0.5)",
    "exponential": "exponential(gamma=0.99)",
    "inverse_time": "inverse_time(decay=0.01)",
    "cosine": "cosine(t_max=500)",
}
_SPEC = re.compile(r"\s*([A-Za-z_/0-9]+)\s*(?:\((.*)\))?\s*")


def parse_schedule(text: str) -> Schedule:
    """Read ``constant``, ``step(step_size=100, gamma=0.5)``, ``exp(gamma=0.99)``,
    ``inverse_time(decay=0.01)``, ``cosine(t_max=500, warmup=20)``. Never evaluates the text."""
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
    """A schedule from Python values: numbers only (a string is not read as one here)."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key} must be a number, got {value!r}")
    return _build(name, {key: repr(value) for key, value in values.items()})


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
}
"""Schedules by name, built from keyword arguments: ``SCHEDULES["cosine"](t_max=500)``."""
