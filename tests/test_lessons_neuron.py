"""Lesson 1 (neuron): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed; its parts compute what they claim."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet.lessons import base, neuron

FIGURES = ("gates", "perceptron_rule", "xor_search")

quick_run = contract.quick_run_fixture(neuron)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, (
        "hand-set AND", "hand-set OR", "hand-set NOT", "learns AND", "learns OR", "learns NOT",
        "no neuron on the grid", "best neuron gets 3"))


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "neuron", FIGURES)


def test_same_seed_same_numbers(quick_run):
    contract.assert_same_seed_same_numbers(quick_run)


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
