"""ember: PyTorch's programming model on NumPy.

``import ember as torch`` gives tensors, autograd, ``nn``, ``optim`` and data loading with
torch's names, defaults and numbers.
"""
from __future__ import annotations

from . import _backend  # first: it sets thread-pool options that apply only before NumPy loads
from . import _dtype
from ._backend import get_num_threads, set_num_threads
from ._device import device
from ._dtype import (bfloat16, bool, cdouble, cfloat, complex64, complex128, double, dtype, finfo,
                     float, float16, float32, float64, get_default_dtype, half, iinfo, int, int8,
                     int16, int32, int64, long, promote_types, set_default_dtype, short, uint8)
from ._size import Size
from ._tensor import Tensor
from . import autograd
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                       no_grad, set_grad_enabled)
from . import random
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)
from . import _ops
from ._ops import FUNCTIONS as _FUNCTIONS

globals().update(_FUNCTIONS)

from . import nn  # noqa: E402  (torch imports torch.nn too)

# nn.functional publishes torch's top-level aliases (torch.conv2d, torch.max_pool2d, ...)
globals().update({k: v for k, v in _FUNCTIONS.items() if k not in globals()})
from . import optim  # noqa: E402
from . import linalg  # noqa: E402
from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import utils  # noqa: E402

__version__ = "0.1.0"


def is_tensor(obj) -> "bool":
    """Whether ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> "bool":
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> "bool":
    return input.dtype.is_complex


def numel(input: Tensor) -> "int":
    return input.numel()


def can_cast(from_, to) -> "bool":
    """torch.can_cast."""
    return _dtype.can_cast(from_, to)


def result_type(tensor1, tensor2) -> dtype:
    """torch.result_type."""
    from ._ops._common import result_type as _rt
    return _rt(tensor1, tensor2)


def get_default_device() -> device:
    return device("cpu")
