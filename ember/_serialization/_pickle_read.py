"""Reading torch's checkpoint pickles into ember objects.

Two unpicklers share one mapping from torch's global names to ember objects:

* ``WeightsOnlyUnpickler`` (the default, like ``torch.load(weights_only=True)``): a pure-Python
  unpickler that resolves only torch's allow-list (tensor rebuilders, storages, ``Parameter``,
  ``Size``, dtypes, ``device``, ``OrderedDict``/``Counter``/``set``/``bytearray``/``complex``/
  ``_codecs.encode``), refuses ``BUILD``/``NEWOBJ``/``REDUCE`` on anything else and drops the
  opcodes that can reach other callables (INST, OBJ, EXT*). Errors are ``UnpicklingError`` in
  torch's words.
* ``full_unpickler(...)``: the stdlib (C) unpickler for ``weights_only=False``; ``torch.X``
  globals are looked up as ``ember.X`` (ember mirrors torch's module layout), so a pickled
  ``torch.nn.Sequential`` loads as an ``ember.nn.Sequential``.

Storages are flat uint8 NumPy buffers; tensors are ``np.ndarray`` views into them, so two
tensors of one storage stay views of one buffer.
"""
from __future__ import annotations

import _compat_pickle
import codecs
import importlib
import pickle
from collections import Counter, OrderedDict

from .. import _dtype
from .._backend import np
from .._device import device as _device_cls
from .._size import Size
from .._tensor import Tensor, _make
from ..nn.parameter import Parameter
from ._pickle_write import STORAGE_NAMES

__all__ = ["Storage", "StorageType", "WeightsOnlyUnpickler", "full_unpickler"]

_BY_STORAGE_NAME = {v: _dtype._BY_NAME[k] for k, v in STORAGE_NAMES.items()}


class StorageType:
    """What ``torch.FloatStorage`` & co. unpickle to: just the element dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dtype) -> None:
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"


class Storage:
    """A loaded storage: a flat uint8 buffer (``raw``) holding elements of ``dtype``."""

    __slots__ = ("raw", "dtype", "location")

    def __init__(self, raw, dtype, location: str = "cpu") -> None:
        self.raw, self.dtype, self.location = raw, dtype, location

    @property
    def device(self):
        return _device_cls("cpu")

    def nbytes(self) -> int:
        return self.raw.nbytes

    def size(self) -> int:
        return self.raw.nbytes // self.dtype.itemsize

    def cpu(self) -> "Storage":
        return self

    def to(self, device=None, *args, **kwargs) -> "Storage":
        check_cpu(device)
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> "Storage":
        check_cpu("cuda")
        return self  # pragma: no cover - check_cpu raises

    def __repr__(self) -> str:
        return f"Storage(dtype={self.dtype}, nbytes={self.raw.nbytes}, location='{self.location}')"


def check_cpu(location) -> None:
    """Raise torch's CPU-only-build error unless ``location`` names the CPU."""
    if location is None:
        return
    if isinstance(location, bytes):
        location = location.decode("ascii")
    dev = _device_cls(location) if not isinstance(location, _device_cls) else location
    if dev.type == "cuda":
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
            "False (ember has no CUDA backend; only 'cpu' is available). If you are running on a "
            "CPU-only machine, please use torch.load with map_location=torch.device('cpu') to "
            "map your storages to the CPU.")
    if dev.type != "cpu":
        raise RuntimeError(f"ember can only load storages on the CPU, not on '{dev}'")


# -- tensor rebuilders (the functions torch._utils names in its pickles) --------------------------
def _strided(storage: Storage, offset, size, stride, dtype=None):
    if not isinstance(storage, Storage):
        raise pickle.UnpicklingError(f"expected a storage to rebuild a tensor, got "
                                     f"{type(storage).__name__}")
    dt = dtype if dtype is not None else storage.dtype
    npdt = _dtype.to_numpy_dtype(dt)
    size = tuple(int(s) for s in size)
    item = npdt.itemsize
    strides = tuple(int(s) * item for s in stride)
    if len(strides) != len(size):
        raise RuntimeError(f"size {list(size)} and stride {list(stride)} have different lengths")
    try:
        arr = np.ndarray(size, dtype=npdt, buffer=storage.raw, offset=int(offset) * item,
                         strides=strides)
    except (TypeError, ValueError) as e:
        raise RuntimeError(f"tensor of size {list(size)}, stride {list(stride)} and offset "
                           f"{offset} does not fit in its storage of {storage.raw.nbytes} bytes "
                           f"({e})") from None
    return arr


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _make(_strided(storage, storage_offset, size, stride))


def _set_requires_grad(t: Tensor, requires_grad) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    return _set_requires_grad(_rebuild_tensor(storage, storage_offset, size, stride),
                              requires_grad)


class WidenedDtype:
    """A torch dtype ember lacks (uint16/uint32): loaded as int64, like ember.from_numpy."""

    __slots__ = ("name", "np")

    def __init__(self, name: str, np_type) -> None:
        self.name, self.np = name, np.dtype(np_type)

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_WIDENED = {name: WidenedDtype(name, name) for name in ("uint16", "uint32")}
_TORCH_ONLY_DTYPES = ("uint64", "complex32", "float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz",
                      "float8_e4m3fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits8", "bits16",
                      "bits1x8", "bits2x4", "bits4x2", "qint8", "qint32", "quint8", "quint4x2",
                      "quint2x4")


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if isinstance(dtype, WidenedDtype):
        if not isinstance(storage, Storage):
            raise pickle.UnpicklingError("expected a storage to rebuild a tensor")
        item = dtype.np.itemsize
        try:
            arr = np.ndarray(tuple(size), dtype=dtype.np, buffer=storage.raw,
                             offset=int(storage_offset) * item,
                             strides=tuple(int(s) * item for s in stride))
        except (TypeError, ValueError) as e:
            raise RuntimeError(f"tensor does not fit in its storage ({e})") from None
        return _make(arr.astype(np.int64))
    return _set_requires_grad(_make(_strided(storage, storage_offset, size, stride, dtype)),
                              requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


def _set_state(obj, state):
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    else:
        slots = None
    if state:
        obj.__dict__.update(state)
    if slots:
        for k, v in slots.items():
            setattr(obj, k, v)
    return obj


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(Parameter(data, requires_grad), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    ret = func(*args)
    if type(ret) is not new_type and isinstance(new_type, type) and issubclass(new_type, Tensor):
        ret.__class__ = new_type
    return _set_state(ret, state)


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    check_cpu(device)
    return _set_requires_grad(_make(np.asarray(data, dtype=_dtype.to_numpy_dtype(dtype))),
                              requires_grad)


def _get_layout(name):
    return name


def _unsupported(what: str):
    def rebuild(*args, **kwargs):
        raise RuntimeError(f"ember cannot load {what} (only dense strided CPU tensors)")
    rebuild.__name__ = f"_unsupported_{what.replace(' ', '_')}"
    return rebuild


def _allowed_globals() -> dict:
    """torch's weights-only allow-list, mapped to ember objects (full dotted name -> object)."""
    rc = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.serialization._get_layout": _get_layout,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": _device_cls,
        "_codecs.encode": codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._utils._rebuild_device_tensor_from_numpy": _rebuild_device_tensor_from_numpy,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for name, what in (("_rebuild_qtensor", "quantized tensors"),
                       ("_rebuild_sparse_tensor", "sparse tensors"),
                       ("_rebuild_nested_tensor", "nested tensors"),
                       ("_rebuild_wrapper_subclass", "tensor subclasses"),
                       ("_rebuild_meta_tensor_no_storage", "meta tensors"),
                       ("_rebuild_device_tensor_from_cpu_tensor", "device tensors")):
        rc[f"torch._utils.{name}"] = _unsupported(what)
    for sname, dt in _BY_STORAGE_NAME.items():
        rc[f"torch.{sname}"] = StorageType(dt)
    rc["torch.UntypedStorage"] = rc["torch.storage.UntypedStorage"] = StorageType(_dtype.uint8)
    for dt in _dtype.ALL_DTYPES:
        rc[f"torch.{dt.name}"] = dt
    for alias in ("float", "double", "half", "long", "int", "short", "cfloat", "cdouble"):
        rc[f"torch.{alias}"] = getattr(_dtype, alias)
    for name, wide in _WIDENED.items():
        rc[f"torch.{name}"] = wide
    return rc


ALLOWED = _allowed_globals()
_ALLOWED_IDS = {id(v) for v in ALLOWED.values()}
USER_ALLOWED: dict = {}  # filled by ember.serialization.add_safe_globals


def _is_allowed(obj) -> bool:
    return id(obj) in _ALLOWED_IDS or any(obj is v for v in USER_ALLOWED.values())
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


def _map_name(module: str, name: str):
    """Python 2 names to Python 3 ones, as pickle (and torch's unpickler) does."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _display(full: str) -> str:
    if full.startswith("builtins."):
        return full[len("builtins."):]
    return full


def _persistent(pid, load_storage):
    """Resolve a ``('storage', type, key, location, numel[, view])`` persistent id."""
    if type(pid) is not tuple or not pid:
        raise pickle.UnpicklingError(f"persistent_load id must be a storage tuple, but got "
                                     f"{type(pid).__name__}")
    kind = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
    if kind != "storage" or len(pid) not in (5, 6):
        raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got "
                                     f"{pid[0]!r}")
    storage_type, key, location, numel = pid[1:5]
    view = pid[5] if len(pid) == 6 else None
    if not isinstance(storage_type, StorageType):
        raise pickle.UnpicklingError(f"unknown storage type {storage_type!r}")
    if isinstance(location, bytes):
        location = location.decode("ascii")
    return load_storage(storage_type.dtype, int(numel), str(key), location, view)


class WeightsOnlyUnpickler(pickle._Unpickler):
    """torch's ``weights_only=True`` unpickler, producing ember objects."""

    dispatch = pickle._Unpickler.dispatch.copy()

    def __init__(self, file, load_storage, *, encoding: str = "utf-8") -> None:
        super().__init__(file, encoding=encoding)
        self._load_storage = load_storage

    def persistent_load(self, pid):
        return _persistent(pid, self._load_storage)

    def find_class(self, module, name):
        module, name = _map_name(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(
                f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in ALLOWED:
            return ALLOWED[full]
        if full in USER_ALLOWED:
            return USER_ALLOWED[full]
        if module == "torch" and name in _TORCH_ONLY_DTYPES:
            raise RuntimeError(f"the checkpoint holds a tensor of dtype torch.{name}, which "
                               f"ember does not support")
        shown = _display(full)
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. "
            f"Loading it needs `weights_only=False`, which can run arbitrary code: do it only "
            f"if you trust the source of the checkpoint.")

    def _checked_call(self, func, args, what):
        if not _is_allowed(func):
            raise pickle.UnpicklingError(f"Trying to call {what} for unrecognized function "
                                         f"{func!r}")
        return func(*args)

    def load_reduce(self):
        args = self.stack.pop()
        self.stack[-1] = self._checked_call(self.stack[-1], args, "reduce")

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if cls is Parameter:
            self.append(Parameter(*args))
        elif isinstance(cls, type) and _is_allowed(cls):
            self.append(cls.__new__(cls, *args))
        else:
            raise pickle.UnpicklingError(f"Can only create new object for nn.Parameter or "
                                         f"allowlisted classes but got {cls!r}")

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        if kwargs:
            raise pickle.UnpicklingError("NEWOBJ_EX with keyword arguments is not allowed")
        self.append(cls)
        self.append(args)
        self.load_newobj()

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) in (OrderedDict, Counter) and isinstance(state, dict):
            inst.__dict__.update(state)
        elif isinstance(inst, Tensor) and isinstance(state, dict):
            inst.__dict__.update(state)
        elif any(type(inst) is v for v in USER_ALLOWED.values()):
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None:
                setstate(state)
            else:
                _set_state(inst, state)
        else:
            raise pickle.UnpicklingError(f"Can only build Tensor, Parameter, OrderedDict or "
                                         f"allowlisted types, but got {type(inst)}")

    dispatch[pickle.BUILD[0]] = load_build

    def _refuse(self):
        raise pickle.UnpicklingError("Unsupported operand: INST/OBJ/EXT opcodes are not "
                                     "allowed with weights_only=True")

    for _op in (pickle.INST, pickle.OBJ, pickle.EXT1, pickle.EXT2, pickle.EXT4):
        dispatch[_op[0]] = _refuse
    del _op


# -- weights_only=False: the full unpickler, torch.* names resolved in ember -------------------
_MODULE_RENAMES = {"torch.tensor": "torch._tensor"}


def _ember_equivalent(module: str, name: str):
    full = f"{module}.{name}"
    if full in ALLOWED:
        return ALLOWED[full]
    if module == "torch" and name in _TORCH_ONLY_DTYPES:
        raise RuntimeError(f"the checkpoint holds a tensor of dtype torch.{name}, which ember "
                           f"does not support")
    if "Storage" in name and module in ("torch", "torch.cuda"):
        raise pickle.UnpicklingError(f"storage type {full} is not supported by ember")
    target = "ember" + module[len("torch"):]
    try:
        obj = importlib.import_module(target)
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj
    except (ImportError, AttributeError):
        pass
    import ember  # a public name re-exported at the top (torch.nn.Linear -> ember.nn.Linear)
    obj = getattr(ember, name, None)
    if obj is not None and module == "torch":
        return obj
    raise pickle.UnpicklingError(
        f"Can't load global {full}: ember has no equivalent of it (looked for "
        f"{target}.{name}). Only the torch names ember mirrors can be loaded.")


def full_unpickler(pickle_module, file, load_storage, **kwargs):
    """An instance of ``pickle_module.Unpickler`` mapping torch's globals to ember's."""

    class _Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            mod = _MODULE_RENAMES.get(module, module)
            if mod == "torch" or mod.startswith("torch."):
                return _ember_equivalent(mod, name)
            return super().find_class(module, name)

        def persistent_load(self, pid):
            return _persistent(pid, load_storage)

    return _Unpickler(file, **kwargs)
