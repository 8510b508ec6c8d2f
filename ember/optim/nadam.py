"""``NAdam`` (``torch.optim.NAdam``): Adam with Nesterov momentum and momentum decay."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcdiv_, _addcmul_, _added, _bump, _check_lr, _lerp_,
                        _scalar_tensor, _use_grad, _value, _zeros_like, xp)

__all__ = ["NAdam", "nadam"]


class NAdam(Optimizer):
    r"""NAdam (Dozat), with torch's momentum schedule ``mu_t = beta1 (1 - 0.5 * 0.96^(t psi))``.

    .. code-block:: text

        g = -grad if maximize else grad;  t += 1
        decoupled: p *= 1 - lr * wd   |   else: g += wd * p
        mu_product *= mu_t
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g^2
        denom = sqrt(v / (1 - beta2^t)) + eps
        p -= lr (1 - mu_t) / (1 - mu_product) * g / denom
        p -= lr mu_{t+1} / (1 - mu_product mu_{t+1}) * m / denom

    ``mu_product`` is a 0-d state tensor of torch's scalar dtype, multiplied in that dtype.

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.NAdam([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.8944
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
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
                    state["mu_product"] = _scalar_tensor(1.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            beta1, beta2 = group["betas"]
            nadam(params, [p.grad for p in params], [s["exp_avg"] for s in st],
                  [s["exp_avg_sq"] for s in st], [s["mu_product"] for s in st],
                  [s["step"] for s in st], beta1=beta1, beta2=beta2, lr=group["lr"],
                  weight_decay=group["weight_decay"], momentum_decay=group["momentum_decay"],
                  eps=group["eps"], maximize=group["maximize"],
                  decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def nadam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], mu_products: list[Tensor], state_steps: list[Tensor], *,
          beta1: float, beta2: float, lr, weight_decay: float, momentum_decay: float,
          eps: float, decoupled_weight_decay: bool = False, maximize: bool = False,
          **_ignored) -> None:
    """Functional NAdam; every array is updated in place."""
    lr = _value(lr)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        if maximize:
            g = xp.negative(g)
        m, v = exp_avgs[i]._data, exp_avg_sqs[i]._data
        mu_product = mu_products[i]._data
        step_t = state_steps[i]._data
        step_t += 1
        step = float(step_t)
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = _added(g, p, weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu  # NOTE: in the state's dtype (float32), as torch's 0-d tensor
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2)
        denom = xp.divide(v, bias_correction2)
        xp.sqrt(denom, out=denom)
        mu_prod = float(mu_product)
        mu_product_next = mu_prod * mu_next
        denom += eps
        _addcdiv_(p, g, denom, -lr * (1.0 - mu) / (1.0 - mu_prod))
        _addcdiv_(p, m, denom, -lr * mu_next / (1.0 - mu_product_next))
        _bump(param)
