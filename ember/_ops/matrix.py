"""Composite linear algebra: norms, pinv, lstsq, rank, matrix_power, cross, multi_dot, cdist...

Everything here is built from ember ops (the decompositions of ``decomp.py``, matmul, reductions),
so gradients come for free. Also torch's top-level aliases of the linalg family (``ember.det``,
``ember.inverse``, ``ember.svd``/``qr`` with their old signatures...) and the index builders
``tril_indices``/``triu_indices``, ``block_diag``, ``cartesian_prod``, ``trace``.
"""
from __future__ import annotations

import warnings

from .. import _dtype
from .._backend import CPU
from .._tensor import Tensor, _make
from ._common import broadcast_shape, result_type, to_dtype_arg, wrap_dim
from ._contract import multi_dot_2d
from . import decomp as D
from .decomp import check_float, check_matrix, check_square, mT
from .linalg import _name, _write_out, matmul
from .reduction import return_type
from .registry import export
from .scan import vector_norm

__all__ = ["matrix_norm", "norm", "pinv", "matrix_rank", "lstsq", "matrix_power", "cross",
           "multi_dot", "vecdot", "cond", "cdist", "trace", "block_diag", "cartesian_prod",
           "tril_indices", "triu_indices", "cholesky_solve", "cholesky_inverse"]

_xp = CPU.xp
inf = float("inf")
lstsq_t = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


def _out(res, out):
    return _write_out(out, res) if out is not None else res


# -- norms -------------------------------------------------------------------------------------
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None) -> Tensor:
    """torch.linalg.matrix_norm: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 over the two ``dim``s.

    Example::

        >>> ember.linalg.matrix_norm(ember.eye(2), 1).item()
        1.0
    """
    if dtype is not None:
        A = A.to(to_dtype_arg(dtype))
    check_matrix(A, "linalg.matrix_norm")
    nd = A._data.ndim
    d0, d1 = (wrap_dim(d, nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if isinstance(ord, str):
        if ord == "fro":
            return _out(vector_norm(A, 2, (d0, d1), keepdim), out)
        if ord != "nuc":
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, inf, -inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    if ord in ("nuc", 2, -2):
        if A._data.size == 0 and ord != "nuc":
            raise IndexError("linalg.matrix_norm: cannot compute the norm of an empty matrix")
        S = D.svdvals(A.movedim((d0, d1), (-2, -1)))
        res = S.sum(-1) if ord == "nuc" else S.amax(-1) if ord == 2 else S.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                res = res.unsqueeze(d)
        return _out(res, out)
    if ord in (inf, -inf):
        d0, d1 = d1, d0
    res = vector_norm(A, 1, d0, keepdim=True)
    res = res.amax(d1, keepdim=True) if ord > 0 else res.amin(d1, keepdim=True)
    if not keepdim:
        res = res.squeeze((d0, d1)) if isinstance(res, Tensor) else res
    return _out(res, out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:
    """torch.linalg.norm: a vector norm, or a matrix norm when ``ord`` is a string, ``dim`` has
    two entries, or (``dim=None``, ``ord`` given) ``A`` is 2-D."""
    if isinstance(dim, int):
        dim = (dim,)
    nd = A._data.ndim
    if dim is not None:
        dim = tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dim)}")
    elif ord is not None and nd not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {nd}D.")
    if ord is not None and (isinstance(ord, str) or (dim is not None and len(dim) == 2)
                            or (dim is None and nd == 2)):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype,
                           out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return _out(vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype), out)


def cond(A, p=None, *, out=None) -> Tensor:
    """torch.linalg.cond: ``sigma_max / sigma_min`` (p None/2/-2) or ``|A|_p |A^-1|_p``."""
    check_matrix(A, "linalg.cond")
    if p in (None, 2, -2):
        S = D.svdvals(A)
        res = S.amax(-1) / S.amin(-1) if p != -2 else S.amin(-1) / S.amax(-1)
        return _out(res, out)
    check_square(A, "linalg.cond")
    return _out(matrix_norm(A, p) * matrix_norm(D.inv(A), p), out)


# -- pinv / rank / lstsq -----------------------------------------------------------------------
def _tolerance(A, S, atol, rtol, smax):
    """torch's ``max(atol, rtol * sigma_max)`` (rtol defaults to eps * max(m, n) unless an
    ``atol`` > 0 is given)."""
    m, n = A._data.shape[-2:]
    if rtol is None:
        given = atol is not None and (isinstance(atol, Tensor) or atol > 0)
        rtol = 0.0 if given else float(_xp.finfo(A._data.dtype).eps) * max(m, n)
    tol = smax * rtol if not isinstance(rtol, Tensor) else smax * rtol.unsqueeze(-1)
    if atol is not None:
        at = atol.unsqueeze(-1) if isinstance(atol, Tensor) else atol
        tol = tol.clamp_min(at) if not isinstance(at, Tensor) else tol.maximum(at.to(tol.dtype))
    return tol


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None) -> Tensor:
    """torch.linalg.pinv through the SVD (``hermitian=True``: eigh); singular values below
    ``max(atol, rtol * sigma_max)`` are dropped. ``rcond`` is torch's older name for ``rtol``.

    Example::

        >>> ember.linalg.pinv(ember.tensor([[2., 0.], [0., 0.]])).tolist()
        [[0.5, 0.0], [0.0, 0.0]]
    """
    if A._data.ndim < 2 or A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.pinv({_name(A)}{{{list(A._data.shape)}}}): expected a tensor "
                           f"with 2 or more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    if hermitian:
        check_square(A, "linalg.pinv")
        L, V = D.eigh(A)
        absL = L.abs()
        S, U, Vh = absL, V, mT(V)
        vals = L
    else:
        U, S, Vh = D.svd(A, full_matrices=False)
        vals = S
    if S._data.shape[-1] == 0:
        return _out(mT(A) * 0, out)
    smax = S.detach().amax(-1, keepdim=True)
    tol = _tolerance(A, S, atol, rtol, smax)
    keep = S.gt(tol)
    inv_vals = vals.where(keep, 1).reciprocal().where(keep, 0)
    res = matmul(mT(Vh) * inv_vals.unsqueeze(-2), mT(U))
    return _out(res, out)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None) -> Tensor:
    """torch.linalg.matrix_rank: number of singular values above the tolerance (int64)."""
    check_matrix(A, "linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    S = (D.eigvalsh(A).abs() if hermitian else D.svdvals(A)).detach()
    if S._data.shape[-1] == 0:
        return _out(_make(_xp.zeros(A._data.shape[:-2], _xp.int64)), out)
    tol_ = _tolerance(A, S, atol, rtol, S.amax(-1, keepdim=True))
    return _out(S.gt(tol_).sum(-1), out)


def lstsq(A, B, rcond=None, *, driver=None):
    """torch.linalg.lstsq: ``(solution, residuals, rank, singular_values)`` with torch's CPU
    rules for which fields are filled (rank: not for 'gels'; singular values: 'gelsd'/'gelss';
    residuals: not 'gelsy', m > n and full rank). Full-rank problems are solved through QR,
    rank-deficient ones through ``pinv`` (rcond)."""
    if driver is None:
        driver = "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    if A._data.dtype.kind not in "fc" or B._data.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    check_matrix(A, "torch.linalg.lstsq")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, "
                           f"but got input's dtype {A.dtype} and other's dtype {B.dtype}")
    vector = B._data.ndim == A._data.ndim - 1  # torch's rule here (not solve's)
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A._data.shape[-2:]
    if Bm._data.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2). Got "
                           f"{m} and {Bm._data.shape[-2]}")
    batch = tuple(broadcast_shape(A._data.shape[:-2], Bm._data.shape[:-2]))
    A = A.expand(*batch, m, n)
    Bm = Bm.expand(*batch, m, Bm._data.shape[-1])
    a = A._data
    S = _xp.linalg.svd(a, compute_uv=False) if a.size else _xp.zeros(batch + (min(m, n),),
                                                                         a.dtype)
    eps = float(_xp.finfo(a.dtype).eps)
    rc = eps * max(m, n) if rcond is None else rcond
    smax = S.max(-1, keepdims=True) if S.shape[-1] else S[..., :1]
    rank = (S > rc * smax).sum(-1) if S.shape[-1] else _xp.zeros(batch, _xp.int64)
    full = bool((rank == min(m, n)).all())
    if full and m >= n:
        Q, R = D.qr(A)
        X = D.solve_triangular(R, matmul(mT(Q), Bm), upper=True)
    elif full:
        Q, R = D.qr(mT(A))
        X = matmul(Q, D.solve_triangular(mT(R), Bm, upper=False))
    else:
        X = matmul(pinv(A, rtol=rc), Bm)
    empty = X.reshape(-1)[:0]  # torch's empty residuals still carry a grad_fn
    if driver != "gelsy" and m > n and full:
        resid = ((matmul(A, X) - Bm) ** 2).sum(-2)
        if vector:
            resid = resid.squeeze(-1)
    else:
        resid = empty
    rank_t = _make(_xp.zeros((0,), _xp.int64)) if driver == "gels" else \
        _make(_xp.asarray(rank, _xp.int64))
    sv = _make(S.astype(a.dtype, copy=False) if driver in ("gelsd", "gelss") else
               _xp.zeros((0,), a.dtype))
    return lstsq_t((X.squeeze(-1) if vector else X, resid, rank_t, sv))


# -- powers, products --------------------------------------------------------------------------
def matrix_power(A, n, *, out=None) -> Tensor:
    """torch.linalg.matrix_power: ``A^n`` by repeated squaring; ``n < 0`` inverts first.

    Example::

        >>> ember.linalg.matrix_power(ember.tensor([[1., 1.], [0., 1.]]), 3).tolist()
        [[1.0, 3.0], [0.0, 1.0]]
    """
    check_square(A, "linalg.matrix_power", float_only=False)
    n = int(n)
    if n == 0:
        from .creation import eye
        e = eye(A._data.shape[-1], dtype=A.dtype).expand(A._data.shape)
        return _out(e + A * 0 if A.requires_grad else e.clone(), out)
    if n < 0:
        A, n = D.inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    if result is A:
        result = A.clone()
    return _out(result, out)


def cross(input, other, *, dim=-1, out=None) -> Tensor:
    """torch.linalg.cross: the cross product of 3-vectors along ``dim`` (sizes broadcast).

    Example::

        >>> ember.linalg.cross(ember.tensor([1., 0., 0.]), ember.tensor([0., 1., 0.])).tolist()
        [0.0, 0.0, 1.0]
    """
    a, b = input, other
    if a._data.ndim != b._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected scalar type {_name(a)} but found {_name(b)}")
    nd = a._data.ndim
    d = wrap_dim(dim, nd)
    if a._data.shape[d] != 3 or b._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a._data.shape[d]} and {b._data.shape[d]}")
    a, b = a.broadcast_to(_bshape(a, b, d)), b.broadcast_to(_bshape(a, b, d))
    a0, a1, a2 = (a.narrow(d, i, 1) for i in range(3))
    b0, b1, b2 = (b.narrow(d, i, 1) for i in range(3))
    from .join import cat
    res = cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)
    return _out(res, out)


def _bshape(a, b, d):
    sa, sb = list(a._data.shape), list(b._data.shape)
    sa[d] = sb[d] = 1
    s = list(_xp.broadcast_shapes(tuple(sa), tuple(sb)))
    s[d] = 3
    return tuple(s)


def multi_dot(tensors, *, out=None) -> Tensor:
    """torch.linalg.multi_dot: the chain product in the cheapest order; the first / last
    operand may be 1-D (a row / column vector)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    mats = []
    last = len(tensors) - 1
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if (i in (0, last) and nd not in (1, 2)) or (0 < i < last and nd != 2):
            which = "first" if i == 0 else "last"
            if 0 < i < last:
                raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {nd}D")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_cname(tensors[0])} and tensor {i} {_cname(t)}")
        mats.append(t)
    first_vec, last_vec = mats[0]._data.ndim == 1, mats[-1]._data.ndim == 1
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    res = multi_dot_2d(mats, "multi_dot")
    if first_vec and last_vec:
        res = res.reshape(())
    elif first_vec:
        res = res.squeeze(0)
    elif last_vec:
        res = res.squeeze(-1)
    return _out(res, out)


def _cname(t):
    from .linalg import _C_NAMES
    return _C_NAMES.get(t.dtype.name, t.dtype.name)


def vecdot(x, y, *, dim=-1, out=None) -> Tensor:
    """torch.linalg.vecdot: ``sum(conj(x) * y, dim)`` with broadcasting."""
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {_name(x)} and y of type {_name(y)} instead")
    check_float(x, "linalg.vecdot")
    return _out((x * y).sum(dim), out)


# -- top-level ops -----------------------------------------------------------------------------
@export("trace")
def trace(input) -> Tensor:
    """torch.trace: sum of the main diagonal of a 2-D tensor (ints sum to int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    if input._data.dtype == bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return input.diagonal().sum()


@export("cdist", method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """torch.cdist: p-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M).

    For p=2 with more than 25 rows (or ``use_mm_for_euclid_dist``) uses torch's matmul form
    ``sqrt(|x|^2 - 2 x.y + |y|^2)``; otherwise the direct difference (exact zeros).
    """
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_name(t)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    P, R = x1._data.shape[-2], x2._data.shape[-2]
    use_mm = p == 2 and (compute_mode == modes[1] or (compute_mode == modes[0]
                                                      and (P > 25 or R > 25)))
    if use_mm:
        n1 = (x1 * x1).sum(-1, keepdim=True)
        n2 = (x2 * x2).sum(-1, keepdim=True)
        d2 = n1 - 2 * matmul(x1, mT(x2)) + mT(n2)
        return d2.clamp_min(1e-30).sqrt()
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, float(p), -1)


@export("block_diag", method=False)
def block_diag(*tensors) -> Tensor:
    """torch.block_diag: the tensors (0-, 1- or 2-D) as blocks of a block-diagonal matrix."""
    from .join import cat
    blocks = []
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if nd > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {nd} dimensions")
        blocks.append(t.reshape(1, -1) if nd < 2 else t)
    if not blocks:
        return _make(_xp.zeros((1, 0), _xp.float32))
    dt = result_type(*blocks)
    blocks = [b.to(dt) for b in blocks]
    total = sum(b._data.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b._data.shape
        parts = [b.new_zeros((r, left)), b, b.new_zeros((r, total - left - c))]
        rows.append(cat(parts, 1))
        left += c
    return cat(rows, 0)


@export("cartesian_prod", method=False)
def cartesian_prod(*tensors) -> Tensor:
    """torch.cartesian_prod: rows of every combination (itertools.product order)."""
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    from .join import stack
    shape = tuple(t._data.shape[0] for t in tensors)
    cols = []
    for i, t in enumerate(tensors):
        view = [1] * len(shape)
        view[i] = -1
        cols.append(t.reshape(view).expand(shape).reshape(-1))
    return stack(cols, 1)


def _tri_indices(name, row, col, offset, dtype):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dt = _dtype.int64 if dtype is None else to_dtype_arg(dtype)
    if not dt.is_floating_point and dt.name.startswith("int"):
        pass
    else:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_NAMES.get(dt.name)}'")
    f = _xp.tril_indices if name == "tril_indices" else _xp.triu_indices
    idx = _xp.stack(f(row, offset, col)).astype(dt.name) if row and col else \
        _xp.zeros((2, 0), dt.name)
    return _make(idx)


_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool",
          "uint8": "Byte", "bfloat16": "BFloat16"}


@export("tril_indices", method=False)
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None,
                 requires_grad=False) -> Tensor:
    """torch.tril_indices: ``(2, N)`` coordinates of the lower triangle (row-major)."""
    return _tri_indices("tril_indices", row, col, offset, dtype)


@export("triu_indices", method=False)
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None,
                 requires_grad=False) -> Tensor:
    """torch.triu_indices: ``(2, N)`` coordinates of the upper triangle (row-major)."""
    return _tri_indices("triu_indices", row, col, offset, dtype)


@export("cholesky_solve")
def cholesky_solve(input, input2, upper=False, *, out=None) -> Tensor:
    """torch.cholesky_solve: ``X`` with ``A X = B`` given ``A``'s Cholesky factor ``input2``."""
    L = mT(input2) if upper else input2
    Y = D.solve_triangular(L, input, upper=False)
    return _out(D.solve_triangular(mT(L), Y, upper=True), out)


@export("cholesky_inverse")
def cholesky_inverse(input, upper=False, *, out=None) -> Tensor:
    """torch.cholesky_inverse: ``A^-1`` from ``A``'s Cholesky factor."""
    from .creation import eye
    e = eye(input._data.shape[-1], dtype=input.dtype).expand(input._data.shape)
    return _out(cholesky_solve(e, input, upper), out)


# torch's top-level aliases and Tensor methods of the linalg family
export("det")(lambda input: D.det(input))
export("logdet")(D.logdet)
export("matrix_exp")(lambda input: D.matrix_exp(input))
export("inverse")(lambda input, *, out=None: D.inv(input, out=out))
export("matrix_power")(lambda input, n, *, out=None: matrix_power(input, n, out=out))


@export("slogdet")
def slogdet(input, *, out=None):
    """torch.slogdet: ``torch.return_types.slogdet(sign, logabsdet)``."""
    return D.slogdet_old_t(D.slogdet(input))


@export("cholesky")
def cholesky(input, upper=False, *, out=None) -> Tensor:
    """torch.cholesky (deprecated in torch in favour of linalg.cholesky)."""
    return D.cholesky(input, upper=upper, out=out)


@export("pinverse")
def pinverse(input, rcond=1e-15) -> Tensor:
    """torch.pinverse: ``linalg.pinv`` with torch's old ``rcond`` default."""
    return pinv(input, rtol=rcond)


@export("qr")
def qr(input, some=True, *, out=None):
    """torch.qr: ``torch.return_types.qr(Q, R)``; ``some=False`` is mode 'complete'."""
    return D.qr_old_t(D.qr(input, "reduced" if some else "complete"))


@export("svd")
def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: ``(U, S, V)`` with ``V`` (not ``Vh``); zero U/V when ``compute_uv=False``."""
    U, S, Vh = D.svd(input, full_matrices=not some)
    if not compute_uv:
        m, n = input._data.shape[-2:]
        b = input._data.shape[:-2]
        return D.svd_old_t((input.new_zeros(b + (m, m)), S.detach(),
                            input.new_zeros(b + (n, n))))
    return D.svd_old_t((U, S, mT(Vh)))


@export("cross")
def cross_(input, other, dim=None, *, out=None) -> Tensor:
    """torch.cross: like linalg.cross, but ``dim=None`` (deprecated) picks the first dim of
    size 3, with torch's warning."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        sizes = _xp.broadcast_shapes(input._data.shape, other._data.shape) \
            if input._data.ndim == other._data.ndim else input._data.shape
        dim = next((i for i, s in enumerate(sizes) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return cross(input, other, dim=dim, out=out)


for _n in ("det", "logdet", "matrix_exp", "inverse", "matrix_power"):
    from .registry import FUNCTIONS as _F
    _F[_n].__name__ = _n
del _n
