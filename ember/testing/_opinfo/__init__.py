"""``op_db``: every public op with its samples; the conformance sweep reads it.

Each family file (``elementwise.py``, ``reduction.py``, ...) defines an ``op_db`` list.
``EXEMPT`` lists public names tested elsewhere, with the reason.
"""
from __future__ import annotations

import importlib

from .core import FLOAT, FLOAT_INT, ALL, Maker, OpInfo, SampleInput  # noqa: F401

def _families():
    import pkgutil
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "core")


def _load():
    db, exempt = [], {}
    for fam in _families():
        mod = importlib.import_module(f"{__name__}.{fam}")
        db.extend(mod.op_db)
        exempt.update(getattr(mod, "EXEMPT", {}))
    return db, exempt


op_db, EXEMPT = _load()
