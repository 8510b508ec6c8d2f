"""ModuleInfos: RNN, LSTM, GRU (every option) and RNNCell, LSTMCell, GRUCell.

All are ``random=True`` so that the dropout-between-layers samples are checked against torch's
masks in train mode (both frameworks are seeded identically before the forward).
PackedSequence inputs are covered in tests/test_nn_rnn.py.
"""
from __future__ import annotations

from .core import ModuleInfo, ModuleSample


def _seq_samples(extra=()):
    """Samples shared by RNN/LSTM/GRU: ``(input_size=3, hidden_size=4)`` and variations."""
    def samples(make):
        out = [
            ModuleSample((3, 4), inputs=(make(5, 2, 3),)),
            ModuleSample((3, 4), {"batch_first": True}, inputs=(make(2, 5, 3),)),
            ModuleSample((3, 4), {"bidirectional": True}, inputs=(make(5, 2, 3),)),
            ModuleSample((3, 4, 2), inputs=(make(4, 3, 3),)),
            ModuleSample((3, 4), {"num_layers": 2, "dropout": 0.5}, inputs=(make(4, 3, 3),)),
            ModuleSample((3, 4), {"num_layers": 3, "dropout": 0.3, "bidirectional": True,
                                  "batch_first": True}, inputs=(make(2, 4, 3),)),
            ModuleSample((3, 4), {"bias": False}, inputs=(make(5, 2, 3),)),
            ModuleSample((3, 4), inputs=(make(6, 3),)),                     # unbatched
            ModuleSample((3, 4), {"batch_first": True, "bidirectional": True},
                         inputs=(make(6, 3),)),                             # unbatched
            ModuleSample((3, 4), inputs=(make(1, 1, 3),)),
            ModuleSample((8, 16, 2), {"bidirectional": True}, inputs=(make(7, 4, 8),)),
        ]
        return out + [s for f in extra for s in f(make)]
    return samples


def _h0(make):
    return [
        ModuleSample((3, 4), inputs=(make(5, 2, 3), make(1, 2, 4))),
        ModuleSample((3, 4), {"num_layers": 2, "bidirectional": True},
                     inputs=(make(5, 2, 3), make(4, 2, 4))),
        ModuleSample((3, 4), inputs=(make(5, 3), make(1, 4))),              # unbatched
    ]


def _relu(make):
    return [
        ModuleSample((3, 4), {"nonlinearity": "relu"}, inputs=(make(5, 2, 3),)),
        ModuleSample((3, 4, 2, "relu"), {"bidirectional": True}, inputs=(make(5, 2, 3),)),
    ]


def _lstm_extra(make):
    return [
        ModuleSample((3, 4), inputs=(make(5, 2, 3), (make(1, 2, 4), make(1, 2, 4)))),
        ModuleSample((3, 4), {"num_layers": 2, "bidirectional": True},
                     inputs=(make(5, 2, 3), (make(4, 2, 4), make(4, 2, 4)))),
        ModuleSample((3, 4), inputs=(make(5, 3), (make(1, 4), make(1, 4)))),
        ModuleSample((3, 4), {"proj_size": 2}, inputs=(make(5, 2, 3),)),
        ModuleSample((3, 5), {"proj_size": 2, "num_layers": 2, "bidirectional": True,
                              "dropout": 0.4},
                     inputs=(make(4, 3, 3), (make(4, 3, 2), make(4, 3, 5)))),
        ModuleSample((3, 5), {"proj_size": 3, "bias": False, "batch_first": True},
                     inputs=(make(3, 4, 3),)),
        ModuleSample((3, 5), {"proj_size": 1}, inputs=(make(4, 3), (make(1, 1), make(1, 5)))),
    ]


def _cell_samples(pair, relu=False):
    def samples(make):
        h = (lambda *s: (make(*s), make(*s))) if pair else make
        out = [
            ModuleSample((3, 4), inputs=(make(2, 3),)),
            ModuleSample((3, 4), inputs=(make(2, 3), h(2, 4))),
            ModuleSample((3, 4), {"bias": False}, inputs=(make(5, 3), h(5, 4))),
            ModuleSample((3, 4), inputs=(make(3),)),                         # unbatched
            ModuleSample((3, 4), inputs=(make(3), h(4))),
        ]
        if relu:
            out.append(ModuleSample((3, 4), {"nonlinearity": "relu"},
                                    inputs=(make(2, 3), h(2, 4))))
        return out
    return samples


module_db = [
    ModuleInfo("RNN", _seq_samples((_h0, _relu)), random=True),
    ModuleInfo("LSTM", _seq_samples((_lstm_extra,)), random=True),
    ModuleInfo("GRU", _seq_samples((_h0,)), random=True),
    ModuleInfo("RNNCell", _cell_samples(False, relu=True)),
    ModuleInfo("LSTMCell", _cell_samples(True)),
    ModuleInfo("GRUCell", _cell_samples(False)),
]

EXEMPT = {
    "RNNBase": "abstract base (no forward of its own); covered through RNN/LSTM/GRU",
    "RNNCellBase": "abstract base (no forward); covered through RNNCell/LSTMCell/GRUCell",
}
