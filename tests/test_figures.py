"""Figure builders: what is drawn, where, and that nothing non-finite reaches the browser."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from gdviz.engine import run
from gdviz.figures import (
    MAX_FRAMES,
    Landscape,
    Style,
    comparison_figure,
    curves_figure,
    landscape_grid,
    run_color,
    surface_figure,
    thin_path,
)
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import get_surface


def lesson(key):
    surface = get_surface(key)
    result = run(
        surface.objective, make_optimizer("gd"), [surface.starts[0]], list(surface.rates.as_tuple()),
        steps=surface.steps, view=surface.view,
    )  # fmt: skip
    return surface, Landscape.from_surface(surface), result


@pytest.fixture(scope="module")
def rosenbrock():
    return lesson("rosenbrock")


@pytest.fixture(scope="module")
def ravine():
    return lesson("ravine")


def path_traces(figure):
    return [t for t in figure.data if t.type == "scatter" and t.mode == "lines+markers"]


def test_one_panel_per_run_with_shared_colour_scale(ravine):
    surface, landscape, result = ravine
    figure = comparison_figure(landscape, result)
    contours = [t for t in figure.data if t.type == "contour"]
    assert len(contours) == 3
    assert {t.coloraxis for t in contours} == {"coloraxis"}
    assert len(path_traces(figure)) == 3
    for suffix in ("", "2", "3"):
        assert list(figure.layout[f"xaxis{suffix}"].range) == list(surface.view[0])
        assert list(figure.layout[f"yaxis{suffix}"].range) == list(surface.view[1])


def test_panel_titles_name_rate_and_verdict(ravine):
    _, landscape, result = ravine
    titles = [a.text for a in comparison_figure(landscape, result).layout.annotations if a.text]
    assert titles[0].startswith("<b>lr = 0.002</b><br>too slow: still descending")
    assert titles[1].startswith("<b>lr = 0.035</b><br>converged in")
    assert titles[2].startswith("<b>lr = 0.041</b><br>diverged at step")


def test_a_diverged_path_is_cut_at_the_view_with_an_arrow(ravine):
    surface, landscape, result = ravine
    figure = comparison_figure(landscape, result)
    (x_low, x_high), (y_low, y_high) = surface.view
    diverged = path_traces(figure)[2]
    assert (np.asarray(diverged.x) >= x_low).all()
    assert (np.asarray(diverged.x) <= x_high).all()
    assert (np.asarray(diverged.y) <= y_high).all()
    assert (np.asarray(diverged.y) >= y_low).all()
    arrows = [a for a in figure.layout.annotations if a.showarrow]
    assert len(arrows) == 1
    assert arrows[0].arrowcolor == run_color(2)


def test_log_colouring_for_steep_surfaces_only(rosenbrock):
    assert landscape_grid(rosenbrock[1]).log
    assert landscape_grid(Landscape.from_surface(get_surface("goldstein_price"))).log
    assert not landscape_grid(Landscape.from_surface(get_surface("round_bowl"))).log


def test_colour_bar_is_labelled_in_real_f_values(rosenbrock):
    grid = landscape_grid(rosenbrock[1])
    positions, labels = grid.colour_bar_ticks()
    values = np.array([float(label) for label in labels])
    np.testing.assert_allclose(grid.colour_of(values), positions, rtol=1e-2, atol=0.02)


@pytest.mark.parametrize("key", ["rosenbrock", "goldstein_price", "saddle", "abs_bowl", "plateau"])
def test_no_non_finite_numbers_reach_the_browser(key):
    _, landscape, result = lesson(key)
    for figure in (
        comparison_figure(landscape, result),
        surface_figure(landscape, result),
        curves_figure(result),
    ):
        assert_all_finite(json.loads(figure.to_json(), parse_constant=refuse_constant))


def refuse_constant(name):
    raise AssertionError(f"{name} in the figure's JSON")


def assert_all_finite(node):
    """Walk the JSON; decode Plotly's typed arrays ({"dtype", "bdata"}) and check every number."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
            assert np.isfinite(values).all()
            return
        for value in node.values():
            assert_all_finite(value)
    elif isinstance(node, list):
        for value in node:
            assert_all_finite(value)
    elif isinstance(node, float):
        assert np.isfinite(node)


def test_figures_are_valid_plotly(ravine):
    _, landscape, result = ravine
    figure = comparison_figure(landscape, result)
    go.Figure(figure.to_dict())  # full validation of what was built without it


def test_playback_frames_carry_only_the_paths_and_move_every_panel(rosenbrock):
    _, landscape, result = rosenbrock
    figure = comparison_figure(landscape, result)
    path_indices = [
        i for i, t in enumerate(figure.data) if t.type == "scatter" and t.mode == "lines+markers"
    ]
    assert 2 <= len(figure.frames) <= MAX_FRAMES
    for frame in figure.frames:
        assert list(frame.traces) == path_indices
        assert all(t.type == "scatter" for t in frame.data)
    assert len(figure.layout.sliders[0].steps) == len(figure.frames)


def test_thinning_keeps_ends_and_turns_and_bounds_the_length():
    t = np.linspace(0, 1, 5000)
    points = np.stack([t, np.where(t < 0.5, t, 1 - t)], axis=1)  # one sharp turn at t = 0.5
    kept = thin_path(points, 100)
    assert len(kept) <= 100
    assert kept[0] == 0
    assert kept[-1] == 4999
    assert np.any(np.abs(t[kept] - 0.5) < 1e-3)
    np.testing.assert_array_equal(thin_path(points[:50], 100), np.arange(50))


def test_a_run_has_the_same_colour_in_every_figure(ravine):
    _, landscape, result = ravine
    panels = [t.line.color for t in path_traces(comparison_figure(landscape, result))]
    three_d = [
        t.line.color for t in surface_figure(landscape, result).data if t.type == "scatter3d"
    ]
    curves = [
        t.line.color for t in curves_figure(result).data if t.mode == "lines" and t.showlegend
    ]
    assert panels == three_d == curves == [run_color(i) for i in range(3)]


def test_3d_lifts_paths_and_clips_the_height(rosenbrock):
    _, landscape, result = rosenbrock
    figure = surface_figure(landscape, result)
    surface = figure.data[0]
    z_top = figure.layout.scene.zaxis.range[1]
    assert np.max(surface.z) <= z_top
    for trace in figure.data[1:]:
        assert np.max(trace.z) <= z_top


def test_diverged_runs_are_marked_on_the_curves(ravine):
    _, _, result = ravine
    figure = curves_figure(result)
    crosses = [t for t in figure.data if t.mode == "markers"]
    assert len(crosses) == 2  # the diverged run, on both panels
    assert figure.layout.yaxis.type == "log"


def test_projector_mode_enlarges_text_and_lines(ravine):
    _, landscape, result = ravine
    normal = comparison_figure(landscape, result)
    big = comparison_figure(landscape, result, style=Style(projector=True))
    assert big.layout.font.size > normal.layout.font.size
    assert path_traces(big)[0].line.width > path_traces(normal)[0].line.width
