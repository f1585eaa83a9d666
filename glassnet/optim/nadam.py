"""NAdam: Adam with Nesterov momentum, the first moment looked up one step ahead (Dozat 2016,
"Incorporating Nesterov Momentum into Adam", ICLR workshop), with PyTorch's momentum schedule
mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)):

    g = grad (+ weight_decay * param, or param *= 1 - lr * weight_decay when decoupled)
    m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
    denom = sqrt(v / (1 - beta2^t)) + eps
    param -= lr * (1 - mu_t) / (1 - prod_{i<=t} mu_i) * g / denom
    param -= lr * mu_{t+1} / (1 - prod_{i<=t+1} mu_i) * m / denom

The running product of mu is kept in float32, as PyTorch keeps it (a float32 scalar tensor),
so trajectories match PyTorch's to the last bits in float64 too.
"""

import math

import numpy as np

from glassnet.optim.adam import moments
from glassnet.optim.optimizer import Optimizer, speed_options
from glassnet.tensor import Tensor, _to_array


class NAdam(Optimizer):
    ranges = (
        ("lr", 0.0, math.inf, False),
        ("betas", 0.0, 1.0, True),
        ("eps", 0.0, math.inf, False),
        ("weight_decay", 0.0, math.inf, False),
        ("momentum_decay", 0.0, math.inf, False),
    )

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"NAdam: betas must be a pair, got {betas!r}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    **speed_options("NAdam", differentiable, foreach=foreach,
                                    capturable=capturable)}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        state["step"] = step = state.get("step", 0) + 1
        if "mu_product" not in state:
            state["mu_product"] = Tensor._make(np.array(1.0, dtype=np.float32))
        grad, exp_avg, exp_avg_sq = moments(self, param, grad, state, group)
        momentum_decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product = _to_array(state["mu_product"])
        mu_product[...] = mu_product * np.float32(mu)
        denominator = np.sqrt(exp_avg_sq / (1 - beta2**step)) + group["eps"]
        product = float(mu_product)
        param -= lr * (1.0 - mu) / (1.0 - product) * grad / denominator
        param -= lr * mu_next / (1.0 - product * mu_next) * exp_avg / denominator
