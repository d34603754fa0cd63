"""The engine's trace (issue 15, item 4): what every update received, kept and did.

The traced state of each optimizer is checked against a scalar transcription of its torch
algorithm box, one coordinate at a time in Python floats, fed the traced gradients and rates:
so the trace is what the optimizer saw (after noise and clipping) and what torch would keep.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_cli import run_cli  # one way to call the command line in a test

from gdviz.engine import MAX_TRACE_ENTRIES, check_trace_entries, run
from gdviz.expression import parse_function
from gdviz.optimizers import make_optimizer
from gdviz.schedules import parse_schedule

TOLERANCE = 1e-12
STEPS = 150
# A coupled, tilted bowl; noise makes every traced gradient differ from ∇f, the schedule every rate.
FUNCTION = "x^2 + x*y + 2*y^2 - x"
START = (1.5, -0.8)
OPTIONS = {"steps": STEPS, "gtol": 0.0, "xtol": 0.0, "noise": 0.3, "seed": 7}
SCHEDULE = "cosine(t_max=200, warmup=10)"


# --- torch's boxes, fed the traced g_t, γ_t and θ_{t−1}: (state by name, steps) per update ------


def sgd_box(grads, lrs, thetas, *, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """torch.optim.SGD."""
    buffer = [0.0, 0.0]
    states, steps = [], []
    for t, (g_t, lr, theta) in enumerate(zip(grads, lrs, thetas, strict=True), start=1):
        g, step = list(g_t), [0.0, 0.0]
        for i in range(2):
            if weight_decay != 0:
                g[i] = g[i] + weight_decay * theta[i]
            if momentum != 0:
                buffer[i] = momentum * buffer[i] + (1 - dampening) * g[i] if t > 1 else g[i]
                g[i] = g[i] + momentum * buffer[i] if nesterov else buffer[i]
            step[i] = -lr * g[i]
        states.append({"momentum_buffer": tuple(buffer)} if momentum != 0 else {})
        steps.append(step)
    return states, steps


def adagrad_box(
    grads, lrs, thetas, *, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    """torch.optim.Adagrad."""
    state_sum = [initial_accumulator_value] * 2
    states, steps = [], []
    for t, (g_t, lr, theta) in enumerate(zip(grads, lrs, thetas, strict=True), start=1):
        g, step = list(g_t), [0.0, 0.0]
        clr = lr / (1 + (t - 1) * lr_decay)
        for i in range(2):
            if weight_decay != 0:
                g[i] = g[i] + weight_decay * theta[i]
            state_sum[i] = state_sum[i] + g[i] * g[i]
            step[i] = -clr * g[i] / (math.sqrt(state_sum[i]) + eps)
        states.append({"sum": tuple(state_sum)})
        steps.append(step)
    return states, steps


def rmsprop_box(
    grads, lrs, thetas, *, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    """torch.optim.RMSprop: square_avg, momentum_buffer (μ > 0), grad_avg (centered)."""
    v, g_ave, b = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    states, steps = [], []
    for g_t, lr, theta in zip(grads, lrs, thetas, strict=True):
        g, step = list(g_t), [0.0, 0.0]
        for i in range(2):
            if weight_decay != 0:
                g[i] = g[i] + weight_decay * theta[i]
            v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i]
            v_tilde = v[i]
            if centered:
                g_ave[i] = g_ave[i] * alpha + (1 - alpha) * g[i]
                v_tilde = v_tilde - g_ave[i] * g_ave[i]
            if momentum > 0:
                b[i] = momentum * b[i] + g[i] / (math.sqrt(v_tilde) + eps)
                step[i] = -lr * b[i]
            else:
                step[i] = -lr * g[i] / (math.sqrt(v_tilde) + eps)
        state = {"square_avg": tuple(v)}
        if momentum > 0:
            state["momentum_buffer"] = tuple(b)
        if centered:
            state["grad_avg"] = tuple(g_ave)
        states.append(state)
        steps.append(step)
    return states, steps


def adam_box(
    grads,
    lrs,
    thetas,
    *,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    """torch.optim.Adam, or AdamW with ``decoupled``: exp_avg, exp_avg_sq, max_exp_avg_sq."""
    beta1, beta2 = betas
    m, v, v_max = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    states, steps = [], []
    for t, (g_t, lr, theta) in enumerate(zip(grads, lrs, thetas, strict=True), start=1):
        g, step = list(g_t), [0.0, 0.0]
        for i in range(2):
            decayed = theta[i]
            if decoupled:
                decayed = theta[i] - lr * weight_decay * theta[i]
            elif weight_decay != 0:
                g[i] = g[i] + weight_decay * theta[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            m_hat = m[i] / (1 - beta1**t)
            if amsgrad:
                v_max[i] = max(v_max[i], v[i])
                v_hat = v_max[i] / (1 - beta2**t)
            else:
                v_hat = v[i] / (1 - beta2**t)
            step[i] = decayed - lr * m_hat / (math.sqrt(v_hat) + eps) - theta[i]
        state = {"exp_avg": tuple(m), "exp_avg_sq": tuple(v)}
        if amsgrad:
            state["max_exp_avg_sq"] = tuple(v_max)
        states.append(state)
        steps.append(step)
    return states, steps


def newton_box(grads, lrs, thetas, *, definiteness_tolerance=1e-8):
    """gdviz's damped Newton on FUNCTION (H = [[2, 1], [1, 4]] everywhere): no state."""
    a, b, c = 2.0, 1.0, 4.0
    radius = math.sqrt(0.25 * (a - c) ** 2 + b * b)
    smaller, larger = 0.5 * (a + c) - radius, 0.5 * (a + c) + radius
    assert smaller > definiteness_tolerance * max(abs(larger), 1.0)
    determinant = a * c - b * b
    steps = [
        [-lr * (c * g[0] - b * g[1]) / determinant, -lr * (a * g[1] - b * g[0]) / determinant]
        for g, lr in zip(grads, lrs, strict=True)
    ]
    return [{} for _ in steps], steps


# name, engine hyperparameters, box, the box's keywords, base rates (three runs together)
CASES = {
    "gd": ("gd", {"weight_decay": 0.1}, sgd_box, {"weight_decay": 0.1}, [0.05, 0.1, 0.2]),
    "momentum": (
        "momentum",
        {"momentum": 0.8, "dampening": 0.1, "weight_decay": 0.05},
        sgd_box,
        {"momentum": 0.8, "dampening": 0.1, "weight_decay": 0.05},
        [0.01, 0.05, 0.1],
    ),
    "nesterov": (
        "nesterov",
        {"momentum": 0.9},
        sgd_box,
        {"momentum": 0.9, "nesterov": True},
        [0.01, 0.05, 0.1],
    ),
    "adagrad": (
        "adagrad",
        {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.05},
        adagrad_box,
        {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.05},
        [0.1, 0.3, 0.5],
    ),
    "rmsprop": ("rmsprop", {}, rmsprop_box, {}, [0.001, 0.01, 0.05]),
    "rmsprop momentum": (
        "rmsprop",
        {"momentum": 0.5, "alpha": 0.9},
        rmsprop_box,
        {"momentum": 0.5, "alpha": 0.9},
        [0.001, 0.01, 0.05],
    ),
    "rmsprop centered momentum": (
        "rmsprop",
        {"momentum": 0.5, "centered": True, "weight_decay": 0.1},
        rmsprop_box,
        {"momentum": 0.5, "centered": True, "weight_decay": 0.1},
        [0.001, 0.01, 0.05],
    ),
    "rmsprop centered": (
        "rmsprop",
        {"centered": True},
        rmsprop_box,
        {"centered": True},
        [0.001, 0.01, 0.05],
    ),
    "adam": (
        "adam",
        {"weight_decay": 0.1},
        adam_box,
        {"weight_decay": 0.1},
        [0.01, 0.05, 0.1],
    ),
    "adam amsgrad": (
        "adam",
        {"amsgrad": True, "betas": (0.8, 0.99)},
        adam_box,
        {"amsgrad": True, "betas": (0.8, 0.99)},
        [0.01, 0.05, 0.1],
    ),
    "adamw": (
        "adamw",
        {"weight_decay": 0.1},
        adam_box,
        {"weight_decay": 0.1, "decoupled": True},
        [0.01, 0.05, 0.1],
    ),
    "adamw amsgrad": (
        "adamw",
        {"amsgrad": True},
        adam_box,
        {"amsgrad": True, "decoupled": True, "weight_decay": 0.01},
        [0.01, 0.05, 0.1],
    ),
    "newton": ("newton", {}, newton_box, {}, [0.1, 0.5, 1.0]),
}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


@pytest.mark.parametrize("case", CASES)
def test_the_traced_state_is_torchs(case):
    """Every update of every run: the state equals the box's fed the traced gradients and
    rates (1e-12), the step too, and path[k] = path[k − 1] + step[k] exactly."""
    name, hyperparameters, box, keywords, rates = CASES[case]
    optimizer = make_optimizer(name, **hyperparameters)
    schedule = parse_schedule(SCHEDULE)
    result = run(
        parse_function(FUNCTION),
        optimizer,
        [START],
        rates,
        schedule=schedule,
        trace=True,
        **OPTIONS,
    )
    assert result.trace is not None
    assert (result.nit == STEPS).all()  # nothing stopped early: every update is checked
    for i, rate in enumerate(rates):
        r = result.run(i)
        trace = r.trace
        assert trace is not None
        assert trace.grad.shape == trace.step.shape == (STEPS, 2)
        assert np.array_equal(trace.lr, rate * np.array([schedule(k) for k in range(STEPS)]))
        # The noise reached the optimizer: the traced gradient is not ∇f at the point.
        _, exact = parse_function(FUNCTION).value_and_gradient(r.path[:-1, 0], r.path[:-1, 1])
        assert not np.allclose(trace.grad, exact, atol=1e-3)
        assert np.array_equal(r.path[1:], r.path[:-1] + trace.step)
        states, steps = box(
            trace.grad.tolist(), trace.lr.tolist(), r.path[:-1].tolist(), **keywords
        )
        assert list(trace.state) == list(states[0])  # torch's names, in torch's order
        for k in range(STEPS):
            for c in range(2):
                assert close(float(trace.step[k, c]), steps[k][c]), (k, c)
                for key, value in states[k].items():
                    assert close(float(trace.state[key][k, c]), value[c]), (key, k, c)


def test_a_clipped_gradient_is_traced_clipped():
    """With clip_norm the optimizer receives g·min(1, c/(‖g‖ + 1e-6)): that is the trace."""
    objective = parse_function("x^2 + 10y^2")
    result = run(
        objective, make_optimizer("momentum"), [(3.0, 2.0)], [0.01], steps=40, clip_norm=1.0,
        trace=True,
    )  # fmt: skip
    r = result.run(0)
    assert r.trace is not None
    _, raw = objective.value_and_gradient(r.path[:-1, 0], r.path[:-1, 1])
    norms = np.sqrt((raw * raw).sum(axis=1))
    assert norms[0] > 10  # the clipping mattered
    clipped = raw * np.minimum(1.0, 1.0 / (norms + 1e-6))[:, None]
    assert np.allclose(r.trace.grad, clipped, rtol=1e-14, atol=0)
    assert np.sqrt((r.trace.grad**2).sum(axis=1)).max() <= 1.0


@pytest.mark.parametrize(
    ("function", "rule"), [("x^4 + y^2", "loss_growth"), ("exp(x^2 + y^2)", "nonfinite")]
)
def test_a_diverged_run_traces_its_finite_path_only(function, rule):
    """A run that blows up ends at its last finite point (``nonfinite``: the update that
    overflowed is not in the path); its trace is cut there, the result's arrays are finite and 0
    after each run's end; the paths equal those of an untraced run."""
    objective = parse_function(function)
    rates, options = [0.001, 0.3], {"steps": 200}
    plain = run(objective, make_optimizer("gd"), [(2.0, 1.0)], rates, **options)
    traced = run(objective, make_optimizer("gd"), [(2.0, 1.0)], rates, trace=True, **options)
    assert plain.trace is None
    assert np.array_equal(plain.paths, traced.paths)
    assert traced.status[0] == "max_steps"
    assert traced.rule[-1] == rule
    # x⁴ grows past the limit at update 2; exp overflows at update 1, which leaves no step.
    assert traced.nit[-1] == (2 if rule == "loss_growth" else 0)
    assert traced.trace is not None
    for name in ("grad", "step", "lr"):
        assert np.isfinite(getattr(traced.trace, name)).all()
    for i in range(len(rates)):
        r = traced.run(i)
        assert r.trace is not None
        assert len(r.trace.step) == r.nit
        assert np.array_equal(r.path[1:], r.path[:-1] + r.trace.step)
        assert not traced.trace.step[i, r.nit :].any()
    record = json.loads(json.dumps(traced.to_dict(include_trace=True), allow_nan=False))
    assert [len(run["trace"]) for run in record["runs"]] == traced.nit.tolist()


def test_the_trace_is_bounded():
    objective = parse_function("x^2 + y^2")
    with pytest.raises(ValueError, match="too much to trace"):
        run(objective, make_optimizer("gd"), [(1.0, 1.0)], [0.1] * 11, steps=100_000, trace=True)
    # The app's largest page, 4 runs × 20,000 steps, is traced and written.
    rates = [1e-4, 2e-4, 3e-4, 4e-4]
    page = run(
        objective, make_optimizer("adam"), [(1.0, 1.0)], rates, steps=20_000, gtol=0, xtol=0,
        trace=True,
    )  # fmt: skip
    assert page.nit.sum() == 80_000
    check_trace_entries(int(page.nit.sum()))
    with pytest.raises(ValueError, match="at most 100,000"):
        check_trace_entries(MAX_TRACE_ENTRIES + 1)


def test_the_command_line_writes_the_trace(capsys):
    code, out, _ = run_cli(
        capsys, "run", "--function", "x^2 + 10y^2", "--start", "1,1", "--lr", "0.01",
        "--lr", "0.05", "--optimizer", "adam", "--steps", "30", "--format", "json", "--trace",
    )  # fmt: skip
    assert code == 0
    runs = json.loads(out)["runs"]
    for record in runs:
        trace = record["trace"]
        assert [entry["k"] for entry in trace] == list(range(1, record["nit"] + 1))
        assert set(trace[0]) == {"k", "grad", "state", "step"}
        assert set(trace[0]["state"]) == {"exp_avg", "exp_avg_sq"}
        for k, entry in enumerate(trace, start=1):
            before, after = record["path"][k - 1], record["path"][k]
            assert [b + s for b, s in zip(before, entry["step"], strict=True)] == after
    # Without --trace, no trace.
    code, out, _ = run_cli(
        capsys, "run", "--function", "x^2", "--lr", "0.1", "--steps", "3", "--format", "json"
    )
    assert "trace" not in json.loads(out)["runs"][0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--format", "csv"), "--trace needs --format json"),
        ((), "--trace needs --format json"),
        (
            ("--format", "json", "--lr", "1e-9", "--lr", "2e-9", "--steps", "60000"),
            "at most 100,000",
        ),
    ],
)
def test_the_command_line_refuses_a_trace_it_cannot_write(capsys, arguments, message):
    code, out, err = run_cli(
        capsys, "run", "--function", "x^2 + y^2", "--start", "1,1", "--gtol", "0", "--xtol", "0",
        "--trace", *arguments,
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_the_data_tabs_json_download_offers_the_trace(monkeypatch):
    """Data tab: the checkbox beside the JSON button puts each run's trace in the file; the
    page computes no trace until the file is made, and without the box the file has none."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager
    from test_app import open_app

    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        """The test runtime's file manager, kept so the test can make a deferred download."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    def download(app, label):
        button = next(b for b in app.get("download_button") if b.label == label)
        deferred = managers[-1]._deferred_callables[button.proto.deferred_file_id]
        return json.loads(deferred["callable"]())

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    app = open_app(tab="Data", opt="momentum")
    assert not app.exception
    box = app.checkbox(key="json_trace")
    assert box.label.startswith("include the trace")
    assert box.value is False
    assert all("trace" not in record for record in download(app, "Download runs (JSON)")["runs"])
    box.check().run()
    assert not app.exception
    runs = download(app, "Download runs (JSON)")["runs"]
    assert len(runs) == 3
    for record in runs:
        assert [entry["k"] for entry in record["trace"]] == list(range(1, record["nit"] + 1))
        assert all(set(entry["state"]) == {"momentum_buffer"} for entry in record["trace"])
        for k, entry in enumerate(record["trace"], start=1):
            before, after = record["path"][k - 1], record["path"][k]
            assert [b + s for b, s in zip(before, entry["step"], strict=True)] == after
