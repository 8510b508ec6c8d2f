"""Matrix products: matmul/mm/bmm/mv/dot, the fused ``add*`` family, outer/inner/kron, tensordot.

Every product is one BLAS call forward (``xp.matmul``) and at most two backward. Like torch,
products do NOT promote dtypes: mixing float32 and float64 raises torch's RuntimeError (the
text depends on the path, as in torch). Each torch path has its own primitive so ``grad_fn``
names match torch (``MmBackward0``, ``MvBackward0``, ``DotBackward0``, ``BmmBackward0``,
``UnsafeViewBackward0`` for batched matmul, ``AddmmBackward0``...). Batched matmul with a 2-D
right operand folds the batch into the rows: one GEMM forward, and a single GEMM for the weight
gradient (no per-batch products summed afterwards). ``einsum``, ``tensordot``, ``inner``,
``kron`` and ``chain_matmul`` live in ``_contract.py``.
"""
from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor
from ._common import result_type, wrap
from .._backend import CPU
from .registry import OTHER, apply, export, method, primitive, sum_to

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm",
           "addmv", "addr", "baddbmm", "addbmm"]

_BOOL = CPU.xp.dtype(bool)
_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _name(t: Tensor) -> str:
    """torch's capitalised scalar-type name (``Float``, ``Long``...)."""
    n = t.dtype.name
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "float16": "Half",
            "bfloat16": "BFloat16", "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(n, n)


def _no_bool(t: Tensor, kernel: str) -> None:
    if t._data.dtype == bool:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _mT(t: Tensor) -> Tensor:
    """Swap the last two dims (a view)."""
    n = t._data.ndim
    return t.permute(*range(n - 2), n - 1, n - 2)


def _gemm(xp, a, b):
    """``a @ b`` on arrays; half precision accumulates in float32 (as torch's CPU kernels)."""
    if a.dtype.kind == "f" and a.dtype.itemsize == 2 or a.dtype.kind == "V":
        return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(a.dtype)
    return xp.matmul(a, b)


def _check_tensor(x, fn: str, arg: str, pos: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


# -- primitives --------------------------------------------------------------------------------
@primitive("mm", OTHER)
def _mm(xp, a, b):
    return _gemm(xp, a, b)


@_mm.defvjp
def _(g, out, a, b):
    return (mm(g, _mT(b)) if a._requires_grad else None,
            mm(_mT(a), g) if b._requires_grad else None)


@primitive("mv", OTHER)
def _mv(xp, a, b):
    return _gemm(xp, a, b)


@_mv.defvjp
def _(g, out, a, b):
    return (g.reshape(-1, 1) * b if a._requires_grad else None,
            mv(_mT(a), g) if b._requires_grad else None)


@primitive("vecmat", OTHER, node_name="SqueezeBackward4")
def _vecmat(xp, a, b):
    return _gemm(xp, a, b)


@_vecmat.defvjp
def _(g, out, a, b):
    return (mv(b, g) if a._requires_grad else None,
            a.reshape(-1, 1) * g if b._requires_grad else None)


@primitive("dot", OTHER)
def _dot(xp, a, b):
    return xp.dot(a, b)


@_dot.defvjp
def _(g, out, a, b):
    return (g * b if a._requires_grad else None, g * a if b._requires_grad else None)


@primitive("vdot", OTHER)
def _vdot(xp, a, b):
    return xp.vdot(a, b)


@_vdot.defvjp
def _(g, out, a, b):
    return (g * b if a._requires_grad else None, g * a if b._requires_grad else None)


@primitive("bmm", OTHER)
def _bmm(xp, a, b):
    return _gemm(xp, a, b)


@_bmm.defvjp
def _(g, out, a, b):
    return (bmm(g, _mT(b)) if a._requires_grad else None,
            bmm(_mT(a), g) if b._requires_grad else None)


def _nd_fwd(xp, a, b):
    if a.ndim > 2 and b.ndim <= 2:  # fold the batch into the rows: a single GEMM
        k = a.shape[-1]
        out = _gemm(xp, a.reshape(-1, k), b)
        return out.reshape(a.shape[:-1] + b.shape[1:])
    return _gemm(xp, a, b)


def _nd_vjp(g, out, a, b):
    """Gradients of broadcast batched matmul; 1-D operands are treated as (1,k) / (k,1)."""
    sa, sb = a._data.shape, b._data.shape
    a2 = a.reshape(1, -1) if len(sa) == 1 else a
    b2 = b.reshape(-1, 1) if len(sb) == 1 else b
    g2 = g
    if len(sa) == 1:
        gs = g._data.shape
        g2 = g2.reshape(gs[:-1] + (1,) + gs[-1:])
    if len(sb) == 1:
        g2 = g2.reshape(g2._data.shape + (1,))
    ga = gb = None
    if a._requires_grad:
        ga = sum_to(matmul(g2, _mT(b2)), a2._data.shape)
        if len(sa) == 1:
            ga = ga.reshape(sa)
    if b._requires_grad:
        if b2._data.ndim == 2 and a2._data.ndim > 2:  # one GEMM over the folded batch
            ga2 = a2.reshape(-1, sa[-1])
            gb = mm(_mT(ga2), g2.reshape(-1, g2._data.shape[-1]))
        else:
            gb = sum_to(matmul(_mT(a2), g2), b2._data.shape)
        if len(sb) == 1:
            gb = gb.reshape(sb)
    return ga, gb


_matmul_nd = primitive("matmul", OTHER, node_name="UnsafeViewBackward0")(_nd_fwd)
_matmul_nd.defvjp(_nd_vjp)
# torch computes 2-D @ N-D by transposing both sides; only the grad_fn name differs
_matmul_nd_t = primitive("matmul_left2d", OTHER, node_name="CloneBackward0")(_nd_fwd)
_matmul_nd_t.defvjp(_nd_vjp)


# -- front ends --------------------------------------------------------------------------------
def _mm_check(a: Tensor, b: Tensor) -> None:
    """The slow path of the 2-D checks: raise torch's error, if there is one."""
    sa, sb = a._data.shape, b._data.shape
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAMES.get(a.dtype.name)} != {_C_NAMES.get(b.dtype.name)}")
    _no_bool(a, "addmm_impl_cpu_")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and "
                           f"{sb[0]}x{sb[1]})")


def _mv_check(a: Tensor, b: Tensor) -> None:
    sa, sb = a._data.shape, b._data.shape
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(b)}, "
                           f"{_name(a)}, and {_name(b)}")
    _no_bool(a, "addmv_impl_cpu")
    if sa[1] != sb[0]:
        raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), "
                           f"vec ({sb[0]})")


def _dot_check(a: Tensor, b: Tensor) -> None:
    sa, sb = a._data.shape, b._data.shape
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
    if sa[0] != sb[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                           f"[{sb[0]}] to have the same number of elements, but got {sa[0]} and "
                           f"{sb[0]} elements respectively")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_name(a)} and {_name(b)}")
    _no_bool(a, "dot")


def _bmm_check(a: Tensor, b: Tensor, kernel: str = "bmm") -> None:
    sa, sb = a._data.shape, b._data.shape
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected scalar type {_name(a)} but found {_name(b)}")
    _no_bool(a, kernel)
    if sb[-3] != sa[-3] or sb[-2] != sa[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[-3]}, {sa[-1]}] but got: [{sb[-3]}, {sb[-2]}].")


@export("matmul")
def matmul(input, other, *, out=None):
    """Matrix product with torch's rules for 1-D operands and broadcast batch dims.

    No dtype promotion (like torch): both operands must share a dtype.

    Example::

        >>> (ember.ones(2, 3) @ ember.ones(3)).tolist()
        [3.0, 3.0]
    """
    try:
        a, b = input._data, other._data
    except AttributeError:
        _check_tensor(input, "matmul", "input", 1)
        _check_tensor(other, "matmul", "other", 2)
        raise
    sa, sb = a.shape, b.shape
    na, nb = len(sa), len(sb)
    if na == 2 and nb == 2:  # the hot path: keep it to identity checks
        dt = a.dtype
        if sa[1] != sb[0] or dt is not b.dtype or dt is _BOOL:
            _mm_check(input, other)
        res = apply(_mm, input, other)
    elif na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    elif na == 1 and nb == 1:
        _dot_check(input, other)
        res = _dot(input, other)
    elif na == 2 and nb == 1:
        if a.shape[1] != b.shape[0] or a.dtype != b.dtype or a.dtype == bool:
            _mv_check(input, other)
        res = _mv(input, other)
    elif na == 1 and nb == 2:
        if a.shape[0] != b.shape[0] or a.dtype != b.dtype or a.dtype == bool:
            _mm_check(input.reshape(1, -1), other)
        res = _vecmat(input, other)
    else:
        res = _matmul_batched(input, other, a, b)
    if out is not None:
        return _write_out(out, res)
    return res


def _matmul_batched(input: Tensor, other: Tensor, a, b) -> Tensor:
    na, nb = a.ndim, b.ndim
    if a.dtype != b.dtype:
        if nb <= 2 and na > 2:
            if nb == 1:
                raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                                   f"{_name(other)}, {_name(input)}, and {_name(other)}")
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_C_NAMES.get(input.dtype.name)} != "
                               f"{_C_NAMES.get(other.dtype.name)}")
        raise RuntimeError(f"expected scalar type {_name(input)} but found {_name(other)}")
    if a.dtype == bool:
        raise NotImplementedError("\"%s\" not implemented for 'Bool'" % (
            "addmv_impl_cpu" if nb == 1 else "addmm_impl_cpu_" if nb == 2 else "bmm"))
    k = a.shape[-1]
    kb = b.shape[0] if nb == 1 else b.shape[-2]
    if k != kb:
        if nb <= 2:
            rows = 1
            for s in a.shape[:-1]:
                rows *= s
            if nb == 1:
                raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k}), "
                                   f"vec ({kb})")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                               f"{kb}x{b.shape[-1]})")
        batch = 1
        for s in a.shape[:-2]:
            batch *= s
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {k}] but got: [{batch}, {kb}].")
    ba, bb = a.shape[:-2], b.shape[:-2]
    if ba != bb and ba and bb:
        _broadcast_batch(ba, bb)
    if na == 2:
        return _matmul_nd_t(input, other)
    return _matmul_nd(input, other)


def _broadcast_batch(ba: tuple, bb: tuple) -> None:
    n = max(len(ba), len(bb))
    pa = (1,) * (n - len(ba)) + tuple(ba)
    pb = (1,) * (n - len(bb)) + tuple(bb)
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")


def _write_out(out: Tensor, res: Tensor) -> Tensor:
    from ..autograd.grad_mode import no_grad
    with no_grad():
        out.copy_(res)
    return out


method("__matmul__")(matmul)


@method("__rmatmul__")
def _rmatmul(self, other):
    return matmul(other, self)


@export("mm")
def mm(input, mat2, *, out=None):
    """2-D matrix product (``MmBackward0``); no broadcasting, no promotion.

    Example::

        >>> ember.mm(ember.ones(2, 3), ember.ones(3, 4)).shape
        torch.Size([2, 4])
    """
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    dt = a.dtype
    if a.shape[1] != b.shape[0] or dt is not b.dtype or dt is _BOOL:
        _mm_check(input, mat2)
    res = apply(_mm, input, mat2)
    return res if out is None else _write_out(out, res)


@export("bmm")
def bmm(input, mat2, *, out=None):
    """Batched 3-D matrix product; batch sizes must match (no broadcasting)."""
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1] or a.dtype != b.dtype \
            or a.dtype == bool:
        _bmm_check(input, mat2)
    res = _bmm(input, mat2)
    return res if out is None else _write_out(out, res)


@export("mv")
def mv(input, vec, *, out=None):
    """Matrix-vector product."""
    a, b = input._data, vec._data
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0] or a.dtype != b.dtype or a.dtype == bool:
        _mv_check(input, vec)
    res = _mv(input, vec)
    return res if out is None else _write_out(out, res)


@export("dot")
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of the same size and dtype."""
    _dot_check(input, tensor)
    res = _dot(input, tensor)
    return res if out is None else _write_out(out, res)


@export("vdot")
def vdot(input, other, *, out=None):
    """``dot`` conjugating the first argument (the same as ``dot`` for real tensors)."""
    _dot_check(input, other)
    res = _vdot(input, other)
    return res if out is None else _write_out(out, res)


@export("outer", "ger")
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors (with type promotion, like torch's ``mul``)."""
    for t, nm in ((input, "self"), (vec2, "vec2")):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {nm}, but got {t._data.ndim}-D")
    res = input.reshape(-1, 1) * vec2
    return res if out is None else _write_out(out, res)


# -- the fused ``beta * input + alpha * (x @ y)`` family -------------------------------------------
def _fused(name: str, prod, prod_vjp):
    """A primitive computing ``beta * inp + alpha * prod(x, y)`` in one node."""
    def fwd(xp, inp, x, y, beta, alpha):
        out = prod(xp, x, y)
        if alpha != 1:
            xp.multiply(out, alpha, out=out, casting="unsafe")
        if beta != 0:
            if beta == 1:
                xp.add(out, inp, out=out)
            else:
                xp.add(out, inp * beta if inp.dtype.kind != "b" else inp, out=out,
                       casting="unsafe")
        return out

    op = primitive(name, OTHER)(fwd)

    @op.defvjp
    def _(g, out, inp, x, y, beta, alpha):
        gi = None
        if inp._requires_grad:
            gi = sum_to(g * beta if beta != 1 else g, inp._data.shape)
        gp = g * alpha if alpha != 1 else g
        gx, gy = prod_vjp(gp, x, y)
        return gi, gx, gy
    return op


def _batch_sum(xp, x, y):
    out = _gemm(xp, x, y)
    return out.sum(axis=0, dtype=out.dtype)


_addmm = _fused("addmm", _gemm, lambda g, x, y: (
    mm(g, _mT(y)) if x._requires_grad else None, mm(_mT(x), g) if y._requires_grad else None))
_addmv = _fused("addmv", _gemm, lambda g, x, y: (
    g.reshape(-1, 1) * y if x._requires_grad else None,
    mv(_mT(x), g) if y._requires_grad else None))
_addr = _fused("addr", lambda xp, x, y: xp.multiply.outer(x, y), lambda g, x, y: (
    mv(g, y) if x._requires_grad else None, mv(_mT(g), x) if y._requires_grad else None))
_baddbmm = _fused("baddbmm", _gemm, lambda g, x, y: (
    bmm(g, _mT(y)) if x._requires_grad else None, bmm(_mT(x), g) if y._requires_grad else None))
_addbmm = _fused("addbmm", _batch_sum, lambda g, x, y: (
    matmul(g, _mT(y)) if x._requires_grad else None,
    matmul(_mT(x), g) if y._requires_grad else None))


def _scalars(dt, beta, alpha):
    """torch casts ``beta``/``alpha`` to the tensor's dtype (int tensors truncate)."""
    if dt.is_floating_point or dt.is_complex:
        return beta, alpha
    if dt is _dtype.bool:
        return bool(beta), bool(alpha)
    return int(beta), int(alpha)


def _check_expand(inp: Tensor, shape: tuple) -> None:
    s = inp._data.shape
    if len(s) > len(shape):
        raise RuntimeError(f"expand({inp.type()}{{{list(s)}}}, size={list(shape)}): the number "
                           f"of sizes provided ({len(shape)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(s)})")
    lead = len(shape) - len(s)
    for i, x in enumerate(s):
        if x != 1 and x != shape[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[lead + i]}) must match "
                               f"the existing size ({x}) at non-singleton dimension {lead + i}.  "
                               f"Target sizes: {list(shape)}.  Tensor sizes: {list(s)}")


def _finish(op, input, x, y, shape, beta, alpha, out):
    _check_expand(input, shape)
    beta, alpha = _scalars(x.dtype, beta, alpha)
    res = op(input, x, y, beta=beta, alpha=alpha)
    return res if out is None else _write_out(out, res)


@export("addmm", inplace="addmm_")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` in one node (``beta=0`` ignores ``input``)."""
    a, b = mat1._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    if input._data.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(input)} and "
                           f"{_name(mat2)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_name(mat1)} and "
                           f"{_name(mat2)}")
    if a.shape[1] != b.shape[0]:
        _mm_check(mat1, mat2)
    _no_bool(mat1, "addmm_impl_cpu_")
    return _finish(_addmm, input, mat1, mat2, (a.shape[0], b.shape[1]), beta, alpha, out)


@export("addmv", inplace="addmv_")
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    a, b, i = mat._data, vec._data, input._data
    if i.ndim > 1 or a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {i.ndim}, {a.ndim}, "
                           f"{b.ndim}")
    if not (i.dtype == a.dtype == b.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_name(input)}, {_name(mat)}, and {_name(vec)}")
    if a.shape[1] != b.shape[0] or (i.ndim and i.shape[0] not in (1, a.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({i.shape[0] if i.ndim else 1}), mat "
                           f"({a.shape[0]}x{a.shape[1]}), vec ({b.shape[0]})")
    _no_bool(mat, "addmv_impl_cpu")
    return _finish(_addmv, input, mat, vec, (a.shape[0],), beta, alpha, out)


@export("addr", inplace="addr_")
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)`` (with type promotion, like torch)."""
    for t, nm in ((vec1, "vec1"), (vec2, "vec2")):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {nm}, but got {t._data.ndim}-D")
    dt = result_type(input, vec1, vec2)
    if not (dt.is_floating_point or dt.is_complex):
        for v, nm in ((beta, "beta"), (alpha, "alpha")):
            if isinstance(v, float):
                raise RuntimeError(f"For integral input tensors, argument {nm} must not be a "
                                   f"floating point number.")
    if dt is _dtype.bool:  # logical: (beta and input) or (alpha and vec1 x vec2)
        u8 = _dtype.uint8
        res = _finish(_addr, wrap(input, u8), wrap(vec1, u8), wrap(vec2, u8),
                      (vec1._data.shape[0], vec2._data.shape[0]), bool(beta), bool(alpha), None)
        res = res.to(_dtype.bool)
        return res if out is None else _write_out(out, res)
    return _finish(_addr, wrap(input, dt), wrap(vec1, dt), wrap(vec2, dt),
                   (vec1._data.shape[0], vec2._data.shape[0]), beta, alpha, out)


def _check_batches(input, b1, b2, fn):
    a, b = b1._data, b2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if not (input._data.dtype == a.dtype == b.dtype):
        if fn == "addbmm":
            if input._data.dtype != b.dtype:
                raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                                   f"{_name(input)} and {_name(b2)}")
            raise RuntimeError(f"expected scalar type {_name(b1)} but found {_name(b2)}")
        raise RuntimeError(f"Input dtypes must be the same, got: input "
                           f"{_C_NAMES[input.dtype.name]}, batch1: {_C_NAMES[b1.dtype.name]}, "
                           f"batch2: {_C_NAMES[b2.dtype.name]}")
    _no_bool(b1, "bmm")


@export("baddbmm", inplace="baddbmm_")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    _check_batches(input, batch1, batch2, "baddbmm")
    a, b = batch1._data, batch2._data
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        _bmm_check(batch1, batch2)
    return _finish(_baddbmm, input, batch1, batch2, (a.shape[0], a.shape[1], b.shape[2]), beta,
                   alpha, out)


@export("addbmm", inplace="addbmm_")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    _check_batches(input, batch1, batch2, "addbmm")
    a, b = batch1._data, batch2._data
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{a.shape[0]} and {b.shape[0]}")
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and "
                           f"{b.shape[1]}x{b.shape[2]})")
    return _finish(_addbmm, input, batch1, batch2, (a.shape[1], b.shape[2]), beta, alpha, out)


from . import _contract  # noqa: E402,F401  (einsum, tensordot, inner, kron, chain_matmul)
