"""The page's size, measured in the browser, and the projector's style sheet.

Python does not know how wide the page is. A tiny ``st.components.v2`` component (no iframe:
its script runs in the page) measures the main column's inner width, the window's height and
where the tabs' content starts, and sends them back as its state; Streamlit reruns the script,
and the landscapes are laid out for that space (one row, a grid or a column; see
:mod:`gdviz.figures.arrangement`). Sizes are rounded to 16 px, so a scroll bar coming and going
cannot loop.

When it reports matters, because a rerun it asks for can overtake another. If a run is going
(a 🎲 start set in a callback, say), Streamlit stops it and starts again with every widget's
value as the browser has it, and the browser has not yet seen the new start: it would be lost.
So the component reports only while the app root says no run is going
(``data-test-script-state="notRunning"``) and nobody is half-way through typing, and only a
size the server has not drawn for: each run hands the size it used back to the component as its
``data``. It also leaves the size in a cookie, so the next page this browser opens is drawn for
its window on the first run. On the very first visit the server has drawn for no size: the
pictures wait (see :func:`awaiting_size`), and the report leaves as soon as the sidebar is
there and the page's style sheet applies (its padding is part of the width; three seconds at
most, should its code never load), during the first run, which only holds their place; the
tabs' top, unknown until they are drawn, is assumed (:data:`TABS_TOP`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import unquote

import streamlit as st

__all__ = ["Screen", "awaiting_size", "open_page", "wait_for_the_window"]

_MEASURE_JS = """
const STYLE_WAIT_MS = 3000;

export default function (component) {
    const { setStateValue, data } = component;
    // Streamlit calls this function again whenever ``data`` changes: keep what was sent on
    // ``window`` so a second call does not send the same size again.
    const memory = (window.__gdvizScreen ??= { sent: "" });
    memory.known = JSON.stringify(data ?? {});
    const main = () => document.querySelector('[data-testid="stMainBlockContainer"]');
    const measure = () => {
        const block = main();
        let width = window.innerWidth;
        if (block) {
            const style = getComputedStyle(block);
            width = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        }
        // 0 before the tabs are drawn: the server then assumes where they start.
        const panel = document.querySelector('[data-testid="stTabs"] [role="tabpanel"]');
        const top = panel ? panel.getBoundingClientRect().top + window.scrollY : 0;
        return {
            width: 16 * Math.floor(width / 16),
            height: 16 * Math.floor(window.innerHeight / 16),
            top: 16 * Math.ceil(top / 16),
        };
    };
    if (!memory.listening) {
        // Text being typed and not yet sent (no Enter, no leaving the box): a rerun now would
        // redraw the box and could drop it. Listened for once per page.
        memory.listening = true;
        const TEXT = ["text", "number", "search", "email", "url", "password"];
        const typed = (event) => {
            const box = event.target;
            if (box?.tagName === "TEXTAREA" || (box?.tagName === "INPUT" && TEXT.includes(box.type))) {
                memory.editing = box;
            }
        };
        const sent = () => { memory.editing = null; };
        document.addEventListener("input", typed, true);
        document.addEventListener("focusout", sent, true);
        document.addEventListener("keydown", (e) => { if (e.key === "Enter") sent(); }, true);
        // A click elsewhere (a selectbox's option after typing to filter it) ends the typing.
        document.addEventListener("pointerdown", (e) => { if (e.target !== memory.editing) sent(); }, true);
    }
    const styled = () => {
        const host = document.querySelector(".st-key-screen");
        if (host && getComputedStyle(host).display === "none") return true;
        // A style sheet that never comes (its code failed to load) must not hold the page at
        // "Fitting the pictures…" for ever: after STYLE_WAIT_MS, report the page as it is.
        memory.styleWait ??= performance.now();
        return performance.now() - memory.styleWait > STYLE_WAIT_MS;
    };
    const idle = () => {
        // A first visit: the server has drawn nothing but this and waits for the report (see
        // wait_for_the_window). It goes out at once, once the sidebar (its share of the width)
        // is there: no widget exists yet whose value a rerun could lose. Only that one report.
        // And only once the page's style sheet is in force (it hides this component): before
        // it, the main column has Streamlit's own padding, 128 px narrower, and the page drew
        // the landscapes for that width, then drew them again for the real one.
        if (data == null && !memory.sent) return styled() && !!document.querySelector('[data-testid="stSidebar"]');
        // Only between runs. A rerun asked for while a run is going stops it, and Streamlit
        // then takes every widget's value from the browser, which has not yet seen a value
        // that run's callback set (🎲, a listed start, a click on a panel): the new start
        // would be lost. The app root says whether a run is going.
        const app = document.querySelector('[data-testid="stApp"]');
        if (app?.getAttribute("data-test-script-state") !== "notRunning") return false;
        // Nor while a widget's code is still loading (a skeleton in its place): the browser
        // has no value for it yet, and the rerun would put it back to its default (a lesson's
        // rate slider came back at 1e-07, its surface as the first one).
        if (document.querySelector('[data-testid="stSkeleton"]')) return false;
        return !(memory.editing && memory.editing === document.activeElement);
    };
    let timer = 0;
    const report = () => {
        const text = JSON.stringify(measure());
        // For tests and for the next visit: whether the page is drawn for the window as it is.
        memory.drawn = text === memory.known;
        if (!idle()) {
            later();
            return;
        }
        document.cookie = `gdviz_screen=${encodeURIComponent(text)}; path=/; max-age=31536000; SameSite=Lax`;
        // Send only a size the server has not drawn for and that was not sent already.
        if (text !== memory.known && text !== memory.sent) {
            memory.sent = text;
            setStateValue("size", JSON.parse(text));
        }
    };
    const first = data == null && !memory.sent;
    const later = () => { clearTimeout(timer); timer = setTimeout(report, first ? 20 : 250); };
    if (first) report(); else later();
    const observer = new ResizeObserver(later);
    if (main()) observer.observe(main());
    window.addEventListener("resize", later);
    return () => {
        clearTimeout(timer);
        observer.disconnect();
        window.removeEventListener("resize", later);
    };
}
"""


@dataclass(frozen=True)
class Screen:
    """The main column's inner width, the window's height, and where the tab content starts
    (0 until the page has drawn its tabs once), in CSS pixels; ``reported``: whether the
    browser said so (else these are defaults)."""

    width: int = 1200
    height: int = 720
    top: int = 0
    reported: bool = False

    @property
    def chart_height(self) -> int:
        """The height left for a chart in a tab on the first screen: the window below the
        tabs' top (at least 360 px)."""
        return max(self.height - self.top - 12, 360)


# Where the tabs' content starts on a page whose title fits one line, measured in chromium at
# 1024-1920 px wide: assumed until the browser has drawn the tabs and said where they are.
TABS_TOP = {False: 176, True: 144}


def open_page(projector: bool) -> Screen:
    """The page's style sheet and the measuring component, placed before the lesson is
    computed so that a first visit's report is on its way at once; returns the last size the
    browser reported (a default before the first report)."""
    st.markdown(BASE_CSS + (PROJECTOR_CSS if projector else ""), unsafe_allow_html=True)
    previous = st.session_state.get("screen")
    size = getattr(previous, "size", None) or _cookie_size()
    screen = _screen(size)
    screen = replace(screen, top=screen.top or TABS_TOP[projector])
    # The size this run draws for goes back to the browser, which then sends only a new one;
    # the tabs' top as assumed, so that a page where the guess was right is not drawn again.
    drawn_for = {k: v for k, v in asdict(screen).items() if k != "reported"}
    _measure(key="screen", on_size_change=lambda: None, data=drawn_for if size else None)
    return screen


def wait_for_the_window(screen: Screen) -> bool:
    """On a browser's first visit, hold the page until it has said how big its window is,
    and say so (True: the run should stop here). The report leaves as soon as the component
    is mounted; the page then runs once more, for the real window. Nothing else is drawn
    first: a widget drawn by a run that the report interrupts keeps the value the browser had
    (a surface box once came back as the first surface), and the widgets' and plotly.js's code
    would hold the page's one thread while the report waits. The sidebar gets its heading,
    so that it takes its width before the main column is measured."""
    if not awaiting_size(screen):
        return False
    st.sidebar.header("Landscape")
    with st.container(height=screen.chart_height, border=False):
        st.caption("Fitting the pictures to your window…")
    return True


def awaiting_size(screen: Screen) -> bool:
    """Whether a browser is about to report its window for the first time (a first visit: no
    report yet, no cookie). The landscapes then wait for it, a moment, instead of being drawn
    for a guessed window and drawn again: on a fresh visit that halves plotly.js's work. A
    session with no browser behind it (AppTest, a script run by hand) sends no headers and
    never reports: it gets the default size at once."""
    if screen.reported:
        return False
    try:
        return bool(st.context.headers)
    except RuntimeError:  # no session at all
        return False


def _cookie_size() -> Any:
    """The size this browser reported on its last visit (a cookie the component writes), so a
    page opened again is drawn for its window at once instead of redrawn after a report."""
    try:
        text = st.context.cookies.get("gdviz_screen")
    except RuntimeError:  # no browser session (a script run by hand)
        return None
    if not isinstance(text, str):  # none yet (or AppTest's stand-in for the browser)
        return None
    try:
        return json.loads(unquote(text))
    except ValueError:  # any text can arrive in a cookie: _screen checks what it holds
        return None


def _screen(size: Any) -> Screen:
    """The browser's report as a Screen; the default for none, and the default marked
    ``reported`` for a malformed one (a window we cannot use is still an answer: the page must
    not wait for another)."""
    if size is None:
        return Screen()
    if not isinstance(size, dict):
        return Screen(reported=True)
    try:
        width, height, top = (int(size.get(k, 0)) for k in ("width", "height", "top"))
    except (TypeError, ValueError):  # the browser's message is data: never trust its shape
        return Screen(reported=True)
    if not (320 <= width <= 8000 and 240 <= height <= 8000 and 0 <= top <= 4000):
        return Screen(reported=True)
    return Screen(width, height, top, reported=True)


_measure = st.components.v2.component("gdviz.screen", js=_MEASURE_JS)

BASE_CSS = """
<style>
/* The measuring and camera-keeping components draw nothing: no gap for them either. */
.st-key-screen, .st-key-keep_camera { display: none; }
/* Streamlit leaves 6rem above the title for its header (a menu at the right): 2.25rem is enough. */
[data-testid="stMainBlockContainer"] { padding: 2.25rem 1rem 2rem 1rem; }
</style>
"""

PROJECTOR_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 2.6rem 1.2rem 2rem 1.2rem; }
[data-testid="stMainBlockContainer"] p,
[data-testid="stMainBlockContainer"] li,
[data-testid="stMainBlockContainer"] td,
[data-testid="stMainBlockContainer"] th,
[data-testid="stMainBlockContainer"] small,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] div,
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"],
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p,
[data-testid="stTabs"] button p { font-size: 24px !important; line-height: 1.4; }
/* The values in the main area's inputs (the math tab's panel and update t). */
[data-testid="stMainBlockContainer"] [data-baseweb="select"] div,
[data-testid="stMainBlockContainer"] input { font-size: 22px !important; }
[data-testid="stMainBlockContainer"] .katex { font-size: 1.6em; }
[data-testid="stMainBlockContainer"] h2 { font-size: 34px; padding: 0 0 0.2rem 0; }
</style>
"""
