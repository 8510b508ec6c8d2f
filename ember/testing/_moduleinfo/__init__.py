"""``module_db``: every nn module with its samples; tests/test_modules.py reads it."""
from __future__ import annotations

import importlib

from .core import Maker, ModuleInfo, ModuleSample  # noqa: F401

def _families():
    import pkgutil
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "core")


def _load():
    db, exempt = [], {}
    for fam in _families():
        mod = importlib.import_module(f"{__name__}.{fam}")
        db.extend(mod.module_db)
        exempt.update(getattr(mod, "EXEMPT", {}))
    return db, exempt


module_db, EXEMPT = _load()
