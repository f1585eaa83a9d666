"""Tokenizers: text <-> integer ids. Characters for the language-model lessons (each distinct
character is one token, as in Karpathy's char-rnn), words for the embedding lessons."""

import re
from collections import Counter

import numpy as np


def _ids(ids):
    """Tensor, ndarray or list of ids -> a flat list of ints."""
    return np.asarray(getattr(ids, "data", ids)).reshape(-1).tolist()


class CharTokenizer:
    """Vocabulary: the sorted distinct characters of `text` (or the given `chars`)."""

    def __init__(self, text="", chars=None):
        self.itos = sorted(set(text)) if chars is None else list(chars)
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}

    @property
    def vocab_size(self):
        return len(self.itos)

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        """str -> int64 ids (len(text),)."""
        try:
            return np.fromiter((self.stoi[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError as error:
            raise KeyError(f"CharTokenizer.encode: character {error.args[0]!r} is not in the "
                           f"vocabulary of {len(self.itos)} characters") from None

    def decode(self, ids):
        return "".join(self.itos[i] for i in _ids(ids))


class WordTokenizer:
    """Words (letters with an inner apostrophe), numbers and single punctuation marks, lower-cased
    by default. The vocabulary keeps words seen at least `min_count` times, most frequent first
    (ties alphabetical), at most `max_size`; id 0 is `unk` for everything else."""

    PATTERN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[0-9]+|[^\sA-Za-z0-9]")

    def __init__(self, text="", lower=True, min_count=1, max_size=None, unk="<unk>"):
        self.lower = lower
        self.unk = unk
        self.counts = Counter(self.tokenize(text))
        ranked = sorted((w for w, c in self.counts.items() if c >= min_count and w != unk),
                        key=lambda w: (-self.counts[w], w))
        self.itos = [unk] + ranked[:None if max_size is None else max_size - 1]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    @property
    def vocab_size(self):
        return len(self.itos)

    def __len__(self):
        return len(self.itos)

    def tokenize(self, text):
        return self.PATTERN.findall(text.lower() if self.lower else text)

    def encode(self, text):
        """str -> int64 ids, one per token; unknown words get id 0."""
        return np.array([self.stoi.get(w, 0) for w in self.tokenize(text)], dtype=np.int64)

    def decode(self, ids):
        return " ".join(self.itos[i] for i in _ids(ids))
