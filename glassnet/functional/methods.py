"""The Tensor methods composed on the heart, attached to Tensor here: ``x.topk(3)`` is
``topk(x, 3)``, ``x.exp_()`` makes x's values ``x.exp()`` in place, ``x.device`` is the CPU.
The heart (tensor.py and its mixins) holds what a learner reads to understand autodiff; this
table is the rest of PyTorch's Tensor that introductory programs use. Nothing here computes a
gradient: each method is a function of functional/ or creation.py, or an in-place form of one.
"""

import copy
import functools

import numpy as np

from glassnet import autograd, creation, random
from glassnet.autograd import is_grad_enabled
from glassnet.functional import (
    hooks,
    pointwise,
    printing,
    products,
    reductions,
    selection,
    shape,
)
from glassnet.tensor import Tensor, in_place
from glassnet.tensor_convert import check_device

# ---- methods that are the module functions of the same name ----
METHODS = {
    shape: """view_as reshape_as expand_as broadcast_to unflatten movedim moveaxis swapaxes
        swapdims ravel narrow select split chunk tensor_split unbind repeat tile
        repeat_interleave flip fliplr flipud roll rot90 tril triu diagonal diag diag_embed trace
        take_along_dim""",
    reductions: """var std logsumexp norm amax amin aminmax cumsum cumprod diff prod all any
        count_nonzero median mode dist""",
    selection: """sort argsort msort topk kthvalue index_select take masked_select nonzero
        argwhere masked_fill scatter scatter_add scatter_reduce index_add index_copy index_fill
        index_put unique bincount""",
    products: "mm bmm mv dot vdot inner outer ger addmm addmv baddbmm addbmm",
    pointwise: """add sub subtract mul multiply div divide true_divide floor_divide remainder
        fmod neg negative reciprocal square float_power exp2 expm1 log2 log10 sinh cosh tan
        atan arctan asin arcsin acos arccos asinh arcsinh acosh arccosh atanh arctanh atan2
        arctan2 ceil trunc fix sgn frac logit xlogy hypot lerp addcmul addcdiv clamp_min clamp_max
        nan_to_num logical_not logical_and logical_or logical_xor bitwise_not bitwise_and
        bitwise_or bitwise_xor isnan isinf isfinite isposinf isneginf signbit ne not_equal lt
        less le less_equal gt greater ge greater_equal isclose allclose equal is_nonzero""",
    creation: "new_tensor new_zeros new_ones new_full new_empty bernoulli multinomial",
}
for module, names in METHODS.items():
    for name in names.split():
        setattr(Tensor, name, getattr(module, name))
Tensor.__repr__ = printing.tensor_repr
Tensor.register_hook = hooks.register_hook
autograd.grad = hooks.grad  # torch.autograd.grad, composed here on the heart's backward

# ---- in place: x.name_(...) makes x's values x.name(...) ----
IN_PLACE = """pow exp log log1p sqrt rsqrt sin cos tanh sigmoid relu abs neg negative floor
    round sign reciprocal square ceil trunc frac clamp_min clamp_max fmod remainder lerp
    addcmul addcdiv masked_fill index_fill index_add index_copy index_put scatter scatter_add
    tril triu logical_not nan_to_num cumsum erf atan asin acos atan2 arctan2"""
for name in IN_PLACE.split():
    setattr(Tensor, name + "_", in_place(name + "_", getattr(Tensor, name)))


def uniform_(self, a=0.0, b=1.0, generator=None, rng=None):
    draws = random.generator(generator or rng).uniform(a, b, self.shape)
    return in_place("uniform_", lambda t: Tensor._make(draws))(self)


def normal_(self, mean=0.0, std=1.0, generator=None, rng=None):
    draws = random.generator(generator or rng).normal(mean, std, self.shape)
    return in_place("normal_", lambda t: Tensor._make(draws))(self)


def bernoulli_(self, p=0.5, generator=None):
    return in_place("bernoulli_", lambda t: creation.bernoulli(t, p, generator))(self)


def exponential_(self, lambd=1.0, generator=None):
    draws = random.generator(generator).exponential(1.0 / lambd, self.shape)
    return in_place("exponential_", lambda t: Tensor._make(draws))(self)


def random_(self, low=0, high=None, generator=None):
    draws = creation.randint(low, high, self.shape, generator=generator)
    return in_place("random_", lambda t: draws)(self)


def fill_diagonal_(self, fill_value, wrap=False):
    size = min(self.shape)
    places = (np.arange(size),) * self.ndim
    return self.index_put_(places, creation.tensor(fill_value, dtype=self.dtype))


# ---- in place, changing the shape: the same memory seen anew ----
def _become(self, result):
    """self takes result's array (a view of its own memory) and, in the graph, its history;
    as any in-place change, it raises the version."""
    if result.requires_grad and is_grad_enabled():
        self._check_in_graph("in-place view op")
        self._ctx, self.requires_grad = result._ctx, True
    self.array = result.array
    self._counter().value += 1
    return self


def unsqueeze_(self, dim):
    return _become(self, self.unsqueeze(dim))


def squeeze_(self, dim=None):
    return _become(self, self.squeeze(dim))


def t_(self):
    return _become(self, self.t())


def transpose_(self, dim0, dim1):
    return _become(self, self.transpose(dim0, dim1))


# ---- the device, the memory, printing, copying ----
def where(self, condition, y):
    """x.where(condition, y): x where condition holds, y elsewhere (torch.where's order)."""
    return creation.where(condition, self, y)


def cuda(self, device=None, non_blocking=False):
    check_device("cuda" if device is None else device)


def stride(self, dim=None):
    steps = tuple(n // self.array.itemsize for n in self.array.strides)
    return steps if dim is None else steps[dim]


def __format__(self, spec):
    """f"{loss:.4f}" works on a tensor of one element, as in PyTorch."""
    return format(self.item(), spec) if self.ndim == 0 else object.__format__(self, spec)


def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                           "the deepcopy protocol; detach() it first")
    out = Tensor._make(self.array.copy(), self.requires_grad)
    out.grad = copy.deepcopy(self.grad, memo)
    memo[id(self)] = out
    return out


ATTACHED = {
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
    "exponential_": exponential_, "random_": random_,
    "fill_diagonal_": fill_diagonal_, "unsqueeze_": unsqueeze_, "squeeze_": squeeze_,
    "t_": t_, "transpose_": transpose_, "where": where, "cuda": cuda, "stride": stride,
    "__format__": __format__, "__deepcopy__": __deepcopy__,
    "ndimension": Tensor.dim, "nelement": Tensor.numel,
    "is_floating_point": lambda self: self.dtype.kind == "f",
    "is_complex": lambda self: False,
    "is_contiguous": lambda self, memory_format=None: self.array.flags.c_contiguous,
    "element_size": lambda self: self.array.itemsize,
    "data_ptr": lambda self: self.array.__array_interface__["data"][0],
    "pin_memory": lambda self, device=None: self,
    "share_memory_": lambda self: self,
    "half": lambda self: self.type(np.float16),
    "short": lambda self: self.type(np.int16),
    "char": lambda self: self.type(np.int8),
    "byte": lambda self: self.type(np.uint8),
    "device": property(lambda self: creation.CPU),
    "is_cuda": property(lambda self: False),
    "is_xpu": property(lambda self: False),
    "is_mps": property(lambda self: False),
    "is_cpu": property(lambda self: True),
    "is_sparse": property(lambda self: False),
    "is_quantized": property(lambda self: False),
    "is_meta": property(lambda self: False),
    "itemsize": property(lambda self: self.array.itemsize),
    "nbytes": property(lambda self: self.array.nbytes),
}
for name, value in ATTACHED.items():
    setattr(Tensor, name, value)


# ---- NumPy's names for dim and keepdim, which PyTorch accepts too: x.sum(axis=0, keepdims=True)
def numpy_names(fn):
    """fn taking axis= for dim= and keepdims= for keepdim=, as PyTorch's functions do."""

    @functools.wraps(fn)
    def with_numpy_names(*args, **kwargs):
        if "axis" in kwargs:
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return with_numpy_names


ALONG_DIMS = """sum mean max min argmax argmin softmax log_softmax var std logsumexp norm amax amin
    cumsum cumprod prod all any count_nonzero median mode kthvalue squeeze unsqueeze split chunk
    unbind narrow select gather index_select topk sort argsort repeat_interleave diff"""
for name in ALONG_DIMS.split():
    setattr(Tensor, name, numpy_names(getattr(Tensor, name)))
