"""ember.vision: transforms vs independent references, random draws vs torch, dataset readers.

torchvision cannot be installed beside torch 2.13 here, so transforms are checked against hand
computations (NumPy/Pillow) and the random transforms against a replay of torchvision's documented
calls on the REAL torch generator (same offsets, same generator state afterwards).
"""
from __future__ import annotations

import colorsys
import gzip
import hashlib
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageEnhance  # noqa: E402

import torch  # noqa: E402  (the oracle)

import ember  # noqa: E402
from ember.vision import datasets, transforms as T  # noqa: E402
from ember.vision.transforms import functional as F  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rgb(h=6, w=5, seed=0):
    return np.random.RandomState(seed).randint(0, 256, size=(h, w, 3), dtype=np.uint8)


def same_state():
    return bytes(ember.get_rng_state().numpy()) == bytes(torch.get_rng_state().numpy())


def seed_both(s):
    ember.manual_seed(s)
    torch.manual_seed(s)


# ---------------------------------------------------------------- conversions
def test_to_tensor_pil_and_ndarray():
    arr = rgb()
    for pic in (Image.fromarray(arr), arr):
        t = T.ToTensor()(pic)
        assert t.dtype == ember.float32 and tuple(t.shape) == (3, 6, 5)
        np.testing.assert_array_equal(t.numpy(), arr.transpose(2, 0, 1).astype(np.float32) / 255)
    g = T.ToTensor()(Image.fromarray(arr[:, :, 0]))
    assert tuple(g.shape) == (1, 6, 5)
    f = F.to_tensor(arr.astype(np.float64))  # non-uint8 ndarray: not rescaled
    assert f.dtype == ember.float64 and f.numpy().max() == arr.max()
    with pytest.raises(TypeError):
        F.to_tensor([1, 2])


def test_pil_to_tensor_and_back():
    arr = rgb()
    t = T.PILToTensor()(Image.fromarray(arr))
    assert t.dtype == ember.uint8
    np.testing.assert_array_equal(t.numpy(), arr.transpose(2, 0, 1))
    back = T.ToPILImage()(t)
    assert back.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(back), arr)
    img = T.ToPILImage()(ember.tensor(arr.transpose(2, 0, 1)).float() / 255)
    np.testing.assert_array_equal(np.asarray(img), arr)  # (x/255)*255 truncates back exactly
    assert T.ToPILImage()(ember.zeros(1, 3, 4)).mode == "L"


def test_convert_image_dtype():
    u = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    f = T.ConvertImageDtype(ember.float32)(u)
    np.testing.assert_allclose(f.numpy(), np.array([[[0, 128, 255]]], np.float32) / 255)
    back = F.convert_image_dtype(f, ember.uint8)
    np.testing.assert_array_equal(back.numpy(), u.numpy())
    with pytest.raises(RuntimeError):
        F.convert_image_dtype(f, ember.int64)


def test_normalize():
    x = ember.rand(3, 4, 5)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(x)
    ref = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    assert out is not x and out.dtype == ember.float32
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    with pytest.raises(TypeError):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), mean, std)
    with pytest.raises(ValueError):
        F.normalize(x, mean, (1.0, 0.0, 1.0))


# ---------------------------------------------------------------- geometry
def test_resize_pil_matches_pillow():
    img = Image.fromarray(rgb(12, 9))
    out = T.Resize((5, 7))(img)
    assert out.size == (7, 5)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((7, 5), Image.BILINEAR)))
    assert T.Resize(6)(img).size == (6, 8)  # smaller edge -> 6, int(6 * 12 / 9) = 8
    near = T.Resize(4, interpolation=T.InterpolationMode.NEAREST)(img)
    np.testing.assert_array_equal(np.asarray(near), np.asarray(img.resize((4, 5), Image.NEAREST)))


@pytest.mark.parametrize("size", [(8, 6), (30, 20)])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_resize_tensor_matches_torch_interpolate(size, mode):
    b = np.random.RandomState(1).rand(2, 3, 17, 13).astype(np.float32)
    for aa in (True, False):
        e = F.resize(ember.tensor(b), list(size), F.InterpolationMode(mode), antialias=aa).numpy()
        t = torch.nn.functional.interpolate(torch.tensor(b), size=size, mode=mode,
                                            align_corners=False, antialias=aa).numpy()
        np.testing.assert_allclose(e, t, atol=2e-6)


def test_crops_by_slicing():
    arr = rgb(9, 8)
    t = ember.tensor(arr.transpose(2, 0, 1))
    np.testing.assert_array_equal(F.crop(t, 2, 1, 4, 3).numpy(), arr.transpose(2, 0, 1)[:, 2:6, 1:4])
    np.testing.assert_array_equal(np.asarray(F.crop(Image.fromarray(arr), 2, 1, 4, 3)), arr[2:6, 1:4])
    c = T.CenterCrop(4)(t).numpy()  # top = round(2.5) = 2, left = 2
    np.testing.assert_array_equal(c, arr.transpose(2, 0, 1)[:, 2:6, 2:6])
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(Image.fromarray(arr))), arr[2:6, 2:6])
    big = T.CenterCrop((11, 10))(t).numpy()  # crop larger than the image: zero padding
    assert big.shape == (3, 11, 10) and big[:, 0].sum() == 0 and big[:, 1:10, 1:9].sum() == arr.sum()


def test_flips():
    arr = rgb()
    t = ember.tensor(arr.transpose(2, 0, 1))
    np.testing.assert_array_equal(F.hflip(t).numpy(), arr.transpose(2, 0, 1)[:, :, ::-1])
    np.testing.assert_array_equal(F.vflip(t).numpy(), arr.transpose(2, 0, 1)[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.hflip(Image.fromarray(arr))), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(Image.fromarray(arr))), arr[::-1])


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes_match_numpy(mode):
    arr = rgb(5, 4)
    np_mode = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[mode]
    ref = np.pad(arr, ((2, 3), (1, 2), (0, 0)), mode=np_mode)
    out = F.pad(Image.fromarray(arr), [1, 2, 2, 3], padding_mode=mode)
    np.testing.assert_array_equal(np.asarray(out), ref)
    t = F.pad(ember.tensor(arr.transpose(2, 0, 1)), [1, 2, 2, 3], padding_mode=mode)
    np.testing.assert_array_equal(t.numpy(), ref.transpose(2, 0, 1))
    assert tuple(T.Pad(2, fill=7)(ember.zeros(1, 3, 3)).shape) == (1, 7, 7)


def test_rotate():
    a = np.random.RandomState(0).rand(3, 7, 7).astype(np.float32)
    np.testing.assert_allclose(F.rotate(ember.tensor(a), 90.0).numpy(), np.rot90(a, 1, axes=(1, 2)))
    img = Image.fromarray(rgb(7, 9))
    out = F.rotate(img, 33.0, interpolation=F.InterpolationMode.BILINEAR, expand=True, fill=[1, 2, 3])
    ref = img.rotate(33.0, Image.BILINEAR, True, None, fillcolor=(1, 2, 3))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))
    assert tuple(F.rotate(ember.tensor(a), 45.0, expand=True).shape)[0] == 3


# ---------------------------------------------------------------- color
def test_color_adjustments_tensor():
    x = ember.rand(3, 4, 5)
    a = x.numpy()
    np.testing.assert_allclose(F.adjust_brightness(x, 1.7).numpy(), np.clip(a * 1.7, 0, 1), rtol=1e-6)
    gray = 0.2989 * a[0] + 0.587 * a[1] + 0.114 * a[2]
    np.testing.assert_allclose(F.rgb_to_grayscale(x).numpy()[0], gray, rtol=1e-5)
    np.testing.assert_allclose(F.adjust_contrast(x, 0.5).numpy(), np.clip(0.5 * a + 0.5 * gray.mean(), 0, 1),
                               rtol=1e-5)
    np.testing.assert_allclose(F.adjust_saturation(x, 0.3).numpy(), np.clip(0.3 * a + 0.7 * gray, 0, 1),
                               rtol=1e-5, atol=1e-6)
    out = F.adjust_hue(x, 0.25).numpy()
    for (i, j) in [(0, 0), (1, 3), (3, 4)]:
        h, s, v = colorsys.rgb_to_hsv(*a[:, i, j])
        np.testing.assert_allclose(out[:, i, j], colorsys.hsv_to_rgb((h + 0.25) % 1.0, s, v), atol=1e-5)
    with pytest.raises(ValueError):
        F.adjust_hue(x, 0.7)


def test_color_adjustments_pil_match_pillow():
    img = Image.fromarray(rgb())
    np.testing.assert_array_equal(np.asarray(F.adjust_brightness(img, 1.3)),
                                  np.asarray(ImageEnhance.Brightness(img).enhance(1.3)))
    np.testing.assert_array_equal(np.asarray(F.adjust_contrast(img, 0.6)),
                                  np.asarray(ImageEnhance.Contrast(img).enhance(0.6)))
    np.testing.assert_array_equal(np.asarray(F.adjust_saturation(img, 0.6)),
                                  np.asarray(ImageEnhance.Color(img).enhance(0.6)))
    assert F.adjust_hue(img, 0.1).mode == "RGB"
    assert T.Grayscale()(img).mode == "L"
    g3 = T.Grayscale(3)(img)
    assert g3.mode == "RGB" and np.array_equal(np.asarray(g3)[..., 0], np.asarray(img.convert("L")))


# ---------------------------------------------------------------- random transforms vs torch draws
def test_random_crop_draws_match_torch():
    arr = rgb(10, 12)
    t = ember.tensor(arr.transpose(2, 0, 1))
    for s in range(5):
        seed_both(s)
        out = T.RandomCrop((4, 5))(t)
        i = torch.randint(0, 10 - 4 + 1, size=(1,)).item()
        j = torch.randint(0, 12 - 5 + 1, size=(1,)).item()
        np.testing.assert_array_equal(out.numpy(), arr.transpose(2, 0, 1)[:, i:i + 4, j:j + 5])
        assert same_state()
    seed_both(3)
    out = T.RandomCrop(12, padding=2)(Image.fromarray(arr))
    i = torch.randint(0, 14 - 12 + 1, size=(1,)).item()
    j = torch.randint(0, 16 - 12 + 1, size=(1,)).item()
    padded = np.pad(arr, ((2, 2), (2, 2), (0, 0)))
    np.testing.assert_array_equal(np.asarray(out), padded[i:i + 12, j:j + 12])
    assert tuple(T.RandomCrop(14, pad_if_needed=True)(t).shape) == (3, 14, 14)


def test_random_flips_draws_match_torch():
    t = ember.tensor(rgb().transpose(2, 0, 1))
    for s in range(6):
        seed_both(s)
        out = T.RandomHorizontalFlip(p=0.5)(t)
        flipped = bool(torch.rand(1) < 0.5)
        ref = t.flip(-1) if flipped else t
        assert ember.equal(out, ref) and same_state()
        out = T.RandomVerticalFlip(p=0.3)(t)
        ref = t.flip(-2) if bool(torch.rand(1) < 0.3) else t
        assert ember.equal(out, ref) and same_state()


def _torch_rrc_params(height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, replayed on the real torch generator."""
    import math
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    return None


def test_random_resized_crop_params_match_torch():
    img = ember.zeros(3, 20, 30)
    for s in range(8):
        for scale, ratio in [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.9, 1.0), (0.2, 5.0))]:
            seed_both(s)
            got = T.RandomResizedCrop.get_params(img, list(scale), list(ratio))
            ref = _torch_rrc_params(20, 30, scale, ratio)
            if ref is not None:
                assert got == ref and same_state()
    seed_both(1)
    out = T.RandomResizedCrop(8)(Image.fromarray(rgb(20, 30)))
    assert out.size == (8, 8)


def test_color_jitter_draws_match_torch():
    x = ember.rand(3, 5, 5)
    for s in range(4):
        seed_both(s)
        cj = T.ColorJitter(brightness=0.4, contrast=0.3, saturation=0.2, hue=0.1)
        fn_idx, b, c, sat, h = cj.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
        ref_idx = torch.randperm(4)
        refs = [float(torch.empty(1).uniform_(lo, hi)) for lo, hi in
                [(0.6, 1.4), (0.7, 1.3), (0.8, 1.2), (-0.1, 0.1)]]
        assert fn_idx.tolist() == ref_idx.tolist() and [b, c, sat, h] == refs and same_state()
        seed_both(s)
        out = cj(x)
        ref = x
        for k in ref_idx.tolist():
            ref = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue][k](ref, refs[k])
        np.testing.assert_allclose(out.numpy(), ref.numpy())
    seed_both(0)
    assert T.ColorJitter()(x) is x
    torch.randperm(4)
    assert same_state()  # the permutation is drawn even when nothing jitters


def test_random_rotation_angle_matches_torch():
    img = Image.fromarray(rgb(9, 9))
    seed_both(5)
    out = T.RandomRotation((-30, 40))(img)
    angle = float(torch.empty(1).uniform_(-30.0, 40.0).item())
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.rotate(angle, Image.NEAREST, False, None,
                                                                         fillcolor=(0, 0, 0))))
    assert same_state()


def test_random_erasing_draws_match_torch():
    import math
    x = ember.rand(3, 16, 16)
    for s in range(6):
        seed_both(s)
        out = T.RandomErasing(p=0.7, value=0.5)(x)
        if torch.rand(1) < 0.7:
            log_ratio = torch.log(torch.tensor((0.3, 3.3)))
            for _ in range(10):
                ea = 256 * torch.empty(1).uniform_(0.02, 0.33).item()
                ar = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
                h, w = int(round(math.sqrt(ea * ar))), int(round(math.sqrt(ea / ar)))
                if h < 16 and w < 16:
                    i = torch.randint(0, 16 - h + 1, size=(1,)).item()
                    j = torch.randint(0, 16 - w + 1, size=(1,)).item()
                    ref = x.numpy().copy()
                    ref[:, i:i + h, j:j + w] = 0.5
                    np.testing.assert_array_equal(out.numpy(), ref)
                    break
        else:
            assert out is x
        assert same_state()


def test_compose_lambda_and_errors():
    tf = T.Compose([T.Lambda(lambda im: im.convert("L")), T.ToTensor()])
    assert tuple(tf(Image.fromarray(rgb())).shape) == (1, 6, 5)
    assert "ToTensor" in repr(tf)
    with pytest.raises(TypeError):
        T.Lambda(3)
    with pytest.raises(ValueError):
        T.RandomCrop(10)(ember.zeros(3, 4, 4))
    with pytest.raises(ValueError):
        T.RandomErasing(p=2)


# ---------------------------------------------------------------- datasets
def _write_idx(path, arr, gz):
    header = struct.pack(">I", 0x0800 + arr.ndim) + b"".join(struct.pack(">I", d) for d in arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("cls,gz", [(datasets.MNIST, False), (datasets.FashionMNIST, True)])
def test_mnist_reader(tmp_path, cls, gz):
    raw = tmp_path / cls.__name__ / "raw"
    raw.mkdir(parents=True)
    rng = np.random.RandomState(0)
    imgs = {p: rng.randint(0, 256, (n, 28, 28)) for p, n in (("train", 5), ("t10k", 3))}
    labels = {p: rng.randint(0, 10, (len(v),)) for p, v in imgs.items()}
    for p in imgs:
        sfx = ".gz" if gz else ""
        _write_idx(raw / f"{p}-images-idx3-ubyte{sfx}", imgs[p], gz)
        _write_idx(raw / f"{p}-labels-idx1-ubyte{sfx}", labels[p], gz)
    tr = cls(str(tmp_path), train=True, transform=T.ToTensor())
    te = cls(str(tmp_path), train=False)
    assert len(tr) == 5 and len(te) == 3
    assert tr.data.dtype == ember.uint8 and tr.targets.dtype == ember.int64
    img, y = tr[2]
    np.testing.assert_array_equal(img.numpy()[0], imgs["train"][2].astype(np.float32) / 255)
    assert y == labels["train"][2] and isinstance(y, int)
    pil, _ = te[1]
    assert pil.mode == "L" and np.array_equal(np.asarray(pil), imgs["t10k"][1])
    assert "Split: Test" in repr(te) and len(tr.classes) == 10


def test_mnist_missing_and_offline_download(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.MNIST(str(tmp_path))
    import urllib.error
    from ember.vision.datasets import mnist as mnist_mod

    def offline(*a, **k):
        raise urllib.error.URLError("offline")
    monkeypatch.setattr(mnist_mod, "download_and_extract_archive", offline)
    with pytest.raises(RuntimeError) as exc:
        datasets.MNIST(str(tmp_path), download=True)
    msg = str(exc.value)
    assert "train-images-idx3-ubyte.gz" in msg and os.path.join("MNIST", "raw") in msg


def test_cifar10_reader(tmp_path):
    base = tmp_path / "cifar-10-batches-py"
    base.mkdir()
    rng = np.random.RandomState(0)
    batches = {}
    for name in ["data_batch_1", "data_batch_2", "test_batch"]:
        entry = {"data": rng.randint(0, 256, (4, 3072)).astype(np.uint8),
                 "labels": rng.randint(0, 10, 4).tolist()}
        batches[name] = entry
        (base / name).write_bytes(pickle.dumps(entry))
    (base / "batches.meta").write_bytes(pickle.dumps({"label_names": [f"c{i}" for i in range(10)]}))

    def md5(n):
        return hashlib.md5((base / n).read_bytes()).hexdigest()

    class Tiny(datasets.CIFAR10):
        train_list = [["data_batch_1", md5("data_batch_1")], ["data_batch_2", md5("data_batch_2")]]
        test_list = [["test_batch", md5("test_batch")]]
        meta = {"filename": "batches.meta", "key": "label_names", "md5": md5("batches.meta")}

    tr = Tiny(str(tmp_path), train=True)
    assert len(tr) == 8 and tr.data.shape == (8, 32, 32, 3) and tr.classes[3] == "c3"
    img, y = tr[5]
    ref = batches["data_batch_2"]["data"][1].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(np.asarray(img), ref) and y == batches["data_batch_2"]["labels"][1]
    assert len(Tiny(str(tmp_path), train=False)) == 4
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        datasets.CIFAR10(str(tmp_path))  # the real md5s do not match these files


def test_image_folder(tmp_path):
    rng = np.random.RandomState(0)
    for cls, n in (("dog", 2), ("cat", 3)):
        (tmp_path / cls).mkdir()
        for k in range(n):
            Image.fromarray(rng.randint(0, 256, (4, 6, 3), dtype=np.uint8)).save(tmp_path / cls / f"{k}.png")
    (tmp_path / "cat" / "notes.txt").write_text("skip me")
    ds = datasets.ImageFolder(str(tmp_path), transform=T.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert ds.targets == [0, 0, 0, 1, 1] and len(ds) == 5 and ds.imgs == ds.samples
    assert ds.samples[3][0].endswith(os.path.join("dog", "0.png"))
    x, y = ds[4]
    assert tuple(x.shape) == (3, 4, 6) and y == 1
    only0 = datasets.ImageFolder(str(tmp_path), is_valid_file=lambda p: p.endswith("0.png"))
    assert len(only0) == 2
    with pytest.raises(FileNotFoundError):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=(".jpg",))


def test_digits():
    state = bytes(ember.get_rng_state().numpy())
    tr = datasets.Digits(train=True, transform=T.ToTensor())
    te = datasets.Digits(train=False)
    assert bytes(ember.get_rng_state().numpy()) == state  # split does not touch the global stream
    assert len(tr) == 1437 and len(te) == 360 and len(tr.classes) == 10
    assert set(tr.indices.tolist()).isdisjoint(te.indices.tolist())
    assert len(set(tr.indices.tolist()) | set(te.indices.tolist())) == 1797
    assert np.array_equal(datasets.Digits(train=True).indices, tr.indices)
    g = torch.Generator().manual_seed(0)
    assert tr.indices.tolist() == torch.randperm(1797, generator=g)[:1437].tolist()
    x, y = tr[0]
    assert tuple(x.shape) == (1, 8, 8) and x.dtype == ember.float32 and 0 <= y < 10
    img, _ = te[0]
    assert img.mode == "L" and img.size == (8, 8)
    from sklearn.datasets import load_digits
    d = load_digits()
    k = int(tr.indices[7])
    np.testing.assert_array_equal(tr.data[7].numpy(), np.rint(d.images[k] * 255 / 16).astype(np.uint8))
    assert int(tr.targets[7]) == d.target[k]


def test_fake_data_matches_torch_replay():
    ember.manual_seed(123)
    torch.manual_seed(123)
    ds = datasets.FakeData(size=4, image_size=(3, 5, 6), num_classes=7, random_offset=10)
    img, y = ds[2]
    assert same_state()  # restored
    torch.manual_seed(12)
    ref = torch.randn(3, 5, 6).permute(1, 2, 0).numpy()
    ref_y = torch.randint(0, 7, size=(1,), dtype=torch.long)[0].item()
    with np.errstate(invalid="ignore", over="ignore"):
        np.testing.assert_array_equal(np.asarray(img), (ref * 255).astype(np.uint8))
    assert y == ref_y and isinstance(y, int)
    with pytest.raises(IndexError):
        ds[4]


def test_dataloader_batches_digits():
    loader = ember.utils.data.DataLoader(datasets.Digits(train=False, transform=T.ToTensor()), batch_size=64)
    x, y = next(iter(loader))
    assert tuple(x.shape) == (64, 1, 8, 8) and y.dtype == ember.int64


def test_torchvision_alias_runs_unchanged_code(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(
        "import torch, torchvision\n"
        "from torchvision import transforms, datasets\n"
        "import torchvision.transforms.functional as TF\n"
        "ds = datasets.FakeData(size=2, image_size=(3, 8, 8), transform=transforms.Compose(\n"
        "    [transforms.RandomCrop(6), transforms.ToTensor()]))\n"
        "x, y = ds[0]\n"
        "print(type(x).__module__.split('.')[0], tuple(x.shape), TF.hflip(x).shape[-1])\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "ember", str(script)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ember", "(3,", "6,", "6)", "6"]
