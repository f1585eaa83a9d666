"""Reverse-mode automatic differentiation: Function, Context, grad mode and the graph walk.

A primitive is a subclass of Function with two static methods on raw NumPy arrays:
``forward(ctx, *arrays, **options) -> array`` and ``backward(ctx, grad) -> one gradient per
array input`` (None where an input needs none). ``Function.apply`` runs forward and, when any
input requires a gradient, records a Context that points back at the inputs. ``backward`` walks
those records from the output to the leaves in reverse topological order, without recursion.
"""

import contextlib
import threading

import numpy as np

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def _grad_mode(mode):
    """Recording switched to mode inside a with block, or inside every call of a decorated
    function (a contextmanager is also a decorator); the previous mode comes back after."""
    previous = is_grad_enabled()
    _state.enabled = mode
    try:
        yield
    finally:
        _state.enabled = previous


def no_grad(fn=None):
    """``with gn.no_grad():`` runs without recording a graph (evaluation, optimizer steps);
    ``@gn.no_grad`` and ``@gn.no_grad()`` decorate a function."""
    return _grad_mode(False) if fn is None else _grad_mode(False)(fn)


def enable_grad(fn=None):
    return _grad_mode(True) if fn is None else _grad_mode(True)(fn)


class set_grad_enabled:
    """Turn recording on or off: a plain call switches at once, as in PyTorch; as a context
    manager or a decorator the previous mode comes back after."""

    def __init__(self, mode):
        self.previous, self.mode = is_grad_enabled(), bool(mode)
        _state.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled = self.previous

    def __call__(self, fn):
        self.__exit__()  # as a decorator, the mode changes only inside fn
        return _grad_mode(self.mode)(fn)


class Context:
    """What a Function's forward leaves for its backward: saved arrays and options."""

    __slots__ = ("__dict__", "fn", "needs_grad", "parents", "saved")

    def save(self, *arrays):
        self.saved = arrays


class Function:
    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        """Run forward on the inputs' arrays; record the graph edge if a gradient is needed."""
        ctx = Context()
        try:
            out = cls.forward(ctx, *[t.data for t in inputs], **options)
        except ValueError as error:  # NumPy's broadcasting error names neither op nor rule
            shapes = [t.shape for t in inputs]
            if "broadcast" in str(error) and _broadcasts(shapes) is None:
                raise RuntimeError(f"{cls.__name__}: input shapes {', '.join(map(str, shapes))} "
                                   f"do not broadcast (from the last dim, each pair of sizes "
                                   f"must be equal or one of them 1)") from error
            raise
        needs_grad = tuple([t.requires_grad for t in inputs])
        needs = True in needs_grad and is_grad_enabled()
        result = _tensor.Tensor._make(out, needs)
        if needs:
            ctx.fn = cls
            ctx.parents = inputs
            ctx.needs_grad = needs_grad
            result._ctx = ctx
        return result


def _broadcasts(shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def unbroadcast(grad, shape):
    """Sum a gradient back to the shape of an input that was broadcast to grad.shape."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _topological_order(root):
    """Every tensor that needs a gradient and leads to root, inputs before outputs."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None and ctx.parents is not None:
            for parent in ctx.parents:
                if parent.requires_grad and id(parent) not in seen:
                    stack.append((parent, False))
    return order


def _accumulate(tensor, grad, taken):
    """Add grad into tensor.grad. A fresh array this pass made becomes .grad as it is; a view,
    or an array another tensor already took (one gradient can reach two leaves), is copied."""
    grad = grad.astype(tensor.data.dtype, copy=False)
    if tensor.grad is None:
        if id(grad) in taken or not (grad.flags.owndata and grad.flags.writeable):
            grad = grad.copy()
        taken.add(id(grad))
        tensor.grad = _tensor.Tensor._make(grad, False)
    else:
        tensor.grad.data = tensor.grad.data + grad


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) into every leaf's .grad (and retained intermediates')."""
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no grad_fn; did "
                           "you compute it under no_grad or from tensors without "
                           "requires_grad=True?")
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                               f"outputs, got shape {root.shape}; pass gradient= of that shape")
        gradient = np.ones_like(root.data)
    else:
        gradient = np.array(getattr(gradient, "data", gradient), dtype=root.data.dtype)
        if gradient.shape != root.shape:
            raise RuntimeError(f"backward: gradient has shape {gradient.shape}, "
                               f"expected {root.shape}")
    grads, taken = {id(root): gradient}, set()
    # a gradient at a singular point (sqrt or log at 0) is inf or nan, as in PyTorch: no warnings
    with np.errstate(divide="ignore", invalid="ignore"):
        for node in reversed(_topological_order(root)):
            grad = grads.pop(id(node), None)
            if grad is None:
                continue
            ctx = node._ctx
            if ctx is None or node._retain:
                _accumulate(node, grad, taken)
            if ctx is None:
                continue
            if ctx.parents is None:
                raise RuntimeError("backward: trying to backward through the graph a second "
                                   "time; its saved values were freed. Pass retain_graph=True "
                                   "to the first backward to keep them.")
            input_grads = ctx.fn.backward(ctx, grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for parent, needs, parent_grad in zip(ctx.parents, ctx.needs_grad, input_grads):
                if not needs or parent_grad is None:
                    continue
                if parent_grad.shape != parent.data.shape:
                    raise RuntimeError(f"{ctx.fn.__name__}.backward returned a gradient of "
                                       f"shape {parent_grad.shape} for an input of shape "
                                       f"{parent.data.shape}")
                previous = grads.get(id(parent))
                grads[id(parent)] = parent_grad if previous is None else previous + parent_grad
            if not retain_graph:
                ctx.parents = None
                ctx.saved = None


# Last, because tensor.py imports this module: Tensor is looked up through it at call time.
from glassnet import tensor as _tensor
