"""OpInfos: shape and movement ops."""
from __future__ import annotations

op_db = []
EXEMPT = {}
