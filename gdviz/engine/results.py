"""What a run of the engine gives back: the stopping rules' names, statuses and messages (the
table in :mod:`gdviz.engine`, with the two factors it names), :class:`Trace`, :class:`Run`,
:class:`RunResult` and :class:`FinalStates`, and their JSON (non-finite numbers as ``None``,
at most MAX_TRACE_ENTRIES trace entries at once). Import these names from :mod:`gdviz.engine`.

The loop (:mod:`gdviz.engine.loop`) writes each run's rule as a small code, ``_RULES``' index;
this module names the codes and turns them into statuses and sentences.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gdviz.stationary import MINIMUM_KINDS

LOSS_GROWTH_FACTOR = 1e6
"""A run diverges once |f| exceeds this many times max(|f(start)|, 1)."""

VIEW_ESCAPE_FACTOR = 10.0
"""A run diverges once x is this many view half-widths away from the view's centre."""

MAX_TRACE_ENTRIES = 100_000
"""The most trace entries (updates, summed over the runs) written as JSON at once: about
25 MB (the command line's ``--trace``, the app's download)."""

_RULES = ("max_steps", "gtol", "xtol", "ftol", "nonfinite", "undefined", "loss_growth", "left_view")
"""The rules by their codes in the loop: 0 the budget, 1–3 converged, 4–7 diverged."""
_MAX_STEPS, _GTOL, _XTOL, _FTOL, _NONFINITE, _UNDEFINED, _LOSS_GROWTH, _LEFT_VIEW = range(8)
_RULE_NAMES = np.array(_RULES)
_STATUS_OF_RULE = np.array(["max_steps"] + ["converged"] * 3 + ["diverged"] * 4)


_REASONS: dict[str, str] = {
    "gtol": "the gradient norm fell below gtol = {gtol:g}",
    "xtol": "the step length fell below xtol = {xtol:g}",
    "ftol": "the loss changed by less than ftol = {ftol:g}",
}
"""Why a run stopped by a convergence rule; the message leads with where it stopped."""

_MESSAGES: dict[str, str] = {
    **{rule: "converged in {count}: " + reason for rule, reason in _REASONS.items()},
    "nonfinite": "diverged at step {at}: the loss or position overflowed to infinity or NaN",
    "undefined": "stopped at step {at}: the step left the function's domain (f or ∇f undefined there)",
    "loss_growth": "diverged at step {at}: the loss grew past {growth:g} × its start",
    "left_view": "diverged at step {at}: x flew more than {escape:g} half-widths outside the view",
    "max_steps": "stopped after {count} (the step budget): {diagnosis}",
}
_CANNOT_START = (
    "cannot start: f or ∇f is undefined at the start (outside the function's domain); "
    "no step was taken"
)
"""The ``undefined`` rule at step 0: the start itself, not a step, is outside the domain."""

_DIAGNOSES: dict[str, str] = {
    "descending": "still descending — the rate is too slow, or it needs more steps",
    "oscillating": "oscillating — the rate is too large for the curvature here, or the minimum is a kink",
    "noisy": "bouncing around — each update sees a different mini-batch, so the path jitters; a smaller or decaying rate lets it settle",
    "noise": "bouncing around — the gradient noise makes the path jitter, not the rate alone; a smaller or decaying rate lets it settle",
    "stalled": "stalled — the loss no longer changes though the gradient is not small (a plateau, or a rate decayed to zero?)",
}


@dataclass(frozen=True)
class Trace:
    """What the optimizer saw and did at every update (``run(..., trace=True)``).

    In a :class:`RunResult`, ``grad[i, k − 1]`` is update k of run i (k = 1 … T), shaped
    (R, T, 2); entries after a run's ``nit`` are 0. In a :class:`Run`, cut to its updates:
    (nit, 2). ``grad`` is g_k as the optimizer received it (after noise and clipping, before
    weight decay, which is the optimizer's own term); ``state`` its per-run state *after* the
    update under torch's names (``momentum_buffer``; ``exp_avg``, ``exp_avg_sq``,
    ``max_exp_avg_sq``; ``sum``; ``square_avg``, ``grad_avg``; none for gd and newton);
    ``step`` the Δθ the engine added, so path[k] = path[k − 1] + step[k − 1] exactly;
    ``lr`` the rate in force (after the schedule). ``raw_grad``, kept only when the gradient
    is clipped, is g_k before clipping (after noise).
    """

    grad: np.ndarray
    step: np.ndarray
    state: dict[str, np.ndarray]
    lr: np.ndarray
    raw_grad: np.ndarray | None = None

    def cut(self, i: int, nit: int) -> Trace:
        """Run i's first ``nit`` updates."""
        return self._taken((i, slice(None, nit)))

    def _taken(self, index: tuple[Any, ...]) -> Trace:
        """Every array indexed by ``index`` (runs, then updates)."""
        return Trace(
            grad=self.grad[index],
            step=self.step[index],
            state={name: value[index] for name, value in self.state.items()},
            lr=self.lr[index],
            raw_grad=None if self.raw_grad is None else self.raw_grad[index],
        )

    def entries(self) -> list[dict[str, Any]]:
        """One JSON-ready record per update of a run's trace: k, grad, state, step."""
        grads, steps = self.grad.tolist(), self.step.tolist()
        states = {name: value.tolist() for name, value in self.state.items()}
        return [
            {
                "k": k + 1,
                "grad": _json_numbers(grads[k]),
                "state": {name: _json_numbers(value[k]) for name, value in states.items()},
                "step": _json_numbers(steps[k]),
            }
            for k in range(len(grads))
        ]


def check_trace_entries(count: int) -> None:
    """Refuse writing ``count`` trace entries beyond MAX_TRACE_ENTRIES, saying why."""
    if count > MAX_TRACE_ENTRIES:
        raise ValueError(
            f"the trace would hold {count:,} updates: at most {MAX_TRACE_ENTRIES:,} are written "
            "at once (fewer steps or runs)"
        )


@dataclass(frozen=True)
class Run:
    """One run of a :class:`RunResult`, with its path cut at its last step (finite values only)."""

    start: tuple[float, float]
    lr: float
    status: str
    rule: str
    message: str
    diagnosis: str
    nit: int
    x: tuple[float, float]
    fun: float
    path: np.ndarray  # (nit + 1, 2)
    loss: np.ndarray  # (nit + 1,)
    grad_norm: np.ndarray  # (nit + 1,)
    epochs: float | None = None  # passes over the data (data-backed runs only)
    stop: str = ""  # where a converged run stopped (gdviz.stationary.KINDS); "" otherwise
    trace: Trace | None = None  # (nit, 2) arrays, from run(..., trace=True)

    @property
    def success(self) -> bool:
        """Converged *at a minimum* (a saddle, a flat region or a maximum is not success)."""
        return self.status == "converged" and self.stop in MINIMUM_KINDS

    def to_dict(self, *, include_path: bool = True, include_trace: bool = False) -> dict[str, Any]:
        """A JSON-ready record: plain floats and lists; non-finite numbers become ``None``.

        ``include_trace`` adds ``"trace"``: one ``{"k", "grad", "state", "step"}`` per update."""
        record: dict[str, Any] = {
            "start": _json_numbers(self.start),
            "lr": _json_number(self.lr),
            "status": self.status,
            "rule": self.rule,
            "stop": self.stop or None,
            "message": self.message,
            "nit": self.nit,
            "x": _json_numbers(self.x),
            "f": _json_number(self.fun),
        }
        if self.epochs is not None:
            record["epochs"] = _json_number(self.epochs)
        if include_path:
            record["path"] = [_json_numbers(point) for point in self.path.tolist()]
            record["loss"] = _json_numbers(self.loss.tolist())
        if include_trace:
            if self.trace is None:
                raise ValueError("this run was not traced: run(..., trace=True)")
            record["trace"] = self.trace.entries()
        return record


def _json_number(value: float) -> float | None:
    """``value``, or ``None`` where it is NaN or infinite (JSON has no such numbers)."""
    return float(value) if np.isfinite(value) else None


def _json_numbers(values: Sequence[float]) -> list[float | None]:
    return [_json_number(value) for value in values]


_PER_RUN = ("starts", "lrs", "status", "rule", "diagnosis", "nit", "diverged_at", "x", "fun")
"""The fields of a :class:`RunResult` that hold one entry per run, and nothing more."""

_RECORDS = ("paths", "losses", "grad_norms")
"""The fields of a :class:`RunResult` that hold every run's record, (R, T + 1, …)."""


@dataclass(frozen=True)
class RunResult:
    """Every run of one :func:`~gdviz.engine.run` call; arrays are indexed by run (starts outer,
    rates inner).

    ``paths[i, k]`` is x after k updates; ``losses`` and ``grad_norms`` likewise. Entries after
    a run's ``nit[i]`` repeat its last finite point, so every array is finite; use ``run(i)`` or
    iterate to get paths cut at each run's end. ``lr_factors[k]`` is the schedule's factor for
    update k + 1, so the rate in force at that update is ``lrs[i] * lr_factors[k]``. A schedule
    of the run (``plateau``) has a factor per run: ``run_factors[i, k]`` (1s in ``lr_factors``);
    ``factors(i)`` is run i's either way.
    """

    optimizer: str
    hyperparameters: dict[str, Any]
    starts: np.ndarray  # (R, 2)
    lrs: np.ndarray  # (R,)
    status: np.ndarray  # (R,) str
    rule: np.ndarray  # (R,) str
    diagnosis: np.ndarray  # (R,) str, "" for converged runs
    nit: np.ndarray  # (R,) int: updates kept in the path
    diverged_at: np.ndarray  # (R,) int: the update at which divergence was seen, -1 if none
    x: np.ndarray  # (R, 2) final point
    fun: np.ndarray  # (R,) final f
    paths: np.ndarray  # (R, T + 1, 2)
    losses: np.ndarray  # (R, T + 1)
    grad_norms: np.ndarray  # (R, T + 1)
    lr_factors: np.ndarray  # (T,)
    settings: dict[str, Any] = field(default_factory=dict)
    epochs: np.ndarray | None = None  # (R,) passes over the data, for data-backed runs
    stop: np.ndarray | None = None  # (R,) str: where each converged run stopped, "" otherwise
    where: tuple[str, ...] = ()  # (R,) what the message says about that place
    trace: Trace | None = None  # (R, T, 2) arrays, with trace=True
    run_factors: np.ndarray | None = None  # (R, T), for a schedule of the run (plateau)

    def __len__(self) -> int:
        return len(self.lrs)

    def factors(self, i: int) -> np.ndarray:
        """The schedule's factor at every update of run i, (T,): its rate is ``lrs[i]`` × it."""
        return self.lr_factors if self.run_factors is None else self.run_factors[i]

    @property
    def success(self) -> np.ndarray:
        """Converged at a minimum, per run."""
        if self.stop is None:
            return self.status == "converged"
        return (self.status == "converged") & np.isin(self.stop, list(MINIMUM_KINDS))

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(self.message(i) for i in range(len(self)))

    def message(self, i: int) -> str:
        """One line for a student on how run i ended."""
        nit = int(self.nit[i])
        count = f"{nit} step{'' if nit == 1 else 's'}"
        if self.epochs is not None:
            epochs = float(self.epochs[i])
            count = f"{nit} updates = {epochs:.4g} epoch{'' if epochs == 1 else 's'}"
        rule = str(self.rule[i])
        where = self.where[i] if self.where else ""
        if where and self.stop is not None and str(self.stop[i]) not in MINIMUM_KINDS:
            # Converged by the rule, but not at a minimum: lead with where it stopped.
            reason = _REASONS[rule].format(**self.settings)
            return f"{where} ({reason} after {count})"
        template = _MESSAGES[rule]
        if rule == "undefined" and int(self.diverged_at[i]) == 0:
            template = _CANNOT_START
        elif rule == "left_view" and self.epochs is not None:
            # A model's run moves its parameters, not a point called x.
            template = template.replace("x flew", "the parameters flew")
        message = template.format(
            count=count,
            at=int(self.diverged_at[i]),
            growth=LOSS_GROWTH_FACTOR,
            escape=VIEW_ESCAPE_FACTOR,
            diagnosis=_DIAGNOSES.get(str(self.diagnosis[i]), ""),
            **self.settings,
        )
        return f"{message}; {where}" if where else message

    def run(self, i: int) -> Run:
        end = int(self.nit[i]) + 1
        return Run(
            start=(float(self.starts[i, 0]), float(self.starts[i, 1])),
            lr=float(self.lrs[i]),
            status=str(self.status[i]),
            rule=str(self.rule[i]),
            message=self.message(i),
            diagnosis=str(self.diagnosis[i]),
            nit=int(self.nit[i]),
            x=(float(self.x[i, 0]), float(self.x[i, 1])),
            fun=float(self.fun[i]),
            path=self.paths[i, :end],
            loss=self.losses[i, :end],
            grad_norm=self.grad_norms[i, :end],
            epochs=None if self.epochs is None else float(self.epochs[i]),
            stop="" if self.stop is None else str(self.stop[i]),
            trace=None if self.trace is None else self.trace.cut(i, int(self.nit[i])),
        )

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self.run(i) for i in range(len(self)))

    def part(self, i: int) -> RunResult:
        """Run i as a result of its own, shaped as a call of that run alone gives it: its
        record ends at its last update (a call's record ends at its longest run's)."""
        one, end = slice(i, i + 1), int(self.nit[i]) + 1
        trace = None if self.trace is None else self.trace._taken((one, slice(None, end - 1)))
        return dataclasses.replace(
            self,
            **{name: getattr(self, name)[one] for name in _PER_RUN},
            **{name: getattr(self, name)[one, :end] for name in _RECORDS},
            epochs=None if self.epochs is None else self.epochs[one],
            stop=None if self.stop is None else self.stop[one],
            where=self.where[one],
            trace=trace,
            run_factors=None if self.run_factors is None else self.run_factors[one],
        )

    def holds_for(self, steps: int) -> bool:
        """Whether every run here is the run a call with budget ``steps`` makes: each ended
        (converged or diverged) within this call's budget, which a longer one does not change,
        or this call's budget is ``steps``."""
        budget = int(self.settings["steps"])
        return budget == steps or (budget < steps and not (self.status == "max_steps").any())

    def to_dict(self, *, include_paths: bool = True, include_trace: bool = False) -> dict[str, Any]:
        """``{"runs": [...]}``, JSON-ready (the command line's ``--format json``); with
        ``include_trace`` at most MAX_TRACE_ENTRIES updates in all, else a ValueError."""
        if include_trace:
            check_trace_entries(int(self.nit.sum()))
        return {
            "runs": [
                r.to_dict(include_path=include_paths, include_trace=include_trace) for r in self
            ]
        }


@dataclass(frozen=True)
class FinalStates:
    """How every run of :func:`~gdviz.engine.final_states` ended, without its path: the same
    verdicts as :func:`~gdviz.engine.run` (status, rule, diagnosis, stop, nit), which listed
    minimum it reached, the final point ``x``, ``fun`` and ``grad_norm``. Arrays are indexed by
    run, starts outer and rates inner, as in :class:`RunResult`."""

    optimizer: str
    starts: np.ndarray  # (R, 2)
    lrs: np.ndarray  # (R,)
    status: np.ndarray  # (R,) str
    rule: np.ndarray  # (R,) str
    diagnosis: np.ndarray  # (R,) str
    stop: np.ndarray  # (R,) str
    minimum: np.ndarray  # (R,) int: the index in ``minima`` of the minimum reached, -1 for none
    nit: np.ndarray  # (R,) int
    x: np.ndarray  # (R, 2)
    fun: np.ndarray  # (R,)
    grad_norm: np.ndarray  # (R,)
    steps: int

    def __len__(self) -> int:
        return len(self.lrs)

    @property
    def success(self) -> np.ndarray:
        """Converged at a minimum, per run."""
        return (self.status == "converged") & np.isin(self.stop, list(MINIMUM_KINDS))

    def part(self, runs: slice) -> FinalStates:
        """The runs ``runs`` alone (views of these arrays), e.g. one start's row of rates."""
        arrays: dict[str, Any] = {
            name.name: value[runs]
            for name in dataclasses.fields(self)
            if isinstance(value := getattr(self, name.name), np.ndarray)
        }
        return dataclasses.replace(self, **arrays)
