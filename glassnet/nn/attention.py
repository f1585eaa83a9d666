"""Multi-head attention (Vaswani et al. 2017, "Attention Is All You Need", section 3.2.2):

    head_i = softmax((Q W_q_i)(K W_k_i)^T / sqrt(d_head) + mask) (V W_v_i)
    MultiHead(Q, K, V) = concat(head_1, ..., head_h) W_o

with PyTorch's parameter names, initialisation, shapes and mask conventions: in a boolean
attn_mask or key_padding_mask True means "may NOT attend" (the opposite of
scaled_dot_product_attention's), and a float mask is added to the scores.
"""

import numpy as np

from glassnet import functional as F
from glassnet import init
from glassnet.creation import as_tensor, zeros
from glassnet.nn.linear import Linear
from glassnet.nn.module import Module, Parameter
from glassnet.tensor import Tensor


def _additive_mask(mask, dtype, name):
    """A bool mask (True = blocked) as 0 / -inf, or a float mask as it is, in dtype."""
    mask = as_tensor(mask)
    if mask.dtype == np.bool_:
        return Tensor._make(np.where(mask.array, -np.inf, 0.0).astype(dtype))
    if not np.issubdtype(mask.dtype, np.floating):
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are "
                        f"supported, got dtype {mask.dtype}")
    return mask.type(dtype)


class MultiheadAttention(Module):
    """Inputs (L, N, E) query and (S, N, kdim), (S, N, vdim) key and value; (N, L, E) ... with
    batch_first; (L, E) ... unbatched. Returns the output (like query) and, if need_weights,
    the attention weights (N, L, S), or (N, num_heads, L, S) with average_attn_weights=False."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are "
                                      "not implemented")
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive "
                             f"multiple of num_heads ({num_heads})")
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        new = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:  # [W_q; W_k; W_v]
            self.in_proj_weight = Parameter(zeros(3 * embed_dim, embed_dim, **new))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.q_proj_weight = Parameter(zeros(embed_dim, embed_dim, **new))
            self.k_proj_weight = Parameter(zeros(embed_dim, self.kdim, **new))
            self.v_proj_weight = Parameter(zeros(embed_dim, self.vdim, **new))
            self.in_proj_weight = None
        self.in_proj_bias = Parameter(zeros(3 * embed_dim, **new)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **new)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        # Glorot on the projections (out_proj keeps Linear's default), zero biases
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query, key, value):
        """Q W_q^T + b_q, K W_k^T + b_k, V W_v^T + b_v; one product for self-attention."""
        e = self.embed_dim
        bias = self.in_proj_bias
        biases = (None,) * 3 if bias is None else (bias[:e], bias[e : 2 * e], bias[2 * e :])
        if self._qkv_same_embed_dim:
            if query is key and key is value:
                return F.linear(query, self.in_proj_weight, bias).chunk(3, -1)
            weight = self.in_proj_weight
            weights = (weight[:e], weight[e : 2 * e], weight[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return [F.linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]

    def _check_shapes(self, query, key, value, key_padding_mask):
        dtype = self.out_proj.weight.dtype
        if not query.dtype == key.dtype == value.dtype == dtype:
            raise RuntimeError(f"MultiheadAttention: query, key and value dtypes {query.dtype}, "
                               f"{key.dtype}, {value.dtype} differ from the layer's {dtype}")
        got = (f"got query {tuple(query.shape)}, key {tuple(key.shape)}, value "
               f"{tuple(value.shape)}")
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: expected 3-D (batched) or 2-D (unbatched) "
                             f"query, key and value, {got}")
        if (query.shape[-1], key.shape[-1], value.shape[-1]) != (
            self.embed_dim, self.kdim, self.vdim
        ):
            raise ValueError(f"MultiheadAttention: expected last dims (embed_dim, kdim, vdim) = "
                             f"{(self.embed_dim, self.kdim, self.vdim)}, {got}")
        batch_dim = 0 if self.batch_first else 1
        if key.shape[:-1] != value.shape[:-1] or batched and (
            key.shape[batch_dim] != query.shape[batch_dim]
        ):
            raise ValueError(f"MultiheadAttention: key and value must have the same sequence "
                             f"length and query, key, value the same batch size, {got}")
        if key_padding_mask is not None:
            expected = (key.shape[batch_dim], key.shape[1 - batch_dim]) if batched else (
                key.shape[0],
            )
            if tuple(key_padding_mask.shape) != expected:
                raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape "
                                 f"{expected}, got {tuple(key_padding_mask.shape)}")

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        self._check_shapes(query, key, value, key_padding_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal is a hint that attn_mask is "
                               "causal and needs attn_mask; use generate_square_subsequent_mask")
        batched = query.ndim == 3
        if not batched:
            query, key, value = (x.unsqueeze(1) for x in (query, key, value))  # (L, 1, E)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)  # (1, S)
        elif self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))  # (L, N, E)
        length, batch, _ = query.shape
        source = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)  # (L, N, E), (S, N, E), (S, N, E)
        q = q.reshape(length, batch, heads, head_dim).permute(1, 2, 0, 3)  # (N, h, L, d)
        k = k.reshape(source, batch, heads, head_dim).permute(1, 2, 0, 3)  # (N, h, S, d)
        v = v.reshape(source, batch, heads, head_dim).permute(1, 2, 0, 3)  # (N, h, S, d)
        mask = self._merged_mask(attn_mask, key_padding_mask, batch, length, source, q.dtype)
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:
            out, weights = F.attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        else:  # one fused step, where a query masked from every key gets 0, as in PyTorch
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        out = out.permute(2, 0, 1, 3).reshape(length, batch, self.embed_dim)  # (L, N, E)
        out = self.out_proj(out)  # (L, N, E)
        if need_weights and average_attn_weights:
            weights = weights.mean(dim=1)  # (N, L, S)
        if not batched:
            out = out.squeeze(1)  # (L, E)
            weights = weights.squeeze(0) if need_weights else None  # (L, S) or (h, L, S)
        elif self.batch_first:
            out = out.transpose(0, 1)  # (N, L, E)
        return out, (weights if need_weights else None)

    def _merged_mask(self, attn_mask, key_padding_mask, batch, length, source, dtype):
        """attn_mask (L, S) or (N*h, L, S) plus key_padding_mask (N, S), as one additive mask
        that broadcasts to the scores (N, h, L, S); None if neither is given."""
        mask = None
        if attn_mask is not None:
            shapes = {2: (length, source), 3: (batch * self.num_heads, length, source)}
            if tuple(attn_mask.shape) != shapes.get(attn_mask.ndim):
                raise ValueError(f"MultiheadAttention: expected attn_mask of shape "
                                 f"{shapes[2]} or {shapes[3]}, got {tuple(attn_mask.shape)}")
            mask = _additive_mask(attn_mask, dtype, "attn_mask")
            mask = mask.reshape(-1, self.num_heads if mask.ndim == 3 else 1, length, source)
        if key_padding_mask is not None:
            padding = _additive_mask(key_padding_mask, dtype, "key_padding_mask")
            padding = padding.reshape(batch, 1, 1, source)  # (N, 1, 1, S)
            mask = padding if mask is None else mask + padding
        return mask

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
