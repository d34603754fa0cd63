"""What one page may cost the server: the heaviest inputs a user can send, with and without the
app's CPU budget (issue 17, item 4).

Run by hand: ``python benchmarks/bench_budget.py``. For each input (the issue's heavy links,
a typed function at the length limit with the most steps, the largest CSV allowed) it prints
the CPU seconds of:

* ``unbounded``: computing the lesson with no budget (what a rerun cost before);
* ``page``: what the app does — the lesson inside :func:`gdviz.budget.cpu_budget` with the
  budget :func:`gdviz.lesson.cpu_seconds_allowed` gives it (0.8 s where the user enlarged the
  steps or set an epoch budget, none for a lesson at its own sizes), then, if it ran, the
  landscape figure — and whether the page was drawn or refused with a message.

Goal (issue 17): the worst allowed input under about 1 s (≤ 1.1 s) of server CPU, for the sizes a
user enlarges and for the library's longest lessons at their own sizes (printed last). CPU
time of this thread (``time.thread_time``), so other work on the machine inflates it little.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gdviz.data_lesson as data_lesson  # noqa: E402
from gdviz.budget import cpu_budget  # noqa: E402
from gdviz.datasets import MAX_UPLOAD_ROWS, read_csv  # noqa: E402
from gdviz.expression import MAX_LENGTH  # noqa: E402
from gdviz.figures import Style, comparison_figure  # noqa: E402
from gdviz.lesson import Settings, build_lesson, cpu_seconds_allowed  # noqa: E402
from gdviz.link_settings import link_parameters, settings_from_link  # noqa: E402
from gdviz.links import MAX_STEPS  # noqa: E402

EIGHT_SINES = "sin(x)sin(y)sin(x+y)sin(x-y)sin(2x)sin(2y)sin(x+2y)sin(2x-y)"
LINKS = {
    "Newton, product of eight sines, steps=20000": f"f={EIGHT_SINES}&opt=newton&steps={MAX_STEPS}",
    "Goldstein–Price, steps=20000": f"surface=goldstein_price&steps={MAX_STEPS}",
    "Goldstein–Price race, steps=20000": f"surface=goldstein_price&mode=race&steps={MAX_STEPS}",
    "two_classes, steps=20000": f"data=two_classes&steps={MAX_STEPS}",
    "two_classes, epochs=1000, batch=1": "data=two_classes&epochs=1000&batch=1",
    "Rosenbrock, Newton, steps=20000": f"surface=rosenbrock&opt=newton&steps={MAX_STEPS}",
    "the default lesson": "",
    "library: Rosenbrock, Adagrad (its own 18,000 steps)": "surface=rosenbrock&opt=adagrad",
    "library: Rosenbrock race (its own 18,000 steps)": "surface=rosenbrock&mode=race",
    "typed: Newton, product of eight sines (own steps)": f"f={EIGHT_SINES}&opt=newton",
    "typed: Rosenbrock typed in, Adam (own steps)": "f=(1-x)^2%2B100(y-x^2)^2&opt=adam",
    # The typing box's own example, with the default optimizer: no rate of the first sweep
    # reaches the minimum, so the sweep grows towards 20,000 steps until one does.
    "typed: Rosenbrock typed in, plain GD (own steps)": "f=(1-x)^2%2B100(y-x^2)^2",
}


def _longest_function() -> str:
    """A typed function at the length limit: a sum of products of sines and powers."""
    term = "+sin(x*y)*cos(x-y)*x^2"
    text = "x^2+y^2"
    while len(text) + len(term) <= MAX_LENGTH:
        text += term
    return text


def _largest_csv(logistic: bool) -> bytes:
    """MAX_UPLOAD_ROWS rows of x, y (labels 0/1 for the logistic case)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=MAX_UPLOAD_ROWS)
    y = (x + 0.5 * rng.normal(size=x.size) > 0).astype(int) if logistic else 2 * x + 1
    rows = "\n".join(f"{a:.6f},{b}" for a, b in zip(x, y, strict=True))
    return ("x,y\n" + rows).encode()


def inputs() -> dict[str, Settings]:
    found = {name: settings_from_link(link_parameters("?" + link)) for name, link in LINKS.items()}
    longest = _longest_function()
    found[f"typed function of {len(longest)} characters, steps=20000"] = Settings(
        function=longest, steps=MAX_STEPS
    )
    found[f"typed function of {len(longest)} characters (own steps)"] = Settings(function=longest)
    for logistic in (True, False):
        data = read_csv(_largest_csv(logistic), "largest.csv")
        kind = "logistic" if logistic else "line"
        found[f"largest CSV ({MAX_UPLOAD_ROWS:,} rows, {kind})"] = Settings(dataset=data)
        found[f"largest CSV ({kind}), steps=20000"] = Settings(dataset=data, steps=MAX_STEPS)
    return found


def _cpu(function):  # type: ignore[no-untyped-def]
    # Each measurement from nothing: a data lesson's panels and contrast are cached apart from
    # the lesson (gdviz.data_lesson's shared caches), and the page would reuse the unbounded run's.
    for part in vars(data_lesson).values():
        if callable(getattr(part, "cache_clear", None)):
            part.cache_clear()
    start = time.thread_time()
    try:
        outcome = function()
    except ValueError as error:
        outcome = error
    return time.thread_time() - start, outcome


def _page(settings: Settings) -> object:
    with cpu_budget(cpu_seconds_allowed(settings)):
        lesson = build_lesson(settings)
    return comparison_figure(
        lesson.landscape, list(lesson.results), labels=lesson.labels or None,
        style=Style(), click_grid=24, width=1264, height=780,
    )  # fmt: skip


def main() -> None:
    print("goal: each page under about 1 s of CPU where the user enlarged the sizes")
    print(f"{'input':58s} {'budget':>6s} {'unbounded':>10s} {'page':>7s}  outcome")
    worst = {True: 0.0, False: 0.0}  # enlarged by the user, or at the lesson's own sizes
    for name, settings in inputs().items():
        allowed = cpu_seconds_allowed(settings)
        unbounded, _ = _cpu(lambda s=settings: build_lesson(s))
        page, outcome = _cpu(lambda s=settings: _page(s))
        enlarged = allowed is not None
        worst[enlarged] = max(worst[enlarged], page)
        said = "drawn" if not isinstance(outcome, Exception) else f"refused: {str(outcome)[:50]}…"
        limit = f"{allowed:5.1f}s" if allowed is not None else "  none"
        print(f"{name:58s} {limit} {unbounded:9.2f}s {page:6.2f}s  {said}")
    met = "met" if worst[True] <= 1.1 else "NOT met"
    print(
        f"worst page, sizes the user enlarged: {worst[True]:.2f} s of CPU (goal about 1 s: {met})"
    )
    print(
        f"worst page, lessons at their own sizes: {worst[False]:.2f} s of CPU (goal about 1 s: "
        f"{'met' if worst[False] <= 1.1 else 'NOT met'}; computed once per server, shared)"
    )


if __name__ == "__main__":
    main()
