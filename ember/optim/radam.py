"""``RAdam`` (``torch.optim.RAdam``): Adam with a variance-rectified step."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcmul_, _added, _bump, _check_lr, _lerp_, _scalar_tensor,
                        _use_grad, _value, _zeros_like, xp)

__all__ = ["RAdam", "radam"]


class RAdam(Optimizer):
    r"""RAdam (Liu et al.): Adam whose adaptive term is switched on once the variance is tractable.

    .. code-block:: text

        g = -grad if maximize else grad;  t += 1
        decoupled: p *= 1 - lr * wd   |   else: g += wd * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g^2
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        rho_t > 5:  p -= m / (1 - beta1^t) * lr * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t
        else:       p -= m / (1 - beta1^t) * lr

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.RAdam([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
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
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            beta1, beta2 = group["betas"]
            radam(params, [p.grad for p in params], [s["exp_avg"] for s in st],
                  [s["exp_avg_sq"] for s in st], [s["step"] for s in st], beta1=beta1,
                  beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
                  eps=group["eps"], maximize=group["maximize"],
                  decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def radam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], state_steps: list[Tensor], *, beta1: float, beta2: float,
          lr, weight_decay: float, eps: float, decoupled_weight_decay: bool = False,
          maximize: bool = False, **_ignored) -> None:
    """Functional RAdam; every array is updated in place."""
    lr = _value(lr)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        if maximize:
            g = xp.negative(g)
        m, v = exp_avgs[i]._data, exp_avg_sqs[i]._data
        step_t = state_steps[i]._data
        step_t += 1
        step = float(step_t)
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = _added(g, p, weight_decay)
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = xp.divide(m, bias_correction1)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            adaptive = xp.sqrt(v)
            adaptive += eps
            xp.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
            update *= adaptive
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            update *= rect
        p -= update
        _bump(param)
