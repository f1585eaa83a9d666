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
