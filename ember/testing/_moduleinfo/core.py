"""ModuleInfo: one nn module under test, run identically in ember and torch.

``samples(make)`` yields ``ModuleSample``s: constructor arguments, forward inputs (NumPy arrays
become tensors; float ones require grad) and forward keyword arguments. The sweep builds the
module in both frameworks, copies torch's ``state_dict`` into ember's, and compares outputs,
input gradients, parameter gradients and buffers in train and eval mode.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from .._opinfo.core import Maker  # noqa: F401  (re-exported for family files)

__all__ = ["ModuleInfo", "ModuleSample", "Maker"]


@dataclasses.dataclass
class ModuleSample:
    """Constructor args/kwargs, forward inputs and forward kwargs for one case."""

    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    inputs: tuple = ()
    forward_kwargs: dict = dataclasses.field(default_factory=dict)
    name: str = ""

    def __repr__(self) -> str:
        def short(a):
            if isinstance(a, np.ndarray):
                return f"array{a.shape}:{a.dtype}"
            return repr(a)
        return (f"{self.name}({', '.join(short(a) for a in self.args)}"
                f"{', ' if self.kwargs else ''}{self.kwargs}) <- "
                f"{', '.join(short(a) for a in self.inputs)}")


@dataclasses.dataclass
class ModuleInfo:
    """name: the class name in ``nn`` (``'Linear'``).

    modes: which of 'train'/'eval' to run. random: forward draws random numbers (dropout):
    both frameworks are seeded identically before the forward. init: check that
    ``manual_seed(0)`` then construction gives torch's parameters. grad: run backward.
    """

    name: str
    samples: Callable
    dtypes: tuple = (np.float32, np.float64)
    modes: tuple = ("train", "eval")
    random: bool = False
    init: bool = True
    grad: bool = True
    rtol: float | None = None
    atol: float | None = None
    repr_check: bool = True
    skips: dict = dataclasses.field(default_factory=dict)
    covers: tuple = ()
