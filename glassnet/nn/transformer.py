"""The Transformer (Vaswani et al. 2017, "Attention Is All You Need", section 3.1): encoder and
decoder layers, their stacks and the whole encoder-decoder, with PyTorch's names, arguments and
state-dict keys:

    post-norm (default):  x = norm1(x + self_attn(x));  x = norm2(x + feed_forward(x))
    pre-norm (norm_first, Xiong et al. 2020):  x = x + self_attn(norm1(x));  x = x + ff(norm2(x))

where feed_forward(x) = linear2(dropout(activation(linear1(x)))). The decoder layer adds
attention over the encoder's output (memory) between the two. Masks follow
MultiheadAttention: a boolean True blocks, a float mask is added to the scores.
"""

import copy

import numpy as np

from glassnet import functional as F
from glassnet import init
from glassnet.autograd import is_grad_enabled
from glassnet.nn.attention import MultiheadAttention
from glassnet.nn.containers import ModuleList
from glassnet.nn.dropout import Dropout
from glassnet.nn.linear import Linear
from glassnet.nn.module import Module
from glassnet.nn.norm import LayerNorm
from glassnet.tensor import Tensor, _to_array
from glassnet.tensor_convert import default_dtype


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz) float mask: 0 on and below the diagonal, -inf above, so that position i
    attends only to positions <= i (a causal mask)."""
    blocked = np.triu(np.ones((sz, sz), dtype=bool), k=1)
    return Tensor._make(np.where(blocked, -np.inf, 0.0).astype(dtype or default_dtype()))


def _activation(activation):
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise RuntimeError(f"activation should be relu/gelu, not {activation}")
        return F.relu if activation == "relu" else F.gelu
    if not callable(activation):
        raise TypeError(f"activation must be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


class _Layer(Module):
    """The sublayers encoder and decoder layers share, under PyTorch's attribute names."""

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _feed_forward(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))  # (L, N, E)


class TransformerEncoderLayer(_Layer):
    """Self-attention then a position-wise feed-forward network, each with a residual
    connection and layer norm. src: (S, N, E), (N, S, E) with batch_first, or (S, E)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        new = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **new)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **new)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **new)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src  # (S, N, E)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _ff_block(self, x):
        return self.dropout2(self._feed_forward(x))


class TransformerDecoderLayer(_Layer):
    """Masked self-attention, attention over memory (the encoder's output), then the
    feed-forward network; each with a residual connection and layer norm.
    tgt: (T, N, E), memory: (S, N, E), (N, T, E) and (N, S, E) with batch_first."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        new = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **new)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **new)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **new)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **new)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt  # (T, N, E)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self._feed_forward(x))


def _clones(layer, num_layers):
    """num_layers independent deep copies (equal at the start, trained apart), as PyTorch."""
    if not (isinstance(num_layers, int) and num_layers >= 1):
        raise ValueError(f"{type(layer).__name__} stack: num_layers must be a positive integer, "
                         f"got {num_layers!r}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer applied in turn, then the optional final norm.

    enable_nested_tensor is PyTorch's inference shortcut; it changes one visible thing, which is
    reproduced here: in evaluation without gradients, with batch_first layers, a
    src_key_padding_mask padding at the ends and no mask, the padded positions come out as zeros
    (then through the final norm) instead of as computed."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        attention = getattr(encoder_layer, "self_attn", None)
        self.use_nested_tensor = enable_nested_tensor and (
            isinstance(encoder_layer, TransformerEncoderLayer) and not encoder_layer.norm_first
            and attention.batch_first and attention._qkv_same_embed_dim
            and attention.in_proj_bias is not None
            and encoder_layer.activation in (F.relu, F.gelu)
            and encoder_layer.norm1.eps == encoder_layer.norm2.eps
            and attention.num_heads % 2 == 0)

    def _zeroes_padding(self, src, mask, padding):
        """Whether PyTorch would run this call as nested tensors (see the class docstring)."""
        if not (self.use_nested_tensor and padding is not None and mask is None
                and src.ndim == 3 and not self.layers[0].training):
            return False
        if is_grad_enabled() and (src.requires_grad or any(
                p.requires_grad for p in self.layers[0].parameters())):
            return False
        kept = ~_to_array(padding).astype(bool)  # (N, S): True where a token is
        return not (self.mask_check and (kept[:, 1:] & ~kept[:, :-1]).any())

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src  # (S, N, E)
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        if self._zeroes_padding(src, mask, src_key_padding_mask):
            padding = Tensor._make(_to_array(src_key_padding_mask).astype(bool))
            output = output.masked_fill(padding.unsqueeze(-1), 0.0)  # (N, S, E)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer applied in turn, then the optional final norm."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt  # (T, N, E)
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder: memory = encoder(src), output = decoder(tgt, memory). src (S, N, E)
    and tgt (T, N, E), (N, S, E) and (N, T, E) with batch_first; output like tgt. Each stack ends
    with a LayerNorm (encoder.norm, decoder.norm); every matrix starts Glorot-uniform."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        new = {"device": device, "dtype": dtype}
        layer = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                 batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer, **new), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer, **new), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **new))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self):
        for param in self.parameters():
            if param.ndim > 1:
                init.xavier_uniform_(param)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch_dim] != tgt.shape[batch_dim]):
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, "
                               f"got src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                               f"(batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal "
                               f"to d_model={self.d_model}, got src {tuple(src.shape)} and tgt "
                               f"{tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)  # (S, N, E)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)  # (T, N, E)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask, 0 on and below the diagonal and -inf above (causal)."""
        return generate_square_subsequent_mask(sz, dtype=dtype)
