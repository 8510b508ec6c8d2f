"""Fused recurrent layers: one primitive runs a whole RNN / LSTM / GRU layer (one direction).

The front end (``nn/_functional/rnn.py``) computes the input projection of every time step in
one GEMM (``xw = x @ W_ih^T + b``, shape ``(N, gates)``; the LSTM primitive takes ``x`` and
does it itself, transposed) and hands it here, laid out as a *packed* sequence: time-major
rows, step ``t`` holding its ``sizes[t]`` active batch rows (a dense ``(T, B)`` input is the
special case ``sizes = (B,) * T``). The forward loops over time in
NumPy — one ``h @ W_hh^T`` GEMM and a few in-place ufuncs per step — updating only the first
``sizes[t]`` rows of the running state, which is exactly torch's packed semantics in both
directions (finished rows keep their last state; in reverse, late-starting rows start from
``h0``). Gate layouts are torch's: LSTM ``i, f, g, o``; GRU ``r, z, n`` with
``n = tanh(x_n + r * (W_hn h + b_hn))``.

Backward: the first-order path calls a fused BPTT kernel (``*_layer_backward`` primitives, run
only under no-grad), using activations saved as extra, non-differentiable outputs, and finishing
with one GEMM per weight over all steps. With ``create_graph=True`` the rule instead
differentiates the same recurrence written step by step in ember ops (``_reference``), so higher
derivatives are exact.
"""
from __future__ import annotations

from ..autograd.grad_mode import STATE
from .registry import OTHER, primitive

__all__: list = []


def _steps(sizes, reverse):
    """``(start_row, batch)`` per step, in processing order."""
    out, s = [], 0
    for b in sizes:
        out.append((s, b))
        s += b
    return out[::-1] if reverse else out


def _sigmoid_(xp, a):
    """In-place logistic ``1 / (1 + exp(-a))``; callers hold ``errstate(over="ignore")`` (an
    overflowing exp gives the exact limit 0)."""
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


def _ifog(xp, w, hs):
    """Rows of an LSTM weight reordered from torch's ``i, f, g, o`` to ``i, f, o, g`` (the three
    sigmoid gates side by side: one ufunc sweep per step instead of two)."""
    return xp.concatenate([w[:2 * hs], w[3 * hs:], w[2 * hs:3 * hs]])


def _state(xp, h0):
    return xp.array(h0, dtype=h0.dtype, order="C", copy=True)


def _prev(xp, buf, init, prev, bs):
    """The state rows a step reads: the previous step's rows of ``buf`` (its first ``bs``), and
    rows of the initial state ``init`` for sequences that start now (reverse packed input)."""
    if prev is None:
        return init[:bs]
    ps, pbs = prev
    if bs <= pbs:
        return buf[ps:ps + bs]
    return xp.concatenate([buf[ps:ps + pbs], init[pbs:bs]])


def _gather_prev(xp, buf, init, sizes, reverse):
    """Every step's previous-state rows, for all steps at once: ``(N, *)``."""
    n, b0 = buf.shape[0], init.shape[0]
    if all(b == b0 for b in sizes):  # dense: a shifted copy
        return xp.concatenate([init, buf[:n - b0]] if not reverse else [buf[b0:], init])
    idx, prev = xp.empty(n, xp.int64), None
    for s, bs in _steps(sizes, reverse):
        if prev is None:
            idx[s:s + bs] = n + xp.arange(bs)
        else:
            k = min(bs, prev[1])
            idx[s:s + k] = prev[0] + xp.arange(k)
            idx[s + k:s + bs] = n + xp.arange(k, bs)
        prev = (s, bs)
    return xp.concatenate([buf, init])[idx]


def _final(xp, buf, sizes, reverse):
    """The last state of every sequence, ``(B, *)``: its row at its last processed step."""
    if reverse or not sizes:
        return buf[:sizes[0] if sizes else 0].copy()
    b0 = sizes[0]
    if all(b == b0 for b in sizes):
        return buf[buf.shape[0] - b0:].copy()
    starts = xp.concatenate([[0], xp.cumsum(sizes)[:-1]])
    bs = xp.asarray(sizes)
    rows = xp.arange(b0)
    last = (bs[None, :] > rows[:, None]).sum(1) - 1
    return buf[starts[last] + rows]


# -- LSTM -----------------------------------------------------------------------------------
# The LSTM runs transposed: each step's gates are one contiguous ``(4H, bs)`` block (``W @ h^T``
# is much faster in OpenBLAS than ``h @ W^T`` at these shapes, and every gate is a contiguous
# ``(H, bs)`` slab for the ufuncs). The saved ``gates``/``cell``/``tcell`` hold those blocks
# back to back (step ``s:s+bs`` at flat offset ``s * width``).
_LSTM_DIFF = (True, True, True, False, False, False)


def _blk(buf, s, bs):
    """Step ``s:s+bs`` of a block-transposed buffer ``(N, W)``: a contiguous ``(W, bs)`` view."""
    w = buf.shape[1]
    return buf.reshape(-1)[s * w:(s + bs) * w].reshape(w, bs)


def _cprev(xp, cell, c0, prev, bs):
    """The transposed ``(H, bs)`` cell state a step reads (see ``_prev``)."""
    if prev is None:
        return c0[:bs].T
    ps, pbs = prev
    b = _blk(cell, ps, pbs)
    if bs <= pbs:
        return b[:, :bs]
    return xp.concatenate([b, c0[pbs:bs].T], axis=1)


def _final_t(xp, cell, sizes, reverse):
    """``c_n`` ``(B, H)`` from the block-transposed cell buffer."""
    if not sizes:
        return xp.empty((0, cell.shape[1]), cell.dtype)
    steps = _steps(sizes, reverse)
    if all(b == sizes[0] for b in sizes):
        return _blk(cell, *steps[-1]).T.copy()
    res = xp.empty((sizes[0], cell.shape[1]), cell.dtype)
    for s, bs in steps:
        res[:bs] = _blk(cell, s, bs).T
    return res


def _ifog_neg(xp, w, hs):
    """``w`` (rows or a vector) in the kernel's layout: ``i, f, o, g`` with the three sigmoid
    gates negated (so each step's sigmoid is ``1 / (1 + exp(pre))``)."""
    r = _ifog(xp, w, hs)
    xp.negative(r[:3 * hs], out=r[:3 * hs])
    return r


def _un_ifog_neg(xp, a, hs):
    """Inverse of ``_ifog_neg``: a gradient in the kernel's layout back in torch's."""
    h2, h3 = 2 * hs, 3 * hs
    r = xp.empty_like(a)
    xp.negative(a[:h2], out=r[:h2])
    xp.negative(a[h2:h3], out=r[h3:])
    r[h2:h3] = a[h3:]
    return r


def _lstm_split(rest, bias):
    """``(b, w_hr)`` from the optional trailing inputs."""
    b = rest[0] if bias else None
    return b, (rest[1 if bias else 0] if len(rest) > bias else None)


@primitive("lstm_layer", OTHER, node_name="LstmBackward0", nout=6, save_out=True,
           diff_outputs=_LSTM_DIFF)
def _lstm_layer(xp, x, h0, c0, w_ih, w_hh, *rest, sizes, reverse, bias):
    """One LSTM direction on packed rows ``x``; ``rest`` is ``(b_ih + b_hh if bias, w_hr?)``.

    Outputs ``(out, h_n, c_n, gates, cell, tanh(cell))``, the last three block-transposed, gates
    post-activation in row order ``i, f, o, g``. The input projection of every step is one GEMM
    into a transposed ``(4H, N)`` buffer in the kernel's layout (``_ifog_neg``), so a step adds
    a row-contiguous slice of it to ``W_hh'' @ h^T``."""
    b, w_hr = _lstm_split(rest, bias)
    hs = c0.shape[1]
    n, ps, dt = x.shape[0], h0.shape[1], x.dtype
    h2, h3 = 2 * hs, 3 * hs
    xwt = _ifog_neg(xp, w_ih, hs) @ x.T
    if b is not None:
        xwt += _ifog_neg(xp, b, hs)[:, None]
    gates, cell = xp.empty((n, 4 * hs), dt), xp.empty((n, hs), dt)
    tcell, out = xp.empty((n, hs), dt), xp.empty((n, ps), dt)
    w = _ifog_neg(xp, w_hh, hs)
    tmp = xp.empty(hs * (sizes[0] if sizes else 0), dt)
    prev = None
    with xp.errstate(over="ignore"):
        for s, bs in _steps(sizes, reverse):
            e = s + bs
            hp, cp = _prev(xp, out, h0, prev, bs), _cprev(xp, cell, c0, prev, bs)
            g = _blk(gates, s, bs)
            xp.matmul(w, hp.T, out=g)
            g += xwt[:, s:e]
            sg = g[:h3]
            xp.exp(sg, out=sg)
            sg += 1
            xp.reciprocal(sg, out=sg)
            gg = g[h3:]
            xp.tanh(gg, out=gg)
            cn, tc, t = _blk(cell, s, bs), _blk(tcell, s, bs), tmp[:hs * bs].reshape(hs, bs)
            xp.multiply(g[hs:h2], cp, out=cn)
            xp.multiply(g[:hs], gg, out=t)
            cn += t
            xp.tanh(cn, out=tc)
            if w_hr is None:
                xp.multiply(g[h2:h3], tc, out=out[s:e].T)
            else:
                xp.multiply(g[h2:h3], tc, out=t)
                xp.matmul(t.T, w_hr.T, out=out[s:e])
            prev = (s, bs)
    return (out, _final(xp, out, sizes, reverse), _final_t(xp, cell, sizes, reverse), gates,
            cell, tcell)


@primitive("lstm_layer_backward", OTHER, nout=7)
def _lstm_layer_backward(xp, dout, dhn, dcn, x, h0, c0, w_ih, w_hh, out, cell, gates, tcell,
                         *rest, sizes, reverse):
    """BPTT: ``(dx, dh0, dc0, dW_ih, dW_hh, db, dW_hr)``; ``rest`` is ``(w_hr,)`` or
    empty. Each step's gate gradient is built in a contiguous ``(4H, bs)`` scratch in the kernel
    layout, then copied into a ``(4H, N)`` buffer feeding one GEMM per weight."""
    w_hr = rest[0] if rest else None
    n, hs = tcell.shape
    h2, h3 = 2 * hs, 3 * hs
    dt = gates.dtype
    dgt = xp.empty((4 * hs, n), dt)
    b0 = sizes[0] if sizes else 0
    dbuf = xp.empty(4 * hs * b0, dt)
    w_t = xp.ascontiguousarray(_ifog_neg(xp, w_hh, hs).T)  # dh^T = W^T @ d: the fast layout
    dh, dc = xp.array(dhn.T, dt, order="C"), xp.array(dcn.T, dt, order="C")
    ds, t1 = xp.empty((h3, b0), dt), xp.empty((hs, b0), dt)
    dht = xp.empty((dh.shape[0], b0), dt)
    dhp = xp.empty_like(dout) if w_hr is not None else None
    oc = xp.empty((n, hs), dt) if w_hr is not None else None
    steps = _steps(sizes, reverse)
    for k in range(len(steps) - 1, -1, -1):
        s, bs = steps[k]
        e = s + bs
        g, tc = _blk(gates, s, bs), _blk(tcell, s, bs)
        cp = _cprev(xp, cell, c0, steps[k - 1] if k else None, bs)
        d = dbuf[:4 * hs * bs].reshape(4 * hs, bs)
        sg, gg, o = g[:h3], g[h3:], g[h2:h3]      # order i, f, o, g
        dsk, a = ds[:, :bs], t1[:, :bs]
        xp.subtract(sg, 1, out=dsk)
        dsk *= sg                                  # -sigmoid'(i, f, o): the negated layout
        dhk = dht[:, :bs]
        xp.add(dh[:, :bs], dout[s:e].T, out=dhk)
        if w_hr is not None:
            dhp[s:e] = dhk.T
            xp.multiply(o, tc, out=oc[s:e].T)
            dhk = w_hr.T @ dhk
        xp.multiply(tc, tc, out=a)
        xp.subtract(1, a, out=a)
        a *= o
        a *= dhk
        dck = dc[:, :bs]
        dck += a
        xp.multiply(dhk, tc, out=a)
        xp.multiply(a, dsk[h2:], out=d[h2:h3])        # o
        xp.multiply(dck, gg, out=a)
        xp.multiply(a, dsk[:hs], out=d[:hs])          # i
        xp.multiply(dck, cp, out=a)
        xp.multiply(a, dsk[hs:h2], out=d[hs:h2])      # f
        xp.multiply(gg, gg, out=a)
        xp.subtract(1, a, out=a)
        a *= g[:hs]
        xp.multiply(dck, a, out=d[h3:])               # g
        dck *= g[hs:h2]
        xp.matmul(w_t, d, out=dh[:, :bs])
        dgt[:, s:e] = d
    if sizes and all(q == b0 for q in sizes):  # dense: h_prev is out shifted by one step
        lo, hi = (slice(b0, n), slice(0, n - b0)) if not reverse else (slice(0, n - b0),
                                                                        slice(b0, n))
        first = slice(0, b0) if not reverse else slice(n - b0, n)
        dw = dgt[:, lo] @ out[hi]
        dw += dgt[:, first] @ h0
    else:
        dw = dgt @ _gather_prev(xp, out, h0, sizes, reverse)
    dw_hh = _un_ifog_neg(xp, dw, hs)
    dw_ih = _un_ifog_neg(xp, dgt @ x, hs)
    db = _un_ifog_neg(xp, dgt.sum(1), hs)
    dx = (_ifog_neg(xp, w_ih, hs).T @ dgt).T     # F-ordered: its step slices are row-contiguous
    dw_hr = dhp.T @ oc if w_hr is not None else xp.zeros((0,), dt)
    return dx, dh.T.copy(), dc.T.copy(), dw_ih, dw_hh, db, dw_hr


@_lstm_layer.defvjp
def _lstm_vjp(grads, out, x, h0, c0, w_ih, w_hh, *rest, sizes, reverse, bias):
    ins = (x, h0, c0, w_ih, w_hh) + rest
    if STATE.enabled:
        return _graph_vjp("lstm", grads[:3], ins, sizes, reverse, bias)
    w_hr = _lstm_split(rest, bias)[1]
    extra = (w_hr,) if w_hr is not None else ()
    res = _lstm_layer_backward(grads[0], grads[1], grads[2], x, h0, c0, w_ih, w_hh, out[0],
                               out[4], out[3], out[5], *extra, sizes=sizes, reverse=reverse)
    return res[:5] + ((res[5],) if bias else ()) + ((res[6],) if w_hr is not None else ())


# -- GRU ------------------------------------------------------------------------------------
@primitive("gru_layer", OTHER, node_name="GruBackward0", nout=5, save_out=True,
           diff_outputs=(True, True, False, False, False))
def _gru_layer(xp, xw, h0, w_hh, b_hh=None, *, sizes, reverse):
    n, hs, dt = xw.shape[0], h0.shape[1], xw.dtype
    rzn, hgn = xp.empty((n, 3 * hs), dt), xp.empty((n, hs), dt)
    hprev, out = xp.empty((n, hs), dt), xp.empty((n, hs), dt)
    h = _state(xp, h0)
    whh_t = xp.ascontiguousarray(w_hh.T)  # BLAS is much faster on a contiguous B
    with xp.errstate(over="ignore"):
        for s, bs in _steps(sizes, reverse):
            _gru_step(xp, xw, h, whh_t, b_hh, rzn, hgn, hprev, out, s, bs, hs)
    return out, h, rzn, hgn, hprev


def _gru_step(xp, xw, h, whh_t, b_hh, rzn, hgn, hprev, out, s, bs, hs):
    """One GRU step on rows ``s:s+bs``, updating ``h[:bs]`` in place."""
    e, h2 = s + bs, 2 * hs
    hp = h[:bs]
    hprev[s:e] = hp
    hg = hp @ whh_t
    if b_hh is not None:
        hg += b_hh
    g, x = rzn[s:e], xw[s:e]
    xp.add(x[:, :h2], hg[:, :h2], out=g[:, :h2])
    _sigmoid_(xp, g[:, :h2])
    hgn[s:e] = hg[:, h2:]
    n_ = g[:, h2:]
    xp.multiply(g[:, :hs], hg[:, h2:], out=n_)
    n_ += x[:, h2:]
    xp.tanh(n_, out=n_)
    o = out[s:e]
    xp.subtract(hp, n_, out=o)
    o *= g[:, hs:h2]
    o += n_
    hp[...] = o


@primitive("gru_layer_backward", OTHER, nout=4)
def _gru_layer_backward(xp, dout, dhn, w_hh, rzn, hgn, hprev, *, sizes, reverse):
    n, hs = hgn.shape
    r, z, nn_ = rzn[:, :hs], rzn[:, hs:2 * hs], rzn[:, 2 * hs:]
    a_n = (1 - z) * (1 - nn_ * nn_)           # d h / d n_pre
    b_z = (hprev - nn_) * (z * (1 - z))       # d h / d z_pre
    c_r = hgn * (r * (1 - r))                 # d n_pre / d r_pre
    dhg = xp.empty_like(rzn)
    dn = xp.empty((n, hs), rzn.dtype)
    dh = _state(xp, dhn)
    for s, bs in reversed(_steps(sizes, reverse)):
        e = s + bs
        dht = dh[:bs] + dout[s:e]
        dg, dnt = dhg[s:e], dn[s:e]
        xp.multiply(dht, a_n[s:e], out=dnt)
        xp.multiply(dht, b_z[s:e], out=dg[:, hs:2 * hs])
        xp.multiply(dnt, c_r[s:e], out=dg[:, :hs])
        xp.multiply(dnt, r[s:e], out=dg[:, 2 * hs:])
        dht *= z[s:e]
        xp.matmul(dg, w_hh, out=dh[:bs])
        dh[:bs] += dht
    dxw = dhg.copy()
    dxw[:, 2 * hs:] = dn
    return dxw, dh, dhg.T @ hprev, dhg.sum(0)


@_gru_layer.defvjp
def _gru_vjp(grads, out, xw, h0, w_hh, b_hh=None, *, sizes, reverse):
    ins = (xw, h0, w_hh) + ((b_hh,) if b_hh is not None else ())
    if STATE.enabled:
        return _graph_vjp("gru", grads[:2], ins, sizes, reverse)
    res = _gru_layer_backward(grads[0], grads[1], w_hh, out[2], out[3], out[4], sizes=sizes,
                              reverse=reverse)
    return res[:3] + ((res[3],) if b_hh is not None else ())


# -- Elman RNN ------------------------------------------------------------------------------
@primitive("rnn_layer", OTHER, node_name="RnnBackward0", nout=3, save_out=True,
           diff_outputs=(True, True, False))
def _rnn_layer(xp, xw, h0, w_hh, *, sizes, reverse, relu):
    n, hs = xw.shape[0], h0.shape[1]
    out, hprev = xp.empty((n, hs), xw.dtype), xp.empty((n, hs), xw.dtype)
    h = _state(xp, h0)
    whh_t = xp.ascontiguousarray(w_hh.T)  # BLAS is much faster on a contiguous B
    for s, bs in _steps(sizes, reverse):
        e = s + bs
        hp, o = h[:bs], out[s:e]
        hprev[s:e] = hp
        xp.matmul(hp, whh_t, out=o)
        o += xw[s:e]
        if relu:
            xp.maximum(o, 0, out=o)
        else:
            xp.tanh(o, out=o)
        hp[...] = o
    return out, h, hprev


@primitive("rnn_layer_backward", OTHER, nout=3)
def _rnn_layer_backward(xp, dout, dhn, w_hh, out, hprev, *, sizes, reverse, relu):
    deriv = (out > 0).astype(out.dtype) if relu else 1 - out * out
    dpre = xp.empty_like(out)
    dh = _state(xp, dhn)
    for s, bs in reversed(_steps(sizes, reverse)):
        e = s + bs
        d = dpre[s:e]
        xp.add(dh[:bs], dout[s:e], out=d)
        d *= deriv[s:e]
        xp.matmul(d, w_hh, out=dh[:bs])
    return dpre, dh, dpre.T @ hprev


@_rnn_layer.defvjp
def _rnn_vjp(grads, out, xw, h0, w_hh, *, sizes, reverse, relu):
    if STATE.enabled:
        return _graph_vjp("rnn_relu" if relu else "rnn_tanh", grads[:2], (xw, h0, w_hh), sizes,
                          reverse)
    return _rnn_layer_backward(grads[0], grads[1], w_hh, out[0], out[2], sizes=sizes,
                               reverse=reverse, relu=relu)


# -- the reference recurrence in ember ops (create_graph / higher-order gradients) ------------
def _reference(mode, ins, sizes, reverse, bias=False):
    """The layer step by step in differentiable ember ops: ``(out, h_n[, c_n])``."""
    from .join import cat
    xw, h = ins[0], ins[1]
    if mode == "lstm":
        c, w_ih, w_hh = ins[2], ins[3], ins[4]
        b, w_hr = _lstm_split(ins[5:], bias)
        xw = xw.matmul(w_ih.mT)
        if b is not None:
            xw = xw + b
    else:
        c, w_hh = None, ins[2]
        b_hh = ins[3] if len(ins) > 3 else None
    hs = w_hh.shape[0] // {"lstm": 4, "gru": 3}.get(mode, 1)
    outs = {}
    for s, bs in _steps(sizes, reverse):
        x, hp = xw[s:s + bs], h[:bs]
        hg = hp.matmul(w_hh.mT)
        if mode == "lstm":
            gates = x + hg
            i, f = gates[:, :hs].sigmoid(), gates[:, hs:2 * hs].sigmoid()
            g, o = gates[:, 2 * hs:3 * hs].tanh(), gates[:, 3 * hs:].sigmoid()
            cn = f * c[:bs] + i * g
            hn = o * cn.tanh()
            if w_hr is not None:
                hn = hn.matmul(w_hr.mT)
            c = cat([cn, c[bs:]]) if bs < c.shape[0] else cn
        elif mode == "gru":
            if b_hh is not None:
                hg = hg + b_hh
            r = (x[:, :hs] + hg[:, :hs]).sigmoid()
            z = (x[:, hs:2 * hs] + hg[:, hs:2 * hs]).sigmoid()
            nn_ = (x[:, 2 * hs:] + r * hg[:, 2 * hs:]).tanh()
            hn = nn_ + z * (hp - nn_)
        else:
            pre = x + hg
            hn = pre.relu() if mode == "rnn_relu" else pre.tanh()
        outs[s] = hn
        h = cat([hn, h[bs:]]) if bs < h.shape[0] else hn
    out = cat([outs[s] for s in sorted(outs)]) if outs else xw[:, :0]
    return (out, h, c) if mode == "lstm" else (out, h)


def _graph_vjp(mode, grads, ins, sizes, reverse, bias=False):
    from ..autograd import grad
    need = [k for k, t in enumerate(ins) if t._requires_grad]
    outs = _reference(mode, ins, sizes, reverse, bias)
    res = grad(list(outs), [ins[k] for k in need], list(grads), create_graph=True,
               allow_unused=True)
    full = [None] * len(ins)
    for k, r in zip(need, res):
        full[k] = r
    return tuple(full)
