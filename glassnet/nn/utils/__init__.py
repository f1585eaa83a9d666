"""gn.nn.utils, PyTorch's torch.nn.utils: gradient clipping (clip_grad.py), parameters as one
vector (convert_parameters.py) and the helpers for variable-length sequences (rnn.py:
pad_sequence, pack_padded_sequence, ...)."""

from glassnet.nn.utils import rnn
from glassnet.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from glassnet.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "rnn",
           "vector_to_parameters"]
