"""Fused primitives: ops that could be composed from the core primitives but are faster and
more stable as one step, kept because the benchmarks (benchmarks/README.md) showed they
matter. Each has a gradcheck; conv and pooling are in fused_conv.py."""

import math

import numpy as np

from glassnet.autograd import Function, unbroadcast
from glassnet.ops._erf import _BLOCK, _polyval, erf_array


class Linear(Function):
    """y = x W^T + b with x (..., in), W (out, in), b (out,). Leading dims are flattened into
    one matrix product: NumPy's broadcasting matmul of a 3-D x by a transposed W is many times
    slower than one 2-D GEMM."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save(x, weight)
        out = x.reshape(-1, x.shape[-1]) @ weight.T  # (N, out)
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + weight.shape[:1])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        needs = ctx.needs_grad
        flat_grad = grad.reshape(-1, grad.shape[-1])  # (N, out)
        grad_x = (flat_grad @ weight).reshape(x.shape) if needs[0] else None
        grad_w = flat_grad.T @ x.reshape(-1, x.shape[-1]) if needs[1] else None
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, flat_grad.sum(axis=0) if needs[2] else None


def linear(x, weight, bias=None):
    return Linear.apply(x, weight) if bias is None else Linear.apply(x, weight, bias)


class CrossEntropy(Function):
    """Mean (or summed) cross-entropy of logits (N, C) against class indices (N,), skipping
    targets equal to ignore_index. One step instead of log_softmax, gather, mask and mean:
    the gradient is (softmax(logits) - one_hot(target)) / count."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index=-100, reduction="mean"):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        valid = target != ignore_index
        rows = np.arange(len(target))
        safe_target = np.where(valid, target, 0)
        picked = shifted[rows, safe_target] - np.log(total[:, 0])  # (N,) log p[target]
        count = valid.sum() if reduction == "mean" else 1
        ctx.save(exp / total, safe_target, valid)
        ctx.scale = 1.0 / count if count else 0.0  # every target ignored: NaN, gradient 0
        return np.asarray(-(picked * valid).sum() * (ctx.scale if count else np.nan),
                          dtype=logits.dtype)

    @staticmethod
    def backward(ctx, grad):
        probs, target, valid = ctx.saved
        out = probs.copy()
        out[np.arange(len(target)), target] -= 1
        out *= (valid * (grad * ctx.scale))[:, None]
        return out.astype(probs.dtype, copy=False), None


def cross_entropy(logits, target, ignore_index=-100, reduction="mean"):
    return CrossEntropy.apply(logits, target, ignore_index=ignore_index, reduction=reduction)



class BinaryCrossEntropyWithLogits(Function):
    """Binary cross-entropy of logits x against targets t, elementwise, in the form that is
    stable for any x: max(x, 0) - x t + log(1 + e^-|x|). One step instead of seven ops;
    d/dx = sigmoid(x) - t and d/dt = -x."""

    @staticmethod
    def forward(ctx, x, target):
        ctx.save(x, target)
        loss = np.maximum(x, 0)
        loss -= x * target
        loss += np.log1p(np.exp(-np.abs(x)))
        return loss

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved
        need_x, need_target = ctx.needs_grad
        grad_x = None
        if need_x:
            grad_x = np.tanh(x * 0.5)  # sigmoid(x) = tanh(x / 2) / 2 + 1 / 2, stable
            grad_x *= 0.5
            grad_x += 0.5
            grad_x -= target
            grad_x *= grad
        grad_target = -grad * x if need_target else None
        return grad_x, grad_target


binary_cross_entropy_with_logits = BinaryCrossEntropyWithLogits.apply


class BinaryCrossEntropy(Function):
    """Binary cross-entropy of probabilities p against targets t, elementwise:
    -(t log p + (1 - t) log(1 - p)), each log clamped at -100 as in PyTorch. One step so that
    the gradients are PyTorch's: d/dp = (p - t) / max(p (1 - p), 1e-12), finite at p = 0 and 1
    (a saturated sigmoid) where the clamped logs' are not, and d/dt = log(1 - p) - log p."""

    @staticmethod
    def forward(ctx, p, target):
        ctx.save(p, target)
        with np.errstate(divide="ignore"):
            log_p, log_not_p = np.log(p), np.log1p(-p)
        return -(target * np.maximum(log_p, -100) + (1 - target) * np.maximum(log_not_p, -100))

    @staticmethod
    def backward(ctx, grad):
        p, target = ctx.saved
        need_p, need_target = ctx.needs_grad
        grad_p = grad * (p - target) / np.maximum(p * (1 - p), 1e-12) if need_p else None
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_target = grad * (np.log1p(-p) - np.log(p)) if need_target else None
        return grad_p, grad_target


binary_cross_entropy = BinaryCrossEntropy.apply


class LSTMSequence(Function):
    """A whole LSTM layer's time loop in one primitive, with backpropagation through time
    written out. Inputs: x_proj (T, B, 4H) = W_ih x_t + b_ih + b_hh for every step, the initial
    h0, c0 (B, H) and W_hh (4H, H); gates i, f, g, o in PyTorch's order.

        i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o),  g = tanh(z_g),  z = x_proj_t + W_hh h
        c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)

    All four gates come from one tanh: sigmoid(z) = 0.5 tanh(z / 2) + 0.5, so each gate is
    a * tanh(a' z) + b with per-column constants. The time loop keeps only what must be
    sequential; everything elementwise that is not is done once for all steps.
    Output (T + 1, B, H): h_t for every step, then the final c as row T (one output array)."""

    @staticmethod
    def forward(ctx, x_proj, h0, c0, weight_hh, reverse=False):
        steps, (batch, hidden) = x_proj.shape[0], h0.shape
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        half = np.full(4 * hidden, 0.5, dtype=x_proj.dtype)
        half[2 * hidden : 3 * hidden] = 1  # the g gate is a plain tanh
        offset = np.where(half == 0.5, half, 0).astype(x_proj.dtype)
        # z * half = x_proj * half + h (W_hh^T * half): the scaling is done once, not per step
        scaled_w = np.ascontiguousarray(weight_hh.T * half)  # (H, 4H)
        gates = x_proj * half  # (T, B, 4H): z * half, then the gates, one step at a time
        product = np.empty((batch, 4 * hidden), dtype=x_proj.dtype)
        cells, tanh_c = np.empty((2, steps, batch, hidden), dtype=x_proj.dtype)  # c_t, tanh c_t
        out = np.empty((steps + 1, batch, hidden), dtype=x_proj.dtype)
        h, c = h0, c0
        for t in order:
            gate = gates[t]
            gate += np.matmul(h, scaled_w, out=product)
            np.tanh(gate, out=gate)
            gate *= half
            gate += offset
            i, f, g, o = (gate[:, k * hidden : (k + 1) * hidden] for k in range(4))
            c = np.multiply(f, c, out=cells[t])
            c += i * g
            np.tanh(c, out=tanh_c[t])
            h = np.multiply(o, tanh_c[t], out=out[t])
        out[steps] = c
        if reverse:  # the h and c each step started from, in time order
            h_prev = np.concatenate([out[1:steps], h0[None]])
            c_prev = np.concatenate([cells[1:], c0[None]])
        else:
            h_prev = np.concatenate([h0[None], out[: steps - 1]])
            c_prev = np.concatenate([c0[None], cells[:-1]])
        ctx.save(gates, h_prev, c_prev, tanh_c, weight_hh)
        ctx.order = order
        return out

    @staticmethod
    def backward(ctx, grad):
        gates, h_prev, c_prev, tanh_c, weight_hh = ctx.saved
        steps, batch, hidden = tanh_c.shape
        i, f, g, o = (gates[..., k * hidden : (k + 1) * hidden] for k in range(4))
        # dz = (grad_c * [g i', c_prev f', i g'], grad_h * tanh_c o'): the factors beside
        # grad_c and grad_h are computed for all steps at once, with sigmoid' = s (1 - s)
        # and tanh' = 1 - g^2
        by_grad_c = np.empty((steps, batch, 3, hidden), dtype=gates.dtype)
        np.multiply(g * i, 1 - i, out=by_grad_c[:, :, 0])
        np.multiply(c_prev * f, 1 - f, out=by_grad_c[:, :, 1])
        np.multiply(i, 1 - g * g, out=by_grad_c[:, :, 2])
        by_grad_h = tanh_c * o * (1 - o)
        o_slope = o * (1 - tanh_c * tanh_c)  # d h / d c without the upstream gradient
        grad_z = np.empty((steps, batch, 4, hidden), dtype=gates.dtype)
        grad_h = np.zeros_like(h_prev[0])
        grad_c = grad[steps].copy()
        for t in reversed(ctx.order):
            grad_h += grad[t]
            grad_c += grad_h * o_slope[t]
            dz = grad_z[t]  # (B, 4, H)
            np.multiply(by_grad_c[t], grad_c[:, None], out=dz[:, :3])
            np.multiply(grad_h, by_grad_h[t], out=dz[:, 3])
            grad_c *= f[t]
            np.matmul(dz.reshape(batch, -1), weight_hh, out=grad_h)  # (B, H)
        flat_z = grad_z.reshape(-1, 4 * hidden)
        grad_w = flat_z.T @ h_prev.reshape(-1, hidden)  # (4H, H)
        return grad_z.reshape(gates.shape), grad_h, grad_c, grad_w


def lstm_sequence(x_proj, h0, c0, weight_hh, reverse=False):
    return LSTMSequence.apply(x_proj, h0, c0, weight_hh, reverse=reverse)


# GELU needs Phi(x) = erfc(-x / sqrt(2)) / 2. In float32 it takes one formula
# for every x instead of three ranges (no gathers): the Chebyshev fit of Numerical
# Recipes (Press et al., 2nd ed., 1992, section 6.2, erfcc), whose relative error is below
# 1.2e-7 for all z >= 0. Evaluated in float32 the error grows to ~1e-5 only where Phi < 1e-20
# (float32 rounding of z^2 inside exp); float64 keeps Cody's erf.
# erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z / 2); P's coefficients, highest power first
_ERFCC = (1.7087277e-1, -8.2215223e-1, 1.48851587, -1.13520398, 2.7886807e-1, -1.8628806e-1,
          9.678418e-2, 3.7409196e-1, 1.00002368, -1.26551223)


def _gelu_block_float32(x, out, slope):
    """out = x Phi(x) and slope = Phi(x) + x phi(x) for one float32 block, in L2 cache."""
    z = np.abs(x)
    z *= 1 / math.sqrt(2)  # Python floats keep the array's float32 (NumPy 2's rules)
    t = z * 0.5
    t += 1
    np.reciprocal(t, out=t)
    series = _polyval(_ERFCC, t)
    np.exp(series, out=series)
    z *= z
    z *= -1
    gauss = np.exp(z, out=z)  # exp(-x^2 / 2)
    half = series  # Phi(-|x|) = erfc(|x| / sqrt(2)) / 2: exact in relative terms
    half *= t
    half *= gauss
    half *= 0.5
    np.multiply(half, -2, out=slope)  # Phi(x) = half + [x >= 0] (1 - 2 half)
    slope += 1
    slope *= x >= 0
    slope += half
    np.multiply(x, slope, out=out)
    gauss *= 1 / math.sqrt(2 * math.pi)
    gauss *= x
    slope += gauss


def gelu_and_slope(x: np.ndarray):
    """GELU(x) = x Phi(x) and its derivative Phi(x) + x phi(x), elementwise in x's dtype."""
    if x.dtype != np.float32:
        cdf = 0.5 * (1 + erf_array(x * (1 / np.sqrt(2))))
        return x * cdf, cdf + x * np.exp(-0.5 * x * x) * (1 / np.sqrt(2 * np.pi))
    flat_x = x.reshape(-1)
    out, slope = np.empty_like(flat_x), np.empty_like(flat_x)
    with np.errstate(under="ignore", over="ignore"):
        for start in range(0, flat_x.size, _BLOCK):
            block = slice(start, start + _BLOCK)
            _gelu_block_float32(flat_x[block], out[block], slope[block])
    return out.reshape(x.shape), slope.reshape(x.shape)


class Gelu(Function):
    """GELU(x) = x Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel 2016);
    d/dx = Phi(x) + x phi(x), phi the normal density. Fused: the slope is computed in the
    forward pass, while x is in cache, and backward is one product."""

    @staticmethod
    def forward(ctx, x):
        out, slope = gelu_and_slope(x)
        ctx.save(slope)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last dim (Ba et al. 2016).
    With x_hat the normalised input and g = grad * weight, the input gradient is
    (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + eps). The means along rows are
    matrix-vector products (BLAS), several times faster than NumPy's short row reductions;
    mean(g) = grad @ (weight / C) and mean(g * x_hat) = (grad * x_hat) @ (weight / C)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps=1e-5):
        flat = x.reshape(-1, x.shape[-1])  # (N, C)
        average = np.full((flat.shape[1], 1), 1 / flat.shape[1], x.dtype)  # (C, 1)
        x_hat = flat - flat @ average
        inv_std = 1 / np.sqrt(np.square(x_hat) @ average + eps)  # (N, 1)
        x_hat *= inv_std
        ctx.save(x_hat, inv_std, weight)
        out = x_hat * weight
        out += bias
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved
        flat = grad.reshape(x_hat.shape)  # (N, C)
        weighted_average = (weight / weight.shape[0])[:, None]  # (C, 1)
        grad_x_hat = flat * x_hat
        grad_weight = grad_x_hat.sum(axis=0)
        mean_g, mean_g_x_hat = flat @ weighted_average, grad_x_hat @ weighted_average
        grad_x = flat * weight
        grad_x -= mean_g
        grad_x -= np.multiply(x_hat, mean_g_x_hat, out=grad_x_hat)
        grad_x *= inv_std
        return grad_x.reshape(grad.shape), grad_weight, flat.sum(axis=0)


gelu, layer_norm = Gelu.apply, LayerNorm.apply


class Attention(Function):
    """softmax(q k^T * scale + mask) v in one step (Vaswani et al. 2017). mask is additive
    (0 or -inf), broadcastable to (..., L, S). With p the attention weights and g the output
    gradient: dv = p^T g, ds = p * (g v^T - rowsum(p * g v^T)), dq = ds k scale,
    dk = ds^T q scale. The weights are kept transposed, (..., S, L): NumPy reduces along a
    non-last axis with SIMD, and along short last-axis rows several times slower."""

    @staticmethod
    def forward(ctx, q, k, v, mask=None, scale=1.0):
        q_scaled = q * scale  # smaller than the scores when L, S > head size
        weights_t = k @ np.swapaxes(q_scaled, -1, -2)  # (..., S, L): the scores, transposed
        if mask is not None:
            weights_t += np.swapaxes(mask, -1, -2)
        peak = weights_t.max(axis=-2, keepdims=True, initial=-np.inf)  # initial: no keys
        if mask is not None:
            peak[peak == -np.inf] = 0  # a query masked from every key gets 0, as in PyTorch
        weights_t -= peak
        np.exp(weights_t, out=weights_t)
        total = weights_t.sum(axis=-2, keepdims=True)
        if mask is not None:
            total[total == 0] = 1
        weights_t /= total
        ctx.save(q_scaled, k, v, weights_t)
        ctx.scale = scale
        return np.swapaxes(weights_t, -1, -2) @ v  # (..., L, Ev)

    @staticmethod
    def backward(ctx, grad):
        q_scaled, k, v, weights_t = ctx.saved
        grad_v = weights_t @ grad
        grad_scores_t = v @ np.swapaxes(grad, -1, -2)  # (..., S, L)
        grad_scores_t -= (grad_scores_t * weights_t).sum(axis=-2, keepdims=True)
        grad_scores_t *= weights_t
        grad_q = np.swapaxes(grad_scores_t, -1, -2) @ k
        grad_q *= ctx.scale
        grad_k = grad_scores_t @ q_scaled
        return unbroadcast(grad_q, q_scaled.shape), unbroadcast(grad_k, k.shape), unbroadcast(
            grad_v, v.shape)


def attention(q, k, v, mask=None, scale=1.0):
    """mask: an additive float array (not a Tensor), or None."""
    return Attention.apply(q, k, v, mask=mask, scale=scale)
