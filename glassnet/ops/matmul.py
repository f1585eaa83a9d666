"""Matrix products: batched matmul with broadcasting. linear (x W^T + b) is a fused primitive
in fused.py."""

import numpy as np

from glassnet.autograd import Function, unbroadcast


class MatMul(Function):
    """a @ b for arrays of two or more dimensions; leading (batch) dimensions broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_grad
        grad_a = unbroadcast(grad @ np.swapaxes(b, -1, -2), a.shape) if need_a else None
        grad_b = unbroadcast(np.swapaxes(a, -1, -2) @ grad, b.shape) if need_b else None
        return grad_a, grad_b


def matmul(a, b):
    return MatMul.apply(a, b)
