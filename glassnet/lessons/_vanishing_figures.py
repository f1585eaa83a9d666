"""Figures and tables of lesson 7 (vanishing-gradients), kept apart so the lesson reads as the
experiment. Every function takes measured numbers and returns a matplotlib figure or text."""

import numpy as np

from glassnet import viz

LABELS = {
    "sigmoid": "sigmoid, PyTorch default init",
    "relu-he": "ReLU, He init",
    "residual": "residual ReLU (stream after each block)",
    "relu-big": "ReLU, too-large init (exploding)",
    "sigmoid, Adam": "sigmoid, Adam instead of SGD",
}
COLORS = {"sigmoid": "red", "relu-he": "blue", "residual": "green", "relu-big": "orange",
          "sigmoid, Adam": "purple"}


def log_axis(ax, axis="y"):
    """A log scale labelled 1e-05 rather than in mathtext (much slower to lay out), decades
    only."""
    from matplotlib import ticker

    getattr(ax, f"set_{axis}scale")("log")
    target = getattr(ax, f"{axis}axis")
    target.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:.0e}"))
    target.set_minor_formatter(ticker.NullFormatter())


def integer_ticks(ax):
    from matplotlib import ticker

    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))


def positions(name, count):
    """Layer numbers (1 = the input side) of a setting's traced layers: the residual net's are
    its stem and the second layer of each block, 1, 3, 5, ..."""
    return np.arange(count) * 2 + 1 if name == "residual" else np.arange(1, count + 1)


def first_nonfinite(losses):
    """The 1-based step whose loss was first inf or NaN, or 0 if none was."""
    bad = np.flatnonzero(~np.isfinite(losses))
    return int(bad[0]) + 1 if bad.size else 0


def norm_table(norms):
    header = f"{'setting':<36} {'first layer':>12} {'middle':>12} {'last layer':>12} {'first/last':>11}"
    rows = [header, "-" * len(header)]
    for name, values in norms.items():
        rows.append(f"{LABELS[name]:<36} {values[0]:>12.3e} {values[len(values) // 2]:>12.3e} "
                    f"{values[-1]:>12.3e} {values[0] / values[-1]:>11.3g}")
    return "\n".join(rows)


def gradient_figure(norms, updates, depth):
    fig, (left, right) = viz.figure(11.0, 4.4, ncols=2)
    for name, values in norms.items():
        left.plot(positions(name, len(values)), values, marker=".", color=viz.COLORS[COLORS[name]],
                  label=LABELS[name])
    log_axis(left)
    left.set_xlabel("layer (1 = next to the input)")
    left.set_ylabel("||dL/dz||, gradient reaching the layer")
    left.set_title(f"Gradients at initialisation, {depth}-layer nets")
    integer_ticks(left)
    integer_ticks(right)
    left.legend(fontsize=8)
    for name, values in updates.items():
        style = "--" if "Adam" in name else "-"
        label = {"sigmoid": "sigmoid, SGD", "relu-he": "ReLU + He, SGD"}.get(name, name)
        right.plot(np.arange(1, len(values) + 1), np.maximum(values, 1e-30), style, marker=".",
                   color=viz.COLORS[COLORS[name]], label=label)
    log_axis(right)
    right.set_xlabel("layer (1 = next to the input)")
    right.set_ylabel("||W after - W before||")
    right.set_title("Size of the first update of each layer")
    right.legend(fontsize=8, title="Adam levels the steps down to its eps", title_fontsize=8)
    return fig


def training_figure(curves, depth, lr):
    fig, (loss_ax, accuracy_ax) = viz.figure(11.0, 4.2, ncols=2)
    for name, curve in curves.items():
        epochs = np.arange(1, len(curve.epoch_loss) + 1)
        style = "--" if "Adam" in name else "-"
        label = LABELS[name] if "Adam" in name else LABELS[name].split(" (")[0] + ", SGD"
        color = viz.COLORS[COLORS[name]]
        loss_ax.plot(epochs, curve.epoch_loss, style, marker=".", color=color, label=label)
        accuracy_ax.plot(epochs, curve.test_accuracy, style, marker=".", color=color, label=label)
    accuracy_ax.axhline(0.1, color=viz.COLORS["gray"], linestyle=":", label="chance (0.1)")
    integer_ticks(loss_ax)
    integer_ticks(accuracy_ax)
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training loss (cross-entropy)")
    loss_ax.set_title(f"{depth} hidden layers, plain SGD (lr {lr:g})")
    loss_ax.legend(fontsize=8)
    accuracy_ax.set_ylim(0, 1)
    accuracy_ax.set_xlabel("epoch")
    accuracy_ax.set_ylabel("accuracy on 1,000 test digits")
    accuracy_ax.set_title("Test accuracy")
    accuracy_ax.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1, 0.12))
    return fig


def _plot_until_nonfinite(ax, values, color, label):
    """Plot the finite prefix; mark where the run became inf/NaN."""
    steps = np.arange(1, len(values) + 1)
    end = first_nonfinite(values)
    shown = slice(0, end - 1 if end else len(values))
    marker = {"marker": "o", "markersize": 7, "zorder": 3} if end else {"marker": "."}
    ax.plot(steps[shown], values[shown], color=color, label=label, **marker)
    if end:
        ax.axvline(end, color=color, linestyle=":", linewidth=1.2)
        ax.annotate(f"step {end}: inf/NaN", (end, 0.93), xycoords=("data", "axes fraction"),
                    xytext=(6, 0), textcoords="offset points", color=color, fontsize=9)


def exploding_figure(unclipped, clipped, cfg):
    fig, (loss_ax, norm_ax) = viz.figure(11.0, 4.2, ncols=2)
    runs = (("no clipping", unclipped, viz.COLORS["orange"]),
            (f"clip_grad_norm_({cfg.clip:g})", clipped, viz.COLORS["purple"]))
    for label, (losses, norms), color in runs:
        _plot_until_nonfinite(loss_ax, losses, color, label)
        _plot_until_nonfinite(norm_ax, norms, color, label)
    norm_ax.axhline(cfg.clip, color=viz.COLORS["gray"], linestyle="--",
                    label=f"clipped to {cfg.clip:g}")
    for ax in (loss_ax, norm_ax):
        log_axis(ax)
        ax.set_xlabel("SGD step")
        ax.legend(fontsize=8, loc="lower left")
    loss_ax.set_ylabel("training loss (cross-entropy)")
    loss_ax.set_title(f"Init std {cfg.big_init:g}x He's: each layer doubles the signal")
    norm_ax.set_ylabel("total gradient norm, before clipping")
    norm_ax.set_title("Gradient norm: clipping caps the step")
    return fig


def memory_figure(runs, length):
    trained = "curve" in runs["LSTM"]
    fig, axes = viz.figure(11.0 if trained else 6.4, 4.2, ncols=2 if trained else 1)
    grad_ax = axes[1] if trained else axes
    colors = {"RNN": viz.COLORS["red"], "LSTM": viz.COLORS["blue"]}
    for label, run in runs.items():
        steps = np.arange(len(run["init"]))
        grad_ax.plot(steps, run["init"], "--", color=colors[label], label=f"{label}, at init")
        if trained:
            grad_ax.plot(steps, run["trained"], color=colors[label], label=f"{label}, trained")
            axes[0].plot(run["curve"].steps, run["curve"].accuracy, marker=".",
                         color=colors[label], label=label)
    log_axis(grad_ax)
    grad_ax.set_xlabel("time step t (0 = the symbol to remember)")
    grad_ax.set_ylabel("||dL/dx_t||")
    grad_ax.set_title("Gradient reaching each time step")
    grad_ax.legend(fontsize=8)
    if trained:
        axes[0].axhline(0.125, color=viz.COLORS["gray"], linestyle=":", label="chance (1/8)")
        axes[0].set_ylim(0, 1.02)
        axes[0].set_xlabel("Adam step")
        axes[0].set_ylabel("accuracy on 1,000 test sequences")
        axes[0].set_title(f"Recall the first symbol after {length} distractors")
        axes[0].legend(fontsize=8)
    return fig
