"""Variable-length sequences, as torch.nn.utils.rnn: padding a list of sequences into one
tensor, and packing a padded batch so that a recurrent layer runs each sequence for its own
length only.

A PackedSequence holds the batch time step by time step: `data` is the concatenation, over
t, of the rows of the sequences still running at t (sequences sorted longest first), and
`batch_sizes[t]` says how many rows step t has. nn.RNN, nn.LSTM and nn.GRU accept one and
return one; pad_packed_sequence turns it back into a padded tensor and the lengths. All of it
is indexing and concatenation, so gradients flow through to the original tensors.
"""

from typing import NamedTuple

import numpy as np

from glassnet.creation import cat, full, stack
from glassnet.tensor import Tensor, _to_array, int64


class PackedSequence(NamedTuple):
    data: Tensor  # (sum of lengths, *)
    batch_sizes: Tensor  # (T,) int64: how many sequences are longer than t
    sorted_indices: Tensor | None = None  # batch order of the packing (longest first)
    unsorted_indices: Tensor | None = None  # its inverse

    def to(self, *args, **kwargs):
        return self._replace(data=self[0].to(*args, **kwargs))  # self[0]: the packed data

    @property
    def is_cuda(self):
        return False


def _lengths(lengths, batch):
    values = np.asarray(_to_array(lengths)).astype(np.int64).reshape(-1)
    if values.shape != (batch,):
        raise ValueError(f"pack_padded_sequence: expected {batch} lengths (one per sequence), "
                         f"got {values.shape[0]}")
    if batch and values.min() <= 0:
        raise RuntimeError("pack_padded_sequence: length of all samples has to be greater than "
                           f"0, but found an element in 'lengths' that is <= 0: {values.min()}")
    return values


def _permutation(order):
    return None if order is None else Tensor._make(np.asarray(order, dtype=np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """A list of B tensors (L_i, *) -> (L_max, B, *), or (B, L_max, *) with batch_first, each
    padded with padding_value on the right (or the left)."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0)) if sequences.ndim else [sequences]
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if len(trailing) > 1 or any(s.ndim == 0 for s in sequences):
        raise RuntimeError(f"pad_sequence: every sequence needs the same shape after its first "
                           f"dim, got shapes {[tuple(s.shape) for s in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for sequence in sequences:
        missing = longest - sequence.shape[0]
        if missing:
            fill = full((missing, *sequence.shape[1:]), padding_value, dtype=sequence.dtype)
            parts = [sequence, fill] if padding_side == "right" else [fill, sequence]
            sequence = cat(parts, dim=0)
        padded.append(sequence)
    return stack(padded, dim=0 if batch_first else 1)  # (B, L, *) or (L, B, *)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of pad_sequence: a list of the B sequences, each cut to its length."""
    batch = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    values = np.asarray(_to_array(lengths)).astype(np.int64).reshape(-1)
    return [batch[i, : int(n)] for i, n in enumerate(values)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """(T, B, *) or (B, T, *) padded sequences and their lengths -> a PackedSequence."""
    steps = input if not batch_first else input.transpose(0, 1)  # (T, B, *)
    values = _lengths(lengths, steps.shape[1])
    if enforce_sorted:
        if (np.diff(values) > 0).any():
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in "
                               "decreasing order when `enforce_sorted` is True; pass "
                               "enforce_sorted=False to pack unsorted sequences")
        order = None
    else:
        order = np.argsort(-values, kind="stable")
        steps = steps[:, Tensor._make(order)]
        values = values[order]
    if values[0] > steps.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length {values[0]} exceeds the padded "
                           f"length {steps.shape[0]}")
    batch_sizes = (values[None, :] > np.arange(values[0])[:, None]).sum(1)  # (T,)
    data = cat([steps[t, : int(size)] for t, size in enumerate(batch_sizes)], dim=0)
    inverse = None if order is None else np.argsort(order)
    return PackedSequence(data, Tensor._make(batch_sizes.astype(np.int64)),
                          _permutation(order), _permutation(inverse))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """A PackedSequence -> (padded (T, B, *) or (B, T, *), lengths (B,) int64), in the batch
    order the sequences had before packing."""
    data, batch_sizes = sequence.data, _to_array(sequence.batch_sizes).astype(np.int64)
    batch, steps = int(batch_sizes[0]), len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                             f"length of the longest sequence ({steps}), got {total_length}")
        steps = total_length
    rows, offset = [], 0
    for size in batch_sizes:
        block = data[offset : offset + int(size)]  # (b_t, *)
        offset += int(size)
        if size < batch:
            fill = full((batch - int(size), *data.shape[1:]), padding_value, dtype=data.dtype)
            block = cat([block, fill], dim=0)
        rows.append(block)
    for _ in range(steps - len(batch_sizes)):
        rows.append(full((batch, *data.shape[1:]), padding_value, dtype=data.dtype))
    padded = stack(rows, dim=0)  # (T, B, *), sorted order
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # (B,)
    if sequence.unsorted_indices is not None:
        unsort = _to_array(sequence.unsorted_indices)
        padded = padded[:, Tensor._make(unsort)]
        lengths = lengths[unsort]
    lengths = Tensor._make(lengths.astype(int64))
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pack_sequence(sequences, enforce_sorted=True):
    """A list of tensors (L_i, *) -> a PackedSequence (pad_sequence, then pack)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """A PackedSequence -> the list of its sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
