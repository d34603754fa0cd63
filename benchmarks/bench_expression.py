"""Parser speed: how fast hostile input is refused, and how fast each surface compiles.

Run by hand: ``python benchmarks/bench_expression.py``. Prints best-of-5 times per case and
the slowest of each kind against the goals: every refusal under 10 ms, every surface parsed,
differentiated and compiled under 50 ms (cache cleared before each timing).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_expression import CODE_INJECTION, MALFORMED, RESOURCE_EXHAUSTION  # noqa: E402
from timing import best_of  # noqa: E402

from gdviz import expression  # noqa: E402
from gdviz.surfaces import load_library  # noqa: E402


def refuse(text: str) -> None:
    expression._compile_normalized.cache_clear()
    try:
        expression.parse_function(text)
    except expression.ExpressionError:
        return
    raise AssertionError(f"{text!r} was accepted")


def main() -> None:
    expression.parse_function("sin(x) + y^2")  # the first lambdify imports NumPy's printer
    print("time to refuse (best of 5)")
    slowest_refusal = 0.0
    for group, cases in (
        ("injection", CODE_INJECTION),
        ("exhaustion", RESOURCE_EXHAUSTION),
        ("malformed", MALFORMED),
    ):
        for text in cases:
            seconds = best_of(5, lambda text=text: refuse(text))
            slowest_refusal = max(slowest_refusal, seconds)
            shown = text if len(text) <= 40 else text[:37] + "..."
            print(f"  {group:<10} {seconds * 1e3:7.3f} ms  {shown!r}")
    verdict = "PASS" if slowest_refusal < 0.010 else "FAIL"
    print(f"slowest refusal: {slowest_refusal * 1e3:.3f} ms (goal < 10 ms): {verdict}\n")

    print("time to parse, differentiate and compile each surface (best of 5, cache cleared)")
    slowest_compile = 0.0
    for key, surface in load_library().surfaces.items():

        def compile_once(text: str = surface.expression) -> None:
            expression._compile_normalized.cache_clear()
            expression.parse_function(text)

        seconds = best_of(5, compile_once)
        slowest_compile = max(slowest_compile, seconds)
        print(f"  {key:<18} {seconds * 1e3:7.1f} ms")
    verdict = "PASS" if slowest_compile < 0.050 else "FAIL"
    print(f"slowest compile: {slowest_compile * 1e3:.1f} ms (goal < 50 ms): {verdict}")


if __name__ == "__main__":
    main()
