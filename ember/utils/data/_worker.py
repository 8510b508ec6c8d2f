"""The worker process of the multi-process DataLoader (``torch.utils.data._utils.worker``).

A worker seeds Python's ``random``, ember's default generator (``base_seed + worker_id``) and
NumPy's legacy global state (torch's ``_generate_state`` mix of base seed and worker id), sets
``get_worker_info()``, runs ``worker_init_fn``, then serves ``(task_id, index)`` requests from
its index queue until it receives ``None``. Each result goes back on the shared result queue as
``(task_id, Packed)`` (see ``_shm``), or ``(task_id, ExceptionWrapper)`` when the dataset or
collate function raised.
"""
from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

from . import _shm
from ._fetch import _DatasetKind
from ._utils import MP_WORKER_POLL_INTERVAL

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id``, ``num_workers``, ``seed``,
    ``dataset`` (this worker's copy)."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str | None = "multiprocessing"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Information about the current DataLoader worker, or ``None`` in the main process.

    Example::

        >>> def __iter__(self):            # in an IterableDataset
        ...     info = get_worker_info()
        ...     start = 0 if info is None else info.id
        ...     step = 1 if info is None else info.num_workers
        ...     return iter(range(start, self.n, step))
    """
    return _worker_info


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError's traceback stays readable."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its traceback text, carried across processes (``torch._utils``)."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the original exception type with "Caught X <where>.\\nOriginal Traceback...".

        Types that cannot be built from one message string become RuntimeError.
        """
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            del exception  # no frame -> exception -> traceback -> frame cycle keeps the loader

    def _sendable(self) -> "ExceptionWrapper":
        # An exception class defined in a function cannot be pickled by reference; send
        # RuntimeError with the same text rather than losing the message in the feeder thread.
        try:
            pickle.dumps(self.exc_type)
        except Exception:
            self.exc_msg = f"{self.exc_type.__name__}: {self.exc_msg}"
            self.exc_type = RuntimeError
        return self


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's IterableDataset copy is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Persistent workers: start a new epoch (rebuild the fetcher); echoed back as the ack."""
    seed: int | None = None


class ManagerWatchdog:
    """Notices that the main process died (the worker got re-parented)."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _generate_state(base_seed: int, worker_id: int) -> list:
    """torch's 4-word NumPy seed for a worker (a SeedSequence-style hash of both seeds)."""
    mask = 0xFFFFFFFF
    shift = 16
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    hash_a = [0x43B0D7E5]

    def hashmix(value):
        value = (value ^ hash_a[0]) & mask
        hash_a[0] = (hash_a[0] * mult_a) & mask
        value = (value * hash_a[0]) & mask
        return (value ^ (value >> shift)) & mask

    def mix(x, y):
        r = ((0xCA01F9DD * x) - (0x4973F715 * y)) & mask
        return (r ^ (r >> shift)) & mask

    pool = [hashmix(e) for e in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    hash_b = 0x8B51F9DD
    state = []
    for value in pool:
        value = (value ^ hash_b) & mask
        hash_b = (hash_b * mult_b) & mask
        value = (value * hash_b) & mask
        state.append((value ^ (value >> shift)) & mask)
    return state


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    from . import _utils  # imports ember lazily (spawned workers start bare)
    _utils.manual_seed(seed)
    import numpy
    numpy.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _encode(data, packer, worker_id):
    if isinstance(data, (ExceptionWrapper, _IterableDatasetStopIteration)):
        return data
    try:
        return packer.pack(data)
    except Exception:
        return ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")._sendable()


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 persistent_workers, shared_seed, shm_prefix) -> None:
    """Body of a worker process (see the protocol note in ``dataloader.py``)."""
    try:
        seed = _seed_worker(base_seed, worker_id)
        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=where)._sendable()
        packer = _shm.Packer(shm_prefix, worker_id)
        iteration_end = False
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shut down even if the final None got lost (e.g. a gc'd queue)
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            if r is None:  # the final signal
                break
            if done_event.is_set() or iteration_end:
                continue  # drain requests until the final signal
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)._sendable()
            data_queue.put((idx, _encode(data, packer, worker_id)))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C and shuts us down
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
