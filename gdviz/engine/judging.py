"""How the stepping loop (:mod:`gdviz.engine.loop`) judges which runs ended: the updates taken
since the last judgement (``_Seen``), the rules tested over all of them at once (``_Rules``, in
the order of the table in :mod:`gdviz.engine`), and, for each run that ended, its verdict and
its end written at the update it ended on (``_settle`` into ``_Ends``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from gdviz.engine.results import (
    _FTOL,
    _GTOL,
    _LEFT_VIEW,
    _LOSS_GROWTH,
    _NONFINITE,
    _UNDEFINED,
    _XTOL,
)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a_i · b_i for every row of two (R, 2) arrays, as a_x b_x + a_y b_y (the same numbers as
    einsum's row-wise sum, at a third of its cost on two columns: a hot path, a few per step)."""
    return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]


class _Seen:
    """The points, f, squared norms and steps of the updates taken since the last judgement:
    row 0 is where the rows stood before them, row j after the j-th (``span`` of them)."""

    def __init__(
        self, span: int, point: np.ndarray, loss: np.ndarray, squared_norm: np.ndarray
    ) -> None:
        self.span = span
        rows = len(point)
        self.point = np.empty((span + 1, rows, 2))
        self.loss = np.empty((span + 1, rows))
        self.squared_norm = np.empty((span + 1, rows))
        self.delta = np.empty((span, rows, 2))
        self.point[0], self.loss[0], self.squared_norm[0] = point, loss, squared_norm

    def add(
        self,
        j: int,
        point: np.ndarray,
        loss: np.ndarray,
        squared_norm: np.ndarray,
        delta: np.ndarray,
    ) -> None:
        self.point[j], self.loss[j], self.squared_norm[j] = point, loss, squared_norm
        self.delta[j - 1] = delta

    def around(
        self, at: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Before and after update ``at[i]`` (0-based within the span) of row ``rows[i]``:
        x, f and the squared norm before, after, and the step."""
        return (
            self.point[at, rows], self.loss[at, rows], self.squared_norm[at, rows],
            self.point[at + 1, rows], self.loss[at + 1, rows], self.squared_norm[at + 1, rows],
            self.delta[at, rows],
        )  # fmt: skip


@dataclass(frozen=True)
class _Rules:
    """The tests that end a run, for the loop's rows (see the table in :mod:`gdviz.engine`)."""

    growth_limit: np.ndarray
    low: np.ndarray
    high: np.ndarray
    gtol_squared: float
    xtol_squared: float
    ftol: float
    exact: np.ndarray  # rows that keep xtol and ftol (not on mini-batches)
    mixed: bool  # some rows on mini-batches, some not

    def take(self, keep: np.ndarray) -> _Rules:
        return dataclasses.replace(
            self, growth_limit=self.growth_limit[keep], exact=self.exact[keep]
        )

    def step_rule(self, factors: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The xtol² in force for ``rows`` at updates whose schedule factors are ``factors``:
        none where the rate has decayed to zero (zero steps are not convergence), nor on
        mini-batches (a tiny step on one batch says nothing of the next)."""
        return np.where((factors > 0) & self.exact[rows], self.xtol_squared, 0.0)

    def ended(self, seen: _Seen, factors: np.ndarray) -> np.ndarray:
        """Whether each row ended at each update of ``seen`` (span × rows), by any rule."""
        point, loss, squared_norm = seen.point[1:], seen.loss[1:], seen.squared_norm[1:]
        x, y = point[..., 0], point[..., 1]
        finished = ~np.isfinite(loss + squared_norm + x + y)
        finished |= np.abs(loss) > self.growth_limit
        outside = (point < self.low) | (point > self.high)  # out of the box, on either axis
        finished |= outside[..., 0] | outside[..., 1]
        if self.gtol_squared:
            finished |= squared_norm < self.gtol_squared
        exact = self.exact if self.mixed else True
        if self.xtol_squared and self.exact.any():
            step_rule = np.where(factors > 0, self.xtol_squared, 0.0)[:, None]
            delta = seen.delta
            small_step = delta[..., 0] * delta[..., 0] + delta[..., 1] * delta[..., 1] < step_rule
            finished |= small_step & exact
        if self.ftol and self.exact.any():
            before = seen.loss[:-1]
            flat = np.abs(loss - before) <= self.ftol * np.maximum(
                np.maximum(np.abs(loss), np.abs(before)), 1.0
            )
            finished |= flat & exact
        return finished


class _Ends(NamedTuple):
    """Each run's final point, f and squared gradient norm, written as runs end."""

    x: np.ndarray  # (R, 2)
    fun: np.ndarray  # (R,)
    squared_norm: np.ndarray  # (R,)


def _settle(
    runs: np.ndarray,
    k: np.ndarray,
    point: np.ndarray,
    loss: np.ndarray,
    squared_norm: np.ndarray,
    new_point: np.ndarray,
    new_loss: np.ndarray,
    new_squared_norm: np.ndarray,
    delta: np.ndarray,
    growth_limit: np.ndarray,
    box: tuple[np.ndarray, np.ndarray],
    tolerances: tuple[float, float | np.ndarray],
    ends: _Ends,
    history: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    rule: np.ndarray,
    nit: np.ndarray,
    diverged_at: np.ndarray,
) -> None:
    """Write the verdict and the end of the runs numbered ``runs``, run i ended at update
    ``k[i]``, all at once (the first rule that holds wins, in the order of the table in
    :mod:`gdviz.engine`); x, f and the squared norm before the update are ``point``, ``loss``,
    ``squared_norm``."""
    low, high = box
    gtol_squared, xtol_squared = tolerances
    finite_point = np.isfinite(new_point).all(axis=1)
    defined = finite_point & np.isfinite(new_loss) & np.isfinite(new_squared_norm)
    blown = ~finite_point | np.isinf(new_loss) | np.isinf(new_squared_norm)
    # A run whose step left the finite numbers ends at its last point where all was finite.
    ends.x[runs] = np.where(defined[:, None], new_point, point)
    ends.fun[runs] = np.where(defined, new_loss, loss)
    ends.squared_norm[runs] = np.where(defined, new_squared_norm, squared_norm)
    if history is not None and not defined.all():
        lost, before = runs[~defined], ~defined
        history[0][k[before], lost], history[1][k[before], lost] = point[before], loss[before]
        history[2][k[before], lost] = squared_norm[before]
    nit[runs] = np.where(defined, k, k - 1)
    kept_rule = np.select(
        [
            np.abs(new_loss) > growth_limit,
            ((new_point < low) | (new_point > high)).any(axis=1),
            new_squared_norm < gtol_squared,
            _dot(delta, delta) < xtol_squared,
        ],
        [_LOSS_GROWTH, _LEFT_VIEW, _GTOL, _XTOL],
        default=_FTOL,
    )
    codes = np.where(defined, kept_rule, np.where(blown, _NONFINITE, _UNDEFINED))
    rule[runs] = codes
    diverged_at[runs[codes >= _NONFINITE]] = k[codes >= _NONFINITE]
