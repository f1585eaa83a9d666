"""Figures with matplotlib, imported only when a figure is made (Agg backend, no display).

One house style so every lesson's figures read alike: readable at the size the report shows
them (about 640 px wide), titled, labelled axes, legends where there is more than one line."""

from pathlib import Path

# red and green as in the article's examples, plus neutral colours for everything else
COLORS = {"red": "#d62728", "green": "#2ca02c", "blue": "#1f77b4", "orange": "#ff7f0e",
          "gray": "#7f7f7f", "purple": "#9467bd"}


def plt():
    """matplotlib.pyplot with the Agg backend and the house style."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "font.size": 11, "axes.titlesize": 12,
        "axes.labelsize": 11, "legend.fontsize": 9, "axes.grid": True, "grid.alpha": 0.3,
        "figure.constrained_layout.use": True, "svg.fonttype": "none",
    })
    return pyplot


def figure(width=6.4, height=4.0, **kwargs):
    return plt().subplots(figsize=(width, height), **kwargs)


def save(fig, stem):
    """Write stem.png and stem.svg; return the two file names."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    names = []
    for suffix in (".png", ".svg"):
        fig.savefig(stem.with_suffix(suffix))
        names.append(stem.with_suffix(suffix).name)
    plt().close(fig)
    return names


def image_grid(images, title="", columns=None, cmap="gray"):
    """A figure of images (N, C, H, W) or (N, H, W), pixels in [0, 1], laid out in a near-square
    grid without axes; one channel is drawn with cmap, three as RGB."""
    import numpy as np

    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    count = len(images)
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    fig, axes = plt().subplots(rows, columns, figsize=(0.8 * columns + 0.4, 0.8 * rows + 0.6),
                               squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < count:
            ax.imshow(np.clip(images[index], 0, 1), cmap=cmap, vmin=0, vmax=1)
    if title:
        fig.suptitle(title)
    return fig
