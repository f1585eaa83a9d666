"""Lesson 11, vae: halfway between a full moon and a half moon is a gibbous moon.

The article's question: encode a full moon and a half moon, take the point halfway between their
codes and decode it; we would like a gibbous moon (lit between half and full). A variational
autoencoder (Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, arXiv 2013) makes
that likely: its encoder gives each image a small Gaussian cloud of codes instead of one point,
and its loss (reconstruction plus the KL divergence from the prior N(0, I)) pulls all the clouds
together so that they fill the prior without gaps. Any code drawn from N(0, I) then decodes to
something like the data.

The data are generated moons (`glassnet.data.moon`): 1,000 images of 28x28 pixels at uniformly
random phases over the whole cycle, waxing and waning, the disc moved by up to half a pixel,
its size varied by up to 5% and its lit part's brightness drawn between 0.5 and 1. A phase meter
reads any image back: the phase of the nearest rendering over a grid of phases (3 degrees
apart), positions, sizes and brightnesses, and how far the image is from it (root-mean-square
pixel difference). Drawn moons read about 0.028 from a rendering (median; 99th percentile
0.055-0.060, the farthest of 1,000 training moons 0.061-0.071 over seeds 0-4), while an even
blend of a full and a half moon reads 0.15 away; an image counts as a moon when it reads within
TAU = 0.075, just beyond the farthest training moon.

Both models share one shape (`glassnet.models.vae` and `.autoencoder`: 784 -> 256 -> 64 -> code
of 2 -> 64 -> 256 -> 784, LeakyReLU, Bernoulli pixels), the plain autoencoder without the KL
term and with one code per image. Adam at 0.002 on a cosine schedule, batches of 64, 60 epochs.
For the plain autoencoder, which has no prior, codes are drawn from the Gaussian fitted to its
training codes (mean and covariance): the fairest prior it could be given. A small VAE on
digits16 (40 epochs) draws the classic map of a 2-D code space (Kingma & Welling's figure 4).

Calibration (2026-12-05, PyTorch 2.13.0 CPU; the same data, models, loss and optimizer; seeds
0-4). Full mode: decoding the midpoint of a full moon's and a half moon's codes (both rendered at
brightness 0.75) reads as a waxing gibbous moon with lit fraction 0.75-0.79, the ends 0.95-0.99
and 0.47-0.53, a margin of 0.2 or more inside the ends; along the 9-step walk from one to the
other the phase never goes back by more than one step of the meter's grid (3 degrees; near full
moon the meter cannot tell waxing from waning, so a reading may hop across full by one step);
of 2,000 codes drawn from the prior, 0.922-0.946 decode to moons. The plain autoencoder: its
midpoint is gibbous too, and 0.915-0.949 of its samples are moons, so on these data it is not
reliably worse (VAE minus autoencoder: +0.028, +0.002, +0.016, +0.009, -0.003). After 20 epochs
(quick mode) the gap is wider but not on every seed (VAE 0.926-0.939, autoencoder 0.73-0.93).
The issue asked for a check that the VAE's samples are moons more often than the autoencoder's:
it is measured and shown (metrics, the code-space figures), not checked, since it fails on one
seed in five. Other criteria, measured on 2,000 samples per model and seeds 0-4 in both
frameworks (2026-12-05), do not rescue it: a TAU at the training moons' 99th percentile or
maximum still leaves a PyTorch seed at or below zero, codes for the autoencoder drawn uniformly
over its codes' box favour the autoencoder, and only the mean distance to a rendering favours
the VAE on every run, by 0.002-0.007. The autoencoder's codes leave a hole in the middle of the ring of phases (seen in
the "codes" figure), but with only 2 numbers per moon its codes have little room for holes; a
larger code, or clustered data, would give the plain autoencoder's Gaussian more empty space.

glassnet, full mode, seeds 0-4: margin 0.207-0.233, midpoint waxing gibbous at 120 degrees on
every seed and 0.044-0.048 from a rendering, no step back along the walk, prior samples that are
moons 0.926-0.949 (autoencoder 0.911-0.936, VAE minus autoencoder +0.007 to +0.027).

Checks (full and quick mode alike): the midpoint's lit fraction at least MARGIN = 0.05 inside
the ends' and its nearest phase gibbous; no step of the walk backward by more than 3 degrees;
at least 0.9 of the VAE's prior samples are moons; in full mode also the midpoint within TAU of
a rendering (after 20 epochs, quick mode, decoded moons are still blurred to about 0.08).
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
from glassnet import models, optim
from glassnet.data import DataLoader, TensorDataset, load_digits, moon
from glassnet.lessons import _vae_figures as figures
from glassnet.lessons.base import LessonConfig, Result
from glassnet.models.autoencoder import Autoencoder, reconstruction_loss
from glassnet.models.vae import VAE, VAEConfig, elbo_terms
from glassnet.train import ProgressBar, fit

NAME = "vae"
TITLE = "VAE: halfway between a full and a half moon"
IDEA = (
    "A variational autoencoder gives every image a small cloud of codes and pulls all the clouds "
    "toward one bell-shaped prior, so the space of codes is filled without gaps. "
    "Halfway between the codes of a full moon and a half moon it decodes a gibbous moon, and "
    "codes drawn at random from the prior decode to moons. "
    "Its loss is the reconstruction error plus the KL divergence that does the pulling."
)

TAU = 0.075  # a decoded image is a moon when the phase meter reads it within this distance
MARGIN = 0.05  # the midpoint's lit fraction must be this far inside the ends'
PRIOR_FLOOR = 0.9
IMAGE_SIZE = 28
BRIGHTNESS = 0.75  # the full and half moon at the ends of the walk, halfway in moon.LIGHT
QUICK = {"epochs": 20, "prior_samples": 1000, "digit_epochs": 3}


@dataclass
class Config(LessonConfig):
    moons: int = 1000  # training images
    hidden: tuple = (256, 64)
    epochs: int = 60
    batch_size: int = 64
    lr: float = 0.002
    walk_steps: int = 9  # decoded images from the full moon's code to the half moon's (odd)
    prior_samples: int = 2000
    digit_epochs: int = 40

    def validate(self):
        problems = []
        if self.moons < self.batch_size or self.batch_size < 1:
            problems.append(f"--moons must be >= --batch-size >= 1, got {self.moons} and "
                            f"{self.batch_size}")
        if not self.hidden or min(self.hidden) < 1:
            problems.append(f"--hidden must be positive widths like 256,64, got {self.hidden}")
        for knob in ("epochs", "prior_samples", "digit_epochs"):
            if getattr(self, knob) < 1:
                problems.append(f"--{knob.replace('_', '-')} must be >= 1, got "
                                f"{getattr(self, knob)}")
        if self.walk_steps < 3 or self.walk_steps % 2 == 0:
            problems.append(f"--walk-steps must be odd and >= 3 (it has a midpoint), got "
                            f"{self.walk_steps}")
        if self.lr <= 0:
            problems.append(f"--lr must be > 0, got {self.lr}")
        if problems:
            raise ValueError("vae: " + "; ".join(problems))


class Losses:
    """A loss_fn for fit that also keeps each step's reconstruction and KL terms."""

    def __init__(self, variational):
        self.variational = variational
        self.reconstruction, self.kl = [], []

    def __call__(self, output, x):
        if self.variational:
            loss, reconstruction, kl = elbo_terms(*output, x)
            self.kl.append(kl.item())
        else:
            loss = reconstruction = reconstruction_loss(output, x)
        self.reconstruction.append(reconstruction.item())
        return loss

    def per_epoch(self, terms, epochs):
        return np.asarray(terms).reshape(epochs, -1).mean(axis=1)


def train(model, images, batch_size, lr, epochs, label):
    """Train model on images (N, 1, H, W); returns its Losses; leaves it in eval mode."""
    loader = DataLoader(TensorDataset(images, images), batch_size=batch_size, shuffle=True,
                        drop_last=True)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))
    losses = Losses(isinstance(model, VAE))
    fit(model, loader, optimizer, loss_fn=losses, epochs=epochs, scheduler=scheduler,
        scheduler_interval="step", callbacks=[ProgressBar(label)])
    model.eval()
    return losses


def codes_of(model, images):
    """The code of each image (N, 2): the VAE's mean, the autoencoder's one point."""
    with gn.no_grad():
        x = gn.tensor(images)
        return (model.encode(x)[0] if isinstance(model, VAE) else model.encode(x)).numpy()


def decode(model, codes):
    with gn.no_grad():
        return model.decode(gn.tensor(codes.astype(np.float32))).numpy()  # (N, 1, H, W)


def prior_codes(model, train_codes, count, rng):
    """Codes to sample from: N(0, I) for the VAE, the Gaussian fitted to the training codes for
    the autoencoder (which has no prior of its own)."""
    if isinstance(model, VAE):
        return rng.standard_normal((count, 2))
    return rng.multivariate_normal(train_codes.mean(axis=0), np.cov(train_codes.T), count)


def folded(phase):
    """Degrees from new moon (0) to full (180), either way round: what the lit fraction tells."""
    degrees = np.degrees(phase) % 360
    return np.minimum(degrees, 360 - degrees)


def study(model, data, meter, ends, cfg, count, rng):
    """Everything measured on one trained model, as a dict."""
    codes = codes_of(model, data.images)
    end_codes = codes_of(model, ends)  # (2, 2): full, half
    fractions = np.linspace(0, 1, cfg.walk_steps)[:, None]
    walk_codes = (1 - fractions) * end_codes[0] + fractions * end_codes[1]
    walk = decode(model, walk_codes)
    reading = meter(walk)
    samples_codes = prior_codes(model, codes, count, rng)
    samples = decode(model, samples_codes)
    sample_reading = meter(samples)
    backward = np.diff(folded(reading.phase))  # the walk goes from full (180) toward half (90)
    # the code space on a grid: +-2.5 around the prior's centre (VAE) or the codes' (autoencoder)
    centre, spread = ((0, 1) if isinstance(model, VAE) else (codes.mean(0), codes.std(0)))
    grid = decode(model, centre + figures.GRID * spread)
    return {"codes": codes, "end_codes": end_codes, "walk": walk, "reading": reading,
            "samples_codes": samples_codes, "moons": sample_reading.distance <= TAU,
            "largest_backward_step": max(float(backward.max()), 0.0), "grid": grid,
            "grid_moons": meter(grid).distance <= TAU}


def run(cfg):
    result = Result(NAME, cfg)
    epochs = min(cfg.epochs, QUICK["epochs"]) if cfg.quick else cfg.epochs
    count = min(cfg.prior_samples, QUICK["prior_samples"]) if cfg.quick else cfg.prior_samples
    rng = np.random.default_rng(cfg.seed)
    data = moon.moon_phases(cfg.moons, IMAGE_SIZE, rng=rng)
    meter = moon.PhaseMeter(IMAGE_SIZE)
    ends = moon.render_moons([np.pi, np.pi / 2], light=BRIGHTNESS, size=IMAGE_SIZE)[:, None]
    shape = {"image_size": IMAGE_SIZE, "hidden": tuple(cfg.hidden), "code_size": 2}
    vae, plain = VAE(VAEConfig(**shape)), Autoencoder(**shape)
    settings = (cfg.batch_size, cfg.lr, epochs)
    losses = {"VAE": train(vae, data.images, *settings, "VAE on moons"),
              "autoencoder": train(plain, data.images, *settings, "autoencoder on moons")}
    found = {"VAE": study(vae, data, meter, ends, cfg, count, rng),
             "autoencoder": study(plain, data, meter, ends, cfg, count, rng)}
    models.save_model(cfg.out / "vae_moons.npz", "vae", vae)

    middle = cfg.walk_steps // 2
    for label, key in (("VAE", "vae"), ("autoencoder", "ae")):
        reading = found[label]["reading"]
        result.metric(f"{key}_full_lit", reading.lit[0])
        result.metric(f"{key}_half_lit", reading.lit[-1])
        result.metric(f"{key}_midpoint_lit", reading.lit[middle])
        result.metric(f"{key}_midpoint_phase_degrees", np.degrees(reading.phase[middle]))
        result.metric(f"{key}_midpoint_distance", reading.distance[middle])
        result.metric(f"{key}_walk_largest_backward_step", found[label]["largest_backward_step"])
        result.metric(f"{key}_prior_samples_moons", found[label]["moons"].mean())
        result.metric(f"{key}_grid_moons", found[label]["grid_moons"].mean())
        result.metric(f"{key}_reconstruction", np.mean(losses[label].reconstruction[-10:]))
    result.metric("vae_kl", np.mean(losses["VAE"].kl[-10:]))
    result.metric("prior_samples_moons_vae_minus_ae",
                  found["VAE"]["moons"].mean() - found["autoencoder"]["moons"].mean())
    result.metric("epochs", epochs)

    reading = found["VAE"]["reading"]
    inside = min(reading.lit[middle] - reading.lit[-1], reading.lit[0] - reading.lit[middle])
    result.check("VAE midpoint's lit fraction inside the ends' (margin)", inside, ">=", MARGIN)
    result.check("VAE midpoint's nearest phase is gibbous (1 = yes)",
                 float("gibbous" in reading.name[middle]), "==", 1.0)
    result.check("VAE walk full -> half: largest step back in phase (degrees)",
                 found["VAE"]["largest_backward_step"], "<=", 3.0)
    result.check("VAE prior samples that are moons (fraction)", found["VAE"]["moons"].mean(),
                 ">=", PRIOR_FLOOR)
    if not cfg.quick:  # after 20 epochs the decoded moons are still blurred beyond TAU
        result.check("VAE midpoint is a moon: distance to the nearest rendering",
                     reading.distance[middle], "<=", TAU)
    result.text("The walk from a full moon's code to a half moon's, read by the phase meter",
                figures.walk_table(found))

    digits_vae, digit_losses = digits_model(cfg)
    models.save_model(cfg.out / "vae_digits.npz", "vae", digits_vae)
    result.metric("digits_vae_reconstruction", np.mean(digit_losses.reconstruction[-10:]))
    result.metric("digits_vae_kl", np.mean(digit_losses.kl[-10:]))

    result.figure(figures.walk_figure(found, cfg.walk_steps), "walk")
    result.figure(figures.code_grid_figure(found), "code_space_grid")
    result.figure(figures.codes_figure(found, data.phase), "codes")
    epochs_of = {label: epochs for label in losses}
    result.figure(figures.loss_figure(losses, epochs_of), "loss_terms")
    result.figure(figures.digits_grid_figure(digits_vae), "digits_grid")
    return result


def digits_model(cfg):
    """A VAE with a 2-D code on digits16: cheap, for the map of its code space."""
    epochs = min(cfg.digit_epochs, QUICK["digit_epochs"]) if cfg.quick else cfg.digit_epochs
    digits = load_digits(16, download=False)
    model = VAE(VAEConfig(image_size=16, hidden=(128, 64), code_size=2))
    return model, train(model, digits.x_train, 128, cfg.lr, epochs, "VAE on digits")
