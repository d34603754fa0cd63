"""Data sets for the data-backed landscapes: built-in ones generated with a seed, and CSV uploads.

A regression data set has one feature x and a target y (fit ``y ≈ w·x + b``); a classification
data set has two features x₁, x₂ and a label 0 or 1 (fit ``P(y = 1) = σ(w₁x₁ + w₂x₂)``). Either
way the model has two parameters, so its loss is a landscape over a plane.

Uploads are untrusted: :func:`read_csv` parses them with the standard ``csv`` module and
``float()`` only, within size limits, and refuses anything it cannot use with a
:class:`DataError` naming the row and column.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BUILTIN_DATASETS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ROWS",
    "DataError",
    "Dataset",
    "get_dataset",
    "read_csv",
    "standardize",
]

MAX_UPLOAD_BYTES = 2_000_000
"""Largest CSV upload (2 MB: about 50 000 rows of three numbers)."""

MAX_UPLOAD_ROWS = 20_000
"""Most examples in an upload (the app steps them thousands of times)."""

MIN_ROWS = 3


class DataError(ValueError):
    """A data set the app cannot use, with a message for the student."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Examples for a two-parameter model.

    ``features`` is (m, 1) for regression and (m, 2) for classification; ``targets`` is (m,),
    real for regression and 0.0/1.0 for classification. Compared by identity (it holds arrays).
    """

    name: str
    task: str  # "regression" or "classification"
    features: np.ndarray
    targets: np.ndarray
    description: str = ""
    feature_names: tuple[str, ...] = ("x",)
    target_name: str = "y"
    scaled: bool = False

    def __post_init__(self) -> None:
        for array in (self.features, self.targets):
            array.flags.writeable = False

    @property
    def size(self) -> int:
        """m, the number of examples."""
        return len(self.targets)

    @property
    def model(self) -> str:
        """The model this data set is for: "linear" or "logistic"."""
        return "linear" if self.task == "regression" else "logistic"


def _clean_line(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(0.0, 4.0, m)
    return x, 0.8 * x + 1.5


def _noisy_line(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(0.0, 4.0, m)
    return x, 0.8 * x + 1.5 + rng.normal(0.0, 0.6, m)


def _unscaled_feature(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(50.0, 15.0, m)
    return x, 0.04 * x + 1.0 + rng.normal(0.0, 0.3, m)


def _two_classes(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    labels = (np.arange(m) % 2).astype(np.float64)
    centres = np.where(labels[:, None] == 1.0, [1.0, 0.6], [-1.0, -0.6])
    features = centres + rng.normal(0.0, 1.0, (m, 2))
    order = rng.permutation(m)
    return features[order], labels[order]


_BUILTIN = {
    # name: (task, generator, description, feature names, target name)
    "clean_line": (
        "regression",
        _clean_line,
        "200 points exactly on y = 0.8x + 1.5: the least-squares fit has zero loss.",
        ("x",),
        "y",
    ),
    "noisy_line": (
        "regression",
        _noisy_line,
        "200 points near y = 0.8x + 1.5 with Gaussian noise (σ = 0.6): the best line still "
        "misses most points, so stochastic gradients disagree and SGD never settles exactly.",
        ("x",),
        "y",
    ),
    "unscaled_feature": (
        "regression",
        _unscaled_feature,
        "200 points with a feature of large mean and spread (x ≈ 50 ± 15, say a price in "
        "dollars): the loss is a narrow ravine in (w, b). Standardizing x makes it a round bowl.",
        ("x",),
        "y",
    ),
    "two_classes": (
        "classification",
        _two_classes,
        "200 points in two overlapping Gaussian clouds around (−1, −0.6) and (1, 0.6): "
        "logistic regression finds a boundary through the origin.",
        ("x₁", "x₂"),
        "class",
    ),
}

BUILTIN_DATASETS = tuple(_BUILTIN)
"""Names of the built-in data sets, in teaching order."""

DEFAULT_SIZE = 200


@functools.lru_cache(maxsize=32)
def get_dataset(name: str, *, seed: int = 0, size: int = DEFAULT_SIZE) -> Dataset:
    """A built-in data set, generated from ``seed`` (same seed, same data: the same object,
    so caches keyed by it hit)."""
    if name not in _BUILTIN:
        raise DataError(f"unknown data set {name!r}; choose one of {', '.join(BUILTIN_DATASETS)}")
    if size < MIN_ROWS:
        raise DataError(f"a data set needs at least {MIN_ROWS} examples, got {size}")
    task, generate, description, feature_names, target_name = _BUILTIN[name]
    features, targets = generate(np.random.default_rng(seed), size)
    return Dataset(
        name,
        task,
        np.asarray(features, dtype=np.float64).reshape(size, -1),
        np.asarray(targets, dtype=np.float64),
        description,
        feature_names,
        target_name,
    )


def _number(text: str, row: int, column: int) -> float:
    cell = text.strip()
    if not cell or cell.lower() in {"na", "nan", "null", "none", "?", "-"}:
        raise DataError(f"row {row}, column {column}: the value is missing")
    try:
        value = float(cell)
    except ValueError:
        shown = cell if len(cell) <= 20 else cell[:20] + "…"
        raise DataError(f"row {row}, column {column}: {shown!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"row {row}, column {column}: {cell!r} is not a finite number")
    if abs(value) > 1e12:
        raise DataError(f"row {row}, column {column}: {cell!r} is too large (over 10^12)")
    return value


def read_csv(content: bytes | str, name: str = "upload") -> Dataset:
    """Read an uploaded CSV: two numeric columns (x, y) or three (x₁, x₂, class).

    A first row that is not all numbers is taken as the header. The class column must hold
    exactly two distinct values; the smaller becomes 0 and the larger 1. Raises
    :class:`DataError` for a file too large, not text, ragged, with missing or non-numeric
    values, with a constant column, or with too few rows.
    """
    name = _label(name, MAX_LABEL) or "upload"
    if isinstance(content, bytes):
        if len(content) > MAX_UPLOAD_BYTES:
            raise DataError(
                f"the file is too large ({len(content) / 1e6:.1f} MB; at most "
                f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB)"
            )
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError("the file is not UTF-8 text: upload a .csv file") from None
    else:
        text = content
        if len(text) > MAX_UPLOAD_BYTES:
            raise DataError(f"the file is too large (at most {MAX_UPLOAD_BYTES / 1e6:.0f} MB)")
    if "\x00" in text:
        raise DataError("the file is not text (it holds NUL bytes): upload a .csv file")
    # Excel's "CSV (Macintosh)" ends lines with CR alone; the csv module wants them split.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(row)]
    except csv.Error as error:  # e.g. a cell over the csv module's 131,072-character limit
        raise DataError(f"the file is not a readable CSV ({error})") from None
    if not rows:
        raise DataError("the file is empty")
    width = len(rows[0])
    if width not in (2, 3):
        raise DataError(
            f"expected 2 columns (x, y) or 3 columns (x1, x2, class), found {width} in the first row"
        )
    header: list[str] | None = None
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        header = [_label(cell) or f"column {j + 1}" for j, cell in enumerate(rows[0])]
        rows = rows[1:]
    first_data_row = 2 if header else 1
    if len(rows) > MAX_UPLOAD_ROWS:
        raise DataError(f"too many rows ({len(rows)}; at most {MAX_UPLOAD_ROWS})")
    if len(rows) < MIN_ROWS:
        raise DataError(f"too few rows of data ({len(rows)}; at least {MIN_ROWS})")
    values = np.empty((len(rows), width))
    for i, row in enumerate(rows):
        line = i + first_data_row
        if len(row) != width:
            raise DataError(f"row {line} has {len(row)} columns, the first row has {width}")
        for j, cell in enumerate(row):
            values[i, j] = _number(cell, line, j + 1)
    names = header or (["x", "y"] if width == 2 else ["x1", "x2", "class"])
    for j in range(width):
        if np.ptp(values[:, j]) == 0:
            raise DataError(
                f"column {j + 1} ({names[j]}) is constant ({values[0, j]:g} in every row): "
                "it cannot be fitted"
            )
    if width == 2:
        return Dataset(
            name,
            "regression",
            values[:, :1].copy(),
            values[:, 1].copy(),
            f"Uploaded: {len(rows)} rows, {names[0]} → {names[1]}.",
            (names[0],),
            names[1],
        )
    classes = np.unique(values[:, 2])
    if len(classes) != 2:
        raise DataError(
            f"column 3 ({names[2]}) must hold two classes (such as 0 and 1), found "
            f"{len(classes)} distinct values"
        )
    return Dataset(
        name,
        "classification",
        values[:, :2].copy(),
        (values[:, 2] == classes[1]).astype(np.float64),
        f"Uploaded: {len(rows)} rows, classes {classes[0]:g} → 0 and {classes[1]:g} → 1.",
        (names[0], names[1]),
        names[2],
    )


MAX_LABEL = 60
"""Longest file name or column header kept from an upload (longer ones end in '…')."""


def _label(text: str, limit: int = MAX_LABEL) -> str:
    """An uploaded name or header fit to show: one line, at most ``limit`` characters, and no
    angle brackets (Plotly reads ``<a href=…>`` in titles and axis labels as markup)."""
    text = " ".join(text.split()).replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def standardize(dataset: Dataset) -> Dataset:
    """The data set with each feature rescaled to mean 0 and standard deviation 1.

    x' = (x − mean x) / std x, per feature (the targets are unchanged).
    """
    if dataset.scaled:
        return dataset
    mean = dataset.features.mean(axis=0)
    spread = dataset.features.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    names = tuple(f"{name} (standardized)" for name in dataset.feature_names)
    return Dataset(
        dataset.name,
        dataset.task,
        (dataset.features - mean) / spread,
        dataset.targets.copy(),
        dataset.description,
        names,
        dataset.target_name,
        scaled=True,
    )
