"""``ember.vision``: torchvision's layout on ember (``torchvision`` maps here under ``python -m ember``).

- ``transforms`` (and ``transforms.functional``): the v1 transforms on PIL images and tensors,
  with torchvision's random draws from ember's generator;
- ``datasets``: MNIST, FashionMNIST, CIFAR10/100, ImageFolder/DatasetFolder, FakeData and
  ``Digits`` (scikit-learn's bundled 8x8 digits; works offline);
- ``models``: an empty namespace for now.

Pillow is required (``pip install ember[vision]``).
"""
from . import datasets, models, transforms

__version__ = "0.28.0+ember"

__all__ = ["datasets", "models", "transforms", "__version__"]
