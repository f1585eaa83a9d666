"""Lesson 8 (cnn): its quick run passes every claim check, writes metrics.json and its figures,
and repeats itself exactly with the same seed; the explicit loop, the shift, the receptive-field
measurement and the parameter counts each compute what they claim (against torch and by hand),
and each check can fail (a shift-blind model, a one-layer field)."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.data import DataUnavailable
from glassnet.lessons import base
from glassnet.lessons import cnn as lesson
from glassnet.models.cnn import CNN

FIGURES = ("sliding_kernel", "shifts", "learned_kernels_and_maps", "receptive_fields")
quick_run = contract.quick_run_fixture(lesson)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, [
        "conv2d equals the explicit loop", "CNN test accuracy", "CNN parameters",
        "shifted 2 pixels", "shifted 3 pixels", "conv2 minus conv1", "output minus conv2"])
    checks = {c.name: c for c in result.checks}
    assert checks["CNN test accuracy"].threshold == lesson.ACCURACY_FLOOR[True]
    assert checks["CNN parameters (at most the MLP's)"].threshold == 41802
    metrics = result.metrics
    assert metrics["cnn_parameters"] == 160 + 4640 + 5130 and metrics["conv1_parameters"] == 160
    assert metrics["conv1_dense_equivalent_parameters"] == 256 * 16 * 256 + 16 * 256
    assert (metrics["receptive_field_conv1_pixels"], metrics["receptive_field_conv2_pixels"],
            metrics["receptive_field_output_pixels"]) == (9, 64, 256)
    assert "Weight sharing" in " ".join(result.texts)


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "cnn", FIGURES)


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_explicit_loop_equals_torch_conv2d():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    image = rng.random((16, 16))
    for kernel in (rng.standard_normal((3, 3)), rng.standard_normal((5, 5))):
        expected = torch.nn.functional.conv2d(torch.tensor(image[None, None]),
                                              torch.tensor(kernel[None, None]),
                                              padding=len(kernel) // 2)
        np.testing.assert_allclose(lesson.explicit_correlation(image, kernel),
                                   expected.numpy()[0, 0], rtol=1e-12, atol=1e-12)


def test_shift_moves_pixels_and_fills_zeros():
    images = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4) + 1
    down_right = lesson.shift(images, 1, 2)[0, 0]
    assert np.all(down_right[0] == 0) and np.all(down_right[:, :2] == 0)
    np.testing.assert_array_equal(down_right[1:, 2:], images[0, 0, :3, :2])
    back = lesson.shift(lesson.shift(images, 0, -1), 0, 1)  # column 0 went out and is lost
    np.testing.assert_array_equal(back[..., 1:], images[..., 1:])
    assert np.all(back[..., 0] == 0)


class _TotalInk(nn.Module):
    """A model that only counts the ink: blind to where it is, so a shift changes nothing."""

    def forward(self, x):
        ink = x.sum(dim=(1, 2, 3)).reshape(-1, 1)  # (N, 1)
        return ink * gn.tensor(np.arange(10, dtype=np.float32))  # (N, 10)


def test_shifted_accuracy_of_a_position_blind_model_is_flat():
    rng = np.random.default_rng(0)
    images = np.zeros((50, 1, 16, 16), dtype=np.float32)
    images[:, :, 6:10, 6:10] = rng.random((50, 1, 4, 4), dtype=np.float32)
    labels = np.full(50, 9)
    scores = [lesson.shifted_accuracy(_TotalInk(), images, labels, s) for s in (0, 1, 2, 3)]
    assert scores == [1.0, 1.0, 1.0, 1.0]


def test_receptive_fields_match_the_arithmetic():
    gn.manual_seed(0)
    model = CNN()
    images = np.random.default_rng(0).random((20, 1, 16, 16), dtype=np.float32)
    fields = {name: lesson.receptive_field(lesson.input_gradient(model, images, depth))
              for name, depth in lesson.LAYERS.items()}
    assert fields == {"conv1": 9, "conv2": 64, "output": 256}
    one = lesson.input_gradient(model, images[:1], 1)
    rows, cols = np.nonzero(one)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (7, 9, 7, 9)  # around (8, 8)


def test_weight_sharing_counts():
    gn.manual_seed(0)
    sharing = lesson.weight_sharing(CNN(channels=(4, 6)))
    assert sharing["conv1"] == (4 * 9 + 4, 256 * 4 * 256 + 4 * 256)
    assert sharing["conv2"] == (6 * 4 * 9 + 6, (4 * 64) * (6 * 64) + 6 * 64)


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch digits16"):
        base.run_lesson(lesson, quick=True, out=tmp_path / "out")


@pytest.mark.parametrize("knob, text", [("channels", "8"), ("channels", "0,4"), ("epochs", "0"),
                                        ("lr", "0"), ("example-digit", "10")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(lesson, quick=True, out=tmp_path, overrides={knob: text})
