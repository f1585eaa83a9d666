"""Everything composed from the primitives, with torch.nn.functional's names and semantics:
activations, linear, dropout, embedding, normalisation and attention are here; convolution,
pooling and padding are in conv.py, losses in loss.py. The tensor functions PyTorch has at
torch.* rather than in nn.functional (shape.py, reductions.py, selection.py, products.py,
pointwise.py) are attached to Tensor by methods.py. No backward rule is written in this
package: each gradient follows from the primitives a function is built of.
"""

import math

import numpy as np

from glassnet import random
from glassnet.creation import ones, where, zeros

# the rest of PyTorch's tensor surface (topk, roll, var, einsum...), composed in the modules of
# this package and attached to Tensor as methods; gn.topk etc. are in glassnet/__init__.py
from glassnet.functional import methods  # noqa: F401
from glassnet.functional.conv import (  # noqa: F401 (re-exported: F.conv2d)
    _same_dtype,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose2d,
    fold,
    interpolate,
    max_pool1d,
    max_pool2d,
    pad,
    unfold,
)
from glassnet.functional.loss import (  # noqa: F401
    REDUCTIONS,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
)
from glassnet.ops import elementwise as ew
from glassnet.ops import fused
from glassnet.ops import matmul as mm
from glassnet.ops import movement as mv
from glassnet.tensor import Tensor, _to_array, in_place
from glassnet.tensor_axes import _broadcast


# ---- activations ----
def heaviside(input, values=0.0):
    """1 where input > 0, else 0: the M-P neuron's threshold. Its gradient is exactly 0."""
    return ew.step(input, value_at_zero=float(values))


step = heaviside


def sigmoid(input):
    return ew.sigmoid(input)


def tanh(input):
    return ew.tanh(input)


def _activation(name, compute, input, inplace):
    """compute(input), or with inplace=True input changed to it in place, as PyTorch: recorded
    in the graph (a leaf that requires grad refuses), seen by every alias of input."""
    return in_place(name + "_", compute)(input) if inplace else compute(input)


def relu(input, inplace=False):
    return _activation("relu", ew.relu, input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _activation("leaky_relu", lambda x: where(x > 0, x, x * negative_slope), input,
                       inplace)


def elu(input, alpha=1.0, inplace=False):
    return _activation("elu", lambda x: where(x > 0, x, (x.clamp(max=0).exp() - 1) * alpha),
                       input, inplace)


def gelu(input, approximate="none"):
    """x Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel 2016); 'tanh' is their
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (ew.tanh(inner) + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return fused.gelu(input)


def silu(input, inplace=False):
    """x sigmoid(x), also called swish (Ramachandran et al. 2017)."""
    return _activation("silu", lambda x: x * ew.sigmoid(x), input, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear above the threshold as in PyTorch."""
    scaled = input * beta
    # two branches, each exp clamped to <= 1, instead of relu(s) + log1p(e^-|s|): those kinks
    # at s = 0 give a derivative of 0 there, where softplus' is sigmoid(0) = 1/2
    low = ew.log1p(ew.exp(scaled.clamp(max=0)))
    high = scaled + ew.log1p(ew.exp(-scaled.clamp(min=0)))
    smooth = where(scaled > 0, high, low) * (1.0 / beta)
    return where(scaled > threshold, input, smooth)


def softmax(input, dim=-1, dtype=None):
    return (input if dtype is None else input.type(dtype)).softmax(dim)


def log_softmax(input, dim=-1, dtype=None):
    return (input if dtype is None else input.type(dtype)).log_softmax(dim)


# ---- linear maps and lookups ----
def linear(input, weight, bias=None):
    _same_dtype("linear", input, weight)
    if weight.ndim != 2 or bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(f"linear: weight must be 2-D (out, in) and bias of its dtype, got "
                           f"weight {weight.shape} {weight.dtype}"
                           + ("" if bias is None else f", bias {bias.dtype}"))
    if input.shape[-1:] != weight.shape[1:] or bias is not None and bias.shape != weight.shape[:1]:
        bias_shape = None if bias is None else bias.shape
        raise RuntimeError(f"linear: input {input.shape}, weight {weight.shape}, bias "
                           f"{bias_shape}; expected input (..., {weight.shape[1]}), bias "
                           f"({weight.shape[0]},)")
    return fused.linear(input, weight, bias)


def dropout(input, p=0.5, training=True, inplace=False, rng=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout)."""
    return _dropout(input, p, training, rng, input.shape)


def _dropout(input, p, training, rng, mask_shape):
    """dropout with a mask of mask_shape, broadcast over input (dropout1d-3d drop whole
    channels)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = random.generator(rng).random(mask_shape) >= p
    return input * Tensor._make((keep / (1 - p)).astype(input.dtype))


def _indices(input, op):
    """input as an array of integer indices."""
    indices = _to_array(input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"{op}: indices must be an integer tensor, got dtype {indices.dtype}")
    return indices


def embedding(input, weight, padding_idx=None):
    """Rows of weight picked by integer indices; the padding row gets no gradient."""
    indices = _indices(input, "embedding")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), "
                           f"got shape {weight.shape}")
    if padding_idx is not None and not -weight.shape[0] <= padding_idx < weight.shape[0]:
        raise ValueError(f"embedding: padding_idx must be in [-{weight.shape[0]}, "
                         f"{weight.shape[0]}), got {padding_idx}")
    outside = (indices < 0) | (indices >= weight.shape[0])
    if outside.any():
        bad = indices[outside][0]
        raise IndexError(f"embedding: index {bad} is out of range for {weight.shape[0]} rows")
    out = mv.index(weight, indices)
    if padding_idx is not None and weight.requires_grad:
        pad = Tensor._make(indices == padding_idx % weight.shape[0])
        out = where(pad.unsqueeze(-1), weight.detach()[indices], out)
    return out


def one_hot(input, num_classes=-1):
    indices = _indices(input, "one_hot")
    if num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be -1 (inferred) or positive, got "
                         f"{num_classes}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    outside = (indices < 0) | (indices >= num_classes)
    if outside.any():
        raise RuntimeError(f"one_hot: class value {indices[outside][0]} is not in "
                           f"[0, {num_classes})")
    return Tensor._make((indices[..., None] == np.arange(num_classes)).astype(np.int64))


# ---- normalisation ----
def _check_affine(op, input, shape, **tensors):
    """A float input, and each given tensor of the normalised shape and the input's dtype."""
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: needs a floating point input, got dtype {input.dtype}")
    for name, tensor in tensors.items():
        if tensor is not None and (tuple(tensor.shape) != shape or tensor.dtype != input.dtype):
            raise RuntimeError(f"{op}: {name} must have shape {shape} and the input's dtype "
                               f"{input.dtype}, got shape {tuple(tensor.shape)} dtype "
                               f"{tensor.dtype}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over the last dims (Ba, Kiros & Hinton 2016)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[-len(shape) :] != shape:
        expected = ", ".join(map(str, shape))
        raise RuntimeError(f"layer_norm: expected input (*, {expected}), got {input.shape}")
    _check_affine("layer_norm", input, shape, weight=weight, bias=bias)
    size = math.prod(shape)
    weight = ones(size, dtype=input.dtype) if weight is None else weight.reshape(size)
    bias = zeros(size, dtype=input.dtype) if bias is None else bias.reshape(size)
    out = fused.layer_norm(input.reshape(-1, size), weight, bias, eps=eps)  # (M, D), one fused step
    return out.reshape(input.shape)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) by its batch statistics in training, by the running ones
    in evaluation (Ioffe & Szegedy 2015). Running statistics are updated in place."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input (N, C) or (N, C, ...), got {input.shape}")
    _check_affine("batch_norm", input, input.shape[1:2], weight=weight, bias=bias,
                  running_mean=running_mean, running_var=running_var)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm: running_mean and running_var are needed when "
                           "training=False")
    dims = (0, *range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {input.shape}")
        mean = input.mean(dim=dims)
        var = input.var(dim=dims, unbiased=False)
        if running_mean is not None:
            factor = 1.0 if momentum is None else momentum
            running_mean.array[...] = (1 - factor) * running_mean.array + factor * mean.array
            unbiased = var.array * count / (count - 1)
            running_var.array[...] = (1 - factor) * running_var.array + factor * unbiased
    else:
        mean, var = running_mean, running_var
    out = (input - mean.reshape(shape)) * (var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    return input / input.norm(p, dim=dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 . x2 / (max(|x1|, eps) max(|x2|, eps)): each side normalised first, as PyTorch does."""
    return (normalize(x1, dim=dim, eps=eps) * normalize(x2, dim=dim, eps=eps)).sum(dim=dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim (eps keeps the norm's gradient finite at 0)."""
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


# ---- attention ----
def _check_attention(query, key, value, op="attention"):
    shapes = query.shape, key.shape, value.shape
    batch_dims = {s[:-2] for s in shapes}
    if (min(map(len, shapes)) < 2 or query.shape[-1] != key.shape[-1]
            or key.shape[-2] != value.shape[-2]
            or len(batch_dims) > 1 and _broadcast(*batch_dims) is None):
        raise RuntimeError(f"{op}: query (..., L, E), key (..., S, E), value (..., S, Ev) with "
                           f"batch dims that broadcast expected, got {', '.join(map(str, shapes))}")
    if not query.dtype == key.dtype == value.dtype or query.dtype.kind != "f":
        raise RuntimeError(f"{op}: query, key and value must share one float dtype, got "
                           f"{query.dtype}, {key.dtype}, {value.dtype}")


def _additive_mask(attn_mask, is_causal, query, key):
    """The causal mask and a constant attn_mask as one array added to the scores: 0 where a
    query may attend, -inf where it may not (a bool mask's False); None when there is none."""
    mask = None
    if is_causal:
        mask = np.triu(np.full((query.shape[-2], key.shape[-2]), -np.inf, query.dtype), 1)
    if attn_mask is not None:
        given = np.asarray(getattr(attn_mask, "data", attn_mask))
        scores = query.shape[:-1] + key.shape[-2:-1]  # (..., L, S)
        if given.dtype.kind not in "bf" or _broadcast(given.shape, scores) != scores:
            raise RuntimeError(f"attention: attn_mask must be bool or float and broadcast to the "
                               f"scores {scores}, got dtype {given.dtype} shape {given.shape}")
        given = np.where(given, 0, -np.inf) if given.dtype == bool else given
        given = given.reshape((1,) * (2 - given.ndim) + given.shape)  # a (S,) mask: one row
        mask = given.astype(query.dtype) if mask is None else mask + given
    return mask


def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
              rng=None):
    """softmax(Q K^T / sqrt(d) + mask) V (Vaswani et al. 2017); returns (output, weights).

    attn_mask: bool (True = may attend) or float (added to the scores), broadcastable to
    (..., L, S); a float mask that requires grad gets its gradient."""
    _check_attention(query, key, value)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = mm.matmul(query, key.transpose(-2, -1)) * scale  # (..., L, S)
    learned = getattr(attn_mask, "requires_grad", False)
    mask = _additive_mask(None if learned else attn_mask, is_causal, query, key)
    if mask is not None:
        scores = scores + Tensor._make(mask)
    if learned:
        scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, rng=rng)
    return mm.matmul(weights, value), weights  # (..., L, Ev), (..., L, S)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """attention() without the weights; without dropout and with a constant mask, one fused
    primitive (ops/fused.py) that never builds the graph of the scores."""
    if attn_mask is not None and is_causal:
        raise RuntimeError("scaled_dot_product_attention: give attn_mask or is_causal=True, not "
                           "both (as PyTorch)")
    if dropout_p > 0 or getattr(attn_mask, "requires_grad", False):
        return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]
    _check_attention(query, key, value, "scaled_dot_product_attention")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    mask = _additive_mask(attn_mask, is_causal, query, key)
    return fused.attention(query, key, value, mask, scale)
