"""OpInfos: nn.functional linear layers."""
from __future__ import annotations

from .core import OpInfo, SampleInput

op_db = [
    OpInfo("nn.functional.linear", lambda make: [
        SampleInput((make(4, 3), make(5, 3), make(5))),
        SampleInput((make(2, 4, 3), make(5, 3))),
        SampleInput((make(3), make(2, 3), make(2))),
        SampleInput((make(4, 3), make(3))),
    ], gradgrad=True, covers=("linear",)),
    OpInfo("nn.functional.bilinear", lambda make: [
        SampleInput((make(4, 3), make(4, 2), make(5, 3, 2), make(5))),
        SampleInput((make(2, 3), make(2, 2), make(1, 3, 2))),
    ]),
]
