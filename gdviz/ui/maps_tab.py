"""The Maps tab: the learning-rate sweep, the phase map and the basins of attraction of the
lesson's function.

Computed only when the tab is open (the tabs track which one is), cached per setting (a sweep
does not depend on the panels' rates, a basin map not on the start), and a click on a map acts
on the panels: a rate of the sweep replaces the panel rate nearest to it, a cell of the phase map
sets that rate and the hyperparameter, a point of the basin map becomes the start.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import streamlit as st

from gdviz.budget import BudgetExceeded, cpu_budget
from gdviz.figures import Style, rate_text
from gdviz.figures.maps import basin_figure, phase_figure, sweep_figure
from gdviz.figures.panels import click_grid_traces
from gdviz.lesson import Lesson, Settings, cpu_seconds_allowed, engine_options, raised_sizes
from gdviz.links import MAPS, format_rates, parse_rates
from gdviz.maps import (
    PHASE_AXIS,
    BasinMap,
    PhaseMap,
    RateSweep,
    basin_map,
    phase_map,
    phase_values,
    quadratic_largest_eigenvalue,
    rate_sweep,
)
from gdviz.optimizers import make_optimizer
from gdviz.ui.cache import per_process
from gdviz.ui.chart import show_chart
from gdviz.ui.screen import Screen
from gdviz.ui.state import choice_to_url, clicked_start, hyperparameter_key, set_start
from gdviz.ui.text import plain

__all__ = ["maps_tab", "phase_click", "rate_into_panels"]

BASIN_GRIDS = (50, 100, 150, 200)
"""Starts per axis a basin map offers (200 × 200 = 40,000 runs)."""

PHASE_RATES = 60
"""Rates across a phase map (over the sweep's narrowed range), by phase_values' 40 values."""

MAP_STEPS = 1000
"""Phase and basin maps stop their runs here when the lesson's budget is longer."""

MAP_CLICK_GRID = 40
"""Invisible points per axis over the basin map, to click a start on."""


@per_process(max_entries=16)
def _sweep(key: Settings, _lesson: Lesson) -> RateSweep:
    """The sweep of ``_lesson``; ``key`` is its settings without the rates (they change nothing)."""
    lesson = _lesson
    optimizer = make_optimizer(key.optimizer, **dict(key.hyperparameters))
    options = engine_options(key, lesson.steps, lesson.landscape.view)
    # The sweep runs the lesson's whole step budget: where the user raised it, within the page's
    # CPU budget (the phase and basin maps stop at MAP_STEPS whatever the budget).
    with cpu_budget(cpu_seconds_allowed(key)):
        return rate_sweep(
            lesson.objective, optimizer, lesson.start, minima=lesson.landscape.minima, **options
        )


@per_process(max_entries=16)
def _phase(key: Settings, low: float, high: float, _lesson: Lesson) -> PhaseMap:
    """The phase map of ``_lesson``'s optimizer (see PHASE_AXIS) over rates ``low`` … ``high``."""
    lesson = _lesson
    optimizer, param = PHASE_AXIS[key.optimizer]
    hyperparameters = dict(key.hyperparameters) if optimizer == key.optimizer else {}
    hyperparameters.pop(param, None)
    if param in ("beta1", "beta2"):
        hyperparameters.pop("betas", None)
    options = engine_options(key, min(lesson.steps, MAP_STEPS), lesson.landscape.view)
    return phase_map(
        lesson.objective, optimizer, lesson.start, param=param, values=phase_values(optimizer, param),
        low=low, high=high, count=PHASE_RATES, hyperparameters=hyperparameters,
        minima=lesson.landscape.minima, **options,
    )  # fmt: skip


@per_process(max_entries=16)
def _basins(key: Settings, rate: float, grid: int, _lesson: Lesson) -> BasinMap:
    """The basin map at ``rate``; ``key`` is the settings without rates or start."""
    lesson = _lesson
    optimizer = make_optimizer(key.optimizer, **dict(key.hyperparameters))
    options = engine_options(key, min(lesson.steps, MAP_STEPS), lesson.landscape.view)
    options.pop("view")
    return basin_map(
        lesson.objective, optimizer, rate, view=lesson.landscape.view, grid=grid,
        minima=lesson.landscape.minima, **options,
    )  # fmt: skip


def rate_into_panels(clicked: float, rates_text: str) -> str | None:
    """The rates box's text with ``clicked`` in place of the panel rate nearest to it (on a log
    scale); ``None`` when no rate is in force."""
    rates = list(parse_rates(rates_text)) if rates_text else []
    if not rates:
        return None
    nearest = int(np.argmin([abs(np.log(rate / clicked)) for rate in rates]))
    rates[nearest] = clicked
    return format_rates(sorted(rates), digits=4)


def phase_click(point: dict, axis: tuple[str, str], rates_text: str) -> dict[str, object]:
    """The inputs a click on phase-map cell ``point`` sets: the rates box (its rate in the
    nearest panel), the optimizer (plain GD's map is momentum's) and the hyperparameter's input."""
    optimizer, param = axis
    value = round(float(point["y"]), 6)
    updates: dict[str, object] = {"opt": optimizer}
    rates = rate_into_panels(float(10 ** float(point["x"])), rates_text)
    if rates is not None:
        updates["lr"] = rates
    if param in ("beta1", "beta2"):
        updates[hyperparameter_key(optimizer, "betas", 1 if param == "beta1" else 2)] = value
    else:
        updates[hyperparameter_key(optimizer, param)] = value
    return updates


def _rates_text() -> str:
    return st.session_state.get("lr") or st.session_state.get("_rates_in_force", "")


def _rate_from_sweep() -> None:
    """on_select: put the clicked rate in the nearest panel."""
    state = st.session_state.get("sweep_map")
    points = state["selection"]["points"] if state else []
    rates = rate_into_panels(float(points[0]["x"]), _rates_text()) if points else None
    if rates is not None:
        st.session_state["lr"] = rates


def _pair_from_phase() -> None:
    """on_select: load the clicked cell's rate and hyperparameter value into the panels."""
    state = st.session_state.get("phase_map")
    points = state["selection"]["points"] if state else []
    axis = st.session_state.get("_phase_axis")
    if points and axis:
        st.session_state.update(phase_click(points[0], axis, _rates_text()))


def _start_from_basins() -> None:
    """on_select: start the panels at the clicked point of the basin map."""
    state = st.session_state.get("basin_map")
    points = state["selection"]["points"] if state else []
    grid = st.session_state.get("_basin_click")
    if points and grid:
        # Off the click grid (on a ★, say) the nearest grid point: never exactly on a minimum.
        set_start(*clicked_start(points[0], grid[0], grid[1], n=MAP_CLICK_GRID))


def _map_choice(column: Any) -> str:
    """The map shown (its name in :data:`~gdviz.links.MAPS`), chosen in ``column``; in the
    link as ``map=basins``, so a teacher's link opens the map the class should see. Synced by
    hand: the radio shows the labels, the link holds the short names (a bad one is reported
    with the link's problems)."""
    if "map_kind" not in st.session_state:
        named = st.query_params.get("map")
        st.session_state["map_kind"] = MAPS.get(named or "sweep", MAPS["sweep"])
    label = column.radio("Map", list(MAPS.values()), key="map_kind", horizontal=True)
    name = next(key for key, shown in MAPS.items() if shown == label)
    if st.query_params.get("map") in MAPS or name != "sweep":  # a bad name stays, reported
        choice_to_url("map", name, "sweep")
    return name


def maps_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    if lesson.data is not None or lesson.settings.mode == "race":
        st.info(
            "Maps are drawn for one optimizer on a function: pick a surface or type a function, "
            "with the panels in “rates” mode."
        )
        return
    # One row of controls (the map, then its own options), so the map fills the first screen.
    row = st.columns([1.6, 1, 1], vertical_alignment="bottom")
    kind = _map_choice(row[0])
    # The row of controls above the map: its radio wraps to two lines in projector mode.
    controls = 175 if style.projector else 130
    height = max(360, min(screen.height - screen.top - controls, 900))
    try:
        if kind == "sweep":
            _sweep_map(lesson, style, height, row[1])
        elif kind == "phase":
            _phase_map(lesson, style, height)
        else:
            _basin_map(lesson, style, height, row[1], row[2])
    except BudgetExceeded as error:  # the sweep at a step budget the user raised
        st.warning(plain(f"This map cannot be drawn: {error} {raised_sizes(lesson.settings)}"))


def _sweep_map(lesson: Lesson, style: Style, height: int, options: Any) -> None:
    height_choice = options.radio(
        "Height", ["steps to converge", "final f − f*"], horizontal=True, key="sweep_y"
    )
    key = dataclasses.replace(lesson.settings, rates=())
    with st.spinner("Running 120 rates…"):
        sweep = _sweep(key, lesson)
    figure = sweep_figure(
        sweep, panel_rates=lesson.rates, y="gap" if height_choice == "final f − f*" else "steps",
        f_min=lesson.f_min, style=style, height=height,
    )  # fmt: skip
    show_chart(figure, key="sweep_map", on_select=_rate_from_sweep, selection_mode="points")
    parts = [
        f"{len(sweep.lrs)} rates from {rate_text(sweep.low)} to {rate_text(sweep.high)}"
        + (" (narrowed from 1e-6 to 1000 to where the outcomes change)" if sweep.narrowed else ""),
        f"up to {lesson.steps:,} steps each from ({lesson.start[0]:.4g}, {lesson.start[1]:.4g})",
    ]
    fastest = sweep.fastest()
    if fastest is not None:
        parts.append(
            f"fastest to a minimum: lr = {rate_text(sweep.lrs[fastest])} "
            f"in {int(sweep.states.nit[fastest])} steps"
        )
    if sweep.bound is not None:
        parts.append(f"2/λ_max = {sweep.bound:.3g} there (dashed line)")
    st.caption(" · ".join(parts) + ". Click a point to put that rate in the nearest panel.")


def _phase_map(lesson: Lesson, style: Style, height: int) -> None:
    settings = lesson.settings
    if settings.optimizer not in PHASE_AXIS:
        st.info(f"No phase map for {settings.optimizer}: it has no hyperparameter to vary.")
        return
    optimizer, param = PHASE_AXIS[settings.optimizer]
    count = phase_values(optimizer, param)[2]
    sweep = _sweep(dataclasses.replace(settings, rates=()), lesson)
    with st.spinner(f"Running {PHASE_RATES} rates × {count} values of {param}…"):
        phase = _phase(dataclasses.replace(settings, rates=()), sweep.low, sweep.high, lesson)
    current = None
    if optimizer == settings.optimizer or settings.optimizer == "gd":
        current = _current_value(settings, optimizer, param)
    largest = quadratic_largest_eigenvalue(lesson.objective) if optimizer == "momentum" else None
    st.session_state["_phase_axis"] = (optimizer, param)
    figure = phase_figure(
        phase, panel_rates=lesson.rates, current=current, largest_eigenvalue=largest,
        style=style, height=height,
    )  # fmt: skip
    show_chart(figure, key="phase_map", on_select=_pair_from_phase, selection_mode="points")
    parts = [
        f"{optimizer} over lr × {param} ({PHASE_RATES} × {count} runs, up to "
        f"{min(lesson.steps, MAP_STEPS):,} steps, from ({lesson.start[0]:.4g}, {lesson.start[1]:.4g}))"
    ]
    if phase.theory is not None:
        agree = float((phase.theory == (phase.outcome != "diverged")).mean())
        parts.append(f"theory and measurement agree on {agree:.0%} of the cells")
    st.caption(" · ".join(parts) + f". Click a cell to load its rate and {param} into the panels.")


def _current_value(settings: Settings, optimizer: str, param: str) -> float:
    """The panels' value of the phase map's hyperparameter (0 momentum for plain GD)."""
    if settings.optimizer == "gd":
        return 0.0
    chosen = {**make_optimizer(optimizer).hyperparameters, **dict(settings.hyperparameters)}
    if param in ("beta1", "beta2"):
        return float(chosen["betas"][param == "beta2"])
    return float(chosen[param])


def _basin_map(lesson: Lesson, style: Style, height: int, left: Any, right: Any) -> None:
    rates = list(lesson.rates)
    rate = left.selectbox(
        "Rate", rates, index=len(rates) // 2, key="basin_rate",
        format_func=lambda r: f"lr = {rate_text(r)} (panel {rates.index(r) + 1})",
    )  # fmt: skip
    grid = right.select_slider("Starts per axis", BASIN_GRIDS, value=200, key="basin_grid")
    key = dataclasses.replace(lesson.settings, rates=(), start=None)
    with st.spinner(f"Running {grid * grid:,} starts…"):
        basins = _basins(key, float(rate), int(grid), lesson)
    figure = basin_figure(
        basins, lesson.landscape, start=lesson.start, style=style, height=height,
        click_grid=MAP_CLICK_GRID,
    )  # fmt: skip
    st.session_state["_basin_click"] = (click_grid_traces(figure), lesson.landscape.view)
    show_chart(figure, key="basin_map", on_select=_start_from_basins, selection_mode="points")
    steps = min(lesson.steps, MAP_STEPS)
    shortened = f" (the panels run up to {lesson.steps:,})" if lesson.steps > steps else ""
    st.caption(
        f"{grid} × {grid} starts at lr = {rate_text(float(rate))}, each run up to {steps:,} steps"
        f"{shortened}, coloured by the minimum it reached or how it ended. Click the map to "
        "start the panels there."
    )
