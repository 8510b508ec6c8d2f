"""ember.linalg: torch.linalg's functions (decompositions, solvers, norms, products).

Forward through NumPy's batched LAPACK, gradients in ember ops (see ``ember/_ops/decomp.py`` and
``ember/_ops/matrix.py``). Eigen- and singular vectors follow LAPACK's sign choice, as torch's.
"""
from __future__ import annotations

from ._ops import decomp as _decomp  # noqa: F401  (registers the primitives)
from ._ops.decomp import (LinAlgError, cholesky, cholesky_ex, det, eig, eigh, eigvals,  # noqa
                          eigvalsh, inv, inv_ex, matrix_exp, qr, slogdet, solve, solve_ex,
                          solve_triangular, svd, svdvals)
from ._ops.linalg import matmul  # noqa: F401
from ._ops.matrix import (cond, cross, lstsq, matrix_norm, matrix_power, matrix_rank,  # noqa
                          multi_dot, norm, pinv, vecdot)
from ._ops.scan import vector_norm as _vector_norm

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig",
           "eigh", "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_exp",
           "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
           "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "vecdot",
           "vector_norm"]


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.vector_norm: ``sum(|x|^ord)^(1/ord)`` over ``dim`` (all dims when None).

    Example::

        >>> ember.linalg.vector_norm(ember.tensor([3., 4.])).item()
        5.0
    """
    res = _vector_norm(x, ord, dim, keepdim, dtype=dtype)
    if out is not None:
        from ._ops.linalg import _write_out
        return _write_out(out, res)
    return res


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: ``A.diagonal(offset, dim1, dim2)`` (defaults on the last two dims)."""
    return A.diagonal(offset, dim1, dim2)


def _publish_top_level():
    """Until ``ember._ops`` imports ``decomp`` itself, publish its top-level names on ``ember``."""
    import ember
    from ._ops.registry import FUNCTIONS
    for k, v in FUNCTIONS.items():
        if not hasattr(ember, k):
            setattr(ember, k, v)


_publish_top_level()
