"""OpInfos: dropout family. Each call re-seeds both frameworks, so the masks (torch's exact
draws) and the finite differences are deterministic."""
from __future__ import annotations

from .core import OpInfo, SampleInput


def _seeded(name, top=False, inplace=False):
    def fn(lib, x, *args, **kwargs):
        lib.manual_seed(0)
        f = getattr(lib, name) if top else getattr(lib.nn.functional, name)
        if inplace:
            return f(x.clone(), *args, inplace=True, **kwargs)
        return f(x, *args, **kwargs)
    return fn


def _samples(feature_dims=None, default_training=True, noncontig=True):
    def samples(make):
        x = make(4, 3, 5) if feature_dims is None else make(*feature_dims)
        tr = {} if default_training else {"training": True}
        return [
            SampleInput((x,), dict(tr)),
            SampleInput((x, 0.2), dict(tr)),
            SampleInput((x, 0.8), dict(tr)),
            SampleInput((x,), {"p": 0.0, "training": True}),
            SampleInput((x,), {"p": 1.0, "training": True}),
            SampleInput((x, 0.5, False)),
            # the mask follows the input's memory order (torch's empty_like): forward only,
            # since the sweep's grad leaves are contiguous copies in ember
            SampleInput((make(2, 3, 4, noncontig=noncontig) if feature_dims is None else
                         make(*feature_dims, noncontig=noncontig), 0.3), dict(tr), grad=False),
            SampleInput((make(0, 3, 2),), dict(tr)),
            SampleInput((x, 1.5), name="bad-p", grad=False),
        ]
    return samples


def _unbatched(make):
    return [SampleInput((make(3, 5), 0.4))]


op_db = [
    OpInfo("nn.functional.dropout", _samples(), fn=_seeded("dropout"), gradgrad=True),
    OpInfo("nn.functional.dropout", lambda make: [SampleInput((make(1000), 0.3)),
                                                  SampleInput((make(), 0.5))],
           fn=_seeded("dropout")),
    OpInfo("nn.functional.dropout(inplace)", _samples(noncontig=False),
           fn=_seeded("dropout", inplace=True)),
    OpInfo("nn.functional.dropout1d", lambda make: _samples((2, 3, 5))(make) + _unbatched(make),
           fn=_seeded("dropout1d")),
    OpInfo("nn.functional.dropout2d", _samples((2, 3, 4, 4)), fn=_seeded("dropout2d")),
    OpInfo("nn.functional.dropout3d", lambda make: _samples((2, 3, 2, 2, 2))(make) +
           [SampleInput((make(3, 2, 2, 2), 0.4))], fn=_seeded("dropout3d")),
    OpInfo("nn.functional.alpha_dropout", _samples(default_training=False),
           fn=_seeded("alpha_dropout")),
    OpInfo("nn.functional.feature_alpha_dropout", _samples(default_training=False),
           fn=_seeded("feature_alpha_dropout")),
    OpInfo("dropout", lambda make: [SampleInput((make(4, 5), 0.3, True)),
                                    SampleInput((make(4, 5), 0.3, False))],
           fn=_seeded("dropout", top=True)),
    OpInfo("feature_dropout", lambda make: [SampleInput((make(4, 5, 2), 0.3, True))],
           fn=_seeded("feature_dropout", top=True)),
    OpInfo("alpha_dropout", lambda make: [SampleInput((make(4, 5), 0.3, True))],
           fn=_seeded("alpha_dropout", top=True)),
    OpInfo("feature_alpha_dropout", lambda make: [SampleInput((make(4, 5, 2), 0.3, True))],
           fn=_seeded("feature_alpha_dropout", top=True)),
]
