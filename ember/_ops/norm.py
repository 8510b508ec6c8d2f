"""Normalization primitives: batch norm (training statistics), layer norm and group norm.

Promoted from composites for speed and memory (DESIGN §3): each forward is one kernel that
returns the output plus the statistics torch saves (``native_batch_norm``/``native_layer_norm``/
``native_group_norm``), and each first-order backward is one fused kernel on those saved
statistics (the standard closed forms, the same as torch's ``*_backward`` kernels). Under
``create_graph=True`` the rules instead write the same closed form in ember ops with the
statistics recomputed differentiably from the input, so double backward works.

Eval-mode batch norm is the per-channel affine ``x * (w * invstd) + (b - mean * w * invstd)``
(torch's CPU transform): a composite when gradients are needed, else one multiply and one
in-place add on arrays. Float32 stays float32; per-row/per-channel sums and dots go through
BLAS matrix-vector products and ``einsum`` (``_norm_kernels.py``; torch accumulates in double
on CPU: the differences are at float32 rounding).
"""
from __future__ import annotations

import math

from .. import _dtype
from .._backend import CPU, fast
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE, no_grad
from ._norm_kernels import (_colsum, _empty, _fast, _mv, _ncdot, _ncl, _nldot, _nlsum,
                            _per_channel, _rowdot, _rowmean, _vm)
from .registry import OTHER, export, primitive

__all__ = ["batch_norm", "native_batch_norm", "layer_norm", "native_layer_norm", "group_norm",
           "native_group_norm", "instance_norm", "rms_norm", "publish"]

xp = CPU.xp
_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool"}


def publish(fn, *names):
    """``export`` a torch top-level function (``ember.<name>``), not a Tensor method."""
    return export(*names, method=False)(fn)


def _float_only(x: Tensor, kernel: str) -> None:
    if x._data.dtype.kind not in "fc" and x._data.dtype.name != "bfloat16":
        name = _NAMES.get(x._data.dtype.name, x._data.dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _same_dtype(x: Tensor, *others) -> None:
    for t in others:
        if t is not None and t._data.dtype != x._data.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _opt(*ts):
    """The present optional tensors, and which ones are present."""
    return tuple(t for t in ts if t is not None), tuple(t is not None for t in ts)


def _none_if_empty(t, need):
    return t if need else None


# -- batch norm: training statistics -------------------------------------------------------------
@primitive("native_batch_norm", OTHER, node_name="NativeBatchNormBackward0", nout=3,
           save_out=True, diff_outputs=(True, False, False))
def _bn_train(xp, x, *wb, eps, has):
    """``(out, mean, biased var)`` per channel of ``x`` (N, C, *)."""
    w = wb[0] if has[0] else None
    b = wb[-1] if has[1] else None
    N = x.shape[0]
    x3 = _ncl(x)
    if _bn_fast(x3, x, *wb):
        from ._fast import norm as k  # fused, parallel over (n, c) blocks
        out, mean, var = k.bn_train(x3, w, b, eps)
        return out.reshape(x.shape), mean, var
    n = N * x3.shape[2]
    with xp.errstate(invalid="ignore", divide="ignore"):
        mean = _nlsum(x3).sum(axis=0) / n
        xc = x3 - mean[:, None]
        var = _ncdot(xc, xc) / n
        scale = 1 / xp.sqrt(var + eps)
    if w is not None:
        scale = scale * w
    xc *= scale[:, None]
    if b is not None:
        xc += b[:, None]
    return xc.reshape(x.shape), mean, var


@primitive("native_batch_norm_backward", OTHER, nout=3)
def _bn_bwd(xp, g, x, mean, var, *w, eps, mask):
    """Fused first-order batch-norm backward ``(grad_input, grad_weight, grad_bias)`` as torch's
    kernel: ``gx = a*g + k*(x - mean) + c`` per channel with ``a = w*invstd``,
    ``k = -a*invstd^2*dot/n``, ``c = -a*sum_g/n``, ``dot = sum g*(x - mean)`` (centered, so
    large means don't cancel)."""
    N = x.shape[0]
    x3, g3 = _ncl(x), _ncl(g)
    if g.shape == x.shape and _bn_fast(x3, x, g, mean, var, *w):
        from ._fast import norm as k  # fused, parallel over (n, c) blocks
        gx, gw, gb = k.bn_backward(g3, x3, mean, var, w[0] if w else None, eps, mask[0])
        e = _empty(x3)
        return (gx.reshape(x.shape) if mask[0] else e), (gw if mask[1] else e), \
            (gb if mask[2] else e)
    n = N * x3.shape[2]
    with xp.errstate(invalid="ignore", divide="ignore"):
        return _bn_bwd_kernel(g3, x3, mean, var, w[0] if w else None, eps, mask, n, x.shape)


def _bn_fast(x3, *arrays):
    """Whether batch norm takes the Numba kernels: their rows are the (n, c) blocks of
    ``L = H*W`` elements, slower than the NumPy path below 8 (e.g. ``BatchNorm1d`` on (N, C)),
    except when forced (``fast.forced`` sets ``MIN_SIZE = 0``: the sweep covers them)."""
    return bool(fast.ENABLED and x3.size and (x3.shape[2] >= 8 or fast.MIN_SIZE == 0)
                and fast.use(xp, *arrays))


def _bn_bwd_kernel(g3, x3, mean, var, w, eps, mask, n, shape):
    invstd = 1 / xp.sqrt(var + eps)
    sum_g = _nlsum(g3).sum(axis=0)
    gx = gw = gb = _empty(x3)
    if mask[0] or mask[1]:
        xc = x3 - mean[:, None]
        dot = _ncdot(g3, xc)
    if mask[0]:
        a = invstd * w if w is not None else invstd
        k = -a * invstd * invstd * dot / n
        xc *= k[:, None]
        gx = g3 * a[:, None]
        gx += xc
        gx += (-a * sum_g / n)[:, None]
        gx = gx.reshape(shape)
    if mask[1]:
        gw = dot * invstd
    if mask[2]:
        gb = sum_g
    return gx, gw, gb


def _needs(x, wb, has):
    w = wb[0] if has[0] else None
    b = wb[-1] if has[1] else None
    return w, b, (x._requires_grad, w is not None and w._requires_grad,
                  b is not None and b._requires_grad)


def _split(grads, has, mask):
    gx, gw, gb = grads
    out = [gx if mask[0] else None]
    if has[0]:
        out.append(gw if mask[1] else None)
    if has[1]:
        out.append(gb if mask[2] else None)
    return tuple(out)


@_bn_train.defvjp
def _bn_train_vjp(g, out, x, *wb, eps, has):
    w, b, mask = _needs(x, wb, has)
    if not STATE.enabled:  # first order: one fused kernel on the saved statistics
        ws = (w,) if w is not None else ()
        return _split(_bn_bwd(g[0], x, out[1], out[2], *ws, eps=eps, mask=mask), has, mask)
    N, C = x.shape[0], x.shape[1]
    L = math.prod(x.shape[2:])
    x3, g3 = x.reshape(N, C, L), g[0].reshape(N, C, L)
    grads = _norm_grads(g3, x3, (0, 2), eps, None if w is None else w.reshape(1, C, 1), (0, 2))
    return _split((grads[0].reshape(x.shape), grads[1], grads[2]), has, mask)


def _norm_grads(g, x, dims, eps, w, affine_dims):
    """The closed-form normalization backward in ember ops (differentiable, for create_graph)."""
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    invstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    xhat = xc * invstd
    gxhat = g * w if w is not None else g
    gx = invstd * (gxhat - gxhat.mean(dims, keepdim=True)
                   - xhat * (gxhat * xhat).mean(dims, keepdim=True))
    return gx, (g * xhat).sum(affine_dims), g.sum(affine_dims)


def _check_bn(input, weight, bias, running_mean, running_var):
    if input.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[-{max(input.dim(), 1)}, {max(input.dim(), 1) - 1}], but got 1)")
    _float_only(input, "batch_norm")
    C = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
    _same_dtype(input, weight, bias)
    if input._data.dtype.name in ("float32", "float64"):
        _same_dtype(input, running_mean, running_var)


def _update_running(t: Tensor, new) -> None:
    """Write ``new`` into a running-statistics buffer in place (no graph, version bump)."""
    t._data[...] = new.reshape(t._data.shape)
    t._version_box[0] += 1


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """``(out, save_mean, save_invstd)`` (``torch.native_batch_norm``); updates running stats."""
    _check_bn(input, weight, bias, running_mean, running_var)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        out = _bn_eval(input, weight, bias, running_mean, running_var, eps)
        return out, _make(xp.empty(0, input._data.dtype)), _make(xp.empty(0, input._data.dtype))
    opt, has = _opt(weight, bias)
    out, mean, var = _bn_train(input, *opt, eps=float(eps), has=has)
    n = input.numel() // max(input.shape[1], 1)
    if n > 0 and (running_mean is not None or running_var is not None):
        m = float(momentum)
        with xp.errstate(invalid="ignore", divide="ignore"):
            if running_mean is not None:
                _update_running(running_mean, (m * mean._data.astype(xp.float64) +
                                               (1 - m) * running_mean._data).astype(
                                                   running_mean._data.dtype))
            if running_var is not None:
                unbiased = var._data.astype(xp.float64) * n / (n - 1) if n > 1 else \
                    xp.full(var._data.shape, xp.nan)
                _update_running(running_var, (m * unbiased + (1 - m) * running_var._data)
                                .astype(running_var._data.dtype))
    with xp.errstate(divide="ignore"):
        invstd = _make(1 / xp.sqrt(var._data + eps))
    return out, mean, invstd


def _bn_eval(input, weight, bias, running_mean, running_var, eps):
    x = input._data
    if x.dtype.type in (xp.float32, xp.float64) and not (STATE.enabled and (
            input._requires_grad or (weight is not None and weight._requires_grad) or
            (bias is not None and bias._requires_grad))) and all(
            t is None or t._data.dtype == x.dtype
            for t in (weight, bias, running_mean, running_var)):
        return _make(_bn_eval_kernel(x, weight, bias, running_mean._data, running_var._data,
                                     eps))
    C = input.shape[1]
    shape = (1, C) + (1,) * (input.dim() - 2)
    invstd = (running_var.detach() + eps).rsqrt()
    scale = invstd * weight if weight is not None else invstd
    shift = -running_mean.detach() * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def _bn_eval_kernel(x, weight, bias, mean, var, eps):
    """No-grad eval batch norm on arrays: one multiply and one in-place add per element."""
    with xp.errstate(invalid="ignore", divide="ignore"):
        scale = 1 / xp.sqrt(var.reshape(-1) + eps)
    if weight is not None:
        scale *= weight._data.reshape(-1)
    shift = mean.reshape(-1) * -scale
    if bias is not None:
        shift += bias._data.reshape(-1)
    x3 = _ncl(x)
    if _bn_fast(x3, x, scale, shift):
        from ._fast import norm as k  # the same multiply-add, parallel over (n, c) rows
        return k.bn_eval(x3, scale, shift).reshape(x.shape)
    out = x3 * scale[:, None]
    out += shift[:, None]
    return out.reshape(x.shape)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    """Batch normalization (``torch.batch_norm``; ``F.batch_norm`` adds its checks).

    Training: normalize with the biased batch variance, update ``running_var`` with the
    unbiased one. Eval: use the running statistics.

    Example::

        >>> ember.batch_norm(ember.randn(4, 3), None, None, None, None, True, 0.1, 1e-5,
        ...                  False).shape
        torch.Size([4, 3])
    """
    return native_batch_norm(input, weight, bias, running_mean, running_var, training,
                             momentum, eps)[0]


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled=True):
    """Instance normalization (``torch.instance_norm``): batch norm over ``(1, N*C, *)``.

    Example::

        >>> ember.instance_norm(ember.randn(2, 3, 5), None, None, None, None, True, 0.1,
        ...                     1e-5, False).shape
        torch.Size([2, 3, 5])
    """
    N, C = input.shape[0], input.shape[1]
    shape = (1, N * C) + tuple(input.shape[2:])
    rep = (lambda t: t.repeat(N) if t is not None else None)
    rm, rv = rep(running_mean), rep(running_var)
    out = batch_norm(input.contiguous().reshape(shape), rep(weight), rep(bias), rm, rv,
                     use_input_stats, momentum, eps)
    with no_grad():
        if running_mean is not None:
            _update_running(running_mean, rm.reshape(N, C).mean(0)._data)
        if running_var is not None:
            _update_running(running_var, rv.reshape(N, C).mean(0)._data)
    return out.reshape(input.shape)


# -- layer norm ---------------------------------------------------------------------------------
@primitive("native_layer_norm", OTHER, node_name="NativeLayerNormBackward0", nout=3,
           save_out=True, diff_outputs=(True, False, False))
def _ln(xp, x, *wb, k, eps, has, stat_shape):
    """``(out, mean, rstd)`` over the trailing ``k`` elements of each row."""
    w = wb[0] if has[0] else None
    b = wb[-1] if has[1] else None
    x2 = x.reshape(math.prod(stat_shape), k)
    if fast.ENABLED and x.size and fast.use(xp, x, *wb):
        from ._fast import norm as kern  # fused, parallel over rows
        out, mean, rstd = kern.ln_forward(x2, w, b, eps)
        return out.reshape(x.shape), mean.reshape(stat_shape), rstd.reshape(stat_shape)
    with xp.errstate(invalid="ignore", divide="ignore"):
        mean = _rowmean(x2) if k else xp.full(x2.shape[0], xp.nan, x.dtype)
        xc = x2 - mean[:, None]
        var = _rowdot(xc, xc) / x.dtype.type(k)
        rstd = 1 / xp.sqrt(var + x.dtype.type(eps))
    xc *= rstd[:, None]
    if w is not None:
        xc *= w.reshape(-1)
    if b is not None:
        xc += b.reshape(-1)
    return xc.reshape(x.shape), mean.reshape(stat_shape), rstd.reshape(stat_shape)


@primitive("native_layer_norm_backward", OTHER, nout=3)
def _ln_bwd(xp, g, x, mean, rstd, *w, k, mask):
    """torch's closed form: ``gx = a*gxhat + s*x + c`` per row with ``a = rstd``,
    ``s = a^3 (mean*db - ds) / k``, ``c = -s*mean - a*db / k`` (``ds``/``db``: row sums of
    ``gxhat * x`` and ``gxhat``); ``gw`` from ``g * x`` without forming ``xhat``."""
    m = mean.size
    x2, g2 = x.reshape(m, k), g.reshape(m, k)
    mean, rstd = mean.reshape(m), rstd.reshape(m)
    gx = gw = gb = _empty(x)
    if fast.ENABLED and x.size and g.shape == x.shape and fast.use(xp, x, g, mean, rstd, *w):
        from ._fast import norm as kern  # fused, parallel over rows
        fx, fw, fb = kern.ln_backward(g2, x2, mean, rstd, w[0] if w else None, mask[0],
                                      mask[1] or mask[2])
        return (fx.reshape(x.shape) if mask[0] else gx,
                fw.reshape(w[0].shape) if mask[1] else gw,
                fb.reshape(w[0].shape if w else (-1,)) if mask[2] else gb)
    t = x.dtype.type
    if mask[1]:
        gxm = g2 * x2
        gw = (_vm(rstd, gxm) - _vm(rstd * mean, g2)).reshape(w[0].shape)
    if mask[2]:
        gb = _colsum(g2).reshape(w[0].shape if w else (-1,))
    if mask[0]:
        gxhat = g2 * w[0].reshape(-1) if w else g2.copy()
        db = _mv(gxhat, xp.ones(k, x.dtype)) if k else xp.zeros(m, x.dtype)
        ds = _rowdot(gxhat, x2)
        s = (mean * db - ds) * (rstd * rstd * rstd) / t(k)
        c = -s * mean - rstd * db / t(k)
        gxhat *= rstd[:, None]
        tmp = x2 * s[:, None]
        gxhat += tmp
        gxhat += c[:, None]
        gx = gxhat.reshape(x.shape)
    return gx, gw, gb


@_ln.defvjp
def _ln_vjp(g, out, x, *wb, k, eps, has, stat_shape):
    w, b, mask = _needs(x, wb, has)
    if not STATE.enabled:
        ws = (w,) if w is not None else ()
        res = _ln_bwd(g[0], x, out[1], out[2], *ws, k=k, mask=mask)
        if b is not None and mask[2]:
            res = (res[0], res[1], res[2].reshape(b.shape))
        return _split(res, has, mask)
    m = math.prod(stat_shape)
    x2, g2 = x.reshape(m, k), g[0].reshape(m, k)
    gx, gw, gb = _norm_grads(g2, x2, (1,), eps, None if w is None else w.reshape(-1), (0,))
    return _split((gx.reshape(x.shape), None if w is None else gw.reshape(w.shape),
                   None if b is None else gb.reshape(b.shape)), has, mask)


def _check_ln(input, normalized_shape, weight, bias, what="layer_norm"):
    if isinstance(normalized_shape, int):
        raise TypeError(f"{what}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not int")
    ns = tuple(normalized_shape)
    nd = len(ns)
    if nd == 0:
        raise RuntimeError(f"Expected normalized_shape to be at least 1-dimensional, i.e., "
                           f"containing at least one element, but got normalized_shape = {list(ns)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    if input.dim() < nd or tuple(input.shape[input.dim() - nd:]) != ns:
        sep = ", " if what == "layer_norm" else ""
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{sep}{', '.join(str(s) for s in ns)}], but got input of size"
                           f"{list(input.shape)}")
    return ns


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """``(out, mean, rstd)`` (``torch.native_layer_norm``)."""
    ns = _check_ln(input, normalized_shape, weight, bias)
    _float_only(input, "LayerNormKernelImpl")
    _same_dtype(input, weight, bias)
    k = math.prod(ns)
    stat_shape = tuple(input.shape[:input.dim() - len(ns)]) + (1,) * len(ns)
    opt, has = _opt(weight, bias)
    return _ln(input, *opt, k=k, eps=float(eps), has=has, stat_shape=stat_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """Layer normalization over the trailing ``normalized_shape`` dims (``torch.layer_norm``).

    Example::

        >>> ember.layer_norm(ember.randn(2, 5), (5,)).shape
        torch.Size([2, 5])
    """
    return native_layer_norm(input, normalized_shape, weight, bias, eps)[0]


# -- group norm ---------------------------------------------------------------------------------
@primitive("native_group_norm", OTHER, node_name="NativeGroupNormBackward0", nout=3,
           save_out=True, diff_outputs=(True, False, False))
def _gn(xp, x, *wb, groups, eps, has):
    """``(out, mean, rstd)`` with statistics of shape (N, groups); the output is one per-(n, c)
    scale (``rstd * w``) and the bias applied to the centered input in place."""
    w = wb[0] if has[0] else None
    b = wb[-1] if has[1] else None
    N, C = x.shape[0], x.shape[1]
    k = x.size // (N * groups) if N * groups else C // groups * math.prod(x.shape[2:])
    xg = x.reshape(N * groups, k)
    with xp.errstate(invalid="ignore", divide="ignore"):
        mean = _rowmean(xg) if k else xp.full(xg.shape[0], xp.nan, x.dtype)
        xc = xg - mean[:, None]
        rstd = 1 / xp.sqrt(_rowdot(xc, xc) / k + eps)
    y3 = _ncl(xc.reshape(x.shape))
    y3 *= _per_channel(rstd.reshape(N, groups), w, C)[:, :, None]
    if b is not None:
        y3 += b[:, None]
    return y3.reshape(x.shape), mean.reshape(N, groups), rstd.reshape(N, groups)


@primitive("native_group_norm_backward", OTHER, nout=3)
def _gn_bwd(xp, g, x, mean, rstd, *w, groups, mask):
    """torch's closed form per (n, group): ``gx = rstd*w*g + s*x + c`` with
    ``s = rstd^3 (mean*A - B) / k``, ``c = -s*mean - rstd*A / k`` (``A``/``B``: group sums of
    ``w * sum_l g`` and ``w * sum_l g*x``), from per-(n, c) sums; ``x - mean`` is not formed."""
    with xp.errstate(invalid="ignore", divide="ignore"):
        return _gn_bwd_kernel(_ncl(g), _ncl(x), mean, rstd, w[0] if w else None, groups, mask,
                              x.shape)


def _gn_bwd_kernel(g3, x3, mean, rstd, w, G, mask, shape):
    N, C, L = x3.shape
    cg = C // G
    k = cg * L
    mu, r = mean.reshape(N, G), rstd.reshape(N, G)
    if not _fast(x3):  # half precision / empty: center first (no cancellation-prone form)
        x3 = (x3.reshape(N, G, k) - mu[:, :, None]).reshape(N, C, L)
        mu = xp.zeros_like(mu)
    db = _nlsum(g3)
    ds = _nldot(g3, x3)
    gx = gw = gb = _empty(x3)
    if mask[1]:
        gw = ((ds - _per_channel(mu, None, C) * db) * _per_channel(r, None, C)).sum(axis=0)
    if mask[2]:
        gb = db.sum(axis=0)
    if mask[0]:
        if w is not None:
            db, ds = db * w, ds * w
        A, B = db.reshape(N, G, cg).sum(axis=2), ds.reshape(N, G, cg).sum(axis=2)
        s = r * r * r * (mu * A - B) / k
        c = -s * mu - r * A / k
        gx = g3 * _per_channel(r, w, C)[:, :, None]
        tmp = x3 * _per_channel(s, None, C)[:, :, None]
        gx += tmp
        gx += _per_channel(c, None, C)[:, :, None]
        gx = gx.reshape(shape)
    return gx, gw, gb


@_gn.defvjp
def _gn_vjp(g, out, x, *wb, groups, eps, has):
    w, b, mask = _needs(x, wb, has)
    if not STATE.enabled:
        ws = (w,) if w is not None else ()
        return _split(_gn_bwd(g[0], x, out[1], out[2], *ws, groups=groups, mask=mask), has,
                      mask)
    N, C = x.shape[0], x.shape[1]
    L = math.prod(x.shape[2:])
    g3 = g[0].reshape(N, C, L)
    xg = x.reshape(N, groups, C // groups * L)
    xc = xg - xg.mean(2, keepdim=True)
    invstd = ((xc * xc).mean(2, keepdim=True) + eps).rsqrt()
    xhat = xc * invstd
    gxhat = (g3 * w.reshape(1, C, 1) if w is not None else g3).reshape(xg.shape)
    gx = invstd * (gxhat - gxhat.mean(2, keepdim=True)
                   - xhat * (gxhat * xhat).mean(2, keepdim=True))
    gw = (g3 * xhat.reshape(N, C, L)).sum((0, 2)) if w is not None else None
    gb = g3.sum((0, 2)) if b is not None else None
    return _split((gx.reshape(x.shape), gw, gb), has, mask)


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """``(out, mean, rstd)`` (``torch.native_group_norm``)."""
    _float_only(input, "GroupNormKernelImpl")
    _same_dtype(input, weight, bias)
    opt, has = _opt(weight, bias)
    return _gn(input, *opt, groups=int(group), eps=float(eps), has=has)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """Group normalization (``torch.group_norm``): statistics per (sample, group of channels).

    Example::

        >>> ember.group_norm(ember.randn(2, 4, 3), 2).shape
        torch.Size([2, 4, 3])
    """
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    N, C = input.shape[0], input.shape[1]
    if num_groups <= 0 or C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    hxw = input.numel() // max(N * C, 1)
    return native_group_norm(input, weight, bias, N, C, hxw, num_groups, eps)[0]


# -- RMS norm (composite: every piece is already fused enough) ------------------------------------
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x * rsqrt(mean(x**2) + eps) * weight`` over the trailing dims (``torch.rms_norm``);
    ``eps=None`` means ``finfo(input.dtype).eps``.

    Example::

        >>> ember.rms_norm(ember.ones(2, 3), (3,))
        tensor([[1.0000, 1.0000, 1.0000],
                [1.0000, 1.0000, 1.0000]])
    """
    ns = _check_ln(input, normalized_shape, weight, None, what="rms_norm")
    _float_only(input, "rms_norm")
    if eps is None:
        eps = _dtype.finfo(input.dtype).eps
    dims = tuple(range(input.dim() - len(ns), input.dim()))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out * weight if weight is not None else out


publish(batch_norm, "batch_norm")
publish(native_batch_norm, "native_batch_norm")
publish(instance_norm, "instance_norm")
publish(layer_norm, "layer_norm")
publish(native_layer_norm, "native_layer_norm")
publish(group_norm, "group_norm")
publish(native_group_norm, "native_group_norm")
publish(rms_norm, "rms_norm")
