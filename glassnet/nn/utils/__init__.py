"""gn.nn.utils, PyTorch's torch.nn.utils: gradient clipping (clip_grad.py) and the helpers for
variable-length sequences (rnn.py: pad_sequence, pack_padded_sequence, ...)."""

from glassnet.nn.utils import rnn
from glassnet.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]
