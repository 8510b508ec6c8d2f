"""Shared helpers of ``ember.utils.data``: constants and the random draws samplers make.

The draws go through ember's torch-identical generator (``ember.random``), so a sampler or a
loader consumes the same numbers from the same stream as ``torch.utils.data`` does.
"""
from __future__ import annotations

import sys

IS_WINDOWS = sys.platform == "win32"

# Seconds (torch's value): how long shutdown waits to join a worker before terminating it.
# torch polls the result queue every 5 s and relies on a SIGCHLD handler for fast failure; we
# poll in MP_POLL_INTERVAL slices instead, so a dead worker is noticed within that time.
MP_STATUS_CHECK_INTERVAL = 5.0
MP_POLL_INTERVAL = 0.1
# Workers wake this often while idle to notice the done event and a dead parent.
MP_WORKER_POLL_INTERVAL = 0.5


def _fn(name):
    """``ember.<name>``, falling back to the op module while it is not re-exported yet."""
    import ember
    fn = getattr(ember, name, None)
    if fn is None:
        from ember._ops import random as _random_ops
        fn = getattr(_random_ops, name)
    return fn


def default_generator():
    from ember import random as _random
    return _random.default_generator


def new_generator(seed=None):
    from ember import random as _random
    g = _random.Generator()
    if seed is not None:
        g.manual_seed(seed)
    return g


def random_int64(generator=None) -> int:
    """``torch.empty((), dtype=torch.int64).random_(generator=generator).item()``."""
    import ember
    _fn("randperm")  # make sure Tensor.random_ is attached
    t = ember.empty((), dtype=ember.int64)
    if generator is None:
        t.random_()
    else:
        t.random_(generator=generator)
    return int(t.item())


def randperm(n, generator=None):
    return _fn("randperm")(n, generator=generator)


def randint(high, size, generator=None):
    import ember
    return _fn("randint")(0, high, size, dtype=ember.int64, generator=generator)


def multinomial(weights, num_samples, replacement, generator=None):
    return _fn("multinomial")(weights, num_samples, replacement, generator=generator)


def manual_seed(seed) -> None:
    """Seed ember's default CPU generator (``torch.manual_seed``)."""
    import ember
    seed_fn = getattr(ember, "manual_seed", None)
    if seed_fn is None:
        from ember import random as _random
        seed_fn = _random.manual_seed
    seed_fn(seed)


def __getattr__(name):
    """``torch.utils.data._utils.{collate,fetch,worker}`` (loaded on first use: no cycles)."""
    if name in ("collate", "fetch", "worker"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
