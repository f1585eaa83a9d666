"""Fused primitives: ops that could be composed but are faster and more stable as one step."""

import numpy as np

from glassnet.autograd import Function


class Softmax(Function):
    """softmax(a)_i = exp(a_i - max a) / sum_j exp(a_j - max a); its Jacobian-vector product
    is y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx, a, axis):
        shifted = np.exp(a - a.max(axis=axis, keepdims=True))
        out = shifted / shifted.sum(axis=axis, keepdims=True)
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
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


def softmax(a, dim):
    return Softmax.apply(a, axis=dim)


def log_softmax(a, dim):
    return LogSoftmax.apply(a, axis=dim)
