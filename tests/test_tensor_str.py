"""ember._tensor_str.format_tensor must equal repr(torch tensor) character for character."""

import importlib
import importlib.util
import pathlib
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

try:
    ts = importlib.import_module("ember._tensor_str")
except Exception:  # ember/__init__ may be mid-rewrite; the module itself is standalone
    _path = pathlib.Path(__file__).resolve().parents[1] / "ember" / "_tensor_str.py"
    _spec = importlib.util.spec_from_file_location("_ember_tensor_str", _path)
    ts = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = ts
    _spec.loader.exec_module(ts)

format_tensor = ts.format_tensor


@pytest.fixture(autouse=True)
def _reset_printoptions():
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def _name(t):
    return str(t.dtype).replace("torch.", "")


def check(a, dtype=None):
    """Compare against torch for numpy array ``a`` (optionally cast to torch ``dtype``)."""
    t = torch.from_numpy(np.ascontiguousarray(a))
    if dtype is not None:
        t = t.to(dtype)
    if t.dtype == torch.bfloat16:
        arr = t.float().numpy()
    else:
        arr = t.numpy()
    got = format_tensor(arr, _name(t), _name(torch.empty(0)))
    assert got == repr(t), f"\nember:\n{got}\ntorch:\n{t!r}"


def both(**kw):
    torch.set_printoptions(**kw)
    ts.set_printoptions(**kw)


rng = np.random.default_rng(0)


@pytest.mark.parametrize("scale", [1e-10, 1e-5, 1e-3, 1e-1, 1, 10, 1e3, 1e5, 1e8, 1e12])
@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 4), (2, 3, 4), (2, 1, 2, 3)])
def test_random_normal(scale, shape):
    a = (rng.standard_normal(shape) * scale)
    check(a.astype(np.float32))
    check(a.astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtypes_misc(dtype):
    cases = [
        [1.0, 2.0, 3.0], [-1.0, 0.0, 1e5], [0.0, -0.0], [-0.0], [0.5, -0.0, 2],
        [np.nan, 1.0, np.inf, -np.inf], [np.nan], [np.inf, -np.inf], [0.0, np.nan],
        [1.5, np.nan, -np.inf, 0.0], [1e-10, 123456789.0, 1.0], [1e8, 1.0], [1e9, 1.0],
        [1e-4, 1.0], [9.99999, 0.1], [0.00011, 0.1], [100.0, 0.1], [1000.0, 0.5], [65504, -1],
        [123.456, -7.25, 1e-3], [3.0], [-2.5], [0.0], [1e300, 1e-300], [5e-324, 1.0],
    ]
    for c in cases:
        a = np.array(c, dtype=np.float64)
        if dtype != np.float64:
            with np.errstate(over="ignore", under="ignore"):
                a = a.astype(dtype)
        check(a)
        if a.size > 0:
            check(np.array(a[0]))


def test_scalars():
    for v in [3.0, -3.0, 0.5, 1e-7, 1e10, np.nan, -np.inf, 0.0, -0.0, 1234.5678]:
        check(np.array(v, dtype=np.float32))
        check(np.array(v, dtype=np.float64))
    for v, d in [(5, np.int64), (-3, np.int8), (200, np.uint8), (7, np.int32), (True, np.bool_)]:
        check(np.array(v, dtype=d))


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("shape", [(), (5,), (4, 6), (3, 2, 5), (40,), (2000,), (30, 50)])
def test_int_dtypes(dtype, shape):
    if dtype == np.bool_:
        a = rng.integers(0, 2, shape).astype(bool)
    else:
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -(10**12)), min(info.max, 10**12)
        a = rng.integers(lo, hi, shape, endpoint=True).astype(dtype)
    check(a)
    check(np.ones(shape, dtype=dtype))
    if shape:
        a = np.zeros(shape, dtype=dtype)
        a.flat[0] = np.iinfo(dtype).min if dtype != np.bool_ else False
        check(a)


def test_integral_floats():
    check(np.arange(10, dtype=np.float32))
    check(np.arange(-5, 5, dtype=np.float64).reshape(2, 5))
    check(np.array([1e7, 2.0, -3.0], dtype=np.float32))
    check(np.array([1e8, 2.0, -3.0], dtype=np.float64))
    check(np.array([1e9, 2.0], dtype=np.float64))
    check(np.array([1.0, np.nan, np.inf], dtype=np.float32))


@pytest.mark.parametrize("shape", [(2000,), (1001,), (40, 40), (5, 6, 7, 8), (10, 10, 11), (3, 400)])
def test_summarized(shape):
    a = rng.standard_normal(shape).astype(np.float32)
    check(a)
    check((a * 1e6).astype(np.float64))
    check(np.arange(np.prod(shape), dtype=np.int64).reshape(shape))
    b = a.copy()
    b.flat[500] = 1e-9  # hidden value does not influence the formatter
    check(b)


def test_wrapping():
    check(rng.standard_normal(100).astype(np.float32))
    check(rng.standard_normal((3, 50)).astype(np.float64) * 1e4)
    check(rng.standard_normal((2, 2, 30)).astype(np.float32) * 1e-6)
    check(np.arange(300, dtype=np.int64).reshape(3, 100))
    check(np.arange(50, dtype=np.float32) - 25)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 3), (3, 0), (1, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.bool_, np.uint8])
def test_empty(shape, dtype):
    check(np.zeros(shape, dtype=dtype))


def test_bfloat16():
    for scale in [1e-6, 1e-2, 1, 1e3, 1e9]:
        check((rng.standard_normal((3, 5)) * scale).astype(np.float32), torch.bfloat16)
    check(np.array([1.0, 2.0, np.nan, -np.inf], dtype=np.float32), torch.bfloat16)
    check(np.array(3.14159, dtype=np.float32), torch.bfloat16)
    check(np.zeros((0, 2), dtype=np.float32), torch.bfloat16)
    check(rng.standard_normal(1500).astype(np.float32), torch.bfloat16)


def test_complex():
    z = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)))
    check(z.astype(np.complex64))
    check(z.astype(np.complex128) * 1e5)
    check(np.array([1 + 0j, -0.0 - 2j, np.nan + 1j], dtype=np.complex64))
    check(np.array(1 - 1j, dtype=np.complex128))


def test_printoptions():
    a = (rng.standard_normal((4, 30)) * 100).astype(np.float32)
    small = np.array([0.001234, 5.0, 1e-3], dtype=np.float32)
    for kw in [dict(precision=2), dict(precision=0), dict(precision=8), dict(sci_mode=True),
               dict(sci_mode=False), dict(linewidth=40), dict(linewidth=200),
               dict(threshold=5), dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=0),
               dict(profile="short"), dict(profile="full"), dict(profile="full", linewidth=120)]:
        both(**kw)
        check(a)
        check(small)
        check(np.array([1.0, 2.0, 1e-12], dtype=np.float64))
        check(np.arange(20, dtype=np.int64))
        check(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
        check(np.array(2.5, dtype=np.float32))
        check(np.zeros((0, 3), dtype=np.float32))
        both(profile="default")
    both(profile="full")
    check(rng.standard_normal(1500).astype(np.float32))
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    with ts.printoptions(precision=1):
        assert ts.get_printoptions()["precision"] == 1
    assert ts.get_printoptions()["precision"] == 4


def test_default_dtype_float64():
    torch.set_default_dtype(torch.float64)
    for a in [np.ones(3, np.float32), np.ones(3, np.float64), np.zeros((0,), np.float64),
              np.zeros((0,), np.float32), np.array([1 + 1j], np.complex128),
              np.array([1 + 1j], np.complex64), np.ones(2, np.int32), np.ones(2, np.float16)]:
        check(a)


def _oracle_suffix(t, kind):
    if kind == "leaf":
        return t.requires_grad_(), ["requires_grad=True"]
    x = t.requires_grad_()
    return x * 2, ["grad_fn=<MulBackward0>"]


@pytest.mark.parametrize("kind", ["leaf", "mul"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_suffixes(kind, dtype):
    arrays = [np.array([1.5, 2.0]), np.arange(25.0).reshape(5, 5) / 3, np.array(7.0),
              rng.standard_normal(19), np.arange(16.0) * 1e5, np.zeros((0, 2))]
    for a in arrays:
        t, sfx = _oracle_suffix(torch.tensor(a, dtype=dtype), kind)
        got = format_tensor(t.detach().numpy(), _name(t), suffixes=sfx)
        assert got == repr(t), f"\n{got}\n{t!r}"


def test_parameter_prefix():
    p = torch.nn.Parameter(torch.arange(6.0, dtype=torch.float64).reshape(2, 3) / 7)
    got = format_tensor(p.detach().numpy(), "float64", prefix="Parameter containing:\ntensor(",
                        suffixes=["requires_grad=True"])
    assert got == repr(p)


def test_device_suffix():
    s = format_tensor(np.ones(2, np.float32), "float32", device="cuda:0")
    assert s == "tensor([1., 1.], device='cuda:0')"
    assert format_tensor(np.ones(2, np.float32), "float32", device="cpu") == "tensor([1., 1.])"


_float_elems = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-5, 1e8, 123456789.0, 0.5]),
)


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
                  elements=_float_elems))
def test_property_float32(a):
    check(a)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=8),
                  elements=st.floats(-1e12, 1e12, allow_nan=False)),
       st.integers(0, 6), st.sampled_from([None, True, False]), st.integers(20, 100))
def test_property_options(a, precision, sci_mode, linewidth):
    both(precision=precision, sci_mode=sci_mode, linewidth=linewidth)
    check(a)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]),
                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7)))
def test_property_ints(a):
    check(a)


def test_suffix_wrap_boundaries():
    for n in range(1, 40):
        for scale in (1.0, 1e-3, 1e6):
            t = (torch.arange(n, dtype=torch.float32) * scale + 0.25).requires_grad_()
            for out, sfx in [(t, ["requires_grad=True"]), (t + 1, ["grad_fn=<AddBackward0>"])]:
                got = format_tensor(out.detach().numpy(), "float32", suffixes=sfx)
                assert got == repr(out)
            t64 = t.detach().double().requires_grad_()
            got = format_tensor(t64.detach().numpy(), "float64", suffixes=["requires_grad=True"])
            assert got == repr(t64)


def test_edge_cases():
    check(np.array([9.99995, 0.5], dtype=np.float64))
    check(np.array([9.99994999, -99.99996], dtype=np.float64))
    check(np.array([-0.0, 1.0, -2.0], dtype=np.float32))
    check(np.array([65504.0, -65504.0, 6e-8], dtype=np.float16))
    check(np.array([1e-45, 3.4e38], dtype=np.float32))
    check(np.array([np.nan, -0.0, 0.0, np.inf], dtype=np.float32))
    for kw in [dict(linewidth=5), dict(linewidth=10), dict(threshold=0), dict(threshold=0, edgeitems=0),
               dict(sci_mode=True), dict(sci_mode=False), dict(precision=0, sci_mode=True)]:
        both(**kw)
        check(np.array([1.0, 200.0, -3.0], dtype=np.float32))
        check(np.array([1e-20, 1e20], dtype=np.float64))
        check(np.array(7.0, dtype=np.float32))
        check(np.arange(30, dtype=np.int16).reshape(5, 6))
        check(rng.standard_normal((3, 4, 5)).astype(np.float32))
        check(np.array([np.nan, 0.0], dtype=np.float32))
        both(profile="default")
