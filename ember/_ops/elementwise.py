"""Elementwise arithmetic: binary ops with torch's promotion and broadcasting, and operators.

Binary front ends promote (``result_type``), wrap Python scalars as 0-d tensors of the result
dtype (so a Python float never turns float32 into float64) and check broadcasting with torch's
error; the kernels then see equal dtypes, and un-broadcasting of gradients happens once, in the
registry.
"""
from __future__ import annotations

from .. import _dtype
from .._backend import CPU
from .._tensor import Tensor, _make
from ._common import broadcast_shape, result_type, wrap
from .registry import ELEMENTWISE, apply, expand_to, export, method, primitive

__all__ = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
           "neg", "rsub", "binary"]

_asarray = CPU.xp.asarray


def binary(op, a, b, dt=None, on_bool=None):
    """Promote, wrap scalars, check broadcasting, apply ``op``.

    ``dt`` forces the computation dtype; else it is ``result_type(a, b)``, and ``on_bool(a, b)``
    (if given) computes a bool result instead.
    """
    if dt is None:
        # fast path: a float tensor with a same-dtype tensor or a Python float/int -- there is
        # nothing to promote (the result dtype is the tensor's) and no bool result
        if type(a) is Tensor:
            ad = a._data
            if ad.dtype.kind in "fc":
                tb = type(b)
                if tb is Tensor:
                    bd = b._data
                    if bd.dtype == ad.dtype:
                        sa, sb = ad.shape, bd.shape
                        if sa != sb and sa and sb:
                            broadcast_shape(sa, sb)
                        return apply(op, a, b)
                elif (tb is float or tb is int) and ad.dtype.kind == "f":  # as ``wrap`` does
                    return apply(op, a, _make(_asarray(b, ad.dtype)))
        dt = result_type(a, b)
        if on_bool is not None and dt is _dtype.bool:
            return on_bool(a, b)
    npdt = dt.np
    ta = a if type(a) is Tensor and a._data.dtype == npdt else wrap(a, dt)
    tb = b if type(b) is Tensor and b._data.dtype == npdt else wrap(b, dt)
    sa, sb = ta._data.shape, tb._data.shape
    if sa != sb and sa and sb:  # a 0-d operand always broadcasts
        broadcast_shape(sa, sb)
    return apply(op, ta, tb)


# -- add / sub ---------------------------------------------------------------------------------
@primitive("add", ELEMENTWISE, saves=False)
def _add(xp, a, b):
    return xp.add(a, b)


@_add.defvjp
def _(g, out, a, b):
    return g, g


@primitive("sub", ELEMENTWISE, saves=False)
def _sub(xp, a, b):
    return xp.subtract(a, b)


@_sub.defvjp
def _(g, out, a, b):
    return g, _neg(g) if b._requires_grad else None


def _sub_bools(a, b):
    raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                       "Use the `^` or `logical_xor()` operator instead.")


@export("add", inplace="add_", inplace_copies=False)
def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion.

    Example::

        >>> ember.add(ember.tensor([1, 2]), 2.5)
        tensor([3.5000, 4.5000])
    """
    if alpha != 1:
        other = mul(other, alpha)
    return binary(_add, input, other, None, logical_or_bool)


def logical_or_bool(a, b):
    t = binary(_add, a, b, _dtype.int64)
    return t.to(_dtype.bool)


@export("sub", "subtract", inplace="sub_", inplace_copies=False)
def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return binary(_sub, input, other, None, _sub_bools)


@export("rsub", method=False)
def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


# -- mul / div ---------------------------------------------------------------------------------
@primitive("mul", ELEMENTWISE)
def _mul(xp, a, b):
    return xp.multiply(a, b)


@_mul.defvjp
def _(g, out, a, b):
    # NOTE: rules call primitives directly: inputs already share the promoted dtype
    return (_mul(g, b) if a._requires_grad else None,
            _mul(g, a) if b._requires_grad else None)


@export("mul", "multiply", inplace="mul_")
def mul(input, other, *, out=None):
    """Elementwise product."""
    return binary(_mul, input, other, None, _mul_bools)


def _mul_bools(a, b):
    return binary(_mul, a, b, _dtype.uint8).to(_dtype.bool)


@primitive("div", ELEMENTWISE)
def _div(xp, a, b):
    return xp.true_divide(a, b)


@_div.defvjp
def _(g, out, a, b):
    ga = _div(g, b) if a._requires_grad else None
    gb = _neg(_div(_mul(g, a), _mul(b, b))) if b._requires_grad else None
    return ga, gb


@primitive("floor_divide", ELEMENTWISE, node_name="DivBackward1")
def _floor_div(xp, a, b):
    if a.dtype.kind in "iub":
        return xp.floor_divide(a, b)
    return xp.floor(xp.true_divide(a, b))


@_floor_div.defvjp
def _(g, out, a, b):
    return g * 0, g * 0


@primitive("trunc_divide", ELEMENTWISE, node_name="DivBackward2")
def _trunc_div(xp, a, b):
    if a.dtype.kind in "iub":
        q = xp.floor_divide(a, b)
        fix = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
        return q + fix.astype(q.dtype)
    return xp.trunc(xp.true_divide(a, b))


@_trunc_div.defvjp
def _(g, out, a, b):
    return g * 0, g * 0


@export("div", "divide", inplace="div_")
def div(input, other, *, rounding_mode=None, out=None):
    """Division; ``rounding_mode`` None (true), ``'trunc'`` or ``'floor'`` like torch."""
    dt = result_type(input, other)
    if rounding_mode is None:
        if not (dt.is_floating_point or dt.is_complex):
            dt = _dtype.get_default_dtype()
        return binary(_div, input, other, dt)
    if rounding_mode == "floor":
        return binary(_floor_div, input, other, dt)
    if rounding_mode == "trunc":
        return binary(_trunc_div, input, other, dt)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


@export("true_divide", inplace="true_divide_")
def true_divide(input, other):
    """Alias of ``div`` without rounding."""
    return div(input, other)


@export("floor_divide", inplace="floor_divide_")
def floor_divide(input, other):
    """``div(input, other, rounding_mode='floor')``."""
    return div(input, other, rounding_mode="floor")


@primitive("remainder", ELEMENTWISE)
def _remainder(xp, a, b):
    return xp.remainder(a, b)


@_remainder.defvjp
def _(g, out, a, b):
    return g, -g * floor_divide(a, b) if b._requires_grad else None


@export("remainder", inplace="remainder_")
def remainder(input, other):
    """Python-style modulus (sign of the divisor)."""
    return binary(_remainder, input, other)


@primitive("fmod", ELEMENTWISE)
def _fmod(xp, a, b):
    return xp.fmod(a, b)


@_fmod.defvjp
def _(g, out, a, b):
    return g, -g * div(a, b, rounding_mode="trunc") if b._requires_grad else None


@export("fmod", inplace="fmod_")
def fmod(input, other):
    """C-style modulus (sign of the dividend)."""
    return binary(_fmod, input, other)


# -- pow ---------------------------------------------------------------------------------------
@primitive("pow_scalar", ELEMENTWISE, node_name="PowBackward0")
def _pow_scalar(xp, a, exponent):
    return xp.power(a, a.dtype.type(exponent)) if a.dtype.kind in "fc" else \
        xp.power(a, exponent).astype(a.dtype)


@_pow_scalar.defvjp
def _(g, out, a, exponent):
    if exponent == 0:
        return g * 0
    return g * (exponent * a ** (exponent - 1))


@primitive("pow", ELEMENTWISE, node_name="PowBackward1", save_out=True)
def _pow(xp, a, b):
    return xp.power(a, b)


@_pow.defvjp
def _pow_vjp(g, out, a, b):
    ga = gb = None
    if a._requires_grad:
        # NOTE: torch defines d/da a**0 as 0 everywhere (also at a == 0)
        ga = where(b == 0, 0.0, g * b * a ** (b - 1))
    if b._requires_grad:
        # NOTE: 0**b with b >= 0 has gradient 0 in b (torch's choice), not nan from log(0)
        gb = where((a == 0) & (b >= 0), 0.0, g * out * a.log())
    return ga, gb


@primitive("rpow_scalar", ELEMENTWISE, node_name="PowBackward2", save_out=True)
def _rpow_scalar(xp, b, base):
    return xp.power(b.dtype.type(base), b)


@_rpow_scalar.defvjp
def _(g, out, b, base):
    import math
    if base == 0:
        return g * (out * 0)
    return g * out * math.log(base)


@export("pow", inplace="pow_")
def pow(input, exponent, *, out=None):
    """``input ** exponent`` for tensor/scalar combinations."""
    if not isinstance(exponent, Tensor):
        dt = result_type(input, exponent) if isinstance(input, Tensor) else None
        if isinstance(input, Tensor):
            if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 \
                    and not (dt.is_floating_point or dt.is_complex):
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            x = wrap(input, dt)
            if exponent == 1:
                return x.clone() if x is input else x
            return _pow_scalar(x, exponent=exponent)
    if not isinstance(input, Tensor):
        dt = result_type(input, exponent)
        return _rpow_scalar(wrap(exponent, dt), base=input)
    dt = result_type(input, exponent)
    if not (dt.is_floating_point or dt.is_complex):
        if (exponent._data < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return binary(_pow, input, exponent, dt)


# -- where -------------------------------------------------------------------------------------
@primitive("where", ELEMENTWISE, node_name="WhereBackward0")
def _where(xp, cond, a, b):
    return xp.where(cond, a, b)


@_where.defvjp
def _(g, out, cond, a, b):
    zero = g * 0
    return (None,
            _where(cond, g, zero) if a._requires_grad else None,
            _where(cond, zero, g) if b._requires_grad else None)


@export("where", method=False)
def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (broadcasting); one argument: ``nonzero``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._data.dtype != bool:
        if condition._data.dtype == "uint8":
            condition = condition.to(_dtype.bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition.dtype.name.capitalize()}")
    dt = result_type(input, other)
    a, b = wrap(input, dt), wrap(other, dt)
    shape = broadcast_shape(broadcast_shape(condition._data.shape, a._data.shape), b._data.shape)
    if condition._data.shape != shape:
        condition = expand_to(condition, shape)
    return _where(condition, a, b)


@method("where")
def _tensor_where(self, condition, other):
    return where(condition, self, other)


# -- neg ---------------------------------------------------------------------------------------
@primitive("neg", ELEMENTWISE, saves=False)
def _neg(xp, a):
    return xp.negative(a)


@_neg.defvjp
def _(g, out, a):
    return _neg(g)


@export("neg", "negative", inplace="neg_", inplace_copies=False)
def neg(input, *, out=None):
    """``-input`` (not allowed on bool tensors, like torch)."""
    if input._data.dtype == bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return _neg(input)


# -- operators ---------------------------------------------------------------------------------
def _reflect(fn):
    def r(self, other):
        return fn(other, self)
    return r


method("__add__")(add)
method("__radd__")(_reflect(add))
method("__sub__")(sub)
method("__rsub__")(_reflect(sub))
method("__mul__")(mul)
method("__rmul__")(_reflect(mul))
method("__truediv__")(div)
method("__rtruediv__")(_reflect(div))
method("__floordiv__")(floor_divide)
method("__rfloordiv__")(_reflect(floor_divide))
method("__mod__")(remainder)
method("__rmod__")(_reflect(remainder))
method("__pow__")(pow)
method("__rpow__")(_reflect(pow))
method("__neg__")(neg)


def _iop(name):
    def iop(self, other):
        return getattr(self, name)(other)
    return iop


for _op, _ip in (("__iadd__", "add_"), ("__isub__", "sub_"), ("__imul__", "mul_"),
                 ("__itruediv__", "div_"), ("__ifloordiv__", "floor_divide_"),
                 ("__imod__", "remainder_"), ("__ipow__", "pow_")):
    method(_op)(_iop(_ip))
