"""Matrix products: batched matmul with broadcasting. linear (x W^T + b) is a fused primitive
in fused.py."""

import numpy as np

from glassnet.autograd import Function, unbroadcast


class MatMul(Function):
    """a @ b for arrays of two or more dimensions; leading (batch) dimensions broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_grad
        ctx.shapes = a.shape, b.shape
        ctx.save(a if need_b else None, b if need_a else None)  # each gradient reads the other
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        a_shape, b_shape = ctx.shapes
        grad_a = unbroadcast(grad @ np.swapaxes(b, -1, -2), a_shape) if b is not None else None
        grad_b = unbroadcast(np.swapaxes(a, -1, -2) @ grad, b_shape) if a is not None else None
        return grad_a, grad_b


def matmul(a, b):
    return MatMul.apply(a, b)
