"""Factories against torch: values, dtypes, shapes, errors."""
import numpy as np
import pytest
import torch

import ember


def same(e, t):
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


DATA = [[1, 2, 3], [1.0, 2.5], [[1, 2], [3, 4]], 3, 2.5, True, [True, False], [], [[]],
        [1, 2.0], [[1.5], [2]], np.array([1.0, 2.0]), np.array([1, 2], dtype=np.int32),
        np.array([1.0], dtype=np.float16), [np.float32(1.0)], np.float64(2.0), (1, 2),
        np.array(5, dtype=np.uint8)]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_torch_dtype(data):
    same(ember.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool", "float16",
                                   "uint8", "int8", "int16"])
def test_tensor_dtype_argument(dtype):
    same(ember.tensor([[1, 0], [3, 4]], dtype=getattr(ember, dtype)),
         torch.tensor([[1, 0], [3, 4]], dtype=getattr(torch, dtype)))


def test_default_dtype_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    same(ember.tensor([1.5]), torch.tensor([1.5]))
    same(ember.zeros(2), torch.zeros(2))
    same(ember.tensor([1, 2]) * 0.5, torch.tensor([1, 2]) * 0.5)


def test_set_default_dtype_rejects_int():
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([4],), (0,), ((),)])
def test_factories(name, size):
    e = getattr(ember, name)(*size)
    t = getattr(torch, name)(*size)
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
    if name != "empty":
        same(e, t)


def test_factories_with_dtype_and_grad():
    e = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    assert e.requires_grad and e.dtype is ember.float64 and e.is_leaf
    with pytest.raises(RuntimeError):
        ember.ones(2, dtype=ember.int64, requires_grad=True)
    with pytest.raises(RuntimeError):
        torch.ones(2, dtype=torch.int64, requires_grad=True)


@pytest.mark.parametrize("args", [((2, 3), 5), ((2,), 5.0), ((2,), True), ((3,), -1.5)])
def test_full(args):
    same(ember.full(*args), torch.full(*args))


@pytest.mark.parametrize("args", [(5,), (1, 7), (0, 1, 0.1), (1, 2.5, 0.5), (10, 0, -3),
                                  (0.0, 5), (-3, 3, 2), (0, 0)])
def test_arange(args):
    e, t = ember.arange(*args), torch.arange(*args)
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("args", [(0, 1, 5), (-2, 7, 11), (3, 3, 1), (0, 1, 0), (1, -1, 100),
                                  (0, 10, 7)])
def test_linspace_logspace(args):
    np.testing.assert_allclose(ember.linspace(*args).numpy(), torch.linspace(*args).numpy(),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ember.logspace(*args).numpy(), torch.logspace(*args).numpy(),
                               rtol=1e-5)
    e = ember.linspace(*args, dtype=ember.int64)
    t = torch.linspace(*args, dtype=torch.int64)
    same(e, t)


def test_eye():
    same(ember.eye(3), torch.eye(3))
    same(ember.eye(2, 4, dtype=ember.int64), torch.eye(2, 4, dtype=torch.int64))


def test_like_variants():
    t = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)
    e = ember.tensor([[1, 2], [3, 4]], dtype=ember.int32)
    for name in ["zeros_like", "ones_like"]:
        same(getattr(ember, name)(e), getattr(torch, name)(t))
        same(getattr(ember, name)(e, dtype=ember.float32),
             getattr(torch, name)(t, dtype=torch.float32))
    same(ember.full_like(e, 7), torch.full_like(t, 7))
    same(e.new_zeros(2, 3), t.new_zeros(2, 3))
    same(e.new_ones((1,)), t.new_ones((1,)))
    same(e.new_full((2,), 3), t.new_full((2,), 3))
    same(e.new_tensor([1.5, 2]), t.new_tensor([1.5, 2]))


def test_from_numpy_shares_memory():
    a = np.arange(4.0)
    t = ember.from_numpy(a)
    a[0] = 10
    assert t[0].item() == 10 if hasattr(t, "__getitem__") else t.numpy()[0] == 10
    assert t.numpy() is a
    b = ember.as_tensor(a)
    assert b.numpy() is a
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


def test_tensor_copies():
    a = np.arange(3.0)
    t = ember.tensor(a)
    a[0] = 5
    assert t.numpy()[0] == 0


def test_negative_size_error():
    with pytest.raises(RuntimeError, match="negative dimension"):
        ember.zeros(-1)


def test_ragged_list_error():
    with pytest.raises(ValueError):
        ember.tensor([[1, 2], [3]])


def test_cuda_device_is_a_clear_error():
    with pytest.raises(AssertionError, match="CUDA"):
        ember.zeros(2, device="cuda")
    assert ember.zeros(2, device="cpu").device == ember.device("cpu")


def test_factory_without_size_is_type_error():
    with pytest.raises(TypeError):
        torch.zeros()
    with pytest.raises(TypeError):
        ember.zeros()
