"""The surface added in round two of issue 9, against torch 2.13: activations, instance norm,
EmbeddingBag, Bilinear, distances, the margin losses, ParameterList/Dict, parameters as a
vector, linalg norms, atan/asin/acos, register_hook and autograd.grad, print options. Functions
run through test_torch_surface's table (forward and the gradient of sum(out * v)); layers through
test_nn_layers' (state dict both ways, output, input and parameter gradients, buffers)."""

import numpy as np
import pytest
import test_nn_layers as layers
import test_torch_surface as surface

import glassnet as gn
from glassnet import nn

torch = pytest.importorskip("torch")

BOTH = (np.float32, np.float64)
X34 = ("x", (3, 4))
FUNCTIONS = []


def function(name, fn, *specs, dtypes=(np.float64,)):
    for dtype in dtypes:
        FUNCTIONS.append(pytest.param(fn, specs, dtype, id=f"{name}-{np.dtype(dtype).name}"))


def F(lib):
    return lib.nn.functional


function("inverse-trig", lambda lib, x: (lib.atan(x), x.asin(), lib.acos(x), lib.arctan(x),
                                         lib.atan2(x, x.flip(0)), lib.atan2(x, -x),
                                         x.atan2(x * 0), lib.asinh(x), lib.atanh(x * 0.9),
                                         lib.acosh(x.abs() + 1.5)),
         ("apart", (3, 4)), dtypes=BOTH)
function("clipped", lambda lib, x: (F(lib).relu6(x * 8), F(lib).hardtanh(x, -0.2, 0.3),
                                    F(lib).hardswish(x * 5),
                                    F(lib).relu6(lib.tensor([0.0, 6.0, -1.0, 7.0]))),
         ("apart", (3, 5)), dtypes=BOTH)
function("hardsigmoid", lambda lib, x: F(lib).hardsigmoid(x * 5), ("apart", (3, 5)),
         dtypes=(np.float32,))
function("clip-bounds", lambda lib, x: F(lib).hardtanh(x, -0.5, 0.25), ("x", (4,)))
function("smooth", lambda lib, x: (F(lib).mish(x), F(lib).selu(x),
                                   F(lib).logsigmoid(x * 30), F(lib).softsign(x),
                                   F(lib).tanhshrink(x), F(lib).softmin(x, 1),
                                   F(lib).glu(x, 1), F(lib).glu(x, 0)),
         ("x", (4, 6)), dtypes=BOTH)
# torch's float64 celu gradient is 1e-8 off (its input scale 1/alpha goes through float)
function("celu", lambda lib, x: (F(lib).celu(x, 0.7), F(lib).celu(x)), ("x", (4, 6)),
         dtypes=(np.float32,))
function("shrinks", lambda lib, x: (F(lib).softshrink(x, 0.3), F(lib).hardshrink(x),
                                    F(lib).threshold(x, 0.1, -2.0), F(lib).rrelu(x)),
         ("apart", (3, 5)))
function("prelu", lambda lib, x, w, v: (F(lib).prelu(x, w), F(lib).prelu(x, v)),
         ("x", (2, 3, 4)), ("x", (3,)), ("x", (1,)))
function("distances", lambda lib, a, b: (F(lib).pairwise_distance(a, b),
                                         F(lib).pairwise_distance(a, b, p=1, keepdim=True),
                                         F(lib).cosine_similarity(a, b), lib.cdist(a, b),
                                         F(lib).cosine_similarity(a, b, dim=0)),
         ("x", (3, 5)), ("x", (3, 5)), dtypes=BOTH)
function("margin-losses", lambda lib, a, p, n, s: (
    F(lib).triplet_margin_loss(a, p, n), F(lib).triplet_margin_loss(a, p, n, 0.5, 1, swap=True),
    F(lib).cosine_embedding_loss(a, p, lib.sign(s[:, 0]), margin=0.2, reduction="none"),
    F(lib).margin_ranking_loss(a[:, 0], p[:, 0], lib.sign(s[:, 0]), margin=0.1),
    F(lib).hinge_embedding_loss(a, lib.sign(s), margin=0.5),
    F(lib).soft_margin_loss(a, lib.sign(s), reduction="sum"),
    F(lib).multilabel_soft_margin_loss(a, (s > 0).float()),
    F(lib).multilabel_soft_margin_loss(a, (s > 0).float(), weight=n[0].abs(), reduction="none")),
         ("x", (3, 5)), ("x", (3, 5)), ("x", (3, 5)), ("c", (3, 5)), dtypes=BOTH)
function("multi-margin", lambda lib, x, y, w: (
    F(lib).multi_margin_loss(x, y), F(lib).multi_margin_loss(x, y, p=2, margin=0.5, weight=w),
    F(lib).multi_margin_loss(x, y, reduction="none"), F(lib).multi_margin_loss(x[0], y[:1])),
         ("x", (4, 5)), ("int", (4,), 5), ("c", (5,)))
function("count-losses", lambda lib, x, t, v: (
    F(lib).poisson_nll_loss(x, t.abs() * 3), F(lib).poisson_nll_loss(x.exp(), t.abs(),
                                                                    log_input=False, full=True),
    F(lib).gaussian_nll_loss(x, t, v.abs()), F(lib).gaussian_nll_loss(x, t, v[:, :1].abs(),
                                                                      full=True),
    F(lib).gaussian_nll_loss(x, t, v[:, 0].abs() + 0.1, reduction="sum")),
         ("x", (4, 3)), ("c", (4, 3)), ("x", (4, 3)))
function("instance-norm", lambda lib, x, w, b: (F(lib).instance_norm(x), F(lib).instance_norm(
    x, weight=w, bias=b, eps=1e-3)), ("x", (2, 3, 5)), ("x", (3,)), ("x", (3,)))
function("bilinear-embedding-bag", lambda lib, a, b, w, e, i: (
    F(lib).bilinear(a, b, w), F(lib).embedding_bag(i, e), F(lib).embedding_bag(i, e, mode="sum"),
    F(lib).embedding_bag(i, e, mode="max"),
    F(lib).embedding_bag(i.reshape(-1), e, lib.tensor([0, 2, 2, 5]), mode="mean"),
    F(lib).embedding_bag(i.reshape(-1), e, lib.tensor([0, 2, 6]), mode="max",
                         include_last_offset=True),
    F(lib).embedding_bag(i, e, mode="sum", per_sample_weights=a[:, :3]),
    F(lib).embedding_bag(i, e, padding_idx=1)),
         ("x", (2, 4)), ("x", (2, 3)), ("x", (5, 4, 3)), ("x", (6, 3)), ("int", (2, 3), 6))
function("linalg-norms", lambda lib, x: (
    lib.linalg.norm(x), lib.linalg.norm(x, dim=1), lib.linalg.norm(x, 1), lib.linalg.norm(
        x, float("inf")), lib.linalg.norm(x, -1), lib.linalg.vector_norm(x, 3, dim=0),
    lib.linalg.vector_norm(x, float("inf")), lib.linalg.matrix_norm(x),
    lib.linalg.matrix_norm(x, float("-inf"), keepdim=True), lib.linalg.norm(x[0], 1),
    lib.linalg.norm(x, "fro", dim=(0, 1))),
         ("apart", (3, 4)), dtypes=BOTH)
function("pad-modes", lambda lib, x: (F(lib).pad(x, (1, 2), mode="reflect"),
                                     F(lib).pad(x, (2, 0, 1, 1), mode="replicate"),
                                     F(lib).pad(x, (1, 3, 2, 0), mode="circular"),
                                     F(lib).pad(x, (0, 1, 1, 0), value=2.5)),
         ("x", (2, 3, 4)), dtypes=BOTH)
function("float64-meets-python-floats", lambda lib, x: (
    x < 0.3, x >= 0.1, x == 0.30000000000000004, lib.tensor([0.1, 0.2], dtype=lib.float64),
    lib.where(x > 0.2, x, 0.1), x.masked_fill(x > 0, 0.1), lib.full_like(x, 0.1),
    x.clone().fill_(0.1), lib.Tensor([0.1]).double()),
         ("c", (4,)))
function("distributions", lambda lib, logits, loc, scale, i: (
    lib.distributions.Categorical(logits=logits).log_prob(i),
    lib.distributions.Categorical(logits=logits).entropy(),
    lib.distributions.Categorical(probs=logits.exp()).log_prob(i[:2].unsqueeze(-1)),
    lib.distributions.Normal(loc, scale.exp()).log_prob(loc * 0.5),
    lib.distributions.Normal(loc, scale.exp()).entropy(),
    lib.distributions.Normal(loc, 1.0).cdf(scale),
    lib.distributions.Bernoulli(logits=loc).log_prob((scale > 0).double()),
    lib.distributions.Bernoulli(logits=loc).entropy(),
    lib.distributions.Bernoulli(probs=loc.sigmoid()).log_prob((scale > 0).double()),
    lib.distributions.Categorical(logits=logits).sample((2,)).shape),
         ("x", (3, 4)), ("x", (3,)), ("x", (3,)), ("int", (3,), 4))
function("parameters-to-vector", lambda lib, a, b: lib.nn.utils.parameters_to_vector([a, b]) * 2,
         ("x", (2, 3)), ("x", (4,)))


@pytest.mark.parametrize("fn, specs, dtype", FUNCTIONS)
def test_functions_match_torch(fn, specs, dtype):
    surface.test_forward_and_backward_match_torch(fn, specs, dtype)


MODULES = [
    layers._case("ReLU6", lambda m, t: m.ReLU6(), ("x", (3, 4))),
    layers._case("Hardtanh", lambda m, t: m.Hardtanh(-0.5, 0.4), ("x", (3, 4))),
    layers._case("Hardswish", lambda m, t: m.Hardswish(), ("x", (3, 4))),
    # (Hardsigmoid is in the function table, float32 only: torch's float64 gradient uses a
    # float32 1/6, 3e-8 off)
    layers._case("Mish", lambda m, t: m.Mish(), ("x", (3, 4))),
    layers._case("SELU-CELU", lambda m, t: m.Sequential(m.SELU(), m.CELU(0.5)), ("x", (3, 4))),
    layers._case("LogSigmoid-Softsign", lambda m, t: m.Sequential(m.LogSigmoid(), m.Softsign()),
                 ("x", (3, 4))),
    layers._case("shrinks", lambda m, t: m.Sequential(m.Tanhshrink(), m.Softshrink(0.1),
                                                      m.Hardshrink(0.05), m.Threshold(0.01, 3.0)),
                 ("x", (3, 4))),
    layers._case("GLU-Softmin-Softmax2d", lambda m, t: m.Sequential(m.GLU(1), m.Softmin(dim=-1),
                                                                    m.Softmax2d()),
                 ("x", (2, 4, 3, 5))),
    layers._case("PReLU", lambda m, t: m.PReLU(), ("x", (3, 4))),
    layers._case("PReLU-channels", lambda m, t: m.PReLU(3, init=0.1), ("x", (2, 3, 4))),
    layers._case("RReLU-eval", lambda m, t: m.RReLU(0.1, 0.3).eval(), ("x", (3, 4))),
    layers._case("InstanceNorm1d", lambda m, t: m.InstanceNorm1d(3), ("x", (2, 3, 5))),
    layers._case("InstanceNorm1d-unbatched", lambda m, t: m.InstanceNorm1d(3, affine=True),
                 ("x", (3, 5))),
    layers._case("InstanceNorm2d-tracked", lambda m, t: m.InstanceNorm2d(
        3, affine=True, track_running_stats=True), ("x", (2, 3, 4, 5))),
    layers._case("InstanceNorm2d-tracked-eval", lambda m, t: m.InstanceNorm2d(
        3, momentum=0.3, track_running_stats=True).eval(), ("x", (2, 3, 4, 5))),
    layers._case("BatchNorm3d", lambda m, t: m.BatchNorm3d(2), ("x", (2, 2, 3, 2, 2))),
    layers._case("Bilinear", lambda m, t: m.Bilinear(4, 3, 5), ("x", (2, 4)), ("float", (2, 3))),
    layers._case("EmbeddingBag", lambda m, t: m.EmbeddingBag(7, 3), ("int", (4, 3), 7)),
    layers._case("EmbeddingBag-sum-padding", lambda m, t: m.EmbeddingBag(
        7, 3, mode="sum", padding_idx=2), ("int", (4, 3), 4)),
    layers._case("EmbeddingBag-max", lambda m, t: m.EmbeddingBag(7, 3, mode="max"),
                 ("int", (4, 3), 7)),
    layers._case("CosineSimilarity", lambda m, t: m.CosineSimilarity(dim=-1), ("x", (3, 4)),
                 ("float", (3, 4))),
    layers._case("PairwiseDistance", lambda m, t: m.PairwiseDistance(p=1.5, keepdim=True),
                 ("x", (3, 4)), ("float", (3, 4))),
    layers._case("TripletMarginLoss", lambda m, t: m.TripletMarginLoss(margin=2.0, swap=True),
                 ("x", (3, 4)), ("float", (3, 4)), ("float", (3, 4))),
    layers._case("MultiLabelSoftMarginLoss", lambda m, t: m.MultiLabelSoftMarginLoss(
        weight=t([1.0, 2.0, 0.5, 1.0])), ("x", (3, 4)), ("unit", (3, 4))),
    layers._case("MultiMarginLoss", lambda m, t: m.MultiMarginLoss(p=2, weight=t([1.0, 0.5, 2.0])),
                 ("x", (4, 3)), ("int", (4,), 3)),
    layers._case("PoissonNLLLoss", lambda m, t: m.PoissonNLLLoss(full=True), ("x", (3, 4)),
                 ("unit", (3, 4))),
    layers._case("ReflectionPad2d", lambda m, t: m.ReflectionPad2d((1, 2, 0, 2)),
                 ("x", (2, 3, 4, 5))),
    layers._case("ReflectionPad1d-unbatched", lambda m, t: m.ReflectionPad1d(3), ("x", (2, 5))),
    layers._case("ReplicationPad2d", lambda m, t: m.ReplicationPad2d(2), ("x", (1, 2, 3, 3))),
    layers._case("CircularPad1d", lambda m, t: m.CircularPad1d((2, 1)), ("x", (2, 3, 4))),
    layers._case("ConstantPad2d", lambda m, t: m.ConstantPad2d((1, 0, 2, 1), -1.5),
                 ("x", (2, 3, 3))),
    layers._case("ZeroPad2d", lambda m, t: m.ZeroPad2d(1), ("x", (1, 1, 2, 3))),
    layers._case("ReplicationPad3d", lambda m, t: m.ReplicationPad3d((1, 0, 0, 1, 1, 0)),
                 ("x", (1, 2, 2, 2, 3))),
    layers._case("GaussianNLLLoss", lambda m, t: m.GaussianNLLLoss(), ("x", (3, 4)),
                 ("float", (3, 4)), ("unit", (3, 4))),
]


@pytest.mark.filterwarnings("ignore:.*reduction:UserWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("source", ["torch", "glassnet"])
@pytest.mark.parametrize("build, specs", MODULES)
def test_layers_match_torch(build, specs, source, dtype):
    layers.test_parity_with_torch(build, specs, source, dtype)


def test_float64_keeps_python_floats_exact():
    """A Python float written into a float64 tensor is that float, not its float32 rounding."""
    x = gn.tensor([0.5, 1.5], dtype=gn.float64)
    x[0] = 0.1
    assert x[0].item() == 0.1 and gn.tensor(0.1, dtype=gn.float64).item() == 0.1
    assert gn.Tensor([0.1], dtype=gn.float64).item() == 0.1
    assert (gn.tensor([0.30000000000000004], dtype=gn.float64) < 0.3).tolist() == [False]
    ints = gn.tensor([1, 2, 3])
    ints[0], ints[1] = 2.7, -1.7  # truncated, as PyTorch
    assert ints.tolist() == [2, -1, 3]


def test_margin_modules_with_signed_targets():
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 4, 3))
    y = np.sign(rng.standard_normal(4))
    for name, args in [("CosineEmbeddingLoss", (x1, x2, y)), ("MarginRankingLoss",
                                                             (x1[:, 0], x2[:, 0], y)),
                       ("HingeEmbeddingLoss", (x1, np.sign(x2))), ("SoftMarginLoss",
                                                                   (x1, np.sign(x2)))]:
        ours = getattr(nn, name)(reduction="sum")(*map(gn.tensor, args))
        theirs = getattr(torch.nn, name)(reduction="sum")(*map(torch.tensor, args))
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12, err_msg=name)


def test_parameter_containers_as_torch():
    rng = np.random.default_rng(1)
    values = [rng.standard_normal((2, 3)), rng.standard_normal(4)]
    for lib, make in ((gn, gn.tensor), (torch, torch.tensor)):
        holder = lib.nn.Module()
        holder.plist = lib.nn.ParameterList([make(values[0])])
        holder.pdict = lib.nn.ParameterDict({"b": make(values[1])})
        holder.plist.append(make(values[1]))
        assert [n for n, _ in holder.named_parameters()] == ["plist.0", "plist.1", "pdict.b"]
        assert list(holder.state_dict()) == ["plist.0", "plist.1", "pdict.b"]
        assert isinstance(holder.plist[0], lib.nn.Parameter) and "b" in holder.pdict
        assert len(holder.plist) == 2 and len(holder.pdict) == 1
        assert [tuple(p.shape) for p in holder.parameters()] == [(2, 3), (4,), (4,)]
    assert repr(nn.ParameterList([gn.ones(2, 3)])) == (
        "ParameterList(\n  (0): Parameter containing: [glassnet.FloatTensor of size 2x3]\n)")


def test_vector_to_parameters_as_torch():
    rng = np.random.default_rng(2)
    shapes = [(2, 3), (4,)]
    vector = rng.standard_normal(10)
    got = []
    for lib, make in ((gn, gn.tensor), (torch, torch.tensor)):
        params = [lib.nn.Parameter(make(np.zeros(s))) for s in shapes]
        lib.nn.utils.vector_to_parameters(make(vector), params)
        got.append([p.detach().numpy().copy() for p in params])
        assert all(p.requires_grad for p in params)
    for mine, theirs in zip(*got):
        np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(TypeError, match="vector_to_parameters: expected vec to be a Tensor"):
        nn.utils.vector_to_parameters(vector, [])


def _hooked(lib):
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 3)
    y = x * x
    y.register_hook(lambda g: g + 1)
    z = (y * 2).sum()
    z.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    handle.remove()
    z.backward()
    return first, x.grad.numpy(), seen


def test_register_hook_as_torch():
    ours, theirs = _hooked(gn), _hooked(torch)
    np.testing.assert_allclose(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1])
    assert len(ours[2]) == len(theirs[2]) == 1
    np.testing.assert_allclose(ours[2][0], theirs[2][0])
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        gn.ones(2).register_hook(print)


def _gradients(lib):
    w = lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True, dtype=lib.float64)
    b = lib.tensor([0.1, 0.2], requires_grad=True, dtype=lib.float64)
    x = lib.tensor([1.0, 3.0], dtype=lib.float64)
    w.grad = lib.ones(2, 2, dtype=lib.float64)  # autograd.grad leaves .grad alone
    h = (w @ x + b).tanh()
    loss = (h * h).sum()
    g_w, g_b = lib.autograd.grad(loss, [w, b], retain_graph=True)
    (g_h,) = lib.autograd.grad(loss, h, retain_graph=True)
    g_two = lib.autograd.grad([loss, h.sum()], [b], retain_graph=True)[0]
    g_out = lib.autograd.grad(h, w, grad_outputs=lib.tensor([1.0, -2.0], dtype=lib.float64))[0]
    return [g_w, g_b, g_h, g_two, g_out, w.grad, b.grad is None]


def test_autograd_grad_as_torch():
    ours, theirs = _gradients(gn), _gradients(torch)
    for mine, expected in zip(ours[:6], theirs[:6]):
        np.testing.assert_allclose(mine.numpy(), expected.detach().numpy(), rtol=1e-7)
    assert ours[6] and theirs[6]
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    y = gn.tensor([3.0], requires_grad=True)
    out = (x * x).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        gn.autograd.grad(out, [x, y], retain_graph=True)
    assert gn.autograd.grad(out, [x, y], allow_unused=True, retain_graph=True)[1] is None
    assert gn.autograd.grad(out, [y], allow_unused=True, materialize_grads=True)[0].tolist() \
        == [0.0]
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        gn.autograd.grad((x * x).sum(), x, create_graph=True)
    t = gn.tensor([1.0, -2.0], requires_grad=True)
    np.testing.assert_allclose(gn.autograd.grad(t * 3, t, grad_outputs=gn.tensor([1.0, -2.0]))[0]
                               .numpy(), [3.0, -6.0])


def test_print_options_as_torch():
    value = [1.23456789, -20.5]
    try:
        for lib in (gn, torch):
            lib.set_printoptions(precision=2)
        assert repr(gn.tensor(value)) == repr(torch.tensor(value))
        for lib in (gn, torch):
            lib.set_printoptions(profile="default")
        assert repr(gn.tensor(value)) == repr(torch.tensor(value))
        gn.set_printoptions(threshold=5, edgeitems=2)
        assert "..." in repr(gn.arange(100))
        with pytest.raises(ValueError, match="profile"):
            gn.set_printoptions(profile="long")
    finally:
        gn.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def _made_under_float64(lib):
    lib.set_default_dtype(lib.float64)
    try:
        made = [lib.tensor([1.0]), lib.zeros(2), lib.randn(2), lib.arange(0.0, 1.0, 0.5),
                lib.nn.Linear(2, 3).weight, lib.tensor([1, 2]) / 2, lib.tensor([1]).exp(),
                lib.tensor([1]) * 0.5, lib.nn.BatchNorm1d(2).running_mean, lib.Tensor([1]),
                lib.linspace(0, 1, 3), lib.full((2,), 1.5), lib.tensor([1]).clamp(0.5),
                lib.nn.Transformer.generate_square_subsequent_mask(2), lib.tensor([1.5]).float()]
        dtypes = [t.dtype for t in made] + [lib.get_default_dtype()]
        return [str(dtype).removeprefix("torch.") for dtype in dtypes]
    finally:
        lib.set_default_dtype(lib.float32)


def test_set_default_dtype_as_torch():
    assert _made_under_float64(gn) == _made_under_float64(torch)
    assert gn.get_default_dtype() == np.float32 and gn.zeros(1).dtype == np.float32
    with pytest.raises(TypeError, match="only float32 and float64"):
        gn.set_default_dtype(gn.int64)
