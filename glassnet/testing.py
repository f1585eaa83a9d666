"""gradcheck: the gradient that backward computes, against central differences, in float64.

With a random cotangent v of the output's shape, the scalar L(x) = sum(f(x) * v) has
dL/dx = J^T v, the vector-Jacobian product that backward computes. Each element of it is also
(L(x + eps e_i) - L(x - eps e_i)) / (2 eps) + O(eps^2): the central difference. Comparing the two
checks every backward rule on the path from the inputs to the output, with no hand derivation.
A random v (rather than ones) keeps errors from cancelling in a sum. The same check is used by
the tests, by `glassnet gradcheck` and by the backprop lesson.
"""

from typing import NamedTuple

import numpy as np

from glassnet import random
from glassnet.autograd import no_grad
from glassnet.nn.module import Module
from glassnet.tensor import Tensor


class GradcheckResult(NamedTuple):
    max_abs_error: float
    max_rel_error: float  # |analytic - numeric| / max(|numeric|, atol)
    ok: bool  # every element within atol + rtol * |numeric|


def _float_tensors(output):
    """The float Tensors in fn's output: a Tensor, or nested tuples of them (LSTM's (y, (h, c)));
    None (attention weights not asked for) and integer results are left out."""
    if isinstance(output, Tensor):
        return [output] if np.issubdtype(output.dtype, np.floating) else []
    if isinstance(output, (tuple, list)):
        return [tensor for item in output for tensor in _float_tensors(item)]
    return []


def _float64_copy(value):
    if isinstance(value, Tensor) and np.issubdtype(value.dtype, np.floating):
        return Tensor._make(value.array.astype(np.float64), value.requires_grad)
    return value


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, rng=None, params=None):
    """Check fn's gradient with respect to every input that requires grad, and to every parameter
    (of fn if it is a Module, or those in params), against central differences in float64.

    fn(*inputs) returns a Tensor or a tuple of Tensors. Float inputs are replaced by float64
    copies; parameters and buffers are switched to float64 copies for the check and restored
    after, so the caller's tensors and modules are left as they were. The cotangent comes from
    rng (glassnet.random's generator when None)."""
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    inputs = [_float64_copy(value) for value in inputs]
    if params is None:
        params = list(fn.parameters()) if isinstance(fn, Module) else []
    params = list(params)
    buffers = list(fn.buffers()) if isinstance(fn, Module) else []
    originals = [(tensor, tensor.array, tensor.grad) for tensor in params + buffers]
    try:
        for tensor in params + buffers:  # copies: running statistics change in training mode
            floating = np.issubdtype(tensor.dtype, np.floating)
            tensor.array = tensor.array.astype(np.float64 if floating else tensor.dtype)
            tensor.grad = None
        checked = [x for x in inputs + params if isinstance(x, Tensor) and x.requires_grad]
        if not checked:
            raise ValueError("gradcheck: no input or parameter requires grad; nothing to check")

        outputs = _float_tensors(fn(*inputs))
        generator = random.generator(rng)
        cotangents = [generator.standard_normal(out.shape) for out in outputs]
        objective = sum((out * v).sum() for out, v in zip(outputs, cotangents))
        if isinstance(objective, Tensor) and objective.requires_grad:
            objective.backward()
        analytic = [np.zeros(x.shape) if x.grad is None else x.grad.array for x in checked]

        def objective_value():
            with no_grad():
                outputs = _float_tensors(fn(*inputs))
                return sum(float((out.array * v).sum()) for out, v in zip(outputs, cotangents))

        numeric = []
        for x in checked:
            grad = np.zeros(x.shape)
            for index in np.ndindex(x.shape):
                value = x.array[index]
                x.array[index] = value + eps
                plus = objective_value()
                x.array[index] = value - eps
                minus = objective_value()
                x.array[index] = value
                grad[index] = (plus - minus) / (2 * eps)
            numeric.append(grad)
    finally:
        for tensor, data, grad in originals:
            tensor.array, tensor.grad = data, grad

    analytic = np.concatenate([a.ravel() for a in analytic])
    numeric = np.concatenate([n.ravel() for n in numeric])
    error = np.abs(analytic - numeric)
    if error.size == 0:
        return GradcheckResult(0.0, 0.0, True)
    return GradcheckResult(
        max_abs_error=float(error.max()),
        max_rel_error=float((error / np.maximum(np.abs(numeric), atol)).max()),
        ok=bool(np.all(error <= atol + rtol * np.abs(numeric))),
    )
