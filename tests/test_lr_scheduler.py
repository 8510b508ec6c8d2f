"""ember.optim.lr_scheduler and swa_utils against torch: lr sequences, state dicts, warnings."""
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

NSTEPS = 100


def _opts(opt_name="SGD", opt_kwargs=None, groups=2):
    opt_kwargs = opt_kwargs or dict(lr=0.1, momentum=0.9)
    lrs = [0.1, 0.03][:groups]
    eo = getattr(eoptim, opt_name)([{"params": [Parameter(ember.zeros(2))], "lr": lr}
                                    for lr in lrs], **opt_kwargs)
    to = getattr(torch.optim, opt_name)([{"params": [torch.nn.Parameter(torch.zeros(2))],
                                          "lr": lr} for lr in lrs], **opt_kwargs)
    return eo, to


def _lambda(e):
    return 0.95 ** e


def _mult(e):
    return 0.97


# (scheduler name, kwargs builder taking the module that holds the scheduler classes)
SCHED_DB = [
    ("LambdaLR", lambda m: dict(lr_lambda=_lambda)),
    ("LambdaLR", lambda m: dict(lr_lambda=[_lambda, lambda e: 1.0 / (e + 1)])),
    ("MultiplicativeLR", lambda m: dict(lr_lambda=_mult)),
    ("StepLR", lambda m: dict(step_size=7)),
    ("StepLR", lambda m: dict(step_size=3, gamma=0.7)),
    ("MultiStepLR", lambda m: dict(milestones=[10, 30, 30, 70], gamma=0.5)),
    ("ConstantLR", lambda m: dict()),
    ("ConstantLR", lambda m: dict(factor=0.5, total_iters=20)),
    ("LinearLR", lambda m: dict()),
    ("LinearLR", lambda m: dict(start_factor=0.1, end_factor=0.7, total_iters=40)),
    ("ExponentialLR", lambda m: dict(gamma=0.97)),
    ("PolynomialLR", lambda m: dict()),
    ("PolynomialLR", lambda m: dict(total_iters=60, power=2.0)),
    ("CosineAnnealingLR", lambda m: dict(T_max=10)),
    ("CosineAnnealingLR", lambda m: dict(T_max=33, eta_min=1e-3)),
    ("CyclicLR", lambda m: dict(base_lr=0.01, max_lr=0.1, step_size_up=7)),
    ("CyclicLR", lambda m: dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5,
                                step_size_down=9, mode="triangular2")),
    ("CyclicLR", lambda m: dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range",
                                gamma=0.98, base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", lambda m: dict(base_lr=0.01, max_lr=0.1, step_size_up=6, cycle_momentum=False,
                                scale_fn=lambda x: 0.9 ** x, scale_mode="iterations")),
    ("OneCycleLR", lambda m: dict(max_lr=0.5, total_steps=NSTEPS + 1)),
    ("OneCycleLR", lambda m: dict(max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=11,
                                  anneal_strategy="linear", three_phase=True)),
    ("OneCycleLR", lambda m: dict(max_lr=0.3, total_steps=NSTEPS + 5, pct_start=0.1,
                                  div_factor=10.0, final_div_factor=100.0,
                                  base_momentum=0.8, max_momentum=0.9)),
    ("CosineAnnealingWarmRestarts", lambda m: dict(T_0=10)),
    ("CosineAnnealingWarmRestarts", lambda m: dict(T_0=3, T_mult=2, eta_min=1e-3)),
]


def _ids(db):
    return [f"{i}-{name}" for i, (name, _) in enumerate(db)]


def _lrs(opt):
    return [float(g["lr"]) for g in opt.param_groups]


def _momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g.get("momentum"))
    return out


def _step_both(es, ts, eo, to):
    eo.step()
    to.step()
    es.step()
    ts.step()


def _check(es, ts, eo, to):
    np.testing.assert_allclose(_lrs(eo), _lrs(to), rtol=1e-10, atol=0)
    np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-10, atol=0)
    for a, b in zip(_momenta(eo), _momenta(to)):
        assert (a is None and b is None) or abs(a - b) <= 1e-10 * abs(b)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name,make", SCHED_DB, ids=_ids(SCHED_DB))
def test_lr_sequence_matches_torch(name, make, opt_name):
    kw = dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.1)
    eo, to = _opts(opt_name, kw)
    es = getattr(eoptim.lr_scheduler, name)(eo, **make(eoptim.lr_scheduler))
    ts = getattr(torch.optim.lr_scheduler, name)(to, **make(torch.optim.lr_scheduler))
    _check(es, ts, eo, to)
    for _ in range(NSTEPS):
        _step_both(es, ts, eo, to)
        _check(es, ts, eo, to)
    assert es.last_epoch == ts.last_epoch


@pytest.mark.parametrize("name,make", SCHED_DB, ids=_ids(SCHED_DB))
def test_state_dict_roundtrip(name, make):
    eo, to = _opts()
    es = getattr(eoptim.lr_scheduler, name)(eo, **make(eoptim.lr_scheduler))
    ts = getattr(torch.optim.lr_scheduler, name)(to, **make(torch.optim.lr_scheduler))
    for _ in range(30):
        _step_both(es, ts, eo, to)
    esd, tsd = es.state_dict(), ts.state_dict()
    assert sorted(esd) == sorted(tsd)
    for k in tsd:
        if k not in ("lr_lambdas", "_scale_fn_custom", "_get_lr_called_within_step"):
            assert esd[k] == tsd[k], k
    # restore into a fresh scheduler on a fresh optimizer: continues identically
    eo2, _ = _opts()
    eo2.load_state_dict(copy.deepcopy(eo.state_dict()))
    es2 = getattr(eoptim.lr_scheduler, name)(eo2, **make(eoptim.lr_scheduler))
    es2.load_state_dict(pickle.loads(pickle.dumps(esd)) if "lr_lambdas" not in esd
                        and "_scale_fn_custom" not in esd else copy.deepcopy(esd))
    for group, lr in zip(eo2.param_groups, es2.get_last_lr()):
        group["lr"] = lr
    for _ in range(30):
        eo2.step()
        es2.step()
        _step_both(es, ts, eo, to)
        np.testing.assert_allclose(_lrs(eo2), _lrs(to), rtol=1e-10)


def test_composite_schedulers_match_torch():
    def build(m, opt):
        s1 = m.LinearLR(opt, start_factor=0.1, total_iters=10)
        s2 = m.CosineAnnealingLR(opt, T_max=40, eta_min=1e-4)
        s3 = m.ExponentialLR(opt, gamma=0.99)
        seq = m.SequentialLR(opt, schedulers=[s1, s2, s3], milestones=[10, 50])
        return seq

    def build_chain(m, opt):
        return m.ChainedScheduler([m.ConstantLR(opt, factor=0.5, total_iters=5),
                                   m.ExponentialLR(opt, gamma=0.9)])

    for builder in (build, build_chain):
        eo, to = _opts()
        es, ts = builder(eoptim.lr_scheduler, eo), builder(torch.optim.lr_scheduler, to)
        _check(es, ts, eo, to)
        for _ in range(NSTEPS):
            _step_both(es, ts, eo, to)
            _check(es, ts, eo, to)
        esd, tsd = es.state_dict(), ts.state_dict()
        assert sorted(esd) == sorted(tsd) and len(esd["_schedulers"]) == len(tsd["_schedulers"])
        eo2, _ = _opts()
        es2 = builder(eoptim.lr_scheduler, eo2)
        es2.load_state_dict(copy.deepcopy(esd))
        assert es2._schedulers[-1].last_epoch == es._schedulers[-1].last_epoch


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=2,
                                                 threshold=0.1, threshold_mode="abs",
                                                 cooldown=3, min_lr=[0.01, 0.005]),
                                    dict(patience=0, eps=1e-3, min_lr=0.02),
                                    dict(mode="max", threshold_mode="rel", patience=1)])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    eo, to = _opts()
    es = eoptim.lr_scheduler.ReduceLROnPlateau(eo, **kwargs)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kwargs)
    rng = np.random.default_rng(0)
    metrics = np.cumsum(rng.standard_normal(NSTEPS)) * 0.1 + 5.0
    for m in metrics:
        eo.step()
        to.step()
        es.step(float(m))
        ts.step(float(m))
        _check(es, ts, eo, to)
        assert (es.best, es.num_bad_epochs, es.cooldown_counter) == \
            (ts.best, ts.num_bad_epochs, ts.cooldown_counter)
    assert sorted(es.state_dict()) == sorted(ts.state_dict())
    es2 = eoptim.lr_scheduler.ReduceLROnPlateau(eo)
    es2.load_state_dict(copy.deepcopy(es.state_dict()))
    assert es2.mode == es.mode and es2.best == es.best


def test_warm_restarts_fractional_epochs_and_closed_forms():
    eo, to = _opts()
    kw = dict(T_0=5, T_mult=2, eta_min=0.001)
    es = eoptim.lr_scheduler.CosineAnnealingWarmRestarts(eo, **kw)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(to, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in np.arange(0, 40, 0.3):
            eo.step()
            to.step()
            es.step(float(epoch))
            ts.step(float(epoch))
            _check(es, ts, eo, to)
    for name, kw in [("StepLR", dict(step_size=3)), ("MultiStepLR", dict(milestones=[2, 5])),
                     ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=7)),
                     ("LinearLR", dict()), ("ConstantLR", dict()), ("PolynomialLR", dict())]:
        eo, to = _opts()
        es = getattr(eoptim.lr_scheduler, name)(eo, **kw)
        ts = getattr(torch.optim.lr_scheduler, name)(to, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 1, 8, 2, 10]:
                eo.step()
                to.step()
                es.step(epoch)
                ts.step(epoch)
                _check(es, ts, eo, to)


def test_warning_scheduler_before_optimizer_step():
    eo, _ = _opts()
    s = eoptim.lr_scheduler.StepLR(eo, step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before "
                                         r"`optimizer.step\(\)`"):
        s.step()
    eo, _ = _opts()
    s = eoptim.lr_scheduler.StepLR(eo, step_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eo.step()
        s.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    eo, _ = _opts()
    s = eoptim.lr_scheduler.StepLR(eo, step_size=1)
    eo.step = lambda closure=None: None  # overridden after the scheduler was created
    with pytest.warns(UserWarning, match="has been overridden after learning rate scheduler"):
        s.step()


def test_scheduler_errors_match_torch():
    cases = [
        lambda m, o: m.StepLR(object(), step_size=1),
        lambda m, o: m.ConstantLR(o, factor=2.0),
        lambda m, o: m.LinearLR(o, start_factor=0.0),
        lambda m, o: m.LinearLR(o, end_factor=1.5),
        lambda m, o: m.LambdaLR(o, lr_lambda=[_lambda]),
        lambda m, o: m.MultiplicativeLR(o, lr_lambda=[1, 2]),
        lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
        lambda m, o: m.ReduceLROnPlateau(o, mode="up"),
        lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]),
        lambda m, o: m.CyclicLR(o, 0.1, 1.0, mode="bad"),
        lambda m, o: m.OneCycleLR(o, max_lr=1.0),
        lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="x"),
        lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=2.0),
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
        lambda m, o: m.StepLR(o, step_size=1, last_epoch=3),
        lambda m, o: m.SequentialLR(o, [m.StepLR(o, 1)], milestones=[3]),
        lambda m, o: m.ChainedScheduler([]),
        lambda m, o: m.CyclicLR(m_opt_no_momentum(m), 0.1, 1.0),
    ]

    def m_opt_no_momentum(m):
        mod = eoptim if m is eoptim.lr_scheduler else torch.optim
        P = Parameter if m is eoptim.lr_scheduler else torch.nn.Parameter
        z = ember.zeros if m is eoptim.lr_scheduler else torch.zeros
        return mod.Adagrad([P(z(2))])

    for case in cases:
        eo, to = _opts()
        try:
            case(torch.optim.lr_scheduler, to)
            t_exc = None
        except Exception as exc:  # noqa: BLE001
            t_exc = exc
        assert t_exc is not None
        with pytest.raises(type(t_exc)) as info:
            case(eoptim.lr_scheduler, eo)
        assert str(info.value) == str(t_exc)


def test_onecycle_too_many_steps():
    eo, _ = _opts()
    s = eoptim.lr_scheduler.OneCycleLR(eo, max_lr=0.1, total_steps=3)
    for _ in range(3):
        eo.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total "
                                         "steps is 3"):
        s.step()


def test_tensor_lr_is_updated_in_place():
    p = Parameter(ember.zeros(2))
    lr = ember.tensor(0.1)
    opt = eoptim.SGD([p], lr=lr)
    s = eoptim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    s.step()
    assert opt.param_groups[0]["lr"] is lr
    assert abs(float(lr) - 0.05) < 1e-8


# -- swa_utils ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(anneal_epochs=3, anneal_strategy="linear"),
                                dict(anneal_epochs=0), dict(anneal_epochs=7)])
def test_swalr_matches_torch(kw):
    eo, to = _opts()
    es = eoptim.swa_utils.SWALR(eo, swa_lr=[0.05, 0.01], **kw)
    ts = torch.optim.swa_utils.SWALR(to, swa_lr=[0.05, 0.01], **kw)
    for _ in range(30):
        _step_both(es, ts, eo, to)
        _check(es, ts, eo, to)
    es2 = eoptim.swa_utils.SWALR(_opts()[0], swa_lr=0.1)
    es2.load_state_dict(copy.deepcopy(es.state_dict()))
    assert es2.anneal_func(0.5) == es.anneal_func(0.5)


class _EmberNet(ember.nn.Module):
    def __init__(self, w, b, buf):
        super().__init__()
        self.w = Parameter(ember.tensor(w))
        self.b = Parameter(ember.tensor(b))
        self.register_buffer("stat", ember.tensor(buf))


class _TorchNet(torch.nn.Module):
    def __init__(self, w, b, buf):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w))
        self.b = torch.nn.Parameter(torch.tensor(b))
        self.register_buffer("stat", torch.tensor(buf))


@pytest.mark.parametrize("mode", ["swa", "ema_multi", "ema", "swa_fn", "buffers"])
def test_averaged_model_matches_torch(mode):
    rng = np.random.default_rng(0)
    w, b, buf = (rng.standard_normal((3, 2)).astype(np.float32),
                 rng.standard_normal(2).astype(np.float32), np.zeros(2, np.float32))
    em, tm = _EmberNet(w, b, buf), _TorchNet(w, b, buf)
    kw_e, kw_t = {}, {}
    if mode == "ema_multi":
        kw_e["multi_avg_fn"] = eoptim.swa_utils.get_ema_multi_avg_fn(0.9)
        kw_t["multi_avg_fn"] = torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    elif mode == "ema":
        kw_e["avg_fn"] = eoptim.swa_utils.get_ema_avg_fn(0.8)
        kw_t["avg_fn"] = torch.optim.swa_utils.get_ema_avg_fn(0.8)
    elif mode == "swa_fn":
        kw_e["multi_avg_fn"] = eoptim.swa_utils.get_swa_multi_avg_fn()
        kw_t["multi_avg_fn"] = torch.optim.swa_utils.get_swa_multi_avg_fn()
    elif mode == "buffers":
        kw_e["use_buffers"] = kw_t["use_buffers"] = True
    ea = eoptim.swa_utils.AveragedModel(em, **kw_e)
    ta = torch.optim.swa_utils.AveragedModel(tm, **kw_t)
    for step in range(6):
        delta = rng.standard_normal((3, 2)).astype(np.float32)
        em.w._data += delta
        em.stat._data += 1.0
        with torch.no_grad():
            tm.w += torch.tensor(delta)
            tm.stat += 1.0
        ea.update_parameters(em)
        ta.update_parameters(tm)
        np.testing.assert_allclose(ea.module.w._data, ta.module.w.detach().numpy(), rtol=1e-6,
                                   atol=1e-7)
        np.testing.assert_allclose(ea.module.stat._data, ta.module.stat.numpy(), rtol=1e-6)
        assert int(ea.n_averaged) == int(ta.n_averaged)
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a "
                                         r"value in \[0,1\] range."):
        eoptim.swa_utils.get_ema_avg_fn(1.5)


def test_update_bn_resets_and_restores_momentum():
    class FakeBN(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.momentum = 0.1
            self.register_buffer("running_mean", ember.zeros(2))
            self.seen = []
            self.resets = 0

        def reset_running_stats(self):
            self.resets += 1

        def forward(self, x):
            self.seen.append((self.momentum, self.training))
            return x

    bn = FakeBN()
    model = ember.nn.Sequential(bn) if hasattr(ember.nn, "Sequential") else bn
    model.eval()
    eoptim.swa_utils.update_bn([(ember.zeros(2), 0), (ember.ones(2), 1)], model)
    assert bn.resets == 1 and bn.seen == [(None, True), (None, True)]
    assert bn.momentum == 0.1 and model.training is False
