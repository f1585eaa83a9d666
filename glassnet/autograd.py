"""Reverse-mode automatic differentiation: Function, Context, grad mode, the version counter
and the graph walk.

A primitive is a subclass of Function with two static methods on raw NumPy arrays:
``forward(ctx, *arrays, **options) -> array`` and ``backward(ctx, grad) -> one gradient per
array input`` (None where an input needs none). ``Function.apply`` runs forward and, when any
input requires a gradient, records a Context: the result's node in the graph, pointing back at
the nodes of the inputs. ``backward`` walks those nodes from the output to the leaves in reverse
topological order, without recursion. Before a node's backward runs, each array its forward
saved is checked against its tensor's version: an in-place change since (``w.add_(1)`` between
forward and backward) raises PyTorch's error instead of giving a wrong gradient.
"""

import contextlib
import threading

import numpy as np


class _GradMode(threading.local):
    enabled = True  # each thread starts recording; a class default is faster than getattr's


_state = _GradMode()
# set for good by the first in-place change in the graph (or detach_()): until then no view's
# base can have changed its history, and apply() need not look for stale views
histories_rewritten = False
hooks = {}  # id(node) -> {key: hook}: Tensor.register_hook's (functional/hooks.py keeps it)


def is_grad_enabled():
    return _state.enabled


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


def inference_mode(mode=True):
    """torch.inference_mode: glassnet's no_grad (it has no tensors of a separate kind for
    inference); ``with``, ``@gn.inference_mode()`` and ``@gn.inference_mode`` alike."""
    return _grad_mode(False)(mode) if callable(mode) else _grad_mode(not mode)


def Variable(data, requires_grad=False, volatile=False):
    """PyTorch before 0.4 wrapped tensors in Variables; a Variable is now the tensor itself."""
    return data.requires_grad_() if requires_grad else data


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


class VersionCounter:
    """How many in-place changes a tensor's memory has seen. Views and detach() share their
    source's counter (they share its memory); .data gets a fresh one, so changes made through
    .data go unseen, as in PyTorch."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Context:
    """A node of the graph: the op that made a tensor, what its forward left for its backward
    (saved arrays, options), and the nodes of its inputs. A node is a Context, or a leaf
    tensor that requires grad (where the gradient lands); edges join nodes, not tensors, so an
    in-place op can give a tensor a new node while the nodes recorded before keep the old."""

    __slots__ = ("__dict__", "__weakref__", "fn", "needs_grad", "out_shape", "parents",
                 "versions")
    saved = ()  # the arrays forward saved for backward (ctx.save)
    retained = None  # a weak reference to the tensor retain_grad() keeps the gradient of

    def save(self, *arrays):
        self.saved = arrays


class Function:
    view = False  # True where the output may be a view of the first input's memory

    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        """Run forward on the inputs' arrays; record the graph edge if a gradient is needed.
        ctx.needs_grad is set first, so a forward can save only what its backward will read."""
        enabled = _state.enabled
        if enabled and histories_rewritten:  # a view whose base changed its history takes it
            for t in inputs:
                view = t._view_of
                if view is not None and view[0]._ctx is not view[2]:
                    t._refresh()
        ctx = Context()
        ctx.needs_grad = needs_grad = tuple([t.requires_grad for t in inputs])
        arrays = [t.array for t in inputs]
        try:
            out = cls.forward(ctx, *arrays, **options)
        except ValueError as error:  # NumPy's broadcasting error names neither op nor rule
            shapes = [t.shape for t in inputs]
            if "broadcast" in str(error) and _broadcast(*shapes) is None:
                raise RuntimeError(f"{cls.__name__}: input shapes {', '.join(map(str, shapes))} "
                                   f"do not broadcast (from the last dim, each pair of sizes "
                                   f"must be equal or one of them 1)") from error
            raise
        needs = True in needs_grad and enabled
        result = _tensor.Tensor._make(out, needs)
        if cls.view and np.may_share_memory(out, arrays[0]):  # one memory, one version
            _tensor.Tensor._as_view(result, inputs[0], cls, options)
        if needs:
            ctx.fn = cls
            ctx.parents = tuple([t._ctx if t._ctx is not None else t if t.requires_grad else None
                                 for t in inputs])  # each input's node (Tensor._node)
            ctx.out_shape = out.shape
            ctx.versions = _versions(ctx.saved, inputs, result) if ctx.saved else ()
            result._ctx = ctx
        return result


def _versions(saved, inputs, result):
    """What backward checks: for every saved array that is an input's own, (the input, its
    version now, the array); for the output's own, (its counter, 0, the array): the counter,
    not the output, which holds this node."""
    checks = []
    for array in saved:
        if array is None:
            continue
        for t in inputs:
            if array is t.array:
                counter = t._version_counter  # none yet: version 0
                checks.append((t, counter.value if counter else 0, array))
                break
        else:
            if array is result.array:
                checks.append((result._counter(), 0, array))
    return checks


def _check_versions(ctx):
    """PyTorch's error if a saved array changed in place since: it names the tensor by the
    node that made it (an input's present one; for an output, this node)."""
    for holder, version, array in ctx.versions:
        output = isinstance(holder, VersionCounter)
        now = holder.value if output else holder._version
        if now != version:
            maker = ctx if output else holder._ctx
            made_by = "" if maker is None else f", which is output 0 of {maker.fn.__name__}"
            raise RuntimeError(f"one of the variables needed for gradient computation has been "
                               f"modified by an inplace operation: [glassnet."
                               f"{_tensor.type_name(array.dtype)} {list(array.shape)}]{made_by}, "
                               f"is at version {now}; expected version {version} instead. "
                               f"Hint: {ctx.fn.__name__} saved it in the forward pass; change "
                               f"it after backward(), or change a copy (clone()).")


def _broadcast(*shapes):
    """The shape the shapes broadcast to, or None if they do not."""
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
    """Every node that leads to root, inputs before outputs (depth first, without recursion)."""
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
        if isinstance(node, Context) and node.parents is not None:
            for parent in node.parents:
                if parent is not None and id(parent) not in seen:
                    stack.append((parent, False))
    return order


def _accumulate(tensor, grad, taken):
    """Add grad into tensor.grad. A fresh array this pass made becomes .grad as it is; a view,
    or an array another tensor already took (one gradient can reach two leaves), is copied."""
    grad = grad.astype(tensor.dtype, copy=False)
    if tensor.grad is None:
        if id(grad) in taken or not (grad.flags.owndata and grad.flags.writeable):
            grad = grad.copy()
        taken.add(id(grad))
        tensor.grad = _tensor.Tensor._make(grad, False)
    else:
        tensor.grad.array = tensor.grad.array + grad


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) into every leaf's .grad (and retained intermediates')."""
    if root._view_of is not None and is_grad_enabled():
        root._refresh()
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no grad_fn; did "
                           "you compute it under no_grad or from tensors without "
                           "requires_grad=True?")
    if gradient is None:
        if root.array.size != 1:
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                               f"outputs, got shape {root.shape}; pass gradient= of that shape")
        gradient = np.ones_like(root.array)
    else:
        gradient = np.array(getattr(gradient, "array", gradient), dtype=root.dtype)
        if gradient.shape != root.shape:
            raise RuntimeError(f"backward: gradient has shape {gradient.shape}, "
                               f"expected {root.shape}")
    start = root._node()
    grads, taken = {id(start): gradient}, set()
    # a gradient at a singular point (sqrt or log at 0) is inf or nan, as in PyTorch: no warnings
    with np.errstate(divide="ignore", invalid="ignore"):
        for node in reversed(_topological_order(start)):
            grad = grads.pop(id(node), None)
            if grad is None:
                continue
            for hook in tuple(hooks.get(id(node), {}).values()) if hooks else ():
                changed = hook(_tensor.Tensor._make(grad))  # a hook may change the gradient
                grad = grad if changed is None else np.asarray(changed.array, grad.dtype)
            if not isinstance(node, Context):  # a leaf: the gradient lands
                _accumulate(node, grad, taken)
                continue
            if node.retained is not None and node.retained() is not None:  # retain_grad()
                _accumulate(node.retained(), grad, taken)
            if node.parents is None:
                raise RuntimeError("backward: trying to backward through the graph a second "
                                   "time; its saved values were freed. Pass retain_graph=True "
                                   "to the first backward to keep them.")
            if node.versions:
                _check_versions(node)
            input_grads = node.fn.backward(node, grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for parent, parent_grad in zip(node.parents, input_grads):
                if parent is None or parent_grad is None:
                    continue
                shape = parent.out_shape if isinstance(parent, Context) else parent.array.shape
                if parent_grad.shape != shape:
                    raise RuntimeError(f"{node.fn.__name__}.backward returned a gradient of "
                                       f"shape {parent_grad.shape} for an input of shape {shape}")
                previous = grads.get(id(parent))
                grads[id(parent)] = parent_grad if previous is None else previous + parent_grad
            if not retain_graph:
                node.parents = None
                node.saved = node.versions = None


# Last, because tensor.py imports this module: Tensor is looked up through it at call time.
from glassnet import tensor as _tensor
