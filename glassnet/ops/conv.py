"""Sliding windows as matrices: unfold (im2col) and its adjoint fold (col2im).

Convolution is one matrix product over the unfolded windows, pooling a max or mean over them,
and transposed convolution a product followed by a fold. So these two primitives, each the
other's gradient, carry every convolutional layer. Layout as torch.nn.functional.unfold:
columns (N, C*kh*kw, L) where L = out_h*out_w windows, channel-major then kernel row, column.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from glassnet.autograd import Function


def _out_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def windows_view(x, kernel, stride, padding, dilation, pad_value=0.0):
    """(N, C, H, W) -> a view (N, C, out_h, out_w, kh, kw) of every window (padding copies)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    windows = sliding_window_view(x, (span_h, span_w), axis=(2, 3))
    return windows[:, :, ::sh, ::sw, ::dh, ::dw]


def unfold_array(x, kernel, stride, padding, dilation, pad_value=0.0):
    """(N, C, H, W) -> (N, C*kh*kw, out_h*out_w) columns."""
    windows = windows_view(x, kernel, stride, padding, dilation, pad_value)
    n, c, out_h, out_w, kh, kw = windows.shape
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)


def _kernel_slices(kernel, stride, dilation, out_size):
    """For each kernel offset (i, j): the slices of the padded image it multiplies."""
    (kh, kw), (sh, sw), (dh, dw), (out_h, out_w) = kernel, stride, dilation, out_size
    for i in range(kh):
        for j in range(kw):
            yield (slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh),
                   slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw))


def fold_array(cols, output_size, kernel, stride, padding, dilation):
    """The adjoint of unfold: add every column entry back into the pixel it came from."""
    (kh, kw), (ph, pw), (height, width) = kernel, padding, output_size
    out_size = tuple(map(_out_size, output_size, kernel, stride, padding, dilation))
    windows = cols.reshape(cols.shape[0], -1, kh * kw, *out_size)  # (N, C, kh*kw, oh, ow)
    image = np.zeros((len(cols), windows.shape[1], height + 2 * ph, width + 2 * pw),
                     dtype=cols.dtype)
    for k, (rows, columns) in enumerate(_kernel_slices(kernel, stride, dilation, out_size)):
        image[:, :, rows, columns] += windows[:, :, k]
    return image[:, :, ph : ph + height, pw : pw + width]


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


class Unfold(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, pad_value=0.0):
        ctx.args = x.shape[2:], kernel, stride, padding, dilation
        return unfold_array(x, kernel, stride, padding, dilation, pad_value)

    @staticmethod
    def backward(ctx, grad):
        return fold_array(grad, *ctx.args)


class Fold(Function):
    @staticmethod
    def forward(ctx, cols, output_size, kernel, stride, padding, dilation):
        ctx.args = kernel, stride, padding, dilation
        return fold_array(cols, output_size, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        return unfold_array(grad, *ctx.args)


def unfold(x, kernel, stride, padding, dilation, pad_value=0.0):
    return Unfold.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                        pad_value=pad_value)


def fold(cols, output_size, kernel, stride, padding, dilation):
    return Fold.apply(cols, output_size=output_size, kernel=kernel, stride=stride,
                      padding=padding, dilation=dilation)


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
        offsets = [(slice(i, out_h * kh, kh), slice(j, out_w * kw, kw))
                   for i in range(kh) for j in range(kw)]
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
