"""A shared link's parameters → the :class:`~gdviz.lesson.Settings` the app runs, without Streamlit.

The app reads a link through its sidebar's widgets, seeded from the URL; a lesson step is a
link too, and is checked, played and tested through this one function. Every value is read by
the parsers of :mod:`gdviz.links` (the ones :func:`~gdviz.links.check_link` and the sidebar use),
and the result is the record the sidebar returns for that link — ``tests/test_lessons_app.py``
opens every lesson step's link in the app and compares the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from gdviz.datasets import get_dataset
from gdviz.lesson import DEFAULT_BATCH_SIZE, DEFAULT_SURFACE, Settings
from gdviz.links import (
    HYPERPARAMETERS,
    NUMBERS,
    check_link,
    parse_hyperparameter,
    parse_limits,
    parse_rates,
)
from gdviz.optimizers import make_optimizer
from gdviz.schedules import parse_schedule
from gdviz.surfaces import load_library

__all__ = ["LINK_PARAMETERS", "RACERS", "link_parameters", "settings_from_link"]

LINK_PARAMETERS = frozenset(
    {
        "surface", "f", "x0", "y0", "opt", "lr", "shared", "steps", "mode", "schedule",
        "clip_norm", "clip_value", "noise", "seed", "gtol", "xtol", "ftol", "xlim", "ylim",
        "data", "scale", "l1", "l2", "batch", "epochs", *HYPERPARAMETERS,
    }
)  # fmt: skip
"""The parameters that choose what runs (``big`` and ``tab`` only choose how it is shown)."""

RACERS = ("gd", "momentum", "rmsprop", "adam")
"""The racers of a race (the sidebar's default; racers do not travel in a link)."""

MAX_LINK_LENGTH = 2000
"""Longest link text read: far beyond every parameter at its longest."""


def link_parameters(link: str) -> dict[str, str]:
    """``"?surface=ravine&lr=0.002,0.035"`` → ``{"surface": "ravine", "lr": "0.002,0.035"}``.

    Raises ``ValueError`` for a parameter given twice, one not in :data:`LINK_PARAMETERS`, or a
    text longer than MAX_LINK_LENGTH."""
    if len(link) > MAX_LINK_LENGTH:
        raise ValueError(f"is {len(link)} characters long; at most {MAX_LINK_LENGTH}")
    pairs = parse_qsl(link.removeprefix("?"), keep_blank_values=True, strict_parsing=bool(link))
    params: dict[str, str] = {}
    for key, value in pairs:
        if key not in LINK_PARAMETERS:
            raise ValueError(f"has an unknown parameter {key!r}")
        if key in params:
            raise ValueError(f"gives {key!r} twice")
        params[key] = value
    return params


def settings_from_link(params: Mapping[str, str]) -> Settings:
    """The settings a link opens, as the app's sidebar builds them from it.

    Raises ``ValueError`` with every problem :func:`~gdviz.links.check_link` finds (where the
    app would warn and fall back to a default), so a lesson never relies on a fallback.
    """
    problems = check_link(params, frozenset(load_library().surfaces))
    if problems:
        raise ValueError("; ".join(problem.message for problem in problems))

    def number(key: str, default: Any = None) -> Any:
        if key not in params:
            return default
        value = float(params[key])
        return int(value) if NUMBERS[key].whole else value

    optimizer = params.get("opt", "gd")
    hyperparameters = tuple(
        sorted(
            (name, value)
            for name in HYPERPARAMETERS
            if name in params
            and (value := parse_hyperparameter(optimizer, name, params[name]))
            != _default(optimizer, name)
        )
    )
    x0, y0 = number("x0"), number("y0")
    data = "data" in params
    mode = "rates" if data else params.get("mode", "rates")
    function = None if data else (params.get("f", "").strip() or None)
    # The sidebar keeps the library surface of a data lesson or typed function at the default.
    surface = DEFAULT_SURFACE if data or function else params.get("surface", DEFAULT_SURFACE)
    return Settings(
        surface=surface,
        function=function,
        start=(x0, y0) if x0 is not None and y0 is not None else None,
        optimizer=optimizer,
        hyperparameters=hyperparameters,
        rates=parse_rates(params.get("lr", "")),
        steps=number("steps"),
        mode=mode,
        race=RACERS if mode == "race" else ("gd",),
        shared_rate=mode == "race" and params.get("shared", "false").lower() == "true",
        schedule=parse_schedule(params["schedule"]).describe() if params.get("schedule") else None,
        clip_norm=number("clip_norm") or None,
        clip_value=number("clip_value") or None,
        noise=float(number("noise", 0.0)),
        seed=int(number("seed", 0)),
        gtol=float(number("gtol", 1e-6)),
        xtol=float(number("xtol", 1e-12)),
        ftol=float(number("ftol", 0.0)),
        dataset=get_dataset(params["data"]) if data else None,
        batch_size=number("batch", DEFAULT_BATCH_SIZE) if data else DEFAULT_BATCH_SIZE,
        scale=data and params.get("scale", "false").lower() == "true",
        l1=float(number("l1", 0.0)) if data else 0.0,
        l2=float(number("l2", 0.0)) if data else 0.0,
        epochs=(number("epochs") or None) if data else None,
        xlim=None if data or "xlim" not in params else parse_limits(params["xlim"]),
        ylim=None if data or "ylim" not in params else parse_limits(params["ylim"]),
    )


def _default(optimizer: str, name: str) -> Any:
    return dict(make_optimizer(optimizer).hyperparameters)[name]
