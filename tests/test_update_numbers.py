"""The update written out with its numbers (gdviz/update_numbers.py): every line's arithmetic
checks against the engine — the step it states is the step the engine took, θ_t is the path's."""

import numpy as np
import pytest

from gdviz.engine import run
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import load_library
from gdviz.update_numbers import update_lines

CASES = [
    ("gd", {}),
    ("gd", {"weight_decay": 0.1}),
    ("momentum", {}),
    ("momentum", {"dampening": 0.3, "weight_decay": 0.05}),
    ("nesterov", {}),
    ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("rmsprop", {}),
    ("rmsprop", {"momentum": 0.5, "centered": True}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "weight_decay": 0.01}),
    ("adamw", {}),
    ("newton", {}),
]


def _traced(name, hyperparameters, lr=0.005, steps=40):
    surface = load_library().surfaces["himmelblau"]
    optimizer = make_optimizer(name, **hyperparameters)
    result = run(surface.objective, optimizer, [(0.5, -0.5)], [lr], steps=steps, gtol=0, trace=True)
    assert result.run(0).nit == steps
    return result, result.run(0)


@pytest.mark.parametrize(("name", "hyperparameters"), CASES)
def test_every_update_states_the_step_the_engine_took(name, hyperparameters):
    result, r = _traced(name, hyperparameters)
    for t in (1, 2, 7, r.nit):
        lines = update_lines(result.optimizer, result.hyperparameters, r, t)
        named = {line.name: line.value for line in lines}
        np.testing.assert_array_equal(named[r"\theta_{t-1}"], r.path[t - 1])
        np.testing.assert_array_equal(named[r"\theta_t"], r.path[t])
        step = lines[-2]
        assert step.name == r"\Delta\theta_t"
        np.testing.assert_allclose(step.value, r.trace.step[t - 1], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(r.path[t - 1] + step.value, r.path[t], rtol=1e-12, atol=1e-15)
        for line in lines:
            text = line.latex()
            assert "nan" not in text
            assert "inf" not in text


def test_the_state_lines_are_the_traced_state():
    result, r = _traced("adam", {})
    lines = {line.name: line.value for line in update_lines("adam", result.hyperparameters, r, 5)}
    np.testing.assert_array_equal(lines["m_t"], r.trace.state["exp_avg"][4])
    np.testing.assert_array_equal(lines["v_t"], r.trace.state["exp_avg_sq"][4])
    np.testing.assert_allclose(lines[r"\hat m_t"], r.trace.state["exp_avg"][4] / (1 - 0.9**5))


def test_the_first_momentum_update_starts_the_buffer_at_the_gradient():
    result, r = _traced("momentum", {})
    lines = update_lines("momentum", result.hyperparameters, r, 1)
    buffer = next(line for line in lines if line.name == "b_1")
    np.testing.assert_array_equal(buffer.value, r.trace.grad[0])
    assert "b_1 = g_1 = " in buffer.latex()


def test_an_update_outside_the_run_or_an_untraced_run_is_refused():
    result, r = _traced("gd", {}, steps=5)
    with pytest.raises(ValueError, match="between 1 and 5"):
        update_lines("gd", result.hyperparameters, r, 6)
    plain = run(
        load_library().surfaces["himmelblau"].objective, make_optimizer("gd"), [(0, 0)], [0.01]
    )
    with pytest.raises(ValueError, match="no trace"):
        update_lines("gd", {}, plain.run(0), 1)
