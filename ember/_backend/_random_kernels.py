"""Array kernels behind :mod:`ember._backend._cpu_random` (NumPy + stdlib only).

Each function reproduces the floating-point arithmetic of one torch 2.13 CPU sampling kernel
bit for bit, on whole arrays at once:

* ``normal_avx2`` -- ``normal_fill_AVX2`` / ``normal_fill_16_AVX2``
  (aten/src/ATen/native/cpu/DistributionTemplates.h): float32 Box-Muller through ``log256_ps`` /
  ``sincos256_ps`` of ``avx_mathfun.h`` (Cephes polynomials).  torch's build lets GCC contract each
  ``_mm256_mul_ps`` + ``_mm256_add_ps`` pair into an FMA; those single roundings are reproduced in
  float64 (a product of two float32 is exact there), so results are bit-identical (checked against
  torch on millions of draws; each contraction matters, as exhaustive 2**24-input checks showed).
* ``fma64`` -- a double-precision fused multiply-add (Dekker/Veltkamp error-free product), used by
  ``uniform_`` for float64, where torch's ``x * (to - from) + from`` is contracted as well.
* ``swap_shuffle`` / ``inside_out_shuffle`` -- the two sequential shuffles of torch's ``randperm_cpu``
  evaluated without a per-element Python loop (pointer jumping over "who last wrote this slot").
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

f32 = np.float32
f64 = np.float64

# --- avx_mathfun.h constants (as float32, exactly as the C source stores them) -------------------
_LOG_P = tuple(f32(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                                 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                                 3.3333331174e-1))
_LOG_Q1 = f32(-2.12194440e-4)
_LOG_Q2 = f32(0.693359375)
_SQRTHF_BITS = int(np.array(0.707106781186547524, f32).view(np.int32))
_DP1 = f32(0.78515625)
_DP2 = f32(2.4187564849853515625e-4)
_MINUS_DP3 = f32(-3.77489497744594108e-8)
_SIN_P = (f32(-1.9515295891e-4), f32(8.3321608736e-3), f32(-1.6666654611e-1))
_COS_P = (f32(2.443315711809948e-005), f32(-1.388731625493765e-003), f32(4.166664568298827e-002))
_FOPI = f32(1.27323954473516)
_TWO_PI_F32 = f32(2.0 * np.pi)  # _mm256_set1_ps(2.0f * c10::pi<double>)
_TWO_M24 = f32(2.0 ** -24)

_CHUNK = 1 << 14          # u1 (or u2) lanes per chunk: keeps the temporaries in L2
_CHUNK_PAR = 1 << 16      # larger chunks when threads share the work (less GIL traffic)
_PARALLEL_MIN = 1 << 19   # elements from which the transform is split across threads
_POOL = None


def _pool():
    """The worker pool, re-created after a fork (a forked child has no live worker threads)."""
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)),
                                                 thread_name_prefix="ember-rng"))
    return _POOL[1]


def fma32(a, b, c, out, tmp):
    """``out = fmaf(a, b, c)`` for float32 operands: exact product and sum in float64, one rounding."""
    np.multiply(a, b, out=tmp, dtype=f64)
    np.add(tmp, c, out=out, dtype=f64)
    return out


def fma64(a, b, c):
    """Correctly rounded ``fma(a, b, c)`` in float64 (error-free product + two-sum compensation)."""
    a = np.asarray(a, f64)
    b = np.asarray(b, f64)
    c = np.asarray(c, f64)
    p = a * b
    t = a * 134217729.0
    ah = t - (t - a)
    al = a - ah
    t = b * 134217729.0
    bh = t - (t - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    err += (p - (s - bb)) + (c - bb)
    return s + err


def round_bf16(a):
    """float32 -> nearest bfloat16 (ties to even, NaN kept), returned as float32 values."""
    a = np.ascontiguousarray(a, dtype=f32)
    bits = a.view(np.uint32).astype(np.uint64)
    bits += 0x7FFF + ((bits >> 16) & 1)
    out = (bits & 0xFFFF0000).astype(np.uint32).view(f32)
    nan = np.isnan(a)
    if nan.any():
        out[nan] = np.nan
    return out


# --- normal_fill_16_AVX2 --------------------------------------------------------------------------
_TLS = threading.local()


def _workspace(n):
    """Per-thread scratch arrays for :func:`_box_muller_chunk` (re-used: no page faults per chunk)."""
    ws = getattr(_TLS, "ws", None)
    if ws is None or ws["n"] < n:
        ws = {"n": n}
        for name in ("x", "z", "y", "th", "q", "yc", "ys", "oc", "os"):
            ws[name] = np.empty(n, f32)
        for name in ("i", "e", "j", "k"):
            ws[name] = np.empty(n, np.int32)
        for name in ("t", "x64", "z64"):
            ws[name] = np.empty(n, f64)
        _TLS.ws = ws
    return {k: (v[:n] if k != "n" else v) for k, v in ws.items()}


def _box_muller_chunk(k1, k2, out_c, out_s, mean, std):
    """Transform one chunk: ``k1``/``k2`` (L,) raw 32-bit draws of the u1 and u2 halves."""
    w = _workspace(k1.shape[0])
    tmp, x64, z64 = w["t"], w["x64"], w["z64"]
    i32, e, j, k = w["i"], w["e"], w["j"], w["k"]
    x, z, y, th, q, yc, ys = w["x"], w["z"], w["y"], w["th"], w["q"], w["yc"], w["ys"]
    # ---- radius = sqrt(-2 * log256_ps(1 - u)) with u = (k1 & 0xFFFFFF) / 2**24 -----------------
    np.bitwise_and(k1, 0xFFFFFF, out=i32, casting="unsafe")
    np.subtract(f32(16777216.0), i32, out=x, dtype=f32)   # 2**24 (1 - u), exact; log reads its bits
    bits = x.view(np.int32)
    np.right_shift(bits, 23, out=e)
    np.bitwise_and(bits, 0x007FFFFF, out=bits)
    np.bitwise_or(bits, 0x3F000000, out=bits)             # mantissa m in [0.5, 1)
    np.subtract(bits, _SQRTHF_BITS, out=i32)
    np.right_shift(i32, 31, out=i32)                      # -1 where m < sqrt(1/2)
    e += i32
    e -= 150                                              # exponent of u1 (= exp(x) - 127 + 1 - 24)
    np.left_shift(i32, 23, out=i32)
    bits -= i32                                           # m < sqrt(1/2): m -> 2m
    x -= f32(1)                                           # exact: m - 1 or 2m - 1
    ef = q
    np.copyto(ef, e, casting="unsafe")
    np.copyto(x64, x)
    np.multiply(x, x, out=z)
    np.multiply(x64, f64(_LOG_P[0]), out=tmp)
    np.add(tmp, _LOG_P[1], out=y)
    for p in _LOG_P[2:]:                                  # Horner with one rounding per step
        np.multiply(y, x64, out=tmp)
        np.add(tmp, p, out=y)
    y *= x
    np.multiply(ef, _LOG_Q1, out=yc)
    np.multiply(y, z, out=tmp, dtype=f64)
    np.add(tmp, yc, out=y, dtype=f64)                     # fma(y, z, e * q1)
    z *= f32(0.5)
    y -= z
    y += x
    ef *= _LOG_Q2                                         # exact (q2 has 9 significant bits)
    y += ef
    y *= f32(-2)
    np.sqrt(y, out=y)                                     # radius
    # ---- sincos256_ps(2*pi*u2) ---------------------------------------------------------------
    np.bitwise_and(k2, 0xFFFFFF, out=i32, casting="unsafe")
    np.multiply(i32, _TWO_PI_F32 * _TWO_M24, out=th, dtype=f32)  # fl(2pi * u2): 2**-24 is exact
    np.multiply(th, _FOPI, out=q)
    np.copyto(j, q, casting="unsafe")                     # truncation
    j += 1
    j &= ~1                                               # octant, even, 0..8
    jf = x
    np.copyto(jf, j, casting="unsafe")
    np.multiply(jf, _DP1, out=q)
    th -= q                                               # exact (Sterbenz)
    np.multiply(jf, _DP2, out=q)
    th -= q                                               # product exact: one rounding like the FMA
    np.multiply(jf, _MINUS_DP3, out=tmp, dtype=f64)
    np.add(tmp, th, out=th, dtype=f64)
    np.multiply(th, th, out=z)
    np.copyto(z64, z)
    np.multiply(z64, f64(_COS_P[0]), out=tmp)
    np.add(tmp, _COS_P[1], out=yc)
    np.multiply(yc, z64, out=tmp)
    np.add(tmp, _COS_P[2], out=yc)
    yc *= z
    np.multiply(yc, z64, out=tmp)
    np.multiply(z64, -0.5, out=x64)
    np.add(tmp, x64, out=yc)                              # fma(yc, z, -z/2)
    yc += f32(1)
    np.multiply(z64, f64(_SIN_P[0]), out=tmp)
    np.add(tmp, _SIN_P[1], out=ys)
    np.multiply(ys, z64, out=tmp)
    np.add(tmp, _SIN_P[2], out=ys)
    ys *= z
    np.multiply(ys, th, out=tmp, dtype=f64)
    np.add(tmp, th, out=ys, dtype=f64)
    # select the polynomial per octant and apply the signs, on the bit patterns
    ycb = yc.view(np.int32)
    ysb = ys.view(np.int32)
    np.bitwise_and(j, 2, out=k)
    np.right_shift(k, 1, out=k)
    k -= 1                                                # -1 where the cosine polynomial is cos
    np.bitwise_xor(ycb, ysb, out=i32)
    i32 &= k
    ycb ^= i32                                            # now sin
    ysb ^= i32                                            # now cos
    np.bitwise_and(j, 4, out=k)
    np.left_shift(k, 29, out=k)
    ycb ^= k
    j -= 2
    np.invert(j, out=j)
    j &= 4
    np.left_shift(j, 29, out=j)
    ysb ^= j
    # ---- outputs: fmadd(radius * trig, std, mean) ---------------------------------------------
    for trig, out in ((ys, out_c), (yc, out_s)):
        np.multiply(y, trig, out=trig)
        if std == 1 and mean == 0:
            np.add(trig, f32(0), out=out)                 # fma(n, 1, 0) turns -0 into +0
        elif mean == 0:
            np.multiply(trig, std, out=out)
        else:
            fma32(trig, std, mean, out, tmp)


def normal_avx2(draw_u32, nblocks, mean, std, out):
    """torch's ``normal_fill_16_AVX2`` over ``nblocks`` whole blocks of 16.

    ``draw_u32(k)`` returns the next ``k`` raw 32-bit draws (uniforms are their low 24 bits);
    ``out`` is a (nblocks, 16) float32 array.  In each block lanes 0..7 are u1 (radius) and 8..15 are
    u2 (angle); cos goes to lanes 0..7, sin to 8..15.  Draws happen in order on the calling thread;
    large transforms run on a small thread pool (NumPy releases the GIL) while the next chunk is drawn.
    """
    mean = f32(mean)
    std = f32(std)
    parallel = nblocks * 16 >= _PARALLEL_MIN and (os.cpu_count() or 1) > 1
    step = max(1, (_CHUNK_PAR if parallel else _CHUNK) // 8)

    def work(a, raw):
        blk = raw.reshape(-1, 2, 8)
        k1 = np.ascontiguousarray(blk[:, 0]).reshape(-1)
        k2 = np.ascontiguousarray(blk[:, 1]).reshape(-1)
        w = _workspace(k1.shape[0])
        oc, os_ = w["oc"], w["os"]
        _box_muller_chunk(k1, k2, oc, os_, mean, std)
        b = a + blk.shape[0]
        out[a:b, :8] = oc.reshape(-1, 8)
        out[a:b, 8:] = os_.reshape(-1, 8)

    futs = []
    pool = _pool() if parallel else None
    for a in range(0, nblocks, step):
        raw = draw_u32(16 * (min(nblocks, a + step) - a))
        if pool is None:
            work(a, raw)
        else:
            futs.append(pool.submit(work, a, raw))
    for fu in futs:
        fu.result()
    return out


# --- randperm_cpu -----------------------------------------------------------------------------
def _roots(parent):
    """Follow ``parent`` pointers (``parent[i] == i`` at roots) to the root, by pointer jumping."""
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            return parent
        parent = nxt


def _prev_same(keys):
    """For each i: the largest t < i with keys[t] == keys[i], else -1; and the last t per key."""
    n = keys.shape[0]
    comb = np.sort(keys * n + np.arange(n, dtype=np.int64))   # unique keys: any (fast) sort is stable
    sk = comb // n
    order = comb - sk * n
    prev = np.full(n, -1, np.int64)
    same = sk[1:] == sk[:-1]
    prev[order[1:][same]] = order[:-1][same]
    last = np.full(n, -1, np.int64)
    ends = np.ones(n, bool)
    ends[:-1] = ~same
    last[sk[ends]] = order[ends]
    return prev, last


def swap_shuffle(j):
    """Result of ``for i: swap(a[i], a[j[i]])`` on ``a = arange(n)``, with ``j[i] >= i``.

    The value that slot ``i`` holds when step ``i`` reads it is the value of the last earlier step
    that wrote slot ``i`` (following those links to a slot nobody wrote before gives the value).
    """
    n = j.shape[0]
    idx = np.arange(n, dtype=np.int64)
    prev_j, last_j = _prev_same(j)
    # step t < i with j[t] == i wrote slot i; the latest such t (t == i itself is a no-op)
    writer = np.where(j == idx, prev_j, last_j[idx] if n else idx)
    writer = np.where(writer >= 0, writer, idx)
    v = _roots(writer)                                    # value held by slot i at step i
    out = v.copy()
    moved = j != idx
    pj = prev_j[moved]
    out[moved] = np.where(pj >= 0, v[np.maximum(pj, 0)], j[moved])
    return out


def inside_out_shuffle(z):
    """Result of ``for i: a[i] = a[z[i]]; a[z[i]] = i`` (z[i] <= i), torch's large-n randperm."""
    n = z.shape[0]
    idx = np.arange(n, dtype=np.int64)
    prev_z, last_z = _prev_same(z)
    # w[i]: value written to slot i at step i = content of slot z[i] at time i
    #   == i if z[i] == i; the last step t in (z[i], i) with z[t] == z[i] wrote t there;
    #   otherwise slot z[i] still holds w[z[i]].
    own = z == idx
    has_prev = (prev_z >= 0) & ~own
    base = np.where(own, idx, np.where(has_prev, prev_z, -1))
    parent = np.where(base >= 0, idx, z)                  # follow z while no direct value
    val = np.where(base >= 0, base, -1)
    root = _roots(parent)
    w = val[root]
    # final slot p: the last step t > p with z[t] == p wrote t; else w[p]
    lp = last_z[idx] if n else idx
    return np.where(lp > idx, lp, w)
