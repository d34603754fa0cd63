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
=========  ==========================================================================

In a data lesson ``x0``/``y0`` are the model's starting parameters and ``lr`` its one rate.

A bad value never breaks a link: :func:`check_link` returns a clear message for each one and
the app falls back to a sensible default for that value only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from gdviz.datasets import BUILTIN_DATASETS, MAX_UPLOAD_ROWS
from gdviz.expression import ExpressionError, parse_function
from gdviz.optimizers import OPTIMIZERS

__all__ = ["MAX_RATES", "MAX_STEPS", "LinkProblem", "check_link", "format_rates", "parse_rates"]

MAX_RATES = 4
"""Most learning rates (panels) side by side."""

MAX_STEPS = 20_000
"""Largest step budget the app runs."""


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


def check_link(
    params: Mapping[str, str], surface_keys: set[str] | frozenset[str]
) -> list[LinkProblem]:
    """Every problem with the URL parameters of a shared link, as messages for the page."""
    problems: list[LinkProblem] = []

    def flag(parameter: str, message: str) -> None:
        problems.append(
            LinkProblem(parameter, f"The link's {parameter}={params[parameter]!r}: {message}")
        )

    if "surface" in params and params["surface"] not in surface_keys:
        flag("surface", "no such surface in the library — showing the default one instead.")
    if "f" in params:
        try:
            parse_function(params["f"])
        except ExpressionError as error:
            flag("f", f"{error} — showing a library surface instead.")
    for coordinate in ("x0", "y0"):
        if coordinate in params and not _number_within(params[coordinate]):
            flag(coordinate, "not a number — using the suggested start instead.")
    if "opt" in params and params["opt"] not in OPTIMIZERS:
        flag("opt", f"unknown optimizer — use one of {', '.join(OPTIMIZERS)}; using gd.")
    if "lr" in params:
        try:
            parse_rates(params["lr"])
        except ValueError as error:
            flag("lr", f"{error} — proposing rates instead.")
    if "steps" in params and not _number_within(params["steps"], 1, MAX_STEPS, whole=True):
        flag("steps", f"must be a whole number from 1 to {MAX_STEPS} — using the surface's budget.")
    if "data" in params and params["data"] not in BUILTIN_DATASETS:
        flag(
            "data",
            f"no such built-in data set (uploads cannot travel in a link) — use one of "
            f"{', '.join(BUILTIN_DATASETS)}; showing noisy_line.",
        )
    for strength in ("l1", "l2"):
        if strength in params and not _number_within(params[strength], 0, 2):
            flag(strength, "must be a number from 0 to 2 — using 0.")
    if "batch" in params and not _number_within(params["batch"], 1, MAX_UPLOAD_ROWS, whole=True):
        flag("batch", f"must be a whole number from 1 to {MAX_UPLOAD_ROWS} — using 32.")
    if "epochs" in params and not _number_within(params["epochs"], 0.1, 1000):
        flag("epochs", "must be a number from 0.1 to 1000 — using the step budget.")
    if "scale" in params and params["scale"].lower() not in ("true", "false"):
        flag("scale", "must be true or false — not scaling.")
    if "shared" in params and params["shared"].lower() not in ("true", "false"):
        flag("shared", "must be true or false — each racer at its own rate.")
    return problems


def _number_within(
    text: str, low: float = -math.inf, high: float = math.inf, *, whole: bool = False
) -> bool:
    """Whether ``text`` is a finite number (a whole one if ``whole``) from ``low`` to ``high``."""
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        return False
    return math.isfinite(value) and low <= value <= high
