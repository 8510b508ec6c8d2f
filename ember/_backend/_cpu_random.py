"""torch's CPU random streams, reproduced bit for bit in NumPy (numpy + stdlib only).

:class:`CPURandomState` mirrors ``at::CPUGeneratorImpl`` (MT19937, ``aten/src/ATen/CPUGeneratorImpl.cpp``)
and the CPU sampling kernels of torch 2.13 (``aten/src/ATen/native/cpu/DistributionTemplates.h``,
``core/DistributionsHelper.h``, ``core/TransformationHelper.h``, ``TensorFactories.cpp`` randperm,
``Distributions.cpp`` / ``cpu/MultinomialKernel.cpp`` multinomial).  Raw numbers come in bulk from
NumPy's ``MT19937``: ``_legacy_seeding(s)`` is torch's ``init_genrand(s & 0xffffffff)``, a full-range
``uint32`` draw is one ``engine_()`` call and a full-range ``uint64`` draw is torch's ``random64()``
(``hi << 32 | lo``).  Every method draws exactly as many numbers as torch, in the same order.

Every method returns a flat array in torch's fill order, which is the C order of a contiguous
tensor.  For a non-contiguous tensor torch's ``TensorIterator`` visits elements in memory order
(dimensions sorted by stride), so the caller should scatter the flat result in that order; ``normal_``
also switches to the scalar path for non-contiguous tensors (``contiguous=False``).

``dtype`` may be a NumPy dtype/type, a name (``"float32"``, ``"bfloat16"``, ``"torch.int64"``) or any
object with a ``.name``.  bfloat16 results are float32 arrays holding bfloat16 values (round to
nearest even, like c10::BFloat16); the caller casts.

Findings for torch 2.13 (CPU wheel, checked on an Intel AVX-512 machine):

* ``bernoulli_(float p)`` and ``exponential_`` take the default per-element path (one ``random64``
  per element), not the MKL VSL path, regardless of the CPU vendor.
* ``randint``/``random_(from, to)`` switch to ``random64`` when ``to - from >= 2**28`` (any dtype).
* ``uniform_`` computes ``fma(x, to - from, from)`` and maps a result that rounds up to ``to`` back
  to ``from``; float16/bfloat16 draw 24 bits and compute in float.
* ``normal_`` on >= 16 contiguous float32/float16/bfloat16 elements uses the AVX2 kernel (Cephes
  ``log256_ps``/``sincos256_ps``); float16/bfloat16 do not pre-draw the incomplete tail block.
"""
from __future__ import annotations

import math
import os
import struct

import numpy as np

from . import _random_kernels as _k

__all__ = ["CPURandomState", "DEFAULT_SEED", "STATE_SIZE"]

DEFAULT_SEED = 67280421310721      # c10::default_rng_seed_val
STATE_SIZE = 5056                  # sizeof(at::detail::CPUGeneratorImplState)
_MASK64 = (1 << 64) - 1
_MT_N = 624
_INT_MAX = {"bool": 1, "uint8": 255, "int8": 127, "int16": 32767, "int32": 2 ** 31 - 1,
            "int64": 2 ** 63 - 1}
_FLOAT_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_NP = {"bool": np.bool_, "uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
       "int64": np.int64, "float16": np.float16, "bfloat16": np.float32, "float32": np.float32,
       "float64": np.float64}
_RANDPERM_SMALL = 4294967295 // 20  # randperm_cpu: "for small n, preserve old behavior"


_ALIAS = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
          "int": "int32", "short": "int16", "bool_": "bool"}


def _kind(dtype) -> str:
    """Canonical dtype name ('float32', 'bfloat16', 'int64', ...); torch spellings accepted."""
    if dtype is None:
        return "float32"
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if isinstance(name, str):
        name = name.replace("torch.", "")
        name = _ALIAS.get(name, name)
    if name not in _NP:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
    if name not in _NP:
        raise TypeError(f"unsupported dtype for CPU random sampling: {dtype!r}")
    return name


def _cast_from_float(v32: np.ndarray, kind: str) -> np.ndarray:
    """static_cast<scalar_t>(float) for the reduced float types (float32 passes through)."""
    if kind == "float16":
        return v32.astype(np.float16)
    if kind == "bfloat16":
        return _k.round_bf16(v32)
    return v32


def _cast_from_double(v: np.ndarray, kind: str) -> np.ndarray:
    """static_cast<scalar_t>(double): reduced floats go through float, as c10::Half/BFloat16 do."""
    if kind == "float64":
        return v
    if kind in ("float32", "float16", "bfloat16"):
        return _cast_from_float(v.astype(np.float32), kind)
    if kind == "bool":
        return v != 0
    with np.errstate(invalid="ignore"):
        return v.astype(np.int64).astype(_NP[kind])


def _cast_from_int64(v: np.ndarray, kind: str) -> np.ndarray:
    """static_cast<scalar_t>(int64_t)."""
    if kind == "bool":
        return v != 0
    if kind in ("float16", "bfloat16"):
        return _cast_from_float(v.astype(np.float32), kind)
    return v.astype(_NP[kind], copy=False)


class CPURandomState:
    """torch's ``CPUGeneratorImpl`` plus its CPU sampling kernels, on NumPy arrays.

    State = MT19937 words and position, the initial seed, and the two cached Box-Muller samples
    (``next_double_normal_sample`` used by the scalar normal path and ``log_normal_``,
    ``next_float_normal_sample`` kept only for the state layout).
    """

    def __init__(self, seed: int = DEFAULT_SEED):
        self._bg = np.random.MT19937()
        self._gen = np.random.Generator(self._bg)
        self.avx2 = _has_avx2()
        self.manual_seed(seed)

    # ------------------------------------------------------------------ seeding and state
    def manual_seed(self, seed: int) -> None:
        """``Generator.manual_seed``: init_genrand(seed & 0xffffffff); negative seeds wrap mod 2**64."""
        seed = int(seed)
        if seed < -(1 << 63) or seed > _MASK64:
            raise RuntimeError("Overflow when unpacking long long")
        seed &= _MASK64
        low = seed & 0xFFFFFFFF
        try:
            self._bg._legacy_seeding(low)
        except AttributeError:  # pragma: no cover - NumPy without the legacy hook
            self._set_words(_init_genrand(low), _MT_N)
        self._seed = seed
        self._next_at_end = 0           # torch's ``next_`` is 0 right after seeding, 624 later
        self._normal_double = None
        self._normal_float = None

    def seed(self) -> int:
        """``Generator.seed``: re-seed from 64 non-deterministic bits and return them."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> np.ndarray:
        """Bytes of ``CPUGeneratorImplState`` (5056), the layout of ``torch.get_rng_state()``."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        left, nxt = (1, self._next_at_end) if pos >= _MT_N else (_MT_N + 1 - pos, pos)
        nd = self._normal_double
        nf = self._normal_float
        buf = bytearray(STATE_SIZE)
        struct.pack_into("<QiiQ", buf, 0, self._seed, left, 1, nxt)
        buf[24:24 + 8 * _MT_N] = np.asarray(st["key"], dtype="<u8").tobytes()
        struct.pack_into("<dddi", buf, 5016, 0.0, 0.0 if nd is None else nd, 0.0, nd is not None)
        struct.pack_into("<f?", buf, 5048, 0.0 if nf is None else nf, nf is not None)
        return np.frombuffer(bytes(buf), dtype=np.uint8).copy()

    def set_state(self, state) -> None:
        """Restore from ``get_state()`` bytes or ``torch.get_rng_state().numpy()``."""
        raw = np.ascontiguousarray(np.asarray(state, dtype=np.uint8)).tobytes()
        if len(raw) != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found "
                               f"the input RNG state size to be {len(raw)}")
        seed, left, seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
        nxt &= 0xFFFFFFFF
        if not (seeded and 0 < left <= _MT_N and nxt <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        words = np.frombuffer(raw, dtype="<u8", count=_MT_N, offset=24).astype(np.uint32)
        _, ny, _, nvalid = struct.unpack_from("<dddi", raw, 5016)
        nf, fvalid = struct.unpack_from("<f?", raw, 5048)
        self._set_words(words, _MT_N if left == 1 else nxt)
        self._next_at_end = nxt if left == 1 else _MT_N
        self._seed = seed
        self._normal_double = ny if nvalid else None
        self._normal_float = nf if fvalid else None

    def _set_words(self, words, pos):
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": np.asarray(words, dtype=np.uint32), "pos": int(pos)}}

    # ------------------------------------------------------------------ raw draws
    def random_u32(self, n: int) -> np.ndarray:
        """n calls of ``CPUGeneratorImpl::random()`` (uint32)."""
        n = int(n)
        if n <= 0:
            return np.empty(0, np.uint32)
        self._next_at_end = _MT_N
        return self._gen.integers(0, 1 << 32, n, dtype=np.uint32)

    def random_u64(self, n: int) -> np.ndarray:
        """n calls of ``CPUGeneratorImpl::random64()``: ``(r1 << 32) | r2`` (uint64)."""
        n = int(n)
        if n <= 0:
            return np.empty(0, np.uint64)
        self._next_at_end = _MT_N
        return self._gen.integers(0, 1 << 64, n, dtype=np.uint64, endpoint=False)

    def _unit_double(self, n):
        """uniform_real_distribution<double>(0, 1): 53 low bits of random64 / 2**53."""
        return (self.random_u64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53

    def _unit_float(self, n):
        """uniform_real_distribution<float>(0, 1): 24 low bits of random() / 2**24."""
        return (self.random_u32(n) & np.uint32(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)

    # ------------------------------------------------------------------ uniform / integers
    def uniform(self, n: int, low: float = 0.0, high: float = 1.0, dtype=np.float32) -> np.ndarray:
        """``uniform_kernel``: ``fma(x, to - from, from)``; a value that rounds to ``to`` becomes ``from``."""
        kind = _kind(dtype)
        if kind not in _FLOAT_DIGITS:
            raise TypeError(f"uniform_ expects a floating dtype, got {kind}")
        if kind == "float64":
            lo, hi = float(low), float(high)
            v = self._unit_double(n)
            if not (lo == 0.0 and hi == 1.0):
                v = _k.fma64(v, hi - lo, lo)
                v[v >= hi] = lo
            return v
        lo, hi = np.float32(low), np.float32(high)
        v = self._unit_float(n)
        if not (lo == 0 and hi == 1):
            t = np.empty(v.shape, np.float64)
            _k.fma32(v, hi - lo, lo, v, t)
        v = _cast_from_float(v, kind)
        top = _cast_from_float(np.array([hi], np.float32), kind)[0]
        if v.size and not (lo == 0 and hi == 1 and kind == "float32"):
            v[v >= top] = _cast_from_float(np.array([lo], np.float32), kind)[0]
        return v

    def random_int(self, n: int, low: int, high: int, dtype=np.int64) -> np.ndarray:
        """``random_from_to_kernel`` (randint / ``random_(from, to)``), ``high`` exclusive.

        ``(draw % (high - low)) + low`` with one ``random()`` per element, or one ``random64()``
        when the range is >= 2**28.  ``random_(from)`` with no ``to`` is ``high = max + 1`` of the
        dtype (2**digits + 1 for floats); ``low=-2**63, high=2**63`` is the full 64-bit kernel.
        """
        kind = _kind(dtype)
        rng = int(high) - int(low)
        if rng <= 0 or rng > 1 << 64:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        if rng == 1 << 64:                      # random_full_64_bits_range_kernel: the raw bits
            return _cast_from_int64(self.random_u64(n).view(np.int64), kind)
        if rng >= 1 << 28:
            r = self.random_u64(n) % np.uint64(rng)
            r += np.uint64(int(low) & _MASK64)
            return _cast_from_int64(r.view(np.int64), kind)
        u = self.random_u32(n)
        q = u // np.uint32(rng)                 # draw % rng, as u - (u // rng) * rng: the division
        q *= np.uint32(rng)                     # by a scalar is vectorised, the remainder is not
        np.subtract(u, q, out=q)
        r = q.astype(np.int64)
        if low:
            r += int(low)                       # no overflow: high - low < 2**28 and high <= 2**63
        return _cast_from_int64(r, kind)

    def random_full(self, n: int, dtype=np.int64) -> np.ndarray:
        """``random_kernel`` (``random_()`` without bounds): [0, max] for ints, [0, 2**digits] for floats."""
        kind = _kind(dtype)
        if kind == "bool":
            return (self.random_u32(n) & np.uint32(1)).astype(bool)
        if kind in ("int64", "float64"):
            mod = (1 << 63) if kind == "int64" else (1 << 53) + 1
            return _cast_from_int64((self.random_u64(n) % np.uint64(mod)).view(np.int64), kind)
        mod = (1 << _FLOAT_DIGITS[kind]) + 1 if kind in _FLOAT_DIGITS else _INT_MAX[kind] + 1
        return _cast_from_int64((self.random_u32(n) % np.uint32(mod)).astype(np.int64), kind)

    def randperm(self, n: int, dtype=np.int64) -> np.ndarray:
        """``randperm_cpu``: swap ``a[i]`` with ``a[i + random() % (n - i)]`` for i < n - 1 (small n);
        for n >= 2**32 / 20 the inside-out shuffle with ``random64() % (i + 1)``."""
        kind = _kind(dtype)
        n = int(n)
        if n < 0:
            raise RuntimeError(f"n must be non-negative, got{n}")
        idx = np.arange(n, dtype=np.int64)
        if n < _RANDPERM_SMALL:
            if n <= 1:
                return _cast_from_int64(idx, kind)
            j = idx.copy()
            j[:-1] += (self.random_u32(n - 1) % (n - idx[:-1]).astype(np.uint32)).astype(np.int64)
            perm = _k.swap_shuffle(j)
        else:
            z = (self.random_u64(n) % (idx + 1).astype(np.uint64)).astype(np.int64)
            perm = _k.inside_out_shuffle(z)
        return _cast_from_int64(perm, kind)

    # ------------------------------------------------------------------ normal family
    def _normal_scalar(self, n, mean, std):
        """``normal_distribution<double>`` n times (float64), using and refilling the sample cache.

        Box-Muller: u1 -> angle 2*pi*u1, u2 -> radius sqrt(-2 log1p(-u2)); returns r*cos and caches
        r*sin for the next call.  Each sample is ``val * std + mean`` (contracted to an FMA).
        """
        vals = []
        if n > 0 and self._normal_double is not None:
            vals.append(np.array([self._normal_double]))
            self._normal_double = None
            n -= 1
        if n > 0:
            pairs = (n + 1) // 2
            u = self._unit_double(2 * pairs).reshape(pairs, 2)
            r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
            theta = 2.0 * math.pi * u[:, 0]
            both = np.empty((pairs, 2))
            both[:, 0] = r * np.cos(theta)
            both[:, 1] = r * np.sin(theta)
            flat = both.reshape(-1)
            if n % 2:
                self._normal_double = float(flat[n])
            vals.append(flat[:n])
        v = np.concatenate(vals) if vals else np.empty(0)
        return _k.fma64(v, float(std), float(mean))

    def normal(self, n: int, mean: float = 0.0, std: float = 1.0, dtype=np.float32,
               contiguous: bool = True) -> np.ndarray:
        """``normal_kernel``: >= 16 contiguous elements -> ``normal_fill`` (blocks of 16, the AVX2 kernel
        for float32/float16/bfloat16), else the scalar ``normal_distribution<double>`` path."""
        kind = _kind(dtype)
        if kind not in _FLOAT_DIGITS:
            raise TypeError(f"normal_ expects a floating dtype, got {kind}")
        n = int(n)
        if n < 16 or not contiguous:
            return _cast_from_double(self._normal_scalar(n, mean, std), kind)
        nb, tail = divmod(n, 16)
        if kind == "float64":
            u = self._unit_double(n)[:16 * nb]
            if tail:
                u = np.concatenate([u, self._unit_double(16)])
            return _normal_fill(u, n, float(mean), float(std), np.float64)
        if not self.avx2:
            u = self._unit_float(n if kind == "float32" else 16 * nb)[:16 * nb]
            if tail:
                u = np.concatenate([u, self._unit_float(16)])
            return _cast_from_float(_normal_fill(u, n, mean, std, np.float32), kind)
        out = np.empty(n, np.float32)
        _k.normal_avx2(self.random_u32, nb, mean, std, out[:16 * nb].reshape(nb, 16))
        if tail:
            if kind == "float32":       # float32 pre-fills all n uniforms; the others only full blocks
                self.random_u32(tail)
            last = np.empty((1, 16), np.float32)
            _k.normal_avx2(self.random_u32, 1, mean, std, last)
            out[n - 16:] = last[0]
        return _cast_from_float(out, kind)

    def normal_tensor(self, mean, std, dtype=np.float32) -> np.ndarray:
        """``normal(Tensor mean, Tensor std)`` and mixed overloads (``normal_out_impl``).

        Tensor/Tensor and float/Tensor: ``normal_(0, 1)`` on the broadcast output, then ``mul_(std)``
        and ``add_(mean)`` as separate roundings; Tensor/float: ``normal_(0, std)`` then ``add_(mean)``.
        """
        kind = _kind(dtype)
        nd = _NP[kind]
        m_arr, s_arr = isinstance(mean, np.ndarray), isinstance(std, np.ndarray)
        shape = np.broadcast_shapes(np.shape(mean), np.shape(std))
        size = int(np.prod(shape))
        if m_arr and not s_arr:
            out = self.normal(size, 0.0, float(std), kind).reshape(shape)
            return (out + np.asarray(mean).astype(nd)).astype(nd)
        out = self.normal(size, 0.0, 1.0, kind).reshape(shape)
        out = (out * np.asarray(std).astype(nd)).astype(nd)
        return (out + np.asarray(mean).astype(nd)).astype(nd)

    def log_normal(self, n: int, mean: float = 1.0, std: float = 2.0, dtype=np.float32) -> np.ndarray:
        """``log_normal_kernel``: ``exp(normal_distribution<double>(mean, std))`` (shares the cache)."""
        return _cast_from_double(np.exp(self._normal_scalar(int(n), mean, std)), _kind(dtype))

    # ------------------------------------------------------------------ other distributions
    def exponential(self, n: int, lambd: float = 1.0, dtype=np.float32) -> np.ndarray:
        """``exponential_kernel`` (default CPU path): ``-1/lambda * log1p(-u)`` with a 53-bit u."""
        u = self._unit_double(int(n))
        with np.errstate(divide="ignore"):
            v = (-1.0 / float(lambd)) * np.log1p(-u)
        return _cast_from_double(v, _kind(dtype))

    def geometric(self, n: int, p: float, dtype=np.float32) -> np.ndarray:
        """``geometric_kernel``: ``ceil(log(u) / log1p(-p))`` with a 53-bit u."""
        u = self._unit_double(int(n))
        with np.errstate(divide="ignore"):
            v = np.ceil(np.log(u) / np.log1p(-float(p)))
        return _cast_from_double(v, _kind(dtype))

    def cauchy(self, n: int, median: float = 0.0, sigma: float = 1.0, dtype=np.float32) -> np.ndarray:
        """``cauchy_kernel``: ``median + sigma * tan(pi * (u - 0.5))`` with a 53-bit u."""
        u = self._unit_double(int(n))
        v = _k.fma64(float(sigma), np.tan(math.pi * (u - 0.5)), float(median))
        return _cast_from_double(v, _kind(dtype))

    def bernoulli_scalar(self, n: int, p: float, dtype=np.float32) -> np.ndarray:
        """``bernoulli_(float p)``: ``u < p`` with a 53-bit u per element (torch 2.13 takes this
        default path on every CPU vendor; the MKL branch of older releases is gone)."""
        return _cast_from_int64((self._unit_double(int(n)) < float(p)).astype(np.int64), _kind(dtype))

    def bernoulli_tensor(self, p: np.ndarray, dtype=None) -> np.ndarray:
        """``bernoulli_(Tensor p)`` / ``bernoulli(p)``: per element ``u < p``; float64 ``p`` draws a
        53-bit double, other float ``p`` a 24-bit float.  ``p`` must already be broadcast to the
        output shape (C order); the result has ``p``'s shape and ``dtype`` (default: ``p``'s)."""
        p = np.asarray(p)
        kind = _kind(p.dtype if dtype is None else dtype)
        if p.dtype == np.float64:
            draw = self._unit_double(p.size) < p.reshape(-1)
        else:
            draw = self._unit_float(p.size) < p.reshape(-1).astype(np.float32)
        return _cast_from_int64(draw.astype(np.int64), kind).reshape(p.shape)

    def multinomial(self, probs: np.ndarray, num_samples: int, replacement: bool = False) -> np.ndarray:
        """``multinomial``: without replacement (or one sample) ``argmax``/``topk`` of
        ``probs / q`` with ``q = exponential_(1)`` drawn in ``probs``' dtype; with replacement, per row
        a normalised running sum and a 53-bit uniform per sample, searched left-most."""
        probs = np.asarray(probs)
        kind = _kind(probs.dtype)
        rows = probs.reshape(-1, probs.shape[-1]) if probs.ndim else probs.reshape(1, 1)
        k = int(num_samples)
        if not replacement or k == 1:
            q = self.exponential(rows.size, 1.0, kind).reshape(rows.shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (rows / q).astype(rows.dtype)
            if k == 1:
                res = np.argmax(score, axis=-1)[:, None]
            else:
                res = np.argsort(-score, axis=-1, kind="stable")[:, :k]
        else:
            acc = rows.dtype if rows.dtype in (np.float32, np.float64) else np.float32
            cum = np.cumsum(rows.astype(acc), axis=-1, dtype=acc)
            cum = (cum / cum[:, -1:]).astype(acc)
            cum[:, -1] = 1
            u = self._unit_double(rows.shape[0] * k).reshape(rows.shape[0], k)
            res = _count_below(cum.astype(np.float64), u)
        res = res.astype(np.int64)
        return res.reshape(k) if probs.ndim == 1 else res


# ---------------------------------------------------------------------- helpers
def _count_below(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per row, how many ``cum`` entries are < each ``u`` (= left-most binary search on a sorted
    row), for all rows at once: one lexsort over (row, value, kind)."""
    rows, ncat = cum.shape
    k = u.shape[1]
    vals = np.concatenate([cum.reshape(-1), u.reshape(-1)])
    row = np.concatenate([np.repeat(np.arange(rows), ncat), np.repeat(np.arange(rows), k)])
    is_cum = np.concatenate([np.ones(rows * ncat, np.int64), np.zeros(rows * k, np.int64)])
    order = np.lexsort((is_cum, vals, row))          # ties: the sample sorts before an equal cum
    below = np.cumsum(is_cum[order]) - is_cum[order]  # cum entries strictly before, overall
    pos = np.empty_like(order)
    pos[order] = np.arange(order.shape[0])
    res = below[pos[rows * ncat:]] - np.repeat(np.arange(rows) * ncat, k)
    return res.reshape(rows, k)


def _init_genrand(seed: int) -> np.ndarray:
    key = [seed & 0xFFFFFFFF]
    for i in range(1, _MT_N):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _has_avx2() -> bool:
    """Whether torch would dispatch its AVX2 (or AVX-512) kernels: ATEN_CPU_CAPABILITY, then cpuinfo."""
    cap = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
    if cap in ("default", "none"):
        return False
    if cap in ("avx2", "avx512"):
        return True
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = line.split()
                    return "avx2" in flags and "fma" in flags
    except OSError:
        pass
    import platform
    return platform.machine().lower() in ("x86_64", "amd64")


def _normal_fill(u: np.ndarray, n: int, mean, std, ftype) -> np.ndarray:
    """``normal_fill<scalar_t>`` without AVX2: ``u`` holds the uniforms of the full blocks followed by
    the 16 fresh ones of the overlapping last block; per block u1 = 1 - u[j] (radius), u2 = u[j + 8]
    (angle ``(scalar_t)(2.0f * pi<double> * u2)``), std::log/cos/sin in ``ftype``."""
    blocks = u.reshape(-1, 16)
    nb = n // 16
    if ftype is np.float64:
        radius = np.sqrt(-2.0 * np.log(1.0 - blocks[:, :8]))
        theta = (2.0 * math.pi) * blocks[:, 8:]
        res = np.empty_like(blocks)
        res[:, :8] = _k.fma64(radius * np.cos(theta), std, mean)
        res[:, 8:] = _k.fma64(radius * np.sin(theta), std, mean)
    else:
        one32 = np.float32(1)
        u1 = (one32 - blocks[:, :8]).astype(np.float64)
        radius = np.sqrt(np.float32(-2) * np.log(u1).astype(np.float32))
        theta = ((2.0 * math.pi) * blocks[:, 8:].astype(np.float64)).astype(np.float32).astype(np.float64)
        res = np.empty(blocks.shape, np.float32)
        res[:, :8] = radius * np.cos(theta).astype(np.float32) * np.float32(std) + np.float32(mean)
        res[:, 8:] = radius * np.sin(theta).astype(np.float32) * np.float32(std) + np.float32(mean)
    out = np.empty(n, ftype)
    out[:16 * nb] = res[:nb].reshape(-1)
    if n % 16:
        out[n - 16:] = res[nb]
    return out
