"""The app's logic through Streamlit's AppTest: widgets by key, reruns, links, bad input."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gdviz.datasets import get_dataset
from gdviz.lesson import Settings, build_lesson
from gdviz.surfaces import load_library

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_app(**query):
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def open_advanced(app):
    """Open the sidebar's Advanced section, as a click on it does (its inputs are drawn only
    while it is open or in use)."""
    app.session_state["advanced"] = True
    return app.run()


def verdict_cards(app):
    return [m.value for m in app.markdown if "border-left" in m.value]


def test_default_page_is_a_working_lesson():
    """No input at all: a library surface, three panels, three different verdicts."""
    app = open_app()
    assert not app.exception
    assert app.header[0].value == "Ill-conditioned ravine"
    cards = verdict_cards(app)
    assert len(cards) == 3
    assert "too slow" in cards[0]
    assert "converged in" in cards[1]
    assert "diverged at step" in cards[2]
    assert not app.error


def test_a_chart_with_new_data_is_a_new_chart():
    """``gdviz.ui.chart`` gives every chart one ``datarevision``, telling plotly.js its data
    never changes once drawn. That holds because Streamlit mounts a new chart (a new element id)
    whenever the figure changes, and keeps the id when it does not: checked here against the
    Streamlit we pin."""
    app = open_app()
    first = app.get("plotly_chart")[0].proto
    assert first.spec
    assert '"datarevision":"spec"' in first.spec
    app.run()
    assert app.get("plotly_chart")[0].proto.id == first.id
    app.text_input(key="lr").set_value("0.01, 0.03").run()
    second = app.get("plotly_chart")[0].proto
    assert second.spec != first.spec
    assert second.id != first.id


def test_a_class_on_one_link_shares_one_built_landscape_figure():
    """Issue 17: the panels are built once per setting, style and size for every session of the
    server (``landscape_figure``, cached), and serialised once (``SharedFigure``); a second
    session gets the same chart, byte for byte, as an uncached build would give."""
    import json

    import plotly.io

    from gdviz.figures import Style, comparison_figure
    from gdviz.figures.style import WebFigure
    from gdviz.ui.chart import SharedFigure, _prepare
    from gdviz.ui.page import CLICK_GRID, landscape_figure

    first, second = open_app(surface="rosenbrock"), open_app(surface="rosenbrock")
    spec = first.get("plotly_chart")[0].proto.spec
    assert second.get("plotly_chart")[0].proto.spec == spec
    settings = Settings(surface="rosenbrock")
    lesson = build_lesson(settings)
    figure, (grid, view) = landscape_figure(settings, Style(), 1200, 700, lesson)
    assert landscape_figure(settings, Style(), 1200, 700, lesson)[0] is figure
    assert landscape_figure(settings, Style(), 1264, 700, lesson)[0] is not figure
    assert isinstance(figure, SharedFigure)
    assert figure.to_dict() is figure.to_dict()
    uncached = comparison_figure(
        lesson.landscape, list(lesson.results), click_grid=CLICK_GRID, width=1200, height=700
    )
    assert figure.to_dict() == uncached.to_dict()
    assert grid == {i for i, t in enumerate(uncached.data) if t.name == "click grid"}
    assert view == (tuple(uncached.layout.xaxis.range), tuple(uncached.layout.yaxis.range))
    # Preparing it to be shown changes it once, and what it sends follows.
    _prepare(figure, clickable=True)
    assert figure.to_dict()["layout"]["clickmode"] == "event+select"
    # Its dict holds its own traces, not copies, and writes as plotly.py's deep copy does;
    # plotly.py's objects of it are never made.
    assert figure.to_dict()["data"][0] is figure.spec()["data"][0]
    assert json.loads(plotly.io.to_json(figure.to_dict(), validate=False)) == json.loads(
        plotly.io.to_json(WebFigure.to_dict(figure), validate=False)
    )
    assert not figure.made


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"data": "two_classes"},
        {"mode": "race", "surface": "rosenbrock"},
        {"f": "x^2 + 3y^2", "tab": "3-D"},
        {"surface": "himmelblau", "tab": "Loss curves"},
        {"surface": "himmelblau", "tab": "Maps"},
        {"surface": "himmelblau", "tab": "Maps", "map": "phase"},
        {"surface": "himmelblau", "tab": "Maps", "map": "basins"},
        {"schedule": "cosine(t_max=500)"},
    ],
)
def test_the_app_sends_its_figures_without_making_plotly_s_objects_of_them(monkeypatch, query):
    """The panels, a data lesson's fitted lines, the 3-D scene, the loss curves, the three maps
    and the schedule's curve in the sidebar are sent from their dicts (``WebFigure``):
    plotly.py's objects of them, 4-5 ms of a new page's 11-12 ms of figures, are never made.
    Fails if any code on the page reads a figure through plotly.py (``figure.data``,
    ``figure.layout``)."""
    import streamlit as st

    from gdviz.figures.style import WebFigure

    made = []
    to_objects = WebFigure.__getattr__

    def noted(figure, name):
        if not figure.made:
            made.append(name)
        return to_objects(figure, name)

    monkeypatch.setattr(WebFigure, "__getattr__", noted)
    st.cache_resource.clear()  # every figure built afresh
    app = open_app(**query)
    assert not app.exception
    # the tab shown, and a data lesson's fitted lines or the schedule's curve
    assert len(app.get("plotly_chart")) == (2 if {"data", "schedule"} & set(query) else 1)
    assert made == []


def test_a_shared_figure_is_written_to_json_once_and_as_plotly_writes_it(monkeypatch):
    """Streamlit's chart spec for a shared figure is JSON that parses to plotly's own JSON of its
    dict, written once: a second session's showing reuses the text
    (``gdviz.ui.chart._spec_json``). If Streamlit stopped reaching it through
    ``plotly.io.to_json`` with the figure's dict, the second session would write it again and
    this fails."""
    import json

    import plotly.io
    import streamlit as st

    from gdviz.ui import chart

    written, orjson_text = [], chart._json_text

    def counted(spec):
        written.append(spec)
        return orjson_text(spec)

    monkeypatch.setattr(chart, "_json_text", counted)
    st.cache_resource.clear()  # the panels built (and written) afresh for this test
    first = open_app()
    (landscape,) = [
        c.proto.spec for c in first.get("plotly_chart") if '"click grid"' in c.proto.spec
    ]
    (panels,) = [w for w in written if "click grid" in str(w)]
    plotlys_own = chart._plotly_to_json(panels, validate=False)
    assert json.loads(landscape) == json.loads(plotlys_own)
    assert len(landscape) < len(plotlys_own)  # no HTML escapes: base64's "/" sent as itself
    before = len(written)
    second = open_app()
    assert [c.proto.spec for c in second.get("plotly_chart")] == [
        c.proto.spec for c in first.get("plotly_chart")
    ]
    assert len(written) == before  # nothing written again for the second session
    # Anything else is plotly's to write, options and all.
    assert plotly.io.to_json({"data": [], "layout": {}}, pretty=True) != plotly.io.to_json(
        {"data": [], "layout": {}}
    )


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(surface="rosenbrock", mode="race"),
        Settings(function="x^2 - y^2"),
        Settings(dataset=get_dataset("two_classes"), batch_size=8),
    ],
)
def test_the_json_the_app_writes_parses_to_plotly_s_own(settings):
    """``_json_text`` (orjson's text, without plotly's HTML escapes) parses to what
    ``plotly.io.to_json`` writes, for the panels, the 3-D scene and the loss curves; a dict
    orjson cannot write (a non-text key) goes to plotly, which writes it."""
    import json

    import numpy as np

    from gdviz.figures import Style, comparison_figure, curves_figure, surface_figure
    from gdviz.ui import chart

    lesson = build_lesson(settings)
    results = list(lesson.results)
    figures = [
        comparison_figure(lesson.landscape, results, style=Style(), width=1200, height=600),
        surface_figure(lesson.landscape, results),
        curves_figure(results),
    ]
    for figure in figures:
        spec = dict(figure.to_dict())
        text = chart._json_text(spec)
        assert json.loads(text) == json.loads(chart._plotly_to_json(spec, validate=False))
    odd = {"data": [{"type": "scatter", "x": np.arange(3.0)}], "layout": {"meta": {1: "one"}}}
    assert chart._json_text(odd) == chart._plotly_to_json(odd, validate=False)


def test_the_3d_scene_and_the_data_panel_are_shared_too():
    """The 3-D tab's scene and a data lesson's fitted lines, like the panels: built once per
    setting, style and size, the same chart for every session."""
    from gdviz.figures import Style
    from gdviz.ui.page import _data_panel, _surface_3d

    scenes = [open_app(tab="3-D").get("plotly_chart")[0].proto.spec for _ in range(2)]
    assert scenes[0] == scenes[1]
    assert '"scene"' in scenes[0]
    lesson = build_lesson(Settings(surface="himmelblau"))
    scene = _surface_3d(lesson.settings, Style(), 1200, 700, False, lesson)
    assert _surface_3d(lesson.settings, Style(), 1200, 700, False, lesson) is scene
    data_lesson = build_lesson(Settings(dataset=_dataset("noisy_line")))
    panel = _data_panel(data_lesson.settings, Style(), False, data_lesson)
    assert _data_panel(data_lesson.settings, Style(), False, data_lesson) is panel
    assert _data_panel(data_lesson.settings, Style(projector=True), False, data_lesson) is not panel


def test_the_caches_key_settings_by_every_field_and_a_data_set_by_its_contents():
    """``gdviz.ui.cache``: a cache's key changes with any setting; two uploads of the same data
    share one key (the same lesson for both), a changed value does not; the lesson is cached."""
    import dataclasses

    import numpy as np

    from gdviz.datasets import Dataset
    from gdviz.ui.cache import cached_lesson, settings_key

    base = Settings(surface="rosenbrock")
    assert settings_key(base) == settings_key(Settings(surface="rosenbrock"))
    for change in ({"rates": (0.001,)}, {"steps": 900}, {"seed": 1}, {"function": "x^2"}):
        assert settings_key(dataclasses.replace(base, **change)) != settings_key(base)

    def upload(targets: list[float]) -> Dataset:
        features = np.array([[0.0], [1.0], [2.0]])
        return Dataset("upload.csv", "regression", features, np.array(targets))

    first, again, other = upload([1.0, 2.0, 3.0]), upload([1.0, 2.0, 3.0]), upload([1, 2, 4.0])
    key = settings_key(Settings(dataset=first))
    assert settings_key(Settings(dataset=again)) == key
    assert settings_key(Settings(dataset=other)) != key
    assert settings_key(Settings(dataset=first, batch_size=1)) != key
    lesson = cached_lesson(Settings(dataset=first))
    assert cached_lesson(Settings(dataset=again)) is lesson


def test_changing_the_surface_reruns_with_its_rates():
    app = open_app()
    app.selectbox(key="surface").select("rosenbrock").run()
    assert app.header[0].value == "Rosenbrock"
    assert "lr = 0.0019" in verdict_cards(app)[1]
    assert (
        app.query_params["surface"] == ["rosenbrock"] or app.query_params["surface"] == "rosenbrock"
    )


def test_typing_a_function_shows_its_math_and_runs_it():
    app = open_app()
    app.text_input(key="f").input("x^2 + 10y^2").run()
    assert not app.exception
    assert app.header[0].value == "f(x, y) = x^2 + 10y^2"
    assert any("x^{2} + 10 y^{2}" in latex.value for latex in app.latex)
    assert len(verdict_cards(app)) >= 2


def test_a_bad_function_shows_an_error_and_keeps_the_last_good_one():
    app = open_app()
    app.text_input(key="f").input("x^2 + 10y^2").run()
    app.text_input(key="f").input("x^2 + z").run()
    assert not app.exception
    assert any("unknown name 'z'" in error.value for error in app.error)
    assert app.header[0].value == "f(x, y) = x^2 + 10y^2"


def test_a_hostile_function_is_refused_like_any_other():
    app = open_app()
    app.text_input(key="f").input("__import__('os').system('echo hi')").run()
    assert not app.exception
    assert any("Cannot use this function" in error.value for error in app.error)
    assert app.header[0].value == "Ill-conditioned ravine"


def test_changing_rates_start_and_optimizer():
    app = open_app()
    app.text_input(key="lr").input("0.01, 0.03").run()
    assert len(verdict_cards(app)) == 2
    app.number_input(key="x0").set_value(2.0).run()
    app.number_input(key="y0").set_value(-1.0).run()
    assert "Start (2, -1)" in app.caption[0].value or any(
        "Start (2, -1)" in c.value for c in app.caption
    )
    app.selectbox(key="opt").select("adam").run()
    assert not app.exception
    assert "lr = 0.01" in verdict_cards(app)[0]


def test_log_rate_sliders_follow_the_panels_and_rewrite_the_rates_box():
    app = open_app()  # the ravine: 2/λ_max = 2/50 = 0.04
    sliders = list(app.select_slider)
    assert [s.label for s in sliders] == [f"Panel {i} rate (log scale)" for i in (1, 2, 3)]
    assert [s.value for s in sliders] == [0.002, 0.035, 0.041]  # the surface's rates, exactly
    assert sliders[2].format_func(0.041).endswith("› 2/λ_max")  # the bound shows on the control
    assert not sliders[1].format_func(0.035).endswith("› 2/λ_max")
    assert any("2/λ_max = 0.04" in c.value for c in app.sidebar.caption)
    sliders[1].set_value(0.05).run()
    assert app.text_input(key="lr").value == "0.002, 0.05, 0.041"  # the others untouched
    assert "diverged" in verdict_cards(app)[1]
    assert [s.value for s in app.select_slider] == [0.002, 0.05, 0.041]


def test_one_rate_gets_one_slider_and_rates_from_a_sweep_are_written_back_exactly():
    app = open_app(surface="rosenbrock", mode="race", shared="true", steps="300")
    (slider,) = app.select_slider
    assert slider.label == "Learning rate (log scale)"
    app = open_app(surface="rosenbrock", opt="adam", steps="200")  # rates proposed by a sweep
    proposed = [s.value for s in app.select_slider]
    app.select_slider[0].set_value(1e-5).run()
    written = [float(part) for part in app.text_input(key="lr").value.split(",")]
    assert written[0] == 1e-5
    assert written[1:] == pytest.approx(proposed[1:], rel=1e-7)


def test_bad_rates_text_falls_back_to_automatic_rates():
    app = open_app()
    app.text_input(key="lr").input("0.1, fast").run()
    assert any("'fast' is not a number" in error.value for error in app.error)
    assert len(verdict_cards(app)) == 3


def test_query_parameters_restore_the_state():
    app = open_app(
        surface="himmelblau", x0="1", y0="1", opt="momentum", lr="0.001,0.005", steps="300"
    )
    assert not app.exception
    assert app.header[0].value == "Himmelblau"
    assert app.selectbox(key="opt").value == "momentum"
    assert app.number_input(key="x0").value == 1.0
    cards = verdict_cards(app)
    assert len(cards) == 2
    assert "lr = 0.001" in cards[0]
    assert any("up to 300 steps" in c.value for c in app.caption)


def test_a_typed_function_in_a_link():
    app = open_app(f="(1-x)^2 + 100(y-x^2)^2", x0="-1", y0="1", lr="0.0005,0.001,0.003")
    assert app.header[0].value.startswith("f(x, y) = (1-x)^2")
    assert len(verdict_cards(app)) == 3


def test_race_mode_runs_one_panel_per_optimizer():
    app = open_app(surface="rosenbrock", mode="race", steps="500")
    assert not app.exception
    cards = verdict_cards(app)
    assert len(cards) == 4
    assert "adam" in cards[3]


def test_race_gives_each_racer_its_own_good_rate_and_momentum_wins_the_ravine():
    """?surface=ravine&mode=race: one rate per racer (sliders, lr link); momentum and Nesterov
    beat plain GD, as the ravine's text promises; shared=true puts them back on one rate."""
    app = open_app(surface="ravine", mode="race")
    assert not app.exception
    assert len(app.select_slider) == 4
    lesson = build_lesson(Settings(surface="ravine", mode="race"))
    steps = dict(zip(lesson.labels, (result.nit[0] for result in lesson.results), strict=True))
    assert all(result.success[0] for result in lesson.results)
    assert steps["momentum (β = 0.5)"] < steps["gd"]
    assert (steps["momentum (β = 0.5)"], steps["gd"]) == (49, 213)  # the README's figures
    nesterov = build_lesson(Settings(surface="ravine", mode="race", race=("gd", "nesterov")))
    assert nesterov.results[1].nit[0] < nesterov.results[0].nit[0]
    app.select_slider[1].set_value(0.01).run()
    written = [float(part) for part in app.text_input(key="lr").value.split(",")]
    assert len(written) == 4
    assert written[1] == 0.01
    shared = open_app(surface="ravine", mode="race", shared="true")
    assert len(shared.select_slider) == 1


def test_a_run_that_lands_on_a_flat_region_reads_as_no_success():
    """?surface=plateau&opt=adam&lr=6.81: converged by gtol on the plateau, not at the minimum."""
    app = open_app(surface="plateau", opt="adam", lr="6.812920690579608")
    (card,) = verdict_cards(app)
    assert "⚠️ stalled on a flat region" in card
    assert "✅" not in card


def test_bad_hyperparameters_do_not_break_the_page():
    app = open_advanced(open_app(opt="momentum"))
    app.number_input(key="hp_momentum_momentum").set_value(1.5).run()
    assert not app.exception
    assert any("These settings cannot run" in e.value for e in app.error)


@pytest.mark.parametrize("key", list(load_library().surfaces))
def test_the_rates_the_page_shows_behave_as_labelled(key):
    """On every library surface the default page's three runs are slow, good and diverging."""
    lesson = build_lesson(Settings(surface=key))
    slow, good, diverging = lesson.results[0]
    assert slow.status == "max_steps"
    assert diverging.status == "diverged"
    assert good.status == ("converged" if lesson.landscape.minima else "diverged")
    assert good.success == bool(lesson.landscape.minima)  # converged at a minimum


@pytest.mark.parametrize("key", ["rosenbrock", "himmelblau", "two_basins", "plateau"])
@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_proposed_rates_on_library_surfaces_for_other_optimizers(key, optimizer):
    lesson = build_lesson(Settings(surface=key, optimizer=optimizer, steps=500))
    statuses = [r.status for r in lesson.results[0]]
    assert lesson.rates_source == "proposed by a sweep"
    assert statuses[-1] == "diverged"
    assert "max_steps" in statuses or "converged" in statuses


# --- data lessons: batch, mini-batch and SGD on a model's loss ---------------------------------


def test_a_data_link_opens_the_three_variants_side_by_side():
    """?data=noisy_line: batch converges, mini-batch and SGD hover, each with updates and epochs."""
    app = open_app(data="noisy_line")
    assert not app.exception
    assert app.radio(key="source").value == "data"
    assert app.header[0].value.startswith("noisy line: fitting y ≈ w·x + b")
    cards = verdict_cards(app)
    assert len(cards) == 3
    assert "batch (all 200)" in cards[0]
    assert "converged in" in cards[0]
    assert "mini-batch (b = 32)" in cards[1]
    assert "stochastic (b = 1)" in cards[2]
    assert "epochs" in cards[2]
    assert "hovering" in cards[2]
    assert any("examples looked at" in m.value for m in app.markdown)


def test_switching_to_data_and_back_to_functions():
    """The source radio swaps the sidebar; the function lesson comes back as it was."""
    app = open_app()
    app.radio(key="source").set_value("data").run()
    assert not app.exception
    assert "noisy line" in app.header[0].value
    app.radio(key="source").set_value("function").run()
    assert app.header[0].value == "Ill-conditioned ravine"


def test_scaling_toggle_turns_the_ravine_into_a_bowl_and_reports_kappa():
    """unscaled_feature: κ in the thousands; standardized, κ = 1 and batch descent converges."""
    app = open_app(data="unscaled_feature")
    assert "too slow" in verdict_cards(app)[0]
    note = next(i.value for i in app.info if "condition number" in i.value)
    assert "3.59e+04 here and 1 with standardized" in note
    app.toggle(key="scale").set_value(True).run()
    assert not app.exception
    assert "standardized" in app.header[0].value
    assert "converged in" in verdict_cards(app)[0]
    note = next(i.value for i in app.info if "condition number" in i.value)
    assert "is 1 here" in note
    assert "on raw features: diverged" in note


def test_the_same_rate_on_raw_features_diverges_where_scaled_converges():
    """A link with lr=0.1: scaled converges; the note says the raw features diverge at it."""
    app = open_app(data="unscaled_feature", scale="true", lr="0.1")
    assert "converged in" in verdict_cards(app)[0]
    assert any("0.1 on raw features: diverged" in i.value for i in app.info)


def test_penalties_and_batch_size_rerun_the_lesson():
    """L2 and the batch size reach the model and the middle panel."""
    app = open_app(data="noisy_line")
    app.slider(key="l2").set_value(0.5).run()
    app.number_input(key="batch").set_value(8).run()
    assert not app.exception
    assert "mini-batch (b = 8)" in verdict_cards(app)[1]
    lesson_minimum = build_lesson(
        Settings(dataset=_dataset("noisy_line"), l2=0.5, batch_size=8)
    ).data.minimum
    plain_minimum = build_lesson(Settings(dataset=_dataset("noisy_line"))).data.minimum
    assert lesson_minimum[0] < plain_minimum[0]  # ridge shrinks the slope


def test_logistic_data_and_an_optimizer_from_a_link():
    app = open_app(data="two_classes", opt="adam", lr="0.05", steps="400")
    assert not app.exception
    assert app.header[0].value.startswith("two classes: fitting P(class 1)")
    assert len(verdict_cards(app)) == 3
    assert any("up to 400 updates" in c.value for c in app.caption)


def test_an_uploaded_data_set_is_offered_and_used():
    """A good upload (held in session state by the uploader's callback) becomes the lesson."""
    from gdviz.datasets import read_csv

    app = open_app(data="noisy_line")
    app.session_state["_upload"] = read_csv(
        b"size,price\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n", "houses.csv"
    )
    app.run()
    app.selectbox(key="data").select("upload").run()
    assert not app.exception
    assert app.header[0].value.startswith("houses.csv")
    assert len(verdict_cards(app)) == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"data": "iris"}, "no such built-in data set"),
        ({"data": "noisy_line", "l2": "-1"}, "from 0 to 2"),
        ({"data": "noisy_line", "batch": "0"}, "whole number from 1"),
        ({"data": "noisy_line", "scale": "maybe"}, "true or false"),
        ({"data": "noisy_line", "epochs": "0"}, "from 0.1 to 1000"),
    ],
)
def test_bad_data_link_values_get_a_message_and_defaults(query, message):
    app = open_app(**query)
    assert not app.exception
    assert any(message in w.value for w in app.warning)
    assert len(verdict_cards(app)) == 3


def _dataset(name):
    from gdviz.datasets import get_dataset

    return get_dataset(name)


def test_an_epoch_budget_gives_each_variant_the_same_passes_over_the_data():
    """epochs=3: batch makes 3 updates, mini-batch 21 (⌈200/32⌉ per epoch), SGD 600."""
    app = open_app(data="noisy_line", epochs="3")
    assert not app.exception
    cards = verdict_cards(app)
    assert "3 updates = 3 epochs" in cards[0]
    assert "21 updates = 3 epochs" in cards[1]
    assert "600 updates = 3 epochs" in cards[2]
    assert any("3 epochs for each variant" in c.value for c in app.caption)


def test_the_stability_bound_of_a_typed_function_is_placed_at_rounded_coordinates():
    """Its good run ends within gtol of the minimum; the caption says (0, 0), not (4.9e-07, 1.7e-45)
    — and it is the global minimum, found numerically."""
    lesson = build_lesson(Settings(function="x^2 + 10y^2"))
    assert lesson.stability.where == "the global minimum (0, 0)"
    assert lesson.stability.bound == pytest.approx(0.1)
