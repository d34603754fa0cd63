"""gdviz.ui.turns: the sessions' scripts run one at a time, in the order they asked."""

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gdviz.ui.turns import Turns, one_page_at_a_time

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _queue_up(line, count, inside):
    """``count`` threads that ask for ``line`` one after another (each asks once the one before
    is waiting) while the test holds it; each notes its number inside, with how many were in."""
    lock = threading.Lock()
    occupancy = [0]

    def take(i):
        with line:
            with lock:
                occupancy[0] += 1
                inside.append((i, occupancy[0]))
            time.sleep(0.002)  # long enough for an overlap to show, were there one
            with lock:
                occupancy[0] -= 1

    threads = []
    for i in range(count):
        thread = threading.Thread(target=take, args=(i,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while line.waiting < i + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
        assert line.waiting == i + 1, f"thread {i} did not get in line"
    return threads


def test_turns_are_taken_in_the_order_asked_and_one_at_a_time():
    line, inside = Turns(), []
    with line:
        threads = _queue_up(line, 12, inside)
        assert inside == []  # nobody runs while the turn is held
    for thread in threads:
        thread.join(timeout=10)
    assert [i for i, _ in inside] == list(range(12))
    assert {count for _, count in inside} == {1}
    assert line.waiting == 0


def test_a_turn_that_ends_in_an_exception_passes_the_turn_on():
    line = Turns()
    with pytest.raises(ZeroDivisionError), line:
        1 / 0  # noqa: B018
    took = threading.Event()

    def take():
        with line:
            took.set()

    thread = threading.Thread(target=take)
    thread.start()
    assert took.wait(timeout=5), "the line stayed taken after an exception"
    thread.join(timeout=5)


def test_a_page_that_waited_past_its_patience_runs_beside_the_line():
    """A turn never given back (a script that never ends) holds nobody for longer than the
    patience; who ran beside the line hands nothing on, and the line goes on in order."""
    line, order = Turns(patience=0.3), []

    def take(what):
        with line:
            order.append(what)

    with line:  # a turn not given back while the first one waits
        started = time.monotonic()
        beside = threading.Thread(target=take, args=("beside the line",))
        beside.start()
        beside.join(timeout=5)
        assert order == ["beside the line"]
        assert time.monotonic() - started >= 0.3
        assert line.waiting == 0  # it left the line, and its end handed nothing on
        waiter = threading.Thread(target=take, args=("in turn",))
        waiter.start()
        deadline = time.monotonic() + 5
        while line.waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert order == ["beside the line"]  # the turn is still held here
    waiter.join(timeout=5)
    assert order == ["beside the line", "in turn"]
    started = time.monotonic()
    with line:  # the waiter was handed the turn and gave it back: the line is free
        assert time.monotonic() - started < 0.2


def test_the_app_runs_its_script_in_its_turn():
    """While another session's script has the turn, a page waits; then it is drawn whole."""
    app = AppTest.from_file(APP, default_timeout=60)
    done = threading.Event()
    with one_page_at_a_time:
        thread = threading.Thread(target=lambda: (app.run(), done.set()))
        thread.start()
        deadline = time.monotonic() + 10
        while one_page_at_a_time.waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert one_page_at_a_time.waiting == 1, "the app's script did not wait for its turn"
        assert not done.is_set()
    thread.join(timeout=60)
    assert done.is_set()
    assert not app.exception
    assert app.get("plotly_chart"), "the page was not drawn after its turn"
