"""parameters_to_vector and vector_to_parameters, as torch.nn.utils' (convert_parameters.py):
every parameter flattened into one vector, and back."""

from glassnet.creation import cat
from glassnet.tensor import Tensor


def parameters_to_vector(parameters):
    """One 1-D tensor of all the parameters' values, in order (in the graph: its gradient
    reaches each parameter)."""
    return cat([param.reshape(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Give the parameters, in order, consecutive slices of vec as their values: each becomes
    a view of its slice, outside the graph, as PyTorch's `param.data = vec[...]` does."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got "
                        f"{type(vec).__name__}")
    if vec.ndim != 1:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector, got shape "
                           f"{tuple(vec.shape)}")
    start = 0
    for param in parameters:
        count = param.numel()
        if start + count > vec.numel():
            raise RuntimeError(f"vector_to_parameters: vec has {vec.numel()} values, fewer than "
                               "the parameters hold")
        param.array = vec.array[start:start + count].reshape(param.shape).astype(param.dtype,
                                                                                copy=False)
        start += count
