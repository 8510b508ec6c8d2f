"""``Digits``: ember's own dataset of the 8x8 handwritten digits bundled with scikit-learn.

``sklearn.datasets.load_digits`` ships 1797 images inside the scikit-learn wheel, so this works
offline. The data are split once, deterministically: a permutation drawn from a private
``ember.Generator`` seeded with ``split_seed`` (default 0; the global generator is untouched),
then the first 1437 indices are the training set and the last 360 the test set. Pixels (0..16)
are scaled to uint8 0..255, and items are ``(PIL 'L' image, int)`` like MNIST's, so
``transforms.ToTensor()`` gives float32 ``(1, 8, 8)`` in [0, 1].
"""
from __future__ import annotations

import numpy as np
from PIL import Image

import ember

from .vision import VisionDataset

__all__ = ["Digits"]

_CACHE: dict = {}


def _load_all():
    """(images uint8 (1797, 8, 8), labels int64 (1797,)) from scikit-learn, cached per process."""
    if "digits" not in _CACHE:
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("Digits needs scikit-learn (pip install scikit-learn, or "
                               "pip install 'ember[demo]')") from exc
        bunch = load_digits()
        images = np.rint(bunch.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
        _CACHE["digits"] = (images, bunch.target.astype(np.int64))
    return _CACHE["digits"]


class Digits(VisionDataset):
    """1797 8x8 grayscale digits (1437 train / 360 test), 10 classes; no download needed.

    Example:
        >>> train = Digits(train=True, transform=transforms.ToTensor())
        >>> len(train), train[0][0].shape
        (1437, torch.Size([1, 8, 8]))
    """

    classes = [str(i) for i in range(10)]
    num_train = 1437

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False, split_seed: int = 0) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self.split_seed = split_seed
        images, labels = _load_all()
        g = ember.Generator().manual_seed(split_seed)
        perm = ember.randperm(len(labels), generator=g).numpy()
        idx = perm[: self.num_train] if train else perm[self.num_train:]
        self.indices = idx
        self.data = ember.from_numpy(np.ascontiguousarray(images[idx]))
        self.targets = ember.from_numpy(np.ascontiguousarray(labels[idx]))

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int):
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img.numpy(), mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"
