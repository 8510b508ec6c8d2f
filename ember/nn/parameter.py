"""``nn.Parameter`` and ``nn.Buffer`` (torch's names and reprs)."""
from __future__ import annotations

from .._backend import np
from .._tensor import Tensor, _init

__all__ = ["Parameter", "Buffer", "UninitializedParameter"]


class Parameter(Tensor):
    """A tensor that a ``Module`` registers as a parameter (``requires_grad=True`` by default).

    It shares memory with ``data``; ``repr`` starts with ``Parameter containing:`` like torch.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            raise TypeError(f"Parameter expects a Tensor, got {type(data).__name__}")
        t = object.__new__(cls)
        _init(t, arr, False)
        if isinstance(data, Tensor):
            t._version_box = data._version_box
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(_detached_copy(self), self._requires_grad)
        if self._grad is not None:
            result._grad = _detached_copy(self._grad)
        memo[id(self)] = result
        return result


def _detached_copy(t: Tensor) -> Tensor:
    from .._tensor import _make
    return _make(t._data.copy())


def _rebuild_parameter(data, requires_grad):
    from .._tensor import _make
    return Parameter(_make(data), requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        else:
            arr = data._data
        t = object.__new__(cls)
        _init(t, arr, False)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        pass


class UninitializedParameter(Parameter):
    """Placeholder for lazy modules (not materialized until the first forward)."""
