"""Adam and AdamW: steps scaled by running estimates of the gradient's first two moments.

    g = grad (+ weight_decay * param for Adam's L2 penalty)
    m = beta1 * m + (1 - beta1) * g                  first moment
    v = beta2 * v + (1 - beta2) * g^2                second (uncentered) moment
    v_max = max(v_max, v)                            (amsgrad: the denominator never shrinks)
    param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015; AMSGrad: Reddi et al.,
"On the Convergence of Adam and Beyond", ICLR 2018. AdamW decouples the weight decay from the
gradient, ``param *= 1 - lr * weight_decay`` before the step: Loshchilov & Hutter, "Decoupled
Weight Decay Regularization", ICLR 2019.
"""

import math

import numpy as np

from glassnet.optim.optimizer import Optimizer, speed_options


def moments(optimizer, param, grad, state, group):
    """The start of an Adam-family step (Adam, AdamW, NAdam): weight decay, decoupled (param
    shrunk) or L2 (added to grad), then both moment estimates updated in place; returns the
    gradient as decayed and the two moments."""
    lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
    exp_avg = optimizer._buffer(state, "exp_avg", param)
    exp_avg_sq = optimizer._buffer(state, "exp_avg_sq", param)
    if weight_decay != 0 and group["decoupled_weight_decay"]:
        param *= 1 - lr * weight_decay
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    exp_avg += (1 - beta1) * (grad - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    return grad, exp_avg, exp_avg_sq


class Adam(Optimizer):
    ranges = (
        ("lr", 0.0, math.inf, False),
        ("betas", 0.0, 1.0, True),
        ("eps", 0.0, math.inf, False),
        ("weight_decay", 0.0, math.inf, False),
    )

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair, got {betas!r}")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            **speed_options(type(self).__name__, differentiable, foreach=foreach,
                            capturable=capturable, fused=fused),
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        state["step"] = step = state.get("step", 0) + 1
        _, exp_avg, exp_avg_sq = moments(self, param, grad, state, group)
        if group["amsgrad"]:
            second_moment = self._buffer(state, "max_exp_avg_sq", param)
            np.maximum(second_moment, exp_avg_sq, out=second_moment)
        else:
            second_moment = exp_avg_sq
        step_size = lr / (1 - beta1**step)
        denominator = np.sqrt(second_moment) / math.sqrt(1 - beta2**step) + group["eps"]
        param -= step_size * exp_avg / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2); see the module docstring."""

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
