"""The main area: the title, the verdicts, the summary line and the tabs."""

from __future__ import annotations

import html
from collections.abc import Callable

import streamlit as st

from gdviz.batches import MiniBatches
from gdviz.engine import Run
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
from gdviz.figures.panels import click_grid_traces
from gdviz.figures.stepping import UpdateArrows
from gdviz.figures.style import WebFigure
from gdviz.lesson import Lesson, Settings
from gdviz.links import TABS as TAB_LABELS
from gdviz.links import format_rates, hyperparameter_text
from gdviz.ui.cache import per_process
from gdviz.ui.chart import shared, show_chart
from gdviz.ui.data_tab import data_tab
from gdviz.ui.keep_camera import keep_camera
from gdviz.ui.maps_tab import maps_tab
from gdviz.ui.math_tab import _stability_text, math_tab
from gdviz.ui.screen import Screen
from gdviz.ui.state import clicked_start, link_param, set_start
from gdviz.ui.step_control import link_step, step_bar_height, step_control
from gdviz.ui.text import plain
from gdviz.ui.traced import _traced, stepped_arrows, traced_lesson

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
        step, bar = _step_bar(lesson, kinds, style, width)
        height -= bar
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


def _step_bar(
    lesson: Lesson, kinds: list[str], style: Style, width: int, *, arrows: bool = True
) -> tuple[int, int]:
    """Step mode's control above a tab's chart, for runs with arrows of ``kinds`` (and the
    arrows' switch with ``arrows``); the step it shows, which goes into the link, and the
    height it takes."""
    longest = max(r.nit for result in lesson.results for r in result)
    # The link holds the step the server knows; the browser's newer one comes back here.
    step = step_control(longest, kinds, style.projector, link_step(), arrows=arrows)
    link_param("step", str(step))
    return step, step_bar_height(kinds, style.projector, width)


def _surface_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    height, stepping = screen.chart_height, bool(st.session_state.get("stepping"))
    if stepping:
        # Step mode: the same control as above the panels (one tab is drawn at a time), which
        # cuts the scene's paths at step k in the browser. No arrows here: the scene shows θ_k.
        height -= _step_bar(lesson, [], style, screen.width, arrows=False)[1]
    figure = _surface_3d(lesson.settings, style, screen.width, height, stepping, lesson)
    # No scroll-zoom: scrolling the page over the scene must scroll the page, not zoom the camera.
    show_chart(figure, key="surface3d", config={"scrollZoom": False})
    keep_camera()
    st.caption(
        "Drag to turn the surface; the view is kept when the rates change. "
        + (
            "Step by step: ◀ ▶ (or ← →) cut every run's path at step k, θ_k in black."
            if stepping
            else "Playback runs on the Landscapes tab: Plotly can animate a 3-D scene only by "
            "redrawing all of it for every frame, too slow to watch here."
        )
    )


@per_process(max_entries=16)
def _surface_3d(
    settings: Settings, style: Style, width: int, height: int, stepping: bool, _lesson: Lesson
) -> WebFigure:
    """The 3-D tab's figure of ``_lesson`` (built from ``settings``), built once for every
    session like the panels (:func:`landscape_figure`); in step mode (``stepping``) with what
    the step control cuts the paths with."""
    return surface_figure(
        _lesson.landscape,
        list(_lesson.results),
        labels=_lesson.labels or None,
        style=style,
        height=height - 40,  # the note under the scene
        width=width,
        stepping=stepping,
    )


@per_process(max_entries=16)
def _data_panel(settings: Settings, style: Style, stepping: bool, _lesson: Lesson) -> WebFigure:
    """A data lesson's fitted lines or boundaries, built once for every session like the
    panels; in step mode (``stepping``) without playback: the step control moves the lines."""
    assert _lesson.data is not None
    model, results = _lesson.data.model, list(_lesson.results)
    return data_figure(model, results, labels=_lesson.labels, style=style, playback=not stepping)


def _curves_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    figure = curves_figure(
        list(lesson.results), f_min=lesson.f_min, labels=lesson.labels or None, style=style
    )
    show_chart(figure, key="curves")


ClickGrid = tuple[frozenset[int], tuple[tuple[float, float], tuple[float, float]]]
"""The click grid's trace indices in a landscape figure, and the view (x range, y range) it
spans: what a click on the panels is read against (:func:`_start_from_click`)."""


@per_process(max_entries=16)
def landscape_figure(
    settings: Settings, style: Style, width: int, height: int, _lesson: Lesson
) -> tuple[WebFigure, ClickGrid]:
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
) -> tuple[WebFigure, ClickGrid]:
    """The panels in step mode, cached: every step the browser reports reruns the page, and
    the figure, which carries every step's arrows, is the same."""
    return _with_click_grid(
        _panels(_traced(settings), style, width, height, stepped_arrows(settings))
    )


def _with_click_grid(figure: WebFigure) -> tuple[WebFigure, ClickGrid]:
    """The figure, to be shared by every session (:class:`~gdviz.ui.chart.SharedFigure`), and
    its click grid."""
    figure = shared(figure)
    grid = click_grid_traces(figure)
    # The view as drawn: padded to the panels' shape, the click grid spans it.
    view = (
        tuple(figure.layout_value("xaxis")["range"]),
        tuple(figure.layout_value("yaxis")["range"]),
    )
    return figure, (grid, view)  # type: ignore[return-value]


def _panels(
    lesson: Lesson, style: Style, width: int, height: int,
    stepping: list[UpdateArrows] | None = None,
) -> WebFigure:  # fmt: skip
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


TABS = dict(
    zip(
        TAB_LABELS,
        (_landscapes_tab, _surface_tab, _curves_tab, maps_tab, math_tab, data_tab),
        strict=True,
    )
)
"""Each tab's drawing function, under the labels the ``tab`` link parameter takes."""
