"""ModuleInfos: Embedding, EmbeddingBag (init: ``normal_`` then the padding row zeroed)."""
from __future__ import annotations

import numpy as np

from .core import ModuleInfo, ModuleSample

_IDX = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])


module_db = [
    ModuleInfo("Embedding", lambda make: [
        ModuleSample((10, 3), inputs=(_IDX,)),
        ModuleSample((10, 3), {"padding_idx": 2}, inputs=(_IDX,)),
        ModuleSample((10, 3), {"padding_idx": -1, "scale_grad_by_freq": True}, inputs=(_IDX,)),
        ModuleSample((10, 4), {"max_norm": 1.0}, inputs=(_IDX,)),
        ModuleSample((10, 4), {"max_norm": 1.5, "norm_type": 1.0}, inputs=(_IDX[0],)),
    ]),
    ModuleInfo("EmbeddingBag", lambda make: [
        ModuleSample((10, 3), inputs=(_IDX,)),
        ModuleSample((10, 3), {"mode": "sum", "padding_idx": 4}, inputs=(_IDX,)),
        ModuleSample((10, 3), {"mode": "max"}, inputs=(_IDX.reshape(-1), np.array([0, 3, 3]))),
        ModuleSample((10, 3), {"mode": "sum", "include_last_offset": True},
                     inputs=(_IDX.reshape(-1), np.array([0, 2, 8]))),
        ModuleSample((10, 3), {"mode": "sum"}, inputs=(_IDX.reshape(-1), np.array([0, 5])),
                     forward_kwargs={"per_sample_weights": make(8)}),
    ]),
]
