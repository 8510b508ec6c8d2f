"""The conformance sweep (DESIGN §4): every op in ``op_db`` against real PyTorch.

For each op, dtype and sample: forward values, dtype and shape; gradients against torch's;
gradients against central finite differences in float64; inputs are not mutated.
With Numba installed every case runs twice: on the NumPy kernels and on their Numba overrides
(taken at every size), so both paths are held to torch.
"""
import numpy as np
import pytest
import torch

import ember
from ember._backend import fast
from ember.testing._opinfo import EXEMPT, Maker, op_db

TOL = {np.dtype(np.float32): (1e-5, 1e-5), np.dtype(np.float64): (1e-9, 1e-9),
       np.dtype(np.float16): (1e-3, 1e-3)}


@pytest.fixture(autouse=True, params=["numpy", "numba"] if fast.AVAILABLE else ["numpy"])
def kernel_path(request):
    with fast.forced(request.param == "numba"):
        yield request.param


def _cases(kind):
    for op in op_db:
        dtypes = op.dtypes
        if kind in ("grad", "gradcheck", "gradgrad"):
            if not op.grad:
                continue
            dtypes = [d for d in dtypes if np.dtype(d).kind == "f"]
            if kind == "grad":
                # NOTE: one float dtype against torch; float64 is covered by gradcheck (suite
                # time budget: the whole suite must stay under 10 minutes on 2 cores)
                dtypes = dtypes[:1]
            else:
                dtypes = [np.float64] if (kind == "gradcheck" and op.gradcheck) or \
                    (kind == "gradgrad" and op.gradgrad) else []
        for dt in dtypes:
            for k, s in enumerate(op.samples(Maker(dt, seed=0))):
                if kind in op.skips:
                    continue
                yield pytest.param(op, s, id=f"{op.name}-{np.dtype(dt).name}-{k}")


def _convert(lib, args, kwargs, grad=False):
    """NumPy arrays -> tensors of ``lib`` (float ones requiring grad when asked)."""
    leaves = []

    def conv(a):
        if isinstance(a, np.ndarray):
            t = torch.from_numpy(a) if lib is torch else ember.from_numpy(a)
            if grad and a.dtype.kind == "f":
                t = t.detach().requires_grad_(True) if lib is torch else \
                    ember.from_numpy(a.copy()).requires_grad_(True)
                leaves.append(t)
            return t
        if isinstance(a, (list, tuple)) and any(isinstance(x, np.ndarray) for x in a):
            return type(a)(conv(x) for x in a)
        return a
    return tuple(conv(a) for a in args), {k: conv(v) for k, v in kwargs.items()}, leaves


def _flat(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out]


def _np(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy(force=True)  # force: torch's gradients may be ZeroTensors (sgn)
    if isinstance(t, ember.Tensor):
        d = t.detach()._data
        return d.astype(np.float32) if d.dtype.name == "bfloat16" else d
    return t


def _tol(op, dt):
    rtol, atol = TOL.get(np.dtype(dt), (1e-5, 1e-5))
    return (op.rtol if op.rtol is not None else rtol), (op.atol if op.atol is not None else atol)


def _assert_same(op, e_out, t_out, what="output"):
    e_flat, t_flat = _flat(e_out), _flat(t_out)
    assert len(e_flat) == len(t_flat), f"{what}: {len(e_flat)} results vs torch's {len(t_flat)}"
    for i, (e, t) in enumerate(zip(e_flat, t_flat)):
        if isinstance(t, torch.Tensor):
            assert isinstance(e, ember.Tensor), f"{what}[{i}]: got {type(e)}"
            assert tuple(e.shape) == tuple(t.shape), f"{what}[{i}] shape {e.shape} vs {t.shape}"
            if op.check_dtype:
                assert str(e.dtype) == str(t.dtype), f"{what}[{i}] dtype {e.dtype} vs {t.dtype}"
            en, tn = _np(e), _np(t)
            rtol, atol = _tol(op, tn.dtype if tn.dtype.kind == "f" else np.float64)
            if tn.dtype.kind in "fc":
                np.testing.assert_allclose(en, tn, rtol=rtol, atol=atol, equal_nan=True,
                                           err_msg=f"{what}[{i}]")
            else:
                np.testing.assert_array_equal(en, tn, err_msg=f"{what}[{i}]")
        elif t is None:
            assert e is None, f"{what}[{i}]: expected None"
        else:
            if isinstance(t, float):
                assert e == pytest.approx(t, rel=1e-5, nan_ok=True), f"{what}[{i}]"
            else:
                assert e == t, f"{what}[{i}]: {e!r} vs {t!r}"


@pytest.mark.parametrize("op,sample", list(_cases("forward")))
def test_forward(op, sample):
    originals = [a.copy() for a in sample.args if isinstance(a, np.ndarray)]
    t_args, t_kw, _ = _convert(torch, sample.args, sample.kwargs)
    try:
        t_out = op.fn(torch, *t_args, **t_kw)
    except Exception as exc:  # torch rejects it: ember must raise the same type
        e_args, e_kw, _ = _convert(ember, sample.args, sample.kwargs)
        with pytest.raises(type(exc)):
            op.fn(ember, *e_args, **e_kw)
        return
    e_args, e_kw, _ = _convert(ember, sample.args, sample.kwargs)
    e_out = op.fn(ember, *e_args, **e_kw)
    _assert_same(op, e_out, t_out)
    after = [a for a in sample.args if isinstance(a, np.ndarray)]
    for before, now in zip(originals, after):
        np.testing.assert_array_equal(before, now, err_msg="input was mutated")


def _float_outputs(out):
    return [o for o in _flat(out) if hasattr(o, "dtype") and o.dtype.is_floating_point
            and o.requires_grad]


@pytest.mark.parametrize("op,sample", list(_cases("grad")))
def test_grad_vs_torch(op, sample):
    if not sample.grad:
        pytest.skip("sample has no differentiable inputs")
    t_args, t_kw, t_leaves = _convert(torch, sample.args, sample.kwargs, grad=True)
    if not t_leaves:
        pytest.skip("no float inputs")
    try:
        t_out = op.fn(torch, *t_args, **t_kw)
    except Exception:
        pytest.skip("torch rejects this sample")
    e_args, e_kw, e_leaves = _convert(ember, sample.args, sample.kwargs, grad=True)
    e_out = op.fn(ember, *e_args, **e_kw)
    t_outs, e_outs = _float_outputs(t_out), _float_outputs(e_out)
    assert len(t_outs) == len(e_outs), "different number of differentiable outputs"
    if not t_outs:
        return
    rng = np.random.default_rng(3)
    cots = [rng.standard_normal(tuple(o.shape)).astype(_np(o).dtype) for o in t_outs]
    t_grads = torch.autograd.grad(t_outs, t_leaves, [torch.from_numpy(c) for c in cots],
                                  allow_unused=True)
    e_grads = ember.autograd.grad(e_outs, e_leaves, [ember.from_numpy(c) for c in cots],
                                  allow_unused=True)
    t_grads = [g if g is not None else torch.zeros_like(x) for g, x in zip(t_grads, t_leaves)]
    e_grads = [g if g is not None else ember.zeros_like(x) for g, x in zip(e_grads, e_leaves)]
    _assert_same(op, e_grads, t_grads, what="grad")


def _torch_rejects(op, sample) -> bool:
    """Samples torch refuses are checked for the error type by test_forward; skip them here."""
    t_args, t_kw, _ = _convert(torch, sample.args, sample.kwargs)
    try:
        op.fn(torch, *t_args, **t_kw)
    except Exception:
        return True
    return False


@pytest.mark.parametrize("op,sample", list(_cases("gradcheck")))
def test_gradcheck(op, sample):
    if not sample.grad or _torch_rejects(op, sample):
        pytest.skip("sample has no differentiable inputs or torch rejects it")
    args, kwargs, leaves = _convert(ember, sample.args, sample.kwargs, grad=True)
    if not leaves:
        pytest.skip("no float inputs")
    pos = [i for i, a in enumerate(args) if isinstance(a, ember.Tensor) and a.requires_grad]
    kw_keys = [k for k, v in kwargs.items() if isinstance(v, ember.Tensor) and v.requires_grad]

    def fn(*xs):
        a = list(args)
        for i, x in zip(pos, xs):
            a[i] = x
        kw = dict(kwargs)
        for k, x in zip(kw_keys, xs[len(pos):]):
            kw[k] = x
        return op.fn(ember, *a, **kw)

    inputs = [args[i] for i in pos] + [kwargs[k] for k in kw_keys]
    if not inputs:
        pytest.skip("differentiable inputs are nested")
    # NOTE: full Jacobians only for tiny inputs; otherwise torch's fast mode (a random
    # projection v^T J u: 2 evaluations per input plus one backward)
    fast = sum(x.numel() for x in inputs) > 8
    assert ember.autograd.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3,
                                    fast_mode=fast)


@pytest.mark.parametrize("op,sample", list(_cases("gradgrad")))
def test_gradgradcheck(op, sample):
    if not sample.grad or _torch_rejects(op, sample):
        pytest.skip("sample has no differentiable inputs or torch rejects it")
    args, kwargs, leaves = _convert(ember, sample.args, sample.kwargs, grad=True)
    pos = [i for i, a in enumerate(args) if isinstance(a, ember.Tensor) and a.requires_grad]
    if not pos:
        pytest.skip("no float inputs")

    def fn(*xs):
        a = list(args)
        for i, x in zip(pos, xs):
            a[i] = x
        return op.fn(ember, *a, **kwargs)

    assert ember.autograd.gradgradcheck(fn, tuple(args[i] for i in pos), atol=1e-4, rtol=1e-3,
                                        fast_mode=True)


def test_op_db_is_complete():
    """Every public ember function has an OpInfo (or a reasoned exemption)."""
    covered = set()
    for op in op_db:
        covered.add(op.name)
        covered.update(op.covers)
    missing = sorted(n for n in ember._ops.FUNCTIONS if n not in covered and n not in EXEMPT)
    assert not missing, f"public ops without OpInfo samples: {missing}"
    import ember.nn.functional as F
    f_names = [n for n in dir(F) if not n.startswith("_") and callable(getattr(F, n))
               and getattr(getattr(F, n), "__module__", "").startswith("ember")]
    missing = sorted(n for n in f_names if f"nn.functional.{n}" not in covered
                     and n not in covered and f"F.{n}" not in EXEMPT)
    assert not missing, f"nn.functional callables without OpInfo samples: {missing}"


def test_every_primitive_is_exercised(monkeypatch):
    """Running every sample forward and backward reaches every registered primitive."""
    from ember._ops import registry

    seen = set()

    def counting(prim):
        fwd = prim.fwd

        def wrapped(*args, **kwargs):
            seen.add(prim.name)
            return fwd(*args, **kwargs)
        return wrapped

    # every path into a primitive (registry.apply or a direct call) runs its forward kernel
    for prim in registry.PRIMITIVES.values():
        monkeypatch.setattr(prim, "fwd", counting(prim))
    for op in op_db:
        floats = [d for d in op.dtypes if np.dtype(d).kind == "f"]
        for dt in (floats[:1] or op.dtypes[:1]):  # one dtype reaches the same primitives
            for s in op.samples(Maker(dt, seed=0)):
                args, kwargs, leaves = _convert(ember, s.args, s.kwargs,
                                                grad=op.grad and np.dtype(dt).kind == "f")
                try:
                    out = op.fn(ember, *args, **kwargs)
                except Exception:
                    continue
                outs = _float_outputs(out)
                if outs and leaves:
                    ember.autograd.grad([o.sum() for o in outs], leaves, allow_unused=True,
                                        create_graph=op.gradgrad)
    missing = sorted(set(registry.PRIMITIVES) - seen - set(EXEMPT))
    assert not missing, f"primitives no sample reaches: {missing}"


def test_coverage_count(capsys):
    """Reports how many public ops and primitives the sweep covers."""
    names = {op.name for op in op_db} | {c for op in op_db for c in op.covers}
    n_samples = sum(len(list(op.samples(Maker(op.dtypes[0], 0)))) for op in op_db)
    with capsys.disabled():
        print(f"\n[sweep] {len(op_db)} OpInfos, {len(names)} public names, {n_samples} samples, "
              f"{len(ember._ops.PRIMITIVES)} primitives")
