"""Where the 3-D view's camera stands, chosen from the landscape, and the box that fills the tab.

The camera looks along the valley: the flattest direction of the Hessian at the lowest point
(the first listed global minimum in the view, else the grid's lowest point). A run that
zig-zags across a valley then steps left and right on screen, climbing the walls as it
diverges, instead of stepping towards the camera (bars seen end-on).

Plotly draws the scene as a box of sides ``aspectratio`` centred on 0, seen through a
perspective camera with a 45° vertical field of view; the eye and its look-at ``center`` are
in the box's units. :func:`scene_camera` projects the drawn surface the same way and picks
the box's stretch across the view and the eye's distance so the surface fills the plot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.figures.grid import Grid, Landscape

ELEVATIONS = tuple(math.radians(degrees) for degrees in (38, 32, 26))
"""How far above the horizon the eye is, the first that lets the surface fill the width: high
enough to see a valley's floor past its walls, low enough that steps across the valley read
left-right and f reads as height. A lower eye sees a shallower box: it helps a view along a
diagonal valley fill a wide plot."""

FILL = 0.9
"""The share of the plot's width (or height, whichever binds first) the surface is fitted to:
the rest holds the axis labels."""

_FOVY = math.pi / 4  # plotly.js's gl3d camera
_ROUND = 1.5  # curvature ratio below which a minimum has no valley to look along
_DEFAULT = (1 / math.sqrt(2), 1 / math.sqrt(2))  # a round bowl: from the south-west


@dataclass(frozen=True)
class SceneView:
    """A scene's box sides and camera, in Plotly's terms."""

    aspect: tuple[float, float, float]
    eye: tuple[float, float, float]
    center: tuple[float, float, float]

    def layout(self) -> dict[str, Any]:
        """The ``scene`` keys Plotly reads: ``aspectratio`` and ``camera``."""
        x, y, z = self.aspect
        return {
            "aspectmode": "manual",
            "aspectratio": {"x": x, "y": y, "z": z},
            "camera": {
                "eye": dict(zip("xyz", self.eye, strict=True)),
                "center": dict(zip("xyz", self.center, strict=True)),
                "up": {"x": 0, "y": 0, "z": 1},
            },
        }


def valley_direction(landscape: Landscape, grid: Grid) -> tuple[float, float]:
    """The unit direction, in the view scaled to a unit square, along which f is flattest at
    the lowest point: the eigenvector of D H D with the smallest |λ| (D = diag(width, height)
    of the view, so a valley is measured as drawn). Signed so the eye, standing at −direction,
    is south-west of the centre; a nearly round minimum, or an H that is not finite, gives
    the south-west diagonal."""
    (x_low, x_high), (y_low, y_high) = landscape.view
    inside = [
        p
        for p in landscape.minima
        if p.kind == "global" and x_low <= p.x <= x_high and y_low <= p.y <= y_high
    ]
    if inside:
        x, y = inside[0].x, inside[0].y
    else:
        row, column = np.unravel_index(int(np.argmin(grid.f)), grid.f.shape)
        x, y = float(grid.x[column]), float(grid.y[row])
    with np.errstate(all="ignore"):
        hessian = np.asarray(landscape.objective.hessian(x, y), dtype=np.float64).reshape(2, 2)
    scale = np.diag([x_high - x_low, y_high - y_low])
    scaled = scale @ hessian @ scale
    if not np.isfinite(scaled).all():
        return _DEFAULT
    values, vectors = np.linalg.eigh((scaled + scaled.T) / 2)
    flat, steep = sorted(np.abs(values))
    if steep < _ROUND * flat or steep == 0:
        return _DEFAULT
    direction = vectors[:, int(np.argmin(np.abs(values)))]
    if direction[0] + direction[1] < 0:
        direction = -direction
    return float(direction[0]), float(direction[1])


def scene_camera(
    surface: np.ndarray,
    direction: tuple[float, float],
    plot_aspect: float,
    z_side: float = 0.55,
) -> SceneView:
    """The box and camera that show ``surface`` (points (n, 3), each coordinate scaled to
    [−½, ½]) looking along ``direction``, filling ``FILL`` of a plot ``plot_aspect`` =
    width / height wide.

    The box's side across the view is stretched (by k from 1 to 4, the least that lets the width
    bind before the height; from the highest of ``ELEVATIONS`` that allows it), then the eye is
    brought as close as the fit allows and the look-at point moved so the surface is centred.
    Where nothing fills the width, the widest fit.
    """
    dx, dy = direction
    across = np.array([-dy, dx])
    best, best_width = None, -1.0
    for elevation in ELEVATIONS:
        for k in np.linspace(1.0, 4.0, 13):
            stretch = 1 + (k - 1) * across**2
            aspect = (round(float(stretch[0]), 4), round(float(stretch[1]), 4), z_side)
            points = surface * np.array(aspect)
            eye, center, width = _fit(points, _look(direction, aspect, elevation), plot_aspect)
            view = SceneView(aspect, _rounded(eye), _rounded(center))
            if width >= FILL - 1e-3:
                return view
            if width > best_width:
                best, best_width = view, width
    assert best is not None
    return best


def _look(
    direction: tuple[float, float], aspect: tuple[float, float, float], elevation: float
) -> np.ndarray:
    """The unit vector from the eye to the look-at point, in box units: along ``direction``
    (in the unit-square view, so scaled by the box's sides), ``elevation`` downwards."""
    flat = np.array([direction[0] * aspect[0], direction[1] * aspect[1]])
    flat *= math.cos(elevation) / max(float(np.hypot(*flat)), 1e-12)
    return np.array([flat[0], flat[1], -math.sin(elevation)])


def _rounded(vector: np.ndarray) -> tuple[float, float, float]:
    x, y, z = (round(float(v), 4) for v in vector)
    return x, y, z


def _fit(
    points: np.ndarray, forward: np.ndarray, plot_aspect: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """The closest eye along −``forward`` at which the projected points fit in ``FILL`` of
    the width and height, with the look-at point moved to centre them; and the width share
    they then cover."""
    center = np.zeros(3)
    distance = 2.0
    for _ in range(4):
        # The eye at center − d·forward sees point p at depth (p − center)·forward + d, and
        # across and up as from the centre (forward is square to both): the products once,
        # not for every d tried.
        relative = points - center
        along = relative @ forward
        across, upward = (relative @ axis for axis in _screen_axes(forward))
        low, high = 0.3, 8.0
        for _ in range(25):  # the covered shares shrink as the eye backs away
            middle = (low + high) / 2
            scale = math.tan(_FOVY / 2) * np.maximum(along + middle, 1e-6)
            x, y = across / (scale * plot_aspect), upward / scale
            if max(x.max() - x.min(), y.max() - y.min()) / 2 > FILL:
                low = middle
            else:
                high = middle
        distance = high
        eye = center - distance * forward
        left, bottom, right, top = _projected_box(points, eye, center, plot_aspect)
        # Move the look-at point by the off-centre share, at the depth of the scene's middle.
        right_axis, up_axis = _screen_axes(forward)
        half_height = distance * math.tan(_FOVY / 2)
        center = (
            center
            + right_axis * (left + right) / 2 * half_height * plot_aspect
            + up_axis * (bottom + top) / 2 * half_height
        )
    eye = center - distance * forward
    box = _projected_box(points, eye, center, plot_aspect)
    return eye, center, (box[2] - box[0]) / 2


def _screen_axes(forward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The screen's right and up, for an eye looking along ``forward`` with z up:
    right = forward × ẑ / ‖·‖ and up = right × forward, written out (``np.cross`` of two
    3-vectors and ``np.linalg.norm`` cost 35 µs: most of fitting the camera, which tries
    thousands of eyes)."""
    fx, fy, fz = forward.tolist()
    length = math.sqrt(fy * fy + fx * fx)
    rx, ry = fy / length, -fx / length
    return np.array([rx, ry, 0.0]), np.array([ry * fz, -rx * fz, rx * fy - ry * fx])


def _projected_box(
    points: np.ndarray, eye: np.ndarray, center: np.ndarray, plot_aspect: float
) -> tuple[float, float, float, float]:
    """The points' bounding box on screen, in normalised device units (−1 … 1 each way)."""
    forward = center - eye
    forward = forward / math.sqrt(forward @ forward)
    right, up = _screen_axes(forward)
    relative = points - eye
    depth = np.maximum(relative @ forward, 1e-6)
    scale = math.tan(_FOVY / 2) * depth
    x = relative @ right / (scale * plot_aspect)
    y = relative @ up / scale
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())
