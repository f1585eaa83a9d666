"""Elementwise primitives. Each backward rule sits beside its forward; binary ops broadcast,
so their gradients are summed back to each input's shape by ``unbroadcast``. A forward saves
only what the backward will read (ctx.needs_grad is known by then), as PyTorch does: an array
that is not saved may change in place before backward."""

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
        need_a, need_b = ctx.needs_grad
        ctx.shapes = a.shape, b.shape
        ctx.save(a if need_b else None, b if need_a else None)  # each gradient reads the other
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        a_shape, b_shape = ctx.shapes
        grad_a = unbroadcast(grad * b, a_shape) if b is not None else None
        grad_b = unbroadcast(grad * a, b_shape) if a is not None else None
        return grad_a, grad_b


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a_shape = a.shape
        ctx.save(a if ctx.needs_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_grad
        grad_a = grad / b
        grad_b = unbroadcast(-grad_a * a / b, b.shape) if need_b else None
        return (unbroadcast(grad_a, ctx.a_shape) if need_a else None), grad_b


class Pow(Function):
    """a ** b; d/da = b a^(b-1), d/db = a^b log a."""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save(a, b, out if ctx.needs_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        need_a, need_b = ctx.needs_grad
        grad_a = grad_b = None
        if need_a:
            slope = b * a ** (b - 1)
            if np.any(b == 0):  # a^0 is constant: slope 0, even at a = 0 (as PyTorch)
                slope = np.where(b == 0, 0, slope)
            grad_a = unbroadcast(grad * slope, a.shape)
        if need_b:  # log a is nan for a < 0 (as PyTorch); 0^b is constant for b >= 0
            grad_b = np.where((a == 0) & (b >= 0), 0, grad * out * np.log(a))
            grad_b = unbroadcast(grad_b, b.shape)
        return grad_a, grad_b


def _binary(name, function, backward):
    """A primitive out = function(a, b) whose backward(grad, a, b) gives both gradients at the
    broadcast shape; each is summed back to its input's shape here."""

    class Binary(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save(a, b)
            return function(a, b)

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved
            grad_a, grad_b = backward(grad, a, b)
            return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)

    Binary.__name__ = Binary.__qualname__ = name
    return Binary


def _maximum_backward(grad, a, b):
    """The larger input takes the gradient, each half of it where they tie (as PyTorch)."""
    share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(grad.dtype)  # a's part
    return grad * share, grad * (1 - share)


# max(a, b) elementwise; the minimum is derived: min(a, b) = -max(-a, -b)
Maximum = _binary("Maximum", np.maximum, _maximum_backward)
# a mod b with b's sign (Python's %), exact from np.remainder; as a - floor(a / b) b its
# derivatives are 1 and -floor(a / b)
Remainder = _binary("Remainder", np.remainder, lambda grad, a, b: (grad, -grad * np.floor(a / b)))


def _unary(name, function, backward, of_output=False):
    """A primitive out = function(a) whose backward(grad, a) is the chain rule grad * f'(a);
    with of_output the rule reads out instead of a. Only the array it reads is kept."""

    class Unary(Function):
        @staticmethod
        def forward(ctx, a):
            out = function(a)
            ctx.save(out if of_output else a)
            return out

        @staticmethod
        def backward(ctx, grad):
            return backward(grad, ctx.saved[0])

    Unary.__name__ = Unary.__qualname__ = name
    return Unary


# name, forward, backward: each derivative beside its function
Neg = _unary("Neg", np.negative, lambda grad, a: -grad)
Exp = _unary("Exp", np.exp, lambda grad, out: grad * out, of_output=True)
Log = _unary("Log", np.log, lambda grad, a: grad / a)
# log(1 + a), exact for tiny a where 1 + a would round to 1
Log1p = _unary("Log1p", np.log1p, lambda grad, a: grad / (1 + a))
Abs = _unary("Abs", np.abs, lambda grad, a: grad * np.sign(a))
Tanh = _unary("Tanh", np.tanh, lambda grad, out: grad * (1 - out * out), of_output=True)
# 1 / (1 + e^-a) overflows for very negative a; the tanh form is stable everywhere
Sigmoid = _unary("Sigmoid", lambda a: 0.5 * (np.tanh(0.5 * a) + 1),
                 lambda grad, out: grad * out * (1 - out), of_output=True)
Relu = _unary("Relu", lambda a: np.maximum(a, 0), lambda grad, out: grad * (out > 0),
              of_output=True)
Sin = _unary("Sin", np.sin, lambda grad, a: grad * np.cos(a))
Cos = _unary("Cos", np.cos, lambda grad, a: -grad * np.sin(a))
# the inverse trigonometric functions: atan' = 1 / (1 + a^2), asin' = 1 / sqrt(1 - a^2) = -acos'
Atan = _unary("Atan", np.arctan, lambda grad, a: grad / (1 + a * a))
Asin = _unary("Asin", np.arcsin, lambda grad, a: grad / np.sqrt(1 - a * a))
Acos = _unary("Acos", np.arccos, lambda grad, a: -grad / np.sqrt(1 - a * a))
# the error function, which GELU is built on: d/da erf(a) = 2/sqrt(pi) exp(-a^2)
Erf = _unary("Erf", erf_array, lambda grad, a: grad * (2 / math.sqrt(math.pi)) * np.exp(-a * a))


class Flat(Function):
    """A piecewise-constant function of a: the Heaviside step, floor, round, sign. Its
    derivative is zero wherever it exists, so no gradient ever flows through it (for the step,
    the M-P neuron's threshold, that is the lesson); the output stays in the graph, as in
    PyTorch."""

    @staticmethod
    def forward(ctx, a, function):
        ctx.shape = a.shape
        return function(a)

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
        grad_a = unbroadcast(np.where(condition, grad, zero), a_shape) if need_a else None
        grad_b = unbroadcast(np.where(condition, zero, grad), b_shape) if need_b else None
        return None, grad_a, grad_b


class Clamp(Function):
    """a clipped to [min, max]; the gradient flows where a is inside, bounds included (as in
    PyTorch): exactly where clipping left a unchanged."""

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        out = np.clip(a, min, max)
        ctx.save(out == a)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


# the snake_case form of each primitive; options by keyword: clamp(a, min=0)
def cast(a, dtype):
    return Cast.apply(a, dtype=dtype)


def flat(a, function):
    return Flat.apply(a, function=function)


def step(a, value_at_zero=0.0):
    """1 where a > 0, 0 where a < 0, value_at_zero at 0."""
    return flat(a, lambda x: np.heaviside(x, value_at_zero).astype(x.dtype, copy=False))


add, mul, div, neg, pow, where = Add.apply, Mul.apply, Div.apply, Neg.apply, Pow.apply, Where.apply
maximum, remainder = Maximum.apply, Remainder.apply
exp, log, log1p, abs, tanh = Exp.apply, Log.apply, Log1p.apply, Abs.apply, Tanh.apply
sigmoid, relu, sin, cos, erf = Sigmoid.apply, Relu.apply, Sin.apply, Cos.apply, Erf.apply
atan, asin, acos = Atan.apply, Asin.apply, Acos.apply
clamp = Clamp.apply
