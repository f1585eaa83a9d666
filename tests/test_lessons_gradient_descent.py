"""Lesson 3 (gradient-descent): its quick run passes every claim check, writes metrics.json and
its figures, and repeats itself exactly with the same seed; the surfaces and the marbles compute
what they claim, and each check can fail when its claim is false."""

from pathlib import Path

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet.data import synthetic
from glassnet.lessons import base
from glassnet.lessons import gradient_descent as lesson

FIGURES = ("least_squares", "step_sizes", "marbles", "momentum")

quick_run = contract.quick_run_fixture(lesson)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, (
        "theta_lstsq", "converges", "diverges", "distinct pits", "local (not the global)",
        "plain descent ends in the shallow pit", "ends in the deep pit"))
    assert result.metrics["marbles_in_global_pit"] < 1


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "gradient-descent", FIGURES)


def test_same_seed_same_numbers(quick_run):
    contract.assert_same_seed_same_numbers(quick_run)


def test_surface_on_tensors_and_arrays_agree_and_autograd_gives_its_slope():
    surface = synthetic.bumpy_surface()
    points = np.random.default_rng(0).uniform(-3, 3, (7, 2))
    position = gn.tensor(points, requires_grad=True)  # (7, 2) float64
    heights = surface(position)
    heights.sum().backward()
    np.testing.assert_allclose(heights.detach().numpy(), surface(points), rtol=1e-12)
    step = 1e-6
    for axis in range(2):
        shift = np.zeros(2)
        shift[axis] = step
        slope = (surface(points + shift) - surface(points - shift)) / (2 * step)
        np.testing.assert_allclose(position.grad.numpy()[:, axis], slope, rtol=1e-6, atol=1e-8)
    xs, ys, grid = surface.grid(size=11)
    assert grid.shape == (11, 11)
    assert grid[0, -1] == pytest.approx(float(surface(np.array([xs[-1], ys[0]]))))


def test_surface_rejects_mismatched_pits():
    with pytest.raises(ValueError, match="PitSurface"):
        synthetic.PitSurface(centres=[(0, 0), (1, 1)], depths=[1.0], widths=[0.5, 0.5])


def test_single_pit_bowl_every_marble_ends_at_its_known_minimum():
    # one pit at the bowl's centre: the only minimum is that centre, found and reached
    surface = synthetic.PitSurface(centres=[(0.5, -0.5)], depths=[1.0], widths=[0.8],
                                   bowl=0.1, bowl_centre=(0.5, -0.5))
    pits = lesson.find_pits(surface, lr=0.1)
    np.testing.assert_allclose(pits, [[0.5, -0.5]], atol=1e-9)
    path = lesson.roll(surface, [(-2.0, 2.0), (2.5, 1.0), (0.0, -2.5)], lr=0.1, steps=400)
    assert path.shape == (401, 3, 2)
    assert lesson.which_pit(path[-1], pits).tolist() == [0, 0, 0]
    assert lesson.which_pit(path[0], pits).tolist() == [-1, -1, -1]


def test_bumpy_surface_pits_are_local_minima_and_the_deepest_is_first():
    surface = synthetic.bumpy_surface()
    pits = lesson.find_pits(surface, lr=0.1)
    assert len(pits) == 5
    heights = surface(pits)
    assert np.all(np.diff(heights) > 0)
    # no nearby point is lower: each is a minimum, not a saddle
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = 0.05 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (16, 2)
    for pit, height in zip(pits, heights):
        assert np.all(surface(pit + ring) > height)
    # the grid's lowest point lies next to the first pit: it is the global minimum
    xs, ys, grid = surface.grid(size=241)
    row, column = np.unravel_index(grid.argmin(), grid.shape)
    assert np.linalg.norm([xs[column], ys[row]] - pits[0]) < 0.05


def test_least_squares_descent_matches_lstsq_on_a_noiseless_problem():
    x = np.random.default_rng(1).standard_normal((50, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.25
    path, losses = lesson.descend_least_squares(x, y, lr=0.1, steps=400)
    np.testing.assert_allclose(path[-1], [1.0, -2.0, 0.5, 0.25], atol=1e-8)
    assert losses[0] > 1 and losses[-1] < 1e-15
    assert path.shape == (401, 4) and losses.shape == (401,)


def make_config(tmp_path, **knobs):
    return lesson.Config(quick=True, out=Path(tmp_path), **knobs)


def test_divergence_check_fails_for_a_step_below_the_critical_one(tmp_path):
    result = base.Result(lesson.NAME, make_config(tmp_path, too_large=0.5))
    lesson.least_squares(result.cfg, result)
    verdicts = {c.name: c.passed for c in result.checks}
    assert not next(passed for name, passed in verdicts.items() if "diverges" in name)
    assert all(passed for name, passed in verdicts.items() if "diverges" not in name)


def test_momentum_check_fails_without_momentum(tmp_path):
    result = base.Result(lesson.NAME, make_config(tmp_path, momentum=0.0, marble_steps=300))
    lesson.momentum(result.cfg, result)
    verdicts = {c.name: c.passed for c in result.checks}
    assert verdicts["plain descent ends in the shallow pit (1 = yes)"]
    assert not verdicts["momentum 0.0 ends in the deep pit (1 = yes)"]


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="gradient-descent"):
        lesson.Config(grid=1).validate()
    with pytest.raises(ValueError, match="gradient-descent"):
        lesson.Config(lr=-0.1).validate()
