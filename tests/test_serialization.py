"""ember.save / ember.load against real torch.save / torch.load, and ember.utils.safetensors."""
import collections
import io
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember.serialization import load, save
from ember.utils import safetensors as est

ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
       "float64", "complex64", "complex128"]


def _values(dtype: str):
    base = np.array([[0, 1, -2, 3], [4, -5, 6, 7], [8, 9, -10, 11]])
    if dtype == "bool":
        return base % 2 == 0
    if dtype.startswith("uint"):
        return np.abs(base)
    if dtype.startswith("complex"):
        return base + 0.5j * base
    if dtype == "bfloat16":
        return base.astype(np.float32) / 4
    return base.astype(dtype) / (4 if dtype.startswith("float") else 1)


def _ember(dtype: str):
    return ember.tensor(_values(dtype), dtype=getattr(ember, dtype))


def _torch(dtype: str):
    return torch.tensor(_values(dtype), dtype=getattr(torch, dtype))


def _np(t):
    """NumPy values of an ember or torch tensor (bfloat16 as float32)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    a = t._data
    return a.astype(np.float32) if t.dtype is ember.bfloat16 else a


def _same(e, t):
    assert isinstance(e, ember.Tensor) and isinstance(t, torch.Tensor)
    assert str(e.dtype) == str(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    assert tuple(e.stride()) == tuple(t.stride())
    np.testing.assert_array_equal(_np(e), _np(t))


# -- ember.save -> torch.load --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL)
def test_ember_to_torch_every_dtype(tmp_path, dtype):
    x = _ember(dtype)
    save({"x": x, "col": x[:, 1], "t": x.t()}, tmp_path / "a.pt")
    out = torch.load(tmp_path / "a.pt")
    for k, e in (("x", x), ("col", x[:, 1]), ("t", x.t())):
        _same(e, out[k])
    assert out["col"].untyped_storage().data_ptr() == out["x"].untyped_storage().data_ptr()


@pytest.mark.parametrize("dtype", ALL)
def test_torch_to_ember_every_dtype(tmp_path, dtype):
    x = _torch(dtype)
    torch.save({"x": x, "col": x[:, 1], "t": x.t()}, tmp_path / "a.pt")
    out = load(tmp_path / "a.pt")
    for k, t in (("x", x), ("col", x[:, 1]), ("t", x.t())):
        _same(out[k], t)


def test_views_share_one_storage_in_torch(tmp_path):
    x = ember.arange(24.).reshape(4, 6)
    views = {"x": x, "row": x[1], "col": x[:, 2], "step": x[:, ::2], "t": x.t(),
             "exp": x[0].unsqueeze(0).expand(3, 6), "flat": x.view(24)}
    save(views, tmp_path / "v.pt")
    with zipfile.ZipFile(tmp_path / "v.pt") as z:
        assert [n for n in z.namelist() if "/data/" in n] == ["v/data/0"]
    out = torch.load(tmp_path / "v.pt")
    for k, v in views.items():
        _same(v, out[k])
    assert out["col"].storage_offset() == 2 and out["exp"].stride() == (0, 1)
    out["x"][1, 2] = 100.0
    assert out["row"][2] == 100 and out["col"][1] == 100 and out["flat"][8] == 100


def test_torch_views_stay_views_in_ember(tmp_path):
    x = torch.arange(24.).reshape(4, 6)
    torch.save({"x": x, "row": x[1], "t": x.t(), "exp": x[0].expand(3, 6)}, tmp_path / "v.pt")
    out = load(tmp_path / "v.pt")
    _same(out["t"], x.t())
    _same(out["exp"], x[0].expand(3, 6))
    out["x"]._data[1, 2] = 100.0
    assert out["row"][2].item() == 100 and out["t"][2, 1].item() == 100


def test_zero_dim_empty_and_odd_strides(tmp_path):
    base = np.arange(10.0, dtype=np.float32)
    odd = {
        "zero": ember.tensor(3.5), "empty": ember.zeros(0, 3),
        "empty_int": ember.zeros(2, 0, dtype=ember.int64),
        "neg": ember._tensor._make(base[::-1]),  # negative NumPy strides: saved as a copy
    }
    save(odd, tmp_path / "o.pt")
    out = torch.load(tmp_path / "o.pt")
    assert out["zero"].shape == () and out["zero"].item() == 3.5
    assert out["empty"].shape == (0, 3) and out["empty_int"].dtype == torch.int64
    np.testing.assert_array_equal(out["neg"].numpy(), base[::-1])
    back = load(tmp_path / "o.pt")
    assert back["zero"].shape == () and back["empty"].shape == (0, 3)
    torch.save({"zero": torch.tensor(2), "empty": torch.zeros(0, 4)}, tmp_path / "t.pt")
    t = load(tmp_path / "t.pt")
    assert t["zero"].shape == () and t["zero"].item() == 2 and t["zero"].dtype is ember.int64
    assert t["empty"].shape == (0, 4)


def test_parameters_both_ways(tmp_path):
    p = ember.nn.Parameter(ember.ones(2, 3))
    q = ember.nn.Parameter(ember.zeros(2), requires_grad=False)
    save({"p": p, "q": q, "t": ember.ones(2, requires_grad=True)}, tmp_path / "p.pt")
    out = torch.load(tmp_path / "p.pt")
    assert type(out["p"]) is torch.nn.Parameter and out["p"].requires_grad
    assert type(out["q"]) is torch.nn.Parameter and not out["q"].requires_grad
    assert type(out["t"]) is torch.Tensor and out["t"].requires_grad
    back = load(tmp_path / "p.pt")
    assert type(back["p"]) is ember.nn.Parameter and back["p"].requires_grad
    assert type(back["q"]) is ember.nn.Parameter and not back["q"].requires_grad
    assert back["t"].requires_grad and back["t"].is_leaf
    torch.save({"p": torch.nn.Parameter(torch.ones(3))}, tmp_path / "tp.pt")
    tp = load(tmp_path / "tp.pt")["p"]
    assert isinstance(tp, ember.nn.Parameter) and tp.requires_grad


def test_nested_containers_and_python_values(tmp_path):
    od = collections.OrderedDict([("b", ember.ones(1)), ("a", 2)])
    od._metadata = {"": {"version": 1}}
    obj = {"list": [ember.ones(2), 1, 2.5, "s", None, True], "tuple": (ember.zeros(1), (3, "x")),
           "od": od, "set": {1, 2}, "size": ember.Size([2, 3]), "dtype": ember.bfloat16,
           "dev": ember.device("cpu"), "bytes": b"ab", "complex": 1 + 2j, "big": 2 ** 70}
    save(obj, tmp_path / "n.pt")
    t = torch.load(tmp_path / "n.pt")
    assert t["list"][1:] == [1, 2.5, "s", None, True] and t["tuple"][1] == (3, "x")
    assert isinstance(t["od"], collections.OrderedDict) and list(t["od"]) == ["b", "a"]
    assert t["od"]._metadata == {"": {"version": 1}}
    assert t["size"] == torch.Size([2, 3]) and type(t["size"]) is torch.Size
    assert t["dtype"] is torch.bfloat16 and t["dev"] == torch.device("cpu")
    assert t["set"] == {1, 2} and t["bytes"] == b"ab" and t["complex"] == 1 + 2j
    assert t["big"] == 2 ** 70
    e = load(tmp_path / "n.pt")
    assert e["od"]._metadata == {"": {"version": 1}} and type(e["size"]) is ember.Size
    assert e["dtype"] is ember.bfloat16 and e["dev"] == ember.device("cpu")
    torch.save({"s": torch.Size([4]), "d": torch.float16, "dev": torch.device("cpu"),
                "c": collections.Counter("aab")}, tmp_path / "tn.pt")
    e = load(tmp_path / "tn.pt")
    assert e["s"] == ember.Size([4]) and e["d"] is ember.float16 and e["c"]["a"] == 2


def _train_ember():
    ember.manual_seed(0)
    model = ember.nn.Linear(3, 2)
    opt = ember.optim.Adam(model.parameters(), lr=0.1)
    model(ember.randn(4, 3)).sum().backward()
    opt.step()
    return model, opt


def test_ember_state_dicts_load_in_torch(tmp_path):
    model, opt = _train_ember()
    ckpt = {"epoch": 7, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(), "loss": 0.25}
    save(ckpt, tmp_path / "ck.pt")
    out = torch.load(tmp_path / "ck.pt")
    assert out["epoch"] == 7 and out["loss"] == 0.25
    tmodel = torch.nn.Linear(3, 2)
    tmodel.load_state_dict(out["model_state_dict"])
    np.testing.assert_array_equal(tmodel.weight.detach().numpy(), model.weight.detach().numpy())
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.1)
    topt.load_state_dict(out["optimizer_state_dict"])
    for k in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(topt.state[tmodel.weight][k].numpy(),
                                   opt.state[model.weight][k].numpy())


def test_torch_state_dicts_load_in_ember(tmp_path):
    torch.manual_seed(0)
    tmodel = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.1)
    tmodel(torch.randn(4, 3)).sum().backward()
    topt.step()
    torch.save({"epoch": 1, "model_state_dict": tmodel.state_dict(),
                "optimizer_state_dict": topt.state_dict()}, tmp_path / "ck.pt")
    ck = load(tmp_path / "ck.pt")
    model = ember.nn.Linear(3, 2)
    model.load_state_dict(ck["model_state_dict"])
    assert ck["model_state_dict"]._metadata[""]["version"] == 1
    np.testing.assert_array_equal(model.weight.detach().numpy(), tmodel.weight.detach().numpy())
    opt = ember.optim.Adam(model.parameters(), lr=0.1)
    opt.load_state_dict(ck["optimizer_state_dict"])
    np.testing.assert_allclose(opt.state[model.weight]["exp_avg"].numpy(),
                               topt.state[tmodel.weight]["exp_avg"].numpy())


def test_ember_round_trip_loses_nothing(tmp_path):
    x = ember.arange(12, dtype=ember.float64).reshape(3, 4)
    p = ember.nn.Parameter(ember.ones(2, dtype=ember.bfloat16))
    obj = {"x": x, "t": x.t(), "col": x[:, 1], "p": p, "same": x}
    save(obj, tmp_path / "r.pt")
    r = load(tmp_path / "r.pt")
    assert r["same"] is r["x"]
    for k in ("x", "t", "col"):
        assert r[k].dtype is obj[k].dtype and r[k].stride() == obj[k].stride()
        np.testing.assert_array_equal(r[k].numpy(), obj[k].numpy())
    assert type(r["p"]) is ember.nn.Parameter and r["p"].dtype is ember.bfloat16
    r["x"]._data[0, 1] = -1
    assert r["col"][0].item() == -1 and r["t"][1, 0].item() == -1
    save(r, tmp_path / "r2.pt")  # re-saving loaded views keeps one storage
    with zipfile.ZipFile(tmp_path / "r2.pt") as z:
        assert sum("/data/" in n for n in z.namelist()) == 2


def test_zip_layout_matches_torch(tmp_path):
    save({"a": ember.ones(3), "b": ember.zeros(2, dtype=ember.int64)}, tmp_path / "ck.pt")
    raw = (tmp_path / "ck.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "ck.pt") as z:
        names = z.namelist()
        assert names == ["ck/data.pkl", "ck/.format_version", "ck/.storage_alignment",
                         "ck/byteorder", "ck/data/0", "ck/data/1", "ck/version",
                         "ck/.data/serialization_id"]
        assert z.testzip() is None
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            off = info.header_offset
            nlen, elen = int.from_bytes(raw[off + 26:off + 28], "little"), \
                int.from_bytes(raw[off + 28:off + 30], "little")
            assert (off + 30 + nlen + elen) % 64 == 0
        assert z.read("ck/byteorder") == b"little" and z.read("ck/version") == b"3\n"


def test_torch_mmap_and_offset_calculation_read_ember_files(tmp_path, monkeypatch):
    from torch.utils.serialization import config
    save({"a": ember.arange(5.), "b": ember.ones(2, 2, dtype=ember.int32)}, tmp_path / "m.pt")
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")  # torch asserts its offset math
    with config.patch({"load.calculate_storage_offsets": True}):
        out = torch.load(tmp_path / "m.pt", mmap=True)
    assert out["a"].tolist() == [0, 1, 2, 3, 4] and out["b"].sum().item() == 4


def test_ember_mmap(tmp_path):
    x = torch.arange(20.).reshape(4, 5)
    torch.save({"x": x, "t": x.t()}, tmp_path / "m.pt")
    before = (tmp_path / "m.pt").read_bytes()
    out = load(tmp_path / "m.pt", mmap=True)
    _same(out["t"], x.t())
    root = out["x"]._data
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert type(root.base).__name__ == "mmap"
    out["x"]._data[0, 0] = 42.0  # copy-on-write: visible in the view, never in the file
    assert out["t"][0, 0].item() == 42.0
    assert (tmp_path / "m.pt").read_bytes() == before
    torch.save(x, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        load(tmp_path / "legacy.pt", mmap=True)


def test_file_objects_and_paths(tmp_path):
    buf = io.BytesIO()
    save({"a": ember.ones(2)}, buf)
    buf.seek(0)
    assert torch.load(buf)["a"].tolist() == [1.0, 1.0]
    buf.seek(0)
    assert load(buf)["a"].tolist() == [1.0, 1.0]
    tbuf = io.BytesIO()
    torch.save({"a": torch.arange(3)}, tbuf)
    tbuf.seek(0)
    assert load(tbuf)["a"].tolist() == [0, 1, 2]
    path = tmp_path / "f.pt"
    with open(path, "wb") as f:
        save(ember.ones(1), f)
    with open(path, "rb") as f:
        assert load(f).tolist() == [1.0]
    save(ember.zeros(1), str(path))
    assert load(str(path)).tolist() == [0.0] and load(pathlib.Path(path)).tolist() == [0.0]
    with open(path, "rb") as f:
        assert load(f, mmap=True).tolist() == [0.0]
    buf.seek(0)
    with pytest.raises(ValueError, match="mmap"):
        load(buf, mmap=True)


def test_map_location(tmp_path):
    torch.save({"a": torch.ones(2)}, tmp_path / "a.pt")
    for ml in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s,
               lambda s, loc: None):
        assert load(tmp_path / "a.pt", map_location=ml)["a"].tolist() == [1.0, 1.0]
    for ml in ("cuda", "cuda:0", {"cpu": "cuda:1"}):
        with pytest.raises(RuntimeError, match="CUDA"):
            load(tmp_path / "a.pt", map_location=ml)


def test_legacy_format_both_ways(tmp_path):
    x = torch.arange(10.)
    torch.save({"a": x, "b": x[2:5], "p": torch.nn.Parameter(torch.ones(2))},
               tmp_path / "t.pt", _use_new_zipfile_serialization=False)
    out = load(tmp_path / "t.pt")
    assert out["b"].tolist() == [2.0, 3.0, 4.0] and isinstance(out["p"], ember.nn.Parameter)
    out["a"]._data[3] = -1
    assert out["b"][1].item() == -1
    y = ember.arange(6.).reshape(2, 3)
    save({"y": y, "t": y.t(), "i": ember.ones(2, dtype=ember.int16)}, tmp_path / "e.pt",
         _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(tmp_path / "e.pt")
    t = torch.load(tmp_path / "e.pt")
    _same(y.t(), t["t"])
    assert t["t"].untyped_storage().data_ptr() == t["y"].untyped_storage().data_ptr()
    assert load(tmp_path / "e.pt")["i"].dtype is ember.int16


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalPayload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.mark.parametrize("payload,shown", [(_Payload, "system"), (_EvalPayload, "GLOBAL eval")])
@pytest.mark.parametrize("legacy", [False, True])
def test_malicious_pickle_never_runs(tmp_path, payload, shown, legacy):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(1), "x": payload(marker)}, path,
               _use_new_zipfile_serialization=not legacy)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as info:
        load(path)
    assert shown in str(info.value) and "weights_only=False" in str(info.value)
    assert not marker.exists()
    load(path, weights_only=False)  # the payload is real: trusted loading runs it
    assert marker.exists()


def test_weights_only_rejects_other_globals(tmp_path):
    torch.save({"f": collections.defaultdict(int)}, tmp_path / "d.pt")
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL "
                                                     "collections.defaultdict"):
        load(tmp_path / "d.pt")
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        load(tmp_path / "d.pt", pickle_module=pickle)
    assert load(tmp_path / "d.pt", weights_only=False)["f"]["k"] == 0


def test_safe_globals(tmp_path):
    from ember.serialization import safe_globals
    torch.save({"f": collections.defaultdict(int, a=1)}, tmp_path / "d.pt")
    with safe_globals([collections.defaultdict, int]):
        assert load(tmp_path / "d.pt")["f"]["a"] == 1
    with pytest.raises(pickle.UnpicklingError):
        load(tmp_path / "d.pt")


def test_whole_module_pickles(tmp_path):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    torch.save(tm, tmp_path / "m.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        load(tmp_path / "m.pt")
    em = load(tmp_path / "m.pt", weights_only=False)
    assert type(em) is ember.nn.Sequential and type(em[0]) is ember.nn.Linear
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    save(em, tmp_path / "e.pt")
    again = load(tmp_path / "e.pt", weights_only=False)
    assert type(again[0]) is ember.nn.Linear
    np.testing.assert_array_equal(again[0].weight.detach().numpy(), em[0].weight.detach().numpy())
    back = torch.load(tmp_path / "e.pt", weights_only=False)
    assert type(back[0]) is torch.nn.Linear
    np.testing.assert_allclose(back(torch.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)


class _Boom:
    def __reduce__(self):
        raise RuntimeError("boom while pickling")


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    save({"a": ember.ones(3)}, path)
    good = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        save({"a": ember.zeros(1000), "b": _Boom()}, path)
    assert path.read_bytes() == good
    from ember._serialization import _zipfmt
    calls = []
    real = _zipfmt.ZipWriter.write_record

    def failing(self, name, data):
        calls.append(name)
        if name.startswith("data/"):
            raise OSError("disk full")
        return real(self, name, data)

    monkeypatch.setattr(_zipfmt.ZipWriter, "write_record", failing)
    with pytest.raises(OSError, match="disk full"):
        save({"a": ember.zeros(1000)}, path)
    assert calls and path.read_bytes() == good
    assert os.listdir(tmp_path) == ["ck.pt"]
    assert load(path)["a"].tolist() == [1.0, 1.0, 1.0]


def test_corrupted_files_raise_clear_errors(tmp_path):
    torch.save({"a": torch.arange(100.)}, tmp_path / "good.pt")
    raw = (tmp_path / "good.pt").read_bytes()
    (tmp_path / "trunc.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError, match="trunc.pt"):
        load(tmp_path / "trunc.pt")
    with zipfile.ZipFile(tmp_path / "good.pt") as z:
        info = z.getinfo("good/data/0")
    bad = bytearray(raw)
    off = info.header_offset
    data_start = off + 30 + int.from_bytes(raw[off + 26:off + 28], "little") + \
        int.from_bytes(raw[off + 28:off + 30], "little")
    bad[data_start + 8] ^= 0xFF  # flip a byte inside the tensor data
    (tmp_path / "crc.pt").write_bytes(bytes(bad))
    with pytest.raises(RuntimeError, match="crc.pt"):
        load(tmp_path / "crc.pt")
    (tmp_path / "junk.pt").write_bytes(b"hello, this is not a checkpoint")
    with pytest.raises(pickle.UnpicklingError, match="junk.pt"):
        load(tmp_path / "junk.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(EOFError, match="empty.pt"):
        load(tmp_path / "empty.pt")
    torch.save(torch.ones(3), tmp_path / "leg.pt", _use_new_zipfile_serialization=False)
    (tmp_path / "legtrunc.pt").write_bytes((tmp_path / "leg.pt").read_bytes()[:-5])
    with pytest.raises(RuntimeError, match="legtrunc.pt"):
        load(tmp_path / "legtrunc.pt")


def test_torch_only_dtypes(tmp_path):
    torch.save({"u": torch.tensor([1, 65535]).to(torch.uint16)}, tmp_path / "u.pt")
    u = load(tmp_path / "u.pt")["u"]
    assert u.dtype is ember.int64 and u.tolist() == [1, 65535]  # widened, like from_numpy
    torch.save(torch.zeros(2, dtype=torch.float8_e4m3fn), tmp_path / "f8.pt")
    with pytest.raises(RuntimeError, match="float8_e4m3fn"):
        load(tmp_path / "f8.pt")


def test_views_with_different_dtypes_are_refused(tmp_path):
    x = ember.zeros(4)
    y = ember._tensor._make(x._data.view(np.int32))
    with pytest.raises(RuntimeError, match="different types"):
        save([x, y], tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


# -- safetensors ---------------------------------------------------------------------------------
def test_safetensors_round_trips(tmp_path):
    import safetensors.torch as st_torch

    x = ember.arange(6.).reshape(2, 3)
    tensors = {"t": x.t(), "bf": ember.tensor([1.5, -2.0], dtype=ember.bfloat16),
               "zero": ember.tensor(3), "empty": ember.zeros(0, 2), "b": ember.tensor([True])}
    est.save_file(tensors, tmp_path / "a.safetensors", metadata={"format": "pt"})
    theirs = st_torch.load_file(tmp_path / "a.safetensors")
    for k, v in tensors.items():
        np.testing.assert_array_equal(_np(theirs[k]), _np(v))
        assert str(theirs[k].dtype) == str(v.dtype) and tuple(theirs[k].shape) == tuple(v.shape)
    ours = est.load_file(tmp_path / "a.safetensors")
    for k, v in tensors.items():
        assert ours[k].dtype is v.dtype and ours[k].shape == v.shape
        np.testing.assert_array_equal(_np(ours[k]), _np(v))
    ours["t"]._data[0, 0] = 5.0  # loaded tensors are writable
    back = est.load(est.save(tensors))
    np.testing.assert_array_equal(back["t"].numpy(), x.t().numpy())
    st_torch.save_file({"w": torch.arange(4, dtype=torch.bfloat16).reshape(2, 2)},
                       tmp_path / "t.safetensors")
    w = est.load_file(tmp_path / "t.safetensors")["w"]
    assert w.dtype is ember.bfloat16 and w.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    with pytest.raises(TypeError, match="complex128"):
        est.save({"c": ember.zeros(1, dtype=ember.complex128)})
