"""MNIST and FashionMNIST (``torchvision.datasets.MNIST`` / ``FashionMNIST``).

The standard IDX files are read from ``root/<ClassName>/raw/`` (uncompressed, as torchvision's
download leaves them, or still ``.gz``). ``download=True`` tries torchvision's mirrors with md5
checks; when that fails (e.g. offline) the RuntimeError names the files and the folder to put
them in.
"""
from __future__ import annotations

import codecs
import gzip
import os
import sys
import urllib.error
import warnings

import numpy as np
from PIL import Image

import ember

from .utils import check_integrity, download_and_extract_archive
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "read_image_file", "read_label_file",
           "read_sn3_pascalvincent_tensor"]


class MNIST(VisionDataset):
    """The MNIST digits: ``data`` uint8 ``(N, 28, 28)``, ``targets`` int64; items are (PIL 'L', int).

    Example:
        >>> ds = MNIST("data", train=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]       # img: float32 (1, 28, 28)
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data")
        return self.data

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it "
                               f"(or put the files {self._file_list()} in {self.raw_folder}).")
        self.data, self.targets = self._load_data()

    def _file_list(self) -> str:
        return ", ".join(name for name, _ in self.resources)

    def _check_legacy_exist(self) -> bool:
        processed_folder_exists = os.path.exists(self.processed_folder)
        if not processed_folder_exists:
            return False
        return all(check_integrity(os.path.join(self.processed_folder, file))
                   for file in (self.training_file, self.test_file))

    def _load_legacy_data(self):
        data_file = self.training_file if self.train else self.test_file
        return ember.load(os.path.join(self.processed_folder, data_file), weights_only=True)

    def _raw_path(self, stem: str) -> str:
        path = os.path.join(self.raw_folder, stem)
        return path if os.path.isfile(path) else path + ".gz"

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        data = read_image_file(self._raw_path(f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(self._raw_path(f"{prefix}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index: int):
        img, target = self.data[index], int(self.targets[index])
        # a PIL Image, consistent with all other datasets
        img = Image.fromarray(img.numpy(), mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict:
        return {_class: i for i, _class in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        def present(name):
            stem = os.path.splitext(os.path.basename(name))[0]
            path = os.path.join(self.raw_folder, stem)
            return check_integrity(path) or check_integrity(path + ".gz")
        return all(present(name) for name, _ in self.resources)

    def download(self) -> None:
        """Download the four files from the mirrors (md5-checked) and decompress them."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    print(f"Downloading {url}", file=sys.stderr)
                    download_and_extract_archive(url, download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                except (urllib.error.URLError, OSError, RuntimeError) as error:
                    errors.append(f"{url}: {error}")
                    continue
                break
            else:
                raise RuntimeError(
                    f"Error downloading {filename} (tried: {'; '.join(errors)}). To use "
                    f"{self.__class__.__name__} offline, put the files {self._file_list()} "
                    f"(.gz or decompressed) in {os.path.abspath(self.raw_folder)}.")

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the MNIST file layout with 10 clothing classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def get_int(b: bytes) -> int:
    return int(codecs.encode(b, "hex"), 16)


SN3_PASCALVINCENT_TYPEMAP = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"),
                             13: np.dtype(">f4"), 14: np.dtype(">f8")}


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True):
    """Read an IDX file (optionally .gz) into an ember tensor."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = get_int(data[0:4])
    nd = magic % 256
    ty = magic // 256
    if not (1 <= nd <= 3) or ty not in SN3_PASCALVINCENT_TYPEMAP:
        raise ValueError(f"{path} is not an IDX file (magic {magic:#x})")
    s = [get_int(data[4 * (i + 1): 4 * (i + 2)]) for i in range(nd)]
    parsed = np.frombuffer(data, dtype=SN3_PASCALVINCENT_TYPEMAP[ty], offset=4 * (nd + 1))
    if parsed.shape[0] != int(np.prod(s)):
        raise ValueError(f"{path}: expected {int(np.prod(s))} values for shape {s}, found "
                         f"{parsed.shape[0]}")
    arr = parsed.astype(parsed.dtype.newbyteorder("=")).reshape(*s)
    return ember.from_numpy(np.ascontiguousarray(arr))


def read_label_file(path: str):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != ember.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndim}")
    return x.long()


def read_image_file(path: str):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != ember.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x should have 3 dimensions instead of {x.ndim}")
    return x
