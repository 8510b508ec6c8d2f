"""Matrix products: torch's error texts, grad_fn names, second derivatives, in-place variants."""
import numpy as np
import pytest
import torch

import ember


def _pair(*shapes, dtype=np.float32, grad=False, seed=0):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    e = [ember.from_numpy(a.copy()) for a in arrs]
    t = [torch.from_numpy(a.copy()) for a in arrs]
    if grad:
        e = [x.requires_grad_() for x in e]
        t = [x.requires_grad_() for x in t]
    return e, t


def _same_error(fn, *shapes, dtypes=None):
    rng = np.random.default_rng(0)
    dtypes = dtypes or [np.float32] * len(shapes)
    arrs = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]
    with pytest.raises(Exception) as te:
        fn(torch, *[torch.from_numpy(a) for a in arrs])
    with pytest.raises(type(te.value)) as ee:
        fn(ember, *[ember.from_numpy(a) for a in arrs])
    assert str(ee.value) == str(te.value)


ERRORS = [
    ("mm shapes", lambda L, a, b: L.mm(a, b), [(64, 784), (512, 10)], None),
    ("matmul shapes", lambda L, a, b: a @ b, [(64, 784), (512, 10)], None),
    ("mm dtype", lambda L, a, b: L.mm(a, b), [(2, 3), (3, 4)], [np.float32, np.float64]),
    ("matmul int/float", lambda L, a, b: a @ b, [(2, 3), (3, 4)], [np.int64, np.float32]),
    ("mm 1-D", lambda L, a, b: L.mm(a, b), [(3,), (3, 4)], None),
    ("matmul 0-D", lambda L, a, b: L.matmul(a, b), [(), (3,)], None),
    ("matmul 1-D sizes", lambda L, a, b: a @ b, [(3,), (4,)], None),
    ("matmul 2-D 1-D", lambda L, a, b: a @ b, [(2, 3), (4,)], None),
    ("matmul 1-D 2-D", lambda L, a, b: a @ b, [(3,), (4, 5)], None),
    ("matmul batched", lambda L, a, b: a @ b, [(5, 2, 3), (5, 4, 4)], None),
    ("matmul broadcast", lambda L, a, b: a @ b, [(5, 2, 3), (4, 3, 4)], None),
    ("matmul dtype 1-D", lambda L, a, b: a @ b, [(3,), (3,)], [np.float32, np.float64]),
    ("matmul dtype mv", lambda L, a, b: a @ b, [(2, 3), (3,)], [np.float32, np.float64]),
    ("matmul dtype bmm", lambda L, a, b: a @ b, [(2, 2, 3), (2, 3, 4)],
     [np.float64, np.float32]),
    ("bmm batch", lambda L, a, b: L.bmm(a, b), [(5, 2, 3), (4, 3, 4)], None),
    ("bmm inner", lambda L, a, b: L.bmm(a, b), [(5, 2, 3), (5, 4, 4)], None),
    ("bmm 2-D", lambda L, a, b: L.bmm(a, b), [(2, 3), (3, 4)], None),
    ("mv sizes", lambda L, a, b: L.mv(a, b), [(2, 3), (4,)], None),
    ("mv dims", lambda L, a, b: L.mv(a, b), [(3,), (3,)], None),
    ("mv dtype", lambda L, a, b: L.mv(a, b), [(2, 3), (3,)], [np.float64, np.float32]),
    ("dot 2-D", lambda L, a, b: L.dot(a, b), [(3, 3), (3, 3)], None),
    ("dot sizes", lambda L, a, b: L.dot(a, b), [(3,), (4,)], None),
    ("dot dtype", lambda L, a, b: L.dot(a, b), [(3,), (3,)], [np.float32, np.float64]),
    ("inner", lambda L, a, b: L.inner(a, b), [(2, 3), (4, 2)], None),
    ("outer", lambda L, a, b: L.outer(a, b), [(2, 2), (3,)], None),
    ("addmm dtype", lambda L, i, a, b: L.addmm(i, a, b), [(2, 2), (2, 2), (2, 2)],
     [np.float64, np.float32, np.float32]),
    ("addmm broadcast", lambda L, i, a, b: L.addmm(i, a, b), [(3,), (2, 2), (2, 2)], None),
    ("addmm 1-D", lambda L, i, a, b: L.addmm(i, a, b), [(2,), (3,), (3, 2)], None),
    ("addmv sizes", lambda L, i, a, b: L.addmv(i, a, b), [(2,), (2, 3), (4,)], None),
    ("addmv dtype", lambda L, i, a, b: L.addmv(i, a, b), [(2,), (2, 2), (2,)],
     [np.float64, np.float32, np.float32]),
    ("addr 2-D", lambda L, i, a, b: L.addr(i, a, b), [(2, 3), (2, 2), (3,)], None),
    ("addr int beta", lambda L, i, a, b: L.addr(i, a, b, beta=0.5), [(2, 3), (2,), (3,)],
     [np.int64] * 3),
    ("baddbmm batch", lambda L, i, a, b: L.baddbmm(i, a, b), [(2, 3), (5, 2, 4), (4, 4, 3)],
     None),
    ("baddbmm dtype", lambda L, i, a, b: L.baddbmm(i, a, b), [(2, 2), (1, 2, 2), (1, 2, 2)],
     [np.float64, np.float32, np.float32]),
    ("addbmm batch", lambda L, i, a, b: L.addbmm(i, a, b), [(2, 3), (5, 2, 4), (4, 4, 3)],
     None),
    ("addbmm inner", lambda L, i, a, b: L.addbmm(i, a, b), [(2, 3), (5, 2, 4), (5, 3, 3)],
     None),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, dims=1), [(2, 3), (4, 5)], None),
    ("tensordot dtype", lambda L, a, b: L.tensordot(a, b, dims=1), [(2, 3), (3, 5)],
     [np.float32, np.float64]),
    ("einsum size", lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 3), (4, 4)], None),
    ("einsum ndim", lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 3, 3), (3, 4)], None),
    ("einsum fewer", lambda L, a: L.einsum("ij,jk->ik", a), [(2, 3)], None),
    ("einsum more", lambda L, a, b: L.einsum("ij->ij", a, b), [(2, 3), (3,)], None),
    ("einsum char", lambda L, a: L.einsum("i1->i", a), [(2, 3)], None),
    ("einsum out twice", lambda L, a: L.einsum("ij->ii", a), [(2, 3)], None),
    ("einsum out unknown", lambda L, a: L.einsum("ij->k", a), [(2, 3)], None),
    ("einsum diag sizes", lambda L, a: L.einsum("ii", a), [(2, 3)], None),
    ("einsum dots", lambda L, a: L.einsum("i.->i", a), [(2, 3)], None),
    ("einsum too many subs", lambda L, a: L.einsum("ijk...->i", a), [(2, 3)], None),
    ("einsum ellipsis", lambda L, a, b: L.einsum("...ij,...jk->...ik", a, b),
     [(2, 2, 3), (3, 3, 4)], None),
    ("einsum dtype", lambda L, a, b: L.einsum("i,i->", a, b), [(3,), (3,)],
     [np.float32, np.float64]),
]


@pytest.mark.parametrize("fn,shapes,dtypes", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error_messages(fn, shapes, dtypes):
    _same_error(fn, *shapes, dtypes=dtypes)


@pytest.mark.parametrize("fn", [
    lambda L, a, b: a @ b, lambda L, a, b: L.dot(a.reshape(-1), b.reshape(-1)),
    lambda L, a, b: L.mv(a, L.ones(2, dtype=L.bool)),
    lambda L, a, b: L.bmm(a.reshape(1, 2, 2), b.reshape(1, 2, 2))])
def test_bool_not_implemented(fn):
    _same_error(fn, (2, 2), (2, 2), dtypes=[np.bool_, np.bool_])


GRAD_FN = [
    ((3,), (3,), "DotBackward0"), ((2, 3), (3,), "MvBackward0"), ((3,), (3, 4), "SqueezeBackward4"),
    ((2, 3), (3, 4), "MmBackward0"), ((5, 2, 3), (5, 3, 4), "UnsafeViewBackward0"),
    ((5, 2, 3), (3, 4), "UnsafeViewBackward0"), ((2, 3), (5, 3, 4), "CloneBackward0"),
]


@pytest.mark.parametrize("sa,sb,name", GRAD_FN)
def test_matmul_grad_fn_names(sa, sb, name):
    (ea, eb), (ta, tb) = _pair(sa, sb, grad=True)
    assert type((ta @ tb).grad_fn).__name__ == name
    assert (ea @ eb).grad_fn.name() == name


def test_named_products_grad_fn():
    (a, b, c), _ = _pair((2, 4), (2, 3), (3, 4), grad=True)
    assert ember.addmm(a, b, c).grad_fn.name() == "AddmmBackward0"
    (x, y), _ = _pair((5, 2, 3), (5, 3, 4), grad=True)
    assert ember.bmm(x, y).grad_fn.name() == "BmmBackward0"


SECOND_ORDER = [
    ("mm", lambda L, a, b: L.mm(a, b), [(2, 3), (3, 4)]),
    ("mv", lambda L, a, b: L.mv(a, b), [(2, 3), (3,)]),
    ("dot", lambda L, a, b: L.dot(a, b), [(3,), (3,)]),
    ("vecmat", lambda L, a, b: a @ b, [(3,), (3, 4)]),
    ("bmm", lambda L, a, b: L.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    ("matmul fold", lambda L, a, b: a @ b, [(2, 2, 3), (3, 4)]),
    ("matmul bcast", lambda L, a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)]),
    ("matmul 1-D batched", lambda L, a, b: a @ b, [(3,), (2, 3, 4)]),
    ("addmm", lambda L, i, a, b: L.addmm(i, a, b, beta=0.5, alpha=2), [(4,), (2, 3), (3, 4)]),
    ("einsum", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 4)]),
    ("einsum diag", lambda L, a, b: L.einsum("ii,ij->j", a, b), [(3, 3), (3, 2)]),
    ("einsum 3", lambda L, a, b, c: L.einsum("ij,jk,k->i", a, b, c), [(2, 3), (3, 3), (3,)]),
]


@pytest.mark.parametrize("fn,shapes", [s[1:] for s in SECOND_ORDER],
                         ids=[s[0] for s in SECOND_ORDER])
def test_second_derivatives_match_torch(fn, shapes):
    """d/dx of <grad(f)(x), v> against torch (create_graph through the vjp rules)."""
    es, ts = _pair(*shapes, dtype=np.float64, grad=True)
    outs = []
    for L, xs in ((ember, es), (torch, ts)):
        y = fn(L, *xs)
        cot = L.ones_like(y) * 0.5 if L is torch else ember.ones_like(y) * 0.5
        gs = L.autograd.grad([y], xs, [cot], create_graph=True)
        total = sum(L.einsum("...->", g * g) for g in gs)  # a sum that needs no reduction op
        outs.append(L.autograd.grad([total], xs, allow_unused=True))
    for e, t in zip(*outs):
        if t is None:
            assert e is None or np.allclose(e.detach().numpy(), 0)
        else:
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-9,
                                       atol=1e-9)


def test_float32_stays_float32_in_backward():
    (a, b, c), _ = _pair((4, 2, 3), (3, 5), (2, 3), grad=True)
    for y, xs in ((a @ b, [a, b]), (ember.addmm(ember.zeros(5), c, b, beta=0.5, alpha=1.5),
                                    [c, b])):
        grads = ember.autograd.grad([y], xs, [ember.ones_like(y)])
        assert y.dtype == ember.float32
        assert all(g.dtype == ember.float32 for g in grads)


def test_integer_matmul():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(12, dtype=np.int64).reshape(3, 4)
    e = ember.from_numpy(a) @ ember.from_numpy(b)
    assert e.dtype == ember.int64
    np.testing.assert_array_equal(e.numpy(), a @ b)


@pytest.mark.parametrize("name,args,kw", [
    ("addmm_", [(2, 4), (2, 3), (3, 4)], {"beta": 0.5, "alpha": 2}),
    ("addmv_", [(2,), (2, 3), (3,)], {"alpha": -1}),
    ("addr_", [(2, 3), (2,), (3,)], {"beta": 2}),
    ("baddbmm_", [(4, 2, 3), (4, 2, 5), (4, 5, 3)], {}),
    ("addbmm_", [(2, 3), (4, 2, 5), (4, 5, 3)], {"beta": 0}),
])
def test_inplace_variants(name, args, kw):
    es, ts = _pair(*args, dtype=np.float64)
    e_self, t_self = es[0], ts[0]
    r = getattr(e_self, name)(*es[1:], **kw)
    getattr(t_self, name)(*ts[1:], **kw)
    assert r is e_self
    np.testing.assert_allclose(e_self.numpy(), t_self.numpy(), rtol=1e-12)


def test_addmm_beta_zero_ignores_nan():
    inp = ember.full((2, 2), float("nan"))
    r = ember.addmm(inp, ember.ones(2, 2), ember.ones(2, 2), beta=0)
    assert np.all(r.numpy() == 2)


def test_out_argument():
    (a, b), (ta, tb) = _pair((2, 3), (3, 4))
    out = ember.empty(2, 4)
    r = ember.matmul(a, b, out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), (ta @ tb).numpy(), rtol=1e-6)


def test_rmatmul_and_method_forms():
    (a, b), (ta, tb) = _pair((2, 3), (3, 4))
    np.testing.assert_allclose(a.matmul(b).numpy(), (ta @ tb).numpy(), rtol=1e-6)
    np.testing.assert_allclose(a.mm(b).numpy(), ta.mm(tb).numpy(), rtol=1e-6)
    assert ember.ger(ember.ones(2), ember.ones(3)).shape == (2, 3)


@pytest.mark.parametrize("eq,shapes", [
    ("...ij,...jk->...ik", [(5, 2, 3), (1, 3, 4)]),
    ("i...j,j->...i", [(2, 4, 1, 3), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ij->j", [(2, 3)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
])
def test_einsum_gradients(eq, shapes):
    es, ts = _pair(*shapes, dtype=np.float64, grad=True)
    ye, yt = ember.einsum(eq, *es), torch.einsum(eq, *ts)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
    cot = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    ge = ember.autograd.grad([ye], es, [ember.from_numpy(cot)])
    gt = torch.autograd.grad([yt], ts, [torch.from_numpy(cot)])
    for e, t in zip(ge, gt):
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_einsum_result_does_not_alias_input():
    x = ember.ones(2, 3)
    y = ember.einsum("ij->ji", x)
    y.add_(1)
    assert np.all(x.numpy() == 1)
