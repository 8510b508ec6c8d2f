"""Convolution primitives: N-d conv, its transpose and its weight gradient, as BLAS GEMMs.

Promoted to primitives for speed (DESIGN §5): the forward is ONE GEMM per group over an im2col
buffer laid out ``(C, *kernel, N, *out)`` (filled by a loop over kernel offsets copying strided
slices of the padded input), so that the weight gradient is one more GEMM against the same
layout and the input gradient is a GEMM followed by a col2im that adds strided slices, one
kernel offset at a time (never ``add.at``). Groups are a batched matmul over groups.

The three primitives are closed under differentiation, so double backward works:

* ``y = conv(x, w)``:           dx = conv_transpose(g, w),  dw = conv_weight_grad(x, g)
* ``y = conv_transpose(x, w)``: dx = conv(g, w),            dw = conv_weight_grad(g, x)
* ``y = conv_weight_grad(x, g)``: dx = conv_transpose(gy, w=gy'), dg = conv(x, gy)
"""
from __future__ import annotations

import itertools

from .registry import OTHER, export, primitive

__all__ = ["convolution", "conv_transpose", "conv_weight_grad", "im2col", "col2im",
           "out_size", "publish"]


def publish(fn, *names):
    """``export`` a torch top-level function (``ember.<name>``), not a Tensor method."""
    return export(*names, method=False)(fn)


def out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _win(o, d, s, n):
    start = o * d
    return slice(start, start + s * (n - 1) + 1, s)


def _pad_zero(xp, x, pads):
    """Zero-pad the trailing spatial dims of ``x`` (N, C, *sp) symmetrically by ``pads``."""
    if not any(pads):
        return x
    sp = x.shape[2:]
    out = xp.zeros(x.shape[:2] + tuple(s + 2 * p for s, p in zip(sp, pads)), x.dtype)
    out[(Ellipsis,) + tuple(slice(p, p + s) for s, p in zip(sp, pads))] = x
    return out


def im2col(xp, x, k, stride, padding, dilation, out):
    """Columns of ``x`` (N, C, *sp) laid out ``(C, *k, N, *out)`` (a fresh contiguous array)."""
    N, C = x.shape[:2]
    xt = _pad_zero(xp, x, padding).swapaxes(0, 1)
    cols = xp.empty((C,) + tuple(k) + (N,) + tuple(out), x.dtype)
    head = (slice(None), slice(None))
    for offs in itertools.product(*[range(kk) for kk in k]):
        src = xt[head + tuple(_win(o, d, s, n)
                              for o, d, s, n in zip(offs, dilation, stride, out))]
        cols[(slice(None),) + offs] = src
    return cols


def col2im(xp, cols, shape, k, stride, padding, dilation, out):
    """Adjoint of ``im2col``: sum columns ``(C, *k, N, *out)`` back into ``shape`` (N, C, *sp)."""
    N, C = shape[:2]
    sp = shape[2:]
    acc = xp.zeros((C, N) + tuple(s + 2 * p for s, p in zip(sp, padding)), cols.dtype)
    head = (slice(None), slice(None))
    for offs in itertools.product(*[range(kk) for kk in k]):
        dst = acc[head + tuple(_win(o, d, s, n) for o, d, s, n in zip(offs, dilation, stride, out))]
        dst += cols[(slice(None),) + offs]
    if any(padding):
        acc = acc[head + tuple(slice(p, p + s) for s, p in zip(sp, padding))]
    return xp.ascontiguousarray(acc.swapaxes(0, 1))


def _gemm(xp, a, b):
    """Batched-over-groups matmul; plain 2-D BLAS call when there is one group."""
    if a.shape[0] == 1:
        return xp.matmul(a[0], b[0])[None]
    return xp.matmul(a, b)


def _nl_major(xp, y, groups):
    """(N, O, *out) -> (G, O/G, N*L) (one transposing copy)."""
    N, O = y.shape[:2]
    return xp.ascontiguousarray(y.swapaxes(0, 1)).reshape(groups, O // groups,
                                                          N * _prod(y.shape[2:]))


def _from_nl_major(xp, r, N, sp):
    """(G, O/G, N*L) -> contiguous (N, O, *sp)."""
    O = r.shape[0] * r.shape[1]
    return xp.ascontiguousarray(r.reshape((O, N) + tuple(sp)).swapaxes(0, 1))


def _bias_view(b, nd):
    return b.reshape((1, -1) + (1,) * nd)


# -- forward conv ----------------------------------------------------------------------------
@primitive("convolution", OTHER, node_name="ConvolutionBackward0")
def _conv(xp, x, w, b=None, *, stride, padding, dilation, groups):
    N, C = x.shape[:2]
    O, k = w.shape[0], w.shape[2:]
    out = tuple(out_size(s, kk, st, p, d)
                for s, kk, st, p, d in zip(x.shape[2:], k, stride, padding, dilation))
    cols = im2col(xp, x, k, stride, padding, dilation, out)
    K = w.shape[1] * _prod(k)
    r = _gemm(xp, w.reshape(groups, O // groups, K), cols.reshape(groups, K, N * _prod(out)))
    y = _from_nl_major(xp, r, N, out)
    if b is not None:
        y += _bias_view(b, len(out))
    return y


@_conv.defvjp
def _conv_vjp(g, out, x, w, b=None, *, stride, padding, dilation, groups):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gw = gb = None
    if x._requires_grad:
        gx = _conv_t(g, w, out_shape=tuple(x.shape[2:]), **attrs)
    if w._requires_grad:
        gw = _conv_wgrad(x, g, kernel=tuple(w.shape[2:]), **attrs)
    if b is not None and b._requires_grad:
        gb = g.sum((0,) + tuple(range(2, g.dim())))
    return gx, gw, gb


# -- transposed conv (= the input gradient of conv) ---------------------------------------------
@primitive("conv_transpose", OTHER, node_name="ConvolutionBackward0")
def _conv_t(xp, x, w, b=None, *, stride, padding, dilation, groups, out_shape):
    N = x.shape[0]
    k = w.shape[2:]
    sp = x.shape[2:]
    cin_g = w.shape[0] // groups
    cout = w.shape[1] * groups
    wt = w.reshape(groups, cin_g, w.shape[1] * _prod(k)).swapaxes(1, 2)
    dcols = _gemm(xp, wt, _nl_major(xp, x, groups))
    dcols = dcols.reshape((cout,) + tuple(k) + (N,) + tuple(sp))
    y = col2im(xp, dcols, (N, cout) + tuple(out_shape), k, stride, padding, dilation, sp)
    if b is not None:
        y += _bias_view(b, len(sp))
    return y


@_conv_t.defvjp
def _conv_t_vjp(g, out, x, w, b=None, *, stride, padding, dilation, groups, out_shape):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gw = gb = None
    if x._requires_grad:
        gx = _conv(g, w, **attrs)
    if w._requires_grad:
        gw = _conv_wgrad(g, x, kernel=tuple(w.shape[2:]), **attrs)
    if b is not None and b._requires_grad:
        gb = g.sum((0,) + tuple(range(2, g.dim())))
    return gx, gw, gb


# -- weight gradient of conv (bilinear in input and output gradient) ---------------------------
@primitive("conv_weight_grad", OTHER, node_name="ConvolutionBackwardBackward0")
def _conv_wgrad(xp, x, g, *, stride, padding, dilation, groups, kernel):
    N, C = x.shape[:2]
    O = g.shape[1]
    out = g.shape[2:]
    cols = im2col(xp, x, kernel, stride, padding, dilation, out)
    cols = cols.reshape(groups, C // groups * _prod(kernel), N * _prod(out))
    # (K, NL) @ (NL, O) then transpose: OpenBLAS is ~20x slower on the equivalent
    # (O, NL) @ (NL, K) with a transposed right operand (long inner dim, small output)
    gw = _gemm(xp, cols, _nl_major(xp, g, groups).swapaxes(1, 2)).swapaxes(1, 2)
    return xp.ascontiguousarray(gw).reshape((O, C // groups) + tuple(kernel))


@_conv_wgrad.defvjp
def _conv_wgrad_vjp(gg, out, x, g, *, stride, padding, dilation, groups, kernel):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gout = None
    if x._requires_grad:
        gx = _conv_t(g, gg, out_shape=tuple(x.shape[2:]), **attrs)
    if g._requires_grad:
        gout = _conv(x, gg, **attrs)
    return gx, gout


def _prod(t):
    n = 1
    for v in t:
        n *= v
    return n


def convolution(x, w, b, stride, padding, dilation, groups):
    """Run the conv primitive (``b`` may be None); arguments already normalized to tuples."""
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _conv(x, w, **attrs) if b is None else _conv(x, w, b, **attrs)


def conv_transpose(x, w, b, stride, padding, dilation, groups, out_shape):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                 out_shape=tuple(out_shape))
    return _conv_t(x, w, **attrs) if b is None else _conv_t(x, w, b, **attrs)


def conv_weight_grad(x, g, stride, padding, dilation, groups, kernel):
    return _conv_wgrad(x, g, stride=stride, padding=padding, dilation=dilation, groups=groups,
                       kernel=tuple(kernel))


# -- unfold / fold (torch's im2col layout (N, C*K, L)) -----------------------------------------
@primitive("im2col", OTHER, node_name="Im2ColBackward0", saves=False)
def _unfold(xp, x, *, kernel, stride, padding, dilation, osize):
    out = osize
    N, C = x.shape[:2]
    cols = im2col(xp, x, kernel, stride, padding, dilation, out)   # (C, *k, N, *out)
    cols = cols.reshape((C, _prod(kernel), N, _prod(out)))
    return xp.ascontiguousarray(cols.transpose(2, 0, 1, 3)).reshape(N, C * _prod(kernel),
                                                                    _prod(out))


def _unfold_rule(g, out, x, **attrs):
    return _fold(g, shape=tuple(x.shape[2:]), **attrs)


_unfold.defvjp(_unfold_rule)


@primitive("col2im", OTHER, node_name="Col2ImBackward0", saves=False)
def _fold(xp, g, *, kernel, stride, padding, dilation, osize, shape):
    out = osize
    N = g.shape[0]
    K = _prod(kernel)
    C = g.shape[1] // K
    cols = xp.ascontiguousarray(g.reshape(N, C, K, _prod(out)).transpose(1, 2, 0, 3))
    cols = cols.reshape((C,) + tuple(kernel) + (N,) + tuple(out))
    return col2im(xp, cols, (N, C) + tuple(shape), kernel, stride, padding, dilation, out)


@_fold.defvjp
def _(g, out, x, *, shape, **attrs):
    return _unfold(g, **attrs)


def unfold(x, kernel, stride, padding, dilation, out):
    """im2col: (N, C, *sp) -> (N, C*prod(kernel), prod(out))."""
    return _unfold(x, kernel=tuple(kernel), stride=tuple(stride), padding=tuple(padding),
                   dilation=tuple(dilation), osize=tuple(out))


def fold(x, shape, kernel, stride, padding, dilation, out):
    """col2im: (N, C*prod(kernel), prod(out)) -> (N, C, *shape), summing overlaps."""
    return _fold(x, kernel=tuple(kernel), stride=tuple(stride), padding=tuple(padding),
                 dilation=tuple(dilation), osize=tuple(out), shape=tuple(shape))


# -- padding and per-axis gathers (F.pad, interpolate, grid_sample) ----------------------------
@primitive("constant_pad_nd", OTHER, node_name="ConstantPadNdBackward0", saves=False)
def _cpad(xp, x, *, pads, value):
    """``pads``: one (lo, hi) per dim of ``x``; negative amounts crop."""
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pads))
    x = x[crop]
    shape = tuple(n + max(lo, 0) + max(hi, 0) for n, (lo, hi) in zip(x.shape, pads))
    if shape == x.shape:
        return x.copy()
    res = xp.full(shape, value, x.dtype)
    res[tuple(slice(max(lo, 0), max(lo, 0) + n) for n, (lo, _) in zip(x.shape, pads))] = x
    return res


@_cpad.defvjp
def _(g, out, x, *, pads, value):
    return _cpad(g, pads=tuple((-lo, -hi) for lo, hi in pads), value=0)


def constant_pad(x, pads, value=0):
    return _cpad(x, pads=tuple(pads), value=value)


@primitive("take_axis", OTHER, node_name="IndexSelectBackward0", saves=False)
def _take(xp, x, *, index, axis, size):
    return xp.take(x, index, axis=axis)


@_take.defvjp
def _(g, out, x, *, index, axis, size):
    return _take_t(g, index=index, axis=axis, size=size)


@primitive("take_axis_backward", OTHER, node_name="IndexAddBackward0", saves=False)
def _take_t(xp, g, *, index, axis, size):
    """Adjoint of ``take``: add slices of ``g`` back at ``index`` (duplicates summed), one
    occurrence rank at a time so each fancy-index add has unique targets."""
    shape = list(g.shape)
    shape[axis] = size
    res = xp.zeros(shape, g.dtype)
    idx = xp.asarray(index)
    order = xp.argsort(idx, kind="stable")
    sidx = idx[order]
    first = xp.ones(len(sidx), bool)
    first[1:] = sidx[1:] != sidx[:-1]
    starts = xp.maximum.accumulate(xp.where(first, xp.arange(len(sidx)), 0))
    rank = xp.empty(len(sidx), xp.int64)
    rank[order] = xp.arange(len(sidx)) - starts
    lead = (slice(None),) * (axis % g.ndim)
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        sel = xp.nonzero(rank == r)[0]
        res[lead + (idx[sel],)] += g[lead + (sel,)]
    return res


@_take_t.defvjp
def _(gg, out, g, *, index, axis, size):
    return _take(gg, index=index, axis=axis, size=size)


def take_axis(x, index, axis):
    """``x`` gathered at integer ``index`` (a NumPy int array) along ``axis``."""
    return _take(x, index=index, axis=axis % x.dim(), size=x.shape[axis])
