"""The ``ember[fast]`` overrides of randn's Box-Muller transform and of the Adam/AdamW/SGD updates,
on realistic sizes, against torch and against the NumPy path (both paths via ``fast.forced``)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember._backend import fast

PATHS = pytest.mark.parametrize("fast_on", [False, True], ids=["numpy", "numba"])


def _bits_equal(ours, theirs):
    ours = np.asarray(ours)
    theirs = theirs.numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    bad = np.flatnonzero(ours.view(np.uint32) != theirs.view(np.uint32))
    assert bad.size == 0, f"{bad.size} differ, first at {bad[:5]}: {ours[bad[:5]]}"


# ----------------------------------------------------------------------------- randn
# around the block (16), task (512 blocks), pipeline-chunk (8192 blocks) and threading boundaries
SIZES = [16, 17, 31, 4095, 4096, 4097, 8192, 8208, 8213, 131071, 131072, 131089, (1 << 19) - 3,
         (1 << 19) + 16]


@PATHS
def test_randn_bit_exact_around_boundaries(fast_on):
    with fast.forced(fast_on):
        for i, n in enumerate(SIZES):
            ember.manual_seed(i)
            torch.manual_seed(i)
            _bits_equal(ember.randn(n).numpy(), torch.randn(n))


@PATHS
@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (0.0, 2.5), (-1.5, 0.3)])
def test_randn_large_bit_exact(fast_on, mean, std):
    n = 2_100_017                              # several pipeline chunks and a tail
    with fast.forced(fast_on):
        ember.manual_seed(7)
        torch.manual_seed(7)
        e = ember.empty(n).normal_(mean, std)
        t = torch.empty(n).normal_(mean, std)
        _bits_equal(e.numpy(), t)
        # the stream position after the draw matches too
        _bits_equal(ember.randn(100).numpy(), torch.randn(100))


def test_randn_default_thresholds_and_2d_bit_exact():
    ember.manual_seed(3)
    torch.manual_seed(3)
    _bits_equal(ember.randn(1500, 999).numpy(), torch.randn(1500, 999))
    _bits_equal(ember.randn(5000).numpy(), torch.randn(5000))


# ----------------------------------------------------------------------------- optimizers
SHAPES = [(512, 300), (4100,), (64, 3, 3, 3), (7,)]   # parallel, serial, 4-D, below MIN_SIZE
OPTIMS = [
    ("Adam", dict(lr=1e-3)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("AdamW", dict(lr=3e-4)),
    ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.3, maximize=True)),
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)),
    ("SGD", dict(lr=0.02, momentum=0.5, dampening=0.3, maximize=True, weight_decay=0.1)),
]


def _ids():
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in OPTIMS]


def _trajectory(name, kwargs, dtype, fast_on, nsteps=4):
    """Run ember and torch side by side on the same gradients; return ember's final arrays."""
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ep = [ember.nn.Parameter(ember.tensor(a.copy())) for a in init]
    tp = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    eo = getattr(ember.optim, name)(ep, **kwargs)
    to = getattr(torch.optim, name)(tp, **kwargs)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    with fast.forced(fast_on):
        fast.MIN_SIZE, fast.PARALLEL_MIN = 4096, 1 << 16     # realistic thresholds
        for _ in range(nsteps):
            for e, t in zip(ep, tp):
                g = rng.standard_normal(e.shape).astype(dtype)
                e.grad = ember.tensor(g)
                t.grad = torch.tensor(g)
            eo.step()
            to.step()
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e._data, t.detach().numpy(), **tol)
        for k, tv in to.state[t].items():
            if isinstance(tv, torch.Tensor) and k != "step":
                np.testing.assert_allclose(eo.state[e][k]._data, tv.numpy(), err_msg=k, **tol)
    return [e._data.copy() for e in ep] + [v._data.copy() for e in ep
                                             for v in eo.state[e].values()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kwargs", OPTIMS, ids=_ids())
def test_optimizer_large_params_match_torch_and_numpy_path(name, kwargs, dtype):
    ref = _trajectory(name, kwargs, dtype, False)
    got = _trajectory(name, kwargs, dtype, True)
    for a, b in zip(ref, got):       # same float operations in the same order: same bits
        np.testing.assert_array_equal(a, b)


def test_optimizer_noncontiguous_param_takes_fast_path_via_copy():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((300, 200)).astype(np.float32)
    outs = []
    for on in (False, True):
        with fast.forced(on):
            p = ember.nn.Parameter(ember.tensor(base.copy()).t())   # a transposed view
            opt = ember.optim.Adam([p], lr=0.01, amsgrad=True)
            for s in range(3):
                p.grad = ember.tensor(np.sin(base * (s + 1)).T.copy())
                opt.step()
            outs.append(p._data.copy())
    tp = torch.nn.Parameter(torch.tensor(base.copy()).t())
    to = torch.optim.Adam([tp], lr=0.01, amsgrad=True)
    for s in range(3):
        tp.grad = torch.tensor(np.sin(base * (s + 1)).T.copy())
        to.step()
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(outs[1], tp.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (0.5, 2.0)])
def test_normal_avx2_strided_rows_and_empty_param(mean, std):
    from ember._backend import _random_kernels as k
    rng = np.random.default_rng(5)
    raw = rng.integers(0, 1 << 32, 16 * 700, dtype=np.uint32)

    def draws():
        pos = [0]

        def draw(c):
            pos[0] += c
            return raw[pos[0] - c:pos[0]]
        return draw
    ref = np.empty((700, 16), np.float32)
    with fast.forced(False):
        k.normal_avx2(draws(), 700, mean, std, ref)
    out = np.zeros((700, 32), np.float32)[:, 8:24]       # rows contiguous, not C-contiguous
    with fast.forced(True):
        k.normal_avx2(draws(), 700, mean, std, out)
    np.testing.assert_array_equal(out.view(np.uint32), ref.view(np.uint32))
    with fast.forced(True):                              # 0-size parameters take the kernels
        p = ember.nn.Parameter(ember.zeros(0))
        p.grad = ember.zeros(0)
        ember.optim.Adam([p], amsgrad=True).step()
        ember.optim.SGD([p], lr=0.1, momentum=0.9).step()
    assert p.shape == (0,)
