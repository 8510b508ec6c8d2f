"""``Tensor.__getitem__`` / ``__setitem__`` with torch's semantics, and writes through views.

Basic indices (ints, slices, ``None``, ``...``) give views; integer/boolean tensors, lists and
arrays give copies (advanced indexing, NumPy's rule for where the advanced dims land — which is
torch's). Backward of an advanced read accumulates repeated indices with ``bincount`` (never
``np.add.at``).

Writing in place into a view while recording (``x[0] = y`` where ``x`` is a slice of a graph
tensor, or ``view.mul_(2)``) rebases the base tensor's graph node, as torch's ``CopySlices``
does: the base's new node routes the gradient of the written region to the new value and the
rest to the base's previous history.
"""
from __future__ import annotations

import numbers

from .._backend import CPU
from .._tensor import Tensor, _make
from ..autograd._node import Node
from ..autograd.grad_mode import STATE
from . import registry
from .registry import OTHER, VIEW, check_inplace_leaf, commit_inplace, method, primitive, sum_to

__all__ = []

xp = CPU.xp


# -- key normalization -------------------------------------------------------------------------
def _convert_index(k):
    if isinstance(k, Tensor):
        arr = k._data
        kind = arr.dtype.kind
        if kind == "b":
            return arr
        if kind in "iu":
            if arr.ndim == 0:
                return int(arr)
            return arr.astype(xp.intp, copy=False)
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if isinstance(k, (list, xp.ndarray)):
        arr = xp.asarray([_convert_index(v) if isinstance(v, Tensor) else v for v in k]
                         if isinstance(k, list) and any(isinstance(v, Tensor) for v in k) else k)
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.dtype.kind == "O":
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             "byte Variables are valid indices")
        return arr
    if isinstance(k, slice):
        return slice(_slice_part(k.start), _slice_part(k.stop), _slice_part(k.step))
    if k is None or k is Ellipsis or isinstance(k, bool):
        return k
    if isinstance(k, numbers.Integral):
        return int(k)
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     "Variables are valid indices (got " + type(k).__name__ + ")")


def _slice_part(v):
    if isinstance(v, Tensor):
        return int(v)
    if v is not None and not isinstance(v, numbers.Integral):
        raise TypeError("slice indices must be integers or None or have an __index__ method")
    return v


def normalize_key(key):
    """A NumPy key and whether it is basic (a view) or advanced (a copy)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = tuple(_convert_index(k) for k in key)
    if sum(k is Ellipsis for k in out) > 1:  # torch: later ellipses expand to no dims
        first = out.index(Ellipsis)
        out = out[:first + 1] + tuple(k for k in out[first + 1:] if k is not Ellipsis)
    for k in out:
        if isinstance(k, slice) and k.step is not None and k.step <= 0:
            raise ValueError("step must be greater than zero")
    basic = all(k is None or k is Ellipsis or isinstance(k, (int, slice)) and
                not isinstance(k, bool) for k in out)
    return out, basic


def split_ints(key):
    """Torch applies integer indices as ``select`` before advanced indexing (NumPy counts them
    as advanced, which moves dims differently): return (basic_key, advanced_key) or None."""
    if not any(type(k) is int for k in key):
        return None
    first, second = [], []
    for k in key:
        if type(k) is int:
            first.append(k)
        elif isinstance(k, xp.ndarray):
            first.extend([slice(None)] * (k.ndim if k.dtype == bool else 1))
            second.append(k)
        elif k is None:
            first.append(None)
            second.append(slice(None))
        else:  # slice or Ellipsis
            first.append(k)
            second.append(slice(None) if isinstance(k, slice) else k)
    return tuple(first), tuple(second)


def _index_error(exc: IndexError, shape) -> IndexError:
    msg = str(exc)
    if "too many indices" in msg:
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    return IndexError(msg.replace("axis", "dimension"))


def _check(x, key):
    try:
        return x[key]
    except IndexError as exc:
        raise _index_error(exc, x.shape) from None


# -- reads -------------------------------------------------------------------------------------
@primitive("getitem", VIEW, node_name="SliceBackward0", saves=False)
def _getitem(xp, x, key):
    return _check(x, key)


@_getitem.defvjp
def _(g, out, x, key):
    return _put_into_zeros(g, key=key, shape=x._data.shape)


@primitive("put_into_zeros", OTHER, node_name="SliceBackwardBackward0", saves=False)
def _put_into_zeros(xp, g, key, shape):
    out = xp.zeros(shape, dtype=g.dtype)
    out[key] = g
    return out


@_put_into_zeros.defvjp
def _(gg, out, g, key, shape):
    return _getitem(gg, key=key)


@primitive("index", OTHER, node_name="IndexBackward0", saves=False)
def _index(xp, x, key):
    return _check(x, key)


@_index.defvjp
def _(g, out, x, key):
    return _accumulate_into_zeros(g, key=key, shape=x._data.shape)


@primitive("index_accumulate", OTHER, node_name="IndexPutBackward0", saves=False)
def _accumulate_into_zeros(xp, g, key, shape):
    n = 1
    for s in shape:
        n *= s
    lin = xp.arange(n).reshape(shape)[key]
    # NOTE: bincount sums repeated indices (in float64, then cast back)
    flat = xp.bincount(lin.reshape(-1), weights=g.reshape(-1).astype(xp.float64), minlength=n)
    return flat.astype(g.dtype).reshape(shape)


@_accumulate_into_zeros.defvjp
def _(gg, out, g, key, shape):
    return _index(gg, key=key)


@method("__getitem__")
def getitem(self, key) -> Tensor:
    """``self[key]``: a view for basic keys, a copy for advanced ones (like torch)."""
    if self._data.ndim == 0 and not isinstance(key, (type(None), type(Ellipsis), tuple, bool)):
        if not (isinstance(key, Tensor) and key._data.dtype == bool):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    npkey, basic = normalize_key(key)
    if basic:
        return _getitem(self, key=npkey)
    parts = split_ints(npkey)
    if parts is not None:
        return _index(_getitem(self, key=parts[0]), key=parts[1])
    return _index(self, key=npkey)


# -- writes ------------------------------------------------------------------------------------
@primitive("index_put", OTHER, node_name="IndexPutBackward0", saves=False)
def _index_put(xp, x, v, key):
    out = x.copy()
    out[key] = v
    return out


@_index_put.defvjp
def _(g, out, x, v, key):
    gx = _zero_at(g, key=key) if x._requires_grad else None
    gv = None
    if v._requires_grad:
        region = _index(g, key=key)
        gv = sum_to(region, v._data.shape)
    return gx, gv


@primitive("zero_at", OTHER, node_name="IndexPutBackward1", saves=False)
def _zero_at(xp, g, key):
    out = g.copy()
    out[key] = 0
    return out


@_zero_at.defvjp
def _(gg, out, g, key):
    return _zero_at(gg, key=key)


@method("__setitem__")
def setitem(self, key, value) -> None:
    """``self[key] = value`` with broadcasting and casting; recorded by autograd like torch."""
    npkey, basic = normalize_key(key)
    if not basic:
        parts = split_ints(npkey)
        if parts is not None:
            setitem(_getitem(self, key=parts[0]), parts[1], value)
            return
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
    else:
        value = _make(xp.asarray(value).astype(self._data.dtype))
    recording = STATE.enabled and (self._requires_grad or value._requires_grad)
    if not recording:
        if not self._data.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
        try:
            self._data[npkey] = value._data
        except IndexError as exc:
            raise _index_error(exc, self._data.shape) from None
        except ValueError as exc:
            raise RuntimeError(str(exc)) from None
        self._version_box[0] += 1
        return
    check_inplace_leaf(self)
    src = _make(self._data, self._requires_grad, self._node, self._out_idx)
    commit_inplace(self, _index_put(src, value, key=npkey))


# -- writes through views: torch's CopySlices --------------------------------------------------
def _view_array(arr, chain):
    for op, attrs in chain:
        arr = op.fwd(xp, arr, **attrs)
    return arr


def _view_tensor(t, chain):
    for op, attrs in chain:
        t = registry.apply(op, t, **attrs)
    return t


@primitive("copy_slices", OTHER, node_name="CopySlices", saves=False)
def _copy_slices(xp, base, value, chain):
    out = base.copy()
    _view_array(out, chain)[...] = value
    return out


@_copy_slices.defvjp
def _(g, out, base, value, chain):
    gb = _zero_view(g, chain=chain) if base._requires_grad else None
    gv = _view_tensor(g, chain) if value._requires_grad else None
    return gb, gv


@primitive("zero_view", OTHER, node_name="CopySlicesBackward", saves=False)
def _zero_view(xp, g, chain):
    out = g.copy()
    _view_array(out, chain)[...] = 0
    return out


@_zero_view.defvjp
def _(gg, out, g, chain):
    return _zero_view(gg, chain=chain)


def rebase_view(view: Tensor, result: Tensor) -> None:
    """After an in-place write into ``view``, give its base (and the view) new graph nodes."""
    base = view._base
    chain = view._view_chain
    if chain is None:
        return
    old = _make(base._data, base._requires_grad, base._node, base._out_idx)
    node = Node(_copy_slices, (old, result), {"chain": chain}, (base._data,))
    base._node, base._out_idx, base._requires_grad = node, 0, True
    fresh = _view_tensor(_make(base._data, True, node, 0), chain)
    view._node, view._out_idx = fresh._node, fresh._out_idx


registry.VIEW_REBASE[0] = rebase_view

