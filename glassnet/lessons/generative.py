"""What the generative lessons (diffusion, gan) share: how they judge what their models draw (a
digit classifier trained by lesson 2's recipe reads the samples, nearest-neighbour distances
tell a new sample from a copy of a training image, set distances compare a cloud of 2-D samples
with the data) and how they draw many small images at once.

A helper of those lessons, not a lesson itself (lessons.PLANNED does not name it).
"""

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet.lessons import digits as digits_lesson

CLASSES = 10


def train_judge(data, epochs):
    """Lesson 2's MLP (256 -> 128 -> 64 -> 10, ReLU, dropout 0.2, Adam, cosine schedule) trained
    on data.x_train for `epochs`; returns it in eval mode with its test accuracy."""
    model, curve = digits_lesson.train(digits_lesson.Config(), data, epochs, "judge")
    return model, curve.test_accuracy[-1]


def judge(classifier, images):
    """The classifier's answer and its softmax confidence for each image (N, 1, 16, 16) in
    [0, 1]: labels (N,) int, confidence (N,) float."""
    with gn.no_grad():
        logits = classifier(gn.tensor(np.asarray(images, dtype=np.float32)))  # (N, 10)
    probabilities = F.softmax(logits, dim=-1).numpy()
    return probabilities.argmax(axis=1), probabilities.max(axis=1)


def nearest_distances(points, reference, exclude_self=False):
    """For each row of points (N, ...) the Euclidean distance to its nearest row of reference
    (M, ...); exclude_self (points is reference) skips each row's distance to itself."""
    a = np.asarray(points, dtype=np.float32).reshape(len(points), -1)
    b = np.asarray(reference, dtype=np.float32).reshape(len(reference), -1)
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)  # (N, M)
    if exclude_self:
        np.fill_diagonal(squared, np.inf)
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0)).astype(np.float64)


def chamfer_distance(a, b):
    """The symmetric Chamfer distance between point sets a (N, d) and b (M, d): the mean distance
    from a point of one set to the nearest point of the other, averaged over both directions.
    Samples off the data raise the first half; data that no sample comes near, the second."""
    return 0.5 * (nearest_distances(a, b).mean() + nearest_distances(b, a).mean())


def energy_distance(a, b):
    """Szekely & Rizzo's energy distance 2 E|A - B| - E|A - A'| - E|B - B'| between the
    empirical distributions of a (N, d) and b (M, d) (V-statistic); zero only when they match."""
    def mean_distance(x, y):
        return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)).mean()

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return 2 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b)


def mosaic(images, columns, pad=1):
    """Images (N, 1, H, W) or (N, H, W) tiled into one (rows * (H + pad) - pad, ...) array, row
    by row, with `pad` pixels of NaN between them: one imshow instead of N axes (drawing 100
    axes costs matplotlib seconds). Missing tiles at the end stay NaN."""
    images = np.asarray(images, dtype=np.float64)
    images = images[:, 0] if images.ndim == 4 else images
    count, height, width = images.shape
    rows = int(np.ceil(count / columns))
    tiled = np.full((rows * (height + pad) - pad, columns * (width + pad) - pad), np.nan)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (height + pad), column * (width + pad)
        tiled[top : top + height, left : left + width] = image
    return tiled


def show_mosaic(ax, images, columns, pad=1):
    """Draw mosaic(images) on ax, pixels in [0, 1] in gray on a white background, no ticks."""
    from matplotlib import colormaps

    cmap = colormaps["gray"].with_extremes(bad="white")
    ax.imshow(mosaic(images, columns, pad), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
