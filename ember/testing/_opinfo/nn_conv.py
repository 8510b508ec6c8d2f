"""OpInfos: nn.functional convolutions (and the torch-level conv names they cover)."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, OpInfo, SampleInput

_TOL = dict(rtol=1e-4, atol=1e-4)


def _conv2d(make):
    return [
        SampleInput((make(2, 3, 7, 6), make(4, 3, 3, 3), make(4))),
        SampleInput((make(2, 3, 7, 6), make(4, 3, 3, 2)), dict(stride=(2, 1), padding=(1, 2),
                                                                dilation=(1, 2))),
        SampleInput((make(2, 4, 6, 6, noncontig=True), make(6, 2, 3, 3), make(6)),
                    dict(groups=2, padding=1)),
        SampleInput((make(2, 4, 5, 5), make(8, 1, 3, 3)), dict(groups=4, stride=2, padding=1)),
        SampleInput((make(3, 6, 5), make(2, 3, 2, 2)), dict(padding="same")),
        SampleInput((make(1, 2, 5, 5), make(2, 2, 3, 3)), dict(padding="valid")),
        SampleInput((make(0, 2, 5, 5), make(3, 2, 3, 3))),
        SampleInput((make(1, 1, 2, 2), make(3, 1, 3, 3)), grad=False),          # kernel too large
        SampleInput((make(1, 3, 5, 5), make(2, 1, 3, 3)), grad=False),          # wrong channel count
        SampleInput((make(3, 4), make(2, 1, 3, 3)), grad=False),                 # wrong rank
    ]


def _int_conv(make):
    return [SampleInput((make(1, 2, 5, 5, dtype=np.int64), make(3, 2, 3, 3, dtype=np.int64)),
                        dict(padding=1), grad=False)]


op_db = [
    OpInfo("nn.functional.conv2d", _conv2d, gradgrad=True, covers=("conv2d",), **_TOL),
    OpInfo("nn.functional.conv2d", _int_conv, dtypes=(np.int64,), grad=False),
    OpInfo("nn.functional.conv1d", lambda make: [
        SampleInput((make(2, 4, 9), make(6, 4, 3), make(6)), dict(stride=2)),
        SampleInput((make(4, 9), make(6, 2, 3)), dict(groups=2, padding=2, dilation=2)),
        SampleInput((make(2, 3, 8), make(3, 3, 4)), dict(padding="same", dilation=1)),
    ], gradgrad=True, covers=("conv1d",), **_TOL),
    OpInfo("nn.functional.conv3d", lambda make: [
        SampleInput((make(2, 2, 5, 4, 4), make(3, 2, 2, 3, 2), make(3)), dict(padding=1)),
        SampleInput((make(1, 2, 5, 5, 5), make(2, 1, 3, 3, 3)), dict(stride=2, groups=2)),
    ], covers=("conv3d",), **_TOL),
    OpInfo("nn.functional.conv_transpose2d", lambda make: [
        SampleInput((make(2, 4, 4, 5), make(4, 3, 3, 3), make(3)),
                    dict(stride=2, padding=1, output_padding=1)),
        SampleInput((make(2, 4, 4, 5), make(4, 1, 3, 2)), dict(stride=(2, 3), groups=2,
                                                                dilation=2)),
        SampleInput((make(4, 3, 3), make(4, 2, 2, 2))),
        SampleInput((make(1, 4, 3, 3), make(4, 2, 2, 2)), dict(stride=2, output_padding=2),
                    grad=False),
    ], gradgrad=True, covers=("conv_transpose2d",), **_TOL),
    OpInfo("nn.functional.conv_transpose1d", lambda make: [
        SampleInput((make(3, 5), make(3, 2, 3)), dict(stride=3)),
        SampleInput((make(2, 4, 6), make(4, 3, 3), make(6)), dict(groups=2, padding=1)),
    ], covers=("conv_transpose1d",), **_TOL),
    OpInfo("nn.functional.conv_transpose3d", lambda make: [
        SampleInput((make(1, 2, 3, 3, 2), make(2, 3, 2, 2, 2), make(3)), dict(stride=2)),
    ], covers=("conv_transpose3d",), **_TOL),
]

EXEMPT: dict = {}
_ = FLOAT
