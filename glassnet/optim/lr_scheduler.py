"""Learning-rate schedules: each ``step()`` sets every param group's ``lr`` for the next epoch.

Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or per batch, as you
choose). The constructor already takes step 0, so the optimizer starts at the schedule's first
value. Each schedule here is the closed form of PyTorch's: lr at epoch t is a function of
``base_lr`` (the group's ``initial_lr``) and t, so it gives PyTorch's sequence (to rounding) when
one scheduler drives the optimizer; PyTorch's recursive forms also compose with lr changes made
from outside, which these do not.
"""

import math
from bisect import bisect_right

from glassnet.optim.optimizer import Optimizer


class LRScheduler:
    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs "
                    f"'initial_lr' in param_groups[{i}]; load the optimizer's state dict first"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self):
        """The lr of each param group at epoch ``self.last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} has no get_lr()")

    def step(self, epoch=None):
        """Advance one epoch (or jump to ``epoch``) and write the new lrs into the optimizer."""
        self._step_count += 1
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return list(self._last_lr)

    def state_dict(self):
        """Plain values only (no optimizer, no functions), as PyTorch's schedulers save."""
        skip = ("optimizer", "lr_lambdas", "_schedulers")
        return {key: value for key, value in self.__dict__.items() if key not in skip}

    def load_state_dict(self, state_dict):
        state = {key: value for key, value in state_dict.items() if key != "lr_lambdas"}
        self.__dict__.update(state)


def _require(condition, scheduler, message):
    if not condition:
        raise ValueError(f"{scheduler}: {message}")


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): decay by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _require(
            isinstance(step_size, int) and step_size >= 1,
            "StepLR",
            f"step_size must be an int >= 1, got {step_size!r}",
        )
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base_lr * factor for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Half a cosine from base_lr down to eta_min over T_max epochs (continuing past T_max, it
    rises again). Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
    ICLR 2017, without the restarts.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _require(
            isinstance(T_max, int) and T_max >= 1,
            "CosineAnnealingLR",
            f"T_max must be an int >= 1, got {T_max!r}",
        )
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), with one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        count = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            _require(
                len(lr_lambda) == count,
                "LambdaLR",
                f"expected {count} lr_lambdas (one per param group), got {len(lr_lambda)}",
            )
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * count
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]


class LinearLR(LRScheduler):
    """Linear warmup: the factor on base_lr goes from start_factor to end_factor in total_iters.

    lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) /
    total_iters). Goyal et al., "Accurate, Large Minibatch SGD", 2017, warm up this way.
    """

    def __init__(
        self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1
    ):
        _require(
            0 < start_factor <= 1,
            "LinearLR",
            f"start_factor must be in (0, 1], got {start_factor!r}",
        )
        _require(
            0 <= end_factor <= 1, "LinearLR", f"end_factor must be in [0, 1], got {end_factor!r}"
        )
        _require(
            isinstance(total_iters, int) and total_iters >= 1,
            "LinearLR",
            f"total_iters must be an int >= 1, got {total_iters!r}",
        )
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        progress = min(self.last_epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base_lr * factor for base_lr in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run schedulers one after another: schedulers[i] from milestones[i - 1] on, restarted there.

    Typical use: LinearLR warmup for the first k epochs, then CosineAnnealingLR, milestones=[k].
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _require(len(schedulers) >= 1, "SequentialLR", "expected at least one scheduler")
        _require(
            len(milestones) == len(schedulers) - 1,
            "SequentialLR",
            f"expected {len(schedulers) - 1} milestones for {len(schedulers)} schedulers, "
            f"got {len(milestones)}",
        )
        for i, scheduler in enumerate(schedulers):
            _require(
                scheduler.optimizer is optimizer,
                "SequentialLR",
                f"schedulers[{i}] drives a different optimizer than the one given",
            )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        # each scheduler's constructor took a step and set the lr; start over from the first
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        self._schedulers[0].step()
        self._last_lr = self._schedulers[0].get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = super().state_dict()
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state)
