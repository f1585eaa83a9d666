"""Primitives that move data without arithmetic: reshape, permute, expand, indexing (reading
and writing), concatenation, padding and gather. Their gradients move the data back. The first
four may give a view of their input's memory (Function.view): one memory, one version."""

import numpy as np

from glassnet.autograd import Function, unbroadcast


class Reshape(Function):
    view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    view = True

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.axes))


class Expand(Function):
    view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape)


def _has_repeats(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype != bool for p in parts)


class Index(Function):
    """a[index] for basic slicing, integer arrays and boolean masks."""

    view = True

    @staticmethod
    def forward(ctx, a, index):
        ctx.args = a.shape, index
        out = a[index]
        if not isinstance(out, np.ndarray):  # one element: as a 0-d view, as PyTorch's
            out = a[(*index, ...) if isinstance(index, tuple) else (index, ...)]
        return out

    @staticmethod
    def backward(ctx, grad):
        shape, index = ctx.args
        out = np.zeros(shape, dtype=grad.dtype)
        if isinstance(index, np.ndarray) and index.dtype != bool and index.size:
            # rows picked by one integer array (an embedding): sort the picks, then sum each
            # run of equal rows with one reduceat, several times faster than np.add.at
            picks = index.reshape(-1) % shape[0]
            order = np.argsort(picks, kind="stable")
            picks = picks[order]
            starts = np.flatnonzero(np.diff(picks, prepend=-1))
            rows = grad.reshape(len(order), -1)[order]
            out[picks[starts]] = np.add.reduceat(rows, starts).reshape((-1,) + shape[1:])
        elif _has_repeats(index):
            np.add.at(out, index, grad)  # an integer array may pick one element twice
        else:
            out[index] = grad
        return out


class IndexPut(Function):
    """a with values put at a[index] (added there, with accumulate), as out-of-place
    index_put: x[index] = values and scatter in place are this, recorded in the graph."""

    @staticmethod
    def forward(ctx, a, values, index, accumulate=False):
        ctx.args = values.shape, index, accumulate
        out = a.copy()
        if accumulate:
            np.add.at(out, index, values)
        else:
            out[index] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        shape, index, accumulate = ctx.args
        need_a, need_values = ctx.needs_grad
        grad_a = grad_values = None
        if need_a:
            grad_a = grad if accumulate else grad.copy()
            if not accumulate:
                grad_a[index] = 0  # what was there is overwritten: no gradient reaches it
        if need_values:
            picked = np.asarray(grad[index])  # values may carry extra leading 1s: NumPy drops them
            picked = picked.reshape((1,) * (len(shape) - picked.ndim) + picked.shape)
            grad_values = unbroadcast(picked, shape)
        return grad_a, grad_values


class Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.args = axis, np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        axis, bounds = ctx.args
        return tuple(np.split(grad, bounds, axis=axis))


class Pad(Function):
    """Constant padding; pad_width is NumPy's ((before, after), ...) for every axis."""

    @staticmethod
    def forward(ctx, a, pad_width, value=0.0):
        ctx.args = a.shape, pad_width
        return np.pad(a, pad_width, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        shape, pad_width = ctx.args
        window = tuple(slice(before, before + n) for (before, _), n in zip(pad_width, shape))
        return grad[window]


class Gather(Function):
    """out[i][j] = a[index[i][j]][j] along axis (here axis 0), as torch.gather."""

    @staticmethod
    def forward(ctx, a, index, axis):
        if any(i > n for d, (i, n) in enumerate(zip(index.shape, a.shape)) if d != axis):
            raise RuntimeError(f"gather: index of shape {index.shape} is larger than the input "
                               f"{a.shape} in a dim other than {axis}")
        if index.size and (index.min() < 0 or index.max() >= a.shape[axis]):
            bad = index[(index < 0) | (index >= a.shape[axis])][0]
            raise RuntimeError(f"gather: index {bad} is out of range for dim {axis} of size "
                               f"{a.shape[axis]}")
        ctx.args = a.shape, index, axis
        # torch lets index be smaller than a in the other dims: those dims are cut to fit
        window = tuple(slice(None) if d == axis else slice(n) for d, n in enumerate(index.shape))
        return np.take_along_axis(a[window], index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        shape, index, axis = ctx.args
        out = np.zeros(shape, dtype=grad.dtype)
        grids = list(np.ix_(*[np.arange(n) for n in index.shape]))
        grids[axis] = index
        np.add.at(out, tuple(grids), grad)
        return out


def reshape(a, shape):
    return Reshape.apply(a, shape=tuple(shape))


def permute(a, axes):
    return Permute.apply(a, axes=tuple(axes))


def expand(a, shape):
    return Expand.apply(a, shape=tuple(shape))


def index(a, key):
    return Index.apply(a, index=key)


def index_put(a, values, key, accumulate=False):
    return IndexPut.apply(a, values, index=key, accumulate=accumulate)


def cat(tensors, dim=0):
    return Cat.apply(*tensors, axis=dim)


def pad(a, pad_width, value=0.0):
    return Pad.apply(a, pad_width=tuple(pad_width), value=value)


def gather(a, dim, index):
    return Gather.apply(a, index=index, axis=dim)
