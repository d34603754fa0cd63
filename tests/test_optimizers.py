"""Every optimizer against a scalar transcription of its torch.optim algorithm box.

The oracles below are written from torch's boxes in plain Python floats, one run and one
coordinate at a time, without NumPy: an independent second implementation. gdviz's vectorized
updates must follow them to a relative error of 1e-12 at every one of 100 steps, for several
starts and rates stepped together, on several surfaces. Where torch is installed, the same
comparison runs against torch.optim itself.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

from gdviz.optimizers import OPTIMIZERS, Optimizer, make_optimizer

STEPS = 100
RELATIVE_TOLERANCE = 1e-12
# torch orders its arithmetic differently (lerp, addcmul, fused kernels): last-bit differences
# that chaotic runs (centered RMSprop with momentum on Rosenbrock) grow to ~1e-9 by step 100.
TORCH_RELATIVE_TOLERANCE = 1e-8


class Surface(NamedTuple):
    """A loss surface by its analytic gradient and Hessian (written out by hand)."""

    gradient: Callable[[Any, Any], tuple[Any, Any]]
    hessian: Callable[[Any, Any], tuple[Any, Any, Any]]  # (∂xx, ∂xy, ∂yy)


SURFACES = {
    # x² + 10y²: a ravine 10 times steeper in y.
    "bowl": Surface(lambda x, y: (2 * x, 20 * y), lambda x, y: (2.0, 0.0, 20.0)),
    # (1 − x)² + 100(y − x²)²: the banana valley, curvature changing everywhere.
    "rosenbrock": Surface(
        lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
        lambda x, y: (1200 * x * x - 400 * y + 2, -400 * x, 200.0),
    ),
    # x² − y²: a saddle, the y direction runs away.
    "saddle": Surface(lambda x, y: (2 * x, -2 * y), lambda x, y: (2.0, 0.0, -2.0)),
    # x² + xy + 2y² − x: a tilted bowl with coupled coordinates.
    "coupled": Surface(lambda x, y: (2 * x + y - 1, x + 4 * y), lambda x, y: (2.0, 1.0, 4.0)),
}
STARTS = [(-1.2, 1.0), (0.5, -0.3), (1.5, 0.8)]

# Three rates per family and surface, run together, kept finite for 100 steps so that relative
# errors stay meaningful (plain SGD on Rosenbrock needs lr < 2/λ_max ≈ 8e-4 near x = 1.5).
SGD_RATES = {
    "bowl": [0.01, 0.04, 0.08],
    "rosenbrock": [1e-4, 3e-4, 6e-4],
    "saddle": [0.01, 0.03, 0.05],
    "coupled": [0.01, 0.1, 0.3],
}
ADAPTIVE_RATES = [1e-3, 1e-2, 5e-2]
ADAGRAD_RATES = [0.05, 0.2, 0.5]
NEWTON_RATES = [0.1, 0.5, 1.0]


# --- the oracles: torch's boxes, one run and one coordinate at a time, in Python floats -------


def sgd_box(
    surface, start, lr, steps, *, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False
):
    """torch.optim.SGD."""
    theta = list(start)
    buffer = [0.0, 0.0]
    path = [tuple(theta)]
    for t in range(1, steps + 1):
        g = list(surface.gradient(*theta))
        for i in range(2):
            if weight_decay != 0:
                g[i] = g[i] + weight_decay * theta[i]
            if momentum != 0:
                if t > 1:
                    buffer[i] = momentum * buffer[i] + (1 - dampening) * g[i]
                else:
                    buffer[i] = g[i]
                if nesterov:
                    g[i] = g[i] + momentum * buffer[i]
                else:
                    g[i] = buffer[i]
            theta[i] = theta[i] - lr * g[i]
        path.append(tuple(theta))
    return path


def adagrad_box(
    surface,
    start,
    lr,
    steps,
    *,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
):
    """torch.optim.Adagrad."""
    theta = list(start)
    state_sum = [initial_accumulator_value, initial_accumulator_value]
    path = [tuple(theta)]
    for t in range(1, steps + 1):
        g = list(surface.gradient(*theta))
        clr = lr / (1 + (t - 1) * lr_decay)
        for i in range(2):
            if weight_decay != 0:
                g[i] = g[i] + weight_decay * theta[i]
            state_sum[i] = state_sum[i] + g[i] * g[i]
            theta[i] = theta[i] - clr * g[i] / (math.sqrt(state_sum[i]) + eps)
        path.append(tuple(theta))
    return path


def rmsprop_box(
    surface,
    start,
    lr,
    steps,
    *,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    """torch.optim.RMSprop."""
    theta = list(start)
    v = [0.0, 0.0]
    g_ave = [0.0, 0.0]
    b = [0.0, 0.0]
    path = [tuple(theta)]
    for _t in range(1, steps + 1):
        g = list(surface.gradient(*theta))
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
                theta[i] = theta[i] - lr * b[i]
            else:
                theta[i] = theta[i] - lr * g[i] / (math.sqrt(v_tilde) + eps)
        path.append(tuple(theta))
    return path


def adam_box(
    surface,
    start,
    lr,
    steps,
    *,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    """torch.optim.Adam, or torch.optim.AdamW with decoupled=True."""
    beta1, beta2 = betas
    theta = list(start)
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    v_max = [0.0, 0.0]
    path = [tuple(theta)]
    for t in range(1, steps + 1):
        g = list(surface.gradient(*theta))
        for i in range(2):
            if decoupled:
                theta[i] = theta[i] - lr * weight_decay * theta[i]
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
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(tuple(theta))
    return path


def newton_box(surface, start, lr, steps, *, definiteness_tolerance=1e-8):
    """gdviz's damped Newton: −lr·H⁻¹g where λ_min > δ·max(|λ_max|, 1), else −lr·g."""
    x, y = start
    path = [(x, y)]
    for _t in range(1, steps + 1):
        gx, gy = surface.gradient(x, y)
        a, b, c = surface.hessian(x, y)
        mean, radius = (a + c) / 2, math.sqrt(((a - c) / 2) ** 2 + b * b)
        smallest, largest = mean - radius, mean + radius
        if smallest > definiteness_tolerance * max(abs(largest), 1.0):
            determinant = a * c - b * b
            dx, dy = (c * gx - b * gy) / determinant, (a * gy - b * gx) / determinant
        else:
            dx, dy = gx, gy
        x, y = x - lr * dx, y - lr * dy
        path.append((x, y))
    return path


class Case(NamedTuple):
    optimizer: str
    hyperparameters: dict[str, Any]
    box: Callable[..., list[tuple[float, float]]]
    box_arguments: dict[str, Any]  # the same settings, spelled out for the box
    rates: dict[str, list[float]] | None = None  # per surface, where the family's rates won't do


CASES = {
    "gd": Case("gd", {}, sgd_box, {}),
    "gd weight_decay": Case("gd", {"weight_decay": 0.1}, sgd_box, {"weight_decay": 0.1}),
    "momentum": Case("momentum", {}, sgd_box, {"momentum": 0.9}),
    "momentum dampening weight_decay": Case(
        "momentum",
        {"momentum": 0.7, "dampening": 0.3, "weight_decay": 0.05},
        sgd_box,
        {"momentum": 0.7, "dampening": 0.3, "weight_decay": 0.05},
    ),
    "nesterov": Case("nesterov", {}, sgd_box, {"momentum": 0.9, "nesterov": True}),
    "nesterov weight_decay": Case(
        "nesterov",
        {"momentum": 0.5, "weight_decay": 0.2},
        sgd_box,
        {"momentum": 0.5, "weight_decay": 0.2, "nesterov": True},
    ),
    "adagrad": Case("adagrad", {}, adagrad_box, {}),
    "adagrad lr_decay accumulator": Case(
        "adagrad",
        {"lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6},
        adagrad_box,
        {"lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6},
    ),
    "rmsprop": Case("rmsprop", {}, rmsprop_box, {}),
    "rmsprop centered": Case("rmsprop", {"centered": True}, rmsprop_box, {"centered": True}),
    "rmsprop momentum": Case("rmsprop", {"momentum": 0.9}, rmsprop_box, {"momentum": 0.9}),
    "rmsprop centered momentum": Case(
        "rmsprop",
        {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01, "momentum": 0.5, "centered": True},
        rmsprop_box,
        {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01, "momentum": 0.5, "centered": True},
    ),
    "adam": Case("adam", {}, adam_box, {}),
    "adam amsgrad weight_decay": Case(
        "adam",
        {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True},
        adam_box,
        {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True},
    ),
    "adamw": Case("adamw", {}, adam_box, {"weight_decay": 0.01, "decoupled": True}),
    "adamw amsgrad": Case(
        "adamw",
        {"betas": (0.5, 0.9), "weight_decay": 0.3, "amsgrad": True},
        adam_box,
        {"betas": (0.5, 0.9), "weight_decay": 0.3, "amsgrad": True, "decoupled": True},
    ),
    "newton": Case("newton", {}, newton_box, {}),
    "newton tolerance": Case(
        "newton",
        {"definiteness_tolerance": 0.05},
        newton_box,
        {"definiteness_tolerance": 0.05},
        # Rosenbrock's valley is too ill-conditioned for δ = 0.05: gradient-step rates there.
        rates={"rosenbrock": SGD_RATES["rosenbrock"]},
    ),
}


def rates_for(case: Case, surface: str) -> list[float]:
    if case.rates and surface in case.rates:
        return case.rates[surface]
    optimizer = case.optimizer
    if optimizer in ("gd", "momentum", "nesterov"):
        return SGD_RATES[surface]
    if optimizer == "adagrad":
        return ADAGRAD_RATES
    if optimizer == "newton":
        return NEWTON_RATES
    return ADAPTIVE_RATES


def hessians(surface: Surface, points: np.ndarray) -> np.ndarray:
    """The surface's Hessians at points (R, 2), shaped (R, 2, 2)."""
    xx, xy, yy = (np.broadcast_to(h, len(points)) for h in surface.hessian(*points.T))
    return np.stack([np.stack([xx, xy], axis=1), np.stack([xy, yy], axis=1)], axis=1)


def batch(case: Case, surface_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Every start × every rate of the case on that surface: params (R, 2) and lr (R,)."""
    rates = rates_for(case, surface_name)
    params = np.array([start for start in STARTS for _ in rates], dtype=np.float64)
    lr = np.array([rate for _ in STARTS for rate in rates], dtype=np.float64)
    return params, lr


def step_together(
    optimizer: Optimizer, surface: Surface, params: np.ndarray, lr: np.ndarray, steps: int
) -> np.ndarray:
    """Step every run at once through gdviz's update, as the engine does: (R, steps + 1, 2)."""
    state = optimizer.init(params)
    path = [params]
    for _ in range(steps):
        grads = np.stack(surface.gradient(params[:, 0], params[:, 1]), axis=1)
        hessian = hessians(surface, params) if optimizer.needs_hessian else None
        delta, state = optimizer.update(grads, state, params, lr, hessian=hessian)
        params = params + delta
        path.append(params)
    return np.stack(path, axis=1)


def assert_follows(
    actual: np.ndarray, expected: np.ndarray, rtol: float = RELATIVE_TOLERANCE
) -> None:
    """‖actual − expected‖ ≤ rtol·‖expected‖ for the point at every step."""
    assert np.isfinite(expected).all(), "the oracle diverged: the comparison would say nothing"
    error = np.linalg.norm(actual - expected, axis=-1)
    scale = np.linalg.norm(expected, axis=-1)
    bad = np.flatnonzero(~(error <= rtol * scale))
    assert bad.size == 0, (
        f"step {bad[0]}: {actual[bad[0]]} vs reference {expected[bad[0]]}"
        f" (relative error {error[bad[0]] / scale[bad[0]]:.2e})"
    )


@pytest.mark.parametrize("surface_name", SURFACES)
@pytest.mark.parametrize("case_name", CASES)
def test_follows_the_torch_box_step_for_step(case_name, surface_name):
    """Several starts × several rates in one batch; each run matches its scalar box."""
    case, surface = CASES[case_name], SURFACES[surface_name]
    optimizer = make_optimizer(case.optimizer, **case.hyperparameters)
    params, lr = batch(case, surface_name)
    paths = step_together(optimizer, surface, params, lr, STEPS)
    assert paths.dtype == np.float64
    for run, (start, rate) in enumerate(zip(params, lr, strict=True)):
        expected = np.array(case.box(surface, tuple(start), rate, STEPS, **case.box_arguments))
        assert_follows(paths[run], expected)


def test_momentum_0_ignores_dampening_as_torch_does():
    """torch.optim.SGD with momentum 0 takes plain gradient steps, whatever the dampening."""
    surface = SURFACES["bowl"]
    optimizer = make_optimizer("momentum", momentum=0.0, dampening=0.5)
    paths = step_together(optimizer, surface, np.array([STARTS[0]]), np.array([0.01]), STEPS)
    assert_follows(paths[0], np.array(sgd_box(surface, STARTS[0], 0.01, STEPS, dampening=0.5)))


TORCH_CLASSES = {
    "gd": ("SGD", {}),
    "momentum": ("SGD", {}),
    "nesterov": ("SGD", {"nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
}


@pytest.mark.parametrize("surface_name", ["bowl", "rosenbrock"])
@pytest.mark.parametrize("case_name", [name for name in CASES if not name.startswith("newton")])
def test_follows_torch_itself_when_installed(case_name, surface_name):
    """The same comparison against torch.optim in float64 (torch is optional)."""
    torch = pytest.importorskip(
        "torch", reason="torch is not installed: the scalar transcriptions of its boxes stand in"
    )
    case, surface = CASES[case_name], SURFACES[surface_name]
    class_name, extra = TORCH_CLASSES[case.optimizer]
    optimizer = make_optimizer(case.optimizer, **case.hyperparameters)
    params, lr = batch(case, surface_name)
    paths = step_together(optimizer, surface, params, lr, STEPS)
    for run in range(len(params)):
        param = torch.tensor(params[run], dtype=torch.float64, requires_grad=True)
        torch_optimizer = getattr(torch.optim, class_name)(
            [param], lr=float(lr[run]), **dict(optimizer.hyperparameters), **extra
        )
        expected = [params[run].tolist()]
        for _ in range(STEPS):
            point = param.detach().tolist()
            param.grad = torch.tensor(surface.gradient(*point), dtype=torch.float64)
            torch_optimizer.step()
            expected.append(param.detach().tolist())
        assert_follows(paths[run], np.array(expected), rtol=TORCH_RELATIVE_TOLERANCE)


# --- properties, for configurations that reach every branch of every update -------------------

EVERY_BRANCH = [
    pytest.param(case.optimizer, case.hyperparameters, id=name) for name, case in CASES.items()
]


def random_problem(runs: int = 4, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    params = rng.normal(size=(runs, 2))
    grads = rng.normal(size=(runs, 2))
    lr = rng.uniform(0.01, 0.1, size=runs)
    hessian = np.tile(np.array([[3.0, 1.0], [1.0, 2.0]]), (runs, 1, 1))
    return params, grads, lr, hessian


def frozen(value: Any) -> Any:
    """A read-only copy of an array (any in-place write into it raises); numbers as they are."""
    if not isinstance(value, np.ndarray):
        return value
    copy = np.array(value)
    copy.setflags(write=False)
    return copy


@pytest.mark.parametrize(("name", "hyperparameters"), EVERY_BRANCH)
def test_inputs_are_never_mutated(name, hyperparameters):
    """grads, params, lr, Hessian and every state array are read-only here, and stay equal."""
    optimizer = make_optimizer(name, **hyperparameters)
    params, grads, lr, hessian = (frozen(a) for a in random_problem())
    originals = [a.copy() for a in (params, grads, lr, hessian)]
    state = optimizer.init(params)
    for _ in range(3):
        state = type(state)(*(frozen(part) for part in state))
        kept = [np.copy(part) for part in state]
        delta, new_state = optimizer.update(grads, state, params, lr, hessian=hessian)
        for part, copy in zip(state, kept, strict=True):
            np.testing.assert_array_equal(part, copy)
        assert not any(np.shares_memory(delta, a) for a in (params, grads, lr, hessian))
        state = new_state
    for array, original in zip((params, grads, lr, hessian), originals, strict=True):
        np.testing.assert_array_equal(array, original)


@pytest.mark.parametrize(("name", "hyperparameters"), EVERY_BRANCH)
def test_runs_are_independent_and_can_be_dropped_from_the_state(name, hyperparameters):
    """State arrays have the runs first (the step count is one int, a hyperparameter given as
    one number one float), so dropping runs as the engine does changes nothing for the others;
    a NaN in one run does not leak into another."""
    optimizer = make_optimizer(name, **hyperparameters)
    params, grads, lr, hessian = random_problem(runs=5)
    grads[0] = np.nan
    state = optimizer.init(params)
    for part in state:
        assert isinstance(part, (int, float)) or (
            isinstance(part, np.ndarray) and part.shape[0] == len(params)
        )
    for _ in range(4):
        _, state = optimizer.update(grads, state, params, lr, hessian=hessian)
    keep = np.array([False, True, False, True, True])
    subset = type(state)(*(part[keep] if isinstance(part, np.ndarray) else part for part in state))
    full_delta, _ = optimizer.update(grads, state, params, lr, hessian=hessian)
    subset_delta, _ = optimizer.update(
        grads[keep], subset, params[keep], lr[keep], hessian=hessian[keep]
    )
    np.testing.assert_array_equal(full_delta[keep], subset_delta)
    assert np.isfinite(full_delta[1:]).all()
    assert full_delta.shape == (5, 2)
    assert full_delta.dtype == np.float64


@pytest.mark.parametrize(("name", "hyperparameters"), EVERY_BRANCH)
def test_non_finite_and_huge_inputs_neither_raise_nor_warn(name, hyperparameters):
    """inf, NaN and overflowing values give inf/NaN steps quietly (warnings are errors here)."""
    optimizer = make_optimizer(name, **hyperparameters)
    params = np.array([[1.0, 1.0], [1e300, -1e300], [1.0, 1.0], [0.0, 0.0], [np.inf, 1.0]])
    grads = np.array([[np.inf, -np.inf], [1e300, 1e300], [np.nan, 1.0], [0.0, 0.0], [1.0, 1.0]])
    lr = np.array([1.0, 1e300, 0.1, 0.1, 0.1])
    hessian = np.array(
        [np.eye(2), np.full((2, 2), 1e300), np.full((2, 2), np.nan), np.zeros((2, 2)), np.eye(2)]
    )
    hessian[4, 0, 1] = hessian[4, 1, 0] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = optimizer.init(params)
        for _ in range(3):
            delta, state = optimizer.update(grads, state, params, lr, hessian=hessian)
            with np.errstate(all="ignore"):  # the engine's addition, not the optimizer's
                params = params + delta
    assert delta.shape == (5, 2)
    assert (delta[3] == 0).all()  # a run at rest stays at rest beside the broken ones


def test_every_optimizer_is_registered_in_order():
    """OPTIMIZERS lists the app's order; each builds under its own name; only Newton needs H."""
    assert list(OPTIMIZERS) == [
        "gd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "newton",
    ]
    for name, factory in OPTIMIZERS.items():
        optimizer = factory()
        assert optimizer.name == name
        assert optimizer.needs_hessian == (name == "newton")


def test_defaults_are_torchs_with_the_names_of_torch():
    """torch's defaults, except momentum's μ = 0.9 (torch's SGD μ = 0 is gd)."""
    expected = {
        "gd": {"weight_decay": 0.0},
        "momentum": {"momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0},
        "nesterov": {"momentum": 0.9, "weight_decay": 0.0},
        "adagrad": {
            "lr_decay": 0.0,
            "weight_decay": 0.0,
            "initial_accumulator_value": 0.0,
            "eps": 1e-10,
        },
        "rmsprop": {
            "alpha": 0.99,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "momentum": 0.0,
            "centered": False,
        },
        "adam": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
        "adamw": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False},
        "newton": {"definiteness_tolerance": 1e-8},
    }
    for name, hyperparameters in expected.items():
        assert dict(make_optimizer(name).hyperparameters) == hyperparameters


# --- per-run hyperparameters -----------------------------------------------------------------

# Values each numeric hyperparameter takes across the runs of one batch: 0 where it switches a
# branch off (momentum, decay), so the per-run array mixes runs on both sides of every branch.
PER_RUN_VALUES = {
    "momentum": [0.0, 0.5, 0.9],
    "dampening": [0.0, 0.3, 1.0],
    "weight_decay": [0.0, 0.1],
    "lr_decay": [0.0, 0.05],
    "initial_accumulator_value": [0.0, 0.5],
    "eps": [1e-10, 1e-6],
    "alpha": [0.5, 0.9, 0.99],
    "beta1": [0.0, 0.5, 0.9],
    "beta2": [0.9, 0.99, 0.999],
    "definiteness_tolerance": [1e-8, 0.05],
}
PER_RUN_NESTEROV = {"momentum": [0.3, 0.9]}  # Nesterov needs μ > 0


def per_run_values(name: str, hyperparameters: dict[str, Any], runs: int) -> dict[str, list]:
    """One value per run for every numeric hyperparameter of ``name`` (the case's own where it
    sets one, first), cycling with different strides so the runs mix the values."""
    defaults = dict(make_optimizer(name).hyperparameters)
    numeric = {key: value for key, value in defaults.items() if not isinstance(value, bool)}
    if "betas" in numeric:
        del numeric["betas"]
        numeric["beta1"], numeric["beta2"] = hyperparameters.get("betas", defaults["betas"])
    chosen = {}
    for stride, (key, default) in enumerate(sorted(numeric.items()), start=1):
        table = (PER_RUN_NESTEROV if name == "nesterov" else {}).get(key, PER_RUN_VALUES[key])
        own = hyperparameters.get(key, default)
        table = [own, *(value for value in table if value != own)]
        chosen[key] = [table[(run * stride) % len(table)] for run in range(runs)]
    return chosen


def as_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """beta1 and beta2 back into torch's ``betas``."""
    values = dict(values)
    if "beta1" in values:
        values["betas"] = (values.pop("beta1"), values.pop("beta2"))
    return values


@pytest.mark.parametrize("surface_name", ["bowl", "rosenbrock", "saddle"])
@pytest.mark.parametrize("case_name", CASES)
def test_per_run_hyperparameters_step_each_run_bit_for_bit_as_its_own_floats(
    case_name, surface_name
):
    """Every numeric hyperparameter given as one value per run: each run takes exactly the
    steps (equal bits, 100 steps) of the optimizer built with that run's values as floats."""
    case, surface = CASES[case_name], SURFACES[surface_name]
    name, hyperparameters, rates = (
        case.optimizer,
        case.hyperparameters,
        rates_for(case, surface_name),
    )
    runs = 12
    params = np.array([STARTS[run % len(STARTS)] for run in range(runs)], dtype=np.float64)
    lr = np.array([rates[run % len(rates)] for run in range(runs)], dtype=np.float64)
    values = per_run_values(name, hyperparameters, runs)
    flags = {key: value for key, value in hyperparameters.items() if isinstance(value, bool)}
    together = make_optimizer(name, **flags, **as_arguments(values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = step_together(together, surface, params, lr, STEPS)
        for run in range(runs):
            own = as_arguments({key: float(value[run]) for key, value in values.items()})
            alone = make_optimizer(name, **flags, **own)
            expected = step_together(
                alone, surface, params[run : run + 1], lr[run : run + 1], STEPS
            )
            np.testing.assert_array_equal(paths[run], expected[0], err_msg=f"run {run}: {own}")


def test_per_run_hyperparameters_are_shown_and_dropped_with_their_runs():
    """The optimizer shows the per-run values; the state holds them one row per run, so the
    engine's dropping of finished runs drops their values too."""
    optimizer = make_optimizer("adam", betas=([0.0, 0.5, 0.9], 0.999), weight_decay=[0.0, 0.1, 0.2])
    np.testing.assert_array_equal(optimizer.hyperparameters["betas"][0], [0.0, 0.5, 0.9])
    assert optimizer.hyperparameters["betas"][1] == 0.999
    state = optimizer.init(np.zeros((3, 2)))
    assert state.beta1.shape == (3, 1)
    assert state.beta2 == 0.999
    keep = np.array([True, False, True])
    kept = type(state)(*(part[keep] if isinstance(part, np.ndarray) else part for part in state))
    np.testing.assert_array_equal(kept.weight_decay[:, 0], [0.0, 0.2])


@pytest.mark.parametrize(
    ("name", "hyperparameters", "message"),
    [
        ("momentum", {"momentum": [0.5, 1.0]}, r"momentum must be in \[0, 1\), got 1.0 \(run 1\)"),
        ("nesterov", {"momentum": [0.9, 0.0]}, r"in \(0, 1\) for Nesterov, got 0.0 \(run 1\)"),
        (
            "adam",
            {"betas": (0.9, [0.99, np.nan])},
            r"betas\[1\] must be in \[0, 1\), got nan \(run 1\)",
        ),
        (
            "gd",
            {"weight_decay": [0.1, -1.0, 2.0]},
            r"weight_decay must be a number ≥ 0, got -1.0 \(run 1\)",
        ),
        ("rmsprop", {"alpha": [[0.9]]}, r"alpha must be a number or a list of one number per run"),
        ("rmsprop", {"alpha": []}, r"alpha must be a number or a list of one number per run"),
        ("adagrad", {"eps": "1e-8"}, r"eps must be a number or one number per run, got '1e-8'"),
        (
            "momentum",
            {"dampening": ["a", "b"]},
            r"dampening must be a number or one number per run",
        ),
    ],
)
def test_bad_per_run_hyperparameters_name_the_value_and_its_run(name, hyperparameters, message):
    """Every element of a per-run array is checked as the single number is."""
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **hyperparameters)


def test_per_run_hyperparameters_must_match_the_runs():
    optimizer = make_optimizer("rmsprop", momentum=[0.0, 0.5, 0.9])
    with pytest.raises(
        ValueError, match="momentum has 3 values, one per run, but there are 2 runs"
    ):
        optimizer.init(np.zeros((2, 2)))


# --- single steps worked out by hand ----------------------------------------------------------


def test_momentum_buffer_starts_at_the_first_gradient_undamped():
    """b₁ = g₁ even with dampening; b₂ = μ b₁ + (1 − τ) g₂."""
    optimizer = make_optimizer("momentum", momentum=0.5, dampening=0.5)
    params, grads, lr = np.zeros((1, 2)), np.array([[4.0, -8.0]]), np.array([1.0])
    delta, state = optimizer.update(grads, optimizer.init(params), params, lr)
    np.testing.assert_array_equal(delta, [[-4.0, 8.0]])
    delta, _ = optimizer.update(2 * grads, state, params, lr)
    np.testing.assert_array_equal(delta, [[-6.0, 12.0]])  # 0.5·4 + 0.5·8


def test_amsgrad_corrects_the_max_of_the_raw_second_moment_as_torch_does():
    """torch: v̂ = max(v₁, v₂)/(1 − β₂²) ≈ v₁/2; optax would use max(v̂₁, v̂₂) = v̂₁ = v₁/(1 − β₂)."""
    beta1, beta2, lr = 0.9, 0.999, 0.1
    optimizer = make_optimizer("adam", amsgrad=True)
    params = np.zeros((1, 2))
    state = optimizer.init(params)
    _, state = optimizer.update(np.array([[1.0, 1.0]]), state, params, np.array([lr]))
    delta, _ = optimizer.update(np.zeros((1, 2)), state, params, np.array([lr]))
    m_hat = beta1 * (1 - beta1) / (1 - beta1**2)
    v_max = 1 - beta2  # v₁ = (1 − β₂)·1 > v₂ = β₂ v₁
    torch_step = -lr * m_hat / (math.sqrt(v_max / (1 - beta2**2)) + 1e-8)
    np.testing.assert_allclose(delta, [[torch_step, torch_step]], rtol=1e-14)


def test_adamw_decays_the_weights_not_the_gradient():
    """With a zero gradient Adam's step is 0, so AdamW moves θ by exactly −γλθ."""
    optimizer = make_optimizer("adamw", weight_decay=0.5)
    params = np.array([[2.0, -4.0]])
    delta, _ = optimizer.update(np.zeros((1, 2)), optimizer.init(params), params, np.array([0.1]))
    np.testing.assert_allclose(delta, [[-0.1, 0.2]], rtol=1e-15)


def test_adagrad_starts_from_its_initial_accumulator():
    """The first step divides by √(initial_accumulator_value + g²), not by |g|."""
    optimizer = make_optimizer("adagrad", initial_accumulator_value=9.0, eps=0.0)
    params = np.zeros((1, 2))
    delta, _ = optimizer.update(
        np.array([[4.0, 0.0]]), optimizer.init(params), params, np.array([1.0])
    )
    np.testing.assert_array_equal(delta, [[-0.8, 0.0]])  # 4 / √(9 + 16)


# --- Newton -----------------------------------------------------------------------------------


def newton_step(hessian, grads, lr, params=None, **hyperparameters):
    optimizer = make_optimizer("newton", **hyperparameters)
    hessian, grads = np.asarray(hessian, dtype=float), np.asarray(grads, dtype=float)
    params = np.zeros_like(grads) if params is None else params
    delta, _ = optimizer.update(grads, optimizer.init(params), params, np.asarray(lr), hessian)
    return delta


def test_newton_with_lr_1_lands_on_the_minimum_of_a_quadratic():
    """One undamped step solves a bowl exactly, diagonal or with coupled coordinates."""
    # f = (x − 1)² + 10(y + 2)² from (3, 5): g = (4, 140), H = diag(2, 20); exactly (1, −2).
    params = np.array([[3.0, 5.0]])
    delta = newton_step([[[2.0, 0.0], [0.0, 20.0]]], [[4.0, 140.0]], [1.0], params)
    np.testing.assert_array_equal(params + delta, [[1.0, -2.0]])
    # The coupled bowl x² + xy + 2y² − x has its minimum at (4/7, −1/7).
    surface = SURFACES["coupled"]
    params = np.array([[-1.2, 1.0], [5.0, 3.0]])
    grads = np.stack(surface.gradient(params[:, 0], params[:, 1]), axis=1)
    delta = newton_step(hessians(surface, params), grads, [1.0, 1.0], params)
    np.testing.assert_allclose(params + delta, [[4 / 7, -1 / 7]] * 2, rtol=1e-15, atol=1e-16)


def test_newton_lr_damps_the_step():
    """Each run's lr scales its own Newton step."""
    delta = newton_step([[[2.0, 0.0], [0.0, 20.0]]] * 2, [[4.0, 140.0]] * 2, [0.5, 0.25])
    np.testing.assert_array_equal(delta, [[-1.0, -3.5], [-0.5, -1.75]])


@pytest.mark.parametrize(
    ("hessian", "grads"),
    [
        ([[2.0, 0.0], [0.0, -2.0]], [2.0, -2.0]),  # saddle x² − y² at (1, 1)
        ([[2.0, 0.0], [0.0, 0.0]], [2.0, 0.0]),  # x² + y⁴ at (1, 0): singular, flat in y
        ([[0.0, 0.0], [0.0, 0.0]], [1.0, 0.0]),  # a plane: no curvature at all
        ([[1.0, 1.0], [1.0, 1.0]], [1.0, 2.0]),  # (x + y)²: singular off the axes
        ([[-1.0, 0.0], [0.0, -3.0]], [-2.0, -6.0]),  # a maximum
        ([[1.0, 0.0], [0.0, 1e-10]], [1.0, 1.0]),  # λ_min ≤ 1e-8 · λ_max: too ill-conditioned
        ([[1e-9, 0.0], [0.0, 1e-9]], [1.0, 1.0]),  # λ_min ≤ 1e-8 · 1: too flat to trust
        ([[np.nan, 0.0], [0.0, 1.0]], [1.0, 1.0]),
        ([[np.inf, 0.0], [0.0, 1.0]], [1.0, 1.0]),
    ],
    ids=[
        "saddle",
        "singular",
        "flat",
        "rank-one",
        "maximum",
        "ill-conditioned",
        "tiny",
        "nan",
        "inf",
    ],
)
def test_newton_falls_back_to_a_gradient_step_where_h_is_not_positive_definite(hessian, grads):
    """A saddle, singular, negative, ill-conditioned or undefined H gives −lr·g, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        delta = newton_step([hessian], [grads], [0.1])
    np.testing.assert_allclose(delta, [[-0.1 * grads[0], -0.1 * grads[1]]], rtol=1e-15)


def test_newton_decides_run_by_run():
    """One batch: a bowl takes the Newton step, a saddle and a near-singular H the gradient step."""
    hessian = [[[2.0, 0.0], [0.0, 20.0]], [[2.0, 0.0], [0.0, -2.0]], [[1.0, 0.0], [0.0, 1e-10]]]
    grads = [[4.0, 40.0], [4.0, 40.0], [1.0, 1.0]]
    delta = newton_step(hessian, grads, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(delta, [[-2.0, -2.0], [-4.0, -40.0], [-1.0, -1.0]], rtol=1e-15)


def test_newton_needs_the_hessian():
    """Calling Newton's update without a Hessian is refused with a clear message."""
    optimizer = make_optimizer("newton")
    params = np.zeros((1, 2))
    with pytest.raises(ValueError, match="newton needs the Hessian"):
        optimizer.update(params, optimizer.init(params), params, np.ones(1))


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "hyperparameters", "message"),
    [
        ("momentum", {"momentum": 1.5}, r"momentum must be in \[0, 1\), got 1.5"),
        ("momentum", {"momentum": -0.1}, r"momentum must be in \[0, 1\), got -0.1"),
        ("momentum", {"dampening": 2}, r"dampening must be in \[0, 1\], got 2"),
        ("nesterov", {"momentum": 0.0}, r"momentum must be in \(0, 1\) for Nesterov, got 0.0"),
        ("adam", {"betas": (0.9, 1.0)}, r"betas\[1\] must be in \[0, 1\), got 1.0"),
        ("adamw", {"betas": (-0.1, 0.9)}, r"betas\[0\] must be in \[0, 1\), got -0.1"),
        ("rmsprop", {"eps": -1.0}, "eps must be a number ≥ 0, got -1.0"),
        ("rmsprop", {"alpha": 1.5}, r"alpha must be in \[0, 1\], got 1.5"),
        ("rmsprop", {"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
        ("gd", {"weight_decay": float("nan")}, "weight_decay must be a number ≥ 0, got nan"),
        ("adagrad", {"lr_decay": -1}, "lr_decay must be a number ≥ 0, got -1"),
        ("adagrad", {"initial_accumulator_value": -1}, "initial_accumulator_value must be"),
        ("newton", {"definiteness_tolerance": -1e-8}, "definiteness_tolerance must be"),
    ],
)
def test_bad_hyperparameters_say_which_value_and_what_is_allowed(name, hyperparameters, message):
    """Out-of-range values are refused, naming the value and the allowed range."""
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **hyperparameters)


def test_unknown_optimizer_lists_the_valid_ones():
    """An unknown name is refused with every valid name, in order."""
    with pytest.raises(ValueError, match="unknown optimizer 'sgd2'") as error:
        make_optimizer("sgd2")
    assert str(error.value).endswith(
        "use one of: gd, momentum, nesterov, adagrad, rmsprop, adam, adamw, newton"
    )


def test_unknown_hyperparameter_is_named_with_the_valid_ones():
    """An unknown hyperparameter is refused, listing the ones the optimizer takes."""
    with pytest.raises(
        ValueError,
        match=r"adam has no hyperparameter 'alpha' — it takes: betas, eps, weight_decay, amsgrad$",
    ):
        make_optimizer("adam", alpha=0.9)
    with pytest.raises(ValueError, match="nesterov has no hyperparameter 'dampening'"):
        make_optimizer("nesterov", dampening=0.1)
    with pytest.raises(ValueError, match="gd has no hyperparameter 'lr' — it takes: weight_decay"):
        make_optimizer("gd", lr=0.1)
