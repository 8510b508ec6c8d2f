"""Fused batch-norm and layer-norm kernels (forward and first-order backward).

Both run in parallel over rows: layer norm's rows, and batch norm's (n, c) blocks of ``L = H*W``
elements of an NCHW input, visited in memory order, whose per-row sums are merged per channel
afterwards. Layer norm's ``grad_weight``/``grad_bias`` are per-chunk partial column sums reduced
in a fixed order (deterministic whatever the thread count).

Numerics follow torch's CPU kernels: the biased variance of the centered input (no
``E[x^2] - E[x]^2`` cancellation), ``1 / sqrt(var + eps)``, the standard closed-form backward
(on ``x - mean``: torch's layer-norm backward uses ``x`` and ``mean`` separately).
Sums accumulate in float64 (torch accumulates in a wider type on CPU too; the NumPy path sums in
float32), and the per-element transforms ``(x - mean) * scale + shift`` and
``a * g + s * (x - mean) + c`` run in the input's dtype, so float32 results agree with torch and
the NumPy path to float32 rounding.
"""
from __future__ import annotations

import numba
import numpy as np

from ..._backend.fast import jit

# Reductions may be reassociated (``fastmath={"reassoc"}`` on these helpers only: no FMA
# contraction, NaN/inf semantics kept), which lets LLVM vectorize them; summation order is
# unspecified in torch and NumPy alike. Scalar float64 accumulation ran at ~4.5 ns/element on
# arrays out of cache here (vectorized: ~0.3).
_RED = dict(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})


@numba.njit(**_RED)
def _sum(a):
    """``sum a`` in float64."""
    s = 0.0
    for j in range(a.size):
        s += a[j]
    return s


@numba.njit(**_RED)
def _sqdev(a, m):
    """``sum (a - m)^2`` in float64."""
    s = 0.0
    for j in range(a.size):
        d = a[j] - m
        s += d * d
    return s


@numba.njit(**_RED)
def _gdot(g, a, m):
    """``(sum g, sum g * (a - m))`` in float64."""
    s = t = 0.0
    for j in range(g.size):
        gj = np.float64(g[j])
        s += gj
        t += gj * (a[j] - m)
    return s, t


@numba.njit(**_RED)
def _gwdot(g, w, a, m):
    """``(sum g*w, sum g*w * (a - m))`` in float64."""
    s = t = 0.0
    for j in range(g.size):
        gj = np.float64(g[j] * w[j])
        s += gj
        t += gj * (a[j] - m)
    return s, t


# -- batch norm ----------------------------------------------------------------------------------
# Rows are the (n, c) blocks of L contiguous elements, visited in memory order (a per-channel
# loop would stride by C * L, and with C * L * itemsize a power of two its blocks fall in the
# same cache sets and thrash); per-row sums are combined per channel afterwards in float64.
@jit(parallel=True, error_model="numpy")
def _row_stats(x, s, q):
    """Per row: ``s = sum x``, ``q = sum (x - mean_row)^2`` (one pass over memory)."""
    L = x.shape[1]
    for r in numba.prange(x.shape[0]):
        xr = x[r]
        sr = _sum(xr)
        s[r] = sr
        q[r] = _sqdev(xr, sr / L)


@jit(parallel=True, error_model="numpy")
def _bn_out(x, mean, scale, shift, out):
    """``out = (x - mean[c]) * scale[c] + shift[c]`` for row ``r`` of channel ``c = r % C``."""
    C = mean.size
    for r in numba.prange(x.shape[0]):
        c = r % C
        m, sc, sh = mean[c], scale[c], shift[c]
        xr, orow = x[r], out[r]
        for j in range(xr.size):
            orow[j] = (xr[j] - m) * sc + sh


@jit(parallel=True, error_model="numpy")
def _row_gdot(g, x, mean, sg, dot):
    """Per row: ``sg = sum g``, ``dot = sum g * (x - mean[c])``."""
    C = mean.size
    for r in numba.prange(x.shape[0]):
        sg[r], dot[r] = _gdot(g[r], x[r], mean[r % C])


@jit(parallel=True, error_model="numpy")
def _bn_gx(g, x, mean, a, k, cc, out):
    """``out = a[c] * g + k[c] * (x - mean[c]) + cc[c]`` for row ``r`` of channel ``c = r % C``."""
    C = mean.size
    for r in numba.prange(x.shape[0]):
        c = r % C
        m, ac, kc, ccc = mean[c], a[c], k[c], cc[c]
        gr, xr, orow = g[r], x[r], out[r]
        for j in range(xr.size):
            orow[j] = ac * gr[j] + kc * (xr[j] - m) + ccc


@jit(parallel=True, error_model="numpy")
def _affine_rows(x, scale, shift, out):
    """``out[r] = x[r] * scale[r % C] + shift[r % C]`` for (R, L) rows, R = N * C."""
    C = scale.size
    for r in numba.prange(x.shape[0]):
        sc, sh = scale[r % C], shift[r % C]
        xr, orow = x[r], out[r]
        for j in range(xr.size):
            orow[j] = xr[j] * sc + sh


def _opt(a, like):
    return np.empty(0, like.dtype) if a is None else np.ascontiguousarray(a).reshape(-1)


def _rows(x3):
    N, C, L = x3.shape
    return np.ascontiguousarray(x3).reshape(N * C, L)


def bn_train(x3, w, b, eps):
    """``(out, mean, biased var)`` of an (N, C, L) array (``native_batch_norm`` training).

    Per-row sums and centered sums of squares are merged per channel with Chan's formula
    ``M2 = sum q_r + L * sum (mean_r - mean)^2`` (float64), so one pass gives both statistics
    without ``E[x^2] - E[x]^2`` cancellation."""
    N, C, L = x3.shape
    x2 = _rows(x3)
    dt = x2.dtype
    s, q = np.empty(N * C), np.empty(N * C)
    _row_stats.pick(x2.size)(x2, s, q)
    n = N * L
    s, q = s.reshape(N, C), q.reshape(N, C)
    mean64 = s.sum(axis=0) / n
    var64 = (q.sum(axis=0) + L * np.square(s / L - mean64).sum(axis=0)) / n
    scale = 1.0 / np.sqrt(var64 + eps)
    if w is not None:
        scale *= w.reshape(-1)
    mean = mean64.astype(dt)
    shift = np.zeros(C, dt) if b is None else np.ascontiguousarray(b, dt).reshape(-1)
    out = np.empty(x2.shape, dt)
    _bn_out.pick(x2.size)(x2, mean, scale.astype(dt), shift, out)
    return out.reshape(N, C, L), mean, var64.astype(dt)


def bn_backward(g3, x3, mean, var, w, eps, need_gx):
    """``(grad_input or None, grad_weight, grad_bias)`` from the saved mean and biased var:
    torch's ``a*g + k*(x - mean) + c`` with ``a = w*invstd``, ``k = -a*invstd^2*dot/n``,
    ``c = -a*sum_g/n``, ``dot = sum g*(x - mean)``."""
    N, C, L = x3.shape
    g2, x2 = _rows(g3), _rows(x3)
    dt = x2.dtype
    mean = np.ascontiguousarray(mean).reshape(-1)
    sg, dot = np.empty(N * C), np.empty(N * C)
    _row_gdot.pick(x2.size)(g2, x2, mean, sg, dot)
    sg, dot = sg.reshape(N, C).sum(axis=0), dot.reshape(N, C).sum(axis=0)
    invstd = 1.0 / np.sqrt(var.reshape(-1).astype(np.float64) + eps)
    gx = None
    if need_gx:
        n = N * L
        a = invstd * w.reshape(-1) if w is not None else invstd
        k = -a * invstd * invstd * dot / n
        cc = -a * sg / n
        gx = np.empty(x2.shape, dt)
        _bn_gx.pick(x2.size)(g2, x2, mean, a.astype(dt), k.astype(dt), cc.astype(dt), gx)
        gx = gx.reshape(N, C, L)
    return gx, (dot * invstd).astype(dt), sg.astype(dt)


def bn_eval(x3, scale, shift):
    """``x3 * scale[:, None] + shift[:, None]`` of an (N, C, L) array, bit-identical to the
    NumPy path's multiply then add."""
    N, C, L = x3.shape
    x2 = _rows(x3)
    out = np.empty(x2.shape, x3.dtype)
    _affine_rows.pick(x2.size)(x2, np.ascontiguousarray(scale), np.ascontiguousarray(shift),
                                 out)
    return out.reshape(N, C, L)


# -- layer norm ----------------------------------------------------------------------------------
@jit(parallel=True, error_model="numpy")
def _ln_fwd(x, w, b, eps, out, mean, rstd):
    M, K = x.shape
    t = x.dtype.type
    for r in numba.prange(M):
        xr, orow = x[r], out[r]
        m64 = _sum(xr) / K
        v64 = _sqdev(xr, m64) / K
        m, rs = t(m64), t(1.0 / np.sqrt(v64 + eps))
        mean[r], rstd[r] = m, rs
        if w.size and b.size:
            for j in range(K):
                orow[j] = (xr[j] - m) * rs * w[j] + b[j]
        elif w.size:
            for j in range(K):
                orow[j] = (xr[j] - m) * rs * w[j]
        elif b.size:
            for j in range(K):
                orow[j] = (xr[j] - m) * rs + b[j]
        else:
            for j in range(K):
                orow[j] = (xr[j] - m) * rs


@jit(parallel=True, error_model="numpy")
def _ln_bwd(g, x, mean, rstd, w, need_gx, need_wb, gx, gwp, gbp):
    M, K = x.shape
    t = x.dtype.type
    nch = gwp.shape[0]
    for ch in numba.prange(nch):
        pw, pb = gwp[ch], gbp[ch]
        for r in range(ch * M // nch, (ch + 1) * M // nch):
            gr, xr = g[r], x[r]
            m, rs = mean[r], rstd[r]
            if need_wb:
                for j in range(K):
                    gj = gr[j]
                    pw[j] += gj * ((xr[j] - m) * rs)
                    pb[j] += gj
            if need_gx:
                if w.size:
                    db, ds = _gwdot(gr, w, xr, m)
                else:
                    db, ds = _gdot(gr, xr, m)
                r64 = np.float64(rs)
                s = t(-r64 * r64 * r64 * ds / K)
                c = t(-r64 * db / K)
                orow = gx[r]
                if w.size:
                    for j in range(K):
                        orow[j] = rs * (gr[j] * w[j]) + s * (xr[j] - m) + c
                else:
                    for j in range(K):
                        orow[j] = rs * gr[j] + s * (xr[j] - m) + c


# Layer norm's rows are cheap (one read, one write): right after a GEMM, waking the pool cost
# more than a 2048x128 or 4096x128 row pass (infer_gpt_b64 standalone: 27.4-28.6 ms with the
# serial build up to 1M elements, 30.1-32.0 ms parallel from 64K).
_LN_SCALE = 16


def ln_forward(x2, w, b, eps):
    """``(out, mean, rstd)`` of an (M, K) array over its rows (``native_layer_norm``)."""
    x2 = np.ascontiguousarray(x2)
    M = x2.shape[0]
    out = np.empty(x2.shape, x2.dtype)
    mean, rstd = np.empty(M, x2.dtype), np.empty(M, x2.dtype)
    _ln_fwd.pick(x2.size, _LN_SCALE)(x2, _opt(w, x2), _opt(b, x2), float(eps), out, mean, rstd)
    return out, mean, rstd


def ln_backward(g2, x2, mean, rstd, w, need_gx, need_wb):
    """``(grad_input or None, grad_weight or None, grad_bias or None)`` of (M, K) arrays."""
    g2, x2 = np.ascontiguousarray(g2), np.ascontiguousarray(x2)
    M, K = x2.shape
    nch = min(M, 16 if need_wb else 64)        # chunks of rows (one partial sum row each)
    kk = K if need_wb else 0
    gwp, gbp = np.zeros((nch, kk)), np.zeros((nch, kk))
    gx = np.empty(x2.shape if need_gx else (0, 0), x2.dtype)
    _ln_bwd.pick(x2.size, _LN_SCALE)(g2, x2, np.ascontiguousarray(mean).reshape(-1),
                            np.ascontiguousarray(rstd).reshape(-1), _opt(w, x2),
                            bool(need_gx), bool(need_wb), gx, gwp, gbp)
    gw = gwp.sum(axis=0).astype(x2.dtype) if need_wb else None
    gb = gbp.sum(axis=0).astype(x2.dtype) if need_wb else None
    return (gx if need_gx else None), gw, gb
