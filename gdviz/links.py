"""Shareable links: the app's public URL parameters, read and checked without Streamlit.

Teachers paste links into slides, so these names are a public promise and stay stable:

=========  ==========================================================================
``surface``  a library surface's key, e.g. ``rosenbrock``
``f``        a typed function (refused like typed text when hostile), wins over ``surface``
``x0``       start x
``y0``       start y
``opt``      optimizer: gd, momentum, nesterov, adagrad, rmsprop, adam, adamw, newton
``lr``       comma-separated learning rates, one panel each, e.g. ``0.001,0.09,0.11`` (in a race:
             one per racer, in racer order)
``shared``   a race at one shared rate: true or false (default: each racer at its own rate)
``steps``    the step budget
``data``     a built-in data set (opens the data lesson): clean_line, noisy_line, …
``scale``    standardize the features: true or false
``l1``       L1 (lasso) strength λ₁ ≥ 0
``l2``       L2 (ridge) strength λ₂ ≥ 0
``batch``    the mini-batch size of the middle panel (default 32)
``epochs``   a budget in passes over the data, the same for each variant (overrides ``steps``)
``xlim``     the view's x range, e.g. ``-4,4`` (also ``ylim``)
``mode``     ``rates`` (one panel per rate) or ``race`` (one panel per optimizer)
``big``      projector mode: true or false
``tab``      the open tab, by its label
``map``      the Maps tab's map: ``sweep``, ``phase`` or ``basins``
``step``     step-by-step mode, at update k (0 … the longest run's; the arrows of update k)
``lesson``   a guided lesson (``lessons/NAME.toml``), ``page`` its step from 1 (``step`` is the
             step-by-step mode's)
``schedule`` a learning-rate schedule as typed, e.g. ``cosine(t_max=500, warmup=20)``
``clip_norm``, ``clip_value``  gradient clipping (off when absent)
``noise``    gradient noise (standard deviation), ``seed`` its seed and the mini-batch order
``gtol``, ``xtol``, ``ftol``  stopping rules
torch's names  the optimizer's hyperparameters: ``momentum``, ``weight_decay``, ``betas=0.9,0.99``, …
=========  ==========================================================================

In a data lesson ``x0``/``y0`` are the model's starting parameters and ``lr`` its one rate.

A bad value never breaks a link: :func:`check_link` returns a clear message for each one and
the app falls back to a sensible default for that value only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gdviz.datasets import BUILTIN_DATASETS, MAX_UPLOAD_ROWS
from gdviz.expression import parse_function
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.schedules import parse_schedule

__all__ = [
    "HYPERPARAMETERS",
    "MAPS",
    "MAX_COORDINATE",
    "MAX_RATE",
    "MAX_RATES",
    "MAX_STEPS",
    "MIN_RATE",
    "NUMBERS",
    "TABS",
    "LinkProblem",
    "NumberRule",
    "check_link",
    "format_rates",
    "hyperparameter_text",
    "parse_hyperparameter",
    "parse_limits",
    "parse_rates",
]

MAX_RATES = 4
"""Most learning rates (panels) side by side."""

MAX_STEPS = 20_000
"""Largest step budget the app runs."""

MIN_RATE, MAX_RATE = 1e-9, 1e4
"""Learning rates accepted: two decades beyond the rate sweep's 1e-7 to 1e3 on either side."""

MAX_COORDINATE = 1e6
"""Largest |x₀|, |y₀| and view limit accepted: far beyond any surface, finite in every formula."""

TABS = ("Landscapes", "3-D", "Loss curves", "Maps", "The math", "Data")
"""The page's tabs, by the labels ``tab`` takes."""

MAPS = {"sweep": "Learning-rate sweep", "phase": "Phase map", "basins": "Basins of attraction"}
"""The Maps tab's maps: the names ``map`` takes, and their labels on the page."""

HYPERPARAMETERS = (
    "momentum", "dampening", "weight_decay", "lr_decay", "initial_accumulator_value", "eps",
    "alpha", "centered", "betas", "amsgrad", "definiteness_tolerance",
)  # fmt: skip
"""Every optimizer's hyperparameters, by torch's names (each applies to the ``opt`` it belongs to)."""


@dataclass(frozen=True)
class NumberRule:
    """A numeric link parameter: its range, whether whole, and what the app does instead."""

    low: float
    high: float
    whole: bool
    instead: str

    def problem(self, text: str) -> str | None:
        """What is wrong with ``text`` (None: a finite number, a whole one if ``whole``, from
        low to high). '1e4' is the whole number 10000, as Streamlit's inputs read it."""
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            return f"not a number — {self.instead}."
        if self.low <= value <= self.high and (value.is_integer() or not self.whole):
            return None
        kind = "a whole number" if self.whole else "a number"
        return f"must be {kind} from {self._text(self.low)} to {self._text(self.high)} — {self.instead}."

    def _text(self, bound: float) -> str:
        if self.whole:
            return str(int(bound))
        return f"{bound:g}".replace("e+0", "e").replace("e+", "e")


NUMBERS = {
    "x0": NumberRule(-MAX_COORDINATE, MAX_COORDINATE, False, "using the suggested start"),
    "y0": NumberRule(-MAX_COORDINATE, MAX_COORDINATE, False, "using the suggested start"),
    "steps": NumberRule(1, MAX_STEPS, True, "using the surface's budget"),
    "step": NumberRule(0, MAX_STEPS, True, "not stepping"),
    "l1": NumberRule(0, 2, False, "using 0"),
    "l2": NumberRule(0, 2, False, "using 0"),
    "batch": NumberRule(1, MAX_UPLOAD_ROWS, True, "using 32"),
    "epochs": NumberRule(0.1, 1000, False, "using the step budget"),
    "clip_norm": NumberRule(0, 1e6, False, "not clipping"),
    "clip_value": NumberRule(0, 1e6, False, "not clipping"),
    "noise": NumberRule(0, 1e3, False, "no gradient noise"),
    "seed": NumberRule(0, 2**31 - 1, True, "using seed 0"),
    "gtol": NumberRule(0, 1e3, False, "using 1e-6"),
    "xtol": NumberRule(0, 1e3, False, "using 1e-12"),
    "ftol": NumberRule(0, 1, False, "using 0"),
}
"""The numeric link parameters; the sidebar's inputs take the same ranges."""


def parse_rates(text: str) -> tuple[float, ...]:
    """``"0.001, 0.09,0.11"`` → (0.001, 0.09, 0.11); an empty text means "propose them".

    Raises ``ValueError`` naming the bad entry: not a number, not positive, or too many.
    """
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    if len(parts) > MAX_RATES:
        raise ValueError(f"at most {MAX_RATES} learning rates side by side, got {len(parts)}")
    rates = []
    for part in parts:
        try:
            rate = float(part)
        except ValueError:
            raise ValueError(f"learning rate {part!r} is not a number") from None
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"learning rate {part!r} must be a positive number")
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(
                f"learning rate {part!r} is outside {MIN_RATE:g} to {MAX_RATE:g}, "
                "far beyond any rate that shows something"
            )
        rates.append(rate)
    return tuple(rates)


def format_rates(rates: tuple[float, ...] | list[float], digits: int = 3) -> str:
    """The inverse of :func:`parse_rates`, with short numbers: (0.001, 0.09) → "0.001, 0.09".

    ``digits`` significant digits per rate: 3 to show, more to write back rates the user did
    not choose (a proposed 0.0021544 must stay that rate, not become 0.00215).
    """
    return ", ".join(f"{rate:.{digits}g}" for rate in rates)


@dataclass(frozen=True)
class LinkProblem:
    """One bad value in a link: which parameter, and what the app does instead."""

    parameter: str
    message: str


def parse_limits(text: str) -> tuple[float, float]:
    """``"-4, 4"`` → (-4.0, 4.0): a view's range on one axis. Raises ``ValueError`` unless two
    finite numbers, low < high, within ±MAX_COORDINATE."""
    parts = [part.strip() for part in text.split(",")]
    try:
        low, high = (float(part) for part in parts)
    except ValueError:
        raise ValueError("must be two numbers, low,high (e.g. -4,4)") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("must be two finite numbers")
    if not low < high:
        raise ValueError("the low end must be below the high end")
    if max(abs(low), abs(high)) > MAX_COORDINATE:
        raise ValueError(f"must lie within ±{MAX_COORDINATE:g}")
    return low, high


def parse_hyperparameter(optimizer: str, name: str, text: str) -> Any:
    """A hyperparameter's value from a link, typed like the optimizer's default: ``true``/``false``,
    ``0.9,0.999`` for ``betas``, else a number. Raises ``ValueError`` naming what is wrong,
    including values the optimizer refuses (``momentum=1.5``)."""
    defaults = dict(make_optimizer(optimizer).hyperparameters)
    if name not in defaults:
        raise ValueError(
            f"{optimizer} has no hyperparameter {name!r} — it takes: {', '.join(defaults) or 'none'}"
        )
    default = defaults[name]
    value: Any
    if isinstance(default, bool):
        if text.lower() not in ("true", "false"):
            raise ValueError("must be true or false")
        value = text.lower() == "true"
    elif isinstance(default, tuple):
        parts = text.split(",")
        if len(parts) != len(default):
            raise ValueError(f"must be {len(default)} numbers separated by commas")
        value = tuple(_finite(part) for part in parts)
    else:
        value = _finite(text)
    make_optimizer(optimizer, **{name: value})  # the optimizer's own checks, with its message
    return value


def hyperparameter_text(value: Any) -> str:
    """The inverse of :func:`parse_hyperparameter`: True → 'true', (0.9, 0.99) → '0.9,0.99'."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    return f"{value:g}"


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def check_link(
    params: Mapping[str, str], surface_keys: set[str] | frozenset[str]
) -> list[LinkProblem]:
    """Every problem with the URL parameters of a shared link, as messages for the page."""
    problems: list[LinkProblem] = []

    def flag(parameter: str, message: str) -> None:
        problems.append(
            LinkProblem(parameter, f"The link's {parameter}={params[parameter]!r}: {message}")
        )

    def checked(parameter: str, parse: Any, instead: str) -> None:
        if parameter in params:
            try:
                parse(params[parameter])
            except ValueError as error:
                flag(parameter, f"{error} — {instead}.")

    if "surface" in params and params["surface"] not in surface_keys:
        flag("surface", "no such surface in the library — showing the default one instead.")
    checked("f", parse_function, "showing a library surface instead")
    choices = {
        "opt": (tuple(OPTIMIZERS), "unknown optimizer — use one of", "using gd"),
        "mode": (("rates", "race"), "must be", "comparing learning rates"),
        "tab": (TABS, "no such tab — use one of", "opening Landscapes"),
        "map": (tuple(MAPS), "no such map — use one of", "showing the learning-rate sweep"),
        "scale": (("true", "false"), "must be", "not scaling"),
        "shared": (("true", "false"), "must be", "each racer at its own rate"),
        "big": (("true", "false"), "must be", "projector mode off"),
    }
    for parameter, (options, what, instead) in choices.items():
        value = params.get(parameter)
        if value is not None and (value.lower() if "true" in options else value) not in options:
            listed = " or ".join(options) if len(options) == 2 else ", ".join(options)
            flag(parameter, f"{what} {listed} — {instead}.")
    checked("lr", parse_rates, "proposing rates instead")
    for parameter, rule in NUMBERS.items():
        problem = rule.problem(params[parameter]) if parameter in params else None
        if problem:
            flag(parameter, problem)
    if "data" in params and params["data"] not in BUILTIN_DATASETS:
        flag(
            "data",
            f"no such built-in data set (uploads cannot travel in a link) — use one of "
            f"{', '.join(BUILTIN_DATASETS)}; showing noisy_line.",
        )
    checked("schedule", parse_schedule, "using a constant rate")
    for axis in ("xlim", "ylim"):
        checked(axis, parse_limits, "using the landscape's own view")
    optimizer = params.get("opt", "gd")
    optimizer = optimizer if optimizer in OPTIMIZERS else "gd"
    for name in HYPERPARAMETERS:
        checked(
            name, lambda text, name=name: parse_hyperparameter(optimizer, name, text),
            f"using {optimizer}'s default",
        )  # fmt: skip
    return problems
