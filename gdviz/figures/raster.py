"""The landscape under the 2-D panels as a picture: filled contour bands with their lines, drawn
in NumPy and sent as a small palette PNG (a Plotly layout image).

Why not a Plotly ``contour`` trace: playback animates the path traces with ``redraw: false``
(a full redraw of three contour panels took about 0.7 s a frame), and a partial redraw makes
plotly.js remove every trace layer of a subplot that the frame does not carry — the contour fills
vanished on ▶ Play and on the first click of the step slider (plotly/plotly.js#4491,
plotly/plotly.py#2151). Layout images sit outside the trace layers, so they stay; and the browser
no longer traces contours at all on a redraw.

The picture is the same as the contour trace's: ``CONTOUR_LEVELS`` levels equally spaced on the
colour scale (log-coloured where the grid is), each band filled with the ramp's colour at its
middle, the level lines lighter.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import numpy as np

from gdviz.engine import View
from gdviz.figures.grid import Grid, Landscape, _cached_grid, _contour_levels
from gdviz.figures.style import LANDSCAPE_SCALE
from gdviz.memo import shared_cache

IMAGE_PIXELS = 640
"""Pixels along the picture's longer side: about a projector panel's width, so bands are smooth
without making the page heavy (three panels' pictures are about 60 KB each)."""

LINE_WHITENESS = 0.55
"""How far a level line is blended towards white (Plotly's contour lines: white at 0.8 opacity,
half a pixel wide)."""


def _ramp(positions: np.ndarray) -> np.ndarray:
    """RGB (0–255) of the landscape ramp at positions in [0, 1], interpolated linearly."""
    stops = np.array([float(str(stop)) for stop, _ in LANDSCAPE_SCALE])
    rgb = np.array([[int(str(c)[i : i + 2], 16) for i in (1, 3, 5)] for _, c in LANDSCAPE_SCALE])
    return np.stack([np.interp(positions, stops, rgb[:, k]) for k in range(3)], axis=1)


def _resample(values: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Bilinear resampling of a grid onto ``rows`` × ``columns`` points spanning the same box."""

    def axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
        position = np.linspace(0.0, n_in - 1.0, n_out)
        index = np.minimum(position.astype(np.intp), max(n_in - 2, 0))
        return index, position - index

    i, s = axis(values.shape[0], rows)
    j, t = axis(values.shape[1], columns)
    nxt_i = np.minimum(i + 1, values.shape[0] - 1)
    nxt_j = np.minimum(j + 1, values.shape[1] - 1)
    across = values[:, j] * (1 - t) + values[:, nxt_j] * t
    return across[i] * (1 - s[:, None]) + across[nxt_i] * s[:, None]


def _png(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """An 8-bit palette PNG of ``indices`` (rows from the top), written with zlib only."""
    height, width = indices.shape
    raw = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0 (none) per row
    raw[:, 1:] = indices

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"PLTE", palette.astype(np.uint8).tobytes()),
            chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)),
            chunk(b"IEND", b""),
        ]
    )


def contour_picture(grid: Grid, columns: int, rows: int) -> bytes:
    """The filled contours of ``grid`` as a PNG of ``columns`` × ``rows`` pixels.

    Level k sits at start + k·size on the colour scale (as the contour trace's levels); band b
    holds the values between levels b − 1 and b and is filled with the ramp at its middle; a
    pixel whose right or lower neighbour lies in another band draws the level line.
    """
    low, high = grid.colour_range
    levels = _contour_levels(grid)
    start, size = levels["start"], levels["size"]
    count = int(np.floor((levels["end"] - start) / size + 1e-9)) + 1
    values = _resample(np.asarray(grid.colour, dtype=np.float64), rows, columns)[::-1]
    band = np.clip(np.floor((values - start) / size).astype(np.intp) + 1, 0, count)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, :-1] |= band[:, :-1] != band[:, 1:]
    edge[:-1, :] |= band[:-1, :] != band[1:, :]
    middles = np.clip(start + (np.arange(count + 1) - 0.5) * size, low, high)
    fill = _ramp((middles - low) / (high - low) if high > low else np.zeros(count + 1))
    line = fill + LINE_WHITENESS * (255.0 - fill)
    palette = np.rint(np.concatenate([fill, line])).astype(np.uint8)
    return _png((band + edge * (count + 1)).astype(np.uint8), palette)


@shared_cache(maxsize=32)
def _cached_picture(objective: Any, view: View, n: int, f_star: float | None) -> str:
    grid = _cached_grid(objective, view, n, f_star)
    (x_low, x_high), (y_low, y_high) = view
    aspect = (y_high - y_low) / (x_high - x_low)
    aspect = aspect if 1 / 3 <= aspect <= 3 else 1.0  # stretched panels get a square picture
    columns = IMAGE_PIXELS if aspect <= 1 else round(IMAGE_PIXELS / aspect)
    rows = round(IMAGE_PIXELS * aspect) if aspect <= 1 else IMAGE_PIXELS
    png = contour_picture(grid, columns, rows)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def landscape_picture(landscape: Landscape, n: int) -> str:
    """The landscape's filled contours (from its n × n grid) as a PNG data URI, cached."""
    known = [p.f for p in landscape.minima]
    objective: Any = landscape.objective
    return _cached_picture(objective, landscape.view, n, min(known) if known else None)


def picture_layout(source: str, view: View, suffix: str) -> dict:
    """A layout image stretched over panel ``suffix``'s view, under its traces."""
    (x_low, x_high), (y_low, y_high) = view
    return {
        "source": source,
        "xref": f"x{suffix}",
        "yref": f"y{suffix}",
        "x": x_low,
        "y": y_high,
        "sizex": x_high - x_low,
        "sizey": y_high - y_low,
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
        "name": "landscape",
    }
