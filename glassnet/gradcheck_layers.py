"""The gradient checks of nn's layers, part of the table in gradcheck_cases.py (kept apart to
keep each file short): every layer built with PyTorch's constructor arguments, in float64."""

import numpy as np

import glassnet as gn
from glassnet.gradcheck_cases import (
    CLASS_WEIGHT,
    EMBEDDING_INDICES,
    NOT_PADDING,
    TARGETS,
    add_case,
    apart,
    between,
    causal_float_mask,
    const,
    draw,
)


def layer(make, *args, inputs, call=None, eval=False, **kwargs):
    """A case for nn.<make>(*args, **kwargs), or make(nn), in float64 on inputs (shapes or
    makers of r); call(module, *inputs) stands in for module(*inputs) where a layer takes more."""

    def build(r):
        from glassnet import nn

        module = getattr(nn, make)(*args, **kwargs) if isinstance(make, str) else make(nn)
        module = module.double().train(not eval)
        fn = module if call is None else lambda *xs: call(module, *xs)
        return fn, [draw(spec, r) for spec in inputs], list(module.parameters())

    return build


def with_seed(module, *inputs):
    """Dropout draws from the global generator: the same seed gives every call the same mask."""
    gn.manual_seed(5)
    return module(*inputs)


def masked_embedding(module):
    return module(EMBEDDING_INDICES) * const(NOT_PADDING)  # see F.embedding.padding_idx


def with_tuple_state(module, x, h, c):
    return module(x, (h, c))


def with_causal_mask(module, x, *memory):
    return module(x, *memory, causal_float_mask(x.shape[1]))


SEQUENCE, STATE = (2, 3, 2), (4, 2, 3)  # (B, T, input), (layers * directions, B, hidden)
add_case("nn.Sequential", layer(
    lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), inputs=[(2, 3)]))
add_case("nn.Identity", layer("Identity", inputs=[(2, 3)]))
add_case("nn.Flatten", layer("Flatten", inputs=[(2, 3, 2)]))
add_case("nn.Unflatten", layer("Unflatten", 1, (2, 3), inputs=[(2, 6)]))
add_case("nn.Linear", layer("Linear", 3, 4, inputs=[(2, 2, 3)]))
add_case("nn.Linear.no_bias", layer("Linear", 3, 4, bias=False, inputs=[(2, 3)]))
add_case("nn.Conv1d", layer("Conv1d", 2, 4, 3, stride=2, padding=1, groups=2, inputs=[(2, 2, 7)]))
add_case("nn.Conv2d", layer("Conv2d", 4, 2, 3, stride=(2, 1), padding=1, dilation=(1, 2), groups=2,
                            inputs=[(1, 4, 5, 6)]))
add_case("nn.ConvTranspose2d", layer("ConvTranspose2d", 2, 4, 3, stride=2, padding=1,
                                     output_padding=1, groups=2, inputs=[(1, 2, 3, 3)]))
add_case("nn.MaxPool2d", layer("MaxPool2d", 3, stride=1, padding=1, inputs=[apart(1, 2, 4, 4)]))
add_case("nn.MaxPool1d", layer("MaxPool1d", 2, inputs=[apart(2, 2, 6)]))
add_case("nn.AvgPool1d", layer("AvgPool1d", 3, stride=2, padding=1, inputs=[(2, 2, 6)]))
add_case("nn.Upsample", layer("Upsample", scale_factor=2, inputs=[(1, 2, 2, 3)]))
add_case("nn.AvgPool2d", layer("AvgPool2d", 2, stride=1, padding=1, count_include_pad=False,
                               inputs=[(1, 2, 3, 3)]))
add_case("nn.BatchNorm1d", layer("BatchNorm1d", 3, inputs=[(4, 3, 2)]))
add_case("nn.BatchNorm1d.eval", layer("BatchNorm1d", 3, eval=True, inputs=[(4, 3)]))
add_case("nn.BatchNorm2d", layer("BatchNorm2d", 2, inputs=[(3, 2, 2, 2)]))
add_case("nn.BatchNorm2d.eval", layer("BatchNorm2d", 2, eval=True, inputs=[(2, 2, 2, 2)]))
add_case("nn.LayerNorm", layer("LayerNorm", (2, 3), inputs=[(2, 2, 3)]))
add_case("nn.Embedding", layer("Embedding", 5, 3, padding_idx=1, inputs=[], call=masked_embedding))
add_case("nn.Dropout", layer("Dropout", 0.3, inputs=[(3, 4)], call=with_seed))
add_case("nn.Dropout.eval", layer("Dropout", 0.3, eval=True, inputs=[(3, 4)]))
for _name, _args in {
    "Step": (), "Sigmoid": (), "Tanh": (), "ReLU": (), "LeakyReLU": (0.1,), "ELU": (0.5,),
    "GELU": (), "GELU.tanh": ("tanh",), "SiLU": (), "Softplus": (2.0,), "Softmax": (1,),
    "LogSoftmax": (0,),
}.items():
    add_case(f"nn.{_name}", layer(_name.split(".")[0], *_args, inputs=[apart(3, 4, scale=3.0)]))
for _name in ("RNN", "GRU"):
    add_case(f"nn.{_name}", layer(_name, 2, 3, num_layers=2, bidirectional=True,
                                  batch_first=True, inputs=[SEQUENCE, STATE]))
    add_case(f"nn.{_name}Cell", layer(f"{_name}Cell", 2, 3, inputs=[(2, 2), (2, 3)]))
add_case("nn.RNN.relu_unbatched", layer("RNN", 2, 3, nonlinearity="relu", inputs=[(4, 2)]))
add_case("nn.LSTM", layer("LSTM", 2, 3, num_layers=2, bidirectional=True, batch_first=True,
                          inputs=[SEQUENCE, STATE, STATE], call=with_tuple_state))
add_case("nn.LSTM.sequence_first", layer("LSTM", 2, 3, inputs=[(3, 2, 2)]))
add_case("nn.LSTMCell", layer("LSTMCell", 2, 3, inputs=[(2, 2), (2, 3), (2, 3)],
                              call=with_tuple_state))
add_case("nn.MultiheadAttention.key_padding_mask", layer(
    "MultiheadAttention", 4, 2, batch_first=True, inputs=[(2, 3, 4), (2, 5, 4), (2, 5, 4)],
    call=lambda m, q, k, v: m(q, k, v, key_padding_mask=np.arange(5) >= np.array([[3], [5]])),
))
add_case("nn.MultiheadAttention.kdim_vdim_attn_mask", layer(
    "MultiheadAttention", 4, 2, kdim=3, vdim=5, inputs=[(3, 2, 4), (3, 2, 3), (3, 2, 5)],
    call=lambda m, q, k, v: m(q, k, v, attn_mask=causal_float_mask(3), average_attn_weights=False),
))
add_case("nn.TransformerEncoderLayer.src_mask", layer(
    "TransformerEncoderLayer", 4, 2, 6, 0.0, batch_first=True, inputs=[(2, 3, 4)],
    call=with_causal_mask,
))
add_case("nn.TransformerEncoderLayer.norm_first_gelu", layer(
    "TransformerEncoderLayer", 4, 2, 6, 0.0, "gelu", norm_first=True, inputs=[(3, 2, 4)]))
add_case("nn.TransformerDecoderLayer", layer(
    "TransformerDecoderLayer", 4, 2, 6, 0.0, batch_first=True, inputs=[(2, 3, 4), (2, 4, 4)],
    call=with_causal_mask,
))
add_case("nn.TransformerEncoder", layer(lambda nn: nn.TransformerEncoder(
    nn.TransformerEncoderLayer(4, 2, 6, 0.0, batch_first=True), 2, norm=nn.LayerNorm(4)),
    inputs=[(2, 3, 4)]))
add_case("nn.TransformerDecoder", layer(lambda nn: nn.TransformerDecoder(
    nn.TransformerDecoderLayer(4, 2, 6, 0.0, batch_first=True), 2, norm=nn.LayerNorm(4)),
    inputs=[(2, 3, 4), (2, 2, 4)], call=with_causal_mask))
add_case("nn.CrossEntropyLoss", layer(lambda nn: nn.CrossEntropyLoss(
    weight=const(CLASS_WEIGHT), ignore_index=4, label_smoothing=0.1),
    inputs=[(2, 5, 3)], call=lambda m, x: m(x, np.array([[1, 4, 3], [4, 0, 2]]))))
add_case("nn.NLLLoss", layer("NLLLoss", reduction="sum", inputs=[(4, 5)],
                             call=lambda m, x: m(x, TARGETS)))
add_case("nn.MSELoss", layer("MSELoss", inputs=[(3, 4), (3, 4)]))
add_case("nn.L1Loss", layer("L1Loss", reduction="sum", inputs=[apart(3, 4)],
                            call=lambda m, x: m(x, const(np.zeros((3, 4))))))
add_case("nn.BCELoss", layer("BCELoss", inputs=[between(0.1, 0.9, 3, 4), between(0, 1, 3, 4)]))
add_case("nn.BCEWithLogitsLoss", layer(lambda nn: nn.BCEWithLogitsLoss(
    pos_weight=const([0.5, 2, 1, 3.0])), inputs=[(3, 4), between(0, 1, 3, 4)]))
add_case("nn.KLDivLoss", layer("KLDivLoss", reduction="batchmean", log_target=True,
                               inputs=[(3, 4), (3, 4)]))
add_case("nn.SmoothL1Loss", layer("SmoothL1Loss", beta=0.5, inputs=[apart(3, 4, scale=2.0)],
                                  call=lambda m, x: m(x, const(np.full((3, 4), 0.013)))))
add_case("nn.HuberLoss", layer("HuberLoss", delta=0.7, inputs=[apart(3, 4, scale=2.0)],
                               call=lambda m, x: m(x, const(np.full((3, 4), -0.011)))))
add_case("nn.AdaptiveAvgPool1d", layer("AdaptiveAvgPool1d", 3, inputs=[(2, 2, 7)]))
add_case("nn.AdaptiveAvgPool2d", layer("AdaptiveAvgPool2d", (2, 3), inputs=[(1, 2, 5, 7)]))
add_case("nn.AdaptiveAvgPool2d.global", layer("AdaptiveAvgPool2d", 1, inputs=[(2, 2, 3, 3)]))
add_case("nn.AdaptiveMaxPool1d", layer("AdaptiveMaxPool1d", 3, inputs=[apart(2, 2, 7)]))
add_case("nn.AdaptiveMaxPool2d", layer("AdaptiveMaxPool2d", (3, 2), inputs=[apart(1, 2, 5, 4)]))
add_case("nn.PixelShuffle", layer("PixelShuffle", 2, inputs=[(1, 8, 2, 3)]))
add_case("nn.PixelUnshuffle", layer("PixelUnshuffle", 2, inputs=[(1, 2, 4, 6)]))
add_case("nn.GroupNorm", layer("GroupNorm", 2, 4, inputs=[(2, 4, 3)]))
add_case("nn.Dropout1d", layer("Dropout1d", 0.4, inputs=[(3, 4, 2)], call=with_seed))
add_case("nn.Dropout2d", layer("Dropout2d", 0.4, inputs=[(2, 4, 2, 2)], call=with_seed))
add_case("nn.LazyLinear", layer("LazyLinear", 4, inputs=[(2, 3)], call=lambda m, x: m(x)))
add_case("nn.LazyConv1d", layer("LazyConv1d", 2, 3, inputs=[(2, 2, 5)]))
add_case("nn.LazyConv2d", layer("LazyConv2d", 2, 2, inputs=[(1, 2, 3, 3)]))
add_case("nn.LazyBatchNorm1d", layer("LazyBatchNorm1d", inputs=[(4, 3)]))
add_case("nn.LazyBatchNorm2d", layer("LazyBatchNorm2d", inputs=[(3, 2, 2, 2)]))
add_case("nn.Transformer", layer(
    "Transformer", 2, 1, 1, 1, 3, 0.0, batch_first=True, inputs=[(2, 3, 2), (2, 2, 2)],
    call=lambda m, src, tgt: m(src, tgt, tgt_mask=causal_float_mask(2))))
