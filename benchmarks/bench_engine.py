"""Engine speed: Adam on Rosenbrock, the vectorized engine against baselines, in one process.

Run by hand: ``python benchmarks/bench_engine.py``. Prints best-of-N wall times and ratios:

* 10,000 runs × 1,000 steps: the engine against a naive per-run Python loop (timed on a sample of
  runs and scaled), a bare NumPy loop without stopping rules or recording (the floor for this
  design), and compiled loops (numba, if installed — used here only). The reference is the
  fastest compiled loop that records what the engine records (the path, f and ‖∇f‖ of every
  step), bias corrections precomputed per step, over contiguous x and y arrays step-outer or
  one run at a time, whichever is faster. Printed for scale, without goals: the same step-outer
  loop recording nothing, and the reference used before issue 14 (one run at a time, β^t raised
  every step, nothing recorded), against which the README's "2.1–2.4× numba" was measured.
* 3 runs × 1,000 steps: the engine against the naive loop (NumPy's per-call overhead makes
  this the harder case).

Goals: ≥ 100× the naive loop at 10,000 runs; within 3× of the reference compiled loop; at 3 runs no
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


def bias_corrections() -> tuple[np.ndarray, np.ndarray]:
    """Per update t = 1 … STEPS, as torch computes them: the step factor lr / (1 − β₁^t) and
    1 / √(1 − β₂^t), which divides √v."""
    t = np.arange(1, STEPS + 1, dtype=np.float64)
    return LR / (1 - BETA1**t), 1 / np.sqrt(1 - BETA2**t)


def compiled_factories() -> dict[str, Callable[[np.ndarray], tuple[np.ndarray, ...]]] | None:
    """Adam compiled by numba (used in this benchmark only), ``None`` without numba.

    * ``step-outer``: the reference. Every step over contiguous x and y arrays, bias
      corrections precomputed, recording what the engine records: the path, f and ‖∇f‖ of every
      step, step-major (steps + 1, runs) like the engine's history.
    * ``run-outer``: one run at a time in registers, the same precomputed corrections, recording
      run-major (runs, steps + 1); timed too, in case that layout runs faster.
    * ``arithmetic``: step-outer with nothing recorded, for scale: what the updates alone cost.
    * ``old``: the reference before issue 14: run-outer, β^t raised every step, nothing recorded.
    """
    try:
        import numba
    except ImportError:
        return None

    step_factor, root_factor = bias_corrections()

    @numba.njit(cache=False, inline="always")
    def value_and_gradient(x: float, y: float) -> tuple[float, float, float]:
        r = y - x * x
        return (1 - x) ** 2 + 100 * r * r, -2 * (1 - x) - 400 * x * r, 200 * r

    @numba.njit(cache=False, inline="always")
    def adam(m: float, v: float, g: float, a: float, b: float) -> tuple[float, float, float]:
        """One coordinate's moments and step, with a = lr / (1 − β₁^t), b = 1 / √(1 − β₂^t)."""
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        return m, v, a * m / (math.sqrt(v) * b + EPS)

    @numba.njit(cache=False)
    def step_outer(
        x0: np.ndarray, y0: np.ndarray, step_factor: np.ndarray, root_factor: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        n = x0.shape[0]
        px, py = np.empty((STEPS + 1, n)), np.empty((STEPS + 1, n))
        loss, norm = np.empty((STEPS + 1, n)), np.empty((STEPS + 1, n))
        gx, gy = np.empty(n), np.empty(n)
        mx, my, vx, vy = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        for i in range(n):
            f, gx[i], gy[i] = value_and_gradient(x0[i], y0[i])
            px[0, i], py[0, i], loss[0, i] = x0[i], y0[i], f
            norm[0, i] = math.sqrt(gx[i] * gx[i] + gy[i] * gy[i])
        for t in range(1, STEPS + 1):
            a, b = step_factor[t - 1], root_factor[t - 1]
            for i in range(n):
                mx[i], vx[i], step_x = adam(mx[i], vx[i], gx[i], a, b)
                my[i], vy[i], step_y = adam(my[i], vy[i], gy[i], a, b)
                x, y = px[t - 1, i] - step_x, py[t - 1, i] - step_y
                f, gx[i], gy[i] = value_and_gradient(x, y)
                px[t, i], py[t, i], loss[t, i] = x, y, f
                norm[t, i] = math.sqrt(gx[i] * gx[i] + gy[i] * gy[i])
        return px, py, loss, norm

    @numba.njit(cache=False)
    def run_outer(
        x0: np.ndarray, y0: np.ndarray, step_factor: np.ndarray, root_factor: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        n = x0.shape[0]
        px, py = np.empty((n, STEPS + 1)), np.empty((n, STEPS + 1))
        loss, norm = np.empty((n, STEPS + 1)), np.empty((n, STEPS + 1))
        for i in range(n):
            x, y = x0[i], y0[i]
            f, gx, gy = value_and_gradient(x, y)
            px[i, 0], py[i, 0], loss[i, 0] = x, y, f
            norm[i, 0] = math.sqrt(gx * gx + gy * gy)
            mx = my = vx = vy = 0.0
            for t in range(1, STEPS + 1):
                a, b = step_factor[t - 1], root_factor[t - 1]
                mx, vx, step_x = adam(mx, vx, gx, a, b)
                my, vy, step_y = adam(my, vy, gy, a, b)
                x, y = x - step_x, y - step_y
                f, gx, gy = value_and_gradient(x, y)
                px[i, t], py[i, t], loss[i, t] = x, y, f
                norm[i, t] = math.sqrt(gx * gx + gy * gy)
        return px, py, loss, norm

    @numba.njit(cache=False)
    def arithmetic(
        x0: np.ndarray, y0: np.ndarray, step_factor: np.ndarray, root_factor: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        n = x0.shape[0]
        x, y = x0.copy(), y0.copy()
        gx, gy = np.empty(n), np.empty(n)
        mx, my, vx, vy = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        for i in range(n):
            _, gx[i], gy[i] = value_and_gradient(x[i], y[i])
        for t in range(1, STEPS + 1):
            a, b = step_factor[t - 1], root_factor[t - 1]
            for i in range(n):
                mx[i], vx[i], step_x = adam(mx[i], vx[i], gx[i], a, b)
                my[i], vy[i], step_y = adam(my[i], vy[i], gy[i], a, b)
                x[i], y[i] = x[i] - step_x, y[i] - step_y
                _, gx[i], gy[i] = value_and_gradient(x[i], y[i])
        return x, y

    @numba.njit(cache=False)
    def old(starts: np.ndarray) -> np.ndarray:
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

    def columns(kernel):
        def call(starts: np.ndarray) -> tuple[np.ndarray, ...]:
            x0, y0 = np.ascontiguousarray(starts[:, 0]), np.ascontiguousarray(starts[:, 1])
            return kernel(x0, y0, step_factor, root_factor)

        return call

    return {
        "step-outer": columns(step_outer),
        "run-outer": columns(run_outer),
        "arithmetic": columns(arithmetic),
        "old": old,
    }


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
    compiled = compiled_factories()
    compiled_many: dict[str, float] = {}
    if compiled is not None:
        recorded = engine(few)
        for name, kernel in compiled.items():
            kernel(many[:2])  # compile outside the timing
            if name in ("arithmetic", "old"):
                ends = kernel(few)
                ends = np.stack(ends, axis=1) if name == "arithmetic" else ends
                np.testing.assert_allclose(ends, reference, rtol=1e-9)
            else:
                px, py, loss, norm = (
                    part if name == "run-outer" else part.T for part in kernel(few)
                )
                np.testing.assert_allclose(np.stack([px, py], axis=2), recorded.paths, rtol=1e-9)
                np.testing.assert_allclose(loss, recorded.losses, rtol=1e-9)
                np.testing.assert_allclose(norm, recorded.grad_norms, rtol=1e-9)
            compiled_many[name] = best_of(3, lambda: kernel(many))  # noqa: B023
        print(
            "  compiled loops (numba), recording the path, f and ‖∇f‖ of every step as the engine"
            " does,\n  bias corrections precomputed, no stopping rules:"
        )
        print(
            f"    step-outer over contiguous x, y arrays:    {compiled_many['step-outer']:8.3f} s"
        )
        print(f"    run-outer, one run at a time:              {compiled_many['run-outer']:8.3f} s")
        print(
            "  compiled step-outer loop recording nothing (for scale, what the updates alone cost):"
            f"\n                                               {compiled_many['arithmetic']:8.3f} s"
        )
        print(
            "  old compiled reference (run-outer, β^t raised every step, nothing recorded; what the"
            f"\n  README's figure measured before issue 14):  {compiled_many['old']:8.3f} s"
        )
    speedup = naive_many / engine_many
    print(
        f"  engine vs naive: {speedup:7.1f}× faster  (goal ≥ 100×: {'PASS' if speedup >= 100 else 'FAIL'})"
    )
    print(f"  engine vs bare NumPy: {engine_many / numpy_many:5.2f}× the time")
    if compiled is not None:
        fastest = min(("step-outer", "run-outer"), key=compiled_many.__getitem__)
        ratio = engine_many / compiled_many[fastest]
        print(
            f"  engine vs the fastest compiled loop ({fastest}): {ratio:5.2f}× the time  "
            f"(goal ≤ 3×: {'PASS' if ratio <= 3 else 'FAIL'})"
        )
        print(
            f"  engine vs the old compiled reference: {engine_many / compiled_many['old']:5.2f}× the"
            " time (no goal: it records nothing and pays β^t every step)"
        )
        print(
            f"  engine vs the compiled loop recording nothing: "
            f"{engine_many / compiled_many['arithmetic']:5.2f}× the time (no goal)"
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
