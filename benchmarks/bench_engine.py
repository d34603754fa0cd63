"""Engine speed: Adam on Rosenbrock, the vectorized engine against baselines, in one process.

Run by hand: ``python benchmarks/bench_engine.py``. Prints best-of-N wall times and ratios:

* 10,000 runs × 1,000 steps: the engine against a naive per-run Python loop (timed on a sample of
  runs and scaled), a bare NumPy loop without stopping rules or recording (the floor for this
  design), and a compiled loop (numba, if installed — used here only, as the reference).
* 3 runs × 1,000 steps: the engine against the naive loop (NumPy's per-call overhead makes
  this the harder case).

Goals: ≥ 100× the naive loop at 10,000 runs; within 3× of the compiled loop; at 3 runs no
slower than the naive loop.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best_of

from gdviz.engine import run
from gdviz.expression import parse_function
from gdviz.optimizers import make_optimizer

ROSENBROCK = "(1-x)^2 + 100(y-x^2)^2"
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
STEPS = 1000


def naive_adam(objective, start: tuple[float, float]) -> tuple[float, float]:
    """The loop a student would write: one run, Python floats, the objective per step."""
    x, y = start
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    for t in range(1, STEPS + 1):
        g = objective.gradient(x, y)
        gx, gy = float(g[0]), float(g[1])
        for i, gi in enumerate((gx, gy)):
            m[i] = BETA1 * m[i] + (1 - BETA1) * gi
            v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi
        step = [
            LR * (m[i] / (1 - BETA1**t)) / (math.sqrt(v[i] / (1 - BETA2**t)) + EPS)
            for i in range(2)
        ]
        x, y = x - step[0], y - step[1]
    return x, y


def numpy_adam(starts: np.ndarray) -> np.ndarray:
    """The same algorithm vectorized by hand: no stopping rules, no recording."""
    p = starts.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t in range(1, STEPS + 1):
        x, y = p[:, 0], p[:, 1]
        g = np.stack([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], axis=1)
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        p = p - LR * (m / (1 - BETA1**t)) / (np.sqrt(v / (1 - BETA2**t)) + EPS)
    return p


def compiled_adam_factory() -> Callable[[np.ndarray], np.ndarray] | None:
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=False)
    def compiled(starts: np.ndarray) -> np.ndarray:
        out = starts.copy()
        for r in range(starts.shape[0]):
            x, y = starts[r, 0], starts[r, 1]
            mx = my = vx = vy = 0.0
            for t in range(1, STEPS + 1):
                gx = -2 * (1 - x) - 400 * x * (y - x * x)
                gy = 200 * (y - x * x)
                mx = BETA1 * mx + (1 - BETA1) * gx
                my = BETA1 * my + (1 - BETA1) * gy
                vx = BETA2 * vx + (1 - BETA2) * gx * gx
                vy = BETA2 * vy + (1 - BETA2) * gy * gy
                c1, c2 = 1 - BETA1**t, 1 - BETA2**t
                x -= LR * (mx / c1) / (math.sqrt(vx / c2) + EPS)
                y -= LR * (my / c1) / (math.sqrt(vy / c2) + EPS)
            out[r, 0], out[r, 1] = x, y
        return out

    return compiled


def main() -> None:
    objective = parse_function(ROSENBROCK)
    adam = make_optimizer("adam")
    rng = np.random.default_rng(0)
    many = rng.uniform([-2, -1], [2, 3], size=(10_000, 2))
    few = many[:3]

    def engine(starts: np.ndarray):
        # Stopping rules off so every variant does exactly STEPS updates.
        return run(objective, adam, starts, [LR], steps=STEPS, gtol=0, xtol=0)

    # Check the engine computes the same thing as the baselines before timing anything.
    reference = numpy_adam(few)
    np.testing.assert_allclose(engine(few).x, reference, rtol=1e-9)
    np.testing.assert_allclose(naive_adam(objective, tuple(few[0])), reference[0], rtol=1e-9)

    sample = 20
    naive_per_run = (
        best_of(2, lambda: [naive_adam(objective, tuple(s)) for s in many[:sample]]) / sample
    )
    naive_many = naive_per_run * len(many)
    engine_many = best_of(2, lambda: engine(many))
    numpy_many = best_of(2, lambda: numpy_adam(many))
    print(f"10,000 runs × {STEPS} Adam steps on Rosenbrock")
    print(f"  naive Python loop (scaled from {sample} runs): {naive_many:8.2f} s")
    print(f"  bare NumPy loop (no rules, no recording):    {numpy_many:8.3f} s")
    print(f"  gdviz engine:                                {engine_many:8.3f} s")
    compiled = compiled_adam_factory()
    if compiled is not None:
        compiled(many[:2])  # compile outside the timing
        np.testing.assert_allclose(compiled(few), reference, rtol=1e-9)
        compiled_many = best_of(3, lambda: compiled(many))
        print(f"  compiled loop (numba, reference):            {compiled_many:8.3f} s")
    speedup = naive_many / engine_many
    print(
        f"  engine vs naive: {speedup:7.1f}× faster  (goal ≥ 100×: {'PASS' if speedup >= 100 else 'FAIL'})"
    )
    print(f"  engine vs bare NumPy: {engine_many / numpy_many:5.2f}× the time")
    if compiled is not None:
        ratio = engine_many / compiled_many
        print(
            f"  engine vs compiled: {ratio:5.2f}× the time  (goal ≤ 3×: {'PASS' if ratio <= 3 else 'FAIL'})"
        )
    else:
        print("  compiled reference skipped: pip install numba to measure it")

    naive_few = best_of(3, lambda: [naive_adam(objective, tuple(s)) for s in few])
    engine_few = best_of(5, lambda: engine(few))
    print(f"\n3 runs × {STEPS} Adam steps on Rosenbrock")
    print(f"  naive Python loop: {naive_few * 1e3:7.1f} ms")
    print(f"  gdviz engine:      {engine_few * 1e3:7.1f} ms")
    ratio = engine_few / naive_few
    print(f"  engine / naive: {ratio:5.2f}  (goal ≤ 1: {'PASS' if ratio <= 1 else 'FAIL'})")


if __name__ == "__main__":
    main()
