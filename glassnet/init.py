"""PyTorch's initialisations, drawing from glassnet.random. Each fills a tensor in place; a
`generator` (a NumPy Generator, gn.Generator or int seed; `rng` is glassnet's older name for
it) draws instead of the global generator.

Gains and fans follow torch.nn.init; Glorot & Bengio (2010) for xavier, He et al. (2015) for
kaiming. nn.Linear and nn.Conv* use kaiming_uniform_ with a = sqrt(5), which works out to
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

import math

import numpy as np

from glassnet import random
from glassnet.autograd import no_grad

_GAINS = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv_transpose2d": 1.0,
          "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}


def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in _GAINS:
        raise ValueError(
            f"calculate_gain: unknown nonlinearity {nonlinearity!r}; valid: "
            f"{sorted(_GAINS) + ['leaky_relu']}"
        )
    return _GAINS[nonlinearity]


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("fan in and fan out need a tensor with at least 2 dimensions")
    receptive_field = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fill(tensor, values):
    """tensor's values set in place (tensor may also be an ndarray); `m.weight.data`, as PyTorch
    code such as DCGAN's weights_init passes, is a tensor sharing the weight's memory."""
    with no_grad():
        (tensor if isinstance(tensor, np.ndarray) else tensor.array)[...] = values
    return tensor


def _source(generator, rng):
    if generator is not None and rng is not None:
        raise TypeError("init: pass generator= or rng=, not both")
    return random.generator(rng if generator is None else generator)


def uniform_(tensor, a=0.0, b=1.0, generator=None, *, rng=None):
    return _fill(tensor, _source(generator, rng).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, rng=None):
    return _fill(tensor, _source(generator, rng).normal(mean, std, tensor.shape))


def constant_(tensor, val):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None, *, rng=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, _source(generator, rng))


def xavier_normal_(tensor, gain=1.0, generator=None, *, rng=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), _source(generator, rng))


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None,
                     *, rng=None):
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, _source(generator, rng))


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None,
                    *, rng=None):
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity),
                   _source(generator, rng))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) truncated to [a, b]: draws outside are drawn again (the same law as
    PyTorch's inverse-CDF method, other numbers)."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    source = random.generator(generator)
    values = source.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = source.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


def orthogonal_(tensor, gain=1.0, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, signs fixed by
    R's diagonal, times gain (Saxe, McClelland & Ganguli 2014); dims after the first are
    flattened, as in PyTorch."""
    if tensor.ndim < 2:
        raise ValueError("orthogonal_: only tensors with 2 or more dimensions are supported")
    rows = tensor.shape[0]
    cols = int(np.prod(tensor.shape)) // rows if rows else 0
    flat = random.generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def eye_(tensor):
    """The identity matrix (ones on the diagonal of a 2-D tensor)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got {tensor.ndim}-D")
    return _fill(tensor, np.eye(*tensor.shape))
