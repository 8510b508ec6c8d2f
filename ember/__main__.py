"""``python -m ember script.py [args...]``: run an unchanged PyTorch program on ember.

Also ``python -m ember -m package.module [args...]``. ``sys.argv``, ``__main__``, exit codes and
tracebacks behave as with ``python script.py``.
"""
from __future__ import annotations

import runpy
import sys

USAGE = "usage: python -m ember SCRIPT.py [args...] | python -m ember -m MODULE [args...]"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        raise SystemExit(0 if argv else 2)
    from . import compat
    compat.install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            raise SystemExit(2)
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    script = argv[0]
    sys.argv = argv
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
