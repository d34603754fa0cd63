"""Every control works: the sidebar's buttons, sliders, tabs and pickers through AppTest, and
the settings that travel in a link (issue 12)."""

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gdviz.datasets import read_csv

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


HOSTILE = "[Log in to keep your work](https://example.com/login) ![t](https://example.com/t.png) *now* _x_"


def shown_as_text(value):
    """Every Markdown character escaped, and no bare URL left to autolink."""
    unescaped = [c for i, c in enumerate(value) if c in "[]!*_`<>" and value[i - 1 : i] != "\\"]
    return not unescaped and "https://" not in value


@pytest.mark.parametrize("parameter", ["surface", "opt", "data", "lr", "f"])
def test_a_link_cannot_put_links_images_or_emphasis_on_the_page(parameter):
    """The link's own warning shows the hostile value as typed."""
    app = open_app(**{parameter: HOSTILE})
    assert not app.exception
    warnings = [w.value for w in app.warning]
    assert any("Log in" in w for w in warnings)
    assert all(shown_as_text(w) for w in warnings)


def test_typed_text_and_upload_names_and_headers_are_shown_as_text():
    """Errors about typed text, the last good function, an upload's name and columns: text."""
    app = open_app()
    app.text_input(key="f").input("x*y").run()
    app.text_input(key="f").input("x*y + [a](https://example.com)").run()
    assert all(shown_as_text(e.value) for e in app.error)
    assert any("x\\*y" in c.value for c in app.caption)  # 'Still showing … x*y', not emphasis
    app = open_app(data="noisy_line")
    app.session_state["_upload"] = read_csv(
        f"{HOSTILE},<a href='https://example.com'>y</a>\n1,2.1\n2,3.9\n3,6.2\n".encode(),
        "**big**_[x](https://example.com).csv",
    )
    app.run()
    app.selectbox(key="data").select("upload").run()
    assert not app.exception
    assert shown_as_text(app.header[0].value)
    assert app.header[0].value.startswith("\\*\\*big\\*\\*")
    assert all(shown_as_text(m.value) for m in app.markdown if "Uploaded" in m.value)
    dataset = app.session_state["_upload"]
    assert "<" not in dataset.target_name  # Plotly would read <a href> in an axis title
    assert len(dataset.feature_names[0]) <= 60
