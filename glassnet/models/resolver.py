"""A pronoun resolver: one Transformer encoder layer, then a one-head attention layer that answers
by pointing at a word and copying it.

    x = embed(words) + embed(positions)                           (B, T, C)
    x = x + MultiHeadAttention(LayerNorm(x)),  x = x + FFN(LayerNorm(x))   (pre-LN encoder layer)
    h = LayerNorm(x)
    a = softmax(q(h_it) . k(h_j) / sqrt(C))  over the words j        (B, T)  the pointer head
    answer logits = (sum_j a_j embed(word_j)) . embed(w)  for each word w of the vocabulary

The encoder layer is Vaswani et al. (2017), "Attention Is All You Need", with the layer norm
before each sub-layer (Xiong et al. 2020). The answer copies a word of the sentence, as the
copy mechanism of pointer networks (Vinyals, Fortunato & Jaitly 2015) and of See, Liu & Manning
(2017), scored against the same embedding table that reads the words (weight tying, Press & Wolf
2017): to name the noun that "it" stands for, the pointer head must look at that noun, since a
mix of both nouns would name neither. What the encoder's heads look at is left to training.
"""

import math
from dataclasses import dataclass

from glassnet import nn
from glassnet.creation import arange
from glassnet.models.config import build_config


@dataclass
class ResolverConfig:
    vocab_size: int = 74  # glassnet.data.coreference.vocabulary()
    context: int = 12  # longest sentence, in words
    d_model: int = 32
    heads: int = 4  # of the encoder layer; the pointer layer has one
    d_ff: int = 64

    def __post_init__(self):
        sizes = (self.vocab_size, self.context, self.d_model, self.heads, self.d_ff)
        if min(sizes) < 1 or self.d_model % self.heads:
            raise ValueError(f"ResolverConfig: sizes must be positive and d_model ({self.d_model})"
                             f" a multiple of heads ({self.heads}), got {self}")


class EncoderLayer(nn.Module):
    """Pre-LN self-attention and feed-forward, each added to its input; keeps the attention
    weights of its last call, per head, in self.weights (B, heads, T, T)."""

    def __init__(self, config):
        super().__init__()
        width = config.d_model
        self.norm1 = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, config.heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.feed_forward = nn.Sequential(nn.Linear(width, config.d_ff), nn.ReLU(),
                                          nn.Linear(config.d_ff, width))
        self.weights = None

    def forward(self, x, padding):
        h = self.norm1(x)  # (B, T, C)
        mixed, weights = self.attention(h, h, h, key_padding_mask=padding,
                                        average_attn_weights=False)  # (B, T, C), (B, H, T, T)
        self.weights = weights.detach()  # kept to look at, without holding the step's graph
        x = x + mixed
        return x + self.feed_forward(self.norm2(x))  # (B, T, C)


class Resolver(nn.Module):
    """forward(ids (B, T) int64 with 0 as padding, it (B,) positions) -> logits (B, vocab) of the
    word that the word at `it` stands for. After a call, self.encoder.weights holds the encoder's
    attention (B, heads, T, T) and self.pointer_weights the pointer head's (B, T)."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(ResolverConfig, config, overrides, "Resolver")
        self.word_embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.position_embedding = nn.Embedding(config.context, config.d_model)
        self.encoder = EncoderLayer(config)
        self.norm = nn.LayerNorm(config.d_model)
        self.query = nn.Linear(config.d_model, config.d_model)
        self.key = nn.Linear(config.d_model, config.d_model)
        self.pointer_weights = None

    def forward(self, ids, it):
        batch, length = ids.shape
        if length > self.config.context:
            raise ValueError(f"Resolver: sentences of {length} words are longer than the "
                             f"context of {self.config.context}")
        padding = ids == 0  # (B, T) True where there is no word
        words = self.word_embedding(ids)  # (B, T, C)
        x = words + self.position_embedding(arange(length))  # (B, T, C)
        h = self.norm(self.encoder(x, padding))  # (B, T, C)
        query = self.query(h[arange(batch), it])  # (B, C): what "it" looks for
        keys = self.key(h)  # (B, T, C)
        scores = (keys @ query.unsqueeze(-1)).squeeze(-1) / math.sqrt(self.config.d_model)
        scores = scores.masked_fill(padding, float("-inf"))  # (B, T)
        self.pointer_weights = scores.softmax(-1)  # (B, T)
        copied = (self.pointer_weights.unsqueeze(-1) * words).sum(1)  # (B, C)
        return copied @ self.word_embedding.weight.t()  # (B, vocab)
