"""``torchvision.datasets`` on ember: MNIST, FashionMNIST, CIFAR10, CIFAR100, ImageFolder,
DatasetFolder, FakeData, and ember's offline ``Digits`` (scikit-learn's 8x8 digits)."""
from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "Digits", "FakeData", "FashionMNIST",
           "ImageFolder", "MNIST", "VisionDataset"]
