"""Real-browser tests: the running app driven by Playwright in Debian's chromium.

The server, the browser and the ``app`` page come from ``tests/conftest.py`` (one of each for
the session); skipped, with the reason, where chromium or Playwright is missing (`.ci/run`
installs chromium). ``tests/test_browser_controls.py`` touches every control.
"""

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import VIEWPORT, AppPage

pytestmark = pytest.mark.browser


def test_the_page_loads_with_charts_and_no_error(app):
    state = app.assert_healthy(app.open())
    assert state.charts["landscape"].layers == 3
    assert state.heading == "Ill-conditioned ravine"
    verdicts = " ".join(state.verdicts)
    assert "converged in" in verdicts
    assert "diverged at step" in verdicts


def test_a_shared_link_shows_its_verdicts(app):
    state = app.assert_healthy(app.open("?surface=rosenbrock&lr=0.0002,0.0019,0.003"))
    assert state.heading == "Rosenbrock"
    verdicts = " ".join(state.verdicts)
    assert "converged in 16112 steps" in verdicts
    assert "diverged at step 4" in verdicts


def test_typing_a_function_updates_the_panels(app):
    app.open()
    box = app.page.get_by_label("…or type a function of x and y")
    box.fill("x^2 + 10y^2")
    state = app.act(lambda: box.press("Enter"))
    app.assert_healthy(state, "typing a function")
    assert state.heading == "f(x, y) = x^2 + 10y^2"
    assert state.query["f"] == "x^2 + 10y^2"


def test_a_click_on_the_landscape_moves_the_start(app):
    app.open("?surface=round_bowl")
    panel = app.page.locator(".js-plotly-plot .nsewdrag").first
    box = panel.bounding_box()
    x, y = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25
    app.page.mouse.move(x, y)
    app.page.wait_for_timeout(300)  # Plotly's hover must find the click grid's point first
    state = app.act(lambda: app.page.mouse.click(x, y))
    app.assert_healthy(state, "a click on a panel")
    start_x, start_y = float(state.query["x0"]), float(state.query["y0"])
    assert start_x < 0 < start_y  # the upper-left quarter of a view centred on 0
    assert float(app.page.get_by_label("x₀").input_value()) == start_x


def test_a_data_link_shows_batch_minibatch_and_sgd_with_the_data_panel(app):
    """?data=noisy_line: three landscape panels, the data panel, the verdicts in updates and epochs."""
    state = app.assert_healthy(app.open("?data=noisy_line"))
    assert "data_panel" in state.charts
    text = app.page.inner_text("[data-testid=stMain]")
    assert "The data and the fitted line" in text
    assert "batch (all 200)" in text
    assert "stochastic (b = 1)" in text
    assert "epochs" in text


def test_uploading_a_csv_replaces_the_data_and_a_bad_one_keeps_it(app, tmp_path):
    """A bad file gets its message and the lesson stays; a good file becomes the lesson."""
    app.open("?data=noisy_line")
    uploader = app.page.locator("[data-testid='stFileUploader'] input[type=file]")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n2,oops\n3,4\n")
    # The lesson's own notes are alerts too: wait for the file's message itself.
    state = app.act(
        lambda: uploader.set_input_files(str(bad)),
        until=lambda s: any("oops" in alert for alert in s.alerts),
    )
    assert any("row 3, column 2: 'oops' is not a number" in alert for alert in state.alerts)
    assert state.heading.startswith("noisy line: fitting")
    good = tmp_path / "houses.csv"
    good.write_text("size,price\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n6,11.8\n")
    state = app.act(
        lambda: uploader.set_input_files(str(good)), until=lambda s: s.heading.startswith("houses")
    )
    app.assert_healthy(state, "a good upload")
    assert state.heading.startswith("houses.csv: fitting")


def test_a_page_opened_again_is_drawn_for_its_window_at_once(app):
    """The page-size component leaves the size in a cookie: the next visit from this browser
    is laid out for its window on the first run, with no second run to redraw it."""
    app.open()
    app.open()
    assert app.runs()[0] == 1


PLOTS_MADE = """
window.__gdvizPlots = [];
new MutationObserver(() => {
  document.querySelectorAll('.js-plotly-plot').forEach(plot => {
    if (!window.__gdvizPlots.includes(plot)) window.__gdvizPlots.push(plot);
  });
}).observe(document, {subtree: true, childList: true});
"""
"""Keeps every Plotly chart element the page ever made."""


STYLE_CODE = "**/static/js/rehype-raw.*.js"
"""Streamlit's code for Markdown with HTML, which the page's style sheet is written in."""


def _held_back(route: Any) -> None:
    time.sleep(1.5)
    route.continue_()


def _as_bytes(frame: str | bytes) -> bytes:
    return frame if isinstance(frame, bytes) else frame.encode()


def test_a_first_visit_draws_the_landscapes_once_for_its_window(first_visit):
    """Without the size cookie the landscapes used to be drawn for a guessed 1200 × 720
    window, then again for the real one; now the first run holds their place and they are drawn
    once, when the window is known, at its width."""
    first_visit.page.add_init_script(PLOTS_MADE)
    reports: list[bytes] = []
    first_visit.page.on(
        "websocket",
        lambda socket: socket.on(
            "framesent",
            lambda frame: reports.append(frame) if b'{"size":' in _as_bytes(frame) else None,
        ),
    )
    # The page's style sheet is Markdown with HTML, whose code comes in a chunk of its own; the
    # measuring component's comes beside it. Hold the style's back, as a loaded machine does.
    first_visit.page.route(STYLE_CODE, _held_back)
    first_visit.assert_healthy(first_visit.open())
    # One report, for the page as styled: one measured before the style sheet applied was
    # 128 px narrower (Streamlit's own padding), and the page was drawn for it, then again.
    assert len(reports) == 1, reports
    made = first_visit.page.evaluate(
        """() => window.__gdvizPlots.map(p => [
            p.closest('[class*="st-key-"]').className.match(/st-key-(\\w+)/)[1],
            p.isConnected, p._fullLayout?.width])"""
    )
    landscapes = [m for m in made if m[0] == "landscape"]
    assert len(landscapes) == 1, made
    _, connected, width = landscapes[0]
    assert connected
    # No other chart came before it (the first run holds the page with a plain box).
    assert all(not m[1] for m in made if m[0] != "landscape"), made
    main = first_visit.page.locator("[data-testid=stMainBlockContainer]").bounding_box()
    assert main["width"] - 80 < width <= main["width"]


def test_a_first_visit_to_a_lesson_in_projector_mode_keeps_the_lessons_settings(first_visit):
    """The narration pushes the tabs down, so a first visit reports the tabs' real top once
    more. That report went out while the sidebar's widgets were still loading (skeletons): the
    rerun put them back to their defaults, a rate of 1e-07 or the first surface, in 4 of 6
    visits. Reports now wait for every widget, and only the very first skips the wait."""
    first_visit.page.set_viewport_size({"width": 1280, "height": 720})  # a projector's
    state = first_visit.open("?lesson=learning_rate&big=true")
    first_visit.assert_healthy(state, "a first visit to a lesson")
    assert state.query.get("lesson") == "learning_rate", state.url
    assert state.query.get("lr") == "0.002,0.035,0.041", state.url
    assert "surface" not in state.query, state.url


def test_a_first_visit_whose_style_sheet_never_loads_still_draws(first_visit):
    """The first report waits for the page's style sheet (see above), but not for ever: with the
    style's code failing to load, the landscapes are drawn all the same, a few seconds later."""
    first_visit.page.route(STYLE_CODE, lambda route: route.abort())
    state = first_visit.open()
    assert state.charts["landscape"].drawn == 3, state
    assert not state.exceptions, state.exceptions


def test_behind_nginx_each_browser_stays_on_its_websockets_process(
    chromium_browser, app_process, tmp_path
):
    """deploy/nginx.conf in front of two app processes: the websocket's answer leaves a cookie
    naming its process (chromium keeps a cookie set there), so the page's upload reaches the
    process that holds its session; a second browser's websocket goes to the other process."""
    import servers  # benchmarks/, on the path from conftest

    if servers.nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    other, other_url = servers.start_app()
    upstreams = [urlsplit(app_process[0]).netloc, urlsplit(other_url).netloc]
    good = tmp_path / "houses.csv"
    good.write_text("size,price\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n6,11.8\n")
    contexts = []
    try:
        with servers.nginx(upstreams) as (_, url):
            for _ in range(2):  # two browsers, each with its own cookies, both pages open
                context = chromium_browser.new_context(viewport=VIEWPORT)
                contexts.append(context)
                browser = AppPage(context.new_page(), url)
                app_state = browser.assert_healthy(browser.open("?data=noisy_line"))
                assert app_state.heading.startswith("noisy line")
                uploader = browser.page.locator("[data-testid='stFileUploader'] input[type=file]")
                state = browser.act(
                    lambda uploader=uploader: uploader.set_input_files(str(good)),
                    until=lambda s: s.heading.startswith("houses"),
                )
                browser.assert_healthy(state, "an upload through nginx")
            chosen = [
                next(c["value"] for c in context.cookies() if c["name"] == "gdviz_server")
                for context in contexts
            ]
            assert sorted(chosen) == sorted(upstreams)
    finally:
        for context in contexts:
            context.close()
        servers.stop(other)
