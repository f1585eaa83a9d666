"""Group and instance normalisation and channel-wise dropout, with torch.nn.functional's names.

group_norm (Wu & He 2018, "Group Normalization"): the C channels split into G groups, and each
example's group is normalised over its channels and positions, (x - mean) / sqrt(var + eps),
then scaled and shifted per channel; independent of the batch, so it behaves the same in
training and evaluation. It reuses layer norm's fused step on the (N*G, C/G * positions) rows.

dropout1d and dropout2d (Tompson et al. 2015, "Efficient Object Localization Using
Convolutional Networks") zero whole channels: one keep/drop draw per (example, channel),
shared by all its positions, survivors scaled by 1/(1-p), with PyTorch's reading of input
shapes (dropout2d on (N, C) drops single elements, as PyTorch does after its warning).
"""

import warnings

import numpy as np

from glassnet.creation import ones, zeros
from glassnet.functional import _check_affine, _dropout, batch_norm
from glassnet.ops import fused
from glassnet.tensor import _to_array


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """input (N, C, *) normalised within each of num_groups groups of channels."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"group_norm: expected input (N, C, *) with C divisible by "
                           f"num_groups={num_groups}, got shape {tuple(input.shape)}")
    channels = input.shape[1]
    _check_affine("group_norm", input, (channels,), weight=weight, bias=bias)
    rows = input.reshape(input.shape[0] * num_groups, -1)  # (N*G, C/G * positions)
    size = rows.shape[1]
    unit, empty = ones(size, dtype=input.dtype), zeros(size, dtype=input.dtype)
    out = fused.layer_norm(rows, unit, empty, eps=eps).reshape(input.shape)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Each example's channels normalised over their own positions (Ulyanov et al. 2016):
    group_norm with one channel per group. With use_input_stats=False, by the running
    statistics instead; with them given and use_input_stats, those move toward the batch's
    mean of the examples' statistics, as PyTorch does."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected input (N, C, *) with positions, got shape "
                         f"{tuple(input.shape)}")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if running_mean is not None:
        positions = tuple(range(2, input.ndim))
        count = int(np.prod(input.shape[2:]))
        mean = input.array.mean(axis=positions).mean(0)  # (C,): mean over the examples
        var = input.array.var(axis=positions, ddof=1 if count > 1 else 0).mean(0)
        running_mean.array[...] = (1 - momentum) * running_mean.array + momentum * mean
        running_var.array[...] = (1 - momentum) * running_var.array + momentum * var
    return group_norm(input, input.shape[1], weight, bias, eps)


def _feature_dropout(input, p, training, rng=None):
    """Drop whole (example, channel) slices of input (N, C, *)."""
    return _dropout(input, p, training, rng, input.shape[:2] + (1,) * (input.ndim - 2))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input (channel-wise dropout needs (N, C, L) or (C, L))")
    if input.ndim == 2:
        return _feature_dropout(input.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(input, p, training)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W); other shapes as PyTorch reads them, with its
    warnings: (N, C, L) channel-wise as dropout1d, (N, C) element-wise."""
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated; channel-wise dropout needs (N, C, H, W) or (C, H, W), so "
                      "use dropout instead", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), as PyTorch does; use dropout1d for that",
                      stacklevel=2)
    return _feature_dropout(input, p, training)


def embedding_renorm_(weight, indices, max_norm, norm_type):
    """Rescale in place, outside the graph, each row of weight that `indices` look up and whose
    norm_type-norm exceeds max_norm, down to norm max_norm (scale max_norm / (norm + 1e-7)), as
    PyTorch's embedding does with max_norm before the lookup."""
    array = _to_array(weight)
    rows = np.unique(_to_array(indices).ravel())
    norms = np.linalg.norm(array[rows], ord=norm_type, axis=1).astype(np.float64)
    too_long = norms > max_norm
    scale = max_norm / (norms[too_long] + 1e-7)
    array[rows[too_long]] *= scale[:, None].astype(array.dtype)
