"""Lesson 2 (digits): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed; without the cached data it stops with
the message naming the fetch command. Runs on real data need the digits16 cache (skipped
otherwise: tests never fetch)."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import DataUnavailable, sources
from glassnet.lessons import base, digits

METRICS_KEYS = {"lesson", "quick", "seed", "seconds", "versions", "metrics", "checks", "figures"}
CHECK_KEYS = {"name", "value", "threshold", "op", "passed"}
needs_digits = pytest.mark.skipif(sources.cache_status("digits16") != "cached",
                                  reason="digits16 not in the cache (glassnet data fetch digits16)")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    if sources.cache_status("digits16") != "cached":
        pytest.skip("digits16 not in the cache")
    out = tmp_path_factory.mktemp("digits")
    return base.run_lesson(digits, quick=True, seed=0, out=out), out


@needs_digits
def test_quick_run_passes_every_check(quick_run):
    result, _ = quick_run
    failed = [(c.name, c.value, c.op, c.threshold) for c in result.checks if not c.passed]
    assert not failed, failed
    thresholds = {c.name: c.threshold for c in result.checks}
    gray, binary = digits.THRESHOLDS[True]
    assert thresholds == {"MLP test accuracy, gray pixels": gray,
                          "MLP test accuracy, 0/1 pixels": binary}
    assert result.metrics["parameters"] == 256 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10


@needs_digits
def test_metrics_json_and_figures(quick_run):
    _, out = quick_run
    written = json.loads((out / "metrics.json").read_text())
    assert METRICS_KEYS <= set(written)
    assert written["lesson"] == "digits" and written["quick"] is True and written["seed"] == 0
    assert all(set(check) >= CHECK_KEYS for check in written["checks"])
    assert all(check["op"] in (">=", "<=", "==") for check in written["checks"])
    assert all(isinstance(value, float) for value in written["metrics"].values())
    for stem in ("digit_grid", "layers_light_up", "training_curve", "confusion_matrix"):
        for suffix in (".png", ".svg"):
            assert stem + suffix in written["figures"]
    for name in written["figures"]:
        assert (out / name).stat().st_size > 1000, name


@needs_digits
def test_same_seed_same_numbers(quick_run, tmp_path):
    first, _ = quick_run
    again = base.run_lesson(digits, quick=True, seed=0, out=tmp_path)
    assert again.metrics == first.metrics and not first.timed  # nothing here is read off a clock
    assert [c.value for c in again.checks] == [c.value for c in first.checks]


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch digits16"):
        base.run_lesson(digits, quick=True, out=tmp_path / "out")


def test_mlp_maps_a_16x16_image_to_ten_outputs():
    gn.manual_seed(0)
    model = digits.mlp((128, 64), dropout=0.2)
    logits = model(gn.zeros(3, 1, 16, 16))
    assert logits.shape == (3, 10)
    widths = [(m.in_features, m.out_features) for m in model.modules()
              if isinstance(m, gn.nn.Linear)]
    assert widths == [(256, 128), (128, 64), (64, 10)]


def test_confusion_matrix_counts_each_answer_once():
    labels = np.array([0, 1, 1, 2, 9])
    answers = np.array([0, 1, 2, 2, 3])
    confusion = digits.confusion_matrix(labels, answers)
    assert confusion.sum() == 5 and np.trace(confusion) == 3
    assert confusion[1, 2] == 1 and confusion[9, 3] == 1


@pytest.mark.parametrize("knob, text", [("hidden", "128,x"), ("hidden", "0"), ("hidden", ","),
                                        ("dropout", "1.0"), ("example-digit", "10")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(digits, quick=True, out=tmp_path, overrides={knob: text})
