"""Tensor: an n-dimensional array (``.data``, a NumPy ndarray) that remembers how it was made.

Every operation on a Tensor that requires a gradient records a Context (autograd.py) pointing at
its inputs; ``backward()`` walks those records back to the leaves. The operators and methods
here only convert arguments and call the primitives in ``ops/`` or the compositions in
``functional.py``; no derivative is written in this file.
"""

import numpy as np

from glassnet import autograd, random
from glassnet.ops import elementwise as ew
from glassnet.ops import fused
from glassnet.ops import matmul as mm
from glassnet.ops import movement as mv
from glassnet.ops import reduce as rd

float32, float64 = np.dtype("float32"), np.dtype("float64")
int64, int32, bool_ = np.dtype("int64"), np.dtype("int32"), np.dtype("bool")
DEFAULT_DTYPE = float32


_KIND = {"b": 0, "u": 1, "i": 1, "f": 2}  # PyTorch's promotion categories


def _is_float(dtype):
    return np.issubdtype(dtype, np.floating)


def _normalize_dim(dim, ndim):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
            f"{max(ndim, 1) - 1}], but got {dim})"
        )
    return dim % max(ndim, 1)


def _broadcast(*shapes):
    """The shape the shapes broadcast to, or None if they do not."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def _dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(_normalize_dim(d, ndim) for d in dim)
    return _normalize_dim(dim, ndim)


def _size_args(size):
    """Accept f(2, 3) and f((2, 3)) alike, as PyTorch does."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def _to_array(value, dtype=None):
    """Python data -> ndarray with PyTorch's defaults: floats float32, ints int64."""
    if isinstance(value, Tensor):
        array = value.data
    elif isinstance(value, np.ndarray):
        array = value
    else:
        array = np.array(value)
        if array.dtype == float64:
            array = array.astype(DEFAULT_DTYPE)
        elif np.issubdtype(array.dtype, np.integer):
            array = array.astype(int64)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "__weakref__")
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = np.array(_to_array(data, dtype), copy=True)
        self.grad = None
        self._ctx = None
        self._retain = False
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    @classmethod
    def _make(cls, data, requires_grad=False):
        """Wrap an array without copying or checking (the engine's fast path)."""
        out = object.__new__(Tensor)
        out.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        out.grad = None
        out.requires_grad = requires_grad
        out._ctx = None
        out._retain = False
        return out

    # ---- properties ----
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def device(self):
        return "cpu"

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        return None if self._ctx is None else self._ctx.fn

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return self.data.size

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # ---- leaving the graph ----
    def item(self):
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted, got shape {self.shape}"
            )
        return self.data.item()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError(
                "numpy(): this tensor requires grad; use tensor.detach().numpy() to leave the graph"
            )
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        array = self.data if dtype is None else self.data.astype(dtype)
        return array.copy() if copy else array

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if not np.issubdtype(self.dtype, np.integer):
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data)

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extra = "" if self.dtype in (float32, int64, bool_) else f", dtype={self.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.fn.__name__}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ---- autograd ----
    def backward(self, gradient=None, retain_graph=False):
        autograd.backward(self, gradient, retain_graph)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_float(self.dtype):
            raise RuntimeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) is only for leaf tensors; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep .grad on this intermediate (non-leaf) tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retain = True

    def detach(self):
        return Tensor._make(self.data, False)

    def detach_(self):
        self._ctx = None
        self.requires_grad = False
        return self

    def clone(self):
        return ew.cast(self, self.dtype) if self.requires_grad else Tensor._make(self.data.copy())

    # ---- dtype ----
    def to(self, dtype=None, *args, **kwargs):
        if dtype is None or isinstance(dtype, str) and dtype in ("cpu", "cuda"):
            return self
        return self.type(dtype)

    def type(self, dtype):
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if self.requires_grad and _is_float(dtype):
            return ew.cast(self, dtype)
        return Tensor._make(self.data.astype(dtype))

    def float(self):
        return self.type(float32)

    def double(self):
        return self.type(float64)

    def long(self):
        return self.type(int64)

    def int(self):
        return self.type(int32)

    def bool(self):
        return self.type(bool_)

    def type_as(self, other):
        return self.type(other.dtype)

    def contiguous(self):
        return self

    def cpu(self):
        return self

    # ---- arithmetic ----
    def _operand(self, other):
        """self and other in the dtype PyTorch gives their result: the higher kind (bool < int
        < float) wins; within a kind a 0-d tensor or a Python number does not widen a tensor."""
        if isinstance(other, np.ndarray):
            other = Tensor._make(other)
        if isinstance(other, Tensor):
            if other.dtype == self.dtype:
                return self, other
            kinds = _KIND[self.dtype.kind], _KIND[other.dtype.kind]
            if kinds[0] != kinds[1]:
                common = self.dtype if kinds[0] > kinds[1] else other.dtype
            elif (self.ndim == 0) != (other.ndim == 0):
                common = other.dtype if self.ndim == 0 else self.dtype
            else:
                common = np.promote_types(self.dtype, other.dtype)
            return self.type(common), other.type(common)
        dtype = self.dtype
        if isinstance(other, (float, np.floating)) and not _is_float(dtype):
            dtype = DEFAULT_DTYPE
        elif dtype == bool_ and not isinstance(other, bool):
            dtype = int64
        return self.type(dtype), Tensor._make(np.asarray(other, dtype=dtype))

    def __add__(self, other):
        return ew.add(*self._operand(other))

    def __radd__(self, other):
        a, b = self._operand(other)
        return ew.add(b, a)

    def __sub__(self, other):
        a, b = self._operand(other)
        return ew.add(a, ew.neg(b))

    def __rsub__(self, other):
        a, b = self._operand(other)
        return ew.add(b, ew.neg(a))

    def __mul__(self, other):
        return ew.mul(*self._operand(other))

    def __rmul__(self, other):
        a, b = self._operand(other)
        return ew.mul(b, a)

    def __truediv__(self, other):
        a, b = self._operand(other if _is_float(self.dtype) else float_like(other))
        return ew.div(a, b)

    def __rtruediv__(self, other):
        a, b = self._operand(other if _is_float(self.dtype) else float_like(other))
        return ew.div(b, a)

    def __pow__(self, exponent):
        return ew.pow(*self._operand(exponent))

    def __rpow__(self, base):
        a, b = self._operand(base)
        return ew.pow(b, a)

    def __neg__(self):
        return ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(tensor(other), self)

    def __floordiv__(self, other):
        return Tensor._make(self.data // _to_array(other))

    def __mod__(self, other):
        return Tensor._make(self.data % _to_array(other))

    # comparisons and logic: results are boolean and carry no gradient
    def _compare(self, other, op):
        return Tensor._make(op(self.data, _to_array(other)))

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __and__(self, other):
        return self._compare(other, np.logical_and if self.dtype == bool_ else np.bitwise_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or if self.dtype == bool_ else np.bitwise_or)

    def __xor__(self, other):
        return self._compare(other, np.logical_xor if self.dtype == bool_ else np.bitwise_xor)

    def __invert__(self):
        return Tensor._make(~self.data)

    def eq(self, other):
        return self == other

    def logical_not(self):
        return Tensor._make(np.logical_not(self.data))

    def sign(self):
        return Tensor._make(np.sign(self.data))

    def floor(self):
        return Tensor._make(np.floor(self.data))

    def round(self):
        return Tensor._make(np.round(self.data))

    def isnan(self):
        return Tensor._make(np.isnan(self.data))

    def all(self):
        return Tensor._make(np.all(self.data))

    def any(self):
        return Tensor._make(np.any(self.data))

    # ---- elementwise math ----
    def _float(self):
        """Integers become float32 before float math, as in PyTorch."""
        return self if _is_float(self.dtype) else self.float()

    def exp(self):
        return ew.exp(self._float())

    def log(self):
        return ew.log(self._float())

    def log1p(self):
        return ew.log1p(self._float())

    def sqrt(self):
        return self**0.5

    def rsqrt(self):
        return self**-0.5

    def pow(self, exponent):
        return self**exponent

    def abs(self):
        return ew.abs(self)

    def tanh(self):
        return ew.tanh(self._float())

    def sigmoid(self):
        return ew.sigmoid(self._float())

    def relu(self):
        return ew.relu(self)

    def erf(self):
        return ew.erf(self._float())

    def sin(self):
        return ew.sin(self._float())

    def cos(self):
        return ew.sin(self + np.pi / 2)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        return ew.clamp(self, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        a, b = self._operand(other)
        return ew.where(a >= b, a, b)

    def minimum(self, other):
        a, b = self._operand(other)
        return ew.where(a <= b, a, b)

    def masked_fill(self, mask, value):
        mask = mask if isinstance(mask, Tensor) else Tensor._make(np.asarray(mask))
        if mask.dtype != bool_:
            raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
        return ew.where(mask, Tensor._make(np.asarray(value, dtype=self.dtype)), self)

    def softmax(self, dim):
        return fused.softmax(self, _normalize_dim(dim, self.ndim))

    def log_softmax(self, dim):
        return fused.log_softmax(self, _normalize_dim(dim, self.ndim))

    # ---- reductions ----
    def sum(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.type(dtype)
        if not _is_float(source.dtype):  # integer and bool sums count; they carry no gradient
            return Tensor._make(np.sum(source.data, axis=_dims(dim, self.ndim), keepdims=keepdim))
        return rd.sum(source, _dims(dim, self.ndim), keepdim)

    def mean(self, dim=None, keepdim=False):
        if not _is_float(self.dtype):
            raise RuntimeError(f"mean(): needs a floating point tensor, got dtype {self.dtype}")
        axes = _dims(dim, self.ndim)
        count = self._count(axes)
        return rd.sum(self, axes, keepdim) * (1.0 / count if count else float("nan"))

    def _count(self, axes):
        if axes is None:
            return self.data.size
        axes = axes if isinstance(axes, tuple) else (axes,)
        return int(np.prod([self.shape[a] for a in axes]))

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        if correction is None:
            correction = 0 if unbiased is False else 1
        axes = _dims(dim, self.ndim)
        centred = self - self.mean(dim=axes, keepdim=True)
        denominator = max(self._count(axes) - correction, 0)
        return (centred * centred).sum(dim=axes, keepdim=keepdim) / denominator

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def max(self, dim=None, keepdim=False):
        """max() -> value; max(dim) -> (values, indices), as PyTorch."""
        if dim is None:
            return rd.max(self)
        dim = _normalize_dim(dim, self.ndim)
        return MinMax((rd.max(self, dim, keepdim), self.argmax(dim, keepdim)))

    def min(self, dim=None, keepdim=False):
        if dim is None:
            return -rd.max(-self)
        dim = _normalize_dim(dim, self.ndim)
        return MinMax((-rd.max(-self, dim, keepdim), self.argmin(dim, keepdim)))

    def amax(self, dim=None, keepdim=False):
        dims = _dims(dim, self.ndim)
        if not isinstance(dims, tuple):
            return rd.max(self, dims, keepdim)
        out = self
        for d in dims:  # the max over several dims, one dim at a time
            out = rd.max(out, d, True)
        return out if keepdim else out.squeeze(dims)

    def argmax(self, dim=None, keepdim=False):
        axis = None if dim is None else _normalize_dim(dim, self.ndim)
        return Tensor._make(np.argmax(self.data, axis=axis, keepdims=keepdim).astype(int64))

    def argmin(self, dim=None, keepdim=False):
        axis = None if dim is None else _normalize_dim(dim, self.ndim)
        return Tensor._make(np.argmin(self.data, axis=axis, keepdims=keepdim).astype(int64))

    def logsumexp(self, dim, keepdim=False):
        dim = _dims(dim, self.ndim)
        peak = Tensor._make(np.max(self.data, axis=dim, keepdims=True))
        peak.data = np.where(np.isfinite(peak.data), peak.data, 0)
        out = (self - peak).exp().sum(dim=dim, keepdim=True).log() + peak
        return out if keepdim else out.squeeze(dim)

    def norm(self, p=2, dim=None, keepdim=False):
        total = (self.abs() ** p).sum(dim=dim, keepdim=keepdim)
        nonzero = total > 0
        # the p-th root has no finite slope at 0; PyTorch's gradient there is 0, and so is ours
        return where(nonzero, where(nonzero, total, 1.0) ** (1.0 / p), 0.0)

    # ---- shape ----
    def reshape(self, *shape):
        shape = _size_args(shape)
        known = int(np.prod([n for n in shape if n != -1]))
        fits = known == self.data.size if -1 not in shape else known and self.data.size % known == 0
        if shape.count(-1) > 1 or not fits:
            raise RuntimeError(
                f"reshape: shape {list(shape)} is invalid for input of shape {self.shape} "
                f"(size {self.data.size})"
            )
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
        merged = int(np.prod(self.shape[start : end + 1]))  # not -1: it is ambiguous for size 0
        shape = self.shape[:start] + (merged,) + self.shape[end + 1 :]
        return self.reshape(shape) if end > start else self

    def unflatten(self, dim, sizes):
        dim = _normalize_dim(dim, self.ndim)
        return self.reshape(self.shape[:dim] + tuple(sizes) + self.shape[dim + 1 :])

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

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape([n for n in self.shape if n != 1])
        dims = _dims(dim, self.ndim)
        dims = dims if isinstance(dims, tuple) else (dims,)
        shape = [n for i, n in enumerate(self.shape) if not (i in dims and n == 1)]
        return self.reshape(shape)

    def unsqueeze(self, dim):
        dim = _normalize_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

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
        x = self.reshape(shape)
        wide = [d for n, s in zip(shape, sizes) for d in (s, n)]
        return x.reshape([d for n in shape for d in (1, n)]).expand(wide).reshape(
            [n * s for n, s in zip(shape, sizes)]
        )

    def split(self, split_size_or_sections, dim=0):
        dim = _normalize_dim(dim, self.ndim)
        total = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            sizes = [min(step, total - start) for start in range(0, total, step)]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != total:
                raise RuntimeError(f"split: sizes {sizes} do not sum to dim {dim}'s size {total}")
        pieces, start = [], 0
        for size in sizes:
            key = (slice(None),) * dim + (slice(start, start + size),)
            pieces.append(self[key])
            start += size
        return tuple(pieces)

    def chunk(self, chunks, dim=0):
        size = -(-self.shape[_normalize_dim(dim, self.ndim)] // chunks)
        return self.split(max(size, 1), dim)

    def unbind(self, dim=0):
        dim = _normalize_dim(dim, self.ndim)
        return tuple(self.select(dim, i) for i in range(self.shape[dim]))

    def select(self, dim, index):
        return self[(slice(None),) * _normalize_dim(dim, self.ndim) + (index,)]

    def gather(self, dim, index):
        dim = _normalize_dim(dim, self.ndim)
        index = _to_array(index)
        if index.ndim != self.ndim or not np.issubdtype(index.dtype, np.integer):
            raise RuntimeError(
                f"gather: index must be an integer tensor with {self.ndim} dims like the input, "
                f"got dtype {index.dtype} and shape {index.shape}"
            )
        return mv.gather(self, dim, index)

    def __getitem__(self, key):
        return mv.index(self, _index_key(key))

    def __setitem__(self, key, value):
        self._check_inplace("__setitem__")
        self.data[_index_key(key)] = _to_array(value)

    # ---- in place (outside the graph: parameter updates, initialisation) ----
    def _check_inplace(self, name):
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                f"{name}: in-place change of a tensor that requires grad; glassnet records no "
                "graph through in-place ops. Wrap it in `with gn.no_grad():` or use the "
                "out-of-place op."
            )

    def _set(self, name, array):
        self._check_inplace(name)
        self.data[...] = array
        return self

    def zero_(self):
        return self._set("zero_", 0)

    def fill_(self, value):
        return self._set("fill_", _to_array(value))

    def copy_(self, source):
        return self._set("copy_", _to_array(source))

    def add_(self, other, alpha=1):
        return self._set("add_", self.data + alpha * _to_array(other))

    def sub_(self, other, alpha=1):
        return self._set("sub_", self.data - alpha * _to_array(other))

    def mul_(self, other):
        return self._set("mul_", self.data * _to_array(other))

    def div_(self, other):
        return self._set("div_", self.data / _to_array(other))

    def clamp_(self, min=None, max=None):
        return self._set("clamp_", np.clip(self.data, min, max))

    def uniform_(self, a=0.0, b=1.0, rng=None):
        return self._set("uniform_", random.generator(rng).uniform(a, b, self.shape))

    def normal_(self, mean=0.0, std=1.0, rng=None):
        return self._set("normal_", random.generator(rng).normal(mean, std, self.shape))


class MinMax(tuple):
    """(values, indices), as torch.return_types.max."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def _index_key(key):
    """Tensors and lists inside an index become arrays; the rest is NumPy's indexing."""
    parts = key if isinstance(key, tuple) else (key,)
    converted = []
    for part in parts:
        if isinstance(part, Tensor):
            part = part.data
        elif isinstance(part, list):
            part = np.asarray(part)
        converted.append(part)
    return tuple(converted) if isinstance(key, tuple) else converted[0]


def float_like(value):
    """An integer divisor as float32, as true division of integers gives in PyTorch."""
    if isinstance(value, Tensor):
        return value if _is_float(value.dtype) else value.float()
    return float(value)


# ---- creation ----
def tensor(data, dtype=None, requires_grad=False):
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data, dtype=None):
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor._make(_to_array(data, dtype))


def from_numpy(array):
    return Tensor._make(array)


def _filled(maker, size, dtype, requires_grad):
    out = Tensor._make(maker(_size_args(size), dtype=dtype or DEFAULT_DTYPE))
    return out.requires_grad_(requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    return _filled(np.zeros, size, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _filled(np.ones, size, dtype, requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _filled(np.zeros, size, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = bool_ if isinstance(fill_value, bool) else int64
    out = Tensor._make(np.full(_size_args((size,)), fill_value, dtype=dtype or DEFAULT_DTYPE))
    return out.requires_grad_(requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step)
    default = int64 if np.issubdtype(values.dtype, np.integer) else DEFAULT_DTYPE
    return Tensor._make(values.astype(dtype or default)).requires_grad_(requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    values = np.linspace(start, end, steps).astype(dtype or DEFAULT_DTYPE)
    return Tensor._make(values).requires_grad_(requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return Tensor._make(np.eye(n, m, dtype=dtype or DEFAULT_DTYPE)).requires_grad_(requires_grad)


def randn(*size, dtype=None, requires_grad=False, rng=None):
    values = random.generator(rng).standard_normal(_size_args(size))
    return Tensor._make(values.astype(dtype or DEFAULT_DTYPE)).requires_grad_(requires_grad)


def rand(*size, dtype=None, requires_grad=False, rng=None):
    values = random.generator(rng).random(_size_args(size))
    return Tensor._make(values.astype(dtype or DEFAULT_DTYPE)).requires_grad_(requires_grad)


def randint(low, high=None, size=(), dtype=None, rng=None):
    """Integers in [low, high); randint(high, size) as in PyTorch."""
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, size if high is None else high
    values = random.generator(rng).integers(low, high, _size_args((size,)))
    return Tensor._make(values.astype(dtype or int64))


def randperm(n, rng=None):
    return Tensor._make(random.generator(rng).permutation(n).astype(int64))


def _like(maker):
    def like(input, dtype=None, requires_grad=False, **kwargs):
        return maker(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                     **kwargs)

    like.__name__ = maker.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)
randn_like, rand_like = _like(randn), _like(rand)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)


# ---- functions of several tensors ----
def _common(tensors, op):
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = np.promote_types(dtype, t.dtype)
    return [t.type(dtype) for t in tensors]


def cat(tensors, dim=0):
    tensors = _common(list(tensors), "cat")
    dim = _normalize_dim(dim, tensors[0].ndim)
    for t in tensors[1:]:
        if t.ndim != tensors[0].ndim or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape)) if i != dim
        ):
            raise RuntimeError(
                f"cat: sizes must match except in dim {dim}; got {tensors[0].shape} and {t.shape}"
            )
    return mv.cat(tensors, dim)


def stack(tensors, dim=0):
    tensors = _common(list(tensors), "stack")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, got {tensors[0].shape} and {t.shape}"
            )
    dim = _normalize_dim(dim, tensors[0].ndim + 1)
    return mv.cat([t.unsqueeze(dim) for t in tensors], dim)


def where(condition, input, other):
    condition = condition if isinstance(condition, Tensor) else tensor(condition)
    if isinstance(input, Tensor):
        a, b = input._operand(other)
    else:  # a number: its dtype follows the other operand's, as in torch.where
        b, a = (other if isinstance(other, Tensor) else tensor(other))._operand(input)
    return ew.where(condition.bool(), a, b)


def matmul(a, b):
    """a @ b with PyTorch's rules for 1-D operands (a vector is promoted, then squeezed)."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("matmul: both arguments need at least 1 dimension")
    rows = b.shape[-2 if b.ndim > 1 else 0]
    if a.shape[-1] != rows or _broadcast(a.shape[:-2], b.shape[:-2]) is None:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied; expected "
            f"a second operand of shape ({a.shape[-1]},) or (..., {a.shape[-1]}, m) with batch "
            f"dims that broadcast with {tuple(a.shape[:-2])}"
        )
    a, b = a._operand(b)
    if a.ndim == 1 and b.ndim == 1:
        return (a * b).sum()
    if a.ndim == 1:
        return mm.matmul(a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return mm.matmul(a, b.unsqueeze(-1)).squeeze(-1)
    return mm.matmul(a, b)


def heaviside(input, values=0.0):
    """The step function: 1 where input > 0, 0 where < 0, values at 0. Gradient: exactly 0."""
    return ew.step(input, value_at_zero=float(values))

