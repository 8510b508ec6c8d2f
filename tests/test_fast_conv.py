"""conv2d at realistic (cnn / resnet) sizes against torch, on both kernel paths: the NumPy
reference and the Numba data-movement kernels (``ember._ops._fast.conv``). Every conv path of
``ember._ops._conv_kernels`` is hit: (C, k, N, out) columns, flat-shift, channels-last, 1x1."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF
from ember._backend import fast

PATHS = [False, True] if fast.AVAILABLE else [False]


def _rand(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _check_conv(xs, ws, bias=True, dtype=np.float32, grads=("x", "w"), **kw):
    """Values and the input / weight / bias gradients of ``conv2d`` vs torch, on both paths;
    the two ember paths agree bit for bit."""
    x, w = _rand(xs, dtype), (_rand(ws, dtype, 1) / np.sqrt(np.prod(ws[1:]))).astype(dtype)
    b = _rand((ws[0],), dtype, 2) if bias else None
    t = [torch.from_numpy(a.copy()).requires_grad_(True) if a is not None else None
         for a in (x, w, b)]
    ty = TF.conv2d(*t, **kw)
    g = _rand(tuple(ty.shape), dtype, 3)
    ty.backward(torch.from_numpy(g))
    want = [ty.detach().numpy()] + [a.grad.numpy() for a in t if a is not None]
    eps = 2e-5 if dtype == np.float32 else 1e-12   # relative to each array's largest entry
    runs = []
    for forced in PATHS:
        with fast.forced(forced):
            e = [ember.from_numpy(a.copy()) if a is not None else None for a in (x, w, b)]
            e[0].requires_grad_("x" in grads)
            e[1].requires_grad_("w" in grads)
            if b is not None:
                e[2].requires_grad_(True)
            ey = EF.conv2d(*e, **kw)
            ey.backward(ember.from_numpy(g))
            got = [ey.detach().numpy()] + [None if a is None or a.grad is None else a.grad.numpy()
                                           for a in e if a is not None]
        for gv, wv in zip(got, want):
            if gv is not None:
                np.testing.assert_allclose(gv, wv, rtol=eps, atol=eps * np.abs(wv).max(initial=1))
        runs.append(got)
    if len(runs) == 2:
        for a, c in zip(*runs):
            assert (a is None) == (c is None)
            if a is not None:
                np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cnn_convs(dtype):
    _check_conv((32, 1, 28, 28), (32, 1, 3, 3), dtype=dtype, grads=("w",))
    _check_conv((16, 32, 26, 26), (64, 32, 3, 3), dtype=dtype)


@pytest.mark.parametrize("xs, ws, kw", [
    ((16, 3, 32, 32), (64, 3, 3, 3), dict(padding=1)),                 # resnet stem
    ((16, 64, 32, 32), (64, 64, 3, 3), dict(padding=1)),               # flat-shift
    ((16, 64, 32, 32), (128, 64, 3, 3), dict(stride=2, padding=1)),    # (C, k, N, out) s2
    ((16, 64, 32, 32), (128, 64, 1, 1), dict(stride=2)),               # 1x1 shortcut
    ((16, 256, 8, 8), (256, 256, 3, 3), dict(padding=1)),              # channels-last
    ((16, 256, 8, 8), (512, 256, 3, 3), dict(stride=2, padding=1)),    # channels-last s2
    ((16, 256, 8, 8), (512, 256, 1, 1), dict(stride=2)),
], ids=["stem", "flat", "s2", "1x1s2", "last", "last_s2", "last_1x1"])
def test_resnet_convs(xs, ws, kw):
    _check_conv(xs, ws, bias=False, **kw)


@pytest.mark.parametrize("xs, ws, kw", [
    ((4, 3, 64, 64), (64, 3, 7, 7), dict(stride=2, padding=3)),                 # 7x7 stem
    ((8, 32, 24, 24), (32, 32, 3, 3), dict(padding=2, dilation=2)),             # flat dilated
    ((8, 16, 25, 23), (32, 16, 3, 3), dict(stride=(2, 1), padding=(0, 2), dilation=(1, 3))),
    ((8, 32, 20, 20), (64, 8, 3, 3), dict(padding=1, groups=4)),
    ((8, 128, 7, 9), (64, 128, 3, 2), dict(padding=(1, 0))),                    # channels-last
])
def test_conv_geometries(xs, ws, kw):
    _check_conv(xs, ws, **kw)


def test_non_contiguous_and_tiny_inputs():
    """A transposed input and tiny / empty batches go through the same paths."""
    x = _rand((26, 26, 32, 16)).transpose(3, 2, 0, 1)
    w = _rand((64, 32, 3, 3), seed=1)
    want = TF.conv2d(torch.from_numpy(x.copy()), torch.from_numpy(w)).numpy()
    for forced in PATHS:
        with fast.forced(forced):
            got = EF.conv2d(ember.from_numpy(x), ember.from_numpy(w)).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-4)
    _check_conv((1, 2, 5, 5), (3, 2, 3, 3), padding=1)
    _check_conv((0, 8, 10, 10), (4, 8, 3, 3), padding=1)
