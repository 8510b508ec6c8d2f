"""Activations and losses: what the sweeps can't express (errors, warnings, random streams,
in-place variants, stability at extreme logits, double backward, CTC's raw gradient)."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
import torch.nn.functional as TF


def _both(x, dtype=np.float32, grad=False):
    a = np.asarray(x, dtype)
    t = torch.tensor(a, requires_grad=grad)
    e = ember.tensor(a, requires_grad=grad)
    return t, e


def _close(e, t, tol=1e-5):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


# -- stability -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_and_log_softmax_stable_at_1e4(dtype):
    x = [[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [-1e4, -1e4, -1e4]]
    t, e = _both(x, dtype, grad=True)
    tgt = [1, 0, 2]
    for ls in (0.0, 0.1):
        lt = TF.cross_entropy(t, torch.tensor(tgt), label_smoothing=ls)
        le = EF.cross_entropy(e, ember.tensor(tgt), label_smoothing=ls)
        assert np.isfinite(le.item())
        _close(le, lt, 1e-4)
        gt, = torch.autograd.grad(lt, t)
        ge, = ember.autograd.grad(le, e)
        assert np.all(np.isfinite(ge.numpy()))
        _close(ge, gt)
    _close(EF.log_softmax(e, 1), TF.log_softmax(t, 1))
    _close(EF.softmax(e, 1), TF.softmax(t, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_stable_at_1e4(dtype):
    t, e = _both([1e4, -1e4, 1e4, -1e4, 0.0], dtype, grad=True)
    yt, ye = _both([1.0, 0.0, 0.0, 1.0, 0.5], dtype)
    pw = [2.0, 0.5, 1.0, 3.0, 1.0]
    lt = TF.binary_cross_entropy_with_logits(t, yt, pos_weight=torch.tensor(pw, dtype=t.dtype),
                                             reduction="none")
    le = EF.binary_cross_entropy_with_logits(e, ye, pos_weight=ember.tensor(pw).to(e.dtype),
                                             reduction="none")
    assert np.all(np.isfinite(le.detach().numpy()))
    _close(le, lt, 1e-4)
    gt, = torch.autograd.grad(lt.sum(), t)
    ge, = ember.autograd.grad(le.sum(), e)
    _close(ge, gt)


def test_bce_clamps_log_at_minus_100():
    t, e = _both([0.0, 1.0, 1e-30], grad=True)
    yt, ye = _both([1.0, 0.0, 0.5])
    _close(EF.binary_cross_entropy(e, ye, reduction="none"),
           TF.binary_cross_entropy(t, yt, reduction="none"))


# -- errors and warnings -------------------------------------------------------------------------
def test_cross_entropy_errors():
    x = ember.randn(3, 5)
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(4\)\."):
        EF.cross_entropy(x, ember.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        EF.cross_entropy(x, ember.tensor([0, 5, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        EF.nll_loss(x, ember.tensor([0, -1, 1]))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        EF.cross_entropy(x, ember.tensor([0, 1, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 5"):
        EF.cross_entropy(x, ember.tensor([0, 1, 1]), weight=ember.ones(3))
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        EF.cross_entropy(x, ember.tensor([0, 1, 1]), reduction="avg")
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 4\], got \[3, 5\]"):
        EF.cross_entropy(ember.randn(3, 2, 4), ember.zeros(3, 5, dtype=ember.int64))


def test_target_size_warning_and_legacy_args():
    a, b = ember.randn(3, 1), ember.randn(3)
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3\]\)\) that is "
                                         r"different to the input size"):
        EF.mse_loss(a, b)
    x, y = ember.randn(4), ember.randn(4)
    for sa, rd, red in ((None, None, "mean"), (False, None, "sum"), (True, False, "none")):
        if sa is None:
            continue
        with pytest.warns(UserWarning, match=f"please use reduction='{red}' instead"):
            got = EF.l1_loss(x, y, size_average=sa, reduce=rd)
        want = EF.l1_loss(x, y, reduction=red)
        np.testing.assert_allclose(got.numpy(), want.numpy())
    with pytest.warns(UserWarning, match="please use reduction='sum'"):
        m = ember.nn.MSELoss(size_average=False)
    assert m.reduction == "sum"
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        EF.kl_div(x, y.abs())


def test_softmax_implicit_dim_warns_like_torch():
    for shape, dim in (((3,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)):
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            got = EF.softmax(ember.tensor(x))
        np.testing.assert_allclose(got.numpy(), TF.softmax(torch.tensor(x), dim).numpy(),
                                   rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        ember.nn.LogSoftmax()(ember.randn(2, 3))


def test_activation_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 "
                                           "is size 5"):
        EF.glu(ember.randn(3, 5))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        EF.glu(ember.tensor(1.0))
    with pytest.raises(RuntimeError, match="Found parameter numbers = 4 and channel size = 3"):
        EF.prelu(ember.randn(2, 3), ember.randn(4))
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        ember.nn.Hardtanh(1.0, 0.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        EF.hardtanh(ember.randn(3), 1.0, 0.0)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        EF.gelu(ember.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ember.softmax(ember.tensor([1, 2]), 0)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        ember.nn.Softmax2d()(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        EF.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        ember.nn.MultiMarginLoss(p=3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        EF.one_hot(ember.tensor([0, 4]), 3)
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        ember.nn.Unflatten(1, (2, 2.0))


# -- random streams ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rrelu_training_matches_torch_stream(dtype):
    x = np.random.default_rng(1).standard_normal((4, 7)).astype(dtype)
    t, e = _both(x, dtype, grad=True)
    torch.manual_seed(3)
    ember.manual_seed(3)
    yt = TF.rrelu(t, 0.1, 0.4, training=True)
    ye = EF.rrelu(e, 0.1, 0.4, training=True)
    # float32 is bit-exact; float64 may differ in the last ulp (torch's fused multiply-add)
    tol = 0 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=0)
    gt, = torch.autograd.grad(yt.sum(), t)
    ge, = ember.autograd.grad(ye.sum(), e)
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=tol, atol=0)
    assert torch.rand(2).tolist() == pytest.approx(ember.rand(2).tolist())


def test_gumbel_softmax_matches_torch_stream():
    x = np.random.default_rng(2).standard_normal((3, 6)).astype(np.float32)
    for hard in (False, True):
        torch.manual_seed(5)
        ember.manual_seed(5)
        yt = TF.gumbel_softmax(torch.tensor(x), tau=0.5, hard=hard)
        ye = EF.gumbel_softmax(ember.tensor(x), tau=0.5, hard=hard)
        np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-5, atol=1e-6)


# -- in-place ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args", [("ReLU", ()), ("ReLU6", ()), ("SiLU", ()), ("Mish", ()),
                                       ("SELU", ()), ("Hardsigmoid", ()), ("Hardswish", ()),
                                       ("ELU", (0.5,)), ("CELU", (0.5,)), ("LeakyReLU", (0.2,)),
                                       ("Hardtanh", (-0.5, 0.5)), ("Threshold", (0.1, 2.0))])
def test_inplace_modules(name, args):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float64)
    t, e = _both(x, np.float64, grad=True)
    mt = getattr(torch.nn, name)(*args, inplace=True)
    me = getattr(ember.nn, name)(*args, inplace=True)
    assert repr(me) == repr(mt)
    ht, he = t * 1, e * 1
    yt, ye = mt(ht), me(he)
    assert ye is he
    _close(ye, yt, 1e-12)
    gt, = torch.autograd.grad((yt * yt).sum(), t)
    ge, = ember.autograd.grad((ye * ye).sum(), e)
    _close(ge, gt, 1e-10)


def test_inplace_on_leaf_raises():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        EF.relu(x, inplace=True)


# -- double backward -----------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", [("relu", {}), ("elu", {"alpha": 0.7}), ("selu", {}),
                                     ("gelu", {}), ("gelu", {"approximate": "tanh"}),
                                     ("silu", {}), ("mish", {}), ("softplus", {"beta": 2.0}),
                                     ("logsigmoid", {}), ("leaky_relu", {}), ("hardswish", {}),
                                     ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0})])
def test_double_backward_matches_torch(name, kw):
    x = np.random.default_rng(4).standard_normal((3, 4))
    t, e = _both(x, np.float64, grad=True)
    yt = getattr(TF, name)(t, **kw)
    ye = getattr(EF, name)(e, **kw)
    w = np.random.default_rng(5).standard_normal((3, 4))
    gt, = torch.autograd.grad((yt * yt * torch.tensor(w)).sum(), t, create_graph=True)
    ge, = ember.autograd.grad((ye * ye * ember.tensor(w)).sum(), e, create_graph=True)
    ggt, = torch.autograd.grad((gt * gt).sum(), t)
    gge, = ember.autograd.grad((ge * ge).sum(), e)
    _close(gge, ggt, 1e-9)


def test_cross_entropy_double_backward_matches_torch():
    x = np.random.default_rng(6).standard_normal((5, 4))
    t, e = _both(x, np.float64, grad=True)
    w = [0.5, 1.0, 2.0, 1.5]
    tgt = [0, 3, 1, -100, 2]
    lt = TF.cross_entropy(t, torch.tensor(tgt), weight=torch.tensor(w, dtype=torch.float64))
    le = EF.cross_entropy(e, ember.tensor(tgt), weight=ember.tensor(w, dtype=ember.float64))
    gt, = torch.autograd.grad(lt, t, create_graph=True)
    ge, = ember.autograd.grad(le, e, create_graph=True)
    ggt, = torch.autograd.grad((gt ** 2).sum(), t)
    gge, = ember.autograd.grad((ge ** 2).sum(), e)
    _close(gge, ggt, 1e-10)


# -- CTC ---------------------------------------------------------------------------------------
def test_ctc_raw_log_probs_gradient_is_torchs():
    """torch's CTC gradient w.r.t. ``log_probs`` is its logits formula; ember returns the same."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 3, 6))
    lp = torch.tensor(x).log_softmax(2).detach().requires_grad_()
    lpe = ember.tensor(lp.detach().numpy(), requires_grad=True)
    tg = np.array([[1, 2, 2, 5], [3, 1, 0, 0], [4, 4, 4, 1]])
    il, tl = np.array([10, 9, 10]), np.array([4, 2, 3])
    lt = TF.ctc_loss(lp, torch.tensor(tg), torch.tensor(il), torch.tensor(tl))
    le = EF.ctc_loss(lpe, ember.tensor(tg), ember.tensor(il), ember.tensor(tl))
    _close(le, lt, 1e-10)
    gt, = torch.autograd.grad(lt, lp)
    ge, = ember.autograd.grad(le, lpe)
    _close(ge, gt, 1e-10)
    m = ember.nn.CTCLoss(blank=0, zero_infinity=True)
    assert repr(m) == repr(torch.nn.CTCLoss(zero_infinity=True))


def test_loss_module_state_dict_has_weight_buffers():
    w = np.array([1.0, 2.0, 3.0], np.float32)
    mt = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(w), pos_weight=torch.tensor(w))
    me = ember.nn.BCEWithLogitsLoss(weight=ember.tensor(w), pos_weight=ember.tensor(w))
    assert list(me.state_dict()) == list(mt.state_dict())
    assert list(ember.nn.CrossEntropyLoss().state_dict()) == \
        list(torch.nn.CrossEntropyLoss().state_dict())


def test_top_level_names():
    for n in ("relu", "relu_", "selu", "celu", "threshold", "hardshrink", "softmax",
              "log_softmax", "prelu", "rrelu"):
        assert callable(getattr(ember, n)), n
    x = ember.tensor([[-1.0, 2.0]])
    assert x.relu().tolist() == [[0.0, 2.0]]
    assert x.softmax(1).sum().item() == pytest.approx(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EF.cross_entropy(ember.randn(2, 3), ember.tensor([0, 2]))
