"""Numba overrides of ``ember._ops`` kernels (the ``ember[fast]`` extra; see ``ember._backend.fast``).

Modules here import Numba at import time, so an op imports one only inside its fast branch."""
