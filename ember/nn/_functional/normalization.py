"""nn.functional: batch/instance/layer/group/RMS normalization and local response norm.

The math is in ``ember/_ops/norm.py`` (fused primitives); this file is torch's Python front end:
argument order and defaults, the "more than 1 value per channel" checks and eps checks.
"""
from __future__ import annotations

from ..._ops import norm as _norm
from ..._ops.join import cat
from ..._size import Size
from ..._tensor import Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm"]


def _verify_batch_size(size) -> None:
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{size}")


def _verify_spatial_size(size) -> None:
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over the channel dim 1 (``torch.nn.functional.batch_norm``).

    Training uses the biased batch variance and updates ``running_var`` (in place) with the
    unbiased one; eval mode uses the running statistics.

    Example::

        >>> F.batch_norm(ember.randn(4, 3), None, None, training=True).shape
        torch.Size([4, 3])
    """
    if training:
        _verify_batch_size(Size(input.shape))
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _norm.batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
                            eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample (``torch.nn.functional.instance_norm``).

    Example::

        >>> F.instance_norm(ember.randn(2, 3, 5)).shape
        torch.Size([2, 3, 5])
    """
    if use_input_stats:
        _verify_spatial_size(Size(input.shape))
    return _norm.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                               momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing ``normalized_shape`` dims (``torch.nn.functional.layer_norm``).

    Example::

        >>> F.layer_norm(ember.randn(2, 5), (5,)).shape
        torch.Size([2, 5])
    """
    return _norm.layer_norm(input, normalized_shape, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization (``torch.nn.functional.rms_norm``); ``eps=None`` uses
    ``finfo(input.dtype).eps``.

    Example::

        >>> F.rms_norm(ember.ones(2, 3), (3,)).sum().item()
        6.0
    """
    return _norm.rms_norm(input, normalized_shape, weight, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize groups of channels per sample (``torch.nn.functional.group_norm``).

    Example::

        >>> F.group_norm(ember.randn(2, 4, 3), 2).shape
        torch.Size([2, 4, 3])
    """
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    _verify_batch_size([input.size(0) * input.size(1) // num_groups, num_groups]
                       + list(input.size()[2:]))
    return _norm.group_norm(input, num_groups, weight, bias, eps)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0):
    """Normalize each element by its neighbours across channels
    (``torch.nn.functional.local_response_norm``): ``x / (k + alpha * mean(x^2 over a window
    of `size` channels, zero-padded))**beta``.

    Example::

        >>> F.local_response_norm(ember.ones(1, 3, 2), 2).shape
        torch.Size([1, 3, 2])
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    N, C = input.shape[0], input.shape[1]
    sq = input.mul(input).reshape(N, C, -1)
    front, back = size // 2, (size - 1) // 2
    parts = []
    if front:
        parts.append(sq.new_zeros((N, front, sq.shape[2])))
    parts.append(sq)
    if back:
        parts.append(sq.new_zeros((N, back, sq.shape[2])))
    padded = cat(parts, 1) if len(parts) > 1 else sq
    win = padded.narrow(1, 0, C)
    for j in range(1, size):  # a loop over the (small) window
        win = win + padded.narrow(1, j, C)
    div = (win / size).reshape(input.shape)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div
