"""One check shared by the tests of runs made in two ways: every field of two results equal."""

from __future__ import annotations

import dataclasses

import numpy as np

from gdviz.engine import RunResult


def assert_same_runs(made: RunResult, direct: RunResult) -> None:
    """``made`` equals ``direct`` in every field, bit for bit (arrays by value and shape)."""
    for field in dataclasses.fields(RunResult):
        mine, theirs = getattr(made, field.name), getattr(direct, field.name)
        if isinstance(theirs, np.ndarray):
            assert isinstance(mine, np.ndarray), field.name
            assert mine.shape == theirs.shape, field.name
            assert mine.dtype == theirs.dtype, field.name
            assert np.array_equal(mine, theirs), field.name
        else:
            assert mine == theirs, field.name
