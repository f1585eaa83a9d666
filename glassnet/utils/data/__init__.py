"""gn.utils.data, PyTorch's torch.utils.data: datasets (dataset.py), samplers (sampler.py) and
the DataLoader with its collate functions (dataloader.py). `glassnet.data` re-exports these and
is the home of the fetched and generated datasets."""

from glassnet.utils.data import dataloader, dataset, sampler
from glassnet.utils.data.dataloader import (
    DataLoader,
    default_collate,
    default_convert,
    get_worker_info,
)
from glassnet.utils.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from glassnet.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "dataloader", "dataset", "default_collate",
    "default_convert", "get_worker_info", "random_split", "sampler",
]
