"""``Adamax`` (``torch.optim.Adamax``): Adam with an infinity-norm second moment."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (CHUNK, Optimizer, _bump, _check_betas_eps_wd, _check_lr, _flat, _flat_in,
                        _grad_chunk, _lerp_chunk, _scalar_tensor, _use_grad, _value, _write_back,
                        _zeros_like, xp)
from .optimizer import _scratch as _scratch_bufs

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, section 7).

    .. code-block:: text

        g = -grad if maximize else grad;  g += wd * p;  t += 1
        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p -= lr / (1 - beta1^t) * m / u

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.Adamax([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_betas_eps_wd(betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
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
                    state["exp_inf"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            beta1, beta2 = group["betas"]
            adamax(params, [p.grad for p in params], [s["exp_avg"] for s in st],
                   [s["exp_inf"] for s in st], [s["step"] for s in st], eps=group["eps"],
                   beta1=beta1, beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
                   maximize=group["maximize"], _scratch=self._scratch_pool())
        return loss


def adamax(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
           exp_infs: list[Tensor], state_steps: list[Tensor], *, eps: float, beta1: float,
           beta2: float, lr, weight_decay: float, maximize: bool = False,
           _scratch: dict | None = None, **_ignored) -> None:
    """Functional Adamax; every array is updated in place, CHUNK elements at a time."""
    lr = _value(lr)
    wb: list = []
    for i, param in enumerate(params):
        step_t = state_steps[i]._data
        step_t += 1
        clr = lr / (1 - beta1 ** float(step_t))
        p = _flat(param._data, wb)
        g = _flat_in(grads[i]._data)
        m = _flat(exp_avgs[i]._data, wb)
        u = _flat(exp_infs[i]._data, wb)
        T, D, G = _scratch_bufs(_scratch, p.dtype, 3)
        for s in range(0, p.shape[0], CHUNK):
            e = s + CHUNK
            pc, mc, uc = p[s:e], m[s:e], u[s:e]
            k = pc.shape[0]
            t, d = T[:k], D[:k]
            gc = _grad_chunk(g[s:e], pc, maximize, weight_decay, t, G[:k])
            _lerp_chunk(mc, gc, 1 - beta1, t)
            uc *= beta2  # exp_inf = max(beta2 * exp_inf, |grad| + eps)
            xp.abs(gc, d)
            d += eps
            xp.maximum(uc, d, out=uc)
            xp.multiply(mc, -clr, t)  # param.addcdiv_(exp_avg, exp_inf, value=-clr)
            t /= uc
            pc += t
        if wb:
            _write_back(wb)
        _bump(param)
