"""Lesson 12 (diffusion): its quick run passes every claim check, writes metrics.json, its figures
and a checkpoint that `glassnet sample ddpm` draws from, and repeats itself exactly with the same
seed; each check can fail (a Gaussian blob is not two moons, a copy of a training image is a
copy); bad knobs and missing data are clear errors."""

import lesson_contract as contract
import numpy as np
import pytest

from glassnet import cli, models
from glassnet.data import DataUnavailable, load_digits, synthetic
from glassnet.lessons import base, diffusion, generative

FIGURES = ("forward_process", "reverse_process", "samples", "nearest_training_image", "points",
           "training_loss")
quick_run = contract.quick_run_fixture(diffusion)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, ["Chamfer", "classes among", "confidence",
                                            "closest training pair"])
    thresholds = sorted(c.threshold for c in result.checks)
    assert thresholds == sorted(diffusion.THRESHOLDS[True])
    assert result.metrics["points_steps"] == 600 and result.metrics["digit_steps"] == 500


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "diffusion", FIGURES)


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_the_checkpoint_draws_a_grid(quick_run, tmp_path, capsys):
    checkpoint = quick_run[1] / "ddpm.npz"
    model, _ = models.load_model(checkpoint, expected="ddpm")
    images = model.sample(3)
    assert images.shape == (3, 1, 16, 16) and 0 <= images.min() and images.max() <= 1
    code = cli.main(["sample", "ddpm", "--checkpoint", str(checkpoint), "--n", "9", "--out",
                     str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "samples.png").stat().st_size > 1000
    code = cli.main(["sample", "gan", "--checkpoint", str(checkpoint)])
    assert code == 1 and "holds a 'ddpm' model, not 'gan'" in capsys.readouterr().err


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch digits16"):
        base.run_lesson(diffusion, quick=True, out=tmp_path / "out")


@pytest.mark.parametrize("knob, text", [("points-steps", "0"), ("digit-hidden", "0"),
                                        ("digit-prediction", "both"), ("samples", "5")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(diffusion, quick=True, out=tmp_path, overrides={knob: text})


def test_the_2d_check_fails_for_a_gaussian_blob():
    """A Gaussian with the moons' mean and covariance is as wide as the data but not the data:
    its Chamfer ratio is far above the ceiling; a second draw of the moons is below it."""
    reference = synthetic.moons(1000, noise=0.1, rng=1)[0]
    second = synthetic.moons(1000, noise=0.1, rng=2)[0]
    blob = np.random.default_rng(3).multivariate_normal(reference.mean(0), np.cov(reference.T),
                                                        1000)
    floor = generative.chamfer_distance(second, reference)
    ceiling = diffusion.THRESHOLDS[False][0]
    assert generative.chamfer_distance(blob, reference) / floor > 1.5 * ceiling
    assert generative.chamfer_distance(synthetic.moons(1000, noise=0.1, rng=4)[0],
                                       reference) / floor < ceiling
    assert generative.energy_distance(blob, reference) > 2 * generative.energy_distance(
        second, reference)


def test_the_copy_check_fails_for_copies():
    digits = load_digits(16, download=False)
    train_nearest = generative.nearest_distances(digits.x_train, digits.x_train, True)
    copies = generative.nearest_distances(digits.x_train[:100], digits.x_train)
    assert copies.min() / train_nearest.min() < diffusion.THRESHOLDS[False][3]
    fresh = generative.nearest_distances(digits.x_test[:100], digits.x_train)
    assert fresh.min() / train_nearest.min() >= diffusion.THRESHOLDS[False][3]


def test_nearest_distances_and_chamfer_on_known_points():
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    b = np.array([[0.0, 1.0]])
    np.testing.assert_allclose(generative.nearest_distances(a, b), [1.0, np.sqrt(18)], rtol=1e-6)
    np.testing.assert_allclose(generative.nearest_distances(a, a, exclude_self=True), [5, 5])
    np.testing.assert_allclose(generative.chamfer_distance(a, b), 0.5 * ((1 + np.sqrt(18)) / 2
                                                                          + 1.0), rtol=1e-6)
    assert generative.energy_distance(a, a) == pytest.approx(0.0, abs=1e-12)


def test_mosaic_tiles_images_row_by_row():
    images = np.arange(3 * 2 * 2, dtype=float).reshape(3, 1, 2, 2)
    tiled = generative.mosaic(images, columns=2, pad=1)
    assert tiled.shape == (5, 5)
    np.testing.assert_array_equal(tiled[:2, 3:], images[1, 0])
    np.testing.assert_array_equal(tiled[3:, :2], images[2, 0])
    assert np.isnan(tiled[2]).all() and np.isnan(tiled[3:, 3:]).all()
