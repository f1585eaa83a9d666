"""Lesson 5: activation functions, and why the step function cannot learn.

A neuron outputs f(w . x + b). The first f was the threshold step of McCulloch & Pitts (1943):
1 above zero, else 0. Its derivative is 0 wherever it exists, so backpropagation, which
multiplies by f'(z) on the way back, hands every weight behind a step a gradient of exactly 0
and nothing learns. Smooth (or piecewise linear) functions fix that:

    sigmoid    1 / (1 + e^-x)                      sigma(x) (1 - sigma(x))
    tanh       (e^x - e^-x) / (e^x + e^-x)         1 - tanh(x)^2
    ReLU       max(0, x)                           1 if x > 0 else 0
    Leaky ReLU x if x > 0 else 0.01 x              1 if x > 0 else 0.01
    ELU        x if x > 0 else e^x - 1             1 if x > 0 else e^x
    GELU       x Phi(x)                            Phi(x) + x phi(x)
    SiLU       x sigma(x)                          sigma(x) (1 + x (1 - sigma(x)))
    softplus   log(1 + e^x)                        sigma(x)

(Phi, phi: the standard normal CDF and density. At the kink x = 0 autograd takes the left-hand
slope, as PyTorch does.) ReLU came into wide use with Nair & Hinton (2010) and
AlexNet (Krizhevsky, Sutskever & Hinton 2012); Leaky ReLU: Maas, Hannun & Ng (2013); ELU:
Clevert, Unterthiner & Hochreiter (2015); GELU: Hendrycks & Gimpel (2016); SiLU: Elfwing,
Uchibe & Doya (2018), as swish: Ramachandran, Zoph & Le (2017); softplus: Dugas et al. (2001).

The experiment gives every activation the same network, initial weights and data (two moons):
two hidden layers of neurons with the activation and no weights after the last one, whose
halves vote for the two classes (a class's score is the sum of its half's outputs). So every
weight sits behind an activation; with a trainable readout after step units, that readout alone
would still learn a little, as a linear model on frozen 0/1 features.
"""

import math
from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim, viz
from glassnet.data import synthetic
from glassnet.lessons.base import LessonConfig, Result

NAME = "activations"
TITLE = "Activation functions: why the step cannot learn"
IDEA = (
    "A neuron passes its weighted sum through an activation function. The original threshold "
    "step is flat wherever it has a slope, so gradient descent gets no signal and the network "
    "never changes; smooth activations such as sigmoid, tanh, ReLU and GELU have a slope, and "
    "the same network learns with each of them, some much faster than others."
)


# the formulas in their textbook form, independent of how the engine computes them
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_erf = np.vectorize(math.erf)


def _normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)))


# name -> (label with its source, module, function, analytic derivative on float64 arrays)
ACTIVATIONS = {
    "step": ("Step (McCulloch & Pitts 1943)", nn.Step, F.heaviside, np.zeros_like),
    "sigmoid": ("Sigmoid (Rumelhart et al. 1986)", nn.Sigmoid, F.sigmoid,
                lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": ("Tanh", nn.Tanh, F.tanh, lambda x: 1 / np.cosh(x) ** 2),
    "relu": ("ReLU (Nair & Hinton 2010)", nn.ReLU, F.relu, lambda x: (x > 0) * 1.0),
    "leaky_relu": ("Leaky ReLU (Maas et al. 2013)", nn.LeakyReLU, F.leaky_relu,
                   lambda x: np.where(x > 0, 1.0, 0.01)),
    "elu": ("ELU (Clevert et al. 2015)", nn.ELU, F.elu, lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "gelu": ("GELU (Hendrycks & Gimpel 2016)", nn.GELU, F.gelu,
             lambda x: _normal_cdf(x) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
    "silu": ("SiLU (Elfwing et al. 2018),\nswish (Ramachandran et al. 2017)", nn.SiLU, F.silu,
             lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x)))),
    "softplus": ("Softplus (Dugas et al. 2001)", nn.Softplus, F.softplus, _sigmoid),
}


@dataclass
class Config(LessonConfig):
    samples: int = 200  # two-moons points
    hidden: int = 32  # neurons per hidden layer; the last layer's halves vote for the classes
    lr: float = 0.1
    momentum: float = 0.9
    budget: int = 2000  # training steps allowed to reach the target
    target: float = 0.95  # training accuracy that counts as learned

    def validate(self):
        if self.hidden < 2 or self.hidden % 2 or min(self.samples, self.budget) < 1:
            raise ValueError(
                "activations: need an even hidden >= 2, samples >= 1 and budget >= 1, got "
                f"hidden={self.hidden}, samples={self.samples}, budget={self.budget}"
            )
        if self.lr <= 0 or not 0 < self.target <= 1:
            raise ValueError(f"activations: need lr > 0 and 0 < target <= 1, got "
                             f"lr={self.lr}, target={self.target}")


def check_derivatives(result):
    """Each derivative by autograd (backward of sum f(x) gives f'(x) at every x) against its
    formula, in float64 on a grid from -4 to 4 that includes 0. Returns the grid x (801,)
    and {name: (f(x), f'(x))}."""
    x = np.arange(-400, 401) / 100.0  # (801,)
    curves = {}
    for name, (_, _, function, derivative) in ACTIVATIONS.items():
        inputs = gn.tensor(x, requires_grad=True)  # (801,) float64
        outputs = function(inputs)
        outputs.sum().backward()
        autograd = inputs.grad.numpy()
        error = np.abs(autograd - derivative(x)).max()
        result.metric(f"derivative_error_{name}", error)
        result.check(f"{name}: autograd derivative vs formula, max abs error", error, "<=", 1e-6)
        curves[name] = outputs.detach().numpy(), autograd
    return x, curves


def make_network(activation, hidden):
    """2 -> hidden -> hidden, each layer followed by the activation, no weights after it."""
    return nn.Sequential(
        nn.Linear(2, hidden), activation(), nn.Linear(hidden, hidden), activation()
    )


def class_scores(outputs):
    """The last layer's first half votes for class 0, the second half for class 1."""
    return outputs.reshape(len(outputs), 2, -1).sum(-1)  # (N, hidden) -> (N, 2)


def train(network, inputs, labels, cfg, steps, stop_at_target):
    """Full-batch SGD with momentum. Returns the loss and the accuracy before each step, the
    largest |gradient| of any weight over the run, and the first step at the target (or None)."""
    optimizer = optim.SGD(network.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    losses, accuracies, largest_gradient, reached = [], [], 0.0, None
    for step in range(steps + 1):
        optimizer.zero_grad()
        scores = class_scores(network(inputs))  # (N, 2)
        loss = F.cross_entropy(scores, labels)
        losses.append(loss.item())
        accuracies.append(float(np.mean(scores.detach().numpy().argmax(1) == labels.numpy())))
        if reached is None and accuracies[-1] >= cfg.target:
            reached = step
        if step == steps or (stop_at_target and reached is not None):
            break
        loss.backward()
        for param in network.parameters():
            largest_gradient = max(largest_gradient, float(np.abs(param.grad.numpy()).max()))
        optimizer.step()
    return np.array(losses), np.array(accuracies), largest_gradient, reached


def training_race(cfg, result):
    x, y = synthetic.moons(cfg.samples, rng=cfg.seed)
    x = (x - x.mean(0)) / x.std(0)  # standardised, so no activation starts saturated by scale
    inputs, labels = gn.tensor(x), gn.tensor(y)  # (N, 2), (N,)
    # one initialisation, copied into every network
    initial = {k: v.detach().numpy().copy()
               for k, v in make_network(nn.Identity, cfg.hidden).state_dict().items()}
    runs = {}
    for name, (_, module, _, _) in ACTIVATIONS.items():
        network = make_network(module, cfg.hidden)
        network.load_state_dict(initial)
        # quick mode: smooth ones stop at the target, the step runs 100 steps (it never moves)
        steps = min(cfg.budget, 100) if cfg.quick and name == "step" else cfg.budget
        stop_early = cfg.quick and name != "step"
        runs[name] = train(network, inputs, labels, cfg, steps, stop_at_target=stop_early)

    step_losses, step_accuracies, step_gradient, _ = runs["step"]
    result.metric("step_final_accuracy", step_accuracies[-1])
    result.check("step: largest |gradient| of any weight over the whole run", step_gradient,
                 "==", 0)
    result.check("step: largest change of the loss over the whole run",
                 np.abs(step_losses - step_losses[0]).max(), "==", 0)
    for name, (losses, accuracies, gradient, reached) in runs.items():
        if name == "step":
            continue
        steps = cfg.budget + 1 if reached is None else reached  # budget + 1: never reached
        result.metric(f"steps_to_target_{name}", steps)
        result.metric(f"final_accuracy_{name}", accuracies[-1])
        result.check(f"{name}: steps to {cfg.target:.0%} training accuracy", steps, "<=",
                     cfg.budget)
    return runs


def draw_curves(result, x, curves):
    fig, axes = viz.figure(6.4, 6.4, nrows=3, ncols=3, sharex=True)
    for axis, (name, (function, derivative)) in zip(axes.flat, curves.items()):
        axis.plot(x, function, color=viz.COLORS["blue"], label="f(x)")
        axis.plot(x, derivative, "--", color=viz.COLORS["red"], label="f'(x) by autograd")
        axis.set_title(ACTIVATIONS[name][0].replace(" (", "\n(", 1), fontsize=9)
        axis.set_ylim(-1.3, 2.3)
        axis.tick_params(labelsize=8)
    for axis in axes[-1]:
        axis.set_xlabel("x")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
    result.figure(fig, "activation_curves")


def short_name(name):
    return ACTIVATIONS[name][0].split(" (")[0]


def draw_race(result, runs, cfg):
    colors = dict(zip(ACTIVATIONS, viz.plt().get_cmap("tab10").colors))
    fig, axis = viz.figure()
    for name, (losses, _, _, _) in runs.items():
        width = 2.5 if name == "step" else 1.5
        axis.semilogx(np.arange(1, len(losses) + 1), losses, color=colors[name],
                      linewidth=width, label=short_name(name))
    axis.set(title="Training loss, same network, same start", xlabel="step (log scale)",
             ylabel="cross-entropy loss")
    axis.set_ylim(0, max(losses.max() for losses, _, _, _ in runs.values()) * 1.4)
    axis.legend(ncol=3, loc="upper center")  # in the headroom above every curve
    result.figure(fig, "loss_curves")

    names = [name for name in ACTIVATIONS if name != "step"]
    steps = [result.metrics[f"steps_to_target_{name}"] for name in names]
    order = np.argsort(steps)
    fig, axis = viz.figure()
    bars = axis.barh([short_name(names[i]) for i in order],
                     [steps[i] for i in order], color=[colors[names[i]] for i in order])
    axis.bar_label(bars, fmt="%d", padding=3, fontsize=9)
    axis.barh(["Step"], [cfg.budget], color="white", edgecolor=colors["step"], hatch="//")
    axis.text(cfg.budget / 2, len(names), "never: gradient exactly 0", ha="center",
              va="center", fontsize=9, backgroundcolor="white")
    axis.axvline(cfg.budget, color=viz.COLORS["gray"], linestyle="--", label="step budget")
    axis.set(title=f"Steps to reach {cfg.target:.0%} training accuracy (two moons)",
             xlabel="training steps")
    axis.legend(loc="lower right")
    result.figure(fig, "steps_to_target")


def run(cfg):
    result = Result(NAME, cfg)
    x, curves = check_derivatives(result)
    runs = training_race(cfg, result)
    draw_curves(result, x, curves)
    draw_race(result, runs, cfg)
    return result
