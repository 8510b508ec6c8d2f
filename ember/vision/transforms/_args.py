"""Argument checks shared by the transform classes (torchvision's ``_setup_size`` etc.)."""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

from .functional import _interpolation_modes_from_int


def _setup_size(size, error_msg):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


def _check_sequence_input(x, name, req_sizes):
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join([str(s) for s in req_sizes])
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _interp(interpolation):
    if isinstance(interpolation, int):
        warnings.warn("Argument 'interpolation' of type int is deprecated since 0.13 and will be "
                      "removed in 0.15. Please use InterpolationMode enum.")
        return _interpolation_modes_from_int(interpolation)
    return interpolation
