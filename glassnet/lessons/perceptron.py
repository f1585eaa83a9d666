"""Lesson 4: one line separates some points, no stack of lines separates XOR, a bend does.

The article's word is "Perception"; the model is the perceptron (Rosenblatt 1958): one layer of
threshold neurons, y = step(w . x + b) (the article's "two layers" counts the inputs as one),
trained by the perceptron rule w <- w + lr (t - y) x, b <- b + lr (t - y), which moves the line
only when a point is on the wrong side (lesson 1 runs it). Here its smooth cousin, logistic
regression (the step softened to a sigmoid, trained by cross-entropy), stands for every linear
model: its decision boundary w . x + b = 0 is a straight line, so it separates two blobs but
not XOR-like clusters, where opposite corners share a colour (Minsky & Papert 1969).

Stacking linear layers does not help: W5 (W4 (W3 (W2 (W1 x + b1) + b2) + b3) + b4) + b5 equals
W x + c with W = W5 W4 W3 W2 W1 and c the biases pushed through the same products, one linear
map, and the lesson checks this numerically on the trained network. Put a nonlinearity (ReLU,
Nair & Hinton 2010, or tanh) between the same layers and the network can bend its boundary
around the clusters: the layers no longer collapse into one.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim
from glassnet.data import synthetic
from glassnet.lessons.base import LessonConfig, Result

NAME = "perceptron"
TITLE = "Lines, stacks of lines, and the bend that makes depth count"
IDEA = (
    "Rosenblatt's perceptron, like any linear model, splits the plane with one straight line: "
    "enough for two separate blobs, never enough for XOR-like clusters where opposite corners "
    "share a colour. Five linear layers stacked without activations multiply out to a single "
    "matrix, so they fail the same way; add a nonlinear activation between them and the same "
    "depth bends its boundary around the clusters."
)

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
# class 0 green, class 1 red: the article draws its points in these two colours
CLASS_COLOURS = ("green", "red")


@dataclass
class Config(LessonConfig):
    points: int = 400  # training points per data set (as many again for testing)
    depth: int = 5  # linear layers in the deep models
    hidden_size: int = 16
    activation: str = "relu"  # the deep nonlinear model's: relu or tanh
    steps: int = 800  # full-batch Adam steps per model
    learning_rate: float = 0.01

    def validate(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"perceptron: --activation must be one of {', '.join(ACTIVATIONS)}, "
                f"got {self.activation!r}"
            )
        if self.depth < 2 or self.points < 8 or self.steps < 1 or self.hidden_size < 1:
            raise ValueError(
                "perceptron: need depth >= 2, points >= 8, steps >= 1 and hidden_size >= 1, "
                f"got {self.depth}, {self.points}, {self.steps}, {self.hidden_size}"
            )


def deep_model(depth, hidden_size, activation=None):
    """depth Linear layers 2 -> hidden -> ... -> 2, with `activation` between them or nothing."""
    sizes = [2] + [hidden_size] * (depth - 1) + [2]
    layers = []
    for index in range(depth):
        layers.append(nn.Linear(sizes[index], sizes[index + 1]))
        if activation is not None and index < depth - 1:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def train(model, inputs, labels, steps, learning_rate):
    """Full-batch Adam on cross-entropy; returns the loss at every step."""
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(inputs), labels)  # inputs (N, 2) -> logits (N, 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def predict(model, points):
    with gn.no_grad():
        return model(gn.tensor(points)).argmax(dim=1).numpy()  # (N,)


def accuracy(model, points, labels):
    return float((predict(model, points) == labels).mean())


def collapse(model):
    """The one linear map a stack of Linear layers computes: (W, c) with y = x W^T + c, the
    product of the weight matrices and the biases carried through it, in float64."""
    weight = np.eye(model[0].in_features)
    bias = np.zeros(model[0].in_features)
    for layer in model:
        if not isinstance(layer, nn.Linear):
            raise TypeError(f"collapse: only Linear layers multiply out, got {layer!r}")
        layer_weight = layer.weight.detach().numpy().astype(np.float64)  # (out, in)
        weight = layer_weight @ weight  # (out, 2)
        bias = layer_weight @ bias + layer.bias.detach().numpy()  # (out,)
    return weight, bias


def best_line(points, labels, angles=720):
    """The best accuracy of any straight line, by sweeping the threshold along each of
    `angles` directions: no linear classifier, however trained, beats it (up to the angle
    grid's resolution). Returns (accuracy, direction (2,), threshold): class 1 where
    x . direction > threshold."""
    theta = np.linspace(0, 2 * np.pi, angles, endpoint=False)
    directions = np.stack([np.cos(theta), np.sin(theta)], axis=1)  # (A, 2)
    projections = np.sort(points.astype(np.float64) @ directions.T, axis=0)  # (N, A)
    sorted_labels = np.take_along_axis(
        labels[:, None].repeat(angles, 1), np.argsort(points @ directions.T, axis=0), axis=0)
    # the line just above the k lowest points calls those class 0 and the rest class 1
    start = np.zeros((1, angles))
    zeros_below = np.concatenate([start, np.cumsum(sorted_labels == 0, axis=0)])  # (N+1, A)
    ones_above = sorted_labels.sum(0) - np.concatenate([start, np.cumsum(sorted_labels, 0)])
    correct = zeros_below + ones_above  # (N+1, A)
    padded = np.concatenate([projections[:1] - 1, projections, projections[-1:] + 1])
    gaps = np.diff(padded, axis=0)  # (N+1, A): room around each threshold
    # of the best lines, the one with the widest gap around it (only the drawing cares)
    chosen = np.where(correct == correct.max(), gaps, -np.inf)
    k, angle = np.unravel_index(np.argmax(chosen), chosen.shape)
    threshold = (padded[k, angle] + padded[k + 1, angle]) / 2
    return correct[k, angle] / len(labels), directions[angle], threshold


def run(cfg):
    result = Result(NAME, cfg)
    points = min(cfg.points, 200) if cfg.quick else cfg.points
    steps = min(cfg.steps, 300) if cfg.quick else cfg.steps
    data = {
        "blobs": [synthetic.blobs(points) for _ in ("train", "test")],
        "xor": [synthetic.xor_clusters(points) for _ in ("train", "test")],
    }
    runs = {  # name -> (data set, model)
        "linear on blobs": ("blobs", nn.Linear(2, 2)),
        "linear on XOR": ("xor", nn.Linear(2, 2)),
        "deep linear on XOR": ("xor", deep_model(cfg.depth, cfg.hidden_size)),
        f"deep {cfg.activation} on XOR": (
            "xor", deep_model(cfg.depth, cfg.hidden_size, cfg.activation)),
    }
    losses, scores = {}, {}
    for name, (dataset, model) in runs.items():
        (train_x, train_y), (test_x, test_y) = data[dataset]
        losses[name] = train(model, gn.tensor(train_x), gn.tensor(train_y), steps,
                             cfg.learning_rate)
        scores[name] = (accuracy(model, train_x, train_y), accuracy(model, test_x, test_y))
        result.metric(f"{name}: final loss", losses[name][-1])
        result.metric(f"{name}: train accuracy", scores[name][0])
        result.metric(f"{name}: test accuracy", scores[name][1])

    nonlinear = f"deep {cfg.activation} on XOR"
    result.check("a line separates the blobs (test accuracy)", scores["linear on blobs"][1],
                 ">=", 0.99)
    line = best_line(*data["xor"][0])
    result.check("the best of any line on XOR (train accuracy)", line[0], "<=", 0.80)
    result.check("linear model on XOR (train accuracy)", scores["linear on XOR"][0], "<=", 0.80)
    result.check(f"{cfg.depth} linear layers on XOR (train accuracy)",
                 scores["deep linear on XOR"][0], "<=", 0.80)
    result.check("deep linear fails as the linear model does (difference in final loss)",
                 abs(losses["deep linear on XOR"][-1] - losses["linear on XOR"][-1]), "<=", 0.01)
    result.check(f"{cfg.depth} layers with {cfg.activation} on XOR (test accuracy)",
                 scores[nonlinear][1], ">=", 0.98)

    deep_linear = runs["deep linear on XOR"][1]
    probe = np.concatenate([data["xor"][1][0], 3 * gn.randn(256, 2).numpy()])  # (P, 2)
    weight, bias = collapse(deep_linear)
    single = probe.astype(np.float64) @ weight.T + bias  # (P, 2)
    with gn.no_grad():
        stacked = deep_linear(gn.tensor(probe)).numpy()  # (P, 2)
    relative = np.abs(stacked - single).max() / np.abs(single).max()
    result.check(f"{cfg.depth} linear layers = one matrix (max relative difference)",
                 relative, "<=", 1e-5)

    models = {name: model for name, (_, model) in runs.items()}
    result.figure(boundaries_figure(models, data, scores, line), "boundaries")
    result.figure(loss_figure(losses), "training_loss")
    return result


# ---- figures ----

def boundaries_figure(models, data, scores, line):
    from glassnet import viz

    fig, axes = viz.figure(7.2, 7.0, nrows=2, ncols=2, sharex=True, sharey=True)
    span = np.linspace(-2.6, 2.6, 261)
    grid = np.stack(np.meshgrid(span, span), axis=-1).reshape(-1, 2).astype(np.float32)
    colours = [viz.COLORS[colour] for colour in CLASS_COLOURS]
    for axis, (name, model) in zip(axes.flat, models.items()):
        dataset = "blobs" if "blobs" in name else "xor"
        (test_x, test_y) = data[dataset][1]
        predicted = predict(model, grid).reshape(len(span), len(span))
        axis.contourf(span, span, predicted, levels=[-0.5, 0.5, 1.5], colors=colours,
                      alpha=0.2)
        axis.contour(span, span, predicted, levels=[0.5], colors="black", linewidths=1.5)
        for label, colour in enumerate(colours):
            axis.scatter(*test_x[test_y == label].T, s=12, color=colour, edgecolor="white",
                         linewidth=0.3, label=f"class {label}")
        axis.set(title=f"{name}: {scores[name][1]:.0%} test", xlim=span[[0, -1]],
                 ylim=span[[0, -1]], aspect="equal")
    for axis in axes[1]:
        axis.set_xlabel("x1")
    for axis in axes[:, 0]:
        axis.set_ylabel("x2")
    best, direction, threshold = line
    along = np.array([-direction[1], direction[0]]) * 5  # the line runs perpendicular
    ends = threshold * direction + np.stack([-along, along])  # (2, 2)
    axes[0, 1].plot(*ends.T, color="black", ls="--", lw=1.5,
                    label=f"the best any line can do: {best:.0%}")
    handles, labels = axes[0, 1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, markerscale=2)
    fig.suptitle("Predicted class over the plane (shaded), test points on top")
    return fig


def loss_figure(losses):
    from glassnet import viz

    fig, axis = viz.figure()
    styles = (("blue", "-"), ("orange", "-"), ("purple", "--"), ("green", "-"))
    for (name, curve), (colour, dash) in zip(losses.items(), styles):
        axis.plot(np.arange(1, len(curve) + 1), curve, color=viz.COLORS[colour], lw=2, ls=dash,
                  label=f"{name} (ends at {curve[-1]:.3g})")
    axis.axhline(np.log(2), color=viz.COLORS["gray"], ls=":", label="log 2: a coin flip")
    axis.set_yscale("log")
    axis.set(title="Training loss: on XOR only the nonlinear stack learns",
             xlabel="Adam step (full batch)", ylabel="cross-entropy (log scale)")
    axis.legend()
    return fig
