"""The Streamlit interface: sidebar widgets in, a frozen :class:`Settings` out; the page drawn.

The only gdviz module that imports Streamlit. Every widget has a stable ``key``; the public
ones are bound to the URL under the names of :mod:`gdviz.links`, so a link reproduces the
view: text and number inputs with Streamlit's ``bind="query-params"``; choices (surface,
optimizer, mode) by hand, because the binding would write their display labels, not their keys.
A clicked start goes through session state into the bound number inputs.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from gdviz.datasets import (
    BUILTIN_DATASETS,
    MAX_UPLOAD_ROWS,
    DataError,
    Dataset,
    get_dataset,
    read_csv,
    standardize,
)
from gdviz.engine import View
from gdviz.expression import ExpressionError, Objective, parse_function
from gdviz.figures import (
    Style,
    comparison_figure,
    curves_figure,
    data_figure,
    rate_text,
    run_color,
    surface_figure,
    verdict_label,
)
from gdviz.lesson import DEFAULT_BATCH_SIZE, DEFAULT_DATASET, DEFAULT_SURFACE, Lesson, Settings
from gdviz.links import MAX_STEPS, check_link, format_rates, parse_rates
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.regression import make_model, suggested_view
from gdviz.schedules import parse_schedule
from gdviz.surfaces import load_library

__all__ = ["rate_sliders", "render_lesson", "show_link_problems", "sidebar"]

CLICK_GRID = 24
"""Invisible points per axis laid over each panel, so a click on the landscape can move the start."""

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


def show_link_problems() -> None:
    """Once per session: say what was wrong with the link the page was opened with."""
    if st.session_state.get("_link_checked"):
        return
    st.session_state["_link_checked"] = True
    problems = check_link(st.query_params.to_dict(), frozenset(load_library().surfaces))
    st.session_state["_link_problems"] = [problem.message for problem in problems]


def _choice_from_url(key: str, options: list[str], default: str) -> None:
    """Seed a choice widget from the link once. Streamlit's own binding would put the displayed
    label ("Rosenbrock") in the URL; the public parameter is the key ("rosenbrock")."""
    if key not in st.session_state:
        value = st.query_params.get(key)
        st.session_state[key] = value if value in options else default


def _choice_to_url(key: str, value: str, default: str) -> None:
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value


def _forget_start_and_rates() -> None:
    """A new landscape: its own suggested start and rates, not the last one's."""
    st.session_state.update(x0=None, y0=None, lr="")


def _set_start(x: float, y: float) -> None:
    st.session_state["x0"] = round(float(x), 4)
    st.session_state["y0"] = round(float(y), 4)


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
class DataChoice:
    """The data lesson's inputs from the sidebar."""

    dataset: Dataset
    scale: bool
    l1: float
    l2: float
    batch_size: int
    epochs: float | None

    def view(self) -> View:
        """The window a random start is drawn from: the lesson's, for a start at the origin.
        Built only when the button is pressed (the lesson builds its own)."""
        data = standardize(self.dataset) if self.scale else self.dataset
        model = make_model(data.model, data, l1=self.l1, l2=self.l2)
        return suggested_view(model, (0.0, 0.0))


def _read_upload() -> None:
    """on_change of the uploader: a good file becomes the data set; a bad one leaves the last."""
    file = st.session_state.get("upload_file")
    if file is None:
        return
    try:
        st.session_state["_upload"] = read_csv(file.getvalue(), file.name)
    except DataError as error:
        st.session_state["_upload_error"] = f"Cannot use {file.name}: {error}"
    else:
        st.session_state.pop("_upload_error", None)
        st.session_state["data"] = "upload"
        _forget_start_and_rates()


def _data_controls() -> DataChoice:
    """Data set (built-in or uploaded), scaling, penalties and the mini-batch size."""
    upload: Dataset | None = st.session_state.get("_upload")
    options = list(BUILTIN_DATASETS) + (["upload"] if upload is not None else [])
    _choice_from_url("data", options, DEFAULT_DATASET)
    name = st.selectbox(
        "Data set", options, key="data",
        format_func=lambda k: f"uploaded: {upload.name}" if k == "upload" and upload else k.replace("_", " "),
        on_change=_forget_start_and_rates,
    )  # fmt: skip
    if name != "upload":
        st.query_params["data"] = name  # its presence opens a link in data mode
    st.file_uploader(
        "…or upload a CSV: x,y (linear) or x1,x2,class (logistic)", type=["csv"],
        key="upload_file", on_change=_read_upload,
    )  # fmt: skip
    if "_upload_error" in st.session_state:
        st.error(st.session_state["_upload_error"], icon="⚠️")
    dataset = upload if name == "upload" and upload is not None else get_dataset(name)
    model_text = (
        "linear regression, y ≈ w·x + b, mean squared error"
        if dataset.model == "linear"
        else "logistic regression, P(class 1) = σ(w₁x₁ + w₂x₂), cross-entropy"
    )
    st.caption(f"{dataset.size} examples. Model: {model_text}.")
    scale = st.toggle(
        "Standardize the features", key="scale", bind="query-params",
        help="x' = (x − mean) / std per feature: turns a ravine into a round bowl.",
    )  # fmt: skip
    l2 = st.slider(
        "L2 (ridge) strength λ₂", 0.0, 2.0, 0.0, 0.01, key="l2", bind="query-params",
        help="Adds λ₂·w² to the loss (the intercept b is not penalized).",
    )  # fmt: skip
    l1 = st.slider(
        "L1 (lasso) strength λ₁", 0.0, 2.0, 0.0, 0.01, key="l1", bind="query-params",
        help="Adds λ₁·|w| to the loss: a kink along w = 0 that can switch a weight off.",
    )  # fmt: skip
    batch_size = st.number_input(
        "Mini-batch size b (middle panel)", min_value=1, max_value=MAX_UPLOAD_ROWS,
        value=DEFAULT_BATCH_SIZE, step=1, key="batch", bind="query-params",
    )  # fmt: skip
    epochs = st.number_input(
        "Budget in epochs (each variant)", min_value=0.1, max_value=1000.0, value=None,
        step=1.0, format="%g", key="epochs", bind="query-params", placeholder="off: the step budget",
        help="The same number of passes over the data for each variant: batch descent then makes "
        "one update per epoch, SGD m of them.",
    )  # fmt: skip
    return DataChoice(dataset, bool(scale), float(l1), float(l2), int(batch_size),
                      float(epochs) if epochs else None)  # fmt: skip


def sidebar() -> tuple[Settings, bool, Any]:
    """Draw the controls; return the settings, whether projector mode is on, and the sidebar slot
    where :func:`rate_sliders` goes."""
    library = load_library()
    keys = list(library.surfaces)
    with st.sidebar:
        st.header("Landscape")
        if "source" not in st.session_state:
            st.session_state["source"] = "data" if "data" in st.query_params else "function"
        source = st.radio(
            "Landscape of", ["function", "data"], key="source", horizontal=True,
            format_func=lambda s: "a function f(x, y)" if s == "function" else "a model's loss on data",
            on_change=_forget_start_and_rates,
        )  # fmt: skip
        function = None
        surface_key = st.session_state.get("surface", DEFAULT_SURFACE)
        data: DataChoice | None = None
        if source == "function":
            st.query_params.pop("data", None)
            _choice_from_url("surface", keys, DEFAULT_SURFACE)
            surface_key = st.selectbox(
                "Surface",
                keys,
                format_func=lambda k: library.surfaces[k].name,
                key="surface",
                on_change=_forget_start_and_rates,
            )
            _choice_to_url("surface", surface_key, DEFAULT_SURFACE)
            typed = st.text_input(
                "…or type a function of x and y",
                key="f",
                bind="query-params",
                placeholder="e.g. x^2 + 10y^2, (1-x)^2 + 100(y-x^2)^2",
                max_chars=400,
            ).strip()
            function = None
            if typed:
                try:
                    objective = parse_function(typed)
                except ExpressionError as error:
                    st.error(f"Cannot use this function: {error}", icon="⚠️")
                    last = st.session_state.get("_last_good_function")
                    function = last
                    if last:
                        st.caption(f"Still showing the last good function: {last}")
                else:
                    function = typed
                    st.session_state["_last_good_function"] = typed
                    st.latex(f"f = {objective.latex}")
                    with st.expander("∇f and H"):
                        st.latex(rf"\nabla f = {objective.gradient_latex}")
                        st.latex(rf"H = {objective.hessian_latex}")
        else:
            data = _data_controls()

        st.header("Start")
        left, right = st.columns(2)
        x0 = left.number_input(
            "x₀", value=None, format="%g", key="x0", bind="query-params", placeholder="suggested"
        )
        y0 = right.number_input(
            "y₀", value=None, format="%g", key="y0", bind="query-params", placeholder="suggested"
        )
        if st.button("🎲 Random start", key="random_start", width="stretch"):
            if data is not None:
                view = data.view()
            elif function:
                view = ((-3.0, 3.0), (-3.0, 3.0))
            else:
                view = library.surfaces[surface_key].view
            rng = np.random.default_rng()
            _set_start(rng.uniform(*view[0]), rng.uniform(*view[1]))
            st.rerun()
        st.caption(
            "Or click on a landscape panel to start there."
            + (" Here (x₀, y₀) are the model's starting parameters." if data else "")
        )
        start = (float(x0), float(y0)) if x0 is not None and y0 is not None else None

        st.header("Optimizer")
        mode = "rates"
        if data is None:
            _choice_from_url("mode", ["rates", "race"], "rates")
            mode = st.radio(
                "Compare", ["rates", "race"], key="mode", horizontal=True,
                format_func=lambda m: "learning rates" if m == "rates" else "optimizers (race)",
            )  # fmt: skip
            _choice_to_url("mode", mode, "rates")
        _choice_from_url("opt", list(OPTIMIZERS), "gd")
        optimizer: str = st.selectbox(
            "Optimizer", list(OPTIMIZERS), key="opt", format_func=OPTIMIZER_NAMES.__getitem__
        )
        _choice_to_url("opt", optimizer, "gd")
        race: tuple[str, ...] = ()
        shared_rate = False
        if mode == "race":
            race = tuple(
                st.multiselect(
                    "Racers (same start)", list(OPTIMIZERS), default=["gd", "momentum", "rmsprop", "adam"],
                    key="race", format_func=OPTIMIZER_NAMES.__getitem__, max_selections=4,
                )
            )  # fmt: skip
            shared_rate = st.toggle(
                "One shared rate for every racer", key="shared", bind="query-params",
                help="Off: each racer runs at its own good rate (the rates box then holds one "
                "rate per racer, in order). On: all run at one rate.",
            )  # fmt: skip
        rates_text = st.text_input(
            "Learning rates (comma-separated, one panel each)",
            key="lr",
            bind="query-params",
            placeholder="automatic: one for all three"
            if data
            else "automatic: slow, good, diverging",
            help="Leave empty to use the surface's suggested rates (plain GD) or rates proposed by "
            "running a sweep of 61 rates from 1e-7 to 1e3 and reading their verdicts.",
        )
        rates: tuple[float, ...] = ()
        try:
            rates = parse_rates(rates_text)
        except ValueError as error:
            st.error(f"{error} — using automatic rates instead.", icon="⚠️")
        rate_slot = st.container()  # the rate sliders, drawn once the lesson knows its rates
        steps = st.number_input(
            "Step budget", min_value=1, max_value=MAX_STEPS, value=None, step=100, key="steps",
            bind="query-params", placeholder="the surface's",
        )  # fmt: skip
        projector = st.toggle("Projector mode (large text)", key="big", bind="query-params")

        with st.expander("Advanced: hyperparameters, schedule, clipping, noise, stopping"):
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
                "Clip gradient norm at",
                min_value=0.0,
                value=None,
                key="clip_norm",
                placeholder="off",
            )
            clip_value = st.number_input(
                "Clip gradient values at",
                min_value=0.0,
                value=None,
                key="clip_value",
                placeholder="off",
            )
            noise = st.number_input(
                "Gradient noise (std, imitates SGD)",
                min_value=0.0,
                value=0.0,
                format="%g",
                key="noise",
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
                "ftol: stop when f changes by < ftol·|f|",
                min_value=0.0,
                value=0.0,
                format="%g",
                key="ftol",
            )

    return (
        Settings(
            surface=surface_key,
            function=function,
            start=start,
            optimizer=optimizer,
            hyperparameters=hyperparameters,
            rates=rates,
            steps=int(steps) if steps else None,
            mode=mode,
            race=race or ("gd",),
            shared_rate=bool(shared_rate),
            schedule=schedule,
            clip_norm=clip_norm or None,
            clip_value=clip_value or None,
            noise=float(noise),
            seed=int(seed),
            gtol=float(gtol),
            xtol=float(xtol),
            ftol=float(ftol),
            dataset=data.dataset if data else None,
            batch_size=data.batch_size if data else DEFAULT_BATCH_SIZE,
            scale=data.scale if data else False,
            l1=data.l1 if data else 0.0,
            l2=data.l2 if data else 0.0,
            epochs=data.epochs if data else None,
        ),
        bool(projector),
        rate_slot,
    )


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


def _start_from_click() -> None:
    """on_select callback: runs before the rerun, so it may still set the start inputs."""
    state = st.session_state.get("landscape")
    points = state["selection"]["points"] if state else []
    if points:
        _set_start(points[0]["x"], points[0]["y"])


def _verdict_row(lesson: Lesson) -> None:
    runs = [r for result in lesson.results for r in result]
    columns = st.columns(len(runs))
    icons = {"converged": "✅", "diverged": "💥", "max_steps": "⏳"}
    for i, (column, r) in enumerate(zip(columns, runs, strict=True)):
        label = lesson.labels[i] if lesson.labels else f"lr = {r.lr:.3g}"
        color = run_color(i)
        icon = "⚠️" if r.status == "converged" and not r.success else icons[r.status]
        column.markdown(
            f"<div style='border-left:6px solid {color};padding-left:10px'>"
            f"<b style='color:{color}'>{label}</b> — {icon} {verdict_label(r)}<br>"
            f"<small>{r.message}</small></div>",
            unsafe_allow_html=True,
        )


def _stability_text(lesson: Lesson) -> str:
    note = lesson.stability
    if note is None or note.bound is None:
        return "No positive curvature where the run heads, so plain gradient descent has no stability bound there."
    return (
        f"Stability bound for plain gradient descent near {note.where}: 2/λ_max = 2/{note.largest_eigenvalue:.4g} "
        f"= **{note.bound:.4g}**. Rates above it make the error along the steepest direction grow each step."
    )


def _iterates_csv(lesson: Lesson) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "optimizer", "lr", "step", "x", "y", "f", "grad_norm"])
    index = 0
    for result in lesson.results:
        for r in result:
            for k in range(r.nit + 1):
                writer.writerow(
                    [
                        index,
                        result.optimizer,
                        r.lr,
                        k,
                        r.path[k, 0],
                        r.path[k, 1],
                        r.loss[k],
                        r.grad_norm[k],
                    ]
                )
            index += 1
    return buffer.getvalue()


def render_lesson(lesson: Lesson, projector: bool) -> None:
    """The main area: the title, the verdicts, and the tabs."""
    style = Style(projector=projector)
    st.header(lesson.title)
    if lesson.teaches:
        st.markdown(lesson.teaches)
    for note in lesson.notes:
        st.info(note)
    _verdict_row(lesson)
    st.caption(
        f"Start ({lesson.start[0]:.4g}, {lesson.start[1]:.4g}) · rates {format_rates(lesson.rates)} "
        f"({lesson.rates_source}) · {_budget_text(lesson)} · "
        f"{_stability_text(lesson)}"
    )
    # The tabs track which one is open, so the hidden ones cost nothing on a rerun.
    tabs = st.tabs(list(TABS), key="tab", on_change="rerun")
    for tab, draw in zip(tabs, TABS.values(), strict=True):
        if tab.open is not False:  # None where the state is not tracked (then draw them all)
            with tab:
                draw(lesson, style)


def _landscapes_tab(lesson: Lesson, style: Style) -> None:
    figure = comparison_figure(
        lesson.landscape,
        list(lesson.results),
        labels=lesson.labels or None,
        style=style,
        click_grid=CLICK_GRID,
    )
    st.plotly_chart(
        figure, key="landscape", on_select=_start_from_click,
        selection_mode="points", width="stretch", config={"displaylogo": False},
    )  # fmt: skip
    if lesson.data is not None:
        left, right = st.columns([1.15, 1])
        left.plotly_chart(
            data_figure(lesson.data.model, list(lesson.results), labels=lesson.labels, style=style),
            key="data_panel", width="stretch", config={"displaylogo": False},
        )  # fmt: skip
        right.markdown(_cost_table(lesson))


def _budget_text(lesson: Lesson) -> str:
    if lesson.settings.epochs and lesson.data is not None:
        return f"{lesson.settings.epochs:g} epochs for each variant"
    return f"up to {lesson.steps} {'updates' if lesson.data else 'steps'}"


def _cost_table(lesson: Lesson) -> str:
    """What each variant spent: updates, epochs and examples looked at."""
    assert lesson.data is not None
    rows = [
        "| | updates | epochs | examples looked at | verdict |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, size, result in zip(
        lesson.labels, lesson.data.batch_sizes, lesson.results, strict=True
    ):
        r = result.run(0)
        rows.append(
            f"| {label} | {r.nit:,} | {r.epochs:.3g} | {r.nit * size:,} | {verdict_label(r)} |"
        )
    return (
        "**What each variant spent.** One update of batch descent looks at every example; "
        "of stochastic descent, at one. Per example looked at, SGD moves much further; per "
        "update, batch descent moves straight.\n\n" + "\n".join(rows)
    )


def _surface_tab(lesson: Lesson, style: Style) -> None:
    figure = surface_figure(
        lesson.landscape, list(lesson.results), labels=lesson.labels or None, style=style
    )
    # No scroll-zoom: scrolling the page over the scene must scroll the page, not zoom the camera.
    st.plotly_chart(
        figure, key="surface3d", width="stretch", config={"displaylogo": False, "scrollZoom": False}
    )


def _curves_tab(lesson: Lesson, style: Style) -> None:
    figure = curves_figure(
        list(lesson.results), f_min=lesson.f_min, labels=lesson.labels or None, style=style
    )
    st.plotly_chart(figure, key="curves", width="stretch", config={"displaylogo": False})


def _data_math(lesson: Lesson) -> None:
    """The loss over the data, its gradient per example, and why scaling helps."""
    note = lesson.data
    assert note is not None
    model = note.model
    st.latex(model.formula)
    if model.kind == "linear":
        st.latex(r"\nabla \ell_i = 2\,(w x_i + b - y_i)\begin{pmatrix} x_i \\ 1 \end{pmatrix},"
                 r"\qquad H = \frac{2}{m}\sum_i \begin{pmatrix} x_i^2 & x_i \\ x_i & 1 \end{pmatrix}")  # fmt: skip
    else:
        st.latex(r"\nabla \ell_i = (\sigma(z_i) - y_i)\, x_i,\qquad "
                 r"H = \frac{1}{m}\sum_i \sigma(z_i)(1 - \sigma(z_i))\, x_i x_i^\top")  # fmt: skip
    sizes = note.batch_sizes
    st.markdown(
        f"Each update averages ∇ℓᵢ over a batch B: **θ ← θ − lr · (1/|B|) Σ_{{i∈B}} ∇ℓᵢ(θ)**. Batch "
        f"descent uses all m = {sizes[0]} examples (the exact gradient ∇L); mini-batch descent {sizes[1]} "
        "drawn without replacement, a fresh order every epoch; stochastic descent one. The smaller the "
        "batch, the cheaper and noisier each step: its average is ∇L, but it scatters around it, so at "
        "a constant rate the path keeps jittering near the minimum instead of settling."
    )
    if note.minimum is not None:
        st.markdown(
            f"Minimum θ* = ({note.minimum[0]:.5g}, {note.minimum[1]:.5g})"
            + (" — the closed-form least-squares solution." if model.kind == "linear" and not (model.l1 or model.l2)
               else " — solved exactly (closed form for the line, Newton or proximal steps for the classes).")
        )  # fmt: skip
    st.markdown(
        f"Condition number of the Hessian κ = λ_max/λ_min: **{note.condition_raw:.3g}** with raw features, "
        f"**{note.condition_scaled:.3g}** standardized. At a stable rate gradient descent needs about κ "
        "steps to cross a ravine's floor. "
        + (
            "Standardizing makes E[x] = 0 and E[x²] = 1, so the line's Hessian becomes 2I and its "
            "contours circles."
            if model.kind == "linear"
            else "For the classes the Hessian also depends on the weights through σ(z)(1 − σ(z)); "
            "standardizing evens out the features' scales, which is what matters when they differ."
        )
    )


def _math_tab(lesson: Lesson, style: Style) -> None:
    if lesson.data is not None:
        _data_math(lesson)
        st.markdown(_stability_text(lesson))
        return
    objective = lesson.objective
    assert isinstance(objective, Objective)  # a function lesson (data lessons returned above)
    st.latex(f"f(x, y) = {objective.latex}")
    st.latex(rf"\nabla f = {objective.gradient_latex} \qquad H = {objective.hessian_latex}")
    note = lesson.stability
    if note is not None:
        condition = (
            f" (condition number {note.largest_eigenvalue / note.smallest_eigenvalue:.3g})"
            if note.smallest_eigenvalue > 0
            else ""
        )
        st.markdown(
            f"At {note.where} the Hessian's eigenvalues are λ_min = {note.smallest_eigenvalue:.4g} and "
            f"λ_max = {note.largest_eigenvalue:.4g}{condition}."
        )
    st.markdown(
        "Near a minimum x*, f ≈ f(x*) + ½ (x − x*)ᵀ H (x − x*), so one step of gradient descent "
        "multiplies the error along each eigenvector of H by **(1 − lr·λ)**. The run shrinks towards "
        "the minimum only if |1 − lr·λ| < 1 for every λ, that is **lr < 2/λ_max**. Just below the bound "
        "the steep direction flips sign every step (oscillation); above it the flips grow (divergence); "
        "far below it the flat direction, shrinking by (1 − lr·λ_min), crawls."
    )
    st.markdown(_stability_text(lesson))


def _data_tab(lesson: Lesson, style: Style) -> None:
    records = [r for result in lesson.results for r in result]
    labels = [
        f"{i}: {lesson.labels[i] if lesson.labels else f'lr = {r.lr:.3g}'} — {r.status}"
        for i, r in enumerate(records)
    ]
    choice = st.selectbox("Run", range(len(labels)), format_func=labels.__getitem__, key="data_run")
    chosen = records[int(choice)]
    st.dataframe(
        {
            "step": np.arange(chosen.nit + 1),
            lesson.landscape.axes[0]: chosen.path[:, 0],
            lesson.landscape.axes[1]: chosen.path[:, 1],
            "f": chosen.loss,
            "|∇f|": chosen.grad_norm,
        },
        height=320,
    )
    left, right = st.columns(2)
    # Callables: the files are made only when a button is clicked, not on every rerun.
    left.download_button(
        "Download iterates (CSV)",
        lambda: _iterates_csv(lesson),
        "gdviz-runs.csv",
        "text/csv",
        key="csv",
    )
    right.download_button(
        "Download runs (JSON)",
        lambda: json.dumps({"runs": [r.to_dict() for r in records]}, allow_nan=False),
        "gdviz-runs.json",
        "application/json",
        key="json",
    )


TABS = {
    "Landscapes": _landscapes_tab,
    "3-D": _surface_tab,
    "Loss curves": _curves_tab,
    "The math": _math_tab,
    "Data": _data_tab,
}
