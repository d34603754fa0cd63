"""The server's sessions take turns: one page's script runs at a time, in the order they asked.

Streamlit runs every session's script in a thread of its own, and one Python process runs one
thread at a time (the interpreter lock), passing it around every 5 ms. Forty students who
change something together are then forty scripts sharing one core: each rerun takes about
forty times its own work, everyone's page is late, and the process spends half as much CPU
again switching between them as the same work done in turn (``benchmarks/bench_load.py``,
forty sessions each on its own link: 35–37 s of CPU for 200 runs, 24–28 s in turns).

In turns, the first student in line gets a page after its own work, the last after everyone's
before it: half the wait on average, and no more for the last. A heavy page holds the line for
what it costs: at most the page budget where a user raised the sizes
(:data:`gdviz.budget.PAGE_CPU_SECONDS`), a second or two for the library's longest lessons.

A script that never ended (a bug) would hold the line for ever, so nobody waits longer than
``patience``: past it a script runs beside the one whose turn it is, as every script did
before the line, and hands nothing on when it ends.

>>> line = Turns()
>>> with line:
...     line.waiting
0
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

__all__ = ["PATIENCE_SECONDS", "Turns", "one_page_at_a_time"]

PATIENCE_SECONDS = 20.0
"""The longest a page waits for its turn (forty sessions each on its own link wait about 3 s
at most on the test machine): then it runs beside the line."""


class Turns:
    """A lock that is handed to its waiters in the order they came (``threading.Lock`` wakes
    any of them): ``with turns: ...``. Not reentrant. A waiter gives up after ``patience``
    seconds (``None``: never) and runs without the turn."""

    def __init__(self, patience: float | None = PATIENCE_SECONDS) -> None:
        self._guard = threading.Lock()
        self._line: deque[threading.Event] = deque()
        self._taken = False
        self._patience = patience
        self._mine = threading.local()  # whether this thread holds the turn

    @property
    def waiting(self) -> int:
        """How many are in line behind the one whose turn it is."""
        return len(self._line)

    def __enter__(self) -> Turns:
        with self._guard:
            if not self._taken:
                self._taken = True
                self._mine.holding = True
                return self
            turn = threading.Event()
            self._line.append(turn)
        # Set by the one before, who hands the turn straight over.
        handed = turn.wait(self._patience)
        if not handed:
            with self._guard:
                handed = turn.is_set()  # handed over just as the patience ran out
                if not handed:
                    self._line.remove(turn)
        self._mine.holding = handed
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not getattr(self._mine, "holding", False):
            return  # ran beside the line: there is no turn to pass on
        self._mine.holding = False
        with self._guard:
            if self._line:
                self._line.popleft().set()
            else:
                self._taken = False


one_page_at_a_time = Turns()
"""The process's line: ``app.py`` runs its whole script inside it."""
