"""Selection and sorting ops beyond the sweep: error texts, namedtuples, in-place autograd,
tie behaviour, higher-order gradients."""
import numpy as np
import pytest
import torch

import ember


def _both(fn):
    """Run ``fn(lib)`` with torch and ember; return both results (or both exceptions)."""
    out = []
    for lib in (torch, ember):
        try:
            out.append(fn(lib))
        except Exception as exc:  # noqa: BLE001
            out.append(exc)
    return out


@pytest.mark.parametrize("call", [
    lambda L: L.gather(L.zeros(3, 4), 1, L.tensor([[0, 5]])),
    lambda L: L.gather(L.zeros(3, 4), 1, L.tensor([0, 1])),
    lambda L: L.gather(L.zeros(3, 4), 1, L.tensor([[0.0]])),
    lambda L: L.gather(L.zeros(3, 4), 1, L.zeros(4, 5, dtype=L.int64)),
    lambda L: L.zeros(3, 4).scatter(1, L.tensor([[5]]), 1.0),
    lambda L: L.zeros(3, 4).scatter_add(1, L.tensor([[0]]), L.ones(1, 1, dtype=L.float64)),
    lambda L: L.zeros(3).scatter_reduce(0, L.tensor([0]), L.ones(1), "foo"),
    lambda L: L.index_select(L.zeros(3, 4), 0, L.tensor([[0]])),
    lambda L: L.index_select(L.zeros(3, 4), 0, L.tensor([1.0])),
    lambda L: L.index_select(L.zeros(3), 0, L.tensor([5])),
    lambda L: L.index_add(L.zeros(3), 0, L.tensor([0]), L.ones(1, dtype=L.float64)),
    lambda L: L.index_add(L.zeros(3), 0, L.tensor([0, 1]), L.ones(1)),
    lambda L: L.index_copy(L.zeros(3), 0, L.tensor([5]), L.ones(1)),
    lambda L: L.index_fill(L.zeros(3), 0, L.tensor([5]), 1),
    lambda L: L.take(L.zeros(3, 4), L.tensor([15])),
    lambda L: L.masked_fill(L.zeros(3), L.tensor([1, 0, 1]), 1.0),
    lambda L: L.masked_fill(L.zeros(3), L.tensor([True, False, True]), L.tensor([1.0])),
    lambda L: L.arange(3).masked_fill_(L.tensor([[True], [False]]), 1),
    lambda L: L.masked_select(L.zeros(3), L.tensor([1, 0, 1])),
    lambda L: L.masked_scatter(L.zeros(4), L.tensor([True, False, True, True]), L.ones(2)),
    lambda L: L.index_put(L.zeros(3), (L.tensor([1]),), L.ones(1, dtype=L.float64)),
    lambda L: L.topk(L.zeros(3), 4),
    lambda L: L.kthvalue(L.zeros(3), 0),
    lambda L: L.bincount(L.tensor([-1, 2])),
    lambda L: L.searchsorted(L.tensor([[1, 3]]), L.tensor([3, 6, 9])),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([3]), right=True, side="left"),
    lambda L: L.bucketize(L.tensor([1.0]), L.ones(2, 2)),
])
def test_errors_match_torch(call):
    t, e = _both(call)
    assert isinstance(t, Exception), "torch accepted the call"
    assert type(e) is type(t), f"ember raised {e!r}, torch {t!r}"
    assert str(e) == str(t)


def test_namedtuples():
    x = ember.tensor([[3.0, 1.0, 2.0]])
    for name, res in [("sort", x.sort()), ("topk", x.topk(2)), ("kthvalue", x.kthvalue(1)),
                      ("cummax", x.cummax(1)), ("cummin", x.cummin(1))]:
        assert type(res).__name__ == name
        assert res.values is res[0] and res.indices is res[1]
        assert res.indices.dtype == ember.int64
        assert repr(res).startswith(f"torch.return_types.{name}(")
    h = ember.histogram(ember.tensor([1.0, 2.0]), 2)
    assert h.hist is h[0] and h.bin_edges is h[1]


def test_sort_ties_and_nan_like_torch():
    a = np.array([3, 1, 2, 1, 3, np.nan, 1, 2, np.nan] * 20, np.float32)
    for desc in (False, True):
        t = torch.sort(torch.from_numpy(a), descending=desc, stable=True)
        e = ember.sort(ember.from_numpy(a), descending=desc, stable=True)
        np.testing.assert_array_equal(e.indices.numpy(), t.indices.numpy())
        np.testing.assert_array_equal(e.values.numpy(), t.values.numpy())
    # topk of a long tie-free row (torch's partial sort path) agrees exactly
    b = np.random.default_rng(0).permutation(5000).astype(np.float32).reshape(5, 1000)
    for largest in (True, False):
        t = torch.topk(torch.from_numpy(b), 7, largest=largest)
        e = ember.topk(ember.from_numpy(b), 7, largest=largest)
        np.testing.assert_array_equal(e.indices.numpy(), t.indices.numpy())


def test_where_one_arg_and_nonzero():
    x = ember.tensor([[0, 2], [3, 0]])
    rows, cols = ember.where(x)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    assert ember.nonzero(ember.tensor(3.0)).shape == (1, 0)
    assert [t.tolist() for t in ember.nonzero(ember.tensor(3.0), as_tuple=True)] == [[0]]
    assert ember.argwhere(x).tolist() == [[0, 1], [1, 0]]


def test_inplace_ops_record_autograd_and_bump_version():
    for lib in (torch, ember):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        src = lib.tensor([5.0, 7.0], requires_grad=True)
        y = w * 2
        v = y._version
        y.index_add_(0, lib.tensor([0, 0]), src, alpha=3)
        y.masked_fill_(lib.tensor([False, True, False]), 0.0)
        assert y._version > v
        y.sum().backward()
        if lib is torch:
            tw, ts = w.grad.numpy(), src.grad.numpy()
        else:
            np.testing.assert_allclose(w.grad.numpy(), tw)
            np.testing.assert_allclose(src.grad.numpy(), ts)


def test_inplace_on_leaf_requiring_grad_raises():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.scatter_(0, ember.tensor([0]), 1.0)


def test_scatter_reduce_amax_ties_share_gradient():
    out = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, 5.0], requires_grad=True)
        src = lib.tensor([5.0, 5.0, 2.0], requires_grad=True)
        r = x.scatter_reduce(0, lib.tensor([1, 1, 0]), src, "amax")
        gx, gs = lib.autograd.grad(r.sum(), (x, src))
        out.append((gx.numpy(), gs.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0])
    np.testing.assert_allclose(out[1][1], out[0][1])


def test_double_backward_gather_and_cummax():
    for fn in (lambda L, x: L.gather(x, 1, L.tensor([[0, 0], [2, 1]])) ** 2,
               lambda L, x: L.cummax(x, 1).values ** 2,
               lambda L, x: L.sort(x, 1).values ** 3):
        res = []
        for lib in (torch, ember):
            x = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)
            (g,) = lib.autograd.grad(fn(lib, x).sum(), (x,), create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), (x,))
            res.append(gg.numpy())
        np.testing.assert_allclose(res[1], res[0], rtol=1e-6)


def test_scatter_add_float32_stays_float32_and_big_ints_exact():
    r = ember.zeros(3).scatter_add(0, ember.tensor([0, 0]), ember.tensor([0.1, 0.2]))
    assert r.dtype == ember.float32
    big = 2 ** 60
    r = ember.zeros(2, dtype=ember.int64).scatter_add(0, ember.tensor([0, 0]),
                                                      ember.tensor([big, 1]))
    assert r.tolist() == [big + 1, 0]


def test_bincount_and_histc_dtypes():
    i = ember.tensor([1, 1, 3])
    assert ember.bincount(i).dtype == ember.int64
    assert ember.bincount(i, weights=ember.tensor([1.0, 2.0, 3.0])).dtype == ember.float32
    assert ember.bincount(i, weights=ember.tensor([1, 2, 3])).dtype == ember.float64
    assert ember.histc(ember.tensor([1.0, 2.0], dtype=ember.float64), 3).dtype == ember.float64
    with pytest.raises(NotImplementedError):
        ember.histc(ember.tensor([1, 2]), 3)


def test_logcumsumexp_large_values_and_grad():
    a = np.array([1000.0, 1001.0, -1000.0, 3.0])
    t = torch.tensor(a, requires_grad=True)
    e = ember.tensor(a, requires_grad=True)
    tr, er = torch.logcumsumexp(t, 0), ember.logcumsumexp(e, 0)
    np.testing.assert_allclose(er.detach().numpy(), tr.detach().numpy())
    w = np.array([1.0, -2.0, 0.0, 3.0])
    (tr * torch.tensor(w)).sum().backward()
    (er * ember.tensor(w)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_unique_variants():
    x = ember.tensor([[3, 1], [2, 1], [3, 1]])
    vals, inv, cnt = ember.unique(x, dim=0, return_inverse=True, return_counts=True)
    assert vals.tolist() == [[2, 1], [3, 1]] and inv.tolist() == [1, 0, 1]
    assert cnt.tolist() == [1, 2]
    assert x.unique().tolist() == [1, 2, 3]
    v, c = ember.unique_consecutive(ember.tensor([3, 3, 1, 1, 3]), return_counts=True)
    assert v.tolist() == [3, 1, 3] and c.tolist() == [2, 2, 1]
