"""Datasets with PyTorch's names and semantics (torch.utils.data.dataset).

A map-style Dataset answers dataset[i] with one example and len(dataset) with its size; an
IterableDataset is a stream, read by iterating it. TensorDataset, Subset and ConcatDataset
combine others; random_split deals a dataset's indices into non-overlapping Subsets.
"""

import bisect
import itertools
import math
import warnings

import numpy as np

from glassnet import random
from glassnet.tensor import Tensor, _to_array


class Dataset:
    """An indexable collection of examples: subclasses define __getitem__ (and __len__, which
    the samplers need). `a + b` concatenates two datasets."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ (Subclasses of "
                                  "Dataset should implement __getitem__)")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of examples: subclasses define __iter__. A DataLoader reads it in order (no
    sampler, no shuffle) and groups consecutive examples into batches."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Example i is (tensors[0][i], tensors[1][i], ...); all tensors share their first size."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(_to_array(t))
                             for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [tuple(t.shape) for t in self.tensors]
            raise ValueError(f"TensorDataset: size mismatch between tensors, got shapes {shapes}; "
                             "every tensor needs the same first size")

    def __getitem__(self, index):
        return tuple(Tensor._make(_to_array(t)[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """The examples of each dataset in turn; cumulative_sizes[i] is where datasets[i] ends."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use "
                                "ChainDataset to chain streams")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: index {index} is out of range for "
                                 f"{len(self)} examples")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} "
                             "examples")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """The streams of several IterableDatasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset, got "
                                f"{type(dataset).__name__}")
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order (indices kept as given)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def _split_lengths(lengths, n):
    """Fractions (summing to 1) as counts: the floor of each share, the remainder dealt one by
    one from the first split, as PyTorch does; counts are returned as they are."""
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, "
                                 f"got {fraction}")
            counts.append(math.floor(n * fraction))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this might "
                              "result in an empty dataset", stacklevel=3)
        return counts
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions that sum "
                         f"to 1, got {lengths}")
    return [int(x) for x in lengths]


def random_split(dataset, lengths, generator=None, *, rng=None):
    """Split into non-overlapping Subsets of the given lengths: ints that sum to len(dataset),
    or fractions that sum to 1. The order is one permutation drawn from `generator` (a NumPy
    Generator, gn.Generator or int seed; glassnet's global one when None). rng is glassnet's
    older name for generator."""
    if generator is not None and rng is not None:
        raise TypeError("random_split: pass generator= or rng=, not both")
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    if sum(counts) != n:
        raise ValueError(f"random_split: the lengths {counts} must sum to the length of the "
                         f"dataset, {n} (Sum of input lengths does not equal the length of the "
                         "input dataset!)")
    order = random.generator(generator if rng is None else rng).permutation(n).tolist()
    bounds = list(itertools.accumulate(counts, initial=0))
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]
