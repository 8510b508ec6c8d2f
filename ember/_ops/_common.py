"""Shared front-end helpers: scalar wrapping, torch's type promotion, broadcast checks, dims."""
from __future__ import annotations

import numbers

from .. import _dtype
from .._backend import CPU
from .._dtype import combine_categories, promote_types, scalar_dtype
from .._tensor import Tensor, _make

__all__ = ["result_type", "wrap", "as_tensor_like", "broadcast_shape", "wrap_dim", "dims_arg",
           "to_dtype_arg", "is_float"]

xp = CPU.xp
_BY_NP = _dtype._BY_NP


def _priority_dtypes(operands):
    dim_r = zero_r = wrapped_r = None
    for x in operands:
        if isinstance(x, Tensor):
            dt = _BY_NP[x._data.dtype]
            if x._data.ndim:
                dim_r = dt if dim_r is None else promote_types(dim_r, dt)
            else:
                zero_r = dt if zero_r is None else promote_types(zero_r, dt)
        elif x is None:
            continue
        else:
            dt = scalar_dtype(x)
            wrapped_r = dt if wrapped_r is None else promote_types(wrapped_r, dt)
    return dim_r, zero_r, wrapped_r


def result_type(*operands) -> _dtype.dtype:
    """torch.result_type over tensors and Python scalars."""
    if len(operands) == 2:  # fast paths: same-dtype tensors; a float tensor and a number
        a, b = operands
        if isinstance(a, Tensor):
            da = a._data.dtype
            tb = type(b)
            if tb is float or tb is int:
                if da.kind == "f":
                    return _BY_NP[da]
            elif isinstance(b, Tensor) and da == b._data.dtype:
                return _BY_NP[da]
        elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) \
                and b._data.dtype.kind == "f":
            return _BY_NP[b._data.dtype]
    dim_r, zero_r, wrapped_r = _priority_dtypes(operands)
    out = combine_categories(dim_r, combine_categories(zero_r, wrapped_r))
    if out is None:
        raise TypeError("result_type needs at least one tensor or number")
    return out


def wrap(x, dt: _dtype.dtype) -> Tensor:
    """A Python scalar as a 0-d tensor of ``dt``; tensors are cast (differentiably) if needed."""
    if isinstance(x, Tensor):
        if x._data.dtype != dt.np:
            return x.to(dt)
        return x
    if type(x) is float and dt.is_floating_point:
        return _make(xp.asarray(x, dtype=dt.np))
    if x is None:  # e.g. a vjp rule reading `out` of a primitive registered without save_out
        raise TypeError("expected a Tensor or a number, got None")
    if isinstance(x, bool) or not dt.is_floating_point or not isinstance(x, numbers.Number):
        arr = xp.asarray(x)
        if arr.dtype != dt.np:
            arr = arr.astype(dt.np)
        return _make(arr)
    return _make(xp.asarray(x, dtype=dt.np))


def as_tensor_like(x, like: Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return _make(xp.asarray(x, dtype=like._data.dtype))


def broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, with torch's error naming the mismatched dimension."""
    if a == b:
        return a
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (sa, sb) in enumerate(zip(pa, pb)):
        if sa == sb or sb == 1:
            out.append(sa)
        elif sa == 1:
            out.append(sb)
        else:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b "
                               f"({sb}) at non-singleton dimension {i}")
    return tuple(out)


def wrap_dim(dim: int, ndim: int) -> int:
    """Normalize a possibly negative dim; 0-d tensors accept dims -1 and 0 (like torch)."""
    if not isinstance(dim, int):
        dim = int(dim)
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n if ndim else 0


def dims_arg(dim, ndim: int):
    """``dim`` as a sorted tuple of non-negative axes (None means all axes)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = [wrap_dim(d, ndim) for d in dim]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
        return tuple(sorted(axes)) if ndim else ()
    return (wrap_dim(dim, ndim),) if ndim else ()


def to_dtype_arg(dtype) -> _dtype.dtype | None:
    """Accept ember dtypes, Python types (``float``/``int``/``bool``) and NumPy dtypes."""
    if dtype is None or isinstance(dtype, _dtype.dtype):
        return dtype
    if dtype is float:
        return _dtype.float64
    if dtype is int:
        return _dtype.int64
    if dtype is bool:
        return _dtype.bool
    if dtype is complex:
        return _dtype.complex128
    return _dtype.from_numpy_dtype(xp.dtype(dtype))


def is_float(t: Tensor) -> bool:
    return t._data.dtype.kind in "fcV"
