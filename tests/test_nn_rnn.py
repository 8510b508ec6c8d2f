"""Recurrent layers and nn.utils.rnn beyond the module sweep: PackedSequence round trips and
gradients, RNNs on packed input, torch's errors, dropout masks, higher-order gradients."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as trnn

import ember
import ember.nn.utils.rnn as ernn


def _t(a, grad=False):
    return torch.tensor(a, requires_grad=grad)


def _e(a, grad=False):
    return ember.tensor(a, requires_grad=grad)


def _np(t):
    return t.detach().numpy()


def _close(e, t, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol)


def _pair(name, *args, dtype=torch.float64, **kwargs):
    tm = getattr(torch.nn, name)(*args, **kwargs).to(dtype)
    em = getattr(ember.nn, name)(*args, **kwargs)
    if dtype == torch.float64:
        em = em.double()
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


RNG = np.random.default_rng(0)


# -- nn.utils.rnn ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([5, 3, 3, 1], True), ([2, 5, 1, 4], False),
                                             ([4, 4, 4, 4], True)])
def test_pack_pad_round_trip_and_grads(batch_first, lengths, enforce):
    x = RNG.standard_normal((5, 4, 3))
    if batch_first:
        x = x.transpose(1, 0, 2).copy()
    tx, ex = _t(x, True), _e(x, True)
    tp = trnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce)
    ep = ernn.pack_padded_sequence(ex, ember.tensor(lengths), batch_first=batch_first,
                                   enforce_sorted=enforce)
    assert isinstance(ep, tuple) and type(ep).__name__ == "PackedSequence"
    assert ep._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    _close(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    assert ep.batch_sizes.dtype == ember.int64
    for a, b in ((ep.sorted_indices, tp.sorted_indices),
                 (ep.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()
    for kw in ({}, {"padding_value": -2.5, "total_length": 7}):
        tpad, tl = trnn.pad_packed_sequence(tp, batch_first=batch_first, **kw)
        epad, el = ernn.pad_packed_sequence(ep, batch_first=batch_first, **kw)
        assert tuple(epad.shape) == tuple(tpad.shape)
        _close(epad, tpad)
        assert el.tolist() == tl.tolist() and el.dtype == ember.int64
    cot = RNG.standard_normal(tuple(tpad.shape))
    (tpad * _t(cot)).sum().backward()
    (epad * _e(cot)).sum().backward()
    _close(ex.grad, tx.grad)


def test_pad_sequence_variants_and_grads():
    seqs = [RNG.standard_normal((n, 2, 3)) for n in (2, 5, 3)]
    for bf in (False, True):
        for side in ("left", "right"):
            ts = [_t(s, True) for s in seqs]
            es = [_e(s, True) for s in seqs]
            tout = trnn.pad_sequence(ts, batch_first=bf, padding_value=7.0, padding_side=side)
            eout = ernn.pad_sequence(es, batch_first=bf, padding_value=7.0, padding_side=side)
            _close(eout, tout)
            cot = RNG.standard_normal(tuple(tout.shape))
            (tout * _t(cot)).sum().backward()
            (eout * _e(cot)).sum().backward()
            for a, b in zip(es, ts):
                _close(a.grad, b.grad)


def test_pack_sequence_unpack_unpad():
    seqs = [RNG.standard_normal((n, 3)) for n in (3, 5, 1, 4)]
    tp = trnn.pack_sequence([_t(s) for s in seqs], enforce_sorted=False)
    ep = ernn.pack_sequence([_e(s) for s in seqs], enforce_sorted=False)
    _close(ep.data, tp.data)
    for a, b in zip(ernn.unpack_sequence(ep), trnn.unpack_sequence(tp)):
        _close(a, b)
    padded = RNG.standard_normal((5, 4, 3))
    lengths = [5, 2, 4, 1]
    for a, b in zip(ernn.unpad_sequence(_e(padded), ember.tensor(lengths)),
                    trnn.unpad_sequence(_t(padded), torch.tensor(lengths))):
        _close(a, b)
    # sorted input keeps indices None
    ep2 = ernn.pack_sequence([_e(s) for s in sorted(seqs, key=len, reverse=True)])
    assert ep2.sorted_indices is None and ep2.unsorted_indices is None
    assert ep2.batch_sizes.tolist() == [4, 3, 3, 2, 1]


def test_packed_sequence_methods():
    ep = ernn.pack_sequence([ember.ones(3, 2), ember.ones(1, 2)], enforce_sorted=False)
    d = ep.double()
    assert type(d).__name__ == "PackedSequence" and d.data.dtype == ember.float64
    assert d.batch_sizes is ep.batch_sizes
    assert ep.to(ember.float32) is ep
    assert ep.to("cpu") is ep
    assert not ep.is_cuda
    data, bs, si, ui = ep
    assert bs.tolist() == [2, 1, 1]
    # constructing from (data, batch_sizes) like torch's legacy signature
    p2 = ernn.PackedSequence((data, bs))
    assert p2.sorted_indices is None
    assert ernn.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_pack_errors_match_torch():
    x = torch.zeros(4, 3, 2)
    cases = [([2, 3, 1], {}), ([3, 2, 0], {}), ([3, 2], {})]
    for lengths, kw in cases:
        with pytest.raises(RuntimeError) as te:
            trnn.pack_padded_sequence(x, lengths, **kw)
        with pytest.raises(RuntimeError) as ee:
            ernn.pack_padded_sequence(ember.zeros(4, 3, 2), lengths, **kw)
        assert str(ee.value) == str(te.value)
    tp = trnn.pack_padded_sequence(x, [4, 2, 1])
    ep = ernn.pack_padded_sequence(ember.zeros(4, 3, 2), [4, 2, 1])
    with pytest.raises(ValueError) as te:
        trnn.pad_packed_sequence(tp, total_length=3)
    with pytest.raises(ValueError) as ee:
        ernn.pad_packed_sequence(ep, total_length=3)
    assert str(ee.value) == str(te.value)
    with pytest.raises(RuntimeError, match="empty list"):
        ernn.pad_sequence([])
    with pytest.raises(RuntimeError, match="padding_side"):
        ernn.pad_sequence([ember.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match"):
        ernn.pad_sequence([ember.ones(2, 3), ember.ones(3, 2)])


# -- RNNs on packed input ---------------------------------------------------------------------
PACKED = [
    ("RNN", (3, 4), {}),
    ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True}),
    ("GRU", (3, 4), {"bias": False}),
    ("LSTM", (3, 4), {"num_layers": 2, "bidirectional": True}),
    ("LSTM", (3, 5), {"proj_size": 2, "bidirectional": True}),
    ("LSTM", (3, 4), {"bias": False, "num_layers": 2}),
]


@pytest.mark.parametrize("name,args,kw", PACKED)
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn_on_packed_matches_torch(name, args, kw, with_h0):
    tm, em = _pair(name, *args, **kw)
    lengths = [3, 6, 1, 4, 6]
    seqs = [RNG.standard_normal((n, args[0])) for n in lengths]
    ts = [_t(s, True) for s in seqs]
    es = [_e(s, True) for s in seqs]
    tp = trnn.pack_sequence(ts, enforce_sorted=False)
    ep = ernn.pack_sequence(es, enforce_sorted=False)
    hx_t = hx_e = None
    if with_h0:
        dirs = 2 if kw.get("bidirectional") else 1
        layers = kw.get("num_layers", 1) * dirs
        hsz = kw.get("proj_size") or args[1]
        h = RNG.standard_normal((layers, 5, hsz))
        if name == "LSTM":
            c = RNG.standard_normal((layers, 5, args[1]))
            hx_t, hx_e = (_t(h, True), _t(c, True)), (_e(h, True), _e(c, True))
        else:
            hx_t, hx_e = _t(h, True), _e(h, True)
    tout, thid = tm(tp, hx_t)
    eout, ehid = em(ep, hx_e)
    assert type(eout).__name__ == "PackedSequence"
    assert eout.batch_sizes.tolist() == tout.batch_sizes.tolist()
    assert eout.unsorted_indices.tolist() == tout.unsorted_indices.tolist()
    _close(eout.data, tout.data)
    thid = thid if isinstance(thid, tuple) else (thid,)
    ehid = ehid if isinstance(ehid, tuple) else (ehid,)
    for a, b in zip(ehid, thid):
        _close(a, b)
    cots = [RNG.standard_normal(tuple(t.shape)) for t in (tout.data,) + thid]
    torch.autograd.backward([tout.data, *thid], [_t(c) for c in cots])
    ember.autograd.backward([eout.data, *ehid], [_e(c) for c in cots])
    for a, b in zip(es, ts):
        _close(a.grad, b.grad)
    if with_h0:
        for a, b in zip(hx_e if isinstance(hx_e, tuple) else (hx_e,),
                        hx_t if isinstance(hx_t, tuple) else (hx_t,)):
            _close(a.grad, b.grad)
    for (n, tp_), (_, ep_) in zip(tm.named_parameters(), em.named_parameters()):
        _close(ep_.grad, tp_.grad)


def test_lstm_packed_then_pad_matches_dense_prefix():
    em = ember.nn.LSTM(2, 3)
    x = ember.randn(4, 1, 2)
    dense, (h, c) = em(x)
    packed, (hp, cp) = em(ernn.pack_padded_sequence(x, [4]))
    np.testing.assert_allclose(_np(packed.data), _np(dense[:, 0]), rtol=1e-6)
    np.testing.assert_allclose(_np(hp), _np(h), rtol=1e-6)


# -- dropout between layers: torch's masks -------------------------------------------------------
@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("packed", [False, True])
def test_dropout_masks_match_torch(name, packed):
    kw = {"num_layers": 3, "dropout": 0.4, "bidirectional": True}
    tm, em = _pair(name, 3, 6, dtype=torch.float32, **kw)
    x = RNG.standard_normal((5, 4, 3)).astype(np.float32)
    tin, ein = _t(x), _e(x)
    if packed:
        tin = trnn.pack_padded_sequence(tin, [5, 4, 2, 2])
        ein = ernn.pack_padded_sequence(ein, [5, 4, 2, 2])
    for seed in (0, 3):
        torch.manual_seed(seed)
        tout = tm(tin)[0]
        ember.manual_seed(seed)
        eout = em(ein)[0]
        if packed:
            tout, eout = tout.data, eout.data
        _close(eout, tout, rtol=1e-4, atol=1e-5)
        assert torch.rand(2).tolist() == pytest.approx(ember.rand(2).tolist())
    em.eval()
    tm.eval()
    _close(em(ein)[0].data if packed else em(ein)[0], tm(tin)[0].data if packed else tm(tin)[0],
           rtol=1e-4, atol=1e-5)


# -- errors -------------------------------------------------------------------------------------
def _same_error(fn_t, fn_e, exc):
    with pytest.raises(exc) as te:
        fn_t()
    with pytest.raises(exc) as ee:
        fn_e()
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
def test_sequence_module_errors(name):
    tm, em = _pair(name, 10, 20, num_layers=2, dtype=torch.float32)

    def both(shape, hx_shapes=None, exc=RuntimeError):
        x = np.zeros(shape, np.float32)

        def mk(lib):
            hx = None
            if hx_shapes is not None:
                hs = [lib.zeros(*s) for s in hx_shapes]
                hx = tuple(hs) if name == "LSTM" else hs[0]
            return hx
        _same_error(lambda: tm(torch.tensor(x), mk(torch)), lambda: em(ember.tensor(x), mk(ember)),
                    exc)
    both((5, 3, 5))
    both((5, 3, 10), [(1, 3, 20), (2, 3, 20)])
    if name == "LSTM":
        both((5, 3, 10), [(2, 3, 20), (2, 2, 20)])
    both((5, 3, 10), [(3, 20), (3, 20)])
    both((5, 10), [(2, 1, 20), (2, 1, 20)])
    both((5, 3, 10, 2), exc=ValueError)
    both((0, 3, 10))
    _same_error(lambda: tm(torch.zeros(5, 3, 10, dtype=torch.float64)),
                lambda: em(ember.zeros(5, 3, 10, dtype=ember.float64)), ValueError)


@pytest.mark.parametrize("name", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_errors(name):
    tm, em = _pair(name, 10, 20, dtype=torch.float32)
    pair = name == "LSTMCell"

    def hx(lib, shape):
        h = lib.zeros(*shape)
        return (h, h) if pair else h
    _same_error(lambda: tm(torch.zeros(3, 5)), lambda: em(ember.zeros(3, 5)), RuntimeError)
    _same_error(lambda: tm(torch.zeros(3, 10), hx(torch, (2, 20))),
                lambda: em(ember.zeros(3, 10), hx(ember, (2, 20))), RuntimeError)
    _same_error(lambda: tm(torch.zeros(3, 10), hx(torch, (3, 19))),
                lambda: em(ember.zeros(3, 10), hx(ember, (3, 19))), RuntimeError)
    _same_error(lambda: tm(torch.zeros(3, 10, 1)), lambda: em(ember.zeros(3, 10, 1)), ValueError)
    _same_error(lambda: tm(torch.zeros(3, 10), hx(torch, (1, 3, 20))),
                lambda: em(ember.zeros(3, 10), hx(ember, (1, 3, 20))), ValueError)


def test_constructor_errors_and_warning():
    for kwargs, exc in [({"proj_size": 3}, ValueError), ({"nonlinearity": "x"}, ValueError),
                        ({"dropout": 2}, ValueError), ({"bias": 1}, TypeError),
                        ({"num_layers": 0}, ValueError)]:
        for name in ("RNN", "GRU"):
            _same_error(lambda: getattr(torch.nn, name)(10, 20, **kwargs),
                        lambda: getattr(ember.nn, name)(10, 20, **kwargs), exc) \
                if not (name == "GRU" and "nonlinearity" in kwargs) else None
    _same_error(lambda: torch.nn.LSTM(10, 20, proj_size=20),
                lambda: ember.nn.LSTM(10, 20, proj_size=20), ValueError)
    cell = ember.nn.RNNCell(3, 4, nonlinearity="sigmoid")
    assert repr(cell) == "RNNCell(3, 4, nonlinearity=sigmoid)"
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: sigmoid"):
        cell(ember.zeros(2, 3))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.nn.LSTM(10, 20, dropout=0.5)
    assert "non-zero dropout expects num_layers greater than 1" in str(w[0].message)


# -- structure, state dicts, higher-order gradients ---------------------------------------------
def test_weights_structure_and_state_dict_to_torch():
    em = ember.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    assert em._flat_weights_names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                          "bias_hh_l0", "weight_hr_l0"]
    assert [[tuple(w.shape) for w in ws] for ws in em.all_weights][1] == \
        [(20, 3), (20, 2), (20,), (20,), (2, 5)]
    tm = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    tm.load_state_dict({k: torch.from_numpy(_np(v).copy()) for k, v in em.state_dict().items()})
    x = RNG.standard_normal((4, 2, 3)).astype(np.float32)
    _close(em(_e(x))[0], tm(_t(x))[0], rtol=1e-4, atol=1e-5)
    em.flatten_parameters()


@pytest.mark.parametrize("name,kw", [("LSTM", {}), ("LSTM", {"proj_size": 2}),
                                     ("LSTM", {"bias": False}), ("GRU", {}),
                                     ("RNN", {}), ("RNN", {"nonlinearity": "relu"}),
                                     ("GRU", {"bidirectional": True})])
def test_double_backward(name, kw):
    """create_graph=True differentiates the step-by-step ember-op recurrence: second-order
    gradients are checked by finite differences (float64)."""
    m = getattr(ember.nn, name)(2, 3, **kw).double()
    x = ember.randn(3, 2, 2, dtype=ember.float64, requires_grad=True)
    params = list(m.parameters())

    def f(x, *ps):
        out = m(x)[0]
        return (out * out).sum()
    assert ember.autograd.gradcheck(f, (x, *params))
    assert ember.autograd.gradgradcheck(f, (x, *params))
    # the create_graph path and the fused first-order path agree
    g1 = ember.autograd.grad(f(x, *params), [x] + params)
    g2 = ember.autograd.grad(f(x, *params), [x] + params, create_graph=True)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)


def test_double_backward_packed_reverse():
    m = ember.nn.LSTM(2, 3, bidirectional=True).double()
    seqs = [ember.randn(n, 2, dtype=ember.float64, requires_grad=True) for n in (3, 1, 2)]
    ps = list(m.parameters())

    def f(*xs):
        out = m(ernn.pack_sequence(list(xs[:3]), enforce_sorted=False))[0].data
        return (out ** 2).sum()
    assert ember.autograd.gradgradcheck(f, (*seqs, *ps))


def test_unbatched_and_batch_zero():
    em = ember.nn.GRU(3, 4, bidirectional=True)
    out, h = em(ember.randn(5, 3))
    assert tuple(out.shape) == (5, 8) and tuple(h.shape) == (2, 4)
    out, h = em(ember.randn(5, 0, 3))
    assert tuple(out.shape) == (5, 0, 8) and tuple(h.shape) == (2, 0, 4)
    lstm = ember.nn.LSTM(3, 4)
    out, (h, c) = lstm(ember.randn(5, 0, 3, requires_grad=True))
    assert tuple(out.shape) == (5, 0, 4) and tuple(c.shape) == (1, 0, 4)
    out.sum().backward()


@pytest.mark.parametrize("cls", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_rejects_hidden_of_another_dtype(cls):
    msgs = []
    for lib in (torch, ember):
        cell = getattr(lib.nn, cls)(3, 4)
        h = lib.zeros(2, 4, dtype=lib.float64)
        with pytest.raises(RuntimeError) as info:
            cell(lib.zeros(2, 3), (h, h) if cls == "LSTMCell" else h)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
