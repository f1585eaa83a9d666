"""Samplers with PyTorch's names and semantics (torch.utils.data.sampler): each says in which
order a DataLoader reads a map-style dataset's examples, or (BatchSampler) how it groups them.

Randomness comes from the sampler's `generator` (a NumPy Generator, a gn.Generator or an int
seed), or from glassnet's global generator when it is None, at the moment an epoch starts;
the same seed gives the same epochs. The numbers differ from PyTorch's (another generator).
Samplers that know a whole epoch's order up front also give it as one array (`_order()`),
so the DataLoader can cut batches without a Python loop over examples.
"""

import numpy as np

from glassnet import random
from glassnet.tensor import _to_array


def _generator(generator):
    """A Generator to keep (an int seed becomes one, so epochs continue its stream)."""
    return None if generator is None else random.generator(generator)


def _positive_int(value, name, owner):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got "
                         f"{name}={value!r}")


class Sampler:
    """Base class: subclasses define __iter__ (indices) and, usually, __len__."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class _OrderSampler(Sampler):
    """A sampler whose whole epoch is one index array, drawn when the epoch starts."""

    def _order(self):
        raise NotImplementedError

    def __iter__(self):
        return iter(self._order().tolist())


class SequentialSampler(_OrderSampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _order(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_OrderSampler):
    """A new permutation each epoch; or, with replacement, num_samples independent uniform
    draws. Without replacement, num_samples beyond the size runs through more permutations."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _generator(generator)
        _positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self):
        n, count = len(self.data_source), self.num_samples
        source = random.generator(self.generator)
        if self.replacement:
            return source.integers(0, n, size=count)
        rounds = [source.permutation(n) for _ in range(-(-count // n))]
        return np.concatenate(rounds)[:count]

    def _lazy(self):
        return self.replacement and self.num_samples > 1 << 16

    def __iter__(self):
        return self._lazy_draws() if self._lazy() else super().__iter__()

    def _lazy_draws(self):
        """Draws in chunks, for the 'endless' loaders (num_samples=int(1e10), as minGPT and
        makemore use): a private stream seeded from the generator when the epoch starts."""
        n, left = len(self.data_source), self.num_samples
        stream = np.random.default_rng(random.generator(self.generator).integers(1 << 62))
        while left > 0:
            chunk = min(left, 4096)
            yield from stream.integers(0, n, size=chunk).tolist()
            left -= chunk

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_OrderSampler):
    """The given indices, in a new random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = _generator(generator)

    def _order(self):
        permutation = random.generator(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[permutation]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(_OrderSampler):
    """num_samples indices drawn with probability proportional to weights (each index at most
    once when replacement=False)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        if not isinstance(replacement, bool):  # a ValueError, as PyTorch's
            raise ValueError(  # noqa: TRY004
                f"WeightedRandomSampler: replacement should be a boolean value, but got "
                f"replacement={replacement!r}")
        weights = np.asarray(_to_array(weights), dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {weights.shape}")
        if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative and "
                               "not all zero")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                               f"without replacement from {np.count_nonzero(weights)} non-zero "
                               "weights")
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = _generator(generator)

    def _order(self):
        source = random.generator(self.generator)
        p = self.weights / self.weights.sum()
        return source.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)

    def __len__(self):
        return self.num_samples


def _knows_its_epoch(sampler):
    """Whether iterating `sampler` means going through its _order() (a subclass that
    redefines __iter__ is iterated as it says)."""
    own_iter = type(sampler).__iter__
    if own_iter is _OrderSampler.__iter__:
        return True
    return own_iter is RandomSampler.__iter__ and not sampler._lazy()


class BatchSampler(Sampler):
    """Group the indices of `sampler` into lists of batch_size (the last one shorter unless
    drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        _positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):  # a ValueError, as PyTorch's
            raise ValueError(  # noqa: TRY004
                f"BatchSampler: drop_last should be a boolean value, but got "
                f"drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def _batches(self):
        """Batches as index arrays: cut from one array when the sampler knows its epoch."""
        size = self.batch_size
        if _knows_its_epoch(self.sampler):
            order = self.sampler._order()
            stop = len(order) - len(order) % size if self.drop_last else len(order)
            for start in range(0, stop, size):
                yield order[start:start + size]
            return
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == size:
                yield np.asarray(batch)
                batch = []
        if batch and not self.drop_last:
            yield np.asarray(batch)

    def __iter__(self):
        return (batch.tolist() for batch in self._batches())

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
