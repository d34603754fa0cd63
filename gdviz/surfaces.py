"""The surface library: one TOML file per classic surface in ``surfaces/``.

A teacher adds a surface by dropping a file; its stem is the key used in links and on the
command line (``surfaces/rosenbrock.toml`` → ``--surface rosenbrock``). The schema::

    name = "Rosenbrock"                        # display name
    expression = "(1-x)^2 + 100(y-x^2)^2"      # the syntax users type
    teaches = \"\"\"Two or three sentences for a student.\"\"\"
    order = 100                                 # optional: place in the list (default 1000, then by name)
    view = { x = [-2.0, 2.0], y = [-1.0, 3.0] } # the window drawn
    starts = [[-1.5, 2.0], [0.0, -0.5]]         # suggested starts; the first is the lesson's
    steps = 2000                                # optional step budget of the lesson (default 500)
    rates = { slow = 1e-4, good = 1e-3, diverging = 4e-3 }   # plain GD from starts[0]

    [[minima]]                                  # zero or more
    x = 1.0
    y = 1.0
    f = 0.0
    kind = "global"                             # "global" or "local"

    [[saddles]]                                 # optional
    x = 0.0
    y = 0.0
    f = 0.0

Rules the loader enforces: every field above except ``order``, ``steps``, ``minima`` and
``saddles`` is required and unknown fields are refused by name; ``view`` is ordered
(min < max); every start, minimum and saddle lies inside the view; the listed ``f`` matches
the expression there (to 1e-6); ``0 < slow < good < diverging``; ``steps`` is a whole number
from 1 to 20000; the expression parses with :func:`gdviz.expression.parse_function`.
``minima`` may be empty (a surface with no minimum, such as a saddle).

Teaching order: surfaces are listed by ``order`` (default 1000, so a new file comes last), then
by display name. The library counts in tens so a teacher can slot a file in between: convex
quadratics first (round bowl 10 … Matyas 50), then the places where the gradient misleads
(non-smooth bowl, saddles, plateau), curved valleys (Rosenbrock, Beale), several minima (two
basins … Goldstein–Price) and finally many minima (Rastrigin, Ackley 180).

The rates promise, under plain gradient descent x ← x − lr·∇f(x) from ``starts[0]`` with at
most ``steps`` updates and the engine's verdicts (diverged: non-finite, |f| > 1e6·max(|f₀|, 1)
or more than 10 view half-widths from the view's centre; converged: ‖∇f‖ < 1e-6 or a step
shorter than 1e-12; otherwise max_steps):

* ``slow`` — max_steps, with the loss still falling over the last steps (too slow);
* ``good`` — converged within the budget, at a listed minimum;
* ``diverging`` — diverged, usually within a few steps, just past the stability bound
  2/λ_max(H) where the loss is a smooth bowl.

A surface without a minimum (``minima`` empty: the saddles) cannot converge, so there
``slow`` is max_steps still descending near the saddle, ``good`` escapes the saddle (diverged
by leaving the view, after more than 10 steps) and ``diverging`` diverges within 10 steps.
Its ``teaches`` says so.

A malformed file gives a :class:`SurfaceError` naming the file and the field; the rest of the
library still loads.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdviz.expression import ExpressionError, Objective, parse_function
from gdviz.memo import shared_cache

__all__ = [
    "DEFAULT_DIRECTORY",
    "Library",
    "Point",
    "Rates",
    "Surface",
    "SurfaceError",
    "get_surface",
    "load_library",
    "load_surface",
]


def data_directory(folder: str, installed: str) -> Path:
    """The repository's data ``folder`` beside the package (surfaces/, lessons/), or in an
    installed gdviz its copy ``gdviz/<installed>`` (see pyproject's package-dir)."""
    repository = Path(__file__).resolve().parent.parent / folder
    return repository if repository.is_dir() else Path(__file__).resolve().parent / installed


DEFAULT_DIRECTORY = data_directory("surfaces", "library")
DEFAULT_STEPS = 500
MAX_FILE_BYTES = 64_000

_FIELDS = {
    "name",
    "expression",
    "teaches",
    "order",
    "view",
    "starts",
    "steps",
    "rates",
    "minima",
    "saddles",
}
_REQUIRED = ("name", "expression", "teaches", "view", "starts", "rates")


class SurfaceError(ValueError):
    """A surface file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Point:
    """A marked point of a surface: a minimum ("global"/"local") or a saddle ("saddle")."""

    x: float
    y: float
    f: float
    kind: str = ""


@dataclass(frozen=True)
class Rates:
    """Plain-GD learning rates from the first start: too slow, good, and diverging."""

    slow: float
    good: float
    diverging: float

    def as_tuple(self) -> tuple[float, float, float]:
        """(slow, good, diverging)."""
        return (self.slow, self.good, self.diverging)


@dataclass(frozen=True)
class Surface:
    """One classic surface, as read from ``surfaces/<key>.toml``."""

    key: str
    name: str
    expression: str
    teaches: str
    view: tuple[tuple[float, float], tuple[float, float]]
    starts: tuple[tuple[float, float], ...]
    rates: Rates
    steps: int
    minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    order: int = 1000

    @property
    def objective(self) -> Objective:
        """f, ∇f and H compiled (cached by the expression module)."""
        return parse_function(self.expression)

    @property
    def global_minimum(self) -> Point | None:
        """The lowest listed minimum, if any."""
        return min(self.minima, key=lambda p: p.f, default=None)


@dataclass(frozen=True)
class Library:
    """The surfaces that loaded, by key in teaching order, and the files that did not."""

    surfaces: dict[str, Surface]
    errors: tuple[SurfaceError, ...] = ()


class _Reader:
    """Field access with errors that name the file and the field."""

    def __init__(self, path: Path) -> None:
        self.label = f"surfaces/{path.name}" if path.parent == DEFAULT_DIRECTORY else str(path)

    def fail(self, field: str, message: str) -> SurfaceError:
        return SurfaceError(f"{self.label}: field '{field}': {message}")

    def number(self, value: Any, field: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(field, f"expected a finite number, got {value!r}")
        return float(value)

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"expected non-empty text, got {value!r}")
        return " ".join(value.split())

    def pair(self, value: Any, field: str, shape: str = "[x, y]") -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(field, f"expected two numbers {shape}, got {value!r}")
        return (self.number(value[0], field), self.number(value[1], field))

    def table(
        self, value: Any, field: str, keys: set[str], required: tuple[str, ...]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, f"expected a table with {', '.join(required)}, got {value!r}")
        for key in value:
            if key not in keys:
                raise self.fail(f"{field}.{key}", f"unknown field — use {', '.join(sorted(keys))}")
        for key in required:
            if key not in value:
                raise self.fail(f"{field}.{key}", "missing")
        return value


def load_surface(path: str | Path) -> Surface:
    """Read and check one surface file; raise :class:`SurfaceError` naming file and field."""
    path = Path(path)
    reader = _Reader(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise reader.fail("(file)", f"larger than {MAX_FILE_BYTES} bytes")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise reader.fail("(file)", f"not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise reader.fail("(file)", f"cannot be read: {error}") from None

    for key in data:
        if key not in _FIELDS:
            raise reader.fail(key, f"unknown field — use {', '.join(sorted(_FIELDS))}")
    for key in _REQUIRED:
        if key not in data:
            raise reader.fail(key, "missing")

    name = reader.text(data["name"], "name")
    teaches = reader.text(data["teaches"], "teaches")
    expression = reader.text(data["expression"], "expression")
    try:
        objective = parse_function(expression)
    except ExpressionError as error:
        raise reader.fail("expression", str(error)) from None

    view_table = reader.table(data["view"], "view", {"x", "y"}, ("x", "y"))
    view = []
    for axis in ("x", "y"):
        expected = "[min, max] with min < max"
        low, high = reader.pair(view_table[axis], f"view.{axis}", expected)
        if not low < high:
            raise reader.fail(
                f"view.{axis}", f"expected [min, max] with min < max, got {view_table[axis]!r}"
            )
        view.append((low, high))
    (x_low, x_high), (y_low, y_high) = view

    def inside(point: tuple[float, float], field: str) -> tuple[float, float]:
        if not (x_low <= point[0] <= x_high and y_low <= point[1] <= y_high):
            raise reader.fail(field, f"the point {list(point)} lies outside the view")
        return point

    if not isinstance(data["starts"], list) or not data["starts"]:
        raise reader.fail("starts", "expected a list of one or more [x, y] points")
    starts = tuple(
        inside(reader.pair(s, f"starts[{i}]"), f"starts[{i}]") for i, s in enumerate(data["starts"])
    )

    rate_table = reader.table(
        data["rates"], "rates", {"slow", "good", "diverging"}, ("slow", "good", "diverging")
    )
    slow, good, diverging = (
        reader.number(rate_table[k], f"rates.{k}") for k in ("slow", "good", "diverging")
    )
    if not 0 < slow < good < diverging:
        raise reader.fail(
            "rates", f"expected 0 < slow < good < diverging, got {slow:g}, {good:g}, {diverging:g}"
        )

    steps = data.get("steps", DEFAULT_STEPS)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 20_000:
        raise reader.fail("steps", f"expected a whole number from 1 to 20000, got {steps!r}")
    order = data.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        raise reader.fail("order", f"expected a whole number, got {order!r}")

    def points(field: str, kinds: tuple[str, ...]) -> tuple[Point, ...]:
        entries = data.get(field, [])
        if not isinstance(entries, list):
            raise reader.fail(field, "expected a list of [[...]] tables")
        found = []
        for i, entry in enumerate(entries):
            label = f"{field}[{i}]"
            keys = {"x", "y", "f", "kind"} if field == "minima" else {"x", "y", "f"}
            table = reader.table(entry, label, keys, ("x", "y", "f"))
            x, y = inside(
                (reader.number(table["x"], f"{label}.x"), reader.number(table["y"], f"{label}.y")),
                label,
            )
            f = reader.number(table["f"], f"{label}.f")
            kind = table.get("kind", kinds[0])
            if kind not in kinds:
                raise reader.fail(
                    f"{label}.kind", f"expected one of {', '.join(kinds)}, got {kind!r}"
                )
            actual = float(objective.value(x, y))
            if not math.isclose(actual, f, rel_tol=1e-6, abs_tol=1e-6):
                raise reader.fail(f"{label}.f", f"f({x:g}, {y:g}) is {actual:.10g}, not {f:.10g}")
            found.append(Point(x, y, f, kind))
        return tuple(found)

    return Surface(
        key=path.stem,
        name=name,
        expression=expression,
        teaches=teaches,
        view=(view[0], view[1]),
        starts=starts,
        rates=Rates(slow, good, diverging),
        steps=steps,
        minima=points("minima", ("global", "local")),
        saddles=points("saddles", ("saddle",)),
        order=order,
    )


def _load_directory(directory: Path) -> Library:
    surfaces: list[Surface] = []
    errors: list[SurfaceError] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            surfaces.append(load_surface(path))
        except SurfaceError as error:
            errors.append(error)
    surfaces.sort(key=lambda s: (s.order, s.name.lower()))
    return Library({s.key: s for s in surfaces}, tuple(errors))


@shared_cache(maxsize=1)
def _default_library() -> Library:
    return _load_directory(DEFAULT_DIRECTORY)


def load_library(directory: str | Path | None = None) -> Library:
    """Every surface of a directory (default: the project's ``surfaces/``, loaded once)."""
    if directory is None:
        return _default_library()
    return _load_directory(Path(directory))


def get_surface(key: str) -> Surface:
    """A surface of the default library by key; unknown keys list the available ones."""
    library = load_library()
    if key not in library.surfaces:
        raise SurfaceError(f"no surface {key!r} — available: {', '.join(library.surfaces)}")
    return library.surfaces[key]
