"""The basic layers against PyTorch: same state dict (moved both ways), same input, same output,
input gradient, parameter gradients and state afterwards; same state-dict keys, repr and
default initialisation; BatchNorm's running statistics, Dropout, and the errors on bad input."""

import inspect
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import functional as F_gn
from glassnet import nn

torch = pytest.importorskip("torch")

TOLERANCES = {
    np.float32: {"rtol": 1e-4, "atol": 1e-5},
    np.float64: {"rtol": 1e-8, "atol": 1e-10},
}


def _case(name, build, *inputs):
    """build(nn, as_tensor) makes the layer from either library; inputs name what it takes:
    ("x", shape) a float input that gets a gradient, ("float"|"unit"|"prob", shape) a float
    target, ("int", shape, high) integer indices."""
    return pytest.param(build, inputs, id=name)


CASES = [
    _case("Identity", lambda m, t: m.Identity(), ("x", (2, 3))),
    _case("Linear", lambda m, t: m.Linear(4, 3), ("x", (2, 5, 4))),
    _case("Linear-nobias", lambda m, t: m.Linear(4, 3, bias=False), ("x", (3, 4))),
    _case("Flatten", lambda m, t: m.Flatten(), ("x", (2, 3, 4, 5))),
    _case("Flatten-0-1", lambda m, t: m.Flatten(0, 1), ("x", (2, 3, 4))),
    _case("Unflatten", lambda m, t: m.Unflatten(1, (3, 4)), ("x", (2, 12, 5))),
    _case("Conv1d", lambda m, t: m.Conv1d(3, 4, 3, stride=2, padding=1), ("x", (2, 3, 9))),
    _case("Conv1d-same-groups", lambda m, t: m.Conv1d(4, 6, 3, padding="same", dilation=2,
                                                      groups=2), ("x", (2, 4, 8))),
    _case("Conv1d-unbatched", lambda m, t: m.Conv1d(3, 2, 2), ("x", (3, 6))),
    _case("Conv2d", lambda m, t: m.Conv2d(3, 4, 3, padding=1), ("x", (2, 3, 6, 7))),
    _case("Conv2d-grouped", lambda m, t: m.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0),
                                                  dilation=(1, 2), groups=2, bias=False),
          ("x", (2, 4, 7, 8))),
    _case("Conv2d-same", lambda m, t: m.Conv2d(2, 3, (2, 3), padding="same"), ("x", (1, 2, 5, 6))),
    _case("Conv2d-unbatched", lambda m, t: m.Conv2d(3, 2, 3), ("x", (3, 5, 5))),
    _case("ConvTranspose2d", lambda m, t: m.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                            output_padding=1),
          ("x", (2, 3, 4, 5))),
    _case("ConvTranspose2d-grouped", lambda m, t: m.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2),
                                                                    groups=2, dilation=2),
          ("x", (2, 4, 3, 4))),
    _case("MaxPool1d", lambda m, t: m.MaxPool1d(3, stride=2, padding=1), ("x", (2, 3, 10))),
    _case("MaxPool2d", lambda m, t: m.MaxPool2d(2), ("x", (2, 3, 6, 6))),
    _case("MaxPool2d-padded", lambda m, t: m.MaxPool2d(3, stride=2, padding=1, dilation=1),
          ("x", (2, 3, 7, 6))),
    _case("AvgPool1d", lambda m, t: m.AvgPool1d(3, padding=1, count_include_pad=False),
          ("x", (2, 3, 10))),
    _case("AvgPool2d", lambda m, t: m.AvgPool2d(2), ("x", (2, 3, 6, 6))),
    _case("AvgPool2d-padded", lambda m, t: m.AvgPool2d(3, stride=2, padding=1,
                                                       count_include_pad=False),
          ("x", (2, 3, 7, 6))),
    _case("AvgPool2d-divisor", lambda m, t: m.AvgPool2d(2, divisor_override=3),
          ("x", (2, 3, 4, 4))),
    _case("Upsample-scale", lambda m, t: m.Upsample(scale_factor=2), ("x", (2, 3, 4, 5))),
    _case("Upsample-size", lambda m, t: m.Upsample(size=(7, 9)), ("x", (2, 3, 4, 5))),
    _case("Upsample-1d", lambda m, t: m.Upsample(size=7), ("x", (2, 3, 5))),
    _case("BatchNorm1d", lambda m, t: m.BatchNorm1d(4), ("x", (8, 4))),
    _case("BatchNorm1d-3d", lambda m, t: m.BatchNorm1d(4, momentum=None), ("x", (3, 4, 5))),
    _case("BatchNorm2d", lambda m, t: m.BatchNorm2d(3), ("x", (4, 3, 5, 5))),
    _case("BatchNorm2d-nobias", lambda m, t: m.BatchNorm2d(3, bias=False), ("x", (2, 3, 2, 2))),
    _case("BatchNorm2d-plain", lambda m, t: m.BatchNorm2d(3, affine=False,
                                                          track_running_stats=False),
          ("x", (4, 3, 2, 2))),
    _case("LayerNorm", lambda m, t: m.LayerNorm(5), ("x", (2, 3, 5))),
    _case("LayerNorm-2d", lambda m, t: m.LayerNorm((3, 5), elementwise_affine=False),
          ("x", (2, 3, 5))),
    _case("LayerNorm-nobias", lambda m, t: m.LayerNorm(5, bias=False), ("x", (4, 5))),
    _case("Dropout-eval", lambda m, t: m.Dropout(0.3).eval(), ("x", (4, 5))),
    _case("Embedding", lambda m, t: m.Embedding(10, 4), ("int", (3, 5), 10)),
    _case("Embedding-padding", lambda m, t: m.Embedding(10, 4, padding_idx=-8),
          ("int", (3, 5), 4)),
    _case("Sigmoid", lambda m, t: m.Sigmoid(), ("x", (3, 4))),
    _case("Tanh", lambda m, t: m.Tanh(), ("x", (3, 4))),
    _case("ReLU", lambda m, t: m.ReLU(), ("x", (3, 4))),
    _case("LeakyReLU", lambda m, t: m.LeakyReLU(0.2), ("x", (3, 4))),
    _case("ELU", lambda m, t: m.ELU(alpha=0.7), ("x", (3, 4))),
    _case("GELU", lambda m, t: m.GELU(), ("x", (3, 4))),
    _case("GELU-tanh", lambda m, t: m.GELU(approximate="tanh"), ("x", (3, 4))),
    _case("SiLU", lambda m, t: m.SiLU(), ("x", (3, 4))),
    _case("Softplus", lambda m, t: m.Softplus(beta=2.0, threshold=1.5), ("x", (3, 4))),
    _case("Softmax", lambda m, t: m.Softmax(dim=1), ("x", (2, 3, 4))),
    _case("LogSoftmax", lambda m, t: m.LogSoftmax(dim=-1), ("x", (2, 3, 4))),
    _case("CrossEntropyLoss", lambda m, t: m.CrossEntropyLoss(), ("x", (6, 5)), ("int", (6,), 5)),
    _case("CrossEntropyLoss-all", lambda m, t: m.CrossEntropyLoss(
        weight=t([0.5, 1.0, 2.0, 1.5, 0.1]), ignore_index=1, label_smoothing=0.2),
        ("x", (6, 5)), ("int", (6,), 5)),
    _case("CrossEntropyLoss-spatial", lambda m, t: m.CrossEntropyLoss(reduction="none"),
          ("x", (2, 4, 3)), ("int", (2, 3), 4)),
    _case("CrossEntropyLoss-probs", lambda m, t: m.CrossEntropyLoss(reduction="sum",
                                                                    label_smoothing=0.1),
          ("x", (3, 4)), ("prob", (3, 4))),
    _case("NLLLoss", lambda m, t: m.NLLLoss(weight=t([1.0, 2.0, 0.5]), ignore_index=0),
          ("x", (6, 3)), ("int", (6,), 3)),
    _case("MSELoss", lambda m, t: m.MSELoss(), ("x", (3, 4)), ("float", (3, 4))),
    _case("L1Loss", lambda m, t: m.L1Loss(reduction="sum"), ("x", (3, 4)), ("float", (3, 4))),
    _case("BCELoss", lambda m, t: m.BCELoss(weight=t([1.0, 2.0, 0.5, 1.0])),
          ("unit", (3, 4)), ("unit", (3, 4))),
    _case("BCEWithLogitsLoss", lambda m, t: m.BCEWithLogitsLoss(pos_weight=t([1.0, 3.0, 0.5])),
          ("x", (4, 3)), ("unit", (4, 3))),
    _case("KLDivLoss", lambda m, t: m.KLDivLoss(reduction="batchmean"),
          ("x", (3, 4)), ("prob", (3, 4))),
    _case("KLDivLoss-log", lambda m, t: m.KLDivLoss(log_target=True), ("x", (3, 4)),
          ("float", (3, 4))),
    # added for PyTorch programs (issue 9): pooling, group norm, channel dropout, more losses
    _case("AdaptiveAvgPool1d", lambda m, t: m.AdaptiveAvgPool1d(3), ("x", (2, 3, 7))),
    _case("AdaptiveAvgPool2d", lambda m, t: m.AdaptiveAvgPool2d((2, 3)), ("x", (2, 3, 5, 7))),
    _case("AdaptiveAvgPool2d-global", lambda m, t: m.AdaptiveAvgPool2d((1, 1)),
          ("x", (2, 3, 4, 5))),
    _case("AdaptiveAvgPool2d-none-unbatched", lambda m, t: m.AdaptiveAvgPool2d((4, None)),
          ("x", (3, 6, 5))),
    _case("AdaptiveMaxPool1d", lambda m, t: m.AdaptiveMaxPool1d(4), ("x", (2, 3, 6))),
    _case("AdaptiveMaxPool2d", lambda m, t: m.AdaptiveMaxPool2d((3, 2)), ("x", (2, 3, 5, 6))),
    _case("AdaptiveMaxPool2d-divisible", lambda m, t: m.AdaptiveMaxPool2d(2), ("x", (1, 2, 4, 6))),
    _case("PixelShuffle", lambda m, t: m.PixelShuffle(2), ("x", (2, 8, 3, 4))),
    _case("PixelUnshuffle", lambda m, t: m.PixelUnshuffle(3), ("x", (1, 2, 6, 3))),
    _case("GroupNorm", lambda m, t: m.GroupNorm(2, 6), ("x", (2, 6, 3, 3))),
    _case("GroupNorm-plain", lambda m, t: m.GroupNorm(3, 3, eps=1e-3, affine=False),
          ("x", (4, 3, 5))),
    _case("GroupNorm-nobias", lambda m, t: m.GroupNorm(1, 4, bias=False), ("x", (3, 4))),
    _case("Dropout1d-eval", lambda m, t: m.Dropout1d(0.3).eval(), ("x", (2, 4, 5))),
    _case("Dropout2d-eval", lambda m, t: m.Dropout2d(0.3).eval(), ("x", (2, 4, 3, 3))),
    _case("Embedding-max-norm", lambda m, t: m.Embedding(10, 4, max_norm=1.0),
          ("int", (3, 5), 10)),
    _case("Embedding-max-norm-l1", lambda m, t: m.Embedding(10, 4, max_norm=2.0, norm_type=1.0,
                                                            padding_idx=0), ("int", (3, 5), 10)),
    _case("SmoothL1Loss", lambda m, t: m.SmoothL1Loss(), ("x", (4, 5)), ("float", (4, 5))),
    _case("SmoothL1Loss-beta", lambda m, t: m.SmoothL1Loss(reduction="sum", beta=0.5),
          ("x", (4, 5)), ("float", (4, 5))),
    _case("SmoothL1Loss-l1", lambda m, t: m.SmoothL1Loss(beta=0.0), ("x", (4, 5)),
          ("float", (4, 5))),
    _case("HuberLoss", lambda m, t: m.HuberLoss(delta=0.5), ("x", (4, 5)), ("float", (4, 5))),
    _case("HuberLoss-none", lambda m, t: m.HuberLoss(reduction="none", delta=2.0),
          ("x", (3, 5)), ("float", (3, 5))),
    _case("MSELoss-legacy", lambda m, t: m.MSELoss(size_average=False), ("x", (3, 4)),
          ("float", (3, 4))),
]


def _make_inputs(specs, dtype, rng):
    arrays = []
    for kind, shape, *high in specs:
        if kind == "int":
            arrays.append(rng.integers(0, high[0], shape).astype(np.int64))
        elif kind == "unit":
            arrays.append(rng.uniform(0.05, 0.95, shape).astype(dtype))
        elif kind == "prob":
            logits = rng.standard_normal(shape)
            arrays.append((np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays


def _perturb(state_arrays, rng):
    """Move every float parameter and buffer off its default (ones, zeros) so that a mix-up
    of weight and bias, or of running mean and variance, would show."""
    for value in state_arrays:
        if np.issubdtype(value.dtype, np.floating):
            value += rng.uniform(0.0, 0.5, value.shape).astype(value.dtype)


def _assert_close(got, want, dtype, what):
    np.testing.assert_allclose(got, want, err_msg=what, **TOLERANCES[dtype])


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's notes
@pytest.mark.filterwarnings("ignore:reduction:UserWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("source", ["torch", "glassnet"])
@pytest.mark.parametrize("build, specs", CASES)
def test_parity_with_torch(build, specs, source, dtype):
    rng = np.random.default_rng(0)
    ours = build(nn, lambda values: gn.tensor(np.array(values, dtype=dtype)))
    theirs = build(torch.nn, lambda values: torch.tensor(np.array(values, dtype=dtype)))
    assert repr(ours) == repr(theirs)
    ours.to(dtype)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert [tuple(v.shape) for v in ours_state.values()] == [
        tuple(v.shape) for v in theirs_state.values()
    ]
    if source == "torch":
        _perturb([v.numpy() for v in theirs_state.values()], rng)
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs_state.items()})
    else:
        _perturb([v.array for v in ours_state.values()], rng)
        theirs.load_state_dict({k: torch.from_numpy(np.array(v.array)) for k, v in
                                ours_state.items()})

    arrays = _make_inputs(specs, dtype, rng)
    differentiable = specs[0][0] != "int"
    our_inputs = [gn.tensor(a, requires_grad=differentiable and i == 0)
                  for i, a in enumerate(arrays)]
    their_inputs = [torch.tensor(a, requires_grad=differentiable and i == 0)
                    for i, a in enumerate(arrays)]
    our_out, their_out = ours(*our_inputs), theirs(*their_inputs)
    _assert_close(our_out.array, their_out.detach().numpy(), dtype, "output")
    assert our_out.dtype == their_out.detach().numpy().dtype

    cotangent = rng.standard_normal(our_out.shape).astype(dtype)
    (our_out * gn.tensor(cotangent)).sum().backward()
    (their_out * torch.tensor(cotangent)).sum().backward()
    if differentiable:
        _assert_close(our_inputs[0].grad.array, their_inputs[0].grad.numpy(), dtype, "input grad")
    their_params = dict(theirs.named_parameters())
    assert list(dict(ours.named_parameters())) == list(their_params)
    for name, param in ours.named_parameters():
        _assert_close(param.grad.array, their_params[name].grad.numpy(), dtype, f"{name}.grad")
    for name, value in theirs.state_dict().items():  # running statistics after the step
        _assert_close(ours.state_dict()[name].array, value.numpy(), dtype, name)


def _uniform_bound_check(ours, theirs, name, bound):
    """Both libraries draw name from U(-bound, bound): same range, std bound / sqrt(3)."""
    for values in (getattr(ours, name).array, getattr(theirs, name).detach().numpy()):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound
        assert abs(values.std() - bound / math.sqrt(3)) < 0.1 * bound
        assert abs(values.mean()) < 0.1 * bound


@pytest.mark.parametrize("build, fan_in", [
    (lambda m: m.Linear(50, 200), 50),
    (lambda m: m.Conv1d(6, 40, 5), 30),
    (lambda m: m.Conv2d(4, 40, 3), 36),
    (lambda m: m.Conv2d(8, 40, 3, groups=2), 36),
    (lambda m: m.ConvTranspose2d(40, 6, 3, groups=2), 27),
])
def test_default_init_matches_torch(build, fan_in):
    gn.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = build(nn), build(torch.nn)
    assert ours.weight.dtype == np.float32
    _uniform_bound_check(ours, theirs, "weight", 1 / math.sqrt(fan_in))
    if ours.bias.array.size >= 40:  # enough draws to judge the spread
        _uniform_bound_check(ours, theirs, "bias", 1 / math.sqrt(fan_in))
    assert np.abs(ours.bias.array).max() <= 1 / math.sqrt(fan_in)


def test_embedding_init_and_padding():
    gn.manual_seed(0)
    layer = nn.Embedding(2000, 16, padding_idx=3)
    weight = np.delete(layer.weight.array, 3, axis=0)
    assert abs(weight.std() - 1) < 0.02 and abs(weight.mean()) < 0.02
    assert np.all(layer.weight.array[3] == 0)
    out = layer(gn.tensor([[3, 1], [3, 3]]))
    out.sum().backward()
    assert np.all(layer.weight.grad.array[3] == 0)
    assert np.all(layer.weight.grad.array[1] == 1)


def test_embedding_from_pretrained():
    table = gn.randn(5, 3)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(gn.tensor([4, 0])).array, table.array[[4, 0]])
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    np.testing.assert_array_equal(trainable.weight.array[0], table.array[0])  # kept as given
    assert repr(trainable) == "Embedding(5, 3, padding_idx=0)"


def test_norm_defaults_equal_torch():
    for build in (lambda m: m.BatchNorm1d(3), lambda m: m.BatchNorm2d(4, momentum=None),
                  lambda m: m.LayerNorm((2, 3))):
        ours, theirs = build(nn).state_dict(), build(torch.nn).state_dict()
        for name, value in theirs.items():
            assert ours[name].dtype == value.numpy().dtype, name
            np.testing.assert_array_equal(ours[name].array, value.numpy())


def test_dtype_argument():
    assert nn.Linear(3, 4, dtype=gn.float64).weight.dtype == np.float64
    assert nn.Conv2d(3, 4, 3, dtype=gn.float64).bias.dtype == np.float64
    assert nn.BatchNorm1d(3, dtype=gn.float64).running_var.dtype == np.float64


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("build, shape", [
    (lambda m, mo: m.BatchNorm1d(3, momentum=mo), (6, 3)),
    (lambda m, mo: m.BatchNorm2d(3, momentum=mo, affine=False), (4, 3, 2, 3)),
])
def test_batchnorm_running_stats_train_then_eval(build, shape, momentum):
    rng = np.random.default_rng(1)
    ours, theirs = build(nn, momentum), build(torch.nn, momentum)
    for _ in range(4):
        batch = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        ours(gn.tensor(batch))
        theirs(torch.tensor(batch))
    for name, value in theirs.state_dict().items():
        assert ours.state_dict()[name].dtype == value.numpy().dtype
        _assert_close(ours.state_dict()[name].array, value.numpy(), np.float32, name)
    assert int(ours.num_batches_tracked.item()) == 4
    ours.eval()
    theirs.eval()
    batch = rng.standard_normal(shape).astype(np.float32)
    frozen = {k: v.array.copy() for k, v in ours.state_dict().items()}
    _assert_close(ours(gn.tensor(batch)).array, theirs(torch.tensor(batch)).detach().numpy(),
                  np.float32, "eval output")
    for name, value in ours.state_dict().items():  # evaluation leaves the statistics alone
        np.testing.assert_array_equal(value.array, frozen[name])


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    layer = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert list(layer.state_dict()) == ["weight", "bias"]
    out = layer(gn.randn(16, 2) * 5 + 3)
    np.testing.assert_allclose(out.array.mean(0), 0, atol=1e-5)


def test_dropout_train_and_eval():
    layer = nn.Dropout(0.25)
    gn.manual_seed(3)
    x = gn.ones(200, 100, requires_grad=True)
    out = layer(x)
    kept = out.array != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out.array[kept], 1 / 0.75, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.array, out.array)  # same mask, same scale
    gn.manual_seed(3)
    np.testing.assert_array_equal(layer(x).array, out.array)  # seeded: the same mask again
    layer.eval()
    assert layer(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).array, 0)
    with pytest.raises(ValueError, match="Dropout.*1.5"):
        nn.Dropout(1.5)


def test_step_against_torch_heaviside():
    x = np.array([-2.0, -0.0, 0.0, 0.5, 3.0], dtype=np.float32)
    for layer, value in ((nn.Step(), 0.0), (nn.Heaviside(value_at_zero=0.5), 0.5)):
        inputs = gn.tensor(x, requires_grad=True)
        out = layer(inputs)
        want = torch.heaviside(torch.tensor(x), torch.tensor(value)).numpy()
        np.testing.assert_array_equal(out.array, want)
        out.sum().backward()
        np.testing.assert_array_equal(inputs.grad.array, 0)
    assert repr(nn.Step()) == "Step()"


def test_softmax_implicit_dim_warns_like_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning):
        ours = nn.Softmax()(gn.tensor(x))
    with pytest.warns(UserWarning):
        theirs = torch.nn.Softmax()(torch.tensor(x))
    _assert_close(ours.array, theirs.numpy(), np.float32, "implicit dim")


def test_conv_transpose_output_size_matches_torch():
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.array)) for k, v in
                            ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    out = ours(gn.tensor(x), output_size=(8, 8))
    want = theirs(torch.tensor(x), output_size=(8, 8)).detach().numpy()
    assert out.shape == (1, 3, 8, 8)
    _assert_close(out.array, want, np.float32, "output_size")
    with pytest.raises(ValueError, match="output_size"):
        ours(gn.tensor(x), output_size=(12, 12))


def test_wrong_input_shapes_name_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=4, out_features=3, bias=True\)"
                       r": expected input \(\.\.\., 4\), got \(2, 3\)"):
        nn.Linear(4, 3)(gn.randn(2, 3))
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(RuntimeError, match=r"Conv2d\(3, 8, .*expected input \(N, 3, H, W\) "
                       r"or \(3, H, W\), got \(2, 4, 5, 5\)"):
        conv(gn.randn(2, 4, 5, 5))
    with pytest.raises(RuntimeError, match=r"Conv2d\(3, 8.*got \(2, 3, 5\)"):
        conv(gn.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match=r"Conv1d\(2, 4.*\(N, 2, L\) or \(2, L\), got \(5,\)"):
        nn.Conv1d(2, 4, 3)(gn.randn(5))
    with pytest.raises(RuntimeError, match=r"BatchNorm1d\(3.*\(N, 3\) or \(N, 3, L\), got "
                       r"\(2, 3, 4, 4\)"):
        nn.BatchNorm1d(3)(gn.randn(2, 3, 4, 4))
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(3.*\(N, 3, H, W\), got \(2, 4, 1, 1\)"):
        nn.BatchNorm2d(3)(gn.randn(2, 4, 1, 1))
    with pytest.raises(RuntimeError, match=r"LayerNorm\(\(5,\).*\(\*, 5\), got \(2, 4\)"):
        nn.LayerNorm(5)(gn.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"Unflatten.*got \(2, 5\)"):
        nn.Unflatten(1, (2, 3))(gn.randn(2, 5))


def test_bad_arguments_are_explained():
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv1d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="output_padding"):
        nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    assert nn.MSELoss(size_average=False).reduction == "sum"  # PyTorch's legacy flags


def test_non_persistent_buffers_stay_out_of_the_state_dict_as_in_torch():
    def make(lib):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.layer = lib.nn.Linear(2, 2)
                self.register_buffer("mask", lib.ones(2), persistent=False)
                self.register_buffer("scale", lib.ones(2))

        return Model()

    ours, theirs = make(gn), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["scale", "layer.weight",
                                                                    "layer.bias"]
    assert [name for name, _ in ours.named_buffers()] == ["mask", "scale"]
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})


def test_constructor_signatures_are_pytorchs():
    """Every layer glassnet shares with torch.nn takes the same constructor arguments, in the
    same order (device and dtype included), so that PyTorch code builds unchanged."""
    differ = {}
    for name in dir(gn.nn):
        ours, theirs = getattr(gn.nn, name), getattr(torch.nn, name, None)
        if not inspect.isclass(ours) or theirs is None or name in {"Module", "Parameter"}:
            continue
        theirs_params = list(inspect.signature(theirs.__init__).parameters)[1:]
        if theirs_params in (["args", "kwargs"], ["args"]):  # torch forwards *args: skip
            continue
        ours_params = list(inspect.signature(ours.__init__).parameters)[1:]
        if ours_params != theirs_params:
            differ[name] = (ours_params, theirs_params)
    assert differ == {}


@pytest.mark.parametrize("make", [
    lambda nn, **k: nn.LSTM(3, 4, num_layers=2, bidirectional=True, **k),
    lambda nn, **k: nn.GRUCell(3, 4, **k),
    lambda nn, **k: nn.MultiheadAttention(4, 2, kdim=3, **k),
    lambda nn, **k: nn.TransformerDecoderLayer(4, 2, 8, **k),
])
def test_layers_take_dtype_and_device_at_construction(make):
    layer = make(gn.nn, dtype=gn.float64, device="cpu")
    assert {p.dtype for p in layer.parameters()} == {np.dtype("float64")}
    reference = make(torch.nn, dtype=torch.float64)
    assert list(layer.state_dict()) == list(reference.state_dict())
    with pytest.raises(NotImplementedError, match="proj_size"):
        gn.nn.LSTM(3, 4, proj_size=2)


# ---- library API as PyTorch's (found by a sweep of the non-layer API) ----
def test_augmented_assignment_updates_in_place_outside_the_graph():
    """The textbook manual SGD step: `p -= lr * p.grad` under no_grad changes the parameter."""
    model = gn.nn.Linear(2, 1)
    before = model.weight.array.copy()
    model(gn.ones(1, 2)).sum().backward()
    with gn.no_grad():
        for param in model.parameters():
            param -= 0.1 * param.grad
    np.testing.assert_allclose(model.weight.array, before - 0.1 * model.weight.grad.array)
    a = gn.zeros(2)
    alias = a
    with gn.no_grad():
        a += 1
        a *= 3
        a /= 2
        a -= 0.5
    assert a is alias and alias.tolist() == [1.0, 1.0]
    for grad_enabled in (False, True):
        counts = gn.tensor([1, 2])
        with gn.set_grad_enabled(grad_enabled):
            counts += 1
            with pytest.raises(RuntimeError, match="can't be cast"):  # no silent truncation
                counts += 0.5
        assert counts.tolist() == [2, 3] and counts.dtype == np.int64


def test_augmented_assignment_in_the_graph_keeps_the_gradient():
    """With grad enabled, a <op>= b changes a in place and is recorded, as PyTorch: `total +=
    loss` keeps the gradient (also when total starts as a constant), and an array a graph saved
    and then overwritten stops backward with PyTorch's error instead of a wrong gradient."""
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    total = gn.zeros(())
    alias = total
    total += x.sum()
    total += (x * x).sum()
    total *= 2
    assert alias is total and not total.is_leaf
    total.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (1 + 2 * np.array([1.0, 2.0])))
    data, weight = gn.tensor([1.0, 2.0]), gn.tensor([3.0, 4.0], requires_grad=True)
    product = (data * weight).sum()
    data += 10  # the product's saved input changed: backward would be wrong, so it refuses
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        product.backward()
    half = gn.ones(2, dtype=gn.float32)
    half += gn.ones(2, dtype=gn.float64)
    assert half.dtype == np.float32  # the tensor keeps its dtype, as in place


def test_to_takes_devices_dtypes_and_tensors_as_pytorch():
    t = gn.ones(2)
    assert t.to("cpu", gn.float64).dtype == np.float64
    assert t.to(device="cpu").dtype == np.float32
    assert gn.tensor([1, 2]).to(gn.ones(1)).dtype == np.float32
    for call in (lambda: t.to("cuda"), lambda: t.to(device="cuda:0"),
                 lambda: gn.nn.Linear(2, 2).to("cuda")):
        with pytest.raises(ValueError, match="CPU"):
            call()
    model = gn.nn.Linear(2, 2).to("cpu", gn.float64)
    assert model.weight.dtype == np.float64
    with pytest.raises(TypeError, match="floating point"):
        gn.nn.Linear(2, 2).to(gn.int64)


def test_containers_keep_what_is_added_to_them_as_pytorch():
    for lib in (gn, torch):
        seq = lib.nn.Sequential(lib.nn.ReLU())
        seq.add_module("fc", lib.nn.Linear(2, 2))
        seq.scale = lib.nn.Parameter(lib.ones(1))
        sliced = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 2))[1:]
        names = [n for n, _ in seq.named_parameters()]
        result = (names, len(seq), tuple(seq(lib.ones(1, 2)).shape), list(sliced.state_dict()))
        if lib is gn:
            ours = result
    assert ours == result


def test_train_and_eval_call_each_childs_own_train():
    calls = []

    class Child(gn.nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    model = gn.nn.Sequential(Child(), gn.nn.Linear(2, 2))
    model.eval()
    assert calls == [False] and not model[1].training
    with pytest.raises(ValueError, match="bool"):
        model.train("yes")


def test_max_and_min_of_two_tensors_and_optimizers_from_named_parameters():
    a, b = gn.tensor([1.0, 5.0]), gn.tensor([3.0, 2.0])
    assert gn.max(a, b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]
    model = gn.nn.Linear(2, 1)
    optimizer = gn.optim.SGD(model.named_parameters(), lr=0.1)
    assert optimizer.param_groups[0]["params"] == list(model.parameters())


def test_load_and_clipping_take_pytorchs_keywords(tmp_path):
    path = tmp_path / "w.npz"
    gn.save({"w": gn.ones(2)}, path)
    assert gn.load(path, map_location="cpu", weights_only=True)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="CPU"):
        gn.load(path, map_location="cuda")
    layer = gn.nn.Linear(2, 1)
    layer(gn.ones(1, 2)).sum().backward()
    gn.nn.utils.clip_grad_norm_(layer.parameters(), 1.0, foreach=None)
    gn.nn.utils.clip_grad_value_(layer.parameters(), 1.0, foreach=None)


def test_a_module_under_two_names_is_in_the_state_dict_under_both():
    def make(lib):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = lib.nn.Sequential(lib.nn.Linear(2, 2))
                self.shared = self.body
                self.head, self.tail = lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)
                self.tail.weight = self.head.weight

        return Model()

    ours, theirs = make(gn), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 5
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def test_container_methods_as_pytorch():
    def use(lib):
        nn = lib.nn
        seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2))
        seq.insert(1, nn.Tanh())
        popped = seq.pop(0)
        del seq[-1]
        seq.extend([nn.ReLU()])
        modules = nn.ModuleList([nn.ReLU()])
        modules += [nn.Tanh()]
        joined = modules + nn.ModuleList([nn.ReLU()])
        last = modules.pop(-1)
        del modules[0]
        named = nn.ModuleDict({"a": nn.ReLU()})
        named.update({"b": nn.Tanh()})
        by_attribute = named.a
        named.pop("a")
        return ([type(m).__name__ for m in seq], [n for n, _ in seq.named_children()],
                len(modules), len(joined), list(named.keys()),
                [type(m).__name__ for m in (popped, last, by_attribute)])

    assert use(gn) == use(torch)
    with pytest.raises(IndexError, match="ModuleList: index 3 is out of range for 1 modules"):
        gn.nn.ModuleList([gn.nn.ReLU()])[3]
    with pytest.raises(TypeError, match="keys must be strings"):
        gn.nn.ModuleDict({1: gn.nn.ReLU()})


def test_review_fixes_of_the_library_api(tmp_path):
    class Bag(gn.nn.Module):  # a user's attribute named like the containers' storage
        def __init__(self):
            super().__init__()
            self._items = [gn.nn.Linear(2, 2)]

    assert len(list(Bag().parameters())) == 2
    seq = gn.nn.Sequential(gn.nn.ReLU())
    seq.extra = gn.nn.Tanh()
    del seq.extra
    assert len(seq) == 1
    named = gn.nn.ModuleDict()
    named.b = gn.nn.Tanh()
    assert "b" in named and list(named.keys()) == ["b"]
    path = tmp_path / "w.npz"
    gn.save({"w": gn.ones(2)}, path)
    for location in ("cpu:0", {"cuda:0": "cpu"}, lambda storage, where: storage):
        assert gn.load(path, map_location=location)["w"].tolist() == [1.0, 1.0]
    pooled = gn.nn.MaxPool1d((2,), stride=(2,))(gn.arange(8.0).reshape(1, 1, 8))
    assert pooled.tolist() == [[[1.0, 3.0, 5.0, 7.0]]]
    weight = gn.nn.Parameter(gn.ones(2, 2))
    assert type(np.ones((1, 2), np.float32) @ weight) is gn.Tensor
    with pytest.raises(RuntimeError, match="min\\(\\): the tensor is empty"):
        gn.ones(0).min()


def test_attention_takes_a_one_dimensional_mask_as_pytorch():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3))
    mask = np.array([True, False, True])
    ours = F_gn.scaled_dot_product_attention(*map(gn.tensor, (q, k, v)), attn_mask=gn.tensor(mask))
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *map(torch.tensor, (q, k, v)), attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("values", [[1.0, 2.5], [1.0, 2.0], [0.1234567, -3.0], [1e-5, 1.0],
                                    [[1.5, 2.25], [3.125, -4.0]], 3.14159, [float("nan"), 1.5]])
def test_tensors_print_as_pytorchs(values):
    assert repr(gn.tensor(values)) == repr(torch.tensor(values))


def test_init_fills_a_parameters_array_and_cat_wants_a_sequence():
    """DCGAN's weights_init passes m.weight.array (glassnet's .array is the array itself)."""
    layer = gn.nn.Linear(30, 20)
    gn.nn.init.normal_(layer.weight.array, 0.0, 0.02)
    gn.nn.init.constant_(layer.bias.array, 0)
    assert 0.01 < layer.weight.array.std() < 0.03 and not layer.bias.array.any()
    with pytest.raises(TypeError, match="cat: expected a sequence of tensors"):
        gn.cat(gn.ones(2))


def test_module_lists_print_runs_of_equal_layers_as_pytorch():
    def make(nn):
        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])

        return Model()

    assert repr(make(gn.nn)) == repr(make(torch.nn))
    assert repr(gn.nn.Linear(2, 2).load_state_dict(gn.nn.Linear(2, 2).state_dict())) == (
        "<All keys matched successfully>")


def test_get_submodule_and_get_parameter_follow_dotted_paths_as_pytorch():
    def build(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Linear(3, 4),
                                 lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(4, 2)))

    ours, theirs = build(gn), build(torch)
    for path in ("", "0", "1", "1.1"):
        assert type(ours.get_submodule(path)).__name__ == type(theirs.get_submodule(path)).__name__
    assert ours.get_parameter("1.1.bias") is ours[1][1].bias
    assert tuple(ours.get_parameter("0.weight").shape) == tuple(theirs.get_parameter("0.weight").shape)
    for bad in ("2", "1.0.weight.x"):
        with pytest.raises(AttributeError):
            theirs.get_submodule(bad)
        with pytest.raises(AttributeError, match="has no submodule"):
            ours.get_submodule(bad)
    with pytest.raises(AttributeError, match="has no parameter `bias`"):
        ours.get_parameter("1.0.bias")
