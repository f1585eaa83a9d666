"""glassnet: deep learning you can see through. A small NumPy engine with PyTorch's names."""

from glassnet import _malloc, random  # noqa: F401  (_malloc: see its docstring)
from glassnet.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from glassnet.creation import (
    arange,
    as_tensor,
    cat,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from glassnet.functional import heaviside
from glassnet.random import get_rng_state, initial_seed, manual_seed, set_rng_state
from glassnet.tensor import Tensor, bool_, float32, float64, int32, int64

# PyTorch's other names for the dtypes: dtype=gn.long, x.to(gn.float) (and gn.bool, below)
float, double, long, int = float32, float64, int64, int32

# functions that are also methods: gn.exp(t) is t.exp()
exp, log, log1p, sqrt, abs, tanh, sigmoid, relu = (
    Tensor.exp, Tensor.log, Tensor.log1p, Tensor.sqrt, Tensor.abs, Tensor.tanh, Tensor.sigmoid,
    Tensor.relu,
)
erf, clamp, clip, maximum, minimum, pow = (
    Tensor.erf, Tensor.clamp, Tensor.clip, Tensor.maximum, Tensor.minimum, Tensor.pow,
)
sum, mean, var, std, amax, argmax, argmin, logsumexp, softmax, log_softmax = (
    Tensor.sum, Tensor.mean, Tensor.var, Tensor.std, Tensor.amax, Tensor.argmax, Tensor.argmin,
    Tensor.logsumexp, Tensor.softmax, Tensor.log_softmax,
)
max, min, matmul = Tensor.max, Tensor.min, Tensor.matmul
reshape, permute, transpose, squeeze, unsqueeze, flatten, split, chunk, gather = (
    Tensor.reshape, Tensor.permute, Tensor.transpose, Tensor.squeeze, Tensor.unsqueeze,
    Tensor.flatten, Tensor.split, Tensor.chunk, Tensor.gather,
)
masked_fill, sin, cos, sign, numel = (
    Tensor.masked_fill, Tensor.sin, Tensor.cos, Tensor.sign, Tensor.numel,
)
bool = bool_

from glassnet import (
    data,
    models,
    nn,  # nn builds on the names above
    optim,
)
from glassnet.serialize import load, save

__version__ = "0.1.0"

# the public names: everything above, and nothing else
__all__ = [
    "Tensor",
    "abs",
    "amax",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "bool",
    "bool_",
    "cat",
    "chunk",
    "clamp",
    "clip",
    "cos",
    "data",
    "double",
    "empty",
    "empty_like",
    "enable_grad",
    "erf",
    "exp",
    "eye",
    "flatten",
    "float",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "get_rng_state",
    "heaviside",
    "initial_seed",
    "int",
    "int32",
    "int64",
    "is_grad_enabled",
    "linspace",
    "load",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "long",
    "manual_seed",
    "masked_fill",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "models",
    "nn",
    "no_grad",
    "numel",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "pow",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "random",
    "randperm",
    "relu",
    "reshape",
    "save",
    "set_grad_enabled",
    "set_rng_state",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
