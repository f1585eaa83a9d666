"""Lesson 14 (embeddings): its quick run passes every claim check, writes metrics.json, its
figures and its tables, and repeats itself with the same seed; the corpus, the analogy and
similarity measures on small made-up inputs; bad knobs and missing data are clear errors."""

import lesson_contract as contract
import numpy as np
import pytest

from glassnet.data import DataUnavailable
from glassnet.lessons import base, embeddings

FIGURES = ("gender_offsets", "onehot_vs_learned", "training_and_analogies")
quick_run = contract.quick_run_fixture(embeddings)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, ["family analogy accuracy", "WordSim-353"])
    thresholds = sorted(c.threshold for c in result.checks)
    assert thresholds == sorted([embeddings.FAMILY_FLOOR[True], embeddings.WORDSIM_FLOOR[True]])
    metrics = result.metrics
    assert metrics["epochs"] == embeddings.QUICK_EPOCHS and metrics["family_questions"] >= 150
    assert metrics["onehot_distance_min"] == metrics["onehot_distance_max"] == pytest.approx(
        2**0.5)
    assert metrics["learned_distance_max"] > metrics["learned_distance_min"]


def test_metrics_json_figures_and_tables(quick_run):
    result, folder, _ = quick_run
    contract.assert_metrics_json_and_figures(folder, "embeddings", FIGURES)
    neighbours = next(text for title, text in result.texts.items() if "neighbours" in title)
    assert neighbours.splitlines()[0].strip().startswith("king:")
    analogies = next(text for title, text in result.texts.items() if "Analogies" in title)
    assert analogies.startswith("king - man + woman = ")


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch shakespeare"):
        base.run_lesson(embeddings, quick=True, out=tmp_path / "out")


@pytest.mark.parametrize("knob, text", [("dim", "0"), ("sample", "0"), ("lr", "-1"),
                                        ("batch-size", "8"), ("epochs", "x")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(embeddings, quick=True, out=tmp_path, overrides={knob: text})


def test_build_corpus_counts_lowercases_and_keeps_sentences():
    texts = ["The King and the Queen.", "the king's man, THE end", "Margaret and Margaret"]
    corpus = embeddings.build_corpus(texts, min_count=2)
    assert corpus.words == ["the", "and", "margaret"]  # by count, ties alphabetical
    assert list(corpus.counts) == [4, 2, 2]
    np.testing.assert_allclose(corpus.lowercase_share, [0.5, 1.0, 0.0])
    assert [corpus.words[i] for i in corpus.tokens] == ["the", "and", "the", "the", "the",
                                                        "margaret", "and", "margaret"]
    assert list(corpus.sentence_ids) == [0, 0, 0, 1, 1, 2, 2, 2]


def _toy_vectors():
    """Six words in 3-D where queen = king - man + woman exactly, plus distractors."""
    words = ["man", "woman", "king", "queen", "apple", "pear"]
    raw = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, 1.0], [0, 0.1, 1]])
    return words, raw / np.linalg.norm(raw, axis=1, keepdims=True)


def test_analogies_rank_the_right_word_first_and_skip_the_query():
    words, vectors = _toy_vectors()
    index = {w: i for i, w in enumerate(words)}
    ranking = embeddings.analogy_answers(vectors, [(0, 2, 1)])[0]  # king - man + woman
    assert words[ranking[0]] == "queen" and set(ranking[-3:]) == {0, 1, 2}
    candidates = np.array([True, True, True, False, True, True])  # queen is not a candidate
    assert words[embeddings.analogy_answers(vectors, [(0, 2, 1)], candidates)[0, 0]] != "queen"
    accuracy, count = embeddings.analogy_accuracy(
        vectors, index, [("Man", "King", "Woman", "Queen"), ("man", "king", "woman", "pear"),
                         ("man", "king", "woman", "unknown")])
    assert (accuracy, count) == (0.5, 2)  # the question with an unknown word is not asked


def test_spearman_ranks_share_ties_and_wordsim_reads_known_pairs():
    np.testing.assert_allclose(embeddings.ranks(np.array([3.0, 1.0, 3.0, 2.0])), [3.5, 1, 3.5, 2])
    words, vectors = _toy_vectors()
    index = {w: i for i, w in enumerate(words)}
    pairs = [("king", "queen", 9.0), ("man", "woman", 8.0), ("apple", "man", 1.0),
             ("apple", "nothing", 5.0)]
    rho, count = embeddings.wordsim(vectors, index, pairs)
    assert count == 3 and rho == pytest.approx(1.0)
