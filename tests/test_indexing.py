"""__getitem__ / __setitem__ against torch: values, views, gradients, errors (+ hypothesis)."""
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ember


def pair(a):
    return ember.tensor(a), torch.tensor(a)


KEYS = [
    lambda lib: 0, lambda lib: -1, lambda lib: (1, 2), lambda lib: slice(1, None),
    lambda lib: (slice(None), 1), lambda lib: (Ellipsis, 0), lambda lib: (None, 0),
    lambda lib: (slice(None, None, 2), None, slice(1, 3)),
    lambda lib: lib.tensor([0, 2]), lambda lib: [0, 0, 1], lambda lib: ([0, 1], [2, 3]),
    lambda lib: (slice(None), [0, 3]), lambda lib: (lib.tensor([[0], [1]]), lib.tensor([1, 2])),
    lambda lib: lib.tensor([True, False, True]), lambda lib: (1, lib.tensor(2)),
    lambda lib: lib.tensor(1), lambda lib: (slice(None), lib.tensor([1, 1]), None),
    lambda lib: ([0, 1], slice(None), [1, 0]),
]


@pytest.mark.parametrize("k", range(len(KEYS)))
def test_getitem_values_and_grads(k):
    base = np.arange(3 * 4 * 2, dtype=np.float32).reshape(3, 4, 2)
    e = ember.tensor(base, requires_grad=True)
    t = torch.tensor(base, requires_grad=True)
    eo, to = e[KEYS[k](ember)], t[KEYS[k](torch)]
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    cot = np.random.default_rng(0).standard_normal(tuple(to.shape)).astype(np.float32)
    eo.backward(ember.tensor(cot))
    to.backward(torch.tensor(cot))
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_basic_index_is_a_view():
    e = ember.zeros(3, 4)
    v = e[1]
    v.add_(1)
    assert e.tolist()[1] == [1.0] * 4
    assert v._version == e._version == 1


def test_mask_index():
    e, t = pair([[1.0, -2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(e[e > 0].numpy(), t[t > 0].numpy())


@pytest.mark.parametrize("key,value", [
    (0, 5.0), ((slice(None), 1), 2.0), ([0, 2], 1.0), ((1, slice(1, 3)), [7.0, 8.0]),
    ("mask", 0.0), ((Ellipsis, 0), [1.0, 2.0, 3.0]),
])
def test_setitem_values(key, value):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    e, t = ember.tensor(base), torch.tensor(base)
    if key == "mask":
        e[e > 5] = value
        t[t > 5] = value
    else:
        e[key] = ember.tensor(value) if isinstance(value, list) else value
        t[key] = torch.tensor(value) if isinstance(value, list) else value
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_setitem_in_graph_gradients():
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        z = lib.zeros(3, 4)
        z[1] = w * 2
        h = z * 3
        h[0, 1:3] = x[:2] ** 2
        (h * h).sum().backward() if hasattr(h, "sum") else (h * h).backward(lib.ones(3, 4))
        return w.grad, x.grad
    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


def test_inplace_through_view_rebases_base():
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
        b = a * 1
        b[1:3].mul_(10)
        c = b * b
        c.backward(lib.arange(5.0))
        return a.grad, b.detach()
    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(e.numpy(), t.numpy())


def test_view_of_leaf_inplace_raises():
    a = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        a[0:2].mul_(2)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        a[0] = 1.0


@pytest.mark.parametrize("key", [5, (0, 9), (0, 0, 0), [3]])
def test_out_of_range_errors(key):
    e, t = ember.zeros(3, 4), torch.zeros(3, 4)
    with pytest.raises(IndexError) as te:
        t[key]
    with pytest.raises(IndexError) as ee:
        e[key]
    assert str(ee.value).split(" ")[:2] == str(te.value).split(" ")[:2]


def test_float_index_error():
    with pytest.raises(IndexError):
        ember.zeros(3)[ember.tensor([0.0])]
    with pytest.raises(IndexError):
        torch.zeros(3)[torch.tensor([0.0])]


def test_zero_dim_index_error():
    with pytest.raises(IndexError):
        ember.tensor(1.0)[0]
    with pytest.raises(IndexError):
        torch.tensor(1.0)[0]


index_st = st.one_of(
    st.integers(-3, 2),
    st.builds(slice, st.one_of(st.none(), st.integers(-4, 4)),
              st.one_of(st.none(), st.integers(-4, 4)), st.one_of(st.none(), st.integers(1, 3))),
    st.none(), st.just(Ellipsis),
    st.lists(st.integers(-3, 2), min_size=1, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(index_st, min_size=1, max_size=3))
def test_hypothesis_getitem_matches_torch(key):
    key = tuple(key)
    assume(sum(k is Ellipsis for k in key) <= 1)  # torch's multi-ellipsis rules are quirky
    base = np.arange(3 * 3 * 3, dtype=np.float64).reshape(3, 3, 3)
    t = torch.tensor(base, requires_grad=True)
    try:
        to = t[key]
    except Exception as exc:
        with pytest.raises(type(exc)):
            ember.tensor(base)[key]
        return
    e = ember.tensor(base, requires_grad=True)
    eo = e[key]
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    cot = np.arange(to.numel(), dtype=np.float64).reshape(tuple(to.shape))
    to.backward(torch.tensor(cot))
    eo.backward(ember.tensor(cot))
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())
