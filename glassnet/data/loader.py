"""Datasets and the DataLoader, with PyTorch's names and semantics (torch.utils.data).

A Dataset maps an index to one example; a DataLoader draws indices (shuffled per epoch by a
seeded generator), fetches the examples and stacks them into a batch. When the dataset is a
TensorDataset (or a Subset of one) the loader indexes its arrays with the whole batch of indices
at once instead of looping over examples in Python.
"""

import itertools
import math

import numpy as np

from glassnet import random
from glassnet.tensor import Tensor, _to_array


class Dataset:
    """An indexable collection of examples: subclasses define __getitem__ and __len__."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Example i is (tensors[0][i], tensors[1][i], ...); all tensors share their first size."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(_to_array(t))
                             for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [t.shape for t in self.tensors]
            raise ValueError(f"TensorDataset: size mismatch between tensors, got shapes {shapes}; "
                             "every tensor needs the same first size")

    def __getitem__(self, index):
        return tuple(Tensor._make(t.array[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, rng=None):
    """Split into non-overlapping Subsets of the given lengths (ints, or fractions summing to 1:
    floor of each share, the remainder dealt one by one from the first, as PyTorch does)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths):
        if not math.isclose(sum(lengths), 1.0) or min(lengths) < 0:
            raise ValueError(f"random_split: fractions must be >= 0 and sum to 1, got {lengths}")
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n or min(lengths, default=0) < 0:
        raise ValueError(f"random_split: lengths {lengths} must be >= 0 and sum to the dataset's "
                         f"size {n}")
    order = random.generator(rng).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]


def default_collate(batch):
    """Stack a list of examples into one batch, field by field (torch's default_collate):
    Tensors and arrays -> a Tensor with a new first axis; ints -> int64, floats -> float64,
    bools -> bool Tensors; tuples/lists -> a list of collated fields; dicts -> a dict;
    strings -> the list itself."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([example.array for example in batch]))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor._make(np.stack(batch))
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, dict):
        return {key: default_collate([example[key] for example in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(example) != len(first) for example in batch):
            raise RuntimeError("default_collate: each example in a batch must have the same "
                               f"number of fields, got {sorted({len(e) for e in batch})}")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch examples of type {type(first).__name__}; "
                    "expected Tensor, ndarray, int, float, bool, str, tuple, list or dict")


def _tensor_source(dataset):
    """(arrays, index map) when batches can be cut straight from arrays, else None."""
    if isinstance(dataset, TensorDataset):
        return [t.array for t in dataset.tensors], None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is not None:
            arrays, mapping = inner
            return arrays, dataset.indices if mapping is None else mapping[dataset.indices]
    return None


class DataLoader:
    """Iterate over a dataset in batches.

    shuffle: a new permutation each epoch, drawn from `rng` (a numpy Generator or an int seed;
    the same seed gives the same sequence of epochs) or, when rng is None, from glassnet's global
    generator at the time the epoch starts. drop_last drops a final batch smaller than
    batch_size. batch_size=None yields single examples, uncollated, as in PyTorch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, rng=None,
                 collate_fn=None):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer, "
                             f"got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        # an int seed becomes one Generator here, so each epoch continues its stream
        self.rng = None if rng is None else random.generator(rng)

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return random.generator(self.rng).permutation(n)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        source = None if self.collate_fn else _tensor_source(self.dataset)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            if source is not None:
                arrays, mapping = source
                rows = indices if mapping is None else mapping[indices]
                yield [Tensor._make(array[rows]) for array in arrays]
            else:
                batch = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(batch)
