"""Making tensors: from data (tensor, as_tensor, from_numpy, LongTensor...), filled (zeros,
ones, full, eye), ranges (arange, linspace), random draws (rand, randn, randint, randperm,
normal, bernoulli, multinomial; each takes generator= or rng=), their ``*_like`` and
``x.new_*`` forms; and joining tensors (cat, stack, where). Dtypes default as in PyTorch:
the default dtype (float32, or what set_default_dtype chose) for floats, int64 for integers.
``device=`` is accepted as in PyTorch; the only device is the CPU (``gn.device("cpu")``).
"""

import numpy as np

from glassnet import random, tensor_convert
from glassnet.ops import elementwise as ew
from glassnet.ops import movement as mv
from glassnet.tensor import (
    Tensor,
    _to_array,
    bool_,
    float32,
    float64,
    int32,
    int64,
    type_name,
)
from glassnet.tensor_axes import _normalize_dim, _size_args
from glassnet.tensor_convert import check_device, default_dtype, result_type


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of data; Python floats take the default dtype (float32),
    ints int64."""
    check_device(device)
    array = np.array(_to_array(data, dtype), copy=True)
    return Tensor._make(array).requires_grad_(requires_grad)


def as_tensor(data, dtype=None, device=None):
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor._make(_to_array(data, dtype))


def from_numpy(array):
    return Tensor._make(array)


asarray = as_tensor


class Size(tuple):
    """torch.Size: a tensor's shape, a tuple (x.shape is a plain tuple, equal to it)."""

    def numel(self):
        return int(np.prod(self))


class device:
    """torch.device: where a tensor lives; glassnet computes with NumPy on the CPU, so a
    device("cuda") can be named (as PyTorch allows without a GPU) but moving to it fails."""

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        type, _, number = str(type).partition(":")
        self.type, self.index = type, int(number) if number else index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


CPU = device("cpu")


def _number(value):
    """A 0-d tensor or NumPy scalar as the Python number it holds (arange(0, n) for n a tensor)."""
    return value.item() if isinstance(value, (Tensor, np.generic)) else value


def _legacy(dtype):
    """torch.FloatTensor and kin: LongTensor([1, 2]) holds the data, LongTensor(2, 3) is a
    (2, 3) tensor of zeros, as in PyTorch (which leaves it uninitialised)."""

    def make(*data):
        return Tensor(*data, dtype=dtype)

    make.__name__ = make.__qualname__ = type_name(dtype)
    return make


def set_default_dtype(d):
    """torch.set_default_dtype: the dtype of Python floats made into tensors and of new float
    tensors and layers, float32 or float64 (glassnet has no other float dtype)."""
    d = np.dtype(d)
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported as the "
                        f"default type, got {d}")
    tensor_convert._default[0] = d


def get_default_dtype():
    return default_dtype()


FloatTensor, DoubleTensor, LongTensor = _legacy(float32), _legacy(float64), _legacy(int64)
IntTensor, BoolTensor = _legacy(int32), _legacy(bool_)


def _shape(size, op):
    """f(2, 3) and f((2, 3)) alike, as in PyTorch; every size non-negative."""
    shape = _size_args(size)
    if min(shape, default=0) < 0:
        raise ValueError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _new(array, dtype, requires_grad=False, device=None):
    """array as a new tensor of dtype (the default dtype when None)."""
    check_device(device)
    array = array.astype(dtype or default_dtype(), copy=False)
    return Tensor._make(array).requires_grad_(requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    array = np.zeros(_shape(size, "zeros"), dtype or default_dtype())
    return _new(array, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    array = np.ones(_shape(size, "ones"), dtype or default_dtype())
    return _new(array, dtype, requires_grad, device)


empty = zeros  # NumPy's uninitialised memory would make runs irreproducible


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """size filled with fill_value; the dtype follows the value as PyTorch's: bool, int64 for
    an int, float32 for a float."""
    fill_value = _number(fill_value)
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = bool_ if isinstance(fill_value, bool) else int64
    return _new(np.full(_shape((size,), "full"), fill_value), dtype, requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to (not including) end; int64 when all three are integers,
    float32 when any is a float, as PyTorch infers."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0 or (end - start) * step < 0:
        raise ValueError(f"arange: step {step} must be non-zero and lead from start {start} to "
                         f"end {end}")
    values = np.arange(start, end, step)
    default = int64 if np.issubdtype(values.dtype, np.integer) else default_dtype()
    return _new(values, dtype or default, requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """steps evenly spaced values from start to end, both included (float32 by default),
    computed as PyTorch does: in the output's precision, the first half counted up from start
    and the second down from end, so both ends are exact."""
    steps, dtype = _number(steps), np.dtype(dtype or default_dtype())
    _shape((steps,), "linspace")
    kind = dtype.type if dtype.kind == "f" else np.float64
    start, end = kind(_number(start)), kind(_number(end))
    place = np.arange(steps)
    step = (end - start) / kind(max(steps - 1, 1))
    values = np.where(place < steps // 2, start + step * place.astype(kind),
                      end - step * (steps - 1 - place).astype(kind))
    return _new(values, dtype, requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    values = base ** np.linspace(_number(start), _number(end), _number(steps))
    return _new(values, dtype, requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _shape((n, n if m is None else m), "eye")
    return _new(np.eye(n, m, dtype=dtype or default_dtype()), dtype, requires_grad, device)


def tril_indices(row, col, offset=0, dtype=None, device=None):
    """The (2, N) row and column indices of the lower triangle of a (row, col) matrix."""
    return _new(np.stack(np.tril_indices(row, offset, col)), dtype or int64, device=device)


def triu_indices(row, col, offset=0, dtype=None, device=None):
    return _new(np.stack(np.triu_indices(row, offset, col)), dtype or int64, device=device)


# ---- random draws: from glassnet.random's generator, or generator= (gn.Generator), or rng= ----
def randn(*size, dtype=None, device=None, requires_grad=False, generator=None, rng=None):
    draws = random.generator(generator or rng).standard_normal(_shape(size, "randn"))
    return _new(draws, dtype, requires_grad, device)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None, rng=None):
    draws = random.generator(generator or rng).random(_shape(size, "rand"))
    return _new(draws, dtype, requires_grad, device)


def randint(low, high=None, size=(), dtype=None, device=None, generator=None, rng=None):
    """Integers in [low, high); randint(high, size) as in PyTorch."""
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, size if high is None else high
    low, high = _number(low), _number(high)
    if low >= high:
        raise ValueError(f"randint: low {low} must be below high {high} (high is excluded)")
    draws = random.generator(generator or rng).integers(low, high, _shape((size,), "randint"))
    return _new(draws, dtype or int64, device=device)


def randperm(n, dtype=None, device=None, generator=None, rng=None):
    """0, ..., n - 1 in a random order."""
    _shape((n,), "randperm")
    return _new(random.generator(generator or rng).permutation(n), dtype or int64, device=device)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None, device=None,
           requires_grad=False, rng=None):
    """Draws from N(mean, std^2): of size when mean and std are numbers, else one per element
    of the tensors mean and std (broadcast)."""
    draws = random.generator(generator or rng)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        mean_array, std_array = _to_array(mean), _to_array(std)
        dtype = dtype or result_type(*[a.dtype for a in (mean_array, std_array)
                                       if a.dtype.kind == "f"] or [default_dtype()])
        return _new(draws.normal(mean_array, std_array), dtype, requires_grad, device)
    if size is None:
        raise TypeError("normal: give size= when mean and std are numbers")
    return _new(draws.normal(mean, std, _shape((size,), "normal")), dtype, requires_grad, device)


def bernoulli(input, p=None, generator=None, rng=None):
    """1 with probability input (or p), else 0, in input's dtype."""
    chance = _to_array(input) if p is None else np.asarray(p)
    draws = random.generator(generator or rng).random(input.shape) < chance
    return Tensor._make(draws.astype(input.dtype))


def multinomial(input, num_samples, replacement=False, generator=None, rng=None):
    """num_samples category indices drawn from each row of input, weights proportional to
    the probabilities of drawing each (they need not sum to 1). Without replacement each
    category comes at most once: the categories reach the finish in the order of exponential
    waiting times with rates input (a race equal to drawing them one by one)."""
    weights = _to_array(input).astype(np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {weights.ndim}")
    rows = weights.reshape(-1, weights.shape[-1])
    categories = rows.shape[1]
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    if not replacement and num_samples > categories:
        raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > "
                           f"prob_dist.size(-1) ({categories}) samples without replacement")
    draws = random.generator(generator or rng)
    if replacement or num_samples == 1:
        cumulative = rows.cumsum(axis=1)
        cumulative /= cumulative[:, -1:]  # the last is exactly 1: every draw < 1 finds a place
        picks = np.stack([np.searchsorted(c, u, side="right") for c, u in
                          zip(cumulative, draws.random((len(rows), num_samples)))])
    else:
        with np.errstate(divide="ignore"):
            finish = draws.exponential(size=rows.shape) / rows  # rate 0: last, in index order
        picks = np.argsort(finish, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(picks.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))


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


def randint_like(input, low=0, high=None, dtype=None, device=None, generator=None, rng=None):
    return randint(low, high, input.shape, dtype=dtype or input.dtype, device=device,
                   generator=generator, rng=rng)


# ---- x.new_*: a new tensor with x's dtype unless told otherwise ----
def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device,
                requires_grad=requires_grad)


new_empty = new_zeros


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


def cat(tensors, dim=0, axis=None):
    """The tensors joined along dim (axis=, NumPy's name, as PyTorch accepts)."""
    dim = dim if axis is None else axis
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


def stack(tensors, dim=0, axis=None):
    dim = dim if axis is None else axis
    tensors = _common(tensors, "stack")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, got "
                               f"{tensors[0].shape}, {t.shape}")
    dim = _normalize_dim(dim, tensors[0].ndim + 1)
    return mv.cat([t.unsqueeze(dim) for t in tensors], dim)


concat = concatenate = cat


def where(condition, input=None, other=None):
    """input where condition holds, other elsewhere; where(condition) alone is
    nonzero(condition, as_tuple=True)."""
    condition = as_tensor(condition)
    if input is None and other is None:
        places = np.nonzero(np.atleast_1d(condition.array))
        return tuple(Tensor._make(p.astype(int64)) for p in places)
    if isinstance(input, Tensor):
        a, b = input._operand(other)
    else:  # a number: its dtype follows the other operand's, as in torch.where
        b, a = as_tensor(other)._operand(input)
    return ew.where(condition.bool(), a, b)
