"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, unique(_consecutive),
bincount, histc, histogram, searchsorted, bucketize, cummax, cummin, logcumsumexp.

Every sort here is stable (NaN sorts as the largest value, like torch): equal elements keep their
index order, ascending and descending. torch's ``stable=False`` CPU sort, ``topk`` and
``kthvalue`` may order ties differently for long rows — values always agree, the indices of tied
elements may not. ``unique`` always returns sorted values (torch's CPU ``sorted=False`` does too
for the cases we checked) and keeps NaNs distinct. Gradients of sort/topk/kthvalue/cummax/cummin
scatter the output gradient back to the selected indices (``scatter_acc`` from ``select.py``).
"""
from __future__ import annotations

from .._backend import CPU
from .._tensor import Tensor, _make
from ._common import wrap_dim
from .reduction import return_type, select_vjp
from .registry import _NAMES, OTHER, export, primitive
from .select import _scatter_acc

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive",
           "bincount", "histc", "histogram", "searchsorted", "bucketize", "cummax", "cummin",
           "logcumsumexp"]

xp = CPU.xp
_I64 = xp.dtype("int64")
_I32 = xp.dtype("int32")

sort_rt = return_type("sort", ("values", "indices"))
topk_rt = return_type("topk", ("values", "indices"))
kthvalue_rt = return_type("kthvalue", ("values", "indices"))
cummax_rt = return_type("cummax", ("values", "indices"))
cummin_rt = return_type("cummin", ("values", "indices"))
histogram_rt = return_type("histogram", ("hist", "bin_edges"))


def _order(xp, x, axis, descending):
    """Stable argsort along ``axis``; descending keeps equal elements in index order too."""
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    rev = xp.argsort(xp.flip(x, axis), axis=axis, kind="stable")
    return (n - 1) - xp.flip(rev, axis)


def _sort_fwd(xp, x, dim, descending, k):
    if x.ndim == 0:
        return x.copy(), xp.zeros((), _I64)
    n = x.shape[dim]
    if k is not None and 0 < k and k * 8 < n:
        # topk with a small k: partition, then order the k candidates (index order on ties)
        sel = xp.arange(n - k, n) if descending else xp.arange(k)
        part = xp.sort(xp.take(xp.argpartition(x, n - k if descending else k - 1, axis=dim),
                               sel, axis=dim), axis=dim)
        order = _order(xp, xp.take_along_axis(x, part, dim), dim, descending)
        idx = xp.take_along_axis(part, order, dim)
        return xp.take_along_axis(x, idx, dim), idx.astype(_I64, copy=False)
    idx = _order(xp, x, dim, descending)
    if k is not None and k != n:
        idx = xp.take(idx, xp.arange(k), axis=dim)
    return xp.take_along_axis(x, idx, dim), idx.astype(_I64, copy=False)


def _sort_vjp(g, out, x, dim, descending, k):
    if not x._data.ndim:
        return g[0]
    return _scatter_acc(g[0], out[1], dim=dim, shape=x._data.shape)


_sort = primitive("sort", OTHER, node_name="SortBackward0", nout=2, save_out=True, saves=False,
                  diff_outputs=(True, False))(_sort_fwd)
_topk = primitive("topk", OTHER, node_name="TopkBackward0", nout=2, save_out=True, saves=False,
                  diff_outputs=(True, False))(_sort_fwd)
_sort.defvjp(_sort_vjp)
_topk.defvjp(_sort_vjp)


def _check_sortable(name, x):
    if x._data.dtype.kind == "c":
        raise RuntimeError(f"{name}(): input tensor must be of non-complex type")


@export("sort")
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Values sorted along ``dim`` and their indices (stable; NaN sorts largest).

    Example::

        >>> ember.tensor([3., 1., 2.]).sort()
        torch.return_types.sort(
        values=tensor([1., 2., 3.]),
        indices=tensor([1, 2, 0]))
    """
    _check_sortable("sort", input)
    d = wrap_dim(dim, input._data.ndim)
    res = sort_rt(_sort(input, dim=d, descending=bool(descending), k=None))
    if out is not None:
        out[0].copy_(res[0])
        out[1].copy_(res[1])
        return sort_rt(out)
    return res


@export("argsort")
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (stable).

    Example::

        >>> ember.tensor([3., 1., 2.]).argsort()
        tensor([1, 2, 0])
    """
    _check_sortable("argsort", input)
    d = wrap_dim(dim, input._data.ndim)
    x = input._data
    if x.ndim == 0:
        return _make(xp.zeros((), _I64))
    return _make(_order(xp, x, d, bool(descending)).astype(_I64, copy=False))


@export("msort")
def msort(input, *, out=None):
    """``input`` sorted along dim 0 (values only)."""
    res = sort(input, 0).values
    return res if out is None else out.copy_(res)


@export("topk")
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, sorted.

    Ties keep index order (torch's CPU kernel may pick tied indices differently).
    Example::

        >>> ember.tensor([1., 5., 3.]).topk(2)
        torch.return_types.topk(
        values=tensor([5., 3.]),
        indices=tensor([1, 2]))
    """
    _check_sortable("topk", input)
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    res = topk_rt(_topk(input, dim=d, descending=bool(largest), k=k))
    if out is not None:
        out[0].copy_(res[0])
        out[1].copy_(res[1])
        return topk_rt(out)
    return res


@primitive("kthvalue", OTHER, node_name="KthvalueBackward0", nout=2, save_out=True,
           diff_outputs=(True, False))
def _kthvalue(xp, x, k, dim, keepdim):
    if x.ndim == 0:
        return x.copy(), xp.zeros((), _I64)
    idx = xp.take(xp.argsort(x, axis=dim, kind="stable"), [k - 1], axis=dim)
    vals = xp.take_along_axis(x, idx, dim)
    if not keepdim:
        vals, idx = vals.squeeze(dim), idx.squeeze(dim)
    return vals, idx.astype(_I64, copy=False)


@_kthvalue.defvjp
def _(g, out, x, k, dim, keepdim):
    return select_vjp(g[0], x, out[1], dim, keepdim)


@export("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest value along ``dim`` (1-based) and its index.

    Example::

        >>> ember.tensor([3., 1., 2.]).kthvalue(2)
        torch.return_types.kthvalue(
        values=tensor(2.),
        indices=tensor(2))
    """
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return kthvalue_rt(_kthvalue(input, k=int(k), dim=d, keepdim=bool(keepdim)))


# -- unique ------------------------------------------------------------------------------------
def _pack(out, inverse, counts, return_inverse, return_counts):
    res = [_make(out)]
    if return_inverse:
        res.append(_make(inverse.astype(_I64, copy=False)))
    if return_counts:
        res.append(_make(counts.astype(_I64, copy=False)))
    return res[0] if len(res) == 1 else tuple(res)


@export("unique")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), optionally with inverse indices and counts.

    Example::

        >>> ember.tensor([2, 1, 2]).unique(return_counts=True)
        (tensor([1, 2]), tensor([1, 2]))
    """
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        vals, inv, cnt = xp.unique(flat, return_inverse=True, return_counts=True,
                                   equal_nan=False)
        return _pack(vals, inv.reshape(x.shape), cnt, return_inverse, return_counts)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _pack(x.reshape(1), xp.zeros((), _I64), xp.ones(1, _I64), return_inverse,
                     return_counts)
    if x.shape[d] == 0:
        return _pack(x.copy(), xp.zeros(0, _I64), xp.zeros(0, _I64), return_inverse,
                     return_counts)
    vals, inv, cnt = xp.unique(x, return_inverse=True, return_counts=True, axis=d)
    return _pack(vals, inv.reshape(-1), cnt, return_inverse, return_counts)


@export("unique_consecutive")
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``).

    Example::

        >>> ember.tensor([1, 1, 2, 1]).unique_consecutive()
        tensor([1, 2, 1])
    """
    x = input._data
    if dim is None or x.ndim == 0:
        flat = x.reshape(-1)
        new = xp.ones(flat.size, bool)
        new[1:] = flat[1:] != flat[:-1]
        vals, inv_shape, d = flat[new], x.shape, None
    else:
        d = wrap_dim(dim, x.ndim)
        rows = xp.moveaxis(x, d, 0).reshape(x.shape[d], -1)
        new = xp.ones(rows.shape[0], bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        vals, inv_shape = xp.compress(new, x, axis=d), (x.shape[d],)
    starts = xp.flatnonzero(new)
    inv = (xp.cumsum(new) - 1).reshape(inv_shape)
    cnt = xp.diff(xp.append(starts, new.size))
    return _pack(vals, inv, cnt, return_inverse, return_counts)


# -- counting ----------------------------------------------------------------------------------
@export("bincount")
def bincount(input, weights=None, minlength=0):
    """Count occurrences of each non-negative int (weights give float sums: float32 weights
    stay float32, other weights give float64, like torch).

    Example::

        >>> ember.tensor([0, 2, 2]).bincount()
        tensor([1, 0, 2])
    """
    x = input._data
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{_NAMES.get(input.dtype.name, input.dtype.name)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _make(xp.bincount(x, minlength=minlength).astype(_I64, copy=False))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = w.dtype if w.dtype == xp.float32 else xp.dtype("float64")
    return _make(xp.bincount(x, weights=w.astype(xp.float64), minlength=minlength).astype(dt))


def _range(x, lo, hi):
    if lo == hi and x.size:
        lo, hi = x.min().item(), x.max().item()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return lo, hi


def _float_only(name, input):
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{name}\" not implemented for "
                                  f"'{_NAMES.get(input.dtype.name, input.dtype.name)}'")


def _bin_of(x, edges, nbins):
    """Bin of each value for sorted ``edges``; the last edge falls in the last bin; -1 outside."""
    pos = xp.searchsorted(edges, x, side="right") - 1
    pos[x == edges[-1]] = nbins - 1
    pos[(x < edges[0]) | (x > edges[-1]) | (x != x)] = -1
    return pos


@export("histc")
def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram with ``bins`` equal bins over [min, max] (the data range when both are 0);
    values outside are ignored. Float inputs only, like torch.

    Example::

        >>> ember.tensor([1., 2., 1.]).histc(bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    _float_only("histogram_cpu", input)
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    x = input._data.reshape(-1)
    lo, hi = _range(x, float(min), float(max))
    if lo > hi:
        raise RuntimeError("torch.histc(): max must be larger than min")
    edges = xp.linspace(lo, hi, bins + 1).astype(x.dtype)
    pos = _bin_of(x, edges, bins)
    res = _make(xp.bincount(pos[pos >= 0], minlength=bins).astype(x.dtype))
    return res if out is None else out.copy_(res)


@export("histogram")
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """``(hist, bin_edges)``: ``bins`` is a count (equal bins over ``range`` or the data range)
    or a 1-D tensor of increasing edges.

    Example::

        >>> ember.histogram(ember.tensor([1., 2., 1.]), bins=3, range=(0., 3.)).hist
        tensor([0., 2., 1.])
    """
    _float_only("histogram_cpu", input)
    x = input._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data.astype(x.dtype)
        nb = edges.size - 1
    else:
        nb = int(bins)
        lo, hi = (float(range[0]), float(range[1])) if range is not None else \
            ((x.min().item(), x.max().item()) if x.size else (0.0, 0.0))
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo} "
                               f"max {hi}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = xp.linspace(lo, hi, nb + 1).astype(x.dtype)
    pos = _bin_of(x, edges, nb)
    keep = pos >= 0
    w = None if weight is None else weight._data.reshape(-1)[keep].astype(xp.float64)
    hist = xp.bincount(pos[keep], weights=w, minlength=nb).astype(xp.float64)
    if density:
        hist = hist / (hist.sum() * xp.diff(edges.astype(xp.float64)))
    return histogram_rt((_make(hist.astype(x.dtype)), _make(edges)))


# -- searchsorted / bucketize ------------------------------------------------------------------
def _batched_search(seq, vals, right):
    """searchsorted per row of the last dim (leading dims equal) with one lexsort."""
    lead = seq.shape[:-1]
    rows = 1
    for s in lead:
        rows *= s
    n, m = seq.shape[-1], vals.shape[-1]
    s2, v2 = seq.reshape(rows, n), vals.reshape(rows, m)
    keys = xp.concatenate([s2, v2.astype(s2.dtype) if v2.dtype != s2.dtype else v2], axis=1)
    # on equal keys, 'right' puts sequence items before values, 'left' after
    is_val = xp.concatenate([xp.zeros((rows, n), bool), xp.ones((rows, m), bool)], axis=1)
    tie = is_val if right else ~is_val
    row = xp.broadcast_to(xp.arange(rows)[:, None], keys.shape)
    order = xp.lexsort((tie.ravel(), keys.ravel(), row.ravel()))
    seq_before = xp.cumsum(~is_val.ravel()[order]) - (~is_val.ravel()[order])
    res = xp.empty(rows * (n + m), _I64)
    res[order] = seq_before
    res = res.reshape(rows, n + m)[:, n:] - (xp.arange(rows) * n)[:, None]
    return res.reshape(vals.shape)


@export("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Insertion positions of ``input`` in ``sorted_sequence`` (1-D, or rows matching
    ``input``'s leading dims); ``right``/``side='right'`` places after equal values.

    Example::

        >>> ember.searchsorted(ember.tensor([1, 3, 5]), ember.tensor([3, 4]))
        tensor([1, 2])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    vals = xp.asarray(input) if scalar else input._data
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(seq.shape)}and got sorter "
                               f"tensor {list(sorter._data.shape)}")
        seq = xp.take_along_axis(seq, sorter._data, -1)
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           "first N-1 dimensions of boundaries tensor and input value tensor "
                           "must match, but we got boundaries tensor [] and input value tensor "
                           f"{list(vals.shape)}")
    if seq.ndim == 1:
        res = xp.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if scalar or seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension "
                               f"or the first N-1 dimensions of boundaries tensor and input "
                               f"value tensor must match, but we got boundaries tensor "
                               f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
        res = _batched_search(seq, vals, right)
    res = _make(xp.asarray(res).astype(_I32 if out_int32 else _I64))
    return res if out is None else out.copy_(res)


@export("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each value for 1-D ``boundaries`` (``searchsorted`` reversed).

    Example::

        >>> ember.bucketize(ember.tensor([2, 6]), ember.tensor([1, 3, 5]))
        tensor([1, 3])
    """
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# -- cummax / cummin / logcumsumexp ------------------------------------------------------------
def _cum_fwd(ufunc):
    def fwd(xp, x, dim):
        if x.ndim == 0:
            return x.copy(), xp.zeros((), _I64)
        vals = ufunc.accumulate(x, axis=dim)
        hit = x == vals  # >= (<=) the running extreme: the later index wins, like torch
        if x.dtype.kind in "fc":
            hit |= x != x
        view = [1] * x.ndim
        view[dim] = x.shape[dim]
        pos = xp.where(hit, xp.arange(x.shape[dim], dtype=_I64).reshape(view), 0)
        return vals, xp.maximum.accumulate(pos, axis=dim)
    return fwd


def _cum_vjp(g, out, x, dim):
    if not x._data.ndim:
        return g[0]
    return _scatter_acc(g[0], out[1], dim=dim, shape=x._data.shape)


_cummax = primitive("cummax", OTHER, node_name="CummaxBackward0", nout=2, save_out=True,
                    saves=False, diff_outputs=(True, False))(_cum_fwd(xp.maximum))
_cummin = primitive("cummin", OTHER, node_name="CumminBackward0", nout=2, save_out=True,
                    saves=False, diff_outputs=(True, False))(_cum_fwd(xp.minimum))
_cummax.defvjp(_cum_vjp)
_cummin.defvjp(_cum_vjp)


@export("cummax")
def cummax(input, dim, *, out=None):
    """Running maximum along ``dim`` and the index where it was (last) reached; NaN wins.

    Example::

        >>> ember.tensor([1., 3., 2.]).cummax(0)
        torch.return_types.cummax(
        values=tensor([1., 3., 3.]),
        indices=tensor([0, 1, 1]))
    """
    return cummax_rt(_cummax(input, dim=wrap_dim(dim, input._data.ndim)))


@export("cummin")
def cummin(input, dim, *, out=None):
    """Running minimum along ``dim`` and the index where it was (last) reached; NaN wins."""
    return cummin_rt(_cummin(input, dim=wrap_dim(dim, input._data.ndim)))


@primitive("logcumsumexp", OTHER, node_name="LogcumsumexpBackward0", save_out=True)
def _logcumsumexp(xp, x, dim):
    if x.ndim == 0:
        return x.copy()
    if x.dtype.itemsize == 2 and x.dtype.kind in "fV":
        return xp.logaddexp.accumulate(x.astype(xp.float32), axis=dim).astype(x.dtype)
    return xp.logaddexp.accumulate(x, axis=dim)


@_logcumsumexp.defvjp
def _(g, out, x, dim):
    # torch's logcumsumexp_backward: positive and negative parts of g through a reverse
    # logcumsumexp, so nothing overflows
    if not x._data.ndim:
        return g
    lowest = float(xp.finfo(g._data.dtype).min) if g._data.dtype.kind == "f" else -3.0e38
    log_abs = g.abs().log()
    floor = _make(xp.asarray(lowest, dtype=g._data.dtype))
    pos = log_abs.where(g.gt(0), floor)
    neg = log_abs.where(g.lt(0), floor)

    def rev(t):
        return _logcumsumexp(t.flip(dim), dim=dim).flip(dim)
    return (rev(pos - out) + x).exp() - (rev(neg - out) + x).exp()


@export("logcumsumexp")
def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably (float inputs only).

    Example::

        >>> ember.tensor([0., 0.]).logcumsumexp(0)
        tensor([0.0000, 0.6931])
    """
    if input._data.dtype.kind not in "fcV":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_NAMES.get(input.dtype.name, input.dtype.name)}'")
    res = _logcumsumexp(input, dim=wrap_dim(dim, input._data.ndim))
    return res if out is None else out.copy_(res)
