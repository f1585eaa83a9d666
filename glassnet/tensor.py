"""Tensor: an n-dimensional array (``.array``, a NumPy ndarray) that remembers how it was made.

Every operation on a Tensor that requires a gradient records a Context (autograd.py), the node
of the graph that points back at its inputs' nodes; ``backward()`` walks those records back to
the leaves. The methods only convert arguments and call the primitives in ``ops/``; no
derivative is written here. Methods that differ only in the primitive or NumPy function they
call are made by the method makers below, one line each (``exp = _float_math(ew.exp)``). This
file holds the data, the graph, operators, elementwise methods and in-place changes; the
methods along axes (reshape, sum, softmax, matmul...) are inherited from tensor_axes.py, the
conversions (dtypes, item, numpy, printing) from tensor_convert.py, the in-place changes
(x.add_(y), x += y, x[i] = y) and their safety net, the version counter, from tensor_inplace.py.
The rest of PyTorch's Tensor methods (topk, roll, var, split...) are composed of these in
functional/ and attached to Tensor there (functional/methods.py); the functions that make
tensors are in creation.py.
"""

import weakref

import numpy as np

from glassnet import autograd
from glassnet.autograd import VersionCounter
from glassnet.ops import elementwise as ew
from glassnet.ops import movement as mv
from glassnet.tensor_axes import AxisMethods, _normalize_dim, _size_args
from glassnet.tensor_convert import (  # noqa: F401 (the dtypes are glassnet.tensor's too)
    _KIND,
    ConvertMethods,
    _index_key,
    _is_float,
    _to_array,
    bool_,
    default_dtype,
    float32,
    float64,
    int32,
    int64,
    result_type,
    type_name,
)
from glassnet.tensor_inplace import InPlaceMethods, in_place  # noqa: F401 (surface uses it)


def _subtract(a, b):
    return ew.add(a, ew.neg(b))  # derived, as in micrograd: no primitive of its own


def _floor_divide(a, b):
    return Tensor._make(np.floor_divide(a.array, b.array))  # PyTorch has no derivative for it


def _true_divide(a, b):
    if not _is_float(a.dtype):  # integers divide as floats of the default dtype, as in PyTorch
        a, b = a.type(default_dtype()), b.type(default_dtype())
    return ew.div(a, b)


# ---- method makers ----
def _binary(op, reflected=False):
    """A method self <op> other (other <op> self when reflected), in PyTorch's result dtype."""

    def binary_op(self, other):
        a, b = self._operand(other)
        return op(b, a) if reflected else op(a, b)

    return binary_op


def _no_grad(op):
    """A method applying op to the arrays: comparisons and logic carry no gradient. Another
    operand meets self in PyTorch's common dtype (x < 0.3 compares 0.3 as x's float64)."""

    def no_grad_op(self, *others):
        if others and others[0] is not None:
            return Tensor._make(op(*[t.array for t in self._operand(others[0])]))
        return Tensor._make(op(self.array, *map(_to_array, others)))

    return no_grad_op


def _float_math(op):
    """A method applying op, integers first becoming floats (float32) as in PyTorch."""

    def float_op(self):
        return op(self if _is_float(self.dtype) else self.type(default_dtype()))

    return float_op


def _flat(op):
    """A method for a piecewise-constant op: a zero gradient (PyTorch's); integers stay."""

    def flat_op(self, *args):
        if not self.requires_grad:  # no graph to keep: the array op alone, in self's dtype
            return Tensor._make(op(self.array, *args).astype(self.dtype, copy=False))
        return ew.flat(self, lambda a: op(a, *args))

    return flat_op


class Tensor(AxisMethods, ConvertMethods, InPlaceMethods):
    __slots__ = ("__weakref__", "_ctx", "_version_counter", "_view_of", "array", "grad",
                 "requires_grad")
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, *data, requires_grad=False, dtype=None):
        """PyTorch's constructor: Tensor(data) copies data as float32 (the default dtype) and
        Tensor(2, 3) is a (2, 3) tensor (of zeros; PyTorch leaves it uninitialised). Prefer
        gn.tensor(data), which keeps integers and bools as they are."""
        sized = all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in data)
        if len(data) == 1 and not sized:
            array = np.array(_to_array(data[0], dtype or default_dtype()), copy=True)
        else:
            array = np.zeros(_size_args(data) if data else (0,), dtype or default_dtype())
        self._wrap(array).requires_grad_(requires_grad)

    def _wrap(self, array, requires_grad=False):
        self.array = array
        self.grad = self._ctx = self._view_of = None
        self.requires_grad = requires_grad
        self._version_counter = None
        return self

    @classmethod
    def _make(cls, array, requires_grad=False):
        """Wrap an array without copying or checking (the engine's fast path)."""
        out = object.__new__(Tensor)  # _wrap's work, inlined: this is the engine's hot path
        out.array = array if isinstance(array, np.ndarray) else np.asarray(array)
        out.grad = out._ctx = out._view_of = out._version_counter = None
        out.requires_grad = requires_grad
        return out

    shape = property(lambda self: self.array.shape)
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: None if self._ctx is None else self._ctx.fn)
    _version = property(lambda self: self._version_counter.value if self._version_counter else 0)

    def _counter(self):
        """The version counter, made when first needed (most tensors never change in place)."""
        if self._version_counter is None:
            self._version_counter = VersionCounter()
        return self._version_counter

    def numel(self):
        return self.array.size

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
        if self._ctx is not None:
            self._ctx.retained = weakref.ref(self)

    def detach(self):
        """The same memory and version counter, outside the graph."""
        out = Tensor._make(self.array)
        out._version_counter = self._counter()
        return out

    def detach_(self):
        autograd.histories_rewritten = True  # its views' histories are stale (autograd.py)
        self._ctx = self._view_of = None
        self.requires_grad = False
        return self

    def clone(self):
        return ew.cast(self, self.dtype) if self.requires_grad else Tensor._make(self.array.copy())

    def _node(self):
        """This tensor's node in the graph: the Context that made it, the tensor itself if it
        is a leaf that requires grad (its gradient lands there), or None."""
        return self._ctx if self._ctx is not None else (self if self.requires_grad else None)

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
            dtype = default_dtype()
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
        return ew.clamp(self.type(default_dtype()) if to_float else self, min=min, max=max)

    clip = clamp

    # ---- indexing ----
    def gather(self, dim, index):
        index = _to_array(index)
        if index.ndim != self.ndim or not np.issubdtype(index.dtype, np.integer):
            raise RuntimeError(f"gather: index must be an integer tensor with {self.ndim} dims "
                               f"like the input, got dtype {index.dtype} and shape {index.shape}")
        return mv.gather(self, _normalize_dim(dim, self.ndim), index)

    def __getitem__(self, key):
        return mv.index(self, _index_key(key))

