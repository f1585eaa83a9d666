"""Lesson 6 (backprop): its quick run passes every claim check, writes metrics.json and its
figures, and repeats itself exactly with the same seed (timing metrics aside); the hand-written
chain rule matches PyTorch, and the finite-difference sweep counts and computes what it claims."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.lessons import backprop, base

METRICS_KEYS = {"lesson", "quick", "seed", "seconds", "versions", "metrics", "checks", "figures"}
CHECK_KEYS = {"name", "value", "threshold", "op", "passed"}
# read off a clock, these vary from run to run; every other number must repeat exactly
TIMED = {"forward_seconds", "backward_seconds", "fd_sweep_seconds", "backward_forward_ratio",
         "fd_speedup_ratio", "one backward costs a few forwards (median time ratio)",
         "autograd is faster than finite differences (time ratio)"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("backprop")
    return base.run_lesson(backprop, quick=True, seed=0, out=out), out


def test_quick_run_passes_every_check(quick_run):
    result, _ = quick_run
    failed = [(c.name, c.value, c.op, c.threshold) for c in result.checks if not c.passed]
    assert not failed, failed
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
    _, out = quick_run
    written = json.loads((out / "metrics.json").read_text())
    assert METRICS_KEYS <= set(written)
    assert written["lesson"] == "backprop" and written["quick"] is True and written["seed"] == 0
    assert set(written["timed"]) == TIMED
    assert all(set(check) >= CHECK_KEYS for check in written["checks"])
    assert all(check["op"] in (">=", "<=", "==") for check in written["checks"])
    assert all(isinstance(value, float) for value in written["metrics"].values())
    for stem in ("hand_vs_autograd", "gradient_flow", "cost"):
        for suffix in (".png", ".svg"):
            assert stem + suffix in written["figures"]
    for name in written["figures"]:
        assert (out / name).stat().st_size > 1000, name


def _exact(result):
    metrics = {k: v for k, v in result.metrics.items() if k not in TIMED}
    return metrics, [(c.name, c.value) for c in result.checks if c.name not in TIMED]


def test_same_seed_same_numbers(quick_run, tmp_path):
    first, _ = quick_run
    again = base.run_lesson(backprop, quick=True, seed=0, out=tmp_path)
    assert _exact(again) == _exact(first)
    assert len(_exact(first)[0]) >= 10 and len(_exact(first)[1]) == 4


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
    np.testing.assert_allclose(numeric[0], layer.weight.grad.data, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(numeric[1], layer.bias.grad.data, rtol=1e-7, atol=1e-9)
    assert np.array_equal(numeric[0].shape, (2, 3))


def test_checked_batch_keeps_every_relu_input_away_from_the_kink():
    gn.manual_seed(3)
    model = backprop.digits.mlp((16, 16)).double()
    x, closest = backprop.smooth_batch(model, size=8, eps=1e-5)
    assert x.shape == (8, 1, 16, 16) and closest >= backprop.KINK_MARGIN * 1e-5
    hidden = x.data.reshape(8, -1)
    for layer in [m for m in model.modules() if isinstance(m, nn.Linear)][:-1]:
        pre_activation = hidden @ layer.weight.data.T + layer.bias.data  # (8, 16)
        assert np.abs(pre_activation).min() >= closest
        hidden = np.maximum(pre_activation, 0)
