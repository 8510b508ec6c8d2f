"""OpInfos: pad, interpolate/upsample*, pixel/channel shuffle, unfold/fold, grid_sample,
affine_grid."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, OpInfo, SampleInput


def _pad(make):
    out = [
        SampleInput((make(2, 3, 4), (1, 2))),
        SampleInput((make(2, 3, 4), (1, -2, -1, 2)), dict(value=2.5)),
        SampleInput((make(3), (0, 0))),
        SampleInput((make(2, 3, 4), (1,)), grad=False),                              # odd length
        SampleInput((make(2, 3, 4), (4, 4)), dict(mode="reflect"), grad=False),       # pad too large
    ]
    for m in ("reflect", "replicate", "circular"):
        out += [SampleInput((make(2, 3, 4, 5, noncontig=True), (1, 2, 3, 1)), dict(mode=m)),
                SampleInput((make(2, 3, 5), (3, 2)), dict(mode=m)),
                SampleInput((make(1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 1)), dict(mode=m))]
    return out


def _interp(make):
    out = []
    for mode, ac in [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                     ("bilinear", True), ("bicubic", False), ("bicubic", True), ("area", None)]:
        out += [SampleInput((make(2, 3, 5, 7),), dict(scale_factor=2, mode=mode,
                                                       align_corners=ac)),
                SampleInput((make(2, 3, 5, 7),), dict(size=(3, 11), mode=mode,
                                                       align_corners=ac)),
                SampleInput((make(1, 2, 5, 7),), dict(scale_factor=(1.7, 0.6), mode=mode,
                                                       align_corners=ac)),
                SampleInput((make(1, 2, 5, 7),), dict(scale_factor=(1.7, 0.6), mode=mode,
                                                       align_corners=ac,
                                                       recompute_scale_factor=True))]
    out += [SampleInput((make(2, 3, 5),), dict(scale_factor=2.5, mode="linear")),
            SampleInput((make(2, 3, 5, 4, 3),), dict(size=(3, 6, 4), mode="trilinear",
                                                      align_corners=True)),
            SampleInput((make(1, 2, 5, 4, 3),), dict(scale_factor=1.5)),
            SampleInput((make(2, 3, 5),), dict(scale_factor=2, mode="bilinear"), grad=False),   # rank
            SampleInput((make(2, 3, 5),), dict(size=3, scale_factor=2), grad=False)]            # both
    return out


def _grid(make):
    out = []
    for pm in ("zeros", "border", "reflection"):
        for ac in (False, True):
            for mode in ("bilinear", "nearest"):
                g = make(2, 3, 4, 2, low=-1.3, high=1.3)
                out.append(SampleInput((make(2, 3, 5, 4), g), dict(mode=mode, padding_mode=pm,
                                                                    align_corners=ac)))
    return out


op_db = [
    OpInfo("nn.functional.pad", _pad, gradgrad=True),
    OpInfo("constant_pad_nd", lambda make: [SampleInput((make(2, 3), (1, -1, 2, 0)), dict(
        value=1.5))]),
    OpInfo("nn.functional.interpolate", _interp, rtol=1e-5, atol=2e-5),
    OpInfo("nn.functional.upsample", lambda make: [
        SampleInput((make(1, 2, 3, 4),), dict(scale_factor=2, mode="bilinear",
                                              align_corners=False))]),
    OpInfo("nn.functional.upsample_nearest", lambda make: [
        SampleInput((make(1, 2, 3, 4),), dict(size=(5, 9)))]),
    OpInfo("nn.functional.upsample_bilinear", lambda make: [
        SampleInput((make(1, 2, 3, 4),), dict(scale_factor=2))]),
    OpInfo("nn.functional.pixel_shuffle", lambda make: [
        SampleInput((make(2, 8, 3, 4), 2)), SampleInput((make(3, 2, 9, 2, 3), 3)),
        SampleInput((make(2, 7, 3, 4), 2), grad=False)], covers=("pixel_shuffle",)),
    OpInfo("nn.functional.pixel_unshuffle", lambda make: [
        SampleInput((make(2, 2, 4, 6), 2)), SampleInput((make(2, 2, 5, 6), 2), grad=False)],
        covers=("pixel_unshuffle",)),
    OpInfo("nn.functional.channel_shuffle", lambda make: [
        SampleInput((make(2, 6, 3, 4), 3)), SampleInput((make(2, 6, 5), 2))],
        covers=("channel_shuffle",)),
    OpInfo("nn.functional.native_channel_shuffle", lambda make: [
        SampleInput((make(2, 6, 3, 4), 2))], covers=("native_channel_shuffle",),
        grad=False),  # torch: "derivative for aten::native_channel_shuffle is not implemented"
    OpInfo("nn.functional.unfold", lambda make: [
        SampleInput((make(2, 3, 6, 5), (2, 3)), dict(dilation=(1, 2), padding=1, stride=(2, 1))),
        SampleInput((make(3, 4, 4), 2)),
    ], gradgrad=True),
    OpInfo("nn.functional.fold", lambda make: [
        SampleInput((make(2, 12, 24), (5, 6), 2), dict(padding=1, stride=(1, 2))),
        SampleInput((make(8, 9), (4, 4), 2)),
    ], gradgrad=True),
    OpInfo("nn.functional.grid_sample", _grid, rtol=1e-5, atol=2e-5),
    OpInfo("nn.functional.affine_grid", lambda make: [
        SampleInput((make(2, 2, 3), (2, 3, 5, 4)), dict(align_corners=False)),
        SampleInput((make(2, 2, 3), (2, 3, 5, 4)), dict(align_corners=True)),
        SampleInput((make(2, 3, 4), (2, 3, 4, 5, 3)), dict(align_corners=False)),
    ]),
]

EXEMPT: dict = {}
_ = (FLOAT, np)
