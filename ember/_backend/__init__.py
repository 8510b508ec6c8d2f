"""Layer 0: the array module behind each device.

Every kernel receives its array module (``xp``) from here, never from a global ``import numpy``.
Only ``cpu`` (NumPy) exists today; a ``cuda`` backend would register a CuPy-based ``Backend``
under the same protocol.
"""
from __future__ import annotations

import numpy

__all__ = ["Backend", "CPU", "get_backend", "register_backend", "np"]

np = numpy  # the CPU array module, for layer-1 code that must build host arrays

# NOTE: torch computes inf/nan silently (log(0), 0/0); NumPy would warn on every such kernel.
# Wrapping each kernel in errstate costs ~1 µs per op, so the CPU backend sets it once.
numpy.seterr(all="ignore")


class Backend:
    """What a device needs: an array module and a random-state factory."""

    __slots__ = ("type", "xp")

    def __init__(self, type: str, xp) -> None:
        self.type = type
        self.xp = xp

    def asarray(self, obj, dtype=None):
        return self.xp.asarray(obj, dtype=dtype)

    def to_host(self, array):
        return array


CPU = Backend("cpu", numpy)
_BACKENDS = {"cpu": CPU}


def register_backend(backend: Backend) -> None:
    _BACKENDS[backend.type] = backend


def get_backend(device_type: str) -> Backend:
    try:
        return _BACKENDS[device_type]
    except KeyError:
        if device_type == "cuda":
            # NOTE: torch's CPU build raises AssertionError with this text.
            raise AssertionError("Torch not compiled with CUDA enabled "
                                 "(ember has no CUDA backend yet; only 'cpu' is available)") from None
        raise RuntimeError(f"ember has no backend for device type '{device_type}'") from None


# -- intra-op threads (torch.set_num_threads / get_num_threads) ---------------------------------
_THREADS = [None]


def set_num_threads(n: int) -> None:
    """Limit the BLAS/OpenMP thread pools NumPy uses (through ``threadpoolctl`` when installed;
    without it the number is only recorded, and ``OMP_NUM_THREADS`` set before start-up rules)."""
    if int(n) < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n}")
    _THREADS[0] = int(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=int(n), user_api="blas")  # NumPy's BLAS, not other libraries' OpenMP


def get_num_threads() -> int:
    """The thread count set by ``set_num_threads`` (else the BLAS pool size, else CPU count)."""
    if _THREADS[0] is not None:
        return _THREADS[0]
    try:
        from threadpoolctl import threadpool_info
        sizes = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        if sizes:
            return max(sizes)
    except ImportError:
        pass
    import os
    return os.cpu_count() or 1
