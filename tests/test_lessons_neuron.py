"""Lesson 1 (neuron): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed; its parts compute what they claim."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.lessons import base, neuron

METRICS_KEYS = {"lesson", "quick", "seed", "seconds", "versions", "metrics", "checks", "figures"}
CHECK_KEYS = {"name", "value", "threshold", "op", "passed"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("neuron")
    return base.run_lesson(neuron, quick=True, seed=0, out=out), out


def test_quick_run_passes_every_check(quick_run):
    result, _ = quick_run
    failed = [(c.name, c.value, c.op, c.threshold) for c in result.checks if not c.passed]
    assert not failed, failed
    names = " ".join(check.name for check in result.checks)
    for claim in ("hand-set AND", "hand-set OR", "hand-set NOT", "learns AND", "learns OR",
                  "learns NOT", "no neuron on the grid", "best neuron gets 3"):
        assert claim in names


def test_metrics_json_and_figures(quick_run):
    _, out = quick_run
    written = json.loads((out / "metrics.json").read_text())
    assert METRICS_KEYS <= set(written)
    assert written["lesson"] == "neuron" and written["quick"] is True and written["seed"] == 0
    assert all(set(check) >= CHECK_KEYS for check in written["checks"])
    assert all(check["op"] in (">=", "<=", "==") for check in written["checks"])
    assert all(isinstance(value, float) for value in written["metrics"].values())
    for stem in ("gates", "perceptron_rule", "xor_search"):
        for suffix in (".png", ".svg"):
            assert stem + suffix in written["figures"]
    for name in written["figures"]:
        assert (out / name).stat().st_size > 1000, name


def test_same_seed_same_numbers(quick_run, tmp_path):
    first, _ = quick_run
    again = base.run_lesson(neuron, quick=True, seed=0, out=tmp_path)
    assert again.metrics == first.metrics
    assert [c.value for c in again.checks] == [c.value for c in first.checks]


def truth_table_outputs(gate, weight, bias):
    inputs, _ = neuron.table(gate)
    with gn.no_grad():
        return neuron.make_neuron(weight, bias)(inputs).reshape(-1).tolist()


def test_hand_set_neurons_compute_their_gates():
    assert truth_table_outputs("AND", *neuron.HAND_SET["AND"]) == [0, 0, 0, 1]
    assert truth_table_outputs("OR", *neuron.HAND_SET["OR"]) == [0, 1, 1, 1]
    assert truth_table_outputs("NOT", *neuron.HAND_SET["NOT"]) == [1, 0]
    # the accuracy the checks report can be below 1: a wrong neuron is caught
    with gn.no_grad():
        assert neuron.accuracy(neuron.make_neuron(*neuron.HAND_SET["OR"]), "AND") == 0.5


def test_perceptron_rule_learns_separable_gates_and_never_xor():
    gn.manual_seed(3)
    with gn.no_grad():
        for gate in ("AND", "OR", "NOT"):
            learned, curve, epochs = neuron.perceptron_rule(gate, 0.5, 100)
            assert epochs == len(curve) and curve[-1] == 0 and sum(curve) > 0
            assert neuron.accuracy(learned, gate) == 1.0
        _, curve, epochs = neuron.perceptron_rule("XOR", 0.5, 100)
    assert epochs is None and len(curve) == 100 and min(curve) >= 1


def test_grid_search_finds_three_of_four_and_never_four():
    with gn.no_grad():
        correct, weights, biases = neuron.grid_search_xor(points=9, limit=3.0)
    assert correct.shape == (9**3,) and correct.max() == 3
    # the grid's counts agree with a direct NumPy evaluation of the same neurons
    inputs = np.array(neuron.BINARY_PAIRS)
    direct = ((inputs @ weights.T + biases) > 0) == np.array([[0], [1], [1], [0]])
    np.testing.assert_array_equal(correct, direct.sum(axis=0))


def test_bad_knobs_are_named(tmp_path):
    with pytest.raises(ValueError, match="grid_points"):
        base.run_lesson(neuron, quick=True, out=tmp_path, overrides={"grid-points": "1"})
    with pytest.raises(ValueError, match="valid knobs"):
        base.run_lesson(neuron, quick=True, out=tmp_path, overrides={"grid-size": "3"})
