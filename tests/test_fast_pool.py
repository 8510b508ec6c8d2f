"""Max pooling and relu at realistic (cnn / resnet) sizes against torch, on both kernel paths:
the NumPy reference and the Numba overrides (``ember._ops._fast``)."""
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


def _check_pool(x, g, nd=2, **kw):
    """Values, indices and the input gradient of ``max_pool{nd}d`` vs torch, exactly."""
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    tv, ti = getattr(TF, f"max_pool{nd}d")(tx, return_indices=True, **kw)
    tv.backward(torch.from_numpy(g))
    for forced in PATHS:
        with fast.forced(forced):
            ex = ember.from_numpy(x.copy()).requires_grad_(True)
            ev, ei = getattr(EF, f"max_pool{nd}d")(ex, return_indices=True, **kw)
            ev.backward(ember.from_numpy(g))
            np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
            np.testing.assert_array_equal(ei.numpy(), ti.numpy())
            np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
            with ember.no_grad():   # the values-only kernel
                ew = getattr(EF, f"max_pool{nd}d")(ember.from_numpy(x), **kw)
            np.testing.assert_array_equal(ew.numpy(), tv.detach().numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool2d_cnn_shape(dtype):
    x = _rand((32, 64, 24, 24), dtype)   # the cnn workload's pool at half its batch
    _check_pool(x, _rand((32, 64, 12, 12), dtype, 1), kernel_size=2)


@pytest.mark.parametrize("kw", [
    dict(kernel_size=3, stride=2, padding=1),                      # resnet stem (overlapping)
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1), padding=(1, 1)),
    dict(kernel_size=2, ceil_mode=True),                           # odd sizes: clipped windows
])
def test_max_pool2d_geometries(kw):
    x = _rand((8, 32, 31, 33))
    o = TF.max_pool2d(torch.from_numpy(x), **kw).shape
    _check_pool(x, _rand(tuple(o), seed=1), **kw)


def test_max_pool_nan_ties_and_inf():
    """NaN propagates (the last NaN of a window is its index), ties keep the first maximum,
    an all ``-inf`` window points at its first in-bounds element (never at padding)."""
    x = np.round(_rand((4, 16, 20, 20)) * 2).astype(np.float32)   # many ties
    x[0, 0, 3, 5] = x[1, 2, 7, 7] = x[1, 2, 6, 7] = np.nan
    x[2, 3, :4, :4] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        o = TF.max_pool2d(torch.from_numpy(x), **kw).shape
        _check_pool(x, _rand(tuple(o), seed=2), **kw)


def test_max_pool1d_and_3d():
    x = _rand((16, 32, 300))
    _check_pool(x, _rand((16, 32, 150), seed=1), nd=1, kernel_size=3, stride=2, padding=1)
    x = _rand((4, 8, 10, 12, 14))
    kw = dict(kernel_size=(2, 3, 2), stride=(2, 2, 1), padding=(1, 1, 0), ceil_mode=True)
    o = TF.max_pool3d(torch.from_numpy(x), **kw).shape
    _check_pool(x, _rand(tuple(o), seed=1), nd=3, **kw)


def test_max_pool2d_strided_input_and_double_backward():
    base = _rand((64, 24, 24, 32))
    tx = torch.from_numpy(base.copy()).permute(0, 3, 1, 2).requires_grad_(True)
    tv = TF.max_pool2d(tx, 2)
    (tg,) = torch.autograd.grad(tv.pow(2).sum(), tx, create_graph=True)
    tg.sum().backward()
    for forced in PATHS:
        with fast.forced(forced):
            leaf = ember.from_numpy(base.copy()).requires_grad_(True)
            ex = leaf.permute(0, 3, 1, 2)
            ev = EF.max_pool2d(ex, 2)
            np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
            (eg,) = ember.autograd.grad(ev.pow(2).sum(), leaf, create_graph=True)
            np.testing.assert_allclose(eg.detach().numpy(),
                                       tg.detach().permute(0, 2, 3, 1).numpy(), rtol=1e-6)
            eg.sum().backward()
            np.testing.assert_allclose(leaf.grad.numpy(),
                                       tx.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-6)


def test_max_pool2d_strided_input_overlapping_windows():
    base = _rand((16, 33, 31, 32))
    tx = torch.from_numpy(base.copy()).permute(0, 3, 2, 1).requires_grad_(True)
    tv, ti = TF.max_pool2d(tx, 3, stride=2, padding=1, return_indices=True)
    tv.sum().backward()
    for forced in PATHS:
        with fast.forced(forced):
            leaf = ember.from_numpy(base.copy()).requires_grad_(True)
            ev, ei = EF.max_pool2d(leaf.permute(0, 3, 2, 1), 3, stride=2, padding=1,
                                   return_indices=True)
            ev.sum().backward()
            np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
            np.testing.assert_array_equal(ei.numpy(), ti.numpy())
            np.testing.assert_allclose(leaf.grad.numpy(), tx.grad.permute(0, 3, 2, 1).numpy())


def test_max_unpool2d_round_trip():
    x = _rand((32, 16, 24, 24))
    tv, ti = TF.max_pool2d(torch.from_numpy(x), 3, stride=2, padding=1, return_indices=True)
    want = TF.max_unpool2d(tv, ti, 3, stride=2, padding=1, output_size=(24, 24))
    for forced in PATHS:
        with fast.forced(forced):
            ev, ei = EF.max_pool2d(ember.from_numpy(x), 3, stride=2, padding=1,
                                   return_indices=True)
            got = EF.max_unpool2d(ev, ei, 3, stride=2, padding=1, output_size=(24, 24))
            np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("shape", [(64, 32, 26, 26), (64, 64, 24, 24), (64, 128)])
def test_relu_cnn_shapes(shape):
    x = _rand(shape)
    x.reshape(-1)[:7] = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-30, -1e-30]
    g = _rand(shape, seed=1)
    g.reshape(-1)[:3] = np.nan
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ty = torch.relu(tx)
    ty.backward(torch.from_numpy(g))
    for forced in PATHS:
        with fast.forced(forced):
            ex = ember.from_numpy(x.copy()).requires_grad_(True)
            ey = ember.relu(ex)
            ey.backward(ember.from_numpy(g))
            np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
            np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())
