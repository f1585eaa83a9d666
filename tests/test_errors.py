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


# ---- an audit of ~600 wrong inputs: each of these gave a wrong result, a raw NumPy or Python
# error, or a message without the op; now each names the op, what it got and what it expects
def _weight_reassigned():
    layer = gn.nn.Linear(2, 2)
    layer.weight = 5


def _saved_into_a_missing_folder():
    gn.save({"w": gn.ones(2)}, "/no/such/folder/model.npz")


x, f64 = gn.ones, gn.float64
AUDIT = {
    # were silent: a wrong or empty result
    "conv2d-dilation-0": (lambda: F.conv2d(x(1, 3, 8, 8), x(6, 3, 3, 3), dilation=0),
                          ValueError, ["conv2d", "dilation", "at least 1", "0"]),
    "conv2d-negative-padding": (lambda: F.conv2d(x(1, 3, 8, 8), x(6, 3, 3, 3), padding=-1),
                                ValueError, ["conv2d", "padding", "at least 0"]),
    "Conv2d-stride-0": (lambda: gn.nn.Conv2d(3, 6, 3, stride=0)(x(1, 3, 8, 8)),
                        ValueError, ["stride", "at least 1"]),
    "conv_transpose2d-too-much-padding": (
        lambda: F.conv_transpose2d(x(1, 3, 2, 2), x(3, 6, 3, 3), padding=5),
        RuntimeError, ["conv_transpose2d", "output size", "(1, 3, 2, 2)"]),
    "MaxPool2d-window-larger-than-input": (lambda: gn.nn.MaxPool2d(5)(x(1, 1, 2, 2)),
                                           RuntimeError, ["max_pool2d", "(1, 1, 2, 2)", "(5, 5)"]),
    "MaxPool2d-overlapping-window-larger": (lambda: gn.nn.MaxPool2d(3, 1)(x(1, 1, 2, 2)),
                                            RuntimeError, ["max_pool2d", "(3, 3)"]),
    "AvgPool2d-kernel-0": (lambda: gn.nn.AvgPool2d(0)(x(1, 1, 4, 4)),
                           ValueError, ["avg_pool2d", "kernel_size", "at least 1"]),
    "sdpa-mask-and-causal": (
        lambda: F.scaled_dot_product_attention(x(2, 5, 8), x(2, 5, 8), x(2, 5, 8),
                                               attn_mask=x(5, 5), is_causal=True),
        RuntimeError, ["scaled_dot_product_attention", "not both"]),
    "sdpa-mixed-dtypes": (
        lambda: F.scaled_dot_product_attention(x(2, 5, 8), x(2, 5, 8, dtype=f64), x(2, 5, 8)),
        RuntimeError, ["float32", "float64"]),
    "sdpa-integer-mask": (
        lambda: F.scaled_dot_product_attention(x(2, 5, 8), x(2, 5, 8), x(2, 5, 8),
                                               attn_mask=gn.zeros(5, 5, dtype=gn.int64)),
        RuntimeError, ["attn_mask", "int64"]),
    "cross_entropy-weight-size": (
        lambda: F.cross_entropy(x(4, 3), gn.tensor([0, 1, 2, 0]), weight=x(5)),
        RuntimeError, ["cross_entropy", "weight", "(3,)", "(5,)"]),
    "nll_loss-weight-size": (lambda: F.nll_loss(x(4, 3), gn.tensor([0, 1, 2, 0]), weight=x(2)),
                             RuntimeError, ["nll_loss", "(3,)", "(2,)"]),
    "gather-negative-index": (lambda: gn.tensor([[1.0, 2, 3]]).gather(1, gn.tensor([[-1]])),
                              RuntimeError, ["gather", "-1", "size 3"]),
    "embedding-1d-weight": (lambda: F.embedding(gn.tensor([1, 2]), x(10)),
                            RuntimeError, ["embedding", "2-D", "(10,)"]),
    "embedding-padding-idx": (lambda: F.embedding(gn.tensor([1]), x(5, 2), padding_idx=10),
                              ValueError, ["padding_idx", "10", "[-5, 5)"]),
    "one_hot-num-classes": (lambda: F.one_hot(gn.tensor([0, 1]), -2),
                            ValueError, ["one_hot", "num_classes", "-2"]),
    "one_hot-value": (lambda: F.one_hot(gn.tensor([0, 5]), 5),
                      RuntimeError, ["one_hot", "5", "[0, 5)"]),
    "flatten-order": (lambda: x(2, 3, 4).flatten(2, 1),
                      RuntimeError, ["flatten", "start_dim 2", "end_dim 1"]),
    "BatchNorm1d-dtype": (lambda: gn.nn.BatchNorm1d(4)(x(2, 4, dtype=f64)),
                          RuntimeError, ["batch_norm", "float32", "float64"]),
    "LayerNorm-dtype": (lambda: gn.nn.LayerNorm(4)(x(2, 4, dtype=f64)),
                        RuntimeError, ["layer_norm", "float32", "float64"]),
    "LSTM-state-dtype": (lambda: gn.nn.LSTM(4, 8)(x(5, 2, 4), (x(1, 2, 8, dtype=f64),) * 2),
                         RuntimeError, ["LSTM", "h_0", "float64", "float32"]),
    "binary_cross_entropy-target-range": (
        lambda: F.binary_cross_entropy(gn.full((2,), 0.5), gn.tensor([2.0, -1.0])),
        RuntimeError, ["binary_cross_entropy", "target", "[0, 1]"]),
    "interpolate-size-dims": (lambda: F.interpolate(x(1, 1, 4, 4), size=(8, 8, 8)),
                              ValueError, ["interpolate", "size", "(1, 1, 4, 4)"]),
    "Sequential-non-module": (lambda: gn.nn.Sequential(gn.nn.Linear(4, 3), 5),
                              TypeError, ["Sequential", "int is not a Module"]),
    "ModuleList-append-non-module": (lambda: gn.nn.ModuleList().append(3),
                                     TypeError, ["ModuleList", "int"]),
    "parameter-reassigned": (_weight_reassigned, TypeError, ["Linear", "weight", "Parameter"]),
    "TransformerEncoder-0-layers": (
        lambda: gn.nn.TransformerEncoder(gn.nn.TransformerEncoderLayer(4, 2, 8), 0),
        ValueError, ["num_layers", "0"]),
    # were raw NumPy or Python errors
    "add-shapes": (lambda: x(2, 3) + x(3, 2), RuntimeError, ["Add", "(2, 3)", "(3, 2)"]),
    "where-shapes": (lambda: gn.where(x(2, 3).bool(), x(2, 3), x(4)),
                     RuntimeError, ["Where", "(4,)"]),
    "conv2d-bias-size": (lambda: F.conv2d(x(1, 3, 8, 8), x(6, 3, 3, 3), x(5)),
                         RuntimeError, ["conv2d", "bias", "(6,)", "(5,)"]),
    "conv2d-groups-0": (lambda: F.conv2d(x(1, 4, 8, 8), x(6, 1, 3, 3), groups=0),
                        ValueError, ["conv2d", "groups"]),
    "conv2d-padding-string": (lambda: F.conv2d(x(1, 3, 8, 8), x(6, 3, 3, 3), padding="bogus"),
                              ValueError, ["'same'", "'valid'", "'bogus'"]),
    "conv1d-dtype": (lambda: F.conv1d(x(1, 3, 8, dtype=gn.float64), x(6, 3, 3)),
                     RuntimeError, ["conv1d", "float64"]),
    "batch_norm-eval-without-statistics": (
        lambda: F.batch_norm(x(2, 4), None, None, training=False),
        RuntimeError, ["batch_norm", "running_mean"]),
    "layer_norm-weight-size": (lambda: F.layer_norm(x(2, 4), (4,), x(3)),
                               RuntimeError, ["layer_norm", "weight", "(4,)", "(3,)"]),
    "split-size-0": (lambda: x(2, 3).split(0, 1), ValueError, ["split", "0"]),
    "chunk-0": (lambda: x(2, 3).chunk(0), ValueError, ["chunk", "0"]),
    "sum-repeated-dim": (lambda: x(2, 3).sum(dim=(0, 0)), RuntimeError, ["more than once"]),
    "max-of-empty": (lambda: x(0).max(), RuntimeError, ["max", "empty"]),
    "cat-0d": (lambda: gn.cat([gn.tensor(1.0), gn.tensor(2.0)]), RuntimeError, ["cat", "stack"]),
    "ones-negative-size": (lambda: gn.ones(2, -3), ValueError, ["ones", "(2, -3)"]),
    "Linear-negative-size": (lambda: gn.nn.Linear(-1, 3), ValueError, ["(3, -1)"]),
    "arange-step-0": (lambda: gn.arange(0, 5, 0), ValueError, ["arange", "step"]),
    "randint-empty-range": (lambda: gn.randint(5, 2, (3,)), ValueError, ["randint", "5", "2"]),
    "RNN-state-tuple": (lambda: gn.nn.RNN(4, 8)(x(5, 2, 4), (x(1, 2, 8), x(1, 2, 8))),
                        ValueError, ["RNN", "hx", "h_0"]),
    "save-into-missing-folder": (_saved_into_a_missing_folder, FileNotFoundError,
                                 ["/no/such/folder/model.npz", "does not exist"]),
    "linear-1d-weight": (lambda: F.linear(x(2, 4), x(4)), RuntimeError, ["linear", "2-D", "(4,)"]),
    "linear-bias-dtype": (lambda: F.linear(x(2, 4), x(3, 4), x(3, dtype=f64)),
                          RuntimeError, ["linear", "float64"]),
    "pad-not-ints": (lambda: F.pad(x(2, 3), (1.5, 1)), ValueError, ["pad", "(1.5, 1)"]),
    "Sequential-index": (lambda: gn.nn.Sequential(gn.nn.ReLU())[5],
                         IndexError, ["Sequential", "5", "1 modules"]),
    "MultiheadAttention-dtype": (
        lambda: gn.nn.MultiheadAttention(4, 2)(*[x(3, 2, 4, dtype=f64)] * 3),
        RuntimeError, ["MultiheadAttention", "float64", "float32"]),
    "load_state_dict-not-a-mapping": (lambda: gn.nn.Linear(2, 2).load_state_dict([1, 2]),
                                      TypeError, ["load_state_dict", "list"]),
    "item-of-many": (lambda: x(2, 2).item(), RuntimeError, ["item()", "(2, 2)"]),
    # the 1-D ops delegate to the 2-D ones, but speak in their own terms
    "Conv1d-input-shorter-than-kernel": (lambda: gn.nn.Conv1d(3, 6, 5)(x(2, 3, 2)),
                                         RuntimeError, ["conv1d", "(2, 3, 2)", "(5,)"]),
    "conv1d-negative-padding": (lambda: F.conv1d(x(2, 3, 8), x(6, 3, 3), padding=-1),
                                ValueError, ["conv1d", "padding", "-1"]),
    "MaxPool1d-rank": (lambda: gn.nn.MaxPool1d(2)(x(8)), RuntimeError, ["max_pool1d", "(8,)"]),
    "AvgPool1d-window-larger": (lambda: gn.nn.AvgPool1d(5)(x(1, 1, 2)),
                                RuntimeError, ["avg_pool1d", "(1, 1, 2)", "(5,)"]),
}


@pytest.mark.parametrize("case", AUDIT)
def test_audited_wrong_inputs(case):
    call, error, fragments = AUDIT[case]
    _raises(error, call, *fragments)
