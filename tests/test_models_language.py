"""The language models of lessons 9 and 14: char-rnn (against PyTorch's layers from the same
state dict, sampling, filling in) and word2vec (the negative-sampling loss against a pair-by-pair
reference, its gradient against PyTorch's autograd, and the data side: subsampling, noise,
window weights, batches)."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import models
from glassnet.models import char_rnn, word2vec

torch = pytest.importorskip("torch")


# ---- char-rnn ----
def _torch_twin(model):
    """The same network in PyTorch, loaded from the glassnet model's state dict."""
    config = model.config
    kinds = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
    twin = torch.nn.ModuleDict({
        "embed": torch.nn.Embedding(config.vocab_size, config.embedding_dim),
        "rnn": kinds[config.kind](config.embedding_dim, config.hidden_size, batch_first=True,
                                  bidirectional=config.bidirectional),
        "head": torch.nn.Linear((1 + config.bidirectional) * config.hidden_size,
                                config.vocab_size)})
    twin.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()})
    return twin


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_char_rnn_matches_pytorch(kind):
    gn.manual_seed(0)
    model = models.create("char-rnn", vocab_size=11, embedding_dim=6, hidden_size=7, kind=kind)
    twin = _torch_twin(model)
    idx = np.random.default_rng(1).integers(0, 11, (3, 9))
    logits, _ = model(gn.tensor(idx))
    assert logits.shape == (3, 9, 11)
    expected = twin["head"](twin["rnn"](twin["embed"](torch.tensor(idx)))[0])
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), atol=2e-5)


def test_bidirectional_fill_in_reads_both_sides_but_not_the_hidden_character():
    gn.manual_seed(0)
    model = char_rnn.CharRNN(vocab_size=9, embedding_dim=4, hidden_size=5, bidirectional=True)
    idx = np.random.default_rng(2).integers(0, 9, (2, 8))
    logits = model.fill_in_logits(gn.tensor(idx)).detach().numpy()  # predicts idx[:, 1:-1]
    assert logits.shape == (2, 6, 9)
    twin = _torch_twin(model)
    hidden = twin["rnn"](twin["embed"](torch.tensor(idx)))[0]
    expected = twin["head"](torch.cat([hidden[:, :-2, :5], hidden[:, 2:, 5:]], -1))
    np.testing.assert_allclose(logits, expected.detach().numpy(), atol=2e-5)
    changed = idx.copy()
    changed[:, 3] = (changed[:, 3] + 1) % 9  # the character hidden at output position 2
    again = model.fill_in_logits(gn.tensor(changed)).detach().numpy()
    np.testing.assert_allclose(again[:, 2], logits[:, 2], atol=1e-6)
    assert not np.allclose(again[:, 1], logits[:, 1])  # its neighbours do see it
    with pytest.raises(ValueError, match="fill_in_logits"):
        model(gn.tensor(idx))


def test_generate_continues_the_prompt_reproducibly():
    gn.manual_seed(0)
    model = char_rnn.CharRNN(vocab_size=10, embedding_dim=4, hidden_size=8, kind="gru")
    prompt = gn.tensor([[1, 2, 3], [4, 5, 6]])
    first = model.generate(prompt, 12, temperature=0.7, rng=5).numpy()
    assert first.shape == (2, 15) and (first[:, :3] == prompt.numpy()).all()
    assert (first == model.generate(prompt, 12, temperature=0.7, rng=5).numpy()).all()
    assert model.training  # generate restores the mode it found
    with pytest.raises(ValueError, match="temperature"):
        model.generate(prompt, 3, temperature=0)


def test_sample_next_follows_temperature_and_top_k():
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]] * 20000))
    rng = np.random.default_rng(0)
    draws = char_rnn.sample_next(logits, 1.0, None, rng)
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, [0.5, 0.3, 0.15, 0.05],
                               atol=0.01)
    cold = char_rnn.sample_next(logits, 0.01, None, rng)
    assert (cold == 0).all()
    top = char_rnn.sample_next(logits, 1.0, 2, rng)
    np.testing.assert_allclose(np.bincount(top, minlength=4) / 20000, [0.625, 0.375, 0, 0],
                               atol=0.01)


def test_char_rnn_config_names_bad_values():
    with pytest.raises(ValueError, match="kind must be one of rnn, gru, lstm"):
        char_rnn.CharRNNConfig(kind="transformer")
    with pytest.raises(ValueError, match="hidden_size"):
        char_rnn.CharRNNConfig(hidden_size=0)


# ---- word2vec ----
def _reference_loss(model, ids, weights, negatives):
    """The negative-sampling loss written pair by pair, as the paper states it."""
    centre = model.centre.weight.detach().numpy()
    context = model.context.weight.detach().numpy()
    reach, count = model.config.window, ids.shape[1] - 2 * model.config.window

    def log_sigmoid(x):
        return -math.log1p(math.exp(-x))

    total = 0.0
    for r in range(ids.shape[0]):
        for i in range(count):
            v = centre[ids[r, reach + i]]
            pairs = weights[r, i].sum()
            for column, offset in enumerate(model.offsets()):
                u = context[ids[r, reach + i + offset]]
                total -= weights[r, i, column] * log_sigmoid(float(u @ v))
            for noise in negatives[r]:
                k_share = model.config.negatives / negatives.shape[1]
                total -= pairs * k_share * log_sigmoid(-float(context[noise] @ v))
    return total / weights.sum()


def _skipgram_batch(seed=0):
    gn.manual_seed(seed)
    model = word2vec.SkipGram(vocab_size=12, embedding_dim=4, window=2, negatives=3)
    model.context.weight.data[:] = np.random.default_rng(seed).normal(0, 0.5, (12, 4))
    rng = np.random.default_rng(seed + 1)
    ids = rng.integers(0, 12, (2, 9))  # 2 runs of 5 centres with 2 context words each side
    sentences = np.array([[-1, 0, 0, 0, 0, 1, 1, 1, 1], [3, 3, 3, 3, 3, 3, 3, -1, -1]])
    weights = word2vec.context_weights(sentences, 2)
    negatives = rng.integers(0, 12, (2, 4))
    return model, ids, weights, negatives


def test_skipgram_loss_is_the_papers_negative_sampling_loss():
    model, ids, weights, negatives = _skipgram_batch()
    loss = model(gn.tensor(ids), weights, gn.tensor(negatives))
    assert loss.item() == pytest.approx(_reference_loss(model, ids, weights, negatives),
                                        rel=1e-5)


def test_skipgram_gradients_match_pytorch_autograd():
    model, ids, weights, negatives = _skipgram_batch(3)
    model(gn.tensor(ids), weights, gn.tensor(negatives)).backward()
    centre = torch.tensor(model.centre.weight.detach().numpy(), requires_grad=True)
    context = torch.tensor(model.context.weight.detach().numpy(), requires_grad=True)
    reach, count = 2, ids.shape[1] - 4
    v = centre[torch.tensor(ids[:, reach : reach + count])]  # (R, N, D)
    u = context[torch.tensor(np.concatenate([ids, negatives], 1))]  # (R, N + 2W + M, D)
    targets, table = model.pair_table(weights, negatives.shape[1])
    scores = v @ u.transpose(1, 2)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        scores, torch.tensor(targets.numpy()), weight=torch.tensor(table.numpy()),
        reduction="sum") / float(weights.sum())
    loss.backward()
    np.testing.assert_allclose(model.centre.weight.grad.numpy(), centre.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(model.context.weight.grad.numpy(), context.grad.numpy(),
                               atol=1e-6)


def test_window_weights_stop_at_sentences_and_padding():
    sentences = np.array([-1, -1, 0, 0, 0, 1, 1, -1, -1])  # 5 centres, window 2
    weights = word2vec.context_weights(sentences, 2)  # columns: +1, +2, -1, -2
    np.testing.assert_allclose(weights, [[1, .5, 0, 0], [1, 0, 1, 0], [0, 0, 1, .5],
                                         [1, 0, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_allclose(word2vec.distance_weights(5), [1, .8, .6, .4, .2] * 2)


def test_subsampling_and_noise_follow_word2vec():
    counts = np.array([1000, 100, 10, 1])
    keep = word2vec.keep_probability(counts, sample=0.01)
    threshold = 0.01 * counts.sum()
    np.testing.assert_allclose(keep[0], (math.sqrt(1000 / threshold) + 1) * threshold / 1000)
    assert keep[0] < keep[1] and (keep[2:] == 1).all()
    noise = word2vec.noise_distribution(counts)
    np.testing.assert_allclose(noise, counts**0.75 / (counts**0.75).sum())


def test_batches_use_every_kept_word_once_as_a_centre():
    tokens = np.arange(50) % 7
    sentence_ids = np.arange(50) // 10
    keep = np.where(tokens == 0, 0.0, 1.0)  # drop every 0
    rng = np.random.default_rng(0)
    centres = []
    for ids, weights, negatives in word2vec.batches(tokens, sentence_ids, keep,
                                                    np.full(7, 1 / 7), 2, 8, 3, 5, rng):
        assert ids.shape[1] == 12 and weights.shape[1:] == (8, 4) and negatives.shape[1] == 5
        real = weights.sum(-1) > 0
        centres += list(ids[:, 2:10][real])
    assert sorted(centres) == sorted(tokens[tokens != 0])
