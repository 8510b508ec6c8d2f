"""Fused relu kernels: forward and ``threshold_backward`` in one parallel pass each."""
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
    out = np.empty(x.shape, x.dtype)
    _relu(x.reshape(-1), out.reshape(-1))
    return out


def threshold_backward(g, x, threshold):
    out = np.empty(g.shape, g.dtype)
    _thr_bwd(g.reshape(-1), x.reshape(-1), g.dtype.type(threshold), out.reshape(-1))
    return out
