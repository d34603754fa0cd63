"""Pure Plotly figure builders: data in, ``go.Figure`` out — no Streamlit.

Modules: :mod:`~gdviz.figures.style` (colours, sizes, the float32 wire format),
:mod:`~gdviz.figures.labels` (verdicts, rates, titles), :mod:`~gdviz.figures.grid` (the
landscape, f on a grid, the colour scale), :mod:`~gdviz.figures.raster` (the 2-D landscape as a
picture), :mod:`~gdviz.figures.paths` (paths as drawn),
:mod:`~gdviz.figures.playback`, and one module per figure kind: :mod:`~gdviz.figures.panels`,
:mod:`~gdviz.figures.surface3d`, :mod:`~gdviz.figures.curves`, :mod:`~gdviz.figures.data`.

The same figures serve the app, a notebook and an exported file. What to draw under the paths
is a :class:`Landscape` (objective, view window, marked points); the runs are a
:class:`~gdviz.engine.RunResult` (or several, one per optimizer):

* :func:`comparison_figure` — one 2-D contour panel per run (slow | good | diverging, or one
  per optimizer), shared axes and one colour scale, each titled with its rate and verdict,
  with play/pause and a step slider that move every panel together;
* :func:`landscape_figure` — the same picture with every run in one panel;
* :func:`surface_figure` — the landscape in 3-D with every path draped onto it;
* :func:`curves_figure` — loss gap f − f* and gradient norm |∇f| against the step;
* :func:`data_figure` — a data lesson's examples with each run's fitted line;
* :func:`schedule_figure` — a learning-rate schedule's factor against the update.

Conventions, the same in every figure:

* Run i has colour :func:`run_color` ``(i)`` (Okabe–Ito, safe for colour-blind viewers).
* Steep landscapes (Rosenbrock, Beale, Goldstein–Price) are coloured by log₁₀(f − f_min + ε),
  chosen automatically from the spread of f over the view (see :data:`LOG_COLOUR_RATIO`);
  colour-bar and 3-D axis ticks are labelled with real f values either way.
* Axis ranges always equal the view. A diverged run's path is cut where it first leaves the
  view; a ✗ marks its last point inside and an arrow shows the direction it flew off.
* Nothing non-finite reaches a figure; paths of thousands of steps are thinned by
  :func:`thin_path`, keeping their turns; grids are sized for a browser (contours 200²,
  surface 120²) and their values rounded to float32 (sent as lists: see ``web_figure``; the
  playback frames as float32 typed arrays).
* The loss curves plot f − f* on a log axis, f* being the known global minimum (or the lowest
  loss any run reached), floored at a tiny positive gap: this works for losses that are ≤ 0
  too, and shows the linear convergence of gradient descent as a straight line.
"""

from gdviz.figures.curves import MAX_CURVE_POINTS, curves_figure
from gdviz.figures.data import data_figure
from gdviz.figures.grid import (
    CONTOUR_GRID,
    CONTOUR_LEVELS,
    LOG_COLOUR_RATIO,
    SURFACE_GRID,
    Grid,
    Landscape,
    contour_grid_points,
    landscape_grid,
)
from gdviz.figures.labels import panel_title, rate_text, verdict_label
from gdviz.figures.panels import comparison_figure, landscape_figure
from gdviz.figures.paths import MAX_PATH_POINTS, thin_path
from gdviz.figures.playback import MAX_FRAMES
from gdviz.figures.schedule import MAX_SCHEDULE_POINTS, schedule_figure
from gdviz.figures.style import LANDSCAPE_SCALE, RUN_COLORS, Style, run_color, run_colors
from gdviz.figures.surface3d import surface_figure

__all__ = [
    "CONTOUR_GRID",
    "CONTOUR_LEVELS",
    "LANDSCAPE_SCALE",
    "LOG_COLOUR_RATIO",
    "MAX_CURVE_POINTS",
    "MAX_FRAMES",
    "MAX_PATH_POINTS",
    "MAX_SCHEDULE_POINTS",
    "RUN_COLORS",
    "SURFACE_GRID",
    "Grid",
    "Landscape",
    "Style",
    "comparison_figure",
    "contour_grid_points",
    "curves_figure",
    "data_figure",
    "landscape_figure",
    "landscape_grid",
    "panel_title",
    "rate_text",
    "run_color",
    "run_colors",
    "schedule_figure",
    "surface_figure",
    "thin_path",
    "verdict_label",
]
