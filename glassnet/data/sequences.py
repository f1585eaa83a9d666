"""Generated sequence tasks: seeded and deterministic (the same rng gives the same set).

``recall_first``: a long-memory task in the spirit of Hochreiter & Schmidhuber's (1997)
long-time-lag experiments. A sequence of ``length + 1`` symbols, each drawn uniformly from
``symbols`` classes; the first one is flagged by a marker and must be recalled after the
``length`` distractors that follow it, drawn from the same alphabet. Every step is a one-hot
vector over the symbols plus one marker channel, on only at step 0:

    x[:, 0]  = one_hot(first) + marker        the symbol to remember
    x[:, t]  = one_hot(distractor_t)          t = 1 .. length, the same alphabet, no marker
    y        = first                          read out after the last step

Guessing gives 1/symbols. Since the distractors use the same input channels, nothing but the
marker tells the symbol to keep from the ones to ignore: a network must write at step 0, hold
for ``length`` steps and ignore what arrives in between.
"""

import numpy as np

from glassnet import random


def recall_first(n=1000, length=50, symbols=8, rng=None):
    """(x float32 (n, length + 1, symbols + 1), y int64 (n,)): see the module doc. `rng` is a
    numpy Generator or an int seed; None draws from glassnet's global generator."""
    if n < 0 or length < 0 or symbols < 2:
        raise ValueError(f"recall_first: need n >= 0, length >= 0 and symbols >= 2, got n={n}, "
                         f"length={length}, symbols={symbols}")
    gen = random.generator(rng)
    sequence = gen.integers(0, symbols, size=(n, length + 1))  # (N, T+1)
    x = np.zeros((n, length + 1, symbols + 1), dtype=np.float32)  # (N, T+1, symbols+1)
    np.put_along_axis(x, sequence[:, :, None], 1.0, axis=2)
    x[:, 0, symbols] = 1.0  # the marker: remember this one
    return x, sequence[:, 0].astype(np.int64)
