"""The sidebar: one function per section (landscape, start, optimizer; the advanced one is
:mod:`gdviz.ui.advanced`), each returning plain inputs, gathered into a frozen
:class:`Settings`; and the rate sliders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import streamlit as st

from gdviz.expression import ExpressionError, Objective, parse_function
from gdviz.figures import rate_text, schedule_figure
from gdviz.lesson import DEFAULT_BATCH_SIZE, DEFAULT_SURFACE, DEFAULT_VIEW, Lesson, Settings
from gdviz.link_settings import RACERS
from gdviz.links import (
    MAX_COORDINATE,
    NUMBERS,
    format_rates,
    parse_limits,
    parse_rates,
)
from gdviz.optimizers import OPTIMIZERS
from gdviz.schedules import parse_schedule
from gdviz.surfaces import load_library
from gdviz.ui.advanced import advanced_section
from gdviz.ui.chart import show_chart
from gdviz.ui.data_controls import DataChoice, data_controls
from gdviz.ui.lesson_player import lesson_choice
from gdviz.ui.state import (
    TYPED,
    choice_from_url,
    choice_to_url,
    forget_start_and_rates,
    seed_from_url,
    set_start,
    value_to_url,
)
from gdviz.ui.text import plain

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


@dataclass(frozen=True)
class LandscapeChoice:
    """The landscape section's inputs: a library surface, a typed function or a data set."""

    surface: str
    function: str | None
    data: DataChoice | None
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None


@dataclass(frozen=True)
class OptimizerChoice:
    """The optimizer section's inputs."""

    mode: str
    optimizer: str
    race: tuple[str, ...]
    rates: tuple[float, ...]
    steps: int | None
    projector: bool
    shared_rate: bool = False  # race: every racer at one rate


class Slots(NamedTuple):
    """Places in the sidebar filled once the lesson is computed."""

    rates: Any  # the rate sliders (:func:`rate_sliders`), under the rates box
    schedule: Any  # the schedule's curve (:func:`schedule_curve`), under the schedule box
    # (None while the Advanced section is not drawn: then there is no schedule)


def sidebar() -> tuple[Settings, bool, Slots]:
    """Draw the controls; return the settings, whether projector mode is on, and the sidebar
    :class:`Slots` the lesson's rate sliders and schedule curve go in."""
    with st.sidebar:
        lesson_choice()  # first: opening a lesson's step sets the inputs drawn below
        landscape = _landscape_section()
        start = _start_section(landscape)
        choice, rate_slot = _optimizer_section(landscape.data)
        advanced, schedule_slot = advanced_section(choice.optimizer)
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
            shared_rate=choice.shared_rate,
            dataset=data.dataset if data else None,
            batch_size=data.batch_size if data else DEFAULT_BATCH_SIZE,
            scale=data.scale if data else False,
            l1=data.l1 if data else 0.0,
            l2=data.l2 if data else 0.0,
            epochs=data.epochs if data else None,
            xlim=landscape.xlim,
            ylim=landscape.ylim,
            **advanced,
        ),
        choice.projector,
        Slots(rate_slot, schedule_slot),
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
    if "surface" not in st.session_state and st.query_params.get("f"):
        st.session_state["surface"] = TYPED  # a link's function wins over its surface
    choice_from_url("surface", [*keys, TYPED], DEFAULT_SURFACE)
    surface_key = st.selectbox(
        "Surface",
        [*keys, TYPED],
        format_func=lambda k: "✎ your function (typed below)" if k == TYPED else library.surfaces[k].name,
        key="surface",
        on_change=_surface_picked,
    )  # fmt: skip
    if surface_key != TYPED:
        st.session_state["_library_surface"] = surface_key
        choice_to_url("surface", surface_key, DEFAULT_SURFACE)
    function = _typed_function()
    library_surface = st.session_state.get("_library_surface", DEFAULT_SURFACE)
    return LandscapeChoice(library_surface, function, None, *_view_inputs())


def _surface_picked() -> None:
    """on_change of the Surface box: a library surface replaces a typed function."""
    forget_start_and_rates()
    if st.session_state["surface"] != TYPED:
        st.session_state["f"] = ""
        st.session_state.pop("_last_good_function", None)


def _function_typed() -> None:
    """on_change of the function box: the Surface box says a typed function is shown."""
    if st.session_state["f"].strip():
        st.session_state["surface"] = TYPED
    else:
        st.session_state["surface"] = st.session_state.get("_library_surface", DEFAULT_SURFACE)
        st.session_state.pop("_last_good_function", None)


def _view_inputs() -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """The x and y ranges of the panels as 'low, high' (empty: the landscape's own view)."""
    left, right = st.columns(2)
    limits = []
    for column, axis in ((left, "x"), (right, "y")):
        text = column.text_input(
            f"{axis} range", key=f"{axis}lim", bind="query-params", max_chars=60,
            placeholder="auto", help="The panels' range on this axis as low, high — e.g. -4, 4.",
        ).strip()  # fmt: skip
        limit = None
        if text:
            try:
                limit = parse_limits(text)
            except ValueError as error:
                st.error(plain(f"The {axis} range {text}: {error}."), icon="⚠️")
        limits.append(limit)
    return limits[0], limits[1]


def _typed_function() -> str | None:
    """The typed function in force: the text if it parses, else the last good one (or None)."""
    typed = st.text_input(
        "…or type a function of x and y",
        key="f",
        bind="query-params",
        placeholder="e.g. x^2 + 10y^2, (1-x)^2 + 100(y-x^2)^2",
        max_chars=400,
        on_change=_function_typed,
    ).strip()
    if not typed:
        return None
    try:
        objective = parse_function(typed)
    except ExpressionError as error:
        st.error(plain(f"Cannot use this function: {error}"), icon="⚠️")
        last: str | None = st.session_state.get("_last_good_function")
        if last:
            st.caption(plain(f"Still showing the last good function: {last}"))
        return last
    st.session_state["_last_good_function"] = typed
    st.latex(formula_lines(objective))
    with st.expander("∇f and H"):
        st.latex(rf"\nabla f = {objective.gradient_latex}")
        st.latex(rf"H = {objective.hessian_latex}")
    return typed


SIDEBAR_FORMULA_WIDTH = 16
"""About how many symbols of a formula fit on one line of the sidebar (KaTeX does not wrap)."""


def formula_lines(objective: Objective, width: int = SIDEBAR_FORMULA_WIDTH) -> str:
    """'f = …' as LaTeX, its sum broken over aligned lines of about ``width`` symbols, so a
    long formula is shown whole in the narrow sidebar instead of cut off at its edge."""
    if _symbols(objective.latex) <= width:
        return f"f = {objective.latex}"
    lines: list[str] = []
    for term in objective.latex_terms:
        if lines and _symbols(lines[-1] + term) <= width:
            lines[-1] += " " + term
        else:
            lines.append(term)
    return r"\begin{aligned} f = {} & " + r" \\ & ".join(lines) + r" \end{aligned}"


def _symbols(latex: str) -> int:
    """Roughly how many symbols LaTeX draws: commands, braces and spaces drawn as nothing."""
    return len(re.sub(r"\\[a-zA-Z]+|[{}\s]", "", latex))


def _start_section(landscape: LandscapeChoice) -> tuple[float, float] | None:
    """x₀ and y₀ (empty: the suggested start), a random start, and a hint to click."""
    st.header("Start")
    left, right = st.columns(2)
    seed_from_url("x0", number=True)
    seed_from_url("y0", number=True)
    x0 = left.number_input(
        "x₀", value=None, format="%g", key="x0", placeholder="suggested",
        min_value=-MAX_COORDINATE, max_value=MAX_COORDINATE,
    )  # fmt: skip
    y0 = right.number_input(
        "y₀", value=None, format="%g", key="y0", placeholder="suggested",
        min_value=-MAX_COORDINATE, max_value=MAX_COORDINATE,
    )  # fmt: skip
    value_to_url("x0", x0)
    value_to_url("y0", y0)
    data = landscape.data
    if data is None and not landscape.function:
        _listed_starts(load_library().surfaces[landscape.surface].starts)
    st.button(
        "🎲 Random start", key="random_start", width="stretch",
        on_click=_random_start, args=(landscape,),
    )  # fmt: skip
    st.caption(
        "Or click on a landscape panel to start there."
        + (" Here (x₀, y₀) are the model's starting parameters." if data else "")
    )
    return (float(x0), float(y0)) if x0 is not None and y0 is not None else None


def _listed_starts(starts: tuple[tuple[float, float], ...]) -> None:
    """One button per start the surface lists: its text speaks of them (the second start
    finds the deep basin), so the class can see each, at the same rates."""
    if len(starts) < 2:
        return
    st.caption("The surface's listed starts:")
    columns: list[Any] = []
    for i, (x, y) in enumerate(starts):
        if not columns:
            columns = list(st.columns(2))  # two a row: '2: (-1.5, 2)' fits the sidebar
        columns.pop(0).button(
            f"{i + 1}: ({x:g}, {y:g})", key=f"listed_start_{i}", width="stretch",
            on_click=set_start, args=(x, y),
        )  # fmt: skip


def _random_start(landscape: LandscapeChoice) -> None:
    """on_click of 🎲: a start drawn uniformly from the view. A callback, because it runs before
    the rerun draws the start inputs (writing their state after that raises)."""
    if landscape.data is not None:
        view = landscape.data.view()
    else:
        own = (
            DEFAULT_VIEW if landscape.function else load_library().surfaces[landscape.surface].view
        )
        view = (landscape.xlim or own[0], landscape.ylim or own[1])
    rng = np.random.default_rng()
    set_start(rng.uniform(*view[0]), rng.uniform(*view[1]))


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
    shared_rate = False
    if mode == "race":
        race = tuple(
            st.multiselect(
                "Racers (same start)", list(OPTIMIZERS), default=list(RACERS),
                key="race", format_func=OPTIMIZER_NAMES.__getitem__, max_selections=4,
            )
        )  # fmt: skip
        shared_rate = st.toggle(
            "One shared rate for every racer", key="shared", bind="query-params",
            help="Off: each racer runs at its own good rate (the rates box then holds one rate "
            "per racer, in order). On: all run at one rate.",
        )  # fmt: skip
    rates = _rates_box(data)
    rate_slot = st.container()  # the rate sliders, drawn once the lesson knows its rates
    steps = st.number_input(
        "Step budget", min_value=1, max_value=int(NUMBERS["steps"].high), value=None, step=100, key="steps",
        bind="query-params", placeholder="the surface's",
    )  # fmt: skip
    projector = st.toggle("Projector mode (large text)", key="big", bind="query-params")
    if "stepping" not in st.session_state:  # a link with ?step=k opens in step mode
        st.session_state["stepping"] = "step" in st.query_params
    if not st.toggle(
        "Step by step, with arrows", key="stepping",
        help="◀ ▶ above the landscapes: each run's path up to step k, and update k drawn as "
        "arrows: the gradient step, the step taken and the optimizer's state. The step is "
        "in the link (step=k) and in the math tab's update.",
    ):  # fmt: skip
        st.query_params.pop("step", None)
    choice = OptimizerChoice(
        mode, optimizer, race, rates, int(steps) if steps else None, bool(projector),
        bool(shared_rate),
    )  # fmt: skip
    return choice, rate_slot


def _rates_box(data: DataChoice | None) -> tuple[float, ...]:
    """The learning rates typed in the box (empty, or unreadable with a message: automatic)."""
    seed_from_url("lr")
    rates_text = st.text_input(
        "Learning rates (comma-separated, one panel each)",
        key="lr",
        placeholder="automatic: one for all three" if data else "automatic: slow, good, diverging",
        help="Leave empty to use the surface's suggested rates (plain GD) or rates proposed by "
        "running a sweep of 61 rates from 1e-7 to 1e3 and reading their verdicts.",
    )
    value_to_url("lr", rates_text.strip())
    try:
        return parse_rates(rates_text)
    except ValueError as error:
        st.error(plain(f"{error} — using automatic rates instead."), icon="⚠️")
        return ()


def rate_sliders(slot: Any, lesson: Lesson) -> None:
    """One log-scale slider per panel's rate, in ``slot`` under the rates box.

    A slider's stops are RATE_SCALE plus the rate in force, so nothing moves until the teacher
    drags; moving one writes every rate back into the box, the one source of the rates (and of
    the ``lr`` link parameter). For plain gradient descent the stops above the stability bound
    2/λ_max are marked, so the slider itself shows where divergence starts.
    """
    st.session_state["_rates_in_force"] = format_rates(lesson.rates, digits=8)
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
            # One key per panel, not per rate: a rate moved with the arrow keys keeps the focus.
            key = f"lr_slider_{i}"
            # Start where the box says when the box changed the rate, and also when the rate's
            # label changed (a typed function moved 2/λ_max, so "0.3 › 2/λ_max" became "0.3"):
            # the browser sends a slider's value back as its label, and a label it no longer
            # finds among the options read as the first stop, 1e-07, overwriting the rate.
            label_key, rate_label = f"_{key}_label", shown(rate)
            if st.session_state.get(key) != rate or st.session_state.get(label_key) != rate_label:
                st.session_state[key] = rate
            st.session_state[label_key] = rate_label
            st.select_slider(
                label, options=sorted({*RATE_SCALE, rate}),
                format_func=shown, key=key, on_change=_rate_moved, args=(i, key, lesson.rates),
            )  # fmt: skip
        if bound is not None:
            settings = lesson.settings
            held = settings.clip_norm or settings.clip_value or settings.schedule
            st.caption(
                f"› marks rates above 2/λ_max = {bound:.3g}: there plain gradient descent diverges"
                + (", unless clipping or the schedule holds it back." if held else ".")
            )


def schedule_curve(slot: Any, lesson: Lesson) -> None:
    """The schedule's factor of the rate against the update, in ``slot`` under its box, over the
    lesson's budget; ``plateau``'s as it happened on the first panel's run (it depends on the
    run)."""
    if not lesson.settings.schedule:
        return
    schedule = parse_schedule(lesson.settings.schedule)
    if schedule.per_run:
        first = lesson.results[0]
        factors = first.factors(0)[: int(first.nit[0])]
        note = "As it happened on panel 1's run: plateau cuts the rate when that run's f stalls."
    else:
        factors = schedule.factors(lesson.steps)
        note = ""
    with slot:
        if len(factors) == 0:
            st.caption("Panel 1's run took no step: no rate to draw.")
            return
        show_chart(
            schedule_figure(factors),
            key="schedule_curve",
            config={"displayModeBar": False},
        )
        if note:
            st.caption(note)


def _rate_moved(index: int, key: str, rates: tuple[float, ...]) -> None:
    """on_change of a rate slider: the box gets every rate, the moved one replaced."""
    moved = list(rates)
    moved[index] = float(st.session_state[key])
    st.session_state["lr"] = format_rates(moved, digits=8)
