"""nn.functional: embedding and embedding_bag (torch's front ends; the primitives are in
``ember/_ops/embedding.py``). ``sparse=True`` is accepted and gives a dense gradient."""
from __future__ import annotations

from ..._backend import CPU
from ..._ops import embedding as _emb
from ..._tensor import Tensor, _make
from ...autograd.grad_mode import no_grad

__all__ = ["embedding", "embedding_bag"]

xp = CPU.xp


def _padding(padding_idx, n: int, msg: str = "Padding_idx must be within num_embeddings"):
    if padding_idx is None:
        return -1
    if padding_idx > 0:
        if padding_idx >= n:
            raise AssertionError(msg)
    elif padding_idx < 0:
        if padding_idx < -n:
            raise AssertionError(msg)
        padding_idx = n + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (``torch.nn.functional.embedding``).

    ``max_norm`` renormalizes the referenced rows of ``weight`` in place first; ``padding_idx``
    rows get no gradient.

    Example::

        >>> F.embedding(ember.tensor([[1, 0]]), ember.eye(2))
        tensor([[[0., 1.],
                 [1., 0.]]])
    """
    padding_idx = _padding(padding_idx, weight.size(0))
    if max_norm is not None:
        input = input.contiguous()
        with no_grad():
            _emb.embedding_renorm_(weight, input, max_norm, norm_type)
    return _emb.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _bags(input, offsets, include_last_offset):
    """``bag_of`` (sorted, -1 for entries after the last bag) and the number of bags."""
    m = input.numel()
    off = offsets._data.astype(xp.int64).reshape(-1)
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {int(off[0])}")
    if off.size and off[-1] > m:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {m} but got "
                           f"offsets[-1] of {int(off[-1])}")
    if off.size > 1 and (xp.diff(off) < 0).any():
        raise RuntimeError("offsets has to be a non-decreasing sequence")
    if include_last_offset:
        nbags = max(off.size - 1, 0)
        ends = off[1:]
        starts = off[:-1]
    else:
        nbags = off.size
        starts = off
        ends = xp.append(off[1:], m)
    bag_of = xp.full(m, -1, dtype=xp.int64)
    lengths = ends - starts
    if nbags:
        seg = xp.repeat(xp.arange(nbags, dtype=xp.int64), lengths)
        bag_of[int(starts[0]) if nbags else 0:int(starts[0]) + seg.size] = seg
    return bag_of, nbags


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Sums, means or maxes of bags of embeddings (``torch.nn.functional.embedding_bag``).

    A 2-D ``input`` is ``B`` bags of equal length; a 1-D ``input`` is split at ``offsets``.
    Empty bags give zeros; ``padding_idx`` entries are left out of the reduction.

    Example::

        >>> F.embedding_bag(ember.tensor([0, 1, 1]), ember.eye(2), ember.tensor([0, 1]),
        ...                 mode="sum")
        tensor([[1., 0.],
                [0., 2.]])
    """
    if weight.dtype.name == "int64" and input.is_floating_point():
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if not weight.dim() == 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated "
                             f"is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        offsets = _make(xp.arange(0, input.numel(), max(input.size(1), 1), dtype=xp.int64)
                        if input.size(1) else xp.zeros(input.size(0), dtype=xp.int64))
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    if max_norm is not None:
        with no_grad():
            _emb.embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    return _embedding_bag(input, weight, offsets, scale_grad_by_freq, mode,
                          per_sample_weights, include_last_offset, padding_idx)


def _embedding_bag(input, weight, offsets, scale_grad_by_freq, mode, per_sample_weights,
                   include_last_offset, padding_idx):
    _emb.check_indices(input, "embedding_bag")
    n = weight.size(0)
    idx = input._data.reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)][0]
        raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but found "
                           f"idx to be {int(bad)}")
    pad = _padding(padding_idx, n, "padding_idx must be within num_embeddings")
    bag_of, nbags = _bags(input, offsets, include_last_offset)
    if pad >= 0:
        bag_of = xp.where(idx == pad, -1, bag_of)
    # torch's quirk: with include_last_offset, entries after offsets[-1] still count in the last
    # bag's size for "mean" and take part in its "max"
    tail = xp.zeros(bag_of.shape, dtype=bool)
    if include_last_offset and nbags:
        end = int(offsets._data.reshape(-1)[-1])
        tail[end:] = True
        if pad >= 0:
            tail &= idx != pad
    rows = _emb.gather_rows(weight, input.reshape(-1), pad, scale_grad_by_freq)
    if mode == "max":
        return _bag_max(rows, xp.where(tail, nbags - 1, bag_of), nbags)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    out = _emb.bag_sum(rows, bag_of, nbags)
    if mode == "mean":
        counts = xp.bincount(xp.where(tail, nbags - 1, bag_of)[(bag_of >= 0) | tail],
                             minlength=nbags)[:nbags]
        inv = xp.where(counts > 0, 1.0 / xp.maximum(counts, 1), 0.0).astype(out._data.dtype)
        out = out * _make(inv[:, None])
    return out


def _bag_max(rows: Tensor, bag_of, nbags: int) -> Tensor:
    """Per-bag, per-column max (first maximum wins, like torch); empty bags give zeros."""
    r = rows._data
    m, d = r.shape
    pos = xp.full((nbags, d), -1, dtype=xp.int64)
    keep = xp.flatnonzero(bag_of >= 0)
    if keep.size and d:
        b = bag_of[keep]
        first = xp.empty(b.size, dtype=bool)
        first[0] = True
        xp.not_equal(b[1:], b[:-1], out=first[1:])
        starts = xp.flatnonzero(first)
        sub = r[keep]
        mx = xp.maximum.reduceat(sub, starts, axis=0)
        seg = xp.cumsum(first) - 1
        hit = sub == mx[seg]
        cand = xp.where(hit, keep[:, None], m)
        pos[b[starts]] = xp.minimum.reduceat(cand, starts, axis=0)
    return _emb.take_cells(rows, pos)
