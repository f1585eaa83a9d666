"""Lesson 3: gradient descent, a marble rolling down the loss.

Training looks for the parameters theta where a loss L(theta) is lowest. Gradient descent
(Cauchy 1847) takes small steps against the slope, theta <- theta - lr * dL/dtheta, the way a
marble rolls downhill: autograd gives the slope, optim.SGD takes the step.

Four experiments, each measured:
- least squares, L(w, b) = mean((X w + b - y)^2), is a bowl with one bottom that the normal
  equations give in closed form, [w; b] = lstsq([X 1], y); descent from zero reaches it.
- on a bumpy surface (a bowl minus Gaussian pits) the marble stops in the pit it starts above:
  starts on a grid end in several pits, and many never find the deepest (global) one.
- on a quadratic the step must stay below 2 / lambda_max (lambda_max the largest eigenvalue of
  the Hessian): beyond it every step overshoots further and the loss grows without bound.
- momentum, v <- mu v + g, theta <- theta - lr v (Polyak 1964, "heavy ball"), keeps the speed it
  gathered on the way down and rolls through a shallow pit that plain descent stays in.
"""

from dataclasses import dataclass

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import optim, viz
from glassnet.data import synthetic
from glassnet.lessons.base import LessonConfig, Result

NAME = "gradient-descent"
TITLE = "Gradient descent: a marble rolling down the loss"
IDEA = (
    "Learning means finding the parameters where the loss is lowest: picture the loss as a "
    "landscape over the parameters and let a marble roll downhill, one small step against the "
    "slope at a time. It settles in whichever pit it starts above, not always the deepest; a "
    "step that is too long overshoots and flies off, and momentum can carry it over a small bump."
)


@dataclass
class Config(LessonConfig):
    samples: int = 200  # points in the least-squares problem
    lr: float = 0.1  # step of the least-squares descent
    steps: int = 150  # least-squares descent steps
    too_large: float = 1.5  # the diverging step, in units of the critical step 2 / lambda_max
    diverge_steps: int = 20  # steps shown in the step-size comparison
    marble_lr: float = 0.1  # step of the marbles on the bumpy surfaces
    marble_steps: int = 500
    grid: int = 11  # starts per side on the bumpy surface
    momentum: float = 0.9

    def validate(self):
        if min(self.samples, self.steps, self.diverge_steps, self.marble_steps) < 1:
            raise ValueError("gradient-descent: samples and all step counts must be >= 1")
        if min(self.lr, self.too_large, self.marble_lr) <= 0 or self.grid < 2:
            raise ValueError(
                "gradient-descent: need lr, too_large, marble_lr > 0 and grid >= 2, got "
                f"{self.lr}, {self.too_large}, {self.marble_lr}, {self.grid}"
            )


# ---- least squares: descent against the closed form ----

def descend_least_squares(x, y, lr, steps):
    """Full-batch gradient descent on mean((X w + b - y)^2) from w = 0, b = 0.
    Returns the path of [w; b] (steps + 1, D + 1) and the loss before each step (steps + 1,)."""
    inputs, targets = gn.tensor(x), gn.tensor(y)  # (N, D), (N,) float64
    weight = gn.zeros(x.shape[1], dtype=gn.float64, requires_grad=True)  # (D,)
    bias = gn.zeros((), dtype=gn.float64, requires_grad=True)
    optimizer = optim.SGD([weight, bias], lr=lr)
    path, losses = [], []
    for _ in range(steps + 1):
        optimizer.zero_grad()
        loss = F.mse_loss(inputs @ weight + bias, targets)  # (N,) predictions -> scalar
        path.append(np.append(weight.detach().numpy(), bias.item()))
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return np.array(path), np.array(losses)


def least_squares(cfg, result):
    x, y = synthetic.linear_regression(cfg.samples, noise=0.5, rng=cfg.seed)
    x, y = x.astype(np.float64), y.astype(np.float64)
    design = np.hstack([x, np.ones((len(y), 1))])  # (N, D + 1): the bias is a weight on 1
    best = np.linalg.lstsq(design, y, rcond=None)[0]  # (D + 1,) the normal equations' solution
    best_loss = float(np.mean((design @ best - y) ** 2))
    path, losses = descend_least_squares(x, y, cfg.lr, cfg.steps)
    gap = np.linalg.norm(path[-1] - best) / np.linalg.norm(best)
    result.metric("least_squares_closed_form_loss", best_loss)
    result.metric("least_squares_final_loss", losses[-1])
    result.check("least squares: |theta_GD - theta_lstsq| / |theta_lstsq|", gap, "<=", 1e-3)

    # the Hessian of the mean squared error is 2/N [X 1]^T [X 1]; a step beyond 2 / lambda_max
    # makes the error along the steepest direction grow by |1 - lr lambda_max| > 1 each step
    hessian = 2 * design.T @ design / len(y)
    critical = 2 / np.linalg.eigvalsh(hessian).max()
    result.metric("critical_step", critical)
    factors = (0.2, 0.9, 1.1, cfg.too_large)
    curves = {f: descend_least_squares(x, y, f * critical, cfg.diverge_steps)[1] for f in factors}
    small, large = curves[0.2], curves[cfg.too_large]
    result.metric("small_step_final_loss", small[-1])
    result.metric("large_step_final_loss", large[-1])
    result.check("step 0.2 x critical converges: final loss / closed-form loss",
                 small[-1] / best_loss, "<=", 1.001)
    result.check(f"step {cfg.too_large} x critical diverges: final loss / first loss",
                 large[-1] / large[0], ">=", 10)
    draw_least_squares(result, design, y, best, best_loss, path, losses)
    draw_step_sizes(result, curves, best_loss, critical)


def draw_least_squares(result, design, y, best, best_loss, path, losses):
    fig, (left, right) = viz.figure(6.4, 3.4, ncols=2)
    # a window around both the start (0, 0) and the solution
    low, high = np.minimum(best[:2], 0) - 1, np.maximum(best[:2], 0) + 1
    w1, w2 = np.meshgrid(np.linspace(low[0], high[0], 101), np.linspace(low[1], high[1], 101))
    grid = np.stack([w1, w2, np.full_like(w1, best[2])], axis=-1)  # (101, 101, 3)
    surface = np.mean((grid @ design.T - y) ** 2, axis=-1)  # (101, 101)
    left.contourf(w1, w2, np.log10(surface), levels=20, cmap="viridis")
    left.plot(path[:, 0], path[:, 1], ".-", color="white", markersize=3, label="descent")
    left.plot(*best[:2], "*", color=viz.COLORS["red"], markersize=14, label="closed form")
    left.set(title="Loss over (w1, w2)", xlabel="w1", ylabel="w2")
    left.legend(loc="upper right")
    gap = losses - best_loss
    gap[gap < 1e-13 * best_loss] = np.nan  # below float64's resolution: rounding noise
    right.semilogy(gap, color=viz.COLORS["blue"], label="loss - closed-form loss")
    right.set(title="Gap to the closed form", xlabel="step", ylabel="excess mean squared error")
    right.legend()
    result.figure(fig, "least_squares")


def draw_step_sizes(result, curves, best_loss, critical):
    fig, axis = viz.figure()
    colors = [viz.COLORS[c] for c in ("green", "blue", "orange", "red")]
    for (factor, losses), color, style in zip(curves.items(), colors, ("-", "--", "-", "-")):
        label = rf"lr = {factor:g} $\times$ 2/$\lambda_{{max}}$ = {factor * critical:.2f}"
        axis.semilogy(losses, style, color=color, label=label)
    axis.axhline(best_loss, color=viz.COLORS["gray"], linestyle="--", label="closed-form loss")
    axis.set(title=r"Step size: below 2/$\lambda_{max}$ it converges, above it diverges",
             xlabel="step", ylabel="mean squared error (log)")
    axis.legend()
    result.figure(fig, "step_sizes")


# ---- marbles on bumpy surfaces ----

def roll(surface, starts, lr, steps, momentum=0.0):
    """Gradient descent on every start at once (the heights of independent marbles are summed,
    so each marble's gradient is its own slope). Returns the path (steps + 1, M, 2)."""
    position = gn.tensor(np.asarray(starts, dtype=np.float64), requires_grad=True)  # (M, 2)
    optimizer = optim.SGD([position], lr=lr, momentum=momentum)
    path = [position.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        surface(position).sum().backward()
        optimizer.step()
        path.append(position.detach().numpy().copy())
    return np.stack(path)


def find_pits(surface, lr, steps=600):
    """The surface's local minima, found (not assumed) by rolling long from each Gaussian's
    centre and merging marbles that meet: (P, 2) sorted by height, deepest first."""
    ends = roll(surface, surface.centres, lr, steps)[-1]  # (K, 2)
    pits = []
    for end in ends[np.argsort(surface(ends))]:
        if all(np.linalg.norm(end - pit) > 1e-3 for pit in pits):
            pits.append(end)
    return np.array(pits)


def which_pit(ends, pits, tolerance=0.05):
    """Index of the pit each end point rests in, -1 where it is in none."""
    distance = np.linalg.norm(ends[:, None] - pits[None], axis=-1)  # (M, P)
    return np.where(distance.min(axis=1) < tolerance, distance.argmin(axis=1), -1)


def marbles(cfg, result):
    surface = synthetic.bumpy_surface()
    pits = find_pits(surface, cfg.marble_lr)
    side = np.linspace(-2.8, 2.8, cfg.grid)
    starts = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)  # (G*G, 2)
    path = roll(surface, starts, cfg.marble_lr, cfg.marble_steps)
    ends = which_pit(path[-1], pits)
    reached = np.unique(ends[ends >= 0])
    result.metric("pits_on_surface", len(pits))
    result.metric("marbles_resting_in_a_pit", np.mean(ends >= 0))
    result.metric("marbles_in_global_pit", np.mean(ends == 0))
    result.check("bumpy surface: distinct pits the marbles end in", len(reached), ">=", 2)
    result.check("bumpy surface: marbles stuck in a local (not the global) pit",
                 np.sum(ends > 0), ">=", 1)
    every = np.unique(np.linspace(0, cfg.grid - 1, 5).round().astype(int))
    shown = (every[:, None] * cfg.grid + every).ravel()  # paths from a 5 x 5 subgrid of starts
    draw_marbles(result, surface, pits, starts, path, ends, shown)


def contour(axis, surface):
    xs, ys, heights = surface.grid()
    axis.contourf(xs, ys, heights, levels=24, cmap="terrain")
    axis.contour(xs, ys, heights, levels=24, colors="black", linewidths=0.3, alpha=0.4)
    axis.set_aspect("equal")


def draw_marbles(result, surface, pits, starts, path, ends, shown):
    palette = ["#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#8c564b"]
    fig, (left, right) = viz.figure(6.4, 3.6, ncols=2)
    for axis in (left, right):
        contour(axis, surface)
        axis.plot(*pits[0], "*", color="gold", markeredgecolor="black", markersize=16)
    for index in shown:
        color = palette[ends[index] % len(palette)] if ends[index] >= 0 else "gray"
        left.plot(path[:, index, 0], path[:, index, 1], color=color, linewidth=1.5)
        left.plot(*path[0, index], "o", color=color, markersize=4)
    left.set(title="Each marble stops in a pit", xlabel="x", ylabel="y")
    colors = [palette[e % len(palette)] if e >= 0 else "gray" for e in ends]
    right.scatter(starts[:, 0], starts[:, 1], c=colors, s=18, edgecolors="black", linewidths=0.3)
    right.plot([], [], "*", color="gold", markeredgecolor="black", markersize=12,
               label="global minimum")
    right.set(title="Start coloured by end pit", xlabel="x")
    right.legend(loc="lower left", framealpha=0.9)
    result.figure(fig, "marbles")


def momentum(cfg, result):
    surface = synthetic.shallow_pit_surface()
    pits = find_pits(surface, cfg.marble_lr)  # deepest first: pit 1 is the shallow one
    start = [(-2.8, 1.0)]
    plain = roll(surface, start, cfg.marble_lr, cfg.marble_steps)[:, 0]  # (S + 1, 2)
    heavy = roll(surface, start, cfg.marble_lr, cfg.marble_steps, cfg.momentum)[:, 0]
    plain_pit, heavy_pit = which_pit(np.stack([plain[-1], heavy[-1]]), pits)
    result.metric("plain_final_height", surface(plain[-1]))
    result.metric("momentum_final_height", surface(heavy[-1]))
    result.check("plain descent ends in the shallow pit (1 = yes)", plain_pit == 1, "==", 1)
    result.check(f"momentum {cfg.momentum} ends in the deep pit (1 = yes)", heavy_pit == 0, "==", 1)

    fig, (left, right) = viz.figure(6.4, 3.2, ncols=2, width_ratios=(1.4, 1))
    contour(left, surface)
    left.plot(plain[:, 0], plain[:, 1], ".-", color=viz.COLORS["blue"], markersize=2,
              label="plain")
    left.plot(heavy[:, 0], heavy[:, 1], ".-", color=viz.COLORS["red"], markersize=2,
              label=f"momentum {cfg.momentum:g}")
    left.plot(*start[0], "o", color="black", markersize=6)
    left.annotate("shallow", pits[-1], xytext=(-1.5, -1.5), arrowprops={"arrowstyle": "->"})
    left.annotate("deep", pits[0], xytext=(1.2, -1.5), arrowprops={"arrowstyle": "->"})
    left.set(title="Same start, same step", xlabel="x", ylabel="y")
    left.legend(loc="upper right", framealpha=0.9)
    right.plot(surface(plain), color=viz.COLORS["blue"], label="plain")
    right.plot(surface(heavy), color=viz.COLORS["red"], label="momentum")
    right.set(title="Height of the marble", xlabel="step", ylabel="height (loss)")
    right.legend()
    result.figure(fig, "momentum")


def run(cfg):
    if cfg.quick:
        cfg.grid = min(cfg.grid, 6)
        cfg.marble_steps = min(cfg.marble_steps, 300)
    result = Result(NAME, cfg)
    least_squares(cfg, result)
    marbles(cfg, result)
    momentum(cfg, result)
    return result
