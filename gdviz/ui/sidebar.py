"""The sidebar: one function per section (landscape, start, optimizer, advanced), each
returning plain inputs, gathered into a frozen :class:`Settings`; and the rate sliders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from gdviz.expression import ExpressionError, parse_function
from gdviz.figures import rate_text
from gdviz.lesson import DEFAULT_BATCH_SIZE, DEFAULT_SURFACE, Lesson, Settings
from gdviz.links import MAX_STEPS, format_rates, parse_rates
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.schedules import parse_schedule
from gdviz.surfaces import load_library
from gdviz.ui.data_controls import DataChoice, data_controls
from gdviz.ui.state import choice_from_url, choice_to_url, forget_start_and_rates, set_start

__all__ = ["rate_sliders", "sidebar"]

RATE_SCALE = tuple(
    float(f"{mantissa * 10.0**exponent:.3g}")
    for exponent in range(-7, 4)
    for mantissa in (1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0)
    if mantissa * 10.0**exponent <= 1000.0
)
"""The rate sliders' stops: 1e-7 to 1e3, ten per decade (Renard's R10 preferred numbers, each
about 26% above the last), the range the rate sweep searches."""

OPTIMIZER_NAMES = {
    "gd": "Gradient descent",
    "momentum": "Momentum (heavy ball)",
    "nesterov": "Nesterov momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
    "newton": "Newton (exact Hessian)",
}


def _hyperparameter_inputs(name: str) -> tuple[tuple[str, Any], ...]:
    """Number inputs and toggles for the optimizer's torch hyperparameters, with its defaults."""
    defaults = dict(make_optimizer(name).hyperparameters)
    chosen: dict[str, Any] = {}
    for key, default in defaults.items():
        widget_key = f"hp_{name}_{key}"
        if isinstance(default, bool):
            chosen[key] = st.toggle(key, value=default, key=widget_key)
        elif isinstance(default, tuple):
            beta1 = st.number_input(
                "betas[0] (β₁)",
                0.0,
                0.9999,
                float(default[0]),
                0.01,
                format="%.4f",
                key=f"{widget_key}_1",
            )
            beta2 = st.number_input(
                "betas[1] (β₂)",
                0.0,
                0.99999,
                float(default[1]),
                0.001,
                format="%.5f",
                key=f"{widget_key}_2",
            )
            chosen[key] = (beta1, beta2)
        else:
            chosen[key] = st.number_input(
                key, min_value=0.0, value=float(default), format="%g", key=widget_key
            )
    changed = {k: v for k, v in chosen.items() if v != defaults[k]}
    return tuple(sorted(changed.items()))


@dataclass(frozen=True)
class LandscapeChoice:
    """The landscape section's inputs: a library surface, a typed function or a data set."""

    surface: str
    function: str | None
    data: DataChoice | None


@dataclass(frozen=True)
class OptimizerChoice:
    """The optimizer section's inputs."""

    mode: str
    optimizer: str
    race: tuple[str, ...]
    rates: tuple[float, ...]
    steps: int | None
    projector: bool


def sidebar() -> tuple[Settings, bool, Any]:
    """Draw the controls; return the settings, whether projector mode is on, and the sidebar slot
    where :func:`rate_sliders` goes."""
    with st.sidebar:
        landscape = _landscape_section()
        start = _start_section(landscape)
        choice, rate_slot = _optimizer_section(landscape.data)
        with st.expander("Advanced: hyperparameters, schedule, clipping, noise, stopping"):
            advanced = _advanced_section(choice.optimizer)
    data = landscape.data
    return (
        Settings(
            surface=landscape.surface,
            function=landscape.function,
            start=start,
            optimizer=choice.optimizer,
            rates=choice.rates,
            steps=choice.steps,
            mode=choice.mode,
            race=choice.race or ("gd",),
            dataset=data.dataset if data else None,
            batch_size=data.batch_size if data else DEFAULT_BATCH_SIZE,
            scale=data.scale if data else False,
            l1=data.l1 if data else 0.0,
            l2=data.l2 if data else 0.0,
            epochs=data.epochs if data else None,
            **advanced,
        ),
        choice.projector,
        rate_slot,
    )


def _landscape_section() -> LandscapeChoice:
    """A function (a library surface or typed text) or a model's loss on data."""
    st.header("Landscape")
    if "source" not in st.session_state:
        st.session_state["source"] = "data" if "data" in st.query_params else "function"
    source = st.radio(
        "Landscape of", ["function", "data"], key="source", horizontal=True,
        format_func=lambda s: "a function f(x, y)" if s == "function" else "a model's loss on data",
        on_change=forget_start_and_rates,
    )  # fmt: skip
    surface_key = st.session_state.get("surface", DEFAULT_SURFACE)
    if source == "data":
        return LandscapeChoice(surface_key, None, data_controls())
    st.query_params.pop("data", None)
    library = load_library()
    keys = list(library.surfaces)
    choice_from_url("surface", keys, DEFAULT_SURFACE)
    surface_key = st.selectbox(
        "Surface",
        keys,
        format_func=lambda k: library.surfaces[k].name,
        key="surface",
        on_change=forget_start_and_rates,
    )
    choice_to_url("surface", surface_key, DEFAULT_SURFACE)
    return LandscapeChoice(surface_key, _typed_function(), None)


def _typed_function() -> str | None:
    """The typed function in force: the text if it parses, else the last good one (or None)."""
    typed = st.text_input(
        "…or type a function of x and y",
        key="f",
        bind="query-params",
        placeholder="e.g. x^2 + 10y^2, (1-x)^2 + 100(y-x^2)^2",
        max_chars=400,
    ).strip()
    if not typed:
        return None
    try:
        objective = parse_function(typed)
    except ExpressionError as error:
        st.error(f"Cannot use this function: {error}", icon="⚠️")
        last: str | None = st.session_state.get("_last_good_function")
        if last:
            st.caption(f"Still showing the last good function: {last}")
        return last
    st.session_state["_last_good_function"] = typed
    st.latex(f"f = {objective.latex}")
    with st.expander("∇f and H"):
        st.latex(rf"\nabla f = {objective.gradient_latex}")
        st.latex(rf"H = {objective.hessian_latex}")
    return typed


def _start_section(landscape: LandscapeChoice) -> tuple[float, float] | None:
    """x₀ and y₀ (empty: the suggested start), a random start, and a hint to click."""
    st.header("Start")
    left, right = st.columns(2)
    x0 = left.number_input(
        "x₀", value=None, format="%g", key="x0", bind="query-params", placeholder="suggested"
    )
    y0 = right.number_input(
        "y₀", value=None, format="%g", key="y0", bind="query-params", placeholder="suggested"
    )
    data = landscape.data
    if st.button("🎲 Random start", key="random_start", width="stretch"):
        if data is not None:
            view = data.view()
        elif landscape.function:
            view = ((-3.0, 3.0), (-3.0, 3.0))
        else:
            view = load_library().surfaces[landscape.surface].view
        rng = np.random.default_rng()
        set_start(rng.uniform(*view[0]), rng.uniform(*view[1]))
        st.rerun()
    st.caption(
        "Or click on a landscape panel to start there."
        + (" Here (x₀, y₀) are the model's starting parameters." if data else "")
    )
    return (float(x0), float(y0)) if x0 is not None and y0 is not None else None


def _optimizer_section(data: DataChoice | None) -> tuple[OptimizerChoice, Any]:
    """Compare rates or race optimizers; the optimizer, the rates, the budget, projector mode.
    Also returns the slot under the rates box where the rate sliders go."""
    st.header("Optimizer")
    mode = "rates"
    if data is None:
        choice_from_url("mode", ["rates", "race"], "rates")
        mode = st.radio(
            "Compare", ["rates", "race"], key="mode", horizontal=True,
            format_func=lambda m: "learning rates" if m == "rates" else "optimizers (race)",
        )  # fmt: skip
        choice_to_url("mode", mode, "rates")
    choice_from_url("opt", list(OPTIMIZERS), "gd")
    optimizer: str = st.selectbox(
        "Optimizer", list(OPTIMIZERS), key="opt", format_func=OPTIMIZER_NAMES.__getitem__
    )
    choice_to_url("opt", optimizer, "gd")
    race: tuple[str, ...] = ()
    if mode == "race":
        race = tuple(
            st.multiselect(
                "Racers (same start and rate)", list(OPTIMIZERS), default=["gd", "momentum", "rmsprop", "adam"],
                key="race", format_func=OPTIMIZER_NAMES.__getitem__, max_selections=4,
            )
        )  # fmt: skip
    rates = _rates_box(data)
    rate_slot = st.container()  # the rate sliders, drawn once the lesson knows its rates
    steps = st.number_input(
        "Step budget", min_value=1, max_value=MAX_STEPS, value=None, step=100, key="steps",
        bind="query-params", placeholder="the surface's",
    )  # fmt: skip
    projector = st.toggle("Projector mode (large text)", key="big", bind="query-params")
    choice = OptimizerChoice(
        mode, optimizer, race, rates, int(steps) if steps else None, bool(projector)
    )
    return choice, rate_slot


def _rates_box(data: DataChoice | None) -> tuple[float, ...]:
    """The learning rates typed in the box (empty, or unreadable with a message: automatic)."""
    rates_text = st.text_input(
        "Learning rates (comma-separated, one panel each)",
        key="lr",
        bind="query-params",
        placeholder="automatic: one for all three" if data else "automatic: slow, good, diverging",
        help="Leave empty to use the surface's suggested rates (plain GD) or rates proposed by "
        "running a sweep of 61 rates from 1e-7 to 1e3 and reading their verdicts.",
    )
    try:
        return parse_rates(rates_text)
    except ValueError as error:
        st.error(f"{error} — using automatic rates instead.", icon="⚠️")
        return ()


def _advanced_section(optimizer: str) -> dict[str, Any]:
    """Hyperparameters, schedule, clipping, gradient noise, seed and stopping rules, as the
    keyword arguments of :class:`Settings` they fill."""
    hyperparameters = _hyperparameter_inputs(optimizer)
    schedule_text = st.text_input(
        "Schedule",
        key="schedule",
        placeholder="constant — e.g. cosine(t_max=500), exp(gamma=0.99)",
    ).strip()
    schedule = None
    if schedule_text:
        try:
            schedule = parse_schedule(schedule_text).describe()
        except ValueError as error:
            st.error(str(error), icon="⚠️")
    clip_norm = st.number_input(
        "Clip gradient norm at", min_value=0.0, value=None, key="clip_norm", placeholder="off"
    )
    clip_value = st.number_input(
        "Clip gradient values at", min_value=0.0, value=None, key="clip_value", placeholder="off"
    )
    noise = st.number_input(
        "Gradient noise (std, imitates SGD)", min_value=0.0, value=0.0, format="%g", key="noise"
    )
    seed = st.number_input(
        "Seed (gradient noise, mini-batch order)", min_value=0, value=0, step=1, key="seed"
    )
    gtol = st.number_input(
        "gtol: stop when |∇f| <", min_value=0.0, value=1e-6, format="%g", key="gtol"
    )
    xtol = st.number_input(
        "xtol: stop when the step <", min_value=0.0, value=1e-12, format="%g", key="xtol"
    )
    ftol = st.number_input(
        "ftol: stop when f changes by < ftol·|f|", min_value=0.0, value=0.0, format="%g", key="ftol"
    )
    return {
        "hyperparameters": hyperparameters,
        "schedule": schedule,
        "clip_norm": clip_norm or None,
        "clip_value": clip_value or None,
        "noise": float(noise),
        "seed": int(seed),
        "gtol": float(gtol),
        "xtol": float(xtol),
        "ftol": float(ftol),
    }


def rate_sliders(slot: Any, lesson: Lesson) -> None:
    """One log-scale slider per panel's rate, in ``slot`` under the rates box.

    A slider's stops are RATE_SCALE plus the rate in force, so nothing moves until the teacher
    drags; moving one writes every rate back into the box, the one source of the rates (and of
    the ``lr`` link parameter). For plain gradient descent the stops above the stability bound
    2/λ_max are marked, so the slider itself shows where divergence starts.
    """
    bound = None
    if lesson.settings.optimizer == "gd" and lesson.stability is not None:
        bound = lesson.stability.bound

    def shown(rate: float) -> str:
        return (
            f"{rate_text(rate)} › 2/λ_max"
            if bound is not None and rate > bound
            else rate_text(rate)
        )

    labels = (
        ["Learning rate (log scale)"]
        if len(lesson.rates) == 1
        else [f"Panel {i + 1} rate (log scale)" for i in range(len(lesson.rates))]
    )
    with slot:
        for i, (label, rate) in enumerate(zip(labels, lesson.rates, strict=True)):
            # Keyed by the rate: a new rate is a new slider, starting where the box says.
            key = f"lr_slider_{i}_{rate!r}"
            st.select_slider(
                label, options=sorted({*RATE_SCALE, rate}), value=rate,
                format_func=shown, key=key, on_change=_rate_moved, args=(i, key, lesson.rates),
            )  # fmt: skip
        if bound is not None:
            st.caption(
                f"› marks rates above 2/λ_max = {bound:.3g}: there plain gradient descent diverges."
            )


def _rate_moved(index: int, key: str, rates: tuple[float, ...]) -> None:
    """on_change of a rate slider: the box gets every rate, the moved one replaced."""
    moved = list(rates)
    moved[index] = float(st.session_state[key])
    st.session_state["lr"] = format_rates(moved, digits=8)
