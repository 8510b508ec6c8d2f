"""Attention softmax and cross-entropy kernels (``ember._ops._fast.softmax``) on realistic shapes,
against torch on both kernel paths (NumPy and the Numba overrides)."""
import numpy as np
import pytest
import torch

import ember
from ember._backend import fast

F_E, F_T = ember.nn.functional, torch.nn.functional
PATHS = ["numpy", "numba"] if fast.AVAILABLE else ["numpy"]
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.fixture(params=PATHS)
def path(request):
    with fast.forced(request.param == "numba"):
        yield request.param


def _sdpa_both(q, k, v, go, mask=None, causal=False, dropout_p=0.0, seed=0):
    """(ember out, ember grads, torch out, torch grads, ember no-grad out)."""
    es = [ember.tensor(a, requires_grad=True) for a in (q, k, v)]
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    em = None if mask is None else ember.tensor(mask)
    tm = None if mask is None else torch.tensor(mask)
    ember.manual_seed(seed)
    eo = F_E.scaled_dot_product_attention(*es, attn_mask=em, is_causal=causal, dropout_p=dropout_p)
    eo.backward(ember.tensor(go))
    with ember.no_grad():
        ember.manual_seed(seed)
        en = F_E.scaled_dot_product_attention(*es, attn_mask=em, is_causal=causal,
                                              dropout_p=dropout_p)
    torch.manual_seed(seed)
    to = F_T.scaled_dot_product_attention(*ts, attn_mask=tm, is_causal=causal, dropout_p=dropout_p)
    to.backward(torch.tensor(go))
    return eo, [t.grad for t in es], to, [t.grad for t in ts], en


def _check(res, dt):
    eo, eg, to, tg, en = res
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), **TOL[dt])
    np.testing.assert_allclose(en.numpy(), to.detach().numpy(), **TOL[dt])
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL[dt])


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gpt_shapes_match_torch(path, dt, causal):
    rng = np.random.default_rng(0)
    # (B, T, H, E) projections viewed as (B, H, T, E): non-contiguous inputs like a GPT block
    q, k, v = (np.ascontiguousarray(rng.standard_normal((8, 64, 4, 32)).astype(dt))
               .transpose(0, 2, 1, 3) for _ in range(3))
    go = rng.standard_normal((8, 4, 64, 32)).astype(dt)
    _check(_sdpa_both(q, k, v, go, causal=causal), dt)


@pytest.mark.parametrize("shapes", [((3, 50, 24), (3, 70, 24)),        # L < S, 3-D
                                    ((2, 2, 90, 16), (2, 2, 33, 16)),  # L > S (causal rows past S)
                                    ((2, 1, 2, 1, 8), (2, 1, 2, 300, 8)),  # one query, 5-D
                                    ((1, 1, 37, 8), (1, 1, 37, 8))])
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_odd_shapes_match_torch(path, shapes, causal):
    rng = np.random.default_rng(1)
    (sq, sk), dt = shapes, np.float32
    q = rng.standard_normal(sq).astype(dt)
    k, v = (rng.standard_normal(sk).astype(dt) for _ in range(2))
    go = rng.standard_normal(sq).astype(dt)
    _check(_sdpa_both(q, k, v, go, causal=causal), dt)


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_sdpa_masks_match_torch(path, kind, dt):
    rng = np.random.default_rng(2)
    q, k, v = (rng.standard_normal((4, 4, 48, 16)).astype(dt) for _ in range(3))
    if kind == "bool":
        mask = rng.random((4, 1, 48, 48)) > 0.4
        mask[:, :, 5] = False                                 # fully masked rows -> zeros
    else:
        mask = rng.standard_normal((48, 48)).astype(dt)
    go = rng.standard_normal(q.shape).astype(dt)
    res = _sdpa_both(q, k, v, go, mask=mask)
    _check(res, dt)
    if kind == "bool":
        assert not res[0].detach().numpy()[:, :, 5].any()


def test_sdpa_dropout_paths_agree():
    """Same seed -> same dropout mask on both paths; values and gradients agree."""
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((4, 4, 64, 16)).astype(np.float32) for _ in range(3))
    go = rng.standard_normal(q.shape).astype(np.float32)
    got = []
    for p in PATHS:
        with fast.forced(p == "numba"):
            eo, eg, *_ = _sdpa_both(q, k, v, go, causal=True, dropout_p=0.3, seed=7)
        got.append([eo.detach().numpy()] + [g.numpy() for g in eg])
    for a, b in zip(got[0], got[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sdpa_nonfinite_scores_paths_agree():
    """inf/NaN scores under the causal mask: NaN exactly where the NumPy path has NaN (which,
    like torch's math path, adds the mask, so a NaN key poisons earlier queries too; torch's
    default CPU kernel skips masked keys); equal to torch elsewhere."""
    rng = np.random.default_rng(4)
    q = rng.standard_normal((2, 2, 40, 8)).astype(np.float32)
    k = rng.standard_normal((2, 2, 40, 8)).astype(np.float32)
    v = rng.standard_normal((2, 2, 40, 8)).astype(np.float32)
    q[0, 0, 3, 0] = np.inf      # a row of +-inf scores (masked ones included)
    k[1, 1, 20, 2] = np.nan     # a NaN key: NaN scores in every row, masked or not
    outs = []
    for p in PATHS:
        with fast.forced(p == "numba"):
            outs.append(F_E.scaled_dot_product_attention(
                ember.tensor(q), ember.tensor(k), ember.tensor(v), is_causal=True).numpy())
    t = F_T.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                         is_causal=True).numpy()
    for o in outs:
        np.testing.assert_array_equal(np.isnan(o), np.isnan(outs[0]))
        ok = ~np.isnan(o)
        np.testing.assert_allclose(o[ok], t[ok], rtol=1e-4, atol=1e-5)
    assert np.isnan(outs[0][0, 0, 3]).all() and np.isnan(outs[0][1, 1]).all()


@pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_fexp_accuracy_and_specials(dt):
    from ember._ops._fast import softmax as k
    lo, hi = (-87.0, 88.0) if dt == np.float32 else (-708.0, 709.0)
    x = np.concatenate([np.linspace(lo, 0, 200001), np.linspace(0, hi, 100001)]).astype(dt)
    out = np.empty_like(x)
    k._exp_arr(x, out)
    ref = np.exp(x.astype(np.longdouble))
    ulp = np.abs(out - ref) / np.spacing(ref.astype(dt)).astype(np.longdouble)
    assert ulp.max() < 2
    sp = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, lo - 1, -1e4, 1e4], dt)
    out = np.empty_like(sp)
    k._exp_arr(sp, out)
    np.testing.assert_array_equal(out, np.array([np.nan, np.inf, 0, 1, 1, 0, 0, np.inf], dt))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [-100, 3])
def test_cross_entropy_large_matches_torch(path, dt, reduction, ignore_index):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((1024, 65)) * 4).astype(dt)
    t = rng.integers(0, 65, 1024)
    t[::5] = 3
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = F_E.cross_entropy(xe, ember.tensor(t), reduction=reduction, ignore_index=ignore_index)
    lt = F_T.cross_entropy(xt, torch.tensor(t), reduction=reduction, ignore_index=ignore_index)
    g = rng.standard_normal(tuple(lt.shape)).astype(dt)
    le.backward(ember.tensor(g))
    lt.backward(torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-6) if dt == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(le.detach().numpy(), lt.detach().numpy(), **tol)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("classes", [1, 7, 16, 1000])
def test_cross_entropy_class_counts_and_specials(path, classes):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((64, classes)) * 3).astype(np.float32)
    x[1, 0] = np.inf
    x[2, -1] = np.nan
    x[3] = -np.inf
    x[4, 0] = 80.0              # large logits: no overflow in the log-sum-exp
    t = rng.integers(0, classes, 64)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = F_E.cross_entropy(xe, ember.tensor(t), reduction="none")
    lt = F_T.cross_entropy(xt, torch.tensor(t), reduction="none")
    le.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(le.detach().numpy(), lt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_gpt_step_paths_agree():
    """A small GPT-style block trained one step on both paths: same loss and gradients."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 32, 64)).astype(np.float32)
    y = rng.integers(0, 50, 8 * 32)
    res = []
    for p in PATHS:
        ember.manual_seed(0)
        qkv, head = ember.nn.Linear(64, 192), ember.nn.Linear(64, 50)
        with fast.forced(p == "numba"):
            h = qkv(ember.tensor(x))
            q, k, v = (t.view(8, 32, 4, 16).transpose(1, 2) for t in h.split(64, dim=2))
            a = F_E.scaled_dot_product_attention(q, k, v, is_causal=True)
            logits = head(a.transpose(1, 2).reshape(8 * 32, 64))
            loss = F_E.cross_entropy(logits, ember.tensor(y))
            loss.backward()
        res.append([loss.detach().numpy(), qkv.weight.grad.numpy(), head.weight.grad.numpy()])
    for a, b in zip(res[0], res[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
