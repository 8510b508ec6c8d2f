"""Casts and copies: ``to``, ``type``, ``float()``..., ``clone``, ``contiguous``, ``copy_``."""
from __future__ import annotations

from .. import _dtype
from .._backend import CPU, get_backend
from .._device import as_device, device as _device_cls
from .._tensor import Tensor, _make
from ._common import to_dtype_arg
from .registry import ELEMENTWISE, check_inplace_leaf, commit_inplace, export, method, primitive

__all__ = ["to", "clone", "contiguous", "type_as"]

xp = CPU.xp


@primitive("to_dtype", ELEMENTWISE, node_name="ToCopyBackward0", saves=False)
def _to_dtype(xp, x, np_dtype):
    return x.astype(np_dtype)


@_to_dtype.defvjp
def _(g, out, x, np_dtype):
    return g  # the registry casts it back to x's dtype


def cast(x: Tensor, dt: _dtype.dtype, copy: bool = False) -> Tensor:
    if x._data.dtype == _dtype.to_numpy_dtype(dt):
        return clone(x) if copy else x
    return _to_dtype(x, np_dtype=dt.np)


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, (str, _device_cls)):
            device = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif a is None:
            continue
        elif isinstance(a, bool):
            kwargs.setdefault("non_blocking", a)
        else:
            dtype = to_dtype_arg(a)
    return dtype, device, kwargs.get("copy", False)


@method("to")
def to(self, *args, **kwargs) -> Tensor:
    """Cast to a dtype and/or move to a device; returns ``self`` when nothing changes."""
    dtype, device, copy = _parse_to(args, dict(kwargs))
    if device is not None:
        get_backend(as_device(device).type)
    if dtype is None:
        return clone(self) if copy else self
    return cast(self, dtype, copy)


@method("type")
def type_(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument, torch's legacy type string; otherwise a cast."""
    if dtype is None:
        from ..autograd._node import _legacy_type
        return "torch." + _legacy_type(self)
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        legacy = {"FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64,
                  "HalfTensor": _dtype.float16, "LongTensor": _dtype.int64,
                  "IntTensor": _dtype.int32, "ShortTensor": _dtype.int16,
                  "CharTensor": _dtype.int8, "ByteTensor": _dtype.uint8,
                  "BoolTensor": _dtype.bool, "BFloat16Tensor": _dtype.bfloat16}
        if name not in legacy:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = legacy[name]
    return cast(self, to_dtype_arg(dtype))


@method("type_as")
def type_as(self, other: Tensor) -> Tensor:
    return cast(self, other.dtype)


def _caster(dt):
    def fn(self, memory_format=None):
        return cast(self, dt)
    fn.__name__ = dt.name
    fn.__doc__ = f"``self.to(torch.{dt.name})``."
    return fn


for _name, _dt in (("float", _dtype.float32), ("double", _dtype.float64),
                   ("half", _dtype.float16), ("bfloat16", _dtype.bfloat16),
                   ("long", _dtype.int64), ("int", _dtype.int32), ("short", _dtype.int16),
                   ("char", _dtype.int8), ("byte", _dtype.uint8), ("bool", _dtype.bool),
                   ("cfloat", _dtype.complex64), ("cdouble", _dtype.complex128)):
    method(_name)(_caster(_dt))


@method("cpu")
def cpu(self, memory_format=None) -> Tensor:
    return self


@method("cuda")
def cuda(self, device=None, non_blocking=False, memory_format=None) -> Tensor:
    get_backend("cuda")
    return self  # pragma: no cover - get_backend raises


@primitive("clone", ELEMENTWISE, node_name="CloneBackward0", saves=False)
def _clone(xp, x):
    return x.copy()


@_clone.defvjp
def _(g, out, x):
    return g


@export("clone")
def clone(input, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that stays in the graph."""
    return _clone(input)


@method("contiguous")
def contiguous(self, memory_format=None) -> Tensor:
    """``self`` if C-contiguous, else a contiguous copy."""
    if self._data.flags.c_contiguous:
        return self
    return _clone(self)


@primitive("copy", ELEMENTWISE, node_name="CopyBackwards", saves=False)
def _copy(xp, dst, src):
    return xp.broadcast_to(src, dst.shape).astype(dst.dtype)


@_copy.defvjp
def _(g, out, dst, src):
    return None, g


@method("copy_")
def copy_(self, src, non_blocking=False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``self``."""
    if not isinstance(src, Tensor):
        src = _make(xp.asarray(src))
    check_inplace_leaf(self)
    src_b = src
    if src._data.shape != self._data.shape:
        from ._common import broadcast_shape
        shape = broadcast_shape(self._data.shape, src._data.shape)
        if shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(shape)}")
    dst = _make(self._data, False)
    out = _copy(dst, src_b)
    if out._data.dtype != self._data.dtype:
        out = cast(out, self.dtype)
    return commit_inplace(self, out)


@method("fill_")
def fill_(self, value) -> Tensor:
    """Fill with a number or a 0-d tensor (differentiable in the tensor's value)."""
    check_inplace_leaf(self)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        if value._requires_grad:
            filled = _copy(_make(self._data, False), value)
            return commit_inplace(self, filled)
        value = value.item()
    if not self._requires_grad and self._base is None:
        self._data.fill(value)
        self._version_box[0] += 1
        return self
    return commit_inplace(self, _make(xp.full(self._data.shape, value, dtype=self._data.dtype)))


@method("zero_")
def zero_(self) -> Tensor:
    """Fill with zeros."""
    return fill_(self, 0)
