"""Shape and movement ops: views (reshape, permute, expand, ...) and copies (cat, flip, ...).

Views share memory and the version counter with their base, like torch's; ``reshape`` is a view
whenever NumPy can make one.
"""
from __future__ import annotations

from .._size import Size
from .._tensor import Tensor
from ._common import wrap_dim
from .registry import MOVEMENT, VIEW, expand_to, export, method, primitive

__all__ = ["reshape", "view", "permute", "expand"]


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def infer_shape(shape: tuple, numel: int, src_shape: tuple) -> tuple:
    """Resolve one ``-1`` and check the element count, with torch's error text."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


# -- reshape / view ----------------------------------------------------------------------------
@primitive("reshape", VIEW, node_name="ViewBackward0", saves=False)
def _reshape(xp, x, shape):
    return x.reshape(shape)


@_reshape.defvjp
def _(g, out, x, shape):
    return _reshape(g, shape=x._data.shape)


@export("reshape")
def reshape(input, *shape) -> Tensor:
    """``input`` with a new shape (a view when possible, else a copy).

    Example::

        >>> ember.arange(6).reshape(2, -1).shape
        torch.Size([2, 3])
    """
    shape = infer_shape(_shape_arg(shape), input._data.size, input._data.shape)
    return _reshape(input, shape=shape)


@method("view")
def view(self, *shape) -> Tensor:
    """A view with a new shape; like torch, fails when the strides do not allow one."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Size)):
        return self.view_dtype(shape[0])
    shape = infer_shape(_shape_arg(shape), self._data.size, self._data.shape)
    if not _viewable(self._data, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return _reshape(self, shape=shape)


def _viewable(arr, shape) -> bool:
    if arr.flags.c_contiguous or arr.size == 0:
        return True
    try:
        v = arr.view()
        v.shape = shape  # NumPy raises when this would need a copy
        return True
    except AttributeError:
        return False


@method("view_as")
def view_as(self, other: Tensor) -> Tensor:
    return view(self, other._data.shape)


# -- permute / transpose -----------------------------------------------------------------------
@primitive("permute", VIEW, node_name="PermuteBackward0", saves=False)
def _permute(xp, x, dims):
    return x.transpose(dims)


@_permute.defvjp
def _(g, out, x, dims):
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return _permute(g, dims=tuple(inverse))


@export("permute")
def permute(input, *dims) -> Tensor:
    """Reorder dimensions (a view)."""
    dims = _shape_arg(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permute(input, dims=dims)


# -- expand ------------------------------------------------------------------------------------
@method("expand")
def expand(self, *sizes) -> Tensor:
    """Broadcast to a larger size without copying (``-1`` keeps a dimension)."""
    sizes = _shape_arg(sizes)
    n = self._data.ndim
    if len(sizes) < n:
        raise RuntimeError(f"expand({self.type()}{{{list(self._data.shape)}}}, size={list(sizes)})"
                           f": the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({n})")
    lead = len(sizes) - n
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = self._data.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(self._data.shape)}")
        out.append(s)
    return expand_to(self, tuple(out))
