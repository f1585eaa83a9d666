"""Learning-rate schedules: each ``step()`` sets every param group's ``lr`` for the next epoch.

Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or per batch, as you
choose); called before it, the first step warns, as in PyTorch. The constructor already takes
step 0, so the optimizer starts at the schedule's first value. Each schedule follows PyTorch's
chainable form: the new lr is computed from the group's current lr (StepLR multiplies it by
gamma every step_size epochs), so two schedulers on one optimizer compose and an lr changed by
hand carries on, exactly as in PyTorch; ``step(epoch)`` jumps with the closed form from
``base_lrs``. ReduceLROnPlateau is in plateau.py, OneCycleLR and CosineAnnealingWarmRestarts in
cyclic.py; all are importable from here, PyTorch's path.
"""

import math
import warnings
from bisect import bisect_right
from collections import Counter

from glassnet.optim.optimizer import Optimizer


def _require(condition, scheduler, message):
    if not condition:
        raise ValueError(f"{scheduler}: {message}")


class LRScheduler:
    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: resuming at last_epoch={last_epoch} "
                               f"needs 'initial_lr' in param_groups[{i}]; load the optimizer's "
                               "state dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _group_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self):
        """The lr of each param group at epoch ``self.last_epoch``, from the current lrs."""
        raise NotImplementedError(f"{type(self).__name__} has no get_lr()")

    def step(self, epoch=None):
        """Advance one epoch (or jump to ``epoch``) and write the new lrs into the optimizer."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`: "
                          "call them in the opposite order, or the first value of the "
                          "schedule is skipped (as PyTorch warns)", UserWarning, stacklevel=2)
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    def get_last_lr(self):
        """The lrs this scheduler set last, one per param group."""
        return list(self._last_lr)

    _unsaved = ("optimizer",)

    def state_dict(self):
        """Plain values only (no optimizer, no functions), as PyTorch's schedulers save."""
        return {key: value for key, value in self.__dict__.items() if key not in self._unsaved}

    def load_state_dict(self, state_dict):
        self.__dict__.update({k: v for k, v in state_dict.items() if k not in self._unsaved})


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), with one function for all groups or one per group."""

    _unsaved = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        count = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            _require(len(lr_lambda) == count, "LambdaLR",
                     f"expected {count} lr_lambdas (one per param group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * count
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda should be a function, got "
                                f"{type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]


class StepLR(LRScheduler):
    """Multiply the lr by gamma every step_size epochs: base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _require(isinstance(step_size, (int, float)) and not isinstance(step_size, bool)
                 and step_size > 0, "StepLR", f"step_size must be a positive number, got "
                 f"{step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by gamma at each milestone epoch (by gamma^k at one listed k times)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        passed = sorted(m for m, count in self.milestones.items() for _ in range(count))
        return [base * self.gamma ** bisect_right(passed, self.last_epoch)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by gamma every epoch: base_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Half a cosine from base_lr down to eta_min over T_max epochs (continuing past T_max, it
    rises again). Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
    ICLR 2017, without the restarts (those are CosineAnnealingWarmRestarts).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _require(isinstance(T_max, int) and T_max >= 1, "CosineAnnealingLR",
                 f"T_max must be an int >= 1, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and epoch > 0:  # resumed at last_epoch: the closed form
            return self._get_closed_form_lr()
        if (epoch - 1 - period) % (2 * period) == 0:  # leaving the bottom of the cosine
            return [lr + (base - low) * (1 - math.cos(math.pi / period)) / 2
                    for base, lr in zip(self.base_lrs, self._group_lrs())]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (
            1 + math.cos(math.pi * (epoch - 1) / period))
        return [ratio * (lr - low) + low for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Linear warmup: the factor on base_lr goes from start_factor to end_factor in total_iters.

    lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) /
    total_iters). Goyal et al., "Accurate, Large Minibatch SGD", 2017, warm up this way.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        _require(0 < start_factor <= 1, "LinearLR",
                 f"start_factor must be in (0, 1], got {start_factor!r}")
        _require(0 <= end_factor <= 1, "LinearLR",
                 f"end_factor must be in [0, 1], got {end_factor!r}")
        _require(isinstance(total_iters, int) and total_iters >= 1, "LinearLR",
                 f"total_iters must be an int >= 1, got {total_iters!r}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        start, end = self.start_factor, self.end_factor
        if self.last_epoch == 0:
            return [lr * start for lr in self._group_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        factor = 1.0 + (end - start) / (self.total_iters * start
                                        + (self.last_epoch - 1) * (end - start))
        return [lr * factor for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        progress = min(self.last_epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run schedulers one after another: schedulers[i] from milestones[i - 1] on, restarted there.

    Typical use: LinearLR warmup for the first k epochs, then CosineAnnealingLR, milestones=[k].
    """

    _unsaved = ("optimizer", "_schedulers")

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _require(len(schedulers) >= 1, "SequentialLR", "expected at least one scheduler")
        _require(len(milestones) == len(schedulers) - 1, "SequentialLR",
                 f"expected {len(schedulers) - 1} milestones for {len(schedulers)} schedulers, "
                 f"got {len(milestones)}")
        for i, scheduler in enumerate(schedulers):
            _require(scheduler.optimizer is optimizer, "SequentialLR",
                     f"schedulers[{i}] drives a different optimizer than the one given")
            _require(not hasattr(scheduler, "mode_worse"), "SequentialLR",
                     f"schedulers[{i}] is a ReduceLROnPlateau, whose step needs the metric")
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        # each scheduler's constructor took a step and set the lr; start over from the first
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = super().state_dict()
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state_dict)


# the schedules kept in their own files, under this module's name as PyTorch's are (d2l tests
# `scheduler.__module__ == lr_scheduler.__name__` to recognise a built-in one)
from glassnet.optim.cyclic import CosineAnnealingWarmRestarts, OneCycleLR
from glassnet.optim.plateau import ReduceLROnPlateau

for _schedule in (CosineAnnealingWarmRestarts, OneCycleLR, ReduceLROnPlateau):
    _schedule.__module__ = __name__

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts", "ExponentialLR", "LRScheduler",
           "LambdaLR", "LinearLR", "MultiStepLR", "OneCycleLR", "ReduceLROnPlateau",
           "SequentialLR", "StepLR"]
