"""Gradient clipping: rescale or clamp gradients in place before the optimizer step.

clip_grad_norm_ treats all gradients as one long vector and, if its p-norm exceeds max_norm,
scales them all by max_norm / norm, so the step keeps its direction but not its length (Pascanu
et al., "On the difficulty of training recurrent neural networks", ICML 2013).
"""

import math

import numpy as np

from glassnet.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [param.grad.array for param in parameters if param.grad is not None]


def _norm(array, norm_type):
    if math.isinf(norm_type):
        reduce = np.max if norm_type > 0 else np.min
        return reduce(np.abs(array)) if array.size else np.zeros((), array.dtype)
    return np.linalg.norm(array.ravel(), ord=norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale gradients so their total norm is at most max_norm; return the norm before clipping.

    total = ||(||g_1||_p, ..., ||g_n||_p)||_p;  each g *= min(1, max_norm / (total + 1e-6)).
    foreach (a PyTorch speed option) is accepted and has no effect.
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor(0.0)
    dtype = np.result_type(*grads)
    norms = np.array([_norm(grad, norm_type) for grad in grads], dtype=dtype)
    total = np.asarray(_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
            "so it cannot be clipped; set error_if_nonfinite=False to scale by it anyway"
        )
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    for grad in grads:
        grad *= coefficient
    return Tensor._make(total)  # in the gradients' dtype, as PyTorch


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place (foreach: as above)."""
    clip_value = float(clip_value)
    for grad in _grads(parameters):
        np.clip(grad, -clip_value, clip_value, out=grad)
