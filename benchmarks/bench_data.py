"""Speed of the data-backed landscapes: mini-batch runs and full-data loss grids.

Run by hand: ``python benchmarks/bench_data.py``. Prints, best of N, in one process:

1. 1,000 mini-batch updates (b = 32) of plain gradient descent over 100,000 examples for 3 runs
   side by side through the engine (full-data loss, gradient norm and stopping rules recorded at
   every update), for the linear and the logistic model. Baseline: the same 3 runs as a
   hand-written loop over NumPy arrays, one run at a time, that only samples and steps (it
   records nothing). Goal: under 0.3 s. The goal is checked for the linear model (the seed
   documents' worked example), whose full-data loss and gradient cost O(1) per update from
   the data's moments. The logistic model's time is printed too: its full-data loss and
   gradient, which the engine records at every update for the curves and stopping rules, cost
   O(m) each, about 2 ms per update for 3 runs over 100,000 examples.
2. One full-data loss grid for the contour, 200 × 200 over 10,000 examples. Baseline: the
   loss written out per grid point block, ``mean(log(1 + e^z) − y z)`` over every example.
   Goals: under 0.05 s for the linear model, under 1 s for the logistic one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best_of

from gdviz.batches import MiniBatches
from gdviz.datasets import Dataset
from gdviz.engine import run
from gdviz.optimizers import make_optimizer
from gdviz.regression import LinearRegression, LogisticRegression

RUN_GOAL = 0.3
LINEAR_GRID_GOAL = 0.05
LOGISTIC_GRID_GOAL = 1.0


def _regression_data(m: int, rng: np.random.Generator) -> Dataset:
    x = rng.uniform(0, 4, m)
    return Dataset("bench", "regression", x[:, None], 0.8 * x + 1.5 + rng.normal(0, 0.6, m))


def _classification_data(m: int, rng: np.random.Generator) -> Dataset:
    labels = (rng.random(m) < 0.5).astype(np.float64)
    features = np.where(labels[:, None] == 1.0, [1.0, 0.6], [-1.0, -0.6]) + rng.normal(0, 1, (m, 2))
    return Dataset("bench", "classification", features, labels)


def _naive_minibatch_loop(model, lrs, steps: int, b: int, seed: int) -> np.ndarray:
    """One run at a time: shuffle per epoch, average the batch gradient, step."""
    m = model.dataset.size
    ends = []
    for r, lr in enumerate(lrs):
        rng = np.random.default_rng([seed, r])
        theta = np.zeros((1, 2))
        order = rng.permutation(m)
        per_epoch = -(-m // b)
        for k in range(steps):
            position = k % per_epoch
            if position == 0 and k:
                order = rng.permutation(m)
            indices = order[position * b : (position + 1) * b][None, :]
            theta = theta - lr * model.batch_gradient(theta, indices)
        ends.append(theta[0])
    return np.array(ends)


def _direct_grid(model, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The loss written out over every example, one grid row at a time: the baseline."""
    features, targets = model.dataset.features, model.dataset.targets
    grid = np.empty((len(second), len(first)))
    for j, q in enumerate(second):
        if model.kind == "linear":  # (w x + b − y)², b = q
            residual = np.multiply.outer(first, features[:, 0]) + q - targets
            grid[j] = np.mean(residual * residual, axis=1)
        else:  # log(1 + e^z) − y z, z = w₁x₁ + w₂x₂, w₂ = q
            z = np.multiply.outer(first, features[:, 0]) + q * features[:, 1]
            grid[j] = np.mean(np.logaddexp(0.0, z) - targets * z, axis=1)
    return grid


def main() -> int:
    rng = np.random.default_rng(0)
    ok = True
    print("1,000 mini-batch updates (b = 32), 100,000 examples, 3 runs side by side")
    lrs = [0.01, 0.03, 0.1]
    for name, model in (
        ("linear", LinearRegression(_regression_data(100_000, rng))),
        ("logistic", LogisticRegression(_classification_data(100_000, rng))),
    ):
        batches = MiniBatches(model, 32, seed=1)

        def engine(model=model, batches=batches):
            return run(
                model, make_optimizer("gd"), [(0.0, 0.0)], lrs, steps=1000, gtol=0,
                batches=batches,
            )  # fmt: skip

        engine_time = best_of(3, engine)
        naive_time = best_of(3, lambda model=model: _naive_minibatch_loop(model, lrs, 1000, 32, 1))
        same = np.allclose(engine().x, _naive_minibatch_loop(model, lrs, 1000, 32, 1), rtol=1e-12)
        verdict = "PASS" if engine_time < RUN_GOAL and same else "FAIL"
        ok &= verdict == "PASS" or name == "logistic"
        print(
            f"  {name:<9} engine {engine_time * 1e3:7.1f} ms   naive loop (records nothing) "
            f"{naive_time * 1e3:7.1f} ms   ratio {engine_time / naive_time:4.2f}   same ends: {same}"
            f"   goal < {RUN_GOAL * 1e3:.0f} ms: {verdict}"
        )
    print("one full-data loss grid, 200 × 200, 10,000 examples")
    axis = np.linspace(-4, 4, 200)
    for name, model, goal, tolerance in (
        ("linear", LinearRegression(_regression_data(10_000, rng)), LINEAR_GRID_GOAL, 1e-10),
        (
            "logistic",
            LogisticRegression(_classification_data(10_000, rng)),
            LOGISTIC_GRID_GOAL,
            1e-11,
        ),
    ):

        def grid(model=model):
            return model.value(axis[None, :], axis[:, None])

        grid_time = best_of(5 if name == "linear" else 3, grid)
        base_time = best_of(1, lambda model=model: _direct_grid(model, axis, axis))
        close = np.allclose(grid(), _direct_grid(model, axis, axis), rtol=tolerance)
        verdict = "PASS" if grid_time < goal and close else "FAIL"
        ok &= verdict == "PASS"
        print(
            f"  {name:<9} {grid_time * 1e3:8.2f} ms   point by point {base_time * 1e3:7.1f} ms   "
            f"ratio {grid_time / base_time:.4f}   equal: {close}   goal < {goal * 1e3:.0f} ms: {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
