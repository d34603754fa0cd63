"""The package declares what it needs (issue 17, item 5): installing gdviz with pip brings
numpy, sympy, plotly and streamlit, in ranges that hold the app's own pins, and carries the
surface library and the lessons with it."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(
        re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line).groups()  # type: ignore[union-attr]
        for line in lines
        if line and not line.startswith("-r")
    )


def test_the_runtime_dependencies_are_the_apps_and_hold_its_pins():
    declared = {
        Requirement(text).name: Requirement(text) for text in PYPROJECT["project"]["dependencies"]
    }
    pins = _pins(ROOT / "requirements.txt")
    assert set(declared) == set(pins)
    for name, version in pins.items():
        assert declared[name].specifier.contains(version), (
            f"{name}=={version} outside {declared[name]}"
        )


def test_the_test_extra_holds_the_dev_pins():
    extra = {
        Requirement(text).name: Requirement(text)
        for text in PYPROJECT["project"]["optional-dependencies"]["test"]
    }
    for name, version in _pins(ROOT / "requirements-dev.txt").items():
        assert name in extra, name
        assert extra[name].specifier.contains(version), f"{name}=={version} outside {extra[name]}"


def test_the_package_carries_every_surface_and_every_subpackage():
    setuptools = PYPROJECT["tool"]["setuptools"]
    for package, folder in (("gdviz.library", "surfaces"), ("gdviz.lesson_files", "lessons")):
        assert setuptools["package-dir"][package] == folder
        assert setuptools["package-data"][package] == ["*.toml"]
    subpackages = {f"gdviz.{p.parent.name}" for p in (ROOT / "gdviz").glob("*/__init__.py")}
    assert subpackages | {"gdviz", "gdviz.library", "gdviz.lesson_files"} == set(
        setuptools["packages"]
    )


def test_charts_are_serialised_by_orjson():
    """Streamlit writes every chart's spec with ``plotly.io.to_json``, which takes orjson when it
    can import it (the "auto" engine) and Python's json, about 4x slower, when not: the app pins
    it so a fresh install serialises as fast as the benchmarks measured."""
    import orjson  # noqa: F401  (fails if the pin did not install it)
    import plotly.graph_objects as go
    import plotly.io as pio

    assert pio.json.config.default_engine == "auto"
    figure = go.Figure(go.Scatter(x=[0.1, float("nan")], y=[1, 2]))
    assert pio.to_json(figure, validate=False) == pio.to_json(
        figure, validate=False, engine="orjson"
    )
