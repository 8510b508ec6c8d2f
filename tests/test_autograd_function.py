"""Custom autograd.Function against torch (the seed's clamp/ReLU example and the ctx API)."""
import numpy as np
import pytest
import torch

import ember


def define(lib):
    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    class ScaleShift(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, shift, name):
            ctx.scale = scale
            ctx.mark_non_differentiable  # attribute access works
            ctx.save_for_backward(x, shift)
            return x * scale + shift, (x > 0).float()

        @staticmethod
        def backward(ctx, g, g_mask):
            x, shift = ctx.saved_tensors
            assert ctx.needs_input_grad[2] == shift.requires_grad
            return g * ctx.scale, None, g, None

    class Split(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2, x * 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2

    return MyReLU, ScaleShift, Split


def test_seed_relu_function():
    def run(lib):
        MyReLU, _, _ = define(lib)
        x = lib.tensor([-1.0, 0.5, 2.0, -3.0], requires_grad=True)
        y = MyReLU.apply(x)
        (y * y).backward(lib.ones(4))
        return y.detach().numpy().tolist(), x.grad.numpy().tolist(), y.grad_fn.name()
    e, t = run(ember), run(torch)
    assert e[:2] == t[:2]
    assert e[2] == "MyReLUBackward"


def test_non_tensor_args_multiple_outputs():
    def run(lib):
        _, ScaleShift, Split = define(lib)
        x = lib.tensor([-1.0, 2.0], requires_grad=True)
        s = lib.tensor([0.5, 0.5], requires_grad=True)
        out, mask = ScaleShift.apply(x, 3.0, s, "n")
        (out * out).backward(lib.ones(2))
        a, b = Split.apply(x)
        return (x.grad.tolist(), s.grad.tolist(), mask.requires_grad, b.requires_grad,
                a.requires_grad)
    assert run(ember) == run(torch)


def test_saved_tensor_modified_raises():
    MyReLU, _, _ = define(ember)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = MyReLU.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(ember.ones(2))


def test_freed_ctx_raises_on_second_backward():
    MyReLU, _, _ = define(ember)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = MyReLU.apply(x)
    y.backward(ember.ones(2))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward(ember.ones(2))


def test_mark_dirty_and_gradcheck():
    class AddOne(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    out = AddOne.apply(h)
    assert out is h and h.tolist() == [3.0, 5.0]
    out.backward(ember.ones(2))
    assert x.grad.tolist() == [2.0, 2.0]

    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    inp = ember.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    assert ember.autograd.gradcheck(Cube.apply, (inp,))
    assert ember.autograd.gradgradcheck(Cube.apply, (inp,))


def test_once_differentiable():
    class Sq(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ember.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = ember.tensor(2.0, requires_grad=True)
    (g,) = ember.autograd.grad(Sq.apply(x), x, create_graph=True)
    assert g.item() == 4.0 and not g.requires_grad
