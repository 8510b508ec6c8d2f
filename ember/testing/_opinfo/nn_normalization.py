"""OpInfos: batch/instance/layer/group/RMS norm, local response norm (functional and top-level).

Running statistics are passed detached (torch does not differentiate through them); the
training-mode running-stat updates mutate their inputs, so they are tested by the module sweep
and tests/test_nn_norm_dropout_embedding.py instead.
"""
from __future__ import annotations

from .core import OpInfo, SampleInput


class _Const:
    """A non-differentiable array argument (running statistics): built per framework by the
    op's ``fn`` so the sweep never perturbs it or makes it require grad."""

    def __init__(self, a):
        self.a = a

    def __repr__(self):
        return f"const{self.a.shape}"


def _det(t, lib=None):
    if isinstance(t, _Const):
        return lib.from_numpy(t.a.copy())
    return None if t is None else t.detach()


def _bn(lib, x, w=None, b=None, rm=None, rv=None, training=True, **kw):
    return lib.nn.functional.batch_norm(x, _det(rm, lib), _det(rv, lib), w, b, training,
                                        **kw)


def _bn_samples(make):
    pos = dict(low=0.5, high=2.0)
    return [
        SampleInput((make(4, 3), make(3), make(3))),
        SampleInput((make(4, 3, 5),)),
        SampleInput((make(2, 3, 4, 4), make(3), make(3)), {"eps": 1e-3}),
        SampleInput((make(4, 3, 5, noncontig=True), make(3), None)),
        SampleInput((make(2, 3, 2, 2, 2), None, make(3))),
        SampleInput((make(4, 3, 5), make(3), make(3), _Const(make(3)), _Const(make(3, **pos)), False)),
        SampleInput((make(4, 3), None, None, _Const(make(3)), _Const(make(3, **pos)), False)),
        SampleInput((make(0, 3),)),
        SampleInput((make(1, 3),), name="one-value-per-channel", grad=False),
        SampleInput((make(4, 3), make(4)), name="bad-weight", grad=False),
    ]


def _in(lib, x, w=None, b=None, rm=None, rv=None, use_input_stats=True, **kw):
    return lib.nn.functional.instance_norm(x, _det(rm, lib), _det(rv, lib), w, b,
                                           use_input_stats, **kw)


def _in_samples(make):
    pos = dict(low=0.5, high=2.0)
    return [
        SampleInput((make(2, 3, 5),)),
        SampleInput((make(2, 3, 4, 4), make(3), make(3))),
        SampleInput((make(2, 3, 5), make(3), make(3), _Const(make(3)), _Const(make(3, **pos)), False)),
        SampleInput((make(2, 3, 5, noncontig=True),), {"eps": 1e-3}),
        SampleInput((make(2, 3, 1),), name="one-spatial", grad=False),
    ]


def _ln_samples(make):
    return [
        SampleInput((make(4, 5), (5,), make(5), make(5))),
        SampleInput((make(2, 3, 4), (3, 4), make(3, 4), make(3, 4))),
        SampleInput((make(2, 3, 4), [4])),
        SampleInput((make(2, 3, 4), (4,), make(4)), {"eps": 1e-3}),
        SampleInput((make(2, 3, 4), 4), name="int-shape", grad=False),
        SampleInput((make(3, 6, noncontig=True), (6,), make(6), make(6))),
        SampleInput((make(0, 4), (4,), make(4), make(4))),
        SampleInput((make(5), (5,), make(5), make(5))),
        SampleInput((make(2, 3), (4,)), name="bad-shape", grad=False),
        SampleInput((make(2, 3), (3,), make(4)), name="bad-weight", grad=False),
    ]


def _gn_samples(make):
    return [
        SampleInput((make(2, 4, 3), 2, make(4), make(4))),
        SampleInput((make(3, 6), 3, make(6), make(6))),
        SampleInput((make(2, 4, 2, 2), 4)),
        SampleInput((make(2, 4, 3), 1, make(4), None), {"eps": 1e-3}),
        SampleInput((make(2, 4, 3, noncontig=True), 2)),
        SampleInput((make(2, 4, 3), 3), name="indivisible", grad=False),
        SampleInput((make(1, 3), 3), name="one-value", grad=False),
    ]


def _rms_samples(make):
    return [
        SampleInput((make(4, 5), (5,), make(5))),
        SampleInput((make(2, 3, 4), (3, 4), make(3, 4))),
        SampleInput((make(2, 3, 4), [4])),
        SampleInput((make(2, 3, 4), (4,), make(4)), {"eps": 1e-3}),
        SampleInput((make(3, 6, noncontig=True), (6,))),
        SampleInput((make(2, 3), (4,)), name="bad-shape", grad=False),
    ]


def _lrn_samples(make):
    return [
        SampleInput((make(2, 5, 4), 2)),
        SampleInput((make(2, 5, 4), 3), {"alpha": 1e-2, "beta": 0.5, "k": 2.0}),
        SampleInput((make(2, 4, 3, 3), 3), {"alpha": 0.1}),
        SampleInput((make(1, 3, 2, 2, 2), 4), {"alpha": 0.1}),
        SampleInput((make(2, 3, 4, noncontig=True), 1)),
        SampleInput((make(2, 3), 2), name="2-D", grad=False),
    ]


op_db = [
    OpInfo("nn.functional.batch_norm", _bn_samples, fn=_bn, gradgrad=True),
    OpInfo("nn.functional.instance_norm", _in_samples, fn=_in, gradgrad=True),
    OpInfo("nn.functional.layer_norm", _ln_samples, gradgrad=True),
    OpInfo("nn.functional.group_norm", _gn_samples, gradgrad=True),
    OpInfo("nn.functional.rms_norm", _rms_samples, gradgrad=True),
    OpInfo("nn.functional.local_response_norm", _lrn_samples, gradgrad=True),
    # torch's top-level forms
    OpInfo("batch_norm", lambda make: [
        SampleInput((make(4, 3, 5), make(3), make(3), None, None, True, 0.1, 1e-5, False)),
        SampleInput((make(4, 3), None, None, None, None, True, 0.1, 1e-5, False)),
    ]),
    OpInfo("instance_norm", lambda make: [
        SampleInput((make(2, 3, 5), make(3), make(3), None, None, True, 0.1, 1e-5, False)),
    ]),
    OpInfo("layer_norm", lambda make: [SampleInput((make(4, 5), (5,), make(5), make(5)))]),
    OpInfo("group_norm", lambda make: [SampleInput((make(2, 4, 3), 2, make(4), make(4)))]),
    OpInfo("rms_norm", lambda make: [SampleInput((make(4, 5), (5,), make(5)))]),
    OpInfo("native_layer_norm", lambda make: [
        SampleInput((make(4, 5), (5,), make(5), make(5), 1e-5)),
        SampleInput((make(2, 3, 4), (3, 4), None, None, 1e-5)),
    ], grad=False),
    OpInfo("native_batch_norm", lambda make: [
        SampleInput((make(4, 3, 5), make(3), make(3), None, None, True, 0.1, 1e-5)),
    ], grad=False),
    OpInfo("native_group_norm", lambda make: [
        SampleInput((make(2, 4, 3), make(4), make(4), 2, 4, 3, 2, 1e-5)),
    ], grad=False),
]

EXEMPT = {
    "native_batch_norm_backward": "first-order backward kernel of native_batch_norm: reached "
                                  "by every batch_norm gradient sample",
    "native_layer_norm_backward": "first-order backward kernel of native_layer_norm",
    "native_group_norm_backward": "first-order backward kernel of native_group_norm",
}
