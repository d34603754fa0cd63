"""Mini-batches of a model's data: where the engine takes each update's gradient from.

:class:`MiniBatches` supplies the gradients of batch, mini-batch and stochastic descent: each
update averages ∇ℓᵢ over b examples, drawn without replacement within each epoch (PyTorch's
``DataLoader(shuffle=True, drop_last=False)``); :class:`BatchesPerRun` gives each run of one
engine call batches of its own size (a data lesson's three panels in one call). Both follow
the engine's ``BatchGradients`` protocol; the models' ``examples_gradient`` does the
arithmetic, or ``errors_gradient`` from the errors of the engine's full pass at the same
points (:class:`FullPass`, where the model's pass computes them: the logistic model's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.engine.inputs import value_and_gradient_at
from gdviz.regression import _Model

__all__ = ["BatchesPerRun", "FullPass", "MiniBatches"]

Sampler = Callable[[np.ndarray, int, np.ndarray], np.ndarray]
"""``gradient(theta, k, runs)``: the gradients of update k for the runs numbered ``runs``."""

Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""f and ∇f at the rows of an (R, 2) array of points: the engine's full pass."""


@dataclass(frozen=True)
class MiniBatches:
    """The gradients of batch, mini-batch and stochastic descent for the engine.

    ``batch_size`` b examples per update (b ≥ m means every example: batch descent, which the
    engine then takes from the full-data gradient). Within each epoch the examples are visited
    in a fresh random order, without replacement, b at a time; the last batch of an epoch is
    shorter when b does not divide m (as PyTorch's DataLoader with drop_last=False). Run r
    draws its orders from ``np.random.default_rng([seed, r])``, so a run's batches do not
    depend on the other runs, and the same seed gives the same path.
    """

    model: _Model
    batch_size: int
    seed: int = 0

    def __post_init__(self) -> None:
        if int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"the batch size must be a whole number ≥ 1, got {self.batch_size}")

    @property
    def size(self) -> int:
        """The batch size in use, at most m."""
        return min(int(self.batch_size), self.model.dataset.size)

    @property
    def full(self) -> bool:
        """Whether every update sees the whole data set (batch descent)."""
        return self.size >= self.model.dataset.size

    @property
    def steps_per_epoch(self) -> int:
        """Updates per pass over the data: ⌈m / b⌉."""
        return -(-self.model.dataset.size // self.size)

    def epochs(self, updates: int) -> float:
        """How many passes over the data ``updates`` updates make."""
        whole, part = divmod(updates, self.steps_per_epoch)
        return whole + part * self.size / self.model.dataset.size

    def full_runs(self, n_runs: int) -> np.ndarray:
        """Which of ``n_runs`` runs see every example at each update: all of them or none."""
        return np.full(n_runs, self.full)

    def run_epochs(self, nit: np.ndarray) -> np.ndarray:
        """Each run's passes over the data after ``nit[r]`` updates."""
        return np.array([self.epochs(int(n)) for n in nit])

    def start(self, n_runs: int) -> Sampler:
        """A fresh sampler for one engine call: ``gradient(theta, k, runs)`` for update k ≥ 1
        of the runs numbered ``runs`` (their rows in ``theta``)."""
        return _from_examples(self._sampler(n_runs))

    def start_with_pass(self, objective: Any, n_runs: int) -> tuple[Evaluate, Sampler]:
        """The engine's full pass for one call and a sampler that takes each batch's gradient
        from the errors that pass computed at the same points (see :class:`FullPass`)."""
        return _from_pass(FullPass(objective, self.model), self._sampler(n_runs))

    def _sampler(self, n_runs: int) -> Callable[..., np.ndarray]:
        """``gradient(theta, k, runs, errors)``: from the batches' errors where given (the rows'
        errors over every example, from the full pass at theta), else from their examples."""
        model, epochs = self.model, _Epochs(self, n_runs)
        row_numbers = np.arange(n_runs)[:, None]  # to gather each row's errors

        def gradient(
            theta: np.ndarray, k: int, runs: np.ndarray, errors: np.ndarray | None
        ) -> np.ndarray:
            batch = epochs.batch(k)
            # No run has stopped: the rows are the runs, in order, and a slice is a view.
            rows = slice(None) if len(runs) == n_runs else runs
            features = epochs.features[rows, batch]
            if errors is None:
                return model.examples_gradient(theta, features, epochs.targets[rows, batch])
            examples = epochs.orders[rows, batch]
            chosen = errors[row_numbers[: len(examples)], examples]
            return model.errors_gradient(theta, chosen, features)

        return gradient

    def _run_sampler(self) -> Callable[..., np.ndarray]:
        """One run's ``gradient(theta, k, errors)``: θ its row, (1, 2), and ``errors`` its
        errors over every example, (m,), from the full pass at θ, or None; the gradient, (2,).
        The numbers of :meth:`_sampler` for one run, without its slicing for many runs (a
        data lesson's two sampled panels, once an update each: 16–19 → 12–16 µs for both)."""
        model, epochs = self.model, _Epochs(self, 1)

        def gradient(theta: np.ndarray, k: int, errors: np.ndarray | None) -> np.ndarray:
            batch = epochs.batch(k)
            if errors is None:
                features, targets = epochs.features[:, batch], epochs.targets[:, batch]
                return model.examples_gradient(theta, features, targets)[0]
            chosen = errors[epochs.orders[0, batch]]
            return model.errors_gradient(theta[0], chosen, epochs.features[0, batch])

        return gradient


class _Epochs:
    """The epochs of one engine call's runs drawing from one :class:`MiniBatches`: each run's
    order of the examples in the current epoch (run r's from ``default_rng([seed, r])``,
    drawn for every run, stopped or not, so each stream stays its own), and its examples
    gathered in that order once an epoch, so that an update's batch is a slice (indexing the
    data every update was a third of its cost)."""

    def __init__(self, sampler: MiniBatches, n_runs: int) -> None:
        self._data, self._size = sampler.model.dataset, sampler.size
        self._per_epoch = sampler.steps_per_epoch
        self._generators = [np.random.default_rng([sampler.seed, r]) for r in range(n_runs)]
        self.orders = np.empty((n_runs, self._data.size), dtype=np.intp)
        self.features = self.targets = np.empty(0)
        self._epoch = -1

    def batch(self, k: int) -> slice:
        """Where update k ≥ 1's batch lies in its epoch's order (the epoch drawn as k starts
        it)."""
        epoch, position = divmod(k - 1, self._per_epoch)
        if epoch != self._epoch:
            for r, generator in enumerate(self._generators):
                self.orders[r] = generator.permutation(self._data.size)
            self.features = self._data.features[self.orders]
            self.targets = self._data.targets[self.orders]
            self._epoch = epoch
        return slice(position * self._size, (position + 1) * self._size)


class FullPass:
    """The engine's full-data pass for one call, keeping the examples' errors of the points it
    last evaluated (``value_gradient_and_errors_rows``), so that a mini-batch at those points
    takes its gradient from them: a logistic model's pass computes σ(zᵢ) for every example,
    and a batch's gradient is then a gather and a product (a data lesson's two sampled runs
    took 28 µs an update for their gradients, 13 µs from the pass's errors). For a model
    whose pass has no errors (the linear model's closed form), or an objective that is not
    the batches' model, the plain pass (:func:`~gdviz.engine.value_and_gradient_at`) and no
    errors.

    The engine steps from the very array it evaluated last, so ``errors_at`` knows the points
    by identity; any other array (the rows left when runs ended and were dropped, or when some
    could not start) gets None, and its batches are computed from their examples.
    """

    def __init__(self, objective: Any, model: Any) -> None:
        rows = getattr(objective, "value_gradient_and_errors_rows", None)
        self._rows = rows if objective is model else None
        self._points: np.ndarray | None = None
        self._errors: np.ndarray | None = None
        self.evaluate = (
            self._evaluate if self._rows is not None else value_and_gradient_at(objective)
        )

    def _evaluate(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        assert self._rows is not None
        loss, gradient, self._errors = self._rows(points)
        self._points = points
        return loss, gradient

    def errors_at(self, theta: np.ndarray) -> np.ndarray | None:
        """The last pass's errors, (rows, m), if it was at ``theta`` itself; else None."""
        return self._errors if theta is self._points else None


@dataclass(frozen=True)
class BatchesPerRun:
    """Each run its own batches, in one engine call: a data lesson's batch, mini-batch and
    stochastic panels step together, sharing the engine's work per update and the full-data
    loss and gradient it records (three calls of one run took 2.4 times one call of three).

    Run r draws its batches as ``samplers[r]`` would in a call of its own (its stream is
    ``default_rng([seed, 0])``), so its path is the one such a call gives, up to the last bits
    of the full-data sums. A run whose sampler is ``full`` is batch descent: the engine gives it
    ∇f and batch descent's stopping rules (xtol and ftol), as in a call of its own.
    """

    samplers: tuple[MiniBatches, ...]

    def full_runs(self, n_runs: int) -> np.ndarray:
        if n_runs != len(self.samplers):
            raise ValueError(f"{len(self.samplers)} samplers for {n_runs} runs")
        return np.array([sampler.full for sampler in self.samplers])

    def run_epochs(self, nit: np.ndarray) -> np.ndarray:
        return np.array(
            [sampler.epochs(int(n)) for sampler, n in zip(self.samplers, nit, strict=True)]
        )

    def start(self, n_runs: int) -> Sampler:
        """``gradient(theta, k, runs)``: each run's from its own sampler, started for one run
        (zeros in the rows of batch descent, which the engine fills with ∇f)."""
        return _from_examples(self._sampler(n_runs))

    def start_with_pass(self, objective: Any, n_runs: int) -> tuple[Evaluate, Sampler]:
        """The engine's full pass for one call, and the sampler of :meth:`start` taking each
        batch's gradient from the errors of that pass at the same points (:class:`FullPass`).
        Every sampler draws from one model: the data lesson's."""
        model = self.samplers[0].model if self.samplers else None
        if any(sampler.model is not model for sampler in self.samplers):
            model = None
        return _from_pass(FullPass(objective, model), self._sampler(n_runs))

    def _sampler(self, n_runs: int) -> Callable[..., np.ndarray]:
        """``gradient(theta, k, runs, errors)``: each sampled row's from its own sampler, with
        its row of ``errors`` where given."""
        exact = self.full_runs(n_runs)
        own = [
            None if full else sampler._run_sampler()
            for sampler, full in zip(self.samplers, exact, strict=True)
        ]
        seen: list[int] = []  # the run numbers of the rows last asked for
        sampled_rows: list[tuple[int, Callable[..., np.ndarray]]] = []

        def gradient(
            theta: np.ndarray, k: int, runs: np.ndarray, errors: np.ndarray | None
        ) -> np.ndarray:
            nonlocal seen, sampled_rows
            numbers = runs.tolist()
            if numbers != seen:  # at the start, and when the engine dropped ended runs
                seen = numbers
                sampled_rows = [
                    (row, own[r]) for row, r in enumerate(numbers) if own[r] is not None
                ]
            gradients = np.zeros(theta.shape)
            for row, sampled in sampled_rows:
                row_errors = None if errors is None else errors[row]
                gradients[row] = sampled(theta[row : row + 1], k, row_errors)
            return gradients

        return gradient


def _from_examples(sample: Callable[..., np.ndarray]) -> Sampler:
    """A sampler whose batches' gradients are computed from their examples."""
    return lambda theta, k, runs: sample(theta, k, runs, None)


def _from_pass(full_pass: FullPass, sample: Callable[..., np.ndarray]) -> tuple[Evaluate, Sampler]:
    """The full pass, and a sampler taking the errors it computed at the points asked for."""
    return full_pass.evaluate, lambda theta, k, runs: sample(
        theta, k, runs, full_pass.errors_at(theta)
    )
