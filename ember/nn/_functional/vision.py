"""nn.functional: pad, interpolate/upsample*, pixel_shuffle/unshuffle, channel_shuffle,
unfold/fold, grid_sample, affine_grid.

Interpolation is separable: per spatial dim, a gather of 1 (nearest), 2 (linear) or 4 (cubic)
taps with torch's exact source-index formulas (computed in the input's float precision, as
torch's CPU kernels do) and a weighted sum — composites of the ``take_axis`` primitive, so every
mode has gradients (and double backward). ``area`` is adaptive average pooling.
"""
from __future__ import annotations

import math

from ..._backend import CPU
from ..._ops.conv import constant_pad, fold as _fold_p, out_size, publish, take_axis
from ..._ops.conv import unfold as _unfold_p
from ..._tensor import _make

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
           "unfold", "fold", "grid_sample", "affine_grid"]

xp = CPU.xp


# -- pad --------------------------------------------------------------------------------------
def _pad_index(n, lo, hi, mode):
    """Source indices along one dim for reflect / replicate / circular padding."""
    j = xp.arange(-lo, n + hi)
    if mode == "replicate":
        return xp.clip(j, 0, n - 1)
    if mode == "circular":
        return j % n
    period = 2 * (n - 1)
    if period == 0:
        return xp.zeros_like(j)
    j = xp.abs(j) % period
    return xp.where(j >= n, period - j, j)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims; ``pad`` lists (left, right) from the last dim
    backwards. Modes: constant (negative amounts crop), reflect, replicate, circular.

    Example::

        >>> F.pad(ember.ones(1, 2), (1, 1)).tolist()
        [[0.0, 1.0, 1.0, 0.0]]
    """
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    k = len(pad) // 2
    if k > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    pairs = [(0, 0)] * (nd - k) + [(pad[2 * i], pad[2 * i + 1]) for i in range(k - 1, -1, -1)]
    if mode == "constant":
        return constant_pad(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
            "combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads "
            "last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for dim in range(nd - k, nd):
        lo, hi = pairs[dim]
        n = input.shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                               f"{dim} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
            raise RuntimeError(f"input tensor must have a non-empty dimension {dim}")
        if lo == 0 and hi == 0:
            continue
        if lo < 0 or hi < 0:   # crop first, pad the rest
            crop = [(0, 0)] * nd
            crop[dim] = (min(lo, 0), min(hi, 0))
            out = constant_pad(out, crop, 0)
            n = out.shape[dim]
            lo, hi = max(lo, 0), max(hi, 0)
        out = take_axis(out, _pad_index(n, lo, hi, mode), dim)
    return out


# -- interpolate ------------------------------------------------------------------------------
_LINEAR = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _area_scale(n, o, align_corners, scale, ft):
    if align_corners:
        return ft(n - 1) / ft(o - 1) if o > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n) / ft(o)


def _source(n, o, align_corners, scale, ft, cubic):
    s = _area_scale(n, o, align_corners, scale, ft)
    dst = xp.arange(o).astype(ft)
    if align_corners:
        return s * dst
    src = s * (dst + ft(0.5)) - ft(0.5)
    return src if cubic else xp.maximum(src, ft(0))


def _nearest_index(n, o, scale, exact):
    if not exact:
        if o == n:
            return xp.arange(o)
        if o == 2 * n:
            return xp.arange(o) >> 1
    s = xp.float32(1.0 / scale) if scale is not None and scale > 0 else \
        xp.float32(n) / xp.float32(o)
    if exact:
        src = xp.floor(((xp.arange(o) + 0.5) * float(s)).astype(xp.float32))
    else:
        src = xp.floor(xp.arange(o).astype(xp.float32) * s)
    return xp.minimum(src.astype(xp.int64), n - 1)


def _cubic(t, A=-0.75):
    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def _taps(x, axis, index_weights):
    """``sum_t take(x, idx_t, axis) * w_t`` with ``w_t`` broadcast along ``axis``."""
    shape = [1] * x.dim()
    res = None
    for idx, w in index_weights:
        shape[axis] = len(w)
        term = take_axis(x, idx, axis) * _make(w.reshape(shape))
        res = term if res is None else res + term
    return res


def _interp_axis(x, axis, o, mode, align_corners, scale):
    n = x.shape[axis]
    ft = xp.dtype(x._data.dtype).type
    if mode in ("nearest", "nearest-exact"):
        return take_axis(x, _nearest_index(n, o, scale, mode == "nearest-exact"), axis)
    cubic = mode == "bicubic"
    src = _source(n, o, align_corners, scale, ft, cubic)
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), n - 1)
    lam = xp.clip(src - i0.astype(ft), ft(0), ft(1)).astype(ft)
    if not cubic:
        i1 = i0 + (i0 < n - 1)
        return _taps(x, axis, [(i0, (ft(1) - lam).astype(ft)), (i1, lam)])
    ws = _cubic(lam.astype(ft))
    return _taps(x, axis, [(xp.clip(i0 - 1 + t, 0, n - 1), ws[t].astype(ft)) for t in range(4)])


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize with torch's modes and source-index formulas (``torch.nn.functional.interpolate``):
    nearest, nearest-exact, linear, bilinear, bicubic (A=-0.75), trilinear, area.

    Example::

        >>> F.interpolate(ember.ones(1, 1, 2, 2), scale_factor=2, mode="bilinear").shape
        torch.Size([1, 1, 4, 4])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes:"
                             " linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if dim < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                         f"{input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | "
                         f"trilinear | area | nearest-exact (got {mode})")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    sp = list(input.shape[2:])
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of {sp} and "
                                 f"output size of {size}. Please provide input tensor in (N, C, "
                                 f"d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 f"format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of {sp} and "
                                 f"scale_factor of shape {scale_factor}. Please provide input "
                                 f"tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                                 f"(s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(math.floor(float(n) * s)) for n, s in zip(sp, scales)]
        if recompute_scale_factor:
            scales = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by ember")
    need = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
    if mode in need and need[mode] != dim:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{need[mode] + 2}D input")
    if mode not in need and mode not in ("nearest", "nearest-exact", "area"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | area | nearest-exact (got {mode})")
    if not input.dtype.is_floating_point:
        fn = "compute_indices_weights_nearest" if mode.startswith("nearest") else \
            "compute_indices_weights_linear"
        from .pooling import _scalar_name
        raise NotImplementedError(f'"{fn}" not implemented for \'{_scalar_name(input.dtype)}\'')
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, sp))}) output ({', '.join(map(str, out))})")
    if mode == "area":
        from . import pooling
        fn = (pooling.adaptive_avg_pool1d, pooling.adaptive_avg_pool2d,
              pooling.adaptive_avg_pool3d)[dim - 1]
        return fn(input, out)
    x = input
    for d in range(dim):
        if mode.startswith("nearest") and out[d] == sp[d]:
            continue
        s = scales[d] if scales is not None else None
        x = _interp_axis(x, 2 + d, out[d], mode, align_corners, s)
    return x if x is not input else input.clone()


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- shuffles ---------------------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """``(*, C*r^2, H, W) -> (*, C, H*r, W*r)`` (``torch.nn.functional.pixel_shuffle``).

    Example::

        >>> F.pixel_shuffle(ember.ones(1, 8, 2, 2), 2).shape
        torch.Size([1, 2, 4, 4])
    """
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    perm = list(range(n)) + [n, n + 3, n + 1, n + 4, n + 2]
    return x.permute(*perm).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H*r, W*r) -> (*, C*r^2, H, W)`` (``torch.nn.functional.pixel_unshuffle``)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        which, v = ("height", h) if h % r else ("width", w)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by "
                           f"downscale_factor, but input.size({-2 if h % r else -1})={v} is not "
                           f"divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = list(range(n)) + [n, n + 2, n + 4, n + 1, n + 3]
    return x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """Interleave channels of ``groups`` groups (``torch.nn.functional.channel_shuffle``)."""
    g = int(groups)
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    n, c = input.shape[:2]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


# -- unfold / fold ----------------------------------------------------------------------------
def _pair(v):
    return tuple(int(a) for a in v) if isinstance(v, (list, tuple)) else (int(v), int(v))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: ``(N, C, H, W) -> (N, C*kh*kw, L)`` (``torch.nn.functional.unfold``)."""
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    unb = input.dim() == 3
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    x = input.unsqueeze(0) if unb else input
    out = tuple(out_size(n, kk, ss, pp, dd) for n, kk, ss, pp, dd in
                zip(x.shape[2:], k, s, p, d))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
                           f"padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({out[0]}, {out[1]}), but its components must be at "
                           f"least one.")
    res = _unfold_p(x, k, s, p, d, out)
    return res.squeeze(0) if unb else res


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, summing overlaps: ``(N, C*kh*kw, L) -> (N, C, *output_size)``."""
    o, k, d, p, s = (_pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding),
                     _pair(stride))
    unb = input.dim() == 2
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    x = input.unsqueeze(0) if unb else input
    K = k[0] * k[1]
    if x.shape[1] % K:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({k[0]}, {k[1]})")
    blocks = tuple(out_size(n, kk, ss, pp, dd) for n, kk, ss, pp, dd in zip(o, k, s, p, d))
    if blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}"
                           f", {s[1]}), expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}.")
    res = _fold_p(x, o, k, s, p, d, blocks)
    return res.squeeze(0) if unb else res


# -- grid_sample / affine_grid ----------------------------------------------------------------
def _unnormalize(c, n, align_corners):
    return (c + 1) * ((n - 1) / 2) if align_corners else ((c + 1) * n - 1) / 2


def _reflect(c, lo2, hi2):
    """torch's reflect_coordinates over [lo2/2, hi2/2] (ember ops, differentiable)."""
    if lo2 == hi2:
        return c * 0
    mn = lo2 / 2
    span = (hi2 - lo2) / 2
    c = (c - mn).abs()
    extra = c.remainder(span) if hasattr(c, "remainder") else c - (c / span).floor() * span
    flips = (c / span).floor().detach()
    even = (flips.remainder(2) == 0)
    return (extra + mn) * even + (span - extra + mn) * (~even)


def _source_coord(c, n, padding_mode, align_corners):
    c = _unnormalize(c, n, align_corners)
    if padding_mode == "border":
        c = c.clamp(0, n - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        c = c.clamp(0, n - 1)
    return c


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at ``grid`` (N, Ho, Wo, 2) of normalized (x, y) in [-1, 1]
    (``torch.nn.functional.grid_sample``; 4-D, modes bilinear/nearest).

    Example::

        >>> g = ember.zeros(1, 1, 1, 2)
        >>> F.grid_sample(ember.ones(1, 1, 3, 3), g, align_corners=False).shape
        torch.Size([1, 1, 1, 1])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" or input.dim() != 4:
        raise NotImplementedError("ember's grid_sample supports 4-D input with bilinear/nearest")
    if grid.dim() != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension and "
                           f"the same batch size as input, but got input with sizes "
                           f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    align_corners = bool(align_corners)
    N, C, H, W = input.shape
    Ho, Wo = grid.shape[1:3]
    ix = _source_coord(grid[..., 0], W, padding_mode, align_corners).reshape(N, 1, Ho * Wo)
    iy = _source_coord(grid[..., 1], H, padding_mode, align_corners).reshape(N, 1, Ho * Wo)
    flat = input.reshape(N, C, H * W)
    from ..._ops.pool import plane_gather

    def tap(xi, yi):
        xa, ya = xi._data, yi._data
        valid = (xa >= 0) & (xa <= W - 1) & (ya >= 0) & (ya <= H - 1)
        lin = (xp.clip(ya, 0, H - 1).astype(xp.int64) * W + xp.clip(xa, 0, W - 1).astype(xp.int64))
        lin = xp.ascontiguousarray(xp.broadcast_to(lin, (N, C, Ho * Wo)))
        vals = plane_gather(flat, _make(lin))
        return vals, _make(valid.astype(input._data.dtype))

    if mode == "nearest":
        xr, yr = ix.detach().round(), iy.detach().round()
        v, m = tap(xr, yr)
        zero = (ix.sum() + iy.sum()) * 0   # keeps grid in the graph: its gradient is zero
        return (v * m + zero).reshape(N, C, Ho, Wo)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    x1, y1 = x0 + 1, y0 + 1
    out = None
    for xi, yi, wx, wy in ((x0, y0, x1 - ix, y1 - iy), (x1, y0, ix - x0, y1 - iy),
                           (x0, y1, x1 - ix, iy - y0), (x1, y1, ix - x0, iy - y0)):
        v, m = tap(xi, yi)
        term = v * (wx * wy * m)
        out = term if out is None else out + term
    return out.reshape(N, C, Ho, Wo)


def _base(n, align_corners, dt):
    if n <= 1:
        return xp.zeros(max(n, 0), dt) if n == 1 else xp.zeros(0, dt)
    step = dt(2.0) / dt(n - 1)
    i = xp.arange(n)
    v = xp.where(i < n // 2, dt(-1) + i.astype(dt) * step, dt(1) - (n - 1 - i).astype(dt) * step)
    v = v.astype(dt)
    return v if align_corners else (v * dt(n - 1) / dt(n)).astype(dt)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid ``(N, H, W, 2)`` (or 3-D) for ``grid_sample`` from affine ``theta``
    (``torch.nn.functional.affine_grid``)."""
    align_corners = bool(align_corners)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    dt = xp.dtype(theta._data.dtype).type
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {list(theta.shape)}.")
        N, _, H, W = size
        gx, gy = _base(W, align_corners, dt), _base(H, align_corners, dt)
        base = xp.stack([xp.broadcast_to(gx[None, :], (H, W)), xp.broadcast_to(gy[:, None], (H, W)),
                         xp.ones((H, W), dt)], -1).reshape(H * W, 3)
        return _make(base).matmul(theta.transpose(1, 2)).reshape(N, H, W, 2)
    if len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {list(theta.shape)}.")
        N, _, D, H, W = size
        gx, gy, gz = (_base(W, align_corners, dt), _base(H, align_corners, dt),
                      _base(D, align_corners, dt))
        sh = (D, H, W)
        base = xp.stack([xp.broadcast_to(gx[None, None, :], sh),
                         xp.broadcast_to(gy[None, :, None], sh),
                         xp.broadcast_to(gz[:, None, None], sh), xp.ones(sh, dt)], -1)
        return _make(base.reshape(-1, 4)).matmul(theta.transpose(1, 2)).reshape(N, D, H, W, 3)
    raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                              f"transforms, respectively. Got size {size}.")


publish(pixel_shuffle, "pixel_shuffle")
publish(pixel_unshuffle, "pixel_unshuffle")
publish(channel_shuffle, "channel_shuffle", "native_channel_shuffle")
publish(lambda input, pad, value=0.0: constant_pad(
    input, [(0, 0)] * (input.dim() - len(pad) // 2)
    + [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2 - 1, -1, -1)], value),
    "constant_pad_nd")
