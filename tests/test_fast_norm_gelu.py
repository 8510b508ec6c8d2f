"""GELU, layer norm and batch norm at realistic (gpt / resnet) sizes against torch, on both kernel
paths: the NumPy reference and the Numba overrides (``ember._ops._fast.gelu`` / ``.norm``)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF
from ember._backend import fast

PATHS = [False, True] if fast.AVAILABLE else [False]
needs_numba = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def _rand(shape, dtype=np.float32, seed=0, scale=1.0, shift=0.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale + shift).astype(dtype)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    nan = np.isnan(a) & np.isnan(b)
    diff = (a.view(np.uint8).reshape(a.size, -1) != b.view(np.uint8).reshape(b.size, -1)).any(1)
    assert not (diff & ~nan.reshape(-1)).any(), f"{(diff & ~nan.reshape(-1)).sum()} differ"


def _run(lib, fn, arrays, g, grad_of):
    """``fn(*tensors)``, then the gradients of ``(out * g).sum()`` for ``grad_of`` indices."""
    ts = [lib.from_numpy(a.copy()) for a in arrays]
    for i in grad_of:
        ts[i].requires_grad_(True)
    out = fn(*ts)
    out.backward(lib.from_numpy(g))
    return [out.detach().numpy()] + [ts[i].grad.numpy() for i in grad_of]


def _check(tfn, efn, arrays, g, grad_of, tol):
    ref = _run(torch, tfn, arrays, g, grad_of)
    got = {}
    for forced in PATHS:
        with fast.forced(forced):
            got[forced] = _run(ember, efn, arrays, g, grad_of)
        for a, b in zip(got[forced], ref):   # sums over many rows: atol scales with the largest
            np.testing.assert_allclose(a, b, rtol=tol["rtol"],
                                       atol=tol["atol"] * max(1.0, float(np.abs(b).max())))
    return got


# -- GELU ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_gpt_shape(dtype):
    x = _rand((2048, 512), dtype, scale=3.0)
    x[0, :6] = [0.0, -0.0, 30.0, -30.0, 1e-30, -14.0]
    got = _check(TF.gelu, EF.gelu, [x], _rand(x.shape, dtype, 1), [0], TOL[dtype])
    if dtype == np.float32 and fast.AVAILABLE:
        for a, b in zip(got[False], got[True]):   # the same float32 arithmetic, exp included
            _same_bits(a, b)


@needs_numba
def test_gelu_f32_bit_identical_over_the_range():
    from ember._ops._erf32 import gelu_f32
    from ember._ops._fast import gelu as k
    lo, hi = np.float32(12.5).view(np.int32), np.float32(14.6).view(np.int32)
    tail = np.arange(lo, hi, 97, dtype=np.int32).view(np.float32)     # subnormal exp(-x^2/2)
    x = np.concatenate([np.linspace(-20, 20, 200_001, dtype=np.float32), tail, -tail,
                        np.array([np.inf, -np.inf, np.nan, 1e-40, -1e-40], np.float32)])
    for grad in (False, True):
        with fast.forced(False):
            ref = gelu_f32(x, grad)
        with fast.forced(True):
            got = k.gelu(x[::-1].copy()[::-1], grad)      # a reversed (negative-stride) view
        _same_bits(got[0], ref[0])
        if grad:
            _same_bits(got[1], ref[1])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_kernels_vs_torch(dtype):
    """The float64 erf form and the tanh form (value and backward) of ``_fast.gelu``."""
    from ember._ops._fast import gelu as k
    x = _rand((512, 512), dtype, scale=3.0)
    g = _rand(x.shape, dtype, 1)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    for approx in ("none", "tanh"):
        tx.grad = None
        ty = TF.gelu(tx, approximate=approx)
        ty.backward(torch.from_numpy(g))
        if approx == "none":
            out, d = k.gelu(x, True)
            np.testing.assert_allclose(out, ty.detach().numpy(), **TOL[dtype])
            np.testing.assert_allclose(g * d, tx.grad.numpy(), **TOL[dtype])
            # the values-only form is relu(x) - |x| Phi(-|x|), as on the NumPy path
            np.testing.assert_allclose(k.gelu(x, False)[0], out, **TOL[dtype])
        elif dtype == np.float32:   # float64 stays on NumPy
            np.testing.assert_allclose(k.gelu_tanh(x), ty.detach().numpy(), **TOL[dtype])
            np.testing.assert_allclose(k.gelu_tanh_backward(g, x.T.copy().T), tx.grad.numpy(),
                                       **TOL[dtype])


# -- layer norm ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_gpt_shape(dtype, affine):
    x = _rand((32, 64, 128), dtype, scale=2.0, shift=3.0)
    arrays = [x] + ([_rand(128, dtype, 2), _rand(128, dtype, 3)] if affine else [])
    _check(lambda *t: TF.layer_norm(t[0], (128,), *t[1:]),
           lambda *t: EF.layer_norm(t[0], (128,), *t[1:]),
           arrays, _rand(x.shape, dtype, 1), range(len(arrays)), TOL[dtype])


def test_layer_norm_multi_dim_strided_weight_only():
    x = _rand((24, 32, 16), np.float32, seed=4).transpose(1, 0, 2)   # (32, 24, 16), strided
    w = _rand((24, 16), np.float32, 5)
    g = _rand(x.shape, np.float32, 6)
    for forced in PATHS:
        with fast.forced(forced):
            ex = ember.from_numpy(x).requires_grad_(True)
            ew = ember.from_numpy(w).requires_grad_(True)
            EF.layer_norm(ex, (24, 16), ew).backward(ember.from_numpy(g))
        tx = torch.from_numpy(x).requires_grad_(True)
        tw = torch.from_numpy(w).requires_grad_(True)
        TF.layer_norm(tx, (24, 16), tw).backward(torch.from_numpy(g))
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), **TOL[np.float32])
        np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), **TOL[np.float32])


@needs_numba
def test_layer_norm_backward_deterministic_across_builds():
    """Partial column sums are per fixed chunk of rows: serial and parallel builds agree."""
    from ember._ops._fast import norm as k
    x, g = _rand((2048, 128), seed=7), _rand((2048, 128), seed=8)
    w = _rand(128, seed=9)
    _, mean, rstd = k.ln_forward(x, w, None, 1e-5)
    runs = []
    for serial in (False, True):
        fast._IN_CHILD[0] = serial
        try:
            runs.append(k.ln_backward(g, x, mean, rstd, w, True, True))
        finally:
            fast._IN_CHILD[0] = False
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# -- batch norm ----------------------------------------------------------------------------------
def _bn_pair(dtype, C, affine=True, **kw):
    mods = []
    for lib in (torch, ember):
        m = lib.nn.BatchNorm2d(C, affine=affine, **kw).to(getattr(lib, np.dtype(dtype).name))
        if affine:
            with lib.no_grad():
                m.weight.copy_(lib.from_numpy(np.linspace(0.5, 2, C).astype(dtype)))
                m.bias.copy_(lib.from_numpy(np.linspace(-1, 1, C).astype(dtype)))
        mods.append(m)
    return mods


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 64, 16, 16), (32, 512, 4, 4)])
def test_batch_norm_train_resnet_shapes(dtype, shape):
    x = _rand(shape, dtype, scale=2.0, shift=1.5)
    g = _rand(shape, dtype, 1)
    tm, _ = _bn_pair(dtype, shape[1])
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    tm(tx).backward(torch.from_numpy(g))
    for forced in PATHS:
        _, em = _bn_pair(dtype, shape[1])
        with fast.forced(forced):
            ex = ember.from_numpy(x.copy()).requires_grad_(True)
            ey = em(ex)
            ey.backward(ember.from_numpy(g))
        ty = TF.batch_norm(torch.from_numpy(x), None, None, tm.weight, tm.bias, True)
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **TOL[dtype])
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), **TOL[dtype])
        np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), **TOL[dtype])
        np.testing.assert_allclose(em.bias.grad.numpy(), tm.bias.grad.numpy(), **TOL[dtype])
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(em, name).numpy(),
                                       getattr(tm, name).detach().numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_eval_identical_paths(dtype):
    x = _rand((32, 128, 8, 8), dtype, shift=0.5)
    tm, em = _bn_pair(dtype, 128)
    with torch.no_grad():
        tm.running_mean.copy_(torch.from_numpy(np.linspace(-1, 1, 128).astype(dtype)))
        tm.running_var.copy_(torch.from_numpy(np.linspace(0.5, 3, 128).astype(dtype)))
    em.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in tm.state_dict().items()})
    tm.eval()
    em.eval()
    with torch.no_grad():
        ref = tm(torch.from_numpy(x)).numpy()
    outs = []
    for forced in PATHS:
        with fast.forced(forced), ember.no_grad():
            outs.append(em(ember.from_numpy(x)).numpy())
        np.testing.assert_allclose(outs[-1], ref, **TOL[dtype])
    for o in outs[1:]:
        _same_bits(o, outs[0])


def test_batch_norm_1d_channels_last_and_grad_masks():
    """L = 1 (BatchNorm1d on (N, C)), a channels-last input, and affine-free / frozen input."""
    x1 = _rand((256, 96), seed=3, scale=3.0, shift=-2.0)
    xc = _rand((16, 8, 8, 32), seed=4).transpose(0, 3, 1, 2)    # NCHW view of NHWC memory
    for x, affine in ((x1, True), (xc, False)):
        g = _rand(x.shape, seed=5)
        C = x.shape[1]
        w = np.linspace(0.5, 2, C).astype(np.float32) if affine else None
        b = np.linspace(-1, 1, C).astype(np.float32) if affine else None
        tt = [torch.from_numpy(a.copy()).requires_grad_(True) for a in (x, w, b) if a is not None]
        TF.batch_norm(tt[0], None, None, *(tt[1:] or [None, None]), training=True).backward(
            torch.from_numpy(g))
        for forced in PATHS:
            with fast.forced(forced):
                et = [ember.from_numpy(a.copy()).requires_grad_(True)
                      for a in (x, w, b) if a is not None]
                EF.batch_norm(et[0], None, None, *(et[1:] or [None, None]),
                              training=True).backward(ember.from_numpy(g))
            for e, t in zip(et, tt):
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), **TOL[np.float32])
            if affine:   # weight/bias gradients only (the input does not require grad)
                with fast.forced(forced):
                    ew = ember.from_numpy(w).requires_grad_(True)
                    EF.batch_norm(ember.from_numpy(x), None, None, ew, ember.from_numpy(b),
                                  training=True).backward(ember.from_numpy(g))
                np.testing.assert_allclose(ew.grad.numpy(), tt[1].grad.numpy(),
                                           **TOL[np.float32])
