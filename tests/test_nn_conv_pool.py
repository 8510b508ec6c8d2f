"""Focused conv/pool/vision tests the OpInfo/ModuleInfo sweeps can't express."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
import torch.nn.functional as TF


def _pair(x):
    return torch.from_numpy(x.copy()), ember.from_numpy(x.copy())


@pytest.mark.parametrize("call,msg", [
    (lambda F, lib: F.conv2d(lib.randn(32, 3, 28, 28), lib.randn(32, 1, 3, 3)),
     "Given groups=1, weight of size [32, 1, 3, 3], expected input[32, 3, 28, 28] to have 1 "
     "channels, but got 3 channels instead"),
    (lambda F, lib: F.conv2d(lib.randn(3, 4), lib.randn(32, 1, 3, 3)),
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 4]"),
    (lambda F, lib: F.conv2d(lib.randn(1, 1, 2, 2), lib.randn(3, 1, 3, 3)),
     "Kernel size can't be greater than actual input size"),
    (lambda F, lib: F.conv2d(lib.randn(1, 4, 5, 5), lib.randn(6, 2, 3, 3), stride=2,
                             padding="same"),
     "padding='same' is not supported for strided convolutions"),
    (lambda F, lib: F.max_pool2d(lib.ones(1, 1, 5, 5), 2, padding=2),
     "pad should be at most half of effective kernel size"),
    (lambda F, lib: F.max_pool2d(lib.ones(1, 1, 1, 1), 2), "Output size is too small"),
    (lambda F, lib: F.pad(lib.ones(1, 3, 4), (4, 4), mode="reflect"),
     "Padding size should be less than the corresponding input dimension"),
])
def test_error_messages_match_torch(call, msg):
    for F, lib in ((TF, torch), (EF, ember)):
        with pytest.raises(RuntimeError, match=msg.replace("[", r"\[").replace("]", r"\]")
                           .replace("(", r"\(").replace(")", r"\)")):
            call(F, lib)


def test_conv_float32_stays_float32_and_grad_fn():
    x = ember.randn(2, 3, 8, 8, requires_grad=True)
    m = ember.nn.Conv2d(3, 4, 3, padding=1)
    y = m(x)
    assert y.dtype == ember.float32 and y.grad_fn.name() == "ConvolutionBackward0"
    y.sum().backward()
    assert x.grad.dtype == ember.float32 and m.weight.grad.dtype == ember.float32


@pytest.mark.parametrize("fn,kw", [
    ("conv2d", dict(stride=2, padding=1)),
    ("conv2d", dict(groups=2, dilation=2)),
    ("conv_transpose2d", dict(stride=2, padding=1, output_padding=1)),
])
def test_conv_double_backward_matches_torch(fn, kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 7, 7))
    w = rng.standard_normal((4, 2, 3, 3)) if (kw.get("groups") or fn != "conv2d") else \
        rng.standard_normal((4, 4, 3, 3))
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        X = (torch.from_numpy(x) if lib is torch else ember.from_numpy(x)).requires_grad_()
        W = (torch.from_numpy(w) if lib is torch else ember.from_numpy(w)).requires_grad_()
        y = getattr(F, fn)(X, W, **kw)
        gx, gw = lib.autograd.grad((y ** 2).sum(), (X, W), create_graph=True)
        s = (gx ** 2).sum() + (gw ** 3).sum()
        res.append([g.detach().numpy() for g in lib.autograd.grad(s, (X, W))])
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)



@pytest.mark.parametrize("nd,cin,cout,k,kw", [
    (2, 4, 4, 3, dict(padding=1)),                       # stride-1 flat-shift kernels, C >= O
    (2, 5, 3, 3, dict(padding=2, dilation=2, bias=True)),
    (2, 4, 4, 2, dict()),                                # even kernel, no padding
    (1, 4, 2, 5, dict(padding=2, bias=True)),
    (3, 3, 3, 3, dict(padding=1)),
    (2, 4, 4, 3, dict(padding=1, dilation=2, output_padding=1, transposed=True)),
    (2, 3, 5, 3, dict(padding=1, transposed=True)),
    (2, 4, 6, 1, dict(stride=2)),                        # pointwise (1x1) kernels, any stride
    (2, 6, 4, 1, dict(stride=(2, 3), dilation=2, bias=True)),
    (1, 3, 5, 1, dict()),
    (3, 3, 4, 1, dict(stride=(1, 2, 2))),
    (2, 4, 3, 1, dict(stride=2, output_padding=1, bias=True, transposed=True)),
])
def test_conv_stride1_paths_double_backward_match_torch(nd, cin, cout, k, kw):
    kw = dict(kw)
    transposed, bias = kw.pop("transposed", False), kw.pop("bias", False)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, cin) + (9,) * nd)
    w = rng.standard_normal(((cin, cout) if transposed else (cout, cin)) + (k,) * nd)
    b = rng.standard_normal(cout)
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        X, W, B = (lib.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
        fn = getattr(F, f"conv_transpose{nd}d" if transposed else f"conv{nd}d")
        y = fn(X, W, B if bias else None, **kw)
        gx, gw = lib.autograd.grad((y ** 2).sum(), (X, W), create_graph=True)
        s = (gx ** 2).sum() + (gw ** 3).sum()
        res.append([t.detach().numpy() for t in (y, gx, gw) + lib.autograd.grad(s, (X, W))])
    for a, e in zip(res[1], res[0]):
        assert a.shape == e.shape
        np.testing.assert_allclose(a, e, rtol=1e-8, atol=1e-8)

def test_max_pool_indices_and_unpool_roundtrip():
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 9)).astype(np.float32)
    tx, ex = _pair(x)
    tv, ti = TF.max_pool2d(tx, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
    ev, ei = EF.max_pool2d(ex, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
    assert ei.dtype == ember.int64
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    tv, ti = TF.max_pool2d(tx, 2, return_indices=True)
    ev, ei = EF.max_pool2d(ex, 2, return_indices=True)
    np.testing.assert_array_equal(EF.max_unpool2d(ev, ei, 2, output_size=(7, 9)).numpy(),
                                  TF.max_unpool2d(tv, ti, 2, output_size=(7, 9)).numpy())


def test_max_pool_propagates_nan():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 1, 0] = np.nan
    tx, ex = _pair(x)
    np.testing.assert_array_equal(EF.max_pool2d(ex, 2).numpy(), TF.max_pool2d(tx, 2).numpy())


def test_conv_transpose_output_size_and_range_error():
    torch.manual_seed(0)
    tm = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ember.manual_seed(0)
    em = ember.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 4)).astype(np.float32)
    tx, ex = _pair(x)
    t = tm(tx, output_size=[1, 2, 8, 8])
    e = em(ex, output_size=[1, 2, 8, 8])
    assert tuple(e.shape) == (1, 2, 8, 8)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="requested an output size"):
        em(ex, output_size=(12, 12))


def test_conv_module_constructor_errors():
    for kw, msg in ((dict(groups=0), "groups must be a positive integer"),
                    (dict(groups=2), "in_channels must be divisible by groups"),
                    (dict(padding="full"), "Invalid padding string"),
                    (dict(padding_mode="wrap"), "padding_mode must be one of")):
        with pytest.raises(ValueError, match=msg):
            ember.nn.Conv2d(3, 4, 3, **kw)


def test_interpolate_argument_errors():
    x = ember.randn(1, 3, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        EF.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        EF.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        EF.interpolate(x, scale_factor=2, mode="bilinear")


def test_torch_level_names():
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 6)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((3, 4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(ember.conv2d(ember.from_numpy(x), ember.from_numpy(w)).numpy(),
                               torch.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy(),
                               rtol=1e-4, atol=1e-4)
    assert ember.pixel_shuffle(ember.ones(1, 4, 2, 2), 2).shape == (1, 1, 4, 4)
    assert ember.max_pool2d(ember.ones(1, 1, 4, 4), 2).shape == (1, 1, 2, 2)


@pytest.mark.parametrize("nd,kw", [
    (2, dict(kernel_size=2)),
    (2, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (2, dict(kernel_size=2, dilation=2, padding=1)),
    (1, dict(kernel_size=3, stride=1, padding=1)),
    (3, dict(kernel_size=2, stride=(1, 2, 2))),
])
@pytest.mark.parametrize("kind", ["ties", "nan", "int"])
def test_max_pool_winner_rules_match_torch(nd, kw, kind):
    """Winner per window (first maximum; last NaN), values-only path and gradients."""
    rng = np.random.default_rng(2)
    shape = (2, 3) + (7,) * nd
    x = rng.integers(-2, 3, size=shape).astype(np.float32)   # many ties
    if kind == "nan":
        x[rng.random(shape) < 0.15] = np.nan
    if kind == "int":
        x = x.astype(np.int64)
    tf, ef = getattr(TF, f"max_pool{nd}d"), getattr(EF, f"max_pool{nd}d")
    tx, ex = _pair(x)
    tv, ti = tf(tx, return_indices=True, **kw)
    ev, ei = ef(ex, return_indices=True, **kw)
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    np.testing.assert_array_equal(ef(ex, **kw).numpy(), tv.numpy())
    if kind != "int":
        tx.requires_grad_()
        ex.requires_grad_()
        g = rng.standard_normal(tuple(tv.shape)).astype(np.float32)
        tf(tx, **kw).backward(torch.from_numpy(g))
        ef(ex, **kw).backward(ember.from_numpy(g))
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
