"""Lesson 15 (attention): its quick run passes every claim check, writes metrics.json and its
figures and repeats itself with the same seed; attention written out by hand equals the engine's;
the claims fail for a model that has not learned; the minimal pairs differ only in the adjective."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet.data import coreference
from glassnet.lessons import attention, base
from glassnet.models.resolver import Resolver, ResolverConfig

FIGURES = ("qkv_by_hand", "minimal_pair", "what_each_head_reads", "training")
CLAIMS = ("fused scaled_dot_product_attention", "nn.MultiheadAttention", "held-out",
          "right noun", "moves to the other noun", "read the adjective")

quick_run = contract.quick_run_fixture(attention)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, CLAIMS)
    assert result.metrics["accuracy before training"] < 0.5  # it had to learn
    assert "pointer head" in next(iter(result.texts.values()))


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "attention", FIGURES)


def test_same_seed_same_numbers(quick_run):
    contract.assert_same_seed_same_numbers(quick_run)


def _model(seed=0):
    gn.manual_seed(seed)
    return Resolver(ResolverConfig(vocab_size=len(coreference.vocabulary())))


def test_attention_by_hand_equals_the_engine_for_every_head():
    shown = attention.by_hand(_model(), attention.ARTICLE.format("wide"), head=2)
    assert shown["vs_fused"] < 1e-6 and shown["vs_module"] < 1e-6
    assert shown["weights"].shape == (11, 11)
    np.testing.assert_allclose(shown["weights"].sum(1), 1, rtol=1e-6)
    assert shown["q"].shape == shown["k"].shape == shown["v"].shape == (11, 8)


def test_an_untrained_model_fails_the_pointer_claims():
    test = coreference.sentences(300, "test", rng=3)
    scores = attention.evaluate(_model(), test)
    assert scores["accuracy"] < 0.5
    assert np.mean(scores["right"] > scores["wrong"]) < 0.9  # the check's threshold
    assert scores["right"].mean() < 0.5


def test_minimal_pairs_change_only_the_adjective_and_the_referent():
    data = coreference.sentences(200, "test", rng=4)
    pair = attention.flipped(data)
    vocab = coreference.vocabulary()
    differs = data.ids != pair.ids
    assert (differs.sum(1) == 1).all()
    for row in range(len(data.ids)):
        length = len(data.words[row])
        assert differs[row, length - 1]  # the adjective, last
        adjective = vocab[pair.ids[row, length - 1]]
        kind = coreference.ANIMAL_ADJECTIVES if pair.refers_to[row] == coreference.ANIMAL \
            else coreference.PLACE_ADJECTIVES
        assert adjective in kind and pair.refers_to[row] != data.refers_to[row]
        noun = data.animal[row] if pair.refers_to[row] == coreference.ANIMAL else data.place[row]
        assert pair.referent[row] == data.ids[row, noun]


def test_word_roles_cover_every_template_word():
    data = coreference.sentences(100, rng=5)
    for row, words in enumerate(data.words):
        roles = [attention.ROLES[attention.role_of(w, i, data.animal[row], data.place[row],
                                                   len(words))] for i, w in enumerate(words)]
        assert roles.count("animal") == roles.count("place") == roles.count("adjective") == 1
        assert roles[words.index("it")] == "it"
    weights = np.full((100, 12), 1 / 12)
    assert attention.role_weights(weights, data).sum() == pytest.approx(
        np.mean([len(w) for w in data.words]) / 12)


def test_the_resolver_names_a_word_of_the_vocabulary_and_refuses_long_input():
    model = _model()
    ids, it = attention.encode(attention.ARTICLE.format("tired"))
    logits = model(ids, gn.tensor([it]))
    assert logits.shape == (1, len(coreference.vocabulary()))
    assert model.pointer_weights.shape == (1, 11) and model.encoder.weights.shape == (1, 4, 11, 11)
    with pytest.raises(ValueError, match="longer than the context of 12"):
        model(gn.zeros(1, 13, dtype=gn.int64) + 1, gn.tensor([0]))
    with pytest.raises(ValueError, match="multiple of heads"):
        ResolverConfig(d_model=30, heads=4)


@pytest.mark.parametrize("knob, text", [("steps", "0"), ("heads", "5"), ("lr", "-1")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + ("d-model" if knob == "heads" else knob)):
        base.run_lesson(attention, quick=True, out=tmp_path, overrides={knob: text})
