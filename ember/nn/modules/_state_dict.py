"""The state-dict half of ``nn.Module``: ``state_dict``, ``load_state_dict`` and their hooks.

Functions here become ``Module`` methods (bound in module.py); keys, ordering, ``_metadata`` and
error texts are torch's.
"""
from __future__ import annotations

import functools
import itertools
from collections import OrderedDict, namedtuple

from ..._tensor import Tensor
from ...utils.hooks import RemovableHandle
from ..parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, " \
               f"unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _with_module(hook, module, *args):
    return hook(module, *args)


def save_to_state_dict(self, destination, prefix, keep_vars) -> None:
    for name, p in self._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in self._buffers.items():
        if b is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = b if keep_vars else b.detach()
    extra = getattr(type(self), "get_extra_state", None)
    if extra is not None and extra is not get_extra_state:
        destination[prefix + "_extra_state"] = self.get_extra_state()


def get_extra_state(self):
    raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be "
                       "called.")


def set_extra_state(self, state) -> None:
    raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be "
                       "called.")


def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
    """An ordered dict of parameters and persistent buffers under dotted names."""
    if args:  # torch's deprecated positional form (destination, prefix, keep_vars)
        destination = args[0]
        if len(args) > 1:
            prefix = args[1]
        if len(args) > 2:
            keep_vars = args[2]
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    meta = getattr(destination, "_metadata", None)
    if meta is not None:
        meta[prefix[:-1]] = {"version": self._version}
    for hook in self._state_dict_pre_hooks.values():
        hook(self, prefix, keep_vars)
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, m in self._modules.items():
        if m is not None:
            m.state_dict(destination=destination, prefix=prefix + name + ".",
                         keep_vars=keep_vars)
    local_metadata = meta[prefix[:-1]] if meta is not None else {}
    for hook in self._state_dict_hooks.values():
        result = hook(self, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination


def load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                          unexpected_keys, error_msgs, assign=False) -> None:
    for hook in self._load_state_dict_pre_hooks.values():
        hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
             error_msgs)
    persistent = {k: v for k, v in self._buffers.items()
                  if k not in self._non_persistent_buffers_set}
    local = itertools.chain(self._parameters.items(), persistent.items())
    for name, param in local:
        key = prefix + name
        if param is None:
            continue
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, Tensor):
            error_msgs.append(f'While copying the parameter named "{key}", expected '
                              f"torch.Tensor or Tensor-like object from checkpoint but "
                              f"received {type(value)}")
            continue
        if value.shape != param.shape:
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model "
                              f"is {param.shape}.")
            continue
        if assign:
            if isinstance(param, Parameter):
                new = value if isinstance(value, Parameter) else \
                    Parameter(value.detach(), requires_grad=param.requires_grad)
                self._parameters[name] = new
            else:
                self._buffers[name] = value
            continue
        try:
            from ...autograd.grad_mode import no_grad
            with no_grad():
                param.copy_(value)
        except Exception as exc:
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions '
                              f"in the model are {param.shape} and whose dimensions in the "
                              f"checkpoint are {value.shape}, an exception occurred : "
                              f"{exc.args}.")
    extra_key = prefix + "_extra_state"
    has_setter = getattr(type(self), "set_extra_state", None) is not set_extra_state
    if has_setter:
        if extra_key in state_dict:
            self.set_extra_state(state_dict[extra_key])
        elif strict:
            missing_keys.append(extra_key)
    if strict:
        for key in state_dict:
            if key.startswith(prefix) and key != extra_key:
                rest = key[len(prefix):]
                head = rest.split(".", 1)[0]
                if head not in self._modules and rest not in self._parameters and \
                        rest not in persistent:
                    unexpected_keys.append(key)


def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
    """Copy parameters and buffers from ``state_dict``; returns ``(missing, unexpected)``.

    With ``strict=True`` missing/unexpected keys raise torch's RuntimeError; shape
    mismatches always do.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing, unexpected, errors = [], [], []
    metadata = getattr(state_dict, "_metadata", None)

    def load(module, prefix=""):
        local_meta = {} if metadata is None else metadata.get(prefix[:-1], {})
        module._load_from_state_dict(state_dict, prefix, local_meta, True, missing,
                                     unexpected, errors, assign)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + ".")
        result = _IncompatibleKeys(missing, unexpected)
        for hook in module._load_state_dict_post_hooks.values():
            hook(module, result)

    load(self)
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            self._get_name(), "\n\t".join(errors)))
    return _IncompatibleKeys(missing, unexpected)


def register_state_dict_pre_hook(self, hook):
    handle = RemovableHandle(self._state_dict_pre_hooks)
    self._state_dict_pre_hooks[handle.id] = hook
    return handle


def register_state_dict_post_hook(self, hook):
    handle = RemovableHandle(self._state_dict_hooks)
    self._state_dict_hooks[handle.id] = hook
    return handle


def register_load_state_dict_pre_hook(self, hook):
    handle = RemovableHandle(self._load_state_dict_pre_hooks)
    self._load_state_dict_pre_hooks[handle.id] = functools.partial(_with_module, hook, self)
    return handle


def register_load_state_dict_pre_hook_no_module(self, hook, with_module: bool = False):
    """torch's private variant: the hook is called without the module unless asked."""
    if with_module:
        return register_load_state_dict_pre_hook(self, hook)
    handle = RemovableHandle(self._load_state_dict_pre_hooks)
    self._load_state_dict_pre_hooks[handle.id] = hook
    return handle


def register_load_state_dict_post_hook(self, hook):
    handle = RemovableHandle(self._load_state_dict_post_hooks)
    self._load_state_dict_post_hooks[handle.id] = hook
    return handle
