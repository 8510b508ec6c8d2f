"""OpInfos: scaled dot-product attention and the multi-head attention forward."""
from __future__ import annotations

import numpy as np

from .core import OpInfo, SampleInput


def _seeded_sdpa(lib, *args, **kwargs):
    """SDPA with dropout: both frameworks seeded identically, so torch's mask is compared."""
    lib.manual_seed(0)
    return lib.nn.functional.scaled_dot_product_attention(*args, **kwargs)


def _bool_mask(L, S, dead_row=None, seed=0):
    m = np.random.default_rng(seed).random((L, S)) < 0.7
    m[:, 0] = True
    if dead_row is not None:
        m[dead_row] = False
    return m


def _sdpa(make):
    return [
        SampleInput((make(2, 3, 5, 4), make(2, 3, 6, 4), make(2, 3, 6, 3))),
        SampleInput((make(5, 4), make(6, 4), make(6, 7))),
        SampleInput((make(3, 5, 4), make(3, 5, 4), make(3, 5, 4)), {"is_causal": True}),
        SampleInput((make(2, 7, 4), make(2, 3, 4), make(2, 3, 2)), {"is_causal": True}),
        SampleInput((make(2, 3, 4), make(2, 6, 4), make(2, 6, 2)), {"is_causal": True}),
        SampleInput((make(1, 2, 2, 3, 4), make(1, 2, 2, 5, 4), make(1, 2, 2, 5, 4))),
        SampleInput((make(2, 1, 3, 4), make(3, 5, 4), make(3, 5, 2))),
        SampleInput((make(2, 2, 5, 4), make(2, 2, 6, 4), make(2, 2, 6, 3)),
                    {"attn_mask": make(5, 6, low=-2, high=2)}),
        SampleInput((make(2, 2, 5, 4), make(2, 2, 6, 4), make(2, 2, 6, 3),
                     make(2, 1, 5, 6, low=-2, high=2))),
        SampleInput((make(2, 2, 5, 4), make(2, 2, 6, 4), make(2, 2, 6, 3)),
                    {"attn_mask": _bool_mask(5, 6)}),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)),
                    {"attn_mask": _bool_mask(5, 6, dead_row=2)}),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)),
                    {"attn_mask": np.where(_bool_mask(5, 6, dead_row=1), 0, -np.inf)
                     .astype(make.dtype)}),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)), {"scale": 0.3}),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)),
                    {"scale": -0.5, "is_causal": True}),
        SampleInput((make(2, 4, 5, 4), make(2, 2, 6, 4), make(2, 2, 6, 3)),
                    {"enable_gqa": True}),
        SampleInput((make(2, 4, 5, 4), make(2, 1, 6, 4), make(2, 1, 6, 3)),
                    {"enable_gqa": True, "is_causal": True}),
        SampleInput((make(2, 0, 4), make(2, 6, 4), make(2, 6, 3))),
        SampleInput((make(2, 5, 4), make(2, 0, 4), make(2, 0, 3))),
        SampleInput((make(2, 5, 4, noncontig=True), make(2, 6, 4), make(2, 6, 3, noncontig=True))),
        # rejected inputs: torch's RuntimeErrors
        SampleInput((make(4), make(4), make(4)), grad=False),
        SampleInput((make(2, 5, 4), make(2, 6, 3), make(2, 6, 3)), grad=False),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 7, 3)), grad=False),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3, dtype=np.float16)), grad=False),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)),
                    {"attn_mask": make.int(5, 6)}, grad=False),
        SampleInput((make(2, 4, 5, 4), make(2, 3, 6, 4), make(2, 3, 6, 3)),
                    {"enable_gqa": True}, grad=False),
        SampleInput((make(3, 2, 5, 4), make(2, 2, 6, 4), make(2, 2, 6, 3)), grad=False),
    ]


def _sdpa_dropout(make):
    return [
        SampleInput((make(2, 3, 5, 4), make(2, 3, 6, 4), make(2, 3, 6, 3)), {"dropout_p": 0.3}),
        SampleInput((make(2, 5, 4), make(2, 5, 4), make(2, 5, 4)),
                    {"dropout_p": 0.5, "is_causal": True}),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)),
                    {"dropout_p": 0.2, "attn_mask": _bool_mask(5, 6), "scale": 0.4}),
        SampleInput((make(2, 5, 4), make(2, 6, 4), make(2, 6, 3)), {"dropout_p": 1.0}),
    ]


def _mha_fn(lib, q, k, v, in_w, in_b, out_w, out_b, bias_k=None, bias_v=None, heads=2,
            add_zero_attn=False, seeded=False, **kwargs):
    if seeded:
        lib.manual_seed(0)
    return lib.nn.functional.multi_head_attention_forward(
        q, k, v, q.shape[-1], heads, in_w, in_b, bias_k, bias_v, add_zero_attn,
        kwargs.pop("dropout_p", 0.0), out_w, out_b, **kwargs)


def _mha(make):
    E = 4

    def w():
        return (make(3 * E, E, low=-1, high=1), make(3 * E, low=-0.5, high=0.5),
                make(E, E, low=-1, high=1), make(E, low=-0.5, high=0.5))
    x, kv = make(3, 2, E), make(5, 2, E)
    causal = np.triu(np.full((3, 3), -np.inf, dtype=make.dtype), 1)
    pad = np.zeros((2, 5), bool)
    pad[1, -2:] = True
    return [
        SampleInput((x, kv, kv) + w()),
        SampleInput((x, kv, kv) + w(), {"need_weights": False}),
        SampleInput((x, kv, kv) + w(), {"average_attn_weights": False,
                                         "key_padding_mask": pad}),
        SampleInput((x, kv, kv) + w(), {"bias_k": make(1, 1, E), "bias_v": make(1, 1, E),
                                         "add_zero_attn": True, "key_padding_mask": pad,
                                         "need_weights": False}),
        SampleInput((x, x, x) + w(), {"attn_mask": causal, "is_causal": True,
                                       "need_weights": False}),
        SampleInput((x, kv, kv) + w(), {"attn_mask": make(4, 3, 5, low=-1, high=1)}),
        SampleInput((make(3, E), make(5, E), make(5, E)) + w(),
                    {"key_padding_mask": pad[1], "heads": 1}),
        SampleInput((x, kv, kv, None, make(3 * E), make(E, E), None),
                    {"use_separate_proj_weight": True, "q_proj_weight": make(E, E),
                     "k_proj_weight": make(E, E), "v_proj_weight": make(E, E)}),
        SampleInput((x, kv, kv) + w(), {"dropout_p": 0.4, "seeded": True}),
        SampleInput((x, kv, kv) + w(), {"dropout_p": 0.4, "seeded": True,
                                         "need_weights": False}),
        SampleInput((x, kv, kv) + w(), {"dropout_p": 0.4, "training": False}),
        # rejected: torch's AssertionError / RuntimeError
        SampleInput((make(2, 3, 2, E), kv, kv) + w(), grad=False),
        SampleInput((x, kv, kv) + w(), {"attn_mask": make(2, 5, low=-1, high=1)}, grad=False),
        SampleInput((x, kv, kv) + w(), {"is_causal": True}, grad=False),
        SampleInput((x, kv, kv) + w(), {"attn_mask": make.int(3, 5)}, grad=False),
    ]


op_db = [
    OpInfo("nn.functional.scaled_dot_product_attention", _sdpa, gradgrad=True),
    OpInfo("nn.functional.scaled_dot_product_attention.dropout", _sdpa_dropout, fn=_seeded_sdpa,
           gradgrad=True),
    OpInfo("nn.functional.multi_head_attention_forward", _mha, fn=_mha_fn),
]
