"""bilinear and embedding_bag, with torch.nn.functional's names, composed of products,
lookups and index_add."""

import numpy as np

from glassnet.creation import stack, zeros
from glassnet.functional import _indices, embedding
from glassnet.functional.products import einsum
from glassnet.functional.selection import index_add
from glassnet.tensor import Tensor, _to_array


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k for weight (out, in1, in2); inputs (*, in1) and (*, in2)."""
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or \
            input2.shape[-1] != weight.shape[2] or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear: expected inputs (*, {weight.shape[1]}) and "
                           f"(*, {weight.shape[2]}) for weight {tuple(weight.shape)}, got "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


MODES = ("sum", "mean", "max")


def _bags(indices, offsets, include_last_offset, op):
    """(flat indices, the bag of each, the number of bags) of a 2-D input (one bag a row) or
    a 1-D input cut at offsets."""
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None when the input is 2-D (one bag a row)")
        rows, size = indices.shape
        return indices.reshape(-1), np.repeat(np.arange(rows), size), rows
    if indices.ndim != 1 or offsets is None:
        raise ValueError(f"{op}: expected a 2-D input, or a 1-D input with 1-D offsets")
    starts = _to_array(offsets).astype(np.int64)
    if starts.ndim != 1 or (starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0))):
        raise ValueError(f"{op}: offsets must be 1-D, start at 0 and not decrease, got "
                         f"{starts.tolist()}")
    ends = np.append(starts[1:], len(indices))
    if include_last_offset:
        starts, ends = starts[:-1], starts[1:]
    bags = np.repeat(np.arange(len(starts)), ends - starts)
    return indices[:len(bags)], bags, len(starts)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """The sum, mean or max of each bag's rows of weight: (bags, embedding_dim). A bag is a
    row of a 2-D input or a run of a 1-D input starting at each offset; padding_idx entries
    are left out, an empty bag gives zeros; per_sample_weights scale the rows (mode "sum")."""
    op = "embedding_bag"
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {MODES}, got {mode!r}")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: max_norm, scale_grad_by_freq and sparse are not "
                                  "implemented")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{op}: per_sample_weights only with mode='sum' (as PyTorch)")
    flat, bags, count = _bags(_indices(input, op), offsets, include_last_offset, op)
    keep = np.ones(len(flat), bool)
    if padding_idx is not None:
        keep = flat != padding_idx % weight.shape[0]
    rows = embedding(Tensor._make(flat[keep]), weight)  # (kept, D)
    if per_sample_weights is not None:
        scale = per_sample_weights.reshape(-1)[Tensor._make(np.flatnonzero(keep))]
        rows = rows * scale.unsqueeze(-1)
    out = zeros(count, weight.shape[1], dtype=weight.dtype)
    if mode == "max":
        return stack([rows[Tensor._make(bags[keep] == b)].max(0).values
                      if np.any(bags[keep] == b) else out[b] for b in range(count)])
    out = index_add(out, 0, Tensor._make(bags[keep]), rows)
    if mode == "mean":
        sizes = np.bincount(bags[keep], minlength=count).clip(1, None)
        out = out / Tensor._make(sizes.astype(weight.dtype)).unsqueeze(-1)
    return out
