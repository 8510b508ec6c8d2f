"""The op registry: every differentiable primitive, and the public names built from them.

A primitive is an ``OpDef``: a forward kernel on backend arrays plus a vjp rule written in ember
ops (so ``create_graph=True`` works for every op). ``apply`` runs the kernel and records a graph
node when autograd needs one. Public functions (``ember.add``), ``Tensor`` methods and in-place
variants (``Tensor.add_``) are registered with ``export``; the conformance sweep reads both
tables.

Unbroadcasting lives here, once: the vjp of an ``ELEMENTWISE`` primitive is wrapped so that a
gradient computed at the broadcast output shape is summed back to each input's shape, and every
input gradient is given its input's dtype. (NumPy broadcasts inside the kernels, so no explicit
``expand`` node is recorded on the forward path — cheaper than torch's arrangement, same math.)
"""
from __future__ import annotations

from types import FunctionType as _FunctionType

from .._backend import CPU
from .._dtype import can_cast
from .._tensor import Tensor, _make
from ..autograd._node import Node
from ..autograd.grad_mode import STATE

__all__ = ["OpDef", "primitive", "apply", "export", "PRIMITIVES", "FUNCTIONS", "METHODS",
           "ELEMENTWISE", "REDUCE", "MOVEMENT", "VIEW", "OTHER"]

ELEMENTWISE, REDUCE, MOVEMENT, VIEW, OTHER = "elementwise", "reduce", "movement", "view", "other"

PRIMITIVES: dict[str, "OpDef"] = {}
FUNCTIONS: dict[str, object] = {}   # public ember.<name>
METHODS: dict[str, object] = {}     # Tensor.<name>

_ndarray = CPU.xp.ndarray
_asarray = CPU.xp.asarray
_array = CPU.xp.array
_generic = CPU.xp.generic
_XP = CPU.xp


class OpDef:
    """One primitive: ``fwd(xp, *arrays, **attrs)`` and ``vjp(g, out, *inputs, **attrs)``."""

    __slots__ = ("name", "fwd", "vjp", "_rule", "kind", "node_name", "nout", "saves",
                 "save_out", "impls", "diff_outputs")

    def __init__(self, name, fwd, kind, node_name, nout, saves, save_out, diff_outputs):
        self.name = name
        self.fwd = fwd
        self.kind = kind
        self.node_name = node_name
        self.nout = nout
        self.saves = saves
        self.save_out = save_out
        self.impls = {}
        self.diff_outputs = diff_outputs
        self._rule = None
        self.vjp = _no_vjp(name)

    def defvjp(self, rule):
        """Register the backward rule: ``rule(g, out, *inputs, **attrs) -> grads``."""
        self._rule = rule
        self.vjp = _elementwise_vjp(rule) if self.kind == ELEMENTWISE else _typed_vjp(rule)
        return rule

    def impl(self, backend: str):
        """Register a backend-specific forward kernel (e.g. ``@op.impl("cuda")``)."""
        def deco(fn):
            self.impls[backend] = fn
            return fn
        return deco

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def primitive(name: str, kind: str = OTHER, *, node_name: str | None = None, nout: int = 1,
              saves: bool = True, save_out: bool = False, diff_outputs=None):
    """Decorator turning a forward kernel into a registered ``OpDef``."""
    def deco(fwd):
        nn = node_name or "".join(p.capitalize() for p in name.split("_")) + "Backward0"
        op = OpDef(name, fwd, kind, nn, nout, saves, save_out,
                   diff_outputs or (True,) * nout)
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} registered twice")
        PRIMITIVES[name] = op
        return op
    return deco


def _no_vjp(name):
    def vjp(*args, **kwargs):
        raise RuntimeError(f"the derivative for '{name}' is not implemented.")
    return vjp


def _fix(g, x):
    """Give a gradient its input's shape (sum out broadcast dims) and dtype."""
    if g is None or not x._requires_grad:  # no edge takes it: skip the un-broadcast
        return None
    gd, xd = g._data, x._data
    if gd.shape != xd.shape:
        g = sum_to(g, xd.shape)
    if gd.dtype != xd.dtype:
        g = g.to(x.dtype)
    return g


def _positional_arity(rule):
    """``n`` if ``rule`` is a plain function of ``(g, out, p1, ..., pn)``, else None."""
    if type(rule) is not _FunctionType:
        return None
    code = rule.__code__
    if code.co_flags & 0x0C or code.co_kwonlyargcount or code.co_posonlyargcount \
            or rule.__defaults__:
        return None  # *args / **kwargs / keyword-only / defaults: use the general wrapper
    return code.co_argcount - 2


def _elementwise_vjp(rule):
    # Fast wrappers for rules of one or two parameters after (g, out): they take the inputs as
    # plain parameters (no */** repacking) and skip ``_fix`` for a gradient that already has
    # its input's shape and dtype (``_fix`` would return it unchanged). The node passes inputs
    # positionally and attributes by keyword, so a two-parameter rule may belong to a one-input
    # op with one attribute (``pow_scalar(a, exponent=...)``): that takes the general path.
    n = _positional_arity(rule)
    if n == 1:
        def vjp1(g, out, x, /, **attrs):
            gx = rule(g, out, x, **attrs)
            if type(gx) is tuple:
                return _fix_all(gx, (x,))
            if gx is not None and (gx._data.shape != x._data.shape
                                   or gx._data.dtype != x._data.dtype or not x._requires_grad):
                gx = _fix(gx, x)
            return (gx,)
        return vjp1
    if n == 2:
        def vjp2(g, out, a, b=None, /, **attrs):
            if attrs:
                return _fix_all(rule(g, out, a, **attrs), (a,))
            grads = rule(g, out, a, b)
            if type(grads) is not tuple or len(grads) != 2:
                return _fix_all(grads, (a, b))
            ga, gb = grads
            if ga is not None and (ga._data.shape != a._data.shape
                                   or ga._data.dtype != a._data.dtype or not a._requires_grad):
                ga = _fix(ga, a)
            if gb is not None:
                if not b._requires_grad:  # e.g. a wrapped Python number
                    gb = None
                elif gb._data.shape != b._data.shape or gb._data.dtype != b._data.dtype:
                    gb = _fix(gb, b)
            return ga, gb
        return vjp2

    def vjp(g, out, *inputs, **attrs):
        return _fix_all(rule(g, out, *inputs, **attrs), inputs)
    return vjp


def _fix_all(grads, inputs):
    if type(grads) is not tuple:
        return (_fix(grads, inputs[0]),)
    return tuple([_fix(gi, x) for gi, x in zip(grads, inputs)])


def _typed_vjp(rule):
    def vjp(g, out, *inputs, **attrs):
        grads = rule(g, out, *inputs, **attrs)
        if type(grads) is not tuple:
            if len(inputs) == 1:  # the common case: one input
                if grads is not None and grads._data.dtype != inputs[0]._data.dtype:
                    grads = grads.to(inputs[0].dtype)
                return (grads,)
            grads = (grads,)
        fixed = []
        for gi, x in zip(grads, inputs):
            if gi is not None and gi._data.dtype != x._data.dtype:
                gi = gi.to(x.dtype)
            fixed.append(gi)
        return tuple(fixed)
    return vjp


def apply(op: OpDef, *inputs: Tensor, **attrs):
    """Run ``op`` on tensors; record a node when grad mode is on and an input requires grad."""
    n = len(inputs)
    if n == 2:  # the common arities first, without building argument lists
        x, y = inputs
        out = op.fwd(_XP, x._data, y._data, **attrs) if attrs else op.fwd(_XP, x._data, y._data)
        record = (x._requires_grad or y._requires_grad) and STATE.enabled
    elif n == 1:
        x = inputs[0]
        out = op.fwd(_XP, x._data, **attrs) if attrs else op.fwd(_XP, x._data)
        record = x._requires_grad and STATE.enabled
    else:
        out = op.fwd(_XP, *[t._data for t in inputs], **attrs)
        record = False
        for t in inputs:
            if t._requires_grad:
                record = STATE.enabled
                break
    if op.nout == 1:
        if type(out) is not _ndarray:  # a NumPy scalar (0-d result) or a Python number
            out = _array(out) if isinstance(out, _generic) else _asarray(out)
        if record and out.dtype.kind in "fcV":
            t = _make(out, True, Node(op, inputs, attrs, (out,)), 0)
        else:
            t = _make(out)
        if op.kind == VIEW and out.base is not None:
            src = inputs[0]
            t._version_box = src._version_box
            if src._base is not None:
                t._base = src._base
                t._view_chain = src._view_chain + ((op, attrs),)
            else:
                t._base = src
                t._view_chain = ((op, attrs),)
        return t
    outs = [o if type(o) is _ndarray else _asarray(o) for o in out]
    node = Node(op, inputs, attrs, outs) if record else None
    result = []
    for i, o in enumerate(outs):
        if node is not None and op.diff_outputs[i] and o.dtype.kind in "fcV":
            result.append(_make(o, True, node, i))
        else:
            result.append(_make(o))
    return tuple(result)


OpDef.__call__ = apply  # ``op(*tensors, **attrs)`` runs it (no extra Python frame)


# -- public names ----------------------------------------------------------------------------
def export(*names: str, method: bool = True, function: bool = True, inplace: str | None = None,
           inplace_copies: bool = True):
    """Publish ``fn`` as ``ember.<name>`` and/or ``Tensor.<name>``; optionally an in-place twin.

    ``inplace`` names the in-place method (``"add_"``); ``inplace_copies`` says whether the op's
    rule reads ``self`` (then the old value is kept aside when the update is recorded).
    """
    def deco(fn):
        for name in names:
            if function:
                FUNCTIONS[name] = fn
            if method:
                METHODS[name] = fn
                setattr(Tensor, name, fn)
        if inplace:
            ip = make_inplace(fn, inplace, copies=inplace_copies)
            METHODS[inplace] = ip
            setattr(Tensor, inplace, ip)
        return fn
    return deco


def method(name: str):
    """Publish ``fn`` as ``Tensor.<name>`` only."""
    def deco(fn):
        METHODS[name] = fn
        setattr(Tensor, name, fn)
        return fn
    return deco


_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def check_inplace_leaf(self: Tensor) -> None:
    """torch's errors for writing into a leaf (or a view of one) that requires grad."""
    if not STATE.enabled:
        return
    if self._node is None and self._requires_grad:
        if self._base is not None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = self._base
    if base is not None and base._node is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def commit_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Write ``result`` into ``self``'s memory, bump its version, rebase its graph node."""
    rd, sd = result._data, self._data
    if rd.dtype != sd.dtype:
        rdt, sdt = result.dtype, self.dtype
        if not can_cast(rdt, sdt):
            raise RuntimeError(f"result type {_NAMES[rdt.name]} can't be cast to the desired "
                               f"output type {_NAMES[sdt.name]}")
    if rd.shape != sd.shape:
        raise RuntimeError(f"output with shape {list(sd.shape)} doesn't match the broadcast "
                           f"shape {list(_XP.broadcast_shapes(rd.shape, sd.shape))}")
    if not sd.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    _XP.copyto(sd, rd, casting="unsafe")
    self._version_box[0] += 1
    if result._node is not None:
        if rd.dtype != sd.dtype:
            result = result.to(self.dtype)
        self._node = result._node
        self._out_idx = result._out_idx
        self._requires_grad = True
        if self._base is not None:
            _rebase_view(self, result)
    return self


def _rebase_view(view: Tensor, result: Tensor) -> None:
    """Hook for in-place writes through views (installed by the indexing module)."""
    hook = VIEW_REBASE[0]
    if hook is not None:
        hook(view, result)


VIEW_REBASE = [None]


def make_inplace(fn, name: str, copies: bool = True):
    """``self.<name>(...)``: compute ``fn(self, ...)`` and write it into ``self``."""
    def inplace(self, *args, **kwargs):
        check_inplace_leaf(self)
        src = self
        if STATE.enabled and (self._requires_grad or _any_requires_grad(args)):
            # the node must see self's value before the write; keep it aside
            data = self._data.copy() if copies else self._data
            src = _make(data, self._requires_grad, self._node, self._out_idx)
        return commit_inplace(self, fn(src, *args, **kwargs))
    inplace.__name__ = name
    inplace.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return inplace


def _any_requires_grad(args) -> bool:
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            return True
    return False


# -- the broadcasting pair: every un-broadcast in the library is `sum_to_size` -------------------
@primitive("expand", VIEW, saves=False)
def _expand(xp, x, shape):
    return xp.broadcast_to(x, shape)


@_expand.defvjp
def _(g, out, x, shape):
    return sum_to(g, x._data.shape)


@primitive("sum_to_size", REDUCE, node_name="SumBackward1", saves=False)
def _sum_to_size(xp, x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and x.shape[i + lead] != 1)
    if not axes:
        return x
    out = x.sum(axis=axes, keepdims=True)
    return out.reshape(shape) if lead else out


@_sum_to_size.defvjp
def _(g, out, x, shape):
    return _expand(g, shape=x._data.shape)


def sum_to(g: Tensor, shape) -> Tensor:
    """Sum ``g`` down to ``shape`` (the un-broadcast of a gradient)."""
    shape = tuple(shape)
    if g._data.shape == shape:
        return g
    return _sum_to_size(g, shape=shape)


def expand_to(x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    return _expand(x, shape=shape)
