"""Movement ops: copies that rearrange (repeat, tile, repeat_interleave, flip, roll, rot90,
tril/triu, diag_embed) and strided views (diagonal, as_strided, unfold).

Each strided view's backward is a scatter into zeros of the input's shape, a primitive whose own
backward is the view again (so higher-order gradients work).
"""
from __future__ import annotations

from .._backend import CPU
from .._tensor import Tensor
from ._common import dims_arg, wrap_dim
from .registry import OTHER, VIEW, export, method, primitive, sum_to
from .shape import _reshape, _shape_arg, reshape_to

__all__ = ["repeat", "tile", "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90",
           "tril", "triu", "diag", "diagonal", "diag_embed", "diagflat", "as_strided", "unfold"]

_xp = CPU.xp
_as_strided_np = _xp.lib.stride_tricks.as_strided


# -- repeat / tile -----------------------------------------------------------------------------
@primitive("repeat", OTHER, node_name="RepeatBackward0", saves=False)
def _repeat(xp, x, reps):
    return xp.tile(x, reps)


@_repeat.defvjp
def _(g, out, x, reps):
    shape = (1,) * (len(reps) - x._data.ndim) + x._data.shape
    split, target = [], []
    for r, s in zip(reps, shape):
        split += [r, s]
        target += [1, s]
    g = sum_to(_reshape(g, shape=tuple(split)), tuple(target))
    return _reshape(g, shape=x._data.shape)


@method("repeat")
def repeat(self, *sizes) -> Tensor:
    """Tile ``self`` ``sizes`` times per dim (torch's ``repeat``: a copy; extra sizes add
    leading dims).

    Example::

        >>> ember.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    if not sizes:
        raise TypeError("repeat() missing 1 required positional arguments: \"repeats\"")
    reps = _shape_arg(sizes)
    if len(reps) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(reps) - self._data.ndim) + self._data.shape
    for r in reps:
        if r < 0:
            out = [r * s for r, s in zip(reps, shape)]
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: "
                               f"{out}")
    return _repeat(self, reps=reps)


@export("tile")
def tile(input, dims) -> Tensor:
    """``repeat`` with missing leading sizes taken as 1 (NumPy's ``tile``)."""
    reps = _shape_arg((dims,) if isinstance(dims, int) else (tuple(dims),))
    n = input._data.ndim
    if len(reps) < n:
        reps = (1,) * (n - len(reps)) + reps
    return repeat(input, reps)


@primitive("repeat_interleave", OTHER, node_name="RepeatInterleaveBackward0", saves=False)
def _repeat_interleave(xp, x, repeats, dim):
    return xp.repeat(x, repeats, axis=dim)


@_repeat_interleave.defvjp
def _(g, out, x, repeats, dim):
    shape = x._data.shape
    if isinstance(repeats, int):
        split = shape[:dim] + (shape[dim], repeats) + shape[dim + 1:]
        target = shape[:dim] + (shape[dim], 1) + shape[dim + 1:]
        return _reshape(sum_to(_reshape(g, shape=split), target), shape=shape)
    return _segment_sum(g, repeats=repeats, dim=dim)


@primitive("segment_sum", OTHER, node_name="IndexSelectBackward0", saves=False)
def _segment_sum(xp, g, repeats, dim):
    shape = list(g.shape)
    shape[dim] = len(repeats)
    out = xp.zeros(shape, dtype=g.dtype)
    nz = xp.flatnonzero(repeats)
    if g.shape[dim] and nz.size:
        starts = (xp.cumsum(repeats) - repeats)[nz]
        key = (slice(None),) * dim + (nz,)
        out[key] = xp.add.reduceat(g, starts, axis=dim)
    return out


@_segment_sum.defvjp
def _(gg, out, g, repeats, dim):
    return _repeat_interleave(gg, repeats=repeats, dim=dim)


@export("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element ``repeats`` times (an int or a per-element tensor) along ``dim``
    (the flattened input when ``dim`` is None). ``repeat_interleave(repeats)`` alone gives
    ``arange(len(repeats)).repeat_interleave(repeats)``, like torch.

    Example::

        >>> ember.tensor([1, 2]).repeat_interleave(ember.tensor([1, 2]))
        tensor([1, 2, 2])
    """
    if repeats is None:
        from .. import _dtype
        from .._tensor import _make
        idx = _make(_xp.arange(input._data.shape[0] if input._data.ndim else 1, dtype="int64"))
        return repeat_interleave(idx, input.to(_dtype.int64), 0, output_size=output_size)
    if dim is None:
        input = reshape_to(input, (input._data.size,))
        dim = 0
    n = input._data.ndim
    d = wrap_dim(dim, n)
    size = input._data.shape[d] if n else 1
    if isinstance(repeats, Tensor):
        if repeats.dtype.is_floating_point or repeats.dtype.is_complex:
            raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                      f"'{repeats.dtype.name.capitalize()}'")
        if repeats._data.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        r = repeats._data.astype("int64").reshape(-1)
        if r.size == 1:
            repeats = int(r[0])
        else:
            if r.size != size:
                raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {r.size} and input.size({d}) = {size}")
            if (r < 0).any():
                raise RuntimeError("repeats can not be negative")
            repeats = r
    else:
        repeats = int(repeats)
    if isinstance(repeats, int) and repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None:
        total = repeats * size if isinstance(repeats, int) else int(repeats.sum())
        if total != output_size:
            raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got "
                               f"{output_size}")
    if n == 0:
        input = reshape_to(input, (1,))
    return _repeat_interleave(input, repeats=repeats, dim=d)


# -- flip / roll / rot90 -----------------------------------------------------------------------
@primitive("flip", OTHER, node_name="FlipBackward0", saves=False)
def _flip(xp, x, dims):
    return xp.flip(x, dims).copy() if dims else x.copy()


@_flip.defvjp
def _(g, out, x, dims):
    return _flip(g, dims=dims)


@export("flip")
def flip(input, *args, dims=None) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy, like torch).

    Example::

        >>> ember.tensor([1, 2, 3]).flip(0)
        tensor([3, 2, 1])
    """
    dims = args if dims is None else dims
    if isinstance(dims, int):
        dims = (dims,)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    n = input._data.ndim
    return _flip(input, dims=dims_arg(tuple(dims), n))


@export("fliplr")
def fliplr(input) -> Tensor:
    """Flip dim 1 (needs at least 2 dims)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _flip(input, dims=(1,))


@export("flipud")
def flipud(input) -> Tensor:
    """Flip dim 0 (needs at least 1 dim)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _flip(input, dims=(0,))


@primitive("roll", OTHER, node_name="RollBackward0", saves=False)
def _roll(xp, x, shifts, dims):
    if dims is None:
        return xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
    return xp.roll(x, shifts, axis=dims)


@_roll.defvjp
def _(g, out, x, shifts, dims):
    return _roll(g, shifts=tuple(-s for s in shifts), dims=dims)


@export("roll")
def roll(input, shifts, dims=None) -> Tensor:
    """Rotate elements along ``dims`` by ``shifts``; without dims, over the flattened tensor.

    Example::

        >>> ember.tensor([1, 2, 3]).roll(1)
        tensor([3, 1, 2])
    """
    shifts = tuple(int(s) for s in shifts) if isinstance(shifts, (tuple, list)) else \
        (int(shifts),)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        return _roll(input, shifts=shifts, dims=None)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    n = input._data.ndim
    if input._data.size == 0 and n:
        return _roll(input, shifts=(0,), dims=None)  # torch skips the dim checks when empty
    if n == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return _roll(input, shifts=shifts, dims=tuple(wrap_dim(d, n) for d in dims))


@primitive("rot90", OTHER, node_name="Rot90Backward0", saves=False)
def _rot90(xp, x, k, dims):
    return xp.ascontiguousarray(xp.rot90(x, k, dims)) if k % 4 else x.copy()


@_rot90.defvjp
def _(g, out, x, k, dims):
    return _rot90(g, k=-k, dims=dims)


@export("rot90")
def rot90(input, k=1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from dims[0] towards dims[1])."""
    dims = tuple(dims)
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return _rot90(input, k=int(k) % 4, dims=(d0, d1))


# -- tril / triu -------------------------------------------------------------------------------
def _tri_prim(name):
    @primitive(name, OTHER, saves=False)
    def op(xp, x, diagonal):
        return getattr(xp, name)(x, diagonal)

    @op.defvjp
    def _(g, out, x, diagonal):
        return op(g, diagonal=diagonal)
    return op


_tril, _triu = _tri_prim("tril"), _tri_prim("triu")


def _tri_front(name, op):
    def fn(input, diagonal=0, *, out=None) -> Tensor:
        if input._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return op(input, diagonal=int(diagonal))
    fn.__name__ = name
    keep = "on and below" if name == "tril" else "on and above"
    fn.__doc__ = f"Zero all but the elements {keep} the ``diagonal``-th diagonal of the last " \
                 f"two dims."
    return fn


tril = export("tril", inplace="tril_", inplace_copies=False)(_tri_front("tril", _tril))
triu = export("triu", inplace="triu_", inplace_copies=False)(_tri_front("triu", _triu))


# -- diagonal / diag_embed ---------------------------------------------------------------------
def _diag_view(x, offset, d1, d2):
    """The (writable) NumPy view of ``x``'s diagonal, as torch lays it out."""
    n1, n2 = x.shape[d1], x.shape[d2]
    if offset >= 0:
        length, s1, s2 = max(0, min(n1, n2 - offset)), 0, offset
    else:
        length, s1, s2 = max(0, min(n1 + offset, n2)), -offset, 0
    key = [slice(None)] * x.ndim
    if length:
        key[d1], key[d2] = slice(s1, None), slice(s2, None)
    sub = x[tuple(key)]
    keep = [i for i in range(x.ndim) if i not in (d1, d2)]
    shape = tuple(x.shape[i] for i in keep) + (length,)
    strides = tuple(x.strides[i] for i in keep) + (x.strides[d1] + x.strides[d2],)
    return _as_strided_np(sub, shape, strides, writeable=x.flags.writeable)


@primitive("diagonal", VIEW, node_name="DiagonalBackward0", saves=False)
def _diagonal(xp, x, offset, dim1, dim2):
    return _diag_view(x, offset, dim1, dim2)


@_diagonal.defvjp
def _(g, out, x, offset, dim1, dim2):
    return _diag_embed(g, shape=x._data.shape, offset=offset, dim1=dim1, dim2=dim2)


@primitive("diag_embed", OTHER, node_name="DiagEmbedBackward0", saves=False)
def _diag_embed(xp, x, shape, offset, dim1, dim2):
    out = xp.zeros(shape, dtype=x.dtype)
    _diag_view(out, offset, dim1, dim2)[...] = x
    return out


@_diag_embed.defvjp
def _(g, out, x, shape, offset, dim1, dim2):
    return _diagonal(g, offset=offset, dim1=dim1, dim2=dim2)


@export("diagonal")
def diagonal(input, offset=0, dim1=0, dim2=1) -> Tensor:
    """The ``offset``-th diagonal of the ``dim1``/``dim2`` planes, as a new last dim (a view).

    Example::

        >>> ember.arange(9).reshape(3, 3).diagonal(1)
        tensor([1, 5])
    """
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _diagonal(input, offset=int(offset), dim1=d1, dim2=d2)


@export("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor:
    """Matrices (in dims ``dim1``/``dim2``) whose ``offset``-th diagonals are ``input``'s last
    dim.

    Example::

        >>> ember.diag_embed(ember.tensor([1, 2])).tolist()
        [[1, 0], [0, 2]]
    """
    shape = input._data.shape
    n = len(shape) + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    m = (shape[-1] if shape else 1) + abs(int(offset))
    rest = iter(shape[:-1])
    out = tuple(m if i in (d1, d2) else next(rest) for i in range(n))
    if not shape:
        input = reshape_to(input, (1,))
    return _diag_embed(input, shape=out, offset=int(offset), dim1=d1, dim2=d2)


@export("diag")
def diag(input, diagonal=0, *, out=None) -> Tensor:
    """1-D input: a matrix with it on the ``diagonal``-th diagonal; 2-D: that diagonal (a
    copy)."""
    n = input._data.ndim
    if n == 1:
        return diag_embed(input, diagonal, 0, 1)
    if n == 2:
        return _diagonal(input, offset=int(diagonal), dim1=0, dim2=1).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D")


@export("diagflat")
def diagflat(input, offset=0) -> Tensor:
    """A matrix with the flattened input on the ``offset``-th diagonal."""
    return diag_embed(reshape_to(input, (input._data.size,)), offset, 0, 1)


# -- as_strided --------------------------------------------------------------------------------
def _root(arr):
    """The array owning ``arr``'s memory and ``arr``'s element offset into it."""
    base = arr
    while isinstance(base.base, _xp.ndarray):
        base = base.base
    item = arr.itemsize
    off = (arr.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
    return base, off


def _positions(shape, strides, offset):
    """Storage index (in elements) of every element of a strided layout, as an int64 array."""
    pos = _xp.full(shape, offset, dtype=_xp.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        view = [1] * len(shape)
        view[d] = n
        pos = pos + (_xp.arange(n, dtype=_xp.int64) * s).reshape(view)
    return pos


def _layout(x):
    base, off = _root(x)
    item = x.itemsize
    return base, off, tuple(s // item for s in x.strides)


@primitive("as_strided", VIEW, node_name="AsStridedBackward0", saves=False)
def _as_strided(xp, x, size, stride, offset):
    base, _, _ = _layout(x)
    flat = base.reshape(-1) if base.flags.c_contiguous else base.ravel(order="K")
    item = x.itemsize
    return _as_strided_np(flat[offset:], size, tuple(s * item for s in stride),
                          writeable=x.flags.writeable)


@_as_strided.defvjp
def _(g, out, x, size, stride, offset):
    return _strided_scatter(g, like=x._data, size=size, stride=stride, offset=offset)


def _index_maps(like, size, stride, offset):
    base, xoff, xstride = _layout(like)
    x_pos = _positions(like.shape, xstride, xoff)
    o_pos = _positions(size, stride, offset)
    return base.size, x_pos, o_pos


@primitive("as_strided_backward", OTHER, node_name="AsStridedBackwardBackward0", saves=False)
def _strided_scatter(xp, g, like, size, stride, offset):
    n, x_pos, o_pos = _index_maps(like, size, stride, offset)
    storage = xp.bincount(o_pos.reshape(-1), weights=g.reshape(-1), minlength=n)
    return storage[x_pos].astype(g.dtype, copy=False)


@_strided_scatter.defvjp
def _(gg, out, g, like, size, stride, offset):
    return _strided_gather(gg, like=like, size=size, stride=stride, offset=offset)


@primitive("as_strided_gather", OTHER, node_name="AsStridedBackward0", saves=False)
def _strided_gather(xp, gx, like, size, stride, offset):
    n, x_pos, o_pos = _index_maps(like, size, stride, offset)
    storage = xp.zeros(n, dtype=gx.dtype)
    storage[x_pos] = gx
    return storage[o_pos]


@_strided_gather.defvjp
def _(g, out, gx, like, size, stride, offset):
    return _strided_scatter(g, like=like, size=size, stride=stride, offset=offset)


@export("as_strided")
def as_strided(input, size, stride, storage_offset=None) -> Tensor:
    """A view of ``input``'s storage with the given sizes and strides (in elements, like torch;
    ``storage_offset`` defaults to the input's own offset).

    Example::

        >>> ember.arange(4.).as_strided((3, 2), (1, 1)).tolist()
        [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    base, off = _root(input._data)
    offset = off if storage_offset is None else int(storage_offset)
    item = input._data.itemsize
    need = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > base.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{need * item} are out of bounds for storage of size "
                           f"{base.size * item}")
    return _as_strided(input, size=size, stride=stride, offset=offset)


# -- unfold ------------------------------------------------------------------------------------
@primitive("unfold", VIEW, node_name="UnfoldBackward0", saves=False)
def _unfold(xp, x, dim, size, step):
    if x.ndim == 0:
        return x.reshape(1)
    n = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
    strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + \
        (x.strides[dim],)
    return _as_strided_np(x, shape, strides, writeable=x.flags.writeable)


@_unfold.defvjp
def _(g, out, x, dim, size, step):
    return _unfold_bwd(g, shape=x._data.shape, dim=dim, size=size, step=step)


@primitive("unfold_backward", OTHER, node_name="UnfoldBackwardBackward0", saves=False)
def _unfold_bwd(xp, g, shape, dim, size, step):
    if not shape:
        return g.reshape(())
    out = xp.zeros(shape, dtype=g.dtype)
    n = g.shape[dim]
    pre = (slice(None),) * dim
    for k in range(size):  # one strided add per window offset
        out[pre + (slice(k, k + step * (n - 1) + 1, step),)] += g[..., k]
    return out


@_unfold_bwd.defvjp
def _(gg, out, g, shape, dim, size, step):
    return _unfold(gg, dim=dim, size=size, step=step)


@method("unfold")
def unfold(self, dimension, size, step) -> Tensor:
    """All windows of ``size`` elements, ``step`` apart, along ``dimension`` (a new last dim;
    a view).

    Example::

        >>> ember.arange(5).unfold(0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    n = self._data.ndim
    d = wrap_dim(dimension, n)
    length = self._data.shape[d] if n else 1
    size, step = int(size), int(step)
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return _unfold(self, dim=d, size=size, step=step)
