"""Real-browser tests: the running app driven by Playwright in Debian's chromium.

Skipped, with the reason, where chromium or Playwright is missing; `.ci/run` installs chromium.
"""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def wait_for_charts(page):
    page.wait_for_selector(".js-plotly-plot .layer-subplot image", timeout=60_000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def test_the_page_loads_with_charts_and_no_error(server, page):
    page.goto(server)
    wait_for_charts(page)
    assert page.locator(".js-plotly-plot").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0
    text = page.inner_text("body")
    assert "Ill-conditioned ravine" in text
    assert "converged in" in text
    assert "diverged at step" in text


def test_a_shared_link_shows_its_verdicts(server, page):
    page.goto(f"{server}/?surface=rosenbrock&lr=0.0002,0.0019,0.003")
    wait_for_charts(page)
    page.wait_for_selector("text=converged in 16112 steps", timeout=60_000)
    text = page.inner_text("body")
    assert "Rosenbrock" in text
    assert "diverged at step 4" in text


def test_typing_a_function_updates_the_panels(server, page):
    page.goto(server)
    wait_for_charts(page)
    box = page.get_by_label("…or type a function of x and y")
    box.fill("x^2 + 10y^2")
    box.press("Enter")
    page.wait_for_selector("text=f(x, y) = x^2 + 10y^2", timeout=60_000)
    wait_for_charts(page)
    assert "f=x%5E2" in page.url or "f=x^2" in page.url or "f=x%5e2" in page.url.lower()


def test_a_click_on_the_landscape_moves_the_start(server, page):
    page.goto(f"{server}/?surface=round_bowl")
    wait_for_charts(page)
    panel = page.locator(".js-plotly-plot .nsewdrag").first
    box = panel.bounding_box()
    x, y = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.wait_for_function(
        "document.querySelector('input[aria-label=\"x₀\"]') && document.querySelector('input[aria-label=\"x₀\"]').value !== ''",
        timeout=30_000,
    )
    start_x = float(page.get_by_label("x₀").input_value())
    start_y = float(page.get_by_label("y₀").input_value())
    assert start_x < 0 < start_y  # the upper-left quarter of a view centred on 0
    assert "x0=" in page.url


def test_a_data_link_shows_batch_minibatch_and_sgd_with_the_data_panel(server, page):
    """?data=noisy_line: three landscape panels, the data panel, the verdicts in updates and epochs."""
    page.goto(f"{server}/?data=noisy_line")
    wait_for_charts(page)
    page.wait_for_selector("text=The data and the fitted line", timeout=60_000)
    text = page.inner_text("body")
    assert "batch (all 200)" in text
    assert "stochastic (b = 1)" in text
    assert "epochs" in text
    assert page.locator("[data-testid='stException']").count() == 0


def test_uploading_a_csv_replaces_the_data_and_a_bad_one_keeps_it(server, page, tmp_path):
    """A bad file gets its message and the lesson stays; a good file becomes the lesson."""
    page.goto(f"{server}/?data=noisy_line")
    wait_for_charts(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n2,oops\n3,4\n")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(bad))
    page.wait_for_selector("text=row 3, column 2: 'oops' is not a number", timeout=60_000)
    assert "noisy line: fitting" in page.inner_text("body")
    good = tmp_path / "houses.csv"
    good.write_text("size,price\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n6,11.8\n")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(good))
    page.wait_for_selector("text=houses.csv: fitting", timeout=60_000)
    wait_for_charts(page)
    assert page.locator("[data-testid='stException']").count() == 0
