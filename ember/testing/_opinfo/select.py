"""OpInfos: gather/scatter, index_*, masked_*, take, nonzero (``ember/_ops/select.py``).

Replacing scatters use distinct indices (torch leaves the winner of a duplicate unspecified);
accumulating ones use repeats on purpose. Samples torch rejects are kept (``grad=False``): the
sweep checks that ember raises the same exception type.
"""
from __future__ import annotations

import numpy as np


from .core import ALL, FLOAT_INT, OpInfo, SampleInput


def _s(*args, **kwargs):
    return SampleInput(args, kwargs)


def _bad(*args, **kwargs):
    return SampleInput(args, kwargs, grad=False)


def _perm(make, rows, n, k):
    """Distinct indices per row: ``(rows, k)`` values in ``[0, n)``."""
    return np.argsort(make.rng.random((rows, n)), axis=1)[:, :k].astype(np.int64)


def _inplace(name):
    return lambda lib, x, *a, **k: getattr(x.clone(), name)(*a, **k)


def _idx(make, *shape, high):
    return make.int(*shape, low=0, high=high)


# -- gather / scatter ----------------------------------------------------------------------------
def gather_samples(make):
    yield _s(make(3, 4), 1, _idx(make, 3, 2, high=4))
    yield _s(make(3, 4), 0, _idx(make, 5, 4, high=3))
    yield _s(make(3, 4), -1, _idx(make, 2, 3, high=4))          # smaller than input
    yield _s(make(2, 3, 4), 1, _idx(make, 2, 6, 3, high=3))
    yield _s(make(3, 4, noncontig=True), 1, _idx(make, 3, 4, high=4))
    yield _s(make(), 0, np.array(0))
    yield _s(make(4), 0, np.array(2))
    yield _s(make(), 0, np.array([0, 0]))
    yield _s(make(3, 4), 1, _idx(make, 3, 0, high=4))
    yield _s(make(0, 4), 1, _idx(make, 0, 2, high=4))
    yield _s(make(3, 4), 1, _idx(make, 3, 2, high=4).astype(np.int32))
    yield _bad(make(3, 4), 1, np.array([[0, 4]]))                  # out of bounds
    yield _bad(make(3, 4), 1, np.array([[0, -1]]))                 # negative
    yield _bad(make(3, 4), 1, np.array([0, 1]))                    # ndim mismatch
    yield _bad(make(3, 4), 0, _idx(make, 2, 5, high=3))            # larger than input
    yield _bad(make(3, 4), 2, _idx(make, 3, 2, high=4))            # dim out of range


def scatter_samples(make):
    yield _s(make(3, 4), 1, _perm(make, 3, 4, 2), make(3, 2))
    yield _s(make(3, 4), -1, _perm(make, 2, 4, 3), make(2, 3))
    yield _s(make(4, 3), 0, _perm(make, 3, 4, 4).T.copy(), make(4, 3))
    yield _s(make(3, 4, noncontig=True), 1, _perm(make, 3, 4, 4), make(3, 4, noncontig=True))
    yield _s(make(3, 4), 1, _perm(make, 3, 4, 2), 2.5 if make.dtype.kind == "f" else 7)
    yield _s(make(), 0, np.array(0), make())
    yield _s(make(3, 4), 1, _idx(make, 3, 0, high=4), make(3, 0))
    yield _bad(make(3, 4), 1, _perm(make, 2, 4, 2), make(3, 4))    # src larger: no grad in torch
    yield _bad(make(3, 4), 1, np.array([[4]]), make(1, 1))
    yield _bad(make(3, 4), 1, _perm(make, 3, 4, 2), make(3, 1))    # src too small
    yield _bad(make(3, 4), 1, _perm(make, 3, 4, 2), make(3, 2, dtype=np.float16))


def scatter_reduce_legacy_samples(make):
    yield _bad(make(3, 4), 1, _idx(make, 3, 5, high=4), make(3, 5), reduce="add")
    yield _bad(make(3, 4), 1, _idx(make, 3, 5, high=4), make(3, 5), reduce="multiply")
    yield _bad(make(3, 4), 0, _idx(make, 2, 4, high=3), 2, reduce="multiply")
    yield _bad(make(3, 4), 0, _idx(make, 2, 4, high=3), make(2, 4), reduce="max")


def scatter_add_samples(make):
    yield _s(make(3, 4), 1, _idx(make, 3, 6, high=4), make(3, 6))
    yield _s(make(5), 0, _idx(make, 8, high=5), make(8))
    yield _s(make(2, 3, 4), -2, _idx(make, 2, 5, 4, high=3), make(2, 5, 4))
    yield _s(make(3, 4), 0, _idx(make, 2, 2, high=3), make(2, 2))
    yield _s(make(3, 4, noncontig=True), 1, _idx(make, 3, 4, high=4), make(3, 4, noncontig=True))
    yield _s(make(), 0, np.array(0), make())
    yield _s(make(3, 4), 1, _idx(make, 3, 0, high=4), make(3, 0))
    yield _bad(make(3, 4), 1, np.array([[5]]), make(1, 1))


def scatter_reduce_samples(make):
    for red in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            low = 0.5 if red == "prod" else -3.0
            yield _s(make(3, 4, low=low), 1, _idx(make, 3, 6, high=4), make(3, 6, low=low), red,
                     include_self=inc)
            yield _s(make(5, low=low), 0, _idx(make, 7, high=5), make(7, low=low), red,
                     include_self=inc)
    a, src = make(2, 3, low=0.5), make(2, 4, low=0.5)
    a[0, 1], src[0, 0], src[1, 2], src[1, 3] = 0, 0, 0, 0   # prod with zeros
    idx = np.array([[1, 1, 0, 2], [0, 2, 2, 2]])
    yield _s(a, 1, idx, src, "prod")
    yield _s(a, 1, idx, src, "prod", include_self=False)
    yield _s(make(), 0, np.array(0), make(), "amax")
    yield _bad(make(3), 0, np.array([0]), make(1), "max")
    yield _bad(make(3), 0, np.array([0]), make(1), "add")


# -- index_* -------------------------------------------------------------------------------------
def index_select_samples(make):
    yield _s(make(3, 4), 0, np.array([2, 0, 2]))
    yield _s(make(3, 4), -1, np.array([3, 1]))
    yield _s(make(2, 3, 4), 1, np.array([1]))
    yield _s(make(3, 4, noncontig=True), 1, np.array([0, 0, 3]))
    yield _s(make(3, 4), 0, np.array(1))
    yield _s(make(3, 4), 0, np.zeros(0, np.int64))
    yield _s(make(), 0, np.array([0]))
    yield _s(make(3, 4), 1, np.array([2, 1], np.int32))
    yield _bad(make(3, 4), 0, np.array([[0]]))
    yield _bad(make(3, 4), 0, np.array([3]))
    yield _bad(make(), 0, np.array([0, 0]))


def index_add_samples(make):
    yield _s(make(3, 4), 0, _idx(make, 5, high=3), make(5, 4))
    yield _s(make(3, 4), 1, np.array([3, 0, 3]), make(3, 3), alpha=2)
    yield _s(make(2, 3, 4), -2, np.array([1]), make(2, 1, 4))
    yield _s(make(3, 4, noncontig=True), 1, np.array([0, 0]), make(3, 2, noncontig=True))
    yield _s(make(), 0, np.array([0]), make())
    yield _s(make(3, 4), 0, np.zeros(0, np.int64), make(0, 4))
    yield _bad(make(3, 4), 0, np.array([3]), make(1, 4))
    yield _bad(make(3, 4), 0, np.array([0, 1]), make(1, 4))
    yield _bad(make(3, 4), 0, np.array([0]), make(1, 3))


def index_copy_samples(make):
    yield _s(make(3, 4), 0, np.array([2, 0]), make(2, 4))
    yield _s(make(3, 4), -1, np.array([3, 1, 0]), make(3, 3))
    yield _s(make(3, 4, noncontig=True), 1, np.array([1]), make(3, 1))
    yield _s(make(), 0, np.array([0]), make())
    yield _bad(make(3, 4), 0, np.array([5]), make(1, 4))


def index_fill_samples(make):
    yield _s(make(3, 4), 0, np.array([2, 0]), -1)
    yield _s(make(3, 4), -1, np.array([3, 3, 1]), 2)
    yield _s(make(3, 4, noncontig=True), 1, np.array(1), 5)
    yield _s(make(3, 4), 1, np.array([0, 2]), make())          # 0-d tensor value (with grad)
    yield _s(make(), 0, np.array([0]), 3)
    yield _bad(make(3, 4), 0, np.array([3]), 1)
    yield _bad(make(3, 4), 0, np.array([[0]]), 1)


def index_reduce_samples(make):
    for red in ("prod", "mean", "amax", "amin"):
        for inc in (True, False):
            yield _s(make(3, 4, low=0.5), 0, _idx(make, 5, high=3), make(5, 4, low=0.5), red,
                     include_self=inc)
    yield _s(make(3, 4, low=0.5), -1, np.array([1, 1]), make(3, 2, low=0.5), "amax")
    yield _bad(make(3), 0, np.array([0]), make(1), "sum")


# -- masked_* / take / index_put / nonzero -------------------------------------------------------
def _mask(make, *shape):
    return make.rng.random(shape) < 0.5


def masked_fill_samples(make):
    v = 1.5 if make.dtype.kind == "f" else 3
    yield _s(make(3, 4), _mask(make, 3, 4), v)
    yield _s(make(3, 4), _mask(make, 4), v)                     # mask broadcasts
    yield _s(make(3, 4, noncontig=True), _mask(make, 3, 1), v)
    yield _s(make(3, 4), _mask(make, 3, 4), make())             # 0-d tensor value
    yield _s(make(), np.array(True), v)
    yield _s(make(0, 4), _mask(make, 0, 4), v)
    yield _s(make(4), _mask(make, 3, 4), v)                     # out-of-place broadcasts self
    yield _bad(make(3), np.array([1, 0, 1]), v)
    yield _bad(make(3), _mask(make, 3), make(1))


def masked_fill_inplace_samples(make):
    v = 1.5 if make.dtype.kind == "f" else 3
    yield _s(make(3, 4), _mask(make, 3, 4), v)
    yield _s(make(3, 4), _mask(make, 4), v)
    yield _bad(make(4), _mask(make, 3, 4), v)                   # cannot broadcast in place


def masked_select_samples(make):
    yield _s(make(3, 4), _mask(make, 3, 4))
    yield _s(make(3, 4), _mask(make, 4))
    yield _s(make(4), _mask(make, 2, 4))
    yield _s(make(3, 4, noncontig=True), _mask(make, 3, 4))
    yield _s(make(), np.array(True))
    yield _s(make(0, 2), _mask(make, 0, 2))
    yield _bad(make(3), np.array([1, 0, 1]))


def masked_scatter_samples(make):
    m = _mask(make, 3, 4)
    yield _s(make(3, 4), m, make(3, 4))
    yield _s(make(3, 4), _mask(make, 4), make(20))
    yield _s(make(3, 4, noncontig=True), m, make(2, 7))
    yield _s(make(), np.array(True), make(2))
    yield _bad(make(3), np.array([True, True, True]), make(2))
    yield _bad(make(3), np.array([1, 0, 1]), make(3))


def take_samples(make):
    yield _s(make(3, 4), np.array([0, 11, -1, 5, 5]))
    yield _s(make(3, 4), np.array([[1, 2], [3, -12]]))
    yield _s(make(3, 4, noncontig=True), np.array([7, 0]))
    yield _s(make(5), np.array(3))
    yield _s(make(), np.array([0, 0]))
    yield _s(make(3), np.zeros(0, np.int64))
    yield _bad(make(3, 4), np.array([12]))
    yield _bad(make(3, 4), np.array([-13]))


def take_along_dim_samples(make):
    yield _s(make(3, 4), _idx(make, 3, 2, high=4), 1)
    yield _s(make(3, 4), _idx(make, 2, 1, high=3), 0)          # indices broadcast
    yield _s(make(3, 1), _idx(make, 3, 4, high=1), 1)          # input broadcasts
    yield _s(make(3, 4), _idx(make, 5, high=12))               # dim=None: flat
    yield _s(make(2, 3, 4, noncontig=True), _idx(make, 2, 3, 2, high=4), -1)
    yield _bad(make(3, 4), _idx(make, 3, high=4), 1)


def index_put_samples(make):
    yield _s(make(3, 4), (np.array([0, 2]),), make(2, 4))
    yield _s(make(3, 4), (np.array([0, 2]), np.array([1, 3])), make(2))
    yield _s(make(3, 4), (np.array([0, 0, 2]), np.array([1, 1, 3])), make(3), True)
    yield _s(make(3, 4), (np.array([1, 1]),), make(4), True)     # values broadcast
    yield _s(make(3, 4, noncontig=True), (_mask(make, 3, 4),), make(), True)
    yield _s(make(3, 4), (_mask(make, 3),), make(4))
    yield _bad(make(3, 4), (np.array([3]),), make(4))
    yield _bad(make(3, 4), (np.array([0, 1]),), make(3))


def nonzero_samples(make):
    yield _s(make(3, 4, low=-1, high=1))
    yield _s(make(5, low=-1, high=1))
    yield _s(make(2, 3, 4, low=-1, high=1, noncontig=True))
    yield _s(make(low=-1, high=1))
    yield _s(np.array(0, dtype=make.dtype))
    yield _s(np.array(1, dtype=make.dtype))
    yield _s(make(0, 3))


def _tuple_nonzero(lib, x):
    return lib.nonzero(x, as_tuple=True)


op_db = [
    OpInfo("gather", gather_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("scatter", scatter_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("Tensor.scatter_", scatter_samples, fn=_inplace("scatter_"), dtypes=FLOAT_INT),
    OpInfo("scatter_legacy_reduce", scatter_reduce_legacy_samples, grad=False,
           fn=lambda lib, x, *a, **k: lib.scatter(x, *a, **k), dtypes=FLOAT_INT),
    OpInfo("scatter_add", scatter_add_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("Tensor.scatter_add_", scatter_add_samples, fn=_inplace("scatter_add_"),
           dtypes=FLOAT_INT),
    OpInfo("scatter_reduce", scatter_reduce_samples, dtypes=FLOAT_INT),
    OpInfo("Tensor.scatter_reduce_", scatter_reduce_samples, fn=_inplace("scatter_reduce_"),
           dtypes=FLOAT_INT),
    OpInfo("index_select", index_select_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("index_add", index_add_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("Tensor.index_add_", index_add_samples, fn=_inplace("index_add_"), dtypes=FLOAT_INT),
    OpInfo("index_copy", index_copy_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("Tensor.index_copy_", index_copy_samples, fn=_inplace("index_copy_"),
           dtypes=FLOAT_INT),
    OpInfo("index_fill", index_fill_samples, dtypes=FLOAT_INT),
    OpInfo("Tensor.index_fill_", index_fill_samples, fn=_inplace("index_fill_"),
           dtypes=FLOAT_INT),
    OpInfo("index_reduce", index_reduce_samples, dtypes=FLOAT_INT),
    OpInfo("Tensor.index_reduce_", index_reduce_samples, fn=_inplace("index_reduce_"),
           dtypes=FLOAT_INT),
    OpInfo("masked_fill", masked_fill_samples, dtypes=ALL),
    OpInfo("Tensor.masked_fill_", masked_fill_inplace_samples, fn=_inplace("masked_fill_"),
           dtypes=ALL),
    OpInfo("masked_select", masked_select_samples, dtypes=ALL, gradgrad=True),
    OpInfo("masked_scatter", masked_scatter_samples, dtypes=FLOAT_INT),
    OpInfo("Tensor.masked_scatter_", masked_scatter_samples, fn=_inplace("masked_scatter_"),
           dtypes=FLOAT_INT),
    OpInfo("take", take_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("take_along_dim", take_along_dim_samples, dtypes=FLOAT_INT),
    OpInfo("index_put", index_put_samples, dtypes=FLOAT_INT),
    OpInfo("Tensor.index_put_", index_put_samples, fn=_inplace("index_put_"), dtypes=FLOAT_INT),
    OpInfo("nonzero", nonzero_samples, dtypes=ALL, grad=False),
    OpInfo("nonzero_as_tuple", nonzero_samples, fn=_tuple_nonzero, dtypes=ALL, grad=False,
           covers=("nonzero",)),
    OpInfo("argwhere", nonzero_samples, dtypes=ALL, grad=False),
]

EXEMPT = {}
