"""Activation primitives: relu/threshold/hardtanh, the ELU family, GELU, SiLU/Mish, softplus,
shrinkage, hard sigmoid/swish, log-sigmoid, and (log-)softmax along a dim.

Each is one elementwise primitive whose backward is torch's formula written in ember ops (so
double backward works); softmax and log-softmax are fused primitives (stable: the max is
subtracted first) with torch's ``SoftmaxBackward0``/``LogSoftmaxBackward0`` rules. Only the
names torch has at top level are exported (``ember.relu``, ``ember.softmax``, ...); the rest are
used by ``ember.nn.functional``.
"""
from __future__ import annotations

import math

from .._backend import fast, np as _np
from .._tensor import Tensor, _make
from ._common import to_dtype_arg, wrap_dim
from .elementwise import where
from .registry import ELEMENTWISE, FUNCTIONS, METHODS, OTHER, export, primitive
from ..autograd.grad_mode import STATE
from ._erf32 import gelu_f32
from .special import erf_kernel
from .unary import _not_impl

__all__ = ["relu", "threshold", "hardtanh", "leaky_relu", "elu", "selu", "celu", "gelu", "silu",
           "mish", "softplus", "softshrink", "hardshrink", "hardswish", "hardsigmoid",
           "logsigmoid", "softmax", "log_softmax", "prelu", "rrelu", "float_only"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_ONE_SIXTH_F32 = 0.1666666716337204  # torch's hardsigmoid backward uses float(1/6) for all dtypes


def float_only(x: Tensor, kernel: str) -> None:
    """torch's ``"<kernel>" not implemented for 'Long'`` for integer inputs."""
    if x._data.dtype.kind in "biu":
        raise _not_impl(kernel, x)


def _keep(mask: Tensor, g: Tensor) -> Tensor:
    """``g`` where ``mask`` else 0."""
    return where(mask, g, 0.0)


def _act(name, kernel, rule, *, node_name=None, saves=True, save_out=False):
    op = primitive(name, ELEMENTWISE, node_name=node_name, saves=saves, save_out=save_out)(kernel)
    op.defvjp(rule)
    return op


# -- relu / threshold / hardtanh / leaky_relu ----------------------------------------------------
_INT_OF = {2: "int16", 4: "int32", 8: "int64"}


@primitive("threshold_backward", OTHER, node_name="ThresholdBackwardBackward0")
def _thr_bwd(xp, g, x, threshold):
    """torch's ``threshold_backward``: ``0`` where ``x <= threshold`` else ``g`` (exactly: a
    nan/inf gradient is zeroed too), as a bit mask AND (no ``where``)."""
    if fast.ENABLED and g.shape == x.shape and fast.use(xp, g, x):
        from ._fast import activation as k
        return k.threshold_backward(g, x, threshold)
    if g.dtype != x.dtype or g.shape != x.shape or g.dtype.itemsize not in _INT_OF:
        return xp.where(x <= threshold, g.dtype.type(0), g)
    it = xp.dtype(_INT_OF[g.dtype.itemsize])
    out = xp.empty(g.size, g.dtype)
    ov = out.view(it)
    # (x <= t) - 1: 0 where masked, -1 (all bits set) where g passes
    le = xp.less_equal(x.reshape(-1), x.dtype.type(threshold))
    xp.subtract(le.view(xp.int8), it.type(1), out=ov)
    xp.bitwise_and(ov, g.reshape(-1).view(it), out=ov)
    return out.reshape(g.shape)


@_thr_bwd.defvjp
def _(gg, out, g, x, threshold):
    return _thr_bwd(gg, x, threshold=threshold), None


def _relu_kernel(xp, x):
    if fast.ENABLED and fast.use(xp, x):
        from ._fast import activation as k
        return k.relu(x)
    return xp.maximum(x, x.dtype.type(0))


_relu = _act("relu", _relu_kernel, lambda g, out, x: _thr_bwd(g, out, threshold=0.0),
             saves=False, save_out=True)


@export("relu", inplace="relu_", inplace_copies=False)
def relu(input):
    """``max(input, 0)``; integer tensors stay integer (``torch.relu``).

    Example::

        >>> ember.relu(ember.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    if input._data.dtype.kind == "b":
        raise _not_impl("clamp_min_scalar_cpu", input)
    return _relu(input)


def _threshold_kernel(xp, x, threshold, value):
    return xp.where(x <= threshold, x.dtype.type(value), x)


_threshold = _act("threshold", _threshold_kernel,
                  lambda g, out, x, threshold, value: _thr_bwd(g, x, threshold=threshold))


@export("threshold", method=False)
def threshold(input, threshold, value):
    """``value`` where ``input <= threshold`` else ``input`` (``torch.threshold``)."""
    return _threshold(input, threshold=threshold, value=value)


def _hardtanh_kernel(xp, x, min_val, max_val):
    t = x.dtype.type
    return xp.minimum(xp.maximum(x, t(min_val)), t(max_val))


_hardtanh = _act("hardtanh", _hardtanh_kernel,
                 lambda g, out, x, min_val, max_val: _keep((x > min_val) & (x < max_val), g))


def hardtanh(input, min_val=-1.0, max_val=1.0):
    """``clamp(input, min_val, max_val)`` with torch's zero gradient at the bounds."""
    if input._data.dtype.kind == "b":
        raise _not_impl("hardtanh_cpu", input)
    return _hardtanh(input, min_val=min_val, max_val=max_val)


def _leaky_kernel(xp, x, slope):
    return xp.where(x > 0, x, x * x.dtype.type(slope))


_leaky = _act("leaky_relu", _leaky_kernel,
              lambda g, out, x, slope: where(x > 0, g, g * slope))


def leaky_relu(input, negative_slope=0.01):
    """``input`` if positive else ``negative_slope * input``."""
    float_only(input, "leaky_relu_cpu")
    return _leaky(input, slope=float(negative_slope))


# -- ELU family ----------------------------------------------------------------------------------
def _elu_kernel(xp, x, alpha, scale, input_scale):
    t = x.dtype.type
    with xp.errstate(over="ignore"):
        neg = xp.expm1(xp.minimum(x, t(0)) * t(input_scale)) * t(alpha * scale)
    return xp.where(x <= 0, neg, x * t(scale))


def _elu_vjp(g, out, x, alpha, scale, input_scale):
    neg = g * ((x.clamp_max(0) * input_scale).exp() * (input_scale * alpha * scale))
    return where(x <= 0, neg, g * scale)


_elu = _act("elu", _elu_kernel, _elu_vjp)


def elu(input, alpha=1.0, scale=1.0, input_scale=1.0):
    """``scale * x`` for ``x > 0`` else ``scale * alpha * (exp(input_scale * x) - 1)``."""
    float_only(input, "elu_cpu")
    return _elu(input, alpha=float(alpha), scale=float(scale), input_scale=float(input_scale))


@export("selu", method=False)
def selu(input):
    """Scaled ELU with torch's constants (``torch.selu``)."""
    return elu(input, SELU_ALPHA, SELU_SCALE, 1.0)


@export("celu", method=False)
def celu(input, alpha=1.0):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` (``torch.celu``)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return elu(input, alpha, 1.0, 1.0 / alpha)


# -- GELU ----------------------------------------------------------------------------------------
def _gelu_kernel(xp, x, approximate, grad):
    """``(gelu(x), d gelu / dx)``; the derivative only when ``grad`` (else an empty array).

    The erf form saves its derivative ``Phi(x) + x phi(x)`` from the forward pass, so the
    first-order backward is one multiply. float32 runs the float32 kernel (``_erf32``); other
    dtypes compute in float64 and round once.
    """
    if fast.ENABLED and fast.use(xp, x) and (approximate == "none" or x.dtype == xp.float32):
        from ._fast import gelu as k
        if approximate == "tanh":
            return k.gelu_tanh(x), xp.empty(0, x.dtype)
        out, d = k.gelu(x, grad)
        return out, (d if grad else xp.empty(0, x.dtype))
    t = x.dtype.type
    if approximate == "tanh":
        inner = t(_SQRT_2_OVER_PI) * (x + t(0.044715) * x * x * x)
        return t(0.5) * x * (t(1) + xp.tanh(inner)), xp.empty(0, x.dtype)
    if x.dtype == xp.float32:
        out, d = gelu_f32(x, grad)
        return out, (d if grad else xp.empty(0, x.dtype))
    x64 = x.astype(xp.float64)
    cdf = 0.5 * (1.0 + erf_kernel(x64 * _SQRT1_2))
    out = (x64 * cdf).astype(x.dtype, copy=False)
    if not grad:
        return out, xp.empty(0, x.dtype)
    with xp.errstate(invalid="ignore"):
        d = cdf + x64 * xp.exp(-0.5 * x64 * x64) * _INV_SQRT_2PI
    return out, d.astype(x.dtype, copy=False)


def _gelu_vjp(g, out, x, approximate, grad):
    g = g[0]
    if not STATE.enabled and grad and approximate == "none":
        return g * out[1]  # the derivative saved by the forward pass
    if approximate == "tanh":
        if not STATE.enabled and fast.ENABLED and fast.use(_np, g._data, x._data) \
                and x._data.dtype == _np.float32:
            from ._fast import gelu as k
            return _make(k.gelu_tanh_backward(g._data, x._data))
        x2 = x * x
        inner = (x + x2 * x * 0.044715) * _SQRT_2_OVER_PI
        th = inner.tanh()
        left = (th + 1) * 0.5
        right = x * (1 - th * th) * ((x2 * (3 * 0.044715) + 1) * (0.5 * _SQRT_2_OVER_PI))
        return g * (left + right)
    cdf = ((x * _SQRT1_2).erf() + 1) * 0.5
    pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


_gelu = primitive("gelu", OTHER, node_name="GeluBackward0", nout=2, save_out=True,
                  diff_outputs=(True, False))(_gelu_kernel)
_gelu.defvjp(_gelu_vjp)


def gelu(input, approximate="none"):
    """``x * Phi(x)`` (erf form) or torch's tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    float_only(input, "GeluKernelImpl")
    grad = approximate == "none" and STATE.enabled and input._requires_grad
    return _gelu(input, approximate=approximate, grad=grad)[0]


# -- SiLU / Mish / softplus / log-sigmoid --------------------------------------------------------
def _silu_kernel(xp, x):
    with xp.errstate(over="ignore"):
        return x / (x.dtype.type(1) + xp.exp(-x))


def _silu_vjp(g, out, x):
    s = x.sigmoid()
    return g * (s * (x * (1 - s) + 1))


_silu = _act("silu", _silu_kernel, _silu_vjp)


def silu(input):
    """``x * sigmoid(x)``."""
    float_only(input, "silu_cpu")
    return _silu(input)


def _mish_kernel(xp, x):
    return x * xp.tanh(xp.logaddexp(x.dtype.type(0), x))


def _mish_vjp(g, out, x):
    s = x.sigmoid()
    t = _softplus(x, beta=1.0, threshold=20.0).tanh()
    return g * (t + x * s * (1 - t * t))


_mish = _act("mish", _mish_kernel, _mish_vjp)


def mish(input):
    """``x * tanh(softplus(x))``."""
    float_only(input, "mish_cpu")
    return _mish(input)


def _softplus_kernel(xp, x, beta, threshold):
    t = x.dtype.type
    xb = x * t(beta)
    with xp.errstate(over="ignore"):
        soft = xp.log1p(xp.exp(xb)) / t(beta)
    return xp.where(xb > threshold, x, soft)


def _softplus_vjp(g, out, x, beta, threshold):
    xb = x * beta
    return where(xb > threshold, g, g * xb.sigmoid())


_softplus = _act("softplus", _softplus_kernel, _softplus_vjp)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` (torch's rule)."""
    float_only(input, "softplus_cpu")
    return _softplus(input, beta=float(beta), threshold=float(threshold))


def _logsigmoid_kernel(xp, x):
    t = x.dtype.type
    return xp.minimum(x, t(0)) - xp.log1p(xp.exp(-xp.abs(x)))


_logsigmoid = _act("log_sigmoid", _logsigmoid_kernel,
                   lambda g, out, x: g * (-x).sigmoid(), node_name="LogSigmoidBackward0")


def logsigmoid(input):
    """``log(sigmoid(x))``, stable for large ``|x|``."""
    float_only(input, "log_sigmoid_cpu")
    return _logsigmoid(input)


# -- shrinkage / hard sigmoid / hard swish -------------------------------------------------------
def _softshrink_kernel(xp, x, lambd):
    t = x.dtype.type
    return xp.where(x > lambd, x - t(lambd), xp.where(x < -lambd, x + t(lambd), t(0)))


_softshrink = _act("softshrink", _softshrink_kernel,
                   lambda g, out, x, lambd: _keep((x < -lambd) | (x > lambd), g))


def softshrink(input, lambd=0.5):
    """``x - lambd`` / ``x + lambd`` outside ``[-lambd, lambd]``, else 0."""
    float_only(input, "softshrink_check")
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _softshrink(input, lambd=float(lambd))


def _hardshrink_kernel(xp, x, lambd):
    return xp.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x)


_hardshrink = _act("hardshrink", _hardshrink_kernel,
                   lambda g, out, x, lambd: _keep((x < -lambd) | (x > lambd), g))


@export("hardshrink")
def hardshrink(input, lambd=0.5):
    """``x`` outside ``[-lambd, lambd]``, else 0 (``torch.hardshrink``)."""
    float_only(input, "hardshrink_cpu")
    return _hardshrink(input, lambd=float(lambd))


def _hardsigmoid_kernel(xp, x):
    t = x.dtype.type
    return xp.minimum(xp.maximum(x + t(3), t(0)), t(6)) / t(6)


_hardsigmoid = _act("hardsigmoid", _hardsigmoid_kernel,
                    lambda g, out, x: _keep((x > -3) & (x < 3), g * _ONE_SIXTH_F32))


def hardsigmoid(input):
    """``relu6(x + 3) / 6``."""
    float_only(input, "hardsigmoid_cpu")
    return _hardsigmoid(input)


def _hardswish_kernel(xp, x):
    return x * _hardsigmoid_kernel(xp, x)


def _hardswish_vjp(g, out, x):
    return where(x < -3, 0.0, where(x <= 3, g * (x / 3 + 0.5), g))


_hardswish = _act("hardswish", _hardswish_kernel, _hardswish_vjp)


def hardswish(input):
    """``x * relu6(x + 3) / 6``."""
    float_only(input, "hardswish_cpu")
    return _hardswish(input)


# -- prelu / rrelu -------------------------------------------------------------------------------
@export("prelu")
def prelu(input, weight):
    """``x`` if positive else ``weight * x``; ``weight`` runs along dim 1 (``torch.prelu``)."""
    float_only(input, "prelu_cpu")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    n = weight.numel()
    c = input.shape[1] if input.dim() >= 2 else 1
    if n != 1 and n != c:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {c}.")
    if n != 1:
        w = weight.reshape((c,) + (1,) * (input.dim() - 2))
    else:
        w = weight.reshape(())
    return where(input > 0, input, w * input)


@export("rrelu", method=False)
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Randomized leaky ReLU (``torch.rrelu``): in training each non-positive element is scaled
    by its own ``U(lower, upper)`` draw — torch's CPU stream, one double per such element in
    memory order — else by ``(lower + upper) / 2``."""
    float_only(input, "rrelu_with_noise_out_cpu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    from .._backend import CPU
    from .._tensor import _make
    from ..random import resolve
    xp = CPU.xp
    data = input._data
    neg = data <= 0
    k = int(neg.sum())
    noise = xp.ones(data.shape, data.dtype)
    if k:
        # torch casts the bounds to the input dtype, draws a double in them, casts the draw
        lo, hi = float(data.dtype.type(lower)), float(data.dtype.type(upper))
        noise[neg] = resolve(generator).uniform(k, lo, hi, xp.float64).astype(data.dtype)
    return input * _make(noise)


# -- softmax / log_softmax -----------------------------------------------------------------------
@primitive("softmax", OTHER, node_name="SoftmaxBackward0", saves=False, save_out=True)
def _softmax(xp, x, dim):
    if x.size == 0:
        return x.copy()
    out = x - x.max(axis=dim, keepdims=True)
    xp.exp(out, out=out)
    out /= out.sum(axis=dim, keepdims=True)
    return out


@_softmax.defvjp
def _(g, out, x, dim):
    if not STATE.enabled:  # first order: one fused kernel
        return _softmax_bwd(g, out, dim=dim)
    return out * (g - (g * out).sum(dim, keepdim=True))


@primitive("softmax_backward_data", OTHER, saves=False)
def _softmax_bwd(xp, g, out, dim):
    """``out * (g - sum(g * out, dim))`` with one temporary."""
    t = g * out
    s = t.sum(axis=dim, keepdims=True)
    xp.subtract(g, s, out=t)
    t *= out
    return t


@primitive("log_softmax", OTHER, node_name="LogSoftmaxBackward0", saves=False, save_out=True)
def _log_softmax(xp, x, dim):
    if x.size == 0:
        return x.copy()
    out = x - x.max(axis=dim, keepdims=True)
    with xp.errstate(invalid="ignore"):
        lse = xp.log(xp.exp(out).sum(axis=dim, keepdims=True))
    out -= lse
    return out


@_log_softmax.defvjp
def _(g, out, x, dim):
    if not STATE.enabled:
        return _log_softmax_bwd(g, out, dim=dim)
    return g - out.exp() * g.sum(dim, keepdim=True)


@primitive("log_softmax_backward_data", OTHER, saves=False)
def _log_softmax_bwd(xp, g, out, dim):
    """``g - exp(out) * sum(g, dim)`` with one temporary."""
    t = xp.exp(out)
    t *= g.sum(axis=dim, keepdims=True)
    xp.subtract(g, t, out=t)
    return t


def _softmax_front(op, kernel, input, dim, dtype):
    if dtype is not None:
        input = input.to(to_dtype_arg(dtype))
    if input._data.dtype.kind not in "fV":
        if input._data.size == 0:
            return input.clone()
        raise _not_impl(kernel, input)
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    if nd == 0:
        return op(input.reshape(1), dim=0).reshape(())
    return op(input, dim=d)


@export("softmax")
def softmax(input, dim, dtype=None, *, _stacklevel=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (stable; ``torch.softmax``).

    Example::

        >>> ember.softmax(ember.tensor([0.0, 0.0]), 0)
        tensor([0.5000, 0.5000])
    """
    return _softmax_front(_softmax, "softmax_lastdim_kernel_impl", input, dim, dtype)


@export("log_softmax")
def log_softmax(input, dim, dtype=None):
    """``x - logsumexp(x)`` along ``dim`` (stable; ``torch.log_softmax``)."""
    return _softmax_front(_log_softmax, "log_softmax_lastdim_kernel_impl", input, dim, dtype)


# -- in-place twins torch has at top level -------------------------------------------------------
def _inplace_function(name, fn):
    from .registry import make_inplace
    ip = make_inplace(fn, name)
    FUNCTIONS[name] = ip
    return ip


relu_ = METHODS["relu_"]
FUNCTIONS["relu_"] = relu_
selu_ = _inplace_function("selu_", selu)
celu_ = _inplace_function("celu_", celu)
threshold_ = _inplace_function("threshold_", threshold)
rrelu_ = _inplace_function("rrelu_", rrelu)

