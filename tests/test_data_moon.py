"""Moon phases (glassnet.data.moon): the renderer's geometry, the seeded distribution and the
phase meter that the VAE lesson's checks read."""

import numpy as np
import pytest

from glassnet.data import moon, synthetic

QUARTERS = [(0.0, 0.0), (np.pi / 2, 0.5), (np.pi, 1.0), (1.5 * np.pi, 0.5)]


@pytest.fixture(scope="module")
def meter():
    return moon.PhaseMeter(28)


@pytest.mark.parametrize("phase, lit", QUARTERS)
def test_a_half_moon_is_half_lit_and_a_full_moon_fully(phase, lit):
    assert moon.lit_fraction(phase) == pytest.approx(lit, abs=1e-12)
    image = moon.render_moon(phase)
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert abs(moon.measure_lit_fraction(image) - lit) < 0.03


@pytest.mark.parametrize("degrees", [20, 60, 100, 135, 170, 230, 300])
def test_the_lit_area_is_one_minus_cos_over_two(degrees):
    """The terminator is half an ellipse: the rendered lit area over the disc's area matches
    (1 - cos phase) / 2 at any phase, not only at the quarters."""
    phase = np.radians(degrees)
    disc, lit = moon._masks(np.array([phase]), np.zeros(1), np.zeros(1), np.ones(1) * 0.9, 64, 4)
    assert lit.sum() / disc.sum() == pytest.approx(moon.lit_fraction(phase), abs=0.01)


def test_waxing_moons_are_lit_on_the_right_and_waning_ones_mirror_them():
    waxing, waning = moon.render_moon(np.pi / 2), moon.render_moon(1.5 * np.pi)
    assert waxing[:, 16:].mean() > waxing[:, :12].mean()
    np.testing.assert_allclose(waning, waxing[:, ::-1], atol=1e-6)
    crescent = moon.render_moon(np.radians(45))
    assert crescent[:, 20:].mean() > 2 * crescent[:, 8:14].mean()


@pytest.mark.parametrize("degrees, name", [(0, "new moon"), (350, "new moon"),
                                           (45, "waxing crescent"), (90, "first quarter"),
                                           (135, "waxing gibbous"), (180, "full moon"),
                                           (200, "full moon"), (225, "waning gibbous"),
                                           (270, "last quarter"), (315, "waning crescent")])
def test_phase_names(degrees, name):
    assert moon.phase_name(np.radians(degrees)) == name


def test_gibbous_lies_between_half_and_full():
    for degrees in (113, 135, 157, 203, 225, 247):
        assert "gibbous" in moon.phase_name(np.radians(degrees))
        assert 0.5 < moon.lit_fraction(np.radians(degrees)) < 1.0


def test_the_distribution_is_seeded_and_varies():
    images, phase, lit = moon.moon_phases(n=64, size=20, rng=3)
    assert images.shape == (64, 1, 20, 20) and images.dtype == np.float32
    assert phase.dtype == np.float32 and lit.dtype == np.float32
    np.testing.assert_allclose(lit, moon.lit_fraction(phase), atol=1e-6)
    again = moon.moon_phases(n=64, size=20, rng=3)
    np.testing.assert_array_equal(again.images, images)
    assert not np.array_equal(moon.moon_phases(n=64, size=20, rng=4).images, images)
    assert 0 <= phase.min() and phase.max() < 2 * np.pi
    # the same phase drawn twice differs in position, size and brightness
    same = moon.moon_phases(n=2, size=20, rng=5, phases=(2.0, 2.0)).images
    assert np.abs(same[0] - same[1]).max() > 0.05
    assert images.min() >= 0 and images.max() <= 1.0
    assert images.max(axis=(1, 2, 3)).min() >= moon.DARK - 1e-6  # even a new moon shows its disc


def test_without_variation_the_distribution_is_the_exact_rendering():
    images, phase, _ = moon.moon_phases(n=5, size=24, rng=0, shift=0, scale=0, light=(1, 1))
    for image, angle in zip(images[:, 0], phase):
        np.testing.assert_allclose(image, moon.render_moon(angle, size=24), atol=1e-6)


def test_synthetic_re_exports_the_moon():
    assert synthetic.moon_phases is moon.moon_phases and synthetic.PhaseMeter is moon.PhaseMeter


def test_the_meter_reads_drawn_moons(meter):
    images, phase, lit = moon.moon_phases(n=300, size=28, rng=1)
    reading = meter(images)
    error = np.degrees(np.abs(np.angle(np.exp(1j * (reading.phase - phase)))))
    assert np.median(error) < 4 and np.quantile(error, 0.9) < 12
    # near new moon the crescent is too thin to place, and near full moon waxing and waning
    # look alike (the lit fraction is read right either way); in between the phase is read well
    assert error[np.abs(np.cos(phase)) < 0.7].max() < 12
    assert np.abs(reading.lit - lit).max() < 0.05
    assert (reading.name == moon.phase_name(phase)).mean() > 0.85
    assert reading.distance.max() < 0.075  # every drawn moon is near some candidate


def test_the_meter_reads_one_image_and_its_brightness(meter):
    image = moon.render_moon(np.radians(135), light=0.7)
    reading = meter(image)
    assert reading.name.tolist() == ["waxing gibbous"]
    assert abs(np.degrees(reading.phase[0]) - 135) <= 3
    assert reading.light[0] == pytest.approx(0.7, abs=0.02)
    assert meter(image[None, None]).phase == reading.phase


def test_a_blend_of_two_moons_is_no_moon(meter):
    full, half = moon.render_moon(np.pi), moon.render_moon(np.pi / 2)
    ghost = (half + moon.render_moon(1.5 * np.pi, centre=(0.2, 0))) / 2
    reading = meter(np.stack([(full + half) / 2, ghost, np.zeros((28, 28)) + 0.3]))
    assert (reading.distance > 0.075).all(), reading.distance
    # while half of a full moon plus half of a new moon is just a dimmer full moon
    dim = meter((full + moon.render_moon(0.0)) / 2)
    assert dim.distance[0] < 1e-6 and dim.name[0] == "full moon" and dim.light[0] == pytest.approx(0.575)
