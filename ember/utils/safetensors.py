"""``ember.utils.safetensors``: read and write ``.safetensors`` files (the ``safetensors`` extra).

The same four functions as ``safetensors.torch`` (``save_file``, ``load_file``, ``save``,
``load``), built on the library's NumPy API, so files are interchangeable with
``safetensors.torch`` and Hugging Face tools. Tensors are written from C-contiguous copies when
needed (the library would otherwise write a view's underlying memory); ``bfloat16`` goes through
``ml_dtypes``. Unlike ``safetensors.torch.save_file`` tensors sharing memory are simply written
twice. ``complex128`` is not a safetensors dtype.
"""
from __future__ import annotations

import os

from .._backend import np
from .._dtype import _BY_NAME, to_numpy_dtype
from .._tensor import Tensor, _make

__all__ = ["save_file", "load_file", "save", "load"]

_FORMAT = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
           "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
           "BOOL": "bool", "C64": "complex64"}
_WIDENED = {"U16": np.uint16, "U32": np.uint32}  # no unsigned dtypes beyond uint8: -> int64


def _lib():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError("ember.utils.safetensors needs the optional 'safetensors' package "
                          "(pip install 'safetensors>=0.4')") from e
    return safetensors


def _arrays(tensors: dict) -> dict:
    if not isinstance(tensors, dict):
        raise TypeError(f"expected a dict of name -> Tensor, got {type(tensors).__name__}")
    out = {}
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor names must be str, got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected Tensor but received "
                             f"{type(t).__name__}")
        if t.dtype.name == "complex128":
            raise TypeError(f"Key `{name}`: safetensors has no complex128 dtype")
        a = t._data
        out[name] = a if a.flags.c_contiguous else a.copy(order="C")
    return out


def _check_metadata(metadata):
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must be a dict of str -> str")
    return metadata


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes of a dict of tensors (``safetensors.torch.save``).

    Example:
        >>> data = ember.utils.safetensors.save({"w": ember.ones(2, 2)})
    """
    lib = _lib()
    return lib.numpy.save(_arrays(tensors), metadata=_check_metadata(metadata))


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write a dict of tensors to a ``.safetensors`` file (``safetensors.torch.save_file``).

    Example:
        >>> ember.utils.safetensors.save_file({"w": ember.ones(2, 2)}, "model.safetensors")
    """
    lib = _lib()
    lib.numpy.save_file(_arrays(tensors), os.fspath(filename),
                        metadata=_check_metadata(metadata))


def _to_tensors(flat) -> dict:
    out = {}
    for name, view in flat:
        code = view["dtype"]
        shape = tuple(view["shape"])
        data = np.frombuffer(view["data"], dtype=np.uint8)
        if code in _FORMAT:
            npdt = to_numpy_dtype(_BY_NAME[_FORMAT[code]])
            arr = np.empty(shape, dtype=npdt)
            arr.reshape(-1).view(np.uint8)[:] = data
        elif code in _WIDENED:
            arr = data.view(_WIDENED[code]).reshape(shape).astype(np.int64)
        else:
            raise TypeError(f"tensor '{name}' has safetensors dtype {code}, which ember does "
                            f"not support")
        out[name] = _make(arr)
    return out


def load(data: bytes) -> dict:
    """Tensors from safetensors bytes (``safetensors.torch.load``).

    Example:
        >>> tensors = ember.utils.safetensors.load(open("model.safetensors", "rb").read())
    """
    lib = _lib()
    return _to_tensors(lib.deserialize(bytes(data)))


def load_file(filename, device="cpu") -> dict:
    """Tensors of a ``.safetensors`` file (``safetensors.torch.load_file``; CPU only).

    Example:
        >>> tensors = ember.utils.safetensors.load_file("model.safetensors")
    """
    from .._serialization._pickle_read import check_cpu

    check_cpu(device)
    lib = _lib()
    with open(os.fspath(filename), "rb") as f:
        data = f.read()
    return _to_tensors(lib.deserialize(data))
