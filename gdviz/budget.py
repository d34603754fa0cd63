"""How much of a server's time one page may spend computing: a CPU budget, checked by the engine.

A shared server runs every student's page in one Python process (Streamlit's script threads
take turns under one interpreter lock), so one heavy link — Newton on a product of eight sines
at 20,000 steps took 9.4 s — holds up everyone else. The app computes each lesson inside
:func:`cpu_budget`; the stepping loop (:mod:`gdviz.engine`, which every lesson, rate sweep, race,
data lesson and map runs through) calls :func:`check` as it goes, and past the budget the
computation stops with :class:`BudgetExceeded`, whose message names the setting to lower. The
page says so; nothing half-computed is ever shown.

The clock is the computing thread's own CPU time (``time.thread_time``): time spent waiting
for the interpreter lock while other sessions compute does not count. It still grows when the
other core is busy (seen here: 6.5 to 8.5 s for one lesson as the machine's load changed),
which is why the limit is kept for sizes a user raised
(:func:`gdviz.lesson.cpu_seconds_allowed`). Outside :func:`cpu_budget` (the command line, the
Python API, a notebook) nothing is checked.

>>> with cpu_budget(10.0):
...     check()  # well within ten seconds: nothing happens
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["PAGE_CPU_SECONDS", "BudgetExceeded", "check", "cpu_budget"]

PAGE_CPU_SECONDS = 0.8
"""The app's budget, in CPU seconds of the computing thread, for a lesson whose size the user
enlarged (more steps than the lesson's own budget, or an epoch budget): with the figures and
the page around it, such a rerun stays under about one second of the server's time
(``benchmarks/bench_budget.py`` prints the worst inputs)."""

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("gdviz_cpu_deadline", default=None)


class BudgetExceeded(ValueError):  # noqa: N818 (it is what the user reads of: a budget)
    """A computation went past its :func:`cpu_budget`. A ``ValueError``: to the app it is
    one more setting that cannot run, and its message says which to lower."""


@contextmanager
def cpu_budget(seconds: float | None) -> Iterator[None]:
    """Within this block, :func:`check` raises :class:`BudgetExceeded` once the current
    thread has used more than ``seconds`` of CPU since the block began (``None``: no limit;
    nested budgets: the inner one counts while it lasts)."""
    token = _deadline.set(None if seconds is None else (time.thread_time() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise :class:`BudgetExceeded` if the budget in force is spent (a microsecond's work:
    the engine calls it every few dozen updates)."""
    deadline = _deadline.get()
    if deadline is not None and time.thread_time() > deadline[0]:
        raise BudgetExceeded(
            f"they need more than {deadline[1]:g} s of the server's time, the most a page may "
            "take when its sizes are raised, so that a whole class can share the server: lower "
            "the step budget or the epochs (steps= or epochs= in the link). The command line "
            "(python -m gdviz) has no such limit."
        )
