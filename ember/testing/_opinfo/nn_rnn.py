"""Recurrent layers: no public functional op (torch has no ``F.lstm``); the fused layer
primitives are exercised through the modules (tests/test_modules.py ModuleInfos for RNN, LSTM,
GRU and the cells) and tests/test_nn_rnn.py (packed input, gradcheck, gradgradcheck)."""
from __future__ import annotations

op_db: list = []

_WHY = ("private fused layer kernel behind nn.RNN/LSTM/GRU; covered by the RNN/LSTM/GRU "
        "ModuleInfos and tests/test_nn_rnn.py (gradcheck + gradgradcheck)")
EXEMPT = {name: _WHY for name in ("lstm_layer", "gru_layer", "rnn_layer")}
EXEMPT.update({f"{name}_backward": "first-order backward kernel of the fused layer (runs only "
               "under no-grad inside its vjp); covered with it" for name in
               ("lstm_layer", "gru_layer", "rnn_layer")})
