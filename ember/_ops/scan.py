"""Scans, order statistics, moments and norms: cumsum, cumprod, logsumexp, median, nanmedian,
mode, std/var (+ std_mean/var_mean) and norm.

Imported by ``reduction.py`` (the family's entry point). ``median``/``mode`` with a dim return
``torch.return_types`` tuples whose gradient goes to the selected index (``select_vjp``).
"""
from __future__ import annotations

from .. import _dtype
import builtins
import warnings

from .._backend import CPU
from ._common import to_dtype_arg, wrap_dim
from .elementwise import where
from .reduction import (_F32, _INT64, _count, _dtype_name, _empty_check, _evenly_vjp,
                        _is_half, _mean_dim, _out, _sum_dtype, reduce_axes, return_type,
                        select_vjp, unreduce)
from .registry import OTHER, REDUCE, apply, export, primitive

__all__ = ["cumsum", "cumprod", "logsumexp", "median", "nanmedian", "mode", "std", "var",
           "std_mean", "var_mean", "norm", "vector_norm"]

_xp = CPU.xp
inf = float("inf")
median_rt = return_type("median", ("values", "indices"))
nanmedian_rt = return_type("nanmedian", ("values", "indices"))
mode_rt = return_type("mode", ("values", "indices"))


# -- cumsum / cumprod --------------------------------------------------------------------------
def _scan(xp, fn, x, dim, dtype, reverse):
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    if x.ndim == 0:
        return x.copy()
    half = _is_half(x.dtype)
    src = x.astype(_F32) if half else x
    if reverse:
        src = xp.flip(src, dim)
    r = fn(src, axis=dim)
    if reverse:
        r = xp.ascontiguousarray(xp.flip(r, dim))
    return r.astype(x.dtype) if half else r


@primitive("cumsum", OTHER, node_name="CumsumBackward0", saves=False)
def _cumsum(xp, x, dim, dtype, reverse):
    return _scan(xp, xp.cumsum, x, dim, dtype, reverse)


@_cumsum.defvjp
def _(g, out, x, dim, dtype, reverse):
    return apply(_cumsum, g, dim=dim, dtype=None, reverse=not reverse)


def _rcumsum(g, dim):
    return apply(_cumsum, g, dim=dim, dtype=None, reverse=True)


@export("cumsum", inplace="cumsum_", inplace_copies=False)
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; integer and bool inputs give int64.

    Example::

        >>> ember.tensor([1, 2, 3]).cumsum(0)
        tensor([1, 3, 6])
    """
    dim = wrap_dim(dim, input._data.ndim)
    return _out(apply(_cumsum, input, dim=dim, dtype=_sum_dtype(input, dtype), reverse=False),
                out)


@primitive("cumprod", OTHER, node_name="CumprodBackward0", save_out=True)
def _cumprod(xp, x, dim, dtype):
    return _scan(xp, xp.cumprod, x, dim, dtype, False)


@_cumprod.defvjp
def _(g, out, x, dim, dtype):
    # torch's cumprod_backward: (reverse cumsum of g * out) / x where x != 0; the first zero of
    # each slice gets the reverse cumsum of g times the cumprod with that zero replaced by 1.
    if not x._data.ndim:
        return g
    nz = x.ne(0)
    a = _rcumsum(g * out, dim) / x.where(nz, 1.0)
    zero = x.eq(0)
    if not bool(zero.any()):
        return a
    # NOTE: exact first and second order with one zero per slice; with two or more zeros the
    # second derivative misses the terms through the later zeros.
    a = a * nz
    first = zero * zero.cumsum(dim).eq(1)
    cp = where(first, 1.0, x).cumprod(dim)
    return a + _rcumsum(g * cp, dim) * first


@export("cumprod", inplace="cumprod_")
def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim`` (gradient correct with zeros, like torch)."""
    dim = wrap_dim(dim, input._data.ndim)
    return _out(apply(_cumprod, input, dim=dim, dtype=_sum_dtype(input, dtype)), out)


# -- logsumexp ---------------------------------------------------------------------------------
@primitive("logsumexp", REDUCE, node_name="LogsumexpBackward0", save_out=True)
def _logsumexp(xp, x, axes, keepdim):
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if x.size == 0:
            return xp.log(xp.sum(xp.exp(x), axis=axes, keepdims=keepdim))
        m = xp.amax(x, axis=axes, keepdims=True)
        m = xp.where(xp.isinf(m), 0, m)  # all -inf (or an inf) rows: no shift, like torch
        r = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
    return r if keepdim else r.squeeze(axes)


@_logsumexp.defvjp
def _(g, out, x, axes, keepdim):
    shape = x._data.shape
    return unreduce(g, shape, axes, keepdim) * (x - unreduce(out, shape, axes, keepdim)).exp()


@export("logsumexp")
def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input), dim))`` computed stably (the max is subtracted first).

    Example::

        >>> ember.tensor([0., 0.]).logsumexp(0)
        tensor(0.6931)
    """
    if input._data.dtype.kind not in "fcV":
        input = input.to(_dtype.get_default_dtype())
    axes = reduce_axes(dim, input._data.ndim)
    return _out(apply(_logsumexp, input, axes=axes, keepdim=keepdim), out)


# -- median / nanmedian ------------------------------------------------------------------------
def _median_flat(xp, x, ignore_nan):
    f = x.reshape(-1)
    isf = f.dtype.kind in "fc"
    if isf:
        nan = xp.isnan(f)
        if ignore_nan:
            f = f[~nan]
        elif nan.any():
            return xp.asarray(xp.nan, x.dtype)
    if f.size == 0:
        return xp.asarray(xp.nan if isf else 0, x.dtype)
    k = (f.size - 1) // 2
    return xp.partition(f, k)[k]


@primitive("median", REDUCE, node_name="MedianBackward0", save_out=True)
def _median_all(xp, x):
    return _median_flat(xp, x, False)


@primitive("nanmedian", REDUCE, node_name="NanmedianBackward0", save_out=True)
def _nanmedian_all(xp, x):
    return _median_flat(xp, x, True)


_median_all.defvjp(_evenly_vjp)
_nanmedian_all.defvjp(_evenly_vjp)


def _median_dim_fwd(ignore_nan):
    def fwd(xp, x, axis, keepdim):
        if x.ndim == 0:
            return x.copy(), xp.zeros((), _INT64)
        n = x.shape[axis]
        order = xp.argsort(x, axis=axis, kind="stable")  # NaNs sort last
        if x.dtype.kind in "fc":
            nnan = xp.isnan(x).sum(axis=axis, keepdims=True)
            if ignore_nan:
                k = xp.maximum(n - nnan - 1, 0) // 2
            else:  # a NaN in the slice wins: the first NaN
                k = xp.where(nnan > 0, n - nnan, (n - 1) // 2)
        else:
            k = xp.full([1 if i == axis else s for i, s in enumerate(x.shape)], (n - 1) // 2,
                        _INT64)
        idx = xp.take_along_axis(order, k.astype(_INT64), axis)
        vals = xp.take_along_axis(x, idx, axis)
        if not keepdim:
            vals, idx = vals.squeeze(axis), idx.squeeze(axis)
        return vals, idx.astype(_INT64, copy=False)
    return fwd


def _sel_vjp(g, out, x, axis, keepdim):
    return select_vjp(g[0], x, out[1], axis, keepdim)


_median_dim = primitive("median_dim", REDUCE, node_name="MedianBackward1", nout=2,
                        save_out=True, diff_outputs=(True, False))(_median_dim_fwd(False))
_nanmedian_dim = primitive("nanmedian_dim", REDUCE, node_name="NanmedianBackward1", nout=2,
                           save_out=True, diff_outputs=(True, False))(_median_dim_fwd(True))
_median_dim.defvjp(_sel_vjp)
_nanmedian_dim.defvjp(_sel_vjp)


def _median_like(name, all_op, dim_op, rt):
    def fn(input, dim=None, keepdim=False, *, out=None):
        if dim is None:
            return all_op(input)
        d = input._data
        axis = wrap_dim(dim, d.ndim)
        _empty_check(name, input, (axis,) if d.ndim else (), False)
        return rt(apply(dim_op, input, axis=axis, keepdim=keepdim))
    fn.__name__ = name
    fn.__doc__ = (f"Lower {name} of all elements, or ``(values, indices)`` along ``dim``"
                  f"{' ignoring NaNs' if name == 'nanmedian' else ' (NaN wins, like torch)'}.")
    return fn


median = export("median")(_median_like("median", _median_all, _median_dim, median_rt))
nanmedian = export("nanmedian")(_median_like("nanmedian", _nanmedian_all, _nanmedian_dim,
                                             nanmedian_rt))


# -- mode --------------------------------------------------------------------------------------
@primitive("mode", REDUCE, node_name="ModeBackward0", nout=2, save_out=True,
           diff_outputs=(True, False))
def _mode(xp, x, axis, keepdim):
    if x.ndim == 0:
        return x.copy(), xp.zeros((), _INT64)
    xm = xp.moveaxis(x, axis, -1)
    lead, n = xm.shape[:-1], xm.shape[-1]
    rows = xm.reshape(-1, n)
    m = rows.shape[0]
    if m == 0:
        vals, idx = xp.empty(lead, x.dtype), xp.empty(lead, _INT64)
    else:
        s = xp.sort(rows, axis=1)
        start = xp.ones((m, n), bool)
        start[:, 1:] = s[:, 1:] != s[:, :-1]
        run = xp.cumsum(start, axis=1) - 1
        counts = xp.bincount((xp.arange(m)[:, None] * n + run).ravel(),
                             minlength=m * n).reshape(m, n)
        best = xp.argmax(counts, axis=1)  # the first (smallest) most frequent value
        pos = xp.argmax(run == best[:, None], axis=1)
        v = s[xp.arange(m), pos]
        idx = n - 1 - xp.argmax((rows == v[:, None])[:, ::-1], axis=1)  # its last occurrence
        vals, idx = v.reshape(lead), idx.astype(_INT64).reshape(lead)
    if keepdim:
        vals, idx = xp.expand_dims(vals, axis), xp.expand_dims(idx, axis)
    return vals, idx


_mode.defvjp(_sel_vjp)


@export("mode")
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (smallest on ties) and its last index."""
    d = input._data
    axis = wrap_dim(dim, d.ndim)
    _empty_check("mode", input, (axis,) if d.ndim else (), False)
    return mode_rt(apply(_mode, input, axis=axis, keepdim=keepdim))


# -- var / std ---------------------------------------------------------------------------------
def _var_fwd(xp, x, axes, correction, keepdim):
    n = _count(x.shape, axes)
    half = _is_half(x.dtype)
    xf = x.astype(_F32) if half else x
    with xp.errstate(invalid="ignore", divide="ignore"):
        m = xp.sum(xf, axis=axes, keepdims=True) / n if n else xp.sum(xf, axis=axes,
                                                                       keepdims=True)
        dev = xf - m
        sq = (dev.real * dev.real + dev.imag * dev.imag) if dev.dtype.kind == "c" else dev * dev
        r = xp.true_divide(xp.sum(sq, axis=axes, keepdims=keepdim), builtins.max(n - correction,
                                                                                 0))
    return r.astype(x.dtype) if half else r


def _var_grad(g, x, axes, correction, keepdim):
    n = _count(x._data.shape, axes)
    gk = unreduce(g, x._data.shape, axes, keepdim)
    dev = x - x.mean(axes, keepdim=True)
    # NOTE: like torch, the backward divides by the unclamped n - correction
    return gk * dev * (2.0 / (n - correction) if n != correction else inf)


@primitive("var", REDUCE, node_name="VarBackward0")
def _var(xp, x, axes, correction, keepdim):
    return _var_fwd(xp, x, axes, correction, keepdim)


@_var.defvjp
def _(g, out, x, axes, correction, keepdim):
    return _var_grad(g, x, axes, correction, keepdim)


@primitive("std", REDUCE, node_name="StdBackward0", save_out=True)
def _std(xp, x, axes, correction, keepdim):
    return xp.sqrt(_var_fwd(xp, x, axes, correction, keepdim))


@_std.defvjp
def _(g, out, x, axes, correction, keepdim):
    # torch's std_backward: grad / (2 std), with 0 where std == 0
    nz = out.ne(0)
    return _var_grad((g / (2 * out.where(nz, 1.0))).where(nz, 0.0), x, axes, correction, keepdim)


def _var_args(name, input, dim, unbiased, correction):
    if isinstance(dim, bool):  # the std(input, unbiased) overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"(correction=..., unbiased=...)")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._data.dtype.kind not in "fcV":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    d = input._data
    axes = reduce_axes(dim, d.ndim)
    if _count(d.shape, axes) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      f"than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return axes, correction


def _var_like(name, op):
    def fn(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        axes, corr = _var_args(name, input, dim, unbiased, correction)
        return _out(apply(op, input, axes=axes, correction=corr, keepdim=keepdim), out)
    fn.__name__ = name
    fn.__doc__ = (f"{name} over ``dim`` with ``correction`` (default 1; ``unbiased=False`` "
                  f"means 0), as torch's overloads.")
    return fn


var = export("var")(_var_like("var", _var))
std = export("std")(_var_like("std", _std))


def _var_mean_like(name, op):
    def fn(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        axes, corr = _var_args(name, input, dim, unbiased, correction)
        return (apply(op, input, axes=axes, correction=corr, keepdim=keepdim),
                apply(_mean_dim, input, axes=axes, keepdim=keepdim, dtype=None))
    fn.__name__ = name
    fn.__doc__ = f"``({name.split('_')[0]}, mean)`` over ``dim`` (a tuple, like torch)."
    return fn


std_mean = export("std_mean", method=False)(_var_mean_like("std_mean", _std))
var_mean = export("var_mean", method=False)(_var_mean_like("var_mean", _var))


# -- norm --------------------------------------------------------------------------------------
@primitive("vector_norm", REDUCE, node_name="LinalgVectorNormBackward0", save_out=True)
def _vector_norm(xp, x, ord, axes, keepdim):
    if ord == 2 and x.dtype.kind == "f":
        if len(axes) == x.ndim and not keepdim and x.dtype.itemsize >= 4:
            f = x.reshape(-1)
            return xp.sqrt(xp.dot(f, f))  # BLAS
        return xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdim))
    a = xp.abs(x)
    if ord == 2:
        return xp.sqrt(xp.sum(a * a, axis=axes, keepdims=keepdim))
    if ord == inf:
        return xp.amax(a, axis=axes, keepdims=keepdim)
    if ord == -inf:
        return xp.amin(a, axis=axes, keepdims=keepdim)
    if ord == 0:
        return xp.sum(a != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
    if ord == 1:
        return xp.sum(a, axis=axes, keepdims=keepdim)
    p = a.dtype.type(ord)
    with xp.errstate(divide="ignore", over="ignore"):
        return xp.power(xp.sum(xp.power(a, p), axis=axes, keepdims=keepdim), 1 / p)


@_vector_norm.defvjp
def _(g, out, x, ord, axes, keepdim):
    return _norm_vjp(g, out, x, ord, axes, keepdim)


def _norm_vjp(g, out, x, ord, axes, keepdim):
    """torch's norm_backward for the vector norms."""
    shape = x._data.shape
    gk, ok = unreduce(g, shape, axes, keepdim), unreduce(out, shape, axes, keepdim)
    if ord == 0:
        return x * 0
    if ord == 1:
        return gk * x.sgn()
    nz = ok.ne(0)
    if ord == 2:
        return (gk / ok.where(nz, 1.0)).where(nz, 0.0) * x
    if ord in (inf, -inf):
        mask = x.abs().eq(ok)
        cnt = mask.sum(axes, keepdim=True)
        return x.sgn() * mask * (gk / cnt.where(cnt.ne(0), 1))  # NaN norm: 0 (torch)
    xnz = x.ne(0)
    if ord < 2:
        scaled = x.sgn() * x.abs().where(xnz, 1.0) ** (ord - 1)
        scaled = scaled.where(xnz, 0.0) if ord < 1 else scaled * xnz
    else:
        scaled = x * x.abs() ** (ord - 2)
    return scaled * (gk / ok.where(nz, 1.0) ** (ord - 1)).where(nz, 0.0)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``linalg.vector_norm`` (shared with the linalg family)."""
    if dtype is not None:
        x = x.to(to_dtype_arg(dtype))
    d = x._data
    if d.dtype.kind not in "fcV":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype_name(x.dtype)}")
    if isinstance(dim, int):
        dim = (dim,)
    axes = reduce_axes(dim, d.ndim)
    ord = float(ord)
    if ord < 0 or ord == inf:
        if not d.size and (dim is None or builtins.any(d.shape[a] == 0 for a in axes)):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty "
                               f"tensor because the operation does not have an identity")
    return apply(_vector_norm, x, ord=ord, axes=axes, keepdim=keepdim)



@export("norm")
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: vector p-norms (``'fro'`` = 2) over ``dim``; ``'nuc'`` goes to linalg.

    Example::

        >>> ember.tensor([3., 4.]).norm()
        tensor(5.)
    """
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return _out(vector_norm(input, 2, dim, keepdim, dtype=dtype), out)
        try:
            from .. import linalg  # late: the linalg family owns matrix norms
        except ImportError:
            raise RuntimeError(f"norm(p={p!r}) needs ember.linalg.matrix_norm") from None
        if dim is None:
            dim = list(range(input._data.ndim))
        return _out(linalg.matrix_norm(input, p, dim, keepdim, dtype=dtype), out)
    return _out(vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype), out)
