"""``RAdam`` (``torch.optim.RAdam``): Adam with a variance-rectified step."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (CHUNK, Optimizer, _bump, _check_betas_eps_wd, _check_lr, _flat, _flat_in,
                        _grad_chunk, _lerp_chunk, _scalar_tensor, _use_grad, _value, _write_back,
                        _zeros_like, xp)
from .optimizer import _scratch as _scratch_bufs

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
        _check_betas_eps_wd(betas, eps, weight_decay)
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
                  decoupled_weight_decay=group["decoupled_weight_decay"],
                  _scratch=self._scratch_pool())
        return loss


def radam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], state_steps: list[Tensor], *, beta1: float, beta2: float,
          lr, weight_decay: float, eps: float, decoupled_weight_decay: bool = False,
          maximize: bool = False, _scratch: dict | None = None, **_ignored) -> None:
    """Functional RAdam; every array is updated in place, CHUNK elements at a time."""
    lr = _value(lr)
    decay = 1 - lr * weight_decay if weight_decay != 0 and decoupled_weight_decay else None
    l2 = 0 if decoupled_weight_decay else weight_decay
    rho_inf = 2 / (1 - beta2) - 1
    wb: list = []
    for i, param in enumerate(params):
        step_t = state_steps[i]._data
        step_t += 1
        step = float(step_t)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        rect = None
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        bc2_sqrt = bias_correction2 ** 0.5
        p = _flat(param._data, wb)
        g = _flat_in(grads[i]._data)
        m = _flat(exp_avgs[i]._data, wb)
        v = _flat(exp_avg_sqs[i]._data, wb)
        T, D, G = _scratch_bufs(_scratch, p.dtype, 3)
        for s in range(0, p.shape[0], CHUNK):
            e = s + CHUNK
            pc, mc, vc = p[s:e], m[s:e], v[s:e]
            k = pc.shape[0]
            t, d = T[:k], D[:k]
            gc = _grad_chunk(g[s:e], pc, maximize, l2, t, G[:k])
            if decay is not None:
                pc *= decay
            _lerp_chunk(mc, gc, 1 - beta1, t)
            vc *= beta2
            xp.multiply(gc, 1 - beta2, t)
            t *= gc
            vc += t
            xp.divide(mc, bias_correction1, t)  # bias-corrected first moment, times lr
            t *= lr
            if rect is not None:  # adaptive lr: sqrt(bias_correction2) / (sqrt(v) + eps)
                xp.sqrt(vc, d)
                d += eps
                xp.divide(bc2_sqrt, d, d)
                t *= d
                t *= rect
            pc -= t
        if wb:
            _write_back(wb)
        _bump(param)
