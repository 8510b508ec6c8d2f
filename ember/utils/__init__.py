"""``ember.utils`` (``torch.utils``): hooks, data, ... Submodules load on first access."""
from __future__ import annotations

import importlib

_LAZY = ("data", "hooks", "tensorboard", "checkpoint", "safetensors")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
