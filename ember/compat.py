"""Run unchanged PyTorch programs on ember: ``import torch`` resolves to ``ember``.

``install()`` aliases ``torch`` and every ``torch.<sub>`` to ``ember`` / ``ember.<sub>`` and
``torchvision`` to ``ember.vision``, through a meta-path finder (submodules load on first
import, as with torch). Spawned child processes (DataLoader workers under ``spawn``) get the same
aliasing because the spawn command line installs it first; forked children inherit it.
``python -m ember script.py`` calls ``install()`` and runs the script as ``__main__``.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["install", "uninstall", "is_installed"]

ALIASES = {"torch": "ember", "torchvision": "ember.vision"}


def _target(fullname: str) -> str | None:
    for src, dst in ALIASES.items():
        if fullname == src or fullname.startswith(src + "."):
            return dst + fullname[len(src):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module) -> None:
        self.module = module
        self.spec = module.__spec__
        self.loader = getattr(module, "__loader__", None)

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        # the import system stamped the alias spec on the module: give it its own back
        module.__spec__ = self.spec
        if self.loader is not None:
            module.__loader__ = self.loader


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        name = _target(fullname)
        if name is None:
            return None
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name or name.startswith(exc.name + "."):
                raise ModuleNotFoundError(
                    f"No module named '{fullname}' (ember has no '{name}' yet)",
                    name=fullname) from None
            raise
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(module))
        return spec


_FINDER = _AliasFinder()


def _real_torch_loaded() -> bool:
    mod = sys.modules.get("torch")
    return mod is not None and not getattr(mod, "__name__", "").startswith("ember")


def is_installed() -> bool:
    return _FINDER in sys.meta_path


def install() -> None:
    """Make ``import torch`` (and ``torchvision``) import ember from now on in this process."""
    if is_installed():
        return
    if _real_torch_loaded():
        raise RuntimeError("the real torch is already imported in this process; ember cannot "
                           "alias it. Call ember.compat.install() (or use `python -m ember "
                           "script.py`) before anything imports torch.")
    sys.meta_path.insert(0, _FINDER)
    for name, mod in list(sys.modules.items()):  # already-loaded ember modules: alias now
        if name == "ember" or name.startswith("ember."):
            sys.modules.setdefault("torch" + name[len("ember"):], mod)
    _patch_spawn()


def uninstall() -> None:
    """Remove the aliasing (tests use this)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n, m in sys.modules.items()
                 if (n == "torch" or n.startswith("torch.") or n == "torchvision"
                     or n.startswith("torchvision."))
                 and getattr(m, "__name__", "").startswith("ember")]:
        del sys.modules[name]


def _patch_spawn() -> None:
    """Spawned interpreters run ``install()`` before unpickling anything from the parent."""
    from multiprocessing import spawn

    if getattr(spawn.get_command_line, "_ember", False):
        return
    original = spawn.get_command_line

    def get_command_line(**kwds):
        cmd = original(**kwds)
        if len(cmd) >= 2 and cmd[-2] == "-c":
            cmd = cmd[:-1] + ["import ember.compat; ember.compat.install(); " + cmd[-1]]
        return cmd

    get_command_line._ember = True
    spawn.get_command_line = get_command_line
