"""``Adagrad`` (``torch.optim.Adagrad``): per-coordinate steps from accumulated squared grads."""
from __future__ import annotations

from .._tensor import Tensor, _make
from .optimizer import (CHUNK, Optimizer, _bump, _check_lr, _flat, _flat_in, _grad_chunk,
                        _scalar_tensor, _use_grad, _value, _write_back, xp)
from .optimizer import _scratch as _scratch_bufs

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.). State is created eagerly in ``__init__``, as torch does.

    .. code-block:: text

        g = -grad if maximize else grad;  t += 1;  g += wd * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s += g^2;  p -= clr * g / (sqrt(s) + eps)

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.Adagrad([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Tensor, init_value: float) -> None:
        state = self.state[p]
        state["step"] = _scalar_tensor(0.0)
        state["sum"] = _make(xp.full_like(p._data, init_value))

    def share_memory(self) -> None:
        """No-op: NumPy arrays live in process memory (kept for torch API parity)."""

    @_use_grad
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if len(self.state[p]) == 0:
                    self._init_state(p, self.defaults["initial_accumulator_value"])
            st = [self.state[p] for p in params]
            adagrad(params, [p.grad for p in params], [s["sum"] for s in st],
                    [s["step"] for s in st], lr=group["lr"], weight_decay=group["weight_decay"],
                    lr_decay=group["lr_decay"], eps=group["eps"], maximize=group["maximize"],
                    _scratch=self._scratch_pool())
        return loss


def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor],
            state_steps: list[Tensor], *, lr, weight_decay: float, lr_decay: float, eps: float,
            maximize: bool = False, _scratch: dict | None = None, **_ignored) -> None:
    """Functional Adagrad; every array is updated in place, CHUNK elements at a time."""
    lr = _value(lr)
    wb: list = []
    for i, param in enumerate(params):
        step_t = state_steps[i]._data
        step_t += 1
        step = float(step_t)
        clr = lr / (1 + (step - 1) * lr_decay)
        p = _flat(param._data, wb)
        g = _flat_in(grads[i]._data)
        sm = _flat(state_sums[i]._data, wb)
        T, D, G = _scratch_bufs(_scratch, p.dtype, 3)
        for s in range(0, p.shape[0], CHUNK):
            e = s + CHUNK
            pc, sc = p[s:e], sm[s:e]
            k = pc.shape[0]
            t, d = T[:k], D[:k]
            gc = _grad_chunk(g[s:e], pc, maximize, weight_decay, t, G[:k])
            xp.multiply(gc, gc, t)  # state_sum.addcmul_(grad, grad, value=1)
            sc += t
            xp.sqrt(sc, d)  # std = state_sum.sqrt().add_(eps)
            d += eps
            xp.multiply(gc, -clr, t)  # param.addcdiv_(grad, std, value=-clr)
            t /= d
            pc += t
        if wb:
            _write_back(wb)
        _bump(param)
