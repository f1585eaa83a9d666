"""Size-0 axes (an empty batch, no keys, no features) through layers, functions and backward:
the same output shapes as PyTorch 2.13, and no errors where PyTorch has none."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _f(lib):
    return F if lib is gn else TF


def _linear(lib):
    lib.manual_seed(0)
    return lib.nn.Linear(4, 3)(lib.ones(0, 4))


def _backward(lib):
    leaf = lib.ones(0, 3, requires_grad=True)
    (leaf * 2).sum().backward()
    return leaf.grad


CASES = {
    "Linear-batch-0": _linear,
    "matmul-rows-0": lambda lib: lib.ones(0, 4) @ lib.ones(4, 3),
    "matmul-inner-0": lambda lib: lib.ones(2, 0) @ lib.ones(0, 3),
    "conv2d-batch-0": lambda lib: _f(lib).conv2d(lib.ones(0, 3, 8, 8), lib.ones(6, 3, 3, 3)),
    "max_pool2d-batch-0": lambda lib: _f(lib).max_pool2d(lib.ones(0, 3, 8, 8), 2),
    "avg_pool2d-batch-0": lambda lib: _f(lib).avg_pool2d(lib.ones(0, 3, 8, 8), 2),
    "layer_norm-rows-0": lambda lib: _f(lib).layer_norm(lib.ones(0, 4), (4,)),
    "cross_entropy-samples-0": lambda lib: _f(lib).cross_entropy(
        lib.ones(0, 3), lib.zeros(0, dtype=lib.int64)),
    "mse_loss-empty": lambda lib: _f(lib).mse_loss(lib.ones(0), lib.ones(0)),
    "mean-empty": lambda lib: lib.ones(0).mean(),
    "var-empty": lambda lib: lib.ones(0).var(),
    "sum-over-empty-dim": lambda lib: lib.ones(0, 3).sum(0),
    "amax-of-empty-rows": lambda lib: lib.ones(2, 0).amax(0),
    "amax-over-dims-keeping-an-empty-one": lambda lib: lib.zeros(0, 3, 2).amax(dim=(1, 2)),
    "softmax-empty-dim": lambda lib: lib.ones(2, 0).softmax(1),
    "argmax-of-empty": lambda lib: lib.ones(0, 3).argmax(1),
    "embedding-no-indices": lambda lib: _f(lib).embedding(lib.zeros(0, dtype=lib.int64),
                                                          lib.ones(5, 2)),
    "one_hot-no-indices": lambda lib: _f(lib).one_hot(lib.zeros(0, dtype=lib.int64), 3),
    "gather-empty-index": lambda lib: lib.ones(2, 3).gather(1, lib.zeros(2, 0, dtype=lib.int64)),
    "cat-with-empty": lambda lib: lib.cat([lib.ones(0, 3), lib.ones(2, 3)]),
    "reshape-empty": lambda lib: lib.ones(0, 3).reshape(-1),
    "gelu-empty": lambda lib: _f(lib).gelu(lib.ones(0, 4)),
    "bce-with-logits-empty": lambda lib: _f(lib).binary_cross_entropy_with_logits(
        lib.ones(0), lib.ones(0)),
    "interpolate-batch-0": lambda lib: _f(lib).interpolate(lib.ones(0, 2, 4, 4), scale_factor=2),
    "sdpa-no-queries": lambda lib: _f(lib).scaled_dot_product_attention(
        lib.ones(2, 0, 4), lib.ones(2, 3, 4), lib.ones(2, 3, 4)),
    "sdpa-no-keys": lambda lib: _f(lib).scaled_dot_product_attention(
        lib.ones(2, 3, 4), lib.ones(2, 0, 4), lib.ones(2, 0, 4)),
    "sdpa-causal-length-0": lambda lib: _f(lib).scaled_dot_product_attention(
        lib.ones(2, 0, 4), lib.ones(2, 0, 4), lib.ones(2, 0, 4), is_causal=True),
    "LSTM-batch-0": lambda lib: lib.nn.LSTM(4, 5)(lib.ones(3, 0, 4))[0],
    "MultiheadAttention-batch-0": lambda lib: lib.nn.MultiheadAttention(4, 2)(
        *[lib.ones(3, 0, 4)] * 3)[0],
    "BatchNorm1d-eval-batch-0": lambda lib: lib.nn.BatchNorm1d(4).eval()(lib.ones(0, 4)),
    "backward-through-empty": _backward,
}


@pytest.mark.parametrize("name", CASES)
def test_size_zero_like_pytorch(name):
    ours, theirs = CASES[name](gn), CASES[name](torch)
    ours, theirs = np.asarray(ours.detach()), theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)  # NaN for the mean of nothing, on both sides
