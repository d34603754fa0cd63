"""Step mode's arrows (gdviz/figures/stepping.py): each arrow is the traced update it claims
to be, checked against scalar transcriptions of the torch boxes; the figure carries them, cut
at the view, under the indices of the traces the browser moves."""

import math

import numpy as np
import pytest

from gdviz.engine import run
from gdviz.figures import comparison_figure
from gdviz.figures.stepping import MAX_STEPPED, clip_segments, update_arrows
from gdviz.lesson import Settings, build_lesson
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import load_library

OPTIMIZERS = [
    ("gd", {}),
    ("momentum", {"momentum": 0.8}),
    ("nesterov", {"momentum": 0.7}),
    ("adagrad", {"lr_decay": 0.01}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True}),
    ("adam", {}),
    ("adam", {"amsgrad": True}),
    ("adamw", {}),
    ("newton", {}),
]


def _traced(name, hyperparameters, lr=0.01, steps=30, **options):
    surface = load_library().surfaces["himmelblau"]
    optimizer = make_optimizer(name, **hyperparameters)
    result = run(
        surface.objective, optimizer, [(0.5, -0.5)], [lr], steps=steps, gtol=0, trace=True,
        **options,
    )  # fmt: skip
    return result, result.run(0)


def _scalar_rates(name, h, trace, t):
    """lr_t / (√(accumulator) + ε) per coordinate, written from the torch boxes one number at
    a time (not through update_numbers, which the arrows read)."""
    lr = float(trace.lr[t - 1])
    out = []
    for i in range(2):
        if name in ("adam", "adamw"):
            b2, eps = h["betas"][1], h["eps"]
            v = trace.state["max_exp_avg_sq" if h.get("amsgrad") else "exp_avg_sq"][t - 1][i]
            out.append(lr / (math.sqrt(v / (1 - b2**t)) + eps))
        elif name == "rmsprop":
            v = trace.state["square_avg"][t - 1][i]
            if h.get("centered"):
                v -= trace.state["grad_avg"][t - 1][i] ** 2
            out.append(lr / (math.sqrt(v) + h["eps"]))
        else:  # adagrad
            clr = lr / (1 + (t - 1) * h["lr_decay"])
            out.append(clr / (math.sqrt(trace.state["sum"][t - 1][i]) + h["eps"]))
    return np.array(out)


@pytest.mark.parametrize(("name", "hyperparameters"), OPTIMIZERS)
def test_each_arrow_is_the_traced_update_it_names(name, hyperparameters):
    result, r = _traced(name, hyperparameters)
    h, trace = result.hyperparameters, r.trace
    arrows = update_arrows(result.optimizer, h, r)
    np.testing.assert_array_equal(arrows.starts, r.path[:-1])
    # The actual step ends exactly on the path's next point.
    np.testing.assert_array_equal(arrows.starts + arrows.vectors["step"], r.path[1:])
    np.testing.assert_array_equal(arrows.vectors["gradient"], -trace.lr[:, None] * trace.grad)
    for t in (1, 2, 9, r.nit):
        lr = float(trace.lr[t - 1])
        if name in ("momentum", "nesterov"):
            buffer = trace.state["momentum_buffer"][t - 1]
            np.testing.assert_allclose(arrows.vectors["momentum"][t - 1], -lr * buffer, rtol=1e-12)
        if name == "nesterov":
            look = -lr * h["momentum"] * trace.state["momentum_buffer"][t - 1]
            np.testing.assert_allclose(arrows.vectors["lookahead"][t - 1], look, rtol=1e-12)
        if name in ("adam", "adamw"):
            m_hat = trace.state["exp_avg"][t - 1] / (1 - h["betas"][0] ** t)
            np.testing.assert_allclose(arrows.vectors["mean"][t - 1], -lr * m_hat, rtol=1e-12)
        if name in ("adam", "adamw", "rmsprop", "adagrad"):
            expected = _scalar_rates(name, h, trace, t) * np.abs(trace.grad[t - 1])
            np.testing.assert_allclose(arrows.box[t - 1], expected, rtol=1e-12)
        else:
            assert arrows.box is None
    if name in ("rmsprop", "adagrad"):
        # Without momentum the step is the box's corner against the gradient.
        corner = -np.sign(trace.grad) * arrows.box
        np.testing.assert_allclose(arrows.vectors["step"], corner, rtol=1e-9, atol=1e-15)


def test_a_clipped_gradient_shows_the_raw_gradient_too():
    result, r = _traced("gd", {}, lr=0.01, clip_norm=1.0)
    arrows = update_arrows("gd", result.hyperparameters, r, clipped=True)
    raw, clipped = arrows.vectors["raw"], arrows.vectors["gradient"]
    assert np.all(np.hypot(*clipped.T) <= 0.01 * (1.0 + 1e-9))
    assert np.hypot(*raw[0]) > np.hypot(*clipped[0]) * 10  # Himmelblau is steep at the start
    np.testing.assert_allclose(raw[0] / np.hypot(*raw[0]), clipped[0] / np.hypot(*clipped[0]))
    unclipped = update_arrows("gd", result.hyperparameters, _traced("gd", {})[1])
    assert "raw" not in unclipped.vectors


def test_a_segment_longer_than_the_view_is_cut_at_its_border():
    view = ((-1.0, 1.0), (-2.0, 2.0))
    starts = np.array([[0.0, 0.0], [0.0, 0.0], [0.5, 1.0]])
    ends = np.array([[4.0, 1.0], [0.5, -1.0], [0.5, -5.0]])
    np.testing.assert_allclose(
        clip_segments(starts, ends, view), [[1.0, 0.25], [0.5, -1.0], [0.5, -2.0]]
    )


def test_step_mode_covers_at_most_max_stepped_updates():
    result, r = _traced("gd", {}, lr=1e-5, steps=MAX_STEPPED + 50)
    arrows = update_arrows("gd", result.hyperparameters, r)
    assert len(arrows.starts) == MAX_STEPPED == len(arrows.vectors["step"])


def test_the_figure_carries_each_steps_arrows_under_its_traces_indices():
    lesson = build_lesson(Settings(optimizer="adam", trace=True))
    result = lesson.results[0]
    arrows = [update_arrows(result.optimizer, result.hyperparameters, r) for r in result]
    figure = comparison_figure(lesson.landscape, result, stepping=arrows, width=1200, height=700)
    assert not figure.frames  # step mode replaces playback
    steps = figure.layout.meta["gdviz_steps"]
    (x_low, x_high), (y_low, y_high) = figure.layout.xaxis.range, figure.layout.yaxis.range
    for r, a, drawn in zip(result, arrows, steps["runs"], strict=True):
        assert drawn["nit"] == r.nit
        assert drawn["n"] == min(r.nit, MAX_STEPPED)
        pos = np.array(drawn["pos"], dtype=float).reshape(-1, 2)
        np.testing.assert_allclose(pos, r.path[: drawn["n"] + 1], rtol=1e-6)
        ends = np.array(drawn["ends"]["step"], dtype=float).reshape(-1, 2)
        inside = (
            (a.starts[:, 0] >= x_low) & (a.starts[:, 0] <= x_high)
            & (a.starts[:, 1] >= y_low) & (a.starts[:, 1] <= y_high)
            & (r.path[1 : drawn["n"] + 1, 0] >= x_low) & (r.path[1 : drawn["n"] + 1, 0] <= x_high)
            & (r.path[1 : drawn["n"] + 1, 1] >= y_low) & (r.path[1 : drawn["n"] + 1, 1] <= y_high)
        )  # fmt: skip
        # A step that stays in the view ends on the path's next point; one that leaves it is
        # cut on the border.
        np.testing.assert_allclose(ends[inside], r.path[1 : drawn["n"] + 1][inside], rtol=1e-6)
        cut = ends[~inside & ~np.isnan(ends[:, 0])]
        on_border = np.isclose(cut[:, 0], x_low) | np.isclose(cut[:, 0], x_high)
        on_border |= np.isclose(cut[:, 1], y_low) | np.isclose(cut[:, 1], y_high)
        assert on_border.all()
        box = np.array(drawn["box"], dtype=float).reshape(-1, 4)
        # Corners to 7 figures of the coordinates: widths to about 1e-6 of the view.
        np.testing.assert_allclose(box[:, 2:] - box[:, :2], 2 * a.box, rtol=1e-5, atol=1e-5)
        indices = drawn["traces"]
        assert figure.data[indices["path"]].x is not None
        for name in ("point", "box", "gradient", "step", "mean"):
            assert figure.data[indices[name]].name == name


def test_a_path_cut_at_step_k_ends_at_theta_k_though_the_run_is_thinned():
    """A run of more than MAX_PATH_POINTS steps is thinned when drawn; in step mode every step
    the control covers is kept, on the panels and in the 3-D scene, so the path the browser
    cuts at step k ends at θ_k itself (it ended at the last kept point before it, short of the
    marked θ_k). Past the covered steps, and outside step mode, the path stays thinned."""
    from gdviz.figures import MAX_PATH_POINTS, surface_figure

    lesson = build_lesson(Settings(optimizer="adam", rates=(0.002,), steps=2500, trace=True))
    result = lesson.results[0]
    r = result.run(0)
    assert r.nit > MAX_STEPPED  # a long run: thinned when drawn
    arrows = [update_arrows(result.optimizer, result.hyperparameters, r)]
    panels = comparison_figure(lesson.landscape, result, stepping=arrows, width=1200, height=700)
    scene = surface_figure(lesson.landscape, result, stepping=True)
    for steps in (
        panels.layout.meta["gdviz_steps"]["runs"][0]["steps"],
        scene.layout.meta["gdviz_steps3d"]["runs"][0]["iterates"],
    ):
        assert steps[: MAX_STEPPED + 1] == list(range(MAX_STEPPED + 1))
        assert len(steps) - (MAX_STEPPED + 1) <= MAX_PATH_POINTS  # the rest thinned
        assert steps[-1] == r.nit
    path = panels.data[panels.layout.meta["gdviz_steps"]["runs"][0]["traces"]["path"]]
    for k in (1, 17, 999, MAX_STEPPED):
        shown = sum(step <= k for step in panels.layout.meta["gdviz_steps"]["runs"][0]["steps"])
        cut = np.column_stack([path.x[:shown], path.y[:shown]])
        np.testing.assert_allclose(cut[-1], r.path[k], rtol=1e-6)  # float32 on the wire
    plain = comparison_figure(lesson.landscape, result, playback=False)
    drawn = next(t for t in plain.data if t.mode == "lines+markers")
    assert len(drawn.x) <= MAX_PATH_POINTS < r.nit  # thinned outside step mode


def test_the_readmes_step_by_step_pictures_say_what_the_engine_did():
    """The README's captions of its two step-by-step screenshots, against the engine."""
    lesson = build_lesson(Settings(surface="rosenbrock", optimizer="adam", trace=True))
    result = lesson.results[0]
    good = list(result)[1]
    adam = update_arrows("adam", result.hyperparameters, good)
    gradient, mean, step, box = (adam.vectors["gradient"][11], adam.vectors["mean"][11],
                                 adam.vectors["step"][11], adam.box[11])  # fmt: skip
    assert gradient[1] > 10 * abs(gradient[0])  # almost straight up the wall
    assert mean[0] < -20  # far to the left
    assert np.hypot(*step) < np.hypot(*mean) / 100  # the step taken is short
    assert box[1] > 100 * box[0]  # tall and thin
    lesson = build_lesson(Settings(optimizer="momentum", rates=(0.001, 0.01, 0.03), trace=True))
    result = lesson.results[0]
    fast = list(result)[2]
    momentum = update_arrows("momentum", result.hyperparameters, fast)
    gradient, buffer, step = (
        momentum.vectors[kind][5] for kind in ("gradient", "momentum", "step")
    )
    assert gradient[1] < 0  # down,
    assert abs(gradient[0]) < 0.1 * abs(gradient[1])  # across the valley
    np.testing.assert_array_equal(step, buffer)  # the step taken is the buffer
    assert step[0] > 0.4  # half a unit along the valley, towards ★ at x = 0
    assert momentum.starts[5][0] < -0.4
