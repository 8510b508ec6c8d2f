"""OpInfos: binary arithmetic, comparisons, logical/bitwise ops, ``where``, casts, creation."""
from __future__ import annotations

import numpy as np

from .core import ALL, FLOAT, FLOAT_INT, OpInfo, SampleInput

BROADCAST_PAIRS = [((), ()), ((5,), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)),
                   ((2, 3, 4), (3, 1)), ((4,), ()), ((), (2, 3)), ((0, 3), (3,))]


def binary_samples(low=-3, high=3, rhs_low=None, rhs_high=None, scalars=(2, -1.5), avoid=None):
    """Tensor-tensor pairs over broadcasting shapes, non-contiguous inputs and Python scalars."""
    def samples(make):
        lo2 = low if rhs_low is None else rhs_low
        hi2 = high if rhs_high is None else rhs_high
        for sa, sb in BROADCAST_PAIRS:
            yield SampleInput((make(*sa, low=low, high=high),
                               make(*sb, low=lo2, high=hi2, avoid=avoid)))
        yield SampleInput((make(3, 4, low=low, high=high, noncontig=True),
                           make(3, 4, low=lo2, high=hi2, noncontig=True, avoid=avoid)))
        for s in scalars:
            yield SampleInput((make(2, 3, low=low, high=high), s))
        # mixed dtypes: promotion
        yield SampleInput((make(2, 3, low=low, high=high),
                           make(2, 3, low=max(lo2, 1), high=max(hi2, 2), dtype=np.int64)))
    return samples


def _nonzero_rhs(make_samples):
    def samples(make):
        for s in make_samples(make):
            b = s.args[1]
            if isinstance(b, np.ndarray) and b.dtype.kind in "iu":
                b = np.where(b == 0, 1, b).astype(b.dtype)
            yield SampleInput((s.args[0], b), s.kwargs)
    return samples


op_db = [
    OpInfo("add", binary_samples(), dtypes=ALL, gradgrad=True,
           covers=("__add__", "__radd__", "__iadd__")),
    OpInfo("add_alpha", binary_samples(scalars=()),
           fn=lambda lib, a, b: lib.add(a, b, alpha=2), covers=("add",)),
    OpInfo("sub", binary_samples(), dtypes=FLOAT_INT, covers=("subtract", "rsub")),
    OpInfo("rsub", binary_samples(scalars=()), fn=lambda lib, a, b: lib.rsub(a, b, alpha=3)),
    OpInfo("mul", binary_samples(), dtypes=ALL, gradgrad=True, covers=("multiply",)),
    OpInfo("div", binary_samples(rhs_low=0.5, rhs_high=3), dtypes=FLOAT_INT, gradgrad=True,
           covers=("divide", "true_divide")),
    OpInfo("div_floor", _nonzero_rhs(binary_samples(rhs_low=0.5, rhs_high=3)),
           fn=lambda lib, a, b: lib.div(a, b, rounding_mode="floor"), dtypes=FLOAT_INT,
           covers=("floor_divide",), gradcheck=False),
    OpInfo("div_trunc", _nonzero_rhs(binary_samples(rhs_low=0.5, rhs_high=3)),
           fn=lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"), dtypes=FLOAT_INT,
           gradcheck=False),
    OpInfo("floor_divide", _nonzero_rhs(binary_samples(rhs_low=1, rhs_high=3)),
           dtypes=(np.int64,), grad=False),
    OpInfo("remainder", _nonzero_rhs(binary_samples(rhs_low=0.5, rhs_high=3)), dtypes=FLOAT_INT,
           gradcheck=False),
    OpInfo("fmod", _nonzero_rhs(binary_samples(rhs_low=0.5, rhs_high=3)), dtypes=FLOAT_INT,
           gradcheck=False),
    OpInfo("pow", binary_samples(low=0.5, high=2, rhs_low=-2, rhs_high=2, scalars=(2, 3, 0.5, -1)),
           gradgrad=True),
    OpInfo("pow_int", binary_samples(low=-3, high=3, rhs_low=0, rhs_high=3, scalars=(2, 3)),
           fn=lambda lib, a, b: lib.pow(a, b), dtypes=(np.int64,), grad=False),
    OpInfo("rpow", lambda make: [SampleInput((make(3, 4, low=-2, high=2),))],
           fn=lambda lib, a: 2.0 ** a, covers=("__rpow__",)),
    OpInfo("neg", lambda make: [SampleInput((make(3, 4),)), SampleInput((make(),))],
           dtypes=FLOAT_INT, covers=("negative",)),
    OpInfo("where", lambda make: [
        SampleInput((make(3, 4, dtype=np.bool_), make(3, 4), make(3, 4))),
        SampleInput((make(3, 1, dtype=np.bool_), make(4), make(3, 4))),
        SampleInput((make(3, 4, dtype=np.bool_), make(3, 4), 0.0)),
    ], gradgrad=True),
    OpInfo("clone", lambda make: [SampleInput((make(3, 4, noncontig=True),)),
                                  SampleInput((make(),))], dtypes=ALL),
    # NOTE: no finite differences through a float32 round trip (float32 rounding >> eps)
    OpInfo("to_dtype", lambda make: [SampleInput((make(3, 4),))],
           fn=lambda lib, x: x.to(lib.float64) * x.to(lib.float32).double(), gradcheck=False),
]

EXEMPT = {
    # creation functions: tested in tests/test_creation.py against torch
    **{n: "creation; tests/test_creation.py" for n in (
        "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
        "arange", "range", "linspace", "logspace", "zeros_like", "ones_like", "full_like",
        "empty_like", "scalar_tensor", "empty_strided", "frombuffer")},
    "expand": "primitive reached through broadcasting and Tensor.expand",
    "sum_to_size": "primitive: the un-broadcast of every elementwise gradient",
    "to_dtype": "primitive behind Tensor.to",
    "copy": "primitive behind Tensor.copy_; tests/test_tensor.py",
    "floor_divide_p": "",
}
