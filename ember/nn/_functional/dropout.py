"""nn.functional: dropout, channel dropout (1d/2d/3d) and (feature) alpha dropout.

Masks are drawn exactly as torch's CPU kernel ``at::native::_dropout_impl`` draws them, so
``manual_seed(s)`` followed by a forward gives torch's mask: a noise tensor of the input's dtype
— the input's shape, or ``(N, C, 1, ...)`` for channel dropout — filled by
``bernoulli_(1 - p)``, then ``noise.div_(1 - p)`` and ``input * noise`` (alpha dropout:
``noise * a`` plus the shift ``b``). Gradients flow through the multiplication.
"""
from __future__ import annotations

import math
import warnings

from ..._backend import CPU
from ..._ops.creation import empty, zeros
from ..._tensor import _make
from ..._ops.norm import publish

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

xp = CPU.xp
_SELU_ALPHA_SCALED = 1.7580993408473766  # SELU's alpha * scale: the "negative saturation"


def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _impl(input, p, train, *, feature=False, alpha=False, inplace=False, noise_shape=None):
    """torch's ``_dropout_impl``: returns ``input`` itself when nothing is dropped."""
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        z = zeros((), dtype=input.dtype)
        return input.mul_(z) if inplace else input * z
    if noise_shape is None:
        if feature:
            if input.dim() < 2:
                raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
            noise_shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
        else:
            noise_shape = tuple(input.shape)
    noise = _noise_like(input) if noise_shape == tuple(input.shape) else \
        empty(noise_shape, dtype=input.dtype)
    noise.bernoulli_(1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_SELU_ALPHA_SCALED ** 2 * p + 1) * (1 - p))
        b = noise.add(-1).mul_(_SELU_ALPHA_SCALED * a).add_(_SELU_ALPHA_SCALED * a * p)
        noise.mul_(a)
        return input.mul_(noise).add_(b) if inplace else (input * noise).add_(b)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _noise_like(input):
    """``empty_like(input)`` with torch's preserve-format strides: a dense permuted input gives
    noise in the same memory order (``bernoulli_`` fills memory order), else contiguous."""
    data = input._data
    if data.flags.c_contiguous or data.ndim < 2:
        return empty(data.shape, dtype=input.dtype)
    perm = sorted(range(data.ndim), key=lambda i: -data.strides[i])
    expect = data.itemsize
    for i in reversed(perm):
        if data.shape[i] != 1 and data.strides[i] != expect:
            return empty(data.shape, dtype=input.dtype)
        expect *= data.shape[i]
    arr = xp.empty([data.shape[i] for i in perm], dtype=data.dtype)
    inv = [perm.index(i) for i in range(data.ndim)]
    return _make(arr.transpose(inv))


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``
    (``torch.nn.functional.dropout``; torch's mask from the same seed).

    Example::

        >>> F.dropout(ember.ones(4), 0.0)
        tensor([1., 1., 1., 1.])
    """
    _check_p(p)
    return _impl(input, p, training, inplace=inplace)


def _unbatched_noise(input):
    """Channel noise for an input without batch dim: the same draws as ``unsqueeze(0)``."""
    return (input.shape[0],) + (1,) * (input.dim() - 1)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, L)`` / ``(C, L)`` inputs
    (``torch.nn.functional.dropout1d``)."""
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {d}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on inputs "
                           "with 1 spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs).")
    shape = None if d == 3 else _unbatched_noise(input)
    return _impl(input, p, training, feature=True, inplace=inplace, noise_shape=shape)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, H, W)`` inputs (``torch.nn.functional.dropout2d``; a 3-D
    input is treated as ``(N, C, L)`` with torch's warning)."""
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      "3D or 4D inputs).", stacklevel=2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change in "
                      "a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _impl(input, p, training, feature=True, inplace=inplace)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` inputs
    (``torch.nn.functional.dropout3d``)."""
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      "4D or 5D inputs).", stacklevel=2)
    shape = None if d in (0, 5) else _unbatched_noise(input)
    return _impl(input, p, training, feature=True, inplace=inplace, noise_shape=shape)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout that keeps SELU's zero mean / unit variance (``torch.nn.functional.alpha_dropout``;
    note torch's default ``training=False``)."""
    _check_p(p)
    return _impl(input, p, training, alpha=True, inplace=inplace)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Alpha dropout of whole channels (``torch.nn.functional.feature_alpha_dropout``)."""
    _check_p(p)
    return _impl(input, p, training, feature=True, alpha=True, inplace=inplace)


# torch's top-level (``_VF``) forms: torch.dropout(input, p, train) etc.
def _top(name, **kw):
    def fn(input, p, train):
        return _impl(input, p, train, **kw)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, p, train)``: see ``nn.functional``."
    return publish(fn, name)


_top("dropout")
_top("feature_dropout", feature=True)
_top("alpha_dropout", alpha=True)
_top("feature_alpha_dropout", feature=True, alpha=True)
