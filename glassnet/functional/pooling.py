"""Adaptive pooling and pixel shuffling, with torch.nn.functional's names.

Adaptive pooling fixes the output size instead of the window: output cell i of an axis of
length n into m cells covers input positions floor(i n / m) to ceil((i + 1) n / m) - 1, as in
PyTorch, so windows differ in size (and overlap) when m does not divide n. The average is
separable: it is the product of one averaging matrix per axis, applied by matrix products; the
maximum is taken one axis at a time. Pixel shuffle (Shi et al. 2016, "Real-Time Single Image
and Video Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network") moves
r*r channels into an r-times larger image. All are composed of reshapes, matrix products and
reductions, so their gradients come from those primitives.
"""

import math

import numpy as np

from glassnet.creation import stack
from glassnet.tensor import Tensor


def _bins(length, cells):
    """(start, stop) of each output cell along an axis, as PyTorch cuts them."""
    return [(i * length // cells, math.ceil((i + 1) * length / cells)) for i in range(cells)]


def _output_sizes(op, input, output_size, dims):
    """The requested sizes as a tuple of `dims` ints (None keeps the input's size)."""
    if input.ndim not in (dims + 1, dims + 2):
        layout = "(N, C, L) or (C, L)" if dims == 1 else "(N, C, H, W) or (C, H, W)"
        raise RuntimeError(f"{op}: expected input {layout}, got shape {tuple(input.shape)}")
    sizes = (output_size,) * dims if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must be an int or {dims} ints, got {output_size!r}")
    spatial = input.shape[-dims:]
    sizes = tuple(size if wanted is None else wanted for wanted, size in zip(sizes, spatial))
    if any(not isinstance(s, (int, np.integer)) or s <= 0 for s in sizes):
        raise ValueError(f"{op}: output_size must hold positive ints, got {output_size!r}")
    return sizes


def _average_matrix(length, cells, dtype):
    """(cells, length): row i averages the positions of cell i."""
    matrix = np.zeros((cells, length), dtype=dtype)
    for i, (start, stop) in enumerate(_bins(length, cells)):
        matrix[i, start:stop] = 1.0 / (stop - start)
    return Tensor._make(matrix)


def _adaptive_average(input, sizes):
    """Average each spatial axis (the last len(sizes)) down to its size."""
    out = input
    for axis, cells in zip(range(input.ndim - len(sizes), input.ndim), sizes):
        length = input.shape[axis]
        if cells == length:
            continue
        moved = out.transpose(axis, -1)  # (..., length)
        if length % cells == 0:  # equal windows: a reshape and a mean
            pooled = moved.reshape(*moved.shape[:-1], cells, length // cells).mean(-1)
        else:
            pooled = moved @ _average_matrix(length, cells, input.dtype).transpose(0, 1)
        out = pooled.transpose(axis, -1)
    return out


def _adaptive_maximum(input, sizes):
    out = input
    for axis, cells in zip(range(input.ndim - len(sizes), input.ndim), sizes):
        length = input.shape[axis]
        moved = out.transpose(axis, -1)  # (..., length)
        if length % cells == 0:
            pooled = moved.reshape(*moved.shape[:-1], cells, length // cells).amax(-1)
        else:
            pooled = stack([moved[..., start:stop].amax(-1)
                            for start, stop in _bins(length, cells)], dim=-1)
        out = pooled.transpose(axis, -1)
    return out


def adaptive_avg_pool1d(input, output_size):
    """(N, C, L) -> (N, C, output_size), each cell the mean of its window."""
    return _adaptive_average(input, _output_sizes("adaptive_avg_pool1d", input, output_size, 1))


def adaptive_avg_pool2d(input, output_size):
    """(N, C, H, W) -> (N, C, *output_size); (1, 1) is global average pooling."""
    return _adaptive_average(input, _output_sizes("adaptive_avg_pool2d", input, output_size, 2))


def _no_indices(op, return_indices):
    if return_indices:
        raise NotImplementedError(f"{op}: return_indices=True is not implemented")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _no_indices("adaptive_max_pool1d", return_indices)
    return _adaptive_maximum(input, _output_sizes("adaptive_max_pool1d", input, output_size, 1))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    _no_indices("adaptive_max_pool2d", return_indices)
    return _adaptive_maximum(input, _output_sizes("adaptive_max_pool2d", input, output_size, 2))


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): channel c r^2 + i r + j goes to pixel (i, j)."""
    r = upscale_factor
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle: expected input (*, C*{r * r}, H, W) with channels "
                           f"divisible by upscale_factor^2 = {r * r}, got {tuple(input.shape)}")
    *batch, channels, height, width = input.shape
    out = input.reshape(*batch, channels // (r * r), r, r, height, width)
    d = len(batch)
    out = out.permute(*range(d), d, d + 3, d + 1, d + 4, d + 2)  # (*, C, H, r, W, r)
    return out.reshape(*batch, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    r = downscale_factor
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle: expected input (*, C, H*{r}, W*{r}), got "
                           f"{tuple(input.shape)}")
    *batch, channels, height, width = input.shape
    out = input.reshape(*batch, channels, height // r, r, width // r, r)
    d = len(batch)
    out = out.permute(*range(d), d, d + 2, d + 4, d + 1, d + 3)  # (*, C, r, r, H, W)
    return out.reshape(*batch, channels * r * r, height // r, width // r)
