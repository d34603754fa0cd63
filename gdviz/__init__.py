"""gdviz: gradient descent on 2-D loss landscapes, step by step.

The public API, usable from a notebook::

    from gdviz import parse_function, get_surface, make_optimizer, run

    f = parse_function("x^2 + 10y^2")
    result = run(f, make_optimizer("gd"), starts=[(-1.5, 2.0)], lrs=[0.01, 0.09, 0.11])
    for r in result:
        print(r.lr, r.status, r.stop, r.message)  # stop: where a converged run stopped
"""

from gdviz.batches import MiniBatches
from gdviz.datasets import DataError, Dataset, get_dataset, read_csv, standardize
from gdviz.engine import FinalStates, Run, RunResult, final_states, run
from gdviz.expression import ExpressionError, Objective, parse_function
from gdviz.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from gdviz.rates import plan_rates, propose_rates, stability_bound
from gdviz.regression import make_model
from gdviz.schedules import Schedule, parse_schedule
from gdviz.stationary import KINDS, Scale, classify, find_minima
from gdviz.surfaces import Surface, SurfaceError, get_surface, load_library

__all__ = [
    "KINDS",
    "OPTIMIZERS",
    "DataError",
    "Dataset",
    "ExpressionError",
    "FinalStates",
    "MiniBatches",
    "Objective",
    "Optimizer",
    "Run",
    "RunResult",
    "Scale",
    "Schedule",
    "Surface",
    "SurfaceError",
    "classify",
    "final_states",
    "find_minima",
    "get_dataset",
    "get_surface",
    "load_library",
    "make_model",
    "make_optimizer",
    "parse_function",
    "parse_schedule",
    "plan_rates",
    "propose_rates",
    "read_csv",
    "run",
    "stability_bound",
    "standardize",
]
