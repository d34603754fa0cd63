"""The sidebar's Advanced section: the optimizer's torch hyperparameters, the schedule,
clipping, gradient noise, the seed and the stopping rules, drawn only while the section is open
or one of them is set (see :func:`advanced_section`). Split from :mod:`gdviz.ui.sidebar` when it
passed 600 lines."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from gdviz.lesson import Settings
from gdviz.links import HYPERPARAMETERS, NUMBERS, hyperparameter_text, parse_hyperparameter
from gdviz.optimizers import make_optimizer
from gdviz.schedules import parse_schedule
from gdviz.ui.state import hyperparameter_inputs, hyperparameter_key, link_param
from gdviz.ui.text import plain

__all__ = ["ADVANCED", "advanced_section"]


def _bound_number(
    label: str, key: str, value: float | None, placeholder: str | None = None
) -> float | None:
    """A number input in the link under ``key``, with the link's range for it."""
    rule = NUMBERS[key]
    return st.number_input(
        label, min_value=float(rule.low), max_value=float(rule.high), value=value, format="%g",
        key=key, bind="query-params", placeholder=placeholder,
    )  # fmt: skip


ADVANCED = "Advanced: hyperparameters, schedule, clipping, noise, stopping"
ADVANCED_INPUTS: dict[str, Any] = {
    field.name: "" if field.name == "schedule" else field.default
    for field in dataclasses.fields(Settings)
    if field.name
    in ("schedule", "clip_norm", "clip_value", "noise", "seed", "gtol", "xtol", "ftol")
}
"""The Advanced section's inputs other than the hyperparameters, by key (and link parameter),
with their defaults: those of :class:`~gdviz.lesson.Settings` (no schedule: an empty box)."""


def advanced_section(optimizer: str) -> tuple[dict[str, Any], Any]:
    """The Advanced expander: its settings (keyword arguments of :class:`Settings`) and the
    slot for the schedule's curve (None when the section is not drawn).

    Its inputs are drawn only while it is open or while one of them holds something else than
    its default (in the link, or in the session: a lesson's step, a value set before it was
    closed). A closed section at its defaults, the page of nearly every visit, is not drawn at
    all: its dozen inputs were a sixth of a rerun's server time (Streamlit checks each widget
    against every other), and the settings are the defaults. Once something is set, the inputs
    are drawn, closed, as any expander's content, so that their values and the link stay."""
    section = st.expander(ADVANCED, key="advanced", on_change="rerun")
    with section:
        if section.open or _advanced_in_use(optimizer):
            return _advanced_inputs(optimizer)
    return {}, None


def _advanced_in_use(optimizer: str) -> bool:
    """Whether an Advanced input of ``optimizer``'s holds something else than its default, in
    the link or in the session."""
    linked = st.query_params.to_dict()  # one look at the link, not one per key
    if any(key in linked for key in (*ADVANCED_INPUTS, *HYPERPARAMETERS)):
        return True
    defaults = {**ADVANCED_INPUTS, **hyperparameter_inputs(optimizer)}
    state = st.session_state
    return any(key in state and state[key] != default for key, default in defaults.items())


def _advanced_inputs(optimizer: str) -> tuple[dict[str, Any], Any]:
    """Hyperparameters, schedule, clipping, gradient noise, seed and stopping rules, as the
    keyword arguments of :class:`Settings` they fill, and the slot for the schedule's curve."""
    hyperparameters = _hyperparameter_inputs(optimizer)
    schedule_text = st.text_input(
        "Schedule",
        key="schedule",
        bind="query-params",
        max_chars=200,
        placeholder="constant — e.g. cosine(t_max=500), exp(gamma=0.99)",
        help="torch's schedules by their names and parameters: constant, step(step_size=100, "
        "gamma=0.5), multistep(milestones=100|200, gamma=0.1), exponential(gamma=0.99), "
        "inverse_time(decay=0.01), cosine(t_max=500), polynomial(total_iters=300, power=2), "
        "onecycle(total_steps=500), plateau(patience=10, factor=0.1); warmup=N for any but "
        "plateau.",
    ).strip()
    schedule_slot = st.container()  # its curve, drawn once the lesson knows its steps
    schedule = None
    if schedule_text:
        try:
            schedule = parse_schedule(schedule_text).describe()
        except ValueError as error:
            st.error(plain(str(error)), icon="⚠️")
    clip_norm = _bound_number("Clip gradient norm at", "clip_norm", None, placeholder="off")
    clip_value = _bound_number("Clip gradient values at", "clip_value", None, placeholder="off")
    noise = _bound_number("Gradient noise (std, imitates SGD)", "noise", ADVANCED_INPUTS["noise"])
    seed = st.number_input(
        "Seed (gradient noise, mini-batch order)", min_value=0, max_value=int(NUMBERS["seed"].high),
        value=ADVANCED_INPUTS["seed"], step=1, key="seed", bind="query-params",
    )  # fmt: skip
    gtol = _bound_number("gtol: stop when |∇f| <", "gtol", ADVANCED_INPUTS["gtol"])
    xtol = _bound_number("xtol: stop when the step <", "xtol", ADVANCED_INPUTS["xtol"])
    ftol = _bound_number("ftol: stop when f changes by < ftol·|f|", "ftol", ADVANCED_INPUTS["ftol"])
    return {
        "hyperparameters": hyperparameters,
        "schedule": schedule,
        "clip_norm": clip_norm or None,
        "clip_value": clip_value or None,
        "noise": float(noise or 0.0),
        "seed": int(seed),
        "gtol": float(gtol if gtol is not None else ADVANCED_INPUTS["gtol"]),
        "xtol": float(xtol if xtol is not None else ADVANCED_INPUTS["xtol"]),
        "ftol": float(ftol or 0.0),
    }, schedule_slot


BETA_INPUTS = (("betas[0] (β₁)", 0.9999, 0.01, "%.4f"), ("betas[1] (β₂)", 0.99999, 0.001, "%.5f"))
"""Adam's two betas: label, largest value, step and format of each one's input."""


def _hyperparameter_inputs(name: str) -> tuple[tuple[str, Any], ...]:
    """Number inputs and toggles for the optimizer's torch hyperparameters, starting from the
    link's values (under torch's names) or the defaults; the changed ones go back to the link."""
    defaults = dict(make_optimizer(name).hyperparameters)
    chosen: dict[str, Any] = {}
    for key, default_value in defaults.items():
        widget_key = hyperparameter_key(name, key)
        default = _hyperparameter_from_url(name, key, default_value)
        if isinstance(default, bool):
            chosen[key] = st.toggle(key, key=widget_key, **_first_value(widget_key, default))
        elif isinstance(default, tuple):
            chosen[key] = tuple(
                st.number_input(
                    label,
                    0.0,
                    high,
                    step=step,
                    format=shown,
                    key=part_key,
                    **_first_value(part_key, float(default[i])),
                )
                for i, (label, high, step, shown) in enumerate(BETA_INPUTS)
                for part_key in [hyperparameter_key(name, key, i + 1)]
            )
        else:
            chosen[key] = st.number_input(
                key,
                min_value=0.0,
                format="%g",
                key=widget_key,
                **_first_value(widget_key, float(default)),
            )
    changed = {k: v for k, v in chosen.items() if v != defaults[k]}
    for key in HYPERPARAMETERS:
        link_param(key, hyperparameter_text(changed[key]) if key in changed else None)
    return tuple(sorted(changed.items()))


def _first_value(widget_key: str, value: Any) -> dict[str, Any]:
    """``value=`` for an input drawn for the first time; nothing once the session holds its
    value (a click on the phase map sets it in a callback, before the input is drawn: given a
    value too, Streamlit logged that it had been set twice)."""
    return {} if widget_key in st.session_state else {"value": value}


def _hyperparameter_from_url(optimizer: str, name: str, default: Any) -> Any:
    """The link's value of a hyperparameter (checked by :func:`check_link`), else the default."""
    text = st.query_params.get(name)
    if text is None:
        return default
    try:
        return parse_hyperparameter(optimizer, name, text)
    except ValueError:
        return default
