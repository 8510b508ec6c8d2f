"""ModuleInfos: MultiheadAttention and the Transformer family.

Every entry is ``random=True`` (both frameworks seeded before the forward), so the dropout > 0
samples compare torch's exact dropout masks in train mode as well.
"""
from __future__ import annotations

import numpy as np

from .core import ModuleInfo, ModuleSample


def _lib(fn):
    """A constructor argument built per framework (``fn(lib)``)."""
    fn._needs_lib = True
    return fn


_GELU = _lib(lambda lib: lib.nn.functional.gelu)
_GELU_MOD = _lib(lambda lib: lib.nn.GELU())


def _causal(n, dtype):
    return np.triu(np.full((n, n), -np.inf, dtype=dtype), 1)


def _pad(n_batch, s):
    m = np.zeros((n_batch, s), dtype=bool)
    m[0, -1] = True
    m[-1, -2:] = True
    return m


def _mha(make):
    dt = make.dtype
    x = make(5, 2, 8)
    kv = make(6, 2, 8)
    fmask = make(5, 6, low=-1, high=1)
    bmask = np.zeros((5, 6), bool)
    bmask[1, 2] = bmask[3, 0] = True
    return [
        ModuleSample((8, 2), inputs=(x, x, x)),
        ModuleSample((8, 2), inputs=(x, kv, kv), forward_kwargs={"need_weights": False}),
        ModuleSample((8, 4), {"bias": False}, inputs=(x, kv, kv),
                     forward_kwargs={"average_attn_weights": False}),
        ModuleSample((8, 2), {"kdim": 3, "vdim": 5}, inputs=(x, make(6, 2, 3), make(6, 2, 5))),
        ModuleSample((8, 2), {"add_bias_kv": True, "add_zero_attn": True},
                     inputs=(x, kv, kv), forward_kwargs={"attn_mask": bmask}),
        ModuleSample((8, 2), {"add_bias_kv": True}, inputs=(x, kv, kv),
                     forward_kwargs={"key_padding_mask": _pad(2, 6), "need_weights": False}),
        ModuleSample((8, 2), {"batch_first": True}, inputs=(make(2, 5, 8), make(2, 6, 8),
                                                            make(2, 6, 8)),
                     forward_kwargs={"key_padding_mask": _pad(2, 6), "attn_mask": bmask}),
        ModuleSample((8, 2), inputs=(x, kv, kv), forward_kwargs={"attn_mask": fmask}),
        ModuleSample((8, 2), inputs=(x, kv, kv),
                     forward_kwargs={"attn_mask": make(4, 5, 6, low=-1, high=1),
                                     "need_weights": False}),
        ModuleSample((8, 2), inputs=(x, x, x),
                     forward_kwargs={"attn_mask": _causal(5, dt), "is_causal": True,
                                     "need_weights": False}),
        ModuleSample((8, 2), inputs=(make(5, 8), make(6, 8), make(6, 8)),
                     forward_kwargs={"key_padding_mask": _pad(1, 6)[0]}),
        ModuleSample((8, 2), {"dropout": 0.3}, inputs=(x, kv, kv)),
        ModuleSample((8, 2), {"dropout": 0.3}, inputs=(x, x, x),
                     forward_kwargs={"need_weights": False}),
    ]


def _enc_layer(make):
    x = make(5, 2, 8)
    return [
        ModuleSample((8, 2, 16, 0.0), inputs=(x,)),
        ModuleSample((8, 2), {"dim_feedforward": 16, "dropout": 0.0, "norm_first": True,
                              "activation": "gelu"}, inputs=(x,),
                     forward_kwargs={"src_mask": _causal(5, make.dtype), "is_causal": True}),
        ModuleSample((8, 2), {"dim_feedforward": 12, "dropout": 0.0, "batch_first": True,
                              "activation": _GELU}, inputs=(make(2, 5, 8),),
                     forward_kwargs={"src_key_padding_mask": _pad(2, 5)}),
        ModuleSample((8, 4), {"dim_feedforward": 12, "dropout": 0.0, "bias": False,
                              "layer_norm_eps": 1e-3, "activation": _GELU_MOD}, inputs=(x,)),
        ModuleSample((8, 2), {"dim_feedforward": 16, "dropout": 0.0}, inputs=(make(5, 8),)),
        ModuleSample((8, 2), {"dim_feedforward": 16, "dropout": 0.2}, inputs=(x,)),
    ]


def _dec_layer(make):
    x, mem = make(4, 2, 8), make(5, 2, 8)
    return [
        ModuleSample((8, 2, 16, 0.0), inputs=(x, mem)),
        ModuleSample((8, 2), {"dim_feedforward": 16, "dropout": 0.0, "norm_first": True,
                              "activation": "gelu"}, inputs=(x, mem),
                     forward_kwargs={"tgt_mask": _causal(4, make.dtype), "tgt_is_causal": True,
                                     "memory_key_padding_mask": _pad(2, 5)}),
        ModuleSample((8, 2), {"dim_feedforward": 16, "dropout": 0.0, "batch_first": True},
                     inputs=(make(2, 4, 8), make(2, 5, 8)),
                     forward_kwargs={"tgt_key_padding_mask": _pad(2, 4),
                                     "memory_mask": make(4, 5, low=-1, high=1)}),
        ModuleSample((8, 2), {"dim_feedforward": 16, "dropout": 0.2}, inputs=(x, mem)),
    ]


def _encoder(make):
    def stack(**kw):
        return _lib(lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, **kw))
    norm = _lib(lambda lib: lib.nn.LayerNorm(8))
    return [
        ModuleSample((stack(), 2), inputs=(make(5, 2, 8),)),
        ModuleSample((stack(batch_first=True), 3, norm), {"enable_nested_tensor": False},
                     inputs=(make(2, 5, 8),),
                     forward_kwargs={"src_key_padding_mask": _pad(2, 5)}),
        ModuleSample((stack(norm_first=True), 2), inputs=(make(5, 2, 8),),
                     forward_kwargs={"mask": _causal(5, make.dtype)}),
    ]


def _decoder(make):
    layer = _lib(lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16, 0.0))
    norm = _lib(lambda lib: lib.nn.LayerNorm(8))
    return [
        ModuleSample((layer, 2), inputs=(make(4, 2, 8), make(5, 2, 8))),
        ModuleSample((layer, 2, norm), inputs=(make(4, 2, 8), make(5, 2, 8)),
                     forward_kwargs={"tgt_mask": _causal(4, make.dtype)}),
    ]


def _transformer(make):
    small = {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1,
             "dim_feedforward": 16}
    return [
        ModuleSample((), {**small, "dropout": 0.0}, inputs=(make(5, 2, 8), make(4, 2, 8))),
        ModuleSample((), {**small, "dropout": 0.0, "batch_first": True, "norm_first": True,
                          "activation": "gelu"},
                     inputs=(make(2, 5, 8), make(2, 4, 8)),
                     forward_kwargs={"tgt_mask": _causal(4, make.dtype),
                                     "src_key_padding_mask": _pad(2, 5),
                                     "memory_key_padding_mask": _pad(2, 5)}),
        ModuleSample((), {**small, "dropout": 0.0}, inputs=(make(5, 8), make(4, 8))),
        ModuleSample((), {**small, "dropout": 0.1}, inputs=(make(5, 2, 8), make(4, 2, 8))),
        ModuleSample((), {**small, "dropout": 0.0, "custom_decoder": _lib(
            lambda lib: lib.nn.TransformerDecoder(
                lib.nn.TransformerDecoderLayer(8, 2, 16, 0.0), 1))},
            inputs=(make(5, 2, 8), make(4, 2, 8))),
    ]


_TOL = {"rtol": 1e-4, "atol": 2e-5}

module_db = [
    ModuleInfo("MultiheadAttention", _mha, random=True),
    ModuleInfo("TransformerEncoderLayer", _enc_layer, random=True),
    ModuleInfo("TransformerDecoderLayer", _dec_layer, random=True),
    ModuleInfo("TransformerEncoder", _encoder, random=True),
    ModuleInfo("TransformerDecoder", _decoder, random=True),
    ModuleInfo("Transformer", _transformer, random=True),
]
