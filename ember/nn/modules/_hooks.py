"""Calling a module that has hooks: forward pre/post hooks and full backward (pre-)hooks.

Full backward hooks follow torch's ``BackwardHook``: the tensor inputs pass through one identity
node and the tensor outputs through another. The output node's pre-hook sees ``grad_output``
(and runs the backward pre-hooks); the input node's post-hook sees ``grad_input`` and runs the
full backward hooks, whose return value replaces ``grad_input``.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ..._ops.registry import OpDef, apply
from ...autograd.grad_mode import STATE

_IDENTITY: dict[int, OpDef] = {}


def _identity_op(n: int) -> OpDef:
    op = _IDENTITY.get(n)
    if op is None:
        op = OpDef("backward_hook_identity", lambda xp, *xs: xs if n > 1 else xs[0], "other",
                   "BackwardHookFunctionBackward", n, False, False, (True,) * n)
        op.defvjp(lambda g, out, *xs: g if isinstance(g, tuple) else (g,))
        _IDENTITY[n] = op
    return op


def _through_identity(values):
    """Route the tensors among ``values`` (requiring grad) through one identity node."""
    idx = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not idx or not STATE.enabled:
        return values, None
    outs = apply(_identity_op(len(idx)), *[values[i] for i in idx])
    if len(idx) == 1:
        outs = (outs,)
    new = list(values)
    for i, o in zip(idx, outs):
        new[i] = o
    return type(values)(new) if isinstance(values, tuple) else new, outs[0].grad_fn


def call_with_hooks(module, args, kwargs):
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id in module._forward_pre_hooks_with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)

    full = bool(module._backward_hooks or module._backward_pre_hooks)
    state = {"grad_output": None, "in_node": None, "n_in": 0}
    if full:
        args, in_node = _through_identity(tuple(args))
        state["in_node"] = in_node
        state["n_in"] = sum(isinstance(a, Tensor) for a in args)
        if in_node is not None:
            in_node.register_hook(lambda gi, go: _run_full_hooks(module, gi, state))

    try:
        output = module.forward(*args, **kwargs)
    except Exception:
        for hook_id, hook in list(module._forward_hooks.items()):
            if hook_id in module._forward_hooks_always_called:
                hook(module, args, None)
        raise

    for hook_id, hook in list(module._forward_hooks.items()):
        if hook_id in module._forward_hooks_with_kwargs:
            result = hook(module, args, kwargs, output)
        else:
            result = hook(module, args, output)
        if result is not None:
            output = result

    if full:
        single = isinstance(output, Tensor)
        outs = (output,) if single else output
        if isinstance(outs, (tuple, list)):
            outs, out_node = _through_identity(tuple(outs))
            if out_node is not None:
                out_node.register_prehook(lambda go: _on_grad_output(module, go, state))
            output = outs[0] if single else type(output)(outs)
    return output


def _on_grad_output(module, grad_output, state):
    grad_output = tuple(grad_output)
    for hook in list(module._backward_pre_hooks.values()):
        result = hook(module, grad_output)
        if result is not None:
            grad_output = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    state["grad_output"] = grad_output
    if state["in_node"] is None:  # no input needs grad: torch calls the hook now, with Nones
        _run_full_hooks(module, (None,) * max(state["n_in"], 1), state)
    return grad_output


def _run_full_hooks(module, grad_input, state):
    grad_input = tuple(grad_input)
    for hook in list(module._backward_hooks.values()):
        result = hook(module, grad_input, state["grad_output"])
        if result is not None:
            grad_input = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    return grad_input
