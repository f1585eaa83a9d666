"""Tensor: creation, dtypes and promotion, every method's forward against NumPy or PyTorch,
leaving the graph (numpy, item, tolist, np.asarray), repr, comparisons, indexing and in-place
updates."""

import numpy as np
import pytest

import glassnet as gn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _both(array, requires_grad=False):
    """The same float64 data as a glassnet and a torch tensor."""
    array = np.asarray(array)
    return (
        gn.tensor(array, requires_grad=requires_grad),
        torch.tensor(array, requires_grad=requires_grad),
    )


def _close(ours, theirs, rtol=1e-8, atol=1e-10):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = ours.detach().numpy() if isinstance(ours, gn.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def _torch_dtype(dtype):
    return {
        np.dtype("float32"): torch.float32,
        np.dtype("float64"): torch.float64,
        np.dtype("int64"): torch.int64,
        np.dtype("int32"): torch.int32,
        np.dtype("bool"): torch.bool,
    }[np.dtype(dtype)]


# ---- creation ----
def test_tensor_default_dtypes_follow_torch():
    assert gn.tensor([1.0, 2.0]).dtype == np.float32
    assert gn.tensor(1.5).dtype == np.float32
    assert gn.tensor([1, 2]).dtype == np.int64
    assert gn.tensor(3).dtype == np.int64
    assert gn.tensor([True, False]).dtype == np.bool_
    assert gn.tensor([]).dtype == np.float32
    assert gn.tensor([1, 2.5]).dtype == np.float32
    assert gn.tensor([1.0], dtype=gn.float64).dtype == np.float64
    assert gn.tensor(np.zeros(2)).dtype == np.float64  # an ndarray keeps its dtype, as in torch
    assert gn.tensor(np.zeros(2, np.int32)).dtype == np.int32


def test_tensor_copies_its_input():
    array = np.zeros(3)
    t = gn.tensor(array)
    array[0] = 5
    assert t.array[0] == 0
    source = gn.tensor([1.0, 2.0])
    copy = gn.tensor(source)
    source.array[0] = 9
    assert copy.array[0] == 1


def test_from_numpy_shares_memory():
    array = np.zeros(3)
    t = gn.from_numpy(array)
    array[1] = 4
    assert t.array[1] == 4


@pytest.mark.parametrize("maker, value", [(gn.zeros, 0.0), (gn.ones, 1.0), (gn.empty, None)])
def test_filled_makers(maker, value):
    for t in (maker(2, 3), maker((2, 3)), maker([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
        if value is not None:
            assert np.all(t.array == value)
    assert maker(2, dtype=gn.float64).dtype == np.float64
    assert maker(()).shape == ()
    assert maker(0, 3).shape == (0, 3)
    t = maker(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_full_dtypes():
    assert gn.full((2, 2), 1.5).dtype == np.float32
    assert gn.full((2,), 7).dtype == np.int64
    assert gn.full((2,), True).dtype == np.bool_
    assert gn.full((2,), 1, dtype=gn.float64).dtype == np.float64
    np.testing.assert_array_equal(gn.full((2, 3), 2.5).array, np.full((2, 3), 2.5, np.float32))


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((5,), {}),
        ((2, 7), {}),
        ((0, 10, 3), {}),
        ((0.0, 1.0, 0.25), {}),
        ((5,), {"dtype": gn.float64}),
        ((-3, 3), {}),
        ((10, 0, -2), {}),
    ],
)
def test_arange_matches_torch(args, kwargs):
    ours = gn.arange(*args, **kwargs)
    theirs = torch.arange(*args, **({"dtype": _torch_dtype(kwargs["dtype"])} if kwargs else {}))
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_allclose(ours.array, theirs.numpy())


def test_linspace_and_eye():
    np.testing.assert_allclose(gn.linspace(0, 1, 5).array, torch.linspace(0, 1, 5).numpy())
    assert gn.linspace(0, 1, 5).dtype == np.float32
    np.testing.assert_array_equal(gn.eye(3).array, np.eye(3))
    np.testing.assert_array_equal(gn.eye(2, 4).array, torch.eye(2, 4).numpy())
    assert gn.eye(3).dtype == np.float32 and gn.eye(3, dtype=gn.float64).dtype == np.float64


@pytest.mark.parametrize("maker", [gn.randn, gn.rand])
def test_random_makers_are_seeded(maker):
    gn.manual_seed(3)
    first = maker(4, 5)
    gn.manual_seed(3)
    second = maker((4, 5))
    assert first.dtype == np.float32 and first.shape == (4, 5)
    np.testing.assert_array_equal(first.array, second.array)
    assert not np.array_equal(first.array, maker(4, 5).array)
    same = maker(3, rng=np.random.default_rng(1)), maker(3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(same[0].array, same[1].array)
    np.testing.assert_array_equal(maker(3, rng=7).array, maker(3, rng=7).array)
    assert maker(2, dtype=gn.float64).dtype == np.float64
    assert maker(2, requires_grad=True).requires_grad


def test_randn_and_rand_statistics():
    normal = gn.randn(20000, rng=0).array
    uniform = gn.rand(20000, rng=0).array
    assert abs(normal.mean()) < 0.05 and abs(normal.std() - 1) < 0.05
    assert uniform.min() >= 0 and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.02


def test_randint_signatures():
    gn.manual_seed(0)
    t = gn.randint(0, 10, (3, 4))
    assert t.shape == (3, 4) and t.dtype == np.int64
    assert t.array.min() >= 0 and t.array.max() < 10
    t = gn.randint(5, size=(50,))
    assert t.array.min() >= 0 and t.array.max() < 5
    t = gn.randint(5, (50,))  # torch.randint(high, size)
    assert t.shape == (50,) and t.array.min() >= 0 and t.array.max() < 5
    t = gn.randint(3, 6, (100,))
    assert set(np.unique(t.array)) == {3, 4, 5}
    np.testing.assert_array_equal(
        gn.randint(0, 9, (5,), rng=2).array, gn.randint(0, 9, (5,), rng=2).array
    )


def test_like_makers():
    base = gn.tensor(np.ones((2, 3)))  # float64
    for like in (gn.zeros_like, gn.ones_like, gn.empty_like, gn.randn_like, gn.rand_like):
        out = like(base)
        assert out.shape == (2, 3) and out.dtype == np.float64
        assert like(base, dtype=gn.float32).dtype == np.float32
    assert np.all(gn.zeros_like(base).array == 0) and np.all(gn.ones_like(base).array == 1)
    full = gn.full_like(base, 4.0)
    assert full.dtype == np.float64 and np.all(full.array == 4)
    ints = gn.zeros_like(gn.tensor([1, 2]))
    assert ints.dtype == np.int64
    assert gn.ones_like(base, requires_grad=True).requires_grad


MAKERS = {
    "tensor": lambda **k: gn.tensor([1.0, 2.0], **k),
    "as_tensor": lambda **k: gn.as_tensor([1.0, 2.0], **k),
    "zeros": lambda **k: gn.zeros(2, 3, **k),
    "ones": lambda **k: gn.ones(2, **k),
    "empty": lambda **k: gn.empty(2, **k),
    "full": lambda **k: gn.full((2,), 1.5, **k),
    "arange": lambda **k: gn.arange(4, **k),
    "linspace": lambda **k: gn.linspace(0, 1, 5, **k),
    "eye": lambda **k: gn.eye(3, **k),
    "randn": lambda **k: gn.randn(2, **k),
    "rand": lambda **k: gn.rand(2, **k),
    "randint": lambda **k: gn.randint(0, 5, (3,), **k),
    "randperm": lambda **k: gn.randperm(4, **k),
    "zeros_like": lambda **k: gn.zeros_like(gn.ones(2), **k),
    "full_like": lambda **k: gn.full_like(gn.ones(2), 3.0, **k),
}


@pytest.mark.parametrize("name", MAKERS)
def test_makers_take_device_as_pytorch_and_only_the_cpu(name):
    """PyTorch code passes device= (often x.device); glassnet has one device, the CPU."""
    made = MAKERS[name](device="cpu")
    assert made.device == "cpu"
    assert MAKERS[name](device=made.device).shape == made.shape
    with pytest.raises(ValueError, match=r"CPU \(NumPy\) only, got device='cuda'"):
        MAKERS[name](device="cuda")


def test_manual_seed_reproduces_a_sequence():
    gn.manual_seed(42)
    a = [gn.randn(3).array, gn.rand(2).array, gn.randint(0, 100, (4,)).array, gn.randperm(5).array]
    gn.manual_seed(42)
    b = [gn.randn(3).array, gn.rand(2).array, gn.randint(0, 100, (4,)).array, gn.randperm(5).array]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert sorted(a[3].tolist()) == list(range(5))


# ---- dtype promotion: tensors with scalars and with each other, as torch ----
SCALARS = [2, 2.5, True]
DTYPES = ["float32", "float64", "int64", "int32", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scalar", SCALARS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "radd", "rsub", "rmul", "rtruediv"])
def test_promotion_with_python_scalars(dtype, scalar, op):
    if (dtype == "bool" or scalar is True) and op in ("sub", "rsub"):
        pytest.skip("torch forbids subtracting bools")
    values = np.array([1, 2, 3]).astype(dtype)
    ours, theirs = gn.tensor(values), torch.tensor(values)
    method = f"__{op}__"
    expected = getattr(theirs, method)(scalar)
    got = getattr(ours, method)(scalar)
    assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", "")), (op, dtype, scalar)
    np.testing.assert_allclose(got.array.astype(float), expected.numpy().astype(float), rtol=1e-6)


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("right", DTYPES)
def test_promotion_between_tensors(left, right):
    a = np.array([1, 2, 3]).astype(left)
    b = np.array([3, 1, 1]).astype(right)
    for op in ("__add__", "__mul__", "__truediv__"):
        if op == "__add__" and left == right == "bool":
            continue
        expected = getattr(torch.tensor(a), op)(torch.tensor(b))
        got = getattr(gn.tensor(a), op)(gn.tensor(b))
        assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", "")), (op, left, right)
        np.testing.assert_allclose(
            got.array.astype(float), expected.numpy().astype(float), rtol=1e-6
        )


def test_promotion_of_zero_dim_tensors_follows_torch():
    # a 0-d tensor of the same category does not widen a dimensioned one
    x = gn.ones(3)
    assert (x * gn.tensor(2.0, dtype=gn.float64)).dtype == np.float32
    assert (gn.tensor(2.0, dtype=gn.float64) + x).dtype == np.float32
    # but one of a higher category does
    assert (gn.tensor([1, 2]) * gn.tensor(2.5, dtype=gn.float64)).dtype == np.float64
    assert (gn.ones(3, dtype=gn.float64) * gn.tensor(2.0)).dtype == np.float64


def test_ndarray_operands_act_as_tensors():
    x = gn.ones(2)
    assert (x + np.ones(2, np.float32)).dtype == np.float32
    out = np.ones(2, np.float32) + x  # __array_priority__ gives Tensor.__radd__ the call
    assert isinstance(out, gn.Tensor)


# ---- forward of every method against torch ----
X = RNG.standard_normal((3, 4))
POS = RNG.uniform(0.5, 2.0, (3, 4))

UNARY = [
    ("exp", X),
    ("log", POS),
    ("log1p", POS),
    ("sqrt", POS),
    ("rsqrt", POS),
    ("abs", X),
    ("tanh", X),
    ("sigmoid", X),
    ("relu", X),
    ("erf", X),
    ("sin", X),
    ("cos", X),
    ("sign", X),
    ("floor", X),
    ("round", X),
    ("__neg__", X),
    ("__abs__", X),
    ("isnan", X),
    ("logical_not", X > 0),
    ("__invert__", X > 0),
]


@pytest.mark.parametrize("name, data", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward(name, data):
    ours, theirs = _both(data)
    _close(getattr(ours, name)(), getattr(theirs, name)())


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "erf"]
)
def test_functions_at_module_level(name):
    ours, theirs = _both(POS)
    _close(getattr(gn, name)(ours), getattr(torch, name)(theirs))


def test_unary_gradients_are_not_silently_dropped():
    # sin/cos/sign/floor/round: either their gradient flows (as in torch) or the result says
    # plainly that it carries none; what must not happen is a wrong gradient
    x, tx = _both(X, requires_grad=True)
    for name in ("sin", "cos"):
        out = getattr(x, name)()
        assert out.requires_grad, f"{name} dropped the graph"
        out.sum().backward()
        getattr(tx, name)().sum().backward()
        _close(x.grad, tx.grad)
        x.grad, tx.grad = None, None


BINARY = [
    "__add__",
    "__sub__",
    "__mul__",
    "__truediv__",
    "__pow__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__eq__",
    "__ne__",
    "maximum",
    "minimum",
]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("other_shape", [(3, 4), (4,), (3, 1), ()])
def test_binary_forward_broadcasts(name, other_shape):
    base = POS if name == "__pow__" else X
    other = RNG.standard_normal(other_shape)
    other[...] = np.round(other, 1)  # some equal values for the comparisons
    ours, theirs = _both(base)
    ours_o, theirs_o = _both(other)
    _close(getattr(ours, name)(ours_o), getattr(theirs, name)(theirs_o))
    if other_shape == () and name not in ("maximum", "minimum"):  # torch takes no scalar there
        _close(getattr(ours, name)(float(other)), getattr(theirs, name)(float(other)))


def test_reflected_operators():
    ours, theirs = _both(POS)
    for op in ("__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rpow__"):
        _close(getattr(ours, op)(1.5), getattr(theirs, op)(1.5))
    _close(2 - ours, 2 - theirs)
    _close(2 / ours, 2 / theirs)
    _close(2**ours, 2**theirs)


def test_floordiv_mod_and_logic():
    a, b = np.array([7, -7, 5, 0]), np.array([2, 3, -2, 4])
    ours, theirs = gn.tensor(a), torch.tensor(a)
    _close(ours // gn.tensor(b), theirs // torch.tensor(b))
    _close(ours % gn.tensor(b), theirs % torch.tensor(b))
    p, q = np.array([True, False, True]), np.array([True, True, False])
    for op in ("__and__", "__or__", "__xor__"):
        _close(
            getattr(gn.tensor(p), op)(gn.tensor(q)), getattr(torch.tensor(p), op)(torch.tensor(q))
        )
    assert bool(gn.tensor(p).any()) and not bool(gn.tensor(p).all())


def test_clamp_and_clip():
    ours, theirs = _both(X)
    _close(ours.clamp(-0.5, 0.5), theirs.clamp(-0.5, 0.5))
    _close(ours.clamp(min=0.1), theirs.clamp(min=0.1))
    _close(ours.clamp(max=0.1), theirs.clamp(max=0.1))
    _close(ours.clip(-1, 1), theirs.clip(-1, 1))
    _close(gn.clamp(ours, min=0), torch.clamp(theirs, min=0))
    with pytest.raises(ValueError, match="clamp"):
        ours.clamp()


REDUCTIONS = [
    ("sum", {}),
    ("sum", {"dim": 1}),
    ("sum", {"dim": -1, "keepdim": True}),
    ("sum", {"dim": (0, 2)}),
    ("mean", {}),
    ("mean", {"dim": 0}),
    ("mean", {"dim": (-1, 0)}),
    ("var", {}),
    ("var", {"dim": 1}),
    ("var", {"dim": 1, "unbiased": False}),
    ("var", {"dim": (0, 1), "keepdim": True}),
    ("var", {"dim": 2, "correction": 0}),
    ("std", {}),
    ("std", {"dim": 0, "keepdim": True}),
    ("amax", {}),
    ("amax", {"dim": -2}),
    ("logsumexp", {"dim": 1}),
    ("logsumexp", {"dim": -1, "keepdim": True}),
    ("logsumexp", {"dim": (0, 2)}),
    ("argmax", {}),
    ("argmax", {"dim": 1}),
    ("argmin", {"dim": -1, "keepdim": True}),
    ("norm", {}),
    ("norm", {"dim": 1}),
    ("softmax", {"dim": 1}),
    ("log_softmax", {"dim": -1}),
    ("max", {}),
    ("min", {}),
]


@pytest.mark.parametrize("name, kwargs", REDUCTIONS, ids=[f"{n}-{k}" for n, k in REDUCTIONS])
def test_reduction_forward(name, kwargs):
    ours, theirs = _both(RNG.standard_normal((2, 3, 4)))
    _close(getattr(ours, name)(**kwargs), getattr(theirs, name)(**kwargs))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (-1, True), (1, False)])
def test_max_min_with_dim_return_values_and_indices(name, dim, keepdim):
    ours, theirs = _both(RNG.standard_normal((2, 3, 4)))
    got = getattr(ours, name)(dim, keepdim)
    expected = getattr(theirs, name)(dim, keepdim)
    _close(got.values, expected.values)
    _close(got.indices, expected.indices)
    values, indices = got
    assert indices.dtype == np.int64
    _close(values, expected[0])


TIED_MAX = [
    ("max", {}),
    ("min", {}),
    ("amax", {"dim": 1}),
    ("amax", {"dim": (0, 2)}),
    ("amax", {"dim": (-1, 0), "keepdim": True}),
    ("amax", {"dim": (0, 1, 2)}),
]


@pytest.mark.parametrize("name, kwargs", TIED_MAX, ids=[f"{n}-{k}" for n, k in TIED_MAX])
def test_tied_maxima_share_the_gradient_as_in_pytorch(name, kwargs):
    """max(), min() and amax() split the gradient evenly among tied extremes (max(dim) and
    pooling give it to the first, tested above and in the pooling parity tests)."""
    values = RNG.integers(0, 3, (3, 4, 5)).astype(float)  # many ties
    ours, theirs = _both(values, requires_grad=True)
    got, expected = getattr(ours, name)(**kwargs), getattr(theirs, name)(**kwargs)
    _close(got, expected)
    cotangent = RNG.standard_normal(tuple(expected.shape))
    (got * gn.tensor(cotangent)).sum().backward()
    (expected * torch.tensor(cotangent)).sum().backward()
    _close(ours.grad, theirs.grad)


def test_integer_and_bool_sums():
    assert gn.tensor([1, 2, 3]).sum().dtype == np.int64
    assert gn.tensor([True, True, False]).sum().item() == 2
    assert gn.tensor([1, 2]).sum(dtype=gn.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="mean"):
        gn.tensor([1, 2]).mean()


SHAPE_OPS = [
    ("reshape", (6, 4)),
    ("reshape", (-1,)),
    ("reshape", (2, -1, 2)),
    ("view", (4, 6)),
    ("permute", (2, 0, 1)),
    ("permute", (-1, 0, 1)),
    ("transpose", (0, 2)),
    ("transpose", (-1, -2)),
    ("flatten", ()),
    ("flatten", (1,)),
    ("flatten", (0, 1)),
    ("flatten", (-2, -1)),
    ("unsqueeze", (0,)),
    ("unsqueeze", (-1,)),
    ("unsqueeze", (2,)),
    ("squeeze", ()),
    ("repeat", (2, 1, 3)),
    ("repeat", (2, 2, 1, 1)),
    ("unflatten", (2, (2, 2))),
]


@pytest.mark.parametrize("name, args", SHAPE_OPS, ids=[f"{n}{a}" for n, a in SHAPE_OPS])
def test_shape_forward(name, args):
    ours, theirs = _both(RNG.standard_normal((2, 3, 4)))
    _close(getattr(ours, name)(*args), getattr(theirs, name)(*args))


def test_squeeze_expand_and_friends():
    ours, theirs = _both(RNG.standard_normal((1, 3, 1, 2)))
    for args in [(), (0,), (2,), (-2,), (1,), ((0, 2),)]:
        _close(ours.squeeze(*args), theirs.squeeze(*args))
    small, tsmall = _both(RNG.standard_normal((3, 1)))
    for shape in [(3, 4), (2, 3, 4), (-1, 5), (2, -1, -1)]:
        _close(small.expand(*shape), tsmall.expand(*shape))
    _close(small.expand_as(gn.zeros(3, 2)), tsmall.expand_as(torch.zeros(3, 2)))
    _close(ours.T, theirs.permute(3, 2, 1, 0))
    m, tm = _both(X)
    _close(m.T, tm.T)
    _close(m.t(), tm.t())
    _close(m.mT, tm.mT)
    _close(ours.view_as(gn.zeros(6)), theirs.view_as(torch.zeros(6)))
    assert ours.size() == (1, 3, 1, 2) and ours.size(1) == 3 and ours.dim() == 4
    assert ours.numel() == 6 and len(ours) == 1


def test_split_chunk_unbind_select():
    ours, theirs = _both(RNG.standard_normal((5, 6)))
    cases = [
        ("split", (2,)),
        ("split", (2, 1)),
        ("split", ([1, 4],)),
        ("split", ([2, 3, 1], 1)),
        ("chunk", (2,)),
        ("chunk", (3, 1)),
        ("chunk", (4, -1)),
        ("unbind", (1,)),
        ("unbind", ()),
    ]
    for name, args in cases:
        got, expected = getattr(ours, name)(*args), getattr(theirs, name)(*args)
        assert len(got) == len(expected), (name, args)
        for g, e in zip(got, expected):
            _close(g, e)
    _close(ours.select(1, 2), theirs.select(1, 2))
    _close(ours.select(0, -1), theirs.select(0, -1))


def test_cat_and_stack():
    arrays = [RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3)), np.zeros((0, 3))]
    ours = [gn.tensor(a) for a in arrays]
    theirs = [torch.tensor(a) for a in arrays]
    _close(gn.cat(ours), torch.cat(theirs))
    _close(gn.cat(ours, dim=-2), torch.cat(theirs, dim=-2))
    same = [gn.tensor(arrays[0]), gn.tensor(arrays[0] * 2)]
    tsame = [torch.tensor(arrays[0]), torch.tensor(arrays[0] * 2)]
    for dim in (0, 1, 2, -1, -3):
        _close(gn.stack(same, dim), torch.stack(tsame, dim))
    assert gn.cat([gn.ones(2), gn.ones(2, dtype=gn.float64)]).dtype == np.float64


def test_gather_forward():
    ours, theirs = _both(RNG.standard_normal((3, 4)))
    index = np.array([[0, 1, 1, 3], [2, 2, 0, 0], [3, 0, 1, 2]])
    _close(ours.gather(1, gn.tensor(index)), theirs.gather(1, torch.tensor(index)))
    col = np.array([[0, 2, 1, 1]])
    _close(ours.gather(0, gn.tensor(col)), theirs.gather(0, torch.tensor(col)))
    # an index smaller than the input in the other dims, as torch allows
    small = np.array([[1], [0]])
    _close(ours.gather(1, gn.tensor(small)), theirs.gather(1, torch.tensor(small)))
    _close(ours.gather(-1, gn.tensor(small)), theirs.gather(-1, torch.tensor(small)))


def test_matmul_shapes():
    for a_shape, b_shape in [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((5, 1, 2, 3), (4, 3, 2)),
        ((4,), (2, 4, 3)),
        ((2, 2, 4), (4,)),
        ((0, 3), (3, 2)),
    ]:
        a, ta = _both(RNG.standard_normal(a_shape))
        b, tb = _both(RNG.standard_normal(b_shape))
        _close(a @ b, ta @ tb)
        _close(gn.matmul(a, b), torch.matmul(ta, tb))
    np_left = RNG.standard_normal((2, 3))
    b, tb = _both(RNG.standard_normal((3, 2)))
    _close(np_left @ b, torch.tensor(np_left) @ tb)


# ---- leaving the graph ----
def test_numpy_item_tolist_asarray():
    t = gn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(t.numpy(), np.ndarray) and t.numpy().dtype == np.float32
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert gn.tensor([1, 2]).tolist() == [1, 2] and isinstance(gn.tensor([1]).tolist()[0], int)
    array = np.asarray(t)
    assert array.dtype == np.float32 and array.shape == (2, 2)
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float64), t.array.astype(np.float64))
    assert np.array(t, copy=True) is not t.array
    assert gn.tensor(3.5).item() == 3.5 and isinstance(gn.tensor(3.5).item(), float)
    assert gn.tensor([7]).item() == 7 and isinstance(gn.tensor([7]).item(), int)
    assert float(gn.tensor(2.0)) == 2.0 and int(gn.tensor(3)) == 3
    with pytest.raises(RuntimeError, match="one element"):
        t.item()
    assert [0, 1, 2][gn.tensor(1)] == 1  # __index__


def test_numpy_of_a_tensor_that_requires_grad():
    t = gn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert t.detach().numpy().shape == (2,)
    assert np.asarray(t).shape == (2,)


def test_bool_of_tensors():
    assert bool(gn.tensor(1.0)) and not bool(gn.tensor([0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gn.ones(2))


def test_repr():
    assert repr(gn.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])" or "tensor([1." in repr(
        gn.tensor([1.0, 2.5])
    )
    assert "dtype=float64" in repr(gn.tensor([1.0], dtype=gn.float64))
    assert "dtype" not in repr(gn.tensor([1, 2]))
    assert "requires_grad=True" in repr(gn.ones(2, requires_grad=True))
    y = gn.ones(2, requires_grad=True) * 2
    assert "grad_fn=" in repr(y)
    assert repr(gn.tensor(3)) == "tensor(3)"


def test_iteration_and_len():
    t = gn.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    assert [row.tolist() for row in t] == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError):
        len(gn.tensor(1.0))


def test_dtype_conversions():
    t = gn.tensor([1.7, -2.2])
    assert t.double().dtype == np.float64 and t.float().dtype == np.float32
    np.testing.assert_array_equal(t.long().array, np.array([1, -2]))
    assert t.int().dtype == np.int32 and t.bool().dtype == np.bool_
    assert t.to(gn.float64).dtype == np.float64 and t.to("cpu") is t
    assert t.type_as(gn.tensor([1])).dtype == np.int64
    g = gn.ones(2, requires_grad=True)
    (g.double() * 3).sum().backward()
    assert g.grad.dtype == np.float32
    np.testing.assert_array_equal(g.grad.array, [3, 3])
    c = g.clone()
    assert c.requires_grad and not c.is_leaf and c.array is not g.array


# ---- comparisons, where, masked_fill ----
def test_where_and_masked_fill():
    x, tx = _both(X, requires_grad=True)
    y, ty = _both(RNG.standard_normal((4,)), requires_grad=True)
    out = gn.where(x > 0, x, y)
    expected = torch.where(tx > 0, tx, ty)
    _close(out, expected)
    cotangent = RNG.standard_normal((3, 4))
    (out * gn.tensor(cotangent)).sum().backward()
    (expected * torch.tensor(cotangent)).sum().backward()
    _close(x.grad, tx.grad)
    _close(y.grad, ty.grad)
    _close(gn.where(x > 0, x, 0.0), torch.where(tx > 0, tx, 0.0))
    _close(gn.where(x > 0, 1.0, x), torch.where(tx > 0, 1.0, tx))
    mask = X > 0.3
    _close(x.masked_fill(gn.tensor(mask), -5.0), tx.masked_fill(torch.tensor(mask), -5.0))
    row_mask = np.array([True, False, False, True])
    _close(
        x.masked_fill(gn.tensor(row_mask), float("-inf")),
        tx.masked_fill(torch.tensor(row_mask), float("-inf")),
    )
    with pytest.raises(RuntimeError, match="masked_fill.*bool"):  # as torch
        x.masked_fill(gn.tensor([1, 0, 0, 1]), 0.0)


def test_where_with_integer_scalars():
    cond = gn.tensor([True, False])
    tcond = torch.tensor([True, False])
    for pair in [(1, 0), (1.5, 0), (2, 0.5), (1.0, 0.0)]:
        out, expected = gn.where(cond, *pair), torch.where(tcond, *pair)
        assert out.tolist() == expected.tolist()
        assert out.dtype == np.dtype(str(expected.dtype).replace("torch.", "")), pair
    x = gn.tensor([1.0, 2.0], dtype=gn.float64)
    assert gn.where(cond, 0, x).dtype == np.float64
    assert gn.where(cond, x, 0).dtype == np.float64


def test_comparisons_give_bool_without_gradient():
    x = gn.ones(3, requires_grad=True)
    for result in (x > 0, x < 0, x >= 1, x <= 1, x == 1, x != 1, x.eq(1)):
        assert result.dtype == np.bool_ and not result.requires_grad


# ---- indexing ----
INDICES = [
    (1,),
    (-1,),
    (slice(None, None, -1),),
    (slice(1, None, 2), slice(None, None, -2)),
    (slice(None), slice(-1, 0, -2)),
    (Ellipsis, 0),
    (None, Ellipsis),
    (0, None, slice(1, 3)),
    (slice(None), None, -1),
    (np.array([0, 2, 2, 0]),),
    (np.array([[0, 1], [1, 1]]),),
    (slice(None), np.array([3, 0, 3])),
    (np.array([0, 1]), np.array([2, 2])),
    (np.array([1, 1, 1]), slice(None, 2)),
    (Ellipsis, np.array([1, 1, 0])),
]


@pytest.mark.parametrize("key", INDICES, ids=[str(i) for i in range(len(INDICES))])
def test_indexing_forward_and_gradient(key):
    """Against NumPy (forward, and np.add.at for the gradient: repeated picks add up), and
    against torch where torch can do it (it has no negative steps)."""
    data = RNG.standard_normal((3, 4))
    x = gn.tensor(data, requires_grad=True)
    gkey = tuple(gn.tensor(k) if isinstance(k, np.ndarray) else k for k in key)
    out = x[gkey]
    np.testing.assert_array_equal(out.detach().numpy(), data[key])
    cotangent = RNG.standard_normal(out.shape)
    (out * gn.tensor(cotangent)).sum().backward()
    expected_grad = np.zeros_like(data)
    np.add.at(expected_grad, key, cotangent)
    np.testing.assert_allclose(x.grad.array, expected_grad, rtol=1e-12)
    if any(isinstance(k, slice) and (k.step or 1) < 0 for k in key):
        return
    tx = torch.tensor(data, requires_grad=True)
    tkey = tuple(torch.tensor(k) if isinstance(k, np.ndarray) else k for k in key)
    (tx[tkey] * torch.tensor(cotangent)).sum().backward()
    _close(x.grad, tx.grad)


def test_repeated_indices_accumulate_gradient():
    x = gn.zeros(3, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3, 0, 1])
    x = gn.zeros(3, requires_grad=True)
    x[gn.tensor([1, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.array, [0, 2, 0])


def test_boolean_masks():
    data = RNG.standard_normal((3, 4))
    x, tx = _both(data, requires_grad=True)
    mask = data > 0
    for gkey, tkey in [
        (gn.tensor(mask), torch.tensor(mask)),
        (mask, torch.tensor(mask)),
        (gn.tensor(mask[:, 0]), torch.tensor(mask[:, 0])),
        ((slice(None), gn.tensor(mask[0])), (slice(None), torch.tensor(mask[0]))),
    ]:
        x.grad, tx.grad = None, None
        out, expected = x[gkey], tx[tkey]
        _close(out, expected)
        cotangent = RNG.standard_normal(expected.shape)
        (out * gn.tensor(cotangent)).sum().backward()
        (expected * torch.tensor(cotangent)).sum().backward()
        _close(x.grad, tx.grad)


def test_indexing_with_lists_and_zero_dim_tensors():
    x, tx = _both(RNG.standard_normal((4, 3)))
    _close(x[[0, 3]], tx[[0, 3]])
    _close(x[gn.tensor(2)], tx[torch.tensor(2)])
    _close(x[1:3, [0, 2]], tx[1:3, [0, 2]])


# ---- in place ----
def test_setitem():
    x, tx = _both(np.zeros((3, 4)))
    x[0] = 1.0
    tx[0] = 1.0
    x[:, 1] = gn.tensor([5.0, 6.0, 7.0], dtype=gn.float64)
    tx[:, 1] = torch.tensor([5.0, 6.0, 7.0], dtype=torch.float64)
    x[gn.tensor(np.eye(3, 4, dtype=bool))] = -1.0
    tx[torch.tensor(np.eye(3, 4, dtype=bool))] = -1.0
    x[[2, 0], 3] = 9.0
    tx[[2, 0], 3] = 9.0
    _close(x, tx)


def test_in_place_ops_are_guarded_under_grad():
    w = gn.ones(3, requires_grad=True)
    for name, args in [
        ("zero_", ()),
        ("fill_", (2.0,)),
        ("add_", (1.0,)),
        ("sub_", (1.0,)),
        ("mul_", (2.0,)),
        ("div_", (2.0,)),
        ("copy_", (gn.zeros(3),)),
        ("clamp_", (0.0, 0.5)),
        ("uniform_", ()),
        ("normal_", ()),
    ]:
        with pytest.raises(RuntimeError, match=name):
            getattr(w, name)(*args)
    with pytest.raises(RuntimeError, match="__setitem__|in-place"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.array, [1, 1, 1])
    with gn.no_grad():
        w.add_(gn.tensor([1.0, 2.0, 3.0]), alpha=2)
        w.sub_(1.0, alpha=0.5)
        w[0] = 0.0
    np.testing.assert_allclose(w.array, [0.0, 4.5, 6.5])
    assert w.requires_grad and w.is_leaf


def test_in_place_ops_match_torch():
    x, tx = _both(np.arange(6.0).reshape(2, 3))
    x.mul_(2).add_(gn.tensor([1.0, 0.0, -1.0], dtype=gn.float64), alpha=3).div_(4).clamp_(0.5, 2)
    tx.mul_(2).add_(torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64), alpha=3).div_(4)
    tx.clamp_(0.5, 2)
    _close(x, tx)
    x.fill_(3.0)
    assert np.all(x.array == 3)
    x.zero_()
    assert np.all(x.array == 0)
    x.copy_(gn.ones(2, 3))
    assert np.all(x.array == 1) and x.dtype == np.float64
    gn.manual_seed(1)
    first = gn.zeros(100).uniform_(-2, 2).array.copy()
    assert first.min() >= -2 and first.max() <= 2 and first.std() > 0.5
    np.testing.assert_array_equal(gn.zeros(4).normal_(rng=3).array, gn.zeros(4).normal_(rng=3).array)


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="floating point"):
        gn.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        gn.zeros(2, dtype=gn.int64).requires_grad_()
    x = gn.ones(2).requires_grad_()
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and np.shares_memory(d.array, y.array)


@pytest.mark.parametrize(
    "name", ["exp", "log", "log1p", "sqrt", "rsqrt", "tanh", "sigmoid", "erf", "sin", "cos"]
)
def test_float_math_on_integers_gives_float32(name):
    ours = getattr(gn.tensor([1, 2, 3]), name)()
    theirs = getattr(torch.tensor([1, 2, 3]), name)()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_norm_at_zero_has_a_zero_gradient_as_in_torch(p):
    data = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    x, tx = _both(data, requires_grad=True)
    _close(x.norm(p, dim=1), tx.norm(p, dim=1))
    x.norm(p, dim=1).sum().backward()
    tx.norm(p, dim=1).sum().backward()
    _close(x.grad, tx.grad)


# ---- edges where PyTorch's semantics are easy to miss (found by a parity sweep) ----
def _values_and_grads(lib, fn, arrays):
    make = gn.tensor if lib is gn else torch.tensor
    leaves = [make(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(*leaves)
    if out.requires_grad:
        cotangent = np.random.default_rng(0).standard_normal(tuple(out.shape))
        (out * make(cotangent.astype(np.asarray(out.detach()).dtype))).sum().backward()
    grads = [None if t.grad is None else np.asarray(t.grad) for t in leaves]
    return np.asarray(out.detach()), out.dtype, out.requires_grad, grads


F32 = np.array([3.5, -1.25, 0.0, 7.0, -2.0], dtype=np.float32)
TIES = np.array([1.0, 2.0, 3.0, -1.0]), np.array([1.0, 1.0, 3.0, 0.0])
EDGE_OPS = {
    "norm-inf": (lambda a: a.norm(float("inf")), [np.array([1.0, -3.0, 2.0, -3.0])]),
    "norm-minus-inf-dim": (lambda a: a.norm(float("-inf"), dim=1),
                           [np.array([[1.0, -0.5], [2.0, 4.0]])]),
    "norm-0": (lambda a: a.norm(0), [np.array([1.0, 0.0, -2.0])]),
    "norm-fro": (lambda a: a.norm("fro"), [np.array([[1.0, -3.0], [2.0, 0.5]])]),
    "maximum-ties": (lambda a, b: a.maximum(b), list(TIES)),
    "minimum-ties": (lambda a, b: a.minimum(b), list(TIES)),
    "remainder-grad": (lambda a, b: a % b,
                       [np.array([3.5, -3.5, 7.25]), np.array([2.0, 2.0, -1.5])]),
    "rmod-int": (lambda a: 7 % a, [np.array([2, 3, -4])]),
    # floor division has no gradient (PyTorch's backward raises): compared without one
    "floordiv-f32": (lambda a: a.detach() // 2, [F32]),
    "rfloordiv-f32": (lambda a: 7 // a.detach(), [np.array([2.0, -3.0], dtype=np.float32)]),
    "mod-int32": (lambda a: a % 2, [np.array([3, -5], dtype=np.int32)]),
    "floordiv-int-by-float": (lambda a: a // 2.5, [np.array([3, 7])]),
    "clamp-int-float-bound": (lambda a: a.clamp(min=0.5), [np.array([0, 2])]),
    "floor-in-graph": (lambda a: a.floor() + a, [F32]),
    "round-sign-zero-grad": (lambda a: a.round() * a.sign(), [F32]),
    "floor-int-keeps-dtype": (lambda a: a.floor(), [np.array([3, -2])]),
    "pow-zero-exponent-at-zero": (lambda a: a**0, [np.array([0.0, 2.0])]),
    "pow-base-zero-tensor-exponent": (lambda a, b: a**b,
                                      [np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 0.5])]),
    "sum-empty-dims": (lambda a: a.sum(dim=()), [np.ones((2, 3))]),
    "mean-0d-dim0": (lambda a: a.mean(0), [np.array(3.0)]),
    "softmax-empty": (lambda a: a.softmax(0), [np.zeros((0, 3))]),
    "log-softmax-empty": (lambda a: a.log_softmax(0), [np.zeros((0, 3))]),
    "logsumexp-empty": (lambda a: a.logsumexp(0), [np.zeros((0, 3))]),
    "cos-large-float32": (lambda a: a.cos(), [np.array([10000.3, -2e4, 1.0], dtype=np.float32)]),
    "sqrt-int": (lambda a: a.sqrt(), [np.array([4, 9])]),
    "maximum-infinite-ties": (lambda a, b: a.maximum(b) + a.minimum(b),
                              [np.array([np.inf, -np.inf, 1.0]), np.array([np.inf, -np.inf, 2.0])]),
    "maximum-integers": (lambda a, b: a.maximum(b), [np.array([1, 5]), np.array([3, 2])]),
    "remainder-exact-with-grad": (lambda a: a % 0.1, [np.array([5.1, 3.0, -0.25])]),
    "max-with-nan": (lambda a: a.max(), [np.array([1.0, np.nan, 3.0])]),
    "sum-empty-dim-list": (lambda a: a.sum(dim=[]), [np.ones((2, 3))]),
    "clamp-int-numpy-float-bound": (lambda a: a.clamp(min=np.float64(1.5)), [np.array([0, 2])]),
    "clamp-tensor-bounds": (lambda a, low, high: a.clamp(min=low, max=high),
                            [np.array([1.0, 5.0, 3.0]), np.array([2.0, 2.0, 3.0]),
                             np.array([4.0, 4.0, 4.0])]),
}


@pytest.mark.parametrize("name", EDGE_OPS)
def test_edge_semantics_match_pytorch(name):
    fn, arrays = EDGE_OPS[name]
    ours, theirs = (_values_and_grads(lib, fn, arrays) for lib in (gn, torch))
    assert ours[0].shape == theirs[0].shape
    assert str(ours[1]).replace("torch.", "") == str(theirs[1]).replace("torch.", "")
    assert ours[2] == theirs[2], "requires_grad differs"
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-7)
    for a, b in zip(ours[3], theirs[3]):
        if a is None or b is None:  # no gradient at all, or one of zeros (torch's norm(0))
            assert not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_cat_promotes_as_pytorch():
    assert gn.cat([gn.tensor([1]), gn.tensor([1.0])]).dtype == np.float32
    assert gn.cat([gn.tensor([True]), gn.tensor([2])]).dtype == np.int64
    assert gn.stack([gn.tensor([1.0]), gn.tensor([1.0], dtype=gn.float64)]).dtype == np.float64


def test_pytorchs_other_dtype_names():
    assert gn.tensor([1, 2], dtype=gn.long).dtype == np.int64
    assert gn.ones(2).to(gn.double).dtype == np.float64
    assert (gn.float, gn.int, gn.bool) == (gn.float32, gn.int32, gn.bool_)
