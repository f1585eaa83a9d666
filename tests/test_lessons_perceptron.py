"""Lesson 4 (perceptron): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed; its measuring tools measure."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.data import synthetic
from glassnet.lessons import base, perceptron

FIGURES = ("boundaries", "training_loss")

quick_run = contract.quick_run_fixture(perceptron)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, (
        "separates the blobs", "best of any line on XOR", "linear model on XOR",
        "5 linear layers on XOR", "5 linear layers = one matrix", "with relu on XOR"))


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "perceptron", FIGURES)


def test_same_seed_same_numbers(quick_run):
    contract.assert_same_seed_same_numbers(quick_run)


def test_collapse_reproduces_a_linear_stack_and_not_a_nonlinear_one():
    gn.manual_seed(1)
    stack = perceptron.deep_model(depth=5, hidden_size=7).double()  # float64 throughout
    points = np.random.default_rng(0).normal(size=(50, 2))
    weight, bias = perceptron.collapse(stack)
    assert weight.shape == (2, 2) and bias.shape == (2,)
    with gn.no_grad():
        stacked = stack(gn.tensor(points, dtype=gn.float64)).numpy()
    np.testing.assert_allclose(stacked, points @ weight.T + bias, rtol=1e-5, atol=1e-6)
    # with a ReLU between the same layers the product no longer describes the network
    bent = perceptron.deep_model(depth=5, hidden_size=7, activation="relu").double()
    linear_only = nn.Sequential(*[layer for layer in bent if isinstance(layer, nn.Linear)])
    weight, bias = perceptron.collapse(linear_only)
    with gn.no_grad():
        outputs = bent(gn.tensor(points, dtype=gn.float64)).numpy()
    assert np.abs(outputs - (points @ weight.T + bias)).max() > 1e-2
    with pytest.raises(TypeError, match="collapse"):
        perceptron.collapse(bent)


def test_best_line_measures_separability():
    blobs_x, blobs_y = synthetic.blobs(200, rng=0)
    accuracy, direction, threshold = perceptron.best_line(blobs_x, blobs_y)
    assert accuracy == 1.0
    np.testing.assert_array_equal((blobs_x @ direction > threshold).astype(int), blobs_y)
    xor_x, xor_y = synthetic.xor_clusters(200, rng=0)
    accuracy, direction, threshold = perceptron.best_line(xor_x, xor_y)
    assert 0.7 <= accuracy <= 0.8
    assert ((xor_x @ direction > threshold) == xor_y).mean() == accuracy


def test_bad_knobs_are_named(tmp_path):
    with pytest.raises(ValueError, match="relu, tanh"):
        base.run_lesson(perceptron, quick=True, out=tmp_path, overrides={"activation": "cube"})
    with pytest.raises(ValueError, match="--depth"):
        base.run_lesson(perceptron, quick=True, out=tmp_path, overrides={"depth": "deep"})
