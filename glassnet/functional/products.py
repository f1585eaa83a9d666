"""Products with PyTorch's names, composed of matmul, mul and sum: mm, bmm, mv, dot, outer,
addmm, baddbmm, tensordot and einsum. Each checks its operands in its own terms (bmm wants 3-D
tensors) and then calls the one matrix-product primitive; no backward code is written here.
"""

import string

import numpy as np

from glassnet.ops import matmul as mm_op
from glassnet.tensor_axes import _normalize_dim


def _check(op, tensors, ndims, names):
    for tensor, ndim, name in zip(tensors, ndims, names):
        if tensor.ndim != ndim:
            raise RuntimeError(f"{op}: {name} must be a {ndim}-D tensor, got {tensor.ndim}-D "
                               f"of shape {tuple(tensor.shape)}")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(f"{op}: expected operands of one dtype, got "
                           f"{', '.join(str(t.dtype) for t in tensors)}")


def mm(input, mat2):
    """(n, m) @ (m, p) -> (n, p)."""
    _check("mm", (input, mat2), (2, 2), ("input", "mat2"))
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x"
                           f"{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    return mm_op.matmul(input, mat2)


def bmm(input, mat2):
    """(b, n, m) @ (b, m, p) -> (b, n, p): one matrix product per batch element."""
    _check("bmm", (input, mat2), (3, 3), ("batch1", "batch2"))
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"bmm: expected batch1 (b, n, m) and batch2 (b, m, p), got "
                           f"{tuple(input.shape)} and {tuple(mat2.shape)}")
    return mm_op.matmul(input, mat2)


def mv(input, vec):
    """(n, m) @ (m,) -> (n,)."""
    _check("mv", (input, vec), (2, 1), ("input", "vec"))
    return input.matmul(vec)


def dot(input, other):
    """The inner product of two 1-D tensors of one size."""
    _check("dot", (input, other), (1, 1), ("input", "other"))
    if input.shape != other.shape:
        raise RuntimeError(f"dot: 1-D tensors of one size expected, got {input.shape[0]} and "
                           f"{other.shape[0]} elements")
    return (input * other).sum()


vdot = inner = dot


def outer(input, vec2):
    """u v^T: (n,) and (m,) -> (n, m)."""
    _check("outer", (input, vec2), (1, 1), ("input", "vec2"))
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


def _scaled_sum(input, product, beta, alpha):
    """beta input + alpha product; with beta = 0 input is ignored (its NaNs too), as PyTorch."""
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product
    return (input if beta == 1 else input * beta) + product


def addmm(input, mat1, mat2, beta=1, alpha=1):
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, beta=1, alpha=1):
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, beta=1, alpha=1):
    """beta input + alpha batch1 @ batch2, input broadcasting to (b, n, p)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, beta=1, alpha=1):
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


def tensordot(a, b, dims=2):
    """Sum over the last dims of a and the first of b (dims=n), or over the given pairs."""
    if isinstance(dims, int):
        dims = (list(range(a.ndim - dims, a.ndim)), list(range(dims)))
    first, second = ([_normalize_dim(d, t.ndim) for d in np.atleast_1d(ds)]
                     for ds, t in zip(dims, (a, b)))
    letters = iter(string.ascii_letters)
    a_names = [next(letters) for _ in range(a.ndim)]
    b_names = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(first, second):
        b_names[j] = a_names[i]
    kept = [n for d, n in enumerate(a_names) if d not in first]
    kept += [n for d, n in enumerate(b_names) if d not in second]
    return einsum(f"{''.join(a_names)},{''.join(b_names)}->{''.join(kept)}", a, b)


# ---- einsum ----
def _parse(equation, operands):
    """'ij,jk->ik' -> ([['i','j'], ['j','k']], ['i','k']); '...' stands for capital letters,
    aligned from the right across operands (broadcast dims)."""
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum: the equation names {len(terms)} operands, got "
                           f"{len(operands)}")
    extras = []
    for term, operand in zip(terms, operands):
        extra = operand.ndim - len(term.replace("...", ""))
        if extra < 0 or (extra and "..." not in term):
            raise RuntimeError(f"einsum: subscripts {term!r} do not fit an operand of "
                               f"{operand.ndim} dims")
        extras.append(extra)
    width = max(extras, default=0)
    spare = [c for c in string.ascii_uppercase if c not in equation][:width]
    letters = [list(term.replace("...", "".join(spare[width - extra :])))
               for term, extra in zip(terms, extras)]
    if not all(c.isalpha() for names in letters for c in names):
        raise RuntimeError(f"einsum: subscripts must be letters, got {equation!r}")
    if arrow:
        return letters, list(output.replace("...", "".join(spare)))
    counts = {}
    for names in letters:
        for c in names:
            counts[c] = counts.get(c, 0) + 1
    return letters, spare + sorted(c for c, n in counts.items() if n == 1 and c not in spare)


def _diagonals(operand, names):
    """A letter repeated within one operand ('ii') takes that operand's diagonal."""
    while len(set(names)) < len(names):
        letter = next(c for c in names if names.count(c) > 1)
        first = names.index(letter)
        second = names.index(letter, first + 1)
        operand = operand.diagonal(0, first, second)
        names = [c for i, c in enumerate(names) if i not in (first, second)] + [letter]
    return operand, names


def _contract(a, a_names, b, b_names, keep):
    """Multiply a and b, summing the letters they share that keep does not hold, as one
    batched matrix product: (batch, a's own, shared) @ (batch, shared, b's own)."""
    batch = [c for c in a_names if c in b_names and c in keep]
    shared = [c for c in a_names if c in b_names and c not in keep]
    a_own = [c for c in a_names if c not in b_names]
    b_own = [c for c in b_names if c not in a_names]
    sizes = {}
    for names, t in ((a_names, a), (b_names, b)):
        for c, n in zip(names, t.shape):
            sizes[c] = max(sizes.get(c, 1), n)
    a = a.permute([a_names.index(c) for c in batch + a_own + shared])
    b = b.permute([b_names.index(c) for c in batch + shared + b_own])
    a = a.expand([sizes[c] for c in batch + a_own + shared])  # size-1 dims broadcast
    b = b.expand([sizes[c] for c in batch + shared + b_own])

    def size(letters):
        return int(np.prod([sizes[c] for c in letters]))

    out = mm_op.matmul(a.reshape(size(batch), size(a_own), size(shared)),
                       b.reshape(size(batch), size(shared), size(b_own)))
    return out.reshape([sizes[c] for c in batch + a_own + b_own]), batch + a_own + b_own


def einsum(equation, *operands):
    """Einstein summation: 'bij,bjk->bik' is a batched matmul, 'ii->' a trace, 'i,j->ij' an
    outer product. Made of diagonal, sum, permute and matmul: operands are contracted two at
    a time, left to right."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    letters, out = _parse(equation, operands)
    tensors = []
    for operand, names in zip(operands, letters):
        operand, names = _diagonals(operand, names)
        tensors.append((operand, names))
    for i, (operand, names) in enumerate(tensors):  # a letter nobody else needs is summed now
        others = set(out).union(*[n for j, (_, n) in enumerate(tensors) if j != i])
        alone = [d for d, c in enumerate(names) if c not in others]
        if alone:
            operand = operand.sum(dim=tuple(alone))
            names = [c for c in names if c in others]
        tensors[i] = (operand, names)
    if any(c not in set().union(*[n for _, n in tensors]) for c in out):
        raise RuntimeError(f"einsum: output subscripts {''.join(out)!r} name a letter no "
                           f"operand has")
    result, names = tensors[0]
    for i in range(1, len(tensors)):
        keep = set(out).union(*[n for _, n in tensors[i + 1 :]])
        result, names = _contract(result, names, *tensors[i], keep)
    extra = [d for d, c in enumerate(names) if c not in out]
    if extra:
        result = result.sum(dim=tuple(extra))
        names = [c for c in names if c in out]
    return result.permute([names.index(c) for c in out]) if names else result
