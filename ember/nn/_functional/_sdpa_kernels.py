"""Array kernels of scaled dot-product attention (``attention.py``), on NumPy arrays.

The scores are computed transposed, ``k @ q^T`` (..., S, L), and used through their (..., L, S)
view: NumPy's row reductions and row broadcasts are several times faster along a strided last
axis than along a contiguous short one. (Splitting the batch over two Python threads halves the
kernel time in isolation, but inside a model OpenBLAS's pool still spins on the second core after
the neighbouring Linear GEMMs, and the split gained nothing; so everything runs on one thread.)

With ``ember[fast]`` the elementwise parts between the GEMMs (scale, causal mask, softmax; its
backward ``p * (dP - rowdot(p, dP)) * scale``) are fused parallel Numba kernels on the same
transposed layout (``ember._ops._fast.softmax``). There the scale multiplies the scores (not
``q``), the forward always normalizes the weights (no ``out *= r``), and the backward's row dots
come from ``p`` and ``dP``, as in torch's ``_softmax_backward_data``, rather than ``g . out``.
"""
from __future__ import annotations

from ..._backend import CPU, fast

xp = CPU.xp
_CAUSAL = {}


def causal_bias(L, S, dtype, transposed=False):
    """``0`` on and below the diagonal, ``-inf`` above (torch's ``ones(L, S).tril()``); with
    ``transposed`` its contiguous (S, L) transpose."""
    key = (L, S, dtype.str, transposed)
    b = _CAUSAL.get(key)
    if b is None:
        b = xp.where(xp.tri(L, S, dtype=bool), dtype.type(0), dtype.type(-xp.inf))
        if transposed:
            b = xp.ascontiguousarray(b.T)
        b.flags.writeable = False
        if len(_CAUSAL) > 64:
            _CAUSAL.clear()
        _CAUSAL[key] = b
    return b


def rowsums(s):
    """``s.sum(-1, keepdims=True)``; a batched BLAS ``ones @ s^T`` when ``s`` is the transposed
    view of a contiguous float array."""
    st = xp.swapaxes(s, -1, -2)
    if st.flags.c_contiguous and s.dtype.type in (xp.float32, xp.float64):
        ones = xp.ones((1, st.shape[-2]), s.dtype)
        return xp.swapaxes(xp.matmul(ones, st), -1, -2)
    return s.sum(axis=-1, keepdims=True)


def rowdots(a, b):
    """``sum(a * b, -1)`` of two (..., L, E) arrays (batched BLAS dots of the rows)."""
    if a.dtype.type not in (xp.float32, xp.float64) or not a.size:
        return (a * b).sum(axis=-1)
    return xp.matmul(a[..., None, :], b[..., :, None])[..., 0, 0]


def softmax_rows(s, masked, grad, r=None):
    """Safe softmax of the (..., L, S) scores ``s`` in place; returns the reciprocal row sums
    ``r`` (..., L, 1), 0 for fully masked rows. Without ``grad`` ``s`` is left unnormalized
    (the caller scales the (L, E) result by ``r`` instead)."""
    st = xp.swapaxes(s, -1, -2)
    if fast.ENABLED and st.flags.c_contiguous and fast.use(xp, s) and \
            (r is None or r.flags.c_contiguous):
        from ..._ops._fast import softmax as k
        if r is None:
            r = xp.empty(s.shape[:-1] + (1,), s.dtype)
        k.softmax_cols(st, r, False, masked, grad)
        return r
    mx = s.max(axis=-1, keepdims=True)
    if masked and not xp.isfinite(mx).all():  # torch's _safe_softmax: all -inf rows -> 0
        mx[~xp.isfinite(mx)] = 0
    s -= mx
    xp.exp(s, out=s)
    tot = rowsums(s)
    if masked:
        tot[tot == 0] = xp.inf
    r = xp.reciprocal(tot, out=tot if r is None else r)
    if grad:
        s *= r
    return r


def _fwd_into(q, k, v, drop, scale, causal, grad, st, out, r):
    """The unmasked forward of one batch slice, written into ``st``/``out``/``r``."""
    if fast.ENABLED and fast.use(xp, st):     # the scale is applied in the softmax kernel
        from ..._ops._fast import softmax as kf
        xp.matmul(k, xp.swapaxes(q, -1, -2), out=st)
        kf.softmax_cols(st, r, causal, causal, True, scale)
        s = xp.swapaxes(st, -1, -2)
        xp.matmul(s * drop if drop is not None else s, v, out=out)
        return
    xp.matmul(k, xp.swapaxes(q * q.dtype.type(scale), -1, -2), out=st)
    if causal:
        st += causal_bias(st.shape[-1], st.shape[-2], st.dtype, transposed=True)
    s = xp.swapaxes(st, -1, -2)
    softmax_rows(s, causal, grad, r)
    xp.matmul(s * drop if drop is not None else s, v, out=out)
    if not grad:
        out *= r


def _bwd_into(g, out, p, q, k, v, drop, scale, need, dq, dk, dv):
    """The unmasked first-order backward of one batch slice, into ``dq``/``dk``/``dv``."""
    if need[2]:
        xp.matmul(xp.swapaxes(p * drop if drop is not None else p, -1, -2), g, out=dv)
    dst = xp.matmul(v, xp.swapaxes(g, -1, -2))
    ds = xp.swapaxes(dst, -1, -2)
    if drop is not None:
        ds *= drop
    pt = xp.swapaxes(p, -1, -2)
    if fast.ENABLED and pt.flags.c_contiguous and fast.use(xp, dst, pt):
        from ..._ops._fast import softmax as kf
        kf.softmax_bwd_cols(pt, dst, scale)     # ds, times the scale
        if need[0]:
            xp.matmul(ds, k, out=dq)
        if need[1]:
            xp.matmul(dst, q, out=dk)
        return
    # sum_j dP_ij P_ij == g_i . out_i (dropout included): the flash-attention shortcut
    ds -= rowdots(g, out)[..., None]
    ds *= p
    sc = ds.dtype.type(scale)  # folded into the (smaller) L x E / S x E products
    if need[0]:
        xp.matmul(ds, k, out=dq)
        dq *= sc
    if need[1]:
        xp.matmul(xp.swapaxes(ds, -1, -2), q, out=dk)
        dk *= sc


def splittable(q, k, v, extra):
    """True when the fast path applies: no attn_mask, float32/64, equal batch dims (>= 3-D)."""
    b = q.shape[:-2]
    return (q.ndim >= 3 and k.shape[:-2] == b and v.shape[:-2] == b and q.shape[-2] > 0
            and k.shape[-2] > 0 and q.dtype.type in (xp.float32, xp.float64)
            and all(e.shape[:-2] == b for e in extra))


def sdpa_fast(q, k, v, drop, scale, causal, grad):
    """``(out, p, r)`` of unmasked attention (see ``splittable``)."""
    L, S = q.shape[-2], k.shape[-2]
    b = q.shape[:-2]
    st = xp.empty(b + (S, L), q.dtype)
    out = xp.empty(b + (L, v.shape[-1]), q.dtype)
    r = xp.empty(b + (L, 1), q.dtype)
    _fwd_into(q, k, v, drop, scale, causal, grad, st, out, r)
    return out, xp.swapaxes(st, -1, -2), r


def sdpa_bwd_fast(g, out, p, q, k, v, drop, scale, need):
    """``(dq, dk, dv)`` (None where not needed) of unmasked attention."""
    dq = xp.empty(q.shape, q.dtype) if need[0] else None
    dk = xp.empty(k.shape, k.dtype) if need[1] else None
    dv = xp.empty(v.shape, v.dtype) if need[2] else None
    _bwd_into(g, out, p, q, k, v, drop, scale, need, dq, dk, dv)
    return dq, dk, dv
