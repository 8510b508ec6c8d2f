"""Attention and Transformer: what the OpInfo/ModuleInfo sweeps can't express."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember

F_E, F_T = ember.nn.functional, torch.nn.functional


def _pair(a):
    return torch.from_numpy(a.copy()), ember.from_numpy(a.copy())


def _close(e, t, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def _copy_weights(src_torch, dst_ember):
    dst_ember.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy())
                               for k, v in src_torch.state_dict().items()})


# -- generate_square_subsequent_mask -----------------------------------------------------------
@pytest.mark.parametrize("sz", [0, 1, 4])
def test_generate_square_subsequent_mask(sz):
    e = ember.nn.Transformer.generate_square_subsequent_mask(sz)
    t = torch.nn.Transformer.generate_square_subsequent_mask(sz)
    assert e.dtype == ember.float32 and tuple(e.shape) == (sz, sz)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_generate_square_subsequent_mask_dtype_and_instance():
    e = ember.nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert e.dtype == ember.float64
    assert e[0, 1].item() == -math.inf and e[1, 0].item() == 0.0
    m = ember.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=8)
    np.testing.assert_array_equal(m.generate_square_subsequent_mask(3).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())


# -- scaled_dot_product_attention ---------------------------------------------------------------
def test_sdpa_causal_with_mask_raises():
    q = ember.randn(2, 3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set"):
        F_E.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(3, 3, dtype=ember.bool),
                                         is_causal=True)


def test_sdpa_dropout_matches_torch_mask_and_stream():
    rng = np.random.default_rng(0)
    qt, qe = _pair(rng.standard_normal((4, 2, 16, 8)).astype(np.float32))
    torch.manual_seed(11)
    t = F_T.scaled_dot_product_attention(qt, qt, qt, dropout_p=0.25, is_causal=True)
    t_next = torch.rand(3)
    ember.manual_seed(11)
    e = F_E.scaled_dot_product_attention(qe, qe, qe, dropout_p=0.25, is_causal=True)
    e_next = ember.rand(3)
    _close(e, t)
    np.testing.assert_array_equal(e_next.numpy(), t_next.numpy())


def test_sdpa_fully_masked_rows_are_zero_with_finite_grads():
    q = ember.randn(2, 4, 3, requires_grad=True)
    mask = ember.ones(4, 4, dtype=ember.bool)
    mask[1] = False
    out = F_E.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    assert not out[:, 1].detach().numpy().any()
    out.sum().backward()
    assert np.isfinite(q.grad.numpy()).all()


def test_sdpa_float32_stays_float32():
    q = ember.randn(1, 3, 4)
    out = F_E.scaled_dot_product_attention(q, q, q, scale=0.5, is_causal=True)
    assert out.dtype == ember.float32


def test_sdpa_double_backward_matches_torch():
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal((2, 3, 4)) for _ in range(3)]
    res = []
    for lib in (torch, ember):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in arrs)
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        (gq,) = lib.autograd.grad((out * out).sum(), q, create_graph=True)
        res.append(lib.autograd.grad(gq.sum(), (k, v)))
    for e, t in zip(res[1], res[0]):
        _close(e, t, rtol=1e-7, atol=1e-9)



@pytest.mark.parametrize("kw", [{"is_causal": True}, {"attn_mask": "float_row"},
                                {"attn_mask": "bool"}])
def test_sdpa_strided_inputs_and_masks_match_torch(kw):
    """q/k/v as transposed head views of one projection (the GPT layout), the fused forward and
    first-order backward against torch."""
    rng = np.random.default_rng(6)
    qkv = rng.standard_normal((3, 7, 3 * 8)).astype(np.float32)
    mask = {"float_row": rng.standard_normal((1, 7)).astype(np.float32),
            "bool": rng.random((7, 7)) > 0.3}.get(kw.get("attn_mask"))
    res = []
    for lib in (torch, ember):
        t = lib.from_numpy(qkv.copy()).requires_grad_()
        q, k, v = (a.view(3, 7, 2, 4).transpose(1, 2) for a in t.split(8, dim=2))
        args = dict(kw)
        if mask is not None:
            args["attn_mask"] = lib.from_numpy(mask.copy())
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, **args)
        (g,) = lib.autograd.grad((out * out).sum(), t)
        res.append((out.detach().numpy(), g.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kw", [{"is_causal": True}, {}, {"is_causal": True, "dropout_p": 0.2}])
def test_sdpa_unmasked_fast_path_matches_torch(kw):
    """The unmasked path (preallocated outputs; unnormalized weights without grad): forward,
    no-grad forward and first-order backward with only some inputs requiring grad."""
    rng = np.random.default_rng(7)
    arrs = [rng.standard_normal((5, 3, 96, 16)).astype(np.float32) for _ in range(3)]
    res = []
    for lib in (torch, ember):
        q, k, v = (lib.from_numpy(a.copy()) for a in arrs)
        k.requires_grad_()
        v.requires_grad_()
        lib.manual_seed(3)
        with lib.no_grad():
            ng = lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
        lib.manual_seed(3)
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
        gk, gv = lib.autograd.grad((out * out).sum(), (k, v))
        res.append([a.detach().numpy() for a in (ng, out, gk, gv)])
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5)


# -- MultiheadAttention --------------------------------------------------------------------------
def test_mha_constructor_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        ember.nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        ember.nn.MultiheadAttention(0, 1)


def test_mha_out_proj_class_and_repr():
    m = ember.nn.MultiheadAttention(4, 2)
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(m.out_proj, ember.nn.Linear)
    assert repr(m) == repr(torch.nn.MultiheadAttention(4, 2))


def test_mha_mismatched_mask_dtypes_warn():
    m = ember.nn.MultiheadAttention(4, 2)
    x = ember.randn(3, 2, 4)
    kpm = ember.zeros(2, 3, dtype=ember.bool)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
        m(x, x, x, key_padding_mask=kpm, attn_mask=ember.zeros(3, 3))


def test_mha_mask_errors_match_torch():
    x = np.random.default_rng(0).standard_normal((3, 2, 4)).astype(np.float32)
    cases = [
        ({"attn_mask": np.zeros((3, 3), np.int64)}, AssertionError,
         "only bool and floating types of attn_mask are supported"),
        ({"attn_mask": np.zeros((2, 3), np.float32)}, RuntimeError,
         r"The shape of the 2D attn_mask is torch.Size\(\[2, 3\]\), but should be \(3, 3\)."),
        ({"attn_mask": np.zeros((3, 3, 3), np.float32)}, RuntimeError,
         "The shape of the 3D attn_mask"),
        ({"key_padding_mask": np.zeros((3,), bool)}, AssertionError,
         "expected `key_padding_mask` to be `None` or 2-D"),
        ({"is_causal": True}, RuntimeError, "Need attn_mask if specifying the is_causal hint"),
    ]
    for kw, exc, msg in cases:
        for lib in (torch, ember):
            torch.manual_seed(0)
            m = lib.nn.MultiheadAttention(4, 2)
            xt = lib.from_numpy(x.copy())
            kwargs = {k: lib.from_numpy(v) if isinstance(v, np.ndarray) else v
                      for k, v in kw.items()}
            with pytest.raises(exc, match=msg):
                m(xt, xt, xt, **kwargs)


def test_mha_wrong_rank_error():
    m = ember.nn.MultiheadAttention(4, 2)
    with pytest.raises(AssertionError, match="query should be unbatched 2D or batched 3D"):
        m(ember.randn(1, 2, 3, 4), ember.randn(1, 2, 3, 4), ember.randn(1, 2, 3, 4))


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_eval_no_grad_matches_torch_fast_path(need_weights):
    """torch takes its native fast path here (eval, no grad, batch_first, self-attention)."""
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    em = ember.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    _copy_weights(tm, em)
    xt, xe = _pair(np.random.default_rng(2).standard_normal((3, 5, 8)).astype(np.float32))
    kpm = np.zeros((3, 5), bool)
    kpm[1, -2:] = True
    with torch.no_grad():
        t_out, t_w = tm(xt, xt, xt, key_padding_mask=torch.from_numpy(kpm),
                        need_weights=need_weights)
    with ember.no_grad():
        e_out, e_w = em(xe, xe, xe, key_padding_mask=ember.from_numpy(kpm),
                        need_weights=need_weights)
    _close(e_out, t_out)
    if need_weights:
        _close(e_w, t_w)
    else:
        assert e_w is None and t_w is None


def test_mha_state_dict_round_trip():
    torch.manual_seed(3)
    tm = torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    em = ember.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    _copy_weights(tm, em)
    tm2 = torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    tm2.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                         for k, v in em.state_dict().items()})
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(tm2.state_dict()[k].numpy(), v.numpy())


# -- Transformer family --------------------------------------------------------------------------
def test_encoder_layers_are_deep_copies():
    layer = ember.nn.TransformerEncoderLayer(8, 2, 16)
    enc = ember.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    w = [lay.linear1.weight for lay in enc.layers]
    assert w[0] is not w[1] and w[0] is not layer.linear1.weight
    np.testing.assert_array_equal(w[0].detach().numpy(), w[2].detach().numpy())


def test_encoder_nested_tensor_warning():
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but "
                                         "self.use_nested_tensor is False because "
                                         "encoder_layer.norm_first was True"):
        enc = ember.nn.TransformerEncoder(
            ember.nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, batch_first=True), 1)
    assert enc.use_nested_tensor is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = ember.nn.TransformerEncoder(
            ember.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1)
    assert enc.use_nested_tensor is True


def test_encoder_eval_padding_matches_torch_nested_path():
    def build(lib):
        lib.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8)).eval()
    tm, em = build(torch), build(ember)
    xt, xe = _pair(np.random.default_rng(4).standard_normal((2, 5, 8)).astype(np.float32))
    kpm = np.array([[False] * 3 + [True] * 2, [False] * 4 + [True]])
    for grad in (False, True):
        with torch.set_grad_enabled(grad):
            t = tm(xt, src_key_padding_mask=torch.from_numpy(kpm))
        with ember.set_grad_enabled(grad):
            e = em(xe, src_key_padding_mask=ember.from_numpy(kpm))
        _close(e, t, atol=1e-5)


def test_encoder_layer_eval_no_grad_fast_path():
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu").eval()
    em = ember.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu").eval()
    _copy_weights(tm, em)
    xt, xe = _pair(np.random.default_rng(5).standard_normal((2, 5, 8)).astype(np.float32))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    with torch.no_grad():
        t = tm(xt, src_mask=mask)
    with ember.no_grad():
        e = em(xe, src_mask=ember.nn.Transformer.generate_square_subsequent_mask(5))
    _close(e, t, atol=1e-5)
    assert em.activation_relu_or_gelu == tm.activation_relu_or_gelu == 2


def test_bad_activation_string():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        ember.nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_transformer_forward_errors():
    m = ember.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(ember.randn(3, 2, 8), ember.randn(3, 4, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal"):
        m(ember.randn(3, 2, 8), ember.randn(3, 2, 6))


def test_transformer_default_init_matches_torch():
    torch.manual_seed(0)
    t = torch.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                             dim_feedforward=32)
    ember.manual_seed(0)
    e = ember.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                             dim_feedforward=32)
    assert list(e.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(e.state_dict()[k].numpy(), v.numpy(), rtol=1e-6, atol=1e-7)


def test_seed_custom_multihead_attention():
    """The seed's hand-written MultiHeadAttention (einsum + masked_fill + softmax)."""
    def build(lib):
        nn, F = lib.nn, lib.nn.functional

        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, num_heads):
                super().__init__()
                self.d_model, self.num_heads = d_model, num_heads
                self.head_dim = d_model // num_heads
                self.q_linear = nn.Linear(d_model, d_model)
                self.k_linear = nn.Linear(d_model, d_model)
                self.v_linear = nn.Linear(d_model, d_model)
                self.out_linear = nn.Linear(d_model, d_model)

            def forward(self, q, k, v, mask=None):
                q = self.q_linear(q).view(q.size(0), -1, self.num_heads, self.head_dim)
                k = self.k_linear(k).view(k.size(0), -1, self.num_heads, self.head_dim)
                v = self.v_linear(v).view(v.size(0), -1, self.num_heads, self.head_dim)
                scores = lib.einsum("bqhd,bkhd->bhqk", [q, k]) / math.sqrt(self.head_dim)
                if mask is not None:
                    scores = scores.masked_fill(mask == 0, -1e9)
                attn = F.softmax(scores, dim=-1)
                out = lib.einsum("bhqk,bkhd->bqhd", [attn, v])
                out = out.contiguous().view(out.size(0), -1, self.d_model)
                return self.out_linear(out)
        lib.manual_seed(0)
        return MultiHeadAttention(16, 4)
    tm, em = build(torch), build(ember)
    xt, xe = _pair(np.random.default_rng(6).standard_normal((2, 5, 16)).astype(np.float32))
    mt, me = _pair(np.tril(np.ones((5, 5), np.int64)))
    t, e = tm(xt, xt, xt, mt), em(xe, xe, xe, me)
    _close(e, t)


def test_seed_bev_transformer_decoder_train_mode():
    """The seed's ``nn.TransformerDecoder(nn.TransformerDecoderLayer(d_model=256, nhead=8),
    num_layers=6)`` called on (queries.unsqueeze(1), memory): dropout 0.1 in train mode."""
    def run(lib):
        lib.manual_seed(0)
        dec = lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(d_model=256, nhead=8),
                                        num_layers=6)
        queries = lib.nn.Parameter(lib.randn(20, 256))
        memory = lib.randn(12, 1, 256)
        out = dec(queries.unsqueeze(1), memory)
        out.sum().backward()
        return out, queries.grad
    (t, tg), (e, eg) = run(torch), run(ember)
    assert tuple(e.shape) == (20, 1, 256)
    _close(e, t, rtol=1e-4, atol=1e-4)
    _close(eg, tg, rtol=1e-4, atol=1e-4)
