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


class CrossEntropy(Function):
    """Mean (or summed) cross-entropy of logits (N, C) against class indices (N,), skipping
    targets equal to ignore_index. One step instead of log_softmax, gather, mask and mean:
    the gradient is (softmax(logits) - one_hot(target)) / count."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index=-100, reduction="mean"):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        valid = target != ignore_index
        rows = np.arange(len(target))
        safe_target = np.where(valid, target, 0)
        picked = shifted[rows, safe_target] - np.log(total[:, 0])  # (N,) log p[target]
        count = valid.sum() if reduction == "mean" else 1
        ctx.save(exp / total, safe_target, valid)
        ctx.scale = 1.0 / count if count else np.nan
        return np.asarray(-(picked * valid).sum() * ctx.scale, dtype=logits.dtype)

    @staticmethod
    def backward(ctx, grad):
        probs, target, valid = ctx.saved
        out = probs.copy()
        out[np.arange(len(target)), target] -= 1
        out *= (valid * (grad * ctx.scale))[:, None]
        return out.astype(probs.dtype, copy=False), None


def cross_entropy(logits, target, ignore_index=-100, reduction="mean"):
    return CrossEntropy.apply(logits, target, ignore_index=ignore_index, reduction=reduction)
