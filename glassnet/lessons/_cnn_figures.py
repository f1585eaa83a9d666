"""Figures and tables of lesson 8 (cnn), kept apart so the lesson reads as the experiment.
Every function takes measured numbers (or the trained model) and returns a figure or text."""

import numpy as np

import glassnet as gn
from glassnet import viz


def _image(ax, values, title, cmap="gray_r", **options):
    shown = ax.imshow(values, cmap=cmap, **options)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    return shown


def sliding_figure(image, kernels, maps):
    pyplot = viz.plt()
    fig, axes = pyplot.subplots(2, len(kernels) + 1, figsize=(8.4, 4.6))
    _image(axes[0, 0], image, "a test digit (16x16)", vmin=0, vmax=1)
    axes[1, 0].axis("off")
    axes[1, 0].text(0.0, 0.5, "each output pixel =\nsum of the 3x3 kernel\ntimes the pixels "
                    "under it,\nat every position\n(zeros around the edge)",
                    fontsize=10, va="center", transform=axes[1, 0].transAxes)
    for column, ((name, kernel), values) in enumerate(zip(kernels.items(), maps), start=1):
        bound = np.abs(kernel).max()
        _image(axes[0, column], kernel, f"kernel: {name}", cmap="RdBu_r", vmin=-bound,
               vmax=bound)
        for (row, col), weight in np.ndenumerate(kernel):
            color = "white" if abs(weight) > 0.6 * bound else "black"
            axes[0, column].text(col, row, f"{weight:.2g}", ha="center", va="center",
                                 fontsize=9, color=color)
        bound = np.abs(values).max()
        shown = _image(axes[1, column], values, "feature map", cmap="RdBu_r", vmin=-bound,
                       vmax=bound)
        fig.colorbar(shown, ax=axes[1, column], shrink=0.8)
    fig.suptitle("A 3x3 kernel slid over the digit: edges light up where the image looks like "
                 "the kernel (red +, blue -)", fontsize=11)
    return fig


def sharing_table(sharing):
    header = f"{'layer':<8} {'convolution':>12} {'dense layer, same shapes':>26} {'ratio':>8}"
    rows = [header, "-" * len(header)]
    for name, (conv, dense) in sharing.items():
        rows.append(f"{name:<8} {conv:>12,} {dense:>26,} {dense / conv:>8,.0f}")
    return "\n".join(rows)


def shift_figure(curves, by_shift, shifts, sizes, digit):
    pyplot = viz.plt()
    fig = pyplot.figure(figsize=(11.0, 4.4))
    grid = fig.add_gridspec(2, 3 + len(shifts), height_ratios=(4, 1))
    train_ax = fig.add_subplot(grid[:, :3])
    shift_ax = fig.add_subplot(grid[0, 3:])
    colors = {"CNN": viz.COLORS["blue"], "MLP": viz.COLORS["orange"]}
    for name, curve in curves.items():
        label = f"{name}, {sizes[name]:,} parameters"
        epochs = np.arange(1, len(curve.test_accuracy) + 1)
        train_ax.plot(epochs, curve.test_accuracy, marker=".", color=colors[name], label=label)
        shift_ax.plot(shifts, by_shift[name], marker="o", color=colors[name], label=label)
    train_ax.set_xlabel("epoch")
    train_ax.set_ylabel("accuracy on 1,000 test digits")
    train_ax.set_title("Training (Adam, cosine schedule)")
    from matplotlib import ticker

    train_ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    train_ax.legend(loc="lower right")
    shift_ax.axhline(0.1, color=viz.COLORS["gray"], linestyle=":", label="chance")
    shift_ax.set_xticks(shifts)
    shift_ax.set_ylim(0, 1)
    shift_ax.set_xlabel("shift (pixels, up/down/left/right averaged)")
    shift_ax.set_ylabel("test accuracy")
    shift_ax.set_title("Test digits moved: the CNN keeps more")
    shift_ax.legend(fontsize=8)
    from glassnet.lessons.cnn import shift

    for column, pixels in enumerate(shifts):
        ax = fig.add_subplot(grid[1, 3 + column])
        _image(ax, shift(digit[None], 0, pixels)[0, 0], f"{pixels} px right", vmin=0, vmax=1)
    return fig


def mosaic(tiles, columns, normalise=False):
    """Tiles (K, h, w) laid out `columns` to a row in one array, one NaN pixel between them (drawn
    blank); normalise=True scales each tile to its own maximum, for feature maps."""
    tiles = np.asarray(tiles, dtype=np.float64)
    if normalise:
        tiles = tiles / np.maximum(tiles.max(axis=(1, 2), keepdims=True), 1e-12)
    count, height, width = tiles.shape
    rows = -(-count // columns)
    out = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for k, tile in enumerate(tiles):
        top, left = (k // columns) * (height + 1), (k % columns) * (width + 1)
        out[top : top + height, left : left + width] = tile
    return out


def learned_figure(cnn, image):
    """The first layer's kernels, and one digit's feature maps after each conv + ReLU, each set
    as one mosaic (one axes per set: dozens of small axes are slow to draw)."""
    with gn.no_grad():
        x = gn.tensor(image[None, None])
        first = cnn.features(x, 2).array[0]  # (C1, 16, 16) after conv1 + ReLU
        second = cnn.features(x, 5).array[0]  # (C2, 8, 8) after conv2 + ReLU
    kernels = cnn.layers.conv1.weight.array[:, 0]  # (C1, 3, 3)
    columns = int(np.ceil(np.sqrt(len(kernels))))
    pyplot = viz.plt()
    fig, axes = pyplot.subplots(1, 4, figsize=(11.0, 3.6),
                                gridspec_kw={"width_ratios": (1, 1.1, 1.6, 1.6)})
    _image(axes[0], image, "the digit", vmin=0, vmax=1)
    bound = np.abs(kernels).max()
    _image(axes[1], mosaic(kernels, columns), f"conv1: its {len(kernels)} learned 3x3 kernels\n"
           "(red +, blue -)", cmap="RdBu_r", vmin=-bound, vmax=bound)
    _image(axes[2], mosaic(first, columns, normalise=True),
           f"conv1 maps: {len(first)} x 16x16\n(each unit sees 3x3 pixels)", cmap="magma")
    wide = int(np.ceil(len(second) / columns))
    _image(axes[3], mosaic(second, wide, normalise=True),
           f"conv2 maps: {len(second)} x 8x8\n(each unit sees 8x8 pixels)", cmap="magma")
    fig.suptitle("What the layers learned: strokes and edges in conv1, larger parts in conv2",
                 fontsize=11)
    return fig


def field_figure(image, gradients, fields):
    """Over the digit (its outline in black), |d unit / d pixel| for one unit per depth."""
    pyplot = viz.plt()
    fig, axes = pyplot.subplots(1, len(gradients), figsize=(9.6, 3.8))
    titles = {"conv1": "a conv1 unit (centre)", "conv2": "a conv2 unit (centre)",
              "output": "the predicted logit"}
    for ax, (name, gradient) in zip(axes, gradients.items()):
        seen = gradient > 1e-7 * gradient.max()
        shown = np.where(seen, gradient / gradient.max(), np.nan)
        _image(ax, shown, "", cmap="Reds", vmin=0, vmax=1)
        ax.contour(image, levels=[0.35], colors="black", linewidths=1.2)
        ax.set_title(f"{titles[name]}: sees {int(seen.sum())} px\n"
                     f"({fields[name]} px over 100 test digits)", fontsize=10)
    fig.suptitle("Receptive fields, measured: the pixels whose change moves the unit "
                 "(gradient, red) grow with depth", fontsize=11)
    return fig
