"""Moving a batch from a worker process to the main process.

A worker never sends ember Tensors: ``pack`` walks the batch (lists, tuples, namedtuples, dicts)
and replaces each Tensor / ndarray by a small reference. Arrays of at least ``SHM_THRESHOLD``
bytes are written, all of one batch together, into ONE file in ``/dev/shm`` (tmpfs; the temp
dir where that does not exist); smaller ones travel inline in the pickle. The pickle is made in
the worker (so an unpicklable batch becomes an exception in the main process instead of a hang
in the queue's feeder thread).

``unpack`` (main process) maps the file, UNLINKS IT AT ONCE and wraps zero-copy NumPy views of
the mapping into Tensors; the pages are freed when the last tensor viewing them dies. Files
whose message never reached the main process (shutdown with results in flight, a worker killed
mid-write) are removed by ``cleanup(prefix)``: every file of a loader iterator starts with a
per-iterator prefix, and the iterator globs it away on shutdown and at interpreter exit.
"""
from __future__ import annotations

import glob
import itertools
import mmap
import os
import pickle
import tempfile
from multiprocessing.reduction import ForkingPickler

from ..._backend import np
from ..._tensor import Tensor, _make

SHM_THRESHOLD = 1 << 16  # bytes: smaller arrays are pickled inline
_ALIGN = 64


def shm_dir() -> str:
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return tempfile.gettempdir()


class _Inline:
    """A small Tensor carried inline."""
    __slots__ = ("array", "requires_grad")

    def __init__(self, array, requires_grad) -> None:
        self.array, self.requires_grad = array, requires_grad


class _ShmRef:
    """An array stored at ``offset`` in the batch's shared file."""
    __slots__ = ("shape", "dtype", "offset", "is_tensor", "requires_grad")

    def __init__(self, shape, dtype, is_tensor, requires_grad) -> None:
        self.shape, self.dtype, self.offset = shape, dtype, 0
        self.is_tensor, self.requires_grad = is_tensor, requires_grad


class Packed:
    """What crosses the result queue: the pickled batch and the name of its shared file."""
    __slots__ = ("blob", "path", "nbytes")

    def __init__(self, blob, path, nbytes) -> None:
        self.blob, self.path, self.nbytes = blob, path, nbytes


def _walk(obj, large, threshold):
    t = type(obj)
    if t is Tensor:
        arr = obj._data
        if large is not None and arr.nbytes >= threshold:
            ref = _ShmRef(arr.shape, arr.dtype, True, obj.requires_grad)
            large.append((ref, arr))
            return ref
        return _Inline(arr, obj.requires_grad)
    if t is np.ndarray:
        if large is not None and obj.nbytes >= threshold and not obj.dtype.hasobject:
            ref = _ShmRef(obj.shape, obj.dtype, False, False)
            large.append((ref, obj))
            return ref
        return obj
    if t is list:
        return [_walk(x, large, threshold) for x in obj]
    if t is tuple:
        return tuple(_walk(x, large, threshold) for x in obj)
    if t is dict:
        return {k: _walk(v, large, threshold) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return t(*(_walk(x, large, threshold) for x in obj))
    return obj


def _write_all(fd, arr, offset) -> None:
    view = memoryview(np.ascontiguousarray(arr).reshape(-1).view(np.uint8))
    while len(view):
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


class Packer:
    """Worker side: ``pack(batch) -> Packed``."""

    def __init__(self, prefix: str, worker_id: int, threshold: int = SHM_THRESHOLD) -> None:
        self.stem = os.path.join(shm_dir(), f"{prefix}w{worker_id}_")
        self.counter = itertools.count()
        self.threshold = threshold

    def pack(self, data) -> Packed:
        large = []
        payload = _walk(data, large, self.threshold)
        path, total = None, 0
        if large:
            for ref, arr in large:
                ref.offset = total
                total += -(-arr.nbytes // _ALIGN) * _ALIGN
            path = f"{self.stem}{next(self.counter)}"
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    os.ftruncate(fd, total)
                    for ref, arr in large:
                        _write_all(fd, arr, ref.offset)
                finally:
                    os.close(fd)
            except OSError:  # e.g. /dev/shm full: fall back to pickling everything
                _unlink(path)
                payload, path, total = _walk(data, None, self.threshold), None, 0
        try:
            blob = ForkingPickler.dumps(payload, pickle.HIGHEST_PROTOCOL)
        except BaseException:
            if path is not None:
                _unlink(path)
            raise
        return Packed(bytes(blob), path, total)


def _rebuild(obj, mm):
    t = type(obj)
    if t is _Inline:
        return _make(obj.array, obj.requires_grad)
    if t is _ShmRef:
        arr = np.ndarray(obj.shape, obj.dtype, buffer=mm, offset=obj.offset)
        return _make(arr, obj.requires_grad) if obj.is_tensor else arr
    if t is list:
        return [_rebuild(x, mm) for x in obj]
    if t is tuple:
        return tuple(_rebuild(x, mm) for x in obj)
    if t is dict:
        return {k: _rebuild(v, mm) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return t(*(_rebuild(x, mm) for x in obj))
    return obj


def unpack(packed: Packed):
    """Main side: map and unlink the shared file (if any), then rebuild the batch."""
    mm = None
    if packed.path is not None:
        try:
            fd = os.open(packed.path, os.O_RDWR)
            try:
                mm = mmap.mmap(fd, packed.nbytes)
            finally:
                os.close(fd)
        finally:
            _unlink(packed.path)
    return _rebuild(pickle.loads(packed.blob), mm)


def discard(packed: Packed) -> None:
    """Drop a message without rebuilding it (its file is unlinked)."""
    if packed.path is not None:
        _unlink(packed.path)


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def new_prefix() -> str:
    return f"ember_dl_{os.getpid()}_{os.urandom(4).hex()}_"


def cleanup(prefix: str) -> None:
    """Remove every shared file of one loader iterator (safe to call repeatedly)."""
    for path in glob.glob(os.path.join(glob.escape(shm_dir()), prefix + "*")):
        _unlink(path)
