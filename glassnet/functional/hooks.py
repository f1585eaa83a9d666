"""Tensor.register_hook and torch.autograd.grad, composed on the graph walk of autograd.py.

A hook is a function of a tensor's gradient that backward calls when that gradient is complete
(summed over every path), before it lands in .grad or flows on; what it returns, if not None,
replaces the gradient. ``autograd.grad(outputs, inputs)`` returns the gradients of outputs with
respect to inputs instead of adding them to .grad: it runs the same backward with a hook on each
input that records its gradient, and puts back every .grad the walk touched.
"""

import weakref

import numpy as np

from glassnet import autograd
from glassnet.tensor import Tensor


class RemovableHandle:
    """What a register_*hook returns: handle.remove() takes the hook away."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


class _TensorHookHandle(RemovableHandle):
    """Removing a node's last hook takes its entry out of the table: while the table is empty,
    backward does not look into it."""

    def __init__(self, hooks, key, node_id):
        super().__init__(hooks, key)
        self.node_id = node_id

    def remove(self):
        super().remove()
        if not self.hooks and autograd.hooks.get(self.node_id) is self.hooks:
            del autograd.hooks[self.node_id]


def _forget(node_id, hooks):
    if autograd.hooks.get(node_id) is hooks:
        del autograd.hooks[node_id]


def _add_hook(node, hook):
    """hook for node's gradient; the table's entry goes when the node does (ids are reused)."""
    hooks = autograd.hooks.get(id(node))
    if hooks is None:
        hooks = autograd.hooks[id(node)] = {}
        weakref.finalize(node, _forget, id(node), hooks)
    key = object()
    hooks[key] = hook
    return _TensorHookHandle(hooks, key, id(node))


def register_hook(self, hook):
    """hook(grad) -> None or a new gradient, called when backward has this tensor's gradient."""
    if not self.requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                           "require gradient")
    return _add_hook(self._node(), hook)


def _as_list(tensors, name):
    if isinstance(tensors, Tensor):
        return [tensors]
    tensors = list(tensors)
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"grad: {name} must be a tensor or a sequence of tensors")
    return tensors


def _root(outputs, grad_outputs):
    """One tensor whose backward sends each output its grad_output: the output itself for one,
    else the sum of (output * grad_output).sum(), whose gradient is exactly grad_output."""
    gradients = [None] * len(outputs) if grad_outputs is None else _grad_outputs(grad_outputs)
    if len(gradients) != len(outputs):
        raise RuntimeError(f"grad: got {len(outputs)} outputs and {len(gradients)} grad_outputs")
    for i, (output, gradient) in enumerate(zip(outputs, gradients)):
        if not output.requires_grad:
            raise RuntimeError(f"grad: element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if gradient is None and output.numel() != 1:
            raise RuntimeError(f"grad: grad can be implicitly created only for scalar outputs "
                               f"(output {i} has shape {tuple(output.shape)})")
    if len(outputs) == 1:
        return outputs[0], gradients[0]
    terms = [output.sum() if gradient is None else (output * gradient).sum()
             for output, gradient in zip(outputs, gradients)]
    root = terms[0]
    for term in terms[1:]:
        root = root + term
    return root, None


def _grad_outputs(grad_outputs):
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        return [grad_outputs]
    return [g if g is None or isinstance(g, Tensor) else Tensor._make(np.asarray(g))
            for g in grad_outputs]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients of outputs with respect to inputs, as a tuple; no
    .grad changes. create_graph=True (a graph of the gradients, for gradients of gradients) is
    not available: glassnet's primitives compute their backward in NumPy, outside the graph."""
    if create_graph:
        raise NotImplementedError("grad: create_graph=True (higher-order gradients) is not "
                                  "available in glassnet: each primitive's backward is NumPy code "
                                  "that records no graph")
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not available in glassnet")
    inputs = _as_list(inputs, "inputs")
    for i, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: input {i} (one of the differentiated Tensors) does not "
                               "require grad")
    root, gradient = _root(_as_list(outputs, "outputs"), grad_outputs)
    found = {}
    handles = [_add_hook(tensor._node(), lambda g, i=i: found.__setitem__(i, g.array))
               for i, tensor in enumerate(inputs)]
    order = autograd._topological_order(root._node())
    leaves = [node for node in order if isinstance(node, Tensor)]
    kept = [node.retained() for node in order if getattr(node, "retained", None) is not None]
    saved = [(t, t.grad) for t in leaves + [t for t in kept if t is not None]]
    try:
        for tensor, _ in saved:
            tensor.grad = None
        root.backward(gradient, retain_graph=bool(retain_graph))
    finally:
        for handle in handles:
            handle.remove()
        for tensor, previous in saved:
            tensor.grad = previous
    return tuple(_gradient(found.get(i), tensor, i, allow_unused, materialize_grads)
                 for i, tensor in enumerate(inputs))


def _gradient(array, tensor, i, allow_unused, materialize_grads):
    if array is not None:
        return Tensor._make(np.array(array, dtype=tensor.dtype))
    if materialize_grads:
        return Tensor._make(np.zeros(tensor.shape, tensor.dtype))
    if not allow_unused:
        raise RuntimeError(f"grad: input {i} (one of the differentiated Tensors) appears to not "
                           "have been used in the graph. Set allow_unused=True if this is the "
                           "desired behavior.")
    return None
