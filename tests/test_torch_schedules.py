"""torch's MultiStepLR, PolynomialLR, OneCycleLR and ReduceLROnPlateau (issue 15, item 5).

Each against a scalar transcription of torch's code (``get_lr`` as ``scheduler.step()`` runs
it, one update at a time in Python floats), for a few hundred updates; with torch installed,
against torch itself too (skipped otherwise, as in test_optimizers.py)."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest

from gdviz.__main__ import main
from gdviz.engine import final_states, run
from gdviz.expression import parse_function
from gdviz.optimizers import make_optimizer
from gdviz.schedules import SCHEDULES, parse_schedule

UPDATES = 400
TOLERANCE = 1e-12


def multistep_lr(base, milestones, gamma, updates):
    """torch MultiStepLR.get_lr: the rate changes only at a milestone (×γ per repeat)."""
    counts, lr, rates = Counter(milestones), base, []
    for last_epoch in range(updates):
        if last_epoch in counts:
            lr = lr * gamma ** counts[last_epoch]
        rates.append(lr)
    return rates


def polynomial_lr(base, total_iters, power, updates):
    """torch PolynomialLR.get_lr: each step multiplies by the ratio of successive factors."""
    lr, rates = base, []
    for last_epoch in range(updates):
        if last_epoch != 0 and last_epoch <= total_iters:
            lr = (
                lr
                * ((1.0 - last_epoch / total_iters) / (1.0 - (last_epoch - 1) / total_iters))
                ** power
            )
        rates.append(lr)
    return rates


def one_cycle_lr(max_lr, total_steps, pct_start, div_factor, final_div_factor, updates):
    """torch OneCycleLR.get_lr (three_phase=False, anneal_strategy='cos'); torch refuses a step
    past total_steps, so this stops at total_steps − 1, the cycle's last update."""
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    phases = [
        {"end_step": float(pct_start * total_steps) - 1, "start_lr": initial_lr, "end_lr": max_lr},
        {"end_step": total_steps - 1, "start_lr": max_lr, "end_lr": min_lr},
    ]
    rates = []
    for step_num in range(min(updates, total_steps)):
        start_step = 0.0
        for i, phase in enumerate(phases):
            end_step = phase["end_step"]
            if step_num <= end_step or i == len(phases) - 1:
                pct = (step_num - start_step) / (end_step - start_step)
                cos_out = math.cos(math.pi * pct) + 1
                rates.append(
                    phase["end_lr"] + (phase["start_lr"] - phase["end_lr"]) / 2.0 * cos_out
                )
                break
            start_step = phase["end_step"]
    return rates


def plateau_lr(base, losses, *, factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
               cooldown=0, min_lr=0.0, eps=1e-8):  # fmt: skip
    """torch ReduceLROnPlateau(mode='min').step(f) after every update: the rate of each update."""
    lr, best, bad, counter, rates = base, math.inf, 0, 0, []
    for f in losses:
        rates.append(lr)  # the rate update k ran at; then the scheduler sees its f
        relative = threshold_mode == "rel"
        better = f < best * (1.0 - threshold) if relative else f < best - threshold
        if better:
            best, bad = f, 0
        else:
            bad += 1
        if counter > 0:
            counter -= 1
            bad = 0
        if bad > patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps:
                lr = new_lr
            counter, bad = cooldown, 0
    return rates


def close(a, b):
    return abs(a - b) <= TOLERANCE * max(abs(b), 1e-300)


@pytest.mark.parametrize(
    ("text", "oracle"),
    [
        ("multistep(milestones=100|200, gamma=0.1)", lambda: multistep_lr(1.0, [100, 200], 0.1, UPDATES)),
        ("multistep(milestones=0|30|31|250, gamma=0.5)", lambda: multistep_lr(1.0, [0, 30, 31, 250], 0.5, UPDATES)),
        ("multistep(milestones=50)", lambda: multistep_lr(1.0, [50], 0.1, UPDATES)),
        ("polynomial(total_iters=300, power=2)", lambda: polynomial_lr(1.0, 300, 2.0, UPDATES)),
        ("polynomial(total_iters=250, power=0.5)", lambda: polynomial_lr(1.0, 250, 0.5, UPDATES)),
        ("polynomial", lambda: polynomial_lr(1.0, 5, 1.0, UPDATES)),
        ("onecycle(total_steps=400)", lambda: one_cycle_lr(1.0, 400, 0.3, 25.0, 1e4, UPDATES)),
        (
            "onecycle(total_steps=333, pct_start=0.25, div_factor=10, final_div_factor=100)",
            lambda: one_cycle_lr(1.0, 333, 0.25, 10.0, 100.0, UPDATES),
        ),
    ],
)  # fmt: skip
def test_factors_follow_torchs_code(text, oracle):
    """Each factor equals torch's rate at max_lr (or base lr) 1, update after update."""
    expected = oracle()
    factors = parse_schedule(text).factors(UPDATES)
    for t, value in enumerate(expected):
        assert close(float(factors[t]), value), (t, factors[t], value)
    if len(expected) < UPDATES:  # past the one cycle: its last rate, held
        assert (factors[len(expected) :] == factors[len(expected) - 1]).all()


def test_one_cycle_rises_then_falls_to_its_floor():
    factors = parse_schedule("onecycle(total_steps=100)").factors(120)
    assert factors[0] == pytest.approx(1 / 25)
    assert factors.argmax() == 29  # pct_start · total_steps − 1
    assert factors.max() == pytest.approx(1.0)
    assert factors[99] == pytest.approx(1 / 25 / 1e4)


PLATEAUS = [
    ("plateau", {}),
    ("plateau(patience=3, factor=0.5)", {"patience": 3, "factor": 0.5}),
    (
        "plateau(patience=2, cooldown=4, threshold=0.01, threshold_mode=abs, min_lr_factor=0.02)",
        {"patience": 2, "cooldown": 4, "threshold": 0.01, "threshold_mode": "abs", "min_lr": 0.02},
    ),
]


@pytest.mark.parametrize(("text", "keywords"), PLATEAUS)
def test_plateau_follows_torch_run_by_run(text, keywords):
    """Each run keeps its own rate: the rate of every update equals torch's scheduler fed that
    run's f after each update (min_lr = min_lr_factor × the run's base rate)."""
    objective = parse_function("x^2 + 10y^2")
    rates = [0.02, 0.099, 0.104, 0.12]
    result = run(
        objective, make_optimizer("gd"), [(1.0, 1.0)], rates, steps=UPDATES, gtol=0, xtol=0,
        schedule=parse_schedule(text), noise=0.05, seed=3, trace=True,
    )  # fmt: skip
    assert result.trace is not None
    assert result.run_factors is not None
    reduced = 0
    for i, base in enumerate(rates):
        r = result.run(i)
        assert r.trace is not None
        options = {**keywords, "min_lr": keywords.get("min_lr", 0.0) * base}
        expected = plateau_lr(base, r.loss[1:].tolist(), **options)
        assert r.trace.lr.tolist() == expected
        np.testing.assert_allclose(
            result.factors(i)[: r.nit], np.array(expected) / base, rtol=1e-15
        )
        reduced += expected[-1] < base
    assert reduced >= 2  # the schedule acted, and not on every run alike
    first_cuts = {int(np.argmax(result.factors(i) < 1)) for i in range(len(rates))}
    assert len(first_cuts) > 1


def test_plateau_changes_nothing_where_no_run_uses_it():
    """The per-run path is taken for plateau only: other schedules give the same paths as
    before and no run_factors; final_states (the maps) steps plateau too."""
    objective = parse_function("x^2 + 10y^2")
    plain = run(
        objective,
        make_optimizer("gd"),
        [(1.0, 1.0)],
        [0.05],
        schedule=parse_schedule("exp(gamma=0.99)"),
    )
    assert plain.run_factors is None
    assert plain.factors(0) is plain.lr_factors
    schedule = parse_schedule("plateau(patience=2)")
    traced = run(
        objective, make_optimizer("gd"), [(1.0, 1.0)], [0.02, 0.12], schedule=schedule, steps=300
    )
    ends = final_states(
        objective, make_optimizer("gd"), [(1.0, 1.0)], [0.02, 0.12], schedule=schedule, steps=300
    )
    np.testing.assert_array_equal(ends.x, traced.x)
    np.testing.assert_array_equal(ends.nit, traced.nit)
    with pytest.raises(ValueError, match="depends on the run"):
        schedule(0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("multistep", "needs milestones="),
        ("multistep(milestones=200|100)", "increasing"),
        ("multistep(milestones=1.5)", "whole numbers"),
        ("polynomial(power=0)", "power must be > 0"),
        ("onecycle", "needs total_steps="),
        ("onecycle(total_steps=3)", "pct_start · total_steps > 1"),
        ("onecycle(total_steps=100, pct_start=1)", "pct_start must be in (0, 1)"),
        ("plateau(warmup=5)", "plateau takes no warmup"),
        ("plateau(threshold_mode=max)", "threshold_mode must be rel or abs"),
        ("plateau(factor=1)", "factor must be in (0, 1)"),
    ],
)
def test_bad_new_schedules_say_why(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_schedule(text)


def test_the_text_form_round_trips():
    for text in (
        "multistep(milestones=100|200, gamma=0.1)",
        "polynomial(total_iters=300, power=2)",
        "onecycle(total_steps=500, pct_start=0.25)",
        "plateau(patience=20, threshold_mode=abs)",
        "MultiStepLR(milestones=10|20)",
        "OneCycleLR(total_steps=50)",
        "ReduceLROnPlateau(patience=5)",
    ):
        schedule = parse_schedule(text)
        assert parse_schedule(schedule.describe()) == schedule
    assert SCHEDULES["multistep"](milestones=[100, 200]) == parse_schedule(
        "multistep(milestones=100|200, gamma=0.1)"
    )
    assert SCHEDULES["plateau"](patience=5, threshold_mode="abs") == parse_schedule(
        "plateau(patience=5, threshold_mode=abs)"
    )


def test_the_command_line_takes_the_new_schedules(capsys):
    code = main(
        ["run", "--function", "x^2 + 10y^2", "--start", "1,1", "--lr", "0.12", "--steps", "200",
         "--schedule", "plateau(patience=2)", "--format", "json", "--trace"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert '"trace"' in out
    code = main(
        ["run", "--function", "x^2", "--lr", "0.1", "--schedule", "multistep(milestones=2|1)"]
    )
    assert code == 2
    assert "increasing" in capsys.readouterr().err


def test_torch_agrees():
    torch = pytest.importorskip(
        "torch", reason="torch is not installed: the transcriptions stand in"
    )
    parameter = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    cases = {
        "multistep(milestones=100|200, gamma=0.1)": lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [100, 200], 0.1),
        "polynomial(total_iters=300, power=2)": lambda o: torch.optim.lr_scheduler.PolynomialLR(o, 300, 2.0),
        "onecycle(total_steps=400)": lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=400, cycle_momentum=False),
    }  # fmt: skip
    for text, make in cases.items():
        optimizer = torch.optim.SGD([parameter], lr=1.0)
        scheduler = make(optimizer)
        rates = []
        for _ in range(UPDATES if "onecycle" not in text else 399):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        np.testing.assert_allclose(parse_schedule(text).factors(len(rates)), rates, rtol=1e-12)


def test_schedule_figure_draws_every_cut_where_it_happened():
    from gdviz.figures import MAX_SCHEDULE_POINTS, schedule_figure

    factors = parse_schedule("multistep(milestones=1234|15000, gamma=0.1)").factors(20_000)
    figure = schedule_figure(factors)
    line = figure.data[0]
    x, y = np.array(line.x), np.array(line.y)
    assert len(x) <= MAX_SCHEDULE_POINTS + 10
    np.testing.assert_array_equal(y, factors[x - 1])  # update k is factor index k − 1
    assert {1234, 1235, 15000, 15001} <= set(
        x.tolist()
    )  # the last update before and the first after
    assert figure.layout.yaxis.type == "log"  # 1 … 0.01
    smooth = schedule_figure(parse_schedule("cosine(t_max=300)").factors(400))
    assert smooth.layout.yaxis.type == "linear"  # it reaches 0
    with pytest.raises(ValueError, match="finite"):
        schedule_figure(np.array([1.0, np.nan]))


@pytest.mark.parametrize(
    "text", ["onecycle(total_steps=500)", "multistep(milestones=100|200, gamma=0.1)"]
)
def test_the_sidebar_draws_the_schedule_it_runs(text):
    """Beside the schedule box: the schedule's factor over the lesson's budget (the link's
    ``schedule`` parameter)."""
    import json

    from test_app import open_app

    app = open_app(schedule=text)
    assert not app.exception
    (chart,) = app.sidebar.get("plotly_chart")
    line = json.loads(chart.proto.spec)["data"][0]
    factors = parse_schedule(text).factors(max(line["x"]))
    np.testing.assert_allclose(line["y"], factors[np.array(line["x"]) - 1], rtol=1e-15)
    assert max(line["x"]) == 500  # the ravine's budget


def test_the_sidebar_draws_plateau_as_it_happened_on_panel_1():
    import json

    from test_app import open_app

    from gdviz.lesson import Settings, build_lesson

    text = "plateau(patience=2)"
    app = open_app(schedule=text, lr="0.045")
    assert not app.exception
    (chart,) = app.sidebar.get("plotly_chart")
    line = json.loads(chart.proto.spec)["data"][0]
    lesson = build_lesson(Settings(schedule=text, rates=(0.045,)))
    run_factors = lesson.results[0].factors(0)[: lesson.results[0].nit[0]]
    assert min(line["y"]) < 1  # the rate was cut on this run
    np.testing.assert_array_equal(line["y"], run_factors[np.array(line["x"]) - 1])
    assert any("panel 1's run" in caption.value for caption in app.sidebar.caption)
    # Without a schedule, no curve.
    assert not open_app().sidebar.get("plotly_chart")
