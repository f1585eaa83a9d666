"""Figures and tables of lesson 16 (transformer); the lesson module runs the experiments."""

import numpy as np

from glassnet import viz

NAMES = {"transformer": "Transformer", "rnn": "RNN encoder-decoder (no attention)"}
COLORS = {"transformer": viz.COLORS["blue"], "rnn": viz.COLORS["red"]}


def alignment(alignments, texts):
    """One heatmap per date: the decoder's cross-attention (mean over heads), output characters
    (rows) against input characters (columns)."""
    widths = [len(text) + 2 for text in texts]
    fig, axes = viz.figure(11.0, 3.9, ncols=len(texts), width_ratios=widths)
    for ax, (weights, written), text in zip(np.atleast_1d(axes), alignments, texts):
        mean = weights.mean(0)  # (10, S)
        ax.imshow(mean, cmap="Blues", vmin=0, vmax=max(mean.max(), 1e-6), aspect="auto")
        ax.set_xticks(range(len(text)), [c if c != " " else "\u2423" for c in text],
                      fontsize=9, family="monospace")
        ax.set_yticks(range(len(written)), list(written), fontsize=9, family="monospace")
        ax.grid(False)
        ax.set_xlabel("input character")
        ax.set_title(f"'{text}'\n-> {written}", fontsize=10)
    np.atleast_1d(axes)[0].set_ylabel("output character")
    fig.suptitle("Where the decoder looks while writing each character (cross-attention, mean "
                 "of the heads; held-out dates)")
    return fig


def accuracy_by_length(lengths, exact, per_char, longest_correct):
    fig, (whole_ax, char_ax, place_ax) = viz.figure(12.0, 3.8, ncols=3)
    for name in exact:
        style = {"color": COLORS[name], "marker": "o", "label": NAMES[name]}
        whole_ax.plot(lengths, exact[name], **style)
        char_ax.plot(lengths, per_char[name], **style)
        by_place = longest_correct[name].mean(0)  # (L,)
        place_ax.plot(np.arange(1, len(by_place) + 1), by_place, color=COLORS[name],
                      marker=".", label=NAMES[name])
    for ax in (whole_ax, char_ax):
        ax.set_xscale("log", base=2)
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.set(xlabel="string length", ylim=(-0.03, 1.03))
    whole_ax.set(ylabel="exact match (whole string)",
                 title="Reversing a string: all of it right")
    char_ax.set(ylabel="per-character accuracy", title="Characters right (given the ones before)")
    char_ax.axhline(1 / 10, color=viz.COLORS["gray"], linestyle=":", label="guessing (1/10)")
    place_ax.axhline(1 / 10, color=viz.COLORS["gray"], linestyle=":", label="guessing (1/10)")
    place_ax.set(xlabel="output position (1: the input's last character)",
                 ylabel="accuracy", ylim=(-0.03, 1.03),
                 title=f"Length {len(by_place)}: which characters survive")
    whole_ax.legend(loc="center left", fontsize=8)
    place_ax.legend(loc="lower left", fontsize=8)
    return fig


def step_time(lengths, times, sequential, batch_size):
    fig, (time_ax, steps_ax) = viz.figure(10.0, 3.8, ncols=2)
    for name in times:
        time_ax.plot(lengths, 1000 * np.array(times[name]), color=COLORS[name], marker="o",
                     label=NAMES[name])
        steps_ax.plot(lengths, sequential[name], color=COLORS[name], marker="o",
                      label=NAMES[name])
    for ax in (time_ax, steps_ax):
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.set_xlabel("sequence length (source and target)")
        ax.set_ylim(bottom=0)
    time_ax.set(ylabel="milliseconds", title=f"One training step on this CPU (batch {batch_size})")
    steps_ax.annotate("Transformer: 2, one per layer", (lengths[-1], sequential["transformer"][-1]),
                      xytext=(0, 8), textcoords="offset points", ha="right", fontsize=9)
    steps_ax.set(ylabel="steps that must wait for the one before",
                 title="Sequential steps in the forward pass")
    time_ax.legend(fontsize=8)
    steps_ax.legend(fontsize=8)
    return fig


def timing_table(lengths, times, sequential):
    lines = [f"{'length':>6}  {'Transformer':>12}  {'RNN':>10}  {'sequential steps':>18}"]
    for i, length in enumerate(lengths):
        lines.append(f"{length:>6}  {1000 * times['transformer'][i]:>9.1f} ms  "
                     f"{1000 * times['rnn'][i]:>7.1f} ms  "
                     f"{sequential['transformer'][i]:>6} vs {sequential['rnn'][i]}")
    return "\n".join(lines)


def dates_table(shown, by_format):
    lines = []
    for (text, written, right), exact in zip(shown, by_format.values()):
        mark = "" if written == right else f" ({right})"
        lines.append(f"{text:<28} -> {written + mark:<23} {exact:6.1%}")
    return "\n".join(lines)
