"""``ember.utils.data`` (``torch.utils.data``): datasets, samplers, collation and DataLoader.

Mirrors torch 2.13: the same names, arguments, defaults, errors and random streams (a shuffled
loader after ``manual_seed(s)`` yields torch's batches), with real worker processes for
``num_workers > 0``.
"""
from __future__ import annotations

from ._collate import default_collate, default_convert
from ._fetch import _DatasetKind
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, random_split)
from .distributed import DistributedSampler
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "_DatasetKind", "default_collate", "default_convert",
           "get_worker_info", "random_split"]
