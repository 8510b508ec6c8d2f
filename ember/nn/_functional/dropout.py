"""nn.functional: dropout (being written)."""
from __future__ import annotations

__all__ = []
