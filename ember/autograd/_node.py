"""Graph nodes: what an op result remembers so that backward can run its vjp rule.

A ``Node`` is torch's ``grad_fn``: ``MulBackward0`` etc. It holds the op, its input tensors
(saved for the rule), a version snapshot of those inputs, and one *edge* per input — the node
(or leaf tensor) the input's gradient flows to next. A saved output is kept as its array only;
unpacking builds a fresh tensor whose ``grad_fn`` is this node (torch's SavedVariable trick),
so nodes never reference their own outputs and no reference cycle is made.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict

from .._backend import np as _np
from .._tensor import Tensor, _make
from .anomaly_mode import ENABLED as ANOMALY, user_frame

__all__ = ["Node", "AccumulateGrad"]

_seq = itertools.count()

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


class Node:
    """One recorded op application (``grad_fn``)."""

    __slots__ = ("op", "inputs", "attrs", "edges", "versions", "out_arrays", "out_boxes",
                 "out_meta", "seq", "special", "pre_hooks", "retained", "hooks", "prehooks_node",
                 "freed", "metadata", "trace", "__weakref__")

    def __init__(self, op, inputs, attrs, outs) -> None:
        self.op = op
        self.attrs = attrs
        edges = []
        saves = op.saves
        keep = [] if saves else None  # versions (saved inputs) or shells (shape-only rules)
        for t in inputs:
            n = t._node
            if n is not None:
                edges.append((n, t._out_idx))
            elif t._requires_grad:
                edges.append((t, -1))  # a leaf: index -1 marks torch's AccumulateGrad
            else:
                edges.append(None)
            if saves:
                keep.append(t._version_box[0])
        self.edges = edges
        if saves:
            self.versions = keep
            self.inputs = inputs
        else:  # the rule reads only shapes/dtypes: don't keep large input arrays alive
            self.versions = None
            self.inputs = tuple([_shell(t) for t in inputs])
        self.out_arrays = tuple(outs) if op.save_out else None
        self.out_boxes = None
        # `special`: the engine must take its general path (missing output gradients to
        # zero-fill, hooks, a retained grad); set for multiple outputs and by every register_*
        if len(outs) == 1:
            o = outs[0]
            self.out_meta = ((o.shape, o.dtype),)
            self.special = False
        else:
            self.out_meta = tuple([(o.shape, o.dtype) for o in outs])
            self.special = True
        self.seq = next(_seq)
        self.pre_hooks = None   # {out_idx: [tensor hooks]} from Tensor.register_hook
        self.retained = None    # {out_idx: weakref(tensor)} from Tensor.retain_grad
        self.hooks = None       # node post hooks: fn(grad_inputs, grad_outputs)
        self.prehooks_node = None
        self.freed = False
        self.metadata = None
        self.trace = user_frame() if ANOMALY[0] else None

    # -- torch's grad_fn surface ------------------------------------------------------------
    def name(self) -> str:
        return self.op.node_name

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        out = []
        for e in self.edges:
            if e is None:
                out.append((None, 0))
            elif e[1] < 0:
                out.append((AccumulateGrad(e[0]), 0))
            else:
                out.append(e)
        return tuple(out)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        from ..utils.hooks import RemovableHandle
        if self.hooks is None:
            self.hooks = OrderedDict()
            self.special = True
        handle = RemovableHandle(self.hooks)
        self.hooks[handle.id] = fn
        return handle

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        from ..utils.hooks import RemovableHandle
        if self.prehooks_node is None:
            self.prehooks_node = OrderedDict()
            self.special = True
        handle = RemovableHandle(self.prehooks_node)
        self.prehooks_node[handle.id] = fn
        return handle

    def __call__(self, *grads):
        return self.run(grads, False)

    # -- running the rule ---------------------------------------------------------------------
    def saved_output(self, i: int = 0) -> Tensor:
        return _make(self.out_arrays[i], True, self, i)

    def check_versions(self) -> None:
        for t, v in zip(self.inputs, self.versions):
            if t._version_box[0] != v:
                shape = list(t._data.shape)
                where = (f"which is output {t._out_idx} of {t._node.name()}"
                         if t._node is not None else "which is a leaf")
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [torch.{_legacy_type(t)} {shape}], {where}, is at "
                    f"version {t._version_box[0]}; expected version {v} instead. Hint: enable "
                    f"anomaly detection to find the operation that failed to compute its "
                    f"gradient, with torch.autograd.set_detect_anomaly(True).")
        if self.out_boxes is not None:
            for box, v in self.out_boxes:
                if box[0] != v:
                    raise RuntimeError(
                        f"one of the variables needed for gradient computation has been modified "
                        f"by an inplace operation: output 0 of {self.name()}, is at version "
                        f"{box[0]}; expected version {v} instead. Hint: enable anomaly detection "
                        f"to find the operation that failed to compute its gradient, with "
                        f"torch.autograd.set_detect_anomaly(True).")

    def run(self, grads, retain_graph: bool):
        """Input gradients for the given output gradients (a tuple, one per output)."""
        op = self.op
        inputs = self.inputs
        if op.saves:
            if self.freed:
                raise RuntimeError(FREED_MSG)
            for t, v in zip(inputs, self.versions):
                if t._version_box[0] != v:
                    self.check_versions()  # raises torch's error
            if self.out_boxes is not None:
                self.check_versions()
        if len(grads) == 1:
            g = grads[0]
            out = _make(self.out_arrays[0], True, self, 0) if op.save_out else None
        else:
            g = grads
            out = tuple(self.saved_output(i) for i in range(len(self.out_arrays))) \
                if op.save_out else None
        attrs = self.attrs
        result = op.vjp(g, out, *inputs, **attrs) if attrs else op.vjp(g, out, *inputs)
        if not retain_graph and op.saves:
            self.freed = True
            self.out_arrays = None
            self.inputs = None  # free saved activations as soon as they have been used
        return result if type(result) is tuple else (result,)


_SHELL_MIN = 4096
_ZEROS = bytes(64)  # room for one element of any dtype


def _shell(t: Tensor) -> Tensor:
    """A stand-in with ``t``'s shape, dtype and flags but no memory (zero strides over zeros)."""
    d = t._data
    if d.size <= _SHELL_MIN:
        return t
    arr = _np.ndarray(d.shape, d.dtype, _ZEROS, 0, (0,) * d.ndim)
    s = _make(arr, t._requires_grad, t._node, t._out_idx)
    s._version_box = t._version_box
    return s


class AccumulateGrad:
    """The sink of a leaf's gradient, as shown in ``next_functions``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return ()

    def __eq__(self, other) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)


_LEGACY = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
           "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
           "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
           "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
           "complex128": "ComplexDoubleTensor"}


def _legacy_type(t: Tensor) -> str:
    return _LEGACY[t.dtype.name]
