"""The figures of lesson 9 (rnn): validation curves against the baselines, a hidden unit and the
model's foresight drawn over a passage of text, and the hidden-character task."""

import numpy as np

import glassnet as gn
from glassnet import viz


def curves_figure(curves, unigram, bigram, steps):
    fig, ax = viz.figure(6.6, 4.2)
    colors = {"rnn": "purple", "gru": "green", "lstm": "blue"}
    for kind, curve in curves.items():
        done, losses = zip(*curve)
        ax.plot(done, losses, marker=".", color=viz.COLORS[colors[kind]],
                label=f"{kind.upper()} ({losses[-1]:.2f})")
    for value, label, style in ((unigram, "unigram: character frequencies", ":"),
                                (bigram, "bigram: next character given this one", "--")):
        ax.axhline(value, color=viz.COLORS["gray"], linestyle=style,
                   label=f"{label} ({value:.2f})")
    ax.set_xlim(0, steps)
    ax.set_xlabel("training step (32 windows of 32 characters each)")
    ax.set_ylabel("validation loss (nats per character)")
    ax.set_title("Next-character prediction on Shakespeare: three recurrent\n"
                 "networks of ~95,000 parameters against counting")
    ax.legend(fontsize=8)
    return fig


COLUMNS = 48  # characters a line in the text panels; longer lines wrap
CELL = 7.4 / (COLUMNS + 2)  # inches a character: the panels fill a 7.4-inch-wide figure


def _places(chars):
    """(row, column) of each character, lines broken at newlines and wrapped at COLUMNS."""
    places, row, col = [], 0, 0
    for char in chars:
        if col == COLUMNS:
            row, col = row + 1, 0
        places.append((row, col))
        row, col = (row + 1, 0) if char == "\n" else (row, col + 1)
    return places


def _rows(chars):
    return _places(chars)[-1][0] + 1


def _heat_text(ax, chars, values, cmap, vmin, vmax, title):
    """Draw the characters line by line, each on a square coloured by its value."""
    pyplot = viz.plt()
    colors = pyplot.get_cmap(cmap)
    for char, value, (row, col) in zip(chars, values, _places(chars)):
        if not np.isnan(value):
            shade = colors((value - vmin) / (vmax - vmin))
            ax.add_patch(pyplot.Rectangle((col - 0.5, -row - 0.5), 1, 1, color=shade, lw=0))
        ax.text(col, -row, "\u21b5" if char == "\n" else char, ha="center", va="center",
                fontsize=9, family="monospace")
    ax.set_xlim(-0.6, COLUMNS - 0.4)
    ax.set_ylim(-_rows(chars) + 0.4, 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=10, loc="left")


def _text_grid(rows, panels, top=()):
    """A figure of `panels` text panels of `rows` rows each, below optional plain axes of the
    given heights (inches); returns the figure and its axes, top to bottom."""
    heights = [*top] + [(rows + 2.2) * CELL] * panels
    fig = viz.plt().figure(figsize=(7.4, sum(heights) + 0.5))
    grid = fig.add_gridspec(len(heights), 1, height_ratios=heights)
    return fig, [fig.add_subplot(grid[i, 0]) for i in range(len(heights))]


def memory_figure(lstm, bigram_counts, passage, chars, unit, correlation):
    with gn.no_grad():
        hidden, _ = lstm.states(gn.tensor(passage[None]))
        logits, _ = lstm(gn.tensor(passage[None]))
    shown = [chars[i] for i in passage]
    probabilities = np.exp(logits.data[0] - logits.data[0].max(-1, keepdims=True))
    probabilities /= probabilities.sum(-1, keepdims=True)
    # how well each character was foreseen from what came before it
    lstm_p = np.r_[np.nan, probabilities[np.arange(len(passage) - 1), passage[1:]]]
    rows = bigram_counts[passage[:-1]]
    bigram_p = np.r_[np.nan, rows[np.arange(len(passage) - 1), passage[1:]] / rows.sum(1)]
    sign = 1.0 if correlation >= 0 else -1.0  # drawn so that "on" is red
    fig, axes = _text_grid(_rows(shown), 3)
    _heat_text(axes[0], shown, sign * hidden.data[0, :, unit], "RdBu_r", -1, 1,
               f"LSTM hidden unit {unit}{'' if sign > 0 else ' (sign flipped)'}: red along a "
               "speaker's name, blue elsewhere")
    _heat_text(axes[1], shown, lstm_p, "Greens", 0, 1,
               "LSTM: probability it gave each character before reading it")
    _heat_text(axes[2], shown, bigram_p, "Greens", 0, 1,
               "bigram (knows only the previous character): the same probability")
    fig.suptitle("Memory made visible: across a line break and a speaker's name")
    return fig


def bidirectional_figure(lstm, bidirectional, one_way, both_ways, example, chars):
    shown = [chars[i] for i in example[1:-1]]
    fig, axes = _text_grid(_rows(shown), 2, top=(1.5,))
    bars = axes[0].barh([1, 0], [one_way, both_ways],
                        color=[viz.COLORS["gray"], viz.COLORS["orange"]])
    axes[0].bar_label(bars, [f"{one_way:.1%}", f"{both_ways:.1%}"], padding=3)
    axes[0].set_yticks([1, 0], ["one-way LSTM (past)", "bidirectional (past + future)"])
    axes[0].set_xlim(0, 1)
    axes[0].set_xlabel("hidden characters guessed right (48 validation windows)")
    for ax, (model, label) in zip(axes[1:], ((lstm, "one-way LSTM"),
                                             (bidirectional, "bidirectional LSTM"))):
        with gn.no_grad():
            guess = model.fill_in_logits(gn.tensor(example[None])).data[0].argmax(-1)
        right = (guess == example[1:-1]).astype(float)
        _heat_text(ax, shown, 0.25 + 0.5 * right, "RdYlGn", 0, 1,
                   f"{label}: each character hidden in turn (green: guessed)")
    fig.suptitle("Fill in a hidden character: the future helps")
    return fig
