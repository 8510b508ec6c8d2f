"""``ember.autograd`` (``torch.autograd``): backward, grad, grad modes, hooks."""
from __future__ import annotations

from collections.abc import Sequence

from .._backend import np
from .._tensor import Tensor, _make
from . import grad_mode
from ._engine import POST_HOOKS, retain, run_backward, tensor_pre_hook_dict
from ._node import AccumulateGrad, Node
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "Node", "AccumulateGrad", "gradcheck",
           "gradgradcheck", "GradcheckError"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads, is_grads_batched=False):
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if out._requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.dtype.is_floating_point and not out.dtype.is_complex:
                    raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                       f"outputs but got {out.dtype}")
                g = _make(np.full(out._data.shape, 1, dtype=out._data.dtype))
            result.append(g)
            continue
        if not isinstance(g, Tensor):
            g = _make(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of {out.shape}.")
        result.append(g)
    return result


def _check_roots(outputs):
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (``torch.autograd.backward``).

    Example::

        >>> x = ember.tensor(2.0, requires_grad=True)
        >>> ember.autograd.backward(x ** 2 + 3 * x)
        >>> x.grad
        tensor(7.)
    """
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} gradients for {len(tensors)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    _check_roots(tensors)
    grads = _make_grads(tensors, grads)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        captured = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                                allow_unused=True, accumulate=False)
        for t, g in zip(inputs, captured):
            if g is None:
                continue
            if t._grad is None:
                t._grad = g if create_graph else _make(g._data.copy())
            else:
                t._grad = t._grad + g if create_graph else _make(t._grad._data + g._data)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Example::

        >>> x = ember.tensor(3.0, requires_grad=True)
        >>> (g,) = ember.autograd.grad(x ** 3, x, create_graph=True)
        >>> ember.autograd.grad(g, x)[0]
        tensor(18.)
    """
    single = isinstance(inputs, Tensor)
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    _check_roots(outputs)
    grads = _make_grads(outputs, grads)
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                          allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        result = tuple(g if g is not None else _make(np.zeros_like(t._data))
                       for g, t in zip(result, inputs))
    return result if not single else result


# -- Tensor methods owned by autograd ---------------------------------------------------------
def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradient of this tensor w.r.t. graph leaves (``Tensor.backward``)."""
    d = self._data
    if gradient is None and inputs is None and self._requires_grad and d.size == 1 \
            and d.dtype.kind in "fV":  # the common `loss.backward()`: skip the general checks
        g = _make(np.array(1, d.dtype) if not d.shape else np.ones(d.shape, d.dtype))
        keep = create_graph if retain_graph is None else retain_graph
        run_backward((self,), (g,), keep, create_graph)
        return
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def _register_hook(self, hook):
    """Run ``hook(grad)`` when this tensor's gradient is computed; it may return a new grad."""
    from ..utils.hooks import RemovableHandle
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    d = tensor_pre_hook_dict(self)
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def _register_post_accumulate_grad_hook(self, hook):
    from collections import OrderedDict

    from ..utils.hooks import RemovableHandle
    if self._node is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    d = self.__dict__.setdefault("_post_accumulate_hooks", OrderedDict())
    POST_HOOKS[0] = True
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def _retain_grad(self) -> None:
    """Keep ``.grad`` for this non-leaf tensor after backward."""
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self._node is None or self._retains_grad:
        return
    self._retains_grad = True
    retain(self)


@property
def _retains_grad_prop(self) -> bool:
    return self._retains_grad


Tensor.backward = _tensor_backward
Tensor.register_hook = _register_hook
Tensor.register_post_accumulate_grad_hook = _register_post_accumulate_grad_hook
Tensor.retain_grad = _retain_grad
Tensor.retains_grad = _retains_grad_prop

from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402  (needs grad)
from . import function  # noqa: E402
from . import functional  # noqa: E402
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402
from .function import Function, FunctionCtx, once_differentiable  # noqa: E402
