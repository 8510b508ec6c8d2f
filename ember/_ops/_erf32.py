"""Float32 kernels for erf and GELU, evaluated in float32 with in-place ufuncs.

GELU's ``Phi(-a)`` is ``exp(-a^2 / 2)`` times a degree-5 polynomial in ``t = 1 / (1 + c a)``
(absolute error 1.4e-7 in ``Phi`` and in ``a Phi(-a)``; torch's own float32 GELU is ~1e-6 off).
erf's tail ``Phi(-a) = 0.5 * erfc(a / sqrt(2)) = exp(-a^2 / 2) * P(a) / Q(a)`` (a >= 0) uses one
rational approximation of ``erfcx`` fitted on [0, 9.3] (relative error 5e-9 before float32
rounding), so ``Phi`` is accurate in both tails with no cancellation for negative ``x``. erf
adds an odd polynomial for ``|x| < 0.9`` (relative error 1.2e-8), where ``1 - erfc`` would
cancel. Large arrays are processed in cache-sized blocks (every temporary stays in L2).
"""
from __future__ import annotations

import numpy as np

__all__ = ["gelu_f32", "erf_f32"]

_f = np.float32
# erfc(t) = exp(-t^2) * P(t) / Q(t) (the same fit in t = a / sqrt(2))
_PT = tuple(map(_f, (0.564197817, 3.97185166, 12.7445316, 21.6688231, 17.5979627)))
_QT = tuple(map(_f, (7.04045258, 23.0807594, 42.0035066, 41.5260062, 17.5979626)))
# erf(x) = x * S(x^2) for |x| < 0.9
_S = tuple(map(_f, (-0.0006090385669652469, 0.0050119685806903, -0.02677891362282909,
                    0.11282140980593218, -0.3761252330098729, 1.1283791538075443)))
_INV_SQRT_2PI = _f(0.3989422804014327)
_HALF_NEG = _f(-0.5)
_ONE = _f(1.0)
_BLOCK = 1 << 16  # ~6 float32 buffers of 256 KB stay in a 2 MB L2
# GELU: Phi(-a) = exp(-a^2/2) * M(t), t = 1 / (1 + _GP a), M a degree-5 polynomial (no constant)
# fitted to absolute error <= 1.4e-7 in both Phi(-a) and a * Phi(-a) over a >= 0
_GP = _f(0.33)
_GC = tuple(map(_f, (-0.11000217345673169, 0.3771102030196483, -0.09362603946353429,
                     0.20484858031392675, 0.12166956523716452)))


def _ratio(a, p, q, pc, qc):
    """``p = P(a) / Q(a)`` in place (``q`` is scratch)."""
    np.multiply(a, pc[0], out=p)
    p += pc[1]
    for c in pc[2:]:
        p *= a
        p += c
    np.add(a, qc[0], out=q)
    for c in qc[1:]:
        q *= a
        q += c
    p /= q


def _gelu_block(x, out, d, a, e, q):
    np.abs(x, out=a)
    np.multiply(a, _GP, out=q)
    q += _ONE
    np.divide(_ONE, q, out=q)               # t = 1 / (1 + c a): 0 at |x| = inf, no clamp
    p = out if d is None else d             # scratch for the tail
    np.multiply(q, _GC[0], out=p)
    for c in _GC[1:]:
        p += c
        p *= q                              # p = M(t), Phi(-a) = exp(-a^2 / 2) * M(t)
    np.multiply(x, x, out=e)
    e *= _HALF_NEG
    np.exp(e, out=e)                        # exp(-x^2 / 2)
    p *= e                                  # p = Phi(-|x|)
    if d is None:                           # x Phi(x) = relu(x) - |x| Phi(-|x|)
        p *= a
        np.maximum(x, _f(0.0), out=a)
        np.subtract(a, p, out=out)
        return
    # Phi(x) = H(x) - copysign(p, x), H = 0.5 + copysign(0.5, x) (0 for -0.0): no where=
    np.copysign(_f(0.5), x, out=q)
    q += _f(0.5)
    np.copysign(p, x, out=p)
    q -= p                                  # q = Phi(x)
    np.multiply(x, q, out=out)
    e *= x                                  # d = Phi(x) + x * phi(x)
    e *= _INV_SQRT_2PI
    np.add(e, q, out=d)


def gelu_f32(x, grad: bool):
    """``(gelu(x), d gelu / dx or None)`` for a float32 array (its ``ember[fast]`` twin,
    ``_fast.gelu.gelu``, does the same float32 arithmetic and is chosen by ``activation.gelu``)."""
    shape = x.shape
    x = np.ascontiguousarray(x).reshape(-1)
    n = x.size
    out = np.empty(n, np.float32)
    d = np.empty(n, np.float32) if grad else None
    b = max(min(n, _BLOCK), 1)
    a, e, q = np.empty(b, np.float32), np.empty(b, np.float32), np.empty(b, np.float32)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for i in range(0, n, b):
            j = min(i + b, n)
            k = j - i
            _gelu_block(x[i:j], out[i:j], None if d is None else d[i:j], a[:k], e[:k], q[:k])
    return out.reshape(shape), (None if d is None else d.reshape(shape))


def _erf_block(x, out, a, e, q, s, small):
    np.abs(x, out=a)
    np.minimum(a, _f(10.0), out=a)
    np.multiply(a, a, out=s)
    np.negative(s, out=e)
    np.exp(e, out=e)                        # exp(-x^2)
    _ratio(a, out, q, _PT, _QT)
    out *= e                                # erfc(|x|)
    np.subtract(_ONE, out, out=out)
    np.copysign(out, x, out=out)            # erf for |x| >= 0.9
    np.multiply(s, _S[0], out=q)
    q += _S[1]
    for c in _S[2:]:
        q *= s
        q += c
    q *= x                                  # erf for |x| < 0.9
    np.less(a, _f(0.9), out=small)
    np.copyto(out, q, where=small)


def erf_f32(x):
    """``erf(x)`` of a float32 array (within ~1 ulp of torch's)."""
    shape = x.shape
    x = np.ascontiguousarray(x).reshape(-1)
    n = x.size
    out = np.empty(n, np.float32)
    b = max(min(n, _BLOCK), 1)
    a, e, q, s = (np.empty(b, np.float32) for _ in range(4))
    small = np.empty(b, bool)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for i in range(0, n, b):
            j = min(i + b, n)
            k = j - i
            _erf_block(x[i:j], out[i:j], a[:k], e[:k], q[:k], s[:k], small[:k])
    return out.reshape(shape)
