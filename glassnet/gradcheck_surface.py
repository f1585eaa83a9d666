"""Gradient checks of the Tensor methods and torch.* functions composed of the primitives
(tensor.py's operators, functional/shape.py, reductions.py, selection.py, products.py,
pointwise.py) and of in-place changes recorded in the graph. They add to gradcheck_cases.CASES;
none of these has a backward of its own, so each case checks the composition.
"""

import numpy as np

import glassnet as gn
from glassnet.gradcheck_cases import apart, between, const, leaf, op


def _with_zero(r):
    """A (3, 4) input with exact zeros, where a product's gradient is easy to get wrong."""
    values = r.uniform(0.5, 1.5, (3, 4)) * r.choice([-1, 1], (3, 4))
    values[1, 2] = values[2, 0] = values[2, 3] = 0.0
    return leaf(values)


def _setitem_in_graph(a, b):
    out = a * 2
    out[:, 1] = b * 3  # recorded: a's column 1 gets no gradient, b gets it
    return out


def _in_place_in_graph(a, b):
    out = a * 1.5
    out.mul_(b)  # mul_ reads a copy of out's values, so what it saves stays true
    out += 1
    return out.sigmoid_()


def _view_changed_in_place(a):
    out = a * 1
    out[0].mul_(3)  # a view of out changes: out's history takes it
    out.t()[1:, :2] += out[:2, 0]
    return out * out.sum(0)


def _base_changed_view_used(a, b):
    out = a * 1
    column = out[:, 1]  # made before out changes; it reads the change and its history
    out.mul_(b)
    return column * 2


# ---- made of the primitives in tensor.py and tensor_axes.py ----
op("tensor.sub", lambda a, b: a - b, (3, 4), (3, 1))
op("tensor.rsub_rdiv", lambda a: 2 - 1 / a, between(0.5, 2, 3, 4))
op("tensor.sqrt_rsqrt", lambda a: a.sqrt() + a.rsqrt(), between(0.5, 2, 3, 4))
op("tensor.mean.dims", lambda a: a.mean(dim=(0, 2)), (2, 3, 4))
op("tensor.min.all", lambda a: a.min(), apart(3, 4))
op("tensor.min.dim", lambda a: a.min(dim=-1).values, apart(3, 4))
op("tensor.transpose_squeeze", lambda a: a.transpose(0, -1).squeeze(1).unsqueeze(0), (2, 1, 3))
op("tensor.flatten", lambda a: a.flatten(1), (2, 3, 4))
op("tensor.stack", lambda a, b: gn.stack([a, b], dim=1), (2, 3), (2, 3))
op("tensor.matmul.vector_vector", gn.matmul, (4,), (4,))
op("tensor.matmul.vector_matrix", gn.matmul, (3,), (2, 3, 4))
op("tensor.matmul.matrix_vector", gn.matmul, (2, 3, 4), (4,))

# ---- in place, recorded in the graph ----
op("tensor.setitem.in_graph", _setitem_in_graph, (3, 4), (3,))
op("tensor.in_place.in_graph", _in_place_in_graph, (3, 4), (4,))
op("tensor.in_place.view_in_graph", _view_changed_in_place, (3, 4))
op("tensor.in_place.base_then_view", _base_changed_view_used, (3, 4), (4,))

# ---- reductions.py ----
op("tensor.var.dim", lambda a: a.var(dim=-1, keepdim=True), (3, 4))
op("tensor.var.all_biased", lambda a: a.var(unbiased=False), (3, 4))
op("tensor.std", lambda a: a.std(dim=0), (3, 4))
op("tensor.norm", lambda a: a.norm(dim=1), (3, 4))
op("tensor.norm.inf", lambda a: a.norm(float("inf"), dim=0), apart(3, 4))
op("tensor.logsumexp", lambda a: a.logsumexp(-1), between(-1, 3, 2, 3, 4))
op("tensor.logsumexp.keepdim", lambda a: a.logsumexp(0, keepdim=True), (3, 4))
op("tensor.amax", lambda a: a.amax(dim=0), apart(3, 4))
op("tensor.amin.dims", lambda a: a.amin(dim=(0, 2)), apart(2, 3, 4))
op("tensor.prod.with_zeros", lambda a: a.prod(dim=1) + a.prod(0).sum() + a[0].prod(), _with_zero)
op("tensor.cumsum", lambda a: a.cumsum(-1) + gn.cumsum(a, dim=0), (3, 4))
op("tensor.median", lambda a: a.median(dim=1).values + a.median(), apart(3, 5))
op("tensor.cdist", lambda a, b: gn.cdist(a, b), apart(3, 2), apart(4, 2, scale=3.0))

# ---- shape.py ----
op("tensor.repeat", lambda a: a.repeat(2, 1, 3), (2, 3))
op("tensor.split", lambda a: a.split([1, 3], dim=1), (2, 4))
op("tensor.chunk", lambda a: a.chunk(3, dim=-1), (2, 5))
op("tensor.unbind", lambda a: a.unbind(1), (2, 3))
op("tensor.narrow_select", lambda a: a.narrow(1, 1, 2) * a.select(0, -1)[1:3], (3, 4))
op("tensor.tril_triu", lambda a: a.tril() + 2 * a.triu(1) + a.tril(-1), (2, 3, 4))
op("tensor.roll", lambda a: a.roll((1, -2), (0, 1)) + a.roll(5), (3, 4))
op("tensor.flip", lambda a: a.flip(0, 1) * a.flip([1]), (3, 4))
op("tensor.repeat_interleave", lambda a: a.repeat_interleave(2, dim=0).sum(0).sum()
   + a.repeat_interleave(gn.tensor([1, 0, 3, 2]), dim=1).sum(1), (3, 4))
op("tensor.diagonal_diag", lambda a: a.diagonal(1) + gn.diag(a[0]).sum(0)[:3], (3, 4))
op("tensor.movedim_tile", lambda a: a.movedim(0, -1).tile((2, 1, 1)), (2, 3, 4))
op("tensor.take_along_dim", lambda a: gn.take_along_dim(a, gn.tensor([[2], [0], [3]]), 1),
   (3, 4))
op("tensor.meshgrid", lambda a, b: sum(g * (i + 1) for i, g in enumerate(gn.meshgrid(a, b))),
   (3,), (4,))

# ---- selection.py ----
op("tensor.topk", lambda a: a.topk(2, dim=1).values + a.topk(2, 1, largest=False)[0], apart(3, 4))
op("tensor.sort", lambda a: a.sort(dim=0, descending=True).values, apart(3, 4))
op("tensor.kthvalue", lambda a: a.kthvalue(2, dim=1).values, apart(3, 4))
op("tensor.masked_fill", lambda a: a.masked_fill(a.array > 0.3, -1.0), apart(3, 4))
op("tensor.masked_select", lambda a: a.masked_select(const(np.eye(3, 4)) > 0), (3, 4))
op("tensor.index_select", lambda a: a.index_select(1, gn.tensor([3, 0, 3])), (3, 4))
op("tensor.scatter", lambda a, b: a.scatter(1, gn.tensor([[1, 3], [0, 2], [2, 1]]), b), (3, 4),
   (3, 2))
op("tensor.scatter_add", lambda a, b: a.scatter_add(0, gn.tensor([[1, 1, 0, 2]]), b), (3, 4),
   (1, 4))
op("tensor.index_add", lambda a, b: a.index_add(0, gn.tensor([2, 0, 2]), b, alpha=2), (3, 4),
   (3, 4))

# ---- products.py ----
op("tensor.bmm", gn.bmm, (2, 3, 4), (2, 4, 5))
op("tensor.baddbmm", lambda c, a, b: gn.baddbmm(c, a, b, beta=0.5, alpha=2), (2, 3, 5),
   (2, 3, 4), (2, 4, 5))
op("tensor.einsum.batched_matmul", lambda a, b: gn.einsum("bij,bjk->bik", a, b), (2, 3, 4),
   (2, 4, 5))
op("tensor.einsum.trace_diag", lambda a: gn.einsum("ii", a) + gn.einsum("ii->i", a).sum(), (3, 3))
op("tensor.einsum.three_operands", lambda a, b, c: gn.einsum("i,ij,...j->...i", a, b, c),
   (3,), (3, 4), (2, 4))
op("tensor.outer_dot_mv", lambda a, b: gn.outer(a, b).sum(0) * gn.dot(a, a[[2, 1, 0]])
   + gn.mv(gn.outer(a, b).t(), a), (3,), (3,))

# ---- pointwise.py ----
op("tensor.lerp_addcmul", lambda a, b, c: a.lerp(b, 0.3) + a.addcmul(b, c, value=2)
   + a.addcdiv(b, c.exp()), (3, 4), (3, 4), (4,))
op("tensor.sinh_cosh_tan_log2", lambda a: a.sinh() + a.cosh() + a.tan() + (a + 2).log2(),
   between(-1, 1, 3, 4))
op("tensor.fmod_square_reciprocal", lambda a, b: gn.fmod(a, b) + a.square() + b.reciprocal(),
   between(0.5, 3, 3, 4), between(0.7, 1.3, 4))
