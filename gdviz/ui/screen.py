"""The page's size, measured in the browser, and the projector's style sheet.

Python does not know how wide the page is. A tiny ``st.components.v2`` component (no iframe:
its script runs in the page) measures the main column's inner width, the window's height and
where the tabs' content starts, and sends them back as its state; Streamlit reruns the script,
and the landscapes are laid out for that space (one row, a grid or a column; see
:mod:`gdviz.figures.arrangement`). The first draw of a session, before any measurement, assumes
a 1280 × 720 window. The component reports again when the window or the sidebar changes the
main column's size, rounded to 16 px so a scroll bar coming and going cannot loop, and only
once a script run has finished (a report during a run would restart it) and no text box has
the focus (a report racing a typed function's Enter lost the function).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

__all__ = ["BASE_CSS", "PROJECTOR_CSS", "Screen", "measure_screen"]

_MEASURE_JS = """
export default function (component) {
    const { setStateValue } = component;
    const main = () => document.querySelector('[data-testid="stMainBlockContainer"]');
    const measure = () => {
        const block = main();
        let width = window.innerWidth;
        if (block) {
            const style = getComputedStyle(block);
            width = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        }
        const panel = document.querySelector('[data-testid="stTabs"] [role="tabpanel"]');
        const top = panel ? panel.getBoundingClientRect().top + window.scrollY : 0;
        return {
            width: 16 * Math.floor(width / 16),
            height: 16 * Math.floor(window.innerHeight / 16),
            top: 16 * Math.ceil(top / 16),
        };
    };
    let last = "";
    let timer = 0;
    const report = () => {
        // Wait until the script run has finished and drawn: a report during a run would
        // make Streamlit stop it and start again, doubling the first page's time.
        // Nor while the user types: a rerun from here could drop a half-submitted input.
        const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement?.tagName);
        if (typing || document.querySelector('[data-testid="stStatusWidget"]')) {
            later();
            return;
        }
        const size = measure();
        const text = JSON.stringify(size);
        if (text !== last) {
            last = text;
            setStateValue("size", size);
        }
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(report, 250); };
    later();
    const observer = new ResizeObserver(later);
    if (main()) observer.observe(main());
    window.addEventListener("resize", later);
    return () => { observer.disconnect(); window.removeEventListener("resize", later); };
}
"""

_measure = st.components.v2.component("gdviz.screen", js=_MEASURE_JS)


@dataclass(frozen=True)
class Screen:
    """The main column's inner width, the window's height, and where the tab content starts
    (0 until the page has drawn its tabs once), in CSS pixels."""

    width: int = 1200
    height: int = 720
    top: int = 0


def measure_screen() -> Screen:
    """The last size the browser reported (a default before the first report)."""
    result: Any = _measure(key="screen", on_size_change=lambda: None)
    size = getattr(result, "size", None)
    if not isinstance(size, dict):
        return Screen()
    try:
        width, height, top = (int(size.get(k, 0)) for k in ("width", "height", "top"))
    except (TypeError, ValueError):  # the browser's message is data: never trust its shape
        return Screen()
    if not (320 <= width <= 8000 and 240 <= height <= 8000 and 0 <= top <= 4000):
        return Screen()
    return Screen(width, height, top)


BASE_CSS = """
<style>
/* The measuring component draws nothing. */
.st-key-screen { display: none; }
/* Streamlit leaves 6rem above the title for its header: 3rem is enough. */
[data-testid="stMainBlockContainer"] { padding: 3rem 1.5rem 2rem 1.5rem; }
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
[data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p,
[data-testid="stTabs"] button p { font-size: 24px !important; line-height: 1.4; }
[data-testid="stMainBlockContainer"] .katex { font-size: 1.6em; }
[data-testid="stMainBlockContainer"] h2 { font-size: 34px; padding: 0 0 0.2rem 0; }
</style>
"""
