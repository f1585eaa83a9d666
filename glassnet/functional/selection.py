"""Picking and placing elements with PyTorch's names: topk, sort, argsort, index_select,
masked_fill, nonzero, scatter, index_add, unique... Which elements to take is worked out in
NumPy (an argsort, a nonzero), and the values are read with the primitives (gather, indexing)
or written with index_put, so each gradient comes from those; no backward code is written here.
Each is also a Tensor method (functional/methods.py).
"""

import numpy as np

from glassnet.creation import as_tensor, where
from glassnet.ops import movement as mv
from glassnet.tensor import Tensor, _to_array, bool_
from glassnet.tensor_axes import MinMax, _normalize_dim


def _integers(index, op, name="index"):
    index = _to_array(index)
    if not np.issubdtype(index.dtype, np.integer):
        raise RuntimeError(f"{op}: {name} must be an integer (int64) tensor, got dtype "
                           f"{index.dtype}")
    return index


def _order(input, dim, descending):
    """The stable argsort along dim; descending keeps equal elements in their order too, and
    puts NaN first, as PyTorch's sort."""
    values = input.array.astype(np.int8) if input.dtype == bool_ else input.array
    if descending:
        values = np.where(np.isnan(values), -np.inf, -values) if values.dtype.kind == "f" else (
            -values.astype(np.int64))
    return np.argsort(values, axis=dim, kind="stable")


# ---- sorting ----
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along dim; equal elements keep their order."""
    if input.ndim == 0:
        return MinMax((input, Tensor._make(np.zeros((), np.int64))))
    dim = _normalize_dim(dim, input.ndim)
    indices = _order(input, dim, descending)
    return MinMax((input.gather(dim, indices), Tensor._make(indices)))


def argsort(input, dim=-1, descending=False, stable=False):
    if input.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    return Tensor._make(_order(input, _normalize_dim(dim, input.ndim), descending))


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim, largest first."""
    dim = _normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range: dim {dim} has {size} elements; "
                           f"expected 0 <= k <= {size}")
    if input.ndim == 0:
        return MinMax((input, Tensor._make(np.zeros((), np.int64))))
    indices = np.take(_order(input, dim, largest), np.arange(k), axis=dim)
    return MinMax((input.gather(dim, indices), Tensor._make(indices)))


def kthvalue(input, k, dim=-1, keepdim=False):
    """(value, index) of the k-th smallest element along dim (k counts from 1)."""
    dim = _normalize_dim(dim, input.ndim)
    if not 1 <= k <= input.shape[dim]:
        raise RuntimeError(f"kthvalue: k ({k}) is out of range for dim {dim} of size "
                           f"{input.shape[dim]}; expected 1 <= k <= {input.shape[dim]}")
    index = np.take(_order(input, dim, False), [k - 1], axis=dim)
    values = input.gather(dim, index)
    if not keepdim:
        values, index = values.squeeze(dim), index.squeeze(dim)
    return MinMax((values, Tensor._make(index)))


# ---- reading ----
def index_select(input, dim, index):
    """The slices at index (a 1-D integer tensor) along dim."""
    index = _integers(index, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {index.shape}")
    dim = _normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"index_select: index {index[(index < -size) | (index >= size)][0]} "
                         f"is out of range for dim {dim} of size {size}")
    index = index.reshape(-1)
    return mv.index(input, index if dim == 0 else (slice(None),) * dim + (index,))


def take(input, index):
    return input.reshape(-1)[_integers(index, "take")]


def masked_select(input, mask):
    """The elements where mask (broadcast with input) is True, as a 1-D tensor."""
    mask = _mask(mask, "masked_select")
    shape = np.broadcast_shapes(input.shape, mask.shape)
    return input.expand(shape)[np.broadcast_to(mask, shape)]


def nonzero(input, as_tuple=False):
    """The indices of the non-zero elements: (count, ndim), or one 1-D tensor per dim."""
    places = np.nonzero(np.atleast_1d(input.array))
    if as_tuple:
        return tuple(Tensor._make(p.astype(np.int64)) for p in places)
    return Tensor._make(np.stack(places, axis=-1).astype(np.int64).reshape(-1, input.ndim))


def argwhere(input):
    return nonzero(input)


# ---- writing (out of place; the x.op_() forms change x) ----
def _mask(mask, op):
    mask = _to_array(mask)
    if mask.dtype != bool_:
        raise RuntimeError(f"{op}: only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")
    return mask


def masked_fill(input, mask, value):
    """input with value where mask (broadcast to input) is True."""
    mask = Tensor._make(_mask(mask, "masked_fill"))
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got a "
                               f"tensor of shape {value.shape}")
        return where(mask, value.type(input.dtype), input)
    return where(mask, Tensor._make(np.asarray(value, dtype=input.dtype)), input)


def _scatter_places(input, dim, index, op):
    """The places scatter writes: index's values along dim, their own positions elsewhere."""
    index = _integers(index, op)
    dim = _normalize_dim(dim, input.ndim)
    if index.ndim != input.ndim or any(
            i > n for d, (i, n) in enumerate(zip(index.shape, input.shape)) if d != dim):
        raise RuntimeError(f"{op}: index {index.shape} must have input's number of dims and "
                           f"be no larger than input {input.shape} in dims other than {dim}")
    if index.size and (index.min() < 0 or index.max() >= input.shape[dim]):
        raise RuntimeError(f"{op}: index {index[(index < 0) | (index >= input.shape[dim])][0]} "
                           f"is out of bounds for dim {dim} of size {input.shape[dim]}")
    places = list(np.ix_(*[np.arange(n) for n in index.shape]))
    places[dim] = index
    return tuple(places), index.shape


def _values(source, shape, dtype):
    """scatter's src: a tensor, cut to index's shape, or a number."""
    if isinstance(source, Tensor):
        return source[tuple(slice(n) for n in shape)].type(dtype)
    return Tensor._make(np.asarray(source, dtype=dtype))


def scatter(input, dim, index, src=None, value=None, reduce=None):
    """input with src's elements (or value) put at index along dim: out[i][index[i][j]] =
    src[i][j] for dim 1; reduce='add' adds instead."""
    if reduce not in (None, "add", "sum"):
        raise NotImplementedError(f"scatter: reduce={reduce!r}; glassnet has 'add' and 'sum'")
    places, shape = _scatter_places(input, dim, index, "scatter")
    values = _values(value if src is None else src, shape, input.dtype)
    return mv.index_put(input, values, places, accumulate=reduce is not None)


def scatter_add(input, dim, index, src):
    """input with src's elements added at index along dim (repeated places add up)."""
    places, shape = _scatter_places(input, dim, index, "scatter_add")
    return mv.index_put(input, _values(src, shape, input.dtype), places, accumulate=True)


def scatter_reduce(input, dim, index, src, reduce, include_self=True):
    if reduce != "sum" or not include_self:
        raise NotImplementedError(f"scatter_reduce: glassnet has reduce='sum' with "
                                  f"include_self=True, got {reduce!r}, {include_self}")
    return scatter_add(input, dim, index, src)


def _dim_places(input, dim, index, op):
    index = _integers(index, op).reshape(-1)
    dim = _normalize_dim(dim, input.ndim)
    return (slice(None),) * dim + (index,)


def index_add(input, dim, index, source, alpha=1):
    places = _dim_places(input, dim, index, "index_add")
    return mv.index_put(input, as_tensor(source).type(input.dtype) * alpha, places, True)


def index_copy(input, dim, index, source):
    places = _dim_places(input, dim, index, "index_copy")
    return mv.index_put(input, as_tensor(source).type(input.dtype), places)


def index_fill(input, dim, index, value):
    places = _dim_places(input, dim, index, "index_fill")
    return mv.index_put(input, _values(value, (), input.dtype), places)


def index_put(input, indices, values, accumulate=False):
    key = tuple(_to_array(i) for i in indices)
    return mv.index_put(input, as_tensor(values).type(input.dtype), key, accumulate)


# ---- counting (no gradient) ----
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    found = np.unique(input.array, return_inverse=True, return_counts=True, axis=dim)
    out = [Tensor._make(found[0])]
    if return_inverse:
        out.append(Tensor._make(found[1].reshape(input.shape if dim is None else -1)
                                .astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(found[2].astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    counts = np.bincount(_integers(input, "bincount", "input"),
                         None if weights is None else _to_array(weights), minlength)
    return Tensor._make(counts if weights is None else counts.astype(_to_array(weights).dtype))


def isin(elements, test_elements, invert=False):
    return Tensor._make(np.isin(_to_array(elements), _to_array(test_elements), invert=invert))


def bucketize(input, boundaries, right=False, out_int32=False):
    """For each element, the index of the first boundary >= it (> it with right=True)."""
    places = np.searchsorted(_to_array(boundaries), _to_array(input),
                             side="right" if right else "left")
    return Tensor._make(places.astype(np.int32 if out_int32 else np.int64))


def searchsorted(sorted_sequence, values, right=False, side=None, out_int32=False):
    """Where each value would go in each row of sorted_sequence to keep it sorted."""
    side = side or ("right" if right else "left")
    rows, wanted = _to_array(sorted_sequence), _to_array(values)
    if rows.ndim == 1:
        places = np.searchsorted(rows, wanted, side=side)
    else:
        places = np.stack([np.searchsorted(r, v, side=side) for r, v in
                           zip(rows.reshape(-1, rows.shape[-1]),
                               wanted.reshape(-1, wanted.shape[-1]))]).reshape(wanted.shape)
    return Tensor._make(np.asarray(places).astype(np.int32 if out_int32 else np.int64))
