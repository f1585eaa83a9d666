"""Everything that is composed from the primitives: activations, losses, normalisation,
convolution, pooling, attention. No backward rule is written here; each gradient follows from
the primitives it is built of. Names and semantics follow torch.nn.functional.
"""

import math

import numpy as np

from glassnet import random
from glassnet.ops import conv
from glassnet.ops import elementwise as ew
from glassnet.ops import fused
from glassnet.ops import matmul as mm
from glassnet.ops import movement as mv
from glassnet.tensor import Tensor, _to_array, tensor, where

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, op):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _pair(value, name="value"):
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) == 1:
        return value * 2
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return value


# ---- activations ----
def heaviside(input, values=0.0):
    """1 where input > 0, else 0: the M-P neuron's threshold. Its gradient is exactly 0."""
    return ew.step(input, value_at_zero=float(values))


step = heaviside


def sigmoid(input):
    return ew.sigmoid(input)


def tanh(input):
    return ew.tanh(input)


def relu(input, inplace=False):
    return ew.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return where(input > 0, input, input * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return where(input > 0, input, (input.clamp(max=0).exp() - 1) * alpha)


def gelu(input, approximate="none"):
    """x Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel 2016); 'tanh' is their
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (ew.tanh(inner) + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return input * 0.5 * (ew.erf(input * (1 / math.sqrt(2))) + 1)


def silu(input, inplace=False):
    """x sigmoid(x), also called swish (Ramachandran et al. 2017)."""
    return input * ew.sigmoid(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear above the threshold as in PyTorch."""
    scaled = input * beta
    smooth = (ew.relu(scaled) + ew.log1p(ew.exp(-scaled.abs()))) * (1.0 / beta)
    return where(scaled > threshold, input, smooth)


def softmax(input, dim=-1, dtype=None):
    return (input if dtype is None else input.type(dtype)).softmax(dim)


def log_softmax(input, dim=-1, dtype=None):
    return (input if dtype is None else input.type(dtype)).log_softmax(dim)


# ---- layers as functions ----
def linear(input, weight, bias=None):
    if input.shape[-1:] != weight.shape[1:] or bias is not None and bias.shape != weight.shape[:1]:
        raise RuntimeError(
            f"linear: input has shape {tuple(input.shape)}, weight {tuple(weight.shape)} and bias "
            f"{bias if bias is None else tuple(bias.shape)}; expected input (..., "
            f"{weight.shape[1]}) and bias ({weight.shape[0]},)"
        )
    return mm.linear(input, weight, bias)


def dropout(input, p=0.5, training=True, inplace=False, rng=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = random.generator(rng).random(input.shape) >= p
    return input * Tensor._make((keep / (1 - p)).astype(input.dtype))


def embedding(input, weight, padding_idx=None):
    """Rows of weight picked by integer indices; the padding row gets no gradient."""
    indices = _to_array(input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError(
            f"embedding: index {int(indices.max() if indices.max() >= 0 else indices.min())} "
            f"out of range for a table of {weight.shape[0]} rows"
        )
    out = mv.index(weight, indices)
    if padding_idx is not None and weight.requires_grad:
        pad = Tensor._make(indices == padding_idx % weight.shape[0])
        out = where(pad.unsqueeze(-1), weight.detach()[indices], out)
    return out


def one_hot(input, num_classes=-1):
    indices = _to_array(input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"one_hot: expects an integer tensor, got dtype {indices.dtype}")
    if num_classes < 0:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes})")
    return Tensor._make((indices[..., None] == np.arange(num_classes)).astype(np.int64))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over the last dims (Ba, Kiros & Hinton 2016)."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
        normalized_shape
    )
    if tuple(input.shape[-len(normalized_shape) :]) != normalized_shape:
        raise RuntimeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, normalized_shape))})"
            f", got {tuple(input.shape)}"
        )
    dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    centred = input - input.mean(dim=dims, keepdim=True)
    out = centred * ((centred * centred).mean(dim=dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) by its batch statistics in training, by the running ones
    in evaluation (Ioffe & Szegedy 2015). Running statistics are updated in place."""
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, "
                f"got input of shape {tuple(input.shape)}"
            )
        mean = input.mean(dim=dims)
        var = input.var(dim=dims, unbiased=False)
        if running_mean is not None:
            factor = 1.0 if momentum is None else momentum
            running_mean.data[...] = (1 - factor) * running_mean.data + factor * mean.data
            unbiased = var.data * count / (count - 1)
            running_var.data[...] = (1 - factor) * running_var.data + factor * unbiased
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


def pad(input, pad, mode="constant", value=0.0):
    """pad = (left, right) for the last dim, then the one before it, and so on."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is implemented, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim or any(p < 0 for p in pad):
        raise ValueError(
            f"pad: expected an even number of non-negative sizes, at most 2 per dim of "
            f"{input.ndim}, got {tuple(pad)}"
        )
    pairs = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pairs[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return mv.pad(input, pairs, value)


# ---- convolution and pooling ----
def _conv_padding(padding, kernel, dilation, stride):
    if padding == "valid":
        return (0, 0), None
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if all(t % 2 == 0 for t in totals):
            return (totals[0] // 2, totals[1] // 2), None
        extra = (totals[1] // 2, totals[1] - totals[1] // 2, totals[0] // 2,
                 totals[0] - totals[0] // 2)
        return (0, 0), extra
    return _pair(padding, "padding"), None


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation as one matrix product over unfolded windows (im2col)."""
    if input.ndim != 4 or weight.ndim != 4 or input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"conv2d: expected input (N, {weight.shape[1] * groups}, H, W) for weight of shape "
            f"{tuple(weight.shape)} and groups={groups}, got input of shape {tuple(input.shape)}"
        )
    out_channels, kernel = weight.shape[0], weight.shape[2:]
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    padding, extra = _conv_padding(padding, kernel, dilation, stride)
    if extra:
        input = globals()["pad"](input, extra)
    n, height, width = input.shape[0], input.shape[2], input.shape[3]
    out_h = (height + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    out_w = (width + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(
            f"conv2d: input of shape {tuple(input.shape)} is smaller than the kernel "
            f"{tuple(kernel)} (after padding {padding}, dilation {dilation})"
        )
    cols = conv.unfold(input, kernel, stride, padding, dilation)  # (N, C*kh*kw, L)
    cols = cols.reshape(n, groups, -1, out_h * out_w)  # (N, G, C/G*kh*kw, L)
    w = weight.reshape(groups, out_channels // groups, -1)  # (G, O/G, C/G*kh*kw)
    out = mm.matmul(w, cols).reshape(n, out_channels, out_h, out_w)  # (N, O, out_h, out_w)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if input.ndim != 3 or weight.ndim != 3 or input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"conv1d: expected input (N, C, L) and weight (O, C/groups, k) with groups={groups}, "
            f"got input {tuple(input.shape)} and weight {tuple(weight.shape)}"
        )
    padding = padding if isinstance(padding, str) else (0, _pair(padding)[0])
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _pair(stride)[0]), padding,
                 (1, _pair(dilation)[0]), groups)
    return out.squeeze(2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The gradient of conv2d with respect to its input, used as a layer: each input pixel
    spreads a weighted copy of the kernel into the (larger) output."""
    if input.ndim != 4 or weight.ndim != 4 or input.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"conv_transpose2d: expected input (N, {weight.shape[0]}, H, W) for weight of shape "
            f"{tuple(weight.shape)}, got input of shape {tuple(input.shape)}"
        )
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    dilation, output_padding = _pair(dilation, "dilation"), _pair(output_padding)
    n, in_channels, height, width = input.shape
    out_channels = weight.shape[1] * groups
    kernel = weight.shape[2:]
    size = tuple(
        (n_in - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n_in, s, p, d, k, op in zip((height, width), stride, padding, dilation, kernel,
                                        output_padding)
    )
    x = input.reshape(n, groups, in_channels // groups, height * width)  # (N, G, C/G, L)
    w = weight.reshape(groups, in_channels // groups, -1).transpose(1, 2)  # (G, O/G*k*k, C/G)
    cols = mm.matmul(w, x).reshape(n, out_channels * kernel[0] * kernel[1], height * width)
    out = conv.fold(cols, size, kernel, stride, padding, dilation)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    return conv.unfold(input, _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return conv.fold(input, _pair(output_size), _pair(kernel_size), _pair(stride),
                     _pair(padding), _pair(dilation))


def _pool_windows(input, kernel_size, stride, padding, dilation, pad_value, op):
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected (N, C, H, W) or (C, H, W), got {tuple(input.shape)}")
    batched = input if input.ndim == 4 else input.unsqueeze(0)
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] else _pair(stride, "stride")
    padding, dilation = _pair(padding, "padding"), _pair(dilation, "dilation")
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} should be at most half of kernel {kernel}")
    n, c, height, width = batched.shape
    out_h = (height + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    out_w = (width + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    cols = conv.unfold(batched, kernel, stride, padding, dilation, pad_value)
    windows = cols.reshape(n, c, kernel[0] * kernel[1], out_h * out_w)  # (N, C, k*k, L)
    return windows, (n, c, out_h, out_w), input.ndim == 3, (kernel, stride, padding)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if ceil_mode or return_indices:
        raise NotImplementedError("max_pool2d: ceil_mode and return_indices are not implemented")
    windows, shape, unbatched, _ = _pool_windows(input, kernel_size, stride, padding, dilation,
                                                 -np.inf, "max_pool2d")
    out = windows.amax(dim=2).reshape(shape)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode is not implemented")
    windows, shape, unbatched, (kernel, stride, padding) = _pool_windows(
        input, kernel_size, stride, padding, 1, 0.0, "avg_pool2d"
    )
    if divisor_override:
        out = windows.sum(dim=2) / divisor_override
    elif count_include_pad or padding == (0, 0):
        out = windows.mean(dim=2)
    else:
        ones = np.ones((1, 1) + tuple(input.shape[-2:]), dtype=input.dtype)
        counts = conv.unfold_array(ones, kernel, stride, padding, (1, 1)).sum(axis=1)
        out = windows.sum(dim=2) / tensor(counts.astype(input.dtype))
    out = out.reshape(shape)
    return out.squeeze(0) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1):
    stride = kernel_size if stride is None else stride
    out = max_pool2d(input.unsqueeze(-2), (1, kernel_size), (1, stride), (0, padding),
                     (1, dilation))
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, count_include_pad=True):
    stride = kernel_size if stride is None else stride
    out = avg_pool2d(input.unsqueeze(-2), (1, kernel_size), (1, stride), (0, padding),
                     count_include_pad=count_include_pad)
    return out.squeeze(-2)


def interpolate(input, size=None, scale_factor=None, mode="nearest"):
    """Nearest-neighbour resizing of (N, C, L) or (N, C, H, W): out[i] = in[floor(i * scale)]."""
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    spatial = input.shape[2:]
    if len(spatial) not in (1, 2) or (size is None) == (scale_factor is None):
        raise ValueError(
            f"interpolate: expected a 3-D or 4-D input and exactly one of size and scale_factor, "
            f"got shape {tuple(input.shape)}, size={size}, scale_factor={scale_factor}"
        )
    count = len(spatial)
    if size is not None:
        sizes = (size,) * count if isinstance(size, int) else tuple(size)
        scales = [n_in / n_out for n_in, n_out in zip(spatial, sizes)]
    else:
        factors = (scale_factor,) * count if np.isscalar(scale_factor) else tuple(scale_factor)
        sizes = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
        scales = [1.0 / f for f in factors]
    picks = [
        np.minimum(np.floor(np.arange(n_out) * scale).astype(np.int64), n_in - 1)
        for n_out, scale, n_in in zip(sizes, scales, spatial)
    ]
    if count == 1:
        return input[..., picks[0]]
    return input[:, :, picks[0][:, None], picks[1][None, :]]


# ---- attention ----
def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
              rng=None):
    """softmax(Q K^T / sqrt(d) + mask) V (Vaswani et al. 2017); returns (output, weights).

    attn_mask: bool (True = may attend) or float (added to the scores), broadcastable to
    (..., L, S)."""
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"attention: query (..., L, E), key (..., S, E), value (..., S, Ev) expected, got "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = mm.matmul(query, key.transpose(-2, -1)) * scale  # (..., L, S)
    length, source = scores.shape[-2:]
    if is_causal:
        causal = np.tril(np.ones((length, source), dtype=bool))
        scores = scores.masked_fill(Tensor._make(~causal), -np.inf)
    if attn_mask is not None:
        attn_mask = attn_mask if isinstance(attn_mask, Tensor) else tensor(attn_mask)
        if attn_mask.dtype == np.bool_:
            scores = scores.masked_fill(~attn_mask, -np.inf)
        else:
            scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, rng=rng)
    return mm.matmul(weights, value), weights  # (..., L, Ev), (..., L, S)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


# ---- losses ----
def _class_weights(target_classes, weight, ignore_index, dtype):
    """Per-element weights: the class weight, or 0 where the target is ignored."""
    w = np.ones(target_classes.shape, dtype=dtype) if weight is None else weight.data[
        np.where(target_classes == ignore_index, 0, target_classes)
    ].astype(dtype)
    return np.where(target_classes == ignore_index, 0, w).astype(dtype)


def _check_class_target(input, target, ignore_index, op):
    """target as an integer array of input's shape without the class dim, values in range."""
    classes = _to_array(target)
    batched = input.ndim > 1
    expected = (input.shape[0],) + input.shape[2:] if batched else ()
    if not np.issubdtype(classes.dtype, np.integer):
        raise TypeError(
            f"{op}: target must hold class indices of an integer dtype (int64), got dtype "
            f"{classes.dtype}"
        )
    if classes.shape != expected:
        raise ValueError(
            f"{op}: input of shape {tuple(input.shape)} expects target of shape "
            f"{expected}, got {classes.shape}"
        )
    num_classes = input.shape[1] if batched else input.shape[0]
    valid = classes != ignore_index
    if valid.any() and (classes[valid].min() < 0 or classes[valid].max() >= num_classes):
        bad = classes[valid][(classes[valid] < 0) | (classes[valid] >= num_classes)][0]
        raise IndexError(f"{op}: target {bad} is out of bounds for {num_classes} classes")
    return classes, valid


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-log p[target], where input holds log-probabilities of shape (N, C) or (N, C, d...)."""
    _check_reduction(reduction, "nll_loss")
    classes, valid = _check_class_target(input, target, ignore_index, "nll_loss")
    batched = input.ndim > 1
    # (N, C, d...) -> (N, d..., C): the class dim last, for picking with gather
    logp = input.permute(0, *range(2, input.ndim), 1) if batched else input
    picked_index = np.where(valid, classes, 0)[..., None]
    picked = mv.gather(logp, logp.ndim - 1, picked_index).squeeze(-1)  # (N, d...)
    weights = _class_weights(classes, weight, ignore_index, input.dtype)
    loss = -picked * Tensor._make(weights)
    if reduction == "mean":
        return loss.sum() / float(weights.sum())
    return loss.sum() if reduction == "sum" else loss


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax then negative log-likelihood. target holds class indices, or class
    probabilities of input's shape. label_smoothing mixes the target with uniform
    (Szegedy et al. 2016)."""
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    class_dim = 1 if input.ndim > 1 else 0
    num_classes = input.shape[class_dim]
    target_array = _to_array(target)
    if not np.issubdtype(target_array.dtype, np.floating):
        _check_class_target(input, target_array, ignore_index, "cross_entropy")
        if input.ndim == 2 and weight is None and label_smoothing == 0 and reduction != "none":
            return fused.cross_entropy(input, Tensor._make(target_array), ignore_index, reduction)
    logp = input.log_softmax(class_dim)
    weight_shape = [1] * input.ndim
    weight_shape[class_dim] = num_classes
    if np.issubdtype(target_array.dtype, np.floating):
        if target_array.shape != input.shape:
            raise ValueError(
                f"cross_entropy: class-probability target must have the input's shape "
                f"{tuple(input.shape)}, got {target_array.shape}"
            )
        probs = target_array * (1 - label_smoothing) + label_smoothing / num_classes
        terms = logp * Tensor._make(probs.astype(input.dtype))
        if weight is not None:
            terms = terms * weight.reshape(weight_shape)
        loss = -terms.sum(dim=class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // num_classes)
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target_array, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    ignored = Tensor._make(target_array == ignore_index)
    terms = logp if weight is None else logp * weight.reshape(weight_shape)
    smooth = (-terms.sum(dim=class_dim)).masked_fill(ignored, 0.0)
    if reduction == "mean":
        denominator = _class_weights(target_array, weight, ignore_index, input.dtype).sum()
        smooth = smooth.sum() / float(denominator)
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / num_classes)


def _check_same_shape(input, target, op):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{op}: target shape {tuple(target.shape)} must match input shape "
            f"{tuple(input.shape)}"
        )


def _as_target(target, like):
    return target if isinstance(target, Tensor) else Tensor._make(_to_array(target, like.dtype))


def mse_loss(input, target, reduction="mean"):
    _check_reduction(reduction, "mse_loss")
    target = _as_target(target, input)
    _check_same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, reduction="mean"):
    _check_reduction(reduction, "l1_loss")
    target = _as_target(target, input)
    _check_same_shape(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)), each log clamped at -100 as PyTorch does."""
    _check_reduction(reduction, "binary_cross_entropy")
    target = _as_target(target, input)
    _check_same_shape(input, target, "binary_cross_entropy")
    if input.numel() and (input.data.min() < 0 or input.data.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be in [0, 1]")
    loss = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100))
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable expression:
    (1 - t) x + (1 + (w_pos - 1) t) (log(1 + e^-|x|) + max(-x, 0))."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    target = _as_target(target, input)
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    log_term = ew.log1p(ew.exp(-input.abs())) + ew.relu(-input)
    scale = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input + log_term * scale
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """KL(target || q) pointwise, with input = log q: t (log t - input)."""
    if reduction not in REDUCTIONS + ("batchmean",):
        raise ValueError(
            f"kl_div: reduction must be one of {REDUCTIONS + ('batchmean',)}, got {reduction!r}"
        )
    target = _as_target(target, input)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        safe_log = Tensor._make(np.log(np.where(target.data > 0, target.data, 1)))
        loss = target * (safe_log - input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)

