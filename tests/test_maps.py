"""Maps of many runs: the engine's final-state mode, the rate sweep, the phase map, the basins."""

import numpy as np
import pytest

from gdviz.engine import final_states, run
from gdviz.expression import parse_function
from gdviz.maps import (
    OUTCOMES,
    basin_map,
    momentum_converges,
    outcomes,
    phase_map,
    rate_sweep,
)
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import get_surface, load_library

BOWL = parse_function("x^2 + 10y^2")  # λ_max = 20: plain GD's stability bound is 2/20 = 0.1
BOWL_VIEW = ((-3.0, 3.0), (-3.0, 3.0))
GD = make_optimizer("gd")
SURFACE_KEYS = sorted(load_library().surfaces)


@pytest.mark.parametrize("key", SURFACE_KEYS)
def test_final_states_end_every_run_as_the_recording_engine_does(key):
    """Same final points, statuses, rules, diagnoses, step counts and classifications as run()
    on every library surface, for rates from too slow to diverging and a few starts."""
    surface = get_surface(key)
    starts = list(surface.starts[:2])
    rates = np.logspace(-5, 1, 13)
    options = {"steps": min(surface.steps, 400), "view": surface.view, "minima": surface.minima}
    recorded = run(surface.objective, GD, starts, rates, **options)
    final = final_states(surface.objective, GD, starts, rates, **options)
    for name in ("status", "rule", "diagnosis", "stop", "nit"):
        np.testing.assert_array_equal(getattr(final, name), getattr(recorded, name), err_msg=name)
    np.testing.assert_array_equal(final.x, recorded.x)
    np.testing.assert_array_equal(final.fun, recorded.fun)
    ends = recorded.grad_norms[np.arange(len(recorded)), recorded.nit]
    np.testing.assert_array_equal(final.grad_norm, ends)


def diagnosis_from_the_paths(recorded, steps: int) -> np.ndarray:
    """The diagnosis rule (DIAGNOSIS_WINDOW = 50 last steps) read off the recorded paths, as
    the engine computed it from a history before it counted as it stepped: oscillating when
    consecutive moves point against each other in more than half of the pairs or f rises in
    more than 30 % of the steps; else descending when f fell by more than rounding; stalled."""
    window = min(50, steps)
    unfinished = recorded.status == "max_steps"
    loss = recorded.losses[unfinished, steps - window : steps + 1]
    moves = np.diff(recorded.paths[unfinished, steps - window : steps + 1], axis=1)
    reversals = np.zeros(len(loss))
    if window >= 2:
        reversals = (np.einsum("rkj,rkj->rk", moves[:, 1:], moves[:, :-1]) < 0).mean(axis=1)
    rises = (np.diff(loss, axis=1) > 0).mean(axis=1) if window else np.zeros(len(loss))
    fell = loss[:, 0] - loss[:, -1] > 1e-12 * np.maximum(np.abs(loss[:, 0]), 1.0)
    diagnosis = np.full(len(recorded), "", dtype=object)
    diagnosis[unfinished] = np.where(
        (reversals > 0.5) | (rises > 0.3), "oscillating", np.where(fell, "descending", "stalled")
    )
    return diagnosis.astype(str)


@pytest.mark.parametrize("steps", [0, 1, 2, 30, 400])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_the_diagnosis_counted_while_stepping_is_the_one_read_off_the_paths(optimizer, steps):
    """Both engines count the diagnosis over the last steps as they take them; it equals the
    rule applied to the recorded history, for budgets shorter and longer than the window."""
    seen = set()
    for key in ("rosenbrock", "himmelblau", "two_basins", "plateau"):
        surface = get_surface(key)
        args = (surface.objective, make_optimizer(optimizer), list(surface.starts[:2]))
        options = {"steps": steps, "view": surface.view}
        recorded = run(*args, np.logspace(-5, 0.5, 12), **options)
        final = final_states(*args, np.logspace(-5, 0.5, 12), **options)
        expected = diagnosis_from_the_paths(recorded, steps)
        np.testing.assert_array_equal(recorded.diagnosis, expected)
        np.testing.assert_array_equal(final.diagnosis, expected)
        seen |= set(expected)
    if steps >= 30:  # the comparison covers more than one verdict
        assert {"descending", "oscillating"} <= seen, seen


def test_final_states_memory_does_not_grow_with_the_steps():
    """Peak extra memory of a 100 × 100 map with every run taking every step: under 1 kB a
    run, the same at 300 and at 1,200 steps (a ring of the last 50 steps was 5.7 kB a run)."""
    import tracemalloc

    surface = get_surface("himmelblau")
    peaks = []
    for steps in (300, 1200):
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            basin_map(
                surface.objective, GD, 0.01, view=surface.view, grid=100, steps=steps,
                gtol=0.0, xtol=0.0,
            )  # fmt: skip
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
        finally:
            tracemalloc.stop()
    assert max(peaks) < 1000 * 100 * 100
    assert peaks[1] < 1.1 * peaks[0]


def test_final_states_match_with_momentum_noise_and_a_budget_shorter_than_the_window():
    surface = get_surface("two_basins")
    for options in ({"steps": 30}, {"steps": 300, "noise": 0.5, "seed": 3}):
        args = (surface.objective, make_optimizer("momentum"), [(-1.5, 0.5)], [1e-3, 0.01, 0.1])
        recorded = run(*args, view=surface.view, **options)
        final = final_states(*args, view=surface.view, **options)
        np.testing.assert_array_equal(final.diagnosis, recorded.diagnosis)
        np.testing.assert_array_equal(final.x, recorded.x)


def test_every_outcome_is_a_word_of_the_vocabulary():
    surface = get_surface("himmelblau")
    states = final_states(
        surface.objective, GD, [(0.0, 0.0), (-0.27, -0.92)], np.logspace(-5, 1, 20),
        steps=200, view=surface.view, minima=surface.minima,
    )  # fmt: skip
    words = set(outcomes(states))
    assert words <= set(OUTCOMES)
    assert {"diverged", "too slow"} <= words


def test_the_sweep_on_a_bowl_diverges_exactly_above_two_over_lambda_max():
    sweep = rate_sweep(BOWL, GD, (1.5, 1.5), steps=1000, view=BOWL_VIEW)
    assert sweep.bound == pytest.approx(0.1)
    below, above = sweep.lrs < 0.1, sweep.lrs > 0.1
    assert below.any()
    assert above.any()
    assert (sweep.outcome[below] != "diverged").all()
    assert (sweep.outcome[above] == "diverged").all()
    # Narrowed to where something happens: not 1e-6 … 1e3, but around the converging rates.
    assert sweep.narrowed
    assert 1e-6 < sweep.low < 1e-2
    assert 0.1 < sweep.high < 10
    fastest = sweep.fastest()
    assert fastest is not None
    assert 0.03 < sweep.lrs[fastest] < 0.1


def test_a_sweep_over_a_range_the_user_set_is_not_narrowed():
    sweep = rate_sweep(BOWL, GD, (1.5, 1.5), low=1e-3, high=1.0, count=7, narrow=False,
                       steps=200, view=BOWL_VIEW)  # fmt: skip
    np.testing.assert_allclose(sweep.lrs, np.logspace(-3, 0, 7))
    assert not sweep.narrowed


@pytest.mark.parametrize(
    ("low", "high", "count"), [(0, 1, 10), (1, 0.1, 10), (1e-3, 1, 1), (1e-3, 1, 10_000)]
)
def test_sweep_ranges_are_checked(low, high, count):
    with pytest.raises(ValueError, match="rates"):
        rate_sweep(BOWL, GD, (1.5, 1.5), low=low, high=high, count=count, narrow=False)


def test_himmelblaus_basins_send_each_corner_to_its_own_minimum():
    surface = get_surface("himmelblau")
    basins = basin_map(
        surface.objective, GD, 0.01, view=surface.view, grid=60, steps=300, minima=surface.minima
    )
    assert basins.outcome.shape == basins.minimum.shape == (60, 60)
    for index, minimum in enumerate(surface.minima):
        # The start of the grid nearest each minimum ends there, and each basin is substantial.
        j = int(np.abs(basins.xs - minimum.x).argmin())
        i = int(np.abs(basins.ys - minimum.y).argmin())
        assert basins.minimum[i, j] == index
        assert basins.share(index) > 0.15
    assert sum(basins.share(i) for i in range(4)) == pytest.approx(
        float((basins.minimum >= 0).mean())
    )


def test_the_measured_phase_map_matches_momentums_theory_away_from_the_boundary():
    """Heavy ball on x² + 10y²: converges iff lr < 2(1 + μ)/λ_max (Distill); cells more than
    10 % of a rate away from the boundary must agree with theory (diverged or not)."""
    phase = phase_map(
        BOWL, "momentum", (1.5, 1.5), param="momentum", values=(0.0, 0.95, 12),
        low=1e-3, high=1.0, count=30, steps=500, view=BOWL_VIEW,
    )  # fmt: skip
    assert phase.theory is not None
    edge = 2 * (1 + phase.values[:, None]) / 20
    far = np.abs(np.log(phase.lrs[None, :] / edge)) > np.log(1.1)
    diverged = phase.outcome == "diverged"
    assert far.sum() > 300
    np.testing.assert_array_equal(diverged[far], ~phase.theory[far])


PHASE_CASES = [
    # (optimizer, param, values): the brief's four families, plus the other per-run branches
    ("momentum", "momentum", (0.0, 0.99, 8)),  # μ = 0 runs take torch's plain steps
    ("nesterov", "momentum", (0.1, 0.95, 8)),
    ("rmsprop", "alpha", (0.5, 0.999, 8)),
    ("rmsprop", "momentum", (0.0, 0.9, 6)),
    ("adam", "beta1", (0.0, 0.99, 8)),
    ("adam", "beta2", (0.9, 0.9999, 8)),
    ("adamw", "beta1", (0.0, 0.99, 6)),
    ("momentum", "dampening", (0.0, 0.99, 6)),
    ("adagrad", "lr_decay", (0.0, 1.0, 6)),
    ("gd", "weight_decay", (0.0, 1.0, 6)),
]
PHASE_PROBLEMS = {
    "quadratic": (BOWL, (1.5, 1.5), {"view": BOWL_VIEW}),
    "himmelblau": (
        get_surface("himmelblau").objective,
        (-0.27, -0.92),  # near the maximum: runs fan out to all four minima, or diverge
        {"view": get_surface("himmelblau").view, "minima": get_surface("himmelblau").minima},
    ),
}


def one_call_per_value(objective, optimizer, start, param, grid, rates, options):
    """The phase map as it was computed before: one engine call per value, floats only."""
    rows = []
    for value in grid:
        if param in ("beta1", "beta2"):
            betas = [0.9, 0.999]
            betas[param == "beta2"] = float(value)
            chosen = make_optimizer(optimizer, betas=tuple(betas))
        else:
            chosen = make_optimizer(optimizer, **{param: float(value)})
        rows.append(final_states(objective, chosen, [start], rates, **options))
    return rows


@pytest.mark.parametrize("problem", PHASE_PROBLEMS)
@pytest.mark.parametrize(("optimizer", "param", "values"), PHASE_CASES)
def test_the_phase_map_in_one_call_equals_one_call_per_value_cell_for_cell(
    optimizer, param, values, problem
):
    """The whole grid stepped at once with the hyperparameter given per run ends every run
    exactly as the old loop (one final_states call per value, the value a float) did: the
    same outcome, step count, final loss and point in every cell."""
    objective, start, options = PHASE_PROBLEMS[problem]
    options = {**options, "steps": 200}
    phase = phase_map(
        objective, optimizer, start, param=param, values=values, low=1e-4, high=1.0, count=15,
        **options,
    )  # fmt: skip
    loop = one_call_per_value(objective, optimizer, start, param, phase.values, phase.lrs, options)
    np.testing.assert_array_equal(phase.outcome, [outcomes(row) for row in loop])
    np.testing.assert_array_equal(phase.nit, [row.nit for row in loop])
    np.testing.assert_array_equal(phase.fun, [row.fun for row in loop])
    for mapped, alone in zip(phase.states, loop, strict=True):
        np.testing.assert_array_equal(mapped.x, alone.x)
        np.testing.assert_array_equal(mapped.status, alone.status)
        np.testing.assert_array_equal(mapped.diagnosis, alone.diagnosis)
        np.testing.assert_array_equal(mapped.lrs, alone.lrs)
    # The grid reaches different ends: the comparison is not between uniform maps.
    assert len(set(phase.outcome.ravel())) >= 2


def test_the_phase_map_steps_the_whole_grid_in_one_engine_call(monkeypatch):
    """One final_states call for all values × rates (not one per value), with the runs laid
    out value-major: run i·count + j is value i at rate j."""
    import gdviz.maps

    calls = []

    def counted(objective, optimizer, starts, lrs, **options):
        calls.append((len(starts), len(lrs), optimizer.hyperparameters["momentum"]))
        return final_states(objective, optimizer, starts, lrs, **options)

    monkeypatch.setattr(gdviz.maps, "final_states", counted)
    phase = phase_map(
        BOWL, "momentum", (1.5, 1.5), param="momentum", values=(0.0, 0.9, 4), count=3, steps=50
    )
    assert [(starts, lrs) for starts, lrs, _ in calls] == [(4, 3)]
    np.testing.assert_array_equal(calls[0][2], np.repeat(phase.values, 3))
    assert phase.outcome.shape == phase.nit.shape == phase.fun.shape == (4, 3)


def test_momentum_theory_is_the_spectral_radius_of_the_iteration():
    rng = np.random.default_rng(0)
    for _ in range(200):
        lr, mu, lam = 10 ** rng.uniform(-3, 0.5), rng.uniform(0, 0.99), rng.uniform(0.1, 30)
        matrix = np.array([[mu, lam], [-lr * mu, 1 - lr * lam]])
        radius = np.abs(np.linalg.eigvals(matrix)).max()
        if abs(radius - 1) > 1e-6:
            assert bool(momentum_converges(lr, mu, lam)) == (radius < 1)


def test_no_theory_for_functions_that_are_not_quadratics():
    phase = phase_map(
        get_surface("rosenbrock").objective, "momentum", (-1.5, 2.0), param="momentum",
        values=(0.0, 0.9, 2), low=1e-4, high=1e-3, count=2, steps=20,
    )  # fmt: skip
    assert phase.theory is None
    assert phase.outcome.shape == (2, 2)


def test_basin_and_phase_sizes_are_bounded():
    with pytest.raises(ValueError, match="grid"):
        basin_map(BOWL, GD, 0.01, view=BOWL_VIEW, grid=100_000)
    with pytest.raises(ValueError, match="values"):
        phase_map(BOWL, "momentum", (1.0, 1.0), param="momentum", values=(0, 0.9, 10_000))
