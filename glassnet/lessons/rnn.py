"""Lesson 9, rnn: a network that reads text one character at a time and remembers.

The article's picture: the network sees a character, predicts the next one, and keeps a memory
that it updates with every character it reads, with the same weights at every step; LSTM, GRU
and bidirectional RNNs are variants of the idea. Here it reads Shakespeare (38 plays, the cached
`shakespeare` text: the first 90% of each play to train on, the last 10% to validate).

Three character-level language models (glassnet.models.char_rnn: embedding 32, one recurrent
layer, linear head over the 77 characters) of about the same size, 95,000 parameters: a plain
RNN (Elman 1990) with 256 hidden units, a GRU (Cho et al. 2014) with 144, an LSTM (Hochreiter &
Schmidhuber 1997) with 128. Each gets the same budget: 600 Adam steps (Kingma & Ba 2015; lr
0.01 on a cosine schedule, gradients clipped to norm 1) on 32 random windows of 32 characters.
They are scored in nats per character (and bits: nats / ln 2) on 48 fixed windows of 256
validation characters, against two baselines the lesson counts itself: the unigram model (each
character's frequency, the entropy of the text) and the bigram model (the next character's
frequency given this one, add-one smoothed).

Memory made visible: the hidden unit of the LSTM that best tracks "this line is a speaker's
name" is drawn over a passage across a speech boundary, and the LSTM must predict the ':' that
ends a speaker's name, which takes remembering that the line began after a blank line (the
bigram, which sees one character, mostly cannot). Samples at two temperatures are shown as text.

Bidirectional (Schuster & Paliwal 1997): hide one character and predict it from both sides. A
one-way LSTM (the one above) has only the past; a bidirectional LSTM of the same size (84 units
each way, 94,600 parameters) has both, trained 300 steps on windows of 34 characters.

Calibration: the same recipe in PyTorch 2.13 (benchmarks/calibrate_rnn.py: the lesson's data,
batches and scoring; 2026-12-05, torch 2.13.0+cpu, numpy 2.4.6), seeds 0-4. Baselines on the 48
windows: unigram 3.301 nats (4.76 bits), bigram 2.469 nats (3.56 bits).

                                          RNN           GRU           LSTM
    full: below the bigram (nats)         0.623-0.696   0.700-0.722   0.638-0.670
    full: ':' predicted after a name      0.750-0.867   0.762-0.871   0.734-0.848
    quick: below the unigram (nats)       0.708-0.775   0.761-0.812   0.644-0.700
    hidden character, bidirectional minus one-way accuracy: full 0.175-0.181, quick 0.105-0.148

At this budget the three are close, the GRU a little ahead: the LSTM's gates pay off on longer
dependencies and longer training than a lesson of a minute affords (a long-memory task where
the plain RNN fails is lesson 7's).

Checks (full mode): LSTM and GRU at least 0.5 nats below the bigram, the RNN below it; the LSTM
predicts the ':' ending a speaker's name at least 65% of the time; the bidirectional model at
least 10 points more accurate than the one-way model on the hidden character. Quick mode (40
steps, the bidirectional model 40 too): each model at least 0.5 nats below the unigram (the
bigram is not yet beaten: PyTorch is 0.02-0.19 nats above it there too), bidirectional at least
5 points ahead.
The trained LSTM is saved as char-rnn.npz: `glassnet sample char-rnn --checkpoint
runs/rnn/char-rnn.npz --prompt "ROMEO:" --length 300 --temperature 0.8`.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import models, nn, optim
from glassnet.data import shakespeare
from glassnet.lessons.base import LessonConfig, Result
from glassnet.lessons.rnn_figures import bidirectional_figure, curves_figure, memory_figure
from glassnet.lessons.steps import Steps
from glassnet.models.char_rnn import CharRNN, CharRNNConfig

NAME = "rnn"
TITLE = "RNN: a hidden state as memory, one character at a time"
IDEA = (
    "A recurrent network reads text one character at a time, updates a hidden state, its "
    "memory, with the same weights at every step, and predicts the next character from it. "
    "Trained on Shakespeare, RNN, GRU and LSTM all beat counting which character follows "
    "which, and a bidirectional network, reading from both ends, fills in a hidden character "
    "far better than one that sees only the past."
)

KINDS = ("rnn", "gru", "lstm")
QUICK = {"steps": 40, "bi_steps": 40, "sample_length": 80}
EVAL_WINDOWS, EVAL_LENGTH, EVAL_SEED = 48, 256, 9  # fixed: the same characters for every seed
CURVE_WINDOWS, CURVE_POINTS = 16, 6  # the validation curve reads the first 16 windows
NAME_ENDS = 256  # the first 256 speaker names of the validation text
PROMPT = "ROMEO:\n"
# thresholds (see the calibration in the docstring); quick mode, 40 steps, compares with the
# unigram: none of the three has passed the bigram yet
GAPS = {False: ("bigram", {"lstm": 0.5, "gru": 0.5, "rnn": 0.0}),
        True: ("unigram", {"lstm": 0.5, "gru": 0.5, "rnn": 0.5})}
COLON_FLOOR = 0.65  # full mode only: after 40 steps no model has learned the names yet
BI_MARGIN = {False: 0.10, True: 0.05}


@dataclass
class Config(LessonConfig):
    steps: int = 600
    batch_size: int = 32
    seq_len: int = 32
    lr: float = 0.01
    embedding_dim: int = 32
    hidden_sizes: tuple = (256, 144, 128)  # rnn, gru, lstm: about 95,000 parameters each
    bi_steps: int = 300
    bi_hidden: int = 84  # per direction: as many parameters as the one-way LSTM
    temperatures: tuple = (0.5, 1.0)
    sample_length: int = 200

    def validate(self):
        problems = [f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}"
                    for name in ("steps", "batch_size", "seq_len", "embedding_dim", "bi_steps",
                                 "bi_hidden", "sample_length") if getattr(self, name) < 1]
        if len(self.hidden_sizes) != 3 or min(self.hidden_sizes) < 1:
            problems.append(f"--hidden-sizes must be three positive sizes (rnn, gru, lstm) "
                            f"like 256,144,128, got {self.hidden_sizes}")
        if self.lr <= 0:
            problems.append(f"--lr must be > 0, got {self.lr}")
        if not self.temperatures or min(self.temperatures) <= 0:
            problems.append(f"--temperatures must be positive, got {self.temperatures}")
        if problems:
            raise ValueError("rnn: " + "; ".join(problems))


class Text(NamedTuple):
    chars: str  # the alphabet, sorted; a character's id is its position
    train: np.ndarray  # (n,) int64 ids
    val: np.ndarray


def load_text(download=False):
    """The plays as ids over their alphabet (NumPy lookups: 4.8 million characters at once)."""
    parts = [shakespeare(split, download=download) for split in ("train", "val")]
    codes = [np.frombuffer(part.encode("utf-32-le"), dtype=np.uint32) for part in parts]
    alphabet = np.unique(np.concatenate(codes))
    train, val = (np.searchsorted(alphabet, code).astype(np.int64) for code in codes)
    return Text("".join(map(chr, alphabet)), train, val)


def eval_windows(val, count=EVAL_WINDOWS, length=EVAL_LENGTH):
    """(count, length + 1) fixed validation windows: inputs [:, :-1], targets [:, 1:]."""
    starts = np.random.default_rng(EVAL_SEED).integers(0, len(val) - length - 1, count)
    return val[starts[:, None] + np.arange(length + 1)]


def baselines(train, windows, vocab):
    """(unigram, bigram) cross-entropy in nats on the windows' targets, from train counts
    (add-one smoothed)."""
    unigram = np.bincount(train, minlength=vocab) + 1.0
    bigram = np.bincount(train[:-1] * vocab + train[1:], minlength=vocab * vocab) + 1.0
    bigram = bigram.reshape(vocab, vocab)
    inputs, targets = windows[:, :-1].ravel(), windows[:, 1:].ravel()
    unigram_loss = -np.log(unigram[targets] / unigram.sum()).mean()
    bigram_loss = -np.log(bigram[inputs, targets] / bigram[inputs].sum(1)).mean()
    return float(unigram_loss), float(bigram_loss), bigram


def random_windows(ids, batch_size, length, rng):
    """(batch_size, length) windows of consecutive ids at random places."""
    starts = rng.integers(0, len(ids) - length, batch_size)
    return ids[starts[:, None] + np.arange(length)]


def train_model(cfg, text, config, steps, label, windows=None):
    """A CharRNN trained by Adam (cosine lr, clipped gradients) on random train windows; the
    one-way kind to predict each next character, the bidirectional one to fill in the middle
    ones. Returns the model and [(step, validation loss)] at CURVE_POINTS steps (when windows)."""
    every = max(steps // CURVE_POINTS, 1)
    model = CharRNN(config)
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    rng, curve = gn.random.generator(), []
    extra = 2 if config.bidirectional else 1
    with Steps(label, steps) as progress:
        for step in range(1, steps + 1):
            batch = random_windows(text.train, cfg.batch_size, cfg.seq_len + extra, rng)
            loss = sequence_loss(model, batch)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            progress.done(loss.item())
            if windows is not None and (step % every == 0 or step == steps):
                curve.append((step, evaluate(model, windows)[0]))
    model.eval()
    return model, curve


def sequence_loss(model, batch):
    """Mean cross-entropy: of each next character (one-way), or of each character hidden from
    the model (bidirectional: x[:, 1:-1] from both sides)."""
    vocab = model.config.vocab_size
    if model.config.bidirectional:
        logits = model.fill_in_logits(gn.tensor(batch))  # (B, T-2, V)
        targets = batch[:, 1:-1]
    else:
        logits, _ = model(gn.tensor(batch[:, :-1]))  # (B, T, V)
        targets = batch[:, 1:]
    return F.cross_entropy(logits.reshape(-1, vocab), gn.tensor(targets.reshape(-1)))


def evaluate(model, windows):
    """(validation loss in nats, next-character accuracy) on the fixed windows."""
    was_training = model.training
    model.eval()
    with gn.no_grad():
        logits, _ = model(gn.tensor(windows[:, :-1]))
    model.train(was_training)
    return _scores(logits.data, windows[:, 1:])


def fill_in_accuracy(model, windows):
    """The share of hidden characters windows[:, 1:-1] predicted right (argmax)."""
    with gn.no_grad():
        logits = model.fill_in_logits(gn.tensor(windows))
    return _scores(logits.data, windows[:, 1:-1])[1]


def _scores(logits, targets):
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], -1)
    return float(-picked.mean()), float((logits.argmax(-1) == targets).mean())


# ---- memory made visible ----
def name_ends(val, chars, context=64):
    """Positions p in val whose next character is the ':' ending a speaker's name (a line
    after a blank line, "NAME:"), with at least `context` characters before them."""
    text = "".join(np.array(list(chars))[val])
    ends = [match.end(1) - 1 for match in re.finditer(r"(?:^|\n\n)([^\n:]+):\n", text)]
    return np.array([p for p in ends if p >= context])


def colon_accuracy(model, val, ends, colon, context=64):
    """The share of name ends where the model's likeliest next character is ':'."""
    windows = val[ends[:, None] + np.arange(-context + 1, 1)]  # (n, context), ending at p
    with gn.no_grad():
        logits, _ = model(gn.tensor(windows))
    return float((logits.data[:, -1].argmax(-1) == colon).mean())


def name_lines(ids, chars):
    """(n,) 1.0 where the character is on a speaker's-name line ("NAME:" after a blank line)."""
    text = "".join(np.array(list(chars))[ids])
    inside = np.zeros(len(ids))
    for match in re.finditer(r"(?:^|\n\n)([^\n:]+:)\n", text):
        inside[match.start(1) : match.end(1)] = 1.0
    return inside


def name_unit(model, windows, chars):
    """The LSTM hidden unit whose activation correlates best with being on a name line."""
    with gn.no_grad():
        hidden, _ = model.states(gn.tensor(windows))  # (W, L, H)
    states = hidden.data.reshape(-1, hidden.shape[-1])
    inside = np.concatenate([name_lines(row, chars) for row in windows])
    states = states - states.mean(0)
    scores = (states * (inside - inside.mean())[:, None]).sum(0) / (
        np.linalg.norm(states, axis=0) * np.linalg.norm(inside - inside.mean()) + 1e-12)
    unit = int(np.argmax(np.abs(scores)))
    return unit, float(scores[unit])


def run(cfg):
    result = Result(NAME, cfg)
    quick = bool(cfg.quick)
    steps = min(cfg.steps, QUICK["steps"]) if quick else cfg.steps
    text = load_text()
    vocab = len(text.chars)
    windows = eval_windows(text.val)
    unigram, bigram, bigram_counts = baselines(text.train, windows, vocab)
    result.metric("unigram_nats", unigram)
    result.metric("bigram_nats", bigram)
    trained, curves = {}, {}
    for kind, hidden in zip(KINDS, cfg.hidden_sizes):
        config = CharRNNConfig(vocab, cfg.embedding_dim, hidden, kind)
        trained[kind], curves[kind] = train_model(cfg, text, config, steps, kind,
                                                  windows[:CURVE_WINDOWS])
        loss, accuracy = evaluate(trained[kind], windows)
        result.metric(f"{kind}_parameters", sum(p.numel() for p in trained[kind].parameters()))
        result.metric(f"{kind}_val_nats", loss)
        result.metric(f"{kind}_val_bits", loss / math.log(2))
        result.metric(f"{kind}_val_accuracy", accuracy)
    models.save_model(Path(cfg.out) / "char-rnn.npz", "char-rnn", trained["lstm"],
                      chars=text.chars)
    against, floors = GAPS[quick]
    for kind in ("lstm", "gru", "rnn"):
        result.check(f"{kind.upper()} validation loss below the {against}'s (nats)",
                     {"bigram": bigram, "unigram": unigram}[against]
                     - result.metrics[f"{kind}_val_nats"], ">=", floors[kind])

    ends = name_ends(text.val, text.chars)[:NAME_ENDS]
    colon = text.chars.index(":")
    bigram_colon = float((bigram_counts[text.val[ends]].argmax(-1) == colon).mean())
    result.metric("name_ends", len(ends))
    result.metric("bigram_colon_accuracy", bigram_colon)
    for kind, model in trained.items():
        result.metric(f"{kind}_colon_accuracy", colon_accuracy(model, text.val, ends, colon))
    if not quick:
        result.check("LSTM predicts the ':' that ends a speaker's name",
                     result.metrics["lstm_colon_accuracy"], ">=", COLON_FLOOR)
    unit, correlation = name_unit(trained["lstm"], windows, text.chars)
    result.metric("name_unit", unit)
    result.metric("name_unit_correlation", correlation)

    bi_steps = min(cfg.bi_steps, QUICK["bi_steps"]) if quick else cfg.bi_steps
    bi_config = CharRNNConfig(vocab, cfg.embedding_dim, cfg.bi_hidden, "lstm", True)
    bidirectional, _ = train_model(cfg, text, bi_config, bi_steps, "bidirectional lstm")
    one_way, both_ways = (fill_in_accuracy(m, windows) for m in (trained["lstm"], bidirectional))
    result.metric("bidirectional_parameters", sum(p.numel() for p in bidirectional.parameters()))
    result.metric("one_way_fill_in_accuracy", one_way)
    result.metric("bidirectional_fill_in_accuracy", both_ways)
    result.check("bidirectional minus one-way accuracy on a hidden character",
                 both_ways - one_way, ">=", BI_MARGIN[quick])

    length = min(cfg.sample_length, QUICK["sample_length"]) if quick else cfg.sample_length
    prompt = np.array([[text.chars.index(ch) for ch in PROMPT]])
    for kind, model in trained.items():
        for temperature in cfg.temperatures:
            sample = model.generate(prompt, length, temperature=temperature).data[0]
            result.text(f"{kind.upper()}, temperature {temperature}",
                        "".join(text.chars[i] for i in sample))

    result.figure(curves_figure(curves, unigram, bigram, steps), "validation_curves")
    passage = _passage(text.val, text.chars)
    result.figure(memory_figure(trained["lstm"], bigram_counts, passage, text.chars, unit,
                                correlation), "memory")
    newline = text.chars.index("\n")
    line = int(np.flatnonzero(text.val[100_000:] == newline)[0]) + 100_001  # a line's start
    result.figure(bidirectional_figure(trained["lstm"], bidirectional, one_way, both_ways,
                                       text.val[line - 1 : line + 65], text.chars),
                  "bidirectional")
    return result


def _passage(val, chars, before=100, after=40):
    """A stretch of validation text around the first speech boundary past 2,000 characters:
    the end of one speech, the blank line, the next speaker's name, the start of the speech."""
    ends = name_ends(val, chars)
    end = int(ends[ends > 2000][0])
    return val[end - before : end + after]

