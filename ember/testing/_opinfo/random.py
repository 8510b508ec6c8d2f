"""OpInfos: random sampling. Both frameworks are seeded identically right before the draw, so
the forward comparison checks that ember reproduces torch's stream (values, dtype, shape).
Stream details (block sizes, tails, state bytes) are in tests/test_random_streams.py."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, OpInfo, SampleInput


def seeded(draw):
    def fn(lib, *args, **kwargs):
        lib.manual_seed(1234)
        return draw(lib, *args, **kwargs)
    return fn


def _sizes(make):
    for size in [(), (5,), (3, 7), (2, 3, 4), (33,)]:
        yield SampleInput((size,), grad=False)


def _like(make):
    for shape in [(5,), (3, 7), (17,)]:
        yield SampleInput((make(*shape),), grad=False)


op_db = [
    OpInfo("rand", _sizes, fn=seeded(lambda lib, s: lib.rand(s)), grad=False, dtypes=(np.float32,)),
    OpInfo("rand_float64", _sizes, fn=seeded(lambda lib, s: lib.rand(s, dtype=lib.float64)),
           grad=False, dtypes=(np.float32,), covers=("rand",)),
    OpInfo("randn", _sizes, fn=seeded(lambda lib, s: lib.randn(s)), grad=False,
           dtypes=(np.float32,)),
    OpInfo("rand_like", _like, fn=seeded(lambda lib, x: lib.rand_like(x)), grad=False,
           dtypes=FLOAT),
    OpInfo("randn_like", _like, fn=seeded(lambda lib, x: lib.randn_like(x)), grad=False,
           dtypes=FLOAT),
    OpInfo("randint", _sizes, fn=seeded(lambda lib, s: lib.randint(-5, 17, s)), grad=False,
           dtypes=(np.float32,)),
    OpInfo("randint_like", _like, fn=seeded(lambda lib, x: lib.randint_like(x, 0, 9)),
           grad=False, dtypes=(np.int64, np.float32)),
    OpInfo("randperm", lambda make: [SampleInput((n,), grad=False) for n in (1, 7, 100, 1000)],
           fn=seeded(lambda lib, n: lib.randperm(n)), grad=False, dtypes=(np.float32,)),
    OpInfo("normal", lambda make: [
        SampleInput((make(5), make(5, low=0.1, high=2)), grad=False),
        SampleInput((make(20), 2.0), grad=False),
        SampleInput((0.5, make(3, 4, low=0.1, high=2)), grad=False),
    ], fn=seeded(lambda lib, m, s: lib.normal(m, s)), grad=False, dtypes=FLOAT,
        atol=1e-6, rtol=1e-6),
    OpInfo("normal_size", lambda make: [SampleInput((1.0, 2.0, (4, 5)), grad=False)],
           fn=seeded(lambda lib, m, s, size: lib.normal(m, s, size)), grad=False,
           dtypes=(np.float32,), covers=("normal",)),
    OpInfo("bernoulli", lambda make: [SampleInput((make(4, 5, low=0, high=1),), grad=False),
                                      SampleInput((make(40, low=0, high=1),), grad=False)],
           fn=seeded(lambda lib, p: lib.bernoulli(p)), grad=False, dtypes=FLOAT),
    OpInfo("bernoulli_p", lambda make: [SampleInput((make(6, 7),), grad=False)],
           fn=seeded(lambda lib, x: lib.bernoulli(x, 0.3)), grad=False, dtypes=FLOAT,
           covers=("bernoulli",)),
    OpInfo("multinomial", lambda make: [
        SampleInput((make(6, low=0, high=1), 4), grad=False),
        SampleInput((make(3, 8, low=0, high=1), 5, True), grad=False),
        SampleInput((make(10, low=0.1, high=1), 10, False), grad=False),
    ], fn=seeded(lambda lib, p, n, r=False: lib.multinomial(p, n, r)), grad=False,
        dtypes=FLOAT),
]

EXEMPT = {
    "poisson": "NumPy's Poisson sampler (documented: not torch's stream); shape/dtype tested in "
               "tests/test_random_streams.py",
}
