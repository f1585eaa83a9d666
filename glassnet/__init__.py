"""glassnet: deep learning you can see through. A small NumPy engine with PyTorch's names.

The top level holds PyTorch's torch.* names: the tensor makers, the functions that are also
Tensor methods (gn.exp(x) is x.exp(), gn.topk(x, 3) is x.topk(3)), grad modes, dtypes, save and
load, and the packages nn, optim, utils, data (the fetched datasets) and models.
"""

import math as _math
import warnings as _warnings

import numpy as _np

from glassnet import _malloc, random  # noqa: F401  (_malloc: see its docstring)

# PyTorch computes log(0) = -inf, 1/0 = inf and 0/0 = nan without a word; NumPy warns. Its
# floating-point warnings are silenced where glassnet's own code meets them (a filter on the
# module raising them: no cost per op, and NumPy called from your code still warns).
_warnings.filterwarnings("ignore", r"(divide by zero|invalid value|overflow) encountered",
                         RuntimeWarning, r"glassnet(\.|$)")
from glassnet.autograd import (
    Variable,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from glassnet.creation import (
    BoolTensor,
    DoubleTensor,
    FloatTensor,
    IntTensor,
    LongTensor,
    Size,
    arange,
    as_tensor,
    asarray,
    bernoulli,
    cat,
    concat,
    concatenate,
    device,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    set_default_dtype,
    stack,
    tensor,
    tril_indices,
    triu_indices,
    where,
    zeros,
    zeros_like,
)
from glassnet.functional import heaviside, linalg
from glassnet.functional.pointwise import (
    acos,
    acosh,
    add,
    addcdiv,
    addcmul,
    allclose,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    clamp_max,
    clamp_min,
    cosh,
    div,
    divide,
    eq,
    equal,
    exp2,
    expm1,
    fix,
    float_power,
    floor_divide,
    fmod,
    frac,
    ge,
    greater,
    greater_equal,
    gt,
    hypot,
    is_nonzero,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    le,
    lerp,
    less,
    less_equal,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    lt,
    mul,
    multiply,
    nan_to_num,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    reciprocal,
    remainder,
    sgn,
    signbit,
    sinh,
    square,
    sub,
    subtract,
    tan,
    true_divide,
    trunc,
    xlogy,
)
from glassnet.functional.printing import get_printoptions, set_printoptions
from glassnet.functional.products import (
    addbmm,
    addmm,
    addmv,
    baddbmm,
    bmm,
    dot,
    einsum,
    ger,
    inner,
    mm,
    mv,
    outer,
    tensordot,
    vdot,
)
from glassnet.functional.reductions import (
    all,
    amax,
    amin,
    aminmax,
    any,
    cdist,
    count_nonzero,
    cumprod,
    cumsum,
    diff,
    dist,
    logsumexp,
    median,
    mode,
    norm,
    prod,
    std,
    std_mean,
    var,
    var_mean,
)
from glassnet.functional.selection import (
    argsort,
    argwhere,
    bincount,
    bucketize,
    index_add,
    index_copy,
    index_fill,
    index_put,
    index_select,
    isin,
    kthvalue,
    masked_fill,
    masked_select,
    msort,
    nonzero,
    scatter,
    scatter_add,
    scatter_reduce,
    searchsorted,
    sort,
    take,
    topk,
    unique,
)
from glassnet.functional.shape import (  # not trace: gn.trace is the glass box (trace.py)
    atleast_1d,
    atleast_2d,
    broadcast_to,
    chunk,
    column_stack,
    diag,
    diag_embed,
    diagonal,
    flip,
    fliplr,
    flipud,
    hstack,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    ravel,
    repeat_interleave,
    roll,
    rot90,
    row_stack,
    select,
    split,
    swapaxes,
    swapdims,
    take_along_dim,
    tensor_split,
    tile,
    tril,
    triu,
    unbind,
    unflatten,
    vstack,
)
from glassnet.random import (
    Generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    set_rng_state,
)
from glassnet.tensor import Tensor, bool_, float32, float64, int32, int64

# PyTorch's other names for the dtypes: dtype=gn.long, x.to(gn.float) (and gn.bool, below)
float, double, long, int = float32, float64, int64, int32
float16 = half = _np.dtype("float16")
int16 = short = _np.dtype("int16")
int8, uint8 = _np.dtype("int8"), _np.dtype("uint8")
finfo, iinfo = _np.finfo, _np.iinfo  # finfo(gn.float32).eps, as torch.finfo
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan

# functions that are also methods: gn.exp(t) is t.exp()
exp, log, log1p, sqrt, rsqrt, abs, absolute, tanh, sigmoid, relu = (
    Tensor.exp, Tensor.log, Tensor.log1p, Tensor.sqrt, Tensor.rsqrt, Tensor.abs, Tensor.abs,
    Tensor.tanh, Tensor.sigmoid, Tensor.relu,
)
erf, clamp, clip, maximum, minimum = (
    Tensor.erf, Tensor.clamp, Tensor.clip, Tensor.maximum, Tensor.minimum,
)
sum, mean, argmax, argmin, softmax, log_softmax = (
    Tensor.sum, Tensor.mean, Tensor.argmax, Tensor.argmin, Tensor.softmax, Tensor.log_softmax,
)
max, min, matmul = Tensor.max, Tensor.min, Tensor.matmul
reshape, permute, transpose, squeeze, unsqueeze, flatten, gather, t = (
    Tensor.reshape, Tensor.permute, Tensor.transpose, Tensor.squeeze, Tensor.unsqueeze,
    Tensor.flatten, Tensor.gather, Tensor.t,
)
sin, cos, sign, floor, round, numel, clone, detach = (
    Tensor.sin, Tensor.cos, Tensor.sign, Tensor.floor, Tensor.round, Tensor.numel,
    Tensor.clone, Tensor.detach,
)
bool = bool_


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.kind == "f"


from glassnet import (
    data,
    distributions,
    models,
    nn,  # nn builds on the names above
    optim,
)
from glassnet.serialize import load, save

__version__ = "0.1.0"

# the public names: everything above, and nothing else
__all__ = [
    "BoolTensor", "DoubleTensor", "FloatTensor", "Generator", "IntTensor", "LongTensor", "Size",
    "Tensor", "Variable", "abs", "absolute", "acos", "acosh", "add", "addbmm", "addcdiv", "addcmul",
    "addmm", "addmv", "all", "allclose", "amax", "amin", "aminmax", "any", "arange", "arccos",
    "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort",
    "argwhere", "as_tensor", "asarray", "asin", "asinh", "atan", "atan2", "atanh", "atleast_1d",
    "atleast_2d", "baddbmm", "bernoulli", "bincount", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "bmm", "bool", "bool_", "broadcast_to", "bucketize", "cat", "cdist", "ceil",
    "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone", "column_stack", "concat",
    "concatenate", "cos", "cosh", "count_nonzero", "cumprod", "cumsum", "data", "detach", "device",
    "diag", "diag_embed", "diagonal", "diff", "dist", "distributions", "div", "divide", "dot",
    "double", "e", "einsum", "empty", "empty_like", "enable_grad", "eq", "equal", "erf", "exp",
    "exp2", "expm1", "eye", "finfo", "fix", "flatten", "flip", "fliplr", "flipud", "float",
    "float16", "float32", "float64", "float_power", "floor", "floor_divide", "fmod", "frac",
    "from_numpy", "full", "full_like", "gather", "ge", "ger", "get_default_dtype",
    "get_printoptions", "get_rng_state", "greater", "greater_equal", "gt", "half", "heaviside",
    "hstack", "hypot", "iinfo", "index_add", "index_copy", "index_fill", "index_put",
    "index_select", "inf", "inference_mode", "initial_seed", "inner", "int", "int8", "int16",
    "int32", "int64", "is_floating_point", "is_grad_enabled", "is_nonzero", "is_tensor", "isclose",
    "isfinite", "isin", "isinf", "isnan", "isneginf", "isposinf", "kthvalue", "le", "lerp", "less",
    "less_equal", "linalg", "linspace", "load", "log", "log1p", "log2", "log10", "log_softmax",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logit", "logspace", "logsumexp",
    "long", "lt", "manual_seed", "masked_fill", "masked_select", "matmul", "max", "maximum", "mean",
    "median", "meshgrid", "min", "minimum", "mm", "mode", "models", "moveaxis", "movedim", "msort",
    "mul", "multinomial", "multiply", "mv", "nan", "nan_to_num", "narrow", "ne", "neg", "negative",
    "nn", "no_grad", "nonzero", "norm", "normal", "not_equal", "numel", "ones", "ones_like",
    "optim", "outer", "permute", "pi", "pow", "prod", "rand", "rand_like", "randint",
    "randint_like", "randn", "randn_like", "random", "randperm", "ravel", "reciprocal", "relu",
    "remainder", "repeat_interleave", "reshape", "roll", "rot90", "round", "row_stack", "rsqrt",
    "save", "scatter", "scatter_add", "scatter_reduce", "searchsorted", "select",
    "set_default_dtype", "set_grad_enabled", "set_printoptions", "set_rng_state", "sgn", "short",
    "sigmoid", "sign", "signbit", "sin", "sinh", "softmax", "sort", "split", "sqrt", "square",
    "squeeze", "stack", "std", "std_mean", "sub", "subtract", "sum", "swapaxes", "swapdims", "t",
    "take", "take_along_dim", "tan", "tanh", "tensor", "tensor_split", "tensordot", "tile", "topk",
    "transpose", "tril", "tril_indices", "triu", "triu_indices", "true_divide", "trunc", "uint8",
    "unbind", "unflatten", "unique", "unsqueeze", "var", "var_mean", "vdot", "vstack", "where",
    "xlogy", "zeros", "zeros_like",
]
