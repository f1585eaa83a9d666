"""Lesson 16, transformer: an encoder-decoder that reads the whole input at once.

The Transformer (Vaswani et al. 2017, "Attention Is All You Need") writes its output one
character at a time, and for each one its decoder attends over every position of the encoded
input (cross-attention). The RNN encoder-decoder it replaced (Sutskever, Vinyals & Le 2014; Cho
et al. 2014) reads the input one character after another and hands the decoder only its final
hidden state, one fixed-size vector whatever the length. Models: `glassnet.models.transformer`
(1 encoder and 1 decoder layer, width 64, 4 heads, feed-forward 128, pre-LN, sinusoidal
positions, 85,516-91,579 parameters) and `glassnet.models.seq2seq_rnn` (LSTM encoder and decoder,
128 units, 167,820 parameters). Both train with Adam (betas 0.9, 0.98), a linear warm-up over the
first fifth of the steps then a cosine decay, on batches of 32 fresh examples.

1. Dates. `glassnet.data.seq2seq` writes days from 1950-2049 in eight formats ("Friday, 4 May
   1979", "4/5/79", "May 4th, 1979", "the 4th of May 1979", ...) to be turned into ISO 8601,
   1979-05-04. A fifth of the days are held out: the 1,000 test dates (125 per format) were
   never seen in training in any format. The Transformer trains 600 steps at a peak learning
   rate of 8e-3 and writes each test date by greedy decoding (its own output fed back); a date
   counts only if all ten characters are right. Sources are padded on the left (right-aligned):
   every format ends with the year, so the year always sits at the same absolute positions.
   Padded on the right (--date-padding right) this recipe gave 0.969 and 0.967 for seeds 0 and
   1 (left: 0.973, 0.987); at lr 5e-3 the gap was wider (seed 1: 0.876 right, 0.997 left).
   Check: exact match >= 0.95. A figure shows the cross-attention while the model
   writes three held-out dates: the digits of the year, month and day look at their source.
2. Length. Reversing strings of 8, 16 and 32 letters (from 10). Reversal, not sorting: a sorted
   string needs only how many of each letter there were (ten counts, which a hidden state holds
   at any length), while a reversed one needs every character, so only reversal tests what the
   single vector can carry; and it is the RNN's easiest order (the first character it writes is
   the last it read, the reason Sutskever et al. reversed their source sentences). At each
   length both models train from scratch on the same 200 batches (the RNN at 1e-2 with its
   gradient norm clipped at 1; 5e-3, 1e-2 and 2e-2 gave it 0.55, 0.61 and 0.64 exact match at
   length 8 in a trial) and are scored on 500 held-out
   strings: exact match of the whole string, the headline, and per-character accuracy given
   the right characters before, which shows how much of the string survives. Both come from
   one teacher-forced pass: a string is all right there exactly when greedy decoding writes it
   whole (a test checks the equality). Checks: the Transformer's exact match at 32 >= 0.9; the
   RNN's per-character accuracy falls by >= 0.3 from 8 to 32; at 32 the Transformer's exact
   match is >= 30 points above the RNN's. That is at this budget, the same for both: the RNN
   learns length 8 only partly in 200 steps, and its per-position accuracy shows the shape of
   the loss (the characters read last and first survive, those in the middle fall to chance).
3. Parallelism. The time of one training step (forward, backward, Adam; batch 32; wall clock,
   the fastest of 3 after a warm-up) at lengths 8 to 128, beside the number of steps that must
   wait for the one before: 2L for the RNN (L encoder steps, then L decoder steps), 2 for the
   Transformer (its layers), whatever the length. On this CPU both times grow with the length:
   one core computes the Transformer's L positions one block after another anyway, and its
   attention grows as L^2 (at 128 it is the slower one). What the Transformer changes is the
   shape of the work: a few large operations instead of 2L small ones in a chain, which is
   what parallel hardware turns into speed. These times are metrics, not checks.

Calibration (2026-12-05, torch 2.13.0 CPU, one thread; the same models, data, seeds and recipe
written with torch.nn.TransformerEncoder/DecoderLayer and nn.LSTM; /tmp script, not kept): dates
exact match 0.989, 0.983, 0.976, 0.988, 0.992 for seeds 0-4 (9.4-10.9 s CPU each); reversal,
seeds 0-2: Transformer exact match 0.998-1.000 at 8, 16 and 32; RNN exact match 0.59-0.62 at 8,
0.002-0.004 at 16, 0.000 at 32, per character 0.94, 0.74-0.75, 0.48-0.50 (greedy and
teacher-forced exact match equal in every case). glassnet, full mode, seeds 0-4: dates 0.973,
0.987, 0.988, 0.987, 0.984 (the weakest format "weekday, day month year", 0.92-0.94);
Transformer exact match 0.998-1.000 at every length; RNN exact match 0.60-0.69 at 8, 0.000-0.008
at 16, 0.000 at 32, per character 0.94-0.96, 0.73-0.76, 0.47-0.49: the fall 0.47-0.49, the gap
at 32 0.998-1.000. Quick mode (dates 250 steps on 496 test dates; strings of 4 and 8, 80 steps):
dates 0.877-0.946 (check >= 0.80), the Transformer's exact match at 8 0.958-0.972, the RNN's
per-character fall from 4 to 8 0.195-0.238 (check >= 0.15), the gap at 8 0.856-0.916. CPU time
of run() with one BLAS thread, on the shared 2-core machine under load: full 27-30 s, quick
7.2-7.6 s. In the first torch prototype (2 + 1 layers, 800 steps of 64, right-padded),
multiplying the embeddings (initialised N(0, 1)) by sqrt(64) as the paper does drowned the
positions: 0.35 exact match on dates against 0.999 without it.
"""

import datetime
import math
import time
from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import optim
from glassnet.data import seq2seq
from glassnet.lessons import transformer_figures as figures
from glassnet.lessons.base import LessonConfig, Result
from glassnet.models.seq2seq_rnn import Seq2SeqRNN, Seq2SeqRNNConfig
from glassnet.models.transformer import Transformer, TransformerConfig
from glassnet.train import ProgressBar, TrainState

NAME = "transformer"
TITLE = "The Transformer: dates, long strings, and every position at once"
IDEA = (
    "A Transformer reads the whole input at once: while it writes each output character, "
    "attention lets it look back at whichever input characters it needs, so no single memory "
    "has to hold everything. Trained on dates written eight different ways, it writes them as "
    "1979-05-03, also for days it never saw, and its attention shows which characters it read. "
    "An RNN that must squeeze the input into one hidden state forgets long strings that the "
    "Transformer reverses without trouble."
)

PAD, BOS = 0, 1  # the first two ids of every alphabet; characters start at 2
LETTERS = "abcdefghij"  # the string task's alphabet
LONGEST_DATE = 28  # "Wednesday, 30 September 1979": dates are padded to this length
DATE_LENGTH = 10  # 1979-05-03
TEST_DATES_PER_FORMAT = 125  # x 8 formats = 1,000 held-out dates
TEST_STRINGS = 500
# the cross-attention figure's dates: held-out days (seq2seq.is_held_out), three formats
EXAMPLES = ((datetime.date(1979, 5, 4), "weekday, day month year"),
            (datetime.date(2015, 12, 30), "wkd d mon yy"), (datetime.date(1951, 9, 3), "d/m/yy"))
QUICK = {"steps": 250, "string_steps": 80, "lengths": (4, 8), "timing_lengths": (8, 16, 32)}
THRESHOLDS = {False: {"dates": 0.95, "holds": 0.9, "falls": 0.3, "gap": 0.30},
              True: {"dates": 0.80, "holds": 0.9, "falls": 0.15, "gap": 0.30}}


@dataclass
class Config(LessonConfig):
    steps: int = 600  # training steps on dates
    string_steps: int = 200  # training steps of each model at each string length
    batch_size: int = 32
    lr: float = 8e-3  # the Transformer's peak learning rate (warm-up, then cosine decay)
    rnn_lr: float = 1e-2  # the RNN's
    d_model: int = 64
    heads: int = 4
    encoder_layers: int = 1
    decoder_layers: int = 1
    rnn_hidden: int = 128
    lengths: tuple = (8, 16, 32)  # string lengths; on the command line --lengths 8,16,32
    timing_lengths: tuple = (8, 16, 32, 64, 128)
    date_padding: str = "left"  # "left": dates right-aligned, the year always at the end

    def validate(self):
        positive = ("steps", "string_steps", "batch_size", "heads", "encoder_layers",
                    "decoder_layers", "rnn_hidden")
        problems = [f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}"
                    for name in positive if getattr(self, name) < 1]
        if self.d_model < 2 or self.d_model % (2 * max(self.heads, 1)):
            problems.append(f"--d-model must be a positive multiple of 2 x --heads, got "
                            f"{self.d_model} and {self.heads}")
        problems += [f"--{name.replace('_', '-')} must be > 0, got {getattr(self, name)}"
                     for name in ("lr", "rnn_lr") if getattr(self, name) <= 0]
        for name in ("lengths", "timing_lengths"):
            if not getattr(self, name) or min(getattr(self, name)) < 1:
                problems.append(f"--{name.replace('_', '-')} must list lengths >= 1, got "
                                f"{getattr(self, name)}")
        if self.date_padding not in ("left", "right"):
            problems.append(f"--date-padding must be 'left' or 'right', got {self.date_padding!r}")
        if problems:
            raise ValueError("transformer: " + "; ".join(problems))


def settings(cfg):
    """The knobs quick mode reduces, reduced (quick mode's string lengths are its own)."""
    if not cfg.quick:
        return {"steps": cfg.steps, "string_steps": cfg.string_steps,
                "lengths": tuple(sorted(set(cfg.lengths))),
                "timing_lengths": tuple(sorted(set(cfg.timing_lengths))),
                "test_dates": TEST_DATES_PER_FORMAT}
    return {"steps": min(cfg.steps, QUICK["steps"]),
            "string_steps": min(cfg.string_steps, QUICK["string_steps"]),
            "lengths": QUICK["lengths"], "timing_lengths": QUICK["timing_lengths"],
            "test_dates": TEST_DATES_PER_FORMAT // 2}


# ---- data ----
def encode(pairs, alphabet, source_length, padding="right"):
    """[(source, target)] -> source ids (N, S), padded with PAD on the given side, and target ids
    (N, 1 + T) that start with BOS: [:, :-1] is the decoder's input, [:, 1:] what it predicts."""
    index = {char: i + 2 for i, char in enumerate(alphabet)}
    source = np.full((len(pairs), source_length), PAD, dtype=np.int64)
    target = np.full((len(pairs), 1 + max(len(t) for _, t in pairs)), BOS, dtype=np.int64)
    for row, (text, answer) in enumerate(pairs):
        ids = [index[char] for char in text]
        if len(ids) > source_length:
            raise ValueError(f"encode: {text!r} is longer than {source_length} characters")
        if padding == "left":
            source[row, source_length - len(ids):] = ids
        else:
            source[row, :len(ids)] = ids
        target[row, 1:] = [index[char] for char in answer]
    return source, target


def decode(ids, alphabet):
    return "".join(alphabet[i - 2] if i >= 2 else "?" for i in ids)


def date_data(cfg, count, split, rng, formats=None):
    pairs = seq2seq.date_pairs(count, rng=rng, split=split, formats=formats)
    return encode(pairs, seq2seq.date_alphabet(), LONGEST_DATE, cfg.date_padding)


def string_data(count, length, rng):
    return encode(seq2seq.string_task(count, length, "reverse", LETTERS, rng=rng), LETTERS,
                  length)


# ---- models and training ----
def transformer(cfg, vocab_size, max_len):
    return Transformer(TransformerConfig(vocab_size=vocab_size, d_model=cfg.d_model,
                                         heads=cfg.heads, encoder_layers=cfg.encoder_layers,
                                         decoder_layers=cfg.decoder_layers, d_ff=2 * cfg.d_model,
                                         max_len=max_len))


def rnn(cfg, vocab_size):
    return Seq2SeqRNN(Seq2SeqRNNConfig(vocab_size=vocab_size, embedding_dim=cfg.d_model // 2,
                                       hidden_size=cfg.rnn_hidden))


def warmup_cosine(steps):
    """Learning-rate factor: linear warm-up over the first fifth, then a cosine down to 0."""
    warmup = max(steps // 5, 1)
    return lambda step: (step + 1) / warmup if step < warmup else 0.5 * (
        1 + math.cos(math.pi * (step - warmup) / max(steps - warmup, 1)))


def loss_of(model, source, target):
    logits = model(source, target[:, :-1])  # (B, T, vocab)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target[:, 1:].reshape(-1))


def train(model, source, target, steps, batch_size, lr, label, clip=None):
    """Adam (betas 0.9, 0.98 as Vaswani et al.) on `steps` batches of fresh examples, in order;
    returns the loss of every step."""
    optimizer = optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    scheduler = optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(steps))
    state = TrainState(model, optimizer, scheduler, total_steps=steps)
    bar, losses = ProgressBar(label), []
    bar.on_fit_start(state)
    model.train()
    for step in range(steps):
        rows = slice(step * batch_size, (step + 1) * batch_size)
        loss = loss_of(model, gn.tensor(source[rows]), gn.tensor(target[rows]))
        optimizer.zero_grad()
        loss.backward()
        if clip:
            gn.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        scheduler.step()
        state.step, state.loss = step + 1, loss.item()
        losses.append(state.loss)
        bar.on_step_end(state)
    bar.on_fit_end(state)
    return losses


def correct(model, source, target):
    """(N, T) bool: is each output character the most likely one, given the source and the right
    characters before it (one teacher-forced pass). A row is all True exactly when greedy
    decoding writes the whole target: by induction, greedy then feeds the model the same
    characters."""
    model.eval()
    with gn.no_grad():
        logits = model(gn.tensor(source), gn.tensor(target[:, :-1]))  # (N, T, vocab)
    model.train()
    return logits.numpy().argmax(-1) == target[:, 1:]


# ---- the three experiments ----
def dates_experiment(cfg, steps, per_format=TEST_DATES_PER_FORMAT):
    alphabet = seq2seq.date_alphabet()
    source, target = date_data(cfg, steps * cfg.batch_size, "train", cfg.seed)
    model = transformer(cfg, len(alphabet) + 2, LONGEST_DATE)
    losses = train(model, source, target, steps, cfg.batch_size, cfg.lr, "transformer: dates")
    by_format, shown = {}, []
    for k, name in enumerate(seq2seq.FORMATS):
        test_source, test_target = date_data(cfg, per_format, "test",
                                             cfg.seed + 1000 + k, formats=[name])
        written = model.generate(gn.tensor(test_source), DATE_LENGTH).numpy()  # (N, 10)
        by_format[name] = np.mean((written == test_target[:, 1:]).all(1))
        shown.append((decode(test_source[0], alphabet).strip("?"),
                      decode(written[0], alphabet), decode(test_target[0, 1:], alphabet)))
    return model, losses, by_format, shown


def alignment_of(cfg, model, text):
    """The decoder's attention over the source while writing `text` greedily: (heads, 10, S)
    restricted to the characters of text, and the written ISO date."""
    alphabet = seq2seq.date_alphabet()
    source, _ = encode([(text, "")], alphabet, LONGEST_DATE, cfg.date_padding)
    written = model.generate(gn.tensor(source), DATE_LENGTH)  # (1, 10)
    weights = model.cross_attention.numpy()[0]  # (heads, 10, S): row t while writing char t
    kept = source[0] != PAD
    return weights[:, :, kept], decode(written.numpy()[0], alphabet)


def strings_experiment(cfg, steps, lengths):
    """Each model trained from scratch at each length, on the same batches: {model: {length:
    (N, L) correctness on held-out strings}} and {model: parameters}."""
    results, parameters = {"transformer": {}, "rnn": {}}, {}
    for length in lengths:
        source, target = string_data(steps * cfg.batch_size, length, cfg.seed + length)
        test = string_data(TEST_STRINGS, length, cfg.seed + 1000 + length)
        vocab = len(LETTERS) + 2
        for name, model, lr, clip in (("transformer", transformer(cfg, vocab, length), cfg.lr,
                                       None),
                                      ("rnn", rnn(cfg, vocab), cfg.rnn_lr, 1.0)):
            train(model, source, target, steps, cfg.batch_size, lr,
                  f"{name}: reverse {length}", clip)
            results[name][length] = correct(model, *test)
            parameters[name] = sum(p.numel() for p in model.parameters())
    return results, parameters


def step_times(cfg, lengths, repeats=3):
    """Wall-clock seconds of one training step (forward, backward, Adam) at each length, the
    fastest of `repeats` after one warm-up; and the sequential steps of each model."""
    vocab = len(LETTERS) + 2
    rows = np.random.default_rng(cfg.seed)
    times, sequential = {"transformer": [], "rnn": []}, {"transformer": [], "rnn": []}
    for length in lengths:
        source = rows.integers(2, vocab, (cfg.batch_size, length))
        target = np.concatenate([np.full((cfg.batch_size, 1), BOS), source[:, ::-1]], 1)
        for name, model in (("transformer", transformer(cfg, vocab, length)),
                            ("rnn", rnn(cfg, vocab))):
            optimizer = optim.Adam(model.parameters(), lr=1e-4)
            clock = []
            for _ in range(repeats + 1):
                start = time.perf_counter()
                loss = loss_of(model, gn.tensor(source), gn.tensor(target))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                clock.append(time.perf_counter() - start)
            times[name].append(min(clock[1:]))
            sequential[name].append(model.sequential_steps(length, length))
    return times, sequential


def run(cfg):
    result = Result(NAME, cfg)
    knobs = settings(cfg)
    thresholds = THRESHOLDS[bool(cfg.quick)]
    model, losses, by_format, shown = dates_experiment(cfg, knobs["steps"], knobs["test_dates"])
    exact = float(np.mean(list(by_format.values())))
    result.metric("dates: training steps", knobs["steps"])
    result.metric("dates: parameters", sum(p.numel() for p in model.parameters()))
    result.metric("dates: training loss, mean of the last 20 steps", np.mean(losses[-20:]))
    for name, value in by_format.items():
        result.metric(f"dates: exact match, {name}", value)
    result.check("dates: exact match on held-out dates, greedy decoding", exact, ">=",
                 thresholds["dates"])
    examples = [seq2seq.FORMATS[name](day) for day, name in EXAMPLES]
    alignments = [alignment_of(cfg, model, text) for text in examples]

    lengths = knobs["lengths"]
    strings, parameters = strings_experiment(cfg, knobs["string_steps"], lengths)
    exact_by = {name: [float(strings[name][n].all(1).mean()) for n in lengths]
                for name in strings}
    chars_by = {name: [float(strings[name][n].mean()) for n in lengths] for name in strings}
    for name in strings:
        result.metric(f"reverse: {name} parameters", parameters[name])
        for length, whole, chars in zip(lengths, exact_by[name], chars_by[name]):
            result.metric(f"reverse {length}: {name} exact match", whole)
            result.metric(f"reverse {length}: {name} per-character accuracy", chars)
    longest = max(lengths)
    result.check(f"reverse: the Transformer holds, exact match at the longest length "
                 f"({longest})", exact_by["transformer"][-1], ">=", thresholds["holds"])
    result.check(f"reverse: the RNN falls, per-character accuracy at length {min(lengths)} "
                 f"minus at {longest}", chars_by["rnn"][0] - chars_by["rnn"][-1], ">=",
                 thresholds["falls"])
    result.check(f"reverse: Transformer minus RNN, exact match at the longest length "
                 f"({longest})", exact_by["transformer"][-1] - exact_by["rnn"][-1], ">=",
                 thresholds["gap"])

    times, sequential = step_times(cfg, knobs["timing_lengths"])
    for name in times:
        for length, seconds, count in zip(knobs["timing_lengths"], times[name],
                                          sequential[name]):
            result.metric(f"step time, length {length}: {name} (ms)", 1000 * seconds,
                          timed=True)
            result.metric(f"sequential steps, length {length}: {name}", count)
        result.metric(f"step time, longest / shortest length: {name}",
                      times[name][-1] / times[name][0], timed=True)

    result.figure(figures.alignment(alignments, examples), "cross_attention")
    result.figure(figures.accuracy_by_length(lengths, exact_by, chars_by,
                                             {name: strings[name][longest]
                                              for name in strings}), "accuracy_by_length")
    result.figure(figures.step_time(knobs["timing_lengths"], times, sequential,
                                    cfg.batch_size), "step_time")
    result.text("Held-out dates: one per format, written -> what the model wrote (the right "
                "answer where it differs), and the exact match of the format",
                figures.dates_table(shown, by_format))
    result.text(f"One training step, batch of {cfg.batch_size}: time on this machine and "
                "steps that wait for the one before (Transformer vs RNN)",
                figures.timing_table(knobs["timing_lengths"], times, sequential))
    return result
