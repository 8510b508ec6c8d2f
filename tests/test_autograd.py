"""The engine: accumulation, retain_graph, create_graph, hooks, grad modes, errors — vs torch."""
import gc
import weakref

import numpy as np
import pytest
import torch

import ember


def both(fn):
    """Run ``fn(lib)`` with ember and torch; return both results."""
    return fn(ember), fn(torch)


def close(e, t, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(e.detach().numpy()), t.detach().numpy(), rtol=rtol)


def test_seed_example_scalar():
    def run(lib):
        x = lib.tensor(2.0, requires_grad=True)
        y = x ** 2 + 3 * x
        y.backward()
        return x.grad, y
    (eg, ey), (tg, ty) = both(run)
    assert eg.item() == tg.item() == 7.0
    assert repr(ey) == repr(ty)


def test_seed_example_chain():
    def run(lib):
        x = lib.tensor(3.0, requires_grad=True)
        w = lib.tensor(2.0, requires_grad=True)
        b = lib.tensor(1.0, requires_grad=True)
        z = (w * x + b) ** 2
        z.backward()
        return repr(w.grad), repr(b.grad), repr(x.grad)
    e, t = both(run)
    assert e == t == ("tensor(42.)", "tensor(14.)", "tensor(28.)")


def test_gradients_accumulate():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).backward(ember.ones(2))
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])
    g = x.grad
    (x * 2).backward(ember.ones(2))
    assert x.grad is g  # accumulated in place, like torch


def test_grad_is_not_shared_between_leaves():
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([1.0], requires_grad=True)
    (a + b).backward(ember.ones(1))
    a.grad.numpy()[0] = 100
    assert b.grad.item() == 1.0


def test_second_backward_raises_and_retain_graph_allows():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x)
    loss.backward(ember.ones(2), retain_graph=True)
    loss.backward(ember.ones(2))
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward(ember.ones(2))


def test_graph_without_saved_tensors_can_run_twice():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x + 1
    y.backward(ember.ones(2))
    y.backward(ember.ones(2))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_non_scalar_backward_needs_gradient():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.tensor([1.0]).backward(ember.ones(1))


def test_higher_order_derivatives():
    def run(lib):
        x = lib.tensor(1.5, requires_grad=True)
        y = x ** 4 + 2 * x ** 3
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1, x, create_graph=True)
        (g3,) = lib.autograd.grad(g2, x)
        return g1, g2, g3
    for e, t in zip(*both(run)):
        close(e, t)


def test_create_graph_backward_makes_grad_differentiable():
    x = ember.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(12.0)


def test_deep_graph_no_recursion_limit():
    x = ember.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 20000, rel=1e-3)


def test_grad_modes():
    x = ember.tensor(1.0, requires_grad=True)
    with ember.no_grad():
        y = x * 2
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad and ember.is_grad_enabled()

    @ember.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad

    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)
    with ember.inference_mode():
        assert not (x * 2).requires_grad
        assert ember.is_inference_mode_enabled()

    @ember.no_grad
    def g(t):
        return t * 3
    assert not g(x).requires_grad


def test_no_grad_generator_decorator():
    @ember.no_grad()
    def gen(t):
        yield t * 2
        yield t * 3
    x = ember.tensor(1.0, requires_grad=True)
    assert all(not v.requires_grad for v in gen(x))


def test_autograd_grad_options():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([3.0, 4.0], requires_grad=True)
    u = ember.tensor([1.0], requires_grad=True)
    y = x * w
    gx, gw = ember.autograd.grad(y, [x, w], grad_outputs=ember.ones(2), retain_graph=True)
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    assert x.grad is None  # grad() leaves .grad alone
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        ember.autograd.grad(y, [x, u], ember.ones(2), retain_graph=True)
    gx, gu = ember.autograd.grad(y, [x, u], ember.ones(2), allow_unused=True, retain_graph=True)
    assert gu is None
    gx, gu = ember.autograd.grad(y, [x, u], ember.ones(2), materialize_grads=True)
    assert gu.numpy().tolist() == [0.0]


def test_grad_wrt_intermediate():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        y = h * 3
        return lib.autograd.grad(y, h, lib.ones(2))[0]
    e, t = both(run)
    close(e, t)


def test_backward_inputs_argument():
    x = ember.tensor(1.0, requires_grad=True)
    w = ember.tensor(2.0, requires_grad=True)
    (x * w).backward(inputs=[x])
    assert x.grad.item() == 2.0 and w.grad is None


def test_tensor_hooks_and_retain_grad():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        h = x * 3
        h.retain_grad()
        handle = h.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: seen.append(g.clone() if hasattr(g, "clone") else g))
        (h * h).backward(lib.ones(2))
        handle.remove()
        return x.grad, h.grad, seen[0]
    for e, t in zip(*both(run)):
        close(e, t)


def test_hook_removal():
    x = ember.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).backward(ember.ones(1))
    assert x.grad.item() == 2.0


def test_grad_fn_names_and_next_functions():
    def run(lib):
        x = lib.tensor([1.0], requires_grad=True)
        y = x * 2 + 1
        nf = y.grad_fn.next_functions
        return (y.grad_fn.name(), nf[0][0].name(), nf[1][0] is None,
                nf[0][0].next_functions[0][0].name())
    e, t = both(run)
    assert e == t


def test_requires_grad_rules():
    x = ember.tensor([1.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        ember.tensor([1]).requires_grad_()
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), y.detach().numpy())


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    assert x.item() == 2.0


def test_inplace_in_graph_matches_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 2
        a.mul_(x)
        a += 1
        a.backward(lib.ones(2))
        return x.grad
    e, t = both(run)
    close(e, t)


def test_modified_saved_tensor_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h * h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(ember.ones(2))


def test_graph_is_freed():
    x = ember.tensor([1.0], requires_grad=True)
    y = x * x
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


def test_int_cast_drops_grad():
    x = ember.tensor([1.5], requires_grad=True)
    assert not x.long().requires_grad
    assert x.double().requires_grad


def test_mixed_dtype_gradients_keep_input_dtype():
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        (a * b).backward(lib.ones(2, dtype=lib.float64))
        return a.grad, b.grad
    (ea, eb), (ta, tb) = both(run)
    assert str(ea.dtype) == str(ta.dtype) and str(eb.dtype) == str(tb.dtype)


def test_broadcast_gradient_sums_back():
    def run(lib):
        a = lib.ones(2, 3, requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = lib.tensor(2.0, requires_grad=True)
        (a * b * c).backward(lib.ones(2, 3))
        return a.grad, b.grad, c.grad
    for e, t in zip(*both(run)):
        close(e, t)


def test_gradcheck_reports_mismatch():
    from ember.autograd._node import Node  # noqa: F401
    from ember._ops.registry import primitive

    bad = primitive("_test_bad_square")(lambda xp, x: x * x)
    bad.defvjp(lambda g, out, x: g * x * 3)  # wrong: should be 2x
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    from ember.autograd.gradcheck import GradcheckError
    with pytest.raises(GradcheckError, match="largest mismatch"):
        ember.autograd.gradcheck(lambda t: bad(t), (x,))
    assert not ember.autograd.gradcheck(lambda t: bad(t), (x,), raise_exception=False)
    from ember._ops import registry
    del registry.PRIMITIVES["_test_bad_square"]


def test_detect_anomaly_names_op_and_user_line():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection"):
        with ember.autograd.detect_anomaly():
            y = x.sqrt()  # the line the error must name
            line = __import__("inspect").currentframe().f_lineno - 1
            with pytest.raises(RuntimeError) as info:
                (y * 0.0).backward(ember.ones(2))
    msg = str(info.value)
    assert "nan" in msg and "SqrtBackward0" in msg
    assert f"test_autograd.py\", line {line}" in msg
    assert not ember.autograd.is_anomaly_enabled()


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_autograd_functional_matches_torch(name):
    def f(lib):
        def fn(a, b):
            return (a * a * b).sum() if name in ("hessian", "hvp", "vhp") else a * a * b + b
        return fn
    a = np.array([1.0, 2.0, -0.5])
    b = np.array([0.5, -1.0, 3.0])
    v = (np.array([1.0, 0.5, 2.0]), np.array([-1.0, 1.0, 0.0]))

    def run(lib):
        ins = (lib.tensor(a), lib.tensor(b))
        vv = tuple(lib.tensor(x) for x in v)
        fn = getattr(lib.autograd.functional, name)
        if name in ("jacobian", "hessian"):
            return fn(f(lib), ins)
        if name == "vjp":
            return fn(f(lib), ins, lib.tensor(v[0]))
        return fn(f(lib), ins, vv)

    def flat(x):
        if isinstance(x, (tuple, list)):
            return [y for z in x for y in flat(z)]
        return [x.detach().numpy()]
    for e, t in zip(flat(run(ember)), flat(run(torch))):
        np.testing.assert_allclose(e, t, rtol=1e-10)
