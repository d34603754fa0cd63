"""Every control works: the sidebar's buttons, sliders, tabs and pickers through AppTest, and
the settings that travel in a link (issue 12)."""

import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def open_app(**query):
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def verdict_cards(app):
    return [m.value for m in app.markdown if "border-left" in m.value]


def query(app, key):
    value = app.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_random_start_moves_the_start_without_an_exception():
    """🎲 sets x₀ and y₀ inside the surface's view (it used to raise
    StreamlitWidgetAlreadyInstantiatedError), on a surface and on a data lesson."""
    for page in ({}, {"data": "noisy_line"}):
        app = open_app(**page)
        app.button(key="random_start").click().run()
        assert not app.exception
        x0, y0 = app.number_input(key="x0").value, app.number_input(key="y0").value
        assert x0 is not None
        assert y0 is not None
        assert any(f"Start ({x0:.4g}, {y0:.4g})" in c.value for c in app.caption)


def test_rate_sliders_keep_their_key_when_the_rate_moves():
    """The key names the panel, not the rate, so the browser keeps the focus on the slider."""
    app = open_app()
    assert [s.key for s in app.select_slider] == ["lr_slider_0", "lr_slider_1", "lr_slider_2"]
    app.select_slider(key="lr_slider_1").set_value(0.05).run()
    assert app.select_slider(key="lr_slider_1").value == 0.05
    app.text_input(key="lr").input("0.002, 0.02, 0.041").run()  # the box moves the slider too
    assert app.select_slider(key="lr_slider_1").value == 0.02
    assert "diverged" not in verdict_cards(app)[1]


def test_the_toolbar_is_hidden_from_viewers():
    """No Deploy button or developer menu on a projector."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"


def test_the_tab_in_a_link_opens_it():
    """?tab=The%20math opens the math tab (hidden tabs are not drawn)."""
    app = open_app(tab="The math")
    assert not app.exception
    assert any("(1 − lr·λ)" in m.value for m in app.markdown)
    assert not list(app.get("plotly_chart"))
    app = open_app()
    assert not any("(1 − lr·λ)" in m.value for m in app.markdown)
