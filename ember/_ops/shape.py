"""Shape ops that are views: reshape/view/flatten/squeeze, permute/transpose/movedim, expand.

Views share memory and the version counter with their base, like torch's; ``reshape`` is a view
whenever NumPy can make one. Joins and splits (``cat``, ``split``, ``narrow`` ...) live in
``join.py``; copying movement ops and strided views (``flip``, ``repeat``, ``diagonal``,
``as_strided`` ...) in ``movement.py``.
"""
from __future__ import annotations

import warnings

from .._size import Size
from .._tensor import Tensor, _make
from ._common import to_dtype_arg, wrap_dim
from .registry import VIEW, expand_to, export, method, primitive

__all__ = ["reshape", "view", "permute", "expand", "flatten", "unflatten", "ravel", "squeeze",
           "unsqueeze", "transpose", "t", "movedim", "expand_as", "broadcast_to",
           "broadcast_tensors", "broadcast_shapes", "atleast_1d", "atleast_2d", "atleast_3d"]


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


def share_view(outs, src: Tensor, steps):
    """Make multi-output views share ``src``'s version counter and base (``apply`` does this
    for single-output VIEW primitives only); ``steps[i]`` is a single-output ``(op, attrs)``
    that recreates piece ``i`` from ``src``, for writes through the piece."""
    base = src._base if src._base is not None else src
    chain = src._view_chain if src._base is not None else ()
    for o, step in zip(outs, steps):
        if o._data.base is not None:
            o._version_box = src._version_box
            o._base = base
            o._view_chain = (chain or ()) + (step,)
    return outs


# -- reshape / view ----------------------------------------------------------------------------
def _reshape_prim(name, node_name):
    @primitive(name, VIEW, node_name=node_name, saves=False)
    def op(xp, x, shape):
        return x.reshape(shape)

    @op.defvjp
    def _(g, out, x, shape):
        return _reshape(g, shape=x._data.shape)
    return op


_reshape = _reshape_prim("reshape", "ViewBackward0")
_squeeze = {k: _reshape_prim(f"squeeze{k}", f"SqueezeBackward{k}") for k in (0, 1, 2)}
_unsqueeze = _reshape_prim("unsqueeze", "UnsqueezeBackward0")


def reshape_to(x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    return _reshape(x, shape=shape)


@export("reshape")
def reshape(input, *shape, **kwargs) -> Tensor:
    """``input`` with a new shape (a view when possible, else a copy).

    Example::

        >>> ember.arange(6).reshape(2, -1).shape
        torch.Size([2, 3])
    """
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    shape = infer_shape(_shape_arg(shape), input._data.size, input._data.shape)
    return _reshape(input, shape=shape)


@method("view")
def view(self, *shape) -> Tensor:
    """A view with a new shape; like torch, fails when the strides do not allow one.

    ``view(dtype)`` reinterprets the bits (not differentiable, like torch).
    """
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Size)):
        return view_dtype(self, shape[0])
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


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
               "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
               "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def view_dtype(self, dtype) -> Tensor:
    """``Tensor.view(dtype)``: the same memory read as another dtype (torch's checks)."""
    dt = to_dtype_arg(dtype)
    arr = self._data
    src, dst = arr.dtype.itemsize, dt.itemsize
    if src != dst:
        what = (f"to view {_TYPE_NAMES.get(self.dtype.name, self.dtype.name)} as "
                f"{_TYPE_NAMES.get(dt.name, dt.name)} (different element sizes)")
        if arr.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        step = arr.strides[-1] // src
        if step != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {step}")
        if dst > src and arr.shape[-1] % (dst // src):
            raise RuntimeError(f"self.size(-1) must be divisible by {dst // src} {what}, but got "
                               f"{arr.shape[-1]}")
    t = _make(arr.view(dt.np))
    t._version_box = self._version_box
    return t


@method("view_as")
def view_as(self, other: Tensor) -> Tensor:
    """``self.view(other.size())``."""
    return view(self, other._data.shape)


@method("reshape_as")
def reshape_as(self, other: Tensor) -> Tensor:
    """``self.reshape(other.size())``."""
    return reshape(self, other._data.shape)


# -- flatten / unflatten / ravel ---------------------------------------------------------------
@export("flatten")
def flatten(input, start_dim=0, end_dim=-1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view when possible).

    Example::

        >>> ember.zeros(2, 3, 4).flatten(1).shape
        torch.Size([2, 12])
    """
    shape = input._data.shape
    n = len(shape)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if n == 0:
        return _reshape(input, shape=(1,))
    if s == e:
        return input
    k = 1
    for d in shape[s:e + 1]:
        k *= d
    return _reshape(input, shape=shape[:s] + (k,) + shape[e + 1:])


@export("unflatten")
def unflatten(input, dim, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one ``-1`` allowed).

    Example::

        >>> ember.zeros(2, 12).unflatten(1, (3, -1)).shape
        torch.Size([2, 3, 4])
    """
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = shape[d] if shape else 1
    try:
        sizes = infer_shape(sizes, n, (n,))
    except RuntimeError:
        if -1 in sizes and sizes.count(-1) == 1:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                               f"size of dim {dim} ({n}) in the input tensor") from None
        if sizes.count(-1) > 1:
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({n}) in the input tensor") from None
    return _reshape(input, shape=shape[:d] + sizes + shape[d + 1:])


@export("ravel")
def ravel(input) -> Tensor:
    """The elements as a 1-D tensor (a view when contiguous)."""
    return _reshape(input, shape=(input._data.size,))


# -- squeeze / unsqueeze -----------------------------------------------------------------------
@export("squeeze")
def squeeze(input, dim=None) -> Tensor:
    """Drop size-1 dims (all, one, or a tuple); naming a dim whose size is not 1 is a no-op.

    Example::

        >>> ember.zeros(2, 1, 3).squeeze().shape
        torch.Size([2, 3])
    """
    shape = input._data.shape
    n = len(shape)
    if dim is None:
        kind, drop = 0, {i for i, s in enumerate(shape) if s == 1}
    elif isinstance(dim, (tuple, list)):
        kind = 2
        dims = [wrap_dim(d, n) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        drop = {d for d in dims if n and shape[d] == 1}
    else:
        kind, d = 1, wrap_dim(dim, n)
        drop = {d} if n and shape[d] == 1 else set()
    new = tuple(s for i, s in enumerate(shape) if i not in drop)
    return _squeeze[kind](input, shape=new)


@export("unsqueeze")
def unsqueeze(input, dim) -> Tensor:
    """Insert a size-1 dim at ``dim`` (in ``[-ndim-1, ndim]``).

    Example::

        >>> ember.zeros(3).unsqueeze(-1).shape
        torch.Size([3, 1])
    """
    shape = input._data.shape
    d = wrap_dim(dim, len(shape) + 1)
    return _unsqueeze(input, shape=shape[:d] + (1,) + shape[d:])


# -- permute / transpose -----------------------------------------------------------------------
def _permute_prim(name, node_name):
    @primitive(name, VIEW, node_name=node_name, saves=False)
    def op(xp, x, dims):
        return x.transpose(dims)

    @op.defvjp
    def _(g, out, x, dims):
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        return op(g, dims=tuple(inverse))
    return op


_permute = _permute_prim("permute", "PermuteBackward0")
_transpose = _permute_prim("transpose", "TransposeBackward0")
_t = _permute_prim("t", "TBackward0")


@export("permute")
def permute(input, *dims, **kwargs) -> Tensor:
    """Reorder dimensions (a view).

    Example::

        >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
        torch.Size([4, 2, 3])
    """
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
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


def _swap(n, d0, d1):
    dims = list(range(n))
    dims[d0], dims[d1] = d1, d0
    return tuple(dims)


@export("transpose", "swapaxes", "swapdims")
def transpose(input, dim0, dim1) -> Tensor:
    """Swap two dims (a view).

    Example::

        >>> ember.zeros(2, 3).transpose(0, 1).shape
        torch.Size([3, 2])
    """
    n = input._data.ndim
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    return _transpose(input, dims=_swap(n, d0, d1)) if n else _transpose(input, dims=())


@export("t")
def t(input) -> Tensor:
    """Transpose a matrix; 0-d and 1-D tensors come back as they are (torch's ``t``)."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _t(input, dims=tuple(range(n))[::-1])


def _T(self) -> Tensor:
    n = self._data.ndim
    if n == 0:
        _warn0("Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
               "cases.")
    elif n != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return _permute(self, dims=tuple(range(n))[::-1])


def _warn0(msg):
    warnings.warn(msg, UserWarning, stacklevel=3)


def _mT(self) -> Tensor:
    n = self._data.ndim
    if n == 0:
        _warn0("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these "
               "cases.")
        return self
    if n < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {n}-D tensor.")
    return _transpose(self, dims=_swap(n, n - 2, n - 1))


def _H(self) -> Tensor:
    n = self._data.ndim
    if n == 0:
        _warn0("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().")
        return self.conj() if self.dtype.is_complex else self
    if n != 2:
        extra = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D "
                           f"tensor.{extra}")
    out = _permute(self, dims=(1, 0))
    return out.conj() if self.dtype.is_complex else out


def _mH(self, what="Tensor.mH") -> Tensor:
    n = self._data.ndim
    if n == 0:
        _warn0(f"{what} is deprecated on 0-D tensors. Consider using x.conj().")
        return self.conj() if self.dtype.is_complex else self
    if n < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {n}-D tensor.")
    out = _mT(self)
    return out.conj() if self.dtype.is_complex else out


Tensor.T = property(_T, doc="Dims reversed (deprecated by torch for ndim != 2; warns).")
Tensor.mT = property(_mT, doc="The last two dims swapped.")
Tensor.H = property(_H, doc="Conjugate transpose of a matrix.")
Tensor.mH = property(_mH, doc="Conjugate transpose of the last two dims.")


@export("adjoint")
def adjoint(input) -> Tensor:
    """``input.mH``."""
    return _mH(input, "adjoint()")


def _dim_list(d):
    return [int(x) for x in d] if isinstance(d, (tuple, list)) else [int(d)]


@export("movedim", "moveaxis")
def movedim(input, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or sequences), a permute view.

    Example::

        >>> ember.zeros(2, 3, 4).movedim(0, -1).shape
        torch.Size([3, 4, 2])
    """
    n = input._data.ndim
    src, dst = _dim_list(source), _dim_list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(d, n) for d in src]
    dst = [wrap_dim(d, n) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({_dim_list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({_dim_list(destination)})")
    if n == 0:
        return _permute(input, dims=())
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in set(src))
    order = tuple(o if o is not None else next(rest) for o in order)
    return _permute(input, dims=order)


# -- expand / broadcasting ---------------------------------------------------------------------
@method("expand")
def expand(self, *sizes) -> Tensor:
    """Broadcast to a larger size without copying (``-1`` keeps a dimension)."""
    if not sizes:
        raise TypeError("expand() missing 1 required positional arguments: \"size\"")
    sizes = _shape_arg(sizes)
    n = self._data.ndim
    if len(sizes) < n:
        raise RuntimeError(f"expand({self.type()}{{{list(self._data.shape)}}}, size={list(sizes)})"
                           f": the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({n})")
    lead = len(sizes) - n
    out = [0] * len(sizes)
    for i in range(len(sizes) - 1, -1, -1):  # torch checks from the last dim
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            out[i] = s
            continue
        cur = self._data.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(self._data.shape)}")
        out[i] = s
    return expand_to(self, tuple(out))


@method("expand_as")
def expand_as(self, other: Tensor) -> Tensor:
    """``self.expand(other.size())``."""
    return expand(self, other._data.shape)


@export("broadcast_to")
def broadcast_to(input, size) -> Tensor:
    """``input.expand(size)``.

    Example::

        >>> ember.zeros(3).broadcast_to((2, 3)).shape
        torch.Size([2, 3])
    """
    return expand(input, tuple(size))


@export("broadcast_shapes", method=False)
def broadcast_shapes(*shapes) -> Size:
    """The broadcast of several shapes (ints count as 1-D shapes), with torch's error.

    Example::

        >>> ember.broadcast_shapes((2, 1), (3,))
        torch.Size([2, 3])
    """
    shapes = [(int(s),) if isinstance(s, int) or hasattr(s, "__index__") and
              not isinstance(s, (tuple, list)) else tuple(int(x) for x in s) for s in shapes]
    n = max((len(s) for s in shapes), default=0)
    out = [1] * n
    for s in shapes:
        for i in range(1, len(s) + 1):
            if s[-i] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s[-i]}: "
                                   f"{list(s)}")
            if out[-i] == 1:
                out[-i] = s[-i]
    for k, s in enumerate(shapes):
        for i in range(1, len(s) + 1):
            if s[-i] != 1 and s[-i] != out[-i]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[-i]} at "
                                   f"{-i}! Mismatching argument at index {k} had {s}; but "
                                   f"expected shape should be broadcastable to {out}")
    return Size(out)


@export("broadcast_tensors", method=False)
def broadcast_tensors(*tensors) -> tuple:
    """Expand all tensors to their common broadcast shape (views).

    Example::

        >>> a, b = ember.broadcast_tensors(ember.zeros(3, 1), ember.zeros(4))
        >>> a.shape
        torch.Size([3, 4])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    from ._common import broadcast_shape
    shape = ()
    for x in tensors:
        shape = broadcast_shape(shape, x._data.shape)
    return tuple(expand_to(x, shape) for x in tensors)


# -- atleast_nd --------------------------------------------------------------------------------
def _atleast(name, fn):
    def outer(*tensors):
        single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
        if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
            tensors = tuple(tensors[0])
        res = tuple(fn(x) for x in tensors)
        return res[0] if single else res
    outer.__name__ = name
    outer.__doc__ = f"``torch.{name}``: view inputs with at least that many dims (a tuple for " \
                    f"several inputs)."
    return outer


def _a1(x):
    return _reshape(x, shape=(1,)) if x._data.ndim == 0 else x


def _a2(x):
    n = x._data.ndim
    if n == 0:
        return _reshape(x, shape=(1, 1))
    if n == 1:
        return unsqueeze(x, 0)
    return x


def _a3(x):
    n = x._data.ndim
    if n == 0:
        return _reshape(x, shape=(1, 1, 1))
    if n == 1:
        return unsqueeze(unsqueeze(x, 0), -1)
    if n == 2:
        return unsqueeze(x, -1)
    return x


atleast_1d = export("atleast_1d", method=False)(_atleast("atleast_1d", _a1))
atleast_2d = export("atleast_2d", method=False)(_atleast("atleast_2d", _a2))
atleast_3d = export("atleast_3d", method=False)(_atleast("atleast_3d", _a3))


from . import join, movement  # noqa: E402,F401  (the rest of the family)
