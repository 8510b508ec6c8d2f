"""Gradient clipping (``torch.nn.utils.clip_grad``).

``clip_grad_norm_`` = ``get_total_norm`` + ``clip_grads_with_norm_``, with torch's formula:
``coef = min(max_norm / (total_norm + 1e-6), 1.0)`` and every gradient multiplied in place by
the 0-d ``coef`` (so a float32 gradient stays float32). The total norm is the ``norm_type``-norm
of the per-tensor norms, as torch's foreach path computes it. ``foreach`` is accepted; ember
always takes the plain loop (CPU tensors support both in torch, with the same result).
"""
from __future__ import annotations

import functools
import types
import warnings

from ... import _tensor
from ...autograd import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _no_grad(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with no_grad():
            return fn(*args, **kwargs)
    return wrapper


def _as_list(tensors):
    if isinstance(tensors, _tensor.Tensor):
        return [tensors]
    return list(tensors)


def _check_foreach(foreach, tensors) -> None:
    if foreach and any(t.device.type not in ("cpu", "cuda") for t in tensors):
        raise RuntimeError(f"foreach=True was passed, but can't use the foreach API on "
                           f"{tensors[0].device.type} tensors")


@_no_grad
def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None):
    """The ``norm_type``-norm of all ``tensors`` seen as one vector, a 0-d tensor
    (``torch.nn.utils.get_total_norm``).

    Example::

        >>> ember.nn.utils.get_total_norm([ember.tensor([3.0]), ember.tensor([4.0])])
        tensor(5.)
    """
    import ember
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return ember.tensor(0.0)
    _check_foreach(foreach, tensors)
    # torch groups by (device, dtype) and stacks the per-tensor norms: a mix of dtypes promotes
    norms = [t.norm(norm_type) for t in tensors]
    total = ember.stack(norms).norm(norm_type)
    if error_if_nonfinite and bool(total.isnan() | total.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the "
            f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


@_no_grad
def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach: bool | None = None
                          ) -> None:
    """Scale gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)``
    (``torch.nn.utils.clip_grads_with_norm_``).

    Example::

        >>> p = ember.nn.Parameter(ember.ones(4)); p.grad = ember.full((4,), 2.0)
        >>> ember.nn.utils.clip_grads_with_norm_([p], 1.0, ember.tensor(4.0))
        >>> p.grad
        tensor([0.5000, 0.5000, 0.5000, 0.5000])
    """
    import ember
    if isinstance(parameters, _tensor.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    _check_foreach(foreach, grads)
    if not isinstance(total_norm, _tensor.Tensor):
        total_norm = ember.tensor(float(total_norm))
    coef = ember.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    by_dtype = {coef.dtype: coef}  # torch multiplies in each gradient's dtype
    for g in grads:
        c = by_dtype.get(g.dtype)
        if c is None:
            c = by_dtype[g.dtype] = coef.to(g.dtype)
        g.mul_(c)


@_no_grad
def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None):
    """Clip the gradient norm of ``parameters`` in place; returns the total norm before clipping
    (``torch.nn.utils.clip_grad_norm_``).

    Example::

        >>> p = ember.nn.Parameter(ember.ones(4)); p.grad = ember.full((4,), 2.0)
        >>> ember.nn.utils.clip_grad_norm_([p], 1.0)
        tensor(4.)
    """
    if isinstance(parameters, _tensor.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None):
    """Deprecated alias of :func:`clip_grad_norm_` (``FutureWarning``, as torch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient in place to ``[-clip_value, clip_value]``
    (``torch.nn.utils.clip_grad_value_``).

    Example::

        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.tensor([-3.0, 0.5])
        >>> ember.nn.utils.clip_grad_value_([p], 1.0); p.grad
        tensor([-1.0000,  0.5000])
    """
    if isinstance(parameters, _tensor.Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    _check_foreach(foreach, grads)
    for g in grads:
        g.clamp_(min=-clip_value, max=clip_value)
