"""Fused GELU kernels: one parallel pass for the value and the derivative.

float32 (erf form) does ``_erf32._gelu_block``'s float32 operations in the same order with the
same float32 constants, and ``exp`` is NumPy's own float32 SIMD algorithm (Cody-Waite reduction,
a (5, 2) rational approximation with fused multiply-adds, ``scalef``), so results are
bit-identical to the NumPy path (libm's ``expf`` differs from NumPy's by 1 ulp on ~40% of
inputs) and the loop vectorizes. float64 evaluates ``0.5 (1 + erf(x / sqrt 2))`` with libm's
``erf`` (the NumPy path has its own float64 erf: equal within ~1 ulp). The tanh approximation
mirrors torch's formula for the value and for ``gelu_backward(approximate='tanh')`` (float32
only), with ``tanh`` from the same exp.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from ..._backend.fast import jit
from .._erf32 import _GC, _GP, _HALF_NEG, _INV_SQRT_2PI, _ONE

_F = np.float32
# NumPy's float32 exp (``simd_exp_FLOAT``): xmax, xmin, log2(e), the rint magic 1.5 * 2^23,
# ln 2 split in two (Cody-Waite), numerator p0..p5, denominator q0..q2
_EXP = (88.72283935546875, -103.97208404541015625, 1.4426950408889634, 12582912.0,
        -6.93145752e-1, -1.42860677e-6,
        9.999999999980870924916e-01, 7.257664613233124478488e-01, 2.473615434895520810817e-01,
        5.114512081637298353406e-02, 6.757896990527504603057e-03, 5.082762527590693718096e-04,
        1.0, -2.742335390411667452936e-01, 2.159509375685829852307e-02)
# every float32 constant, passed as one array so that Numba types them float32
_SQRT1_2 = 0.7071067811865476
_INV_SQRT_2PI_64 = 0.3989422804014327
_SQRT_2_OVER_PI = 0.7978845608028654
_KAPPA = 0.044715
# [27:32]: the tanh form's -2, sqrt(2/pi), 0.044715, 3 * 0.044715, sqrt(2/pi) / 2 (as the NumPy
# path and torch round them to float32)
_C32 = np.array((_GP, _ONE, _HALF_NEG, _INV_SQRT_2PI, _F(0.5), _F(0.0), _F(np.inf)) + _GC
                + tuple(map(_F, _EXP))
                + (-2.0, _SQRT_2_OVER_PI, _KAPPA, 3 * _KAPPA, 0.5 * _SQRT_2_OVER_PI), _F)


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` with one rounding (LLVM ``fma``; an instruction on FMA3 CPUs)."""
    def codegen(context, builder, sig, args):
        return builder.fma(*args)
    return a(a, b, c), codegen


@intrinsic
def _pow2(typingctx, k):
    """``2.0 ** k`` as a float64, for an int64 ``k`` in [-1022, 1023] (built from its bits)."""
    def codegen(context, builder, sig, args):
        i64 = ir.IntType(64)
        bits = builder.shl(builder.add(args[0], ir.Constant(i64, 1023)), ir.Constant(i64, 52))
        return builder.bitcast(bits, ir.DoubleType())
    return types.float64(types.int64), codegen


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _expf_neg(v, c):
    """NumPy's float32 ``exp`` (its AVX2/AVX512F kernel) bit for bit, for ``v <= 0`` or NaN
    (``c`` is ``_C32``). Overflow cannot occur there; NaN propagates through the arithmetic
    instead of a final select (three selects kept the loop from vectorizing well)."""
    zero = c[5]
    under = v <= c[13]
    x = zero if under else v
    k = (x * c[14] + c[15]) - c[15]                 # rint(x * log2 e)
    y = _fma(k, c[17], _fma(k, c[16], x))
    num = _fma(_fma(_fma(_fma(_fma(c[23], y, c[22]), y, c[21]), y, c[20]), y, c[19]), y, c[18])
    den = _fma(_fma(c[26], y, c[25]), y, c[24])
    ki = np.int64(k if k == k else zero)
    # scalef: one rounding of (num / den) * 2^k (exact in float64), also for subnormal results
    r = np.float32(np.float64(num / den) * _pow2(ki))
    return zero if under else r


@jit(parallel=True, error_model="numpy")
def _gelu32(x, c, out, d, grad):
    gp, one, half_neg, inv, half, zero = c[0], c[1], c[2], c[3], c[4], c[5]
    m0, m1, m2, m3, m4 = c[7], c[8], c[9], c[10], c[11]
    if grad:
        for i in numba.prange(x.size):
            v = x[i]
            q = one / (abs(v) * gp + one)                       # t = 1 / (1 + c |x|)
            p = ((((q * m0 + m1) * q + m2) * q + m3) * q + m4) * q  # M(t)
            e = _expf_neg((v * v) * half_neg, c)                    # exp(-x^2 / 2)
            p = p * e                                           # Phi(-|x|)
            phi = (np.copysign(half, v) + half) - np.copysign(p, v)  # Phi(x)
            out[i] = v * phi
            d[i] = (e * v) * inv + phi                          # Phi(x) + x phi(x)
    else:
        for i in numba.prange(x.size):
            v = x[i]
            a = abs(v)
            q = one / (a * gp + one)
            p = ((((q * m0 + m1) * q + m2) * q + m3) * q + m4) * q
            p = p * _expf_neg((v * v) * half_neg, c)
            m = v if v > zero or v != v else zero               # np.maximum(x, 0)
            out[i] = m - p * a                                  # relu(x) - |x| Phi(-|x|)


@jit(parallel=True, error_model="numpy")
def _gelu64(x, out, d, grad):
    for i in numba.prange(x.size):
        v = x[i]
        cdf = 0.5 * (1.0 + math.erf(v * _SQRT1_2))
        out[i] = v * cdf
        if grad:
            d[i] = cdf + v * math.exp(-0.5 * v * v) * _INV_SQRT_2PI_64


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _tanhf(u, c):
    """float32 ``tanh(u) = sign(u) (1 - e) / (1 + e)``, ``e = exp(-2|u|)`` (vectorizes; libm's
    scalar ``tanhf`` was 6x slower than NumPy's SIMD one). Absolute error ~1e-7 (relative error
    grows as ``|u| -> 0``, where GELU adds it to 1)."""
    e = _expf_neg(c[27] * abs(u), c)
    return np.copysign((c[1] - e) / (c[1] + e), u)


@jit(parallel=True, error_model="numpy")
def _gelu_tanh(x, c, out):
    half, one, s, k = c[4], c[1], c[28], c[29]
    for i in numba.prange(x.size):
        v = x[i]
        out[i] = half * v * (one + _tanhf(s * (v + k * v * v * v), c))


@jit(parallel=True, error_model="numpy")
def _gelu_tanh_bwd(g, x, c, out):
    half, one, s, k, k3, hs = c[4], c[1], c[28], c[29], c[30], c[31]
    for i in numba.prange(x.size):
        v = x[i]
        x2 = v * v
        th = _tanhf((v + x2 * v * k) * s, c)
        left = (th + one) * half
        right = v * (one - th * th) * ((x2 * k3 + one) * hs)
        out[i] = g[i] * (left + right)


def _flat(x):
    return np.ascontiguousarray(x).reshape(-1)


def gelu(x, grad):
    """``(gelu(x), d gelu / dx or None)`` of a float32/float64 array (erf form)."""
    xf = _flat(x)
    out = np.empty(xf.size, x.dtype)
    d = np.empty(xf.size if grad else 0, x.dtype)
    if x.dtype == np.float32:
        _gelu32.pick(xf.size)(xf, _C32, out, d, bool(grad))
    else:
        _gelu64.pick(xf.size)(xf, out, d, bool(grad))
    return out.reshape(x.shape), (d.reshape(x.shape) if grad else None)


def gelu_tanh(x):
    """torch's ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` of a float32 array (float64
    stays on NumPy, whose SIMD tanh beats libm's)."""
    out = np.empty(x.size, x.dtype)
    _gelu_tanh.pick(x.size)(_flat(x), _C32, out)
    return out.reshape(x.shape)


def gelu_tanh_backward(g, x):
    """``g * d gelu_tanh / dx`` (torch's ``gelu_backward(..., approximate='tanh')`` formula),
    float32 arrays."""
    out = np.empty(x.size, x.dtype)
    _gelu_tanh_bwd.pick(x.size)(_flat(g), _flat(x), _C32, out)
    return out.reshape(x.shape)
