"""Tensor: an n-dimensional array (``.data``, a NumPy ndarray) that remembers how it was made.

Every operation on a Tensor that requires a gradient records a Context (autograd.py) pointing at
its inputs; ``backward()`` walks those records back to the leaves. The methods only convert
arguments and call the primitives in ``ops/``; no derivative is written here. Methods that
differ only in the primitive or NumPy function they call are made by the method makers below,
one line each (``exp = _float_math(ew.exp)``). This file holds the data, the graph, operators
and elementwise methods; the methods along axes (reshape, sum, softmax, matmul...) are inherited
from tensor_axes.py, the conversions (dtypes, the device, item, numpy, printing) from
tensor_convert.py, and the functions that make tensors (zeros, randn, cat...) are in creation.py.
"""

import numpy as np

from glassnet import autograd, random
from glassnet.ops import elementwise as ew
from glassnet.ops import movement as mv
from glassnet.tensor_axes import AxisMethods, _normalize_dim
from glassnet.tensor_convert import (  # noqa: F401 (the dtypes are glassnet.tensor's too)
    _KIND,
    DEFAULT_DTYPE,
    ConvertMethods,
    _is_float,
    bool_,
    float32,
    float64,
    int32,
    int64,
    result_type,
)


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
    return array if dtype is None else array.astype(dtype, copy=False)


def _index_key(key):
    """Tensors and lists inside an index become arrays; the rest is NumPy's indexing."""
    if isinstance(key, tuple):
        return tuple(_index_key(part) for part in key)
    if isinstance(key, Tensor):
        return key.data
    return np.asarray(key) if isinstance(key, list) else key


def _subtract(a, b):
    return ew.add(a, ew.neg(b))  # derived, as in micrograd: no primitive of its own


def _floor_divide(a, b):
    return Tensor._make(np.floor_divide(a.data, b.data))  # PyTorch has no derivative for it


def _true_divide(a, b):
    if not _is_float(a.dtype):  # integers divide as float32, as in PyTorch
        a, b = a.float(), b.float()
    return ew.div(a, b)


# ---- method makers ----
def _binary(op, reflected=False):
    """A method self <op> other (other <op> self when reflected), in PyTorch's result dtype."""

    def binary_op(self, other):
        a, b = self._operand(other)
        return op(b, a) if reflected else op(a, b)

    return binary_op


def _no_grad(op):
    """A method applying op to the arrays: comparisons and logic carry no gradient."""

    def no_grad_op(self, *others):
        return Tensor._make(op(self.data, *map(_to_array, others)))

    return no_grad_op


def _float_math(op):
    """A method applying op, integers first becoming float32 as in PyTorch."""

    def float_op(self):
        return op(self if _is_float(self.dtype) else self.float())

    return float_op


def _flat(op):
    """A method for a piecewise-constant op: a zero gradient (PyTorch's); integers stay."""

    def flat_op(self, *args):
        if not self.requires_grad:  # no graph to keep: the array op alone, in self's dtype
            return Tensor._make(op(self.data, *args).astype(self.dtype, copy=False))
        return ew.flat(self, lambda a: op(a, *args))

    return flat_op


def _augmented(name, op, update):
    """a <op>= b. Under no_grad it changes a in place, as PyTorch (every alias of a sees the
    change: the manual SGD step `p -= lr * p.grad` updates the parameter). With grad enabled it
    makes a new tensor, a = a <op> b: glassnet records no in-place op, and has no version
    counter to notice an array a graph saved being overwritten; so `total += loss` keeps its
    gradient and no saved value changes under a recorded graph."""

    def augmented_op(self, other):
        in_graph = autograd.is_grad_enabled()
        result = op(self, other) if in_graph else update(self.data, _to_array(other))
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):  # as PyTorch: no truncation
            raise RuntimeError(f"{name}: the result type {result.dtype} can't be cast to the "
                               f"tensor's dtype {self.dtype}")
        return result.type(self.dtype) if in_graph else self._set(name, result)

    return augmented_op


def _in_place(name, update):
    """A method setting self.data to update(self.data, *arrays), outside the graph."""

    def in_place_op(self, *others):
        return self._set(name, update(self.data, *map(_to_array, others)))

    return in_place_op


class Tensor(AxisMethods, ConvertMethods):
    __slots__ = ("__weakref__", "_ctx", "_retain", "data", "grad", "requires_grad")
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = np.array(_to_array(data, dtype), copy=True)
        self.grad = self._ctx = None
        self._retain = self.requires_grad = False
        self.requires_grad_(requires_grad)

    @classmethod
    def _make(cls, data, requires_grad=False):
        """Wrap an array without copying or checking (the engine's fast path)."""
        out = object.__new__(Tensor)
        out.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        out.grad = out._ctx = None
        out.requires_grad = requires_grad
        out._retain = False
        return out

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    device = property(lambda self: "cpu")
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: None if self._ctx is None else self._ctx.fn)

    def numel(self):
        return self.data.size

    # ---- autograd ----
    def backward(self, gradient=None, retain_graph=False):
        autograd.backward(self, gradient, retain_graph)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_float(self.dtype):
            raise RuntimeError(f"only floating point tensors can require grad, got {self.dtype}")
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

    # ---- arithmetic ----
    def _operand(self, other):
        """self and other in the dtype PyTorch gives their result: the higher kind (bool < int
        < float) wins; within a kind a 0-d tensor or a Python number does not widen a tensor."""
        if isinstance(other, np.ndarray):
            other = Tensor._make(other)
        if isinstance(other, Tensor):
            if other.dtype == self.dtype:
                return self, other
            same_kind = _KIND[self.dtype.kind] == _KIND[other.dtype.kind]
            if same_kind and (self.ndim == 0) != (other.ndim == 0):
                common = other.dtype if self.ndim == 0 else self.dtype
            else:
                common = result_type(self.dtype, other.dtype)
            return self.type(common), other.type(common)
        dtype = self.dtype
        if isinstance(other, (float, np.floating)) and not _is_float(dtype):
            dtype = DEFAULT_DTYPE
        elif dtype == bool_ and not isinstance(other, bool):
            dtype = int64
        return self.type(dtype), Tensor._make(np.asarray(other, dtype=dtype))

    __add__ = _binary(ew.add)
    __radd__ = _binary(ew.add, reflected=True)
    __sub__ = _binary(_subtract)
    __rsub__ = _binary(_subtract, reflected=True)
    __mul__ = _binary(ew.mul)
    __rmul__ = _binary(ew.mul, reflected=True)
    __truediv__ = _binary(_true_divide)
    __rtruediv__ = _binary(_true_divide, reflected=True)
    __pow__ = pow = _binary(ew.pow)
    __rpow__ = _binary(ew.pow, reflected=True)
    maximum = _binary(ew.maximum)
    minimum = _binary(lambda a, b: -ew.maximum(-a, -b))
    __iadd__ = _augmented("+=", __add__, np.add)
    __isub__ = _augmented("-=", __sub__, np.subtract)
    __imul__ = _augmented("*=", __mul__, np.multiply)
    __itruediv__ = _augmented("/=", __truediv__, np.divide)
    __floordiv__ = _binary(_floor_divide)
    __rfloordiv__ = _binary(_floor_divide, reflected=True)
    __mod__ = _binary(ew.remainder)
    __rmod__ = _binary(ew.remainder, reflected=True)

    def __neg__(self):
        return ew.neg(self)

    def __pos__(self):
        return self

    # ---- results that carry no gradient: comparisons, logic ----
    __lt__ = _no_grad(np.less)
    __le__ = _no_grad(np.less_equal)
    __gt__ = _no_grad(np.greater)
    __ge__ = _no_grad(np.greater_equal)
    __eq__ = eq = _no_grad(np.equal)
    __ne__ = _no_grad(np.not_equal)
    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable
    __and__ = _no_grad(np.bitwise_and)  # on bool tensors these are the logical and, or, xor, not
    __or__ = _no_grad(np.bitwise_or)
    __xor__ = _no_grad(np.bitwise_xor)
    __invert__ = _no_grad(np.invert)
    logical_not = _no_grad(np.logical_not)
    isnan = _no_grad(np.isnan)
    all = _no_grad(np.all)
    any = _no_grad(np.any)

    # ---- piecewise constant: in the graph, with a zero gradient ----
    sign = _flat(np.sign)
    floor = _flat(np.floor)
    round = _flat(np.round)

    # ---- elementwise math ----
    exp = _float_math(ew.exp)
    log = _float_math(ew.log)
    log1p = _float_math(ew.log1p)
    tanh = _float_math(ew.tanh)
    sigmoid = _float_math(ew.sigmoid)
    erf = _float_math(ew.erf)
    sin = _float_math(ew.sin)
    cos = _float_math(ew.cos)
    sqrt = _float_math(lambda a: a**0.5)
    rsqrt = _float_math(lambda a: a**-0.5)

    def abs(self):
        return ew.abs(self)

    __abs__ = abs

    def relu(self):
        return ew.relu(self)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        min, max = (b.item() if isinstance(b, np.generic) else b for b in (min, max))  # NEP 50
        if isinstance(min, Tensor) or isinstance(max, Tensor):  # bounds that get gradients
            out = self if min is None else ew.where(self < min, *self._operand(min)[::-1])
            return out if max is None else ew.where(out > max, *out._operand(max)[::-1])
        to_float = not _is_float(self.dtype) and any(  # as PyTorch: float bounds, float result
            isinstance(bound, (float, np.floating)) for bound in (min, max))
        return ew.clamp(self.float() if to_float else self, min=min, max=max)

    clip = clamp

    def masked_fill(self, mask, value):
        mask = mask if isinstance(mask, Tensor) else Tensor._make(np.asarray(mask))
        if mask.dtype != bool_:
            raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
        return ew.where(mask, Tensor._make(np.asarray(value, dtype=self.dtype)), self)

    # ---- indexing ----
    def gather(self, dim, index):
        index = _to_array(index)
        if index.ndim != self.ndim or not np.issubdtype(index.dtype, np.integer):
            raise RuntimeError(f"gather: index must be an integer tensor with {self.ndim} dims "
                               f"like the input, got dtype {index.dtype} and shape {index.shape}")
        return mv.gather(self, _normalize_dim(dim, self.ndim), index)

    def __getitem__(self, key):
        return mv.index(self, _index_key(key))

    def __setitem__(self, key, value):
        self._set("__setitem__", _to_array(value), _index_key(key))

    # ---- in place, outside the graph (parameter updates, initialisation) ----
    def _set(self, name, array, key=Ellipsis):
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(f"{name}: in-place change of a tensor that requires grad; glassnet "
                               "records no graph through in-place ops. Wrap it in `with "
                               "gn.no_grad():` or use the out-of-place op.")
        self.data[key] = array
        return self

    zero_ = _in_place("zero_", np.zeros_like)
    fill_ = _in_place("fill_", lambda data, value: value)
    copy_ = _in_place("copy_", lambda data, source: source)
    mul_ = _in_place("mul_", np.multiply)
    div_ = _in_place("div_", np.divide)

    def add_(self, other, alpha=1):
        return self._set("add_", self.data + alpha * _to_array(other))

    def sub_(self, other, alpha=1):
        return self._set("sub_", self.data - alpha * _to_array(other))

    def clamp_(self, min=None, max=None):
        return self._set("clamp_", np.clip(self.data, min, max))

    def uniform_(self, a=0.0, b=1.0, rng=None):
        return self._set("uniform_", random.generator(rng).uniform(a, b, self.shape))

    def normal_(self, mean=0.0, std=1.0, rng=None):
        return self._set("normal_", random.generator(rng).normal(mean, std, self.shape))
