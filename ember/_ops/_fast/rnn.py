"""Fused LSTM step kernels: one Numba call per time step for the gate math, forward and backward.

The layer keeps its NumPy structure (``ember/_ops/rnn.py``): per step one BLAS GEMM, then one call
here doing everything else — add the input projection, the gate activations, ``c = f c' + i g``,
``h = o tanh(c)`` (forward); the gate gradients and the ``dc`` recurrence (backward). Layouts are
the NumPy path's: gates in the kernel's ``i, f, o, g`` order with the sigmoid pre-activations
negated, ``(4H, bs)`` blocks. The forward runs as a few simple loops (the transcendental ones over
contiguous memory), which LLVM vectorises; one loop doing all of a unit's gates did not vectorise.

Numerics. The backward does the NumPy path's float operations in the same order: bit-identical.
The forward's ``exp``/``tanh`` are Cephes' polynomial ``expf``/``tanhf`` (float32) and
``exp``/``tanh`` (float64), written out so the loops vectorise (Numba's libm calls ran 4x (exp)
to 50x (tanh) slower than NumPy's SIMD loops); measured within 1.3 ulp (float32) / 2 ulp
(float64) of the exact values. Sigmoid is ``1 / (1 + exp(-x))``, the NumPy path's (and torch's)
formula; our ``exp`` flushes to 0 below ``-87`` (float32) / ``-708`` (float64) instead of going
subnormal, invisible after ``1 + exp``.

Speed (batch 32, hidden 256, one thread): per step the backward kernel takes 26 µs where the NumPy
ufuncs take 42 µs; the forward one about what NumPy's AVX-512 ``exp``/``tanh`` loops take (Numba
emits 256-bit vectors here). Parallel builds are used only for huge steps (see ``_pick``).
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from ..._backend import fast
from ..._backend.fast import jit

_F = np.float32


@intrinsic
def _bits_f32(typingctx, i):
    """The float32 with the bit pattern of the low 32 bits of integer ``i``."""
    def codegen(context, builder, sig, args):
        v = args[0]
        w = sig.args[0].bitwidth
        if w > 32:
            v = builder.trunc(v, ir.IntType(32))
        elif w < 32:
            v = builder.sext(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())
    return types.float32(i), codegen


@intrinsic
def _bits_f64(typingctx, i):
    """The float64 with the bit pattern of integer ``i`` (sign-extended to 64 bits)."""
    def codegen(context, builder, sig, args):
        v = args[0]
        if sig.args[0].bitwidth < 64:
            v = builder.sext(v, ir.IntType(64))
        return builder.bitcast(v, ir.DoubleType())
    return types.float64(i), codegen


def _exp(x):
    """``exp(x)``; in kernels only (see the overload)."""
    raise NotImplementedError


def _tanh(x):
    """``tanh(x)``; in kernels only (see the overload)."""
    raise NotImplementedError


def _exp32(x):
    # Cephes expf: x = n ln2 + r, |r| <= ln2 / 2, exp(r) by a degree-7 polynomial, times 2^n
    xc = _F(-87.0) if not x >= _F(-87.0) else x          # nan -> finite (fixed up below)
    xc = _F(88.72283935546875) if xc > _F(88.72283935546875) else xc
    n = np.floor(xc * _F(1.44269504088896341) + _F(0.5))
    r = xc - n * _F(0.693359375)
    r = r - n * _F(-2.12194440e-4)
    z = r * r
    p = _F(1.9875691500E-4) * r + _F(1.3981999507E-3)
    p = p * r + _F(8.3334519073E-3)
    p = p * r + _F(4.1665795894E-2)
    p = p * r + _F(1.6666665459E-1)
    p = p * r + _F(5.0000001201E-1)
    p = p * z + r + _F(1.0)
    p = p * _bits_f32((np.int32(n) + np.int32(126)) << np.int32(23)) * _F(2.0)   # n <= 128
    p = np.float32(np.inf) if x > _F(88.72283935546875) else p
    p = _F(0.0) if x < _F(-87.0) else p                  # no subnormal results
    return x if x != x else p


def _exp64(x):
    # Cephes exp: x = n ln2 + r, exp(r) = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2)), times 2^n
    xc = -708.0 if not x >= -708.0 else x
    xc = 709.782712893384 if xc > 709.782712893384 else xc
    n = np.floor(xc * 1.4426950408889634073599 + 0.5)
    r = xc - n * 6.93145751953125E-1
    r = r - n * 1.42860682030941723212E-6
    z = r * r
    px = ((1.26177193074810590878E-4 * z + 3.02994407707441961300E-2) * z
          + 9.99999999999999999910E-1) * r
    qx = ((3.00198505138664455042E-6 * z + 2.52448340349684104192E-3) * z
          + 2.27265548208155028766E-1) * z + 2.00000000000000000009E0
    p = px / (qx - px)
    p = 1.0 + 2.0 * p
    p = p * _bits_f64((np.int64(n) + np.int64(1022)) << np.int64(52)) * 2.0   # n <= 1024
    p = np.inf if x > 709.782712893384 else p
    p = 0.0 if x < -708.0 else p
    return x if x != x else p


def _tanh32(x):
    # Cephes tanhf: an odd polynomial for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1)
    a = abs(x)
    e = _exp32_j(a + a)
    big = _F(1.0) - _F(2.0) / (e + _F(1.0))
    big = -big if x < _F(0.0) else big
    z = x * x
    p = _F(-5.70498872745E-3) * z + _F(2.06390887954E-2)
    p = p * z - _F(5.37397155531E-2)
    p = p * z + _F(1.33314422036E-1)
    p = p * z - _F(3.33332819422E-1)
    small = p * z * x + x
    small = x if z == _F(0.0) else small                 # keeps -0.0
    return big if a >= _F(0.625) else small


def _tanh64(x):
    # Cephes tanh: x + x^3 P(x^2) / Q(x^2) for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1)
    a = abs(x)
    e = _exp64_j(a + a)
    big = 1.0 - 2.0 / (e + 1.0)
    big = -big if x < 0.0 else big
    z = x * x
    p = (-9.64399179425052238628E-1 * z - 9.92877231001918586564E1) * z \
        - 1.61468768441708447952E3
    q = ((z + 1.12811678491632931402E2) * z + 2.23548839060100448583E3) * z \
        + 4.84406305325125486048E3
    small = x + x * z * (p / q)
    small = x if z == 0.0 else small
    return big if a >= 0.625 else small


_exp32_j = numba.njit(_exp32, cache=True, error_model="numpy")
_exp64_j = numba.njit(_exp64, cache=True, error_model="numpy")
_tanh32_j = numba.njit(_tanh32, cache=True, error_model="numpy")
_tanh64_j = numba.njit(_tanh64, cache=True, error_model="numpy")


@overload(_exp)
def _ov_exp(x):
    if isinstance(x, types.Float):
        return (lambda x: _exp32_j(x)) if x.bitwidth == 32 else (lambda x: _exp64_j(x))


@overload(_tanh)
def _ov_tanh(x):
    if isinstance(x, types.Float):
        return (lambda x: _tanh32_j(x)) if x.bitwidth == 32 else (lambda x: _tanh64_j(x))


@numba.njit(cache=True, error_model="numpy")
def _sigmoid_flat(a):
    # NOTE: loops over range(size) of a view: with range(lo, hi) LLVM did not vectorise
    one = a.dtype.type(1)
    for i in range(a.size):
        a[i] = one / (one + _exp(a[i]))


@numba.njit(cache=True, error_model="numpy")
def _tanh_flat(a, out):
    for i in range(a.size):
        out[i] = _tanh(a[i])


@numba.njit(cache=True, error_model="numpy")
def _tanh_flat_(a):
    # NOTE: in place needs its own loop: _tanh_flat(a, a) fails LLVM's alias check (scalar code)
    for i in range(a.size):
        a[i] = _tanh(a[i])


@jit(parallel=True, error_model="numpy")
def _fwd_step(g, xwt, s, cp, c0t, pbs, cn, tc, hout, nchunk):
    """Step ``s`` of the forward, in place: ``g`` ``(4H, bs)`` holds ``W_hh' h'^T``; adds
    ``xwt[:, s:s+bs]``, activates, writes ``cn``, ``tc = tanh(cn)`` ``(H, bs)`` and ``hout``
    ``(bs, H)`` ``= (o tc)^T``. Previous cell: ``cp[:, :pbs]``, then ``c0t`` for later columns.
    ``nchunk`` blocks of hidden units in parallel; within one, each pass is a simple loop (the
    transcendental ones over contiguous memory), which LLVM vectorises."""
    hs, bs = cn.shape
    m = min(pbs, bs)
    gf, cf, tf = g.reshape(-1), cn.reshape(-1), tc.reshape(-1)
    for c in numba.prange(nchunk):
        j0, j1 = c * hs // nchunk, (c + 1) * hs // nchunk
        for q in range(4):
            for r in range(q * hs + j0, q * hs + j1):
                for b in range(bs):
                    g[r, b] += xwt[r, s + b]
        for q in range(3):
            _sigmoid_flat(gf[(q * hs + j0) * bs:(q * hs + j1) * bs])
        _tanh_flat_(gf[(3 * hs + j0) * bs:(3 * hs + j1) * bs])
        for j in range(j0, j1):
            for b in range(m):
                cn[j, b] = g[hs + j, b] * cp[j, b] + g[j, b] * g[3 * hs + j, b]
            for b in range(m, bs):                           # rows starting now (packed)
                cn[j, b] = g[hs + j, b] * c0t[j, b] + g[j, b] * g[3 * hs + j, b]
        _tanh_flat(cf[j0 * bs:j1 * bs], tf[j0 * bs:j1 * bs])
        for j in range(j0, j1):
            for b in range(bs):
                hout[b, j] = g[2 * hs + j, b] * tc[j, b]


@jit(parallel=True, error_model="numpy")
def _bwd_step(g, tc, cp, c0t, pbs, dh, dout, s, use_dout, dc, dgt):
    """Step ``s`` of BPTT: reads ``dh``/``dc`` ``(H, b0)`` (first ``bs`` columns) and ``dout``'s
    rows ``s:s+bs`` (if ``use_dout``), writes the step's gate gradient into ``dgt[:, s:s+bs]``
    and ``dc <- dc f``. The NumPy path's operations, in its order."""
    hs, bs = tc.shape
    one = g.dtype.type(1)
    for j in numba.prange(hs):
        for b in range(bs):
            ig, fg = g[j, b], g[hs + j, b]
            og, gg = g[2 * hs + j, b], g[3 * hs + j, b]
            t = tc[j, b]
            dhk = dh[j, b] + dout[s + b, j] if use_dout else dh[j, b]
            dck = dc[j, b] + ((one - t * t) * og) * dhk
            dgt[2 * hs + j, s + b] = (dhk * t) * ((og - one) * og)
            dgt[j, s + b] = (dck * gg) * ((ig - one) * ig)
            c = cp[j, b] if b < pbs else c0t[j, b]
            dgt[hs + j, s + b] = (dck * c) * ((fg - one) * fg)
            dgt[3 * hs + j, s + b] = dck * ((one - gg * gg) * ig)
            dc[j, b] = dck * fg


def _pick(kernel, n):
    """The serial build below ``16 * fast.PARALLEL_MIN`` gate elements per step (1M; every size
    under ``fast.forced``). Each step runs right after an OpenBLAS GEMM whose idle workers still
    spin: a parallel step (batch 32, hidden 256) made a layer 2x slower, not faster."""
    return kernel if n >= 16 * fast.PARALLEL_MIN else kernel.serial


def fwd_step(g, xwt, s, cp, c0t, pbs, cn, tc, hout):
    """See ``_fwd_step`` (all arrays C-contiguous, of one dtype)."""
    k = _pick(_fwd_step, g.size)
    nchunk = 1 if k is _fwd_step.serial else numba.get_num_threads()
    k(g, xwt, s, cp, c0t, pbs, cn, tc, hout, nchunk)


def bwd_step(g, tc, cp, c0t, pbs, dh, dout, s, use_dout, dc, dgt):
    """See ``_bwd_step`` (all arrays C-contiguous, of one dtype)."""
    _pick(_bwd_step, g.size)(g, tc, cp, c0t, pbs, dh, dout, s, use_dout, dc, dgt)
