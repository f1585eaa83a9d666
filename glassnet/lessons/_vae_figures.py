"""The vae lesson's figures and its table of the walk (kept apart so the lesson reads as the
experiment). Grids of images are drawn as one mosaic per panel: one imshow is fast, an axes per
image is not."""

import numpy as np

import glassnet as gn
from glassnet import viz

SHORT = {"new moon": "new", "waxing crescent": "wax. cres.", "first quarter": "1st qtr",
         "waxing gibbous": "wax. gibb.", "full moon": "full", "waning gibbous": "wan. gibb.",
         "last quarter": "last qtr", "waning crescent": "wan. cres."}


def mosaic(images, columns, gap=2, fill=1.0):
    """Images (N, H, W) in [0, 1] laid out `columns` wide, separated by gaps of `fill`."""
    rows = int(np.ceil(len(images) / columns))
    height, width = images.shape[1:]
    canvas = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), fill)
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        canvas[top : top + height, left : left + width] = np.clip(image, 0, 1)
    return canvas


def walk_table(found):
    lines = ["model         step   phase read    lit    distance to nearest rendering"]
    for label, study in found.items():
        reading = study["reading"]
        for step, (phase, name, lit, distance) in enumerate(zip(
                reading.phase, reading.name, reading.lit, reading.distance)):
            lines.append(f"{label:<12}  {step:>4}   {np.degrees(phase):>5.0f} deg  {lit:>5.2f}"
                         f"    {distance:.3f}  {name}")
    return "\n".join(lines)


def walk_figure(found, steps):
    fig, axes = viz.figure(7.6, 3.3, nrows=2)
    for ax, (label, study) in zip(axes, found.items()):
        reading = study["reading"]
        ax.imshow(mosaic(study["walk"][:, 0], steps, fill=0.35), cmap="gray", vmin=0, vmax=1)
        size = study["walk"].shape[-1] + 2
        ax.set_xticks([size * i + size / 2 - 1 for i in range(steps)],
                      [f"{SHORT[n]}\n{lit:.2f}" for n, lit in zip(reading.name, reading.lit)],
                      fontsize=8)
        ax.set_yticks([])
        ax.tick_params(length=0)
        ax.grid(False)
        middle = steps // 2
        ax.add_patch(viz.plt().Rectangle((size * middle - 1.5, -1.5), size, size, fill=False,
                                         ec=viz.COLORS["orange"], lw=2))
        ax.set_ylabel(label, fontsize=11)
    fig.suptitle("Decoding the straight line from a full moon's code (left) to a half moon's\n"
                 "(under each: the phase meter's reading and lit fraction; the midpoint boxed)",
                 fontsize=11)
    return fig


def _grid(count):
    """count x count points from -2.5 to 2.5 in each direction, row 0 at the top: (count^2, 2)."""
    axis = np.linspace(-2.5, 2.5, count)
    return np.array([[x, y] for y in axis[::-1] for x in axis])


GRID = _grid(11)  # where the lesson decodes each model's code space


def code_grid_figure(found, count=11):
    fig, axes = viz.figure(9.6, 5.2, ncols=2)
    titles = {"VAE": "VAE: codes z from -2.5 to 2.5",
              "autoencoder": "autoencoder: its codes' mean +- 2.5 std"}
    for ax, (label, study) in zip(axes, found.items()):
        images, away = study["grid"][:, 0], ~study["grid_moons"]
        ax.imshow(mosaic(images, count, fill=0.35), cmap="gray", vmin=0, vmax=1)
        size = images.shape[-1] + 2
        for index in np.flatnonzero(away):
            row, column = divmod(index, count)
            ax.add_patch(viz.plt().Rectangle((column * size - 1.5, row * size - 1.5), size, size,
                                             fill=False, ec=viz.COLORS["red"], lw=1.5))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        ax.set_title(f"{titles[label]}\n{away.sum()} of {len(away)} are not moons (red)",
                     fontsize=10)
    fig.suptitle("The 2-D code space, decoded on an 11 x 11 grid")
    return fig


def codes_figure(found, phases):
    fig, axes = viz.figure(9.6, 4.6, ncols=2)
    for ax, (label, study) in zip(axes, found.items()):
        codes = study["codes"]
        shown = ax.scatter(codes[:, 0], codes[:, 1], c=np.degrees(phases), cmap="twilight",
                           vmin=0, vmax=360, s=5, linewidths=0)
        bad = study["samples_codes"][~study["moons"]]
        ax.scatter(bad[:, 0], bad[:, 1], marker="x", s=14, color=viz.COLORS["red"], lw=0.8,
                   label=f"prior samples that are not moons ({len(bad)} of "
                         f"{len(study['moons'])})")
        ends = study["end_codes"]
        ax.plot(ends[:, 0], ends[:, 1], color=viz.COLORS["orange"], lw=2, marker="o",
                label="walk: full moon -> half moon")
        ax.set_title(f"{label}: {study['moons'].mean():.1%} of prior samples are moons",
                     fontsize=11)
        ax.set_xlabel("code 1")
        ax.set_ylabel("code 2")
        ax.legend(loc="lower left", fontsize=8)
    fig.colorbar(shown, ax=axes, shrink=0.8, label="phase angle of the training moon (degrees)",
                 ticks=[0, 90, 180, 270, 360])
    fig.suptitle("Codes of the 1,000 training moons (colour: phase; 0 new, 180 full)")
    return fig


def loss_figure(losses, epochs):
    fig, (left, right) = viz.figure(8.4, 3.6, ncols=2)
    colors = {"VAE": viz.COLORS["orange"], "autoencoder": viz.COLORS["blue"]}
    for label, recorded in losses.items():
        curve = recorded.per_epoch(recorded.reconstruction, epochs[label])
        left.plot(np.arange(1, len(curve) + 1), curve, color=colors[label], label=label)
    vae = losses["VAE"]
    kl = vae.per_epoch(vae.kl, epochs["VAE"])
    right.plot(np.arange(1, len(kl) + 1), kl, color=colors["VAE"], label="VAE: KL to N(0, I)")
    left.set(xlabel="epoch", ylabel="nats per image", title="Reconstruction (cross-entropy)")
    right.set(xlabel="epoch", ylabel="nats per image", title="KL divergence (VAE only)")
    left.legend()
    right.legend()
    fig.suptitle("The VAE's loss is reconstruction + KL; the autoencoder's reconstruction only")
    return fig


def digits_grid_figure(model, count=15):
    codes = _grid(count) * 2 / 2.5  # z from -2 to 2
    axis = np.linspace(-2, 2, count)
    with gn.no_grad():
        images = model.decode(gn.tensor(codes.astype(np.float32))).numpy()[:, 0]
    fig, ax = viz.figure(6.0, 6.2)
    ax.imshow(mosaic(1 - images, count, gap=1), cmap="gray", vmin=0, vmax=1)
    size = images.shape[-1] + 1
    ticks = [size * i + size / 2 - 1 for i in range(0, count, 7)]
    labels = [f"{v:.0f}" for v in axis[::7]]
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels[::-1])
    ax.grid(False)
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title("A VAE with a 2-D code on digits16: its code space, decoded\n"
                 "(z from -2 to 2 in each direction; digits blend into one another)",
                 fontsize=11)
    return fig
