"""glassnet/models/gpt.py and bert.py: the same forward and gradients as their PyTorch twins
(benchmarks/calibrate_bert_gpt.py) from the same state dict, the same training trajectory,
generate's sampling (prompt kept, top-k, temperature, context cropped), BERT's masking
statistics, config errors and a checkpoint round trip."""

import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import models, optim
from glassnet.models.bert import BERT, CLS, MASK, PAD, SPECIAL_TOKENS, BERTConfig, mask_tokens
from glassnet.models.gpt import GPT, GPTConfig, sample_next, weight_decay_groups

torch = pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import calibrate_bert_gpt as twins

TOLERANCE = {"rtol": 1e-4, "atol": 2e-5}
SMALL_GPT = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
SMALL_BERT = BERTConfig(vocab_size=23, block_size=9, n_layer=2, n_head=2, n_embd=16,
                        dropout=0.0)


def _compare(ours, theirs, loss_ours, loss_theirs):
    assert loss_ours.item() == pytest.approx(loss_theirs.item(), rel=1e-5)
    loss_ours.backward()
    loss_theirs.backward()
    grads = {name: p.grad.detach().numpy() for name, p in theirs.named_parameters()}
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), grads[name], err_msg=name, **TOLERANCE)


def test_gpt_forward_and_gradients_match_pytorch():
    gn.manual_seed(0)
    ours = GPT(SMALL_GPT)
    theirs = twins.twin(ours, twins.TorchGPT)
    idx = np.random.default_rng(0).integers(0, 11, (3, 8))
    target = np.random.default_rng(1).integers(0, 11, (3, 8))
    logits = ours(gn.tensor(idx))
    expected = theirs(torch.from_numpy(idx))
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), **TOLERANCE)
    _compare(ours, theirs,
             F.cross_entropy(logits.reshape(-1, 11), gn.tensor(target.reshape(-1))),
             torch.nn.functional.cross_entropy(expected.reshape(-1, 11),
                                               torch.from_numpy(target.reshape(-1))))
    # the output layer is the token embedding: one parameter, gradients from both uses
    assert ours.lm_head.weight is ours.transformer.wte.weight
    assert len(list(ours.parameters())) == len(set(map(id, ours.parameters())))


def test_gpt_is_causal():
    gn.manual_seed(0)
    model = GPT(SMALL_GPT)
    idx = np.random.default_rng(0).integers(0, 11, (1, 8))
    changed = idx.copy()
    changed[0, 5:] = (changed[0, 5:] + 1) % 11
    with gn.no_grad():
        before, after = model(gn.tensor(idx)).numpy(), model(gn.tensor(changed)).numpy()
    np.testing.assert_allclose(before[0, :5], after[0, :5], rtol=1e-6)  # the past ignores it
    assert not np.allclose(before[0, 5:], after[0, 5:])
    weights = model.attention_weights(gn.tensor(idx))
    assert len(weights) == 2 and weights[0].shape == (1, 2, 8, 8)
    assert np.all(np.triu(weights[1][0, 0], 1) == 0)
    np.testing.assert_allclose(weights[0].sum(axis=-1), 1, rtol=1e-5)


def test_gpt_training_follows_pytorch_with_the_lesson_optimizer():
    gn.manual_seed(0)
    ours = GPT(SMALL_GPT)
    theirs = twins.twin(ours, twins.TorchGPT)
    recipe = {"lr": 1e-3, "weight_decay": 0.1, "betas": (0.9, 0.99)}
    optimizer = optim.AdamW(weight_decay_groups(ours, 0.1), lr=1e-3, betas=(0.9, 0.99))
    torch_optimizer = twins.adamw(theirs, recipe, groups=True)
    rng = np.random.default_rng(0)
    for _ in range(5):
        idx, target = rng.integers(0, 11, (2, 4, 8))
        optimizer.zero_grad()
        loss = F.cross_entropy(ours(gn.tensor(idx)).reshape(-1, 11), gn.tensor(target.reshape(-1)))
        loss.backward()
        optimizer.step()
        torch_optimizer.zero_grad()
        expected = torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(idx)).reshape(-1, 11), torch.from_numpy(target.reshape(-1)))
        expected.backward()
        torch_optimizer.step()
        assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_weight_decay_groups_split_matrices_from_vectors():
    gn.manual_seed(0)
    decay, rest = weight_decay_groups(GPT(SMALL_GPT), 0.1)
    assert all(p.ndim == 2 for p in decay["params"]) and all(p.ndim == 1 for p in rest["params"])
    assert (decay["weight_decay"], rest["weight_decay"]) == (0.1, 0.0)


def test_generate_keeps_the_prompt_and_crops_the_context():
    gn.manual_seed(0)
    model = GPT(SMALL_GPT)
    prompt = gn.tensor([[1, 2, 3]])
    out = model.generate(prompt, 12, temperature=0.8, top_k=3, rng=0)
    assert out.shape == (1, 15) and out.numpy()[0, :3].tolist() == [1, 2, 3]
    assert out.numpy().min() >= 0 and out.numpy().max() < 11
    again = model.generate(prompt, 12, temperature=0.8, top_k=3, rng=0)
    assert out.numpy().tolist() == again.numpy().tolist()  # the same generator, the same text
    greedy = model.generate(prompt, 4, top_k=1).numpy()[0]
    with gn.no_grad():
        first = model(gn.tensor([[1, 2, 3]])).numpy()[0, -1].argmax()
    assert greedy[3] == first  # top-1 sampling is greedy decoding
    with pytest.raises(ValueError, match="temperature"):
        model.generate(prompt, 2, temperature=0)


def test_sample_next_draws_only_from_the_top_k():
    logits = np.log(np.array([[0.05, 0.4, 0.1, 0.3, 0.15]] * 4000))
    generator = np.random.default_rng(0)
    drawn = sample_next(logits, 2, generator)
    assert set(drawn.tolist()) == {1, 3}
    assert np.mean(drawn == 1) == pytest.approx(0.4 / 0.7, abs=0.03)
    everything = sample_next(logits, None, generator)
    assert np.mean(everything == 0) == pytest.approx(0.05, abs=0.02)


def test_bert_forward_and_gradients_match_pytorch_with_padding():
    gn.manual_seed(0)
    ours = BERT(SMALL_BERT)
    theirs = twins.twin(ours, twins.TorchBERT)
    idx = np.random.default_rng(0).integers(len(SPECIAL_TOKENS), 23, (3, 9))
    idx[:, 0] = CLS
    idx[1, 6:] = PAD
    states = ours(gn.tensor(idx))
    expected = theirs(torch.from_numpy(idx))
    np.testing.assert_allclose(states.detach().numpy(), expected.detach().numpy(), **TOLERANCE)
    logits = ours.mlm_logits(states[:, 1:3]).sum() + ours.classify(gn.tensor(idx)).sum()
    expected = theirs.mlm_logits(expected[:, 1:3]).sum() + theirs.classify(
        torch.from_numpy(idx)).sum()
    _compare(ours, theirs, logits, expected)


def test_bert_padding_changes_nothing_before_it():
    gn.manual_seed(0)
    model = BERT(SMALL_BERT)
    idx = np.array([[CLS, 7, 8, 9, PAD, PAD]])
    longer = np.array([[CLS, 7, 8, 9, PAD, PAD, PAD, PAD]])
    with gn.no_grad():
        short, long = model(gn.tensor(idx)).numpy(), model(gn.tensor(longer)).numpy()
    np.testing.assert_allclose(short[0, :4], long[0, :4], rtol=1e-5, atol=1e-6)
    weights = model.attention_weights(gn.tensor(idx))[0]
    assert np.all(weights[0, :, :, 4:] == 0) and np.all(weights[0, :, :, :4] > 0)


def test_mask_tokens_follows_bert_proportions():
    ids = np.random.default_rng(0).integers(len(SPECIAL_TOKENS), 1000, (400, 250))
    ids[:, 0] = CLS
    inputs, targets = mask_tokens(ids, 1000, rng=1)
    picked = targets != -100
    assert not picked[:, 0].any() and np.all(targets[picked] == ids[picked])
    assert picked.mean() == pytest.approx(0.15 * 249 / 250, abs=0.003)
    masked = inputs[picked] == MASK
    kept = inputs[picked] == ids[picked]
    assert masked.mean() == pytest.approx(0.8, abs=0.01)
    assert kept.mean() == pytest.approx(0.1 + 0.1 / 995, abs=0.01)  # kept, or drawn as itself
    assert np.all(inputs[~picked] == ids[~picked])
    assert inputs[picked & ~(inputs == MASK)].min() >= len(SPECIAL_TOKENS)


@pytest.mark.parametrize("config, words", [
    (lambda: GPTConfig(n_embd=10, n_head=4), "multiple of n_head"),
    (lambda: GPTConfig(n_layer=0), "positive ints"),
    (lambda: GPTConfig(dropout=1.0), "dropout"),
    (lambda: BERTConfig(vocab_size=5), "special tokens"),
    (lambda: BERTConfig(n_classes=0), "positive ints"),
])
def test_bad_configs_are_clear_errors(config, words):
    with pytest.raises(ValueError, match=words):
        config()


def test_too_long_inputs_are_errors():
    gn.manual_seed(0)
    with pytest.raises(ValueError, match="block_size=8"):
        GPT(SMALL_GPT)(gn.zeros(1, 9, dtype=gn.int64))
    with pytest.raises(ValueError, match="block_size=9"):
        BERT(SMALL_BERT)(gn.zeros(1, 10, dtype=gn.int64))


@pytest.mark.parametrize("name, config", [("gpt", SMALL_GPT), ("bert", SMALL_BERT)])
def test_checkpoint_round_trip(name, config, tmp_path):
    gn.manual_seed(0)
    model = models.create(name, **vars(config))
    models.save_model(tmp_path / "m.npz", name, model, chars="abc")
    loaded, extra = models.load_model(tmp_path / "m.npz", expected=name)
    assert extra == {"chars": "abc"} and loaded.config == model.config
    idx = gn.tensor([[2, 5, 6, 7]])
    with gn.no_grad():
        np.testing.assert_array_equal(loaded(idx).numpy(), model(idx).numpy())
