"""Reductions: sum and max, running sums, and softmax and log-softmax along an axis. Mean, var,
min, logsumexp are composed from these in functional."""

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


class Max(Function):
    """Max over one axis. The gradient goes to the first maximal element, as in PyTorch's
    max(dim) and max pooling; with spread, every maximal element gets an equal share, as in
    PyTorch's max() and amax()."""

    @staticmethod
    def forward(ctx, a, axis, keepdims=False, spread=False):
        index = np.argmax(a, axis=axis, keepdims=True)
        out = np.take_along_axis(a, index, axis=axis)
        if spread:  # every maximal element; a NaN maximum is the NaN element's, as in PyTorch
            chosen = (a == out) | (np.isnan(a) & np.isnan(out)) if a.dtype.kind == "f" else a == out
        ctx.args = a.shape, axis, keepdims, chosen if spread else index
        return out if keepdims else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, grad):
        shape, axis, keepdims, chosen = ctx.args  # every maximal element, or the first's index
        grad = _keep(grad, shape, axis, keepdims)
        if chosen.dtype == bool:  # spread: the maximal elements share the gradient
            return chosen * (grad / chosen.sum(axis=axis, keepdims=True))
        out = np.zeros(shape, dtype=grad.dtype)
        np.put_along_axis(out, chosen, grad, axis=axis)
        return out


class CumSum(Function):
    """Running sums along an axis; each input adds to every output from its place on, so its
    gradient is the running sum of the output gradient taken from the end."""

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return np.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return np.flip(np.cumsum(np.flip(grad, ctx.axis), axis=ctx.axis), ctx.axis)


def sum(a, dim=None, keepdim=False):
    return Sum.apply(a, axis=dim, keepdims=keepdim)


def max(a, dim=None, keepdim=False, spread=False, op="max"):
    if dim is None:  # the max of every element is the max along the flattened array
        if a.array.size == 0:
            raise RuntimeError(f"{op}(): the tensor is empty; give dim= to reduce one axis")
        out = Max.apply(reshape(a, (-1,)), axis=0, spread=True)
        return reshape(out, (1,) * a.ndim if keepdim else ())
    return Max.apply(a, axis=dim, keepdims=keepdim, spread=spread)


def _shifted_exp(a, axis):
    """a - max a (so that no exp overflows; initial: a size-0 axis), its exp and their sum."""
    shifted = a - a.max(axis=axis, keepdims=True, initial=-np.inf)
    exp = np.exp(shifted)
    return shifted, exp, exp.sum(axis=axis, keepdims=True)


class Softmax(Function):
    """softmax(a)_i = exp(a_i - max a) / sum_j exp(a_j - max a); its Jacobian-vector product
    is y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx, a, axis):
        _, exp, total = _shifted_exp(a, axis)
        out = exp / total
        ctx.save(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """log softmax(a) = a - logsumexp(a); backward is g - softmax(a) * sum(g)."""

    @staticmethod
    def forward(ctx, a, axis):
        shifted, _, total = _shifted_exp(a, axis)
        out = shifted - np.log(total)
        ctx.save(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


def cumsum(a, dim):
    return CumSum.apply(a, axis=dim)


def softmax(a, dim):
    return Softmax.apply(a, axis=dim)


def log_softmax(a, dim):
    return LogSoftmax.apply(a, axis=dim)
