"""Lesson 9 (rnn): its quick run passes every claim check, writes metrics.json, its figures, its
samples and a char-rnn checkpoint that `glassnet sample` reads (and a missing or wrong one is a
clear error); the same seed repeats it; the baselines and the speaker-name positions on small
made-up texts; bad knobs and missing data are clear errors."""

import lesson_contract as contract
import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, models
from glassnet.data import DataUnavailable
from glassnet.lessons import base, rnn

FIGURES = ("validation_curves", "memory", "bidirectional")
quick_run = contract.quick_run_fixture(rnn)


def test_quick_run_passes_every_check(quick_run):
    result = quick_run[0]
    contract.assert_every_check_passed(result)
    contract.assert_claims_checked(result, ["RNN", "GRU", "LSTM", "bidirectional"])
    metrics = result.metrics
    assert metrics["unigram_nats"] > metrics["bigram_nats"] > 2.0
    sizes = [metrics[f"{kind}_parameters"] for kind in rnn.KINDS]
    assert max(sizes) / min(sizes) < 1.1  # about the same size
    assert abs(metrics["bidirectional_parameters"] / metrics["lstm_parameters"] - 1) < 0.05


def test_metrics_json_figures_and_samples(quick_run):
    result, folder, _ = quick_run
    contract.assert_metrics_json_and_figures(folder, "rnn", FIGURES)
    samples = [text for title, text in result.texts.items() if "temperature" in title]
    assert len(samples) == 6 and all(text.startswith(rnn.PROMPT) for text in samples)
    assert all(len(text) == len(rnn.PROMPT) + rnn.QUICK["sample_length"] for text in samples)


def test_same_seed_same_numbers(quick_run):
    assert not quick_run[0].timed
    contract.assert_same_seed_same_numbers(quick_run)


def test_glassnet_sample_reads_the_lessons_checkpoint(quick_run, capsys, tmp_path):
    checkpoint = quick_run[1] / "char-rnn.npz"
    code = cli.main(["sample", "char-rnn", "--checkpoint", str(checkpoint), "--prompt",
                     "ROMEO:", "--length", "60", "--temperature", "0.8"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("ROMEO:") and len(out.rstrip("\n")) == 66
    assert cli.main(["sample", "char-rnn", "--checkpoint", str(tmp_path / "none.npz")]) == 1
    assert "no checkpoint at" in capsys.readouterr().err
    other = tmp_path / "mlp.npz"
    models.save_model(other, "mlp", models.create("mlp"))
    assert cli.main(["sample", "char-rnn", "--checkpoint", str(other)]) == 1
    assert "holds a 'mlp' model, not 'char-rnn'" in capsys.readouterr().err
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a checkpoint")
    assert cli.main(["sample", "char-rnn", "--checkpoint", str(garbage)]) == 1
    assert "glassnet sample:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_code:
        cli.main(["sample", "char-rnn", "--checkpoint", str(checkpoint), "--prompt", "\u00e9"])
    assert exit_code.value.code == 2 and "never saw" in capsys.readouterr().err


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="glassnet data fetch shakespeare"):
        base.run_lesson(rnn, quick=True, out=tmp_path / "out")


@pytest.mark.parametrize("knob, text", [("steps", "0"), ("hidden-sizes", "128,64"),
                                        ("lr", "0"), ("temperatures", "0"),
                                        ("bi-hidden", "x")])
def test_bad_knobs_are_errors_naming_the_knob(knob, text, tmp_path):
    with pytest.raises(ValueError, match="--" + knob):
        base.run_lesson(rnn, quick=True, out=tmp_path, overrides={knob: text})


TEXT = "A:\nab\nba\n\nBOB:\nabab\n\nA:\nba\n"


def _ids(text, chars="\n:ABOab"):
    return np.array([chars.index(ch) for ch in text])


def test_baselines_count_characters_and_pairs():
    train = _ids("abab" * 10 + "aa")
    windows = _ids("abab")[None]  # targets b, a, b after a, b, a
    unigram, bigram, counts = rnn.baselines(train, windows, 7)
    p_a, p_b = (22 + 1) / (42 + 7), (20 + 1) / (42 + 7)
    assert unigram == pytest.approx(-(2 * np.log(p_b) + np.log(p_a)) / 3)
    after_a, after_b = counts[_ids("a")[0]], counts[_ids("b")[0]]  # add-one smoothed counts
    assert after_a[_ids("b")[0]] == 20 + 1 and after_b[_ids("a")[0]] == 20 + 1
    assert after_a.sum() == 21 + 1 + 7 - 1 and after_b.sum() == 20 + 7  # a->a once, in "aa"
    expected = -(2 * np.log(21 / 28) + np.log(21 / 27)) / 3
    assert bigram == pytest.approx(expected)


def test_speaker_names_are_found_where_a_line_follows_a_blank_line():
    ids = _ids(TEXT)
    ends = rnn.name_ends(ids, "\n:ABOab", context=1)
    assert [TEXT[p + 1] for p in ends] == [":", ":"] and [TEXT[p] for p in ends] == ["B", "A"]
    assert rnn.name_ends(ids, "\n:ABOab", context=0).tolist()[0] == 0  # the first "A:" too
    inside = rnn.name_lines(ids, "\n:ABOab")
    assert "".join(ch for ch, on in zip(TEXT, inside) if on) == "A:BOB:A:"


def test_a_model_that_never_says_colon_fails_the_memory_check():
    gn.manual_seed(0)
    model = models.create("char-rnn", vocab_size=7, embedding_dim=4, hidden_size=8)
    model.head.bias.data[:] = -50.0
    model.head.bias.data[_ids("a")[0]] = 50.0  # always predicts "a"
    ids = _ids(TEXT * 3)
    ends = rnn.name_ends(ids, "\n:ABOab", context=4)
    assert rnn.colon_accuracy(model, ids, ends, _ids(":")[0], context=4) == 0.0
    model.head.bias.data[_ids(":")[0]] = 100.0  # now always ":"
    assert rnn.colon_accuracy(model, ids, ends, _ids(":")[0], context=4) == 1.0
