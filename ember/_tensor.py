"""Layer 1: the ``Tensor`` object — a backend array plus autograd metadata.

Mirrors ``torch.Tensor``'s data model: ``data``, ``dtype``, ``shape``, ``device``, ``grad``,
``grad_fn``, ``requires_grad``, ``is_leaf``, a version counter shared with views, and the
conversions to Python (``item``, ``tolist``, ``numpy``). Math methods (``add``, ``sum``, ``@``,
``reshape`` ...) are attached by the op registry in ``ember._ops``; ``backward`` by
``ember.autograd``. This file never knows about either.
"""
from __future__ import annotations

import warnings

from . import _dtype
from ._backend import np
from ._device import CPU, device as _device_cls
from ._size import Size

__all__ = ["Tensor"]

_BY_NP = _dtype._BY_NP


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    ``Tensor(data)`` / ``Tensor(*sizes)`` follow torch's legacy constructor (always the default
    float dtype); prefer ``ember.tensor``.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "_node", "_out_idx", "_version_box",
                 "_base", "_view_chain", "_hooks", "_retains_grad", "__weakref__", "__dict__")

    # -- construction ---------------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        dt = _dtype.get_default_dtype().np
        if len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0]._data
        elif len(args) == 0 or all(isinstance(a, int) for a in args):
            data = np.empty(args, dtype=dt)
        elif len(args) == 1 and isinstance(args[0], (tuple, list)) and _all_ints_size(args[0]) \
                and kwargs.get("_sizes"):
            data = np.empty(tuple(args[0]), dtype=dt)
        else:
            data = np.asarray(args[0], dtype=dt) if len(args) == 1 else np.empty(args, dtype=dt)
        t = object.__new__(cls)
        _init(t, data, False)
        return t

    # -- the seed's eight attributes -------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """A tensor sharing this one's storage, detached from the graph."""
        t = _make(self._data)
        t._version_box = self._version_box
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    @property
    def dtype(self) -> _dtype.dtype:
        return _BY_NP[self._data.dtype]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def device(self) -> _device_cls:
        return CPU

    @property
    def grad(self):
        if self._node is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: expected "
                                   f"{list(self._data.shape)}, got {list(value._data.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: expected "
                                   f"{self.dtype}, got {value.dtype}")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def grad_fn(self):
        return self._node

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    # -- metadata --------------------------------------------------------------------------
    def size(self, dim: int | None = None):
        """The shape as an ``ember.Size``, or one dimension's length."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        """Strides in elements, like torch (NumPy counts bytes)."""
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def layout(self):
        return "torch.strided"

    def get_device(self) -> int:
        return -1

    @property
    def _version(self) -> int:
        return self._version_box[0]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        base = self._data
        while base.base is not None and hasattr(base.base, "__array_interface__"):
            base = base.base
        return _StorageView(base)

    __hash__ = object.__hash__  # identity, as torch (``__eq__`` is elementwise)

    # -- conversion to Python --------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               f"to Scalar")
        return _to_python(self._data).reshape(-1)[0].item()

    def tolist(self):
        return _to_python(self._data).tolist()

    def numpy(self, *, force: bool = False):
        """The NumPy array behind this tensor (shared memory, like torch)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is None:
            return self._data
        return self._data.astype(dtype, copy=False)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            qualifier = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {qualifier} is ambiguous")
        return bool(self._data.reshape(-1)[0])

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(_to_python(self._data).reshape(-1)[0])

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(_to_python(self._data).reshape(-1)[0])

    def __complex__(self) -> complex:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return complex(self._data.reshape(-1)[0])

    def __index__(self) -> int:
        dt = self.dtype
        if dt.is_floating_point or dt.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(-1)[0])

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import format_tensor  # heavy formatting code, loaded on first print

        suffixes = []
        if self._node is not None:
            suffixes.append(f"grad_fn=<{self._node.name()}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        data = self._data
        if self.dtype is _dtype.bfloat16:
            data = data.astype(np.float32)
        return format_tensor(data, self.dtype.name, _dtype.get_default_dtype().name,
                             suffixes=suffixes)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self._node is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        new = type(self).__new__(type(self), _make(self._data.copy()))
        _init(new, self._data.copy(), self._requires_grad)
        if self._grad is not None:
            new._grad = _make(self._grad._data.copy())
        if hasattr(self, "__dict__"):
            for k, v in self.__dict__.items():
                import copy
                setattr(new, k, copy.deepcopy(v, memo))
        memo[id(self)] = new
        return new

    # -- autograd flags --------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place (leaves only; floating and complex dtypes only)."""
        if self._node is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad:
            dt = self.dtype
            if not (dt.is_floating_point or dt.is_complex):
                raise RuntimeError("only Tensors of floating point and complex dtype can require "
                                   "gradients")
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's storage and version counter."""
        t = _make(self._data)
        t._version_box = self._version_box
        return t

    def detach_(self) -> "Tensor":
        self._node = None
        self._requires_grad = False
        return self


def _all_ints_size(seq) -> bool:
    return all(isinstance(s, int) for s in seq)


def _init(t: Tensor, data, requires_grad: bool) -> None:
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t._node = None
    t._out_idx = 0
    t._version_box = [0]
    t._base = None
    t._view_chain = None
    t._hooks = None
    t._retains_grad = False


def _make(data, requires_grad: bool = False, node=None, out_idx: int = 0) -> Tensor:
    """Wrap a backend array without copying (the hot path: no checks)."""
    t = object.__new__(Tensor)
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t._node = node
    t._out_idx = out_idx
    t._version_box = [0]
    t._base = None
    t._view_chain = None
    t._hooks = None
    t._retains_grad = False
    return t


def _rebuild(data, requires_grad):
    return _make(data, requires_grad)


def _to_python(a):
    if a.dtype.kind == "V" or a.dtype.name == "bfloat16":
        return a.astype(np.float32)
    return a


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


class _StorageView:
    """The array a tensor's memory belongs to (enough for ``data_ptr``/``nbytes`` checks)."""

    def __init__(self, base) -> None:
        self._base = base

    def data_ptr(self) -> int:
        return self._base.__array_interface__["data"][0]

    def nbytes(self) -> int:
        return self._base.nbytes

    def size(self) -> int:
        return self._base.nbytes
