"""The stepping engine: exact trajectories, independent stopping, verdicts and messages."""

import json

import numpy as np
import pytest
from same_runs import assert_same_runs

from gdviz.engine import LOSS_GROWTH_FACTOR, VIEW_ESCAPE_FACTOR, run
from gdviz.expression import parse_function
from gdviz.figures.labels import verdict_label
from gdviz.optimizers import make_optimizer
from gdviz.schedules import parse_schedule

BOWL = parse_function("x^2 + 10y^2")  # λ = 2 and 20: the stability bound of GD is 2/20 = 0.1
GD = make_optimizer("gd")


def test_plain_gd_matches_the_closed_form():
    """x_k = x_0 (1 − 2 lr)^k and y_k = y_0 (1 − 20 lr)^k on x² + 10y²."""
    result = run(BOWL, GD, [(1.5, -0.8)], [0.03], steps=40, gtol=0, xtol=0)
    k = np.arange(41)
    expected = np.stack([1.5 * (1 - 0.06) ** k, -0.8 * (1 - 0.6) ** k], axis=1)
    np.testing.assert_allclose(result.paths[0], expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        result.losses[0], expected[:, 0] ** 2 + 10 * expected[:, 1] ** 2, rtol=1e-12
    )


@pytest.mark.parametrize(("lr", "status"), [(0.099, "converged"), (0.101, "diverged")])
def test_rates_either_side_of_the_stability_bound(lr, status):
    """2/λ_max = 0.1: just below converges, just above diverges."""
    result = run(BOWL, GD, [(1.0, 1.0)], [lr], steps=3000)
    assert result.status[0] == status


def test_runs_in_one_batch_end_independently():
    """Each run stops on its own step; the others keep going and are unaffected."""
    rates = [0.01, 0.05, 0.2]
    together = run(BOWL, GD, [(1.0, 1.0)], rates, steps=2000)
    assert list(together.status) == ["converged", "converged", "diverged"]
    assert together.nit[1] < together.nit[0]
    for i, lr in enumerate(rates):
        alone = run(BOWL, GD, [(1.0, 1.0)], [lr], steps=2000)
        assert alone.nit[0] == together.nit[i]
        np.testing.assert_array_equal(alone.run(0).path, together.run(i).path)


def test_starts_are_outer_and_rates_inner():
    result = run(BOWL, GD, [(1.0, 0.0), (0.0, 1.0)], [0.01, 0.02], steps=3)
    np.testing.assert_array_equal(result.starts, [[1, 0], [1, 0], [0, 1], [0, 1]])
    np.testing.assert_array_equal(result.lrs, [0.01, 0.02, 0.01, 0.02])


def test_gradient_rule_message():
    result = run(BOWL, GD, [(1.0, 1.0)], [0.05], steps=1000)
    assert (result.status[0], result.rule[0]) == ("converged", "gtol")
    assert result.message(0) == (
        f"converged in {result.nit[0]} steps: the gradient norm fell below gtol = 1e-06; "
        f"reached a minimum (f = {result.fun[0]:.4g})"
    )
    assert result.grad_norms[0, result.nit[0]] < 1e-6 <= result.grad_norms[0, result.nit[0] - 1]


def test_step_rule():
    result = run(BOWL, GD, [(1.0, 1.0)], [0.05], steps=1000, gtol=0, xtol=1e-3)
    assert (result.status[0], result.rule[0]) == ("converged", "xtol")
    assert "step length fell below xtol = 0.001" in result.message(0)
    last_step = np.linalg.norm(result.paths[0, result.nit[0]] - result.paths[0, result.nit[0] - 1])
    assert last_step < 1e-3


def test_loss_change_rule():
    result = run(BOWL, GD, [(1.0, 1.0)], [0.05], steps=1000, gtol=0, xtol=0, ftol=1e-4)
    assert (result.status[0], result.rule[0]) == ("converged", "ftol")
    k = result.nit[0]
    assert abs(result.losses[0, k] - result.losses[0, k - 1]) <= 1e-4 * max(
        1, result.losses[0, k - 1]
    )
    assert "loss changed by less than ftol = 0.0001" in result.message(0)


def test_all_rules_off_runs_the_whole_budget():
    result = run(BOWL, GD, [(1.0, 1.0)], [0.05], steps=300, gtol=0, xtol=0, ftol=0)
    assert (result.status[0], result.rule[0], result.nit[0]) == ("max_steps", "max_steps", 300)


def test_too_slow_is_diagnosed_as_descending():
    result = run(BOWL, GD, [(1.0, 1.0)], [1e-4], steps=300)
    assert result.status[0] == "max_steps"
    assert result.diagnosis[0] == "descending"
    assert result.message(0).startswith(
        "stopped after 300 steps (the step budget): still descending"
    )


def test_bouncing_across_a_valley_is_diagnosed_as_oscillating():
    """lr = 0.0999 is stable but the y coordinate flips sign every step."""
    result = run(BOWL, GD, [(1.0, 1.0)], [0.0999], steps=100)
    assert result.status[0] == "max_steps"
    assert result.diagnosis[0] == "oscillating"


def test_plateau_is_diagnosed_as_stalled():
    """Far out on a Gaussian well the loss is flat to machine precision."""
    well = parse_function("1 - exp(-(x^2 + y^2))")
    result = run(well, GD, [(7.0, 0.0)], [0.1], steps=100, gtol=0, xtol=0)
    assert result.diagnosis[0] == "stalled"


def test_loss_growth_divergence_and_its_message():
    huge_view = ((-1e6, 1e6), (-1e6, 1e6))  # so that the loss rule, not the view rule, fires
    result = run(BOWL, GD, [(1.0, 1.0)], [0.15], steps=500, view=huge_view)
    assert (result.status[0], result.rule[0]) == ("diverged", "loss_growth")
    k = result.diverged_at[0]
    assert result.nit[0] == k
    assert result.losses[0, k] > LOSS_GROWTH_FACTOR * 11 >= result.losses[0, k - 1]
    assert result.message(0) == f"diverged at step {k}: the loss grew past 1e+06 × its start"


def test_leaving_the_view_is_divergence():
    """A saddle is unbounded below: the run flies off and is stopped by the view rule."""
    saddle = parse_function("x^2 - y^2")
    view = ((-2.0, 2.0), (-2.0, 2.0))
    result = run(saddle, GD, [(1.0, 0.01)], [0.1], steps=500, view=view)
    assert (result.status[0], result.rule[0]) == ("diverged", "left_view")
    last = result.paths[0, result.nit[0]]
    assert np.abs(last).max() > VIEW_ESCAPE_FACTOR * 2.0
    assert np.abs(result.paths[0, result.nit[0] - 1]).max() <= VIEW_ESCAPE_FACTOR * 2.0
    assert "half-widths outside the view" in result.message(0)


def test_overflow_is_a_verdict_not_a_warning_and_paths_stay_finite():
    steep = parse_function("exp(x^2)")
    result = run(steep, GD, [(2.0, 0.0)], [1.0], steps=50)
    assert result.status[0] == "diverged"
    assert result.rule[0] in {"nonfinite", "loss_growth"}
    for array in (result.paths, result.losses, result.grad_norms, result.x, result.fun):
        assert np.isfinite(array).all()
    json.dumps(result.to_dict(), allow_nan=False)


def test_leaving_the_domain_stops_at_the_last_defined_point():
    root = parse_function("sqrt(x) + y^2")
    result = run(root, GD, [(0.5, 1.0)], [2.0], steps=50)
    assert (result.status[0], result.rule[0]) == ("diverged", "undefined")
    assert result.nit[0] == result.diverged_at[0] - 1
    assert "left the function's domain" in result.message(0)
    assert np.isfinite(result.run(0).loss).all()
    # Left at the first step, from a start inside the domain: not "outside the domain".
    first = result
    assert (first.nit[0], first.diverged_at[0]) == (0, 1)
    assert first.message(0).startswith("stopped at step 1: the step left the function's domain")
    assert verdict_label(first.run(0)) == "diverged at step 1 ✗"


def test_start_outside_the_domain_and_start_at_the_minimum():
    root = parse_function("sqrt(x) + y^2")
    result = run(root, GD, [(-1.0, 0.0)], [0.1])
    assert (result.status[0], result.rule[0], result.nit[0]) == ("diverged", "undefined", 0)
    # Issue 12, item 13: not "stopped at step 0: the step left the domain" (no step was taken).
    assert result.message(0).startswith("cannot start: f or ∇f is undefined at the start")
    at_minimum = run(BOWL, GD, [(0.0, 0.0)], [0.1])
    assert (at_minimum.status[0], at_minimum.nit[0]) == ("converged", 0)


def test_path_has_start_and_every_iterate_and_loss_along_it():
    result = run(BOWL, GD, [(1.0, 1.0)], [0.05, 0.15], steps=500)
    for r in result:
        assert len(r.path) == len(r.loss) == r.nit + 1
        np.testing.assert_array_equal(r.path[0], [1.0, 1.0])
        np.testing.assert_allclose(r.loss, BOWL.value(r.path[:, 0], r.path[:, 1]))
        np.testing.assert_array_equal(r.x, r.path[-1])


def test_same_seed_same_noisy_trajectory_and_noise_changes_it():
    kwargs = {"steps": 200, "noise": 0.5, "gtol": 0}
    a = run(BOWL, GD, [(1.0, 1.0)], [0.01, 0.05], seed=7, **kwargs)
    b = run(BOWL, GD, [(1.0, 1.0)], [0.01, 0.05], seed=7, **kwargs)
    c = run(BOWL, GD, [(1.0, 1.0)], [0.01, 0.05], seed=8, **kwargs)
    np.testing.assert_array_equal(a.paths, b.paths)
    assert not np.array_equal(a.paths, c.paths)


def test_clipping_by_norm_bounds_every_step():
    result = run(BOWL, GD, [(5.0, 5.0)], [0.05], steps=50, clip_norm=1.0)
    steps = np.linalg.norm(np.diff(result.run(0).path, axis=0), axis=1)
    assert steps.max() <= 0.05 * 1.0 + 1e-12


def test_clipping_by_value_bounds_each_coordinate():
    result = run(BOWL, GD, [(5.0, 5.0)], [0.01], steps=20, clip_value=0.5)
    steps = np.abs(np.diff(result.run(0).path, axis=0))
    assert steps.max() <= 0.01 * 0.5 + 1e-15


def test_schedule_scales_the_rate_per_step():
    schedule = parse_schedule("exponential(gamma=0.5)")
    result = run(BOWL, GD, [(1.0, 0.0)], [0.1], steps=3, gtol=0, schedule=schedule)
    x = 1.0
    for k in range(3):
        x -= 0.1 * 0.5**k * 2 * x
        assert result.paths[0, k + 1, 0] == pytest.approx(x, rel=1e-15)
    np.testing.assert_allclose(result.lr_factors, [1, 0.5, 0.25])


def test_many_runs_at_once_finish_like_single_runs():
    rng = np.random.default_rng(0)
    starts = rng.uniform(-2, 2, size=(200, 2))
    batch = run(BOWL, GD, starts, [0.05], steps=400)
    for i in (0, 57, 199):
        single = run(BOWL, GD, [starts[i]], [0.05], steps=400)
        assert single.nit[0] == batch.nit[i]
        np.testing.assert_array_equal(single.x[0], batch.x[i])


def test_newton_uses_the_hessian():
    result = run(BOWL, make_optimizer("newton"), [(1.0, 1.0)], [1.0], steps=5)
    assert (result.status[0], result.nit[0]) == ("converged", 1)


def test_inputs_are_validated():
    with pytest.raises(ValueError, match="learning rates must be positive"):
        run(BOWL, GD, [(1.0, 1.0)], [0.0])
    with pytest.raises(ValueError, match="starts must be"):
        run(BOWL, GD, [(1.0, 1.0, 1.0)], [0.1])
    with pytest.raises(ValueError, match="gtol must be"):
        run(BOWL, GD, [(1.0, 1.0)], [0.1], gtol=-1)
    with pytest.raises(ValueError, match="clip_norm must be"):
        run(BOWL, GD, [(1.0, 1.0)], [0.1], clip_norm=0)


def test_inputs_are_not_mutated():
    starts = np.array([[1.0, 1.0], [0.5, -0.5]])
    rates = np.array([0.01, 0.05])
    run(BOWL, GD, starts, rates, steps=10)
    np.testing.assert_array_equal(starts, [[1.0, 1.0], [0.5, -0.5]])
    np.testing.assert_array_equal(rates, [0.01, 0.05])


def test_a_rate_decayed_to_zero_is_not_convergence():
    """cosine(t_max) with eta_min 0 stops moving after t_max; the step rule must not call it converged."""
    schedule = parse_schedule("cosine(t_max=20)")
    result = run(BOWL, GD, [(1.0, 1.0)], [0.001], steps=200, schedule=schedule)
    assert result.status[0] == "max_steps"
    assert result.diagnosis[0] == "stalled"


def test_json_turns_non_finite_numbers_into_null():
    """A start where f is undefined has f = NaN: to_dict says null, and the good run survives."""
    result = run(parse_function("log(x)"), GD, [(1, 1), (-1, 1)], [0.01], steps=20)
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    good, undefined = document["runs"]
    assert undefined["f"] is None
    assert undefined["loss"] == [None]
    assert undefined["status"] == "diverged"
    assert undefined["rule"] == "undefined"
    assert good["f"] == pytest.approx(float(result.fun[0]))
    assert good["stop"] is None
    assert "stop" in undefined


def test_json_has_the_stop_of_each_converged_run():
    result = run(parse_function("x^2 - y^2"), GD, [(1.5, 0.0)], [0.1], steps=500)
    record = result.run(0).to_dict(include_path=False)
    assert (record["status"], record["rule"], record["stop"]) == ("converged", "gtol", "saddle")


def test_step_budget_and_history_are_bounded():
    from gdviz.engine import MAX_HISTORY, MAX_STEPS

    with pytest.raises(ValueError, match=f"steps must be at most {MAX_STEPS:,}"):
        run(BOWL, GD, [(1, 1)], [0.01], steps=MAX_STEPS + 1)
    starts = [(1.0, 1.0)] * (MAX_HISTORY // MAX_STEPS + 1)
    with pytest.raises(ValueError, match="too much to record"):
        run(BOWL, GD, starts, [0.01], steps=MAX_STEPS)


def test_gradient_noise_is_diagnosed_as_noise_not_as_a_too_large_rate():
    """A small, stable rate with noisy gradients jitters around the minimum: that is the noise."""
    result = run(BOWL, GD, [(1.0, 1.0)], [0.01], steps=2000, noise=1.0, seed=1)
    assert (result.status[0], result.diagnosis[0]) == ("max_steps", "noise")
    assert "the gradient noise makes the path jitter" in result.message(0)
    quiet = run(BOWL, GD, [(1.0, 1.0)], [0.01], steps=2000)
    assert quiet.status[0] == "converged"


def _judged_every_update(monkeypatch):
    from gdviz.engine import loop

    monkeypatch.setattr(loop, "JUDGE_EVERY", 1)


@pytest.mark.parametrize(
    ("case", "call"),
    [
        # Runs ending by every rule, at updates that are not multiples of the judgement span.
        (
            "gtol, xtol, divergence",
            lambda: run(BOWL, GD, [(1.0, 1.0)], [0.001, 0.02, 0.09, 0.11], steps=3000),
        ),
        (
            "ftol",
            lambda: run(BOWL, GD, [(1.0, 1.0)], [0.02, 0.05], steps=500, gtol=0, xtol=0, ftol=1e-9),
        ),
        (
            "loss growth",
            lambda: run(parse_function("x^4 + y^4"), GD, [(2.0, 1.0)], [0.5, 0.01], steps=200),
        ),
        (
            "left the view",
            lambda: run(BOWL, GD, [(1.0, 1.0)], [0.15, 0.01], steps=300, view=((-2, 2), (-2, 2))),
        ),
        (
            "out of the domain",
            lambda: run(parse_function("sqrt(x) + y^2"), GD, [(1.0, 1.0)], [0.9, 0.01], steps=300),
        ),
        (
            "rate decayed to zero",
            lambda: run(
                BOWL,
                GD,
                [(1.0, 1.0)],
                [0.001, 0.03],
                steps=401,
                schedule=parse_schedule("cosine(t_max=37)"),
            ),
        ),
        (
            "plateau schedule, momentum, trace",
            lambda: run(
                BOWL,
                make_optimizer("momentum", momentum=0.9),
                [(1.0, 1.0)],
                [0.01, 0.05, 0.12],
                steps=900,
                schedule=parse_schedule("plateau(patience=5)"),
                trace=True,
            ),
        ),
        (
            "clipping and noise",
            lambda: run(
                BOWL,
                make_optimizer("adam"),
                [(1.0, 1.0), (-1.0, 0.5)],
                [0.01, 0.3],
                steps=700,
                clip_norm=0.5,
                noise=0.3,
                seed=3,
            ),
        ),
    ],
)
def test_judging_every_16_updates_ends_every_run_where_judging_each_does(monkeypatch, case, call):
    """The loop judges which runs ended every JUDGE_EVERY updates, stepping the ended ones along
    meanwhile (nothing they compute after their end is kept): the same verdicts, ends, paths,
    losses, traces and rates in force as judging after every update, bit for bit."""
    in_spans = call()
    _judged_every_update(monkeypatch)
    each = call()
    assert list(in_spans.rule) == list(each.rule), case
    assert list(in_spans.messages) == list(each.messages)
    for field in ("nit", "diverged_at", "x", "fun", "paths", "losses", "grad_norms"):
        assert np.array_equal(getattr(in_spans, field), getattr(each, field)), field
    if in_spans.run_factors is not None:
        assert np.array_equal(in_spans.run_factors, each.run_factors)
    if in_spans.trace is not None:
        assert np.array_equal(in_spans.trace.step, each.trace.step)
    assert any(int(n) % 16 for n in each.nit)  # some run ended inside a span of 16


def test_batches_of_the_earlier_protocol_still_run():
    """A BatchGradients written before per-run batches (one ``full`` flag, ``epochs``) is taken
    as before: the same runs as MiniBatches, which has both protocols."""
    from gdviz.batches import MiniBatches
    from gdviz.datasets import get_dataset
    from gdviz.regression import make_model

    data = get_dataset("noisy_line")
    model = make_model(data.model, data)
    sampler = MiniBatches(model, 8, seed=2)

    class Earlier:
        full = False

        def start(self, n_runs):
            return sampler.start(n_runs)

        def epochs(self, updates):
            return sampler.epochs(updates)

    options = {"steps": 300, "view": ((-10, 10), (-10, 10))}
    earlier = run(model, GD, [(0.0, 0.0)], [0.01, 0.05], batches=Earlier(), **options)
    now = run(model, GD, [(0.0, 0.0)], [0.01, 0.05], batches=sampler, **options)
    assert np.array_equal(earlier.paths, now.paths)
    assert np.array_equal(earlier.epochs, now.epochs)
    assert list(earlier.messages) == list(now.messages)


def test_runs_made_apart_join_into_the_run_of_them_together():
    """A diverging and a converging rate run within a shorter budget, and a slow one within
    the full budget, joined: the same result, every field, as one call of the three."""
    from gdviz.engine import join_runs

    schedule = parse_schedule("cosine(t_max=300)")
    options = {"view": ((-2.0, 2.0), (-2.0, 2.0)), "schedule": schedule}
    short = run(BOWL, GD, [(1.5, -0.8)], [0.12, 0.09], steps=200, **options)
    assert list(short.status) == ["diverged", "converged"]
    slow = run(BOWL, GD, [(1.5, -0.8)], [1e-4], steps=600, **options)
    assert slow.status[0] == "max_steps"
    joined = join_runs([slow, short.part(1), short.part(0)], steps=600, schedule=schedule)
    together = run(BOWL, GD, [(1.5, -0.8)], [1e-4, 0.09, 0.12], steps=600, **options)
    assert_same_runs(joined, together)


def test_a_run_that_spent_a_shorter_budget_is_not_joined():
    """A run still going when its budget ran out would have gone on: refused, as is another
    schedule's run or another optimizer's."""
    from gdviz.engine import join_runs

    going = run(BOWL, GD, [(1.5, -0.8)], [1e-4], steps=200)
    assert not going.holds_for(600)
    assert going.holds_for(200)
    with pytest.raises(ValueError, match="spent a budget of 200"):
        join_runs([going], steps=600)
    ended = run(BOWL, GD, [(1.5, -0.8)], [0.05], steps=200)
    with pytest.raises(ValueError, match="another schedule"):
        join_runs([ended], steps=600, schedule=parse_schedule("cosine(t_max=300)"))
    momentum = run(BOWL, make_optimizer("momentum"), [(1.5, -0.8)], [0.05], steps=600)
    with pytest.raises(ValueError, match="different optimizers"):
        join_runs([ended, momentum], steps=600)
