"""The OpInfo table's building blocks (torch's OpInfo, trimmed).

An ``OpInfo`` names an op and says how to call it: ``fn(lib, *args, **kwargs)`` runs the same
code with ``lib`` = ``ember`` or ``torch``, so one entry tests both frameworks. Samples are
NumPy arrays plus plain Python arguments; the sweep turns arrays into tensors of each framework.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

__all__ = ["OpInfo", "SampleInput", "Maker", "op_db_from", "FLOAT", "FLOAT_INT", "ALL"]

FLOAT = (np.float32, np.float64)
FLOAT_INT = (np.float32, np.float64, np.int64, np.int32)
ALL = (np.float32, np.float64, np.int64, np.int32, np.bool_)


@dataclasses.dataclass
class SampleInput:
    """Positional and keyword arguments; NumPy arrays become tensors (``grad=False`` arrays
    never require grad)."""

    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    name: str = ""
    grad: bool = True

    def __repr__(self) -> str:
        def short(a):
            if isinstance(a, np.ndarray):
                return f"array{a.shape}:{a.dtype}{'' if a.flags.c_contiguous else ':nc'}"
            return repr(a)
        args = ", ".join(short(a) for a in self.args)
        kw = ", ".join(f"{k}={short(v)}" for k, v in self.kwargs.items())
        return f"{self.name}({args}{', ' if kw else ''}{kw})"


class Maker:
    """Makes sample arrays of one dtype from a seeded generator."""

    def __init__(self, dtype, seed: int = 0) -> None:
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)

    def __call__(self, *shape, low: float = -3.0, high: float = 3.0, dtype=None,
                 noncontig: bool = False, avoid: float | None = None) -> np.ndarray:
        dt = np.dtype(dtype) if dtype is not None else self.dtype
        if dt.kind == "b":
            a = self.rng.random(shape) < 0.5
        elif dt.kind in "iu":
            a = self.rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, size=shape).astype(dt)
        else:
            a = self.rng.uniform(low, high, size=shape).astype(dt)
            if avoid is not None:  # keep finite differences away from kinks
                near = np.abs(a - avoid) < 0.1
                a[near] += 0.25
        if noncontig and a.ndim:
            a = np.repeat(a, 2, axis=-1)[..., ::2]
            if a.ndim >= 2:
                a = np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
        return np.asarray(a) if not isinstance(a, np.ndarray) else a

    def int(self, *shape, low: int = 0, high: int = 5) -> np.ndarray:
        return self.rng.integers(low, high, size=shape).astype(np.int64)


def _by_name(name):
    parts = name.split(".")

    def fn(lib, *args, **kwargs):
        obj = lib
        for p in parts:
            obj = getattr(obj, p)
        return obj(*args, **kwargs)
    return fn


@dataclasses.dataclass
class OpInfo:
    """One op under test.

    name: the public name (``ember.<name>`` / ``torch.<name>``; dotted for submodules).
    fn: ``fn(lib, *args, **kwargs)``; defaults to calling ``lib.<name>``.
    samples: ``samples(make)`` yields ``SampleInput``s for the ``Maker``'s dtype.
    dtypes: NumPy dtypes to sweep. grad: differentiable (checked in float dtypes).
    gradcheck / gradgrad: finite-difference checks in float64 (first / second order).
    covers: other public names this entry exercises (for the completeness test).
    """

    name: str
    samples: Callable
    fn: Callable | None = None
    dtypes: tuple = FLOAT
    grad: bool = True
    gradcheck: bool = True
    gradgrad: bool = False
    rtol: float | None = None
    atol: float | None = None
    covers: tuple = ()
    check_dtype: bool = True
    skips: dict = dataclasses.field(default_factory=dict)
    nondeterministic: bool = False

    def __post_init__(self):
        if self.fn is None:
            self.fn = _by_name(self.name)


def op_db_from(*modules) -> list:
    out = []
    for m in modules:
        out.extend(m.op_db)
    return out
