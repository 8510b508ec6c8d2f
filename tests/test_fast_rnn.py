"""The fused LSTM step kernels (``ember._ops._fast.rnn``, the ``ember[fast]`` extra): both paths
against torch at realistic shapes (values and every gradient), the Numba path against the NumPy
path (the backward is bit-identical), and tests/test_nn_rnn.py's packed / reverse / projection
LSTM cases re-run on the Numba path."""
import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as trnn

import ember
import ember.nn.utils.rnn as ernn
from ember._backend import fast
from ember._ops import rnn as R

import test_nn_rnn as base

TOL = {torch.float32: (1e-4, 1e-5), torch.float64: (1e-8, 1e-9)}
PATHS = ["numpy", "numba", "numba-serial"] if fast.AVAILABLE else ["numpy"]


@pytest.fixture(params=PATHS)
def path(request):
    """Every override at every size (``numba``; ``numba-serial``: the serial builds)."""
    with fast.forced(request.param != "numpy"):
        if request.param == "numba-serial":
            fast.PARALLEL_MIN = 1 << 62  # restored by forced()
        yield request.param


def _np(t):
    return t.detach().numpy()


def _close(e, t, dtype):
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol)


def _pair(dtype, *args, **kw):
    tm = torch.nn.LSTM(*args, **kw).to(dtype)
    em = ember.nn.LSTM(*args, **kw)
    em = em.double() if dtype == torch.float64 else em
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


def _run_both(tm, em, x, hx, dtype, packed_lengths=None):
    """Forward + backward of a seeded cotangent through torch and ember; compares everything."""
    rng = np.random.default_rng(1)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    th = tuple(torch.tensor(a, requires_grad=True) for a in hx)
    eh = tuple(ember.tensor(a, requires_grad=True) for a in hx)
    if packed_lengths is not None:
        tin = trnn.pack_padded_sequence(tx, packed_lengths, enforce_sorted=False)
        ein = ernn.pack_padded_sequence(ex, packed_lengths, enforce_sorted=False)
    else:
        tin, ein = tx, ex
    tout, (thn, tcn) = tm(tin, th)
    eout, (ehn, ecn) = em(ein, eh)
    if packed_lengths is not None:  # padded: row order in .data may differ among equal lengths
        tout, eout = trnn.pad_packed_sequence(tout)[0], ernn.pad_packed_sequence(eout)[0]
    for a, b in ((eout, tout), (ehn, thn), (ecn, tcn)):
        _close(a, b, dtype)
    cots = [rng.standard_normal(tuple(t.shape)).astype(x.dtype) for t in (tout, thn, tcn)]
    torch.autograd.backward([tout, thn, tcn], [torch.tensor(c) for c in cots])
    ember.autograd.backward([eout, ehn, ecn], [ember.tensor(c) for c in cots])
    _close(ex.grad, tx.grad, dtype)
    for a, b in zip(eh, th):
        _close(a.grad, b.grad, dtype)
    for (_, tp), (_, ep) in zip(tm.named_parameters(), em.named_parameters()):
        _close(ep.grad, tp.grad, dtype)


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_two_layers_matches_torch(path, batch_first):
    """The benchmark's shape class (float32, batch 32, hidden 256), with initial states."""
    tm, em = _pair(torch.float32, 64, 256, num_layers=2, batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 12, 64) if batch_first else (12, 32, 64)).astype(np.float32)
    hx = tuple(rng.standard_normal((2, 32, 256)).astype(np.float32) for _ in range(2))
    _run_both(tm, em, x, hx, torch.float32)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lstm_bidirectional_packed_matches_torch(path, dtype):
    """Packed (late-starting rows in the reverse direction), bidirectional, both dtypes."""
    tm, em = _pair(dtype, 40, 96, bidirectional=True)
    rng = np.random.default_rng(2)
    npdt = np.float32 if dtype == torch.float32 else np.float64
    x = rng.standard_normal((10, 24, 40)).astype(npdt)
    hx = tuple(rng.standard_normal((2, 24, 96)).astype(npdt) for _ in range(2))
    lengths = rng.integers(1, 11, 24)
    lengths[3] = 10
    _run_both(tm, em, x, hx, dtype, packed_lengths=lengths.tolist())


def test_lstm_projection_matches_torch(path):
    tm, em = _pair(torch.float32, 48, 128, proj_size=40, num_layers=2)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 16, 48)).astype(np.float32)
    hx = (rng.standard_normal((2, 16, 40)).astype(np.float32),
          rng.standard_normal((2, 16, 128)).astype(np.float32))
    _run_both(tm, em, x, hx, torch.float32)


@pytest.mark.skipif(not fast.AVAILABLE, reason="needs numba")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("packed,reverse", [(False, False), (True, False), (True, True)])
def test_fast_layer_vs_numpy_layer(dtype, packed, reverse):
    """The primitive itself: forward within a few ulp of the NumPy path; backward, fed the same
    saved activations, bit-identical (the same float operations in the same order)."""
    rng = np.random.default_rng(4)
    hs, p = 64, 24
    sizes = (16, 16, 13, 9, 9, 4, 1) if packed else (16,) * 7
    n = sum(sizes)
    x = rng.standard_normal((n, p)).astype(dtype)
    h0, c0 = (rng.standard_normal((16, hs)).astype(dtype) for _ in range(2))
    w_ih = rng.uniform(-.3, .3, (4 * hs, p)).astype(dtype)
    w_hh = rng.uniform(-.3, .3, (4 * hs, hs)).astype(dtype)
    b = rng.uniform(-.3, .3, 4 * hs).astype(dtype)
    x[0, :3] = (40, -40, 0)  # saturating gates
    kw = dict(sizes=sizes, reverse=reverse)
    with fast.forced(False):
        ref = R._lstm_layer.fwd(np, x, h0, c0, w_ih, w_hh, b, bias=True, **kw)
    with fast.forced(True):
        got = R._lstm_layer.fwd(np, x, h0, c0, w_ih, w_hh, b, bias=True, **kw)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a, r, rtol=rtol, atol=rtol)
    dout = rng.standard_normal((n, hs)).astype(dtype)
    dhn, dcn = (rng.standard_normal((16, hs)).astype(dtype) for _ in range(2))
    args = (dout, dhn, dcn, x, h0, c0, w_ih, w_hh, ref[0], ref[4], ref[3], ref[5])
    with fast.forced(False):
        want = R._lstm_layer_backward.fwd(np, *args, **kw)
    for par in (True, False):
        with fast.forced(True):
            if not par:
                fast.PARALLEL_MIN = 1 << 62
            got = R._lstm_layer_backward.fwd(np, *args, **kw)
        for a, r in zip(got, want):
            np.testing.assert_array_equal(a, r)


# -- tests/test_nn_rnn.py's LSTM cases on the Numba path --------------------------------------
@pytest.fixture
def numba_path():
    if not fast.AVAILABLE:
        pytest.skip("needs numba")
    with fast.forced(True):
        yield


@pytest.mark.parametrize("name,args,kw", [c for c in base.PACKED if c[0] == "LSTM"])
@pytest.mark.parametrize("with_h0", [False, True])
def test_packed_lstm_cases_on_numba_path(numba_path, name, args, kw, with_h0):
    base.test_rnn_on_packed_matches_torch(name, args, kw, with_h0)


def test_lstm_packed_then_pad_on_numba_path(numba_path):
    base.test_lstm_packed_then_pad_matches_dense_prefix()


def test_lstm_batch_zero_on_numba_path(numba_path):
    base.test_unbatched_and_batch_zero()


def test_lstm_double_backward_on_numba_path(numba_path):
    base.test_double_backward_packed_reverse()
