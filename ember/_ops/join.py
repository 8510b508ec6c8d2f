"""Joining and splitting: cat/stack and friends, split/chunk/tensor_split/unbind, narrow/select.

``cat`` and the split family are each other's backward: a cat's gradient is one multi-output
split of the output gradient (views, no copies), a split's is one cat. Pieces are NumPy views of
the input and share its version counter, as in torch.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._common import result_type, wrap_dim
from .registry import OTHER, VIEW, export, method, primitive
from .shape import reshape_to, share_view, unsqueeze

__all__ = ["cat", "stack", "hstack", "vstack", "dstack", "column_stack", "split", "chunk",
           "tensor_split", "unbind", "narrow", "select"]


class _AnyOutput:
    """``diff_outputs`` for a primitive with a variable number of outputs: all differentiable."""

    __slots__ = ()

    def __getitem__(self, i):
        return True


def _variadic(op):
    # nout != 1 sends ``apply`` down its multi-output path, whatever the count at run time
    op.nout = 0
    op.diff_outputs = _AnyOutput()
    return op


def _grads(g):
    return g if type(g) is tuple else (g,)


# -- cat / stack primitives --------------------------------------------------------------------
@primitive("cat", OTHER, node_name="CatBackward0", saves=False)
def _cat(xp, *xs, dim):
    return xp.concatenate(xs, axis=dim)


@_cat.defvjp
def _(g, out, *xs, dim):
    bounds, start = [], 0
    for x in xs:
        n = x._data.shape[dim]
        bounds.append((start, start + n))
        start += n
    return _split["split"](g, dim=dim, bounds=tuple(bounds))


@primitive("stack", OTHER, node_name="StackBackward0", saves=False)
def _stack(xp, *xs, dim):
    return xp.stack(xs, axis=dim)


@_stack.defvjp
def _(g, out, *xs, dim):
    return _unbind(g, dim=dim)


# -- split / unbind primitives (multi-output views) --------------------------------------------
def _split_prim(name, node_name):
    @primitive(name, VIEW, node_name=node_name, saves=False)
    def op(xp, x, dim, bounds):
        pre = (slice(None),) * dim
        return [x[pre + (slice(a, b),)] for a, b in bounds]

    @op.defvjp
    def _(g, out, x, dim, bounds):
        grads = _grads(g)
        contiguous = all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1))
        if contiguous and bounds[0][0] == 0 and bounds[-1][1] == x._data.shape[dim]:
            return _cat(*grads, dim=dim)
        pre = (slice(None),) * dim
        total = None
        for gi, (a, b) in zip(grads, bounds):
            part = _slice_bwd(gi, shape=x._data.shape, key=pre + (slice(a, b),))
            total = part if total is None else total + part
        return total
    return _variadic(op)


_split = {"split": _split_prim("split", "SplitBackward0"),
          "split_with_sizes": _split_prim("split_with_sizes", "SplitWithSizesBackward0"),
          "tensor_split": _split_prim("tensor_split", "SliceBackward0")}


@primitive("unbind", VIEW, node_name="UnbindBackward0", saves=False)
def _unbind(xp, x, dim):
    pre = (slice(None),) * dim
    return [x[pre + (i, Ellipsis)] for i in range(x.shape[dim])]


@_unbind.defvjp
def _(g, out, x, dim):
    return _stack(*_grads(g), dim=dim)


_variadic(_unbind)


def _split_apply(name, x, dim, bounds):
    pre = (slice(None),) * dim
    steps = [(_slice, {"key": pre + (slice(a, b),)}) for a, b in bounds]
    return share_view(_split[name](x, dim=dim, bounds=tuple(bounds)), x, steps)


# -- slicing views: narrow / select ------------------------------------------------------------
def _index_view_prim(name, node_name):
    @primitive(name, VIEW, node_name=node_name, saves=False)
    def op(xp, x, key):
        return x[key]

    @primitive(name + "_backward", OTHER, node_name=node_name[:-1] + "Backward0", saves=False)
    def bwd(xp, g, shape, key):
        z = xp.zeros(shape, dtype=g.dtype)
        z[key] = g
        return z

    @op.defvjp
    def _(g, out, x, key):
        return bwd(g, shape=x._data.shape, key=key)

    @bwd.defvjp
    def _(gg, out, g, shape, key):
        return op(gg, key=key)
    return op, bwd


_slice, _slice_bwd = _index_view_prim("slice", "SliceBackward0")
_select, _ = _index_view_prim("select", "SelectBackward0")


@export("narrow")
def narrow(input, dim, start, length) -> Tensor:
    """``length`` elements of dim ``dim`` from ``start`` (a view; negative start wraps).

    Example::

        >>> ember.arange(5).narrow(0, 1, 3)
        tensor([1, 2, 3])
    """
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, len(shape))
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    n = shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(input, key=(slice(None),) * d + (slice(start, start + length),))


@export("select")
def select(input, dim, index) -> Tensor:
    """The slice at ``index`` of dim ``dim``, with that dim removed (a view).

    Example::

        >>> ember.arange(6).reshape(2, 3).select(1, -1)
        tensor([2, 5])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, len(shape))
    index = int(index)
    n = shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {dim}")
    return _select(input, key=(slice(None),) * d + (index % n, Ellipsis))


# -- cat family --------------------------------------------------------------------------------
def _seq(tensors, fname):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not Tensor")
    return list(tensors)


def write_out(out, res: Tensor, name: str = "cat") -> Tensor:
    """``out=``: torch resizes ``out`` to the result and copies into it."""
    if out is None:
        return res
    if out._requires_grad or res._requires_grad:
        from ..autograd.grad_mode import STATE
        if STATE.enabled:
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               f"automatic differentiation, but one of the arguments requires "
                               f"grad.")
    if out._data.shape != res._data.shape:
        out._data = res._data.astype(out._data.dtype)
        out._version_box[0] += 1
        return out
    return out.copy_(res)


@export("cat", "concat", "concatenate", method=False)
def cat(tensors, dim=0, *, out=None) -> Tensor:
    """Join tensors along an existing dim, promoting dtypes; legacy empty 1-D tensors of shape
    ``(0,)`` are skipped, as in torch.

    Example::

        >>> ember.cat([ember.zeros(2, 3), ember.ones(1, 3)]).shape
        torch.Size([3, 3])
    """
    ts = _seq(tensors, "cat")
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(ts):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               f"concatenated")
    keep = [(i, x) for i, x in enumerate(ts) if x._data.shape != (0,)]
    if not keep:  # only legacy empty tensors: torch checks nothing
        keep, dim = list(enumerate(ts)), 0
    ref = keep[0][1]._data.shape
    d = wrap_dim(dim, len(ref))
    for i, x in keep[1:]:
        s = x._data.shape
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(s)}")
        for k in range(len(ref)):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
    dt = result_type(*ts)
    xs = [x if x._data.dtype == dt.np else x.to(dt) for _, x in keep]
    return write_out(out, _cat(*xs, dim=d))


@export("stack", method=False)
def stack(tensors, dim=0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim ``dim``.

    Example::

        >>> ember.stack([ember.zeros(3), ember.ones(3)], dim=1).shape
        torch.Size([3, 2])
    """
    ts = _seq(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = ts[0]._data.shape
    d = wrap_dim(dim, len(ref) + 1)
    for i, x in enumerate(ts[1:], 1):
        if x._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} "
                               f"at entry 0 and {list(x._data.shape)} at entry {i}")
    dt = result_type(*ts)
    xs = [x if x._data.dtype == dt.np else x.to(dt) for x in ts]
    return write_out(out, _stack(*xs, dim=d), "stack")


def _atleast(x, n):
    k = x._data.ndim
    if k >= n:
        return x
    if n == 3 and k == 2:
        return unsqueeze(x, -1)
    if n == 3 and k == 1:
        return reshape_to(x, (1,) + x._data.shape + (1,))
    return reshape_to(x, (1,) * (n - k) + x._data.shape)


@export("hstack", method=False)
def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate column-wise (dim 0 for 1-D inputs, else dim 1)."""
    ts = [_atleast(x, 1) for x in _seq(tensors, "hstack")]
    if ts and ts[0]._data.ndim == 1:
        return cat(ts, 0, out=out)
    return cat(ts, 1, out=out)


@export("vstack", "row_stack", method=False)
def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate row-wise after ``atleast_2d``."""
    return cat([_atleast(x, 2) for x in _seq(tensors, "vstack")], 0, out=out)


@export("dstack", method=False)
def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate depth-wise (dim 2) after ``atleast_3d``."""
    return cat([_atleast(x, 3) for x in _seq(tensors, "dstack")], 2, out=out)


@export("column_stack", method=False)
def column_stack(tensors, *, out=None) -> Tensor:
    """Stack 0-d/1-D tensors as columns (``(n, 1)``), then concatenate along dim 1."""
    ts = [reshape_to(x, (x._data.size, 1)) if x._data.ndim <= 1 else x
          for x in _seq(tensors, "column_stack")]
    return cat(ts, 1, out=out)


# -- split family ------------------------------------------------------------------------------
def _bounds(sizes):
    out, start = [], 0
    for s in sizes:
        out.append((start, start + s))
        start += s
    return out


@export("split")
def split(tensor, split_size_or_sections, dim=0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the given
    sizes (views).

    Example::

        >>> [p.shape[0] for p in ember.arange(5).split(2)]
        [2, 2, 1]
    """
    if not isinstance(split_size_or_sections, int) and \
            not (isinstance(split_size_or_sections, Tensor) and
                 split_size_or_sections._data.ndim == 0):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    shape = tensor._data.shape
    if not shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(shape))
    s = int(split_size_or_sections)
    n = shape[d]
    if s < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
    if s == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    count = max(-(-n // s), 1) if s else 1
    bounds = [(i * s, min((i + 1) * s, n)) for i in range(count)]
    return _split_apply("split", tensor, d, bounds)


@export("split_with_sizes")
def split_with_sizes(input, split_sizes, dim=0) -> tuple:
    """Pieces of exactly the given sizes along ``dim`` (views)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(shape))
    sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={sizes}")
    if sum(sizes) != shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {shape[d]} "
                           f"(input tensor's size at dimension {d}), but got split_sizes={sizes}")
    return _split_apply("split_with_sizes", input, d, _bounds(sizes))


@export("chunk")
def chunk(input, chunks, dim=0) -> tuple:
    """At most ``chunks`` pieces of size ``ceil(n / chunks)`` (torch's rule; may be fewer).

    Example::

        >>> [p.shape[0] for p in ember.arange(6).chunk(4)]
        [2, 2, 2]
    """
    shape = input._data.shape
    if not shape:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, len(shape))
    n = shape[d]
    size = -(-n // chunks)
    if size == 0:
        return _split_apply("split", input, d, [(0, 0)] * chunks)
    return split(input, size, d)


@export("tensor_split")
def tensor_split(input, indices_or_sections, dim=0) -> tuple:
    """``n`` nearly equal pieces, or pieces between the given indices (Python slice rules).

    Example::

        >>> [p.shape[0] for p in ember.arange(5).tensor_split(3)]
        [2, 2, 1]
    """
    shape = input._data.shape
    if not shape:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, len(shape))
    n = shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype.name != "int64":
            from .shape import _TYPE_NAMES
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {_TYPE_NAMES.get(ios.dtype.name)}")
        if ios._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios._data.ndim} dims")
        ios = int(ios.item()) if ios._data.ndim == 0 else ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        return _split_apply("tensor_split", input, d,
                            _bounds([q + 1] * r + [q] * (ios - r)))
    bounds, prev = [], 0
    for i in list(ios) + [None]:
        a, b, _ = slice(prev, i).indices(n)
        bounds.append((a, max(a, b)))
        prev = int(i) if i is not None else None
    return _split_apply("tensor_split", input, d, bounds)


def _split_dim(name, k, dim):
    def fn(input, indices_or_sections) -> tuple:
        nd = input._data.ndim
        if nd < k:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {k} dimension, but "
                               f"got a tensor with {nd} dimensions!")
        d = 0 if (name == "hsplit" and nd == 1) else dim
        if isinstance(indices_or_sections, int):
            size = input._data.shape[d]
            if indices_or_sections == 0 or size % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {size} is not divisible by the "
                                   f"split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    fn.__name__ = name
    fn.__doc__ = f"``tensor_split`` along dim {dim} (torch's ``{name}``)."
    return fn


hsplit = export("hsplit")(_split_dim("hsplit", 1, 1))
vsplit = export("vsplit")(_split_dim("vsplit", 2, 0))
dsplit = export("dsplit")(_split_dim("dsplit", 3, 2))


@export("unbind")
def unbind(input, dim=0) -> tuple:
    """All slices along ``dim``, that dim removed (views).

    Example::

        >>> [t.tolist() for t in ember.tensor([[1, 2], [3, 4]]).unbind(1)]
        [[1, 3], [2, 4]]
    """
    shape = input._data.shape
    if not shape:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, len(shape))
    pre = (slice(None),) * d
    steps = [(_select, {"key": pre + (i, Ellipsis)}) for i in range(shape[d])]
    return share_view(_unbind(input, dim=d), input, steps)


@method("__iter__")
def _iter(self):
    """Iterate over dim 0 (``unbind(0)``), like torch."""
    if self._data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(unbind(self, 0))
