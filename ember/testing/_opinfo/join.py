"""OpInfos: joins and splits (cat/stack and friends, split/chunk/unbind and friends).

Samples that torch rejects are kept on purpose: the sweep then checks that ember raises the same
exception type.
"""
from __future__ import annotations

import numpy as np

from .core import ALL, OpInfo, SampleInput
from .shape import _m, rejects

S = SampleInput


# -- samples -----------------------------------------------------------------------------------
def cat_samples(make):
    yield S(([make(2, 3), make(1, 3), make(4, 3)],))
    yield S(([make(2, 3), make(2, 5)], 1))
    yield S(([make(2, 3), make(2, 1)], -1))
    yield S(([make(2, 3)],))
    yield S(([make(0, 3), make(2, 3)],))
    yield S(([make(2, 3), make(0), make(1, 3)],))        # legacy empty 1-D skipped
    yield S(([make(0), make(0)],))
    yield S(([make(3, 4, noncontig=True), make(3, 4)], 1))
    yield S(([make(2, 3), make(2, 3, dtype=np.float64)],))   # promotion
    yield S(([make(2, 3), make(2, 3, dtype=np.int64)],))
    yield S(([make(2, 3), make(2, 4)],))                    # size mismatch
    yield S(([make(2, 3), make(2, 3, 1)],))                 # ndim mismatch
    yield S(([make(), make(2)],))                           # 0-d
    yield S(([make(2, 3)], 2))                              # bad dim


def stack_samples(make):
    yield S(([make(2, 3), make(2, 3), make(2, 3)],))
    yield S(([make(2, 3), make(2, 3)], 2))
    yield S(([make(2, 3), make(2, 3)], -1))
    yield S(([make(), make()],))
    yield S(([make(0, 3)], 1))
    yield S(([make(3, 4, noncontig=True), make(3, 4)], 1))
    yield S(([make(2), make(2, dtype=np.float64)],))
    yield S(([make(2, 3), make(2, 4)],))
    yield S(([make(2, 3)], 3))


def hv_samples(make):
    yield S(([make(3), make(2)],))
    yield S(([make(2, 3), make(2, 1)],))
    yield S(([make(), make(2)],))
    yield S(([make(3), make(3)],))
    yield S(([make(2, 3), make(2, 3)],))
    yield S(([make(2, 3, 4), make(2, 3, 1)],))


def column_stack_samples(make):
    yield S(([make(3), make(3)],))
    yield S(([make(3), make(3, 2)],))
    yield S(([make(), make(1, 2)],))
    yield S(([make(3), make(3, 2, 2)],))


def split_samples(make):
    x = make(5, 4)
    yield S((x, 2))
    yield S((x, 5))
    yield S((x, 7))
    yield S((x, 1, 1))
    yield S((x, 3, -1))
    yield S((x, [2, 3]))
    yield S((x, [1, 0, 3], 1))
    yield S((make(0, 2), 2))
    yield S((make(0, 2), 0))
    yield S((make(3, 4, noncontig=True), 2, 1))
    yield S((x, 0))
    yield S((x, -1))
    yield S((x, [2, 2]))
    yield S((x, [6, -1]))
    yield S((make(), 1))


def split_with_sizes_samples(make):
    yield S((make(5, 4), [2, 3]))
    yield S((make(5, 4), [1, 3], 1))
    yield S((make(5, 4), [1, 2]))


def chunk_samples(make):
    yield S((make(5, 2), 3))
    yield S((make(6, 2), 4))
    yield S((make(6, 2), 6))
    yield S((make(6, 2), 10))
    yield S((make(2, 5), 2, -1))
    yield S((make(0, 2), 3))
    yield S((make(6, 2), 0))
    yield S((make(), 1))


def tensor_split_samples(make):
    x = make(5, 4)
    yield S((x, 3))
    yield S((x, 7))
    yield S((x, 2, 1))
    yield S((x, [1, 3]))
    yield S((x, [3, 1, 7]))
    yield S((x, [-1]))
    yield S((x, (2,), -1))
    yield S((x, np.array(2)))
    yield S((x, np.array([1, 4])))
    yield S((x, np.array([1.0])))
    yield S((x, 0))
    yield S((make(), 1))


def hsplit_samples(make):
    yield S((make(4, 6), 2))
    yield S((make(4, 6), [1, 4]))
    yield S((make(6), 3))
    yield S((make(6), [2]))
    yield S((make(4, 6), 4))
    yield S((make(), 1))


def vsplit_samples(make):
    yield S((make(4, 6), 2))
    yield S((make(4, 6), [1, 3]))
    yield S((make(6), 2))
    yield S((make(4, 6), 3))


def dsplit_samples(make):
    yield S((make(2, 3, 4), 2))
    yield S((make(2, 3, 4), [1]))
    yield S((make(2, 3), 1))


def unbind_samples(make):
    x = make(3, 4)
    yield S((x,))
    yield S((x, 1))
    yield S((x, -1))
    yield S((make(1, 2),))
    yield S((make(0, 2),))
    yield S((make(2, 0), 0))
    yield S((make(3, 4, noncontig=True), 1))
    yield S((make(),))
    yield S((x, 2))


# -- the table ---------------------------------------------------------------------------------
op_db = [
    OpInfo("cat", cat_samples, dtypes=ALL, gradgrad=True, covers=("concat", "concatenate")),
    OpInfo("concatenate", lambda make: [S(([make(2), make(3)],))]),
    OpInfo("stack", stack_samples, dtypes=ALL, gradgrad=True),
    OpInfo("hstack", hv_samples, dtypes=ALL),
    OpInfo("vstack", hv_samples, dtypes=ALL, covers=("row_stack",)),
    OpInfo("dstack", hv_samples, dtypes=ALL),
    OpInfo("column_stack", column_stack_samples, dtypes=ALL),
    OpInfo("split", rejects(split_samples, 10), dtypes=ALL, gradgrad=True),
    OpInfo("split_method", rejects(split_samples, 10), fn=_m("split")),
    OpInfo("split_with_sizes", rejects(split_with_sizes_samples, 2), dtypes=ALL),
    OpInfo("chunk", rejects(chunk_samples, 6), dtypes=ALL, gradgrad=True),
    OpInfo("tensor_split", rejects(tensor_split_samples, 9), dtypes=ALL, gradgrad=True),
    OpInfo("hsplit", rejects(hsplit_samples, 4), dtypes=ALL),
    OpInfo("vsplit", rejects(vsplit_samples, 2), dtypes=ALL),
    OpInfo("dsplit", rejects(dsplit_samples, 2), dtypes=ALL),
    OpInfo("unbind", rejects(unbind_samples, 7), dtypes=ALL, gradgrad=True),
]
