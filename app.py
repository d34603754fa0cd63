"""gdviz — gradient descent you can watch. Run with: streamlit run app.py

Wiring only: the sidebar returns settings, a cached pure function computes the lesson, and
the UI module draws it. No math here. The whole script runs in its turn
(gdviz.ui.turns): the server's sessions compute one at a time, in the order they asked.
"""

import streamlit as st

from gdviz.ui import (
    cached_lesson,
    lesson_step,
    one_page_at_a_time,
    open_page,
    plain,
    rate_sliders,
    render_lesson,
    schedule_curve,
    show_link_problems,
    sidebar,
    wait_for_the_window,
)

with one_page_at_a_time:
    # Projector mode (?big=true) opens with the sidebar collapsed: the landscapes get the width, and
    # the controls open on demand (the › at the top left).
    linked_projector = st.query_params.get("big", "").lower() in ("true", "1")
    st.set_page_config(
        page_title="gdviz — gradient descent you can watch",
        page_icon="⛰️",
        layout="wide",
        initial_sidebar_state="collapsed" if linked_projector else "auto",
    )
    # First of all (the projector toggle's value is known before it is drawn again): on a first
    # visit the browser's size report leaves before the sidebar's widgets and plotly.js have loaded,
    # and the pictures are drawn once, for the real window.
    screen = open_page(bool(st.session_state.get("big", linked_projector)))
    if wait_for_the_window(screen):
        st.stop()

    show_link_problems()
    settings, projector, slots = sidebar()
    # The link's problems stay on screen until the first change of a setting, in a place kept for
    # them: their going must not move the pictures below (moved, they were mounted anew).
    with st.container(key="link_problems"):
        if st.session_state.setdefault("_link_settings", settings) == settings:
            for message in st.session_state.get("_link_problems", []):
                st.warning(plain(message), icon="🔗")
    # A guided lesson's title and Back / Next above the page; its narration too, or on a projector
    # under the pictures, which get the first screen.
    narration = lesson_step(settings, narration_below=projector)
    lesson = cached_lesson(settings)
    if isinstance(lesson, str):  # say why, keep the page alive: the sidebar is there to change them
        st.error(plain(f"These settings cannot run: {lesson}"))
        st.stop()
    rate_sliders(slots.rates, lesson)
    schedule_curve(slots.schedule, lesson)
    render_lesson(lesson, projector, screen, under_pictures=narration)
