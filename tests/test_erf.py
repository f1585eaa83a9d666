"""erf_array against Python's math.erf (the platform libm, correctly rounded or nearly)."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

try:
    from glassnet.ops._erf import erf_array
except ImportError:
    # The package may not be on sys.path (or importable as a whole) yet; load the file.
    _path = Path(__file__).resolve().parents[1] / "glassnet" / "ops" / "_erf.py"
    _spec = importlib.util.spec_from_file_location("_erf", _path)
    _erf = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_erf)
    erf_array = _erf.erf_array

ABS_TOL_64 = 1e-15
REL_TOL_64 = 1e-14


def reference(x):
    return np.array([math.erf(v) for v in np.asarray(x, dtype=np.float64).ravel()])


def dense_grid():
    tiny = np.geomspace(1e-300, 1e-3, 2001)
    # Extra points straddle each switch between approximations and the saturation.
    seams = np.concatenate([np.linspace(edge - 1e-3, edge + 1e-3, 2001) for edge in (0.5, 4, 6)])
    return np.concatenate([np.linspace(-30, 30, 300_001), tiny, -tiny, seams, -seams])


def test_float64_matches_math_erf_on_dense_grid():
    x = dense_grid()
    got = erf_array(x)
    want = reference(x)
    assert got.dtype == np.float64
    assert np.max(np.abs(got - want)) <= ABS_TOL_64
    nonzero = np.abs(want) > 1e-300
    rel = np.abs(got[nonzero] - want[nonzero]) / np.abs(want[nonzero])
    assert np.max(rel) <= REL_TOL_64


@given(st.floats(min_value=-30, max_value=30, allow_subnormal=False))
def test_float64_matches_math_erf_anywhere(x):
    got = erf_array(np.array([x]))[0]
    want = math.erf(x)
    assert abs(got - want) <= ABS_TOL_64
    if abs(want) > 1e-300:
        assert abs(got - want) <= REL_TOL_64 * abs(want)


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0.0, 0.0),
        (np.inf, 1.0),
        (-np.inf, -1.0),
        (1e300, 1.0),
        (-1e300, -1.0),
        (30.0, 1.0),
    ],
)
def test_exact_values(x, want):
    assert erf_array(np.array([x]))[0] == want


def test_signed_zero_and_nan():
    zero, negative_zero, nan = erf_array(np.array([0.0, -0.0, np.nan]))
    assert zero == 0.0 and not np.signbit(zero)
    assert negative_zero == 0.0 and np.signbit(negative_zero)
    assert np.isnan(nan)


@pytest.mark.parametrize("x", [1e-300, -1e-300, 1e-10, -1e-10])
def test_tiny_arguments_keep_relative_accuracy(x):
    got = erf_array(np.array([x]))[0]
    assert got == pytest.approx(math.erf(x), rel=REL_TOL_64, abs=0)


def test_float32_in_float32_out_and_accurate():
    x = np.linspace(-30, 30, 100_001, dtype=np.float32)
    got = erf_array(x)
    assert got.dtype == np.float32
    assert np.max(np.abs(got.astype(np.float64) - reference(x))) <= 1e-6


def test_odd_symmetry_is_exact():
    x = dense_grid()
    np.testing.assert_array_equal(erf_array(-x), -erf_array(x))


def test_shape_is_kept_across_block_boundaries():
    x = np.random.default_rng(0).standard_normal((3, 70_001)) * 3
    got = erf_array(x)
    assert got.shape == x.shape
    np.testing.assert_allclose(got.ravel(), reference(x), rtol=0, atol=ABS_TOL_64)
    assert erf_array(np.float64(0.5)).shape == ()
    assert erf_array(np.empty((0, 4), dtype=np.float32)).shape == (0, 4)


def test_no_floating_point_errors_for_extreme_inputs():
    for dtype in (np.float64, np.float32):
        info = np.finfo(dtype)
        x = np.array([info.max, -info.max, np.inf, info.tiny, info.smallest_subnormal, np.nan])
        with np.errstate(all="raise"):
            erf_array(x.astype(dtype))
