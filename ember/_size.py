"""Layer 1: ``ember.Size`` (``torch.Size``), a tuple of ints."""
from __future__ import annotations

__all__ = ["Size"]


class Size(tuple):
    """The shape of a tensor; a ``tuple`` subclass printing as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, other))

    def __reduce__(self):
        return (Size, (tuple(self),))
