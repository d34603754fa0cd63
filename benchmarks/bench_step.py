"""Step mode's speed in the browser: from a click on ◀ or ▶ to the panels showing that step.

Run by hand: ``python benchmarks/bench_step.py``. In headless chromium (Debian's; skipped if
missing) at 1600×1000, on the default ravine lesson with Adam (three panels: each path cut at
θ_k, θ_k marked, and update k's arrows and per-coordinate box) and on a four-optimizer race,
20 clicks each (10 forward, 10 back), timed by the page's own clock from the click to the
animation frame after plotly.js has drawn the step (goal: under 200 ms). For scale, the same
page's full redraw after a new rate (the server reruns and plotly.js draws the chart anew),
which is what a step would cost if it went through the server. And the 3-D tab in step mode
(each path cut at step k with ``Plotly.restyle``, the scene drawn again), for scale only: a
headless chromium draws WebGL in software.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import PANEL_TITLED, RECORD_ENTER, in_page_seconds, listed, verdict
from servers import served

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "ravine, Adam, 3 panels": "?opt=adam&step=5",
    "race of 4 optimizers": "?mode=race&step=5",
    "ravine, Adam, the 3-D tab": "?opt=adam&step=5&tab=3-D",
}
SCENES = {"ravine, Adam, the 3-D tab"}  # timed for scale: headless chromium's WebGL is software
RECORD_CLICK = """document.addEventListener('click', (event) => {
    // The control lives in a shadow root: the click's path, not its target, says it was there.
    if (event.composedPath().some((node) => node.classList?.contains('gdviz-step'))) {
        window.__click = performance.now();
    }
}, true);"""
STEP_SHOWN = "() => window.__gdvizStepDrawn && window.__gdvizStepDrawn.k === %d"


def click_times(page, button: str, start: int, clicks: int, direction: int) -> list[float]:
    """Seconds from each click on ``button`` to the step drawn."""
    seconds = []
    for n in range(1, clicks + 1):
        page.locator(f".gdviz-step .{button}").click()
        page.wait_for_function(STEP_SHOWN % (start + direction * n), polling="raf", timeout=30_000)
        seconds.append(page.evaluate("(window.__gdvizStepDrawn.at - window.__click) / 1000"))
    return seconds


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("browser timings skipped: Debian's chromium is not installed")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, served(ROOT / "app.py") as url:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        print("headless chromium, 1600×1000, timed by the page's own clock")
        for name, query in PAGES.items():
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.add_init_script(RECORD_CLICK + RECORD_ENTER)
            page.goto(f"{url}/{query}")
            page.wait_for_function(STEP_SHOWN % 5, polling="raf", timeout=60_000)
            steps = click_times(page, "forward", 5, 10, 1) + click_times(page, "back", 15, 10, -1)
            box = page.get_by_role("textbox", name="Learning rates")
            redraws = []
            if "race" not in query and name not in SCENES:
                for good in ("0.031", "0.032", "0.033"):
                    box.fill(f"0.002, {good}, 0.041")
                    box.press("Enter")
                    redraws.append(in_page_seconds(page, PANEL_TITLED % good, "window.__enter"))
            page.close()
            worst, median = max(steps), statistics.median(steps)
            goal = (
                "no goal: the scene is drawn by software WebGL here"
                if name in SCENES
                else f"goal < 200 ms: {verdict(worst < 0.2)}"
            )
            print(f"  {name}: a step drawn in {median * 1e3:.0f} ms median, {worst * 1e3:.0f} ms "
                  f"worst of {len(steps)} ({goal})")  # fmt: skip
            if redraws:
                print(f"    for scale, a full redraw after a new rate: {listed(redraws)} s")
            print(f"    (steps: {listed(steps)} s)")
        browser.close()


if __name__ == "__main__":
    main()
