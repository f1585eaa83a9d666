"""Convolution, pooling, resizing and padding, composed from the unfold/fold primitives
(ops/fused_conv.py): a convolution is one matrix product over the unfolded windows (im2col), pooling
a max or mean over them. Names and semantics follow torch.nn.functional.
"""

import math

import numpy as np

from glassnet.ops import conv, fused_conv
from glassnet.ops import matmul as mm
from glassnet.ops import movement as mv
from glassnet.ops import reduce as rd
from glassnet.tensor import Tensor


def _pair(value, name="value", op="", minimum=None):
    """An int or a pair of ints as a pair; each at least minimum where one is given (a stride
    or a dilation 1, a padding 0), else a ValueError naming op, the option and the value."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    pair = pair * 2 if len(pair) == 1 else pair
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if minimum is not None and min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return pair


def _output_size(op, shape, kernel, stride, padding, dilation):
    """The sliding windows' output size over the last len(kernel) dims of an input of shape
    (..., H, W) or (..., L); an error naming op if the input is too small."""
    out = tuple(map(conv._out_size, shape[-len(kernel) :], kernel, stride, padding, dilation))
    if min(out) <= 0:
        raise RuntimeError(f"{op}: input of shape {tuple(shape)} is smaller than the window "
                           f"{tuple(kernel)} (padding {padding}, dilation {dilation}): the "
                           f"output would be {out}")
    return out


# the other modes, as the NumPy pad mode that picks the same source element for each place
PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=0.0):
    """pad = (left, right) for the last dim, then the one before it, and so on. mode
    "constant" fills with value; "reflect" mirrors the input without repeating its edge,
    "replicate" repeats the edge, "circular" wraps around: each picks, for every new place,
    an element of the input (an index_select, so the gradient sums back where it came from)."""
    if mode != "constant" and mode not in PAD_MODES:
        raise NotImplementedError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                                  f"'circular', got {mode!r}")
    if not isinstance(pad, (tuple, list)) or not all(isinstance(p, int) for p in pad):
        raise ValueError(f"pad: expected a tuple of ints (left, right, top, bottom, ...), got "
                         f"{pad!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim or any(p < 0 for p in pad):
        raise ValueError(f"pad: expected an even number of non-negative sizes, at most 2 per dim "
                         f"of {input.ndim}, got {tuple(pad)}")
    pairs = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pairs[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return mv.pad(input, pairs, value)
    for dim, (before, after) in enumerate(pairs):
        size = input.shape[dim]
        if (before or after) and mode == "reflect" and max(before, after) >= size:
            raise RuntimeError(f"pad: padding size should be less than the corresponding input "
                               f"dimension, but got padding ({before}, {after}) at dimension "
                               f"{dim} of input {tuple(input.shape)}")
        if before or after:
            places = np.pad(np.arange(size), (before, after), mode=PAD_MODES[mode])
            input = mv.index(input, (slice(None),) * dim + (places,))
    return input


def _conv_padding(padding, kernel, dilation, stride):
    """(symmetric padding, extra (left, right, top, bottom) padding or None)."""
    if padding == "valid":
        return (0, 0), None
    if isinstance(padding, str) and padding != "same":
        raise ValueError(f"conv2d: padding must be 'same', 'valid', an int or a pair of ints, "
                         f"got {padding!r}")
    if padding != "same":
        return _pair(padding, "padding", "conv2d", minimum=0), None
    if stride != (1, 1):
        raise ValueError("padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if all(t % 2 == 0 for t in totals):
        return (totals[0] // 2, totals[1] // 2), None
    left, top = totals[1] // 2, totals[0] // 2  # odd totals: the extra pixel goes right, bottom
    return (0, 0), (left, totals[1] - left, top, totals[0] - top)


def _same_dtype(op, input, weight):
    """As PyTorch: no silent promotion of a whole layer to another dtype (an int64 input
    would otherwise make a float32 layer compute in float64)."""
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{op}: input dtype {input.dtype} differs from weight dtype "
                           f"{weight.dtype}; convert the input, e.g. x.float()")


def _check_groups_and_bias(op, groups, channels, out_channels, bias):
    if not (isinstance(groups, int) and groups >= 1 and channels % groups == 0):
        raise ValueError(f"{op}: groups must be a positive divisor of the channels "
                         f"({channels}), got groups={groups!r}")
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(f"{op}: expected bias of shape ({out_channels},), got {bias.shape}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation as one matrix product over unfolded windows (im2col)."""
    _same_dtype("conv2d", input, weight)
    _check_groups_and_bias("conv2d", groups, weight.shape[0], weight.shape[0], bias)
    if input.ndim != 4 or weight.ndim != 4 or input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"conv2d: expected input (N, {weight.shape[1] * groups}, H, W) for "
                           f"weight of shape {weight.shape} and groups={groups}, got input of "
                           f"shape {input.shape}")
    out_channels, kernel = weight.shape[0], weight.shape[2:]
    stride = _pair(stride, "stride", "conv2d", minimum=1)
    dilation = _pair(dilation, "dilation", "conv2d", minimum=1)
    padding, extra = _conv_padding(padding, kernel, dilation, stride)
    if extra:
        input = pad(input, extra)
    out_h, out_w = _output_size("conv2d", input.shape, kernel, stride, padding, dilation)
    if groups == 1:  # one GEMM over the windows (ops/fused_conv.py)
        return fused_conv.conv2d(input, weight, bias, stride, padding, dilation)
    cols = conv.unfold(input, kernel, stride, padding, dilation)  # (N, C*kh*kw, L)
    cols = cols.reshape(len(input), groups, -1, out_h * out_w)  # (N, G, C/G*kh*kw, L)
    w = weight.reshape(groups, out_channels // groups, -1)  # (G, O/G, C/G*kh*kw)
    out = mm.matmul(w, cols).reshape(len(input), out_channels, out_h, out_w)  # (N, O, oh, ow)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _same_dtype("conv1d", input, weight)
    if input.ndim != 3 or weight.ndim != 3 or input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"conv1d: expected input (N, C, L) and weight (O, C/groups, k) with "
                           f"groups={groups}, got input {input.shape} and weight {weight.shape}")
    # checked in conv1d's own terms (1-D shapes, its name) before the 2-D call
    stride = _pair(stride, "stride", "conv1d", minimum=1)[0]
    dilation = _pair(dilation, "dilation", "conv1d", minimum=1)[0]
    if not isinstance(padding, str):
        padding = (0, _pair(padding, "padding", "conv1d", minimum=0)[0])
        _output_size("conv1d", input.shape, weight.shape[2:], (stride,), padding[1:], (dilation,))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), padding,
                 (1, dilation), groups)
    return out.squeeze(2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The gradient of conv2d with respect to its input, used as a layer: each input pixel
    spreads a weighted copy of the kernel into the (larger) output."""
    op = "conv_transpose2d"
    _same_dtype(op, input, weight)
    if input.ndim != 4 or weight.ndim != 4 or input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"conv_transpose2d: expected input (N, {weight.shape[0]}, H, W) for "
                           f"weight of shape {weight.shape}, got input of shape {input.shape}")
    _check_groups_and_bias(op, groups, weight.shape[0], weight.shape[1] * groups, bias)
    stride, dilation = _pair(stride, "stride", op, 1), _pair(dilation, "dilation", op, 1)
    padding, output_padding = _pair(padding, "padding", op, 0), _pair(output_padding, op=op)
    n, in_channels, height, width = input.shape
    kernel = weight.shape[2:]
    sizes = zip((height, width), stride, padding, dilation, kernel, output_padding)
    size = tuple((i - 1) * s - 2 * p + d * (k - 1) + extra + 1 for i, s, p, d, k, extra in sizes)
    if min(size) <= 0:
        raise RuntimeError(f"conv_transpose2d: output size {size} is not positive for input "
                           f"{input.shape} (padding {padding}, stride {stride})")
    x = input.reshape(n, groups, in_channels // groups, height * width)  # (N, G, C/G, L)
    w = weight.reshape(groups, in_channels // groups, -1).transpose(1, 2)  # (G, O/G*k*k, C/G)
    cols = mm.matmul(w, x).reshape(n, -1, height * width)  # (N, O*k*k, L)
    out = conv.fold(cols, size, kernel, stride, padding, dilation)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    kernel, stride = _pair(kernel_size, "kernel_size", "unfold", 1), _pair(stride, op="unfold")
    padding, dilation = _pair(padding, op="unfold"), _pair(dilation, op="unfold")
    _output_size("unfold", input.shape, kernel, stride, padding, dilation)
    return conv.unfold(input, kernel, stride, padding, dilation)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return conv.fold(input, _pair(output_size), _pair(kernel_size), _pair(stride),
                     _pair(padding), _pair(dilation))


# ---- pooling ----
def _pool_windows(input, kernel_size, stride, padding, dilation, pad_value, op):
    """Every window of a (N, C, H, W) or (C, H, W) input as (N, C, kh*kw, L), with the output
    shape, whether the input was unbatched, and the kernel, stride and padding as pairs."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected (N, C, H, W) or (C, H, W), got {input.shape}")
    batched = input if input.ndim == 4 else input.unsqueeze(0)
    kernel = _pair(kernel_size, "kernel_size", op, minimum=1)
    stride = kernel if stride is None or stride == [] else _pair(stride, "stride", op, 1)
    padding, dilation = _pair(padding, "padding", op, 0), _pair(dilation, "dilation", op, 1)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} should be at most half of kernel {kernel}")
    n, c = batched.shape[:2]
    out_h, out_w = _output_size(op, input.shape, kernel, stride, padding, dilation)
    cols = conv.unfold(batched, kernel, stride, padding, dilation, pad_value)
    windows = cols.reshape(n, c, kernel[0] * kernel[1], out_h * out_w)  # (N, C, k*k, L)
    return windows, (n, c, out_h, out_w), input.ndim == 3, (kernel, stride, padding)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if ceil_mode or return_indices:
        raise NotImplementedError("max_pool2d: ceil_mode and return_indices are not implemented")
    kernel = _pair(kernel_size, "kernel_size", "max_pool2d", minimum=1)
    tiles = stride in (None, kernel_size, kernel) and padding in (0, (0, 0))
    if tiles and dilation in (1, (1, 1)) and input.ndim == 4:  # windows tile the image
        _output_size("max_pool2d", input.shape, kernel, kernel, (0, 0), (1, 1))
        return fused_conv.max_pool2d(input, kernel)  # ops/fused_conv.py
    windows, shape, unbatched, _ = _pool_windows(input, kernel_size, stride, padding, dilation,
                                                 -np.inf, "max_pool2d")
    out = rd.max(windows, 2).reshape(shape)  # the gradient to the first max, as in PyTorch
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode is not implemented")
    windows, shape, unbatched, (kernel, stride, padding) = _pool_windows(
        input, kernel_size, stride, padding, 1, 0.0, "avg_pool2d")
    if divisor_override:
        out = windows.sum(dim=2) / divisor_override
    elif count_include_pad or padding == (0, 0):
        out = windows.mean(dim=2)
    else:  # divide by the number of real (not padded) pixels in each window
        ones = np.ones((1, 1, *input.shape[-2:]), dtype=input.dtype)
        counts = conv.unfold_array(ones, kernel, stride, padding, (1, 1)).sum(axis=1)
        out = windows.sum(dim=2) / Tensor._make(counts)
    out = out.reshape(shape)
    return out.squeeze(0) if unbatched else out


def _pool1d(op, input, kernel_size, stride, padding, dilation=1):
    """Checks in the 1-D op's own terms; the kernel, stride (the kernel's by default), padding
    and dilation as ints."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{op}: expected (N, C, L) or (C, L), got {input.shape}")
    kernel = _pair(kernel_size, "kernel_size", op, minimum=1)[0]
    stride = kernel if stride is None else _pair(stride, "stride", op, minimum=1)[0]
    padding = _pair(padding, "padding", op, minimum=0)[0]
    dilation = _pair(dilation, "dilation", op, minimum=1)[0]
    _output_size(op, input.shape, (kernel,), (stride,), (padding,), (dilation,))
    return kernel, stride, padding, dilation


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1):
    kernel_size, stride, padding, dilation = _pool1d("max_pool1d", input, kernel_size, stride,
                                                     padding, dilation)
    out = max_pool2d(input.unsqueeze(-2), (1, kernel_size), (1, stride), (0, padding),
                     (1, dilation))
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, count_include_pad=True):
    kernel_size, stride, padding, _ = _pool1d("avg_pool1d", input, kernel_size, stride, padding)
    out = avg_pool2d(input.unsqueeze(-2), (1, kernel_size), (1, stride), (0, padding),
                     count_include_pad=count_include_pad)
    return out.squeeze(-2)


def interpolate(input, size=None, scale_factor=None, mode="nearest"):
    """Nearest-neighbour resizing of (N, C, L) or (N, C, H, W): out[i] = in[floor(i * scale)]."""
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    spatial = input.shape[2:]
    if len(spatial) not in (1, 2) or (size is None) == (scale_factor is None):
        raise ValueError(f"interpolate: expected a 3-D or 4-D input and exactly one of size and "
                         f"scale_factor, got shape {input.shape}, size={size}, "
                         f"scale_factor={scale_factor}")
    count = len(spatial)
    given = size if size is not None else scale_factor
    given = (given,) * count if np.isscalar(given) else tuple(given)
    if len(given) != count or min(given) <= 0:
        name, value = ("size", size) if size is not None else ("scale_factor", scale_factor)
        raise ValueError(f"interpolate: {name} must be positive, one per spatial dim of the "
                         f"input {input.shape}, got {name}={value}")
    if size is not None:
        sizes = given
        scales = [n_in / n_out for n_in, n_out in zip(spatial, sizes)]
    else:
        sizes = tuple(math.floor(n * f) for n, f in zip(spatial, given))
        scales = [1.0 / f for f in given]
    picks = [np.minimum(np.floor(np.arange(n_out) * scale).astype(np.int64), n_in - 1)
             for n_out, scale, n_in in zip(sizes, scales, spatial)]
    if count == 1:
        return input[..., picks[0]]
    return input[:, :, picks[0][:, None], picks[1][None, :]]
