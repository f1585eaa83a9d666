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


def unfold_array(x, kernel, stride, padding, dilation, pad_value=0.0):
    """(N, C, H, W) -> (N, C*kh*kw, out_h*out_w) columns."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c = x.shape[:2]
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    windows = sliding_window_view(x, (span_h, span_w), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, out_h, out_w, kh, kw)
    out_h, out_w = windows.shape[2:4]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)


def fold_array(cols, output_size, kernel, stride, padding, dilation):
    """The adjoint of unfold: add every column entry back into the pixel it came from."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    height, width = output_size
    out_h = _out_size(height, kh, sh, ph, dh)
    out_w = _out_size(width, kw, sw, pw, dw)
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    cols = cols.reshape(n, c, kh, kw, out_h, out_w)
    image = np.zeros((n, c, height + 2 * ph, width + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw)
            image[:, :, rows, columns] += cols[:, :, i, j]
    return image[:, :, ph : ph + height, pw : pw + width]


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
