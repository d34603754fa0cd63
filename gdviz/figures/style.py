"""How every figure looks: run colours, the landscape's colour ramp, marker symbols, sizes for a
laptop or a projector, and the float32 wire format."""

from __future__ import annotations

import base64
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
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


def web_figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """``go.Figure`` of trace dicts (not validated again), each trace's arrays as plain lists.

    plotly.py sends NumPy arrays as typed arrays ({"dtype", "bdata"}), which plotly.js decodes
    afresh each time it is handed the figure, so ``Plotly.react`` takes them for new data and
    redraws the whole chart: Streamlit hands every chart over twice (see :mod:`gdviz.ui.chart`).
    Lists it can compare. The playback frames keep the compact typed arrays: ``Plotly.react``
    does not compare frames. Non-finite numbers become ``null`` in the JSON, a gap, as before.
    """
    # Built with the arrays, which plotly.py's copy of every trace takes at memcpy speed (a
    # list, element by element: a third of building the panels), and made lists after, in the
    # figure's own copy.
    figure = (
        go.Figure(data=data, layout=layout, _validate=False)
        if not frames
        else PlaybackFigure.with_frames(data, layout, frames)
    )
    for trace in figure._data:
        _lists_in_place(trace)
    return figure


class PlaybackFigure(go.Figure):
    """A figure with playback frames, which plotly.py checks only when they are asked for.

    Passing frames to ``go.Figure`` checks every trace of every frame again (``_validate``
    does not reach them): 35 ms of the 43 ms a new set of panels took to build, on every
    rate a teacher tries. The frames here are already the dicts plotly.js takes, built by
    :mod:`gdviz.figures.playback`, so ``to_dict`` (what ``st.plotly_chart``, ``to_json`` and
    ``show`` serialise) hands them over as they are; ``figure.frames`` (a notebook, a test)
    checks them then, once, and gives plotly.py's Frame objects as for any figure.
    """

    @classmethod
    def with_frames(cls, data: list[dict], layout: dict, frames: list[dict]) -> PlaybackFigure:
        """The figure of ``data`` and ``layout`` (not checked again), ``frames`` unchecked."""
        figure = cls(data=data, layout=layout, _validate=False)
        figure.__dict__["_pending_frames"] = frames
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
        pending = self.__dict__.get("_pending_frames")
        if pending is None:
            return super().to_dict()  # type: ignore[no-any-return]
        # plotly.py's own to_dict, with the frames as built instead of checked first.
        figure = {"data": deepcopy(self._data), "layout": deepcopy(self._layout)}
        figure["frames"] = deepcopy(pending)
        convert_to_base64(figure)
        return figure


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
