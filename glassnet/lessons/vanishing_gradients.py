"""Lesson 7, vanishing-gradients: why deep networks were hard to train, and the fixes.

Backpropagation multiplies the gradient by one layer's local derivative per layer on its way from
the loss to the input. If those factors are below 1 the product shrinks geometrically with depth
(vanishing); above 1 it grows (exploding). Hochreiter analysed it for recurrent nets in his 1991
diploma thesis (TU Munich: a Diplom thesis, where the article says doctoral), as did Bengio,
Simard & Frasconi (1994); Glorot & Bengio (2010) measured it layer by layer in deep sigmoid nets.
The fixes shown here: ReLU, whose slope is 1 where it is active (its wide use: Nair & Hinton
2010; Glorot, Bordes & Bengio 2011; AlexNet, Krizhevsky, Sutskever & Hinton 2012; the article
credits LeCun in 2012, which is not right), with He et al.'s (2015) initialisation: ReLU alone
is not enough, since with PyTorch's default init (std 1/sqrt(3 fan_in)) each ReLU layer still
shrinks the signal, by about sqrt(1/6), and the same 20-layer ReLU net stayed at 0.100 test
accuracy after 10 epochs of SGD in PyTorch (5 seeds); He's std sqrt(2 / fan_in) makes up for the
half of the units that are off. Then residual connections (He, Zhang, Ren & Sun 2015, ResNet);
gradient clipping for exploding gradients (Mikolov 2012; Pascanu, Mikolov & Bengio 2013); and
for sequences the LSTM (Hochreiter & Schmidhuber 1997).

1. Per-layer gradient norms at initialisation, ||dL/dz_l|| for each layer's output z_l, from the
   glass box (Trace) on 500 training digits, in nets of `depth` (20) hidden layers of 64 on
   digits16: sigmoid with PyTorch's default init; ReLU with He init; a residual ReLU net
   (models/resmlp.py: a stem and depth/2 pre-activation blocks LayerNorm -> Linear -> ReLU ->
   Linear, each block's last layer starting at zero; its per-layer norm is the gradient reaching
   the stream after each block); ReLU with a too-large init (He's std times `big_init` = 2, so
   each layer doubles the signal). Checks: first/last-layer ratio <= 1e-3 for sigmoid, within
   [0.1, 10] for ReLU + He and for the residual net, >= 100 for the too-large init. The residual
   ratio is exactly 1 at initialisation, since every block starts as the identity: the skip is
   the whole path; after training it is reported too (a metric, 4-11 here: the gradient grows
   toward the input as the blocks learn, nowhere near vanishing).
2. Training with the same plain SGD (lr 0.05, batch 64, 15 epochs, no momentum, no schedule):
   the deep sigmoid net stays at chance (check <= 0.3 test accuracy) while the residual net
   learns (check >= 0.90; quick mode, 4 epochs: >= 0.80); ReLU + He without skips learns too,
   more slowly (a metric). An adaptive optimizer partly hides vanishing gradients: Adam (Kingma
   & Ba 2015) divides each weight's step by the size of its recent gradients, so a layer whose
   gradient is 1e-6 of the last layer's still takes a full-size step; but only while the
   gradient is above Adam's eps (1e-8), below which its steps vanish too. The first-update
   figure shows both (float64 nets, so that no step is lost to float32 rounding): SGD moves 2 of
   the 20 sigmoid layers by at least a tenth of the last layer's step, Adam 7-8. Trained with Adam
   (lr 1e-3) the deep sigmoid net still stays at chance (a metric): the first dozen layers get
   steps below 1e-8, and the signal reaching the head has lost the input.
3. Exploding: from the too-large init, plain SGD gives inf/NaN at its second step; the same run
   (same init, same batches) with clip_grad_norm_(1.0) stays finite (checks, 60 steps).
4. Memory through time (data.recall_first: recall the first of `length` + 1 = 51 symbols, 8
   classes, chance 1/8): a tanh RNN and an LSTM, both of hidden size 64
   (models/rnn_classifier.py; the LSTM's forget gate opened for ~T steps by its bias, the
   constant form of Tallec & Ollivier's 2018 chrono init), Adam lr 1e-3, clipping at 1.0, batch
   64, 600 steps. Checks (full mode): LSTM >= 0.95 and RNN <= 0.2 test accuracy on 1,000
   sequences. Both modes: the gradient reaching the first step relative to the last,
   ||dL/dx_0|| / ||dL/dx_T|| at initialisation, >= 1e-2 for the LSTM and <= 1e-4 for the RNN.
   With PyTorch's default LSTM init (forget gate ~1/2) that fraction is ~3e-10 and the LSTM
   stayed at chance for 800 steps too (2 PyTorch seeds): the gate has to start open. Vanishing
   gradients make long memories slow and unreliable to learn, not impossible: with a larger step
   (Adam 2e-3, batch 32) the plain RNN learned this task (0.5-0.99) in 3 of 10 PyTorch seeds;
   with the recipe here, in none of 10 within 1,000 steps.

Calibration: the same recipes in PyTorch 2.13.0 (CPU, 2026-12-05) on the same split, seeds 0-4,
and glassnet's full mode, seeds 0-4 and 7:

    measured                              PyTorch            glassnet          check
    first/last ratio, sigmoid             5.3e-17 - 1.1e-16  4.4e-17 - 6.5e-17 <= 1e-3
    first/last ratio, ReLU + He           0.68 - 1.95        0.73 - 0.99       0.1 .. 10
    first/last ratio, residual            1.0                1.0               0.1 .. 10
    first/last ratio, too-large init      3.9e5 - 9.6e5      4.8e5 - 9.9e5     >= 100
    test accuracy, sigmoid, SGD           0.100              0.100             <= 0.3
    test accuracy, residual, SGD          0.941 - 0.954      0.942 - 0.952     >= 0.90
    test accuracy, ReLU + He, SGD         0.870 - 0.911      0.871 - 0.918     (metric)
    test accuracy, sigmoid, Adam          0.100              0.100             (metric)
    first inf/NaN step, unclipped         2                  2                 (not finite)
    last loss, clipped                    3.4e3 - 1.4e4      3.2e3 - 1.1e4     (finite)
    memory task, LSTM                     0.999 - 1.000      0.975 - 1.000     >= 0.95
    memory task, RNN                      0.100 - 0.135      0.109 - 0.140     <= 0.2
    gradient fraction at step 0, LSTM     0.31 - 0.36        0.31 - 0.38       >= 1e-2
    gradient fraction at step 0, RNN      1.8e-13 - 1.7e-11  5.0e-13 - 2.5e-11 <= 1e-4

Quick mode: the same measurements at initialisation, 4 epochs of SGD for the sigmoid and
residual nets only (residual 0.90-0.93 over the same seeds), no memory training (its gradient
checks stay). CPU time with one BLAS thread: full 24-30 s (budget 45), quick about 4 s.
"""

import math
from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset, load_digits, recall_first
from glassnet.lessons import _vanishing_figures as figures
from glassnet.lessons.base import LessonConfig, Result
from glassnet.lessons.digits import EpochCurve
from glassnet.models.mlp import MLP
from glassnet.models.resmlp import ResMLP, he_init_
from glassnet.models.rnn_classifier import RNNClassifier
from glassnet.trace import Trace
from glassnet.train import ProgressBar, fit

NAME = "vanishing-gradients"
TITLE = "Vanishing and exploding gradients: ReLU, skips, clipping and the LSTM"
IDEA = (
    "Going backwards through a deep network, the gradient is multiplied by one factor per layer, "
    "so in a deep sigmoid net it shrinks to almost nothing before it reaches the first layers, "
    "which then never learn. ReLU with a suitable initialisation keeps the factors near 1, "
    "residual connections give the gradient a path around every layer, and clipping tames the "
    "opposite problem, gradients that blow up. Across time steps the LSTM's gated memory plays "
    "the part of the skip, so it recalls a symbol seen 50 steps ago where a plain RNN cannot."
)

QUICK_EPOCHS = 4
PROBE_SIZE = 500  # training digits in the gradient-norm probe
RESIDUAL_FLOOR = {False: 0.90, True: 0.80}


@dataclass
class Config(LessonConfig):
    depth: int = 20  # hidden layers of the plain nets (the residual net: stem + depth/2 blocks)
    width: int = 64
    epochs: int = 15  # SGD epochs for each deep net
    lr: float = 0.05  # plain SGD's step, the same for every net
    big_init: float = 2.0  # the exploding run's init: He's std times this
    clip: float = 1.0  # max gradient norm for the clipped runs
    length: int = 50  # distractors between the symbol and the question
    memory_steps: int = 600
    memory_lr: float = 0.001

    def validate(self):
        problems = []
        for name in ("depth", "width", "epochs", "memory_steps"):
            if getattr(self, name) < 1:
                problems.append(f"--{name.replace('_', '-')} must be >= 1, got "
                                f"{getattr(self, name)}")
        if self.depth < 2:
            problems.append(f"--depth must be >= 2, got {self.depth}")
        for name in ("lr", "big_init", "clip", "memory_lr"):
            if not getattr(self, name) > 0:
                problems.append(f"--{name.replace('_', '-')} must be > 0, got "
                                f"{getattr(self, name)}")
        if self.length < 2:
            problems.append(f"--length must be >= 2, got {self.length}")
        if problems:
            raise ValueError("vanishing-gradients: " + "; ".join(problems))


# ---- the nets ----
def plain_net(cfg, setting):
    """depth x (Linear(width) + activation): 'sigmoid' (PyTorch's default init), 'relu-he' or
    'relu-big' (He's std times big_init)."""
    activation = "sigmoid" if setting == "sigmoid" else "relu"
    model = MLP(hidden=(cfg.width,) * cfg.depth, activation=activation)
    for module in model.modules():
        if isinstance(module, nn.Linear) and module is not model.layers.head:
            if setting == "relu-he":
                he_init_(module)
            elif setting == "relu-big":
                std = cfg.big_init * math.sqrt(2.0 / module.in_features)
                gn.init.normal_(module.weight, 0.0, std)
                gn.init.zeros_(module.bias)
    return model


def residual_net(cfg):
    return ResMLP(width=cfg.width, blocks=cfg.depth // 2)


def traced_layers(model):
    """Names of the layers whose output gradient is plotted, input side first."""
    if isinstance(model, ResMLP):
        return ["stem"] + [f"blocks.{i}.fc2" for i in range(len(model.blocks))]
    hidden = len(model.config.hidden)
    return [f"layers.fc{i}" for i in range(1, hidden + 1)]


def layer_gradient_norms(model, x, y):
    """||dL/dz|| at each traced layer for one batch (input side first), from the glass box."""
    with Trace(model) as trace:
        F.cross_entropy(model(gn.tensor(x)), gn.tensor(y)).backward()
    norms = trace.grad_norms()
    model.zero_grad()
    return np.array([norms[name] for name in traced_layers(model)])


# ---- training ----
class Clipped:
    """An optimizer whose step first clips the gradients' total norm (nn.utils.clip_grad_norm_)
    and records the norm before clipping; max_norm=inf records without clipping."""

    def __init__(self, optimizer, parameters, max_norm):
        self.optimizer, self.parameters, self.max_norm = optimizer, list(parameters), max_norm
        self.param_groups = optimizer.param_groups  # what fit's History reads (the lr)
        self.norms = []

    def zero_grad(self):
        self.optimizer.zero_grad()

    def step(self):
        self.norms.append(float(nn.utils.clip_grad_norm_(self.parameters, self.max_norm).item()))
        self.optimizer.step()


def train_digits(model, optimizer, digits, epochs, label):
    loader = DataLoader(TensorDataset(digits.x_train, digits.y_train), batch_size=64,
                        shuffle=True, drop_last=True)
    test_loader = DataLoader(TensorDataset(digits.x_test, digits.y_test), batch_size=1000)
    curve = EpochCurve(model, test_loader)
    fit(model, loader, optimizer, loss_fn=F.cross_entropy, epochs=epochs,
        callbacks=[ProgressBar(label), curve])
    return curve


def first_update(model, optimizer, x, y):
    """||W_after - W_before|| of each traced layer after one step of `optimizer`. The model is
    float64: in float32 a step below half a unit in the last place of a weight is lost."""
    modules = dict(model.named_modules())
    layers = [modules[name] for name in traced_layers(model)]
    before = [layer.weight.array.copy() for layer in layers]
    optimizer.zero_grad()
    F.cross_entropy(model(gn.tensor(x, dtype=gn.float64)), gn.tensor(y)).backward()
    optimizer.step()
    return np.array([np.linalg.norm(layer.weight.array - w) for layer, w in zip(layers, before)])


def exploding_run(cfg, digits, state, max_norm, steps=60):
    """SGD from the too-large init `state`, clipped at max_norm (inf: not clipped), on the same
    batches every time: the losses and the gradient norms before clipping."""
    model = plain_net(cfg, "relu-big")
    model.load_state_dict(state)
    loader = DataLoader(TensorDataset(digits.x_train, digits.y_train), batch_size=64,
                        shuffle=True, drop_last=True, rng=cfg.seed)
    optimizer = Clipped(optim.SGD(model.parameters(), lr=cfg.lr), model.parameters(), max_norm)
    losses = []
    with np.errstate(all="ignore"):  # overflow to inf and NaN is the point of the unclipped run
        for step, (x, y) in enumerate(loader):
            if step == steps:
                break
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return np.array(losses), np.array(optimizer.norms)


# ---- memory through time ----
class RecallBatches:
    """`steps` fresh batches of data.recall_first from glassnet's generator, as a loader."""

    def __init__(self, steps, batch_size, length):
        self.steps, self.batch_size, self.length = steps, batch_size, length

    def __len__(self):
        return self.steps

    def __iter__(self):
        for _ in range(self.steps):
            x, y = recall_first(self.batch_size, self.length)
            yield gn.tensor(x), gn.tensor(y)


class StepCurve:
    """A fit callback: test accuracy every `every` steps."""

    def __init__(self, model, x, y, every):
        self.model, self.x, self.y, self.every = model, x, y, every
        self.steps, self.accuracy = [], []

    def on_step_end(self, state):
        if state.step % self.every == 0 or state.step == state.total_steps:
            self.steps.append(state.step)
            self.accuracy.append(sequence_accuracy(self.model, self.x, self.y))


def sequence_accuracy(model, x, y):
    with gn.no_grad():
        return float(np.mean(model(gn.tensor(x)).array.argmax(axis=1) == y))


def step_gradient_norms(model, x, y):
    """||dL/dx_t|| for every time step t of a batch: how much of the loss's gradient reaches
    each input, the first one included."""
    inputs = gn.tensor(x, requires_grad=True)
    F.cross_entropy(model(inputs), gn.tensor(y)).backward()
    model.zero_grad()
    return np.sqrt(np.sum(np.square(inputs.grad.array, dtype=np.float64), axis=(0, 2)))  # (T+1,)


def memory_experiment(cfg, result):
    x_test, y_test = recall_first(1000, cfg.length)
    probe = (x_test[:PROBE_SIZE], y_test[:PROBE_SIZE])
    nets = {"RNN": RNNClassifier(cell="rnn"),
            "LSTM": RNNClassifier(cell="lstm", memory=float(cfg.length))}
    runs = {}
    for label, model in nets.items():
        run = {"init": step_gradient_norms(model, *probe)}
        reach = run["init"][0] / run["init"][-1]
        result.metric(f"{label.lower()}_first_step_gradient_fraction", reach)
        op, threshold = (">=", 1e-2) if label == "LSTM" else ("<=", 1e-4)
        result.check(f"{label}: gradient reaching the first step / the last, at init", reach,
                     op, threshold)
        if not cfg.quick:
            optimizer = Clipped(optim.Adam(model.parameters(), lr=cfg.memory_lr),
                                model.parameters(), cfg.clip)
            curve = StepCurve(model, x_test, y_test, every=50)
            fit(model, RecallBatches(cfg.memory_steps, 64, cfg.length), optimizer,
                loss_fn=F.cross_entropy, steps=cfg.memory_steps,
                callbacks=[ProgressBar(f"recall after {cfg.length} steps ({label})"), curve])
            run.update(curve=curve, trained=step_gradient_norms(model, *probe))
            result.metric(f"{label.lower()}_test_accuracy", curve.accuracy[-1])
        runs[label] = run
    if not cfg.quick:
        result.check("LSTM test accuracy on the memory task", runs["LSTM"]["curve"].accuracy[-1],
                     ">=", 0.95)
        result.check("RNN test accuracy on the memory task (chance 0.125)",
                     runs["RNN"]["curve"].accuracy[-1], "<=", 0.2)
    result.figure(figures.memory_figure(runs, cfg.length), "memory")


# ---- the lesson ----
def run(cfg):
    result = Result(NAME, cfg)
    epochs = min(cfg.epochs, QUICK_EPOCHS) if cfg.quick else cfg.epochs
    digits = load_digits(16, download=False)  # DataUnavailable names the fetch command
    probe = (digits.x_train[:PROBE_SIZE], digits.y_train[:PROBE_SIZE])

    settings = {"sigmoid": plain_net(cfg, "sigmoid"), "relu-he": plain_net(cfg, "relu-he"),
                "residual": residual_net(cfg), "relu-big": plain_net(cfg, "relu-big")}
    norms = {name: layer_gradient_norms(model, *probe) for name, model in settings.items()}
    for name, values in norms.items():
        result.metric(f"{name}_first_last_ratio", values[0] / values[-1])
    ratio = {name: values[0] / values[-1] for name, values in norms.items()}
    result.check("sigmoid: first/last-layer gradient norm", ratio["sigmoid"], "<=", 1e-3)
    for name in ("relu-he", "residual"):
        result.check(f"{name}: first/last-layer gradient norm >= 1/10", ratio[name], ">=", 0.1)
        result.check(f"{name}: first/last-layer gradient norm <= 10", ratio[name], "<=", 10)
    result.check("too-large init: first/last-layer gradient norm", ratio["relu-big"], ">=", 100)
    result.text("Gradient norm reaching each layer at initialisation (input side first)",
                figures.norm_table(norms))

    steps = {}
    for name, model in (("sigmoid", settings["sigmoid"]), ("relu-he", settings["relu-he"]),
                        ("sigmoid, Adam", plain_net(cfg, "sigmoid"))):
        model.double()
        optimizer = optim.Adam if "Adam" in name else optim.SGD
        lr = 0.001 if "Adam" in name else cfg.lr
        steps[name] = first_update(model, optimizer(model.parameters(), lr=lr), *probe)
    for name in ("sigmoid", "sigmoid, Adam"):  # layers stepping at least 1/10 of the last one
        moved = int(np.sum(steps[name] >= 0.1 * steps[name][-1]))
        result.metric(f"layers_moving_first_step_{name.replace(', ', '_').lower()}", moved)
    result.figure(figures.gradient_figure(norms, steps, cfg.depth), "gradient_norms")

    curves = {}  # quick mode trains the two nets whose claims it checks
    for name in ("sigmoid", "residual") if cfg.quick else ("sigmoid", "relu-he", "residual"):
        model = residual_net(cfg) if name == "residual" else plain_net(cfg, name)
        curves[name] = train_digits(model, optim.SGD(model.parameters(), lr=cfg.lr), digits,
                                    epochs, f"{name} net, SGD")
        result.metric(f"{name}_test_accuracy", curves[name].test_accuracy[-1])
        if name != "relu-he":  # after training: still vanishing, still level?
            trained = layer_gradient_norms(model, *probe)
            result.metric(f"{name}_first_last_ratio_trained", trained[0] / trained[-1])
    if not cfg.quick:
        adam_model = plain_net(cfg, "sigmoid")
        curves["sigmoid, Adam"] = train_digits(adam_model, optim.Adam(adam_model.parameters()),
                                               digits, epochs, "sigmoid net, Adam")
        result.metric("sigmoid_adam_test_accuracy", curves["sigmoid, Adam"].test_accuracy[-1])
    result.check("plain sigmoid net test accuracy (SGD)", curves["sigmoid"].test_accuracy[-1],
                 "<=", 0.3)
    floor = RESIDUAL_FLOOR[bool(cfg.quick)]
    result.check("residual ReLU net test accuracy (SGD)", curves["residual"].test_accuracy[-1],
                 ">=", floor)
    result.figure(figures.training_figure(curves, cfg.depth, cfg.lr), "training")

    state = plain_net(cfg, "relu-big").state_dict()
    unclipped = exploding_run(cfg, digits, state, math.inf)
    clipped = exploding_run(cfg, digits, state, cfg.clip)
    result.metric("unclipped_first_nonfinite_step", figures.first_nonfinite(unclipped[0]))
    result.metric("clipped_final_loss", clipped[0][-1])
    result.check("too-large init, unclipped: every loss finite (1 = yes)",
                 float(np.all(np.isfinite(unclipped[0]))), "==", 0)
    result.check("too-large init, clipped: every loss finite (1 = yes)",
                 float(np.all(np.isfinite(clipped[0]))), "==", 1)
    result.figure(figures.exploding_figure(unclipped, clipped, cfg), "exploding")

    memory_experiment(cfg, result)
    return result
