"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, all/any, std/var, norm.

Front ends resolve ``dim`` (int, tuple, list or None) to sorted non-negative axes and the output
dtype (integer and bool inputs sum to int64, like torch); the kernels see plain NumPy arguments.
Gradients restore the reduced dims (``_unreduce``) and expand, so every rule is shape-exact.
Scans, order statistics, moments and norms (cumsum, cumprod, logsumexp, median, mode,
std/var, norm) live in ``scan.py``.
"""
from __future__ import annotations

import builtins
import sys
import types

from .._backend import CPU
from .._tensor import Tensor
from ._common import dims_arg, to_dtype_arg, wrap_dim
from .elementwise import where
from .registry import REDUCE, apply, expand_to, export, method, primitive, sum_to

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "aminmax",
           "all", "any", "std", "var", "std_mean", "var_mean", "norm", "vector_norm", "nansum",
           "nanmean", "count_nonzero", "return_type", "reduce_axes", "unreduce"]

_xp = CPU.xp
_INT64 = _xp.dtype("int64")
_F32 = _xp.dtype("float32")
_add_reduce = _xp.add.reduce
_ALL_AXES = [tuple(range(n)) for n in range(65)]
inf = float("inf")


# -- torch.return_types ------------------------------------------------------------------------
_RT = types.ModuleType("ember.return_types", "Named tuples returned by ops (torch.return_types).")


def return_type(name: str, fields: tuple):
    """A ``torch.return_types.<name>``-like tuple class with named ``fields``."""
    ns = {"__slots__": (), "_fields": fields, "n_fields": len(fields),
          "n_sequence_fields": len(fields), "n_unnamed_fields": 0,
          "__module__": "ember.return_types"}

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(fields):
            raise TypeError(f"torch.return_types.{name}() takes a {len(fields)}-sequence "
                            f"({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    ns.update(__new__=__new__, __repr__=__repr__, __str__=__repr__, __reduce__=__reduce__)
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (tuple,), ns)
    cls.__qualname__ = name
    setattr(_RT, name, cls)
    return cls


sys.modules.setdefault("ember.return_types", _RT)
if "ember" in sys.modules:
    sys.modules["ember"].return_types = sys.modules["ember.return_types"]
_RT = sys.modules["ember.return_types"]

max_rt = return_type("max", ("values", "indices"))
min_rt = return_type("min", ("values", "indices"))
aminmax_rt = return_type("aminmax", ("min", "max"))


# -- helpers -----------------------------------------------------------------------------------
def reduce_axes(dim, ndim: int) -> tuple:
    """``dim`` as sorted axes; None and an empty list mean all axes (torch's sum/mean rule)."""
    if dim is None or (type(dim) in (tuple, list) and not dim):
        return _ALL_AXES[ndim]
    return dims_arg(dim, ndim)


def unreduce(g: Tensor, shape: tuple, axes: tuple, keepdim: bool) -> Tensor:
    """Give a reduced ``g`` its reduced dims back as size 1 (broadcastable against input)."""
    if keepdim or not axes:
        return g
    kshape = list(shape)
    for a in axes:
        kshape[a] = 1
    return g.reshape(kshape)


def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _is_half(dt) -> bool:
    return dt.itemsize == 2 and dt.kind in "fV"


def _sum_dtype(x: Tensor, dtype):
    """NumPy accumulation dtype for sum/prod/nansum: int64 for integers and bool."""
    if dtype is not None:
        return to_dtype_arg(dtype).np
    if x._data.dtype.kind in "biu":
        return _INT64
    return None


def _np_sum(xp, x, axes, keepdim, dtype, fn=None):
    fn = fn or xp.add.reduce  # np.sum without its Python-level dispatch wrapper
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    if _is_half(x.dtype):  # accumulate in float32, like torch
        return fn(x.astype(_F32), axis=axes, keepdims=keepdim).astype(x.dtype)
    return fn(x, axis=axes, keepdims=keepdim)


def _expand_back(g, x, axes, keepdim):
    return expand_to(unreduce(g, x._data.shape, axes, keepdim), x._data.shape)


# -- sum / nansum ------------------------------------------------------------------------------
def _sum_fwd(xp, x, axes, keepdim, dtype):
    if dtype is None and x.dtype.itemsize != 2:  # no cast and no half-precision accumulation
        return _add_reduce(x, axes, None, None, keepdim)
    return _np_sum(xp, x, axes, keepdim, dtype)


def _sum_vjp(g, out, x, axes, keepdim, dtype):
    shape = x._data.shape
    if g._data.shape == shape:  # nothing was reduced away (e.g. the sum of a 0-d tensor)
        return g
    if not g._data.ndim:  # a full sum: a 0-d gradient broadcasts to any shape as it is
        return expand_to(g, shape)
    return _expand_back(g, x, axes, keepdim)


_sum = primitive("sum", REDUCE, node_name="SumBackward0", saves=False)(_sum_fwd)
_sum.defvjp(_sum_vjp)
_sum_dim = primitive("sum_dim", REDUCE, node_name="SumBackward1", saves=False)(_sum_fwd)
_sum_dim.defvjp(_sum_vjp)


@export("sum")
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (int, tuple or None for all); integer and bool inputs sum to int64.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).sum(0)
        tensor([4, 6])
    """
    d = input._data
    dt = _sum_dtype(input, dtype) if dtype is not None or d.dtype.kind in "biu" else None
    if dim is None:
        res = apply(_sum, input, axes=_ALL_AXES[d.ndim], keepdim=keepdim, dtype=dt)
    else:
        res = apply(_sum_dim, input, axes=reduce_axes(dim, d.ndim), keepdim=keepdim, dtype=dt)
    return res if out is None else _out(res, out)


def _out(res, out):
    if out is None:
        return res
    out.copy_(res)
    return out


@primitive("nansum", REDUCE, node_name="NansumBackward0")
def _nansum(xp, x, axes, keepdim, dtype):
    return _np_sum(xp, x, axes, keepdim, dtype, xp.nansum)


@_nansum.defvjp
def _(g, out, x, axes, keepdim, dtype):
    return _expand_back(g, x, axes, keepdim) * x.eq(x)


@export("nansum")
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero."""
    dt = _sum_dtype(input, dtype)
    return _out(apply(_nansum, input, axes=reduce_axes(dim, input._data.ndim), keepdim=keepdim,
                      dtype=dt), out)


@method("sum_to_size")
def sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (which must be expandable to ``self.shape``)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(s) for s in size)
    shape = self._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or builtins.any(s != 1 and s != shape[i + lead] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    return sum_to(self, size)


# -- mean / nanmean ----------------------------------------------------------------------------
def _mean_fwd(xp, x, axes, keepdim, dtype):
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    n = _count(x.shape, axes)
    half = _is_half(x.dtype)
    s = xp.sum(x.astype(_F32) if half else x, axis=axes, keepdims=keepdim)
    with xp.errstate(invalid="ignore", divide="ignore"):
        r = xp.true_divide(s, n)
    return r.astype(x.dtype) if half else r


def _mean_vjp(g, out, x, axes, keepdim, dtype):
    n = _count(x._data.shape, axes)
    return _expand_back(g / n, x, axes, keepdim)


_mean = primitive("mean", REDUCE, node_name="MeanBackward0", saves=False)(_mean_fwd)
_mean.defvjp(_mean_vjp)
_mean_dim = primitive("mean_dim", REDUCE, node_name="MeanBackward1", saves=False)(_mean_fwd)
_mean_dim.defvjp(_mean_vjp)


@export("mean")
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; floating/complex inputs only (or give ``dtype=``), like torch.

    Example::

        >>> ember.tensor([[1., 2.], [3., 4.]]).mean(1)
        tensor([1.5000, 3.5000])
    """
    d = input._data
    if dtype is not None:
        dt = to_dtype_arg(dtype)
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError(f"mean(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{_dtype_name(dt)}")
        dt = dt.np
    else:
        if d.dtype.kind not in "fcV":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either "
                               f"a floating point or complex dtype. Got: "
                               f"{_dtype_name(input.dtype)}")
        dt = None
    if dim is None:
        res = apply(_mean, input, axes=_ALL_AXES[d.ndim], keepdim=keepdim, dtype=dt)
    else:
        res = apply(_mean_dim, input, axes=reduce_axes(dim, d.ndim), keepdim=keepdim, dtype=dt)
    return _out(res, out)


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
                "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}


def _dtype_name(dt) -> str:
    return _TORCH_NAMES.get(dt.name, dt.name)


@export("nanmean")
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-NaN elements (a composite, like torch: ``nansum / count``)."""
    if dtype is None and input._data.dtype.kind not in "fcV":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_dtype_name(input.dtype)}")
    if dtype is not None:
        input = input.to(to_dtype_arg(dtype))
    cnt = input.eq(input).sum(dim, keepdim)
    return _out(nansum(input, dim, keepdim) / cnt, out)


# -- prod --------------------------------------------------------------------------------------
def _prod_fwd(xp, x, axes, keepdim, dtype):
    return _np_sum(xp, x, axes, keepdim, dtype, xp.prod)


def _prod_vjp(g, out, x, axes, keepdim, dtype):
    # torch's prod_backward: no zero -> out / x; one zero -> product of the others at the zero;
    # two or more zeros -> 0. Written with a zero-free copy so no inf/nan enters the graph.
    gk = unreduce(g, x._data.shape, axes, keepdim)
    zero = x.eq(0)
    xs = x.where(x.ne(0), 1.0)
    p = xs.prod() if len(axes) == x._data.ndim or x._data.ndim == 0 else \
        xs.prod(axes[0], keepdim=True)
    if not bool(zero.any()):
        return gk * p / xs
    cnt = zero.sum(axes, keepdim=True)
    # with one zero, d/dx_i (i not the zero) is x_zero * p / x_i: keep x_zero in the graph so
    # the second derivative is right too (two or more zeros: 0, second order not tracked)
    xz = (x * zero).sum(axes, keepdim=True)
    q = where(cnt.eq(0), 1.0, where(cnt.eq(1), xz, 0.0))
    return gk * (p / xs * q * x.ne(0) + p * (zero * cnt.eq(1)))


_prod = primitive("prod", REDUCE, node_name="ProdBackward0")(_prod_fwd)
_prod.defvjp(_prod_vjp)
_prod_dim = primitive("prod_dim", REDUCE, node_name="ProdBackward1")(_prod_fwd)
_prod_dim.defvjp(_prod_vjp)


@export("prod")
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over all elements or over one ``dim``; integer and bool inputs give int64."""
    d = input._data
    dt = _sum_dtype(input, dtype)
    if dim is None:
        return _out(apply(_prod, input, axes=_ALL_AXES[d.ndim], keepdim=False, dtype=dt), out)
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod() received an invalid combination of arguments - got (tuple), but "
                        "expected one of:\n * (*, torch.dtype dtype = None)\n * (int dim, bool "
                        "keepdim = False, *, torch.dtype dtype = None)\n")
    axes = dims_arg(dim, d.ndim)
    return _out(apply(_prod_dim, input, axes=axes, keepdim=keepdim, dtype=dt), out)


# -- max / min / amax / amin -------------------------------------------------------------------
def _empty_check(name, x, axes, full):
    shape = x._data.shape
    if x._data.size:
        return
    if full:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _evenly_vjp(g, out, x):
    # torch's evenly_distribute_backward: ties share the gradient; a NaN result goes to the NaNs
    v = out.item()
    mask = x.ne(x) if v != v else x.eq(out)
    return mask * (g / mask.sum())


@primitive("max", REDUCE, node_name="MaxBackward1", save_out=True)
def _max_all(xp, x):
    return xp.max(x)


@primitive("min", REDUCE, node_name="MinBackward1", save_out=True)
def _min_all(xp, x):
    return xp.min(x)


_max_all.defvjp(_evenly_vjp)
_min_all.defvjp(_evenly_vjp)


def select_vjp(g, x, idx, axis, keepdim):
    """Gradient of a value-selecting reduction (max/min/median/mode along ``axis``)."""
    shape = x._data.shape
    if not shape:
        return g
    ax = (axis,)
    gk, ik = unreduce(g, shape, ax, keepdim), unreduce(idx, shape, ax, keepdim)
    view = [1] * len(shape)
    view[axis] = shape[axis]
    from .creation import arange
    hit = arange(shape[axis]).reshape(view).eq(ik)
    return gk.where(hit, 0.0) if gk._data.shape == shape else \
        expand_to(gk, shape).where(hit, 0.0)


def _argsel_fwd(fn):
    def fwd(xp, x, axis, keepdim):
        if x.ndim == 0:
            return x.copy(), xp.zeros((), _INT64)
        idx = fn(x, axis=axis, keepdims=True)
        vals = xp.take_along_axis(x, idx, axis)
        if not keepdim:
            vals, idx = vals.squeeze(axis), idx.squeeze(axis)
        return vals, idx
    return fwd


def _sel_vjp(g, out, x, axis, keepdim):
    return select_vjp(g[0], x, out[1], axis, keepdim)


_max_dim = primitive("max_dim", REDUCE, node_name="MaxBackward0", nout=2, save_out=True,
                     diff_outputs=(True, False))(_argsel_fwd(_xp.argmax))
_min_dim = primitive("min_dim", REDUCE, node_name="MinBackward0", nout=2, save_out=True,
                     diff_outputs=(True, False))(_argsel_fwd(_xp.argmin))
_max_dim.defvjp(_sel_vjp)
_min_dim.defvjp(_sel_vjp)


def _minmax(name, full_op, dim_op, rt, pair):
    def fn(input, dim=None, keepdim=False, *, out=None, other=None):
        if isinstance(dim, Tensor) or other is not None:
            return getattr(input, pair)(dim if other is None else other)
        if dim is None:
            _empty_check(name, input, (), True)
            return full_op(input)
        d = input._data
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"(tuple), but expected one of:\n * ()\n * (int dim, bool keepdim = "
                            f"False)\n * (Tensor other)\n")
        axis = wrap_dim(dim, d.ndim)
        _empty_check(name, input, (axis,) if d.ndim else (), False)
        return rt(apply(dim_op, input, axis=axis, keepdim=keepdim))
    fn.__name__ = name
    fn.__doc__ = (f"``{name}(input)``: the {name}imum element; ``{name}(input, dim, keepdim)``: "
                  f"``(values, indices)``; ``{name}(input, other)``: ``{pair}``.\n\n"
                  f"    Example::\n\n        >>> ember.tensor([[1., 5.], [4., 2.]]).{name}(1)"
                  f".indices\n        tensor([{'1, 0' if name == 'max' else '0, 1'}])\n")
    return fn


max = export("max")(_minmax("max", _max_all, _max_dim, max_rt, "maximum"))
min = export("min")(_minmax("min", _min_all, _min_dim, min_rt, "minimum"))


def _amax_vjp(g, out, x, axes, keepdim):
    # torch's scale_grad_by_count: ties share the gradient evenly
    shape = x._data.shape
    mask = x.eq(unreduce(out, shape, axes, keepdim))
    return (unreduce(g, shape, axes, keepdim) / mask.sum(axes, keepdim=True)) * mask


@primitive("amax", REDUCE, node_name="AmaxBackward0", save_out=True)
def _amax(xp, x, axes, keepdim):
    return xp.amax(x, axis=axes, keepdims=keepdim)


@primitive("amin", REDUCE, node_name="AminBackward0", save_out=True)
def _amin(xp, x, axes, keepdim):
    return xp.amin(x, axis=axes, keepdims=keepdim)


_amax.defvjp(_amax_vjp)
_amin.defvjp(_amax_vjp)


def _amaxmin(name, op):
    def fn(input, dim=(), keepdim=False, *, out=None):
        d = input._data
        axes = reduce_axes(dim, d.ndim)
        _empty_check(name, input, axes, dim is None or (type(dim) in (tuple, list) and not dim))
        return _out(apply(op, input, axes=axes, keepdim=keepdim), out)
    fn.__name__ = name
    fn.__doc__ = f"{name} over ``dim`` (all dims by default); ties share the gradient evenly."
    return fn


amax = export("amax")(_amaxmin("amax", _amax))
amin = export("amin")(_amaxmin("amin", _amin))


@export("aminmax")
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` as ``torch.return_types.aminmax``."""
    d = input._data
    if dim is None:
        if not d.size:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        axes = _ALL_AXES[d.ndim]
    else:
        axes = dims_arg(dim, d.ndim)
        _empty_check("aminmax", input, axes, False)
    return aminmax_rt((apply(_amin, input, axes=axes, keepdim=keepdim),
                       apply(_amax, input, axes=axes, keepdim=keepdim)))


# -- argmax / argmin ---------------------------------------------------------------------------
def _argfwd(fn):
    def fwd(xp, x, axis, keepdim):
        if axis is None:
            r = fn(x)
            return xp.full((1,) * x.ndim, r, _INT64) if keepdim else xp.asarray(r, _INT64)
        if x.ndim == 0:
            return xp.zeros((), _INT64)
        return fn(x, axis=axis, keepdims=keepdim).astype(_INT64, copy=False)
    return fwd


_argmax = primitive("argmax", REDUCE)(_argfwd(_xp.argmax))
_argmin = primitive("argmin", REDUCE)(_argfwd(_xp.argmin))


def _argmaxmin(name, op):
    def fn(input, dim=None, keepdim=False, *, out=None):
        d = input._data
        if dim is None:
            if not d.size:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0.")
            return _out(apply(op, input, axis=None, keepdim=keepdim), out)
        axis = wrap_dim(dim, d.ndim)
        _empty_check(name, input, (axis,) if d.ndim else (), False)
        return _out(apply(op, input, axis=axis, keepdim=keepdim), out)
    fn.__name__ = name
    fn.__doc__ = f"Index of the first {name[3:]}imum (over the flattened input when dim is None)."
    return fn


argmax = export("argmax")(_argmaxmin("argmax", _argmax))
argmin = export("argmin")(_argmaxmin("argmin", _argmin))


# -- all / any / count_nonzero -----------------------------------------------------------------
def _logical_fwd(fn):
    def fwd(xp, x, axes, keepdim):
        r = fn(x, axis=axes, keepdims=keepdim)
        return r.astype(x.dtype) if x.dtype == _xp.uint8 else r
    return fwd


_all = primitive("all", REDUCE)(_logical_fwd(_xp.all))
_any = primitive("any", REDUCE)(_logical_fwd(_xp.any))


def _logical(name, op):
    def fn(input, dim=None, keepdim=False, *, out=None):
        d = input._data
        # NOTE: torch's all/any treat an empty dim tuple as "no reduction" (unlike sum)
        axes = _ALL_AXES[d.ndim] if dim is None else dims_arg(dim, d.ndim)
        return _out(apply(op, input, axes=axes, keepdim=keepdim), out)
    fn.__name__ = name
    fn.__doc__ = f"Logical {name} over ``dim``; bool result (uint8 for uint8 input, like torch)."
    return fn


all = export("all")(_logical("all", _all))
any = export("any")(_logical("any", _any))


@primitive("count_nonzero", REDUCE)
def _count_nonzero(xp, x, axes):
    return xp.asarray(xp.count_nonzero(x, axis=axes), _INT64)


@export("count_nonzero")
def count_nonzero(input, dim=None):
    """Number of non-zero elements over ``dim`` (int64)."""
    return apply(_count_nonzero, input, axes=reduce_axes(dim, input._data.ndim))


# the rest of the family: scans, order statistics, moments, norms
from .scan import norm, std, std_mean, var, var_mean, vector_norm  # noqa: E402,F401
