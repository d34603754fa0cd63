"""The Python API shown in the README works as printed."""

import re
from pathlib import Path

import gdviz


def test_readme_api_example_runs():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"## Python API\s+```python\n(.*?)```", readme, re.S)
    assert block is not None
    exec(compile(block.group(1), "README.md", "exec"), {})


def test_public_names():
    for name in gdviz.__all__:
        assert hasattr(gdviz, name)
    result = gdviz.run(
        gdviz.parse_function("x^2 + 10y^2"),
        gdviz.make_optimizer("gd"),
        [(-1.5, 2.0)],
        [0.01, 0.09, 0.11],
    )
    assert [r.status for r in result] == ["max_steps", "converged", "diverged"]
