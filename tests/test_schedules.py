"""Learning-rate schedules: factors by hand, warm-up, and the text form."""

import math

import pytest

from gdviz.schedules import SCHEDULES, Schedule, parse_schedule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("constant", [1, 1, 1, 1]),
        ("step(step_size=2, gamma=0.5)", [1, 1, 0.5, 0.5, 0.25]),
        ("exponential(gamma=0.9)", [1, 0.9, 0.81, 0.729]),
        ("inverse_time(decay=0.5)", [1, 1 / 1.5, 0.5, 1 / 2.5]),
        (
            "cosine(t_max=4)",
            [1, (1 + math.cos(math.pi / 4)) / 2, 0.5, (1 + math.cos(3 * math.pi / 4)) / 2, 0, 0],
        ),
        ("cosine(t_max=2, eta_min_factor=0.2)", [1, 0.6, 0.2, 0.2]),
        ("exp(gamma=0.5, warmup=2)", [0.5, 0.5, 0.25]),
        ("constant(warmup=4)", [0.25, 0.5, 0.75, 1, 1]),
    ],
)
def test_factors_by_hand(text, expected):
    schedule = parse_schedule(text)
    assert schedule.factors(len(expected)) == pytest.approx(expected, rel=1e-15, abs=1e-15)
    assert [schedule(t) for t in range(len(expected))] == pytest.approx(expected)


def test_aliases_and_round_trip():
    assert parse_schedule("inv(decay=0.1)") == parse_schedule("inverse_time(decay=0.1)")
    schedule = parse_schedule(" cosine ( t_max = 500 , warmup=20 ) ")
    assert schedule.describe() == "cosine(t_max=500, warmup=20)"
    assert parse_schedule(schedule.describe()) == schedule
    assert SCHEDULES["step"](step_size=10, gamma=0.1) == parse_schedule(
        "step(step_size=10, gamma=0.1)"
    )
    assert isinstance(SCHEDULES["constant"](), Schedule)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "unknown schedule 'foo' — use one of"),
        ("exponential(gamma=2)", r"gamma must be in \(0, 1\], got 2"),
        ("exponential", "schedule exponential needs gamma"),
        ("cosine(t_max=0)", "t_max must be a whole number ≥ 1"),
        ("cosine(t_max=abc)", "t_max must be a whole number"),
        ("step(step_size=10, size=2)", "schedule step has no parameter 'size'"),
        ("cosine(500)", "written key=value"),
        ("__import__('os')", "cannot read the schedule|unknown schedule"),
        ("x" * 300, "too long"),
    ],
)
def test_bad_text_is_refused_clearly(text, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(text)
