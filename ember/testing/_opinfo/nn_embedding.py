"""OpInfos: embedding and embedding_bag (``max_norm`` mutates the weight: tested in
tests/test_nn_norm_dropout_embedding.py)."""
from __future__ import annotations

import numpy as np

from .core import OpInfo, SampleInput


def _emb_samples(make):
    w = make(10, 4)
    return [
        SampleInput((make.int(3, 5, high=10), w)),
        SampleInput((make.int(7, high=10), w)),
        SampleInput((np.array(3), w)),
        SampleInput((np.zeros((0, 2), np.int64), w)),
        SampleInput((make.int(4, 3, high=10).astype(np.int32), make(10, 4, noncontig=True))),
        SampleInput((np.array([1, 10]), w), name="out-of-range", grad=False),
        SampleInput((np.array([-1]), w), name="negative", grad=False),
    ]


def _emb_pad_samples(make):
    w = make(10, 4)
    idx = np.array([[1, 2, 2, 0], [2, 5, 1, 1]])
    return [
        SampleInput((idx, w), {"padding_idx": 2}),
        SampleInput((idx, w), {"padding_idx": -9}),
        SampleInput((idx, w), {"scale_grad_by_freq": True}),
        SampleInput((idx, w), {"padding_idx": 1, "scale_grad_by_freq": True}),
    ]


def _bag_samples(make):
    w = make(10, 3)
    i1 = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 3, 3, 6])
    out = []
    for mode in ("sum", "mean", "max"):
        out += [
            SampleInput((i1, w, off), {"mode": mode}),
            SampleInput((make.int(3, 4, high=10), w), {"mode": mode}),
            SampleInput((i1, w, np.array([0, 3, 3, 6, 8])),
                        {"mode": mode, "include_last_offset": True}),
            SampleInput((i1, w, off), {"mode": mode, "padding_idx": 4}),
            SampleInput((i1.astype(np.int32), w, off.astype(np.int32)), {"mode": mode}),
        ]
    out += [
        SampleInput((i1, w, off), {"mode": "sum", "per_sample_weights": make(8)}),
        SampleInput((make.int(2, 4, high=10), w), {"mode": "sum", "per_sample_weights": make(2, 4)}),
        SampleInput((i1, w, np.array([1, 3])), name="bad-offsets", grad=False),
        SampleInput((i1, w, off), {"mode": "mean", "per_sample_weights": make(8)},
                    name="psw-mean", grad=False),
    ]
    return out


def _top(lib, weight, indices, *args):
    return lib.embedding(weight, indices, *args)


op_db = [
    OpInfo("nn.functional.embedding", _emb_samples, gradgrad=True),
    OpInfo("nn.functional.embedding", _emb_pad_samples, gradcheck=False, gradgrad=False),
    OpInfo("nn.functional.embedding_bag", _bag_samples, gradgrad=True),
    OpInfo("embedding", lambda make: [
        SampleInput((make(6, 3), make.int(2, 4, high=6))),
        SampleInput((make(6, 3), np.array([0, 1, 1]), 1, True, False)),
    ], fn=_top, gradcheck=False),
]

EXEMPT = {
    "embedding_renorm_": "mutates its weight in place; tests/test_nn_norm_dropout_embedding.py",
    "embedding_dense_backward": "embedding's backward kernel: reached by every embedding "
                                "gradient sample (and its own rule by gradgrad)",
    "embedding_bag_put_cells": "max-mode bag backward: reached by embedding_bag max samples",
}
