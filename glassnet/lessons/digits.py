"""Lesson 2, digits: a handwritten digit read by a deep network.

The article's example: a 16x16 picture of the digit 2, each pixel 1 (ink) or 0 (paper), is a grid
of 256 numbers; flattened into one vector it goes through the layers of a deep network, and the
last layer has ten neurons, one per digit, of which the right one should light up. Here the
pictures are real: 5,000 MNIST digits (LeCun, Bottou, Bengio & Haffner 1998) area-averaged from
28x28 to 16x16 (`glassnet.data.digits16`), with a fixed stratified split of 4,000 for training
and 1,000 for testing, seen as gray levels in [0, 1] and, as in the article, binarized to 0/1.

The network is a multilayer perceptron 256 -> 128 -> 64 -> 10 with ReLU between layers (its wide
use: Nair & Hinton 2010; Krizhevsky, Sutskever & Hinton 2012), softmax outputs and cross-entropy
loss, trained by Adam (Kingma & Ba 2015) on a cosine learning-rate schedule (Loshchilov & Hutter
2017) with dropout (Srivastava et al. 2014), since 4,000 examples are few for 41,802 parameters.

Checks, on the 1,000 held-out test digits: full mode, accuracy >= 0.92 on gray pixels and >= 0.90
on 0/1 pixels; quick mode (4 epochs instead of 30, same data), >= 0.85 and >= 0.80: lower, but far
above the 0.10 of guessing. Without the cached data the lesson stops with the DataUnavailable
message that names the `glassnet data fetch digits16` command.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim, viz
from glassnet.data import DataLoader, TensorDataset, load_digits
from glassnet.lessons.base import LessonConfig, Result
from glassnet.trace import Trace
from glassnet.train import ProgressBar, accuracy, evaluate, fit

NAME = "digits"
TITLE = "Digits: 256 pixels in, ten neurons out"
IDEA = (
    "A 16x16 picture of a handwritten digit is nothing but 256 numbers, one per pixel. "
    "Flattened into a vector, those numbers pass through layer after layer of neurons, and the "
    "last layer has ten neurons, one for each digit: the most active one is the network's answer. "
    "Trained on 4,000 examples, the network reads 1,000 digits it has never seen, from gray "
    "pixels and from plain 0/1 pixels alike."
)

IMAGE_SIZE = 16
CLASSES = 10
QUICK_EPOCHS = 4
# (gray, binary) test-accuracy thresholds: the claim in full mode, an honest floor in quick mode
THRESHOLDS = {False: (0.92, 0.90), True: (0.85, 0.80)}


@dataclass
class Config(LessonConfig):
    hidden: tuple = (128, 64)  # hidden layer widths; on the command line --hidden 128,64
    epochs: int = 30
    batch_size: int = 64
    lr: float = 0.005
    dropout: float = 0.2
    example_digit: int = 2  # the article's example; the first test image of this digit is drawn

    def validate(self):
        problems = []
        if not self.hidden or min(self.hidden) < 1:
            problems.append(f"--hidden must be positive widths like 128,64, got {self.hidden}")
        if self.epochs < 1:
            problems.append(f"--epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1:
            problems.append(f"--batch-size must be >= 1, got {self.batch_size}")
        if not 0 <= self.dropout < 1:
            problems.append(f"--dropout must be in [0, 1), got {self.dropout}")
        if not 0 <= self.example_digit < CLASSES:
            problems.append(f"--example-digit must be 0..9, got {self.example_digit}")
        if problems:
            raise ValueError("digits: " + "; ".join(problems))


def mlp(hidden=(128, 64), dropout=0.0):
    """Flatten (N, 1, 16, 16) to (N, 256), then Linear+ReLU per hidden width, then 10 logits."""
    layers = [nn.Flatten()]
    width = IMAGE_SIZE * IMAGE_SIZE
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, CLASSES))
    return nn.Sequential(*layers)


class EpochCurve:
    """A fit callback: mean training loss and test accuracy after every epoch."""

    def __init__(self, model, test_loader):
        self.model, self.test_loader = model, test_loader
        self.losses, self.epoch_loss, self.test_accuracy = [], [], []

    def on_step_end(self, state):
        self.losses.append(state.loss)

    def on_epoch_end(self, state):
        self.epoch_loss.append(float(np.mean(self.losses)))
        self.losses = []
        scores = evaluate(self.model, self.test_loader, {"accuracy": accuracy})
        self.test_accuracy.append(scores["accuracy"])


def train(cfg, digits, epochs, label):
    """A fresh MLP trained on digits.x_train; returns the model (in eval mode) and its curve."""
    model = mlp(cfg.hidden, cfg.dropout)
    loader = DataLoader(TensorDataset(digits.x_train, digits.y_train),
                        batch_size=cfg.batch_size, shuffle=True, drop_last=True)
    test_loader = DataLoader(TensorDataset(digits.x_test, digits.y_test), batch_size=1000)
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    curve = EpochCurve(model, test_loader)
    fit(model, loader, optimizer, loss_fn=F.cross_entropy, epochs=epochs, scheduler=scheduler,
        callbacks=[ProgressBar(f"digits ({label} pixels)"), curve])
    model.eval()
    return model, curve


def predict(model, images):
    with gn.no_grad():
        return model(gn.tensor(images)).array.argmax(axis=1)  # (N,)


def run(cfg):
    result = Result(NAME, cfg)
    epochs = min(cfg.epochs, QUICK_EPOCHS) if cfg.quick else cfg.epochs
    gray = load_digits(IMAGE_SIZE, binary=False, download=False)  # DataUnavailable if not cached
    binary = load_digits(IMAGE_SIZE, binary=True, download=False)
    gray_model, gray_curve = train(cfg, gray, epochs, "gray")
    binary_model, binary_curve = train(cfg, binary, epochs, "0/1")

    gray_accuracy = np.mean(predict(gray_model, gray.x_test) == gray.y_test)
    binary_accuracy = np.mean(predict(binary_model, binary.x_test) == binary.y_test)
    result.metric("epochs", epochs)
    result.metric("parameters", sum(p.numel() for p in gray_model.parameters()))
    result.metric("test_accuracy", gray_accuracy)
    result.metric("binary_test_accuracy", binary_accuracy)
    result.metric("train_loss", gray_curve.epoch_loss[-1])
    result.metric("binary_train_loss", binary_curve.epoch_loss[-1])
    gray_floor, binary_floor = THRESHOLDS[bool(cfg.quick)]
    result.check("MLP test accuracy, gray pixels", gray_accuracy, ">=", gray_floor)
    result.check("MLP test accuracy, 0/1 pixels", binary_accuracy, ">=", binary_floor)

    index = int(np.flatnonzero(binary.y_test == cfg.example_digit)[0])
    image = binary.x_test[index : index + 1]  # (1, 1, 16, 16)
    with Trace(binary_model) as trace, gn.no_grad():
        logits = binary_model(gn.tensor(image))  # (1, 10)
    probabilities = F.softmax(logits, dim=-1).array[0]  # (10,)
    hidden = [layer.output[0] for layer in trace if layer.kind == "ReLU"]
    result.metric("example_index", index)
    result.metric("example_prediction", probabilities.argmax())
    result.metric("example_confidence", probabilities.max())

    result.figure(grid_figure(image[0, 0], cfg.example_digit), "digit_grid")
    result.figure(layers_figure(image[0, 0], hidden, probabilities), "layers_light_up")
    curves = {"gray pixels": gray_curve, "0/1 pixels": binary_curve}
    result.figure(curve_figure(curves, (gray_floor, binary_floor)), "training_curve")
    confusion = confusion_matrix(gray.y_test, predict(gray_model, gray.x_test))
    result.figure(confusion_figure(confusion, gray_accuracy), "confusion_matrix")
    return result


def confusion_matrix(labels, predictions):
    """(10, 10) counts: row = true digit, column = the network's answer."""
    counts = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


# ---- figures ----
def grid_figure(pixels, digit):
    fig, ax = viz.figure(6.0, 6.0)
    ax.imshow(pixels, cmap="Oranges", vmin=0, vmax=1.6)
    for (row, col), value in np.ndenumerate(pixels.astype(int)):
        ax.text(col, row, str(value), ha="center", va="center", fontsize=9,
                color="black" if value else "#999999", in_layout=False)
    ax.set_xticks(np.arange(-0.5, IMAGE_SIZE), minor=True)
    ax.set_yticks(np.arange(-0.5, IMAGE_SIZE), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.8)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="both", length=0)
    ax.set_xticks([0, 5, 10, 15])
    ax.set_yticks([0, 5, 10, 15])
    ax.set_xlabel("pixel column")
    ax.set_ylabel("pixel row")
    ax.set_title(f"A handwritten {digit} as a 16x16 grid of 0/1 pixels\n"
                 f"(ink = 1): flattened, these are the network's 256 inputs")
    return fig


def layers_figure(pixels, hidden, probabilities):
    pyplot = viz.plt()
    fig = pyplot.figure(figsize=(6.8, 5.6))
    grid = fig.add_gridspec(2, len(hidden) + 1, height_ratios=(1.1, 1))
    panels = [("input: 256 pixels", pixels)]
    panels += [(f"hidden {i + 1}: {a.size} ReLUs", _as_block(a)) for i, a in enumerate(hidden)]
    for column, (title, values) in enumerate(panels):
        ax = fig.add_subplot(grid[0, column])
        shown = ax.imshow(values, cmap="magma" if column else "Oranges", vmin=0,
                          vmax=None if column else 1.6)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if column:
            fig.colorbar(shown, ax=ax, shrink=0.7, label="activation")
    ax = fig.add_subplot(grid[1, :])
    colors = [viz.COLORS["orange"] if d == probabilities.argmax() else viz.COLORS["gray"]
              for d in range(CLASSES)]
    bars = ax.bar(range(CLASSES), probabilities, color=colors)
    ax.bar_label(bars, [f"{p:.0%}" if p >= 0.005 else "" for p in probabilities], fontsize=9)
    ax.set_xticks(range(CLASSES))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("output neuron (one per digit)")
    ax.set_ylabel("softmax probability")
    ax.set_title(f"output: ten neurons, one per digit; neuron {probabilities.argmax()} lights "
                 f"up ({probabilities.max():.1%})", fontsize=10)
    fig.suptitle("One digit flowing through the trained network (0/1 pixels)")
    return fig


def _as_block(activations):
    """A layer's activation vector as a near-square block, for a heatmap."""
    width = int(2 ** np.ceil(np.log2(np.sqrt(activations.size))))
    rows = int(np.ceil(activations.size / width))
    padded = np.full(rows * width, np.nan)
    padded[: activations.size] = activations
    return padded.reshape(rows, width)


def curve_figure(curves, floors):
    fig, (loss_ax, accuracy_ax) = viz.figure(7.0, 3.6, ncols=2)
    for (label, curve), color, floor in zip(curves.items(), ("blue", "orange"), floors):
        epochs = np.arange(1, len(curve.epoch_loss) + 1)
        loss_ax.plot(epochs, curve.epoch_loss, marker=".", color=viz.COLORS[color], label=label)
        accuracy_ax.plot(epochs, curve.test_accuracy, marker=".", color=viz.COLORS[color],
                         label=label)
        accuracy_ax.axhline(floor, color=viz.COLORS[color], linestyle="--", linewidth=1,
                            label=f"check: >= {floor:.2f}")
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training loss (cross-entropy)")
    loss_ax.set_title("Training loss")
    loss_ax.legend()
    accuracy_ax.set_xlabel("epoch")
    accuracy_ax.set_ylabel("accuracy on 1,000 test digits")
    accuracy_ax.set_title("Test accuracy")
    accuracy_ax.legend(loc="lower right")
    return fig


def confusion_figure(confusion, test_accuracy):
    fig, ax = viz.figure(6.0, 5.4)
    shown = ax.imshow(confusion, cmap="Blues")
    for (row, col), count in np.ndenumerate(confusion):
        if count:
            ax.text(col, row, str(count), ha="center", va="center", fontsize=9,
                    color="white" if count > confusion.max() / 2 else "black", in_layout=False)
    ax.set_xticks(range(CLASSES))
    ax.set_yticks(range(CLASSES))
    ax.grid(False)
    ax.set_xlabel("the network's answer")
    ax.set_ylabel("true digit")
    ax.set_title(f"Test digits (gray pixels): {test_accuracy:.1%} on the diagonal")
    fig.colorbar(shown, ax=ax, shrink=0.8, label="test digits")
    return fig
