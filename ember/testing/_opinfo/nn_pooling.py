"""OpInfos: nn.functional pooling (max/avg/adaptive/LP/unpool)."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, OpInfo, SampleInput


def _unpool_idx(rng, n, c, h, w, k=2):
    """Valid, unique max-pool indices for a (n, c, h, w) pooled map of kernel = stride = k."""
    dh = rng.integers(0, k, (n, c, h, w))
    dw = rng.integers(0, k, (n, c, h, w))
    hh = np.arange(h)[:, None] * k + dh
    ww = np.arange(w)[None, :] * k + dw
    return (hh * (w * k) + ww).astype(np.int64)


def _max2d(make):
    return [
        SampleInput((make(2, 3, 7, 6), 2)),
        SampleInput((make(2, 3, 7, 6), 3), dict(stride=2, padding=1, ceil_mode=True,
                                                return_indices=True)),
        SampleInput((make(2, 3, 9, 8, noncontig=True), (3, 2)), dict(stride=(2, 1), padding=1,
                                                                     dilation=2)),
        SampleInput((make(3, 5, 5), 2), dict(return_indices=True)),
        SampleInput((make(0, 3, 4, 4), 2)),
        SampleInput((make(1, 1, 5, 5), 2), dict(padding=2), grad=False),        # pad too large
        SampleInput((make(5, 5), 2), grad=False),                    # wrong rank
    ]


op_db = [
    OpInfo("nn.functional.max_pool2d", _max2d, covers=("max_pool2d",)),
    OpInfo("nn.functional.max_pool2d", lambda make: [
        SampleInput((make(1, 2, 4, 4, dtype=np.int64), 2), grad=False)],
        dtypes=(np.int64,), grad=False),
    OpInfo("nn.functional.max_pool1d", lambda make: [
        SampleInput((make(3, 10), 3), dict(stride=2, ceil_mode=True, return_indices=True)),
        SampleInput((make(2, 3, 10), 2), dict(dilation=2)),
    ], covers=("max_pool1d",)),
    OpInfo("nn.functional.max_pool3d", lambda make: [
        SampleInput((make(1, 2, 5, 6, 7), 2), dict(stride=(1, 2, 2), return_indices=True)),
    ], covers=("max_pool3d",)),
    OpInfo("nn.functional.max_pool1d_with_indices", lambda make: [
        SampleInput((make(2, 3, 9), 3), dict(stride=2))]),
    OpInfo("nn.functional.max_pool2d_with_indices", lambda make: [
        SampleInput((make(2, 3, 6, 6), 2))]),
    OpInfo("nn.functional.max_pool3d_with_indices", lambda make: [
        SampleInput((make(1, 2, 4, 4, 4), 2))]),
    OpInfo("max_pool1d_with_indices", lambda make: [SampleInput((make(2, 3, 9), 3))]),
    OpInfo("nn.functional.avg_pool2d", lambda make: [
        SampleInput((make(2, 3, 7, 6), 2)),
        SampleInput((make(2, 3, 7, 6), 3), dict(stride=2, padding=1, ceil_mode=True)),
        SampleInput((make(2, 3, 7, 6), 3), dict(stride=2, padding=1, ceil_mode=True,
                                                count_include_pad=False)),
        SampleInput((make(3, 7, 6, noncontig=True), (3, 2)), dict(padding=1,
                                                                  divisor_override=2)),
        SampleInput((make(1, 1, 1, 1), 2), grad=False),                          # output too small
    ], gradgrad=True, covers=("avg_pool2d",)),
    OpInfo("nn.functional.avg_pool2d", lambda make: [
        SampleInput((make(1, 1, 4, 4, dtype=np.int64, low=-9, high=9), 3), dict(padding=1),
                    grad=False)], dtypes=(np.int64,), grad=False),
    OpInfo("nn.functional.avg_pool1d", lambda make: [
        SampleInput((make(2, 3, 7), 3), dict(stride=2, padding=1, ceil_mode=True)),
        SampleInput((make(3, 8), 2)),
    ], covers=("avg_pool1d",)),
    OpInfo("nn.functional.avg_pool3d", lambda make: [
        SampleInput((make(2, 1, 5, 5, 5), 2), dict(ceil_mode=True)),
        SampleInput((make(1, 2, 4, 5, 6), (2, 3, 2)), dict(stride=1, padding=1,
                                                            count_include_pad=False)),
    ]),
    OpInfo("nn.functional.adaptive_avg_pool2d", lambda make: [
        SampleInput((make(2, 3, 7, 6), (3, 4))),
        SampleInput((make(2, 3, 7, 6), (None, 4))),
        SampleInput((make(3, 7, 6), 1)),
        SampleInput((make(2, 3, 4, 4), (6, 5))),
        SampleInput((make(5, 5), 2), grad=False),
    ], gradgrad=True),
    OpInfo("nn.functional.adaptive_avg_pool1d", lambda make: [
        SampleInput((make(3, 7, 10), 4)), SampleInput((make(7, 10), 3))],
        covers=("adaptive_avg_pool1d",)),
    OpInfo("nn.functional.adaptive_avg_pool3d", lambda make: [
        SampleInput((make(1, 3, 7, 6, 5), (2, 3, 4)))]),
    OpInfo("nn.functional.adaptive_max_pool2d", lambda make: [
        SampleInput((make(2, 3, 7, 6), (3, 4)), dict(return_indices=True)),
        SampleInput((make(3, 7, 6), (None, 2))),
    ]),
    OpInfo("nn.functional.adaptive_max_pool1d", lambda make: [
        SampleInput((make(2, 3, 7), 3), dict(return_indices=True))]),
    OpInfo("nn.functional.adaptive_max_pool3d", lambda make: [
        SampleInput((make(1, 2, 7, 6, 5), (3, 2, 4)))]),
    OpInfo("nn.functional.adaptive_max_pool1d_with_indices", lambda make: [
        SampleInput((make(2, 3, 7), 3))]),
    OpInfo("nn.functional.adaptive_max_pool2d_with_indices", lambda make: [
        SampleInput((make(2, 3, 7, 5), 3))]),
    OpInfo("nn.functional.adaptive_max_pool3d_with_indices", lambda make: [
        SampleInput((make(1, 2, 4, 5, 3), 2))]),
    OpInfo("adaptive_max_pool1d", lambda make: [SampleInput((make(2, 3, 7), 3))]),
    OpInfo("nn.functional.lp_pool2d", lambda make: [
        SampleInput((make(2, 3, 7, 6, low=0.5, high=2), 2, 3), dict(stride=2)),
        SampleInput((make(2, 3, 6, 6), float("inf"), 2)),
    ]),
    OpInfo("nn.functional.lp_pool1d", lambda make: [
        SampleInput((make(2, 3, 7, low=0.5, high=2), 1.5, 2))]),
    OpInfo("nn.functional.lp_pool3d", lambda make: [
        SampleInput((make(1, 2, 4, 4, 4, low=0.5, high=2), 2, 2))]),
    OpInfo("nn.functional.max_unpool2d", lambda make: [
        SampleInput((make(2, 3, 4, 3), _unpool_idx(make.rng, 2, 3, 4, 3), 2)),
        SampleInput((make(2, 3, 4, 3), _unpool_idx(make.rng, 2, 3, 4, 3), 2),
                    dict(output_size=(9, 7))),
    ], gradgrad=True),
    OpInfo("nn.functional.max_unpool1d", lambda make: [
        SampleInput((make(2, 3, 4), np.arange(4) * 2 + make.rng.integers(0, 2, (2, 3, 4)), 2))]),
    OpInfo("nn.functional.max_unpool3d", lambda make: [
        SampleInput((make(1, 2, 1, 2, 2),
                     np.broadcast_to(np.arange(4).reshape(1, 1, 1, 2, 2), (1, 2, 1, 2, 2)).copy(),
                     1))]),
]

EXEMPT = {
    "F.fractional_max_pool2d": "random pooling regions; not implemented in ember",
    "F.fractional_max_pool3d": "random pooling regions; not implemented in ember",
}
_ = FLOAT
