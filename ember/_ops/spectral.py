"""Spectral decompositions and matrix functions: eigh, eig, svd (and their values), matrix_exp.

Forward through NumPy's batched LAPACK; the eigh and svd rules are torch's formulas (distinct
eigen/singular values), written in ember ops. Eigen- and singular vectors carry LAPACK's signs.
"""
from __future__ import annotations

from .._tensor import Tensor
from .decomp import _check_eigh_dtype, check_matrix, check_square, eig_t, eigh_t, mT, svd_t
from .linalg import _name, matmul
from .registry import OTHER, apply, primitive

__all__ = ["eigh", "eigvalsh", "eig", "eigvals", "svd", "svdvals", "matrix_exp"]


# -- eigh / eig --------------------------------------------------------------------------------
@primitive("linalg_eigh", OTHER, node_name="LinalgEighBackward0", nout=2, save_out=True,
           saves=False)
def _eigh(xp, a, UPLO):
    if a.size == 0:
        return xp.zeros(a.shape[:-1], a.dtype), xp.zeros(a.shape, a.dtype)
    w, v = xp.linalg.eigh(a, UPLO=UPLO)
    return w, v


@_eigh.defvjp
def _(g, out, a, UPLO):
    # torch's linalg_eig_backward (hermitian): gA = V (skew(V^H gV)/2 / E + diag(gL)) V^H
    L, V = out
    gL, gV = g
    if gV is None:
        return matmul(V * gL.unsqueeze(-2), mT(V))
    VhgV = matmul(mT(V), gV)
    VhgV = 0.5 * (VhgV - mT(VhgV))
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    n = L._data.shape[-1]
    from .creation import eye
    I = eye(n, dtype=L.dtype)
    inner = VhgV / (E + I)
    if gL is not None:
        inner = inner + gL.diag_embed()
    return matmul(matmul(V, inner), mT(V))


def eigh(A, UPLO="L", *, out=None):
    """torch.linalg.eigh: ascending eigenvalues and orthonormal eigenvectors of a symmetric A
    (only the ``UPLO`` triangle is read). Eigenvectors are defined up to sign (LAPACK's)."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    check_square(A, "linalg.eigh", float_only=False)
    _check_eigh_dtype(A)
    return eigh_t(apply(_eigh, A, UPLO=UPLO))


def eigvalsh(A, UPLO="L", *, out=None) -> Tensor:
    """torch.linalg.eigvalsh: the eigenvalues of ``eigh``."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    check_square(A, "linalg.eigh", float_only=False)
    _check_eigh_dtype(A)
    return apply(_eigh, A, UPLO=UPLO)[0]


@primitive("linalg_eig", OTHER, node_name="LinalgEigBackward0", nout=2)
def _eig(xp, a):
    ct = xp.complex64 if a.dtype == xp.float32 else xp.complex128
    if a.size == 0:
        return xp.zeros(a.shape[:-1], ct), xp.zeros(a.shape, ct)
    w, v = xp.linalg.eig(a)
    return w.astype(ct), v.astype(ct)


def eig(A, *, out=None):
    """torch.linalg.eig: complex eigenvalues/eigenvectors (forward only: no gradient)."""
    check_square(A, "linalg.eig", float_only=False)
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {_name(A)}")
    return eig_t(apply(_eig, A))


def eigvals(A, *, out=None) -> Tensor:
    """torch.linalg.eigvals (forward only)."""
    check_square(A, "linalg.eigvals", float_only=False)
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {_name(A)}")
    return apply(_eig, A)[0]


# -- SVD ---------------------------------------------------------------------------------------
@primitive("linalg_svd", OTHER, node_name="LinalgSvdBackward0", nout=3, save_out=True,
           saves=False)
def _svd(xp, a, full_matrices):
    m, n = a.shape[-2:]
    if a.size == 0:
        k = min(m, n)
        um, vn = (m, n) if full_matrices else (k, k)
        u = xp.zeros(a.shape[:-2] + (m, um), a.dtype)
        vh = xp.zeros(a.shape[:-2] + (vn, n), a.dtype)
        if 0 not in a.shape[:-2]:
            u[..., range(min(m, um)), range(min(m, um))] = 1
            vh[..., range(min(vn, n)), range(min(vn, n))] = 1
        return u, xp.zeros(a.shape[:-2] + (k,), a.dtype), vh
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s.astype(a.dtype, copy=False), vh


@_svd.defvjp
def _(g, out, a, full_matrices):
    U, S, Vh = out
    gU, gS, gVh = g
    k = S._data.shape[-1]
    if full_matrices:
        U, Vh = U[..., :, :k], Vh[..., :k, :]
        gU = gU[..., :, :k] if gU is not None else None
        gVh = gVh[..., :k, :] if gVh is not None else None
    return _svd_backward(gU, gS, gVh, U, S, Vh)


def _svd_backward(gU, gS, gVh, U, S, Vh):
    """torch's svd_backward (real case), assuming distinct singular values."""
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return matmul(U, Vh) * 0
        return matmul(U, gS.unsqueeze(-1) * Vh) if m >= n else matmul(U * gS.unsqueeze(-2), Vh)
    from .creation import eye
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye(S._data.shape[-1], dtype=S.dtype)
    UhgU = VhgV = None
    if gU is not None:
        UhgU = matmul(mT(U), gU)
        UhgU = UhgU - mT(UhgU)
    if gVh is not None:
        VhgV = matmul(Vh, mT(gVh))
        VhgV = VhgV - mT(VhgV)
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif VhgV is None:
        gA = UhgU * S.unsqueeze(-2) / E
    else:
        gA = S.unsqueeze(-1) * VhgV / E
    if gS is not None:
        gA = gA + gS.diag_embed()
    if m > n and gU is not None:
        gA = matmul(U, gA)
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - matmul(U, matmul(mT(U), gUSinv))
        return matmul(gA, Vh)
    if m < n and gVh is not None:
        gA = matmul(gA, Vh)
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - matmul(matmul(SinvgVh, mT(Vh)), Vh)
        return matmul(U, gA)
    return matmul(U, matmul(gA, Vh)) if m >= n else matmul(matmul(U, gA), Vh)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """torch.linalg.svd: ``(U, S, Vh)`` with ``A = U diag(S) Vh``; singular vectors are defined
    up to sign (LAPACK's choice). ``driver`` is accepted (CUDA-only in torch)."""
    check_matrix(A, "linalg.svd")
    return svd_t(apply(_svd, A, full_matrices=bool(full_matrices)))


def svdvals(A, *, driver=None, out=None) -> Tensor:
    """torch.linalg.svdvals: singular values, descending (gradient ``U diag(gS) Vh``)."""
    check_matrix(A, "linalg.svd")
    return apply(_svd, A, full_matrices=False)[1]


# -- matrix_exp --------------------------------------------------------------------------------
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)


@primitive("linalg_matrix_exp", OTHER, node_name="LinalgMatrixExpBackward0")
def _matrix_exp(xp, a):
    """Higham (2005): Padé 13 with scaling and squaring, batched (per-matrix scale)."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    if n == 1:
        return xp.exp(a)
    dt = a.dtype
    x = a.astype(xp.float64).reshape(-1, n, n)
    norm = xp.abs(x).sum(axis=-2).max(axis=-1)
    with xp.errstate(divide="ignore"):
        s = xp.maximum(0, xp.ceil(xp.log2(norm / 5.371920351148152))).astype(xp.int64)
    s = xp.where(xp.isfinite(norm), s, 0)
    x = x / (2.0 ** s)[:, None, None]
    b = _PADE13
    eye = xp.eye(n)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for i in range(int(s.max()) if s.size else 0):
        sq = r @ r
        r = xp.where((s > i)[:, None, None], sq, r)
    return r.reshape(a.shape).astype(dt, copy=False)


@_matrix_exp.defvjp
def _(g, out, a):
    # d exp(A)[G] = upper-right block of exp([[A^H, G], [0, A^H]])
    from .join import cat
    n = a._data.shape[-1]
    ah = mT(a)
    z = ah * 0
    big = cat([cat([ah, g], -1), cat([z, ah], -1)], -2)
    return apply(_matrix_exp, big)[..., :n, n:]


def matrix_exp(A) -> Tensor:
    """torch.linalg.matrix_exp (also ``ember.matrix_exp`` / ``Tensor.matrix_exp``).

    Example::

        >>> ember.linalg.matrix_exp(ember.zeros(2, 2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    check_square(A, "linalg.matrix_exp")
    return apply(_matrix_exp, A)
