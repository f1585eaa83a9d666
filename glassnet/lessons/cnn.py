"""Lesson 8, cnn: a kernel sliding over the image.

A convolutional layer slides a small kernel (here 3x3) over every position of the image and at
each one takes the sum of the kernel times the pixels under it: the response is large where the
image looks like the kernel. (As in PyTorch and every deep-learning library this is a
cross-correlation; a mathematician's convolution flips the kernel first, which for a learned
kernel changes nothing. The kernel can also move by more than one pixel at a time: the stride.)
The idea goes back to Fukushima's Neocognitron (1980); LeCun et al. (1989, "Backpropagation
applied to handwritten zip code recognition") trained such shared-weight layers by
backpropagation on 16x16 digits, and LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998) fixed the
plan used here: convolution, subsampling, convolution, subsampling, then dense layers.

1. The engine's conv2d (float32) equals an explicit loop over positions (float64) for three
   hand-made kernels (Sobel's vertical and horizontal edges and a blur) on 20 real digits
   (check: max difference <= 1e-6, float32 rounding being ~2e-7 at these values).
2. A small CNN (models/cnn.py: conv 3x3 -> ReLU -> max-pool 2 -> conv 3x3 -> ReLU -> max-pool 2
   -> linear; 9,930 parameters with channels 16, 32) against the lesson-2 MLP (256-128-64-10,
   41,802 parameters, dropout 0.2), both with lesson 2's recipe: Adam, lr 0.005, cosine schedule,
   batch 64; 30 epochs for the MLP as in lesson 2, 15 for the CNN. Checks: CNN test accuracy
   >= 0.95 (quick mode, 3 epochs each: >= 0.90), above the MLP's, with fewer parameters. Weight
   sharing is why so few: one 3x3 kernel per pair of channels serves every position, where a
   dense layer producing conv1's 16 x 16 x 16 outputs from the 256 pixels needs 1,052,672
   weights and biases against conv1's 160, and conv2's 32 x 8 x 8 from 16 x 8 x 8 needs
   2,099,200 against 4,640 (metrics, and a table in the report).
3. Shifts: the 1,000 test digits moved by s = 1, 2, 3 pixels up, down, left and right (zeros
   come in), accuracy averaged over the four directions. Check: the CNN above the MLP at every
   shift of 2 pixels or more. Max pooling gives a little invariance (a feature that moves within
   a 2x2 window gives the same output), shared kernels find a stroke wherever it is; the MLP's
   weights are tied to pixel positions. Neither is invariant to large shifts: on 16x16 digits
   three pixels is a fifth of the image, and both fall toward chance.
4. What the layers learn: the first layer's kernels, the feature maps of one digit at each depth,
   and receptive fields measured from gradients: the input pixels whose change moves a unit
   (nonzero d unit / dx, the unit being the sum over channels at the centre of the map, or the
   predicted logit, over 100 test digits). Checks: the field grows with depth (conv1 < conv2 <
   output; by the arithmetic 3x3 = 9, then 8x8 = 64 after a 2x2 pool and a second 3x3, and the
   whole 16x16 for an output; for a single digit the conv2 field can be smaller, where ReLUs are
   off or pooling routes the gradient elsewhere).

Calibration: the same recipes in PyTorch 2.13.0 (CPU, 2026-12-05) on the same split, seeds 0-4,
and glassnet's full mode, seeds 0-4 and 7 (test accuracy; shifted: averaged over 4 directions):

    measured                     PyTorch          glassnet         check
    CNN, test accuracy           0.971 - 0.976    0.970 - 0.975    >= 0.95
    MLP, test accuracy           0.949 - 0.958    0.946 - 0.960    below the CNN
    CNN, shifted 1 pixel         0.913 - 0.922    0.901 - 0.924
    MLP, shifted 1 pixel         0.757 - 0.766    0.744 - 0.762
    CNN, shifted 2 pixels        0.604 - 0.639    0.584 - 0.635    above the MLP
    MLP, shifted 2 pixels        0.299 - 0.314    0.289 - 0.305
    CNN, shifted 3 pixels        0.279 - 0.303    0.275 - 0.320    above the MLP
    MLP, shifted 3 pixels        0.119 - 0.122    0.115 - 0.125
    conv2d vs the loop           -                4.3e-7           <= 1e-6
    receptive field, pixels      -                9, 64, 256       growing
    CPU seconds, one BLAS thread -                12.7 - 15.1      (budget 30; quick 5-6)

The issue's "PyTorch reaches 0.966 with a small CNN on this split" matches: 0.960-0.969 for
channels 8, 16 and 12 epochs (3,818 parameters), which glassnet also reached (0.950-0.974) but
too close to the 0.95 floor for every seed, hence the wider layers and 15 epochs.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import optim
from glassnet.data import DataLoader, TensorDataset, load_digits
from glassnet.lessons import _cnn_figures as figures
from glassnet.lessons import digits as lesson2
from glassnet.lessons.base import LessonConfig, Result
from glassnet.models.cnn import CNN, dense_equivalent_parameters
from glassnet.train import ProgressBar, fit

NAME = "cnn"
TITLE = "Convolutional networks: a kernel sliding over the image"
IDEA = (
    "A convolutional layer slides one small kernel over every position of the image and "
    "responds where the image looks like the kernel, so a handful of shared weights finds an "
    "edge or a stroke wherever it is. Stacked with pooling, such layers see ever larger parts "
    "of the digit, and a network of ten thousand weights reads digits better than a fully "
    "connected one four times its size, and keeps more of its accuracy when they move."
)

QUICK_EPOCHS = 3
SHIFTS = (0, 1, 2, 3)
FIELD_DIGITS = 100  # test digits over which each receptive field is measured
LOOP_DIGITS = 20  # test digits on which conv2d is compared with the explicit loop
# hand-made kernels (Sobel 1968 for the edges): x-gradient finds vertical edges
KERNELS = {
    "vertical edge": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float32),
    "horizontal edge": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float32),
    "blur": np.full((3, 3), 1 / 9, dtype=np.float32),
}
ACCURACY_FLOOR = {False: 0.95, True: 0.90}


@dataclass
class Config(LessonConfig):
    channels: tuple = (16, 32)  # the two convolutions' output channels; --channels 16,32
    epochs: int = 15  # the CNN's; the MLP keeps lesson 2's 30
    lr: float = 0.005
    example_digit: int = 2  # the first test image of this digit is drawn

    def validate(self):
        problems = []
        if len(self.channels) != 2 or min(self.channels) < 1:
            problems.append(f"--channels must be two positive widths like 8,16, got "
                            f"{self.channels}")
        if self.epochs < 1:
            problems.append(f"--epochs must be >= 1, got {self.epochs}")
        if not self.lr > 0:
            problems.append(f"--lr must be > 0, got {self.lr}")
        if not 0 <= self.example_digit <= 9:
            problems.append(f"--example-digit must be 0..9, got {self.example_digit}")
        if problems:
            raise ValueError("cnn: " + "; ".join(problems))


# ---- 1. the kernel, sliding ----
def explicit_correlation(image, kernel):
    """out[i, j] = sum over (a, b) of padded[i + a, j + b] * kernel[a, b]: one position at a
    time, zeros around the border (padding k // 2 keeps the size)."""
    size, pad = kernel.shape[0], kernel.shape[0] // 2
    padded = np.pad(image.astype(np.float64), pad)
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.sum(padded[i : i + size, j : j + size] * kernel)
    return out


# ---- 2. training ----
def train(model, digits, epochs, lr, label):
    """Lesson 2's recipe: Adam, cosine schedule, batch 64; returns the curve, model in eval."""
    loader = DataLoader(TensorDataset(digits.x_train, digits.y_train), batch_size=64,
                        shuffle=True, drop_last=True)
    test_loader = DataLoader(TensorDataset(digits.x_test, digits.y_test), batch_size=1000)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    curve = lesson2.EpochCurve(model, test_loader)
    fit(model, loader, optimizer, loss_fn=F.cross_entropy, epochs=epochs, scheduler=scheduler,
        callbacks=[ProgressBar(label), curve])
    model.eval()
    return curve


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


# ---- 3. shifts ----
def shift(images, dy, dx):
    """Images (N, C, H, W) moved dy pixels down and dx right; zeros come in at the edge."""
    out = np.zeros_like(images)
    height, width = images.shape[-2:]
    rows_to, rows_from = slice(max(dy, 0), height + min(dy, 0)), slice(max(-dy, 0), height - max(dy, 0))
    cols_to, cols_from = slice(max(dx, 0), width + min(dx, 0)), slice(max(-dx, 0), width - max(dx, 0))
    out[..., rows_to, cols_to] = images[..., rows_from, cols_from]
    return out


def shifted_accuracy(model, images, labels, pixels):
    """Accuracy on the images moved `pixels` up, down, left and right, averaged."""
    moves = [(0, 0)] if pixels == 0 else [(pixels, 0), (-pixels, 0), (0, pixels), (0, -pixels)]
    scores = []
    with gn.no_grad():
        for dy, dx in moves:
            logits = model(gn.tensor(shift(images, dy, dx)))  # (N, 10)
            scores.append(np.mean(logits.array.argmax(axis=1) == labels))
    return float(np.mean(scores))


# ---- 4. receptive fields ----
LAYERS = {"conv1": 1, "conv2": 4, "output": 8}  # depth in model.layers (see models/cnn.py)


def input_gradient(model, images, depth):
    """|d(unit)/d(input)| summed over the images: the unit is the sum over channels at the
    centre of the map after the first `depth` layers, or the predicted logit (depth 8)."""
    x = gn.tensor(images, requires_grad=True)
    out = model.features(x, depth)
    if out.ndim == 4:  # (N, C, h, w): the centre position, all channels
        unit = out[:, :, out.shape[2] // 2, out.shape[3] // 2].sum()
    else:  # (N, 10) logits: each image's predicted class
        unit = (out * gn.tensor(np.eye(10, dtype=np.float32)[out.array.argmax(axis=1)])).sum()
    unit.backward()
    return np.abs(x.grad.array).sum(axis=(0, 1))  # (H, W)


def receptive_field(gradient):
    """Pixels whose change moves the unit: nonzero gradient (above float32 rounding)."""
    return int(np.sum(gradient > 1e-7 * gradient.max()))


# ---- the lesson ----
def run(cfg):
    result = Result(NAME, cfg)
    epochs = min(cfg.epochs, QUICK_EPOCHS) if cfg.quick else cfg.epochs
    mlp_epochs = QUICK_EPOCHS if cfg.quick else lesson2.Config.epochs
    digits = load_digits(16, download=False)  # DataUnavailable names the fetch command
    index = int(np.flatnonzero(digits.y_test == cfg.example_digit)[0])
    image = digits.x_test[index, 0]  # (16, 16)

    weights = np.stack(list(KERNELS.values()))[:, None]  # (3, 1, 3, 3)
    sample = digits.x_test[:LOOP_DIGITS]  # (20, 1, 16, 16)
    maps = F.conv2d(gn.tensor(sample), gn.tensor(weights), padding=1).array  # (20, 3, 16, 16)
    loops = np.array([[explicit_correlation(digit[0], k) for k in KERNELS.values()]
                      for digit in sample])
    difference = float(np.abs(maps - loops).max())
    result.metric("conv2d_vs_loop_max_difference", difference)
    result.check(f"conv2d equals the explicit loop on {LOOP_DIGITS} digits (max difference)",
                 difference, "<=", 1e-6)
    example_maps = [explicit_correlation(image, k) for k in KERNELS.values()]
    result.figure(figures.sliding_figure(image, KERNELS, example_maps), "sliding_kernel")

    cnn = CNN(channels=cfg.channels)
    mlp = lesson2.mlp(lesson2.Config.hidden, lesson2.Config.dropout)
    curves = {"CNN": train(cnn, digits, epochs, cfg.lr, "CNN on digits"),
              "MLP": train(mlp, digits, mlp_epochs, lesson2.Config.lr, "MLP on digits")}
    sizes = {"CNN": parameter_count(cnn), "MLP": parameter_count(mlp)}
    accuracy = {name: curve.test_accuracy[-1] for name, curve in curves.items()}
    for name in ("CNN", "MLP"):
        result.metric(f"{name.lower()}_parameters", sizes[name])
        result.metric(f"{name.lower()}_test_accuracy", accuracy[name])
    result.check("CNN test accuracy", accuracy["CNN"], ">=", ACCURACY_FLOOR[bool(cfg.quick)])
    result.check("CNN minus MLP test accuracy", accuracy["CNN"] - accuracy["MLP"], ">=", 0.0)
    result.check("CNN parameters (at most the MLP's)", sizes["CNN"], "<=", sizes["MLP"])
    sharing = weight_sharing(cnn)
    for name, (conv, dense) in sharing.items():
        result.metric(f"{name}_parameters", conv)
        result.metric(f"{name}_dense_equivalent_parameters", dense)
    result.text("Weight sharing: parameters of each convolution and of a dense layer with the "
                "same inputs and outputs", figures.sharing_table(sharing))

    by_shift = {name: [shifted_accuracy(model, digits.x_test, digits.y_test, s) for s in SHIFTS]
                for name, model in (("CNN", cnn), ("MLP", mlp))}
    for s, cnn_score, mlp_score in zip(SHIFTS, by_shift["CNN"], by_shift["MLP"]):
        result.metric(f"cnn_accuracy_shift_{s}", cnn_score)
        result.metric(f"mlp_accuracy_shift_{s}", mlp_score)
        if s >= 2:
            result.check(f"CNN minus MLP accuracy, digits shifted {s} pixels",
                         cnn_score - mlp_score, ">=", 0.0)
    result.figure(figures.shift_figure(curves, by_shift, SHIFTS, sizes, digits.x_test[index]),
                  "shifts")

    probe = digits.x_test[:FIELD_DIGITS]
    fields = {name: receptive_field(input_gradient(cnn, probe, depth))
              for name, depth in LAYERS.items()}
    for name, size in fields.items():
        result.metric(f"receptive_field_{name}_pixels", size)
    result.check("receptive field grows: conv2 minus conv1 (pixels)",
                 fields["conv2"] - fields["conv1"], ">=", 1)
    result.check("receptive field grows: output minus conv2 (pixels)",
                 fields["output"] - fields["conv2"], ">=", 1)
    one = {name: input_gradient(cnn, image[None, None], depth) for name, depth in LAYERS.items()}
    result.figure(figures.learned_figure(cnn, image), "learned_kernels_and_maps")
    result.figure(figures.field_figure(image, one, fields), "receptive_fields")
    return result


def weight_sharing(cnn):
    """{conv name: (its parameters, a dense layer's for the same input and output shapes)}."""
    size, (c1, c2) = cnn.config.image_size, cnn.config.channels
    shapes = {"conv1": ((cnn.config.in_channels, size, size), (c1, size, size)),
              "conv2": ((c1, size // 2, size // 2), (c2, size // 2, size // 2))}
    layers = {"conv1": cnn.layers.conv1, "conv2": cnn.layers.conv2}
    return {name: (parameter_count(layers[name]), dense_equivalent_parameters(*shapes[name]))
            for name in shapes}
