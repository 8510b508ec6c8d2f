"""ember.optim against torch.optim: trajectories, state tensors, state dicts, hooks, errors."""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
from ember.nn import Parameter

SHAPES = [(3, 4), (5,), (2,)]  # the last parameter never gets a gradient (must be skipped)
NSTEPS = 25

# (optimizer name, kwargs): an OptimizerInfo-style table covering every option.
OPTIM_DB = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3, foreach=False)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.3, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True, betas=(0.5, 0.9))),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True,
                   maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, alpha=0.9, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, eps=1e-4)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("SparseAdam", dict(lr=0.05)),
    ("SparseAdam", dict(lr=0.05, betas=(0.5, 0.8), eps=1e-4, maximize=True)),
]


def _ids():
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}"
            for n, kw in OPTIM_DB]


class Problem:
    """Deterministic gradients ``A @ p + b + 0.1 sin(3p)`` (per parameter) computed in NumPy."""

    def __init__(self, dtype, seed=0):
        rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        self.A, self.b = [], []
        for s in SHAPES:
            n = int(np.prod(s))
            m = rng.standard_normal((n, n)) / np.sqrt(n)
            self.A.append((m @ m.T + 0.5 * np.eye(n)).astype(dtype))
            self.b.append(rng.standard_normal(n).astype(dtype))
        self.rng = np.random.default_rng(seed + 1)

    def grad(self, i, p):
        flat = p.reshape(-1)
        g = self.A[i] @ flat + self.b[i] + 0.1 * np.sin(3 * flat)
        return g.astype(self.dtype).reshape(p.shape)


def _make_pair(name, kwargs, dtype, groups=False):
    prob = Problem(dtype)
    ep = [Parameter(ember.tensor(a.copy())) for a in prob.init]
    tp = [torch.nn.Parameter(torch.tensor(a.copy())) for a in prob.init]
    if groups:
        lr = kwargs.get("lr", 0.01)
        e_params = [{"params": ep[:1]}, {"params": ep[1:], "lr": lr * 0.5}]
        t_params = [{"params": tp[:1]}, {"params": tp[1:], "lr": lr * 0.5}]
    else:
        e_params, t_params = ep, tp
    eo = getattr(eoptim, name)(e_params, **kwargs)
    to = getattr(torch.optim, name)(t_params, **kwargs)
    return prob, ep, tp, eo, to


def _set_grads(prob, name, ep, tp, step):
    sparse = name == "SparseAdam"
    mask_rows = None
    for i, (e, t) in enumerate(zip(ep[:-1], tp[:-1])):
        # NOTE: both get the gradient at torch's point, so rounding differences do not feed
        # back through an ill-conditioned gradient; each step compares the update arithmetic.
        gt = prob.grad(i, t.detach().numpy())
        ge = gt.copy()
        if sparse:  # zero some rows: the dense equivalent of a sparse (row) gradient
            mask_rows = (np.arange(ge.shape[0]) + step) % 3 != 0
            shape = (-1,) + (1,) * (ge.ndim - 1)
            ge = ge * mask_rows.reshape(shape)
            gt = gt * mask_rows.reshape(shape)
        e.grad = ember.tensor(ge)
        tg = torch.tensor(gt)
        t.grad = tg.to_sparse(sparse_dim=1) if sparse else tg


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _compare(ep, tp, eo, to, dtype, where=""):
    tol = _tol(dtype)
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e._data, t.detach().numpy(), err_msg=f"param {where}", **tol)
        es, ts = eo.state.get(e, {}), to.state.get(t, {})
        assert list(es.keys()) == list(ts.keys()), (where, list(es), list(ts))
        for k, tv in ts.items():
            ev = es[k]
            if isinstance(tv, torch.Tensor):
                assert isinstance(ev, ember.Tensor), (k, type(ev))
                assert str(ev.dtype) == str(tv.dtype), (k, ev.dtype, tv.dtype)
                assert tuple(ev.shape) == tuple(tv.shape), k
                np.testing.assert_allclose(ev._data, tv.numpy(), err_msg=f"state {k} {where}",
                                           **tol)
            else:
                assert ev == tv, (k, ev, tv)


def _run(prob, name, ep, tp, eo, to, dtype, nsteps, start=0):
    for s in range(start, start + nsteps):
        _set_grads(prob, name, ep, tp, s)
        eo.step()
        to.step()
        _compare(ep, tp, eo, to, dtype, where=f"step {s}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kwargs", OPTIM_DB, ids=_ids())
def test_trajectory_matches_torch(name, kwargs, dtype):
    prob, ep, tp, eo, to = _make_pair(name, kwargs, dtype)
    _run(prob, name, ep, tp, eo, to, dtype, NSTEPS)
    assert ep[-1]._data.tolist() == prob.init[-1].tolist()  # no grad -> untouched


@pytest.mark.parametrize("name,kwargs", OPTIM_DB[::3], ids=_ids()[::3])
def test_param_groups_with_different_lrs(name, kwargs):
    prob, ep, tp, eo, to = _make_pair(name, kwargs, np.float32, groups=True)
    _run(prob, name, ep, tp, eo, to, np.float32, 10)
    assert [g["lr"] for g in eo.param_groups] == [g["lr"] for g in to.param_groups]


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_ember(v) for v in obj)
    return obj


def _to_torch(obj):
    if isinstance(obj, ember.Tensor):
        return torch.tensor(np.array(obj._data))
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v) for v in obj)
    return obj


def _fresh_ember(name, kwargs, arrays):
    ps = [Parameter(ember.tensor(a.copy())) for a in arrays]
    return ps, getattr(eoptim, name)(ps, **kwargs)


def _fresh_torch(name, kwargs, arrays):
    ps = [torch.nn.Parameter(torch.tensor(a.copy())) for a in arrays]
    return ps, getattr(torch.optim, name)(ps, **kwargs)


@pytest.mark.parametrize("name,kwargs", OPTIM_DB, ids=_ids())
def test_state_dict_roundtrip_and_cross_framework(name, kwargs):
    dtype = np.float32
    prob, ep, tp, eo, to = _make_pair(name, kwargs, dtype)
    _run(prob, name, ep, tp, eo, to, dtype, 8)
    esd, tsd = eo.state_dict(), to.state_dict()
    # same layout as torch: integer ids, same group keys, same state keys
    assert list(esd["state"].keys()) == list(tsd["state"].keys())
    assert [sorted(g) for g in esd["param_groups"]] == [sorted(g) for g in tsd["param_groups"]]
    assert [g["params"] for g in esd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]

    # ember -> pickle -> fresh ember; torch -> ember; ember -> torch
    e_arrays = [p._data.copy() for p in ep]
    t_arrays = [p.detach().numpy().copy() for p in tp]
    ep2, eo2 = _fresh_ember(name, kwargs, e_arrays)
    eo2.load_state_dict(pickle.loads(pickle.dumps(esd)))
    ep3, eo3 = _fresh_ember(name, kwargs, t_arrays)
    eo3.load_state_dict(_to_ember(copy.deepcopy(tsd)))
    tp4, to4 = _fresh_torch(name, kwargs, e_arrays)
    to4.load_state_dict(_to_torch(esd))
    _compare(ep2, tp, eo2, to, dtype, "after load")
    _compare(ep3, tp, eo3, to, dtype, "after load")
    for s in range(8, 14):
        _set_grads(prob, name, ep3, tp, s)  # torch -> ember, continued next to torch itself
        eo3.step()
        to.step()
        _set_grads(prob, name, ep2, tp4, s)  # ember -> ember and ember -> torch
        eo2.step()
        to4.step()
    _compare(ep3, tp, eo3, to, dtype, "torch->ember continued")
    _compare(ep2, tp4, eo2, to4, dtype, "ember->torch continued")
    _compare(ep2, tp, eo2, to, dtype, "ember->ember continued")


def test_load_state_dict_casts_to_param_dtype_but_not_step():
    p = Parameter(ember.tensor(np.ones(3, dtype=np.float64)))
    opt = eoptim.Adam([p])
    sd = {"state": {0: {"step": ember.tensor(np.array(2.0, dtype=np.float32)),
                        "exp_avg": ember.tensor(np.ones(3, dtype=np.float32)),
                        "exp_avg_sq": ember.tensor(np.ones(3, dtype=np.float32))}},
          "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    opt.load_state_dict(sd)
    st = opt.state[p]
    assert st["exp_avg"].dtype == ember.float64 and st["step"].dtype == ember.float32


def test_load_state_dict_errors():
    p, q = Parameter(ember.zeros(2)), Parameter(ember.zeros(2))
    opt = eoptim.SGD([p], lr=0.1)
    sd = eoptim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(sd)
    sd = eoptim.SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(sd)


def _torch_error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return type(exc), str(exc)
    return None, None


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(lr=0.1, momentum=-1)),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("SGD", dict(lr=0.1, nesterov=True)),
    ("Adam", dict(lr=-0.1)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, 1.0))),
    ("Adam", dict(eps=-1.0)), ("Adam", dict(weight_decay=-1.0)), ("Adam", dict(betas=(0.9, 1))),
    ("AdamW", dict(betas=(-0.1, 0.9))), ("Adamax", dict(eps=-1.0)),
    ("NAdam", dict(momentum_decay=-1.0)), ("RAdam", dict(weight_decay=-0.5)),
    ("RMSprop", dict(alpha=-1.0)), ("RMSprop", dict(momentum=-1.0)),
    ("Adagrad", dict(lr_decay=-1.0)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adadelta", dict(rho=1.5)), ("ASGD", dict(weight_decay=-1.0)),
    ("Rprop", dict(etas=(1.5, 1.2))), ("SparseAdam", dict(lr=0.0)),
    ("SparseAdam", dict(eps=0.0)), ("LBFGS", dict(lr=-1.0)),
])
def test_hyperparameter_validation_matches_torch(name, kwargs):
    t_type, t_msg = _torch_error(lambda: getattr(torch.optim, name)(
        [torch.nn.Parameter(torch.zeros(2))], **kwargs))
    assert t_type is not None
    with pytest.raises(t_type) as info:
        getattr(eoptim, name)([Parameter(ember.zeros(2))], **kwargs)
    assert str(info.value) == t_msg


def test_params_argument_errors_match_torch():
    cases = [
        (lambda mod, P, z: mod.SGD(P(z(2)), lr=0.1)),  # a single tensor
        (lambda mod, P, z: mod.SGD([], lr=0.1)),
        (lambda mod, P, z: mod.SGD([1.0], lr=0.1)),
        (lambda mod, P, z: mod.SGD([{"params": {P(z(2))}}], lr=0.1)),
        (lambda mod, P, z: (lambda p: mod.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(
            P(z(2)))),
        (lambda mod, P, z: mod.SGD([("a", P(z(2))), P(z(2))], lr=0.1)),
        (lambda mod, P, z: mod.LBFGS([{"params": [P(z(2))]}, {"params": [P(z(2))]}])),
    ]
    for case in cases:
        t_type, t_msg = _torch_error(lambda: case(torch.optim, torch.nn.Parameter, torch.zeros))
        assert t_type is not None
        with pytest.raises(t_type) as info:
            case(eoptim, Parameter, ember.zeros)
        assert str(info.value) == t_msg


def test_named_parameters_and_repr_and_defaults():
    ep = [("w", Parameter(ember.zeros(2))), ("b", Parameter(ember.zeros(1)))]
    tp = [("w", torch.nn.Parameter(torch.zeros(2))), ("b", torch.nn.Parameter(torch.zeros(1)))]
    eo, to = eoptim.Adam(ep, lr=0.01), torch.optim.Adam(tp, lr=0.01)
    assert eo.param_groups[0]["param_names"] == ["w", "b"]
    assert eo.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    assert repr(eo) == repr(to)
    assert eo.defaults == to.defaults
    for name, _ in OPTIM_DB:
        e = getattr(eoptim, name)([Parameter(ember.zeros(2))])
        t = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))])
        assert repr(e) == repr(t) and e.defaults == t.defaults


def test_add_param_group_and_zero_grad():
    p, q = Parameter(ember.ones(2)), Parameter(ember.ones(3))
    opt = eoptim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": q, "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        opt.add_param_group({"params": [p]})
    p.grad, q.grad = ember.ones(2), ember.ones(3)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad._data.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None and q.grad is None


def test_step_hooks_and_closure_and_version_counter():
    p = Parameter(ember.ones(2))
    opt = eoptim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", o is opt)))
    hg = eoptim.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("gpre", True)))
    v0 = p._version

    def closure():
        p.grad = ember.ones(2)
        return 3.0

    assert opt.step(closure) == 3.0
    assert calls == [("gpre", True), ("pre", True), ("post", True)]
    assert p._version > v0 and np.allclose(p._data, 0.9)
    h1.remove(), h2.remove(), hg.remove()
    calls.clear()
    opt.step()
    assert calls == []


def test_lr_as_tensor_and_scheduler_mutation():
    prob, ep, tp, eo, to = _make_pair("SGD", dict(lr=0.05, momentum=0.9), np.float32)
    for s in range(5):
        eo.param_groups[0]["lr"] = 0.05 / (s + 1)
        to.param_groups[0]["lr"] = 0.05 / (s + 1)
        _set_grads(prob, "SGD", ep, tp, s)
        eo.step()
        to.step()
    _compare(ep, tp, eo, to, np.float32)
    p = Parameter(ember.ones(2))
    opt = eoptim.Adam([p], lr=ember.tensor(0.1))
    p.grad = ember.ones(2)
    opt.step()
    np.testing.assert_allclose(p._data, 0.9, rtol=1e-6)


def test_optimizer_pickles():
    p = Parameter(ember.ones(2))
    opt = eoptim.Adam([p])
    p.grad = ember.ones(2)
    opt.step()
    opt2 = pickle.loads(pickle.dumps(opt))
    assert isinstance(opt2, eoptim.Adam) and len(opt2.state) == 1
    opt2.register_step_pre_hook(lambda *a: None)


def _rosen(x):
    x = x.astype(np.float64)
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe"),
                                    dict(lr=0.5, history_size=3, max_iter=5),
                                    dict(line_search_fn="strong_wolfe", history_size=4,
                                         max_iter=7, max_eval=9)])
def test_lbfgs_rosenbrock_matches_torch(kwargs, dtype):
    x0 = np.array([-1.2, 1.0, -0.5, 0.8], dtype=dtype)
    if not kwargs:
        x0 = x0 * 0.1  # plain LBFGS with lr=1 needs a gentle start
    ep = [Parameter(ember.tensor(x0[:2].copy())), Parameter(ember.tensor(x0[2:].copy()))]
    tp = [torch.nn.Parameter(torch.tensor(x0[:2].copy())),
          torch.nn.Parameter(torch.tensor(x0[2:].copy()))]
    eo, to = eoptim.LBFGS(ep, **kwargs), torch.optim.LBFGS(tp, **kwargs)

    def closure_for(params, mk):
        def closure():
            x = np.concatenate([np.asarray(p.detach().numpy() if isinstance(p, torch.Tensor)
                                           else p._data) for p in params])
            f, g = _rosen(x)
            params[0].grad = mk(g[:2].astype(dtype))
            params[1].grad = mk(g[2:].astype(dtype))
            return mk(np.array(f, dtype=dtype))
        return closure

    ec, tc = closure_for(ep, ember.tensor), closure_for(tp, torch.tensor)
    # NOTE: in float32, BFGS amplifies last-ulp differences (torch fuses multiply-adds), so
    # float32 is compared over fewer iterations; float64 over four full steps.
    if dtype == np.float32:
        tol, nsteps = dict(rtol=1e-4, atol=1e-5), 1
        for o in (eo, to):
            o.param_groups[0]["max_iter"] = 8
    else:
        tol, nsteps = dict(rtol=1e-8, atol=1e-10), 4
    for _ in range(nsteps):
        le, lt = eo.step(ec), to.step(tc)
        np.testing.assert_allclose(float(le), float(lt), **tol)
        for e, t in zip(ep, tp):
            np.testing.assert_allclose(e._data, t.detach().numpy(), **tol)
    es, ts = eo.state[ep[0]], to.state[tp[0]]
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]
    assert sorted(es) == sorted(ts)
    np.testing.assert_allclose(es["d"]._data, ts["d"].numpy(), **tol)
    assert len(es["old_dirs"]) == len(ts["old_dirs"])
    # the state dict survives a trip through torch
    sd = _to_torch(eo.state_dict())
    tp2 = [torch.nn.Parameter(torch.tensor(e._data.copy())) for e in ep]
    torch.optim.LBFGS(tp2, **kwargs).load_state_dict(sd)


def test_sparse_adam_leaves_untouched_rows():
    p = Parameter(ember.ones(3, 2))
    opt = eoptim.SparseAdam([p], lr=0.1)
    p.grad = ember.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, -1.0]])
    opt.step()
    assert p._data[1].tolist() == [1.0, 1.0]
    assert opt.state[p]["step"] == 1 and opt.state[p]["exp_avg"]._data[1].tolist() == [0, 0]
    before = p._data.copy()
    p.grad = ember.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    opt.step()
    assert p._data[0, 1] != before[0, 1]  # a touched row is updated entirely (torch's rows)
    assert p._data[2].tolist() == before[2].tolist()  # an untouched row keeps its value


def test_no_graph_and_dtype_preserved():
    p = Parameter(ember.ones(4))
    for name, kwargs in OPTIM_DB:
        opt = getattr(eoptim, name)([p], **kwargs)
        p.grad = ember.ones(4)
        opt.step()
        assert p._data.dtype == np.float32 and p.grad_fn is None and p.is_leaf
        for v in opt.state[p].values():
            if isinstance(v, ember.Tensor) and v.dim() > 0:
                assert v._data.dtype == np.float32


def test_optimizer_step_warning_free():
    p = Parameter(ember.ones(2))
    opt = eoptim.Adam([p])
    p.grad = ember.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()


def test_scalar_state_dtype_follows_default_dtype():
    old_e, old_t = ember.get_default_dtype(), torch.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        for name in ("Adam", "NAdam", "ASGD", "Rprop"):
            p, q = Parameter(ember.ones(2)), torch.nn.Parameter(torch.ones(2))
            eo, to = getattr(eoptim, name)([p]), getattr(torch.optim, name)([q])
            p.grad, q.grad = ember.ones(2), torch.ones(2)
            eo.step()
            to.step()
            for k, v in to.state[q].items():
                assert str(eo.state[p][k].dtype) == str(v.dtype), (name, k)
    finally:
        ember.set_default_dtype(old_e)
        torch.set_default_dtype(old_t)


def test_state_dict_hooks():
    p = Parameter(ember.ones(2))
    opt = eoptim.SGD([p], lr=0.1, momentum=0.9)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("load_pre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("load_post"), prepend=True)
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == ["pre", "load_pre", "load_post"]


CHUNKED_DB = [
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.02, momentum=0.5, dampening=0.3)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.6))),
    ("AdamW", dict(lr=0.01, weight_decay=0.3)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CHUNKED_DB, ids=[f"{n}-{kw}" for n, kw in CHUNKED_DB])
def test_chunked_noncontiguous_and_complex_updates_match_torch(name, kwargs):
    # a parameter spanning several update chunks (last one partial), a transposed
    # (non-C-contiguous) parameter and a grad, and a complex parameter (torch: view_as_real).
    from ember.optim.optimizer import CHUNK
    rng = np.random.default_rng(0)
    big = rng.standard_normal(2 * CHUNK + 123).astype(np.float32)
    tr = rng.standard_normal((7, 5)).astype(np.float32)
    cx = (rng.standard_normal(6) + 1j * rng.standard_normal(6)).astype(np.complex64)
    ep = [Parameter(ember.tensor(big.copy())), Parameter(ember.tensor(tr.copy()).t()),
          Parameter(ember.tensor(cx.copy()))]
    tp = [torch.nn.Parameter(torch.tensor(big.copy())),
          torch.nn.Parameter(torch.tensor(tr.copy()).t()),
          torch.nn.Parameter(torch.tensor(cx.copy()))]
    assert not ep[1]._data.flags.c_contiguous
    eo, to = getattr(eoptim, name)(ep, **kwargs), getattr(torch.optim, name)(tp, **kwargs)
    for step in range(6):
        for e, t in zip(ep, tp):
            a = t.detach().numpy()
            g = (0.5 * a + rng.standard_normal(a.shape).astype(np.float32)).astype(a.dtype)
            e.grad = ember.tensor(g.T.copy()).t() if g.ndim == 2 else ember.tensor(g.copy())
            t.grad = torch.tensor(g.copy())
        eo.step()
        to.step()
        for e, t in zip(ep, tp):
            np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=1e-5, atol=1e-6)
    for e, t in zip(ep, tp):
        for k, tv in to.state[t].items():
            np.testing.assert_allclose(eo.state[e][k]._data, tv.numpy(), rtol=1e-5, atol=1e-6)
    assert "_scratch" not in eo.state_dict() and len(eo.state) == 3


_BAD_HYPER = [
    ("Adam", dict(lr=-1.0)), ("Adam", dict(eps=-1e-8)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1.0)),
    ("AdamW", dict(betas=(0.9, 1.5))), ("Adamax", dict(eps=-1.0)),
    ("Adamax", dict(betas=(-0.5, 0.9))), ("NAdam", dict(weight_decay=-0.1)),
    ("NAdam", dict(momentum_decay=-1.0)), ("RAdam", dict(betas=(0.9, 1.0))),
    ("RAdam", dict(eps=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adagrad", dict(lr_decay=-1.0)),
    ("RMSprop", dict(alpha=-1.0)), ("SGD", dict(momentum=-0.5)),
]


@pytest.mark.parametrize("name,kwargs", _BAD_HYPER)
def test_bad_hyperparameters_raise_torchs_error(name, kwargs):
    msgs = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.zeros(2))
        with pytest.raises(ValueError) as info:
            getattr(lib.optim, name)([p], **kwargs)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
