"""How much of the screen the landscapes cover, measured in headless chromium from the page's
own element boxes (issue 13's goals).

Run by hand: ``python benchmarks/bench_layout.py``. Starts the app on a free port, opens each
page at each window size (projector mode at 1280 × 720; normal mode at 1600 × 1000 and
1920 × 1080) and prints, per page and size: the panels' share of the viewport (the part on
screen), whether every panel lies wholly on the first screen, the height of the empty band
between the chart's top and its first panel title, and the smallest font size among the texts
a class must read (verdict cards, the lesson's text, panel titles, axis labels). Goals:
projector ≥ 25 % and on screen; normal ≥ 30 % and on screen; projector text ≥ 22 px.

Then the 3-D tab of the ravine, Rosenbrock and Himmelblau at 1600 × 1000 and in projector mode
at 1280 × 720: the share of the 3-D plot's width and height covered by the drawn surface (the
bounding box of the pixels that change when the surface alone is hidden; ``SURFACE_COVER`` of
``tests/test_browser_layout.py``). Goal: ≥ 80 % of the width.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_browser_layout import SURFACE_COVER  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from servers import start_app, stop  # noqa: E402

PAGES = {
    "ravine (default)": "",
    "rosenbrock": "surface=rosenbrock",
    "himmelblau": "surface=himmelblau",
    "race of four": "mode=race",
    "data lesson": "data=noisy_line",
    "guided lesson": "lesson=learning_rate",  # step 1; on a projector its narration is below
}
PAGES_3D = {name: PAGES[name] for name in ("ravine (default)", "rosenbrock", "himmelblau")}
SIZES = {"projector 1280×720": (1280, 720, True), "1600×1000": (1600, 1000, False),
         "1920×1080": (1920, 1080, False)}  # fmt: skip

MEASURE = """() => {
    const plot = document.querySelector('.js-plotly-plot');
    const pictures = Array.from(plot.querySelectorAll('.layer-subplot image'))
        .map(image => image.getBoundingClientRect());
    const visible = r => Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0))
        * Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    const cover = pictures.reduce((sum, r) => sum + visible(r), 0) / (innerWidth * innerHeight);
    const onScreen = pictures.every(r => r.top >= 0 && r.bottom <= innerHeight
        && r.left >= 0 && r.right <= innerWidth);
    const titles = Array.from(plot.querySelectorAll('.annotation-text'))
        .map(t => t.getBoundingClientRect()).filter(r => r.height > 0);
    const chartTop = plot.getBoundingClientRect().top;
    const band = titles.length ? Math.min(...titles.map(r => r.top)) - chartTop : -1;
    const size = el => parseFloat(getComputedStyle(el).fontSize);
    const texts = [
        ...document.querySelectorAll('[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p'),
        ...document.querySelectorAll('[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] b'),
        ...plot.querySelectorAll('.annotation-text'),
        ...plot.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text'),
    ].filter(el => el.textContent.trim());
    const smallest = Math.min(...texts.map(size));
    return {cover, onScreen, band, smallest, panels: pictures.length};
}"""


def settle(page) -> None:
    """Wait for the landscapes, the size report's rerun, and the last redraw."""
    page.wait_for_selector(".js-plotly-plot .layer-subplot image", timeout=60_000)
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(800)


def measure(page, url: str, query: str, width: int, height: int, projector: bool) -> dict:
    page.set_viewport_size({"width": width, "height": height})
    parts = [query] if query else []
    if projector:
        parts.append("big=true")
    page.goto(f"{url}/?{'&'.join(parts)}")
    settle(page)
    return page.evaluate(MEASURE)


def measure_3d(page, url: str, query: str, width: int, height: int, projector: bool) -> dict:
    page.set_viewport_size({"width": width, "height": height})
    parts = [query] if query else []
    parts.append("tab=3-D")
    if projector:
        parts.append("big=true")
    page.goto(f"{url}/?{'&'.join(parts)}")
    page.wait_for_selector(".js-plotly-plot .gl-container canvas", state="attached", timeout=60_000)
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(800)
    return page.evaluate(SURFACE_COVER)


def main() -> None:
    process, url = start_app()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )  # fmt: skip
            page = browser.new_page()
            print(
                f"{'page':18} {'window':20} {'cover':>6} {'on screen':>9} {'band':>5} {'text':>5}  goal"
            )
            for name, query in PAGES.items():
                for size_name, (width, height, projector) in SIZES.items():
                    m = measure(page, url, query, width, height, projector)
                    goal = 0.25 if projector else 0.30
                    met = (
                        m["cover"] >= goal
                        and m["onScreen"]
                        and (not projector or m["smallest"] >= 22)
                    )
                    print(
                        f"{name:18} {size_name:20} {m['cover']:6.1%} {m['onScreen']!s:>9} "
                        f"{m['band']:5.0f} {m['smallest']:5.1f}  {'met' if met else 'NOT MET'}"
                    )
            print(
                f"\n3-D tab: {'page':18} {'window':20} {'width':>6} {'height':>6} {'plot':>9}  goal"
            )
            for name, query in PAGES_3D.items():
                for size_name, (width, height, projector) in SIZES.items():
                    if width == 1920:
                        continue
                    m = measure_3d(page, url, query, width, height, projector)
                    plot = f"{m['plotWidth']}×{m['plotHeight']}"
                    print(
                        f"         {name:18} {size_name:20} {m['width']:6.1%} {m['height']:6.1%} "
                        f"{plot:>9}  {'met' if m['width'] >= 0.8 else 'NOT MET'}"
                    )
            browser.close()
    finally:
        stop(process)


if __name__ == "__main__":
    main()
