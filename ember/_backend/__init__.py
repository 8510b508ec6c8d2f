"""Layer 0: the array module behind each device.

Every kernel receives its array module (``xp``) from here, never from a global ``import numpy``.
Only ``cpu`` (NumPy) exists today; a ``cuda`` backend would register a CuPy-based ``Backend``
under the same protocol.
"""
from __future__ import annotations

import os
import sys


def _shorten_idle_spin() -> None:
    """Before NumPy loads: idle OpenBLAS and OpenMP threads sleep after ~1 ms, not ~100 ms.

    OpenBLAS's workers spin for 2**28 cycles after each call and libgomp's (Numba's pool) for
    300,000 spins. torch has one pool for its GEMMs and its elementwise kernels; ember has two
    (NumPy's OpenBLAS, Numba's OpenMP), and a kernel on one pool shares its cores with the other's
    spinning threads: a parallel GELU after a GEMM ran no faster than a serial one. Explicit
    settings in the environment win; once NumPy is loaded this can no longer take effect."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")  # 2**22 cycles, about 1 ms
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")


_shorten_idle_spin()

import numpy  # noqa: E402

__all__ = ["Backend", "CPU", "get_backend", "register_backend", "np"]

np = numpy  # the CPU array module, for layer-1 code that must build host arrays

# NOTE: torch computes inf/nan silently (log(0), 0/0); NumPy would warn on every such kernel.
# Wrapping each kernel in errstate costs ~1 µs per op, so the CPU backend sets it once.
numpy.seterr(all="ignore")


def _keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks for reuse instead of returning them to the OS.

    torch's CPU allocator caches freed blocks; NumPy's arrays go to ``malloc``, and glibc hands
    every block above its mmap threshold (at most 32 MB) back to the OS on free, so the next
    training step pays a page fault per 4 KB on first touch — measured 20% of a small GPT step.
    Raising the trim and mmap thresholds makes freed activations reusable. The cost is torch's
    too: the process keeps its peak heap. ``EMBER_KEEP_FREED_MEMORY=0`` turns this off.
    """
    if os.environ.get("EMBER_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt  # glibc only (musl has none)
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_trim_threshold, 1 << 30) and mallopt(m_mmap_threshold, 32 << 20))


KEEPS_FREED_MEMORY = _keep_freed_memory()


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
    from . import fast
    fast.set_num_threads(n)
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
    return os.cpu_count() or 1
