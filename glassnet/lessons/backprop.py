"""Lesson 6, backprop: the chain rule, run backwards through the layers.

Training needs dL/dw for every weight w. Backpropagation (Rumelhart, Hinton & Williams 1986;
the reverse mode of automatic differentiation, Linnainmaa 1970) gets all of them in one backward
sweep: starting from dL/dL = 1 it multiplies, layer by layer from the output to the input, by
each layer's local derivative, and reuses the product for the layer before. Three measurements:

1. The chain rule written out by hand in NumPy for x -> Linear -> sigmoid -> Linear -> MSE equals
   glassnet's autograd (float64; max relative difference <= 1e-10).
2. Autograd equals central differences, (L(w + eps) - L(w - eps)) / (2 eps), for EVERY parameter
   of the digits MLP 256 -> 128 -> 64 -> 10 (41,802 numbers; float64, a seeded batch of random
   16x16 images, so no download is needed, none of them within 10 eps of a ReLU's kink, where
   the loss is not differentiable). The error of a central difference is absolute, about
   eps^2 |L'''| + (machine epsilon) |L| / eps ~ 1e-10, so a gradient entry that is itself ~1e-10
   cannot be compared alone; each tensor's worst error is divided by that tensor's largest
   gradient: max|autograd - numeric| / max|numeric|, and the check is the worst tensor <= 1e-6.
   Quick mode checks every parameter of a smaller MLP, 256 -> 16 -> 16 -> 10 (4,554 numbers).
3. Cost: one backward pass costs no more than a few forward passes (median time ratio <= 5;
   by arithmetic about two, since each matrix product needs one product for the input's
   gradient and one for the weight's; measured here it comes out below one: at this small size
   fixed costs per operation, not arithmetic, decide the time), while central differences take
   exactly two forward passes per parameter (counted) and so, measured, at least 100 times
   longer than autograd's forward + backward.

Timing metrics (marked timed=True, listed under "timed" in metrics.json) vary from run to run;
all others are exact.
"""

import time
from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, viz
from glassnet.lessons import digits
from glassnet.lessons.base import LessonConfig, Result
from glassnet.trace import Trace

NAME = "backprop"
TITLE = "Backpropagation: the chain rule, layer by layer"
IDEA = (
    "To learn, a network needs to know how the loss changes with each of its weights. "
    "Backpropagation finds all of these slopes at once by applying the chain rule from the output "
    "back to the input, reusing each layer's result for the layer before it. Nudging each weight "
    "in turn gives the same numbers, but costs two forward passes per weight: tens of thousands "
    "of passes instead of one forward and one backward."
)

QUICK_HIDDEN = (16, 16)
KINK_MARGIN = 10  # every ReLU input of the checked batch is at least this many eps from 0
HAND_SIZES = (8, 6, 3)  # the hand-derived net: inputs, sigmoid units, outputs


@dataclass
class Config(LessonConfig):
    batch_size: int = 8  # examples in the gradient check and the timings
    eps: float = 1e-5  # the finite-difference step: balances truncation and rounding error
    repeats: int = 51  # timing repeats; medians are reported

    def validate(self):
        if self.batch_size < 1 or self.repeats < 1 or not 0 < self.eps < 1:
            raise ValueError(f"backprop: need --batch-size >= 1, --repeats >= 1, 0 < --eps < 1; "
                             f"got {self.batch_size}, {self.repeats}, {self.eps}")


def relative_error(estimate, reference):
    """max|estimate - reference| / max|reference|: the worst error against the tensor's scale."""
    scale = max(float(np.abs(reference).max()), np.finfo(np.float64).tiny)
    return float(np.abs(estimate - reference).max()) / scale


# ---- 1. the chain rule by hand ----
def two_layer_by_hand(x, target, w1, b1, w2, b2):
    """Forward and backward of L = mean((sigmoid(x W1^T + b1) W2^T + b2 - target)^2), written
    out: each gradient is the one after it times a local derivative."""
    z1 = x @ w1.T + b1  # (B, H)
    a1 = 1 / (1 + np.exp(-z1))  # (B, H)
    y = a1 @ w2.T + b2  # (B, O)
    loss = np.mean((y - target) ** 2)
    grad_y = 2 * (y - target) / y.size  # dL/dy (B, O): the mean divides by every element
    grad_w2 = grad_y.T @ a1  # (O, H): y = a1 W2^T + b2
    grad_b2 = grad_y.sum(axis=0)  # (O,)
    grad_a1 = grad_y @ w2  # (B, H)
    grad_z1 = grad_a1 * a1 * (1 - a1)  # (B, H): sigmoid'(z) = s (1 - s)
    grad_w1 = grad_z1.T @ x  # (H, I)
    grad_b1 = grad_z1.sum(axis=0)  # (H,)
    grads = {"0.weight": grad_w1, "0.bias": grad_b1, "2.weight": grad_w2, "2.bias": grad_b2}
    return loss, grads


def hand_versus_autograd():
    inputs, hidden, outputs = HAND_SIZES
    model = nn.Sequential(nn.Linear(inputs, hidden), nn.Sigmoid(), nn.Linear(hidden, outputs))
    model.double()
    x = gn.randn(16, inputs, dtype=gn.float64)  # (B, I)
    target = gn.randn(16, outputs, dtype=gn.float64)  # (B, O)
    loss = F.mse_loss(model(x), target)
    loss.backward()
    autograd = {name: p.grad.array for name, p in model.named_parameters()}
    weights = [p.array for p in model.parameters()]
    hand_loss, hand = two_layer_by_hand(x.array, target.array, *weights)
    difference = max(relative_error(hand[name], autograd[name]) for name in autograd)
    return difference, abs(hand_loss - loss.item()), hand, autograd


# ---- 2. finite differences for every parameter ----
class CountedLoss:
    """The loss at the current weights, by one forward pass (no graph); counts its calls."""

    def __init__(self, model, x, y):
        self.model, self.x, self.y, self.calls = model, x, y, 0

    def __call__(self):
        self.calls += 1
        with gn.no_grad():
            return F.cross_entropy(self.model(self.x), self.y).item()


def finite_differences(loss, params, eps):
    """dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps), one parameter entry at a time."""
    grads = []
    for param in params:
        param.array = np.ascontiguousarray(param.array)
        flat = param.array.reshape(-1)  # a view: writing an entry moves that weight
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + eps
            plus = loss()
            flat[i] = saved - eps
            minus = loss()
            flat[i] = saved
            grad[i] = (plus - minus) / (2 * eps)
        grads.append(grad.reshape(param.shape))
    return grads


def smooth_batch(model, size, eps):
    """`size` random 16x16 images (float64, seeded) whose every ReLU input lies at least
    KINK_MARGIN * eps from 0. ReLU has a kink at 0, and a central difference that straddles it
    measures neither slope; one weight moved by eps moves a ReLU input by at most about eps times
    an input or activation (here < KINK_MARGIN), so with this margin none is straddled."""
    pool = gn.rand(4 * size, 1, digits.IMAGE_SIZE, digits.IMAGE_SIZE,
                   dtype=gn.float64)  # (4B, 1, 16, 16)
    with Trace(model) as trace, gn.no_grad():
        model(pool)
    relu_inputs = [layer.output for layer in trace if layer.kind == "Linear"][:-1]
    closest = np.min([np.abs(z).min(axis=1) for z in relu_inputs], axis=0)  # (4B,)
    keep = np.flatnonzero(closest >= KINK_MARGIN * eps)[:size]
    if len(keep) < size:
        raise RuntimeError(f"backprop: only {len(keep)} of {4 * size} random images keep every "
                           f"ReLU input {KINK_MARGIN} x eps={eps} from its kink; use a smaller "
                           f"--eps or --batch-size")
    return gn.tensor(pool.array[keep]), float(closest[keep].min())


# ---- 3. what each costs ----
def time_passes(model, x, y, repeats):
    """Median seconds of one forward (building the graph) and one backward pass."""
    forward, backward = [], []
    for _ in range(repeats + 1):  # the first round warms caches and is dropped
        model.zero_grad()
        start = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        middle = time.perf_counter()
        loss.backward()
        forward.append(middle - start)
        backward.append(time.perf_counter() - middle)
    return float(np.median(forward[1:])), float(np.median(backward[1:]))


def run(cfg):
    result = Result(NAME, cfg)
    hand_difference, loss_difference, hand, autograd_small = hand_versus_autograd()
    result.metric("hand_max_rel_diff", hand_difference)
    result.metric("hand_loss_abs_diff", loss_difference)
    result.check("chain rule by hand equals autograd (max relative difference)",
                 hand_difference, "<=", 1e-10)

    hidden = QUICK_HIDDEN if cfg.quick else digits.Config().hidden
    model = digits.mlp(hidden).double()
    names = [name for name, _ in model.named_parameters()]
    params = list(model.parameters())
    count = sum(p.numel() for p in params)
    x, kink_distance = smooth_batch(model, cfg.batch_size, cfg.eps)  # (B, 1, 16, 16)
    y = gn.randint(0, digits.CLASSES, (cfg.batch_size,))  # (B,)
    with Trace(model) as trace:
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    autograd = [p.grad.array.copy() for p in params]
    counted = CountedLoss(model, x, y)
    start = time.perf_counter()
    numeric = finite_differences(counted, params, cfg.eps)
    sweep_seconds = time.perf_counter() - start
    errors = {name: relative_error(a, n) for name, a, n in zip(names, autograd, numeric)}
    worst = max(errors.values())
    compared = sum(n.size for n in numeric)
    result.metric("parameters", count)
    result.metric("fd_entries", compared)
    result.metric("fd_forward_passes", counted.calls)
    result.metric("fd_max_rel_error", worst)
    result.metric("kink_distance_in_eps", kink_distance / cfg.eps)
    for name, error in errors.items():
        result.metric(f"fd_rel_error.{name}", error)
    architecture = "-".join(map(str, (digits.IMAGE_SIZE**2, *hidden, digits.CLASSES)))
    result.check(f"autograd equals central differences, every parameter of MLP {architecture} "
                 "(max relative error)", worst, "<=", 1e-6)
    result.check("every parameter compared", compared, "==", count)
    result.check("finite differences: forward passes == 2 x parameters", counted.calls, "==",
                 2 * count)

    forward_seconds, backward_seconds = time_passes(model, x, y, cfg.repeats)
    ratio = backward_seconds / forward_seconds
    speedup = sweep_seconds / (forward_seconds + backward_seconds)
    result.metric("forward_seconds", forward_seconds, timed=True)
    result.metric("backward_seconds", backward_seconds, timed=True)
    result.metric("fd_sweep_seconds", sweep_seconds, timed=True)
    result.metric("backward_forward_ratio", ratio, timed=True)
    result.metric("fd_speedup_ratio", speedup, timed=True)
    result.check("one backward costs at most a few forwards (median time ratio)", ratio, "<=", 5,
                 timed=True)
    result.check("autograd is faster than finite differences (time ratio)", speedup, ">=", 100,
                 timed=True)

    flow = [(layer.module, float(np.linalg.norm(layer.grad))) for layer in trace
            if layer.grad is not None]
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    for name, norm in trace.param_grad_norms().items():
        result.metric(f"grad_norm.{name}", norm)
    result.figure(agreement_figure(hand, autograd_small, autograd, numeric, hand_difference,
                                   errors), "hand_vs_autograd")
    result.figure(flow_figure(flow, linears), "gradient_flow")
    seconds = (forward_seconds, backward_seconds, sweep_seconds)
    result.figure(cost_figure(seconds, counted.calls, count), "cost")
    return result


# ---- figures ----
CHAIN = (
    r"$z = x W_1^T + b_1,\quad a = \sigma(z),\quad \hat y = a W_2^T + b_2$",
    r"$L = \mathrm{mean}(\hat y - t)^2$",
    "",
    r"$\partial L/\partial \hat y = 2(\hat y - t)/N$",
    r"$\partial L/\partial W_2 = (\partial L/\partial \hat y)^T a$",
    r"$\partial L/\partial a = (\partial L/\partial \hat y)\, W_2$",
    r"$\partial L/\partial z = \partial L/\partial a \odot \sigma(z)(1-\sigma(z))$",
    r"$\partial L/\partial W_1 = (\partial L/\partial z)^T x$",
)


def agreement_figure(hand, autograd_small, autograd, numeric, hand_difference, errors):
    pyplot = viz.plt()
    fig = pyplot.figure(figsize=(7.0, 6.6))
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.1))
    text_ax = fig.add_subplot(grid[0, 0])
    text_ax.axis("off")
    text_ax.set_title("the chain rule, written out")
    for row, line in enumerate(CHAIN):
        text_ax.text(0.02, 0.95 - row * 0.125, line, fontsize=10, transform=text_ax.transAxes)
    ax = fig.add_subplot(grid[0, 1])
    for name, label in zip(autograd_small, ("$W_1$", "$b_1$", "$W_2$", "$b_2$")):
        ax.scatter(autograd_small[name].ravel(), hand[name].ravel(), s=14, label=label)
    ax.axline((0, 0), slope=1, color=viz.COLORS["gray"], linewidth=0.8)
    ax.set_xlabel("autograd gradient")
    ax.set_ylabel("hand-derived gradient")
    ax.set_title(f"by hand = autograd\n(max rel. difference {hand_difference:.1e})")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(grid[1, 0])
    autograd_all = np.concatenate([a.ravel() for a in autograd])
    numeric_all = np.concatenate([n.ravel() for n in numeric])
    ax.scatter(autograd_all, numeric_all, s=3, alpha=0.5, color=viz.COLORS["blue"],
               rasterized=True, label=f"{autograd_all.size:,} parameters")
    ax.axline((0, 0), slope=1, color=viz.COLORS["gray"], linewidth=0.8, label="equal")
    ax.set_xlabel("autograd dL/dw")
    ax.set_ylabel("central difference")
    ax.set_title(f"MLP {'-'.join(_widths(autograd))}:\nautograd = finite differences")
    ax.legend(loc="upper left", fontsize=8)
    ax = fig.add_subplot(grid[1, 1])
    ax.bar(range(len(errors)), list(errors.values()), color=viz.COLORS["blue"])
    ax.axhline(1e-6, color=viz.COLORS["red"], linestyle="--", label="check: <= 1e-6")
    ax.set_xticks(range(len(errors)), _tensor_labels(errors), fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(min(errors.values()) / 10, 1e-5)
    ax.set_xlabel("parameter tensor")
    ax.set_ylabel("max|error| / max|gradient|")
    ax.set_title("relative error, per tensor")
    ax.legend(fontsize=8)
    return fig


def _tensor_labels(names):
    """['1.weight', '1.bias', '3.weight', ...] -> ['W1', 'b1', 'W2', ...]: layers counted."""
    labels, layer = [], 0
    for name in names:
        layer += name.endswith("weight")
        labels.append(f"{'W' if name.endswith('weight') else 'b'}{layer}")
    return labels


def _widths(grads):
    """Layer widths from the weight gradients' shapes: [(out, in), ...] -> ['256', '128', ...]."""
    weights = [g for g in grads if g.ndim == 2]
    return [str(weights[0].shape[1])] + [str(w.shape[0]) for w in weights]


def _layer_label(module):
    if isinstance(module, nn.Linear):
        return f"Linear\n{module.in_features}->{module.out_features}"
    return type(module).__name__


def flow_figure(flow, linears):
    """flow: [(module, ||dL/d output||)] in forward order; linears: the Linear layers."""
    pyplot = viz.plt()
    fig = pyplot.figure(figsize=(7.0, 6.6))
    grid = fig.add_gridspec(2, len(linears), height_ratios=(1, 1.2))
    ax = fig.add_subplot(grid[0, :])
    backward_order = flow[::-1]
    positions = range(len(backward_order))
    ax.bar(positions, [norm for _, norm in backward_order], color=viz.COLORS["blue"],
           label="||dL/d(layer output)||")
    weight_norms = [(i, np.linalg.norm(m.weight.grad.array)) for i, (m, _) in
                    enumerate(backward_order) if isinstance(m, nn.Linear)]
    ax.plot(*zip(*weight_norms), "D", color=viz.COLORS["orange"], label="||dL/dW||")
    ax.set_xticks(positions, [_layer_label(m) for m, _ in backward_order], fontsize=9)
    ax.set_xlabel("layers in the order backward visits them: from the loss toward the input")
    ax.set_ylabel("gradient norm")
    ax.set_yscale("log")
    ax.set_title("The gradient flowing back from the loss, layer by layer")
    ax.legend(fontsize=8)
    for column, module in enumerate(linears[::-1]):
        grad = module.weight.grad.array  # (out, in)
        limit = float(np.abs(grad).max())
        ax = fig.add_subplot(grid[1, column])
        shown = ax.imshow(grad, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                          interpolation="nearest")
        ax.grid(False)
        ax.set_title(f"dL/dW, {module.in_features}->{module.out_features}", fontsize=10)
        ax.set_xlabel("input unit")
        if column == 0:
            ax.set_ylabel("output unit")
        bar = fig.colorbar(shown, ax=ax, orientation="horizontal", shrink=0.9,
                           ticks=[-limit, 0, limit], format="%.1g")
        bar.ax.tick_params(labelsize=8)
    return fig


def cost_figure(seconds, passes, count):
    """seconds: (one forward, one backward, the finite-difference sweep)."""
    fig, ax = viz.figure(6.4, 4.0)
    colors = [viz.COLORS["blue"], viz.COLORS["orange"], viz.COLORS["red"]]
    labels = ["one forward", "one backward", "finite differences"]
    bars = ax.bar(labels, seconds, color=colors)
    notes = ["1 pass", "1 pass", f"{passes:,} forward passes\n(2 x {count:,} parameters)"]
    for bar, note in zip(bars, notes):
        ax.annotate(note, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=9, xytext=(0, 3), textcoords="offset points")
    ax.set_yscale("log")
    ax.set_ylim(min(seconds) / 3, max(seconds) * 20)
    ax.set_ylabel("seconds (log scale)")
    autograd = seconds[0] + seconds[1]
    ax.set_title(f"The whole gradient: autograd {autograd * 1e3:.2f} ms,\n"
                 f"finite differences {seconds[2]:.1f} s ({seconds[2] / autograd:,.0f}x longer)")
    return fig
