"""The figures of lesson 14 (embeddings): the male-to-female steps in a PCA plane, one-hot
against learned cosine similarities, and the training loss beside the analogy sections."""

import numpy as np

from glassnet import viz

SIMILARITY_WORDS = ("man", "woman", "king", "queen", "father", "mother", "horse", "dog", "house",
                    "church", "gold", "silver")


def offsets_figure(vectors, index, pairs, cosine):
    """The pairs drawn in the plane that shows man, woman, king and queen best (the top two
    principal components of these four words); the other pairs are projected onto it. cosine:
    (woman - man against queen - king, random steps)."""
    pairs = [pair for pair in pairs if all(w in index for w in pair)]
    points = vectors[[index[w] for pair in pairs for w in pair]]  # (2P, D): man woman king queen...
    centre = points[:4].mean(0)
    _, _, axes = np.linalg.svd(points[:4] - centre, full_matrices=False)
    flat = (points - centre) @ axes[:2].T  # (2P, 2)
    fig, ax = viz.figure(6.4, 5.4)
    for k, (male, female) in enumerate(pairs):
        start, end = flat[2 * k], flat[2 * k + 1]
        color = viz.COLORS["orange"] if male in ("man", "king") else viz.COLORS["blue"]
        ax.annotate("", end, start, arrowprops={"arrowstyle": "->", "color": color, "lw": 1.6})
        ax.text(*start, male, fontsize=10, ha="right", va="bottom")
        ax.text(*end, female, fontsize=10, ha="left", va="top", color=viz.COLORS["red"])
    ax.scatter(flat[:, 0], flat[:, 1], s=12, color=viz.COLORS["gray"])
    ax.set_xlabel("first principal component (of man, woman, king, queen)")
    ax.set_ylabel("second principal component")
    ax.margins(0.12)
    ax.set_title("From male to female: much the same step for every pair\n"
                 f"(orange, in 50-D: woman - man and queen - king at cosine {cosine[0]:.2f};\n"
                 f"two steps between random words: {round(cosine[1], 2) + 0.0:.2f})", fontsize=11)
    return fig


def similarity_figure(vectors, index):
    words = [w for w in SIMILARITY_WORDS if w in index]
    learned = vectors[[index[w] for w in words]]
    fig, axes = viz.figure(9.0, 4.6, ncols=2)
    for ax, matrix, title in ((axes[0], np.eye(len(words)), "one-hot: every two words alike"),
                              (axes[1], learned @ learned.T, "learned: related words close")):
        shown = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_xticks(range(len(words)), words, rotation=90)
        ax.set_yticks(range(len(words)), words)
        ax.grid(False)
        ax.set_title(title)
    fig.colorbar(shown, ax=axes, shrink=0.8, label="cosine similarity")
    fig.suptitle("Cosine similarity of words: one-hot vectors (0 for every pair, all at\n"
                 "distance sqrt 2) against the learned vectors")
    return fig


def training_figure(losses, sections):
    fig, (loss_ax, bar_ax) = viz.figure(10.0, 4.2, ncols=2)
    window = max(1, len(losses) // 50)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    loss_ax.plot(np.arange(window, len(losses) + 1), smooth, color=viz.COLORS["blue"])
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("negative-sampling loss per real pair")
    loss_ax.set_title("Training loss (moving average)")
    names = list(sections)
    values = [sections[n][0] for n in names]
    bars = bar_ax.barh(range(len(names)), values, color=viz.COLORS["orange"])
    bar_ax.bar_label(bars, [f"{v:.0%} of {sections[n][1]}" for n, v in zip(names, values)],
                     fontsize=8, padding=2)
    bar_ax.set_yticks(range(len(names)), names, fontsize=8)
    bar_ax.invert_yaxis()
    bar_ax.set_xlim(0, max(values + [0.1]) * 1.4)
    bar_ax.set_xlabel("accuracy (questions with all words known)")
    bar_ax.set_title("Google's analogy sections: accuracy\nof b - a + c (top 1)")
    return fig
