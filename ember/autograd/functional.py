"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp.

Built on reverse mode only: ``jvp`` uses the double-vjp trick (the vjp is linear in its
cotangent, so differentiating it w.r.t. the cotangent gives J·v), like torch's own fallback.
"""
from __future__ import annotations

from .._backend import np
from .._tensor import Tensor, _make
from . import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prep(inputs, create_graph):
    out = []
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"The inputs given to the function must be Tensors, got "
                            f"{type(t).__name__}")
        d = t if create_graph and t.requires_grad else t.detach()
        out.append(d.requires_grad_(True) if d is not t or not d.requires_grad else d)
    return tuple(out)


def _zeros_for(grads, refs):
    return tuple(g if g is not None else _make(np.zeros_like(r._data)) for g, r in zip(grads, refs))


def _detach(ts, create_graph):
    return tuple(t if create_graph else t.detach() for t in ts)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``."""
    inputs, is_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prep(inputs, create_graph)
        outs, out_tuple = _tuple(func(*ins))
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            vs = (None,)
        else:
            vs, _ = _tuple(v)
        grads = _grad(outs, ins, vs, create_graph=create_graph, allow_unused=True)
    grads = _zeros_for(grads, ins)
    res_out = _detach(outs, create_graph)
    res_g = _detach(grads, create_graph)
    return (res_out if out_tuple else res_out[0]), (res_g if is_tuple else res_g[0])


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)`` via the double-vjp trick."""
    inputs, is_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prep(inputs, True)
        outs, out_tuple = _tuple(func(*ins))
        if v is None:
            if len(ins) != 1 or ins[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the user-"
                                   "provided function is a single Tensor with a single element.")
            vs = (_make(np.ones_like(ins[0]._data)),)
        else:
            vs, _ = _tuple(v)
        dummies = tuple(_make(np.zeros_like(o._data), True) for o in outs)
        g = _grad(outs, ins, dummies, create_graph=True, allow_unused=True)
        pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi.requires_grad]
        if pairs:
            jv = _grad([p for p, _ in pairs], dummies, [vi for _, vi in pairs],
                       create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(outs)
    jv = _zeros_for(jv, outs)
    res_out = _detach(outs, create_graph)
    res_jv = _detach(jv, create_graph)
    return (res_out if out_tuple else res_out[0]), (res_jv if out_tuple else res_jv[0])


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs`` (one backward per output element)."""
    inputs, is_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prep(inputs, create_graph)
        outs, out_tuple = _tuple(func(*ins))
        rows = []
        for o in outs:
            per_input = [[] for _ in ins]
            flat_n = o.numel()
            for k in range(flat_n):
                cot = np.zeros(o._data.size, dtype=o._data.dtype)
                cot[k] = 1
                if o.requires_grad:
                    g = _grad([o], ins, [_make(cot.reshape(o._data.shape))],
                              retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    g = (None,) * len(ins)
                for j, (gj, x) in enumerate(zip(g, ins)):
                    per_input[j].append(gj if gj is not None else
                                        _make(np.zeros_like(x._data)))
            blocks = []
            for j, x in enumerate(ins):
                if per_input[j]:
                    from .. import stack
                    blk = stack(per_input[j]).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    blk = _make(np.zeros(tuple(o.shape) + tuple(x.shape), dtype=x._data.dtype))
                blocks.append(blk if create_graph else blk.detach())
            rows.append(tuple(blocks) if is_tuple else blocks[0])
    return tuple(rows) if out_tuple else rows[0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func`` (the Jacobian of its gradient)."""
    inputs_t, is_tuple = _tuple(inputs)

    def grad_fn(*xs):
        with enable_grad():
            out = func(*xs)
            if not isinstance(out, Tensor) or out.numel() != 1:
                raise RuntimeError("The function given to hessian should return a single Tensor "
                                   "containing a single element")
            g = _grad([out], xs, create_graph=True, allow_unused=True)
        g = _zeros_for(g, xs)
        return g if is_tuple else g[0]

    return jacobian(grad_fn, inputs_t if is_tuple else inputs_t[0], create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)``."""
    inputs, is_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prep(inputs, True)
        out = func(*ins)
        (g_first,) = (_grad([out], ins, create_graph=True, allow_unused=True),)
        vs, _ = _tuple(v)
        pairs = [(gi, vi, x) for gi, vi, x in zip(g_first, vs, ins) if gi is not None]
        res = _grad([p for p, _, _ in pairs], ins, [vi for _, vi, _ in pairs],
                    create_graph=create_graph, allow_unused=True)
    res = _detach(_zeros_for(res, ins), create_graph)
    out = out if create_graph else out.detach()
    return out, (res if is_tuple else res[0])


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` (equal to ``vhp`` for the symmetric Hessian of a scalar)."""
    return vhp(func, inputs, v, create_graph, strict)
