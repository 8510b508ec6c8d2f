"""Layer 1: ember dtypes, their NumPy storage types and torch's type-promotion rules.

Mirrors ``torch.dtype``: the same names and aliases, ``repr`` prints ``torch.float32`` so that
unchanged programs print what they print under PyTorch. ``bfloat16`` is stored through
``ml_dtypes`` when that extra is installed.
"""
from __future__ import annotations

import builtins

import numpy as np

try:  # optional extra: bfloat16 storage
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - exercised only without the extra
    _ml_dtypes = None

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
    "float32", "float64", "complex64", "complex128", "float", "double", "half", "long", "int",
    "short", "cfloat", "cdouble", "get_default_dtype", "set_default_dtype", "promote_types",
    "can_cast", "finfo", "iinfo",
]

# categories, ordered for promotion
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type (``torch.dtype``)."""

    __slots__ = ("name", "itemsize", "is_floating_point", "is_complex", "is_signed", "np",
                 "category", "_rank")

    def __init__(self, name, np_type, category, is_signed, rank):
        self.name = name
        self.np = np.dtype(np_type) if np_type is not None else None
        self.itemsize = {"bool": 1, "uint8": 1, "int8": 1, "int16": 2, "int32": 4, "int64": 8,
                         "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8,
                         "complex64": 8, "complex128": 16}[name]
        self.category = category
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = is_signed
        self._rank = rank

    def __repr__(self) -> str:
        return "torch." + self.name

    __str__ = __repr__

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    @property
    def is_bfloat16(self):  # pragma: no cover - convenience
        return self.name == "bfloat16"

    def to_real(self) -> "dtype":
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> "dtype":
        return {"float32": complex64, "float64": complex128, "float16": complex64}.get(
            self.name, self)


bool = dtype("bool", np.bool_, _BOOL, False, 0)
uint8 = dtype("uint8", np.uint8, _INT, False, 1)
int8 = dtype("int8", np.int8, _INT, True, 1)
int16 = dtype("int16", np.int16, _INT, True, 2)
int32 = dtype("int32", np.int32, _INT, True, 3)
int64 = dtype("int64", np.int64, _INT, True, 4)
float16 = dtype("float16", np.float16, _FLOAT, True, 1)
bfloat16 = dtype("bfloat16", _ml_dtypes.bfloat16 if _ml_dtypes else None, _FLOAT, True, 1)
float32 = dtype("float32", np.float32, _FLOAT, True, 3)
float64 = dtype("float64", np.float64, _FLOAT, True, 4)
complex64 = dtype("complex64", np.complex64, _COMPLEX, True, 3)
complex128 = dtype("complex128", np.complex128, _COMPLEX, True, 4)

float, double, half, long, int, short = float32, float64, float16, int64, int32, int16
cfloat, cdouble = complex64, complex128

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
              complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np: d for d in ALL_DTYPES if d.np is not None}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype that stores as ``np_dtype`` (TypeError for unsupported ones)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    nd = np.dtype(np_dtype)
    if nd in _BY_NP:
        return _BY_NP[nd]
    if nd == np.uint16 or nd == np.uint32 or nd == np.uint64:
        # NOTE: torch has only limited unsigned support beyond uint8; we widen to int64.
        return int64
    raise TypeError(f"can't convert np.ndarray of type numpy.{nd}. The only supported types are: "
                    "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
                    "uint8, and bool.")


def to_numpy_dtype(d: dtype):
    if d.np is None:
        raise RuntimeError(f"{d} needs the optional 'ml_dtypes' package (pip install ember[bf16])")
    return d.np


_default_dtype = float32


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (``torch.get_default_dtype``)."""
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; like torch, only floating types are accepted."""
    global _default_dtype
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_dtype = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both ``a`` and ``b`` convert to safely."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo is float64:
            return complex128
        return hi
    if a.category == _INT:
        if a.is_signed != b.is_signed:  # uint8 with a signed int
            signed = a if a.is_signed else b
            return int16 if signed is int8 else signed
        return a if a._rank > b._rank else b
    if a.category == _FLOAT and a._rank == b._rank:  # float16 with bfloat16
        return float32
    return a if a._rank > b._rank else b


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """torch.can_cast: casting that does not lower the category (float -> int is not allowed)."""
    if from_.category > to.category:
        return False
    return not (from_.category != _BOOL and to is bool)


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a wrapped Python scalar."""
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return _default_dtype
    if isinstance(value, complex):
        return complex128 if _default_dtype is float64 else complex64
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """torch's rule for merging a higher-priority result with a lower-priority one.

    Dimensioned tensors outrank 0-d tensors, which outrank Python scalars: a lower group only
    matters when it is of a higher category (int tensor * 2.5 -> float32, not float64).
    """
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


class finfo:
    """Machine limits of a floating dtype (``torch.finfo``)."""

    def __init__(self, type: dtype | None = None) -> None:
        type = type or _default_dtype
        if not (type.is_floating_point or type.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo "
                            f"to handle '{type}'")
        self.dtype = type.to_real().name
        if type is bfloat16:
            self.bits, self.eps, self.max = 16, 0.0078125, 3.3895313892515355e38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            fi = np.finfo(type.to_real().np)
            self.bits, self.eps, self.max = fi.bits, builtins.float(fi.eps), builtins.float(fi.max)
            self.tiny = self.smallest_normal = builtins.float(fi.tiny)
            self.resolution = 10.0 ** -fi.precision
        self.min = -self.max

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (``torch.iinfo``)."""

    def __init__(self, type: dtype) -> None:
        if type.is_floating_point or type.is_complex:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to "
                            f"handle '{type}'")
        ii = np.iinfo(np.uint8 if type is bool else type.np)
        self.bits, self.min, self.max = ii.bits, builtins.int(ii.min), builtins.int(ii.max)
        if type is bool:
            self.bits, self.min, self.max = 8, 0, 1
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
