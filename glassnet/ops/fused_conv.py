"""Fused convolution and pooling: the common cases as single primitives, faster than the
composed unfold + matmul (+ max) of functional/conv.py, which covers the rest."""

import numpy as np

from glassnet.autograd import Function
from glassnet.ops.conv import _kernel_slices, _out_size


class Conv2d(Function):
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw) as ONE matrix product:
    W (O, C*kh*kw) times the columns (C*kh*kw, N*out_h*out_w) of every window. The columns
    are filled one kernel offset at a time, each a shifted copy of the whole image, so every
    copy runs along image rows. Backward: the weight gradient is one product with the same
    columns; the input gradient one product, then each offset's slab added back in place."""

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        (n, c, height, width), (out_channels, _, kh, kw) = x.shape, weight.shape
        (ph, pw) = padding
        padded = np.zeros((n, c, height + 2 * ph, width + 2 * pw), dtype=x.dtype)
        padded[:, :, ph : ph + height, pw : pw + width] = x
        out_h, out_w = map(_out_size, (height, width), (kh, kw), stride, padding, dilation)
        cols = np.empty((c, kh * kw, n, out_h, out_w), dtype=x.dtype)
        offsets = _kernel_slices((kh, kw), stride, dilation, (out_h, out_w))
        for k, (rows, columns) in enumerate(offsets):
            cols[:, k] = padded[:, :, rows, columns].transpose(1, 0, 2, 3)
        cols = cols.reshape(c * kh * kw, -1)  # (C*kh*kw, N*L)
        out = weight.reshape(out_channels, -1) @ cols  # (O, N*L)
        if bias is not None:
            out += bias[:, None]
        ctx.save(cols, weight)
        ctx.args = x.shape, stride, padding, dilation, (out_h, out_w)
        out = out.reshape(out_channels, n, out_h, out_w).transpose(1, 0, 2, 3)
        return np.ascontiguousarray(out)  # (N, O, out_h, out_w)

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved
        (n, c, height, width), stride, (ph, pw), dilation, out_size = ctx.args
        flat_grad = grad.transpose(1, 0, 2, 3).reshape(weight.shape[0], -1)  # (O, N*L)
        needs = ctx.needs_grad
        grad_w = (flat_grad @ cols.T).reshape(weight.shape) if needs[1] else None
        grad_x = None
        if needs[0]:
            grad_cols = weight.reshape(weight.shape[0], -1).T @ flat_grad  # (C*kh*kw, N*L)
            grad_cols = grad_cols.reshape(c, -1, n, *out_size)
            padded = np.zeros((n, c, height + 2 * ph, width + 2 * pw), dtype=grad.dtype)
            offsets = _kernel_slices(weight.shape[2:], stride, dilation, out_size)
            for k, (rows, columns) in enumerate(offsets):
                padded[:, :, rows, columns] += grad_cols[:, k].transpose(1, 0, 2, 3)
            grad_x = padded[:, :, ph : ph + height, pw : pw + width]
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, flat_grad.sum(axis=1) if needs[2] else None


def conv2d(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d.apply(*inputs, stride=stride, padding=padding, dilation=dilation)


class MaxPool2d(Function):
    """Max over non-overlapping kh x kw windows (stride = kernel, no padding). Window element
    (i, j) of every window is one strided slice of x; copied out as row i*kw + j of a
    (kh*kw, N, C, oh, ow) array, the max is one reduction over rows. The gradient goes to the
    first maximal element of each window, as in PyTorch; rows and columns left over at the
    edge get none. One strided copy per window element is several times faster than one
    6-D transpose."""

    @staticmethod
    def forward(ctx, x, kernel):
        (kh, kw), (n, c, height, width) = kernel, x.shape
        out_h, out_w = height // kh, width // kw
        offsets = list(_kernel_slices(kernel, kernel, (1, 1), (out_h, out_w)))
        rows = np.empty((kh * kw, n, c, out_h, out_w), dtype=x.dtype)
        for k, (r, col) in enumerate(offsets):
            rows[k] = x[:, :, r, col]
        best = rows.max(axis=0)
        ctx.save(rows, best)
        ctx.args = x.shape, offsets
        return best

    @staticmethod
    def backward(ctx, grad):
        rows, best = ctx.saved
        shape, offsets = ctx.args
        first = rows == best  # every maximal element; keep the first of each window
        taken = first[0].copy()
        out = np.zeros(shape, dtype=grad.dtype)
        for k, (r, col) in enumerate(offsets):
            if k:
                first[k] &= ~taken
                taken |= first[k]
            np.multiply(grad, first[k], out=out[:, :, r, col])
        return out


def max_pool2d(x, kernel):
    return MaxPool2d.apply(x, kernel=kernel)
