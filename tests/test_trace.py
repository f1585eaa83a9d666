"""The glass box: every leaf layer's output and output gradient, in order, checked against the
chain rule written out in NumPy; the summary statistics; the trace as a fit callback."""

import itertools

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import data, nn, optim
from glassnet import train as training
from glassnet.models import MLP, MLPConfig
from glassnet.trace import Trace


def small_mlp(activation="sigmoid", hidden=(5,), seed=0):
    gn.manual_seed(seed)
    return MLP(MLPConfig(in_features=6, hidden=hidden, out_features=3, activation=activation))


def test_outputs_and_gradients_follow_the_chain_rule():
    model = small_mlp(hidden=(5,))
    x = gn.randn(4, 6, dtype=gn.float64)
    model.double()
    cotangent = np.random.default_rng(1).normal(size=(4, 3))
    with Trace(model) as trace:
        output = model(x)
        (output * gn.tensor(cotangent)).sum().backward()  # dL/d(output) = cotangent
    assert trace.names() == ["layers.flatten", "layers.fc1", "layers.act1", "layers.head"]
    assert [layer.kind for layer in trace] == ["Flatten", "Linear", "Sigmoid", "Linear"]

    w1, b1 = model.layers.fc1.weight.array, model.layers.fc1.bias.array
    w2 = model.layers.head.weight.array
    pre = x.array @ w1.T + b1  # (4, 5)
    hidden = 1 / (1 + np.exp(-pre))
    np.testing.assert_allclose(trace["layers.fc1"].output, pre, rtol=1e-12)
    np.testing.assert_allclose(trace["layers.act1"].output, hidden, rtol=1e-12)
    np.testing.assert_allclose(trace["layers.head"].output, output.array, rtol=1e-12)
    grad_hidden = cotangent @ w2  # back through the head
    grad_pre = grad_hidden * hidden * (1 - hidden)  # back through the sigmoid
    np.testing.assert_allclose(trace["layers.head"].grad, cotangent, rtol=1e-12)
    np.testing.assert_allclose(trace["layers.act1"].grad, grad_hidden, rtol=1e-12)
    np.testing.assert_allclose(trace["layers.fc1"].grad, grad_pre, rtol=1e-12)
    assert trace["layers.flatten"].grad is None  # the input needs no gradient
    norms = trace.grad_norms()
    assert list(norms) == ["layers.fc1", "layers.act1", "layers.head"]
    assert norms["layers.fc1"] == pytest.approx(np.linalg.norm(grad_pre), rel=1e-12)
    weight_grad = grad_pre.T @ x.array  # (5, 6)
    assert trace["layers.fc1"].param_grad_norms()["weight"] == pytest.approx(
        np.linalg.norm(weight_grad), rel=1e-12)
    assert trace.param_grad_norms()["layers.fc1.weight"] == pytest.approx(
        np.linalg.norm(weight_grad), rel=1e-12)
    assert set(trace.param_grad_norms()) == {name for name, _ in model.named_parameters()}


def test_summary_statistics():
    model = small_mlp(activation="relu", hidden=(50,))
    x = gn.randn(64, 6)
    with Trace(model) as trace:
        model(x)  # no backward: gradients are not known yet
    relu = trace["layers.act1"].stats()
    out = trace["layers.act1"].output
    assert relu["frac_zero"] == pytest.approx((out == 0).mean())
    assert 0.2 < relu["frac_zero"] < 0.8
    assert relu["mean"] == pytest.approx(out.mean(), rel=1e-6)
    assert relu["std"] == pytest.approx(out.std(), rel=1e-5)
    assert relu["abs_mean"] == pytest.approx(np.abs(out).mean(), rel=1e-6)
    assert relu["frac_saturated"] is None and relu["grad_norm"] is None
    assert relu["shape"] == [64, 50] and relu["param_grad_norms"] == {}

    model = small_mlp(activation="sigmoid", hidden=(50,))
    with gn.no_grad():
        model.layers.fc1.weight.array *= 100  # huge pre-activations pin the sigmoid at 0 or 1
    with Trace(model) as trace:
        model(x)
    sigmoid = trace["layers.act1"].stats()
    out = trace["layers.act1"].output
    assert sigmoid["frac_saturated"] == pytest.approx(((out <= 0.01) | (out >= 0.99)).mean())
    assert sigmoid["frac_saturated"] > 0.9
    assert "layers.act1" in trace.table() and "Sigmoid" in trace.table()


def test_gradients_vanish_layer_by_layer_in_a_deep_sigmoid_net():
    """Each sigmoid multiplies the gradient by at most 1/4 on its way back (lesson 7)."""
    model = small_mlp(activation="sigmoid", hidden=(32,) * 8)
    with Trace(model) as trace:
        F.cross_entropy(model(gn.randn(64, 6)), gn.randint(0, 3, (64,))).backward()
    linear = [trace[f"layers.fc{i}"].param_grad_norms()["weight"] for i in range(1, 9)]
    assert linear[0] < linear[-1] / 100
    assert sum(b > a for a, b in itertools.pairwise(linear)) >= 6  # growing towards the output


def test_hooks_are_removed_and_a_reused_layer_is_numbered():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    trace = Trace(model).start()
    model(gn.randn(2, 4))
    trace.stop()
    assert trace.names() == ["0", "1", "0#2"]
    model(gn.randn(2, 4))
    assert len(trace) == 3  # nothing recorded after stop
    with pytest.raises(KeyError, match="recorded: 0, 1, 0#2"):
        trace["2"]


def test_layers_returning_tuples_and_a_single_layer_model():
    gn.manual_seed(0)
    lstm = nn.LSTM(3, 5, batch_first=True)
    with Trace(lstm) as trace:
        output, _ = lstm(gn.randn(2, 7, 3))
        output.sum().backward()
    (layer,) = trace.layers
    assert layer.name == "LSTM" and layer.output.shape == (2, 7, 5)
    np.testing.assert_array_equal(layer.grad, np.ones((2, 7, 5), dtype=np.float32))


def test_trace_as_a_fit_callback_records_every_nth_step():
    gn.manual_seed(0)
    model = small_mlp(activation="tanh", hidden=(8,))
    x = np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)
    loader = data.DataLoader(data.TensorDataset(x, (x[:, 0] > 0).astype(np.int64)),
                             batch_size=10, shuffle=True)
    trace = Trace(model, every=3)
    training.fit(model, loader, optim.SGD(model.parameters(), lr=0.1), loss_fn=F.cross_entropy,
                 steps=7, callbacks=[trace])
    assert [entry["step"] for entry in trace.history] == [1, 4, 7]
    for entry in trace.history:
        assert [layer["name"] for layer in entry["layers"]] == [
            "layers.flatten", "layers.fc1", "layers.act1", "layers.head"]
        assert entry["layers"][1]["grad_norm"] > 0
        assert entry["layers"][1]["param_grad_norms"]["weight"] > 0
    assert not trace._handles  # hooks come off after each traced step
