"""Tensor factories: ``tensor``, ``zeros``, ``arange``, ``*_like`` ... with torch's dtype inference.

Random factories live in ``ember/_ops/random.py``.
"""
from __future__ import annotations

import builtins
import math
import numbers

from .. import _dtype
from .._backend import CPU, get_backend
from .._device import as_device
from .._size import Size
from .._tensor import Tensor, _make
from ._common import to_dtype_arg
from .registry import export

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "eye", "arange", "linspace", "logspace", "zeros_like", "ones_like", "full_like",
           "empty_like", "scalar_tensor", "empty_strided", "frombuffer"]

xp = CPU.xp


def _check_device(device) -> None:
    if device is not None:
        get_backend(as_device(device).type)


def _finish(arr, requires_grad: bool) -> Tensor:
    t = _make(arr)
    if requires_grad:
        dt = t.dtype
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _has_non_python_float(data) -> bool:
    """True when a nested list holds a NumPy float64 scalar or float64 tensor (kept float64)."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, Tensor):
            if x._data.dtype == xp.float64:
                return True
        elif isinstance(x, xp.generic) or isinstance(x, xp.ndarray):
            if x.dtype == xp.float64:
                return True
    return False


def _infer_array(data, dtype):
    """Convert Python data to an array with torch.tensor's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr.astype(dtype.np) if dtype is not None else arr.copy()
    if isinstance(data, xp.ndarray):
        if dtype is None:
            _dtype.from_numpy_dtype(data.dtype)
            return data.astype(_dtype.from_numpy_dtype(data.dtype).np, copy=True)
        return data.astype(dtype.np, copy=True)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat_iter(data)):
        data = _tensors_to_arrays(data)
    arr = xp.array(data)
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is not None:
        if dtype.is_floating_point or dtype.is_complex or arr.dtype.kind in "iub":
            return arr.astype(dtype.np)
        if not xp.isfinite(arr).all():
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
        return arr.astype(dtype.np)
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype == xp.float64 and not (isinstance(data, (xp.generic,))
                                            or _has_non_python_float(data)):
            return arr.astype(_dtype.get_default_dtype().np)
        return arr
    if kind == "i" or kind == "u":
        if isinstance(data, (list, tuple, numbers.Integral)) and not isinstance(data, xp.generic):
            return arr.astype(xp.int64)
        return arr.astype(_dtype.from_numpy_dtype(arr.dtype).np)
    if kind == "b":
        return arr
    if kind == "c":
        return arr.astype(_dtype.scalar_dtype(1j).np)
    if kind in "US":
        raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str'}'")
    return arr


def _flat_iter(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


def _tensors_to_arrays(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_tensors_to_arrays(x) for x in data]
    return data


@export("tensor", method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, scalars, arrays, tensors).

    Python floats become the default dtype (float32), ints int64, bools bool.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).dtype
        torch.int64
    """
    _check_device(device)
    dtype = to_dtype_arg(dtype)
    return _finish(_infer_array(data, dtype), requires_grad)


@export("as_tensor", method=False)
def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a tensor or NumPy array when it can."""
    _check_device(device)
    dtype = to_dtype_arg(dtype)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, xp.ndarray) and (dtype is None or data.dtype == dtype.np):
        _dtype.from_numpy_dtype(data.dtype)
        return _make(data)
    return _make(_infer_array(data, dtype))


@export("asarray", method=False)
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """``torch.asarray``: shares memory unless ``copy=True`` or a cast is needed."""
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy:
        t = _make(t._data.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


@export("from_numpy", method=False)
def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def _size_arg(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(s).__name__} at pos {len(out)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
        out.append(int(s))
    return tuple(out)


def _factory(name, fill):
    def factory(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False, memory_format=None):
        _check_device(device)
        if not size:
            raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
        dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
        shape = _size_arg(size)
        return _finish(fill(shape, dt.np), requires_grad)
    factory.__name__ = name
    factory.__doc__ = f"A tensor of the given size filled by ``{name}`` (default float dtype)."
    return factory


zeros = export("zeros", method=False)(_factory("zeros", xp.zeros))
ones = export("ones", method=False)(_factory("ones", xp.ones))
empty = export("empty", method=False)(_factory("empty", xp.zeros))


@export("empty_strided", method=False)
def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An uninitialized (zero-filled) tensor of ``size``; NumPy picks its own strides."""
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _fill_dtype(value):
    if isinstance(value, Tensor):
        return value.dtype
    return _dtype.scalar_dtype(value)


@export("full", method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it, like torch)."""
    _check_device(device)
    dt = to_dtype_arg(dtype) or _fill_dtype(fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(xp.full(_size_arg((size,)), fill_value, dtype=dt.np), requires_grad)


@export("scalar_tensor", method=False)
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
    return _finish(xp.asarray(s, dtype=dt.np), requires_grad)


@export("eye", method=False)
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad=False) -> Tensor:
    """The identity matrix ``n x m``."""
    _check_device(device)
    dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    return _finish(xp.eye(n, n if m is None else m, dtype=dt.np), requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


@export("arange", method=False)
def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values in ``[start, end)`` spaced by ``step``; int64 when all arguments are ints."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    start, end, step = _num(start), _num(end), _num(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign")
    dt = to_dtype_arg(dtype)
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    if dt is None:
        dt = _dtype.int64 if all_int else _dtype.get_default_dtype()
    n = builtins.max(0, math.ceil((end - start) / step))
    if all_int:
        arr = xp.arange(start, end, step, dtype=xp.int64)
    else:
        # NOTE: torch computes start + i * step in double, then casts
        arr = start + xp.arange(n, dtype=xp.float64) * step
    return _finish(arr.astype(dt.np, copy=False), requires_grad)


@export("range", method=False)
def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated torch.range: like arange but includes ``end`` (default float dtype)."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
    arr = start + xp.arange(n, dtype=xp.float64) * step
    return _finish(arr.astype(dt.np), requires_grad)


@export("linspace", method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (torch's formula)."""
    _check_device(device)
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
    arr = _linspace(start, end, steps, dt)
    return _finish(arr, requires_grad)


def _linspace(start, end, steps, dt):
    if steps == 1:
        return xp.full((1,), start, dtype=dt.np)
    # NOTE: torch fills the first half from start and the second half from end, so both ends
    # are exact; compute in the output dtype like its CPU kernel
    work = dt.np if dt.is_floating_point else xp.dtype(xp.float64)
    step = (end - start) / (steps - 1)
    idx = xp.arange(steps, dtype=work)
    half = steps // 2
    arr = xp.where(idx < half, work.type(start) + work.type(step) * idx,
                   work.type(end) - work.type(step) * (steps - 1 - idx))
    return arr.astype(dt.np)


@export("logspace", method=False)
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    _check_device(device)
    dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
    exps = _linspace(_num(start), _num(end), steps, _dtype.float64)
    return _finish(xp.power(float(base), exps).astype(dt.np), requires_grad)


def _like(name, fill):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None):
        _check_device(device)
        dt = to_dtype_arg(dtype) or input.dtype
        return _finish(fill(input._data.shape, dt.np), requires_grad)
    like.__name__ = name
    like.__doc__ = f"``{name}`` with the shape (and by default dtype) of ``input``."
    return like


zeros_like = export("zeros_like", method=False)(_like("zeros_like", xp.zeros))
ones_like = export("ones_like", method=False)(_like("ones_like", xp.ones))
empty_like = export("empty_like", method=False)(_like("empty_like", xp.zeros))


@export("full_like", method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """A tensor shaped like ``input`` filled with ``fill_value``."""
    dt = to_dtype_arg(dtype) or input.dtype
    return _finish(xp.full(input._data.shape, fill_value, dtype=dt.np), requires_grad)


@export("frombuffer", method=False)
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False) -> Tensor:
    """A 1-D tensor viewing a Python buffer."""
    dt = to_dtype_arg(dtype)
    return _finish(xp.frombuffer(buffer, dtype=dt.np, count=count, offset=offset),
                   requires_grad)


# -- Tensor.new_* ------------------------------------------------------------------------------
def _new(fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False):
        dt = to_dtype_arg(dtype) or self.dtype
        return _finish(fill(_size_arg(size), dt.np), requires_grad)
    return new


Tensor.new_zeros = _new(xp.zeros)
Tensor.new_ones = _new(xp.ones)
Tensor.new_empty = _new(xp.zeros)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    dt = to_dtype_arg(dtype) or self.dtype
    return _finish(xp.full(_size_arg((size,)), fill_value, dtype=dt.np), requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    dt = to_dtype_arg(dtype) or self.dtype
    return _finish(_infer_array(data, dt), requires_grad)


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
