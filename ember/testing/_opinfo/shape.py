"""OpInfos: shape and movement ops (views, copies that rearrange); joins and splits are in
``join.py``.

Samples that torch rejects are kept on purpose: the sweep then checks that ember raises the same
exception type.
"""
from __future__ import annotations

import numpy as np

from .core import ALL, OpInfo, SampleInput

S = SampleInput


def _m(lib_fn):
    """``fn(lib, x, *a, **k)`` calling a Tensor method."""
    return lambda lib, x, *a, **k: getattr(x, lib_fn)(*a, **k)


def rejects(samples, k):
    """Samples from index ``k`` on are ones torch rejects: checked forward only (the error type),
    never differentiated."""
    def gen(make):
        for i, smp in enumerate(samples(make)):
            if i >= k:
                smp.grad = False
            yield smp
    gen.__name__ = samples.__name__
    return gen


# -- samples -----------------------------------------------------------------------------------
def reshape_samples(make):
    yield S((make(2, 3, 4), (6, -1)))
    yield S((make(2, 3, 4), (4, 3, 2)))
    yield S((make(), ()))
    yield S((make(), (1, 1)))
    yield S((make(1), ()))
    yield S((make(3, 4, noncontig=True), (12,)))
    yield S((make(3, 4, noncontig=True), (2, -1)))
    yield S((make(0, 3), (3, 0, -1)))    # cannot infer with 0 elements
    yield S((make(2, 3), (4,)))          # invalid size
    yield S((make(2, 3), (-1, -1)))      # two inferred dims


def view_samples(make):
    yield S((make(2, 3, 4), (6, -1)))
    yield S((make(), (1,)))
    yield S((make(0, 3), (-1,)))
    yield S((make(3, 4, noncontig=True), (3, 2, 2)))   # fine: splits the last dim only
    yield S((make(3, 4, noncontig=True), (12,)))       # not viewable
    yield S((make(3, 4)[:, :2], (6,)))                 # not viewable


def flatten_samples(make):
    x = make(2, 3, 4)
    yield S((x,))
    yield S((x, 1))
    yield S((x, 0, 1))
    yield S((x, -2, -1))
    yield S((x, 1, 1))
    yield S((make(),))
    yield S((make(3, 4, noncontig=True),))
    yield S((make(0, 2, 3), 1))
    yield S((x, 2, 1))   # start after end


def unflatten_samples(make):
    yield S((make(2, 12), 1, (3, 4)))
    yield S((make(2, 12), -1, (2, -1, 3)))
    yield S((make(6), 0, (6,)))
    yield S((make(2, 12), 1, (5, 2)))
    yield S((make(2, 12), 1, ()))


def ravel_samples(make):
    yield S((make(2, 3, 4),))
    yield S((make(),))
    yield S((make(3, 4, noncontig=True),))


def squeeze_samples(make):
    x = make(2, 1, 3, 1)
    yield S((x,))
    yield S((x, 1))
    yield S((x, -1))
    yield S((x, 0))         # not size 1: no-op
    yield S((x, (1, 3)))
    yield S((x, (0, -1)))
    yield S((make(),))
    yield S((make(), 0))
    yield S((make(1, 1),))
    yield S((make(0, 1), 1))
    yield S((make(3, 1, noncontig=True), 1))
    yield S((x, 4))         # out of range
    yield S((x, (1, 1)))    # repeated


def unsqueeze_samples(make):
    x = make(2, 3)
    for d in (0, 1, 2, -1, -3):
        yield S((x, d))
    yield S((make(), 0))
    yield S((make(), -1))
    yield S((make(3, 4, noncontig=True), 1))
    yield S((x, 3))


def permute_samples(make):
    yield S((make(2, 3, 4), (2, 0, 1)))
    yield S((make(2, 3, 4), (-1, 0, 1)))
    yield S((make(), ()))
    yield S((make(3, 4, noncontig=True), (1, 0)))
    yield S((make(2, 0, 3), (1, 2, 0)))
    yield S((make(2, 3), (0,)))
    yield S((make(2, 3), (0, 0)))


def transpose_samples(make):
    yield S((make(2, 3, 4), 0, 2))
    yield S((make(2, 3, 4), -1, 1))
    yield S((make(2, 3), 0, 0))
    yield S((make(), 0, -1))
    yield S((make(3, 4, noncontig=True), 0, 1))
    yield S((make(2, 3), 0, 2))


def t_samples(make):
    yield S((make(2, 3),))
    yield S((make(3),))
    yield S((make(),))
    yield S((make(3, 4, noncontig=True),))
    yield S((make(2, 3, 4),))


def mat_samples(make):
    yield S((make(2, 3),))
    yield S((make(4, 2, 3),))
    yield S((make(),))
    yield S((make(3, 4, noncontig=True),))
    yield S((make(3),))


def h_samples(make):
    yield S((make(2, 3),))
    yield S((make(),))
    yield S((make(3, 4, noncontig=True),))
    yield S((make(4, 2, 3),))
    yield S((make(3),))


def movedim_samples(make):
    x = make(2, 3, 4, 5)
    yield S((x, 0, -1))
    yield S((x, -1, 0))
    yield S((x, (0, 1), (2, 3)))
    yield S((x, (3, 0), (0, 3)))
    yield S((x, [1], [2]))
    yield S((make(), 0, 0))
    yield S((x, (0, 1), (0,)))
    yield S((x, (0, 0), (1, 2)))
    yield S((x, (0, 1), (1, 1)))


def expand_samples(make):
    yield S((make(3, 1), (3, 4)))
    yield S((make(3, 1), (2, 3, 4)))
    yield S((make(3, 1), (-1, 4)))
    yield S((make(), (2, 3)))
    yield S((make(1), (0,)))
    yield S((make(3, 1, noncontig=True), (2, 3, 5)))
    yield S((make(3, 4), (3, 5)))
    yield S((make(3, 4), (4,)))
    yield S((make(3, 4), (-1, 3, 4)))


def broadcast_tensors_samples(make):
    yield S((make(3, 1), make(4)))
    yield S((make(), make(2, 3), make(3)))
    yield S((make(2, 1, 3), make(4, 1)))
    yield S((make(0, 1), make(3)))
    yield S((make(3), make(4)))


def broadcast_shapes_samples(make):
    yield S(((2, 1), (3,)), grad=False)
    yield S(((), (2, 3), 3), grad=False)
    yield S(((5, 1, 4), (1, 3, 1)), grad=False)
    yield S(((2, 3), (4,)), grad=False)
    yield S(((0,), (1,)), grad=False)


def atleast_samples(make):
    yield S((make(),))
    yield S((make(3),))
    yield S((make(2, 3),))
    yield S((make(2, 3, 4),))
    yield S((make(), make(3), make(2, 3)))
    yield S(([make(), make(3, 4)],))


def repeat_samples(make):
    yield S((make(3), (2,)))
    yield S((make(3), (2, 2)))
    yield S((make(2, 3), (1, 2)))
    yield S((make(2, 3), (3, 1, 2)))
    yield S((make(2, 3), (0, 2)))
    yield S((make(), (2, 3)))
    yield S((make(3, 4, noncontig=True), (2, 1)))
    yield S((make(), ()))                # x.repeat() with no sizes
    yield S((make(2, 3), (2,)))          # too few
    yield S((make(2, 3), (2, -1)))       # negative


def tile_samples(make):
    yield S((make(3), (2,)))
    yield S((make(2, 3), (2,)))
    yield S((make(2, 3), (2, 1, 2)))
    yield S((make(), (3,)))
    yield S((make(2, 3), ()))


def repeat_interleave_samples(make):
    yield S((make(2, 3), 2))
    yield S((make(2, 3), 2), {"dim": 1})
    yield S((make(2, 3), 3), {"dim": -2})
    yield S((make(2, 3), np.array([1, 0, 2])), {"dim": 1})
    yield S((make(2, 3), np.array([0, 0])), {"dim": 0})
    yield S((make(2, 3), np.array([2])), {"dim": 1})
    yield S((make(2, 3), np.array(3)), {"dim": 0})
    yield S((make(4), np.array([1, 2, 0, 3])))
    yield S((make(), 3))
    yield S((make(3, 4, noncontig=True), np.array([3, 1, 0, 2])), {"dim": 1})
    yield S((make(2, 3), 2), {"dim": 1, "output_size": 6})
    yield S((make(2, 3), 2), {"dim": 1, "output_size": 5})
    yield S((make(2, 3), np.array([1, 2])), {"dim": 1})
    yield S((make(2, 3), np.array([1, -1, 2])), {"dim": 1})
    yield S((make(2, 3), -1))


def flip_samples(make):
    x = make(2, 3, 4)
    yield S((x, (0,)))
    yield S((x, (0, 2)))
    yield S((x, (-1,)))
    yield S((x, ()))
    yield S((make(), (0,)))
    yield S((make(3, 4, noncontig=True), (1,)))
    yield S((x, (0, 0)))
    yield S((x, (3,)))


def flip_lr_samples(make):
    yield S((make(2, 3),))
    yield S((make(2, 3, 4),))
    yield S((make(3),))
    yield S((make(),))


def roll_samples(make):
    x = make(3, 4)
    yield S((x, 1))
    yield S((x, -5))
    yield S((x, 1, 0))
    yield S((x, (1, 2), (0, 1)))
    yield S((x, (1, -1), (1, 1)))
    yield S((make(), 2))
    yield S((make(0, 3), 1, 1))
    yield S((make(3, 4, noncontig=True), 2, -1))
    yield S((x, (1, 2), (0,)))
    yield S((x, (1, 2)))


def rot90_samples(make):
    x = make(2, 3, 4)
    for k in (0, 1, 2, 3, -1, 5):
        yield S((x, k))
    yield S((x, 1, (2, 0)))
    yield S((x, 1, (-1, -2)))
    yield S((make(3, 4, noncontig=True), 1))
    yield S((make(3), 1))                # needs 2 dims
    yield S((x, 1, (0, 0)))
    yield S((x, 1, (0,)))


def tri_samples(make):
    x = make(4, 5)
    for k in (0, 1, -1, 7, -7):
        yield S((x, k))
    yield S((make(2, 3, 4), 0))
    yield S((make(0, 3), 0))
    yield S((make(3, 4, noncontig=True), 1))
    yield S((make(3), 0))


def diag_samples(make):
    yield S((make(3),))
    yield S((make(3), 1))
    yield S((make(3), -2))
    yield S((make(3, 4),))
    yield S((make(3, 4), 1))
    yield S((make(3, 4), -2))
    yield S((make(3, 4), 5))
    yield S((make(3, 4, noncontig=True),))
    yield S((make(0),))
    yield S((make(2, 3, 4),))
    yield S((make(),))


def diagonal_samples(make):
    x = make(3, 4)
    yield S((x,))
    yield S((x, 1))
    yield S((x, -2))
    yield S((x, 6))
    yield S((make(2, 3, 4), 0, 1, 2))
    yield S((make(2, 3, 4), -1, 2, 0))
    yield S((make(2, 3, 4), 1, -1, -3))
    yield S((make(3, 4, noncontig=True), 1))
    yield S((x, 0, 1, 1))
    yield S((make(3),))


def diag_embed_samples(make):
    yield S((make(3),))
    yield S((make(2, 3),))
    yield S((make(2, 3), 1))
    yield S((make(2, 3), -2, 0, 2))
    yield S((make(2, 3), 1, 2, 0))
    yield S((make(3, 4, noncontig=True), 0, -1, 1))
    yield S((make(0, 3),))
    yield S((make(2, 3), 0, 1, 1))


def diagflat_samples(make):
    yield S((make(3),))
    yield S((make(2, 2), 1))
    yield S((make(), -1))
    yield S((make(3, 2, noncontig=True), 2))


def narrow_samples(make):
    x = make(5, 4)
    yield S((x, 0, 1, 3))
    yield S((x, 1, 0, 4))
    yield S((x, -1, 2, 2))
    yield S((x, 0, -2, 2))
    yield S((x, 0, 5, 0))
    yield S((make(3, 4, noncontig=True), 1, 1, 2))
    yield S((x, 0, 4, 3))
    yield S((x, 0, 6, 0))
    yield S((x, 0, 2, -1))
    yield S((make(), 0, 0, 1))


def select_samples(make):
    x = make(3, 4)
    yield S((x, 0, 1))
    yield S((x, 1, -1))
    yield S((x, -1, 0))
    yield S((make(3), 0, 2))
    yield S((make(3, 4, noncontig=True), 1, 3))
    yield S((x, 1, 4))
    yield S((x, 1, -5))
    yield S((make(), 0, 0))


def iter_samples(make):
    yield S((make(3, 4),))
    yield S((make(2),))
    yield S((make(0, 3),))
    yield S((make(),))


def as_strided_samples(make):
    yield S((make(3, 4), (2, 2), (1, 2)))
    yield S((make(3, 4), (3, 3), (1, 1)))      # overlapping windows
    yield S((make(12), (2, 3), (3, 1), 2))
    yield S((make(3, 4), (4, 3), (1, 4)))      # a transpose
    yield S((make(3, 4), (2,), (0,)))          # stride 0
    yield S((make(3, 4), (0, 2), (1, 1)))
    yield S((make(3, 4), (3,), (5,)))          # out of bounds
    yield S((make(3, 4), (3,), (-1,), 2))
    yield S((make(3, 4), (3, 2), (1,)))


def unfold_samples(make):
    yield S((make(7), 0, 2, 1))
    yield S((make(7), 0, 3, 2))
    yield S((make(3, 8), 1, 4, 4))
    yield S((make(3, 8), -1, 3, 5))
    yield S((make(5, 3), 0, 5, 1))
    yield S((make(5, 3), 0, 0, 2))
    yield S((make(), 0, 1, 1))
    yield S((make(4, 6, noncontig=True), 1, 2, 1))
    yield S((make(5), 0, 6, 1))
    yield S((make(5), 0, 2, 0))


def _view_dtype(lib, x, name):
    return x.view(getattr(lib, name))


def view_dtype_samples(make):
    yield S((make(2, 4), "int32"), grad=False)
    yield S((make(2, 4), "int16"), grad=False)
    yield S((make(2, 4), "int64"), grad=False)
    yield S((make(2, 4), "uint8"), grad=False)
    yield S((make(2, 3), "float64"), grad=False)
    yield S((make(3, 4, noncontig=True), "int8"), grad=False)
    yield S((make(), "int16"), grad=False)
    yield S((make(4, 4)[:, :2], "int8"), grad=False)


def _inplace_copy(x):
    """A non-leaf copy that in-place ops may write (in the graph for float inputs)."""
    return x * 1 if x.dtype.is_floating_point else x.clone()


# -- the table ---------------------------------------------------------------------------------
op_db = [
    OpInfo("reshape", rejects(reshape_samples, 7), dtypes=ALL, gradgrad=True),
    OpInfo("reshape_varargs", lambda make: [S((make(2, 6),))],
           fn=lambda lib, x: x.reshape(3, 4) + x.reshape(-1, 4) + lib.reshape(x, shape=(3, 4)),
           covers=("reshape",)),
    OpInfo("view", rejects(view_samples, 4), fn=_m("view"), dtypes=ALL, gradgrad=True),
    OpInfo("view_varargs", lambda make: [S((make(2, 6),))],
           fn=lambda lib, x: x.view(3, -1) * 2 + x.view(3, 4)),
    OpInfo("view_as", lambda make: [S((make(2, 6), make(3, 4))),
                                    S((make(2, 6), make(5)), grad=False)],
           fn=lambda lib, x, y: x.view_as(y) * y),
    OpInfo("reshape_as", lambda make: [S((make(3, 4, noncontig=True), make(2, 6))),
                                       S((make(2, 6), make(5)), grad=False)],
           fn=lambda lib, x, y: x.reshape_as(y)),
    OpInfo("view_dtype", view_dtype_samples, fn=_view_dtype,
           dtypes=(np.float32, np.float64, np.int32), grad=False),
    OpInfo("flatten", rejects(flatten_samples, 8), dtypes=ALL, gradgrad=True),
    OpInfo("unflatten", rejects(unflatten_samples, 3), dtypes=ALL),
    OpInfo("ravel", ravel_samples, dtypes=ALL),
    OpInfo("squeeze", rejects(squeeze_samples, 11), dtypes=ALL, gradgrad=True),
    OpInfo("unsqueeze", rejects(unsqueeze_samples, 8), dtypes=ALL, gradgrad=True),
    OpInfo("permute", rejects(permute_samples, 5), dtypes=ALL, gradgrad=True),
    OpInfo("permute_varargs", lambda make: [S((make(2, 3, 4),))],
           fn=lambda lib, x: x.permute(2, 0, 1) + lib.permute(x, dims=(2, 0, 1)),
           covers=("permute",)),
    OpInfo("transpose", rejects(transpose_samples, 5), dtypes=ALL, gradgrad=True,
           covers=("swapaxes", "swapdims")),
    OpInfo("swapaxes", rejects(transpose_samples, 5)),
    OpInfo("swapdims", rejects(transpose_samples, 5), fn=_m("swapdims")),
    OpInfo("t", rejects(t_samples, 4), dtypes=ALL, gradgrad=True),
    OpInfo("T", rejects(mat_samples, 4), fn=lambda lib, x: x.T, dtypes=ALL),
    OpInfo("mT", rejects(mat_samples, 4), fn=lambda lib, x: x.mT, dtypes=ALL),
    OpInfo("H", rejects(h_samples, 3), fn=lambda lib, x: x.H),
    OpInfo("adjoint", rejects(mat_samples, 4), covers=("mH",)),
    OpInfo("movedim", rejects(movedim_samples, 6), dtypes=ALL, covers=("moveaxis",)),
    OpInfo("moveaxis", rejects(movedim_samples, 6), fn=_m("moveaxis")),
    OpInfo("expand", rejects(expand_samples, 6), fn=lambda lib, x, s: x.expand(s), dtypes=ALL,
           gradgrad=True),
    OpInfo("expand_varargs", lambda make: [S((make(3, 1),))],
           fn=lambda lib, x: x.expand(2, -1, 4) * 2),
    OpInfo("expand_as", lambda make: [S((make(3, 1), make(2, 3, 4))),
                                      S((make(3, 4), make(5)), grad=False)],
           fn=lambda lib, x, y: x.expand_as(y)),
    OpInfo("broadcast_to", rejects(expand_samples, 6), dtypes=ALL),
    OpInfo("broadcast_tensors", rejects(broadcast_tensors_samples, 4), dtypes=ALL),
    OpInfo("broadcast_shapes", broadcast_shapes_samples, dtypes=(np.float32,), grad=False),
    OpInfo("atleast_1d", atleast_samples, dtypes=ALL),
    OpInfo("atleast_2d", atleast_samples, dtypes=ALL),
    OpInfo("atleast_3d", atleast_samples, dtypes=ALL),
    OpInfo("repeat", rejects(repeat_samples, 7), fn=lambda lib, x, r: x.repeat(*r), dtypes=ALL,
           gradgrad=True),
    OpInfo("repeat_tuple", lambda make: [S((make(2, 3),))],
           fn=lambda lib, x: x.repeat((2, 1, 2))),
    OpInfo("tile", tile_samples, dtypes=ALL),
    OpInfo("repeat_interleave", rejects(repeat_interleave_samples, 11), dtypes=ALL, gradgrad=True),
    OpInfo("repeat_interleave_repeats_only",
           lambda make: [S((np.array([1, 2, 0, 3]),), grad=False),
                         S((np.array([2]),), grad=False)],
           fn=lambda lib, r: lib.repeat_interleave(r), dtypes=(np.int64,), grad=False),
    OpInfo("flip", rejects(flip_samples, 6), dtypes=ALL, gradgrad=True),
    OpInfo("flip_varargs", lambda make: [S((make(2, 3, 4),))],
           fn=lambda lib, x: x.flip(0, 2) + x.flip(1) + lib.flip(x, dims=[0])),
    OpInfo("fliplr", rejects(flip_lr_samples, 2), dtypes=ALL),
    OpInfo("flipud", rejects(flip_lr_samples, 3), dtypes=ALL),
    OpInfo("roll", rejects(roll_samples, 8), dtypes=ALL, gradgrad=True),
    OpInfo("rot90", rejects(rot90_samples, 9), dtypes=ALL, gradgrad=True),
    OpInfo("tril", rejects(tri_samples, 8), dtypes=ALL, gradgrad=True),
    OpInfo("triu", rejects(tri_samples, 8), dtypes=ALL, gradgrad=True),
    OpInfo("tril_", rejects(tri_samples, 8), fn=lambda lib, x, k: _inplace_copy(x).tril_(k),
           dtypes=ALL),
    OpInfo("triu_", rejects(tri_samples, 8), fn=lambda lib, x, k: _inplace_copy(x).triu_(k),
           dtypes=ALL),
    OpInfo("diag", rejects(diag_samples, 9), dtypes=ALL, gradgrad=True),
    OpInfo("diagonal", rejects(diagonal_samples, 8), dtypes=ALL, gradgrad=True),
    OpInfo("diag_embed", rejects(diag_embed_samples, 7), dtypes=ALL, gradgrad=True),
    OpInfo("diagflat", diagflat_samples, dtypes=ALL),
    OpInfo("iter", rejects(iter_samples, 3), fn=lambda lib, x: tuple(x), dtypes=ALL),
    OpInfo("narrow", rejects(narrow_samples, 6), dtypes=ALL, gradgrad=True),
    OpInfo("select", rejects(select_samples, 5), dtypes=ALL, gradgrad=True),
    OpInfo("as_strided", rejects(as_strided_samples, 7), dtypes=ALL, gradgrad=True),
    OpInfo("unfold", rejects(unfold_samples, 8), fn=_m("unfold"), dtypes=ALL, gradgrad=True),
]

EXEMPT = {
    "as_strided_gather": "the double backward of as_strided: reached by its gradgradcheck only",
}
