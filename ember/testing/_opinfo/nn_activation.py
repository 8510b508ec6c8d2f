"""OpInfos: nn.functional activations, the softmax family, normalize, one_hot."""
from __future__ import annotations

import numpy as np

from .core import FLOAT, FLOAT_INT, OpInfo, SampleInput


def _shapes(make, **kw):
    return [make(5, 4, **kw), make(7, **kw), make(**kw), make(0, 3, **kw),
            make(3, 4, noncontig=True, **kw), make(2, 3, 4, **kw)]


def _unary(*extra, **kw):
    """Samples ``(x, *extra)`` over the usual shapes."""
    return lambda make: [SampleInput((x,) + extra, dict(kw)) for x in _shapes(make)]


def _F(name):
    def fn(lib, *args, **kwargs):
        return getattr(lib.nn.functional, name)(*args, **kwargs)
    return fn


def _ip(name, top=False):
    """Call an in-place variant on a clone (so the sweep's inputs stay untouched)."""
    def fn(lib, x, *args, **kwargs):
        f = getattr(lib, name) if top else getattr(lib.nn.functional, name)
        return f(x.clone(), *args, **kwargs)
    return fn


def _inplace_kw(name):
    def fn(lib, x, *args, **kwargs):
        return getattr(lib.nn.functional, name)(x.clone(), *args, inplace=True, **kwargs)
    return fn


def _simple(name, dtypes=FLOAT, extra=(), gradgrad=True, covers=(), inplace=False, **kw):
    ops = [OpInfo(f"nn.functional.{name}", _unary(*extra, **kw), dtypes=dtypes,
                  gradgrad=gradgrad, covers=covers)]
    if inplace:
        ops.append(OpInfo(f"nn.functional.{name}(inplace)", _unary(*extra, **kw),
                          fn=_inplace_kw(name), dtypes=FLOAT))
    return ops


def _softmax_samples(make):
    x = make(3, 4, 5)
    out = [SampleInput((x, d)) for d in (0, 1, 2, -1)]
    out += [SampleInput((make(6), 0)), SampleInput((make(), 0)), SampleInput((make(0, 3), 1)),
            SampleInput((make(4, 5, noncontig=True), -1)),
            SampleInput((make(3, 4), 1), {"dtype": None})]
    return out


def _softmax_F_samples(make):
    return _softmax_samples(make) + [SampleInput((make(3, 4),), {"dim": 1, "dtype": "float64"})]


def _dtype_fix(fn):
    def wrapped(lib, x, *args, **kwargs):
        if kwargs.get("dtype") == "float64":
            kwargs["dtype"] = lib.float64
        return fn(lib, x, *args, **kwargs)
    return wrapped


def _prelu_samples(make):
    return [SampleInput((make(4, 3), make(3))), SampleInput((make(2, 3, 5, 5), make(3))),
            SampleInput((make(2, 3, 5), make(1))), SampleInput((make(5), make(1))),
            SampleInput((make(), make(1))), SampleInput((make(5), make())),
            SampleInput((make(2, 0, 4), make(1)))]


def _glu_samples(make):
    return [SampleInput((make(4, 6),)), SampleInput((make(4, 6), 0)),
            SampleInput((make(2, 3, 4), -1)), SampleInput((make(6),))]


def _normalize_samples(make):
    return [SampleInput((make(4, 5),)), SampleInput((make(4, 5),), {"p": 1.0, "dim": 0}),
            SampleInput((make(2, 3, 4),), {"dim": -1}), SampleInput((make(3, 4),), {"p": 3})]


def _one_hot_samples(make):
    return [SampleInput((make.int(6, low=0, high=4),)),
            SampleInput((make.int(2, 3, low=0, high=5), 7)),
            SampleInput((make.int(0, low=0, high=3), 3)),
            SampleInput((make.int(4, low=0, high=9), 3))]


op_db = [
    *_simple("relu", FLOAT_INT, covers=("relu",), inplace=True),
    OpInfo("relu_", _unary(), fn=_ip("relu_", top=True), covers=("nn.functional.relu_",)),
    OpInfo("Tensor.relu", _unary(), fn=lambda lib, x: x.relu()),
    *_simple("threshold", FLOAT_INT, extra=(0.5, -2.0), covers=("threshold",), inplace=True),
    OpInfo("threshold_", _unary(0.5, -2.0), fn=_ip("threshold_", top=True),
           covers=("nn.functional.threshold_",)),
    *_simple("hardtanh", FLOAT_INT, inplace=True),
    *_simple("hardtanh", FLOAT, extra=(-2.0, 0.5)),
    OpInfo("nn.functional.hardtanh_", _unary(-0.5, 2.0), fn=_ip("hardtanh_")),
    *_simple("relu6", FLOAT_INT, inplace=True),
    *_simple("elu", FLOAT_INT, inplace=True),
    *_simple("elu", extra=(0.7,)),
    OpInfo("nn.functional.elu_", _unary(1.5), fn=_ip("elu_")),
    *_simple("selu", FLOAT_INT, covers=("selu",), inplace=True),
    OpInfo("selu_", _unary(), fn=_ip("selu_", top=True), covers=("nn.functional.selu_",)),
    *_simple("celu", FLOAT_INT, extra=(0.5,), covers=("celu",), inplace=True),
    OpInfo("celu_", _unary(2.0), fn=_ip("celu_", top=True), covers=("nn.functional.celu_",)),
    *_simple("leaky_relu", FLOAT_INT, inplace=True),
    *_simple("leaky_relu", extra=(0.2,)),
    OpInfo("nn.functional.leaky_relu_", _unary(0.3), fn=_ip("leaky_relu_")),
    OpInfo("nn.functional.prelu", _prelu_samples, covers=("prelu",), gradgrad=True),
    OpInfo("Tensor.prelu", _prelu_samples, fn=lambda lib, x, w: x.prelu(w)),
    *_simple("rrelu", FLOAT_INT, covers=("rrelu",)),
    *_simple("rrelu", extra=(0.1, 0.5)),
    OpInfo("rrelu_", _unary(0.2, 0.4), fn=_ip("rrelu_", top=True),
           covers=("nn.functional.rrelu_",)),
    *_simple("logsigmoid", FLOAT_INT),
    OpInfo("nn.functional.logsigmoid(large)", lambda make: [
        SampleInput((np.array([-1e4, -50.0, 0.0, 50.0, 1e4], make.dtype),))],
        fn=_F("logsigmoid"), gradcheck=False),
    *_simple("gelu", FLOAT_INT),
    *_simple("gelu", approximate="tanh"),
    *_simple("hardshrink", FLOAT_INT, covers=("hardshrink",)),
    *_simple("hardshrink", extra=(1.2,)),
    OpInfo("Tensor.hardshrink", _unary(0.3), fn=lambda lib, x, l: x.hardshrink(l)),
    *_simple("tanhshrink", FLOAT_INT),
    *_simple("softsign", FLOAT_INT),
    *_simple("softplus", FLOAT_INT),
    *_simple("softplus", extra=(2.0, 3.0)),
    *_simple("softplus", extra=(0.5, 1.0)),
    *_simple("softshrink", FLOAT_INT),
    *_simple("softshrink", extra=(1.1,)),
    *_simple("tanh", FLOAT_INT),
    *_simple("sigmoid", FLOAT_INT),
    *_simple("hardsigmoid", FLOAT_INT, inplace=True),
    *_simple("silu", FLOAT_INT, inplace=True),
    *_simple("mish", FLOAT_INT, inplace=True),
    *_simple("hardswish", FLOAT_INT, inplace=True),
    OpInfo("nn.functional.glu", _glu_samples, dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("nn.functional.softmax", _softmax_F_samples, fn=_dtype_fix(_F("softmax")),
           dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("nn.functional.softmin", _softmax_F_samples, fn=_dtype_fix(_F("softmin")),
           gradgrad=True),
    OpInfo("nn.functional.log_softmax", _softmax_F_samples, fn=_dtype_fix(_F("log_softmax")),
           dtypes=FLOAT_INT, gradgrad=True),
    OpInfo("softmax", _softmax_samples, gradgrad=True),
    OpInfo("log_softmax", _softmax_samples, gradgrad=True),
    OpInfo("Tensor.softmax", _softmax_samples, fn=lambda lib, x, d, **k: x.softmax(d, **k)),
    OpInfo("Tensor.log_softmax", _softmax_samples,
           fn=lambda lib, x, d, **k: x.log_softmax(d, **k)),
    OpInfo("log_softmax(large)", lambda make: [
        SampleInput((np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], make.dtype), 1))],
        fn=lambda lib, x, d: lib.log_softmax(x, d), gradcheck=False),
    OpInfo("nn.functional.normalize", _normalize_samples, gradgrad=True),
    OpInfo("nn.functional.normalize(zeros)", lambda make: [
        SampleInput((np.zeros((2, 3), make.dtype),)),
        SampleInput((np.array([[0.0, 1.0], [0.0, 0.0]], make.dtype),), {"dim": 0})],
        fn=_F("normalize"), gradcheck=False),
    OpInfo("nn.functional.one_hot", _one_hot_samples, dtypes=(np.int64,), grad=False),
]

EXEMPT = {
    "F.gumbel_softmax": "random: tests/test_nn_activation_loss.py compares seeded draws",
}
