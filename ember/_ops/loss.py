"""Loss primitives: NLL (the back half of cross-entropy), binary cross-entropy and CTC.

``nll_loss`` picks ``-w[t] * logp[n, t, ...]`` with ``ignore_index`` and torch's weighted mean;
its backward is a scatter primitive whose own backward is ``nll_loss`` again (so double
backward works). ``binary_cross_entropy`` clamps the logs at -100 and uses torch's
``(x - t) / max(x (1 - x), 1e-12)`` gradient. ``ctc_loss`` runs the alpha recursion in log
space vectorized over batch and label positions (a loop over time only); its backward runs the
beta recursion and returns torch's gradient formula (which, like torch's, is the gradient with
respect to the logits when ``log_probs`` comes from ``log_softmax``).
"""
from __future__ import annotations

from .._backend import CPU, fast
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from .registry import ELEMENTWISE, OTHER, primitive

__all__ = ["nll", "cross_entropy_2d", "binary_cross_entropy", "clamp_min_st", "ctc_nll"]

xp = CPU.xp


# -- nll_loss ------------------------------------------------------------------------------------
def _pick_weights(xp, target, weight, ignore_index, dtype):
    valid = target != ignore_index
    tsafe = xp.where(valid, target, 0)
    if weight is None:
        w = valid.astype(dtype)
    else:
        w = xp.where(valid, weight[tsafe], 0).astype(dtype, copy=False)
    return valid, tsafe, w


@primitive("nll_loss", OTHER, node_name="NllLossBackward0")
def _nll(xp, logp, target, weight=None, *, ignore_index, reduction):
    valid, tsafe, w = _pick_weights(xp, target, weight, ignore_index, logp.dtype)
    picked = xp.take_along_axis(logp, tsafe[:, None], axis=1)[:, 0]
    loss = xp.where(valid, -(picked * w), logp.dtype.type(0))
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    with xp.errstate(invalid="ignore", divide="ignore"):
        return loss.sum() / w.sum()


@_nll.defvjp
def _(g, out, logp, target, weight=None, *, ignore_index, reduction):
    extra = () if weight is None else (weight,)
    gl = _nll_back(g, target, *extra, shape=tuple(logp.shape), ignore_index=ignore_index,
                   reduction=reduction)
    return gl, None, None


@primitive("nll_loss_backward", OTHER, node_name="NllLossBackwardBackward0")
def _nll_back(xp, g, target, weight=None, *, shape, ignore_index, reduction):
    valid, tsafe, w = _pick_weights(xp, target, weight, ignore_index, g.dtype)
    if reduction == "mean":
        with xp.errstate(invalid="ignore", divide="ignore"):
            g = g / w.sum()
    coef = xp.where(valid, -(w * g), g.dtype.type(0))
    out = xp.zeros(shape, g.dtype)
    xp.put_along_axis(out, tsafe[:, None], coef[:, None], axis=1)
    return out


@_nll_back.defvjp
def _(gg, out, g, target, weight=None, *, shape, ignore_index, reduction):
    extra = () if weight is None else (weight,)
    return _nll(gg, target, *extra, ignore_index=ignore_index, reduction=reduction), None, None


def nll(logp: Tensor, target: Tensor, weight, ignore_index: int, reduction: str) -> Tensor:
    """``nll_loss`` on ``(N, C, *d)`` log-probabilities and ``(N, *d)`` int64 targets."""
    if weight is None:
        return _nll(logp, target, ignore_index=ignore_index, reduction=reduction)
    return _nll(logp, target, weight, ignore_index=ignore_index, reduction=reduction)


# -- cross-entropy on (N, C) logits: log_softmax + nll in one primitive -------------------------
@primitive("cross_entropy_loss", OTHER, node_name="NllLossBackward0", nout=2, save_out=True,
           diff_outputs=(True, False))
def _ce(xp, x, target, *, ignore_index, reduction):
    """``(loss, lse)``: ``lse - x[n, t]`` per row (``lse`` the row log-sum-exp, saved).
    With ``ember[fast]`` both come from one parallel pass over the rows (``_fast.softmax``)."""
    n = x.shape[0]
    valid = target != ignore_index
    tsafe = xp.where(valid, target, 0)
    if fast.ENABLED and x.flags.c_contiguous and fast.use(xp, x):
        from ._fast import softmax as k
        lse, loss = k.ce_fwd(x, tsafe)
    else:
        with xp.errstate(invalid="ignore", over="ignore", divide="ignore"):
            lse = x.max(axis=1)
            z = x - lse[:, None]
            xp.exp(z, out=z)
            lse += xp.log(z.sum(axis=1))
        with xp.errstate(invalid="ignore"):
            loss = lse - x[xp.arange(n), tsafe]
    all_valid = bool(valid.all())
    if not all_valid:
        loss[~valid] = 0
    if reduction == "none":
        return loss, lse
    tot = loss.sum()
    if reduction == "mean":
        with xp.errstate(invalid="ignore", divide="ignore"):
            tot = tot / x.dtype.type(n if all_valid else valid.sum())
    return xp.asarray(tot, x.dtype), lse


@_ce.defvjp
def _(g, out, x, target, *, ignore_index, reduction):
    g = g[0]
    t = target._data
    valid = t != ignore_index
    tsafe = xp.where(valid, t, 0)
    n = x._data.shape[0]
    if reduction == "mean":
        cnt = valid.sum()
        coef = valid.astype(x._data.dtype) / x._data.dtype.type(cnt) if cnt else \
            xp.full(n, xp.nan, x._data.dtype)
    else:
        coef = valid.astype(x._data.dtype)
    if STATE.enabled:  # create_graph: the same closed form in ember ops
        from .activation import _softmax
        onehot = xp.zeros(x._data.shape, x._data.dtype)
        onehot[xp.arange(n), tsafe] = 1
        gc = g.reshape(-1, 1) if reduction == "none" else g
        return (_softmax(x, dim=1) - _make(onehot)) * (gc * _make(coef[:, None])), None
    gd = g._data
    coef *= gd if reduction == "none" else gd.reshape(())
    xd, lse = x._data, out[1]._data
    if fast.ENABLED and xd.flags.c_contiguous and fast.use(xp, xd, lse):
        from ._fast import softmax as k
        return _make(k.ce_bwd(xd, lse, tsafe, coef)), None
    p = xd - lse[:, None]                               # softmax - onehot, scaled
    with xp.errstate(over="ignore", invalid="ignore"):
        xp.exp(p, out=p)
    p[xp.arange(n), tsafe] -= 1
    p *= coef[:, None]
    return _make(p), None


def cross_entropy_2d(x: Tensor, target: Tensor, ignore_index: int, reduction: str) -> Tensor:
    """``nll_loss(log_softmax(x, 1), target)`` for (N, C) logits, class-index targets, no
    weight and no smoothing, as one primitive (backward ``(softmax - onehot) * g / count``)."""
    return _ce(x, target, ignore_index=ignore_index, reduction=reduction)[0]


# -- binary cross-entropy ------------------------------------------------------------------------
def _bce_kernel(xp, x, t, w=None):
    lo = x.dtype.type(-100)
    with xp.errstate(divide="ignore", invalid="ignore"):
        log_x = xp.maximum(xp.log(x), lo)
        log_1mx = xp.maximum(xp.log1p(-x), lo)
    loss = (t - 1) * log_1mx - t * log_x
    return loss * w if w is not None else loss


_bce = primitive("binary_cross_entropy", ELEMENTWISE)(_bce_kernel)


@_bce.defvjp
def _(g, out, x, t, w=None):
    if w is not None:
        g = g * w
    gx = gt = None
    if x._requires_grad:
        gx = g * (x - t) / (x * (1 - x)).clamp_min(1e-12)
    if t._requires_grad:
        gt = g * ((-x).log1p() - x.log())
    return gx, gt, None


def binary_cross_entropy(x: Tensor, t: Tensor, w=None) -> Tensor:
    """Unreduced ``-w (t log x + (1 - t) log(1 - x))`` with logs clamped at -100."""
    return _bce(x, t) if w is None else _bce(x, t, w)


# -- a clamp whose gradient passes straight through (torch's no-grad in-place clamp) ------------
@primitive("clamp_min_st", ELEMENTWISE, node_name="CloneBackward0", saves=False)
def _clamp_st(xp, x, lo):
    return xp.maximum(x, x.dtype.type(lo))


@_clamp_st.defvjp
def _(g, out, x, lo):
    return g


def clamp_min_st(x: Tensor, lo: float) -> Tensor:
    """``x.clamp_min(lo)`` in value, identity in gradient (torch clamps such tensors under
    ``no_grad``, e.g. the variance in ``gaussian_nll_loss``)."""
    return _clamp_st(x, lo=lo)


# -- CTC -----------------------------------------------------------------------------------------
_NEG_INF = float("-inf")


def _lse3(xp, a, b, c):
    m = xp.maximum(xp.maximum(a, b), c)
    fin = xp.isfinite(m)
    ms = xp.where(fin, m, 0)
    with xp.errstate(invalid="ignore", over="ignore"):
        s = xp.exp(a - ms) + xp.exp(b - ms) + xp.exp(c - ms)
        return xp.where(fin, xp.log(s) + ms, m)


def _ctc_setup(xp, lp, targets, in_len, tg_len, blank):
    T, N, C = lp.shape
    S = targets.shape[1]
    L = 2 * S + 1
    ext = xp.full((N, L), blank, xp.int64)
    ext[:, 1::2] = xp.clip(targets, 0, C - 1)
    lp_ext = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
    skip = xp.zeros((N, L), bool)
    if L > 3:
        skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
    return ext, lp_ext, skip


def _ctc_alpha(xp, lp_ext, skip, in_len):
    T, N, L = lp_ext.shape
    ninf = lp_ext.dtype.type(_NEG_INF)
    alpha = xp.full((T, N, L), ninf, lp_ext.dtype)
    if T == 0:
        return alpha
    alpha[0, :, 0] = lp_ext[0, :, 0]
    if L > 1:
        alpha[0, :, 1] = lp_ext[0, :, 1]
    pad = xp.full((N, 2), ninf, lp_ext.dtype)
    for t in range(1, T):
        prev = xp.concatenate([pad, alpha[t - 1]], axis=1)
        a1 = prev[:, 1:-1]
        a2 = xp.where(skip, prev[:, :-2], ninf)
        alpha[t] = _lse3(xp, alpha[t - 1], a1, a2) + lp_ext[t]
    return alpha


def _ctc_final(xp, alpha, in_len, tg_len):
    T, N, L = alpha.shape
    n = xp.arange(N)
    tl = xp.clip(in_len - 1, 0, None)
    last = alpha[tl, n, 2 * tg_len]
    before = xp.where(tg_len > 0, alpha[tl, n, xp.maximum(2 * tg_len - 1, 0)],
                      alpha.dtype.type(_NEG_INF))
    ninf = xp.full_like(last, _NEG_INF)
    return -_lse3(xp, last, before, ninf)


@primitive("ctc_loss", OTHER, node_name="CtcLossBackward0")
def _ctc(xp, lp, targets, in_len, tg_len, *, blank, zero_infinity):
    ext, lp_ext, skip = _ctc_setup(xp, lp, targets, in_len, tg_len, blank)
    alpha = _ctc_alpha(xp, lp_ext, skip, in_len)
    nll = _ctc_final(xp, alpha, in_len, tg_len)
    if zero_infinity:
        nll = xp.where(xp.isinf(nll), nll.dtype.type(0), nll)
    return nll


@_ctc.defvjp
def _(g, out, lp, targets, in_len, tg_len, *, blank, zero_infinity):
    return _ctc_back(g, lp.detach(), targets, in_len, tg_len, blank=blank,
                     zero_infinity=zero_infinity), None, None, None


@primitive("ctc_loss_backward", OTHER, node_name="CtcLossBackwardBackward0")
def _ctc_back(xp, g, lp, targets, in_len, tg_len, *, blank, zero_infinity):
    T, N, C = lp.shape
    ext, lp_ext, skip = _ctc_setup(xp, lp, targets, in_len, tg_len, blank)
    L = ext.shape[1]
    alpha = _ctc_alpha(xp, lp_ext, skip, in_len)
    nll = _ctc_final(xp, alpha, in_len, tg_len)
    dead = xp.isinf(nll)
    ninf = lp.dtype.type(_NEG_INF)
    beta = xp.full((T, N, L), ninf, lp.dtype)
    s_idx = xp.arange(L)[None, :]
    init_mask = (s_idx == 2 * tg_len[:, None]) | (s_idx == 2 * tg_len[:, None] - 1)
    pad = xp.full((N, 2), ninf, lp.dtype)
    skip_next = xp.concatenate([skip[:, 2:], xp.zeros((N, 2), bool)], axis=1)
    for t in range(T - 1, -1, -1):
        start = (t == in_len - 1)[:, None] & init_mask
        inside = (t < in_len - 1)[:, None]
        if t + 1 < T:
            nxt = xp.concatenate([beta[t + 1], pad], axis=1)
            b = _lse3(xp, beta[t + 1], nxt[:, 1:-1], xp.where(skip_next, nxt[:, 2:], ninf))
            rec = b + lp_ext[t]
        else:
            rec = xp.full((N, L), ninf, lp.dtype)
        beta[t] = xp.where(start, lp_ext[t], xp.where(inside, rec, ninf))
    with xp.errstate(invalid="ignore", over="ignore"):
        w = xp.exp(alpha + beta - lp_ext + nll[None, :, None])
        w = xp.where(xp.isfinite(alpha) & xp.isfinite(beta), w, 0)
        onehot = (ext[:, :, None] == xp.arange(C)[None, None, :]).astype(lp.dtype)
        contrib = xp.einsum("tns,nsc->tnc", w, onehot)
        grad = (xp.exp(lp) - contrib) * g[None, :, None]
    if dead.any():
        fill = 0.0 if zero_infinity else float("nan")
        grad[:, dead] = fill
    alive = xp.arange(T)[:, None] < in_len[None, :]
    return xp.where(alive[:, :, None], grad, lp.dtype.type(0))


def ctc_nll(log_probs: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor,
            blank: int, zero_infinity: bool = False) -> Tensor:
    """Per-sample CTC negative log-likelihood of ``(T, N, C)`` log-probs, padded targets
    (``zero_infinity`` zeroes infinite losses and their gradients, like torch)."""
    return _ctc(log_probs, targets, input_lengths, target_lengths, blank=blank,
                zero_infinity=zero_infinity)
