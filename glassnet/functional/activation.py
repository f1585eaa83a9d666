"""More of torch.nn.functional's activations, composed of the primitives: the clipped ones
(hardtanh, relu6, hardsigmoid, hardswish), the smooth ones (mish, selu, celu, logsigmoid,
softsign), the learned and random slopes (prelu, rrelu), the gate (glu) and the shrinks.

Where PyTorch's derivative at a kink differs from clamp's (hardtanh's gradient is 0 at its
bounds, clamp's is 1), the function says so with a where on the strict inside.
"""

import numpy as np

from glassnet import random
from glassnet.creation import where
from glassnet.functional import _activation, elu, leaky_relu, softplus
from glassnet.ops import elementwise as ew
from glassnet.tensor import Tensor


def _clipped(x, low, high):
    """x clipped to [low, high], with PyTorch's hardtanh gradient: 1 strictly inside, else 0."""
    return where((x > low) & (x < high), x, x.detach().clamp(low, high))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return _activation("hardtanh", lambda x: _clipped(x, min_val, max_val), input, inplace)


def relu6(input, inplace=False):
    """min(max(0, x), 6) (Krizhevsky 2010; MobileNets)."""
    return _activation("relu6", lambda x: _clipped(x, 0.0, 6.0), input, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6, the piecewise-linear sigmoid of MobileNetV3 (Howard et al. 2019)."""
    return _activation("hardsigmoid", lambda x: _clipped(x + 3, 0.0, 6.0) / 6, input, inplace)


def hardswish(input, inplace=False):
    """x relu6(x + 3) / 6 (Howard et al. 2019)."""
    return _activation("hardswish", lambda x: x * _clipped(x + 3, 0.0, 6.0) / 6, input, inplace)


def mish(input, inplace=False):
    """x tanh(softplus(x)) (Misra 2019), softplus without its linear cut-off (as PyTorch's)."""
    return _activation("mish", lambda x: x * ew.tanh(softplus(x, 1.0, float("inf"))), input,
                       inplace)


def logsigmoid(input):
    """log(1 / (1 + e^-x)) = -softplus(-x), without overflow for any x (and without
    softplus's linear cut-off, as PyTorch's)."""
    return -softplus(-input, 1.0, float("inf"))


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - ew.tanh(input)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805  # Klambauer et al. (2017)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    return _activation("selu", lambda x: elu(x, SELU_ALPHA) * SELU_SCALE, input, inplace)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)) (Barron 2017)."""
    return _activation("celu", lambda x: where(
        x > 0, x, ((x.clamp(max=0) / alpha).exp() - 1) * alpha), input, inplace)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return _activation("threshold", lambda x: where(x > threshold, x, value), input, inplace)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return where((input > lambd) | (input < -lambd), input, 0.0)


def prelu(input, weight):
    """x for x > 0, else a x with a learned slope a: one for all channels or one per channel
    (dim 1) (He et al. 2015)."""
    if weight.numel() != 1 and (input.ndim < 2 or input.shape[1] != weight.numel()):
        raise RuntimeError(f"prelu: weight has {weight.numel()} slopes; expected 1 or one per "
                           f"channel (dim 1) of the input of shape {tuple(input.shape)}")
    slope = weight.reshape((1, -1) + (1,) * (input.ndim - 2)) if weight.numel() > 1 else weight
    return where(input > 0, input, input * slope)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, rng=None):
    """Leaky ReLU with a random slope from U(lower, upper) per element in training, their mean
    in evaluation (Xu et al. 2015)."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slopes = random.generator(rng).uniform(lower, upper, input.shape).astype(input.dtype)
    return _activation("rrelu", lambda x: where(x >= 0, x, x * Tensor._make(slopes)), input,
                       inplace)


def glu(input, dim=-1):
    """a sigmoid(b), a and b the two halves of input along dim (Dauphin et al. 2017)."""
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size "
                           f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * ew.sigmoid(b)


def softmin(input, dim=None, dtype=None):
    return (-(input if dtype is None else input.type(dtype))).softmax(dim)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1, rng=None):
    """softmax((logits + g) / tau) with Gumbel noise g = -log(E), E ~ Exp(1) (Jang et al.
    2017); hard=True gives the one-hot of its argmax with the soft sample's gradient (the
    straight-through estimator). eps is unused, as in PyTorch."""
    noise = -np.log(random.generator(rng).exponential(size=logits.shape))
    soft = ((logits + Tensor._make(noise.astype(logits.dtype))) / tau).softmax(dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = (soft.detach() * 0).scatter(dim % soft.ndim, index, 1.0)
    return one_hot - soft.detach() + soft
