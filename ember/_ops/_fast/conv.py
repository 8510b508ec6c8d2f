"""Fused data-movement kernels of the 2-D conv paths (see ``ember._ops._conv_kernels``).

torch's CPU conv (im2col + GEMM) packs its column buffers with compiled loops on the intra-op
pool; the NumPy kernels make one pass per ``copyto`` / ``+=`` (plus padded and transposing
copies), on one core. Here each is one pass that pads on the fly, parallel from 1M elements;
GEMMs stay in NumPy (OpenBLAS). Layouts are ember's (not torch's), and sums run in the NumPy
kernels' order (kernel offsets in order, from zero), so results are bit-identical to them.
Arrays are C-contiguous, of one float dtype: callers check (``_conv_kernels.fast_kernels``).
"""
from __future__ import annotations

import numba
import numpy as np

from ..._backend.fast import jit


U = numba.uint64   # flat indices cast to unsigned: no negative-index wraparound, so loops vectorize


@numba.njit(cache=True)
def _span(off, s, n, size):
    """Output indices ``[lo, hi)`` whose input index ``o * s + off`` lies in ``[0, size)``."""
    lo = min(max(0, (-off + s - 1) // s), n)
    hi = min(n, (size - off - 1) // s + 1)
    return lo, max(lo, hi)


@numba.njit(cache=True)
def _zero(a, start, n):
    for q in range(n):
        a[U(start + q)] = 0


# -- (C, kh, kw, N, oh, ow) columns ---------------------------------------------------------------
@jit(parallel=True)
def _im2col_cn(x, cols, sh, sw, ph, pw, dh, dw):
    N, C, H, W = x.shape
    KH, KW, OH, OW = cols.shape[1], cols.shape[2], cols.shape[4], cols.shape[5]
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    for t in numba.prange(C * KH * KW * N):      # t enumerates (c, i, j, n) in cols order
        n = t % N
        r = t // N
        j = r % KW
        r //= KW
        i = r % KH
        c = r // KH
        offw = j * dw - pw
        lo, hi = _span(offw, sw, OW, W)
        for oh in range(OH):
            ih = oh * sh + i * dh - ph
            db = (t * OH + oh) * OW
            if ih < 0 or ih >= H:
                _zero(cf, db, OW)
                continue
            xb = ((n * C + c) * H + ih) * W + offw
            _zero(cf, db, lo)
            if sw == 1:
                for ow in range(lo, hi):
                    cf[U(db + ow)] = xf[U(xb + ow)]
            else:
                for ow in range(lo, hi):
                    cf[U(db + ow)] = xf[U(xb + ow * sw)]
            _zero(cf, db + hi, OW - hi)


@jit(parallel=True)
def _col2im_cn(cols, gx, sh, sw, ph, pw, dh, dw):
    N, C, H, W = gx.shape
    KH, KW, OH, OW = cols.shape[1], cols.shape[2], cols.shape[4], cols.shape[5]
    cf = cols.reshape(-1)
    gf = gx.reshape(-1)
    for t in numba.prange(N * C):                # t enumerates (n, c)
        n = t // C
        c = t % C
        pb = t * H * W
        _zero(gf, pb, H * W)
        for i in range(KH):
            for j in range(KW):
                offw = j * dw - pw
                lo, hi = _span(offw, sw, OW, W)
                for oh in range(OH):
                    ih = oh * sh + i * dh - ph
                    if ih < 0 or ih >= H:
                        continue
                    sb = ((((c * KH + i) * KW + j) * N + n) * OH + oh) * OW
                    db = pb + ih * W + offw
                    if sw == 1:
                        for ow in range(lo, hi):
                            gf[U(db + ow)] += cf[U(sb + ow)]
                    else:
                        for ow in range(lo, hi):
                            gf[U(db + ow * sw)] += cf[U(sb + ow)]


# -- flat-shift columns (C, kh, kw, m, Lp) over the padded row pitch ------------------------------
@jit(parallel=True)
def _flat_cols(x, cols, Wp, ph, pw, dh, dw):
    m, C, H, W = x.shape
    KH, KW, Lp = cols.shape[1], cols.shape[2], cols.shape[4]
    Hp = H + 2 * ph
    width = max((KH - 1) * dh * Wp + (KW - 1) * dw + Lp, Hp * Wp)
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    for t in numba.prange(C * m):                # t enumerates (c, n)
        c = t // m
        n = t % m
        pad = np.zeros(width, x.dtype)           # the zero-bordered flat plane (cache-resident)
        for h in range(H):
            sb = ((n * C + c) * H + h) * W
            db = (h + ph) * Wp + pw
            for w in range(W):
                pad[U(db + w)] = xf[U(sb + w)]
        for i in range(KH):
            for j in range(KW):
                sb = i * dh * Wp + j * dw        # each kernel offset: one contiguous shift
                db = (((c * KH + i) * KW + j) * m + n) * Lp
                for q in range(Lp):
                    cf[U(db + q)] = pad[U(sb + q)]


# -- layout transposes ---------------------------------------------------------------------------
@jit(parallel=True)
def _swap(src, dst, W, bias, has_bias):
    """dst[b, a, r, :W] = src[a, b, r, :W] (+ bias[a])."""
    A, B, R, Ws = src.shape
    Wd = dst.shape[3]
    sf = src.reshape(-1)
    df = dst.reshape(-1)
    for t in numba.prange(A * B):                # t enumerates (b, a) in dst order
        b = t // A
        a = t % A
        bv = bias[a] if has_bias else bias[0]
        for r in range(R):
            sb = ((a * B + b) * R + r) * Ws
            db = (t * R + r) * Wd
            if has_bias:
                for w in range(W):
                    df[U(db + w)] = sf[U(sb + w)] + bv
            else:
                for w in range(W):
                    df[U(db + w)] = sf[U(sb + w)]


@jit(parallel=True)
def _t12(src, dst, bias, has_bias):
    """dst[p, b, a] = src[p, a, b] (+ bias[b]): row by row when A or B is short (a matrix
    ``src[p]`` then sits in L1), else in 32 x 32 tiles."""
    P, A, B = src.shape
    sf = src.reshape(-1)
    df = dst.reshape(-1)
    if min(A, B) <= 16:
        for p in numba.prange(P):
            base = p * A * B
            if A >= B:                           # contiguous writes
                for b in range(B):
                    bv = bias[b] if has_bias else bias[0]
                    db = base + b * A
                    for a in range(A):
                        df[U(db + a)] = sf[U(base + a * B + b)] + bv if has_bias else \
                            sf[U(base + a * B + b)]
            else:                                # contiguous reads
                for a in range(A):
                    sb = base + a * B
                    for b in range(B):
                        df[U(base + b * A + a)] = sf[U(sb + b)] + bias[b] if has_bias else \
                            sf[U(sb + b)]
        return
    na = (A + 31) // 32
    nb = (B + 31) // 32
    for t in numba.prange(P * na * nb):
        p = t // (na * nb)
        q = t % (na * nb)
        a0 = (q // nb) * 32
        b0 = (q % nb) * 32
        a1 = min(a0 + 32, A)
        for b in range(b0, min(b0 + 32, B)):
            bv = bias[b] if has_bias else bias[0]
            db = (p * B + b) * A
            sb = p * A * B + b
            if has_bias:
                for a in range(a0, a1):
                    df[U(db + a)] = sf[U(sb + a * B)] + bv
            else:
                for a in range(a0, a1):
                    df[U(db + a)] = sf[U(sb + a * B)]


@jit(parallel=True)
def _sub_cn(x, dst, sh, sw):
    """dst (C, N, OH, OW) = x (N, C, H, W) sampled at the stride."""
    N, C, H, W = x.shape
    OH, OW = dst.shape[2], dst.shape[3]
    xf = x.reshape(-1)
    df = dst.reshape(-1)
    for t in numba.prange(N * C):                # t enumerates (c, n) in dst order
        c = t // N
        n = t % N
        for oh in range(OH):
            sb = ((n * C + c) * H + oh * sh) * W
            db = (t * OH + oh) * OW
            for ow in range(OW):
                df[U(db + ow)] = xf[U(sb + ow * sw)]


@jit(parallel=True)
def _scatter_sub(r, gx, sh, sw):
    """gx (N, C, H, W) = zeros with r (C, N, OH, OW) placed at the stride."""
    N, C, H, W = gx.shape
    OH, OW = r.shape[2], r.shape[3]
    rf = r.reshape(-1)
    gf = gx.reshape(-1)
    for t in numba.prange(N * C):                # t enumerates (n, c) in gx order
        n = t // C
        c = t % C
        if sh != 1 or sw != 1 or OH != H or OW != W:
            _zero(gf, t * H * W, H * W)
        for oh in range(OH):
            sb = ((c * N + n) * OH + oh) * OW
            db = (t * H + oh * sh) * W
            for ow in range(OW):
                gf[U(db + ow * sw)] = rf[U(sb + ow)]


# -- (N, oh, ow, kh, kw, C) columns ----------------------------------------------------------------
@jit(parallel=True)
def _im2col_last(x, cols, sh, sw, ph, pw, dh, dw):
    N, C, H, W = x.shape
    OH, OW, KH, KW = cols.shape[1], cols.shape[2], cols.shape[3], cols.shape[4]
    Hp, Wp = H + 2 * ph, W + 2 * pw
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    for n in numba.prange(N):
        xl = np.zeros(Hp * Wp * C, x.dtype)      # padded channels-last copy of x[n]
        for c in range(C):
            for h in range(H):
                sb = ((n * C + c) * H + h) * W
                db = ((h + ph) * Wp + pw) * C + c
                for w in range(W):
                    xl[U(db + w * C)] = xf[U(sb + w)]
        db = n * OH * OW * KH * KW * C
        for oh in range(OH):
            for ow in range(OW):
                for i in range(KH):
                    for j in range(KW):
                        sb = ((oh * sh + i * dh) * Wp + ow * sw + j * dw) * C
                        for c in range(C):
                            cf[U(db + c)] = xl[U(sb + c)]
                        db += C


@jit(parallel=True)
def _col2im_last(dcols, gx, sh, sw, ph, pw, dh, dw):
    N, C, H, W = gx.shape
    OH, OW, KH, KW = dcols.shape[1], dcols.shape[2], dcols.shape[3], dcols.shape[4]
    Hp, Wp = H + 2 * ph, W + 2 * pw
    sf = dcols.reshape(-1)
    gf = gx.reshape(-1)
    for n in numba.prange(N):
        acc = np.zeros(Hp * Wp * C, gx.dtype)
        for i in range(KH):
            for j in range(KW):
                for oh in range(OH):
                    for ow in range(OW):
                        sb = ((((n * OH + oh) * OW + ow) * KH + i) * KW + j) * C
                        db = ((oh * sh + i * dh) * Wp + ow * sw + j * dw) * C
                        for c in range(C):
                            acc[U(db + c)] += sf[U(sb + c)]
        for c in range(C):
            for h in range(H):
                db = ((n * C + c) * H + h) * W
                sb = ((h + ph) * Wp + pw) * C + c
                for w in range(W):
                    gf[U(db + w)] = acc[U(sb + w * C)]


# -- entry points (2-D, C-contiguous float arrays) --------------------------------------------
# The parallel builds from _SCALE * fast.PARALLEL_MIN elements moved (1M; 4M for the transposes
# of a GEMM's output): between ops the pool's threads sleep, and waking them (~0.2 ms measured
# here, more right after a GEMM, whose OpenBLAS worker still spins on the second core) ate the
# gain of a shorter copy.
_SCALE = 16


def _nobias(dtype):
    return np.zeros(1, dtype)


def _geo(stride, padding, dilation):
    return (int(stride[0]), int(stride[1]), int(padding[0]), int(padding[1]), int(dilation[0]),
            int(dilation[1]))


def im2col(x, cols, stride, padding, dilation):
    """Fill ``cols`` (C, kh, kw, N, oh, ow) from ``x`` (N, C, H, W)."""
    _im2col_cn.pick(cols.size, _SCALE)(x, cols, *_geo(stride, padding, dilation))
    return cols


def col2im(cols, shape, stride, padding, dilation):
    """Sum ``cols`` (C, kh, kw, N, oh, ow) into a fresh (N, C, H, W)."""
    gx = np.empty(tuple(shape), cols.dtype)
    _col2im_cn.pick(cols.size, _SCALE)(cols, gx, *_geo(stride, padding, dilation))
    return gx


def flat_cols(x, cols, Wp, padding, dilation):
    """Fill ``cols`` (C, kh, kw, m, Lp) from ``x`` (m, C, H, W) (see ``Flat.cols``)."""
    _flat_cols.pick(cols.size, _SCALE)(x, cols, int(Wp), *_geo((1, 1), padding, dilation)[2:])
    return cols


def swap(src, dst, W, b=None):
    """``dst`` (B, A, R, Wd) [..., :W] = ``src`` (A, B, R, Ws) [..., :W] (+ ``b`` over A)."""
    k = _swap.pick(dst.size, 64)
    if b is None:
        k(src, dst, int(W), _nobias(src.dtype), False)
    else:
        k(src, dst, int(W), b, True)
    return dst


def t12(src, dst, b=None):
    """``dst`` (P, B, A) = ``src`` (P, A, B) transposed (+ ``b`` over B)."""
    k = _t12.pick(dst.size, 64)
    if b is None:
        k(src, dst, _nobias(src.dtype), False)
    else:
        k(src, dst, b, True)
    return dst


def sub_cn(x, dst, stride):
    """``dst`` (C, N, oh, ow) = ``x`` (N, C, H, W) sampled at ``stride``."""
    _sub_cn.pick(dst.size, _SCALE)(x, dst, int(stride[0]), int(stride[1]))
    return dst


def scatter_sub(r, gx, stride):
    """``gx`` (N, C, H, W) = zeros with ``r`` (C, N, oh, ow) placed at ``stride``."""
    _scatter_sub.pick(gx.size, 64)(r, gx, int(stride[0]), int(stride[1]))
    return gx


def im2col_last(x, cols, stride, padding, dilation):
    """Fill ``cols`` (N, oh, ow, kh, kw, C) from ``x`` (N, C, H, W)."""
    _im2col_last.pick(cols.size, _SCALE)(x, cols, *_geo(stride, padding, dilation))
    return cols


def col2im_last(dcols, shape, stride, padding, dilation):
    """Sum ``dcols`` (N, oh, ow, kh, kw, C) into a fresh (N, C, H, W)."""
    gx = np.empty(tuple(shape), dcols.dtype)
    _col2im_last.pick(dcols.size, _SCALE)(dcols, gx, *_geo(stride, padding, dilation))
    return gx
