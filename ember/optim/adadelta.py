"""``Adadelta`` (``torch.optim.Adadelta``): unit-corrected adaptive steps."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (Optimizer, _add_, _addcmul_, _added, _bump, _check_lr, _scalar_tensor,
                        _use_grad, _value, _zeros_like, xp)

__all__ = ["Adadelta", "adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler).

    .. code-block:: text

        g = -grad if maximize else grad;  g += wd * p
        v = rho * v + (1 - rho) * g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta^2;  p -= lr * delta

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.Adadelta([p]).step(); p.tolist()[0] < 1
        True
    """

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            adadelta(params, [p.grad for p in params], [s["square_avg"] for s in st],
                     [s["acc_delta"] for s in st], [s["step"] for s in st], lr=group["lr"],
                     rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                     maximize=group["maximize"])
        return loss


def adadelta(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
             acc_deltas: list[Tensor], state_steps: list[Tensor], *, lr, rho: float, eps: float,
             weight_decay: float, maximize: bool = False, **_ignored) -> None:
    """Functional Adadelta; every array is updated in place."""
    lr = _value(lr)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        state_steps[i]._data += 1
        if maximize:
            g = xp.negative(g)
        if weight_decay != 0:
            g = _added(g, p, weight_decay)
        v, u = square_avgs[i]._data, acc_deltas[i]._data
        v *= rho
        _addcmul_(v, g, g, 1 - rho)
        std = xp.add(v, eps)
        xp.sqrt(std, out=std)
        delta = xp.add(u, eps)
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        u *= rho
        _addcmul_(u, delta, delta, 1 - rho)
        _add_(p, delta, -lr)
        _bump(param)
