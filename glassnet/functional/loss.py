"""Loss functions, with torch.nn.functional's names, arguments and reductions."""

import warnings

import numpy as np

from glassnet.creation import where
from glassnet.ops import elementwise as ew
from glassnet.ops import fused
from glassnet.ops import movement as mv
from glassnet.tensor import Tensor, _to_array
from glassnet.tensor_axes import _broadcast

REDUCTIONS = ("mean", "sum", "none")


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce flags, translated to a reduction string."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _check_reduction(reduction, op, allowed=REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss, reduction, weight_sum=None):
    """The mean divides by weight_sum where elements carry class weights, else by the count."""
    if reduction == "mean":
        if weight_sum is None:
            return loss.mean()
        if weight_sum == 0:  # every target ignored: NaN with a zero gradient, as in PyTorch
            return loss.sum() * 0.0 + float("nan")
        return loss.sum() / float(weight_sum)
    return loss.sum() if reduction == "sum" else loss


def _class_weights(classes, weight, ignore_index, dtype):
    """Per-element weights: the class weight, or 0 where the target is ignored."""
    ignored = classes == ignore_index
    if weight is None:
        return np.where(ignored, 0, 1).astype(dtype)
    return np.where(ignored, 0, weight.array[np.where(ignored, 0, classes)]).astype(dtype)


def _check_weight(op, weight, num_classes):
    if weight is not None and tuple(weight.shape) != (num_classes,):
        raise RuntimeError(f"{op}: weight must hold one value per class, shape ({num_classes},), "
                           f"got {tuple(weight.shape)}")


def _check_class_target(input, target, ignore_index, op):
    """target as an integer array of input's shape without the class dim, values in range."""
    if input.ndim == 0 or input.dtype.kind != "f":
        raise RuntimeError(f"{op}: input must be float scores of shape (C,), (N, C) or "
                           f"(N, C, d...), got dtype {input.dtype} shape {input.shape}")
    classes = _to_array(target)
    batched = input.ndim > 1
    expected = (input.shape[0], *input.shape[2:]) if batched else ()
    if not np.issubdtype(classes.dtype, np.integer):
        raise TypeError(f"{op}: target must hold class indices of an integer dtype (int64), "
                        f"got {classes.dtype}")
    if classes.shape != expected:
        raise ValueError(f"{op}: input of shape {input.shape} expects target of shape "
                         f"{expected}, got {classes.shape}")
    num_classes = input.shape[1 if batched else 0]
    valid = classes != ignore_index
    outside = valid & ((classes < 0) | (classes >= num_classes))
    if outside.any():
        bad = classes[outside][0]
        raise IndexError(f"{op}: target {bad} is out of bounds for {num_classes} classes")
    return classes, valid


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-log p[target], where input holds log-probabilities of shape (N, C) or (N, C, d...)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    classes, valid = _check_class_target(input, target, ignore_index, "nll_loss")
    _check_weight("nll_loss", weight, input.shape[1 if input.ndim > 1 else 0])
    # (N, C, d...) -> (N, d..., C): the class dim last, for picking with gather
    logp = input.permute(0, *range(2, input.ndim), 1) if input.ndim > 1 else input
    picked_index = np.where(valid, classes, 0)[..., None]
    picked = mv.gather(logp, logp.ndim - 1, picked_index).squeeze(-1)  # (N, d...)
    weights = _class_weights(classes, weight, ignore_index, input.dtype)
    return _reduce(-picked * Tensor._make(weights), reduction, weights.sum())


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax then negative log-likelihood. target holds class indices, or class
    probabilities of input's shape. label_smoothing mixes the target with uniform
    (Szegedy et al. 2016)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim == 0:
        raise RuntimeError(f"cross_entropy: input must have shape (C,), (N, C) or (N, C, d...), "
                           f"got {input.shape}")
    class_dim = 1 if input.ndim > 1 else 0
    num_classes = input.shape[class_dim]
    _check_weight("cross_entropy", weight, num_classes)
    target_array = _to_array(target)
    probabilities = np.issubdtype(target_array.dtype, np.floating)
    if not probabilities:
        _check_class_target(input, target_array, ignore_index, "cross_entropy")
        if input.ndim == 2 and weight is None and label_smoothing == 0 and reduction != "none":
            return fused.cross_entropy(input, Tensor._make(target_array), ignore_index, reduction)
    logp = input.log_softmax(class_dim)
    weight_shape = [num_classes if d == class_dim else 1 for d in range(input.ndim)]
    if probabilities:
        if target_array.shape != input.shape:
            raise ValueError(f"cross_entropy: class-probability target must have the input's "
                             f"shape {input.shape}, got {target_array.shape}")
        target = target if isinstance(target, Tensor) else Tensor._make(target_array)
        probs = target.type(input.dtype) * (1 - label_smoothing) + label_smoothing / num_classes
        terms = logp * probs  # the target's gradient flows too, as in PyTorch
        if weight is not None:
            terms = terms * weight.reshape(weight_shape)
        return _reduce(-terms.sum(dim=class_dim), reduction)
    nll = nll_loss(logp, target_array, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    ignored = Tensor._make(target_array == ignore_index)
    terms = logp if weight is None else logp * weight.reshape(weight_shape)
    smooth = (-terms.sum(dim=class_dim)).masked_fill(ignored, 0.0)
    weight_sum = _class_weights(target_array, weight, ignore_index, input.dtype).sum()
    smooth = _reduce(smooth, reduction, weight_sum)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / num_classes)


def _as_target(target, input):
    return target if isinstance(target, Tensor) else Tensor._make(_to_array(target, input.dtype))


def _elementwise_target(input, target, reduction, op, broadcast=False):
    """The checks the elementwise losses share: reduction, and target of the input's shape (or,
    where PyTorch allows it with a warning, one that broadcasts with it)."""
    _check_reduction(reduction, op)
    target = _as_target(target, input)
    if target.shape != input.shape:
        if not (broadcast and _broadcast(input.shape, target.shape)):
            raise ValueError(f"{op}: target shape {target.shape} must match input shape "
                             f"{input.shape}")
        warnings.warn(f"{op}: target shape {target.shape} differs from input shape "
                      f"{input.shape}; they broadcast, which is often a mistake", stacklevel=3)
    return target


def _weighted(loss, weight, reduction, op, mean_by_weight=True):
    """Elementwise weights of the input's shape; their mean divides by the sum of the weights
    (mse_loss, l1_loss) or, as PyTorch's huber_loss does, by the count."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(f"{op}: weights and input must have the same size, got weight "
                         f"{tuple(weight.shape)} for input {tuple(loss.shape)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    diff = input - _elementwise_target(input, target, reduction, "mse_loss", broadcast=True)
    return _weighted(diff * diff, weight, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = _elementwise_target(input, target, reduction, "l1_loss", broadcast=True)
    return _weighted((input - target).abs(), weight, reduction, "l1_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target): L1 with
    a quadratic bowl at zero (Girshick 2015, "Fast R-CNN"); beta = 0 is plain L1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    target = _elementwise_target(input, target, reduction, "smooth_l1_loss", broadcast=True)
    diff = input - target
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    size = diff.abs()
    return _reduce(where(size < beta, diff * diff * (0.5 / beta), size - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere (Huber 1964): smooth L1
    scaled by delta, so its slope far from zero is delta."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    target = _elementwise_target(input, target, reduction, "huber_loss", broadcast=True)
    diff = input - target
    size = diff.abs()
    loss = where(size < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)
    return _weighted(loss, weight, reduction, "huber_loss", mean_by_weight=False)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)), each log clamped at -100 as PyTorch does (ops/fused.py)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = _elementwise_target(input, target, reduction, "binary_cross_entropy")
    for name, values in (("input", input.array), ("target", target.array)):
        if not ((values >= 0) & (values <= 1)).all():  # NaN fails too
            raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be in "
                               f"[0, 1], as probabilities")
    loss = fused.binary_cross_entropy(input, target)  # PyTorch's gradients at p = 0 and 1
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable expression:
    (1 - t) x + (1 + (w_pos - 1) t) (log(1 + e^-|x|) + max(-x, 0))."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = _elementwise_target(input, target, reduction, "binary_cross_entropy_with_logits")
    if pos_weight is None:  # one fused step (ops/fused.py)
        loss = fused.binary_cross_entropy_with_logits(input, target)
    else:
        log_term = ew.log1p(ew.exp(-input.abs())) + ew.relu(-input)
        loss = (1 - target) * input + log_term * ((pos_weight - 1) * target + 1)
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || q) pointwise, with input = log q: t (log t - input)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "kl_div", (*REDUCTIONS, "batchmean"))
    target = _as_target(target, input)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        safe_log = where(target > 0, target, 1.0).log()  # t log t = 0 at t = 0
        loss = target * (safe_log - input)  # d/dt = log t + 1 - input for t > 0, as PyTorch
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
