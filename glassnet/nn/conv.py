"""Convolution, pooling and upsampling layers, as torch.nn's.

Conv computes a cross-correlation of the input with out_channels learned kernels (LeCun et al.
1989); ConvTranspose2d is its adjoint, used to upsample (Dumoulin & Visin 2016). The arithmetic
lives in glassnet.functional (unfold + matmul); these classes own the parameters.
"""

from glassnet import functional as F
from glassnet.nn.linear import check_input, empty_parameter, reset_weight_and_bias
from glassnet.nn.module import Module

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, n, name):
    """An int, or a tuple of n ints, as a tuple of n ints (PyTorch's _single / _pair)."""
    value = (value,) * n if isinstance(value, int) else tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return value


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: arguments, parameters and repr."""

    dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", output_padding=0, device=None,
                 dtype=None):
        super().__init__()
        name = type(self).__name__
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                f"be divisible by groups ({groups})"
            )
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"{name}: padding_mode={padding_mode!r} is not implemented; only 'zeros' is"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, self.dims, "kernel_size")
        self.stride = _tuple(stride, self.dims, "stride")
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self.transposed:
                raise ValueError(f"{name}: invalid padding string {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, self.dims, "padding")
        self.dilation = _tuple(dilation, self.dims, "dilation")
        self.output_padding = _tuple(output_padding, self.dims, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        # the transposed weight maps in_channels to out_channels the other way round
        channels = ((in_channels, out_channels // groups) if self.transposed
                    else (out_channels, in_channels // groups))
        self.weight = empty_parameter(channels + self.kernel_size, dtype, device)
        self.bias = empty_parameter((out_channels,), dtype, device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _check(self, input):
        """Accept (N, C, *spatial) or the unbatched (C, *spatial); return it batched."""
        spatial = ("L",) if self.dims == 1 else ("H", "W")
        fits = input.ndim in (self.dims + 1, self.dims + 2) and (
            input.shape[-self.dims - 1] == self.in_channels
        )
        batched = ", ".join(("N", str(self.in_channels)) + spatial)
        unbatched = ", ".join((str(self.in_channels),) + spatial)
        check_input(self, input, fits, f"({batched}) or ({unbatched})")
        return input if input.ndim == self.dims + 2 else input.unsqueeze(0)

    def forward(self, input):
        """Conv1d's and Conv2d's forward (ConvTranspose2d has its own)."""
        batched = self._check(input)
        out = self.conv(batched, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)  # (N, C_out, *spatial_out)
        return out if input.ndim == self.dims + 2 else out.squeeze(0)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """(N, C_in, L) -> (N, C_out, L_out) with weight (C_out, C_in / groups, k)."""

    dims = 1
    conv = staticmethod(F.conv1d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)



class Conv2d(_ConvNd):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out) with weight (C_out, C_in / groups, kh, kw)."""

    conv = staticmethod(F.conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)



class ConvTranspose2d(_ConvNd):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out), H_out = (H - 1) stride - 2 padding +
    dilation (kh - 1) + output_padding + 1; weight (C_in, C_out / groups, kh, kw)."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)
        for extra, s, d in zip(self.output_padding, self.stride, self.dilation):
            if extra >= max(s, d):
                raise ValueError(
                    f"ConvTranspose2d: output_padding {self.output_padding} must be smaller "
                    f"than stride {self.stride} or dilation {self.dilation}"
                )

    def forward(self, input, output_size=None):
        batched = self._check(input)
        output_padding = self.output_padding
        if output_size is not None:
            # pick the output_padding that gives the requested size, as PyTorch does
            smallest = [
                (n - 1) * s - 2 * p + d * (k - 1) + 1
                for n, s, p, d, k in zip(batched.shape[2:], self.stride, self.padding,
                                         self.dilation, self.kernel_size)
            ]
            output_padding = tuple(int(want) - low for want, low in
                                   zip(tuple(output_size)[-2:], smallest))
            if any(not 0 <= extra < max(s, d) for extra, s, d in
                   zip(output_padding, self.stride, self.dilation)):
                raise ValueError(f"{self!r}: output_size {tuple(output_size)} is not reachable "
                                 f"from input of shape {tuple(input.shape)}")
        out = F.conv_transpose2d(batched, self.weight, self.bias, self.stride, self.padding,
                                 output_padding, self.groups, self.dilation)  # (N, C_out, H', W')
        return out if input.ndim == 4 else out.squeeze(0)


class _Pool(Module):
    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)}" for name in self.shown)


class MaxPool1d(_Pool):
    """The largest value in each window of kernel_size along the last dim."""

    shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        if return_indices or ceil_mode:
            raise NotImplementedError(
                f"{type(self).__name__}: return_indices and ceil_mode are not implemented"
            )
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        single = [_tuple(v, 1, name)[0] for v, name in
                  zip((self.kernel_size, self.stride, self.padding, self.dilation),
                      ("kernel_size", "stride", "padding", "dilation"))]
        return F.max_pool1d(input, *single)


class MaxPool2d(MaxPool1d):
    """The largest value in each kh x kw window of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation)


class AvgPool1d(_Pool):
    """The mean of each window of kernel_size along the last dim."""

    shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        if ceil_mode:
            raise NotImplementedError("AvgPool1d: ceil_mode is not implemented")
        self.kernel_size = _tuple(kernel_size, 1, "kernel_size")
        self.stride = _tuple(stride if stride is not None else kernel_size, 1, "stride")
        self.padding = _tuple(padding, 1, "padding")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size[0], self.stride[0], self.padding[0],
                            self.count_include_pad)


class AvgPool2d(_Pool):
    """The mean of each kh x kw window of (N, C, H, W) or (C, H, W)."""

    shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        if ceil_mode:
            raise NotImplementedError("AvgPool2d: ceil_mode is not implemented")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                            count_include_pad=self.count_include_pad,
                            divisor_override=self.divisor_override)


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) to size, or by scale_factor (nearest neighbour)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if mode != "nearest" or align_corners or recompute_scale_factor:
            raise NotImplementedError(
                f"Upsample: only mode='nearest' without align_corners or "
                f"recompute_scale_factor is implemented, got mode={mode!r}"
            )
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode)

    def extra_repr(self):
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor!r}, mode={self.mode!r}"
        return f"size={self.size!r}, mode={self.mode!r}"
