"""Fused relu kernels: forward and ``threshold_backward`` in one pass each, on the thread pool
from ``fast.PARALLEL_MIN`` elements (serial below: a launch costs more than the loop)."""
from __future__ import annotations

import numba
import numpy as np

from ..._backend.fast import jit


@jit(parallel=True)
def _relu(x, out):
    for i in numba.prange(x.size):
        v = x[i]
        out[i] = v if not v <= 0 else 0   # nan stays nan, like torch.relu


@jit(parallel=True)
def _thr_bwd(g, x, threshold, out):
    for i in numba.prange(x.size):
        out[i] = 0 if x[i] <= threshold else g[i]


def relu(x):
    if not x.flags.c_contiguous:    # the NumPy kernel reads strided inputs without a copy
        return np.maximum(x, x.dtype.type(0))
    out = np.empty(x.shape, x.dtype)
    k = _relu.pick(x.size)
    k(x.reshape(-1), out.reshape(-1))
    return out


def threshold_backward(g, x, threshold):
    out = np.empty(g.shape, g.dtype)
    k = _thr_bwd.pick(g.size)
    k(g.reshape(-1), x.reshape(-1), g.dtype.type(threshold), out.reshape(-1))
    return out
