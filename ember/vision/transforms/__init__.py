"""``torchvision.transforms`` on ember (the v1 API): ``from torchvision import transforms`` works
unchanged under ``python -m ember``. See ``transforms.py`` for the classes and ``functional.py``
for the per-image functions."""
from . import functional
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _all

__all__ = list(_all) + ["functional"]
