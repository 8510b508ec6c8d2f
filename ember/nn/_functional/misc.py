"""nn.functional: misc (being written)."""
from __future__ import annotations

__all__ = []
