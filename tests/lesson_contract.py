"""What every lesson's tests ask of it (PRODUCT.md): a quick run with seed 0 passes every claim
check, writes metrics.json in the agreed schema beside its figures, and gives the same numbers
when run again with the same seed, leaving out only those read off a clock (``result.timed``).

A plain module, not a conftest: each tests/test_lessons_*.py imports it (pytest's default import
mode puts tests/ on sys.path) and keeps its lesson-specific assertions next to these calls.
"""

import json

import pytest

# PRODUCT.md's keys, and "timed" (base.Result): the names read off a clock
METRICS_KEYS = {"lesson", "quick", "seed", "seconds", "versions", "metrics", "checks", "figures",
                "timed"}
CHECK_KEYS = {"name", "value", "threshold", "op", "passed"}
OPS = (">=", "<=", "==")
SMALLEST_FIGURE_BYTES = 1000  # an empty or failed plot is smaller than any real one


def quick_run_fixture(lesson):
    """A module-scoped fixture giving (result, out, again) for the lesson: its quick run with seed
    0 in the session's shared quick tour (conftest.py), the folder it wrote, and the same run in
    a fresh process. `result` reads like a base.Result (checks, metrics, timed, figures, texts).
    """

    @pytest.fixture(scope="module")
    def quick_run(quick_tours):
        result = quick_tours.result(lesson.NAME)
        return result, result.folder, quick_tours.result(lesson.NAME, again=True)

    return quick_run


def assert_every_check_passed(result):
    failed = [(c.name, c.value, c.op, c.threshold) for c in result.checks if not c.passed]
    assert not failed, failed
    assert result.checks, "a lesson with no claim checks claims nothing"


def assert_claims_checked(result, claims):
    """Each claim (a phrase) appears in the name of one of the result's checks."""
    names = [check.name for check in result.checks]
    missing = [claim for claim in claims if not any(claim in name for name in names)]
    assert not missing, (missing, names)


def assert_metrics_json_and_figures(out, name, figure_stems, timed=()):
    """metrics.json in out follows PRODUCT.md's schema for lesson `name` run quick with seed 0,
    lists exactly the `timed` names, and every figure stem was saved as PNG and SVG, none of
    them trivially small. Returns the parsed metrics.json for further lesson-specific checks."""
    written = json.loads((out / "metrics.json").read_text())
    assert METRICS_KEYS <= set(written), METRICS_KEYS - set(written)
    assert written["lesson"] == name and written["quick"] is True and written["seed"] == 0
    assert isinstance(written["seconds"], float) and set(written["timed"]) == set(timed)
    assert all(set(check) >= CHECK_KEYS for check in written["checks"])
    assert all(check["op"] in OPS for check in written["checks"])
    assert all(isinstance(value, float) for value in written["metrics"].values())
    for stem in figure_stems:
        for suffix in (".png", ".svg"):
            assert stem + suffix in written["figures"]
    for figure in written["figures"]:
        assert (out / figure).stat().st_size > SMALLEST_FIGURE_BYTES, figure
    return written


def exact_numbers(result):
    """The result's metrics and (check name, value) pairs, leaving out those read off a clock:
    what the same seed must reproduce exactly."""
    timed = set(result.timed)
    metrics = {k: v for k, v in result.metrics.items() if k not in timed}
    return metrics, [(c.name, c.value) for c in result.checks if c.name not in timed]


def assert_same_seed_same_numbers(quick_run):
    """The lesson's quick run with seed 0, repeated in a fresh process, gave every number not
    read off a clock exactly as before. Returns the repeated run."""
    first, _, again = quick_run
    assert again.timed == first.timed
    assert exact_numbers(again) == exact_numbers(first)
    return again
