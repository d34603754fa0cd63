"""gdviz.memo.shared_cache: once per key, however many threads ask at the same moment."""

import threading

from gdviz import expression, lessons, surfaces
from gdviz.memo import shared_cache


def _together(count, target):
    """Start ``count`` threads on ``target`` at the same moment; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        results[i] = target()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_a_key_asked_for_by_many_threads_at_once_is_computed_once():
    calls = []
    release = threading.Event()

    @shared_cache(maxsize=4)
    def slow(x):
        calls.append(x)
        release.wait(timeout=5)  # every other thread arrives while this one computes
        return [x]

    threading.Timer(0.2, release.set).start()
    results = _together(8, lambda: slow(1))
    assert calls == [1]
    assert all(result is results[0] for result in results)


def test_other_keys_do_not_wait_for_a_key_being_computed():
    """Key 1's computation waits for key 2's to have run: if keys waited for each other this
    would time out."""
    key_two_ran = threading.Event()

    @shared_cache(maxsize=4)
    def compute(x):
        if x == 1:
            return key_two_ran.wait(timeout=5)
        key_two_ran.set()
        return True

    first = threading.Thread(target=lambda: compute(1))
    first.start()
    assert compute(2) is True
    first.join(timeout=10)
    assert compute(1) is True  # key 1 saw key 2 run while it was computing


def test_lru_cache_manners_are_kept():
    @shared_cache(maxsize=2)
    def double(x, *, times=2):
        return x * times

    assert double(2) == 4
    assert double(2, times=3) == 6
    assert double.cache_info().currsize == 2
    double.cache_clear()
    assert double.cache_info().currsize == 0


def test_the_libraries_and_a_typed_function_are_made_once_for_a_class_arriving_together():
    """Forty sessions opening a fresh server each compiled the surface library: now one does."""
    for cached in (surfaces._default_library, lessons._default_library):
        cached.cache_clear()
        results = _together(6, cached)
        assert all(result is results[0] for result in results)
        assert cached.cache_info().misses == 1
    expression._compile_normalized.cache_clear()
    results = _together(6, lambda: expression.parse_function("sin(x) * y^2 + x*y"))
    assert expression._compile_normalized.cache_info().misses == 1
