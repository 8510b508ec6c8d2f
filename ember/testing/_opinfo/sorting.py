"""OpInfos: sort, argsort, msort, topk, kthvalue, unique, bincount, histc, histogram,
searchsorted, bucketize, cummax, cummin, logcumsumexp (``ember/_ops/sorting.py``).

Samples with ties ask for ``stable=True`` (or use short rows): torch's unstable CPU sort, topk
and kthvalue may pick tied indices in another order.
"""
from __future__ import annotations

import numpy as np


from .core import ALL, FLOAT, FLOAT_INT, OpInfo, SampleInput

NAN = float("nan")


def _s(*args, **kwargs):
    return SampleInput(args, kwargs)


def _bad(*args, **kwargs):
    return SampleInput(args, kwargs, grad=False)


def _ties(make):
    return np.array([[3, 1, 2, 1, 3, 0, 1, 2], [2, 2, 2, 5, 5, 1, 0, 0]]).astype(make.dtype)


def _distinct(make, *shape):
    """No ties (so every framework picks the same indices), any dtype."""
    n = int(np.prod(shape))
    a = make.rng.permutation(n) - n // 2
    if make.dtype.kind == "f":
        a = a + make.rng.uniform(0.1, 0.9, n)
    return a.reshape(shape).astype(make.dtype)


def _nograd(*args, **kwargs):
    return SampleInput(args, kwargs, grad=False)


def sort_samples(make):
    yield _s(_distinct(make, 3, 5))
    yield _s(_distinct(make, 3, 5), 0)
    yield _s(_distinct(make, 2, 3, 4), -2, True)
    yield _s(make(3, 5, noncontig=True) if make.dtype.kind == "f" else _distinct(make, 3, 5),
             descending=True)
    yield _s(make())
    yield _s(make(0, 3), 1)
    yield _nograd(_ties(make), stable=True)
    yield _nograd(_ties(make), dim=1, descending=True, stable=True)
    yield _nograd(_ties(make), dim=0, descending=True, stable=True)
    if make.dtype.kind == "f":
        yield _nograd(np.array([1, NAN, -2, NAN, 0.5], make.dtype), stable=True)
        yield _nograd(np.array([1, NAN, -2, NAN, 0.5], make.dtype), descending=True,
                      stable=True)
    yield _bad(make(3, 5), 2)


def argsort_samples(make):
    x = _distinct(make, 3, 5) if make.dtype.kind != "b" else make(3, 5)
    yield _s(x, stable=True)
    yield _s(x, dim=0, descending=True, stable=True)
    yield _s(x, 1, True)
    yield _s(make())
    yield _s(_ties(make), stable=True)
    yield _s(_ties(make), descending=True, stable=True)
    yield _s(make(2, 0))


def msort_samples(make):
    yield _s(make(4, 3))
    yield _s(make(5))
    yield _s(make(4, 3, noncontig=True))


def topk_samples(make):
    yield _s(_distinct(make, 3, 6), 2)
    yield _s(_distinct(make, 3, 6), 3, 0)
    yield _s(_distinct(make, 3, 6), 2, largest=False)
    yield _s(make(2, 3, 4, noncontig=True) if make.dtype.kind == "f" else
             _distinct(make, 2, 3, 4), 4, -1)
    yield _s(_distinct(make, 3, 6), 0)
    yield _s(_distinct(make, 3, 6), 6)
    yield _s(make(), 1)
    yield _s(make(0, 4), 2)
    yield _bad(make(3, 6), 7)
    yield _bad(make(3, 6), -1)


def kthvalue_samples(make):
    yield _s(_distinct(make, 3, 6), 2)
    yield _s(_distinct(make, 3, 6), 3, 0)
    yield _s(_distinct(make, 3, 6), 1, -1, True)
    yield _s(make(2, 3, 4, noncontig=True) if make.dtype.kind == "f" else
             _distinct(make, 2, 3, 4), 2, 1)
    yield _s(make(), 1)
    yield _bad(make(3, 6), 7)
    yield _bad(make(3, 6), 0)


def unique_samples(make):
    yield _s(_ties(make))
    yield _s(_ties(make), return_inverse=True, return_counts=True)
    yield _s(_ties(make), sorted=False, return_inverse=True)
    yield _s(_ties(make), dim=1, return_inverse=True, return_counts=True)
    yield _s(np.repeat(_ties(make), 2, axis=0), dim=0, return_counts=True)
    yield _s(make(), return_inverse=True, return_counts=True)
    yield _s(make(0), return_inverse=True, return_counts=True)


def unique_consecutive_samples(make):
    yield _s(_ties(make))
    yield _s(_ties(make).reshape(-1), return_inverse=True, return_counts=True)
    yield _s(np.repeat(_ties(make), 2, axis=1), dim=1, return_inverse=True, return_counts=True)
    yield _s(np.repeat(_ties(make), 2, axis=0), dim=0)
    yield _s(make(), return_inverse=True, return_counts=True)
    yield _s(make(0), return_counts=True)


def bincount_samples(make):
    yield _s(np.array([1, 1, 3, 0, 7]))
    yield _s(np.array([1, 1, 3]), minlength=6)
    yield _s(np.array([1, 1, 3]), make(3))                 # weights: their dtype rules
    yield _s(np.zeros(0, np.int64))
    yield _s(np.array([1, 2], np.int32), minlength=1)
    yield _bad(np.array([-1, 1]))
    yield _bad(np.array([[1, 1]]))
    yield _bad(np.array([1.0, 2.0]))


def histc_samples(make):
    yield _s(make(20))
    yield _s(make(4, 5), 5)
    yield _s(make(20), 4, -1, 1)
    yield _s(make(20), bins=3, min=0, max=0)
    yield _s(np.ones(3, make.dtype), 4)
    yield _s(make(0), 3)


def histogram_samples(make):
    yield _s(make(20), 4)
    yield _s(make(20), 4, range=(-1.0, 2.0), density=True)
    yield _s(make(20), np.array([-3, -1, 0, 2, 3], make.dtype))
    yield _s(make(20), 5, weight=make(20, low=0, high=1))


def searchsorted_samples(make):
    seq = np.sort(make(8))
    yield _s(seq, make(5))
    yield _s(seq, make(2, 3), right=True)
    yield _s(seq, make(2, 3), side="right")
    yield _s(np.sort(make(2, 6), axis=1), make(2, 4))
    yield _s(np.sort(make(2, 6), axis=1), make(2, 4), right=True, out_int32=True)
    yield _s(np.array([1, 2, 2, 3], make.dtype), np.array([2, 0, 3, 4], make.dtype))
    yield _s(np.array([1, 2, 2, 3], make.dtype), np.array([2, 0, 3, 4], make.dtype), right=True)
    yield _s(seq, 1)
    perm = make.rng.permutation(8)
    yield _s(seq[perm], make(4), sorter=np.argsort(perm))
    yield _bad(np.sort(make(2, 6), axis=1), make(3, 4))
    yield _bad(seq, make(3), right=True, side="left")


def bucketize_samples(make):
    b = np.sort(make(6))
    yield _s(make(3, 4), b)
    yield _s(make(5), b, right=True)
    yield _s(make(5), b, out_int32=True)
    yield _s(np.array([1, 2, 2, 3], make.dtype), np.array([2, 3], make.dtype), right=True)
    yield _bad(make(5), make(2, 3))


def cum_samples(make):
    yield _s(make(3, 5), 1)
    yield _s(make(3, 5), 0)
    yield _s(make(2, 3, 4, noncontig=True), -1)
    yield _s(make(), 0)
    yield _s(make(0, 3), 1)
    yield SampleInput((_ties(make), 1), grad=False)    # ties: the last index wins
    if make.dtype.kind == "f":
        yield SampleInput((np.array([1, 3, NAN, 2, NAN, 5], make.dtype), 0), grad=False)


def logcumsumexp_samples(make):
    yield _s(make(3, 5), 1)
    yield _s(make(3, 5), 0)
    yield _s(make(2, 3, 4, noncontig=True), -1)
    yield _s(make(), 0)
    yield _s(make(0, 3), 1)
    yield _s(make(6, low=50, high=90), 0)                   # large values stay finite
    yield _bad(np.array([1, 2, 3]), 0)


op_db = [
    OpInfo("sort", sort_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("argsort", argsort_samples, dtypes=ALL, grad=False),
    OpInfo("msort", msort_samples, dtypes=FLOAT_INT),
    OpInfo("topk", topk_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("kthvalue", kthvalue_samples, dtypes=FLOAT_INT),
    OpInfo("unique", unique_samples, dtypes=FLOAT_INT, grad=False),
    OpInfo("Tensor.unique", unique_samples, fn=lambda lib, x, **k: x.unique(**k),
           dtypes=FLOAT_INT, grad=False),
    OpInfo("unique_consecutive", unique_consecutive_samples, dtypes=FLOAT_INT, grad=False),
    OpInfo("bincount", bincount_samples, dtypes=FLOAT, grad=False),
    OpInfo("histc", histc_samples, dtypes=FLOAT, grad=False),
    OpInfo("histogram", histogram_samples, dtypes=FLOAT, grad=False),
    OpInfo("searchsorted", searchsorted_samples, dtypes=FLOAT_INT, grad=False),
    OpInfo("bucketize", bucketize_samples, dtypes=FLOAT_INT, grad=False),
    OpInfo("cummax", cum_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("cummin", cum_samples, dtypes=FLOAT_INT),
    OpInfo("logcumsumexp", logcumsumexp_samples, dtypes=FLOAT, gradgrad=True),
]

EXEMPT = {}
