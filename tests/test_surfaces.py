"""The surface library: every file loads and its numbers are right; malformed files are named.

Whether the suggested rates behave as labelled is tested against the engine elsewhere.
"""

import numpy as np
import pytest

from gdviz.engine import run
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import Point, SurfaceError, get_surface, load_library, load_surface

LIBRARY = load_library()
SURFACES = list(LIBRARY.surfaces.values())
IDS = [surface.key for surface in SURFACES]
REQUIRED = {
    "round_bowl", "ravine", "rotated_ellipse", "rosenbrock", "himmelblau", "beale", "booth",
    "matyas", "three_hump_camel", "six_hump_camel", "goldstein_price", "rastrigin", "ackley",
    "saddle", "monkey_saddle", "plateau", "two_basins", "abs_bowl",
}  # fmt: skip


def test_the_library_loads_every_file_without_errors():
    assert LIBRARY.errors == ()
    assert len(SURFACES) >= 18
    assert set(LIBRARY.surfaces) >= REQUIRED


def test_surfaces_come_in_teaching_order():
    orders = [surface.order for surface in SURFACES]
    assert orders == sorted(orders)
    assert IDS[0] == "round_bowl"


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_listed_points_match_the_expression_and_are_stationary(surface):
    objective = surface.objective
    for point in (*surface.minima, *surface.saddles):
        assert float(objective.value(point.x, point.y)) == pytest.approx(
            point.f, rel=1e-9, abs=1e-9
        )
        assert np.linalg.norm(objective.gradient(point.x, point.y)) < 1e-6


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_minima_curve_up_and_saddles_curve_both_ways(surface):
    objective = surface.objective
    for point in surface.minima:
        eigenvalues = np.linalg.eigvalsh(objective.hessian(point.x, point.y))
        assert eigenvalues.min() >= -1e-9, point
    for point in surface.saddles:
        eigenvalues = np.linalg.eigvalsh(objective.hessian(point.x, point.y))
        degenerate = np.allclose(eigenvalues, 0)  # the monkey saddle is flat to second order
        assert degenerate or (eigenvalues.min() < 0 < eigenvalues.max()), point
    if surface.minima:
        assert surface.global_minimum.kind == "global"
        assert all(surface.global_minimum.f <= m.f + 1e-12 for m in surface.minima)


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_everything_listed_lies_inside_the_view(surface):
    (x_low, x_high), (y_low, y_high) = surface.view
    points = [(p.x, p.y) for p in (*surface.minima, *surface.saddles)] + list(surface.starts)
    for x, y in points:
        assert x_low <= x <= x_high
        assert y_low <= y <= y_high


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_gradient_matches_central_differences(surface):
    """20 seeded random points of the view; points on a kink or outside the domain are skipped."""
    objective = surface.objective
    (x_low, x_high), (y_low, y_high) = surface.view
    rng = np.random.default_rng(sum(map(ord, surface.key)))
    points = rng.uniform([x_low, y_low], [x_high, y_high], size=(20, 2))
    h = 1e-6
    checked = 0
    for x, y in points:
        f = objective.value(x, y)
        sides = np.array(
            [
                [objective.value(x + h, y), objective.value(x - h, y)],
                [objective.value(x, y + h), objective.value(x, y - h)],
            ]
        )
        if not (np.isfinite(f) and np.isfinite(sides).all()):
            continue  # outside the domain
        forward, backward = (sides[:, 0] - f) / h, (f - sides[:, 1]) / h
        if np.any(np.abs(forward - backward) > 1e-3 * np.maximum(np.abs(forward), 1.0)):
            continue  # a kink within h (abs): one-sided slopes disagree
        numeric = (sides[:, 0] - sides[:, 1]) / (2 * h)
        scale = max(1.0, abs(float(f)))
        np.testing.assert_allclose(objective.gradient(x, y), numeric, rtol=1e-5, atol=1e-7 * scale)
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_suggested_rates_behave_as_labelled_under_plain_gd(surface):
    """From the first start: slow runs out of steps still descending, good converges, diverging diverges.

    A surface with no minimum (a saddle) cannot converge: there the good rate escapes the
    saddle (diverges by leaving the view after a while) and the diverging one does so at once.
    """
    result = run(
        surface.objective,
        make_optimizer("gd"),
        [surface.starts[0]],
        list(surface.rates.as_tuple()),
        steps=surface.steps,
        view=surface.view,
    )
    slow, good, diverging = (result.run(i) for i in range(3))
    assert (slow.status, slow.diagnosis) == ("max_steps", "descending"), slow.message
    assert diverging.status == "diverged", diverging.message
    if surface.minima:
        assert good.status == "converged", good.message
        nearest = min(np.hypot(m.x - good.x[0], m.y - good.x[1]) for m in surface.minima)
        assert nearest < 1e-3, "the good rate should end at a listed minimum"
    else:
        assert (good.status, good.rule) == ("diverged", "left_view"), good.message
        assert good.nit > 10 > diverging.nit


def test_get_surface_by_key_and_unknown_keys_list_the_library():
    assert get_surface("rosenbrock").name == "Rosenbrock"
    with pytest.raises(SurfaceError, match="no surface 'nope' — available: round_bowl"):
        get_surface("nope")


GOOD_FILE = """
name = "Bowl"
expression = "x^2 + y^2"
teaches = "A bowl."
view = { x = [-2.0, 2.0], y = [-2.0, 2.0] }
starts = [[1.0, 1.0]]
rates = { slow = 0.001, good = 0.3, diverging = 1.1 }

[[minima]]
x = 0.0
y = 0.0
f = 0.0
kind = "global"
"""

BAD_FILES = {
    "missing name": (GOOD_FILE.replace('name = "Bowl"\n', ""), "field 'name': missing"),
    "wrong type": (
        GOOD_FILE.replace('teaches = "A bowl."', "teaches = 3"),
        "field 'teaches': expected non-empty text",
    ),
    "bad expression": (
        GOOD_FILE.replace('"x^2 + y^2"', '"x^2 + z"'),
        "field 'expression': unknown name 'z'",
    ),
    "hostile expression": (
        GOOD_FILE.replace('"x^2 + y^2"', '"__import__(os)"'),
        "field 'expression'",
    ),
    "view reversed": (
        GOOD_FILE.replace("x = [-2.0, 2.0]", "x = [2.0, -2.0]"),
        "field 'view.x': expected [min, max]",
    ),
    "unknown field": ('colour = "red"\n' + GOOD_FILE, "field 'colour': unknown field"),
    "minimum outside the view": (
        GOOD_FILE.replace("x = 0.0\ny", "x = 5.0\ny"),
        "field 'minima[0]'",
    ),
    "minimum with a wrong f": (GOOD_FILE.replace("f = 0.0", "f = 1.0"), "field 'minima[0].f'"),
    "start outside the view": (
        GOOD_FILE.replace("[[1.0, 1.0]]", "[[9.0, 1.0]]"),
        "field 'starts[0]'",
    ),
    "rates out of order": (GOOD_FILE.replace("good = 0.3", "good = 3"), "field 'rates'"),
    "view with one number": (
        GOOD_FILE.replace("x = [-2.0, 2.0]", "x = [3]"),
        "field 'view.x': expected two numbers [min, max] with min < max, got [3]",
    ),
    "unknown field in a minimum": (
        GOOD_FILE.replace('kind = "global"', 'kind = "global"\ncolour = 1'),
        "field 'minima[0].colour': unknown field",
    ),
    "minimum of an unknown kind": (
        GOOD_FILE.replace('kind = "global"', 'kind = "best"'),
        "field 'minima[0].kind': expected one of global, local",
    ),
    "rate missing": (GOOD_FILE.replace("good = 0.3, ", ""), "field 'rates.good': missing"),
    "invalid TOML": ("name = ", "field '(file)': not valid TOML"),
    "steps not a number": ('steps = "many"\n' + GOOD_FILE, "field 'steps'"),
}


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "bowl.toml"
    path.write_text(GOOD_FILE)
    surface = load_surface(path)
    assert (surface.key, surface.steps, surface.rates.good) == ("bowl", 500, 0.3)
    assert surface.view == ((-2.0, 2.0), (-2.0, 2.0))
    assert surface.starts == ((1.0, 1.0),)
    assert surface.global_minimum == Point(0.0, 0.0, 0.0, "global")
    assert surface.objective.value(1.0, 2.0) == 5.0


def test_a_file_without_minima_loads(tmp_path):
    """Saddles have no minimum: minima and saddles are optional, order defaults to the end."""
    path = tmp_path / "ridge.toml"
    path.write_text(GOOD_FILE.split("[[minima]]")[0].replace("x^2 + y^2", "x^2 - y^2"))
    surface = load_surface(path)
    assert (surface.minima, surface.saddles, surface.global_minimum) == ((), (), None)
    assert surface.order == 1000


def test_surfaces_without_a_minimum_are_saddles_that_say_so():
    for surface in SURFACES:
        if not surface.minima:
            assert surface.saddles, surface.key
            assert "no minimum" in surface.teaches, surface.key


def test_the_default_library_is_loaded_once_but_directories_each_time(tmp_path):
    assert load_library() is load_library()
    (tmp_path / "bowl.toml").write_text(GOOD_FILE)
    assert load_library(tmp_path) is not load_library(tmp_path)


@pytest.mark.parametrize(("text", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_malformed_files_name_the_file_and_the_field(tmp_path, text, expected):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(SurfaceError) as error:
        load_surface(path)
    assert "broken.toml" in str(error.value)
    assert expected in str(error.value)


def test_one_bad_file_does_not_stop_the_rest_of_the_library(tmp_path):
    (tmp_path / "bowl.toml").write_text(GOOD_FILE)
    (tmp_path / "other.toml").write_text(GOOD_FILE.replace("Bowl", "Other"))
    (tmp_path / "broken.toml").write_text(BAD_FILES["bad expression"][0])
    library = load_library(tmp_path)
    assert list(library.surfaces) == ["bowl", "other"]
    assert len(library.errors) == 1
    assert "broken.toml" in str(library.errors[0])


def test_the_saddles_good_run_escapes_the_way_its_text_says():
    """'escapes along y on the side it started (up, from y₀ = 0.05)': y grows, upwards."""
    from gdviz.lesson import Settings, build_lesson

    surface = get_surface("saddle")
    assert "(up, from y₀ = 0.05)" in surface.teaches
    assert surface.starts[0][1] == 0.05
    good = build_lesson(Settings(surface="saddle")).results[0].run(1)
    assert good.path[-1, 1] > 10 * good.path[0, 1] > 0


def test_rastrigins_minima_sit_near_integer_points_and_the_text_says_only_some_are_marked():
    surface = get_surface("rastrigin")
    for minimum in surface.minima:
        assert abs(minimum.x - round(minimum.x)) < 0.02
        assert abs(minimum.y - round(minimum.y)) < 0.02
    assert "the markers show the global one and a few" in surface.teaches


def test_ackleys_text_states_how_much_the_rounding_lowers_the_window():
    """Against the standard Ackley function the rounded tip lowers f by up to 0.33 on the view."""
    surface = get_surface("ackley")
    (x_low, x_high), (y_low, y_high) = surface.view
    x, y = np.meshgrid(np.linspace(x_low, x_high, 601), np.linspace(y_low, y_high, 601))
    standard = (
        -20 * np.exp(-0.2 * np.sqrt(0.5 * (x**2 + y**2)))
        - np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y)))
        + np.e
        + 20
    )
    lowered = standard - surface.objective.value(x, y)
    assert lowered.max() == pytest.approx(0.33, abs=0.005)
    assert lowered.min() > -1e-9
    assert "lowers the rest of the window by up to 0.33" in surface.teaches
