"""What the command line's commands share: argument types that refuse bad input in one line,
the optimizer and its hyperparameters, the stopping rules, schedule, clipping and noise, and
the function a command runs on (a library surface or typed text)."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any, NoReturn

from gdviz.engine import MAX_STEPS, Differentiable, View
from gdviz.expression import parse_function
from gdviz.lesson import DEFAULT_STEPS, TYPED_START, typed_minima, typed_view
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.schedules import parse_schedule
from gdviz.surfaces import Point, get_surface

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


def optimizer_from(args: argparse.Namespace) -> Any:
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


def run_options(args: argparse.Namespace) -> dict[str, Any]:
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


def add_optimizer_arguments(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """--optimizer and its torch hyperparameters."""
    if required:
        parser.add_argument("--optimizer", choices=list(OPTIMIZERS), required=True)
    else:
        parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default="gd")
    hyper = parser.add_argument_group("hyperparameters (torch.optim names)")
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


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
    """The stopping rules, the schedule, clipping and gradient noise."""
    rules = parser.add_argument_group("stopping rules (0 turns a rule off)")
    rules.add_argument("--gtol", type=_non_negative, default=1e-6)
    rules.add_argument("--xtol", type=_non_negative, default=1e-12)
    rules.add_argument("--ftol", type=_non_negative, default=0.0)
    extras = parser.add_argument_group("schedule, clipping and noise")
    extras.add_argument(
        "--schedule", metavar="SPEC", help="e.g. 'cosine(t_max=500)', 'exp(gamma=0.99)'"
    )
    extras.add_argument("--clip-norm", type=_positive)
    extras.add_argument("--clip-value", type=_positive)
    extras.add_argument("--noise", type=_non_negative, default=0.0, help="gradient noise std")
    extras.add_argument("--seed", type=int, default=0)


def add_function_source(parser: argparse.ArgumentParser) -> argparse._MutuallyExclusiveGroup:
    """--function TEXT or --surface NAME (one of them required)."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--function", metavar="TEXT", help="a function of x and y, e.g. 'x^2 + 10y^2'"
    )
    source.add_argument(
        "--surface", metavar="NAME", help="a surface of the library (see: surfaces)"
    )
    return source


@dataclass(frozen=True)
class FunctionProblem:
    """A function to run on, as the app sets it up: its view, its minima (a surface's listed
    ones, else those found on the view), its first start, budget and suggested rates."""

    objective: Differentiable
    view: View
    minima: tuple[Point, ...]
    start: tuple[float, float]
    budget: int
    suggested: tuple[float, ...]


def function_problem(
    args: argparse.Namespace, optimizer_name: str, start: tuple[float, float] | None
) -> FunctionProblem:
    """The --surface or --function of ``args``; ``start`` overrides the default start."""
    if args.surface is not None:
        surface = get_surface(args.surface)
        suggested = surface.rates.as_tuple() if optimizer_name == "gd" else ()
        return FunctionProblem(
            surface.objective, surface.view, surface.minima, start or surface.starts[0],
            surface.steps, suggested,
        )  # fmt: skip
    function = parse_function(args.function)
    start = start or TYPED_START
    view = typed_view(start)
    return FunctionProblem(function, view, typed_minima(function, view), start, DEFAULT_STEPS, ())
