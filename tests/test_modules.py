"""The module sweep: every nn module against torch with identical weights (STYLE §10)."""
import numpy as np
import pytest
import torch

import ember
from ember.testing._moduleinfo import EXEMPT, Maker, module_db

TOL = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-8, 1e-9)}


def _cases(check):
    for info in module_db:
        if check in info.skips:
            continue
        dtypes = info.dtypes[:1] if check in ("init", "repr", "state_dict") else info.dtypes
        for dt in dtypes:
            for k, s in enumerate(info.samples(Maker(dt, seed=0))):
                modes = info.modes if check == "forward" else ("train",)
                for mode in modes:
                    yield pytest.param(info, s, dt, mode,
                                       id=f"{info.name}-{np.dtype(dt).name}-{k}-{mode}")


def _to_ember(v):
    if isinstance(v, torch.Tensor):
        return ember.tensor(v.detach().numpy())
    return v


def _build(lib, info, s, dt):
    cls = getattr(lib.nn, info.name)
    args = tuple(_build_arg(lib, a) for a in s.args)
    kwargs = {k: _build_arg(lib, v) for k, v in s.kwargs.items()}
    m = cls(*args, **kwargs)
    return m.double() if np.dtype(dt) == np.float64 else m


def _build_arg(lib, a):
    if isinstance(a, np.ndarray):
        return lib.from_numpy(a.copy()) if lib is ember else torch.from_numpy(a.copy())
    if callable(a) and getattr(a, "_needs_lib", False):
        return a(lib)
    return a


def _inputs(lib, s, grad):
    leaves = []

    def conv(a):
        if isinstance(a, np.ndarray):
            t = lib.from_numpy(a.copy()) if lib is ember else torch.from_numpy(a.copy())
            if grad and a.dtype.kind == "f":
                t.requires_grad_(True)
                leaves.append(t)
            return t
        if isinstance(a, (tuple, list)):
            return type(a)(conv(x) for x in a)
        return a
    return tuple(conv(a) for a in s.inputs), {k: conv(v) for k, v in s.forward_kwargs.items()}, \
        leaves


def _flat(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    if hasattr(out, "data") and type(out).__name__ == "PackedSequence":
        return [out.data]
    return [out]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(e, t, info, dt, what):
    rtol, atol = TOL[np.dtype(dt)]
    rtol = info.rtol if info.rtol is not None else rtol
    atol = info.atol if info.atol is not None else atol
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("info,sample,dt,mode", list(_cases("forward")))
def test_module_matches_torch(info, sample, dt, mode):
    t_mod = _build(torch, info, sample, dt)
    e_mod = _build(ember, info, sample, dt)
    e_mod.load_state_dict({k: _to_ember(v) for k, v in t_mod.state_dict().items()})
    getattr(t_mod, mode)()
    getattr(e_mod, mode)()
    grad = info.grad
    t_in, t_kw, t_leaves = _inputs(torch, sample, grad)
    e_in, e_kw, e_leaves = _inputs(ember, sample, grad)
    if info.random:
        torch.manual_seed(0)
        ember.manual_seed(0)
    t_out = t_mod(*t_in, **t_kw)
    e_out = e_mod(*e_in, **e_kw)
    t_flat, e_flat = _flat(t_out), _flat(e_out)
    assert len(t_flat) == len(e_flat)
    for i, (e, t) in enumerate(zip(e_flat, t_flat)):
        if isinstance(t, torch.Tensor):
            assert tuple(e.shape) == tuple(t.shape), f"output {i} shape"
            assert str(e.dtype) == str(t.dtype), f"output {i} dtype"
            _close(e, t, info, dt, f"output {i}")
    for (name, tb), (ename, eb) in zip(t_mod.named_buffers(), e_mod.named_buffers()):
        assert name == ename
        _close(eb, tb, info, dt, f"buffer {name}")
    if not grad:
        return
    diff = [(e, t) for e, t in zip(e_flat, t_flat)
            if isinstance(t, torch.Tensor) and t.requires_grad]
    if not diff:
        return
    rng = np.random.default_rng(1)
    cots = [rng.standard_normal(tuple(t.shape)).astype(_np(t).dtype) for _, t in diff]
    torch.autograd.backward([t for _, t in diff], [torch.from_numpy(c) for c in cots])
    ember.autograd.backward([e for e, _ in diff], [ember.from_numpy(c) for c in cots])
    for i, (e, t) in enumerate(zip(e_leaves, t_leaves)):
        if t.grad is None:
            assert e.grad is None or not np.any(_np(e.grad)), f"input {i} grad"
        else:
            _close(e.grad, t.grad, info, dt, f"input {i} grad")
    for (name, tp), (_, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        if tp.grad is None:
            assert ep.grad is None or not np.any(_np(ep.grad)), f"param {name} grad"
        else:
            assert ep.grad is not None, f"param {name} has no grad"
            _close(ep.grad, tp.grad, info, dt, f"param {name} grad")


@pytest.mark.parametrize("info,sample,dt,mode", list(_cases("state_dict")))
def test_module_state_dict_layout(info, sample, dt, mode):
    t_mod = _build(torch, info, sample, dt)
    e_mod = _build(ember, info, sample, dt)
    t_sd, e_sd = t_mod.state_dict(), e_mod.state_dict()
    assert list(e_sd.keys()) == list(t_sd.keys())
    for k in t_sd:
        assert tuple(e_sd[k].shape) == tuple(t_sd[k].shape), k
        assert str(e_sd[k].dtype) == str(t_sd[k].dtype), k
    assert [n for n, _ in e_mod.named_parameters()] == [n for n, _ in t_mod.named_parameters()]
    if info.repr_check:
        assert repr(e_mod) == repr(t_mod)


@pytest.mark.parametrize("info,sample,dt,mode", list(_cases("init")))
def test_module_init_matches_torch(info, sample, dt, mode):
    """manual_seed then construction gives torch's exact initial weights (same calls, order)."""
    if not info.init:
        pytest.skip("init not compared for this module")
    for seed in (0, 7):
        torch.manual_seed(seed)
        t_mod = _build(torch, info, sample, np.float32)
        ember.manual_seed(seed)
        e_mod = _build(ember, info, sample, np.float32)
        for (k, tv), (_, ev) in zip(t_mod.state_dict().items(), e_mod.state_dict().items()):
            np.testing.assert_allclose(_np(ev), _np(tv), rtol=1e-6, atol=1e-7,
                                       err_msg=f"{k} (seed {seed})")
        assert torch.rand(3).tolist() == pytest.approx(ember.rand(3).tolist())


def test_module_db_is_complete():
    names = {i.name for i in module_db} | {c for i in module_db for c in i.covers}
    public = [n for n in dir(ember.nn) if isinstance(getattr(ember.nn, n), type)
              and issubclass(getattr(ember.nn, n), ember.nn.Module)]
    missing = sorted(n for n in public if n not in names and n not in EXEMPT)
    assert not missing, f"nn modules without a ModuleInfo: {missing}"
