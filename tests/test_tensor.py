"""The Tensor object, dtypes and promotion, devices, Size — against torch."""
import itertools
import pickle

import numpy as np
import pytest
import torch

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64"]


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_table(a, b):
    assert str(ember.promote_types(getattr(ember, a), getattr(ember, b))) == \
        str(torch.promote_types(getattr(torch, a), getattr(torch, b)))


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_can_cast_table(a, b):
    assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))


OPERANDS = [("t", "int64", (2,)), ("t", "int32", (2,)), ("t", "float32", (2,)),
            ("t", "float64", ()), ("t", "int64", ()), ("t", "bool", (2,)), ("t", "uint8", (2,)),
            ("t", "float16", (2,)), ("t", "float32", ()), ("s", 2.5, None), ("s", 3, None),
            ("s", True, None)]


def _make(lib, spec):
    kind, v, shape = spec
    if kind == "s":
        return v
    return lib.ones(shape, dtype=getattr(lib, v))


@pytest.mark.parametrize("x,y", [(a, b) for a, b in itertools.product(OPERANDS, OPERANDS)
                                 if not (a[0] == "s" and b[0] == "s")])
def test_result_type_with_scalars_and_zero_dim(x, y):
    e = ember.result_type(_make(ember, x), _make(ember, y))
    t = torch.result_type(_make(torch, x), _make(torch, y))
    assert str(e) == str(t)


@pytest.mark.parametrize("x,y", [(a, b) for a, b in itertools.product(OPERANDS, OPERANDS)
                                 if not (a[0] == "s" and b[0] == "s")])
def test_binary_ops_follow_promotion(x, y):
    for op in ["add", "mul"]:
        try:
            t = getattr(torch, op)(_make(torch, x), _make(torch, y))
        except Exception as exc:
            with pytest.raises(type(exc)):
                getattr(ember, op)(_make(ember, x), _make(ember, y))
            continue
        e = getattr(ember, op)(_make(ember, x), _make(ember, y))
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)


def test_float32_never_leaks_float64():
    x = ember.ones(3)
    for y in [x * 0.1, x + 1e-300, 0.5 - x, x / 3, x ** 0.5, 2.0 ** x, x * np.float64(2.0)]:
        assert y.dtype is ember.float32, y
    i = ember.tensor([1, 2])
    assert (i * 1.5).dtype is ember.float32
    assert (i / i).dtype is ember.float32


def test_attributes():
    t = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    e = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert tuple(e.shape) == tuple(t.shape) and repr(e.shape) == repr(t.shape)
    assert e.size() == t.size() and e.size(1) == t.size(1) and e.size(-1) == t.size(-1)
    assert e.dim() == t.dim() == e.ndim
    assert e.numel() == t.numel() and e.element_size() == t.element_size()
    assert e.nbytes == t.nbytes and e.stride() == t.stride() and e.stride(0) == t.stride(0)
    assert e.is_contiguous() and e.is_leaf and e.grad is None and e.grad_fn is None
    assert str(e.dtype) == str(t.dtype) and str(e.device) == str(t.device)
    assert e.is_floating_point() and not e.is_complex()
    assert e.requires_grad
    assert repr(e) == repr(t)
    assert e.type() == t.type()
    assert e.data.requires_grad is False
    with pytest.raises(IndexError):
        e.size(2)


def test_size_is_a_tuple():
    s = ember.Size([2, 3])
    assert isinstance(s, tuple) and s == (2, 3) and repr(s) == "torch.Size([2, 3])"
    assert s.numel() == 6 and isinstance(s[0:1], ember.Size)
    assert pickle.loads(pickle.dumps(s)) == s


def test_python_conversions():
    e = ember.tensor([2.5])
    assert e.item() == 2.5 and float(e) == 2.5 and int(e) == 2 and bool(e)
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(3).__index__() == 3
    assert [1, 2, 3, 4][ember.tensor(1)] == 2
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0)]
    assert f"{ember.tensor(2.5):.2f}" == "2.50"


@pytest.mark.parametrize("call,exc", [
    (lambda lib: lib.tensor([1.0, 2.0]).item(), RuntimeError),
    (lambda lib: float(lib.tensor([1.0, 2.0])), ValueError),
    (lambda lib: int(lib.tensor([1.0, 2.0])), ValueError),
    (lambda lib: bool(lib.tensor([1.0, 2.0])), RuntimeError),
    (lambda lib: bool(lib.tensor([])), RuntimeError),
    (lambda lib: len(lib.tensor(1.0)), TypeError),
    (lambda lib: lib.tensor([1.0], requires_grad=True).numpy(), RuntimeError),
])
def test_conversion_errors(call, exc):
    with pytest.raises(exc):
        call(torch)
    with pytest.raises(exc) as e_info:
        call(ember)
    with pytest.raises(exc) as t_info:
        call(torch)
    assert str(e_info.value).split(".")[0] == str(t_info.value).split(".")[0]


def test_numpy_shares_memory():
    e = ember.zeros(3)
    a = e.numpy()
    a[1] = 5
    assert e.tolist() == [0.0, 5.0, 0.0]


def test_casts():
    e = ember.tensor([1.7, -2.5])
    t = torch.tensor([1.7, -2.5])
    for name in ["float", "double", "half", "long", "int", "short", "bool", "byte", "bfloat16"]:
        ee, tt = getattr(e, name)(), getattr(t, name)()
        assert str(ee.dtype) == str(tt.dtype)
        np.testing.assert_array_equal(np.asarray(ee.float().tolist()), tt.float().numpy())
    assert str(e.to(ember.float64).dtype) == "torch.float64"
    assert e.to("cpu") is e and e.to(ember.float32) is e
    assert e.to(ember.zeros(1, dtype=ember.int64)).dtype is ember.int64
    assert e.type(ember.float64).dtype is ember.float64
    assert e.type("torch.LongTensor").dtype is ember.int64


def test_dtype_objects():
    assert repr(ember.float32) == "torch.float32" and ember.float is ember.float32
    assert ember.double is ember.float64 and ember.long is ember.int64
    assert ember.half is ember.float16 and ember.int is ember.int32 and ember.short is ember.int16
    for name in NAMES:
        e, t = getattr(ember, name), getattr(torch, name)
        assert e.is_floating_point == t.is_floating_point
        assert e.is_signed == t.is_signed and e.itemsize == t.itemsize
    assert pickle.loads(pickle.dumps(ember.float64)) is ember.float64


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for f in ["bits", "eps", "max", "min", "tiny", "resolution"]:
        assert getattr(e, f) == pytest.approx(getattr(t, f)), f
    assert repr(e) == repr(t)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (e.bits, e.min, e.max) == (t.bits, t.min, t.max)


def test_device():
    assert repr(ember.device("cpu")) == repr(torch.device("cpu"))
    assert str(ember.device("cuda:1")) == str(torch.device("cuda:1"))
    assert ember.device("cuda", 0).index == 0
    assert ember.device("cpu") == "cpu"


def test_legacy_constructor():
    assert ember.Tensor([1, 2]).dtype is ember.float32
    assert tuple(ember.Tensor(2, 3).shape) == (2, 3)


def test_pickle_roundtrip():
    e = ember.tensor([[1.0, 2.0]], requires_grad=True)
    r = pickle.loads(pickle.dumps(e))
    assert r.tolist() == e.tolist() and r.requires_grad


def test_deepcopy():
    import copy
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(e)
    assert c.tolist() == e.tolist() and c.requires_grad and c._data is not e._data
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(e * 2)


def test_grad_assignment_checks():
    e = ember.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="different size"):
        e.grad = ember.zeros(3)
    with pytest.raises(RuntimeError, match="different type"):
        e.grad = ember.zeros(2, dtype=ember.float64)
    e.grad = ember.ones(2)
    assert e.grad.tolist() == [1.0, 1.0]


def test_nonleaf_grad_access_warns():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None
