"""``NAdam`` (``torch.optim.NAdam``): Adam with Nesterov momentum and momentum decay."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (CHUNK, Optimizer, _bump, _check_betas_eps_wd, _check_lr, _flat, _flat_in,
                        _grad_chunk, _lerp_chunk, _scalar_tensor, _use_grad, _value, _write_back,
                        _zeros_like, xp)
from .optimizer import _scratch as _scratch_bufs

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
        _check_betas_eps_wd(betas, eps, weight_decay)
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
                  decoupled_weight_decay=group["decoupled_weight_decay"],
                  _scratch=self._scratch_pool())
        return loss


def nadam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], mu_products: list[Tensor], state_steps: list[Tensor], *,
          beta1: float, beta2: float, lr, weight_decay: float, momentum_decay: float,
          eps: float, decoupled_weight_decay: bool = False, maximize: bool = False,
          _scratch: dict | None = None, **_ignored) -> None:
    """Functional NAdam; every array is updated in place, CHUNK elements at a time."""
    lr = _value(lr)
    decay = 1 - lr * weight_decay if weight_decay != 0 and decoupled_weight_decay else None
    l2 = 0 if decoupled_weight_decay else weight_decay
    wb: list = []
    for i, param in enumerate(params):
        mu_product = mu_products[i]._data
        step_t = state_steps[i]._data
        step_t += 1
        step = float(step_t)
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu  # NOTE: in the state's dtype (float32), as torch's 0-d tensor
        mu_prod = float(mu_product)
        c_grad = -lr * (1.0 - mu) / (1.0 - mu_prod)
        c_avg = -lr * mu_next / (1.0 - mu_prod * mu_next)
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
            xp.divide(vc, bias_correction2, d)  # denom = (v / bc2).sqrt() + eps
            xp.sqrt(d, d)
            d += eps
            xp.multiply(gc, c_grad, t)
            t /= d
            pc += t
            xp.multiply(mc, c_avg, t)
            t /= d
            pc += t
        if wb:
            _write_back(wb)
        _bump(param)
