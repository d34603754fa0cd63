"""Playback: frames that grow each path (or move each fitted line) step by step, with play/pause
buttons and a step slider."""

from __future__ import annotations

import base64

import numpy as np

from gdviz.figures.paths import _DrawnPath
from gdviz.figures.style import Style, _to_float32, _typed_array

MAX_FRAMES = 60
"""Most playback frames; the steps shown are sampled, densely at the start."""


def _frame_steps(longest: int) -> np.ndarray:
    """At most MAX_FRAMES steps from 1 to ``longest``: half even, half geometric (the first
    steps, where a rate shows what it does, are seen one by one)."""
    half = MAX_FRAMES // 2
    even = np.linspace(1, longest, half)
    early = np.geomspace(1, longest, MAX_FRAMES - half)
    return np.unique(np.concatenate([even, early]).round().astype(np.intp))


def _playback(
    layout: dict,
    traces: list[dict],
    drawn: list[_DrawnPath],
    animated: list[list[int]],
    style: Style,
    base: float = 0.0,
    parked: tuple[float, float] = (0.0, 0.0),
) -> list[dict]:
    """Frames carrying only each run's moving traces, with play/pause buttons and a step slider.

    ``animated[i]`` lists run i's trace indices in ``traces``: its path first, then the traces
    that mark its end (the verdict marker, a diverged run's flight to the border). A frame
    shows a prefix of each drawn (thinned) path, so the hover data of the full trace still
    matches every point shown; the end marks appear, whole, from the step the run ends on.
    Before that they are parked at ``parked``, a point far outside the axes' range: a trace
    emptied by a frame is not removed by plotly.js's frame-by-frame redraw (plotly.js#3931),
    a point outside the axes is clipped.
    """
    longest = max(int(d.indices[-1]) for d in drawn)
    if longest < 2:
        return []
    steps = _frame_steps(longest)
    indices = [index for run_traces in animated for index in run_traces]
    # Encoded once: each frame shows a prefix of a path (how many points, for every frame at
    # once), and each end mark in one of two places (where the run ended, or parked until it
    # has).
    paths = [
        (_Prefixes(_to_float32(d.points[:, 0])), _Prefixes(_to_float32(d.points[:, 1])))
        for d in drawn
    ]
    shown = [np.searchsorted(d.indices, steps, side="right").tolist() for d in drawn]
    last = [int(d.indices[-1]) for d in drawn]
    marks = {}
    for _, *ends in animated:
        for index in ends:
            x, y = traces[index]["x"], traces[index]["y"]
            marks[index] = (
                {"type": "scatter", "x": _typed_array(x), "y": _typed_array(y)},
                {
                    "type": "scatter",
                    "x": _typed_array([parked[0]] * len(x)),
                    "y": _typed_array([parked[1]] * len(y)),
                },
            )
    frames = []
    for frame, step in enumerate(steps.tolist()):
        data = []
        for run, ((xs, ys), (_, *ends)) in enumerate(zip(paths, animated, strict=True)):
            points = shown[run][frame]
            data.append({"type": "scatter", "x": xs.spec(points), "y": ys.spec(points)})
            reached = step >= last[run]
            data.extend(marks[index][0 if reached else 1] for index in ends)
        frames.append({"data": data, "traces": indices, "name": str(step)})
    _playback_controls(layout, steps, style, base)
    return frames


class _Prefixes:
    """A float32 array's prefixes as plotly.js's typed-array specs, the array encoded once.

    Base64 writes each 3 bytes as 4 characters, on their own: the first n values' encoding is
    the whole array's up to the last full group of their 4n bytes, and then their last one or
    two bytes encoded alone. Sixty frames of three paths encoded each prefix afresh (180
    small encodings a figure)."""

    def __init__(self, values: np.ndarray) -> None:
        self._bytes = values.astype(np.float32, copy=False).tobytes()
        self._text = base64.b64encode(self._bytes).decode("ascii")

    def spec(self, count: int) -> dict[str, str]:
        """The typed-array spec of the first ``count`` values (``_float32_spec`` of them)."""
        size = 4 * count
        whole = size - size % 3
        tail = base64.b64encode(self._bytes[whole:size]).decode("ascii")
        return {"dtype": "f4", "bdata": self._text[: whole // 3 * 4] + tail}


def _playback_controls(layout: dict, steps: np.ndarray, style: Style, base: float = 0.0) -> None:
    """Play/pause buttons and a step slider under the plot, animating the frames named by step."""
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    play = {
        "frame": {"duration": 90, "redraw": False},
        "transition": {"duration": 0},
        "fromcurrent": True,
        "mode": "immediate",
    }
    button_font = {"size": style.font}
    layout["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "x": 0.0,
            "y": base,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": round(2.2 * style.font) + 34, "r": 10},
            "showactive": False,
            "font": button_font,
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play]},
                {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
            ],
        }
    ]
    layout["sliders"] = [
        {
            "active": len(steps) - 1,
            "x": 0.0,
            "y": base,
            "len": 1.0,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": round(2.2 * style.font) + 18, "l": round(9.5 * style.font) + 20},
            "currentvalue": {
                "prefix": "step ",
                "font": {"size": style.font, "color": "#2a3f5f"},
                "xanchor": "right",
                "offset": 6,
            },
            "ticklen": 0,
            "minorticklen": 0,
            # The current value names the step: the step labels are hidden, and tiny so
            # they add no height under the rail.
            "font": {"color": "rgba(0,0,0,0)", "size": 1},
            "steps": [
                {"label": str(int(step)), "method": "animate", "args": [[str(int(step))], still]}
                for step in steps
            ],
        }
    ]
