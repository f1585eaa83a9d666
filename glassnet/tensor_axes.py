"""The Tensor methods that work along axes: shape (reshape, permute, expand, and flatten,
squeeze, unsqueeze, transpose made of them), reductions (sum, max, and mean, min made of them),
softmax and matmul. Tensor (tensor.py) inherits them; it holds the data, the graph, dtypes,
operators and the elementwise methods. The rest (split, var, norm, amax...) is composed in
functional/. The dim and size helpers live here because tensor.py and creation.py use them too.
"""

import numpy as np

from glassnet.autograd import _broadcast
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

    # ---- reductions ----
    def sum(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.type(dtype)
        if not np.issubdtype(source.dtype, np.floating):  # integer sums count, with no gradient
            return self._make(np.sum(source.array, axis=_dims(dim, self.ndim), keepdims=keepdim))
        return rd.sum(source, _dims(dim, self.ndim), keepdim)

    def _count(self, dims):
        if dims is None:
            return self.numel()
        return int(np.prod([self.shape[d] for d in (dims if isinstance(dims, tuple) else (dims,))]))

    def mean(self, dim=None, keepdim=False):
        self._needs_float("mean")
        count = self._count(_dims(dim, self.ndim))
        return self.sum(dim, keepdim) * (1.0 / count if count else float("nan"))

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

    def argmax(self, dim=None, keepdim=False):
        indices = np.argmax(self.array, axis=_dims(dim, self.ndim), keepdims=keepdim)
        return self._make(indices.astype(np.int64))

    def argmin(self, dim=None, keepdim=False):
        indices = np.argmin(self.array, axis=_dims(dim, self.ndim), keepdims=keepdim)
        return self._make(indices.astype(np.int64))

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
