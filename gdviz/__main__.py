"""Command line: ``python -m gdviz run ...``, ``python -m gdviz surfaces`` and ``... datasets``.

``run`` takes a function (``--function``), a library surface (``--surface``) or a data set
(``--dataset NAME|FILE.csv``, fitted by ``--model linear|logistic`` with ``--batch-size``,
``--epochs``, ``--scale``, ``--l1``, ``--l2``).

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
from typing import Any, NoReturn

from gdviz.datasets import BUILTIN_DATASETS, Dataset, get_dataset, read_csv, standardize
from gdviz.engine import MAX_STEPS, Differentiable, RunResult, run
from gdviz.expression import parse_function
from gdviz.lesson import DEFAULT_STEPS, TYPED_START, data_budget, typed_minima, typed_view
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.rates import plan_rates
from gdviz.regression import MODELS, MiniBatches, make_model, suggested_rate, suggested_view
from gdviz.schedules import parse_schedule
from gdviz.surfaces import Point, get_surface, load_library

CSV_COLUMNS = ("start_x", "start_y", "lr", "status", "nit", "x", "y", "f")

# Command-line flag → (torch hyperparameter name, optimizers that take it).
HYPERPARAMETER_FLAGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "momentum": ("momentum", ("momentum", "nesterov", "rmsprop")),
    "dampening": ("dampening", ("momentum",)),
    "weight_decay": (
        "weight_decay",
        ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"),
    ),
    "lr_decay": ("lr_decay", ("adagrad",)),
    "initial_accumulator_value": ("initial_accumulator_value", ("adagrad",)),
    "alpha": ("alpha", ("rmsprop",)),
    "centered": ("centered", ("rmsprop",)),
    "eps": ("eps", ("adagrad", "rmsprop", "adam", "adamw")),
    "amsgrad": ("amsgrad", ("adam", "adamw")),
}


class UsageError(Exception):
    """A problem with what was typed: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _positive(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {text!r}")
    return value


def _point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected X,Y such as 1.5,-2 — got {text!r}")
    return (_finite(parts[0]), _finite(parts[1]))


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {text!r}")
    return value


def _budget(text: str) -> int:
    """A step budget: a whole number from 0 to the engine's MAX_STEPS."""
    value = _count(text)
    if value > MAX_STEPS:
        raise argparse.ArgumentTypeError(f"at most {MAX_STEPS:,} steps, got {text}")
    return value


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
    source = runner.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--function", metavar="TEXT", help="a function of x and y, e.g. 'x^2 + 10y^2'"
    )
    source.add_argument(
        "--surface", metavar="NAME", help="a surface of the library (see: surfaces)"
    )
    source.add_argument(
        "--dataset",
        metavar="NAME|FILE.csv",
        help="fit a model to a built-in data set (see: datasets) or a CSV file: columns x,y "
        "(linear) or x1,x2,class (logistic); the landscape is the loss over its two parameters",
    )
    runner.add_argument("--optimizer", choices=list(OPTIMIZERS), default="gd")
    runner.add_argument("--lr", type=_positive, action="append", metavar="RATE")
    runner.add_argument("--start", type=_point, action="append", metavar="X,Y")
    runner.add_argument(
        "--steps", type=_budget, metavar="N", help=f"largest number of updates (≤ {MAX_STEPS:,})"
    )
    hyper = runner.add_argument_group("hyperparameters (torch.optim names)")
    hyper.add_argument("--momentum", type=_non_negative)
    hyper.add_argument("--dampening", type=_non_negative)
    hyper.add_argument("--nesterov", action="store_true", help="SGD with Nesterov momentum")
    hyper.add_argument("--weight-decay", type=_non_negative)
    hyper.add_argument("--lr-decay", type=_non_negative)
    hyper.add_argument("--initial-accumulator-value", type=_non_negative)
    hyper.add_argument("--alpha", type=_non_negative)
    hyper.add_argument("--centered", action="store_true")
    hyper.add_argument("--beta1", type=_non_negative)
    hyper.add_argument("--beta2", type=_non_negative)
    hyper.add_argument("--eps", type=_positive)
    hyper.add_argument("--amsgrad", action="store_true")
    rules = runner.add_argument_group("stopping rules (0 turns a rule off)")
    rules.add_argument("--gtol", type=_non_negative, default=1e-6)
    rules.add_argument("--xtol", type=_non_negative, default=1e-12)
    rules.add_argument("--ftol", type=_non_negative, default=0.0)
    extras = runner.add_argument_group("schedule, clipping and noise")
    extras.add_argument(
        "--schedule", metavar="SPEC", help="e.g. 'cosine(t_max=500)', 'exp(gamma=0.99)'"
    )
    extras.add_argument("--clip-norm", type=_positive)
    extras.add_argument("--clip-value", type=_positive)
    extras.add_argument("--noise", type=_non_negative, default=0.0, help="gradient noise std")
    extras.add_argument("--seed", type=int, default=0)
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
    return parser


def _optimizer_from(args: argparse.Namespace) -> Any:
    name = args.optimizer
    if args.nesterov:
        if name not in ("gd", "momentum", "nesterov"):
            raise UsageError(f"--nesterov applies to SGD (gd, momentum, nesterov), not {name}")
        name = "nesterov"
    hyperparameters: dict[str, Any] = {}
    for flag, (key, takers) in HYPERPARAMETER_FLAGS.items():
        value = getattr(args, flag)
        if value is None or value is False:
            continue
        if name not in takers:
            raise UsageError(f"--{flag.replace('_', '-')} does not apply to {name}")
        hyperparameters[key] = value
    if args.beta1 is not None or args.beta2 is not None:
        if name not in ("adam", "adamw"):
            raise UsageError(f"--beta1/--beta2 apply to adam and adamw, not {name}")
        defaults = make_optimizer(name).hyperparameters["betas"]
        hyperparameters["betas"] = (
            args.beta1 if args.beta1 is not None else defaults[0],
            args.beta2 if args.beta2 is not None else defaults[1],
        )
    try:
        return make_optimizer(name, **hyperparameters)
    except ValueError as error:
        raise UsageError(str(error)) from None


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
    batches = None
    objective: Differentiable
    minima: tuple[Point, ...]
    optimizer = _optimizer_from(args)
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
        if args.surface is not None:
            surface = get_surface(args.surface)
            objective, view, minima = surface.objective, surface.view, surface.minima
            starts = args.start or [surface.starts[0]]
            budget = surface.steps
            suggested = surface.rates.as_tuple() if optimizer.name == "gd" else ()
        else:
            function = parse_function(args.function)
            starts = args.start or [TYPED_START]
            view = typed_view(starts[0])
            objective, minima = function, typed_minima(function, view)
            budget, suggested = DEFAULT_STEPS, ()
        steps = args.steps if args.steps is not None else budget
        options = _run_options(args)
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
            **options,
        )
        lrs, steps = list(plan.rates), plan.steps
        if plan.note:
            print(f"gdviz: {plan.note}", file=sys.stderr)
    return run(
        objective,
        optimizer,
        starts,
        lrs,
        steps=steps,
        view=view,
        batches=batches,
        minima=minima,
        **_run_options(args),
    )


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The engine's keyword arguments that come straight from the flags."""
    return {
        "gtol": args.gtol,
        "xtol": args.xtol,
        "ftol": args.ftol,
        "schedule": parse_schedule(args.schedule) if args.schedule else None,
        "clip_norm": args.clip_norm,
        "clip_value": args.clip_value,
        "noise": args.noise,
        "seed": args.seed,
    }


def format_result(result: RunResult, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(result.to_dict(), allow_nan=False)
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
        print(format_result(execute(args), args.format))
        return 0
    except (UsageError, ValueError) as error:
        # ExpressionError, SurfaceError and bad schedules are ValueErrors with a readable message.
        message = " ".join(str(error).split())
        print(f"gdviz: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
