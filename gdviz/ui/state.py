"""Session state and the URL: what a link asked for, choices synced by key, the start."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
from streamlit.runtime.state.session_state_proxy import get_session_state

from gdviz.engine import View
from gdviz.links import check_link
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import load_library

TYPED = "typed"
"""The Surface box's entry while a typed function is shown (never written to the link)."""


def show_link_problems() -> None:
    """Once per session: say what was wrong with the link the page was opened with."""
    if st.session_state.get("_link_checked"):
        return
    st.session_state["_link_checked"] = True
    problems = check_link(st.query_params.to_dict(), frozenset(load_library().surfaces))
    st.session_state["_link_problems"] = [problem.message for problem in problems]
    if problems:
        _drop_from_link({problem.parameter for problem in problems})


def _drop_from_link(parameters: set[str]) -> None:
    """Take bad values out of the link before any bound input reads them: one message and
    one default per value, and no exception (Streamlit's own reading of ``steps=inf`` raises
    OverflowError, and clamps ``steps=1e9`` without a word)."""
    for parameter in parameters:
        st.query_params.pop(parameter, None)
    refresh_bound_inputs()


def hyperparameter_key(optimizer: str, name: str, part: int | None = None) -> str:
    """The input of ``optimizer``'s hyperparameter ``name`` (``part`` 1 or 2 of a pair: betas)."""
    return f"hp_{optimizer}_{name}" + ("" if part is None else f"_{part}")


def hyperparameter_inputs(optimizer: str, chosen: dict[str, Any] | None = None) -> dict[str, Any]:
    """The values of ``optimizer``'s hyperparameter inputs, by key: ``chosen`` ones (torch's
    names), else the defaults; numbers as floats, a pair as its two inputs."""
    values: dict[str, Any] = {}
    for name, default in make_optimizer(optimizer).hyperparameters.items():
        value = (chosen or {}).get(name, default)
        if isinstance(default, tuple):
            for part, number in enumerate(tuple(value), start=1):
                values[hyperparameter_key(optimizer, name, part)] = number
        else:
            values[hyperparameter_key(optimizer, name)] = (
                value if isinstance(default, bool) else float(value)
            )
    return values


def refresh_bound_inputs() -> None:
    """Make the URL as it is now the one bound inputs are seeded from on their first draw
    (Streamlit keeps a copy of the URL as first loaded), after the script changed it."""
    with get_session_state().query_params() as params:
        params.set_initial_query_params_from_current()


def choice_from_url(key: str, options: list[str], default: str) -> None:
    """Seed a choice widget from the link once. Streamlit's own binding would put the displayed
    label ("Rosenbrock") in the URL; the public parameter is the key ("rosenbrock")."""
    if key not in st.session_state:
        value = st.query_params.get(key)
        st.session_state[key] = value if value in options else default


def link_param(key: str, value: str | None) -> None:
    """Put ``key=value`` in the link (``None``: take ``key`` out), unless it says so already.
    Every write sends the browser the whole query string, and the page writes its settings
    on every run: most of them are there already."""
    if value is None:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def choice_to_url(key: str, value: str, default: str) -> None:
    """Write a choice's key to the link, or drop it when it is the default."""
    link_param(key, None if value == default else value)


def seed_from_url(key: str, number: bool = False) -> None:
    """Seed an input that callbacks write (the start, the rates) from the link, once.

    These are synced by hand, not with ``bind="query-params"``: Streamlit 1.67 brings a bound
    input's value set in a callback (a start button, a click, a rate slider) to the browser's
    URL one rerun late, so a link copied right after would carry the previous start."""
    if key not in st.session_state:
        text = st.query_params.get(key)
        st.session_state[key] = (
            (float(text) if number else text) if text is not None else (None if number else "")
        )


def value_to_url(key: str, value: float | str | None) -> None:
    """Write a hand-synced input's value to the link, or drop it when empty."""
    if value is None or value == "":
        link_param(key, None)
    else:
        link_param(key, f"{value:.10g}" if isinstance(value, float) else value)


def forget_start_and_rates() -> None:
    """A new landscape: its own suggested start and rates, not the last one's."""
    st.session_state.update(x0=None, y0=None, lr="")


def set_start(x: float, y: float) -> None:
    """Move the start (in a callback, before the bound number inputs are drawn), keeping the
    rates in force: "same rates, another start" is the lesson, so a proposed or suggested set
    is written into the rates box (else a new start would bring a new sweep's rates)."""
    st.session_state["x0"] = round(float(x), 4)
    st.session_state["y0"] = round(float(y), 4)
    if not st.session_state.get("lr") and st.session_state.get("_rates_in_force"):
        st.session_state["lr"] = st.session_state["_rates_in_force"]


def clicked_start(
    point: dict[str, Any], grid_curves: frozenset[int], view: View, n: int
) -> tuple[float, float]:
    """Where a click on a landscape panel starts the runs.

    A click on the invisible grid starts at that grid point. A click that lands on a marker
    or a path instead (a ★ minimum, a run's end) starts at the grid point nearest to it, which
    is near where the user clicked, never on the minimum itself, where nothing would move.
    """
    x, y = float(point["x"]), float(point["y"])
    if point.get("curve_number") in grid_curves:
        return x, y
    (x_low, x_high), (y_low, y_high) = view
    xs, ys = np.linspace(x_low, x_high, n), np.linspace(y_low, y_high, n)
    return float(xs[np.abs(xs - x).argmin()]), float(ys[np.abs(ys - y).argmin()])
