"""Embedding primitives: the row gather, its scatter-add backward, the bag reductions.

Promoted for speed (a many-to-one gather/scatter, DESIGN §3): ``embedding`` takes rows of the
table; its backward ``embedding_dense_backward`` sums gradient rows per table row with one
stable sort plus ``add.reduceat`` (the same summation order as torch's ``index_add_``; never
``np.add.at``, never an index over every table element). Each primitive's rule is the other
primitive, so double backward works. ``sparse=True`` still gives a dense gradient (ember has no
sparse tensors).
"""
from __future__ import annotations

from .._backend import CPU
from .._tensor import Tensor, _make
from .norm import publish
from .registry import OTHER, primitive

__all__ = ["embedding", "embedding_renorm_", "check_indices", "gather_rows", "bag_sum",
           "take_cells"]

xp = CPU.xp
_LEGACY = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
           "bool": "BoolTensor", "int16": "ShortTensor", "int8": "CharTensor",
           "uint8": "ByteTensor", "bfloat16": "BFloat16Tensor"}


def check_indices(indices: Tensor, what: str = "embedding") -> None:
    dt = indices._data.dtype
    if dt.kind not in "iu" or dt.name not in ("int64", "int32"):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got torch."
                           f"{_LEGACY.get(dt.name, dt.name)} instead (while checking arguments "
                           f"for {what})")


def _scatter_rows(xp, g2, idx, num_weights, padding_idx, scale_grad_by_freq):
    """``out[idx[i]] += g2[i]`` for a (M, D) ``g2``: one stable sort and ``add.reduceat``."""
    out = xp.zeros((num_weights, g2.shape[1]), dtype=g2.dtype)
    m = idx.shape[0]
    if m == 0:
        return out
    order = xp.argsort(idx, kind="stable")
    s = idx[order]
    first = xp.empty(m, dtype=bool)
    first[0] = True
    xp.not_equal(s[1:], s[:-1], out=first[1:])
    starts = xp.flatnonzero(first)
    rows = s[starts]
    if starts.shape[0] == m:  # all distinct: a plain assignment
        out[rows] = g2[order]
    else:
        sums = xp.add.reduceat(g2[order], starts, axis=0)
        if scale_grad_by_freq:
            counts = xp.diff(xp.append(starts, m))
            sums /= counts.astype(g2.dtype)[:, None]
        out[rows] = sums
    if padding_idx >= 0:
        out[padding_idx] = 0
    return out


@primitive("embedding", OTHER, node_name="EmbeddingBackward0")
def _embedding(xp, weight, indices, padding_idx, scale_grad_by_freq):
    return xp.take(weight, indices, axis=0)


@primitive("embedding_dense_backward", OTHER, node_name="EmbeddingDenseBackward0")
def _embedding_backward(xp, g, indices, num_weights, padding_idx, scale_grad_by_freq):
    d = g.shape[-1]
    return _scatter_rows(xp, g.reshape(-1, d), indices.reshape(-1), num_weights, padding_idx,
                         scale_grad_by_freq)


@_embedding.defvjp
def _embedding_vjp(g, out, weight, indices, padding_idx, scale_grad_by_freq):
    if not weight._requires_grad:
        return None, None
    return _embedding_backward(g, indices, num_weights=weight.shape[0], padding_idx=padding_idx,
                               scale_grad_by_freq=scale_grad_by_freq), None


@_embedding_backward.defvjp
def _embedding_backward_vjp(gg, out, g, indices, num_weights, padding_idx, scale_grad_by_freq):
    rows = _embedding(gg, indices, padding_idx=-1, scale_grad_by_freq=False)
    if padding_idx >= 0 or scale_grad_by_freq:
        idx = indices._data
        coef = xp.ones(idx.shape, dtype=gg._data.dtype)
        if scale_grad_by_freq:
            counts = xp.bincount(idx.reshape(-1), minlength=num_weights)
            coef = coef / counts[idx].astype(coef.dtype)
        if padding_idx >= 0:
            coef[idx == padding_idx] = 0
        rows = rows * _make(coef[..., None])
    return rows, None


def gather_rows(weight: Tensor, indices: Tensor, padding_idx: int = -1,
                scale_grad_by_freq: bool = False) -> Tensor:
    """``weight[indices]`` with the embedding backward (no checks)."""
    return _embedding(weight, indices, padding_idx=int(padding_idx),
                      scale_grad_by_freq=bool(scale_grad_by_freq))


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by ``indices`` (``torch.embedding``); gradient rows at
    ``padding_idx`` are zero, and ``scale_grad_by_freq`` divides each row's gradient by its
    index's count in ``indices``. ``sparse=True`` gives a dense gradient.

    Example::

        >>> ember.embedding(ember.eye(3), ember.tensor([2, 0]))
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    check_indices(indices)
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = indices._data
    if idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    return gather_rows(weight, indices, padding_idx, scale_grad_by_freq)


def embedding_renorm_(weight, indices, max_norm, norm_type):
    """Rescale (in place, no graph) the rows of ``weight`` referenced by ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm`` (``torch.embedding_renorm_``).

    Example::

        >>> w = ember.full((2, 2), 3.0)
        >>> ember.embedding_renorm_(w, ember.tensor([0]), 1.0, 2.0)[0]
        tensor([0.7071, 0.7071])
    """
    check_indices(indices, "embedding_renorm_")
    data = weight._data
    uniq = xp.unique(indices._data.reshape(-1))
    if uniq.size == 0:
        return weight
    if uniq[0] < 0 or uniq[-1] >= data.shape[0]:
        raise IndexError("index out of range in self")
    rows = data[uniq]
    p = float(norm_type)
    if p == 2:
        norms = xp.sqrt((rows * rows).sum(axis=1))
    elif p == float("inf"):
        norms = xp.abs(rows).max(axis=1)
    elif p == 1:
        norms = xp.abs(rows).sum(axis=1)
    else:
        norms = (xp.abs(rows) ** p).sum(axis=1) ** (1.0 / p)
    norms = norms.astype(xp.float64)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(data.dtype)
        data[uniq[big]] = rows[big] * scale[:, None]
        weight._version_box[0] += 1
    return weight


# -- bags ---------------------------------------------------------------------------------------
@primitive("embedding_bag_sum", OTHER, node_name="EmbeddingBagBackward0", saves=True)
def _bag_sum(xp, rows, bag_of, nbags):
    """Sum the (M, D) ``rows`` into ``nbags`` bags; ``bag_of`` is sorted (-1 = dropped)."""
    out = xp.zeros((nbags, rows.shape[1]), dtype=rows.dtype)
    keep = bag_of >= 0
    if not keep.all():
        rows, bag_of = rows[keep], bag_of[keep]
    m = bag_of.shape[0]
    if m == 0:
        return out
    first = xp.empty(m, dtype=bool)
    first[0] = True
    xp.not_equal(bag_of[1:], bag_of[:-1], out=first[1:])
    starts = xp.flatnonzero(first)
    out[bag_of[starts]] = xp.add.reduceat(rows, starts, axis=0)
    return out


@_bag_sum.defvjp
def _bag_sum_vjp(g, out, rows, bag_of, nbags):
    b = bag_of._data
    if (b >= 0).all():
        return gather_rows(g, bag_of), None
    gz = g.new_zeros((1, g.shape[1]))
    from .join import cat
    return gather_rows(cat([g, gz], 0), _make(xp.where(b >= 0, b, nbags))), None


def bag_sum(rows: Tensor, bag_of, nbags: int) -> Tensor:
    """Per-bag sums of ``rows`` (``bag_of``: a sorted int64 array, -1 for dropped rows)."""
    return _bag_sum(rows, _make(bag_of), nbags=int(nbags))


@primitive("embedding_bag_take_cells", OTHER, node_name="EmbeddingBagBackward0")
def _take_cells(xp, rows, pos):
    """``out[b, d] = rows[pos[b, d], d]`` (0 where ``pos`` is -1)."""
    d = rows.shape[1]
    safe = xp.where(pos >= 0, pos, 0)
    out = xp.take_along_axis(rows, safe, axis=0) if rows.shape[0] else \
        xp.zeros(pos.shape, rows.dtype)
    if d and (pos < 0).any():
        out = xp.where(pos >= 0, out, rows.dtype.type(0))
    return out


@primitive("embedding_bag_put_cells", OTHER, node_name="EmbeddingBagBackward0")
def _put_cells(xp, g, pos, m):
    """The adjoint of ``take_cells``: ``out[pos[b, d], d] = g[b, d]`` into (m, D) zeros."""
    out = xp.zeros((m, g.shape[1]), dtype=g.dtype)
    b, d = xp.nonzero(pos >= 0)
    out[pos[b, d], d] = g[b, d]  # positions are distinct per column (one bag per row)
    return out


@_take_cells.defvjp
def _take_cells_vjp(g, out, rows, pos):
    return _put_cells(g, pos, m=rows.shape[0]), None


@_put_cells.defvjp
def _put_cells_vjp(gg, out, g, pos, m):
    return _take_cells(gg, pos), None


def take_cells(rows: Tensor, pos) -> Tensor:
    """``rows[pos[b, d], d]`` per cell, differentiable (max-mode bags)."""
    return _take_cells(rows, _make(pos))


publish(embedding, "embedding")
publish(embedding_renorm_, "embedding_renorm_")
