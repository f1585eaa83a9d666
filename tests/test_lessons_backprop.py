"""Lesson 6 (backprop): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed (timing metrics aside); the hand-written
chain rule matches PyTorch, and the finite-difference sweep counts and computes what it claims."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.lessons import backprop

# read off a clock, these vary from run to run; every other number must repeat exactly
TIMED = {"forward_seconds", "backward_seconds", "fd_sweep_seconds", "backward_forward_ratio",
         "fd_speedup_ratio", "one backward costs at most a few forwards (median time ratio)",
         "autograd is faster than finite differences (time ratio)"}
FIGURES = ("hand_vs_autograd", "gradient_flow", "cost")

quick_run = contract.quick_run_fixture(backprop)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    checks = {c.name: c for c in result.checks}
    assert checks["chain rule by hand equals autograd (max relative difference)"].threshold \
        == 1e-10
    fd = checks["autograd equals central differences, every parameter of MLP 256-16-16-10 "
                "(max relative error)"]
    assert fd.threshold == 1e-6
    parameters = 256 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10  # quick mode's smaller MLP
    assert result.metrics["parameters"] == result.metrics["fd_entries"] == parameters
    assert checks["finite differences: forward passes == 2 x parameters"].value == 2 * parameters
    assert len(checks) == 6 and set(result.timed) == TIMED


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "backprop", FIGURES, timed=TIMED)


def test_same_seed_same_numbers(quick_run):
    first = quick_run[0]
    contract.assert_same_seed_same_numbers(quick_run)
    metrics, checks = contract.exact_numbers(first)
    assert len(metrics) >= 10 and len(checks) == 4


def test_hand_written_chain_rule_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    weights = [rng.standard_normal(shape) for shape in ((3, 4), (3,), (2, 3), (2,))]
    loss, grads = backprop.two_layer_by_hand(x, target, *weights)
    w1, b1, w2, b2 = (torch.tensor(w, requires_grad=True) for w in weights)
    hidden = torch.sigmoid(torch.tensor(x) @ w1.T + b1)
    expected = torch.nn.functional.mse_loss(hidden @ w2.T + b2, torch.tensor(target))
    expected.backward()
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-12)
    for name, tensor in zip(("0.weight", "0.bias", "2.weight", "2.bias"), (w1, b1, w2, b2)):
        np.testing.assert_allclose(grads[name], tensor.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_relative_error_sees_a_wrong_gradient():
    _, _, hand, autograd = backprop.hand_versus_autograd()
    wrong = hand["0.weight"].copy()
    wrong.flat[3] *= 1 + 1e-6  # one entry off by a millionth is far above the 1e-10 check
    assert backprop.relative_error(wrong, autograd["0.weight"]) > 1e-10
    assert backprop.relative_error(hand["0.weight"], autograd["0.weight"]) <= 1e-10


def test_finite_differences_count_two_passes_per_entry_and_find_the_gradient():
    layer = nn.Linear(3, 2).double()
    x = gn.randn(4, 3, dtype=gn.float64)

    class Loss:
        calls = 0

        def __call__(self):
            self.calls += 1
            with gn.no_grad():
                return (layer(x) ** 2).sum().item()

    loss = Loss()
    numeric = backprop.finite_differences(loss, [layer.weight, layer.bias], eps=1e-5)
    assert loss.calls == 2 * (6 + 2)
    (layer(x) ** 2).sum().backward()
    np.testing.assert_allclose(numeric[0], layer.weight.grad.array, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(numeric[1], layer.bias.grad.array, rtol=1e-7, atol=1e-9)
    assert np.array_equal(numeric[0].shape, (2, 3))


def test_checked_batch_keeps_every_relu_input_away_from_the_kink():
    gn.manual_seed(3)
    model = backprop.digits.mlp((16, 16)).double()
    x, closest = backprop.smooth_batch(model, size=8, eps=1e-5)
    assert x.shape == (8, 1, 16, 16) and closest >= backprop.KINK_MARGIN * 1e-5
    hidden = x.array.reshape(8, -1)
    for layer in [m for m in model.modules() if isinstance(m, nn.Linear)][:-1]:
        pre_activation = hidden @ layer.weight.array.T + layer.bias.array  # (8, 16)
        assert np.abs(pre_activation).min() >= closest
        hidden = np.maximum(pre_activation, 0)
