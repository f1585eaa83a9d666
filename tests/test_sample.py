"""`glassnet sample` and the zoo checkpoint it reads (glassnet.models.checkpoint), on two toy
models registered for the test: one that writes text, one that draws images."""

from dataclasses import dataclass

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, models, nn


@dataclass
class ToyTextConfig:
    vocab_size: int = 4


class ToyText(nn.Module):
    """Always continues with the character after the last one (a counter over the alphabet)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.bias = nn.Parameter(gn.zeros(config.vocab_size))

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        ids = idx.numpy()[0].tolist()
        for _ in range(max_new_tokens):
            ids.append((ids[-1] + 1) % self.config.vocab_size)
        return gn.tensor([ids])


@dataclass
class ToyImageConfig:
    size: int = 8


class ToyImage(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.level = nn.Parameter(gn.full((1,), 0.5))

    def sample(self, n):
        return gn.rand(n, 1, self.config.size, self.config.size) * self.level


@pytest.fixture
def toys(monkeypatch):
    monkeypatch.setitem(models.MODELS, "toy-text", (ToyTextConfig, ToyText))
    monkeypatch.setitem(models.MODELS, "toy-image", (ToyImageConfig, ToyImage))


def _main(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_text_model_continues_the_prompt(toys, tmp_path, capsys):
    path = tmp_path / "text.npz"
    models.save_model(path, "toy-text", ToyText(ToyTextConfig()), chars="abcd")
    code, out, err = _main(capsys, "sample", "toy-text", "--checkpoint", str(path),
                           "--prompt", "ab", "--length", "5")
    assert code == 0, err
    assert out.strip() == "abcdabc"


def test_an_image_model_writes_a_grid(toys, tmp_path, capsys):
    path = tmp_path / "image.npz"
    model = ToyImage(ToyImageConfig(size=6))
    with gn.no_grad():
        model.level.fill_(0.25)
    models.save_model(path, "toy-image", model)
    loaded, extra = models.load_model(path, expected="toy-image")
    assert loaded.config.size == 6 and extra == {}
    np.testing.assert_array_equal(loaded.level.detach().numpy(), [0.25])
    code, out, err = _main(capsys, "sample", "toy-image", "--checkpoint", str(path), "--n", "10",
                           "--out", str(tmp_path / "grid"))
    assert code == 0, err
    assert (tmp_path / "grid" / "samples.png").stat().st_size > 1000
    assert "10 samples" in out


@pytest.mark.parametrize("make, words", [
    (lambda path: None, "no checkpoint at"),
    (lambda path: path.write_text("not a checkpoint"), "not a glassnet checkpoint"),
    (lambda path: gn.save({"w": gn.zeros(2)}, path), "not of a zoo model"),
    (lambda path: models.save_model(path, "toy-image", ToyImage(ToyImageConfig())),
     "holds a 'toy-image' model, not 'toy-text'"),
])
def test_a_bad_checkpoint_is_a_clear_error(toys, tmp_path, capsys, make, words):
    path = tmp_path / "model.npz"
    make(path)
    code, _, err = _main(capsys, "sample", "toy-text", "--checkpoint", str(path))
    assert code == 1 and words in err and "Traceback" not in err


def test_bad_arguments_exit_2(toys, tmp_path, capsys):
    path = tmp_path / "text.npz"
    models.save_model(path, "toy-text", ToyText(ToyTextConfig()), chars="abcd")
    for argv in (["sample", "no-such-model", "--checkpoint", str(path)],
                 ["sample", "toy-text", "--checkpoint", str(path), "--prompt", "xyz"],
                 ["sample", "toy-text", "--checkpoint", str(path), "--temperature", "0"]):
        with pytest.raises(SystemExit) as stop:
            cli.main(argv)
        assert stop.value.code == 2
    assert "never saw: 'xyz'" in capsys.readouterr().err


class ToyPoints(ToyImage):
    def sample(self, n):
        raise ValueError("ToyPoints.sample draws images; this model makes 2-D points")


def test_a_model_that_draws_no_image_is_a_clear_error(toys, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(models.MODELS, "toy-points", (ToyImageConfig, ToyPoints))
    path = tmp_path / "points.npz"
    models.save_model(path, "toy-points", ToyPoints(ToyImageConfig()))
    code, _, err = _main(capsys, "sample", "toy-points", "--checkpoint", str(path))
    assert code == 1 and "makes 2-D points" in err and "Traceback" not in err
    text_without_alphabet = tmp_path / "text.npz"
    models.save_model(text_without_alphabet, "toy-text", ToyText(ToyTextConfig()))
    code, _, err = _main(capsys, "sample", "toy-text", "--checkpoint", str(text_without_alphabet))
    assert code == 1 and "neither writes text" in err


def test_gpt_top_k_reaches_the_model(tmp_path, capsys):
    """`glassnet sample gpt` passes --top-k and --temperature to GPT.generate: with top-k 1
    every seed writes the same (greedy) text, the model's own argmax continuation."""
    gn.manual_seed(0)
    model = models.create("gpt", vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=8)
    path = tmp_path / "gpt.npz"
    models.save_model(path, "gpt", model, chars="abcde")
    texts = {top_k: {_main(capsys, "sample", "gpt", "--checkpoint", str(path), "--prompt", "ab",
                           "--length", "12", "--top-k", top_k, "--temperature", "2",
                           "--seed", seed)[1].strip() for seed in ("0", "1", "2")}
             for top_k in ("1", "5")}
    greedy = model.generate(gn.tensor([[0, 1]]), 12, top_k=1).numpy()[0]
    assert texts["1"] == {"".join("abcde"[i] for i in greedy)}
    assert len(texts["5"]) > 1 and all(len(t) == 14 for t in texts["5"])
