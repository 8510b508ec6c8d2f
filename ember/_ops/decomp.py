"""Decompositions and solvers: torch.linalg's LAPACK ops (inv, det, slogdet, solve, cholesky, qr).

Forward is one batched NumPy LAPACK call (``xp.linalg.*`` loops over batch dims in C). Each vjp is
written in ember ops, so double backward works (inv, det, slogdet, solve, cholesky, matrix_exp);
eigh/svd/qr rules are torch's formulas (first order is what the sweep checks; they are composed
of ember ops too). Singular / non-positive-definite inputs raise ``LinAlgError`` (a
``RuntimeError``) with torch's messages; the failing pivot is found again on the error path only.
Spectral ops (eigh, eig, svd, matrix_exp) are in ``spectral.py``, composites (norms, pinv, lstsq,
cross, cdist...) and torch's top-level aliases (``ember.det``, ``Tensor.inverse``...) in
``matrix.py``; ``ember.linalg`` re-exports the public functions.
"""
from __future__ import annotations

from .._backend import CPU
from .._tensor import Tensor
from .linalg import _name, _write_out, matmul
from .reduction import return_type
from .registry import OTHER, apply, expand_to, primitive

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "logdet", "solve", "solve_ex",
           "solve_triangular", "cholesky", "cholesky_ex", "qr", "eigh", "eigvalsh", "eig",
           "eigvals", "svd", "svdvals", "matrix_exp"]

_xp = CPU.xp


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a numerical failure (singular or non positive-definite input)."""


LinAlgError.__module__ = "ember.linalg"

slogdet_t = return_type("linalg_slogdet", ("sign", "logabsdet"))
slogdet_old_t = return_type("slogdet", ("sign", "logabsdet"))
inv_ex_t = return_type("linalg_inv_ex", ("inverse", "info"))
solve_ex_t = return_type("linalg_solve_ex", ("result", "info"))
cholesky_ex_t = return_type("linalg_cholesky_ex", ("L", "info"))
qr_t = return_type("linalg_qr", ("Q", "R"))
qr_old_t = return_type("qr", ("Q", "R"))
eigh_t = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
eig_t = return_type("linalg_eig", ("eigenvalues", "eigenvectors"))
svd_t = return_type("linalg_svd", ("U", "S", "Vh"))
svd_old_t = return_type("svd", ("U", "S", "V"))


# -- checks ------------------------------------------------------------------------------------
def check_float(A: Tensor, fn: str) -> None:
    """torch's dtype check: linalg functions take float32/float64 (and complex)."""
    dt = A._data.dtype
    if dt.kind not in "fc":
        if dt.kind == "V" or dt.itemsize == 2:
            raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{_name(A)}'")
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. "
                           f"Got {_name(A)}")
    if dt.itemsize == 2:
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{_name(A)}'")


def _check_eigh_dtype(A: Tensor) -> None:
    if A._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{_name(A)}'")


def check_square(A: Tensor, fn: str, float_only: bool = True) -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"{fn}(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    s = A._data.shape
    if len(s) < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if s[-1] != s[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are "
                           f"{s[-2]} by {s[-1]} matrices")
    if float_only:
        check_float(A, fn)


def check_matrix(A: Tensor, fn: str) -> None:
    if A._data.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    check_float(A, fn)


def mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _batch_prefix(a, i: int) -> str:
    return f"(Batch element {i}): " if a.ndim > 2 else ""


def _zero_pivot(xp, a):
    """(flat batch index, 1-based pivot) of the first exactly singular matrix (LU, partial
    pivoting, like LAPACK getrf); (None, 0) when none. Runs on the error path only."""
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    for b in range(flat.shape[0]):
        u = flat[b].copy()
        for k in range(n):
            p = k + int(xp.argmax(xp.abs(u[k:, k])))
            if u[p, k] == 0:
                return b, k + 1
            u[[k, p]] = u[[p, k]]
            u[k + 1:, k:] -= xp.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return None, 0


def _pd_failure(xp, a):
    """(flat batch index, order of the first non positive-definite leading minor)."""
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    for b in range(flat.shape[0]):
        try:
            xp.linalg.cholesky(flat[b])
            continue
        except xp.linalg.LinAlgError:
            pass
        for k in range(1, n + 1):
            try:
                xp.linalg.cholesky(flat[b, :k, :k])
            except xp.linalg.LinAlgError:
                return b, k
    return None, 0


def _singular_error(xp, a, fn: str):
    b, k = _zero_pivot(xp, a)
    pre = _batch_prefix(a, b or 0)
    if fn == "torch.linalg.solve":
        return LinAlgError(f"{fn}: {pre}The solver failed because the input matrix is singular.")
    return LinAlgError(f"{fn}: {pre}The diagonal element {k} is zero, the inversion could not be "
                       f"completed because the input matrix is singular.")


# -- inv ---------------------------------------------------------------------------------------
@primitive("linalg_inv", OTHER, node_name="LinalgInvExBackward0", save_out=True)
def _inv(xp, a, check):
    try:
        return xp.linalg.inv(a)
    except xp.linalg.LinAlgError:
        if check:
            raise _singular_error(xp, a, "linalg.inv") from None
        with xp.errstate(all="ignore"):  # torch returns LAPACK's garbage: infs / nans
            return xp.full(a.shape, xp.inf, a.dtype)


@_inv.defvjp
def _(g, out, a, check):
    oh = mT(out)
    return -matmul(matmul(oh, g), oh)


def inv(A, *, out=None) -> Tensor:
    """torch.linalg.inv: inverse of (batches of) square matrices; singular raises LinAlgError.

    Example::

        >>> ember.linalg.inv(ember.tensor([[2., 0.], [0., 4.]])).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    check_square(A, "linalg.inv")
    res = apply(_inv, A, check=True)
    return _write_out(out, res) if out is not None else res


def inv_ex(A, *, check_errors=False, out=None):
    """torch.linalg.inv_ex: ``(inverse, info)``; info is the 1-based zero pivot (int32)."""
    check_square(A, "linalg.inv")
    res = apply(_inv, A, check=check_errors)
    return inv_ex_t((res, _info(A._data, _zero_pivot)))


def _info(a, find) -> Tensor:
    """torch's int32 ``info`` per matrix: ``find(xp, one_matrix)[1]`` (0 = success)."""
    if not a.size:
        return _wrap_arr(_xp.zeros(a.shape[:-2], _xp.int32))
    n = a.shape[-1]
    vals = [find(_xp, m[None])[1] for m in a.reshape(-1, n, n)]
    return _wrap_arr(_xp.asarray(vals, _xp.int32).reshape(a.shape[:-2]))


def _wrap_arr(arr) -> Tensor:
    from .._tensor import _make
    return _make(arr)


# -- det / slogdet -----------------------------------------------------------------------------
@primitive("linalg_det", OTHER, node_name="LinalgDetBackward0", save_out=True)
def _det(xp, a):
    return xp.linalg.det(a)


@_det.defvjp
def _(g, out, a):
    # d det = det * tr(A^-1 dA); singular A: the adjugate through the SVD (torch does the same)
    if _is_singular(a, out):
        return _det_grad_singular(g, a)
    return (g * out).unsqueeze(-1).unsqueeze(-1) * mT(inv(a))


def _is_singular(a: Tensor, det: Tensor) -> bool:
    """Rank check (an SVD) only when some determinant is tiny for its matrix's scale."""
    d, x = det._data, a._data
    if not x.size:
        return False
    n = x.shape[-1]
    scale = _xp.abs(x).max(axis=(-2, -1)) ** n
    if not (_xp.abs(d) <= _xp.finfo(x.dtype).eps ** 0.5 * scale).any():
        return False
    return bool((_xp.linalg.matrix_rank(x) < n).any())


def _det_grad_singular(g, a):
    """Adjugate transpose via the SVD: adj(A)^T = U diag(prod_{j!=i} s_j) Vh * det(U Vh)."""
    U, S, Vh = svd(a)
    n = a._data.shape[-1]
    prods = []
    for i in range(n):
        idx = [j for j in range(n) if j != i]
        prods.append(S[..., idx].prod(-1) if idx else S[..., :1] * 0 + 1)
    from .join import stack
    P = stack(prods, -1)
    sgn = det(matmul(U, Vh)).detach()
    return (g * sgn).unsqueeze(-1).unsqueeze(-1) * matmul(U * P.unsqueeze(-2), Vh)


def det(A, *, out=None) -> Tensor:
    """torch.linalg.det (also ``ember.det`` / ``Tensor.det``).

    Example::

        >>> ember.linalg.det(ember.tensor([[1., 2.], [3., 4.]])).item()
        -2.0
    """
    check_square(A, "linalg.det")
    res = apply(_det, A)
    return _write_out(out, res) if out is not None else res


@primitive("linalg_slogdet", OTHER, node_name="LinalgSlogdetBackward0", nout=2)
def _slogdet(xp, a):
    sign, logabs = xp.linalg.slogdet(a)
    return xp.asarray(sign, a.dtype), xp.asarray(logabs, a.dtype)


@_slogdet.defvjp
def _(g, out, a):
    gl = g[1]
    if gl is None:
        return a * 0
    return gl.unsqueeze(-1).unsqueeze(-1) * mT(inv(a))


def slogdet(A, *, out=None):
    """torch.linalg.slogdet: ``(sign, logabsdet)``.

    Example::

        >>> ember.linalg.slogdet(ember.tensor([[-2., 0.], [0., 1.]])).sign.item()
        -1.0
    """
    check_square(A, "linalg.slogdet")
    return slogdet_t(apply(_slogdet, A))


def logdet(input) -> Tensor:
    """torch.logdet: ``log(det(A))``: nan for a negative determinant, -inf for a singular A."""
    check_square(input, "logdet")
    sign, logabs = apply(_slogdet, input)
    nan = logabs.new_full((), float("nan"))
    return logabs.where(sign.ge(0), nan).where(sign.ne(0), logabs.new_full((), -float("inf")))


# -- solve -------------------------------------------------------------------------------------
@primitive("linalg_solve", OTHER, node_name="LinalgSolveExBackward0", save_out=True)
def _solve(xp, a, b):
    try:
        return xp.linalg.solve(a, b)
    except xp.linalg.LinAlgError:
        raise _singular_error(xp, a, "torch.linalg.solve") from None


@_solve.defvjp
def _(g, out, a, b):
    gb = _solve(mT(a), g)
    ga = -matmul(gb, mT(out)) if a._requires_grad else None
    return ga, gb


def _solve_shapes(A, B, left, fn):
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sa) - 1 == len(sb) and sb == sa[:-1])
    if vector and not left:
        raise RuntimeError(f"{fn}: Vector broadcasting of the left hand side is not supported "
                           f"for left=False. In this case {fn} is equivalent to B / A.squeeze(-1)")
    Bm = B.unsqueeze(-1) if vector else B
    sbm = Bm._data.shape
    if len(sbm) < 2 or (sbm[-2] if left else sbm[-1]) != sa[-1]:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation {eq} "
                           f"({sa[-2]}x{sa[-1]} and {sbm[-2] if len(sbm) > 1 else 1}x"
                           f"{sbm[-1]})")
    from .._backend import CPU as _C
    try:
        batch = tuple(_C.xp.broadcast_shapes(sa[:-2], sbm[:-2]))
    except ValueError:
        from ._common import broadcast_shape
        broadcast_shape(sa[:-2], sbm[:-2])  # raises torch's message
        raise
    return vector, expand_to(A, batch + sa[-2:]), expand_to(Bm, batch + sbm[-2:])


def _check_same_dtype(A, B, fn):
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{fn}: Expected A and B to have the same dtype, but found A of type "
                           f"{_name(A)} and B of type {_name(B)} instead")


def solve(A, B, *, left=True, out=None) -> Tensor:
    """torch.linalg.solve: ``X`` with ``A X = B`` (``X A = B`` when ``left=False``).

    ``B`` is a batch of vectors when it is 1-D or has shape ``A.shape[:-1]`` (torch's rule);
    batch dimensions broadcast.

    Example::

        >>> ember.linalg.solve(ember.tensor([[2., 0.], [0., 4.]]), ember.tensor([2., 2.])).tolist()
        [1.0, 0.5]
    """
    check_square(A, "linalg.solve")
    _check_same_dtype(A, B, "linalg.solve")
    vector, Ae, Be = _solve_shapes(A, B, left, "linalg.solve")
    if left:
        res = apply(_solve, Ae, Be)
    else:
        res = mT(apply(_solve, mT(Ae), mT(Be)))
    if vector:
        res = res.squeeze(-1)
    return _write_out(out, res) if out is not None else res


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """torch.linalg.solve_ex: ``(result, info)`` (singular input raises, as check_errors=True)."""
    res = solve(A, B, left=left)
    return solve_ex_t((res, _wrap_arr(_xp.zeros(A._data.shape[:-2], _xp.int32))))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None) -> Tensor:
    """torch.linalg.solve_triangular: only the ``upper``/lower triangle of ``A`` is read.

    Built on ``solve`` with the other triangle masked, so its gradient is the masked one torch
    gives (NumPy has no triangular solver; LU on a triangular matrix gives the same numbers up
    to rounding).
    """
    check_square(A, "linalg.solve_triangular")
    _check_same_dtype(A, B, "linalg.solve_triangular")
    sa, sb = A._data.shape, B._data.shape
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if (sb[-2] if left else sb[-1]) != sa[-1]:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {eq} ({sa[-2]}x{sa[-1]} and {sb[-2]}x{sb[-1]})")
    T = A.triu(1) if upper else A.tril(-1)
    if unitriangular:
        from .creation import eye
        T = T + eye(sa[-1], dtype=A.dtype)
    else:
        T = T + A.diagonal(0, -2, -1).diag_embed()
    res = solve(T, B, left=left)
    return _write_out(out, res) if out is not None else res


# -- cholesky ----------------------------------------------------------------------------------
@primitive("linalg_cholesky", OTHER, node_name="LinalgCholeskyExBackward0", save_out=True)
def _cholesky(xp, a, check):
    try:
        return xp.linalg.cholesky(a)
    except xp.linalg.LinAlgError:
        b, k = _pd_failure(xp, a)
        if check:
            raise LinAlgError(f"linalg.cholesky: {_batch_prefix(a, b)}The factorization could not "
                              f"be completed because the input is not positive-definite (the "
                              f"leading minor of order {k} is not positive-definite).") from None
        return _cholesky_partial(xp, a)


def _cholesky_partial(xp, a):
    """Error path of cholesky_ex: good matrices factored, failing ones left as LAPACK's potf2
    leaves them (the columns before the failing pivot, the failing value on the diagonal)."""
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    out = xp.zeros_like(flat)
    for b in range(flat.shape[0]):
        m = flat[b]
        try:
            out[b] = xp.linalg.cholesky(m)
            continue
        except xp.linalg.LinAlgError:
            pass
        L = xp.tril(m).copy()
        for j in range(n):
            d = m[j, j] - L[j, :j] @ L[j, :j]
            if not d > 0:
                L[j, j] = d
                break
            L[j, j] = xp.sqrt(d)
            L[j + 1:, j] = (m[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]) / L[j, j]
        out[b] = L
    return out.reshape(a.shape)


@_cholesky.defvjp
def _(g, L, a, check):
    # Iain Murray (2016), as torch: gA = L^-H Phi(L^H gL) L^-1, Phi = sym. lower part, diag/2
    P = matmul(mT(L), g).tril()
    P = 0.5 * (P + mT(P.tril(-1)))
    X = _solve(mT(L), P)                 # L^-H P
    return mT(_solve(mT(L), mT(X)))      # (L^-H P) L^-1


def cholesky(A, *, upper=False, out=None) -> Tensor:
    """torch.linalg.cholesky: lower ``L`` with ``A = L L^H`` (``upper=True``: ``U = L^H``, read
    from the upper triangle).

    Example::

        >>> ember.linalg.cholesky(ember.tensor([[4., 2.], [2., 2.]])).tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    check_square(A, "linalg.cholesky")
    res = mT(apply(_cholesky, mT(A), check=True)) if upper else apply(_cholesky, A, check=True)
    return _write_out(out, res) if out is not None else res


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """torch.linalg.cholesky_ex: ``(L, info)``; info is the order of the failing minor."""
    check_square(A, "linalg.cholesky_ex")
    src = mT(A) if upper else A
    L = apply(_cholesky, src, check=check_errors)
    return cholesky_ex_t((mT(L) if upper else L, _info(src._data, _pd_failure)))


# -- QR ----------------------------------------------------------------------------------------
@primitive("linalg_qr", OTHER, node_name="LinalgQrBackward0", nout=2, save_out=True)
def _qr(xp, a, mode):
    if mode == "r":
        return xp.zeros((0,), a.dtype), xp.linalg.qr(a, mode="r")
    if a.size == 0:  # NumPy cannot take empty stacks
        m, n = a.shape[-2:]
        k = m if mode == "complete" else min(m, n)
        q = xp.zeros(a.shape[:-2] + (m, k), a.dtype)
        if a.shape[:-2] and 0 not in a.shape[:-2] or not a.shape[:-2]:
            q[..., range(min(m, k)), range(min(m, k))] = 1
        return q, xp.zeros(a.shape[:-2] + (k, n), a.dtype)
    q, r = xp.linalg.qr(a, mode=mode)
    return q, r


@_qr.defvjp
def _(g, out, a, mode):
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")
    m, n = a._data.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    Q, R = out
    gQ, gR = g
    if m >= n:
        return _qr_square_vjp(gQ, gR, Q, R)
    # A = [X | Y]: X = Q R1, R2 = Q^H Y
    R1 = R[..., :, :m]
    Y = a[..., :, m:]
    gR1 = gR[..., :, :m] if gR is not None else None
    gY = matmul(Q, gR[..., :, m:]) if gR is not None else Y * 0
    gQ2 = gQ if gQ is not None else Q * 0
    if gR is not None:
        gQ2 = gQ2 + matmul(Y, mT(gR[..., :, m:]))
    gX = _qr_square_vjp(gQ2, gR1, Q, R1)
    from .join import cat
    return cat([gX, gY], -1)


def _qr_square_vjp(gQ, gR, Q, R):
    """m >= n: gA = (gQ + Q N) R^-H, N = triu(M) + triu(M, 1)^H, M = gR R^H - Q^H gQ."""
    M = None
    if gR is not None:
        M = matmul(gR, mT(R))
    if gQ is not None:
        qg = matmul(mT(Q), gQ)
        M = -qg if M is None else M - qg
    N = M.triu() + mT(M.triu(1))
    b = matmul(Q, N)
    if gQ is not None:
        b = b + gQ
    # b R^-H = (R^-1 b^H)^H ; R is upper triangular
    return mT(_solve(R, mT(b)))


def qr(A, mode="reduced", *, out=None):
    """torch.linalg.qr: ``(Q, R)`` for mode 'reduced' (default), 'complete' or 'r' (Q empty).

    Example::

        >>> Q, R = ember.linalg.qr(ember.eye(2)); Q.shape
        torch.Size([2, 2])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    check_matrix(A, "linalg.qr")
    return qr_t(apply(_qr, A, mode=mode))


from .spectral import eig, eigh, eigvals, eigvalsh, matrix_exp, svd, svdvals  # noqa: E402
from . import matrix  # noqa: E402,F401  (composites and torch's top-level aliases)
