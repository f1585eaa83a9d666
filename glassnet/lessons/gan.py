"""Lesson 13, gan: a forger against a detective.

The article's picture: a generator turns random noise into fake images, a discriminator looks
at real training images and at the fakes and says which is which; each improves against the
other, until the fakes pass for real. This is Goodfellow et al.'s generative adversarial net
(NeurIPS 2014) with the non-saturating generator loss -log D(G(z)) that the paper recommends
(`glassnet/models/gan.py`), both players multilayer perceptrons trained by Adam (Kingma & Ba
2015) with beta1 = 0.5 (Radford et al. 2016), one discriminator step per generator step.

Two experiments. A ring of 8 Gaussians (radius 2, standard deviation 0.1): a generator from
2-D noise (128-128 ReLU) against a 128-128 LeakyReLU discriminator, learning rates 0.01 decayed
linearly to 0, batches of 256. The generator covers the ring when a mode holds at least half its
fair share (1/16) of 1,000 samples, and a sample is near a mode within 3 standard deviations of
its centre (as Srivastava et al. 2017 count "high-quality" samples). Digits: 4,000 training
digits of digits16; a generator from 32-D noise (256-256 ReLU with batch normalisation, sigmoid
pixels) against a 256 LeakyReLU discriminator with dropout 0.2, learning rate 5e-4 decayed
linearly to 0, batches of 64. A judge (lesson 2's MLP recipe, 30 epochs, also taught that
noise is not a digit: see generative.py) reads 100 samples: recognised with high confidence and
spread over the classes (a collapsed generator draws one digit with high confidence: the second
number guards the first). The discriminator's accuracy on each batch of real and fake (before
its update) is recorded. On digits it starts above 0.9, while the fakes are noise, and drifts
toward 1/2, the standoff, as they improve; on the ring, where the fast generator keeps up from
the start, it never rises far and ends near 1/2.

GANs are fragile, and the lesson shows it. On the ring, the same recipe with the
discriminator's learning rate five times lower (the failed run, knob --failed-discriminator-lr)
fails for every seed tried: the generator's samples bunch up and chase the discriminator
instead of spreading over the modes (0-2 modes, 0-20% near, seeds 0-4). The ring's spread
matters too: at Metz et al.'s 0.02 (Unrolled GANs, 2017) this recipe collapsed onto 2 modes for
seed 0 and covered 6 for seed 2; an earlier digit recipe without batch normalisation in the
generator drew one digit only (measured in glassnet and in PyTorch).

Calibration, 2026-12-05, the same recipes in PyTorch 2.13 (CPU, one thread), judged by the same
instruments, seeds 0-2: 8 modes, 0.930-0.939 near, the discriminator's final accuracy 0.52-0.53
on the ring; digits 10 classes, confidence 0.897-0.899, final accuracy 0.69-0.71, 0.22-0.23
below its peak; the failed run 0-2 modes. glassnet, full mode, seeds 0-4: 7-8 modes,
0.915-0.950 near, final accuracy 0.51-0.55 (ring); 9-10 classes, confidence 0.83-0.92, final
accuracy 0.60-0.71, 0.21-0.33 below its peak (digits). Checks, full mode: modes >= 7 and near >=
0.7 (the issue's), confidence >= 0.7 (the issue's), classes >= 8, the final accuracy <= 0.6
(ring) and <= 0.85 (digits), at least 0.1 below its peak (digits). Quick mode (500 and 500
steps, a 4-epoch judge, no failed run), seeds 0-4: 4-7 modes, 0.65-0.76 near, confidence
0.44-0.56, 7-9 classes, final accuracy 0.58-0.66 and 0.73-0.85, 0.09-0.22 below its peak;
checks >= 4, >= 0.55, >= 0.35, >= 6, <= 0.7, <= 0.9, >= 0.05.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import models, optim, random, viz
from glassnet.data import load_digits, synthetic
from glassnet.lessons import generative
from glassnet.lessons.base import LessonConfig, Result
from glassnet.train import ProgressBar

NAME = "gan"
TITLE = "GAN: a generator against a discriminator"
IDEA = (
    "A generator turns random noise into fakes, and a discriminator learns to tell them from "
    "real examples; each trains against the other. As the fakes get better, the discriminator "
    "is right less often, until it can do little better than a coin. What is left is a "
    "generator that draws new examples: all eight blobs of a ring, and digits a classifier "
    "reads."
)

MODES, RING_STD = 8, 0.1
# full: (ring steps, digit steps, classifier epochs, failed run's steps); quick: the reduced run
BUDGETS = {False: (2000, 2500, 30, 1000), True: (500, 500, 4, 0)}
# floors and ceilings: (modes, near fraction, confidence, classes, D accuracy at the end on the
# ring and on digits, the fall of D's accuracy on digits from its peak)
THRESHOLDS = {False: (7, 0.7, 0.7, 8, 0.6, 0.85, 0.1), True: (4, 0.55, 0.35, 6, 0.7, 0.9, 0.05)}
RING_SNAPSHOTS = (0, 100, 300, 1000)  # steps at which the ring figure shows the samples


@dataclass
class Config(LessonConfig):
    ring_steps: int = 2000  # generator (and discriminator) steps on the ring (quick: <= 600)
    digit_steps: int = 2500  # steps on digits (quick: at most 400)
    generator_lr: float = 0.01  # ring: the generator's Adam learning rate
    discriminator_lr: float = 0.01  # ring: the discriminator's
    digit_lr: float = 5e-4  # digits: both players', decayed linearly to 0
    failed_discriminator_lr: float = 0.002  # the failed run's discriminator (full mode only)
    samples: int = 100  # digits drawn and judged

    def validate(self):
        problems = []
        for name in ("ring_steps", "digit_steps"):
            if getattr(self, name) < 10:
                problems.append(f"--{name.replace('_', '-')} must be >= 10")
        for name in ("generator_lr", "discriminator_lr", "digit_lr", "failed_discriminator_lr"):
            if not 0 < getattr(self, name) < 1:
                problems.append(f"--{name.replace('_', '-')} must be in (0, 1)")
        if self.samples < 10:
            problems.append(f"--samples must be >= 10, got {self.samples}")
        if problems:
            raise ValueError("gan: " + "; ".join(problems))


class Curves:
    """Per step: the discriminator's loss and accuracy, the generator's loss."""

    def __init__(self):
        self.d_loss, self.g_loss, self.d_accuracy = [], [], []

    def tail_accuracy(self, fraction=0.1):
        """The discriminator's mean accuracy over the last `fraction` of training."""
        count = max(1, int(len(self.d_accuracy) * fraction))
        return float(np.mean(self.d_accuracy[-count:]))


def train(model, data, steps, batch_size, lrs, decay, label, snapshots=None):
    """Alternate one discriminator step and one generator step `steps` times, each on a fresh
    batch (data: an array of real samples). lrs = (generator's, discriminator's); decay=True
    lowers both linearly to 0. snapshots: {step: None} filled with G's samples of a fixed z."""
    betas = (0.5, 0.999)
    g_opt = optim.Adam(model.generator.parameters(), lr=lrs[0], betas=betas)
    d_opt = optim.Adam(model.discriminator.parameters(), lr=lrs[1], betas=betas)
    generator = random.generator()
    fixed_z = model.noise(1000)
    curves, bar = Curves(), ProgressBar(label)
    state = type("State", (), {"total_steps": steps, "step": 0, "loss": 0.0, "metrics": {},
                               "interrupted": False})()
    bar.on_fit_start(state)
    model.train()
    for step in range(steps + 1):
        if snapshots is not None and step in snapshots:
            snapshots[step] = _generate(model, fixed_z)
        if step == steps:
            break
        for opt, lr in ((g_opt, lrs[0]), (d_opt, lrs[1])):
            opt.param_groups[0]["lr"] = lr * (1 - step / steps) if decay else lr
        real = gn.tensor(data[generator.integers(0, len(data), batch_size)])
        fake = model.fake(batch_size)
        d_loss, accuracy = model.discriminator_loss(real, fake.detach())
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = model.generator_loss(fake)  # D just moved: G answers the new D
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        curves.d_loss.append(d_loss.item())
        curves.g_loss.append(g_loss.item())
        curves.d_accuracy.append(accuracy)
        state.step, state.loss, state.metrics = step + 1, curves.d_loss[-1], {"D acc": accuracy}
        bar.on_step_end(state)
    bar.on_fit_end(state)
    model.eval()
    return curves


def _generate(model, z):
    was_training = model.training
    model.eval()
    with gn.no_grad():
        samples = model.generator(z).numpy()
    model.train(was_training)
    return samples


def ring_model():
    return models.GAN(data_shape=(2,), noise_size=2, generator_hidden=(128, 128),
                      discriminator_hidden=(128, 128), output="linear", batch_norm=False)


def mode_coverage(samples, centres, std):
    """(modes holding at least half their fair share of the samples, fraction of samples within
    3 std of a mode's centre, samples per mode)."""
    distances = np.sqrt(((samples[:, None, :] - centres[None]) ** 2).sum(-1))  # (N, modes)
    near = distances.min(axis=1) < 3 * std
    counts = np.bincount(distances.argmin(axis=1)[near], minlength=len(centres))
    return int((counts >= len(samples) / len(centres) / 2).sum()), float(near.mean()), counts


def run(cfg):
    result = Result(NAME, cfg)
    quick = bool(cfg.quick)
    limits = BUDGETS[quick]
    ring_steps, digit_steps = min(cfg.ring_steps, limits[0]), min(cfg.digit_steps, limits[1])
    judge_epochs, failed_steps = limits[2], min(limits[3], ring_steps)
    (mode_floor, near_floor, confidence_floor, class_floor, ring_ceiling, digit_ceiling,
     drift_floor) = THRESHOLDS[quick]
    result.metric("ring_steps", ring_steps)
    result.metric("digit_steps", digit_steps)
    digits = load_digits(16, download=False)  # DataUnavailable names the fetch command

    # ---- the ring of 8 Gaussians ----
    ring, _ = synthetic.ring_of_gaussians(20000, MODES, std=RING_STD)
    centres = synthetic.ring_centres(MODES)
    snapshots = dict.fromkeys(s for s in (*RING_SNAPSHOTS, ring_steps) if s <= ring_steps)
    ring_gan = ring_model()
    ring_curves = train(ring_gan, ring, ring_steps, 256, (cfg.generator_lr, cfg.discriminator_lr),
                        True, "GAN (ring)", snapshots)
    modes, near, counts = mode_coverage(snapshots[ring_steps], centres, RING_STD)
    result.metric("ring_smallest_mode_share", counts.min() / counts.sum())
    result.check(f"ring: modes covered (of {MODES})", modes, ">=", mode_floor)
    result.check("ring: fraction of samples near a mode", near, ">=", near_floor)
    failed = None
    if failed_steps:  # the same recipe with a slow discriminator: the failed run
        failed_gan = ring_model()
        failed = {failed_steps: None}
        train(failed_gan, ring, failed_steps, 256, (cfg.generator_lr,
              cfg.failed_discriminator_lr), True, "GAN (ring, failed run)", failed)
        failed_modes, failed_near, _ = mode_coverage(failed[failed_steps], centres, RING_STD)
        result.metric("failed_run_modes", failed_modes)
        result.metric("failed_run_near", failed_near)

    # ---- digits ----
    digit_gan = models.GAN(dropout=0.2)
    digit_curves = train(digit_gan, digits.x_train, digit_steps, 64, (cfg.digit_lr,) * 2, True,
                         "GAN (digits)")
    models.save_model(cfg.out / "gan.npz", "gan", digit_gan)
    images = digit_gan.sample(cfg.samples)  # (N, 1, 16, 16)
    classifier, judge_accuracy = generative.train_judge(digits, judge_epochs)
    labels, confidence = generative.judge(classifier, images)
    result.metric("judge_test_accuracy", judge_accuracy)
    nearest = generative.nearest_distances(images, digits.x_train).mean()
    result.metric("sample_nearest_mean", nearest)  # vs held-out digits: how far from the data
    result.metric("test_nearest_mean", generative.nearest_distances(digits.x_test,
                                                                    digits.x_train).mean())
    result.check("digits: mean classifier confidence", confidence.mean(), ">=", confidence_floor)
    result.check(f"digits: classes among {cfg.samples} samples", len(np.unique(labels)), ">=",
                 class_floor)

    peaks = {}
    for name, curves, ceiling in (("ring", ring_curves, ring_ceiling),
                                  ("digits", digit_curves, digit_ceiling)):
        peaks[name] = _smooth(curves.d_accuracy).max()
        result.metric(f"{name}_d_accuracy_peak", peaks[name])
        result.check(f"{name}: discriminator accuracy, last tenth of training (standoff 0.5)",
                     curves.tail_accuracy(), "<=", ceiling)
    result.check("digits: discriminator accuracy fell from its peak (peak - last tenth)",
                 peaks["digits"] - digit_curves.tail_accuracy(), ">=", drift_floor)

    result.figure(ring_figure(snapshots, failed, ring, centres), "ring_samples")
    result.figure(decision_figure(ring_gan, ring, snapshots[ring_steps]), "decision_map")
    result.figure(generative.samples_figure(images, labels, confidence,
                                            "digits from the generator"), "digit_samples")
    result.figure(curves_figure(ring_curves, digit_curves), "training_curves")
    return result


def _smooth(values, width=50):
    values = np.asarray(values, dtype=np.float64)
    width = max(1, min(width, len(values) // 5))
    return np.convolve(values, np.ones(width) / width, mode="valid")


# ---- figures ----
def ring_figure(snapshots, failed, ring, centres):
    panels = [(f"step {step}", samples, viz.COLORS["blue"]) for step, samples in
              sorted(snapshots.items())]
    if failed:
        (step, samples), = failed.items()
        panels.append((f"failed run, step {step}\n(D's learning rate / 5)", samples,
                       viz.COLORS["red"]))
    fig, axes = viz.figure(1.75 * len(panels) + 0.5, 3.0, ncols=len(panels), sharex=True,
                           sharey=True)
    for ax, (title, samples, color) in zip(axes, panels):
        ax.scatter(ring[:2000, 0], ring[:2000, 1], s=2, color=viz.COLORS["gray"], alpha=0.3)
        ax.scatter(samples[:, 0], samples[:, 1], s=2, color=color, alpha=0.5)
        modes, near, _ = mode_coverage(samples, centres, RING_STD)
        ax.set_title(f"{title}\n{modes} modes, {near:.0%} near", fontsize=9)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
    axes[0].set_ylabel("x2")
    fig.suptitle("The generator's samples (colour) over the ring of 8 Gaussians (gray)",
                 fontsize=11)
    return fig


def decision_figure(model, ring, samples):
    """D's belief that a point is real, over the plane, with the data and G's samples."""
    axis = np.linspace(-3, 3, 121)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2).astype(np.float32)
    with gn.no_grad():
        belief = F.sigmoid(model.discriminator(gn.tensor(grid))).numpy()
    fig, ax = viz.figure(5.2, 4.4)
    shown = ax.contourf(axis, axis, belief.reshape(len(axis), len(axis)), levels=np.linspace(
        0, 1, 11), cmap="RdBu_r")
    fig.colorbar(shown, ax=ax, label="D(x): belief that x is real")
    ax.scatter(ring[:1000, 0], ring[:1000, 1], s=2, color="black", alpha=0.5, label="data")
    ax.scatter(samples[:, 0], samples[:, 1], s=2, color=viz.COLORS["orange"], alpha=0.5,
               label="generator")
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper right", markerscale=4, fontsize=8)
    ax.set_title("The discriminator at the end of training:\nnear 1/2 where the samples are",
                 fontsize=11)
    return fig


def curves_figure(ring_curves, digit_curves):
    fig, axes = viz.figure(7.6, 5.0, nrows=2, ncols=2)
    for column, (name, curves) in enumerate((("ring", ring_curves), ("digits", digit_curves))):
        losses, accuracy = axes[0, column], axes[1, column]
        smooth_d, smooth_g = _smooth(curves.d_loss), _smooth(curves.g_loss)
        steps = np.arange(len(smooth_d)) + len(curves.d_loss) - len(smooth_d) + 1
        losses.plot(steps, smooth_d, color=viz.COLORS["blue"], label="discriminator")
        losses.plot(steps, smooth_g, color=viz.COLORS["orange"], label="generator")
        losses.axhline(np.log(4), color=viz.COLORS["gray"], linestyle=":", linewidth=1,
                       label="D's loss at the standoff (log 4)")
        losses.set_title(f"{name}: losses", fontsize=10)
        losses.set_ylabel("loss")
        losses.legend(fontsize=7)
        accuracy.plot(steps, _smooth(curves.d_accuracy), color=viz.COLORS["purple"])
        accuracy.axhline(0.5, color=viz.COLORS["gray"], linestyle="--", linewidth=1,
                         label="standoff: a coin")
        accuracy.set_ylim(0.4, 1.02)
        accuracy.set_title(f"{name}: discriminator accuracy, real vs fake", fontsize=10)
        accuracy.set_xlabel("training step")
        accuracy.set_ylabel("accuracy")
        accuracy.legend(fontsize=8)
    fig.suptitle("Training: moving averages over 50 steps")
    return fig
