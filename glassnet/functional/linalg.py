"""gn.linalg, torch.linalg's norms: vector_norm, matrix_norm (Frobenius and the induced 1- and
inf-norms) and norm, which picks one as torch.linalg.norm does. The decompositions (svd, qr,
eig) and what needs them (the spectral and nuclear norms, inv, solve) are not here."""

from glassnet.functional.reductions import amax
from glassnet.functional.reductions import norm as _vector
from glassnet.tensor_axes import _normalize_dim


def vector_norm(x, ord=2, dim=None, keepdim=False, dtype=None):
    """(sum |x|^ord)^(1/ord) over dim (all dims by default); inf and -inf the largest and
    smallest |x|, 0 the number of non-zeros."""
    return _vector(x, ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, dtype=None):
    """The Frobenius norm ("fro"), or the largest (1, inf) or smallest (-1, -inf) absolute
    column (1) or row (inf) sum, over the two dims of the matrices."""
    A = A if dtype is None else A.type(dtype)
    rows, cols = (_normalize_dim(d, A.ndim) for d in dim)
    if ord == "fro":
        return _vector(A, 2, dim=(rows, cols), keepdim=keepdim)
    if ord not in (1, -1, float("inf"), float("-inf")):
        raise NotImplementedError(f"matrix_norm: ord={ord!r} needs a singular value "
                                  "decomposition, which glassnet does not have")
    summed, other = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = A.abs().sum(dim=summed, keepdim=True)
    sign = 1 if ord > 0 else -1
    out = amax(sums * sign, dim=other, keepdim=True) * sign
    return out if keepdim else out.squeeze((rows, cols))


def norm(A, ord=None, dim=None, keepdim=False, dtype=None):
    """A vector norm over one dim (or all of them, flattened, when ord is None), a matrix norm
    over two, as torch.linalg.norm chooses."""
    if isinstance(dim, int) or dim is not None and len(dim) == 1:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype)
    if dim is not None:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype)
    raise RuntimeError(f"linalg.norm: with ord={ord!r} and dim=None, the input must be 1-D or "
                       f"2-D, got {A.ndim} dims")
