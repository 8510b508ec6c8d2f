"""Array kernels shared by the normalization primitives (``norm.py``): per-row and per-channel
sums and dots through BLAS matrix-vector products and ``einsum``, on NumPy arrays."""
from __future__ import annotations

import math

from .._backend import CPU

xp = CPU.xp


def _empty(x):
    return xp.empty(0, dtype=x.dtype)


def _rowdot(a, b):
    """Per-row dot products of two (M, K) arrays (``einsum``: as fast as batched BLAS dots on
    long rows, ~3x faster on short ones)."""
    if _fast(a):
        return xp.einsum("ij,ij->i", a, b)
    return xp.matmul(a[:, None, :], b[:, :, None]).reshape(a.shape[0])


# OpenBLAS runs a gemv on several threads above ~460k elements; on a busy machine a waiting
# worker costs milliseconds, so matrix-vector products are cut into single-threaded pieces.
_MV_CHUNK = 1 << 18


def _mv(a, v):
    """``a @ v`` for an (M, K) float array, in pieces BLAS runs on one thread."""
    m, k = a.shape
    rows = max(1, _MV_CHUNK // max(k, 1))
    if m <= rows:
        return a @ v
    out = xp.empty(m, a.dtype)
    for i in range(0, m, rows):
        xp.matmul(a[i:i + rows], v, out=out[i:i + rows])
    return out


def _vm(v, a):
    """``v @ a`` for an (M, K) float array, in column pieces BLAS runs on one thread."""
    m, k = a.shape
    cols = max(1, _MV_CHUNK // max(m, 1))
    if k <= cols:
        return v @ a
    out = xp.empty(k, a.dtype)
    for j in range(0, k, cols):
        xp.matmul(v, a[:, j:j + cols], out=out[j:j + cols])
    return out


def _fast(a):
    return a.dtype.type in (xp.float32, xp.float64) and a.size


def _ncdot(a, b):
    """``sum_l a[n, c, l] * b[n, c, l]`` summed over n: per-channel dots of (N, C, L) arrays."""
    if _fast(a):
        return xp.einsum("ncl,ncl->c", a, b)
    n, c, l = a.shape
    return _rowdot(a.reshape(n * c, l), b.reshape(n * c, l)).reshape(n, c).sum(axis=0)


def _nlsum(a):
    """Per-(n, c) sums over l of an (N, C, L) array (BLAS matrix-vector product)."""
    n, c, l = a.shape
    if not _fast(a):
        return a.sum(axis=2)
    return _mv(a.reshape(n * c, l), xp.ones(l, a.dtype)).reshape(n, c)


def _ncl(x):
    """The (N, C, L) view of an (N, C, *) array (safe for empty arrays)."""
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


_INV_K = {}


def _rowmean(a):
    """Row means of an (M, K) array as one BLAS matrix-vector product."""
    k = a.shape[1]
    if a.dtype.kind != "f" or not a.size:
        return a.mean(axis=1)
    key = (k, a.dtype)
    v = _INV_K.get(key)
    if v is None:  # the constant 1/k vector, built once per width and dtype (read-only)
        if len(_INV_K) > 64:
            _INV_K.clear()
        v = _INV_K[key] = xp.full(k, 1 / k, a.dtype)
        v.flags.writeable = False
    return _mv(a, v)


def _colsum(a):
    """Column sums of an (M, K) array (BLAS)."""
    if a.dtype.kind != "f" or not a.size:
        return a.sum(axis=0)
    return _vm(xp.ones(a.shape[0], a.dtype), a)


def _per_channel(v, w, C):
    """An (N, groups) array spread to (N, C), times the per-channel weight ``w`` if given."""
    N, G = v.shape
    if w is None:
        return xp.repeat(v, C // G, axis=1) if G != C else v
    return (v[:, :, None] * w.reshape(G, C // G)).reshape(N, C)


def _nldot(a, b):
    """Per-(n, c) dots over l of two (N, C, L) arrays."""
    if _fast(a):
        return xp.einsum("ncl,ncl->nc", a, b)
    n, c, l = a.shape
    return _rowdot(a.reshape(n * c, l), b.reshape(n * c, l)).reshape(n, c)
