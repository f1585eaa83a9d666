"""Elementwise primitives. Each backward rule sits beside its forward; binary ops broadcast,
so their gradients are summed back to each input's shape by ``unbroadcast``."""

import math

import numpy as np

from glassnet.autograd import Function, unbroadcast
from glassnet.ops._erf import erf_array


class Cast(Function):
    """Change the float precision; the gradient comes back in the input's precision."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        return unbroadcast(grad, a_shape), unbroadcast(grad, b_shape)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_grad
        return (
            unbroadcast(grad * b, a.shape) if need_a else None,
            unbroadcast(grad * a, b.shape) if need_b else None,
        )


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_grad
        grad_a = grad / b
        return (
            unbroadcast(grad_a, a.shape) if need_a else None,
            unbroadcast(-grad_a * a / b, b.shape) if need_b else None,
        )


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """a ** b; d/da = b a^(b-1), d/db = a^b log a."""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        need_a, need_b = ctx.needs_grad
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(grad * b * a ** (b - 1), a.shape)
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
            grad_b = unbroadcast(grad * out * log_a, b.shape)
        return grad_a, grad_b


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.saved[0]


class Log1p(Function):
    """log(1 + a), exact for tiny a where log(1 + a) would round 1 + a to 1."""

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / (1 + ctx.saved[0])


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sign(ctx.saved[0])


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad * (1 - out * out)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        # 1 / (1 + e^-a) overflows for very negative a; tanh form is stable everywhere
        out = 0.5 * (np.tanh(0.5 * a) + 1)
        ctx.save(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad * out * (1 - out)


class Relu(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.saved[0] > 0)


class Sin(Function):
    """d/da sin a = cos a; cos is composed as sin(a + pi/2)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.cos(ctx.saved[0])


class Erf(Function):
    """The error function; d/da erf(a) = 2/sqrt(pi) exp(-a^2). GELU is built on it."""

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return erf_array(a)

    @staticmethod
    def backward(ctx, grad):
        a = ctx.saved[0]
        return grad * (2 / math.sqrt(math.pi)) * np.exp(-a * a)


class Step(Function):
    """Heaviside step: 1 where a > 0, else 0 (``value_at_zero`` at 0). Its derivative is zero
    everywhere it exists, so no gradient ever flows through it: that is the lesson."""

    @staticmethod
    def forward(ctx, a, value_at_zero=0.0):
        ctx.shape = a.shape
        out = (a > 0).astype(a.dtype)
        out[a == 0] = value_at_zero
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.zeros(ctx.shape, dtype=grad.dtype)


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save(condition)
        ctx.shapes = a.shape, b.shape
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition = ctx.saved[0]
        a_shape, b_shape = ctx.shapes
        _, need_a, need_b = ctx.needs_grad
        zero = np.zeros((), dtype=grad.dtype)
        return (
            None,
            unbroadcast(np.where(condition, grad, zero), a_shape) if need_a else None,
            unbroadcast(np.where(condition, zero, grad), b_shape) if need_b else None,
        )


class Clamp(Function):
    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.save(a)
        ctx.bounds = min, max
        return np.clip(a, min, max)

    @staticmethod
    def backward(ctx, grad):
        a = ctx.saved[0]
        low, high = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return grad * inside


def cast(a, dtype):
    return Cast.apply(a, dtype=dtype)


def add(a, b):
    return Add.apply(a, b)


def mul(a, b):
    return Mul.apply(a, b)


def div(a, b):
    return Div.apply(a, b)


def neg(a):
    return Neg.apply(a)


def pow(a, b):
    return Pow.apply(a, b)


def exp(a):
    return Exp.apply(a)


def log(a):
    return Log.apply(a)


def log1p(a):
    return Log1p.apply(a)


def abs(a):
    return Abs.apply(a)


def tanh(a):
    return Tanh.apply(a)


def sigmoid(a):
    return Sigmoid.apply(a)


def relu(a):
    return Relu.apply(a)


def sin(a):
    return Sin.apply(a)


def erf(a):
    return Erf.apply(a)


def step(a, value_at_zero=0.0):
    return Step.apply(a, value_at_zero=value_at_zero)


def where(condition, a, b):
    return Where.apply(condition, a, b)


def clamp(a, min=None, max=None):
    return Clamp.apply(a, min=min, max=max)
