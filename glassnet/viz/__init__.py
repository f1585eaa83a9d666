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
