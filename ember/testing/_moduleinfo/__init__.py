"""``module_db``: every nn module with its samples; tests/test_modules.py reads it."""
from __future__ import annotations

import importlib

from .core import Maker, ModuleInfo, ModuleSample  # noqa: F401

_FAMILIES = ["activation", "loss", "linear", "conv", "pooling", "normalization", "dropout",
             "rnn", "transformer", "misc"]


def _load():
    db, exempt = [], {}
    for fam in _FAMILIES:
        try:
            mod = importlib.import_module(f"{__name__}.{fam}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{fam}":
                continue
            raise
        db.extend(mod.module_db)
        exempt.update(getattr(mod, "EXEMPT", {}))
    return db, exempt


module_db, EXEMPT = _load()
