"""The Tensor methods that work along axes: shape (reshape, permute, expand and everything
composed of them: flatten, squeeze, split...), reductions (sum, max and their compositions:
mean, var, logsumexp, norm...), softmax and matmul. Tensor (tensor.py) inherits them; it holds
the data, the graph, dtypes, operators and the elementwise methods. The dim and size helpers
live here because tensor.py and creation.py use them too.
"""

import math

import numpy as np

from glassnet.ops import matmul as mm
from glassnet.ops import movement as mv
from glassnet.ops import reduce as rd


def _normalize_dim(dim, ndim):
    """dim in [-ndim, ndim) -> [0, ndim); a 0-d tensor takes dim 0 or -1, as in PyTorch."""
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                         f"{max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1)


def _dims(dim, ndim):
    """None (every dim: also for an empty tuple, or any valid dim of a 0-d tensor, as in
    PyTorch's reductions), one dim or a tuple of dims, normalized."""
    if dim is None or dim in ((), []):
        return None
    if isinstance(dim, (tuple, list)):
        dims = tuple(_normalize_dim(d, ndim) for d in dim)
        if len(set(dims)) < len(dims):
            raise RuntimeError(f"dim {dim}: a dim appears more than once")
    else:
        dims = _normalize_dim(dim, ndim)
    return None if ndim == 0 else dims


def _size_args(size):
    """Accept f(2, 3) and f((2, 3)) alike, as PyTorch does."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def _broadcast(*shapes):
    """The shape the shapes broadcast to, or None if they do not."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


class MinMax(tuple):
    """(values, indices), as torch.return_types.max."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


class AxisMethods:
    __slots__ = ()  # Tensor's own __slots__ stay in force

    T = property(lambda self: self.permute(*reversed(range(self.ndim))))
    mT = property(lambda self: self.transpose(-2, -1))

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # ---- shape ----
    def reshape(self, *shape):
        shape = _size_args(shape)
        known = int(np.prod([n for n in shape if n != -1]))
        fits = known == self.numel() if -1 not in shape else known and self.numel() % known == 0
        if shape.count(-1) > 1 or not fits:
            raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of shape "
                               f"{self.shape} (size {self.numel()})")
        return mv.reshape(self, shape)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start = _normalize_dim(start_dim, self.ndim)
        end = _normalize_dim(end_dim, self.ndim)
        if start > end:
            raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = int(np.prod(self.shape[start : end + 1]))  # not -1: it is ambiguous for size 0
        shape = self.shape[:start] + (merged,) + self.shape[end + 1 :]
        return self.reshape(shape) if end > start else self

    def unflatten(self, dim, sizes):
        dim = _normalize_dim(dim, self.ndim)
        return self.reshape(self.shape[:dim] + tuple(sizes) + self.shape[dim + 1 :])

    def squeeze(self, dim=None):
        dims = range(self.ndim) if dim is None else _dims(dim, self.ndim)
        dims = dims if isinstance(dims, (tuple, range)) else (dims,)
        return self.reshape([n for i, n in enumerate(self.shape) if not (i in dims and n == 1)])

    def unsqueeze(self, dim):
        dim = _normalize_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def permute(self, *dims):
        dims = tuple(_normalize_dim(d, self.ndim) for d in _size_args(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(f"permute: dims {dims} are not a permutation of {self.ndim} dims")
        return mv.permute(self, dims)

    def transpose(self, dim0, dim1):
        axes = list(range(self.ndim))
        dim0, dim1 = _normalize_dim(dim0, self.ndim), _normalize_dim(dim1, self.ndim)
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return mv.permute(self, axes)

    def t(self):
        return self.transpose(0, 1) if self.ndim == 2 else self

    def expand(self, *shape):
        shape = _size_args(shape)
        offset = len(shape) - self.ndim
        if offset < 0:
            raise RuntimeError(f"expand: target {shape} has fewer dims than tensor {self.shape}")
        shape = tuple(self.shape[i - offset] if n == -1 else n for i, n in enumerate(shape))
        if _broadcast(self.shape, shape) != shape:
            raise RuntimeError(f"expand: shape {self.shape} cannot expand to {shape}")
        return mv.expand(self, shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        sizes = _size_args(sizes)
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        # each dim n becomes (s, n) by expanding a new size-1 dim before it, then the two merge
        interleaved = self.reshape([d for n in shape for d in (1, n)])
        wide = interleaved.expand([d for n, s in zip(shape, sizes) for d in (s, n)])
        return wide.reshape([n * s for n, s in zip(shape, sizes)])

    def split(self, split_size_or_sections, dim=0):
        dim = _normalize_dim(dim, self.ndim)
        total = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            if step <= 0:
                raise ValueError(f"split: split_size must be positive, got {step}")
            sizes = [min(step, total - start) for start in range(0, total, step)]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != total:
                raise RuntimeError(f"split: sizes {sizes} do not sum to dim {dim}'s size {total}")
        starts = np.cumsum([0, *sizes[:-1]])
        return tuple(self.narrow(dim, start, size) for start, size in zip(starts, sizes))

    def narrow(self, dim, start, length):
        before = (slice(None),) * _normalize_dim(dim, self.ndim)
        return self[(*before, slice(start, start + length))]

    def chunk(self, chunks, dim=0):
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        size = -(-self.shape[_normalize_dim(dim, self.ndim)] // chunks)
        return self.split(max(size, 1), dim)

    def unbind(self, dim=0):
        dim = _normalize_dim(dim, self.ndim)
        return tuple(self.select(dim, i) for i in range(self.shape[dim]))

    def select(self, dim, index):
        return self[(slice(None),) * _normalize_dim(dim, self.ndim) + (index,)]

    # ---- reductions ----
    def sum(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.type(dtype)
        if not np.issubdtype(source.dtype, np.floating):  # integer sums count, with no gradient
            return self._make(np.sum(source.data, axis=_dims(dim, self.ndim), keepdims=keepdim))
        return rd.sum(source, _dims(dim, self.ndim), keepdim)

    def _count(self, dims):
        if dims is None:
            return self.numel()
        return int(np.prod([self.shape[d] for d in (dims if isinstance(dims, tuple) else (dims,))]))

    def mean(self, dim=None, keepdim=False):
        self._needs_float("mean")
        count = self._count(_dims(dim, self.ndim))
        return self.sum(dim, keepdim) * (1.0 / count if count else float("nan"))

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        if correction is None:
            correction = 0 if unbiased is False else 1
        centred = self - self.mean(dim=dim, keepdim=True)
        denominator = max(self._count(_dims(dim, self.ndim)) - correction, 0)
        return (centred * centred).sum(dim=dim, keepdim=keepdim) / denominator

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def max(self, dim=None, keepdim=False):
        """max() -> value; max(dim) -> (values, indices); max(other) -> the elementwise maximum,
        as PyTorch."""
        if isinstance(dim, AxisMethods):
            return self.maximum(dim)
        if dim is None:
            return rd.max(self)
        dim = _normalize_dim(dim, self.ndim)
        return MinMax((rd.max(self, dim, keepdim), self.argmax(dim, keepdim)))

    def min(self, dim=None, keepdim=False):
        """min() -> value; min(dim) -> (values, indices): the max of -self; min(other) -> the
        elementwise minimum."""
        if isinstance(dim, AxisMethods):
            return self.minimum(dim)
        if dim is None:
            return -rd.max(-self, op="min")
        values, indices = (-self).max(dim, keepdim)
        return MinMax((-values, indices))

    def amax(self, dim=None, keepdim=False):
        """The max over dims; tied maximal elements share the gradient, as in PyTorch."""
        dims = _dims(dim, self.ndim)
        if dims is None or isinstance(dims, tuple) and len(dims) == self.ndim:
            return rd.max(self, None, keepdim, op="amax")
        if not isinstance(dims, tuple):
            return rd.max(self, dims, keepdim, spread=True)
        kept = [d for d in range(self.ndim) if d not in dims]  # the reduced dims go last, as one
        merged = self.permute(*kept, *dims).reshape(  # not -1: ambiguous for a size-0 dim
            *[self.shape[d] for d in kept], math.prod(self.shape[d] for d in dims))
        out = rd.max(merged, -1, spread=True)
        if keepdim:
            out = out.reshape([1 if d in dims else n for d, n in enumerate(self.shape)])
        return out

    def argmax(self, dim=None, keepdim=False):
        indices = np.argmax(self.data, axis=_dims(dim, self.ndim), keepdims=keepdim)
        return self._make(indices.astype(np.int64))

    def argmin(self, dim=None, keepdim=False):
        indices = np.argmin(self.data, axis=_dims(dim, self.ndim), keepdims=keepdim)
        return self._make(indices.astype(np.int64))

    def logsumexp(self, dim, keepdim=False):
        """log sum exp(x), shifted by the max so that exp cannot overflow."""
        peak = np.max(self.data, axis=_dims(dim, self.ndim), keepdims=True, initial=-np.inf)
        peak = self._make(np.where(np.isfinite(peak), peak, 0))
        out = (self - peak).exp().sum(dim=dim, keepdim=True).log() + peak
        return out if keepdim else out.squeeze(dim)

    def norm(self, p="fro", dim=None, keepdim=False):
        """The vector p-norm (sum |x|^p)^(1/p) over dim (all by default); as in PyTorch, "fro"
        is the 2-norm, inf and -inf the max and min of |x|, 0 the count of non-zeros."""
        p = 2 if p == "fro" else p
        if p in (np.inf, -np.inf):
            sign = 1 if p > 0 else -1  # min |x| = -max(-|x|)
            return (self.abs() * sign).amax(dim=dim, keepdim=keepdim) * sign
        if p == 0:  # sign is piecewise constant: in the graph with a zero gradient
            return self.sign().abs().sum(dim=dim, keepdim=keepdim)
        total = (self.abs() ** p).sum(dim=dim, keepdim=keepdim)
        zero = total <= 0
        # the p-th root has no finite slope at 0; PyTorch's gradient there is 0, and so is ours
        return (total.masked_fill(zero, 1.0) ** (1.0 / p)).masked_fill(zero, 0.0)

    def softmax(self, dim):
        self._needs_float("softmax")
        return rd.softmax(self, _normalize_dim(dim, self.ndim))

    def log_softmax(self, dim):
        self._needs_float("log_softmax")
        return rd.log_softmax(self, _normalize_dim(dim, self.ndim))

    def _needs_float(self, op):
        if not np.issubdtype(self.dtype, np.floating):
            raise RuntimeError(f"{op}(): needs a floating point tensor, got dtype {self.dtype}")

    # ---- matrix product ----
    def matmul(self, other):
        """self @ other, with PyTorch's rules for 1-D operands (promoted, then squeezed)."""
        a, b = self, other
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError("matmul: both arguments need at least 1 dimension")
        rows = b.shape[-2 if b.ndim > 1 else 0]
        if a.shape[-1] != rows or _broadcast(a.shape[:-2], b.shape[:-2]) is None:
            raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied; "
                               f"expected a second operand ({a.shape[-1]},) or (..., "
                               f"{a.shape[-1]}, m), batch dims broadcasting with {a.shape[:-2]}")
        if a.dtype != b.dtype:  # as PyTorch: a product never promotes silently
            raise RuntimeError(f"matmul: expected both operands to have the same dtype, got "
                               f"{a.dtype} and {b.dtype}")
        if a.ndim == 1 and b.ndim == 1:
            return (a * b).sum()
        if a.ndim == 1:
            return mm.matmul(a.unsqueeze(0), b).squeeze(-2)
        if b.ndim == 1:
            return mm.matmul(a, b.unsqueeze(-1)).squeeze(-1)
        return mm.matmul(a, b)

    __matmul__ = matmul

    def __rmatmul__(self, other):
        return self._make(np.asarray(other)).matmul(self)
