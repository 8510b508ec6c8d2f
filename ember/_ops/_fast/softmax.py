"""Fused softmax kernels: attention's softmax forward/backward and cross-entropy on (N, C) logits.

Attention scores are kept in the NumPy path's transposed layout (``st``: (N, S, L), the (L, S)
scores seen through a transpose), so every inner loop runs over the contiguous query axis ``L``
with no cross-iteration dependency and vectorizes without ``fastmath``: the row max, ``exp``, the
row sums and the scaling are plain elementwise updates of (L,) accumulators while the loop walks
the keys. Batch×heads slices run on the thread pool.

``exp`` is a branch-free Cephes-style evaluation (range reduction by ``ln 2``, a degree-7
polynomial in float32 / a Padé form in float64, the power of two built from its bits) so LLVM can
vectorize it; libm's scalar ``exp`` is 4-7x slower than NumPy's SIMD one here. Its error is
< 2 ulp (NumPy's and torch's Sleef are ~1 ulp). Arguments below -87 (float32) / -708 (float64)
give 0, so no intermediate is ever subnormal (subnormal arithmetic cost 10x here); torch returns
subnormals there, a difference below 2e-38 / 4e-308 of a sum that includes ``exp(0) = 1``.
Cross-entropy's row max and sum run in 8 interleaved lanes (LLVM does not reassociate a
reduction without ``fastmath``). Kernels use ``error_model="numpy"``: Python's division check
(a ``ZeroDivisionError`` branch) would stop a loop from vectorizing.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from ..._backend.fast import jit


# -- a vectorizable exp ---------------------------------------------------------------------------
@intrinsic
def _bits_to_float(typingctx, b):
    """Reinterpret int32 / int64 bits as float32 / float64."""
    if b == types.int32:
        return types.float32(types.int32), \
            lambda context, builder, sig, args: builder.bitcast(args[0], ir.FloatType())
    if b == types.int64:
        return types.float64(types.int64), \
            lambda context, builder, sig, args: builder.bitcast(args[0], ir.DoubleType())
    return None


def fexp(x):
    """``exp(x)`` of a float32/float64 scalar inside kernels (see the module docstring)."""
    raise NotImplementedError


@overload(fexp)
def _fexp_overload(x):
    if x == types.float32:
        f = np.float32
        lo, hi, log2e = f(-87.0), f(88.72283906), f(1.44269504088896341)
        c1, c2 = f(0.693359375), f(-2.12194440e-4)
        p0, p1, p2 = f(1.9875691500e-4), f(1.3981999507e-3), f(8.3334519073e-3)
        p3, p4, p5 = f(4.1665795894e-2), f(1.6666665459e-1), f(5.0000001201e-1)
        zero, half, one, two, inf = f(0), f(0.5), f(1), f(2), f(np.inf)

        def impl(x):
            xc = lo if x < lo else (hi if x > hi else x)
            xc = xc if xc == xc else zero                    # NaN: any finite stand-in
            n = np.floor(xc * log2e + half)
            r = xc - n * c1
            r = r - n * c2
            y = (((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5) * (r * r) + r + one
            ni = np.int32(n)
            big = ni > 127                                   # 2^128 overflows: use 2^127 * 2
            sc = _bits_to_float(np.int32((ni - np.int32(big) + 127) << 23))
            y = y * sc
            y = y * two if big else y
            y = zero if x < lo else (inf if x > hi else y)
            return x if x != x else y
        return impl
    if x == types.float64:
        lo, hi, log2e = -708.0, 709.78271289338397, 1.4426950408889634
        c1, c2 = 6.93145751953125e-1, 1.42860682030941723212e-6
        p0, p1, p2 = 1.26177193074810590878e-4, 3.02994407707441961300e-2, 1.0
        q0, q1 = 3.00198505138664455042e-6, 2.52448340349684104192e-3
        q2, q3 = 2.27265548208155028766e-1, 2.00000000000000000009e0

        def impl(x):
            xc = lo if x < lo else (hi if x > hi else x)
            xc = xc if xc == xc else 0.0
            n = np.floor(xc * log2e + 0.5)
            r = xc - n * c1
            r = r - n * c2
            rr = r * r
            px = r * ((p0 * rr + p1) * rr + p2)
            y = px / (((q0 * rr + q1) * rr + q2) * rr + q3 - px)
            y = 1.0 + 2.0 * y
            ni = np.int32(n)
            big = ni > 1023
            sc = _bits_to_float(np.int64(ni - np.int32(big) + 1023) << 52)
            y = y * sc
            y = y * 2.0 if big else y
            y = 0.0 if x < lo else (np.inf if x > hi else y)
            return x if x != x else y
        return impl
    return None


@jit(error_model="numpy")
def _exp_arr(x, out):
    """Tests: ``fexp`` over a 1-D array."""
    for i in range(x.size):
        out[i] = fexp(x[i])


# -- attention: softmax over the keys, transposed layout -----------------------------------------
_U = numba.uint64   # unsigned loop indices: no negative-index wraparound, so loops vectorize


@jit(parallel=True, error_model="numpy")
def _softmax_cols(st, r, scale, causal, masked, normalize, ninf, one):
    """In place: ``st[n, j, i] = exp(s - max_j s) (* r)`` with ``r[n, i] = 1 / sum_j`` of the
    scores ``s = st * scale``.

    ``causal`` adds ``-inf`` where ``j > i`` (like ``st += bias``: +inf/NaN scores give NaN);
    ``masked`` mirrors the NumPy path's safe softmax (non-finite row max -> 0, zero sum -> r = 0).
    The max propagates NaN like ``ndarray.max``. (No slices in the loops: each one costs an
    atomic reference count; indices that do not start at 0 are unsigned, see ``_U``.)"""
    N, S, L = st.shape
    zero = one - one
    for n in numba.prange(N):
        mx = np.full(L, ninf, st.dtype)
        for j in range(S):
            jm = min(j, L) if causal else 0          # row j: queries i < jm are masked
            for i in range(jm):
                u = _U(i)
                v = st[n, j, u] * scale + ninf
                st[n, j, u] = v
                mx[u] = v if v != v else mx[u]
            for i in range(jm, L):
                u = _U(i)
                v = st[n, j, u] * scale
                st[n, j, u] = v
                m = mx[u]
                mx[u] = v if (v > m) | (v != v) else m
        # causal with every column max finite: the masked scores are -inf, their exp is 0
        skip = causal
        for i in range(L if causal else 0):
            skip = skip and mx[i] - mx[i] == 0
        if masked:
            for i in range(L):
                m = mx[i]
                mx[i] = m if m - m == 0 else zero        # inf/NaN -> 0
        tot = np.zeros(L, st.dtype)
        for j in range(S):
            j0 = (min(j, L) // 16) * 16 if skip else 0
            for i in range(j0):
                st[n, j, _U(i)] = zero
            for i in range(j0, L):
                u = _U(i)
                e = fexp(st[n, j, u] - mx[u])
                st[n, j, u] = e
                tot[u] += e
        for i in range(L):
            t = tot[i]
            r[n, i] = zero if masked and t == 0 else one / t
        if normalize:
            for j in range(S):
                for i in range((min(j, L) // 16) * 16 if skip else 0, L):
                    u = _U(i)
                    st[n, j, u] *= r[n, u]


@jit(parallel=True, error_model="numpy")
def _softmax_bwd_cols(pt, dst, sc):
    """In place: ``dst[n, j, i] = p * (dP - sum_j p * dP) * sc`` (the softmax backward as in
    torch's ``_softmax_backward_data``, with the score scale folded in)."""
    N, S, L = pt.shape
    for n in numba.prange(N):
        acc = np.zeros(L, pt.dtype)
        for j in range(S):
            for i in range(L):
                acc[i] += pt[n, j, i] * dst[n, j, i]
        for j in range(S):
            for i in range(L):
                dst[n, j, i] = pt[n, j, i] * (dst[n, j, i] - acc[i]) * sc


def softmax_cols(st, r, causal, masked, normalize, scale=1.0):
    """Attention softmax of the (..., L, S) scores ``st * scale``, held as their contiguous
    (..., S, L) transpose ``st``, in place; writes the reciprocal row sums into ``r``
    (..., L, 1)."""
    S, L = st.shape[-2:]
    N = math.prod(st.shape[:-2])
    dt = st.dtype.type
    _softmax_cols.pick(st.size)(st.reshape(N, S, L), r.reshape(N, L), dt(scale), bool(causal),
         bool(masked), bool(normalize), dt(-np.inf), dt(1))


def softmax_bwd_cols(pt, dst, scale):
    """``dst = p * (dst - rowdot(p, dst)) * scale`` in place on the (..., S, L) transposes."""
    S, L = pt.shape[-2:]
    N = math.prod(pt.shape[:-2])
    _softmax_bwd_cols.pick(dst.size)(pt.reshape(N, S, L), dst.reshape(N, S, L),
         dst.dtype.type(scale))


# -- cross-entropy on (N, C) logits -----------------------------------------------------------
_CE_BLOCK = 32   # rows per task (one scratch row each)


@jit(parallel=True, error_model="numpy")
def _ce_fwd(x, t, lse, loss):
    """``lse[n] = max + log(sum exp(x - max))`` and ``loss[n] = lse[n] - x[n, t[n]]``; the row
    max and sum run in 8 interleaved lanes (the sum in float64) so they vectorize."""
    N, C = x.shape
    C8 = C - C % 8
    nb = (N + _CE_BLOCK - 1) // _CE_BLOCK
    for b in numba.prange(nb):
        buf = np.empty(C, x.dtype)
        mq = np.empty(8, x.dtype)
        sq = np.empty(8, np.float64)
        for n in range(b * _CE_BLOCK, min(N, (b + 1) * _CE_BLOCK)):
            m = x[n, 0]
            if C8:
                for q in range(8):
                    mq[q] = x[n, q]
                for j in range(8, C8, 8):
                    for q in range(8):
                        v = x[n, _U(j + q)]
                        mm = mq[q]
                        mq[q] = v if (v > mm) | (v != v) else mm
                for q in range(8):
                    v = mq[q]
                    m = v if (v > m) | (v != v) else m
            for j in range(C8, C):
                v = x[n, _U(j)]
                m = v if (v > m) | (v != v) else m
            for j in range(C):
                buf[j] = fexp(x[n, j] - m)
            for q in range(8):
                sq[q] = 0.0
            for j in range(0, C8, 8):
                for q in range(8):
                    sq[q] += buf[_U(j + q)]
            s = sq.sum()
            for j in range(C8, C):
                s += buf[_U(j)]
            lse[n] = m + math.log(s)
            loss[n] = lse[n] - x[n, t[n]]


@jit(parallel=True, error_model="numpy")
def _ce_bwd(x, lse, t, coef, one, out):
    """``out[n] = (exp(x[n] - lse[n]) - onehot(t[n])) * coef[n]``."""
    N, C = x.shape
    for n in numba.prange(N):
        ls = lse[n]
        c = coef[n]
        for j in range(C):
            out[n, j] = fexp(x[n, j] - ls) * c
        k = t[n]
        out[n, k] = (fexp(x[n, k] - ls) - one) * c


def ce_fwd(x, tsafe):
    """``(lse, lse - x[n, tsafe[n]])`` of C-contiguous (N, C) logits, C >= 1."""
    lse = np.empty(x.shape[0], x.dtype)
    loss = np.empty(x.shape[0], x.dtype)
    _ce_fwd.pick(x.size)(x, tsafe.astype(np.int64, copy=False), lse, loss)
    return lse, loss


def ce_bwd(x, lse, tsafe, coef):
    """``(softmax(x) - onehot) * coef[:, None]`` from the saved row log-sum-exp."""
    out = np.empty(x.shape, x.dtype)
    _ce_bwd.pick(x.size)(x, lse, tsafe.astype(np.int64, copy=False),
         coef.astype(x.dtype, copy=False), x.dtype.type(1), out)
    return out
