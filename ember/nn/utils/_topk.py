"""Which indices torch's CPU ``topk`` returns when tied values straddle the cut.

torch's kernel (ATen ``TopKImpl.h``) runs libstdc++'s ``std::partial_sort`` when
``k * 64 <= n`` and ``std::nth_element`` otherwise on (value, index) pairs compared by value
only, so the tied elements it keeps depend on those algorithms. ``torch_topk_indices`` answers
with NumPy when the top-k set is unambiguous (no tie at the k-th value straddles the cut: the
usual case) and otherwise replays the libstdc++ algorithms on integer keys in pure Python — a
per-element loop, taken only on that rare path (pruning is a one-off operation).
"""
from __future__ import annotations

from ..._backend import CPU

xp = CPU.xp

__all__ = ["torch_topk_indices"]


def torch_topk_indices(x, k: int, largest: bool = True):
    """The index set of torch CPU's ``topk(x, k, largest)`` for a 1-d tensor, as an int64
    tensor (order unspecified)."""
    import ember
    a = xp.asarray(x.detach()._data).reshape(-1)
    n = a.shape[0]
    if k <= 0:
        return ember.zeros(0, dtype=ember.int64)
    # key: comp(x, y) <=> key(x) < key(y); NaN counts as the largest value (torch/numpy)
    nan = xp.isnan(a) if a.dtype.kind in "fc" else xp.zeros(n, bool)
    vals = xp.where(nan, 0, a).astype(xp.float64)
    key = xp.where(nan, -xp.inf, -vals) if largest else xp.where(nan, xp.inf, vals)
    kth = xp.partition(key, k - 1)[k - 1]
    better = key < kth
    tied = xp.flatnonzero(key == kth)
    need = k - int(better.sum())
    if need == len(tied):
        return ember.from_numpy(xp.flatnonzero(better | (key == kth)).astype(xp.int64))
    # ambiguous: replay libstdc++ on dense integer ranks
    _, ranks = xp.unique(key, return_inverse=True)
    q = list(zip(ranks.reshape(-1).tolist(), range(n)))
    if k * 64 <= n:
        _heap_select(q, 0, k, n)
    else:
        _nth_element(q, k - 1, n)
    return ember.tensor([i for _, i in q[:k]], dtype=ember.int64)


# -- libstdc++ (bits/stl_algo.h, bits/stl_heap.h) with comp = "<" on the first element ---------
def _adjust_heap(q, first, hole, length, value):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if q[first + child][0] < q[first + child - 1][0]:
            child -= 1
        q[first + hole] = q[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        q[first + hole] = q[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and q[first + parent][0] < value[0]:
        q[first + hole] = q[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[first + hole] = value


def _make_heap(q, first, last):
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(q, first, parent, length, q[first + parent])
        if parent == 0:
            return
        parent -= 1


def _heap_select(q, first, middle, last):
    _make_heap(q, first, middle)
    for i in range(middle, last):
        if q[i][0] < q[first][0]:
            value = q[i]
            q[i] = q[first]
            _adjust_heap(q, first, 0, middle - first, value)


def _insertion_sort(q, first, last):
    if first == last:
        return
    for i in range(first + 1, last):
        val = q[i]
        if val[0] < q[first][0]:
            q[first + 1:i + 1] = q[first:i]
            q[first] = val
        else:
            j = i
            while val[0] < q[j - 1][0]:
                q[j] = q[j - 1]
                j -= 1
            q[j] = val


def _move_median_to_first(q, result, a, b, c):
    ka, kb, kc = q[a][0], q[b][0], q[c][0]
    if ka < kb:
        if kb < kc:
            m = b
        elif ka < kc:
            m = c
        else:
            m = a
    elif ka < kc:
        m = a
    elif kb < kc:
        m = c
    else:
        m = b
    q[result], q[m] = q[m], q[result]


def _unguarded_partition(q, first, last, pivot):
    pk = q[pivot][0]
    while True:
        while q[first][0] < pk:
            first += 1
        last -= 1
        while pk < q[last][0]:
            last -= 1
        if not first < last:
            return first
        q[first], q[last] = q[last], q[first]
        first += 1


def _nth_element(q, nth, last):
    first = 0
    if first == last or nth == last:
        return
    depth = 2 * ((last - first).bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(q, first, nth + 1, last)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        mid = first + (last - first) // 2
        _move_median_to_first(q, first, first + 1, mid, last - 1)
        cut = _unguarded_partition(q, first + 1, last, first)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(q, first, last)
