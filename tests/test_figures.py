"""Figure builders: what is drawn, where, in which colour, and that nothing non-finite reaches
the browser. The figures are inspected as objects; no browser is needed."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from gdviz.engine import run
from gdviz.expression import parse_function
from gdviz.figures import (
    LANDSCAPE_SCALE,
    MAX_FRAMES,
    RUN_COLORS,
    Landscape,
    Style,
    comparison_figure,
    curves_figure,
    landscape_figure,
    landscape_grid,
    rate_text,
    run_color,
    run_colors,
    surface_figure,
    thin_path,
)
from gdviz.figures.camera import FILL, _projected_box, valley_direction
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import Point, get_surface


def lesson(key, steps=None):
    surface = get_surface(key)
    result = run(
        surface.objective, make_optimizer("gd"), [surface.starts[0]], list(surface.rates.as_tuple()),
        steps=steps or surface.steps, view=surface.view,
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


def arrows(figure):
    return [a for a in figure.layout.annotations if a.showarrow]


def inside(x, y, view):
    (x_low, x_high), (y_low, y_high) = view
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tol = 1e-5 * max(x_high - x_low, y_high - y_low)
    return bool(
        ((x >= x_low - tol) & (x <= x_high + tol) & (y >= y_low - tol) & (y <= y_high + tol)).all()
    )


def test_one_panel_per_run_sharing_axes_and_one_colour_scale(ravine):
    surface, landscape, result = ravine
    figure = comparison_figure(landscape, result)
    pictures = [image for image in figure.layout.images if image.name == "landscape"]
    assert [(p.xref, p.yref) for p in pictures] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert all(p.source.startswith("data:image/png;base64,") for p in pictures)
    scales = [t for t in figure.data if t.marker.coloraxis == "coloraxis"]
    assert len(scales) == 1  # one scale, one colour bar
    assert figure.layout.coloraxis.colorbar.tickvals
    assert len(path_traces(figure)) == 3
    for suffix in ("", "2", "3"):
        assert tuple(figure.layout[f"xaxis{suffix}"].range) == surface.view[0]
        assert tuple(figure.layout[f"yaxis{suffix}"].range) == surface.view[1]
    assert figure.layout.xaxis2.matches == "x"
    assert figure.layout.yaxis3.matches == "y"
    assert figure.layout.yaxis.scaleanchor == "x"  # equal aspect: contours keep their shape


def test_panel_titles_name_rate_and_verdict(ravine):
    _, landscape, result = ravine
    titles = [a.text for a in comparison_figure(landscape, result).layout.annotations if a.text]
    assert titles == [
        "<b>lr = 0.002</b><br>too slow: still descending",
        f"<b>lr = 0.035</b><br>converged in {result.nit[1]} steps ✓",
        f"<b>lr = 0.041</b><br>diverged at step {result.diverged_at[2]} ✗",
    ]
    # Each title sits on its own panel (anchored to the panel's domain, not to the page).
    anchored = [a for a in comparison_figure(landscape, result).layout.annotations if a.text]
    assert [a.yref for a in anchored] == ["y domain", "y2 domain", "y3 domain"]


def test_a_diverged_path_stays_in_the_view_with_a_cross_and_an_arrow(ravine):
    surface, landscape, result = ravine
    figure = comparison_figure(landscape, result)
    diverged = path_traces(figure)[2]
    assert inside(diverged.x, diverged.y, surface.view)
    crosses = [t for t in figure.data if t.type == "scatter" and t.marker.symbol == "x"]
    assert len(crosses) == 1
    assert inside(crosses[0].x, crosses[0].y, surface.view)
    assert (crosses[0].x[0], crosses[0].y[0]) == (diverged.x[-1], diverged.y[-1])
    (arrow,) = arrows(figure)
    assert arrow.arrowcolor == run_color(2)
    assert (arrow.xref, arrow.axref) == ("x3", "x3")
    assert inside([arrow.x, arrow.ax], [arrow.y, arrow.ay], surface.view)
    # It points the way the run flew off: along the step after the last point inside.
    flight = result.run(2)
    end = np.flatnonzero((np.abs(flight.path[:, 0]) > 3) | (np.abs(flight.path[:, 1]) > 1.5))[0]
    step = flight.path[end] - flight.path[end - 1]
    assert np.dot([arrow.x - arrow.ax, arrow.y - arrow.ay], step) > 0


def test_paths_end_at_their_verdict(ravine):
    _, landscape, result = ravine
    slow, good, _ = path_traces(comparison_figure(landscape, result))
    for trace, i in ((slow, 0), (good, 1)):
        last = result.run(i).path[-1]
        np.testing.assert_allclose([trace.x[-1], trace.y[-1]], last, rtol=1e-6)
        assert trace.customdata[-1][0] == result.nit[i]  # the hover names the last step


def test_axes_never_stretch_to_a_run_that_flew_off(rosenbrock):
    surface, landscape, result = rosenbrock
    assert not inside(*result.run(2).path.T, surface.view)  # it really did fly off
    for figure in (comparison_figure(landscape, result), landscape_figure(landscape, result)):
        for trace in figure.data:
            if trace.type == "scatter" and trace.name != "click grid":
                assert inside(trace.x, trace.y, surface.view)
        assert tuple(figure.layout.xaxis.range) == surface.view[0]


def test_known_points_and_ends_have_distinct_markers():
    _, landscape, result = lesson("goldstein_price")
    figure = comparison_figure(landscape, result, playback=False)
    symbols = {t.name: t.marker.symbol for t in figure.data if t.name and "minimum" in t.name}
    assert symbols == {"global minimum": "star", "local minimum": "diamond"}
    ends = [t for t in figure.data if t.type == "scatter" and t.mode == "markers+text"]
    assert [t.marker.symbol for t in ends] == ["square", "circle", "x"]
    assert [t.text[0] for t in ends] == ["…", "✓", ""]  # the ✗ is the marker itself
    starts = [t for t in figure.data if t.type == "scatter" and t.marker.symbol == "circle-open"]
    assert len(starts) == 3
    saddles = Landscape(landscape.objective, landscape.view, saddles=(Point(0, 0, 0, "saddle"),))
    marks = comparison_figure(saddles, result, playback=False).data
    assert any(t.name == "saddle point" and t.marker.symbol == "x-thin" for t in marks)


def test_log_colouring_for_steep_surfaces_only():
    for key in ("rosenbrock", "goldstein_price", "beale"):
        assert landscape_grid(Landscape.from_surface(get_surface(key))).log, key
    for key in ("round_bowl", "ravine", "himmelblau", "saddle"):
        assert not landscape_grid(Landscape.from_surface(get_surface(key))).log, key
    bowl = parse_function("x^2 + 10y^2")
    assert not landscape_grid(Landscape(bowl, ((-2.0, 2.0), (-2.0, 2.0)))).log


def test_colour_bar_ticks_are_real_f_values(rosenbrock):
    grid = landscape_grid(rosenbrock[1])
    positions, labels = grid.colour_bar_ticks()
    assert labels == ["0", "0.1", "1", "10", "100", "1000"]  # f_min, then decades above it
    values = np.array([float(label) for label in labels])
    np.testing.assert_allclose(grid.colour_of(values), positions, atol=1e-9)
    bowl = landscape_grid(Landscape.from_surface(get_surface("round_bowl")))
    positions, labels = bowl.colour_bar_ticks()
    assert labels == ["0", "5", "10", "15"]
    np.testing.assert_allclose(positions, [0, 5, 10, 15])
    shifted = landscape_grid(Landscape.from_surface(get_surface("goldstein_price")))  # f* = 3
    _, labels = shifted.colour_bar_ticks()
    assert labels[:3] == ["4", "10", "100"]  # 3 + 1, then 3 + 10 ≈ 10, 3 + 100 ≈ 100
    assert rate_text(1e-6) == "1e-6"
    assert rate_text(30000.0) == "30000"
    assert rate_text(0.0019) == "0.0019"


def decoded(array):
    """An array as the browser will read it: Plotly's typed-array spec decoded, else as is."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def refuse_constant(name):
    raise AssertionError(f"{name} in the figure's JSON")


def assert_all_finite(node):
    """Walk the JSON; decode Plotly's typed arrays ({"dtype", "bdata"}) and check every number."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            assert np.isfinite(decoded(node)).all()
            return
        for value in node.values():
            assert_all_finite(value)
    elif isinstance(node, list):
        for value in node:
            assert_all_finite(value)
    elif isinstance(node, float):
        assert np.isfinite(node)


@pytest.mark.parametrize("key", ["goldstein_price", "saddle", "abs_bowl", "plateau"])
def test_no_non_finite_numbers_reach_the_browser(key):
    _, landscape, result = lesson(key)
    for figure in (
        comparison_figure(landscape, result),
        landscape_figure(landscape, result),
        surface_figure(landscape, result),
        curves_figure(result),
    ):
        assert_all_finite(json.loads(figure.to_json(), parse_constant=refuse_constant))


def test_a_function_undefined_in_part_of_the_view_draws_finite_figures():
    objective = parse_function("log(x) + y^2")  # NaN for x ≤ 0
    landscape = Landscape(objective, ((-1.0, 3.0), (-2.0, 2.0)))
    result = run(objective, make_optimizer("gd"), [(2.0, 1.0)], [0.1, 3.0], steps=50)
    for figure in (
        comparison_figure(landscape, result),
        surface_figure(landscape, result),
        curves_figure(result),
    ):
        assert_all_finite(json.loads(figure.to_json(), parse_constant=refuse_constant))


def test_figures_are_valid_plotly(ravine):
    _, landscape, result = ravine
    for figure in (
        comparison_figure(landscape, result, click_grid=20, width=1280, height=720),
        landscape_figure(landscape, result),
        surface_figure(landscape, result),
        curves_figure(result),
    ):
        go.Figure(figure.to_dict())  # full validation of what was built without it


def _typed_arrays(node, path=""):
    """Where in the JSON ``node`` plotly.py put a typed array ({"dtype", "bdata"})."""
    if isinstance(node, dict):
        if "bdata" in node:
            return [path]
        return [p for key, value in node.items() for p in _typed_arrays(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [p for i, value in enumerate(node) for p in _typed_arrays(value, f"{path}[{i}]")]
    return []


def test_playback_frames_are_serialised_as_built_and_checked_when_asked_for(rosenbrock):
    """``WebFigure``: ``to_dict`` (what the app, ``to_json`` and ``show`` send) equals the
    figure plotly.py builds when it checks every frame, without checking them; asking for
    ``figure.frames`` checks them then and gives plotly.py's own Frame objects."""
    from gdviz.figures.style import WebFigure

    _, landscape, result = rosenbrock
    figure = comparison_figure(landscape, result)
    assert isinstance(figure, WebFigure)
    sent = figure.to_dict()
    assert "_pending_frames" in figure.__dict__  # serialising checked nothing
    checked = go.Figure(data=sent["data"], layout=sent["layout"], frames=sent["frames"])
    assert json.dumps(sent, sort_keys=True) == json.dumps(checked.to_dict(), sort_keys=True)
    frames = figure.frames
    assert len(frames) == len(sent["frames"]) >= 2
    assert isinstance(frames[0], go.Frame)
    assert isinstance(frames[0].data[0], go.Scatter)
    assert json.dumps(figure.to_dict(), sort_keys=True) == json.dumps(sent, sort_keys=True)
    assert "_pending_frames" not in comparison_figure(landscape, result, playback=False).__dict__


@pytest.fixture(scope="module")
def small_maps():
    """Small maps for the figures' tests: a rate sweep and a momentum phase map on x² + 10y²,
    a 20 × 20 basin map of Himmelblau, and Himmelblau itself."""
    from gdviz.maps import basin_map, phase_map, rate_sweep

    bowl = parse_function("x^2 + 10y^2")
    view = ((-3.0, 3.0), (-3.0, 3.0))
    sweep = rate_sweep(bowl, make_optimizer("gd"), (1.5, 1.5), steps=300, view=view)
    phase = phase_map(bowl, "momentum", (1.5, 1.5), param="momentum", values=(0, 0.9, 5),
                      low=1e-3, high=1.0, count=8, steps=200, view=view)  # fmt: skip
    surface = get_surface("himmelblau")
    basins = basin_map(surface.objective, make_optimizer("gd"), 0.01, view=surface.view, grid=20,
                       steps=200, minima=surface.minima)  # fmt: skip
    return sweep, phase, basins, surface


@pytest.fixture(scope="module")
def map_figures(small_maps):
    """A builder of each figure of the Maps tab and of the schedule curve, on small maps."""
    from gdviz.figures.maps import basin_figure, phase_figure, sweep_figure
    from gdviz.figures.schedule import schedule_figure
    from gdviz.schedules import parse_schedule

    sweep, phase, basins, surface = small_maps
    himmelblau = Landscape.from_surface(surface)
    big = Style(projector=True)
    return {
        "sweep map": lambda: sweep_figure(sweep, panel_rates=(0.01, 0.05, 0.2)),
        "sweep map, f − f*": lambda: sweep_figure(sweep, y="gap", f_min=0.0, style=big),
        "phase map": lambda: phase_figure(
            phase, panel_rates=(0.01, 0.2), current=0.0, largest_eigenvalue=20.0
        ),
        "basin map": lambda: basin_figure(basins, himmelblau, start=(0.0, 0.0), click_grid=10),
        "schedule, stepped": lambda: schedule_figure(
            parse_schedule("multistep(milestones=100|200, gamma=0.1)").factors(400), style=big
        ),
    }


def _web_figures(rosenbrock, map_figures):
    """A builder of each figure that ``web_figure`` makes, on Rosenbrock, on a data set and on
    the small maps of ``map_figures``."""
    from gdviz.datasets import get_dataset
    from gdviz.figures.data import data_figure
    from gdviz.figures.schedule import schedule_figure
    from gdviz.figures.style import web_figure
    from gdviz.lesson import Settings, build_lesson

    _, landscape, result = rosenbrock
    data = build_lesson(Settings(dataset=get_dataset("two_classes"), rates=(0.05,), steps=40))
    results = list(data.results)
    return {
        "panels": lambda: comparison_figure(landscape, result, width=1200, height=600),
        "panels, no playback": lambda: comparison_figure(landscape, result, playback=False),
        "3-D": lambda: surface_figure(landscape, result, style=Style(projector=True)),
        "curves": lambda: curves_figure(result, f_min=0.0),
        "data": lambda: data_figure(data.data.model, results, labels=data.labels),
        "data, no playback": lambda: data_figure(data.data.model, results, playback=False),
        "schedule": lambda: schedule_figure(np.linspace(1.0, 0.1, 50)),
        **map_figures,
        "properties set to None": lambda: web_figure(
            [{"type": "scatter", "x": np.arange(3.0), "name": None, "line": {"dash": None}}],
            {"title": None, "width": 300, "xaxis": {"title": None, "range": [0, 2]}},
        ),
    }


def _sent(figure) -> str:
    return json.dumps(json.loads(figure.to_json()), sort_keys=True)


def test_a_web_figure_sends_what_plotly_s_own_figure_of_it_sends(rosenbrock, map_figures):
    """A ``WebFigure`` is sent from its dicts, without plotly.py's objects (``figure.made``
    stays false); what it sends is what plotly.py's figure of the same dicts sends, key order
    aside: plotly's default template, ``None`` dropped where plotly drops it. Set up as the app
    shows it (no template, no width, a data revision), both still agree, and a figure made
    after that keeps the settings. Fails if the dicts' own form drifts from plotly.py's (a
    trace without its type, a property set to None that plotly would drop)."""
    from gdviz.figures.style import WebFigure
    from gdviz.ui.chart import _prepare

    for name, build in _web_figures(rosenbrock, map_figures).items():
        kept, made = build(), build()
        assert isinstance(kept, WebFigure), name
        assert not kept.made, name
        made.layout  # noqa: B018 (plotly.py's objects made now)
        assert made.made
        assert _sent(kept) == _sent(made), name
        assert not kept.made, name
        for figure in (kept, made):
            _prepare(figure, clickable=True)
        assert not kept.made, name
        assert _sent(kept) == _sent(made), name
        sent = json.loads(kept.to_json())["layout"]
        assert sent["template"] is None, name
        assert sent["width"] is None, name
        assert sent["clickmode"] == "event+select", name
        kept.layout  # noqa: B018
        assert kept.made, name
        assert _sent(kept) == _sent(made), name
    # As a plotly.py figure made of them: the dicts' own None dropped, those inside kept.
    sent = _web_figures(rosenbrock, map_figures)["properties set to None"]().to_dict()
    assert "title" not in sent["layout"]
    assert sent["layout"]["xaxis"]["title"] is None
    assert "name" not in sent["data"][0]
    assert sent["data"][0]["line"] == {"dash": None}


@pytest.mark.parametrize(
    "name", ["sweep map", "sweep map, f − f*", "phase map", "basin map", "schedule, stepped"]
)
def test_the_maps_and_the_schedule_curve_are_web_figures_plotly_s_own_checks_accept(
    map_figures, name
):
    """The Maps tab's three figures and the schedule curve are built as the dicts plotly.js
    takes (``WebFigure``, plotly.py's objects not made), and what ``spec()`` holds is what
    plotly.py's figure of the same dicts sends, with every property checked (``go.Figure``
    validates each trace and the layout): no misspelt property, no value plotly would change.
    The traces carry lists, never typed arrays (see ``gdviz.ui.chart``)."""
    import copy

    import plotly.io

    from gdviz.figures.style import WebFigure

    figure = map_figures[name]()
    assert isinstance(figure, WebFigure)
    spec = figure.spec()
    assert not figure.made
    assert _typed_arrays(spec["data"], "data") == []
    checked = go.Figure(data=copy.deepcopy(spec["data"]), layout=copy.deepcopy(spec["layout"]))
    sent = plotly.io.to_json(spec, validate=False)
    assert json.dumps(json.loads(sent), sort_keys=True) == _sent(checked)
    assert not figure.made


def test_traces_carry_lists_and_the_playback_frames_compact_typed_arrays(rosenbrock):
    """plotly.js decodes a typed array afresh whenever it is handed the figure, so
    ``Plotly.react`` redraws a chart whose traces carry them though nothing changed (Streamlit
    hands each chart over twice): the traces carry lists. The frames, which react does not
    compare, keep float32 typed arrays."""
    _, landscape, result = rosenbrock
    for figure in (
        comparison_figure(landscape, result),
        surface_figure(landscape, result),
        curves_figure(result),
    ):
        spec = json.loads(figure.to_json())
        assert _typed_arrays(spec["data"], "data") == []
    spec = json.loads(comparison_figure(landscape, result).to_json())
    path = next(t for t in spec["data"] if t.get("mode") == "lines+markers")
    assert isinstance(path["x"], list)
    assert all(np.isfinite(path["x"]))
    frame = spec["frames"][1]["data"]
    assert any(isinstance(trace.get("x"), dict) and trace["x"]["dtype"] == "f4" for trace in frame)


def test_a_path_s_prefixes_are_encoded_as_each_would_be_on_its_own():
    """Playback frames encode each path once and give every prefix from it: the same typed
    array as the prefix encoded alone, for every length (each remainder of 4n bytes by 3)."""
    from gdviz.figures.playback import _Prefixes
    from gdviz.figures.style import _float32_spec

    values = np.random.default_rng(4).normal(size=20).astype(np.float32)
    prefixes = _Prefixes(values)
    for count in range(len(values) + 1):
        assert prefixes.spec(count) == _float32_spec(values[:count])
        decoded = np.frombuffer(base64.b64decode(prefixes.spec(count)["bdata"]), np.float32)
        assert np.array_equal(decoded, values[:count])


def test_side_by_side_panels_get_grids_no_finer_than_their_pixels(rosenbrock):
    from gdviz.figures import CONTOUR_GRID, contour_grid_points
    from gdviz.figures.raster import landscape_picture

    assert [contour_grid_points(n) for n in (1, 2, 3, 4, 8)] == [CONTOUR_GRID, 200, 133, 120, 120]
    _, landscape, result = rosenbrock
    one_panel = landscape_figure(landscape, result, playback=False)
    assert one_panel.layout.images[0].source == landscape_picture(landscape, CONTOUR_GRID)


def test_thinning_keeps_ends_and_turns_and_bounds_the_length():
    t = np.linspace(0, 1, 5000)
    points = np.stack([t, np.where(t < 0.5, t, 1 - t)], axis=1)  # one sharp turn at t = 0.5
    kept = thin_path(points, 100)
    assert len(kept) <= 100
    assert kept[0] == 0
    assert kept[-1] == 4999
    assert np.any(np.abs(t[kept] - 0.5) < 1e-3)
    np.testing.assert_array_equal(thin_path(points[:50], 100), np.arange(50))
    # A reversal on a straight line is a turn too (a 1-D oscillation), however small the step.
    line = np.concatenate([np.linspace(0, 1, 3000), np.linspace(1, 0.2, 3000)[1:]])
    back_and_forth = np.stack([line, np.zeros_like(line)], axis=1)
    assert 2999 in thin_path(back_and_forth, 50)


def test_thinning_keeps_the_shape_of_a_long_path():
    angle = np.linspace(0, 6 * np.pi, 20_000)
    spiral = np.stack([angle * np.cos(angle), angle * np.sin(angle)], axis=1)
    spiral += 0.001 * np.sin(np.arange(20_000))[:, None] * np.pi  # jitter of tiny steps
    kept = thin_path(spiral, 400)
    assert len(kept) <= 400
    # Every original point lies within 1 % of the size of the thinned polyline.
    a, b = spiral[kept[:-1]], spiral[kept[1:]]
    sample = spiral[::37]
    ab = b - a
    t = np.clip(
        np.einsum("pij,ij->pi", sample[:, None, :] - a[None], ab) / np.einsum("ij,ij->i", ab, ab),
        0,
        1,
    )
    nearest = a[None] + t[..., None] * ab[None]
    distance = np.min(np.linalg.norm(sample[:, None, :] - nearest, axis=2), axis=1)
    assert distance.max() < 0.01 * np.ptp(spiral[:, 0])


def test_long_paths_are_thinned_for_drawing(rosenbrock):
    _, landscape, result = rosenbrock
    assert result.nit[1] > 10_000
    for trace in path_traces(comparison_figure(landscape, result)):
        assert len(trace.x) <= 400


def end_marks(figure):
    """The verdict markers (✓ ■ ✗ at each run's end) and a diverged run's dotted flight."""
    return [
        t for t in figure.data
        if t.mode == "markers+text" or (t.line and t.line.dash == "dot")
    ]  # fmt: skip


def test_playback_frames_carry_only_the_paths_and_end_marks_and_move_every_panel(rosenbrock):
    _, landscape, result = rosenbrock
    figure = comparison_figure(landscape, result)
    paths = path_traces(figure)
    moving = [i for i, t in enumerate(figure.data) if t in paths or t in end_marks(figure)]
    assert 2 <= len(figure.frames) <= MAX_FRAMES
    for frame in figure.frames:
        assert sorted(frame.traces) == moving  # every panel moves; the landscape is not re-sent
        assert all(t.type == "scatter" for t in frame.data)
        shown_paths = [
            t for i, t in zip(frame.traces, frame.data, strict=True) if figure.data[i] in paths
        ]
        for shown, full in zip(shown_paths, paths, strict=True):
            # A prefix of the drawn path, so the hover data of each point still matches it.
            shown_x = decoded(shown.x)
            assert shown_x.dtype == np.float32
            np.testing.assert_array_equal(shown_x, full.x[: len(shown_x)])
    last = dict(zip(figure.frames[-1].traces, figure.frames[-1].data, strict=True))
    assert [len(decoded(last[i].x)) for i in moving if figure.data[i] in paths] == [
        len(t.x) for t in paths
    ]
    steps = [int(frame.name) for frame in figure.frames]
    assert steps[:4] == [1, 2, 3, 4]  # the first steps one by one, where a rate shows itself
    assert len(figure.layout.sliders[0].steps) == len(figure.frames)
    assert [b.label for b in figure.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    assert not comparison_figure(landscape, result, playback=False).frames


def test_playback_shows_a_run_s_end_marks_only_from_the_step_it_ends_on():
    """Issue 12: at an early step ✓ ■ ✗ already sat at the runs' final positions."""
    surface, landscape, result = lesson("two_basins")
    figure = comparison_figure(landscape, result)
    marks = {i: t for i, t in enumerate(figure.data) if t in end_marks(figure)}
    assert len(marks) == 4  # slow ■, good ✓, diverged ✗ and its flight
    slow, good, _ = result
    ends = {"x": slow.nit, "x2": good.nit}  # the diverged run's ✗ is where it left the view
    for frame in figure.frames:
        for i, shown in zip(frame.traces, frame.data, strict=True):
            if i not in marks:
                continue
            visible = inside(decoded(shown.x), decoded(shown.y), surface.view)
            axis = figure.data[i].xaxis
            if axis in ends:
                assert visible == (int(frame.name) >= ends[axis]), (frame.name, axis)
            if visible:  # whole, where the full figure draws it
                np.testing.assert_array_equal(decoded(shown.x), marks[i].x)
    first, last = (
        dict(zip(f.traces, f.data, strict=True)) for f in (figure.frames[0], figure.frames[-1])
    )
    slow_and_good = [i for i in marks if figure.data[i].xaxis in ends]
    assert not any(
        inside(decoded(first[i].x), decoded(first[i].y), surface.view) for i in slow_and_good
    )
    assert all(inside(decoded(last[i].x), decoded(last[i].y), surface.view) for i in marks)


def test_hover_shows_step_position_loss_gradient_and_rate_in_force():
    objective = parse_function("x^2 + 10y^2")
    landscape = Landscape(objective, ((-2.0, 2.0), (-2.0, 2.0)))
    result = run(
        objective, make_optimizer("gd"), [(-1.5, 1.0)], [0.04], steps=40,
        schedule=lambda k: 0.5 ** (k // 10), gtol=0,
    )  # fmt: skip
    (path,) = path_traces(comparison_figure(landscape, result))
    assert all(key in path.hovertemplate for key in ("step", "f =", "|∇f|", "rate in force"))
    data = np.asarray(path.customdata)
    steps = data[:, 0].astype(int)
    np.testing.assert_allclose(data[:, 1], result.losses[0, steps], rtol=1e-6)
    np.testing.assert_allclose(data[:, 2], result.grad_norms[0, steps], rtol=1e-6)
    np.testing.assert_allclose(data[1:, 3], 0.04 * 0.5 ** ((steps[1:] - 1) // 10), rtol=1e-6)


def test_a_run_has_the_same_colour_in_every_figure(ravine):
    _, landscape, result = ravine
    panels = [t.line.color for t in path_traces(comparison_figure(landscape, result))]
    single = [t.line.color for t in path_traces(landscape_figure(landscape, result))]
    three_d = [
        t.line.color
        for t in surface_figure(landscape, result).data
        if t.type == "scatter3d" and t.mode == "lines" and t.showlegend is not False
    ]  # (not the diverged run's dotted flight to the border, a second line in its colour)
    curves = [
        t.line.color for t in curves_figure(result).data if t.mode == "lines" and t.showlegend
    ]
    assert panels == single == three_d == curves == run_colors(3)
    assert run_colors(3) == ["#0072B2", "#009E73", "#D55E00"]  # Okabe–Ito
    assert run_color(len(RUN_COLORS)) == run_color(0)


def test_landscape_figure_draws_every_run_on_one_panel(ravine):
    _, landscape, result = ravine
    figure = landscape_figure(landscape, result)
    assert len(figure.layout.images) == 1
    assert {t.xaxis for t in path_traces(figure)} == {"x"}
    (title,) = [a.text for a in figure.layout.annotations if a.text]
    for i in range(3):
        assert f"color:{run_color(i)}" in title
    assert "diverged at step" in title
    assert len(arrows(figure)) == 1


def _drawn_surface_height(surface, x, y):
    """The height of Plotly's drawn surface (flat pieces between grid points) at (x, y)."""
    gx, gy, z = (np.asarray(v, dtype=float) for v in (surface.x, surface.y, surface.z))
    column = np.interp(x, gx, np.arange(len(gx)))
    row = np.interp(y, gy, np.arange(len(gy)))
    i, j = np.minimum(row.astype(int), len(gy) - 2), np.minimum(column.astype(int), len(gx) - 2)
    s, t = row - i, column - j
    return (1 - s) * ((1 - t) * z[i, j] + t * z[i, j + 1]) + s * (
        (1 - t) * z[i + 1, j] + t * z[i + 1, j + 1]
    )


@pytest.mark.parametrize("key", ["rosenbrock", "himmelblau", "ravine"])
def test_3d_paths_lie_above_the_drawn_surface_inside_the_view(key):
    """Issue 13: paths drawn on top of the surface, never inside it. Every point of every line
    (also between its vertices, where the drawn line is straight) is above the surface as
    Plotly draws it, and inside the view; z stays in the z range."""
    surface, landscape, result = lesson(key)
    figure = surface_figure(landscape, result)
    (drawn,) = [t for t in figure.data if t.type == "surface"]
    assert np.shape(drawn.z) == (120, 120)
    z_low, z_top = figure.layout.scene.zaxis.range
    for trace in figure.data:
        z = np.asarray(trace.z, dtype=float)
        assert z.max() <= z_top + 1e-6
        assert z.min() >= z_low - 1e-6
    lines = [t for t in figure.data if t.type == "scatter3d" and t.mode == "lines"]
    assert len([t for t in lines if t.showlegend is not False]) == 3
    for trace in lines:
        x, y, z = (np.asarray(v, dtype=float) for v in (trace.x, trace.y, trace.z))
        assert inside(x, y, surface.view)
        t = np.linspace(0, 1, 8, endpoint=False)[None, :]
        between = [
            np.r_[(a[:-1, None] + t * np.diff(a)[:, None]).ravel(), a[-1]] for a in (x, y, z)
        ]
        height = _drawn_surface_height(drawn, between[0], between[1])
        assert (between[2] > height).all(), (trace.line.color, (between[2] - height).min())
    if landscape_grid(landscape).log:
        assert "1000" in figure.layout.scene.zaxis.ticktext  # real f values on a log height
    assert tuple(figure.layout.scene.xaxis.range) == surface.view[0]


def test_3d_ends_carry_the_verdict_in_the_runs_colour_and_a_diverged_run_is_cut(ravine):
    """Start ○, end symbol and glyph (✓ … ✗) in each run's colour, thick for the back row; the
    diverged run stops at the view with a dotted flight to the border, as on the contours."""
    surface, landscape, result = ravine
    figure = surface_figure(landscape, result, style=Style(projector=True))
    ends = [t for t in figure.data if t.type == "scatter3d" and t.mode == "markers+text"]
    assert [t.text[1] for t in ends] == ["…", "✓", "✗"]
    for i, trace in enumerate(ends):
        assert trace.marker.color[1] == trace.marker.line.color == trace.textfont.color
        assert trace.marker.color[1] == run_color(i)
        assert trace.marker.symbol[0] == "circle"
        assert trace.marker.color[0] == "white"
    lines = [t for t in figure.data if t.type == "scatter3d" and t.mode == "lines"]
    assert min(t.line.width for t in lines if t.showlegend is not False) >= 14
    (flight,) = [t for t in lines if t.line.dash == "dot"]
    assert flight.line.color == run_color(2)
    assert not inside(*result.run(2).path.T, surface.view)  # it really did fly off
    (x_low, x_high), (y_low, y_high) = surface.view
    head = np.array([flight.x[-1], flight.y[-1]], dtype=float)
    to_border = min(head[0] - x_low, x_high - head[0], head[1] - y_low, y_high - head[1])
    assert 0 <= to_border < 0.02 * max(x_high - x_low, y_high - y_low)


def test_curves_use_log_axes_and_mark_divergence(ravine):
    _, _, result = ravine
    figure = curves_figure(result, f_min=0.0)
    assert figure.layout.yaxis.type == figure.layout.yaxis2.type == "log"
    crosses = [t for t in figure.data if t.mode == "markers+text"]
    assert len(crosses) == 2  # the diverged run, on both panels
    assert all(t.marker.symbol == "x" and t.marker.color == run_color(2) for t in crosses)
    assert {int(t.x[0]) for t in crosses} == {result.nit[2]}
    assert "f* = 0" in figure.layout.annotations[0].text


def test_curves_of_a_loss_below_zero_plot_the_gap_to_the_minimum():
    objective = parse_function("x^2 + y^2 - 5")
    result = run(objective, make_optimizer("gd"), [(1.0, 1.0)], [0.1, 0.5], steps=100)
    figure = curves_figure(result, f_min=-5.0)
    for trace in figure.data:
        assert (np.asarray(trace.y) > 0).all()
    loss = np.asarray(figure.data[0].y)
    assert loss[0] == pytest.approx(2.0)  # f − f* at the start: 2 − (−5) … minus 5


def test_projector_mode_enlarges_text_and_lines(ravine):
    _, landscape, result = ravine
    big = Style(projector=True)
    assert big.font >= 18
    normal_panels = comparison_figure(landscape, result)
    big_panels = comparison_figure(landscape, result, style=big)
    assert big_panels.layout.font.size > normal_panels.layout.font.size
    assert path_traces(big_panels)[0].line.width > path_traces(normal_panels)[0].line.width
    titles = [a for a in big_panels.layout.annotations if a.text]
    assert all(a.font.size >= 18 for a in titles)
    for build in (
        lambda style: surface_figure(landscape, result, style=style),
        lambda style: curves_figure(result, style=style),
    ):
        assert build(big).layout.font.size >= 18 > build(Style()).layout.font.size


def test_click_grid_lies_over_every_panel(ravine):
    _, landscape, result = ravine
    figure = comparison_figure(landscape, result, click_grid=10)
    grids = [t for t in figure.data if t.name == "click grid"]
    assert [t.xaxis for t in grids] == ["x", "x2", "x3"]
    # Text mode with no text: nothing drawn (no SVG node per point), yet hover and click work.
    assert all(len(t.x) == 100 and t.mode == "text" and t.text is None for t in grids)
    assert all(t.unselected.marker.opacity == 1 for t in path_traces(figure))


def test_an_exported_size_centres_the_panels_and_sizes_the_colour_bar(ravine):
    _, landscape, result = ravine
    figure = comparison_figure(landscape, result, width=1800, height=500)  # one row
    low, high = figure.layout.yaxis.domain
    bar = figure.layout.coloraxis.colorbar
    assert 0 < low < high < 1
    assert bar.len == pytest.approx(high - low)
    assert bar.y == pytest.approx(low)
    assert figure.layout.sliders[0].y == pytest.approx(low)


def test_a_grid_with_an_empty_cell_holds_the_colour_bar_and_shares_the_x_ticks(ravine):
    """Issue 13: three wide ravine panels fill a 1280×720 page as a 2×2 grid; the colour bar
    takes the empty cell instead of a margin, and rows are parted by titles only (x tick
    labels only under a panel with none below it)."""
    _, landscape, result = ravine
    figure = comparison_figure(landscape, result, width=1280, height=720)
    layout = figure.layout
    assert layout.xaxis2.domain[0] > 0.5
    assert layout.yaxis3.domain[1] < 0.5
    bar = layout.coloraxis.colorbar
    assert bar.x > layout.xaxis2.domain[0]
    assert bar.xanchor == "left"
    assert bar.y + bar.len <= layout.yaxis3.domain[1] + 1e-9
    assert layout.margin.r < 20  # no room kept for a bar in the margin
    ticks = [layout[f"xaxis{s}"].showticklabels for s in ("", "2", "3")]
    assert ticks == [False, True, True]  # panel 1 has panel 3 under it
    assert layout.xaxis.title.text == ""
    assert layout.xaxis3.title.text == "x"


# --- data-backed landscapes ----------------------------------------------------------------------


def _data_lesson(kind_name: str, scale: bool = False):
    from gdviz.datasets import get_dataset
    from gdviz.lesson import Settings, build_lesson

    return build_lesson(Settings(dataset=get_dataset(kind_name), scale=scale))


def test_data_figure_draws_the_examples_and_each_runs_line_at_its_end():
    """Regression: the points as (x, y), one line per variant through w·x + b at the run's end."""
    from gdviz.figures import data_figure

    lesson = _data_lesson("noisy_line")
    model = lesson.data.model
    figure = data_figure(model, list(lesson.results), labels=lesson.labels)
    spec = json.loads(figure.to_json())
    points, *lines = spec["data"]
    assert len(lines) == 3
    assert points["mode"] == "markers"
    for line, result, colour in zip(lines, lesson.results, RUN_COLORS, strict=False):
        w, b = result.x[0]
        xs, ys = np.array(line["x"]), np.array(line["y"])
        assert np.allclose(ys, w * xs + b)
        assert line["line"]["color"] == colour
    assert [line["name"] for line in lines] == list(lesson.labels)
    assert_all_finite(json.loads(figure.to_json(), parse_constant=refuse_constant))


def test_data_figure_playback_moves_the_lines_through_the_runs_steps():
    """Each frame puts every line at its run's parameters at that step (or its end)."""
    from gdviz.figures import data_figure

    lesson = _data_lesson("noisy_line")
    figure = data_figure(lesson.data.model, list(lesson.results), labels=lesson.labels)
    assert 2 <= len(figure.frames) <= MAX_FRAMES + 1
    frame = figure.frames[len(figure.frames) // 2]
    step = int(frame.name)
    for trace, result in zip(frame.data, lesson.results, strict=True):
        run_ = result.run(0)
        w, b = run_.path[min(step, run_.nit)]
        assert np.allclose(np.array(trace.y), w * np.array(trace.x) + b)
    assert figure.layout.sliders[0].steps[-1].label == figure.frames[-1].name


def test_logistic_data_figure_draws_the_decision_boundary_through_the_origin():
    """Classification: two classes drawn apart; each boundary satisfies w₁x₁ + w₂x₂ = 0."""
    from gdviz.figures import data_figure

    lesson = _data_lesson("two_classes")
    figure = data_figure(lesson.data.model, list(lesson.results), playback=False)
    class0, class1, *lines = figure.data
    assert class0.name == "class 0"
    assert class1.name == "class 1"
    for line, result in zip(lines, lesson.results, strict=True):
        w1, w2 = result.x[0]
        assert np.allclose(w1 * np.array(line.x) + w2 * np.array(line.y), 0.0, atol=1e-9)
    assert not figure.frames


def test_data_landscapes_draw_with_their_parameter_names_and_finite_numbers():
    """The contour of a data lesson names its axes w and b (or w₁ and w₂) and holds no NaN."""
    for name, axes in (("unscaled_feature", ("w", "b")), ("two_classes", ("w₁", "w₂"))):
        lesson = _data_lesson(name)
        figure = comparison_figure(lesson.landscape, list(lesson.results), labels=lesson.labels)
        assert figure.layout.xaxis.title.text == axes[0]
        assert figure.layout.yaxis.title.text == axes[1]
        paths = [
            t for t in figure.data if t.hovertemplate and "step %{customdata[0]" in t.hovertemplate
        ]
        assert paths
        assert all(f"{axes[0]} = %{{x" in t.hovertemplate for t in paths)
        assert_all_finite(json.loads(figure.to_json(), parse_constant=refuse_constant))
        surface = surface_figure(lesson.landscape, list(lesson.results))
        assert surface.layout.scene.xaxis.title.text == axes[0]
        assert_all_finite(json.loads(surface.to_json(), parse_constant=refuse_constant))


def test_values_beyond_float32_reach_the_browser_as_large_finite_numbers():
    """A loss of 1e46 (a model on huge raw features far from its minimum) is clipped, not inf."""
    from gdviz.datasets import read_csv
    from gdviz.figures import data_figure
    from gdviz.lesson import Settings, build_lesson

    data = read_csv("x,y\n1e11,2\n2e11,3e11\n-3e11,5\n7,1e12\n", "huge.csv")
    lesson = build_lesson(Settings(dataset=data))
    assert landscape_grid(lesson.landscape, 133).f.max() > 3.5e38  # beyond float32
    for figure in (
        comparison_figure(lesson.landscape, list(lesson.results), labels=lesson.labels),
        surface_figure(lesson.landscape, list(lesson.results)),
        data_figure(lesson.data.model, list(lesson.results)),
    ):
        assert_all_finite(json.loads(figure.to_json(), parse_constant=refuse_constant))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0009996, "0.001"),
        (0.00025, "0.00025"),
        (2.5e-5, "2.5e-5"),
        (99999.9, "100000"),
        (123456, "1.2e5"),
    ],
)
def test_short_tick_labels_at_the_edges_of_the_exponent_range(value, text):
    """Values that round across 0.001 or 10⁵ get a label (a separable data set's f* hit this)."""
    from gdviz.figures.grid import _short

    assert _short(value) == text


def test_projector_titles_of_three_panels_put_every_verdict_on_two_lines():
    """Large type on narrow panels: after the colon, else at the space nearest the middle (at
    1280 px with the sidebar open, 'converged in 213 steps ✓' touched its neighbour)."""
    _, landscape, result = lesson("ravine")
    normal = comparison_figure(landscape, result)
    big = comparison_figure(landscape, result, style=Style(projector=True))
    titles = [a.text for a in big.layout.annotations if a.text and "<b>" in a.text]
    assert titles == [
        "<b>lr = 0.002</b><br>too slow:<br>still descending",
        "<b>lr = 0.035</b><br>converged in<br>213 steps ✓",
        "<b>lr = 0.041</b><br>diverged at<br>step 56 ✗",
    ]
    assert all(a.text.count("<br>") <= 1 for a in normal.layout.annotations if a.text)


def test_3d_camera_looks_along_the_valley_and_fits_the_plot(ravine, rosenbrock):
    """The eye looks along the Hessian's flattest direction at the minimum (x on the ravine),
    so steps across the valley read left-right; the box and eye fill a wide plot's width."""
    _, landscape, result = ravine
    assert valley_direction(landscape, landscape_grid(landscape, 120)) == pytest.approx((1, 0))
    _, rosen, _ = rosenbrock
    dx, dy = valley_direction(rosen, landscape_grid(rosen, 120))
    (x_low, x_high), (y_low, y_high) = rosen.view
    hessian = rosen.objective.hessian(1.0, 1.0) * np.outer(
        [x_high - x_low, y_high - y_low], [x_high - x_low, y_high - y_low]
    )
    curvature = np.array([dx, dy]) @ hessian @ np.array([dx, dy])
    assert curvature == pytest.approx(np.linalg.eigvalsh(hessian).min(), rel=1e-6)
    for width, height in ((1252, 748), (1241, 524)):
        scene = surface_figure(landscape, result, width=width, height=height).layout.scene
        eye, center = scene.camera.eye, scene.camera.center
        assert abs(eye.x - center.x) > 3 * abs(eye.y - center.y)  # along x, not from the south
        grid = landscape_grid(landscape, 120)
        x, y = np.meshgrid(np.linspace(-0.5, 0.5, 30), np.linspace(-0.5, 0.5, 30))
        z_low, z_high = scene.zaxis.range
        f = grid.f[::4, ::4][:30, :30]
        points = np.column_stack(
            [x.ravel(), y.ravel(), ((f - z_low) / (z_high - z_low) - 0.5).ravel()]
        )
        points *= [scene.aspectratio.x, scene.aspectratio.y, scene.aspectratio.z]
        box = _projected_box(
            points,
            np.array([eye.x, eye.y, eye.z]),
            np.array([center.x, center.y, center.z]),
            width / height,
        )
        assert (box[2] - box[0]) / 2 == pytest.approx(FILL, abs=0.03)
        assert (box[3] - box[1]) / 2 <= FILL + 0.03


def test_step_mode_s_3d_figure_carries_what_the_browser_cuts_the_paths_with(ravine):
    """``surface_figure(stepping=True)``: the same traces (each path with every step the
    control covers, where the plain figure thins a long one) plus a point θ_k per run, and for
    each run the step of every point of its line and iterates (never decreasing, the line's
    points the steps of the polyline's points they belong to), θ_0 … θ_n on the surface, and
    which traces are its line, iterates, flight, marks and point."""
    from gdviz.figures.stepping import MAX_STEPPED
    from gdviz.figures.surface3d import _drape

    _, landscape, result = ravine
    plain = surface_figure(landscape, result).to_dict()
    stepped = surface_figure(landscape, result, stepping=True).to_dict()
    assert "meta" not in plain["layout"]
    runs = stepped["layout"]["meta"]["gdviz_steps3d"]["runs"]
    points = [t for t in stepped["data"] if t.get("name") == "point"]
    assert len(runs) == len(points) == len(result)

    def apart_from_points(traces):
        return [{k: v for k, v in t.items() if k not in ("x", "y", "z", "customdata")}
                for t in traces]  # fmt: skip

    others = [t for t in stepped["data"] if t.get("name") != "point"]
    assert apart_from_points(others) == apart_from_points(plain["data"])
    assert all(len(a["x"]) >= len(b["x"]) for a, b in zip(others, plain["data"], strict=True))
    for r, steps in zip(result, runs, strict=True):
        traces, data = steps["traces"], stepped["data"]
        assert steps["nit"] == r.nit
        assert len(steps["line"]) == len(data[traces["line"]]["x"])
        assert len(steps["iterates"]) == len(data[traces["iterates"]]["x"])
        assert steps["line"] == sorted(steps["line"])
        assert steps["iterates"] == sorted(steps["iterates"])
        assert steps["iterates"][0] == 0
        assert data[traces["iterates"]]["customdata"][-1][0] == steps["iterates"][-1]
        assert len(data[traces["marks"]]["x"]) == 2
        assert data[traces["point"]]["name"] == "point"
        assert (len(traces["flights"]) == 1) == (r.status == "diverged")
        n = min(r.nit, MAX_STEPPED)
        assert len(steps["pos"]) == 3 * (n + 1)
        assert steps["pos"][0:2] == pytest.approx(r.path[0], rel=1e-6)
    # The polyline's own points belong to themselves; the points between, to the segment's end.
    x, y, owner = _drape(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.5]]), np.array([0.25, 0.25]))
    assert x.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert y.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.5]
    assert owner.tolist() == [0, 1, 1, 1, 1, 2, 2]


def test_the_screen_axes_written_out_are_numpy_s_cross_products():
    """The camera's screen axes (``_screen_axes``, written out for speed) are forward × ẑ,
    normalised, and right × forward, as ``np.cross`` gives them."""
    from gdviz.figures.camera import _screen_axes

    rng = np.random.default_rng(3)
    for forward in rng.normal(size=(200, 3)):
        forward /= np.linalg.norm(forward)
        right, up = _screen_axes(forward)
        expected = np.cross(forward, [0.0, 0.0, 1.0])
        expected /= np.linalg.norm(expected)
        np.testing.assert_allclose(right, expected, rtol=0, atol=1e-15)
        np.testing.assert_allclose(up, np.cross(expected, forward), rtol=0, atol=1e-15)


def _lab(hex_colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array(
        [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
         [0.0193339, 0.1191920, 0.9503041]]
    ) @ linear / np.array([0.95047, 1.0, 1.08883])  # fmt: skip
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e2000(first: np.ndarray, second: np.ndarray) -> float:
    """CIE ΔE2000 (Sharma, Wu & Dalal 2005) between two CIELAB colours."""
    (l1, a1, b1), (l2, a2, b2) = first, second
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    c1, c2 = np.hypot((1 + g) * a1, b1), np.hypot((1 + g) * a2, b2)
    h1 = np.degrees(np.arctan2(b1, (1 + g) * a1)) % 360
    h2 = np.degrees(np.arctan2(b2, (1 + g) * a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_hue = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_bar, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))  # fmt: skip
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_t = (
        -np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2))))
        * 2
        * np.sqrt(c_mean**7 / (c_mean**7 + 25**7))
    )
    dl, dc, dhh = (l2 - l1) / s_l, (c2 - c1) / s_c, d_hue / s_h
    return float(np.sqrt(dl**2 + dc**2 + dhh**2 + r_t * dc * dhh))


def test_delta_e2000_matches_sharmas_published_pairs():
    """Three of the reference pairs of Sharma, Wu & Dalal (2005), table 1."""
    for first, second, expected in (
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ):
        assert _delta_e2000(np.array(first), np.array(second)) == pytest.approx(expected, abs=1e-4)


def test_the_landscape_ramp_is_coloured_ordered_and_keeps_every_run_colour_visible():
    """Issue 13: one coloured, perceptually ordered ramp for the contours and the 3-D surface.

    Every colour along it (41 samples) is at least ΔE2000 = 20 from each of the first six run
    colours (a race has four or more): twice the ≈ 10 at which two colours read as different at
    a glance, for lines a few pixels wide; the grey ramp it replaced reached 15.7 (blue on its
    dark end). Lightness falls monotonically (ordered) and the ramp has hue (coloured)."""
    from gdviz.figures.raster import _ramp

    ramp = _ramp(np.linspace(0.0, 1.0, 41))
    samples = [_lab("#" + "".join(f"{round(v):02x}" for v in rgb)) for rgb in ramp]
    lightness = np.array([lab[0] for lab in samples])
    assert (np.diff(lightness) < 0).all()
    # Light, so the paths stay the most visible thing, with range enough to show the basins.
    assert 60 <= lightness.min() <= 70
    assert max(np.hypot(lab[1], lab[2]) for lab in samples) >= 8  # coloured, not grey
    for i in range(6):
        closest = min(_delta_e2000(_lab(run_color(i)), lab) for lab in samples)
        assert closest >= 20, (run_color(i), closest)
    surface = surface_figure(*lesson("ravine")[1:])
    assert surface.data[0].colorscale == tuple(tuple(stop) for stop in LANDSCAPE_SCALE)


def test_the_maps_figures_carry_no_nan_or_infinity_and_name_what_they_show(small_maps):
    """The rate sweep, the phase map and the basin map: strict JSON (no NaN or inf on the
    wire), a legend entry per outcome and per basin, the theory line for momentum."""
    import json as json_module

    from gdviz.figures.maps import basin_figure, phase_figure, sweep_figure

    sweep, phase, basins, surface = small_maps
    figures = [
        sweep_figure(sweep, panel_rates=(0.01, 0.05, 0.2), y="gap"),
        sweep_figure(sweep, panel_rates=(0.01, 0.05, 0.2)),
        phase_figure(phase, panel_rates=(0.01,), current=0.0, largest_eigenvalue=20.0),
        basin_figure(basins, Landscape.from_surface(surface), start=(0.0, 0.0), click_grid=10),
    ]
    for figure in figures:
        text = figure.to_json()
        json_module.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in a figure"))
    names = [{trace.name for trace in figure.data} for figure in figures]
    assert {"2/λ_max = 0.1", "panel 2: lr = 0.05"} <= names[1]
    assert "theory: lr = 2(1 + μ)/λ_max" in names[2]
    assert sum(1 for name in names[3] if name and name.startswith("minimum ")) == 4
