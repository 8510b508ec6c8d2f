"""ModuleInfos: dropout layers (both frameworks seeded before the forward: torch's masks)."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample


def _s(shape, **kw):
    return lambda make: [ModuleSample((), inputs=(make(*shape),)),
                         ModuleSample((0.2,), inputs=(make(*shape),)),
                         ModuleSample((), {"p": 0.7, **kw}, inputs=(make(*shape),))]


module_db = [
    ModuleInfo("Dropout", _s((4, 6)), random=True, init=False),
    ModuleInfo("Dropout1d", _s((2, 3, 5)), random=True, init=False),
    ModuleInfo("Dropout2d", _s((2, 3, 4, 4)), random=True, init=False),
    ModuleInfo("Dropout3d", _s((2, 3, 2, 2, 2)), random=True, init=False),
    ModuleInfo("AlphaDropout", _s((4, 6)), random=True, init=False),
    ModuleInfo("FeatureAlphaDropout", _s((2, 3, 4)), random=True, init=False),
]
