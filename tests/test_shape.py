"""Shape and movement ops against torch: error texts, grad_fn names, view semantics (shared
memory and version counters), and hypothesis property tests of broadcasting, cat and split."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember


def pair(shape=(2, 3, 4), dtype=np.float32, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return ember.from_numpy(a.copy()), torch.from_numpy(a.copy())


def same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


def raises_like(fn_e, fn_t):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as te:
        fn_t()
    with pytest.raises(type(te.value)) as ee:
        fn_e()
    assert str(ee.value) == str(te.value).split("\n")[0].split(" (Triggered")[0]


# -- error messages ----------------------------------------------------------------------------
ERRORS = [
    lambda lib, x: lib.cat([x, lib.ones(2, 4, 4)], 1),
    lambda lib, x: lib.cat([x, lib.ones(2, 3)]),
    lambda lib, x: lib.cat([lib.ones(()), x]),
    lambda lib, x: lib.cat([]),
    lambda lib, x: lib.cat(x),
    lambda lib, x: lib.stack([x, x[:1]]),
    lambda lib, x: lib.stack([]),
    lambda lib, x: x.view(-1, -1),
    lambda lib, x: x.view(5, 5),
    lambda lib, x: x.transpose(0, 1).view(-1),
    lambda lib, x: x.t(),
    lambda lib, x: x[0, 0].mT,
    lambda lib, x: x.H,
    lambda lib, x: x.permute(0, 1),
    lambda lib, x: x.permute(0, 1, 1),
    lambda lib, x: x.flatten(2, 0),
    lambda lib, x: x.unflatten(1, (2, 2)),
    lambda lib, x: x.unflatten(1, ()),
    lambda lib, x: x.unsqueeze(4),
    lambda lib, x: x.squeeze(3),
    lambda lib, x: x.movedim((0, 1), (0,)),
    lambda lib, x: x.movedim((0, 0), (1, 2)),
    lambda lib, x: x.expand(3, 4),
    lambda lib, x: x.expand(2, 5, 4),
    lambda lib, x: x.repeat(2),
    lambda lib, x: x.split(0),
    lambda lib, x: x.split(-1),
    lambda lib, x: x.split([1, 2]),
    lambda lib, x: x.chunk(0),
    lambda lib, x: x.tensor_split(0),
    lambda lib, x: x.narrow(1, 2, 2),
    lambda lib, x: x.narrow(1, 5, 0),
    lambda lib, x: x.select(2, 4),
    lambda lib, x: x.select(2, -5),
    lambda lib, x: x.unbind(3),
    lambda lib, x: x.tril() if x.ndim < 2 else x[0, 0].tril(),
    lambda lib, x: x.diagonal(0, 1, -2),
    lambda lib, x: x.diag(),
    lambda lib, x: x.roll((1, 2), (0,)),
    lambda lib, x: x.rot90(1, (0, 0)),
    lambda lib, x: x.unfold(2, 5, 1),
    lambda lib, x: x.unfold(2, 2, 0),
    lambda lib, x: x.as_strided((30,), (1,)),
    lambda lib, x: x.as_strided((3,), (-1,)),
    lambda lib, x: x.view(lib.float64),
    lambda lib, x: x.transpose(1, 2).view(lib.int8),
    lambda lib, x: x[0, 0, 0].view(lib.int16),
    lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]), dim=1),
    lambda lib, x: lib.broadcast_shapes((2, 3), (4,)),
    lambda lib, x: lib.broadcast_tensors(x, lib.ones(5)),
    lambda lib, x: lib.hsplit(x, 2),
    lambda lib, x: lib.vsplit(x[0, 0], 2),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_error_messages_match_torch(k):
    e, t = pair((2, 3, 3))
    raises_like(lambda: ERRORS[k](ember, e), lambda: ERRORS[k](torch, t))


def test_cat_size_error_names_tensor_and_dim():
    with pytest.raises(RuntimeError, match=r"Sizes of tensors must match except in dimension 1\. "
                       r"Expected size 3 but got size 4 for tensor number 1 in the list\."):
        ember.cat([ember.zeros(3, 2), ember.zeros(4, 2)], dim=1)


def test_iter_0d():
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


# -- grad_fn names -----------------------------------------------------------------------------
NAMES = {
    "view": lambda x: x.view(6, 3), "reshape": lambda x: x.reshape(-1),
    "flatten": lambda x: x.flatten(), "unflatten": lambda x: x.unflatten(2, (3, 1)),
    "squeeze": lambda x: x[:, :1].squeeze(), "squeeze1": lambda x: x[:, :1].squeeze(1),
    "squeeze2": lambda x: x[:, :1].squeeze((1,)), "unsqueeze": lambda x: x.unsqueeze(0),
    "t": lambda x: x[0].t(), "T": lambda x: x[0].T, "mT": lambda x: x.mT,
    "transpose": lambda x: x.transpose(0, 1), "permute": lambda x: x.permute(2, 0, 1),
    "movedim": lambda x: x.movedim(0, 2), "expand": lambda x: x[:1].expand(4, 3, 3),
    "repeat": lambda x: x.repeat(1, 2, 1), "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1), "rot90": lambda x: x.rot90(),
    "cat": lambda x: ember.cat([x, x]) if isinstance(x, ember.Tensor) else torch.cat([x, x]),
    "stack": lambda x: (ember if isinstance(x, ember.Tensor) else torch).stack([x, x]),
    "split": lambda x: x.split(1)[0], "split_sizes": lambda x: x.split([1, 1])[1],
    "chunk": lambda x: x.chunk(2)[0], "tensor_split": lambda x: x.tensor_split(2)[1],
    "unbind": lambda x: x.unbind(1)[0], "iter": lambda x: next(iter(x)),
    "narrow": lambda x: x.narrow(1, 0, 2), "select": lambda x: x.select(1, 0),
    "tril": lambda x: x.tril(), "triu": lambda x: x.triu(), "diagonal": lambda x: x.diagonal(),
    "diag_embed": lambda x: x.diag_embed(), "as_strided": lambda x: x.as_strided((2,), (1,)),
    "unfold": lambda x: x.unfold(2, 2, 1),
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_grad_fn_names(name):
    e, t = pair((2, 3, 3))
    e.requires_grad_()
    t.requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert NAMES[name](e).grad_fn.name() == NAMES[name](t).grad_fn.name()


# -- views share memory and the version counter ------------------------------------------------
VIEWS = {
    "view": lambda x: x.view(-1), "transpose": lambda x: x.transpose(0, 2),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0), "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(0, 1), "split": lambda x: x.split(1, 1)[1],
    "unbind": lambda x: x.unbind(2)[1], "chunk": lambda x: x.chunk(3, 1)[2],
    "diagonal": lambda x: x.diagonal(0, 1, 2), "as_strided": lambda x: x.as_strided((3,), (2,), 1),
    "unfold": lambda x: x.unfold(2, 2, 1), "expand": lambda x: x[:, :1].expand(2, 4, 3),
    "movedim": lambda x: x.movedim(0, -1), "T": lambda x: x[0].T, "iter": lambda x: next(iter(x)),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_memory_and_version(name):
    e, t = pair((2, 3, 3))
    ve, vt = VIEWS[name](e), VIEWS[name](t)
    assert ve._version == e._version
    e.add_(1)
    t.add_(1)
    same(ve, vt)
    assert ve._version == e._version


@pytest.mark.parametrize("fn", [lambda x: x.flip(0), lambda x: x.roll(1), lambda x: x.repeat(1, 1),
                                lambda x: x.rot90(4), lambda x: x.tril(5), lambda x: x.diag(),
                                lambda x: ember.cat([x])])
def test_copies_do_not_alias(fn):
    x = ember.ones(3, 3)
    y = fn(x)
    x.add_(1)
    assert float(y.sum()) == float(y.numel() if y.numel() == 9 else y.sum())
    assert not np.shares_memory(x.numpy(), y.numpy())


def test_write_through_select_view():
    e, t = pair((3, 4))
    e.select(1, 2).mul_(0)
    t.select(1, 2).mul_(0)
    same(e, t)


def test_view_dtype_reinterprets_bits():
    e, t = pair((2, 4))
    for dt in ("int32", "int16", "uint8", "float64", "int64"):
        same(e.view(getattr(ember, dt)), t.view(getattr(torch, dt)))
    e.requires_grad_()
    assert not e.view(ember.int32).requires_grad


def test_T_warns_on_3d():
    x = ember.zeros(2, 3, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        assert x.T.shape == (4, 3, 2)


# -- gradients beyond the sweep ----------------------------------------------------------------
def test_split_grad_with_unused_pieces():
    e, t = pair((5, 3))
    e.requires_grad_()
    t.requires_grad_()
    (ember.split(e, 2)[1] * 3).sum().backward()
    (torch.split(t, 2)[1] * 3).sum().backward()
    same(e.grad, t.grad)


def test_unbind_then_stack_double_backward():
    e, t = pair((3, 2), np.float64)
    e.requires_grad_()
    t.requires_grad_()
    outs = []
    for lib, x in ((ember, e), (torch, t)):
        y = lib.stack([p * p for p in x.unbind(1)], 0).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), x)
        outs.append(gg)
    same(*outs)


def test_cat_skips_legacy_empty_and_promotes():
    a = ember.ones(2, 3, dtype=ember.int64)
    r = ember.cat([a, ember.ones(0), a])
    assert r.shape == (4, 3) and r.dtype == ember.float32


def test_iter_matches_torch():
    e, t = pair((3, 2))
    for a, b in zip(e, t):
        same(a, b)
    assert len(list(e)) == 3


def test_out_argument():
    out = ember.empty(0)
    r = ember.cat([ember.ones(2), ember.zeros(1)], out=out)
    assert r is out and out.tolist() == [1.0, 1.0, 0.0]


# -- property tests: random shapes against torch -----------------------------------------------
dims = st.integers(min_value=0, max_value=4)
shapes = st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=4).map(tuple)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _outcome(fn):
    try:
        return fn(), None
    except Exception as exc:  # noqa: BLE001 - compared by type
        return None, type(exc)


@SETTINGS
@given(st.lists(shapes, min_size=1, max_size=4))
def test_broadcast_shapes_property(shape_list):
    e, ee = _outcome(lambda: ember.broadcast_shapes(*shape_list))
    t, te = _outcome(lambda: torch.broadcast_shapes(*shape_list))
    assert ee == te
    if te is None:
        assert tuple(e) == tuple(t)


@SETTINGS
@given(shapes, shapes)
def test_broadcast_tensors_and_grad_property(sa, sb):
    a = np.random.default_rng(0).standard_normal(sa)
    b = np.random.default_rng(1).standard_normal(sb)
    res = {}
    for lib, conv in ((ember, ember.from_numpy), (torch, torch.from_numpy)):
        x, y = conv(a.copy()).requires_grad_(), conv(b.copy()).requires_grad_()
        out, err = _outcome(lambda: lib.broadcast_tensors(x, y))
        if err is None:
            (out[0] * 2 + out[1] * 3).sum().backward()
            res[lib] = (None, [o.detach().numpy() for o in out], x.grad.numpy(), y.grad.numpy())
        else:
            res[lib] = (err,)
    assert res[ember][0] == res[torch][0]
    if res[torch][0] is None:
        for ev, tv in zip(res[ember][1:], res[torch][1:]):
            for a1, b1 in zip(ev if isinstance(ev, list) else [ev], tv if isinstance(tv, list)
                              else [tv]):
                np.testing.assert_allclose(a1, b1)


@SETTINGS
@given(shapes, st.lists(shapes, min_size=0, max_size=3), st.integers(-4, 4))
def test_expand_property(src, lead, dim_unused):
    target = tuple(x for s in lead for x in s)[:2] + tuple(
        s if s != 1 else 3 for s in src)
    a = np.random.default_rng(0).standard_normal(src)
    e, ee = _outcome(lambda: ember.from_numpy(a).expand(*target))
    t, te = _outcome(lambda: torch.from_numpy(a).expand(*target))
    assert ee == te
    if te is None:
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@SETTINGS
@given(st.lists(st.integers(0, 3), min_size=1, max_size=3), st.integers(1, 4),
       st.integers(-3, 2), st.sampled_from(["float32", "int64", "float64"]))
def test_cat_split_property(base, n, dim, dtype):
    rng = np.random.default_rng(0)
    arrays = []
    for i in range(n):
        s = list(base)
        if -len(s) <= dim < len(s):
            s[dim] = int(rng.integers(0, 3))
        arrays.append(rng.standard_normal(s).astype(dtype if i % 2 else "float32"))
    e, ee = _outcome(lambda: ember.cat([ember.from_numpy(a) for a in arrays], dim))
    t, te = _outcome(lambda: torch.cat([torch.from_numpy(a) for a in arrays], dim))
    assert ee == te
    if te is None:
        same(e, t)
        if not -t.dim() <= dim < t.dim():
            return
        for size in (1, 2, [t.shape[dim]], [0, t.shape[dim]]):
            ep, ee2 = _outcome(lambda: e.split(size, dim))
            tp, te2 = _outcome(lambda: t.split(size, dim))
            assert ee2 == te2
            if te2 is None:
                assert len(ep) == len(tp)
                for x, y in zip(ep, tp):
                    same(x, y)


@SETTINGS
@given(shapes, st.integers(-5, 5), st.integers(-5, 5))
def test_squeeze_unsqueeze_transpose_property(shape, d0, d1):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for f in (lambda lib, x: x.squeeze(d0), lambda lib, x: x.unsqueeze(d0),
              lambda lib, x: x.transpose(d0, d1), lambda lib, x: x.movedim(d0, d1),
              lambda lib, x: x.flatten(d0, d1), lambda lib, x: x.flip(d0),
              lambda lib, x: x.roll(d1, d0), lambda lib, x: x.diagonal(d1, d0, 0)):
        e, ee = _outcome(lambda: f(ember, ember.from_numpy(a)))
        t, te = _outcome(lambda: f(torch, torch.from_numpy(a)))
        assert ee == te
        if te is None:
            same(e, t)
