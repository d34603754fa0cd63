"""The Maps tab: the learning-rate sweep and the basins of attraction of the lesson's function.

Computed only when the tab is open (the tabs track which one is), cached per setting (a sweep
does not depend on the panels' rates, a basin map not on the start), and a click on a map acts
on the panels: a rate of the sweep replaces the panel rate nearest to it, a point of the basin
map becomes the start.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from gdviz.figures import Style, rate_text
from gdviz.figures.maps import basin_figure, sweep_figure
from gdviz.lesson import Lesson, Settings, engine_options
from gdviz.links import format_rates, parse_rates
from gdviz.maps import BasinMap, RateSweep, basin_map, rate_sweep
from gdviz.optimizers import make_optimizer
from gdviz.ui.screen import Screen
from gdviz.ui.state import clicked_start, set_start

__all__ = ["maps_tab"]

BASIN_GRIDS = (50, 100, 150, 200)
"""Starts per axis a basin map offers (200 × 200 = 40,000 runs)."""

BASIN_STEPS = 1000
"""A basin map's runs stop here even when the lesson's budget is longer (Rosenbrock's 18,000
steps × 40,000 starts would take minutes); the caption says so."""

MAP_CLICK_GRID = 40
"""Invisible points per axis over the basin map, to click a start on."""


@st.cache_resource(max_entries=16, show_spinner=False)
def _sweep(key: Settings, _lesson: Lesson) -> RateSweep:
    """The sweep of ``_lesson``; ``key`` is its settings without the rates (they change nothing)."""
    lesson = _lesson
    optimizer = make_optimizer(key.optimizer, **dict(key.hyperparameters))
    options = engine_options(key, lesson.steps, lesson.landscape.view)
    return rate_sweep(
        lesson.objective, optimizer, lesson.start, minima=lesson.landscape.minima, **options
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def _basins(key: Settings, rate: float, grid: int, _lesson: Lesson) -> BasinMap:
    """The basin map at ``rate``; ``key`` is the settings without rates or start."""
    lesson = _lesson
    optimizer = make_optimizer(key.optimizer, **dict(key.hyperparameters))
    options = engine_options(key, min(lesson.steps, BASIN_STEPS), lesson.landscape.view)
    options.pop("view")
    return basin_map(
        lesson.objective, optimizer, rate, view=lesson.landscape.view, grid=grid,
        minima=lesson.landscape.minima, **options,
    )  # fmt: skip


def _rate_from_sweep() -> None:
    """on_select: the clicked rate replaces the panel rate nearest to it (on a log scale)."""
    state = st.session_state.get("sweep_map")
    points = state["selection"]["points"] if state else []
    in_force = parse_rates(
        st.session_state.get("lr") or st.session_state.get("_rates_in_force", "")
    )
    if not points or not in_force:
        return
    clicked = float(points[0]["x"])
    rates = list(in_force)
    nearest = int(np.argmin([abs(np.log(rate / clicked)) for rate in rates]))
    rates[nearest] = clicked
    st.session_state["lr"] = format_rates(sorted(rates), digits=4)


def _start_from_basins() -> None:
    """on_select: start the panels at the clicked point of the basin map."""
    state = st.session_state.get("basin_map")
    points = state["selection"]["points"] if state else []
    grid = st.session_state.get("_basin_click")
    if points and grid:
        # Off the click grid (on a ★, say) the nearest grid point: never exactly on a minimum.
        set_start(*clicked_start(points[0], grid[0], grid[1], n=MAP_CLICK_GRID))


def maps_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    if lesson.data is not None or lesson.settings.mode == "race":
        st.info(
            "Maps are drawn for one optimizer on a function: pick a surface or type a function, "
            "with the panels in “rates” mode."
        )
        return
    kind = st.radio(
        "Map", ["Learning-rate sweep", "Basins of attraction"], horizontal=True, key="map_kind",
        label_visibility="collapsed",
    )  # fmt: skip
    height = max(420, min(screen.height - (screen.top or 170) - 150, 900))
    if kind == "Learning-rate sweep":
        _sweep_map(lesson, style, height)
    else:
        _basin_map(lesson, style, height)


def _sweep_map(lesson: Lesson, style: Style, height: int) -> None:
    height_choice = st.radio(
        "Height", ["steps to converge", "final f − f*"], horizontal=True, key="sweep_y"
    )
    key = dataclasses.replace(lesson.settings, rates=())
    with st.spinner("Running 120 rates…"):
        sweep = _sweep(key, lesson)
    figure = sweep_figure(
        sweep, panel_rates=lesson.rates, y="gap" if height_choice == "final f − f*" else "steps",
        f_min=lesson.f_min, style=style, height=height,
    )  # fmt: skip
    st.plotly_chart(
        figure, key="sweep_map", on_select=_rate_from_sweep, selection_mode="points",
        width="stretch", config={"displaylogo": False},
    )  # fmt: skip
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


def _basin_map(lesson: Lesson, style: Style, height: int) -> None:
    left, right = st.columns(2)
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
    st.session_state["_basin_click"] = (
        frozenset(i for i, trace in enumerate(figure.data) if trace.name == "click grid"),
        lesson.landscape.view,
    )
    st.plotly_chart(
        figure, key="basin_map", on_select=_start_from_basins, selection_mode="points",
        width="stretch", config={"displaylogo": False},
    )  # fmt: skip
    steps = min(lesson.steps, BASIN_STEPS)
    shortened = f" (the panels run up to {lesson.steps:,})" if lesson.steps > steps else ""
    st.caption(
        f"{grid} × {grid} starts at lr = {rate_text(float(rate))}, each run up to {steps:,} steps"
        f"{shortened}, coloured by the minimum it reached or how it ended. Click the map to "
        "start the panels there."
    )
