"""ModuleInfos: padding layers, Upsample*, PixelShuffle/Unshuffle, Fold/Unfold, ChannelShuffle."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample


module_db = [
    ModuleInfo("ZeroPad1d", lambda make: [ModuleSample(((1, 2),), inputs=(make(2, 3, 4),))]),
    ModuleInfo("ZeroPad2d", lambda make: [
        ModuleSample((1,), inputs=(make(2, 3, 4, 4),)),
        ModuleSample(((1, -1, 2, 0),), inputs=(make(3, 4, 4),))]),
    ModuleInfo("ZeroPad3d", lambda make: [ModuleSample((1,), inputs=(make(1, 2, 3, 3, 3),))]),
    ModuleInfo("ConstantPad1d", lambda make: [
        ModuleSample((2, 3.5), inputs=(make(2, 3, 4),))]),
    ModuleInfo("ConstantPad2d", lambda make: [
        ModuleSample(((1, 0, 2, 1), -1.0), inputs=(make(2, 3, 4, 4),))]),
    ModuleInfo("ConstantPad3d", lambda make: [
        ModuleSample((1, 0.0), inputs=(make(1, 2, 3, 3, 3),))]),
    ModuleInfo("ReflectionPad1d", lambda make: [ModuleSample((2,), inputs=(make(2, 3, 4),))]),
    ModuleInfo("ReflectionPad2d", lambda make: [
        ModuleSample(((1, 0, 2, 1),), inputs=(make(2, 3, 4, 4),))]),
    ModuleInfo("ReflectionPad3d", lambda make: [
        ModuleSample((1,), inputs=(make(1, 2, 3, 3, 3),))]),
    ModuleInfo("ReplicationPad1d", lambda make: [ModuleSample((3,), inputs=(make(2, 3, 4),))]),
    ModuleInfo("ReplicationPad2d", lambda make: [
        ModuleSample(((1, 2, 3, 0),), inputs=(make(2, 3, 4, 4),))]),
    ModuleInfo("ReplicationPad3d", lambda make: [
        ModuleSample((1,), inputs=(make(1, 2, 3, 3, 3),))]),
    ModuleInfo("CircularPad1d", lambda make: [ModuleSample((2,), inputs=(make(2, 3, 4),))]),
    ModuleInfo("CircularPad2d", lambda make: [
        ModuleSample(((1, 0, 2, 1),), inputs=(make(2, 3, 4, 4),))]),
    ModuleInfo("CircularPad3d", lambda make: [
        ModuleSample((1,), inputs=(make(1, 2, 3, 3, 3),))]),
    ModuleInfo("Upsample", lambda make: [
        ModuleSample((), {"scale_factor": 2}, inputs=(make(2, 3, 4, 5),)),
        ModuleSample((), {"size": (5, 7), "mode": "bilinear", "align_corners": True},
                     inputs=(make(2, 3, 4, 5),)),
        ModuleSample((), {"scale_factor": (1.5, 2.0), "mode": "bicubic"},
                     inputs=(make(1, 2, 4, 5),)),
        ModuleSample((), {"scale_factor": 2, "mode": "linear"}, inputs=(make(2, 3, 5),)),
        ModuleSample((), {"size": (3, 4, 5), "mode": "trilinear"},
                     inputs=(make(1, 2, 2, 3, 4),)),
        ModuleSample((), {"scale_factor": 0.5, "mode": "area"}, inputs=(make(2, 3, 8, 6),)),
    ]),
    ModuleInfo("UpsamplingNearest2d", lambda make: [
        ModuleSample((), {"scale_factor": 2}, inputs=(make(2, 3, 4, 5),))]),
    ModuleInfo("UpsamplingBilinear2d", lambda make: [
        ModuleSample((), {"scale_factor": 2}, inputs=(make(2, 3, 4, 5),)),
        ModuleSample(((5, 3),), inputs=(make(2, 3, 4, 5),))]),
    ModuleInfo("PixelShuffle", lambda make: [ModuleSample((2,), inputs=(make(2, 8, 3, 4),))]),
    ModuleInfo("PixelUnshuffle", lambda make: [ModuleSample((2,), inputs=(make(2, 2, 4, 6),))]),
    ModuleInfo("ChannelShuffle", lambda make: [ModuleSample((3,), inputs=(make(2, 6, 3, 4),))]),
    ModuleInfo("Unfold", lambda make: [
        ModuleSample(((2, 3),), {"dilation": (1, 2), "padding": 1, "stride": (2, 1)},
                     inputs=(make(2, 3, 6, 5),))]),
    ModuleInfo("Fold", lambda make: [
        ModuleSample(((5, 6), 2), {"padding": 1, "stride": (1, 2)}, inputs=(make(2, 12, 24),))]),
]

EXEMPT: dict = {}
