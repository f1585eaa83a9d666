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


def learned_figure(cnn, image):
    """The first layer's kernels, and one digit's feature maps after each conv + ReLU."""
    with gn.no_grad():
        x = gn.tensor(image[None, None])
        first = cnn.features(x, 2).data[0]  # (C1, 16, 16) after conv1 + ReLU
        second = cnn.features(x, 5).data[0]  # (C2, 8, 8) after conv2 + ReLU
    kernels = cnn.layers.conv1.weight.data[:, 0]  # (C1, 3, 3)
    columns = max(len(kernels), (len(second) + 1) // 2)
    pyplot = viz.plt()
    fig, axes = pyplot.subplots(4, columns + 1, figsize=(1.0 * (columns + 1) + 0.8, 5.6))
    for ax in axes.flat:
        ax.axis("off")
    _image(axes[1, 0], image, "digit", vmin=0, vmax=1)
    bound = np.abs(kernels).max()
    rows = (("conv1 kernel", kernels, 0, "RdBu_r", -bound, bound),
            ("conv1 map", first, 1, "magma", 0, None))
    for title, values, row, cmap, low, high in rows:
        for k, value in enumerate(values):
            _image(axes[row, k + 1], value, f"{title.split()[1]} {k}", cmap=cmap, vmin=low,
                   vmax=high)
    for k, value in enumerate(second):
        _image(axes[2 + k // columns, 1 + k % columns], value, f"conv2 {k}", cmap="magma",
               vmin=0)
    axes[0, 0].text(0.5, 0.5, "learned\n3x3 kernels\n(red +, blue -)", ha="center",
                    va="center", fontsize=9, transform=axes[0, 0].transAxes)
    axes[2, 0].text(0.5, 0.5, "conv2 maps\n(8x8, after\npooling)", ha="center", va="center",
                    fontsize=9, transform=axes[2, 0].transAxes)
    fig.suptitle("What the layers learned: each conv1 unit sees 3x3 pixels (strokes, edges), "
                 "each conv2 unit 8x8 (larger parts)", fontsize=11)
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
