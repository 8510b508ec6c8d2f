"""Convolution primitives: N-d conv, its transpose and its weight gradient, as BLAS GEMMs.

Promoted to primitives for speed (DESIGN §5): the forward is ONE GEMM per group over an im2col
buffer laid out ``(C, *kernel, N, *out)`` (one copy from a strided window view of the padded
input into a reused workspace, see ``_conv_kernels``), so that the weight gradient is one more
GEMM against the same layout and the input gradient is a GEMM followed by a col2im that adds
strided slices, one kernel offset at a time (never ``add.at``). Groups are a batched matmul over
groups. Small spatial sizes (<= 64 output positions, one group) use channels-last columns
``(N, *out, *kernel, C)`` instead (long contiguous runs). Stride-1 one-group convs with at least
as many input as output channels (ResNet's 3x3 convs) use the flat-shift kernels of
``_conv_kernels`` (batch chunks, one contiguous shift per kernel offset); their input gradient
is a conv of the output gradient with the flipped weight, and the weight gradient reuses that
conv's columns. Pointwise (1x1, no padding, one group) convs at any stride skip im2col: the
sampled input as (C, N*L) and one GEMM; the input gradient scatters one GEMM back at the stride.
When both the input and the weight need gradients, one fused
``convolution_backward`` primitive computes both (elsewhere from a single transposed copy of
the output gradient).

The three primitives are closed under differentiation, so double backward works:

* ``y = conv(x, w)``:           dx = conv_transpose(g, w),  dw = conv_weight_grad(x, g)
* ``y = conv_transpose(x, w)``: dx = conv(g, w),            dw = conv_weight_grad(g, x)
* ``y = conv_weight_grad(x, g)``: dx = conv_transpose(gy, w=gy'), dg = conv(x, gy)

and ``convolution_backward`` (both gradients at once) differentiates through the same rules.
"""
from __future__ import annotations

from . import _conv_kernels as _K
from .registry import OTHER, export, primitive

__all__ = ["convolution", "conv_transpose", "conv_weight_grad", "im2col", "col2im",
           "out_size", "publish"]


def publish(fn, *names):
    """``export`` a torch top-level function (``ember.<name>``), not a Tensor method."""
    return export(*names, method=False)(fn)


def out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def im2col(xp, x, k, stride, padding, dilation, out):
    """Columns of ``x`` (N, C, *sp) laid out ``(C, *k, N, *out)`` (a fresh contiguous array)."""
    return _K.im2col(x, k, stride, padding, dilation, out)


def col2im(xp, cols, shape, k, stride, padding, dilation, out):
    """Adjoint of ``im2col``: sum columns ``(C, *k, N, *out)`` back into ``shape`` (N, C, *sp)."""
    return _K.col2im(cols, shape, k, stride, padding, dilation, out)


def _nl_major(xp, y, groups, slot=None):
    """(N, O, *out) -> (G, O/G, N*L) (one transposing copy; into workspace ``slot`` if given)."""
    N, O = y.shape[:2]
    L = _prod(y.shape[2:])
    shape = (groups, O // groups, N * L)
    fk = _K.fast_kernels(y)
    if fk is not None:
        res = xp.empty((O, N, 1, L), y.dtype) if slot is None else \
            _K.workspace(slot, (O, N, 1, L), y.dtype)
        return fk.swap(y.reshape(N, O, 1, L), res, L).reshape(shape)
    if slot is None:
        return xp.ascontiguousarray(y.swapaxes(0, 1)).reshape(shape)
    res = _K.workspace(slot, (O, N) + tuple(y.shape[2:]), y.dtype)
    xp.copyto(res, y.swapaxes(0, 1))
    return res.reshape(shape)


def _bias_view(b, nd):
    return b.reshape((1, -1) + (1,) * nd)


# -- forward conv ----------------------------------------------------------------------------
@primitive("convolution", OTHER, node_name="ConvolutionBackward0")
def _conv(xp, x, w, b=None, *, stride, padding, dilation, groups):
    N, C = x.shape[:2]
    O, k = w.shape[0], w.shape[2:]
    out = tuple(out_size(s, kk, st, p, d)
                for s, kk, st, p, d in zip(x.shape[2:], k, stride, padding, dilation))
    if _K.use_1x1(groups, k, padding):
        return _K.conv_1x1(x, w, b, stride, out)
    if _K.use_last(groups, out):
        return _K.conv_last(x, w, b, stride, padding, dilation, out)
    f = _K.use_flat(groups, stride, x.shape[2:], k, padding, dilation, w.shape[:2])
    if f is not None:
        return _K.conv_flat(f, x, w, b)
    cols = _K.im2col(x, k, stride, padding, dilation, out, slot="cols")
    K = w.shape[1] * _prod(k)
    r = _K.gemm(w.reshape(groups, O // groups, K), cols.reshape(groups, K, N * _prod(out)),
                slot="gemm")
    return _K.from_cn(r, N, out, b)


@_conv.defvjp
def _conv_vjp(g, out, x, w, b=None, *, stride, padding, dilation, groups):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gw = gb = None
    nx, nw = x._requires_grad, w._requires_grad
    if nx and nw:
        gx, gw = _conv_bwd(x, w, g, **attrs)
    elif nx:
        gx = _conv_t(g, w, out_shape=tuple(x.shape[2:]), **attrs)
    elif nw:
        gw = _conv_wgrad(x, g, kernel=tuple(w.shape[2:]), **attrs)
    if b is not None and b._requires_grad:
        gb = g.sum((0,) + tuple(range(2, g.dim())))
    return gx, gw, gb


# -- fused input + weight gradient (one transposing copy of the output gradient) --------------
@primitive("convolution_backward", OTHER, node_name="ConvolutionBackwardBackward0", nout=2)
def _conv_bwd(xp, x, w, g, *, stride, padding, dilation, groups):
    if _K.use_1x1(groups, w.shape[2:], padding):
        return _K.backward_1x1(x, w, g, stride)
    if _K.use_last(groups, g.shape[2:]):
        return _K.conv_backward_last(x, w, g, stride, padding, dilation)
    gw = None
    f = _K.use_flat(groups, stride, x.shape[2:], w.shape[2:], padding, dilation, w.shape[:2])
    if f is not None:
        res = _K.backward_flat(x, w, g, padding, dilation)
        if res is not None:
            return res
        gw = _K.weight_grad_flat(f, x, g, w.shape)
    gt = _nl_major(xp, g, groups, slot="gt")
    gx = _input_grad(xp, gt, w, N=g.shape[0], sp=g.shape[2:], out_shape=x.shape[2:],
                     stride=stride, padding=padding, dilation=dilation, groups=groups)
    if gw is None:
        gw = _weight_grad(xp, x, gt, g.shape[1], g.shape[2:], w.shape[2:], stride, padding,
                          dilation, groups)
    return gx, gw


@_conv_bwd.defvjp
def _conv_bwd_vjp(gg, out, x, w, g, *, stride, padding, dilation, groups):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    ggx, ggw = gg
    dx_t, dw_t, _ = _conv_t_vjp(ggx, None, g, w, **attrs, out_shape=tuple(x.shape[2:]))
    dx_w, dg_w = _conv_wgrad_vjp(ggw, None, x, g, **attrs, kernel=tuple(w.shape[2:]))
    dg = dx_t if dg_w is None else (dg_w if dx_t is None else dx_t + dg_w)
    return dx_w, dw_t, dg


# -- transposed conv (= the input gradient of conv) ---------------------------------------------
@primitive("conv_transpose", OTHER, node_name="ConvolutionBackward0")
def _conv_t(xp, x, w, b=None, *, stride, padding, dilation, groups, out_shape):
    y = None
    if _K.use_1x1(groups, w.shape[2:], padding):
        y = _K.input_grad_1x1(x, w, (x.shape[0], w.shape[1]) + tuple(out_shape), stride)
    elif _K.use_flat(groups, stride, out_shape, w.shape[2:], padding, dilation, w.shape[:2]):
        y = _K.input_grad_flat(out_shape, w, x, padding, dilation)
    if y is None:
        y = _input_grad(xp, _nl_major(xp, x, groups, slot="gt"), w, x.shape[0], x.shape[2:],
                        out_shape, stride, padding, dilation, groups)
    if b is not None:
        y += _bias_view(b, len(out_shape))
    return y


def _input_grad(xp, gt, w, N, sp, out_shape, stride, padding, dilation, groups):
    """conv_transpose of ``gt`` (G, O/G, N*L) with ``w``: a GEMM, then col2im."""
    k = w.shape[2:]
    cin_g = w.shape[0] // groups
    cout = w.shape[1] * groups
    wt = w.reshape(groups, cin_g, w.shape[1] * _prod(k)).swapaxes(1, 2)
    dcols = _K.gemm(wt, gt, slot="cols")
    dcols = dcols.reshape((cout,) + tuple(k) + (N,) + tuple(sp))
    return _K.col2im(dcols, (N, cout) + tuple(out_shape), k, stride, padding, dilation, sp)


@_conv_t.defvjp
def _conv_t_vjp(g, out, x, w, b=None, *, stride, padding, dilation, groups, out_shape):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gw = gb = None
    if x._requires_grad:
        gx = _crop(_conv(g, w, **attrs), x.shape)
    if w._requires_grad:
        gw = _conv_wgrad(g, x, kernel=tuple(w.shape[2:]), **attrs)
    if b is not None and b._requires_grad:
        gb = g.sum((0,) + tuple(range(2, g.dim())))
    return gx, gw, gb


# -- weight gradient of conv (bilinear in input and output gradient) ---------------------------
@primitive("conv_weight_grad", OTHER, node_name="ConvolutionBackwardBackward0")
def _conv_wgrad(xp, x, g, *, stride, padding, dilation, groups, kernel):
    if _K.use_1x1(groups, kernel, padding):
        return _K.weight_grad_1x1(x, g, stride, (g.shape[1], x.shape[1]) + tuple(kernel))
    f = _K.use_flat(groups, stride, x.shape[2:], kernel, padding, dilation,
                    (g.shape[1], x.shape[1]))
    if f is not None and f.out == tuple(g.shape[2:]):
        return _K.weight_grad_flat(f, x, g, (g.shape[1], x.shape[1]) + tuple(kernel))
    return _weight_grad(xp, x, _nl_major(xp, g, groups, slot="gt"), g.shape[1], g.shape[2:],
                        kernel, stride, padding, dilation, groups)


def _weight_grad(xp, x, gt, O, out, kernel, stride, padding, dilation, groups):
    """Weight gradient from ``x`` and ``gt`` (G, O/G, N*L): im2col, then one GEMM."""
    N, C = x.shape[:2]
    cols = _K.im2col(x, kernel, stride, padding, dilation, out, slot="cols")
    cols = cols.reshape(groups, C // groups * _prod(kernel), N * _prod(out))
    # (K, NL) @ (NL, O) then transpose: OpenBLAS is ~20x slower on the equivalent
    # (O, NL) @ (NL, K) with a transposed right operand (long inner dim, small output)
    gw = _K.gemm_long(cols, gt.swapaxes(1, 2)).swapaxes(1, 2)
    return xp.ascontiguousarray(gw).reshape((O, C // groups) + tuple(kernel))


@_conv_wgrad.defvjp
def _conv_wgrad_vjp(gg, out, x, g, *, stride, padding, dilation, groups, kernel):
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gout = None
    if x._requires_grad:
        gx = _conv_t(g, gg, out_shape=tuple(x.shape[2:]), **attrs)
    if g._requires_grad:
        gout = _crop(_conv(x, gg, **attrs), g.shape)
    return gx, gout


def _crop(t, shape):
    """``t`` cut to ``shape``: a conv of an output-padded transposed conv's output gradient
    (stride 1, dilation > 1) sees trailing rows that map to no input position."""
    if tuple(t.shape) == tuple(shape):
        return t
    return t[(slice(None), slice(None)) + tuple(slice(0, s) for s in shape[2:])]


_prod = _K.prod


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
    nd = len(kernel)
    v = _K.windows(x, kernel, stride, padding, dilation, out)        # (N, C, *out, *k)
    res = xp.empty((N, C) + tuple(kernel) + tuple(out), x.dtype)
    xp.copyto(res, v.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) +
                               tuple(range(2, 2 + nd))))
    return res.reshape(N, C * _prod(kernel), _prod(out))


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
