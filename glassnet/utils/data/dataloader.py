"""The DataLoader, with PyTorch's arguments and semantics (torch.utils.data.dataloader).

A DataLoader draws indices from a sampler (in order, or shuffled each epoch), groups them with
a BatchSampler, fetches the examples and collates them into a batch: default_collate stacks
Tensors, arrays and numbers into Tensors with a new first axis, field by field. When the
dataset is a TensorDataset (or a Subset of one) and the collation is the default, a batch is
cut from its arrays with the whole index array at once instead of a Python loop.

Loading runs in this process: num_workers, pin_memory, timeout, prefetch_factor,
persistent_workers and the like are accepted and checked as PyTorch checks them, and change
nothing but this: with num_workers > 0 a worker_init_fn is called as worker 0 at the start of
each epoch. get_worker_info() is therefore always None, as in PyTorch's main process.
"""

import collections.abc
import math

import numpy as np

from glassnet import random
from glassnet.tensor import Tensor, _to_array
from glassnet.utils.data.dataset import IterableDataset, Subset, TensorDataset
from glassnet.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler


def get_worker_info():
    """Information about the current loading worker: None, since loading runs in-process."""


def default_convert(data):
    """Arrays (and arrays inside lists, tuples and dicts) as Tensors; the rest unchanged, but a
    tuple becomes a list, as in PyTorch. The collate function of a DataLoader with
    batch_size=None."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return Tensor._make(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "USO":
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):  # a list, as PyTorch's (kept for backward compatibility)
        return [default_convert(value) for value in data]
    if isinstance(data, list):
        return [default_convert(value) for value in data]
    return data


def default_collate(batch):
    """Stack a list of examples into one batch, field by field, as PyTorch's default_collate:
    Tensors and arrays -> a Tensor with a new first axis; ints -> int64, floats -> float64,
    bools -> bool Tensors; strings -> the list itself; dicts -> a dict of batches; tuples and
    lists -> a list of batched fields (a namedtuple keeps its type)."""
    first = batch[0]
    if isinstance(first, Tensor):
        shapes = {tuple(example.shape) for example in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                               f"got shapes {sorted(shapes)} in one batch")
        return Tensor._make(np.stack([_to_array(example) for example in batch]))
    if isinstance(first, (np.ndarray, np.generic)) and first.dtype.kind not in "USO":
        return default_collate([Tensor._make(np.asarray(example)) for example in batch])
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([example[key] for example in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(example) != len(first) for example in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               f"equal size, got sizes {sorted({len(e) for e in batch})}")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(first).__name__}")


def _tensor_source(dataset):
    """(arrays, index map) when batches can be cut straight from arrays, else None."""
    if isinstance(dataset, TensorDataset):
        return [_to_array(t) for t in dataset.tensors], None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is not None:
            arrays, mapping = inner
            indices = np.asarray(dataset.indices, dtype=np.int64)
            return arrays, indices if mapping is None else mapping[indices]
    return None


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    if num_workers < 0:
        raise ValueError("DataLoader: num_workers option should be non-negative; use "
                         "num_workers=0 to disable multiprocessing")
    if timeout < 0:
        raise ValueError("DataLoader: timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                         "multiprocessing; let num_workers > 0 or set prefetch_factor to None")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("DataLoader: prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


class DataLoader:
    """Iterate over a dataset in batches (PyTorch's signature; see the module docstring).

    shuffle draws a new permutation each epoch from `generator` (a NumPy Generator, a
    gn.Generator or an int seed; the same seed gives the same sequence of epochs) or, when it
    is None, from glassnet's global generator as the epoch starts. rng is glassnet's older name
    for generator. batch_size=None yields single examples, uncollated.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True, rng=None):
        if generator is not None and rng is not None:
            raise TypeError("DataLoader: pass generator= or rng=, not both")
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size!r}")
        generator = random.generator(rng if generator is None else generator) if (
            generator is not None or rng is not None) else None
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None) or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle, "
                                 "sampler and batch_sampler options (a stream is read in order)")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self._auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order

    @property
    def rng(self):
        """The Generator that orders the epochs (None: glassnet's global one); fit() saves its
        state in checkpoints to resume an epoch exactly."""
        return getattr(self.sampler, "generator", self.generator)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if self.num_workers > 0 and self.worker_init_fn is not None:
            self.worker_init_fn(0)
        if isinstance(self.dataset, IterableDataset):
            return self._iterate_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[index]) for index in self.sampler)
        return self._iterate_batches()

    def _iterate_stream(self):
        if self.batch_size is None:
            for example in self.dataset:
                yield self.collate_fn(example)
            return
        batch = []
        for example in self.dataset:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def _iterate_batches(self):
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        batches = (self.batch_sampler._batches() if isinstance(self.batch_sampler, BatchSampler)
                   else self.batch_sampler)
        for indices in batches:
            if source is not None:
                arrays, mapping = source
                rows = np.asarray(indices, dtype=np.int64)
                rows = rows if mapping is None else mapping[rows]
                yield [Tensor._make(array[rows]) for array in arrays]
            elif hasattr(self.dataset, "__getitems__"):
                yield self.collate_fn(self.dataset.__getitems__(list(np.asarray(indices).tolist())))
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
