"""The autoencoder: an encoder squeezes an image into a short code, a decoder rebuilds the image
from the code alone, and both are trained together to make the rebuilt image match the input.

    z = encoder(x)            the code, code_size numbers (a bottleneck: code_size << pixels)
    x_hat = sigmoid(decoder(z))   the reconstruction, one probability per pixel

Hinton & Salakhutdinov, "Reducing the dimensionality of data with neural networks" (Science,
2006) showed that a deep autoencoder with a small linear code layer finds codes that rebuild
digits better than principal component analysis with as many components, and whose 2-D codes
separate the digit classes far better than the first two principal components. Their network
was 784-1000-500-250-code with RBM pretraining; this one is an MLP mirror image (input -> hidden
-> code -> reversed hidden -> pixels) trained end to end with Adam, LeakyReLU between layers
(Maas, Hannun & Ng 2013: a unit never dies, which matters for a 2-number code), a linear code
layer and one logit per pixel, trained with binary cross-entropy on gray levels in [0, 1].
"""

from dataclasses import dataclass
from itertools import pairwise

import glassnet.functional as F
from glassnet import nn
from glassnet.models.config import build_config


@dataclass
class AutoencoderConfig:
    image_size: int = 16  # H = W, in pixels (digits16)
    channels: int = 1
    hidden: tuple = (256, 64)  # encoder widths, input side first; the decoder mirrors them
    code_size: int = 2
    negative_slope: float = 0.01  # LeakyReLU's slope for negative inputs

    def __post_init__(self):
        self.hidden = tuple(self.hidden)
        sizes = (self.image_size, self.channels, self.code_size, *self.hidden)
        if any(not isinstance(s, int) or isinstance(s, bool) or s < 1 for s in sizes):
            raise ValueError(f"{type(self).__name__}: image_size, channels, code_size and hidden "
                             f"must be positive ints, got image_size={self.image_size!r}, "
                             f"channels={self.channels!r}, code_size={self.code_size!r}, "
                             f"hidden={self.hidden!r}")

    @property
    def pixels(self):
        return self.channels * self.image_size * self.image_size


def mlp(sizes, negative_slope):
    """Linear layers between consecutive sizes, LeakyReLU between them, none after the last."""
    layers = []
    for index, (width_in, width_out) in enumerate(pairwise(sizes)):
        layers.append(nn.Linear(width_in, width_out))
        if index < len(sizes) - 2:
            layers.append(nn.LeakyReLU(negative_slope))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """(B, C, H, W) images -> (B, outputs): flatten, then the MLP."""

    def __init__(self, config, outputs):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = mlp((config.pixels, *config.hidden, outputs), config.negative_slope)

    def forward(self, x):
        return self.layers(self.flatten(x))  # (B, C*H*W) -> (B, outputs)


class Decoder(nn.Module):
    """(B, code_size) codes -> (B, C, H, W) logits: the encoder's widths in reverse."""

    def __init__(self, config):
        super().__init__()
        self.layers = mlp((config.code_size, *reversed(config.hidden), config.pixels),
                          config.negative_slope)
        self.unflatten = nn.Unflatten(1, (config.channels, config.image_size, config.image_size))

    def forward(self, z):
        return self.unflatten(self.layers(z))  # (B, code) -> (B, C*H*W) -> (B, C, H, W)


class Autoencoder(nn.Module):
    """forward(x) gives the reconstruction's logits (B, C, H, W); encode(x) the codes (B, code);
    decode(z) images in [0, 1] (B, C, H, W)."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(AutoencoderConfig, config, overrides, "Autoencoder")
        self.encoder = Encoder(config, config.code_size)
        self.decoder = Decoder(config)

    def encode(self, x):
        return self.encoder(x)  # (B, code)

    def decode(self, z):
        return self.decoder(z).sigmoid()  # (B, C, H, W) in [0, 1]

    def forward(self, x):
        return self.decoder(self.encoder(x))  # (B, C, H, W) logits


def reconstruction_loss(logits, x):
    """Binary cross-entropy summed over pixels, averaged over the batch: the negative
    log-likelihood of x under independent Bernoulli pixels with probabilities sigmoid(logits)."""
    per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return per_pixel.reshape(len(x), -1).sum(1).mean()  # (B, C, H, W) -> (B,) -> ()
