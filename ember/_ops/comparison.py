"""Comparisons, ``is*`` tests, logical and bitwise ops, shifts, min/max pairs and clamp.

Comparisons and logical/bitwise ops are elementwise primitives with bool (or integer) outputs and
no gradient. Operands follow torch's promotion (``int_tensor == 2.5`` compares as float) and
broadcasting; Python scalars are wrapped in the promoted dtype (so, as in torch, ``uint8 > -1``
compares against 255). ``minimum``/``maximum``/``fmin``/``fmax`` and ``clamp`` are differentiable
with torch's tie rules.
"""
from __future__ import annotations

import numbers

from .. import _dtype
from .._tensor import Tensor, _make
from ._common import broadcast_shape, result_type, wrap
from .elementwise import binary, where
from .registry import ELEMENTWISE, export, method, primitive
from .special import write_out
from .unary import _not_impl

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite", "isclose",
           "allclose", "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "minimum", "maximum",
           "fmin", "fmax", "clamp", "clamp_min", "clamp_max"]

_hash = Tensor.__hash__


def _check_other(name, other, pos=2, what="other"):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument '{what}' (position {pos}) must be Tensor, not "
                        f"{type(other).__name__}")


# -- comparisons -------------------------------------------------------------------------------
def _comparison(name, ufunc, aliases=(), dunder=None):
    op = primitive(name, ELEMENTWISE, saves=False)(lambda xp, a, b: getattr(xp, ufunc)(a, b))

    def fn(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        if not isinstance(other, (Tensor, numbers.Number)):
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor or Number, "
                            f"not {type(other).__name__}")
        return write_out(binary(op, input, other), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` with broadcasting and promotion; a bool tensor."
    for n in (name,) + tuple(aliases):
        export(n, inplace=n + "_", inplace_copies=False)(fn)

    def operator(self, other):
        if not isinstance(other, (Tensor, numbers.Number)):
            return NotImplemented
        return fn(self, other)
    method(dunder)(operator)
    return fn


eq = _comparison("eq", "equal", dunder="__eq__")
ne = _comparison("ne", "not_equal", aliases=("not_equal",), dunder="__ne__")
lt = _comparison("lt", "less", aliases=("less",), dunder="__lt__")
le = _comparison("le", "less_equal", aliases=("less_equal",), dunder="__le__")
gt = _comparison("gt", "greater", aliases=("greater",), dunder="__gt__")
ge = _comparison("ge", "greater_equal", aliases=("greater_equal",), dunder="__ge__")
Tensor.__hash__ = _hash  # defining __eq__ must not make tensors unhashable


# -- is* ---------------------------------------------------------------------------------------
def _test(name, float_fn, int_value):
    def kernel(xp, x):
        if x.dtype.kind in "fc":
            return float_fn(xp, x)
        return xp.full(x.shape, int_value, dtype=bool)
    op = primitive(name, ELEMENTWISE, saves=False)(kernel)

    def fn(input, *, out=None):
        return write_out(op(input), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``; a bool tensor (integer inputs: all {int_value})."
    export(name)(fn)
    return fn


isnan = _test("isnan", lambda xp, x: xp.isnan(x), False)
isinf = _test("isinf", lambda xp, x: xp.isinf(x), False)
isposinf = _test("isposinf", lambda xp, x: xp.isposinf(x), False)
isneginf = _test("isneginf", lambda xp, x: xp.isneginf(x), False)
isfinite = _test("isfinite", lambda xp, x: xp.isfinite(x), True)
isreal = _test("isreal", lambda xp, x: xp.imag(x) == 0 if x.dtype.kind == "c"
               else xp.ones(x.shape, bool), True)


def _name(t: Tensor) -> str:
    from .registry import _NAMES
    return _NAMES.get(t._data.dtype.name, t._data.dtype.name)


@export("isclose")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` (plus exact equality; nan == nan optional).

    Example::

        >>> ember.isclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0 + 1e-9, 2.1]))
        tensor([ True, False])
    """
    _check_other("isclose", other)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{_name(input)} did not match {_name(other)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    broadcast_shape(input._data.shape, other._data.shape)
    from .._backend import CPU
    xp = CPU.xp
    a, b = input._data, other._data
    close = a == b
    if a.dtype == bool:
        return _make(close)
    if a.dtype.kind not in "fc":
        dt = _dtype.get_default_dtype().np
        a, b = a.astype(dt), b.astype(dt)
    if equal_nan:
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol == 0 and atol == 0:
        return _make(xp.asarray(close))
    with xp.errstate(invalid="ignore", over="ignore"):
        allowed = atol + xp.abs(rtol * b)
        actual = xp.abs(a - b)
        close = close | (xp.isfinite(actual) & (actual <= allowed))
    return _make(xp.asarray(close))


@export("allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """``isclose(...).all()`` as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@export("equal")
def equal(input, other) -> bool:
    """True when both tensors have the same shape and equal values (dtypes may differ)."""
    _check_other("equal", other)
    a, b = input._data, other._data
    if a.shape != b.shape:
        return False
    if a.dtype != b.dtype:
        dt = result_type(input, other).np
        a, b = a.astype(dt), b.astype(dt)
    return bool((a == b).all())


# -- logical -----------------------------------------------------------------------------------
def _logical(name, ufunc):
    op = primitive(name, ELEMENTWISE, saves=False)(
        lambda xp, a, b: getattr(xp, ufunc)(a.astype(bool, copy=False), b.astype(bool, copy=False)))

    def fn(input, other, *, out=None):
        _check_other(name, input, 1, "input")
        _check_other(name, other)
        broadcast_shape(input._data.shape, other._data.shape)
        return write_out(op(input, other), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of the truth values (nonzero is True); a bool tensor."
    export(name, inplace=name + "_", inplace_copies=False)(fn)
    return fn


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


@primitive("logical_not", ELEMENTWISE, saves=False)
def _logical_not(xp, x):
    return xp.logical_not(x)


@export("logical_not", inplace="logical_not_", inplace_copies=False)
def logical_not(input, *, out=None):
    """``input == 0`` as a bool tensor."""
    return write_out(_logical_not(input), out)


# -- bitwise and shifts ------------------------------------------------------------------------
def _int_dtype(name, kernel, a, b):
    dt = result_type(a, b)
    if dt.is_floating_point or dt.is_complex:
        raise _not_impl(kernel, wrap(a if isinstance(a, Tensor) else b, dt))
    return dt


def _bitwise(name, ufunc, kernel, dunder):
    op = primitive(name, ELEMENTWISE, saves=False)(lambda xp, a, b: getattr(xp, ufunc)(a, b))

    def fn(input, other, *, out=None):
        return write_out(binary(op, input, other, _int_dtype(name, kernel, input, other)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors (and Python ints)."
    export(name, inplace=name + "_", inplace_copies=False)(fn)
    _operators(fn, dunder, name + "_")
    return fn


def _operators(fn, dunder, inplace):
    def op(self, other):
        if not isinstance(other, (Tensor, numbers.Number)):
            return NotImplemented
        return fn(self, other)

    def rop(self, other):
        if not isinstance(other, (Tensor, numbers.Number)):
            return NotImplemented
        return fn(other, self)

    def iop(self, other):
        return getattr(self, inplace)(other)
    method(f"__{dunder}__")(op)
    method(f"__r{dunder}__")(rop)
    method(f"__i{dunder}__")(iop)


bitwise_and = _bitwise("bitwise_and", "bitwise_and", "bitwise_and_cpu", "and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or", "bitwise_or_cpu", "or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor", "bitwise_xor_cpu", "xor")


@primitive("bitwise_not", ELEMENTWISE, saves=False)
def _bitwise_not(xp, x):
    return xp.logical_not(x) if x.dtype == bool else xp.invert(x)


@export("bitwise_not", inplace="bitwise_not_", inplace_copies=False)
def bitwise_not(input, *, out=None):
    """``~input`` for integer and bool tensors."""
    if input._data.dtype.kind not in "biu":
        raise _not_impl("bitwise_not_cpu", input)
    return write_out(_bitwise_not(input), out)


@method("__invert__")
def _invert(self):
    if self._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return _bitwise_not(self)


def _shift_kernel(left):
    def kernel(xp, a, b):
        bits = a.dtype.itemsize * 8
        ok = (b >= 0) & (b < bits)
        bs = xp.where(ok, b, 0).astype(a.dtype, copy=False)
        if left:
            return xp.where(ok, xp.left_shift(a, bs), a.dtype.type(0))
        fill = xp.right_shift(a, a.dtype.type(bits - 1)) if a.dtype.kind == "i" else \
            xp.zeros_like(a)
        return xp.where(ok, xp.right_shift(a, bs), fill)
    return kernel


def _shift(name, left, kernel, dunder):
    op = primitive(name, ELEMENTWISE, saves=False)(_shift_kernel(left))

    def fn(input, other, *, out=None):
        return write_out(binary(op, input, other, _int_dtype(name, kernel, input, other)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Elementwise {'left' if left else 'right (arithmetic)'} shift; shifts outside "
                  f"[0, bits) give {'0' if left else 'the sign fill'}, as in torch.")
    export(name, inplace=name + "_", inplace_copies=False)(fn)
    _operators(fn, dunder, name + "_")
    return fn


bitwise_left_shift = _shift("bitwise_left_shift", True, "lshift_cpu", "lshift")
bitwise_right_shift = _shift("bitwise_right_shift", False, "rshift_cpu", "rshift")


# -- minimum / maximum / fmin / fmax -----------------------------------------------------------
def _pair(name, ufunc, rule):
    op = primitive(name, ELEMENTWISE)(lambda xp, a, b: getattr(xp, ufunc)(a, b))
    op.defvjp(rule)

    def fn(input, other, *, out=None):
        _check_other(name, other)
        return write_out(binary(op, input, other), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of two tensors (broadcasting, promotion)."
    export(name)(fn)
    return fn


def _max_vjp(g, out, a, b):  # torch: ties split the gradient in half; nan passes to both
    half = where(a == b, g / 2, g)
    return where(a < b, 0.0, half), where(a > b, 0.0, half)


def _min_vjp(g, out, a, b):
    half = where(a == b, g / 2, g)
    return where(a > b, 0.0, half), where(a < b, 0.0, half)


def _fmax_vjp(g, out, a, b):  # no tie split: ties go to ``input``
    take_a = (a >= b) | b.isnan()
    return where(take_a, g, 0.0), where(take_a, 0.0, g)


def _fmin_vjp(g, out, a, b):
    take_a = (a <= b) | b.isnan()
    return where(take_a, g, 0.0), where(take_a, 0.0, g)


maximum = _pair("maximum", "maximum", _max_vjp)
minimum = _pair("minimum", "minimum", _min_vjp)
fmax = _pair("fmax", "fmax", _fmax_vjp)
fmin = _pair("fmin", "fmin", _fmin_vjp)


# -- clamp -------------------------------------------------------------------------------------
@primitive("clamp", ELEMENTWISE, node_name="ClampBackward1")
def _clamp(xp, x, lo, hi):
    if lo is not None:
        x = xp.maximum(x, x.dtype.type(lo))
    if hi is not None:
        x = xp.minimum(x, x.dtype.type(hi))
    return x


@_clamp.defvjp
def _(g, out, x, lo, hi):
    if lo is not None and hi is not None:
        keep = (x >= lo) & (x <= hi)
    else:
        keep = x >= lo if lo is not None else x <= hi
    return where(keep, g, 0.0)


@primitive("clamp_tensor", ELEMENTWISE, node_name="ClampBackward0")
def _clamp_t(xp, x, lo, hi):
    return xp.minimum(xp.maximum(x, lo), hi)


@_clamp_t.defvjp
def _(g, out, x, lo, hi):
    return (where((x >= lo) & (x <= hi), g, 0.0) if x._requires_grad else None,
            where((x < lo) & (lo < hi), g, 0.0) if lo._requires_grad else None,
            where((x > hi) | (hi < lo), g, 0.0) if hi._requires_grad else None)


@primitive("clamp_min_tensor", ELEMENTWISE, node_name="ClampMinBackward1")
def _clamp_min_t(xp, x, lo):
    return xp.maximum(x, lo)


@_clamp_min_t.defvjp
def _(g, out, x, lo):
    return where(x >= lo, g, 0.0), where(x < lo, g, 0.0)


@primitive("clamp_max_tensor", ELEMENTWISE, node_name="ClampMaxBackward1")
def _clamp_max_t(xp, x, hi):
    return xp.minimum(x, hi)


@_clamp_max_t.defvjp
def _(g, out, x, hi):
    return where(x <= hi, g, 0.0), where(x > hi, g, 0.0)


def _shape_check(*ts):
    shape = ()
    for t in ts:
        if t is not None:
            shape = broadcast_shape(shape, t._data.shape)


@export("clamp", "clip", inplace="clamp_")
def clamp(input, min=None, max=None, *, out=None):
    """Limit ``input`` to ``[min, max]`` (numbers or broadcastable tensors).

    Like torch: ``min > max`` gives ``max`` everywhere; integer inputs with float bounds give a
    float result; the gradient passes where ``min <= input <= max`` (ties included).

    Example::

        >>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=0, max=1)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if (tmin or tmax) and not ((tmin or min is None) and (tmax or max is None)):
        raise TypeError("clamp() received an invalid combination of arguments - got (Tensor, "
                        f"{type(min).__name__}, {type(max).__name__})")
    dt = result_type(input, *(v for v in (min, max) if v is not None))
    if tmin or tmax:
        x = wrap(input, dt)
        lo = wrap(min, dt) if tmin else None
        hi = wrap(max, dt) if tmax else None
        _shape_check(x, lo, hi)
        if lo is not None and hi is not None:
            return write_out(_clamp_t(x, lo, hi), out)
        if lo is not None:
            return write_out(_clamp_min_t(x, lo), out)
        return write_out(_clamp_max_t(x, hi), out)
    if dt is _dtype.bool:
        raise _not_impl("clamp_scalar_cpu", input)
    return write_out(_clamp(wrap(input, dt), lo=min, hi=max), out)


export("clip", function=False, inplace="clip_")(clamp)


@export("clamp_min", inplace="clamp_min_")
def clamp_min(input, min, *, out=None):
    """``clamp(input, min=min)``."""
    return clamp(input, min=min, out=out)


@export("clamp_max", inplace="clamp_max_")
def clamp_max(input, max, *, out=None):
    """``clamp(input, max=max)``."""
    return clamp(input, max=max, out=out)
