"""Internals of ``ember.save`` / ``ember.load`` (PyTorch's checkpoint formats, without torch).

``_zipfmt``: the zip container torch writes (stored entries, data aligned to 64 bytes).
``_pickle_write``: a pickler that emits torch's globals by name for ember objects.
``_pickle_read``: storages, tensor rebuilders and the weights-only / full unpicklers.
The public functions live in ``ember.serialization``.
"""
