"""Every Plotly chart of the page goes through :func:`show_chart`, so that it is drawn once.

Streamlit mounts a new chart whenever a figure's spec changes (its element id hashes the spec:
``key_as_main_identity=False`` in ``st.plotly_chart``). Just after mounting, it hands plotly.js
the figure a second time: a deep copy (its theme is re-applied with
``JSON.parse(JSON.stringify(...))``), at the container's exact width, with the selection's click
mode. ``Plotly.react`` then redraws the whole chart if anything in the copy looks new, and each
of these did:

* **NumPy arrays**, which plotly.py sends as base64 typed arrays, decoded afresh on every call,
  so always new data: the figures carry lists instead (:func:`gdviz.figures.style.web_figure`),
  and a fixed ``layout.datarevision`` tells Plotly the deep copy's lists are the same data. A
  mounted chart never gets new data (new data is a new spec, so a new mount;
  ``tests/test_app.py`` checks that against the Streamlit we pin).
* **The template**, compared by identity: the figure carries none (``theme=None``; every
  colour, font and margin is set by :mod:`gdviz.figures`).
* **The width**, rounded to 16 px by the page-size component: left to Streamlit, which fills the
  container exactly (a few pixels wider: the panels' proportions change by under 1 %).
* **The click mode** that ``on_select`` sets: set here first.

Measured in headless chromium on the default lesson at 1600 × 1000: the second ``Plotly.react``
took 400–800 ms (a full redraw), now about 120 ms (a diff that finds nothing to draw).

On the server, a figure every session shows (a cached one, :class:`SharedFigure`) is turned
into its dict and its JSON once, not at every rerun of every session. ``st.plotly_chart`` takes
the figure's dict (``to_dict``) and writes it with ``plotly.io.to_json``; the dict a shared
figure gives is a :class:`_Spec`, which keeps its JSON, and :func:`_spec_json`, put in place of
``plotly.io.to_json`` when this module is imported, hands that back (any other figure or dict
goes to plotly's own function). A class of forty on one link: the 385 kB spec of the default
panels was encoded (orjson, then plotly's escaping of ``<``, ``>`` and ``/``) 11 % of a rerun's
server time.

That JSON is orjson's own (:func:`_json_text`), without plotly's escaping: the escapes are for
JSON pasted into an HTML page, and Streamlit sends the spec in a message the page reads with
``JSON.parse``. Escaping took three quarters of the writing (2.3 → 0.6 ms for a data lesson's
panels) and made the message 5-17 % longer (base64 has a ``/`` in every 64 characters, each sent
as ``\u002f``). ``tests/test_app.py`` checks that Streamlit still reaches the kept JSON, and that
it parses to what plotly's own writes.
"""

from __future__ import annotations

from typing import Any

import orjson
import plotly.io
import streamlit as st

from gdviz.figures.style import WebFigure

__all__ = ["DATA_REVISION", "MODEBAR_REMOVED", "SharedFigure", "shared", "show_chart"]

MODEBAR_REMOVED = ("zoomIn2d", "zoomOut2d", "autoScale2d")
"""Plotly's toolbar buttons not shown: box zoom, pan and the home button (reset axes) do their
work. Shown on hover at the chart's top right, its eight buttons (224 px) covered the third
panel's title at a projector's 1280 px; five (152 px) stay clear of it."""

DATA_REVISION = "spec"
"""The ``layout.datarevision`` of every chart: one value, since each spec is its own mount."""


def show_chart(figure: WebFigure, *, key: str, container: Any = None, **options: Any) -> Any:
    """``st.plotly_chart(figure, key=key, width="stretch", theme=None, ...)`` in ``container``
    (or the current one), with Plotly's logo and MODEBAR_REMOVED hidden, prepared as above to
    be drawn once. ``figure`` is a :class:`WebFigure`, as every builder of
    :mod:`gdviz.figures` makes; it is shown as a :class:`SharedFigure` (:func:`shared`), since
    nothing changes a figure once it is shown: a figure built for one run is handed over
    without plotly.py's deep copy too (a 200 × 200 basin map: 21 → 3 ms)."""
    figure = shared(figure)
    _prepare(figure, clickable="on_select" in options)
    config = {
        "displaylogo": False,
        "modeBarButtonsToRemove": list(MODEBAR_REMOVED),
        **options.pop("config", {}),
    }
    where = container if container is not None else st
    return where.plotly_chart(
        figure, key=key, width="stretch", theme=None, config=config, **options
    )


def _prepare(figure: WebFigure, *, clickable: bool) -> None:
    """Set what the module's docstring lists, once: a cached figure is shared by every session
    showing it (:func:`gdviz.ui.page.landscape_figure`), and only its first showing writes to
    it, so no session changes a figure another is serialising. Set in the figure's dicts
    (plotly.py's objects of it are not made)."""
    wanted: dict[str, Any] = {}
    if figure.layout_value("datarevision") != DATA_REVISION:
        wanted |= {"template": None, "width": None, "datarevision": DATA_REVISION}
    if clickable and figure.layout_value("clickmode") != "event+select":
        wanted["clickmode"] = "event+select"
    if not wanted:
        return
    figure.set_layout(**wanted)
    figure.__dict__.pop("_shown", None)  # a SharedFigure's serialised copy is out of date


class SharedFigure(WebFigure):
    """A figure many sessions show and nobody changes once it is shown (a cached one):
    ``to_dict``, which ``st.plotly_chart`` calls to serialise it, is done once and its result
    reused. Streamlit only reads that dict, to write the chart's JSON.

    The dict holds the figure's own traces, layout and frames, not copies
    (:meth:`~gdviz.figures.style.WebFigure.spec`). plotly.py's ``to_dict`` deep-copies them (it
    hands out a dict the caller may change, and turns NumPy arrays into base64 in it): 9-10 ms
    for a new set of panels, on every change of every session. A shown shared figure is
    changed by nobody, and the figures of :mod:`gdviz.figures` carry lists, not arrays
    (``web_figure``), so the copy guarded nothing. The JSON parses to the same figure
    (``tests/test_app.py``)."""

    def to_dict(self) -> dict[str, Any]:
        shown = self.__dict__.get("_shown")
        if shown is None:
            shown = self.__dict__["_shown"] = _Spec(self.spec())
        return shown  # type: ignore[no-any-return]


class _Spec(dict[str, Any]):
    """A shared figure's dict, which keeps its JSON once written (see the module's docstring)."""

    json: str | None = None


_plotly_to_json = plotly.io.to_json


def _spec_json(figure: Any, *args: Any, **kwargs: Any) -> str:
    """``plotly.io.to_json``, which gives a :class:`_Spec`'s JSON once made (what Streamlit asks
    for: ``validate=False``, no other option); anything else is plotly's to write."""
    if isinstance(figure, _Spec) and not args and kwargs == {"validate": False}:
        if figure.json is None:  # two sessions at once may both write it: the same text
            figure.json = _json_text(dict(figure))
        return figure.json
    return _plotly_to_json(figure, *args, **kwargs)


def _json_text(spec: dict[str, Any]) -> str:
    """A figure's dict as JSON for ``JSON.parse``: orjson's text, which parses to what plotly's
    own ``to_json`` writes (it runs orjson too, then escapes what HTML would misread; see the
    module's docstring). A dict orjson does not take goes to plotly, which cleans it first."""
    try:
        return orjson.dumps(spec, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return _plotly_to_json(spec, validate=False)


plotly.io.to_json = _spec_json


def shared(figure: WebFigure) -> SharedFigure:
    """``figure`` itself, made a :class:`SharedFigure` in place: ``SharedFigure(figure)`` would
    copy it, and a copy re-validates every trace (135 ms for the default panels, more than
    building them)."""
    figure.__class__ = SharedFigure
    return figure  # type: ignore[return-value]
