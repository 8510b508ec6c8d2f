"""Fused Adam/AdamW and SGD updates (the ``ember[fast]`` extra, Numba).

One vectorised pass per parameter instead of a dozen NumPy passes per chunk (threaded only for
huge parameters, see ``_SCALE``). Each element goes through exactly the float operations of
the NumPy path in ``adam.py`` / ``sgd.py`` (torch's single-tensor order), in the parameter's
dtype, with every hyperparameter cast to that dtype as NumPy's weak Python scalars are, and
``fastmath`` off: the two paths give identical bits. ``error_model="numpy"``: IEEE division.
Multiplications by an exact 1 that the NumPy path skips (``alpha == 1``, ``lr == -1``) are done
here, which changes no bit. Callers pass C-contiguous 1-D arrays of one float dtype.
"""
from __future__ import annotations

import numba
import numpy as np

from .._backend.fast import jit


@jit(parallel=True, error_model="numpy")   # IEEE division: no ZeroDivisionError check
def _adam(p, g, m, v, vmax, maximize, wd_mode, small_w1, amsgrad,
          wd, w1, beta2, c2, bc2_sqrt, eps, neg_step):
    """``wd_mode``: 0 none, 1 decoupled (``p *= wd``, wd holding ``1 - lr * weight_decay``),
    2 L2 (``g += p * wd``); ``w1`` is ``1 - beta1`` if ``small_w1`` else ``beta1``."""
    for i in numba.prange(p.shape[0]):
        gi = g[i]
        pi = p[i]
        if maximize:
            gi = -gi
        if wd_mode == 1:
            pi = pi * wd
        elif wd_mode == 2:
            gi = gi + pi * wd
        # exp_avg.lerp_(grad, 1 - beta1), torch's two-sided formula
        t = gi - m[i]
        if small_w1:
            mi = m[i] + t * w1
        else:
            mi = gi - t * w1
        m[i] = mi
        # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        vi = v[i] * beta2 + gi * c2 * gi
        v[i] = vi
        if amsgrad:
            x = vmax[i]
            if vi > x or vi != vi:              # np.maximum: NaN propagates
                x = vi
            vmax[i] = x
            d = np.sqrt(x)
        else:
            d = np.sqrt(vi)
        d = d / bc2_sqrt + eps
        p[i] = pi + mi * neg_step / d


@jit(parallel=True, error_model="numpy")
def _sgd(p, g, b, maximize, use_wd, mom_mode, nesterov, wd, momentum, alpha, neg_lr):
    """``mom_mode``: 0 no momentum, 1 first step (``b = g``), 2 ``b = b * momentum + g * alpha``."""
    for i in numba.prange(p.shape[0]):
        gi = g[i]
        pi = p[i]
        if maximize:
            gi = -gi
        if use_wd:
            gi = gi + pi * wd
        if mom_mode != 0:
            if mom_mode == 1:
                bi = gi
            else:
                bi = b[i] * momentum + gi * alpha
            b[i] = bi
            if nesterov:
                gi = bi * momentum + gi
            else:
                gi = bi
        p[i] = pi + gi * neg_lr


# The updates are memory-bound: on the 2-core machine the parallel build never beat the serial
# one (64K..11M elements; equal from 4M, and a launch paid 70-250 us of thread wake-up while the
# other core was busy), so the pool is taken only from 64 * fast.PARALLEL_MIN (4M) elements.
_SCALE = 64


def adam(p, g, m, v, vmax, *, maximize, decay, l2, weight_decay, w1, small_w1, beta2, c2,
         bias_correction2_sqrt, eps, neg_step_size):
    """One Adam/AdamW update of the flat arrays (``vmax`` None unless AMSGrad), in place."""
    T = p.dtype.type
    amsgrad = vmax is not None
    if decay is not None:
        wd_mode, wd = 1, decay
    elif l2:
        wd_mode, wd = 2, weight_decay
    else:
        wd_mode, wd = 0, 0.0
    _adam.pick(p.shape[0], _SCALE)(p, g, m, v, vmax if amsgrad else p[:0], bool(maximize), wd_mode,
          bool(small_w1), amsgrad, T(wd), T(w1 if small_w1 else 1 - w1), T(beta2), T(c2),
          T(bias_correction2_sqrt), T(eps), T(neg_step_size))


def sgd(p, g, b, *, first, maximize, weight_decay, momentum, alpha, nesterov, lr):
    """One SGD update of the flat arrays (``b`` the momentum buffer or None), in place."""
    T = p.dtype.type
    mom_mode = 0 if b is None else 1 if first else 2
    _sgd.pick(p.shape[0], _SCALE)(p, g, p[:0] if b is None else b, bool(maximize),
          weight_decay != 0, mom_mode, bool(nesterov), T(weight_decay), T(momentum), T(alpha),
          T(-lr))
