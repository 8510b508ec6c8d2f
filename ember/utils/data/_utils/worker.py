"""``torch.utils.data._utils.worker`` path (the code lives in ``ember.utils.data._worker``)."""
from .._worker import (ExceptionWrapper, ManagerWatchdog, WorkerInfo,  # noqa: F401
                       _generate_state, _IterableDatasetStopIteration, _ResumeIteration,
                       _worker_loop, get_worker_info)
