"""Padding layers: Zero/Constant/Reflection/Replication/Circular pads (torch's reprs)."""
from __future__ import annotations

from .._functional.vision import pad as _pad
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (list, tuple)) else (v,) * n


class _PadNd(Module):
    _nd = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)

    def forward(self, input):
        return _pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return _pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant (``torch.nn.ConstantPad1d``)."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with a constant (``torch.nn.ConstantPad2d``)."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with a constant (``torch.nn.ConstantPad3d``)."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Zero-pad the last dim (``torch.nn.ZeroPad1d``)."""

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Zero-pad the last 2 dims (``torch.nn.ZeroPad2d``).

    Example::

        >>> ember.nn.ZeroPad2d(1)(ember.ones(1, 2, 2)).shape
        torch.Size([1, 4, 4])
    """

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Zero-pad the last 3 dims (``torch.nn.ZeroPad3d``)."""

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Reflect-pad the last dim (``torch.nn.ReflectionPad1d``)."""

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Reflect-pad the last 2 dims (``torch.nn.ReflectionPad2d``)."""

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Reflect-pad the last 3 dims (``torch.nn.ReflectionPad3d``)."""

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Edge-replicate the last dim (``torch.nn.ReplicationPad1d``)."""

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Edge-replicate the last 2 dims (``torch.nn.ReplicationPad2d``)."""

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Edge-replicate the last 3 dims (``torch.nn.ReplicationPad3d``)."""

    _nd, _mode = 3, "replicate"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        if input.dim() not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got "
                             f"{input.dim()}D input)")
        return _pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wrap-around pad of the last dim (``torch.nn.CircularPad1d``)."""

    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Wrap-around pad of the last 2 dims (``torch.nn.CircularPad2d``)."""

    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Wrap-around pad of the last 3 dims (``torch.nn.CircularPad3d``)."""

    _nd = 3
