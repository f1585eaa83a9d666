"""Lesson 10, autoencoder: a digit squeezed into a few numbers and rebuilt from them alone.

The article's picture: an encoder narrows down to a small layer in the middle (the code), a
decoder widens back out, and the network is trained to output its own input. Whatever passes the
bottleneck is all the decoder gets, so the code must hold what matters about the image. Here the
images are digits16 (5,000 MNIST digits at 16x16; 4,000 to train, 1,000 to test) and the code
has 2, 4, 8, 16 or 32 numbers (`glassnet.models.autoencoder`: 256 -> 128 -> 64 -> code -> 64 ->
128 -> 256 for codes of 4 and more, and one layer deeper, 256 -> 256 -> 128 -> 64 -> 2 and back,
for the 2-D code; LeakyReLU, trained with binary cross-entropy, Adam at 0.005 with a cosine
schedule, batches of 128, 100 epochs, every code size alike).

The yardstick is principal component analysis, the best *linear* code of each size: project the
centred image on the top k right singular vectors of the training set (NumPy's SVD) and back.
Hinton & Salakhutdinov (Science, 2006) showed that a deep autoencoder beats PCA at the same code
size, and that its 2-D codes separate the digit classes where the first two principal components
mix them. Both are measured here: reconstruction error (mean squared pixel error on the test
digits) against code size for both methods, and how well a 10-nearest-neighbour classifier that
knows only the 2-D codes of the training digits labels the test digits (plain Euclidean distance
on the codes as the encoder gives them).

Why the 2-D code gets the deeper encoder: with the 128-64 encoder, trained 80 to 200 epochs at
batch sizes 64 to 256, the 10-NN accuracy on the 2-D codes stayed at 0.66-0.72 over seeds 0-4 in
PyTorch, never 0.7 on every seed; a 256-128 encoder gave 0.68-0.74. One more layer (256-128-64)
gave 0.74-0.76 on every seed: squeezing to two numbers is a strongly nonlinear map, and depth is
what Hinton & Salakhutdinov used for it. The same deeper net is worse at codes of 16 and 32
(0.0100-0.0106 at 32, against the shallow net's 0.0066-0.0072), so the larger codes keep 128-64.
Earlier, 80 epochs at batches of 256 and Adam at 0.01 left the larger codes undertrained: the
error went from 16 to 32 by a ratio of 0.91-0.93 in PyTorch and up to 1.006 in glassnet (it rose
on one seed); 100 epochs at batches of 128 (more than twice the steps) makes it fall on every
seed.

Calibration (2026-12-05, PyTorch 2.13.0 CPU, NumPy 2.3; the same data, architectures, loss,
optimizer, schedule and epochs; seeds 0-4; benchmarks/calibrate_autoencoder.py). Test error per
pixel at code sizes 2/4/8/16/32: autoencoder 0.0243-0.0254 / 0.0187-0.0194 / 0.0112-0.0115 /
0.0074-0.0077 / 0.0065-0.0067, PCA 0.0385 / 0.0316 / 0.0229 / 0.0146 / 0.0074. So the
autoencoder's error is 0.63-0.66 of PCA's at size 2, it falls at every step (the largest ratio of
one size's error to the previous one, always from 16 to 32, 0.87-0.88), and PCA nearly catches up
at 32: 32 principal components already keep most of a 256-pixel digit. 10-NN accuracy on the 2-D
codes: 0.735-0.774, against 0.391 for the first two principal components. Quick mode (code sizes
2, 4 and 16, 15 epochs): error ratio to PCA at size 2 0.78-0.85, 10-NN accuracy 0.53-0.62,
largest error ratio between sizes at most 0.79.

glassnet, full mode, seeds 0-4: error ratio to PCA at size 2 0.623-0.651, largest error ratio
between sizes 0.827-0.899 (from 16 to 32 on every seed), 10-NN accuracy 0.728-0.780 (PCA's
0.391); 39-41 s of CPU time with one BLAS thread, 43-44 s on a quiet 2-core machine with two
(the issue's target was 20 s: the deeper, longer-trained 2-D model is what reaches 0.7; seed 7:
10-NN 0.730, error ratio 0.655, largest step 0.838). Quick mode: error ratio 0.75-0.82, 10-NN
accuracy 0.53-0.62, largest error ratio at most 0.90; 5.0-5.5 s of CPU time.

Checks, full mode (quick in THRESHOLDS): error at code size 2 at most 0.72 of PCA's; the error
falls with every larger code up to 32 (largest ratio of one size's error to the previous one at
most 1); 10-NN accuracy on the 2-D codes at least 0.7 (the issue's bar, a little below PyTorch's
0.735), and at least 0.3 above PCA's (0.39 with k = 10). PCA's accuracy is the same on every
seed (an SVD of the fixed training split), so in full mode the last two checks ask nearly the
same (0.7 against 0.691); the comparison is kept as a check because it is the article's claim.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
from glassnet import optim, viz
from glassnet.data import DataLoader, TensorDataset, load_digits
from glassnet.lessons.base import LessonConfig, Result
from glassnet.models.autoencoder import Autoencoder, AutoencoderConfig, reconstruction_loss
from glassnet.train import ProgressBar, fit

NAME = "autoencoder"
TITLE = "Autoencoder: a digit squeezed to two numbers and back"
IDEA = (
    "An autoencoder is trained to output its own input through a narrow middle layer, so the "
    "few numbers in that layer (the code) must hold what matters about the image. "
    "Squeezed to just two numbers, handwritten digits are rebuilt better than by the best "
    "linear two-number code (PCA), and digits of the same kind land together in the 2-D code. "
    "The bigger the code, the smaller the reconstruction error, and PCA nearly catches up at 32."
)

IMAGE_SIZE = 16
CLASSES = 10
QUICK = {"code_sizes": (2, 4, 16), "epochs": 15}
# (error ratio to PCA at code 2 at most, 10-NN accuracy at least, its margin over PCA's at least)
THRESHOLDS = {False: (0.72, 0.7, 0.3), True: (0.9, 0.45, 0.08)}


@dataclass
class Config(LessonConfig):
    code_sizes: tuple = (2, 4, 8, 16, 32)  # must start with 2 (the code map); ascending
    hidden: tuple = (128, 64)  # encoder widths for codes above 2; the decoder mirrors them
    map_hidden: tuple = (256, 128, 64)  # encoder widths for the 2-D code: deeper, as Hinton's
    epochs: int = 100
    batch_size: int = 128
    lr: float = 0.005
    neighbours: int = 10  # k of the nearest-neighbour classifier on the 2-D codes

    def validate(self):
        problems = []
        sizes = tuple(self.code_sizes)
        if not sizes or sizes[0] != 2 or list(sizes) != sorted(set(sizes)):
            problems.append(f"--code-sizes must start at 2 and ascend, like 2,4,8, got {sizes}")
        elif len(sizes) < 2:
            problems.append(f"--code-sizes needs a second size to compare with 2, got {sizes}")
        elif sizes[-1] > IMAGE_SIZE * IMAGE_SIZE:
            problems.append(f"--code-sizes must be at most {IMAGE_SIZE**2}, got {sizes[-1]}")
        for knob in ("hidden", "map_hidden"):
            widths = tuple(getattr(self, knob))
            if not widths or min(widths) < 1:
                problems.append(f"--{knob.replace('_', '-')} must be positive widths like "
                                f"128,64, got {widths}")
        for knob in ("epochs", "batch_size", "neighbours"):
            if getattr(self, knob) < 1:
                problems.append(f"--{knob.replace('_', '-')} must be >= 1, got "
                                f"{getattr(self, knob)}")
        if self.lr <= 0:
            problems.append(f"--lr must be > 0, got {self.lr}")
        if problems:
            raise ValueError("autoencoder: " + "; ".join(problems))


def train(cfg, images, code_size, epochs):
    """A fresh autoencoder with this code size, trained on images (N, 1, 16, 16); eval mode."""
    hidden = tuple(cfg.map_hidden if code_size == 2 else cfg.hidden)
    model = Autoencoder(AutoencoderConfig(IMAGE_SIZE, 1, hidden, code_size))
    loader = DataLoader(TensorDataset(images, images), batch_size=cfg.batch_size, shuffle=True,
                        drop_last=True)
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))
    fit(model, loader, optimizer, loss_fn=reconstruction_loss, epochs=epochs,
        scheduler=scheduler, scheduler_interval="step",
        callbacks=[ProgressBar(f"autoencoder, code of {code_size}")])
    model.eval()
    return model


def encode(model, images):
    with gn.no_grad():
        return model.encode(gn.tensor(images)).numpy()  # (N, code)


def reconstruct(model, images):
    with gn.no_grad():
        return model.decode(model.encode(gn.tensor(images))).numpy()  # (N, 1, 16, 16)


class PCA:
    """The best linear code of each size: the top principal directions of the training images,
    from NumPy's SVD of the centred data matrix."""

    def __init__(self, images):
        flat = images.reshape(len(images), -1).astype(np.float64)  # (N, 256)
        self.mean = flat.mean(axis=0)
        _, self.spread, self.directions = np.linalg.svd(flat - self.mean, full_matrices=False)

    def encode(self, images, size):
        flat = images.reshape(len(images), -1)
        return (flat - self.mean) @ self.directions[:size].T  # (N, size)

    def reconstruct(self, images, size):
        codes = self.encode(images, size)
        flat = codes @ self.directions[:size] + self.mean  # (N, 256)
        return flat.reshape(images.shape)


def mean_squared_error(reconstructions, images):
    return float(np.mean((reconstructions - images) ** 2))


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k):
    """Accuracy of a k-nearest-neighbour vote (Euclidean; ties go to the smaller digit)."""
    distances = ((test_codes[:, None, :] - train_codes[None, :, :]) ** 2).sum(-1)  # (M, N)
    nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]  # (M, k)
    votes = np.zeros((len(test_codes), CLASSES), dtype=np.int64)
    np.add.at(votes, (np.arange(len(test_codes))[:, None], train_labels[nearest]), 1)
    return float(np.mean(votes.argmax(axis=1) == test_labels))


def run(cfg):
    result = Result(NAME, cfg)
    sizes = QUICK["code_sizes"] if cfg.quick else tuple(cfg.code_sizes)
    epochs = min(cfg.epochs, QUICK["epochs"]) if cfg.quick else cfg.epochs
    digits = load_digits(IMAGE_SIZE, download=False)  # DataUnavailable if not cached
    pca = PCA(digits.x_train)
    models, errors, pca_errors = {}, [], []
    for size in sizes:
        models[size] = train(cfg, digits.x_train, size, epochs)
        errors.append(mean_squared_error(reconstruct(models[size], digits.x_test),
                                         digits.x_test))
        pca_errors.append(mean_squared_error(pca.reconstruct(digits.x_test, size),
                                             digits.x_test))
        result.metric(f"error_code_{size}", errors[-1])
        result.metric(f"pca_error_code_{size}", pca_errors[-1])
    result.metric("epochs", epochs)
    result.metric("parameters_code_2", sum(p.numel() for p in models[2].parameters()))

    ae_codes = encode(models[2], digits.x_train), encode(models[2], digits.x_test)
    pca_codes = pca.encode(digits.x_train, 2), pca.encode(digits.x_test, 2)
    knn = knn_accuracy(ae_codes[0], digits.y_train, ae_codes[1], digits.y_test, cfg.neighbours)
    pca_knn = knn_accuracy(pca_codes[0], digits.y_train, pca_codes[1], digits.y_test,
                           cfg.neighbours)
    result.metric("knn_accuracy_code_2", knn)
    result.metric("pca_knn_accuracy_code_2", pca_knn)

    ratio_floor, knn_floor, margin_floor = THRESHOLDS[bool(cfg.quick)]
    steps = np.array(errors[1:]) / np.array(errors[:-1])
    if 16 in sizes and 32 in sizes:
        result.metric("error_ratio_32_to_16", errors[sizes.index(32)] / errors[sizes.index(16)])
    result.check("autoencoder error / PCA error at code size 2", errors[0] / pca_errors[0],
                 "<=", ratio_floor)
    result.check(f"error falls with code size, every step up to {sizes[-1]} (largest ratio, "
                 "next / this)",
                 steps.max(), "<=", 1.0)
    result.check(f"{cfg.neighbours}-NN test accuracy on the 2-D codes", knn, ">=", knn_floor)
    result.check("10-NN accuracy on 2-D codes, autoencoder minus PCA", knn - pca_knn, ">=",
                 margin_floor)
    result.text("Test error per pixel (mean squared) against code size", error_table(
        sizes, errors, pca_errors))

    result.figure(code_map_figure(ae_codes[1], pca_codes[1], digits.y_test, knn, pca_knn),
                  "code_map")
    result.figure(reconstruction_figure(digits, models, pca), "reconstructions")
    result.figure(error_figure(sizes, errors, pca_errors), "error_vs_code_size")
    return result


def error_table(sizes, errors, pca_errors):
    lines = ["code size   autoencoder   PCA      autoencoder / PCA"]
    for size, error, pca_error in zip(sizes, errors, pca_errors):
        lines.append(f"{size:>9}   {error:>11.4f}   {pca_error:.4f}   {error / pca_error:>17.2f}")
    return "\n".join(lines)


# ---- figures ----
def code_map_figure(codes, pca_codes, labels, knn, pca_knn):
    fig, axes = viz.figure(9.6, 4.6, ncols=2)
    cmap = viz.plt().get_cmap("tab10")
    panels = [(axes[0], codes, f"autoencoder's 2-D code ({knn:.0%} by 10-NN)"),
              (axes[1], pca_codes, f"first two principal components ({pca_knn:.0%} by 10-NN)")]
    for ax, points, title in panels:
        ax.scatter(points[:, 0], points[:, 1], c=labels, cmap=cmap, vmin=-0.5, vmax=9.5, s=6,
                   alpha=0.7, linewidths=0)
        for digit in range(CLASSES):
            x, y = np.median(points[labels == digit], axis=0)
            ax.text(x, y, str(digit), fontsize=13, weight="bold", ha="center", va="center",
                    color=cmap(digit), bbox={"boxstyle": "circle,pad=0.15", "fc": "white",
                                             "ec": cmap(digit), "alpha": 0.85})
        low, high = np.quantile(points, [0.005, 0.995], axis=0)  # a few outliers stretch axes
        pad = 0.05 * (high - low)
        ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
        ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("code 1")
        ax.set_ylabel("code 2")
    fig.suptitle("1,000 test digits, each placed by the two numbers it is squeezed to "
                 "(colour: the true digit)")
    return fig


def reconstruction_figure(digits, models, pca):
    picks = [int(np.flatnonzero(digits.y_test == d)[0]) for d in range(CLASSES)]
    originals = digits.x_test[picks]  # (10, 1, 16, 16)
    rows = [("original", originals), ("PCA, 2 numbers", pca.reconstruct(originals, 2))]
    rows += [(f"autoencoder, {s}", reconstruct(models[s], originals)) for s in sorted(models)]
    fig, ax = viz.figure(6.6, 0.55 * len(rows) + 0.7)
    ax.imshow(mosaic([images[:, 0] for _, images in rows]), cmap="gray_r", vmin=0, vmax=1)
    step = IMAGE_SIZE + 2
    ax.set_yticks([step * row + IMAGE_SIZE / 2 for row in range(len(rows))],
                  [label for label, _ in rows])
    ax.set_xticks([step * d + IMAGE_SIZE / 2 for d in range(CLASSES)], range(CLASSES))
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_title("Test digits (top row) rebuilt from their codes")
    return fig


def mosaic(rows, gap=2):
    """Rows of equal-sized images (each (n, H, W)) as one array with white gaps: one imshow
    draws it (fast), instead of one axes per image."""
    height, width = rows[0].shape[1:]
    canvas = np.zeros((len(rows) * (height + gap) - gap, len(rows[0]) * (width + gap) - gap))
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            top, left = r * (height + gap), c * (width + gap)
            canvas[top : top + height, left : left + width] = np.clip(image, 0, 1)
    return canvas


def error_figure(sizes, errors, pca_errors):
    fig, ax = viz.figure(6.4, 4.0)
    ax.plot(sizes, errors, marker="o", color=viz.COLORS["orange"], label="autoencoder")
    ax.plot(sizes, pca_errors, marker="s", color=viz.COLORS["blue"], label="PCA (linear)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ticks = [t for t in (0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.06)
             if min(errors + pca_errors) / 1.2 <= t <= max(errors + pca_errors) * 1.2]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("code size (numbers kept per 256-pixel digit)")
    ax.set_ylabel("test error per pixel (mean squared)")
    ax.set_title("Reconstruction error falls as the code grows;\nPCA nearly catches up at 32")
    ax.legend()
    return fig
