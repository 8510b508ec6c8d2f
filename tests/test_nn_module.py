"""nn.Module and containers against torch: routing, iteration order, state_dict, hooks, repr."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember


def make(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(lib.ones(2, 3))
            self.register_buffer("count", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)
            self.register_parameter("nobias", None)

        def forward(self, x):
            return x * self.w

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.seq = nn.Sequential(Block(), Block())
            self.lst = nn.ModuleList([Block()])
            self.dct = nn.ModuleDict({"x": Block()})
            self.shared = self.a
            self.p = nn.Parameter(lib.zeros(4))
            self.plist = nn.ParameterList([nn.Parameter(lib.ones(1)), lib.zeros(2)])
            self.pdict = nn.ParameterDict({"q": nn.Parameter(lib.ones(3))})

        def forward(self, x):
            return self.seq(self.a(x))
    return Net()


def test_iteration_order_and_names():
    e, t = make(ember), make(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in e.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert len(list(e.parameters())) == len(list(t.parameters()))


def test_state_dict_keys_and_load():
    e, t = make(ember), make(torch)
    assert list(e.state_dict().keys()) == list(t.state_dict().keys())
    sd = {k: ember.tensor(v.numpy()) * 2 for k, v in t.state_dict().items()}
    result = e.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert e.a.w.tolist() == [[2.0] * 3] * 2
    assert e.state_dict()["a.w"].requires_grad is False
    assert np.shares_memory(e.state_dict()["a.w"].numpy(), e.a.w.detach().numpy())
    assert e.state_dict(keep_vars=True)["a.w"] is e.a.w


def test_load_state_dict_errors_match_torch():
    e, t = make(ember), make(torch)
    bad_t = dict(t.state_dict())
    bad_t["a.w"] = torch.zeros(3, 2)
    del bad_t["p"]
    bad_t["extra"] = torch.zeros(1)
    bad_e = {k: ember.tensor(v.numpy()) for k, v in bad_t.items()}
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict(bad_t)
    with pytest.raises(RuntimeError) as ee:
        e.load_state_dict(bad_e)
    assert str(ee.value) == str(te.value)
    del bad_t["a.w"], bad_e["a.w"]
    r_t = t.load_state_dict(bad_t, strict=False)
    r_e = e.load_state_dict(bad_e, strict=False)
    assert r_e.missing_keys == r_t.missing_keys and r_e.unexpected_keys == r_t.unexpected_keys
    assert repr(r_e) == repr(r_t)


def test_repr_matches_torch():
    assert repr(make(ember)) == repr(make(torch))
    assert repr(ember.nn.Parameter(ember.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


def test_setattr_routing_and_errors():
    for lib in (ember, torch):
        m = make(lib)
        with pytest.raises(TypeError):
            m.p = lib.zeros(4)  # plain tensor onto a parameter name
        m.p = None
        assert "p" in m._parameters and m.p is None
        m.newbuf = lib.nn.Buffer(lib.ones(1)) if hasattr(lib.nn, "Buffer") else None
        del m.a
        assert "a" not in m._modules
        with pytest.raises(AttributeError):
            m.nonexistent


def test_train_eval_zero_grad_apply_requires_grad():
    e = make(ember)
    e.eval()
    assert all(not m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    for p in e.parameters():
        p.grad = ember.ones_like(p)
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())
    for p in e.parameters():
        p.grad = ember.ones_like(p)
    e.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in e.parameters())
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net"
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())


def test_to_double_keeps_parameter_objects():
    e = make(ember)
    w = e.a.w
    e.double()
    assert e.a.w is w and w.dtype is ember.float64 and e.a.count.dtype is ember.float64
    e.to(ember.float32)
    assert w.dtype is ember.float32


def test_forward_hooks_order_and_results():
    def run(lib):
        m = make(lib)
        calls = []
        h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre"))
        m.register_forward_pre_hook(lambda mod, args, kw: calls.append("pre_kw") or None,
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: out * 2)
        m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
        out = m(lib.ones(2, 3))
        h1.remove()
        m(lib.ones(2, 3))
        return calls, out.detach().numpy()
    (ec, eo), (tc, to) = run(ember), run(torch)
    assert ec == tc
    np.testing.assert_array_equal(eo, to)


def test_full_backward_hooks():
    def run(lib):
        class Scale(lib.nn.Module):
            def forward(self, x, y):
                return x * 3 + y * 2

        m = Scale()
        seen = []

        def hook(mod, grad_in, grad_out):
            seen.append(([None if g is None else g.tolist() for g in grad_in],
                         [g.tolist() for g in grad_out]))
            return (grad_in[0] * 10, grad_in[1])

        def pre(mod, grad_out):
            seen.append(("pre", [g.tolist() for g in grad_out]))

        m.register_full_backward_hook(hook)
        m.register_full_backward_pre_hook(pre)
        x = lib.ones(2, requires_grad=True)
        y = lib.ones(2, requires_grad=True)
        m(x, y).backward(lib.tensor([1.0, 2.0]))
        return seen, x.grad.tolist(), y.grad.tolist()
    assert run(ember) == run(torch)


def test_full_backward_hook_input_without_grad():
    def run(lib):
        class Double(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.ones(2))

            def forward(self, x):
                return x * self.w

        m = Double()
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go[0].tolist())))
        m(lib.ones(2)).backward(lib.ones(2))
        return seen
    assert run(ember) == run(torch)


def test_sequential_api():
    def run(lib):
        nn = lib.nn
        s = nn.Sequential(nn.Module(), nn.Module(), nn.Module())
        out = [len(s), type(s[0]).__name__, len(s[1:]), type(s[-1]).__name__]
        s.append(nn.Module())
        s.insert(1, nn.Sequential())
        del s[0]
        out.append([k for k in s._modules])
        out.append(repr(s))
        s2 = nn.Sequential(OrderedDict([("a", nn.Module()), ("b", nn.Sequential())]))
        out.append(repr(s2))
        out.append(repr(s + s2))
        return out
    assert run(ember) == run(torch)


def test_modulelist_moduledict_api():
    def run(lib):
        nn = lib.nn
        ml = nn.ModuleList([nn.Module() for _ in range(3)])
        ml.append(nn.Sequential())
        ml.extend([nn.Module()])
        ml.insert(0, nn.Sequential())
        out = [len(ml), repr(ml), repr(ml[1:3])]
        md = nn.ModuleDict({"a": nn.Module()})
        md["b"] = nn.Sequential()
        md.update([("c", nn.Module())])
        out += [list(md.keys()), "a" in md, repr(md), len(md)]
        pl = nn.ParameterList([nn.Parameter(lib.ones(2, 3))])
        pd = nn.ParameterDict({"w": nn.Parameter(lib.ones(2))})
        out += [len(pl), len(pd), list(pd.keys())]
        return out
    assert run(ember) == run(torch)


def test_get_submodule_and_parameter():
    e, t = make(ember), make(torch)
    assert type(e.get_submodule("seq.0")).__name__ == type(t.get_submodule("seq.0")).__name__
    assert e.get_parameter("seq.1.w").shape == t.get_parameter("seq.1.w").shape
    with pytest.raises(AttributeError):
        e.get_submodule("nope")


def test_missing_forward():
    for lib in (ember, torch):
        with pytest.raises(NotImplementedError):
            lib.nn.Module()(lib.ones(1))


def test_parameter_basics():
    p = ember.nn.Parameter(ember.ones(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    q = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    assert not q.requires_grad
    import copy
    r = copy.deepcopy(p)
    assert isinstance(r, ember.nn.Parameter) and r.requires_grad and r._data is not p._data
    import pickle
    s = pickle.loads(pickle.dumps(p))
    assert isinstance(s, ember.nn.Parameter) and s.tolist() == [1.0, 1.0]
