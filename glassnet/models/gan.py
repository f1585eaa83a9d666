"""A generative adversarial network: Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair,
Courville & Bengio, "Generative Adversarial Nets", NeurIPS 2014 (arXiv:1406.2661).

Two networks play a game. The generator G turns noise z ~ N(0, I) into a sample G(z); the
discriminator D reads a sample and outputs a logit, D(x) = sigmoid(logit) being its belief that
x is real. D is trained to tell the training data from G's fakes,

    L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))],

and G to fool it. The game's minimax loss for G, E_z[log(1 - D(G(z)))], saturates when D easily
spots the fakes (its gradient vanishes early in training), so G minimises the non-saturating
loss that the paper proposes in its place (section 3),

    L_G = -E_z[log D(G(z))],

which has the same fixed point and strong gradients where G is bad. Both are binary
cross-entropies on D's logits: with logit s, -log sigmoid(s) = softplus(-s) and
-log(1 - sigmoid(s)) = softplus(s). At the game's equilibrium G's samples follow the data and D
answers 1/2 everywhere: its accuracy on real against fake drifts toward a coin's.

Both players are multilayer perceptrons (LeakyReLU in D, as Radford et al. 2016 recommend;
ReLU in G); a sigmoid maps G's output to pixels in [0, 1] for images, nothing bounds it for
points in the plane.
"""

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

import glassnet.functional as F
from glassnet import nn, random
from glassnet.autograd import no_grad
from glassnet.creation import tensor
from glassnet.models.config import build_config

OUTPUTS = ("sigmoid", "linear")  # G's last activation: pixels in [0, 1], or any real numbers


@dataclass
class GANConfig:
    data_shape: tuple = (1, 16, 16)  # one sample: a 16x16 digit; (2,) for points in the plane
    noise_size: int = 32  # the size of z
    generator_hidden: tuple = (256, 256)  # G's hidden widths, noise side first
    discriminator_hidden: tuple = (256,)  # D's hidden widths, data side first
    output: str = "sigmoid"  # one of OUTPUTS
    leak: float = 0.2  # D's LeakyReLU slope for negative inputs
    dropout: float = 0.0  # dropout after each of D's hidden layers (Srivastava et al. 2014)
    batch_norm: bool = True  # BatchNorm before each of G's activations (Radford et al. 2016)

    def __post_init__(self):
        self.data_shape = tuple(int(size) for size in self.data_shape)
        self.generator_hidden = tuple(self.generator_hidden)
        self.discriminator_hidden = tuple(self.discriminator_hidden)
        sizes = (*self.data_shape, self.noise_size, *self.generator_hidden,
                 *self.discriminator_hidden)
        if any(not isinstance(size, int) or size < 1 for size in sizes) or not self.data_shape:
            raise ValueError(f"GANConfig: sizes must be positive ints, got data_shape="
                             f"{self.data_shape}, noise_size={self.noise_size!r}, generator_"
                             f"hidden={self.generator_hidden}, discriminator_hidden="
                             f"{self.discriminator_hidden}")
        if self.output not in OUTPUTS:
            raise ValueError(f"GANConfig: output must be one of {', '.join(OUTPUTS)}, got "
                             f"{self.output!r}")


def _mlp(widths, activation, dropout=0.0, batch_norm=False):
    """Linear layers between consecutive widths; after each but the last, BatchNorm1d (if
    batch_norm), `activation()`, and dropout (when > 0)."""
    layers = []
    for index, (size_in, size_out) in enumerate(pairwise(widths)):
        layers.append(nn.Linear(size_in, size_out))
        if index < len(widths) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(size_out))
            layers.append(activation())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """z (B, noise_size) -> a sample (B, *data_shape)."""

    def __init__(self, config):
        super().__init__()
        self.data_shape = config.data_shape
        widths = (config.noise_size, *config.generator_hidden, math.prod(config.data_shape))
        self.net = _mlp(widths, nn.ReLU, batch_norm=config.batch_norm)
        self.squash = config.output == "sigmoid"

    def forward(self, z):
        x = self.net(z)  # (B, D)
        if self.squash:
            x = F.sigmoid(x)
        return x.reshape(len(z), *self.data_shape)  # (B, *data_shape)


class Discriminator(nn.Module):
    """A sample (B, *data_shape) -> the logit of 'real' (B,)."""

    def __init__(self, config):
        super().__init__()
        widths = (math.prod(config.data_shape), *config.discriminator_hidden, 1)
        self.net = _mlp(widths, lambda: nn.LeakyReLU(config.leak), config.dropout)

    def forward(self, x):
        return self.net(x.reshape(len(x), -1)).reshape(-1)  # (B, D) -> (B,)


class GAN(nn.Module):
    """The two players and their losses; the training loop (who steps when) is the caller's."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(GANConfig, config, overrides, "GAN")
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)

    def noise(self, n, rng=None):
        """z ~ N(0, I): (n, noise_size)."""
        z = random.generator(rng).standard_normal((n, self.config.noise_size))
        return tensor(z.astype(np.float32))

    def fake(self, n, rng=None):
        """n fakes G(z) (n, *data_shape), in the graph (gradients reach G). (Not `generate`:
        `glassnet sample` takes a model with generate() for a text model.)"""
        return self.generator(self.noise(n, rng))

    def discriminator_loss(self, real, fake):
        """L_D: real (B, ...) labelled 1, fake (B, ...) labelled 0 (detach fake so that only D
        learns from it). Returns (loss, D's accuracy on the two batches together)."""
        real_logits = self.discriminator(real)  # (B,)
        fake_logits = self.discriminator(fake)  # (B,)
        loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        correct = (real_logits.detach() > 0).sum() + (fake_logits.detach() <= 0).sum()
        return loss, float(correct) / (len(real_logits) + len(fake_logits))

    def generator_loss(self, fake):
        """The non-saturating L_G = -log D(G(z)), averaged over the fakes (B, ...)."""
        return F.softplus(-self.discriminator(fake)).mean()

    def sample(self, n, rng=None):
        """n images (n, C, H, W) with pixels in [0, 1] (for `glassnet sample gan`)."""
        if len(self.config.data_shape) != 3 or self.config.output != "sigmoid":
            raise ValueError(f"GAN.sample draws images; this generator makes samples of shape "
                             f"{self.config.data_shape} (use fake(n))")
        with no_grad():
            return self.fake(n, rng).numpy()
