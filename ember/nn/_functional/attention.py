"""nn.functional: scaled dot-product attention and the multi-head attention forward.

``scaled_dot_product_attention`` is one fused primitive (torch's CPU "math" path, whose numbers
it reproduces): scores ``q @ k^T * scale`` plus the causal / boolean / float masks, a *safe*
softmax (fully masked rows give zeros, like torch's ``_safe_softmax``), dropout on the weights
with torch's draw (``empty_like(attn).bernoulli_(1 - p)`` then ``div_(1 - p)``, so
``manual_seed(s)`` gives torch's mask), then ``@ v``. Its backward is two fused BLAS passes
(first order) or ember ops (``create_graph=True``). ``multi_head_attention_forward`` mirrors
torch's Python function step by step (projections, masks, bias_k/v, zero attention, weights).
"""
from __future__ import annotations

import math
import warnings

from ... import _dtype as _dtype_mod
from ..._backend import CPU
from ..._ops.creation import empty, zeros
from ..._ops.registry import OTHER, primitive, sum_to
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from ._sdpa_kernels import (causal_bias, rowdots, sdpa_bwd_fast, sdpa_fast, softmax_rows,
                            splittable)
from .activation import softmax
from .dropout import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "_canonical_mask",
           "_none_or_dtype", "_mha_shape_check", "_in_projection_packed", "_in_projection"]

xp = CPU.xp
_TORCH_DT = {"float32": "float", "float64": "double", "float16": "c10::Half",
             "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
             "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
             "bool": "bool"}


def _dtname(t) -> str:
    return _TORCH_DT.get(t.dtype.name if hasattr(t.dtype, "name") else str(t.dtype), "?")


def _arr_sum_to(a, shape):
    if a.shape == tuple(shape):
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and a.shape[i + lead] != 1)
    return a.sum(axis=axes, keepdims=True).reshape(shape)


@primitive("scaled_dot_product_attention", OTHER, node_name="ScaledDotProductAttentionBackward0",
           nout=3, save_out=True, diff_outputs=(True, False, False))
def _sdpa(xp, q, k, v, *extra, scale, causal, has_mask, has_drop, grad):
    """``(out, p, r)``: ``p`` the softmax weights before dropout (saved for backward) and ``r``
    their reciprocal row sums (0 for fully masked rows). Without ``grad`` (nothing will be
    saved) ``p`` stays unnormalized and ``r`` scales the (L, E) result instead.

    See ``_sdpa_kernels`` for the layout and the threaded fast path."""
    if not has_mask and splittable(q, k, v, extra):
        return sdpa_fast(q, k, v, extra[-1] if has_drop else None, scale, causal, grad)
    st = xp.matmul(k, xp.swapaxes(q * q.dtype.type(scale), -1, -2))
    s = xp.swapaxes(st, -1, -2)
    L, S = s.shape[-2:]
    if causal:
        st += causal_bias(L, S, s.dtype, transposed=True)
    if has_mask:
        m = extra[0]
        if m.dtype == bool:
            s = xp.where(m, s, s.dtype.type(-xp.inf))
        elif s.shape == xp.broadcast_shapes(s.shape, m.shape):
            s += m
        else:
            s = s + m
    if S:
        r = softmax_rows(s, causal or has_mask, grad)
    else:
        r = xp.zeros(s.shape[:-1] + (1,), s.dtype)
    out = xp.matmul(s * extra[-1] if has_drop else s, v)
    if not grad:
        out *= r
    return out, s, r


@primitive("scaled_dot_product_attention_backward", OTHER, nout=4)
def _sdpa_bwd(xp, g, out, p, r, q, k, v, *extra, scale, has_mask, has_drop, need):
    """First-order gradients ``(dq, dk, dv, dmask)`` from the saved weights, on arrays; ``dP``
    is formed transposed like the forward scores (fast row reductions/broadcasts)."""
    drop = extra[-1] if has_drop else None
    e = xp.empty(0, dtype=g.dtype)
    if not has_mask and splittable(q, k, v, extra):
        dq, dk, dv = sdpa_bwd_fast(g, out, p, q, k, v, drop, scale, need)
        return (e if dq is None else dq, e if dk is None else dk, e if dv is None else dv, e)
    pd = p * drop if has_drop else p
    dv = _arr_sum_to(xp.matmul(xp.swapaxes(pd, -1, -2), g), v.shape) if need[2] else None
    ds = xp.swapaxes(xp.matmul(v, xp.swapaxes(g, -1, -2)), -1, -2)
    if has_drop:
        ds *= drop
    # sum_j dP_ij P_ij == g_i . out_i (dropout included): the flash-attention shortcut
    ds -= rowdots(g, out)[..., None]
    ds *= p
    dm = _arr_sum_to(ds, extra[0].shape) if need[3] else None
    sc = ds.dtype.type(scale)  # folded into the (smaller) L x E / S x E products
    dq = _arr_sum_to(_scaled(xp.matmul(ds, k), sc), q.shape) if need[0] else None
    dk = _arr_sum_to(_scaled(xp.matmul(xp.swapaxes(ds, -1, -2), q), sc),
                     k.shape) if need[1] else None
    return (e if dq is None else dq, e if dk is None else dk, e if dv is None else dv,
            e if dm is None else dm)


def _scaled(a, sc):
    a *= sc
    return a


@_sdpa.defvjp
def _sdpa_vjp(g, out, q, k, v, *extra, scale, causal, has_mask, has_drop, grad):
    g = g[0]
    mask = extra[0] if has_mask else None
    drop = extra[-1] if has_drop else None
    fmask = mask is not None and mask.dtype.is_floating_point
    need = (q._requires_grad, k._requires_grad, v._requires_grad,
            bool(fmask and mask._requires_grad))
    if not STATE.enabled:
        res = _sdpa_bwd(g, out[0], out[1], out[2], q, k, v, *extra, scale=scale, has_mask=has_mask,
                        has_drop=has_drop, need=need)
        grads = tuple(r if n else None for r, n in zip(res, need))
        return grads[:3] + ((grads[3],) if has_mask else ()) + ((None,) if has_drop else ())
    # create_graph: recompute the weights differentiably and write the rule in ember ops
    p = _probs(q, k, mask, scale, causal)
    pd = p * drop if drop is not None else p
    dv = sum_to(pd.transpose(-2, -1).matmul(g), v.shape) if need[2] else None
    dp = g.matmul(v.transpose(-2, -1))
    if drop is not None:
        dp = dp * drop
    ds = p * (dp - (dp * p).sum(-1, keepdim=True))
    dm = sum_to(ds, mask.shape) if need[3] else None
    ds = ds * scale
    dq = sum_to(ds.matmul(k), q.shape) if need[0] else None
    dk = sum_to(ds.transpose(-2, -1).matmul(q), k.shape) if need[1] else None
    return (dq, dk, dv) + ((dm,) if has_mask else ()) + ((None,) if has_drop else ())


def _probs(q, k, mask, scale, causal):
    """The attention weights as ember ops (the differentiable recompute for double backward)."""
    from ..._ops.creation import tensor as _tensor
    from ..._ops.select import where
    s = q.matmul(k.transpose(-2, -1)) * scale
    L, S = s.shape[-2:]
    if causal:
        s = s + _tensor(causal_bias(L, S, s._data.dtype))
    if mask is not None:
        if mask.dtype.is_floating_point:
            s = s + mask
        else:
            s = s.masked_fill(mask.logical_not(), float("-inf"))
    if causal or mask is not None:
        dead = _tensor(~xp.isfinite(s._data.max(axis=-1, keepdims=True)))
        if bool(dead._data.any()):
            s = where(dead, zeros((), dtype=s.dtype), s)
            return where(dead, zeros((), dtype=s.dtype), s.softmax(-1))
    return s.softmax(-1)


def _check_sdpa(query, key, value, attn_mask):
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.dim()} key.dim: {key.dim()} and "
                           f"value.dim: {value.dim()} instead.")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_dtname(query)} key.dtype: {_dtname(key)} and "
                           f"value.dtype: {_dtname(value)} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {_dtname(query).title()}")
    if attn_mask is not None and attn_mask.dtype.name != "bool" and \
            attn_mask.dtype != query.dtype:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_dtname(attn_mask)} and  "
                           f"query.dtype: {_dtname(query)} instead.")
    if query.shape[-1] != key.shape[-1]:
        b = math.prod(key.shape[:-2])
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"{[b, query.shape[-1]]} but got: {[b, key.shape[-1]]}.")
    if key.shape[-2] != value.shape[-2]:
        b = math.prod(value.shape[:-2])
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"{[b, key.shape[-2]]} but got: {[b, value.shape[-2]]}.")


def _bshape(*shapes):
    try:
        return tuple(xp.broadcast_shapes(*shapes))
    except ValueError:
        a, b = shapes[0], shapes[1]
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        for i in range(n):
            if a[i] != b[i] and 1 not in (a[i], b[i]):
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor "
                                   f"b ({b[i]}) at non-singleton dimension {i}") from None
        raise RuntimeError(f"shapes {shapes} cannot be broadcast") from None


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(q @ k^T * scale + mask) @ v`` with optional dropout on the weights
    (``torch.nn.functional.scaled_dot_product_attention``, its CPU math path).

    ``attn_mask``: bool (True = takes part) or float (added), broadcast to ``(..., L, S)``;
    ``is_causal`` applies torch's ``tril`` mask (an error together with ``attn_mask``, as on
    torch's autograd path; torch's no-grad CPU kernel would combine the two);
    ``enable_gqa`` repeats key/value heads (dim -3) to the query's head count.

    Example::

        >>> q = ember.ones(1, 2, 3, 4)
        >>> ember.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True).shape
        torch.Size([1, 2, 3, 4])
    """
    _check_sdpa(query, key, value, attn_mask)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if enable_gqa and query.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hk != hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads "
                               "in query")
        if hk != hq:
            key = key.repeat_interleave(hq // hk, -3)
            value = value.repeat_interleave(hq // hv, -3)
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    batch, kb, vb = query._data.shape[:-2], key._data.shape[:-2], value._data.shape[:-2]
    if not batch == kb == vb:  # the common equal-batch case needs no broadcast check
        batch = _bshape(batch, kb)
        _bshape(kb, vb)
    extra = ()
    if attn_mask is not None:
        shape = _bshape(batch + (L, S), tuple(attn_mask.shape))
        extra = (attn_mask,)
    else:
        shape = batch + (L, S)
    has_drop = dropout_p > 0.0
    low = query.dtype.name in ("float16", "bfloat16")
    if has_drop:
        ndt = _dtype_mod.float32 if low else query.dtype
        if dropout_p > 1:
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got "
                               f"{dropout_p}")
        if dropout_p == 1:
            noise = zeros(shape, dtype=ndt)
        else:
            noise = empty(shape, dtype=ndt).bernoulli_(1 - dropout_p)
            noise.div_(1 - dropout_p)
        extra = extra + (noise,)
    if low:  # torch's math path keeps half-precision intermediates in float32
        dt = query.dtype
        query, key, value = query.float(), key.float(), value.float()
        extra = tuple(t.float() if t.dtype.is_floating_point else t for t in extra)
    grad = STATE.enabled and (query._requires_grad or key._requires_grad or
                              value._requires_grad or any(t._requires_grad for t in extra))
    out = _sdpa(query, key, value, *extra, scale=scale, causal=bool(is_causal),
                has_mask=attn_mask is not None, has_drop=has_drop, grad=grad)[0]
    return out.to(dt) if low else out


# -- multi-head attention (torch.nn.functional.multi_head_attention_forward) --------------------
def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """Bool masks become float ``-inf``/0 masks of ``target_type`` (torch's helper)."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype.name != "bool" and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        mask = zeros(tuple(mask.shape), dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) inputs; torch's AssertionErrors for wrong ranks."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                                 f" but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _in_projection_packed(q, k, v, w, b=None):
    """q/k/v projections with one packed ``(3E, E)`` weight (torch's split into q | kv)."""
    E = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            return tuple(proj.unflatten(-1, (3, E)).unbind(-2))
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        kv = linear(k, w_kv, b_kv).unflatten(-1, (2, E)).unbind(-2)
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """q/k/v projections with separate weights (``kdim``/``vdim`` differ from ``embed_dim``)."""
    Eq, Ek, Ev = q.size(-1), k.size(-1), v.size(-1)
    for name, w, want in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)),
                          ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != want:
            raise AssertionError(f"expecting {name} weights shape of {want}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _pad_last(t):
    from .vision import pad
    return pad(t, (0, 1))


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on ``(L, N, E)`` / unbatched ``(L, E)`` inputs
    (``torch.nn.functional.multi_head_attention_forward``, same steps and errors).

    Returns ``(attn_output, attn_weights)``; weights are ``None`` unless ``need_weights``.
    """
    from ..._ops.join import cat
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for n, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {n}_proj_weight is "
                                     "None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight,
                                 b_q, b_k, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, "k", bsz, num_heads, head_dim)
    v = _heads(v, static_v, "v", bsz, num_heads, head_dim)
    if add_zero_attn:
        zshape = (bsz * num_heads, 1, head_dim)
        k = cat([k, zeros(zshape, dtype=k.dtype)], dim=1)
        v = cat([v, zeros(zshape, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        from ..._ops import linalg as _la
        E = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(E))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            w = _la.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            w = _la.bmm(q_scaled, k.transpose(-2, -1))
        w = softmax(w, dim=-1)
        if dropout_p > 0.0:
            w = dropout(w, p=dropout_p)
        out = _la.bmm(w, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        w = w.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            w = w.mean(dim=1)
        if not is_batched:
            out, w = out.squeeze(1), w.squeeze(0)
        return out, w
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _heads(t, static, name, bsz, num_heads, head_dim):
    """``(S, N, E) -> (N * heads, S, head_dim)``, or the checked ``static_k``/``static_v``."""
    if static is None:
        return t.reshape(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{static.size(2)}")
    return static
