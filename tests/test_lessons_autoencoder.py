"""Lesson 10 (autoencoder): its quick run passes every claim check, writes metrics.json and its
figures and repeats itself with the same seed; the claims fail for a barely trained network;
PCA and the nearest-neighbour vote are right on small cases; bad knobs are errors."""

import lesson_contract as contract
import numpy as np
import pytest

from glassnet.data import DataUnavailable
from glassnet.lessons import autoencoder, base

FIGURES = ("code_map", "reconstructions", "error_vs_code_size")
CLAIMS = ("PCA error at code size 2", "error falls with code size", "accuracy on the 2-D codes",
          "autoencoder minus PCA")
quick_run = contract.quick_run_fixture(autoencoder)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, CLAIMS)
    ratio, knn, margin = autoencoder.THRESHOLDS[True]
    assert sorted(c.threshold for c in result.checks) == sorted([ratio, 1.0, knn, margin])
    sizes = autoencoder.QUICK["code_sizes"]
    errors = [result.metrics[f"error_code_{size}"] for size in sizes]
    assert errors == sorted(errors, reverse=True)
    assert result.metrics["error_code_2"] < result.metrics["pca_error_code_2"]


def test_metrics_json_and_figures(quick_run):
    written = contract.assert_metrics_json_and_figures(quick_run[1], "autoencoder", FIGURES)
    assert "code size" in next(iter(written["texts"].values()))


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_a_barely_trained_autoencoder_fails_the_claims(tmp_path):
    """One epoch: the network has not learned to beat PCA or to sort the digits."""
    result = base.run_lesson(autoencoder, quick=True, out=tmp_path, overrides={"epochs": "1"})
    failed = {c.name for c in result.checks if not c.passed}
    assert any("PCA error at code size 2" in name for name in failed), result.checks
    assert any("accuracy on the 2-D codes" in name for name in failed), result.checks


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch digits16"):
        base.run_lesson(autoencoder, quick=True, out=tmp_path / "out")


def test_pca_is_exact_with_every_component_and_orthonormal():
    rng = np.random.default_rng(0)
    images = rng.random((40, 1, 4, 4)).astype(np.float32)
    pca = autoencoder.PCA(images)
    np.testing.assert_allclose(pca.reconstruct(images, 16), images, atol=1e-5)
    np.testing.assert_allclose(pca.directions @ pca.directions.T, np.eye(16), atol=1e-10)
    errors = [autoencoder.mean_squared_error(pca.reconstruct(images, k), images)
              for k in (1, 2, 4, 8)]
    assert errors == sorted(errors, reverse=True)
    # the first direction is the one of largest spread
    assert pca.spread[0] == pca.spread.max()


def test_nearest_neighbour_vote():
    train = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [5.0, 5.1]])
    labels = np.array([3, 3, 3, 7, 7, 7])
    test = np.array([[0.05, 0.05], [4.9, 5.0]])
    assert autoencoder.knn_accuracy(train, labels, test, np.array([3, 7]), k=3) == 1.0
    assert autoencoder.knn_accuracy(train, labels, test, np.array([7, 3]), k=3) == 0.0
    # a 1-1 tie among two neighbours goes to the smaller digit
    assert autoencoder.knn_accuracy(train[[0, 3]], np.array([4, 2]), np.array([[2.5, 2.5]]),
                                    np.array([2]), k=2) == 1.0


@pytest.mark.parametrize("knob, text", [("code-sizes", "4,8"), ("code-sizes", "2,8,4"),
                                        ("code-sizes", "2"), ("map-hidden", "64,0"),
                                        ("code-sizes", "2,300"), ("hidden", "0"),
                                        ("epochs", "0"), ("neighbours", "0"), ("lr", "0")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(autoencoder, quick=True, out=tmp_path, overrides={knob: text})
