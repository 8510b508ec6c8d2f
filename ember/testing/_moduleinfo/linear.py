"""ModuleInfos: Identity, Linear, Bilinear."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample

module_db = [
    ModuleInfo("Linear", lambda make: [
        ModuleSample((3, 4), inputs=(make(5, 3),)),
        ModuleSample((3, 4), {"bias": False}, inputs=(make(2, 6, 3),)),
        ModuleSample((1, 1), inputs=(make(1),)),
        ModuleSample((784, 10), inputs=(make(8, 784),)),
    ]),
    ModuleInfo("Bilinear", lambda make: [
        ModuleSample((3, 2, 4), inputs=(make(5, 3), make(5, 2))),
        ModuleSample((2, 2, 1), {"bias": False}, inputs=(make(2, 3, 2), make(2, 3, 2))),
    ]),
    ModuleInfo("Identity", lambda make: [ModuleSample((3,), {"x": 1}, inputs=(make(2, 3),))],
               init=False),
]

EXEMPT = {"LazyLinear": "materializes on first call; tests/test_nn_layers.py"}
