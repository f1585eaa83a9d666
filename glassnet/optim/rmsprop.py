"""RMSprop: divide the step by a running root mean square of recent gradients.

    g = grad + weight_decay * param
    v = alpha * v + (1 - alpha) * g^2
    centered: a = alpha * a + (1 - alpha) * g;  v~ = v - a^2   (an estimate of the variance)
    d = sqrt(v~) + eps
    momentum > 0: b = momentum * b + g / d;  param -= lr * b
    otherwise:    param -= lr * g / d

Hinton, Lecture 6e of "Neural Networks for Machine Learning" (Coursera, 2012); the centered form
is from Graves, "Generating Sequences With Recurrent Neural Networks", 2013. As in PyTorch, eps
is added after the square root.
"""

import math

import numpy as np

from glassnet.optim.optimizer import Optimizer, speed_options


class RMSprop(Optimizer):
    ranges = (
        ("lr", 0.0, math.inf, False),
        ("alpha", 0.0, math.inf, False),
        ("eps", 0.0, math.inf, False),
        ("weight_decay", 0.0, math.inf, False),
        ("momentum", 0.0, math.inf, False),
    )

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
            **speed_options("RMSprop", differentiable, foreach=foreach, capturable=capturable),
        }
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        state["step"] = state.get("step", 0) + 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg = self._buffer(state, "square_avg", param)
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = self._buffer(state, "grad_avg", param)
            grad_avg += (1 - alpha) * (grad - grad_avg)
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denominator = np.sqrt(square_avg) + group["eps"]
        if momentum > 0:
            buffer = self._buffer(state, "momentum_buffer", param)
            buffer *= momentum
            buffer += grad / denominator
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * grad / denominator
