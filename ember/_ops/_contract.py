"""Contractions: ``einsum``; composites ``tensordot``, ``inner``, ``kron``, ``chain_matmul``.

``einsum`` takes torch's equation format (``...``, implicit output, repeated subscripts, the
sublist form). The front end parses the equation into explicit letters (ellipsis dims get fresh
letters, right aligned), checks sizes with torch's messages and calls one primitive. Forward: a
two-operand contraction without diagonals is permuted into one batched GEMM (BLAS); anything
else goes to ``xp.einsum`` (``optimize=True`` for three or more operands). Backward of operand
``i`` is again an einsum — of the output gradient with the other operands — whose output
subscripts are operand ``i``'s: a repeated subscript (a diagonal) adds an identity operand, a
subscript summed only in operand ``i`` adds a ones operand, and size-1 broadcast dims are summed
back.
"""
from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor
from .linalg import _name, _write_out, mm
from .registry import OTHER, export, primitive, sum_to

__all__ = ["einsum", "tensordot", "inner", "kron", "chain_matmul", "multi_dot_2d"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _pair(xp, a, b, sa, sb, so):
    """Two-operand contraction as one (batched) GEMM; None when it does not apply."""
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb):
        return None
    size = {}
    for s, x in ((sa, a), (sb, b)):
        for c, n in zip(s, x.shape):
            if size.setdefault(c, n) != n:
                return None  # size-1 broadcasting: leave it to xp.einsum
    batch = [c for c in sa if c in sb and c in so]
    contr = [c for c in sa if c in sb and c not in so]
    left = [c for c in sa if c not in sb]
    right = [c for c in sb if c not in sa]
    # a subscript summed inside one operand only: reduce it first
    only_a = [i for i, c in enumerate(sa) if c in left and c not in so]
    only_b = [i for i, c in enumerate(sb) if c in right and c not in so]
    if only_a:
        a = a.sum(axis=tuple(only_a))
        sa = [c for c in sa if c in so or c in sb]
        left = [c for c in left if c in so]
    if only_b:
        b = b.sum(axis=tuple(only_b))
        sb = [c for c in sb if c in so or c in sa]
        right = [c for c in right if c in so]
    pa = a.transpose([sa.index(c) for c in batch + left + contr])
    pb = b.transpose([sb.index(c) for c in batch + contr + right])
    nb = nl = nc = nr = 1
    for c in batch:
        nb *= size[c]
    for c in left:
        nl *= size[c]
    for c in contr:
        nc *= size[c]
    for c in right:
        nr *= size[c]
    out = xp.matmul(pa.reshape(nb, nl, nc), pb.reshape(nb, nc, nr))
    order = batch + left + right
    out = out.reshape([size[c] for c in order])
    perm = [order.index(c) for c in so]
    if perm != list(range(len(perm))):
        out = xp.ascontiguousarray(out.transpose(perm))
    return out


@primitive("einsum", OTHER, node_name="ViewBackward0")
def _einsum_p(xp, *arrays, subs, result):
    if len(arrays) == 2 and arrays[0].dtype.kind in "fc":
        res = _pair(xp, arrays[0], arrays[1], list(subs[0]), list(subs[1]), list(result))
        if res is not None:
            return res
    eq = ",".join(subs) + "->" + result
    res = xp.einsum(eq, *arrays, optimize=len(arrays) > 2)
    if len(arrays) == 1 and isinstance(res, xp.ndarray) and res.base is not None:
        res = res.copy()  # xp.einsum returns views for permutations and diagonals
    return res


@_einsum_p.defvjp
def _einsum_vjp(g, out, *inputs, subs, result):
    used = set("".join(subs)) | set(result)
    fresh = (c for c in _LETTERS if c not in used)
    grads = []
    for i, x in enumerate(inputs):
        if not x._requires_grad:
            grads.append(None)
            continue
        shape = x._data.shape
        ops, terms = [g], [result]
        for j, y in enumerate(inputs):
            if j != i:
                ops.append(y)
                terms.append(subs[j])
        target, seen = [], {}
        for c, n in zip(subs[i], shape):
            if c in seen:  # a diagonal: tie the repeated dim to the first with an identity
                f = next(fresh)
                ops.append(_eye(n, x))
                terms.append(c + f)
                target.append(f)
            else:
                seen[c] = n
                target.append(c)
        avail = set("".join(terms))
        for c, n in zip(target, shape):
            if c not in avail:  # summed only inside operand i: its gradient broadcasts
                ops.append(_ones(n, x))
                terms.append(c)
        gi = _einsum_p(*ops, subs=tuple(terms), result="".join(target))
        grads.append(sum_to(gi, shape))
    return tuple(grads)


def _eye(n, like):
    from .creation import eye
    return eye(n, dtype=like.dtype)


def _ones(n, like):
    from .creation import ones
    return ones(n, dtype=like.dtype)


# -- parsing -----------------------------------------------------------------------------------
def _from_sublists(args):
    """``einsum(op1, [0, 1], op2, [1, 2], [0, 2])`` -> equation and operands."""
    ops, terms = [], []
    args = list(args)
    out = None
    while args:
        if isinstance(args[0], Tensor):
            ops.append(args.pop(0))
            terms.append(_sublist(args.pop(0)))
        else:
            out = _sublist(args.pop(0))
            break
    eq = ",".join(terms) + ("" if out is None else "->" + out)
    return eq, ops


def _sublist(lst) -> str:
    s = []
    for v in lst:
        if v is Ellipsis:
            s.append("...")
        elif isinstance(v, int) and 0 <= v < 52:
            s.append(_LETTERS[v])
        else:
            raise ValueError(f"einsum(): expected subscript to be within the range [0, 52) "
                             f"but got {v}")
    return "".join(s)


def _split_term(eq: str, start: int, end: int, k: int):
    """Letters of one operand's term; ``None`` marks the ellipsis."""
    out, i = [], start
    while i < end:
        c = eq[i]
        if c == ".":
            if None in out:
                raise RuntimeError(f"einsum(): found '.' for operand {k} for which an ellipsis "
                                   f"was already found")
            if eq[i:i + 3] != "..." or i + 3 > end:
                raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of any "
                                   f"ellipsis")
            out.append(None)
            i += 3
            continue
        if c != " ":
            if c not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the "
                                   f"equation string, subscripts must be in [a-zA-Z]")
            out.append(c)
        i += 1
    return out


def _parse(eq: str, ops):
    arrow = eq.find("->")
    lhs_end = arrow if arrow >= 0 else len(eq)
    terms, start, k = [], 0, 0
    while True:
        comma = eq.find(",", start, lhs_end)
        stop = lhs_end if comma < 0 else comma
        terms.append(_split_term(eq, start, stop, k))
        k += 1
        if comma < 0:
            break
        start = comma + 1
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    out_term = _split_term(eq, arrow + 2, len(eq), -1) if arrow >= 0 else None
    used = {c for t in terms for c in t if c is not None}
    if out_term is not None:
        used |= {c for c in out_term if c is not None}
    spare = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for k, (t, x) in enumerate(zip(terms, ops)):
        nl = len(t) - (None in t)
        nd = x._data.ndim
        if None in t:
            if nl > nd:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nl}) "
                                   f"is more than the number of dimensions ({nd}) for operand "
                                   f"{k}")
            n_ell = max(n_ell, nd - nl)
        elif nl != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nl}) does "
                               f"not match the number of dimensions ({nd}) for operand {k} and "
                               f"no ellipsis was given")
    if n_ell > len(spare):
        raise RuntimeError("einsum(): too many subscripts in the equation")
    ell = spare[:n_ell]
    subs = []
    for t, x in zip(terms, ops):
        if None in t:
            p = t.index(None)
            e = x._data.ndim - (len(t) - 1)
            t = t[:p] + ell[n_ell - e:] + t[p + 1:]
        subs.append("".join(t))
    if out_term is None:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, n in counts.items()
                                             if n == 1 and c not in ell))
    else:
        seen = set()
        for c in out_term:
            if c is not None and c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            seen.add(c)
        all_in = set("".join(subs))
        for c in out_term:
            if c is not None and c not in all_in:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
        out = "".join("".join(ell) if c is None else c for c in out_term)
    return subs, out, set(ell)


def _check_sizes(subs, ops, ell) -> None:
    size = {}
    for k, (s, x) in enumerate(zip(subs, ops)):
        mine = {}
        for d, (c, n) in enumerate(zip(s, x._data.shape)):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {n} != {mine[c]}")
            mine[c] = n
            prev = size.get(c)
            if prev is None or prev == 1:
                size[c] = n
            elif n != 1 and n != prev:
                if c in ell:
                    raise RuntimeError(f"einsum(): dimension {d} covered by ellipsis in operand "
                                       f"{k}has size {n} which does not broadcast with "
                                       f"previously seen ellipsis with size {prev} for the "
                                       f"respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")


@export("einsum", method=False)
def einsum(*args):
    """Einstein summation in torch's format: ``einsum("bij,bjk->bik", x, y)``.

    Operands may be varargs or one list; the sublist format ``einsum(x, [0, 1], y, [1, 2])``
    is accepted too. Like torch, operands must share a dtype.

    Example::

        >>> ember.einsum("ii", ember.eye(3)).item()
        3.0
    """
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        eq, ops = _from_sublists(args)
    else:
        eq = args[0]
        ops = list(args[1:])
        if len(args) == 2 and isinstance(args[1], (list, tuple)):
            ops = list(args[1])
    if not isinstance(eq, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(eq).__name__}")
    subs, out, ell = _parse(eq, ops)
    _check_sizes(subs, ops, ell)
    dt = ops[0]._data.dtype
    for x in ops[1:]:
        if x._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {_tname(ops[0])} but found {_tname(x)}")
    if dt == bool:
        summed = set("".join(subs)) - set(out)
        if len(ops) > 1 and summed:
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
        if summed:
            ops = [x.to(_dtype.int64) for x in ops]
    return _einsum_p(*ops, subs=tuple(subs), result=out)


def _tname(t: Tensor) -> str:
    return _name(t)


# -- inner / tensordot / kron / chain_matmul (composites) ---------------------------------------
@export("inner")
def inner(input, other, *, out=None):
    """Sum-product over the last dims (a scalar operand multiplies)."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        res = input * other
    else:
        sa, sb = input._data.shape, other._data.shape
        if sa[-1] != sb[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors "
                               f"but got shapes {list(sa)} and {list(sb)}")
        res = tensordot(input, other, dims=([-1], [-1]))
    return res if out is None else _write_out(out, res)


@export("tensordot", method=False)
def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` (an int: last/first dims; or a pair of lists) with one GEMM."""
    sa, sb = a._data.shape, b._data.shape
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > len(sa) or dims > len(sb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    for x, y in zip(da, db):
        if sa[x] != sb[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa[x]} "
                               f"in dim {x} and second has size {sb[y]} in dim {y}")
    da = [d % len(sa) for d in da]
    db = [d % len(sb) for d in db]
    free_a = [i for i in range(len(sa)) if i not in da]
    free_b = [i for i in range(len(sb)) if i not in db]
    k = 1
    for x in da:
        k *= sa[x]
    pa = a.permute(*free_a, *da) if free_a + da != list(range(len(sa))) else a
    pb = b.permute(*db, *free_b) if db + free_b != list(range(len(sb))) else b
    m = 1
    for i in free_a:
        m *= sa[i]
    n = 1
    for i in free_b:
        n *= sb[i]
    res = mm(pa.reshape(m, k), pb.reshape(k, n))
    res = res.reshape(*[sa[i] for i in free_a], *[sb[i] for i in free_b])
    return res if out is None else _write_out(out, res)


@export("kron")
def kron(input, other, *, out=None):
    """Kronecker product (dims right-aligned; the result has the larger rank)."""
    sa, sb = input._data.shape, other._data.shape
    n = max(len(sa), len(sb))
    sa = (1,) * (n - len(sa)) + tuple(sa)
    sb = (1,) * (n - len(sb)) + tuple(sb)
    ia, ib = [], []
    for x, y in zip(sa, sb):
        ia += [x, 1]
        ib += [1, y]
    prod = input.reshape(*ia) * other.reshape(*ib)
    res = prod.reshape(*[x * y for x, y in zip(sa, sb)])
    return res if out is None else _write_out(out, res)


@export("chain_matmul", method=False)
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated in torch; ``multi_dot``)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    res = multi_dot_2d(list(matrices), "multi_dot")
    return res if out is None else _write_out(out, res)


def multi_dot_2d(mats: list, fn: str) -> Tensor:
    """Chain of 2-D ``mm``s in the order with the fewest multiplications (matrix-chain DP)."""
    for i in range(len(mats) - 1):
        sa, sb = mats[i]._data.shape, mats[i + 1]._data.shape
        if sa[1] != sb[0]:
            raise RuntimeError(f"{fn}(): tensors {i} and {i + 1} with shapes {list(sa)} and "
                               f"{list(sb)} cannot be multiplied")
    n = len(mats)
    if n == 1:
        return mats[0].clone()
    dims = [m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return mm(build(i, k), build(k + 1, j))
    return build(0, n - 1)
