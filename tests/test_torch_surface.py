"""The tensor-level PyTorch surface against torch 2.13: every function and method written once
for both libraries (``lambda lib, x: lib.topk(x, 2)``), run on the same data with gn and torch,
forward (values, dtypes, shapes) and backward (the gradient of sum(out * v) for a random
cotangent v, for every float input), one table."""

import numpy as np
import pytest

import glassnet as gn

torch = pytest.importorskip("torch")

CASES = []


def case(name, fn, *specs, dtypes=(np.float64,)):
    for dtype in dtypes:
        CASES.append(pytest.param(fn, specs, dtype, id=f"{name}-{np.dtype(dtype).name}"))


def _input(spec, rng, dtype):
    """("x", shape): floats that get a gradient; ("c", shape): float constants; ("apart", shape):
    distinct floats (no ties); ("int", shape, high); ("bool", shape)."""
    kind, shape, *extra = spec
    if kind in ("x", "c"):
        return rng.standard_normal(shape).astype(dtype), kind == "x"
    if kind == "apart":
        n = int(np.prod(shape))
        return (rng.permutation(n).reshape(shape) / n - 0.5).astype(dtype), True
    if kind == "int":
        return rng.integers(0, extra[0], shape), False
    if kind == "bool":
        return rng.random(shape) > 0.5, False
    raise ValueError(kind)


def _flat(out):
    """An output as a list of tensors (tuples and named tuples unpacked)."""
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flat(item)]
    return [out]


def _numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy() if isinstance(t, gn.Tensor) else np.asarray(t)


def run(lib, fn, arrays, grads):
    tensors = [lib.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    return tensors, fn(lib, *tensors)


@pytest.mark.parametrize("fn, specs, dtype", CASES)
def test_forward_and_backward_match_torch(fn, specs, dtype):
    rng = np.random.default_rng(0)
    arrays, grads = zip(*[_input(spec, rng, dtype) for spec in specs]) if specs else ((), ())
    ours_in, ours = run(gn, fn, arrays, grads)
    theirs_in, theirs = run(torch, fn, arrays, grads)
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-9,
                                                                           "atol": 1e-11}
    for mine, expected in zip(ours, theirs):
        mine_array, expected_array = _numpy(mine), _numpy(expected)
        assert mine_array.shape == expected_array.shape
        assert mine_array.dtype == expected_array.dtype, (mine_array.dtype, expected_array.dtype)
        np.testing.assert_allclose(mine_array, expected_array, **tolerance)
    differentiable = [(m, t) for m, t in zip(ours, theirs)
                      if isinstance(t, torch.Tensor) and t.requires_grad]
    if not differentiable:
        return
    ours_total, theirs_total = 0, 0
    for mine, expected in differentiable:
        cotangent = rng.standard_normal(tuple(expected.shape)).astype(dtype)
        ours_total = ours_total + (mine * gn.tensor(cotangent)).sum()
        theirs_total = theirs_total + (expected * torch.tensor(cotangent)).sum()
    ours_total.backward()
    theirs_total.backward()
    for mine, expected, grad in zip(ours_in, theirs_in, grads):
        if grad:
            expected_grad = np.zeros(mine.shape) if expected.grad is None else expected.grad
            mine_grad = np.zeros(mine.shape) if mine.grad is None else mine.grad
            np.testing.assert_allclose(_numpy(mine_grad), _numpy(expected_grad), **tolerance)


BOTH = (np.float32, np.float64)
X34, X234 = ("x", (3, 4)), ("x", (2, 3, 4))

# ---- creation ----
case("tril", lambda lib, x: (lib.tril(x), lib.tril(x, diagonal=-1), x.tril(1)), X34, dtypes=BOTH)
case("triu", lambda lib, x: (lib.triu(x, 1), x.triu(diagonal=-2), x.triu()), X234)
case("triu-causal-mask", lambda lib: lib.triu(lib.ones(4, 4) * float("-inf"), diagonal=1))
case("tril-ones-bool", lambda lib: (lib.tril(lib.ones(3, 5)), lib.tril(lib.ones(3, 3) > 0)))
case("arange-dtypes", lambda lib: (lib.arange(5), lib.arange(1, 4), lib.arange(0, 1, 0.25),
                                   lib.arange(5.0), lib.arange(2, 11, 3),
                                   lib.arange(0, 10, 2, dtype=lib.float64),
                                   lib.arange(lib.tensor(4)), lib.arange(10, 0, -3)))
case("linspace-dtypes", lambda lib: (lib.linspace(0, 1, 5), lib.linspace(-1, 1, steps=4),
                                     lib.linspace(0, 10, 4, dtype=lib.int64),
                                     lib.linspace(0, 1, 3, dtype=lib.float64)))
case("full-dtypes", lambda lib: (lib.full((2, 3), 1.5), lib.full((2,), 7), lib.full((1,), True),
                                 lib.full((2, 2), float("-inf")),
                                 lib.full((3,), 2, dtype=lib.float64)))
case("zeros-sizes", lambda lib: (lib.zeros(2, 3), lib.zeros((2, 3)), lib.zeros([4]),
                                 lib.ones(()), lib.zeros(2, 3, dtype=lib.long),
                                 lib.empty(2, 1).shape))
case("like", lambda lib, x: (lib.zeros_like(x), lib.ones_like(x), lib.full_like(x, 2.5),
                             lib.zeros_like(x, dtype=lib.long), lib.empty_like(x).shape), X34)
case("new", lambda lib, x: (x.new_zeros(2, 3), x.new_ones((4,)), x.new_full((2,), 3.0),
                            x.new_tensor([1, 2]), x.new_empty(3).shape,
                            x.new_zeros(2, dtype=lib.long)), ("c", (2,)), dtypes=BOTH)
case("eye", lambda lib: (lib.eye(3), lib.eye(2, 4), lib.eye(3, dtype=lib.long)))
case("Tensor-constructor", lambda lib: (lib.Tensor([[1, 2]]), lib.Tensor(2, 3).shape,
                                        lib.LongTensor([3, 4]), lib.Tensor([1.5]).long()))

# ---- selection ----
case("topk", lambda lib, x: (lib.topk(x, 2), x.topk(3, dim=0), x.topk(1, largest=False),
                             x.topk(2, dim=-1, largest=True, sorted=True)), ("apart", (3, 4)),
     dtypes=BOTH)
case("topk-logits-cut", lambda lib, x: x.masked_fill(x < lib.topk(x, 2)[0][:, [-1]], -1e9),
     ("apart", (3, 5)))
case("sort", lambda lib, x: (lib.sort(x), x.sort(dim=0, descending=True),
                             lib.argsort(x, dim=1), x.argsort(descending=True)),
     ("apart", (3, 4)))
case("sort-ties", lambda lib, x: (lib.sort(x, stable=True), lib.sort(x, descending=True,
                                                                     stable=True)),
     ("int", (2, 6), 3))
case("where", lambda lib, c, x, y: (lib.where(c, x, y), lib.where(c, x, 0.0),
                                    lib.where(c, 1.0, y), lib.where(c)), ("bool", (3, 4)), X34,
     ("x", (4,)))
case("masked_fill", lambda lib, x, m: (x.masked_fill(m, -1.0), lib.masked_fill(x, m[0], 2.0),
                                       x.masked_fill(m, float("-inf")).softmax(-1)), X34,
     ("bool", (3, 4)))
case("index_select", lambda lib, x, i: (lib.index_select(x, 1, i), x.index_select(0, i[:2])),
     X34, ("int", (5,), 3))
case("gather-scatter", lambda lib, x, s, i: (x.gather(1, i), lib.gather(x, 1, i),
                                             x.scatter(1, i, s), x.scatter(1, i, 2.5),
                                             lib.scatter_add(x, 1, i, s)),
     X34, ("x", (3, 2)), ("int", (3, 2), 4))
case("scatter-distinct", lambda lib, x, s: x.scatter(0, lib.tensor([[2, 0, 1, 1]]), s), X34,
     ("x", (1, 4)))
case("index_add-fill-copy", lambda lib, x, s: (x.index_add(0, lib.tensor([2, 0, 2]), s),
                                               x.index_fill(1, lib.tensor([0, 3]), -2.0),
                                               x.index_copy(0, lib.tensor([1, 0, 2]), s)),
     X34, X34)
case("mask-and-list-indexing", lambda lib, x, m: (x[m], x[[0, 2]], x[:, [3, 1, 3]],
                                                  x[lib.tensor([2, 2, 0])], x[range(3), [0, 1, 3]],
                                                  x[x > 0], x[1, 2], x[-1], x[..., 1:3]),
     X34, ("bool", (3, 4)))
case("nonzero", lambda lib, x: (lib.nonzero(x > 0), (x > 0).nonzero(as_tuple=True),
                                lib.argwhere(x < 0), lib.masked_select(x, x > 0)), X34)
case("kthvalue-median", lambda lib, x: (x.kthvalue(2, 1), lib.median(x, dim=0),
                                        x.median(), x.msort()), ("apart", (3, 5)))

# ---- shape ----
case("roll", lambda lib, x: (lib.roll(x, 1, 1), x.roll(-2, 0), x.roll((1, 2), (0, 1)),
                             lib.roll(x, 5)), X34, dtypes=BOTH)
case("flip", lambda lib, x: (lib.flip(x, [0]), x.flip(0, 1), x.flip(-1), lib.fliplr(x)), X34)
case("repeat", lambda lib, x: (x.repeat(2, 1), x.repeat(1, 2, 3), lib.tile(x, (2,))), X34)
case("repeat_interleave", lambda lib, x: (x.repeat_interleave(2), lib.repeat_interleave(x, 3, 0),
                                          x.repeat_interleave(lib.tensor([1, 0, 2, 1]), dim=1),
                                          lib.repeat_interleave(lib.tensor([2, 0, 1]))), X34)
case("chunk-split", lambda lib, x: (x.chunk(2, 1), lib.chunk(x, 3, 0), x.split(3, 1),
                                    x.split([1, 2], 0), lib.split(x, 2, dim=-1),
                                    x.tensor_split(3, 1)), ("x", (3, 5)))
case("narrow-unbind", lambda lib, x: (x.narrow(1, 1, 2), lib.narrow(x, 0, -2, 2), x.unbind(1),
                                      lib.unbind(x), x.select(1, -1)), X34)
case("t-T-view_as-expand_as", lambda lib, x, y, z: (x.t(), lib.t(x), x.T, x.t().contiguous(),
                                                    y.view_as(z), x[:1].expand_as(x),
                                                    y.reshape_as(z), x.mT), X34, ("x", (12,)),
     ("c", (2, 6)))
case("squeeze-unsqueeze", lambda lib, x: (x.squeeze(1), x.squeeze(), lib.squeeze(x, 0),
                                          x.unsqueeze(-1).size(), x.squeeze(1).dim(),
                                          x.ndimension(), x.size(-1), x.size(2)),
     ("x", (3, 1, 4)))
case("einsum", lambda lib, a, b, c: (lib.einsum("bij,bjk->bik", a, b),
                                     lib.einsum("bij,bkj->bik", a, a),
                                     lib.einsum("ii->i", c), lib.einsum("ii", c),
                                     lib.einsum("ij->ji", c), lib.einsum("bij->", a),
                                     lib.einsum("i,j->ij", c[0], c[1]),
                                     lib.einsum("...ij,jk", a, b[0]),
                                     lib.einsum("bij,bjk,kl->bil", a, b, c[:, :2]),
                                     lib.einsum("bij", a),
                                     lib.einsum(" b i j , b j k -> b k ", a, b)),
     ("x", (2, 3, 4)), ("x", (2, 4, 3)), ("x", (3, 3)), dtypes=BOTH)
case("bmm-baddbmm", lambda lib, a, b, c: (lib.bmm(a, b), a.bmm(b),
                                          lib.baddbmm(c, a, b, beta=0.5, alpha=2.0),
                                          c.baddbmm(a, b), lib.baddbmm(c[0], a, b, beta=0)),
     ("x", (2, 3, 4)), ("x", (2, 4, 5)), ("x", (2, 3, 5)), dtypes=BOTH)
case("mm-mv-dot-outer", lambda lib, a, v: (lib.mm(a, a.t()), a.mm(a.T), lib.mv(a, v),
                                           lib.dot(v, v), lib.outer(v, a[0]),
                                           lib.addmm(a[:, :3], a, a.t(), alpha=0.5),
                                           lib.tensordot(a, a, dims=([1], [1]))),
     X34, ("x", (4,)))
case("cumsum-prod", lambda lib, x, i: (lib.cumsum(x, 1), x.cumsum(dim=0), x.cumsum(-1),
                                       lib.cumsum(i, 0), x.prod(1), lib.prod(x),
                                       x.prod(0, keepdim=True), i.prod(1), lib.cumsum(x[0], 0)),
     X34, ("int", (3, 4), 5))
case("cumprod-diff", lambda lib, x, i: (lib.cumprod(x, 1), x.cumprod(0), lib.cumprod(i, 1),
                                        lib.diff(x), x.diff(n=2, dim=0),
                                        lib.diff(x, prepend=x[:, :1]),
                                        x.where(x > 0, -x), lib.where(x > 0, x, 0.5)),
     ("x", (3, 5)), ("int", (3, 4), 4))
case("cumprod-zeros", lambda lib, x: (x * (x > 0)).cumprod(1), ("x", (3, 6)))
case("reductions", lambda lib, x: (x.var(1), lib.std(x, 0, keepdim=True), x.logsumexp(1),
                                   x.norm(), lib.norm(x, dim=1), x.norm(p=1, dim=0),
                                   lib.amax(x, (0, 1)), lib.amin(x, 1), x.all(), (x > 0).any(1),
                                   lib.var_mean(x, 1), lib.count_nonzero(x > 0, 0)),
     ("apart", (3, 4)))
case("diagonal-diag", lambda lib, x, v: (x.diagonal(), lib.diagonal(x, 1), x.diagonal(-1),
                                         lib.diag(v), lib.diag(v, 1), lib.diag(x),
                                         lib.diag_embed(x), x.trace()),
     X34, ("x", (3,)))
case("movedim-meshgrid", lambda lib, x, a, b: (x.movedim(0, -1), lib.movedim(x, (0, 1), (2, 0)),
                                               lib.meshgrid(a, b, indexing="ij"),
                                               lib.meshgrid(a, b, indexing="xy"),
                                               x.swapaxes(0, 2), x.flatten(1),
                                               x.unflatten(2, (2, 2))),
     X234, ("x", (3,)), ("x", (4,)))
case("numpy-names", lambda lib, x: (x.sum(axis=1, keepdims=True), lib.sum(x, axis=0),
                                    x.mean(axis=(0, 1)), x.argmax(axis=1), lib.softmax(x, axis=-1),
                                    x.max(axis=0).values, lib.cat([x, x], axis=1),
                                    lib.stack([x, x], axis=0), x.std(axis=0, keepdims=True)), X34)
case("stack-cat", lambda lib, x, y: (lib.stack([x, y], 1), lib.cat([x, y], -1), lib.hstack([x, y]),
                                     lib.vstack([x, y]), lib.concat((x, y))), X34, X34)

# ---- elementwise ----
case("pointwise", lambda lib, x, y: (lib.add(x, y, alpha=2), x.sub(y, alpha=0.5), lib.mul(x, 3),
                                     x.div(y), lib.div(x, y, rounding_mode="floor"),
                                     x.div(y, rounding_mode="trunc"), lib.square(x),
                                     x.reciprocal(), lib.lerp(x, y, 0.25), x.addcmul(x, y, value=2),
                                     lib.addcdiv(x, y, y.exp()), lib.sinh(y), y.cosh(), lib.tan(y),
                                     y.exp2(), y.expm1(), y.exp().log2(), y.exp().log10(),
                                     lib.fmod(x, y.abs() + 0.5), lib.remainder(x, 0.7),
                                     x.clamp_min(0.1), x.clamp_max(0.2), lib.sigmoid(x),
                                     lib.rsqrt(y.abs() + 1), x.frac(), lib.trunc(x), x.ceil()),
     X34, ("c", (3, 4)))
case("comparisons", lambda lib, x, y: (x.eq(y), x.ne(y), lib.gt(x, y), x.le(0), lib.isclose(x, x),
                                       lib.logical_and(x > 0, y > 0), (x > 0).logical_not(),
                                       lib.isnan(x.log()), lib.isfinite(x.log()),
                                       lib.isinf(x / 0.0), lib.maximum(x, y), lib.minimum(x, y)),
     ("c", (3, 4)), ("c", (3, 4)))
case("pow-of-a-number", lambda lib, x: (lib.pow(10000, lib.arange(0, 4, 2, dtype=lib.float32) / 4),
                                        lib.pow(2, lib.arange(3)), lib.pow(x, 2), lib.add(2, x)),
     X34)
case("int-math", lambda lib, i: (i // 2, i % 3, i.float() / 2, i * 2.5, lib.div(i, 2),
                                 lib.div(i, 2, rounding_mode="floor"), i.sum(), i.max()),
     ("int", (3, 4), 9))


def test_bool_results_and_type_names_match_torch():
    x, t = gn.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert gn.equal(x, x) and not gn.equal(x, x + 1) and torch.equal(t, t)
    assert gn.allclose(x, x + 1e-9) and not gn.allclose(x, x + 1)
    assert x.type() == t.type() == "torch.FloatTensor"
    assert gn.tensor([1]).type() == torch.tensor([1]).type()
    assert x.type("torch.LongTensor").dtype == np.int64
    assert f"{gn.tensor(1.23456):.2f}" == f"{torch.tensor(1.23456):.2f}" == "1.23"
    assert gn.is_tensor(x) and not gn.is_tensor(1.0) and gn.is_floating_point(x)
    assert x.is_floating_point() and not gn.tensor([1]).is_floating_point()
    assert x.element_size() == t.element_size() and x.nelement() == t.nelement()
    assert gn.tensor(np.ones((2, 3))).stride() == torch.ones(2, 3).stride()
    assert gn.Size([2, 3]) == torch.Size([2, 3]) == gn.ones(2, 3).shape
    assert gn.Size([2, 3]).numel() == 6


def test_devices_as_pytorch():
    x = gn.zeros(2)
    assert not x.is_cuda and not x.is_xpu and not x.is_mps and x.is_cpu
    assert x.device == gn.device("cpu") and str(x.device) == "cpu"
    assert x.device.type == "cpu" and x.device.index is None
    assert repr(gn.device("cpu")) == repr(torch.device("cpu"))
    assert str(gn.device("cuda", 0)) == str(torch.device("cuda", 0)) == "cuda:0"
    assert gn.device(gn.device("cuda:1")).index == 1
    assert gn.zeros(2, device=gn.device("cpu")).device == x.device
    assert x.to(x.device) is x and x.to(gn.device("cpu"), gn.float64).dtype == np.float64
    for call in (lambda: x.to(gn.device("cuda")), lambda: x.cuda(),
                 lambda: gn.ones(1, device="cuda")):
        with pytest.raises(ValueError, match="CPU"):
            call()


def test_inference_mode_and_no_grad_as_decorators():
    w = gn.ones(2, requires_grad=True)

    @gn.no_grad()
    def with_parentheses():
        return w * 2

    @gn.no_grad
    def without():
        return w * 2

    @gn.inference_mode()
    def inference():
        return w * 2

    @gn.inference_mode
    def inference_bare():
        return w * 2

    for fn in (with_parentheses, without, inference, inference_bare):
        assert not fn().requires_grad
    with gn.inference_mode():
        assert not (w * 2).requires_grad and not gn.is_grad_enabled()
    assert gn.is_grad_enabled() and (w * 2).requires_grad
    assert gn.autograd.Variable(gn.ones(2), requires_grad=True).requires_grad


def test_multinomial_draws_as_torch_does():
    gn.manual_seed(0)
    probs = gn.tensor([[0.1, 0.0, 0.6, 0.3], [0.0, 0.0, 1.0, 0.0]])
    draws = gn.multinomial(probs, 4000, replacement=True)
    assert draws.shape == (2, 4000) and draws.dtype == np.int64
    frequencies = np.bincount(draws[0].numpy(), minlength=4) / 4000
    np.testing.assert_allclose(frequencies, [0.1, 0.0, 0.6, 0.3], atol=0.03)
    assert (draws[1] == 2).all()
    one = probs[0].multinomial(1)
    assert one.shape == (1,) and one.item() != 1
    unique = gn.multinomial(gn.tensor([1.0, 2.0, 3.0, 4.0, 0.0]), 4)
    assert sorted(unique.tolist()) == [0, 1, 2, 3]  # without replacement: each at most once
    assert gn.multinomial(gn.tensor([0.5, 0.0, 0.0]), 2).tolist() == [0, 1]  # as torch
    firsts = [gn.multinomial(gn.tensor([1.0, 3.0]), 2)[0].item() for _ in range(400)]
    assert 0.65 < np.mean(firsts) < 0.85  # the first draw is 1 three times in four
    g1, g2 = gn.Generator().manual_seed(3), gn.Generator().manual_seed(3)
    assert gn.multinomial(probs, 5, True, generator=g1).tolist() == gn.multinomial(
        probs, 5, True, generator=g2).tolist()
    assert gn.randperm(5, generator=g1).sort().values.tolist() == [0, 1, 2, 3, 4]
    for bad, message in [((gn.tensor([0.5, -0.1]), 1), "element < 0"),
                         ((gn.tensor([0.0, 0.0]), 1), "sum of probabilities"),
                         ((gn.tensor([0.5, 0.5]), 3), "without replacement"),
                         ((gn.ones(2, 2, 2), 1), "1 or 2 dim")]:
        with pytest.raises(RuntimeError, match=message):
            gn.multinomial(*bad)
        with pytest.raises(RuntimeError):
            torch.multinomial(torch.tensor(bad[0].numpy()), bad[1])


def test_random_makers_take_a_generator():
    first = gn.Generator().manual_seed(7)
    second = gn.Generator().manual_seed(7)
    for maker in (lambda g: gn.randn(3, generator=g), lambda g: gn.rand(2, generator=g),
                  lambda g: gn.randint(0, 5, (4,), generator=g),
                  lambda g: gn.randperm(6, generator=g),
                  lambda g: gn.normal(0.0, 1.0, size=(3,), generator=g)):
        assert maker(first).tolist() == maker(second).tolist()
    assert gn.normal(gn.zeros(3), gn.ones(3)).shape == (3,)
    w = gn.normal(0, 0.01, (2, 1), requires_grad=True)  # d2l's linear regression
    assert w.requires_grad and w.shape == (2, 1) and w.dtype == np.float32
    assert set(gn.bernoulli(gn.full((50,), 0.5)).tolist()) == {0.0, 1.0}
    assert gn.zeros(100).bernoulli_(0.3).mean().item() < 0.6


@pytest.mark.parametrize("call, error, words", [
    (lambda: gn.topk(gn.ones(3), 4), RuntimeError, ["topk", "k (4)", "3"]),
    (lambda: gn.tril(gn.ones(3)), RuntimeError, ["tril", "2 dimensions"]),
    (lambda: gn.bmm(gn.ones(2, 3), gn.ones(2, 3)), RuntimeError, ["bmm", "3-D"]),
    (lambda: gn.bmm(gn.ones(2, 3, 4), gn.ones(3, 4, 5)), RuntimeError, ["bmm", "(2, 3, 4)"]),
    (lambda: gn.mm(gn.ones(2, 3), gn.ones(2, 3)), RuntimeError, ["mm", "2x3"]),
    (lambda: gn.einsum("ij,jk->ik", gn.ones(2, 3)), RuntimeError, ["einsum", "2 operands"]),
    (lambda: gn.einsum("ijk->i", gn.ones(2, 3)), RuntimeError, ["einsum", "'ijk'", "2 dims"]),
    (lambda: gn.einsum("ij->k", gn.ones(2, 3)), RuntimeError, ["einsum", "'k'"]),
    (lambda: gn.ones(3).index_select(0, gn.tensor([3])), IndexError, ["index_select", "3"]),
    (lambda: gn.ones(3).index_select(0, gn.tensor([0.5])), RuntimeError, ["index_select",
                                                                          "integer"]),
    (lambda: gn.ones(2, 3).scatter(1, gn.tensor([[3]]), 1.0), RuntimeError, ["scatter", "3"]),
    (lambda: gn.ones(2, 3).masked_fill(gn.ones(2, 3), 0.0), RuntimeError, ["masked_fill",
                                                                           "bool"]),
    (lambda: gn.ones(3).narrow(0, 2, 2), IndexError, ["narrow", "size 3"]),
    (lambda: gn.ones(3).roll((1, 2), (0,)), RuntimeError, ["roll", "same length"]),
    (lambda: gn.ones(3).flip(0, 0), RuntimeError, ["flip", "more than once"]),
    (lambda: gn.ones(2, 3).repeat(2), RuntimeError, ["repeat", "number of dims"]),
    (lambda: gn.ones(3).repeat_interleave(gn.tensor([1, -1, 2])), RuntimeError,
     ["repeat_interleave", "negative"]),
    (lambda: gn.dot(gn.ones(3), gn.ones(4)), RuntimeError, ["dot", "3", "4"]),
    (lambda: gn.ones(3).kthvalue(4), RuntimeError, ["kthvalue", "k (4)"]),
    (lambda: gn.ones(2).add_(gn.ones(2, 2)), RuntimeError, ["add_", "[2]", "[2, 2]"]),
    (lambda: gn.ones(2, dtype=gn.long).mul_(1.5), RuntimeError, ["mul_", "Float", "Long"]),
    (lambda: gn.ones(3).expand(2, 3).add_(1), RuntimeError, ["add_", "clone()"]),
    (lambda: gn.normal(0.0, 1.0), TypeError, ["normal", "size"]),
])
def test_bad_input_names_the_op(call, error, words):
    with pytest.raises(error) as caught:
        call()
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))
