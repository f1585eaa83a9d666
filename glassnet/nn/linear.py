"""Identity, Linear, Bilinear, Flatten and Unflatten, as torch.nn's.

Linear computes y = x W^T + b. Its default initialisation is PyTorch's: W from
kaiming_uniform_(a=sqrt(5)) (He et al. 2015), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and
b from the same interval.
"""

import math

import numpy as np

from glassnet import functional as F
from glassnet import init
from glassnet.creation import check_device
from glassnet.functional import layers as FL
from glassnet.nn.module import Module, Parameter
from glassnet.tensor_convert import default_dtype


def check_input(module, input, fits, expected):
    """Raise an error naming the layer, the shape expected and the shape got."""
    if not fits:
        raise RuntimeError(f"{module!r}: expected input {expected}, got {tuple(input.shape)}")


def empty_parameter(shape, dtype=None, device=None):
    """A zero Parameter to be initialised; device is accepted for PyTorch's signatures."""
    check_device(device)
    if min(shape) < 0:
        raise ValueError(f"parameter of shape {tuple(shape)}: sizes must be non-negative")
    return Parameter(np.zeros(shape, dtype=np.dtype(dtype or default_dtype())))


def reset_weight_and_bias(weight, bias):
    """kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the
    bias: the default of PyTorch's Linear and Conv layers."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input; takes (and ignores) any arguments, as PyTorch's."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b for x of shape (..., in_features)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = empty_parameter((out_features, in_features), dtype, device)
        self.bias = empty_parameter((out_features,), dtype, device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        fits = input.ndim >= 1 and input.shape[-1] == self.in_features
        check_input(self, input, fits, f"(..., {self.in_features})")
        return F.linear(input, self.weight, self.bias)  # (..., out_features)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """y = x1^T W x2 + b for x1 (*, in1_features), x2 (*, in2_features); W and b from
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch's."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = empty_parameter((out_features, in1_features, in2_features), dtype, device)
        self.bias = empty_parameter((out_features,), dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return FL.bilinear(input1, input2, self.weight, self.bias)  # (*, out_features)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's class of MultiheadAttention's out_proj, a Linear by another name (its
    quantization tools treat it apart); here only the name, for scripts that list it."""


class Flatten(Module):
    """Merge dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size: (N, 12) -> (N, 3, 4) for dim=1, sizes (3, 4)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        size = int(np.prod(self.unflattened_size))
        fits = -input.ndim <= self.dim < input.ndim and (
            -1 in self.unflattened_size or input.shape[self.dim] == size
        )
        check_input(self, input, fits, f"with size {size} at dim {self.dim}")
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
