"""The quick tour, run once per test session and shared: the tour tests (test_cli_lessons.py)
and every lesson's own tests (test_lessons_*.py, through lesson_contract) read the same runs.

Each lesson's quick mode runs twice in the whole suite: once in this process through
`glassnet tour`, and meanwhile once in a fresh `python -m glassnet tour` process with the same
seed (the same-seed check compares the two). Only the lessons the collected tests need run: all
of them when a tour test is collected, else those whose test_lessons_*.py is, so one lesson's
test file runs one lesson.

Both runs use one BLAS (and OpenMP) thread each: on a 2-core machine two processes with two
spinning BLAS threads apiece made the suite several times slower than one thread each.
"""

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from glassnet import cli, lessons
from glassnet.lessons.base import Check

ROOT = Path(__file__).resolve().parent.parent
TOUR_TESTS = "test_cli_lessons.py"


def lesson_of_test_file(path):
    """tests/test_lessons_gradient_descent.py -> 'gradient-descent' (None for other files)."""
    stem = Path(str(path)).stem
    if not stem.startswith("test_lessons_"):
        return None
    return stem.removeprefix("test_lessons_").replace("_", "-")


def pytest_collection_finish(session):
    """Note which lessons the selected tests read through the quick_tours fixture."""
    wanted = set()
    for item in session.items:
        if "quick_tours" not in getattr(item, "fixturenames", ()):
            continue
        if Path(str(item.fspath)).name == TOUR_TESTS:
            wanted.update(lessons.ORDER)
        elif lesson_of_test_file(item.fspath) in lessons.ORDER:
            wanted.add(lesson_of_test_file(item.fspath))
    session.config.stash[WANTED] = tuple(name for name in lessons.ORDER if name in wanted)


WANTED = pytest.StashKey[tuple]()
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Recorded:
    """One lesson's quick run as its metrics.json records it, read like a lessons.base.Result."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.record = json.loads((self.folder / "metrics.json").read_text())
        self.metrics = self.record["metrics"]
        self.checks = [Check(**check) for check in self.record["checks"]]
        self.timed = self.record["timed"]
        self.figures = self.record["figures"]
        self.texts = self.record.get("texts", {})
        self.cfg = types.SimpleNamespace(**self.record["config"])  # the knobs it ran with

    @property
    def passed(self):
        return all(check.passed for check in self.checks)


class QuickTours:
    """Two quick tours of the same lessons with seed 0: `here` ran in this process, `there` in a
    fresh one. code/output: exit codes (and the fresh process's output)."""

    def __init__(self, names, here, there):
        self.names, self.here, self.there = names, here, there
        other = subprocess.Popen(
            [sys.executable, "-m", "glassnet", "tour", "--quick", "--out", str(there),
             "--only", ",".join(names)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, **ONE_THREAD})
        with threadpool_limits(limits=1):
            self.code = cli.main(["tour", "--quick", "--out", str(here), "--only", ",".join(names)])
        self.other_output, _ = other.communicate(timeout=900)
        self.other_code = other.returncode

    def entry(self, name, folder=None):
        summary = json.loads(((folder or self.here) / "summary.json").read_text())
        return next(entry for entry in summary["lessons"] if entry["lesson"] == name)

    def result(self, name, again=False):
        """The lesson's run (from the fresh process with again=True); a lesson that raised
        fails the test with its traceback."""
        folder = self.there if again else self.here
        entry = self.entry(name, folder)
        if entry["error"]:
            pytest.fail(f"lesson {name} raised in the quick tour:\n{entry['error']}")
        return Recorded(folder / entry["folder"])


@pytest.fixture(scope="session")
def quick_tours(request, tmp_path_factory):
    names = request.config.stash.get(WANTED, ()) or lessons.ORDER
    if not names:
        pytest.skip("no lesson is built yet")
    return QuickTours(names, tmp_path_factory.mktemp("tour"), tmp_path_factory.mktemp("again"))
