"""A cache that computes each value once, however many threads ask for it at the same moment.

``functools.lru_cache`` is thread-safe but not once-only: every thread that asks for a key
before the first has stored it computes it again. On a server that is every session arriving
together. Forty students opening a fresh server each compiled the whole surface library with
SymPy (44 % of the server's CPU in a profile of 20 sessions opening one link), and forty
students typing the teacher's function each compiled it. :func:`shared_cache` is
``lru_cache`` with one lock per key being computed: the first caller computes, the others wait
for its result; callers of other keys, and hits, never wait for it.

>>> calls = []
>>> @shared_cache(maxsize=8)
... def square(x):
...     calls.append(x)
...     return x * x
>>> square(3), square(3), calls
(9, 9, [3])
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

__all__ = ["shared_cache"]

Params = ParamSpec("Params")
Result = TypeVar("Result")


def shared_cache(
    maxsize: int | None = 128,
) -> Callable[[Callable[Params, Result]], Callable[Params, Result]]:
    """Decorator: ``functools.lru_cache(maxsize)`` whose misses are computed once per key while
    concurrent callers of that key wait (keeps ``cache_clear`` and ``cache_info``)."""

    def decorate(function: Callable[Params, Result]) -> Callable[Params, Result]:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        guard = threading.Lock()
        in_flight: dict[Hashable, list[Any]] = {}  # key → [its lock, callers holding it]

        @functools.wraps(function)
        def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> Result:
            key = (args, tuple(sorted(kwargs.items())))
            with guard:
                entry = in_flight.setdefault(key, [threading.Lock(), 0])
                entry[1] += 1
            try:
                with entry[0]:  # a hit takes it for the lookup alone
                    return cached(*args, **kwargs)  # type: ignore[arg-type,no-any-return]
            finally:
                with guard:
                    entry[1] -= 1
                    if entry[1] == 0:
                        del in_flight[key]

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return wrapper

    return decorate
