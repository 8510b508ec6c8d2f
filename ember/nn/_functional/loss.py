"""nn.functional: losses (torch's argument names, defaults, checks and warnings).

Cross-entropy is ``log_softmax`` + ``nll_loss``, both fused primitives (``ember/_ops``); the
other losses are compositions of ember ops written in torch's formulas. Legacy
``size_average``/``reduce`` map to ``reduction`` with torch's rule and warning.
"""
from __future__ import annotations

import math
import warnings

from ..._backend import CPU
from ..._ops import activation as _act
from ..._ops import loss as _loss
from ..._tensor import Tensor, _make
from .activation import cosine_similarity, pairwise_distance, pdist  # noqa: F401
from .ctc import ctc_loss  # noqa: F401  (split out for length; re-exported here)

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
           "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "ctc_loss",
           "cosine_similarity", "pairwise_distance", "pdist"]

xp = CPU.xp

_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool"}


# -- reductions ----------------------------------------------------------------------------------
def legacy_get_string(size_average, reduce, emit_warning=True) -> str:
    """torch's mapping of the deprecated ``size_average``/``reduce`` pair (with its warning)."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _red(size_average, reduce, reduction) -> str:
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _apply(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _size_warning(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", stacklevel=3)


def _weighted(loss, weight, input, reduction):
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum()


# -- regression losses ---------------------------------------------------------------------------
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error."""
    _size_warning(input, target)
    reduction = _red(size_average, reduce, reduction)
    loss = (input - target).abs()
    return _weighted(loss, weight, input, reduction) if weight is not None else \
        _apply(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error.

    Example::

        >>> F.mse_loss(ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0]))
        tensor(2.5000)
    """
    _size_warning(input, target)
    reduction = _red(size_average, reduce, reduction)
    d = input - target
    loss = d * d
    return _weighted(loss, weight, input, reduction) if weight is not None else \
        _apply(loss, reduction)


def _smooth(input, target, beta):
    d = input - target
    ad = d.abs()
    from ... import where
    return where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` for ``|d| < beta`` else ``|d| - beta / 2``."""
    _size_warning(input, target)
    reduction = _red(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _apply((input - target).abs(), reduction)
    return _apply(_smooth(input, target, beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``delta * smooth_l1(beta=delta)``: quadratic below ``delta``, linear above."""
    _size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    loss = _smooth(input, target, delta) * delta
    if weight is not None:
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                             f"'mean', 'sum'.")
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        return _apply(loss * weight, reduction)
    return _apply(loss, _red(None, None, reduction))


# -- classification: NLL / cross-entropy ----------------------------------------------------------
def _check_nll(input, target, weight):
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{_NAMES.get(target.dtype.name, target.dtype.name)}")
    if input.dim() != 1 and input.shape[0] != target.shape[0] if target.dim() else \
            input.dim() != 1:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.dim() else 1}).")
    c = input.shape[0] if input.dim() == 1 else input.shape[1]
    if input.dim() == 1 and target.dim() > 1 or input.dim() == 2 and target.dim() != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() > 2:
        want = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != want:
            raise RuntimeError(f"Expected target size {list(want)}, got {list(target.shape)}")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    return c


def _checked_target(target, c, ignore_index):
    """torch's out-of-bounds IndexError; targets as int64."""
    t = target._data
    if t.size:
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bad.any():
            raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    return target if t.dtype == xp.int64 else _make(t.astype(xp.int64))


def _nll(logp, target, weight, ignore_index, reduction):
    """nll on checked inputs; ``(C,)`` inputs are run as a batch of one."""
    target = _checked_target(target, logp.shape[0] if logp.dim() == 1 else logp.shape[1],
                             ignore_index)
    if weight is not None and weight._data.dtype != logp._data.dtype:
        weight = weight.to(logp.dtype)
    if weight is not None:
        weight = weight.detach()
    if logp.dim() == 1:
        out = _loss.nll(logp.unsqueeze(0), target.reshape(1), weight, ignore_index, reduction)
        return out.reshape(()) if reduction == "none" else out
    return _loss.nll(logp, target, weight, ignore_index, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class-index targets on ``(N, C, *d)`` log-probabilities."""
    reduction = _red(size_average, reduce, reduction)
    _check_nll(input, target, weight)
    return _nll(input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)``; class-index or probability targets, with
    torch's label smoothing and weighted means.

    Example::

        >>> F.cross_entropy(ember.tensor([[0.0, 0.0]]), ember.tensor([1]))
        tensor(0.6931)
    """
    reduction = _red(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    class_dim = 0 if input.dim() == 1 else 1
    c = input.shape[class_dim]
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_NAMES.get(target.dtype.name)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _prob_ce(input, target, weight, reduction, label_smoothing, class_dim, c)
    _check_nll(input, target, weight)
    if (input.dim() == 2 and input.shape[1] > 0 and weight is None and label_smoothing <= 0.0
            and input._data.dtype.kind == "f" and input._data.dtype.itemsize >= 4):
        target = _checked_target(target, c, ignore_index)  # one fused primitive
        return _loss.cross_entropy_2d(input, target, ignore_index, reduction)
    logp = _act.log_softmax(input, class_dim)
    loss = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0.0:
        return loss
    return _smoothed(logp, target, weight, ignore_index, reduction, label_smoothing, class_dim,
                     c, loss)


def _class_view(weight, ndim, class_dim, c):
    shape = [1] * ndim
    shape[class_dim] = c
    return weight.reshape(shape)


def _prob_ce(input, target, weight, reduction, ls, class_dim, c):
    logp = _act.log_softmax(input, class_dim)
    if ls > 0:
        target = target * (1 - ls) + ls / c
    prod = logp * target
    if weight is not None:
        prod = prod * _class_view(weight, input.dim(), class_dim, c)
    if reduction == "none":
        return -prod.sum(class_dim)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum() / (input.numel() / c)


def _smoothed(logp, target, weight, ignore_index, reduction, ls, class_dim, c, nll):
    if weight is not None:
        smooth = -(logp * _class_view(weight.to(logp.dtype), logp.dim(), class_dim, c)
                   ).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignore = target == ignore_index
    from ... import where
    smooth = where(ignore, 0.0, smooth)
    if reduction == "mean":
        t = target._data
        keep = t != ignore_index
        if weight is not None:
            denom = weight._data[t[keep]].sum(dtype=weight._data.dtype)
        else:
            denom = keep.sum()
        ret = smooth.sum() / _make(xp.asarray(denom, dtype=logp._data.dtype))
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - ls) + ret * (ls / c)


# -- binary ---------------------------------------------------------------------------------------
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-w (t log x + (1 - t) log(1 - x))`` with torch's log clamp at -100."""
    reduction = _red(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input "
                         f"size ({input.size()}) is deprecated. Please ensure they have the same "
                         f"size.")
    x = input._data
    if x.size and ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        from ... import broadcast_shapes
        weight = weight.expand(broadcast_shapes(target.shape, weight.shape)).detach()
    return _apply(_loss.binary_cross_entropy(input, target, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """``(1 - t) x - (1 + (pw - 1) t) logsigmoid(x)``, times ``weight`` (stable for any ``x``)."""
    reduction = _red(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    ls = _act.logsigmoid(input)
    if pos_weight is not None:
        loss = (1 - target) * input - ((pos_weight - 1) * target + 1) * ls
    else:
        loss = (1 - target) * input - ls
    if weight is not None:
        loss = loss * weight
    return _apply(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-y x))``."""
    reduction = _red(size_average, reduce, reduction)
    return _apply((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Mean over classes of the per-class logistic loss."""
    reduction = _red(size_average, reduce, reduction)
    loss = -(target * _act.logsigmoid(input) + (1 - target) * _act.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    return _apply(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log target - input)`` (``log_target`` for log-space targets);
    ``'batchmean'`` divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        from ... import xlogy
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        red = loss.sum()
        return red / input.shape[0] if input.dim() != 0 else red
    return _apply(loss, _red(None, None, reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood (``exp(x) - t x`` for log inputs) with the optional
    Stirling term."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        from ... import where
        t = target
        stirling = t * t.log() - t + (t * (2 * math.pi)).log() * 0.5
        loss = loss + where(t > 1, stirling, 0.0)
    return _apply(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """``0.5 (log var + (x - t)^2 / var)``; ``var`` is clamped at ``eps`` in value only."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        from ... import ones_like
        var = ones_like(input) * var
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and \
                sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = _loss.clamp_min_st(var, eps)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply(loss, reduction)


# -- margin losses -------------------------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -y (x1 - x2) + margin)``."""
    reduction = _red(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _apply((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``."""
    reduction = _red(size_average, reduce, reduction)
    from ... import where
    zeros = input * 0
    margin_clamp = (margin - input).clamp_min(0)
    loss = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _apply(loss, reduction)


def _targets_mask(target, c):
    """(is_target, valid_position) masks for multilabel targets ended by the first -1."""
    t = target._data
    ended = xp.cumsum(t < 0, axis=-1) > 0
    valid = ~ended
    tsafe = xp.where(valid, t, 0)
    is_target = (xp.where(valid, t, -1)[..., :, None] == xp.arange(c)).any(-2)
    return is_target, valid, tsafe


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``sum_{j in targets, i not in targets} max(0, 1 - (x[y_j] - x[i])) / C``."""
    reduction = _red(size_average, reduce, reduction)
    if input.dim() > 2 or input.shape != target.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    squeeze = input.dim() <= 1
    x = input.reshape(1, -1) if squeeze else input
    t = target.reshape(1, -1) if squeeze else target
    c = x.shape[-1]
    is_target, valid, tsafe = _targets_mask(t, c)
    xy = x[_make(xp.arange(x.shape[0])[:, None]), _make(tsafe)]
    hinge = (1 - xy.unsqueeze(-1) + x.unsqueeze(-2)).clamp_min(0)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = (hinge * _make(mask.astype(x._data.dtype))).sum((-1, -2)) / c
    if squeeze:
        loss = loss.reshape(())
    return _apply(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """``sum_{i != y} max(0, margin - x[y] + x[i])^p * w[y] / C``."""
    reduction = _red(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    if input.dim() > 2:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)}")
    squeeze = input.dim() <= 1
    x = input.reshape(1, -1) if squeeze else input
    c = x.shape[-1]
    t = target._data.reshape(-1)
    if t.shape[0] != x.shape[0]:
        raise RuntimeError(f"inconsistent target size, expected {x.shape[0]} but got "
                           f"{list(target.shape)}")
    if t.size and ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    rows = _make(xp.arange(x.shape[0]))
    xy = x[rows, _make(t)]
    z = (margin - xy.unsqueeze(-1) + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.detach()[_make(t)].unsqueeze(-1)
    off = _make((xp.arange(c)[None, :] != t[:, None]).astype(x._data.dtype))
    loss = (z * off).sum(-1) / c
    if squeeze:
        loss = loss.reshape(())
    return _apply(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos`` for ``y == 1``, ``max(0, cos - margin)`` for ``y == -1``."""
    reduction = _red(size_average, reduce, reduction)
    if target.dim() not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.dim() == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    if target.dim() == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    d = input1.dim() - 1
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + eps
    m2 = (input2 * input2).sum(d) + eps
    cos = prod / (m1 * m2).sqrt()
    from ... import where
    zeros = cos * 0
    loss = where(target == 1, 1 - cos, zeros) + where(target == -1, (cos - margin).clamp_min(0),
                                                       zeros)
    return _apply(loss, reduction)


# -- distances and triplet losses ----------------------------------------------------------------
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``pairwise_distance``."""
    reduction = _red(size_average, reduce, reduction)
    a, pp, nn_ = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pp == nn_):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pp}D, "
                           f"and negative {nn_}D inputs")
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from ... import minimum
        d_an = minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _apply((margin + d_ap - d_an).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet loss with any ``distance_function`` (default ``pairwise_distance``)."""
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater than "
                         f"0, got {margin} instead")
    a, pp, nn_ = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pp == nn_):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pp}D, "
                           f"and negative {nn_}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_ap = dist(anchor, positive)
    d_an = dist(anchor, negative)
    if swap:
        from ... import minimum
        d_an = minimum(d_an, dist(positive, negative))
    loss = (d_ap - d_an + margin).clamp_min(0)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _apply(loss, reduction)
