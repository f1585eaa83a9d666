"""Lesson 13 (gan): its quick run passes every claim check, writes metrics.json, its figures and
a checkpoint that `glassnet sample gan` draws from, and repeats itself exactly with the same
seed; the checks can fail (a collapsed generator, noise shown to the judge); bad knobs and
missing data are clear errors."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, models
from glassnet.data import DataUnavailable, load_digits, synthetic
from glassnet.lessons import base, gan, generative

FIGURES = ("ring_samples", "decision_map", "digit_samples", "training_curves")
quick_run = contract.quick_run_fixture(gan)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, ["modes covered", "near a mode", "confidence",
                                            "classes among", "ring: discriminator accuracy",
                                            "digits: discriminator accuracy", "fell from"])
    assert sorted(c.threshold for c in result.checks) == sorted(gan.THRESHOLDS[True])
    assert "failed_run_modes" not in result.metrics  # the failed run is shown in full mode


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "gan", FIGURES)


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_the_checkpoint_draws_a_grid(quick_run, tmp_path, capsys):
    checkpoint = quick_run[1] / "gan.npz"
    model, _ = models.load_model(checkpoint, expected="gan")
    assert not model.training  # batch norm reads its running statistics when sampling
    images = model.sample(4)
    assert images.shape == (4, 1, 16, 16) and 0 <= images.min() and images.max() <= 1
    code = cli.main(["sample", "gan", "--checkpoint", str(checkpoint), "--n", "16", "--out",
                     str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "samples.png").stat().st_size > 1000
    broken = tmp_path / "broken.npz"
    broken.write_bytes(checkpoint.read_bytes()[:200])
    code = cli.main(["sample", "gan", "--checkpoint", str(broken)])
    error = capsys.readouterr().err
    assert code == 1 and "glassnet sample:" in error and "Traceback" not in error


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch digits16"):
        base.run_lesson(gan, quick=True, out=tmp_path / "out")


@pytest.mark.parametrize("knob, text", [("ring-steps", "5"), ("generator-lr", "0"),
                                        ("failed-discriminator-lr", "2"), ("samples", "3")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(gan, quick=True, out=tmp_path, overrides={knob: text})


def test_a_slow_discriminator_makes_the_generator_collapse():
    """The failed run's knob: with the discriminator's learning rate five times lower the
    generator's samples bunch up, and the mode checks fail where the healthy run's pass."""
    ring, _ = synthetic.ring_of_gaussians(20000, std=gan.RING_STD, rng=0)
    centres = synthetic.ring_centres()
    coverage = {}
    for name, d_lr in (("healthy", 0.01), ("failed", 0.002)):
        gn.manual_seed(0)
        model = gan.ring_model()
        snapshot = {400: None}
        gan.train(model, ring, 400, 256, (0.01, d_lr), True, name, snapshot)
        coverage[name] = gan.mode_coverage(snapshot[400], centres, gan.RING_STD)
    modes, near, _ = coverage["failed"]
    mode_floor, near_floor = gan.THRESHOLDS[True][:2]
    assert modes < mode_floor and near < near_floor
    assert coverage["healthy"][0] > modes and coverage["healthy"][1] > near


def test_mode_coverage_counts_modes_and_near_samples():
    centres = synthetic.ring_centres(4, radius=1.0)
    samples = np.concatenate([np.repeat(centres[:2], 40, axis=0), [[0.0, 0.0]] * 20])
    modes, near, counts = gan.mode_coverage(samples, centres, std=0.1)
    assert modes == 2 and near == pytest.approx(0.8)
    assert counts.tolist() == [40, 40, 0, 0]


def test_the_judge_is_unsure_of_noise():
    """Lesson 2's classifier alone is sure of itself on noise; the judge, which also saw
    non-digits, is not, so that 'recognised with high confidence' can fail."""
    digits = load_digits(16, download=False)
    gn.manual_seed(0)
    judge, accuracy = generative.train_judge(digits, 4)
    assert accuracy >= 0.85
    noise = np.random.default_rng(1).uniform(0, 1, (100, 1, 16, 16)).astype(np.float32)
    blurred = (noise + np.roll(noise, 1, 2) + np.roll(noise, 1, 3)) / 3  # a kind it never saw
    floor = gan.THRESHOLDS[True][2]
    for junk in (noise, blurred):
        assert generative.judge(judge, junk)[1].mean() < floor
    assert generative.judge(judge, digits.x_test)[1].mean() > 0.85


def test_ring_of_gaussians():
    x, y = synthetic.ring_of_gaussians(800, modes=8, radius=2.0, std=0.02, rng=0)
    assert x.shape == (800, 2) and x.dtype == np.float32 and np.bincount(y).tolist() == [100] * 8
    centres = synthetic.ring_centres(8, 2.0)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0)
    offsets = x - centres[y]
    assert 0.015 < offsets.std() < 0.025
    again, _ = synthetic.ring_of_gaussians(800, rng=0)
    np.testing.assert_array_equal(x, again)
