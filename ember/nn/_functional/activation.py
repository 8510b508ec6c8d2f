"""nn.functional: activations, the softmax family, normalize and one_hot.

The math lives in ``ember/_ops/activation.py`` (primitives with fused backward); this file is
torch's Python front end: argument names and defaults, ``inplace=``, ``_get_softmax_dim``'s
deprecation warning, ``gumbel_softmax``'s draws.
"""
from __future__ import annotations

import warnings

from ... import _dtype
from ..._ops import activation as _act
from ..._ops._common import wrap_dim
from ..._ops.registry import make_inplace
from ..._ops.loss import clamp_min_st as _clamp_min_st

__all__ = ["threshold", "threshold_", "relu", "relu_", "glu", "hardtanh", "hardtanh_", "relu6",
           "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_",
           "prelu", "rrelu", "rrelu_", "logsigmoid", "gelu", "hardshrink", "tanhshrink",
           "softsign", "softplus", "softmin", "softmax", "gumbel_softmax", "log_softmax",
           "softshrink", "tanh", "sigmoid", "hardsigmoid", "silu", "mish", "hardswish",
           "normalize", "one_hot", "pairwise_distance", "cosine_similarity", "pdist"]


def _ip(fn, name):
    return make_inplace(fn, name)


_relu_ip = _ip(_act.relu, "relu_")
_threshold_ip = _ip(_act.threshold, "threshold_")
_hardtanh_ip = _ip(_act.hardtanh, "hardtanh_")
_elu_ip = _ip(_act.elu, "elu_")
_leaky_ip = _ip(_act.leaky_relu, "leaky_relu_")
_rrelu_ip = _ip(_act.rrelu, "rrelu_")
_hardsigmoid_ip = _ip(_act.hardsigmoid, "hardsigmoid_")
_hardswish_ip = _ip(_act.hardswish, "hardswish_")
_silu_ip = _ip(_act.silu, "silu_")
_mish_ip = _ip(_act.mish, "mish_")


def threshold(input, threshold, value, inplace=False):
    """``value`` where ``input <= threshold`` else ``input``."""
    if inplace:
        return _threshold_ip(input, threshold, value)
    return _act.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return _threshold_ip(input, threshold, value)


def relu(input, inplace=False):
    """``max(input, 0)``.

    Example::

        >>> F.relu(ember.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return _relu_ip(input) if inplace else _act.relu(input)


def relu_(input):
    """In-place :func:`relu`."""
    return _relu_ip(input)


def glu(input, dim=-1):
    """``a * sigmoid(b)`` with ``input`` split in half along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    _act.float_only(input, "glu_cpu")
    d = wrap_dim(dim, input.dim())
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.split(n // 2, d)
    return a * b.sigmoid()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clamp(input, min_val, max_val)`` (zero gradient at the bounds, like torch)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _hardtanh_ip(input, min_val, max_val)
    return _act.hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    """``x`` if positive else ``alpha * (exp(x) - 1)``."""
    return _elu_ip(input, alpha) if inplace else _act.elu(input, alpha)


def elu_(input, alpha=1.0):
    """In-place :func:`elu`."""
    return _elu_ip(input, alpha)


def selu(input, inplace=False):
    """Scaled ELU (torch's alpha and scale)."""
    return _act.selu_(input) if inplace else _act.selu(input)


def selu_(input):
    """In-place :func:`selu`."""
    return _act.selu_(input)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _act.celu_(input, alpha) if inplace else _act.celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return _act.celu_(input, alpha)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` if positive else ``negative_slope * x``."""
    if inplace:
        return _leaky_ip(input, negative_slope)
    return _act.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place :func:`leaky_relu`."""
    return _leaky_ip(input, negative_slope)


def prelu(input, weight):
    """``x`` if positive else ``weight * x`` (``weight`` along dim 1)."""
    return _act.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU; training draws torch's CPU noise stream."""
    if inplace:
        return _rrelu_ip(input, lower, upper, training)
    return _act.rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place :func:`rrelu`."""
    return _rrelu_ip(input, lower, upper, training)


def logsigmoid(input):
    """``log(sigmoid(x))`` (stable)."""
    return _act.logsigmoid(input)


def gelu(input, approximate="none"):
    """``x * Phi(x)``; ``approximate='tanh'`` for torch's tanh form."""
    return _act.gelu(input, approximate=approximate)


def hardshrink(input, lambd=0.5):
    """``x`` outside ``[-lambd, lambd]`` else 0."""
    return _act.hardshrink(input, lambd)


def tanhshrink(input):
    """``x - tanh(x)``."""
    return input - input.tanh()


def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta`` (linear above ``threshold``)."""
    return _act.softplus(input, beta, threshold)


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """torch's implicit-dim rule (0 for 0-, 1- and 3-d inputs, else 1), with its warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)``."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return _act.softmax(-input, dim, dtype)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (stable).

    Example::

        >>> F.softmax(ember.tensor([1.0, 1.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return _act.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _act.log_softmax(input, dim, dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Gumbel-softmax samples; noise drawn as torch does (``-empty_like.exponential_().log()``)
    so a seeded run reproduces torch's."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from ... import empty_like
    gumbels = -empty_like(logits).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = _act.softmax(gumbels, dim)
    if not hard:
        return y_soft
    from ..._backend import CPU
    from ..._tensor import _make
    xp = CPU.xp
    soft = y_soft._data
    if soft.ndim == 0:
        hard_arr = xp.ones_like(soft)
    else:
        d = wrap_dim(dim, soft.ndim)
        hard_arr = xp.zeros_like(soft)
        xp.put_along_axis(hard_arr, xp.expand_dims(xp.argmax(soft, axis=d), d), 1, axis=d)
    y_hard = _make(hard_arr)
    return y_hard - y_soft.detach() + y_soft


def softshrink(input, lambd=0.5):
    """``x -+ lambd`` outside ``[-lambd, lambd]`` else 0."""
    return _act.softshrink(input, lambd)


def tanh(input):
    """``torch.tanh``."""
    return input.tanh()


def sigmoid(input):
    """``torch.sigmoid``."""
    return input.sigmoid()


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    return _hardsigmoid_ip(input) if inplace else _act.hardsigmoid(input)


def silu(input, inplace=False):
    """``x * sigmoid(x)``."""
    return _silu_ip(input) if inplace else _act.silu(input)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _mish_ip(input) if inplace else _act.mish(input)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    return _hardswish_ip(input) if inplace else _act.hardswish(input)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    res = input / denom
    if out is not None:
        out.copy_(res)
        return out
    return res


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with a new last dim of ``num_classes`` (inferred if -1)."""
    from ..._backend import CPU
    from ..._tensor import _make
    xp = CPU.xp
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size:
        if data.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if data.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(data.shape + (num_classes,), xp.int64)
    if data.size:
        xp.put_along_axis(out, data[..., None], 1, axis=-1)
    return _make(out)


# -- distances (used by the triplet losses) ----------------------------------------------------
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim."""
    nd = max(x1.dim(), x2.dim())
    d = x1 - x2 + eps
    if nd == 0:
        return d.abs()
    return d.norm(p, nd - 1, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim`` (norms clamped in value
    only, as torch does)."""
    from ... import broadcast_tensors
    a, b = broadcast_tensors(x1, x2)
    if not a.dtype.is_floating_point:
        a, b = a.to(_dtype.get_default_dtype()), b.to(_dtype.get_default_dtype())
    n1 = _clamp_min_st(a.norm(2, dim, keepdim=True), eps)
    n2 = _clamp_min_st(b.norm(2, dim, keepdim=True), eps)
    return ((a / n1) * (b / n2)).sum(dim)


def pdist(input, p=2):
    """Distances between all row pairs ``i < j`` of an ``(N, M)`` input, row-major."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    from ..._backend import CPU
    from ..._tensor import _make
    i, j = CPU.xp.triu_indices(input.shape[0], 1)
    return (input[_make(i)] - input[_make(j)]).norm(p, 1)
