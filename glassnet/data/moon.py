"""Moon phases, generated: the VAE lesson's data, and the meter that reads a phase back.

The Moon is a sphere lit from one side. Seen from Earth, the boundary between its day and night
halves (the terminator) projects onto the disc as half an ellipse, u = cos(phase) sqrt(1 - v^2)
in units of the disc's radius, where the phase angle runs from 0 (new moon) through pi/2 (first
quarter, a half moon lit on the right as seen from the northern hemisphere) and pi (full moon) to
3 pi/2 (last quarter, lit on the left). The lit part of the disc is then (1 - cos phase) / 2 of
its area: 0 at new moon, 1/2 at either quarter (a "half moon"), 1 at full moon. Between a quarter
and full the moon is gibbous (lit fraction between 1/2 and 1), between new and a quarter a
crescent.

An image is sky 0, the unlit disc `dark` (earthshine keeps it faintly visible, so the disc is
there at new moon too) and the lit part `light`. `moon_phases` draws a distribution: a random
phase and small seeded variations of the disc's position, size and brightness. `PhaseMeter`
measures a phase: the phase of the nearest rendering over a grid of phases, positions and sizes,
at the best brightness (solved exactly, the image being linear in it). Its distance tells how far
an image is from every moon it could be, which says whether a decoded image is a moon at all.
"""

from typing import NamedTuple

import numpy as np

from glassnet import random

RADIUS = 0.8  # the disc's radius, in units of half the image width
DARK = 0.15  # brightness of the unlit disc
SHIFT = 0.5  # the disc's centre moves by up to this many pixels along each axis
SCALE = 0.05  # the radius varies by up to this fraction
LIGHT = (0.5, 1.0)  # brightness of the lit part, drawn uniformly in this range
# the eight named phases, each the 45-degree arc centred on its angle (0, 45, ..., 315 degrees)
PHASE_NAMES = ("new moon", "waxing crescent", "first quarter", "waxing gibbous", "full moon",
               "waning gibbous", "last quarter", "waning crescent")


def lit_fraction(phase):
    """The exact lit fraction of the disc at a phase angle: (1 - cos phase) / 2."""
    return (1 - np.cos(phase)) / 2


def phase_name(phase):
    """The traditional name of a phase angle (radians): one of PHASE_NAMES, each covering the
    45-degree arc centred on its angle, so 'waxing gibbous' is 112.5 to 157.5 degrees (lit
    fraction 0.69 to 0.96) and 'first quarter' 67.5 to 112.5 degrees (0.31 to 0.69)."""
    index = np.round(np.asarray(phase) / (np.pi / 4)).astype(int) % 8
    return PHASE_NAMES[index] if index.ndim == 0 else np.array(PHASE_NAMES)[index]


def _masks(phase, centre_x, centre_y, radius, size, supersample):
    """Disc and lit coverage (N, size, size) in [0, 1] for N moons (each argument (N,); centre and
    radius in units of half the image width), averaged over supersample^2 sub-pixels."""
    count = size * supersample
    axis = (np.arange(count) + 0.5) / count * 2 - 1  # sub-pixel centres in [-1, 1]
    u = (axis[None, None, :] - centre_x[:, None, None]) / radius[:, None, None]  # (N, 1, S)
    v = (axis[None, :, None] - centre_y[:, None, None]) / radius[:, None, None]  # (N, S, 1)
    disc = u**2 + v**2 <= 1  # (N, S, S)
    terminator = np.cos(phase)[:, None, None] * np.sqrt(np.clip(1 - v**2, 0, None))  # (N, S, 1)
    waxing = (np.sin(phase) >= 0)[:, None, None]
    lit = disc & np.where(waxing, u > terminator, u < -terminator)  # (N, S, S)

    def pool(fine):
        return fine.reshape(-1, size, supersample, size, supersample).mean(axis=(2, 4))

    return pool(disc.astype(np.float32)), pool(lit.astype(np.float32))


def render_moons(phase, centre_x=0.0, centre_y=0.0, radius=RADIUS, light=1.0, dark=DARK,
                 size=28, supersample=4, chunk=256):
    """Moons (N, size, size) float32 for arrays (or scalars) of phase angles, centres, radii and
    lit brightness, rendered in chunks to bound memory."""
    phase = np.atleast_1d(np.asarray(phase, dtype=np.float64))
    shape = phase.shape
    columns = [np.broadcast_to(np.asarray(a, dtype=np.float64), shape).ravel()
               for a in (phase, centre_x, centre_y, radius, light)]
    images = np.empty((len(columns[0]), size, size), dtype=np.float32)
    for start in range(0, len(images), chunk):
        part = [c[start : start + chunk] for c in columns]
        disc, lit = _masks(*part[:4], size, supersample)
        images[start : start + chunk] = dark * disc + (part[4][:, None, None] - dark) * lit
    return images


def render_moon(phase, size=28, radius=RADIUS, dark=DARK, light=1.0, centre=(0.0, 0.0),
                supersample=4):
    """One moon at phase angle `phase` (radians; 0 new, pi/2 first quarter, pi full, 3 pi/2 last
    quarter) as a (size, size) float32 image: sky 0, the unlit disc `dark`, the lit part `light`.
    Each pixel averages supersample^2 sub-pixels (anti-aliasing)."""
    return render_moons(phase, centre[0], centre[1], radius, light, dark, size, supersample)[0]


def measure_lit_fraction(images, radius=RADIUS, dark=DARK):
    """Lit fraction read from the pixels of moons drawn at the standard place and size with full
    brightness (..., size, size): the mean over the disc of (pixel - dark) / (1 - dark), clipped
    to [0, 1]."""
    size = images.shape[-1]
    axis = ((np.arange(size) + 0.5) / size * 2 - 1) / radius
    disc = axis[:, None] ** 2 + axis[None, :] ** 2 <= 1
    brightness = np.clip((images[..., disc] - dark) / (1 - dark), 0, 1)
    return brightness.mean(axis=-1)


class Moons(NamedTuple):
    images: np.ndarray  # (N, 1, size, size) float32
    phase: np.ndarray  # (N,) float32 phase angles, radians
    lit: np.ndarray  # (N,) float32 exact lit fractions


def moon_phases(n=1000, size=28, rng=None, phases=(0.0, 2 * np.pi), shift=SHIFT, scale=SCALE,
                light=LIGHT, dark=DARK):
    """n moons at phase angles uniform in `phases`, each with its own small variation: the centre
    moved by up to `shift` pixels along each axis, the radius scaled by up to 1 +- `scale`, the
    lit part's brightness uniform in `light`. Seeded by rng; shift=0, scale=0, light=(1, 1) give
    the exact renderings."""
    gen = random.generator(rng)
    phase = gen.uniform(phases[0], phases[1], n)
    pixel = 2.0 / size  # one pixel in units of half the image width
    centre = gen.uniform(-shift, shift, (2, n)) * pixel
    radius = RADIUS * (1 + gen.uniform(-scale, scale, n))
    brightness = gen.uniform(light[0], light[1], n)
    images = render_moons(phase, centre[0], centre[1], radius, brightness, dark, size)
    return Moons(images[:, None], phase.astype(np.float32), lit_fraction(phase).astype(np.float32))


class Reading(NamedTuple):
    phase: np.ndarray  # (N,) phase angle of the nearest rendering, radians
    lit: np.ndarray  # (N,) its lit fraction
    name: np.ndarray  # (N,) its traditional name (PHASE_NAMES)
    distance: np.ndarray  # (N,) root-mean-square pixel difference to it
    light: np.ndarray  # (N,) its lit brightness


class PhaseMeter:
    """Reads a phase off an image: the phase of the nearest rendering (least squared pixel
    difference). The candidates are every phase on a grid of `steps` angles, the centre at -shift,
    0 or +shift pixels along each axis, the radius at 1 - scale, 1 or 1 + scale times the standard,
    and any lit brightness in `light` (for each candidate the best one, solved in closed form).
    The grid covers the spread of moon_phases, so a drawn moon is close to some candidate."""

    def __init__(self, size=28, steps=120, shift=SHIFT, scale=SCALE, light=LIGHT, dark=DARK,
                 positions=3, sizes=3, supersample=4):
        self.size, self.dark, self.light = size, dark, light
        offsets = np.linspace(-shift, shift, positions) * 2.0 / size
        radii = RADIUS * (1 + np.linspace(-scale, scale, sizes))
        grid = np.meshgrid(np.arange(steps) * 2 * np.pi / steps, offsets, offsets, radii,
                           indexing="ij")
        self.phases, centre_x, centre_y, radius = (g.ravel() for g in grid)  # (M,) each
        disc, lit = [], []
        for start in range(0, len(self.phases), 256):
            part = slice(start, start + 256)
            d, m = _masks(self.phases[part], centre_x[part], centre_y[part], radius[part], size,
                          supersample)
            disc.append(d.reshape(len(d), -1))
            lit.append(m.reshape(len(m), -1))
        # float32 halves the time of the two products that dominate a reading
        self.disc = np.concatenate(disc).astype(np.float32)  # (M, P) coverage of the disc
        self.lit = np.concatenate(lit).astype(np.float32)  # (M, P) coverage of the lit part
        self.lit_norm = (self.lit**2).sum(1)  # (M,)
        self.disc_norm = (self.disc**2).sum(1)  # (M,)
        self.disc_lit = (self.disc * self.lit).sum(1)  # (M,)

    def __call__(self, images):
        """Reading of images (N, 1, size, size), (N, size, size) or one (size, size)."""
        x = np.asarray(images, dtype=np.float32).reshape(-1, self.size * self.size)  # (N, P)
        # squared distance to dark * disc + gain * lit, gain = light - dark, minimised over gain
        base = (x**2).sum(1)[:, None] - 2 * self.dark * (x @ self.disc.T) \
            + self.dark**2 * self.disc_norm  # (N, M): |x - dark disc|^2
        cross = x @ self.lit.T - self.dark * self.disc_lit  # (N, M): <x - dark disc, lit>
        low, high = self.light[0] - self.dark, self.light[1] - self.dark
        gain = np.clip(cross / np.maximum(self.lit_norm, 1e-12), low, high)  # (N, M)
        squared = base - 2 * gain * cross + gain**2 * self.lit_norm  # (N, M)
        best = squared.argmin(axis=1)  # (N,)
        rows = np.arange(len(x))
        phase = self.phases[best]
        distance = np.sqrt(np.clip(squared[rows, best], 0, None) / x.shape[1])
        return Reading(phase, lit_fraction(phase), phase_name(phase),
                       distance.astype(np.float64), (gain[rows, best] + self.dark).astype(np.float64))
