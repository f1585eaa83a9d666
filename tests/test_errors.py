"""Wrong input gives an error that names the op, the shapes (or dtype, or value) it got and what
it expected, so that the reader can fix the call without opening the engine."""

import re

import pytest

import glassnet as gn
from glassnet import functional as F


def _raises(error, call, *fragments):
    """call() raises error, and its message holds every fragment (literal text)."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message: {message!r}"
    return message


def test_matmul_mismatched_shapes():
    a, b = gn.ones(2, 3), gn.ones(4, 5)
    for call in (lambda: a @ b, lambda: gn.matmul(a, b)):
        _raises(RuntimeError, call, "matmul", "(2, 3)", "(4, 5)", "3", "4")
    _raises(RuntimeError, lambda: gn.ones(5, 2, 3) @ gn.ones(2, 4), "matmul", "(5, 2, 3)", "(2, 4)")
    _raises(RuntimeError, lambda: gn.ones(3) @ gn.ones(4), "matmul", "(3,)", "(4,)")
    _raises(RuntimeError, lambda: gn.ones(3) @ gn.tensor(2.0), "matmul")


def test_matmul_and_softmax_refuse_what_pytorch_refuses():
    """No silent promotion of a product to float64, no softmax of integers."""
    _raises(RuntimeError, lambda: gn.ones(2, 2) @ gn.ones(2, 2, dtype=gn.float64), "matmul",
            "float32", "float64")
    for op in ("softmax", "log_softmax"):
        _raises(RuntimeError, lambda op=op: getattr(gn.tensor([1, 2]), op)(0), op, "int64")


def test_matmul_batch_dims_that_do_not_broadcast():
    _raises(
        (RuntimeError, ValueError),
        lambda: gn.ones(2, 3, 4) @ gn.ones(5, 4, 2),
        "matmul",
        "(2, 3, 4)",
        "(5, 4, 2)",
    )


def test_linear_mismatched_input():
    x, w = gn.ones(8, 5), gn.ones(3, 4)
    _raises(RuntimeError, lambda: F.linear(x, w), "linear", "(8, 5)", "(3, 4)", "(..., 4)")


def test_linear_mismatched_bias():
    _raises(
        (RuntimeError, ValueError),
        lambda: F.linear(gn.ones(8, 4), gn.ones(3, 4), gn.ones(5)),
        "linear",
        "(5,)",
        "(3,)",
    )


def test_conv2d_wrong_channels():
    x, w = gn.ones(2, 4, 8, 8), gn.ones(6, 3, 3, 3)
    _raises(
        RuntimeError,
        lambda: F.conv2d(x, w),
        "conv2d",
        "(2, 4, 8, 8)",
        "(6, 3, 3, 3)",
        "(N, 3, H, W)",
    )
    _raises(RuntimeError, lambda: F.conv2d(gn.ones(4, 8, 8), w), "conv2d", "(4, 8, 8)")
    _raises(
        RuntimeError, lambda: F.conv2d(gn.ones(1, 3, 2, 2), w), "conv2d", "(1, 3, 2, 2)", "(3, 3)"
    )


def test_conv1d_and_conv_transpose2d_wrong_channels():
    _raises(
        RuntimeError,
        lambda: F.conv1d(gn.ones(2, 4, 8), gn.ones(6, 3, 3)),
        "conv1d",
        "(2, 4, 8)",
        "(6, 3, 3)",
    )
    _raises(
        RuntimeError,
        lambda: F.conv_transpose2d(gn.ones(2, 4, 5, 5), gn.ones(3, 2, 3, 3)),
        "conv_transpose2d",
        "(2, 4, 5, 5)",
        "(3, 2, 3, 3)",
        "(N, 3, H, W)",
    )


def test_cross_entropy_wrong_target_shape():
    logits = gn.ones(4, 3)
    _raises(
        (ValueError, RuntimeError),
        lambda: F.cross_entropy(logits, gn.tensor([0, 1, 2])),
        "cross_entropy",
        "(4, 3)",
        "(4,)",
        "(3,)",
    )
    _raises(
        (ValueError, RuntimeError),
        lambda: F.cross_entropy(gn.ones(2, 3, 5), gn.zeros(2, 4, dtype=gn.int64)),
        "cross_entropy",
        "(2, 3, 5)",
        "(2, 5)",
        "(2, 4)",
    )


def test_cross_entropy_float_target_of_the_wrong_shape():
    logits = gn.ones(4, 3)
    _raises(
        (ValueError, RuntimeError),
        lambda: F.cross_entropy(logits, gn.ones(4, 2)),
        "cross_entropy",
        "(4, 3)",
        "(4, 2)",
    )
    _raises(
        (ValueError, RuntimeError),
        lambda: F.cross_entropy(logits, gn.ones(4)),
        "cross_entropy",
        "(4, 3)",
        "(4,)",
    )


def test_cross_entropy_class_out_of_range():
    logits = gn.ones(3, 4)
    _raises(
        (IndexError, ValueError, RuntimeError),
        lambda: F.cross_entropy(logits, gn.tensor([0, 4, 1])),
        "cross_entropy",
        "4",
        "4 classes",
    )
    _raises(
        (IndexError, ValueError, RuntimeError),
        lambda: F.cross_entropy(logits, gn.tensor([0, -2, 1])),
        "cross_entropy",
        "-2",
    )


def test_nll_loss_with_a_float_target():
    _raises(
        (TypeError, RuntimeError),
        lambda: F.nll_loss(gn.ones(3, 4), gn.tensor([0.0, 1.0, 2.0])),
        "nll_loss",
        "float32",
        "int",
    )


def test_reshape_to_a_wrong_size():
    x = gn.ones(2, 3)
    for shape in [(4, 2), (4, -1), (-1, 4), (7,)]:
        _raises(
            RuntimeError, lambda s=shape: x.reshape(*s), "reshape", str(list(shape)), "(2, 3)", "6"
        )
    _raises(RuntimeError, lambda: x.view(5), "5", "6")
    _raises(RuntimeError, lambda: x.reshape(-1, -1), "reshape", "-1")


def test_cat_and_stack_with_mismatched_shapes():
    _raises(RuntimeError, lambda: gn.cat([gn.ones(2, 3), gn.ones(2, 4)]), "cat", "(2, 3)", "(2, 4)")
    _raises(
        RuntimeError,
        lambda: gn.cat([gn.ones(2, 3), gn.ones(2, 3, 1)], dim=1),
        "cat",
        "(2, 3)",
        "(2, 3, 1)",
    )
    _raises(RuntimeError, lambda: gn.stack([gn.ones(2), gn.ones(3)]), "stack", "(2,)", "(3,)")
    _raises(ValueError, lambda: gn.cat([]), "cat")


def test_gather_with_a_wrong_index_dtype():
    x = gn.ones(3, 4)
    _raises(
        RuntimeError, lambda: x.gather(1, gn.tensor([[0.0, 1.0]] * 3)), "gather", "float32", "int"
    )
    _raises(RuntimeError, lambda: x.gather(1, gn.tensor([0, 1])), "gather", "(2,)", "2 dims")


def test_requires_grad_on_integer_tensors():
    _raises(RuntimeError, lambda: gn.tensor([1, 2], requires_grad=True), "floating point", "int64")
    _raises(RuntimeError, lambda: gn.arange(3).requires_grad_(), "floating point", "int64")
    _raises(
        RuntimeError, lambda: gn.ones(2, dtype=gn.bool_).requires_grad_(), "floating point", "bool"
    )


@pytest.mark.parametrize(
    "loss, args",
    [
        (F.cross_entropy, (gn.ones(2, 3), gn.tensor([0, 1]))),
        (F.nll_loss, (gn.ones(2, 3), gn.tensor([0, 1]))),
        (F.mse_loss, (gn.ones(2), gn.ones(2))),
        (F.l1_loss, (gn.ones(2), gn.ones(2))),
        (F.binary_cross_entropy, (gn.full((2,), 0.5), gn.ones(2))),
        (F.binary_cross_entropy_with_logits, (gn.ones(2), gn.ones(2))),
        (F.kl_div, (gn.ones(2), gn.ones(2))),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_invalid_reduction_lists_the_valid_ones(loss, args):
    message = _raises(
        ValueError, lambda: loss(*args, reduction="average"), loss.__name__, "average"
    )
    for valid in ("mean", "sum", "none"):
        assert re.search(rf"\b{valid}\b", message), message


def test_loss_input_and_target_shapes():
    for loss in (F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits):
        _raises(
            (ValueError, RuntimeError),
            lambda f=loss: f(gn.ones(3, 2), gn.ones(2, 3)),
            loss.__name__,
            "(3, 2)",
            "(2, 3)",
        )


def test_shape_op_errors_name_the_op():
    x = gn.ones(2, 3)
    _raises(RuntimeError, lambda: x.permute(0, 0), "permute", "(0, 0)")
    _raises(RuntimeError, lambda: x.expand(4, 3), "expand", "(2, 3)", "(4, 3)")
    _raises(RuntimeError, lambda: gn.ones(3).expand(1), "expand", "(3,)", "(1,)")
    _raises(RuntimeError, lambda: x.split([1, 1], dim=1), "split", "[1, 1]", "3")
    _raises(IndexError, lambda: x.sum(dim=2), "range", "2")
    _raises(ValueError, lambda: F.pad(x, (1,)), "pad", "(1,)")
    _raises(RuntimeError, lambda: F.layer_norm(x, (4,)), "layer_norm", "(2, 3)", "4")


def test_embedding_and_one_hot_out_of_range():
    _raises(
        IndexError,
        lambda: F.embedding(gn.tensor([0, 5]), gn.ones(5, 2)),
        "embedding",
        "5",
        "5 rows",
    )
    _raises(TypeError, lambda: F.embedding(gn.tensor([0.0]), gn.ones(5, 2)), "embedding", "float32")


def test_backward_errors():
    _raises(RuntimeError, lambda: (gn.ones(2, requires_grad=True) * 2).backward(), "scalar", "(2,)")
    _raises(RuntimeError, lambda: gn.ones(2).sum().backward(), "does not require grad")


@pytest.mark.parametrize("layer, shape", [("Linear", (1, 2)), ("Conv2d", (1, 2, 4, 4))])
def test_a_layer_refuses_an_input_of_another_dtype(layer, shape):
    # PyTorch refuses too; glassnet must not silently run a float32 layer in float64
    module = gn.nn.Linear(2, 2) if layer == "Linear" else gn.nn.Conv2d(2, 2, 3)
    with pytest.raises(RuntimeError, match="input dtype int64 differs from weight dtype float32"):
        module(gn.ones(*shape, dtype=gn.int64))
