"""nn.functional: connectionist temporal classification loss (``ctc_loss``).

Split out of ``loss.py`` (re-exported there and in ``nn.functional``); the forward/backward
recursions are the fused ``ctc_nll`` primitive in ``ember/_ops/loss.py``.
"""
from __future__ import annotations

from ..._backend import CPU
from ..._ops import loss as _loss
from ..._tensor import Tensor, _make

__all__ = ["ctc_loss"]

xp = CPU.xp


def _lengths(v, n, what):
    arr = v._data if isinstance(v, Tensor) else xp.asarray(v)
    arr = xp.asarray(arr).astype(xp.int64).reshape(-1)
    if arr.shape[0] != n:
        raise RuntimeError(f"Expected tensor to have size at least {n} at dimension 1, but got "
                           f"size {arr.shape[0]} for argument #2 '{what}' (while checking "
                           f"arguments for ctc_loss_cpu)")
    return arr


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist temporal classification loss of ``(T, N, C)`` log-probabilities; targets
    padded ``(N, S)`` or concatenated 1-d. ``'mean'`` divides each loss by its target length."""
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.dim() == 1 else targets
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss expects log_probs to be 2D or 3D, got "
                           f"{log_probs.dim()}D")
    T, N, C = log_probs.shape
    in_len = _lengths(input_lengths, N, "input_lengths")
    tg_len = _lengths(target_lengths, N, "target_lengths")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if in_len.size and in_len.max() > T:
        bad = int(in_len.argmax())
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(in_len[bad])} (while checking arguments for ctc_loss_cpu)")
    tg = targets._data.astype(xp.int64)
    if tg.ndim == 1 and not unbatched:
        smax = int(tg_len.max()) if tg_len.size else 0
        padded = xp.zeros((N, smax), xp.int64)
        offs = xp.concatenate([[0], xp.cumsum(tg_len)[:-1]]).astype(xp.int64)
        for k in range(smax):  # loop over label positions (small), not batch
            has = tg_len > k
            padded[has, k] = tg[offs[has] + k]
        tg = padded
    else:
        if tg.shape[1] < (tg_len.max() if tg_len.size else 0):
            raise RuntimeError(f"Expected tensor to have size at least {int(tg_len.max())} at "
                               f"dimension 1, but got size {tg.shape[1]} for argument #2 "
                               f"'targets' (while checking arguments for ctc_loss_cpu)")
    nll = _loss.ctc_nll(log_probs, _make(tg), _make(in_len), _make(tg_len), blank,
                        bool(zero_infinity))
    if reduction == "mean":
        denom = _make(xp.maximum(tg_len, 1).astype(log_probs._data.dtype))
        out = (nll / denom).mean()
    elif reduction == "sum":
        out = nll.sum()
    elif reduction == "none":
        out = nll.reshape(()) if unbatched else nll
    else:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return out
