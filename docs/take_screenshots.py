"""Screenshots of every tab of the running app, for the README and for looking at.

Usage: start the app (``streamlit run app.py``), then
``python docs/take_screenshots.py [URL] [OUT_DIR] [maps|lessons]`` (``maps``: only the Maps
tab's images; ``lessons``: only the guided lessons'). Needs Playwright and Debian's chromium.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

TABS = ["Landscapes", "3-D", "Loss curves", "The math", "Data"]
MAPS = [  # file name, link, window, the map chosen in the tab
    ("maps-sweep-himmelblau-1600x1000.png", "surface=himmelblau", (1600, 1000), "Learning-rate sweep"),
    ("maps-phase-bowl-1600x1000.png", "f=x%5E2%2B10y%5E2", (1600, 1000), "Phase map"),
    ("maps-basins-himmelblau-1600x1000.png", "surface=himmelblau", (1600, 1000), "Basins of attraction"),
    ("maps-basins-himmelblau-1280x720-projector.png", "surface=himmelblau&big=true", (1280, 720),
     "Basins of attraction"),
    ("maps-sweep-rosenbrock-1280x720-projector.png", "surface=rosenbrock&big=true", (1280, 720),
     "Learning-rate sweep"),
]  # fmt: skip
LESSONS = [  # file name, link: a guided lesson's first step at a projector (its narration is
    # under the pictures there: the first screen shows the title, Back / Next and the panels)
    ("lesson-learning-rate-1280x720-projector.png", "lesson=learning_rate&big=true"),
    ("lesson-batch-size-1280x720-projector.png", "lesson=batch_size&big=true"),
]
SIZES = {  # name: window, extra query (projector mode at a projector's resolution)
    "1600x1000": ((1600, 1000), ""),
    "1280x720-projector": ((1280, 720), "big=true"),
}
ARGS = [  # software WebGL, so the 3-D tab draws in headless chromium
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--use-gl=angle", "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]  # fmt: skip


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .layer-subplot image", timeout=90_000)
    page.wait_for_timeout(4000)  # the page measures itself and redraws for its size


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    lessons = {
        "ravine": "surface=ravine",
        "rosenbrock": "surface=rosenbrock",
        "himmelblau": "surface=himmelblau",
        "race": "surface=rosenbrock&mode=race&steps=3000",
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        if sys.argv[3:] != ["lessons"]:
            _maps(browser, base, out)
        if sys.argv[3:] != ["maps"]:
            _lessons(browser, base, out)
        if sys.argv[3:]:
            return
        for size_name, ((width, height), extra) in SIZES.items():
            for lesson, query in lessons.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                _open(page, f"{base}/?{'&'.join(q for q in (query, extra) if q)}")
                tabs = ["Landscapes"]
                if size_name == "1600x1000" and lesson != "race":
                    tabs = TABS if lesson == "rosenbrock" else ["Landscapes", "3-D"]
                for tab in tabs:
                    page.get_by_role("tab", name=tab).click()
                    page.wait_for_timeout(6000)  # the tab reruns the script and draws its chart
                    # The first screen, as a class sees it: no scrolling.
                    name = f"{lesson}-{tab.lower().replace(' ', '-').replace('3-d', '3d')}-{size_name}.png"
                    page.screenshot(path=str(out / name))
                    print(out / name)
                page.close()
        # The data lessons: the three variants, the data panel below them, and the scaling toggle.
        data_shots = [
            ("data-landscapes-1600x1000.png", "?data=noisy_line", (1600, 1000), 0),
            ("data-panel-1600x1000.png", "?data=noisy_line", (1600, 1000), 1000),
            ("data-unscaled-1280x720.png", "?data=unscaled_feature&lr=0.0001", (1280, 720), 0),
            (
                "data-scaled-1280x720.png",
                "?data=unscaled_feature&scale=true&lr=0.1",
                (1280, 720),
                0,
            ),
        ]
        for name, query, (width, height), scroll in data_shots:
            page = browser.new_page(viewport={"width": width, "height": height})
            _open(page, f"{base}/{query}")
            page.mouse.move(width * 0.97, height / 2)  # over the page, not a chart
            if scroll:
                page.mouse.wheel(0, scroll)
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / name))
            print(out / name)
            page.close()
        browser.close()


def _lessons(browser, base: str, out: Path) -> None:
    """A guided lesson's step as the class sees it at a projector: the first screen."""
    for name, query in LESSONS:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        _open(page, f"{base}/?{query}")
        page.mouse.move(640, 20)  # over the empty top bar: no chart shows its tools
        page.screenshot(path=str(out / name))
        print(out / name)
        page.close()


def _maps(browser, base: str, out: Path) -> None:
    """The Maps tab: each map once, as the class sees it after choosing it (no scrolling)."""
    for name, query, (width, height), choice in MAPS:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{base}/?{query}&tab=Maps")
        page.wait_for_selector(".js-plotly-plot", timeout=90_000)  # the sweep, drawn first
        page.wait_for_timeout(4000)  # the page measures itself and redraws for its size
        page.get_by_text(choice, exact=True).click()
        page.wait_for_selector(".js-plotly-plot", timeout=90_000)
        page.wait_for_function(
            """() => document.querySelector('[data-testid=stApp]')
                 .getAttribute('data-test-script-state') === 'notRunning'""",
            timeout=120_000,
        )
        page.wait_for_timeout(3000)
        page.mouse.move(width * 0.99, height * 0.99)  # no hover label on the map
        page.screenshot(path=str(out / name))
        print(out / name)
        page.close()


if __name__ == "__main__":
    main()
