"""OpInfos: in-place writes through views while recording (torch's CopySlices)."""
from __future__ import annotations

from .core import OpInfo, SampleInput


def _write_through_view(lib, x, v):
    y = x * 1
    y[1:3].mul_(v)        # in-place on a basic view of a graph tensor
    y[0, :2] = v[:2] * 3  # setitem through a view
    return y * y


op_db = [
    OpInfo("inplace_through_view", lambda make: [SampleInput((make(4, 3), make(3)))],
           fn=_write_through_view),
]

EXEMPT = {
    "copy_slices": "its node is built directly by rebase_view (never through its forward); "
                   "the sample above runs its backward",
}
