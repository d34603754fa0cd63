"""Figure speed and size: the default three-panel comparison and the 3-D figure.

Run by hand: ``python benchmarks/bench_figures.py``. For each lesson (a library surface, plain
gradient descent from its first start at its slow, good and diverging rates, its step budget)
prints the best-of-N build time with the landscape grid cached (an app rerun) and cold (grid
included), the JSON size sent to the browser, and a baseline built in the same process: a bare
``go.Figure(go.Contour(z=...))`` of the panels' grid (133² for three). Goals: each build under 50 ms; the
three-panel JSON under 1.5 MB; no NaN or infinity anywhere in the JSON.

``python benchmarks/bench_figures.py --images docs/images`` also renders the Rosenbrock
lesson's figures to PNG with kaleido (Debian's chromium: ``BROWSER_PATH=/usr/bin/chromium``)
at 1600×1000 and, in projector style, at 1280×720.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best_of

from gdviz import figures
from gdviz.engine import run
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import get_surface

BUILD_GOAL = 0.050
SIZE_GOAL = 1.5e6


def finite(node: object) -> bool:
    """Every number in the figure's JSON is finite (typed arrays decoded)."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
            return bool(np.isfinite(values).all())
        return all(finite(value) for value in node.values())
    if isinstance(node, list):
        return all(finite(value) for value in node)
    return not isinstance(node, float) or bool(np.isfinite(node))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def render_images(directory: Path) -> None:
    """The Rosenbrock lesson's figures as PNG files (quantized to 256 colours if over 280 KB)."""
    from PIL import Image

    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    directory.mkdir(parents=True, exist_ok=True)
    surface = get_surface("rosenbrock")
    landscape = figures.Landscape.from_surface(surface)
    result = run(
        surface.objective, make_optimizer("gd"), [surface.starts[0]],
        list(surface.rates.as_tuple()), steps=surface.steps, view=surface.view,
    )  # fmt: skip
    for projector, (width, height) in ((False, (1600, 1000)), (True, (1280, 720))):
        style = figures.Style(projector=projector)
        built = {
            "panels": figures.comparison_figure(
                landscape, result, style=style, width=width, height=height
            ),
            "landscape": figures.landscape_figure(
                landscape, result, style=style, width=width, height=height
            ),
            "surface3d": figures.surface_figure(landscape, result, style=style),
            "loss": figures.curves_figure(result, f_min=0.0, style=style),
        }
        for name, figure in built.items():
            path = directory / f"{name}{'-projector' if projector else ''}.png"
            figure.write_image(path, width=width, height=height)
            if path.stat().st_size > 280_000:
                shrink(path, Image)
            print(f"{path} ({path.stat().st_size // 1024} KB)")


def shrink(path: Path, image_module: Any) -> None:
    """Re-save a PNG with 256 colours: 240 chosen by median cut, plus the run and mark colours
    exactly (median cut alone turns vermillion brown), dithered so 3-D shading stays smooth."""
    image = image_module.open(path).convert("RGB")
    chosen = image.quantize(240, method=image_module.Quantize.MEDIANCUT).getpalette()[: 240 * 3]
    for colour in (*figures.RUN_COLORS, "#ffffff", "#222222", "#2a3f5f", "#444444"):
        chosen += [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
    chosen += chosen[:3] * (256 - len(chosen) // 3)
    palette = image_module.new("P", (1, 1))
    palette.putpalette(chosen[: 256 * 3])
    image.quantize(palette=palette, dither=image_module.Dither.FLOYDSTEINBERG).save(
        path, optimize=True
    )


def main() -> None:
    if "--images" in sys.argv:
        render_images(Path(sys.argv[sys.argv.index("--images") + 1]))
        return
    failures = 0
    for key in ("rosenbrock", "goldstein_price", "ravine"):
        surface = get_surface(key)
        landscape = figures.Landscape.from_surface(surface)
        result = run(
            surface.objective, make_optimizer("gd"), [surface.starts[0]],
            list(surface.rates.as_tuple()), steps=surface.steps, view=surface.view,
        )  # fmt: skip
        grid = figures.landscape_grid(landscape, figures.contour_grid_points(3))
        z = grid.colour.astype(np.float32)
        baseline = best_of(7, lambda z=z: go.Figure(go.Contour(z=z)))

        def panels(landscape=landscape, result=result) -> go.Figure:
            return figures.comparison_figure(landscape, result)

        def surface_3d(landscape=landscape, result=result) -> go.Figure:
            return figures.surface_figure(landscape, result)

        def cold(build: Callable[[], go.Figure]) -> Callable[[], go.Figure]:
            def rebuild() -> go.Figure:
                figures.grid._cached_grid.cache_clear()
                return build()

            return rebuild

        results = []
        for name, build in (("three panels", panels), ("3-D surface", surface_3d)):
            warm_time = best_of(9, build)
            cold_time = best_of(5, cold(build))
            spec = build().to_json()
            size = len(spec)
            clean = finite(json.loads(spec, parse_constant=lambda _: float("nan")))
            ok = warm_time < BUILD_GOAL and cold_time < BUILD_GOAL and clean
            ok = ok and (size < SIZE_GOAL if name == "three panels" else True)
            failures += not ok
            results.append((name, warm_time, cold_time, size, clean, ok))
        print(
            f"{surface.name} ({surface.steps} steps, {len(result)} runs; nit {result.nit.tolist()})"
        )
        print(
            f"  baseline go.Figure(go.Contour(z)) of the {len(grid.x)}² grid: {baseline * 1e3:5.1f} ms"
        )
        for name, warm_time, cold_time, size, clean, ok in results:
            size_goal = f" (< {SIZE_GOAL / 1e6:.1f} MB)" if name == "three panels" else ""
            print(
                f"  {name:12s}: {warm_time * 1e3:5.1f} ms ({warm_time / baseline:4.1f}× baseline),"
                f" cold {cold_time * 1e3:5.1f} ms (< {BUILD_GOAL * 1e3:.0f} ms),"
                f" JSON {size / 1e6:4.2f} MB{size_goal}, finite: {clean}  {verdict(ok)}"
            )
    print("all goals met" if not failures else f"{failures} FAILED")


if __name__ == "__main__":
    main()
