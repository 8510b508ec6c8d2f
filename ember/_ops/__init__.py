"""Layer 3: every op. Importing this package registers all primitives and public names."""
from __future__ import annotations

from . import registry  # noqa: F401  (first: the tables)
from . import conversion, creation, elementwise, shape  # noqa: F401
from . import comparison, indexing, linalg, linear, random, reduction, unary  # noqa: F401
from . import decomp, select, sorting  # noqa: F401
from . import activation, conv, embedding, loss, norm, pool  # noqa: F401  (nn primitives)
from .registry import FUNCTIONS, METHODS, PRIMITIVES  # noqa: F401
