"""Lesson 5 (activations): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed; the derivative checks and the step's
no-learning checks can fail when their claims are false."""

from pathlib import Path

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.data import synthetic
from glassnet.lessons import activations as lesson
from glassnet.lessons import base

FIGURES = ("activation_curves", "loss_curves", "steps_to_target")
SMOOTH = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus")

quick_run = contract.quick_run_fixture(lesson)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    names = [check.name for check in result.checks]
    for name in ("step",) + SMOOTH:
        assert f"{name}: autograd derivative vs formula, max abs error" in names
    for name in SMOOTH:
        assert any(n.startswith(f"{name}: steps to") for n in names)
        assert result.metrics[f"steps_to_target_{name}"] <= result.cfg.budget
    assert "step: largest |gradient| of any weight over the whole run" in names
    assert "step: largest change of the loss over the whole run" in names
    assert len(result.checks) == 9 + 2 + 8


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "activations", FIGURES)


def test_same_seed_same_numbers(quick_run):
    contract.assert_same_seed_same_numbers(quick_run)


def test_the_lessons_facts():
    labels = {name: entry[0] for name, entry in lesson.ACTIVATIONS.items()}
    assert "Nair & Hinton 2010" in labels["relu"]
    assert "Maas et al. 2013" in labels["leaky_relu"]
    assert "Clevert et al. 2015" in labels["elu"]
    assert "Hendrycks & Gimpel 2016" in labels["gelu"]
    assert "Elfwing et al. 2018" in labels["silu"] and "Ramachandran et al. 2017" in labels["silu"]
    assert "Krizhevsky" in lesson.__doc__ and "2012" in lesson.__doc__
    assert "LeCun" not in lesson.__doc__


def make_config(tmp_path, **knobs):
    return lesson.Config(quick=True, out=Path(tmp_path), **knobs)


def test_derivative_check_fails_for_a_wrong_formula(tmp_path, monkeypatch):
    label, module, function, _ = lesson.ACTIVATIONS["sigmoid"]
    wrong = dict(lesson.ACTIVATIONS)
    wrong["sigmoid"] = (label, module, function, lambda x: 0.25 * np.ones_like(x))
    monkeypatch.setattr(lesson, "ACTIVATIONS", wrong)
    result = base.Result(lesson.NAME, make_config(tmp_path))
    x, curves = lesson.check_derivatives(result)
    verdicts = {c.name.split(":")[0]: c for c in result.checks}
    assert not verdicts["sigmoid"].passed and verdicts["sigmoid"].value > 0.2
    assert all(c.passed for name, c in verdicts.items() if name != "sigmoid")
    assert x[400] == 0 and len(curves) == 9


def test_softplus_slope_at_zero_is_one_half():
    # the grid includes 0, where relu(x) + log1p(e^-|x|) once gave autograd a slope of 0
    x = gn.zeros(3, dtype=gn.float64, requires_grad=True)
    nn.functional.softplus(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.5, 0.5])


def moons_inputs(samples=60):
    x, y = synthetic.moons(samples, rng=3)
    return gn.tensor((x - x.mean(0)) / x.std(0)), gn.tensor(y)


def test_step_network_gets_exactly_zero_gradient_but_a_trainable_readout_would_not(tmp_path):
    inputs, labels = moons_inputs()
    cfg = make_config(tmp_path, budget=20)
    gn.manual_seed(0)
    network = lesson.make_network(nn.Step, cfg.hidden)
    losses, _, largest_gradient, _ = lesson.train(network, inputs, labels, cfg, 20, False)
    assert largest_gradient == 0 and np.all(losses == losses[0]) and len(losses) == 21
    # the check is not vacuous: a readout after the step units does get a gradient
    readout = nn.Sequential(lesson.make_network(nn.Step, cfg.hidden), nn.Linear(cfg.hidden, 2))
    loss = nn.functional.cross_entropy(readout(inputs), labels)
    loss.backward()
    assert np.abs(readout[1].weight.grad.numpy()).max() > 0
    assert np.abs(readout[0][0].weight.grad.numpy()).max() == 0


def test_smooth_network_learns_and_reports_when_it_reached_the_target(tmp_path):
    inputs, labels = moons_inputs()
    cfg = make_config(tmp_path, budget=400)
    gn.manual_seed(0)
    network = lesson.make_network(nn.Tanh, cfg.hidden)
    losses, accuracies, largest_gradient, reached = lesson.train(
        network, inputs, labels, cfg, cfg.budget, stop_at_target=True
    )
    assert reached is not None and accuracies[reached] >= cfg.target
    assert np.all(accuracies[:reached] < cfg.target) and len(losses) == reached + 1
    assert largest_gradient > 0 and losses[-1] < losses[0]


def test_class_scores_sum_each_half_of_the_last_layer():
    outputs = gn.tensor(np.arange(12.0).reshape(2, 6))  # (N=2, hidden=6)
    np.testing.assert_array_equal(lesson.class_scores(outputs).numpy(), [[3, 12], [21, 30]])


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="activations"):
        lesson.Config(hidden=7).validate()
    with pytest.raises(ValueError, match="activations"):
        lesson.Config(target=1.5).validate()
