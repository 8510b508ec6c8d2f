"""Pooling primitives: max (with torch's flat per-plane indices), average, adaptive max, and
the per-plane scatter/gather pair that carries max-pool gradients and max_unpool.

Promoted to primitives for speed (DESIGN §5): windows are visited by a loop over kernel offsets
over strided slices of the padded input (no per-element Python, no ``add.at``). Max pooling takes
the maximum with ``np.maximum`` and finds each winner's kernel offset with a few uint8 passes
(flat indices from a small table); without autograd it skips the indices entirely, and with
disjoint windows its backward is a plain scatter. With Numba (``ember[fast]``) max pooling's
forward and the plane scatter run as parallel per-plane loops (``_fast/pool.py``). Average pooling
and its adjoint are each other's vjp, and so are the plane scatter and gather, so double
backward works for avg pooling, max pooling (through the saved indices) and max_unpool.
"""
from __future__ import annotations

import itertools

from .._backend import fast
from .registry import OTHER, primitive

__all__ = ["max_pool", "max_pool_values", "avg_pool", "adaptive_max_pool", "plane_scatter",
           "plane_gather", "pool_out_size", "adaptive_windows"]


def pool_out_size(size, k, s, p, d, ceil_mode):
    """torch's ``pooling_output_shape``: the last window must start inside input or left pad."""
    num = size + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _win(o, d, s, n):
    start = o * d
    return slice(start, start + s * (n - 1) + 1, s)


def _pad(xp, x, lo, hi, value):
    if not any(lo) and not any(hi):
        return x
    sp = x.shape[2:]
    out = xp.full(x.shape[:2] + tuple(s + a + b for s, a, b in zip(sp, lo, hi)), value, x.dtype)
    out[(Ellipsis,) + tuple(slice(a, a + s) for s, a in zip(sp, lo))] = x
    return out


def _hi_pad(sp, k, s, p, d, out):
    return tuple(max(0, (o - 1) * st + dd * (kk - 1) + 1 - n - pp)
                 for n, kk, st, pp, dd, o in zip(sp, k, s, p, d, out))


def _prod(t):
    n = 1
    for v in t:
        n *= v
    return n


# -- max pooling ------------------------------------------------------------------------------
def _max_windows(xp, x, kernel, stride, padding, dilation, out):
    """One strided view per kernel offset (row-major order) of the low-padded input."""
    sp = x.shape[2:]
    low = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
    xpad = _pad(xp, x, padding, _hi_pad(sp, kernel, stride, padding, dilation, out), low)
    head = (slice(None), slice(None))
    return [xpad[head + tuple(_win(o, d, s, m) for o, d, s, m in zip(offs, dilation, stride, out))]
            for offs in itertools.product(*[range(k) for k in kernel])]


def _max_values(xp, views):
    best = xp.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy()
    for v in views[2:]:
        xp.maximum(best, v, out=best)
    return best


def _max_code(xp, views, best):
    """Offset (row-major over the kernel) of each window's winner, torch's rule: the first
    maximum, or the last NaN when the window has one."""
    n = len(views)
    code = xp.zeros(best.shape, xp.uint8 if n <= 255 else xp.int64)
    ne = xp.empty(best.shape, bool)
    for j in range(n - 2, -1, -1):       # code = index of the first view equal to best
        xp.not_equal(views[j], best, out=ne)
        code += 1
        code *= ne
    if best.dtype.kind == "f":
        nan = xp.isnan(best)
        if nan.any():
            for j, v in enumerate(views):
                xp.copyto(code, j, where=xp.isnan(v) & nan)
    return code


def _flat_index(xp, code, sp, kernel, stride, padding, dilation, out):
    """torch's flat per-plane index of each window's winner from its kernel-offset code."""
    nd = len(sp)
    pstride = [_prod(sp[d + 1:]) for d in range(nd)]
    base = 0
    for d in range(nd):
        shape = [1] * nd
        shape[d] = out[d]
        base = base + ((xp.arange(out[d]) * stride[d] - padding[d]) * pstride[d]).reshape(shape)
    table = xp.array([sum(o * dl * ps for o, dl, ps in zip(offs, dilation, pstride))
                      for offs in itertools.product(*[range(k) for k in kernel])], xp.int64)
    idx = xp.take(table, code)
    idx += base
    return idx


@primitive("max_pool", OTHER, node_name="MaxPool2DWithIndicesBackward0", nout=2,
           save_out=True, diff_outputs=(True, False))
def _max_pool(xp, x, *, kernel, stride, padding, dilation, osize):
    if _fast_max(xp, x, kernel, stride, padding, dilation, osize, True):
        from ._fast import pool as k
        return k.max_pool(x, kernel, stride, padding, dilation, osize)
    views = _max_windows(xp, x, kernel, stride, padding, dilation, osize)
    best = _max_values(xp, views)
    code = _max_code(xp, views, best)
    idx = _flat_index(xp, code, x.shape[2:], kernel, stride, padding, dilation, osize)
    if any(padding) and best.dtype.kind == "f":
        low = best == -xp.inf
        if low.any():   # all -inf: torch points at the window's first in-bounds element
            first = 0
            for dim, (n, s, p, d, o) in enumerate(zip(x.shape[2:], stride, padding, dilation,
                                                     osize)):
                a = xp.arange(o) * s - p
                a = xp.where(a < 0, a + (-a + d - 1) // d * d, a) * _prod(x.shape[3 + dim:])
                first = first + a.reshape([-1 if j == dim else 1 for j in range(len(osize))])
            idx[low] = xp.broadcast_to(first, idx.shape)[low]
    return best, idx


def _pool_2x2(shape, kernel, stride, padding, dilation, osize):
    """2-d pooling by 2x2 windows at stride 2 with no clipped window."""
    return (tuple(kernel) == tuple(stride) == (2, 2) and not any(padding)
            and tuple(dilation) == (1, 1) and 2 * osize[0] <= shape[2]
            and 2 * osize[1] <= shape[3])


def _fast_max(xp, x, kernel, stride, padding, dilation, osize, with_idx):
    """Whether max pooling takes the compiled kernels: the unrolled 2x2 one always; the generic
    per-window loop only for indices at strides >= 2 (about as fast as the NumPy passes on one
    thread there, 2x on two; slower at stride 1, and for values only)."""
    return fast.ENABLED and fast.use(xp, x) and (
        _pool_2x2(x.shape, kernel, stride, padding, dilation, osize)
        or (with_idx and min(stride) >= 2))


def _disjoint(kernel, stride, dilation):
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _max_pool_rule(g, out, x, *, kernel, stride, padding, dilation, osize):
    g0 = g[0] if type(g) is tuple else g
    return (_scatter(g0, out[1], plane=tuple(x.shape[2:]),
                     unique=_disjoint(kernel, stride, dilation)),)


_max_pool.defvjp(_max_pool_rule)


@primitive("max_pool_values", OTHER, node_name="MaxPool2DWithIndicesBackward0")
def _max_pool_values(xp, x, *, kernel, stride, padding, dilation, osize):
    """Values only (no indices): used when no gradient can be needed (inference)."""
    if _fast_max(xp, x, kernel, stride, padding, dilation, osize, False):
        from ._fast import pool as k
        return k.max_pool(x, kernel, stride, padding, dilation, osize, with_idx=False)[0]
    return _max_values(xp, _max_windows(xp, x, kernel, stride, padding, dilation, osize))


@_max_pool_values.defvjp
def _(g, out, x, **attrs):
    vals, idx = _max_pool(x.detach(), **attrs)
    return _max_pool_rule((g, None), (vals, idx), x, **attrs)


def max_pool(x, kernel, stride, padding, dilation, out):
    """(values, indices) of N-d max pooling; arguments are normalized tuples, ``out`` the
    output spatial size (ceil_mode already applied)."""
    return _max_pool(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation, osize=out)


def max_pool_values(x, kernel, stride, padding, dilation, out):
    """Max-pooled values without indices (for inputs that need no gradient)."""
    return _max_pool_values(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                            osize=out)


# -- per-plane scatter / gather (max-pool backward, max_unpool) ---------------------------------
@primitive("plane_scatter", OTHER, node_name="MaxUnpool2DBackward0")
def _scatter(xp, g, idx, *, plane, unique):
    if fast.ENABLED and fast.use(xp, g):
        from ._fast import pool as k
        return k.plane_scatter(g, idx, plane, unique)
    NC = _prod(g.shape[:2])
    P = _prod(plane)
    L = _prod(idx.shape[2:])
    flat = (idx.reshape(NC, L) + (xp.arange(NC, dtype=xp.int64) * P)[:, None]).ravel()
    if unique:
        res = xp.zeros(NC * P, g.dtype)
        res[flat] = g.ravel()
    else:
        # NOTE: bincount sums in float64 (exact for integer max_unpool inputs below 2**53)
        res = xp.bincount(flat, weights=g.ravel().astype(xp.float64, copy=False),
                          minlength=NC * P).astype(g.dtype, copy=False)
    return res.reshape(g.shape[:2] + tuple(plane))


@_scatter.defvjp
def _(gg, out, g, idx, *, plane, unique):
    return _gather(gg, idx), None


@primitive("plane_gather", OTHER, node_name="GatherBackward0")
def _gather(xp, x, idx):
    NC = _prod(x.shape[:2])
    res = xp.take_along_axis(x.reshape(NC, _prod(x.shape[2:])),
                             idx.reshape(NC, _prod(idx.shape[2:])), axis=1)
    return res.reshape(idx.shape)


@_gather.defvjp
def _(g, out, x, idx):
    return _scatter(g, idx, plane=tuple(x.shape[2:]), unique=False), None


def plane_scatter(g, idx, plane, unique=True):
    return _scatter(g, idx, plane=tuple(plane), unique=unique)


def plane_gather(x, idx):
    return _gather(x, idx)


# -- average pooling --------------------------------------------------------------------------
def _avg_divisor(xp, sp, kernel, stride, padding, out, ceil_hi, count_include_pad, override,
                 dtype):
    if override:
        return override
    div = None
    for dim, (n, k, s, p, o) in enumerate(zip(sp, kernel, stride, padding, out)):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        size = end - start
        if not count_include_pad:
            size = xp.minimum(end, n) - xp.maximum(start, 0)
        shape = [1] * len(sp)
        shape[dim] = o
        size = size.reshape(shape)
        div = size if div is None else div * size
    return div.astype(dtype) if dtype.kind == "f" else div


@primitive("avg_pool", OTHER, node_name="AvgPool2DBackward0", saves=False)
def _avg_pool(xp, x, *, kernel, stride, padding, osize, count_include_pad, divisor_override):
    out = osize
    sp = x.shape[2:]
    dil = (1,) * len(sp)
    hi = _hi_pad(sp, kernel, stride, padding, dil, out)
    xpad = _pad(xp, x, padding, hi, 0)
    acc = None
    head = (slice(None), slice(None))
    for offs in itertools.product(*[range(k) for k in kernel]):
        v = xpad[head + tuple(_win(o, 1, s, m) for o, s, m in zip(offs, stride, out))]
        if acc is None:
            acc = v.astype(x.dtype, copy=True)
        else:
            acc += v
    div = _avg_divisor(xp, sp, kernel, stride, padding, out, hi, count_include_pad,
                       divisor_override, x.dtype)
    if x.dtype.kind == "f":
        acc /= div
        return acc
    return (acc - xp.fmod(acc, div)) // div


@_avg_pool.defvjp
def _(g, out, x, **attrs):
    return _avg_pool_t(g, in_shape=tuple(x.shape), **attrs)


@primitive("avg_pool_backward", OTHER, node_name="AvgPool2DBackwardBackward0", saves=False)
def _avg_pool_t(xp, g, *, kernel, stride, padding, osize, count_include_pad, divisor_override,
                in_shape):
    out = osize
    sp = in_shape[2:]
    dil = (1,) * len(sp)
    hi = _hi_pad(sp, kernel, stride, padding, dil, out)
    div = _avg_divisor(xp, sp, kernel, stride, padding, out, hi, count_include_pad,
                       divisor_override, g.dtype)
    gd = g / div
    acc = xp.zeros(tuple(in_shape[:2]) + tuple(n + a + b for n, a, b in zip(sp, padding, hi)),
                   g.dtype)
    head = (slice(None), slice(None))
    for offs in itertools.product(*[range(k) for k in kernel]):
        acc[head + tuple(_win(o, 1, s, m) for o, s, m in zip(offs, stride, out))] += gd
    return acc[head + tuple(slice(a, a + n) for n, a in zip(sp, padding))].copy()


@_avg_pool_t.defvjp
def _(gg, out, g, *, in_shape, **attrs):
    return (_avg_pool(gg, **attrs),)


def avg_pool(x, kernel, stride, padding, out, count_include_pad, divisor_override):
    return _avg_pool(x, kernel=kernel, stride=stride, padding=padding, osize=out,
                     count_include_pad=count_include_pad, divisor_override=divisor_override)


# -- adaptive max pooling ---------------------------------------------------------------------
def adaptive_windows(n, o):
    """torch's adaptive windows: start = floor(i*n/o), end = ceil((i+1)*n/o)."""
    return [((i * n) // o, -((-(i + 1) * n) // o)) for i in range(o)]


@primitive("adaptive_max_pool", OTHER, node_name="AdaptiveMaxPool2DBackward0", nout=2,
           save_out=True, diff_outputs=(True, False))
def _adaptive_max(xp, x, *, osize):
    out = osize
    sp = x.shape[2:]
    nd = len(sp)
    pos = []
    cur = x
    for dim, (n, o) in enumerate(zip(sp, out)):
        wins = adaptive_windows(n, o)
        kmax = max(e - s for s, e in wins)
        table = xp.array([[min(s + t, e - 1) for t in range(kmax)] for s, e in wins],
                         dtype=xp.int64)
        pos.append(table)
        axis = 2 + 2 * dim
        cur = xp.take(cur, table.ravel(), axis=axis)
        cur = cur.reshape(cur.shape[:axis] + (o, kmax) + cur.shape[axis + 1:])
    # (N, C, O1, K1, O2, K2, ...) -> (N, C, O1, O2, ..., K1*K2*...)
    perm = (0, 1) + tuple(2 + 2 * i for i in range(nd)) + tuple(3 + 2 * i for i in range(nd))
    cur = cur.transpose(perm)
    ks = tuple(t.shape[1] for t in pos)
    cur = cur.reshape(cur.shape[:2 + nd] + (-1,))
    arg = xp.argmax(cur, axis=-1)
    if x.dtype.kind == "f":
        nanarg = xp.argmax(cur != cur, axis=-1)
        has = (cur != cur).any(axis=-1)
        arg = xp.where(has, nanarg, arg)
    best = xp.take_along_axis(cur, arg[..., None], axis=-1)[..., 0]
    idx = xp.zeros(arg.shape, xp.int64)
    rem = arg
    for dim in range(nd - 1, -1, -1):
        i = rem % ks[dim]
        rem = rem // ks[dim]
        grid = xp.arange(out[dim]).reshape([-1 if j == dim else 1 for j in range(nd)])
        p = pos[dim][grid, i]
        idx += p * _prod(sp[dim + 1:])
    return best, idx


def _adaptive_max_rule(g, out, x, **attrs):
    g0 = g[0] if type(g) is tuple else g
    return (_scatter(g0, out[1], plane=tuple(x.shape[2:]), unique=False),)


_adaptive_max.defvjp(_adaptive_max_rule)


def adaptive_max_pool(x, out):
    return _adaptive_max(x, osize=tuple(out))
