"""The bert-gpt lesson's data and training recipes, kept apart from its story (bert_gpt.py) and
written so that the PyTorch calibration (benchmarks/calibrate_bert_gpt.py) draws exactly the same
batches, masks and labels: everything random here comes from a NumPy generator passed in.

GPT: characters of the Shakespeare plays (`glassnet.data.shakespeare`, the first 90% of each
play to train on, the last 10% held out), random windows of `block` characters as in nanoGPT's
get_batch, AdamW with nanoGPT's warm-up and cosine schedule. BERT: lower-cased words
(`WordTokenizer`), the most frequent ones plus the special tokens of models/bert.py; masked-LM
pretraining on random windows of the training text; fine-tuning on lines of the held-out plays,
half of them with two words replaced by random words of the vocabulary.
"""

import itertools
import math

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset, WordTokenizer
from glassnet.models import bert as bert_model
from glassnet.train import ProgressBar, fit

EVAL_WINDOWS = 240  # held-out windows behind every reported validation loss (nanoGPT: 20 x 12)


# ---- language-model data ----
def char_ids(text, alphabet):
    """The ids of text's characters in alphabet (a string), dropping characters outside it
    (the Wikipedia text has a few: accents, brackets, which the model can neither read nor
    write). Through a table indexed by code point, not a Python loop over 4 million
    characters."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = np.full(max(points.max(initial=0), *map(ord, alphabet)) + 1, -1, dtype=np.int64)
    table[[ord(ch) for ch in alphabet]] = np.arange(len(alphabet))
    ids = table[points]
    return ids[ids >= 0]


def wiki_split(articles, alphabet):
    """(train, val) ids of the Wikipedia articles: every tenth article held out."""
    texts = [text for _, text in articles]
    train = "\n\n".join(t for i, t in enumerate(texts) if i % 10 != 9)
    val = "\n\n".join(t for i, t in enumerate(texts) if i % 10 == 9)
    return char_ids(train, alphabet), char_ids(val, alphabet)


def random_windows(ids, batch_size, block, rng):
    """(x, y) int64 (B, block): windows at random offsets, y one token ahead of x."""
    starts = rng.integers(0, len(ids) - block, batch_size)
    index = starts[:, None] + np.arange(block)  # (B, T)
    return ids[index], ids[index + 1]


def eval_windows(ids, count, block):
    """(x, y) for `count` windows at evenly spaced offsets: the same for every seed."""
    starts = np.linspace(0, len(ids) - block - 1, count).astype(np.int64)
    index = starts[:, None] + np.arange(block)
    return ids[index], ids[index + 1]


class Windows:
    """A loader for fit: `steps` batches of random windows drawn with rng (its .rng, read by
    fit's checkpoints)."""

    def __init__(self, ids, steps, batch_size, block, rng):
        self.ids, self.steps, self.batch_size, self.block, self.rng = (ids, steps, batch_size,
                                                                       block, rng)

    def __len__(self):
        return self.steps

    def __iter__(self):
        for _ in range(self.steps):
            x, y = random_windows(self.ids, self.batch_size, self.block, self.rng)
            yield gn.tensor(x), gn.tensor(y)


def warmup_cosine(step, total, warmup, floor):
    """The learning rate at `step` as a fraction of the peak (nanoGPT's get_lr): a linear
    warm-up over `warmup` steps, then half a cosine from 1 down to `floor` at `total`."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def lm_loss(model, x, y, batch_size=60):
    """Mean next-token cross-entropy (nats per token) of model on windows x, y."""
    was_training, total = model.training, 0.0
    model.eval()
    with gn.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(gn.tensor(x[start : start + batch_size]))  # (b, T, V)
            target = gn.tensor(y[start : start + batch_size].reshape(-1))
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target,
                                     reduction="sum").item()
    model.train(was_training)
    return total / y.size


def _token_loss(output, target):
    return F.cross_entropy(output.reshape(-1, output.shape[-1]), target.reshape(-1))


class Curve:
    """A fit callback: the training loss of every step, and the held-out loss before training
    and `points` times during it."""

    def __init__(self, model, held_out, total, points):
        self.model, self.held_out = model, held_out
        self.every = max(1, total // points)
        self.train, self.steps, self.val = [], [0], [lm_loss(model, *held_out)]

    def on_step_end(self, state):
        self.train.append(state.loss)
        if state.step % self.every == 0 or state.step == state.total_steps:
            self.steps.append(state.step)
            self.val.append(lm_loss(self.model, *self.held_out))


def train_lm(model, ids, held_out, recipe, rng, label):
    """Train a GPT on random windows of ids with recipe (steps, batch_size, block, lr, warmup,
    floor, weight_decay, betas, points): AdamW, nanoGPT's parameter groups and schedule.
    Returns the Curve (held_out: the (x, y) windows of its `points` points)."""
    from glassnet.models.gpt import weight_decay_groups

    optimizer = optim.AdamW(weight_decay_groups(model, recipe["weight_decay"]), lr=recipe["lr"],
                            betas=recipe["betas"])
    schedule = optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(
        step, recipe["steps"], recipe["warmup"], recipe["floor"]))
    curve = Curve(model, held_out, recipe["steps"], recipe["points"])
    loader = Windows(ids, recipe["steps"], recipe["batch_size"], recipe["block"], rng)
    fit(model, loader, optimizer, loss_fn=_token_loss, steps=recipe["steps"],
        scheduler=schedule, scheduler_interval="step", callbacks=[ProgressBar(label), curve])
    model.eval()
    return curve


# ---- BERT data ----
def word_vocabulary(text, size):
    """A WordTokenizer over text keeping the `size` most frequent words (its id 0 is <unk>)."""
    return WordTokenizer(text, max_size=size + 1)


def word_ids(tokenizer, words):
    """Words -> BERT ids: [UNK] for unknown words, the tokenizer's words after the specials."""
    # map(stoi.get, words, repeat(0)) looks every word up at C speed (a list comprehension
    # over the plays' 300,000 words took a tenth of the quick run)
    ids = np.fromiter(map(tokenizer.stoi.get, words, itertools.repeat(0)), dtype=np.int64,
                      count=len(words))
    return np.where(ids == 0, bert_model.UNK, ids + len(bert_model.SPECIAL_TOKENS) - 1)


class MaskedWindows:
    """A loader for fit: `steps` batches of [CLS] + (block - 1) consecutive words, corrupted by
    models.bert.mask_tokens; yields (inputs, targets)."""

    def __init__(self, ids, steps, batch_size, block, vocab_size, rng):
        self.ids, self.steps, self.batch_size, self.block = ids, steps, batch_size, block
        self.vocab_size, self.rng = vocab_size, rng

    def __len__(self):
        return self.steps

    def __iter__(self):
        for _ in range(self.steps):
            words, _ = random_windows(self.ids, self.batch_size, self.block - 1, self.rng)
            ids = np.concatenate([np.full((self.batch_size, 1), bert_model.CLS), words], axis=1)
            inputs, targets = bert_model.mask_tokens(ids, self.vocab_size, rng=self.rng)
            yield gn.tensor(inputs), gn.tensor(targets)


def mlm_loss(model):
    """loss_fn for fit: cross-entropy of the masked-LM head at the picked positions only."""

    def loss(states, targets):  # (B, T, C), (B, T)
        picked = np.flatnonzero(targets.numpy().reshape(-1) != -100)  # (M,)
        chosen = states.reshape(-1, states.shape[-1])[picked]  # (M, C)
        return F.cross_entropy(model.mlm_logits(chosen), gn.tensor(targets.numpy().reshape(-1)[
            picked]))

    return loss


def mlm_eval(model, ids, block, count, seed=0):
    """Masked-LM loss (nats per masked word) on `count` held-out windows, masked with a fixed
    seed so that every run is scored on the same masks."""
    rng = np.random.default_rng(seed)
    loader = MaskedWindows(ids, 1, count, block, model.config.vocab_size, rng)
    inputs, targets = next(iter(loader))
    model.eval()
    with gn.no_grad():
        loss = mlm_loss(model)(model(inputs), targets).item()
    return loss


def train_mlm(model, ids, recipe, rng, label):
    """Masked-LM pretraining on random windows of ids with recipe (steps, batch_size, block,
    lr, warmup, floor, weight_decay, betas). Returns the training loss of every step."""
    optimizer = optim.AdamW(model.parameters(), lr=recipe["lr"], betas=recipe["betas"],
                            weight_decay=recipe["weight_decay"])
    schedule = optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(
        step, recipe["steps"], recipe["warmup"], recipe["floor"]))
    loader = MaskedWindows(ids, recipe["steps"], recipe["batch_size"], recipe["block"],
                           model.config.vocab_size, rng)
    state = fit(model, loader, optimizer, loss_fn=mlm_loss(model), steps=recipe["steps"],
                scheduler=schedule, scheduler_interval="step", callbacks=[ProgressBar(label)])
    model.eval()
    return [entry["loss"] for entry in state.history]


def corrupted_lines(lines, tokenizer, block, count, rng):
    """(ids (N, block), labels (N,)): `count` lines of 6 to block - 2 words with at least four
    different words; every other one (label 1) has two of its words replaced by random words
    of the vocabulary. ids: [CLS] words [SEP] then [PAD]."""
    chosen = []
    for line in lines:
        words = tokenizer.tokenize(line)
        alphabetic = {w for w in words if w[0].isalpha()}
        if 6 <= len(words) <= block - 2 and len(alphabetic) >= 4:
            chosen.append(words)
    order = rng.permutation(len(chosen))[:count]
    ids = np.full((len(order), block), bert_model.PAD, dtype=np.int64)
    labels = np.arange(len(order)) % 2
    for row, (index, label) in enumerate(zip(order, labels)):
        words = list(chosen[index])
        if label:
            places = [i for i, w in enumerate(words) if w[0].isalpha()]
            for place in rng.choice(places, 2, replace=False):
                original = words[place]
                while words[place] == original:
                    words[place] = tokenizer.itos[rng.integers(1, len(tokenizer))]
        encoded = word_ids(tokenizer, words)
        ids[row, : len(words) + 2] = [bert_model.CLS, *encoded, bert_model.SEP]
    return ids, labels


class _Classify(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, idx):
        return self.model.classify(idx)  # (B, n_classes)


def finetune_classifier(model, train, test, recipe, rng, label):
    """Fine-tune every weight of a BERT on (ids, labels) train; AdamW with a linear warm-up over
    the first 10% of steps and a linear decay to zero (as BERT's fine-tuning). Returns the test
    accuracy after each epoch."""
    steps_per_epoch = -(-len(train[1]) // recipe["batch_size"])
    total = recipe["epochs"] * steps_per_epoch
    warmup = max(1, total // 10)
    optimizer = optim.AdamW(model.parameters(), lr=recipe["lr"], weight_decay=0.01)
    schedule = optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / total)))
    accuracies = []

    class Score:
        def on_epoch_end(self, state):
            model.eval()
            with gn.no_grad():
                predicted = model.classify(gn.tensor(test[0])).numpy().argmax(axis=1)
            accuracies.append(float(np.mean(predicted == test[1])))
            model.train()

    loader = DataLoader(TensorDataset(*train), batch_size=recipe["batch_size"], shuffle=True,
                        rng=rng)
    fit(_Classify(model), loader, optimizer, loss_fn=F.cross_entropy, epochs=recipe["epochs"],
        scheduler=schedule, scheduler_interval="step", callbacks=[ProgressBar(label), Score()])
    model.eval()
    return accuracies
