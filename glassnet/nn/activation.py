"""Activation functions as modules, one per function in glassnet.functional (and its
activation.py), with PyTorch's names, arguments and reprs. `inplace` is accepted and shown as in
PyTorch, but a module computes out of place: the same values, and the layer before keeps its
output (which glassnet's trace records); the functions themselves honour inplace=True."""

import warnings

from glassnet import functional as F
from glassnet.creation import full
from glassnet.functional import activation as FA
from glassnet.nn.module import Module, Parameter


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


class Softmin(Softmax):
    """softmax(-x) along dim."""

    def forward(self, input):
        return F.softmax(-input, _softmax_dim(self, input))


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input of 3 or 4 dims, got {input.ndim}")
        return F.softmax(input, -3)


class Hardtanh(Module):
    """x clipped to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None or max_value is not None:  # PyTorch's old names, with a warning
            warnings.warn("Hardtanh: keyword arguments min_value and max_value are deprecated; "
                          "use min_val and max_val", stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")

    def forward(self, input):
        return FA.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


def _simple(name, function, doc, inplace=True):
    """A module applying function(input[, inplace]) with no other argument."""

    def __init__(self, inplace=False):
        Module.__init__(self)
        self.inplace = inplace

    def forward(self, input):
        return function(input)

    methods = {"__doc__": doc, "forward": forward}
    if inplace:
        methods.update(__init__=__init__, extra_repr=lambda self: _inplace_repr(self.inplace))
    return type(name, (Module,), methods)


Hardsigmoid = _simple("Hardsigmoid", FA.hardsigmoid, "relu6(x + 3) / 6 (Howard et al. 2019).")
Hardswish = _simple("Hardswish", FA.hardswish, "x relu6(x + 3) / 6 (Howard et al. 2019).")
Mish = _simple("Mish", FA.mish, "x tanh(softplus(x)) (Misra 2019).")
SELU = _simple("SELU", FA.selu, "Self-normalising ELU (Klambauer et al. 2017).")
LogSigmoid = _simple("LogSigmoid", FA.logsigmoid, "log(sigmoid(x)).", inplace=False)
Softsign = _simple("Softsign", FA.softsign, "x / (1 + |x|).", inplace=False)
Tanhshrink = _simple("Tanhshrink", FA.tanhshrink, "x - tanh(x).", inplace=False)


class CELU(ELU):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)) (Barron 2017)."""

    def forward(self, input):
        return FA.celu(input, self.alpha)


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return FA.threshold(input, self.threshold, self.value)

    def extra_repr(self):
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, else 0."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return FA.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0."""

    def forward(self, input):
        return FA.hardshrink(input, self.lambd)


class GLU(Module):
    """a sigmoid(b) for the two halves a, b of the input along dim (Dauphin et al. 2017)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return FA.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x for x > 0, else a x with learned slopes a: num_parameters of them, one for all
    channels (1) or one per channel, initialised to init (He et al. 2015)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(full((num_parameters,), float(init), dtype=dtype))

    def reset_parameters(self):
        self.weight.array[...] = self.init

    def forward(self, input):
        return FA.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Leaky ReLU with a random slope from U(lower, upper) per element in training, their mean
    in evaluation (Xu et al. 2015)."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return FA.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self):
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"
