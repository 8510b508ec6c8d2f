"""nn.utils against torch: clip_grad, parameters<->vector, parametrize (+ weight/spectral norm),
old-style weight_norm/spectral_norm hooks, prune (same seeds -> same masks), fusion, stateless,
and the distance modules."""
import copy
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.utils.prune  # noqa: F401  (torch does not import it eagerly)

import ember


def _np(x):
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        return x.detach().numpy()
    return x


def _cmp(a, b, rtol=1e-5, atol=1e-6):
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _cmp(x, y, rtol, atol)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _cmp(a[k], b[k], rtol, atol)
    elif isinstance(a, torch.Tensor):
        assert isinstance(b, ember.Tensor), type(b)
        ta, tb = _np(a), _np(b)
        assert ta.shape == tb.shape and ta.dtype == tb.dtype, (ta.shape, tb.shape, ta.dtype,
                                                               tb.dtype)
        np.testing.assert_allclose(tb, ta, rtol=rtol, atol=atol)
    elif isinstance(a, str):
        assert a == b.replace("ember", "torch")
    else:
        assert a == b, (a, b)


def both(fn, **tol):
    t = fn(torch)
    e = fn(ember)
    _cmp(t, e, **tol)
    return t, e


def _net(lib, seed=0):
    lib.manual_seed(seed)
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 4 * 4, 10),
                         nn.BatchNorm1d(10), nn.Linear(10, 3))


def _grads(lib, seed=0):
    """A net whose gradients are fixed arrays (identical in both frameworks)."""
    m = _net(lib, seed)
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.grad = lib.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    return m


# -- clip_grad --------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
def test_clip_grad_norm(norm_type, max_norm):
    def run(lib):
        m = _grads(lib)
        total = lib.nn.utils.clip_grad_norm_(m.parameters(), max_norm, norm_type=norm_type)
        return total, [p.grad for p in m.parameters()]
    t, e = both(run, rtol=1e-5, atol=1e-7)
    assert e[0].shape == () and e[0].dtype == ember.float32


def test_clip_grad_variants():
    def run(lib):
        u = lib.nn.utils
        m = _grads(lib)
        ps = list(m.parameters())
        tot = u.get_total_norm([p.grad for p in ps], 2.0)
        u.clip_grads_with_norm_(ps, 0.5, tot)
        single = lib.nn.Parameter(lib.tensor([3.0, -4.0]))
        single.grad = lib.tensor([3.0, -4.0])
        r1 = u.clip_grad_norm_(single, 1.0)
        v = _grads(lib, 1)
        u.clip_grad_value_(v.parameters(), 0.05)
        empty = u.clip_grad_norm_([], 1.0)
        nograd = u.get_total_norm([])
        return [p.grad for p in ps], r1, single.grad, [p.grad for p in v.parameters()], empty, \
            nograd
    both(run)


def test_clip_grad_errors_warnings():
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.tensor([float("inf"), 1.0])
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        assert math.isinf(float(lib.nn.utils.clip_grad_norm_([p], 1.0)))
        with pytest.warns(UserWarning, match="empty generator"):
            lib.nn.utils.clip_grad_norm_((q for q in []), 1.0)
        with pytest.warns(FutureWarning):
            lib.nn.utils.clip_grad_norm([p], 1.0)


def test_clip_grad_float64_and_mixed():
    def run(lib):
        a = lib.nn.Parameter(lib.ones(3, dtype=lib.float64))
        a.grad = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        b = lib.nn.Parameter(lib.ones(2))
        b.grad = lib.tensor([4.0, 5.0])
        tot = lib.nn.utils.clip_grad_norm_([a, b], 1.0)
        return tot, a.grad, b.grad
    both(run)


# -- convert_parameters -----------------------------------------------------------------------
def test_parameters_vector_roundtrip():
    def run(lib):
        m = _net(lib)
        v = lib.nn.utils.parameters_to_vector(m.parameters())
        lib.nn.utils.vector_to_parameters(v * 2, m.parameters())
        return v, list(m.state_dict().values())
    both(run)
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        ember.nn.utils.vector_to_parameters([1.0], ember.nn.Linear(1, 1).parameters())
    v = ember.nn.utils.parameters_to_vector(ember.nn.Linear(2, 2).parameters())
    assert v.requires_grad and v.grad_fn is not None


# -- parametrize ------------------------------------------------------------------------------
def _sym(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Neg(lib.nn.Module):
        def forward(self, X):
            return -X

        def right_inverse(self, X):
            return -X

    class Split(lib.nn.Module):
        def forward(self, a, b):
            return a + b

        def right_inverse(self, X):
            return X * 0.25, X * 0.75
    return Symmetric, Neg, Split


def test_register_parametrization_layout_repr_values():
    def run(lib):
        P = lib.nn.utils.parametrize
        Symmetric, Neg, Split = _sym(lib)
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "weight", Neg())
        P.register_parametrization(m, "bias", Split())
        out = [repr(m), type(m).__name__, list(m.state_dict()), m.weight, m.bias,
               [n for n, _ in m.named_parameters()], P.is_parametrized(m),
               P.is_parametrized(m, "bias"), P.type_before_parametrizations(m).__name__,
               m.parametrizations.bias.original1]
        x = lib.randn(2, 3, requires_grad=True)
        y = m(x)
        y.sum().backward()
        out += [y, x.grad, m.parametrizations.weight.original.grad,
                m.parametrizations.bias.original0.grad]
        m.bias = lib.tensor([1.0, 2.0, 3.0])
        out += [m.parametrizations.bias.original0, m.bias]
        with P.cached():
            w1 = m.weight
            out.append(w1 is m.weight)
        out.append(m.weight is m.weight)
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
        out += [repr(m), list(m.state_dict()), m.weight]
        P.remove_parametrizations(m, "bias")
        out += [repr(m), type(m).__name__, list(m.state_dict()), m.bias, type(m.bias).__name__,
                hasattr(m, "parametrizations")]
        return out
    both(run)


def test_parametrize_errors():
    for lib in (torch, ember):
        P = lib.nn.utils.parametrize
        Symmetric, Neg, Split = _sym(lib)

        class Shape(lib.nn.Module):
            def forward(self, X):
                return X[:1]

        class ToDouble(lib.nn.Module):
            def forward(self, X):
                return X.double()
        m = lib.nn.Linear(3, 3)
        with pytest.raises(ValueError, match="may not change the shape"):
            P.register_parametrization(m, "weight", Shape())
        with pytest.raises(ValueError, match="may not change the dtype"):
            P.register_parametrization(m, "weight", ToDouble())
        P.register_parametrization(m, "weight", ToDouble(), unsafe=True)
        assert m.weight.dtype == lib.float64
        with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
            P.register_parametrization(m, "nope", Neg())
        with pytest.raises(ValueError, match="does not have a parametrization on bias"):
            P.remove_parametrizations(m, "bias")
        with pytest.raises(RuntimeError, match="does not implement right_inverse"):
            m.weight = lib.eye(3)
        m2 = lib.nn.Linear(2, 2)
        P.register_parametrization(m2, "weight", Split())
        with pytest.raises(ValueError, match="Cannot leave unparametrized"):
            P.remove_parametrizations(m2, "weight", leave_parametrized=False)
        with pytest.raises(RuntimeError, match="Serialization of parametrized modules"):
            m2.__getstate__()
        c = copy.deepcopy(m2)
        assert type(c).__name__ == "ParametrizedLinear" and c.weight.shape == (2, 2)


def test_weight_norm_parametrization():
    def run(lib):
        P = lib.nn.utils.parametrizations
        lib.manual_seed(0)
        out = []
        for dim in (0, 1, -1, None):
            m = P.weight_norm(lib.nn.Conv2d(2, 4, 3), dim=dim)
            x = lib.randn(1, 2, 5, 5)
            y = m(x)
            y.sum().backward()
            g = m.parametrizations.weight.original0
            out += [repr(m), list(m.state_dict()), g, g.grad,
                    m.parametrizations.weight.original1.grad, m.weight, y]
        # loading an old-style (weight_g / weight_v) checkpoint upgrades the keys
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old = lib.nn.utils.weight_norm(lib.nn.Linear(3, 2))
        new = P.weight_norm(lib.nn.Linear(3, 2))
        new.load_state_dict(old.state_dict())
        out += [new.weight, old.weight_g]
        return out
    both(run)


@pytest.mark.parametrize("dim", [None, 1])
def test_spectral_norm_parametrization(dim):
    def run(lib):
        P = lib.nn.utils.parametrizations
        lib.manual_seed(0)
        out = []
        for mod in (lib.nn.Linear(5, 4), lib.nn.Conv2d(3, 4, 3), lib.nn.ConvTranspose2d(3, 2, 3)):
            m = P.spectral_norm(mod, n_power_iterations=2, dim=dim)
            sn = m.parametrizations.weight[0]
            out += [repr(m), list(m.state_dict()), sn._u, sn._v, sn.dim]
            w = m.weight
            w.sum().backward()
            out += [w, m.parametrizations.weight.original.grad, sn._u]
            m.eval()
            out += [m.weight, sn._u]
        b = P.spectral_norm(lib.nn.Linear(3, 3), name="bias")
        out.append(b.bias)
        return out
    both(run, rtol=1e-4, atol=1e-6)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.nn.utils.parametrizations.spectral_norm(ember.nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        ember.nn.utils.parametrizations.spectral_norm(ember.nn.Linear(2, 2),
                                                      n_power_iterations=0)


# -- old-style weight_norm / spectral_norm ------------------------------------------------------
def test_old_weight_norm():
    def run(lib):
        u = lib.nn.utils
        lib.manual_seed(0)
        with pytest.warns(FutureWarning, match="deprecated"):
            m = u.weight_norm(lib.nn.Linear(4, 3), dim=0)
        out = [[n for n, _ in m.named_parameters()], list(m.state_dict()), m.weight_g.shape]
        x = lib.randn(2, 4)
        y = m(x)
        y.sum().backward()
        out += [y, m.weight_g.grad, m.weight_v.grad]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
                u.weight_norm(m)
            c = u.weight_norm(lib.nn.Conv1d(2, 3, 2), name="weight", dim=None)
        out += [c.weight_g, c(lib.ones(1, 2, 4))]
        u.remove_weight_norm(m)
        out += [[n for n, _ in m.named_parameters()], m.weight, len(m._forward_pre_hooks)]
        with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
            u.remove_weight_norm(m)
        return out
    both(run)


def test_old_spectral_norm():
    def run(lib):
        u = lib.nn.utils
        lib.manual_seed(0)
        m = u.spectral_norm(lib.nn.Linear(5, 4), n_power_iterations=3)
        out = [[n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()],
               list(m.state_dict()), m.weight_u, m.weight_v]
        y = m(lib.randn(2, 5))
        y.sum().backward()
        out += [y, m.weight_orig.grad, m.weight_u, m.weight_v]
        m.eval()
        out += [m(lib.ones(1, 5)), m.weight_u]
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
            u.spectral_norm(m)
        ct = u.spectral_norm(lib.nn.ConvTranspose2d(2, 3, 3))
        out += [ct.weight_u.shape, ct.weight_v.shape]
        m2 = u.spectral_norm(lib.nn.Linear(5, 4))
        m2.load_state_dict(m.state_dict())
        out.append(m2.weight_v)
        u.remove_spectral_norm(m)
        out += [[n for n, _ in m.named_parameters()], list(m.state_dict()), m.weight,
                len(m._state_dict_hooks)]
        if lib is ember:  # torch leaves its (wrapped) load pre-hook behind: a torch bug
            assert len(m._load_state_dict_pre_hooks) == 0
            m.load_state_dict(m.state_dict())
        with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
            u.remove_spectral_norm(m)
        return out
    both(run, rtol=1e-4, atol=1e-6)


# -- prune ------------------------------------------------------------------------------------
def _reprs(hooks):
    return [type(h).__name__ for h in hooks.values()]


def test_prune_tutorial_sequence():
    def run(lib):
        prune = lib.nn.utils.prune
        lib.manual_seed(42)
        module = lib.nn.Conv2d(1, 6, 3)
        out = []
        prune.random_unstructured(module, name="weight", amount=0.3)
        out += [list(module.named_parameters()), list(module.named_buffers()),
                _reprs(module._forward_pre_hooks), module.weight]
        prune.l1_unstructured(module, name="bias", amount=3)
        out += [list(module.named_parameters()), list(module.named_buffers()), module.bias,
                _reprs(module._forward_pre_hooks)]
        prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
        hook = [h for h in module._forward_pre_hooks.values() if h._tensor_name == "weight"][0]
        out += [module.weight, [type(h).__name__ for h in hook], len(hook),
                list(module.state_dict())]
        prune.random_structured(module, "weight", amount=1, dim=0)
        prune.random_unstructured(module, "weight", amount=2)
        out += [module.weight_mask, prune.is_pruned(module)]
        y = module(lib.ones(1, 1, 4, 4))
        y.sum().backward()
        out += [y, module.weight_orig.grad]
        prune.remove(module, "weight")
        out += [list(module.named_parameters()), list(module.named_buffers()),
                _reprs(module._forward_pre_hooks), type(module.weight).__name__]
        prune.remove(module, "bias")
        out += [prune.is_pruned(module), list(module.state_dict())]
        return out
    both(run)


@pytest.mark.parametrize("amount", [0, 0.0, 1, 0.25, 7, 1.0])
def test_prune_methods_amounts(amount):
    def run(lib):
        prune = lib.nn.utils.prune
        lib.manual_seed(3)
        out = []
        for fn, kw in ((prune.random_unstructured, {}), (prune.l1_unstructured, {}),
                       (prune.random_structured, {"dim": 0}),
                       (prune.ln_structured, {"n": 1, "dim": -1}),
                       (prune.ln_structured, {"n": float("inf"), "dim": 1}),
                       (prune.ln_structured, {"n": "fro", "dim": 0})):
            m = lib.nn.Linear(8, 9)
            if isinstance(amount, int) and amount > 8 and fn in (prune.random_structured,
                                                                 prune.ln_structured):
                continue
            fn(m, "weight", amount=amount, **kw)
            out.append(m.weight_mask)
        return out
    both(run)


def test_prune_ties_follow_torch():
    def run(lib):
        prune = lib.nn.utils.prune
        out = []
        for n, k in ((10, 3), (100, 30), (200, 2), (1000, 7), (64, 1)):
            m = lib.nn.Linear(n, 1)
            with lib.no_grad():
                m.weight.fill_(0.5)
                m.weight[0, ::7] = 0.25
            prune.l1_unstructured(m, "weight", amount=k)
            prune.l1_unstructured(m, "weight", amount=k)   # container path: ties again
            out.append(m.weight_mask)
        bn = lib.nn.BatchNorm2d(12)
        prune.l1_unstructured(bn, "weight", amount=0.5)
        out.append(bn.weight_mask)
        c = lib.nn.Conv2d(4, 6, 1)
        with lib.no_grad():
            c.weight.fill_(1.0)
        prune.ln_structured(c, "weight", amount=3, n=2, dim=0)
        out.append(c.weight_mask)
        return out
    both(run)


def test_global_and_custom_prune():
    def run(lib):
        prune = lib.nn.utils.prune
        net = _net(lib, 5)
        params = [(net[0], "weight"), (net[3], "weight"), (net[5], "bias")]
        prune.l1_unstructured(net[3], "weight", amount=0.1)
        prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=0.3)
        out = [net[0].weight_mask, net[3].weight_mask, net[5].bias_mask, list(net.state_dict())]
        scores = {(net[0], "weight"): lib.ones(6, 1, 3, 3)}
        prune.global_unstructured(params, pruning_method=prune.RandomUnstructured,
                                  importance_scores=scores, amount=5)
        out += [net[0].weight_mask, net[5].bias_mask]
        lin = lib.nn.Linear(3, 2)
        mask = lib.tensor([[1, 0, 1], [0, 1, 1]])
        prune.custom_from_mask(lin, "weight", mask)
        prune.identity(lin, "bias")
        out += [lin.weight, lin.weight_mask, lin.bias_mask]
        t = lib.arange(6.0).reshape(2, 3)
        out.append(prune.L1Unstructured(amount=2).prune(t))
        out.append(prune.L1Unstructured(amount=2).prune(t, importance_scores=-t))
        return out
    both(run)


def test_prune_errors():
    for lib in (torch, ember):
        prune = lib.nn.utils.prune
        m = lib.nn.Linear(3, 2)
        with pytest.raises(TypeError, match="Invalid type for amount"):
            prune.l1_unstructured(m, "weight", amount="a")
        with pytest.raises(ValueError, match="should either be a float in the range"):
            prune.l1_unstructured(m, "weight", amount=1.5)
        with pytest.raises(ValueError, match="should either be a float in the range"):
            prune.l1_unstructured(m, "weight", amount=-1)
        with pytest.raises(ValueError, match="should be smaller than the number"):
            prune.l1_unstructured(m, "weight", amount=7)
        assert [n for n, _ in m.named_parameters()] == ["bias", "weight"]
        with pytest.raises(ValueError, match="Structured pruning can only be applied"):
            prune.random_structured(m, "bias", amount=1, dim=0)
        with pytest.raises(IndexError, match="Invalid index 2 for tensor of size"):
            prune.ln_structured(m, "weight", amount=1, n=2, dim=2)
        with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
            prune.remove(m, "weight")
        with pytest.raises(TypeError, match="Only \"unstructured\" PRUNING_TYPE"):
            prune.global_unstructured([(m, "weight")], prune.RandomStructured, amount=1)
        with pytest.raises(TypeError, match="importance_scores must be of type dict"):
            prune.global_unstructured([(m, "weight")], prune.L1Unstructured,
                                      importance_scores=[1], amount=1)
        with pytest.raises(AssertionError, match="importance_scores should have the same shape"):
            prune.l1_unstructured(m, "weight", amount=1, importance_scores=lib.ones(2))


# -- fusion -----------------------------------------------------------------------------------
@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn(transpose):
    def run(lib):
        nn = lib.nn
        lib.manual_seed(0)
        conv = (nn.ConvTranspose2d(3, 4, 3) if transpose else nn.Conv2d(3, 4, 3, bias=False))
        bn = nn.BatchNorm2d(4, affine=not transpose)
        bn.train()
        bn(conv(lib.randn(8, 3, 6, 6)))
        conv.eval(), bn.eval()
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        x = lib.randn(2, 3, 6, 6)
        return fused.weight, fused.bias, fused(x), bn(conv(x)), repr(fused), \
            fused.weight.requires_grad, type(fused.bias).__name__
    both(run, rtol=1e-5, atol=1e-5)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        ember.nn.utils.fuse_conv_bn_eval(ember.nn.Conv2d(1, 1, 1), ember.nn.BatchNorm2d(1))


def test_fuse_linear_bn():
    def run(lib):
        nn = lib.nn
        lib.manual_seed(0)
        lin, bn = nn.Linear(5, 4), nn.BatchNorm1d(4)
        bn(lin(lib.randn(8, 5)))
        lin.eval(), bn.eval()
        fused = lib.nn.utils.fuse_linear_bn_eval(lin, bn)
        x = lib.randn(3, 5)
        w, b = lib.nn.utils.fuse_linear_bn_weights(lin.weight, None, bn.running_mean,
                                                   bn.running_var, bn.eps, bn.weight, bn.bias)
        return fused.weight, fused.bias, fused(x), bn(lin(x)), w, b
    both(run, rtol=1e-5, atol=1e-5)
    lin, bn = ember.nn.Linear(5, 4).eval(), ember.nn.BatchNorm1d(3).eval()
    with pytest.raises(AssertionError, match="To fuse, linear.out_features == bn.num_features"):
        ember.nn.utils.fuse_linear_bn_eval(lin, bn)


# -- stateless --------------------------------------------------------------------------------
def test_functional_call():
    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
        x = lib.randn(4, 3)
        w = lib.ones(2, 3, requires_grad=True)
        with pytest.warns(FutureWarning):
            y = lib.nn.utils.stateless.functional_call(
                m, {"0.weight": w, "1.running_mean": lib.zeros(2)}, (x,))
        y.sum().backward()
        out = [y, w.grad, m[0].weight, m[1].running_mean, m[0].weight.grad]
        m[0].weight.data.zero_()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y2 = lib.nn.utils.stateless.functional_call(m, {"0.bias": lib.ones(2)}, x,
                                                        {}, strict=False)
            with pytest.raises(RuntimeError, match="Error\\(s\\) in reparametrizing for "
                                                   "Sequential"):
                lib.nn.utils.stateless.functional_call(m, {"0.bias": lib.ones(2)}, x,
                                                       strict=True)
        out += [y2, list(m.state_dict())]
        return out
    both(run)


# -- distance modules -------------------------------------------------------------------------
def test_distance_modules_repr():
    for lib in (torch, ember):
        assert repr(lib.nn.PairwiseDistance()) == "PairwiseDistance()"
        assert repr(lib.nn.CosineSimilarity(0)) == "CosineSimilarity()"
        assert lib.nn.PairwiseDistance(p=1).norm == 1
