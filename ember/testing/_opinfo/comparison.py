"""OpInfos: comparisons, is* tests, logical/bitwise ops and shifts, min/max pairs, clamp."""
from __future__ import annotations

import numpy as np

from .core import ALL, FLOAT, FLOAT_INT, OpInfo, SampleInput
from .elementwise import binary_samples

INT_BOOL = (np.int64, np.int32, np.bool_)


def _special(make, *shape):
    a = make(*shape)
    if a.dtype.kind == "f":
        flat = a.reshape(-1)
        flat[::3] = np.nan
        flat[1::5] = np.inf
        flat[2::7] = -np.inf
    return a


def _cmp_samples(make):
    yield from binary_samples()(make)
    a = _special(make, 3, 4)
    yield SampleInput((a, a.copy()))                      # equal values, nan/inf
    yield SampleInput((a, np.round(make(3, 4))))
    yield SampleInput((make(2, 3), 3))


def _cmp(name, aliases=(), op=None):
    fn = None if op is None else (lambda lib, a, b: op(a, b))
    return OpInfo(name, _cmp_samples, fn=fn, dtypes=ALL, grad=False, covers=tuple(aliases))


def _test_samples(make):
    yield SampleInput((_special(make, 4, 5),))
    yield SampleInput((make(),))
    yield SampleInput((make(0, 3),))
    yield SampleInput((make(3, 4, noncontig=True),))


def _isclose_samples(make):
    a = make(3, 4)
    yield SampleInput((a, a + (1e-6 * a).astype(a.dtype)))
    yield SampleInput((a, make(4)))
    b = _special(make, 3, 4)
    yield SampleInput((b, b.copy()), {"equal_nan": True})
    yield SampleInput((b, b.copy()))
    yield SampleInput((a, (a + 0.01).astype(a.dtype)), {"rtol": 0.0, "atol": 0.02})
    yield SampleInput((a, (a + 1).astype(a.dtype)), {"rtol": 0.0, "atol": 0.0})
    yield SampleInput((a, a.astype(np.float64) if a.dtype != np.float64 else
                       a.astype(np.float32)))  # dtype mismatch: RuntimeError
    yield SampleInput((a, a), {"rtol": -1.0})


def _logical_samples(make):
    yield from binary_samples(low=-1, high=1, scalars=())(make)
    yield SampleInput((make(3, 4, low=-1, high=1), make(3, 4, low=-1, high=1, dtype=np.bool_)))


def _bitwise_samples(make):
    for s in binary_samples(low=-8, high=8, scalars=(3, True))(make):
        yield s
    yield SampleInput((5, make(3, 4, low=-8, high=8)))


def _shift_samples(make):
    if make.dtype.kind == "b":
        return
    for s in binary_samples(low=-20, high=20, rhs_low=0, rhs_high=6, scalars=(1, 3))(make):
        yield s
    yield SampleInput((make(4, 5, low=-100, high=100),
                       np.array([-1, 0, 7, 8, 15, 16, 31, 32, 63, 64, 70, 100, -5, 1, 2, 3, 4, 5,
                                 6, 9], dtype=make.dtype).reshape(4, 5)))
    yield SampleInput((3, make(3, low=0, high=5)))


def _pair_samples(make):
    yield from binary_samples(scalars=())(make)
    if make.dtype.kind == "f":
        a = np.array([1.0, 2.0, np.nan, 1.0, np.nan, -0.5], dtype=make.dtype)
        b = np.array([1.0, 1.0, 1.0, np.nan, np.nan, -0.5], dtype=make.dtype)
        yield SampleInput((a, b), grad=False)


def _ties(make):
    yield SampleInput((np.array([1.0, 2.0, 3.0, -1.0], dtype=make.dtype),
                       np.array([1.0, 1.0, 4.0, -1.0], dtype=make.dtype)))


def _clamp_samples(make):
    yield SampleInput((make(3, 4), -1.0, 1.5))
    yield SampleInput((make(3, 4),), {"min": -0.5})
    yield SampleInput((make(3, 4),), {"max": 0.5})
    yield SampleInput((make(), -1, 1))
    yield SampleInput((make(0, 3), -1, 1))
    yield SampleInput((make(3, 4, noncontig=True), 2, -2))          # min > max: all max
    yield SampleInput((make(3, 4), make(3, 4, low=-3, high=0), make(4, low=0, high=3)))
    yield SampleInput((make(3, 4),), {"min": make(3, 1, low=-3, high=0)})
    yield SampleInput((make(3, 4),), {"max": make(4, low=0, high=3)})
    yield SampleInput((make(3, 4), make(3, 4, low=0, high=3), make(3, 4, low=-3, high=0)))
    yield SampleInput((make(2, 3), 0.5, 2.5))                       # int input, float bounds
    yield SampleInput((make(4), None, None))                        # RuntimeError


def _clamp_ties(make):
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=make.dtype)
    yield SampleInput((x, 1.0, 3.0))
    yield SampleInput((x, np.array([1.0, 1, 1, 1, 1, 6], dtype=make.dtype),
                       np.array([3.0, 3, 3, 3, 3, 2], dtype=make.dtype)))
    yield SampleInput((x,), {"min": np.full(6, 3.0, dtype=make.dtype)})
    yield SampleInput((x,), {"max": np.full(6, 3.0, dtype=make.dtype)})


op_db = [
    _cmp("eq", ("__eq__",)), _cmp("ne", ("not_equal", "__ne__")),
    _cmp("lt", ("less", "__lt__")), _cmp("le", ("less_equal", "__le__")),
    _cmp("gt", ("greater", "__gt__")), _cmp("ge", ("greater_equal", "__ge__")),
    _cmp("op_eq", op=lambda a, b: a == b), _cmp("op_ne", op=lambda a, b: a != b),
    _cmp("op_lt", op=lambda a, b: a < b), _cmp("op_le", op=lambda a, b: a <= b),
    _cmp("op_gt", op=lambda a, b: a > b), _cmp("op_ge", op=lambda a, b: a >= b),
    _cmp("op_reflected", op=lambda a, b: (2 < a, 1.5 >= a, 0 == a)),
    OpInfo("eq_", lambda make: [SampleInput((make(3, 4, low=-1, high=1), make(4, low=-1, high=1)))],
           fn=lambda lib, a, b: (a.clone().eq_(b), a.clone().lt_(b), a.clone().ge_(0)),
           dtypes=FLOAT_INT, grad=False),
    *[OpInfo(n, _test_samples, dtypes=ALL, grad=False)
      for n in ("isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal")],
    OpInfo("isclose", _isclose_samples, dtypes=FLOAT_INT + (np.bool_,), grad=False),
    OpInfo("allclose", _isclose_samples, dtypes=FLOAT_INT, grad=False),
    OpInfo("equal", lambda make: [
        SampleInput((make(3, 4), make(3, 4))),
        SampleInput((np.ones((3, 4), make.dtype), np.ones((3, 4), make.dtype))),
        SampleInput((np.ones((3, 4), make.dtype), np.ones((4,), make.dtype))),
        SampleInput((np.ones((3,), make.dtype), np.ones((3,), np.float64))),
        SampleInput((_special(make, 3), _special(make, 3))),
    ], dtypes=ALL, grad=False),
    *[OpInfo(n, _logical_samples, dtypes=ALL, grad=False)
      for n in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("logical_not", _test_samples, dtypes=ALL, grad=False),
    OpInfo("logical_inplace", lambda make: [SampleInput((make(3, 4, low=-1, high=1),
                                                         make(3, 4, low=-1, high=1)))],
           fn=lambda lib, a, b: (a.clone().logical_and_(b), a.clone().logical_not_(),
                                 a.clone().logical_xor_(b), a.clone().logical_or_(b)),
           dtypes=ALL, grad=False),
    *[OpInfo(n, _bitwise_samples, dtypes=INT_BOOL + (np.float32,), grad=False,
             covers=(f"__{d}__", f"__r{d}__", f"__i{d}__"))
      for n, d in (("bitwise_and", "and"), ("bitwise_or", "or"), ("bitwise_xor", "xor"))],
    OpInfo("bitwise_operators", _bitwise_samples,
           fn=lambda lib, a, b: (a & b, a | b, a ^ b, b & a if not isinstance(b, int) else 7 ^ a),
           dtypes=INT_BOOL, grad=False),
    OpInfo("bitwise_inplace", lambda make: [SampleInput((make(3, 4, low=-8, high=8),
                                                         make(4, low=-8, high=8)))],
           fn=lambda lib, a, b: _iops(a, b), dtypes=INT_BOOL, grad=False),
    OpInfo("bitwise_not", _test_samples, dtypes=INT_BOOL + (np.float32,), grad=False,
           covers=("__invert__",)),
    OpInfo("invert", lambda make: [SampleInput((make(3, 4, low=-8, high=8),))],
           fn=lambda lib, a: ~a, dtypes=INT_BOOL + (np.float32,), grad=False),
    OpInfo("bitwise_left_shift", _shift_samples, dtypes=(np.int64, np.int32, np.float32),
           grad=False),
    OpInfo("bitwise_right_shift", _shift_samples, dtypes=(np.int64, np.int32, np.float32),
           grad=False),
    OpInfo("shift_operators", _shift_samples,
           fn=lambda lib, a, b: (a << b, a >> b), dtypes=(np.int64, np.int32), grad=False),
    OpInfo("maximum", _pair_samples, dtypes=ALL, gradgrad=True),
    OpInfo("minimum", _pair_samples, dtypes=ALL, gradgrad=True),
    OpInfo("fmax", _pair_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("fmin", _pair_samples, dtypes=FLOAT_INT, gradgrad=True),
    *[OpInfo(f"{n}_ties", _ties, fn=lambda lib, a, b, n=n: getattr(lib, n)(a, b),
             gradcheck=False, covers=(n,)) for n in ("maximum", "minimum", "fmax", "fmin")],
    OpInfo("clamp", _clamp_samples, dtypes=FLOAT_INT, gradgrad=True, covers=("clip",)),
    OpInfo("clamp_ties", _clamp_ties, fn=lambda lib, x, *a, **k: lib.clamp(x, *a, **k),
           gradcheck=False, covers=("clamp",)),
    OpInfo("clamp_min", lambda make: [SampleInput((make(3, 4), 0.5)),
                                      SampleInput((make(3, 4), make(4)))], dtypes=FLOAT_INT),
    OpInfo("clamp_max", lambda make: [SampleInput((make(3, 4), 0.5)),
                                      SampleInput((make(3, 4), make(3, 1)))], dtypes=FLOAT_INT),
    OpInfo("clamp_", _clamp_samples, fn=lambda lib, x, *a, **k: x.clone().clamp_(*a, **k),
           dtypes=FLOAT_INT),
    OpInfo("clip_method", _clamp_samples, fn=lambda lib, x, *a, **k: x.clip(*a, **k),
           dtypes=FLOAT_INT, covers=("clip",)),
]


def _iops(a, b):
    x = a.clone()
    x &= b
    y = a.clone()
    y |= b
    z = a.clone()
    z ^= b
    return x, y, z


EXEMPT = {}
