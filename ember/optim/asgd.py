"""``ASGD`` (``torch.optim.ASGD``): averaged stochastic gradient descent."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (Optimizer, _add_, _added, _bump, _check_lr, _scalar_tensor, _use_grad,
                        _value, _zeros_like, xp)

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky); ``ax`` holds the running average of the iterates.

    .. code-block:: text

        g = -grad if maximize else grad;  t += 1;  g += wd * p
        p *= 1 - lambd * eta;  p -= eta * g
        ax = p if mu == 1 else ax + mu * (p - ax)
        eta = lr / (1 + lambd lr t)^alpha;  mu = 1 / max(1, t - t0)

    ``eta`` and ``mu`` are 0-d state tensors of torch's scalar dtype.

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.ASGD([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
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
                    state["eta"] = _scalar_tensor(_value(group["lr"]))
                    state["mu"] = _scalar_tensor(1.0)
                    state["ax"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            asgd(params, [p.grad for p in params], [s["ax"] for s in st],
                 [s["mu"] for s in st], [s["eta"] for s in st], [s["step"] for s in st],
                 lambd=group["lambd"], lr=group["lr"], t0=group["t0"], alpha=group["alpha"],
                 weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss


def asgd(params: list[Tensor], grads: list[Tensor], axs: list[Tensor], mus: list[Tensor],
         etas: list[Tensor], state_steps: list[Tensor], *, lambd: float, lr, t0: float,
         alpha: float, weight_decay: float, maximize: bool = False, **_ignored) -> None:
    """Functional ASGD; every array (and the 0-d ``eta``/``mu``/``step``) updated in place."""
    lr = _value(lr)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        if maximize:
            g = xp.negative(g)
        mu, ax, eta = mus[i]._data, axs[i]._data, etas[i]._data
        step_t = state_steps[i]._data
        step_t += 1
        if weight_decay != 0:
            g = _added(g, p, weight_decay)
        eta_value = float(eta)
        p *= 1 - lambd * eta_value
        _add_(p, g, -eta_value)
        if float(mu) != 1:
            diff = xp.subtract(p, ax)
            diff *= mu.astype(p.dtype)
            ax += diff
        else:
            ax[...] = p
        step = float(step_t)
        eta[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mu[...] = 1 / max(1, step - t0)
        _bump(param)
