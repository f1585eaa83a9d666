"""The graph machinery: accumulation, retain_grad, grad modes, detach, backward's arguments and
errors, deep graphs, memory over many steps, and the engine's gradient-shape check."""

import gc
import math
import tracemalloc
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import functional as F
from glassnet.autograd import Function
from glassnet.nn import Parameter
from glassnet.ops.elementwise import Mul


def test_gradients_accumulate_across_backward_calls():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.array, [3 + 2, 3 + 4])
    assert isinstance(x.grad, gn.Tensor) and not x.grad.requires_grad
    assert x.grad.dtype == np.float32
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.array, [2, 2])


def test_a_tensor_used_twice_gets_both_gradients():
    x = gn.tensor(3.0, requires_grad=True)
    y = x * x + x  # x reaches the output by three paths
    y.backward()
    assert x.grad.item() == pytest.approx(7.0)
    a = gn.tensor([1.0, -2.0], requires_grad=True)
    b = a * 2
    (b * b + b).sum().backward()  # b is used twice: its gradient must be summed before a's
    np.testing.assert_allclose(a.grad.array, 2 * (2 * b.array + 1))


def test_grad_is_its_own_array():
    x = gn.ones(3, requires_grad=True)
    y = x * 1
    y.sum().backward()
    first = x.grad.array.copy()
    y2 = x + 0
    y2.sum().backward()
    np.testing.assert_array_equal(x.grad.array, first * 2)
    assert not np.shares_memory(x.grad.array, x.array)


def test_retain_grad_on_intermediates():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    z = h * h
    out = z.sum()
    out.backward()
    np.testing.assert_allclose(h.grad.array, 2 * h.array)
    np.testing.assert_allclose(x.grad.array, 8 * x.array)
    assert z.grad is None  # not retained: no gradient kept
    assert not h.is_leaf and x.is_leaf
    with pytest.raises(RuntimeError, match="retain_grad"):
        gn.ones(2).retain_grad()


def test_no_grad_context_and_decorator():
    x = gn.ones(2, requires_grad=True)
    with gn.no_grad():
        assert not gn.is_grad_enabled()
        y = x * 2
    assert gn.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @gn.no_grad()
    def double(t):
        assert not gn.is_grad_enabled()
        return t * 2

    assert gn.is_grad_enabled()
    assert not double(x).requires_grad
    assert gn.is_grad_enabled()
    assert double.__name__ == "double"


def test_no_grad_decorator_without_parentheses():
    @gn.no_grad
    def double(t):
        return t * 2

    x = gn.ones(2, requires_grad=True)
    assert gn.is_grad_enabled()
    out = double(x)
    assert isinstance(out, gn.Tensor) and not out.requires_grad
    assert gn.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = gn.ones(2, requires_grad=True)
    with gn.no_grad():
        with gn.enable_grad():
            assert gn.is_grad_enabled()
            y = x * 2
        assert not gn.is_grad_enabled()
    assert y.requires_grad

    @gn.enable_grad()
    def triple(t):
        return t * 3

    with gn.no_grad():
        assert triple(x).requires_grad
        assert not gn.is_grad_enabled()


def test_set_grad_enabled_as_call_context_and_decorator():
    x = gn.ones(2, requires_grad=True)
    with gn.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gn.is_grad_enabled()
    with gn.no_grad():
        with gn.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not gn.is_grad_enabled()

    @gn.set_grad_enabled(False)
    def frozen(t):
        return t * 2

    assert gn.is_grad_enabled(), "decorating must not change the grad mode"
    assert not frozen(x).requires_grad
    assert gn.is_grad_enabled()

    gn.set_grad_enabled(False)  # a plain call switches the mode, as in torch
    try:
        assert not gn.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        gn.set_grad_enabled(True)
    assert gn.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), gn.no_grad():
        raise ValueError("boom")
    assert gn.is_grad_enabled()


def test_detach():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    out = (d * x).sum()
    out.backward()
    np.testing.assert_allclose(x.grad.array, d.array)  # no gradient through d
    y2 = x * 3
    y2.detach_()
    assert y2.is_leaf and not y2.requires_grad


def test_backward_with_a_gradient_for_non_scalars():
    x = gn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * x
    seed = np.array([[1.0, 0.5], [0.0, -1.0]], dtype=np.float32)
    y.backward(gradient=gn.tensor(seed))
    np.testing.assert_allclose(x.grad.array, 2 * x.array * seed)
    x.grad = None
    (x * 3).backward(seed)  # an array works as well
    np.testing.assert_allclose(x.grad.array, 3 * seed)
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*expected \(2, 2\)"):
        (x * 2).backward(gn.ones(3))


def test_implicit_gradient_needs_a_scalar():
    x = gn.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 3\)"):
        (x * 2).backward()
    (x * 2).sum(dim=(0, 1), keepdim=True).backward()  # one element is a scalar enough
    np.testing.assert_allclose(x.grad.array, 2)


def test_backward_of_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gn.ones(2).sum().backward()


def test_second_backward_needs_retain_graph():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    x.grad = None
    z = (x.exp() * x).sum()
    z.backward(retain_graph=True)
    first = x.grad.array.copy()
    z.backward()
    np.testing.assert_allclose(x.grad.array, 2 * first, rtol=1e-6)


def test_backward_through_a_freed_shared_intermediate():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 3).sum().backward()


def test_a_chain_of_ten_thousand_ops(monkeypatch):
    """No RecursionError, and quick: the walk runs each backward rule exactly once (a time limit
    would make the test depend on the machine; DESIGN.md keeps times out of tests)."""
    calls = []
    rule = Mul.backward

    def counted(ctx, grad):
        calls.append(1)
        return rule(ctx, grad)

    monkeypatch.setattr(Mul, "backward", staticmethod(counted))
    x = gn.tensor(1.0, requires_grad=True, dtype=gn.float64)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-9)
    assert len(calls) == 10_000


def test_a_deep_graph_with_branches():
    # each step uses the previous value twice: a naive recursive walk would also blow up here
    x = gn.tensor(0.5, requires_grad=True, dtype=gn.float64)
    y = x
    for _ in range(5_000):
        y = (y + y * 0.0) * 1.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.0)


def _mlp_params(rng):
    shapes = [(16, 8), (16,), (4, 16), (4,)]
    return [Parameter(rng.standard_normal(s).astype(np.float32) * 0.3) for s in shapes]


def _mlp_step(params, x, target, lr=0.01):
    w1, b1, w2, b2 = params
    hidden = F.relu(F.linear(x, w1, b1))  # (B, 16)
    loss = F.cross_entropy(F.linear(hidden, w2, b2), target)
    for p in params:
        p.grad = None
    loss.backward()
    with gn.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=lr)
    return loss.item()


def _train_and_measure(steps, leak=None):
    """Memory traced after step 100 and after the last step, each taken right after a full
    gc.collect() (which also empties Python's free lists, the noise in such a measurement), and
    how many objects those collections found: with gc disabled, anything they find was a
    reference cycle."""
    rng = np.random.default_rng(0)
    params = _mlp_params(rng)
    x = gn.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    target = gn.tensor(rng.integers(0, 4, 32))
    memory, cycles, losses = [], 0, [None, None]  # first and last: a list of all would grow
    gc.collect()
    gc.disable()  # graphs must be freed by reference counting alone
    tracemalloc.start()
    try:
        for step in range(1, steps + 1):
            losses[step > 1] = _mlp_step(params, x, target)
            if leak is not None:
                leak(params)
            if step in (100, steps):
                cycles += gc.collect()
                memory.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
        gc.enable()
    return memory[1] - memory[0], cycles, losses


def test_training_steps_do_not_grow_memory():
    growth, cycles, losses = _train_and_measure(1000)
    assert losses[-1] < losses[0]
    assert cycles == 0, f"gc found {cycles} objects in reference cycles"
    assert growth < 16 * 1024, f"memory grew by {growth} bytes from step 100 to step 1000"


def test_the_memory_check_can_fail():
    kept = []
    growth, _, _ = _train_and_measure(300, leak=lambda params: kept.append(params[1] * 1.0))
    assert growth > 16 * 1024 * 200 / 900, "a leak of one small tensor a step went unseen"


def test_graphs_hold_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = gn.randn(4, 3, requires_grad=True)
        w = gn.randn(2, 3, requires_grad=True)
        out = F.softmax(F.linear(x, w), dim=-1)
        loss = (out * out).sum() + x[[0, 0, 1]].sum() + gn.cat([x, x]).mean()
        loss = loss + F.layer_norm(x, (3,)).sum() + x.max(dim=1).values.sum()
        del out
        loss.backward(retain_graph=True)  # the graph is still whole here
        del loss  # the whole graph goes with its last reference
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0, f"{found} objects were only freed by the cycle collector"


def test_engine_checks_gradient_shapes():
    class BadSquare(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2 * ctx.saved[0]).sum(axis=0)  # wrong: drops the first axis

    x = gn.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadSquare.*\(2,\).*\(3, 2\)"):
        BadSquare.apply(x).sum().backward()


def test_a_function_with_several_inputs_and_no_grad_for_some():
    class ScaledAdd(Function):
        @staticmethod
        def forward(ctx, a, b, scale=1.0):
            ctx.scale = scale
            return a + scale * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad * ctx.scale

    a = gn.ones(2, requires_grad=True)
    b = gn.ones(2)
    out = ScaledAdd.apply(a, b, scale=3.0)
    assert out.requires_grad and out.grad_fn is ScaledAdd
    out.sum().backward()
    np.testing.assert_allclose(a.grad.array, [1, 1])
    assert b.grad is None
    with gn.no_grad():
        assert not ScaledAdd.apply(a, b).requires_grad


def test_leaf_gradients_keep_the_leaf_dtype():
    x = gn.ones(3, requires_grad=True)  # float32
    (x.double() * gn.tensor([1.0, 2.0, 3.0], dtype=gn.float64)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.array, [1, 2, 3])


def test_gradients_at_singular_points_are_inf_or_nan_without_warnings():
    """As in PyTorch: d sqrt(x)/dx and d log(x)/dx at 0 are inf, |x|^0.5 at 0 gives nan; the
    backward pass raises no NumPy warnings for them (log(0) = -inf itself still warns)."""
    cases = [(lambda x: x.sqrt(), [math.inf, 0.5]), (lambda x: x.log(), [math.inf, 1.0]),
             (lambda x: x.abs() ** 0.5, [math.nan, 0.5])]
    for fn, expected in cases:
        x = gn.tensor([0.0, 1.0], requires_grad=True)
        with np.errstate(divide="ignore"):
            out = fn(x).sum()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out.backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.array(expected, dtype=np.float32))
