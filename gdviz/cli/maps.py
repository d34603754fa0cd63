"""The maps of many runs on the command line: ``sweep``, ``phase`` and ``basins``.

Each prints one row per run (``--format csv`` or ``json``) or a short summary (``text``):

* ``sweep``: ``lr,status,stopped_at,nit,x,y,f``, one rate per row;
* ``phase``: ``lr,param,status,stopped_at,nit,f``, one (rate, hyperparameter value) per row;
* ``basins``: ``start_x,start_y,status,stopped_at,minimum,nit,x,y,f``, one start per row
  (``minimum``: the number, from 1, of the listed minimum the run reached; empty for none).

``stopped_at`` is where a converged run stopped (global minimum, local minimum, minimum, saddle,
maximum, flat, slope), empty for the others — the engine's ``stop``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections import Counter
from typing import Any

import numpy as np

from gdviz.cli.common import (
    UsageError,
    _budget,
    _count,
    _finite,
    _point,
    _positive,
    add_function_source,
    add_optimizer_arguments,
    add_rule_arguments,
    function_problem,
    optimizer_from,
    run_options,
)
from gdviz.engine import FinalStates
from gdviz.maps import (
    MAX_GRID,
    MAX_RATES,
    OUTCOMES,
    PHASE_PARAMS,
    SWEEP_COUNT,
    SWEEP_RANGE,
    basin_map,
    phase_map,
    phase_values,
    rate_sweep,
)
from gdviz.rates import plan_rates

__all__ = ["add_map_commands", "execute_map"]


def _rate_count(text: str) -> int:
    value = _count(text)
    if not 2 <= value <= MAX_RATES:
        raise argparse.ArgumentTypeError(f"between 2 and {MAX_RATES} rates, got {text}")
    return value


def _grid(text: str) -> int:
    value = _count(text)
    if not 2 <= value <= MAX_GRID:
        raise argparse.ArgumentTypeError(f"between 2 and {MAX_GRID} points a side, got {text}")
    return value


def _values(text: str) -> tuple[float, float, int]:
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH,N such as 0,0.99,40 — got {text!r}")
    return _finite(parts[0]), _finite(parts[1]), _grid(parts[2])


def _add_common(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    add_function_source(parser)
    parser.add_argument(
        "--steps", type=_budget, metavar="N", help="updates per run (default: the surface's)"
    )
    add_rule_arguments(parser)
    parser.add_argument("--format", choices=formats, default=formats[0])


def _add_rates(parser: argparse.ArgumentParser, low: float, high: float, count: int) -> None:
    parser.add_argument("--from", dest="low", type=_positive, metavar="LR", help=f"default {low:g}")
    parser.add_argument("--to", dest="high", type=_positive, metavar="LR", help=f"default {high:g}")
    parser.add_argument("--count", type=_rate_count, default=count, help=f"default {count}")


def add_map_commands(commands: Any) -> None:
    """Add ``sweep``, ``phase`` and ``basins`` to the subcommands ``commands``."""
    sweep = commands.add_parser(
        "sweep",
        help="how a run from one start ends at each of many learning rates",
        description="Log-spaced rates from --from to --to, each run for the step budget. Without "
        "--from/--to the range 1e-6 to 1e3 narrows itself to where the outcomes change.",
    )
    sweep.add_argument("--start", type=_point, metavar="X,Y")
    add_optimizer_arguments(sweep)
    _add_rates(sweep, *SWEEP_RANGE, SWEEP_COUNT)
    _add_common(sweep, ("text", "csv", "json"))

    phase = commands.add_parser(
        "phase",
        help="how runs end over learning rate × one hyperparameter (momentum, beta1, alpha, …)",
        description="Every rate at every value of --param. For momentum on a quadratic, the text "
        "summary says on how many cells the runs agree with theory: heavy-ball momentum converges "
        "where lr < 2(1 + μ)/λ_max.",
    )
    phase.add_argument("--start", type=_point, metavar="X,Y")
    add_optimizer_arguments(phase, required=True)
    phase.add_argument("--param", required=True, choices=list(PHASE_PARAMS))
    phase.add_argument("--values", type=_values, metavar="LOW,HIGH,N")
    _add_rates(phase, 1e-4, 1.0, 60)
    _add_common(phase, ("text", "csv", "json"))

    basins = commands.add_parser(
        "basins",
        help="which minimum the run from each start of a grid over the view reaches",
        description="A --grid × --grid lattice of starts over the view, all at one rate (default: "
        "the good rate the app proposes from the first start).",
    )
    add_optimizer_arguments(basins)
    basins.add_argument("--lr", type=_positive, metavar="RATE")
    basins.add_argument("--grid", type=_grid, default=200, help="starts per axis (default 200)")
    _add_common(basins, ("text", "csv", "json"))


def execute_map(args: argparse.Namespace) -> str:
    """Run the map command of ``args``; its output as text."""
    optimizer = optimizer_from(args)
    if args.command == "phase" and (args.nesterov or _set_hyperparameter(args, args.param)):
        raise UsageError(f"--param {args.param} is the axis of the map: do not also set it")
    problem = function_problem(args, optimizer.name, getattr(args, "start", None))
    steps = args.steps if args.steps is not None else problem.budget
    options = {**run_options(args), "steps": steps, "view": problem.view, "minima": problem.minima}
    if args.command == "sweep":
        narrow = args.low is None and args.high is None
        low, high = args.low or SWEEP_RANGE[0], args.high or SWEEP_RANGE[1]
        swept = rate_sweep(
            problem.objective, optimizer, problem.start, low=low, high=high, count=args.count,
            narrow=narrow, **options,
        )  # fmt: skip
        header: tuple[str, ...] = ("lr", "status", "stopped_at", "nit", "x", "y", "f")
        rows = [_row(swept.states, i, ("lr", "status", "stop", "nit", "x", "y", "f"))
                for i in range(len(swept.states))]  # fmt: skip
        summary = _sweep_summary(swept, problem.start, steps)
        return _output(args.format, header, rows, summary, {"low": swept.low, "high": swept.high,
                       "narrowed": swept.narrowed, "bound": swept.bound})  # fmt: skip
    if args.command == "phase":
        values = args.values or phase_values(optimizer.name, args.param)
        mapped = phase_map(
            problem.objective, optimizer.name, problem.start, param=args.param, values=values,
            low=args.low or 1e-4, high=args.high or 1.0, count=args.count,
            hyperparameters=dict(optimizer.hyperparameters), **options,
        )  # fmt: skip
        header = ("lr", "param", "status", "stopped_at", "nit", "f")
        rows = [
            [repr(float(lr)), repr(float(value)), *_row(states, j, ("status", "stop", "nit", "f"))]
            for value, states in zip(mapped.values, mapped.states, strict=True)
            for j, lr in enumerate(mapped.lrs)
        ]
        summary = _counts_summary(
            f"phase map: {len(mapped.lrs)} rates × {len(mapped.values)} values of {args.param}",
            mapped.outcome.ravel(),
        )
        if mapped.theory is not None:
            agree = (mapped.theory == (mapped.outcome != "diverged")).mean()
            summary += (
                f"\ntheory (lr < 2(1 + μ)/λ_max) and measurement agree on {agree:.1%} of cells"
            )
        return _output(args.format, header, rows, summary, {"param": args.param})
    rate = args.lr or _good_rate(args, optimizer, problem, options)
    basins = basin_map(
        problem.objective, optimizer, rate, view=problem.view, grid=args.grid,
        minima=problem.minima, **{k: v for k, v in options.items() if k not in ("view", "minima")},
    )  # fmt: skip
    header = ("start_x", "start_y", "status", "stopped_at", "minimum", "nit", "x", "y", "f")
    rows = [_row(basins.states, i, ("start_x", "start_y", "status", "stop", "minimum", "nit",
                                   "x", "y", "f")) for i in range(len(basins.states))]  # fmt: skip
    lines = [
        f"basins at lr = {rate:g}: {args.grid} × {args.grid} starts over the view, up to {steps} steps"
    ]
    for index, point in enumerate(problem.minima):
        lines.append(
            f"  minimum {index + 1} at ({point.x:g}, {point.y:g}), f = {point.f:g}: "
            f"{basins.share(index):.1%} of starts"
        )
    summary = _counts_summary("\n".join(lines), basins.outcome.ravel())
    return _output(args.format, header, rows, summary, {"lr": rate})


def _set_hyperparameter(args: argparse.Namespace, param: str) -> bool:
    return getattr(args, param, None) not in (None, False)


def _good_rate(args: argparse.Namespace, optimizer: Any, problem: Any, options: dict) -> float:
    """The app's good rate from the problem's first start (its own door, plan_rates)."""
    plan = plan_rates(
        problem.objective, optimizer, problem.start,
        suggested=problem.suggested if args.steps is None else (),
        steps_fixed=args.steps is not None, **options,
    )  # fmt: skip
    return plan.good_rate


def _row(states: FinalStates, i: int, fields: tuple[str, ...]) -> list[Any]:
    values = {
        "lr": lambda: repr(float(states.lrs[i])),
        "start_x": lambda: repr(float(states.starts[i, 0])),
        "start_y": lambda: repr(float(states.starts[i, 1])),
        "status": lambda: str(states.status[i]),
        "stop": lambda: str(states.stop[i]),
        "minimum": lambda: "" if states.minimum[i] < 0 else int(states.minimum[i]) + 1,
        "nit": lambda: int(states.nit[i]),
        "x": lambda: _number(states.x[i, 0]),
        "y": lambda: _number(states.x[i, 1]),
        "f": lambda: _number(states.fun[i]),
    }
    return [values[name]() for name in fields]


def _number(value: float) -> str:
    """repr of a float; '' for NaN or infinity (CSV and JSON carry no such numbers)."""
    return repr(float(value)) if np.isfinite(value) else ""


def _sweep_summary(swept: Any, start: tuple[float, float], steps: int) -> str:
    range_text = f"{swept.low:.3g} to {swept.high:.3g}"
    if swept.narrowed:
        range_text += f" (narrowed from {SWEEP_RANGE[0]:g} to {SWEEP_RANGE[1]:g})"
    lines = [
        f"sweep of {len(swept.lrs)} rates, {range_text}, from ({start[0]:g}, {start[1]:g}), up to {steps} steps"
    ]
    fastest = swept.fastest()
    if fastest is not None:
        lines.append(
            f"fastest to a minimum: lr = {swept.lrs[fastest]:.3g} in {int(swept.states.nit[fastest])} steps"
        )
    if swept.bound is not None:
        lines.append(f"stability bound of plain GD at that minimum: 2/λ_max = {swept.bound:.4g}")
    return _counts_summary("\n".join(lines), swept.outcome)


def _counts_summary(head: str, outcome: np.ndarray) -> str:
    counts = Counter(str(word) for word in outcome)
    parts = [f"{word}: {counts[word]}" for word in OUTCOMES if counts[word]]
    return f"{head}\noutcomes — " + ", ".join(parts)


def _output(
    output_format: str,
    header: tuple[str, ...],
    rows: list[list[Any]],
    summary: str,
    extra: dict[str, Any],
) -> str:
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    if output_format == "json":
        records = [
            {name: (None if value == "" and name in ("x", "y", "f") else _json_value(value))
             for name, value in zip(header, row, strict=True)}
            for row in rows
        ]  # fmt: skip
        return json.dumps({**extra, "rows": records}, allow_nan=False)
    return summary


def _json_value(value: Any) -> Any:
    """CSV cells back to JSON values: numbers as numbers, '' (no minimum) as null."""
    if value == "":
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value
