"""ModuleInfos: PairwiseDistance, CosineSimilarity."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample

module_db = [
    ModuleInfo("PairwiseDistance", lambda make: [
        ModuleSample((), inputs=(make(5, 4), make(5, 4))),
        ModuleSample((), {"p": 1.0, "keepdim": True}, inputs=(make(3, 6), make(3, 6))),
        ModuleSample((3.0, 1e-4), inputs=(make(4), make(4))),
        ModuleSample((), {"p": -1.0}, inputs=(make(2, 5), make(1, 5))),
    ], init=False),
    ModuleInfo("CosineSimilarity", lambda make: [
        ModuleSample((), inputs=(make(5, 4), make(5, 4))),
        ModuleSample((0, 1e-6), inputs=(make(3, 6), make(3, 6))),
        ModuleSample((), {"dim": -1}, inputs=(make(2, 3, 4), make(1, 3, 4))),
    ], init=False),
]

EXEMPT = {}
