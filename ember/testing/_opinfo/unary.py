"""OpInfos: unary math, special functions and the two-argument float math."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, FLOAT_INT, OpInfo, SampleInput
from .elementwise import binary_samples

INTS = (np.int64, np.int32)


def unary_samples(low=-3.0, high=3.0, avoid=None, kwargs=None, extra=()):
    """0-d, empty, 2-d, 3-d non-contiguous and a size-1 sample, values in [low, high]."""
    kw = kwargs or {}

    def samples(make):
        lo, hi = low, high
        if make.dtype.kind in "iub":  # an integer range that is never empty
            lo, hi = float(np.floor(low)), float(np.ceil(high))
        yield from _samples(make, lo, hi)

    def _samples(make, low, high):
        yield SampleInput((make(3, 4, low=low, high=high, avoid=avoid),), dict(kw))
        yield SampleInput((make(low=low, high=high, avoid=avoid),), dict(kw))
        yield SampleInput((make(0, 3, low=low, high=high),), dict(kw))
        yield SampleInput((make(2, 3, 4, low=low, high=high, avoid=avoid, noncontig=True),),
                          dict(kw))
        yield SampleInput((make(1, low=low, high=high, avoid=avoid),), dict(kw))
        for e in extra:
            yield from e(make)
    return samples


def special_values(make):
    """nan, +-inf, +-0 mixed with ordinary values (float dtypes only); not differentiable."""
    if make.dtype.kind != "f":
        return
    a = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5],
                 dtype=make.dtype)
    yield SampleInput((a,), grad=False)


def _u(name, low=-3.0, high=3.0, dtypes=FLOAT_INT, avoid=None, gradgrad=True, aliases=(),
       extra=(special_values,), **kw):
    covers = tuple(aliases) + tuple(kw.pop("covers", ()))
    return OpInfo(name, unary_samples(low, high, avoid, extra=extra), dtypes=dtypes,
                  gradgrad=gradgrad, covers=covers, **kw)


def _inplace(name, low=-3.0, high=3.0):
    """``x.clone().<name>_()`` against torch (the in-place twin)."""
    return OpInfo(f"{name}_", lambda make: [SampleInput((make(3, 4, low=low, high=high),))],
                  fn=lambda lib, x: getattr(x.clone(), name + "_")(), grad=True)


def _neg_gamma(make):
    if make.dtype.kind == "f":
        yield SampleInput((make(3, 4, low=-2.9, high=-2.1, avoid=-2.5),))
        yield SampleInput((make(5, low=-0.9, high=-0.1),))


def _erfinv_edges(make):
    if make.dtype.kind == "f":
        yield SampleInput((np.array([-1.0, 1.0, 0.0, 1.5, -1.5, np.nan, 0.999999, -0.999999],
                                    dtype=make.dtype),), grad=False)


def _polygamma(n):
    def edges(make):  # not at the poles: torch's float32 trigamma is garbage there
        if make.dtype.kind == "f":
            yield SampleInput((np.array([np.nan, np.inf, -np.inf, 0.5, 2.5, -2.5, -0.3],
                                        dtype=make.dtype),), grad=False)
    return OpInfo(f"polygamma_{n}", unary_samples(0.5, 4.0, extra=(edges, _neg_gamma)),
                  fn=lambda lib, x: lib.polygamma(n, x), dtypes=FLOAT_INT, gradgrad=(n < 2),
                  covers=("polygamma",))


def _round_dec(d):
    return OpInfo(f"round_decimals_{d}", unary_samples(-300.0, 300.0),
                  fn=lambda lib, x: lib.round(x, decimals=d), dtypes=FLOAT, covers=("round",))


def _nan_to_num_samples(make):
    yield from unary_samples()(make)
    if make.dtype.kind == "f":
        a = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], dtype=make.dtype)
        yield SampleInput((a,), grad=False)
        yield SampleInput((a,), {"nan": 1.0, "posinf": 2.0, "neginf": -3.0}, grad=False)
        yield SampleInput((a,), {"posinf": 7.0}, grad=False)


def _lerp_samples(make):
    yield SampleInput((make(3, 4), make(3, 4), 0.3))
    yield SampleInput((make(3, 4), make(3, 4), 0.7))
    yield SampleInput((make(3, 4), make(4), make(3, 4, low=0, high=1)))
    yield SampleInput((make(3, 1), make(1, 4), make(4, low=0, high=1)))
    yield SampleInput((make(), make(), make(low=0, high=1)))
    yield SampleInput((make(0, 2), make(0, 2), 0.5))
    yield SampleInput((make(3, 4, noncontig=True), make(3, 4, noncontig=True), 1.5))


def _addc_samples(low2=-3, high2=3):
    def samples(make):
        yield SampleInput((make(3, 4), make(3, 4), make(3, 4, low=low2, high=high2)))
        yield SampleInput((make(3, 4), make(4), make(3, 1, low=low2, high=high2)),
                          {"value": 0.5})
        yield SampleInput((make(), make(), make(low=low2, high=high2)), {"value": -2})
        yield SampleInput((make(2, 3), make(2, 3, noncontig=True),
                           make(2, 3, noncontig=True, low=low2, high=high2)))
        yield SampleInput((make(0, 3), make(0, 3), make(0, 3, low=low2, high=high2)))
        yield SampleInput((make(2, 3), make(2, 3, dtype=np.int64, low=1, high=4),
                           make(2, 3, dtype=np.int64, low=1, high=4)), {"value": 0.5})
    return samples


def _tensor_pairs(low=-3, high=3, rhs_low=None, rhs_high=None):
    """binary_samples without Python scalars (torch rejects them for these ops)."""
    return binary_samples(low, high, rhs_low, rhs_high, scalars=())


op_db = [
    _u("exp", low=-3, high=3),
    _u("exp2"),
    _u("expm1"),
    _u("log", low=0.3, high=3),
    _u("log2", low=0.3, high=3),
    _u("log10", low=0.3, high=3),
    _u("log1p", low=-0.7, high=3),
    _u("sqrt", low=0.3, high=3),
    _u("rsqrt", low=0.3, high=3),
    _u("reciprocal", low=0.3, high=3),
    _u("square", aliases=()),
    _u("sin"), _u("cos"), _u("tan", low=-1.2, high=1.2),
    _u("asin", low=-0.9, high=0.9, aliases=("arcsin",)),
    _u("acos", low=-0.9, high=0.9, aliases=("arccos",)),
    _u("atan", aliases=("arctan",)),
    _u("sinh"), _u("cosh"), _u("tanh"),
    _u("asinh", aliases=("arcsinh",)),
    _u("acosh", low=1.2, high=4, aliases=("arccosh",)),
    _u("atanh", low=-0.9, high=0.9, aliases=("arctanh",)),
    _u("sigmoid", low=-8, high=8),
    _u("deg2rad"), _u("rad2deg"),
    _u("erf"), _u("erfc"),
    _u("erfinv", low=-0.95, high=0.95, extra=(_erfinv_edges,)),
    _u("lgamma", low=0.2, high=6, extra=(special_values, _neg_gamma)),
    _u("digamma", low=0.2, high=6, extra=(special_values, _neg_gamma)),
    _polygamma(1), _polygamma(2), _polygamma(3),
    _u("logit", low=0.05, high=0.95),
    OpInfo("logit_eps", unary_samples(-0.5, 1.5, extra=(special_values,)),
           fn=lambda lib, x: lib.logit(x, eps=0.2), covers=("logit",), gradgrad=True),
    _u("abs", avoid=0.0, aliases=("absolute",), covers=("__abs__",)),
    OpInfo("__abs__", unary_samples(avoid=0.0), fn=lambda lib, x: abs(x), dtypes=FLOAT_INT),
    _u("sign", extra=(special_values,), covers=("sgn",)),
    _u("sgn"),
    OpInfo("sign_bool", lambda make: [SampleInput((make(3, 4, dtype=np.bool_),))],
           fn=lambda lib, x: lib.sign(x), dtypes=(np.float32,), grad=False),
    OpInfo("signbit", unary_samples(extra=(special_values,)), dtypes=FLOAT_INT + (np.bool_,),
           grad=False),
    _u("floor"), _u("ceil"), _u("trunc", aliases=("fix",)), _u("fix"),
    _u("round", extra=(special_values, lambda make: [SampleInput(
        (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 3.5], dtype=make.dtype),),
        grad=False)])),  # ties: forward only (round jumps there; finite differences are moot)
    _round_dec(2), _round_dec(-1),
    _u("frac", dtypes=FLOAT),
    OpInfo("frac_int", lambda make: [SampleInput((make(3),))], fn=lambda lib, x: lib.frac(x),
           dtypes=(np.int64, np.bool_), grad=False),
    OpInfo("positive", unary_samples(), dtypes=FLOAT_INT, covers=("__pos__",)),
    OpInfo("__pos__", unary_samples(), fn=lambda lib, x: +x, dtypes=FLOAT_INT),
    OpInfo("nan_to_num", _nan_to_num_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("bool_float_ops", lambda make: [SampleInput((make(2, 3, dtype=np.bool_),))],
           fn=lambda lib, x: (lib.exp(x), lib.sqrt(x), lib.square(x), lib.erf(x),
                              lib.deg2rad(x), lib.nan_to_num(x)), dtypes=(np.float32,),
           grad=False),
    OpInfo("bool_rejected", lambda make: [SampleInput((make(2, 3, dtype=np.bool_),))],
           fn=lambda lib, x: lib.abs(x), dtypes=(np.float32,), grad=False),
    *[_inplace(n, lo, hi) for n, lo, hi in (
        ("exp", -2, 2), ("log", 0.5, 2), ("sqrt", 0.5, 2), ("sigmoid", -2, 2), ("abs", -2, 2),
        ("erf", -2, 2), ("erfinv", -0.9, 0.9), ("lgamma", 0.5, 3), ("digamma", 0.5, 3),
        ("tanh", -2, 2), ("round", -3, 3),
        ("frac", -3, 3), ("nan_to_num", -3, 3), ("arcsin", -0.9, 0.9), ("rsqrt", 0.5, 2))],
    # -- two-argument float math
    OpInfo("hypot", _tensor_pairs(0.5, 3), gradgrad=True),
    OpInfo("atan2", _tensor_pairs(0.3, 3, -3, 3), dtypes=FLOAT_INT, gradgrad=True,
           covers=("arctan2",)),
    OpInfo("copysign", binary_samples(low=0.3, high=3), dtypes=FLOAT_INT, gradgrad=True),
    # scalars > 0 only: xlogy(a, -1.5) is nan, so its finite differences are nan too
    OpInfo("xlogy", binary_samples(low=-2, high=2, rhs_low=0.3, rhs_high=3, scalars=(2, 0.5)),
           dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("xlogy_zero", lambda make: [SampleInput((
        np.array([0.0, 0.0, 1.0, 2.0], dtype=make.dtype),
        np.array([0.0, np.nan, 0.5, 3.0], dtype=make.dtype)), grad=False),
        SampleInput((2.0, make(3, low=0.5, high=2)))],
        fn=lambda lib, a, b: lib.xlogy(a, b), covers=("xlogy",)),
    OpInfo("float_power", binary_samples(low=0.5, high=2, rhs_low=-2, rhs_high=2,
                                         scalars=(2, 0.5, -1)), dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("float_power_scalar_base", lambda make: [SampleInput((2, make(3, 4, low=-2, high=2)))],
           fn=lambda lib, a, b: lib.float_power(a, b), dtypes=FLOAT_INT, covers=("float_power",)),
    OpInfo("float_power_", lambda make: [SampleInput((make(3, low=0.5, high=2, dtype=np.float64),
                                                      make(3)))],
           fn=lambda lib, a, b: a.clone().float_power_(b), grad=False),
    OpInfo("lerp", _lerp_samples, gradgrad=True),
    OpInfo("lerp_", _lerp_samples, fn=lambda lib, a, b, w: a.clone().lerp_(b, w)),
    OpInfo("addcmul", _addc_samples(), dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("addcdiv", _addc_samples(0.5, 3), dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("addcmul_", _addc_samples(),
           fn=lambda lib, a, b, c, **kw: a.clone().addcmul_(b, c, **kw)),
    OpInfo("logaddexp", _tensor_pairs(), dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("logaddexp2", _tensor_pairs(), dtypes=FLOAT_INT, gradgrad=True),
]

EXEMPT = {
    "polygamma": "covered by polygamma_1/2/3 (n is a leading int argument)",
}
