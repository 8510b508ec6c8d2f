"""ModuleInfos: max/avg/adaptive/LP pooling and MaxUnpool."""
from __future__ import annotations

import numpy as np

from .core import ModuleInfo, ModuleSample


def _idx2d(rng, n, c, h, w, k=2):
    hh = np.arange(h)[:, None] * k + rng.integers(0, k, (n, c, h, w))
    ww = np.arange(w)[None, :] * k + rng.integers(0, k, (n, c, h, w))
    return (hh * (w * k) + ww).astype(np.int64)


module_db = [
    ModuleInfo("MaxPool2d", lambda make: [
        ModuleSample((2,), inputs=(make(2, 3, 8, 8),)),
        ModuleSample((3,), {"stride": 2, "padding": 1, "ceil_mode": True},
                     inputs=(make(2, 3, 7, 6),)),
        ModuleSample(((3, 2),), {"stride": 1, "dilation": (1, 2), "return_indices": True},
                     inputs=(make(3, 7, 6),)),
    ]),
    ModuleInfo("MaxPool1d", lambda make: [
        ModuleSample((3,), {"stride": 2, "ceil_mode": True}, inputs=(make(2, 3, 10),))]),
    ModuleInfo("MaxPool3d", lambda make: [
        ModuleSample((2,), {"padding": 1}, inputs=(make(1, 2, 4, 5, 4),))]),
    ModuleInfo("AvgPool2d", lambda make: [
        ModuleSample((2,), inputs=(make(2, 3, 8, 8),)),
        ModuleSample((3,), {"stride": 2, "padding": 1, "ceil_mode": True,
                            "count_include_pad": False}, inputs=(make(2, 3, 7, 6),)),
        ModuleSample((3,), {"stride": 1, "padding": 1, "divisor_override": 5},
                     inputs=(make(3, 5, 6),)),
    ]),
    ModuleInfo("AvgPool1d", lambda make: [
        ModuleSample((3,), {"stride": 2, "padding": 1}, inputs=(make(2, 3, 10),))]),
    ModuleInfo("AvgPool3d", lambda make: [
        ModuleSample((2,), {"ceil_mode": True}, inputs=(make(1, 2, 5, 5, 5),))]),
    ModuleInfo("AdaptiveAvgPool2d", lambda make: [
        ModuleSample(((3, 4),), inputs=(make(2, 3, 7, 6),)),
        ModuleSample(((None, 2),), inputs=(make(2, 3, 7, 6),)),
        ModuleSample((1,), inputs=(make(2, 8, 5, 5),)),
    ]),
    ModuleInfo("AdaptiveAvgPool1d", lambda make: [
        ModuleSample((4,), inputs=(make(2, 3, 10),))]),
    ModuleInfo("AdaptiveAvgPool3d", lambda make: [
        ModuleSample(((2, 3, 2),), inputs=(make(1, 2, 5, 6, 4),))]),
    ModuleInfo("AdaptiveMaxPool2d", lambda make: [
        ModuleSample(((3, 4),), inputs=(make(2, 3, 7, 6),)),
        ModuleSample((2,), {"return_indices": True}, inputs=(make(3, 5, 5),)),
    ]),
    ModuleInfo("AdaptiveMaxPool1d", lambda make: [
        ModuleSample((3,), inputs=(make(2, 3, 8),))]),
    ModuleInfo("AdaptiveMaxPool3d", lambda make: [
        ModuleSample(((2, 2, 3),), inputs=(make(1, 2, 4, 5, 6),))]),
    ModuleInfo("MaxUnpool2d", lambda make: [
        ModuleSample((2,), inputs=(make(2, 3, 4, 3), _idx2d(make.rng, 2, 3, 4, 3))),
        ModuleSample((2,), inputs=(make(2, 3, 4, 3), _idx2d(make.rng, 2, 3, 4, 3)),
                     forward_kwargs={"output_size": (9, 7)}),
    ]),
    ModuleInfo("MaxUnpool1d", lambda make: [
        ModuleSample((2,), inputs=(make(2, 3, 4),
                                   np.arange(4) * 2 + make.rng.integers(0, 2, (2, 3, 4))))]),
    ModuleInfo("MaxUnpool3d", lambda make: [
        ModuleSample((1,), inputs=(make(1, 2, 1, 2, 2), np.broadcast_to(
            np.arange(4).reshape(1, 1, 1, 2, 2), (1, 2, 1, 2, 2)).copy()))]),
    ModuleInfo("LPPool2d", lambda make: [
        ModuleSample((2, 3), {"stride": 2}, inputs=(make(2, 3, 7, 6, low=0.5, high=2),))]),
    ModuleInfo("LPPool1d", lambda make: [
        ModuleSample((1.5, 2), inputs=(make(2, 3, 7, low=0.5, high=2),))]),
    ModuleInfo("LPPool3d", lambda make: [
        ModuleSample((2, 2), inputs=(make(1, 2, 4, 4, 4, low=0.5, high=2),))]),
]

EXEMPT = {"FractionalMaxPool2d": "not implemented in ember",
          "FractionalMaxPool3d": "not implemented in ember"}
