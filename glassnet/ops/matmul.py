"""Matrix products: batched matmul with broadcasting, and linear (x W^T + b) fused into one
primitive because every layer of every model runs it."""

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


class Linear(Function):
    """y = x W^T + b with x (..., in), W (out, in), b (out,). Leading dims are flattened into
    one matrix product: NumPy's broadcasting matmul of a 3-D x by a transposed W is many times
    slower than one 2-D GEMM."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save(x, weight)
        out = x.reshape(-1, x.shape[-1]) @ weight.T  # (N, out)
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + weight.shape[:1])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        needs = ctx.needs_grad
        flat_grad = grad.reshape(-1, grad.shape[-1])  # (N, out)
        grad_x = (flat_grad @ weight).reshape(x.shape) if needs[0] else None
        grad_w = flat_grad.T @ x.reshape(-1, x.shape[-1]) if needs[1] else None
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, flat_grad.sum(axis=0) if needs[2] else None


def matmul(a, b):
    return MatMul.apply(a, b)


def linear(x, weight, bias=None):
    return Linear.apply(x, weight) if bias is None else Linear.apply(x, weight, bias)
