"""The multi-process DataLoader iterator (torch's ``_MultiProcessingDataLoaderIter``)."""
from __future__ import annotations

import atexit
import itertools
import multiprocessing as python_multiprocessing
import queue
import threading
import time
import warnings
import weakref

from . import _shm
from ._fetch import _DatasetKind
from ._utils import MP_POLL_INTERVAL, MP_STATUS_CHECK_INTERVAL
from ._worker import ExceptionWrapper, _IterableDatasetStopIteration, _ResumeIteration, _worker_loop
from .dataloader import _BaseDataLoaderIter

# Iterators whose workers may still run; shut down at interpreter exit (before multiprocessing's
# own exit handler would terminate the daemonic workers without cleaning their shared files).
_live_iterators: "weakref.WeakSet" = weakref.WeakSet()
_atexit_lock = threading.Lock()
_atexit_registered = False


def _shutdown_all_at_exit() -> None:
    for it in list(_live_iterators):
        try:
            it._shutdown_workers()
        except Exception:
            pass


def _register_atexit() -> None:
    global _atexit_registered
    with _atexit_lock:
        if not _atexit_registered:
            atexit.register(_shutdown_all_at_exit)
            _atexit_registered = True


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Loads batches in ``num_workers`` worker processes.

    Protocol (mirrors torch's, with ember's transport):

    * Queues. Each worker ``i`` has its own index queue; all workers share ONE result queue.
      The main process sends tasks ``(task_id, indices)`` round-robin over the active workers
      (``in_order=False``: to any worker below its fair share) and keeps
      ``prefetch_factor * num_workers`` tasks in flight: every batch handed out triggers one new
      task. ``task_id``s grow from 0 per epoch; results arriving early are parked in
      ``_task_info`` and returned in task order (``in_order=False`` returns them as they come).
    * Results. A worker answers ``(task_id, Packed)`` -- the batch with its Tensors as NumPy
      arrays, large ones written to one ``/dev/shm`` file per batch (``_shm``) -- or
      ``(task_id, ExceptionWrapper)``; the main process rebuilds Tensors from the arrays (and
      unlinks the file) the moment a message is received, and re-raises a wrapped exception as
      its original type, with the worker's traceback in the message, when its turn comes.
      An IterableDataset worker that runs dry answers ``_IterableDatasetStopIteration`` and
      gets no more tasks.
    * Sentinels. ``None`` on an index queue = "exit now". ``_ResumeIteration`` = new epoch for
      persistent workers (rebuild the fetcher); the worker echoes it as its acknowledgement,
      and results of the abandoned epoch that arrive before the echo are dropped.
    * Liveness and timeouts. The main process never blocks on the result queue for more than
      ``MP_POLL_INTERVAL``: after each empty poll it checks ``is_alive()`` of every active
      worker and raises ``RuntimeError("DataLoader worker (pid(s) ...) exited unexpectedly")``
      if one died (e.g. killed by a signal). With ``timeout > 0`` it raises ``RuntimeError(
      "DataLoader timed out after {timeout} seconds")`` when no result came within that time.
      Idle workers wake every ``MP_WORKER_POLL_INTERVAL`` seconds and exit when the main
      process is gone (re-parenting) or the done event is set.
    * Shutdown (end of epoch without persistent workers, ``__del__``, interpreter exit via an
      atexit hook, in that order of likelihood): set the shared done event (workers then skip
      remaining tasks, exit when idle even if the ``None`` below is lost -- a garbage-collected
      queue's feeder thread may already be stopped when ``__del__`` runs -- and do not wait for
      their queue's feeder thread), send ``None`` to each worker, join each with a timeout, ``terminate()`` and join stragglers, close the queues,
      and remove any shared file of this iterator that was never received (by prefix).
      Workers are daemonic, so they can never outlive the main process.
    """

    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._num_workers <= 0:
            raise AssertionError(
                "num_workers must be greater than 0 for MultiProcessingDataLoaderIter")
        if self._prefetch_factor <= 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = python_multiprocessing.get_context()
        self._worker_init_fn = loader.worker_init_fn
        self._shutdown = False
        self._workers = []
        self._index_queues = []
        self._shm_prefix = _shm.new_prefix()
        self._worker_result_queue = ctx.Queue()
        self._workers_done_event = ctx.Event()
        self._data_queue = self._worker_result_queue
        _register_atexit()
        _live_iterators.add(self)
        for i in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            w = ctx.Process(
                target=_worker_loop,
                args=(self._dataset_kind, self._dataset, index_queue,
                      self._worker_result_queue, self._workers_done_event,
                      self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                      self._worker_init_fn, i, self._num_workers, self._persistent_workers,
                      self._shared_seed, self._shm_prefix))
            w.daemon = True
            from pickle import PicklingError
            try:
                w.start()
            except (TypeError, AttributeError, PicklingError):
                warnings.warn(
                    "Got pickle error when attempting to start a worker Process. "
                    "This might be because the worker Process arguments are not picklable. "
                    "Python 3.14+ changed the multiprocessing start method in non-Mac POSIX "
                    "platforms to 'forkserver', which requires the worker Process arguments to "
                    "be picklable. You can also try multiprocessing.set_start_method('fork').",
                    stacklevel=2)
                self._workers_status = [True] * len(self._workers)
                self._shutdown_workers()
                raise
            self._index_queues.append(index_queue)
            self._workers.append(w)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}  # task_id -> (worker_id,) while pending, (worker_id, data) when parked
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for idx in range(self._num_workers):
                self._index_queues[idx].put(_ResumeIteration(self._shared_seed))
            remaining = self._num_workers
            while remaining > 0:
                return_idx, _ = self._get_data()
                if isinstance(return_idx, _ResumeIteration):
                    remaining -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # -- receiving ----------------------------------------------------------------------------
    def _dead_workers(self):
        failed = []
        for worker_id, w in enumerate(self._workers):
            if self._workers_status[worker_id] and not w.is_alive():
                failed.append(w)
                self._mark_worker_as_unavailable(worker_id)
        return failed

    def _try_get_data(self, timeout=MP_STATUS_CHECK_INTERVAL):
        """``(True, (task_id, data))`` or ``(False, None)`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                idx, data = self._data_queue.get(timeout=max(0.0, min(MP_POLL_INTERVAL,
                                                                      remaining)))
            except queue.Empty:
                failed = self._dead_workers()
                if failed:
                    pids = ", ".join(str(w.pid) for w in failed)
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
                if remaining <= 0:
                    return False, None
                continue
            except (EOFError, OSError) as e:
                failed = self._dead_workers()
                if failed:
                    pids = ", ".join(str(w.pid) for w in failed)
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from e
                raise
            if isinstance(data, _shm.Packed):
                data = _shm.unpack(data)
            return True, (idx, data)

    def _get_data(self):
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data()
            if success:
                return data

    def _next_data(self):
        while True:
            # Skip tasks whose worker is gone (an exhausted IterableDataset replica).
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx, None)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # parked earlier
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError("Invalid iterator state: shutdown or no outstanding tasks "
                                     "when fetching next data")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable:
                if isinstance(data, _IterableDatasetStopIteration):
                    if self._persistent_workers:
                        self._workers_status[data.worker_id] = False
                    else:
                        self._mark_worker_as_unavailable(data.worker_id)
                    self._try_put_index()
                    continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    # -- sending ------------------------------------------------------------------------------
    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError("Number of outstanding tasks exceeded maximum allowed tasks")
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < max_tasks // sum(
                        self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_queue_idx].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_idx):
        self._workers_num_tasks[worker_idx] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # -- shutdown -----------------------------------------------------------------------------
    def _mark_worker_as_unavailable(self, worker_id, shutdown=False) -> None:
        try:
            self._index_queues[worker_id].put(None)
        except (ValueError, OSError):  # queue already closed
            pass
        self._workers_status[worker_id] = False

    def _shutdown_workers(self) -> None:
        if getattr(self, "_shutdown", True):
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_as_unavailable(worker_id, shutdown=True)
            for w in self._workers:
                w.join(timeout=MP_STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=MP_STATUS_CHECK_INTERVAL)
            try:
                self._worker_result_queue.cancel_join_thread()
                self._worker_result_queue.close()
            except Exception:
                pass
            _shm.cleanup(self._shm_prefix)
            _live_iterators.discard(self)

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:
            pass
