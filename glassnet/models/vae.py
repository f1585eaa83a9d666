"""The variational autoencoder (Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014;
arXiv December 2013): an autoencoder whose code is a distribution, trained so that codes drawn
from a fixed prior decode to data.

    mu, log_var = encoder(x)                       q(z|x) = N(mu, diag(exp(log_var)))
    z = mu + exp(log_var / 2) * eps, eps ~ N(0, I)   the reparameterisation trick: z is a smooth
                                                     function of mu and log_var, so gradients
                                                     flow through the sampling step
    x_hat = sigmoid(decoder(z))                     p(x|z): independent Bernoulli pixels

The loss is the negative evidence lower bound (ELBO), per example:

    reconstruction = -log p(x|z) = binary cross-entropy summed over pixels
    KL = KL(q(z|x) || N(0, I)) = 1/2 sum_j (mu_j^2 + exp(log_var_j) - 1 - log_var_j)
    loss = reconstruction + KL

The KL term pulls every code distribution toward the prior N(0, I), so the codes of the whole
training set fill the prior without gaps, and z ~ N(0, I) decodes to something like the data:
`sample(n)` does exactly that. The encoder and decoder are the plain autoencoder's
(glassnet.models.autoencoder) with the encoder's last layer doubled to give mu and log_var.
"""

from dataclasses import dataclass

from glassnet import nn
from glassnet.autograd import no_grad
from glassnet.creation import randn
from glassnet.models.autoencoder import AutoencoderConfig, Decoder, Encoder, reconstruction_loss
from glassnet.models.config import build_config


@dataclass
class VAEConfig(AutoencoderConfig):
    """The autoencoder's knobs (image_size, channels, hidden, code_size, negative_slope)."""


class VAE(nn.Module):
    """forward(x) gives (logits (B, C, H, W), mu (B, code), log_var (B, code)), with z drawn by
    the reparameterisation trick in training mode and z = mu in eval mode; `loss(x)` the ELBO's
    two terms; `sample(n)` n images in [0, 1] decoded from the prior."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(VAEConfig, config, overrides, "VAE")
        self.encoder = Encoder(config, 2 * config.code_size)
        self.decoder = Decoder(config)

    def encode(self, x):
        """The code distribution's mean and log-variance, each (B, code)."""
        stats = self.encoder(x)  # (B, 2 * code)
        return stats[:, : self.config.code_size], stats[:, self.config.code_size :]

    def reparameterize(self, mu, log_var):
        eps = randn(*mu.shape)  # (B, code), from glassnet's seeded generator
        return mu + (log_var * 0.5).exp() * eps  # (B, code)

    def decode(self, z):
        return self.decoder(z).sigmoid()  # (B, C, H, W) in [0, 1]

    def forward(self, x):
        mu, log_var = self.encode(x)  # (B, code) each
        z = self.reparameterize(mu, log_var) if self.training else mu
        return self.decoder(z), mu, log_var  # logits (B, C, H, W)

    def loss(self, x):
        """(loss, reconstruction, KL) averaged over the batch x (B, C, H, W)."""
        logits, mu, log_var = self(x)
        return elbo_terms(logits, mu, log_var, x)

    def sample(self, n):
        """n images (n, C, H, W) in [0, 1]: codes z ~ N(0, I) through the decoder."""
        with no_grad():
            return self.decode(randn(n, self.config.code_size))


def kl_divergence(mu, log_var):
    """KL(N(mu, exp(log_var)) || N(0, I)) per example (B,), in closed form."""
    return ((mu * mu + log_var.exp() - 1 - log_var) * 0.5).sum(1)  # (B, code) -> (B,)


def elbo_terms(logits, mu, log_var, x):
    """(reconstruction + KL, reconstruction, KL), each averaged over the batch, in nats."""
    reconstruction = reconstruction_loss(logits, x)
    kl = kl_divergence(mu, log_var).mean()
    return reconstruction + kl, reconstruction, kl
