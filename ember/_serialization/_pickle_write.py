"""A pickler that writes ember objects the way torch.save pickles torch objects.

Tensors become ``torch._utils._rebuild_tensor_v2(<persistent storage>, offset, size, stride,
requires_grad, OrderedDict())``, parameters ``torch._utils._rebuild_parameter(...)``, dtypes
``torch.float32``, ``Size`` ``torch.Size``, devices ``torch.device``; classes defined in public
``ember.*`` modules are written under the same path in ``torch.*`` (ember mirrors torch's module
layout), so real ``torch.load`` rebuilds them as torch objects. The GLOBAL opcodes are emitted
directly: nothing imports torch. Tensors viewing one NumPy buffer share one storage record.
"""
from __future__ import annotations

import pickle
import types
from collections import OrderedDict

from .._backend import np
from .._device import device as _device_cls
from .._dtype import dtype as _dtype_cls
from .._size import Size
from .._tensor import Tensor
from ..nn.parameter import Parameter

__all__ = ["TorchPickler", "StorageTable", "STORAGE_NAMES", "torch_global"]

STORAGE_NAMES = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage",
    "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage",
    "uint8": "ByteStorage", "bool": "BoolStorage", "bfloat16": "BFloat16Storage",
    "complex128": "ComplexDoubleStorage", "complex64": "ComplexFloatStorage",
}


class _TorchGlobal:
    """Stands for the torch object ``module.name``; pickled as a bare GLOBAL opcode."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle requires reduce functions to be callable
        raise RuntimeError(f"{self.module}.{self.name} is a torch name written into pickles; "
                           f"ember cannot call it")


_GLOBALS: dict = {}


def torch_global(module: str, name: str) -> _TorchGlobal:
    """The (cached, so memoized by the pickler) stand-in for ``module.name``."""
    key = (module, name)
    g = _GLOBALS.get(key)
    if g is None:
        g = _GLOBALS[key] = _TorchGlobal(module, name)
    return g


class _StorageRef:
    """One storage record: a 1-D uint8 view of the root buffer, typed as ``dtype``."""

    __slots__ = ("key", "dtype", "raw", "numel")

    def __init__(self, key: str, dtype, raw, numel: int) -> None:
        self.key, self.dtype, self.raw, self.numel = key, dtype, raw, numel


class _TensorData:
    """The plain-tensor part of a Parameter (pickled without requires_grad)."""

    __slots__ = ("tensor",)

    def __init__(self, tensor) -> None:
        self.tensor = tensor


def _root_array(a):
    """The outermost ndarray ``a`` is a view of (follows NumPy bases, also through DummyArray)."""
    while True:
        b = a.base
        if isinstance(b, np.ndarray):
            a = b
        elif b is not None and isinstance(getattr(b, "base", None), np.ndarray):
            a = b.base
        else:
            return a


def _raw_bytes(root):
    """A 1-D uint8 view of ``root``'s memory block, or None if it is not one contiguous block."""
    if root.flags.c_contiguous:
        flat = root.reshape(-1)
    elif root.flags.f_contiguous:
        flat = root.reshape(-1, order="F")
    else:
        return None
    return flat.view(np.uint8) if flat.size else np.empty(0, np.uint8)


class StorageTable:
    """Assigns storage keys: tensors whose memory lies in one root buffer share a key."""

    def __init__(self) -> None:
        self.by_root: dict = {}  # id(root) -> (root, _StorageRef)
        self.records: list = []

    def _new(self, dt, raw) -> _StorageRef:
        ref = _StorageRef(str(len(self.records)), dt, raw, raw.nbytes // dt.itemsize)
        self.records.append(ref)
        return ref

    def locate(self, t: Tensor):
        """``(storage ref, element offset, size, stride)`` for tensor ``t``."""
        a = t._data
        dt = t.dtype
        item = a.itemsize
        root = _root_array(a)
        ok = all(s % item == 0 and s >= 0 for s in a.strides)
        raw = None
        if ok:
            start = a.__array_interface__["data"][0]
            base_ptr = root.__array_interface__["data"][0]
            off = start - base_ptr
            extent = sum((n - 1) * s for n, s in zip(a.shape, a.strides)) + item \
                if a.size else 0
            ok = off >= 0 and off % item == 0 and off + extent <= root.nbytes
            if ok:
                entry = self.by_root.get(id(root))
                if entry is not None:
                    ref = entry[1]
                    if ref.dtype is not dt:
                        raise RuntimeError("Cannot save multiple tensors or storages that view "
                                           "the same data as different types")
                    return ref, off // item, tuple(a.shape), tuple(s // item for s in a.strides)
                raw = _raw_bytes(root)
                ok = raw is not None and raw.nbytes % item == 0
        if ok:
            ref = self._new(dt, raw)
            self.by_root[id(root)] = (root, ref)
            return ref, off // item, tuple(a.shape), tuple(s // item for s in a.strides)
        # negative strides or odd memory: save a contiguous copy as its own storage
        c = a.copy(order="C")
        ref = self._new(dt, c.reshape(-1).view(np.uint8))
        strides = tuple(s // item for s in c.strides)
        return ref, 0, tuple(a.shape), strides


def _public_ember_path(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "ember" and not any(p.startswith("_") for p in parts[1:])


class TorchPickler(pickle._Pickler):
    """Pure-Python pickler (so GLOBAL opcodes can be written for names torch owns)."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol: int, storages: StorageTable, legacy: bool = False) -> None:
        super().__init__(file, protocol=protocol)
        self.storages = storages
        self.legacy = legacy

    def _emit_global(self, module: str, name: str, obj) -> None:
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)

    def _save_torch_global(self, obj) -> None:
        self._emit_global(obj.module, obj.name, obj)

    dispatch[_TorchGlobal] = _save_torch_global

    def _save_dtype(self, obj) -> None:
        self._emit_global("torch", obj.name, obj)

    dispatch[_dtype_cls] = _save_dtype

    def save_global(self, obj, name=None) -> None:
        module = getattr(obj, "__module__", None) or ""
        qual = name or getattr(obj, "__qualname__", None)
        if _public_ember_path(module) and qual:
            self._emit_global("torch" + module[len("ember"):], qual, obj)
            return
        super().save_global(obj, name)

    dispatch[types.FunctionType] = save_global

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            storage_type = torch_global("torch", STORAGE_NAMES[obj.dtype.name])
            if self.legacy:
                return ("storage", storage_type, obj.key, "cpu", obj.numel, None)
            return ("storage", storage_type, obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj):
        tp = type(obj)
        if tp is _TensorData or (isinstance(obj, Tensor) and not isinstance(obj, Parameter)):
            t = obj.tensor if tp is _TensorData else obj
            ref, offset, size, stride = self.storages.locate(t)
            rg = False if tp is _TensorData else bool(t._requires_grad)
            return (torch_global("torch._utils", "_rebuild_tensor_v2"),
                    (ref, offset, size, stride, rg, OrderedDict()))
        if isinstance(obj, Tensor):  # nn.Parameter
            return (torch_global("torch._utils", "_rebuild_parameter"),
                    (_TensorData(obj), bool(obj._requires_grad), OrderedDict()))
        if tp is Size:
            return (torch_global("torch", "Size"), (tuple(obj),))
        if tp is _device_cls:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return (torch_global("torch", "device"), args)
        return NotImplemented
