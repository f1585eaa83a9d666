"""Lesson 11 (vae): its quick run passes every claim check, writes metrics.json, its figures and
two checkpoints that `glassnet sample vae` turns into grids of moons and digits, and repeats
itself with the same seed; the claims fail for a barely trained VAE; bad knobs are errors."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, models
from glassnet.data import moon
from glassnet.lessons import base, vae
from glassnet.models.autoencoder import Autoencoder

FIGURES = ("walk", "code_space_grid", "codes", "loss_terms", "digits_grid")
CLAIMS = ("midpoint's lit fraction inside the ends'", "nearest phase is gibbous",
          "largest step back in phase", "prior samples that are moons")
quick_run = contract.quick_run_fixture(vae)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, CLAIMS)
    thresholds = sorted(c.threshold for c in result.checks)
    assert thresholds == sorted([vae.MARGIN, 1.0, 3.0, vae.PRIOR_FLOOR])
    metrics = result.metrics
    assert metrics["vae_half_lit"] < metrics["vae_midpoint_lit"] < metrics["vae_full_lit"]
    assert metrics["vae_kl"] > 1  # the code carries information: no posterior collapse
    assert 0 <= metrics["ae_prior_samples_moons"] <= 1


def test_metrics_json_figures_and_checkpoints(quick_run):
    out = quick_run[1]
    written = contract.assert_metrics_json_and_figures(out, "vae", FIGURES)
    assert "gibbous" in next(iter(written["texts"].values()))
    for name in ("vae_moons.npz", "vae_digits.npz"):
        model, _ = models.load_model(out / name, expected="vae")
        assert model.config.code_size == 2


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_glassnet_sample_vae_draws_moons_from_the_lessons_checkpoint(quick_run, tmp_path, capsys):
    path = quick_run[1] / "vae_moons.npz"
    code = cli.main(["sample", "vae", "--checkpoint", str(path), "--n", "16", "--out",
                     str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "samples.png").stat().st_size > 1000
    model, _ = models.load_model(path, expected="vae")
    gn.manual_seed(0)
    images = model.sample(200).numpy()
    assert images.shape == (200, 1, 28, 28)
    assert (moon.PhaseMeter(28)(images).distance <= vae.TAU).mean() >= 0.8


def test_a_barely_trained_vae_fails_the_claims(tmp_path):
    result = base.run_lesson(vae, quick=True, out=tmp_path, overrides={"epochs": "1"})
    assert not result.passed, [(c.name, c.value) for c in result.checks]
    prior = next(c for c in result.checks if "prior samples" in c.name)
    assert not prior.passed


def test_folded_phase_measures_from_new_moon_either_way():
    np.testing.assert_allclose(vae.folded(np.radians([0, 90, 180, 200, 270, 359])),
                               [0, 90, 180, 160, 90, 1], atol=1e-9)


def test_the_autoencoder_samples_from_the_gaussian_fitted_to_its_codes():
    rng = np.random.default_rng(0)
    codes = rng.multivariate_normal([5.0, -3.0], [[4.0, 1.0], [1.0, 2.0]], 5000)
    samples = vae.prior_codes(Autoencoder(image_size=4), codes, 20000, rng)
    np.testing.assert_allclose(samples.mean(0), [5.0, -3.0], atol=0.1)
    np.testing.assert_allclose(np.cov(samples.T), [[4.0, 1.0], [1.0, 2.0]], atol=0.15)
    prior = vae.prior_codes(models.create("vae", image_size=4), codes, 20000, rng)
    np.testing.assert_allclose(prior.mean(0), [0, 0], atol=0.05)


def test_losses_keep_both_terms_per_step():
    gn.manual_seed(0)
    model = models.create("vae", image_size=4, hidden=(8,))
    losses = vae.Losses(variational=True)
    x = gn.rand(6, 1, 4, 4)
    total = losses(model(x), x)
    assert total.item() == pytest.approx(losses.reconstruction[0] + losses.kl[0], rel=1e-5)
    losses(model(x), x)
    assert losses.per_epoch(losses.reconstruction, 2).shape == (2,)


@pytest.mark.parametrize("knob, text", [("moons", "10"), ("hidden", "0"), ("epochs", "0"),
                                        ("walk-steps", "4"), ("walk-steps", "1"),
                                        ("prior-samples", "0"), ("lr", "-1")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(vae, quick=True, out=tmp_path, overrides={knob: text})
