"""In-place changes and the version counter against torch 2.13: each scenario is written once
for both libraries and run on the same data; either both raise (the same error type, and
glassnet's message says what PyTorch's says) or both give the same values, gradients and
versions. Then PyTorch's .data idioms (the optimizer step, weight initialisation) end to end."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as gn
from glassnet import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
W = np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]])


def _leaf(lib, array, grad=True):
    return lib.tensor(array, requires_grad=grad)


def sigmoid_output_changed(lib):
    x = _leaf(lib, X)
    y = x.sigmoid()
    y.add_(1)
    y.sum().backward()
    return x.grad


def exp_output_changed_by_setitem(lib):
    x = _leaf(lib, X)
    y = x.exp()
    y[0, 0] = 5.0
    y.sum().backward()


def weight_changed_under_no_grad(lib):
    x, w = _leaf(lib, X), _leaf(lib, W)
    loss = (x @ w).sum()
    with lib.no_grad():
        w.add_(1)
    loss.backward()


def weight_changed_but_not_saved(lib):
    """x needs no gradient, so the product saved x, not w: changing w is harmless."""
    x, w = _leaf(lib, X, False), _leaf(lib, W)
    loss = (x @ w).sum()
    with lib.no_grad():
        w.mul_(3)
    loss.backward()
    return w.grad, w


def saved_intermediate_changed(lib):
    a = _leaf(lib, X)
    b = a * 2
    c = b * b
    b.add_(1)
    c.sum().backward()


def unsaved_intermediate_changed(lib):
    a = _leaf(lib, X)
    b = a * 2
    c = b + 1
    b.mul_(3)
    (c + b).sum().backward()
    return a.grad, b, c


def changed_through_detach(lib):
    a = _leaf(lib, X)
    y = a.sigmoid()
    y.detach().add_(1)
    y.sum().backward()


def changed_through_data(lib):
    """PyTorch's documented difference: .data shares the memory but not the version, so the
    change is not caught and the gradient uses the new values."""
    a = _leaf(lib, X)
    y = a.sigmoid()
    y.data.add_(1)
    y.sum().backward()
    return a.grad


def leaf_add_(lib):
    _leaf(lib, X).add_(1)


def leaf_iadd(lib):
    x = _leaf(lib, X)
    x += 1


def leaf_setitem(lib):
    _leaf(lib, X)[0] = 1.0


def leaf_relu_inplace(lib):
    (F if lib is gn else TF).relu(_leaf(lib, X), inplace=True)


def leaf_changed_under_no_grad(lib):
    x = _leaf(lib, X)
    with lib.no_grad():
        x.add_(1)
        x[0, 0] = 7.0
        x *= 2
    return x, x.requires_grad, x.is_leaf


def versions(lib):
    a = lib.tensor(X)
    v = a[0]
    counts = [a._version, v._version]
    v.add_(1)
    counts += [a._version, v._version]
    a.detach().add_(1)
    counts.append(a._version)
    d = a.data
    d.add_(1)
    counts += [a._version, d._version]
    a.view(3, 2).mul_(2)
    a.t()[0] = 1.0
    a.unsqueeze_(0)
    counts.append(a._version)
    return a, lib.tensor(counts), tuple(a.shape)


def views_see_changes(lib):
    a = lib.tensor(X)
    row, column, flat = a[1], a[:, 2], a.view(-1)
    a[1, 2] = 9.0
    flat[0] = -9.0
    a.t()[1, 0] = 4.0
    element = a[0, 1]
    element.fill_(3.0)
    return row, column, flat, a.clone(), a.contiguous(), a.t().contiguous()


def setitem_in_the_graph(lib):
    w = _leaf(lib, W[:, 0])
    out = lib.zeros(4, 3)
    out[1] = w * 2
    out[:, 0] = out[:, 0] + w[0]
    pe = lib.zeros(5, 4)
    position = lib.arange(5.0).unsqueeze(1)
    pe[:, 0::2] = lib.sin(position * 0.5)
    pe[:, 1::2] = lib.cos(position * 0.5)
    (out.sum() * 3 + (out * out).sum()).backward()
    return w.grad, out, pe, out.requires_grad, out.is_leaf


def masked_softmax_as_d2l(lib):
    """d2l's masked softmax writes -1e6 into the scores through a bool mask, in the graph; its
    corr2d fills an output element by element from a kernel that requires grad."""
    scores = _leaf(lib, X) * 1
    valid_lens = lib.tensor([1, 2])
    mask = lib.arange(3, dtype=lib.float32)[None, :] < valid_lens[:, None]
    scores[~mask] = -1e6
    weights = scores.softmax(dim=-1)
    kernel = _leaf(lib, W[:2])
    image = lib.tensor(np.arange(12.0).reshape(3, 4))
    out = lib.zeros((2, 3))
    for i in range(2):
        for j in range(3):
            out[i, j] = (image[i:i + 2, j:j + 2] * kernel).sum()
    (weights * lib.tensor(X)).sum().backward()
    (out * out).sum().backward()
    return weights, out, kernel.grad


def in_place_ops_in_the_graph(lib):
    a, w = _leaf(lib, X), _leaf(lib, W[:, 0])
    b = a * 1
    b.mul_(w)  # w needs the old b: a copy of it is kept
    b += w
    b.sub_(w, alpha=2).div_(2).clamp_(-0.8, 0.9).pow_(2)
    b.addcmul_(b.detach(), w, value=0.5)
    b.masked_fill_(b > 0.5, 0.0)
    c = b.exp_()
    c.sum().backward()
    return a.grad, w.grad, b, c is b


def total_starting_as_a_constant(lib):
    x = _leaf(lib, X)
    total = lib.zeros(())
    alias = total
    for row in x:
        total += (row * row).sum()
    loss = 0
    loss += total
    (loss * 2).backward()
    return x.grad, alias, alias is total


def view_changed_base_used(lib):
    a = _leaf(lib, X)
    b = a * 1
    b[0].mul_(3)
    b.t()[2].add_(b[:, 0].detach())
    (b * b).sum().backward()
    return a.grad, b


def base_changed_view_used(lib):
    a = _leaf(lib, X)
    b = a * 1
    v = b[:, 1:]
    b.mul_(3)
    (v * v).sum().backward()
    return a.grad, v


def mul_keeps_the_old_self(lib):
    a, w = _leaf(lib, X), _leaf(lib, X[::-1].copy())
    b = a * 1
    b.mul_(w)
    b.sum().backward()
    return w.grad, a.grad


def copy_into_a_constant(lib):
    w = _leaf(lib, W)
    out = lib.zeros(3, 2)
    out.copy_(w * w)
    out.sum().backward()
    return w.grad


def optimizer_step_between_forward_and_backward(lib):
    """The GAN mistake: one loss's backward after a step changed the weights it saved."""
    nn, optim = (gn.nn, gn.optim) if lib is gn else (torch.nn, torch.optim)
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    x = lib.tensor(X.astype(np.float32))
    first, second = model(x).sum(), model(x).mean()
    first.backward(retain_graph=True)
    optimizer.step()
    second.backward()


def int_plus_float(lib):
    counts = lib.tensor([1, 2])
    counts += 0.5


def broadcast_into_smaller(lib):
    lib.ones(3).add_(lib.ones(2, 3))


def expanded_written(lib):
    lib.ones(3).expand(2, 3).add_(1)


def deprecated_add_order(lib):
    with pytest.warns(UserWarning) if lib is torch else _nothing():
        return lib.tensor(X).add_(-0.5, lib.ones(2, 3))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def relu_inplace_in_the_graph(lib):
    a = _leaf(lib, X)
    f = F if lib is gn else TF
    h = a * 2
    out = f.relu(h, inplace=True)
    f.leaky_relu(h, 0.2, inplace=True)
    (out * 3).sum().backward()
    return a.grad, h, out is h


def unsqueeze_in_place(lib):
    target = lib.tensor([1, 2, 3])
    target.unsqueeze_(-1)
    return target, target._version


SCENARIOS = [
    sigmoid_output_changed, exp_output_changed_by_setitem, weight_changed_under_no_grad,
    weight_changed_but_not_saved, saved_intermediate_changed, unsaved_intermediate_changed,
    changed_through_detach, changed_through_data, leaf_add_, leaf_iadd, leaf_setitem,
    leaf_relu_inplace, leaf_changed_under_no_grad, versions, views_see_changes,
    setitem_in_the_graph, masked_softmax_as_d2l, in_place_ops_in_the_graph,
    total_starting_as_a_constant, view_changed_base_used, base_changed_view_used,
    mul_keeps_the_old_self, copy_into_a_constant, optimizer_step_between_forward_and_backward,
    int_plus_float, broadcast_into_smaller, expanded_written, deprecated_add_order,
    relu_inplace_in_the_graph, unsqueeze_in_place,
]

# what glassnet's message must share with PyTorch's, where PyTorch raises
PHRASES = ["modified by an inplace operation", "is at version", "expected version",
           "a leaf Variable that requires grad is being used in an in-place operation",
           "can't be cast to the desired output type", "doesn't match the broadcast shape",
           "more than one element of the written-to tensor refers to a single memory location"]


def _outcome(lib, scenario):
    try:
        return scenario(lib), None
    except Exception as error:  # noqa: BLE001 (the error is the outcome compared)
        return None, error


def _values(out):
    if isinstance(out, (tuple, list)):
        return [v for item in out for v in _values(item)]
    if isinstance(out, (gn.Tensor, torch.Tensor)):
        return [out.detach().numpy()]
    return [np.asarray(out)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_in_place_behaves_as_torch(scenario):
    theirs, their_error = _outcome(torch, scenario)
    ours, our_error = _outcome(gn, scenario)
    if their_error is not None:
        assert our_error is not None, f"torch raised {their_error!r}; glassnet did not"
        assert type(our_error) is type(their_error), (our_error, their_error)
        shared = [p for p in PHRASES if p in str(their_error)]
        assert shared, f"add the key phrase of torch's message: {their_error}"
        for phrase in shared:
            assert phrase in str(our_error), (phrase, str(our_error))
        return
    assert our_error is None, f"glassnet raised {our_error!r}; torch did not"
    for mine, expected in zip(_values(ours), _values(theirs), strict=True):
        assert mine.shape == expected.shape
        np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-7)  # float32 sin, cos


def test_the_version_error_names_the_tensor_as_pytorch():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.sigmoid()
    y.add_(1)
    with pytest.raises(RuntimeError) as caught:
        y.sum().backward()
    message = str(caught.value)
    assert "[glassnet.FloatTensor [3]], which is output 0 of Sigmoid, is at version 1; " \
           "expected version 0 instead" in message  # as torch's
    assert "Sigmoid saved it" in message


# ---- PyTorch's .data idioms, end to end against torch ----
def _mlp(lib, seed=0):
    nn = gn.nn if lib is gn else torch.nn
    lib.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        with lib.no_grad():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    return model


def test_data_idioms_train_as_torch():
    """word_language_model's step p.data.add_(p.grad, alpha=-lr), the char-RNN tutorial's
    deprecated p.data.add_(-lr, p.grad.data), p.grad.data.zero_(), a clamp_ of the weights
    (WGAN) and fill_ of labels (DCGAN): the same parameters after a few steps."""
    results = []
    for lib in (gn, torch):
        model = _mlp(lib)
        x = lib.tensor(X.astype(np.float32))
        label = lib.zeros(2)
        versions = [p._version for p in model.parameters()]
        for step in range(4):
            label.fill_(float(step % 2))
            loss = ((model(x)[:, 0] - label) ** 2).mean()
            loss.backward()
            for p in model.parameters():
                if step % 2:
                    p.data.add_(p.grad, alpha=-0.1)
                else:
                    p.data.add_(-0.1, p.grad.data)
                p.data.clamp_(-1.5, 1.5)
                p.grad.data.zero_()
        results.append([p.detach().numpy().copy() for p in model.parameters()])
        assert [p._version for p in model.parameters()] == versions  # .data goes untracked
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_weights_init_through_data_as_dcgan():
    gn.manual_seed(0)
    layer = gn.nn.Linear(200, 100)
    weight = layer.weight
    layer.weight.data.normal_(0.0, 0.02)
    layer.bias.data.fill_(0)
    assert layer.weight is weight and weight.requires_grad and weight.is_leaf
    assert abs(float(weight.std()) - 0.02) < 0.002 and float(layer.bias.abs().sum()) == 0
    layer.weight.data = gn.ones(100, 200)  # PyTorch's p.data = t: the parameter takes t's values
    assert float(layer.weight.sum()) == 20000 and layer.weight.requires_grad


def test_accumulated_gradients_are_one_tensor():
    w = gn.ones(2, requires_grad=True)
    (w * 2).sum().backward()
    grad = w.grad
    (w * 3).sum().backward()
    assert grad is w.grad and grad.tolist() == [5.0, 5.0]
    w.grad.zero_()
    assert grad.tolist() == [0.0, 0.0]


def test_views_take_a_rewritten_history_in_a_fresh_process():
    """apply() looks for stale views only once some in-place change has rewritten a history
    (autograd.histories_rewritten); in a fresh process the first such change must switch it
    on, so that a view made before it reads the new history."""
    probe = textwrap.dedent("""
        import glassnet as gn
        from glassnet import autograd
        assert not autograd.histories_rewritten
        x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        view = y[:2]
        y.mul_(x)  # in the graph: y's history becomes mul(y, x), and view's too
        assert autograd.histories_rewritten
        (view * 1).sum().backward()
        print(x.grad.tolist())
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    view = y[:2]
    y.mul_(x)
    (view * 1).sum().backward()
    assert result.stdout.strip() == str(x.grad.tolist())
