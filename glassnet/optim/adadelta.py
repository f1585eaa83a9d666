"""Adadelta: steps sized by the ratio of two running averages, of squared updates and of
squared gradients, so the update has the units of the parameter (Zeiler 2012, "ADADELTA: An
Adaptive Learning Rate Method", arXiv:1212.5701). PyTorch adds an lr factor (default 1.0):

    g = grad (+ weight_decay * param)
    E[g^2] = rho * E[g^2] + (1 - rho) * g^2
    delta = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g
    E[dx^2] = rho * E[dx^2] + (1 - rho) * delta^2
    param -= lr * delta

The official MNIST examples (pytorch/examples) train with Adadelta(lr=1.0) and StepLR.
"""

import math

import numpy as np

from glassnet.optim.optimizer import Optimizer, speed_options


class Adadelta(Optimizer):
    ranges = (
        ("lr", 0.0, math.inf, False),
        ("rho", 0.0, 1.0, False),
        ("eps", 0.0, math.inf, False),
        ("weight_decay", 0.0, math.inf, False),
    )

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize,
                    **speed_options("Adadelta", differentiable, foreach=foreach,
                                    capturable=capturable)}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        state["step"] = state.get("step", 0) + 1
        square_avg = self._buffer(state, "square_avg", param)
        acc_delta = self._buffer(state, "acc_delta", param)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param -= group["lr"] * delta
