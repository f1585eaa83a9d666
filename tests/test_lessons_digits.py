"""Lesson 2 (digits): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed; without the cached data it stops with
the message naming the fetch command. Runs on real data read the digits16 cache, which
`make test` fills first (a missing cache fails here, never skips: a skip would hide it)."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet.data import DataUnavailable
from glassnet.lessons import base, digits

FIGURES = ("digit_grid", "layers_light_up", "training_curve", "confusion_matrix")
quick_run = contract.quick_run_fixture(digits)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    thresholds = {c.name: c.threshold for c in result.checks}
    gray, binary = digits.THRESHOLDS[True]
    assert thresholds == {"MLP test accuracy, gray pixels": gray,
                          "MLP test accuracy, 0/1 pixels": binary}
    assert result.metrics["parameters"] == 256 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "digits", FIGURES)


def test_same_seed_same_numbers(quick_run):
    first = quick_run[0]
    assert not first.timed  # nothing here is read off a clock
    contract.assert_same_seed_same_numbers(quick_run)


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
