"""The Data tab: each run's iterates as a table, and the runs to download as CSV or JSON
(with their traces, if asked)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np
import streamlit as st

from gdviz.engine import MAX_TRACE_ENTRIES, Run, check_trace_entries
from gdviz.figures import Style, rate_text, verdict_label
from gdviz.lesson import Lesson
from gdviz.ui.screen import Screen
from gdviz.ui.traced import traced_runs

__all__ = ["data_tab", "runs_json"]


def _iterates_csv(lesson: Lesson) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "optimizer", "lr", "step", "x", "y", "f", "grad_norm"])
    index = 0
    for result in lesson.results:
        for r in result:
            for k in range(r.nit + 1):
                writer.writerow(
                    [
                        index,
                        result.optimizer,
                        r.lr,
                        k,
                        r.path[k, 0],
                        r.path[k, 1],
                        r.loss[k],
                        r.grad_norm[k],
                    ]
                )
            index += 1
    return buffer.getvalue()


def data_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    records = [r for result in lesson.results for r in result]
    labels = [
        f"{i + 1}: {lesson.labels[i] if lesson.labels else f'lr = {rate_text(r.lr)}'} — {verdict_label(r)}"
        for i, r in enumerate(records)
    ]
    choice = st.selectbox("Run", range(len(labels)), format_func=labels.__getitem__, key="data_run")
    chosen = records[int(choice)]
    st.dataframe(
        {
            "step": np.arange(chosen.nit + 1),
            lesson.landscape.axes[0]: chosen.path[:, 0],
            lesson.landscape.axes[1]: chosen.path[:, 1],
            "f": chosen.loss,
            "|∇f|": chosen.grad_norm,
        },
        height=320,
    )
    left, right = st.columns(2)
    # Callables: the files are made only when a button is clicked, not on every rerun.
    left.download_button(
        "Download iterates (CSV)",
        lambda: _iterates_csv(lesson),
        "gdviz-runs.csv",
        "text/csv",
        key="csv",
        on_click="ignore",  # a download changes nothing on the page: no rerun
    )
    updates = sum(r.nit for r in records)
    with_trace = False
    if updates <= MAX_TRACE_ENTRIES:
        with_trace = right.checkbox(
            "include the trace (gradient, optimizer state and step at every update)",
            key="json_trace",
            help="Each run's list of updates k = 1 … nit: the gradient the optimizer received, "
            "its state after the update under torch's names, and the step, as `--trace` "
            "writes them.",
        )
    else:
        right.caption(
            f"These runs take {updates:,} updates: a download holds the trace of at most "
            f"{MAX_TRACE_ENTRIES:,}."
        )
    right.download_button(
        "Download runs (JSON)",
        lambda: runs_json(traced_runs(lesson) if with_trace else records, trace=with_trace),
        "gdviz-runs.json",
        "application/json",
        key="json",
        on_click="ignore",  # a download changes nothing on the page: no rerun
    )


def runs_json(records: list[Run], *, trace: bool = False) -> str:
    """The runs as JSON (with ``trace``, each run's trace). A value that is not finite (f at a
    start outside the domain) is null: JSON has no NaN, and json.dumps(allow_nan=False) raised,
    so the button did nothing."""
    if trace:
        check_trace_entries(sum(r.nit for r in records))
    runs = [_finite(r.to_dict(include_trace=trace)) for r in records]
    return json.dumps({"runs": runs}, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
