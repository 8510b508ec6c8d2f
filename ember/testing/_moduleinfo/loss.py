"""ModuleInfos: losses (weights as buffers; targets given as arrays)."""
from __future__ import annotations

import numpy as np

from .core import ModuleInfo, ModuleSample


def _pm1(make, *shape):
    return np.where(make(*shape) > 0, 1.0, -1.0).astype(make.dtype)


def _reds(fn):
    """Repeat samples over the three reductions."""
    def samples(make):
        out = []
        for r in ("mean", "sum", "none"):
            args, kwargs, inputs = fn(make)
            out.append(ModuleSample(args, dict(kwargs, reduction=r), inputs=inputs))
        return out
    return samples


def _info(name, fn, **kw):
    return ModuleInfo(name, _reds(fn), init=False, **kw)


def _probs(make, *shape):
    p = make(*shape, low=0.05, high=1.0)
    return p / p.sum(-1, keepdims=True)


module_db = [
    _info("L1Loss", lambda m: ((), {}, (m(4, 5), m(4, 5)))),
    _info("MSELoss", lambda m: ((), {}, (m(4, 5), m(4, 5)))),
    _info("SmoothL1Loss", lambda m: ((), {"beta": 0.5}, (m(4, 5), m(4, 5)))),
    _info("HuberLoss", lambda m: ((), {"delta": 0.7}, (m(4, 5), m(4, 5)))),
    _info("NLLLoss", lambda m: ((), {"weight": m(5, low=0.1, high=2), "ignore_index": 1},
                                (m(6, 5), m.int(6, high=5)))),
    _info("CrossEntropyLoss", lambda m: ((), {}, (m(6, 5), m.int(6, high=5)))),
    _info("CrossEntropyLoss", lambda m: ((), {"weight": m(4, low=0.1, high=2),
                                              "label_smoothing": 0.1},
                                         (m(3, 4, 5), m.int(3, 5, high=4)))),
    _info("CrossEntropyLoss", lambda m: ((), {"label_smoothing": 0.2},
                                         (m(6, 5), _probs(m, 6, 5)))),
    _info("BCELoss", lambda m: ((), {"weight": m(5, low=0.1)},
                                (m(4, 5, low=0.05, high=0.95), m(4, 5, low=0, high=1)))),
    _info("BCEWithLogitsLoss", lambda m: ((), {"weight": m(5, low=0.1),
                                               "pos_weight": m(5, low=0.5, high=2)},
                                          (m(4, 5), m(4, 5, low=0, high=1)))),
    _info("KLDivLoss", lambda m: ((), {}, (m(4, 5), m(4, 5, low=0.01, high=1)))),
    _info("KLDivLoss", lambda m: ((), {"log_target": True}, (m(4, 5), m(4, 5)))),
    _info("PoissonNLLLoss", lambda m: ((), {"full": True}, (m(4, 5), m(4, 5, low=0, high=4)))),
    _info("GaussianNLLLoss", lambda m: ((), {"full": True},
                                        (m(4, 5), m(4, 5), m(4, 5, low=0.1, high=2)))),
    _info("HingeEmbeddingLoss", lambda m: ((), {"margin": 1.5}, (m(4, 5), _pm1(m, 4, 5)))),
    _info("MultiLabelMarginLoss", lambda m: ((), {}, (m(3, 4), np.array(
        [[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 2, 2]], np.int64)))),
    # torch refuses a target that requires grad here, so no backward in the sweep
    _info("SoftMarginLoss", lambda m: ((), {}, (m(4, 5), _pm1(m, 4, 5))), grad=False),
    _info("MultiLabelSoftMarginLoss", lambda m: ((), {"weight": m(5, low=0.1)},
                                                 (m(4, 5), (m(4, 5) > 0).astype(m.dtype)))),
    _info("CosineEmbeddingLoss", lambda m: ((), {"margin": 0.1}, (m(4, 5), m(4, 5), np.array(
        [1, -1, 1, -1], np.int64)))),
    _info("MarginRankingLoss", lambda m: ((), {"margin": 0.2}, (m(6), m(6), _pm1(m, 6)))),
    _info("MultiMarginLoss", lambda m: ((), {"p": 2, "margin": 0.8, "weight": m(4, low=0.1)},
                                        (m(5, 4), m.int(5, high=4)))),
    _info("TripletMarginLoss", lambda m: ((), {"swap": True}, (m(4, 5), m(4, 5), m(4, 5)))),
    _info("TripletMarginWithDistanceLoss", lambda m: ((), {"margin": 1.5},
                                                      (m(4, 5), m(4, 5), m(4, 5))),
          repr_check=False),
    _info("CTCLoss", lambda m: ((), {"zero_infinity": True}, (
        m(8, 3, 5), np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]], np.int64),
        np.array([8, 7, 8], np.int64), np.array([3, 2, 1], np.int64)))),
]

EXEMPT = {"NLLLoss2d": "deprecated alias of NLLLoss (same class body)"}
