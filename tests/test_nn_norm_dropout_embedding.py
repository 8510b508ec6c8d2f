"""Normalization, dropout and embedding against torch: errors, running statistics, masks from
the same seed, in-place renorm, padding rows, double backward (what the sweeps can't express)."""
import numpy as np
import pytest
import torch

import ember


def _pair(a):
    return ember.from_numpy(a.copy()), torch.from_numpy(a.copy())


def _raises_same(fe, ft):
    with pytest.raises(Exception) as t_exc:
        ft()
    with pytest.raises(type(t_exc.value)) as e_exc:
        fe()
    assert str(e_exc.value).splitlines()[0] == str(t_exc.value).splitlines()[0]


# -- batch norm -----------------------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batchnorm_running_stats_over_steps(momentum):
    rng = np.random.default_rng(0)
    e, t = ember.nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)
    for _ in range(4):
        x = rng.standard_normal((6, 3, 4)).astype(np.float32) * 3 + 1
        xe, xt = _pair(x)
        np.testing.assert_allclose(e(xe).detach().numpy(), t(xt).detach().numpy(), atol=1e-5)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(e, name).numpy(), getattr(t, name).numpy(),
                                   rtol=1e-5, atol=1e-6)
    assert e.num_batches_tracked.dtype == ember.int64 and int(e.num_batches_tracked) == 4
    e.eval(), t.eval()
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    xe, xt = _pair(x)
    np.testing.assert_allclose(e(xe).detach().numpy(), t(xt).detach().numpy(), atol=1e-5)
    e.reset_running_stats()
    assert e.running_var.tolist() == [1.0, 1.0, 1.0] and int(e.num_batches_tracked) == 0


def test_batchnorm_errors():
    for L in (ember, torch):
        m = L.nn.BatchNorm1d(3)
        with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
            m(L.zeros(2, 3, 4, 5))
        with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                                             r"training, got input size torch.Size\(\[1, 3\]\)"):
            m(L.zeros(1, 3))
        with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
            L.nn.BatchNorm2d(3)(L.zeros(2, 3, 4))
    x = np.zeros((4, 3), np.float32)
    xe, xt = _pair(x)
    _raises_same(lambda: ember.nn.functional.batch_norm(xe, ember.zeros(4), ember.ones(3), training=True),
                 lambda: torch.nn.functional.batch_norm(xt, torch.zeros(4), torch.ones(3), training=True))
    _raises_same(lambda: ember.nn.functional.batch_norm(xe, None, None),
                 lambda: torch.nn.functional.batch_norm(xt, None, None))
    _raises_same(lambda: ember.nn.functional.batch_norm(xe.long(), None, None, training=True),
                 lambda: torch.nn.functional.batch_norm(xt.long(), None, None, training=True))


def test_batchnorm_load_old_checkpoint_without_num_batches_tracked():
    m = ember.nn.BatchNorm1d(2)
    sd = m.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""] = {"version": 1}
    m.load_state_dict(sd)  # torch's version-1 rule fills the missing buffer


def test_syncbatchnorm_is_batchnorm_in_one_process():
    net = ember.nn.Sequential(ember.nn.BatchNorm2d(3), ember.nn.ReLU() if hasattr(ember.nn, "ReLU")
                              else ember.nn.Identity())
    conv = ember.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(conv[0], ember.nn.SyncBatchNorm)
    assert conv[0].running_mean is net[0].running_mean


def test_batchnorm_double_backward_matches_torch():
    x = np.random.default_rng(1).standard_normal((4, 3, 5))
    out = []
    for L in (ember, torch):
        xt = L.from_numpy(x.copy()).requires_grad_()
        w = L.from_numpy(np.array([1.5, -0.5, 2.0])).requires_grad_()
        y = L.nn.functional.batch_norm(xt, None, None, w, None, training=True)
        (gx,) = L.autograd.grad((y ** 3).sum(), xt, create_graph=True)
        gxx, gw = L.autograd.grad((gx ** 2).sum(), (xt, w))
        out.append((gx.detach().numpy(), gxx.numpy(), gw.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)



@pytest.mark.parametrize("shift", [0.0, 30.0])
def test_batchnorm_fused_backward_large_mean_and_grad_masks(shift):
    """The fused kernels (float32, per-channel BLAS sums) on a shifted input; every subset of
    (input, weight, bias) requiring grad gets torch's gradients."""
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((8, 4, 6, 6)) * 0.5 + shift).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w, b = rng.standard_normal(4).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    for req in ((1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 1, 1)):
        res = []
        for L in (ember, torch):
            ts = [L.from_numpy(a.copy()).requires_grad_(bool(r)) for a, r in zip((x, w, b), req)]
            y = L.nn.functional.batch_norm(ts[0], None, None, ts[1], ts[2], training=True)
            grads = L.autograd.grad(y, [t for t in ts if t.requires_grad], L.from_numpy(g))
            res.append([y.detach().numpy()] + [t.numpy() for t in grads])
        for a, c in zip(*res):
            np.testing.assert_allclose(a, c, rtol=1e-4, atol=2e-4 * (1 + shift))


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5)])
def test_batchnorm_eval_no_grad_fast_path(shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    stats = [rng.standard_normal(3).astype(np.float32) for _ in range(4)]
    stats[1] = np.abs(stats[1]) + 0.1
    out = []
    for L in (ember, torch):
        rm, rv, w, b = (L.from_numpy(a.copy()) for a in stats)
        with L.no_grad():
            y = L.nn.functional.batch_norm(L.from_numpy(x.copy()), rm, rv, w, b, training=False)
        assert y.dtype == L.float32 and not y.requires_grad
        out.append(y.numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6, atol=1e-6)


def test_groupnorm_fused_backward_grad_masks():
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3, 6, 5, 2)) + 2).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w, b = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    for req in ((1, 1, 1), (1, 0, 0), (0, 1, 0), (1, 1, 0)):
        res = []
        for L in (ember, torch):
            ts = [L.from_numpy(a.copy()).requires_grad_(bool(r)) for a, r in zip((x, w, b), req)]
            y = L.nn.functional.group_norm(ts[0], 3, ts[1], ts[2])
            grads = L.autograd.grad(y, [t for t in ts if t.requires_grad], L.from_numpy(g))
            res.append([y.detach().numpy()] + [t.numpy() for t in grads])
        for a, c in zip(*res):
            np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)



@pytest.mark.parametrize("m,k", [(5000, 100), (3, 300000), (300000, 3)])
def test_norm_matvec_pieces(m, k):
    """The single-threaded pieces of the BLAS matrix-vector sums (large inputs are cut)."""
    from ember._ops import _norm_kernels as K
    rng = np.random.default_rng(7)
    a = rng.standard_normal((m, k)).astype(np.float32)
    v, u = rng.standard_normal(k).astype(np.float32), rng.standard_normal(m).astype(np.float32)
    np.testing.assert_allclose(K._mv(a, v), a.astype(np.float64) @ v, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(K._vm(u, a), u.astype(np.float64) @ a, rtol=1e-4, atol=1e-3)


# -- other norms --------------------------------------------------------------------------------
def test_norm_error_messages():
    x = np.zeros((4, 3, 5), np.float32)
    xe, xt = _pair(x)
    for name, args in [("layer_norm", ((4,),)), ("layer_norm", ((),)), ("rms_norm", ((4,),)),
                       ("group_norm", (2,))]:
        _raises_same(lambda: getattr(ember.nn.functional, name)(xe, *args),
                     lambda: getattr(torch.nn.functional, name)(xt, *args))
    _raises_same(lambda: ember.nn.functional.local_response_norm(xe[0], 2),
                 lambda: torch.nn.functional.local_response_norm(xt[0], 2))
    with pytest.raises(ValueError, match="must be divisible"):
        ember.nn.GroupNorm(2, 3)


def test_instancenorm_warns_and_checks_features():
    for L in (ember, torch):
        with pytest.warns(UserWarning, match="does not match num_features"):
            L.nn.InstanceNorm1d(4)(L.randn(2, 3, 5))
        with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match"):
            L.nn.InstanceNorm1d(4, affine=True)(L.randn(2, 3, 5))


def test_rmsnorm_default_eps_is_finfo_eps():
    x = np.array([[1e-5, -1e-5, 2e-5]], np.float32)
    xe, xt = _pair(x)
    np.testing.assert_allclose(ember.nn.RMSNorm(3)(xe).detach().numpy(),
                               torch.nn.RMSNorm(3)(xt).detach().numpy(), rtol=1e-5)


# -- dropout ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", [("Dropout", (64, 33)), ("Dropout2d", (4, 16, 3, 3)),
                                       ("Dropout1d", (16, 5)), ("AlphaDropout", (100,)),
                                       ("FeatureAlphaDropout", (4, 8, 3))])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_mask_is_torchs(cls, shape, p):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    xe, xt = _pair(x)
    for seed in (0, 123):
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        ye = getattr(ember.nn, cls)(p)(xe)
        yt = getattr(torch.nn, cls)(p)(xt)
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())
        assert ember.rand(2).tolist() == pytest.approx(torch.rand(2).tolist())


def test_dropout_edges():
    x = ember.randn(3, 4)
    assert ember.nn.functional.dropout(x, 0.0) is x
    assert ember.nn.functional.dropout(x, 0.5, training=False) is x
    assert not ember.nn.functional.dropout(x, 1.0).any()
    for L in (ember, torch):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, "
                                             "but got 1.5"):
            L.nn.Dropout(1.5)
        with pytest.raises(ValueError, match="but got 1.5"):
            L.nn.functional.dropout(L.ones(2), 1.5)
    assert repr(ember.nn.Dropout(0.2, inplace=True)) == repr(torch.nn.Dropout(0.2, inplace=True))
    y = ember.ones(4, 5)
    ember.manual_seed(0)
    out = ember.nn.functional.dropout(y, 0.5, inplace=True)
    assert out is y and set(np.unique(y.numpy()).tolist()) <= {0.0, 2.0}


def test_dropout_grad_is_mask():
    x = ember.ones(50, requires_grad=True)
    ember.manual_seed(3)
    y = ember.nn.functional.dropout(x, 0.25)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


# -- embedding ----------------------------------------------------------------------------------
def test_embedding_init_padding_and_grad():
    for pad in (0, 3, -1):
        ember.manual_seed(5)
        torch.manual_seed(5)
        e, t = ember.nn.Embedding(6, 4, padding_idx=pad), torch.nn.Embedding(6, 4, padding_idx=pad)
        np.testing.assert_array_equal(e.weight.detach().numpy(), t.weight.detach().numpy())
        idx = np.array([[0, 3, 5, 5], [1, 3, 3, 2]])
        ie, it = _pair(idx)
        e(ie).pow(2).sum().backward()
        t(it).pow(2).sum().backward()
        np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-6)
        assert not e.weight.grad.numpy()[e.padding_idx].any()


def test_embedding_max_norm_renorms_in_place():
    w = np.random.default_rng(4).standard_normal((8, 3)).astype(np.float32) * 3
    for p in (2.0, 1.0, float("inf")):
        we, wt = _pair(w)
        idx = np.array([1, 2, 2, 7])
        ie, it = _pair(idx)
        ye = ember.nn.functional.embedding(ie, we, max_norm=1.0, norm_type=p)
        yt = torch.nn.functional.embedding(it, wt, max_norm=1.0, norm_type=p)
        np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-6)
        np.testing.assert_allclose(we.numpy(), wt.numpy(), rtol=1e-6)


def test_embedding_errors_and_from_pretrained():
    w = np.zeros((5, 2), np.float32)
    we, wt = _pair(w)
    _raises_same(lambda: ember.nn.functional.embedding(ember.tensor([5]), we),
                 lambda: torch.nn.functional.embedding(torch.tensor([5]), wt))
    _raises_same(lambda: ember.nn.functional.embedding(ember.tensor([1.0]), we),
                 lambda: torch.nn.functional.embedding(torch.tensor([1.0]), wt))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        ember.nn.Embedding(5, 2, padding_idx=5)
    m = ember.nn.Embedding.from_pretrained(ember.ones(4, 2), padding_idx=1)
    assert not m.weight.requires_grad and m.weight[1].tolist() == [1.0, 1.0]
    assert repr(m) == repr(torch.nn.Embedding.from_pretrained(torch.ones(4, 2), padding_idx=1))


def test_embedding_sparse_flag_gives_dense_grad():
    e = ember.nn.Embedding(5, 2, sparse=True)
    e(ember.tensor([1, 1, 4])).sum().backward()
    assert e.weight.grad.shape == (5, 2) and e.weight.grad[1].tolist() == [2.0, 2.0]


def test_embedding_backward_big_table_is_fast():
    import time
    w = ember.randn(200_000, 64, requires_grad=True)
    idx = ember.randint(0, 200_000, (64, 256))
    t0 = time.perf_counter()
    ember.nn.functional.embedding(idx, w).sum().backward()
    assert time.perf_counter() - t0 < 5.0
    assert float(w.grad.sum()) == pytest.approx(64 * 256 * 64)


def test_embedding_bag_errors():
    w = np.zeros((10, 2), np.float32)
    we, wt = _pair(w)
    i = np.array([1, 2, 3])
    ie, it = _pair(i)
    for off in ([1], [0, 4]):
        oe, ot = _pair(np.array(off))
        _raises_same(lambda: ember.nn.functional.embedding_bag(ie, we, oe),
                     lambda: torch.nn.functional.embedding_bag(it, wt, ot))
    _raises_same(lambda: ember.nn.functional.embedding_bag(ie, we),
                 lambda: torch.nn.functional.embedding_bag(it, wt))
    _raises_same(lambda: ember.nn.functional.embedding_bag(ie, we, ember.tensor([0]), mode="x"),
                 lambda: torch.nn.functional.embedding_bag(it, wt, torch.tensor([0]), mode="x"))
