"""Lesson 7 (vanishing-gradients): its quick run passes every claim check, writes metrics.json and
its figures, and repeats itself exactly with the same seed; each measurement behind a check
reports the opposite when the claim is false (a shallow sigmoid net does not vanish, a He-scaled
init does not explode, an LSTM with PyTorch's forget gate does not carry the gradient)."""

import math

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet.data import DataUnavailable, recall_first
from glassnet.lessons import base
from glassnet.lessons import vanishing_gradients as lesson
from glassnet.models.rnn_classifier import RNNClassifier

FIGURES = ("gradient_norms", "training", "exploding", "memory")
quick_run = contract.quick_run_fixture(lesson)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, [
        "sigmoid: first/last-layer", "relu-he: first/last-layer", "residual: first/last-layer",
        "plain sigmoid net test accuracy", "residual ReLU net test accuracy",
        "unclipped: every loss finite", "clipped: every loss finite",
        "RNN: gradient reaching the first step", "LSTM: gradient reaching the first step"])
    thresholds = {c.name: c.threshold for c in result.checks}
    assert thresholds["sigmoid: first/last-layer gradient norm"] == 1e-3
    assert thresholds["plain sigmoid net test accuracy (SGD)"] == 0.3
    assert thresholds["residual ReLU net test accuracy (SGD)"] == lesson.RESIDUAL_FLOOR[True]
    assert result.metrics["unclipped_first_nonfinite_step"] >= 1


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "vanishing-gradients", FIGURES)


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def _probe(n=200):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 16, 16), dtype=np.float32), rng.integers(0, 10, n)


def test_gradients_vanish_only_in_the_deep_sigmoid_net():
    gn.manual_seed(0)
    deep = lesson.Config(depth=20)
    shallow = lesson.Config(depth=2)
    x, y = _probe()
    deep_norms = lesson.layer_gradient_norms(lesson.plain_net(deep, "sigmoid"), x, y)
    shallow_norms = lesson.layer_gradient_norms(lesson.plain_net(shallow, "sigmoid"), x, y)
    assert len(deep_norms) == 20 and deep_norms[0] / deep_norms[-1] < 1e-10
    assert shallow_norms[0] / shallow_norms[-1] > 1e-3  # the check fails for a shallow net
    residual = lesson.layer_gradient_norms(lesson.residual_net(deep), x, y)
    assert len(residual) == 11 and np.allclose(residual, residual[0], rtol=1e-5)


def test_exploding_needs_the_large_init():
    gn.manual_seed(0)
    digits = lesson.load_digits(16, download=False)
    for big_init, explodes in ((2.0, True), (1.0, False)):
        cfg = lesson.Config(big_init=big_init)
        state = lesson.plain_net(cfg, "relu-big").state_dict()
        losses, _norms = lesson.exploding_run(cfg, digits, state, math.inf, steps=5)
        assert (not np.all(np.isfinite(losses))) == explodes, losses
        clipped, _clipped_norms = lesson.exploding_run(cfg, digits, state, 1.0, steps=5)
        assert np.all(np.isfinite(clipped)) and clipped[0] == losses[0]


def test_forget_gate_init_is_what_carries_the_lstm_gradient():
    gn.manual_seed(0)
    x, y = recall_first(64, 50, rng=0)
    default = lesson.step_gradient_norms(RNNClassifier(cell="lstm"), x, y)
    opened = lesson.step_gradient_norms(RNNClassifier(cell="lstm", memory=50.0), x, y)
    rnn = lesson.step_gradient_norms(RNNClassifier(cell="rnn"), x, y)
    assert default.shape == (51,)
    assert opened[0] / opened[-1] > 1e-2 > default[0] / default[-1]
    assert rnn[0] / rnn[-1] < 1e-4


def test_clipped_records_the_norm_before_clipping():
    parameter = gn.nn.Parameter(gn.tensor([3.0, 4.0]))
    optimizer = lesson.Clipped(gn.optim.SGD([parameter], lr=1.0), [parameter], 1.0)
    (parameter * parameter).sum().backward()  # gradient (6, 8), norm 10
    optimizer.step()
    assert optimizer.norms == [pytest.approx(10.0)]
    np.testing.assert_allclose(parameter.array, [3 - 0.6, 4 - 0.8], rtol=1e-5)


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch digits16"):
        base.run_lesson(lesson, quick=True, out=tmp_path / "out")


@pytest.mark.parametrize("knob, text", [("depth", "1"), ("lr", "0"), ("clip", "-1"),
                                        ("length", "1"), ("memory-steps", "0")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(lesson, quick=True, out=tmp_path, overrides={knob: text})
