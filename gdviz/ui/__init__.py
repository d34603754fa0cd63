"""The Streamlit interface: sidebar widgets in, a frozen :class:`~gdviz.lesson.Settings` out;
the page drawn.

The only gdviz package that imports Streamlit. Every widget has a stable ``key``; the public
ones are bound to the URL under the names of :mod:`gdviz.links`, so a link reproduces the
view: text and number inputs with Streamlit's ``bind="query-params"``; choices (surface,
optimizer, mode) by hand, because the binding would write their display labels, not their keys.
A clicked start goes through session state into the bound number inputs.

- :mod:`gdviz.ui.cache`: the process's caches, shared by every session, and their keys.
- :mod:`gdviz.ui.state`: session state and the URL (link problems, choices, the start).
- :mod:`gdviz.ui.sidebar`: one function per sidebar section, and the rate sliders.
- :mod:`gdviz.ui.advanced`: the sidebar's Advanced section (hyperparameters, schedule, clipping, noise, stopping).
- :mod:`gdviz.ui.data_controls`: the data lesson's part of the sidebar.
- :mod:`gdviz.ui.lesson_player`: the Lessons box, and a step's narration with Back / Next.
- :mod:`gdviz.ui.page`: the main area: title, verdicts, the landscapes, 3-D and curves tabs.
- :mod:`gdviz.ui.math_tab`, :mod:`gdviz.ui.data_tab`, :mod:`gdviz.ui.maps_tab`: the other tabs.
- :mod:`gdviz.ui.traced`: the lesson's runs traced, for step mode, the math tab and downloads.
- :mod:`gdviz.ui.step_control`: step mode's ◀ ▶ control, which moves the chart in the browser.
- :mod:`gdviz.ui.chart`: every Plotly chart, prepared to be drawn once.
- :mod:`gdviz.ui.keep_camera`: a dragged 3-D camera put back after a rerun.
- :mod:`gdviz.ui.screen`: the page's size, measured in the browser, and its style sheet.
- :mod:`gdviz.ui.text`: user text shown as text, never as Markdown.
- :mod:`gdviz.ui.turns`: the sessions' scripts run one at a time, in the order they asked.
"""

from gdviz.ui.cache import cached_lesson
from gdviz.ui.lesson_player import lesson_step
from gdviz.ui.page import CLICK_GRID, render_lesson
from gdviz.ui.screen import open_page, wait_for_the_window
from gdviz.ui.sidebar import rate_sliders, schedule_curve, sidebar
from gdviz.ui.state import show_link_problems
from gdviz.ui.text import plain
from gdviz.ui.turns import one_page_at_a_time

__all__ = [
    "CLICK_GRID",
    "cached_lesson",
    "lesson_step",
    "one_page_at_a_time",
    "open_page",
    "plain",
    "rate_sliders",
    "render_lesson",
    "schedule_curve",
    "show_link_problems",
    "sidebar",
    "wait_for_the_window",
]
