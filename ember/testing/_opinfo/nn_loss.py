"""OpInfos: nn.functional losses and distances."""
from __future__ import annotations

import numpy as np

from .core import OpInfo, SampleInput

_REDS = ("none", "mean", "sum")


class Const:
    """An array argument that never requires grad (class weights: torch has no derivative)."""

    def __init__(self, a):
        self.a = a

    def __repr__(self):
        return f"Const{self.a.shape}"


def _F(name):
    """Call ``F.<name>``, turning ``Const`` kwargs into tensors of ``lib``."""
    def fn(lib, *args, **kwargs):
        for k, v in kwargs.items():
            if isinstance(v, Const):
                kwargs[k] = lib.from_numpy(v.a.copy())
        return getattr(lib.nn.functional, name)(*args, **kwargs)
    return fn


def _pm1(make, *shape):
    return np.where(make(*shape) > 0, 1.0, -1.0).astype(make.dtype)


def _pair(make):
    out = []
    for r in _REDS:
        out.append(SampleInput((make(4, 5), make(4, 5)), {"reduction": r}))
    out += [SampleInput((make(3, 4, noncontig=True), make(3, 4))), SampleInput((make(), make())),
            SampleInput((make(0, 3), make(0, 3)), {"reduction": "sum"}),
            SampleInput((make(2, 3, 4), make(2, 3, 4)), {"reduction": "none"})]
    return out


def _pair_weighted(make):
    return _pair(make) + [SampleInput((make(4, 5), make(4, 5)),
                                      {"weight": make(4, 5, low=0.1, high=2), "reduction": r})
                          for r in _REDS]


def _nll_samples(make):
    x = make
    t = make.int
    out = []
    for r in _REDS:
        out.append(SampleInput((x(6, 5), t(6, high=5)), {"reduction": r}))
        out.append(SampleInput((x(6, 5), t(6, high=5)),
                               {"weight": Const(make(5, low=0.1, high=2)), "reduction": r}))
        out.append(SampleInput((x(3, 4, 2, 3), t(3, 2, 3, high=4)), {"reduction": r}))
        out.append(SampleInput((x(2, 4, 5), t(2, 5, high=4)),
                               {"weight": Const(make(4, low=0.1, high=2)), "reduction": r,
                                "ignore_index": 1}))
    tgt = t(6, high=5)
    tgt[[1, 3]] = -100
    out += [SampleInput((x(6, 5), tgt)),
            SampleInput((x(6, 5), tgt), {"weight": Const(make(5, low=0.1))}),
            SampleInput((x(5), np.array(2, np.int64))),
            SampleInput((x(5), np.array(2, np.int64)), {"reduction": "none"}),
            SampleInput((x(4, 3, noncontig=True), t(4, high=3)), {"ignore_index": 0}),
            SampleInput((x(0, 3), t(0, high=3)), {"reduction": "sum"}),
            SampleInput((x(3, 4), t(3, high=4)), {"ignore_index": 2, "reduction": "sum"})]
    return out


def _ce_samples(make):
    out = _nll_samples(make)
    for r in _REDS:
        out.append(SampleInput((make(6, 5), make.int(6, high=5)),
                               {"label_smoothing": 0.2, "reduction": r}))
        out.append(SampleInput((make(6, 5), make.int(6, high=5)),
                               {"label_smoothing": 0.1, "reduction": r, "ignore_index": 3,
                                "weight": Const(make(5, low=0.1, high=2))}))
        out.append(SampleInput((make(2, 3, 4), make.int(2, 4, high=3)),
                               {"label_smoothing": 0.3, "reduction": r}))
        probs = make(6, 5, low=0, high=1)
        out.append(SampleInput((make(6, 5), probs / probs.sum(1, keepdims=True)),
                               {"reduction": r}))
        out.append(SampleInput((make(2, 3, 4), make(2, 3, 4, low=0, high=1)),
                               {"reduction": r, "weight": Const(make(3, low=0.1)),
                                "label_smoothing": 0.25}))
    out.append(SampleInput((make(5), make(5, low=0, high=1))))
    return out


def _bce_samples(make):
    p = lambda *s, **k: make(*s, low=0.05, high=0.95, **k)  # noqa: E731
    out = [SampleInput((p(4, 5), p(4, 5)), {"reduction": r}) for r in _REDS]
    out += [SampleInput((p(4, 5), p(4, 5)), {"weight": Const(make(5, low=0.1, high=2))}),
            SampleInput((p(4, 5), p(4, 5)),
                        {"weight": Const(make(4, 5, low=0.1)), "reduction": "none"}),
            SampleInput((p(), p())), SampleInput((p(3, 2, noncontig=True), p(3, 2)))]
    return out


def _bce_logits_samples(make):
    out = [SampleInput((make(4, 5), make(4, 5, low=0, high=1)), {"reduction": r}) for r in _REDS]
    out += [SampleInput((make(4, 5), make(4, 5, low=0, high=1)),
                        {"weight": make(5, low=0.1, high=2), "pos_weight": make(5, low=0.1)}),
            SampleInput((make(4, 5), make(4, 5, low=0, high=1)),
                        {"pos_weight": make(5, low=0.5, high=3), "reduction": "none"}),
            SampleInput((make(), make(low=0, high=1)))]
    return out


def _big_logit_samples(make):
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], make.dtype)
    return [SampleInput((big, np.array([0, 1], np.int64)), {"reduction": r}) for r in _REDS] + \
        [SampleInput((big, np.array([1, 0], np.int64)), {"label_smoothing": 0.1})]


def _kl_samples(make):
    out = []
    for r in ("none", "sum", "batchmean"):
        out.append(SampleInput((make(4, 5), make(4, 5, low=0.01, high=1)), {"reduction": r}))
        out.append(SampleInput((make(4, 5), make(4, 5)), {"reduction": r, "log_target": True}))
    return out


def _poisson_samples(make):
    out = [SampleInput((make(4, 5), make(4, 5, low=0, high=4)), {"reduction": r}) for r in _REDS]
    out += [SampleInput((make(4, 5, low=0.1, high=3), make(4, 5, low=0, high=4)),
                        {"log_input": False}),
            SampleInput((make(4, 5), make(4, 5, low=0.5, high=4)), {"full": True})]
    return out


def _gauss_samples(make):
    out = [SampleInput((make(4, 5), make(4, 5), make(4, 5, low=0.1, high=2)), {"reduction": r})
           for r in _REDS]
    out += [SampleInput((make(4, 5), make(4, 5), make(4, low=0.1, high=2))),
            SampleInput((make(4, 5), make(4, 5), make(4, 1, low=0.1, high=2)), {"full": True})]
    return out


def _margin_samples(make):
    return [SampleInput((make(4, 5), _pm1(make, 4, 5)), {"reduction": r}) for r in _REDS] + \
        [SampleInput((make(5), _pm1(make, 5)))]


def _multilabel_soft_samples(make):
    t = (make(4, 5) > 0).astype(make.dtype)
    return [SampleInput((make(4, 5), t), {"reduction": r}) for r in _REDS] + \
        [SampleInput((make(4, 5), t), {"weight": make(5, low=0.1)})]


def _multilabel_margin_samples(make):
    t = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 2, 2], [2, 2, 0, -1]], np.int64)
    return [SampleInput((make(4, 4), t), {"reduction": r}) for r in _REDS] + \
        [SampleInput((make(4), np.array([1, 2, -1, 0], np.int64)))]


def _multi_margin_samples(make):
    out = []
    for r in _REDS:
        out.append(SampleInput((make(5, 4), make.int(5, high=4)), {"reduction": r}))
    out += [SampleInput((make(5, 4), make.int(5, high=4)), {"p": 2, "margin": 0.5}),
            SampleInput((make(5, 4), make.int(5, high=4)), {"weight": Const(make(4, low=0.1))}),
            SampleInput((make(4), np.array(1, np.int64)), {"reduction": "none"})]
    return out


def _cos_emb_samples(make):
    t = np.array([1, -1, 1, -1], np.int64)
    return [SampleInput((make(4, 5), make(4, 5), t), {"reduction": r}) for r in _REDS] + \
        [SampleInput((make(4, 5), make(4, 5), t), {"margin": 0.2}),
         SampleInput((make(5), make(5), np.array(-1, np.int64)), {"margin": -0.5})]


def _ranking_samples(make):
    return [SampleInput((make(6), make(6), _pm1(make, 6)), {"reduction": r}) for r in _REDS] + \
        [SampleInput((make(6), make(6), _pm1(make, 6)), {"margin": 0.3})]


def _hinge_samples(make):
    return [SampleInput((make(4, 5), _pm1(make, 4, 5)), {"reduction": r}) for r in _REDS] + \
        [SampleInput((make(4, 5), _pm1(make, 4, 5)), {"margin": 2.0})]


def _triplet_samples(make):
    out = [SampleInput((make(4, 5), make(4, 5), make(4, 5)), {"reduction": r}) for r in _REDS]
    out += [SampleInput((make(4, 5), make(4, 5), make(4, 5)), {"swap": True, "margin": 2.0}),
            SampleInput((make(4, 5), make(4, 5), make(4, 5)), {"p": 1}),
            SampleInput((make(5), make(5), make(5)), {"margin": 3.0})]
    return out


def _ctc_samples(make):
    T, N, C = 8, 3, 5
    tg = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]], np.int64)
    il = np.array([8, 7, 8], np.int64)
    tl = np.array([3, 2, 1], np.int64)
    out = [SampleInput((make(T, N, C), tg, il, tl), {"reduction": r}) for r in _REDS]
    out += [SampleInput((make(T, N, C), np.array([1, 2, 2, 3, 1, 4], np.int64), il, tl)),
            SampleInput((make(T, N, C), tg % 4, il, tl), {"blank": 4, "reduction": "sum"}),
            SampleInput((make(T, C), tg[0], np.array(8), np.array(3)), {"reduction": "none"}),
            SampleInput((make(T, N, C), tg, np.array([8, 2, 8], np.int64), tl),
                        {"zero_infinity": True, "reduction": "none"})]
    return out


def _ctc_fn(lib, x, *args, **kwargs):
    # torch's CTC gradient is the gradient w.r.t. logits behind a log_softmax: test through one
    return lib.nn.functional.ctc_loss(x.log_softmax(-1), *args, **kwargs)


def _dist_samples(make):
    return [SampleInput((make(4, 5), make(4, 5))), SampleInput((make(4, 5), make(5)), {"p": 1.0}),
            SampleInput((make(4, 5), make(4, 5)), {"p": 3.0, "keepdim": True}),
            SampleInput((make(5), make(5)), {"eps": 0.0})]


def _cos_sim_samples(make):
    return [SampleInput((make(4, 5), make(4, 5))), SampleInput((make(4, 5), make(5), 1)),
            SampleInput((make(3, 4, 2), make(3, 4, 2)), {"dim": -1}),
            SampleInput((make(4, 5), make(4, 5), 0))]


op_db = [
    OpInfo("nn.functional.l1_loss", _pair_weighted, fn=_F("l1_loss")),
    OpInfo("nn.functional.mse_loss", _pair_weighted, fn=_F("mse_loss"), gradgrad=True),
    OpInfo("nn.functional.smooth_l1_loss", lambda make: _pair(make) + [
        SampleInput((make(4, 5), make(4, 5)), {"beta": 0.5}),
        SampleInput((make(4, 5), make(4, 5)), {"beta": 0.0})]),
    OpInfo("nn.functional.huber_loss", lambda make: _pair(make) + [
        SampleInput((make(4, 5), make(4, 5)), {"delta": 0.5}),
        SampleInput((make(4, 5), make(4, 5)),
                    {"delta": 2.0, "weight": make(4, 5, low=0.1)})],
        fn=_F("huber_loss")),
    OpInfo("nn.functional.nll_loss", _nll_samples, fn=_F("nll_loss"), gradgrad=True),
    OpInfo("nn.functional.cross_entropy", _ce_samples, fn=_F("cross_entropy"), gradgrad=True),
    OpInfo("nn.functional.cross_entropy(large logits)", _big_logit_samples,
           fn=_F("cross_entropy"), gradcheck=False),
    OpInfo("nn.functional.binary_cross_entropy", _bce_samples,
           fn=_F("binary_cross_entropy")),
    OpInfo("nn.functional.binary_cross_entropy_with_logits", _bce_logits_samples,
           fn=_F("binary_cross_entropy_with_logits")),
    OpInfo("nn.functional.binary_cross_entropy_with_logits(large)", lambda make: [
        SampleInput((np.array([1e4, -1e4, 1e4, -1e4, 0.0], make.dtype),
                     np.array([1.0, 0.0, 0.0, 1.0, 0.5], make.dtype)), {"reduction": r})
        for r in _REDS], fn=_F("binary_cross_entropy_with_logits"), gradcheck=False),
    OpInfo("nn.functional.kl_div", _kl_samples),
    OpInfo("nn.functional.poisson_nll_loss", _poisson_samples),
    OpInfo("nn.functional.gaussian_nll_loss", _gauss_samples),
    OpInfo("nn.functional.gaussian_nll_loss(clamped var)", lambda make: [
        SampleInput((make(3, 2), make(3, 2), make(3, 2, low=2e-6, high=2e-5)), {"eps": 1e-5})],
        fn=lambda lib, *a, **k: lib.nn.functional.gaussian_nll_loss(*a, **k), gradcheck=False),
    OpInfo("nn.functional.soft_margin_loss", _margin_samples),
    OpInfo("nn.functional.multilabel_soft_margin_loss", _multilabel_soft_samples,
           fn=_F("multilabel_soft_margin_loss")),
    OpInfo("nn.functional.multilabel_margin_loss", _multilabel_margin_samples),
    OpInfo("nn.functional.multi_margin_loss", _multi_margin_samples,
           fn=_F("multi_margin_loss")),
    OpInfo("nn.functional.cosine_embedding_loss", _cos_emb_samples),
    OpInfo("nn.functional.margin_ranking_loss", _ranking_samples),
    OpInfo("nn.functional.hinge_embedding_loss", _hinge_samples),
    OpInfo("nn.functional.triplet_margin_loss", _triplet_samples),
    OpInfo("nn.functional.triplet_margin_with_distance_loss", lambda make: [
        SampleInput((make(4, 5), make(4, 5), make(4, 5)), {"reduction": r}) for r in _REDS] + [
        SampleInput((make(4, 5), make(4, 5), make(4, 5)), {"swap": True, "margin": 2.0})]),
    OpInfo("nn.functional.ctc_loss", _ctc_samples, fn=_ctc_fn),
    OpInfo("nn.functional.pairwise_distance", _dist_samples),
    OpInfo("nn.functional.cosine_similarity", _cos_sim_samples),
    OpInfo("nn.functional.pdist", lambda make: [
        SampleInput((make(5, 3),)), SampleInput((make(4, 6),), {"p": 1.0}),
        SampleInput((make(1, 3),)), SampleInput((make(3, 2),), {"p": 3.0})]),
]

EXEMPT = {}
