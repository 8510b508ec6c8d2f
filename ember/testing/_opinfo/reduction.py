"""OpInfos: reduction ops."""
from __future__ import annotations

op_db = []
EXEMPT = {}
