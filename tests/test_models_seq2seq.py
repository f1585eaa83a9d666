"""The sequence-to-sequence models of lesson 16: the encoder-decoder Transformer (same outputs and
gradients as PyTorch's nn.Transformer from the same weights, pre-LN and post-LN; causal; blind to
padding; its cross-attention) and the RNN encoder-decoder without attention (same as PyTorch's
LSTMs from the same state dict; the source reaches the decoder only through the final state)."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import models
from glassnet.models.seq2seq_rnn import Seq2SeqRNN, Seq2SeqRNNConfig
from glassnet.models.transformer import Transformer, TransformerConfig, sinusoidal_positions

torch = pytest.importorskip("torch")

VOCAB = 12


def _transformer(seed=0, **overrides):
    gn.manual_seed(seed)
    options = {"vocab_size": VOCAB, "d_model": 16, "heads": 2, "encoder_layers": 2,
               "decoder_layers": 2, "d_ff": 24, "max_len": 16, **overrides}
    return Transformer(TransformerConfig(**options))


def _ids(shape, seed, low=2):
    return np.random.default_rng(seed).integers(low, VOCAB, shape)


def _torch_transformer(model):
    """PyTorch's encoder and decoder stacks (nn.TransformerEncoder/DecoderLayer, as inside
    nn.Transformer) with the same weights as a glassnet Transformer."""
    config = model.config
    layer = {"d_model": config.d_model, "nhead": config.heads, "dim_feedforward": config.d_ff,
             "dropout": 0.0, "batch_first": True, "norm_first": config.norm_first}
    final = (lambda: torch.nn.LayerNorm(config.d_model)) if config.norm_first else lambda: None
    encoder = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**layer),
                                          config.encoder_layers, norm=final(),
                                          enable_nested_tensor=False)
    decoder = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(**layer),
                                          config.decoder_layers, norm=final())
    names = {"self_attention": "self_attn", "cross_attention": "multihead_attn",
             "feed_forward.0": "linear1", "feed_forward.2": "linear2"}
    weights = {"encoder": {}, "decoder": {}}
    for key, value in model.state_dict().items():
        side, _, rest = key.partition(".")
        if side in weights:
            for ours, theirs in names.items():
                rest = rest.replace(ours, theirs)
            weights[side]["layers." + rest] = value
        elif side in ("encoder_norm", "decoder_norm"):
            weights[side[:7]]["norm." + rest] = value
    for stack, side in ((encoder, "encoder"), (decoder, "decoder")):
        stack.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in weights[side].items()})
    embedding = torch.tensor(model.embedding.weight.detach().numpy(), requires_grad=True)
    head = torch.nn.Linear(config.d_model, config.vocab_size)
    head.load_state_dict({k[5:]: torch.tensor(v.numpy()) for k, v in model.state_dict().items()
                          if k.startswith("head.")})
    positions = torch.tensor(sinusoidal_positions(config.max_len + 1, config.d_model))

    def forward(source, target_in):
        source, target_in = torch.tensor(source), torch.tensor(target_in)
        padding = source == config.pad
        mask = torch.nn.Transformer.generate_square_subsequent_mask(target_in.shape[1])
        memory = encoder(embedding[source] + positions[:source.shape[1]],
                         src_key_padding_mask=padding)
        y = decoder(embedding[target_in] + positions[:target_in.shape[1]], memory,
                    tgt_mask=mask, memory_key_padding_mask=padding)
        return head(y), embedding

    return forward


@pytest.mark.parametrize("norm_first", [True, False], ids=["pre-LN", "post-LN"])
def test_the_transformer_equals_pytorchs_nn_transformer(norm_first):
    model = _transformer(norm_first=norm_first)
    with gn.no_grad():  # layer norms and biases away from their initial 1 and 0
        for number, parameter in enumerate(model.parameters()):
            parameter += gn.tensor(np.random.default_rng(number).uniform(
                -0.2, 0.2, parameter.shape).astype(np.float32))
    source, target_in = _ids((3, 7), 1), _ids((3, 5), 2, low=1)
    source[1, 5:] = 0  # a padded source
    logits = model(gn.tensor(source), gn.tensor(target_in))
    expected, embedding = _torch_transformer(model)(source, target_in)
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    weights = np.random.default_rng(3).standard_normal(logits.shape).astype(np.float32)
    (logits * gn.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(model.embedding.weight.grad.numpy(), embedding.grad.numpy(),
                               atol=1e-4)


def test_sinusoidal_positions_follow_the_paper():
    table = sinusoidal_positions(50, 8)
    t, i = 37, 3  # column 2i + 1 = 7
    assert table[t, 2 * i] == pytest.approx(np.sin(t / 10000 ** (2 * i / 8)), abs=1e-6)
    assert table[t, 2 * i + 1] == pytest.approx(np.cos(t / 10000 ** (2 * i / 8)), abs=1e-6)
    assert table.dtype == np.float32 and np.abs(table).max() <= 1


def test_the_decoder_is_causal_and_the_source_padding_is_ignored():
    model = _transformer()
    source, target_in = _ids((2, 6), 4), _ids((2, 5), 5, low=1)
    before = model(gn.tensor(source), gn.tensor(target_in)).detach().numpy()
    changed = target_in.copy()
    changed[:, 3:] = (changed[:, 3:] + 1) % VOCAB
    after = model(gn.tensor(source), gn.tensor(changed)).detach().numpy()
    np.testing.assert_allclose(after[:, :3], before[:, :3], atol=1e-6)  # the past is unchanged
    assert np.abs(after[:, 3:] - before[:, 3:]).max() > 1e-3
    padded = np.concatenate([source, np.zeros((2, 4), np.int64)], 1)  # 4 more PADs
    again = model(gn.tensor(padded), gn.tensor(target_in)).detach().numpy()
    np.testing.assert_allclose(again, before, atol=1e-5)


def test_generate_is_greedy_and_keeps_the_cross_attention():
    model = _transformer()
    source = _ids((3, 6), 6)
    source[0, 4:] = 0
    written = model.generate(gn.tensor(source), 5).numpy()
    assert written.shape == (3, 5) and model.training  # back in training mode
    decoder_in = np.concatenate([np.ones((3, 1), np.int64), written[:, :-1]], 1)
    model.eval()
    logits = model(gn.tensor(source), gn.tensor(decoder_in)).detach().numpy()
    np.testing.assert_array_equal(logits.argmax(-1), written)
    weights = model.cross_attention.numpy()
    assert weights.shape == (3, 2, 5, 6)  # (B, heads, T, S)
    np.testing.assert_allclose(weights.sum(-1), 1, atol=1e-5)
    assert np.all(weights[0, :, :, 4:] == 0)  # no weight on padding
    assert model.sequential_steps(6, 5) == 4  # its layers, whatever the lengths
    with pytest.raises(ValueError, match="longer than max_len"):
        model(gn.tensor(_ids((1, 20), 7)), gn.tensor(decoder_in[:1]))
    with pytest.raises(ValueError, match="multiple of heads"):
        TransformerConfig(d_model=10, heads=4)


def test_the_rnn_encoder_decoder_equals_pytorchs_lstms():
    gn.manual_seed(0)
    model = Seq2SeqRNN(Seq2SeqRNNConfig(vocab_size=VOCAB, embedding_dim=6, hidden_size=10))

    class TorchSeq2Seq(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(VOCAB, 6)
            self.encoder = torch.nn.LSTM(6, 10, batch_first=True)
            self.decoder = torch.nn.LSTM(6, 10, batch_first=True)
            self.head = torch.nn.Linear(10, VOCAB)

        def forward(self, source, target_in):
            _, state = self.encoder(self.embedding(source))
            return self.head(self.decoder(self.embedding(target_in), state)[0])

    reference = TorchSeq2Seq()
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in
                               model.state_dict().items()})
    source, target_in = _ids((3, 7), 8), _ids((3, 7), 9, low=1)
    logits = model(gn.tensor(source), gn.tensor(target_in))
    expected = reference(torch.tensor(source), torch.tensor(target_in))
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    logits.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(model.encoder.weight_hh_l0.grad.numpy(),
                               reference.encoder.weight_hh_l0.grad.numpy(), atol=1e-5)
    written = model.generate(gn.tensor(source), 4).numpy()
    assert written.shape == (3, 4) and model.sequential_steps(7, 4) == 11


def test_the_rnn_decoder_sees_the_source_only_through_the_final_state():
    gn.manual_seed(1)
    model = Seq2SeqRNN(Seq2SeqRNNConfig(vocab_size=VOCAB, embedding_dim=6, hidden_size=10))
    source, target_in = _ids((2, 5), 10), _ids((2, 4), 11, low=1)
    state = model.encode(gn.tensor(source))
    assert [tuple(part.shape) for part in state] == [(1, 2, 10), (1, 2, 10)]
    direct = model(gn.tensor(source), gn.tensor(target_in)).detach().numpy()
    via_state = model.decode(gn.tensor(target_in), state)[0].detach().numpy()
    np.testing.assert_array_equal(direct, via_state)


def test_both_models_are_registered():
    assert isinstance(models.create("transformer", d_model=32), Transformer)
    assert isinstance(models.create("seq2seq-rnn", hidden_size=16), Seq2SeqRNN)
