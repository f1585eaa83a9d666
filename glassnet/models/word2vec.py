"""Skip-gram with negative sampling: word vectors learned by telling a word's real neighbours from
random words.

Mikolov, Sutskever, Chen, Corrado & Dean, "Distributed Representations of Words and Phrases and
their Compositionality", NIPS 2013 (skip-gram itself: Mikolov, Chen, Corrado & Dean, "Efficient
Estimation of Word Representations in Vector Space", arXiv:1301.3781, 2013). Each word w has two
vectors, v_w when it is the centre word (the `centre` table: the word vectors one keeps) and u_w
when it is a context word (the `context` table). For a centre word c with a context word o seen
within the window and k "negative" words n_1..n_k drawn from the unigram distribution raised to
the 3/4 power, the loss is

    -log sigmoid(u_o . v_c) - sum_i log sigmoid(-u_(n_i) . v_c)

so that real pairs score high and random pairs low. Frequent words are subsampled: a word of
corpus frequency f is kept with probability (sqrt(f / t) + 1) t / f (t = `sample`, word2vec.c's
formula), which thins "the" and "and" far more than "queen".

The batch layout is this file's own, for speed in NumPy: a batch is a run of consecutive
centre words (as word2vec.c reads its text), so every context word of the run is one row of a
window of ids, and the score of each centre with the word `offset` places away is a row-wise
dot product of two shifted slices. Instead of drawing a shrinking window per word as word2vec.c
does (reach r uniform in 1..window), each context at distance d is weighted by the chance that
such a window reaches it, (window - d + 1) / window: the same expected gradient with less noise.
The k negatives are drawn per centre word and shared by its contexts, weighted by their number,
again the same expected gradient as k draws per pair.
"""

from dataclasses import dataclass

import numpy as np

from glassnet import functional as F
from glassnet import init, nn
from glassnet.creation import cat, from_numpy
from glassnet.models.config import build_config


@dataclass
class Word2VecConfig:
    vocab_size: int = 5000
    embedding_dim: int = 50
    window: int = 5  # context words on each side of the centre (the widest window)
    negatives: int = 5  # noise words per real pair

    def __post_init__(self):
        for name in ("vocab_size", "embedding_dim", "window", "negatives"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Word2VecConfig: {name} must be a positive int, got {value!r}")


class SkipGram(nn.Module):
    """Two embedding tables; forward(window_ids, context_weights, negatives) -> the mean
    negative-sampling loss per (weighted) pair."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(Word2VecConfig, config, overrides, "SkipGram")
        dim = config.embedding_dim
        self.centre = nn.Embedding(config.vocab_size, dim)
        self.context = nn.Embedding(config.vocab_size, dim)
        # word2vec.c's start: small random centre vectors, context vectors at zero
        init.uniform_(self.centre.weight, -0.5 / dim, 0.5 / dim)
        init.zeros_(self.context.weight)

    def offsets(self):
        """The context positions relative to the centre: 1..window, then -1..-window."""
        reach = range(1, self.config.window + 1)
        return [*reach, *(-d for d in reach)]

    def forward(self, window_ids, context_weights, negatives):
        """window_ids (R, N + 2W): R runs of N consecutive centre words, each with W words of
        context on either side; context_weights (R, N, 2W) (NumPy): the weight of each (centre,
        offset) pair in self.offsets() order, 0 where the context is missing (another sentence,
        the corpus' edge); negatives (R, M): noise words shared by the centres of each run."""
        reach = self.config.window
        count = window_ids.shape[1] - 2 * reach
        v = self.centre(window_ids[:, reach : reach + count])  # (R, N, D) centre vectors
        u = self.context(cat([window_ids, negatives], dim=1))  # (R, N + 2W + M, D)
        scores = v @ u.transpose(1, 2)  # (R, N, N + 2W + M): every centre against every word
        context_weights = np.asarray(getattr(context_weights, "data", context_weights))
        targets, weights = self.pair_table(context_weights, negatives.shape[1])
        loss = F.binary_cross_entropy_with_logits(scores, targets, weight=weights,
                                                  reduction="sum")
        return loss / max(float(context_weights.sum()), 1.0)  # per real pair

    def pair_table(self, context_weights, shared):
        """(targets, weights), each (R, N, N + 2W + M): which scores are real pairs (1) or noise
        (0), and how much each counts. A centre's real pairs sit on a band of the window
        columns; each of its k negatives is spread over the M shared noise columns (k / M each),
        times the number of pairs the centre stands for; every other score counts 0."""
        runs, count, _ = context_weights.shape
        reach = self.config.window
        span = count + 2 * reach
        weights = np.zeros((runs, count, span + shared), dtype=np.float32)
        rows = np.arange(count)
        for column, offset in enumerate(self.offsets()):
            weights[:, rows, rows + reach + offset] = context_weights[:, :, column]
        pairs = context_weights.sum(-1, keepdims=True)  # (R, N, 1)
        weights[:, :, span:] = pairs * (self.config.negatives / shared)
        targets = np.zeros_like(weights)
        targets[:, :, :span] = 1.0
        return from_numpy(targets), from_numpy(weights)

    def vectors(self):
        """The word vectors (the centre table) as a (V, D) NumPy array, each of unit length."""
        table = self.centre.weight.detach().numpy()
        return table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)


# ---- the data side of the paper: subsampling, the noise distribution, the window weights ----
def keep_probability(counts, sample=1e-3):
    """word2vec.c's subsampling: keep a word of count c out of N tokens with probability
    (sqrt(c / (sample N)) + 1) (sample N) / c, capped at 1."""
    counts = np.asarray(counts, dtype=np.float64)
    threshold = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * threshold / counts)


def noise_distribution(counts, power=0.75):
    """The distribution the negatives come from: unigram counts to the 3/4 power, normalised."""
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()


def distance_weights(window):
    """(2W,) weight of a context at each offset of SkipGram.offsets(): the chance that a window
    of reach drawn uniformly from 1..window covers it, (window - d + 1) / window."""
    near = (window - np.arange(window) + 0.0) / window  # d = 1..W
    return np.concatenate([near, near]).astype(np.float32)


def context_weights(sentence_ids, window):
    """(..., N, 2W) for the N middle words of runs of N + 2W words whose sentence numbers are
    `sentence_ids` (..., N + 2W) (-1 marks padding): the distance weight where the context word
    is in the centre's sentence, else 0."""
    count = sentence_ids.shape[-1] - 2 * window
    centre = sentence_ids[..., window : window + count]
    columns = [sentence_ids[..., window + d : window + d + count] == centre
               for d in range(1, window + 1)]
    columns += [sentence_ids[..., window - d : window - d + count] == centre
                for d in range(1, window + 1)]
    present = np.stack(columns, axis=-1) & (centre >= 0)[..., None]  # padding is no centre
    return present * distance_weights(window)  # (..., N, 2W)


def batches(tokens, sentence_ids, keep, noise, window, run_length, runs, shared, rng):
    """One epoch of SkipGram.forward's inputs: subsample the corpus (keep: the probability of
    keeping each token), cut what is left into runs of run_length consecutive centre words,
    and yield (window_ids (R, N + 2W), context_weights (R, N, 2W), negatives (R, M)) for
    `runs` runs at a time, in a random order, with M = `shared` noise words per run drawn from
    `noise` (a distribution over the vocabulary)."""
    kept = rng.random(len(tokens)) < keep
    count = int(kept.sum())
    total = -(-count // run_length)  # runs, the last one padded
    pad = total * run_length - count
    ids = np.concatenate([np.zeros(window, np.int64), tokens[kept],
                          np.zeros(window + pad, np.int64)])
    sentences = np.concatenate([np.full(window, -1), sentence_ids[kept],
                                np.full(window + pad, -1)])  # -1: padding, no one's context
    cumulative = np.cumsum(noise)
    starts = rng.permutation(total) * run_length
    span = np.arange(run_length + 2 * window)
    for first in range(0, total, runs):
        rows = starts[first : first + runs, None] + span  # (R, N + 2W) positions
        negatives = np.searchsorted(cumulative, rng.random((len(rows), shared)) * cumulative[-1])
        yield ids[rows], context_weights(sentences[rows], window), negatives
