"""``RMSprop`` (``torch.optim.RMSprop``), optionally centered and with momentum."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (Optimizer, _add_, _addcdiv_, _addcmul_, _added, _bump, _check_lr, _lerp_,
                        _scalar_tensor, _use_grad, _value, _zeros_like, xp)

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), torch's variant (eps added outside the square root).

    .. code-block:: text

        g = -grad if maximize else grad;  g += wd * p
        v = alpha * v + (1 - alpha) * g^2
        centered: ga = lerp(ga, g, 1 - alpha);  avg = sqrt(v - ga^2) + eps   else sqrt(v) + eps
        momentum > 0: b = momentum * b + g / avg;  p -= lr * b   else p -= lr * g / avg

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.RMSprop([p], lr=0.01).step(); round(p.tolist()[0], 3)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
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
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            rmsprop(params, [p.grad for p in params], [s["square_avg"] for s in st],
                    [s["grad_avg"] for s in st] if group["centered"] else [],
                    [s["momentum_buffer"] for s in st] if group["momentum"] > 0 else [],
                    [s["step"] for s in st], lr=group["lr"], alpha=group["alpha"],
                    eps=group["eps"], weight_decay=group["weight_decay"],
                    momentum=group["momentum"], centered=group["centered"],
                    maximize=group["maximize"])
        return loss


def rmsprop(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
            grad_avgs: list[Tensor], momentum_buffer_list: list[Tensor],
            state_steps: list[Tensor], *, lr, alpha: float, eps: float, weight_decay: float,
            momentum: float, centered: bool, maximize: bool = False, **_ignored) -> None:
    """Functional RMSprop; every array is updated in place."""
    lr = _value(lr)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        if maximize:
            g = xp.negative(g)
        state_steps[i]._data += 1
        if weight_decay != 0:
            g = _added(g, p, weight_decay)
        sq = square_avgs[i]._data
        sq *= alpha
        _addcmul_(sq, g, g, 1 - alpha)
        if centered:
            ga = grad_avgs[i]._data
            _lerp_(ga, g, 1 - alpha)
            avg = xp.multiply(ga, -1)
            avg *= ga
            avg += sq
            xp.sqrt(avg, out=avg)
        else:
            avg = xp.sqrt(sq)
        avg += eps
        if momentum > 0:
            buf = momentum_buffer_list[i]._data
            buf *= momentum
            _addcdiv_(buf, g, avg)
            _add_(p, buf, -lr)
        else:
            _addcdiv_(p, g, avg, -lr)
        _bump(param)
