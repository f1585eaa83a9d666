"""Shape and movement with PyTorch's names, composed of the primitives (reshape, permute, expand,
indexing, cat, where): split, chunk, narrow, repeat, repeat_interleave, roll, flip, tril, triu,
diagonal, movedim... Each is also a Tensor method (functional/methods.py). No backward code:
every gradient comes from the primitives these are made of.
"""

import numpy as np

from glassnet.creation import cat, where, zeros
from glassnet.ops import movement as mv
from glassnet.tensor import Tensor, _to_array
from glassnet.tensor_axes import _normalize_dim, _size_args


def _dims_list(dims, ndim, op):
    """flip(x, [0, 1]), x.flip(0, 1), x.flip(0): one or more distinct dims, normalised."""
    dims = _size_args(dims if isinstance(dims, tuple) else (dims,))
    dims = [_normalize_dim(d, ndim) for d in dims]
    if len(set(dims)) < len(dims):
        raise RuntimeError(f"{op}: dims {dims} has a dim more than once")
    return dims


# ---- views of the same data in another shape ----
def view_as(input, other):
    return input.reshape(other.shape)


reshape_as = view_as


def expand_as(input, other):
    return input.expand(other.shape)


broadcast_to = Tensor.expand


def unflatten(input, dim, sizes):
    dim = _normalize_dim(dim, input.ndim)
    return input.reshape(input.shape[:dim] + tuple(sizes) + input.shape[dim + 1 :])


def movedim(input, source, destination):
    """The dims in source moved to the places in destination, the others keeping their order."""
    source = _dims_list(source, input.ndim, "movedim")
    destination = _dims_list(destination, input.ndim, "movedim")
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: source {source} and destination {destination} must have "
                           f"the same number of dims")
    order = [d for d in range(input.ndim) if d not in source]
    for place, dim in sorted(zip(destination, source)):
        order.insert(place, dim)
    return input.permute(order)


moveaxis = movedim
swapaxes = swapdims = Tensor.transpose


def ravel(input):
    return input.reshape(-1)


# ---- pieces ----
def narrow(input, dim, start, length):
    dim = _normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    start = int(start) + (size if int(start) < 0 else 0)
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow: start {start} and length {length} go beyond dim {dim} of "
                         f"size {size}")
    return input[(slice(None),) * dim + (slice(start, start + length),)]


def select(input, dim, index):
    return input[(slice(None),) * _normalize_dim(dim, input.ndim) + (index,)]


def split(tensor, split_size_or_sections, dim=0):
    dim = _normalize_dim(dim, tensor.ndim)
    total = tensor.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, total - start) for start in range(0, total, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != total:
            raise RuntimeError(f"split: sizes {sizes} do not sum to dim {dim}'s size {total}")
    starts = np.cumsum([0, *sizes[:-1]])
    return tuple(narrow(tensor, dim, start, size) for start, size in zip(starts, sizes))


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    size = -(-input.shape[_normalize_dim(dim, input.ndim)] // chunks)
    return split(input, max(size, 1), dim)


def tensor_split(input, indices_or_sections, dim=0):
    """Like numpy.array_split: n near-equal pieces (the first ones one longer), or cut at
    the given indices."""
    dim = _normalize_dim(dim, input.ndim)
    total = input.shape[dim]
    if isinstance(indices_or_sections, (int, np.integer)):
        count, extra = divmod(total, int(indices_or_sections))
        sizes = [count + (i < extra) for i in range(int(indices_or_sections))]
    else:
        bounds = [min(max(int(i), 0), total) for i in indices_or_sections]
        sizes = np.diff([0, *bounds, total]).clip(min=0).tolist()
    return split(input, sizes, dim)


def unbind(input, dim=0):
    dim = _normalize_dim(dim, input.ndim)
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


# ---- copies in another arrangement ----
def repeat(input, *sizes):
    sizes = _size_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: the number of repeats ({len(sizes)}) can't be smaller than "
                           f"the number of dims of the tensor ({input.ndim})")
    shape = (1,) * (len(sizes) - input.ndim) + input.shape
    # each dim n becomes (s, n) by expanding a new size-1 dim before it, then the two merge
    interleaved = input.reshape([d for n in shape for d in (1, n)])
    wide = interleaved.expand([d for n, s in zip(shape, sizes) for d in (s, n)])
    return wide.reshape([n * s for n, s in zip(shape, sizes)])


def tile(input, dims):
    dims = _size_args(dims if isinstance(dims, tuple) else (dims,))
    return repeat(input, *((1,) * (input.ndim - len(dims)) + dims))


def repeat_interleave(input, repeats=None, dim=None, output_size=None):
    """Each element (or slice along dim) repeated repeats times in a row; repeat_interleave(r)
    of integer counts alone repeats each index i r[i] times."""
    if repeats is None:  # the one-argument form: the indices, repeated
        counts = _to_array(input)
        return Tensor._make(np.repeat(np.arange(len(counts)), counts))
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = _normalize_dim(dim, input.ndim)
    counts = np.broadcast_to(_to_array(repeats), (input.shape[dim],))
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    picks = np.repeat(np.arange(input.shape[dim]), counts)
    return mv.index(input, picks if dim == 0 else (slice(None),) * dim + (picks,))


def flip(input, *dims):
    """The order of elements reversed along dims (a copy, as PyTorch's)."""
    key = [slice(None)] * input.ndim
    for d in _dims_list(dims, input.ndim, "flip"):
        key[d] = slice(None, None, -1)
    return input[tuple(key)].clone()


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


def roll(input, shifts, dims=None):
    """Elements shifted along dims, those that fall off one end coming back at the other."""
    if dims is None:
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    shifts = _size_args(shifts if isinstance(shifts, tuple) else (shifts,))
    dims = _dims_list(dims, input.ndim, "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = input
    for shift, dim in zip(shifts, dims):
        size = out.shape[dim]
        cut = size - shift % size if size else 0
        out = cat([narrow(out, dim, cut, size - cut), narrow(out, dim, 0, cut)], dim)
    return out


def rot90(input, k=1, dims=(0, 1)):
    first, second = _dims_list(dims, input.ndim, "rot90")
    k %= 4
    if k == 1:
        return flip(input, second).transpose(first, second)
    if k == 2:
        return flip(input, first, second)
    return flip(input, first).transpose(first, second) if k == 3 else input.clone()


# ---- triangles and diagonals ----
def _triangle(input, diagonal, keep, op):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got "
                           f"{input.ndim}")
    mask = Tensor._make(keep(np.ones(input.shape[-2:], dtype=bool), int(diagonal)))
    return where(mask, input, Tensor._make(np.zeros((), input.dtype)))


def tril(input, diagonal=0):
    """The lower triangle (on and below the diagonal-th diagonal), zeros above."""
    return _triangle(input, diagonal, np.tril, "tril")


def triu(input, diagonal=0):
    """The upper triangle (on and above the diagonal-th diagonal), zeros below."""
    return _triangle(input, diagonal, np.triu, "triu")


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The elements at [i, i + offset] of dims dim1 and dim2, as the last dim."""
    first, second = _dims_list((dim1, dim2), input.ndim, "diagonal")
    moved = movedim(input, (first, second), (-2, -1))
    rows, cols = moved.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    count = max(min(rows - start_row, cols - start_col), 0)
    steps = np.arange(count)
    return moved[..., steps + start_row, steps + start_col]


_diagonal = diagonal  # diag's argument takes the name


def diag(input, diagonal=0):
    """diag(vector): a square matrix with the vector on a diagonal; diag(matrix): a diagonal."""
    if input.ndim == 2:
        return _diagonal(input, diagonal)
    if input.ndim != 1:
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {input.ndim}-D")
    size = input.shape[0] + abs(diagonal)
    steps = np.arange(input.shape[0])
    places = (steps + max(-diagonal, 0), steps + max(diagonal, 0))
    return mv.index_put(zeros(size, size, dtype=input.dtype), input, places)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    if (dim1, dim2) != (-2, -1):
        raise NotImplementedError("diag_embed: only dim1=-2, dim2=-1 (the default)")
    size = input.shape[-1] + abs(offset)
    steps = np.arange(input.shape[-1])
    places = (..., steps + max(-offset, 0), steps + max(offset, 0))
    return mv.index_put(zeros(*input.shape[:-1], size, size, dtype=input.dtype), input, places)


def trace(input):
    return diagonal(input).sum()


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids: each 1-D tensor expanded along the others' dims (as views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    tensors = list(tensors)
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[i] = -1
        grid = t.reshape(view).expand(shape)
        grids.append(grid)
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def take_along_dim(input, indices, dim=None):
    """gather, with input and indices broadcast against each other in the other dims."""
    indices = _to_array(indices)
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    dim = _normalize_dim(dim, input.ndim)
    others = np.broadcast_shapes(*[s[:dim] + (1,) + s[dim + 1 :]
                                   for s in (input.shape, indices.shape)])

    def along(shape):
        return others[:dim] + (shape[dim],) + others[dim + 1 :]

    return input.expand(along(input.shape)).gather(dim, np.broadcast_to(indices,
                                                                       along(indices.shape)))


def atleast_1d(input):
    return input.reshape(1) if input.ndim == 0 else input


def atleast_2d(input):
    return input.reshape(1, -1) if input.ndim < 2 else input


def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def column_stack(tensors):
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1)

