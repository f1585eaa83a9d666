"""Lesson 1: the McCulloch-Pitts neuron, a weighted sum and a threshold.

McCulloch & Pitts (1943), "A logical calculus of the ideas immanent in nervous activity": a
neuron fires (outputs 1) when the weighted sum of its binary inputs passes a threshold,
y = step(w . x + b), with the bias b = -threshold. Their neurons had fixed excitatory and
inhibitory inputs and hand-set thresholds; with real-valued weights the same unit is the one
Rosenblatt (1958) made learnable with the perceptron rule: after each example,
w <- w + lr (t - y) x and b <- b + lr (t - y). The rule changes nothing when the neuron is right
and tilts the line toward the misclassified point when it is wrong; on a linearly separable
truth table it stops after finitely many mistakes (Novikoff 1962). It is not gradient descent:
the step function's derivative is zero wherever it exists.

The neuron's decision boundary is the line w . x + b = 0, so it computes only what one line can
separate. XOR is not one of those (Minsky & Papert 1969): (0,0) -> 0 needs b <= 0; (1,0) and
(0,1) -> 1 need w1 + b > 0 and w2 + b > 0, whose sum gives w1 + w2 + b > -b >= 0, so (1,1) fires
too. The lesson measures this on a grid of weights instead of trusting the algebra.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.lessons.base import LessonConfig, Result

NAME = "neuron"
TITLE = "One neuron: a weighted sum and a threshold"
IDEA = (
    "A neuron adds up its inputs, each times a weight, and fires when the sum passes a "
    "threshold; with the right weights one neuron computes AND, OR or NOT, and Rosenblatt's "
    "perceptron rule finds such weights from examples. Its boundary is a straight line, so no "
    "choice of weights computes XOR: at best three of the four cases come out right."
)

BINARY_PAIRS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
# gate -> (inputs (N, D), targets (N,))
TRUTH_TABLES = {
    "AND": (BINARY_PAIRS, [0.0, 0.0, 0.0, 1.0]),
    "OR": (BINARY_PAIRS, [0.0, 1.0, 1.0, 1.0]),
    "NOT": ([[0.0], [1.0]], [1.0, 0.0]),
    "XOR": (BINARY_PAIRS, [0.0, 1.0, 1.0, 0.0]),
}
# weights and bias chosen by hand, as McCulloch and Pitts did: AND needs both inputs to pass
# 1.5, OR either to pass 0.5, NOT fires unless its one input inhibits it
HAND_SET = {"AND": ([1.0, 1.0], -1.5), "OR": ([1.0, 1.0], -0.5), "NOT": ([-1.0], 0.5)}
LEARNABLE = ("AND", "OR", "NOT")


@dataclass
class Config(LessonConfig):
    grid_points: int = 41  # values per weight (w1, w2, b) in the XOR search
    grid_limit: float = 2.0  # the grid spans [-grid_limit, grid_limit]
    learning_rate: float = 0.5  # the perceptron rule's step
    max_epochs: int = 50  # passes over a truth table before the rule gives up

    def validate(self):
        if self.grid_points < 2 or self.max_epochs < 1 or self.learning_rate <= 0:
            raise ValueError(
                "neuron: need grid_points >= 2, max_epochs >= 1 and learning_rate > 0, got "
                f"{self.grid_points}, {self.max_epochs}, {self.learning_rate}"
            )


def make_neuron(weight, bias):
    """A threshold neuron step(w . x + b) built from PyTorch-named parts: Linear then Step."""
    weight = np.asarray(weight, dtype=np.float32).reshape(1, -1)  # (1, D)
    neuron = nn.Sequential(nn.Linear(weight.shape[1], 1), nn.Step())
    neuron.load_state_dict({"0.weight": weight, "0.bias": np.array([bias], dtype=np.float32)})
    return neuron


def table(gate):
    inputs, targets = TRUTH_TABLES[gate]
    return gn.tensor(inputs), gn.tensor(targets)  # (N, D), (N,)


def accuracy(neuron, gate):
    inputs, targets = table(gate)
    outputs = neuron(inputs).reshape(-1)  # (N,)
    return float((outputs == targets).numpy().mean())


def perceptron_rule(gate, learning_rate, max_epochs):
    """Rosenblatt's rule, one example at a time in a seeded order, from small random weights
    that get the table wrong. Returns the neuron, the mistakes in each epoch and the epochs
    until an epoch with none (None if it never gets there)."""
    inputs, targets = table(gate)
    neuron = nn.Sequential(nn.Linear(inputs.shape[1], 1), nn.Step())
    linear = neuron[0]
    while True:  # a random start that already computes the gate would teach nothing: redraw
        linear.weight.uniform_(-0.5, 0.5)
        linear.bias.uniform_(-0.5, 0.5)
        if accuracy(neuron, gate) < 1:
            break
    mistakes_per_epoch = []  # the rule corrects the weights once per mistake
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for index in gn.randperm(len(targets)).tolist():
            x = inputs[index : index + 1]  # (1, D)
            error = (targets[index] - neuron(x).reshape(())).item()  # t - y: -1, 0 or +1
            if error != 0:
                mistakes += 1
                linear.weight.add_(x, alpha=learning_rate * error)
                linear.bias.add_(gn.ones(1), alpha=learning_rate * error)
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            return neuron, mistakes_per_epoch, epoch
    return neuron, mistakes_per_epoch, None


def grid_search_xor(points, limit):
    """Every neuron with (w1, w2, b) on a grid, all evaluated at once as one Linear layer with
    one output unit per grid point. Returns the correct count of each and its weights."""
    values = np.linspace(-limit, limit, points)
    w1, w2, b = (axis.ravel() for axis in np.meshgrid(values, values, values, indexing="ij"))
    neurons = nn.Sequential(nn.Linear(2, len(b)), nn.Step())
    weights = np.stack([w1, w2], axis=1).astype(np.float32)  # (G, 2)
    neurons.load_state_dict({"0.weight": weights, "0.bias": b.astype(np.float32)})
    inputs, targets = table("XOR")
    outputs = neurons(inputs)  # (4, G): every grid neuron on every row of the table
    correct = (outputs == targets.reshape(4, 1)).numpy().sum(axis=0)  # (G,)
    return correct, weights, b


def run(cfg):
    # no gradients anywhere: the step's derivative is zero and the perceptron rule needs none
    with gn.no_grad():
        return experiment(cfg)


def experiment(cfg):
    # the whole lesson takes about a second, so quick mode runs it unchanged
    result = Result(NAME, cfg)

    hand_set = {gate: make_neuron(*HAND_SET[gate]) for gate in HAND_SET}
    for gate, neuron in hand_set.items():
        result.check(f"hand-set {gate} neuron accuracy", accuracy(neuron, gate), "==", 1.0)

    learned, curves = {}, {}
    for gate in LEARNABLE + ("XOR",):
        neuron, curve, epochs = perceptron_rule(gate, cfg.learning_rate, cfg.max_epochs)
        learned[gate], curves[gate] = neuron, curve
        if gate in LEARNABLE:
            result.metric(f"perceptron rule epochs {gate}", epochs or cfg.max_epochs + 1)
            result.metric(f"perceptron rule corrections {gate}", sum(curve))
            result.check(f"perceptron rule learns {gate} (accuracy)", accuracy(neuron, gate),
                         "==", 1.0)
    result.check("perceptron rule on XOR: mistakes in its last epoch", curves["XOR"][-1],
                 ">=", 1)

    correct, weights, biases = grid_search_xor(cfg.grid_points, cfg.grid_limit)
    # among the best, draw the one whose line stays farthest from the four points
    margins = np.abs(np.array(BINARY_PAIRS) @ weights.T + biases).min(axis=0)  # (G,)
    margins = margins / np.maximum(np.linalg.norm(weights, axis=1), 1e-12)
    best = int(np.argmax(np.where(correct == correct.max(), margins, -1.0)))
    result.metric("XOR grid neurons searched", len(correct))
    result.metric("XOR grid neurons with 3 of 4", int((correct == 3).sum()))
    best_count = correct.max()
    result.check("XOR: no neuron on the grid gets all 4 (best correct count)", best_count,
                 "<=", 3)
    result.check("XOR: the grid's best neuron gets 3 of 4 (best correct count)", best_count,
                 ">=", 3)
    xor_best = make_neuron(weights[best], biases[best])

    result.figure(gates_figure(hand_set, learned, curves, xor_best, len(correct)), "gates")
    result.figure(rule_figure(curves, cfg.max_epochs), "perceptron_rule")
    result.figure(search_figure(correct), "xor_search")
    return result


# ---- figures ----

def draw_line(axis, neuron, span, **style):
    """The boundary w . x + b = 0 of a two-input (or one-input) neuron across span."""
    (weight,), (bias,) = neuron[0].weight.detach().numpy(), neuron[0].bias.detach().numpy()
    if len(weight) == 1:
        return axis.axvline(-bias / weight[0], **style)
    if abs(weight[1]) > 1e-9 * abs(weight[0]):
        return axis.plot(span, -(weight[0] * span + bias) / weight[1], **style)
    return axis.axvline(-bias / weight[0], **style)


def draw_gate(axis, gate, neuron, dashed=None, title=""):
    from glassnet import viz

    inputs, targets = TRUTH_TABLES[gate]
    inputs, targets = np.array(inputs), np.array(targets)
    span = np.linspace(-0.5, 1.5, 201)
    grid = np.stack(np.meshgrid(span, span), axis=-1).reshape(-1, 2)[:, : inputs.shape[1]]
    fires = neuron(gn.tensor(grid.astype(np.float32))).numpy().reshape(len(span), len(span))
    if inputs.shape[1] == 1:  # NOT has one input: points on a line, the boundary a point
        inputs = np.concatenate([inputs, np.zeros_like(inputs)], axis=1)
    axis.contourf(span, span, fires, levels=[-0.5, 0.5, 1.5],
                  colors=[viz.COLORS["red"], viz.COLORS["green"]], alpha=0.12)
    draw_line(axis, neuron, span, color="black", lw=2, label="neuron's line")
    if dashed is not None:
        draw_line(axis, dashed, span, color=viz.COLORS["blue"], lw=1.5, ls="--",
                  label="learned by the rule")
    said = neuron(gn.tensor(np.array(TRUTH_TABLES[gate][0], dtype=np.float32))).numpy()
    for value, colour, name in ((1, "green", "target 1"), (0, "red", "target 0")):
        chosen = targets == value
        axis.scatter(*inputs[chosen].T, s=120, color=viz.COLORS[colour], edgecolor="black",
                     zorder=3, label=name)
    wrong = said.reshape(-1) != targets
    if wrong.any():
        axis.scatter(*inputs[wrong].T, s=420, facecolor="none", edgecolor="black", lw=2,
                     zorder=4, label="wrong")
    axis.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), title=title, xlabel="x1", ylabel="x2")
    if gate == "NOT":
        axis.set(xlabel="x (the one input)", ylabel="", yticks=[])


def gates_figure(hand_set, learned, curves, xor_best, searched):
    from glassnet import viz

    fig, axes = viz.figure(7.2, 7.0, nrows=2, ncols=2)
    for axis, gate in zip(axes.flat, LEARNABLE):
        rows = len(TRUTH_TABLES[gate][1])
        draw_gate(axis, gate, hand_set[gate], learned[gate],
                  f"{gate}: hand-set {rows}/{rows}; rule: {sum(curves[gate])} fixes")
    said = xor_best(gn.tensor(BINARY_PAIRS)).numpy().reshape(-1)
    right = int((said == np.array(TRUTH_TABLES["XOR"][1])).sum())
    draw_gate(axes[1, 1], "XOR", xor_best,
              title=f"XOR: best of {searched:,} neurons, {right}/4")
    handles = {}
    for axis in (axes[0, 0], axes[1, 1]):
        handles.update(zip(*reversed(axis.get_legend_handles_labels())))
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=5,
               markerscale=0.6)
    fig.suptitle("One neuron, one line: shaded green where it fires")
    return fig


def rule_figure(curves, max_epochs):
    from glassnet import viz

    fig, axis = viz.figure()
    colours = {"AND": "blue", "OR": "orange", "NOT": "purple", "XOR": "red"}
    for gate, curve in curves.items():
        epochs = np.arange(1, len(curve) + 1)
        outcome = f"still wrong after {len(curve)}" if curve[-1] else f"learned in {len(curve)}"
        axis.plot(epochs, curve, marker="o", ms=4, color=viz.COLORS[colours[gate]],
                  label=f"{gate}: {outcome} epochs")
    axis.set(title="The perceptron rule: mistakes per pass over the truth table",
             xlabel="epoch", ylabel="mistakes in the epoch", xlim=(0.5, max_epochs + 0.5),
             yticks=range(5))
    axis.legend()
    return fig


def search_figure(correct):
    from glassnet import viz

    counts = np.bincount(correct, minlength=5)
    fig, axis = viz.figure()
    colours = [viz.COLORS["gray"]] * 4 + [viz.COLORS["red"]]
    axis.bar(np.arange(5), np.where(counts > 0, counts, np.nan), color=colours)
    for column, count in enumerate(counts):  # an empty bar gets its 0 written at the bottom
        axis.annotate(f"{count:,}", (column, max(count, 1)), ha="center", va="bottom",
                      fontsize=11, color=colours[column], fontweight="bold")
    axis.set_yscale("log")
    axis.set(title=f"XOR: {len(correct):,} neurons on a weight grid, none gets 4 of 4",
             xlabel="rows of the XOR table computed correctly", ylabel="neurons (log scale)",
             xticks=range(5), xlim=(-0.6, 4.6), ylim=(0.7, counts.max() * 4))
    return fig
