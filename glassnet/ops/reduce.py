"""Reductions: sum and max. Mean, var, min, logsumexp are composed from these in functional."""

import numpy as np

from glassnet.autograd import Function
from glassnet.ops.movement import reshape


def _keep(grad, shape, axis, keepdims):
    """Put the reduced axes back (size 1) so grad broadcasts against the input."""
    if keepdims or axis is None:
        return grad.reshape([1] * len(shape)) if axis is None else grad
    return np.expand_dims(grad, axis)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.args = a.shape, axis, keepdims
        return np.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        shape, axis, keepdims = ctx.args
        return np.broadcast_to(_keep(grad, shape, axis, keepdims), shape)


def _argmax(a, axis):
    """np.argmax(a, axis, keepdims=True). Along a short axis (pooling windows) a few
    elementwise passes are several times faster than NumPy's argmax; ties go to the first."""
    if a.shape[axis] > 16:
        return np.argmax(a, axis=axis, keepdims=True)
    slices = np.moveaxis(a, axis, 0)
    best, index = slices[0], np.zeros(slices.shape[1:], dtype=np.intp)
    for j in range(1, len(slices)):
        better = slices[j] > best
        index[better] = j
        best = np.maximum(best, slices[j])
    return np.expand_dims(index, axis)


class Max(Function):
    """Max over one axis. The gradient goes to the first maximal element, as in PyTorch's
    max(dim) and max pooling."""

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        index = _argmax(a, axis)
        ctx.args = a.shape, axis, keepdims, index
        out = np.take_along_axis(a, index, axis=axis)
        return out if keepdims else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, grad):
        shape, axis, keepdims, index = ctx.args
        out = np.zeros(shape, dtype=grad.dtype)
        np.put_along_axis(out, index, _keep(grad, shape, axis, keepdims), axis=axis)
        return out


def sum(a, dim=None, keepdim=False):
    return Sum.apply(a, axis=dim, keepdims=keepdim)


def max(a, dim=None, keepdim=False):
    if dim is None:  # the max of every element is the max along the flattened array
        out = Max.apply(reshape(a, (-1,)), axis=0)
        return reshape(out, (1,) * a.ndim if keepdim else ())
    return Max.apply(a, axis=dim, keepdims=keepdim)
