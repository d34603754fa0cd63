"""How every figure looks: run colours, the landscape's colour ramp, marker symbols, sizes for a
laptop or a projector, and the float32 wire format."""

from __future__ import annotations

import base64
import functools
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io
from _plotly_utils.utils import convert_to_base64

RUN_COLORS = (
    "#0072B2",  # blue
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
"""Okabe–Ito colours, in the order runs get them (slow blue, good green, diverging vermillion)."""


LANDSCAPE_SCALE = [
    [0.0, "#f5fcfc"],  # near white, a hint of cyan: the bottom
    [0.25, "#d6efe0"],  # pale mint
    [0.6, "#b9d3a6"],  # sage
    [1.0, "#a39f8c"],  # warm grey: the top
]
"""The landscape's colour ramp, the same in 2-D and 3-D: light and perceptually ordered (CIELAB
lightness falls from 98.5 at the bottom to 65 at the top, enough range for the basins to show
on a washed-out projector) while the hue turns cyan → mint → sage → warm grey. Its colours are
chosen away from every run colour: each of the first six Okabe–Ito colours differs from every
colour of the ramp by CIE ΔE2000 ≥ 21 (the grey ramp it replaces reached 15.7 against blue),
tested in ``tests/test_figures.py``."""

_MARKS = {
    # kind: (label, 2-D symbol, 3-D symbol, fill)
    "global": ("global minimum", "star", "diamond", "#F0E442"),
    "local": ("local minimum", "diamond", "diamond", "#E69F00"),
    "saddle": ("saddle point", "x-thin", "cross", "#000000"),
}
_ENDS = {
    # status: (2-D symbol, 3-D symbol, glyph written next to the end point)
    "converged": ("circle", "circle", "✓"),
    "stationary": ("triangle-up", "diamond-open", "⚠"),  # converged, but not at a minimum
    "max_steps": ("square", "square", "…"),
    "diverged": ("x", "x", "✗"),
}


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _to_float32(values: Any) -> np.ndarray:
    """float64 → float32 for the browser, clipped into float32's range: a loss of 1e46 (a
    steep landscape far from its minimum) must arrive as a large finite number, not inf."""
    # np.clip, written out: its Python wrapper was most of the time on playback's small arrays
    clipped = np.minimum(
        np.maximum(np.asarray(values, dtype=np.float64), -_FLOAT32_MAX), _FLOAT32_MAX
    )
    return clipped.astype(np.float32)


def _typed_array(values: Any) -> dict[str, str]:
    """A 1-D array as plotly.js's typed-array spec {"dtype": "f4", "bdata": base64}, clipped
    like ``_to_float32``.

    Playback frames hold hundreds of small arrays; Plotly checks and encodes each ndarray it is
    given one by one (about 0.1 ms each, most of a rerun's figure time), but passes this spec,
    its own wire format, straight through.
    """
    return _float32_spec(_to_float32(values))


def _float32_spec(values: np.ndarray) -> dict[str, str]:
    """A float32 array (made already) as plotly.js's typed-array spec."""
    return {"dtype": "f4", "bdata": base64.b64encode(values.tobytes()).decode("ascii")}


def web_figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> WebFigure:
    """The figure of trace dicts ``data``, ``layout`` and playback ``frames``, each already the
    dict plotly.js takes (not validated again); each trace's arrays made plain lists, in place.

    plotly.py sends NumPy arrays as typed arrays ({"dtype", "bdata"}), which plotly.js decodes
    afresh each time it is handed the figure, so ``Plotly.react`` takes them for new data and
    redraws the whole chart: Streamlit hands every chart over twice (see :mod:`gdviz.ui.chart`).
    Lists it can compare. The playback frames keep the compact typed arrays: ``Plotly.react``
    does not compare frames. Non-finite numbers become ``null`` in the JSON, a gap, as before.
    """
    for trace in data:
        _lists_in_place(trace)
        _drop_unset(trace)
    _drop_unset(layout)
    return WebFigure.of(data, layout, frames or None)


class WebFigure(go.Figure):
    """A figure kept as the dicts plotly.js takes until plotly.py's own objects are asked for.

    The app only sends a figure: Streamlit asks for its dict (``to_dict``) and writes that as
    JSON. Making plotly.py's objects of the dicts (``go.Figure``, even unvalidated) deep-copies
    every trace and builds an object for each part of the layout: 4-5 ms of the 11-12 ms a new
    set of panels took, about 7 % of a class's server time. So a ``WebFigure`` holds the dicts
    themselves (``_spec``), and its dict is made of them. Anything else (``figure.data``,
    ``figure.layout``, ``update_layout``, ``show``) first makes plotly.py's objects of them, as
    ``go.Figure(data, layout, _validate=False)`` would (``__getattr__``: every part of a
    plotly.py figure is an attribute of the instance, missing until then), and the figure is an
    ordinary one from then on.

    The playback frames are checked only when ``figure.frames`` is asked for: passing frames to
    ``go.Figure`` checks every trace of every frame again (``_validate`` does not reach them),
    35 ms of the 43 ms a new set of panels took to build. ``to_dict`` hands them over as built.

    Both give what plotly.py's figure gives: the same dict (key order aside), with plotly's
    default template unless the layout's template is set to none (:meth:`set_layout`, as the
    app does). ``tests/test_figures.py`` compares them for every figure builder.
    """

    @classmethod
    def of(cls, data: list[dict], layout: dict, frames: list[dict] | None = None) -> WebFigure:
        """The figure of ``data``, ``layout`` and ``frames``, kept as they are (not copied)."""
        figure = cls.__new__(cls)
        figure.__dict__["_spec"] = (data, layout)
        if frames:
            figure.__dict__["_pending_frames"] = frames
        return figure

    def __getattr__(self, name: str) -> Any:
        # Reached only for a name the figure lacks: before plotly.py's objects are made, any of
        # them. Made once; a name still missing after that is missing.
        spec = self.__dict__.pop("_spec", None)
        if spec is None:
            raise AttributeError(name)
        data, layout = spec
        frames = self.__dict__.pop("_pending_frames", None)
        go.Figure.__init__(self, data=data, layout=layout, _validate=False)
        for key, value in layout.items():
            if value is None:  # set to none after it was made (the template: none, not plotly's)
                self.layout[key] = None
        if frames is not None:
            self.__dict__["_pending_frames"] = frames
        return getattr(self, name)

    @property
    def made(self) -> bool:
        """Whether plotly.py's objects of the figure have been made."""
        return "_spec" not in self.__dict__

    def layout_value(self, key: str) -> Any:
        """``figure.layout[key]`` (a top-level property), read from the dict while the figure
        is one."""
        if self.made:
            return self.layout[key]
        return self.__dict__["_spec"][1].get(key)

    def set_layout(self, **values: Any) -> None:
        """``figure.layout[key] = value`` for each (``None``: set to none; ``template=None``: no
        template, not plotly's default), written into the dict while the figure is one."""
        if self.made:
            for key, value in values.items():
                self.layout[key] = value
        else:
            self.__dict__["_spec"][1].update(values)

    def spec(self) -> dict[str, Any]:
        """The figure's own dicts (not copies), as plotly.js takes them: ``to_dict`` without
        its copy, for a caller that only reads them (the app's shared figures). Once
        plotly.py's objects are made and its frames checked, plotly.py's ``to_dict`` (a copy)."""
        frames = self.__dict__.get("_pending_frames")
        if self.made:
            if frames is None:
                return super().to_dict()  # type: ignore[no-any-return]
            figure: dict[str, Any] = {"data": list(self._data), "layout": self._layout}
        else:
            data, layout = self.__dict__["_spec"]
            if "template" not in layout:
                layout = {**layout, "template": _default_template()}
            figure = {"data": data, "layout": layout}
        if frames:
            figure["frames"] = frames
        return figure

    @property  # type: ignore[override]
    def _frame_objs(self) -> tuple[Any, ...]:
        pending = self.__dict__.pop("_pending_frames", None)
        if pending is not None:
            self.__dict__["_checked_frames"] = self._frames_validator.validate_coerce(pending)
        return self.__dict__.get("_checked_frames", ())  # type: ignore[no-any-return]

    @_frame_objs.setter
    def _frame_objs(self, frames: tuple[Any, ...]) -> None:
        self.__dict__.pop("_pending_frames", None)
        self.__dict__["_checked_frames"] = frames

    def to_dict(self) -> dict[str, Any]:
        if self.made and "_pending_frames" not in self.__dict__:
            return super().to_dict()  # type: ignore[no-any-return]
        # plotly.py's own to_dict (a copy the caller may change), of the dicts as built.
        figure = deepcopy(self.spec())
        convert_to_base64(figure)
        return figure


def _default_template() -> dict[str, Any]:
    """plotly.py's default template, as its figures carry it (one dict, shared: read only)."""
    return _template(plotly.io.templates.default)


@functools.lru_cache(maxsize=4)
def _template(name: str) -> dict[str, Any]:
    return plotly.io.templates[name].to_plotly_json()  # type: ignore[no-any-return]


def _drop_unset(properties: dict[str, Any]) -> None:
    """The properties set to ``None`` dropped, in place, as a plotly.py figure made of
    ``properties`` drops them (those of the dicts inside are kept, as there)."""
    for key in [key for key, value in properties.items() if value is None]:
        del properties[key]


def _lists_in_place(properties: dict[str, Any]) -> None:
    """Every array in ``properties`` (and in the dicts it holds) made a list, in place."""
    for key, value in properties.items():
        if isinstance(value, np.ndarray):
            properties[key] = value.tolist()
        elif isinstance(value, dict):
            _lists_in_place(value)


def run_color(i: int) -> str:
    """The colour of run i, the same in every figure."""
    return RUN_COLORS[i % len(RUN_COLORS)]


def run_colors(n: int) -> list[str]:
    """The colours of runs 0 … n − 1."""
    return [run_color(i) for i in range(n)]


FONT_FAMILY = '"Source Sans", "Source Sans Pro", "Source Sans 3", sans-serif'
"""Every figure's text: the page's own font (Streamlit's). The figures' geometry (the room for
the play buttons and colour-bar labels) is reckoned for its widths; plotly's default (Open Sans,
else Verdana) is wider and pushed the ▶ Play and ❚❚ Pause buttons over the step slider."""


@dataclass(frozen=True)
class Style:
    """Sizes for a laptop or, with ``projector=True``, for the back row of a classroom."""

    projector: bool = False

    @property
    def font(self) -> int:
        return 22 if self.projector else 13

    @property
    def layout_font(self) -> dict[str, Any]:
        """A figure's ``layout.font``: the size above in :data:`FONT_FAMILY`."""
        return {"size": self.font, "family": FONT_FAMILY}

    @property
    def title_font(self) -> int:
        return 24 if self.projector else 15

    @property
    def line(self) -> float:
        return 4.0 if self.projector else 2.5

    @property
    def marker(self) -> int:
        return 16 if self.projector else 11
