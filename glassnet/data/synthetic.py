"""Data that glassnet makes itself: seeded and deterministic (the same rng gives the same set).

2-D classification sets return X float32 (N, 2) and y int64 (N,), classes balanced to within one
example. `rng` is a numpy Generator or an int seed; None draws from glassnet's global generator.

Sequence tasks (long-memory recall, bidirectional context, dates, coreference sentences) are
added here by the lessons that need them. Moon phases live in glassnet.data.moon, re-exported here.
"""

import numpy as np

from glassnet import random
from glassnet.data.moon import (  # noqa: F401 (re-exported: synthetic.moon_phases and friends)
    PhaseMeter,
    lit_fraction,
    measure_lit_fraction,
    moon_phases,
    phase_name,
    render_moon,
    render_moons,
)


def _finish(x, y, gen):
    """Shuffle the examples together and cast to the library's dtypes."""
    order = gen.permutation(len(y))
    return x[order].astype(np.float32), y[order].astype(np.int64)


def blobs(n=200, distance=3.0, std=0.6, margin=0.2, rng=None):
    """Two Gaussian clusters at +-distance/2 along the diagonal, linearly separable with a
    margin: points closer than `margin` to the line x1 + x2 = 0 (or on the wrong side) are
    redrawn, so a perceptron is guaranteed to converge (Novikoff, 1962)."""
    gen = random.generator(rng)
    y = np.arange(n) % 2
    side = 2 * y - 1  # (N,) -1 or +1
    direction = np.array([1.0, 1.0]) / np.sqrt(2.0)
    centres = side[:, None] * direction * distance / 2  # (N, 2)
    x = centres + std * gen.standard_normal((n, 2))
    while True:
        bad = (x @ direction) * side < margin
        if not bad.any():
            return _finish(x, y, gen)
        x[bad] = centres[bad] + std * gen.standard_normal((int(bad.sum()), 2))


XOR_CORNERS = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])


def xor_clusters(n=200, std=0.25, rng=None):
    """Four Gaussian clusters at the corners (+-1, +-1); opposite corners share a class (class 0
    'green' at (-1,-1) and (1,1), class 1 'red' at (1,-1) and (-1,1)). No line separates them:
    the best linear model gets about 3 of the 4 clusters right."""
    gen = random.generator(rng)
    corner = np.arange(n) % 4
    x = XOR_CORNERS[corner] + std * gen.standard_normal((n, 2))
    return _finish(x, corner % 2, gen)


def circles(n=200, noise=0.05, factor=0.5, rng=None):
    """Class 0 on the unit circle, class 1 on a circle of radius `factor` inside it."""
    gen = random.generator(rng)
    y = np.arange(n) % 2
    angle = gen.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _finish(x + noise * gen.standard_normal((n, 2)), y, gen)


def moons(n=200, noise=0.1, rng=None):
    """Two interleaving half circles: class 0 the upper arc (cos t, sin t), class 1 the lower
    arc (1 - cos t, 0.5 - sin t), t uniform in [0, pi]."""
    gen = random.generator(rng)
    y = np.arange(n) % 2
    t = gen.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where((y == 0)[:, None], upper, lower)
    return _finish(x + noise * gen.standard_normal((n, 2)), y, gen)


def spirals(n=200, classes=2, turns=1.5, noise=0.05, rng=None):
    """`classes` interleaved spiral arms: arm k at radius r in [0.05, 1] has angle
    2 pi (turns r + k / classes)."""
    gen = random.generator(rng)
    y = np.arange(n) % classes
    r = gen.uniform(0.05, 1.0, n)
    angle = 2 * np.pi * (turns * r + y / classes)
    x = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _finish(x + noise * gen.standard_normal((n, 2)), y, gen)


def ring_of_gaussians(n=1000, modes=8, radius=2.0, std=0.02, rng=None):
    """`modes` small Gaussians (standard deviation `std`) evenly spaced on a circle of `radius`,
    equally weighted: X float32 (N, 2) and y int64 (N,), the mode each point came from. The test
    bed of GAN mode collapse (Metz, Poole, Pfau & Sohl-Dickstein, "Unrolled Generative
    Adversarial Networks", 2017: 8 modes, radius 2, std 0.02)."""
    gen = random.generator(rng)
    y = np.arange(n) % modes
    x = ring_centres(modes, radius)[y] + std * gen.standard_normal((n, 2))
    return _finish(x, y, gen)


def ring_centres(modes=8, radius=2.0):
    """The centres of ring_of_gaussians' modes, mode k at angle 2 pi k / modes: (modes, 2)."""
    angle = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def linear_regression(n=100, weights=(2.0, -3.0), bias=0.5, noise=0.1, rng=None):
    """y = X w + b + noise with X standard normal: X float32 (N, D), y float32 (N,), the least
    squares problem whose closed form (normal equations) gradient descent should reach."""
    gen = random.generator(rng)
    weights = np.asarray(weights, dtype=np.float64)
    x = gen.standard_normal((n, len(weights)))
    y = x @ weights + bias + noise * gen.standard_normal(n)
    return x.astype(np.float32), y.astype(np.float32)


# ---- loss surfaces (the gradient-descent lesson) ----

class PitSurface:
    """A smooth bumpy 2-D landscape for a marble to roll on: a bowl minus Gaussian pits,

        f(p) = bowl |p - bowl_centre|^2 - sum_k depth_k exp(-|p - c_k|^2 / (2 width_k^2)).

    Called on a Tensor of points (..., 2) it returns the heights (...) built from Tensor ops, so
    autograd gives the slope; called on a NumPy array it returns an array (for contour maps).
    `extent` (x0, x1, y0, y1) is the square worth drawing."""

    def __init__(self, centres, depths, widths, bowl=0.05, bowl_centre=(0.0, 0.0),
                 extent=(-3.0, 3.0, -3.0, 3.0)):
        self.centres = np.asarray(centres, dtype=np.float64)  # (K, 2)
        self.depths = np.asarray(depths, dtype=np.float64)  # (K,)
        self.widths = np.asarray(widths, dtype=np.float64)  # (K,)
        if self.centres.shape != (len(self.depths), 2) or self.widths.shape != self.depths.shape:
            raise ValueError(
                f"PitSurface: need centres (K, 2), depths (K,), widths (K,); got "
                f"{self.centres.shape}, {self.depths.shape}, {self.widths.shape}"
            )
        self.bowl = float(bowl)
        self.bowl_centre = np.asarray(bowl_centre, dtype=np.float64)
        self.extent = tuple(float(v) for v in extent)

    def __call__(self, points):
        exp = np.exp if isinstance(points, np.ndarray) else (lambda t: t.exp())
        offset = points - self.bowl_centre  # (..., 2)
        bowl = (offset * offset).sum(-1) * self.bowl  # (...)
        diff = points[..., None, :] - self.centres  # (..., K, 2)
        pits = exp((diff * diff).sum(-1) * (-0.5 / self.widths**2)) * self.depths  # (..., K)
        return bowl - pits.sum(-1)

    def grid(self, size=121):
        """Heights on a size x size grid over the extent: xs (size,), ys (size,), f (size, size)
        with f[i, j] at (xs[j], ys[i]), ready for matplotlib's contour."""
        x0, x1, y0, y1 = self.extent
        xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
        points = np.stack(np.meshgrid(xs, ys), axis=-1)  # (size, size, 2)
        return xs, ys, self(points)


def bumpy_surface():
    """Five pits of different depths in a shallow bowl: several local minima, one global."""
    return PitSurface(
        centres=[(-1.7, 1.6), (1.5, 1.9), (0.0, 0.1), (-1.6, -1.7), (1.9, -1.3)],
        depths=[1.0, 1.4, 0.8, 1.2, 2.0],
        widths=[0.75, 0.7, 0.6, 0.7, 0.75],
        bowl=0.06,
    )


def shallow_pit_surface():
    """A slope down to one deep pit at (1.5, 0), with a shallow dimple at (-1.2, 0) on the way:
    plain gradient descent started uphill at the left settles in the dimple."""
    return PitSurface(
        centres=[(-1.2, 0.0), (1.5, 0.0)],
        depths=[0.4, 1.5],
        widths=[0.4, 0.7],
        bowl=0.06,
        bowl_centre=(1.5, 0.0),
        extent=(-3.0, 3.0, -2.0, 2.0),
    )
