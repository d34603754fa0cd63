"""Command line: ``python -m gdviz run ...``, ``sweep``, ``phase``, ``basins``, ``surfaces``,
``datasets`` and ``lessons``.

``run`` takes a function (``--function``), a library surface (``--surface``) or a data set
(``--dataset NAME|FILE.csv``, fitted by ``--model linear|logistic`` with ``--batch-size``,
``--epochs``, ``--scale``, ``--l1``, ``--l2``). The maps of many runs (``sweep``, ``phase``,
``basins``) are in :mod:`gdviz.cli.maps`; what commands share, in :mod:`gdviz.cli.common`.

Bad input of any kind exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from gdviz.batches import MiniBatches
from gdviz.cli.common import (
    UsageError,
    _budget,
    _count,
    _non_negative,
    _Parser,
    _point,
    _positive,
    add_function_source,
    add_optimizer_arguments,
    add_rule_arguments,
    function_problem,
    optimizer_from,
    run_options,
)
from gdviz.cli.lessons import add_lessons_command, lessons_text
from gdviz.cli.maps import add_map_commands, execute_map
from gdviz.datasets import BUILTIN_DATASETS, Dataset, get_dataset, read_csv, standardize
from gdviz.engine import MAX_STEPS, MAX_TRACE_ENTRIES, Differentiable, RunResult, run
from gdviz.lesson import data_budget
from gdviz.rates import plan_rates
from gdviz.regression import MODELS, make_model, suggested_rate, suggested_view
from gdviz.surfaces import Point, load_library

CSV_COLUMNS = ("start_x", "start_y", "lr", "status", "nit", "x", "y", "f")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m gdviz", description="Gradient descent on 2-D functions.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("surfaces", help="list the surface library")
    commands.add_parser("datasets", help="list the built-in data sets")

    runner = commands.add_parser(
        "run",
        help="run an optimizer from one or more starts at one or more learning rates",
        description="One run per --start × --lr (starts outer). With --surface and no --start or "
        "--lr, the surface's suggested start and its slow, good and diverging rates are used.",
    )
    source = add_function_source(runner)
    source.add_argument(
        "--dataset",
        metavar="NAME|FILE.csv",
        help="fit a model to a built-in data set (see: datasets) or a CSV file: columns x,y "
        "(linear) or x1,x2,class (logistic); the landscape is the loss over its two parameters",
    )
    add_optimizer_arguments(runner)
    runner.add_argument("--lr", type=_positive, action="append", metavar="RATE")
    runner.add_argument("--start", type=_point, action="append", metavar="X,Y")
    runner.add_argument(
        "--steps", type=_budget, metavar="N", help=f"largest number of updates (≤ {MAX_STEPS:,})"
    )
    add_rule_arguments(runner)
    data = runner.add_argument_group("data sets (with --dataset)")
    data.add_argument("--model", choices=MODELS, help="default: what the data set is for")
    data.add_argument(
        "--batch-size",
        type=_count,
        metavar="B",
        help="examples per update: 1 is stochastic, 32 mini-batch; default all (batch)",
    )
    data.add_argument(
        "--epochs", type=_positive, metavar="E", help="budget in passes over the data"
    )
    data.add_argument("--scale", action="store_true", help="standardize the features")
    data.add_argument("--l1", type=_non_negative, default=0.0, help="lasso strength λ₁")
    data.add_argument("--l2", type=_non_negative, default=0.0, help="ridge strength λ₂")
    runner.add_argument("--format", choices=("text", "json", "csv"), default="text")
    runner.add_argument(
        "--trace",
        action="store_true",
        help="with --format json: add each run's gradient, optimizer state (torch's names) and "
        f"step at every update (at most {MAX_TRACE_ENTRIES:,} updates in all)",
    )
    add_map_commands(commands)
    add_lessons_command(commands)
    return parser


def _dataset_from(spec: str) -> Dataset:
    """A built-in name, or the path of a CSV file."""
    if spec in BUILTIN_DATASETS:
        return get_dataset(spec)
    path = Path(spec)
    if not path.is_file():
        raise UsageError(
            f"--dataset {spec!r} is neither a built-in data set ({', '.join(BUILTIN_DATASETS)}) "
            "nor a file"
        )
    try:
        content = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {spec}: {error.strerror}") from None
    return read_csv(content, path.name)


def _data_only_flags(args: argparse.Namespace) -> None:
    given = [
        flag
        for flag, value in (
            ("--model", args.model),
            ("--batch-size", args.batch_size),
            ("--epochs", args.epochs),
            ("--scale", args.scale),
            ("--l1", args.l1),
            ("--l2", args.l2),
        )
        if value
    ]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise UsageError(f"{', '.join(given)} {verb} to --dataset only")


def execute(args: argparse.Namespace) -> RunResult:
    """Run what the parsed command line asks for.

    Without ``--lr`` the rates come from :func:`gdviz.rates.plan_rates`, the app's own door:
    a surface's suggestion for plain GD from its first start, else a sweep from the first start
    (slow, good and diverging, for any optimizer); a data set's suggested rate.
    """
    if args.trace and args.format != "json":
        raise UsageError("--trace needs --format json (the trace is written as JSON only)")
    batches = None
    objective: Differentiable
    minima: tuple[Point, ...]
    optimizer = optimizer_from(args)
    if args.dataset is None:
        _data_only_flags(args)
    if args.dataset is not None:
        dataset = _dataset_from(args.dataset)
        if args.scale:
            dataset = standardize(dataset)
        objective = make_model(args.model or dataset.model, dataset, l1=args.l1, l2=args.l2)
        if args.batch_size == 0:
            raise UsageError("--batch-size must be at least 1")
        batches = MiniBatches(objective, args.batch_size or dataset.size, seed=args.seed)
        starts = args.start or [(0.0, 0.0)]
        lrs = args.lr or [suggested_rate(objective)]
        steps = (
            args.steps
            if args.steps is not None
            else data_budget(objective, lrs[0], starts[0], args.gtol)
        )
        if args.epochs is not None:
            steps = math.ceil(args.epochs * batches.steps_per_epoch)
            if steps > MAX_STEPS:
                raise UsageError(
                    f"--epochs {args.epochs:g} means {float(steps):.3g} updates of {batches.size} "
                    f"examples: at most {MAX_STEPS:,} updates"
                )
        view = suggested_view(objective, starts[0])
        minimum = objective.minimum
        minima = (
            ()
            if minimum is None
            else (Point(minimum[0], minimum[1], float(objective.value(*minimum)), "global"),)
        )
    else:
        problem = function_problem(args, optimizer.name, args.start[0] if args.start else None)
        objective, view, minima = problem.objective, problem.view, problem.minima
        starts = args.start or [problem.start]
        budget, suggested = problem.budget, problem.suggested
        steps = args.steps if args.steps is not None else budget
        options = run_options(args)
        plan = plan_rates(
            objective,
            optimizer,
            starts[0],
            given=args.lr or (),
            suggested=suggested if args.start is None and args.steps is None else (),
            steps=steps,
            steps_fixed=args.steps is not None,
            minima=minima,
            view=view,
            keep_runs=len(starts) == 1 and not args.trace,  # the sweep's own runs, as the app's
            **options,
        )
        lrs, steps = list(plan.rates), plan.steps
        if plan.note:
            print(f"gdviz: {plan.note}", file=sys.stderr)
        if plan.runs is not None:
            return plan.runs
    return run(
        objective,
        optimizer,
        starts,
        lrs,
        steps=steps,
        view=view,
        batches=batches,
        minima=minima,
        trace=args.trace,
        **run_options(args),
    )


def format_result(result: RunResult, output_format: str, *, trace: bool = False) -> str:
    """The runs as text, JSON (with ``trace``, each run's trace too) or CSV."""
    if output_format == "json":
        return json.dumps(result.to_dict(include_trace=trace), allow_nan=False)
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for i in range(len(result)):
            writer.writerow(
                [
                    repr(float(result.starts[i, 0])),
                    repr(float(result.starts[i, 1])),
                    repr(float(result.lrs[i])),
                    result.status[i],
                    int(result.nit[i]),
                    repr(float(result.x[i, 0])),
                    repr(float(result.x[i, 1])),
                    repr(float(result.fun[i])),
                ]
            )
        return buffer.getvalue().rstrip("\n")
    lines = []
    for r in result:
        lines.append(
            f"start ({r.start[0]:g}, {r.start[1]:g})  lr {r.lr:g}  {r.status:<9}  "
            f"{'at ' + r.stop if r.stop else '':<17}  "
            f"x = ({r.x[0]:.6g}, {r.x[1]:.6g})  f = {r.fun:.6g}  — {r.message}"
        )
    return "\n".join(lines)


def _list_datasets() -> str:
    rows = []
    for name in BUILTIN_DATASETS:
        dataset = get_dataset(name)
        rows.append(f"{name:<18} {dataset.model:<9} {dataset.size} examples  {dataset.description}")
    return "\n".join(rows)


def _list_surfaces() -> str:
    library = load_library()
    rows = [
        f"{key:<22} {surface.name:<28} {surface.expression}"
        for key, surface in library.surfaces.items()
    ]
    rows += [f"(skipped) {error}" for error in library.errors]
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "surfaces":
            print(_list_surfaces())
            return 0
        if args.command == "datasets":
            print(_list_datasets())
            return 0
        if args.command == "lessons":
            print(lessons_text(args))
            return 0
        if args.command in ("sweep", "phase", "basins"):
            print(execute_map(args))
            return 0
        print(format_result(execute(args), args.format, trace=args.trace))
        return 0
    except (UsageError, ValueError) as error:
        # ExpressionError, SurfaceError and bad schedules are ValueErrors with a readable message.
        message = " ".join(str(error).split())
        print(f"gdviz: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
