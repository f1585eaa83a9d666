"""A character-level language model: read text one character at a time, keep a hidden state as
memory, and predict the next character.

    e_t = Embedding(x_t),   h_t = cell(e_t, h_(t-1)),   logits_t = W h_t + b  ->  x_(t+1)

The cell is a plain (Elman 1990) RNN, a GRU (Cho et al. 2014) or an LSTM (Hochreiter &
Schmidhuber 1997, with the forget gate of Gers, Schmidhuber & Cummins 2000), glassnet's
nn.RNN / nn.GRU / nn.LSTM. Trained on characters and sampled one character at a time, this is
the model of Karpathy's "The Unreasonable Effectiveness of Recurrent Neural Networks" (2015),
after Sutskever, Martens & Hinton, "Generating Text with Recurrent Neural Networks" (ICML 2011)
and Graves, "Generating Sequences With Recurrent Neural Networks" (arXiv:1308.0850, 2013).

Bidirectional (Schuster & Paliwal 1997): a second layer reads the text backwards, so position t
knows the future too. Such a model cannot predict the next character (it would see it); here it
fills in a hidden character instead: the forward state after x_(t-1) and the backward state
after x_(t+1) together predict x_t, which neither has read. `fill_in_logits` asks the same of a
one-way model, which has only the forward state.
"""

from dataclasses import dataclass

import numpy as np

from glassnet import nn, random
from glassnet.autograd import no_grad
from glassnet.creation import cat, tensor
from glassnet.models.config import build_config

KINDS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass
class CharRNNConfig:
    vocab_size: int = 77  # the alphabet of the text, one id per character
    embedding_dim: int = 32
    hidden_size: int = 128
    kind: str = "lstm"  # a key of KINDS
    bidirectional: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"CharRNNConfig: kind must be one of {', '.join(KINDS)}, "
                             f"got {self.kind!r}")
        for name in ("vocab_size", "embedding_dim", "hidden_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"CharRNNConfig: {name} must be a positive int, got {value!r}")


class CharRNN(nn.Module):
    """Embedding -> one recurrent layer (batch first) -> a linear head over the alphabet."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(CharRNNConfig, config, overrides, "CharRNN")
        self.embed = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.rnn = KINDS[config.kind](config.embedding_dim, config.hidden_size, batch_first=True,
                                      bidirectional=config.bidirectional)
        directions = 2 if config.bidirectional else 1
        self.head = nn.Linear(directions * config.hidden_size, config.vocab_size)

    def states(self, idx, state=None):
        """idx (B, T) int64 -> the hidden state after each character (B, T, D*H) and the final
        state to carry on from (an LSTM's is the pair (h, c))."""
        return self.rnn(self.embed(idx), state)  # (B, T, E) -> (B, T, D*H)

    def forward(self, idx, state=None):
        """idx (B, T) -> (logits (B, T, V) for the character after each position, state)."""
        if self.config.bidirectional:
            raise ValueError("CharRNN: a bidirectional model sees the next character, so it "
                             "cannot predict it; use fill_in_logits")
        hidden, state = self.states(idx, state)
        return self.head(hidden), state  # (B, T, V)

    def fill_in_logits(self, idx):
        """idx (B, T) -> logits (B, T - 2, V) for the characters idx[:, 1:-1], each predicted
        without reading it: from the forward state after the character before it, and, in a
        bidirectional model, the backward state after the character after it."""
        hidden, _ = self.states(idx)  # (B, T, D*H)
        size = self.config.hidden_size
        past = hidden[:, :-2, :size]  # (B, T-2, H) forward state after x_(t-1)
        if not self.config.bidirectional:
            return self.head(past)
        future = hidden[:, 2:, size:]  # (B, T-2, H) backward state after x_(t+1)
        return self.head(cat([past, future], dim=-1))  # (B, T-2, V)

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, rng=None):
        """Continue idx (B, T) int64 by max_new_tokens characters sampled one at a time from
        softmax(logits / temperature), among the top_k likeliest when top_k is given; the hidden
        state is carried from step to step, so each step reads one character. -> (B, T + new)."""
        if temperature <= 0:
            raise ValueError(f"generate: temperature must be > 0, got {temperature}")
        generator = random.generator(rng)
        ids = np.asarray(idx.detach().numpy() if hasattr(idx, "detach") else idx,
                         dtype=np.int64)
        if ids.ndim != 2 or ids.shape[1] < 1:
            raise ValueError(f"generate: idx must be (B, T) with T >= 1, got shape {ids.shape}")
        was_training = self.training
        self.eval()
        out = [ids]
        with no_grad():
            logits, state = self(tensor(ids))  # read the prompt
            for _ in range(max_new_tokens):
                last = logits.detach().numpy()[:, -1]  # (B, V)
                step = sample_next(last, temperature, top_k, generator)  # (B,)
                out.append(step[:, None])
                logits, state = self(tensor(step[:, None]), state)  # (B, 1, V)
        self.train(was_training)
        return tensor(np.concatenate(out, axis=1))


def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    """One id per row of logits (B, V), drawn from softmax(logits / temperature) restricted to
    the top_k largest logits; NumPy only (inverse transform sampling)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None and top_k < scaled.shape[-1]:
        kth = np.partition(scaled, -top_k, axis=-1)[:, -top_k][:, None]
        scaled = np.where(scaled < kth, -np.inf, scaled)
    probabilities = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    cumulative = np.cumsum(probabilities, axis=-1)
    draws = random.generator(generator).random((len(scaled), 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < draws).sum(axis=-1), scaled.shape[-1] - 1)
