"""Elementwise functions with PyTorch's names, composed of the elementwise primitives: add with
alpha, div with rounding, square, log2, sinh, lerp, addcmul, the logical ops, isclose... Each is
also a Tensor method (functional/methods.py). No backward code is written here.
"""

import math

import numpy as np

from glassnet.creation import as_tensor, where
from glassnet.ops import elementwise as ew
from glassnet.tensor import Tensor, _flat, _float_math, _no_grad, _to_array
from glassnet.tensor_convert import default_dtype


def _tensor(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


# ---- arithmetic with PyTorch's options ----
def add(input, other, alpha=1):
    return _tensor(input) + (other if alpha == 1 else other * alpha)


def sub(input, other, alpha=1):
    return _tensor(input) - (other if alpha == 1 else other * alpha)


subtract = sub


def mul(input, other):
    return _tensor(input) * other


multiply = mul


def div(input, other, rounding_mode=None):
    """input / other; rounding_mode 'trunc' rounds toward zero, 'floor' down (no gradient)."""
    if rounding_mode is None:
        return _tensor(input) / other
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    quotient = _tensor(input) / other
    rounded = trunc(quotient) if rounding_mode == "trunc" else quotient.floor()
    a, _ = _tensor(input)._operand(other)
    return rounded if a.dtype.kind == "f" else rounded.type(a.dtype)


divide = div


def true_divide(input, other):
    return _tensor(input) / other


def floor_divide(input, other):
    return _tensor(input) // other


def remainder(input, other):
    return _tensor(input) % other


def fmod(input, other):
    """The remainder with the dividend's sign (C's fmod): input - trunc(input / other) other."""
    input = _tensor(input)
    return input - trunc(input / other) * other


def neg(input):
    return -input


negative = neg


def reciprocal(input):
    return 1.0 / input


def square(input):
    return input * input


def pow(input, exponent):
    """input ** exponent; input may be a number (gn.pow(10000, t), as torch.pow)."""
    return _tensor(input) ** exponent


def float_power(input, exponent):
    return _tensor(input).double() ** exponent


# ---- more functions of one number ----
exp2 = _float_math(lambda x: 2.0**x)
expm1 = _float_math(lambda x: x.exp() - 1)
log2 = _float_math(lambda x: x.log() * (1 / math.log(2)))
log10 = _float_math(lambda x: x.log() * (1 / math.log(10)))
sinh = _float_math(lambda x: (x.exp() - (-x).exp()) * 0.5)
cosh = _float_math(lambda x: (x.exp() + (-x).exp()) * 0.5)
tan = _float_math(lambda x: x.sin() / x.cos())
atan = arctan = _float_math(ew.atan)
asin = arcsin = _float_math(ew.asin)
acos = arccos = _float_math(ew.acos)
asinh = arcsinh = _float_math(lambda x: (x + (x * x + 1).sqrt()).log())
acosh = arccosh = _float_math(lambda x: (x + (x * x - 1).sqrt()).log())
atanh = arctanh = _float_math(lambda x: (x.log1p() - (-x).log1p()) * 0.5)
ceil = _flat(np.ceil)
trunc = fix = _flat(np.trunc)
sgn = Tensor.sign


def frac(input):
    return input - trunc(input)


def logit(input, eps=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    p = input if eps is None else input.clamp(eps, 1 - eps)
    return (p / (1 - p)).log()


def xlogy(input, other):
    """input log(other), 0 where input is 0 (even where log(other) is not finite)."""
    input = _tensor(input)
    return where(input == 0, 0.0, input * _tensor(other).log())


def atan2(input, other):
    """The angle of the point (other, input), in [-pi, pi]: atan(input / other) where |other|
    >= |input| (shifted by pi where other < 0, or is -0.0, as IEEE's atan2), pi/2 sign(input)
    - atan(other / input) where not. The one ratio is at most 1 in size, so no branch divides
    by zero (nor does its gradient, which a where would otherwise turn into nan)."""
    y, x = _tensor(input)._operand(other)
    y, x = (t if t.dtype.kind == "f" else t.type(default_dtype()) for t in (y, x))
    by_x = x.abs() >= y.abs()  # (no gradient)
    denominator = where(by_x, x, y)
    origin = denominator == 0  # (0, 0): atan2 is 0 or +-pi there, its gradient 0 (PyTorch's)
    ratio = where(origin, 0.0, where(by_x, y, x) / where(origin, 1.0, denominator))
    left, below = np.signbit(x.array), np.signbit(y.array)  # -0.0 too, as IEEE's atan2
    shift = Tensor._make(np.where(left, np.where(below, -np.pi, np.pi), 0).astype(x.dtype))
    steep = Tensor._make(np.where(below, -np.pi / 2, np.pi / 2).astype(x.dtype))
    return where(by_x, ew.atan(ratio) + shift, steep - ew.atan(ratio))


arctan2 = atan2


def hypot(input, other):
    return (input * input + other * other).sqrt()


def lerp(input, end, weight):
    """input + weight (end - input): a step of the way from input to end."""
    return input + (end - input) * weight


def addcmul(input, tensor1, tensor2, value=1):
    return input + tensor1 * tensor2 * value


def addcdiv(input, tensor1, tensor2, value=1):
    return input + tensor1 / tensor2 * value


def clamp_min(input, min):
    return input.clamp(min=min)


def clamp_max(input, max):
    return input.clamp(max=max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, inf and -inf replaced by nan, posinf and neginf (by default the dtype's largest
    and smallest finite values)."""
    finite = np.finfo(input.dtype) if input.dtype.kind == "f" else None
    if finite is None:
        return input
    out = where(input.isnan(), nan, input)
    out = where(out == np.inf, finite.max if posinf is None else posinf, out)
    return where(out == -np.inf, finite.min if neginf is None else neginf, out)


# ---- logic and tests: no gradient ----
logical_not = _no_grad(np.logical_not)
logical_and = _no_grad(np.logical_and)
logical_or = _no_grad(np.logical_or)
logical_xor = _no_grad(np.logical_xor)
bitwise_not = _no_grad(np.invert)
bitwise_and = _no_grad(np.bitwise_and)
bitwise_or = _no_grad(np.bitwise_or)
bitwise_xor = _no_grad(np.bitwise_xor)
isnan = _no_grad(np.isnan)
isinf = _no_grad(np.isinf)
isfinite = _no_grad(np.isfinite)
isposinf = _no_grad(np.isposinf)
isneginf = _no_grad(np.isneginf)
signbit = _no_grad(np.signbit)
eq = _no_grad(np.equal)
ne = not_equal = _no_grad(np.not_equal)
lt = less = _no_grad(np.less)
le = less_equal = _no_grad(np.less_equal)
gt = greater = _no_grad(np.greater)
ge = greater_equal = _no_grad(np.greater_equal)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(np.isclose(_to_array(input), _to_array(other), rtol, atol, equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(_to_array(input), _to_array(other), rtol, atol, equal_nan))


def equal(input, other):
    """True if both have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input.array, other.array))


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError(f"is_nonzero: expected a tensor of one element, got shape "
                           f"{tuple(input.shape)}")
    return bool(input.array.reshape(()))

