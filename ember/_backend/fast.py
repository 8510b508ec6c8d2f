"""Optional compiled kernels: the ``ember[fast]`` extra (Numba).

torch's CPU kernels are compiled loops that run on an intra-op OpenMP pool; a NumPy kernel makes
one pass over memory per ufunc, on one core. With Numba installed, the hottest kernels (conv's
im2col/col2im, pooling, GELU, norms, attention softmax, optimizer updates, randn's transform) have
fused, parallel implementations that override the NumPy ones. The NumPy path stays the reference:
it runs when Numba is absent, for dtypes a kernel does not cover, and below a size threshold, and
the conformance sweep runs over both paths (``forced``).

How an op uses an override::

    if fast.ENABLED and fast.use(xp, x):
        from ._fast import activation as k  # imports Numba on first use only
        return k.gelu(x)

Kernel modules decorate with :func:`jit`; ``parallel=True`` kernels use ``numba.prange`` and get a
serial twin, taken in forked children (GNU OpenMP is not fork-safe) and while another thread is
inside a parallel kernel.

Threads: Numba's OpenMP layer launches a region in ~2 µs; its ``workqueue`` layer took ~90 µs per
launch on this 2-core machine, which made parallel kernels slower than serial ones below ~1M
elements, so ``omp`` is preferred (``NUMBA_THREADING_LAYER`` in the environment wins). Idle pools
spin: ``import ember`` shortens OpenBLAS's and libgomp's spin when NumPy is not loaded yet (see
``ember._backend``), without which a parallel elementwise kernel after a
GEMM ran no faster than a serial one.

``EMBER_FAST=0`` turns every override off.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import threading

import numpy


def _numba_installed() -> bool:
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # ValueError: sys.modules["numba"] is None (import blocked)
        return False


AVAILABLE = _numba_installed()
ENABLED = AVAILABLE and os.environ.get("EMBER_FAST", "1") != "0"
MIN_SIZE = 1 << 12          # elements from which an override is taken (dispatch costs ~0.3 µs)
PARALLEL_MIN = 1 << 16      # elements from which a kernel runs on the thread pool

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
_IN_CHILD = [False]         # a forked child: GNU OpenMP is not fork-safe, serial builds only
_POOL = [True]              # False once Numba could load no threading layer
_THREADS = [None]           # torch.set_num_threads before Numba was loaded
_PAR_LOCK = threading.Lock()


def use(xp, *arrays) -> bool:
    """Whether a NumPy kernel should take its override: CPU arrays of float32/float64, of one
    dtype, the first at least ``MIN_SIZE`` elements. Call as ``fast.ENABLED and fast.use(...)``."""
    a = arrays[0]
    if xp is not numpy or a.size < MIN_SIZE or a.dtype not in _FLOATS or not ready():
        return False
    return all(b.dtype == a.dtype for b in arrays[1:])


_READY = []


def ready() -> bool:
    """Numba imports (checked once, at the first override wanted). An installed Numba that fails
    to import (e.g. built for another NumPy) turns the overrides off with a warning instead of
    failing the op that wanted one."""
    global ENABLED
    if not _READY:
        try:
            import numba  # noqa: F401
            _READY.append(True)
        except Exception as exc:  # any failure of a broken install: ImportError, AttributeError
            import warnings
            warnings.warn(f"ember[fast] is off: numba failed to import ({type(exc).__name__}: "
                          f"{exc}); the NumPy kernels run instead", RuntimeWarning, stacklevel=3)
            _READY.append(False)
            ENABLED = False
    return _READY[0]


class _Kernel:
    """A Numba function compiled on first call; ``parallel`` ones also get a serial twin."""

    __slots__ = ("_fn", "_opts", "_par", "_ser", "parallel")

    def __init__(self, fn, parallel, opts):
        self._fn = fn
        self._opts = opts
        self.parallel = parallel
        self._par = self._ser = None

    def _compile(self):
        import numba
        if _THREADS[0] is not None:
            set_num_threads(_THREADS[0])
        self._ser = numba.njit(self._fn, cache=True, nogil=True, **self._opts)
        if self.parallel:
            # NOTE: a separate function object, so the two dispatchers keep separate caches
            fn = type(self._fn)(self._fn.__code__, self._fn.__globals__, self._fn.__name__ + "_par",
                                self._fn.__defaults__, self._fn.__closure__)
            fn.__qualname__ = self._fn.__qualname__ + "_par"
            fn.__module__ = self._fn.__module__
            self._par = numba.njit(fn, cache=True, nogil=True, parallel=True, **self._opts)

    def pick(self, n: int, scale: int = 1):
        """This kernel (parallel) for ``n >= scale * PARALLEL_MIN`` work items, else its serial
        build: waking a sleeping pool costs ~0.2 ms here, more than a short loop gains."""
        return self if n >= scale * PARALLEL_MIN else self.serial

    @property
    def serial(self):
        if self._ser is None:
            self._compile()
        return self._ser

    def __call__(self, *args):
        if self._ser is None:
            self._compile()
        if self._par is None or _IN_CHILD[0] or not _POOL[0] \
                or not _PAR_LOCK.acquire(blocking=False):
            return self._ser(*args)
        try:
            return self._par(*args)
        except ValueError as exc:  # "No threading layer could be loaded" (e.g. no libgomp)
            if "threading layer" not in str(exc):
                raise
            import warnings
            warnings.warn(f"ember[fast] runs its kernels on one thread: {exc}", RuntimeWarning,
                          stacklevel=2)
            _POOL[0] = False
            return self._ser(*args)
        finally:
            _PAR_LOCK.release()


def jit(fn=None, *, parallel: bool = False, **opts):
    """Decorator for kernel modules: ``numba.njit(cache=True, nogil=True)``, compiled lazily.

    With ``parallel=True`` the body may use ``numba.prange``; calls run the parallel build unless
    in a forked child or while another thread runs a parallel kernel (then the serial build)."""
    if fn is None:
        return lambda f: _Kernel(f, parallel, opts)
    return _Kernel(fn, parallel, opts)


def _after_fork_in_child():
    _IN_CHILD[0] = True


if AVAILABLE:
    os.environ.setdefault("NUMBA_THREADING_LAYER", "omp")
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)


def set_num_threads(n: int) -> None:
    """Follow ``torch.set_num_threads`` in Numba's pool (now, or when Numba loads)."""
    import sys
    _THREADS[0] = int(n)
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


@contextlib.contextmanager
def forced(enabled: bool = True):
    """Tests: take the overrides at every size (``enabled=True``) or never (``False``)."""
    global ENABLED, MIN_SIZE, PARALLEL_MIN
    saved = ENABLED, MIN_SIZE, PARALLEL_MIN
    ENABLED = bool(enabled) and AVAILABLE
    MIN_SIZE = PARALLEL_MIN = 0
    try:
        yield ENABLED
    finally:
        ENABLED, MIN_SIZE, PARALLEL_MIN = saved
