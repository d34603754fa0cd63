"""Optimizers as pure ``init``/``update`` pairs over float64 arrays shaped (runs, 2).

Each rule follows the algorithm box of PyTorch's ``torch.optim`` class of the same name — the
definition users mean when they say "Adam" or "RMSprop" — with torch's argument names and
defaults. As in optax, an optimizer is two pure functions held in a small record:

* ``init(params) -> state``: the state is a NamedTuple of per-run arrays (runs on the first
  axis, so the engine can drop finished runs by indexing them) and plain numbers shared by
  all runs, such as the step count (runs always step together);
* ``update(grads, state, params, lr, hessian=None) -> (delta, state)``: the engine adds
  ``delta`` to the parameters. ``lr`` holds each run's rate for this step, shape (runs,),
  so slow, good and diverging rates (and a schedule) step together.

Nothing is mutated: every update returns new arrays. Hyperparameters are fixed when the
optimizer is built and carried in the state (as optax's ``inject_hyperparams`` does). Each
number is either one float for every run or a per-run array of shape (runs,), kept as a
column (runs, 1) that broadcasts against the (runs, 2) parameters and is dropped with a
finished run like any other per-run state; so one engine call can step a whole rate ×
hyperparameter grid (the phase map). A float takes exactly the arithmetic it always did; a
run given value v in an array takes the same steps, bit for bit, as the float v.

Where others differ from torch: optax and Keras put RMSprop's ε inside the square root
(torch adds it outside); Keras' RMSprop starts its accumulator at 0 like torch but optax's
Adagrad starts at 0.1; TensorFlow's Adam applies ε to the un-corrected denominator ("ε hat").

The package, one idea a module (callers import every name from ``gdviz.optimizers`` itself):
:mod:`~gdviz.optimizers.base` the :class:`Optimizer` record and what a hyperparameter is (a
number or one per run: checked, shown as given, computed with bit for bit);
:mod:`~gdviz.optimizers.sgd` plain, heavy-ball and Nesterov SGD;
:mod:`~gdviz.optimizers.adaptive` Adagrad, RMSprop, Adam and AdamW;
:mod:`~gdviz.optimizers.newton` Newton's method. Here: :data:`OPTIMIZERS` and
:func:`make_optimizer`, every optimizer by its name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# ``X as X``: the state records and the hyperparameter types are importable from here as
# before, and outside ``__all__`` as before.
from gdviz.optimizers.adaptive import AdagradState as AdagradState
from gdviz.optimizers.adaptive import AdamState as AdamState
from gdviz.optimizers.adaptive import RMSpropState as RMSpropState
from gdviz.optimizers.adaptive import adagrad, adam, adamw, rmsprop
from gdviz.optimizers.base import Hyperparameter as Hyperparameter
from gdviz.optimizers.base import Optimizer
from gdviz.optimizers.base import PerRun as PerRun
from gdviz.optimizers.newton import NewtonState as NewtonState
from gdviz.optimizers.newton import newton
from gdviz.optimizers.sgd import GDState as GDState
from gdviz.optimizers.sgd import MomentumState as MomentumState
from gdviz.optimizers.sgd import gd, momentum, nesterov

__all__ = [
    "OPTIMIZERS",
    "Optimizer",
    "adagrad",
    "adam",
    "adamw",
    "gd",
    "make_optimizer",
    "momentum",
    "nesterov",
    "newton",
    "rmsprop",
]


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
    "newton": newton,
}
"""Every optimizer by its short name, in the order the app lists them."""


def make_optimizer(name: str, **hyperparameters: Any) -> Optimizer:
    """Build an optimizer by name; unknown names and hyperparameters get a clear ValueError."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} — use one of: {', '.join(OPTIMIZERS)}")
    factory = OPTIMIZERS[name]
    accepted = tuple(factory.__kwdefaults__ or {})
    unknown = [key for key in hyperparameters if key not in accepted]
    if unknown:
        raise ValueError(
            f"{name} has no hyperparameter {unknown[0]!r} — it takes: {', '.join(accepted) or 'none'}"
        )
    return factory(**hyperparameters)
