"""Proposed learning rates, the stability bound, and the public link parameters."""

import numpy as np
import pytest

from gdviz.expression import parse_function
from gdviz.links import check_link, format_rates, parse_rates
from gdviz.optimizers import make_optimizer
from gdviz.rates import propose_rates, stability_bound
from gdviz.surfaces import load_library

SURFACE_KEYS = frozenset(load_library().surfaces)


def test_stability_bound_is_two_over_the_largest_eigenvalue():
    assert stability_bound(np.diag([2.0, 20.0])) == pytest.approx(0.1)
    assert stability_bound(np.array([[2.0, -1.5], [-1.5, 2.0]])) == pytest.approx(2 / 3.5)
    assert stability_bound(np.diag([-1.0, -2.0])) is None


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam", "newton"])
@pytest.mark.parametrize("text", ["x^2 + 10y^2", "(1-x)^2 + 100(y-x^2)^2", "x^4 - 4x^2 + x + y^2"])
def test_proposed_rates_really_behave_as_labelled(text, optimizer):
    proposal = propose_rates(
        parse_function(text), make_optimizer(optimizer), (-1.5, 1.5), steps=300
    )
    verdicts = {}
    for label in ("slow", "good", "diverging"):
        rate = getattr(proposal, label)
        if rate is None:
            continue
        i = int(np.flatnonzero(proposal.sweep.lrs == rate)[0])
        verdicts[label] = (proposal.sweep.status[i], proposal.sweep.diagnosis[i])
    sweep = proposal.sweep
    if (sweep.status == "converged").any():
        assert verdicts["good"][0] == "converged"
    else:  # nothing converges within the budget (Rosenbrock in 300 steps): the best of the rest
        finite = sweep.status != "diverged"
        assert verdicts["good"][0] == "max_steps"
        assert proposal.good == sweep.lrs[finite][np.argmin(sweep.fun[finite])]
    assert verdicts["diverging"][0] == "diverged"
    if "slow" in verdicts:
        assert verdicts["slow"] == ("max_steps", "descending")
    assert proposal.as_list() == sorted(proposal.as_list())


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
