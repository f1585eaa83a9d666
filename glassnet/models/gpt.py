"""GPT: a decoder-only Transformer that reads a text left to right and predicts each next token.

    x_0 = token embedding + position embedding                       # (B, T, C)
    x_l = x_(l-1) + attention(LN(x_(l-1)))  then  x_l + MLP(LN(x_l))  # each of n_layer blocks
    logits = LN(x_L) W_e^T                                           # (B, T, vocab)

Each block's self-attention is causal: position t attends to positions 0..t only (the mask is
upper-triangular -inf before the softmax), so one forward pass trains every position at once to
predict its next token without seeing it. The Transformer is Vaswani et al., "Attention Is All
You Need" (2017); decoder-only pretraining as a language model is Radford et al., "Improving
Language Understanding by Generative Pre-Training" (GPT, 2018), with the layer norm moved in
front of each sub-block and the residual projections initialised smaller as in GPT-2 (Radford
et al., "Language Models are Unsupervised Multitask Learners", 2019). The layout, names and
initialisation follow Karpathy's nanoGPT (state-dict keys such as ``transformer.h.0.attn.c_attn
.weight``), whose small character-level recipe the bert-gpt lesson runs; GELU is Hendrycks &
Gimpel (2016), layer normalisation Ba et al. (2016). The output layer shares its weight with the
token embedding (Press & Wolf 2017), as in GPT-2 and nanoGPT.

``generate`` samples one token at a time with a temperature and an optional top-k cut; the
sampling needs no gradient, so it runs on the NumPy probabilities with glassnet's generator.
"""

import math
from dataclasses import dataclass

import numpy as np

import glassnet.functional as F
from glassnet import nn
from glassnet import random as gn_random
from glassnet.autograd import no_grad
from glassnet.creation import arange, tensor
from glassnet.models.config import build_config


@dataclass
class GPTConfig:
    vocab_size: int = 65  # distinct tokens (characters for a character-level model)
    block_size: int = 64  # the context: the most tokens the model attends over
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128  # the width C; each head gets C / n_head
    dropout: float = 0.0
    bias: bool = True  # biases in the linear layers

    def __post_init__(self):
        sizes = {"vocab_size": self.vocab_size, "block_size": self.block_size,
                 "n_layer": self.n_layer, "n_head": self.n_head, "n_embd": self.n_embd}
        bad = [f"{k}={v!r}" for k, v in sizes.items()
               if not isinstance(v, int) or isinstance(v, bool) or v < 1]
        if bad:
            raise ValueError(f"GPTConfig: sizes must be positive ints, got {', '.join(bad)}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be a multiple of n_head "
                             f"({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout must be in [0, 1), got {self.dropout!r}")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where each position sees itself and the positions before it.
    With ``keep_weights = True`` it also keeps the last attention weights (B, H, T, T) in
    ``weights``, for figures."""

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.keep_weights, self.weights = False, None

    def forward(self, x):
        batch, length, channels = x.shape
        q, k, v = self.c_attn(x).split(channels, dim=2)  # (B, T, C) each
        heads = (batch, length, self.n_head, channels // self.n_head)
        q, k, v = (t.reshape(heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, hs)
        dropout = self.dropout if self.training else 0.0
        if self.keep_weights:
            y, weights = F.attention(q, k, v, dropout_p=dropout, is_causal=True)
            self.weights = weights.numpy()  # (B, H, T, T)
        else:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout,
                                               is_causal=True)  # (B, H, T, hs)
        y = y.transpose(1, 2).reshape(batch, length, channels)  # (B, T, C): heads side by side
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward: C -> 4C -> GELU -> C."""

    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))  # (B, T, C)


class Block(nn.Module):
    """Pre-LN Transformer block: x + attention(LN(x)), then + MLP(LN(x))."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))  # (B, T, C)
        return x + self.mlp(self.ln_2(x))  # (B, T, C)


class GPT(nn.Module):
    """Token ids (B, T) with T <= block_size -> next-token logits (B, T, vocab_size)."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(GPTConfig, config, overrides, "GPT")
        self.transformer = nn.ModuleDict({
            "wte": nn.Embedding(config.vocab_size, config.n_embd),
            "wpe": nn.Embedding(config.block_size, config.n_embd),
            "drop": nn.Dropout(config.dropout),
            "h": nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            "ln_f": nn.LayerNorm(config.n_embd),
        })
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied: one (vocab, C) matrix
        init_weights(self, residual_layers=config.n_layer)

    def forward(self, idx):
        length = idx.shape[1]
        if length > self.config.block_size:
            raise ValueError(f"GPT: a sequence of {length} tokens is longer than the context "
                             f"(block_size={self.config.block_size})")
        positions = arange(length)  # (T,)
        x = self.transformer.wte(idx) + self.transformer.wpe(positions)  # (B, T, C)
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)  # (B, T, C)
        return self.lm_head(self.transformer.ln_f(x))  # (B, T, V)

    def attention_weights(self, idx):
        """The causal attention weights of every layer for idx (B, T): [(B, H, T, T), ...]."""
        return kept_attention(self, [block.attn for block in self.transformer.h], idx)

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, rng=None):
        """Continue idx (B, T) int64 by max_new_tokens sampled tokens -> (B, T + new). Each step
        reads the last block_size tokens, divides the last logits by temperature, keeps the
        top_k largest (if given) and samples from the softmax."""
        if temperature <= 0:
            raise ValueError(f"GPT.generate: temperature must be > 0, got {temperature!r}")
        generator = gn_random.generator(rng)
        tokens = idx.numpy() if hasattr(idx, "numpy") else idx
        tokens = np.asarray(tokens, dtype=np.int64)  # (B, T)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(max_new_tokens):
                    context = tensor(tokens[:, -self.config.block_size :])  # (B, <=T)
                    logits = self(context).numpy()[:, -1, :] / temperature  # (B, V)
                    following = sample_next(logits, top_k, generator)  # (B,)
                    tokens = np.concatenate([tokens, following[:, None]], axis=1)
        finally:
            self.train(was_training)
        return tensor(tokens)


def sample_next(logits, top_k, generator):
    """One token id per row of logits (B, V): softmax over the top_k largest (all if None),
    drawn by inverting the cumulative distribution at a uniform number."""
    logits = np.asarray(logits, dtype=np.float64)
    if top_k is not None and top_k < logits.shape[-1]:
        kth = np.partition(logits, -top_k, axis=-1)[:, -top_k, None]  # (B, 1)
        logits = np.where(logits < kth, -np.inf, logits)
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cumulative = np.cumsum(probabilities, axis=-1)  # (B, V)
    draws = generator.random(len(logits)) * cumulative[:, -1]  # (B,)
    picked = (cumulative <= draws[:, None]).sum(axis=-1)
    return np.minimum(picked, logits.shape[-1] - 1).astype(np.int64)


def kept_attention(model, layers, idx):
    """Run model on idx without a graph, with each attention layer in layers keeping its weights
    (keep_weights); return them, [(B, H, T, T), ...] (GPT's and BERT's attention_weights)."""
    for layer in layers:
        layer.keep_weights = True
    try:
        with no_grad():
            model(idx)
    finally:
        for layer in layers:
            layer.keep_weights = False
    return [layer.weights for layer in layers]


def init_weights(model, std=0.02, residual_layers=None):
    """BERT's and GPT-2's initialisation: every linear and embedding weight N(0, 0.02), biases
    zero. With residual_layers = n_layer (GPT-2, as nanoGPT), the projections named c_proj that
    write into the residual stream get N(0, 0.02 / sqrt(2 n_layer)), so the sum over 2 n_layer
    residual branches starts at the embeddings' scale."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, std)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    for name, param in model.named_parameters():
        if residual_layers and name.endswith("c_proj.weight"):
            nn.init.normal_(param, 0.0, std / math.sqrt(2 * residual_layers))


def weight_decay_groups(model, weight_decay):
    """AdamW parameter groups as nanoGPT's: matrices (linear and embedding weights) decay,
    biases and layer-norm gains do not."""
    params = list(model.parameters())
    return [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
