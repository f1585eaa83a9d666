"""The README's Python examples run as written, and the training example's loss falls."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_python_examples():
    assert BLOCKS, "README.md has no ```python block"


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(source):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, str(README), "exec"), {"__name__": "__readme__"})  # noqa: S102
    losses = [float(value) for value in re.findall(r"loss\s+([0-9.]+)", printed.getvalue())]
    if len(losses) >= 2:  # a training example: its loss must visibly fall
        assert losses[-1] < 0.5 * losses[0], printed.getvalue()
