"""ModuleInfos: activations, softmax family, Flatten/Unflatten."""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample


def _act(name, *cfgs, shape=(4, 5), random=False):
    """ModuleInfo for an activation: each cfg is (args, kwargs)."""
    cfgs = cfgs or (((), {}),)

    def samples(make):
        out = []
        for args, kwargs in cfgs:
            out.append(ModuleSample(args, kwargs, inputs=(make(*shape),)))
            out.append(ModuleSample(args, kwargs, inputs=(make(2, 3, 4),)))
        return out
    return ModuleInfo(name, samples, init=False, random=random)


def _inplace(name, *extra):
    # inplace=True on a leaf that requires grad raises in both frameworks: see
    # tests/test_nn_activation_loss.py for the in-place modules
    return _act(name, ((), {}), *extra)


module_db = [
    _inplace("ReLU"), _inplace("ReLU6"), _inplace("SiLU"), _inplace("Mish"), _inplace("SELU"),
    _inplace("Hardsigmoid"), _inplace("Hardswish"),
    _act("Threshold", ((0.1, 20.0), {})),
    _act("RReLU", ((), {}), ((0.1, 0.3), {}), random=True),
    _act("Hardtanh", ((), {}), ((-2.0, 0.5), {})),
    _act("ELU", ((), {}), ((0.5,), {}), ((), {"alpha": 2.0})),
    _act("CELU", ((), {}), ((0.5,), {})),
    _act("LeakyReLU", ((), {}), ((0.2,), {})),
    _act("GELU", ((), {}), (("tanh",), {})),
    _act("Hardshrink", ((), {}), ((1.0,), {})),
    _act("Softshrink", ((), {}), ((1.0,), {})),
    _act("Softplus", ((), {}), ((2.0, 1.0), {})),
    _act("Sigmoid"), _act("Tanh"), _act("LogSigmoid"), _act("Softsign"), _act("Tanhshrink"),
    _act("GLU", ((), {}), ((0,), {}), shape=(4, 6)),
    _act("Softmax", ((1,), {}), ((-1,), {})), _act("LogSoftmax", ((1,), {}), ((0,), {})),
    _act("Softmin", ((1,), {})),
    ModuleInfo("Softmax2d", lambda make: [ModuleSample(inputs=(make(2, 3, 4, 5),)),
                                          ModuleSample(inputs=(make(3, 4, 5),))], init=False),
    ModuleInfo("PReLU", lambda make: [
        ModuleSample(inputs=(make(4, 5),)), ModuleSample((3,), inputs=(make(2, 3, 4, 4),)),
        ModuleSample((5, 0.1), inputs=(make(4, 5),))]),
    ModuleInfo("Flatten", lambda make: [
        ModuleSample(inputs=(make(2, 3, 4, 5),)), ModuleSample((0, 2), inputs=(make(2, 3, 4),)),
        ModuleSample((-2,), inputs=(make(2, 3, 4),))], init=False),
    ModuleInfo("Unflatten", lambda make: [
        ModuleSample((1, (2, 3)), inputs=(make(4, 6),)),
        ModuleSample((-1, [2, -1]), inputs=(make(3, 4, 8),))], init=False),
]
