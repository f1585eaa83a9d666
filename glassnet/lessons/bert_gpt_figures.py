"""The bert-gpt lesson's figures and text tables (bert_gpt.py tells the story)."""

import numpy as np

import glassnet as gn
from glassnet import viz
from glassnet.lessons import bert_gpt_train as steps
from glassnet.models import bert as bert_model

MASK_EXAMPLE = "To be, or not"  # GPT reads its characters
BERT_EXAMPLE = "to be , or not to be : that is the question"
FILL_IN = ("what is your [MASK] ?", "i will [MASK] thee , my lord .", "the king is [MASK] .",
           "to be , or not to [MASK] : that is the question")


def _smooth(values, width=25):
    values = np.asarray(values, dtype=np.float64)
    width = max(1, min(width, len(values)))
    return np.convolve(values, np.ones(width) / width, mode="valid"), width


def gpt_figure(curve, val_loss, pytorch, windows):
    fig, ax = viz.figure(6.4, 4.0)
    smooth, width = _smooth(curve.train)
    ax.plot(np.arange(width, len(curve.train) + 1), smooth, color=viz.COLORS["blue"],
            label=f"training batches (mean of {width})")
    ax.plot(curve.steps, curve.val, "o-", color=viz.COLORS["orange"],
            label=f"held-out windows ({windows})")
    if pytorch is not None:  # None: no PyTorch run with these steps
        ax.axhline(pytorch, color=viz.COLORS["gray"], linestyle="--",
                   label=f"PyTorch, same recipe: {pytorch:.2f}")
    ax.set_xlabel("training step (batch of 12 windows of 64 characters)")
    ax.set_ylabel("loss (nats per character)")
    ax.set_title(f"GPT learns Shakespeare: held-out loss {val_loss:.2f} nats/char")
    ax.legend()
    return fig


def wiki_figure(curves, final, curve_windows, windows):
    """The curves on curve_windows held-out windows; the legend gives final, the losses on all
    `windows` that the check reads."""
    fig, ax = viz.figure(6.4, 4.0)
    for (name, curve), color in zip(curves.items(), ("orange", "gray")):
        ax.plot(curve.steps, curve.val, "o-", color=viz.COLORS[color],
                label=f"{name}: {final[name]:.2f}")
    ax.set_xlabel("training step on Wikipedia text")
    ax.set_ylabel(f"held-out Wikipedia loss (nats/char, {curve_windows} windows)")
    ax.set_title("Wikipedia text: the pretrained GPT starts ahead, stays ahead")
    ax.legend(title=f"GPT, final loss on {windows} windows")
    return fig


def bert_figure(mlm_losses, unigram, accuracy, labels):
    fig, (left, right) = viz.figure(9.6, 3.8, ncols=2)
    smooth, width = _smooth(mlm_losses)
    left.plot(np.arange(width, len(mlm_losses) + 1), smooth, color=viz.COLORS["blue"],
              label=f"masked words (mean of {width} steps)")
    left.axhline(unigram, color=viz.COLORS["gray"], linestyle="--",
                 label=f"guessing by word frequency: {unigram:.2f}")
    left.set_xlabel("pretraining step")
    left.set_ylabel("loss (nats per masked word)")
    left.set_title("Pretraining: fill in the [MASK]")
    left.legend()
    for (name, values), color in zip(accuracy.items(), ("orange", "gray")):
        epochs = np.arange(1, len(values) + 1)
        right.plot(epochs, values, "o-", color=viz.COLORS[color],
                   label=f"{name}: {values[-1]:.1%}")
    right.axhline(0.5, color=viz.COLORS["red"], linestyle=":", label="chance")
    right.set_xlabel(f"fine-tuning epoch ({labels} labelled lines)")
    right.set_ylabel("test accuracy")
    right.set_title("Fine-tuning: were two words replaced?")
    right.legend(title="BERT")
    return fig


def masks_figure(gpt, bert, chars, words):
    """The trained models' first-layer attention (mean of the heads) for one line each: BERT's
    covers the whole square, GPT's causal mask leaves the upper triangle empty (gray)."""
    gpt_ids = chars.encode(MASK_EXAMPLE)[None]  # (1, T)
    tokens = words.tokenize(BERT_EXAMPLE)
    bert_ids = np.array([[bert_model.CLS, *steps.word_ids(words, tokens), bert_model.SEP]])
    bert_weights = bert.attention_weights(gn.tensor(bert_ids))[0][0].mean(axis=0)  # (T, T)
    gpt_weights = gpt.attention_weights(gn.tensor(gpt_ids))[0][0].mean(axis=0)  # (T, T)
    hidden = np.triu(np.ones_like(gpt_weights, dtype=bool), 1)
    panels = [("BERT (encoder): every word attends\nto every word, both directions",
               np.ma.masked_array(bert_weights, np.zeros_like(bert_weights, dtype=bool)),
               ["[CLS]", *tokens, "[SEP]"]),
              ("GPT (decoder): the causal mask hides\nthe future (gray)",
               np.ma.masked_array(gpt_weights, hidden), ["\u2423" if ch == " " else ch
                                                         for ch in MASK_EXAMPLE])]
    fig, axes = viz.figure(10.0, 5.2, ncols=2)
    cmap = viz.plt().get_cmap("Blues").with_extremes(bad="#d9d9d9")
    for ax, (title, values, labels) in zip(axes, panels):
        # the first query has only itself to attend to (weight 1): scale to the others
        shown = ax.imshow(values, cmap=cmap, vmin=0, vmax=float(values[1:].max()))
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.grid(False)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("attends to (key)")
        ax.set_ylabel("token (query)")
        fig.colorbar(shown, ax=ax, shrink=0.8, label="attention weight, layer 1")
    fig.suptitle("Masks side by side: the trained models' attention")
    return fig


def fill_in_table(bert, words, top=5):
    """The pretrained BERT's top guesses for [MASK] in a few lines."""
    rows = []
    for line in FILL_IN:
        tokens = line.split()
        ids = [bert_model.CLS] + [bert_model.MASK if t == "[MASK]" else
                                  int(steps.word_ids(words, [t])[0]) for t in tokens]
        ids.append(bert_model.SEP)
        with gn.no_grad():
            states = bert(gn.tensor(np.array([ids])))  # (1, T, C)
            logits = bert.mlm_logits(states[0, tokens.index("[MASK]") + 1]).numpy()  # (V,)
        logits[: len(bert_model.SPECIAL_TOKENS)] = -np.inf
        p = np.exp(logits - logits.max())
        p /= p.sum()
        best = np.argsort(p)[::-1][:top]
        guesses = ", ".join(f"{words.itos[i - len(bert_model.SPECIAL_TOKENS) + 1]} {p[i]:.1%}"
                            for i in best)
        rows.append(f"{line:<46} -> {guesses}")
    return "\n".join(rows)
