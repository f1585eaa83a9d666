"""BERT: a Transformer encoder that reads a whole sentence at once, pretrained by filling in
masked words, then fine-tuned with a small classification head.

    x_0 = token embedding + position embedding                     # (B, T, C)
    x_l = x_(l-1) + attention(LN(x_(l-1)))  then  x_l + MLP(LN(x_l)) # every position sees all
    masked LM:  logits = LN(GELU(W h)) W_e^T + b                    # (B, T, vocab), tied to W_e
    classify:   logits = W_c tanh(W_p h_[CLS])                      # (B, n_classes)

Devlin, Chang, Lee & Toutanova, "BERT: Pre-training of Deep Bidirectional Transformers for
Language Understanding" (NAACL 2019): the attention is bidirectional (no causal mask, only the
padding is hidden), and pretraining picks 15% of the tokens, replaces 80% of those with [MASK],
10% with a random token and leaves 10% unchanged, and asks the model for the original token at
each picked position (`mask_tokens`). Fine-tuning reads the final state of the [CLS] token that
starts every input through the pooler (a tanh layer) and a linear classifier. Differences from
the paper, for a model that trains in seconds: the layer norm sits in front of each sub-block
(pre-LN, as GPT-2; Xiong et al. 2020 show it trains without the careful warm-up post-LN needs),
and there is no next-sentence task and no segment embedding (RoBERTa, Liu et al. 2019, drops
them too). The blocks are the Transformer encoder's (Vaswani et al. 2017).
"""

from dataclasses import dataclass

import numpy as np

import glassnet.functional as F
from glassnet import nn
from glassnet import random as gn_random
from glassnet.creation import arange, zeros
from glassnet.models.config import build_config
from glassnet.models.gpt import init_weights, kept_attention

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # ids 0..4; words follow
PAD, UNK, CLS, SEP, MASK = range(len(SPECIAL_TOKENS))


@dataclass
class BERTConfig:
    vocab_size: int = 2005  # the special tokens and the words
    block_size: int = 16  # the most tokens in one input, [CLS] and [SEP] included
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.1
    n_classes: int = 2  # outputs of the classification head

    def __post_init__(self):
        sizes = {"vocab_size": self.vocab_size, "block_size": self.block_size,
                 "n_layer": self.n_layer, "n_head": self.n_head, "n_embd": self.n_embd,
                 "n_classes": self.n_classes}
        bad = [f"{k}={v!r}" for k, v in sizes.items()
               if not isinstance(v, int) or isinstance(v, bool) or v < 1]
        if bad:
            raise ValueError(f"BERTConfig: sizes must be positive ints, got {', '.join(bad)}")
        if self.vocab_size <= len(SPECIAL_TOKENS):
            raise ValueError(f"BERTConfig: vocab_size must exceed the {len(SPECIAL_TOKENS)} "
                             f"special tokens, got {self.vocab_size}")
        if self.n_embd % self.n_head:
            raise ValueError(f"BERTConfig: n_embd ({self.n_embd}) must be a multiple of n_head "
                             f"({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"BERTConfig: dropout must be in [0, 1), got {self.dropout!r}")


class SelfAttention(nn.Module):
    """Multi-head attention where every position sees every other one except padding. With
    ``keep_weights = True`` it keeps the last weights (B, H, T, T) in ``weights``."""

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)  # q, k, v
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)
        self.keep_weights, self.weights = False, None

    def forward(self, x, visible):
        batch, length, channels = x.shape
        q, k, v = self.c_attn(x).split(channels, dim=2)  # (B, T, C) each
        heads = (batch, length, self.n_head, channels // self.n_head)
        q, k, v = (t.reshape(heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, hs)
        if self.keep_weights:
            y, weights = F.attention(q, k, v, attn_mask=visible)
            self.weights = weights.numpy()  # (B, H, T, T)
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=visible)  # (B, H, T, hs)
        y = y.transpose(1, 2).reshape(batch, length, channels)  # (B, T, C)
        return self.dropout(self.c_proj(y))


class Block(nn.Module):
    """Pre-LN encoder block: x + attention(LN(x)), then + MLP(LN(x)), MLP C -> 4C -> C."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = SelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.Sequential(nn.Linear(config.n_embd, 4 * config.n_embd), nn.GELU(),
                                 nn.Linear(4 * config.n_embd, config.n_embd),
                                 nn.Dropout(config.dropout))

    def forward(self, x, visible):
        x = x + self.attn(self.ln_1(x), visible)  # (B, T, C)
        return x + self.mlp(self.ln_2(x))  # (B, T, C)


class BERT(nn.Module):
    """Token ids (B, T), [PAD] = 0 after the text -> final states (B, T, C); ``mlm_logits``
    turns states into word logits, ``classify`` ids into class logits."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(BERTConfig, config, overrides, "BERT")
        width = config.n_embd
        self.wte = nn.Embedding(config.vocab_size, width)
        self.wpe = nn.Embedding(config.block_size, width)
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(width)
        self.mlm_dense = nn.Linear(width, width)  # the masked-LM head's transform
        self.mlm_ln = nn.LayerNorm(width)
        self.mlm_bias = nn.Parameter(zeros(config.vocab_size))
        self.pooler = nn.Linear(width, width)  # reads [CLS] for classification
        self.classifier = nn.Linear(width, config.n_classes)
        init_weights(self)

    def forward(self, idx):
        length = idx.shape[1]
        if length > self.config.block_size:
            raise ValueError(f"BERT: a sequence of {length} tokens is longer than the context "
                             f"(block_size={self.config.block_size})")
        visible = (idx.numpy() != PAD)[:, None, None, :]  # (B, 1, 1, T): keys that may be seen
        x = self.drop(self.wte(idx) + self.wpe(arange(length)))  # (B, T, C)
        for block in self.h:
            x = block(x, visible)  # (B, T, C)
        return self.ln_f(x)  # (B, T, C)

    def mlm_logits(self, states):
        """(..., C) final states -> (..., vocab) logits for the original token there; the output
        matrix is the token embedding, as in BERT."""
        hidden = self.mlm_ln(F.gelu(self.mlm_dense(states)))  # (..., C)
        return hidden @ self.wte.weight.transpose(0, 1) + self.mlm_bias  # (..., V)

    def classify(self, idx):
        """(B, T) ids starting with [CLS] -> (B, n_classes) logits."""
        pooled = F.tanh(self.pooler(self(idx)[:, 0]))  # (B, C): the [CLS] state
        return self.classifier(self.drop(pooled))  # (B, n_classes)

    def attention_weights(self, idx):
        """The attention weights of every layer for idx (B, T): [(B, H, T, T), ...]."""
        return kept_attention(self, [block.attn for block in self.h], idx)


def mask_tokens(ids, vocab_size, rate=0.15, rng=None):
    """BERT's corruption of ids (B, T) int64 -> (inputs, targets): each word token (never a
    special one) is picked with probability `rate`; a picked token becomes [MASK] with
    probability 0.8, a random word with 0.1, and stays itself with 0.1. targets holds the
    original id at picked positions and -100 (ignored by cross_entropy) elsewhere."""
    generator = gn_random.generator(rng)
    ids = np.asarray(ids, dtype=np.int64)
    picked = (generator.random(ids.shape) < rate) & (ids >= len(SPECIAL_TOKENS))
    targets = np.where(picked, ids, -100)
    action = generator.random(ids.shape)
    inputs = ids.copy()
    inputs[picked & (action < 0.8)] = MASK
    randomised = picked & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = generator.integers(len(SPECIAL_TOKENS), vocab_size, randomised.sum())
    return inputs, targets
