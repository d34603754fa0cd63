"""Where a run stopped: minimum (which one), saddle, flat region, maximum or slope."""

import numpy as np
import pytest

from gdviz.engine import run
from gdviz.expression import parse_function
from gdviz.figures import verdict_label
from gdviz.optimizers import make_optimizer
from gdviz.schedules import parse_schedule
from gdviz.stationary import Scale, classify, find_minima
from gdviz.surfaces import get_surface, load_library

GD = make_optimizer("gd")
BOX = ((-3.0, 3.0), (-3.0, 3.0))


def _classify(text, points, view=BOX, minima=()):
    objective = parse_function(text)
    return classify(objective, points, Scale.of(objective, view), minima)


@pytest.mark.parametrize("key", list(load_library().surfaces))
def test_every_listed_minimum_and_saddle_of_the_library_is_recognised(key):
    """Each surface's listed minima classify as themselves (global/local), its saddles as saddles."""
    surface = get_surface(key)
    points = [(m.x, m.y) for m in surface.minima] + [(p.x, p.y) for p in surface.saddles]
    stops = classify(
        surface.objective, points, Scale.of(surface.objective, surface.view), surface.minima
    )
    expected = [f"{m.kind} minimum" for m in surface.minima] + ["saddle"] * len(surface.saddles)
    assert list(stops.kind) == expected
    assert list(stops.known[: len(surface.minima)]) == list(range(len(surface.minima)))


def test_classify_is_vectorised_and_pure():
    """Many points at once give what each gives alone; the inputs are not changed."""
    points = np.array([[0.0, 0.0], [1.0, 0.5], [0.3, -0.2], [1e-9, 1e-9]])
    together = _classify("x^2 - y^2", points)
    alone = [_classify("x^2 - y^2", [p]).kind[0] for p in points]
    assert list(together.kind) == alone
    np.testing.assert_array_equal(points[0], [0.0, 0.0])


@pytest.mark.parametrize(
    ("text", "start", "lr"),
    [
        ("x^2 - y^2", (1.5, 0.0), 0.1),
        ("x*y", (1.0, 1.0), 0.1),
        ("x^2 - y^2 + 0.1x^3", (0.8, 0), 0.1),
    ],
)
def test_a_saddle_reached_along_its_stable_direction_is_no_success(text, start, lr):
    """Typed saddles: the run converges by gtol but stops at a saddle — never a tick."""
    result = run(parse_function(text), GD, [start], [lr], steps=2000, view=BOX)
    r = result.run(0)
    assert (r.status, r.rule, r.stop) == ("converged", "gtol", "saddle")
    assert not r.success
    assert not result.success[0]
    assert r.message.startswith("stopped at a saddle point")
    assert "✓" not in verdict_label(r)
    assert "saddle" in verdict_label(r)


def test_the_plateau_flings_adam_onto_its_flat_part():
    """?surface=plateau&opt=adam at 6.81: the run lands where ∇f ≈ 0 far from the well."""
    plateau = get_surface("plateau")
    result = run(
        plateau.objective, make_optimizer("adam"), [plateau.starts[0]], [6.812920690579608],
        steps=plateau.steps, view=plateau.view, minima=plateau.minima,
    )  # fmt: skip
    r = result.run(0)
    assert (r.status, r.stop) == ("converged", "flat")
    assert not r.success
    assert r.message.startswith("stalled on a flat region: the gradient vanished (|∇f| = ")
    assert verdict_label(r) == "stalled on a flat region ⚠"


def test_two_basins_names_the_local_and_the_global_minimum():
    """From the first start GD settles in the shallow basin, and the message says where the deep one is."""
    surface = get_surface("two_basins")
    result = run(
        surface.objective, GD, surface.starts, [0.05], steps=surface.steps,
        view=surface.view, minima=surface.minima,
    )  # fmt: skip
    local, deep = result.run(0), result.run(1)
    assert local.stop == "local minimum"
    assert local.success
    assert local.message.endswith(
        "reached a local minimum (f = -2.619); the global one is at (-1.47, 0) with f = -5.444"
    )
    assert verdict_label(local) == f"local minimum in {local.nit} steps ✓"
    assert deep.stop == "global minimum"
    assert deep.message.endswith("reached the global minimum (f = -5.444)")


def test_himmelblau_four_minima_each_found_from_its_own_basin():
    surface = get_surface("himmelblau")
    starts = [(2.5, 2.5), (-2.5, 2.5), (-3.0, -3.0), (3.0, -1.5)]
    result = run(
        surface.objective, GD, starts, [0.01], steps=2000, view=surface.view,
        minima=surface.minima,
    )  # fmt: skip
    assert list(result.stop) == ["global minimum"] * 4
    ends = {(round(float(x), 3), round(float(y), 3)) for x, y in result.x}
    assert ends == {(round(m.x, 3), round(m.y, 3)) for m in surface.minima}


def test_a_maximum_is_named_as_one():
    """Himmelblau's local maximum, and a run that starts on the top of a hill."""
    surface = get_surface("himmelblau")
    stops = classify(
        surface.objective, [(-0.270845, -0.923039)], Scale.of(surface.objective, surface.view),
        surface.minima,
    )  # fmt: skip
    assert list(stops.kind) == ["maximum"]
    result = run(parse_function("-(x^2 + y^2)"), GD, [(0, 0)], [0.1], view=BOX)
    r = result.run(0)
    assert (r.status, r.stop) == ("converged", "maximum")
    assert not r.success
    assert r.message.startswith("stopped at a maximum")
    assert verdict_label(r) == "stopped at a maximum ⚠"


def test_newton_steps_are_classified_like_any_other():
    """Newton falls back to a gradient step where H is indefinite: at lr 0.5 that step lands
    on the saddle of x² − y² at once; on x⁴ + y⁴ its steps reach the flat-bottomed minimum."""
    newton = make_optimizer("newton")
    saddle = run(parse_function("x^2 - y^2"), newton, [(1, 0)], [0.5], view=BOX)
    assert (saddle.nit[0], saddle.stop[0]) == (1, "saddle")
    assert not saddle.success[0]
    quartic = run(parse_function("x^4 + y^4"), newton, [(1, 0.5)], [1.0], view=BOX)
    assert (quartic.status[0], quartic.stop[0]) == ("converged", "minimum")


def test_the_monkey_saddle_is_a_saddle_though_its_hessian_vanishes():
    """H = 0 at the origin: the ring of f values around it both rises and falls."""
    stops = _classify("x^3 - 3x y^2", [(0.0, 0.0)], view=((-2, 2), (-2, 2)))
    assert list(stops.kind) == ["saddle"]
    assert np.allclose(stops.eigenvalues, 0)
    monkey = get_surface("monkey_saddle")
    result = run(monkey.objective, GD, [(0.5, 0.0)], [0.3], steps=5000, view=monkey.view)
    assert (result.status[0], result.stop[0]) == ("converged", "saddle")


def test_a_flat_bottomed_minimum_is_a_minimum_not_a_flat_region():
    """x⁴ + y⁴: H = 0 at the minimum, but f is as low as anywhere in view."""
    result = run(
        parse_function("x^4 + y^4"), GD, [(1.0, 0.5)], [0.05], steps=5000, gtol=1e-3, view=BOX
    )
    assert (result.status[0], result.stop[0]) == ("converged", "minimum")


def test_the_kink_of_abs_is_a_minimum_and_a_slope_beside_it_is_not():
    stops = _classify("abs(x) + abs(y)", [(0.0, 0.0), (1e-9, -1e-9), (1.0, 0.5)])
    assert list(stops.kind) == ["minimum", "minimum", "slope"]
    # A decaying rate lets gradient descent settle on the kink (the step falls below xtol).
    result = run(
        parse_function("abs(x) + abs(y)"), GD, [(1.3, -0.7)], [0.25], steps=2000, view=BOX,
        schedule=parse_schedule("exponential(gamma=0.95)"),
    )  # fmt: skip
    assert (result.status[0], result.rule[0], result.stop[0]) == ("converged", "xtol", "minimum")


def test_a_run_whose_steps_are_too_short_stopped_on_a_slope():
    result = run(parse_function("x^2 + 10y^2"), GD, [(1, 1)], [1e-14], steps=10, view=BOX)
    assert (result.rule[0], result.stop[0]) == ("xtol", "slope")
    assert "stopped on a slope" in result.message(0)
    assert not result.success[0]


@pytest.mark.parametrize(
    ("text", "start", "kind"),
    [("x^2 - y^2", (0.0, 0.0), "saddle"), ("x^2 + 10y^2", (0.0, 0.0), "minimum")],
)
def test_a_start_that_is_already_stationary_is_classified_too(text, start, kind):
    result = run(parse_function(text), GD, [start], [0.1], view=BOX)
    assert (result.nit[0], result.status[0], result.stop[0]) == (0, "converged", kind)


def test_typed_functions_get_their_minima_found_numerically():
    """Himmelblau typed: four global minima; two basins typed: one global, one local."""
    himmelblau = find_minima(
        parse_function("(x^2 + y - 11)^2 + (x + y^2 - 7)^2"), ((-5.0, 5.0), (-5.0, 5.0))
    )
    assert [m.kind for m in himmelblau] == ["global"] * 4
    assert {(round(m.x, 4), round(m.y, 4)) for m in himmelblau} == {
        (3.0, 2.0), (-2.8051, 3.1313), (-3.7793, -3.2832), (3.5844, -1.8481)
    }  # fmt: skip
    basins = find_minima(parse_function("x^4 - 4x^2 + x + y^2"), ((-2.5, 2.5), (-2, 2)))
    assert [(m.kind, round(m.x, 3)) for m in basins] == [("global", -1.473), ("local", 1.347)]
    assert find_minima(parse_function("x*y"), BOX) == ()
    # Unbounded below in view: the lowest minimum found is not called global.
    cubic = find_minima(parse_function("x^3 - 3x + y^2"), BOX)
    assert [(m.kind, round(m.x, 6)) for m in cubic] == [("local", 1.0)]
