"""The generative models of lessons 12 and 13: the DDPM (noise schedule, forward process,
denoiser, ancestral sampling) and the GAN (players and losses), with their forward passes and
losses checked against PyTorch from the same weights."""

import math
from itertools import pairwise

import numpy as np
import pytest

import glassnet as gn
from glassnet import models
from glassnet.models.ddpm import NoiseSchedule, timestep_embedding

torch = pytest.importorskip("torch")


# ---- DDPM ----
def test_schedule_is_hos_rescaled():
    """beta from 1e-4 to 0.02 over 1,000 steps (Ho et al.) and the 100-step default, 10x larger
    betas, both end in almost pure noise, and the posterior mean matches Ho et al.'s eq. 7."""
    ho = NoiseSchedule(1000, 1e-4, 0.02)
    ours = NoiseSchedule(100, 1e-3, 0.2)
    assert ho.alpha_bars[-1] == pytest.approx(4.0e-5, rel=0.05)
    assert ours.alpha_bars[-1] == pytest.approx(2.0e-5, rel=0.05)
    t = 37
    previous = ours.alpha_bars[t - 1]
    clean = math.sqrt(previous) * ours.betas[t] / (1 - ours.alpha_bars[t])
    noisy = math.sqrt(1 - ours.betas[t]) * (1 - previous) / (1 - ours.alpha_bars[t])
    assert ours.clean_coef[t] == pytest.approx(clean)
    assert ours.noisy_coef[t] == pytest.approx(noisy)
    assert ours.clean_coef[0] == pytest.approx(1.0)  # the last step lands on the estimate


def test_forward_process_keeps_signal_and_noise_in_proportion():
    model = models.DDPM(data_shape=(2,), hidden=8, time_embedding=4)
    x0 = np.ones((20000, 2), dtype=np.float32)
    noise = np.random.default_rng(0).standard_normal(x0.shape).astype(np.float32)
    t = np.full(len(x0), 49)
    x_t = model.add_noise(x0, t, noise)
    alpha_bar = model.schedule.alpha_bars[49]
    np.testing.assert_allclose(x_t, np.sqrt(alpha_bar) + np.sqrt(1 - alpha_bar) * noise,
                               rtol=1e-5)
    last = model.add_noise(x0, np.full(len(x0), 99), noise)
    assert abs(last.mean()) < 0.02 and last.std() == pytest.approx(1.0, abs=0.02)


def test_timestep_embedding():
    e = timestep_embedding([0, 5], 8)
    assert e.shape == (2, 8) and e.dtype == np.float32
    np.testing.assert_allclose(e[0], [0, 0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_allclose(e[1, 0], math.sin(5.0), rtol=1e-6)
    np.testing.assert_allclose(e[1, 5], math.cos(5 * 10000 ** (-1 / 4)), rtol=1e-6)


def _torch_denoiser(model):
    """The same MLP in PyTorch with the model's weights."""
    state = {k: torch.tensor(v.numpy()) for k, v in model.denoiser.state_dict().items()}

    def forward(x, t):
        e = torch.tensor(timestep_embedding(t, model.config.time_embedding))
        lin = torch.nn.functional.linear
        h = torch.nn.functional.silu(lin(x, state["inp.weight"], state["inp.bias"])
                                     + lin(e, state["time.0.weight"], state["time.0.bias"]))
        for i in range(model.config.layers - 1):
            h = torch.nn.functional.silu(
                lin(h, state[f"hidden.{i}.weight"], state[f"hidden.{i}.bias"])
                + lin(e, state[f"time.{i + 1}.weight"], state[f"time.{i + 1}.bias"]))
        return lin(h, state["out.weight"], state["out.bias"])

    return forward


def test_denoiser_matches_torch_and_learns():
    gn.manual_seed(0)
    model = models.DDPM(data_shape=(1, 4, 4), hidden=32, layers=3, time_embedding=8)
    x = np.random.default_rng(1).standard_normal((5, 16)).astype(np.float32)
    t = np.array([0, 10, 50, 98, 99])
    ours = model.denoiser(gn.tensor(x), t).detach().numpy()
    theirs = _torch_denoiser(model)(torch.tensor(x), t).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    loss = model(gn.tensor(np.zeros((8, 1, 4, 4), np.float32)))
    loss.backward()
    assert loss.item() > 0 and all(p.grad is not None for p in model.parameters())


def test_reverse_and_sample():
    gn.manual_seed(0)
    model = models.DDPM(data_shape=(1, 4, 4), hidden=16, time_embedding=8)
    final, kept = model.reverse(3, keep=(100, 50, 0))
    assert final.shape == (3, 1, 4, 4) and sorted(kept) == [0, 50, 100]
    np.testing.assert_array_equal(kept[0], final)
    assert np.abs(final).max() <= 1.0 + 1e-6  # the estimate is clipped, the last step adds none
    gn.manual_seed(7)
    first = model.sample(4)
    gn.manual_seed(7)
    np.testing.assert_array_equal(model.sample(4), first)
    assert first.shape == (4, 1, 4, 4) and 0 <= first.min() and first.max() <= 1
    points = models.DDPM(data_shape=(2,), hidden=8, time_embedding=4, clip=False)
    assert points.reverse(5)[0].shape == (5, 2)
    with pytest.raises(ValueError, match="draws images"):
        points.sample(2)


def test_noise_prediction_gives_the_same_estimate_as_the_image():
    """With prediction='noise' the denoiser's output is read as eps, and x_0 follows from it."""
    model = models.DDPM(data_shape=(3,), hidden=8, time_embedding=4, prediction="noise",
                        clip=False)
    x_t = np.array([[0.5, -1.0, 2.0]], dtype=np.float32)
    with gn.no_grad():
        eps = model.denoiser(gn.tensor(x_t), np.array([20])).numpy()
    alpha_bar = model.schedule.alpha_bars[20]
    expected = (x_t - np.sqrt(1 - alpha_bar) * eps) / np.sqrt(alpha_bar)
    np.testing.assert_allclose(model.estimate_clean(x_t, 20), expected, rtol=1e-5)


@pytest.mark.parametrize("overrides, words", [
    ({"prediction": "velocity"}, "prediction must be one of"),
    ({"time_embedding": 7}, "must be even"),
    ({"beta_start": 0.3, "beta_end": 0.2}, "beta_start <= beta_end"),
    ({"hidden": 0}, "positive ints"),
])
def test_ddpm_config_errors(overrides, words):
    with pytest.raises(ValueError, match=words):
        models.DDPMConfig(**overrides)


def test_ddpm_checkpoint_round_trip(tmp_path):
    gn.manual_seed(0)
    model = models.DDPM(hidden=16, time_embedding=8, timesteps=10, beta_start=0.01,
                        beta_end=0.5)
    models.save_model(tmp_path / "ddpm.npz", "ddpm", model)
    loaded, _ = models.load_model(tmp_path / "ddpm.npz", expected="ddpm")
    assert loaded.config == model.config
    gn.manual_seed(3)
    first = model.sample(2)
    gn.manual_seed(3)
    np.testing.assert_array_equal(loaded.sample(2), first)


# ---- GAN ----
def _torch_pair(model):
    """Generator and discriminator in PyTorch with the model's layers and weights."""
    config = model.config
    widths = (config.noise_size, *config.generator_hidden, 16)
    layers = []
    for index, (a, b) in enumerate(pairwise(widths)):
        layers.append(torch.nn.Linear(a, b))
        if index < len(widths) - 2:
            layers += [torch.nn.BatchNorm1d(b), torch.nn.ReLU()]
    generator = torch.nn.Sequential(*layers)
    discriminator = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.LeakyReLU(config.leak),
                                        torch.nn.Linear(8, 1))
    for theirs, ours in ((generator, model.generator.net),
                         (discriminator, model.discriminator.net)):
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return generator, discriminator


def test_gan_matches_torch():
    gn.manual_seed(0)
    model = models.GAN(data_shape=(1, 4, 4), noise_size=3, generator_hidden=(8, 8),
                       discriminator_hidden=(8,))
    generator, discriminator = _torch_pair(model)
    z = model.noise(6)
    fake = model.generator(z)
    their_fake = torch.sigmoid(generator(torch.tensor(z.numpy()))).reshape(6, 1, 4, 4)
    np.testing.assert_allclose(fake.detach().numpy(), their_fake.detach().numpy(), rtol=1e-4,
                               atol=1e-6)
    real = gn.rand(6, 1, 4, 4)
    d_loss, accuracy = model.discriminator_loss(real, fake.detach())
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    real_logits = discriminator(torch.tensor(real.numpy()).reshape(6, -1)).reshape(-1)
    fake_logits = discriminator(their_fake.detach().reshape(6, -1)).reshape(-1)
    expected = bce(real_logits, torch.ones(6)) + bce(fake_logits, torch.zeros(6))
    assert d_loss.item() == pytest.approx(expected.item(), rel=1e-5)
    correct = (real_logits > 0).sum() + (fake_logits <= 0).sum()
    assert accuracy == pytest.approx(correct.item() / 12)
    g_loss = model.generator_loss(fake)
    assert g_loss.item() == pytest.approx(bce(fake_logits, torch.ones(6)).item(), rel=1e-5)


def test_the_non_saturating_loss_keeps_its_gradient_where_d_wins():
    """Where D confidently calls a fake fake (logit -5), the minimax loss log(1 - D) has a
    vanishing gradient and -log D a strong one (Goodfellow et al. 2014, section 3)."""
    logit = gn.tensor([-5.0], requires_grad=True)
    gn.functional.softplus(-logit).sum().backward()  # -log sigmoid(s): non-saturating
    strong = abs(logit.grad.item())
    logit = gn.tensor([-5.0], requires_grad=True)
    (-gn.functional.softplus(logit)).sum().backward()  # log(1 - sigmoid(s)): minimax
    weak = abs(logit.grad.item())
    assert strong > 0.99 and weak < 0.01


def test_gan_shapes_sampling_and_errors():
    gn.manual_seed(0)
    model = models.GAN()
    model.eval()
    images = model.sample(5)
    assert images.shape == (5, 1, 16, 16) and 0 <= images.min() and images.max() <= 1
    assert model.discriminator(gn.tensor(images)).shape == (5,)
    points = models.GAN(data_shape=(2,), output="linear", batch_norm=False)
    assert points.fake(7).shape == (7, 2)
    with pytest.raises(ValueError, match="draws images"):
        points.sample(2)
    with pytest.raises(ValueError, match="output must be one of"):
        models.GANConfig(output="tanh2")
    with pytest.raises(ValueError, match="positive ints"):
        models.GANConfig(noise_size=0)
