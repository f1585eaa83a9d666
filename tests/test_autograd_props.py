"""Property tests over shapes, against PyTorch in float64: forward values and the gradient of
sum(out * v) for a random cotangent v, for binary ops (broadcastable pairs with size-1 and size-0
axes), reductions and shape ops. Inputs are NumPy views that are transposed, strided or flipped as
often as contiguous, and dims are given negative as often as not."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import functional as F

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=30, deadline=None)
RTOL, ATOL = 1e-8, 1e-10


# ---- strategies ----
def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    sides = st.integers(min_side, max_side)
    return st.lists(sides, min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast: each drops some leading dims of a common shape and sets some
    of the rest to 1."""
    full = draw(shapes(max_dims=4))

    def part():
        kept = list(full[draw(st.integers(0, len(full))) :])
        return tuple(1 if draw(st.booleans()) else n for n in kept)

    return part(), part()


LAYOUTS = st.sampled_from(["contiguous", "transposed", "strided", "flipped"])
SEEDS = st.integers(0, 2**32 - 1)


def array(rng, shape, layout, low=None, high=None):
    """Random float64 data of shape, laid out in memory as layout says."""

    def draw(size):
        if low is None:
            return rng.standard_normal(size)
        return rng.uniform(low, high, size)

    if layout == "transposed" and len(shape) >= 2:
        return draw(shape[::-1]).T
    if layout == "strided" and shape:
        return draw(shape[:-1] + (2 * shape[-1],))[..., ::2]
    if layout == "flipped":
        return np.flip(draw(shape))
    return draw(shape)


def dim_of(draw, ndim):
    """A dim in [-ndim, ndim), negative half of the time."""
    dim = draw(st.integers(0, ndim - 1))
    return dim - ndim if draw(st.booleans()) else dim


# ---- the comparison ----
def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(fn_gn, fn_torch, arrays, rng, grads=True):
    """Same forward; same gradient of sum(out * v) with respect to every float input."""
    ours = [
        gn.from_numpy(a).requires_grad_() if a.dtype == np.float64 else gn.from_numpy(a)
        for a in arrays
    ]
    theirs = [
        torch.tensor(np.array(a, order="C"), requires_grad=a.dtype == np.float64) for a in arrays
    ]
    outs_gn, outs_torch = _flat(fn_gn(*ours)), _flat(fn_torch(*theirs))
    assert len(outs_gn) == len(outs_torch)
    for got, expected in zip(outs_gn, outs_torch):
        assert got.shape == tuple(expected.shape), (got.shape, tuple(expected.shape))
        np.testing.assert_allclose(got.array, expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    if not grads:
        return
    cotangents = [rng.standard_normal(o.shape) for o in outs_gn]
    float_outs = [
        (g, t, v) for g, t, v in zip(outs_gn, outs_torch, cotangents) if g.dtype == np.float64
    ]
    objective = sum((g * gn.tensor(v)).sum() for g, _, v in float_outs)
    objective.backward()
    sum((t * torch.tensor(v)).sum() for _, t, v in float_outs).backward()
    for g, t in zip(ours, theirs):
        if t.requires_grad:
            expected = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
            got = g.grad.array if g.grad is not None else np.zeros(g.shape)
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


# ---- binary ops ----
BINARY = {
    "add": (lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, "away-from-zero"),
    "pow": (lambda a, b: a**b, "positive-base"),
    "maximum": (lambda a, b: a.maximum(b), None),
    "minimum": (lambda a, b: a.minimum(b), None),
}


@SETTINGS
@given(
    pair=broadcastable_pair(),
    name=st.sampled_from(sorted(BINARY)),
    layouts=st.tuples(LAYOUTS, LAYOUTS),
    seed=SEEDS,
    swap=st.booleans(),
)
def test_binary_ops_broadcast(pair, name, layouts, seed, swap):
    rng = np.random.default_rng(seed)
    fn, domain = BINARY[name]
    a_shape, b_shape = pair[::-1] if swap else pair
    a = array(rng, a_shape, layouts[0], *((0.5, 2.0) if domain == "positive-base" else ()))
    b = array(rng, b_shape, layouts[1])
    if domain == "away-from-zero":
        b = np.sign(b) * (np.abs(b) + 0.5)
    check(fn, fn, [a, b], rng)


@SETTINGS
@given(
    shape=shapes(),
    scalar=st.floats(-3, 3).filter(lambda s: abs(s) > 0.1),
    layout=LAYOUTS,
    seed=SEEDS,
)
def test_ops_with_python_scalars(shape, scalar, layout, seed):
    rng = np.random.default_rng(seed)
    x = array(rng, shape, layout, 0.5, 2.0)
    check(
        lambda t: (scalar - t) * scalar / t + t**scalar + abs(scalar) ** t + (t - scalar) / scalar,
        lambda t: (scalar - t) * scalar / t + t**scalar + abs(scalar) ** t + (t - scalar) / scalar,
        [x],
        rng,
    )


@SETTINGS
@given(
    pair=broadcastable_pair(),
    inner=st.integers(0, 3),
    n=st.integers(1, 3),
    m=st.integers(1, 3),
    layouts=st.tuples(LAYOUTS, LAYOUTS),
    seed=SEEDS,
)
def test_batched_matmul_broadcasts(pair, inner, n, m, layouts, seed):
    rng = np.random.default_rng(seed)
    batch_a, batch_b = pair[0][-2:], pair[1][-2:]  # trailing dims keep them broadcastable
    a = array(rng, batch_a + (n, inner), layouts[0])
    b = array(rng, batch_b + (inner, m), layouts[1])
    check(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], rng)


@SETTINGS
@given(shape=shapes(min_dims=1), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_where_broadcasts_and_routes_gradients(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    x = array(rng, shape, layout)
    y = array(rng, shape[data.draw(st.integers(0, len(shape))) :], layout)

    def ours(a, b):
        return gn.where(a > 0, a, b)

    def theirs(a, b):
        return torch.where(a > 0, a, b)

    check(ours, theirs, [x, y], rng)


# ---- reductions ----
@st.composite
def reduce_dims(draw, ndim, allow_tuple=True):
    """None, one dim, or a tuple of distinct dims (negative at random)."""
    kind = draw(st.sampled_from(["none", "one", "tuple"] if allow_tuple else ["none", "one"]))
    if kind == "none" or ndim == 0:
        return None
    if kind == "one":
        return dim_of(draw, ndim)
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in chosen)


def _count(shape, dim):
    if dim is None:
        return int(np.prod(shape))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return int(np.prod([shape[d] for d in dims]))


def _reduce_kwargs(dim, keepdim):
    return {} if dim is None else {"dim": dim, "keepdim": keepdim}


@SETTINGS
@given(
    shape=shapes(min_dims=0),
    layout=LAYOUTS,
    seed=SEEDS,
    keepdim=st.booleans(),
    name=st.sampled_from(["sum", "mean"]),
    data=st.data(),
)
def test_sum_and_mean_incl_empty(shape, layout, seed, keepdim, name, data):
    rng = np.random.default_rng(seed)
    dim = data.draw(reduce_dims(len(shape)))
    kwargs = _reduce_kwargs(dim, keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan in both
        check(
            lambda t: getattr(t, name)(**kwargs),
            lambda t: getattr(t, name)(**kwargs),
            [array(rng, shape, layout)],
            rng,
        )


@SETTINGS
@given(
    shape=shapes(min_dims=1, min_side=1),
    layout=LAYOUTS,
    seed=SEEDS,
    keepdim=st.booleans(),
    name=st.sampled_from(["var", "std", "logsumexp", "amax"]),
    correction=st.sampled_from([0, 1]),
    data=st.data(),
)
def test_var_std_logsumexp_amax(shape, layout, seed, keepdim, name, correction, data):
    rng = np.random.default_rng(seed)
    dim = data.draw(reduce_dims(len(shape)))
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape)))
    kwargs = _reduce_kwargs(dim, keepdim)
    if name in ("var", "std"):
        if _count(shape, dim) <= correction or (name == "std" and _count(shape, dim) == 1):
            correction = 0 if _count(shape, dim) > 1 else correction
            if _count(shape, dim) == 1:
                return  # a single value: var is 0 (or nan), std's gradient is not finite
        kwargs["correction"] = correction
    x = array(rng, shape, layout)
    check(lambda t: getattr(t, name)(**kwargs), lambda t: getattr(t, name)(**kwargs), [x], rng)


@SETTINGS
@given(
    shape=shapes(min_dims=1, min_side=1),
    layout=LAYOUTS,
    seed=SEEDS,
    keepdim=st.booleans(),
    name=st.sampled_from(["max", "min"]),
    data=st.data(),
)
def test_max_min_values_indices_and_gradients(shape, layout, seed, keepdim, name, data):
    rng = np.random.default_rng(seed)
    x = array(rng, shape, layout)  # continuous values: no ties
    if data.draw(st.booleans()):
        check(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x], rng)
        return
    dim = dim_of(data.draw, len(shape))
    check(
        lambda t: tuple(getattr(t, name)(dim, keepdim)),
        lambda t: tuple(getattr(t, name)(dim, keepdim)),
        [x],
        rng,
    )


@SETTINGS
@given(
    shape=shapes(min_dims=1, min_side=1),
    layout=LAYOUTS,
    seed=SEEDS,
    data=st.data(),
    name=st.sampled_from(["softmax", "log_softmax"]),
)
def test_softmax_along_any_dim(shape, layout, seed, data, name):
    rng = np.random.default_rng(seed)
    dim = dim_of(data.draw, len(shape))
    check(
        lambda t: getattr(t, name)(dim),
        lambda t: getattr(t, name)(dim),
        [array(rng, shape, layout)],
        rng,
    )


# ---- shape ops ----
@SETTINGS
@given(shape=shapes(), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_reshape_and_view(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    split = data.draw(st.integers(0, len(shape)))
    target = (int(np.prod(shape[:split])), int(np.prod(shape[split:])))
    if int(np.prod(shape)) > 0 and data.draw(st.booleans()):
        target = (target[0], -1) if data.draw(st.booleans()) else (-1,)
    method = data.draw(st.sampled_from(["reshape", "view"]))
    check(
        lambda t: getattr(t, method)(target).reshape(shape),
        lambda t: t.reshape(target).reshape(shape),
        [array(rng, shape, layout)],
        rng,
    )
    check(
        lambda t: getattr(t, method)(*target),
        lambda t: t.reshape(*target),
        [array(rng, shape, layout)],
        rng,
    )


@SETTINGS
@given(shape=shapes(min_dims=1), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_permute_and_transpose(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    n = len(shape)
    order = [d - n if data.draw(st.booleans()) else d for d in data.draw(st.permutations(range(n)))]
    d0, d1 = dim_of(data.draw, n), dim_of(data.draw, n)
    x = array(rng, shape, layout)
    check(lambda t: t.permute(*order), lambda t: t.permute(*order), [x], rng)
    check(lambda t: t.permute(order), lambda t: t.permute(order), [x], rng)
    check(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), [x], rng)


@SETTINGS
@given(shape=shapes(max_side=2), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_squeeze_unsqueeze_flatten(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    n = len(shape)
    x = array(rng, shape, layout)
    check(lambda t: t.squeeze(), lambda t: t.squeeze(), [x], rng)
    if n:
        dim = dim_of(data.draw, n)
        check(lambda t: t.squeeze(dim), lambda t: t.squeeze(dim), [x], rng)
        start, end = sorted([data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))])
        start, end = (start - n if data.draw(st.booleans()) else start), end - n
        check(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), [x], rng)
    new = data.draw(st.integers(-n - 1, n))
    check(lambda t: t.unsqueeze(new), lambda t: t.unsqueeze(new), [x], rng)
    check(lambda t: t.flatten(), lambda t: t.flatten(), [x], rng)


@SETTINGS
@given(shape=shapes(max_side=3), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_expand(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    small = tuple(1 if data.draw(st.booleans()) else n for n in shape)
    lead = tuple(data.draw(shapes(max_dims=2)))
    target = lead + tuple(
        data.draw(st.integers(0, 3)) if n == 1 else (-1 if data.draw(st.booleans()) else n)
        for n in small
    )
    x = array(rng, small, layout)
    if target:
        check(lambda t: t.expand(*target), lambda t: t.expand(*target), [x], rng)
    check(lambda t: t.expand(target), lambda t: t.expand(target), [x], rng)


@SETTINGS
@given(
    shape=shapes(min_dims=1), layout=LAYOUTS, seed=SEEDS, data=st.data(), count=st.integers(1, 3)
)
def test_cat_and_stack(shape, layout, seed, data, count):
    rng = np.random.default_rng(seed)
    n = len(shape)
    dim = dim_of(data.draw, n)
    parts = []
    for _ in range(count):
        part_shape = list(shape)
        part_shape[dim] = data.draw(st.integers(0, 3))
        parts.append(array(rng, tuple(part_shape), layout))
    check(lambda *ts: gn.cat(ts, dim), lambda *ts: torch.cat(ts, dim), parts, rng)
    same = [array(rng, shape, layout) for _ in range(count)]
    new = data.draw(st.integers(-n - 1, n))
    check(lambda *ts: gn.stack(ts, new), lambda *ts: torch.stack(ts, new), same, rng)


@SETTINGS
@given(shape=shapes(min_dims=1, min_side=1, max_side=6), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_split_and_chunk(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    dim = dim_of(data.draw, len(shape))
    size = shape[dim]
    step = data.draw(st.integers(1, size))
    chunks = data.draw(st.integers(1, 5))
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    sections = [b - a for a, b in zip([0] + cuts, cuts + [size])]
    x = array(rng, shape, layout)
    check(lambda t: t.split(step, dim), lambda t: t.split(step, dim), [x], rng)
    check(lambda t: t.split(sections, dim), lambda t: t.split(sections, dim), [x], rng)
    check(lambda t: t.chunk(chunks, dim), lambda t: t.chunk(chunks, dim), [x], rng)


@SETTINGS
@given(shape=shapes(min_dims=1, min_side=1), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_pad(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    count = data.draw(st.integers(1, len(shape)))
    pads = data.draw(st.lists(st.integers(0, 2), min_size=2 * count, max_size=2 * count))
    value = data.draw(st.sampled_from([0.0, -1.5]))
    check(
        lambda t: F.pad(t, pads, value=value),
        lambda t: torch.nn.functional.pad(t, pads, value=value),
        [array(rng, shape, layout)],
        rng,
    )


@SETTINGS
@given(shape=shapes(min_dims=1, min_side=1), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_gather(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    n = len(shape)
    dim = dim_of(data.draw, n)
    index_shape = tuple(
        data.draw(st.integers(0, 4)) if d == dim % n else data.draw(st.integers(0, side))
        for d, side in enumerate(shape)
    )
    index = rng.integers(0, shape[dim], index_shape)  # repeats are likely: they must add up
    check(
        lambda t, i: t.gather(dim, i),
        lambda t, i: t.gather(dim, i),
        [array(rng, shape, layout), index],
        rng,
    )


@SETTINGS
@given(shape=shapes(min_dims=1, min_side=1), layout=LAYOUTS, seed=SEEDS, data=st.data())
def test_integer_array_and_mask_indexing(shape, layout, seed, data):
    rng = np.random.default_rng(seed)
    x = array(rng, shape, layout)
    picks = rng.integers(-shape[0], shape[0], data.draw(st.integers(0, 6)))
    check(lambda t, i: t[i], lambda t, i: t[i], [x, picks], rng)
    mask = rng.random(shape) > 0.5
    check(lambda t, m: t[m], lambda t, m: t[m], [x, mask], rng)
