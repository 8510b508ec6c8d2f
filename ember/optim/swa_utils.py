"""Stochastic Weight Averaging and EMA (``torch.optim.swa_utils``)."""
from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy
from typing import Any, Callable, Iterable

from .._backend import CPU
from .._tensor import Tensor, _make
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]

xp = CPU.xp


def _lerp_inplace(a, b, w: float) -> None:
    d = xp.subtract(b, a)
    if abs(w) < 0.5:
        d *= w
        a += d
    else:
        d *= 1 - w
        xp.subtract(b, d, out=a)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """In-place EMA over lists of tensors: ``ema = lerp(ema, current, 1 - decay)``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")

    def ema_update(ema_param_list, current_param_list, _) -> None:
        for e, c in zip(ema_param_list, current_param_list):
            if e._data.dtype.kind in "fc":
                _lerp_inplace(e._data, c._data, 1 - decay)
            else:
                e._data[...] = e._data * decay + c._data * (1 - decay)
            e._version_box[0] += 1

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """In-place running mean over lists of tensors: ``avg += (cur - avg) / (n + 1)``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        n = num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged
        for a, c in zip(averaged_param_list, current_param_list):
            if a._data.dtype.kind in "fc":
                _lerp_inplace(a._data, c._data, 1 / (n + 1))
            else:
                diff = c._data - a._data
                a._data[...] = a._data + diff / (n + 1)
            a._version_box[0] += 1

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """EMA returning a new tensor: ``decay * ema + (1 - decay) * current``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        return _make(decay * ema_param._data + (1 - decay) * current_param._data)

    return ema_update


def get_swa_avg_fn() -> Callable:
    """Running mean returning a new tensor: ``avg + (cur - avg) / (n + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        n = int(num_averaged) if isinstance(num_averaged, Tensor) else num_averaged
        a = averaged_param._data
        return _make(a + (current_param._data - a) / (n + 1))

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` whose parameters hold an average (SWA by default, or EMA).

    Args:
        model: the module to average.
        device: accepted for torch parity (ember is CPU only).
        avg_fn: ``avg_fn(averaged, current, n) -> Tensor`` applied per parameter.
        multi_avg_fn: in-place ``multi_avg_fn(averaged_list, current_list, n)``.
        use_buffers: average buffers too (otherwise buffers are copied).

    Example:
        >>> m = ember.nn.Module(); m.w = ember.nn.Parameter(ember.zeros(2))
        >>> swa = ember.optim.swa_utils.AveragedModel(m); swa.update_parameters(m)
        >>> int(swa.n_averaged)
        1
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        self.register_buffer("n_averaged", _make(xp.array(0, dtype=xp.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (copy on the first call)."""
        if self.use_buffers:
            self_params = itertools.chain(self.module.parameters(), self.module.buffers())
            model_params = itertools.chain(model.parameters(), model.buffers())
        else:
            self_params, model_params = self.parameters(), model.parameters()
        averaged, current = [], []
        n = int(self.n_averaged._data)
        for p_avg, p_model in zip(self_params, model_params):
            averaged.append(p_avg)
            current.append(p_model)
            if n == 0:
                p_avg._data[...] = p_model._data
                p_avg._version_box[0] += 1
        if n > 0:
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged, current, _make(self.n_averaged._data.copy()))
            elif self.avg_fn is None:
                # NOTE: torch's CPU path (no foreach kernels) uses the per-tensor SWA formula.
                for p_avg, p_model in zip(averaged, current):
                    a = p_avg._data
                    diff = xp.subtract(p_model._data, a)
                    diff /= n + 1
                    a += diff
                    p_avg._version_box[0] += 1
            else:
                for p_avg, p_model in zip(averaged, current):
                    new = self.avg_fn(p_avg.detach(), p_model.detach(),
                                      _make(self.n_averaged._data.copy()))
                    p_avg._data[...] = new._data
                    p_avg._version_box[0] += 1
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                b_swa._data[...] = b_model._data
                b_swa._version_box[0] += 1
        self.n_averaged._data += 1


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute BatchNorm running statistics with one pass over ``loader``.

    Every module with ``running_mean`` and ``momentum`` (torch's ``_BatchNorm``) has its stats
    reset, uses a cumulative average (``momentum=None``) during the pass, and gets its momentum
    back afterwards; ``model.training`` is restored.
    """
    from ..autograd import no_grad

    momenta = {}
    for module in model.modules():
        if hasattr(module, "running_mean") and hasattr(module, "momentum"):
            if hasattr(module, "reset_running_stats"):
                module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` over ``anneal_epochs`` (cos or linear), then hold.

    Example:
        >>> opt = ember.optim.SGD([ember.nn.Parameter(ember.zeros(1))], lr=1.0)
        >>> s = ember.optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=1)
        >>> opt.step(); s.step(); s.get_last_lr()
        [0.1]
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" \
            else self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
