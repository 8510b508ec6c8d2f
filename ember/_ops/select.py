"""Selection by index: gather/scatter/scatter_reduce, take_along_dim, nonzero (the index_*,
masked_* and take half lives in ``select_index.py``, imported at the end of this file).

Every scatter accumulates without ``np.add.at``: target positions become linear indices into the
flattened output, then floats are summed with ``bincount`` and everything else with a stable
sort plus ``ufunc.reduceat`` (which also gives prod/amax/amin/mean per target). ``gather`` and
``scatter_acc`` (gather's backward) are each other's vjp, as are ``index_select`` and
``index_acc``, so higher-order gradients work. Torch's shape rules are mirrored: a gather/scatter
index may be smaller than ``input`` in the non-``dim`` dims (and than ``src`` in every dim).
Duplicate indices in a replacing scatter / ``index_copy`` / ``index_put``: the last write wins
(torch leaves this unspecified; its CPU kernels do the same).
"""
from __future__ import annotations

import numbers

from .._backend import CPU
from .._tensor import Tensor, _make
from ._common import broadcast_shape, wrap_dim
from .elementwise import where
from .registry import OTHER, expand_to, export, primitive

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take_along_dim", "nonzero",
           "argwhere"]

xp = CPU.xp
_I64 = xp.dtype("int64")
_INDEX_DTYPES = (xp.dtype("int64"), xp.dtype("int32"))
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


# -- array helpers -------------------------------------------------------------------------------
def _lin(xp, idx, dim, shape):
    """Linear positions in a C-ordered array of ``shape`` written by a gather-style ``idx``."""
    strides, st = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d], st = st, st * shape[d]
    lin = idx.astype(_I64) * strides[dim]
    for d, s in enumerate(idx.shape):
        if d != dim and s > 1:
            view = [1] * idx.ndim
            view[d] = s
            lin = lin + (xp.arange(s, dtype=_I64) * strides[d]).reshape(view)
    return xp.broadcast_to(lin, idx.shape)


def _groups(xp, lin, vals):
    """Sort ``vals`` by target; return (targets, group starts, sorted values, counts)."""
    order = xp.argsort(lin, kind="stable")
    sl, sv = lin[order], vals[order]
    first = xp.ones(sl.size, bool)
    first[1:] = sl[1:] != sl[:-1]
    starts = xp.flatnonzero(first)
    counts = xp.diff(xp.append(starts, sl.size))
    return sl[starts], starts, sv, counts


def _segsum(xp, lin, vals, n):
    """``out[lin[i]] += vals[i]`` into ``zeros(n)``: bincount for floats, reduceat otherwise."""
    dt = vals.dtype
    if dt.kind in "fV":
        return xp.bincount(lin, weights=vals.astype(xp.float64), minlength=n).astype(dt)
    if dt.kind == "c":
        re = xp.bincount(lin, weights=vals.real.astype(xp.float64), minlength=n)
        im = xp.bincount(lin, weights=vals.imag.astype(xp.float64), minlength=n)
        return (re + 1j * im).astype(dt)
    out = xp.zeros(n, dt)
    if lin.size:
        tgt, starts, sv, _ = _groups(xp, lin, vals)
        out[tgt] = xp.add.reduceat(sv, starts)
    return out


# -- gather / scatter primitives -----------------------------------------------------------------
@primitive("gather", OTHER, node_name="GatherBackward0", saves=False)
def _gather(xp, x, idx, dim):
    return xp.take_along_axis(x, idx, dim)


def _gather_any(t, idx, dim):
    """``gather`` from a tensor that may be larger than ``idx`` in the non-``dim`` dims."""
    ishape, tshape = idx._data.shape, t._data.shape
    if any(s != tshape[a] for a, s in enumerate(ishape) if a != dim):
        t = t[tuple(slice(None) if a == dim else slice(0, s) for a, s in enumerate(ishape))]
    return _gather(t, idx, dim=dim)


@_gather.defvjp
def _(g, out, x, idx, dim):
    return _scatter_acc(g, idx, dim=dim, shape=x._data.shape), None


@primitive("scatter_acc", OTHER, node_name="ScatterAddBackward0", saves=False)
def _scatter_acc(xp, g, idx, dim, shape):
    n = 1
    for s in shape:
        n *= s
    lin = _lin(xp, idx, dim, shape).reshape(-1)
    return _segsum(xp, lin, xp.ascontiguousarray(g).reshape(-1), n).reshape(shape)


@_scatter_acc.defvjp
def _(gg, out, g, idx, dim, shape):
    return _gather_any(gg, idx, dim), None


@primitive("scatter", OTHER, node_name="ScatterBackward0", saves=False)
def _scatter(xp, x, idx, src, dim):
    out = x.copy()
    out.reshape(-1)[_lin(xp, idx, dim, x.shape)] = src
    return out


@_scatter.defvjp
def _(g, out, x, idx, src, dim):
    gx = _scatter(g, idx, _make(xp.zeros((), g._data.dtype)), dim=dim) \
        if x._requires_grad else None
    gs = _gather_any(g, idx, dim) if src._requires_grad else None
    return gx, None, gs


@primitive("scatter_reduce", OTHER, node_name="ScatterReduceBackward0", save_out=True)
def _scatter_reduce(xp, x, idx, src, dim, reduce, include_self):
    out = x.copy()
    flat = out.reshape(-1)
    lin = xp.ascontiguousarray(_lin(xp, idx, dim, x.shape)).reshape(-1)
    if not lin.size:
        return out
    vals = xp.ascontiguousarray(src).reshape(-1)
    if reduce == "sum" and include_self and x.dtype.kind in "fVc":
        flat += _segsum(xp, lin, vals, flat.size)
        return out
    tgt, starts, sv, counts = _groups(xp, lin, vals)
    uf = {"sum": xp.add, "mean": xp.add, "prod": xp.multiply, "amax": xp.maximum,
          "amin": xp.minimum}[reduce]
    red = uf.reduceat(sv, starts)
    if include_self:
        red = uf(flat[tgt], red)
        counts = counts + 1
    if reduce == "mean":
        red = red / counts if x.dtype.kind in "fVc" else xp.floor_divide(red, counts)
    flat[tgt] = red
    return out


@_scatter_reduce.defvjp
def _(g, out, x, idx, src, dim, reduce, include_self):
    # torch's scatter_reduce_backward, written in ember ops
    if reduce == "sum":
        gx, gs = g, _gather_any(g, idx, dim)
    elif reduce == "mean":
        ones = _make(xp.ones(src._data.shape, g._data.dtype))
        base = _make((xp.ones if include_self else xp.zeros)(x._data.shape, g._data.dtype))
        n = _scatter_reduce(base, idx, ones, dim=dim, reduce="sum", include_self=True)
        gx = g / n.masked_fill(n.eq(0), 1)
        gs = _gather_any(gx, idx, dim)
    elif reduce in ("amax", "amin"):
        value = _gather_any(out, idx, dim)
        self_hit = x.eq(out).to(g.dtype)
        src_hit = src.eq(value).to(g.dtype)
        n = _scatter_reduce(self_hit, idx, src_hit, dim=dim, reduce="sum", include_self=True)
        share = g / n
        gx = self_hit * share
        gs = src_hit * _gather_any(share, idx, dim)
    else:
        gx, gs = _prod_vjp(g, out, x, idx, src, dim, include_self)
    if not include_self:
        gx = _scatter(gx, idx, _make(xp.zeros((), g._data.dtype)), dim=dim)
    return gx, None, gs


def _prod_vjp(g, out, x, idx, src, dim, include_self):
    """Exclusive products that stay right when ``self`` or one ``src`` element is zero."""
    masked_self = x.masked_fill(x.eq(0), 1)
    prod_self = _scatter_reduce(masked_self, idx, src, dim=dim, reduce="prod",
                                include_self=include_self)
    gx = g * prod_self / masked_self
    src_zero = src.eq(0)
    zeros = _make(xp.zeros(x._data.shape, g._data.dtype))
    nzero = _scatter_reduce(zeros, idx, src_zero.to(g.dtype), dim=dim, reduce="sum",
                            include_self=True)
    single = src_zero & _gather_any(nzero, idx, dim).eq(1)
    masked_src = src.masked_fill(single, 1)
    prod_src = _scatter_reduce(x, idx, masked_src, dim=dim, reduce="prod",
                               include_self=include_self)
    gs = where(single, _gather_any(g * prod_src, idx, dim),
               _gather_any(g * out, idx, dim) / src.masked_fill(src_zero, 1))
    return gx, gs


# -- gather / scatter front ends -----------------------------------------------------------------
def _check_index_dtype(name, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def _check_bounds(idx, n, dim, prefix="", exc=RuntimeError):
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].reshape(-1)[0]
        raise exc(f"{prefix}index {int(bad)} is out of bounds for dimension {dim} with size {n}")


def _as_1d(t):
    return t.reshape(1) if t._data.ndim == 0 else t


def _prepare(name, input, dim, index, src=None):
    """torch's gather/scatter checks; returns (x, idx, src, dim) with 0-d made 1-d and ``src``
    sliced to the index's shape (so the primitives see matching shapes)."""
    _check_index_dtype(name, index)
    nd = input._data.ndim
    dim = wrap_dim(dim, nd)
    if max(index._data.ndim, 1) != max(nd, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    x, idx = _as_1d(input), _as_1d(index)
    ishape, xshape = idx._data.shape, x._data.shape
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        if max(src._data.ndim, 1) != max(nd, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src "
                               "tensor")
        src = _as_1d(src)
    if idx._data.size:
        sshape = src._data.shape if isinstance(src, Tensor) else None
        for d, s in enumerate(ishape):
            if (d != dim and s > xshape[d]) or (sshape is not None and s > sshape[d]):
                if sshape is None:
                    raise RuntimeError(f"Size does not match at dimension {d} expected index "
                                       f"{list(ishape)} to be no larger than self {list(xshape)} "
                                       f"apart from dimension {dim}")
                raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self "
                                   f"{list(xshape)} apart from dimension {dim} and to be no "
                                   f"larger size than src {list(sshape)}")
        _check_bounds(idx._data, xshape[dim], dim)
    if isinstance(src, Tensor) and src._data.shape != ishape:
        src = src[tuple(slice(0, s) for s in ishape)]
    return x, idx, src, dim


@export("gather")
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (index may be smaller than input).

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).gather(1, ember.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    x, idx, _, d = _prepare("gather", input, dim, index)
    ishape = idx._data.shape
    if any(s != x._data.shape[a] for a, s in enumerate(ishape) if a != d):
        x = x[tuple(slice(None) if a == d else slice(0, s) for a, s in enumerate(ishape))]
    res = _gather(x, idx, dim=d)
    if index._data.ndim == 0:
        res = res.reshape(())
    return _out(res, out)


def _out(res, out):
    if out is None:
        return res
    out.copy_(res)
    return out


def _value_src(input, value):
    if isinstance(value, Tensor):
        return value
    if not isinstance(value, numbers.Number):
        raise TypeError(f"scatter(): argument 'value' must be Number, not {type(value).__name__}")
    return _make(xp.asarray(value).astype(input._data.dtype))


@export("scatter", inplace="scatter_")
def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """Write ``src`` (a tensor, or a number ``value``) into a copy of ``input`` at ``index``.

    ``reduce='add'|'multiply'`` is torch's legacy form of ``scatter_reduce`` (here also
    differentiable). Example::

        >>> ember.zeros(3).scatter(0, ember.tensor([2, 0]), ember.tensor([5., 6.]))
        tensor([6., 0., 5.])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    is_value = not isinstance(src, Tensor)
    x, idx, s, d = _prepare("scatter", input, dim, index, None if is_value else src)
    if is_value:
        s = _value_src(input, src)
    if reduce is None:
        res = _scatter(x, idx, s, dim=d)
    else:
        if is_value:
            s = _make(xp.full(idx._data.shape, s._data, input._data.dtype))
        res = _scatter_reduce(x, idx, s, dim=d, reduce="sum" if reduce == "add" else "prod",
                              include_self=True)
    return _out(res.reshape(input._data.shape) if input._data.ndim == 0 else res, out)


@export("scatter_add", inplace="scatter_add_")
def scatter_add(input, dim, index, src, *, out=None):
    """Add ``src`` into a copy of ``input`` at ``index`` along ``dim`` (repeats accumulate).

    Example::

        >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 0]), ember.tensor([1., 2.]))
        tensor([3., 0., 0.])
    """
    x, idx, s, d = _prepare("scatter", input, dim, index, src)
    res = _scatter_reduce(x, idx, s, dim=d, reduce="sum", include_self=True)
    return _out(res.reshape(input._data.shape) if input._data.ndim == 0 else res, out)


@export("scatter_reduce", inplace="scatter_reduce_")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Reduce ``src`` into ``input`` at ``index`` with sum/prod/mean/amax/amin.

    Gradients follow torch (amax/amin share the gradient evenly between ties; integer mean
    rounds down). Example::

        >>> ember.tensor([1., 2.]).scatter_reduce(0, ember.tensor([0, 0]),
        ...                                        ember.tensor([5., 3.]), "amax")
        tensor([5., 2.])
    """
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch accepts these too
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    x, idx, s, d = _prepare("scatter_reduce", input, dim, index, src)
    res = _scatter_reduce(x, idx, s, dim=d, reduce=reduce, include_self=bool(include_self))
    return _out(res.reshape(input._data.shape) if input._data.ndim == 0 else res, out)


@export("take_along_dim")
def take_along_dim(input, indices, dim=None, *, out=None):
    """``gather`` with ``input`` and ``indices`` broadcast except along ``dim`` (flat if None).

    Example::

        >>> ember.tensor([[10, 30, 20]]).take_along_dim(ember.tensor([[0, 2]]), dim=1)
        tensor([[10, 20]])
    """
    if dim is None:
        return _out(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    _check_index_dtype("torch.take_along_dim", indices)
    nd = input._data.ndim
    if indices._data.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    d = wrap_dim(dim, nd)
    xs, iss = list(input._data.shape), list(indices._data.shape)
    xs[d] = iss[d] = 1
    common = list(broadcast_shape(tuple(xs), tuple(iss)))
    xshape, ishape = list(common), list(common)
    if nd:
        xshape[d], ishape[d] = input._data.shape[d], indices._data.shape[d]
    return _out(gather(expand_to(input, xshape), d, expand_to(indices, ishape)), out)


# -- nonzero / argwhere --------------------------------------------------------------------------
@export("nonzero")
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or one 1-D per dim.

    Example::

        >>> ember.tensor([0, 3, 0, 4]).nonzero()
        tensor([[1],
                [3]])
    """
    d = input._data
    if as_tuple:
        return tuple(_make(a.astype(_I64, copy=False)) for a in xp.nonzero(xp.atleast_1d(d)))
    return _out(_make(xp.argwhere(d).astype(_I64, copy=False)), out)


@export("argwhere")
def argwhere(input):
    """Same as ``nonzero(input)``: an ``(n, ndim)`` tensor of indices of nonzero elements."""
    return nonzero(input)


from . import select_index  # noqa: E402,F401  (index_*, masked_*, take: the family's second half)
