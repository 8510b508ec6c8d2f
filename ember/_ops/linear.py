"""The fused linear layer: ``x @ W.T + b`` as one primitive.

Promoted from a composite for speed: one graph node instead of three (transpose, matmul, add),
the bias added in place into the BLAS result, and a backward of two BLAS calls plus one sum.
Inputs of any rank ``(*, in)`` are flattened to 2-D for BLAS.
"""
from __future__ import annotations

from .registry import OTHER, export, primitive

__all__ = ["linear"]


@primitive("linear", OTHER, node_name="AddmmBackward0")
def _linear(xp, x, w, b=None):
    if x.ndim > 2 and w.ndim == 2:
        # one 2-D GEMM: NumPy's batched matmul against a broadcast 2-D operand skips BLAS
        out = xp.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + w.shape[:1])
    else:
        out = xp.matmul(x, w.T)
    if b is not None:
        out += b
    return out


@_linear.defvjp
def _linear_vjp(g, out, x, w, b=None):
    gx = None
    if x._requires_grad:
        gx = g.matmul(w) if g.dim() <= 2 else g.reshape(-1, g.shape[-1]).matmul(w).view(x.shape)
    gw = gb = None
    if w._requires_grad or (b is not None and b._requires_grad):
        g2 = g.reshape(-1, g.shape[-1])
        if w._requires_grad:
            gw = g2.mT.matmul(x.reshape(-1, x.shape[-1]))
        if b is not None and b._requires_grad:
            gb = g2.sum(0)
    return gx, gw, gb


def _check(x, w, b):
    if x.dim() == 0 or w.dim() not in (1, 2):
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.dim()}D and {w.dim()}D")
    in_w = w.shape[-1]
    if x.shape[-1] != in_w:
        rows = x.numel() // max(x.shape[-1], 1) if x.dim() > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({rows}x{x.shape[-1]} and {in_w}x{w.shape[0] if w.dim() == 2 else 1})")
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_name(x)} and {_name(w)}")


def _name(t) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half",
            "bfloat16": "BFloat16"}.get(t.dtype.name, t.dtype.name)


@export("linear", method=False)
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` (``torch.nn.functional.linear``).

    Example::

        >>> ember.nn.functional.linear(ember.ones(2, 3), ember.ones(4, 3)).shape
        torch.Size([2, 4])
    """
    _check(input, weight, bias)
    if weight.dim() == 1:
        out = input.matmul(weight)
        return out + bias if bias is not None else out
    if bias is None:
        return _linear(input, weight)
    return _linear(input, weight, bias)
