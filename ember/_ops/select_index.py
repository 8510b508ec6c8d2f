"""Selection by index, second half: index_select/add/copy/fill/reduce/put, masked_*, take.

Imported by ``select.py`` (the family's entry point), whose helpers it shares: accumulation is
``bincount``/sort based (never ``np.add.at``); ``index_select`` and ``index_acc`` are each other's
vjp; ``index_put``/``masked_select``/``masked_scatter``/``take`` reuse the advanced-indexing
primitives of ``indexing.py``, so their gradients are the ones ``x[key]`` has.
"""
from __future__ import annotations

import numbers

from .._tensor import Tensor, _make
from ._common import broadcast_shape, wrap_dim
from .elementwise import where
from .indexing import _accumulate_into_zeros, _index, _index_error, _index_put, normalize_key
from .registry import _NAMES, OTHER, expand_to, export, primitive
from .select import (_I64, _INDEX_DTYPES, _as_1d, _check_bounds, _out, _scatter_reduce,
                     _segsum, xp)

__all__ = ["index_select", "index_add", "index_copy", "index_fill", "index_put", "index_reduce",
           "masked_fill", "masked_select", "masked_scatter", "take"]

# -- index_select / index_add / index_copy / index_fill ------------------------------------------
@primitive("index_select", OTHER, node_name="IndexSelectBackward0", saves=False)
def _index_select(xp, x, idx, dim):
    return xp.take(x, idx, axis=dim)


@_index_select.defvjp
def _(g, out, x, idx, dim):
    return _index_acc(g, idx, dim=dim, shape=x._data.shape), None


@primitive("index_acc", OTHER, node_name="IndexAddBackward0", saves=False)
def _index_acc(xp, g, idx, dim, shape):
    gm = xp.ascontiguousarray(xp.moveaxis(g, dim, 0))
    rest = 1
    for s in gm.shape[1:]:
        rest *= s
    lin = (idx.astype(_I64)[:, None] * rest + xp.arange(rest, dtype=_I64)).reshape(-1)
    acc = _segsum(xp, lin, gm.reshape(-1), shape[dim] * rest)
    acc = acc.reshape((shape[dim],) + gm.shape[1:])
    return xp.ascontiguousarray(xp.moveaxis(acc, 0, dim))


@_index_acc.defvjp
def _(gg, out, g, idx, dim, shape):
    return _index_select(gg, idx, dim=dim), None


@primitive("index_copy", OTHER, node_name="IndexCopyBackward0", saves=False)
def _index_copy(xp, x, idx, src, dim):
    out = x.copy()
    out[(slice(None),) * dim + (idx,)] = src
    return out


@_index_copy.defvjp
def _(g, out, x, idx, src, dim):
    gx = _index_copy(g, idx, _make(xp.zeros((), g._data.dtype)), dim=dim) \
        if x._requires_grad else None
    gs = _index_select(g, idx, dim=dim) if src._requires_grad else None
    return gx, None, gs


def _vector_index(name, index, msg="Index has to be a vector/scalar", exc=RuntimeError):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise exc(msg)
    return _as_1d(index)


@export("index_select")
def index_select(input, dim, index, *, out=None):
    """The slices of ``input`` at ``index`` (a 1-D integer tensor) along ``dim``.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).index_select(0, ember.tensor([1, 1]))
        tensor([[3, 4],
                [3, 4]])
    """
    idx = _vector_index("index_select", index, "index_select(): Index is supposed to be a "
                        "vector", IndexError)
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        if idx._data.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{idx._data.size} value(s)")
        _check_bounds(idx._data, 1, 0, exc=IndexError)
        return _out(input.clone(), out)
    n = input._data.shape[d]
    if idx._data.size and (idx._data.min() < 0 or idx._data.max() >= n):
        raise IndexError("index out of range in self")
    return _out(_index_select(input, idx, dim=d), out)


def _index_prep(name, input, dim, index, source):
    idx = _vector_index(name, index)
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): self ({_NAMES[input.dtype.name]}) and source "
                           f"({_NAMES[source.dtype.name]}) must have the same scalar type")
    x, s = _as_1d(input), _as_1d(source)
    if s._data.ndim != x._data.ndim:
        raise IndexError(f"{name}(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality "
                         f"({source._data.ndim}), destination dimensionality ({nd})")
    if idx._data.size != s._data.shape[d]:
        raise RuntimeError(f"{name}(): Number of indices ({idx._data.size}) should be equal to "
                           f"source.size(dim): ({s._data.shape[d]}), for dim: {dim}")
    xs, ss = x._data.shape, s._data.shape
    if any(xs[a] != ss[a] for a in range(len(xs)) if a != d):
        raise RuntimeError(f"{name}(): source {list(ss)} and self {list(xs)} must have the same "
                           f"size apart from dimension {d}")
    return x, idx, s, d


@export("index_add", inplace="index_add_", inplace_copies=False)
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """``input`` with ``alpha * source`` slices added at ``index`` along ``dim`` (accumulating).

    Example::

        >>> ember.zeros(3).index_add(0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
        tensor([3., 0., 3.])
    """
    x, idx, s, d = _index_prep("index_add_", input, dim, index, source)
    if input._data.ndim <= 1:
        if idx._data.size and (idx._data.min() < 0 or idx._data.max() >= x._data.shape[d]):
            raise IndexError("index out of range in self")
    else:
        _check_bounds(idx._data, x._data.shape[d], d)
    acc = _index_acc(s, idx, dim=d, shape=x._data.shape)
    res = x + (acc if alpha == 1 else acc * alpha)
    return _out(res.reshape(()) if input._data.ndim == 0 else res, out)


@export("index_copy", inplace="index_copy_", inplace_copies=False)
def index_copy(input, dim, index, source, *, out=None):
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``'s.

    Example::

        >>> ember.zeros(3).index_copy(0, ember.tensor([2]), ember.tensor([7.]))
        tensor([0., 0., 7.])
    """
    x, idx, s, d = _index_prep("index_copy_", input, dim, index, source)
    _check_bounds(idx._data, x._data.shape[d], d, "index_copy_(): ", IndexError)
    res = _index_copy(x, idx, s, dim=d)
    return _out(res.reshape(()) if input._data.ndim == 0 else res, out)


def _fill_value(name, input, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return value.to(input.dtype) if value._data.dtype != input._data.dtype else value
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{name}(): argument 'value' must be Number, not {type(value).__name__}")
    return _make(xp.asarray(value).astype(input._data.dtype))


@export("index_fill", inplace="index_fill_", inplace_copies=False)
def index_fill(input, dim, index, value):
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (number or 0-d).

    Example::

        >>> ember.zeros(2, 2).index_fill(1, ember.tensor([0]), 5.)
        tensor([[5., 0.],
                [5., 0.]])
    """
    idx = _vector_index("index_fill_", index)
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    n = input._data.shape[d] if nd else 1
    _check_bounds(idx._data, n, d, exc=IndexError)
    mask = xp.zeros(n, bool)
    mask[idx._data] = True
    if nd:
        mask = mask.reshape((n,) + (1,) * (nd - d - 1))
    else:
        mask = mask.reshape(())
    return where(_make(mask), _fill_value("index_fill_", input, value), input)


def _mask_name(dt):
    return {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char"}.get(dt.name, dt.name)


@export("masked_fill", inplace="masked_fill_", inplace_copies=False)
def masked_fill(input, mask, value):
    """``input`` with ``value`` where the boolean ``mask`` (broadcast) is True.

    Example::

        >>> ember.tensor([1., 2.]).masked_fill(ember.tensor([True, False]), 0.)
        tensor([0., 2.])
    """
    if mask._data.dtype != bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_mask_name(mask._data.dtype)}")
    return where(mask, _fill_value("masked_fill_", input, value), input)


@export("masked_select")
def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (both broadcast).

    Example::

        >>> ember.tensor([1, 2, 3]).masked_select(ember.tensor([True, False, True]))
        tensor([1, 3])
    """
    if mask._data.dtype != bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shape(input._data.shape, mask._data.shape)
    m = xp.broadcast_to(mask._data, shape)
    return _out(_index(expand_to(input, shape), key=(m,)), out)


@export("masked_scatter", inplace="masked_scatter_", inplace_copies=False)
def masked_scatter(input, mask, source):
    """Copy ``source``'s leading elements, in order, into ``input`` where ``mask`` is True.

    Example::

        >>> ember.zeros(3).masked_scatter(ember.tensor([True, False, True]),
        ...                               ember.tensor([1., 2., 3.]))
        tensor([1., 0., 2.])
    """
    if mask._data.dtype != bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_NAMES.get(mask.dtype.name, mask.dtype.name)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_NAMES[input.dtype.name]} and {_NAMES[source.dtype.name]}")
    shape = broadcast_shape(input._data.shape, mask._data.shape)
    m = xp.broadcast_to(mask._data, shape)
    n = int(xp.count_nonzero(m))
    if source._data.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    vals = source.reshape(-1)[:n]
    return _index_put(expand_to(input, shape), vals, key=(m,))


@export("take")
def take(input, index, *, out=None):
    """``input`` treated as 1-D, read at ``index`` (negative indices count from the end).

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).take(ember.tensor([0, -1]))
        tensor([1, 4])
    """
    if index._data.dtype != _I64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_NAMES.get(index.dtype.name, index.dtype.name)}")
    n = input._data.size
    i = index._data
    if i.size and (i.min() < -n or i.max() >= n):
        bad = i[(i < -n) | (i >= n)].reshape(-1)[0]
        raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} "
                         f"elements.")
    return _out(_index(input.reshape(-1), key=(i.astype(xp.intp, copy=False),)), out)


@export("index_put", inplace="index_put_", inplace_copies=False)
def index_put(input, indices, values, accumulate=False):
    """``input`` with ``input[indices] = values`` (or ``+=`` with ``accumulate``, summing repeats).

    Example::

        >>> ember.zeros(3).index_put((ember.tensor([0, 0]),), ember.tensor(1.), accumulate=True)
        tensor([2., 0., 0.])
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_NAMES[input.dtype.name]} for the destination and "
                           f"{_NAMES[values.dtype.name]} for the source.")
    if len(indices) > max(input._data.ndim, 1):
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim} (got "
                         f"{len(indices)})")
    key, _ = normalize_key(tuple(indices))
    try:
        region = xp.broadcast_to(xp.zeros((), xp.int8), input._data.shape)[key].shape
    except IndexError as exc:
        raise _index_error(exc, input._data.shape) from None
    try:
        shape = xp.broadcast_shapes(values._data.shape, region)
    except ValueError:
        shape = None
    if shape != region:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values._data.shape)} "
                           f"cannot be broadcast to indexing result of shape {list(region)}")
    if accumulate:
        return input + _accumulate_into_zeros(expand_to(values, region), key=key,
                                              shape=input._data.shape)
    return _index_put(input, values, key=key)


@export("index_reduce", inplace="index_reduce_")
def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """Reduce ``source``'s slices into ``input`` at ``index`` with prod/mean/amax/amin.

    Example::

        >>> ember.ones(2).index_reduce(0, ember.tensor([0, 0]), ember.tensor([2., 3.]), "prod")
        tensor([6., 1.])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    x, idx, s, d = _index_prep("index_reduce_", input, dim, index, source)
    _check_bounds(idx._data, x._data.shape[d], d, "index_reduce_(): ", IndexError)
    view = [1] * s._data.ndim
    view[d] = idx._data.size
    full = _make(xp.broadcast_to(idx._data.reshape(view), s._data.shape))
    res = _scatter_reduce(x, full, s, dim=d, reduce=reduce, include_self=bool(include_self))
    return _out(res.reshape(()) if input._data.ndim == 0 else res, out)
