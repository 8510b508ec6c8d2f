"""Anomaly detection (``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``).

While enabled, every recorded node remembers the first stack frame outside ember — the user's
line that created it — and backward raises when a node produces a NaN gradient, naming the op
and that file and line in the message (torch prints a separate traceback; we put it in the
error so it is never lost).
"""
from __future__ import annotations

import os
import sys

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "user_frame"]

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENABLED = [False]


def is_anomaly_enabled() -> bool:
    return ENABLED[0]


def user_frame() -> str:
    """``file:line in function`` of the innermost caller outside the ember package."""
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if not os.path.abspath(path).startswith(_EMBER_DIR + os.sep):
            return f'File "{path}", line {frame.f_lineno}, in {frame.f_code.co_name}'
        frame = frame.f_back
    return "<unknown location>"


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection for its block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = ENABLED[0]
        ENABLED[0] = self.check_nan or ENABLED[0]
        import warnings
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __exit__(self, *exc) -> None:
        ENABLED[0] = self._prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (immediately, and as a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = ENABLED[0]
        ENABLED[0] = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        ENABLED[0] = self._prev


def check_grads(node, grads) -> None:
    """Raise if a node's computed input gradients contain NaN."""
    from .._backend import np
    for i, g in enumerate(grads):
        if g is not None and g._data.dtype.kind in "fc" and np.isnan(g._data).any():
            where = node.trace or "<created before anomaly detection was enabled>"
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               f"output. The forward call that created it: {where}")
