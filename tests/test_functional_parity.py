"""Every function of glassnet.functional against torch.nn.functional: the forward and the
gradients of sum(out * v) (random cotangent v) for every float input that takes one, in float32
(relative error < 1e-4) and float64 (< 1e-8), across the options each function has."""

import types

import numpy as np
import pytest

import glassnet as gn
from glassnet import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOLERANCES = {
    np.float32: {"rtol": 1e-4, "atol": 1e-5},
    np.float64: {"rtol": 1e-8, "atol": 1e-10},
}
DTYPES = [np.float32, np.float64]


def _torch_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(q k^T * scale + mask) v written out in torch: the reference for F.attention."""
    scale = query.shape[-1] ** -0.5 if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if is_causal:
        causal = torch.ones(scores.shape[-2:], dtype=torch.bool).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = scores.softmax(-1)
    return weights @ value, weights


# torch's names for what glassnet keeps in functional
TORCH = types.SimpleNamespace(**vars(TF))
TORCH.sigmoid, TORCH.tanh = torch.sigmoid, torch.tanh
TORCH.heaviside = lambda x, values=0.0: torch.heaviside(x, torch.tensor(values, dtype=x.dtype))
TORCH.step = TORCH.heaviside
TORCH.attention = _torch_attention


# ---- inputs ----
def _array(rng, spec, dtype):
    """(kind, shape, *extra) -> (array, needs_grad)."""
    kind, shape, *extra = spec
    if kind == "x":  # a float input that gets a gradient
        return rng.standard_normal(shape).astype(dtype), True
    if kind == "big":  # spread wide: softplus thresholds, large logits
        return (rng.standard_normal(shape) * 15).astype(dtype), True
    if kind == "unit":  # probabilities in (0, 1) with a gradient (binary_cross_entropy)
        return rng.uniform(0.05, 0.95, shape).astype(dtype), True
    if kind == "pos":
        return rng.uniform(0.5, 2.0, shape).astype(dtype), True
    if kind == "tied":  # a few distinct values, so that maxima tie
        return rng.integers(0, 3, shape).astype(dtype), True
    if kind == "c":  # a float constant
        return rng.standard_normal(shape).astype(dtype), False
    if kind == "cunit":
        return rng.uniform(0, 1, shape).astype(dtype), False
    if kind == "cpos":
        return rng.uniform(0.5, 2.0, shape).astype(dtype), False
    if kind == "prob":  # rows that sum to 1 along extra[0]
        logits = rng.standard_normal(shape)
        probs = np.exp(logits) / np.exp(logits).sum(axis=extra[0], keepdims=True)
        return probs.astype(dtype), False
    if kind == "logprob":
        logits = rng.standard_normal(shape)
        logp = logits - np.log(np.exp(logits).sum(axis=extra[0], keepdims=True))
        return logp.astype(dtype), False
    if kind == "int":
        low = extra[1] if len(extra) > 1 else 0
        return rng.integers(low, extra[0], shape).astype(np.int64), False
    if kind == "bool":
        return rng.random(shape) > extra[0] if extra else rng.random(shape) > 0.3, False
    raise ValueError(kind)


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare(fn, specs, dtype, seed=0, torch_fn=None):
    """Run fn(F, *inputs) with glassnet and with torch on the same data; compare the outputs
    and the gradient of sum(out * v) for each input that takes one."""
    rng = np.random.default_rng(seed)
    arrays = [_array(rng, spec, dtype) for spec in specs]
    ours = [gn.tensor(a, requires_grad=g) for a, g in arrays]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in arrays]
    outs = _outputs(fn(F, *ours))
    expected = _outputs((torch_fn or fn)(TORCH, *theirs))
    tolerance = TOLERANCES[dtype]
    assert len(outs) == len(expected)
    for got, want in zip(outs, expected):
        assert got.shape == tuple(want.shape), (got.shape, tuple(want.shape))
        assert got.dtype == np.dtype(str(want.dtype).replace("torch.", "")), (got.dtype, want.dtype)
        np.testing.assert_allclose(got.array, want.detach().numpy(), **tolerance)
    differentiable = [(o, e) for o, e in zip(outs, expected) if e.requires_grad]
    if not differentiable:
        return
    cotangents = [rng.standard_normal(o.shape).astype(dtype) for o, _ in differentiable]
    sum((o * gn.tensor(v)).sum() for (o, _), v in zip(differentiable, cotangents)).backward()
    sum((e * torch.tensor(v)).sum() for (_, e), v in zip(differentiable, cotangents)).backward()
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if t.requires_grad:
            want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            got = np.zeros(o.shape) if o.grad is None else o.grad.array
            np.testing.assert_allclose(got, want, err_msg=f"gradient of input {i}", **tolerance)


CASES = []


def case(name, fn, *specs, torch_fn=None):
    CASES.append(pytest.param(fn, specs, torch_fn, id=name))


# ---- activations ----
X = ("x", (4, 6))
case("sigmoid", lambda f, x: f.sigmoid(x), ("big", (4, 6)))
case("tanh", lambda f, x: f.tanh(x), X)
case("relu", lambda f, x: f.relu(x), X)
case("leaky_relu", lambda f, x: f.leaky_relu(x), X)
case("leaky_relu-0.2", lambda f, x: f.leaky_relu(x, 0.2), X)
case("elu", lambda f, x: f.elu(x), X)
case("elu-alpha", lambda f, x: f.elu(x, alpha=0.5), ("big", (4, 6)))
case("gelu", lambda f, x: f.gelu(x), ("big", (4, 6)))
case("gelu-tanh", lambda f, x: f.gelu(x, approximate="tanh"), ("big", (4, 6)))
case("silu", lambda f, x: f.silu(x), ("big", (4, 6)))
case("softplus", lambda f, x: f.softplus(x), ("big", (4, 6)))
case("softplus-beta", lambda f, x: f.softplus(x, beta=2.0), ("big", (4, 6)))
case("softplus-threshold", lambda f, x: f.softplus(x, beta=0.5, threshold=5.0), ("big", (4, 6)))
for dim in (0, 1, -1):
    case(f"softmax-{dim}", lambda f, x, d=dim: f.softmax(x, dim=d), ("big", (3, 4, 5)))
    case(f"log_softmax-{dim}", lambda f, x, d=dim: f.log_softmax(x, dim=d), ("big", (3, 4, 5)))
case("heaviside", lambda f, x: f.heaviside(x), X, torch_fn=lambda f, x: f.heaviside(x.detach()))

# ---- linear, embedding, normalisation ----
case("linear", lambda f, x, w, b: f.linear(x, w, b), ("x", (5, 4)), ("x", (3, 4)), ("x", (3,)))
case("linear-3d-nobias", lambda f, x, w: f.linear(x, w), ("x", (2, 5, 4)), ("x", (3, 4)))
case("linear-1d", lambda f, x, w, b: f.linear(x, w, b), ("x", (4,)), ("x", (3, 4)), ("x", (3,)))
case("embedding", lambda f, i, w: f.embedding(i, w), ("int", (3, 5), 7), ("x", (7, 4)))
case(
    "embedding-padding_idx",
    lambda f, i, w: f.embedding(i, w, padding_idx=2),
    ("int", (4, 6), 4),
    ("x", (4, 3)),
)
case(
    "embedding-padding_idx-neg",
    lambda f, i, w: f.embedding(i, w, padding_idx=-1),
    ("int", (4, 6), 4),
    ("x", (4, 3)),
)
case("layer_norm", lambda f, x: f.layer_norm(x, (6,)), ("x", (3, 4, 6)))
case(
    "layer_norm-affine",
    lambda f, x, w, b: f.layer_norm(x, (4, 6), w, b, eps=1e-3),
    ("x", (3, 4, 6)),
    ("x", (4, 6)),
    ("x", (4, 6)),
)
case(
    "batch_norm-train-2d",
    lambda f, x, w, b: f.batch_norm(x, None, None, w, b, training=True),
    ("x", (8, 3)),
    ("x", (3,)),
    ("x", (3,)),
)
case(
    "batch_norm-train-4d",
    lambda f, x, w, b: f.batch_norm(x, None, None, w, b, True, 0.1, 1e-3),
    ("x", (4, 3, 2, 5)),
    ("x", (3,)),
    ("x", (3,)),
)
case(
    "batch_norm-eval",
    lambda f, x, m, v, w, b: f.batch_norm(x, m, v, w, b, training=False),
    ("x", (4, 3, 5)),
    ("c", (3,)),
    ("cpos", (3,)),
    ("x", (3,)),
    ("x", (3,)),
)
case("normalize", lambda f, x: f.normalize(x), ("x", (4, 5)))
case("normalize-p1-dim0", lambda f, x: f.normalize(x, p=1.0, dim=0), ("x", (4, 5)))
case("cosine_similarity", lambda f, a, b: f.cosine_similarity(a, b), ("x", (4, 5)), ("x", (4, 5)))
case("pairwise_distance", lambda f, a, b: f.pairwise_distance(a, b, 3.0), ("x", (4, 5)),
     ("x", (4, 5)))
case(
    "cosine_similarity-dim-1",
    lambda f, a, b: f.cosine_similarity(a, b, dim=-1),
    ("x", (2, 4, 5)),
    ("x", (2, 4, 5)),
)
case("pad", lambda f, x: f.pad(x, (1, 2)), ("x", (2, 3, 4)))
case("pad-3dims-value", lambda f, x: f.pad(x, (0, 1, 2, 0, 1, 1), value=-2.0), ("x", (2, 3, 4)))

# ---- convolution ----
for name, kwargs in [
    ("", {}),
    ("-stride2", {"stride": 2}),
    ("-pad1", {"padding": 1}),
    ("-pad-tuple", {"padding": (1, 2)}),
    ("-stride-tuple", {"stride": (2, 1), "padding": 1}),
    ("-dilation2", {"dilation": 2, "padding": 2}),
    ("-dilation-tuple", {"dilation": (1, 2)}),
    ("-same", {"padding": "same"}),
    ("-same-dilation", {"padding": "same", "dilation": 2}),
    ("-valid", {"padding": "valid"}),
    ("-all", {"stride": 2, "padding": 1, "dilation": 2}),
]:
    case(
        f"conv2d{name}",
        lambda f, x, w, b, k=kwargs: f.conv2d(x, w, b, **k),
        ("x", (2, 3, 7, 8)),
        ("x", (4, 3, 3, 3)),
        ("x", (4,)),
    )
case(
    "conv2d-groups",
    lambda f, x, w, b: f.conv2d(x, w, b, groups=2, padding=1),
    ("x", (2, 4, 6, 6)),
    ("x", (6, 2, 3, 3)),
    ("x", (6,)),
)
case(
    "conv2d-depthwise",
    lambda f, x, w: f.conv2d(x, w, groups=4, stride=2),
    ("x", (2, 4, 7, 7)),
    ("x", (8, 1, 3, 3)),
)
case(
    "conv2d-even-kernel-same",
    lambda f, x, w: f.conv2d(x, w, padding="same"),
    ("x", (1, 2, 6, 7)),
    ("x", (3, 2, 2, 4)),
)
case(
    "conv2d-rect-kernel",
    lambda f, x, w: f.conv2d(x, w, stride=(1, 2)),
    ("x", (2, 2, 6, 9)),
    ("x", (3, 2, 1, 4)),
)
case(
    "conv1d", lambda f, x, w, b: f.conv1d(x, w, b), ("x", (2, 3, 10)), ("x", (4, 3, 3)), ("x", (4,))
)
case(
    "conv1d-stride-pad-dilation",
    lambda f, x, w: f.conv1d(x, w, stride=2, padding=2, dilation=2),
    ("x", (2, 3, 11)),
    ("x", (4, 3, 3)),
)
case("conv1d-groups", lambda f, x, w: f.conv1d(x, w, groups=3), ("x", (2, 3, 8)), ("x", (6, 1, 2)))
case(
    "conv1d-same-even",
    lambda f, x, w: f.conv1d(x, w, padding="same"),
    ("x", (2, 3, 8)),
    ("x", (2, 3, 4)),
)
for name, kwargs in [
    ("", {}),
    ("-stride2", {"stride": 2}),
    ("-pad", {"stride": 2, "padding": 1}),
    ("-output_padding", {"stride": 2, "padding": 1, "output_padding": 1}),
    ("-dilation", {"dilation": 2}),
    ("-all", {"stride": 3, "padding": 2, "output_padding": 2, "dilation": 2}),
    ("-tuples", {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0)}),
]:
    case(
        f"conv_transpose2d{name}",
        lambda f, x, w, b, k=kwargs: f.conv_transpose2d(x, w, b, **k),
        ("x", (2, 3, 4, 5)),
        ("x", (3, 2, 3, 3)),
        ("x", (2,)),
    )
case(
    "conv_transpose2d-groups",
    lambda f, x, w, b: f.conv_transpose2d(x, w, b, stride=2, groups=2),
    ("x", (2, 4, 3, 3)),
    ("x", (4, 3, 2, 2)),
    ("x", (6,)),
)
case("unfold", lambda f, x: f.unfold(x, 2, dilation=1, padding=1, stride=2), ("x", (2, 3, 5, 4)))
case("fold", lambda f, x: f.fold(x, (4, 5), 2, padding=1, stride=2), ("x", (2, 12, 9)))

# ---- pooling and resizing ----
for name, kwargs in [
    ("", {"kernel_size": 2}),
    ("-stride1", {"kernel_size": 3, "stride": 1}),
    ("-pad", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("-rect", {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1)}),
]:
    case(f"max_pool2d{name}", lambda f, x, k=kwargs: f.max_pool2d(x, **k), ("x", (2, 3, 7, 8)))
    case(f"avg_pool2d{name}", lambda f, x, k=kwargs: f.avg_pool2d(x, **k), ("x", (2, 3, 7, 8)))
case(
    "max_pool2d-dilation",
    lambda f, x: f.max_pool2d(x, 2, stride=1, dilation=2),
    ("x", (2, 3, 6, 6)),
)
case("max_pool2d-unbatched", lambda f, x: f.max_pool2d(x, 2), ("x", (3, 6, 6)))
# tied maxima: the gradient goes to the first of each window, in the fused and the general path
case("max_pool2d-tied", lambda f, x: f.max_pool2d(x, 2), ("tied", (2, 3, 6, 8)))
case("max_pool2d-tied-overlapping", lambda f, x: f.max_pool2d(x, 3, stride=1, padding=1),
     ("tied", (2, 3, 6, 8)))
case(
    "avg_pool2d-exclude-pad",
    lambda f, x: f.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    ("x", (2, 3, 7, 8)),
)
case("avg_pool2d-divisor", lambda f, x: f.avg_pool2d(x, 2, divisor_override=3), ("x", (1, 2, 4, 4)))
case("max_pool1d", lambda f, x: f.max_pool1d(x, 3, stride=2, padding=1), ("x", (2, 3, 9)))
case("avg_pool1d", lambda f, x: f.avg_pool1d(x, 2), ("x", (2, 3, 9)))
case(
    "avg_pool1d-exclude-pad",
    lambda f, x: f.avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False),
    ("x", (2, 3, 9)),
)
for name, kwargs in [
    ("size", {"size": (6, 9)}),
    ("size-down", {"size": (2, 3)}),
    ("size-int", {"size": 5}),
    ("scale2", {"scale_factor": 2}),
    ("scale-tuple", {"scale_factor": (2, 3)}),
    ("scale-frac", {"scale_factor": 1.5}),
]:
    case(f"interpolate-{name}", lambda f, x, k=kwargs: f.interpolate(x, **k), ("x", (2, 3, 4, 5)))
case("interpolate-1d", lambda f, x: f.interpolate(x, size=7), ("x", (2, 3, 4)))
case("interpolate-1d-scale", lambda f, x: f.interpolate(x, scale_factor=2), ("x", (2, 3, 4)))

# ---- attention ----
QKV = (("x", (2, 3, 4, 8)), ("x", (2, 3, 6, 8)), ("x", (2, 3, 6, 5)))
case("sdpa", lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v), *QKV)
case("sdpa-scale", lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v, scale=0.3), *QKV)
case(
    "sdpa-bool-mask",
    lambda f, q, k, v, m: f.scaled_dot_product_attention(q, k, v, attn_mask=m),
    *QKV,
    ("bool", (4, 6), -1.0),
)
case(
    "sdpa-bool-mask-broadcast",
    lambda f, q, k, v, m: f.scaled_dot_product_attention(q, k, v, attn_mask=m),
    *QKV,
    ("bool", (2, 1, 1, 6), -1.0),
)
case(
    "sdpa-float-mask",
    lambda f, q, k, v, m: f.scaled_dot_product_attention(q, k, v, attn_mask=m),
    *QKV,
    ("x", (2, 3, 4, 6)),
)
case(
    "sdpa-causal",
    lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v, is_causal=True),
    ("x", (2, 5, 8)),
    ("x", (2, 5, 8)),
    ("x", (2, 5, 3)),
)
case(
    "attention-weights",
    lambda f, q, k, v, m: f.attention(q, k, v, attn_mask=m),
    *QKV,
    ("x", (4, 6)),
)
case(
    "attention-causal-weights",
    lambda f, q, k, v: f.attention(q, k, v, is_causal=True, scale=1.0),
    ("x", (3, 4, 8)),
    ("x", (3, 6, 8)),
    ("x", (3, 6, 2)),
)

# ---- losses ----
for reduction in ("mean", "sum", "none"):
    r = {"reduction": reduction}
    case(
        f"cross_entropy-{reduction}",
        lambda f, x, t, r=r: f.cross_entropy(x, t, **r),
        ("x", (6, 5)),
        ("int", (6,), 5),
    )
    case(
        f"cross_entropy-weight-ignore-{reduction}",
        lambda f, x, t, w, r=r: f.cross_entropy(x, t, weight=w, ignore_index=1, **r),
        ("x", (8, 4)),
        ("int", (8,), 4),
        ("cpos", (4,)),
    )
    case(
        f"cross_entropy-smoothing-{reduction}",
        lambda f, x, t, r=r: f.cross_entropy(x, t, label_smoothing=0.2, **r),
        ("x", (6, 5)),
        ("int", (6,), 5),
    )
    case(
        f"cross_entropy-smoothing-weight-ignore-{reduction}",
        lambda f, x, t, w, r=r: f.cross_entropy(
            x, t, weight=w, ignore_index=0, label_smoothing=0.1, **r
        ),
        ("x", (8, 4)),
        ("int", (8,), 4),
        ("cpos", (4,)),
    )
    case(
        f"cross_entropy-probs-{reduction}",
        lambda f, x, t, r=r: f.cross_entropy(x, t, **r),
        ("x", (6, 5)),
        ("prob", (6, 5), 1),
    )
    case(
        f"cross_entropy-probs-weight-smoothing-{reduction}",
        lambda f, x, t, w, r=r: f.cross_entropy(x, t, weight=w, label_smoothing=0.3, **r),
        ("x", (6, 5)),
        ("prob", (6, 5), 1),
        ("cpos", (5,)),
    )
    case(
        f"cross_entropy-kdim-{reduction}",
        lambda f, x, t, r=r: f.cross_entropy(x, t, ignore_index=2, **r),
        ("x", (2, 4, 3, 5)),
        ("int", (2, 3, 5), 4),
    )
    case(
        f"nll_loss-{reduction}",
        lambda f, x, t, r=r: f.nll_loss(x, t, **r),
        ("x", (6, 5)),
        ("int", (6,), 5),
    )
    case(
        f"nll_loss-weight-ignore-{reduction}",
        lambda f, x, t, w, r=r: f.nll_loss(x, t, weight=w, ignore_index=3, **r),
        ("x", (9, 4)),
        ("int", (9,), 4),
        ("cpos", (4,)),
    )
    case(
        f"nll_loss-kdim-{reduction}",
        lambda f, x, t, r=r: f.nll_loss(x, t, **r),
        ("x", (2, 3, 4)),
        ("int", (2, 4), 3),
    )
    case(f"mse_loss-{reduction}", lambda f, x, y, r=r: f.mse_loss(x, y, **r), X, ("x", (4, 6)))
    case(f"l1_loss-{reduction}", lambda f, x, y, r=r: f.l1_loss(x, y, **r), X, ("c", (4, 6)))
    case(
        f"binary_cross_entropy-{reduction}",
        lambda f, p, t, r=r: f.binary_cross_entropy(p, t, **r),
        ("unit", (4, 6)),
        ("cunit", (4, 6)),
    )
    case(
        f"binary_cross_entropy-weight-{reduction}",
        lambda f, p, t, w, r=r: f.binary_cross_entropy(p, t, weight=w, **r),
        ("unit", (4, 6)),
        ("cunit", (4, 6)),
        ("cpos", (6,)),
    )
    case(
        f"bce_with_logits-{reduction}",
        lambda f, x, t, r=r: f.binary_cross_entropy_with_logits(x, t, **r),
        ("big", (4, 6)),
        ("cunit", (4, 6)),
    )
    case(
        f"bce_with_logits-pos_weight-weight-{reduction}",
        lambda f, x, t, w, p, r=r: f.binary_cross_entropy_with_logits(
            x, t, weight=w, pos_weight=p, **r
        ),
        ("big", (4, 6)),
        ("cunit", (4, 6)),
        ("cpos", (4, 1)),
        ("cpos", (6,)),
    )
for reduction in ("mean", "sum", "none", "batchmean"):
    r = {"reduction": reduction}
    case(
        f"kl_div-{reduction}",
        lambda f, x, t, r=r: f.kl_div(x, t, **r),
        ("x", (4, 5)),
        ("prob", (4, 5), 1),
    )
    case(
        f"kl_div-log_target-{reduction}",
        lambda f, x, t, r=r: f.kl_div(x, t, log_target=True, **r),
        ("x", (4, 5)),
        ("logprob", (4, 5), 1),
    )
case(
    "kl_div-zero-target",
    lambda f, x, t: f.kl_div(x, t * (t > 0.2), reduction="sum"),
    ("x", (4, 5)),
    ("prob", (4, 5), 1),
)
case("cross_entropy-unbatched", lambda f, x, t: f.cross_entropy(x, t), ("x", (5,)), ("int", (), 5))
case(
    "cross_entropy-large-logits",
    lambda f, x, t: f.cross_entropy(x, t),
    ("big", (6, 5)),
    ("int", (6,), 5),
)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("fn, specs, torch_fn", CASES)
def test_parity(fn, specs, torch_fn, dtype):
    compare(fn, specs, dtype, torch_fn=torch_fn)


# ---- what the table does not cover ----
def test_heaviside_values_at_zero_and_zero_gradient():
    x = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal(F.heaviside(x, 0.5).array, [0, 0.5, 1])
    F.heaviside(x).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [0, 0, 0])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_binary_cross_entropy_at_saturated_probabilities(dtype):
    """p exactly 0 or 1 (sigmoid(20) is 1.0 in float32) or tiny: the loss is clamped at 100 per
    element and the gradients are PyTorch's finite (p - t) / max(p (1 - p), 1e-12), not NaN;
    the target's gradient log(1 - p) - log(p) is +-inf there, as in PyTorch."""
    p = np.array([0.0, 1.0, 1.0, 0.0, 1e-30, 0.5], dtype=dtype)
    t = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.3], dtype=dtype)
    ours = [gn.tensor(v, requires_grad=True) for v in (p, t)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (p, t)]
    F.binary_cross_entropy(*ours).backward()
    TF.binary_cross_entropy(*theirs).backward()
    tolerance = TOLERANCES[dtype]
    np.testing.assert_allclose(F.binary_cross_entropy(*ours).item(),
                               TF.binary_cross_entropy(*theirs).item(), **tolerance)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tolerance)
    z = gn.tensor(np.array([0.0, 20.0, -120.0], dtype=dtype), requires_grad=True)
    target = gn.tensor(np.array([1.0, 1.0, 0.0], dtype=dtype))
    F.binary_cross_entropy(z.sigmoid(), target).backward()
    assert np.isfinite(z.grad.numpy()).all()


LOSS_EDGES = {
    # every target ignored: the mean is NaN and the gradient 0 (fused and composed paths)
    "cross_entropy-all-ignored": (lambda f, x, t: f.cross_entropy(x, t, ignore_index=1),
                                  True, False),
    "cross_entropy-all-ignored-weight-smoothing": (
        lambda f, x, t: f.cross_entropy(x, t, weight=x.detach()[0] * 0 + 2, ignore_index=1,
                                        label_smoothing=0.1), True, False),
    "nll_loss-all-ignored": (lambda f, x, t: f.nll_loss(x, t, ignore_index=1), True, False),
    # the target's gradient: probabilities and KL divergence differentiate through it
    "cross_entropy-probability-target": (lambda f, x, t: f.cross_entropy(x, t), False, True),
    "kl_div-target": (lambda f, x, t: f.kl_div(x, t, reduction="sum"), False, True),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", LOSS_EDGES)
def test_loss_edges_match_pytorch(name, dtype):
    fn, class_target, target_grad = LOSS_EDGES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3)).astype(dtype)
    t = np.array([1, 1]) if class_target else rng.uniform(0.1, 1, (2, 3)).astype(dtype)
    results = []
    for lib, make in ((F, gn.tensor), (TF, torch.tensor)):
        xs, ts = make(x, requires_grad=True), make(t, requires_grad=target_grad)
        loss = fn(lib, xs, ts)
        loss.backward()
        results.append([np.asarray(loss.detach()), np.asarray(xs.grad)]
                       + ([np.asarray(ts.grad)] if target_grad else []))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, **TOLERANCES[dtype])


def test_mse_and_l1_broadcast_a_target_with_a_warning_as_pytorch():
    x, t = np.arange(12.0).reshape(3, 4), np.ones((1, 4))
    for name in ("mse_loss", "l1_loss"):
        with pytest.warns(UserWarning, match=rf"{name}: target shape \(1, 4\) differs"):
            ours = getattr(F, name)(gn.tensor(x), gn.tensor(t))
        theirs = getattr(TF, name)(torch.tensor(x), torch.tensor(t))
        np.testing.assert_allclose(ours.item(), theirs.item())
    with pytest.raises(ValueError, match="mse_loss: target shape"):
        F.mse_loss(gn.ones(3, 4), gn.ones(2, 4))
    with pytest.raises(ValueError, match="binary_cross_entropy: target shape"):
        F.binary_cross_entropy(gn.ones(3, 4) * 0.5, gn.ones(1, 4))


def test_softplus_is_linear_above_the_threshold_and_finite_everywhere():
    x = gn.tensor([-1000.0, -30.0, 0.0, 19.0, 21.0, 1000.0], requires_grad=True)
    out = F.softplus(x)
    expected = TF.softplus(torch.tensor(x.array))
    np.testing.assert_allclose(out.array, expected.numpy(), rtol=1e-6)
    out.sum().backward()
    assert np.all(np.isfinite(x.grad.array))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 2, 4)])
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_running_statistics(dtype, shape, momentum):
    rng = np.random.default_rng(0)
    mean, var = rng.standard_normal(3).astype(dtype), rng.uniform(0.5, 2, 3).astype(dtype)
    ours = [gn.tensor(mean), gn.tensor(var)]
    theirs = [torch.tensor(mean), torch.tensor(var)]
    for step in range(3):
        x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
        out = F.batch_norm(gn.tensor(x), *ours, training=True, momentum=momentum)
        expected = TF.batch_norm(torch.tensor(x), *theirs, training=True, momentum=momentum)
        np.testing.assert_allclose(out.array, expected.numpy(), **TOLERANCES[dtype])
        for got, want in zip(ours, theirs):
            np.testing.assert_allclose(got.array, want.numpy(), **TOLERANCES[dtype])
    x = rng.standard_normal(shape).astype(dtype)
    out = F.batch_norm(gn.tensor(x), *ours, training=False)
    expected = TF.batch_norm(torch.tensor(x), *theirs, training=False)
    np.testing.assert_allclose(out.array, expected.numpy(), **TOLERANCES[dtype])


def test_one_hot():
    index = np.array([[0, 3], [2, 1]])
    for num_classes in (-1, 4, 6):
        got = F.one_hot(gn.tensor(index), num_classes)
        want = TF.one_hot(torch.tensor(index), num_classes)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.array, want.numpy())
    with pytest.raises(RuntimeError, match="one_hot"):
        F.one_hot(gn.tensor([0, 5]), 3)


def test_dropout_statistics_and_gradient():
    x = gn.ones(200, 500, requires_grad=True)
    p = 0.3
    out = F.dropout(x, p, rng=0)
    kept = out.array != 0
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(out.array[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(out.array.mean() - 1) < 0.02
    assert out.dtype == np.float32
    out.sum().backward()
    np.testing.assert_allclose(x.grad.array, kept / (1 - p), rtol=1e-6)  # the same mask
    np.testing.assert_array_equal(F.dropout(x, p, rng=5).array, F.dropout(x, p, rng=5).array)
    assert not np.array_equal(F.dropout(x, p, rng=5).array, F.dropout(x, p, rng=6).array)
    gn.manual_seed(11)
    first = F.dropout(x, p).array
    gn.manual_seed(11)
    np.testing.assert_array_equal(first, F.dropout(x, p).array)


def test_dropout_edge_cases():
    x = gn.randn(10, 10)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).array, x.array)
    assert np.all(F.dropout(x, 1.0).array == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_every_functional_is_covered():
    """A function added to glassnet.functional must get a row in the table above."""
    public = {
        name
        for name, value in vars(F).items()
        if callable(value)
        and getattr(value, "__module__", "").startswith("glassnet.functional")
        and not name.startswith("_")
    }
    covered = {p.id.split("-")[0] for p in CASES} | {
        "dropout",
        "one_hot",
        "step",
        "bce_with_logits",
        "binary_cross_entropy_with_logits",
        "scaled_dot_product_attention",
        "sdpa",
    }
    assert public - covered == set()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_normalize_and_cosine_similarity_of_zero_vectors(dtype):
    data = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]], dtype=dtype)
    other = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=dtype)
    compare_arrays = [
        (gn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))
        for a in (data, other)
    ]
    (x, tx), (y, ty) = compare_arrays
    out = F.normalize(x).sum() + F.cosine_similarity(x, y).sum() * 2
    expected = TF.normalize(tx).sum() + TF.cosine_similarity(tx, ty).sum() * 2
    np.testing.assert_allclose(out.item(), expected.item(), **TOLERANCES[dtype])
    out.backward()
    expected.backward()
    np.testing.assert_allclose(x.grad.array, tx.grad.numpy(), **TOLERANCES[dtype])
    np.testing.assert_allclose(y.grad.array, ty.grad.numpy(), **TOLERANCES[dtype])
