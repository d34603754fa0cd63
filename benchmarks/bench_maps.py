"""Speed and memory of the maps of many runs (issue 14): basins, the rate sweep, the phase map.

Run by hand: ``python benchmarks/bench_maps.py``. Prints best-of-N wall times and ratios, in one
process:

1. Basins of attraction: :func:`gdviz.maps.basin_map` on Himmelblau, 200 × 200 starts ×
   300 plain-GD steps at lr = 0.01 (every run converges, to one of the four minima), against
   (a) a bare NumPy loop applying x ← x − lr·∇f(x) to the same 40,000 starts for all 300 steps,
   with no stopping rules and no recording — the floor of a NumPy engine — once with the
   surface's own compiled gradient (``objective.value_and_gradient``, the function the engine
   calls) and once with ∇f written out by hand; and (b), for scale, a compiled loop (numba,
   used here only) doing the hand-written arithmetic step-outer over contiguous x and y arrays.
   The map as a user gets it stops each run when it converges; the same map with the stopping
   rules off (every run takes all 300 steps, the bare loop's arithmetic) is printed too.
   Goal: the map within 2× of the bare loop with the same gradient function.
2. Memory: peak extra memory (tracemalloc) of ``basin_map`` at 100 × 100 and 200 × 200 starts
   and 300 and 1,200 steps (stopping rules off, so every run takes every step), against the
   bare loop and the recording engine (``run``). Goal: O(runs), not growing with steps.
3. The rate sweep, 120 rates × 1,000 plain-GD steps on x² + 10y² from (1.5, 1.5), wide
   (1e-6 … 1e3) and narrowed (the default: a second sweep where something happens); and a
   60 × 60 phase map (rate × momentum) × 500 steps. Goal: under 1 s each.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best_of

from gdviz.engine import MAX_HISTORY, run
from gdviz.expression import parse_function
from gdviz.maps import basin_map, phase_map, rate_sweep
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import get_surface

GRID, STEPS, LR = 200, 300, 0.01
BASIN_GOAL = 2.0  # × the bare NumPy loop
MAP_GOAL = 1.0  # seconds, the sweep and the phase map
BOWL = "x^2 + 10y^2"
BOWL_START = (1.5, 1.5)
BOWL_VIEW = ((-3.0, 3.0), (-3.0, 3.0))
RULES_OFF = {"gtol": 0.0, "xtol": 0.0}

Gradient = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def lattice(view, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """The basin map's starts (x outer in rows, as ``basin_map`` lays them), as contiguous x, y."""
    (x_low, x_high), (y_low, y_high) = view
    grid_x, grid_y = np.meshgrid(np.linspace(x_low, x_high, grid), np.linspace(y_low, y_high, grid))
    return grid_x.ravel().copy(), grid_y.ravel().copy()


def surface_gradient(objective) -> Gradient:
    """∇f as the engine gets it: the surface's compiled ``value_and_gradient`` (f is computed
    too and thrown away, as the engine would not)."""

    def gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, g = objective.value_and_gradient(x, y)
        return g[:, 0], g[:, 1]

    return gradient


def himmelblau_gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∇f of f = (x² + y − 11)² + (x + y² − 7)², written out: a = x² + y − 11, b = x + y² − 7,
    ∂f/∂x = 4xa + 2b, ∂f/∂y = 2a + 4yb (f itself is not computed)."""
    a = x * x + y - 11
    b = x + y * y - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def bare_loop(gradient: Gradient, x0: np.ndarray, y0: np.ndarray, lr: float, steps: int):
    """x ← x − lr·∇f(x) for every start, ``steps`` times: no rules, no recording."""
    x, y = x0.copy(), y0.copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            gx, gy = gradient(x, y)
            x -= lr * gx
            y -= lr * gy
    return x, y


def compiled_loop_factory() -> Callable[..., tuple[np.ndarray, np.ndarray]] | None:
    """The bare loop's hand-written arithmetic compiled by numba, step-outer over contiguous
    x and y arrays; ``None`` without numba (not a dependency of gdviz)."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=False)
    def steps_in_place(x: np.ndarray, y: np.ndarray, lr: float, steps: int) -> None:
        for _ in range(steps):
            for i in range(x.shape[0]):
                xi, yi = x[i], y[i]
                a = xi * xi + yi - 11
                b = xi + yi * yi - 7
                x[i] = xi - lr * (4 * xi * a + 2 * b)
                y[i] = yi - lr * (2 * a + 4 * yi * b)

    def compiled(x0: np.ndarray, y0: np.ndarray, lr: float, steps: int):
        x, y = x0.copy(), y0.copy()
        steps_in_place(x, y, lr, steps)
        return x, y

    return compiled


def peak_extra_memory(function: Callable[[], object]) -> float:
    """The most memory ``function()`` holds at once beyond what was allocated before, in MB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - before) / 1e6


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def basins() -> None:
    surface = get_surface("himmelblau")
    objective, gd = surface.objective, make_optimizer("gd")
    x0, y0 = lattice(surface.view, GRID)
    same_gradient = surface_gradient(objective)

    def the_map(grid: int = GRID, steps: int = STEPS, **options):
        return basin_map(
            objective, gd, LR, view=surface.view, grid=grid, minima=surface.minima,
            steps=steps, **options,
        )  # fmt: skip

    # Check that every variant computes the same thing before timing anything: the bare loops
    # and the map with its rules off take the same 300 steps from the same starts.
    reference = bare_loop(same_gradient, x0, y0, LR, STEPS)
    np.testing.assert_allclose(bare_loop(himmelblau_gradient, x0, y0, LR, STEPS), reference)
    every_step = the_map(**RULES_OFF)
    assert (every_step.states.nit == STEPS).all()
    np.testing.assert_allclose(every_step.states.x, np.stack(reference, axis=1))
    result = the_map()
    shares = ", ".join(f"{result.share(i):.1%}" for i in range(len(surface.minima)))

    map_time = best_of(5, the_map)
    map_every_step = best_of(5, lambda: the_map(**RULES_OFF))
    bare_same = best_of(5, lambda: bare_loop(same_gradient, x0, y0, LR, STEPS))
    bare_hand = best_of(5, lambda: bare_loop(himmelblau_gradient, x0, y0, LR, STEPS))
    print(f"Basins: Himmelblau, {GRID} × {GRID} starts × {STEPS} plain-GD steps at lr = {LR}")
    print(
        f"  every run converged: {(result.states.status == 'converged').all()}; shares of the four "
        f"minima {shares}; steps taken: mean {result.states.nit.mean():.0f}, "
        f"most {result.states.nit.max()}"
    )
    print(f"  bare NumPy loop, the surface's value_and_gradient: {bare_same:7.3f} s")
    print(f"  bare NumPy loop, ∇f written out by hand:          {bare_hand:7.3f} s")
    compiled = compiled_loop_factory()
    if compiled is not None:
        np.testing.assert_allclose(compiled(x0, y0, LR, STEPS), reference)
        compiled_time = best_of(5, lambda: compiled(x0, y0, LR, STEPS))
        print(f"  compiled loop (numba, step-outer, by hand):       {compiled_time:7.3f} s")
    else:
        print("  compiled loop skipped: numba is not installed (pip install numba to measure it)")
    print(f"  basin_map (stops each run when it converges):     {map_time:7.3f} s")
    print(f"  basin_map, rules off (all {STEPS} steps every run):   {map_every_step:7.3f} s")
    ratio = map_time / bare_same
    print(
        f"  basin_map vs bare loop (same gradient): {ratio:5.2f}× the time  "
        f"(goal ≤ {BASIN_GOAL:g}×: {verdict(ratio <= BASIN_GOAL)})"
    )
    print(f"  basin_map vs bare loop (hand gradient): {map_time / bare_hand:5.2f}× the time")
    print(f"  rules off vs bare loop (same gradient): {map_every_step / bare_same:5.2f}× the time")
    if compiled is not None:
        print(
            f"  basin_map vs compiled loop:             {map_time / compiled_time:5.1f}× the time"
        )

    def recording(starts, steps: int):
        points = np.stack(starts, axis=1)
        return run(objective, gd, points, LR, steps=steps, view=surface.view, **RULES_OFF)

    print("\nPeak extra memory (tracemalloc), stopping rules off so every run takes every step")
    print("  starts      steps   basin_map   bare loop   run(), recording every step")
    for grid in (100, 200):
        starts = lattice(surface.view, grid)
        for steps in (300, 1200):
            mapped = peak_extra_memory(lambda: the_map(grid, steps, **RULES_OFF))  # noqa: B023
            bare = peak_extra_memory(lambda: bare_loop(same_gradient, *starts, LR, steps))  # noqa: B023
            recorded = "refused: more than MAX_HISTORY"
            if (steps + 1) * grid * grid <= MAX_HISTORY:
                recorded = f"{peak_extra_memory(lambda: recording(starts, steps)):7.1f} MB"  # noqa: B023
            print(
                f"  {grid:3d} × {grid:<3d} {steps:6,d} {mapped:8.1f} MB {bare:8.1f} MB   {recorded}"
            )


def sweeps() -> None:
    objective, gd = parse_function(BOWL), make_optimizer("gd")

    def sweep(narrow: bool):
        return rate_sweep(objective, gd, BOWL_START, steps=1000, view=BOWL_VIEW, narrow=narrow)

    def phase():
        return phase_map(
            objective, "momentum", BOWL_START, param="momentum", values=(0, 0.99, 60), count=60,
            steps=500, view=BOWL_VIEW,
        )  # fmt: skip

    print(f"\nRate sweep: 120 rates × 1,000 plain-GD steps on {BOWL} from {BOWL_START}")
    for narrow in (False, True):
        result = sweep(narrow)
        seconds = best_of(5, lambda: sweep(narrow))  # noqa: B023
        diverged = int((result.outcome == "diverged").sum())
        print(
            f"  {'narrowed' if narrow else 'wide    '} {result.low:8.2g} … {result.high:<8.2g} "
            f"{seconds:6.3f} s  ({diverged} of {len(result.lrs)} rates diverged, "
            f"2/λ_max = {result.bound:.3g})  (goal < {MAP_GOAL:g} s: {verdict(seconds < MAP_GOAL)})"
        )
    result = phase()
    seconds = best_of(3, phase)
    agree = "-"
    if result.theory is not None:
        measured = result.outcome != "diverged"
        agree = f"{(measured == result.theory).mean():.1%} of cells"
    print(f"Phase map: 60 momenta × 60 rates × 500 steps, momentum on {BOWL}")
    print(
        f"  {seconds:6.3f} s  (not diverged where theory says it converges: {agree})  "
        f"(goal < {MAP_GOAL:g} s: {verdict(seconds < MAP_GOAL)})"
    )


def main() -> None:
    basins()
    sweeps()


if __name__ == "__main__":
    main()
