"""The words on a figure: a run's verdict, its rate as a teacher writes it, a panel title."""

from __future__ import annotations

import numpy as np

from gdviz.engine import Run

_STATIONARY_LABELS = {
    "saddle": "stopped at a saddle point ⚠",
    "maximum": "stopped at a maximum ⚠",
    "flat": "stalled on a flat region ⚠",
    "slope": "stuck on a slope: steps too short ⚠",
}
"""Converged by a rule, but not at a minimum: never a tick."""


def end_kind(run: Run) -> str:
    """The key of style._ENDS: a converged run that did not reach a minimum is "stationary"."""
    if run.status == "converged" and not run.success:
        return "stationary"
    return run.status


def verdict_label(run: Run) -> str:
    """A few words for a panel title: 'converged in 42 steps ✓', 'global minimum in 42 steps ✓',
    'stopped at a saddle point ⚠', 'diverged at step 9 ✗', … (a data lesson's runs count
    updates, as their messages do)."""
    unit = "step" if run.epochs is None else "update"
    count = f"{run.nit} {unit}{'' if run.nit == 1 else 's'}"
    if run.status == "converged":
        if run.stop in ("global minimum", "local minimum"):
            return f"{run.stop} in {count} ✓"
        return _STATIONARY_LABELS.get(run.stop, f"converged in {count} ✓")
    if run.status == "diverged":
        if run.rule == "undefined" and not np.isfinite(run.loss[0]):
            return "start outside the domain ✗"  # f or ∇f undefined there: no step was taken
        at = run.nit + (1 if run.rule in ("nonfinite", "undefined") else 0)
        return f"diverged at step {at} ✗"
    what = {
        "descending": "too slow: still descending",
        "oscillating": "oscillating, not settling",
        "stalled": "stalled",
        "noisy": "hovering: noisy batches",
        "noise": "hovering: gradient noise",
    }
    return what.get(run.diagnosis, f"stopped after {count}")


def rate_text(lr: float) -> str:
    """'0.0019', '1e-6', '30000': a learning rate as a teacher would write it."""
    text = f"{lr:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}" if not 1 <= lr < 1e5 else f"{lr:.0f}"
    return text


def panel_title(run: Run, label: str | None = None) -> str:
    """'lr = 0.001<br>converged in 42 steps ✓' (or the optimizer's name as the label)."""
    return f"<b>{label or f'lr = {rate_text(run.lr)}'}</b><br>{verdict_label(run)}"


def _two_line_verdict(title: str) -> str:
    """A panel title with its verdict (the part after the first <br>) on two lines: after its
    colon or comma ("too slow:<br>still descending"), else at the space nearest its middle
    ("converged in<br>213 steps ✓"). Verdicts of a word or two stay on one line."""
    label, _, verdict = title.partition("<br>")
    if len(verdict) <= 12:
        return title
    for mark in (": ", ", "):
        if mark in verdict:
            verdict = verdict.replace(mark, mark.strip() + "<br>", 1)
            return f"{label}<br>{verdict}"
    spaces = [i for i, character in enumerate(verdict) if character == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(2 * i - len(verdict)))
        verdict = f"{verdict[:cut]}<br>{verdict[cut + 1 :]}"
    return f"{label}<br>{verdict}"
