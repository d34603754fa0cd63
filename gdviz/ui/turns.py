"""The server's sessions take turns: one page's script runs at a time, in the order they asked.

Streamlit runs every session's script in a thread of its own, and one Python process runs one
thread at a time (the interpreter lock), passing it around every 5 ms. Forty students who
change something together are then forty scripts sharing one core: each rerun takes about
forty times its own work, everyone's page is late, and the process spends a fifth more CPU
switching between them than the same work done in turn (``benchmarks/bench_load.py``, forty
sessions each on its own link: 35 s of CPU for 200 runs, and 24 s in turns).

In turns, the first student in line gets a page after its own work, the last after everyone's
before it: half the wait on average, and the same for the last. A heavy page holds the line
for at most what one rerun may cost (:data:`gdviz.budget.PAGE_CPU_SECONDS`, about a second).

>>> line = Turns()
>>> with line:
...     line.waiting
0
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

__all__ = ["Turns", "one_page_at_a_time"]


class Turns:
    """A lock that is handed to its waiters in the order they came (``threading.Lock`` wakes
    any of them): ``with turns: ...``. Not reentrant."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._line: deque[threading.Event] = deque()
        self._taken = False

    @property
    def waiting(self) -> int:
        """How many are in line behind the one whose turn it is."""
        return len(self._line)

    def __enter__(self) -> Turns:
        with self._guard:
            if not self._taken:
                self._taken = True
                return self
            turn = threading.Event()
            self._line.append(turn)
        turn.wait()  # set by the one before, who hands the turn straight over
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._guard:
            if self._line:
                self._line.popleft().set()
            else:
                self._taken = False


one_page_at_a_time = Turns()
"""The process's line: ``app.py`` runs its whole script inside it."""
