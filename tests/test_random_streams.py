"""ember's CPURandomState against torch's CPU generator (torch is the oracle here only)."""
from __future__ import annotations

import importlib.util
import math
import pathlib
import sys
import types

import numpy as np
import pytest
import torch


def _load():
    try:
        from ember._backend import _cpu_random
        return _cpu_random
    except Exception:  # ember's package may be mid-edit; these two files stand alone
        root = pathlib.Path(__file__).resolve().parents[1] / "ember" / "_backend"
        pkg = types.ModuleType("_ember_rng_standalone")
        pkg.__path__ = [str(root)]
        sys.modules[pkg.__name__] = pkg
        for name in ("_random_kernels", "_cpu_random"):
            spec = importlib.util.spec_from_file_location(f"{pkg.__name__}.{name}", root / f"{name}.py")
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod
            spec.loader.exec_module(mod)
        return sys.modules[f"{pkg.__name__}._cpu_random"]


R = _load()
K = sys.modules[R.__name__.rsplit(".", 1)[0] + "._random_kernels"]

SEEDS = [0, 1, 42, 2 ** 31 + 5, 123456789]
SIZES = [1, 2, 7, 15, 16, 17, 31, 33, 1000, 100003]
TDT = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
       "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
       "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool}


def pair(seed):
    torch.manual_seed(seed)
    return R.CPURandomState(seed)


def as_np(t):
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.float() if t.dtype == torch.bfloat16 else t
    return t.numpy()


def ulps(a, b):
    """Largest distance in units in the last place between two float arrays of the same dtype."""
    a, b = np.asarray(a), np.asarray(b)
    it = np.int64 if a.dtype == np.float64 else np.int32
    ai, bi = a.view(it).astype(np.int64), b.view(it).astype(np.int64)
    top = np.int64(np.iinfo(it).min)
    ai = np.where(ai < 0, top - ai, ai)
    bi = np.where(bi < 0, top - bi, bi)
    return int(np.abs(ai - bi).max()) if a.size else 0


def same(ours, theirs):
    theirs = as_np(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.astype(theirs.dtype), theirs, equal_nan=theirs.dtype.kind == "f")


def states_equal(st):
    """Same bytes, except the cached double normal (glibc vs NumPy sin/log1p: within a few ulp)."""
    ours, theirs = st.get_state(), torch.get_rng_state().numpy()
    y = slice(5024, 5032)
    assert np.array_equal(np.delete(ours, np.r_[y]), np.delete(theirs, np.r_[y]))
    assert ulps(ours[y].view(np.float64), theirs[y].view(np.float64)) <= 4


# ----------------------------------------------------------------------------- seeding and raw draws
@pytest.mark.parametrize("seed", SEEDS + [-1, -5, 2 ** 32 + 7, 2 ** 63, 2 ** 64 - 1])
def test_manual_seed_and_raw_draws(seed):
    st = pair(seed)
    assert st.initial_seed() == torch.initial_seed()
    states_equal(st)
    u = st.random_u32(5)
    same(((u & 0xFFFFFF).astype(np.float32) / 2 ** 24), torch.rand(5))
    v = st.random_u64(3)
    same((v & ((1 << 53) - 1)).astype(np.float64) / 2 ** 53, torch.rand(3, dtype=torch.float64))
    states_equal(st)


def test_seed_overflow_and_nondeterministic_seed():
    st = R.CPURandomState()
    assert st.initial_seed() == R.DEFAULT_SEED
    with pytest.raises(RuntimeError):
        st.manual_seed(2 ** 64)
    s = st.seed()
    assert 0 <= s < 2 ** 64 and st.initial_seed() == s
    a = st.uniform(10)
    st.manual_seed(s)
    assert np.array_equal(a, st.uniform(10))


# ----------------------------------------------------------------------------- uniform
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (-3.7, 11.3), (1000.0, 1000.001), (2.5, 1000.3)])
def test_uniform(seed, dtype, lo, hi):
    st = pair(seed)
    for n in (1, 33, 100003):
        same(st.uniform(n, lo, hi, dtype), torch.empty(n, dtype=TDT[dtype]).uniform_(lo, hi))
    states_equal(st)


def test_uniform_noncontiguous_fill_order():
    st = pair(3)
    base = torch.empty(5, 7)
    base.t().uniform_()               # TensorIterator walks memory order: same as the base's C order
    same(st.uniform(35).reshape(5, 7), base)


# ----------------------------------------------------------------------------- normal
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_randn_float32_bit_exact(seed, n):
    st = pair(seed)
    same(st.normal(n), torch.randn(n))
    same(st.normal(n, 0.7, 2.3), torch.empty(n).normal_(0.7, 2.3))
    states_equal(st)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("n", SIZES)
def test_randn_reduced_floats(seed, dtype, n):
    st = pair(seed)
    same(st.normal(n, 0.5, 2.0, dtype), torch.empty(n, dtype=TDT[dtype]).normal_(0.5, 2.0))
    states_equal(st)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_randn_float64_within_ulps(seed, n):
    st = pair(seed)
    ours, theirs = st.normal(n, 0.25, 1.5, "float64"), torch.empty(n, dtype=torch.float64).normal_(0.25, 1.5)
    # numpy's log/cos/sin/log1p vs glibc's: an ulp or two before the (cancelling) + mean
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-15, atol=1e-15)
    states_equal(st)


def test_normal_interleaved_cache_and_position():
    st = pair(7)
    for step in range(3):
        same(st.normal(5), torch.randn(5))             # scalar path: leaves a cached sample
        same(st.normal(100), torch.randn(100))         # block path: cache untouched
        same(st.uniform(3), torch.rand(3))
        same(st.normal(3), torch.randn(3))             # uses the cache first
        same(st.normal(1), torch.randn(1))
        same(st.log_normal(3, 0.1, 0.2), torch.empty(3).log_normal_(0.1, 0.2))
        same(st.normal(17, 1.0, 3.0), torch.empty(17).normal_(1.0, 3.0))
        states_equal(st)


def test_normal_noncontiguous_uses_scalar_path():
    st = pair(11)
    base = torch.empty(4, 8)
    base.t().normal_()
    same(st.normal(32, contiguous=False).reshape(4, 8), base)
    states_equal(st)


def test_normal_tensor_overloads():
    st = pair(5)
    mean = np.linspace(-1, 1, 40, dtype=np.float32).reshape(5, 8)
    std = np.linspace(0.1, 2, 8, dtype=np.float32)
    same(st.normal_tensor(mean, std), torch.normal(torch.from_numpy(mean), torch.from_numpy(std)))
    same(st.normal_tensor(mean, 2.0), torch.normal(torch.from_numpy(mean), 2.0))
    same(st.normal_tensor(0.5, std), torch.normal(0.5, torch.from_numpy(std)))
    states_equal(st)


# ----------------------------------------------------------------------------- integers
RANGES = [(0, 2), (-5, 17), (0, 2 ** 28 - 1), (0, 2 ** 28), (-7, 2 ** 31 - 7), (-2 ** 40, 2 ** 41),
          (-2 ** 63, 2 ** 63 - 1), (-2 ** 63, 2 ** 63)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32",
                                   "float64", "float16", "bfloat16"])
def test_random_from_to(seed, dtype):
    st = pair(seed)
    for lo, hi in RANGES:
        if dtype == "int64" and hi == 2 ** 63:
            ours, theirs = st.random_int(1000, lo, hi, dtype), torch.empty(1000, dtype=torch.int64).random_(lo, None)
            same(ours, theirs)
            continue
        t = TDT[dtype]
        lo_ok, hi_ok = ((0, 1) if t == torch.bool else
                        (-2 ** 63, 2 ** 63) if t.is_floating_point else (torch.iinfo(t).min, torch.iinfo(t).max))
        if hi > 2 ** 63 - 1 or lo < lo_ok or hi - 1 > hi_ok:
            continue
        if TDT[dtype].is_floating_point and hi - lo > 2 ** 24:
            continue
        same(st.random_int(1000, lo, hi, dtype), torch.empty(1000, dtype=TDT[dtype]).random_(lo, hi))
    states_equal(st)


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_int64_threshold(seed):
    st = pair(seed)
    for hi in (3, 2 ** 20, 2 ** 28 - 1, 2 ** 28, 2 ** 33):
        for n in (1, 7, 1000):
            same(st.random_int(n, -3, hi), torch.randint(-3, hi, (n,)))
    states_equal(st)


@pytest.mark.parametrize("dtype", list(TDT))
def test_random_full(dtype):
    st = pair(42)
    for n in (1, 17, 10000):
        same(st.random_full(n, dtype), torch.empty(n, dtype=TDT[dtype]).random_())
    states_equal(st)


def test_randperm_small_n_exhaustive_prefix():
    st = pair(0)
    for n in list(range(0, 200)) + [1000, 4097, 65536, 100000, 100003]:
        same(st.randperm(n), torch.randperm(n))
    states_equal(st)


@pytest.mark.parametrize("seed", SEEDS)
def test_randperm_dtypes(seed):
    st = pair(seed)
    for dtype in ("int64", "int32", "float32", "float64"):
        same(st.randperm(3000, dtype), torch.randperm(3000, dtype=TDT[dtype]))
    states_equal(st)


def test_shuffle_kernels_against_python_loops():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 257, 5000):
        j = np.arange(n) + (rng.integers(0, 2 ** 32, n) % (n - np.arange(n)))
        a = list(range(n))
        for i in range(n):
            a[i], a[j[i]] = a[j[i]], a[i]
        assert np.array_equal(K.swap_shuffle(j.astype(np.int64)), a)
        z = rng.integers(0, 2 ** 63, n) % (np.arange(n) + 1)
        b = [0] * n
        for i in range(n):
            b[i] = b[z[i]]
            b[z[i]] = i
        assert np.array_equal(K.inside_out_shuffle(z.astype(np.int64)), b)


# ----------------------------------------------------------------------------- other distributions
@pytest.mark.parametrize("seed", SEEDS)
def test_exponential_geometric_cauchy_lognormal(seed):
    st = pair(seed)
    for n in (1, 16, 1001):
        same(st.exponential(n, 1.5), torch.empty(n).exponential_(1.5))
        same(st.geometric(n, 0.3), torch.empty(n).geometric_(0.3))
        same(st.geometric(n, 0.3, "int64"), torch.empty(n, dtype=torch.int64).geometric_(0.3))
        same(st.cauchy(n, 1.0, 2.0), torch.empty(n).cauchy_(1.0, 2.0))
        same(st.log_normal(n, 0.5, 0.7), torch.empty(n).log_normal_(0.5, 0.7))
        same(st.exponential(n, 2.0, "float16"), torch.empty(n, dtype=torch.float16).exponential_(2.0))
        for fn, t in ((lambda: st.exponential(n, 1.5, "float64"), lambda: torch.empty(n, dtype=torch.float64).exponential_(1.5)),
                      (lambda: st.cauchy(n, 1.0, 2.0, "float64"), lambda: torch.empty(n, dtype=torch.float64).cauchy_(1.0, 2.0)),
                      (lambda: st.log_normal(n, 0.5, 0.7, "float64"), lambda: torch.empty(n, dtype=torch.float64).log_normal_(0.5, 0.7)),
                      (lambda: st.geometric(n, 0.3, "float64"), lambda: torch.empty(n, dtype=torch.float64).geometric_(0.3))):
            assert ulps(fn(), t().numpy()) <= 4      # glibc's log1p/tan/exp are not correctly rounded
        states_equal(st)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "bool", "int32", "float16", "bfloat16", "uint8"])
def test_bernoulli_scalar(seed, dtype):
    st = pair(seed)
    for n in (1, 33, 100003):
        same(st.bernoulli_scalar(n, 0.3, dtype), torch.empty(n, dtype=TDT[dtype]).bernoulli_(0.3))
    states_equal(st)


def test_dropout_mask_stream():
    st = pair(9)
    x = torch.ones(64, 33)
    y = torch.nn.functional.dropout(x, 0.25, training=True)
    mask = st.bernoulli_scalar(x.numel(), 0.75, "float32").reshape(64, 33)
    same(mask * np.float32(1 / 0.75), y)
    states_equal(st)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("pdtype", [np.float32, np.float64])
def test_bernoulli_tensor(seed, pdtype):
    st = pair(seed)
    p = np.random.default_rng(seed).random((17, 9)).astype(pdtype)
    same(st.bernoulli_tensor(p), torch.bernoulli(torch.from_numpy(p)))
    same(st.bernoulli_tensor(p, "float32"), torch.empty(17, 9).bernoulli_(torch.from_numpy(p)))
    states_equal(st)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("pdtype", [np.float32, np.float64])
def test_multinomial(seed, pdtype):
    st = pair(seed)
    rng = np.random.default_rng(seed)
    p2 = rng.random((6, 40)).astype(pdtype)
    p2[:, 3] = 0
    p1 = rng.random(25).astype(pdtype)
    for probs in (p1, p2):
        tp = torch.from_numpy(probs)
        same(st.multinomial(probs, 1, False), torch.multinomial(tp, 1, False))
        same(st.multinomial(probs, 1, True), torch.multinomial(tp, 1, True))
        same(st.multinomial(probs, 7, False), torch.multinomial(tp, 7, False))
        same(st.multinomial(probs, 300, True), torch.multinomial(tp, 300, True))
    states_equal(st)


# ----------------------------------------------------------------------------- get/set state
def test_state_roundtrip_both_directions():
    st = pair(2 ** 31 + 5)
    for draws in (0, 1, 623, 624, 625, 5000):
        st.random_u32(draws)
        torch.rand(draws)
        torch.randn(3)                                  # leaves a cached double normal
        st.normal(3)
        states_equal(st)
        saved = torch.get_rng_state()
        other = R.CPURandomState(1)
        other.set_state(saved.numpy())                  # torch -> ours
        same(other.normal(5), torch.randn(5))
        same(other.uniform(700), torch.rand(700))
        torch.set_rng_state(torch.from_numpy(st.get_state()))   # ours -> torch
        same(st.normal(1), torch.randn(1))
        same(st.normal(37), torch.randn(37))
        states_equal(st)
    fresh = R.CPURandomState(77)
    torch.set_rng_state(torch.from_numpy(fresh.get_state()))
    assert torch.initial_seed() == 77
    torch.manual_seed(77)
    states_equal(fresh)
    with pytest.raises(RuntimeError):
        fresh.set_state(np.zeros(10, np.uint8))


def test_float_normal_cache_layout_roundtrip():
    st = R.CPURandomState(3)
    st._normal_float = 1.25
    raw = st.get_state()
    other = R.CPURandomState(0)
    other.set_state(raw)
    assert other._normal_float == 1.25 and np.array_equal(other.get_state(), raw)
    torch.set_rng_state(torch.from_numpy(raw))
    assert np.array_equal(torch.get_rng_state().numpy(), raw)
