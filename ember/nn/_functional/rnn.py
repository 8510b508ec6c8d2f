"""Recurrent math behind ``nn.RNN/LSTM/GRU`` and their cells (private: torch has no public
``F.lstm``; these mirror ``torch._VF.rnn_tanh/rnn_relu/lstm/gru`` and the ``*_cell`` ops).

Per layer and direction: one GEMM projects every time step's input (``x @ W_ih^T`` plus the biases
that can be folded in; inside the primitive for LSTM), then one fused primitive
(``ember/_ops/rnn.py``) runs the recurrence. Inputs are handled as time-major packed rows, so dense
and ``PackedSequence`` inputs share one path. Dropout between layers is ``F.dropout`` on the layer
output (time-major ``(T*B, D*H)`` rows: the same element order as torch's ``(T, B, D*H)``), so
masks match torch's from the same seed.
"""
from __future__ import annotations

from ..._ops import rnn as _prim
from ..._ops.join import cat, stack
from ..._ops.linear import _check as _check_linear
from .dropout import dropout as _dropout
from .linear import linear

__all__: list = []


def _layer(mode, x, h0, c0, w, has_biases, sizes, reverse):
    """One direction of one layer on packed rows ``x``: ``(out, h_n, c_n or None)``."""
    w_ih, w_hh = w[0], w[1]
    b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
    w_hr = w[4 if has_biases else 2] if len(w) > (4 if has_biases else 2) else None
    if mode == "GRU":
        xw = linear(x, w_ih, b_ih)
        extra = (b_hh,) if b_hh is not None else ()
        out, hn = _prim._gru_layer(xw, h0, w_hh, *extra, sizes=sizes, reverse=reverse)[:2]
        return out, hn, None
    if mode == "LSTM":  # the primitive does the input projection itself (transposed)
        _check_linear(x, w_ih, b_ih)
        extra = ((b_ih + b_hh,) if has_biases else ()) + ((w_hr,) if w_hr is not None else ())
        out, hn, cn = _prim._lstm_layer(x, h0, c0, w_ih, w_hh, *extra, sizes=sizes,
                                        reverse=reverse, bias=has_biases)[:3]
        return out, hn, cn
    xw = linear(x, w_ih, b_ih + b_hh if has_biases else None)
    out, hn = _prim._rnn_layer(xw, h0, w_hh, sizes=sizes, reverse=reverse,
                               relu=mode == "RNN_RELU")[:2]
    return out, hn, None


def _rnn_impl(mode, input, hx, weights, has_biases, num_layers, dropout, train, bidirectional,
              batch_first, batch_sizes=None):
    """torch's ``_VF.<mode>``: ``(output, h_n)`` or ``(output, h_n, c_n)`` for LSTM.

    ``hx`` is ``h0`` (``(L*D, B, P)``) or ``(h0, c0)`` for LSTM; ``weights`` the flat list in
    torch's ``_flat_weights`` order; ``batch_sizes`` (a tensor) means ``input`` is packed data.
    """
    dirs = 2 if bidirectional else 1
    if batch_sizes is None:
        if batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.shape[0], input.shape[1]
        if steps == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        sizes = (batch,) * steps
        x = input.reshape(steps * batch, input.shape[2])
    else:
        sizes = tuple(int(b) for b in batch_sizes.tolist())
        x = input
    h0, c0 = (hx[0], hx[1]) if mode == "LSTM" else (hx, None)
    per = len(weights) // (num_layers * dirs)
    hns, cns = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            out, hn, cn = _layer(mode, x, h0[k], c0[k] if c0 is not None else None,
                                 weights[k * per:(k + 1) * per], has_biases, sizes, d == 1)
            outs.append(out)
            hns.append(hn)
            cns.append(cn)
        x = cat(outs, 1) if dirs == 2 else outs[0]
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    if batch_sizes is None:
        x = x.reshape(steps, batch, x.shape[1])
        if batch_first:
            x = x.transpose(0, 1)
    if mode == "LSTM":
        return x, stack(hns, 0), stack(cns, 0)
    return x, stack(hns, 0)


def _check_cell(input, hx, w_ih, w_hh, k=0):
    """torch's ``check_rnn_cell_forward_input/hidden`` errors."""
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected "
                           f"{w_ih.shape[1]}")
    if hx is None:
        return
    hxs = hx if isinstance(hx, (tuple, list)) else (hx,)
    for i, h in enumerate(hxs):
        if input.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch "
                               f"size {h.shape[0]}")
        if h.shape[1] != w_hh.shape[1]:
            raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, "
                               f"expected {w_hh.shape[1]}")
    _check_linear(input, w_ih, None)  # torch's dtype errors of the cell's two matmuls
    for h in hxs:
        _check_linear(h, w_hh, None)


def _cell(mode, input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of ``mode`` on a ``(B, I)`` batch (``torch._VF.<mode>_cell``)."""
    _check_cell(input, hx, w_ih, w_hh)
    w = [w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    sizes = (input.shape[0],)
    if mode == "LSTM":
        out, hn, cn = _layer(mode, input, hx[0], hx[1], w, b_ih is not None, sizes, False)
        return hn, cn
    return _layer(mode, input, hx, None, w, b_ih is not None, sizes, False)[1]
