"""Making tensors: from data (tensor, as_tensor, from_numpy), filled (zeros, ones, full, eye),
ranges (arange, linspace), random draws (rand, randn, randint, randperm; each takes rng=), their
``*_like`` forms; and joining tensors (cat, stack, where). Dtypes default as in PyTorch: float32
for floats, int64 for integers. ``device=`` is accepted as in PyTorch; the only device is "cpu".
"""

import numpy as np

from glassnet import random
from glassnet.ops import elementwise as ew
from glassnet.ops import movement as mv
from glassnet.tensor import DEFAULT_DTYPE, Tensor, _to_array, bool_, int64
from glassnet.tensor_axes import _normalize_dim, _size_args
from glassnet.tensor_convert import check_device, result_type


def tensor(data, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data, dtype=None, device=None):
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor._make(_to_array(data, dtype))


def from_numpy(array):
    return Tensor._make(array)


def _shape(size, op):
    """f(2, 3) and f((2, 3)) alike, as in PyTorch; every size non-negative."""
    shape = _size_args(size)
    if min(shape, default=0) < 0:
        raise ValueError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _new(array, dtype, requires_grad=False, device=None):
    """array as a new tensor of dtype (float32 when None)."""
    check_device(device)
    array = array.astype(dtype or DEFAULT_DTYPE, copy=False)
    return Tensor._make(array).requires_grad_(requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    array = np.zeros(_shape(size, "zeros"), dtype or DEFAULT_DTYPE)
    return _new(array, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    array = np.ones(_shape(size, "ones"), dtype or DEFAULT_DTYPE)
    return _new(array, dtype, requires_grad, device)


empty = zeros  # NumPy's uninitialised memory would make runs irreproducible


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = bool_ if isinstance(fill_value, bool) else int64
    return _new(np.full(_shape((size,), "full"), fill_value), dtype, requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0 or (end - start) * step < 0:
        raise ValueError(f"arange: step {step} must be non-zero and lead from start {start} to "
                         f"end {end}")
    values = np.arange(start, end, step)
    default = int64 if np.issubdtype(values.dtype, np.integer) else DEFAULT_DTYPE
    return _new(values, dtype or default, requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    _shape((steps,), "linspace")
    return _new(np.linspace(start, end, steps), dtype, requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _shape((n, n if m is None else m), "eye")
    return _new(np.eye(n, m, dtype=dtype or DEFAULT_DTYPE), dtype, requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad=False, rng=None):
    draws = random.generator(rng).standard_normal(_shape(size, "randn"))
    return _new(draws, dtype, requires_grad, device)


def rand(*size, dtype=None, device=None, requires_grad=False, rng=None):
    return _new(random.generator(rng).random(_shape(size, "rand")), dtype, requires_grad, device)


def randint(low, high=None, size=(), dtype=None, device=None, rng=None):
    """Integers in [low, high); randint(high, size) as in PyTorch."""
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, size if high is None else high
    if low >= high:
        raise ValueError(f"randint: low {low} must be below high {high} (high is excluded)")
    draws = random.generator(rng).integers(low, high, _shape((size,), "randint"))
    return _new(draws, dtype or int64, device=device)


def randperm(n, dtype=None, device=None, rng=None):
    _shape((n,), "randperm")
    return _new(random.generator(rng).permutation(n), dtype or int64, device=device)


def _like(maker):
    def like(input, dtype=None, device=None, requires_grad=False, **kwargs):
        return maker(input.shape, dtype=dtype or input.dtype, device=device,
                     requires_grad=requires_grad, **kwargs)

    like.__name__ = maker.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)
randn_like, rand_like = _like(randn), _like(rand)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


# ---- functions of several tensors ----
def _common(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of tensors, got one Tensor; wrap it in a list")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    tensors = [as_tensor(t) for t in tensors]
    dtype = result_type(*[t.dtype for t in tensors])
    return [t.type(dtype) for t in tensors]


def cat(tensors, dim=0):
    tensors = _common(tensors, "cat")
    if min(t.ndim for t in tensors) == 0:
        raise RuntimeError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    first = tensors[0]
    dim = _normalize_dim(dim, first.ndim)
    others = first.shape[:dim] + first.shape[dim + 1 :]
    for t in tensors[1:]:
        if t.ndim != first.ndim or t.shape[:dim] + t.shape[dim + 1 :] != others:
            raise RuntimeError(f"cat: sizes must match except in dim {dim}; got {first.shape} "
                               f"and {t.shape}")
    return mv.cat(tensors, dim)


def stack(tensors, dim=0):
    tensors = _common(tensors, "stack")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, got "
                               f"{tensors[0].shape}, {t.shape}")
    dim = _normalize_dim(dim, tensors[0].ndim + 1)
    return mv.cat([t.unsqueeze(dim) for t in tensors], dim)


def where(condition, input, other):
    condition = as_tensor(condition)
    if isinstance(input, Tensor):
        a, b = input._operand(other)
    else:  # a number: its dtype follows the other operand's, as in torch.where
        b, a = as_tensor(other)._operand(input)
    return ew.where(condition.bool(), a, b)
