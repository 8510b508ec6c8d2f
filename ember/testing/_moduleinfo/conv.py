"""ModuleInfos: Conv1d/2d/3d, ConvTranspose1d/2d/3d."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample

_TOL = dict(rtol=1e-4, atol=1e-4)

module_db = [
    ModuleInfo("Conv2d", lambda make: [
        ModuleSample((3, 4, 3), inputs=(make(2, 3, 7, 6),)),
        ModuleSample((1, 8, 3), inputs=(make(4, 1, 10, 10),)),
        ModuleSample((4, 6, (3, 2)), {"stride": (2, 1), "padding": 1, "dilation": (1, 2),
                                      "groups": 2, "bias": False}, inputs=(make(2, 4, 7, 6),)),
        ModuleSample((4, 8, 3), {"groups": 4, "padding": "same"}, inputs=(make(2, 4, 5, 5),)),
        ModuleSample((2, 3, 4), {"padding": "same"}, inputs=(make(2, 2, 6, 5),)),
        ModuleSample((2, 3, 3), {"padding": "valid"}, inputs=(make(2, 6, 5),)),
        ModuleSample((2, 3, 3), {"padding": 2, "padding_mode": "reflect"},
                     inputs=(make(2, 2, 6, 5),)),
        ModuleSample((2, 3, 3), {"padding": (1, 2), "padding_mode": "replicate"},
                     inputs=(make(2, 2, 6, 5),)),
        ModuleSample((2, 3, 3), {"padding": 1, "padding_mode": "circular", "stride": 2},
                     inputs=(make(2, 2, 6, 5),)),
    ], **_TOL),
    ModuleInfo("Conv1d", lambda make: [
        ModuleSample((3, 4, 3), inputs=(make(2, 3, 9),)),
        ModuleSample((4, 4, 3), {"groups": 2, "stride": 2, "padding": 1,
                                 "padding_mode": "circular"}, inputs=(make(2, 4, 9),)),
        ModuleSample((2, 3, 3), {"padding": "same", "dilation": 2}, inputs=(make(2, 8),)),
    ], **_TOL),
    ModuleInfo("Conv3d", lambda make: [
        ModuleSample((2, 3, 2), inputs=(make(2, 2, 4, 5, 4),)),
        ModuleSample((2, 4, (3, 2, 2)), {"padding": 1, "stride": (1, 2, 1), "groups": 2},
                     inputs=(make(1, 2, 4, 5, 4),)),
    ], **_TOL),
    ModuleInfo("ConvTranspose2d", lambda make: [
        ModuleSample((4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1},
                     inputs=(make(2, 4, 4, 5),)),
        ModuleSample((4, 2, (3, 2)), {"stride": (2, 3), "groups": 2, "dilation": 2,
                                      "bias": False}, inputs=(make(2, 4, 4, 5),)),
        ModuleSample((3, 2, 3), {"stride": 2, "padding": 1}, inputs=(make(2, 3, 4, 4),),
                     forward_kwargs={"output_size": (8, 8)}),
    ], **_TOL),
    ModuleInfo("ConvTranspose1d", lambda make: [
        ModuleSample((3, 2, 3), {"stride": 3}, inputs=(make(2, 3, 5),)),
    ], **_TOL),
    ModuleInfo("ConvTranspose3d", lambda make: [
        ModuleSample((2, 3, 2), {"stride": 2}, inputs=(make(1, 2, 3, 3, 2),)),
    ], **_TOL),
]

EXEMPT = {f"Lazy{n}": "not implemented in ember" for n in
          ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")}
