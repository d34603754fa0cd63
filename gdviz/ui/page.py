"""The main area: the title, the verdicts, the summary line and the tabs."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from gdviz.batches import MiniBatches
from gdviz.engine import MAX_TRACE_ENTRIES, Run, check_trace_entries
from gdviz.expression import Objective
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
from gdviz.figures.stepping import UpdateArrows, update_arrows
from gdviz.figures.style import WebFigure
from gdviz.lesson import Lesson, Settings, build_lesson
from gdviz.links import NUMBERS, format_rates, hyperparameter_text
from gdviz.links import TABS as TAB_LABELS
from gdviz.ui.cache import per_process
from gdviz.ui.chart import shared, show_chart
from gdviz.ui.keep_camera import keep_camera
from gdviz.ui.maps_tab import maps_tab
from gdviz.ui.screen import Screen
from gdviz.ui.state import clicked_start, link_param, set_start
from gdviz.ui.step_control import step_bar_height, step_control
from gdviz.ui.text import plain
from gdviz.update_numbers import update_lines

__all__ = ["CLICK_GRID", "clicked_start", "render_lesson"]

CLICK_GRID = 24
"""Invisible points per axis laid over each panel, so a click on the landscape can move the start."""


def _start_from_click() -> None:
    """on_select callback: runs before the rerun, so it may still set the start inputs."""
    state = st.session_state.get("landscape")
    points = state["selection"]["points"] if state else []
    grid = st.session_state.get("_click_grid")
    if points and grid:
        set_start(*clicked_start(points[0], grid[0], grid[1], n=CLICK_GRID))


def _verdict_row(lesson: Lesson) -> None:
    """One card per panel: its label, verdict, the engine's message, the settings that change
    it, and why a rate above 2/λ_max did not diverge when clipping or a schedule held it."""
    runs = [(result.optimizer, r) for result in lesson.results for r in result]
    columns = st.columns(len(runs))
    icons = {"converged": "✅", "diverged": "💥", "max_steps": "⏳"}
    settings = lesson.settings
    for i, (column, (optimizer, r)) in enumerate(zip(columns, runs, strict=True)):
        label = lesson.labels[i] if lesson.labels else f"lr = {rate_text(r.lr)}"
        color = run_color(i)
        notes = [r.message]
        changed = changed_settings(settings, optimizer)
        if changed:
            notes.append("with " + ", ".join(changed))
        held = _held_back(lesson, optimizer, r)
        if held:
            notes.append(held)
        icon = "⚠️" if r.status == "converged" and not r.success else icons[r.status]
        column.markdown(
            f"<div style='border-left:6px solid {color};padding-left:10px'>"
            f"<b style='color:{color}'>{label}</b> — {icon} {verdict_label(r)}<br>"
            + "<br>".join(f"<small>{html.escape(note)}</small>" for note in notes)
            + "</div>",
            unsafe_allow_html=True,
        )


def changed_settings(settings: Settings, optimizer: str | None = None) -> list[str]:
    """The settings that differ from the defaults, in the link's names: 'schedule
    cosine(t_max=500)', 'clip_norm = 1', 'momentum = 0.5'. Hyperparameters belong to
    ``settings.optimizer``: they are listed only for its panels (all when ``optimizer`` is None)."""
    default = Settings()
    parts = [f"schedule {settings.schedule}"] if settings.schedule else []
    for name in ("clip_norm", "clip_value", "noise", "gtol", "xtol", "ftol"):
        value = getattr(settings, name)
        if value != getattr(default, name):
            parts.append(f"{name} = {value:g}")
    if settings.seed != default.seed and (settings.noise or settings.dataset is not None):
        parts.append(f"seed = {settings.seed}")  # the seed changes nothing without noise or batches
    if optimizer in (None, settings.optimizer):
        parts += [f"{k} = {hyperparameter_text(v)}" for k, v in settings.hyperparameters]
    return parts


def _held_back(lesson: Lesson, optimizer: str, r: Run) -> str | None:
    """Why plain gradient descent above 2/λ_max did not diverge, when clipping or a schedule
    is on (without them it would: the error along the steepest direction grows each step)."""
    settings, note = lesson.settings, lesson.stability
    if optimizer != "gd" or note is None or note.bound is None:
        return None
    if r.lr <= note.bound or r.status == "diverged":
        return None
    if settings.clip_norm or settings.clip_value:
        return (
            f"lr › 2/λ_max = {note.bound:.3g}, yet it did not diverge: clipping caps each step "
            "at lr × the clip, so the steps cannot grow geometrically as they do without it."
        )
    if settings.schedule:
        return (
            f"lr › 2/λ_max = {note.bound:.3g} at first, yet it did not diverge: the schedule "
            f"{settings.schedule} brings the rate below the bound."
        )
    return None


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


def render_lesson(
    lesson: Lesson,
    projector: bool,
    screen: Screen,
    under_pictures: Callable[[], None] | None = None,
) -> None:
    """The main area: the title, the tabs with the pictures on the first screen, then
    ``under_pictures`` (a guided lesson's narration on a projector), the verdicts, what the
    lesson teaches and the summary line (the panel titles carry each verdict already);
    ``screen`` is the space :func:`~gdviz.ui.screen.open_page` measured."""
    style = Style(projector=projector)
    st.header(plain(lesson.title))  # a typed function or an upload's name: shown as typed
    # The tabs track which one is open, so the hidden ones cost nothing on a rerun.
    # Bound to the link as ?tab=The%20math.
    tabs = st.tabs(list(TABS), key="tab", on_change="rerun", bind="query-params")
    for tab, draw in zip(tabs, TABS.values(), strict=True):
        if tab.open is not False:  # None where the state is not tracked (then draw them all)
            with tab:
                draw(lesson, style, screen)
    if under_pictures is not None:
        under_pictures()
    _verdict_row(lesson)
    for note in lesson.notes:
        st.info(note)  # our own sentences, with numbers in them
    if lesson.teaches:  # a surface's text is Markdown; a data set's may name an upload's columns
        st.markdown(plain(lesson.teaches) if lesson.data else lesson.teaches)
    st.caption(
        f"Start ({lesson.start[0]:.4g}, {lesson.start[1]:.4g}) · rates {format_rates(lesson.rates)} "
        f"({lesson.rates_source}) · {_budget_text(lesson)} · "
        + "".join(f"{part} · " for part in changed_settings(lesson.settings))
        + _stability_text(lesson)
    )


def _landscapes_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    width, height = screen.width, screen.chart_height
    arrows, step = None, None
    if st.session_state.get("stepping"):
        # Step mode: the traced runs (the same runs, with what each update did) and the
        # control above the panels, which steps them in the browser.
        lesson = traced_lesson(lesson)
        arrows = stepped_arrows(lesson.settings)  # cached, as is the figure they go in
        kinds = sorted(
            {kind for a in arrows for kind in a.vectors}
            | ({"box"} if any(a.box is not None for a in arrows) else set())
        )
        longest = max(r.nit for result in lesson.results for r in result)
        # The link holds the step the server knows; the browser's newer one comes back here.
        step = step_control(longest, kinds, style.projector, link_step())
        link_param("step", str(step))
        height -= step_bar_height(kinds, style.projector, width)
    figure, st.session_state["_click_grid"] = (
        landscape_figure(lesson.settings, style, width, height, lesson)
        if arrows is None
        else _step_figure(lesson.settings, style, width, height)
    )
    show_chart(figure, key="landscape", on_select=_start_from_click, selection_mode="points")
    if lesson.data is not None:
        left, right = st.columns([1.15, 1])
        # In step mode the lines follow the step control (no playback of their own).
        panel = _data_panel(lesson.settings, style, arrows is not None, lesson)
        show_chart(panel, key="data_panel", container=left)
        right.markdown(_cost_table(lesson, step))


def _budget_text(lesson: Lesson) -> str:
    if lesson.settings.epochs and lesson.data is not None:
        return f"{lesson.settings.epochs:g} epochs for each variant"
    return f"up to {lesson.steps} {'updates' if lesson.data else 'steps'}"


def _epochs_text(epochs: float | None) -> str:
    """'1,000', '31.3', '0.25': never '1e+03' in a table a class reads."""
    if epochs is None:
        return "—"
    return f"{epochs:,.0f}" if epochs >= 100 else f"{epochs:.3g}"


def _cost_table(lesson: Lesson, step: int | None = None) -> str:
    """What each variant spent: updates, epochs and examples looked at; in step mode, by the
    step shown (a run that ended before it, all it spent)."""
    assert lesson.data is not None
    model = lesson.data.model
    rows = [
        "| | updates | epochs | examples looked at | verdict |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, size, result in zip(
        lesson.labels, lesson.data.batch_sizes, lesson.results, strict=True
    ):
        r = result.run(0)
        updates = r.nit if step is None else min(step, r.nit)
        # Exact where b does not divide m: each epoch's last batch is shorter.
        epochs = MiniBatches(model, size).epochs(updates)
        examples = round(epochs * model.dataset.size)
        verdict = verdict_label(r) if updates == r.nit else "… running"
        rows.append(
            f"| {label} | {updates:,} | {_epochs_text(epochs)} | {examples:,} | {verdict} |"
        )
    spent = (
        "What each variant spent" if step is None else f"What each variant spent by update {step:,}"
    )
    return (
        f"**{spent}.** One update of batch descent looks at every example; "
        "of stochastic descent, at one. Per example looked at, SGD moves much further; per "
        "update, batch descent moves straight.\n\n" + "\n".join(rows)
    )


def _surface_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    figure = _surface_3d(lesson.settings, style, screen.width, screen.chart_height, lesson)
    # No scroll-zoom: scrolling the page over the scene must scroll the page, not zoom the camera.
    show_chart(figure, key="surface3d", config={"scrollZoom": False})
    keep_camera()
    st.caption(
        "Drag to turn the surface; the view is kept when the rates change. Playback runs on the Landscapes tab: Plotly can animate a 3-D "
        "scene only by redrawing all of it for every frame, too slow to watch here."
    )


@per_process(max_entries=16)
def _surface_3d(
    settings: Settings, style: Style, width: int, height: int, _lesson: Lesson
) -> go.Figure:
    """The 3-D tab's figure of ``_lesson`` (built from ``settings``), shared like the panels
    (:func:`landscape_figure`)."""
    figure = surface_figure(
        _lesson.landscape,
        list(_lesson.results),
        labels=_lesson.labels or None,
        style=style,
        height=height - 40,  # the note under the scene
        width=width,
    )
    return shared(figure)


@per_process(max_entries=16)
def _data_panel(settings: Settings, style: Style, stepping: bool, _lesson: Lesson) -> go.Figure:
    """A data lesson's fitted lines or boundaries, shared like the panels; in step mode
    (``stepping``) without playback: the step control moves the lines."""
    assert _lesson.data is not None
    model, results = _lesson.data.model, list(_lesson.results)
    figure = data_figure(model, results, labels=_lesson.labels, style=style, playback=not stepping)
    return shared(figure)


def _curves_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    figure = curves_figure(
        list(lesson.results), f_min=lesson.f_min, labels=lesson.labels or None, style=style
    )
    show_chart(figure, key="curves")


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
    st.markdown("Each update averages ∇ℓᵢ over a batch B:")
    st.latex(
        r"\theta \leftarrow \theta - \mathrm{lr}\cdot\frac{1}{|B|}\sum_{i \in B} \nabla \ell_i(\theta)"
    )
    st.markdown(
        f"Batch "
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


def _math_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    if lesson.data is not None:
        _data_math(lesson)
        st.markdown(_stability_text(lesson))
        _update_in_numbers(lesson)
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
    _update_in_numbers(lesson)


def _data_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    records = [r for result in lesson.results for r in result]
    labels = [
        f"{i + 1}: {lesson.labels[i] if lesson.labels else f'lr = {rate_text(r.lr)}'} — {verdict_label(r)}"
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
        on_click="ignore",  # a download changes nothing on the page: no rerun
    )
    updates = sum(r.nit for r in records)
    with_trace = False
    if updates <= MAX_TRACE_ENTRIES:
        with_trace = right.checkbox(
            "include the trace (gradient, optimizer state and step at every update)",
            key="json_trace",
            help="Each run's list of updates k = 1 … nit: the gradient the optimizer received, "
            "its state after the update under torch's names, and the step, as `--trace` "
            "writes them.",
        )
    else:
        right.caption(
            f"These runs take {updates:,} updates: a download holds the trace of at most "
            f"{MAX_TRACE_ENTRIES:,}."
        )
    right.download_button(
        "Download runs (JSON)",
        lambda: runs_json(traced_runs(lesson) if with_trace else records, trace=with_trace),
        "gdviz-runs.json",
        "application/json",
        key="json",
        on_click="ignore",  # a download changes nothing on the page: no rerun
    )


def traced_lesson(lesson: Lesson) -> Lesson:
    """The same lesson with its runs traced (``trace=True``): the page never pays for the
    trace; it is computed when a download or the math tab's update asks for it."""
    if lesson.settings.trace:
        return lesson
    return _traced(dataclasses.replace(lesson.settings, trace=True))


@per_process(max_entries=8)
def _traced(settings: Settings) -> Lesson:
    """Cached: stepping through the math tab's updates reruns the page at every click."""
    return build_lesson(settings)


@per_process(max_entries=8)
def stepped_arrows(settings: Settings) -> list[UpdateArrows]:
    """Every run's update arrows (step mode), in the panels' order; cached per setting."""
    lesson = _traced(settings)
    clipped = settings.clip_norm is not None or settings.clip_value is not None
    return [
        update_arrows(result.optimizer, result.hyperparameters, r, clipped=clipped)
        for result in lesson.results
        for r in result
    ]


ClickGrid = tuple[frozenset[int], tuple[tuple[float, float], tuple[float, float]]]
"""The click grid's trace indices in a landscape figure, and the view (x range, y range) it
spans: what a click on the panels is read against (:func:`_start_from_click`)."""


@per_process(max_entries=16)
def landscape_figure(
    settings: Settings, style: Style, width: int, height: int, _lesson: Lesson
) -> tuple[go.Figure, ClickGrid]:
    """The landscape panels of ``_lesson`` (the lesson ``settings`` build; not hashed) and their
    click grid, built once per setting, style and size for every session of the process: a
    class on one link shares one figure, and a rerun that changes nothing on the panels (a
    tab, the math tab's update, a size report that matches) builds nothing. Bounded: 16
    figures of at most about 3 MB each with their serialised copy (a four-racer Rosenbrock
    race at 1904 px)."""
    return _with_click_grid(_panels(_lesson, style, width, height))


@per_process(max_entries=8)
def _step_figure(
    settings: Settings, style: Style, width: int, height: int
) -> tuple[go.Figure, ClickGrid]:
    """The panels in step mode, cached: every step the browser reports reruns the page, and
    the figure, which carries every step's arrows, is the same."""
    return _with_click_grid(
        _panels(_traced(settings), style, width, height, stepped_arrows(settings))
    )


def _with_click_grid(figure: WebFigure) -> tuple[go.Figure, ClickGrid]:
    """The figure, to be shared by every session (:class:`~gdviz.ui.chart.SharedFigure`), and
    its click grid."""
    figure = shared(figure)
    traces = figure.spec()["data"]  # read from the dicts: plotly.py's objects are not needed
    grid = frozenset(i for i, trace in enumerate(traces) if trace.get("name") == "click grid")
    # The view as drawn: padded to the panels' shape, the click grid spans it.
    view = (
        tuple(figure.layout_value("xaxis")["range"]),
        tuple(figure.layout_value("yaxis")["range"]),
    )
    return figure, (grid, view)  # type: ignore[return-value]


def _panels(
    lesson: Lesson, style: Style, width: int, height: int,
    stepping: list[UpdateArrows] | None = None,
) -> go.Figure:  # fmt: skip
    """The landscape panels for the space measured (with ``stepping``: for step mode)."""
    return comparison_figure(
        lesson.landscape,
        list(lesson.results),
        labels=lesson.labels or None,
        style=style,
        click_grid=CLICK_GRID,
        width=width,
        height=height,
        stepping=stepping,
    )


def link_step() -> int:
    """Step mode's step: the link's ``step``, which the step control keeps up to date (0 if
    absent or not a whole number in range: the link's problems say so)."""
    text = st.query_params.get("step")
    if text is None or NUMBERS["step"].problem(text):
        return 0
    return int(float(text))


def traced_runs(lesson: Lesson) -> list[Run]:
    """The lesson's runs with their traces."""
    return [r for result in traced_lesson(lesson).results for r in result]


def _update_in_numbers(lesson: Lesson) -> None:
    """One update of one panel's run in its optimizer's torch box, with the numbers the engine
    used and recorded (:mod:`gdviz.update_numbers`)."""
    traced = traced_lesson(lesson)
    runs = [(result, r) for result in traced.results for r in result]
    names = [
        traced.labels[i] if traced.labels else f"lr = {rate_text(r.lr)}"
        for i, (_, r) in enumerate(runs)
    ]
    st.subheader("One update, in numbers")
    left, right = st.columns(2)
    i = left.selectbox("Panel", range(len(runs)), format_func=names.__getitem__, key="update_panel")
    result, r = runs[i]
    if r.nit == 0:
        st.caption("This run took no step.")
        return
    k = link_step()
    if st.session_state.get("stepping") and k and st.session_state.get("_synced_k") != k:
        st.session_state["_synced_k"] = k  # a new step in step mode: show its update here
        st.session_state["update_step"] = k
    if st.session_state.get("update_step", 1) > r.nit:  # another panel's run may be shorter
        st.session_state["update_step"] = r.nit
    t = int(right.number_input(f"Update t (1 … {r.nit:,})", 1, r.nit, key="update_step"))
    lines = update_lines(result.optimizer, result.hyperparameters, r, t)
    body = r" \\ ".join(line.latex().replace(" = ", " &= ", 1) for line in lines)
    st.latex(r"\begin{aligned}" + body + r"\end{aligned}")
    st.caption(
        f"{result.optimizer} at update t = {t}: g_t is the gradient the optimizer received "
        "(after any noise and clipping), the state is what the engine kept after the update "
        "(torch's names), and θₜ is the path's own point: θₜ₋₁ + Δθₜ."
    )


def runs_json(records: list[Run], *, trace: bool = False) -> str:
    """The runs as JSON (with ``trace``, each run's trace). A value that is not finite (f at a
    start outside the domain) is null: JSON has no NaN, and json.dumps(allow_nan=False) raised,
    so the button did nothing."""
    if trace:
        check_trace_entries(sum(r.nit for r in records))
    runs = [_finite(r.to_dict(include_trace=trace)) for r in records]
    return json.dumps({"runs": runs}, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


TABS = dict(
    zip(
        TAB_LABELS,
        (_landscapes_tab, _surface_tab, _curves_tab, maps_tab, _math_tab, _data_tab),
        strict=True,
    )
)
"""Each tab's drawing function, under the labels the ``tab`` link parameter takes."""
