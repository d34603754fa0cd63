"""Figure speed and size: the default three-panel comparison and the 3-D figure.

Run by hand: ``python benchmarks/bench_figures.py``. Prints best-of-N build times (the
landscape grid cached, as on an app rerun; and cold, grid included), the JSON size sent to
the browser, and a baseline in the same process: a bare ``go.Figure(go.Contour(z))`` of the
same grid. Goals: each build under 50 ms; the three-panel JSON under 1.5 MB.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdviz import figures
from gdviz.engine import run
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import get_surface


def best_of(repeats: int, function) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    for key in ("rosenbrock", "goldstein_price", "ravine"):
        surface = get_surface(key)
        landscape = figures.Landscape.from_surface(surface)
        result = run(
            surface.objective, make_optimizer("gd"), [surface.starts[0]], list(surface.rates.as_tuple()),
            steps=surface.steps, view=surface.view,
        )  # fmt: skip
        grid = figures.landscape_grid(landscape)
        baseline = best_of(
            5, lambda grid=grid: go.Figure(go.Contour(z=grid.colour.astype(np.float32)))
        )

        def cold(landscape=landscape, result=result) -> None:
            figures._cached_grid.cache_clear()
            figures.comparison_figure(landscape, result)

        panels_cold = best_of(5, cold)
        panels = best_of(
            7,
            lambda landscape=landscape, result=result: figures.comparison_figure(landscape, result),
        )
        surface_3d = best_of(
            7, lambda landscape=landscape, result=result: figures.surface_figure(landscape, result)
        )
        size_panels = len(figures.comparison_figure(landscape, result).to_json())
        size_3d = len(figures.surface_figure(landscape, result).to_json())
        print(f"{key} ({surface.steps} steps, 3 runs)")
        print(f"  baseline go.Figure(go.Contour) of the grid: {baseline * 1e3:6.1f} ms")
        print(
            f"  three panels: {panels * 1e3:6.1f} ms ({panels / baseline:4.1f}× baseline; cold {panels_cold * 1e3:.1f} ms)"
            f"  {size_panels / 1e6:5.2f} MB   goals < 50 ms: {'PASS' if panels < 0.05 else 'FAIL'},"
            f" < 1.5 MB: {'PASS' if size_panels < 1.5e6 else 'FAIL'}"
        )
        print(
            f"  3-D figure:   {surface_3d * 1e3:6.1f} ms ({surface_3d / baseline:4.1f}× baseline)"
            f"             {size_3d / 1e6:5.2f} MB   goal < 50 ms: {'PASS' if surface_3d < 0.05 else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
