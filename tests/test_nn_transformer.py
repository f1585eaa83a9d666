"""nn.Transformer, the whole encoder-decoder, against torch.nn.Transformer: parameter names and
state-dict keys, outputs and gradients from the same weights, the word-language-model pattern
(a subclass that calls self.encoder alone), the causal mask, initialisation, and PyTorch's
nested-tensor inference shortcut (padded positions come out as zeros)."""

import numpy as np
import pytest
from test_nn_sequence import _causal, _padding, _pair, check_parity, randn

import glassnet as gn

torch = pytest.importorskip("torch")

E, HEADS, FF, S, T, B = 8, 2, 16, 6, 5, 3


def _make(batch_first=False, norm_first=False, activation="relu", **options):
    def make(nn):
        return nn.Transformer(E, HEADS, num_encoder_layers=2, num_decoder_layers=1,
                              dim_feedforward=FF, dropout=0.0, activation=activation,
                              batch_first=batch_first, norm_first=norm_first, **options)
    return make


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("dtype,direction", [(np.float64, "torch->glassnet"),
                                             (np.float32, "glassnet->torch")])
@pytest.mark.parametrize("config", ["plain", "masks", "batch-first-pre-norm-gelu"])
def test_transformer_parity(config, dtype, direction):
    if config == "batch-first-pre-norm-gelu":
        make = _make(batch_first=True, norm_first=True, activation="gelu")
        src, tgt, kwargs = randn(B, S, E), randn(B, T, E, seed=1), {}
    else:
        make = _make()
        src, tgt, kwargs = randn(S, B, E), randn(T, B, E, seed=1), {}
    if config == "masks":  # what the translation examples pass
        kwargs = {"src_mask": np.zeros((S, S), bool), "tgt_mask": _causal(T, -np.inf),
                  "src_key_padding_mask": _padding(B, S), "tgt_key_padding_mask": _padding(B, T),
                  "memory_key_padding_mask": _padding(B, S)}
    check_parity(make, [src, tgt], kwargs, dtype=dtype, direction=direction)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_subclass_running_the_encoder_alone_as_the_word_language_model():
    """pytorch/examples' TransformerModel subclasses nn.Transformer, keeps the (unused) decoder
    and calls self.encoder with a float mask log(tril(ones)), then log_softmax."""
    def make(nn):
        class TransformerModel(nn.Transformer):
            def __init__(self):
                super().__init__(d_model=E, nhead=HEADS, dim_feedforward=FF,
                                 num_encoder_layers=2, dropout=0.0)
                self.input_emb = nn.Embedding(11, E)
                self.decoder_head = nn.Linear(E, 11)

            def forward(self, src):
                lib = gn if nn is gn.nn else torch
                with np.errstate(divide="ignore"):  # log(0) = -inf above the diagonal
                    causal = np.log(np.tril(np.ones((src.shape[0],) * 2)))
                mask = lib.tensor(causal).to(self.decoder_head.weight.dtype)
                output = self.encoder(self.input_emb(src) * E**0.5, mask=mask)
                return nn.functional.log_softmax(self.decoder_head(output), dim=-1)
        return TransformerModel()

    tokens = np.random.default_rng(0).integers(0, 11, (S, B))
    ours, theirs = _pair(make, np.float64, "torch->glassnet")
    assert len(ours.state_dict()) == len(theirs.state_dict())  # six decoder layers kept
    got, expected = ours(gn.tensor(tokens)), theirs(torch.tensor(tokens))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-8,
                               atol=1e-10)
    cotangent = np.random.default_rng(1).standard_normal(got.shape)
    (got * gn.tensor(cotangent)).sum().backward()
    (expected * torch.tensor(cotangent)).sum().backward()
    for name, param in theirs.named_parameters():
        mine = dict(ours.named_parameters())[name].grad
        if param.grad is None:  # the decoder stack is never run
            assert mine is None, name
        else:
            np.testing.assert_allclose(mine.numpy(), param.grad.numpy(), rtol=1e-8,
                                       atol=1e-10, err_msg=name)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_state_dict_keys_init_and_mask():
    ours, theirs = gn.nn.Transformer(E, HEADS, 1, 1, FF), torch.nn.Transformer(E, HEADS, 1, 1, FF)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "encoder.norm.weight" in ours.state_dict() and "decoder.norm.bias" in ours.state_dict()
    assert (ours.d_model, ours.nhead, ours.batch_first) == (E, HEADS, False)
    weight = ours.encoder.layers[0].linear1.weight.detach().numpy()  # Glorot-uniform
    bound = np.sqrt(6 / (E + FF))
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound
    np.testing.assert_array_equal(gn.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_bad_shapes_name_the_layer():
    model = gn.nn.Transformer(E, HEADS, 1, 1, FF)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(gn.zeros(S, B, E), gn.zeros(T, B + 1, E))
    with pytest.raises(RuntimeError, match="d_model=8"):
        model(gn.zeros(S, B, E + 1), gn.zeros(T, B, E + 1))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("padding_side", ["end", "start"])
def test_inference_shortcut_zeroes_padding_as_torch(padding_side):
    """Evaluation without gradients, batch_first and a key-padding mask only: PyTorch runs the
    encoder on nested tensors and pads the result with zeros (then the final norm)."""
    def make(nn):
        layer = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True)
        return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E))

    ours, theirs = _pair(make, np.float32, "torch->glassnet")
    ours.eval()
    theirs.eval()
    padding = np.zeros((B, S), bool)
    padding[0, -2:] = padding[2, -1:] = True
    if padding_side == "start":  # not left-aligned: PyTorch checks and skips the shortcut
        padding = padding[:, ::-1].copy()
    x = randn(B, S, E).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(padding)).numpy()
    with gn.no_grad():
        got = ours(gn.tensor(x), src_key_padding_mask=gn.tensor(padding)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    with_grad = ours(gn.tensor(x), src_key_padding_mask=gn.tensor(padding)).detach().numpy()
    assert np.allclose(with_grad, got) == (padding_side == "start")
