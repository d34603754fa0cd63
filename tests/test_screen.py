"""The browser's size report, read as untrusted data (gdviz/ui/screen.py)."""

import pytest

from gdviz.ui.screen import Screen, _screen


def test_a_report_gives_the_screen():
    assert _screen({"width": 1248, "height": 992, "top": 192}) == Screen(1248, 992, 192, True)
    assert _screen(None) == Screen()
    assert not Screen().reported


@pytest.mark.parametrize(
    "report",
    [
        "1248x992",
        [1248, 992, 192],
        {"width": "wide", "height": 992, "top": 0},
        {"width": 1e12, "height": 992, "top": 0},
        {"width": 100, "height": 992, "top": 0},
        {"width": 1248, "height": 992, "top": -5},
        {"width": None, "height": None, "top": None},
    ],
)
def test_a_malformed_report_gives_the_default_size_and_counts_as_an_answer(report):
    """A phone narrower than 320 px, or a garbled cookie, must not leave the page waiting."""
    assert _screen(report) == Screen(reported=True)
