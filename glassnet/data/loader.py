"""Datasets and the DataLoader now live at PyTorch's path, glassnet.utils.data (where
torch.utils.data is); this module keeps the older import path working."""

from glassnet.utils.data import (  # noqa: F401 (re-exported)
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
