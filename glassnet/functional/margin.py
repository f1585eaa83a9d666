"""The losses on margins, distances and counts, with torch.nn.functional's names and
reductions: triplet (Schroff et al. 2015, FaceNet), cosine embedding, margin ranking, hinge
embedding, soft margin, multi-label soft margin, multi-class margin, Poisson and Gaussian
negative log-likelihoods. Each follows the formula PyTorch computes (its ATen code or
functional.py), so values and gradients agree with it."""

import math

import numpy as np

from glassnet.creation import where
from glassnet.functional import pairwise_distance
from glassnet.functional.activation import logsigmoid
from glassnet.functional.loss import _check_reduction, _reduce, legacy_reduction
from glassnet.tensor import Tensor, _to_array

COSINE_EPSILON = 1e-12  # PyTorch's guard in cosine_embedding_loss's norms


def _reduction(op, size_average, reduce, reduction):
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, op)
    return reduction


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-distance; swap uses d(p, n) when
    it is the smaller (Balntas et al. 2016)."""
    reduction = _reduction("triplet_margin_loss", size_average, reduce, reduction)
    if not anchor.ndim == positive.ndim == negative.ndim or anchor.ndim not in (1, 2):
        raise RuntimeError(f"triplet_margin_loss: anchor, positive and negative must all be 1-D "
                           f"or all 2-D, got {anchor.ndim}, {positive.ndim}, {negative.ndim}")
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = to_negative.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((to_positive - to_negative + margin).clamp(min=0), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = _reduction("cosine_embedding_loss", size_average, reduce, reduction)
    dim = input1.ndim - 1
    product = (input1 * input2).sum(dim)
    squares = ((input1 * input1).sum(dim) + COSINE_EPSILON) * ((input2 * input2).sum(dim)
                                                                 + COSINE_EPSILON)
    cos = product / squares.sqrt()
    target = _to_array(target)
    loss = where(Tensor._make(target == 1), 1 - cos, 0.0) + where(
        Tensor._make(target == -1), (cos - margin).clamp(min=0), 0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 asks x1 to rank above x2 by the margin."""
    reduction = _reduction("margin_ranking_loss", size_average, reduce, reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where target is 1, max(0, margin - x) where it is -1 (x a distance)."""
    reduction = _reduction("hinge_embedding_loss", size_average, reduce, reduction)
    target = Tensor._make(_to_array(target))
    loss = where(target != 1, (margin - input).clamp(min=0), 0.0) + where(target != -1, input,
                                                                           0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^(-y x)), the logistic loss of labels y in {-1, 1}."""
    reduction = _reduction("soft_margin_loss", size_average, reduce, reduction)
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """The binary cross-entropy of each class's logit (N, C), averaged over the classes."""
    reduction = _reduction("multilabel_soft_margin_loss", size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(input.ndim - 1) / input.shape[-1], reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum over j != y of max(0, margin - x_y + x_j)^p / C (Weston & Watkins 1999's multi-class
    hinge), scaled by weight[y]."""
    reduction = _reduction("multi_margin_loss", size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}")
    scores = input if input.ndim == 2 else input.reshape(1, -1)
    classes = _to_array(target).reshape(-1, 1)
    chosen = scores.gather(1, classes)  # (N, 1)
    hinge = (scores - chosen + margin).clamp(min=0)
    hinge = hinge if p == 1 else hinge * hinge
    if weight is not None:
        hinge = hinge * weight[Tensor._make(classes)]
    others = Tensor._make(classes != np.arange(scores.shape[1]))  # (N, C): j != y
    loss = where(others, hinge, 0.0).sum(1) / scores.shape[1]
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """The negative log-likelihood of counts under Poisson(rate): e^x - t x for x = log rate
    (log_input), else x - t log(x + eps); full adds Stirling's t log t - t + log(2 pi t)/2."""
    reduction = _reduction("poisson_nll_loss", size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        target = target if isinstance(target, Tensor) else Tensor._make(_to_array(target))
        safe = where(target > 1, target, 1.0)
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log var + (x - t)^2 / var) / 2 (+ log(2 pi) / 2 when full), var clamped at eps in
    value only (its gradient flows as if unclamped, as PyTorch's clamp under no_grad)."""
    _check_reduction(reduction, "gaussian_nll_loss")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)  # one variance per example
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not "
                             f"fit input of shape {tuple(input.shape)}")
    if (var.array < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    var = var + (var.detach().clamp(min=eps) - var.detach())
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
