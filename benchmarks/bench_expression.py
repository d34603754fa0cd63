"""Parser speed: how fast hostile input is refused, and how fast each surface compiles.

Run by hand: ``python benchmarks/bench_expression.py``. Prints best-of-5 times per case and
the slowest of each kind against the goals: every refusal under 10 ms, every surface parsed,
differentiated and compiled under 50 ms (cache cleared before each timing).

The refuse lists are imported from ``tests/test_expression.py``, so they are written once.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sympy.core.cache import clear_cache  # noqa: E402
from test_expression import REFUSED, TOO_COMPLICATED  # noqa: E402
from timing import best_of  # noqa: E402

from gdviz import expression  # noqa: E402

REFUSAL_GOAL = 0.010
COMPILE_GOAL = 0.050

# Used when gdviz.surfaces is not available.
TYPICAL = {
    "round bowl": "x^2 + y^2",
    "ravine": "x^2 + 10y^2",
    "rosenbrock": "(1-x)^2 + 100(y-x^2)^2",
    "beale": "(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "goldstein-price": "(1+(x+y+1)^2(19-14x+3x^2-14y+6xy+3y^2))"
    "(30+(2x-3y)^2(18-32x+12x^2+48y-36xy+27y^2))",
    "ackley": "-20exp(-0.2sqrt(0.5(x^2+y^2)))-exp(0.5(cos(2pi x)+cos(2pi y)))+e+20",
    "rastrigin": "20+x^2-10cos(2pi x)+y^2-10cos(2pi y)",
    "abs bowl": "abs(x) + abs(y)",
    "two basins": "min((x-1)^2 + y^2, (x+1)^2 + y^2 + 0.5)",
}


def typical_formulas() -> dict[str, str]:
    """The surface library's formulas, or the fixed list above without it."""
    try:
        from gdviz.surfaces import load_library
    except ImportError:
        return TYPICAL
    return {key: surface.expression for key, surface in load_library().surfaces.items()}


def refuse(text: str) -> None:
    expression._compile_normalized.cache_clear()
    try:
        expression.parse_function(text)
    except expression.ExpressionError:
        return
    raise AssertionError(f"{text!r} was accepted")


def shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def verdict(seconds: float, goal: float) -> str:
    return "PASS" if seconds < goal else "FAIL"


def main() -> None:
    expression.parse_function("sin(x) + y^2")  # the first lambdify imports NumPy's printer
    print("time to refuse (best of 5, cache cleared)")
    slowest = 0.0
    for group, cases in REFUSED.items():
        for text, _ in cases:
            seconds = best_of(5, lambda text=text: refuse(text))
            slowest = max(slowest, seconds)
            print(f"  {group:<10} {seconds * 1e3:7.3f} ms  {shown(text)}")
    print(
        f"slowest refusal: {slowest * 1e3:.3f} ms (goal < {REFUSAL_GOAL * 1e3:.0f} ms): "
        f"{verdict(slowest, REFUSAL_GOAL)}\n"
    )

    # cache_clear() empties our cache, not SymPy's (derivatives, assumptions, ...), which a
    # repeat finds warm. So each formula is also timed once fully cold, SymPy's cache cleared
    # too: the worst case, for information; the goal is on the best of 5.
    print("time to refuse formulas too complicated to differentiate (cold, best of 5)")
    slowest_first = 0.0
    for text in TOO_COMPLICATED:
        first = best_of(1, lambda text=text: (clear_cache(), refuse(text)))
        seconds = best_of(5, lambda text=text: refuse(text))
        slowest_first = max(slowest_first, first)
        print(f"  {'complex':<10} {first * 1e3:7.1f} ms {seconds * 1e3:7.1f} ms  {shown(text)}")
    print(f"slowest cold: {slowest_first * 1e3:.1f} ms (no goal: refused after computing ∇f)\n")

    print("time to parse, differentiate and compile each formula (cold, best of 5)")
    slowest = slowest_first = 0.0
    for key, text in typical_formulas().items():

        def compile_once(text: str = text) -> None:
            expression._compile_normalized.cache_clear()
            expression.parse_function(text)

        first = best_of(1, lambda compile_once=compile_once: (clear_cache(), compile_once()))
        seconds = best_of(5, compile_once)
        slowest, slowest_first = max(slowest, seconds), max(slowest_first, first)
        print(f"  {key:<18} {first * 1e3:7.1f} ms {seconds * 1e3:7.1f} ms")
    print(f"slowest cold compile: {slowest_first * 1e3:.1f} ms (SymPy's cache cleared too)")
    print(
        f"slowest compile: {slowest * 1e3:.1f} ms (goal < {COMPILE_GOAL * 1e3:.0f} ms): "
        f"{verdict(slowest, COMPILE_GOAL)}"
    )


if __name__ == "__main__":
    main()
