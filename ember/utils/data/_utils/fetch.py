"""``torch.utils.data._utils.fetch`` path (the code lives in ``ember.utils.data._fetch``)."""
from .._fetch import _BaseDatasetFetcher, _IterableDatasetFetcher, _MapDatasetFetcher  # noqa: F401
