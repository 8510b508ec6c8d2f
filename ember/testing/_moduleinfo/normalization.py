"""ModuleInfos: batch/instance/layer/group/RMS/local-response norm (buffers compared after
the forward: running statistics, num_batches_tracked)."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample

module_db = [
    ModuleInfo("BatchNorm1d", lambda make: [
        ModuleSample((3,), inputs=(make(4, 3),)),
        ModuleSample((3,), {"momentum": None}, inputs=(make(4, 3, 5),)),
        ModuleSample((3,), {"affine": False, "eps": 1e-3}, inputs=(make(4, 3),)),
        ModuleSample((3,), {"track_running_stats": False}, inputs=(make(4, 3, 2),)),
        ModuleSample((3,), {"bias": False, "momentum": 0.3}, inputs=(make(5, 3),)),
    ]),
    ModuleInfo("BatchNorm2d", lambda make: [
        ModuleSample((3,), inputs=(make(2, 3, 4, 4),)),
        ModuleSample((2,), {"affine": False, "track_running_stats": False},
                     inputs=(make(2, 2, 3, 3),)),
    ]),
    ModuleInfo("BatchNorm3d", lambda make: [
        ModuleSample((2,), inputs=(make(2, 2, 2, 3, 3),)),
    ]),
    ModuleInfo("SyncBatchNorm", lambda make: [
        ModuleSample((3,), inputs=(make(4, 3, 5),)),
        ModuleSample((3,), {"momentum": None}, inputs=(make(2, 3, 2, 2),)),
    ]),
    ModuleInfo("InstanceNorm1d", lambda make: [
        ModuleSample((3,), inputs=(make(2, 3, 5),)),
        ModuleSample((3,), {"affine": True, "track_running_stats": True},
                     inputs=(make(2, 3, 5),)),
        ModuleSample((3,), {"affine": True}, inputs=(make(3, 6),)),
    ]),
    ModuleInfo("InstanceNorm2d", lambda make: [
        ModuleSample((3,), inputs=(make(2, 3, 4, 4),)),
        ModuleSample((3,), {"affine": True, "track_running_stats": True, "momentum": 0.2},
                     inputs=(make(2, 3, 3, 3),)),
    ]),
    ModuleInfo("InstanceNorm3d", lambda make: [
        ModuleSample((2,), {"affine": True}, inputs=(make(2, 2, 2, 3, 3),)),
        ModuleSample((2,), inputs=(make(2, 2, 3, 3),)),
    ]),
    ModuleInfo("LayerNorm", lambda make: [
        ModuleSample((5,), inputs=(make(4, 5),)),
        ModuleSample(([3, 4],), {"eps": 1e-3}, inputs=(make(2, 3, 4),)),
        ModuleSample((4,), {"elementwise_affine": False}, inputs=(make(2, 3, 4),)),
        ModuleSample((4,), {"bias": False}, inputs=(make(2, 4),)),
    ]),
    ModuleInfo("GroupNorm", lambda make: [
        ModuleSample((2, 4), inputs=(make(3, 4, 5),)),
        ModuleSample((3, 6), {"affine": False}, inputs=(make(2, 6, 2, 2),)),
        ModuleSample((1, 4), {"bias": False, "eps": 1e-3}, inputs=(make(2, 4),)),
    ]),
    ModuleInfo("RMSNorm", lambda make: [
        ModuleSample((5,), inputs=(make(4, 5),)),
        ModuleSample(([3, 4],), {"eps": 1e-4}, inputs=(make(2, 3, 4),)),
        ModuleSample((4,), {"elementwise_affine": False}, inputs=(make(2, 4),)),
    ]),
    ModuleInfo("LocalResponseNorm", lambda make: [
        ModuleSample((2,), inputs=(make(2, 5, 4),)),
        ModuleSample((3,), {"alpha": 0.1, "beta": 0.5, "k": 2.0}, inputs=(make(2, 4, 3, 3),)),
    ], init=False),
]

EXEMPT = {
    "LazyBatchNorm1d": "lazy modules are not implemented (materialize on first call)",
    "LazyBatchNorm2d": "lazy modules are not implemented",
    "LazyBatchNorm3d": "lazy modules are not implemented",
    "LazyInstanceNorm1d": "lazy modules are not implemented",
    "LazyInstanceNorm2d": "lazy modules are not implemented",
    "LazyInstanceNorm3d": "lazy modules are not implemented",
    "CrossMapLRN2d": "legacy Lua-torch layer; not implemented",
}
