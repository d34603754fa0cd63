"""The lesson player: a "Lessons" box at the top of the sidebar, and above the tabs the step's
narration, what to notice, the question, "step k of n" and Back / Next.

A step is a link. Opening it writes its settings into the sidebar's inputs (in callbacks, before
they are drawn), so the panels are exactly what that link opens and everything stays editable;
leaving the lesson keeps them. The lesson and its page travel in the link as
``lesson=NAME&page=K`` (``step`` belongs to the step-by-step mode).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from gdviz.lesson import DEFAULT_DATASET, Settings
from gdviz.lessons import GuidedLesson, LessonStep, load_lessons
from gdviz.link_settings import LINK_PARAMETERS, RACERS
from gdviz.optimizers import OPTIMIZERS
from gdviz.ui.state import (
    TYPED,
    choice_to_url,
    hyperparameter_inputs,
    link_param,
    refresh_bound_inputs,
)
from gdviz.ui.text import plain

__all__ = ["lesson_choice", "lesson_step"]

NO_LESSON = ""


def _library() -> dict[str, GuidedLesson]:
    return load_lessons().lessons


def lesson_choice() -> None:
    """The Lessons box (top of the sidebar). A link's ``lesson=NAME&page=K`` opens that page;
    its own settings win when the link carries any (a link copied inside a lesson)."""
    lessons = _library()
    if "lesson" not in st.session_state:
        _from_link(lessons)
    st.selectbox(
        "Lessons", [NO_LESSON, *lessons], key="lesson", on_change=_lesson_picked,
        format_func=lambda name: "none: explore freely" if name == NO_LESSON else lessons[name].title,
        help="Guided lessons: each step sets the panels and says what to look for.",
    )  # fmt: skip


def _from_link(lessons: dict[str, GuidedLesson]) -> None:
    name = st.query_params.get("lesson", NO_LESSON)
    if name not in lessons:
        st.session_state["lesson"] = NO_LESSON
        st.query_params.pop("lesson", None)
        st.query_params.pop("page", None)
        return
    text = st.query_params.get("page", "1")
    page = int(text) if text.isdigit() else 1
    page = min(max(page, 1), len(lessons[name].steps))
    st.session_state["lesson"] = name
    _set_page(name, page)
    if not any(key in st.query_params for key in LINK_PARAMETERS):
        # The first run of a session, no input drawn yet: the page opens as the step's link
        # would, through the inputs' own reading of the link.
        for key, value in lessons[name].steps[page - 1].params:
            st.query_params[key] = value
        refresh_bound_inputs()


def _lesson_picked() -> None:
    """on_change of the Lessons box: a lesson opens at its first step; none keeps the settings."""
    name = st.session_state["lesson"]
    if name == NO_LESSON:
        st.query_params.pop("lesson", None)
        st.query_params.pop("page", None)
        st.session_state.pop("lesson_page", None)
        return
    _open(name, 1)


def _set_page(name: str, page: int) -> None:
    st.session_state["lesson_page"] = page
    choice_to_url("lesson", name, NO_LESSON)
    link_param("page", str(page))


def _open(name: str, page: int) -> None:
    """Put step ``page`` of lesson ``name`` into the sidebar's inputs and the link (a callback:
    the inputs are drawn after it)."""
    step = _library()[name].steps[page - 1]
    _set_page(name, page)
    # The inputs write the link themselves: bound ones through Streamlit, the others by hand.
    st.session_state.update(_inputs(step))
    st.session_state.pop("_last_good_function", None)
    st.session_state["_link_problems"] = []


def _inputs(step: LessonStep) -> dict[str, Any]:
    """The sidebar's inputs, by key, as the step's link sets them (the rest at their defaults)."""
    s, params = step.settings, dict(step.params)
    state: dict[str, Any] = {
        "source": "data" if s.dataset is not None else "function",
        "surface": TYPED if s.function else s.surface,
        "_library_surface": s.surface,
        "f": s.function or "",
        "xlim": params.get("xlim", ""),
        "ylim": params.get("ylim", ""),
        "x0": s.start[0] if s.start else None,
        "y0": s.start[1] if s.start else None,
        "mode": s.mode,
        "opt": s.optimizer,
        "race": list(RACERS),
        "shared": s.shared_rate,
        "lr": params.get("lr", ""),
        "steps": s.steps,
        "schedule": params.get("schedule", ""),
        "clip_norm": s.clip_norm,
        "clip_value": s.clip_value,
        "noise": s.noise,
        "seed": s.seed,
        "gtol": s.gtol,
        "xtol": s.xtol,
        "ftol": s.ftol,
        "data": s.dataset.name if s.dataset is not None else DEFAULT_DATASET,
        "scale": s.scale,
        "l1": s.l1,
        "l2": s.l2,
        "batch": s.batch_size,
        "epochs": s.epochs,
    }
    for optimizer in OPTIMIZERS:
        chosen = dict(s.hyperparameters) if optimizer == s.optimizer else None
        state.update(hyperparameter_inputs(optimizer, chosen))
    return state


def lesson_step(settings: Settings, *, narration_below: bool = False) -> Callable[[], None] | None:
    """Above the tabs: the lesson's title, "step k of n", Back / Next, the narration, what to
    notice and the question; a note when the settings no longer are the step's.

    With ``narration_below`` (projector mode) the narration is not drawn here: the function
    that draws it is returned, for the page to call under the pictures (at a projector's
    1280×720 its five lines of large text above the tabs left a ravine's panels 110 px tall
    and pushed the playback controls off the screen). None when no lesson is open or the
    narration is drawn here."""
    name = st.session_state.get("lesson", NO_LESSON)
    lessons = _library()
    if name not in lessons:
        return None
    lesson = lessons[name]
    page = min(max(int(st.session_state.get("lesson_page", 1)), 1), len(lesson.steps))
    step = lesson.steps[page - 1]
    with st.container(key="lesson_step"):
        heading, back, forward = st.columns([6, 1, 1], vertical_alignment="center")
        below = " · narration ↓" if narration_below else ""  # it is under the pictures
        heading.markdown(
            f"**📘 {plain(lesson.title)}** · step {page} of {len(lesson.steps)}{below}"
        )
        back.button(
            "◀ Back", key="lesson_back", disabled=page == 1, width="stretch",
            on_click=_open, args=(name, page - 1),
        )  # fmt: skip
        forward.button(
            "Next ▶", key="lesson_next", disabled=page == len(lesson.steps), width="stretch",
            on_click=_open, args=(name, page + 1),
        )  # fmt: skip
        if not narration_below:
            _narration(step)
    # Always there, empty while the settings are the step's: the note appearing at the first
    # change must not move what follows (the tabs and the panels in them were mounted anew, and
    # the pictures vanished for half a second).
    with st.container(key="lesson_changed"):
        if settings != step.settings:
            note, again = st.columns([6, 2], vertical_alignment="center")
            note.caption(
                "The settings have changed since this step opened: the narration is about the "
                "step's own settings."
            )
            again.button(
                "↺ Step's settings", key="lesson_again", width="stretch",
                on_click=_open, args=(name, page),
            )  # fmt: skip
    return functools.partial(_narration_under_pictures, step) if narration_below else None


def _narration_under_pictures(step: LessonStep) -> None:
    with st.container(key="lesson_narration"):
        _narration(step)


def _narration(step: LessonStep) -> None:
    told, asked = st.columns([3, 2])
    told.markdown(plain(step.narration))
    asked.markdown(f"👀 **Notice:** {plain(step.notice)}")
    if step.question:
        asked.markdown(f"❓ **Ask:** {plain(step.question)}")
