"""An encoder-decoder Transformer for character-level sequence-to-sequence tasks.

    x = embed(source) + P[:S]                              (B, S, C)  P: sinusoidal positions
    memory = EncoderLayer^N(x)                             self-attention over the whole source
    y = embed([BOS, target[:-1]]) + P[:T]                  (B, T, C)  the target shifted right
    y = DecoderLayer^M(y, memory)                          causal self-attention, then attention
                                                           over the memory (cross-attention)
    logits = Linear(LayerNorm(y))                          (B, T, vocab)

Vaswani et al. (2017), "Attention Is All You Need": sinusoidal positions
P[t, 2i] = sin(t / 10000^(2i/C)), P[t, 2i+1] = cos(t / 10000^(2i/C)) (section 3.5), multi-head
attention, the causal mask that keeps position t of the decoder from reading targets after t
(section 3.2.3), and greedy decoding, one character at a time. The layer norm sits before
each sub-layer (pre-LN, Xiong et al. 2020), which trains stably at high learning rates;
`norm_first=False` gives the paper's post-LN order. The embeddings are not multiplied by
sqrt(C) as in the paper: that factor assumes small initial embeddings (standard deviation
C^-1/2 in tensor2tensor), and with PyTorch's default N(0, 1) it drowns the positions.

Every position of a layer is computed at once, so a layer is one step however long the
sequence: the sequential depth of a training step is the number of layers, where an RNN's is
the number of characters. After an eval-mode call, `cross_attention` holds the last decoder
layer's attention over the source, (B, heads, T, S): which input characters each output
character read.
"""

from dataclasses import dataclass

import numpy as np

from glassnet import nn
from glassnet.autograd import no_grad
from glassnet.creation import cat, full, tensor
from glassnet.models.config import build_config


@dataclass
class TransformerConfig:
    vocab_size: int = 64  # characters, with 0 the padding and 1 the start token (BOS)
    d_model: int = 64
    heads: int = 4
    encoder_layers: int = 1
    decoder_layers: int = 1
    d_ff: int = 128
    max_len: int = 64  # the longest source or target
    norm_first: bool = True  # pre-LN; False: the paper's post-LN
    pad: int = 0
    bos: int = 1

    def __post_init__(self):
        sizes = (self.vocab_size, self.d_model, self.heads, self.encoder_layers,
                 self.decoder_layers, self.d_ff, self.max_len)
        if min(sizes) < 1 or self.d_model % self.heads or self.d_model % 2:
            raise ValueError(f"TransformerConfig: sizes must be positive and d_model "
                             f"({self.d_model}) even and a multiple of heads ({self.heads}), "
                             f"got {self}")


def sinusoidal_positions(length, width):
    """(length, width) float32: sin on the even columns, cos on the odd ones, wavelengths from
    2 pi to 10000 * 2 pi (Vaswani et al. 2017, section 3.5)."""
    position = np.arange(length)[:, None]  # (T, 1)
    frequency = 1.0 / 10000 ** (np.arange(0, width, 2) / width)  # (C/2,)
    table = np.zeros((length, width), np.float32)
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency)
    return table


def causal_mask(length):
    """(T, T) bool, True above the diagonal: position t may not read positions after t."""
    return tensor(np.triu(np.ones((length, length), dtype=bool), k=1))


class FeedForward(nn.Sequential):
    def __init__(self, config):
        super().__init__(nn.Linear(config.d_model, config.d_ff), nn.ReLU(),
                         nn.Linear(config.d_ff, config.d_model))


class EncoderLayer(nn.Module):
    """Self-attention over the whole source, then the feed-forward network, each added to its
    input (residual), with a layer norm before (pre-LN) or after (post-LN)."""

    def __init__(self, config):
        super().__init__()
        self.norm_first = config.norm_first
        self.norm1 = nn.LayerNorm(config.d_model)
        self.self_attention = nn.MultiheadAttention(config.d_model, config.heads,
                                                    batch_first=True)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.feed_forward = FeedForward(config)

    def forward(self, x, padding):
        attend = self.self_attention
        if self.norm_first:
            h = self.norm1(x)  # (B, S, C)
            x = x + attend(h, h, h, key_padding_mask=padding, need_weights=False)[0]
            return x + self.feed_forward(self.norm2(x))  # (B, S, C)
        x = self.norm1(x + attend(x, x, x, key_padding_mask=padding, need_weights=False)[0])
        return self.norm2(x + self.feed_forward(x))  # (B, S, C)


class DecoderLayer(nn.Module):
    """Causal self-attention over the target so far, attention over the encoder's memory, then
    the feed-forward network. In eval mode keeps the cross-attention weights (B, heads, T, S) in
    self.weights; training uses the fused kernel, which builds no weights."""

    def __init__(self, config):
        super().__init__()
        self.norm_first = config.norm_first
        self.norm1 = nn.LayerNorm(config.d_model)
        self.self_attention = nn.MultiheadAttention(config.d_model, config.heads,
                                                    batch_first=True)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.cross_attention = nn.MultiheadAttention(config.d_model, config.heads,
                                                     batch_first=True)
        self.norm3 = nn.LayerNorm(config.d_model)
        self.feed_forward = FeedForward(config)
        self.weights = None

    def _self(self, y, mask):
        return self.self_attention(y, y, y, attn_mask=mask, need_weights=False)[0]  # (B, T, C)

    def _cross(self, y, memory, padding):
        out, weights = self.cross_attention(y, memory, memory, key_padding_mask=padding,
                                            need_weights=not self.training,
                                            average_attn_weights=False)  # (B, T, C)
        if weights is not None:
            self.weights = weights.detach()  # (B, heads, T, S)
        return out

    def forward(self, y, memory, mask, padding):
        if self.norm_first:
            y = y + self._self(self.norm1(y), mask)  # (B, T, C)
            y = y + self._cross(self.norm2(y), memory, padding)  # (B, T, C)
            return y + self.feed_forward(self.norm3(y))  # (B, T, C)
        y = self.norm1(y + self._self(y, mask))
        y = self.norm2(y + self._cross(y, memory, padding))
        return self.norm3(y + self.feed_forward(y))  # (B, T, C)


class Transformer(nn.Module):
    """forward(source (B, S) int64, decoder input (B, T) int64 starting with BOS) -> logits
    (B, T, vocab) for the next character at each position (teacher forcing). generate(source,
    length) decodes greedily."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(TransformerConfig, config, overrides, "Transformer")
        self.embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.register_buffer("positions", tensor(
            sinusoidal_positions(config.max_len + 1, config.d_model)), persistent=False)
        self.encoder = nn.ModuleList([EncoderLayer(config)
                                      for _ in range(config.encoder_layers)])
        self.decoder = nn.ModuleList([DecoderLayer(config)
                                      for _ in range(config.decoder_layers)])
        # pre-LN leaves the residual stream un-normalised: one last norm on each side
        self.encoder_norm = nn.LayerNorm(config.d_model) if config.norm_first else nn.Identity()
        self.decoder_norm = nn.LayerNorm(config.d_model) if config.norm_first else nn.Identity()
        self.head = nn.Linear(config.d_model, config.vocab_size)

    def _embed(self, ids):
        length = ids.shape[1]
        if length > self.positions.shape[0]:
            raise ValueError(f"Transformer: sequences of {length} characters are longer than "
                             f"max_len {self.config.max_len}")
        return self.embedding(ids) + self.positions[:length]  # (B, T, C)

    def encode(self, source):
        """source (B, S) -> memory (B, S, C) and the padding mask (B, S), True at padding."""
        padding = source == self.config.pad  # (B, S)
        x = self._embed(source)  # (B, S, C)
        for layer in self.encoder:
            x = layer(x, padding)  # (B, S, C)
        return self.encoder_norm(x), padding

    def decode(self, target_in, memory, padding):
        """decoder input (B, T) -> logits (B, T, vocab)."""
        y = self._embed(target_in)  # (B, T, C)
        mask = causal_mask(target_in.shape[1])  # (T, T)
        for layer in self.decoder:
            y = layer(y, memory, mask, padding)  # (B, T, C)
        return self.head(self.decoder_norm(y))  # (B, T, vocab)

    def forward(self, source, target_in):
        memory, padding = self.encode(source)
        return self.decode(target_in, memory, padding)

    def generate(self, source, length):
        """Greedy decoding: (B, S) -> (B, length), each character the most likely given the
        source and the characters already chosen. Leaves cross_attention for the whole output."""
        was_training = self.training
        self.eval()
        with no_grad():
            memory, padding = self.encode(source)
            out = full((source.shape[0], 1), self.config.bos, dtype=np.int64)  # (B, 1)
            for _ in range(length):
                logits = self.decode(out, memory, padding)  # (B, t, vocab)
                out = cat([out, logits[:, -1].argmax(-1, keepdim=True)], 1)  # (B, t + 1)
        self.train(was_training)
        return out[:, 1:]  # (B, length)

    @property
    def cross_attention(self):
        """The last decoder layer's attention over the source from the last eval-mode call,
        (B, heads, T, S), or None."""
        return self.decoder[-1].weights

    def sequential_steps(self, source_length, target_length):
        """Steps one after another in a training step's forward pass: one per layer, whatever
        the lengths (all positions of a layer are computed together)."""
        return self.config.encoder_layers + self.config.decoder_layers
