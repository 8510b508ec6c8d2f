"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

As in torch the flag is thread-local, and each mode works as a context manager and as a
decorator.
"""
from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State(threading.local):
    enabled = True
    inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for autograd."""
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _GradModeBase:
    """Context manager and decorator that sets the grad flag for its block."""

    _target = True

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._target
        return None

    def __exit__(self, *exc) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn):
        if inspect.isclass(fn):
            raise RuntimeError("Decorating classes is not supported")
        mode = self.clone()
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    with mode.clone():
                        value = next(gen)
                    while True:
                        try:
                            sent = yield value
                        except BaseException as exc:
                            with mode.clone():
                                value = gen.throw(exc)
                        else:
                            with mode.clone():
                                value = gen.send(sent)
                except StopIteration as stop:
                    return stop.value
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradModeBase):
    """Disable gradient recording (``torch.no_grad``)."""

    _target = False

    def __init__(self, orig_func=None) -> None:
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func) and not isinstance(orig_func, bool):
            return cls()(orig_func)
        return super().__new__(cls)


class enable_grad(_GradModeBase):
    """Enable gradient recording inside a ``no_grad`` block (``torch.enable_grad``)."""

    _target = True

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None) -> None:
        pass


class set_grad_enabled(_GradModeBase):
    """Set recording on or off; acts immediately, like torch, and restores on ``__exit__``."""

    def __init__(self, mode: bool) -> None:
        self._prev = STATE.enabled
        self._target = bool(mode)
        STATE.enabled = self._target

    def __enter__(self):
        return None

    def __call__(self, fn):
        STATE.enabled = self._prev  # as a decorator it must not change the mode now
        return super().__call__(fn)

    def clone(self):
        return _Fixed(self._target)


class _Fixed(_GradModeBase):
    def __init__(self, target: bool) -> None:
        self._target = target

    def clone(self):
        return _Fixed(self._target)


class inference_mode(_GradModeBase):
    """``torch.inference_mode``: here the same as ``no_grad`` (tensors are not marked)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self._target = not mode

    def __enter__(self):
        self._prev_inf = STATE.inference
        STATE.inference = self.mode
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        STATE.inference = self._prev_inf
        super().__exit__(*exc)

    def clone(self):
        return inference_mode(self.mode)
