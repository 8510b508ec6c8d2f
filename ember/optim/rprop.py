"""``Rprop`` (``torch.optim.Rprop``): resilient backpropagation (sign-based step sizes)."""
from __future__ import annotations

from .._tensor import Tensor, _make
from .optimizer import Optimizer, _bump, _check_lr, _scalar_tensor, _use_grad, _value, xp

__all__ = ["Rprop", "rprop"]


class Rprop(Optimizer):
    r"""Rprop (Riedmiller & Braun).

    .. code-block:: text

        s = sign(g * prev) -> etaplus (>0), etaminus (<0), 1 (==0)
        step_size = clamp(step_size * s, *step_sizes)
        g[s == etaminus] = 0;  p -= sign(g) * step_size;  prev = g

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.Rprop([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, etas=(0.5, 1.2),
                 step_sizes=(1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
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
                    state["prev"] = _make(xp.zeros_like(p._data))
                    state["step_size"] = _make(xp.full_like(p.grad._data, _value(group["lr"])))
            st = [self.state[p] for p in params]
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            rprop(params, [p.grad for p in params], [s["prev"] for s in st],
                  [s["step_size"] for s in st], [s["step"] for s in st],
                  step_size_min=step_size_min, step_size_max=step_size_max, etaminus=etaminus,
                  etaplus=etaplus, maximize=group["maximize"])
        return loss


def rprop(params: list[Tensor], grads: list[Tensor], prevs: list[Tensor],
          step_sizes: list[Tensor], state_steps: list[Tensor], *, step_size_min: float,
          step_size_max: float, etaminus: float, etaplus: float, maximize: bool = False,
          **_ignored) -> None:
    """Functional Rprop; every array is updated in place."""
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        g = xp.negative(g) if maximize else g.copy()
        prev, step_size = prevs[i]._data, step_sizes[i]._data
        state_steps[i]._data += 1
        sign = xp.multiply(g, prev)
        xp.sign(sign, out=sign)
        sign[sign > 0] = etaplus
        sign[sign < 0] = etaminus
        sign[sign == 0] = 1
        step_size *= sign
        xp.clip(step_size, step_size_min, step_size_max, out=step_size)
        g[sign == xp.asarray(etaminus, dtype=sign.dtype)] = 0
        upd = xp.sign(g)
        upd *= -1
        upd *= step_size
        p += upd
        prev[...] = g
        _bump(param)
