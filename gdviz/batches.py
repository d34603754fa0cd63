"""Mini-batches of a model's data: where the engine takes each update's gradient from.

:class:`MiniBatches` supplies the gradients of batch, mini-batch and stochastic descent: each
update averages ∇ℓᵢ over b examples, drawn without replacement within each epoch (PyTorch's
``DataLoader(shuffle=True, drop_last=False)``); :class:`BatchesPerRun` gives each run of one
engine call batches of its own size (a data lesson's three panels in one call). Both follow
the engine's ``BatchGradients`` protocol; the models' ``batch_gradient`` does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdviz.regression import _Model

__all__ = ["BatchesPerRun", "MiniBatches"]


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

    def start(self, n_runs: int) -> Callable[[np.ndarray, int, np.ndarray], np.ndarray]:
        """A fresh sampler for one engine call: ``gradient(theta, k, runs)`` for update k ≥ 1
        of the runs numbered ``runs`` (their rows in ``theta``)."""
        model = self.model
        m, b, per_epoch = model.dataset.size, self.size, self.steps_per_epoch
        generators = [np.random.default_rng([self.seed, r]) for r in range(n_runs)]
        orders = np.empty((n_runs, m), dtype=np.intp)
        current_epoch = -1
        features = targets = np.empty(0)

        def gradient(theta: np.ndarray, k: int, runs: np.ndarray) -> np.ndarray:
            nonlocal current_epoch, features, targets
            epoch, position = divmod(k - 1, per_epoch)
            if epoch != current_epoch:
                # Every run's order is drawn, stopped or not, so each stream stays its own.
                for r, generator in enumerate(generators):
                    orders[r] = generator.permutation(m)
                # Each run's examples in this epoch's order, gathered once: an update's batch
                # is then a slice (indexing the data every update was a third of its cost).
                features, targets = model.dataset.features[orders], model.dataset.targets[orders]
                current_epoch = epoch
            batch = slice(position * b, (position + 1) * b)
            if len(runs) == n_runs:  # no run has stopped: the rows are the runs, in order
                return model.examples_gradient(theta, features[:, batch], targets[:, batch])
            return model.examples_gradient(theta, features[runs, batch], targets[runs, batch])

        return gradient


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

    def start(self, n_runs: int) -> Callable[[np.ndarray, int, np.ndarray], np.ndarray]:
        """``gradient(theta, k, runs)``: each run's from its own sampler, started for one run
        (zeros in the rows of batch descent, which the engine fills with ∇f)."""
        exact = self.full_runs(n_runs)
        own = [
            None if full else sampler.start(1)
            for sampler, full in zip(self.samplers, exact, strict=True)
        ]
        first = np.zeros(1, dtype=np.intp)
        seen: list[int] = []  # the run numbers of the rows last asked for
        sampled_rows: list[tuple[int, Callable[..., np.ndarray]]] = []

        def gradient(theta: np.ndarray, k: int, runs: np.ndarray) -> np.ndarray:
            nonlocal seen, sampled_rows
            numbers = runs.tolist()
            if numbers != seen:  # at the start, and when the engine dropped ended runs
                seen = numbers
                sampled_rows = [
                    (row, own[r]) for row, r in enumerate(numbers) if own[r] is not None
                ]
            gradients = np.zeros(theta.shape)
            for row, sampled in sampled_rows:
                gradients[row] = sampled(theta[row : row + 1], k, first)[0]
            return gradients

        return gradient
