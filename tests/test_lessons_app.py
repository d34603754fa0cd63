"""The lesson player through Streamlit's AppTest: the Lessons box, Back / Next, the link."""

import pytest
from test_app import open_app, verdict_cards  # one way to open the app under AppTest

from gdviz.lessons import load_lessons
from gdviz.link_settings import LINK_PARAMETERS, settings_from_link

LESSONS = load_lessons().lessons

CARD_WORDS = {
    "global minimum": "global minimum in",
    "local minimum": "local minimum in",
    "too slow": "too slow: still descending",
    "oscillating": "oscillating, not settling",
    "hovering": "hovering:",
    "diverged": "diverged at step",
    "saddle": "stopped at a saddle point",
    "flat": "stalled on a flat region",
    "slope": "stuck on a slope",
}
"""How each outcome word reads on a verdict card (gdviz.figures.verdict_label)."""

CHANGED = "The settings have changed since this step opened"


def texts(app):
    return " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)


def shows_step(app, name, k):
    """The page shows step k of lesson ``name`` as its link sets it: the narration, the
    settings unchanged, and each panel's expected outcome on its verdict card."""
    step = LESSONS[name].steps[k - 1]
    assert not app.exception, app.exception
    page = texts(app)
    assert f"step {k} of {len(LESSONS[name].steps)}" in page
    assert step.narration.split(".")[0][:40] in page.replace("\\", "")
    assert CHANGED not in page, f"{name} step {k}: the page's settings are not the step's"
    shown = verdict_cards(app)
    assert len(shown) == len(step.expect), f"{name} step {k}"
    for i, (card, expected) in enumerate(zip(shown, step.expect, strict=True), start=1):
        assert CARD_WORDS[expected] in card, f"{name} step {k} panel {i}: {card}"
    assert app.query_params["lesson"] == name
    assert app.query_params["page"] == str(k)
    link = {key: app.query_params[key] for key in app.query_params if key in LINK_PARAMETERS}
    assert settings_from_link(link) == step.settings, f"{name} step {k}: the link is {link}"


def _main_order(app, narration: str) -> list[str]:
    """The narration and the charts in the main area's order, top to bottom."""
    order = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            kind = getattr(child, "type", None)
            if kind == "markdown" and narration[:30] in child.value.replace("\\", ""):
                order.append("narration")
            elif kind == "plotly_chart":
                order.append("chart")
            walk(child)

    walk(app.main)
    return order


def test_on_a_projector_the_narration_is_under_the_pictures():
    """At 1280×720 the narration above the tabs left a ravine's panels 110 px tall: on a
    projector it goes under the pictures (the heading says so), elsewhere it stays above."""
    narration = LESSONS["learning_rate"].steps[0].narration
    projector = open_app(lesson="learning_rate", big="true")
    assert _main_order(projector, narration) == ["chart", "narration"]
    assert "narration ↓" in texts(projector)
    laptop = open_app(lesson="learning_rate")
    assert _main_order(laptop, narration) == ["narration", "chart"]
    assert "narration ↓" not in texts(laptop)


def test_no_lesson_by_default():
    """The Lessons box opens at none, and the page has no narration."""
    app = open_app()
    assert app.selectbox(key="lesson").value == ""
    assert "step 1 of" not in texts(app)
    assert "lesson" not in app.query_params


def test_every_step_of_every_lesson_plays_with_next():
    """Choose each lesson in the box and press Next through it: every step loads without an
    exception, with exactly its link's settings and its expected verdicts."""
    app = open_app()
    for name, lesson in LESSONS.items():
        app.selectbox(key="lesson").select(name).run()
        shows_step(app, name, 1)
        for k in range(2, len(lesson.steps) + 1):
            app.button(key="lesson_next").click().run()
            shows_step(app, name, k)
        assert app.button(key="lesson_next").disabled


def test_back_returns_to_the_previous_step_and_its_settings():
    app = open_app()
    app.selectbox(key="lesson").select("local_global").run()
    assert app.button(key="lesson_back").disabled
    app.button(key="lesson_next").click().run()
    shows_step(app, "local_global", 2)
    app.button(key="lesson_back").click().run()
    shows_step(app, "local_global", 1)
    assert app.number_input(key="x0").value is None  # step 1 has no start of its own


def test_a_lesson_link_opens_its_page():
    """?lesson=NAME&page=K opens that step with its settings."""
    app = open_app(lesson="stopping", page="3")
    shows_step(app, "stopping", 3)
    assert app.text_input(key="lr").value == "0.05"
    assert app.query_params["ftol"] == "0.0001"


def test_a_lesson_link_that_carries_settings_keeps_them():
    """A link copied inside a lesson after a change opens the changed settings, on that page."""
    app = open_app(lesson="learning_rate", page="1", surface="ravine", lr="0.01")
    assert app.text_input(key="lr").value == "0.01"
    assert CHANGED in texts(app)
    app.button(key="lesson_again").click().run()
    shows_step(app, "learning_rate", 1)


@pytest.mark.parametrize(("query", "page"), [({"page": "99"}, 3), ({"page": "x"}, 1), ({}, 1)])
def test_a_bad_page_in_a_link_opens_a_real_one(query, page):
    app = open_app(lesson="learning_rate", **query)
    shows_step(app, "learning_rate", page)


def test_an_unknown_lesson_in_a_link_is_no_lesson():
    app = open_app(lesson="nowhere", page="2")
    assert not app.exception
    assert app.selectbox(key="lesson").value == ""
    assert "lesson" not in app.query_params


def test_changing_a_setting_says_so_and_leaving_keeps_the_settings():
    """Exploring inside a step: the page says the narration is about the step's settings.
    Leaving the lesson keeps the current settings and drops the lesson from the link."""
    app = open_app()
    app.selectbox(key="lesson").select("learning_rate").run()
    app.text_input(key="lr").set_value("0.002, 0.03").run()
    assert CHANGED in texts(app)
    assert len(verdict_cards(app)) == 2
    app.selectbox(key="lesson").select("").run()
    assert "step 1 of" not in texts(app)
    assert app.text_input(key="lr").value == "0.002, 0.03"
    assert app.selectbox(key="surface").value == "ravine"
    assert len(verdict_cards(app)) == 2
    assert "lesson" not in app.query_params
    assert "page" not in app.query_params


def test_a_step_resets_what_the_previous_step_set():
    """Settings a step does not name go back to their defaults (the stopping lesson's ftol and
    xtol do not leak into the next step)."""
    app = open_app(lesson="stopping", page="3")
    assert app.number_input(key="ftol").value == pytest.approx(1e-4)
    app.button(key="lesson_next").click().run()
    assert app.number_input(key="ftol").value == 0.0
    assert app.number_input(key="xtol").value == pytest.approx(0.01)
    app.button(key="lesson_next").click().run()
    assert app.number_input(key="xtol").value == pytest.approx(1e-12)
    assert "ftol" not in app.query_params
    assert "xtol" not in app.query_params
