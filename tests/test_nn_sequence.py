"""Sequence layers (RNN, LSTM, GRU and their cells, MultiheadAttention, Transformer layers)
against PyTorch: the same state dict, loaded both ways, gives the same outputs, final states,
input gradients and parameter gradients, in float32 and float64."""

import math

import numpy as np
import pytest

import glassnet as gn

torch = pytest.importorskip("torch")

TOLERANCES = {np.float32: {"rtol": 1e-4, "atol": 1e-5}, np.float64: {"rtol": 1e-8, "atol": 1e-10}}
TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64}
DIRECTIONS = ("torch->glassnet", "glassnet->torch")


# ---- the parity harness ----
def _flat(output):
    if output is None:
        return []
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _flat(item)]
    return [output]


def _numpy(tensor):
    return tensor.detach().numpy()


def _run(lib, module, args, kwargs):
    """Outputs, gradients of the float positional inputs and of every parameter, for the loss
    sum(output * fixed random cotangent). An array passed twice becomes one tensor."""
    leaves, converted = [], {}

    def convert(value, grad):
        if isinstance(value, tuple):
            return tuple(convert(v, grad) for v in value)
        if not isinstance(value, np.ndarray):
            return value
        if id(value) not in converted:
            leaf = grad and value.dtype.kind == "f"
            make = gn.tensor if lib is gn else torch.tensor
            converted[id(value)] = make(value, requires_grad=leaf)
            if leaf:
                leaves.append(converted[id(value)])
        return converted[id(value)]

    args = [convert(a, True) for a in args]
    kwargs = {k: convert(v, False) for k, v in kwargs.items()}
    outputs = _flat(module(*args, **kwargs))
    rng = np.random.default_rng(1)
    loss = 0
    for out in outputs:
        cotangent = rng.standard_normal(tuple(out.shape)).astype(_numpy(out).dtype)
        loss = loss + (out * (gn.tensor if lib is gn else torch.tensor)(cotangent)).sum()
    loss.backward()
    grads = {name: _numpy(p.grad) for name, p in module.named_parameters()}
    return [_numpy(o) for o in outputs], [_numpy(leaf.grad) for leaf in leaves], grads


def _pair(make, dtype, direction, seed=0):
    """A glassnet module and a torch module holding the same weights, in dtype."""
    torch.manual_seed(seed)
    gn.manual_seed(seed)
    ours, theirs = make(gn.nn), make(torch.nn)
    ours.to(dtype)
    theirs.to(TORCH_DTYPES[dtype])
    theirs_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(theirs_state)
    for key, value in ours.state_dict().items():
        assert tuple(value.shape) == tuple(theirs_state[key].shape), key
    if direction == "torch->glassnet":
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs_state.items()})
    else:
        theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in
                                ours.state_dict().items()})
    return ours, theirs


def check_parity(make, args, kwargs=None, dtype=np.float64, direction=DIRECTIONS[0],
                 train=True):
    """Same outputs, input gradients and parameter gradients from glassnet and torch."""
    cast = {}
    args = [_cast(a, dtype, cast) for a in args]
    kwargs = {k: _cast(v, dtype, cast) for k, v in (kwargs or {}).items()}
    ours, theirs = _pair(make, dtype, direction)
    ours.train(train)
    theirs.train(train)
    expected = _run(torch, theirs, args, kwargs)
    got = _run(gn, ours, args, kwargs)
    tolerance = TOLERANCES[dtype]
    assert len(got[0]) == len(expected[0]), "different number of outputs"
    for kind, got_arrays, expected_arrays in zip(("output", "input grad"), got, expected):
        for i, (a, b) in enumerate(zip(got_arrays, expected_arrays)):
            assert a.shape == b.shape, f"{kind} {i}: shape {a.shape} != torch's {b.shape}"
            assert a.dtype == b.dtype, f"{kind} {i}: dtype {a.dtype} != torch's {b.dtype}"
            np.testing.assert_allclose(a, b, err_msg=f"{kind} {i}", **tolerance)
    assert got[2].keys() == expected[2].keys()
    for name, grad in got[2].items():
        np.testing.assert_allclose(grad, expected[2][name], err_msg=f"grad {name}", **tolerance)
    return got


def _cast(value, dtype, done):
    """Float arrays in dtype; an array met twice gives the same cast array."""
    if isinstance(value, tuple):
        return tuple(_cast(v, dtype, done) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return done.setdefault(id(value), value.astype(dtype))
    return value


def randn(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


def both_ways(test):
    test = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])(test)
    return pytest.mark.parametrize("direction", DIRECTIONS)(test)


# ---- recurrent layers ----
L, B, IN, H = 5, 3, 4, 6
RECURRENT = {
    "2-layer-bidirectional-h0": ({"num_layers": 2, "bidirectional": True}, (L, B, IN), 4, True),
    "batch-first": ({"batch_first": True}, (B, L, IN), 1, False),
    "batch-first-2-layer-h0": ({"batch_first": True, "num_layers": 2}, (B, L, IN), 2, True),
    "unbatched-bidirectional-h0": ({"bidirectional": True}, (L, IN), 2, True),
    "unbatched": ({}, (L, IN), 1, False),
    "no-bias-bidirectional": ({"bias": False, "bidirectional": True}, (L, B, IN), 2, False),
}


def _initial_state(kind, count, batched, seed):
    shape = (count, B, H) if batched else (count, H)
    h0 = randn(*shape, seed=seed)
    return (h0, randn(*shape, seed=seed + 1)) if kind == "LSTM" else h0


@both_ways
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "RNN-relu"])
@pytest.mark.parametrize("config", RECURRENT.keys())
def test_recurrent_parity(kind, config, dtype, direction):
    options, input_shape, count, with_state = RECURRENT[config]
    name = kind.split("-")[0]
    if kind == "RNN-relu":
        options = dict(options, nonlinearity="relu")
    args = [randn(*input_shape)]
    if with_state:
        args.append(_initial_state(name, count, len(input_shape) == 3, seed=7))
    outputs, _, _ = check_parity(lambda nn: getattr(nn, name)(IN, H, **options), args,
                                 dtype=dtype, direction=direction)
    assert len(outputs) == (3 if name == "LSTM" else 2)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell", "RNNCell-relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
@both_ways
def test_cell_parity(kind, batched, with_state, dtype, direction):
    name = kind.split("-")[0]
    options = {"nonlinearity": "relu"} if kind == "RNNCell-relu" else {}
    args = [randn(B, IN) if batched else randn(IN)]
    if with_state:
        shape = (B, H) if batched else (H,)
        args.append((randn(*shape, seed=3), randn(*shape, seed=4)) if name == "LSTMCell"
                    else randn(*shape, seed=3))
    check_parity(lambda nn: getattr(nn, name)(IN, H, **options), args, dtype=dtype,
                 direction=direction)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_recurrent_dropout_only_between_layers_in_training(name):
    # p=1 drops every unit deterministically: the second layer sees zeros, the output does not
    make = lambda nn: getattr(nn, name)(IN, H, num_layers=2, dropout=1.0)
    outputs, _, _ = check_parity(make, [randn(L, B, IN)], train=True)
    assert np.abs(outputs[0]).max() > 0
    eval_outputs, _, _ = check_parity(make, [randn(L, B, IN)], train=False)
    assert not np.allclose(outputs[0], eval_outputs[0])


def test_recurrent_init_distribution():
    ours = gn.nn.LSTM(32, 64, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([p.array.ravel() for p in ours.parameters()])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(values.mean()) < 0.01 * bound
    cell = gn.nn.GRUCell(8, 16, bias=False)
    assert [name for name, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    assert max(np.abs(p.array).max() for p in cell.parameters()) <= 1 / math.sqrt(16)


def test_recurrent_errors_name_layer_and_shapes():
    lstm = gn.nn.LSTM(IN, H, num_layers=2)
    with pytest.raises(RuntimeError, match=r"LSTM.*\(5, 3, 7\)"):
        lstm(gn.randn(L, B, 7))
    with pytest.raises(ValueError, match="LSTM.*4-D"):
        lstm(gn.randn(1, L, B, IN))
    h0 = gn.zeros(1, B, H)
    with pytest.raises(RuntimeError, match=r"LSTM: expected h_0 of shape \(2, 3, 6\), got \(1, 3"):
        lstm(gn.randn(L, B, IN), (h0, h0))
    with pytest.raises(ValueError, match="tuple"):
        lstm(gn.randn(L, B, IN), gn.zeros(2, B, H))
    with pytest.raises(RuntimeError, match=r"GRUCell: expected h_0 of shape \(3, 6\)"):
        gn.nn.GRUCell(IN, H)(gn.randn(B, IN), gn.zeros(2, H))
    with pytest.raises(ValueError, match="nonlinearity"):
        gn.nn.RNN(IN, H, nonlinearity="sigmoid")
    with pytest.warns(UserWarning, match="num_layers=1"):
        gn.nn.GRU(IN, H, dropout=0.5)


# ---- multi-head attention ----
E, HEADS, TGT, SRC = 8, 2, 4, 5


def _causal(size, fill):
    blocked = np.triu(np.ones((size, size), dtype=bool), k=1)
    return blocked if fill is None else np.where(blocked, fill, 0.0)


def _padding(batch, source, dtype=bool):
    padded = np.zeros((batch, source), dtype=bool)
    padded[0, -2:] = True  # never a whole row, which would give NaN in both
    padded[-1, -1] = True
    return padded if dtype is bool else np.where(padded, -np.inf, 0.0)


def _whole_row_padded(batch, source):
    """The last sequence entirely padding: with no weights asked for, PyTorch's fused attention
    gives such a query 0 (not NaN), and so does glassnet's."""
    padded = _padding(batch, source)
    padded[-1] = True
    return padded


def _self_attention(shape):
    x = randn(*shape)
    return [x, x, x]  # one tensor passed three times, as in self-attention


MHA = {
    "self-attention": ({}, lambda: _self_attention((TGT, B, E)), {}),
    "cross-kdim-vdim-batch-first-per-head": (
        {"kdim": 3, "vdim": 5, "batch_first": True},
        lambda: [randn(B, TGT, E), randn(B, SRC, 3), randn(B, SRC, 5)],
        {"key_padding_mask": _padding(B, SRC), "average_attn_weights": False}),
    "causal-bool-and-padding-bool": (
        {}, lambda: _self_attention((TGT, B, E)),
        {"attn_mask": _causal(TGT, None), "key_padding_mask": _padding(B, TGT)}),
    "causal-float-and-padding-float": (
        {"batch_first": True}, lambda: _self_attention((B, TGT, E)),
        {"attn_mask": _causal(TGT, -np.inf), "key_padding_mask": _padding(B, TGT, float)}),
    "3d-float-mask": (
        {}, lambda: [randn(TGT, B, E), randn(SRC, B, E), randn(SRC, B, E, seed=1)],
        {"attn_mask": 0.5 * randn(B * HEADS, TGT, SRC, seed=2)}),
    "unbatched-3d-bool-mask": (
        {}, lambda: [randn(TGT, E), randn(SRC, E), randn(SRC, E, seed=1)],
        {"attn_mask": randn(HEADS, TGT, SRC) > 0.8, "key_padding_mask": np.array(
            [False, False, False, False, True]), "average_attn_weights": False}),
    "no-bias-no-weights": ({"bias": False}, lambda: _self_attention((TGT, B, E)),
                           {"need_weights": False}),
    "whole-sequence-padded-no-weights": (
        {}, lambda: _self_attention((TGT, B, E)),
        {"key_padding_mask": _whole_row_padded(B, TGT), "need_weights": False}),
    "is-causal-hint": ({}, lambda: _self_attention((TGT, B, E)),
                       {"attn_mask": _causal(TGT, -np.inf), "is_causal": True,
                            "need_weights": False}),
}


@both_ways
@pytest.mark.parametrize("config", MHA.keys())
def test_multihead_attention_parity(config, dtype, direction):
    options, make_args, kwargs = MHA[config]
    outputs, _, _ = check_parity(lambda nn: nn.MultiheadAttention(E, HEADS, **options),
                                 make_args(), kwargs, dtype=dtype, direction=direction)
    assert len(outputs) == (1 if kwargs.get("need_weights") is False else 2)


def test_multihead_attention_dropout_only_in_training():
    make = lambda nn: nn.MultiheadAttention(E, HEADS, dropout=1.0)
    (_out, weights), _, _ = check_parity(make, _self_attention((TGT, B, E)), train=True)
    assert np.all(weights == 0)
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        (_eval_out, eval_weights), _, _ = check_parity(make, _self_attention((TGT, B, E)),
                                                      train=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
    np.testing.assert_allclose(eval_weights.sum(-1), 1.0)


def test_multihead_attention_init_and_errors():
    gn.manual_seed(0)
    big = gn.nn.MultiheadAttention(64, 4)
    weight = big.in_proj_weight.array
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier over the packed (3E, E) weight, as PyTorch
    assert np.abs(weight).max() <= bound and abs(weight.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert not big.in_proj_bias.array.any() and not big.out_proj.bias.array.any()
    assert np.abs(big.out_proj.weight.array).max() <= 1 / 8
    separate = gn.nn.MultiheadAttention(64, 4, kdim=16, vdim=32)
    assert separate.in_proj_weight is None
    assert np.abs(separate.k_proj_weight.array).max() <= math.sqrt(6 / (64 + 16))
    with pytest.raises(NotImplementedError):
        gn.nn.MultiheadAttention(E, HEADS, add_bias_kv=True)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        gn.nn.MultiheadAttention(10, 3)
    mha = gn.nn.MultiheadAttention(E, HEADS)
    x = gn.randn(TGT, B, E)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 4\).*got \(4, 5\)"):
        mha(x, x, x, attn_mask=gn.zeros(TGT, 5))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(3, 4\)"):
        mha(x, x, x, key_padding_mask=gn.zeros(TGT, B).bool())
    with pytest.raises(ValueError, match=r"embed_dim.*\(4, 3, 7\)"):
        mha(gn.randn(TGT, B, 7), x, x)
    with pytest.raises(RuntimeError, match="is_causal"):
        mha(x, x, x, is_causal=True)


# ---- transformer layers ----
FF = 16


def _layer_options(activation="relu", **options):
    return dict(dim_feedforward=FF, dropout=0.0, activation=activation, **options)


ENCODER = {
    "post-norm-relu": ({}, (TGT, B, E), {}),
    "pre-norm-gelu-batch-first-masks": (
        {"norm_first": True, "activation": "gelu", "batch_first": True}, (B, TGT, E),
        {"src_mask": _causal(TGT, None), "src_key_padding_mask": _padding(B, TGT)}),
    "callable-activation-float-mask-causal": (
        {"activation": "callable-gelu"}, (TGT, B, E),
        {"src_mask": _causal(TGT, -np.inf), "is_causal": True}),
    "no-bias-unbatched": ({"bias": False, "layer_norm_eps": 1e-3}, (TGT, E), {}),
    "whole-sequence-padded": ({}, (TGT, B, E), {"src_key_padding_mask": _whole_row_padded(B, TGT)}),
}


def _activation(name, nn):
    return nn.functional.gelu if name == "callable-gelu" else name


@both_ways
@pytest.mark.parametrize("config", ENCODER.keys())
def test_transformer_encoder_layer_parity(config, dtype, direction):
    options, shape, kwargs = ENCODER[config]

    def make(nn):
        layer_options = dict(options, activation=_activation(options.get("activation",
                                                                          "relu"), nn))
        return nn.TransformerEncoderLayer(E, HEADS, **_layer_options(**layer_options))

    check_parity(make, [randn(*shape)], kwargs, dtype=dtype, direction=direction)


@both_ways
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoder_layer_parity(norm_first, dtype, direction):
    def make(nn):
        return nn.TransformerDecoderLayer(E, HEADS, **_layer_options(
            "gelu" if norm_first else "relu", norm_first=norm_first, batch_first=norm_first))

    tgt, memory = ((B, TGT, E), (B, SRC, E)) if norm_first else ((TGT, B, E), (SRC, B, E))
    kwargs = {"tgt_mask": _causal(TGT, None), "tgt_key_padding_mask": _padding(B, TGT),
                  "memory_key_padding_mask": _padding(B, SRC, float),
                  "memory_mask": randn(TGT, SRC) > 1.0}
    check_parity(make, [randn(*tgt), randn(*memory, seed=1)], kwargs, dtype=dtype,
                 direction=direction)


@both_ways
def test_transformer_stacks_parity(dtype, direction):
    def make_encoder(nn):
        layer = nn.TransformerEncoderLayer(E, HEADS, **_layer_options(norm_first=True))
        return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E))

    def make_decoder(nn):
        layer = nn.TransformerDecoderLayer(E, HEADS, **_layer_options("gelu"))
        return nn.TransformerDecoder(layer, 2)

    mask = np.asarray(gn.nn.generate_square_subsequent_mask(TGT).array, dtype=dtype)
    padding = _padding(B, TGT)
    check_parity(make_encoder, [randn(TGT, B, E)], {"mask": mask, "src_key_padding_mask": padding},
                 dtype=dtype, direction=direction)
    check_parity(make_decoder, [randn(TGT, B, E), randn(SRC, B, E, seed=1)],
                 {"tgt_mask": mask, "tgt_is_causal": True}, dtype=dtype, direction=direction)


def test_transformer_helpers_init_and_errors():
    np.testing.assert_array_equal(
        gn.nn.generate_square_subsequent_mask(5).array,
        torch.nn.Transformer.generate_square_subsequent_mask(5).numpy())
    layer = gn.nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=FF)
    encoder = gn.nn.TransformerEncoder(layer, 3)
    names = [name for name, _ in encoder.named_parameters()]
    assert names[0] == "layers.0.self_attn.in_proj_weight" and names[-1] == "layers.2.norm2.bias"
    first, last = encoder.layers[0], encoder.layers[2]
    assert first.linear1.weight is not last.linear1.weight  # copies, not shared
    np.testing.assert_array_equal(first.linear1.weight.array, last.linear1.weight.array)
    assert np.all(layer.norm1.weight.array == 1) and not layer.norm1.bias.array.any()
    assert layer.self_attn.dropout == 0.1 and layer.dropout.p == 0.1
    with pytest.raises(RuntimeError, match="relu/gelu"):
        gn.nn.TransformerEncoderLayer(E, HEADS, activation="tanh")
