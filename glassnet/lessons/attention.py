"""Lesson 15, attention: queries, keys and values, and which noun "it" means.

Attention (Bahdanau, Cho & Bengio 2015; in the form used here, Vaswani et al. 2017) lets every
word of a sentence gather information from every other word: each word's vector becomes a query
q, a key k and a value v (three learned linear maps); the query is compared with every key,
scores = q . k / sqrt(d), softmax turns the scores into weights that sum to one, and the word's
new vector is the weighted sum of the values. Several heads do this side by side with their own
maps, each free to look for something else.

1. Written out by hand. Scores, scale, mask, softmax and the weighted sum, step by step in NumPy
   for one head of the trained model on the article's sentence, equal the engine's fused
   `scaled_dot_product_attention` and the whole `nn.MultiheadAttention` layer (max abs
   difference <= 1e-6 in float32).
2. The article's example as an experiment: "the ANIMAL didn't cross the PLACE because it was too
   ADJ", 20 animals, 20 places, 8 + 8 adjectives, five phrasings (`glassnet.data.coreference`).
   The adjective decides what "it" means (tired -> the animal, wide -> the place); a quarter of
   the (animal, place) pairs, the article's own (animal, street) among them, never appear in
   training. A small model (`glassnet.models.resolver`: one pre-LN Transformer encoder layer with
   4 heads, then a one-head pointer layer that copies the word it points at) is trained to name,
   at "it", the noun "it" stands for. Checks, on 1,000 sentences of held-out pairs: accuracy >=
   0.95; the pointer head's weight from "it" on the right noun >= 0.5 on average and above the
   other noun's in >= 90% of sentences; changing only the adjective moves it to the other noun
   in >= 90% of minimal pairs.
3. Heads do different jobs: from "it", the encoder heads read the adjective, the word that
   decides (their mean weight there >= 0.2, where an even spread over the ~11 words would give
   0.09), each in its own mix with other words; the pointer head reads the noun. A figure and a
   table show every head.

Calibration (2026-12-05, torch 2.13.0 CPU, the same model, data and recipe: Adam 3e-3, batch 64,
1,000 steps; /tmp prototype, not kept): held-out accuracy 1.000 for seeds 0-4; pointer weight on the right noun 0.68-0.74,
above the other noun's in 99.8-100% of sentences; the encoder heads' mean weight from "it" on
the adjective 0.40-0.58. glassnet, full mode (500 steps), seeds 0-4: accuracy 1.000; pointer
weight on the right noun 0.69-0.76, above the other noun's in 100%; the pointer moves with the
adjective in 99.9-100% of minimal pairs; encoder heads on the adjective 0.27-0.54 (quick mode,
200 steps: 0.64-0.73, 99.9-100%, 99.8-100%, 0.27-0.54). Before training the pointer picks the
right noun about half of the time (a metric, for contrast).
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import optim, viz
from glassnet.data import coreference
from glassnet.lessons.base import LessonConfig, Result
from glassnet.models.resolver import Resolver, ResolverConfig

NAME = "attention"
TITLE = "Attention: which noun does 'it' mean?"
IDEA = (
    "In attention, every word asks a question (its query), every word offers a label (its key), "
    "and each word collects the contents (values) of the words whose labels best match its "
    "question. In 'the animal didn't cross the street because it was too tired', only the "
    "adjective tells what 'it' is. A small model with attention learns to read the adjective and "
    "then point at the right noun, even for animal-place pairs it never saw."
)

ARTICLE = "the animal didn't cross the street because it was too {}"
QUICK_STEPS = 200
TEST_SENTENCES = 1000
# word roles for the per-head summary, by position in a sentence of coreference.TEMPLATES
ROLES = ("the", "animal", "verb", "place", "because/as", "it", "was", "too/so/very", "adjective")


@dataclass
class Config(LessonConfig):
    steps: int = 500
    batch_size: int = 64
    lr: float = 3e-3
    d_model: int = 32
    heads: int = 4
    train_sentences: int = 4000

    def validate(self):
        problems = [f"--{name.replace('_', '-')} must be >= 1, got {value}" for name, value in
                    (("steps", self.steps), ("batch_size", self.batch_size),
                     ("heads", self.heads), ("train_sentences", self.train_sentences))
                    if value < 1]
        if self.d_model < 1 or self.d_model % max(self.heads, 1):
            problems.append(f"--d-model must be a positive multiple of --heads, got "
                            f"{self.d_model} and {self.heads}")
        if self.lr <= 0:
            problems.append(f"--lr must be > 0, got {self.lr}")
        if problems:
            raise ValueError("attention: " + "; ".join(problems))


def encode(words):
    """A sentence (str or words) -> ids (1, T) and the position of "it"."""
    words = words.split() if isinstance(words, str) else words
    vocab = {word: i for i, word in enumerate(coreference.vocabulary())}
    return gn.tensor([[vocab[w] for w in words]]), words.index("it")


def train(cfg, data, test, steps):
    """Adam on random batches; returns the model, its curve [(step, loss, test accuracy)] and
    evaluate() of the untrained model."""
    model = Resolver(ResolverConfig(vocab_size=len(coreference.vocabulary()),
                                    d_model=cfg.d_model, heads=cfg.heads))
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    ids, it, target = gn.tensor(data.ids), gn.tensor(data.it), gn.tensor(data.referent)
    batches = np.random.default_rng(cfg.seed)
    before = evaluate(model, test)
    curve = [(0, float("nan"), before["accuracy"])]
    for step in range(1, steps + 1):
        rows = gn.tensor(batches.integers(0, len(data.ids), cfg.batch_size))
        loss = F.cross_entropy(model(ids[rows], it[rows]), target[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % max(steps // 20, 1) == 0 or step == steps:
            curve.append((step, loss.item(), evaluate(model, test)["accuracy"]))
    return model, curve, before


def evaluate(model, data):
    """Accuracy and the pointer head's weights on the right and the other noun."""
    was_training = model.training
    model.eval()
    with gn.no_grad():
        logits = model(gn.tensor(data.ids), gn.tensor(data.it))  # (N, vocab)
    model.train(was_training)
    weights = model.pointer_weights.numpy()  # (N, T)
    rows = np.arange(len(data.ids))
    right = np.where(data.refers_to == coreference.ANIMAL, data.animal, data.place)
    wrong = np.where(data.refers_to == coreference.ANIMAL, data.place, data.animal)
    return {"accuracy": float(np.mean(logits.numpy().argmax(-1) == data.referent)),
            "right": weights[rows, right], "wrong": weights[rows, wrong],
            "encoder": model.encoder.weights.numpy(), "pointer": weights}


def flipped(data):
    """The same sentences with only the adjective changed to one of the other kind."""
    vocab = coreference.vocabulary()
    ids = data.ids.copy()
    last = (ids > 0).sum(1) - 1  # the adjective ends every sentence
    for row, position in enumerate(last):
        own = coreference.ANIMAL_ADJECTIVES if data.refers_to[row] == coreference.ANIMAL else \
            coreference.PLACE_ADJECTIVES
        other = coreference.PLACE_ADJECTIVES if own is coreference.ANIMAL_ADJECTIVES else \
            coreference.ANIMAL_ADJECTIVES
        ids[row, position] = vocab.index(other[own.index(vocab[ids[row, position]])])
    refers_to = 1 - data.refers_to
    rows = np.arange(len(ids))
    referent = ids[rows, np.where(refers_to == coreference.ANIMAL, data.animal, data.place)]
    return data._replace(ids=ids, refers_to=refers_to, referent=referent)


def role_weights(weights_from_it, data):
    """(N, T) attention from "it" -> (len(ROLES),) mean weight on each word role."""
    totals = np.zeros(len(ROLES))
    for row, words in enumerate(data.words):
        for position, word in enumerate(words):
            totals[role_of(word, position, data.animal[row], data.place[row],
                           len(words))] += weights_from_it[row, position]
    return totals / len(data.words)


def role_of(word, position, animal, place, length):
    if position == animal:
        return ROLES.index("animal")
    if position == place:
        return ROLES.index("place")
    if position == length - 1:
        return ROLES.index("adjective")
    by_word = {"the": "the", "because": "because/as", "as": "because/as", "it": "it",
               "was": "was", "too": "too/so/very", "so": "too/so/very", "very": "too/so/very"}
    return ROLES.index(by_word.get(word, "verb"))


def by_hand(model, sentence, head=0):
    """One head of the encoder's attention on one sentence, written out in NumPy; returns the
    pieces and the differences from the fused kernel and from nn.MultiheadAttention."""
    ids, _ = encode(sentence)
    layer = model.encoder
    with gn.no_grad():
        x = model.word_embedding(ids) + model.position_embedding(gn.arange(ids.shape[1]))
        h = layer.norm1(x)  # (1, T, C): what the attention layer reads
        module_out, _ = layer.attention(h, h, h)  # (1, T, C)
    attention = layer.attention
    x, width = h.numpy()[0], attention.embed_dim  # (T, C)
    size = attention.head_dim
    w, b = attention.in_proj_weight.detach().numpy(), attention.in_proj_bias.detach().numpy()
    q, k, v = (x @ w[i * width:(i + 1) * width].T + b[i * width:(i + 1) * width]
               for i in range(3))  # (T, C) each
    heads = []
    for n in range(attention.num_heads):
        part = slice(n * size, (n + 1) * size)
        scores = q[:, part] @ k[:, part].T  # (T, T): every query against every key
        scores = scores / np.sqrt(size)  # scale, so the softmax does not saturate
        mask = np.zeros_like(scores)  # nothing is masked in one unpadded sentence
        scores = scores + mask
        weights = np.exp(scores - scores.max(1, keepdims=True))
        weights = weights / weights.sum(1, keepdims=True)  # softmax: each row sums to 1
        heads.append((weights @ v[:, part], weights))  # (T, d), (T, T)
    mixed = np.concatenate([out for out, _ in heads], 1)  # (T, C)
    output = mixed @ attention.out_proj.weight.detach().numpy().T + \
        attention.out_proj.bias.detach().numpy()
    fused = [F.scaled_dot_product_attention(*(gn.tensor(a[None, :, n * size:(n + 1) * size])
                                              for a in (q, k, v))).numpy()[0]
             for n in range(attention.num_heads)]  # the engine's kernel, head by head
    return {"words": sentence.split(), "q": q[:, head * size:(head + 1) * size],
            "k": k[:, head * size:(head + 1) * size], "v": v[:, head * size:(head + 1) * size],
            "weights": heads[head][1], "head": head,
            "vs_fused": max(np.abs(out - f).max() for (out, _), f in zip(heads, fused)),
            "vs_module": float(np.abs(output - module_out.numpy()[0]).max())}


def run(cfg):
    result = Result(NAME, cfg)
    steps = min(cfg.steps, QUICK_STEPS) if cfg.quick else cfg.steps
    data = coreference.sentences(cfg.train_sentences, "train", rng=cfg.seed)
    test = coreference.sentences(TEST_SENTENCES, "test", rng=cfg.seed + 1000)
    model, curve, before = train(cfg, data, test, steps)
    after, pair = evaluate(model, test), evaluate(model, flipped(test))
    rows = np.arange(len(test.ids))
    roles = [role_weights(after["encoder"][:, head][rows, test.it], test)
             for head in range(cfg.heads)] + [role_weights(after["pointer"], test)]
    adjective = [r[ROLES.index("adjective")] for r in roles[:-1]]
    shown = by_hand(model, ARTICLE.format("tired"), head=int(np.argmax(adjective)))

    result.metric("steps", steps)
    result.metric("parameters", sum(p.numel() for p in model.parameters()))
    result.metric("accuracy before training", before["accuracy"])
    result.metric("pointer on the right noun before training",
                  np.mean(before["right"] > before["wrong"]))
    for name, weights in zip([f"encoder head {h + 1}" for h in range(cfg.heads)] + ["pointer"],
                             roles):
        for role, weight in zip(ROLES, weights):
            result.metric(f"{name}: weight from 'it' on {role}", weight)
    result.check("step by step = fused scaled_dot_product_attention, max abs difference",
                 shown["vs_fused"], "<=", 1e-6)
    result.check("step by step = nn.MultiheadAttention, max abs difference",
                 shown["vs_module"], "<=", 1e-6)
    result.check("accuracy on held-out (animal, place) pairs", after["accuracy"], ">=", 0.95)
    result.check("pointer head: mean weight from 'it' on the right noun", after["right"].mean(),
                 ">=", 0.5)
    result.check("pointer head: right noun above the other noun, fraction of sentences",
                 np.mean(after["right"] > after["wrong"]), ">=", 0.9)
    moved = np.mean((after["right"] > after["wrong"]) & (pair["right"] > pair["wrong"]))
    result.check("only the adjective changed: the pointer moves to the other noun, fraction",
                 moved, ">=", 0.9)
    result.metric("strongest encoder head's weight from 'it' on the adjective", max(adjective))
    result.check("encoder heads read the adjective: mean weight from 'it' there (0.09 if even)",
                 np.mean(adjective), ">=", 0.2)

    result.figure(by_hand_figure(shown), "qkv_by_hand")
    result.figure(minimal_pair_figure(model, cfg.heads), "minimal_pair")
    result.figure(heads_figure(roles, cfg.heads), "what_each_head_reads")
    result.figure(curve_figure(curve), "training")
    result.text("What each head reads from 'it' (mean weight over held-out sentences)",
                heads_table(roles, cfg.heads))
    return result


# ---- figures ----
def _head_names(heads):
    return [f"encoder head {h + 1}" for h in range(heads)] + ["pointer head"]


def heads_table(roles, heads):
    lines = [f"{'':<14}" + "".join(f"{role:>12}" for role in ROLES)]
    for name, weights in zip(_head_names(heads), roles):
        lines.append(f"{name:<14}" + "".join(f"{w:>12.2f}" for w in weights))
    return "\n".join(lines)


def _heatmap(ax, values, rows, columns, title):
    ax.imshow(values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (row, col), value in np.ndenumerate(values):
        if value >= 0.05:
            ax.text(col, row, f"{value:.2f}"[1:] if value < 1 else "1", ha="center",
                    va="center", fontsize=7, color="white" if value > 0.6 else "black")
    ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.grid(False)
    ax.set_title(title, fontsize=10)


def by_hand_figure(shown):
    fig, axes = viz.figure(11.0, 4.2, ncols=4, width_ratios=(1, 1, 1, 1.6))
    words = shown["words"]
    for ax, key in zip(axes[:3], ("q", "k", "v")):
        ax.imshow(shown[key], cmap="RdBu_r", aspect="auto")
        ax.set_yticks(range(len(words)), words, fontsize=8)
        ax.set_xticks([])
        ax.set_xlabel(f"{shown[key].shape[1]} numbers")
        ax.grid(False)
        ax.set_title({"q": "Q: what each word\nlooks for", "k": "K: how each word\nis found",
                      "v": "V: what each word\npasses on"}[key], fontsize=10)
    _heatmap(axes[3], shown["weights"], words, words,
             "weights: softmax(Q K^T / sqrt(d))")
    fig.suptitle(f"One attention head (encoder head {shown['head'] + 1}) written out, on the "
                 "article's sentence")
    return fig


def minimal_pair_figure(model, heads):
    fig, axes = viz.figure(11.0, 3.6, ncols=2)
    model.eval()
    for ax, adjective in zip(axes, ("tired", "wide")):
        ids, it = encode(ARTICLE.format(adjective))
        with gn.no_grad():
            answer = model(ids, gn.tensor([it])).numpy()[0].argmax()
        rows = np.concatenate([model.encoder.weights.numpy()[0, :, it],
                               model.pointer_weights.numpy()], 0)  # (heads + 1, T)
        words = ARTICLE.format(adjective).split()
        _heatmap(ax, rows, _head_names(heads), words,
                 f"...too {adjective}: 'it' = the {coreference.vocabulary()[answer]}")
    fig.suptitle("Attention from 'it', one row per head: only the adjective differs "
                 "(the pair (animal, street) was held out of training)")
    return fig


def heads_figure(roles, heads):
    fig, ax = viz.figure(8.0, 3.6)
    _heatmap(ax, np.array(roles), _head_names(heads), ROLES,
             "Where each head looks from 'it' (mean over 1,000 held-out sentences)")
    ax.set_xlabel("word in the sentence, by role")
    return fig


def curve_figure(curve):
    steps, losses, accuracy = (np.array(column) for column in zip(*curve))
    fig, (loss_ax, accuracy_ax) = viz.figure(8.0, 3.4, ncols=2)
    loss_ax.plot(steps[1:], losses[1:], marker=".", color=viz.COLORS["blue"])
    loss_ax.set(yscale="log", xlabel="training step", ylabel="cross-entropy (batch)",
                title="Training loss")
    accuracy_ax.plot(steps, accuracy, marker=".", color=viz.COLORS["orange"], label="model")
    accuracy_ax.axhline(0.95, color=viz.COLORS["gray"], linestyle="--", label="check: >= 0.95")
    accuracy_ax.set(xlabel="training step", ylabel="accuracy", ylim=(0, 1.05),
                    title="Naming the noun, held-out pairs")
    accuracy_ax.legend(loc="lower right")
    return fig
