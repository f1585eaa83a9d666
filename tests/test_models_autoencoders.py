"""The autoencoder and the VAE (glassnet.models.autoencoder, glassnet.models.vae): shapes, the
ELBO's two terms against PyTorch from the same weights, the reparameterisation trick's gradient,
checkpoints, and `glassnet sample vae` end to end (a grid from a checkpoint, clear errors for bad
ones)."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, models
from glassnet.models.autoencoder import Autoencoder, AutoencoderConfig, reconstruction_loss
from glassnet.models.vae import VAE, VAEConfig, elbo_terms, kl_divergence


def test_autoencoder_shapes():
    gn.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(image_size=8, hidden=(32, 16), code_size=3))
    x = gn.rand(5, 1, 8, 8)
    assert model(x).shape == (5, 1, 8, 8) and model.encode(x).shape == (5, 3)
    images = model.decode(gn.randn(4, 3)).detach().numpy()
    assert images.shape == (4, 1, 8, 8) and images.min() >= 0 and images.max() <= 1
    widths = [(m.in_features, m.out_features) for m in model.modules()
              if isinstance(m, gn.nn.Linear)]
    assert widths == [(64, 32), (32, 16), (16, 3), (3, 16), (16, 32), (32, 64)]


@pytest.mark.parametrize("overrides", [{"code_size": 0}, {"hidden": (8, 0)},
                                       {"image_size": 2.5}])
def test_bad_configs_are_errors(overrides):
    with pytest.raises(ValueError, match="positive ints"):
        AutoencoderConfig(**overrides)


def test_vae_encodes_a_distribution_and_decodes_its_mean_in_eval_mode():
    gn.manual_seed(0)
    model = VAE(VAEConfig(image_size=6, hidden=(16,), code_size=2))
    x = gn.rand(4, 1, 6, 6)
    mu, log_var = model.encode(x)
    assert mu.shape == log_var.shape == (4, 2)
    model.eval()
    logits, _, _ = model(x)
    np.testing.assert_allclose(logits.detach().numpy(), model.decoder(mu).detach().numpy(),
                               rtol=1e-6)
    model.train()
    first, second = model(x)[0].detach().numpy(), model(x)[0].detach().numpy()
    assert not np.allclose(first, second)  # a fresh z each time in training


def test_the_kl_term_is_the_closed_form_of_a_monte_carlo_estimate():
    mu = np.array([[0.5, -1.0]])
    log_var = np.array([[-0.5, 0.3]])
    closed = kl_divergence(gn.tensor(mu), gn.tensor(log_var)).numpy()[0]
    rng = np.random.default_rng(0)
    sigma = np.exp(log_var / 2)
    z = mu + sigma * rng.standard_normal((200_000, 2))
    log_q = (-0.5 * ((z - mu) / sigma) ** 2 - np.log(sigma)).sum(1)
    log_p = (-0.5 * z**2).sum(1)
    assert closed == pytest.approx((log_q - log_p).mean(), abs=0.01)
    assert kl_divergence(gn.zeros(1, 3), gn.zeros(1, 3)).item() == 0.0


def test_elbo_terms_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    gn.manual_seed(1)
    model = VAE(VAEConfig(image_size=4, hidden=(8,), code_size=2))
    x = np.random.default_rng(0).random((3, 1, 4, 4)).astype(np.float32)
    eps = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    state = {k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()}
    for value in state.values():
        value.requires_grad_(True)

    def torch_mlp(prefix, h, layers):
        for i in layers:
            h = h @ state[f"{prefix}.layers.{i}.weight"].T + state[f"{prefix}.layers.{i}.bias"]
            if i != layers[-1]:
                h = torch.nn.functional.leaky_relu(h, 0.01)
        return h

    stats = torch_mlp("encoder", torch.tensor(x).reshape(3, -1), (0, 2))
    mu, log_var = stats[:, :2], stats[:, 2:]
    z = mu + torch.exp(0.5 * log_var) * torch.tensor(eps)
    logits = torch_mlp("decoder", z, (0, 2))
    reconstruction = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.tensor(x).reshape(3, -1), reduction="sum") / 3
    kl = (0.5 * (mu**2 + log_var.exp() - 1 - log_var)).sum(1).mean()
    (reconstruction + kl).backward()

    mine_mu, mine_log_var = model.encode(gn.tensor(x))
    mine_z = mine_mu + (mine_log_var * 0.5).exp() * gn.tensor(eps)
    loss, mine_reconstruction, mine_kl = elbo_terms(model.decoder(mine_z), mine_mu, mine_log_var,
                                                    gn.tensor(x))
    loss.backward()
    assert mine_reconstruction.item() == pytest.approx(reconstruction.item(), rel=1e-5)
    assert mine_kl.item() == pytest.approx(kl.item(), rel=1e-5)
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), state[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)


def test_reparameterisation_lets_gradients_reach_the_variance():
    gn.manual_seed(2)
    model = VAE(VAEConfig(image_size=4, hidden=(8,), code_size=2))
    mu = gn.zeros(5, 2, requires_grad=True)
    log_var = gn.zeros(5, 2, requires_grad=True)
    model.decoder(model.reparameterize(mu, log_var)).sum().backward()
    assert np.abs(log_var.grad.numpy()).sum() > 0 and np.abs(mu.grad.numpy()).sum() > 0


def test_reconstruction_loss_is_bernoulli_negative_log_likelihood():
    logits = gn.tensor([[[[0.0, 2.0]]]])
    x = gn.tensor([[[[1.0, 0.0]]]])
    expected = np.log(2) + np.log(1 + np.exp(2.0))
    assert reconstruction_loss(logits, x).item() == pytest.approx(expected, rel=1e-6)


def test_vae_samples_are_images_and_seeded():
    model = VAE(VAEConfig(image_size=5, hidden=(8,), code_size=2))
    gn.manual_seed(3)
    first = model.sample(6).numpy()
    gn.manual_seed(3)
    np.testing.assert_array_equal(first, model.sample(6).numpy())
    assert first.shape == (6, 1, 5, 5) and 0 <= first.min() and first.max() <= 1


def test_the_zoo_registers_both():
    assert models.get("vae") == (VAEConfig, VAE)
    assert models.get("autoencoder") == (AutoencoderConfig, Autoencoder)
    assert isinstance(models.create("vae", code_size=3), VAE)


def _sample(capsys, *argv):
    code = cli.main(["sample", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_glassnet_sample_vae_writes_a_grid_from_a_checkpoint(tmp_path, capsys):
    gn.manual_seed(4)
    model = VAE(VAEConfig(image_size=8, hidden=(16,), code_size=2))
    path = tmp_path / "vae.npz"
    models.save_model(path, "vae", model)
    loaded, _ = models.load_model(path, expected="vae")
    assert loaded.config == model.config and not loaded.training
    code, out, err = _sample(capsys, "vae", "--checkpoint", str(path), "--n", "12", "--out",
                             str(tmp_path / "grid"))
    assert code == 0, err
    for suffix in (".png", ".svg"):
        assert (tmp_path / "grid" / f"samples{suffix}").stat().st_size > 1000
    assert "12 samples from vae" in out


def test_glassnet_sample_vae_refuses_bad_checkpoints(tmp_path, capsys):
    missing = tmp_path / "none.npz"
    code, _, err = _sample(capsys, "vae", "--checkpoint", str(missing))
    assert code == 1 and "no checkpoint at" in err
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a checkpoint at all")
    code, _, err = _sample(capsys, "vae", "--checkpoint", str(garbage))
    assert code == 1 and "glassnet sample:" in err and str(garbage) in err
    plain = tmp_path / "plain.npz"
    gn.save({"weights": gn.zeros(2)}, plain)
    code, _, err = _sample(capsys, "vae", "--checkpoint", str(plain))
    assert code == 1 and "not of a zoo model" in err
    other = tmp_path / "autoencoder.npz"
    models.save_model(other, "autoencoder", Autoencoder(AutoencoderConfig(image_size=4)))
    code, _, err = _sample(capsys, "vae", "--checkpoint", str(other))
    assert code == 1 and "holds a 'autoencoder' model, not 'vae'" in err
