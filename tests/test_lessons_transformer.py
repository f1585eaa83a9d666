"""Lesson 16 (transformer): its quick run passes every claim check, writes metrics.json and its
figures and repeats itself with the same seed; the claims fail for models that have not learned;
one teacher-forced pass measures exactly what greedy decoding gets right; the data layout."""

import datetime

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet.data import seq2seq
from glassnet.lessons import base, transformer

FIGURES = ("cross_attention", "accuracy_by_length", "step_time")
CLAIMS = ("exact match on held-out dates", "the Transformer holds", "the RNN falls",
          "Transformer minus RNN")

quick_run = contract.quick_run_fixture(transformer)


def _timed(lengths):
    names = [f"step time, length {n}: {model} (ms)" for n in lengths
             for model in ("transformer", "rnn")]
    return names + [f"step time, longest / shortest length: {model}"
                    for model in ("transformer", "rnn")]


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, CLAIMS)
    sequential = {name: [result.metrics[f"sequential steps, length {n}: {name}"]
                         for n in (8, 16, 32)] for name in ("transformer", "rnn")}
    assert sequential == {"transformer": [2, 2, 2], "rnn": [16, 32, 64]}
    assert "->" in next(iter(result.texts.values()))


def test_metrics_json_and_figures(quick_run):
    contract.assert_metrics_json_and_figures(quick_run[1], "transformer", FIGURES,
                                             timed=_timed(transformer.QUICK["timing_lengths"]))


def test_same_seed_same_numbers(quick_run):
    contract.assert_same_seed_same_numbers(quick_run)


def test_models_that_have_not_learned_fail_the_claims(tmp_path):
    result = base.run_lesson(transformer, quick=True, out=tmp_path,
                             overrides={"steps": "3", "string-steps": "3"})
    failed = {check.name.split(",")[0] for check in result.checks if not check.passed}
    assert "dates: exact match on held-out dates" in failed
    assert any("the Transformer holds" in name for name in failed)
    assert any("Transformer minus RNN" in name for name in failed)


def test_one_teacher_forced_pass_scores_exactly_what_greedy_decoding_writes():
    cfg = transformer.Config(seed=0)
    gn.manual_seed(0)
    model = transformer.transformer(cfg, len(transformer.LETTERS) + 2, 6)
    source, target = transformer.string_data(30 * cfg.batch_size, 6, rng=1)
    transformer.train(model, source, target, 30, cfg.batch_size, cfg.lr, "test")
    test_source, test_target = transformer.string_data(300, 6, rng=2)
    forced = transformer.correct(model, test_source, test_target)
    greedy = model.generate(gn.tensor(test_source), 6).numpy() == test_target[:, 1:]
    assert 0.05 < forced.all(1).mean() < 0.95  # partly learned: both kinds of row occur
    np.testing.assert_array_equal(forced.all(1), greedy.all(1))


def test_dates_fit_the_padding_and_right_alignment_puts_the_year_last():
    longest = max(len(write(day)) for write in seq2seq.FORMATS.values()
                  for day in seq2seq.random_dates(3000, rng=0) +
                  [datetime.date(1981, 9, 30)])  # a Wednesday in September
    assert longest == transformer.LONGEST_DATE
    cfg = transformer.Config()
    source, target = transformer.date_data(cfg, 50, "train", rng=1)
    alphabet = seq2seq.date_alphabet()
    for row, answer in zip(source, target):
        text = transformer.decode(row, alphabet)
        year = transformer.decode(answer[1:5], alphabet)
        assert text.endswith((year, year[2:]))  # the year ends every format
        assert row[-1] != transformer.PAD and "?" not in text.lstrip("?")  # PADs on the left
    with pytest.raises(ValueError, match="longer than 4"):
        transformer.encode([("abcde", "a")], "abcde", 4)


def test_the_cross_attention_figure_shows_held_out_dates():
    assert all(seq2seq.is_held_out(day) for day, _ in transformer.EXAMPLES)
    assert all(name in seq2seq.FORMATS for _, name in transformer.EXAMPLES)


@pytest.mark.parametrize("knob, text", [("steps", "0"), ("heads", "3"), ("rnn-lr", "0"),
                                        ("lengths", "0,8"), ("date-padding", "middle")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + ("d-model" if knob == "heads" else knob)):
        base.run_lesson(transformer, quick=True, out=tmp_path, overrides={knob: text})
