"""Lesson 17 (bert-gpt): its quick run passes every claim check, writes metrics.json, its figures
and a GPT checkpoint that `glassnet sample gpt` turns into text, and repeats itself exactly with
the same seed; the data and training pieces it is built from; bad knobs are errors naming them;
without the cached data it stops with the fetch command."""

import math

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, models
from glassnet.data import DataUnavailable, WordTokenizer
from glassnet.lessons import base, bert_gpt
from glassnet.lessons import bert_gpt_train as steps
from glassnet.models.bert import CLS, PAD, SEP

FIGURES = ("gpt_pretraining", "gpt_finetune_wikipedia", "bert_finetuning", "masks")
quick_run = contract.quick_run_fixture(bert_gpt)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, ["GPT validation loss", "Wikipedia: fine-tuned GPT",
                                            "BERT masked-LM loss"])
    reference = bert_gpt.CALIBRATION[True]
    thresholds = {c.name.split(" (")[0]: c.threshold for c in result.checks}
    assert thresholds["GPT validation loss"] == pytest.approx(
        reference["gpt_val_loss"] + bert_gpt.GPT_TOLERANCE)
    assert result.metrics["gpt_parameters"] == 811_264  # 4 x 198,272 + (76 + 64) x 128 + 256
    assert result.metrics["wiki_val_loss_finetuned"] < result.metrics["wiki_val_loss_scratch"]


def test_metrics_json_figures_samples_and_checkpoint(quick_run):
    result, out, _ = quick_run
    contract.assert_metrics_json_and_figures(out, "bert-gpt", FIGURES)
    samples = [text for title, text in result.texts.items() if title.startswith("GPT sample")]
    assert len(samples) == 1 and samples[0].startswith("ROMEO:") and len(samples[0]) == 46
    assert "[MASK]" in result.texts["BERT fills in [MASK] (top 5 words)"]
    model, extra = models.load_model(out / "gpt.npz", expected="gpt")
    assert len(extra["chars"]) == model.config.vocab_size == 76


def test_glassnet_sample_gpt_prints_text_from_the_lesson_checkpoint(quick_run, capsys):
    checkpoint = quick_run[1] / "gpt.npz"
    code = cli.main(["sample", "gpt", "--checkpoint", str(checkpoint), "--prompt", "ROMEO:",
                     "--length", "300", "--temperature", "0.8", "--top-k", "20"])
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.startswith("ROMEO:") and len(printed.rstrip("\n")) == 306


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_the_gpt_check_fails_for_an_untrained_model():
    gn.manual_seed(0)
    model = models.create("gpt", vocab_size=76)
    ids = np.random.default_rng(0).integers(0, 76, 5000)
    loss = steps.lm_loss(model, *steps.eval_windows(ids, 8, 64))
    assert loss == pytest.approx(math.log(76), abs=0.05)  # it guesses: far above the threshold
    assert loss > bert_gpt.CALIBRATION[True]["gpt_val_loss"] + bert_gpt.GPT_TOLERANCE


def test_char_ids_drop_what_the_alphabet_lacks():
    assert steps.char_ids("ab(c)\u00e9 a\u2014", "abc \u2014").tolist() == [0, 1, 2, 3, 0, 4]


def test_windows_and_schedule():
    ids = np.arange(100)
    x, y = steps.random_windows(ids, 5, 8, np.random.default_rng(0))
    assert x.shape == (5, 8) and np.all(y == x + 1) and np.all(np.diff(x, axis=1) == 1)
    first, second = steps.eval_windows(ids, 4, 8), steps.eval_windows(ids, 4, 8)
    assert np.array_equal(first[0], second[0]) and first[0][0, 0] == 0
    factors = [steps.warmup_cosine(s, 200, 10, 0.1) for s in range(201)]
    assert factors[0] == pytest.approx(1 / 11) and factors[10] == pytest.approx(1.0)
    assert factors[-1] == pytest.approx(0.1) and np.all(np.diff(factors[10:]) <= 1e-12)


def test_corrupted_lines_replace_two_words_in_every_other_line():
    lines = ["the quick brown fox jumps over the lazy dog", "a b", "one two three four five six",
             "we few , we happy few , we band of brothers"] * 5
    words = WordTokenizer(" ".join(lines))
    ids, labels = steps.corrupted_lines(lines, words, 16, 12, np.random.default_rng(0))
    assert labels.tolist() == [0, 1] * 6
    assert np.all(ids[:, 0] == CLS) and np.all((ids == SEP).sum(axis=1) == 1)
    originals = {tuple(steps.word_ids(words, words.tokenize(line))) for line in lines}
    for row, label in zip(ids, labels):
        text = tuple(row[1 : np.flatnonzero(row == SEP)[0]])
        assert (text in originals) == (label == 0)
        assert np.all(row[np.flatnonzero(row == SEP)[0] + 1 :] == PAD)


@pytest.mark.parametrize("knob, text", [("gpt-steps", "0"), ("labels", "501"), ("lr", "2"),
                                        ("temperature", "0"), ("bert-words", "3"),
                                        ("top-k", "0")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(bert_gpt, quick=True, out=tmp_path, overrides={knob: text})


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch shakespeare"):
        base.run_lesson(bert_gpt, quick=True, out=tmp_path / "out")
