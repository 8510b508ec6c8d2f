"""OpInfos: reductions (sum, mean, prod, max/min, std/var, norm, ...) and scans."""
from __future__ import annotations

import numpy as np

from .core import ALL, FLOAT_INT, OpInfo, SampleInput

ALL_U8 = ALL + (np.uint8,)
INF = float("inf")


def _s(*args, **kwargs):
    return SampleInput(args, kwargs)


def reduce_samples(multi=True, empty=True, keepdim=True):
    """Full and per-dim reductions: 0-d, empty, negative dims, keepdim, non-contiguous."""
    def samples(make):
        yield _s(make(3, 4))
        yield _s(make(5), 0)
        yield _s(make(3, 4), 1)
        yield _s(make(2, 3, 4), -1)
        yield _s(make(3, 4, noncontig=True), 0)
        yield _s(make())
        yield _s(make(), 0)
        if keepdim:
            yield _s(make(3, 4), -2, keepdim=True)
            yield _s(make(3, 4), None, True) if multi else _s(make(3, 4), 0, True)
        if multi:
            yield _s(make(2, 3, 4), (0, 2))
            yield _s(make(2, 3, 4), [-1, 0], keepdim=True)
            yield _s(make(2, 3, 4, noncontig=True), (1, 2))
            yield _s(make(3, 4), ())
        if empty:  # some raise in torch (max of empty): no grad checks
            yield SampleInput((make(0, 3),), grad=False)
            yield SampleInput((make(0, 3), 1), grad=False)
            yield SampleInput((make(0, 3), 0), grad=False)
        yield SampleInput((make(3, 4), 2), grad=False)  # out of range: IndexError like torch
    return samples


def dim_samples(empty=True):
    """Reductions that need one int dim (max(dim), median(dim), mode, cumsum, ...)."""
    def samples(make):
        yield _s(make(3, 4), 1)
        yield _s(make(5), 0)
        yield _s(make(2, 3, 4), -2)
        yield _s(make(3, 4), 0, True)
        yield _s(make(3, 4, noncontig=True), -1)
        yield _s(make(), 0)
        if empty:
            yield SampleInput((make(0, 3), 1), grad=False)
            yield SampleInput((make(0, 3), 0), grad=False)
        yield SampleInput((make(3, 4), -3), grad=False)
    return samples


def _ties(make):
    base = np.array([[1, 3, 3, 0], [2, 2, -1, 2], [5, 5, 5, 5]])
    yield _s(base.astype(make.dtype))
    yield _s(base.astype(make.dtype), 1)
    yield _s(base.astype(make.dtype), 0, True)


def _with_zeros(make):
    a = make(3, 5)
    a[0, 1] = 0          # one zero in row 0
    a[1, 0] = a[1, 3] = 0  # two zeros in row 1
    yield _s(a)
    yield _s(a, 1)
    yield _s(a, 0)
    yield _s(a, -1, True)
    b = make(4)
    b[2] = 0
    yield _s(b)
    yield _s(b, 0)


def _with_nans(make):
    if make.dtype.kind != "f":
        return
    a = make(3, 5)
    a[0, 1] = a[2, 2] = a[2, 4] = np.nan
    yield _s(a)
    yield _s(a, 1)
    yield _s(a, (0, 1), keepdim=True)
    yield _s(make(0, 2))
    b = make(4)
    b[:] = np.nan
    yield _s(b, 0)


def _nan_rows(make):
    if make.dtype.kind == "f":
        yield _s(np.array([[1, np.nan, 3, np.nan], [2, 1, 0, 5], [np.nan] * 4], make.dtype), 1)


def _rounded(make):
    rng = np.random.default_rng(1)
    for shape, dim in (((4, 7), 1), ((6, 3), 0), ((9,), 0), ((2, 3, 5), -1)):
        yield _s(rng.integers(0, 4, size=shape).astype(make.dtype), dim)
    yield _s(rng.integers(0, 4, size=(3, 6)).astype(make.dtype), 1, True)


def _median_all(make):
    yield _s(make(3, 4))
    yield _s(make(7))
    yield _s(make())
    if make.dtype.kind == "f":  # torch returns garbage for empty integer input
        yield _s(make(0, 2))
    a = make(3, 5)
    a[1, 1] = np.nan if make.dtype.kind == "f" else 0
    yield SampleInput((a,), grad=False)


def _var_samples(make):
    yield _s(make(3, 4))
    yield _s(make(3, 4), 1)
    yield _s(make(2, 3, 4), (0, 2), keepdim=True)
    yield _s(make(3, 4), 0, False)            # the (dim, unbiased) overload
    yield _s(make(3, 4), False)               # the (unbiased) overload
    yield _s(make(3, 4), 1, True, True)       # (dim, unbiased, keepdim)
    yield _s(make(3, 4), -1, correction=0)
    yield _s(make(3, 4), 0, correction=2, keepdim=True)
    yield _s(make(5, 4, noncontig=True), 0)
    yield _s(make(6), None, correction=0.5)
    yield SampleInput((make(3, 4), 2), grad=False)


def _norm_samples(make):
    for p in ("fro", 2, 1, 3, 1.5, 0.5, INF, -INF, 0):
        yield _s(make(3, 4, avoid=0.0), p)
        yield _s(make(2, 3, 4, avoid=0.0), p, (0, 2), True)
    yield _s(make(3, 4, avoid=0.0))
    yield _s(make(3, 4, avoid=0.0), dim=1)
    yield _s(make(3, 4, avoid=0.0, noncontig=True), 2, -1)
    yield _s(make(3, 4, avoid=0.0), "fro", (0, 1))
    yield _s(make(0, 3))
    yield _s(make(0, 3), INF, 1)
    yield SampleInput((make(0, 3), INF), grad=False)
    yield _s(make())


def _norm_zero_samples(make):
    for p in ("fro", 1, 3, 1.5, 0.5, INF):
        a = make(3, 4, avoid=0.0)
        a[0] = 0.0
        a[1, 2] = 0.0
        yield _s(a, p, 1)


def _lse_samples(make):
    yield _s(make(3, 4), 1)
    yield _s(make(3, 4), (0, 1))
    yield _s(make(2, 3, 4), -1, True)
    yield _s(make(3, 4, noncontig=True), 0)
    yield _s(make(), 0)
    yield _s(make(0, 3), 0)
    yield _s(make(0, 3), 1)
    yield _s(make(3, 4, low=-40, high=60), 1)


def _lse_inf(make):
    a = make(3, 4)
    a[0, :] = -np.inf
    a[1, 2] = -np.inf
    a[2, 1] = np.inf
    yield _s(a, 1)
    yield _s(a, 0, True)


def _scan_samples(make):
    yield _s(make(3, 4), 1)
    yield _s(make(5), 0)
    yield _s(make(2, 3, 4), -2)
    yield _s(make(3, 4, noncontig=True), 0)
    yield _s(make(), 0)
    yield _s(make(0, 3), 0)
    yield SampleInput((make(3, 4), 2), grad=False)


def _cumprod_samples(make):
    yield from _scan_samples(make)
    a = make(3, 5)
    a[0, 1] = a[1, 0] = a[2, 4] = 0
    yield _s(a, 1)
    yield _s(a, 0)


def _cumprod_zeros(make):
    a = make(3, 5)
    a[0, 1] = 0
    a[1, 0] = a[1, 3] = 0  # two zeros in one slice
    a[2, :] = 0
    yield _s(a, 1)
    yield _s(a, 0)


def _minmax_binary(make):
    yield _s(make(3, 4), make(3, 4))
    yield _s(make(3, 4), make(4))


def _sum_to_size(make):
    yield _s(make(3, 4), (1, 4))
    yield _s(make(2, 3, 4), (3, 1))
    yield _s(make(3, 4), (3, 4))
    yield SampleInput((make(3, 4), (4, 4)), grad=False)


op_db = [
    OpInfo("sum", reduce_samples(), dtypes=ALL_U8, gradgrad=True),
    OpInfo("sum_dtype", lambda make: [_s(make(3, 4)), _s(make(3, 4), 1)], dtypes=ALL,
           fn=lambda lib, x, *a: lib.sum(x, *a, dtype=lib.float64)),
    OpInfo("nansum", lambda make: list(reduce_samples()(make)) + list(_with_nans(make)),
           dtypes=FLOAT_INT),
    OpInfo("mean", reduce_samples(), dtypes=FLOAT_INT + (np.bool_,), gradgrad=True),
    OpInfo("mean_dtype", lambda make: [_s(make(3, 4)), _s(make(3, 4), 0)], dtypes=FLOAT_INT,
           fn=lambda lib, x, *a: x.mean(*a, dtype=lib.float64)),
    OpInfo("nanmean", lambda make: list(reduce_samples()(make)) + list(_with_nans(make)),
           dtypes=FLOAT_INT),
    OpInfo("prod", lambda make: [s for s in dim_samples()(make)] + [_s(make(3, 4)), _s(make())],
           dtypes=ALL, gradgrad=True),
    OpInfo("prod_zeros", _with_zeros, fn=lambda lib, *a, **k: lib.prod(*a, **k)),
    OpInfo("prod_one_zero", lambda make: [_s(np.array([[2.0, 0.0, 3.0], [1.5, -1.0, 0.5]],
                                                      make.dtype), 1),
                                          _s(np.array([2.0, 0.0, 3.0, 1.5], make.dtype))],
           fn=lambda lib, *a: lib.prod(*a), gradgrad=True),
    OpInfo("prod_tuple_dim", lambda make: [_s(make(3, 4), (0, 1))],
           fn=lambda lib, x, d: lib.prod(x, d), grad=False),
    OpInfo("max", lambda make: [_s(make(3, 4)), _s(make()), SampleInput((make(0, 3),),
                                                                         grad=False),
                                _s(make(5))],
           dtypes=ALL, covers=("min",)),
    OpInfo("min", lambda make: [_s(make(3, 4)), _s(make(7, noncontig=True))], dtypes=ALL),
    OpInfo("max_dim", dim_samples(), fn=lambda lib, *a: lib.max(*a), dtypes=FLOAT_INT),
    OpInfo("min_dim", dim_samples(), fn=lambda lib, *a: lib.min(*a), dtypes=FLOAT_INT),
    OpInfo("max_dim_kw", lambda make: [_s(make(3, 4), dim=1, keepdim=True)],
           fn=lambda lib, x, **k: x.max(**k)),
    OpInfo("max_ties", _ties, fn=lambda lib, *a: lib.max(*a), gradcheck=False),
    OpInfo("min_ties", _ties, fn=lambda lib, *a: lib.min(*a), gradcheck=False),
    OpInfo("max_binary", _minmax_binary, fn=lambda lib, a, b: lib.max(a, b), gradcheck=False),
    OpInfo("min_binary", _minmax_binary, fn=lambda lib, a, b: a.min(b), gradcheck=False),
    OpInfo("amax", reduce_samples(), dtypes=FLOAT_INT),
    OpInfo("amin", reduce_samples(), dtypes=FLOAT_INT),
    OpInfo("amax_ties", _ties, fn=lambda lib, *a: lib.amax(*a), gradcheck=False),
    OpInfo("amin_ties", _ties, fn=lambda lib, *a: lib.amin(*a), gradcheck=False),
    OpInfo("aminmax", lambda make: [_s(make(3, 4)), _s(make(3, 4), dim=1),
                                    _s(make(2, 3), dim=-1, keepdim=True),
                                    SampleInput((make(0, 3),), grad=False)],
           dtypes=FLOAT_INT, gradcheck=False),
    OpInfo("argmax", reduce_samples(multi=False), dtypes=FLOAT_INT, grad=False),
    OpInfo("argmin", reduce_samples(multi=False), dtypes=FLOAT_INT, grad=False),
    OpInfo("argmax_ties", _ties, fn=lambda lib, *a: lib.argmax(*a), grad=False,
           covers=("argmin",)),
    OpInfo("all", reduce_samples(), dtypes=ALL_U8, grad=False),
    OpInfo("any", reduce_samples(), dtypes=ALL_U8, grad=False),
    OpInfo("count_nonzero", lambda make: [_s(make(3, 4, low=-1, high=1)),
                                          _s(make(3, 4, low=-1, high=1), 1),
                                          _s(make(2, 3, 4, low=-1, high=1), (0, 2)),
                                          _s(make()), _s(make(0, 3), 0)],
           dtypes=ALL, grad=False),
    OpInfo("var", _var_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("std", _var_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("var_mean", _var_samples, dtypes=FLOAT_INT),
    OpInfo("std_mean", _var_samples, dtypes=FLOAT_INT),
    OpInfo("std_small", lambda make: [_s(make(1)), _s(make(3, 1), 1), _s(make(3, 4), 0,
                                                                         correction=5)],
           fn=lambda lib, *a, **k: lib.std(*a, **k), gradcheck=False),
    OpInfo("std_const", lambda make: [_s(np.ones((3, 4), make.dtype), 1)],
           fn=lambda lib, *a: lib.std(*a), gradcheck=False),
    OpInfo("norm", _norm_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("norm_zeros", _norm_zero_samples, fn=lambda lib, *a: lib.norm(*a),
           gradcheck=False),
    OpInfo("norm_dtype", lambda make: [_s(make(3, 4))], fn=lambda lib, x: x.norm(
        dtype=lib.float64), dtypes=(np.float32,)),
    OpInfo("logsumexp", _lse_samples, dtypes=FLOAT_INT + (np.bool_,), gradgrad=True),
    OpInfo("logsumexp_inf", _lse_inf, fn=lambda lib, *a: lib.logsumexp(*a), gradcheck=False),
    OpInfo("cumsum", _scan_samples, dtypes=ALL_U8, gradgrad=True, covers=("cumsum_",)),
    OpInfo("cumsum_dtype", lambda make: [_s(make(3, 4), 1)], dtypes=FLOAT_INT,
           fn=lambda lib, x, d: lib.cumsum(x, dim=d, dtype=lib.float64)),
    OpInfo("cumsum_inplace", lambda make: [_s(make(3, 4), 1)], dtypes=FLOAT_INT, grad=False,
           fn=lambda lib, x, d: x.clone().cumsum_(d)),
    OpInfo("cumprod", _cumprod_samples, dtypes=FLOAT_INT + (np.uint8,), gradgrad=True),
    OpInfo("cumprod_zeros", _cumprod_zeros, fn=lambda lib, *a: lib.cumprod(*a)),
    OpInfo("median", _median_all, dtypes=FLOAT_INT, covers=("nanmedian",)),
    OpInfo("median_dim", lambda make: list(dim_samples()(make)) + list(_rounded(make)),
           fn=lambda lib, *a: lib.median(*a), dtypes=FLOAT_INT, gradcheck=False),
    OpInfo("median_dim_distinct", dim_samples(empty=False), fn=lambda lib, *a: lib.median(*a)),
    OpInfo("median_nan", _nan_rows, fn=lambda lib, *a: lib.median(*a), gradcheck=False),
    OpInfo("nanmedian", _median_all, dtypes=FLOAT_INT),
    OpInfo("nanmedian_dim", lambda make: list(dim_samples()(make)) + list(_rounded(make)) +
           ([_s(np.array([[1, np.nan, 3, np.nan], [2, 1, 0, 5]], make.dtype), 1)]
            if make.dtype.kind == "f" else []),
           fn=lambda lib, *a: lib.nanmedian(*a), dtypes=FLOAT_INT,
           gradcheck=False),
    OpInfo("mode", lambda make: list(dim_samples()(make)) + list(_rounded(make)) +
           [_s(make(3, 4))], dtypes=FLOAT_INT, gradcheck=False),
    OpInfo("sum_to_size", _sum_to_size, fn=lambda lib, x, s: x.sum_to_size(*s), gradgrad=True),
    OpInfo("sum_to_size_tuple", _sum_to_size, fn=lambda lib, x, s: x.sum_to_size(s)),
]

EXEMPT = {}
