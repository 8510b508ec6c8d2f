"""nn.functional: linear layers."""
from __future__ import annotations

from ..._ops.linear import linear

__all__ = ["linear", "bilinear"]


def bilinear(input1, input2, weight, bias=None):
    """``x1^T A x2 + b`` for each output feature (``torch.nn.functional.bilinear``)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError("bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if weight.dim() != 3 or weight.shape[1] != input1.shape[-1] or \
            weight.shape[2] != input2.shape[-1]:
        raise RuntimeError(f"bilinear(): input and weight sizes do not match: weight "
                           f"{list(weight.shape)}, inputs {list(input1.shape)} and "
                           f"{list(input2.shape)}")
    from ... import einsum
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out
