"""A denoising diffusion probabilistic model (DDPM): Ho, Jain & Abbeel, "Denoising Diffusion
Probabilistic Models", NeurIPS 2020 (arXiv:2006.11239), after Sohl-Dickstein et al. 2015.

The forward process drowns a sample x_0 in Gaussian noise over T steps,

    q(x_t | x_(t-1)) = N(sqrt(1 - beta_t) x_(t-1), beta_t I),  so in one jump
    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),  abar_t = prod_(s <= t) (1 - beta_s),

and a network learns to undo it. Given x_t and t it estimates the clean sample x_0 (or, as in Ho
et al.'s parameterisation, the noise eps; each gives the other through x_t = sqrt(abar_t) x_0 +
sqrt(1 - abar_t) eps). Sampling starts from pure noise x_T ~ N(0, I) and takes T ancestral steps

    x_(t-1) = mu_t(x_t, x0_hat) + sqrt(beta_t) z,  z ~ N(0, I)  (no noise at the last step),

where mu_t is the mean of the forward process's posterior q(x_(t-1) | x_t, x_0) with the estimate
x0_hat in place of x_0 (clipped to the data's range [-1, 1] for images, as in Ho et al.'s code).

The noise schedule is Ho et al.'s linear one, beta from 1e-4 to 0.02 over T = 1000 steps,
rescaled by 1000 / T for shorter chains so that abar_T stays about 2e-5 (almost pure noise). The
denoiser is a multilayer perceptron on the flattened sample; the step t enters as a sinusoidal
embedding (Vaswani et al. 2017, as in Ho et al.) added to every hidden layer. Small enough to
train in seconds on a CPU; Ho et al. used a U-Net (Ronneberger et al. 2015) for real images.
"""

import math
from dataclasses import dataclass

import numpy as np

import glassnet.functional as F
from glassnet import nn, random
from glassnet.autograd import no_grad
from glassnet.creation import tensor
from glassnet.models.config import build_config

PREDICTIONS = ("image", "noise")  # what the denoiser outputs: x_0, or eps as in Ho et al.


@dataclass
class DDPMConfig:
    data_shape: tuple = (1, 16, 16)  # one sample: a 16x16 digit; (2,) for points in the plane
    timesteps: int = 100  # T, the length of the chain
    beta_start: float = 1e-3  # Ho et al.'s 1e-4 at T = 1000, times 1000 / T
    beta_end: float = 0.2  # Ho et al.'s 0.02 at T = 1000, times 1000 / T
    hidden: int = 512  # the width of the denoiser's hidden layers
    layers: int = 3  # hidden layers
    time_embedding: int = 64  # size of the sinusoidal embedding of t
    prediction: str = "image"  # one of PREDICTIONS
    clip: bool = True  # clip the estimated x_0 to [-1, 1] while sampling (data in [-1, 1])

    def __post_init__(self):
        self.data_shape = tuple(int(size) for size in self.data_shape)
        sizes = {"timesteps": self.timesteps, "hidden": self.hidden, "layers": self.layers,
                 "time_embedding": self.time_embedding}
        bad = [f"{name}={value!r}" for name, value in sizes.items()
               if not isinstance(value, int) or value < 1]
        if bad or not self.data_shape or min(self.data_shape) < 1:
            raise ValueError(f"DDPMConfig: sizes must be positive ints, got data_shape="
                             f"{self.data_shape}, {', '.join(bad)}")
        if self.time_embedding % 2:
            raise ValueError(f"DDPMConfig: time_embedding must be even (sines and cosines), "
                             f"got {self.time_embedding}")
        if not 0 < self.beta_start <= self.beta_end < 1:
            raise ValueError(f"DDPMConfig: need 0 < beta_start <= beta_end < 1, got "
                             f"{self.beta_start}, {self.beta_end}")
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"DDPMConfig: prediction must be one of {', '.join(PREDICTIONS)}, "
                             f"got {self.prediction!r}")


class NoiseSchedule:
    """The betas and everything derived from them, as float64 arrays indexed by t = 0..T-1
    (t = 0 is the first, least noisy step)."""

    def __init__(self, timesteps, beta_start, beta_end):
        self.betas = np.linspace(beta_start, beta_end, timesteps)  # (T,)
        self.alphas = 1.0 - self.betas
        self.alpha_bars = np.cumprod(self.alphas)  # abar_t: how much of x_0 is left
        previous = np.concatenate([[1.0], self.alpha_bars[:-1]])  # abar_(t-1), abar_(-1) = 1
        # the posterior q(x_(t-1) | x_t, x_0) has mean clean_coef x_0 + noisy_coef x_t
        self.clean_coef = np.sqrt(previous) * self.betas / (1.0 - self.alpha_bars)
        self.noisy_coef = np.sqrt(self.alphas) * (1.0 - previous) / (1.0 - self.alpha_bars)

    def __len__(self):
        return len(self.betas)


def timestep_embedding(t, size):
    """Sines and cosines of t at `size / 2` frequencies from 1 to 1/10000: (B,) -> (B, size)."""
    frequencies = np.exp(-math.log(10000.0) * np.arange(size // 2) / (size // 2))  # (size/2,)
    angles = np.asarray(t, dtype=np.float64)[:, None] * frequencies  # (B, size/2)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


class Denoiser(nn.Module):
    """An MLP from (x_t flattened, t) to an estimate of x_0 or of the noise, same size as x_t:
    h_1 = silu(W_in x + P_1 e), h_(l+1) = silu(W_l h_l + P_(l+1) e), out = W_out h_L, where
    e = embedding(t) tells every hidden layer which step it is undoing."""

    def __init__(self, features, hidden, layers, time_embedding):
        super().__init__()
        self.time_embedding = time_embedding
        self.inp = nn.Linear(features, hidden)
        self.hidden = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(layers - 1)])
        self.time = nn.ModuleList([nn.Linear(time_embedding, hidden) for _ in range(layers)])
        self.out = nn.Linear(hidden, features)

    def forward(self, x, t):
        e = tensor(timestep_embedding(t, self.time_embedding))  # (B, E)
        h = F.silu(self.inp(x) + self.time[0](e))  # (B, H)
        for layer, project in zip(self.hidden, self.time[1:]):
            h = F.silu(layer(h) + project(e))  # (B, H)
        return self.out(h)  # (B, D)


class DDPM(nn.Module):
    """The schedule, the forward process, the denoiser's training loss and ancestral sampling.
    Samples live in the model's space: images scaled to [-1, 1], points as the caller scaled
    them; sample(n) maps images back to pixels in [0, 1]."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(DDPMConfig, config, overrides, "DDPM")
        self.features = math.prod(config.data_shape)
        self.schedule = NoiseSchedule(config.timesteps, config.beta_start, config.beta_end)
        self.denoiser = Denoiser(self.features, config.hidden, config.layers,
                                 config.time_embedding)

    # ---- the forward process ----
    def add_noise(self, x0, t, noise):
        """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, on arrays (N, *data_shape), t (N,)."""
        alpha_bar = self.schedule.alpha_bars[np.asarray(t)].reshape(-1, *[1] * (x0.ndim - 1))
        return (np.sqrt(alpha_bar) * x0 + np.sqrt(1.0 - alpha_bar) * noise).astype(np.float32)

    def forward(self, x0, rng=None):
        """The training loss on a batch of clean samples (B, *data_shape), Tensor or array: a
        random step t and noise eps per sample, the mean squared error of the denoiser's
        estimate of x_0 (prediction "image") or of eps ("noise": Ho et al.'s L_simple)."""
        x0 = np.asarray(getattr(x0, "data", x0), dtype=np.float32).reshape(-1, self.features)
        generator = random.generator(rng)
        t = generator.integers(0, len(self.schedule), len(x0))  # (B,)
        noise = generator.standard_normal(x0.shape).astype(np.float32)  # (B, D)
        x_t = self.add_noise(x0, t, noise)  # (B, D)
        target = x0 if self.config.prediction == "image" else noise
        return F.mse_loss(self.denoiser(tensor(x_t), t), tensor(target))

    # ---- the reverse process ----
    def estimate_clean(self, x_t, t):
        """The denoiser's estimate of x_0 from x_t (N, D) at one step t (an int), as an array."""
        with no_grad():
            out = self.denoiser(tensor(x_t), np.full(len(x_t), t)).numpy()  # (N, D)
        if self.config.prediction == "noise":
            alpha_bar = self.schedule.alpha_bars[t]
            out = (x_t - np.sqrt(1.0 - alpha_bar) * out) / np.sqrt(alpha_bar)
        return np.clip(out, -1.0, 1.0) if self.config.clip else out

    def reverse(self, n, keep=(), rng=None):
        """Ancestral sampling: n chains from pure noise x_T through T steps. Returns x_0 (n,
        *data_shape) and {t: x_t} for each t in keep (T means the starting noise)."""
        generator = random.generator(rng)
        schedule = self.schedule
        x = generator.standard_normal((n, self.features)).astype(np.float32)  # (n, D)
        shape = (n, *self.config.data_shape)
        kept = {len(schedule): x.reshape(shape)} if len(schedule) in keep else {}
        for t in reversed(range(len(schedule))):
            clean = self.estimate_clean(x, t)  # (n, D)
            x = schedule.clean_coef[t] * clean + schedule.noisy_coef[t] * x  # posterior mean
            if t > 0:
                x = x + np.sqrt(schedule.betas[t]) * generator.standard_normal(x.shape)
            x = x.astype(np.float32)
            if t in keep:
                kept[t] = x.reshape(shape)
        return x.reshape(shape), kept

    def sample(self, n, rng=None):
        """n images (n, C, H, W) with pixels in [0, 1] (for `glassnet sample ddpm`)."""
        if len(self.config.data_shape) != 3:
            raise ValueError(f"DDPM.sample draws images; this model makes samples of shape "
                             f"{self.config.data_shape} (use reverse(n))")
        images, _ = self.reverse(n, rng=rng)
        return np.clip((images + 1.0) / 2.0, 0.0, 1.0)
