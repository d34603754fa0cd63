"""Proposed learning rates, the stability bound, and the public link parameters."""

import numpy as np
import pytest
from same_runs import assert_same_runs

from gdviz.engine import run
from gdviz.expression import parse_function
from gdviz.lesson import Settings, build_lesson
from gdviz.links import check_link, format_rates, parse_rates
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.rates import plan_rates, propose_rates, stability_bound
from gdviz.stationary import MINIMUM_KINDS
from gdviz.surfaces import get_surface, load_library

SURFACE_KEYS = frozenset(load_library().surfaces)


def test_stability_bound_is_two_over_the_largest_eigenvalue():
    assert stability_bound(np.diag([2.0, 20.0])) == pytest.approx(0.1)
    assert stability_bound(np.array([[2.0, -1.5], [-1.5, 2.0]])) == pytest.approx(2 / 3.5)
    assert stability_bound(np.diag([-1.0, -2.0])) is None


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam", "newton"])
@pytest.mark.parametrize("text", ["x^2 + 10y^2", "(1-x)^2 + 100(y-x^2)^2", "x^4 - 4x^2 + x + y^2"])
def test_proposed_rates_really_behave_as_labelled(text, optimizer):
    """Good converges at a minimum (never a saddle or a plateau); with none, no rate is good."""
    objective = parse_function(text)
    proposal = propose_rates(objective, make_optimizer(optimizer), (-1.5, 1.5), steps=300)
    sweep = proposal.sweep
    verdicts = {}
    for label in ("slow", "good", "diverging", "closest"):
        rate = getattr(proposal, label)
        if rate is not None:
            i = int(np.flatnonzero(sweep.lrs == rate)[0])
            verdicts[label] = (sweep.status[i], sweep.diagnosis[i], sweep.stop[i])
    if sweep.at_minimum.any():
        assert verdicts["good"][0] == "converged"
        assert verdicts["good"][2] in MINIMUM_KINDS
        assert proposal.closest is None
    else:  # nothing reaches a minimum within 300 steps (Rosenbrock): no rate is called good
        assert proposal.good is None
        finite = sweep.status != "diverged"
        assert proposal.closest == sweep.lrs[finite][np.argmin(sweep.fun[finite])]
    assert verdicts["diverging"][0] == "diverged"
    if "slow" in verdicts:
        assert verdicts["slow"][:2] == ("max_steps", "descending")
    assert proposal.as_list() == sorted(proposal.as_list())


def test_a_rate_that_parks_the_run_on_a_saddle_is_never_good():
    """From (1.5, 0) every converging rate on x² − y² ends at the saddle: none is good."""
    proposal = propose_rates(parse_function("x^2 - y^2"), make_optimizer("gd"), (1.5, 0.0))
    assert (proposal.sweep.stop == "saddle").any()
    assert proposal.good is None
    assert proposal.closest is not None


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("key", sorted(SURFACE_KEYS))
def test_the_proposer_on_every_surface_and_optimizer_finds_a_minimum_or_says_none(key, optimizer):
    """The app's own door (plan_rates, as a lesson calls it): the good rate's run ends at a
    minimum (the global one where any rate got there); a surface without minima gets none.
    The sweep's own runs of the plan's rates, which the page shows, are those of a run of them."""
    surface = get_surface(key)
    chosen = make_optimizer(optimizer)
    options = {"view": surface.view, "minima": surface.minima}
    plan = plan_rates(
        surface.objective, chosen, surface.starts[0], steps=surface.steps, keep_runs=True, **options
    )
    proposal = plan.proposal
    assert proposal is not None
    if plan.runs is not None:
        direct = run(
            surface.objective, chosen, [surface.starts[0]], list(plan.rates), steps=plan.steps,
            **options,
        )  # fmt: skip
        assert_same_runs(plan.runs, direct)
    if proposal.good is None:
        assert not proposal.sweep.at_minimum.any()
        assert "reached a minimum" in plan.note
        return
    assert surface.minima, "a surface without minima cannot have a good rate"
    again = run(
        surface.objective, chosen, [surface.starts[0]], [proposal.good], steps=plan.steps,
        **options,
    )  # fmt: skip
    assert again.success[0]
    assert again.stop[0] in MINIMUM_KINDS
    if (proposal.sweep.stop == "global minimum").any():
        assert again.stop[0] == "global minimum"


def test_rates_text_round_trip_and_refusals():
    assert parse_rates("0.001, 0.09,0.11") == (0.001, 0.09, 0.11)
    assert parse_rates("") == ()
    assert parse_rates(format_rates([0.001, 0.09])) == (0.001, 0.09)
    assert format_rates([0.0021544346900318843]) == "0.00215"
    assert format_rates([0.0021544346900318843], digits=8) == "0.0021544347"
    for bad, message in [
        ("abc", "not a number"),
        ("-1", "positive"),
        ("nan", "positive"),
        ("1,2,3,4,5", "at most 4"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_rates(bad)


def test_a_good_link_has_no_problems():
    params = {
        "surface": "rosenbrock",
        "x0": "-1.5",
        "y0": "2",
        "opt": "adam",
        "lr": "0.001,0.01",
        "steps": "300",
    }
    assert check_link(params, SURFACE_KEYS) == []
    assert check_link({"f": "x^2 + 10y^2"}, SURFACE_KEYS) == []


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("surface", "nope", "no such surface"),
        ("f", "__import__('os')", "unexpected character"),
        ("f", "x^2 + z", "unknown name 'z'"),
        ("x0", "abc", "not a number"),
        ("y0", "inf", "not a number"),
        ("opt", "sgd9", "unknown optimizer"),
        ("lr", "0.1,fast", "'fast' is not a number"),
        ("steps", "-5", "whole number from 1"),
        ("steps", "1e9", "whole number from 1"),
    ],
)
def test_each_bad_value_in_a_link_gets_a_message(parameter, value, message):
    problems = check_link({parameter: value}, SURFACE_KEYS)
    assert len(problems) == 1
    assert problems[0].parameter == parameter
    assert message in problems[0].message


def test_the_placeholder_rosenbrock_typed_in_gets_a_converging_good_panel(monkeypatch):
    """`(1-x)^2 + 100(y-x^2)^2` from the typed start: GD needs ~12,000 steps at a rate just
    under the stability edge, so the sweep grows its budget and refines between grid rates;
    the slow rate found at the last budget is not looked for again below it (that second pass
    of 20,000 steps was a third of the page's time)."""
    import gdviz.rates

    passes = []

    def counted(made):
        def call(*args, **kwargs):
            passes.append(kwargs["steps"])
            return made(*args, **kwargs)

        return call

    for name in ("final_states", "run"):  # (a page keeps its sweep's runs: ``run``)
        monkeypatch.setattr(gdviz.rates, name, counted(getattr(gdviz.rates, name)))
    lesson = build_lesson(Settings(function="(1-x)^2 + 100(y-x^2)^2"))
    assert passes == [500, 2000, 8000, 20000]
    slow, good, diverging = lesson.results[0]
    assert good.success
    assert good.stop == "global minimum"
    assert lesson.steps > 500
    assert (slow.status, slow.diagnosis) == ("max_steps", "descending")
    assert diverging.status == "diverged"
    assert lesson.landscape.minima[0].kind == "global"  # ★ found numerically at (1, 1)


def test_the_plateau_with_adam_proposes_a_good_rate_that_reaches_the_well():
    """?surface=plateau&opt=adam used to call 6.81 good (flung onto the plateau in 1 step)."""
    lesson = build_lesson(Settings(surface="plateau", optimizer="adam"))
    good = lesson.results[0].run(1)
    assert good.stop == "global minimum"
    assert good.success


def test_a_race_s_plan_does_not_look_for_the_slow_rate_again(monkeypatch):
    """Adam on the Rosenbrock from a race's first budget: the sweep grows from 500 to 2,000
    steps; for a page the slow candidates are then re-run at 2,000 steps (its slow rate must
    hold for the page's budget), for a race panel, which shows the good rate only, they are
    not — and the good rate is the same."""
    import gdviz.rates

    passes = []
    sweep = gdviz.rates.final_states

    def counted(*args, **kwargs):
        passes.append(kwargs["steps"])
        return sweep(*args, **kwargs)

    monkeypatch.setattr(gdviz.rates, "final_states", counted)
    surface = get_surface("rosenbrock")
    adam = make_optimizer("adam")
    options = {"view": surface.view, "minima": surface.minima}
    page = propose_rates(
        surface.objective, adam, surface.starts[0], steps=500, longest=surface.steps, **options
    )
    assert passes == [500, 2000, 2000]
    passes.clear()
    race = plan_rates(
        surface.objective, adam, surface.starts[0], steps=surface.steps, good_only=True, **options
    )
    assert passes == [500, 2000]
    assert race.good_rate == page.good


def test_a_sweep_records_its_runs_within_its_bound(monkeypatch):
    """The typed Rosenbrock's sweep (passes of 500, 2,000, 8,000 and 20,000 steps) keeps its
    runs; with a bound that only its first pass fits, its later passes record nothing, the
    chosen rates' runs are not all kept, and the page runs them: the same page either way."""
    import gdviz.rates
    from gdviz.lesson import TYPED_START, typed_minima, typed_view

    objective, gd = parse_function("(1-x)^2 + 100(y-x^2)^2"), make_optimizer("gd")
    view = typed_view(None)
    options = {"view": view, "minima": typed_minima(objective, view), "keep_runs": True}
    kept = propose_rates(objective, gd, TYPED_START, steps=500, longest=20_000, **options)
    assert kept.runs is not None
    assert kept.steps == 20_000
    monkeypatch.setattr(gdviz.rates, "KEPT_ENTRIES", 61 * 501)
    bounded = propose_rates(objective, gd, TYPED_START, steps=500, longest=20_000, **options)
    assert bounded.runs is None
    assert bounded.as_list() == kept.as_list()
    direct = run(
        objective, gd, [TYPED_START], kept.as_list(), steps=kept.steps, view=view,
        minima=options["minima"],
    )  # fmt: skip
    assert_same_runs(kept.runs, direct)
