"""Max-pool kernels: forward (values and torch's flat per-plane argmax in one pass) and the
per-plane gradient scatter, each parallel over the (N, C) planes.

Mirrors torch's CPU ``cpu_max_pool``: each window starts at ``-inf`` with the index of its first
in-bounds element and takes an element when ``val > max or isnan(val)`` (so ties keep the first
maximum and a NaN wins, the last NaN of the window); padding never wins. The backward mirrors
``cpu_max_pool_backward`` (``grad_input[idx] += grad_output``, in output order, in the input's
dtype) when windows overlap; disjoint windows (and max_unpool) assign like the NumPy path.
1-d and 2-d pooling run as 3-d pooling over a ``(N, C, 1, 1, W)`` / ``(N, C, 1, H, W)`` view.
2x2/stride-2 windows (cnn) have an unrolled kernel, also used values-only for inference; other
geometries are a scalar loop per window, whose serial dependency chain makes it no faster than
NumPy's passes on one thread: ``pool._fast_max`` takes it only for indices at strides >= 2.
"""
from __future__ import annotations

import numba
import numpy as np

from ..._backend.fast import jit
from ..pool import _pool_2x2


@jit(parallel=True)
def _max_fwd(x, win, dil, ninf, out, idx):
    """``x`` (N, C, D, H, W) of any strides; ``out``/``idx`` (N*C, OD, OH, OW) contiguous;
    ``win`` int64 (3, 2, O): per spatial dim, each window's first in-bounds position and its
    in-bounds element count; ``dil`` the dilations; ``ninf`` -inf in ``x``'s dtype."""
    N, C, D, H, W = x.shape
    _, OD, OH, OW = out.shape
    dd, dh, dw = dil[0], dil[1], dil[2]
    for p in numba.prange(N * C):
        n = p // C
        xc = x[n, p - n * C]
        o = out[p]
        for od in range(OD):
            d0 = win[0, 0, od]
            nd = win[0, 1, od]
            for oh in range(OH):
                h0 = win[1, 0, oh]
                nh = win[1, 1, oh]
                for ow in range(OW):
                    w0 = win[2, 0, ow]
                    nw = win[2, 1, ow]
                    best = ninf
                    bi = (d0 * H + h0) * W + w0
                    for a in range(nd):
                        i = d0 + a * dd
                        for b in range(nh):
                            j = h0 + b * dh
                            for c in range(nw):
                                k = w0 + c * dw
                                v = xc[i, j, k]
                                take = (v > best) | (v != v)    # branch-free select
                                best = v if take else best
                                bi = (i * H + j) * W + k if take else bi
                    o[od, oh, ow] = best
                    idx[p, od, oh, ow] = bi


def _windows(n, k, s, p, d, o):
    """torch's clamped windows along one dim: first in-bounds position and element count."""
    t = np.zeros((2, o), np.int64)
    for i in range(o):
        a = i * s - p
        e = min(a + (k - 1) * d + 1, n)
        while a < 0:
            a += d
        t[0, i] = a
        t[1, i] = max(0, -(-(e - a) // d))
    return t


@jit(parallel=True)
def _max_fwd_2x2(x, out, idx, with_idx):
    """The common ``kernel=stride=2`` 2-d case of :func:`_max_fwd` (no padding or dilation,
    no clipped windows), unrolled."""
    N, C, _, H, W = x.shape
    _, _, OH, OW = out.shape
    for p in numba.prange(N * C):
        n = p // C
        xc = x[n, p - n * C, 0]
        o = out[p, 0]
        for oh in range(OH):
            r = 2 * oh
            for ow in range(OW):
                c = 2 * ow
                best = xc[r, c]
                bi = r * W + c
                v = xc[r, c + 1]
                t = (v > best) | (v != v)
                best = v if t else best
                bi = bi + 1 if t else bi
                v = xc[r + 1, c]
                t = (v > best) | (v != v)
                best = v if t else best
                bi = (r + 1) * W + c if t else bi
                v = xc[r + 1, c + 1]
                t = (v > best) | (v != v)
                best = v if t else best
                bi = (r + 1) * W + c + 1 if t else bi
                o[oh, ow] = best
                if with_idx:
                    idx[p, 0, oh, ow] = bi


@jit(parallel=True)
def _scatter(g, idx, out, accumulate):
    """``out[p] = 0; out[p, idx[p, j]] (+)= g[p, j]`` per plane ``p``; indices outside the plane
    are skipped (callers validate them)."""
    NC, L = g.shape
    P = out.shape[1]
    for p in numba.prange(NC):
        o = out[p]
        for j in range(P):
            o[j] = 0
        gp = g[p]
        ip = idx[p]
        for j in range(L):
            i = ip[j]
            if i >= 0 and i < P:
                if accumulate:
                    o[i] += gp[j]
                else:
                    o[i] = gp[j]


def max_pool(x, kernel, stride, padding, dilation, osize, with_idx=True):
    """(values, int64 indices or None) of N-d max pooling (N = 1, 2, 3) of ``x``; indices are
    skipped (``with_idx=False``) only by the 2x2 kernel."""
    nd = len(kernel)
    lead = (1,) * (3 - nd)
    NC = x.shape[0] * x.shape[1]
    o3 = lead + tuple(osize)
    out = np.empty((NC,) + o3, x.dtype)
    fast2 = _pool_2x2(x.shape, kernel, stride, padding, dilation, osize)
    with_idx = with_idx or not fast2
    idx = np.empty((NC,) + o3 if with_idx else (1, 1, 1, 1), np.int64)
    x5 = x[(slice(None), slice(None)) + (None,) * (3 - nd)]
    if NC and out.size:
        if fast2:
            k = _max_fwd_2x2.pick(out.size)
            k(x5, out, idx, with_idx)
        else:
            sp = x5.shape[2:]
            geo = [(1, 1, 0, 1)] * (3 - nd) + list(zip(kernel, stride, padding, dilation))
            O = max(o3)
            win = np.zeros((3, 2, O), np.int64)
            for dim, (kk, ss, pp, dd) in enumerate(geo):
                win[dim, :, :o3[dim]] = _windows(sp[dim], kk, ss, pp, dd, o3[dim])
            dil = np.array([g[3] for g in geo], np.int64)
            k = _max_fwd.pick(out.size)
            k(x5, win, dil, x.dtype.type(-np.inf), out, idx)
    shape = x.shape[:2] + tuple(osize)
    return out.reshape(shape), (idx.reshape(shape) if with_idx else None)


def plane_scatter(g, idx, plane, unique):
    """Scatter ``g`` (N, C, *L) to zeros of shape (N, C, *plane) at flat per-plane ``idx``."""
    NC = g.shape[0] * g.shape[1]
    P = int(np.prod(plane, dtype=np.int64))
    L = int(np.prod(g.shape[2:], dtype=np.int64))
    if L == 0 or NC * P == 0:
        return np.zeros(g.shape[:2] + tuple(plane), g.dtype)
    out = np.empty((NC, P), g.dtype)
    k = _scatter.pick(out.size)
    k(np.ascontiguousarray(g).reshape(NC, L), np.ascontiguousarray(idx, np.int64).reshape(NC, L),
      out, not unique)
    return out.reshape(g.shape[:2] + tuple(plane))
