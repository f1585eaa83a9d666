"""Stochastic gradient descent, with momentum and Nesterov momentum as PyTorch defines them.

    g = grad + weight_decay * param                       (L2 penalty)
    b = g on the first step, else momentum * b + (1 - dampening) * g
    g = g + momentum * b  (nesterov)   or   g = b
    param -= lr * g

The momentum form is PyTorch's (velocity without lr inside), not Sutskever et al. 2013's; with a
constant lr the two are the same update. Nesterov: Sutskever et al., "On the importance of
initialization and momentum in deep learning", ICML 2013.
"""

import math

from glassnet.optim.optimizer import Optimizer, speed_options
from glassnet.tensor import Tensor


class SGD(Optimizer):
    ranges = (
        ("lr", 0.0, math.inf, False),
        ("momentum", 0.0, math.inf, False),
        ("weight_decay", 0.0, math.inf, False),
    )

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            **speed_options("SGD", differentiable, foreach=foreach, fused=fused),
        }
        super().__init__(params, defaults)

    def _check(self, group):
        super()._check(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True requires momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def _update(self, param, grad, state, group):
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum != 0:
            if state.get("momentum_buffer") is None:
                buffer = state["momentum_buffer"] = Tensor._make(grad.copy())
            else:
                buffer = state["momentum_buffer"]
                buffer.array *= momentum
                buffer.array += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer.array if group["nesterov"] else buffer.array
        param -= group["lr"] * grad
