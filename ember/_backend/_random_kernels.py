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

_CHUNK = 1 << 15          # u1 (or u2) lanes per chunk: keeps the temporaries in L2
_CHUNK_PAR = 1 << 16      # threaded: larger chunks, less pool and GIL traffic (10M randn on
                          # 2 idle cores: 105 ms vs 136 ms with _CHUNK)
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
_LOG_P64 = tuple(f64(p) for p in _LOG_P)
_SIN_P64 = tuple(f64(p) for p in _SIN_P)
_COS_P64 = tuple(f64(p) for p in _COS_P)
_ANGLE = _TWO_PI_F32 * _TWO_M24          # fl(2pi * u2) == fl(i * _ANGLE): the power of two is exact
# 8 float32 lanes (32 bytes) move as one element of a 32-byte dtype: a strided copy of the u1/u2
# halves of each block of 16 then runs one element per half-block instead of an 8-element inner loop.
_HALF = np.dtype(np.clongdouble) if np.dtype(np.clongdouble).itemsize == 32 else None
_F32 = ("x", "z", "y", "th", "q", "yc", "ys")
_I32 = ("i", "e", "j")
_F64 = ("t", "a", "b")
_TLS = threading.local()


def _workspace(n):
    """Per-thread scratch arrays for :func:`_box_muller_chunk` (re-used: no page faults per chunk)."""
    ws = getattr(_TLS, "ws", None)
    if ws is None or ws["n"] < n:
        ws = {"n": n}
        for names, dt in ((_F32, f32), (_I32, np.int32), (_F64, f64)):
            for name in names:
                ws[name] = np.empty(n, dt)
        _TLS.ws = ws
    return ws


def _halves(a):
    """(B, 16) array with contiguous rows -> (B, 2) view of 32-byte elements (or None)."""
    if _HALF is None or a.strides[1] != 4:
        return None
    return a.view(_HALF)


def _take_half(dst, raw, lane0):
    """``dst`` (B, 8), contiguous <- ``raw[:, lane0:lane0 + 8]`` (bytes copied unchanged)."""
    h = _halves(raw)
    if h is None:
        dst[...] = raw[:, lane0:lane0 + 8]
    else:
        np.copyto(dst.view(_HALF)[:, 0], h[:, lane0 // 8])


def _put_half(out, lane0, src):
    """``out[:, lane0:lane0 + 8]`` <- ``src`` (B, 8), contiguous (bytes copied unchanged)."""
    h = _halves(out)
    if h is None:
        out[:, lane0:lane0 + 8] = src
    else:
        np.copyto(h[:, lane0 // 8], src.view(_HALF)[:, 0])


def _round32(t, y):
    """Round the float64 values ``t`` to float32 in place (``y``: float32 scratch that keeps them)."""
    np.copyto(y, t, casting="same_kind")
    np.copyto(t, y)


def _box_muller_chunk(raw, out, mean, std):
    """Transform one chunk: ``raw`` (B, 16) uint32 draws -> ``out`` (B, 16) float32 (rows contiguous).

    Every float32 operation of torch's kernel is reproduced; an FMA is an exact product and sum in
    float64 arrays followed by one rounding to float32 (``_round32``)."""
    B = raw.shape[0]
    L = 8 * B
    ws = _workspace(L)
    x, z, y, th, q, yc, ys = (ws[k][:L] for k in _F32)
    i, e, j = (ws[k][:L] for k in _I32)
    t, a, b = (ws[k][:L] for k in _F64)
    raw = raw.view(np.int32)
    # ---- radius = sqrt(-2 * log256_ps(1 - u)) with u = (k1 & 0xFFFFFF) / 2**24 -----------------
    _take_half(i.reshape(B, 8), raw, 0)
    i &= 0xFFFFFF
    np.subtract(16777216, i, out=i)                       # 2**24 (1 - u), exact; log reads its bits
    np.copyto(x, i, casting="unsafe")
    bits = x.view(np.int32)
    np.right_shift(bits, 23, out=e)
    bits &= 0x007FFFFF
    bits |= 0x3F000000                                    # mantissa m in [0.5, 1)
    np.subtract(bits, _SQRTHF_BITS, out=i)
    i >>= 31                                              # -1 where m < sqrt(1/2)
    e += i
    e -= 150                                              # exponent of u1 (= exp(x) - 127 + 1 - 24)
    i <<= 23
    bits -= i                                             # m < sqrt(1/2): m -> 2m
    x -= f32(1)                                           # exact: m - 1 or 2m - 1
    np.copyto(a, x)
    np.multiply(x, x, out=z)
    np.multiply(a, _LOG_P64[0], out=t)
    t += _LOG_P64[1]
    for p in _LOG_P64[2:]:                                # Horner, one float32 rounding per FMA
        _round32(t, y)
        t *= a
        t += p
    np.copyto(y, t, casting="same_kind")
    y *= x
    np.copyto(q, e, casting="unsafe")
    np.multiply(q, _LOG_Q1, out=yc)
    np.copyto(a, y)
    np.copyto(b, z)
    np.multiply(a, b, out=t)
    np.copyto(a, yc)
    t += a
    np.copyto(y, t, casting="same_kind")                  # fma(y, z, e * q1)
    z *= f32(0.5)
    y -= z
    y += x
    q *= _LOG_Q2                                          # exact (q2 has 9 significant bits)
    y += q
    y *= f32(-2)
    np.sqrt(y, out=y)                                     # radius
    # ---- sincos256_ps(2*pi*u2) ---------------------------------------------------------------
    _take_half(i.reshape(B, 8), raw, 8)
    i &= 0xFFFFFF
    np.copyto(th, i, casting="unsafe")
    th *= _ANGLE
    np.multiply(th, _FOPI, out=q)
    np.copyto(j, q, casting="unsafe")                     # truncation
    j += 1
    j &= ~1                                               # octant, even, 0..8
    np.copyto(q, j, casting="unsafe")
    np.multiply(q, _DP1, out=x)
    th -= x                                               # exact (Sterbenz)
    np.multiply(q, _DP2, out=x)
    th -= x                                               # product exact: one rounding like the FMA
    np.copyto(a, j, casting="unsafe")
    a *= f64(_MINUS_DP3)
    np.copyto(b, th)
    a += b
    np.copyto(th, a, casting="same_kind")                 # fma(j, -dp3, th)
    np.multiply(th, th, out=z)
    np.copyto(b, z)
    np.multiply(b, _COS_P64[0], out=t)
    t += _COS_P64[1]
    _round32(t, yc)
    t *= b
    t += _COS_P64[2]
    np.copyto(yc, t, casting="same_kind")
    yc *= z
    np.copyto(t, yc)
    t *= b
    np.multiply(b, -0.5, out=a)
    t += a
    np.copyto(yc, t, casting="same_kind")                 # fma(yc, z, -z/2)
    yc += f32(1)
    np.multiply(b, _SIN_P64[0], out=t)
    t += _SIN_P64[1]
    _round32(t, ys)
    t *= b
    t += _SIN_P64[2]
    np.copyto(ys, t, casting="same_kind")
    ys *= z
    np.copyto(t, ys)
    np.copyto(b, th)
    t *= b
    t += b
    np.copyto(ys, t, casting="same_kind")                 # fma(ys, th, th)
    # select the polynomial per octant and apply the signs, on the bit patterns
    ycb = yc.view(np.int32)
    ysb = ys.view(np.int32)
    np.bitwise_and(j, 2, out=e)
    e >>= 1
    e -= 1                                                # -1 where the cosine polynomial is cos
    np.bitwise_xor(ycb, ysb, out=i)
    i &= e
    ycb ^= i                                              # now sin
    ysb ^= i                                              # now cos
    np.bitwise_and(j, 4, out=e)
    e <<= 29
    ycb ^= e
    j -= 2
    np.invert(j, out=j)
    j &= 4
    j <<= 29
    ysb ^= j
    # ---- outputs: fmadd(radius * trig, std, mean); cos into lanes 0..7, sin into 8..15 ----------
    for trig, lane0 in ((ys, 0), (yc, 8)):
        trig *= y
        if mean == 0:
            if std != 1:
                trig *= std
            trig += f32(0)                                # fma(n, std, 0) turns -0 into +0
        else:
            np.copyto(a, trig)
            a *= f64(std)
            a += f64(mean)
            np.copyto(trig, a, casting="same_kind")
        _put_half(out, lane0, trig.reshape(B, 8))


def normal_avx2(draw_u32, nblocks, mean, std, out):
    """torch's ``normal_fill_16_AVX2`` over ``nblocks`` whole blocks of 16.

    ``draw_u32(k)`` returns the next ``k`` raw 32-bit draws (uniforms are their low 24 bits);
    ``out`` is a (nblocks, 16) float32 array with contiguous rows.  In each block lanes 0..7 are u1
    (radius) and 8..15 are u2 (angle); cos goes to lanes 0..7, sin to 8..15.  Draws happen in order
    on the calling thread; large transforms run on a small thread pool (NumPy releases the GIL)
    while the next chunk is drawn. With ``ember[fast]`` the transform is the Numba kernel of
    ``_fast_random`` (same bits), see ``_normal_avx2_fast``.
    """
    mean = f32(mean)
    std = f32(std)
    from . import fast
    if fast.ENABLED and nblocks * 16 >= fast.MIN_SIZE and fast.ready():
        return _normal_avx2_fast(draw_u32, nblocks, mean, std, out)
    parallel = nblocks * 16 >= _PARALLEL_MIN and (os.cpu_count() or 1) > 1
    step = max(1, (_CHUNK_PAR if parallel else _CHUNK) // 8)
    pool = _pool() if parallel else None
    futs = []
    for a in range(0, nblocks, step):
        b = min(nblocks, a + step)
        raw = draw_u32(16 * (b - a)).reshape(-1, 16)
        if pool is None:
            _box_muller_chunk(raw, out[a:b], mean, std)
        else:
            futs.append(pool.submit(_box_muller_chunk, raw, out[a:b], mean, std))
    for fu in futs:
        fu.result()
    return out


_FAST_CHUNK = 1 << 13     # blocks of 16 drawn at once by the fast path when pipelined (512 KiB)


def _normal_avx2_fast(draw_u32, nblocks, mean, std, out):
    """``normal_avx2`` through the Numba kernel of ``_fast_random`` (bit-identical results).

    Small: draw all, transform (in parallel from ``fast.PARALLEL_MIN``). Large: the calling thread
    draws chunk after chunk while pool threads transform the chunks already drawn (serial kernel
    builds, which release the GIL), so drawing and transforming overlap on the two cores."""
    from . import fast
    from . import _fast_random as fr
    dst = out if out.flags.c_contiguous else np.empty((nblocks, 16), f32)
    n = nblocks * 16
    if n < _PARALLEL_MIN or (os.cpu_count() or 1) == 1:
        raw = draw_u32(n).reshape(nblocks, 16)
        fr.box_muller(raw, dst, mean, std, serial=n < fast.PARALLEL_MIN)
    else:
        pool = _pool()
        futs = []
        for a in range(0, nblocks, _FAST_CHUNK):
            b = min(nblocks, a + _FAST_CHUNK)
            raw = draw_u32(16 * (b - a)).reshape(-1, 16)
            futs.append(pool.submit(fr.box_muller, raw, dst[a:b], mean, std, True))
        for fu in futs:
            fu.result()
    if dst is not out:
        out[...] = dst
    return out


# --- randperm_cpu -----------------------------------------------------------------------------
def _roots(parent):
    """Follow ``parent`` pointers (``parent[i] == i`` at roots) to the root, by pointer jumping over
    the nodes not yet pointing at a root (``parent`` is updated in place and returned)."""
    act = np.flatnonzero(parent[parent] != parent)
    while act.size:
        pp = parent[parent[act]]
        parent[act] = pp
        act = act[parent[pp] != pp]
    return parent


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
    """Result of ``for i: swap(a[i], a[j[i]])`` on ``a = arange(n)``, with ``j[i] >= i`` (n < 2**31).

    Group the steps by target slot (one sort of ``j << 32 | step``).  Slot ``i`` holds, when step
    ``i`` reads it, the value ``V(i)`` that its last writer before ``i`` held at that writer's own
    step (``i`` itself if nobody wrote it): a forest resolved by pointer jumping.  Step ``t`` ends
    with ``a[t]`` = what slot ``j[t]`` holds then: ``V`` of the previous step with the same target,
    or ``j[t]`` untouched.
    """
    n = j.shape[0]
    comb = np.left_shift(j, 32, dtype=np.int64)
    comb |= np.arange(n, dtype=np.int64)
    comb.sort()                                           # by (target slot, step)
    sk = (comb >> 32).astype(np.int32)                    # target slot
    order = comb.astype(np.int32)                         # step (low 32 bits)
    d = np.subtract(sk[1:], sk[:-1])
    last = np.append(np.flatnonzero(d != 0), n - 1)       # last step of each target group
    np.negative(d, out=d)
    d >>= 31                                              # -1 where a group starts at k + 1
    prev = np.empty(n, np.int32)                          # previous step of the same group, or -1
    prev[:1] = -1
    np.bitwise_or(order[:-1], d, out=prev[1:])
    s = sk[last]
    t = order[last]
    w = np.where(t == s, prev[last], t)                   # slot s's last writer before step s
    keep = w >= 0
    parent = np.arange(n, dtype=np.int32)
    parent[s[keep]] = w[keep]
    v = _roots(parent)                                    # V(i): value slot i holds at step i
    val = np.take(v, prev)                                # (prev == -1 replaced next)
    sk ^= val
    sk &= prev >> 31
    val ^= sk                                             # first of its group: slot j[t] untouched
    out = np.empty(n, np.int64)
    out[order] = val
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
