"""OpInfos: torch.linalg decompositions, solvers, norms and the linalg top-level ops.

Eigen- and singular vectors are defined up to sign: those entries compare sign-invariant
functions of the outputs (``V * V``, ``U * U``...), and symmetric-input ops symmetrize their
input first so finite differences see the same function torch differentiates.
"""
from __future__ import annotations

import numpy as np

import ember.linalg  # noqa: F401  (ember.linalg must be importable as an attribute)

from .core import OpInfo, SampleInput

INTS = (np.float32, np.float64, np.int64)
TOL = dict(rtol=1e-4, atol=1e-4)


def _wc(make, *shape, nc=False):
    """A well-conditioned (batch of) square matrices: small noise + n on the diagonal."""
    a = make(*shape, low=-1, high=1, noncontig=nc)
    if a.dtype.kind == "f" and shape[-1]:
        a[..., range(shape[-1]), range(shape[-1])] += shape[-1]
    return a


def _eye(lib, A):
    return lib.eye(A.shape[-1], dtype=A.dtype)


def _spd(lib, A):
    return A @ A.mT + A.shape[-1] * _eye(lib, A)


def _sym(lib, A):
    return A + A.mT


# -- samples -----------------------------------------------------------------------------------
def _square_samples(make, errors=True):
    yield SampleInput((_wc(make, 3, 3),))
    yield SampleInput((_wc(make, 1, 1),))
    yield SampleInput((_wc(make, 2, 4, 4),))
    yield SampleInput((_wc(make, 2, 1, 3, 3),))
    yield SampleInput((_wc(make, 4, 4, nc=True),))
    yield SampleInput((make(0, 0),))
    yield SampleInput((make(2, 0, 0),))
    yield SampleInput((make(0, 3, 3),))
    if errors:
        yield SampleInput((make(3, 4),), name="not square", grad=False)
        yield SampleInput((make(3),), name="1-D", grad=False)
        yield SampleInput((make(3, 3, dtype=np.int64),), name="int", grad=False)


def _det_samples(make):
    yield from _square_samples(make)
    yield SampleInput((make(3, 3),), name="random")


def _solve_samples(make):
    A = _wc
    yield SampleInput((A(make, 3, 3), make(3)))
    yield SampleInput((A(make, 3, 3), make(3, 2)))
    yield SampleInput((A(make, 2, 3, 3), make(3)))
    yield SampleInput((A(make, 2, 3, 3), make(2, 3)), name="batch of vectors")
    yield SampleInput((A(make, 2, 3, 3), make(3, 3)))
    yield SampleInput((A(make, 1, 3, 3), make(4, 3, 2)))
    yield SampleInput((A(make, 3, 3), make(2, 3, 1)))
    yield SampleInput((A(make, 3, 3), make(2, 3)), {"left": False})
    yield SampleInput((A(make, 3, 3, nc=True), make(3, 2, noncontig=True)))
    yield SampleInput((make(0, 0), make(0, 2)))
    yield SampleInput((A(make, 3, 3), make(4)), name="mismatch", grad=False)
    yield SampleInput((A(make, 3, 3), make(3), {"left": False}), name="vector left=False",
                      grad=False)
    yield SampleInput((A(make, 3, 3), make(3, dtype=np.float64 if make.dtype == np.float32
                                          else np.float32)), name="dtype", grad=False)
    yield SampleInput((A(make, 2, 3, 3), make(4, 3, 1)), name="batch", grad=False)


def _solve_tri_samples(make):
    for kw in ({"upper": True}, {"upper": False}, {"upper": True, "left": False},
               {"upper": False, "unitriangular": True},
               {"upper": True, "left": False, "unitriangular": True}):
        yield SampleInput((_wc(make, 3, 3), make(3, 2) if kw.get("left", True) else make(2, 3)),
                          kw)
    yield SampleInput((_wc(make, 2, 3, 3), make(3, 4)), {"upper": False})
    yield SampleInput((_wc(make, 3, 3, nc=True), make(3, 3, noncontig=True)), {"upper": True})
    yield SampleInput((_wc(make, 3, 3), make(4, 2)), {"upper": True}, name="mismatch",
                      grad=False)


def _cholesky_fn(name):
    def fn(lib, A, **kw):
        f = lib.linalg.cholesky if name == "linalg" else lib.cholesky
        return f(_spd(lib, A), **kw)
    return fn


def _chol_samples(make):
    for s in ((3, 3), (1, 1), (2, 4, 4), (0, 0)):
        yield SampleInput((make(*s),))
        yield SampleInput((make(*s),), {"upper": True})
    yield SampleInput((make(3, 3, noncontig=True),))


def _chol_ex_fn(lib, A, **kw):
    return lib.linalg.cholesky_ex(_spd(lib, A), **kw)


def _qr_samples(make):
    for s in ((4, 3), (3, 3), (3, 5), (2, 4, 3), (2, 2, 5), (1, 1)):
        yield SampleInput((make(*s),))
    yield SampleInput((make(3, 5),), {"mode": "complete"})
    yield SampleInput((make(3, 3),), {"mode": "complete"})
    # mode='r' and complete with m > n raise in backward: tests/test_linalg_decomp.py
    yield SampleInput((make(4, 3, noncontig=True),))
    yield SampleInput((make(0, 3),), grad=False)
    yield SampleInput((make(4, 3),), {"mode": "bad"}, name="mode", grad=False)


def _eigh_fn(lib, A, **kw):
    L, V = lib.linalg.eigh(_sym(lib, A), **kw)
    return L, V * V


def _eigh_samples(make):
    for s in ((3, 3), (1, 1), (2, 4, 4), (0, 0)):
        yield SampleInput((make(*s),))
    yield SampleInput((make(3, 3),), {"UPLO": "U"})
    yield SampleInput((make(4, 4, noncontig=True),))
    yield SampleInput((make(3, 4),), name="not square", grad=False)
    yield SampleInput((make(3, 3),), {"UPLO": "X"}, name="bad UPLO", grad=False)


def _eigh_raw_fn(lib, A, UPLO="L"):
    L, V = lib.linalg.eigh(A, UPLO=UPLO)
    return L, V * V


def _eigh_raw_samples(make):
    yield SampleInput((make(4, 4),), grad=False)
    yield SampleInput((make(4, 4),), {"UPLO": "U"}, grad=False)


def _eigvalsh_fn(lib, A, **kw):
    return lib.linalg.eigvalsh(_sym(lib, A), **kw)


def _svd_fn(lib, A, full_matrices=True):
    U, S, Vh = lib.linalg.svd(A, full_matrices=full_matrices)
    k = S.shape[-1]
    rebuilt = (U[..., :, :k] * S.unsqueeze(-2)) @ Vh[..., :k, :]
    return S, (U * U)[..., :, :k], (Vh * Vh)[..., :k, :], rebuilt


def _svd_samples(make):
    for s in ((4, 3), (3, 3), (3, 5), (2, 4, 3), (2, 2, 5), (1, 1)):
        yield SampleInput((make(*s),), {"full_matrices": False})
        yield SampleInput((make(*s),), {"full_matrices": True})
    yield SampleInput((make(4, 3, noncontig=True),))
    yield SampleInput((make(0, 3),), grad=False)
    yield SampleInput((make(3, 3, dtype=np.int64),), name="int", grad=False)


def _svd_old_fn(lib, A, **kw):
    U, S, V = lib.svd(A, **kw)
    return S, U * U, V * V


def _svd_old_samples(make):
    yield SampleInput((make(4, 3),))
    yield SampleInput((make(3, 3),), {"some": False})
    yield SampleInput((make(2, 3, 4),))
    yield SampleInput((make(4, 3),), {"compute_uv": False}, grad=False)


def _matrix_samples(make):
    for s in ((4, 3), (3, 3), (3, 5), (2, 4, 3), (1, 1)):
        yield SampleInput((make(*s),))
    yield SampleInput((make(4, 3, noncontig=True),))


def _eig_fn(name):
    def fn(lib, A):
        out = getattr(lib.linalg, name)(A)
        if name == "eigvals":
            return out
        w, v = out
        return w, v.abs()
    return fn


def _eig_samples(make):
    yield SampleInput((make(3, 3),), grad=False)
    yield SampleInput((make(2, 4, 4),), grad=False)
    yield SampleInput((np.array([[0., 1.], [-1., 0.]], make.dtype),), grad=False)
    yield SampleInput((make(3, 4),), name="not square", grad=False)


def _mexp_samples(make):
    yield SampleInput((make(3, 3, low=-1, high=1),))
    yield SampleInput((make(2, 3, 3, low=-1, high=1),))
    yield SampleInput((make(1, 1),))
    yield SampleInput((make(4, 4) * 3,), name="scaled")
    yield SampleInput((make(0, 0),))
    yield SampleInput((make(3, 3, noncontig=True, low=-1, high=1),))
    yield SampleInput((make(3),), name="1-D", grad=False)


def _matrix_norm_samples(make):
    for ord in ("fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2):
        yield SampleInput((make(3, 4),), {"ord": ord})
        yield SampleInput((make(2, 3, 4),), {"ord": ord, "keepdim": True})
        yield SampleInput((make(3, 2, 4),), {"ord": ord, "dim": (0, -1)})
    yield SampleInput((make(3, 4, noncontig=True),), {"ord": "fro"})
    yield SampleInput((make(3, 4),), {"ord": 3}, name="bad ord", grad=False)
    yield SampleInput((make(3, 4),), {"dim": (1, 1)}, name="same dims", grad=False)
    yield SampleInput((make(3, 4, dtype=np.int64),), name="int", grad=False)
    yield SampleInput((make(3),), name="1-D", grad=False)


def _norm_samples(make):
    yield SampleInput((make(5),))
    yield SampleInput((make(2, 3, 4),))
    yield SampleInput((make(3, 4),), {"ord": "fro"})
    yield SampleInput((make(3, 4),), {"ord": "nuc"})
    yield SampleInput((make(3, 4),), {"ord": 1})
    yield SampleInput((make(3, 4),), {"ord": 2})
    yield SampleInput((make(5),), {"ord": 3})
    yield SampleInput((make(5),), {"ord": np.inf})
    yield SampleInput((make(2, 3, 4),), {"ord": 2, "dim": (0, 2)})
    yield SampleInput((make(2, 3, 4),), {"ord": 0.5, "dim": 1, "keepdim": True})
    yield SampleInput((make(2, 3, 4),), {"dim": (1, 2)})
    yield SampleInput((make(2, 3, 4),), {"ord": 2}, name="3-D with ord", grad=False)


def _vnorm_samples(make):
    yield SampleInput((make(5),))
    yield SampleInput((make(2, 3, 4),), {"ord": 1, "dim": (0, 2)})
    yield SampleInput((make(2, 3),), {"ord": np.inf, "dim": -1, "keepdim": True})
    yield SampleInput((make(2, 3, noncontig=True),), {"ord": 3})
    yield SampleInput((make(2, 3),), {"dtype": "float64"})
    yield SampleInput((make(3, dtype=np.int64),), name="int", grad=False)


def _vnorm_fn(lib, x, **kw):
    if "dtype" in kw:  # a dtype name, resolved per library
        kw["dtype"] = getattr(lib, kw["dtype"])
    return lib.linalg.vector_norm(x, **kw)


def _pinv_samples(make):
    yield SampleInput((make(4, 3),))
    yield SampleInput((make(3, 5),))
    yield SampleInput((make(2, 3, 3),))
    yield SampleInput((make(4, 3),), {"rtol": 0.01})
    yield SampleInput((make(4, 3),), {"atol": 0.01})
    yield SampleInput((make(4, 3, noncontig=True),))
    yield SampleInput((np.diag(np.array([2., 1., 0.], make.dtype)),), name="rank deficient",
                      grad=False)


def _pinv_herm_samples(make):
    yield SampleInput((make(3, 3),))
    yield SampleInput((make(2, 4, 4),))
    yield SampleInput((make(3, 3),), {"rtol": 0.01})
    yield SampleInput((make(3, 3, noncontig=True),))


def _pinv_herm_fn(lib, A, **kw):
    return lib.linalg.pinv(_sym(lib, A), hermitian=True, **kw)


def _rank_samples(make):
    yield SampleInput((make(4, 3),), grad=False)
    yield SampleInput((make(2, 3, 5),), grad=False)
    yield SampleInput((np.diag(np.array([2., 1., 0.], make.dtype)),), grad=False)
    yield SampleInput((make(4, 3),), {"atol": 1.0, "rtol": 0.5}, grad=False)
    yield SampleInput((make(4, 4),), {"hermitian": True}, grad=False)


def _lstsq_samples(make):
    yield SampleInput((make(5, 3), make(5, 2)))
    yield SampleInput((make(5, 3), make(5)))
    yield SampleInput((make(2, 5, 3), make(2, 5)))
    yield SampleInput((make(3, 5), make(3, 2)))
    yield SampleInput((make(2, 5, 3), make(1, 5, 2)))
    yield SampleInput((make(2, 5, 3), make(5, 2)), name="vector rule mismatch", grad=False)
    for d in ("gels", "gelsd", "gelss"):
        yield SampleInput((make(5, 3), make(5, 2)), {"driver": d})
    yield SampleInput((make(5, 3), make(5, 2)), {"driver": "bad"}, name="driver", grad=False)


def _mpow_samples(make):
    ints = make.dtype.kind != "f"
    for n in () if ints else (0, 1, 2, 3, 5, -1, -2):
        yield SampleInput((_wc(make, 3, 3) / 3, n))
    if not ints:
        yield SampleInput((_wc(make, 2, 3, 3) / 3, 2))
    yield SampleInput((make(3, 3, dtype=np.int64, low=-2, high=2), 3), grad=False)
    yield SampleInput((make(3, 3, dtype=np.int64, low=-2, high=2), 0), grad=False)
    yield SampleInput((make(3, 3, dtype=np.int64), -1), name="int inv", grad=False)
    yield SampleInput((make(2, 3), 2), name="not square", grad=False)


def _cross_samples(make):
    yield SampleInput((make(3), make(3)))
    yield SampleInput((make(4, 3), make(4, 3)))
    yield SampleInput((make(4, 3), make(1, 3)))
    yield SampleInput((make(3, 4), make(3, 4)), {"dim": 0})
    yield SampleInput((make(2, 3, 2), make(2, 3, 2)), {"dim": -2})
    yield SampleInput((make(4, 3, noncontig=True), make(4, 3)))
    yield SampleInput((make(3, dtype=np.int64), make(3, dtype=np.int64)), grad=False)
    yield SampleInput((make(4), make(4)), name="size", grad=False)
    yield SampleInput((make(2, 3), make(3)), name="ndim", grad=False)


def _cross_top_samples(make):
    yield SampleInput((make(4, 3), make(4, 3)), {"dim": 1})
    yield SampleInput((make(3, 4), make(3, 4)), {"dim": 0})
    yield SampleInput((make(4, 4), make(4, 4)), name="no size 3", grad=False)


def _cross_default_fn(lib, a, b):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.cross(a, b)


def _cross_default_samples(make):
    yield SampleInput((make(3, 4), make(3, 4)))
    yield SampleInput((make(2, 3, 3), make(2, 3, 3)))


def _multi_dot_fn(lib, *ts):
    return lib.linalg.multi_dot(list(ts))


def _multi_dot_samples(make):
    yield SampleInput((make(2, 3), make(3, 4)))
    yield SampleInput((make(2, 3), make(3, 4), make(4, 5), make(5, 2)))
    yield SampleInput((make(3), make(3, 4), make(4)))
    yield SampleInput((make(3), make(3, 4), make(4, 2)))
    yield SampleInput((make(2, 3), make(3, 4), make(4)))
    yield SampleInput((make(3), make(3)))
    yield SampleInput((make(3), make(2, 3, 3), make(3)), name="3-D", grad=False)


def _vecdot_samples(make):
    yield SampleInput((make(3), make(3)))
    yield SampleInput((make(2, 3), make(3)))
    yield SampleInput((make(2, 3), make(4, 1, 3)))
    yield SampleInput((make(3, 2), make(3, 2)), {"dim": 0})
    yield SampleInput((make(3, dtype=np.int64), make(3, dtype=np.int64)), name="int",
                      grad=False)


def _diagonal_samples(make):
    yield SampleInput((make(3, 4),))
    yield SampleInput((make(2, 3, 4),), {"offset": 1})
    yield SampleInput((make(2, 3, 4),), {"dim1": 0, "dim2": 2, "offset": -1})


def _cdist_samples(make):
    for p in (2.0, 1.0, 0.0, np.inf, 1.5, 3.0):
        yield SampleInput((make(3, 2), make(4, 2)), {"p": p})
    yield SampleInput((make(2, 3, 4), make(2, 5, 4)))
    yield SampleInput((make(2, 3, 4), make(5, 4)))
    yield SampleInput((make(30, 3), make(4, 3)), name="mm")
    yield SampleInput((make(3, 3), make(4, 3)), {"compute_mode": "use_mm_for_euclid_dist"})
    yield SampleInput((make(3, 3), make(4, 3)),
                      {"compute_mode": "donot_use_mm_for_euclid_dist"})
    yield SampleInput((make(0, 3), make(4, 3)))
    yield SampleInput((make(3, 2, noncontig=True), make(4, 2)))
    yield SampleInput((make(3), make(4, 3)), name="1-D", grad=False)
    yield SampleInput((make(3, 2), make(4, 3)), name="cols", grad=False)
    yield SampleInput((make(3, 2), make(4, 2)), {"p": -1.0}, name="p<0", grad=False)


def _trace_samples(make):
    yield SampleInput((make(3, 3),))
    yield SampleInput((make(2, 4),))
    yield SampleInput((make(0, 2),))
    yield SampleInput((make(3, 4, noncontig=True),))
    yield SampleInput((make(3),), name="1-D", grad=False)


def _block_diag_samples(make):
    yield SampleInput((make(2, 3), make(1, 2)))
    yield SampleInput((make(2), make(), make(3, 1)))
    yield SampleInput((make(2, 2), make(2, dtype=np.int64)))
    yield SampleInput((make(0, 2), make(2, 0)))
    yield SampleInput((make(2, 2, 2),), name="3-D", grad=False)


def _cartesian_samples(make):
    yield SampleInput((make(2), make(3)))
    yield SampleInput((make(2), make(3), make(2)))
    yield SampleInput((make(3),))
    yield SampleInput((make(2, 2),), name="2-D", grad=False)


def _tri_idx_samples(make):
    for args in ((3, 3), (3, 4, 1), (4, 3, -1), (0, 3), (3, 3, 5), (3, 3, -5)):
        yield SampleInput(args, grad=False)
    yield SampleInput((-1, 3), name="negative", grad=False)


def _chol_solve_fn(lib, B, A, upper=False):
    L = lib.linalg.cholesky(_spd(lib, A), upper=upper)
    return lib.cholesky_solve(B, L, upper)


def _chol_inv_fn(lib, A, upper=False):
    return lib.cholesky_inverse(lib.linalg.cholesky(_spd(lib, A), upper=upper), upper)


def _chol_solve_samples(make):
    yield SampleInput((make(3, 2), make(3, 3)))
    yield SampleInput((make(3, 2), make(3, 3)), {"upper": True})
    yield SampleInput((make(2, 3, 1), make(2, 3, 3)))


def _chol_inv_samples(make):
    yield SampleInput((make(3, 3),))
    yield SampleInput((make(3, 3),), {"upper": True})


def _logdet_fn(lib, A):
    return lib.logdet(A)


def _slogdet_samples(make):
    yield from _det_samples(make)
    yield SampleInput((-_wc(make, 3, 3),), name="negative det", grad=False)


def _lstsq_fn(lib, A, B, **kw):
    """(solution, residuals, rank); singular_values has no gradient (tests/test_linalg_decomp)."""
    return tuple(lib.linalg.lstsq(A, B, **kw))[:3]


op_db = [
    OpInfo("linalg.inv", _square_samples, gradgrad=True, covers=("inverse",), **TOL),
    OpInfo("inverse", _square_samples, gradgrad=False, **TOL),
    OpInfo("linalg.inv_ex", _square_samples, **TOL),
    OpInfo("linalg.det", _det_samples, gradgrad=True, covers=("det",), **TOL),
    OpInfo("det", _det_samples, **TOL),
    OpInfo("linalg.slogdet", _slogdet_samples, gradgrad=True, **TOL),
    OpInfo("slogdet", _slogdet_samples, **TOL),
    OpInfo("logdet", _slogdet_samples, fn=_logdet_fn, **TOL),
    OpInfo("linalg.solve", _solve_samples, gradgrad=True, **TOL),
    OpInfo("linalg.solve_ex", _solve_samples, **TOL),
    OpInfo("linalg.solve_triangular", _solve_tri_samples, gradgrad=True, **TOL),
    OpInfo("linalg.cholesky", _chol_samples, fn=_cholesky_fn("linalg"), gradgrad=True, **TOL),
    OpInfo("cholesky", _chol_samples, fn=_cholesky_fn("top"), **TOL),
    OpInfo("linalg.cholesky_ex", _chol_samples, fn=_chol_ex_fn, **TOL),
    OpInfo("cholesky_solve", _chol_solve_samples, fn=_chol_solve_fn, **TOL),
    OpInfo("cholesky_inverse", _chol_inv_samples, fn=_chol_inv_fn, **TOL),
    OpInfo("linalg.qr", _qr_samples, **TOL),
    OpInfo("qr", _matrix_samples, **TOL),
    OpInfo("linalg.eigh", _eigh_samples, fn=_eigh_fn, **TOL),
    OpInfo("linalg.eigh (raw)", _eigh_raw_samples, fn=_eigh_raw_fn, **TOL),
    OpInfo("linalg.eigvalsh", _eigh_samples, fn=_eigvalsh_fn, **TOL),
    OpInfo("linalg.eig", _eig_samples, fn=_eig_fn("eig"), grad=False, **TOL),
    OpInfo("linalg.eigvals", _eig_samples, fn=_eig_fn("eigvals"), grad=False, **TOL),
    OpInfo("linalg.svd", _svd_samples, fn=_svd_fn, **TOL),
    OpInfo("svd", _svd_old_samples, fn=_svd_old_fn, **TOL),
    OpInfo("linalg.svdvals", _matrix_samples, **TOL),
    OpInfo("linalg.matrix_exp", _mexp_samples, gradgrad=True, covers=("matrix_exp",), **TOL),
    OpInfo("linalg.matrix_norm", _matrix_norm_samples, **TOL),
    OpInfo("linalg.norm", _norm_samples, **TOL),
    OpInfo("linalg.vector_norm", _vnorm_samples, fn=_vnorm_fn, **TOL),
    OpInfo("linalg.cond", _matrix_samples, **TOL),
    OpInfo("linalg.pinv", _pinv_samples, **TOL),
    OpInfo("linalg.pinv (hermitian)", _pinv_herm_samples, fn=_pinv_herm_fn, **TOL),
    OpInfo("pinverse", _matrix_samples, **TOL),
    OpInfo("linalg.matrix_rank", _rank_samples, grad=False),
    OpInfo("linalg.lstsq", _lstsq_samples, fn=_lstsq_fn, **TOL),
    OpInfo("linalg.matrix_power", _mpow_samples, dtypes=INTS, gradgrad=True,
           covers=("matrix_power",), **TOL),
    OpInfo("linalg.cross", _cross_samples, dtypes=INTS, gradgrad=True),
    OpInfo("cross", _cross_top_samples, dtypes=INTS),
    OpInfo("cross (default dim)", _cross_default_samples, fn=_cross_default_fn),
    OpInfo("linalg.multi_dot", _multi_dot_samples, fn=_multi_dot_fn, **TOL),
    OpInfo("linalg.vecdot", _vecdot_samples),
    OpInfo("linalg.diagonal", _diagonal_samples),
    OpInfo("cdist", _cdist_samples, **TOL),
    OpInfo("trace", _trace_samples, dtypes=INTS, gradgrad=True),
    OpInfo("block_diag", _block_diag_samples, dtypes=INTS),
    OpInfo("cartesian_prod", _cartesian_samples, dtypes=INTS),
    OpInfo("tril_indices", _tri_idx_samples, dtypes=(np.float32,), grad=False),
    OpInfo("triu_indices", _tri_idx_samples, dtypes=(np.float32,), grad=False),
]

EXEMPT = {}
