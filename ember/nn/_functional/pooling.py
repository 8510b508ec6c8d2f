"""nn.functional: max/avg/adaptive/LP pooling and max_unpool (torch's arguments and errors).

Max and average pooling are primitives in ``ember/_ops/pool.py`` (strided windows, loop over
kernel offsets). Adaptive average pooling is separable: one small averaging matrix per spatial
dim applied with matmul (a composite; exact torch windows ``floor(i*n/o)..ceil((i+1)*n/o)``).
"""
from __future__ import annotations

from ..._backend import CPU
from ..._ops import pool as _P
from ..._ops.conv import publish
from ...autograd.grad_mode import STATE as _GRAD

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]

xp = CPU.xp


def _tuple(v, n):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _batched(input, nd, name):
    """Add the batch dim to an unbatched input; torch's rank errors."""
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    if input.dim() != nd + 2:
        d = f"{nd + 1}D or {nd + 2}D"
        raise RuntimeError(f"non-empty {d} (batch mode) tensor expected for input" if name is None
                           else f"{name}(): Expected {d} tensor, but got {list(input.shape)}")
    if any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(input.shape)}")
    return input, False


def _geometry(input, nd, kernel_size, stride, padding, dilation, ceil_mode, effective=True):
    k = _tuple(kernel_size, nd)
    s = k if (stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)) \
        else _tuple(stride, nd)
    p = _tuple(padding, nd)
    d = _tuple(dilation, nd)
    if any(v <= 0 for v in k):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"k{i}: {v}" for i, v in enumerate(k)))
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero")
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            if effective:
                raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                                   f"pad={pp}, kernel_size={kk} and dilation={dd}")
            raise RuntimeError(f"pad should be at most half of kernel size, but got pad={pp} and "
                               f"kernel_size={kk}")
    sp = tuple(input.shape[2:])
    out = tuple(_P.pool_out_size(n, kk, ss, pp, dd, ceil_mode)
                for n, kk, ss, pp, dd in zip(sp, k, s, p, d))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[1:]))}). "
                           f"Calculated output size: ({input.shape[1]}x{'x'.join(map(str, out))})."
                           f" Output size is too small")
    return k, s, p, d, out


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unb = _batched(input, nd, None)
    k, s, p, d, out = _geometry(x, nd, kernel_size, stride, padding, dilation, ceil_mode)
    if not return_indices and not (x._requires_grad and _GRAD.enabled):
        vals = _P.max_pool_values(x, k, s, p, d, out)
        return vals.squeeze(0) if unb else vals
    vals, idx = _P.max_pool(x, k, s, p, d, out)
    if unb:
        vals, idx = vals.squeeze(0), idx.squeeze(0)
    return (vals, idx) if return_indices else vals


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling (``torch.nn.functional.max_pool1d``)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling; indices are flat per (H*W) plane like torch's.

    Example::

        >>> F.max_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling (``torch.nn.functional.max_pool3d``)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x, unb = _batched(input, nd, None)
    k, s, p, _, out = _geometry(x, nd, kernel_size, stride, padding, 1, ceil_mode,
                                effective=nd != 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    res = _P.avg_pool(x, k, s, p, out, bool(count_include_pad), divisor_override)
    return res.squeeze(0) if unb else res


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling (``torch.nn.functional.avg_pool1d``)."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling with torch's divisor rules (``count_include_pad`` counts padding but
    never the ceil-mode overhang; ``divisor_override`` replaces the count).

    Example::

        >>> F.avg_pool2d(ember.ones(1, 1, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2])
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling (``torch.nn.functional.avg_pool3d``)."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# -- adaptive ---------------------------------------------------------------------------------
def _adaptive_size(x, nd, output_size):
    out = _tuple(output_size, nd) if not isinstance(output_size, (list, tuple)) else \
        tuple(output_size)
    if len(out) != nd:
        raise RuntimeError(f"adaptive pool: output_size must be {nd}")
    return tuple(int(n if o is None else o) for o, n in zip(out, x.shape[2:]))


def _avg_matrix(n, o, dtype):
    """(o, n) matrix averaging torch's adaptive windows."""
    i = xp.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    j = xp.arange(n)
    mask = (j >= start[:, None]) & (j < end[:, None])
    return (mask / (end - start)[:, None]).astype(dtype)


def _apply_axis(x, m, axis):
    """Contract spatial ``axis`` of ``x`` with matrix ``m`` (o, n): the separable kernel."""
    from ..._tensor import _make
    nd = x.dim()
    if axis == nd - 1:
        return x.matmul(_make(xp.ascontiguousarray(m.T)))
    shape = tuple(x.shape)
    after = 1
    for v in shape[axis + 1:]:
        after *= v
    y = _make(m).matmul(x.reshape(shape[:axis] + (shape[axis], after)))
    return y.reshape(shape[:axis] + (m.shape[0],) + shape[axis + 1:])


def _adaptive_avg(nd, input, output_size):
    name = f"adaptive_avg_pool{nd}d"
    x, unb = _batched(input, nd, name)
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_scalar_name(x.dtype)}'")
    out = _adaptive_size(x, nd, output_size)
    sp = tuple(x.shape[2:])
    if all(o == 1 for o in out) and x.numel() > 0:
        res = x.mean(tuple(range(2, 2 + nd)), keepdim=True)
    else:
        res = x
        for dim, (n, o) in enumerate(zip(sp, out)):
            if n != o:
                res = _apply_axis(res, _avg_matrix(n, o, x._data.dtype), 2 + dim)
    return res.squeeze(0) if unb else res


def _scalar_name(dt):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(dt.name, dt.name)


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-D average pooling (``torch.nn.functional.adaptive_avg_pool1d``)."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-D average pooling; ``None`` in ``output_size`` keeps that input size.

    Example::

        >>> F.adaptive_avg_pool2d(ember.ones(1, 3, 7, 5), (2, None)).shape
        torch.Size([1, 3, 2, 5])
    """
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive 3-D average pooling (``torch.nn.functional.adaptive_avg_pool3d``)."""
    return _adaptive_avg(3, input, output_size)


def _adaptive_max(nd, input, output_size, return_indices):
    name = f"adaptive_max_pool{nd}d"
    x, unb = _batched(input, nd, name)
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_scalar_name(x.dtype)}'")
    out = _adaptive_size(x, nd, output_size)
    vals, idx = _P.adaptive_max_pool(x, out)
    if unb:
        vals, idx = vals.squeeze(0), idx.squeeze(0)
    return (vals, idx) if return_indices else vals


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive 1-D max pooling (``torch.nn.functional.adaptive_max_pool1d``)."""
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive 2-D max pooling (``torch.nn.functional.adaptive_max_pool2d``)."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive 3-D max pooling (``torch.nn.functional.adaptive_max_pool3d``)."""
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(3, input, output_size, True)


# -- LP pooling (torch's composite) -----------------------------------------------------------
def _lp(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _tuple(kernel_size, nd)
    if norm_type in (float("inf"), -float("inf")):
        mp = (max_pool1d, max_pool2d, max_pool3d)[nd - 1]
        if norm_type > 0:
            return mp(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -mp(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    n = 1
    for v in k:
        n *= v
    return (out.sign() * out.abs().clamp(min=0)).mul(n).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average 1-D pooling: ``(sum x^p)^(1/p)`` over windows (torch's composite)."""
    return _lp(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average 2-D pooling (``torch.nn.functional.lp_pool2d``)."""
    return _lp(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average 3-D pooling (``torch.nn.functional.lp_pool3d``)."""
    return _lp(3, input, norm_type, kernel_size, stride, ceil_mode)


# -- max_unpool -------------------------------------------------------------------------------
def _unpool_size(x, nd, k, s, p, output_size):
    default = [(x.shape[-nd + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(nd)]
    if output_size is None:
        return tuple(default)
    output_size = list(output_size)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    elif len(output_size) == nd + 1 and x.dim() == nd + 1:
        output_size = output_size[1:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(output_size)}'")
    for i in range(nd):
        lo, hi = default[i] - s[i], default[i] + s[i]
        if not lo < output_size[i] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between '
                             f"{lo} and {hi})")
    return tuple(int(v) for v in output_size)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _tuple(kernel_size, nd)
    s = k if stride is None else _tuple(stride, nd)
    p = _tuple(padding, nd)
    out = _unpool_size(input, nd, k, s, p, output_size)
    unb = input.dim() == nd + 1
    x, idx = (input.unsqueeze(0), indices.unsqueeze(0)) if unb else (input, indices)
    if tuple(idx.shape) != tuple(x.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: "
                           f"{list(idx.shape)}")
    plane = 1
    for v in out:
        plane *= v
    if idx.numel() and (int(idx.max()) >= plane or int(idx.min()) < 0):
        raise RuntimeError(f"Found an invalid max index: {int(idx.max())} (output volumes are "
                           f"of size {'x'.join(map(str, out))}")
    res = _P.plane_scatter(x, idx, out, unique=True)
    return res.squeeze(0) if unb else res


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of max_pool1d: scatter values to their indices, zeros elsewhere."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of max_pool2d (``torch.nn.functional.max_unpool2d``)."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of max_pool3d (``torch.nn.functional.max_unpool3d``)."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _torch_level_max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                                         ceil_mode=False):
    return _max_pool(1, input, kernel_size, stride or None, padding, dilation, ceil_mode, True)


for _f in (max_pool1d, max_pool2d, max_pool3d, avg_pool1d, adaptive_avg_pool1d):
    publish(_f, _f.__name__)
publish(_torch_level_max_pool1d_with_indices, "max_pool1d_with_indices")
publish(adaptive_max_pool1d_with_indices, "adaptive_max_pool1d")
del _f
