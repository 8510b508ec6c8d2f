"""``autograd.Function``: user-defined ops with a hand-written backward (torch's API).

``forward(ctx, *args)`` runs under no-grad; when an input requires grad, the outputs get one
``FunctionNode`` whose backward calls ``cls.backward(ctx, *grad_outputs)``. Supported: both
styles (``forward(ctx, ...)`` or ``forward(...)`` + ``setup_context``), ``save_for_backward`` /
``saved_tensors`` (with the in-place version check), ``needs_input_grad``,
``mark_non_differentiable``, ``mark_dirty``, ``set_materialize_grads``, non-tensor arguments,
``once_differentiable``.
"""
from __future__ import annotations

import functools

from .._backend import np
from .._tensor import Tensor, _make
from . import grad_mode
from ._node import FREED_MSG, Node

__all__ = ["Function", "FunctionCtx", "once_differentiable", "InplaceFunction",
           "NestedIOFunction"]


class FunctionCtx:
    """The ``ctx`` object: a place for saved tensors, flags and arbitrary attributes."""

    def __init__(self) -> None:
        self.to_save = ()
        self._saved_versions = ()
        self._freed = False
        self.non_differentiable = set()
        self.dirty_tensors = set()
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self.to_save = tensors
        self._saved_versions = tuple(t._version_box[0] if t is not None else None
                                     for t in tensors)

    save_for_forward = save_for_backward

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MSG)
        for t, v in zip(self.to_save, self._saved_versions):
            if t is not None and t._version_box[0] != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{t.type()} {list(t.shape)}], is at version "
                    f"{t._version_box[0]}; expected version {v} instead. Hint: enable anomaly "
                    f"detection to find the operation that failed to compute its gradient, with "
                    f"torch.autograd.set_detect_anomaly(True).")
        return self.to_save

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *args) -> None:
        self.non_differentiable = {id(t) for t in args}

    def mark_dirty(self, *args) -> None:
        self.dirty_tensors = {id(t) for t in args}

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class _FunctionOp:
    """What the engine reads from ``node.op`` for a Function node."""

    __slots__ = ("node_name", "diff_outputs")
    saves = False
    save_out = False
    kind = "other"

    def __init__(self, name: str, nout: int) -> None:
        self.node_name = name
        self.diff_outputs = (True,) * nout  # the engine zero-fills every missing output grad


class FunctionNode(Node):
    """The graph node of one ``Function.apply``: backward calls the user's ``backward``."""

    __slots__ = ("fn_cls", "ctx", "arg_slots", "n_args")

    def run(self, grads, retain_graph: bool):
        ctx = self.ctx
        if ctx._freed:
            raise RuntimeError(FREED_MSG)
        if not ctx.materialize_grads:
            grads = tuple(grads)
        result = self.fn_cls.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) < self.n_args:
            result = result + (None,) * (self.n_args - len(result))
        if len(result) > self.n_args:
            extra = result[self.n_args:]
            if any(r is not None for r in extra):
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {self.n_args}, got {len(result)})")
        out = []
        for slot, inp in zip(self.arg_slots, self.inputs):
            g = result[slot]
            if g is not None:
                if not isinstance(g, Tensor):
                    raise TypeError(f"function {self.name()} returned a gradient that is not a "
                                    f"Tensor: {type(g).__name__}")
                if g._data.shape != inp._data.shape:
                    try:
                        g = g.expand(inp._data.shape) if g._data.size == 1 else g
                    except RuntimeError:
                        pass
                    if g._data.shape != inp._data.shape:
                        raise RuntimeError(
                            f"Function {self.name()} returned an invalid gradient at index "
                            f"{slot} - got {list(g.shape)} but expected shape compatible with "
                            f"{list(inp.shape)}")
            out.append(g)
        if not retain_graph:
            ctx._freed = True
        return tuple(out)


class Function:
    """Base class for custom autograd ops.

    Example::

        >>> class Square(ember.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = ember.tensor(3.0, requires_grad=True)
        >>> Square.apply(x).backward(); x.grad
        tensor(6.)
    """

    generate_vmap_rule = False
    _backward_name = "FunctionBackward"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._backward_name = cls.__name__ + "Backward"

    def __init__(self, *args, **kwargs) -> None:
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("forward-mode AD is not supported by ember")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        separate = cls.setup_context is not Function.setup_context
        with grad_mode.no_grad():
            if separate:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        record = grad_mode.STATE.enabled and any(ctx.needs_input_grad)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not record:
            return outputs
        slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensor_inputs = tuple(args[i] for i in slots)
        out_arrays = tuple(o._data if isinstance(o, Tensor) else np.zeros(())
                           for o in outs)
        node = FunctionNode.__new__(FunctionNode)
        Node.__init__(node, _FunctionOp(cls._backward_name, len(out_arrays)), tensor_inputs, {},
                      out_arrays)
        node.fn_cls, node.ctx, node.arg_slots, node.n_args = cls, ctx, slots, len(args)
        input_ids = {id(t) for t in tensor_inputs}
        wrapped = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            if id(o) in ctx.non_differentiable or o._data.dtype.kind not in "fcV":
                if id(o) in input_ids and id(o) not in ctx.dirty_tensors:
                    o = _make(o._data)
                wrapped.append(o)
                continue
            if id(o) in ctx.dirty_tensors:
                o._node, o._out_idx, o._requires_grad = node, i, True
            elif id(o) in input_ids or o._node is not None or o._requires_grad:
                o = _make(o._data, True, node, i)
            else:
                o._node, o._out_idx, o._requires_grad = node, i, True
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)


class InplaceFunction(Function):
    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class NestedIOFunction(Function):
    """Accepted for API compatibility (legacy torch class)."""


def once_differentiable(fn):
    """Run a ``backward`` under no-grad: its result is not differentiable again."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper
