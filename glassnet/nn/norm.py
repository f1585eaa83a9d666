"""Batch normalisation (Ioffe & Szegedy 2015), instance normalisation (Ulyanov et al. 2016),
layer normalisation (Ba, Kiros & Hinton 2016) and group normalisation (Wu & He 2018).

BatchNorm keeps the buffers PyTorch keeps: running_mean, running_var and num_batches_tracked
(int64). In training it normalises by the batch's statistics and moves the running ones toward
them by `momentum` (or, with momentum=None, keeps their cumulative average); in evaluation it
normalises by the running statistics.
"""

import numpy as np

from glassnet import functional as F
from glassnet import init
from glassnet.functional import norm as N
from glassnet.nn.linear import check_input, empty_parameter
from glassnet.nn.module import Module
from glassnet.tensor import Tensor, int64
from glassnet.tensor_convert import default_dtype


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; `ndims` and `layouts` say which inputs fit."""

    ndims = ()
    layouts = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.weight = empty_parameter((num_features,), dtype, device) if affine else None
        self.bias = empty_parameter((num_features,), dtype) if affine and bias else None
        if track_running_stats:
            dtype = np.dtype(dtype or default_dtype())
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        fits = input.ndim in self.ndims and input.shape[1] == self.num_features
        check_input(self, input, fits, self.layouts.format(C=self.num_features))
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                # cumulative moving average: batch k gets weight 1/k
                factor = 1.0 / float(self.num_batches_tracked.array)
        # without running statistics, evaluation uses the batch's own, as PyTorch does
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Normalise each feature of (N, C) or (N, C, L) over the batch (and length)."""

    ndims = (2, 3)
    layouts = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Normalise each channel of (N, C, H, W) over the batch and the image."""

    ndims = (4,)
    layouts = "(N, {C}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Normalise each channel of (N, C, D, H, W) over the batch and the volume."""

    ndims = (5,)
    layouts = "(N, {C}, D, H, W)"


class _InstanceNorm(_BatchNorm):
    """Each example's channels normalised over their own positions (Ulyanov et al. 2016);
    without an affine map or running statistics unless asked, as in PyTorch. An input without
    the batch dim (C, *) is one example."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input):
        unbatched = input.ndim == min(self.ndims) - 1
        fits = input.ndim in self.ndims + (min(self.ndims) - 1,) and input.shape[
            0 if unbatched else 1] == self.num_features
        check_input(self, input, fits, self.layouts.format(C=self.num_features))
        x = input.unsqueeze(0) if unbatched else input
        factor = 0.1 if self.momentum is None else self.momentum  # num_batches_tracked stays,
        use_input_stats = self.training or not self.track_running_stats  # as in PyTorch
        out = N.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, factor, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    ndims = (3,)
    layouts = "(N, {C}, L) or ({C}, L)"


class InstanceNorm2d(_InstanceNorm):
    ndims = (4,)
    layouts = "(N, {C}, H, W) or ({C}, H, W)"


class InstanceNorm3d(_InstanceNorm):
    ndims = (5,)
    layouts = "(N, {C}, D, H, W) or ({C}, D, H, W)"


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) dims of each example, then scale by
    weight and shift by bias (both of normalized_shape)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine_bias = elementwise_affine and bias
        self.weight = (empty_parameter(self.normalized_shape, dtype, device)
                       if elementwise_affine else None)
        self.bias = empty_parameter(self.normalized_shape, dtype) if affine_bias else None
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        count = len(self.normalized_shape)
        fits = input.ndim >= count and tuple(input.shape[input.ndim - count :]) == (
            self.normalized_shape
        )
        check_input(self, input, fits, f"(*, {', '.join(map(str, self.normalized_shape))})")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise each example's num_groups groups of channels over their channels and
    positions, then scale and shift per channel; input (N, num_channels, *)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self.weight = empty_parameter((num_channels,), dtype, device) if affine else None
        self.bias = empty_parameter((num_channels,), dtype) if affine and bias else None
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        fits = input.ndim >= 2 and input.shape[1] == self.num_channels
        check_input(self, input, fits, f"(N, {self.num_channels}, *)")
        return N.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
