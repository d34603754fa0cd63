"""Every control a person touches, once, in a real browser (issue 12's test level).

On a few representative pages (the default ravine, ``?surface=two_basins``, ``?mode=race``,
``?data=noisy_line``) each test presses one control the way a teacher would and then checks
what the class would see: no exception element, no page or console error, every contour layer
of the landscape still drawn (``AppPage.assert_healthy``), and the verdicts, panels and link
changed as they should. The shared server, browser and ``app`` page are in ``conftest.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

RAVINE = ""
TWO_BASINS = "?surface=two_basins"
RACE = "?mode=race"
DATA = "?data=noisy_line"


def _choose(app, key: str, option: str):
    """Open the selectbox with Streamlit key ``key`` and pick ``option``.

    Streamlit's select closes its menu when the sidebar scrolls, and focusing a select in a
    sidebar that was scrolled (then folded and opened again) scrolls it: the first click can
    open the menu for a few milliseconds only. A person clicks again; so does this."""
    for _ in range(3):
        app.widget(key).get_by_role("combobox").click()
        app.page.wait_for_timeout(300)
        if app.page.get_by_role("listbox").count():
            break
    return app.act(lambda: app.page.get_by_role("option", name=option, exact=True).click())


def _type(app, key: str, text: str):
    """Type ``text`` into the text or number input with key ``key`` and press Enter."""
    box = app.widget(key).locator("input")
    box.fill(text)
    return app.act(lambda: box.press("Enter"))


def _open_advanced(app) -> None:
    app.page.get_by_text("Advanced: hyperparameters, schedule, clipping").click()
    app.widget("schedule").locator("input").wait_for()


# -- buttons ------------------------------------------------------------------------------


@pytest.mark.parametrize("link", [RAVINE, DATA], ids=["ravine", "data"])
def test_random_start_moves_the_start_and_the_runs(app, link):
    """🎲 Random start: a new start in the inputs and the link, new runs, no traceback."""
    before = app.assert_healthy(app.open(link))
    state = app.act(
        lambda: app.widget("random_start").get_by_role("button").click(),
        until=lambda s: "x0" in s.query and s.captions != before.captions,
    )
    app.assert_healthy(state, "🎲 Random start")
    assert "x0" in state.query
    assert "y0" in state.query
    x0 = float(state.query["x0"])
    assert float(app.widget("x0").locator("input").input_value()) == x0
    assert state.captions != before.captions  # the summary line names the new start


def _download(app, label: str, timeout: float = 60) -> str:
    """Click the download button ``label``; the file's text. A download does not rerun the
    app (``on_click="ignore"``): a rerun re-registered the other button's file, so a second
    download within a moment of the first gave nothing."""
    before = app.runs()
    try:
        with app.page.expect_download(timeout=timeout * 1000) as download:
            app.page.get_by_role("button", name=label).click()
    except Exception as error:  # Playwright's TimeoutError
        raise AssertionError(f"{label!r} gave no file within {timeout} s") from error
    text = Path(download.value.path()).read_text()
    app.assert_healthy(app.settle(), label)
    assert app.runs()[0] == before[0], f"{label!r} reran the app"
    return text


def test_the_downloads_hold_every_run(app):
    """Data tab: the CSV and JSON downloads are files with one row / record per run."""
    app.open()
    app.act(lambda: app.page.get_by_role("tab", name="Data").click())
    rows = _download(app, "Download iterates (CSV)").splitlines()
    assert rows[0] == "run,optimizer,lr,step,x,y,f,grad_norm"
    assert {row.split(",")[0] for row in rows[1:]} == {"0", "1", "2"}
    runs = json.loads(_download(app, "Download runs (JSON)"))["runs"]
    assert [r["status"] for r in runs] == ["max_steps", "converged", "diverged"]


def test_the_json_download_works_when_f_is_not_finite(app):
    """A run whose f leaves the domain still downloads (issue 12, item 13: it did nothing)."""
    app.open("?f=log(x-4.9999)%2By%5E2")
    app.act(lambda: app.page.get_by_role("tab", name="Data").click())
    assert json.loads(_download(app, "Download runs (JSON)"))["runs"]


# -- playback -----------------------------------------------------------------------------


def _play_pause_and_slide(app, chart: str) -> None:
    """▶ Play, check mid-play, ❚❚ Pause, then a click on the step slider: the landscape stays."""
    plot = app.widget(chart)
    last = app.state().charts[chart].step
    plot.locator(".updatemenu-button", has_text="Play").click()
    playing = app.wait_until(lambda s: s.charts[chart].step not in (None, last), timeout=15)
    app.assert_healthy(playing, f"▶ Play ({chart})")
    app.page.wait_for_timeout(300)  # a few more frames
    app.assert_healthy(what=f"▶ Play, later ({chart})")
    errors_before_pause = len(app.errors)
    plot.locator(".updatemenu-button", has_text="Pause").click()
    paused = app.state().charts[chart].step
    app.page.wait_for_timeout(300)
    assert app.state().charts[chart].step == paused, "❚❚ Pause did not stop the playback"
    # plotly.js rejects the interrupted Play's promise with `undefined` and nothing catches it
    # (its own update menus call Plotly.animate without a catch); nothing on the page changes.
    # Exactly that one rejection is expected here; anything else is an error.
    interrupted = app.errors[errors_before_pause:]
    assert set(interrupted) <= {"pageerror: undefined"}, interrupted
    del app.errors[errors_before_pause:]
    app.assert_healthy(what=f"❚❚ Pause ({chart})")
    rail = plot.locator(".slider-rail-touch-rect").bounding_box()
    assert rail is not None
    app.page.mouse.click(rail["x"] + 0.8 * rail["width"], rail["y"] + rail["height"] / 2)
    slid = app.wait_until(lambda s: s.charts[chart].step != paused, timeout=10)
    app.assert_healthy(slid, f"a click on the step slider ({chart})")


def test_play_pause_and_the_step_slider_keep_the_landscape(app):
    """``?surface=two_basins``: playback moves the paths, never the contours (issue 12, item 2:
    every contour fill vanished, the ravine's too)."""
    app.assert_healthy(app.open(TWO_BASINS))
    _play_pause_and_slide(app, "landscape")


def test_playback_on_a_data_lesson_keeps_both_charts(app):
    """The landscape's and the data panel's playback each keep their picture."""
    app.assert_healthy(app.open(DATA))
    _play_pause_and_slide(app, "landscape")
    _play_pause_and_slide(app, "data_panel")


def test_a_listed_start_runs_from_there_at_the_same_rates(app):
    """``?surface=two_basins``: the second listed start, at the rates in force (issue 12, item 6:
    the app showed only the first start, and a new start swapped the rates)."""
    before = app.assert_healthy(app.open(TWO_BASINS))
    second = app.widget("listed_start_1")
    assert second.count() == 1, "no button for the surface's second listed start"
    state = app.act(lambda: second.get_by_role("button").click())
    app.assert_healthy(state, "the second listed start")
    assert (float(state.query["x0"]), float(state.query["y0"])) == (-2.2, 1.0)
    assert state.titles() != before.titles()
    rates = [float(r) for r in state.query.get("lr", "0.0005, 0.05, 0.2").split(",")]
    assert rates == [0.0005, 0.05, 0.2]
    for title, rate in zip(state.titles(), rates, strict=True):
        assert title.startswith(f"lr = {rate:g}"), title


# -- tabs ---------------------------------------------------------------------------------

TAB_NAMES = ["3-D", "Loss curves", "The math", "Data", "Landscapes"]


def test_each_tab_opens_and_draws_without_an_error(app):
    """Each tab opens on a click, draws, and Landscapes comes back with its contours."""
    app.open()
    for name in TAB_NAMES:
        state = app.act(lambda name=name: app.page.get_by_role("tab", name=name).click())
        app.assert_healthy(state, f"the {name} tab")
        assert state.tab == name
    assert state.charts["landscape"].drawn == 3


def test_a_clicked_tab_goes_into_the_link(app):
    """The README promises ``tab`` in the URL (issue 12, item 4: it never changed)."""
    app.open()
    state = app.act(lambda: app.page.get_by_role("tab", name="The math").click())
    assert state.query.get("tab") == "The math"
    state = app.act(lambda: app.page.get_by_role("tab", name="Landscapes").click())
    assert state.query.get("tab", "Landscapes") == "Landscapes"


def test_a_tab_in_the_link_opens_that_tab(app):
    """``?tab=The%20math`` opens The math (issue 12, item 4: it opened Landscapes)."""
    state = app.assert_healthy(app.open("?tab=The%20math", chart=False))
    assert state.tab == "The math"


def test_the_maps_tab_draws_each_map_and_its_clicks_reach_the_panels(app):
    """Maps on Himmelblau: a click on a sweep point puts that rate in a panel; the phase map
    draws; a click on the basin map starts the panels there (issue 14); the map chosen is in
    the link."""
    before = app.assert_healthy(app.open("?surface=himmelblau&tab=Maps"), "the Maps tab")
    assert before.tab == "Maps"
    point = app.widget("sweep_map").locator(".scatterlayer .trace").first.locator(".point").nth(10)
    spot = point.bounding_box()  # Plotly's drag layer takes the click, as for a person's
    assert spot is not None
    state = app.act(
        lambda: app.page.mouse.click(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2),
        until=lambda s: s.query.get("lr") not in (None, ""),
    )
    app.assert_healthy(state, "a click on the rate sweep")
    assert state.query["lr"] != "0.0005,0.01,0.04"
    state = app.act(lambda: app.widget("map_kind").get_by_text("Phase map").click())
    app.assert_healthy(state, "the phase map")
    assert "phase_map" in state.charts
    assert state.query["map"] == "phase"  # a link opens the map chosen
    state = app.act(lambda: app.widget("map_kind").get_by_text("Basins of attraction").click())
    app.assert_healthy(state, "the basin map")
    assert state.query["map"] == "basins"
    box = app.widget("basin_map").locator(".nsewdrag").first.bounding_box()
    assert box is not None
    state = app.act(
        lambda: app.page.mouse.click(
            box["x"] + 0.62 * box["width"], box["y"] + 0.4 * box["height"]
        ),
        until=lambda s: "x0" in s.query,
    )
    app.assert_healthy(state, "a click on the basin map")
    assert 0.5 < float(state.query["x0"]) < 2.0  # right of centre, as clicked
    assert 0.0 < float(state.query["y0"]) < 2.0


# -- rates --------------------------------------------------------------------------------


def test_a_rate_slider_steps_with_the_arrow_keys_and_keeps_focus(app):
    """A rate slider moved with → changes the rate and the link and keeps keyboard focus, so
    a second → moves it again (issue 12, item 14: focus was lost after every change)."""
    before = app.open()
    thumb = app.page.locator("[class*='st-key-lr_slider_0'] input[type=range]")
    thumb.focus()
    state = app.act(lambda: app.page.keyboard.press("ArrowRight"))
    app.assert_healthy(state, "→ on the first rate slider")
    assert state.query.get("lr"), "the moved rate did not reach the link"
    assert state.titles()[0] != before.titles()[0]
    focused = app.page.evaluate(
        "() => { const e = document.activeElement; const holder = e && e.closest('[class*=\"st-key-lr_slider_\"]');"
        " return holder ? [...holder.classList].find(c => c.startsWith('st-key-')) : null; }"
    )
    assert str(focused).startswith("st-key-lr_slider_0"), (
        f"keyboard focus left the rate slider (now on {focused})"
    )
    second = app.act(lambda: app.page.keyboard.press("ArrowRight"))
    assert second.query["lr"] != state.query["lr"]


def test_new_rates_are_kept_after_a_function_moves_the_stability_bound(app):
    """Found by the load client (issue 17): a slider's value goes back to the server as its
    label; "0.3 › 2/λ_max" stayed in the browser after a typed function moved the bound, the
    server read that unknown label as the first stop, 1e-07, and the slider's change handler
    wrote 1e-07 over the rates the student had just typed."""
    app.open()
    app.assert_healthy(_type(app, "lr", "0.01, 0.03, 0.3"), "rates with one above 2/λ_max")
    app.assert_healthy(_type(app, "f", "x^2 + y^2"), "a function with another bound")
    state = app.assert_healthy(_type(app, "lr", "0.004, 0.04, 0.4"), "new rates")
    assert app.widget("lr").locator("input").input_value() == "0.004, 0.04, 0.4"
    assert state.query["lr"] == "0.004, 0.04, 0.4"


# -- the sidebar, one control after another -------------------------------------------------


def test_the_sidebar_controls_rerun_and_go_into_the_link(app):
    """On the default page, in turn: the rates box, the step budget, the optimizer, projector
    mode, another surface and the race switch; each reruns, redraws and reaches the link."""
    before = app.open()
    state = _type(app, "lr", "0.01, 0.03")
    app.assert_healthy(state, "typing rates")
    assert state.query["lr"] == "0.01, 0.03"
    assert state.titles()[0].startswith("lr = 0.01")
    assert state.titles()[1].startswith("lr = 0.03")
    assert (state.charts["landscape"].layers, len(state.verdicts)) == (2, 2)

    state = _type(app, "steps", "100")
    app.assert_healthy(state, "a step budget of 100")
    assert state.query["steps"] == "100"
    assert "up to 100 steps" in state.summary

    rates_verdicts = state.verdicts
    state = _choose(app, "opt", "Momentum (heavy ball)")
    app.assert_healthy(state, "choosing momentum")
    assert state.query["opt"] == "momentum"
    assert state.verdicts != rates_verdicts

    state = app.act(lambda: app.widget("big").get_by_text("Projector mode").click())
    app.assert_healthy(state, "projector mode")
    assert state.query["big"] == "true"
    # Projector mode gives the landscapes the width: the sidebar folds away and opens on demand.
    sidebar = app.page.locator("[data-testid=stSidebar]")
    app.page.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right <= 0"
    )
    app.page.locator("[data-testid=stExpandSidebarButton]").first.click()
    app.page.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().left >= 0"
    )
    assert sidebar.bounding_box()["width"] > 200
    app.wait_for_layout()  # the narrower main column is measured and drawn for

    state = _choose(app, "surface", "Rosenbrock")
    app.assert_healthy(state, "choosing Rosenbrock")
    assert state.heading == "Rosenbrock" != before.heading
    assert state.query["surface"] == "rosenbrock"

    state = app.act(lambda: app.widget("mode").get_by_text("optimizers (race)").click())
    app.assert_healthy(state, "switching to a race")
    assert state.query["mode"] == "race"
    assert state.charts["landscape"].layers == 4
    assert state.titles()[-1].startswith("adam")


def test_a_race_link_races_and_a_racer_can_leave(app):
    """``?mode=race``: four racers; removing one leaves three panels."""
    state = app.assert_healthy(app.open(RACE))
    assert state.charts["landscape"].layers == 4
    remove = app.widget("race").get_by_role("button", name="Remove Adam")
    state = app.act(lambda: remove.click())
    app.assert_healthy(state, "removing a racer")
    assert state.charts["landscape"].layers == 3
    assert len(state.verdicts) == 3


# -- link messages -------------------------------------------------------------------------


def test_choosing_a_surface_clears_the_opening_links_warnings(app):
    """The opening link's warnings go once the user picks another surface (issue 12, item 5)."""
    before = app.open("?opt=zzz")
    assert any("zzz" in alert for alert in before.alerts)
    state = _choose(app, "surface", "Rosenbrock")
    app.assert_healthy(state, "choosing Rosenbrock")
    assert state.heading == "Rosenbrock"
    assert not any("zzz" in alert for alert in state.alerts), state.alerts


WATCH_THE_PANELS = """() => {
    window.__panelsGone = 0;
    const look = () => {
        if (!document.querySelector('.st-key-landscape .js-plotly-plot')) window.__panelsGone++;
        window.__watching = requestAnimationFrame(look);
    };
    look();
}"""


@pytest.mark.parametrize(
    "link", ["?lesson=learning_rate", "?opt=zzz"], ids=["lesson step", "link warning"]
)
def test_the_pictures_stay_through_the_first_change(app, link):
    """On a lesson's step the first change brings a note above the tabs ("the settings have
    changed"); on a link with a problem it takes the warning away. Either moved the tabs, and the
    panels were mounted anew: they vanished for half a second, the page jumping on a projector.
    Checked at every animation frame from the change until the page has settled."""
    app.open(link)
    app.page.evaluate(WATCH_THE_PANELS)
    state = _type(app, "lr", "0.002, 0.03, 0.041")
    app.wait_for_layout()
    gone = app.page.evaluate(
        "() => { cancelAnimationFrame(window.__watching); return window.__panelsGone; }"
    )
    app.assert_healthy(state, "new rates")
    assert gone == 0, f"the panels were off the page for {gone} animation frames"


# -- the Advanced expander -----------------------------------------------------------------


def test_a_schedule_is_stated_on_the_page_and_carried_in_the_link(app):
    """Issue 12, item 3: a schedule changed the runs but neither the page nor the link said so."""
    before = app.open()
    _open_advanced(app)
    text = "cosine(t_max=500, warmup=20)"
    state = _type(app, "schedule", text)
    app.assert_healthy(state, "a cosine schedule")
    assert state.verdicts != before.verdicts
    assert "cosine" in state.summary, f"the page does not state the schedule: {state.summary}"
    assert any("cosine" in value for value in state.query.values()), (
        f"the link does not carry the schedule: {state.query}"
    )


def test_clipping_is_stated_on_the_page_and_carried_in_the_link(app):
    """Issue 12, item 3: clipping turned "diverged" into "converged" with no word anywhere."""
    before = app.open()
    _open_advanced(app)
    state = _type(app, "clip_norm", "1")
    app.assert_healthy(state, "clipping the gradient norm at 1")
    assert state.verdicts != before.verdicts
    assert "clip" in state.summary.lower(), f"the page does not state the clipping: {state.summary}"
    assert any("clip" in name for name in state.query), (
        f"the link does not carry the clipping: {state.query}"
    )
    # Closed again, the section keeps it: in its input, the link and the runs, rerun after rerun.
    app.page.get_by_text("Advanced: hyperparameters, schedule, clipping").click()
    app.page.wait_for_timeout(500)
    state = _type(app, "lr", "0.002, 0.031, 0.05")
    app.assert_healthy(state, "new rates with the Advanced section closed")
    assert state.query.get("clip_norm") in ("1", "1.0"), state.query
    assert "clip" in state.summary.lower(), state.summary
    assert app.widget("clip_norm").locator("input").input_value() == "1"


def test_a_closed_advanced_section_at_its_defaults_draws_no_inputs(app):
    """Its dozen inputs are drawn when it opens, not on every page."""
    app.assert_healthy(app.open())
    assert app.widget("gtol").count() == 0
    _open_advanced(app)
    assert float(app.widget("gtol").locator("input").input_value()) == 1e-6


# -- data lessons --------------------------------------------------------------------------


def test_data_controls_rerun_and_go_into_the_link(app):
    """``?data=noisy_line``: another data set, then standardized features, each in the link."""
    app.open(DATA)
    state = _choose(app, "data", "unscaled feature")
    app.assert_healthy(state, "choosing the unscaled feature")
    assert state.query["data"] == "unscaled_feature"
    assert state.heading.startswith("unscaled feature")
    state = app.act(lambda: app.widget("scale").get_by_text("Standardize the features").click())
    app.assert_healthy(state, "standardizing")
    assert state.query["scale"] == "true"


def test_a_mac_csv_upload_is_read(app, tmp_path):
    """CR-only line endings (Excel's "CSV (Macintosh)") are read (issue 12, item 12)."""
    app.open(DATA)
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"x,y\r1,2\r2,3\r3,5\r4,4\r")
    uploader = app.page.locator("[data-testid='stFileUploader'] input[type=file]")
    state = app.act(
        lambda: uploader.set_input_files(str(mac)),
        until=lambda s: s.heading != "" and not s.heading.startswith("noisy line"),
    )
    app.assert_healthy(state, "a CR-only upload")
    assert state.heading.startswith("mac.csv: fitting")


# -- step by step -----------------------------------------------------------------------------

_STEPPED = """() => {
    const plot = document.querySelector('.st-key-landscape .js-plotly-plot');
    const steps = plot.layout.meta.gdviz_steps;
    const xy = (i) => [Array.from(plot.data[i].x), Array.from(plot.data[i].y)];
    return steps.runs.map((run) => ({
        nit: run.nit, n: run.n, pos: run.pos, steps: run.steps, ends: run.ends,
        path: xy(run.traces.path), point: xy(run.traces.point),
        arrows: Object.fromEntries(Object.keys(run.ends).map((kind) => [kind, xy(run.traces[kind])])),
    }));
}"""


def _shown_step(app, k: int) -> list[dict]:
    """What each panel draws once step ``k`` is on screen."""
    app.page.wait_for_function(
        f"() => window.__gdvizStepDrawn && window.__gdvizStepDrawn.k === {k}", timeout=30_000
    )
    return app.page.evaluate(_STEPPED)


def _assert_drawn_at(runs: list[dict], k: int) -> None:
    """Each panel shows its path up to θ_k, the point θ_k, and update k's arrows from θ_{k−1}
    to the ends the figure carries (the pure tests check those against the engine)."""
    for i, run in enumerate(runs):
        assert len(run["path"][0]) == sum(s <= k for s in run["steps"]), f"panel {i}: path prefix"
        at = min(k, run["nit"])
        assert run["point"][0][0] == pytest.approx(run["pos"][2 * at]), f"panel {i}: θ_k"
        assert run["point"][1][0] == pytest.approx(run["pos"][2 * at + 1]), f"panel {i}: θ_k"
        if not 1 <= k <= run["n"]:
            continue
        start = (run["pos"][2 * (k - 1)], run["pos"][2 * (k - 1) + 1])
        for kind, (xs, ys) in run["arrows"].items():
            end = (run["ends"][kind][2 * (k - 1)], run["ends"][kind][2 * (k - 1) + 1])
            if None in end:
                continue  # parked off the view: the arrow starts outside it
            want = ([end[0]] * 2, [end[1]] * 2) if kind == "lookahead" else (
                [start[0], end[0]], [start[1], end[1]])  # fmt: skip
            assert xs == pytest.approx(want[0]), f"panel {i}: {kind} arrow at step {k}"
            assert ys == pytest.approx(want[1]), f"panel {i}: {kind} arrow at step {k}"


def test_step_mode_steps_back_and_forth_and_the_link_keeps_the_step(app):
    """?step=5 opens step by step at update 5 (Adam: its arrows and per-coordinate box); ▶ ▶ ◀
    redraw in the page, the link follows, and the link opened again shows the same step."""
    app.assert_healthy(app.open("?opt=adam&step=5"), "opening step mode")
    _assert_drawn_at(_shown_step(app, 5), 5)
    forward = app.page.locator(".gdviz-step .forward")
    forward.click()
    forward.click()
    _assert_drawn_at(_shown_step(app, 7), 7)
    app.page.locator(".gdviz-step .back").click()
    _assert_drawn_at(_shown_step(app, 6), 6)
    state = app.wait_until(lambda s: s.query.get("step") == "6")
    app.assert_healthy(state, "stepping")
    app.assert_healthy(app.open("?opt=adam&step=6"), "opening the stepped link")
    _assert_drawn_at(_shown_step(app, 6), 6)


_SCENE = """() => {
    const plot = document.querySelector('.st-key-surface3d .js-plotly-plot');
    const xyz = (i) => [Array.from(plot.data[i].x), Array.from(plot.data[i].y), Array.from(plot.data[i].z)];
    return { at: plot.__gdvizStepAt ?? null, runs: plot.layout.meta.gdviz_steps3d.runs.map((run) => ({
        nit: run.nit, line: run.line, iterates: run.iterates, pos: run.pos,
        drawn: { line: xyz(run.traces.line), iterates: xyz(run.traces.iterates),
                 marks: xyz(run.traces.marks), point: xyz(run.traces.point),
                 flights: run.traces.flights.map(xyz) },
    })) };
}"""


def _scene_at(app, k: int) -> list[dict]:
    app.page.wait_for_function(
        "(k) => document.querySelector('.st-key-surface3d .js-plotly-plot')?.__gdvizStepAt === k",
        arg=k,
        timeout=30_000,
    )
    return app.page.evaluate(_SCENE)["runs"]


def test_step_mode_cuts_the_3d_scene_s_paths_at_the_step(app):
    """The 3-D tab step by step: each run's line and iterates end at step k, θ_k sits on the
    surface where the figure says, the start shows from the start and the end mark (and a
    diverged run's flight) only once reached; ▶ steps on and the link follows."""
    app.assert_healthy(app.open("?surface=ravine&tab=3-D&step=30"), "the 3-D tab in step mode")
    assert not app.page.locator(".gdviz-step .switch").is_visible()  # no arrows in 3-D
    for k in (30, 31, 500):
        if k == 31:
            app.page.locator(".gdviz-step .forward").click()
        if k == 500:
            field = app.page.locator(".gdviz-step input[type=number]")
            field.fill("500")
            field.press("Enter")
        for i, run in enumerate(_scene_at(app, k)):
            drawn, reached = run["drawn"], k >= run["nit"]
            assert len(drawn["line"][0]) == sum(s <= k for s in run["line"]), f"run {i} at {k}"
            assert len(drawn["iterates"][0]) == sum(s <= k for s in run["iterates"]), f"run {i}"
            assert len(drawn["marks"][0]) == (2 if reached else 1), f"run {i}'s marks at {k}"
            assert all((len(f[0]) > 0) == reached for f in drawn["flights"]), f"run {i} at {k}"
            at = min(k, run["nit"])
            theta = run["pos"][3 * at : 3 * at + 3]
            if len(theta) == 3 and None not in theta:
                point = [axis[0] for axis in drawn["point"]]
                assert point == pytest.approx(theta, rel=1e-6), f"run {i}'s θ_{k}"
    state = app.wait_until(lambda s: s.query.get("step") == "500")
    app.assert_healthy(state, "stepping the 3-D scene")


_DATA_LINES = """() => {
    const plot = document.querySelector('.st-key-data_panel .js-plotly-plot');
    const meta = plot.layout.meta.gdviz_lines;
    return {
        kind: meta.kind, bounds: meta.bounds, at: plot.__gdvizStepAt ?? null,
        sliders: (plot.layout.sliders ?? []).length,
        lines: meta.traces.map((i) => [Array.from(plot.data[i].x), Array.from(plot.data[i].y)]),
    };
}"""


@pytest.mark.parametrize("data", ["noisy_line", "two_classes"])
def test_step_mode_draws_a_data_lesson_s_fitted_lines_at_the_step(app, data):
    """A data lesson step by step: beside the panels, each run's fitted line (or decision
    boundary) is the one at θ_k — gdviz.figures.data's formulas at the point the panel shows —
    at the link's step and after ▶; the lines have no playback of their own then."""
    from types import SimpleNamespace

    from gdviz.figures.data import _fitted_line

    app.assert_healthy(app.open(f"?data={data}&step=5"), "opening a data lesson in step mode")
    for k in (5, 6):
        if k == 6:
            app.page.locator(".gdviz-step .forward").click()
        runs = _shown_step(app, k)
        app.page.wait_for_function(
            "(k) => document.querySelector('.st-key-data_panel .js-plotly-plot')?.__gdvizStepAt === k",
            arg=k,
            timeout=30_000,
        )
        shown = app.page.evaluate(_DATA_LINES)
        assert shown["sliders"] == 0
        assert len(shown["lines"]) == len(runs) == 3
        model, bounds = SimpleNamespace(kind=shown["kind"]), np.array(shown["bounds"])
        for i, (run, (xs, ys)) in enumerate(zip(runs, shown["lines"], strict=True)):
            at = min(k, run["nit"])
            theta = np.array([run["pos"][2 * at], run["pos"][2 * at + 1]])
            want_x, want_y = _fitted_line(model, theta, bounds)
            assert xs == pytest.approx(want_x, rel=1e-12), f"run {i}'s line at step {k}"
            assert ys == pytest.approx(want_y, rel=1e-12), f"run {i}'s line at step {k}"
    app.assert_healthy(what="stepping a data lesson")


# -- guided lessons -------------------------------------------------------------------------


def test_a_lesson_walks_with_next_and_back_in_projector_mode(app):
    """A teacher's lesson at the projector: Next and Back change the narration, the panels'
    verdicts and the link together (lesson=NAME&page=K plus the step's own settings)."""
    state = app.assert_healthy(app.open("?lesson=local_global&big=true"))
    assert "step 1 of 4" in app.page.locator(".st-key-lesson_step").inner_text()
    assert state.query["lesson"] == "local_global"
    assert state.query["page"] == "1"
    assert "local minimum in" in state.verdicts[0]
    state = app.act(lambda: app.widget("lesson_next").get_by_role("button").click())
    app.assert_healthy(state, "Next")
    assert "step 2 of 4" in app.page.locator(".st-key-lesson_step").inner_text()
    assert (state.query["page"], state.query["x0"], state.query["y0"]) == ("2", "-2.2", "1")
    assert "global minimum in" in state.verdicts[0]
    state = app.act(lambda: app.widget("lesson_back").get_by_role("button").click())
    app.assert_healthy(state, "Back")
    assert state.query["page"] == "1"
    assert "x0" not in state.query
    assert "local minimum in" in state.verdicts[0]
    assert "The settings have changed" not in app.page.locator(".st-key-lesson_step").inner_text()
