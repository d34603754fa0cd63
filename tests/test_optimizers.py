"""Every optimizer against a scalar transcription of its torch.optim algorithm box."""

import math

import numpy as np
import pytest

from gdviz.optimizers import OPTIMIZERS, make_optimizer

# Analytic gradients written out by hand, independent of the expression module.
SURFACES = {
    "bowl": lambda x, y: (2 * x, 20 * y),
    "rosenbrock": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
    "saddle": lambda x, y: (2 * x, -2 * y),
}
STARTS = [(-1.2, 1.0), (0.5, -0.3), (1.5, 0.8)]
RATES = [5e-5, 1e-4, 2e-4]  # stable for every case, so the comparison stays finite


# --- the oracles: torch's boxes, one run and one coordinate at a time, in Python floats -----


def sgd_box(grad, theta, lr, steps, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    theta = list(theta)
    buffer = [0.0, 0.0]
    path = [tuple(theta)]
    for t in range(1, steps + 1):
        g = list(grad(*theta))
        for i in range(2):
            gi = g[i]
            if weight_decay != 0:
                gi = gi + weight_decay * theta[i]
            if momentum != 0:
                buffer[i] = gi if t == 1 else momentum * buffer[i] + (1 - dampening) * gi
                gi = gi + momentum * buffer[i] if nesterov else buffer[i]
            theta[i] = theta[i] - lr * gi
        path.append(tuple(theta))
    return path


def adagrad_box(
    grad, theta, lr, steps, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    theta = list(theta)
    state_sum = [initial_accumulator_value] * 2
    path = [tuple(theta)]
    for t in range(1, steps + 1):
        g = list(grad(*theta))
        clr = lr / (1 + (t - 1) * lr_decay)
        for i in range(2):
            gi = g[i] + weight_decay * theta[i] if weight_decay != 0 else g[i]
            state_sum[i] = state_sum[i] + gi * gi
            theta[i] = theta[i] - clr * gi / (math.sqrt(state_sum[i]) + eps)
        path.append(tuple(theta))
    return path


def rmsprop_box(
    grad, theta, lr, steps, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    theta = list(theta)
    v = [0.0, 0.0]
    g_ave = [0.0, 0.0]
    b = [0.0, 0.0]
    path = [tuple(theta)]
    for _ in range(steps):
        g = list(grad(*theta))
        for i in range(2):
            gi = g[i] + weight_decay * theta[i] if weight_decay != 0 else g[i]
            v[i] = alpha * v[i] + (1 - alpha) * gi * gi
            v_tilde = v[i]
            if centered:
                g_ave[i] = alpha * g_ave[i] + (1 - alpha) * gi
                v_tilde = v_tilde - g_ave[i] ** 2
            if momentum > 0:
                b[i] = momentum * b[i] + gi / (math.sqrt(v_tilde) + eps)
                theta[i] = theta[i] - lr * b[i]
            else:
                theta[i] = theta[i] - lr * gi / (math.sqrt(v_tilde) + eps)
        path.append(tuple(theta))
    return path


def adam_box(
    grad,
    theta,
    lr,
    steps,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    beta1, beta2 = betas
    theta = list(theta)
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    v_max = [0.0, 0.0]
    path = [tuple(theta)]
    for t in range(1, steps + 1):
        g = list(grad(*theta))
        for i in range(2):
            gi = g[i]
            if decoupled:
                theta[i] = theta[i] - lr * weight_decay * theta[i]
            elif weight_decay != 0:
                gi = gi + weight_decay * theta[i]
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            m_hat = m[i] / (1 - beta1**t)
            if amsgrad:
                v_max[i] = max(v_max[i], v[i])
                v_hat = v_max[i] / (1 - beta2**t)
            else:
                v_hat = v[i] / (1 - beta2**t)
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(tuple(theta))
    return path


CASES = {
    "gd": ({}, lambda g, th, lr, n: sgd_box(g, th, lr, n)),
    "gd weight_decay": (
        {"weight_decay": 0.1},
        lambda g, th, lr, n: sgd_box(g, th, lr, n, weight_decay=0.1),
    ),
    "momentum": ({}, lambda g, th, lr, n: sgd_box(g, th, lr, n, momentum=0.9)),
    "momentum dampening": (
        {"momentum": 0.7, "dampening": 0.3, "weight_decay": 0.05},
        lambda g, th, lr, n: sgd_box(g, th, lr, n, momentum=0.7, dampening=0.3, weight_decay=0.05),
    ),
    "nesterov": ({}, lambda g, th, lr, n: sgd_box(g, th, lr, n, momentum=0.9, nesterov=True)),
    "nesterov weight_decay": (
        {"momentum": 0.5, "weight_decay": 0.2},
        lambda g, th, lr, n: sgd_box(g, th, lr, n, momentum=0.5, weight_decay=0.2, nesterov=True),
    ),
    "adagrad": ({}, lambda g, th, lr, n: adagrad_box(g, th, lr * 100, n)),
    "adagrad options": (
        {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6},
        lambda g, th, lr, n: adagrad_box(
            g,
            th,
            lr * 100,
            n,
            lr_decay=0.01,
            weight_decay=0.1,
            initial_accumulator_value=0.5,
            eps=1e-6,
        ),
    ),
    "rmsprop": ({}, lambda g, th, lr, n: rmsprop_box(g, th, lr * 10, n)),
    "rmsprop centered momentum": (
        {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01, "momentum": 0.5, "centered": True},
        lambda g, th, lr, n: rmsprop_box(
            g, th, lr * 10, n, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5, centered=True
        ),
    ),
    "adam": ({}, lambda g, th, lr, n: adam_box(g, th, lr * 10, n)),
    "adam amsgrad": (
        {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True},
        lambda g, th, lr, n: adam_box(
            g, th, lr * 10, n, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True
        ),
    ),
    "adamw": (
        {},
        lambda g, th, lr, n: adam_box(g, th, lr * 10, n, weight_decay=0.01, decoupled=True),
    ),
    "adamw amsgrad": (
        {"weight_decay": 0.3, "amsgrad": True},
        lambda g, th, lr, n: adam_box(
            g, th, lr * 10, n, weight_decay=0.3, amsgrad=True, decoupled=True
        ),
    ),
}
# Adaptive methods take larger rates than plain SGD on the same surface (scaled in the oracle too).
RATE_SCALE = {"adagrad": 100, "rmsprop": 10, "adam": 10, "adamw": 10}


def step_vectorized(name, hyperparameters, grad, starts, rates, steps):
    """Step every (start, rate) run together through gdviz's optimizer, as the engine does."""
    optimizer = make_optimizer(name, **hyperparameters)
    params = np.array([s for s in starts for _ in rates], dtype=np.float64)
    lr = np.array([r for _ in starts for r in rates], dtype=np.float64)
    state = optimizer.init(params)
    path = [params]
    for _ in range(steps):
        gx, gy = grad(params[:, 0], params[:, 1])
        grads = np.stack([gx, gy], axis=1)
        delta, state = optimizer.update(grads, state, params, lr)
        params = params + delta
        path.append(params)
    return np.stack(path, axis=1)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("case", CASES)
def test_matches_the_torch_box_step_for_step(case, surface):
    """Relative error ≤ 1e-12 at every one of 100 steps, for several starts and rates at once."""
    hyperparameters, oracle = CASES[case]
    name = case.split()[0]
    scale = RATE_SCALE.get(name, 1)
    grad = SURFACES[surface]
    paths = step_vectorized(name, hyperparameters, grad, STARTS, [r * scale for r in RATES], 100)
    run = 0
    for start in STARTS:
        for rate in RATES:
            expected = np.array(oracle(grad, start, rate, 100))
            np.testing.assert_allclose(paths[run], expected, rtol=1e-12, atol=1e-14)
            run += 1


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_inputs_are_never_mutated(name):
    optimizer = make_optimizer(name)
    params = np.array([[1.0, -2.0], [0.5, 0.5]])
    grads = np.array([[2.0, -4.0], [1.0, 1.0]])
    lr = np.array([0.1, 0.2])
    hessian = np.tile(np.eye(2) * 2, (2, 1, 1))
    state = optimizer.init(params)
    copies = [a.copy() for a in (params, grads, lr, hessian)]
    state_copies = [np.copy(part) for part in state]
    for _ in range(3):
        optimizer.update(grads, state, params, lr, hessian=hessian)
    for original, copy in zip((params, grads, lr, hessian), copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    for part, copy in zip(state, state_copies, strict=True):
        np.testing.assert_array_equal(part, copy)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_non_finite_gradients_neither_raise_nor_warn(name):
    optimizer = make_optimizer(name)
    params = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    grads = np.array([[np.inf, 1.0], [np.nan, 1.0], [1e300, 1e300]])
    hessian = np.array([np.eye(2), np.full((2, 2), np.nan), np.eye(2)])
    delta, _ = optimizer.update(grads, optimizer.init(params), params, np.ones(3), hessian=hessian)
    assert delta.shape == (3, 2)


def test_newton_solves_a_quadratic_in_one_step():
    optimizer = make_optimizer("newton")
    params = np.array([[3.0, -2.0]])
    hessian = np.array([[[2.0, 0.5], [0.5, 20.0]]])
    grads = (hessian[0] @ params[0])[None, :]  # f = ½ θᵀHθ, minimum at 0
    delta, _ = optimizer.update(
        grads, optimizer.init(params), params, np.array([1.0]), hessian=hessian
    )
    np.testing.assert_allclose(params + delta, [[0.0, 0.0]], atol=1e-15)


@pytest.mark.parametrize(
    "hessian",
    [
        [[2.0, 0.0], [0.0, -2.0]],
        [[0.0, 0.0], [0.0, 0.0]],
        [[-1.0, 0.0], [0.0, -3.0]],
        [[np.nan, 0], [0, 1]],
    ],
    ids=["saddle", "singular", "maximum", "undefined"],
)
def test_newton_falls_back_to_a_gradient_step_where_h_is_not_positive_definite(hessian):
    optimizer = make_optimizer("newton")
    params = np.array([[1.0, 1.0]])
    grads = np.array([[2.0, -2.0]])
    delta, _ = optimizer.update(
        grads, optimizer.init(params), params, np.array([0.1]), hessian=np.array([hessian])
    )
    np.testing.assert_allclose(delta, [[-0.2, 0.2]])


def test_newton_needs_the_hessian():
    optimizer = make_optimizer("newton")
    assert optimizer.needs_hessian
    with pytest.raises(ValueError, match="needs the Hessian"):
        optimizer.update(
            np.zeros((1, 2)), optimizer.init(np.zeros((1, 2))), np.zeros((1, 2)), np.ones(1)
        )


def test_defaults_follow_torch_and_the_app():
    assert make_optimizer("momentum").hyperparameters["momentum"] == 0.9
    assert make_optimizer("adagrad").hyperparameters["eps"] == 1e-10
    assert make_optimizer("rmsprop").hyperparameters["alpha"] == 0.99
    assert make_optimizer("adam").hyperparameters["betas"] == (0.9, 0.999)
    assert make_optimizer("adamw").hyperparameters["weight_decay"] == 0.01


@pytest.mark.parametrize(
    ("name", "hyperparameters", "message"),
    [
        ("momentum", {"momentum": 1.5}, r"momentum must be in \[0, 1\), got 1.5"),
        ("nesterov", {"momentum": 0.0}, "momentum must be in"),
        ("adam", {"betas": (0.9, 1.0)}, r"betas\[1\] must be in \[0, 1\)"),
        ("rmsprop", {"eps": -1.0}, "eps must be a number ≥ 0"),
        ("gd", {"weight_decay": float("nan")}, "weight_decay must be"),
        ("adam", {"alpha": 0.9}, "adam has no hyperparameter 'alpha' — it takes: betas, eps"),
        ("sgd2", {}, "unknown optimizer 'sgd2' — use one of: gd, momentum"),
    ],
)
def test_bad_hyperparameters_say_what_is_wrong(name, hyperparameters, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **hyperparameters)
