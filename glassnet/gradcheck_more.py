"""The gradient checks of the layers and primitives added for PyTorch programs in round two
of issue 9 (activations, instance norm, bags, bilinear, distances, margin losses), part of the
table in gradcheck_cases.py. Inputs keep clear of each function's kinks (apart(): values at
least scale/n from each other and from 0)."""

import numpy as np

from glassnet import functional as F
from glassnet.gradcheck_cases import TARGETS, add_case, apart, between, const, op
from glassnet.gradcheck_layers import layer

SIGNS = np.array([[1, -1, -1, 1], [-1, 1, 1, 1], [1, -1, 1, -1]], dtype=np.float64)

op("ops.atan", lambda a: a.atan(), between(-3, 3, 3, 4))
op("ops.asin", lambda a: a.asin(), between(-0.9, 0.9, 3, 4))
op("ops.acos", lambda a: a.acos(), between(-0.9, 0.9, 3, 4))
op("F.pairwise_distance", lambda a, b: F.pairwise_distance(a, b, 1.5), (3, 4), (3, 4))

for _name, _args, _scale in [
    ("ReLU6", (), 7.0), ("Hardtanh", (-0.5, 0.6), 2.0), ("Hardsigmoid", (), 4.4),
    ("Hardswish", (), 4.4), ("Mish", (), 3.0), ("SELU", (), 3.0), ("CELU", (0.5,), 3.0),
    ("LogSigmoid", (), 3.0), ("Softsign", (), 3.0), ("Tanhshrink", (), 3.0),
    ("Softshrink", (0.5,), 3.0), ("Hardshrink", (0.5,), 3.0), ("Threshold", (0.1, 2.0), 3.0),
    ("Softmin", (1,), 3.0), ("GLU", (), 3.0), ("PReLU", (4,), 3.0), ("RReLU", (), 3.0),
]:
    add_case(f"nn.{_name}", layer(_name, *_args, eval=_name == "RReLU",
                                  inputs=[apart(3, 4, scale=_scale)]))
add_case("nn.Softmax2d", layer("Softmax2d", inputs=[(2, 3, 2, 2)]))
add_case("nn.BatchNorm3d", layer("BatchNorm3d", 2, inputs=[(2, 2, 2, 2, 2)]))
add_case("nn.InstanceNorm1d", layer("InstanceNorm1d", 3, affine=True, inputs=[(2, 3, 4)]))
add_case("nn.InstanceNorm2d", layer("InstanceNorm2d", 2, track_running_stats=True,
                                    inputs=[(2, 2, 3, 3)]))
add_case("nn.InstanceNorm2d.eval", layer("InstanceNorm2d", 2, track_running_stats=True,
                                         eval=True, inputs=[(2, 2, 3, 3)]))
add_case("nn.InstanceNorm3d", layer("InstanceNorm3d", 2, inputs=[(1, 2, 2, 2, 3)]))
add_case("nn.Bilinear", layer("Bilinear", 3, 2, 4, inputs=[(2, 3), (2, 2)]))
add_case("nn.NonDynamicallyQuantizableLinear", layer("NonDynamicallyQuantizableLinear", 3, 2,
                                                     inputs=[(2, 3)]))
for _mode in ("sum", "mean", "max"):
    add_case(f"nn.EmbeddingBag.{_mode}", layer(
        "EmbeddingBag", 6, 3, mode=_mode, padding_idx=5 if _mode == "mean" else None,
        inputs=[], call=lambda m: m(np.array([0, 2, 2, 5, 1, 4, 3]), np.array([0, 3, 3, 5]))))
add_case("nn.EmbeddingBag.per_sample_weights", layer(
    "EmbeddingBag", 6, 3, mode="sum", inputs=[(2, 3)],
    call=lambda m, w: m(np.array([[0, 2, 5], [1, 1, 3]]), per_sample_weights=w)))
add_case("nn.CosineSimilarity", layer("CosineSimilarity", inputs=[(3, 4), (3, 4)]))
add_case("nn.PairwiseDistance", layer("PairwiseDistance", 3.0, inputs=[(3, 4), (3, 4)]))
add_case("nn.TripletMarginLoss", layer("TripletMarginLoss", 4.0, swap=True,
                                       inputs=[(3, 4), (3, 4), (3, 4)]))
add_case("nn.CosineEmbeddingLoss", layer(
    "CosineEmbeddingLoss", -0.9, inputs=[(3, 4), (3, 4)],
    call=lambda m, a, b: m(a, b, const(SIGNS[:, 0]))))
add_case("nn.MarginRankingLoss", layer(
    "MarginRankingLoss", 4.0, inputs=[(3, 4), (3, 4)], call=lambda m, a, b: m(a, b, SIGNS)))
add_case("nn.HingeEmbeddingLoss", layer(
    "HingeEmbeddingLoss", 3.0, inputs=[(3, 4)], call=lambda m, a: m(a, SIGNS)))
add_case("nn.SoftMarginLoss", layer("SoftMarginLoss", inputs=[(3, 4)],
                                    call=lambda m, a: m(a, const(SIGNS))))
add_case("nn.MultiLabelSoftMarginLoss", layer(
    "MultiLabelSoftMarginLoss", inputs=[(3, 4)], call=lambda m, a: m(a, const(SIGNS > 0))))
add_case("nn.MultiMarginLoss", layer("MultiMarginLoss", p=2, margin=3.0, inputs=[(4, 5)],
                                     call=lambda m, a: m(a, TARGETS)))
add_case("nn.PoissonNLLLoss", layer("PoissonNLLLoss", full=True, inputs=[(3, 4)],
                                    call=lambda m, a: m(a, const(np.arange(12.0).reshape(3, 4)))))
add_case("nn.GaussianNLLLoss", layer("GaussianNLLLoss", inputs=[(3, 4), (3, 4),
                                                                 between(0.5, 2, 3, 4)]))
for _name, _padding, _shape in [
    ("ReflectionPad1d", 2, (2, 3, 4)), ("ReflectionPad2d", (1, 2, 2, 0), (1, 2, 3, 4)),
    ("ReflectionPad3d", 1, (1, 1, 2, 3, 2)), ("ReplicationPad1d", (2, 1), (2, 2, 3)),
    ("ReplicationPad2d", 2, (1, 2, 2, 3)),
    ("ReplicationPad3d", (0, 1, 1, 0, 2, 1), (1, 1, 2, 2, 2)),
    ("CircularPad1d", (1, 2), (2, 2, 3)), ("CircularPad2d", 1, (1, 2, 2, 3)),
    ("CircularPad3d", (1, 0, 0, 1, 1, 1), (1, 1, 2, 2, 2)), ("ZeroPad1d", 1, (2, 3)),
    ("ZeroPad2d", (1, 0, 2, 1), (1, 2, 2)), ("ZeroPad3d", 1, (1, 1, 2, 2, 2)),
]:
    add_case(f"nn.{_name}", layer(_name, _padding, inputs=[_shape]))
for _dims, _shape in ((1, (2, 3)), (2, (1, 2, 3)), (3, (1, 1, 2, 2, 1))):
    add_case(f"nn.ConstantPad{_dims}d", layer(f"ConstantPad{_dims}d", 1, -0.5, inputs=[_shape]))
