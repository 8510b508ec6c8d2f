"""OpInfos: matrix products (matmul family, fused add* products, einsum, tensordot, kron)."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, OpInfo, SampleInput

PRODUCT = (np.float32, np.float64, np.int64, np.int32)

# (a, b) shapes for matmul: every torch case (1-D, 2-D, batched with broadcasting, empty)
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
                 ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 1, 2, 3), (1, 4, 3, 2)),
                 ((2, 4, 2, 3), (4, 3, 2)), ((1, 2, 3), (4, 3, 2)), ((0, 3), (3, 4)),
                 ((2, 0), (0, 4)), ((0, 2, 3), (3, 4)), ((2, 3, 3), (3,)), ((4, 1, 3), (3, 5))]


def _matmul_samples(make):
    for sa, sb in MATMUL_SHAPES:
        yield SampleInput((make(*sa), make(*sb)))
    yield SampleInput((make(3, 4, noncontig=True), make(4, 5, noncontig=True)))
    yield SampleInput((make(2, 3, 4, noncontig=True), make(4, 5, noncontig=True)))
    yield SampleInput((make(2, 3, 4, noncontig=True), make(2, 4, 5, noncontig=True)))
    yield SampleInput((make(6, noncontig=True), make(6, 2, noncontig=True)))
    # errors (raise the same type as torch)
    yield SampleInput((make(2, 3), make(4, 5)), name="mismatch", grad=False)
    yield SampleInput((make(), make(3)), name="0d", grad=False)
    yield SampleInput((make(2, 3), make(3, 2, dtype=np.float64)), name="dtype", grad=False)


def _samples(*pairs, bad=()):
    """Samples from shape tuples; ``bad`` ones must raise like torch (no gradient checks)."""
    def samples(make):
        for shapes in pairs:
            yield SampleInput(tuple(make(*s) for s in shapes))
        for shapes in bad:
            yield SampleInput(tuple(make(*s) for s in shapes), name="error", grad=False)
    return samples


def _nc(*shapes):
    return lambda make: SampleInput(tuple(make(*s, noncontig=True) for s in shapes))


def _mm_samples(make):
    yield from _samples(((2, 3), (3, 4)), ((1, 1), (1, 1)), ((0, 3), (3, 2)), ((3, 0), (0, 2)),
                        bad=(((2, 3), (4, 5)), ((3,), (3, 4))))(make)
    yield _nc((3, 4), (4, 2))(make)


def _addmm_samples(make):
    yield SampleInput((make(2, 4), make(2, 3), make(3, 4)))
    yield SampleInput((make(4), make(2, 3), make(3, 4)))
    yield SampleInput((make(1, 1), make(2, 3), make(3, 4)))
    yield SampleInput((make(), make(2, 3), make(3, 4)))
    yield SampleInput((make(2, 4), make(2, 3), make(3, 4)), {"beta": 0.5, "alpha": 2})
    yield SampleInput((make(2, 4), make(2, 3), make(3, 4)), {"beta": 0, "alpha": -1.5})
    yield SampleInput((make(2, 1), make(2, 0), make(0, 1)))
    yield _nc((2, 4), (2, 3), (3, 4))(make)
    yield SampleInput((make(3), make(2, 3), make(3, 4)), name="bad broadcast", grad=False)


def _addmv_samples(make):
    yield SampleInput((make(2), make(2, 3), make(3)))
    yield SampleInput((make(1), make(2, 3), make(3)), {"beta": 2, "alpha": 0.5})
    yield SampleInput((make(), make(2, 3), make(3)), {"beta": 0})
    yield _nc((4,), (4, 3), (3,))(make)
    yield SampleInput((make(2), make(2, 3), make(4)), name="mismatch", grad=False)


def _addr_samples(make):
    yield SampleInput((make(2, 3), make(2), make(3)))
    yield SampleInput((make(3), make(2), make(3)), {"beta": 0.5, "alpha": 2})
    yield SampleInput((make(2, 1), make(2), make(3)), {"beta": 0})
    yield SampleInput((make(2, 3), make(2, dtype=np.int64), make(3, dtype=np.int64)))
    yield _nc((2, 3), (2,), (3,))(make)


def _baddbmm_samples(make):
    yield SampleInput((make(4, 2, 3), make(4, 2, 5), make(4, 5, 3)))
    yield SampleInput((make(2, 3), make(4, 2, 5), make(4, 5, 3)), {"beta": 0.5, "alpha": 2})
    yield SampleInput((make(1, 3), make(4, 2, 5), make(4, 5, 3)), {"beta": 0})
    yield _nc((4, 2, 3), (4, 2, 5), (4, 5, 3))(make)
    yield SampleInput((make(4, 2, 3), make(4, 2, 5), make(3, 5, 3)), name="batch mismatch",
                      grad=False)


def _addbmm_samples(make):
    yield SampleInput((make(2, 3), make(4, 2, 5), make(4, 5, 3)))
    yield SampleInput((make(3), make(4, 2, 5), make(4, 5, 3)), {"beta": 0.5, "alpha": 2})
    yield SampleInput((make(2, 3), make(0, 2, 5), make(0, 5, 3)), {"beta": 0})
    yield _nc((2, 3), (4, 2, 5), (4, 5, 3))(make)


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(3, 2, 4), (3, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ij,kj->ki", [(2, 3), (4, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ba", [(3, 2)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (1, 3, 4)]),
    ("...ij,jk->...ik", [(2, 5, 2, 3), (3, 4)]),
    ("i...->...i", [(2, 4, 3)]),
    ("b...", [(2, 4, 3)]),
    ("ij,jk,jl->ikl", [(2, 3), (3, 4), (3, 5)]),
    ("ik,jk,k->ij", [(2, 3), (4, 3), (3,)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("ab,cd->abcd", [(2, 0), (3, 2)]),
    ("ij,jk->ik", [(2, 3), (4, 4)]),  # error
]


def _einsum_samples(make):
    for eq, shapes in EINSUM_CASES:
        yield SampleInput((eq, *[make(*s) for s in shapes]), name=eq,
                          grad=shapes != [(2, 3), (4, 4)])
    yield SampleInput(("bij,bjk->bik", make(3, 2, 4, noncontig=True),
                       make(3, 4, 5, noncontig=True)))


def _einsum_list(lib, eq, a, b):
    return lib.einsum(eq, [a, b])


def _einsum_sublist(lib, a, b):
    return lib.einsum(a, [0, 1], b, [1, 2], [0, 2])


def _tensordot_samples(make):
    yield SampleInput((make(2, 3, 4), make(3, 4, 5)))
    yield SampleInput((make(2, 3, 4), make(4, 5)), {"dims": 1})
    yield SampleInput((make(2, 3), make(4, 5)), {"dims": 0})
    yield SampleInput((make(2, 3, 4), make(4, 3, 5)), {"dims": ([1, 2], [1, 0])})
    yield SampleInput((make(2, 3, 4), make(4, 3, 5)), {"dims": ([-1], [0])})
    yield SampleInput((make(3, 4, noncontig=True), make(3, 4, noncontig=True)), {"dims": 2})
    yield SampleInput((make(2, 3), make(4, 5)), {"dims": 1}, name="mismatch", grad=False)


def _split(name, samples, **kw):
    """The op's valid samples, plus an ``<name>_errors`` entry for the ones torch rejects (these
    only check that ember raises the same exception type)."""
    def ok(make):
        return [s for s in samples(make) if s.grad]

    def bad(make):
        return [s for s in samples(make) if not s.grad]
    fn = kw.pop("fn", None)
    return [OpInfo(name, ok, fn=fn, **kw),
            OpInfo(name + "_errors", bad, fn=fn or OpInfo(name, ok).fn,
                   dtypes=kw.get("dtypes", FLOAT)[:1], grad=False)]


op_db = [
    *_split("matmul", _matmul_samples, dtypes=PRODUCT, gradgrad=True,
            covers=("__matmul__", "__rmatmul__")),
    OpInfo("matmul_operator", lambda make: [SampleInput((make(2, 3, 4), make(4, 2))),
                                            SampleInput((make(3), make(3, 2)))],
           fn=lambda lib, a, b: a @ b),
    *_split("mm", _mm_samples, dtypes=PRODUCT, gradgrad=True),
    *_split("bmm", _samples(((4, 2, 3), (4, 3, 5)), ((1, 2, 3), (1, 3, 1)), ((0, 2, 3), (0, 3, 4)),
                            bad=(((4, 2, 3), (3, 3, 5)), ((4, 2, 3), (4, 2, 5)), ((2, 3), (3, 4)))),
            dtypes=PRODUCT, gradgrad=True),
    *_split("mv", _samples(((2, 3), (3,)), ((0, 3), (3,)), ((2, 0), (0,)),
                           bad=(((2, 3), (4,)), ((3,), (3,)))), dtypes=PRODUCT, gradgrad=True),
    *_split("dot", _samples(((3,), (3,)), ((0,), (0,)), bad=(((3,), (4,)), ((2, 2), (2, 2)))),
            dtypes=PRODUCT, gradgrad=True),
    *_split("vdot", _samples(((3,), (3,)), bad=(((3,), (4,)),)), dtypes=PRODUCT),
    *_split("inner", _samples(((2, 3), (4, 3)), ((3,), (3,)), ((), (2, 3)), ((2, 3, 4), (5, 4)),
                              bad=(((2, 3), (4, 2)),)), dtypes=PRODUCT),
    *_split("outer", _samples(((2,), (3,)), ((0,), (3,)), bad=(((2, 2), (3,)),)),
            dtypes=PRODUCT, covers=("ger",)),
    OpInfo("outer_promote", lambda make: [SampleInput((make(2), make(3, dtype=np.int64)))],
           fn=lambda lib, a, b: lib.outer(a, b)),
    *_split("addmm", _addmm_samples, dtypes=PRODUCT, gradgrad=True),
    *_split("addmv", _addmv_samples, dtypes=PRODUCT),
    OpInfo("addr", _addr_samples, dtypes=PRODUCT + (np.bool_,)),
    *_split("baddbmm", _baddbmm_samples, dtypes=PRODUCT),
    OpInfo("addbmm", _addbmm_samples, dtypes=PRODUCT),
    OpInfo("addmm_inplace", lambda make: [SampleInput((make(2, 4), make(2, 3), make(3, 4)),
                                                      {"beta": 0.5, "alpha": 2}, grad=False)],
           fn=lambda lib, a, b, c, **kw: a.clone().addmm_(b, c, **kw)),
    *_split("einsum", _einsum_samples, dtypes=FLOAT + (np.int64,), gradgrad=True),
    OpInfo("einsum_list", _samples(((2, 3), (3, 4))),
           fn=lambda lib, a, b: _einsum_list(lib, "ij,jk", a, b)),
    OpInfo("einsum_sublist", _samples(((2, 3), (3, 4))), fn=_einsum_sublist),
    *_split("tensordot", _tensordot_samples, dtypes=PRODUCT, gradgrad=True),
    *_split("chain_matmul", _samples(((2, 3),), ((2, 3), (3, 4)), ((2, 3), (3, 4), (4, 1)),
                                     ((5, 1), (1, 4), (4, 3), (3, 2)),
                                     bad=(((2, 3), (4, 4)), ((2, 3), (3,)))), dtypes=PRODUCT),
    OpInfo("kron", _samples(((2, 3), (3, 4)), ((2, 3), (3,)), ((2,), (2, 3, 2)), ((), (3,)),
                            ((0, 2), (2, 2))), dtypes=PRODUCT + (np.bool_,), gradgrad=True),
]

EXEMPT = {}
