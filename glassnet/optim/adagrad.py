"""Adagrad: each coordinate's step divided by the root of its summed squared gradients, so
rarely-updated coordinates keep large steps (Duchi, Hazan & Singer 2011, "Adaptive
Subgradient Methods for Online Learning and Stochastic Optimization", JMLR 12):

    g = grad (+ weight_decay * param)
    sum += g^2
    param -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)
"""

import math

import numpy as np

from glassnet.optim.optimizer import Optimizer, speed_options
from glassnet.tensor import Tensor, _to_array


class Adagrad(Optimizer):
    ranges = (
        ("lr", 0.0, math.inf, False),
        ("lr_decay", 0.0, math.inf, False),
        ("weight_decay", 0.0, math.inf, False),
        ("initial_accumulator_value", 0.0, math.inf, False),
        ("eps", 0.0, math.inf, False),
    )

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize,
                    **speed_options("Adagrad", differentiable, foreach=foreach, fused=fused)}
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch fills the state up front
            for param in group["params"]:
                self._initial_state(self.state.setdefault(param, {}), _to_array(param),
                                    group)

    @staticmethod
    def _initial_state(state, param, group):
        if "sum" not in state:
            state["step"] = 0
            state["sum"] = Tensor._make(np.full_like(param, group["initial_accumulator_value"]))

    def _update(self, param, grad, state, group):
        self._initial_state(state, param, group)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        step_size = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = _to_array(state["sum"])
        total += grad * grad
        param -= step_size * grad / (np.sqrt(total) + group["eps"])
