"""nn.functional: rnn (being written)."""
from __future__ import annotations

__all__ = []
