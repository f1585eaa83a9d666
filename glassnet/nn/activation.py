"""Activation functions as modules, one per function in glassnet.functional, with PyTorch's
names, arguments and reprs. `inplace` is accepted for compatibility; glassnet never works in
place, so it changes nothing."""

import warnings

from glassnet import functional as F
from glassnet.nn.module import Module


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class Step(Module):
    """The Heaviside step, 1 where x > 0 else 0 (value_at_zero at 0): the threshold unit of
    McCulloch & Pitts (1943) and Rosenblatt's perceptron. Its gradient is 0 everywhere."""

    def __init__(self, value_at_zero=0.0):
        super().__init__()
        self.value_at_zero = value_at_zero

    def forward(self, input):
        return F.heaviside(input, self.value_at_zero)

    def extra_repr(self):
        return "" if self.value_at_zero == 0 else f"value_at_zero={self.value_at_zero}"


Heaviside = Step


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class ReLU(Module):
    """max(0, x) (Nair & Hinton 2010)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x for x > 0, negative_slope x otherwise (Maas et al. 2013)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise (Clevert et al. 2015)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x) (Hendrycks & Gimpel 2016); approximate='tanh' for their tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigmoid(x) (Elfwing et al. 2017; swish in Ramachandran et al. 2017)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


def _softmax_dim(module, input):
    """dim=None picks PyTorch's legacy dim (0 for 0-, 1- and 3-D input, else 1), with its
    warning."""
    if module.dim is not None:
        return module.dim
    warnings.warn(f"{type(module).__name__}: implicit dim is deprecated; pass dim=",
                  stacklevel=3)
    return 0 if input.ndim in (0, 1, 3) else 1


class Softmax(Module):
    """e^x_i / sum_j e^x_j along dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, _softmax_dim(self, input))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x_i - log sum_j e^x_j along dim."""

    def forward(self, input):
        return F.log_softmax(input, _softmax_dim(self, input))
