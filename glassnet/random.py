"""All randomness in glassnet comes from here: one seedable NumPy Generator, or the rng= a
caller passes. The same seed gives the same numbers, in every op and every lesson."""

import numpy as np

DEFAULT_SEED = 0
_generator = np.random.default_rng(DEFAULT_SEED)
_seed = DEFAULT_SEED


def manual_seed(seed):
    """Reseed the global generator (as torch.manual_seed)."""
    global _generator, _seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _seed = int(seed)
    _generator = np.random.default_rng(_seed)
    return _generator


def initial_seed():
    return _seed


class Generator:
    """torch.Generator: draws of its own, apart from the global generator's
    (randperm(n, generator=g)); manual_seed makes them repeat."""

    def __init__(self, device="cpu"):
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % 2**63)._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, state):
        self.numpy.bit_generator.state = state
        return self


def generator(rng=None):
    """The NumPy Generator to draw from: rng if given (a NumPy or glassnet Generator, or an int
    seed), else the global one."""
    if rng is None:
        return _generator
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, Generator):
        return rng.numpy
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")


def get_rng_state():
    """A JSON-friendly copy of the global generator's state (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state):
    _generator.bit_generator.state = state
