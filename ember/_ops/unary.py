"""Unary pointwise math: abs/sign, exp/log, powers, trig and hyperbolic, sigmoid/logit, rounding.

Every op is one elementwise primitive (kernel + vjp) published as ``ember.<name>``,
``Tensor.<name>`` and ``Tensor.<name>_``. Float-valued functions promote integer and bool inputs
to the default float dtype (``torch.exp(int tensor)`` is float32); ``abs``, ``sign``/``sgn``,
``floor``/``ceil``/``round``/``trunc`` keep integer dtypes, as torch does. The special functions
(erf, lgamma, ...) live in ``special.py`` (imported from here). The two-argument float math
(hypot, atan2, copysign, xlogy, float_power, lerp, addcmul, addcdiv, logaddexp) closes the file.
"""
from __future__ import annotations

import math

from .. import _dtype
from .._tensor import Tensor
from ._common import broadcast_shape, result_type, wrap
from .elementwise import binary, where
from .registry import ELEMENTWISE, apply, export, method, primitive
from .special import float_in, write_out
from . import special  # noqa: F401  (registers erf, lgamma, ...)

__all__ = ["abs", "sign", "sgn", "signbit", "exp", "log", "sqrt", "sin", "cos", "tanh",
           "sigmoid", "logit", "floor", "ceil", "round", "trunc", "frac", "positive",
           "nan_to_num", "square"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _not_impl(kernel: str, x: Tensor):
    """torch's error for a dtype a kernel does not support (``"abs_cpu" not implemented ...``)."""
    from .registry import _NAMES
    name = _NAMES.get(x._data.dtype.name, x._data.dtype.name)
    return NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _define(name, kernel, rule, *, aliases=(), save_out=False, saves=True, doc="",
            node_name=None, inplace=True):
    """A float-valued unary op: primitive, vjp, public function, method and in-place twin."""
    op = primitive(name, ELEMENTWISE, save_out=save_out, saves=saves, node_name=node_name)(kernel)
    op.defvjp(rule)

    def fn(input, *, out=None):
        if out is None and input._data.dtype.kind not in "biu":  # float_in and write_out no-ops
            return apply(op, input)
        return write_out(op(float_in(input)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise ``{name}`` (``torch.{name}``); integer inputs give the " \
                        f"default float dtype."
    for n in (name,) + tuple(aliases):
        export(n, inplace=n + "_" if inplace else None, inplace_copies=saves)(fn)
    return fn


# -- exp / log ---------------------------------------------------------------------------------
exp = _define("exp", lambda xp, x: xp.exp(x), lambda g, out, x: g * out, saves=False,
              save_out=True, doc="""``e ** input``.

    Example::

        >>> ember.exp(ember.tensor([0, 1]))
        tensor([1.0000, 2.7183])
    """)
exp2 = _define("exp2", lambda xp, x: xp.exp2(x), lambda g, out, x: g * out * _LN2, saves=False,
               save_out=True)
expm1 = _define("expm1", lambda xp, x: xp.expm1(x), lambda g, out, x: g * (out + 1),
                saves=False, save_out=True)
log = _define("log", lambda xp, x: xp.log(x), lambda g, out, x: g / x)
log2 = _define("log2", lambda xp, x: xp.log2(x), lambda g, out, x: g / (x * _LN2))
log10 = _define("log10", lambda xp, x: xp.log10(x), lambda g, out, x: g / (x * _LN10))
log1p = _define("log1p", lambda xp, x: xp.log1p(x), lambda g, out, x: g / (x + 1),
                node_name="Log1PBackward0")

# -- powers ------------------------------------------------------------------------------------
sqrt = _define("sqrt", lambda xp, x: xp.sqrt(x), lambda g, out, x: g / (2 * out), saves=False,
               save_out=True)
rsqrt = _define("rsqrt", lambda xp, x: xp.reciprocal(xp.sqrt(x)),
                lambda g, out, x: -0.5 * g * (out * out * out), saves=False, save_out=True)
reciprocal = _define("reciprocal", lambda xp, x: xp.reciprocal(x),
                     lambda g, out, x: -g * (out * out), saves=False, save_out=True)


@export("square", inplace="square_")
def square(input, *, out=None):
    """``input * input`` (torch's ``pow(input, 2)``: ints stay ints, bool gives int64)."""
    return write_out(input.pow(2), out)


# -- trig and hyperbolic -----------------------------------------------------------------------
sin = _define("sin", lambda xp, x: xp.sin(x), lambda g, out, x: g * x.cos())
cos = _define("cos", lambda xp, x: xp.cos(x), lambda g, out, x: -g * x.sin())
tan = _define("tan", lambda xp, x: xp.tan(x), lambda g, out, x: g * (1 + out * out),
              saves=False, save_out=True)
asin = _define("asin", lambda xp, x: xp.arcsin(x), lambda g, out, x: g * (1 - x * x).rsqrt(),
               aliases=("arcsin",))
acos = _define("acos", lambda xp, x: xp.arccos(x), lambda g, out, x: -g * (1 - x * x).rsqrt(),
               aliases=("arccos",))
atan = _define("atan", lambda xp, x: xp.arctan(x), lambda g, out, x: g / (1 + x * x),
               aliases=("arctan",))
sinh = _define("sinh", lambda xp, x: xp.sinh(x), lambda g, out, x: g * x.cosh())
cosh = _define("cosh", lambda xp, x: xp.cosh(x), lambda g, out, x: g * x.sinh())
tanh = _define("tanh", lambda xp, x: xp.tanh(x), lambda g, out, x: _tanh_backward(g, out),
               saves=False, save_out=True)
asinh = _define("asinh", lambda xp, x: xp.arcsinh(x), lambda g, out, x: g * (x * x + 1).rsqrt(),
                aliases=("arcsinh",))
acosh = _define("acosh", lambda xp, x: xp.arccosh(x), lambda g, out, x: g * (x * x - 1).rsqrt(),
                aliases=("arccosh",))
atanh = _define("atanh", lambda xp, x: xp.arctanh(x), lambda g, out, x: g / (1 - x * x),
                aliases=("arctanh",))
deg2rad = _define("deg2rad", lambda xp, x: x * x.dtype.type(math.pi / 180),
                  lambda g, out, x: g * (math.pi / 180), saves=False,
                  node_name="Deg2RadBackward0")
rad2deg = _define("rad2deg", lambda xp, x: x * x.dtype.type(180 / math.pi),
                  lambda g, out, x: g * (180 / math.pi), saves=False,
                  node_name="Rad2DegBackward0")


# fused backward kernels (torch's tanh_backward / sigmoid_backward): one node instead of three
@primitive("tanh_backward", ELEMENTWISE, node_name="TanhBackwardBackward0")
def _tanh_backward(xp, g, y):
    if y.ndim == 0 or g.shape != y.shape:
        return g * (y.dtype.type(1) - y * y)
    t = xp.multiply(y, y)
    xp.subtract(t.dtype.type(1), t, out=t)
    return xp.multiply(g, t, out=t)


@_tanh_backward.defvjp
def _(gg, out, g, y):
    return (_tanh_backward(gg, y) if g._requires_grad else None,
            gg * g * y * -2 if y._requires_grad else None)


@primitive("sigmoid_backward", ELEMENTWISE, node_name="SigmoidBackwardBackward0")
def _sigmoid_backward(xp, g, y):
    if y.ndim == 0 or g.shape != y.shape:
        return g * (y.dtype.type(1) - y) * y
    t = xp.subtract(y.dtype.type(1), y)  # torch's order: (g * (1 - y)) * y
    xp.multiply(g, t, out=t)
    return xp.multiply(t, y, out=t)


@_sigmoid_backward.defvjp
def _(gg, out, g, y):
    return (_sigmoid_backward(gg, y) if g._requires_grad else None,
            gg * g * (1 - 2 * y) if y._requires_grad else None)


# -- sigmoid / logit ---------------------------------------------------------------------------
def _sigmoid_kernel(xp, x):
    """``1 / (1 + exp(-x))`` (exp overflow gives exactly 0, as torch); halves compute in float32."""
    half = x.dtype.itemsize == 2 and x.dtype.kind in "fV"
    z = x.astype(xp.float32) if half else x
    e = xp.exp(xp.negative(z))
    if e.ndim:
        e += e.dtype.type(1)
        xp.reciprocal(e, out=e)
    else:
        e = xp.reciprocal(e + e.dtype.type(1))
    return e.astype(x.dtype) if half else e


sigmoid = _define("sigmoid", _sigmoid_kernel, lambda g, out, x: _sigmoid_backward(g, out),
                  saves=False, save_out=True, doc="""``1 / (1 + exp(-input))``.

    Example::

        >>> ember.sigmoid(ember.tensor([0.0]))
        tensor([0.5000])
    """)


@primitive("logit", ELEMENTWISE)
def _logit(xp, x, eps):
    with xp.errstate(divide="ignore", invalid="ignore"):
        if eps is not None:
            x = xp.clip(x, x.dtype.type(eps), x.dtype.type(1 - eps))
        return xp.log(x / (1 - x))


@_logit.defvjp
def _(g, out, x, eps):
    d = g / (x * (1 - x))
    if eps is None:
        return d.where((x >= 0) & (x <= 1), math.nan)
    return d.where((x >= eps) & (x <= 1 - eps), 0.0)


@export("logit", inplace="logit_")
def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    return write_out(_logit(float_in(input), eps=None if eps is None else float(eps)), out)


# -- abs / sign (integer dtypes kept) ----------------------------------------------------------
@primitive("abs", ELEMENTWISE)
def _abs(xp, x):
    return xp.abs(x)


@_abs.defvjp
def _(g, out, x):
    return g * x.sgn()


@export("abs", "absolute", inplace="abs_")
def abs(input, *, out=None):
    """``|input|``; integer dtypes are kept (bool is rejected, like torch)."""
    if input._data.dtype == bool:
        raise _not_impl("abs_cpu", input)
    return write_out(_abs(input), out)


export("absolute", function=False, inplace="absolute_")(abs)
method("__abs__")(abs)


@primitive("sign", ELEMENTWISE, saves=False)
def _sign(xp, x):
    if x.dtype.kind in "fc":  # torch: sign(nan) is 0
        s = xp.asarray(xp.sign(x))
        s[xp.isnan(s)] = 0
        return s
    return x.copy() if x.dtype == bool else xp.sign(x)


@_sign.defvjp
def _(g, out, x):
    return g * 0


@export("sign", inplace="sign_")
def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of ``input`` (0 for 0, -0 and nan, like torch; dtype kept)."""
    return write_out(_sign(input), out)


@export("sgn", inplace="sgn_")
def sgn(input, *, out=None):
    """``sign`` for real tensors (torch's complex-aware sign)."""
    return write_out(_sign(input), out)


@export("signbit")
def signbit(input, *, out=None):
    """Whether the sign bit is set (True for -0.0 and negative nan); bool, not differentiable."""
    d = input._data
    from .._tensor import _make
    if d.dtype.kind == "f":
        res = _make(special._xp.signbit(d))
    elif d.dtype.kind == "i":
        res = _make(d < 0)
    else:
        res = _make(special._xp.zeros(d.shape, bool))
    return write_out(res, out)


@export("positive")
def positive(input):
    """Returns ``input`` itself (torch's ``+x``); bool tensors are rejected."""
    if input._data.dtype == bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


method("__pos__")(positive)


# -- rounding ----------------------------------------------------------------------------------
def _round_kernel(xp, x, decimals):
    if x.dtype.kind in "iu":
        return x.copy()
    if decimals == 0:
        return xp.rint(x)
    ten = x.dtype.type(10.0 ** builtins_abs(decimals))
    return xp.rint(x * ten) / ten if decimals > 0 else xp.rint(x / ten) * ten


def builtins_abs(v):
    return v if v >= 0 else -v


def _zero_rule(g, out, *inputs, **attrs):
    return g * 0


def _rounding(name, kernel, aliases=()):
    op = primitive(name, ELEMENTWISE, saves=False)(kernel)
    op.defvjp(_zero_rule)

    def fn(input, *, out=None):
        if input._data.dtype == bool:
            raise _not_impl(f"{name}_vml_cpu", input)
        return write_out(op(input), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}`` of each element (integer dtypes are returned unchanged)."
    for n in (name,) + tuple(aliases):
        export(n, inplace=n + "_", inplace_copies=False)(fn)
    return fn


def _int_or(f):
    return lambda xp, x: x.copy() if x.dtype.kind in "iu" else f(xp, x)


floor = _rounding("floor", _int_or(lambda xp, x: xp.floor(x)))
ceil = _rounding("ceil", _int_or(lambda xp, x: xp.ceil(x)))
trunc = _rounding("trunc", _int_or(lambda xp, x: xp.trunc(x)), aliases=("fix",))
_round = primitive("round", ELEMENTWISE, saves=False)(_round_kernel)
_round.defvjp(_zero_rule)


@export("round", inplace="round_", inplace_copies=False)
def round(input, *, decimals=0, out=None):
    """Round half to even; ``decimals`` rounds ``input * 10**decimals`` (torch's formula).

    Example::

        >>> ember.round(ember.tensor([0.5, 1.5, 2.675]), decimals=0)
        tensor([0., 2., 3.])
    """
    if input._data.dtype == bool:
        raise _not_impl("round_vml_cpu", input)
    if decimals and input._data.dtype.kind in "iu":
        raise _not_impl("round_cpu", input)
    return write_out(_round(input, decimals=int(decimals)), out)


@primitive("frac", ELEMENTWISE, saves=False)
def _frac(xp, x):
    return x - xp.trunc(x)


@_frac.defvjp
def _(g, out, x):
    return g


@export("frac", inplace="frac_", inplace_copies=False)
def frac(input, *, out=None):
    """``input - trunc(input)`` (float dtypes only, like torch)."""
    if input._data.dtype.kind in "biu":
        raise _not_impl("frac_cpu", input)
    return write_out(_frac(input), out)


# -- nan_to_num --------------------------------------------------------------------------------
@primitive("nan_to_num", ELEMENTWISE)
def _nan_to_num(xp, x, nan, posinf, neginf):
    if x.dtype.kind not in "fc":
        return x.copy()
    return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@_nan_to_num.defvjp
def _(g, out, x, nan, posinf, neginf):
    return g * x.isfinite()


@export("nan_to_num", inplace="nan_to_num_")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace nan, +inf and -inf (defaults: 0 and the dtype's largest/lowest finite values)."""
    return write_out(_nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf), out)


# -- two-argument float math -------------------------------------------------------------------
def _float_pair(name, a, b, kernel_name, scalars=True):
    """Check torch's argument rules, promote to a float dtype; returns (dt, ta, tb)."""
    if not scalars and not isinstance(b, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(b).__name__}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{name}(): expected at least one Tensor argument")
    dt = result_type(a, b)
    if not dt.is_floating_point:
        if kernel_name:
            x = a if isinstance(a, Tensor) else b
            raise _not_impl(kernel_name, wrap(x, dt))
        dt = _dtype.get_default_dtype()
    return dt


def _binary_float(name, kernel, rule, *, scalars=True, kernel_name=None, save_out=False,
                  aliases=(), node_name=None, doc=""):
    op = primitive(name, ELEMENTWISE, save_out=save_out, node_name=node_name)(kernel)
    op.defvjp(rule)

    def fn(input, other, *, out=None):
        dt = _float_pair(name, input, other, kernel_name, scalars)
        return write_out(binary(op, input, other, dt), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise ``{name}(input, other)`` with broadcasting (torch.{name})."
    for n in (name,) + tuple(aliases):
        export(n, inplace=n + "_")(fn)
    return fn


def _atan2_vjp(g, out, a, b):
    d = a * a + b * b
    r = where(d == 0, 0.0, 1 / d)
    return g * b * r, g * -a * r


def _copysign_vjp(g, out, a, b):
    ratio = where(a == 0, 0.0, out / a)
    return g * ratio, g * 0


def _xlogy_kernel(xp, a, b):
    with xp.errstate(divide="ignore", invalid="ignore"):
        r = a * xp.log(b)
    return xp.where((a == 0) & ~xp.isnan(b), a.dtype.type(0), r)


def _xlogy_vjp(g, out, a, b):
    # torch: d/da is log(b), except 0 where a == 0 and b <= 0
    return (g * where((a == 0) & (b <= 0), 0.0, b.log()) if a._requires_grad else None,
            g * a / b if b._requires_grad else None)


hypot = _binary_float("hypot", lambda xp, a, b: xp.hypot(a, b),
                      lambda g, out, a, b: (g * a / out, g * b / out), scalars=False,
                      kernel_name="hypot_cpu", save_out=True)
atan2 = _binary_float("atan2", lambda xp, a, b: xp.arctan2(a, b), _atan2_vjp, scalars=False,
                      aliases=("arctan2",))
copysign = _binary_float("copysign", lambda xp, a, b: xp.copysign(a, b), _copysign_vjp,
                         save_out=True)
xlogy = _binary_float("xlogy", _xlogy_kernel, _xlogy_vjp, node_name="XlogyBackward0",
                      doc="""``input * log(other)``, 0 where ``input == 0`` (unless other is nan).

    Example::

        >>> ember.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 3.0]))
        tensor([0.0000, 2.1972])
    """)
logaddexp = _binary_float("logaddexp", lambda xp, a, b: xp.logaddexp(a, b),
                          lambda g, out, a, b: (g / (1 + (b - a).exp()), g / (1 + (a - b).exp())),
                          scalars=False, kernel_name="logaddexp_cpu")
logaddexp2 = _binary_float("logaddexp2", lambda xp, a, b: xp.logaddexp2(a, b),
                           lambda g, out, a, b: (g / (1 + (b - a).exp2()),
                                                 g / (1 + (a - b).exp2())),
                           scalars=False, kernel_name="logaddexp2_cpu")
for _n in ("logaddexp_", "logaddexp2_"):  # torch has no in-place logaddexp
    delattr(Tensor, _n)
    from .registry import METHODS
    METHODS.pop(_n, None)


@export("float_power")
def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (complex128 for complex operands).

    Example::

        >>> ember.float_power(ember.tensor([2]), 2)
        tensor([4.], dtype=torch.float64)
    """
    cplx = any(isinstance(v, complex) or (isinstance(v, Tensor) and v.is_complex())
               for v in (input, exponent))
    dt = _dtype.complex128 if cplx else _dtype.float64
    a = input.to(dt) if isinstance(input, Tensor) else input
    b = exponent.to(dt) if isinstance(exponent, Tensor) else exponent
    if not isinstance(a, Tensor):
        a = wrap(a, dt)
    return write_out(a.pow(b), out)


@method("float_power_")
def float_power_(self, exponent):
    """In-place ``float_power``; ``self`` must already be float64 (torch's rule)."""
    if self._data.dtype.name not in ("float64", "complex128"):
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype.name.capitalize()}"
                           f" but the operation's result requires dtype Double")
    return self.pow_(exponent.to(self.dtype) if isinstance(exponent, Tensor) else exponent)


@primitive("lerp", ELEMENTWISE)
def _lerp(xp, a, b, w):
    d = b - a
    one = a.dtype.type(1)
    return xp.where(xp.abs(w) < 0.5, a + w * d, b - d * (one - w))


@_lerp.defvjp
def _(g, out, a, b, w):
    return (g * (1 - w) if a._requires_grad else None, g * w if b._requires_grad else None,
            g * (b - a) if w._requires_grad else None)


@export("lerp", inplace="lerp_")
def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)`` (torch's two-sided formula for accuracy)."""
    dt = input.dtype
    if not dt.is_floating_point:
        raise _not_impl("lerp_kernel_scalar", input)
    if end.dtype is not dt:
        raise RuntimeError(f"expected dtype {dt.name} for `end` but got dtype {end.dtype.name}")
    if isinstance(weight, Tensor):
        if weight.dtype is not dt and weight.ndim:
            raise RuntimeError(f"expected dtype {dt.name} for `weight` but got dtype "
                               f"{weight.dtype.name}")
    shape = broadcast_shape(input._data.shape, end._data.shape)
    w = wrap(weight, dt)
    broadcast_shape(shape, w._data.shape)
    return write_out(_lerp(input, end, w), out)


def _addc(name, input, tensor1, tensor2, value):
    if name == "addcdiv" and not (tensor1.is_floating_point() or tensor1.is_complex()) \
            and not (tensor2.is_floating_point() or tensor2.is_complex()):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic "
            "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
            "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    dt = result_type(input, tensor1, tensor2)
    if not (dt.is_floating_point or dt.is_complex):
        value = int(value)
    t1, t2 = wrap(tensor1, dt), wrap(tensor2, dt)
    scaled = t1 * value if value != 1 else t1
    return wrap(input, dt) + (scaled * t2 if name == "addcmul" else scaled / t2)


@export("addcmul", inplace="addcmul_")
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2`` (``value`` is truncated for integer results)."""
    return write_out(_addc("addcmul", input, tensor1, tensor2, value), out)


@export("addcdiv", inplace="addcdiv_")
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2`` (integer ``tensor1``/``tensor2`` are rejected).

    Example::

        >>> ember.addcdiv(ember.zeros(2), ember.tensor([1., 2.]), ember.tensor([2., 2.]), value=2)
        tensor([1., 2.])
    """
    return write_out(_addc("addcdiv", input, tensor1, tensor2, value), out)
