"""Reductions with PyTorch's names, composed of the primitives sum, max, cumsum and the
elementwise ops: var, std, logsumexp, norm, amax, prod, cumsum, all, any, median... Each is also
a Tensor method (functional/methods.py). No backward code: each gradient comes from the
primitives these are made of.
"""

import math

import numpy as np

from glassnet.creation import cat, ones, where
from glassnet.ops import reduce as rd
from glassnet.tensor import Tensor, _is_float
from glassnet.tensor_axes import MinMax, _dims, _normalize_dim


def _count(input, dim):
    """How many elements a reduction over dim takes together."""
    dims = _dims(dim, input.ndim)
    if dims is None:
        return input.numel()
    return math.prod(input.shape[d] for d in (dims if isinstance(dims, tuple) else (dims,)))


def var(input, dim=None, unbiased=None, keepdim=False, correction=None):
    """The mean squared distance from the mean, divided by count - correction (1, Bessel's
    correction, unless unbiased=False or correction says otherwise)."""
    if isinstance(dim, bool):  # var(x, False): the old positional unbiased
        dim, unbiased = None, dim
    if correction is None:
        correction = 0 if unbiased is False else 1
    centred = input - input.mean(dim=dim, keepdim=True)
    denominator = max(_count(input, dim) - correction, 0)
    return (centred * centred).sum(dim=dim, keepdim=keepdim) / denominator


def std(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return var(input, dim, unbiased, keepdim, correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return var(input, dim, unbiased, keepdim, correction), input.mean(dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return std(input, dim, unbiased, keepdim, correction), input.mean(dim, keepdim)


def amax(input, dim=None, keepdim=False):
    """The max over dims; tied maximal elements share the gradient, as in PyTorch."""
    dims = _dims(dim, input.ndim)
    if dims is None or isinstance(dims, tuple) and len(dims) == input.ndim:
        return rd.max(input, None, keepdim, op="amax")
    if not isinstance(dims, tuple):
        return rd.max(input, dims, keepdim, spread=True)
    kept = [d for d in range(input.ndim) if d not in dims]  # the reduced dims go last, as one
    merged = input.permute(*kept, *dims).reshape(  # not -1: ambiguous for a size-0 dim
        *[input.shape[d] for d in kept], math.prod(input.shape[d] for d in dims))
    out = rd.max(merged, -1, spread=True)
    if keepdim:
        out = out.reshape([1 if d in dims else n for d, n in enumerate(input.shape)])
    return out


def amin(input, dim=None, keepdim=False):
    return -amax(-input, dim, keepdim)


def aminmax(input, dim=None, keepdim=False):
    return amin(input, dim, keepdim), amax(input, dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    """log sum exp(x), shifted by the max so that exp cannot overflow."""
    peak = np.max(input.array, axis=_dims(dim, input.ndim), keepdims=True, initial=-np.inf)
    peak = Tensor._make(np.where(np.isfinite(peak), peak, 0))
    out = (input - peak).exp().sum(dim=dim, keepdim=True).log() + peak
    return out if keepdim else out.squeeze(dim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm (sum |x|^p)^(1/p) over dim (all by default); as in PyTorch, "fro"
    is the 2-norm, inf and -inf the max and min of |x|, 0 the count of non-zeros."""
    input = input if dtype is None else input.type(dtype)
    p = 2 if p in ("fro", None) else p
    if p in (np.inf, -np.inf):
        sign = 1 if p > 0 else -1  # min |x| = -max(-|x|)
        return amax(input.abs() * sign, dim=dim, keepdim=keepdim) * sign
    if p == 0:  # sign is piecewise constant: in the graph with a zero gradient
        return input.sign().abs().sum(dim=dim, keepdim=keepdim)
    total = (input.abs() ** p).sum(dim=dim, keepdim=keepdim)
    zero = total <= 0
    # the p-th root has no finite slope at 0; PyTorch's gradient there is 0, and so is ours
    return where(zero, 0.0, where(zero, 1.0, total) ** (1.0 / p))


def dist(input, other, p=2):
    return norm(input - other, p)


def cdist(x1, x2, p=2.0):
    """Distances between each row of x1 (..., P, M) and each row of x2 (..., R, M)."""
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)


def cumsum(input, dim, dtype=None):
    source = input if dtype is None else input.type(dtype)
    dim = _normalize_dim(dim, source.ndim)
    if not _is_float(source.dtype):  # integer running sums count, with no gradient (int64)
        kind = np.int64 if source.dtype.kind in "bi" else source.dtype
        return Tensor._make(np.cumsum(source.array, axis=dim, dtype=kind))
    return rd.cumsum(source if source.ndim else source.reshape(1), dim).reshape(source.shape)


def cumprod(input, dim, dtype=None):
    """Running products, by doubling (Hillis and Steele's scan): log n steps of mul, so the
    gradient is exact even where an element is zero."""
    source = input if dtype is None else input.type(dtype)
    dim = _normalize_dim(dim, source.ndim)
    if not _is_float(source.dtype):
        kind = np.int64 if source.dtype.kind in "bi" else source.dtype
        return Tensor._make(np.cumprod(source.array, axis=dim, dtype=kind))
    out = source.movedim(dim, -1) if source.ndim else source.reshape(1)
    shift = 1
    while shift < out.shape[-1]:
        out = cat([out[..., :shift], out[..., shift:] * out[..., :-shift]], -1)
        shift *= 2
    return out.movedim(-1, dim) if source.ndim else out.reshape(())


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim: out[i] = x[i + 1] - x[i], n times."""
    dim = _normalize_dim(dim, input.ndim)
    pieces = [t for t in (prepend, input, append) if t is not None]
    out = cat(pieces, dim) if len(pieces) > 1 else input
    for _ in range(n):
        size = out.shape[dim]
        out = out.narrow(dim, 1, max(size - 1, 0)) - out.narrow(dim, 0, max(size - 1, 0))
    return out


def prod(input, dim=None, keepdim=False, dtype=None):
    """The product over dim (all by default), multiplied out in halves (log n steps of mul):
    the gradient is exact even where an element is zero."""
    source = input if dtype is None else input.type(dtype)
    if not _is_float(source.dtype):
        kind = np.int64 if source.dtype.kind in "bi" else source.dtype
        return Tensor._make(np.prod(source.array, axis=dim, keepdims=keepdim, dtype=kind))
    if dim is None:
        out = prod(source.reshape(-1), 0)
        return out.reshape((1,) * source.ndim) if keepdim else out
    dim = _normalize_dim(dim, source.ndim)
    rest = source.movedim(dim, -1) if source.ndim else source.reshape(1)
    if rest.shape[-1] == 0:
        rest = ones(*rest.shape[:-1], 1, dtype=rest.dtype)
    while rest.shape[-1] > 1:
        half = rest.shape[-1] // 2
        product = rest[..., :half] * rest[..., half : 2 * half]
        rest = cat([product, rest[..., 2 * half :]], -1) if rest.shape[-1] % 2 else product
    out = rest.squeeze(-1) if source.ndim else rest.reshape(())
    return out.unsqueeze(dim) if keepdim and source.ndim else out


def all(input, dim=None, keepdim=False):
    return Tensor._make(np.all(input.array, axis=_dims(dim, input.ndim), keepdims=keepdim))


def any(input, dim=None, keepdim=False):
    return Tensor._make(np.any(input.array, axis=_dims(dim, input.ndim), keepdims=keepdim))


def count_nonzero(input, dim=None):
    return Tensor._make(np.count_nonzero(input.array, axis=_dims(dim, input.ndim)).astype(
        np.int64))


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's: of an even count, the smaller middle value); with dim,
    (values, indices). The gradient goes to the median element."""
    if dim is None:
        flat = input.reshape(-1)
        order = np.argsort(flat.array, kind="stable")
        return flat[order[(flat.numel() - 1) // 2]]
    dim = _normalize_dim(dim, input.ndim)
    order = np.argsort(input.array, axis=dim, kind="stable")
    middle = np.take(order, [(input.shape[dim] - 1) // 2], axis=dim)
    values = input.gather(dim, middle)
    return MinMax((values if keepdim else values.squeeze(dim),
                   Tensor._make(middle if keepdim else middle.squeeze(dim))))


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest of equally frequent ones), and the last
    index where it stands."""
    dim = _normalize_dim(dim, input.ndim)
    moved = np.moveaxis(input.array, dim, -1)
    counts = (moved[..., :, None] == moved[..., None, :]).sum(-1)
    best = np.where(counts == counts.max(-1, keepdims=True), moved, np.inf).min(-1)
    last = moved.shape[-1] - 1 - np.argmax((moved == best[..., None])[..., ::-1], axis=-1)
    index = np.expand_dims(last, dim)
    values = input.gather(dim, index)
    return MinMax((values if keepdim else values.squeeze(dim),
                   Tensor._make(index if keepdim else last)))
