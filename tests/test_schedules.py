"""Learning-rate schedules: factors against hand-computed values, warm-up, and the text form."""

import math

import numpy as np
import pytest

from gdviz.schedules import SCHEDULES, Schedule, parse_schedule

COS_QUARTER = (1 + math.cos(math.pi / 4)) / 2  # ≈ 0.8536
COS_THREE_QUARTERS = (1 + math.cos(3 * math.pi / 4)) / 2  # ≈ 0.1464


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("constant", [1, 1, 1, 1]),
        ("step(step_size=2)", [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]),
        ("step(step_size=3, gamma=0.1)", [1, 1, 1, 0.1, 0.1, 0.1, 0.01]),
        ("exponential(gamma=0.9)", [1, 0.9, 0.81, 0.729, 0.6561]),
        ("exponential(gamma=1)", [1, 1, 1]),
        ("inverse_time(decay=0.5)", [1, 1 / 1.5, 1 / 2, 1 / 2.5, 1 / 3]),
        ("inverse_time(decay=0)", [1, 1, 1]),
        # T_max = 4: the half-cosine from 1 down to 0, then it stays at the minimum.
        ("cosine(t_max=4)", [1, COS_QUARTER, 0.5, COS_THREE_QUARTERS, 0, 0, 0]),
        ("cosine(t_max=2, eta_min_factor=0.2)", [1, 0.6, 0.2, 0.2, 0.2]),
        (
            "cosine(t_max=4, eta_min_factor=0.5)",
            [1, 0.5 + 0.5 * COS_QUARTER, 0.75, 0.5 + 0.5 * COS_THREE_QUARTERS, 0.5, 0.5],
        ),
        ("cosine(t_max=1)", [1, 0, 0]),
    ],
)
def test_factors_by_hand(text, expected):
    """Update t = 0 runs at the base rate; each schedule's factors, worked out by hand."""
    schedule = parse_schedule(text)
    factors = schedule.factors(len(expected))
    assert factors.dtype == np.float64
    assert factors.shape == (len(expected),)
    np.testing.assert_allclose(factors, expected, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(
        [schedule(t) for t in range(len(expected))], expected, rtol=1e-15, atol=1e-16
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("constant(warmup=4)", [0.25, 0.5, 0.75, 1, 1]),
        ("constant(warmup=1)", [1, 1, 1]),  # 1/1: no warm-up at all
        ("constant(warmup=2)", [0.5, 1, 1]),
        # The warm-up multiplies the schedule, whose own clock runs on: γ^t · (t + 1)/w.
        ("exp(gamma=0.5, warmup=2)", [0.5, 0.5, 0.25, 0.125]),
        ("step(step_size=1, gamma=0.5, warmup=3)", [1 / 3, 1 / 3, 0.25, 0.125]),
    ],
)
def test_warmup_rises_linearly_times_the_schedule(text, expected):
    """During the first `warmup` updates the factor is the schedule's times (t + 1)/warmup."""
    schedule = parse_schedule(text)
    np.testing.assert_allclose(schedule.factors(len(expected)), expected, rtol=1e-15)
    np.testing.assert_allclose([schedule(t) for t in range(len(expected))], expected, rtol=1e-15)


def test_warmup_ends_exactly_at_the_schedule():
    """From the last warm-up update on the factor is the schedule's own, bit for bit."""
    warm = parse_schedule("cosine(t_max=100, eta_min_factor=0.1, warmup=7)")
    bare = parse_schedule("cosine(t_max=100, eta_min_factor=0.1)")
    np.testing.assert_array_equal(warm.factors(120)[6:], bare.factors(120)[6:])
    assert all(warm(t) < bare(t) for t in range(6))


@pytest.mark.parametrize(
    "text",
    [
        "constant",
        "step(step_size=100, gamma=0.5)",
        "exponential(gamma=0.99)",
        "inverse_time(decay=0.01)",
        "cosine(t_max=500)",
        "cosine(t_max=500, eta_min_factor=0.05, warmup=20)",
        "exp(gamma=0.999, warmup=10)",
        "inv(decay=1e-05)",
        "constant(warmup=3)",
    ],
)
def test_text_round_trips(text):
    """describe() reads back to an equal schedule with the same factors; str() is describe()."""
    schedule = parse_schedule(text)
    again = parse_schedule(schedule.describe())
    assert again == schedule
    np.testing.assert_array_equal(again.factors(700), schedule.factors(700))
    assert str(schedule) == schedule.describe()
    assert Schedule(schedule.name, dict(schedule.params), schedule.warmup) == schedule


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("constant", "constant"),
        ("constant()", "constant"),
        ("CONSTANT", "constant"),
        ("const", "constant"),
        ("step(step_size=100)", "step(step_size=100)"),
        ("step_decay(gamma=0.1, step_size=100)", "step(gamma=0.1, step_size=100)"),
        ("exp(gamma=0.99)", "exponential(gamma=0.99)"),
        ("inv(decay=.5)", "inverse_time(decay=0.5)"),
        ("1/t(decay=0.5)", "inverse_time(decay=0.5)"),
        (" cosine ( t_max = 500 , warmup=20 ) ", "cosine(t_max=500, warmup=20)"),
        ("exponential(gamma=1.0, warmup=0)", "exponential(gamma=1)"),
    ],
)
def test_text_forms_and_aliases(text, described):
    """Case, spaces, aliases and number spellings all read to one canonical description."""
    assert parse_schedule(text).describe() == described


def test_registry_builds_the_schedules_the_text_describes():
    """SCHEDULES lists every schedule by name and builds frozen records from keywords."""
    assert list(SCHEDULES) == [
        "constant", "step", "exponential", "inverse_time", "cosine",
        "multistep", "polynomial", "onecycle", "plateau",
    ]  # fmt: skip
    assert SCHEDULES["step"](step_size=10, gamma=0.1) == parse_schedule(
        "step(step_size=10, gamma=0.1)"
    )
    assert SCHEDULES["exponential"](gamma=0.9, warmup=5) == parse_schedule(
        "exponential(gamma=0.9, warmup=5)"
    )
    np.testing.assert_array_equal(
        SCHEDULES["cosine"](t_max=50).factors(60), parse_schedule("cosine(t_max=50)").factors(60)
    )
    assert isinstance(SCHEDULES["constant"](), Schedule)
    schedule = parse_schedule("cosine(t_max=500)")
    assert schedule.name == "cosine"
    assert dict(schedule.params) == {"t_max": 500}
    assert isinstance(schedule.params["t_max"], int)
    with pytest.raises(TypeError):
        schedule.params["t_max"] = 3  # frozen
    assert schedule.factors(0).shape == (0,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "unknown schedule 'foo' — use one of: constant, step, exponential"),
        ("exponential(gamma=2)", r"gamma must be in \(0, 1\], got 2$"),
        ("exponential(gamma=0)", r"gamma must be in \(0, 1\], got 0$"),
        ("step(step_size=10, gamma=1.5)", r"gamma must be in \(0, 1\], got 1.5"),
        ("exponential", r"schedule exponential needs gamma=…, e.g. exponential\(gamma=0.99\)"),
        ("step(gamma=0.5)", "schedule step needs step_size="),
        ("cosine(t_max=0)", "t_max must be a whole number ≥ 1, got 0"),
        ("cosine(t_max=2.5)", "t_max must be a whole number ≥ 1, got '2.5'"),
        ("cosine(t_max=abc)", "t_max must be a whole number ≥ 1, got 'abc'"),
        ("cosine(t_max=10, eta_min_factor=2)", r"eta_min_factor must be in \[0, 1\], got 2"),
        ("inverse_time(decay=-1)", "decay must be ≥ 0, got -1"),
        ("exp(gamma=nan)", r"gamma must be in \(0, 1\], got nan"),
        ("exp(gamma=inf)", r"gamma must be in \(0, 1\], got inf"),
        ("exp(gamma=0.5, warmup=-2)", "warmup must be a whole number ≥ 0, got -2"),
        ("exp(gamma=0.5, warmup=1.5)", "warmup must be a whole number ≥ 0, got '1.5'"),
        ("step(step_size=10, size=2)", "schedule step has no parameter 'size' — it takes: step_"),
        ("cosine(500)", "written key=value, got '500'"),
        ("cosine(t_max=5, t_max=6)", "schedule parameter 't_max' is given twice"),
        ("cosine(t_max=5", "cannot read the schedule"),
        ("cosine(t_max=5) extra", "cannot read the schedule"),
        ("", "cannot read the schedule"),
        ("__import__('os').system('true')", "unknown schedule '__import__'"),
        ("exp(gamma=__import__('os'))", r"gamma must be in \(0, 1\]"),
        ("exp(gamma=1/2)", r"gamma must be in \(0, 1\], got '1/2'"),
        ("x" * 300, "too long"),
    ],
)
def test_bad_text_is_refused_clearly(text, message):
    """Malformed or out-of-range text is refused with what is wrong; nothing is evaluated."""
    with pytest.raises(ValueError, match=message):
        parse_schedule(text)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SCHEDULES["step"](step_size=0), "step_size must be a whole number ≥ 1, got 0"),
        (lambda: SCHEDULES["step"](step_size=True), "step_size must be a number, got True"),
        (lambda: SCHEDULES["exponential"](gamma="0.9"), "gamma must be a number, got '0.9'"),
        (lambda: SCHEDULES["inverse_time"](decay=float("inf")), "decay must be ≥ 0, got inf"),
        (lambda: SCHEDULES["constant"](warmup=-1), "warmup must be a whole number ≥ 0"),
        (lambda: Schedule("linear"), "unknown schedule 'linear'"),
    ],
)
def test_factories_refuse_bad_values(build, message):
    """The keyword factories and the record itself check values as the text form does."""
    with pytest.raises(ValueError, match=message):
        build()
