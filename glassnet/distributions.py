"""torch.distributions' three most used distributions, composed of tensor ops: Categorical
(policy gradients: REINFORCE and actor-critic in pytorch/examples draw actions from it),
Bernoulli and Normal (rsample: the reparameterisation trick of a VAE). log_prob and entropy
carry gradients to the parameters; samples are drawn from glassnet's generator (so they
differ from PyTorch's draws; their distributions are the same)."""

import math

import numpy as np

from glassnet import random
from glassnet.creation import as_tensor, multinomial
from glassnet.functional import binary_cross_entropy_with_logits
from glassnet.tensor import Tensor


def _shape(sample_shape):
    return tuple(sample_shape) if isinstance(sample_shape, (tuple, list)) else (sample_shape,)


class Distribution:
    """What every distribution has: its batch shape, sample(), stddev from the variance."""

    has_rsample = False

    @property
    def stddev(self):
        return self.variance.sqrt()

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _extended(self, sample_shape):
        return _shape(sample_shape) + tuple(self.batch_shape)


class Categorical(Distribution):
    """Classes 0..K-1 with probabilities probs (or softmax(logits)) along the last dim; the
    dims before it are the batch."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: give either probs or logits, not both")
        if probs is not None:
            probs = as_tensor(probs)
            self.probs = probs / probs.sum(-1, keepdim=True)
            finite = np.finfo(self.probs.dtype)
            self.logits = self.probs.clamp(min=finite.tiny).log()
        else:
            logits = as_tensor(logits)
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = self.logits.exp()
        self.batch_shape = tuple(self.probs.shape[:-1])
        self._num_events = self.probs.shape[-1]

    @property
    def param_shape(self):
        return tuple(self.probs.shape)

    @property
    def mean(self):
        return Tensor._make(np.full(self.batch_shape, np.nan, self.probs.dtype))

    def sample(self, sample_shape=()):
        """Class indices of shape sample_shape + batch_shape (int64), no gradient."""
        count = int(np.prod(_shape(sample_shape)))
        rows = self.probs.detach().reshape(-1, self._num_events)
        drawn = multinomial(rows, count, replacement=True)  # (batch, count)
        return drawn.t().reshape(self._extended(sample_shape))

    def log_prob(self, value):
        value = as_tensor(value).long()
        shape = np.broadcast_shapes(tuple(value.shape), self.batch_shape)
        logits = self.logits.expand(*shape, self._num_events)
        return logits.gather(-1, value.expand(*shape).unsqueeze(-1).array).squeeze(-1)

    def entropy(self):
        finite = np.finfo(self.logits.dtype)
        return -(self.logits.clamp(min=finite.min) * self.probs).sum(-1)


class Bernoulli(Distribution):
    """0 or 1, 1 with probability probs (or sigmoid(logits))."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: give either probs or logits, not both")
        if probs is not None:
            self.probs = as_tensor(probs)
            eps = np.finfo(self.probs.dtype).eps
            clamped = self.probs.clamp(eps, 1 - eps)
            self.logits = clamped.log() - (-clamped).log1p()
        else:
            self.logits = as_tensor(logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(self.probs.shape)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        shape = self._extended(sample_shape)
        draws = random.generator().random(shape) < np.broadcast_to(self.probs.array, shape)
        return Tensor._make(draws.astype(self.probs.dtype))

    def log_prob(self, value):
        value = as_tensor(value).type(self.logits.dtype)
        shape = np.broadcast_shapes(tuple(self.logits.shape), tuple(value.shape))
        return -binary_cross_entropy_with_logits(self.logits.expand(*shape), value.expand(*shape),
                                                 reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Normal(Distribution):
    """N(loc, scale^2), elementwise over the broadcast shape of loc and scale."""

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        loc, scale = as_tensor(loc), as_tensor(scale)
        if loc.dtype.kind != "f":
            loc = loc.type(scale.dtype if scale.dtype.kind == "f" else np.float32)
        if scale.dtype != loc.dtype:
            scale = scale.type(loc.dtype)
        self.batch_shape = np.broadcast_shapes(tuple(loc.shape), tuple(scale.shape))
        self.loc, self.scale = loc.expand(*self.batch_shape), scale.expand(*self.batch_shape)

    mean = property(lambda self: self.loc)
    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale * self.scale)

    def rsample(self, sample_shape=()):
        """loc + scale * eps, eps ~ N(0, 1): differentiable in loc and scale."""
        eps = random.generator().standard_normal(self._extended(sample_shape))
        return self.loc + self.scale * Tensor._make(eps.astype(self.loc.dtype))

    def sample(self, sample_shape=()):
        return self.rsample(sample_shape).detach()

    def log_prob(self, value):
        value = as_tensor(value).type(self.loc.dtype) if not isinstance(value, Tensor) else value
        variance = self.scale * self.scale
        return -((value - self.loc) ** 2) / (2 * variance) - self.scale.log() \
            - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return self.scale.log() + 0.5 + 0.5 * math.log(2 * math.pi)

    def cdf(self, value):
        return ((value - self.loc) / (self.scale * math.sqrt(2))).erf() * 0.5 + 0.5


__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal"]
