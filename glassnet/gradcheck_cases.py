"""The table of gradient checks: every primitive in ops/, every op composed in functional/, and
every layer of nn, each as a small float64 problem for testing.gradcheck; the Tensor methods
composed of primitives (tensor.*) are in gradcheck_surface.py, which adds to the same table.

A case is a name and a builder ``build(rng) -> (fn, inputs)`` or ``(fn, inputs, params)``.
Names say where the op lives: ``ops.`` primitives, ``tensor.`` methods, ``F.`` functional,
``nn.`` layers. Inputs that meet a kink (relu, abs, clamp at 0 or a bound; max at a tie) are
drawn by ``apart``, so no value sits within a finite-difference step of one. Layers are imported
inside their builders, so a layer that is missing fails its own case and no other.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

import glassnet as gn
from glassnet import functional as F
from glassnet.ops import conv, fused, fused_conv
from glassnet.ops import elementwise as ew
from glassnet.ops import movement as mv
from glassnet.ops import reduce as rd
from glassnet.testing import gradcheck


class Case(NamedTuple):
    name: str
    build: Callable


CASES = []


def add_case(name, build):
    CASES.append(Case(name, build))


def check(case):
    """Build the case from fixed seeds and run gradcheck on it."""
    gn.manual_seed(0)  # layers draw their initial weights from the global generator
    fn, inputs, *params = case.build(np.random.default_rng(0))
    return gradcheck(fn, inputs, params=params[0] if params else None, rng=1)


# ---- inputs: a shape means uniform in [-1, 1]; the makers below give other draws ----
def leaf(array):
    return gn.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def const(array):
    return gn.tensor(np.asarray(array, dtype=np.float64))


def uniform(r, *shape, low=-1.0, high=1.0):
    return leaf(r.uniform(low, high, shape))


def distinct(r, *shape, scale=1.0):
    """Values in (-scale, scale), at least scale/n apart and from 0: no ties, no kinks hit."""
    n = int(np.prod(shape))
    spread = (r.permutation(n) + 0.5 - n / 2 + r.uniform(-0.25, 0.25, n)) * (2 / n)
    return leaf(scale * spread.reshape(shape))


def apart(*shape, scale=1.0):
    return lambda r: distinct(r, *shape, scale=scale)


def between(low, high, *shape):
    return lambda r: uniform(r, *shape, low=low, high=high)


def probabilities(*shape):
    def sample(r):
        p = r.uniform(0.1, 1.0, shape)
        return const(p / p.sum(axis=1, keepdims=True))

    return sample


def draw(spec, r):
    return spec(r) if callable(spec) else uniform(r, *spec)


def op(name, fn, *inputs):
    """A case for fn(*inputs), each input a shape or a maker of r."""
    add_case(name, lambda r: (fn, [draw(spec, r) for spec in inputs]))


def causal_float_mask(length):
    return const(np.triu(np.full((length, length), -np.inf), 1))


GATHER_INDEX = np.array([[0, 3, 3, 1, 2], [2, 2, 0, 1, 0], [1, 3, 0, 0, 3]])
ATTENTION_MASK = np.array([[1, 0, 1, 1, 0], [0, 1, 0, 0, 1], [1, 1, 1, 0, 0]], dtype=bool)
TARGETS = np.array([1, 0, 3, 4])
TARGETS_2D = np.array([[1, -100, 3], [4, 0, -100]])  # (N, d) for input (N, C, d); two ignored
CLASS_WEIGHT = np.arange(1.0, 6.0)
BOOL_CONDITION = np.array([[1, 0, 0, 1], [0, 1, 1, 1], [0, 0, 1, 0]], dtype=bool)

# ---- primitives (glassnet/ops): each backward rule written by hand ----
op("ops.cast", lambda a: ew.cast(a, np.float64), (3, 4))
op("ops.add.broadcast", lambda a, b: a + b, (3, 4), (4,))
op("ops.mul.broadcast", lambda a, b: a * b, (2, 3, 1), (4,))
op("ops.div.broadcast", lambda a, b: a / b, (3, 4), between(0.5, 2, 3, 1))
op("ops.neg", lambda a: -a, (3, 4))
op("ops.pow", lambda a, b: a**b, between(0.5, 2, 3, 4), (4,))
op("ops.pow.constant_exponent", lambda a: a**3, (3, 4))
op("ops.exp", lambda a: a.exp(), (3, 4))
op("ops.log", lambda a: a.log(), between(0.5, 2, 3, 4))
op("ops.log1p", lambda a: a.log1p(), between(-0.5, 1, 3, 4))
op("ops.abs", lambda a: a.abs(), apart(3, 4))
op("ops.tanh", lambda a: a.tanh(), between(-3, 3, 3, 4))
op("ops.sigmoid", lambda a: a.sigmoid(), between(-3, 3, 3, 4))
op("ops.relu", lambda a: a.relu(), apart(3, 4))
op("ops.erf", lambda a: a.erf(), between(-2, 2, 3, 4))
op("ops.sin", lambda a: a.sin(), between(-4, 4, 3, 4))
op("ops.cos", lambda a: a.cos(), between(-4, 4, 3, 4))
op("ops.flat.step", lambda a: ew.step(a), apart(3, 4))
op("ops.where", lambda a, b: gn.where(BOOL_CONDITION, a, b), (3, 4), (4,))
op("ops.clamp", lambda a: a.clamp(-0.3, 0.45), apart(3, 4))
op("ops.clamp.min_only", lambda a: a.clamp(min=0.1), apart(3, 4))
op("ops.sum.all", lambda a: a.sum(), (2, 3, 4))
op("ops.sum.dims_keepdim", lambda a: a.sum((0, -1), keepdim=True), (2, 3, 4))
op("ops.max.all", lambda a: a.max(), apart(3, 4))
op("ops.max.dim", lambda a: a.max(dim=1).values, apart(2, 3, 4))
op("ops.max.dim_keepdim", lambda a: rd.max(a, 0, True), apart(3, 4))
op("ops.reshape", lambda a: a.reshape(4, -1), (2, 3, 2))
op("ops.permute", lambda a: a.permute(2, 0, 1), (2, 3, 4))
op("ops.expand", lambda a: a.expand(2, 3, 4), (3, 1))
op("ops.index.slices", lambda a: a[1:, ::-2, None, -1], (3, 4, 5))
op("ops.index.int_array_repeats", lambda a: a[np.array([0, 2, 0]), 1:], (3, 4))
op("ops.index.bool_mask", lambda a: a[BOOL_CONDITION], (3, 4))
op("ops.cat", lambda a, b, c: gn.cat([a, b, c], dim=1), (2, 1), (2, 3), (2, 2))
op("ops.pad", lambda a: mv.pad(a, ((1, 0), (2, 1)), 0.5), (3, 4))
op("ops.gather", lambda a: a.gather(1, GATHER_INDEX), (3, 4))
op("ops.index_put", lambda a, b: mv.index_put(a, b, (slice(None), [2, 0])), (3, 4), (3, 1))
op("ops.index_put.accumulate_repeats", lambda a, b: mv.index_put(
    a, b, (np.array([0, 2, 0]),), accumulate=True), (3, 4), (3, 4))
op("ops.cumsum", lambda a: rd.cumsum(a, 1), (2, 3, 4))
op("ops.remainder", lambda a, b: a % b, between(0.5, 3, 3, 4), between(0.7, 1.3, 4))
op("ops.maximum.and_minimum", lambda a, b: a.maximum(b) + 2 * a.minimum(b), apart(3, 4), apart(4))
op("ops.matmul.batched_broadcast", lambda a, b: a @ b, (2, 1, 3, 4), (5, 4, 2))
op("ops.linear", fused.linear, (2, 2, 3), (4, 3), (4,))
op("ops.linear.no_bias", fused.linear, (2, 3), (4, 3))
op("ops.unfold", lambda a: conv.unfold(a, (2, 3), (1, 2), (1, 0), (2, 1)), (2, 2, 5, 6))
op("ops.fold", lambda c: conv.fold(c, (4, 5), (2, 2), (2, 1), (1, 1), (1, 1)), (1, 8, 18))
op("ops.softmax", lambda a: rd.softmax(a, 1), (2, 3, 4))
op("ops.log_softmax", lambda a: rd.log_softmax(a, 0), (3, 4))
op("ops.lstm_sequence", fused.lstm_sequence, (3, 2, 8), (2, 2), (2, 2), (8, 2))
op("ops.lstm_sequence.reverse", lambda x, h, c, w: fused.lstm_sequence(x, h, c, w, reverse=True),
   (3, 2, 8), (2, 2), (2, 2), (8, 2))
op("ops.cross_entropy", lambda a: fused.cross_entropy(a, gn.tensor(TARGETS)), (4, 5))
op("ops.cross_entropy.ignore_sum", lambda a: fused.cross_entropy(
    a, gn.tensor(TARGETS_2D[:, 0]), ignore_index=4, reduction="sum"), (2, 5))
op("ops.conv2d", lambda x, w, b: fused_conv.conv2d(x, w, b, (1, 1), (1, 1), (1, 1)), (2, 3, 5, 4),
   (4, 3, 3, 2), (4,))
op("ops.conv2d.strided_dilated", lambda x, w: fused_conv.conv2d(x, w, None, (2, 1), (0, 2), (1, 2)),
   (2, 3, 7, 6), (4, 3, 3, 2))
op("ops.max_pool2d", lambda x: fused_conv.max_pool2d(x, (2, 2)), apart(2, 3, 4, 6))
op("ops.max_pool2d.ragged", lambda x: fused_conv.max_pool2d(x, (3, 2)), apart(1, 2, 7, 5))
op("ops.gelu", fused.gelu, (3, 4))
op("ops.binary_cross_entropy_with_logits", fused.binary_cross_entropy_with_logits, (3, 4), (3, 4))
op("ops.binary_cross_entropy", fused.binary_cross_entropy, between(0.1, 0.9, 3, 4), (3, 4))
op("ops.layer_norm", lambda x, w, b: fused.layer_norm(x, w, b), (2, 3, 5), (5,), (5,))
op("ops.attention.causal", lambda q, k, v: fused.attention(
    q, k, v, np.triu(np.full((4, 4), -np.inf), 1), 0.5), (2, 3, 4, 2), (2, 3, 4, 2), (2, 3, 4, 3))
op("ops.attention.broadcast", lambda q, k, v: fused.attention(q, k, v), (2, 3, 2), (1, 4, 2),
   (1, 4, 3))

# ---- composed ops (functional.py) ----
op("F.heaviside", F.heaviside, apart(3, 4))
op("F.sigmoid", F.sigmoid, between(-3, 3, 3, 4))
op("F.tanh", F.tanh, between(-3, 3, 3, 4))
op("F.relu", F.relu, apart(3, 4))
op("F.leaky_relu", lambda a: F.leaky_relu(a, 0.1), apart(3, 4))
op("F.elu", lambda a: F.elu(a, 0.5), apart(3, 4, scale=3.0))
op("F.gelu", F.gelu, between(-3, 3, 3, 4))
op("F.gelu.tanh", lambda a: F.gelu(a, approximate="tanh"), between(-3, 3, 3, 4))
op("F.silu", F.silu, between(-3, 3, 3, 4))
op("F.softplus", lambda a: F.softplus(a, beta=2.0), apart(3, 4, scale=3.0))
op("F.softplus.threshold", lambda a: F.softplus(a, threshold=1.0), apart(3, 4, scale=3.0))
op("F.softmax", lambda a: F.softmax(a, dim=0), between(-3, 3, 3, 4))
op("F.log_softmax", lambda a: F.log_softmax(a, dim=1), between(-3, 3, 3, 4))
op("F.linear", F.linear, (2, 3), (4, 3), (4,))
op("F.dropout", lambda a: F.dropout(a, 0.3, rng=7), (4, 5))
# PyTorch gives the padding row no gradient although the output holds it, so the padding
# positions are masked out here, as a model's loss would mask them.
EMBEDDING_INDICES = np.array([[0, 1, 4], [1, 2, 2]])
NOT_PADDING = (EMBEDDING_INDICES != 1)[..., None]
op("F.embedding.padding_idx",
   lambda w: F.embedding(EMBEDDING_INDICES, w, padding_idx=1) * const(NOT_PADDING), (5, 3))
op("F.layer_norm", lambda a, w, b: F.layer_norm(a, (3, 4), w, b), (2, 3, 4), (3, 4), (3, 4))
op("F.batch_norm.train",
   lambda a, w, b: F.batch_norm(a, const(np.zeros(3)), const(np.ones(3)), w, b, training=True),
   (4, 3, 2), (3,), (3,))
op("F.batch_norm.eval",
   lambda a, w, b: F.batch_norm(a, const([0.1, -0.2, 0.3]), const([0.5, 1.5, 2.0]), w, b),
   (4, 3, 2, 2), (3,), (3,))
op("F.normalize", lambda a: F.normalize(a, dim=1), (3, 4))
op("F.cosine_similarity", F.cosine_similarity, (3, 4), (3, 4))
op("F.pad", lambda a: F.pad(a, (1, 2, 0, 1), value=0.5), (2, 3, 4))
op("F.conv2d.stride_padding_groups",
   lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2),
   (2, 4, 5, 5), (4, 2, 3, 3), (4,))
op("F.conv2d.dilation", lambda x, w: F.conv2d(x, w, stride=(1, 2), dilation=2),
   (1, 2, 6, 7), (3, 2, 2, 3))
op("F.conv2d.same", lambda x, w: F.conv2d(x, w, padding="same"), (1, 2, 4, 4), (2, 2, 2, 3))
op("F.conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
   (2, 4, 7), (2, 2, 3), (2,))
op("F.conv_transpose2d",
   lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
   (1, 4, 3, 3), (4, 1, 3, 3), (2,))
op("F.conv_transpose2d.dilation",
   lambda x, w: F.conv_transpose2d(x, w, stride=(1, 2), dilation=(2, 1)),
   (1, 2, 3, 2), (2, 3, 2, 2))
op("F.unfold", lambda a: F.unfold(a, 2, padding=1, stride=2), (1, 2, 4, 4))
op("F.fold", lambda c: F.fold(c, (3, 4), 2), (1, 8, 6))
op("F.max_pool2d", lambda a: F.max_pool2d(a, 2), apart(2, 2, 4, 4))
op("F.max_pool2d.stride_padding", lambda a: F.max_pool2d(a, 3, 1, padding=1), apart(1, 2, 4, 5))
op("F.max_pool1d", lambda a: F.max_pool1d(a, 2, 1), apart(2, 2, 5))
op("F.avg_pool2d", lambda a: F.avg_pool2d(a, 2), (2, 2, 4, 4))
op("F.avg_pool2d.padding_exclude",
   lambda a: F.avg_pool2d(a, 3, 2, padding=1, count_include_pad=False), (1, 2, 5, 4))
op("F.avg_pool2d.divisor_override", lambda a: F.avg_pool2d(a, 2, 1, divisor_override=3),
   (1, 1, 3, 3))
op("F.avg_pool1d", lambda a: F.avg_pool1d(a, 3, 2, padding=1), (2, 2, 6))
op("F.interpolate.scale_2d", lambda a: F.interpolate(a, scale_factor=2), (1, 2, 2, 3))
op("F.interpolate.size_1d", lambda a: F.interpolate(a, size=7), (2, 2, 3))
op("F.interpolate.downsample", lambda a: F.interpolate(a, size=(2, 3)), (1, 1, 4, 5))
op("F.attention.bool_mask", lambda q, k, v: F.attention(q, k, v, attn_mask=ATTENTION_MASK),
   (2, 3, 4), (2, 5, 4), (2, 5, 3))
op("F.attention.float_mask_dropout",
   lambda q, k, v, mask: F.attention(q, k, v, attn_mask=mask, dropout_p=0.2, rng=3),
   (2, 2, 3, 4), (2, 2, 3, 4), (2, 2, 3, 2), (3, 3))
op("F.attention.causal", lambda q, k, v: F.attention(q, k, v, is_causal=True),
   (2, 4, 3), (2, 4, 3), (2, 4, 3))
op("F.scaled_dot_product_attention",
   lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
   (2, 2, 3, 4), (2, 2, 3, 4), (2, 2, 3, 2))
op("F.cross_entropy", lambda a: F.cross_entropy(a, TARGETS), (4, 5))
op("F.cross_entropy.ignore_index_weight",
   lambda a: F.cross_entropy(a, TARGETS_2D, weight=const(CLASS_WEIGHT)), (2, 5, 3))
op("F.cross_entropy.label_smoothing",
   lambda a: F.cross_entropy(a, TARGETS_2D, weight=const(CLASS_WEIGHT), label_smoothing=0.2),
   (2, 5, 3))
op("F.cross_entropy.label_smoothing_sum",
   lambda a: F.cross_entropy(a, TARGETS, reduction="sum", label_smoothing=0.1), (4, 5))
op("F.cross_entropy.probabilities",
   lambda a, p: F.cross_entropy(a, p, weight=const(CLASS_WEIGHT), label_smoothing=0.1),
   (4, 5), probabilities(4, 5))
op("F.nll_loss",
   lambda a: F.nll_loss(a, TARGETS, weight=const(CLASS_WEIGHT), reduction="none"), (4, 5))
op("F.mse_loss", F.mse_loss, (3, 4), (3, 4))
# |input - target| >= 0.03 everywhere: far from the kink of |.|
op("F.l1_loss", F.l1_loss, apart(3, 4), between(-0.01, 0.01, 3, 4))
op("F.binary_cross_entropy", lambda p, t, w: F.binary_cross_entropy(p, t, weight=w),
   between(0.1, 0.9, 3, 4), between(0, 1, 3, 4), between(0, 1, 4))
op("F.binary_cross_entropy_with_logits",
   lambda x, t, w, pos: F.binary_cross_entropy_with_logits(x, t, w, pos_weight=pos),
   apart(3, 4, scale=3.0), between(0, 1, 3, 4), between(0, 1, 3, 1), between(0.5, 3, 4))
op("F.kl_div", lambda a, t: F.kl_div(a, t, reduction="batchmean"), (3, 4), probabilities(3, 4))
op("F.kl_div.log_target", lambda a, t: F.kl_div(a, t, log_target=True), (3, 4), (3, 4))


# ---- layers (glassnet/nn): in gradcheck_layers.py, which adds its cases to CASES ----
# the Tensor methods and functions composed of the primitives: a table of their own
from glassnet import (
    gradcheck_layers,  # noqa: F401
    gradcheck_more,  # noqa: F401 (the round-two surface of issue 9)
    gradcheck_surface,  # noqa: F401
)
